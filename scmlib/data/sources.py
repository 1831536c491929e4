"""Readers for the user's sources: one module through which every table is read.

A *source* is one of:

- ``demo``: the built-in demo company (generated into ``data/demo/`` on first use);
- a folder of ``<table>.csv`` / ``<table>.csv.gz`` / ``<table>.parquet`` files;
- an Excel workbook (``.xlsx``) with one sheet per table;
- a DuckDB (``.duckdb``) or SQLite (``.sqlite``, ``.sqlite3``, ``.db``) database file;
- a SQLAlchemy URL (``postgresql://...``) with a table name or SQL query per table.

``read_options`` tunes reading: top-level keys apply to every table, a key named after a
table applies to that table only. Keys: ``encoding``, ``sep``, ``decimal`` (``'.'`` or ``','``,
checked against the values; detected per column when absent, ambiguous columns refused),
``thousands`` (``','`` implies ``decimal: '.'`` and ``'.'`` ``decimal: ','``), ``date_format``
(one strftime format for every date column, or ``{column: format}``, a column that is not a date
column of the table being an error; without it ISO dates, named months and day/month order are
detected per column), ``na_values`` (placeholder texts read as missing: a list, or
``{column: [...]}``), ``bounds`` (``{column: largest plausible absolute value}``, overriding the
data model's per-unit bounds, see :mod:`scmlib.data.model`), ``path`` (a file or glob inside a
folder source), ``sheet``, ``table``, ``query`` (SQL), ``fill`` (constant columns to add, e.g.
``{currency: GBP}``), ``exclude`` (rows to leave out, ``{column: [values]}``, e.g. internal
transfers; counted in the data-quality box), ``horizon_years`` (planned dates, such as due,
contract-end or review dates, further ahead than this are warned about; default 10),
``sample_rows`` (read only the first N rows of a folder table: a quick check of a very large
extract; the runner's pre-flight check uses it for tables a notebook streams out of core).

CSV files keep their text columns (ids, codes, dates) exactly as written, for the validator to
read: a type-inferring reader would turn the id ``007`` into ``7`` and a time with a UTC offset
into another day. Numbers the reader parses stay as parsed; numbers it leaves as text are read
by :func:`scmlib.data.validate.coerce_table`.

Parquet files are read column-pruned (the table's canonical columns and those named in the
``column_map``); other formats keep every column, so extra columns can drive filters.
"""

from __future__ import annotations

import glob
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from scmlib.data.model import TABLES
from scmlib.errors import DataError
from scmlib.paths import project_root

READ_KEYS = {
    "encoding",
    "sep",
    "decimal",
    "thousands",
    "date_format",
    "path",
    "sheet",
    "table",
    "query",
    "fill",
    "na_values",
    "bounds",
    "exclude",
    "horizon_years",
    "sample_rows",
}


@dataclass
class RawTable:
    """A table as read, before validation, with what is needed to name source rows."""

    frame: pd.DataFrame
    origin: str  # e.g. "data/x/purchase_order_lines.csv"
    row_offset: int  # source row number of index 0 (2 for files with a header line)
    segments: list[tuple[str, int]] | None = (
        None  # (file, first index) when several files were read
    )
    notes: list[str] = field(default_factory=list)  # data-quality notes found while reading


def table_options(read_options: dict[str, Any] | None, table: str) -> dict[str, Any]:
    """Merge global and per-table read options; unknown keys are a clear error."""
    read_options = dict(read_options or {})
    merged = {k: v for k, v in read_options.items() if k not in TABLES}  # options for every table
    own = set(TABLES[table].column_names) if table in TABLES else set()
    for key in (
        "date_format",
        "na_values",
        "bounds",
    ):  # a global per-column map applies to the columns this table has
        if isinstance(merged.get(key), dict):
            merged[key] = {c: v for c, v in merged[key].items() if c in own}
    per_table = read_options.get(table, {}) or {}
    for key in (
        "date_format",
        "na_values",
        "bounds",
        "fill",
    ):  # per-column maps: a table's entries add to the global ones
        if isinstance(merged.get(key), dict) and isinstance(per_table.get(key), dict):
            per_table = {**per_table, key: {**merged[key], **per_table[key]}}
    merged.update(per_table)
    unknown = set(merged) - READ_KEYS
    if unknown:
        raise DataError(
            f"read_options for table '{table}': unknown option(s) {sorted(unknown)}; allowed: {sorted(READ_KEYS)}"
        )
    return merged


