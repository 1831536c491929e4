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
    assert "1 outlier capped" in r.profile.loc[0, "rule"] and r.forecast["forecast"].max() < 60


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


def _exceptions_case():
    """Five monthly series, 36 months: A smooth and raised (changed vs last cycle), B with a
    one-off spike, C new (5 months), D steady and unflagged, E ending inside the horizon."""
    rng = np.random.default_rng(11)
    base = {k: 100 + rng.normal(0, 5, 36) for k in "ABDE"}
    base["B"][20] = 900.0
    base["C"] = 50 + rng.normal(0, 3, 5)
    df = pd.concat(
        [
            _frame({k: v for k, v in base.items() if k != "C"}),
            _frame({"C": base["C"]}, start="2024-08-01"),
        ],
        ignore_index=True,
    )
    eol = pd.DataFrame({"item_id": ["E"], "eol_date": pd.to_datetime(["2025-03-01"])})
    r = F.forecast(df, h=6, eol_dates=eol, n_jobs=1, progress=False)
    dates = pd.date_range("2025-01-01", periods=6, freq="MS")
    prev = pd.DataFrame(
        {
            "item_id": np.repeat(list("ABDE"), 6),
            "target_date": np.tile(dates, 4),
            "final_forecast": np.repeat([60.0, 100, 100, 100], 6),  # A was 60: now ~100
        }
    )
    cost = pd.DataFrame({"item_id": list("ABCDE"), "unit_cost": [10.0, 1, 1, 1, 1]})
    return r, prev, cost


def test_exception_list_ranks_by_value_caps_and_names_reasons():
    r, prev, cost = _exceptions_case()
    ex = F.forecast_exceptions(r, r.forecast, prev, ["item_id"], cost, max_rows=50)
    t = ex.full.set_index("item_id")
    assert "D" not in t.index  # steady, no reason to review
    assert "vs last cycle" in t.loc["A", "reason"] and t.loc["A", "vs_last_cycle"].startswith("+")
    assert "1 outlier capped in history" in t.loc["B", "reason"]
    assert "new item: 5 periods" in t.loc["C", "reason"]
    assert t.loc["C", "error_metric"].startswith("none: 5 periods")  # says why no error value
    assert "end of life" in t.loc["E", "reason"]
    assert ex.by_reason["outlier in history"] == 1 and ex.by_reason["new item"] == 1
    # value at risk = units at risk x unit cost, largest first
    assert np.allclose(ex.full["value_at_risk"], ex.full["units_at_risk"] * ex.full["unit_cost"])
    assert ex.full["value_at_risk"].is_monotonic_decreasing and ex.full.index[0] == 0
    assert t.index[0] == "A"  # +40 units a month at cost 10 dominates
    # every column filled, except the error of the series too short to backtest
    filled = ex.full.drop(columns="backtest_error")
    assert not filled.isna().any().any() and (filled["reason"] != "").all()
    # the cap: at most max_rows listed, the rest counted
    capped = F.forecast_exceptions(r, r.forecast, prev, ["item_id"], cost, max_rows=2)
    assert len(capped.table) == 2 and capped.total == len(ex.full) and capped.not_shown == 2
    assert capped.table["item_id"].tolist() == ex.full["item_id"].head(2).tolist()


def test_exception_error_uses_rmsse_for_intermittent_series():
    r = F.forecast(_frame(_intermittent_family(22)), h=3, n_jobs=1, progress=False)
    ex = F.forecast_exceptions(r, r.forecast, None, ["item_id"], max_error=0.0)
    assert (ex.full["error_metric"] == "RMSSE").all() and ex.full["backtest_error"].notna().all()
    assert (ex.full["vs_last_cycle"] == "no previous cycle").all()


def _intermittent_family(n: int) -> dict[str, np.ndarray]:
    """``n`` series with 6 units every third month (phases differ): mean demand 2 a month."""
    rng = np.random.default_rng(2)
    out = {}
    for i in range(n):
        y = np.zeros(36)
        y[i % 3 :: 3] = 6.0 + rng.integers(-1, 2, len(y[i % 3 :: 3]))
        out[f"S{i:02d}"] = y
    return out


