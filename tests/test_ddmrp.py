"""DDMRP: zones, net flow, order recommendations, priorities, spikes, adjustments and the
flow simulation, against the worked examples of the reference implementation's own tests
(Odoo Community Association, ``OCA/ddmrp``, ``ddmrp/tests/test_ddmrp.py`` tests 08, 10-13,
20-23; ``ddmrp_adjustment/tests/test_adu_dlt_adjustment.py``) and constructed cases with known
answers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from scmlib.errors import DataError, ParameterError
from scmlib.inventory import ddmrp as DD
from scmlib.inventory import flow_simulation as FS


def oca_buffer(**kw):
    """OCA ``buffer_a``: fixed ADU 4, DLT 10 days, lead-time factor 0.5, variability 0.5,
    200 units on hand."""
    row = {
        "adu": 4.0,
        "dlt_days": 10.0,
        "lead_time_factor": 0.5,
        "variability_factor": 0.5,
        "order_cycle_days": 0.0,
        "min_order_qty": 0.0,
        "on_hand_qty": 200.0,
        "on_order_qty": 0.0,
        "qualified_demand": 0.0,
    }
    row.update(kw)
    return pd.DataFrame([row])


def test_zones_oca_test_23():
    z = DD.buffer_zones(oca_buffer()).iloc[0]
    assert (z["red_base"], z["red_safety"], z["red_zone"]) == (20, 10, 30)
    assert (z["yellow_zone"], z["top_of_yellow"]) == (40, 70)
    assert (z["green_zone"], z["top_of_green"]) == (20, 90)


@pytest.mark.parametrize(
    "kw, red",
    [  # OCA test_20_buffer_zones_red: base, safety, red
        ({"dlt_days": 20}, (40, 20, 60)),
        ({"dlt_days": 20, "lead_time_factor": 1}, (80, 40, 120)),
        ({"dlt_days": 20, "lead_time_factor": 1, "variability_factor": 1}, (80, 80, 160)),
        ({"dlt_days": 20, "lead_time_factor": 1, "variability_factor": 1, "adu": 2}, (40, 40, 80)),
    ],
)
def test_red_zone_oca_test_20(kw, red):
    z = DD.buffer_zones(oca_buffer(**kw)).iloc[0]
    assert (z["red_base"], z["red_safety"], z["red_zone"]) == red


def test_yellow_oca_test_21_and_green_options():
    z = DD.buffer_zones(oca_buffer(dlt_days=20)).iloc[0]
    assert (z["yellow_zone"], z["top_of_yellow"]) == (80, 140)
    z = DD.buffer_zones(oca_buffer(adu=2, lead_time_factor=1, variability_factor=1)).iloc[0]
    assert (z["yellow_zone"], z["top_of_yellow"]) == (20, 60)
    # green = max(order cycle, lead-time factor, MOQ): OCA test_22's MOQ 40 case
    z = DD.buffer_zones(oca_buffer(adu=2, lead_time_factor=1, min_order_qty=40)).iloc[0]
    assert (z["top_of_yellow"], z["green_zone"], z["top_of_green"]) == (50, 40, 90)
    z = DD.buffer_zones(oca_buffer(order_cycle_days=15)).iloc[0]
    assert z["green_zone"] == 60  # ADU 4 x 15 days beats 20 and 0


def test_net_flow_recommendation_and_priorities_oca_test_23():
    s = DD.buffer_status(oca_buffer()).iloc[0]
    assert s["net_flow_position"] == 200 and s["recommended_qty"] == 0
    assert round(100 * s["planning_priority"], 2) == 222.22  # NFP / TOG
    assert round(100 * s["on_hand_share_of_red"], 2) == 666.67  # on hand / TOR
    assert s["planning_zone"] == "above green" and s["execution_zone"] == "green"
    # a shipment of 150 due today qualifies: NFP 50, yellow, order TOG - NFP = 40
    s = DD.buffer_status(oca_buffer(qualified_demand=150)).iloc[0]
    assert (s["net_flow_position"], s["recommended_qty"]) == (50, 40)
    assert round(100 * s["planning_priority"], 2) == 55.56
    assert s["planning_zone"] == "yellow"
    # shipped: on hand 50 of top of red 30 -> 166.67%, still green on hand
    s = DD.buffer_status(oca_buffer(on_hand_qty=50)).iloc[0]
    assert round(100 * s["on_hand_share_of_red"], 2) == 166.67 and s["execution_zone"] == "green"
    assert s["recommended_qty"] == 40
    # OCA test_22: 10 more units on hand -> NFP 60 -> order 30
    assert DD.buffer_status(oca_buffer(on_hand_qty=60)).iloc[0]["recommended_qty"] == 30


def test_rounding_multiple_then_moq():
    assert DD.round_order([30.0], [25], [0]).tolist() == [50.0]
    assert DD.round_order([30.0], [0], [45]).tolist() == [45.0]  # MOQ after rounding
    assert DD.round_order([30.0], [25], [45]).tolist() == [50.0]
    assert DD.round_order([50.0], [25], [0]).tolist() == [50.0]  # exact multiple unchanged
    assert DD.round_order([0.0], [25], [45]).tolist() == [0.0]  # no order stays none
    b = oca_buffer(on_hand_qty=60, order_multiple=25, min_order_qty=0)
    assert DD.buffer_status(b).iloc[0]["recommended_qty"] == 50


def test_order_at_top_of_yellow_and_zone_boundaries():
    # DDI: order when NFP is at or below top of yellow (OCA: strictly below)
    s = DD.buffer_status(oca_buffer(on_hand_qty=70)).iloc[0]
    assert s["planning_zone"] == "yellow" and s["recommended_qty"] == 20
    s = DD.buffer_status(oca_buffer(on_hand_qty=71)).iloc[0]
    assert s["planning_zone"] == "green" and s["recommended_qty"] == 0
    zones = DD.planning_zone([29, 30, 90, 91], 30, 70, 90).tolist()
    assert zones == ["red", "yellow", "green", "above green"]
    ex = DD.execution_zone([0, 14, 15, 29, 30], 30).tolist()
    assert ex == ["stock-out", "red", "yellow", "yellow", "green"]


def test_zero_adu_buffer_orders_nothing():
    s = DD.buffer_status(oca_buffer(adu=0.0, on_hand_qty=0.0)).iloc[0]
    assert s["top_of_green"] == 0 and s["recommended_qty"] == 0
    s = DD.buffer_status(oca_buffer(adu=0.0, on_hand_qty=0.0, min_order_qty=50)).iloc[0]
    assert s["top_of_green"] == 50 and s["recommended_qty"] == 0  # no lot for an unused item
    assert s["planning_zone"] == "no usage"
    assert np.isnan(DD.buffer_status(oca_buffer(adu=0.0)).iloc[0]["planning_priority"])


def test_spike_qualification_oca_tests_10_to_13():
    # threshold 15 (OCA default 0.5 x red zone 30), horizon 30 days
    as_of = pd.Timestamp("2026-10-01")
    thr = pd.DataFrame({"item_id": ["a"], "spike_threshold": [15.0], "spike_horizon_days": [30]})
    cases = [
        (0, 30.0, 30.0),  # test_10: today, any size, qualifies
        (10, 14.0, 0.0),  # test_11: within horizon, below threshold: no
        (10, 30.0, 30.0),  # test_12: within horizon, above threshold: spike
        (100, 30.0, 0.0),  # test_13: beyond the horizon: no
        (-3, 2.0, 2.0),  # past due always qualifies
        (10, 15.0, 15.0),  # at the threshold qualifies (OCA compares with >=)
    ]
    for days, qty, expected in cases:
        o = pd.DataFrame(
            {"item_id": ["a"], "due_date": [as_of + pd.Timedelta(days=days)], "quantity": [qty]}
        )
        q = DD.qualified_demand(o, thr, ["item_id"], as_of).iloc[0]
        assert q["qualified_demand"] == expected, (days, qty)
    # two orders on one day add up to a spike; a buffer without orders gets zero
    o = pd.DataFrame(
        {"item_id": ["a", "a"], "due_date": [as_of + pd.Timedelta(days=5)] * 2, "quantity": [8, 8]}
    )
    thr2 = pd.concat([thr, thr.assign(item_id="b")])
    q = DD.qualified_demand(o, thr2, ["item_id"], as_of)
    assert q["qualified_demand"].tolist() == [16.0, 0.0]
    assert q["spike_days"].tolist() == [1, 0]


def test_open_sales_orders_at_as_of():
    s = pd.DataFrame(
        {
            "item_id": ["a", "a", "a"],
            "order_date": pd.to_datetime(["2026-09-25", "2026-09-28", "2026-10-02"]),
            "requested_date": pd.to_datetime(["2026-10-01", "2026-10-05", "2026-10-09"]),
            "ship_date": pd.to_datetime(["2026-09-30", "2026-10-03", None]),
            "ordered_qty": [5.0, 7.0, 9.0],
        }
    )
    o = DD.open_sales_orders(s, "2026-10-01", ["item_id"])
    assert o["quantity"].tolist() == [7.0]  # shipped before, and ordered after, are not open


def test_adu_past_forward_blended_oca_tests_03_and_08():
    as_of = pd.Timestamp("2026-10-01")
    d = pd.DataFrame(
        {
            "item_id": "a",
            "date": as_of - pd.to_timedelta([0, 1, 4, 6, 7], unit="D"),
            "quantity": [20.0, 20, 20, 10, 12],
        }
    )
    # OCA test_03: 6-day window, today excluded, day 7 outside: (20 + 20 + 10) / 6
    a = DD.adu_past(d, ["item_id"], as_of, 6).iloc[0]["adu_past"]
    assert a == pytest.approx(50 / 6)
    f = pd.DataFrame(
        {
            "item_id": "a",
            "forecast_date": pd.to_datetime(["2026-09-01", "2026-09-01", "2026-10-01"]),
            "target_date": pd.to_datetime(["2026-10-01", "2026-11-01", "2026-11-01"]),
            "final_forecast": [31.0, 60.0, 90.0],  # the later cycle replaces November
        }
    )
    fw = DD.adu_forward(f, ["item_id"], as_of, 61).iloc[0]
    assert fw["forward_days_covered"] == 61
    assert fw["adu_forward"] == pytest.approx((31 + 90) / 61)
    # OCA test_08: blended 0.5 x 3 + 0.5 x 1 = 2; a missing forecast falls back to the past
    assert DD.blend_adu([3.0, 3.0], [1.0, np.nan], "blended", 0.5).tolist() == [2.0, 3.0]
    with pytest.raises(ParameterError, match="adu_method"):
        DD.blend_adu([1.0], [1.0], "future")


def test_daily_demand_spread_keeps_month_totals():
    h = pd.DataFrame(
        {
            "item_id": ["a", "a"],
            "location_id": ["L", "L"],
            "date": pd.to_datetime(["2024-02-01", "2024-03-01"]),
            "quantity": [29.0, 62.0],
        }
    )
    d, how = DD.daily_demand(demand_history=h)
    assert "spread evenly" in how and len(d) == 29 + 31
    m = d.groupby(d["date"].dt.month)["quantity"].sum()
    assert m.to_dict() == {2: pytest.approx(29.0), 3: pytest.approx(62.0)}
    assert d["date"].min() == pd.Timestamp("2024-02-01")
    assert d["date"].max() == pd.Timestamp("2024-03-31")


def test_profiles_and_adjustments():
    assert DD.lead_time_category([21, 22, 45, 46]).tolist() == ["short", "medium", "medium", "long"]
    ltf, vf = DD.profile_factors(["short", "medium", "long"], ["low", "medium", "high"])
    assert ltf.tolist() == [0.75, 0.5, 0.25] and vf.tolist() == [0.25, 0.5, 0.75]
    ltf, _ = DD.profile_factors(["long"], ["low"], lead_time_factors={"long": 0.2})
    assert ltf.tolist() == [0.2]
    with pytest.raises(ParameterError, match="unknown categories"):
        DD.profile_factors(["short"], ["low"], lead_time_factors={"tiny": 1.0})
    with pytest.raises(ParameterError, match="short"):
        DD.lead_time_category([1], 50, 40)
    b = pd.DataFrame({"item_id": ["a", "b"], "category": ["Tools", "Safety"]})
    adj = [
        {"category": "Tools", "start": "2026-11-01", "end": "2026-12-31", "factor": 1.5},
        {
            "item_id": "a",
            "start": "2026-11-10",
            "end": "2026-11-20",
            "factor": 2,
            "reason": "promo",
        },
    ]
    f, why = DD.adjustment_factors(b, adj, "2026-11-15")  # DAFs multiply (OCA ddmrp_adjustment)
    assert f.tolist() == [3.0, 1.0] and "promo x2" in why[0]
    assert DD.adjustment_factors(b, adj, "2027-01-05")[0].tolist() == [1.0, 1.0]
    with pytest.raises(ParameterError, match="adjustments\\[0\\]"):
        DD.adjustment_factors(b, [{"start": "2026-11-01", "factor": 1.2}], "2026-11-05")
    with pytest.raises(ParameterError, match="start <= end"):
        DD.adjustment_factors(
            b, [{"start": "2026-12-01", "end": "2026-11-01", "factor": 1.2}], "2026-11-05"
        )


def test_bad_input_one_line_errors():
    with pytest.raises(DataError, match="decoupled lead time"):
        DD.buffer_zones(oca_buffer(dlt_days=np.nan))
    with pytest.raises(DataError, match="missing column"):
        DD.buffer_zones(oca_buffer().drop(columns="adu"))
    with pytest.raises(ParameterError, match="policy"):
        FS.simulate(np.ones((5, 1)), [0], [1], "kanban")


def test_decoupling_screen():
    c = pd.DataFrame(
        {
            "item_id": ["long_var", "long_only", "short_var"],
            "dlt_days": [60, 60, 3],
            "customer_tolerance_days": [7, 7, 7],
            "cv": [1.5, 0.2, 1.5],
            "lead_time_cv": [0.1, 0.1, 0.1],
            "critical_share": [0.0, 0.0, 0.5],
        }
    )
    s = DD.decoupling_screen(c, min_score=2).set_index("item_id")
    assert s.loc["long_var", "decouple"] and not s.loc["long_only", "decouple"]
    assert not s.loc["short_var", "decouple"]  # customers wait for it: no buffer needed
    assert s.loc["short_var", "positioning_score"] == 2


# --------------------------------------------------------------------------- simulation


def test_simulation_conserves_stock_for_every_policy():
    rng = np.random.default_rng(3)
    n, T = 50, 400
    demand = rng.poisson(rng.uniform(0.2, 8, n), (T, n)).astype(float)
    demand[rng.random((T, n)) < 0.02] *= 8  # spikes
    lead = rng.integers(3, 40, n)
    opening = rng.uniform(0, 200, n)
    kw = {
        "ddmrp": {"order_multiple": 5.0, "min_order_qty": 10.0},
        "reorder_point": {"reorder_point": demand.mean(0) * lead, "order_qty": 50.0},
        "mrp": {"safety_stock": demand.mean(0) * 5},
    }
    for policy, p in kw.items():
        r = FS.simulate(demand, opening, lead, policy, 100, **p)
        assert FS.conservation_gap(r) < 1e-6, policy
        assert np.allclose(r["shipped"] + r["lost"], r["demand"])
        assert (r["closing"] >= -1e-9).all()
        q = r["order_qty"]
        assert np.allclose(q.sum(0), r["received"] + r["on_order"]), policy  # pipeline adds up
        if policy == "ddmrp":  # every order a multiple of 5 and at least the MOQ
            placed = q[q > 0]
            assert np.allclose(placed % 5, 0) and (placed >= 10).all()


def test_simulation_known_answer_reorder_point():
    # demand 2/day, s = 12, Q = 20, lead time 5: orders when position <= 12, arrives 5 days later
    d = np.full((30, 1), 2.0)
    r = FS.simulate(d, np.array([20.0]), [5], "reorder_point", 0, reorder_point=12, order_qty=20)
    # day 0 ships 2 -> 18; day 3 -> 12 -> order 20 (arrives day 8): never short
    assert r["lost"][0] == 0 and r["stockout_days"][0] == 0
    first = int(np.flatnonzero(r["order_qty"][:, 0])[0])
    assert first == 3
    assert r["orders"][0] == int((r["order_qty"][:, 0] > 0).sum())


def test_simulation_ddmrp_steady_demand_keeps_net_flow_between_yellow_and_green():
    # constant demand 4/day, DLT 10, LTF 0.5, VF 0.5: TOY 70, TOG 90; orders of 20 every 5 days
    d = np.full((200, 1), 4.0)
    r = FS.simulate(d, np.array([90.0]), [10], "ddmrp", 100, adu_days=90)
    q = r["order_qty"][:, 0]
    assert set(np.unique(q[q > 0])) == {20.0}
    assert r["lost"][0] == 0
    days = np.flatnonzero(q)
    assert set(np.diff(days)) == {5}  # one order of 20 every 5 days: 4/day x 5 = 20


def test_amplification_known_answer():
    dates = pd.date_range("2026-01-01", "2026-06-30")
    demand = np.zeros((len(dates), 1))
    orders = np.zeros((len(dates), 1))
    starts, months = FS.month_buckets(dates)
    assert len(months) == 6
    for k, i in enumerate(starts):  # monthly demand 10, 20, 10, 20, ...; orders doubled swing
        demand[i, 0] = 10 + 10 * (k % 2)
        orders[i, 0] = 15 + 20 * (k % 2) - 5
    amp = FS.amplification(orders, demand, dates)
    assert amp[0] == pytest.approx(4.0)


def test_demand_matrix_aligns_with_buffers():
    daily = pd.DataFrame(
        {
            "item_id": ["b", "a", "a"],
            "location_id": ["L", "L", "L"],
            "date": pd.to_datetime(["2026-01-02", "2026-01-01", "2026-01-03"]),
            "quantity": [5.0, 3.0, -1.0],
        }
    )
    buf = pd.DataFrame({"item_id": ["a", "b"], "location_id": ["L", "L"]})
    m, dates = FS.demand_matrix(daily, buf, ["item_id", "location_id"], "2026-01-01", "2026-01-03")
    assert m.tolist() == [[3.0, 0.0], [0.0, 5.0], [0.0, 0.0]]  # returns clipped at zero


def test_most_urgent_ranks_by_zone_then_share():
    s = pd.DataFrame(
        {
            "planning_zone": ["green", "yellow", "red", "yellow"],
            "planning_priority": [0.02, 0.5, 0.3, 0.4],
        }
    )
    assert DD.most_urgent(s).index.tolist() == [2, 3, 1, 0]
    # an MOQ-driven buffer with no usage: tiny red and yellow, green = MOQ -> green, no order
    b = oca_buffer(adu=0.01, min_order_qty=100.0, on_hand_qty=5.0)
    st = DD.buffer_status(b).iloc[0]
    assert st["planning_zone"] == "green" and st["recommended_qty"] == 0


def test_buffer_past_end_of_life_is_zero_with_the_reason():
    """An item past its end-of-life date on the planning date gets no buffer and no order; its
    status says why and what is left to run down."""
    months = pd.date_range("2025-01-01", periods=21, freq="MS")
    demand = pd.DataFrame(
        [
            {"item_id": i, "location_id": "L", "date": m, "quantity": 30.0}
            for i in ("LIVE", "EOL")
            for m in months
        ]
    )
    items = pd.DataFrame(
        {
            "item_id": ["LIVE", "EOL"],
            "category": "Tools",
            "unit_cost": 2.0,
            "lead_time_days": 30.0,
            "lead_time_std_days": 3.0,
            "lot_size": 10.0,
            "lifecycle_stage": ["mature", "end_of_life"],
            "eol_date": pd.to_datetime([None, "2026-06-01"]),
        }
    )
    snaps = pd.DataFrame(
        {
            "snapshot_date": pd.Timestamp("2026-09-30"),
            "item_id": ["LIVE", "EOL"],
            "location_id": "L",
            "on_hand_qty": [0.0, 12.0],
            "on_order_qty": 0.0,
            "unit_cost": 2.0,
        }
    )
    status, _ = DD.build_buffers(demand, items, snaps)
    s = status.set_index("item_id")
    assert s.loc["LIVE", "top_of_green"] > 0 and s.loc["LIVE", "recommended_qty"] > 0
    assert s.loc["EOL", ["top_of_red", "top_of_green", "average_on_hand_target"]].sum() == 0
    assert s.loc["EOL", "recommended_qty"] == 0
    assert s.loc["EOL", "planning_zone"] == "end of life"
    assert s.loc["EOL", "buffer_status"] == (
        "end of life on 01 Jun 2026: no replenishment, run the stock down (12 on hand)"
    )
    assert "EOL" not in set(DD.execution_alerts(status)["item_id"])
    assert DD.zone_counts(status).set_index("buffer_zone").loc["end of life", "buffers"] == 1


def test_summary_counts_add_up_and_amplification_reads_one_way():
    """Every buffer is counted in one zone of the first sentence (no usage and end of life
    included), the on-hand sentence matches the execution list, and a lower median but higher
    total amplification is stated as such, not as two contradicting claims."""
    zones = ["red", "yellow", "green", "above green", "no usage", "end of life"]
    status = pd.DataFrame(
        {
            "planning_zone": zones,
            "execution_zone": ["stock-out", "red", "yellow", "green", "green", "end of life"],
            "unit_cost": 1.0,
            "recommended_qty": [5.0, 3.0, 0, 0, 0, 0],
            "average_on_hand_target": 1.0,
            "on_hand_qty": 1.0,
            "on_hand_share_of_red": [0.0, 0.4, 0.8, 1.5, np.nan, np.nan],
        }
    )
    comparison = pd.DataFrame(
        {
            "policy": ["DDMRP", "reorder point", "MRP (forecast)"],
            "avg_inventory_value": [110.0, 100.0, 90.0],
            "fill_rate": [0.91, 0.90, 0.88],
            "orders": [60, 19, 30],
            "amplification": [2.81, 10.08, 1.47],
            "total_amplification": [3.24, 0.73, 1.0],
        }
    )
    pts = DD.summary_points(status, comparison, lambda v: f"${v:,.0f}")
    assert pts[0] == (
        "6 buffers: 1 in red, 1 in yellow, 1 in green, 1 above the top of green (excess), "
        "1 without usage (no order), 1 past end of life."
    )
    assert len(DD.execution_alerts(status)) == 3
    assert pts[2].startswith("On hand: 3 buffers hold less than their top of red, 2 of them")
    amp = [p for p in pts if p.startswith("Variability amplification")]
    assert len(amp) == 1 and "Item by item DDMRP smooths orders more" in amp[0]
    assert "in total order value: DDMRP 3.24, reorder point 0.73" in amp[0]


def test_appendix_defines_abc_class_and_end_of_life():
    text = DD.appendix_text({"daily_method": "x"}, 0.5, 7, 7)
    assert "company_segments" in text["ABC and XYZ class"]
    assert "no buffer" in text["End of life"]