def resolve_source(source: str | Path) -> tuple[str, Path | str]:
    """Classify a source string: returns (kind, location)."""
    text = str(source).strip()
    if text == "demo":
        from scmlib.data.demo import ensure_demo

        return "folder", ensure_demo()
    if "://" in text:
        return "sqlalchemy", text
    path = Path(text)
    if not path.is_absolute():
        path = project_root() / path
    if not path.exists():
        raise DataError(
            f"data source not found: {text} (expected 'demo', a folder, an .xlsx workbook, a .duckdb/.sqlite file or a database URL)"
        )
    if path.is_dir():
        return "folder", path
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm", ".xls"):
        return "excel", path
    if suffix == ".duckdb":
        return "duckdb", path
    if suffix in (".sqlite", ".sqlite3", ".db"):
        return "sqlite", path
    raise DataError(
        f"data source {text}: unsupported file type '{suffix}' (use a folder of CSV/Parquet files, .xlsx, .duckdb, .sqlite, or a database URL)"
    )


def _display(path: Path) -> str:
    try:
        return str(path.relative_to(project_root()))
    except ValueError:
        return str(path)


def _csv_kwargs(opts: dict[str, Any], id_columns: list[str]) -> dict[str, Any]:
    kw: dict[str, Any] = {"encoding": opts.get("encoding", "utf-8"), "sep": opts.get("sep", ",")}
    if opts.get("decimal"):
        kw["decimal"] = opts["decimal"]
    if opts.get("thousands"):
        kw["thousands"] = opts["thousands"]
    import pyarrow as pa

    kw["dtype"] = {c: pd.ArrowDtype(pa.string()) for c in id_columns}
    kw["dtype_backend"] = (
        "pyarrow"  # Arrow-backed columns: no Python-object round trip before validation
    )
    return kw


# texts read as missing: pandas' defaults, for the Arrow reader as for the C one
_NA_TEXTS = [
    "",
    "#N/A",
    "#N/A N/A",
    "#NA",
    "-1.#IND",
    "-1.#QNAN",
    "-NaN",
    "-nan",
    "1.#IND",
    "1.#QNAN",
    "<NA>",
    "N/A",
    "NA",
    "NULL",
    "NaN",
    "None",
    "n/a",
    "nan",
    "null",
]


def _read_csv_arrow(path: Path, kw: dict[str, Any], text_columns: list[str]) -> pd.DataFrame:
    """A comma-separated file read by Arrow's multithreaded reader, the text columns (ids, codes,
    dates) kept exactly as written: pandas' pyarrow engine infers types first and casts after,
    so an id '007' came back as '7' and '2024-03-04T00:30:00+01:00' as a UTC time a day
    earlier. Other columns are inferred (numbers stay numbers). Raises on anything unusual
    (duplicate column names included), for the C engine to read or report."""
    import pyarrow as pa
    import pyarrow.csv as pcsv

    table = pcsv.read_csv(
        path,
        read_options=pcsv.ReadOptions(encoding=kw["encoding"]),
        parse_options=pcsv.ParseOptions(delimiter=kw["sep"]),
        convert_options=pcsv.ConvertOptions(
            column_types={c: pa.string() for c in text_columns},
            null_values=_NA_TEXTS,
            strings_can_be_null=True,
        ),
    )
    names = table.schema.names
    if len(set(names)) != len(names):
        raise ValueError("duplicate column names")  # the C engine tells them apart
    table = table.cast(
        pa.schema(
            [f.with_type(pa.int64()) if pa.types.is_null(f.type) else f for f in table.schema]
        )
    )  # an all-empty column as pandas' reader gives it
    return table.to_pandas(types_mapper=pd.ArrowDtype)