def test_intermittent_selection_is_mean_based_where_mase_and_rmsse_disagree():
    # one window of "6 every third month": MASE prefers the all-zero forecast, RMSSE the mean
    actual = np.array([6.0, 0, 0, 6, 0, 0])
    zero = F.backtest.window_metrics(actual, np.zeros(6), 1.0, 1.0)
    mean = F.backtest.window_metrics(actual, np.full(6, 2.0), 1.0, 1.0)
    assert zero["mase"] < mean["mase"] and mean["rmsse"] < zero["rmsse"]
    r = F.forecast(_frame(_intermittent_family(24)), h=6, n_jobs=1, progress=False)
    assert (r.profile["demand_class"] == "intermittent").all()
    assert (r.profile["model"] == "class_combination").all()  # one rule for the class
    assert "class combination" in r.profile.loc[0, "rule"]
    level = r.forecast.groupby("item_id")["forecast"].mean()
    assert level.between(1.6, 2.4).all()  # the mean (2 a month), not near zero
    sel = r.metrics[r.metrics["selected"]]
    assert (sel["model"] == "class_combination").all() and len(sel) == 24
    # below pool_min_series series, selection stays per series
    small = F.forecast(_frame(_intermittent_family(5)), h=6, n_jobs=1, progress=False)
    assert "class_combination" not in set(small.profile["model"])


def test_class_weights_shrink_forecasts_that_ran_high():
    x = np.column_stack([np.linspace(1, 10, 20), np.ones(20)])
    w = F.class_weights(x, 0.8 * x[:, 0], np.full(20, 2.0))
    assert np.allclose(w, [0.8, 0.0], atol=1e-9)


def test_class_weights_loss_power_is_the_minimiser_of_its_loss():
    from scipy.optimize import minimize_scalar

    # one series close to the member's 10, one noisy around 5 (scale 1 for both)
    x, a, ids = np.full((4, 1), 10.0), np.array([9.0, 11, 0, 10]), np.array([0, 0, 1, 1])
    assert F.class_weights(x, a, np.ones(4))[0] == pytest.approx(0.75)  # pooled squared error
    for power in (0.1, 0.5):
        w = F.class_weights(x, a, np.ones(4), ids, power=power)[0]

        def loss(v, power=power):
            per_series = np.bincount(ids, (a - 10 * v) ** 2) / 2
            return float((per_series ** (1 - power)).sum())

        best = minimize_scalar(loss, bounds=(0, 2), method="bounded").x
        assert w == pytest.approx(best, abs=1e-3) and 0.75 < w < 1


def test_intermittent_and_lumpy_series_share_one_combination():
    # 12 intermittent and 12 lumpy series: each class under pool_min_series (20), together not
    rng = np.random.default_rng(5)
    series = {}
    for i in range(24):
        y = np.zeros(36)
        y[i % 3 :: 3] = 6.0 if i < 12 else rng.choice([1.0, 20.0], 12)
        series[f"S{i:02d}"] = y
    r = F.forecast(_frame(series), h=6, n_jobs=1, progress=False)
    assert set(r.profile["demand_class"]) == {"intermittent", "lumpy"}
    assert (r.profile["model"] == "class_combination").all()
    labels = r.profile["rule"].str.extract(r"combination \((.*)\)")[0]
    assert labels.nunique() == 1 and labels.notna().all()  # one set of weights
    assert (r.forecast["forecast"] >= 0).all()


def test_outlier_rule_hampel_with_seasonal_recurrence():
    y = 100 + np.tile([0.0, 3, -3, 2, -2, 1], 6)
    y[10] = 400
    mask, lo, hi = F.outlier_mask(y, m=12)
    level = pd.Series(y).rolling(13, center=True, min_periods=1).median().to_numpy()
    r = y - level
    robust_sd = 1.4826 * np.median(np.abs(r - np.median(r)))
    assert mask.nonzero()[0].tolist() == [10] and hi[10] == pytest.approx(level[10] + 5 * robust_sd)
    assert not F.outlier_mask(np.linspace(10, 500, 20) ** 1.5)[0].any()  # trend, not outliers
    seasonal = y.copy()
    seasonal[[10, 22, 34]] = 400  # the same month every year: a seasonal peak, kept
    assert not F.outlier_mask(seasonal, m=12)[0].any()
    assert not F.outlier_mask(np.array([0, 0, 0, 5, 0, 0, 0, 0, 9.0]))[0].any()  # MAD 0
    capped, n = F._cap_outliers(y, 12)
    assert n == 1 and capped[10] == pytest.approx(hi[10])


