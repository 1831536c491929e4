"""Numbers and dates read as the user meant them, or refused with the fix: never a silently wrong
number. Each case mutates one table of the small demo company, written as CSV."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from scmlib.cli import main
from scmlib.data import load_data
from scmlib.data.validate import decimal_evidence
from scmlib.errors import DataError


@pytest.fixture()
def invoices(small_demo) -> pd.DataFrame:
    return pd.read_parquet(small_demo / "invoices.parquet").head(300).reset_index(drop=True)


def _folder(tmp_path: Path, frame: pd.DataFrame, sep: str = ",", name: str = "invoices") -> Path:
    folder = tmp_path / "extract"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir()
    frame.to_csv(folder / f"{name}.csv", index=False, sep=sep)
    return folder


def _load(folder: Path, opts=None) -> pd.DataFrame:
    return load_data(str(folder), tables=["invoices"], read_options=opts)["invoices"]


def _refused(folder: Path, words: str, opts=None) -> str:
    with pytest.raises(DataError) as exc:
        _load(folder, opts)
    msg = str(exc.value)
    assert words in msg and "\n" not in msg, msg
    assert "Fix:" in msg or "set read_options" in msg
    return msg


# --- dates ---------------------------------------------------------------------------------


def test_day_first_dates_are_read_day_first(tmp_path, invoices):
    folder = _folder(
        tmp_path, invoices.assign(invoice_date=invoices["invoice_date"].dt.strftime("%d/%m/%Y"))
    )
    got = _load(folder)
    assert (got["invoice_date"] == invoices["invoice_date"]).all()
    assert main(["data", "check", "--data", str(folder)]) == 0


def test_month_first_dates_are_read_month_first(tmp_path, invoices):
    folder = _folder(
        tmp_path, invoices.assign(invoice_date=invoices["invoice_date"].dt.strftime("%m/%d/%y"))
    )
    assert (_load(folder)["invoice_date"] == invoices["invoice_date"]).all()


def test_ambiguous_day_month_dates_are_refused_with_the_fix(tmp_path, invoices, capsys):
    early = invoices["invoice_date"].map(lambda d: d.replace(day=min(d.day, 12)))
    folder = _folder(tmp_path, invoices.assign(invoice_date=early.dt.strftime("%d/%m/%Y")))
    msg = _refused(folder, "cannot be told apart")
    assert "date_format" in msg and "row 2:" in msg
    assert main(["data", "check", "--data", str(folder)]) == 1
    capsys.readouterr()
    fixed = _load(folder, {"invoices": {"date_format": {"invoice_date": "%d/%m/%Y"}}})
    assert (fixed["invoice_date"] == early).all()


def test_mixed_day_and_month_first_is_refused(tmp_path, invoices):
    text = (
        invoices["invoice_date"]
        .dt.strftime("%d/%m/%Y")
        .where(invoices.index % 2 == 0, invoices["invoice_date"].dt.strftime("%m/%d/%Y"))
    )
    day_over_12 = invoices["invoice_date"].dt.day > 12
    if (
        not (day_over_12 & (invoices.index % 2 == 0)).any()
        or not (day_over_12 & (invoices.index % 2 == 1)).any()
    ):
        pytest.skip("sample has no day above 12 on both sides")
    _refused(
        _folder(tmp_path, invoices.assign(invoice_date=text)), "both day-first and month-first"
    )


def test_per_column_formats_and_placeholders(tmp_path, small_demo):
    """A delivery extract as found in the wild: one date column m/d/yy with placeholder text,
    another d-Mon-yy, read with per-column formats and na_values."""
    po = (
        pd.read_parquet(small_demo / "purchase_order_lines.parquet")
        .head(200)
        .reset_index(drop=True)
    )
    received = po["receipt_date"].dt.strftime("%m/%d/%y").astype(object)
    received[::7] = "Date Not Captured"
    received[3::11] = "N/A - From RDC"
    frame = po.assign(
        receipt_date=received, promised_date=po["promised_date"].dt.strftime("%d-%b-%y")
    )
    folder = _folder(tmp_path, frame, name="purchase_order_lines")
    formats = {"receipt_date": "%m/%d/%y", "promised_date": "%d-%b-%y"}
    # placeholders not declared: the optional receipt dates they hold are read as missing and counted
    ds = load_data(
        str(folder),
        tables=["purchase_order_lines"],
        read_options={"purchase_order_lines": {"date_format": formats}},
    )
    assert any(
        "receipt_date has dates that cannot be read, read as missing" in w for w in ds.warnings
    )
    assert len(ds["purchase_order_lines"]) == len(po)  # rows kept
    opts = {
        "purchase_order_lines": {
            "date_format": formats,
            "na_values": {"receipt_date": ["Date Not Captured", "N/A - From RDC"]},
        }
    }
    got = load_data(str(folder), tables=["purchase_order_lines"], read_options=opts)[
        "purchase_order_lines"
    ]
    placeholder = received.isin(["Date Not Captured", "N/A - From RDC"]).to_numpy()
    assert got["receipt_date"].isna().to_numpy()[placeholder].all()
    both = ~placeholder & po["receipt_date"].notna().to_numpy()
    assert (got.loc[both, "receipt_date"] == po.loc[both, "receipt_date"]).all()
    assert (got["promised_date"] == po["promised_date"]).all()
    with pytest.raises(DataError, match="does not have"):
        load_data(
            str(folder),
            tables=["purchase_order_lines"],
            read_options={"purchase_order_lines": {"date_format": {"receipt_dat": "%m/%d/%y"}}},
        )
    from scmlib.errors import ParameterError

    with pytest.raises(ParameterError, match="is in no table"):
        load_data(
            str(folder),
            tables=["purchase_order_lines"],
            read_options={"date_format": {"receipt_dat": "%m/%d/%y"}},
        )


# --- numbers -------------------------------------------------------------------------------


def test_decimal_evidence_rules():
    t = pd.Series(
        [
            "1121,62",
            "1.234,56",
            "1,234.56",
            "12.5",
            "1,234",
            "1.234",
            "1,234,567",
            "1.234.567",
            "42",
        ]
    )
    comma, point, ambiguous = decimal_evidence(t)
    assert comma.tolist() == [True, True, False, False, False, False, False, True, False]
    assert point.tolist() == [False, False, True, True, False, False, True, False, False]
    assert ambiguous.tolist() == [False, False, False, False, True, True, False, False, False]


def test_decimal_comma_is_read_as_a_decimal(tmp_path, invoices):
    text = invoices["amount"].map(lambda v: f"{v:.2f}".replace(".", ","))
    folder = _folder(tmp_path, invoices.assign(amount=text), sep=";")
    got = _load(folder, {"sep": ";"})
    assert got["amount"].to_numpy() == pytest.approx(invoices["amount"].to_numpy())
    assert got["amount"].sum() == pytest.approx(invoices["amount"].sum())


def test_a_known_value_read_with_explicit_options(tmp_path, invoices):
    frame = invoices.assign(amount=invoices["amount"].map(lambda v: f"{v:.2f}".replace(".", ",")))
    frame.loc[0, "amount"] = "1121,62"
    folder = _folder(tmp_path, frame, sep=";")
    assert _load(folder, {"sep": ";", "decimal": ","})["amount"].iloc[0] == pytest.approx(1121.62)
    _refused(
        folder, "decimal comma although read_options decimal is '.'", {"sep": ";", "decimal": "."}
    )


def test_ambiguous_separators_are_refused(tmp_path, invoices):
    ambiguous = invoices["amount"].map(
        lambda v: f"{(round(v) % 900) + 1000:,d}"
    )  # 1,234 could be 1.234
    folder = _folder(tmp_path, invoices.assign(amount=ambiguous))
    _refused(folder, "could be a thousands separator or a decimal")
    assert _load(folder, {"decimal": "."})["amount"].min() >= 1000


def test_thousands_commas_with_decimals_need_no_option(tmp_path, invoices):
    folder = _folder(
        tmp_path, invoices.assign(amount=invoices["amount"].map(lambda v: f"{v:,.2f}"))
    )
    assert _load(folder)["amount"].sum() == pytest.approx(invoices["amount"].sum())


@pytest.mark.parametrize(
    "value,words",
    [("inf", "not finite"), ("-Infinity", "not finite"), ("1e308", "implausibly large")],
)
def test_non_finite_and_absurd_values_are_refused(tmp_path, invoices, capsys, value, words):
    frame = invoices.assign(amount=invoices["amount"].astype(object))
    frame.loc[5, "amount"] = value
    folder = _folder(tmp_path, frame)
    msg = _refused(folder, words)
    assert "row 7" in msg and len(msg) < 600
    assert main(["data", "check", "--data", str(folder)]) == 1
    assert words in capsys.readouterr().out


def test_bounds_can_be_raised_for_one_column(tmp_path, invoices):
    frame = invoices.copy()
    frame.loc[5, "amount"] = 5e13
    folder = _folder(tmp_path, frame)
    _refused(folder, "implausibly large")
    assert _load(folder, {"invoices": {"bounds": {"amount": 1e14}}})["amount"].max() == 5e13


def test_wrong_separator_gets_a_hint(tmp_path, invoices):
    folder = _folder(tmp_path, invoices, sep=";")
    _refused(folder, "seems separated by ';'")


# --- a report on data without receipts ------------------------------------------------------


def test_scorecard_on_po_lines_without_receipts(tmp_path, small_demo):
    from scmlib.runner import plan_runs, run_jobs

    data = tmp_path / "data"
    shutil.copytree(small_demo, data)
    po = pd.read_parquet(data / "purchase_order_lines.parquet")
    po.assign(receipt_date=pd.NaT, received_qty=np.nan).to_parquet(
        data / "purchase_order_lines.parquet", index=False
    )
    [job] = plan_runs(["supplier_scorecard"], data=str(data), out=tmp_path / "reports")
    [rec] = run_jobs([job], n_jobs=1, progress=False, echo=lambda *_: None)
    assert rec["status"] == "success", rec["error"]
    head = pd.read_csv(Path(rec["run_dir"]) / "outputs" / "headlines.csv").set_index("kpi")
    assert np.isnan(head.loc["supplier_otif", "value"])  # unavailable, never reported as missed
    html = (Path(rec["run_dir"]) / "report.html").read_text()
    assert "OTIF is not available" in html


def test_validation_gaps_closed(tmp_path, small_demo):
    """Out-of-scale register scores refused; invoices naming unknown POs and receipts naming unknown
    items warned with rows; planned dates decades ahead warned."""
    from scmlib.data import load_data

    folder = tmp_path / "gaps"
    shutil.copytree(small_demo, folder)
    reg = pd.read_parquet(folder / "risk_register.parquet")
    reg.loc[0, "likelihood"] = 90
    reg.to_parquet(folder / "risk_register.parquet", index=False)
    with pytest.raises(DataError, match="likelihood.*at most 10"):
        load_data(str(folder), tables=["risk_register"])
    inv = pd.read_parquet(folder / "invoices.parquet")
    inv.loc[inv.index[:3], "po_id"] = "PO-DOES-NOT-EXIST"
    inv.to_parquet(folder / "invoices.parquet", index=False)
    po = pd.read_parquet(folder / "purchase_order_lines.parquet")
    po.loc[po.index[:2], "promised_date"] = pd.Timestamp("2081-01-01")
    po.to_parquet(folder / "purchase_order_lines.parquet", index=False)
    ds = load_data(str(folder), tables=["invoices", "purchase_order_lines", "suppliers"])
    text = " ".join(ds.warnings)
    assert "invoices: po_id values not found in purchase_order_lines (3 row(s)" in text
    assert "promised_date values lie more than 10 years ahead" in text
