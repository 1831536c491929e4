"""S&OP: demand review, constrained supply plan, shortages by tier, financials, scenarios."""

from __future__ import annotations

import pandas as pd
import pytest

from scmlib.errors import ParameterError
from scmlib.planning import capacity as CP
from scmlib.processes import sop as SOP

P = pd.date_range("2027-01-01", periods=3, freq="MS")


def _stat():
    return pd.DataFrame(
        {
            "family": ["A"] * 3 + ["B"] * 3,
            "period": list(P) * 2,
            "statistical": [100.0, 100.0, 100.0, 50.0, 50.0, 50.0],
        }
    )


def test_consensus_applies_assumptions_and_logs_them():
    plan, log = SOP.consensus(
        _stat(),
        [
            {
                "family": "A",
                "change": 0.1,
                "from": "2027-02",
                "to": "2027-03",
                "assumption": "promotion",
                "owner": "Sales",
            },
            {"family": "all", "change": -0.5, "from": "2027-03", "to": "2027-03"},
        ],
    )
    a = plan[plan["family"] == "A"]["consensus"].tolist()
    assert a == pytest.approx([100, 110, 55])
    assert log["units"].tolist() == pytest.approx([20, -55 - 25])
    with pytest.raises(ParameterError, match="unknown family 'C'"):
        SOP.consensus(_stat(), [{"family": "C", "change": 0.1}])
    with pytest.raises(ParameterError, match="above -100%"):
        SOP.consensus(_stat(), [{"family": "A", "change": -1}])


def test_previous_cycle_and_demand_review():
    items = pd.DataFrame({"item_id": ["a1", "b1"], "category": ["A", "B"]})
    snaps = pd.DataFrame(
        {
            "item_id": ["a1", "a1", "a1", "b1"],
            "forecast_date": pd.to_datetime(
                ["2026-11-01", "2026-12-01", "2026-12-01", "2026-12-01"]
            ),
            "target_date": pd.to_datetime(["2027-01-01", "2027-01-01", "2027-02-01", "2027-01-01"]),
            "final_forecast": [1.0, 80.0, 90.0, 60.0],
        }
    )
    prev, cycle = SOP.previous_plan(snaps, items, pd.Timestamp("2026-12-31"))
    assert cycle == pd.Timestamp("2026-12-01")
    assert prev.set_index(["family", "period"])["previous_plan"].to_dict() == {
        ("A", P[0]): 80.0,
        ("A", P[1]): 90.0,
        ("B", P[0]): 60.0,
    }
    plan, _ = SOP.consensus(_stat())
    rev = SOP.demand_review(plan, prev).set_index("family")
    # A: consensus over Jan-Feb 200 against 170 previous; B: Jan 50 against 60
    assert rev.loc["A", "change_vs_previous"] == pytest.approx(200 / 170 - 1)
    assert rev.loc["B", "change_vs_previous"] == pytest.approx(50 / 60 - 1)


def test_shortages_hit_standard_tier_first():
    plan = pd.DataFrame({"family": ["F"], "period": [P[0]], "demand": [100.0], "backlog": [30.0]})
    items = pd.DataFrame({"item_id": ["i"], "category": ["F"]})
    customers = pd.DataFrame(
        {
            "customer_id": ["s1", "s2", "g1", "p1"],
            "service_tier": ["standard", "standard", "gold", "platinum"],
        }
    )
    sales = pd.DataFrame(
        {
            "customer_id": ["s1", "s2", "g1", "p1"],
            "item_id": "i",
            "ordered_qty": [15.0, 5.0, 30.0, 50.0],
            "order_date": pd.Timestamp("2026-06-01"),
        }
    )
    tiers, cust = SOP.shortage_exposure(plan, sales, customers, items)
    # standard holds 20% of the volume (20 units of 100): all short; the other 10 hit gold
    t = tiers.set_index("service_tier")["units_short"].to_dict()
    assert t == pytest.approx({"standard": 20.0, "gold": 10.0})
    c = cust.set_index("customer_id")["units_short"].to_dict()
    assert c == pytest.approx({"s1": 15.0, "s2": 5.0, "g1": 10.0})


def _supply_case():
    demand = pd.DataFrame({"family": "A", "period": P, "consensus": [100.0, 100.0, 100.0]})
    routing = pd.DataFrame({"family": ["A"], "resource_id": ["R"], "hours_per_unit": [1.0]})
    res = pd.DataFrame(
        {
            "resource_id": "R",
            "period": P,
            "capacity_hours": 100.0,
            "overtime_max_hours": 10.0,
            "overtime_cost": 3.0,
        }
    )
    econ = pd.DataFrame({"family": ["A"], "unit_price": [20.0], "unit_cost": [10.0]})
    sc = pd.DataFrame({"supplier_id": "S1", "family": "A", "period": P, "capacity": 120.0})
    return demand, routing, res, econ, sc


