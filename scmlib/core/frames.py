"""Input checks shared by every area's entry points."""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from scmlib.errors import DataError


def require_columns(frame: pd.DataFrame, columns: Iterable[str], what: str) -> None:
    """Raise a one-line :class:`~scmlib.errors.DataError` when ``frame`` lacks any of ``columns``
    (``what`` names the input, e.g. "supplier metrics: purchase_order_lines"), so a frame that
    reached an area function without a column it needs fails with the fix, never a KeyError."""
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise DataError(
            f"{what} is missing column(s) {missing}; got {list(frame.columns)[:15]}. "
            "Fix: add them to the source or map them with column_map"
        )
