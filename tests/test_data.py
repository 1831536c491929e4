"""Data layer: sources, column maps, validation errors (one bad file per case), demo company."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

import pandas as pd
import pytest

from scmlib.cli import main
from scmlib.data import load_data
from scmlib.data.demo import write_demo
from scmlib.data.model import TABLES, to_markdown
from scmlib.errors import DataError

ROOT = Path(__file__).resolve().parent.parent

SUPPLIERS = "supplier_id,name,country,category\nS1,Acme Ltd,USA,Tools\nS2,Beta GmbH,DEU,Tools\n"
PO_HEADER = "po_id,line_id,supplier_id,item_id,category,business_unit,order_date,promised_date,receipt_date,ordered_qty,received_qty,unit_price,currency\n"
PO_ROWS = [
    "P1,1,S1,,Tools,Ops,2025-01-02,2025-01-20,2025-01-19,10,10,5.0,USD",
    "P2,1,S2,,Tools,Ops,2025-01-03,2025-01-21,2025-01-25,4,4,7.5,USD",
    "P3,1,S1,,Tools,Ops,2025-02-01,2025-02-20,,3,,5.5,USD",
]


def _folder(tmp_path: Path, po_rows=PO_ROWS, header=PO_HEADER, suppliers=SUPPLIERS) -> Path:
    d = tmp_path / "src"
    d.mkdir(exist_ok=True)
    (d / "suppliers.csv").write_text(suppliers)
    (d / "purchase_order_lines.csv").write_text(header + "\n".join(po_rows) + "\n")
    return d


def _load(folder, **kw):
    return load_data(str(folder), tables=["purchase_order_lines", "suppliers"], **kw)


def test_good_folder_loads_typed(tmp_path):
    ds = _load(_folder(tmp_path))
    po = ds["purchase_order_lines"]
    assert (
        pd.api.types.is_datetime64_any_dtype(po["order_date"]) and po["ordered_qty"].dtype == float
    )
    assert po.loc[2, "receipt_date"] is pd.NaT or pd.isna(po.loc[2, "receipt_date"])
    assert po["item_id"].isna().all()


@pytest.mark.parametrize(
    "rows,header,expect",
    [
        # missing required column, with a did-you-mean against the user's columns
        (
            PO_ROWS,
            PO_HEADER.replace("supplier_id", "supplierid"),
            [
                "purchase_order_lines",
                "missing required column 'supplier_id'",
                "did you mean 'supplierid'",
                "column_map",
            ],
        ),
        # unparseable date
        (
            [PO_ROWS[0], PO_ROWS[1].replace("2025-01-03", "03/13/2025x")],
            PO_HEADER,
            ["column 'order_date'", "dates that cannot be read", "row 3", "date_format"],
        ),
        # unparseable number
        (
            [PO_ROWS[0], PO_ROWS[1].replace(",4,4,", ",four,4,")],
            PO_HEADER,
            ["column 'ordered_qty'", "not numbers", "row 3: 'four'"],
        ),
        # negative quantity
        (
            [PO_ROWS[0], PO_ROWS[1].replace(",4,4,", ",-4,4,")],
            PO_HEADER,
            ["column 'ordered_qty'", "at least 0", "row 3", "negative"],
        ),
        # negative price
        ([PO_ROWS[0].replace(",5.0,", ",-5.0,")], PO_HEADER, ["column 'unit_price'", "row 2"]),
        # duplicate keys
        (
            [PO_ROWS[0], PO_ROWS[0]],
            PO_HEADER,
            ["duplicate keys", "po_id, line_id", "row 2", "row 3"],
        ),
        # broken reference
        (
            [PO_ROWS[0].replace(",S1,", ",S9,")],
            PO_HEADER,
            ["column 'supplier_id'", "unknown suppliers", "row 2: 'S9'"],
        ),
        # empty table
        ([], PO_HEADER, ["table 'purchase_order_lines'", "is empty"]),
        # date far in the future
        (
            [PO_ROWS[0].replace("2025-01-02", "2095-01-02")],
            PO_HEADER,
            ["column 'order_date'", "more than a year in the future", "row 2"],
        ),
        # empty cell in a required column
        (
            [PO_ROWS[0].replace(",Tools,Ops,", ",,Ops,")],
            PO_HEADER,
            ["column 'category'", "empty cells", "row 2"],
        ),
    ],
    ids=[
        "missing-column",
        "bad-date",
        "bad-number",
        "negative-qty",
        "negative-price",
        "duplicate-key",
        "broken-reference",
        "empty",
        "future-date",
        "empty-cell",
    ],
)
def test_bad_input_gives_one_clear_line(tmp_path, rows, header, expect):
    folder = _folder(tmp_path, rows, header)
    with pytest.raises(DataError) as exc:
        _load(folder)
    msg = str(exc.value)
    assert "\n" not in msg
    for part in expect:
        assert part in msg, msg


def test_column_map_date_format_and_decimal_comma(tmp_path):
    d = tmp_path / "eu"
    d.mkdir()
    (d / "suppliers.csv").write_text(
        "Lieferant;Name;Land;Kategorie\nS1;Acme;DEU;Tools\n", encoding="latin-1"
    )
    (d / "purchase_order_lines.csv").write_text(
        "Bestellung;Pos;Lieferant;Kat;Datum;Termin;Menge;Preis\nP1;1;S1;Werkzeug;02.01.2025;20.01.2025;1.000;5,50\n",
        encoding="latin-1",
    )
    cmap = {
        "suppliers": {
            "Lieferant": "supplier_id",
            "Name": "name",
            "Land": "country",
            "Kategorie": "category",
        },
        "purchase_order_lines": {
            "Bestellung": "po_id",
            "Pos": "line_id",
            "Lieferant": "supplier_id",
            "Kat": "category",
            "Datum": "order_date",
            "Termin": "promised_date",
            "Menge": "ordered_qty",
            "Preis": "unit_price",
        },
    }
    opts = {"sep": ";", "encoding": "latin-1", "date_format": "%d.%m.%Y", "decimal": ","}
    po = _load(d, column_map=cmap, read_options=opts)["purchase_order_lines"]
    assert po.loc[0, "unit_price"] == 5.5 and po.loc[0, "ordered_qty"] == 1000
    assert po.loc[0, "order_date"] == pd.Timestamp("2025-01-02")


def test_column_map_naming_absent_column(tmp_path):
    with pytest.raises(DataError, match="column_map names column"):
        _load(_folder(tmp_path), column_map={"suppliers": {"Vendor": "supplier_id"}})


def test_missing_required_table_and_unknown_source(tmp_path):
    d = tmp_path / "only_suppliers"
    d.mkdir()
    (d / "suppliers.csv").write_text(SUPPLIERS)
    with pytest.raises(DataError, match="table 'purchase_order_lines' not found"):
        _load(d)
    with pytest.raises(DataError, match="data source not found"):
        load_data(str(tmp_path / "nope"), tables=["items"])
    with pytest.raises(DataError, match="unknown table 'item'.*did you mean 'items'"):
        load_data(str(d), tables=["item"])


def test_excel_duckdb_sqlite_and_url_sources_agree(tmp_path):
    folder = _folder(tmp_path)
    ref = _load(folder)["purchase_order_lines"]
    sup = pd.read_csv(folder / "suppliers.csv")
    po = pd.read_csv(folder / "purchase_order_lines.csv", dtype={"item_id": str})
    xlsx = tmp_path / "book.xlsx"
    with pd.ExcelWriter(xlsx) as w:
        sup.to_excel(w, sheet_name="suppliers", index=False)
        po.to_excel(w, sheet_name="purchase_order_lines", index=False)
    db = tmp_path / "data.sqlite"
    with sqlite3.connect(db) as con:
        sup.to_sql("suppliers", con, index=False)
        po.to_sql("purchase_order_lines", con, index=False)
    import duckdb

    ddb = tmp_path / "data.duckdb"
    con = duckdb.connect(str(ddb))
    con.register("s", sup)
    con.register("p", po)
    con.execute("CREATE TABLE suppliers AS SELECT * FROM s")
    con.execute("CREATE TABLE purchase_order_lines AS SELECT * FROM p")
    con.close()
    for source, opts in (
        (xlsx, None),
        (db, None),
        (ddb, None),
        (f"sqlite:///{db}", None),
        (
            f"sqlite:///{db}",
            {
                "purchase_order_lines": {
                    "query": "SELECT * FROM purchase_order_lines WHERE ordered_qty > 0"
                }
            },
        ),
    ):
        got = _load(source, read_options=opts)["purchase_order_lines"]
        pd.testing.assert_series_equal(got["ordered_qty"], ref["ordered_qty"], check_names=False)
        assert (got["order_date"] == ref["order_date"]).all(), source


def test_quality_warnings(tmp_path):
    rows = [*PO_ROWS, "P4,1,S2,,Tools,Ops,2025-01-03,2025-01-21,2025-01-25,4,4,7.5,EUR"]
    ds = load_data(
        str(_folder(tmp_path, rows)),
        tables=["purchase_order_lines", "suppliers"],
        optional=["exchange_rates"],
    )
    assert any("mixed currencies" in w for w in ds.warnings)
    assert ds.missing == ["exchange_rates"]


def test_nothing_written_when_loading_fails(tmp_path):
    folder = _folder(tmp_path, [PO_ROWS[0].replace(",S1,", ",S9,")])
    before = sorted(p.name for p in folder.iterdir())
    with pytest.raises(DataError):
        _load(folder)
    assert sorted(p.name for p in folder.iterdir()) == before


def test_data_check_cli(tmp_path, capsys, small_demo):
    assert main(["data", "check", "--data", str(small_demo)]) == 0
    out = capsys.readouterr().out
    assert "purchase_order_lines" in out and "usable" in out
    bad = _folder(tmp_path, [PO_ROWS[0].replace(",S1,", ",S9,")])
    assert main(["data", "check", "--data", str(bad)]) == 1
    assert "unknown suppliers" in capsys.readouterr().out


def test_demo_is_deterministic_and_complete(tmp_path):
    a = write_demo(tmp_path / "a", seed=3, scale=0.05, fmt="csv")
    b = write_demo(tmp_path / "b", seed=3, scale=0.05, fmt="csv")

    def digest(d):
        return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(d.glob("*.csv"))}  # noqa: E731

    assert digest(a) == digest(b)
    assert set(p.stem for p in a.glob("*.csv")) == set(TABLES)
    ds = load_data(str(a), tables=list(TABLES))  # every table validates, references included
    assert not ds.missing


def test_demo_realism(small_tables):
    t = small_tables
    from scmlib.inventory.segmentation import demand_profile

    prof = demand_profile(t["demand_history"], ["item_id", "location_id"])
    assert prof["demand_class"].isin(["intermittent", "lumpy"]).mean() >= 0.25
    assert set(prof["demand_class"]) >= {"smooth", "erratic", "intermittent", "lumpy"}
    assert (
        t["items"]["lifecycle_stage"].eq("end_of_life").any()
        and t["items"]["launch_date"].notna().any()
    )
    assert t["invoices"]["po_id"].isna().mean() > 0.03  # maverick spend without PO
    inv = t["invoices"].dropna(subset=["po_id"]).merge(t["purchase_order_lines"], on="po_id")
    assert (
        (inv["amount"] - inv["received_qty"] * inv["unit_price"]).abs() < 0.01
    ).all()  # invoices follow PO lines
    assert (
        len(t["risk_register"]) >= 20 and t["suppliers"]["supplier_id"].str.startswith("S9").any()
    )  # duplicate vendor records
    assert t["forecast_snapshots"]["override_reason"].notna().any()


def test_stock_follows_receipts_minus_shipments(small_tables):
    inv = small_tables["inventory_snapshots"].sort_values(
        ["item_id", "location_id", "snapshot_date"]
    )
    assert (inv["on_hand_qty"] >= 0).all()
    assert inv.groupby(["item_id", "location_id"])["on_hand_qty"].nunique().gt(1).mean() > 0.8


def test_data_model_doc_in_sync():
    from scmlib.runner.catalog import data_model_markdown, used_by

    assert (ROOT / "docs" / "data-model.md").read_text() == data_model_markdown()
    assert (
        "Used by: `supplier_scorecard`" not in to_markdown()
    )  # the data layer itself names no process
    assert "supplier_scorecard" in used_by()["purchase_order_lines"]


def test_uk_spend_files_load_with_the_parameter_set():
    import yaml

    p = yaml.safe_load((ROOT / "parameters" / "spend_analysis.uk_desnz.yaml").read_text())
    inv = load_data(
        p["data_source"],
        tables=["invoices"],
        column_map=p["column_map"],
        read_options=p["read_options"],
    )["invoices"]
    assert len(inv) == 6050
    assert (
        abs(inv["amount"].sum() - 12_032_273_904.65) < 0.5
    )  # SOURCES.md total, '£278,419.94' strings parsed
    assert abs(inv.loc[inv["supplier_type"] != "Grant", "amount"].sum() - 9_532_203_520.93) < 0.5
    assert inv["supplier_id"].nunique() == 877
