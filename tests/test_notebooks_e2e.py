"""Every notebook, with every parameter set, through `scm run` on a small demo company; reports
checked for content, size, escaping and the absence of code, warnings and stderr text."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest

from scmlib.runner import notebook_specs, parameter_sets, plan_runs, run_jobs

ROOT = Path(__file__).resolve().parent.parent

EXPECTED_OUTPUTS = {
    "demand_forecasting": {"forecast.csv", "backtest_metrics.csv", "exceptions.csv"},
    "forecast_accuracy": {
        "accuracy_by_item.csv",
        "fva.csv",
        "bias_alerts.csv",
        "recommendations.csv",
    },
    "spend_analysis": {"spend_cube.csv", "savings_opportunities.csv", "supplier_normalisation.csv"},
    "inventory_segmentation": {"segmentation.csv", "slob.csv", "health.csv"},
    "safety_stock": {"safety_stock.csv", "tradeoff.csv"},
    "risk_assessment": {
        "risk_register_scored.csv",
        "supplier_exposure.csv",
        "country_exposure.csv",
    },
    "supplier_scorecard": {"scorecard.csv", "supplier_trends.csv", "actions_overdue.csv"},
    "kpi_dashboard": {"kpis.csv"},
    "ddmrp": {"buffer_status.csv", "orders_today.csv", "simulation.csv"},
    "inventory_policy": {"rq_policy.csv", "ss_policy.csv", "positioning.csv", "tier_scenarios.csv"},
    "sales_operations_planning": {"consensus_plan.csv", "supply_plan.csv", "budget_gaps.csv"},
    "network_design": {"cost_service_curve.csv", "scenarios.csv", "assignment.csv"},
    "capacity_planning": {"load.csv", "bottlenecks.csv", "capacity_options.csv"},
    "category_management": {"kraljic_positions.csv", "market_view.csv"},
    "strategic_sourcing": {"baseline.csv", "strategy_options.csv", "savings_forecast.csv"},
    "supplier_selection": {"ranking.csv", "tco.csv", "sensitivity.csv"},
    "rfx_evaluation": {"award.csv", "responses.csv", "savings.csv"},
    "contract_management": {"renewal_calendar.csv", "coverage.csv", "negotiation_prep.csv"},
    "supplier_development": {"programme_impact.csv", "gaps_to_target.csv", "pipeline.csv"},
    "supplier_qbr": {"qbr_kpis.csv", "agenda.csv", "share_of_wallet.csv"},
    "supplier_onboarding": {"funnel.csv", "cycle_times.csv", "documents.csv"},
    "supplier_risk_monitoring": {"alerts.csv", "supplier_indicators.csv"},
    "business_continuity": {"stress_test.csv", "gaps_by_node.csv"},
    "disruption_response": {"weekly_impact.csv", "options.csv", "communication.csv"},
    "cost_to_serve": {"customer_pnl.csv", "activity_rates.csv", "whale_curve_customers.csv"},
    "sustainable_procurement": {"category_emissions.csv", "supplier_emissions.csv"},
}
CASES = [(name, set_name) for name in notebook_specs() for set_name in parameter_sets(name)]


@pytest.mark.parametrize("name,set_name", CASES, ids=[f"{n}[{s}]" for n, s in CASES])
def test_notebook_run(runs, name, set_name):
    _, records = runs
    rec = records[(name, set_name)]
    assert rec["status"] == "success", rec["error"]
    run = Path(rec["run_dir"])
    meta = json.loads((run / "run.json").read_text())
    assert (
        meta["status"] == "success" and meta["versions"]["python"] and meta["end"] >= meta["start"]
    )
    assert EXPECTED_OUTPUTS[name] <= set(meta["outputs"])
    for f in EXPECTED_OUTPUTS[name]:
        pd.read_csv(run / "outputs" / f)  # parseable CSV
    main_output = pd.read_csv(run / "outputs" / sorted(EXPECTED_OUTPUTS[name])[0])
    assert len(main_output) > 0
    html = (run / "report.html").read_text(encoding="utf-8")
    assert len(html.encode()) < 2_000_000, "report over 2 MB"
    assert "Executive summary" in html and "Method appendix" in html and "scm-header" in html
    assert 'src="http' not in html and "cdnjs" not in html  # self-contained
    for noise in (
        "Traceback",
        "Warning:",
        "DeprecationWarning",
        "FutureWarning",
        "UserWarning",
        'data-mime-type="application/vnd.jupyter.stderr"',
        "In&nbsp;[",
        'class="jp-InputArea-editor',
    ):
        assert noise not in html, noise
    assert "data_source: str" not in html  # parameters cell removed
    assert "data:image/png;base64," in html
    assert "nan%" not in html and ">nan<" not in html.lower()


def test_summary_numbers_come_from_the_data(runs):
    _, records = runs
    run = Path(records[("spend_analysis", "default")]["run_dir"])
    cube = pd.read_csv(run / "outputs" / "spend_cube.csv")
    from scmlib.reporting import DOLLAR, fmt_compact_money

    html = (
        (run / "report.html").read_text().replace(DOLLAR, "$")
    )  # each $ sits in a MathJax-proof element
    total = cube["spend"].sum()
    assert f"Over the whole analysis period: {fmt_compact_money(total)}" in html
    head = pd.read_csv(run / "outputs" / "headlines.csv").set_index("kpi")
    assert (
        f"): {fmt_compact_money(head.loc['spend_total', 'value'])}." in html
    )  # the headline window's spend, as computed


def test_uk_report_marks_unavailable_metrics(runs):
    _, records = runs
    html = Path(records[("spend_analysis", "uk_desnz")]["run_dir"], "report.html").read_text()
    assert (
        "Contract and PO compliance cannot be measured" in html and "Not available: no po" in html
    )
    norm = pd.read_csv(
        Path(
            records[("spend_analysis", "uk_desnz")]["run_dir"],
            "outputs",
            "supplier_normalisation.csv",
        )
    )
    merged = norm[norm["method"] != "unchanged"].set_index("raw_name")["canonical_name"]
    assert (
        merged.get("Building Research Establishment Ltd (Bre)")
        == "Building Research Establishment (Bre)"
    )  # a real spelling variant


def test_index_lists_every_run(runs):
    out, records = runs
    html = (out / "index.html").read_text()
    for rec in records.values():
        rel = Path(rec["run_dir"]).relative_to(out).as_posix()
        assert f'href="{rel}/report.html"' in html


def test_same_data_same_numbers(small_demo, tmp_path):
    jobs = plan_runs(["inventory_segmentation"], data=str(small_demo), out=tmp_path) * 2
    a, b = run_jobs(jobs, n_jobs=2, progress=False, echo=lambda *_: None)
    for f in ("segmentation.csv", "slob.csv", "health.csv"):
        assert (
            Path(a["run_dir"], "outputs", f).read_bytes()
            == Path(b["run_dir"], "outputs", f).read_bytes()
        )


def test_hostile_supplier_names_are_escaped(small_demo, tmp_path):
    import shutil

    data = tmp_path / "hostile"
    shutil.copytree(small_demo, data)
    sup = pd.read_parquet(data / "suppliers.parquet")
    sup.loc[0, "name"] = "<script>alert(1)</script>"
    sup.loc[1, "name"] = "<img src=x onerror=alert(2)>"
    sup.to_parquet(data / "suppliers.parquet", index=False)
    inv = pd.read_parquet(data / "invoices.parquet")
    inv.loc[inv["supplier_id"].isin(sup["supplier_id"][:2]), "amount"] *= (
        1000  # make them top suppliers
    )
    inv.to_parquet(data / "invoices.parquet", index=False)
    [rec] = run_jobs(
        plan_runs(["spend_analysis"], data=str(data), out=tmp_path / "r"),
        n_jobs=1,
        progress=False,
        echo=lambda *_: None,
    )
    assert rec["status"] == "success", rec["error"]
    html = Path(rec["run_dir"], "report.html").read_text()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>alert(1)" not in html
    assert "&lt;img src=x onerror=alert(2)&gt;" in html and "<img src=x" not in html
    assert not re.search(r"<img[^>]+onerror", html)


@pytest.mark.parametrize("name", ["inventory_segmentation", "safety_stock", "supplier_scorecard"])
def test_interactive_mode_builds_widgets(small_demo, tmp_path, name):
    [rec] = run_jobs(
        plan_runs([name], data=str(small_demo), overrides={"interactive": True}, out=tmp_path),
        n_jobs=1,
        progress=False,
        echo=lambda *_: None,
    )
    assert rec["status"] == "success", rec["error"]
    import nbformat

    nb = nbformat.read(str(Path(rec["run_dir"]) / f"{name}.ipynb"), as_version=4)
    mimes = {
        m for c in nb.cells if c.cell_type == "code" for o in c.outputs for m in o.get("data", {})
    }
    assert "application/vnd.jupyter.widget-view+json" in mimes


def test_scorecard_on_delivery_data_without_quantities(tmp_path):
    """A user's own delivery extract with scheduled and delivered dates only, given a column map."""
    d = tmp_path / "deliveries"
    d.mkdir()
    rng = pd.date_range("2025-01-06", periods=60, freq="W-MON")
    rows = pd.DataFrame(
        {
            "Order": [f"PO{i}" for i in range(120)],
            "Vendor": ["V1", "V2"] * 60,
            "Group": "Packaging",
            "Ordered on": list(rng.repeat(2) - pd.Timedelta(days=20)),
            "Scheduled": list(rng.repeat(2)),
            "Delivered": list(rng.repeat(2) + pd.to_timedelta([0, 2] * 60, unit="D")),
            "Qty": 10,
        }
    )
    rows.to_csv(d / "purchase_order_lines.csv", index=False)
    params = tmp_path / "mine.yaml"
    params.write_text(
        f"data_source: {d}\n"
        "column_map:\n  purchase_order_lines: {Order: po_id, Vendor: supplier_id, Group: category, 'Ordered on': order_date, Scheduled: promised_date, Delivered: receipt_date, Qty: ordered_qty}\n"
        "read_options:\n  purchase_order_lines: {fill: {line_id: '1', unit_price: 1}}\n"
        "top_n: 2\n"
    )
    [rec] = run_jobs(
        plan_runs(["supplier_scorecard"], params_files=[params], out=tmp_path / "r"),
        n_jobs=1,
        progress=False,
        echo=lambda *_: None,
    )
    assert rec["status"] == "success", rec["error"]
    html = Path(rec["run_dir"], "report.html").read_text()
    assert "OTIF is not measured" in html and "in-full cannot be measured" in html
    card = pd.read_csv(Path(rec["run_dir"], "outputs", "scorecard.csv")).set_index("supplier_id")
    assert card.loc["V1", "on_time"] == 1.0 and card.loc["V2", "on_time"] == 0.0
