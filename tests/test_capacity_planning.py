"""Rough-cut capacity, bottlenecks, options and the aggregate-planning LP (Red Tomato Tools)."""

from __future__ import annotations

import pandas as pd
import pytest

from scmlib.errors import DataError, ParameterError
from scmlib.planning import capacity as CP

P = pd.date_range("2027-01-01", periods=3, freq="MS")


def _case():
    plan = pd.DataFrame(
        {
            "family": ["A"] * 3 + ["B"] * 3,
            "period": list(P) * 2,
            "quantity": [100, 200, 100, 50, 50, 150],
        }
    )
    routings = pd.DataFrame(
        {
            "family": ["A", "A", "B"],
            "resource_id": ["R1", "R2", "R1"],
            "hours_per_unit": [1.0, 0.5, 2.0],
        }
    )
    resources = pd.DataFrame(
        {
            "resource_id": ["R1"] * 3 + ["R2"] * 3,
            "period": list(P) * 2,
            "capacity_hours": [300.0] * 3 + [200.0] * 3,
            "overtime_max_hours": 30.0,
            "overtime_cost": 60.0,
            "regular_cost": 40.0,
        }
    )
    return plan, routings, resources


def test_rough_cut_load_and_bottleneck_known_answer():
    plan, rt, res = _case()
    load = CP.rough_cut(plan, CP.family_routing(rt, res), res).set_index(["resource_id", "period"])
    # R1: A x 1 + B x 2 = 100 + 100 = 200, 200 + 100 = 300, 100 + 300 = 400 hours
    assert load.loc["R1", "load_hours"].tolist() == [200, 300, 400]
    assert load.loc["R2", "load_hours"].tolist() == [50, 100, 50]
    assert load.loc[("R1", P[2]), "utilisation"] == pytest.approx(4 / 3)
    assert load.loc[("R1", P[2]), "overload_hours"] == 100
    neck = CP.bottlenecks(load.reset_index())
    assert neck["bottleneck"].tolist() == ["R1", "R1", "R1"]
    assert neck["achievable_share"].iloc[2] == pytest.approx(0.75)
    thr = CP.throughput(plan, neck)
    assert thr["achievable_qty"].iloc[2] == pytest.approx(0.75 * 250)


def test_options_and_recommendation_cheapest_first():
    plan, rt, res = _case()
    fr = CP.family_routing(rt, res)
    load = CP.rough_cut(plan, fr, res)
    opts = CP.options(
        load,
        fr,
        plan,
        {"A": 10.0, "B": 30.0},
        shift_share=0.5,
        shift_premium=0.25,
        outsource_premium=0.3,
        holding_rate=0.24,
    )
    o = opts.set_index("option")
    # 100 h over in March; spare before: Jan 100 + Feb 0 -> pre-build 100 h
    assert o.loc["pre-build", "hours_covered"] == 100
    # value per hour in March on R1: (100 x 10 + 150 x 30) / 400 h = 13.75; holding 2% a month,
    # carried 2 months back to January
    assert o.loc["pre-build", "cost_per_hour"] == pytest.approx(13.75 * 0.02 * 2)
    assert o.loc["overtime", "hours_covered"] == 30 and o.loc["overtime", "cost"] == 1800
    assert o.loc["extra shift", "cost_per_hour"] == pytest.approx(50.0)
    assert o.loc["outsourcing", "cost_per_hour"] == pytest.approx(13.75 * 0.3)
    rec = CP.recommend(opts)
    assert rec["recommendation"].iloc[0] == "pre-build 100 h"
    assert rec["cost"].iloc[0] == pytest.approx(100 * 0.55)


def test_bad_input_one_line_errors():
    plan, rt, res = _case()
    with pytest.raises(DataError, match="resource not in the resources table.*R9"):
        CP.family_routing(
            pd.concat(
                [
                    rt,
                    pd.DataFrame({"family": ["A"], "resource_id": ["R9"], "hours_per_unit": [1.0]}),
                ]
            ),
            res,
        )
    bad = res.copy()
    bad.loc[0, "capacity_hours"] = -5
    with pytest.raises(DataError, match="negative capacity_hours.*R1 2027-01"):
        CP.check_resources(bad)
    with pytest.raises(ParameterError, match="unknown resource"):
        CP.change_capacity(res, "R3", 1.2)


