"""One set of numbers: the same KPI over the same window has the same value in every report.

Reads the ``outputs/headlines.csv`` of every run of the suite on the small demo company (the
``runs`` fixture), never the HTML. Then changes the company OTIF definition in a settings file
and checks that every report showing supplier OTIF moves together.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from scmlib.runner import plan_runs, run_jobs

# the figures the issue found with different values in different reports, and where each must appear
SHARED = {
    "forecast_accuracy": {"demand_forecasting", "forecast_accuracy", "kpi_dashboard"},
    "forecast_bias": {"forecast_accuracy", "kpi_dashboard"},
    "supplier_otif": {"supplier_scorecard", "kpi_dashboard"},
    "supplier_ppm": {"supplier_scorecard", "kpi_dashboard"},
    "stock_value": {"inventory_segmentation", "safety_stock"},
    "spend_total": {"spend_analysis", "contract_management", "risk_assessment"},
    "spend_suppliers": {"spend_analysis", "contract_management", "risk_assessment"},
}


def _run_defaults(names: list[str], data, out, sub: str = "") -> dict[str, Path]:
    """Run the default parameter set of each notebook on ``data``; each run's folder (or its
    ``sub`` folder, e.g. outputs) by notebook name."""
    recs = run_jobs(
        plan_runs(names, data=str(data), out=out), n_jobs=2, progress=False, echo=lambda *_: None
    )
    assert all(r["status"] == "success" for r in recs), [r["error"] for r in recs]
    return {r["notebook"]: Path(r["run_dir"]) / sub for r in recs}


def _headlines(records: dict) -> pd.DataFrame:
    frames = []
    for (name, set_name), rec in records.items():
        path = Path(rec["run_dir"]) / "outputs" / "headlines.csv"
        if path.is_file():
            frames.append(pd.read_csv(path).assign(notebook=name, parameter_set=set_name))
    return pd.concat(frames, ignore_index=True)


def test_every_headline_figure_has_one_value_per_kpi_window_and_definition(runs):
    _, records = runs
    h = _headlines(records)
    assert {"kpi", "value", "window_start", "window_end", "definition"} <= set(h.columns)
    keys = ["kpi", "window_start", "window_end", "definition"]
    spread = h.groupby(keys, dropna=False)["value"].agg(
        lambda v: v.max() - v.min() if v.notna().all() else 0.0
    )
    assert (spread.abs() < 1e-9).all(), spread[spread.abs() >= 1e-9]


def test_shared_kpis_appear_in_every_report_that_shows_them(runs):
    _, records = runs
    h = _headlines(records)
    default = h[h["parameter_set"] == "default"]
    for kpi, notebooks in SHARED.items():
        shown = default[default["kpi"] == kpi]
        assert notebooks <= set(shown["notebook"]), (kpi, set(shown["notebook"]))
        assert shown["value"].nunique() == 1, (kpi, shown[["notebook", "value"]])
        # over the same window and definition, so a report on another window cannot slip through
        same = shown[["window_start", "window_end", "definition"]].drop_duplicates()
        assert len(same) == 1, (kpi, shown[["notebook", "window_start", "window_end"]])
        assert shown["definition"].str.len().min() > 10  # each carries its definition


def test_kpi_dashboard_reconciles_with_the_specialist_reports(runs):
    _, records = runs
    kpis = pd.read_csv(
        Path(records[("kpi_dashboard", "default")]["run_dir"]) / "outputs" / "kpis.csv"
    ).set_index("kpi")
    card = pd.read_csv(
        Path(records[("supplier_scorecard", "default")]["run_dir"]) / "outputs" / "headlines.csv"
    ).set_index("kpi")
    acc = pd.read_csv(
        Path(records[("forecast_accuracy", "default")]["run_dir"]) / "outputs" / "headlines.csv"
    ).set_index("kpi")
    assert kpis.loc["supplier_otif", "value"] == pytest.approx(
        card.loc["supplier_otif", "value"], abs=1e-12
    )
    assert kpis.loc["forecast_accuracy", "value"] == pytest.approx(
        acc.loc["forecast_accuracy", "value"], abs=1e-12
    )
    assert kpis.loc["supplier_otif", "target"] == pytest.approx(
        0.95
    )  # the company target, not a notebook literal


@pytest.fixture(scope="module")
def otif_moved(small_demo, tmp_path_factory):
    """Scorecard and dashboard under the default settings and under settings whose OTIF counts
    two days early as on time and measures whole orders."""
    root = tmp_path_factory.mktemp("settings")
    changed = root / "company.yaml"
    changed.write_text(
        "supplier_otif:\n  level: order\n  early_days: 2\n  late_days: 1\ncalendar:\n  fiscal_year_start_month: 4\n"
    )
    out = {}
    for label, settings in (("default", None), ("changed", changed)):
        jobs = plan_runs(
            ["supplier_scorecard", "kpi_dashboard", "risk_assessment"],
            data=str(small_demo),
            out=root / label,
            settings=settings,
        )
        recs = run_jobs(jobs, n_jobs=2, progress=False, echo=lambda *_: None)
        assert all(r["status"] == "success" for r in recs), [r["error"] for r in recs]
        out[label] = {r["notebook"]: Path(r["run_dir"]) for r in recs}
    return out


def test_a_changed_otif_setting_moves_every_report_together(otif_moved):
    def otif(label, name):
        h = pd.read_csv(otif_moved[label][name] / "outputs" / "headlines.csv").set_index("kpi")
        return h.loc["supplier_otif", "value"], h.loc["supplier_otif", "definition"]

    before = {n: otif("default", n) for n in ("supplier_scorecard", "kpi_dashboard")}
    after = {n: otif("changed", n) for n in ("supplier_scorecard", "kpi_dashboard")}
    assert before["supplier_scorecard"] == before["kpi_dashboard"]
    assert after["supplier_scorecard"] == after["kpi_dashboard"]
    assert after["kpi_dashboard"][0] != before["kpi_dashboard"][0]
    assert (
        "orders" in after["kpi_dashboard"][1]
        and "2 days early to 1 day late" in after["kpi_dashboard"][1]
    )
    html = (otif_moved["changed"]["supplier_scorecard"] / "report.html").read_text()
    assert "company.yaml" in html  # the header names the settings file in force


def test_a_notebook_parameter_overrides_one_setting_and_the_header_says_so(small_demo, tmp_path):
    [job] = plan_runs(
        ["supplier_scorecard"],
        overrides={"otif_level": "order"},
        data=str(small_demo),
        out=tmp_path,
    )
    [rec] = run_jobs([job], n_jobs=1, progress=False, echo=lambda *_: None)
    assert rec["status"] == "success", rec["error"]
    html = (Path(rec["run_dir"]) / "report.html").read_text()
    assert "Differs from company settings" in html and "supplier_otif.level = order" in html


@pytest.fixture(scope="module")
def category_reports(small_demo, tmp_path_factory):
    """Category management and sustainable procurement on the small demo, default sets."""
    return _run_defaults(
        ["category_management", "sustainable_procurement"],
        small_demo,
        tmp_path_factory.mktemp("category_spend"),
        "",
    )


def test_category_spend_is_one_figure_in_category_management_and_sustainability(
    category_reports,
):
    """A category's spend is one figure: sustainable procurement's invoiced spend equals category
    management's annual spend over the same 12-month company window, both classifying the lines
    that record no category with the company's keyword rules (spend.classification_rules)."""
    cm_dir, sp_dir = (
        category_reports["category_management"],
        category_reports["sustainable_procurement"],
    )
    cm = pd.read_csv(cm_dir / "outputs" / "kraljic_positions.csv").set_index("category")
    sp = pd.read_csv(sp_dir / "outputs" / "category_emissions.csv").set_index("category")
    both = cm.index.intersection(sp.index)
    assert len(both) >= 10
    pd.testing.assert_series_equal(
        sp.loc[both, "spend"], cm.loc[both, "annual_spend"], check_names=False, rtol=1e-9
    )
    assert sp["spend_by_rules"].sum() > 0  # the rules did classify part of it, in both reports
    # both reports state the same basis over the same window; neither claims the other differs
    html, cm_html = (sp_dir / "report.html").read_text(), (cm_dir / "report.html").read_text()
    basis = "keyword rules (data/reference/spend_rules.csv); lines neither recorded nor matched"
    assert basis in html and basis in cm_html
    assert "recorded categories only" not in html + cm_html
    window = pd.read_csv(sp_dir / "outputs" / "emission_lines.csv", parse_dates=["invoice_date"])
    text = f"{window['invoice_date'].min():%b %Y} to {window['invoice_date'].max():%b %Y}"
    assert f"Invoiced spend {text}" in html and text in cm_html  # the same window in both


