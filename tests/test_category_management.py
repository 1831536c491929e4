"""Category management: HHI against the DoJ/FTC examples, Kraljic positioning on a constructed
case with a known answer, Laspeyres against a hand-computed index, movement and the previous
review's output."""

import json

import numpy as np
import pandas as pd
import pytest

from scmlib.errors import ParameterError
from scmlib.procurement import category as CM


def test_hhi_doj_example_and_bands():
    # U.S. DoJ, "Herfindahl-Hirschman Index": shares 30, 30, 20, 20 -> HHI 2,600
    assert CM.hhi([0.3, 0.3, 0.2, 0.2]) == pytest.approx(2600)
    assert CM.hhi([30, 30, 20, 20]) == pytest.approx(2600)  # shares renormalised
    # the two 20% firms merge: change 2 x 20 x 20 = 800 -> 3,400, a highly concentrated market
    assert CM.hhi_delta(0.2, 0.2) == pytest.approx(800)
    assert CM.hhi([0.3, 0.3, 0.4]) == pytest.approx(2600 + 800)
    bands = CM.concentration_band([1801, 1800, 1000, 999.9])
    assert list(bands) == [
        "highly concentrated",
        "moderately concentrated",
        "moderately concentrated",
        "unconcentrated",
    ]


def test_laspeyres_hand_computed():
    # (1.1 x 10 + 2.4 x 5) / (1 x 10 + 2 x 5) = 23 / 20
    assert CM.laspeyres([1.0, 2.0], [10, 5], [1.1, 2.4]) == pytest.approx(1.15)


def _lines():
    rows = []
    # A: big spend, one supplier; B: big spend, four equal suppliers; C: small, one supplier;
    # D: small, five equal suppliers
    for cat, sups, total in (("A", 1, 500.0), ("B", 4, 480.0), ("C", 1, 20.0), ("D", 5, 25.0)):
        for k in range(sups):
            rows.append(
                {
                    "category": cat,
                    "supplier": f"{cat}{k}",
                    "supplier_id": f"{cat}{k}",
                    "invoice_date": pd.Timestamp("2026-06-15"),
                    "amount_rc": total / sups,
                }
            )
    return pd.DataFrame(rows)


WINDOW = (pd.Timestamp("2025-11-01"), pd.Timestamp("2026-10-31"))


def test_market_concentration_and_annual_spend():
    m = CM.category_market(_lines(), WINDOW).set_index("category")
    assert m.loc["A", "hhi"] == pytest.approx(10_000)
    assert m.loc["B", "hhi"] == pytest.approx(2500)  # four equal shares: 4 x 25^2
    assert m.loc["D", "hhi"] == pytest.approx(2000)
    assert m.loc["B", "concentration"] == "highly concentrated"
    assert m.loc["A", "annual_spend"] == pytest.approx(500)  # a 12-month window: x 1
    assert m["spend_share"].sum() == pytest.approx(1)


def test_kraljic_constructed_case_known_quadrants():
    """A: large spend, one supplier -> strategic; B: large, four suppliers -> leverage;
    C: small, one supplier -> bottleneck; D: small, five suppliers -> non-critical."""
    m = CM.category_market(_lines(), WINDOW)
    ind = CM.kraljic_indicators(m, switching_cost={"A": 1, "B": 0, "C": 1, "D": 0})
    pos = CM.kraljic_positions(
        ind,
        m,
        profit_weights={"spend_share": 1.0},
        risk_weights={
            "supplier_scarcity": 0.5,
            "supplier_concentration": 0.3,
            "switching_cost": 0.2,
        },
    ).set_index("category")
    assert pos["quadrant"].to_dict() == {
        "A": "strategic",
        "B": "leverage",
        "C": "bottleneck",
        "D": "non-critical",
    }
    # profit impact of B = its spend share / A's = 480 / 500; risk of B = 0.5/4 + 0.3 x 0.25
    assert pos.loc["B", "profit_impact"] == pytest.approx(0.96)
    assert pos.loc["B", "supply_risk"] == pytest.approx(0.125 + 0.075)
    assert pos.loc["A", "strategy"] == "partnership"
    qs = CM.quadrant_summary(pos.reset_index()).set_index("quadrant")
    assert list(qs.index) == list(CM.QUADRANTS)
    assert qs.loc["leverage", "members"] == "B"


def test_weights_and_cutoffs_refused():
    m = CM.category_market(_lines(), WINDOW)
    ind = CM.kraljic_indicators(m)
    with pytest.raises(ParameterError, match="sum to 100%"):
        CM.kraljic_positions(ind, m, profit_weights={"spend_share": 0.6, "criticality": 0.2})
    with pytest.raises(ParameterError, match="unknown indicator"):
        CM.kraljic_positions(ind, m, risk_weights={"weather": 1.0})
    with pytest.raises(ParameterError, match="cutoffs"):
        CM.kraljic_positions(ind, m, cutoffs={"profit_impact": 1.5, "supply_risk": 0.5})


def test_unmeasured_indicator_drops_out():
    ind = pd.DataFrame({"a": [1.0, 0.2], "b": [np.nan, 0.4]})
    idx = CM.weighted_index(ind, {"a": 0.5, "b": 0.5})
    assert list(idx) == pytest.approx([1.0, 0.3])