def _read_csv(path: Path, opts: dict[str, Any], id_columns: list[str]) -> pd.DataFrame:
    kw = _csv_kwargs(opts, id_columns)
    try:
        try:
            if "decimal" not in kw and "thousands" not in kw and kw["sep"] == ",":
                return _read_csv_arrow(path, kw, id_columns)
        except Exception:
            pass  # the C engine below gives the precise message
        return pd.read_csv(path, **kw)
    except UnicodeDecodeError as exc:
        raise DataError(
            f"file {_display(path)} is not {kw['encoding']} text (byte {exc.start}); set read_options encoding, e.g. latin-1"
        ) from None
    except pd.errors.ParserError as exc:
        raise DataError(
            f"file {_display(path)} could not be parsed as CSV: {str(exc).splitlines()[0]}; check sep and quoting"
        ) from None
    except pd.errors.EmptyDataError:
        raise DataError(
            f"file {_display(path)} is empty: export the table with a header row and at least one row"
        ) from None


def _id_columns(
    table: str, column_map: dict[str, str], types: tuple[str, ...] = ("id", "str", "cat")
) -> list[str]:
    """Source names of a table's id/str columns, so CSV readers keep codes like '007' as text
    (with ``types`` including ``date``, also its date columns: a CSV reader would turn
    ``2024-03-04T00:30:00+01:00`` into UTC, a day earlier; the validator reads them as written)."""
    spec = TABLES.get(table)
    if spec is None:
        return []
    canon = {c.name for c in spec.columns if c.type in types}
    inverse = {v: k for k, v in column_map.items()}
    return [inverse.get(c, c) for c in canon]