@pytest.fixture(scope="module")
def inventory_reports(small_demo, tmp_path_factory):
    """Inventory segmentation, DDMRP and safety stock on the small demo, default sets."""
    return _run_defaults(
        ["inventory_segmentation", "ddmrp", "safety_stock"],
        small_demo,
        tmp_path_factory.mktemp("abc_classes"),
        "outputs",
    )


def test_an_item_has_one_abc_class_in_every_inventory_report(inventory_reports):
    """One ABC classification (scmlib.inventory.segmentation.company_segments with the company
    settings segmentation.* and calendar.*): an item-location's class in the DDMRP buffers and
    the safety-stock table is its class in the inventory segmentation report."""
    keys = ["item_id", "location_id"]
    seg = pd.read_csv(inventory_reports["inventory_segmentation"] / "segmentation.csv")
    seg = seg.set_index(keys)["abc"]
    for name, table in (("ddmrp", "buffers.csv"), ("safety_stock", "safety_stock.csv")):
        other = pd.read_csv(inventory_reports[name] / table).set_index(keys)["abc"]
        both = seg.index.intersection(other.index)
        assert len(both) >= 0.9 * len(other), name
        differ = (seg.loc[both] != other.loc[both]).sum()
        assert differ == 0, (name, differ, len(both))


