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


def _cli(folder: Path, capsys, usable: bool, words: str = "") -> str:
    """``scm data check`` on the folder: exit code as expected and ``words`` in its output."""
    capsys.readouterr()
    assert main(["data", "check", "--data", str(folder)]) == (0 if usable else 1)
    out = " ".join(capsys.readouterr().out.split())  # lines wrapped at 100 columns
    assert words in out, out
    return out


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


def test_day_first_dates_with_times_are_read_day_first(tmp_path, invoices, capsys):
    """Dates with a time of day take the same detection (dateutil would read 03/04 month-first
    and 13/04 day-first in one column)."""
    stamps = invoices["invoice_date"] + pd.to_timedelta(np.arange(len(invoices)) % 24, unit="h")
    assert (stamps.dt.day > 12).any() and (stamps.dt.day <= 12).any()
    folder = _folder(tmp_path, invoices.assign(invoice_date=stamps.dt.strftime("%d/%m/%Y %H:%M")))
    assert (_load(folder)["invoice_date"] == stamps).all()
    _cli(folder, capsys, usable=True)
    twelve = stamps.dt.strftime("%m-%d-%Y %I:%M %p")  # month first, 12-hour clock
    assert (
        _load(_folder(tmp_path, invoices.assign(invoice_date=twelve)))["invoice_date"] == stamps
    ).all()


def test_ambiguous_dates_get_the_format_of_their_shape(tmp_path, invoices, capsys):
    early = invoices["invoice_date"].map(lambda d: d.replace(day=min(d.day, 12)))
    folder = _folder(tmp_path, invoices.assign(invoice_date=early.dt.strftime("%d.%m.%y")))
    msg = _refused(folder, "date_format: {invoice_date: '%d.%m.%y'}")
    assert f"all {len(invoices):,} dates" in msg and "12 or less" in msg and "row 2:" in msg
    _cli(folder, capsys, usable=False, words="date_format")
    got = _load(folder, {"invoices": {"date_format": {"invoice_date": "%d.%m.%y"}}})
    assert (got["invoice_date"] == early).all()
    month_first = _load(folder, {"invoices": {"date_format": "%m.%d.%y"}})["invoice_date"]
    assert (month_first.dt.month == early.dt.day).all()  # what the user asked for


def test_codes_and_utc_offsets_kept_as_written(tmp_path, invoices):
    """CSV readers infer types: an id 007 became 7 (and 1.10 the same id as 1.1), a time at
    00:30+01:00 a UTC time the day before. Text columns are read as written."""
    ids = [f"{i:05d}" for i in range(len(invoices))]
    ids[:2] = ["1.10", "1.1"]
    stamps = invoices["invoice_date"] + pd.Timedelta(minutes=30)
    frame = invoices.assign(
        invoice_id=ids, invoice_date=stamps.dt.strftime("%Y-%m-%dT%H:%M:%S+01:00")
    )
    got = _load(_folder(tmp_path, frame))
    assert got["invoice_id"].tolist() == ids
    assert (got["invoice_date"] == stamps).all()  # the day written, as for tz-aware Parquet


def test_dates_of_no_known_shape_are_not_guessed(tmp_path, invoices, capsys):
    for text in ("3/4", "04032024"):  # no year; day and month run together
        frame = invoices.assign(invoice_date=text)
        folder = _folder(tmp_path, frame)
        _refused(folder, "dates that cannot be read")
        _cli(folder, capsys, usable=False, words="dates that cannot be read")