def test_item_routing_rolled_up_volume_weighted():
    res = pd.DataFrame({"resource_id": ["T"], "period": [P[0]], "capacity_hours": [10.0]})
    rt = pd.DataFrame(
        {
            "family": ["E", "E"],
            "item_id": [None, "i1"],
            "resource_id": ["T", "T"],
            "hours_per_unit": [0.1, 0.5],
        }
    )
    items = pd.DataFrame({"item_id": ["i1", "i2"], "category": ["E", "E"]})
    vol = pd.DataFrame({"item_id": ["i1", "i2"], "quantity": [1.0, 3.0]})
    fr = CP.family_routing(rt, res, items, vol)
    assert fr["hours_per_unit"].iloc[0] == pytest.approx((0.5 * 1 + 0.1 * 3) / 4)


RT_DEMAND = [1600, 3000, 3200, 3800, 2200, 2200]


def _red_tomato(strategy="optimal", **kw):
    periods = pd.date_range("2024-01-01", periods=6, freq="MS")
    demand = pd.DataFrame({"family": "tools", "period": periods, "quantity": RT_DEMAND})
    routing = pd.DataFrame(
        {"family": ["tools"], "resource_id": ["labour"], "hours_per_unit": [4.0]}
    )
    res = pd.DataFrame({"resource_id": "labour", "period": periods, "capacity_hours": 0.0})
    costs = pd.DataFrame(
        {
            "family": ["tools"],
            "unit_cost": [10.0],
            "holding_cost": [2.0],
            "backlog_cost": [5.0],
            "outsource_cost": [30.0],
        }
    )
    wf = pd.DataFrame(
        {
            "resource_id": ["labour"],
            "initial_workers": [80.0],
            "hours_per_worker": [160.0],
            "cost_per_worker": [640.0],
            "hire_cost": [300.0],
            "layoff_cost": [500.0],
            "overtime_hours_per_worker": [10.0],
            "overtime_cost": [6.0],
        }
    )
    return CP.aggregate_plan(
        demand,
        routing,
        res,
        costs,
        opening={"tools": 1000},
        ending_min={"tools": 500},
        workforce=wf,
        strategy=strategy,
        **kw,
    )


def test_aggregate_plan_red_tomato_tools_chopra_meindl():
    # Chopra & Meindl, Supply Chain Management (6th ed., 2016), ch. 8, Red Tomato Tools: the
    # LP's optimal aggregate plan costs $422,275: 15.4 workers laid off in January, no hiring,
    # overtime or subcontracting, 2,583 tools a month, backlog only in April (267 units)
    r = _red_tomato()
    assert r.status == "Optimal"
    assert r.total_cost == pytest.approx(422_275, abs=1)
    assert r.resources["laid_off"].iloc[0] == pytest.approx(15.4167, abs=1e-3)
    assert r.resources["hired"].sum() == pytest.approx(0, abs=1e-6)
    assert r.plan["production"].round(0).tolist() == [2583] * 6
    assert r.plan["backlog"].round(0).tolist() == [0, 0, 0, 267, 0, 0]
    assert r.plan["outsourced"].sum() == pytest.approx(0, abs=1e-6)
    # chase and level are constrained versions: never cheaper than the optimum
    assert _red_tomato("level").total_cost >= r.total_cost - 1e-6
    assert _red_tomato("chase").total_cost >= r.total_cost - 1e-6


def test_infeasible_plan_names_the_binding_constraint():
    periods = pd.date_range("2024-01-01", periods=2, freq="MS")
    demand = pd.DataFrame({"family": "x", "period": periods, "quantity": [100.0, 100.0]})
    routing = pd.DataFrame({"family": ["x"], "resource_id": ["r"], "hours_per_unit": [1.0]})
    res = pd.DataFrame({"resource_id": "r", "period": periods, "capacity_hours": 50.0})
    costs = pd.DataFrame(
        {
            "family": ["x"],
            "unit_cost": [1.0],
            "holding_cost": [0.1],
            "backlog_cost": [1.0],
            "outsource_cost": [float("nan")],
        }
    )
    r = CP.aggregate_plan(demand, routing, res, costs)
    assert r.status == "Infeasible" and "backlog" in r.binding


