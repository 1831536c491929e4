"""Strategic sourcing: category resolution, candidate ranking, levers per quadrant with
sequential savings, the savings ramp and the stage-gate plan."""

import pandas as pd
import pytest

from scmlib.errors import ParameterError
from scmlib.procurement import category as CM
from scmlib.procurement import sourcing as SS


def test_resolve_category_close_matches():
    ranked = ["Hydraulics", "Chemicals", "Tools"]
    assert SS.resolve_category("", ranked) == "Hydraulics"
    assert SS.resolve_category("chemicals", ranked) == "Chemicals"
    with pytest.raises(ParameterError, match="did you mean 'Chemicals'"):
        SS.resolve_category("Chemcals", ranked)
    with pytest.raises(ParameterError, match="categories with spend"):
        SS.resolve_category("Zzz", ranked)


def test_sourcing_candidates_ranked_by_annual_spend():
    inv = pd.DataFrame(
        {
            "invoice_id": ["1", "2", "3", "4"],
            "supplier_id": ["S1", "S2", "S3", "S3"],
            "invoice_date": pd.to_datetime(["2026-03-31"] * 3 + ["2026-04-30"]),
            "amount": [100.0, 300.0, 150.0, 100.0],
            "category": ["B", "A", "C", None],
        }
    )
    assert SS.sourcing_candidates({"invoices": inv}) == ["A", "C", "B"]


def test_strategy_options_sequential_levers():
    opt = SS.strategy_options("leverage", 1000.0, harmonisation_gap=100.0).set_index("lever")
    assert set(opt.index) == {"competitive tender", "volume consolidation", "price harmonisation"}
    assert opt.loc["competitive tender", "estimated_saving"] == pytest.approx(60.0)
    # consolidation acts on the 940 left after the tender
    assert opt.loc["volume consolidation", "addressable_spend"] == pytest.approx(940.0)
    assert opt.loc["volume consolidation", "estimated_saving"] == pytest.approx(37.6)
    assert opt.loc["price harmonisation", "estimated_saving"] == pytest.approx(50.0)
    assert opt.loc["competitive tender", "low"] == pytest.approx(30.0)
    bott = SS.strategy_options("bottleneck", 1000.0)
    assert "alternative source" in set(bott["lever"])
    with pytest.raises(ParameterError, match="unknown lever"):
        SS.strategy_options("leverage", 1000.0, rates={"magic": 0.5})
    with pytest.raises(ParameterError, match="Kraljic quadrant"):
        SS.strategy_options("star", 1000.0)


def test_savings_forecast_ramp():
    f = SS.savings_forecast(1200.0, pd.Timestamp("2027-01-15"), ramp_months=4, horizon_months=6)
    assert list(f["saving"]) == pytest.approx([25, 50, 75, 100, 100, 100])
    assert f["period"].iloc[0] == pd.Timestamp("2027-01-01")
    with pytest.raises(ParameterError):
        SS.savings_forecast(1.0, pd.Timestamp("2027-01-01"), ramp_months=0)


def test_project_plan_from_table_and_proposed():
    gates = ["Category profile", "Market assessment", "Negotiation and award"]
    proj = pd.DataFrame(
        {
            "project_id": "P1",
            "category": "X",
            "gate": gates,
            "gate_order": [1, 2, 3],
            "planned_date": pd.to_datetime(["2026-01-01", "2026-02-01", "2026-06-01"]),
            "actual_date": pd.to_datetime(["2026-01-05", None, None]),
            "owner": "A",
        }
    )
    plan, src = SS.project_plan(proj, "X", pd.Timestamp("2026-03-01"))
    assert list(plan["status"]) == ["done", "late", "planned"]
    assert src == "project P1"
    assert SS.savings_start(plan) == pd.Timestamp("2026-06-01")
    plan, src = SS.project_plan(proj, "Y", pd.Timestamp("2026-03-10"))
    assert len(plan) == len(SS.GATES) and set(plan["status"]) == {"proposed"}
    # the proposed plan starts the next month; the first gate after its 4 weeks
    assert plan["planned_date"].iloc[0] == pd.Timestamp("2026-04-01") + pd.Timedelta(weeks=4)


def test_baseline_annualised():
    lines = pd.DataFrame(
        {
            "category": ["X", "X", "Y"],
            "supplier_id": ["S1", "S2", "S3"],
            "supplier": ["S1", "S2", "S3"],
            "invoice_date": pd.to_datetime(["2026-01-10", "2026-06-10", "2026-06-10"]),
            "amount_rc": [100.0, 50.0, 50.0],
        }
    )
    window = (pd.Timestamp("2026-01-01"), pd.Timestamp("2026-06-30"))  # 6 months
    b = SS.baseline(lines, None, "X", window)
    assert b["annual_spend"] == pytest.approx(300.0)
    assert b["suppliers"] == 2 and b["spend_share"] == pytest.approx(0.75)


def test_savings_start_after_implementation():
    plan = pd.DataFrame(
        {
            "gate": ["Negotiation and award", "Implementation"],
            "planned_date": pd.to_datetime(["2026-11-08", "2027-01-03"]),
            "actual_date": pd.to_datetime([None, None]),
        }
    )
    # implemented 3 Jan 2027: the first whole month of savings is Feb 2027, not Nov 2026
    assert SS.savings_start(plan) == pd.Timestamp("2027-02-01")
    assert SS.savings_start(plan.iloc[:1]) == pd.Timestamp("2026-12-01")


def test_harmonisation_rate_labelled_as_share_of_gap():
    opt = SS.strategy_options("leverage", 1000.0, harmonisation_gap=100.0).set_index("lever")
    assert opt.loc["price harmonisation", "rate_of"] == "share of the price gap captured"
    assert opt.loc["competitive tender", "rate_of"] == "saving on the addressable spend"


def test_baseline_share_of_classified_spend_as_category_review():
    lines = pd.DataFrame(
        {
            "category": ["X", "Y", "Unclassified"],
            "supplier_id": ["S1", "S2", "S3"],
            "supplier": ["S1", "S2", "S3"],
            "invoice_date": pd.to_datetime(["2026-01-10"] * 3),
            "amount_rc": [60.0, 40.0, 100.0],
        }
    )
    window = (pd.Timestamp("2026-01-01"), pd.Timestamp("2026-06-30"))
    b = SS.baseline(lines, None, "X", window)
    m = CM.category_market(lines, window).set_index("category")
    assert b["spend_share"] == pytest.approx(m.loc["X", "spend_share"]) == pytest.approx(0.6)


def test_baseline_counts_harmonised_suppliers_like_the_market_table():
    # two vendor records of one supplier (merged by the spend analysis): one supplier, as the
    # supplier market table and the category review count it
    lines = pd.DataFrame(
        {
            "category": ["X", "X", "X"],
            "supplier_id": ["S1", "S9", "S2"],
            "supplier": ["Acme Ltd", "Acme Ltd", "Beta plc"],
            "invoice_date": pd.to_datetime(["2026-01-10", "2026-02-10", "2026-03-10"]),
            "amount_rc": [100.0, 20.0, 80.0],
        }
    )
    window = (pd.Timestamp("2026-01-01"), pd.Timestamp("2026-12-31"))
    b = SS.baseline(lines, None, "X", window)
    assert b["suppliers"] == 2 == len(SS.supplier_table(lines, "X", window))
