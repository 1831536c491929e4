"""The data layer: canonical tables, loading from the user's sources, validation, demo company.

Notebooks read data only through :func:`load_data`::

    data = load_data("demo", tables=["items", "demand_history"])
    data["demand_history"]          # validated, typed, canonical columns
    data.warnings                   # suspicious-but-usable findings for the report
"""

from __future__ import annotations

import difflib
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
    planned_date_warnings,
    quality_warnings,
)
from scmlib.errors import DataError, did_you_mean

__all__ = ["Dataset", "load_data", "check_dataset", "check_data_block", "ensure_demo", "TABLES"]


def exclusion_mask(frame: pd.DataFrame, table: str, exclude: Any) -> pd.Series | None:
    """Rows matching ``read_options`` ``exclude`` (``{column: [values]}``): any listed value of any
    listed column. A column the table does not have is an error, never a silent no-op."""
    if not exclude:
        return None
    if not isinstance(exclude, Mapping):
        raise DataError(
            f"table '{table}': read_options exclude must be {{column: [values]}}, got {exclude!r}"
        )
    mask = pd.Series(False, index=frame.index)
    for column, values in exclude.items():
        if column not in frame.columns:
            raise DataError(
                f"table '{table}': read_options exclude names column '{column}' that the table does not have"
                f"{did_you_mean(str(column), frame.columns)}; columns: {list(frame.columns)[:15]}"
            )
        vals = values if isinstance(values, (list, tuple, set)) else [values]
        mask |= frame[column].isin(list(vals)).fillna(False).to_numpy(dtype=bool)
    return mask


def relax(spec: Table, columns: Iterable[str]) -> Table:
    """A copy of a table's spec in which ``columns`` are optional and may be empty."""
    import dataclasses

    cols = set(columns)
    if not cols:
        return spec
    unknown = cols - set(spec.column_names)
    if unknown:
        raise DataError(
            f"table '{spec.name}': relaxed column(s) {sorted(unknown)} are not in the data model"
        )
    return dataclasses.replace(
        spec,
        columns=tuple(
            dataclasses.replace(c, required=False, nullable=True) if c.name in cols else c
            for c in spec.columns
        ),
    )


HORIZON_YEARS = 10.0  # planned dates further ahead are warned about (read option horizon_years)


def _horizon(value: Any, table: str) -> float:
    """The ``horizon_years`` read option as a positive number of years, or a one-line error."""
    try:
        years = float(value)
    except (TypeError, ValueError):
        years = float("nan")
    if not years > 0 or years == float("inf"):
        raise DataError(
            f"read_options for table '{table}': horizon_years must be a positive number of years "
            f"(got {value!r}), e.g. horizon_years: 30"
        )
    return years