def test_movement_and_previous_run(tmp_path):
    cur = pd.DataFrame(
        {
            "category": ["A", "B", "N"],
            "quadrant": ["strategic", "leverage", "bottleneck"],
            "profit_impact": [0.9, 0.8, 0.1],
            "supply_risk": [0.8, 0.3, 0.7],
        }
    )
    prev = pd.DataFrame(
        {
            "category": ["A", "B", "Z"],
            "quadrant": ["strategic", "strategic", "non-critical"],
            "profit_impact": [0.9, 0.8, 0.1],
            "supply_risk": [0.8, 0.6, 0.1],
        }
    )
    mv = CM.movement(cur, prev).set_index("category")
    assert mv.loc["B", "movement"] == "strategic -> leverage"
    assert mv.loc["B", "supply_risk_change"] == pytest.approx(-0.3)
    assert mv.loc["A", "movement"] == "unchanged"
    assert mv.loc["N", "movement"] == "new category"
    assert mv.loc["Z", "movement"] == "no longer bought"
    assert CM.movement(cur, None).empty
    # previous run: the latest earlier successful run of the same parameter set
    root = tmp_path / "category_management"
    for name, status, pset in (
        ("20260101T000000Z-default", "success", "default"),
        ("20260201T000000Z-other", "success", "other"),
        ("20260301T000000Z-default", "failed", "default"),
    ):
        (root / name / "outputs").mkdir(parents=True)
        (root / name / "run.json").write_text(json.dumps({"status": status, "parameter_set": pset}))
        prev.to_csv(root / name / "outputs" / "kraljic_positions.csv", index=False)
    out = root / "20260401T000000Z-default" / "outputs"
    out.mkdir(parents=True)
    frame, run = CM.previous_run_output(out, "kraljic_positions.csv", "default")
    assert run == "20260101T000000Z-default" and len(frame) == 3
    # another parameter set is another method: never compared, whichever ran first
    assert CM.previous_run_output(out, "kraljic_positions.csv", "third") == (None, None)
    _, run = CM.previous_run_output(out, "kraljic_positions.csv")
    assert run == "20260201T000000Z-other"
    first = tmp_path / "fresh" / "20260101T000000Z-default" / "outputs"
    first.mkdir(parents=True)
    assert CM.previous_run_output(first, "kraljic_positions.csv") == (None, None)


def test_price_trend_against_index():
    po = pd.DataFrame(
        {
            "category": "X",
            "item_id": ["i1", "i2", "i1", "i2"],
            "order_date": pd.to_datetime(["2025-03-01", "2025-03-01", "2026-03-01", "2026-03-01"]),
            "ordered_qty": [10.0, 5.0, 20.0, 5.0],
            "unit_price_rc": [1.0, 2.0, 1.1, 2.4],
        }
    )
    ix = pd.DataFrame(
        {
            "category": "X",
            "period": pd.to_datetime(["2025-03-01", "2026-03-01"]),
            "index_value": [100.0, 105.0],
        }
    )
    t = CM.price_trend(po, WINDOW, ix).set_index("category")
    assert t.loc["X", "paid_change"] == pytest.approx(0.15)  # Laspeyres, base quantities
    assert t.loc["X", "index_change"] == pytest.approx(0.05)
    assert t.loc["X", "gap"] == pytest.approx(0.10)
    assert CM.price_trend(None, WINDOW).empty


def _positions():
    cats = ["A", "B", "C", "D", "E", "F"]
    return pd.DataFrame(
        {
            "category": cats,
            "annual_spend": [50.0, 20.0, 10.0, 10.0, 5.0, 5.0],
            "quadrant": ["leverage"] + ["bottleneck"] * 5,
            "suppliers": 2,
            "hhi": 5000.0,
            "risk_driver": "x",
            "single_sourcing": [0.0, 0.8, 0.5, 0.0, 1.0, float("nan")],
        }
    )


def test_summary_counts_from_the_market_table_and_lists_all_bottlenecks():
    pos = _positions()
    trend = pd.DataFrame(
        {
            "category": ["A", "B", "C", "Z"],  # Z not positioned: not in the market view
            "paid_change": [0.05, 0.02, 0.0, 0.5],
            "index_change": [0.01, 0.015, 0.01, 0.0],
        }
    ).assign(gap=lambda d: d["paid_change"] - d["index_change"])
    text = " ".join(CM.summary_lines(pos, pos.iloc[:0], None, trend, str, "w"))
    # gap > 0 in A (+4 pts) and B (+0.5 pts): 2, as the 'Paid minus market' column shows
    assert "faster than the market index in 2 categories" in text
    # every bottleneck named, with its spend, supplier count and single-sourced share
    assert "Bottleneck categories (B 20.0, 2 suppliers, 80% single-sourced; C 10.0" in text
    assert "E 5.0, 2 suppliers, 100% single-sourced; F 5.0, 2 suppliers):" in text
    one = trend[trend["category"] == "A"]
    assert "in 1 category;" in " ".join(CM.summary_lines(pos, pos.iloc[:0], None, one, str, "w"))


def test_indicator_table_raw_share_beside_index():
    pos = _positions()
    ind = pd.DataFrame({"category": pos["category"], "spend_share": [1.0, 0.4, 0.2, 0.2, 0.1, 0.1]})
    t = CM.indicator_table(ind, pos, ["spend_share"])
    assert list(t.columns) == ["category", "spend_share_pct", "spend_share"]
    assert t.loc[0, "spend_share_pct"] == pytest.approx(0.5)
    assert CM.INDICATOR_LABELS["country_risk"] == "Country risk (index 0-1, higher = riskier)"
    # every index header says its scale and its direction, the position indices too
    headers = [v for k, v in CM.INDICATOR_LABELS.items() if k != "spend_share_pct"]
    assert all("index 0-1, " in h for h in headers + list(CM.POSITION_LABELS.values())[:2])
    assert CM.POSITION_LABELS["supply_risk"] == "Supply risk (index 0-1, higher = riskier)"


def test_previous_review_shown_as_a_date_not_a_folder_name():
    assert CM.run_label("20261202T073011Z-default") == "2026-12-02 07:30 UTC, parameter set default"
    assert CM.run_label(None) is None and CM.run_label("manual") == "manual"