def _parquet_head(path: Path, columns: list[str] | None, n: int) -> pd.DataFrame:
    """The first ``n`` rows of a Parquet file, read batch by batch."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    batches, rows = [], 0
    for batch in pq.ParquetFile(path).iter_batches(batch_size=min(n, 65_536), columns=columns):
        batches.append(batch)
        rows += batch.num_rows
        if rows >= n:
            break
    if not batches:
        return pd.read_parquet(path, columns=columns)
    return pa.Table.from_batches(batches).slice(0, n).to_pandas()


def _read_files(
    files: list[Path], opts: dict[str, Any], table: str, column_map: dict[str, str]
) -> RawTable:
    ids = _id_columns(table, column_map, ("id", "str", "cat", "date"))
    frames, segments, start = [], [], 0
    sample = opts.get("sample_rows")
    if sample is not None and (
        isinstance(sample, bool) or not isinstance(sample, int) or sample < 1
    ):
        raise DataError(
            f"read_options for table '{table}': sample_rows must be a whole number >= 1, "
            f"got {sample!r}"
        )
    spec = TABLES.get(table)
    wanted = (
        ({c.name for c in spec.columns} if spec else set())
        | set(column_map)
        | {v for v in column_map.values()}
    )
    for f in files:
        if sample is not None and start >= sample:
            break
        if f.suffix == ".parquet":
            import pyarrow.parquet as pq

            try:
                names = pq.read_schema(f).names
                cols = [c for c in names if c in wanted] or None  # only the model's columns
                if sample is None:
                    df = pd.read_parquet(f, columns=cols)
                else:  # the first rows only, batch by batch: a 100M-line file is not read
                    df = _parquet_head(f, cols, sample - start)
            except OSError as exc:
                if isinstance(exc, (PermissionError, FileNotFoundError)):
                    raise
                raise DataError(
                    f"file {_display(f)} cannot be read as Parquet ({str(exc).splitlines()[0][:160]}); export it again"
                ) from None
            except (
                Exception
            ) as exc:  # pyarrow's ArrowInvalid and the like: a damaged or truncated file
                raise DataError(
                    f"file {_display(f)} cannot be read as Parquet ({type(exc).__name__}); export it again"
                ) from None
        else:
            df = _read_csv(f, opts, ids)
            if sample is not None:
                df = df.head(sample - start)
        frames.append(df)
        segments.append((_display(f), start))
        start += len(df)
    frame = frames[0] if len(frames) == 1 else pd.concat(frames, ignore_index=True, sort=False)
    offset = 1 if files[0].suffix == ".parquet" else 2
    origin = (
        _display(files[0]) if len(files) == 1 else f"{len(files)} files like {_display(files[0])}"
    )
    return RawTable(frame, origin, offset, segments if len(files) > 1 else None)


def _folder_files(folder: Path, table: str, opts: dict[str, Any]) -> list[Path]:
    """The files of a folder source holding ``table`` (``read_options`` path, else
    ``<table>.parquet`` / ``.csv`` / ``.csv.gz`` / ``.tsv``); empty when there are none."""
    if opts.get("path"):
        pattern = str(opts["path"])
        full = pattern if Path(pattern).is_absolute() else str(folder / pattern)
        files = sorted(Path(p) for p in glob.glob(full))
        if not files:
            files = sorted(Path(p) for p in glob.glob(str(project_root() / pattern)))
        if not files:
            raise DataError(
                f"table '{table}': read_options path '{pattern}' matches no file in {_display(folder)}"
            )
        return files
    files = [folder / f"{table}{ext}" for ext in (".parquet", ".csv", ".csv.gz", ".tsv")]
    return [f for f in files if f.is_file()][:1]


def parquet_table_rows(source: str, table: str, read_options: dict | None = None) -> int | None:
    """Rows of a table held as Parquet files in a folder source, from the files' footers
    (nothing is read); ``None`` for other sources and formats."""
    import pyarrow.parquet as pq

    kind, location = resolve_source(source)
    if kind != "folder" or table not in TABLES:
        return None
    files = _folder_files(Path(location), table, table_options(read_options, table))
    if not files or any(f.suffix != ".parquet" for f in files):
        return None
    return sum(pq.ParquetFile(f).metadata.num_rows for f in files)


def read_table(
    kind: str, location: Path | str, table: str, opts: dict[str, Any], column_map: dict[str, str]
) -> RawTable | None:
    """Read one table from a resolved source; ``None`` when the source has no such table."""
    if kind == "folder":
        files = _folder_files(Path(location), table, opts)
        if not files:
            return None
        return _read_files(files, opts, table, column_map)
    if kind == "excel":
        sheet = opts.get("sheet", table)
        try:
            from openpyxl import load_workbook

            names = load_workbook(location, read_only=True).sheetnames
        except Exception as exc:
            raise DataError(
                f"workbook {_display(Path(location))} cannot be opened: {exc}"
            ) from None
        if sheet not in names:
            return None
        df = pd.read_excel(
            location, sheet_name=sheet, dtype={c: str for c in _id_columns(table, column_map)}
        )
        return RawTable(df, f"{_display(Path(location))} sheet '{sheet}'", 2)
    query = opts.get("query") or f'SELECT * FROM "{opts.get("table", table)}"'
    if kind == "duckdb":
        import duckdb

        con = duckdb.connect(str(location), read_only=True)
        try:
            names = {
                r[0]
                for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()
            }
            if not opts.get("query") and opts.get("table", table) not in names:
                return None
            df = con.execute(query).df()
        except duckdb.Error as exc:
            raise DataError(
                f"table '{table}': query failed on {_display(Path(location))}: {str(exc).splitlines()[0]}"
            ) from None
        finally:
            con.close()
        return RawTable(df, f"{_display(Path(location))} ({opts.get('table', table)})", 1)
    if kind == "sqlite":
        con = sqlite3.connect(f"file:{location}?mode=ro", uri=True)
        try:
            names = {
                r[0]
                for r in con.execute(
                    "SELECT name FROM sqlite_master WHERE type IN ('table','view')"
                )
            }
            if not opts.get("query") and opts.get("table", table) not in names:
                return None
            df = pd.read_sql_query(query, con)
        except (sqlite3.Error, pd.errors.DatabaseError) as exc:
            raise DataError(
                f"table '{table}': query failed on {_display(Path(location))}: {exc}"
            ) from None
        finally:
            con.close()
        return RawTable(df, f"{_display(Path(location))} ({opts.get('table', table)})", 1)
    if kind == "sqlalchemy":
        import sqlalchemy as sa

        engine = sa.create_engine(str(location))
        try:
            insp = sa.inspect(engine)
            if not opts.get("query") and not insp.has_table(opts.get("table", table)):
                return None
            with engine.connect() as con:
                df = pd.read_sql_query(sa.text(query), con)
        except sa.exc.SQLAlchemyError as exc:
            raise DataError(
                f"table '{table}': query failed on the database: {str(exc).splitlines()[0]}"
            ) from None
        finally:
            engine.dispose()
        return RawTable(df, f"database table {opts.get('table', table)}", 1)
    raise DataError(f"unknown source kind {kind}")