def test_scenarios_demand_up_and_supplier_cut():
    demand, routing, res, econ, sc = _supply_case()
    kw = dict(target_weeks=0.0, holding_rate=0.12, backlog_rate=0.1, outsource_premium=0.5)
    out = SOP.run_scenarios(
        [
            {"name": "demand +10%", "demand_change": 0.1},
            {"name": "supplier -30%", "supplier": "largest", "supplier_change": -0.3},
        ],
        demand,
        routing,
        res,
        econ,
        {},
        sc,
        **kw,
    )
    base, up, cut = (s.figures for s in out)
    assert base["fill_rate"] == pytest.approx(1.0) and base["overtime_hours"] == 0
    # +10%: 110 a month, capacity 100 + overtime 10 at $3 an hour: 30 hours, $90
    assert up["overtime_hours"] == pytest.approx(30) and up["fill_rate"] == pytest.approx(1.0)
    # supplier at 84 a month: 16 short each month; outsourcing (max 10% of demand = 10 a month
    # at $15, $5 over making) is cheaper than a month's backlog ($2) only when backlog would last
    # to the end: the plan outsources or backlogs, never makes more than 84
    made = out[2].result.plan["production"]
    assert (made <= 84 + 1e-6).all()
    assert cut["margin"] < base["margin"]
    fin = out[0].financials
    assert fin["revenue"].sum() == pytest.approx(300 * 20)
    assert fin["cost"].sum() == pytest.approx(300 * 10)
    with pytest.raises(ParameterError, match="unknown key"):
        SOP.run_scenarios([{"nme": "x"}], demand, routing, res, econ, {}, sc, **kw)


def test_budget_gap_and_executive_html():
    demand, routing, res, econ, sc = _supply_case()
    s = SOP.run_scenario("base", demand, routing, res, econ, {}, 0.0, 0.1, 0.1, 0.3)
    budget = pd.DataFrame(
        {"family": "A", "period": P, "volume": 110.0, "revenue": 2200.0, "cost": 1100.0}
    )
    gap = SOP.against_budget(s.financials, budget).iloc[0]
    assert gap["revenue_gap"] == pytest.approx(6000 - 6600)
    assert gap["volume_gap"] == pytest.approx(-30)
    assert gap["margin_gap"] == pytest.approx(3000 - 3300)
    # opening stock of 90: the plan makes 210 but delivers 300; the margin is on the budget's
    # basis (units sold x unit cost), so a revenue below budget cannot show a margin above it
    s2 = SOP.run_scenario("base", demand, routing, res, econ, {"A": 90.0}, 0.0, 0.1, 0.1, 0.3)
    assert s2.result.plan["production"].sum() == pytest.approx(210)
    g2 = SOP.against_budget(s2.financials, budget).iloc[0]
    assert g2["cogs"] == pytest.approx(3000) and g2["gross_margin"] == pytest.approx(3000)
    assert g2["revenue_gap"] < 0 and g2["margin_gap"] == pytest.approx(3000 - 3300)
    page = SOP.executive_html("S&OP", "cycle", ["Approve <overtime>"], ["risk"], {"T": "<table/>"})
    assert "Approve &lt;overtime&gt;" in page and "@page" in page and "<table/>" in page


def test_projected_inventory_uses_lp_plan():
    demand, routing, res, econ, sc = _supply_case()
    s = SOP.run_scenario("base", demand, routing, res, econ, {"A": 50.0}, 2.0, 0.1, 0.1, 0.3)
    proj = CP.projected_inventory(s.result.plan, 2.0)
    # opening 50 + supply - demand = closing; a 2-week target of 100 a month is 46.2 units
    first = proj.iloc[0]
    assert first["closing"] == pytest.approx(50 + first["production"] - 100)
    assert proj["target_inventory"].iloc[0] == pytest.approx(2 * 100 * 12 / 52)


def test_supplier_risk_names_the_supplier_and_the_scenario_cut():
    plan = pd.DataFrame(
        {"family": ["A", "A", "B"], "period": ["m1", "m2", "m1"], "production": [50.0, 92.0, 1.0]}
    )
    sc = pd.DataFrame(
        {
            "supplier_id": ["S1", "S1", "S2"],
            "family": ["A", "A", "B"],
            "period": ["m1", "m2", "m1"],
            "capacity": [100.0, 100.0, 1000.0],
        }
    )
    scen = pd.DataFrame({"scenario": ["base", "largest -30%"], "supplier": ["", "S2"]})
    (text,) = SOP.supplier_risk(plan, sc, scen)
    # same-month ratio: 92 / 100 in m2 (not the peak production over the smallest capacity)
    assert "A is 92% used in m2 (supplier S1)" in text
    assert "Scenario 'largest -30%' cuts S2, which supplies B, not A." in text
    assert SOP.supplier_risk(plan.assign(production=10.0), sc, scen) == []


def test_scenario_table_drops_an_empty_binding_column():
    rows = [
        type("S", (), {"name": n, "figures": {"status": "Optimal", "binding": "", "revenue": 1.0}})
        for n in ("base", "x")
    ]
    assert "binding" not in SOP.scenario_table(rows, None)
    rows[1].figures = {"status": "Infeasible", "binding": "capacity of R"}
    assert "binding" in SOP.scenario_table(rows, None)
