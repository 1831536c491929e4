"""Supplier development: DiD impact with a placebo permutation test, ROI, gaps and pipeline."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from scmlib.errors import DataError, ParameterError
from scmlib.suppliers import development as D


def test_did_reproduces_card_and_krueger():
    # Card & Krueger (1994), Table 3, FTE employment per store: NJ 20.44 -> 21.03, PA 23.33 ->
    # 21.17; DiD 2.76 in the paper (2.75 from the rounded means)
    assert D.did_estimate(20.44, 21.03, 23.33, 21.17) == pytest.approx(2.75, abs=1e-9)


def test_placebo_p_value_counts_controls_at_least_as_favourable():
    assert D.placebo_p_value(5.0, np.arange(19.0) / 10) == pytest.approx(0.05)
    assert D.placebo_p_value(10.0, np.arange(19.0)) == pytest.approx(10 / 20)  # 10..18 tie or beat
    assert D.placebo_p_value(-1.0, np.array([0.0, 1.0, np.nan])) == pytest.approx(1.0)


def _obs(n_controls: int = 19, treated_after: float = 0.95) -> pd.DataFrame:
    """Monthly OTIF observations: every supplier 0.70 before March 2025; controls move by
    0.01 x k afterwards (k = 0..n-1), the treated supplier T jumps to ``treated_after``."""
    dates = pd.date_range("2024-09-01", "2025-09-30", freq="7D")
    rows = []
    for k, sid in enumerate(["T", *[f"C{i:02d}" for i in range(n_controls)]]):
        after = treated_after if sid == "T" else 0.70 + 0.01 * (k - 1)
        v = np.where(dates < pd.Timestamp("2025-03-01"), 0.70, after)
        rows.append(pd.DataFrame({"supplier_id": sid, "kpi": "otif", "date": dates, "value": v}))
    return pd.concat(rows, ignore_index=True).assign(weight=1.0)


PROG = pd.DataFrame(
    {
        "programme_id": ["P1"],
        "supplier_id": ["T"],
        "target_kpi": ["otif"],
        "start_date": pd.to_datetime(["2025-03-01"]),
        "baseline": [0.70],
        "target": [0.90],
        "cost": [10_000.0],
        "status": ["completed"],
    }
)


def test_programme_impact_known_answer():
    obs = _obs()
    imp = D.programme_impact(obs, PROG, months_before=6, months_after=6)
    r = imp.iloc[0]
    # controls change 0.00..0.18, mean 0.09; treated +0.25: DiD 0.16
    assert r["before"] == pytest.approx(0.70)
    assert r["after"] == pytest.approx(0.95)
    assert r["control_change"] == pytest.approx(0.09)
    assert r["did"] == pytest.approx(0.16)
    assert r["controls"] == 19
    assert r["p_value"] == pytest.approx(0.05)  # beats all 19 placebos: 1 / 20
    assert r["verdict"] == "improved"


def test_programme_impact_not_significant_and_few_controls():
    # the treated improves by 0.10: three controls (0.16..0.18) beat the placebo-adjusted effect
    imp = D.programme_impact(_obs(treated_after=0.80), PROG)
    assert imp.iloc[0]["verdict"] == "not significant"
    few = D.programme_impact(_obs(n_controls=5), PROG)
    assert few.iloc[0]["p_value"] == pytest.approx(1 / 6)
    assert few.iloc[0]["verdict"] == "improved (few controls)"


def test_programme_impact_too_early_and_not_measured():
    late = PROG.assign(start_date=pd.to_datetime(["2025-07-01"]))
    assert D.programme_impact(_obs(), late).iloc[0]["verdict"] == "too early"
    new = PROG.assign(supplier_id=["NEW"])
    assert D.programme_impact(_obs(), new).iloc[0]["verdict"] == "not measured"


def test_lower_is_better_kpis_count_a_fall_as_improvement():
    obs = _obs().assign(kpi="ppm")
    obs["value"] = 5000 * obs["value"]  # 3,500 PPM before; treated 4,750 after: worse
    imp = D.programme_impact(obs, PROG.assign(target_kpi=["ppm"]))
    assert imp.iloc[0]["improvement"] < 0 and imp.iloc[0]["verdict"] == "no improvement"


def test_roi_known_answer():
    imp = pd.DataFrame(
        {
            "programme_id": ["P1", "P2", "P3"],
            "supplier_id": ["A", "B", "C"],
            "target_kpi": ["otif", "ppm", "lead_time_days"],
            "improvement": [0.10, 1000.0, 5.0],
        }
    )
    prog = pd.DataFrame({"programme_id": ["P1", "P2", "P3"], "cost": [1000.0, 500.0, 0.0]})
    vol = pd.DataFrame(
        {
            "supplier_id": ["A", "B", "C"],
            "lines": [200.0, 0, 0],
            "units": [0, 100_000.0, 0],
            "price": [0, 2.0, 0],
            "spend": [0, 0, 365_000.0],
        }
    )
    r = D.programme_roi(imp, prog, vol, cost_per_late_line=250, defect_cost_multiple=3,
                        holding_rate=0.2)  # fmt: skip
    # 0.10 x 200 x 250 = 5,000; 1000/1e6 x 100,000 x 2 x 3 = 600; 5 x 365,000/365 x 0.2 = 1,000
    assert r["annual_value"].tolist() == pytest.approx([5000.0, 600.0, 1000.0])
    assert r["roi"].iloc[0] == pytest.approx(5.0) and r["roi"].iloc[1] == pytest.approx(1.2)
    assert np.isnan(r["roi"].iloc[2])  # no cost: no ratio
    with pytest.raises(ParameterError):
        D.programme_roi(imp, prog, vol, -1, 1, 0.2)


def test_gaps_and_pipeline():
    card = pd.DataFrame(
        {
            "supplier_id": ["A", "B", "C", "D"],
            "name": ["a", "b", "c", "d"],
            "otif": [0.80, 0.97, np.nan, 0.90],
            "ppm": [3000.0, 100.0, 500.0, 100.0],
            "score": [60.0, 90.0, 65.0, 50.0],
            "grade": ["C", "A", "C", "D"],
            "spend": [1000.0, 500.0, 100.0, 10.0],
            "meets_otif_target": pd.array([False, True, pd.NA, False], dtype="boolean"),
            "meets_ppm_target": pd.array([False, True, True, True], dtype="boolean"),
        }
    )
    g = D.kpi_gaps(card, {"otif": 0.95, "ppm": 2500})
    otif = g[g["kpi"] == "otif"].set_index("supplier_id")["gap"]
    assert otif["A"] == pytest.approx(0.15) and otif["B"] == 0 and np.isnan(otif["C"])
    assert g[(g["kpi"] == "ppm") & (g["supplier_id"] == "A")]["gap"].item() == pytest.approx(500)
    busy = pd.DataFrame({"supplier_id": ["C"], "status": ["active"]})
    pipe = D.candidate_pipeline(card, busy, critical_suppliers={"D"}, spend_share=0.6)
    # A: high spend, low score; C has a programme; D only critical; B performs
    assert pipe["supplier_id"].tolist() == ["A", "D"]
    assert pipe.iloc[0]["reason"].startswith("high spend: score 60.0 below 70")
    assert "OTIF below target" in pipe.iloc[0]["reason"]
    assert pipe.iloc[1]["reason"].startswith("critical segment")


def test_bad_programme_dates_are_one_line_errors():
    bad = PROG.assign(end_date=pd.to_datetime(["2024-01-01"]))
    with pytest.raises(DataError, match="supplier_programmes: column 'end_date'.*P1"):
        D.check_programmes(bad)
    with pytest.raises(ParameterError, match="months_before"):
        D.programme_impact(_obs(), PROG, months_before=0)


def test_kpi_observations_pool_like_the_scorecard():
    po = pd.DataFrame(
        {
            "po_id": ["P1", "P2"],
            "supplier_id": ["A", "A"],
            "order_date": pd.to_datetime(["2025-01-01", "2025-01-01"]),
            "promised_date": pd.to_datetime(["2025-01-20", "2025-01-20"]),
            "receipt_date": pd.to_datetime(["2025-01-20", "2025-01-25"]),
            "ordered_qty": [10.0, 10.0],
            "received_qty": [10.0, 10.0],
            "unit_price": [1.0, 1.0],
        }
    )
    q = pd.DataFrame(
        {
            "supplier_id": ["A", "A"],
            "receipt_date": pd.to_datetime(["2025-01-20", "2025-01-25"]),
            "received_qty": [1000.0, 3000.0],
            "rejected_qty": [4.0, 0.0],
        }
    )
    obs = D.kpi_observations(po, q)
    w = obs.assign(wv=obs["value"] * obs["weight"]).groupby("kpi")[["wv", "weight"]].sum()
    kpi = w["wv"] / w["weight"]
    assert kpi["otif"] == pytest.approx(0.5)
    assert kpi["lead_time_days"] == pytest.approx(21.5)
    assert kpi["ppm"] == pytest.approx(1000.0)  # 4 / 4,000 units, pooled


def test_pipeline_score_has_one_decimal_so_69_8_does_not_read_70():
    card = pd.DataFrame(
        {"supplier_id": ["A"], "score": [69.8], "spend": [100.0], "otif": [0.9], "ppm": [0.0]}
    )
    pipe = D.candidate_pipeline(card, None)
    assert pipe["reason"].item() == "high spend: score 69.8 below 70"


def test_progress_capped_with_words_and_one_baseline():
    prog = pd.DataFrame(
        {
            "programme_id": ["A", "B", "C", "P"],
            "supplier_id": ["S1", "S2", "S3", "S4"],
            "target_kpi": ["otif", "otif", "lead_time_days", "otif"],
            "start_date": pd.Timestamp("2024-01-01"),
            "target": [0.9, 0.9, 10.0, 0.9],
            "cost": 1.0,
            "status": ["active", "active", "active", "planned"],
            "baseline": [0.5, 0.8, 13.6, 0.8],
        }
    )
    obs = pd.DataFrame(
        {
            "supplier_id": ["S1", "S2", "S3", "S4"],
            "kpi": ["otif", "otif", "lead_time_days", "otif"],
            "date": pd.Timestamp("2024-06-01"),
            "value": [0.85, 0.95, 18.0, 0.7],
            "weight": 1.0,
        }
    )
    # measured baselines replace the recorded ones where present: A 0.80, C 16.4 days
    r = D.programme_progress(
        prog, obs, pd.Timestamp("2024-06-30"), baseline=pd.Series({"A": 0.8, "C": 16.4})
    )
    assert r["baseline"].tolist() == pytest.approx([0.8, 0.8, 16.4, 0.8])
    assert r["progress"].iloc[0] == pytest.approx(0.5)
    assert r["progress_raw"].iloc[1] == pytest.approx(1.5) and r["progress"].iloc[1] == 1.0
    # lead time 16.4 -> 18.0 against a target of 10: moved away, shown as 0%
    assert r["progress"].iloc[2] == 0.0
    assert r["progress_note"].tolist()[:3] == [
        "",
        "overshot the target",
        "moved away from the target",
    ]
    assert np.isnan(r["progress"].iloc[3])
    shown = D.programmes_display(r)
    assert shown["baseline"].tolist()[2] == "16.4 days"
    assert shown["progress_text"].tolist() == [
        "50%",
        "100% (overshot the target)",
        "0% (moved away from the target)",
        "–",
    ]
