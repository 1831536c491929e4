"""The data layer: canonical tables, loading from the user's sources, validation, demo company.

Notebooks read data only through :func:`load_data`::

    data = load_data("demo", tables=["items", "demand_history"])
    data["demand_history"]          # validated, typed, canonical columns
    data.warnings                   # suspicious-but-usable findings for the report
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from scmlib.data.demo import ensure_demo
from scmlib.data.model import TABLES, Table
from scmlib.data.sources import RawTable, read_table, resolve_source, table_options
from scmlib.data.validate import (
    apply_column_map,
    check_columns,
    check_future_dates,
    check_references,
    check_values,
    coerce_table,
    quality_warnings,
)
from scmlib.errors import DataError, did_you_mean

__all__ = ["Dataset", "load_data", "check_dataset", "ensure_demo", "TABLES"]


@dataclass
class Dataset:
    """Validated canonical tables loaded from one source."""

    source: str
    tables: dict[str, pd.DataFrame]
    warnings: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)

    def __getitem__(self, name: str) -> pd.DataFrame:
        if name not in self.tables:
            raise DataError(f"table '{name}' is not available from data source '{self.source}'")
        return self.tables[name]

    def __contains__(self, name: str) -> bool:
        return name in self.tables

    def get(self, name: str) -> pd.DataFrame | None:
        return self.tables.get(name)

    def period(self, table: str, column: str) -> tuple[pd.Timestamp, pd.Timestamp] | tuple[None, None]:
        frame = self.tables.get(table)
        if frame is None or frame.empty or column not in frame.columns:
            return None, None
        return frame[column].min(), frame[column].max()


def load_data(
    source: str = "demo",
    tables: Iterable[str] = (),
    optional: Iterable[str] = (),
    column_map: Mapping[str, Mapping[str, str]] | None = None,
    read_options: Mapping[str, Any] | None = None,
) -> Dataset:
    """Load and validate canonical tables from ``source``.

    Parameters
    ----------
    source : ``demo``, a folder, a workbook, a database file or a SQLAlchemy URL.
    tables : tables the caller needs; a missing one is an error.
    optional : tables used when present; a missing one is listed in ``Dataset.missing``.
    column_map : ``{table: {source column: canonical column}}``.
    read_options : see :mod:`scmlib.data.sources`.

    Raises
    ------
    DataError
        One line naming table, column, problem, example rows and the fix.
    """
    column_map = {k: dict(v or {}) for k, v in (column_map or {}).items()}
    required, optional = list(tables), [t for t in optional if t not in tables]
    for name in [*required, *optional, *column_map]:
        if name not in TABLES:
            raise DataError(f"unknown table '{name}'{did_you_mean(name, TABLES)}; known tables: {sorted(TABLES)}")
    kind, location = resolve_source(source)
    raws: dict[str, RawTable] = {}
    frames: dict[str, pd.DataFrame] = {}
    missing: list[str] = []
    for name in [*required, *optional]:
        opts = table_options(read_options, name)
        cmap = column_map.get(name, {})
        raw = read_table(kind, location, name, opts, cmap)
        if raw is None:
            if name in required:
                raise DataError(
                    f"table '{name}' not found in data source '{source}': provide {name}.csv or {name}.parquet "
                    f"(a sheet or database table named '{name}'), or point read_options {name}.path/query at it"
                )
            missing.append(name)
            continue
        raw.frame = apply_column_map(raw.frame, name, cmap)
        for col, value in (opts.get("fill") or {}).items():
            if col not in raw.frame.columns:
                raw.frame[col] = value
        spec: Table = TABLES[name]
        check_columns(raw, spec)
        raw.frame = raw.frame.reset_index(drop=True)
        for col in spec.columns:
            if col.row_number and col.name not in raw.frame.columns:
                others = [k for k in spec.key if k != col.name and k in raw.frame.columns]
                raw.frame[col.name] = (raw.frame.groupby(others, sort=False, dropna=False).cumcount() + 1).astype(str)
        frame = coerce_table(raw, spec, opts)
        check_values(raw, spec, frame)
        check_future_dates(raw, spec, frame)
        raws[name] = raw
        frames[name] = frame
    check_references(frames, raws)
    wants_rates = "exchange_rates" in required or "exchange_rates" in optional
    return Dataset(str(source), frames, quality_warnings(frames, wants_rates), missing)


def check_dataset(source: str = "demo", column_map=None, read_options=None) -> tuple[pd.DataFrame, bool]:
    """Validate every table a source has; return (table, rows, status, problems) and usability."""
    rows = []
    usable = True
    try:
        kind, location = resolve_source(source)
    except DataError as exc:
        return pd.DataFrame([{"table": "-", "rows": 0, "status": "error", "problems": str(exc)}]), False
    present = []
    for name in TABLES:
        try:
            raw = read_table(kind, location, name, table_options(read_options, name), (column_map or {}).get(name, {}))
        except DataError as exc:
            rows.append({"table": name, "rows": 0, "status": "error", "problems": str(exc)})
            usable = False
            continue
        if raw is not None:
            present.append(name)
    tables_ok: dict[str, pd.DataFrame] = {}
    for name in present:
        try:
            ds = load_data(source, tables=[name], column_map=column_map, read_options=read_options)
            tables_ok[name] = ds[name]
            rows.append({"table": name, "rows": len(ds[name]), "status": "ok", "problems": "; ".join(ds.warnings)})
        except DataError as exc:
            rows.append({"table": name, "rows": 0, "status": "error", "problems": str(exc)})
            usable = False
    if usable and present:
        try:
            load_data(source, tables=present, column_map=column_map, read_options=read_options)
        except DataError as exc:
            rows.append({"table": "(references)", "rows": 0, "status": "error", "problems": str(exc)})
            usable = False
    for name in TABLES:
        if name not in present and not any(r["table"] == name for r in rows):
            rows.append({"table": name, "rows": 0, "status": "absent", "problems": "not in this source (processes that need it say so)"})
    if not present:
        usable = False
    return pd.DataFrame(rows), usable