def test_projected_inventory_weeks_of_supply():
    plan = pd.DataFrame(
        {
            "family": "a",
            "period": P,
            "demand": [52 / 12 * 10] * 3,
            "inventory": [20.0, 60.0, 0.0],
            "backlog": [0.0, 0.0, 5.0],
        }
    )
    p = CP.projected_inventory(plan, target_weeks=4)
    assert p["weeks_of_supply"].round(6).tolist() == [2.0, 6.0, -0.5]
    assert p["status"].tolist() == ["below target", "within target", "below target"]


def test_summary_most_expensive_month_sums_all_resources():
    neck = pd.DataFrame(
        {
            "period": pd.to_datetime(["2026-11-01", "2026-12-01"]),
            "bottleneck": ["R1", "R1"],
            "utilisation": [1.2, 1.1],
        }
    )
    thr = pd.DataFrame({"lost_qty": [0.0], "achievable_qty": [10.0], "planned_qty": [10.0]})
    recs = pd.DataFrame(
        {
            "period": pd.to_datetime(["2026-11-01", "2026-12-01", "2026-12-01"]),
            "cost": [2500.0, 2000.0, 1100.0],
            "hours": [10.0, 8.0, 4.0],
        }
    )
    text = CP.summary_lines(neck, thr, recs, lambda v: f"${v:,.0f}", "the horizon")[-1]
    # Nov has the largest single resource-month (2,500) but Dec costs 3,100 over its resources
    assert "the most expensive month is Dec 2026 ($3,100, all resources)" in text


def test_what_if_caption_and_strategy_note():
    assert "(and per family" not in CP.what_if_caption({}, 1.1, "R-ASSY", 1.15)
    assert CP.what_if_caption({"Tools": 1.2}, 1.0, "R", 0.9) == (
        "All demand x 1.00, Tools x 1.20; R capacity x 0.90."
    )
    recs = pd.DataFrame({"recommendation": ["overtime 10 h + outsourcing 2 h"], "cost": [1.0]})
    opt = pd.DataFrame(
        {
            "strategy": ["optimal"],
            "status": ["Optimal"],
            "overtime_hours": [0.0],
            "backlog_units": [12.0],
        }
    )
    assert "accepts 12 unit-months of backlog" in CP.strategy_note(recs, opt)
    assert CP.strategy_note(recs, opt.assign(overtime_hours=5.0)) is None
    assert CP.strategy_note(recs.assign(recommendation="pre-build 3 h"), opt) is None


def test_strategies_start_from_the_latest_on_hand_snapshot():
    """The aggregate plans start from the units on hand at the latest snapshot, not from zero."""
    snaps = pd.DataFrame(
        {
            "snapshot_date": pd.to_datetime(["2026-09-30", "2026-10-31", "2026-10-31"]),
            "item_id": ["A", "A", "B"],
            "on_hand_qty": [500.0, 40.0, 60.0],
        }
    )
    items = pd.DataFrame({"item_id": ["A", "B"], "category": ["F", "F"]})
    opening = CP.opening_stock(snaps, items)
    assert opening == {"F": 100.0}
    assert CP.opening_text(snaps, opening).startswith("100 units on hand at 31 Oct 2026")
    plan = pd.DataFrame(
        {"family": "F", "period": pd.to_datetime(["2026-11-01", "2026-12-01"]), "quantity": 80.0}
    )
    routing = pd.DataFrame({"family": ["F"], "resource_id": ["R"], "hours_per_unit": [1.0]})
    resources = pd.DataFrame(
        {
            "resource_id": "R",
            "period": plan["period"],
            "capacity_hours": 100.0,
            "overtime_max_hours": 0.0,
            "overtime_cost_per_hour": 50.0,
            "regular_cost_per_hour": 20.0,
        }
    )
    costs = CP.family_costs(
        pd.DataFrame({"family": ["F"], "unit_cost": [10.0], "unit_price": [20.0]}), 0.25, 0.1, 0.3
    )
    table, plans = CP.compare_strategies(plan, routing, resources, costs, opening=opening)
    # 160 units demanded, 100 on hand: the cheapest plan makes only the 60 missing
    assert plans["optimal"].plan["production"].sum() == pytest.approx(60.0)
