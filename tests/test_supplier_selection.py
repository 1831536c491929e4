"""Supplier selection: normalisation, knock-outs, TCO, weight sensitivity, rank stability,
TOPSIS against Hwang & Yoon (1981) and AHP against Saaty (1990), with known answers."""

import numpy as np
import pandas as pd
import pytest

from scmlib.errors import DataError, ParameterError
from scmlib.procurement import selection as S


def test_weights_percent_or_share_and_one_line_errors():
    assert S.check_weights({"cost": 40, "quality": 60}).sum() == pytest.approx(1.0)
    with pytest.raises(ParameterError, match="sum to 95, not 100%"):
        S.check_weights({"cost": 40, "quality": 55})
    with pytest.raises(ParameterError, match="unknown criterion"):
        S.check_weights({"price": 1.0})


def test_normalisation_rules():
    x = pd.Series([50.0, 100.0, 200.0])
    assert S.normalise(x, "linear").tolist() == [25.0, 50.0, 100.0]
    assert S.normalise(x, "linear", higher_is_better=False).tolist() == [100.0, 50.0, 25.0]
    assert S.normalise(x, "minmax", higher_is_better=False).round(6).tolist() == [
        100.0,
        66.666667,
        0.0,
    ]
    assert S.normalise(x, "lowest_over_offer", False).tolist() == [100.0, 50.0, 25.0]
    assert S.normalise(pd.Series([4.0, 5.0]), "scale", scale_max=5).tolist() == [80.0, 100.0]
    assert S.normalise(pd.Series([20.0]), "scale", False, 100).tolist() == [80.0]
    with pytest.raises(ParameterError, match="normalisation rule"):
        S.normalise(x, "log")


def test_weighted_scores_and_unmeasured_median():
    facts = pd.DataFrame({"supplier_id": ["A", "B", "C"], "otif": [0.9, 0.8, np.nan]})
    sc = S.criterion_scores(facts, {"delivery": {"column": "otif", "rule": "linear"}})
    assert sc["score"].round(4).tolist() == [100.0, 88.8889, 94.4444]  # C: median of A, B
    assert sc["measured"].tolist() == [True, True, False]
    long = pd.DataFrame(
        {
            "supplier_id": ["A", "A", "B", "B"],
            "criterion": ["quality", "cost", "quality", "cost"],
            "score": [100.0, 50.0, 60.0, 100.0],
        }
    )
    w = S.weighted_scores(long, {"quality": 0.5, "cost": 0.5})
    assert w["supplier_id"].tolist() == ["B", "A"] and w["total"].tolist() == [80.0, 75.0]


def test_knock_outs():
    facts = pd.DataFrame({"supplier_id": ["A", "B", "C"], "ppm": [500.0, 12000.0, np.nan]})
    k = S.knock_outs(facts, {"ppm": ["<=", 10000]})
    assert k["knocked_out"].tolist() == [False, True, False]
    assert "ppm 12000 not <= 10000" in k.loc[1, "reason"]
    assert k.loc[2, "unmeasured"] == "ppm"
    with pytest.raises(ParameterError, match="op, threshold"):
        S.knock_outs(facts, {"ppm": 10000})


def test_tco_components_by_hand():
    o = pd.DataFrame(
        {
            "supplier_id": ["A"],
            "unit_price": [10.0],
            "volume": [1000.0],
            "tooling_cost": [3000.0],
            "freight_rate": [0.05],
            "duty_rate": [0.02],
            "ppm": [5000.0],
            "lead_time_days": [73.0],
            "payment_days": [60.0],
        }
    )
    t = S.total_cost_of_ownership(
        o, holding_rate=0.25, capital_rate=0.073, standard_payment_days=30, tooling_years=3
    ).iloc[0]
    # 10,000 price; 1,000 tooling; 500 freight; 200 duty; 50 quality; 10,000 x .25 x 73/365 = 500;
    # payment terms: -10,000 x 7.3% x 30/365 = -60
    assert t["tooling"] == 1000 and t["freight"] == 500 and t["duties"] == 200
    assert t["quality_cost"] == pytest.approx(50) and t["inventory_carrying"] == pytest.approx(500)
    assert t["payment_terms"] == pytest.approx(-60)
    assert t["tco"] == pytest.approx(12190) and t["tco_per_unit"] == pytest.approx(12.19)


def test_weight_sensitivity_exact_crossover_matches_brute_force():
    m = pd.DataFrame(
        {"quality": [90.0, 60.0, 70.0], "cost": [60.0, 100.0, 75.0]}, index=["A", "B", "C"]
    )
    w = {"quality": 0.6, "cost": 0.4}
    s = S.weight_sensitivity(m, w).set_index("criterion")
    # A: 0.6x90+0.4x60 = 78; B: 76. A = B where 90t + 60(1-t) = 60t + 100(1-t): t = 4/7
    assert s.loc["quality", "leader"] == "A"
    assert s.loc["quality", "low"] == pytest.approx(4 / 7)
    assert s.loc["quality", "below_by"] == "B" and s.loc["quality", "high"] == 1.0
    assert s.loc["cost", "high"] == pytest.approx(3 / 7)
    grid = np.linspace(0, 1, 7001)
    tot = np.outer(m["quality"], grid) + np.outer(m["cost"], 1 - grid)
    keeps = grid[tot.argmax(axis=0) == 0]
    assert keeps.min() == pytest.approx(4 / 7, abs=2e-4)