@pytest.fixture(scope="module")
def procurement_reports(small_demo, tmp_path_factory):
    """Spend analysis, contract management and risk assessment on the small demo, default sets."""
    return _run_defaults(
        ["spend_analysis", "contract_management", "risk_assessment"],
        small_demo,
        tmp_path_factory.mktemp("procurement_spend"),
        "outputs",
    )


def test_spend_and_supplier_count_are_one_figure_in_the_procurement_and_risk_reports(
    procurement_reports,
):
    """Total spend and the supplier count of the company window are computed once
    (scmlib.core.measures.spend_total / spend_suppliers on the lines of
    spend.prepare_spend: company currency, rate policy, keyword rules and harmonised supplier
    names) and shown with the same value, window and definition in the spend, contract and risk
    reports; each report's own spend table adds up to that total."""
    figures = {}
    for name, out in procurement_reports.items():
        h = pd.read_csv(out / "headlines.csv").set_index("kpi")
        figures[name] = h.loc[["spend_total", "spend_suppliers"]]
    cols = ["value", "window_start", "window_end", "definition"]
    first = figures["spend_analysis"][cols]
    for name, f in figures.items():
        pd.testing.assert_frame_equal(f[cols], first, check_exact=False, rtol=1e-12, obj=name)
    total = first.loc["spend_total", "value"]
    assert total > 0 and first.loc["spend_suppliers", "value"] >= 10
    # contract coverage by category: its total row is the whole spend of the window
    cov = pd.read_csv(procurement_reports["contract_management"] / "coverage.csv")
    assert cov.loc[cov["category"] == "Total", "spend"].iloc[0] == pytest.approx(total, rel=1e-9)
    # risk: spend by supplier country adds up to the same total (invoiced, reporting currency)
    country = pd.read_csv(procurement_reports["risk_assessment"] / "country_exposure.csv")
    assert country["spend"].sum() == pytest.approx(total, rel=1e-9)
    # spend analysis: the cube's months in the window add up to it too
    cube = pd.read_csv(
        procurement_reports["spend_analysis"] / "spend_cube.csv", parse_dates=["period"]
    )
    start, end = (
        pd.Timestamp(first.loc["spend_total", "window_start"]),
        pd.Timestamp(first.loc["spend_total", "window_end"]),
    )
    in_window = cube[(cube["period"] >= start) & (cube["period"] <= end)]
    assert in_window["spend"].sum() == pytest.approx(total, rel=1e-9)


@pytest.fixture(scope="module")
def supplier_reports(small_demo, tmp_path_factory):
    """Supplier scorecard and one supplier's QBR on the small demo, default sets."""
    return _run_defaults(
        ["supplier_scorecard", "supplier_qbr"],
        small_demo,
        tmp_path_factory.mktemp("segment_tiers"),
        "outputs",
    )


def test_a_suppliers_segment_tiers_and_sla_are_one_figure_in_scorecard_and_qbr(
    supplier_reports,
):
    """Segment tiers and SLA settlements are computed once for the company
    (scmlib.suppliers.segmentation.company_segments over the company window with the
    supplier_sla settings): a supplier's QBR shows exactly its rows of the scorecard's tables."""
    for table in ("segment_tiers.csv", "segment_sla.csv"):
        qbr = pd.read_csv(supplier_reports["supplier_qbr"] / table)
        assert len(qbr) >= 1 and qbr["supplier_id"].nunique() == 1, table
        card = pd.read_csv(supplier_reports["supplier_scorecard"] / table)
        card = card[card["supplier_id"] == qbr["supplier_id"].iloc[0]]
        keys = ["supplier_id", "segment"]
        pd.testing.assert_frame_equal(
            qbr.sort_values(keys).reset_index(drop=True)[card.columns],
            card.sort_values(keys).reset_index(drop=True),
            check_exact=False,
            check_dtype=False,  # a CSV column of True/False with blanks reads as object
            rtol=1e-12,
            obj=table,
        )
