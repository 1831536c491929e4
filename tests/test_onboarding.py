"""Own data onboarded without surprises: the mapping and the data are checked before any kernel,
`scm data check` applies exactly what a run applies and says which processes can run, and a
real-world delivery extract (renamed columns, mixed date formats, placeholder text, no order
dates) reaches a scored supplier scorecard with a column map and reading options alone."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from scmlib.cli import main

ROOT = Path(__file__).resolve().parent.parent


def _extract(tmp_path: Path, small_demo: Path) -> Path:
    """A vendor-delivery export as programmes publish them: its own column names, PO-sent dates as
    m/d/yy mixed with placeholder text, scheduled and delivered dates as d-Mon-yy."""
    po = pd.read_parquet(small_demo / "purchase_order_lines.parquet")
    sent = po["order_date"].dt.strftime("%m/%d/%y").astype(object)
    sent[::5] = "Date Not Captured"
    sent[2::9] = "N/A - From RDC"
    out = pd.DataFrame(
        {
            "PO / SO #": po["po_id"],
            "Line Item": po["line_id"],
            "Vendor": po["supplier_id"],
            "Product Group": po["category"],
            "PO Sent to Vendor Date": sent,
            "Scheduled Delivery Date": po["promised_date"].dt.strftime("%d-%b-%y"),
            "Delivered to Client Date": po["receipt_date"].dt.strftime("%d-%b-%y"),
            "Line Item Quantity": po["ordered_qty"],
            "Delivered Quantity": po["received_qty"],
            "Unit Price": po["unit_price"].map(lambda v: f"{v:,.2f}"),
        }
    )
    folder = tmp_path / "programme"
    folder.mkdir()
    out.to_csv(folder / "deliveries.csv", index=False)
    params = {
        "data_source": str(folder),
        "column_map": {
            "purchase_order_lines": {
                "PO / SO #": "po_id",
                "Line Item": "line_id",
                "Vendor": "supplier_id",
                "Product Group": "category",
                "PO Sent to Vendor Date": "order_date",
                "Scheduled Delivery Date": "promised_date",
                "Delivered to Client Date": "receipt_date",
                "Line Item Quantity": "ordered_qty",
                "Delivered Quantity": "received_qty",
                "Unit Price": "unit_price",
            }
        },
        "read_options": {
            "purchase_order_lines": {
                "path": "deliveries.csv",
                "date_format": {
                    "order_date": "%m/%d/%y",
                    "promised_date": "%d-%b-%y",
                    "receipt_date": "%d-%b-%y",
                },
                "na_values": {"order_date": ["Date Not Captured", "N/A - From RDC"]},
            }
        },
    }
    (tmp_path / "programme.yaml").write_text(yaml.safe_dump(params))
    return tmp_path / "programme.yaml"


def _graded(params: Path) -> Path:
    """The same parameter set scoring what a delivery extract measures, delivery alone (with the
    default weights only 35% of the score would be measured, below the 60% needed to grade)."""
    values = yaml.safe_load(params.read_text())
    values["weights"] = {"otif": 1.0}
    target = params.with_name("programme_graded.yaml")
    target.write_text(yaml.safe_dump(values))
    return target


def test_a_real_world_extract_reaches_a_scored_scorecard(tmp_path, small_demo, capsys):
    params = _extract(tmp_path, small_demo)
    # order_date is required by the data model but not by the scorecard: usable for it alone
    assert main(["data", "check", "--params", str(params)]) == 0
    out = capsys.readouterr().out
    flat = " ".join(out.split())
    can = flat.split("can run: ")[1].split(" cannot run")[0].split(" usable")[0]
    assert "supplier_scorecard" in can and "spend_analysis" not in can, can
    assert "usable for " in flat and "supplier_scorecard" in flat.split("usable for ")[1]
    assert all(len(line) <= 100 for line in out.splitlines())
    reports = tmp_path / "reports"
    assert (
        main(
            ["run", "supplier_scorecard", "--params", str(params), "--out", str(reports), "--quiet"]
        )
        == 0
    )
    ungraded = pd.read_csv(next(reports.glob("supplier_scorecard/*")) / "outputs" / "scorecard.csv")
    assert (
        ungraded["grade"].isna().all()
        and ungraded["unscored_reason"].str.contains("35% of the score weight").any()
    )  # measured, not graded
    assert (
        main(
            [
                "run",
                "supplier_scorecard",
                "--params",
                str(_graded(params)),
                "--out",
                str(reports),
                "--quiet",
            ]
        )
        == 0
    )
    run = sorted(reports.glob("supplier_scorecard/*"))[-1]
    record = json.loads((run / "run.json").read_text())
    assert record["status"] == "success"
    head = pd.read_csv(run / "outputs" / "headlines.csv").set_index("kpi")
    assert 0 < head.loc["supplier_otif", "value"] < 1
    card = pd.read_csv(run / "outputs" / "scorecard.csv")
    assert card["grade"].isin(["A", "B", "C", "D"]).any()


def test_mapping_problems_stop_before_any_kernel(tmp_path, small_demo, capsys):
    params = _extract(tmp_path, small_demo)
    bad = yaml.safe_load(params.read_text())
    bad["column_map"]["purchase_order_lines"]["Vendr"] = bad["column_map"][
        "purchase_order_lines"
    ].pop("Vendor")
    (tmp_path / "bad.yaml").write_text(yaml.safe_dump(bad))
    reports = tmp_path / "reports"
    assert (
        main(
            [
                "run",
                "supplier_scorecard",
                "--params",
                str(tmp_path / "bad.yaml"),
                "--out",
                str(reports),
                "--quiet",
            ]
        )
        == 1
    )
    err = capsys.readouterr().err
    assert (
        "supplier_scorecard (bad) cannot run on this data" in err
        and "Vendr" in err
        and len(err.strip().splitlines()) == 1
    )
    assert not reports.exists()  # no failed run becomes the index's latest


def test_a_flat_column_map_gets_the_expected_form(tmp_path, small_demo, capsys):
    f = tmp_path / "flat.yaml"
    f.write_text(f"data_source: {small_demo}\ncolumn_map: {{Vendor: supplier_id}}\n")
    assert (
        main(
            [
                "run",
                "supplier_scorecard",
                "--params",
                str(f),
                "--out",
                str(tmp_path / "r"),
                "--quiet",
            ]
        )
        == 2
    )
    err = capsys.readouterr().err
    assert "flat map" in err and "column_map: {purchase_order_lines: {Vendor: supplier_id" in err
    assert main(["data", "check", "--params", str(f)]) == 2


def test_data_check_applies_a_command_line_map(tmp_path, small_demo, capsys):
    folder = tmp_path / "renamed"
    shutil.copytree(small_demo, folder)
    po = pd.read_parquet(folder / "purchase_order_lines.parquet").rename(
        columns={"supplier_id": "Vendor"}
    )
    po.to_parquet(folder / "purchase_order_lines.parquet", index=False)
    assert main(["data", "check", "--data", str(folder)]) == 1
    out = " ".join(capsys.readouterr().out.split())
    assert "missing required column 'supplier_id'" in out and "did you mean 'line_id'" not in out
    assert (
        main(
            [
                "data",
                "check",
                "--data",
                str(folder),
                "--column-map",
                "{purchase_order_lines: {Vendor: supplier_id}}",
            ]
        )
        == 0
    )
    out = " ".join(capsys.readouterr().out.split())
    assert "supplier_scorecard" in out.split("can run:")[1].split("usable")[0]


def test_warnings_show_as_warning_status(small_demo, capsys):
    assert main(["data", "check", "--data", str(small_demo)]) == 0
    lines = capsys.readouterr().out.splitlines()
    demand = next(line for line in lines if line.startswith("demand_history"))
    assert demand.rstrip().endswith("warning")
    assert all(len(line) <= 100 for line in lines)


def test_relaxed_columns_are_per_process(small_demo, tmp_path):
    from scmlib.data import load_data
    from scmlib.errors import DataError

    folder = tmp_path / "noorder"
    shutil.copytree(small_demo, folder)
    po = pd.read_parquet(folder / "purchase_order_lines.parquet")
    po.assign(order_date=pd.NaT).to_parquet(folder / "purchase_order_lines.parquet", index=False)
    with pytest.raises(DataError, match="order_date"):
        load_data(str(folder), tables=["purchase_order_lines"])
    got = load_data(
        str(folder),
        tables=["purchase_order_lines"],
        relaxed={"purchase_order_lines": ["order_date"]},
    )
    assert (
        got["purchase_order_lines"]["order_date"].isna().all()
        and np.isfinite(got["purchase_order_lines"]["ordered_qty"]).all()
    )


def test_template_and_map_give_a_guided_start(tmp_path, small_demo, capsys):
    from scmlib.data.model import TABLES

    tpl = tmp_path / "tpl"
    assert main(["data", "template", "--out", str(tpl)]) == 0
    assert sorted(p.stem for p in tpl.glob("*.csv")) == sorted(TABLES)
    header = (tpl / "purchase_order_lines.csv").read_text().strip().split(",")
    required = [c.name for c in TABLES["purchase_order_lines"].columns if c.required]
    assert (
        header[: len(required)] == required
        and "data_source:" in (tpl / "parameters.yaml").read_text()
    )
    assert (
        main(["data", "template", "--out", str(tpl)]) == 2
    )  # never into a folder that is not empty
    capsys.readouterr()
    params = _extract(tmp_path / "x", small_demo) if (tmp_path / "x").mkdir() is None else None
    folder = params.parent / "programme"
    (folder / "deliveries.csv").rename(folder / "purchase_orders.csv")
    assert main(["data", "map", "--data", str(folder), "--out", str(tmp_path / "map.yaml")]) == 0
    proposal = yaml.safe_load((tmp_path / "map.yaml").read_text())["column_map"][
        "purchase_order_lines"
    ]
    expected = yaml.safe_load(params.read_text())["column_map"]["purchase_order_lines"]
    assert proposal == expected  # every column of the renamed extract matched to its canonical name
    assert (
        main(["data", "map", "--data", str(folder), "--out", str(tmp_path / "map.yaml")]) == 2
    )  # no overwrite


def test_row_filters_for_any_process(small_demo):
    """Internal transfers (a pseudo-vendor) left out by a reading option, counted in the warnings."""
    from scmlib.data import load_data
    from scmlib.errors import DataError

    po = pd.read_parquet(small_demo / "purchase_order_lines.parquet")
    top = po["supplier_id"].value_counts().index[0]
    ds = load_data(
        str(small_demo),
        tables=["purchase_order_lines"],
        read_options={"purchase_order_lines": {"exclude": {"supplier_id": [top]}}},
    )
    got = ds["purchase_order_lines"]
    assert top not in set(got["supplier_id"]) and len(got) == int((po["supplier_id"] != top).sum())
    assert any("rows left out by read_options exclude (supplier_id)" in w for w in ds.warnings)
    with pytest.raises(DataError, match="exclude names column 'vendor'"):
        load_data(
            str(small_demo),
            tables=["purchase_order_lines"],
            read_options={"purchase_order_lines": {"exclude": {"vendor": ["x"]}}},
        )


def test_no_arbitrary_caps_where_the_definition_needs_none(tmp_path):
    """'Delivered on or before the scheduled date' (any number of days early) and any history length."""
    from scmlib.runner import plan_runs

    [job] = plan_runs(
        ["supplier_scorecard"],
        overrides={"early_days": 3650, "period_months": 120},
        out=tmp_path / "r",
    )
    assert job.parameters["early_days"] == 3650 and job.parameters["period_months"] == 120


def test_packaging_metadata_is_current():
    import tomllib

    project = tomllib.loads((Path(__file__).resolve().parent.parent / "pyproject.toml").read_text())
    assert (
        project["project"]["license"] == "MIT"
    )  # an SPDX string: no setuptools deprecation warnings at setup


def test_references_between_tables_stop_before_any_kernel(tmp_path, small_demo, capsys):
    """A PO line naming a supplier the vendor master lacks: found by the pre-flight check, which
    reads the notebook's tables together as its run does, not inside the kernel."""
    folder = tmp_path / "extract"
    shutil.copytree(small_demo, folder)
    po = pd.read_parquet(folder / "purchase_order_lines.parquet")
    po.loc[po.index[3], "supplier_id"] = "S-NOT-IN-MASTER"
    po.to_parquet(folder / "purchase_order_lines.parquet", index=False)
    reports = tmp_path / "reports"
    capsys.readouterr()
    code = main(
        ["run", "supplier_scorecard", "--data", str(folder), "--out", str(reports), "--quiet"]
    )
    err = capsys.readouterr().err
    assert code == 1 and "S-NOT-IN-MASTER" in err and len(err.strip().splitlines()) == 1, err
    assert not reports.exists()


