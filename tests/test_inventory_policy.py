"""Inventory policies, positioning and the service replay: published worked examples (Snyder &
Shen; Chopra & Meindl; Graves & Willems), constructed cases with known answers, and the
credibility layer of the safety-stock recommendations."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from scmlib.core.demand import cv2_of_sizes
from scmlib.errors import DataError, ParameterError
from scmlib.inventory import meio as ME
from scmlib.inventory import policies as PO
from scmlib.inventory import safety_stock as SS
from scmlib.inventory import segmentation as SEG
from scmlib.inventory import service_simulation as SIM

# ---------------------------------------------------------------- lot sizing (published examples)


def test_eoq_with_backorders_snyder_shen_example_3_8():
    """Snyder & Shen (2019), Fundamentals of Supply Chain Theory, 2nd ed., Example 3.8
    (section 3.5): K = 8, h = 0.225, p = 5, lambda = 1300 -> Q* = 310.81, x* = 0.0431,
    g* = 66.92 (stockpyl's eoq doctest gives the same numbers)."""
    q, x, g = PO.eoq_with_backorders(8, 0.225, 5, 1300)
    assert (q, x, g) == pytest.approx((310.8126, 0.043062, 66.9214), rel=1e-5)


def test_epq_snyder_shen_section_3_6():
    """Snyder & Shen (2019) section 3.6 (EOQ with a finite production rate), the book's
    numbers: K = 8, h = 0.225, lambda = 1300, mu = 1700 -> Q* = 626.81, g* = 33.18."""
    q, g = PO.economic_production_quantity(8, 0.225, 1300, 1700)
    assert (q, g) == pytest.approx((626.8085, 33.1840), rel=1e-5)
    with pytest.raises(ParameterError):
        PO.economic_production_quantity(8, 0.225, 1300, 1000)


def test_quantity_discounts_snyder_shen_section_3_7():
    """Snyder & Shen (2019) section 3.7: all-units example K = 200, i = 0.2, lambda = 1000,
    breakpoints 0/200/500 at 500/475/450 -> Q* = 500 in region 2, 472,900 a year; incremental
    example K = 150, i = 0.25, lambda = 2400, breakpoints 0/300/600 at 100/90/80 -> Q* = 1,481.89
    in region 2 at 222,762.81 a year."""
    assert PO.eoq_all_units_discount(200, 0.2, 1000, [0, 200, 500], [500, 475, 450]) == (
        500.0,
        2,
        472900.0,
    )
    q, j, g = PO.eoq_incremental_discount(150, 0.25, 2400, [0, 300, 600], [100, 90, 80])
    assert (q, j, g) == pytest.approx((1481.8907, 2, 222762.8137))
    with pytest.raises(ParameterError):
        PO.eoq_all_units_discount(200, 0.2, 1000, [100, 200], [5, 4])


def test_all_units_discount_chopra_meindl_example_11_8():
    """Chopra & Meindl (6th ed.) Example 11-8, Drugs Online: R = 120,000 bottles a year,
    S = $100 an order, h = 20%, $3.00 below 5,000, $2.96 from 5,000, $2.92 from 10,000: the
    optimal lot is 10,000 at a total annual cost of $354,520."""
    q, j, g = PO.eoq_all_units_discount(100, 0.2, 120_000, [0, 5000, 10_000], [3.0, 2.96, 2.92])
    assert (q, j) == (10_000.0, 2)
    assert g == pytest.approx(354_520, abs=1)


# ---------------------------------------------------------------- newsvendor


def test_newsvendor_snyder_shen_examples_4_3_and_4_7():
    """Snyder & Shen (2019) Example 4.3: h = 0.18, p = 0.70, D ~ N(50, 8^2) -> S* = 56.60,
    cost 1.998; Poisson(50) demand -> S* = 56, cost 1.797; Example 4.7's discrete Poisson(6),
    h = 1, p = 4 -> S* = 8, cost 3.570 (the empirical newsvendor on that pmf)."""
    S, g = PO.newsvendor_normal(0.18, 0.70, 50, 8)
    assert (float(S), float(g)) == pytest.approx((56.6040, 1.99761), rel=1e-5)
    S, g = PO.newsvendor_poisson(0.18, 0.70, 50)
    assert (float(S), float(g)) == pytest.approx((56.0, 1.797235), rel=1e-6)
    d = np.arange(41)
    S, g = PO.newsvendor_empirical(1, 4, d, stats.poisson.pmf(d, 6))
    assert (S, g) == pytest.approx((8.0, 3.570107), rel=1e-6)


def test_newsvendor_chopra_meindl_critical_ratio():
    """Chopra & Meindl (6th ed.) Example 13-1 (L.L. Bean parkas, section 13.3): price 250, cost
    100, salvage 80 -> Cu = 150, Co = 20, CSL* = 0.882; demand N(350, 100^2) -> order 469."""
    S, _ = PO.newsvendor_normal(20, 150, 350, 100)
    assert float(S) == pytest.approx(350 + 100 * stats.norm.ppf(150 / 170), abs=1e-9)
    assert round(float(S)) == 469


def test_empirical_newsvendor_on_observations():
    S, g = PO.newsvendor_empirical(1, 3, [10, 20, 30, 40])  # critical ratio 0.75 -> 30
    assert S == 30.0 and g == pytest.approx((20 + 10 + 0 + 3 * 10) / 4)


# ---------------------------------------------------------------- (r, Q) and (s, S)


def test_rq_snyder_shen_examples_5_1_5_2_5_6():
    """Snyder & Shen (2019) ch. 5, h = 0.225, p = 7.5, K = 8, lambda = 1300, sigma = 150 a year,
    L = 1/12: Example 5.1 exact cost of (126.8, 328.5) = 78.07; Example 5.2 EIL approximation
    (213.97, 318.59); Example 5.6 loss-function approximation (126.87, 328.45). The exact
    optimum costs no more than the approximation."""
    assert float(PO.rq_cost(126.8, 328.5, 0.225, 7.5, 8, 1300, 150, 1 / 12)) == pytest.approx(
        78.0712, abs=1e-3
    )
    assert PO.rq_eil_approximation(0.225, 7.5, 8, 1300, 150, 1 / 12) == pytest.approx(
        (213.9704, 318.5902), abs=1e-3
    )
    r, q = PO.rq_loss_function_approximation(0.225, 7.5, 8, 1300, 150, 1 / 12)
    assert (r, q) == pytest.approx((126.8671, 328.4491), abs=1e-3)
    r_opt, q_opt, g_opt = PO.rq_optimal(0.225, 7.5, 8, 1300, 150, 1 / 12)
    assert g_opt <= float(PO.rq_cost(r, q, 0.225, 7.5, 8, 1300, 150, 1 / 12)) + 1e-9


def test_ss_snyder_shen_example_4_7():
    """Snyder & Shen (2019) Example 4.7 (Zheng & Federgruen 1991): h = 1, p = 4, K = 5,
    Poisson(6) demand per period -> s = 4, S = 10, cost 8.034; the power approximation for
    h = 0.18, p = 0.70, K = 2.5, N(50, 8^2) -> s = 40.19, S = 74.29 (Ehrhardt & Mosier 1984)."""
    assert PO.ss_cost_discrete(4, 10, 1, 4, 5, 6) == pytest.approx(8.034112, rel=1e-6)
    s, S, g = PO.ss_optimal_discrete(1, 4, 5, 6)
    assert (s, S) == (4, 10) and g == pytest.approx(8.034112, rel=1e-6)
    s, S = PO.ss_power_approximation(0.18, 0.70, 2.5, 50, 8)
    assert (float(s), float(S)) == pytest.approx((40.1946, 74.2902), abs=1e-3)


# ---------------------------------------------------------------- multi-echelon positioning


def test_gsm_tree_snyder_shen_example_6_5():
    """Snyder & Shen (2019) Example 6.5 (Graves & Willems 2000 tree): optimal committed service
    times 0, 0, 0, 1 at cost 8.278."""
    st = pd.DataFrame(
        {
            "stage": [1, 3, 2, 4],
            "parent": [None, 1, 3, 3],
            "processing_time": [2, 1, 1, 1],
            "holding_cost": [1, 2, 3, 3],
            "demand_sd": [np.nan, np.nan, 1, 1],
            "max_service_time": [np.nan, np.nan, 0, 1],
        }
    )
    out, cost = ME.gsm_tree(st, z=1, external_inbound=1)
    assert out.set_index("stage")["service_time"].to_dict() == {1: 0, 3: 0, 2: 0, 4: 1}
    assert cost == pytest.approx(8.277917, rel=1e-6)


def test_gsm_serial_snyder_shen_example_6_3():
    """Snyder & Shen (2019) Example 6.3 (serial GSM): stages 3 -> 2 -> 1, T = 1, 0, 1,
    h = 2, 4, 7, sigma = 1 at stage 1 quoting 1, external inbound 1, z = 1: cost 2 sqrt(2) = 2.83
    (stage 3 holds the stock for 2 periods; stages 2 and 1 pass it through)."""
    st = pd.DataFrame(
        {
            "stage": [3, 2, 1],
            "parent": [None, 3, 2],
            "processing_time": [1, 0, 1],
            "holding_cost": [2, 4, 7],
            "demand_sd": [np.nan, np.nan, 1],
            "max_service_time": [np.nan, np.nan, 1],
        }
    )
    out, cost = ME.gsm_tree(st, z=1, external_inbound=1)
    assert cost == pytest.approx(2 * np.sqrt(2))
    assert out.set_index("stage")["service_time"].to_dict() == {3: 0, 2: 0, 1: 1}


def test_two_echelon_positioning_never_dearer_and_pools():
    items = pd.DataFrame(
        {"item_id": ["X"], "supplier_days": [30.0], "unit_cost": [10.0], "service_target": [0.95]}
    )
    leaves = pd.DataFrame(
        {
            "item_id": "X",
            "location_id": ["D1", "D2", "D3", "D4"],
            "transfer_days": 2.0,
            "sigma_daily": 5.0,
        }
    )
    per, stages = ME.position_two_echelon(items, leaves, plant_days=2, holding_rate=0.25)
    z = stats.norm.ppf(0.95)
    single = z * (10 * 10 * np.sqrt(32) + 4 * 10 * 5 * np.sqrt(2))  # plant pooled sd 10
    dc_only = z * 4 * 10 * 5 * np.sqrt(34)
    row = per.iloc[0]
    assert row["single_echelon_value"] == pytest.approx(single)
    assert row["dc_only_value"] == pytest.approx(dc_only)
    assert row["gsm_value"] == pytest.approx(min(single, dc_only))
    assert row["hold_at"] == "plant and DCs" and row["saving"] == pytest.approx(0.0)
    # one DC only: pooling gains nothing and DC-only stock is cheapest
    per1, _ = ME.position_two_echelon(items, leaves.head(1), plant_days=2)
    assert per1.iloc[0]["hold_at"] == "DCs only"
    assert per1.iloc[0]["gsm_value"] < per1.iloc[0]["single_echelon_value"]
    with pytest.raises(DataError):
        ME.position_two_echelon(items.drop(columns="unit_cost"), leaves)


# ---------------------------------------------------------------- credibility layer


def test_cv2_uses_the_sample_standard_deviation():
    assert float(cv2_of_sizes(pd.Series([2.0, 0, 4, 0, 6]))) == pytest.approx(0.25)
    assert np.isnan(float(cv2_of_sizes(pd.Series([0.0, 5.0]))))  # one size: no spread


def test_abc_crossing_convention():
    v = pd.Series([50.0, 35, 10, 5])
    assert SEG.abc_classes(v).tolist() == ["A", "A", "B", "C"]
    assert SEG.abc_classes(v, crossing="lower").tolist() == ["A", "B", "B", "C"]
    with pytest.raises(ParameterError, match="crossing"):
        SEG.abc_classes(v, crossing="middle")


def _two_years(item="I", loc="L"):
    months = pd.date_range("2024-01-01", periods=24, freq="MS")
    return pd.DataFrame(
        {"item_id": item, "location_id": loc, "date": months, "quantity": np.arange(1.0, 25)}
    )


def test_abc_xyz_and_health_honour_as_of():
    d = pd.concat([_two_years("I"), _two_years("J").assign(quantity=1.0)])
    items = pd.DataFrame({"item_id": ["I", "J"], "category": "c", "unit_cost": 1.0})
    keys = ["item_id", "location_id"]
    latest = SEG.abc_xyz(d, items, keys, months=12).set_index("item_id")
    assert latest.loc["I", "total"] == sum(range(13, 25))
    past = SEG.abc_xyz(d, items, keys, months=12, as_of="2024-12-31").set_index("item_id")
    assert past.loc["I", "total"] == sum(range(1, 13))
    snaps = pd.DataFrame(
        {
            "snapshot_date": pd.date_range("2024-01-01", periods=24, freq="MS"),
            "item_id": "I",
            "location_id": "L",
            "on_hand_qty": np.arange(24.0),
            "unit_cost": 1.0,
        }
    )
    h = SEG.inventory_health(d, snaps, items, keys, months=12, as_of="2024-12-31")
    assert h.iloc[0]["on_hand_qty"] == 11.0  # the December 2024 snapshot, not the latest
    with pytest.raises(DataError, match="as_of"):
        SEG.inventory_health(d, snaps, items, keys, as_of="2020-01-01")


def test_history_matrix_and_bootstrap():
    d = _two_years()
    rows = pd.DataFrame({"item_id": ["I", "NEW"], "location_id": ["L", "L"]})
    h = SS.history_matrix(d, rows, months=12)
    assert h.shape == (2, 12) and h[0].tolist() == list(np.arange(13.0, 25))
    assert np.isnan(h[1]).all()
    b = SS.bootstrap_lead_time_demand(np.array([[0.0, 0, 0, 12]]), [1.0], draws=4000, seed=1)
    assert set(np.unique(b)) <= {0.0, 12.0} and b.mean() == pytest.approx(3.0, abs=0.3)


def test_empirical_level_fill_rate_and_cycle_service():
    x = np.array([[0.0, 0, 0, 10]])
    assert float(SS.empirical_reorder_level(x, 0.75, "cycle_service")[0]) == 0.0
    assert float(SS.empirical_reorder_level(x, 0.80, "cycle_service")[0]) == 10.0
    # fill rate 90%, Q = 5: E[(X - s)+] = (10 - s) / 4 <= 0.5 -> s = 8
    assert float(SS.empirical_reorder_level(x, 0.9, "fill_rate", 5)[0]) == pytest.approx(8.0)
    # a large Q: the target is met below every sample: s = mean - allowed = 2.5 - 5
    assert float(SS.empirical_reorder_level(x, 0.9, "fill_rate", 50)[0]) == pytest.approx(-2.5)


def _lumpy_inputs():
    months = pd.date_range("2025-01-01", periods=12, freq="MS")
    q = np.array([0, 0, 300, 0, 0, 0, 250, 0, 0, 400, 0, 0], float)
    d = pd.DataFrame({"item_id": "LMP", "location_id": "L", "date": months, "quantity": q})
    inp = pd.DataFrame(
        {
            "item_id": ["LMP"],
            "location_id": ["L"],
            "mean_demand": [q.mean()],
            "std_demand": [q.std()],
            "lead_time": [1.5],
            "lead_time_std": [0.0],
            "unit_cost": [10.0],
            "service_target": [0.98],
            "demand_class": ["lumpy"],
            "lot_size": [40.0],
            "nonzero": [3],
            "periods": [12],
        }
    )
    return d, inp


def test_empirical_distribution_for_lumpy_items_stays_within_history():
    d, inp = _lumpy_inputs()
    gamma = SS.safety_stock_table(inp, measure="fill_rate", lumpy_distribution="gamma")
    H = SS.history_matrix(d, inp, months=12)
    emp = SS.safety_stock_table(inp, measure="fill_rate", history=H, draws=4000)
    assert emp["distribution"].iloc[0] == "empirical" and gamma["distribution"].iloc[0] == "gamma"
    # the own-history reorder point never exceeds the largest demand over 2 months seen
    assert emp["reorder_point"].iloc[0] <= 400 + 300 + 1e-9
    assert emp["safety_stock"].iloc[0] < gamma["safety_stock"].iloc[0]
    with pytest.raises(ParameterError):
        SS.safety_stock_table(inp, lumpy_distribution="weibull")


def test_sanity_layer_flags_caps_and_explains():
    d, inp = _lumpy_inputs()
    r = SS.safety_stock_table(inp, measure="fill_rate", lumpy_distribution="gamma")
    flagged = SS.sanity_layer(r, max_cover_months=3)
    assert flagged["flag"].iloc[0].startswith("safety stock ") and not flagged["capped"].iloc[0]
    capped = SS.sanity_layer(r, max_cover_months=3, cap=True)
    assert capped["safety_stock"].iloc[0] == pytest.approx(3 * r["mean_demand"].iloc[0])
    assert capped["reorder_point"].iloc[0] == pytest.approx(
        r["reorder_point"].iloc[0] - (r["safety_stock"].iloc[0] - capped["safety_stock"].iloc[0])
    )
    v = SS.sanity_layer(r, max_cover_months=100, max_value=1000, cap=True)
    assert v["safety_stock_value"].iloc[0] == pytest.approx(1000)
    assert "value above 1,000" in v["flag"].iloc[0]
    why = SS.cover_reasons(r).iloc[0]
    assert "lumpy demand (demand in 3 of 12 months)" in why and "target 98%" in why
    top = SS.top_cover(flagged, "demand_class")
    assert list(top["item_id"]) == ["LMP"] and "reason" in top and "flag" in top


def test_sanity_layer_end_of_life():
    r = pd.DataFrame(
        {
            "mean_demand": [10.0, 10.0],
            "safety_stock": [5.0, 5.0],
            "unit_cost": 1.0,
            "reorder_point": [25.0, 25.0],
            "order_up_to": np.nan,
        }
    )
    eol = pd.to_datetime(["2026-01-01", None])
    for cap in (True, False):  # zero whether or not the other limits cap
        out = SS.sanity_layer(r, 6, eol_date=eol, as_of="2026-06-30", cap=cap)
        assert out["flag"].iloc[0] == (
            "end of life on 01 Jan 2026: no replenishment, run the stock down"
        )
        assert out["safety_stock"].tolist() == [0.0, 5.0]
        assert out["reorder_point"].tolist() == [0.0, 25.0]
        assert out["safety_stock_value"].tolist() == [0.0, 5.0]
        assert out["end_of_life"].tolist() == [True, False] and out["flag"].iloc[1] == ""
    # the extremes sentence does not count end-of-life rows as "would hold more than"
    out = out.assign(
        distribution="normal",
        months_cover=[0.0, 0.5],
        item_id="X",
        location_id="L",
        order_qty=20.0,
        std_demand=2.0,
        lead_time=1.0,
        lead_time_std=0.1,
        service_target=0.95,
    )
    assert SS.credibility_lines(out, 6, False, str)[0].startswith("No item-location")


def test_end_of_life_stock_is_run_down_alike_in_safety_stock_and_policy():
    """An item past end of life: zero safety stock in both reports, no last-time buy (the
    supplier no longer makes it), and the same run-down sentence from the same positions."""
    months = pd.date_range("2025-10-01", periods=12, freq="MS")
    d = pd.concat(
        pd.DataFrame({"item_id": i, "location_id": "L", "date": months, "quantity": 10.0})
        for i in ("EOL", "OLD")
    )
    items = pd.DataFrame(
        {"item_id": ["EOL", "OLD"], "eol_date": pd.to_datetime(["2026-02-01", None])}
    )
    result = pd.DataFrame(
        {
            "item_id": ["EOL", "OLD"],
            "location_id": ["L", "L"],
            "lifecycle_stage": ["end_of_life", "decline"],
            "mean_demand": [10.0, 10.0],
            "unit_cost": [6.0, 6.0],
            "unit_price": [10.0, 10.0],
            "safety_stock": [15.0, 15.0],
            "reorder_point": [35.0, 35.0],
            "safety_stock_value": [90.0, 90.0],
        }
    )
    policy = SS.apply_end_of_life(result, items, "2026-09-30")
    assert policy["safety_stock"].tolist() == [0.0, 15.0]
    assert policy["reorder_point"].tolist() == [0.0, 35.0]
    eol = pd.Series(policy["item_id"].map(items.set_index("item_id")["eol_date"]))
    ss = SS.sanity_layer(result.assign(order_up_to=np.nan), 6, eol_date=eol, as_of="2026-09-30")
    assert ss["safety_stock"].tolist() == policy["safety_stock"].tolist()
    positions = pd.DataFrame(
        {
            "item_id": ["EOL", "OLD"],
            "location_id": "L",
            "on_hand_qty": [40.0, 30.0],
            "stock_value": [240.0, 180.0],
        }
    )
    H = SS.history_matrix(d, result, months=12)
    ltb = PO.last_time_buy_table(policy, H, positions, horizon_months=6).set_index("item_id")
    assert ltb.loc["EOL", "buy_qty"] == 0 and ltb.loc["OLD", "buy_qty"] > 0
    assert ltb.loc["EOL", "note"].startswith("end of life on 01 Feb 2026")
    money = "${:,.0f}".format
    one = SS.run_down_line(SS.run_down(ss, positions), money)
    assert one == SS.run_down_line(SS.run_down(policy, positions), money)
    assert "1 item-location is past end of life" in one and "40 units worth $240" in one
    lines = PO.policy_summary_lines(
        pd.DataFrame(), pd.DataFrame(), pd.DataFrame(), ltb.reset_index(), money
    )
    assert lines[0].startswith("1 item-location in decline or before end of life")


def test_cycle_stock_alone_sentence():
    r = pd.DataFrame(
        {
            "abc": ["C", "C"],
            "service_target": 0.9,
            "safety_stock": [0.0, 5.0],
            "cycle_stock_only": [True, False],
            "mean_demand": [10.0, 10.0],
            "order_qty": [120.0, 10.0],
        }
    )
    (line,) = SS.cycle_stock_lines(r, "abc")
    assert line.startswith("C: 1 of 2 item-locations (50%) need no safety stock")
    assert "12.0 months" in line and "cycle stock alone" in line


def test_expected_undershoot():
    d = pd.DataFrame(
        {
            "item_id": "a",
            "location_id": "L",
            "date": pd.to_datetime(["2025-01-02", "2025-01-09", "2025-01-10"]),
            "quantity": [1.0, 3.0, 2.0],
        }
    )
    rows = pd.DataFrame({"item_id": ["a", "b"], "location_id": ["L", "L"]})
    u = SS.expected_undershoot(d, rows)
    assert u[0] == pytest.approx((14 / 3 / 2 - 1) / 2) and u[1] == 0.0


# ---------------------------------------------------------------- the service replay


def test_replay_conserves_and_measures_known_cases():
    # steady demand 1 a day, s = 5 covers a 2-day lead time: perfect service
    r = SIM.replay(np.ones((100, 1)), 10, [5.0], [10.0], [2], opening=[15.0])
    assert r["fill_rate"][0] == 1.0 and r["cycle_service"][0] == 1.0
    # s = 0, demand 1 a day, lead time 3 days (an order placed at the end of day t serves
    # demand from day t + 4): each 10-day cycle is short 3 days (backordered)
    r = SIM.replay(np.ones((200, 1)), 0, [0.0], [10.0], [3], opening=[10.0])
    assert r["fill_rate"][0] == pytest.approx(0.7, abs=0.02)
    assert r["cycle_service"][0] < 0.1
    lost = SIM.replay(np.ones((200, 1)), 0, [0.0], [10.0], [3], opening=[10.0], lost_sales=True)
    assert lost["fill_rate"][0] == pytest.approx(10 / 13, abs=0.02)
    # periodic review: order up to 12 every 5 days with a 1-day lead time, demand 2 a day
    p = SIM.replay(
        np.full((100, 1), 2.0),
        10,
        [0.0],
        [10.0],
        [1],
        policy="periodic",
        review_days=5,
        order_up_to=[12.0],
    )
    assert p["fill_rate"][0] == 1.0
    with pytest.raises(ParameterError):
        SIM.replay(np.ones((10, 1)), 20, [1.0], [1.0], [1])


def test_replay_draws_lead_times_from_history():
    samples = np.array([[2.0, np.nan], [np.nan, np.nan]])
    r = SIM.replay(np.ones((100, 2)), 10, [5.0, 5.0], [10.0, 10.0], [30, 2], lead_samples=samples)
    assert r["fill_rate"][0] == 1.0  # the history's 2 days, not the 30-day master lead time
    pos = pd.DataFrame(
        {
            "item_id": ["A", "A", "B"],
            "order_date": pd.to_datetime(["2025-01-01", "2025-02-01", "2025-01-01"]),
            "receipt_date": pd.to_datetime(["2025-01-11", "2025-02-21", pd.NaT]),
        }
    )
    ls = SIM.lead_time_samples(pos, pd.DataFrame({"item_id": ["A", "B"]}), max_samples=3)
    assert sorted(ls[0][~np.isnan(ls[0])].tolist()) == [10.0, 20.0] and np.isnan(ls[1]).all()


def test_simulated_service_matches_the_formula_on_normal_demand():
    """Poisson demand: the (s, Q) formula's fill rate, with the expected undershoot of one day's
    demand added and the reorder point in whole units, is met in the replay within a point."""
    rng = np.random.default_rng(3)
    n, days, lead = 400, 3000, 10
    rate = 4.0
    D = rng.poisson(rate, (days, n)).astype(float)
    sigma = np.sqrt(rate * lead)
    Q = 40.0
    z = SS.z_for_fill_rate(0.95, sigma, Q)
    undershoot = ((rate + rate**2) / rate - 1) / 2  # E[x^2] / E[x] of Poisson(4) days
    s = np.ceil(rate * lead + z * sigma + undershoot)
    r = SIM.replay(D, 200, np.full(n, s), np.full(n, Q), np.full(n, lead))
    achieved = r["filled"].sum() / r["demand"].sum()
    assert achieved == pytest.approx(0.95, abs=0.01)
    # on hand at the end of a day: the formula's SS + Q / 2 less the undershoot and half a day
    assert r["avg_on_hand"].mean() == pytest.approx(s - rate * lead + Q / 2 - 2 - 2, rel=0.05)


def test_service_by_segment_and_gap_lines():
    result = pd.DataFrame(
        {
            "item_id": ["a", "b"],
            "location_id": "L",
            "abc": ["A", "B"],
            "service_target": [0.98, 0.95],
            "demand_class": ["smooth", "lumpy"],
        }
    )
    sim = pd.DataFrame(
        {
            "item_id": ["a", "b"],
            "location_id": "L",
            "demand": [100.0, 100.0],
            "filled": [97.5, 90.0],
            "short": [2.5, 10.0],
            "cycles": [10.0, 5.0],
            "cycles_ok": [9.0, 3.0],
            "avg_on_hand_value": [50.0, 20.0],
            "predicted_avg_value": [40.0, 20.0],
        }
    )
    by = SIM.service_by_segment(result, sim, "abc")
    assert by["fill_rate"].tolist() == [0.975, 0.90] and by["cycle_service"].tolist() == [0.9, 0.6]
    assert by["inventory_vs_formula"].iloc[0] == pytest.approx(0.25)
    a, b = SIM.gap_lines(by, result, sim, "abc")
    assert "confirmed" in a and "-0.5 points" in a
    assert "-5.0 points" in b and "100% of the short units are intermittent or lumpy" in b
    (c,) = SIM.gap_lines(by.tail(1), result, sim, "abc", "cycle_service")
    assert "-35.0 points" in c and "100% of the cycles with a stock-out are intermittent" in c
    # a cause explaining none of the shortfall is not listed ("0% of the short units ...")
    (d,) = SIM.gap_lines(by.tail(1), result.assign(demand_class="smooth"), sim, "abc")
    assert "0% of the short units" not in d and "no single cause" in d


# ---------------------------------------------------------------- policy report tables


def test_rq_policy_table_reproduces_snyder_shen_example_per_row():
    """One row built from Snyder & Shen Example 5.6's data (lambda = 1300 a year, sigma = 150 a
    year, L = 1/12, h = 0.225, K = 8, p = 7.5): the table's optimum is the book's (126.87, 328.45)
    and its cost the exact 78.07."""
    L_months = 1.0
    row = pd.DataFrame(
        {
            "item_id": ["X"],
            "location_id": ["L"],
            "abc": ["A"],
            "service_target": [0.98],
            "mean_demand": [1300 / 12],
            "sigma_protection": [150 * np.sqrt(1 / 12)],
            "lead_time": [L_months],
            "unit_cost": [0.225 / 0.25],
            "unit_price": [7.5 / 52],  # shortage share 1: 7.5 a unit-year
            "reorder_point": [126.8],
            "order_qty": [328.5],
            "distribution": ["normal"],
        }
    )
    out = PO.rq_policy_table(row, holding_rate=0.25, order_cost=8, shortage_cost_share=1.0)
    r = out.iloc[0]
    assert (r["optimal_reorder_point"], r["optimal_order_qty"]) == pytest.approx(
        (126.867, 328.449), abs=1e-2
    )
    assert r["service_cost"] == pytest.approx(78.0712, abs=1e-3)
    assert r["optimal_cost"] <= r["service_cost"] + 1e-6
    seg = PO.rq_by_segment(out, "abc")
    assert seg["series"].iloc[0] == 1 and seg["implied_fill_rate"].iloc[0] == pytest.approx(
        r["implied_fill_rate"]
    )
    with pytest.raises(ParameterError):
        PO.rq_policy_table(row.drop(columns="sigma_protection"))
    # an item in decline gets a last-time buy, not a steady-state (r, Q) or (s, S) policy
    late = row.assign(lifecycle_stage="decline", std_demand=10.0)
    assert PO.rq_policy_table(late, holding_rate=0.25, order_cost=8).empty
    assert PO.ss_policy_table(late, holding_rate=0.25, order_cost=8).empty


def test_rq_fill_rate_limits():
    # a reorder point far above lead-time demand: no shortage; far below: every unit short
    assert float(PO.rq_fill_rate(1e6, 10, 100, 10)) == pytest.approx(1.0)
    assert float(PO.rq_fill_rate(-1e6, 10, 100, 10)) == pytest.approx(0.0, abs=1e-9)


def test_discount_lots_match_the_scalar_examples():
    q, j, g, base = PO.discount_lots(
        [1000, 2400], 200, 0.2, [500, 100], [0, 200, 500], [0, 0.05, 0.10]
    )
    assert (q[0], j[0], g[0]) == (500.0, 2, 472900.0)
    assert base[0] == pytest.approx(500 * 1000 + np.sqrt(2 * 200 * 1000 * 0.2 * 500))
    q, j, g, _ = PO.discount_lots(
        [2400], 150, 0.25, [100], [0, 300, 600], [0, 0.1, 0.2], "incremental"
    )
    assert (q[0], j[0], g[0]) == pytest.approx((1481.8907, 2, 222762.8137))
    with pytest.raises(ParameterError):
        PO.discount_lots([1], 1, 0.2, [1], [0, 10], [0, 0.1], "volume")


def test_last_time_buy_table():
    months = pd.date_range("2025-01-01", periods=12, freq="MS")
    d = pd.DataFrame({"item_id": "OLD", "location_id": "L", "date": months, "quantity": 10.0})
    result = pd.DataFrame(
        {
            "item_id": ["OLD", "NEW"],
            "location_id": ["L", "L"],
            "lifecycle_stage": ["decline", "growth"],
            "mean_demand": [10.0, 5.0],
            "unit_cost": [6.0, 1.0],
            "unit_price": [10.0, 2.0],
        }
    )
    H = SS.history_matrix(d, result, months=12)
    positions = pd.DataFrame({"item_id": ["OLD"], "location_id": ["L"], "on_hand_qty": [30.0]})
    t = PO.last_time_buy_table(result, H, positions, horizon_months=6, salvage_share=0.0)
    assert list(t["item_id"]) == ["OLD"]  # growth items are not last-time buys
    row = t.iloc[0]
    assert row["last_buy_qty"] == 60 and row["buy_qty"] == 30  # steady 10 a month for 6 months
    assert row["critical_ratio"] == pytest.approx(0.4)
    cr, level, buy, cost = PO.last_time_buy(np.array([[5.0, 9]]), 10.0, 9.0)  # sold below cost
    assert buy[0] == 0 and level[0] == 0


def test_transfer_days_and_network_inputs():
    loc = pd.DataFrame(
        {
            "location_id": ["P", "D1", "D2"],
            "type": ["plant", "dc", "dc"],
            "country": ["USA", "USA", "NLD"],
            "latitude": [0.0, 0.0, 0.0],
            "longitude": [0.0, 10.0, 10.0],
        }
    )
    t = ME.transfer_days(loc).set_index("location_id")
    km = 2 * 6371 * np.arcsin(np.sin(np.radians(5)))
    assert t.loc["D1", "transfer_days"] == pytest.approx(1 + km / 600)
    assert t.loc["D2", "transfer_days"] == pytest.approx(1 + 7 + km / 500)
    with pytest.raises(DataError, match="no row of type 'plant'"):
        ME.transfer_days(loc.assign(type="dc"))
    result = pd.DataFrame(
        {
            "item_id": ["X", "X"],
            "location_id": ["D1", "D2"],
            "lead_time_days": [20.0, 30.0],
            "unit_cost": 5.0,
            "service_target": [0.95, 0.98],
            "std_demand": [np.sqrt(30.4375) * 2, 0.0],
        }
    )
    items, leaves = ME.network_inputs(result, ME.transfer_days(loc))
    assert items.iloc[0][["supplier_days", "service_target"]].tolist() == [25.0, 0.98]
    assert list(leaves["location_id"]) == ["D1"] and leaves["sigma_daily"].iloc[0] == pytest.approx(
        2
    )


def test_tier_scenarios_and_deltas():
    assert SIM.step_up_scenarios({"platinum": 0.98, "gold": 0.95, "standard": 0.92}) == {
        "platinum to 99%": {"platinum": 0.99},
        "gold to 98%": {"gold": 0.98},
        "standard to 95%": {"standard": 0.95},
    }
    rng = np.random.default_rng(5)
    days = pd.date_range("2024-01-01", "2025-12-31", freq="D")
    n = 6
    daily = pd.DataFrame(
        {
            "item_id": np.repeat([f"I{i}" for i in range(n)], len(days)),
            "location_id": "L",
            "date": np.tile(days, n),
            "quantity": rng.poisson(3, n * len(days)).astype(float),
        }
    )
    inputs = pd.DataFrame(
        {
            "item_id": [f"I{i}" for i in range(n)],
            "location_id": "L",
            "tier": ["gold", "standard"] * 3,
            "mean_demand": 3 * 30.44,
            "std_demand": np.sqrt(3 * 30.44),
            "lead_time": 0.5,
            "lead_time_std": 0.0,
            "lead_time_days": 15.22,
            "unit_cost": 10.0,
            "unit_price": 15.0,
        }
    )
    scen = SIM.target_scenarios(
        inputs,
        daily,
        None,
        "tier",
        {"base": {"gold": 0.9, "standard": 0.9}, "up": {"gold": 0.99, "standard": 0.9}},
        measure="fill_rate",
    )
    d = SIM.scenario_deltas(scen, "tier", "base", 0.25)
    assert list(d["tier"]) == ["gold"]  # the unchanged tier is not a delta
    row = d.iloc[0]
    assert row["extra_inventory"] > 0 and row["sales_protected"] > 0 and row["fill_rate"] > 0.97
    assert row["extra_holding_cost"] == pytest.approx(0.25 * row["extra_inventory"])
    lines = PO.policy_summary_lines(
        pd.DataFrame(),
        pd.DataFrame(),
        d.rename(columns={"tier": "service_tier"}),
        pd.DataFrame(),
        money=lambda v: f"${v:,.0f}",
    )
    assert lines[0].startswith(
        "Raising the gold customer tier's fill-rate target from 90% to 99% adds $"
    )


def test_credibility_lines():
    d, inp = _lumpy_inputs()
    r = SS.sanity_layer(SS.safety_stock_table(inp, lumpy_distribution="gamma"), 3)
    first, largest, own = SS.credibility_lines(r, 3, False, money=lambda v: f"${v:,.0f}")
    assert (
        first.startswith("1 item-locations would hold more than 3 months") and "not capped" in first
    )
    assert largest.startswith("The largest cover is LMP at L:") and "lumpy demand" in largest
    assert own.startswith("0 intermittent or lumpy item-locations are sized on their own")
    none = SS.credibility_lines(r.assign(flag=""), 3, False, money=str)[0]
    assert none == "No item-location holds more than 3 months of demand as safety stock."


def test_policy_summary_reads_as_an_inventory_manager_would_say_it():
    seg = pd.DataFrame(
        {"abc": ["A"], "series": [54], "cost_saving": [6249.0], "implied_fill_rate": [0.941],
         "target": [0.98]}
    )  # fmt: skip
    pos = pd.DataFrame(
        {"hold_at": ["DCs only", "plant and DCs"], "items": [1, 129],
         "single_echelon_value": [95.0, 152.0], "gsm_value": [90.0, 152.0],
         "dc_only_value": [90.0, 171.0]}
    )  # fmt: skip
    ltb = pd.DataFrame({"buy_qty": [10.0]})
    lines = PO.policy_summary_lines(seg, pos, pd.DataFrame(), ltb, money=lambda v: f"${v:,.0f}")
    assert lines[0].startswith("Steady-demand item-locations (54): reorder points and order")
    assert "below target in A (94.1% against 98%)." in lines[0] and "$6,249 a year less" in lines[0]
    above = PO.policy_summary_lines(
        seg.assign(implied_fill_rate=0.99), pd.DataFrame(), pd.DataFrame(), pd.DataFrame(), str
    )[0]
    assert "below target" not in above and "still meet every target: A (99.0% against 98%)" in above
    assert "$5 less than sizing every stage on its own ($247)" in lines[1]
    assert "$19 less than holding it at the DCs only ($261)" in lines[1]
    assert lines[2] == (
        "Where to hold each item's safety stock: DCs only for 1 item; plant and DCs for 129 items."
    )
    assert lines[3].startswith("1 item-location in decline") and "critical ratio" not in lines[3]


def test_new_items_with_short_history_are_named_in_the_summary():
    """A new item with a few months of history and a large safety stock is not silent: its
    reason says so and the summary names it with its months of history."""
    r = pd.DataFrame(
        {
            "item_id": ["NEW", "OLD"],
            "location_id": "L",
            "periods": [2.0, 12.0],
            "nonzero": [2.0, 12.0],
            "demand_class": "smooth",
            "mean_demand": [10.0, 10.0],
            "std_demand": [8.0, 2.0],
            "lead_time": 1.0,
            "lead_time_std": 0.1,
            "order_qty": 30.0,
            "service_target": 0.95,
            "distribution": "normal",
            "safety_stock": [40.0, 5.0],
            "months_cover": [4.0, 0.5],
            "safety_stock_value": [4000.0, 50.0],
            "unit_cost": [100.0, 10.0],
            "flag": "",
        }
    )
    why = SS.cover_reasons(r)
    assert why.iloc[0].startswith("only 2 months of history (new item)")
    assert "months of history" not in why.iloc[1]
    lines = SS.credibility_lines(r, 6, False, "${:,.0f}".format)
    new = [x for x in lines if "under 12 months of history" in x]
    assert len(new) == 1 and "NEW at L (2 months, $4,000, 4.0 months of cover)" in new[0]
    assert "; why: only 2 months of history" in lines[1]