def test_cleaned_points_are_reported_raw_and_cleaning_is_on_by_default():
    y = np.full(36, 20.0) + np.tile([0, 1, -1], 12)
    y[20] = 2000
    r = F.forecast(_frame({"A": y}), h=3, n_jobs=1, progress=False)
    assert r.cleaned["quantity"].tolist() == [2000.0]
    assert r.cleaned["date"].iloc[0] == pd.Timestamp("2023-09-01")
    assert r.forecast["forecast"].max() < 60


def test_wmape_is_nan_with_a_note_when_backtest_actuals_are_zero():
    y = np.r_[np.full(12, 5.0), np.zeros(24)]
    y[::4] = 0
    r = F.forecast(_frame({"A": y}), h=3, n_jobs=1, progress=False)
    met = r.metrics
    assert met["wmape"].isna().all() and (met["note"] != "").all()
    assert met["selected"].sum() == 1
    assert "no demand in the last 12 periods" in r.profile.loc[0, "forecast_note"]


def test_zero_forecasts_say_why_and_past_eol_series_are_not_charted():
    df = _frame({"A": np.full(24, 10.0), "B": np.full(24, 3.0), "Z": np.zeros(24)})
    eol = pd.DataFrame({"item_id": ["A"], "eol_date": pd.to_datetime(["2023-06-01"])})
    r = F.forecast(df, h=3, eol_dates=eol, n_jobs=1, progress=False)
    note = r.profile.set_index("item_id")["forecast_note"]
    assert note["A"] == "zero: past end of life" and note["B"] == ""
    assert note["Z"] == "zero: no demand in the whole history"
    assert F.charted_series(df, r.profile, ["item_id"], 1) == [("B",)]  # A is past its EOL


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


def test_engine_and_segmentation_share_one_demand_class_definition():
    """The engine's Syntetos-Boylan profile uses the sample standard deviation of the demand
    sizes, as core.demand.cv2_of_sizes (and segmentation) do: sizes 2, 4, 6, 2, 4, 6 give CV² 3.2 / 16."""
    import dataclasses

    from scmlib.core.demand import cv2_of_sizes
    from scmlib.planning.forecasting import backtest

    y = np.array([2.0, 0, 4, 0, 6, 0, 2, 0, 4, 0, 6, 0])
    fields = {f.name for f in dataclasses.fields(backtest.Settings)}
    base = dict(h=6, m=12, freq="MS", models=("ets",), levels=(80,), n_windows=2)
    base.update(backtest_horizon=6, metric="mase", combine=False, combine_top=3)
    base.update(clean_outliers=False, select_margin=0.3, min_backtest=12)
    cfg = backtest.Settings(**{k: v for k, v in base.items() if k in fields})
    _, _, adi, cv2, dclass = backtest._profile(backtest.SeriesSpec(("A",), y, np.arange(12)), cfg)
    assert adi == 2.0 and cv2 == pytest.approx(float(cv2_of_sizes(pd.Series(y))))
    assert cv2 == pytest.approx(0.2) and dclass == "intermittent"  # population sd: 0.1667


def test_drift_model_matches_hand_computation():
    # FPP3 ch. 5.2: y_T + k (y_T - y_1) / (T - 1)
    y = np.array([10.0, 12, 11, 15, 16])
    out = F._model_forecast("drift", y, 3, 1, (80,))
    assert np.allclose(out["mean"], 16 + np.arange(1, 4) * (16 - 10) / 4)