def test_rank_stability_dirichlet():
    m = pd.DataFrame({"quality": [90.0, 60.0], "cost": [60.0, 100.0]}, index=["A", "B"])
    r = S.rank_stability(m, {"quality": 0.6, "cost": 0.4}, samples=4000, concentration=30, seed=1)
    a = r.set_index("supplier_id")
    assert a["first_share"].sum() == pytest.approx(1.0)
    # A leads while the quality weight > 4/7 = 0.571; weight ~ Beta(18, 12): P(w > 0.571) ~ 0.62
    assert 0.55 < a.loc["A", "first_share"] < 0.70
    r2 = S.rank_stability(m, {"quality": 0.6, "cost": 0.4}, samples=4000, concentration=5000)
    assert r2.set_index("supplier_id").loc["A", "first_share"] > 0.95


def test_topsis_hwang_yoon_1981_fighter_aircraft():
    """Hwang & Yoon (1981), Multiple Attribute Decision Making, p. 133: C* = 0.643, 0.268,
    0.613, 0.312 (acquisition cost X4 is a cost criterion)."""
    m = pd.DataFrame(
        [
            [2.0, 1500, 20000, 5.5, 5, 9],
            [2.5, 2700, 18000, 6.5, 3, 5],
            [1.8, 2000, 21000, 4.5, 7, 7],
            [2.2, 1800, 20000, 5.0, 5, 5],
        ],
        index=["A1", "A2", "A3", "A4"],
        columns=["X1", "X2", "X3", "X4", "X5", "X6"],
    )
    w = {"X1": 0.2, "X2": 0.1, "X3": 0.1, "X4": 0.1, "X5": 0.2, "X6": 0.3}
    t = S.topsis(m, w, {"X4": False}).set_index("supplier_id")
    # the book rounds its intermediate steps: agreement to 0.001
    got = t.loc[["A1", "A2", "A3", "A4"], "closeness"].to_numpy()
    assert np.allclose(got, [0.643, 0.268, 0.613, 0.312], atol=1e-3)
    assert t["rank"].to_dict() == {"A1": 1, "A3": 2, "A4": 3, "A2": 4}


def test_ahp_saaty_1990_house_example_and_pymcdm_agree():
    """Saaty (1990), EJOR 48: 9-26, buying a house: priorities 0.173 ... 0.333, lambda_max
    9.669, CR 0.169 (Saaty's RI for n = 8 is 1.41)."""
    A = np.array(
        [
            [1, 5, 3, 7, 6, 6, 1 / 3, 1 / 4],
            [1 / 5, 1, 1 / 3, 5, 3, 3, 1 / 5, 1 / 7],
            [1 / 3, 3, 1, 6, 3, 4, 6, 1 / 5],
            [1 / 7, 1 / 5, 1 / 6, 1, 1 / 3, 1 / 4, 1 / 7, 1 / 8],
            [1 / 6, 1 / 3, 1 / 3, 3, 1, 1 / 2, 1 / 5, 1 / 6],
            [1 / 6, 1 / 3, 1 / 4, 4, 2, 1, 1 / 5, 1 / 6],
            [3, 5, 1 / 6, 7, 5, 5, 1, 1 / 2],
            [4, 7, 5, 8, 6, 6, 2, 1],
        ]
    )
    r = S.ahp(A)
    assert np.round(r["weights"], 3).tolist() == [
        0.173,
        0.054,
        0.188,
        0.018,
        0.031,
        0.036,
        0.167,
        0.333,
    ]
    assert r["lambda_max"] == pytest.approx(9.669, abs=5e-4)
    assert r["cr"] == pytest.approx(0.169, abs=5e-4) and not r["consistent"]
    from pymcdm.weights.subjective import AHP

    assert np.allclose(AHP(matrix=A)(), r["weights"], atol=1e-9)
    bad = A.copy()
    bad[0, 1] = 4
    with pytest.raises(ParameterError, match="not reciprocal"):
        S.ahp(bad)


def test_compare_methods_spearman():
    w = pd.DataFrame({"supplier_id": ["A", "B", "C"], "total": [80, 70, 60], "rank": [1, 2, 3]})
    t = pd.DataFrame(
        {"supplier_id": ["A", "B", "C"], "closeness": [0.5, 0.7, 0.2], "rank": [2, 1, 3]}
    )
    c = S.compare_methods(w, t)
    assert c["rank_change"].tolist() == [1, -1, 0] and c.attrs["spearman"] == pytest.approx(0.5)