def test_utc_offsets_and_named_months(tmp_path, invoices):
    d = invoices["invoice_date"]
    text = (d + pd.Timedelta(hours=10)).dt.strftime("%Y-%m-%dT%H:%M:%S")
    text = text.where(invoices.index % 2 == 0, text + "+01:00").where(
        invoices.index % 3 != 0, text + "Z"
    )
    got = _load(_folder(tmp_path, invoices.assign(invoice_date=text)))["invoice_date"]
    assert (got == d + pd.Timedelta(hours=10)).all()  # local wall time, as for tz-aware Parquet
    named = d.dt.strftime("%d-%b-%y").where(invoices.index % 2 == 0, d.dt.strftime("%B %d, %Y"))
    assert (
        _load(_folder(tmp_path, invoices.assign(invoice_date=named)))["invoice_date"] == d
    ).all()


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
            "0,5",
            "12,3456",
            "12,34,567",  # Indian lakh grouping: thousands commas
            "1 234,56",  # a blank groups thousands; the comma is the decimal
            "€1.234,56",
            "(1,234.50)",
        ]
    )
    comma, point, ambiguous = decimal_evidence(t)
    assert np.flatnonzero(comma).tolist() == [0, 1, 7, 9, 10, 12, 13]
    assert np.flatnonzero(point).tolist() == [2, 3, 6, 11, 14]
    assert np.flatnonzero(ambiguous).tolist() == [4, 5]


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
    [
        ("inf", "not finite"),
        ("-Infinity", "not finite"),
        ("1e308", "implausibly large"),
        ("1e309", "not finite"),
        ("NaN", "empty cells in a required column"),
    ],
)
def test_non_finite_and_absurd_values_are_refused(tmp_path, invoices, capsys, value, words):
    frame = invoices.assign(amount=invoices["amount"].astype(object))
    frame.loc[5, "amount"] = value
    folder = _folder(tmp_path, frame)
    msg = _refused(folder, words)
    assert "row 7" in msg and len(msg) < 600
    _cli(folder, capsys, usable=False, words=words)


def test_bounds_can_be_raised_for_one_column(tmp_path, invoices):
    from scmlib.data.model import TABLES, UNIT_BOUNDS

    assert TABLES["invoices"].column("amount").bound == UNIT_BOUNDS["currency"] == 1e15
    assert TABLES["purchase_order_lines"].column("received_qty").bound == UNIT_BOUNDS["units"]
    frame = invoices.copy()
    frame.loc[5, "amount"] = 5e15
    folder = _folder(tmp_path, frame)
    msg = _refused(folder, "implausibly large values (beyond 1e+15")
    assert "bounds: {amount:" in msg
    assert _load(folder, {"invoices": {"bounds": {"amount": 1e16}}})["amount"].max() == 5e15
    with pytest.raises(DataError, match=r"bounds names column\(s\) \['amont'\].*did you mean"):
        _load(folder, {"invoices": {"bounds": {"amont": 1e16}}})
    with pytest.raises(DataError, match="must be a positive number"):
        _load(folder, {"invoices": {"bounds": {"amount": "big"}}})


def test_decimal_comma_file_through_the_cli(tmp_path, invoices, capsys):
    """The typical European export: ';'-separated, decimal commas, dot thousands."""
    text = invoices["amount"].map(
        lambda v: f"{v:,.2f}".replace(",", "_").replace(".", ",").replace("_", ".")
    )
    assert text.str.contains(r"\.").any()  # some amounts above 1.000,00
    folder = _folder(tmp_path, invoices.assign(amount=text), sep=";")
    assert _load(folder, {"sep": ";"})["amount"].to_numpy() == pytest.approx(
        invoices["amount"].to_numpy()
    )
    capsys.readouterr()
    assert main(["data", "check", "--data", str(folder), "--read-options", "{sep: ';'}"]) == 0
    msg = _refused(
        folder, "decimal comma although read_options decimal is '.'", {"sep": ";", "decimal": "."}
    )
    assert "row 2:" in msg and "set decimal to ','" in msg


def test_ambiguous_separators_through_the_cli(tmp_path, invoices, capsys):
    ambiguous = invoices["amount"].map(lambda v: f"{(round(v) % 900) + 1000:,d}")
    folder = _folder(tmp_path, invoices.assign(amount=ambiguous))
    out = _cli(folder, capsys, usable=False, words="read_options: {invoices: {decimal: ','}}")
    assert "could be a thousands separator or a decimal" in out
    assert (
        _load(folder, {"thousands": ","})["amount"].min() >= 1000
    )  # thousands ',' means decimal '.'
    got = _load(folder, {"decimal": ","})["amount"]
    assert got.max() < 2  # 1,234 read as 1.234, as the user said