def test_yearly_default_is_the_median_of_ets_dotm_drift_always_kept():
    rng = np.random.default_rng(3)
    series = {f"Y{i}": 100 + np.cumsum(rng.normal(2, 4, 25)) for i in range(6)}
    r = F.forecast(_frame(series, freq="YS"), h=4, freq="YS", n_jobs=1, progress=False)
    assert set(r.profile["model"]) == {"combination"}  # yearly: never replaced by one model
    y = np.clip(series["Y0"], 0, None)  # no outlier cleaning on yearly data
    members = [F._model_forecast(n, y, 4, 1, ())["mean"] for n in ("ets", "dotm", "drift")]
    got = r.forecast.loc[r.forecast["item_id"] == "Y0", "forecast"].to_numpy()
    assert np.allclose(got, np.median(np.stack(members), axis=0))
    assert F.default_models("MS") == F.DEFAULT_MODELS  # monthly defaults unchanged
    assert {"ets", "theta_classic", "dotm", "ces"} <= set(F.default_models("QS"))


def test_calibrated_intervals_reach_nominal_where_sqrt_k_under_covers():
    # random walks with drift noise: errors of a flat forecast grow like k, faster than sqrt(k),
    # so the sigma_1 sqrt(k) band under-covers; the conformal factors per step restore it
    rng = np.random.default_rng(4)
    series = {
        f"S{i}": 500 + np.cumsum(rng.normal(0, 5, 60)) + np.arange(60) * rng.normal(0, 2)
        for i in range(60)
    }
    kw = dict(h=6, models=["naive"], combine=False, n_windows=3, n_jobs=1, progress=False)
    raw = F.forecast(_frame(series), calibrate=False, **kw)
    cal = F.forecast(_frame(series), **kw)
    cov = {n: r.metrics[r.metrics["selected"]] for n, r in (("raw", raw), ("cal", cal))}
    assert abs(cov["cal"]["coverage_80"].mean() - 0.80) < 0.05
    assert abs(cov["cal"]["coverage_95"].mean() - 0.95) < 0.04
    assert abs(cov["cal"]["coverage_80"].mean() - 0.8) < abs(cov["raw"]["coverage_80"].mean() - 0.8)
    f = cal.forecast
    assert (f["lo_95"] <= f["lo_80"]).all() and (f["hi_80"] <= f["hi_95"]).all()
    assert (f["lo_80"] >= 0).all() and (f["lo_80"] <= f["forecast"] + 1e-9).all()
    assert np.allclose(f["forecast"], raw.forecast["forecast"])  # points unchanged
    q = F.conformal_factors(np.array([[0.5], [1.0], [1.5], [2.0], [np.inf]]), [80])[80]
    assert q.tolist() == [2.0]  # ceil(5 x 0.8) = 4th smallest of the 4 finite scores


def test_monthly_ets_searches_additive_errors_only():
    # positive seasonal data where a multiplicative-error model could be picked: monthly data
    # searches additive errors only (point recursions are the same), quarterly keeps the full search
    rng = np.random.default_rng(5)
    y = (100 + 30 * np.sin(np.arange(48) * 2 * np.pi / 12)) * rng.lognormal(0, 0.2, 48)
    st: dict = {}
    F._model_forecast("ets", y, 6, 12, (), st)
    assert st["ets"][0][0] == "A"
    assert F.ets_search(12) == "AZZ" and F.ets_search(4) == "ZZZ" and F.ets_search(1) == "ZZZ"


def test_change_vs_last_cycle_never_reads_minus_zero():
    # a forecast 0.2% below the last cycle rounds to 0%: "+0%", not "-0%"
    r, prev, cost = _exceptions_case()
    a = r.forecast.loc[r.forecast["item_id"] == "A"]
    prev = prev.copy()
    prev.loc[prev["item_id"] == "A", "final_forecast"] = a["forecast"].to_numpy()[:6] * 1.002
    ex = F.forecast_exceptions(r, r.forecast, prev, ["item_id"], cost, max_rows=50, threshold=0)
    t = ex.full.set_index("item_id")
    assert t.loc["A", "vs_last_cycle"] == "+0%"