def test_data_check_shows_warnings_between_tables(tmp_path, small_demo, capsys):
    """An invoice naming a PO that does not exist: usable, but its table says 'warning'."""
    folder = tmp_path / "extract"
    shutil.copytree(small_demo, folder)
    inv = pd.read_parquet(folder / "invoices.parquet")
    inv.loc[inv["po_id"].notna().idxmax(), "po_id"] = "PO-UNKNOWN"
    inv.to_parquet(folder / "invoices.parquet", index=False)
    capsys.readouterr()
    assert main(["data", "check", "--data", str(folder)]) == 0
    lines = capsys.readouterr().out.splitlines()
    row = next(line for line in lines if line.startswith("invoices "))
    assert row.split()[-1] == "warning"
    assert "PO-UNKNOWN" in " ".join(lines)


def test_data_check_params_resolves_the_source_as_a_run_does(tmp_path, monkeypatch, capsys):
    """A relative data_source inside a parameter file is relative to the project root, for
    `scm data check --params` as for `scm run`, whatever the current directory."""
    monkeypatch.chdir(tmp_path)
    params = ROOT / "parameters" / "spend_analysis.uk_desnz.yaml"
    capsys.readouterr()
    assert main(["data", "check", "--params", str(params)]) == 0
    out = capsys.readouterr().out
    assert f"data source: {ROOT / 'data'}" in out