@pytest.mark.parametrize(
    "value,expected",
    [
        ("1 234.50", 1234.5),  # blank as thousands separator
        ("1\u00a0234.50", 1234.5),  # no-break space (French and Excel exports)
        ("1'234.50", 1234.5),  # Swiss apostrophe
        ("12,34,567.00", 1234567.0),  # Indian lakh grouping
        ("1,234.50-", -1234.5),  # SAP trailing minus
        ("(1,234.50)", -1234.5),  # accounting negative
        ("GBP 1,234.50", 1234.5),
        ("1.5e3", 1500.0),
    ],
)
def test_number_spellings_read_as_meant(tmp_path, invoices, value, expected):
    frame = invoices.assign(amount=invoices["amount"].map(lambda v: f"{v:.2f}"))
    frame.loc[3, "amount"] = value
    got = _load(_folder(tmp_path, frame))["amount"]
    assert got.iloc[3] == pytest.approx(expected)
    assert got.drop(index=3).to_numpy() == pytest.approx(invoices["amount"].drop(index=3).round(2))


@pytest.mark.parametrize("value", ["1,2345,678", "1,234,5", "12 50", "1.5.3", "12,", "1--2"])
def test_malformed_numbers_are_refused_not_guessed(tmp_path, invoices, capsys, value):
    """Separators in impossible places: once silently stripped (1,2345,678 read as 12345678)."""
    frame = invoices.assign(amount=invoices["amount"].map(lambda v: f"{v:.2f}"))
    frame.loc[3, "amount"] = value
    folder = _folder(tmp_path, frame)
    msg = _refused(folder, "values that are not numbers")
    assert "row 5:" in msg
    _cli(folder, capsys, usable=False, words="not numbers")


def test_non_finite_values_refused_in_optional_and_parquet_columns(tmp_path, small_demo, capsys):
    po = pd.read_parquet(small_demo / "purchase_order_lines.parquet").head(200)
    for value in ("inf", "-inf"):
        frame = po.assign(received_qty=po["received_qty"].astype(object))
        frame.loc[frame.index[4], "received_qty"] = value
        folder = _folder(tmp_path, frame, name="purchase_order_lines")
        with pytest.raises(DataError, match="received_qty.*not finite.*row 6"):
            load_data(str(folder), tables=["purchase_order_lines"])
    folder = tmp_path / "pq"
    folder.mkdir()
    po.assign(ordered_qty=po["ordered_qty"].where(po.index != po.index[2], np.inf)).to_parquet(
        folder / "purchase_order_lines.parquet", index=False
    )
    with pytest.raises(DataError, match="ordered_qty.*not finite"):
        load_data(str(folder), tables=["purchase_order_lines"])
    _cli(folder, capsys, usable=False, words="not finite")


def test_read_option_values_are_checked(tmp_path, invoices):
    folder = _folder(tmp_path, invoices)
    with pytest.raises(DataError, match="decimal must be '.' or ','"):
        _load(folder, {"decimal": ";"})
    with pytest.raises(DataError, match="decimal and thousands are both"):
        _load(folder, {"invoices": {"decimal": ",", "thousands": ","}})


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
    assert "OTIF is not measured" in html


def test_scorecard_functions_without_receipts_or_po_dates(small_demo):
    """The scorecard on PO lines that data check calls usable: receipts empty or absent, PO dates
    absent. OTIF is NaN (unavailable, not missed), lead time and price change are named gaps."""
    from scmlib.suppliers import scorecard as SC

    po = pd.read_parquet(small_demo / "purchase_order_lines.parquet")
    start, end = po["promised_date"].min(), po["promised_date"].max()
    variants = {
        "empty receipts": po.assign(receipt_date=pd.NaT, received_qty=np.nan),
        "no receipt columns": po.drop(columns=["receipt_date", "received_qty"]),
        "no order_date": po.drop(columns=["order_date"]).assign(receipt_date=pd.NaT),
    }
    for name, frame in variants.items():
        m, unavailable = SC.supplier_metrics(frame, None, None, start, end)
        assert len(m) and m["otif"].isna().all() and m["on_time"].isna().all(), name
        assert "otif" in unavailable and "lead_time" in unavailable, name
        card = SC.score(m, otif_target=0.95)
        assert card["score_otif"].isna().all(), name  # not scored as 0
        assert (card["spend"] > 0).all(), name
        trend = SC.trends(frame, None, "M")
        assert trend["otif"].isna().all() and SC.deterioration_all(trend).empty, name
    assert "cost" in SC.supplier_metrics(variants["no order_date"], None, None, start, end)[1]


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
