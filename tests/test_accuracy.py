"""Accuracy metrics: hand-computed examples, property-based invariants, FVA and overrides."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scmlib.planning import accuracy as A


def test_metrics_hand_computed():
    # actual 10, 20, 0, 40; forecast 12, 15, 5, 40 -> errors (f - a) 2, -5, 5, 0
    df = pd.DataFrame({"actual": [10.0, 20, 0, 40], "forecast": [12.0, 15, 5, 40]})
    m = A.error_metrics(df).iloc[0]
    assert m["mae"] == pytest.approx(3.0)
    assert m["rmse"] == pytest.approx(np.sqrt((4 + 25 + 25) / 4))
    assert m["wmape"] == pytest.approx(12 / 70)
    assert m["accuracy"] == pytest.approx(1 - 12 / 70)
    assert m["mape"] == pytest.approx(100 * (0.2 + 0.25 + 0) / 3)  # zero actual excluded
    assert m["smape"] == pytest.approx((200 * 2 / 22 + 200 * 5 / 35 + 200 + 0) / 4)
    assert m["bias"] == pytest.approx(0.5) and m["pct_bias"] == pytest.approx(2 / 70)
    assert m["tracking_signal"] == pytest.approx(2 / 3)
    floor = A.error_metrics(df, zero_rule="floor").iloc[0]["mape"]
    assert floor == pytest.approx(100 * (0.2 + 0.25 + 5 + 0) / 4)
    cap = A.error_metrics(df, zero_rule="cap").iloc[0]["mape"]
    assert cap == pytest.approx(100 * (0.2 + 0.25 + 1 + 0) / 4)


def test_mase_and_rmsse_with_seasonal_scale():
    hist = pd.DataFrame(
        {
            "item_id": "A",
            "date": pd.date_range("2024-01-01", periods=4, freq="MS"),
            "quantity": [10.0, 12, 11, 15],
        }
    )
    sc = A.seasonal_scale(hist, ["item_id"], season=1)  # differences 2, -1, 4
    assert sc.loc[0, "scale_mae"] == pytest.approx(7 / 3)
    assert sc.loc[0, "scale_rmse"] == pytest.approx(np.sqrt(21 / 3))
    ev = pd.DataFrame({"item_id": ["A", "A"], "actual": [14.0, 16], "forecast": [15.0, 13]})
    m = A.error_metrics(ev, ["item_id"], scales=sc).iloc[0]
    assert m["mase"] == pytest.approx(2 / (7 / 3))
    assert m["rmsse"] == pytest.approx(np.sqrt(5 / 7))


def test_grouping_by_any_level_and_total():
    df = pd.DataFrame(
        {
            "cat": ["x", "x", "y"],
            "lag": [1, 2, 1],
            "actual": [10.0, 10, 5],
            "forecast": [11.0, 8, 5],
        }
    )
    by = A.error_metrics(df, ["cat"]).set_index("cat")
    assert by.loc["x", "wmape"] == pytest.approx(3 / 20) and by.loc["y", "wmape"] == 0
    assert A.error_metrics(df, ["cat", "lag"]).shape[0] == 3
    with pytest.raises(ValueError, match="zero_rule"):
        A.error_metrics(df, zero_rule="ignore")


positive = st.floats(min_value=0.1, max_value=1e4, allow_nan=False)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.tuples(positive, positive), min_size=3, max_size=30),
    st.floats(min_value=0.01, max_value=1000),
)
def test_wmape_and_mase_are_scale_invariant(pairs, k):
    a = np.array([p[0] for p in pairs])
    f = np.array([p[1] for p in pairs])
    df = pd.DataFrame({"item_id": "A", "actual": a, "forecast": f})
    hist = pd.DataFrame(
        {
            "item_id": "A",
            "date": pd.date_range("2020-01-01", periods=len(a), freq="MS"),
            "quantity": a,
        }
    )
    m1 = A.error_metrics(df, ["item_id"], scales=A.seasonal_scale(hist, ["item_id"], 1)).iloc[0]
    m2 = A.error_metrics(
        df.assign(actual=a * k, forecast=f * k),
        ["item_id"],
        scales=A.seasonal_scale(hist.assign(quantity=a * k), ["item_id"], 1),
    ).iloc[0]
    assert m2["wmape"] == pytest.approx(m1["wmape"], rel=1e-9)
    if np.isfinite(m1["mase"]):
        assert m2["mase"] == pytest.approx(m1["mase"], rel=1e-9)
    assert m2["smape"] == pytest.approx(m1["smape"], rel=1e-9)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(positive, st.floats(min_value=-100, max_value=100, allow_nan=False)),
        min_size=1,
        max_size=30,
    )
)
def test_bias_changes_sign_with_errors(pairs):
    a = np.array([p[0] for p in pairs]) + 200
    e = np.array([p[1] for p in pairs])
    up = A.error_metrics(pd.DataFrame({"actual": a, "forecast": a + e})).iloc[0]
    down = A.error_metrics(pd.DataFrame({"actual": a, "forecast": a - e})).iloc[0]
    assert up["bias"] == pytest.approx(-down["bias"], abs=1e-9)
    assert up["mae"] == pytest.approx(down["mae"])


def _evaluated():
    # naive, statistical and final forecasts for four periods; actual 100 each
    return pd.DataFrame(
        {
            "item_id": "A",
            "lag": [1, 1, 2, 2],
            "actual": [100.0] * 4,
            "naive_forecast": [70.0, 130, 60, 140],
            "statistical_forecast": [90.0, 110, 85, 115],
            "final_forecast": [95.0, 130, 85, 115],
            "override_reason": ["promotion", "sales target", None, None],
            "overridden": [True, True, False, False],
        }
    )


def test_fva_hand_computed():
    f = A.fva(_evaluated()).iloc[0]
    assert f["wmape_naive"] == pytest.approx(140 / 400)
    assert f["wmape_statistical"] == pytest.approx(50 / 400)  # |errors| 10, 10, 15, 15
    assert f["wmape_final"] == pytest.approx(65 / 400)  # 5, 30, 15, 15
    assert f["fva_statistical"] == pytest.approx(90 / 400) and f["fva_override"] == pytest.approx(
        -15 / 400
    )
    by_lag = A.fva(_evaluated(), ["lag"]).set_index("lag")
    assert by_lag.loc[2, "fva_override"] == 0


def test_override_effect_per_reason():
    o = A.override_effect(_evaluated()).set_index("override_reason")
    assert o.loc["promotion", "improved"] == 1 and o.loc["promotion", "net_units"] == -5
    assert o.loc["sales target", "worsened"] == 1 and o.loc["sales target", "net_units"] == 20


def test_bias_alerts_and_recommendations():
    m = pd.DataFrame(
        {
            "item_id": ["A", "B"],
            "n": [12, 12],
            "actual": [100.0, 100],
            "forecast": [150.0, 100],
            "bias": [4.2, 0.1],
            "pct_bias": [0.5, 0.0],
            "tracking_signal": [12.0, 0.5],
            "mae": [5.0, 1.0],
            "wmape": [0.6, 0.1],
        }
    )
    alerts = A.bias_alerts(m, 4.0)
    assert alerts["item_id"].tolist() == ["A"] and alerts.loc[0, "direction"] == "over-forecast"
    naive = m.assign(mae=[3.0, 2.0])
    overrides = A.override_effect(_evaluated())
    seg = pd.DataFrame({"abc": ["A", "B"], "accuracy": [0.6, 0.9], "actual": [1000.0, 500]})
    recs = A.recommendations(m, naive, alerts, overrides, seg, {"A": 0.75, "B": 0.7}, "abc")
    kinds = recs.groupby("recommendation")["subject"].apply(list).to_dict()
    assert kinds["change the model"] == ["A"]
    assert kinds["review bias"] == ["A"]
    assert kinds["stop override reason"] == ["sales target"]
    assert kinds["raise segment accuracy"] == ["ABC class A"]
    assert (
        "accuracy 60.0% below target 75%"
        in recs.loc[recs["recommendation"] == "raise segment accuracy", "evidence"].iloc[0]
    )


def test_attach_actuals_uses_only_the_past_for_naive(small_tables):
    snaps, demand = small_tables["forecast_snapshots"], small_tables["demand_history"]
    ev = A.attach_actuals(snaps, demand, ["item_id", "location_id"])
    row = ev.iloc[0]
    before = demand[
        (demand["item_id"] == row["item_id"])
        & (demand["location_id"] == row["location_id"])
        & (demand["date"] == row["forecast_date"] - pd.DateOffset(months=1))
    ]
    assert row["naive_forecast"] == max(before["quantity"].sum(), 0)
    assert ev["target_date"].max() <= demand["date"].max()


def test_rolling_tracking_signal_worked_example():
    """Errors 2, 3, -1 over the last 3 periods: sum 4, MAD 2, signal 2.0; older periods do not count,
    so the signal stays within +/- window whatever the history length."""
    ev = pd.DataFrame(
        {
            "item_id": ["A"] * 5,
            "target_date": pd.date_range("2026-01-01", periods=5, freq="MS"),
            "actual": [10.0] * 5,
            "final_forecast": [50.0, 50.0, 12.0, 13.0, 9.0],
        }
    )
    ts = A.rolling_tracking_signal(ev, ["item_id"], window=3).set_index("item_id")
    assert ts.loc["A", "periods"] == 3 and ts.loc["A", "tracking_signal"] == pytest.approx(2.0)
    long = pd.concat(
        [ev.assign(target_date=ev["target_date"] + pd.DateOffset(months=5 * k)) for k in range(20)]
    )
    assert (
        abs(A.rolling_tracking_signal(long, ["item_id"], window=6)["tracking_signal"].iloc[0]) <= 6
    )


def test_floored_accuracy_is_explained():
    m = pd.DataFrame({"abc": ["A", "B", "C"], "wmape": [0.3, 1.0, 1.34], "accuracy": [0.7, 0, 0]})
    assert A.floor_notes(m).tolist() == ["", "", "accuracy 0% because WMAPE is 134%"]
    assert A.with_floor_notes(m)["note"].iloc[2] == "accuracy 0% because WMAPE is 134%"
    assert "note" not in A.with_floor_notes(m.iloc[:2])  # nothing floored: no column
    assert A.floor_caption(m, "abc") == "Accuracy is floored at 0%: C (WMAPE 134%)."
    assert A.floor_caption(m.iloc[:2], "abc") == ""


def test_mape_and_smape_shown_as_shares_like_wmape():
    df = pd.DataFrame({"actual": [10.0, 20, 0, 40], "forecast": [12.0, 15, 5, 40]})
    m = A.metrics_as_shares(A.error_metrics(df)).iloc[0]
    assert m["mape"] == pytest.approx((0.2 + 0.25 + 0) / 3)  # 15% as 0.15, like WMAPE
    assert m["wmape"] == pytest.approx(12 / 70)  # unchanged
    assert A.cut_text("item_location", 1) == "lag 1, item x location"


def _two_item_case():
    """Two items at two locations, lags 1 and 2 for 3 target months; item P is class A."""
    months = pd.date_range("2026-01-01", periods=6, freq="MS")
    demand = pd.DataFrame(
        [
            {"item_id": i, "location_id": loc, "date": d, "quantity": q}
            for i, q in (("P", 100.0), ("Q", 10.0))
            for loc in ("L1", "L2")
            for d in months
        ]
    )
    rows = []
    for i, f1, f2 in (("P", 110.0, 80.0), ("Q", 20.0, 10.0)):
        for loc in ("L1", "L2"):
            for t in months[3:]:
                for lag, f in ((1, f1), (2, f2)):
                    rows.append(
                        {
                            "item_id": i,
                            "location_id": loc,
                            "forecast_date": t - pd.DateOffset(months=lag),
                            "target_date": t,
                            "lag": lag,
                            "statistical_forecast": f,
                            "final_forecast": f,
                            "override_reason": None,
                        }
                    )
    items = pd.DataFrame({"item_id": ["P", "Q"], "category": ["c1", "c1"]})
    segments = pd.DataFrame({"item_id": ["P", "Q"], "abc": ["A", "C"]})
    return pd.DataFrame(rows), demand, items, segments


def test_segment_tables_use_one_level_and_lag_comparable_with_the_headline():
    snaps, demand, items, segments = _two_item_case()
    res = A.accuracy_analysis(
        snaps, demand, items, segments, level="item", lag=1, lags=[1, 2], segment_at="item"
    )
    abc = res.segments["abc"].set_index("abc")
    # lag 1 at item level: P forecast 220 vs 200 per month (WMAPE 10%), Q 40 vs 20 (100%)
    assert abc.loc["A", "wmape"] == pytest.approx(0.1)
    assert abc.loc["C", "wmape"] == pytest.approx(1.0) and abc.loc["C", "accuracy"] == 0
    assert set(abc["n"]) == {3}  # one row per item-month of lag 1 only, not pooled over lags
    lag1 = res.by_lag.set_index("lag").loc[1]
    pooled = (abc["wmape"] * abc["actual"]).sum() / abc["actual"].sum()
    assert pooled == pytest.approx(lag1["wmape"])  # segments add up to the headline cut
    assert res.cut == "lag 1, item" and res.segment_cut == "lag 1, item"
    assert res.by_lag.set_index("lag").loc[2, "wmape"] == pytest.approx(
        (3 * 2 * 20 + 0) / (3 * 220)
    )
    rec = res.recommendations
    seg_rec = rec[rec["recommendation"] == "raise segment accuracy"]
    assert seg_rec["evidence"].str.endswith("(lag 1, item)").all()


def test_segment_drill_uses_rolling_tracking_signal_at_one_lag():
    snaps, demand, items, segments = _two_item_case()
    res = A.accuracy_analysis(
        snaps, demand, items, segments, level="item", lag=1, lags=[1, 2], segment_at="item"
    )
    t = A.segment_drill(res, "abc", "C", tracking_window=2)
    # Q over-forecast by 20 in each of its last 2 lag-1 months: sum 40 / MAD 20 = 2.0
    assert t["item_id"].tolist() == ["Q"] and t.loc[0, "tracking_signal"] == pytest.approx(2.0)
    assert t.loc[0, "n"] == 3 and "note" not in t  # WMAPE exactly 100%: accuracy 0, not floored


def test_summary_lines_one_unit_per_metric():
    from scmlib.core.kpi import Figure

    snaps, demand, items, segments = _two_item_case()
    res = A.accuracy_analysis(
        snaps, demand, items, segments, level="item", lag=1, lags=[1, 2], segment_at="item"
    )
    t0, t1 = pd.Timestamp("2026-04-01"), pd.Timestamp("2026-06-01")
    head = (
        Figure("forecast_accuracy", 0.8, t0, t1, "1 - WMAPE", ""),
        Figure("forecast_bias", 0.2, t0, t1, "bias", ""),
    )
    text = " ".join(A.summary_lines(res, head, 4.0))
    assert "MAPE 55.0%" in text  # (10% + 100%) / 2 as a percentage, like WMAPE
    assert "+0.0 pts" in text and "(lag 1, item)" in text
    assert "2 series are forecast worse than by the naive method" in text  # flat demand


def test_trend_statement_follows_the_monthly_figures():
    """Improving or worsening only with a significant slope over the last months shown."""
    from scmlib.planning import accuracy as acc

    months = pd.date_range("2026-01-01", periods=8, freq="MS")
    down = pd.DataFrame(
        {"target_date": months, "accuracy": [0.9, 0.9, 0.7, 0.68, 0.66, 0.63, 0.61, 0.6]}
    )
    assert acc.trend_statement(down).startswith("Accuracy is worsening: -2.")
    noisy = down.assign(accuracy=[0.6, 0.6, 0.7, 0.6, 0.7, 0.6, 0.7, 0.6])
    assert acc.trend_statement(noisy).startswith("No clear accuracy trend")
