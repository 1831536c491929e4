"""Inventory: textbook safety-stock answers, segmentation worked examples, SLOB and health."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from scmlib.inventory import safety_stock as SS
from scmlib.inventory import segmentation as SEG

# ---------------------------------------------------------------- textbook answers


def test_chopra_meindl_example_12_1_safety_stock_for_csl():
    # weekly demand 2,500, sd 500, lead time 2 weeks, CSL 90% -> ss = 906 (Chopra & Meindl, Example 12-4 / 6th ed.)
    sigma_l = SS.sigma_lead_time_demand(2500, 500, 2, variability="demand")
    assert float(SS.z_for_cycle_service(0.90) * sigma_l) == pytest.approx(906, abs=1)


def test_chopra_meindl_lead_time_uncertainty():
    # daily demand 2,500, sd 500, L = 7 days, sd(L) = 7 days, CSL 90% -> sigma_L 17,550, ss = 22,491
    sigma = SS.sigma_lead_time_demand(2500, 500, 7, 7, "combined")
    assert float(sigma) == pytest.approx(17_550, abs=1)
    assert float(SS.z_for_cycle_service(0.9) * sigma) == pytest.approx(22_491, abs=1)
    assert float(SS.sigma_lead_time_demand(2500, 500, 7, 7, "lead_time")) == 17_500


def test_chopra_meindl_fill_rate_example():
    # ss 1,000, Q 10,000, sigma_L = sqrt(2) x 500 -> ESC 25.13, fill rate 0.9975
    sigma_l = np.sqrt(2) * 500
    assert float(sigma_l * SS.standard_normal_loss(1000 / sigma_l)) == pytest.approx(
        25.13, abs=0.01
    )
    assert float(SS.fill_rate_from_ss(1000, sigma_l, 10_000)) == pytest.approx(0.9975, abs=1e-4)
    assert float(SS.z_for_fill_rate(0.99749, sigma_l, 10_000)) == pytest.approx(
        1000 / sigma_l, abs=0.01
    )


def test_standard_normal_loss_table_values():
    # Silver, Pyke & Peterson appendix B: G(0) = 0.3989, G(1) = 0.0833, G(2) = 0.008491
    assert SS.standard_normal_loss([0, 1, 2]) == pytest.approx([0.3989, 0.0833, 0.008491], abs=1e-4)


def test_eoq_example():
    # Chopra & Meindl Example 11-1: D 12,000/yr, S $4,000, H = 20% of $500 -> EOQ 980
    assert float(SS.eoq(12_000, 4_000, 100)) == pytest.approx(980, abs=0.5)


def test_units_are_checked():
    assert SS.lead_time_in_periods(14, "week") == 2
    with pytest.raises(ValueError, match="demand period must be one of"):
        SS.lead_time_in_periods(14, "fortnight")


def test_poisson_and_gamma_for_slow_movers():
    s, dist = SS.reorder_level(
        np.array([2.0]),
        np.array([np.sqrt(2.0)]),
        0.95,
        "cycle_service",
        demand_class=np.array(["intermittent"]),
    )
    assert dist[0] == "poisson" and s[0] == stats.poisson.ppf(0.95, 2.0)
    s, dist = SS.reorder_level(
        np.array([4.0]), np.array([8.0]), 0.90, "cycle_service", demand_class=np.array(["lumpy"])
    )
    k, theta = 4.0**2 / 64, 64 / 4.0
    assert dist[0] == "gamma" and s[0] == pytest.approx(
        stats.gamma.ppf(0.90, k, scale=theta), rel=1e-4
    )
    s, dist = SS.reorder_level(np.array([5000.0]), np.array([707.1]), 0.9, "cycle_service")
    assert dist[0] == "normal" and s[0] == pytest.approx(5000 + 906.2, abs=1)


def test_safety_stock_table_policies():
    df = pd.DataFrame(
        {
            "mean_demand": [2500.0],
            "std_demand": [500.0],
            "lead_time": [2.0],
            "lead_time_std": [0.0],
            "unit_cost": [10.0],
            "service_target": [0.9],
        }
    )
    c = SS.safety_stock_table(
        df, measure="cycle_service", policy="continuous", variability="demand", periods_per_year=52
    ).iloc[0]
    assert c["safety_stock"] == pytest.approx(906, abs=1) and c["reorder_point"] == pytest.approx(
        5906, abs=1
    )
    p = SS.safety_stock_table(
        df, measure="cycle_service", policy="periodic", review_period=2, variability="demand"
    ).iloc[0]
    assert p["safety_stock"] == pytest.approx(
        1.2816 * 500 * 2, abs=2
    )  # protection interval R + L = 4
    assert p["order_up_to"] == pytest.approx(2500 * 4 + p["safety_stock"])
    with pytest.raises(ValueError, match="service targets must be strictly between 0 and 1"):
        SS.safety_stock_table(df.assign(service_target=1.2))


# ---------------------------------------------------------------- segmentation


def test_abc_worked_example():
    # values 50, 25, 10, 6, 4, 3, 2 (total 100): cumulative before 0, 50, 75 -> A A A; 85, 91 -> B B; 95, 98 -> C C
    v = pd.Series([4.0, 50, 2, 25, 10, 3, 6], index=list("defabgc"))
    cls = SEG.abc_classes(v, (0.80, 0.95))
    assert cls.to_dict() == {"d": "B", "e": "A", "f": "C", "a": "A", "b": "A", "g": "C", "c": "B"}
    with pytest.raises(ValueError, match="increasing"):
        SEG.abc_classes(v, (0.9, 0.8))


def test_xyz_and_demand_classes():
    assert SEG.xyz_classes(pd.Series([0.2, 0.5, 0.7, 1.5, np.nan])).tolist() == [
        "X",
        "X",
        "Y",
        "Z",
        "Z",
    ]
    cls = SEG.demand_class([1.0, 1.0, 2.0, 2.0, np.nan], [0.1, 0.6, 0.1, 0.6, 0])
    assert cls.tolist() == ["smooth", "erratic", "intermittent", "lumpy", "no demand"]


def test_demand_profile_fills_gaps_and_computes_adi():
    d = pd.DataFrame(
        {
            "item_id": "A",
            "date": pd.to_datetime(["2025-01-01", "2025-03-01", "2025-06-01"]),
            "quantity": [10.0, 10, 20],
        }
    )
    other = pd.DataFrame(
        {"item_id": "B", "date": pd.date_range("2025-01-01", periods=6, freq="MS"), "quantity": 5.0}
    )
    p = SEG.demand_profile(pd.concat([d, other]), ["item_id"]).set_index("item_id")
    assert p.loc["A", "periods"] == 6 and p.loc["A", "adi"] == 2.0
    # sample standard deviation of the sizes (Syntetos & Boylan; tsintermittent idclass)
    assert p.loc["A", "cv2"] == pytest.approx(
        (np.std([10, 10, 20], ddof=1) / np.mean([10, 10, 20])) ** 2
    )
    assert p.loc["A", "demand_class"] == "intermittent" and p.loc["B", "demand_class"] == "smooth"


def _tiny_inventory():
    months = pd.date_range("2025-01-01", periods=12, freq="MS")
    demand = pd.concat(
        [
            pd.DataFrame(
                {"item_id": "FAST", "location_id": "L1", "date": months, "quantity": 10.0}
            ),
            pd.DataFrame(
                {
                    "item_id": "DEAD",
                    "location_id": "L1",
                    "date": months,
                    "quantity": [5.0] + [0.0] * 11,
                }
            ),
        ]
    )
    stock = pd.concat(
        [
            pd.DataFrame(
                {
                    "snapshot_date": months,
                    "item_id": "FAST",
                    "location_id": "L1",
                    "on_hand_qty": 10.0,
                    "unit_cost": 2.0,
                }
            ),
            pd.DataFrame(
                {
                    "snapshot_date": months,
                    "item_id": "DEAD",
                    "location_id": "L1",
                    "on_hand_qty": 100.0,
                    "unit_cost": 3.0,
                }
            ),
        ]
    )
    items = pd.DataFrame(
        {
            "item_id": ["FAST", "DEAD"],
            "category": "c",
            "unit_cost": [2.0, 3.0],
            "unit_price": [3.0, 2.5],
            "eol_date": pd.NaT,
        }
    )
    return demand, stock, items


def test_health_metrics_hand_computed():
    demand, stock, items = _tiny_inventory()
    h = SEG.inventory_health(demand, stock, items, carrying_rate=0.25).set_index("item_id")
    assert h.loc["FAST", "turns"] == pytest.approx(
        240 / 20
    )  # COGS 120 units x 2 / average value 20
    assert h.loc["FAST", "gmroi"] == pytest.approx(120 / 20)
    assert h.loc["FAST", "days_of_supply"] == pytest.approx(10 / (120 / 365))
    assert h.loc["DEAD", "carrying_cost"] == pytest.approx(300 * 0.25)
    assert h.loc["DEAD", "persistent_low_turns"] and not h.loc["FAST", "persistent_low_turns"]


def test_slob_and_rationalisation():
    demand, stock, items = _tiny_inventory()
    s = SEG.slob(demand, stock, items, no_movement_months=9, max_cover_months=12)
    assert (
        s["item_id"].tolist() == ["DEAD"]
        and s.loc[0, "status"] == "obsolete"
        and s.loc[0, "months_since_movement"] == 11
    )
    assert s.loc[0, "value_at_risk"] == 300
    h = SEG.inventory_health(demand, stock, items)
    r = SEG.rationalisation_candidates(h, items, max_turns=2.0)
    assert r["item_id"].tolist() == ["DEAD"]  # sells below cost and barely turns


def test_health_without_selling_prices_keeps_margin_unknown():
    """unit_price is optional in the data model: data that passes `scm data check` without it
    must not fail, and the margin (GMROI) is unknown rather than zero."""
    from scmlib.inventory.segmentation import inventory_health, rationalisation_candidates

    d = pd.to_datetime
    demand = pd.DataFrame(
        {
            "item_id": "A",
            "location_id": "L",
            "date": d(["2026-01-01", "2026-02-01"]),
            "quantity": [5.0, 7.0],
        }
    )
    stock = pd.DataFrame(
        {
            "snapshot_date": d(["2026-01-01", "2026-02-01"]),
            "item_id": "A",
            "location_id": "L",
            "on_hand_qty": [10.0, 8.0],
            "unit_cost": 2.0,
        }
    )
    items = pd.DataFrame({"item_id": ["A"], "category": ["c"], "unit_cost": [2.0]})
    h = inventory_health(demand, stock, items, months=2)
    assert h["turns"].notna().all() and h["gmroi"].isna().all()
    assert rationalisation_candidates(h, items).empty


# ---------------------------------------------------------------- report tables


def _segments():
    return pd.DataFrame(
        {
            "item_id": ["i1", "i2", "i3", "i4"],
            "location_id": ["L1", "L1", "L2", "L2"],
            "abc": ["A", "A", "B", "C"],
            "xyz": ["X", "Y", "X", "Z"],
            "segment": ["AX", "AY", "BX", "CZ"],
            "annual_value": [100.0, 50.0, 30.0, 5.0],
            "demand_class": ["smooth", "lumpy", "smooth", "intermittent"],
        }
    )


def test_segment_matrix_and_demand_classes():
    counts, values = SEG.segment_matrix(_segments())
    assert counts.loc["A", "X"] == 1 and counts.loc["C", "Y"] == 0  # empty cells are zeros
    assert list(counts.index) == ["A", "B", "C"] and list(counts.columns) == ["X", "Y", "Z"]
    assert values.loc["A", "Y"] == 50 and values.to_numpy().sum() == 185
    dc = SEG.demand_class_summary(_segments()).set_index("demand_class")
    assert dc.loc["smooth", "series"] == 2 and dc.loc["smooth", "annual_value"] == 130


def test_health_by_sums_before_ratios():
    health = pd.DataFrame(
        {
            "item_id": ["i1", "i2", "i3", "i4"],
            "location_id": ["L1", "L1", "L2", "L2"],
            "stock_value": [10.0, 30, 5, 5],
            "avg_value": [10.0, 30, 10, 0],
            "cogs": [40.0, 20, 10, 0],
            "gross_margin": [8.0, 4, 1, 0],
            "carrying_cost": [2.5, 7.5, 2.5, 0],
        }
    )
    by = SEG.health_by(health, _segments(), by=["abc"]).set_index("abc")
    # class A: COGS 60 / average value 40 = 1.5 turns (not the mean of 4 and 0.67)
    assert by.loc["A", "turns"] == pytest.approx(1.5)
    assert by.loc["A", "days_of_supply"] == pytest.approx(365 / 1.5)
    assert by.loc["A", "gmroi"] == pytest.approx(12 / 40)
    assert np.isnan(by.loc["C", "turns"])  # no average inventory: turns unknown, not infinite


def test_slob_summary_counts_and_values():
    rows = pd.DataFrame(
        {
            "item_id": ["a", "b", "c"],
            "status": ["obsolete", "obsolete", "slow-moving"],
            "disposition": ["scrap", "scrap", "stop"],
            "value_at_risk": [5.0, 7.0, 3.0],
        }
    )
    out = SEG.slob_summary(rows).set_index("status")
    assert out.loc["obsolete", "item_locations"] == 2 and out.loc["obsolete", "value_at_risk"] == 12


def _ss_result():
    return pd.DataFrame(
        {
            "item_id": ["a", "b", "c"],
            "abc": ["B", "A", "A"],
            "service_target": [0.95, 0.98, 0.98],
            "safety_stock_value": [10.0, 30, 20],
            "avg_cycle_stock_value": [5.0, 5, 5],
            "current_value": [10.0, 50, 0],
        }
    )


def test_segment_summary_change_and_order():
    r = _ss_result()
    r["target_avg_stock_value"] = r["safety_stock_value"] + r["avg_cycle_stock_value"]
    s = SS.segment_summary(r, "abc")
    assert list(s["abc"]) == ["A", "B"]  # highest target first
    a = s.iloc[0]
    assert (a["series"], a["safety_stock_value"], a["target_avg_stock_value"]) == (2, 50, 60)
    assert a["change"] == 60 - 50


def test_with_current_stock_fills_missing_positions():
    r = _ss_result().drop(columns="current_value").assign(location_id="L1")
    pos = pd.DataFrame(
        {"item_id": ["a"], "location_id": ["L1"], "on_hand_qty": [4.0], "stock_value": [8.0]}
    )
    out = SS.with_current_stock(r, pos)
    assert list(out["current_value"]) == [8.0, 0.0, 0.0]
    assert list(out["target_avg_stock_value"]) == [15.0, 35.0, 25.0]


def test_what_if_table_and_next_level_cost():
    curve = pd.DataFrame(
        {
            "abc": ["A", "A", "A", "B", "B", "B"],
            "service_level": [0.95, 0.98, 0.99] * 2,
            "safety_stock_value": [10.0, 20, 35, 1, 2, 4],
        }
    )
    wi = SS.what_if_table(curve, "abc", order=["B", "A"])
    assert list(wi.index) == ["B", "A"] and wi.loc["A", 0.99] == 35
    by_seg = pd.DataFrame(
        {"abc": ["A", "B"], "target": [0.98, 0.95], "safety_stock_value": [20, 1]}
    )
    step = SS.next_level_cost(by_seg, wi, "abc")
    assert step == {"segment": "A", "target": 0.98, "next": 0.99, "delta": 15.0}
    # a target between two levels: the step is from the level below it to the one above
    by_seg.loc[0, "target"] = 0.975
    assert SS.next_level_cost(by_seg, wi, "abc")["delta"] == 20 - 10


def test_service_targets_by_abc_and_tier():
    inputs = pd.DataFrame({"item_id": ["a", "b"], "location_id": ["L1", "L1"], "abc": ["A", "C"]})
    out, group = SS.with_service_targets(inputs, "abc", {"A": 0.98, "C": 0.9})
    assert group == "abc" and list(out["service_target"]) == [0.98, 0.9]
    sales = pd.DataFrame(
        {"item_id": ["a"], "location_id": ["L1"], "customer_id": ["c1"], "ordered_qty": [5.0]}
    )
    customers = pd.DataFrame({"customer_id": ["c1"], "service_tier": ["platinum"]})
    targets = {"platinum": 0.99, "standard": 0.92}
    out, group = SS.with_service_targets(inputs, "tier", targets, sales, customers)
    assert group == "service_tier" and list(out["service_tier"]) == ["platinum", "standard"]
    assert list(out["service_target"]) == [0.99, 0.92]


def test_simulate_targets_baseline_and_a_raised_target():
    inputs = pd.DataFrame(
        {
            "item_id": ["a", "b"],
            "abc": ["A", "B"],
            "mean_demand": [2500.0, 2500.0],
            "std_demand": [500.0, 500.0],
            "lead_time": [2.0, 2.0],
            "lead_time_std": [0.0, 0.0],
            "unit_cost": [10.0, 10.0],
            "service_target": [0.9, 0.9],
        }
    )
    kw = dict(measure="cycle_service", variability="demand", periods_per_year=52)
    base = SS.safety_stock_table(inputs, **kw).assign(current_value=0.0)
    base["target_avg_stock_value"] = base["safety_stock_value"] + base["avg_cycle_stock_value"]
    by_seg = SS.segment_summary(base, "abc")
    same = SS.simulate_targets(inputs, by_seg, "abc", {"A": 0.9, "B": 0.9}, **kw)
    assert same["change"].abs().max() < 1e-9
    up = SS.simulate_targets(inputs, by_seg, "abc", {"A": 0.95, "B": 0.9}, **kw).set_index("abc")
    # z(0.95) x 500 x sqrt(2) x $10 - z(0.90) x 500 x sqrt(2) x $10
    z = stats.norm.ppf([0.95, 0.9])
    assert up.loc["A", "change"] == pytest.approx((z[0] - z[1]) * 500 * 2**0.5 * 10, rel=1e-6)
    assert up.loc["B", "change"] == pytest.approx(0)


def test_summary_sentences_use_the_tables():
    seg_lines = SEG.summary_lines(
        _segments(),
        pd.DataFrame(
            {
                "avg_value": [10.0],
                "cogs": [30.0],
                "carrying_cost": [2.5],
                "persistent_low_turns": [1],
            }
        ),
        pd.DataFrame({"status": ["obsolete"], "value_at_risk": [4.0]}),
        pd.DataFrame({"item_id": ["i9"]}),
        pd.DataFrame({"segment": ["AX", "AY", "BX"], "value_share": [0.5, 0.3, 0.2]}),
        40.0,
        2.0,
        money=lambda v: f"${v:.0f}",
        window_months=6,
    )
    assert "last 6 months" in seg_lines[0] and "class A is 50% of them and 80%" in seg_lines[0]
    assert "turning 3.0 times a year" in seg_lines[1]
    assert "$4 (10.0% of stock)" in seg_lines[2]
    assert seg_lines[4].startswith("1 item sells below cost")