def test_planned_date_horizon_is_a_reading_option(tmp_path, small_demo):
    from scmlib.data import load_data
    from scmlib.errors import DataError

    folder = tmp_path / "extract"
    folder.mkdir()
    contracts = pd.read_parquet(small_demo / "contracts.parquet")
    contracts.loc[contracts.index[0], "end_date"] = pd.Timestamp.today() + pd.DateOffset(years=20)
    contracts.to_parquet(folder / "contracts.parquet", index=False)
    shutil.copy(small_demo / "suppliers.parquet", folder)
    ds = load_data(str(folder), tables=["contracts"])
    assert any("more than 10 years ahead" in w for w in ds.warnings)
    ds = load_data(str(folder), tables=["contracts"], read_options={"horizon_years": 30})
    assert not any("years ahead" in w for w in ds.warnings)
    with pytest.raises(DataError, match="horizon_years must be a positive number"):
        load_data(str(folder), tables=["contracts"], read_options={"horizon_years": "soon"})


def test_sample_rows_reads_the_first_rows_only(tmp_path, small_demo):
    from scmlib.data import load_data
    from scmlib.data.sources import parquet_table_rows
    from scmlib.errors import DataError

    full = pd.read_parquet(small_demo / "invoices.parquet")
    ds = load_data(str(small_demo), tables=["invoices"], read_options={"sample_rows": 25})
    assert len(ds["invoices"]) == 25
    assert ds["invoices"]["invoice_id"].tolist() == full["invoice_id"].head(25).tolist()
    assert parquet_table_rows(str(small_demo), "invoices") == len(full)
    with pytest.raises(DataError, match="sample_rows must be a whole number"):
        load_data(str(small_demo), tables=["invoices"], read_options={"sample_rows": 0})


