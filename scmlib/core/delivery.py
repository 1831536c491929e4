"""Delivery performance: on-time, in-full and OTIF flags, for suppliers and for customers.

One implementation for every report: the supplier scorecard, the KPI dashboard, risk
assessment and the processes to come read their definition (level, reference date, early and
late tolerances, in-full tolerance) from the company settings (:func:`otif_options`).

Definition (APICS Dictionary, 16th ed., "on-time in-full"; Gartner's "perfect order" family):
a line (or an order: every line) is on time when it arrives no more than ``early_days`` before
and no more than ``late_days`` after its due date, in full when the received quantity is at
least ``(1 - in_full_tolerance)`` of the ordered quantity, and OTIF when both hold.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from scmlib.errors import ParameterError


class DeliveryFlags(NamedTuple):
    """What :func:`otif` returns: the flags per line or order, and the measures that cannot be
    computed with why (``{"in_full": "no 'received_qty' quantities: ..."}``)."""

    flags: pd.DataFrame
    unavailable: dict[str, str]


def otif(
    lines: pd.DataFrame,
    level: str = "line",
    early_days: int = 3,
    late_days: int = 0,
    in_full_tolerance: float = 0.0,
    due: str = "promised_date",
    arrived: str = "receipt_date",
    ordered: str = "ordered_qty",
    received: str = "received_qty",
    order_id: str = "po_id",
) -> DeliveryFlags:
    """On-time, in-full and OTIF flags per line or per order; returns (flags, unavailable).

    Lines not yet arrived are left out (they are open, not late, until their due date passes:
    open lines past due count as late). ``flags`` keeps the input's other columns.

    Parameters
    ----------
    lines : one row per order line with the due, arrival and quantity columns named below.
    level : ``line`` (each line counts) or ``order`` (an order is OTIF when all its lines are).
    early_days, late_days : the on-time window around the due date, in days.
    in_full_tolerance : the share of the ordered quantity that may be short and still count as
        in full (0.02 = 98% or more received).

    Returns
    -------
    (flags, unavailable): ``flags`` with ``on_time``, ``in_full`` and ``otif`` as 1.0/0.0 (NaN
    where unmeasurable); ``unavailable`` names each measure that cannot be computed and why.

    References
    ----------
    APICS Dictionary, 16th ed. (2019), "on-time in-full"; ASCM SCOR 12.0, RL.2.1-RL.2.4.

    Examples
    --------
    Three lines due 10 March: one 2 days early, one a day late, one on time but short by 5%:

    >>> import pandas as pd
    >>> lines = pd.DataFrame({
    ...     "po_id": ["P1", "P1", "P2"],
    ...     "promised_date": pd.to_datetime(["2026-03-10"] * 3),
    ...     "receipt_date": pd.to_datetime(["2026-03-08", "2026-03-11", "2026-03-10"]),
    ...     "ordered_qty": [100, 100, 100], "received_qty": [100, 100, 95]})
    >>> flags, _ = otif(lines, early_days=3, late_days=0)
    >>> flags["otif"].tolist()
    [1.0, 0.0, 0.0]
    >>> otif(lines, late_days=1, in_full_tolerance=0.05)[0]["otif"].tolist()
    [1.0, 1.0, 1.0]
    >>> otif(lines, level="order", late_days=0)[0][["po_id", "otif"]].values.tolist()
    [['P1', 0.0], ['P2', 0.0]]
    """
    if level not in ("line", "order"):
        raise ParameterError(f"OTIF level must be 'line' or 'order', got {level!r}")
    if early_days < 0 or late_days < 0 or not 0 <= in_full_tolerance < 1:
        raise ParameterError(
            f"OTIF early/late days must be >= 0 and the in-full tolerance in [0, 1), got {early_days}, {late_days}, {in_full_tolerance}"
        )
    unavailable: dict[str, str] = {}
    df = lines.copy()
    as_of = df[arrived].max() if arrived in df.columns else None
    if (
        due not in df.columns
        or arrived not in df.columns
        or df[due].isna().all()
        or df[arrived].isna().all()
    ):
        unavailable["on_time"] = f"no '{due}' or '{arrived}' dates: on time cannot be measured"
        df["on_time"] = np.nan
    else:
        late_open = df[arrived].isna() & (df[due] + pd.Timedelta(days=late_days) < as_of)
        df = df[df[arrived].notna() | late_open].copy()
        delta = (df[arrived] - df[due]).dt.days
        df["on_time"] = ((delta >= -early_days) & (delta <= late_days)).astype(float)
        df.loc[df[arrived].isna(), "on_time"] = 0.0
    if received not in df.columns or df[received].isna().all() or ordered not in df.columns:
        unavailable["in_full"] = f"no '{received}' quantities: in-full cannot be measured"
        df["in_full"] = np.nan
    else:
        df["in_full"] = (df[received].fillna(0) >= (1 - in_full_tolerance) * df[ordered]).astype(
            float
        )
    if "on_time" in unavailable or "in_full" in unavailable:
        unavailable["otif"] = "needs both on-time and in-full: " + "; ".join(unavailable.values())
        df["otif"] = np.nan
    else:
        df["otif"] = df["on_time"] * df["in_full"]
    if level == "order":
        keep = [c for c in df.columns if c not in ("on_time", "in_full", "otif")]
        agg = {c: "first" for c in keep if c != order_id}
        agg.update({"on_time": "min", "in_full": "min", "otif": "min"})
        if arrived in df.columns:
            agg[arrived] = "max"
        df = df.groupby(order_id, as_index=False).agg(agg)
    return DeliveryFlags(df, unavailable)


def otif_options(definition: Mapping[str, Any], party: str = "supplier") -> dict[str, Any]:
    """Keyword arguments of :func:`otif` from a settings section (``supplier_otif`` or
    ``customer_otif``: level, reference, early_days, late_days, in_full_tolerance)."""
    opts = {
        "level": definition["level"],
        "early_days": int(definition["early_days"]),
        "late_days": int(definition["late_days"]),
        "in_full_tolerance": float(definition["in_full_tolerance"]),
        "due": f"{definition['reference']}_date",
    }
    if party == "customer":
        opts.update(arrived="delivery_date", received="delivered_qty", order_id="order_id")
    return opts