def test_cost_normalisation_refuses_zero_price():
    with pytest.raises(DataError, match="values > 0"):
        S.normalise(pd.Series([0.0, 2.0]), "lowest_over_offer", False)


def test_fragility_rule_margin_and_first_share():
    # A leads B by 2 points; quality weight 0.6 keeps A first from 4/7 (distance 0.029)
    m = pd.DataFrame({"quality": [90.0, 60.0], "cost": [60.0, 100.0]}, index=["A", "B"])
    w = {"quality": 0.6, "cost": 0.4}
    scores = m.reset_index(names="supplier_id").melt(
        "supplier_id", var_name="criterion", value_name="score"
    )
    ranking = S.weighted_scores(scores, w)
    sens = S.weight_sensitivity(m, w)
    stab = pd.DataFrame({"supplier_id": ["A", "B"], "first_share": [0.62, 0.38]})
    f = S.fragility(ranking, sens, stab, min_margin=1.0, min_first_share=0.75)
    assert f["margin"] == pytest.approx(2.0) and f["leader"] == "A" and f["runner_up"] == "B"
    assert f["fragile"] and f["reasons"] == ["first in 62.0% of draws, below 75%"]
    assert f["flip_criterion"] == "quality" and f["flip_to"] == "B"
    assert f["flip_at"] == pytest.approx(4 / 7) and f["flip_by"] == pytest.approx(0.6 - 4 / 7)
    # defaults: 1 point and 75% of draws; a 2-point lead won in 80% of draws is robust
    robust = S.fragility(ranking, sens, stab.assign(first_share=[0.8, 0.2]))
    assert not robust["fragile"] and robust["reasons"] == []
    tight = S.fragility(ranking, sens, stab.assign(first_share=[0.8, 0.2]), min_margin=2.5)
    assert tight["fragile"] and tight["reasons"] == ["lead of 2.00 points, below 2.5"]
    with pytest.raises(ParameterError, match="min_first_share"):
        S.fragility(ranking, sens, stab, min_first_share=75)


def test_dirichlet_spread_matches_draws():
    w = {"quality": 0.2, "cost": 0.3, "risk": 0.5}
    sd = S.dirichlet_spread(w, 50)
    draws = np.random.default_rng(3).dirichlet(50 * np.array([0.2, 0.3, 0.5]), 20000)
    assert sd.to_numpy() == pytest.approx(draws.std(axis=0), rel=0.03)


def test_summary_says_fragile_and_what_settles_it():
    from scmlib.processes import supplier_selection as SS

    facts = pd.DataFrame(
        {
            "supplier_id": ["A", "B"],
            "name": ["Alpha Ltd", "Beta plc"],
            "tco": [1000.0, 900.0],
            "new_supplier": [False, False],
        }
    )
    m = pd.DataFrame({"quality": [90.0, 60.0], "cost": [60.0, 100.0]}, index=["A", "B"])
    w = {"quality": 0.6, "cost": 0.4}
    scores = m.reset_index(names="supplier_id").melt(
        "supplier_id", var_name="criterion", value_name="score"
    )
    ranking = S.weighted_scores(scores, w)
    sens = S.weight_sensitivity(m, w)
    stab = pd.DataFrame({"supplier_id": ["A", "B"], "first_share": [0.54, 0.46]})
    result = {
        "ranking": ranking,
        "knockouts": pd.DataFrame({"knocked_out": [False, False]}),
        "fragility": S.fragility(ranking, sens, stab),
    }
    lot = pd.Series({"rfx_id": "R1", "lot_id": "L1", "description": "bolts"})
    pts = SS.summary_points(lot, facts, result, lambda v: f"${v:,.0f}", "weights set directly")
    fragile = next(p for p in pts if "fragile" in p)
    assert "Alpha Ltd leads Beta plc by only 2.00 points" in fragile
    assert "first in 54.0% of random weight draws" in fragile
    assert "lowering the quality weight from 60.0% to 57.1% (2.9 percentage points)" in fragile
    assert "confirm the quality weight" in fragile
    # the leader can take 42% of the lot on a 13-line record: the summary says both
    thin = facts.assign(capacity_cover=[0.423, 1.2], po_lines=[13, 300])
    lot = pd.concat([lot, pd.Series({"quantity": 3570.0, "unit": "each"})])
    pts = SS.summary_points(lot, thin, result, lambda v: f"${v:,.0f}", "weights set directly")
    assert any("Alpha Ltd can supply 42% of the lot's 3,570 units" in p for p in pts)
    assert any("rests on 13 PO lines" in p for p in pts)
    pts = SS.summary_points(lot, thin.assign(capacity_cover=1.5, po_lines=300), result, str, "w")
    assert not any("can supply" in p or "rests on" in p for p in pts)
