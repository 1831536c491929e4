"""A guided start for a company's own data: empty templates and a proposed column map.

``write_template(out)`` writes one empty CSV per canonical table (headers only, required columns
first) and ``parameters.yaml``, a commented parameter set pointing at the folder.
``propose_column_map(source)`` reads the headers (and a sample of values) of every file in a
folder and proposes ``{table: {source column: canonical column}}``: file names are matched to
tables and column names to canonical columns by fuzzy similarity (rapidfuzz), with value types
(dates, numbers, text) as a tie-breaker. The proposal is for the user to confirm: it is printed
with each match's score, and matches below the threshold are left out and listed.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from scmlib.data.model import TABLES
from scmlib.errors import ParameterError

SYNONYMS = {  # common ERP spellings that fuzzy matching alone would miss
    "supplier_id": [
        "vendor",
        "vendor id",
        "vendor number",
        "supplier",
        "supplier number",
        "creditor",
    ],
    "po_id": ["po", "po number", "purchase order", "po no", "po / so #", "order number"],
    "line_id": ["line", "line item", "line number", "item line"],
    "item_id": ["sku", "material", "material number", "part number", "product code", "article"],
    "ordered_qty": ["quantity", "qty", "order quantity", "line item quantity", "qty ordered"],
    "received_qty": ["received quantity", "qty received", "delivered quantity", "gr quantity"],
    "unit_price": ["price", "net price", "unit cost price"],
    "promised_date": [
        "scheduled delivery date",
        "confirmed date",
        "delivery date promised",
        "due date",
    ],
    "receipt_date": [
        "delivered date",
        "goods receipt date",
        "gr date",
        "delivered to client date",
        "receipt",
    ],
    "order_date": ["po date", "po sent to vendor date", "created on", "document date"],
    "amount": ["value", "net amount", "invoice amount", "amount paid"],
    "invoice_date": ["date of payment", "posting date", "payment date", "document date"],
    "invoice_id": ["transaction number", "invoice number", "document number"],
    "category": ["expense type", "product group", "material group", "commodity"],
    "customer_id": ["customer", "sold to", "customer number"],
    "location_id": ["plant", "warehouse", "site", "dc"],
    "quantity": ["qty", "demand", "sales quantity", "units"],
    "date": ["period", "month", "week"],
}


def _norm(text: str) -> str:
    return re.sub(r"[^a-z0-9#/ ]+", " ", str(text).lower().replace("_", " ")).strip()


def write_template(out: Path, tables: list[str] | None = None) -> Path:
    """Empty CSVs with canonical headers and a commented parameter set, in a new or empty folder."""
    out = Path(out)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise ParameterError(
            f"template target {out} exists and is not an empty folder: nothing was written; choose a new folder"
        )
    names = tables or list(TABLES)
    unknown = [t for t in names if t not in TABLES]
    if unknown:
        raise ParameterError(f"unknown table(s) {unknown}; tables: {', '.join(TABLES)}")
    out.mkdir(parents=True, exist_ok=True)
    for name in names:
        cols = sorted(TABLES[name].columns, key=lambda c: not c.required)
        (out / f"{name}.csv").write_text(",".join(c.name for c in cols) + "\n", encoding="utf-8")
    (out / "parameters.yaml").write_text(
        f"""# A parameter set for your own data (use it with: scm run NOTEBOOK --params {out / "parameters.yaml"}).
# Fill the CSV files beside this file (required columns first; docs/data-model.md explains each),
# or point data_source at your own extract and map its columns to the canonical names.
data_source: {out}
# column_map:                      # your column name -> canonical name, per table
#   purchase_order_lines: {{Vendor: supplier_id, Qty: ordered_qty}}
# read_options:
#   encoding: utf-8
#   purchase_order_lines:
#     date_format: {{order_date: "%d/%m/%Y"}}    # per column; ISO dates need none
#     na_values: ["N/A", "Date Not Captured"]  # placeholder texts read as missing
#     decimal: ","                              # when amounts are written 1.234,56
""",
        encoding="utf-8",
    )
    return out


def _headers(path: Path) -> pd.DataFrame:
    if path.suffix == ".parquet":
        return pd.read_parquet(path).head(200)
    for enc in ("utf-8", "latin-1"):
        try:
            return pd.read_csv(path, nrows=200, sep=None, engine="python", encoding=enc, dtype=str)
        except UnicodeDecodeError:
            continue
    return pd.read_csv(path, nrows=200, encoding="latin-1", dtype=str, on_bad_lines="skip")


def _kind(values: pd.Series) -> str:
    v = values.dropna().astype(str).str.strip()
    v = v[v != ""]
    if v.empty:
        return "unknown"
    if (
        pd.to_numeric(v.str.replace(r"[,\s$£€]", "", regex=True), errors="coerce").notna().mean()
        > 0.9
    ):
        return "number"
    if v.str.match(r"^\d{1,4}[/.\-]\d{1,2}[/.\-]\d{1,4}|^\d{1,2}-[A-Za-z]{3}-\d{2,4}").mean() > 0.8:
        return "date"
    return "text"


def propose_column_map(
    source: str | Path, threshold: float = 70.0
) -> tuple[dict[str, dict[str, str]], list[str]]:
    """A proposed column map for the files of a folder and notes on what could not be matched."""
    from rapidfuzz import fuzz, process

    folder = Path(source)
    if not folder.is_dir():
        raise ParameterError(f"scm data map needs a folder of CSV or Parquet files, got {folder}")
    files = sorted(
        p
        for p in folder.iterdir()
        if p.suffix in (".csv", ".parquet", ".tsv") and not p.name.startswith(".")
    )
    proposal: dict[str, dict[str, str]] = {}
    notes: list[str] = []
    for f in files:
        _, score, table = process.extractOne(
            _norm(f.stem), {t: _norm(t) for t in TABLES}, scorer=fuzz.token_set_ratio
        )
        frame = _headers(f)
        type_of = {"date": "date", "float": "number", "int": "number"}
        targets = {c.name: type_of.get(c.type, "text") for c in TABLES[table].columns}
        choices = {
            f"{name}|{alias}": _norm(alias)
            for name in targets
            for alias in [name, *SYNONYMS.get(name, [])]
        }
        mapping, used = {}, set()
        ranked = []
        for col in frame.columns:
            if col in targets:
                used.add(col)  # already canonical
                continue
            kind = _kind(frame[col])
            for _match, s, key in process.extract(
                _norm(col), choices, scorer=fuzz.token_sort_ratio, limit=5
            ):
                name = key.split("|")[0]
                bonus = 5 if targets[name] == kind else (-15 if kind != "unknown" else 0)
                ranked.append((s + bonus, col, name))
        for s, col, name in sorted(ranked, reverse=True):
            if s < threshold or col in mapping or name in used:
                continue
            mapping[col] = name
            used.add(name)
        missing = [c.name for c in TABLES[table].columns if c.required and c.name not in used]
        proposal[table] = mapping
        notes.append(
            f"{f.name} -> table '{table}' (name match {score:.0f}/100): {len(mapping)} column(s) mapped"
            + (
                f"; required columns still unmatched: {', '.join(missing)}"
                if missing
                else "; every required column found"
            )
        )
    return proposal, notes