def check_data_block(column_map: Any = None, read_options: Any = None, where: str = "") -> None:
    """Check the shape of a ``column_map`` and ``read_options`` before anything is read.

    ``column_map`` is ``{table: {source column: canonical column}}``; ``read_options`` holds
    reading options for all tables and ``{table: {option: value}}`` for one. A flat column map,
    an unknown table, a canonical name the table does not have or an unknown option is a
    one-line :class:`~scmlib.errors.ParameterError` showing the expected form.
    """
    from scmlib.data.sources import READ_KEYS
    from scmlib.errors import ParameterError

    prefix = f"{where}: " if where else ""
    example = "column_map: {purchase_order_lines: {Vendor: supplier_id, Qty: ordered_qty}}"
    if column_map:
        if not isinstance(column_map, Mapping):
            raise ParameterError(
                f"{prefix}column_map must be a mapping of table to {{source column: canonical column}}, e.g. {example}"
            )
        for table, mapping in column_map.items():
            if not isinstance(mapping, Mapping):
                hint = (
                    f" (a flat map: put '{table}: {mapping}' under its table)"
                    if isinstance(mapping, str)
                    else ""
                )
                raise ParameterError(
                    f"{prefix}column_map['{table}'] must be a mapping of source column to canonical column{hint}, e.g. {example}"
                )
            if table not in TABLES:
                raise ParameterError(
                    f"{prefix}column_map: unknown table '{table}'{did_you_mean(table, TABLES)}; "
                    f"the map is per table, e.g. {example}"
                )
            canon = TABLES[table].column_names
            for src, dst in mapping.items():
                # an extra (non-canonical) column may be kept under a name of the user's, e.g. to drive
                # a row filter; a name one typo away from a canonical column is refused
                typo = (
                    isinstance(dst, str)
                    and dst not in canon
                    and difflib.get_close_matches(dst, canon, n=1, cutoff=0.85)
                )
                if not isinstance(dst, str) or not dst.strip() or typo:
                    raise ParameterError(
                        f"{prefix}column_map['{table}']: '{src}' maps to {dst!r}, which is not a column of table "
                        f"'{table}'{did_you_mean(str(dst), canon)}; docs/data-model.md lists its columns"
                    )
    if read_options:
        if not isinstance(read_options, Mapping):
            raise ParameterError(
                f"{prefix}read_options must be a mapping, e.g. read_options: {{encoding: latin-1, invoices: {{decimal: ','}}}}"
            )
        for key, value in read_options.items():
            if key in TABLES:
                if not isinstance(value, Mapping):
                    raise ParameterError(
                        f"{prefix}read_options['{key}'] must be a mapping of option: value, e.g. {key}: {{date_format: '%d/%m/%Y'}}"
                    )
                unknown = sorted(set(value) - READ_KEYS)
            else:
                unknown = [] if key in READ_KEYS else [key]
                if key in ("date_format", "na_values", "bounds") and isinstance(value, Mapping):
                    every = sorted({c for t in TABLES.values() for c in t.column_names})
                    stray = [c for c in value if c not in every]
                    if stray:
                        raise ParameterError(
                            f"{prefix}read_options {key}: column '{stray[0]}' is in no table{did_you_mean(str(stray[0]), every)}; "
                            f"use canonical column names (after column_map)"
                        )
            if unknown:
                raise ParameterError(
                    f"{prefix}read_options: unknown option or table '{unknown[0]}'{did_you_mean(unknown[0], [*READ_KEYS, *TABLES])}; "
                    f"options: {', '.join(sorted(READ_KEYS))}"
                )


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

    def period(
        self, table: str, column: str
    ) -> tuple[pd.Timestamp, pd.Timestamp] | tuple[None, None]:
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
    relaxed: Mapping[str, Iterable[str]] | None = None,
) -> Dataset:
    """Load and validate canonical tables from ``source``.

    Parameters
    ----------
    source : ``demo``, a folder, a workbook, a database file or a SQLAlchemy URL.
    tables : tables the caller needs; a missing one is an error.
    optional : tables used when present; a missing one is listed in ``Dataset.missing``.
    column_map : ``{table: {source column: canonical column}}``.
    read_options : see :mod:`scmlib.data.sources`.
    relaxed : ``{table: [columns]}`` the data model requires but the caller can do without: they
        may be absent or empty (e.g. the supplier scorecard needs no PO order date).

    Raises
    ------
    DataError
        One line naming table, column, problem, example rows and the fix.
    """
    check_data_block(column_map, read_options)
    column_map = {k: dict(v or {}) for k, v in (column_map or {}).items()}
    required, optional = list(tables), [t for t in optional if t not in tables]
    for name in [*required, *optional, *column_map]:
        if name not in TABLES:
            raise DataError(
                f"unknown table '{name}'{did_you_mean(name, TABLES)}; known tables: {sorted(TABLES)}"
            )
    kind, location = resolve_source(source)
    raws: dict[str, RawTable] = {}
    frames: dict[str, pd.DataFrame] = {}
    horizons: dict[str, float] = {}
    missing: list[str] = []
    notes: list[str] = []
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
        spec: Table = relax(TABLES[name], (relaxed or {}).get(name, ()))
        check_columns(raw, spec)
        raw.frame = raw.frame.reset_index(drop=True)
        for col in spec.columns:
            if col.row_number and col.name not in raw.frame.columns:
                others = [k for k in spec.key if k != col.name and k in raw.frame.columns]
                raw.frame[col.name] = (
                    raw.frame.groupby(others, sort=False, dropna=False).cumcount() + 1
                ).astype(str)
        frame = coerce_table(raw, spec, opts)
        excluded = exclusion_mask(frame, name, opts.get("exclude"))
        check_values(raw, spec, frame)
        check_future_dates(raw, spec, frame)
        if excluded is not None and excluded.any():
            frame = frame[~excluded].reset_index(drop=True)
            raw.frame = frame
            raw.segments = None
            notes.append(
                f"{name}: {int(excluded.sum()):,} rows left out by read_options exclude ({', '.join(opts['exclude'])})."
            )
        notes.extend(raw.notes)
        raws[name] = raw
        frames[name] = frame
        horizons[name] = _horizon(opts.get("horizon_years", HORIZON_YEARS), name)
    reference_warnings = check_references(frames, raws)
    wants_rates = "exchange_rates" in required or "exchange_rates" in optional
    warnings_ = (
        notes
        + quality_warnings(frames, wants_rates)
        + reference_warnings
        + [
            w
            for name, frame in frames.items()
            for w in planned_date_warnings({name: frame}, horizons[name])
        ]
    )
    return Dataset(str(source), frames, warnings_, missing)


def _add_cross_table_warnings(rows: list[dict], warnings_: list[str]) -> None:
    """Warnings that only the load of every table together finds (a reference to a row of
    another table that does not exist) added to the row of the table they name."""
    by_table = {r["table"]: r for r in rows}
    for w in warnings_:
        table = w.split(":", 1)[0].strip()
        row = by_table.get(table)
        if row is None or w in str(row["problems"]).split("; "):
            continue
        row["problems"] = "; ".join(p for p in (row["problems"], w) if p)
        if row["status"] == "ok":
            row["status"] = "warning"


def check_dataset(
    source: str = "demo", column_map=None, read_options=None
) -> tuple[pd.DataFrame, bool]:
    """Validate every table a source has; return (table, rows, status, problems) and usability."""
    rows = []
    usable = True
    try:
        kind, location = resolve_source(source)
    except DataError as exc:
        return pd.DataFrame(
            [{"table": "-", "rows": 0, "status": "error", "problems": str(exc)}]
        ), False
    present = []
    for name in TABLES:
        try:
            raw = read_table(
                kind,
                location,
                name,
                table_options(read_options, name),
                (column_map or {}).get(name, {}),
            )
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
            rows.append(
                {
                    "table": name,
                    "rows": len(ds[name]),
                    "status": "warning" if ds.warnings else "ok",
                    "problems": "; ".join(ds.warnings),
                }
            )
        except DataError as exc:
            rows.append({"table": name, "rows": 0, "status": "error", "problems": str(exc)})
            usable = False
    if usable and present:
        try:
            whole = load_data(
                source, tables=present, column_map=column_map, read_options=read_options
            )
            _add_cross_table_warnings(rows, whole.warnings)
        except DataError as exc:
            rows.append(
                {"table": "(references)", "rows": 0, "status": "error", "problems": str(exc)}
            )
            usable = False
    for name in TABLES:
        if name not in present and not any(r["table"] == name for r in rows):
            rows.append({"table": name, "rows": 0, "status": "absent", "problems": ""})
    if not present:
        usable = False
    return pd.DataFrame(rows), usable