def test_streamed_tables_are_checked_on_a_sample_before_the_run(tmp_path, small_demo, monkeypatch):
    """A table the notebook streams out of core (spend_analysis' invoices through DuckDB) is
    checked on its first rows when it is very large, instead of being read whole into memory
    by the pre-flight check; a problem in the sample still stops the run before any kernel."""
    import scmlib.runner.execute as ex
    from scmlib.errors import DataError
    from scmlib.runner import plan_runs

    folder = tmp_path / "extract"
    shutil.copytree(small_demo, folder)
    inv = pd.read_parquet(folder / "invoices.parquet")
    monkeypatch.setattr(ex, "STREAM_THRESHOLD_ROWS", 100)
    monkeypatch.setattr(ex, "STREAM_SAMPLE_ROWS", 50)
    seen = []
    import scmlib.data as data_pkg  # the runner imports the loader from here when it runs

    original = data_pkg.load_data

    def spy(*args, **kw):
        seen.append((kw.get("read_options") or {}).get("invoices", {}).get("sample_rows"))
        return original(*args, **kw)

    monkeypatch.setattr(data_pkg, "load_data", spy)
    jobs = plan_runs(["spend_analysis"], data=str(folder), out=tmp_path / "r")
    ex.preflight_data(jobs)
    assert seen == [50]
    bad = inv.copy()
    bad.loc[bad.index[10], "amount"] = float("inf")
    bad.to_parquet(folder / "invoices.parquet", index=False)
    with pytest.raises(DataError, match="not finite"):
        ex.preflight_data(jobs)
