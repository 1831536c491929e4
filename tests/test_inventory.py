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
    assert p.loc["A", "cv2"] == pytest.approx((np.std([10, 10, 20]) / np.mean([10, 10, 20])) ** 2)
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
