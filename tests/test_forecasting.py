"""Forecasting engine: models against known values, no leakage, intervals, rules, dask, interrupts."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from scmlib.planning import forecasting as F


def _frame(series: dict[str, np.ndarray], start="2022-01-01", freq="MS") -> pd.DataFrame:
    parts = [
        pd.DataFrame(
            {"item_id": k, "date": pd.date_range(start, periods=len(v), freq=freq), "quantity": v}
        )
        for k, v in series.items()
    ]
    return pd.concat(parts, ignore_index=True)


def test_seasonal_naive_repeats_last_season():
    y = np.arange(1, 37, dtype=float)
    out = F._model_forecast("seasonal_naive", y, 24, 12, (80,))
    assert np.allclose(out["mean"], np.tile(y[-12:], 2))


def test_naive_repeats_last_value():
    y = np.array([3.0, 5, 4, 8])
    assert np.allclose(F._model_forecast("naive", y, 3, 12, (80,))["mean"], 8)


def _ses(values, alpha=0.1):
    level = values[0]
    for v in values[1:]:
        level = level + alpha * (v - level)
    return level


def test_croston_and_sba_match_hand_computation():
    # Croston (1972): SES (alpha 0.1) of demand sizes and of inter-demand intervals.
    y = np.array([0, 0, 5, 0, 3, 0, 0, 4, 0, 6], dtype=float)
    sizes = [5, 3, 4, 6]
    intervals = [3, 2, 3, 2]  # periods since the previous demand (the first counted from the start)
    croston = _ses(sizes) / _ses(intervals)
    assert croston == pytest.approx(4.848 / 2.819, rel=1e-3)
    assert F._model_forecast("croston", y, 3, 12, ())["mean"] == pytest.approx(
        [croston] * 3, rel=1e-6
    )
    # SBA (Syntetos & Boylan 2005): Croston x (1 - alpha / 2)
    assert F._model_forecast("sba", y, 3, 12, ())["mean"] == pytest.approx(
        [0.95 * croston] * 3, rel=1e-6
    )


def test_backtest_has_no_leakage():
    rng = np.random.default_rng(0)
    y = 100 + rng.normal(0, 5, 48)
    y2 = y.copy()
    y2[-6:] = 10_000  # only the last window's actuals change
    a = F.forecast(
        _frame({"A": y}),
        h=6,
        models=["naive", "ets", "theta"],
        combine=False,
        n_windows=3,
        n_jobs=1,
        progress=False,
    )
    b = F.forecast(
        _frame({"A": y2}),
        h=6,
        models=["naive", "ets", "theta"],
        combine=False,
        n_windows=3,
        n_jobs=1,
        progress=False,
    )
    first = a.backtest["origin"] < a.backtest["origin"].max()
    assert len(a.backtest) == 18 and first.sum() == 12
    assert np.allclose(
        a.backtest.loc[first, "forecast"], b.backtest.loc[first, "forecast"]
    )  # earlier origins never saw the change


def test_intervals_hold_roughly_nominal_coverage():
    rng = np.random.default_rng(1)
    series = {
        f"S{i}": 200 + np.cumsum(rng.normal(0, 1, 60)) + rng.normal(0, 8, 60) for i in range(40)
    }
    r = F.forecast(
        _frame(series),
        h=6,
        models=["naive", "ets", "moving_average"],
        n_windows=3,
        n_jobs=1,
        progress=False,
    )
    sel = r.metrics[r.metrics["selected"]]
    assert 0.65 <= sel["coverage_80"].mean() <= 0.97
    assert sel["coverage_95"].mean() >= 0.82
    assert (r.forecast["lo_95"] <= r.forecast["lo_80"]).all() and (
        r.forecast["hi_80"] <= r.forecast["hi_95"]
    ).all()
    assert (r.forecast["lo_80"] <= r.forecast["forecast"] + 1e-9).all()


def test_rules_for_edge_cases():
    rng = np.random.default_rng(2)
    smooth = 50 + rng.normal(0, 5, 36)
    with_returns = smooth.copy()
    with_returns[5] = -20
    df = _frame({"SMOOTH": smooth, "ZERO": np.zeros(36), "RETURNS": with_returns})
    df = pd.concat(
        [df, _frame({"SHORT": smooth[:15]}, start="2023-10-01")]
    )  # 15 months, ending with the others
    gap = _frame({"GAPPY": smooth})
    gap = gap[~gap["date"].isin(pd.date_range("2023-03-01", periods=3, freq="MS"))]
    eol = pd.DataFrame({"item_id": ["SMOOTH"], "eol_date": [pd.Timestamp("2025-04-01")]})
    new = pd.DataFrame({"item_id": ["NEW"]})
    r = F.forecast(
        pd.concat([df, gap]), h=6, eol_dates=eol, new_items=new, n_jobs=1, progress=False
    )
    prof = r.profile.set_index("item_id")
    fc = r.forecast.set_index(["item_id", "date"])["forecast"]
    assert prof.loc["ZERO", "model"] == "zero" and "all-zero" in prof.loc["ZERO", "rule"]
    assert prof.loc["NEW", "model"] == "zero" and "no history" in prof.loc["NEW", "rule"]
    assert "returns clipped" in prof.loc["RETURNS", "rule"]
    assert (
        "short series" in prof.loc["SHORT", "rule"]
        and prof.loc["SHORT", "model"] != "seasonal_naive"
    )
    assert prof.loc["GAPPY", "history_periods"] == 36  # missing periods filled with zeros
    assert "end of life" in prof.loc["SMOOTH", "rule"]
    assert (fc.loc["SMOOTH"].loc["2025-04-01":] == 0).all() and (
        fc.loc["SMOOTH"].loc[:"2025-03-01"] > 0
    ).all()
    assert len(r.forecast) == 6 * 6


def test_outlier_cleaning_caps_spikes():
    y = np.full(36, 20.0) + np.tile([0, 1, -1], 12)
    y[20] = 2000
    capped, n = F._cap_outliers(y)
    assert n == 1 and capped[20] < 40
    r = F.forecast(_frame({"A": y}), h=3, clean_outliers=True, n_jobs=1, progress=False)
    assert "1 outliers capped" in r.profile.loc[0, "rule"] and r.forecast["forecast"].max() < 60


def test_intermittent_series_use_croston_family():
    rng = np.random.default_rng(3)
    y = np.where(rng.random(36) < 0.3, rng.gamma(4, 5, 36), 0)
    r = F.forecast(_frame({"A": y}), h=3, combine=False, n_jobs=1, progress=False)
    assert set(r.metrics["model"]) <= set(F.INTERMITTENT)
    assert r.profile.loc[0, "demand_class"] in ("intermittent", "lumpy")


def test_input_errors_name_the_problem():
    df = _frame({"A": np.ones(24)})
    with pytest.raises(ValueError, match="missing column"):
        F.forecast(df.drop(columns="quantity"), progress=False)
    with pytest.raises(ValueError, match="unknown model"):
        F.forecast(df, models=["prophet"], progress=False)
    with pytest.raises(ValueError, match="period starts"):
        F.forecast(df.assign(date=df["date"] + pd.Timedelta(days=3)), progress=False)
    with pytest.raises(ValueError, match="frequency must be one of"):
        F.forecast(df, freq="Q", progress=False)


def test_parallel_equals_sequential_and_dask_equals_local():
    rng = np.random.default_rng(4)
    df = _frame({f"S{i}": 30 + rng.normal(0, 4, 30) for i in range(8)})
    kw = dict(h=4, models=["naive", "ets", "theta"], progress=False, chunk_size=2)
    one = F.forecast(df, n_jobs=1, **kw)
    two = F.forecast(df, n_jobs=2, **kw)
    pd.testing.assert_frame_equal(one.forecast, two.forecast)
    dask = F.forecast(df, engine="dask", n_jobs=2, **kw)
    pd.testing.assert_frame_equal(one.forecast, dask.forecast)
    pd.testing.assert_frame_equal(one.metrics, dask.metrics)


def test_interrupt_keeps_finished_series(monkeypatch):
    from scmlib.planning.forecasting import execution

    calls = {"n": 0}
    real = execution._run_chunk

    def flaky(chunk, cfg):
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt
        return real(chunk, cfg)

    monkeypatch.setattr(execution, "_run_chunk", flaky)
    df = _frame({f"S{i}": np.full(24, 5.0 + i) for i in range(6)})
    r = F.forecast(df, h=2, models=["naive"], n_jobs=1, chunk_size=2, progress=False)
    assert r.interrupted and sorted(r.profile["item_id"]) == ["S0", "S1", "S2", "S3"]


def test_bottom_up_adds_up_and_overrides():
    fc = pd.DataFrame(
        {
            "item_id": ["A", "A", "B", "B"],
            "date": pd.to_datetime(["2026-11-01", "2026-12-01"] * 2),
            "forecast": [1.0, 2, 3, 4],
        }
    )
    items = pd.DataFrame({"item_id": ["A", "B"], "category": ["X", "X"]})
    cat = F.reconcile_bottom_up(fc, items, "category")
    assert cat["forecast"].tolist() == [4.0, 6.0]
    assert F.reconcile_bottom_up(fc, items, "total")["forecast"].sum() == fc["forecast"].sum()
    ov = pd.DataFrame(
        {"item_id": ["A"], "date": ["2026-12-01"], "value": ["9"], "reason": ["promotion"]}
    )
    out, applied = F.apply_overrides(fc, ov, ["item_id"])
    assert (
        out.loc[1, "forecast"] == 9
        and out.loc[1, "override_reason"] == "promotion"
        and len(applied) == 1
    )
    with pytest.raises(ValueError, match="needs a reason"):
        F.apply_overrides(fc, ov.assign(reason=""), ["item_id"])
    with pytest.raises(ValueError, match="match no forecast"):
        F.apply_overrides(fc, ov.assign(item_id="Z"), ["item_id"])


def test_exceptions_flag_changes_and_high_error():
    new = pd.DataFrame(
        {
            "item_id": ["A", "B"],
            "date": pd.to_datetime(["2026-11-01"] * 2),
            "forecast": [120.0, 100.0],
        }
    )
    prev = pd.DataFrame(
        {
            "item_id": ["A", "B"],
            "target_date": pd.to_datetime(["2026-11-01"] * 2),
            "final_forecast": [100.0, 95.0],
        }
    )
    met = pd.DataFrame(
        {
            "item_id": ["A", "B"],
            "model": ["ets", "naive"],
            "mase": [0.8, 2.0],
            "selected": [True, True],
        }
    )
    ex = F.forecast_exceptions(new, prev, met, ["item_id"], threshold=0.15, max_mase=1.5).set_index(
        "item_id"
    )
    assert "changed by 20%" in ex.loc["A", "reason"] and "MASE 2.0" in ex.loc["B", "reason"]


def test_arima_models_and_weekly_frequency():
    rng = np.random.default_rng(5)
    y = 50 + np.cumsum(rng.normal(0, 1, 30))
    for name in (
        "arima",
        "arima_pm",
    ):  # statsforecast AutoARIMA and pmdarima auto_arima, bounded searches
        out = F._model_forecast(name, y, 3, 1, (80, 95))
        assert (
            out["mean"].shape == (3,)
            and np.all(out["lo-95"] <= out["lo-80"])
            and np.all(out["hi-80"] <= out["hi-95"])
        )
    weekly = _frame({"W": 20 + rng.normal(0, 2, 60)}, start="2025-01-06", freq="W-MON")
    r = F.forecast(
        weekly,
        h=4,
        freq="W-MON",
        models=["naive", "ets", "theta_classic"],
        n_jobs=1,
        progress=False,
    )
    assert r.forecast["date"].dt.dayofweek.eq(0).all() and len(r.forecast) == 4
    demand = pd.DataFrame(
        {
            "item_id": "A",
            "location_id": "L",
            "date": pd.date_range("2025-01-01", periods=30, freq="D"),
            "quantity": 1.0,
        }
    )
    weekly_from_daily, ids = F.prepare_demand(
        demand, pd.DataFrame({"item_id": ["A"], "category": ["c"]}), "item", "W-MON"
    )
    assert (
        weekly_from_daily["date"].dt.dayofweek.eq(0).all()
        and weekly_from_daily["quantity"].sum() == 30
    )


def test_cached_normal_quantiles_match_statsforecast():
    import statsforecast.utils as su
    from statsforecast.models import AutoETS

    y = 100 + np.random.default_rng(6).normal(0, 5, 40)
    F._cache_normal_quantiles()
    assert getattr(su._quantiles, "_scm_cached", False)
    fast = AutoETS(season_length=1).forecast(y=y, h=4, level=[80, 95])
    from scipy.stats import norm

    assert np.allclose(su._quantiles([80, 95]), norm.ppf([0.9, 0.975]))
    assert np.allclose(
        fast["hi-95"] - fast["mean"],
        (fast["hi-80"] - fast["mean"]) * norm.ppf(0.975) / norm.ppf(0.9),
    )


def test_statsforecast_patch_target_is_unchanged():
    """The private function the patch wraps must exist with the same signature in the pinned
    release; an upgrade that moves or changes it fails here, loudly, before any forecast drifts."""
    import inspect

    import statsforecast
    import statsforecast.utils as su

    from scmlib.planning.forecasting._statsforecast_patch import PATCHED_VERSION

    assert statsforecast.__version__ == PATCHED_VERSION, (
        f"statsforecast {statsforecast.__version__} is not the release the quantile patch was tested against "
        f"({PATCHED_VERSION}): review scmlib/planning/forecasting/_statsforecast_patch.py"
    )
    original = getattr(su._quantiles, "__wrapped__", None) or su._quantiles
    if getattr(su._quantiles, "_scm_cached", False):
        return  # already patched in this process: the signature was checked when it was applied
    assert list(inspect.signature(original).parameters)[:3] == [
        "level",
        "distribution",
        "dist_params",
    ]


def test_a_failed_final_fit_falls_back_and_says_so(monkeypatch):
    from scmlib.planning.forecasting import backtest

    real = backtest._safe_forecast

    def flaky(name, y, h, m, levels, state=None):
        return None if name == "ets" and len(y) > 30 else real(name, y, h, m, levels, state)

    monkeypatch.setattr(backtest, "_safe_forecast", flaky)
    y = 100 + 10 * np.sin(np.arange(36) / 2)
    cfg = backtest.Settings(
        h=6,
        m=12,
        freq="MS",
        models=("ets",),
        levels=(80,),
        n_windows=2,
        backtest_horizon=6,
        metric="mase",
        combine=False,
        combine_top=3,
        clean_outliers=False,
        select_margin=0.3,
        min_backtest=12,
    )
    out = backtest.forecast_one(backtest.SeriesSpec(("A",), y, np.arange(36)), cfg)
    assert out["model"] == "moving_average" and "ets failed on the full history" in out["rule"]


def test_backtest_metrics_equal_core_error_metrics():
    """The engine scores windows with the core implementation: same numbers, same sign."""
    from scmlib.core import forecast_error as FE
    from scmlib.planning.forecasting import backtest

    y = np.array([10.0, 12, 11, 15, 14, 13, 16, 18, 17, 20])
    cfg = backtest.Settings(
        h=3,
        m=12,
        freq="MS",
        models=("naive",),
        levels=(80,),
        n_windows=1,
        backtest_horizon=3,
        metric="mase",
        combine=False,
        combine_top=3,
        clean_outliers=False,
        select_margin=0.3,
        min_backtest=6,
    )
    out = backtest.forecast_one(backtest.SeriesSpec(("A",), y, np.arange(len(y))), cfg)
    row = out["metrics"][0]
    # one origin at 7: naive forecast 16 for actuals 18, 17, 20 -> errors (f - a) -2, -1, -4
    assert row["bias"] == pytest.approx(-7 / 3)  # under-forecast: negative, as in core
    assert row["mae"] == pytest.approx(7 / 3)
    hist = pd.DataFrame(
        {"item_id": "A", "date": pd.date_range("2024-01-01", periods=7, freq="MS"), "q": y[:7]}
    )
    scales = FE.seasonal_scale(hist, ["item_id"], season=12, target="q")
    ev = pd.DataFrame({"item_id": "A", "actual": y[7:], "forecast": [16.0] * 3})
    core = FE.error_metrics(ev, ["item_id"], scales=scales).iloc[0]
    for k in ("mae", "mase", "rmsse", "smape", "bias", "wmape"):
        assert row[k] == pytest.approx(core[k], rel=1e-12), k
    assert backtest._window_metrics is FE.window_metrics


def _tiny_result():
    """A hand-made ForecastResult: two series, naive and ets candidates, ets selected for A."""
    from scmlib.planning.forecasting.execution import ForecastResult

    metrics = pd.DataFrame(
        {
            "item_id": ["A", "A", "B", "B"],
            "model": ["naive", "ets", "naive", "ets"],
            "mase": [1.2, 0.8, 0.9, 1.1],
            "selected": [False, True, True, False],
            "coverage_80": [0.7, 0.9, 0.6, 0.5],
        }
    )
    backtest = pd.DataFrame(
        {"item_id": ["A", "A", "B"], "actual": [10.0, 20, 10], "forecast": [12.0, 15, 13]}
    )
    profile = pd.DataFrame(
        {
            "item_id": ["A", "B"],
            "model": ["ets", "naive"],
            "demand_class": ["smooth", "lumpy"],
            "adi": [1.0, 2.0],
            "cv2": [0.1, 0.8],
        }
    )
    return ForecastResult(pd.DataFrame(), metrics, backtest, profile)


def test_backtest_summary_uses_core_wmape_and_counts_beating_naive():
    bs = F.backtest_summary(_tiny_result(), ["item_id"], [80])
    assert bs.wmape == pytest.approx((2 + 5 + 3) / 40)  # pooled over every backtest point
    assert bs.mean_mase == pytest.approx((0.8 + 0.9) / 2)
    assert bs.beats_naive == pytest.approx(0.5)  # A: 0.8 < 1.2; B is the naive itself
    assert bs.coverage == {80: pytest.approx(0.75)} and bs.intermittent_share == 0.5
    lines = F.summary_lines(bs, horizon=6, level="item", year=(100.0, 110.0, 12))
    assert lines[0] == (
        "2 series forecast 6 periods ahead; the next 12 periods total 110 units against 100 in "
        "the last 12 (+10.0%)."
    )
    assert "WMAPE 25.0%" in lines[1] and "not the company KPI" in lines[1]
    assert F.model_table(_tiny_result().metrics)["model"].tolist() == ["ets", "naive"]


def test_category_table_adds_up():
    cat = pd.DataFrame(
        {
            "category": ["x", "y", "x", "y"],
            "date": pd.to_datetime(["2027-01-01", "2027-01-01", "2027-02-01", "2027-02-01"]),
            "forecast": [1.0, 2.0, 3.0, 4.0],
        }
    )
    t = F.category_table(cat, periods=1).set_index("category")
    assert list(t.columns) == ["Jan 2027"] and t.loc["Total", "Jan 2027"] == 3.0
    assert F.largest_series(
        pd.DataFrame({"item_id": ["a", "b", "b"], "quantity": [1.0, 1, 1]}), ["item_id"], 1
    ) == [("b",)]
