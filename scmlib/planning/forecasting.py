"""Statistical demand forecasting with per-series model selection by rolling-origin backtest.

Input is a tidy long frame: id column(s), a period-start ``date`` and a ``quantity``.
:func:`forecast` returns a :class:`ForecastResult` holding

- ``forecast``: id columns, date, forecast, ``lo_80``/``hi_80``/``lo_95``/``hi_95`` (one pair
  per level), model, rule;
- ``metrics``: backtest metrics per series and candidate model (MASE, RMSSE, sMAPE, MAE,
  WMAPE, bias, interval coverage), with the selected model marked;
- ``backtest``: the selected model's backtest forecasts against actuals;
- ``profile``: demand class (Syntetos-Boylan) and the rule applied per series.

Models (names used in ``models=``): ``naive``, ``seasonal_naive``, ``moving_average``,
``ets`` (statsforecast AutoETS), ``theta`` (AutoTheta), ``arima`` (statsforecast AutoARIMA
with a bounded search), ``arima_pm`` (pmdarima ``auto_arima``, bounded, slow), ``croston``,
``sba``, ``tsb``; ``combination`` (the mean of the best ``combine_top`` candidates) is added
when ``combine=True``.

Rules, applied per series before fitting (each recorded in the ``rule`` column):

- missing periods inside a series are zero demand;
- negative values (net returns) are clipped to zero: the engine forecasts gross demand;
- ``clean_outliers``: values beyond median +/- 5 x 1.4826 MAD of the series are capped;
- **no history** (new item, only known from the item master) or **all zeros**: forecast 0,
  zero-width intervals, flagged for planner input;
- **end of life**: periods after the item's ``eol_date`` are forecast 0;
- **short series** (fewer than two seasons): seasonal models are not candidates; the
  backtest uses as many rolling origins as leave at least ``min_backtest`` points of
  training data; with none, the theta method (SBA for intermittent series) is used;
- **intermittent / lumpy** (ADI >= 1.32): Croston, SBA and TSB join naive and moving average
  as candidates; smooth and erratic series use the continuous models.

Selection: for every series and candidate, ``n_windows`` rolling origins each forecast
``backtest_horizon`` periods from data strictly before the origin (no leakage); the model
with the lowest mean ``metric`` wins, except that the combination is kept unless a single
model beats it by more than ``select_margin`` (30%): per-series selection is noisy and
combinations of exponential smoothing and Theta forecasts are hard to beat (Makridakis &
Hibon 2000; Petropoulos et al. 2018, "Judgmental selection of forecasting models").
The combination averages the structural models that ran (ETS, Theta, classic Theta, ARIMA);
for intermittent series it averages the best ``combine_top`` candidates.

Intervals: an empirical normal interval whose standard deviation at step k is
sigma_1 sqrt(k), sigma_1 estimated from the series' backtest errors, widened to the
model's own interval where it has one (statsforecast's ETS, ARIMA, Theta, naive); model
intervals alone ignore selection uncertainty and run narrow. Interval coverage is measured
out of sample on the empirical intervals: each backtest window's interval uses the errors of
the other windows only (the final intervals, widened to the model's own, are at least as
wide, so the reported coverage is a lower bound). Lower bounds are floored at zero.

References: Hyndman & Athanasopoulos, *Forecasting: Principles and Practice* (3rd ed.),
ch. 5.10 (time-series cross-validation), 8 (ETS), 9 (ARIMA); Assimakopoulos & Nikolopoulos
(2000) (Theta); Croston (1972); Syntetos & Boylan (2005) (SBA); Teunter, Syntetos &
Babai (2011) (TSB); Hyndman & Koehler (2006) (MASE).
"""

from __future__ import annotations

import functools
import os
import warnings
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from scmlib.core.demand import ADI_CUTOFF, complete_periods, demand_class

FREQS = {"MS": 12, "M": 12, "W": 52, "W-MON": 52, "D": 7, "QS": 4, "YS": 1}
CONTINUOUS = ("naive", "seasonal_naive", "moving_average", "ets", "theta", "theta_classic", "arima", "arima_pm")
INTERMITTENT = ("naive", "moving_average", "croston", "sba", "tsb")
ALL_MODELS = ("naive", "seasonal_naive", "moving_average", "ets", "theta", "theta_classic", "arima", "arima_pm", "croston", "sba", "tsb")
DEFAULT_MODELS = ("naive", "seasonal_naive", "moving_average", "ets", "theta_classic", "croston", "sba", "tsb")
ENSEMBLE = ("ets", "theta", "theta_classic", "arima", "arima_pm")
METRICS = ("mase", "rmsse", "smape", "mae", "wmape")
SEASONAL = {"seasonal_naive"}


def season_length(freq: str) -> int:
    if freq not in FREQS:
        raise ValueError(f"frequency must be one of {list(FREQS)}, got {freq!r}")
    return FREQS[freq]


def _pin_threads() -> None:
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS"):
        os.environ[var] = "1"
    try:
        from threadpoolctl import threadpool_limits

        threadpool_limits(1)
    except Exception:  # threadpoolctl missing: environment variables still apply to new pools
        pass


# --------------------------------------------------------------------------- single models


def _cache_normal_quantiles() -> None:
    """statsforecast 2.1.1 freezes a new scipy distribution for every interval it computes
    (about 0.6 ms, a sixth of this engine's time); normal quantiles depend only on the levels,
    so they are cached. Other distributions go to the original function unchanged."""
    import statsforecast.utils as su

    original = getattr(su, "_quantiles", None)
    if original is None or getattr(original, "_scm_cached", False):
        return

    @functools.lru_cache(maxsize=256)
    def normal(levels: tuple) -> np.ndarray:
        return original(np.asarray(levels))

    def quantiles(level, distribution="normal", dist_params=None):
        if distribution == "normal" and dist_params is None:
            return normal(tuple(np.atleast_1d(np.asarray(level, dtype=float)).tolist())).copy()
        return original(level, distribution, dist_params)

    quantiles._scm_cached = True
    su._quantiles = quantiles


def _model_forecast(name: str, y: np.ndarray, h: int, m: int, levels: Sequence[int], state: dict | None = None) -> dict[str, np.ndarray]:
    """Fit one model on ``y`` and forecast ``h`` steps; returns {'mean', 'lo-80', ...} (intervals when native).

    ``state`` (a dict kept across the backtest windows of one series) lets ETS search its
    structure once, on the first window's training data, and refit only the parameters on
    later windows: no leakage, and the backtest costs a fraction of four full searches.
    """
    from statsforecast import models as sf

    _cache_normal_quantiles()
    lv = list(levels)
    seasonal_ok = len(y) >= 2 * m
    if name == "naive":
        return sf.Naive().forecast(y=y, h=h, level=lv)
    if name == "seasonal_naive":
        return sf.SeasonalNaive(season_length=m).forecast(y=y, h=h, level=lv)
    if name == "moving_average":
        return sf.WindowAverage(window_size=min(len(y), max(3, m // 4))).forecast(y=y, h=h)
    if name == "ets":
        spec = state.get("ets") if state is not None else None
        try:
            if spec is not None:
                model = sf.AutoETS(season_length=spec[2], model=spec[0], damped=spec[1])
            else:
                model = sf.AutoETS(season_length=m if seasonal_ok else 1)
            model.fit(y)
        except Exception:  # "tiny datasets": statsforecast needs a few points more than parameters
            model = sf.AutoETS(season_length=1, model="ANN")
            model.fit(y)
        if state is not None and spec is None:
            comp = model.model_["components"]
            state["ets"] = (comp[:3], comp[3] == "D", model.season_length)
        return model.predict(h=h, level=lv)
    if name == "theta":
        return sf.AutoTheta(season_length=m if seasonal_ok else 1).forecast(y=y, h=h, level=lv)
    if name == "theta_classic":
        return sf.Theta(season_length=m if seasonal_ok else 1).forecast(y=y, h=h, level=lv)
    if name == "arima":
        return sf.AutoARIMA(season_length=m if seasonal_ok else 1, max_p=2, max_q=2, max_P=1, max_Q=1, max_d=1, max_D=1, stepwise=True).forecast(y=y, h=h, level=lv)
    if name == "arima_pm":
        import pmdarima as pm

        model = pm.auto_arima(y, seasonal=seasonal_ok, m=m if seasonal_ok else 1, max_p=2, max_q=2, max_P=1, max_Q=1, max_order=4,
                              stepwise=True, suppress_warnings=True, error_action="ignore", maxiter=30)
        out = {"mean": np.asarray(model.predict(n_periods=h), dtype=float)}
        for level in lv:
            _, conf = model.predict(n_periods=h, return_conf_int=True, alpha=1 - level / 100)
            out[f"lo-{level}"], out[f"hi-{level}"] = np.asarray(conf[:, 0]), np.asarray(conf[:, 1])
        return out
    if name == "croston":
        return sf.CrostonClassic().forecast(y=y, h=h)
    if name == "sba":
        return sf.CrostonSBA().forecast(y=y, h=h)
    if name == "tsb":
        return sf.TSB(alpha_d=0.1, alpha_p=0.1).forecast(y=y, h=h)
    raise ValueError(f"unknown model {name!r}; choose from {list(ALL_MODELS)}")


def _safe_forecast(name, y, h, m, levels, state=None):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            out = _model_forecast(name, y, h, m, levels, state)
        except Exception:
            return None
    mean = np.asarray(out["mean"], dtype=float)
    if mean.shape != (h,) or not np.all(np.isfinite(mean)):
        return None
    return out


# --------------------------------------------------------------------------- metrics used for selection


def _scale(y_train: np.ndarray, m: int) -> tuple[float, float]:
    """In-sample MAE and RMSE of the seasonal naive (naive if too short): MASE / RMSSE scales."""
    lag = m if len(y_train) > m else 1
    d = np.abs(y_train[lag:] - y_train[:-lag]) if len(y_train) > lag else np.array([])
    mae = float(d.mean()) if d.size else np.nan
    rmse = float(np.sqrt((d**2).mean())) if d.size else np.nan
    if not mae or not np.isfinite(mae):
        mae = float(np.mean(np.abs(y_train))) or 1.0
    if not rmse or not np.isfinite(rmse):
        rmse = float(np.sqrt(np.mean(y_train**2))) or 1.0
    return mae, rmse


def _window_metrics(actual: np.ndarray, pred: np.ndarray, mae_scale: float, rmse_scale: float) -> dict[str, float]:
    err = actual - pred
    denom = np.abs(actual) + np.abs(pred)
    with np.errstate(divide="ignore", invalid="ignore"):
        smape = np.where(denom > 0, 200 * np.abs(err) / denom, 0.0).mean()
    return {
        "mae": float(np.abs(err).mean()),
        "mase": float(np.abs(err).mean() / mae_scale),
        "rmsse": float(np.sqrt((err**2).mean()) / rmse_scale),
        "smape": float(smape),
        "abs_err": float(np.abs(err).sum()),
        "actual": float(np.abs(actual).sum()),
        "bias": float((pred - actual).mean()),
    }


# --------------------------------------------------------------------------- one series


@dataclass
class SeriesSpec:
    key: tuple
    y: np.ndarray  # full history (zeros filled), oldest first
    dates: np.ndarray  # period starts of y
    eol_index: int | None = None  # position (in future periods, 0 = first forecast period) from which demand ends
    new_item: bool = False


@dataclass
class Settings:
    h: int
    m: int
    freq: str
    models: tuple[str, ...]
    levels: tuple[int, ...]
    n_windows: int
    backtest_horizon: int
    metric: str
    combine: bool
    combine_top: int
    clean_outliers: bool
    select_margin: float
    min_backtest: int


def _cap_outliers(y: np.ndarray) -> tuple[np.ndarray, int]:
    med = np.median(y)
    mad = 1.4826 * np.median(np.abs(y - med))
    if mad <= 0:
        return y, 0
    hi, lo = med + 5 * mad, max(0.0, med - 5 * mad)
    capped = np.clip(y, lo, hi)
    return capped, int((capped != y).sum())


@functools.lru_cache(maxsize=None)
def _z(level: int) -> float:
    from scipy.stats import norm

    return float(norm.ppf(0.5 + level / 200))


def _empirical_intervals(mean: np.ndarray, sigma1: float, levels: Sequence[int]) -> dict[str, np.ndarray]:
    steps = np.sqrt(np.arange(1, len(mean) + 1))
    out = {}
    for level in levels:
        z = _z(level)
        out[f"lo-{level}"] = mean - z * sigma1 * steps
        out[f"hi-{level}"] = mean + z * sigma1 * steps
    return out


def _union(native: dict, empirical: dict, levels: Sequence[int]) -> dict[str, np.ndarray]:
    """The wider of the model's own interval and the empirical (backtest-error) interval.

    Model-based intervals ignore model-selection and parameter uncertainty and tend to be
    too narrow; backtest errors measure what the forecasts actually missed by.
    """
    if not all(f"lo-{lv}" in native for lv in levels):
        return empirical
    out = {}
    for lv in levels:
        out[f"lo-{lv}"] = np.minimum(np.asarray(native[f"lo-{lv}"], dtype=float), empirical[f"lo-{lv}"])
        out[f"hi-{lv}"] = np.maximum(np.asarray(native[f"hi-{lv}"], dtype=float), empirical[f"hi-{lv}"])
    return out


def _sigma1(errors: np.ndarray, steps: np.ndarray) -> float:
    """sigma_1 from backtest errors under Var(e_k) = k sigma_1^2."""
    if errors.size == 0:
        return 0.0
    return float(np.sqrt(np.mean(errors**2 / steps)))


def forecast_one(s: SeriesSpec, cfg: Settings) -> dict:
    """Backtest, select and forecast one series; returns frames' rows as numpy arrays."""
    h, m, levels = cfg.h, cfg.m, cfg.levels
    y = np.clip(np.asarray(s.y, dtype=float), 0, None)
    rules = []
    if (np.asarray(s.y) < 0).any():
        rules.append("returns clipped")
    if cfg.clean_outliers and len(y) >= 8:
        y, n_capped = _cap_outliers(y)
        if n_capped:
            rules.append(f"{n_capped} outliers capped")
    nz = int((y > 0).sum())
    adi = len(y) / nz if nz else np.nan
    sizes = y[y > 0]
    cv2 = float((sizes.std() / sizes.mean()) ** 2) if nz > 1 else 0.0
    dclass = str(demand_class(np.array([adi]), np.array([cv2]))[0])
    zeros = np.zeros(h)
    empty_metrics: list[dict] = []
    if len(y) == 0 or nz == 0:
        rule = "new item: no history" if len(y) == 0 or s.new_item else "all-zero history"
        return _pack(s, zeros, {f"lo-{lv}": zeros for lv in levels} | {f"hi-{lv}": zeros for lv in levels}, "zero", "; ".join([rule, *rules]), dclass, adi, cv2, empty_metrics, None)
    candidates = [mdl for mdl in cfg.models if mdl in (INTERMITTENT if adi >= ADI_CUTOFF else CONTINUOUS)]
    if len(y) < 2 * m:
        candidates = [c for c in candidates if c not in SEASONAL]
        rules.append("short series: no seasonal models")
    if not candidates:
        candidates = ["moving_average"]
    hb = min(cfg.backtest_horizon, h)
    metrics_rows: list[dict] = []
    bt_preds: dict[str, list[np.ndarray]] = {}
    bt_native: dict[str, list[dict]] = {}
    origins: list[int] = []
    for n_win in range(cfg.n_windows, 0, -1):  # as many rolling origins as the history allows
        first_origin = len(y) - hb * n_win
        if first_origin >= cfg.min_backtest:
            origins = [first_origin + w * hb for w in range(n_win)]
            if n_win < cfg.n_windows:
                rules.append(f"short history: {n_win} backtest window{'s' if n_win > 1 else ''}")
            break
    for name in candidates:
        preds, natives, state = [], [], {}
        for o in origins:
            out = _safe_forecast(name, y[:o], hb, m, (), state)  # point forecasts: intervals come from the errors
            if out is None:
                break
            preds.append(np.clip(np.asarray(out["mean"], dtype=float), 0, None))
            natives.append(out)
        if origins and len(preds) == len(origins):
            bt_preds[name] = preds
            bt_native[name] = natives
    if cfg.combine and len(bt_preds) >= 2:
        # the ensemble of the structural models when at least two ran, else the best few candidates
        top = [n for n in ENSEMBLE if n in bt_preds]
        if len(top) < 2:
            score = {n: np.mean([_window_metrics(y[o:o + hb], p, *_scale(y[:o], m))[cfg.metric] for o, p in zip(origins, ps)]) for n, ps in bt_preds.items()}
            top = sorted(score, key=score.get)[: cfg.combine_top]
        if len(top) >= 2:
            bt_preds["combination"] = [np.mean([bt_preds[t][w] for t in top], axis=0) for w in range(len(origins))]
            bt_native["combination"] = [{} for _ in origins]
    else:
        top = []
    steps_bt = np.arange(1, hb + 1)
    for name, preds in bt_preds.items():
        per_window = []
        cover = {lv: [] for lv in levels}
        errs = [y[o:o + hb] - p for o, p in zip(origins, preds)]
        for w, (o, p) in enumerate(zip(origins, preds)):
            actual = y[o:o + hb]
            per_window.append(_window_metrics(actual, p, *_scale(y[:o], m)))
            # leave-one-window-out empirical intervals: honest, out-of-sample coverage
            others = [e for j, e in enumerate(errs) if j != w]
            sig = _sigma1(np.concatenate(others), np.tile(steps_bt, len(others))) if others else 0.0
            bounds = _empirical_intervals(p, sig, levels)
            for lv in levels:
                lo, hi = np.maximum(bounds[f"lo-{lv}"], 0), bounds[f"hi-{lv}"]
                cover[lv].append(((actual >= lo - 1e-9) & (actual <= hi + 1e-9)).mean())
        row = {k: float(np.mean([pw[k] for pw in per_window])) for k in ("mae", "mase", "rmsse", "smape", "bias")}
        row["wmape"] = float(sum(pw["abs_err"] for pw in per_window) / max(sum(pw["actual"] for pw in per_window), 1e-9))
        for lv in levels:
            row[f"coverage_{lv}"] = float(np.mean(cover[lv]))
        row["model"] = name
        metrics_rows.append(row)
    if metrics_rows:
        best = min(metrics_rows, key=lambda r: (r[cfg.metric], ALL_MODELS.index(r["model"]) if r["model"] in ALL_MODELS else 99))
        chosen = best["model"]
        combo = next((r for r in metrics_rows if r["model"] == "combination"), None)
        if combo is not None and chosen != "combination" and not best[cfg.metric] < (1 - cfg.select_margin) * combo[cfg.metric]:
            chosen = "combination"  # a single model must beat the ensemble clearly to replace it
    else:
        preferred = ("sba", "croston", "moving_average") if adi >= ADI_CUTOFF else ("theta", "theta_classic", "ets", "naive")
        chosen = next((c for c in preferred if c in candidates), candidates[0])
        rules.append(f"too short to backtest: {chosen}")
    for r in metrics_rows:
        r["selected"] = r["model"] == chosen
    # final fit on all the history
    if chosen == "combination":
        outs = [_safe_forecast(t, y, h, m, levels) for t in top]
        outs = [o for o in outs if o is not None]
        mean = np.mean([o["mean"] for o in outs], axis=0)
        native = {}
    else:
        native = _safe_forecast(chosen, y, h, m, levels) or _safe_forecast("moving_average", y, h, m, levels) or {"mean": np.full(h, y[-3:].mean())}
        mean = np.asarray(native["mean"], dtype=float)
    errs_all = [y[o:o + hb] - p for o, p in zip(origins, bt_preds.get(chosen, []))]
    if errs_all:
        sig = _sigma1(np.concatenate(errs_all), np.tile(steps_bt, len(errs_all)))
    else:
        sig = float(np.std(np.diff(y))) if len(y) > 2 else float(np.mean(y))
    bounds = _union(native, _empirical_intervals(mean, sig, levels), levels)
    mean = np.clip(mean, 0, None)
    bounds = {k: np.clip(v, 0, None) for k, v in bounds.items()}
    if s.eol_index is not None and s.eol_index < h:
        start = max(s.eol_index, 0)
        mean[start:] = 0
        for k in bounds:
            bounds[k][start:] = 0
        rules.append("end of life")
    bt = None
    if chosen in bt_preds:
        idx = np.concatenate([np.arange(o, o + hb) for o in origins])
        bt = (idx, np.concatenate(bt_preds[chosen]), np.repeat(origins, hb), y[idx])
    return _pack(s, mean, bounds, chosen, "; ".join(rules), dclass, adi, cv2, metrics_rows, bt)


def _pack(s, mean, bounds, model, rule, dclass, adi, cv2, metrics_rows, bt):
    return {"key": s.key, "mean": mean, "bounds": bounds, "model": model, "rule": rule, "demand_class": dclass,
            "adi": adi, "cv2": cv2, "metrics": metrics_rows, "backtest": bt, "n": len(s.y)}


def _warm_up(cfg: Settings) -> None:
    """Run every candidate model once on a small series (numba compiles or loads its cache)."""
    y = 10 + np.sin(np.arange(3 * cfg.m + 6, dtype=float))
    for name in cfg.models:
        _safe_forecast(name, y, 2, cfg.m, cfg.levels, {})


def _run_chunk(chunk: list[SeriesSpec], cfg: Settings) -> list[dict]:
    _pin_threads()
    return [forecast_one(s, cfg) for s in chunk]


# --------------------------------------------------------------------------- the public call


@dataclass
class ForecastResult:
    forecast: pd.DataFrame
    metrics: pd.DataFrame
    backtest: pd.DataFrame
    profile: pd.DataFrame
    interrupted: bool = False
    settings: dict = field(default_factory=dict)


def _prepare(df: pd.DataFrame, id_cols: list[str], freq: str, target: str, date_col: str):
    missing = [c for c in [*id_cols, date_col, target] if c not in df.columns]
    if missing:
        raise ValueError(f"forecast input is missing column(s) {missing}; got columns {list(df.columns)}")
    if df.empty:
        raise ValueError("forecast input is empty: no demand rows to forecast")
    if not pd.api.types.is_datetime64_any_dtype(df[date_col]):
        raise ValueError(f"column '{date_col}' must hold dates, got dtype {df[date_col].dtype}")
    offset = pd.tseries.frequencies.to_offset(freq)
    on_grid = df[date_col] == (df[date_col] + offset - offset) if freq != "D" else pd.Series(True, index=df.index)
    if not on_grid.all():
        bad = df.loc[~on_grid, date_col].head(3).dt.strftime("%Y-%m-%d").tolist()
        raise ValueError(f"column '{date_col}' must hold period starts for frequency {freq!r}, got e.g. {bad}: aggregate to period starts first")
    full = complete_periods(df[[*id_cols, date_col, target]], id_cols, date_col, target)
    return full, offset


def forecast(
    df: pd.DataFrame,
    h: int = 18,
    freq: str = "MS",
    id_cols: Sequence[str] = ("item_id",),
    models: Sequence[str] = DEFAULT_MODELS,
    levels: Sequence[int] = (80, 95),
    n_windows: int = 3,
    backtest_horizon: int | None = None,
    metric: str = "mase",
    combine: bool = True,
    combine_top: int = 3,
    select_margin: float = 0.3,
    clean_outliers: bool = False,
    eol_dates: pd.DataFrame | None = None,
    new_items: pd.DataFrame | None = None,
    target: str = "quantity",
    date_col: str = "date",
    n_jobs: int | None = None,
    engine: str = "local",
    address: str | None = None,
    progress: bool = True,
    chunk_size: int = 25,
) -> ForecastResult:
    """Forecast every series of ``df`` ``h`` periods ahead (see the module docstring).

    Parameters
    ----------
    df : long frame with ``id_cols``, ``date_col`` (period starts) and ``target``.
    eol_dates : optional frame with ``id_cols`` (or ``item_id``) and ``eol_date``.
    new_items : optional frame of ``id_cols`` to forecast although they have no history.
    engine : ``local`` (processes on this machine, ``n_jobs`` of them; default all cores)
        or ``dask`` (a dask.distributed cluster at ``address``; a local cluster if None).
    progress : show a progress bar (notebook or terminal). Ctrl-C / kernel interrupt stops
        the run and returns the series already done with ``interrupted=True``.
    """
    id_cols = list(id_cols)
    m = season_length(freq)
    if not isinstance(h, (int, np.integer)) or h < 1:
        raise ValueError(f"horizon h must be a positive integer, got {h!r}")
    bad = [x for x in models if x not in ALL_MODELS]
    if bad or not models:
        raise ValueError(f"unknown model(s) {bad or '[]'}; choose from {list(ALL_MODELS)}")
    if metric not in METRICS:
        raise ValueError(f"selection metric must be one of {list(METRICS)}, got {metric!r}")
    if n_windows < 1:
        raise ValueError(f"n_windows must be >= 1, got {n_windows!r}")
    bad_levels = [lv for lv in levels if not 0 < lv < 100]
    if bad_levels:
        raise ValueError(f"interval levels must be between 0 and 100, got {bad_levels}")
    if engine not in ("local", "dask"):
        raise ValueError(f"engine must be 'local' or 'dask', got {engine!r}")
    levels = tuple(int(lv) for lv in levels)
    cfg = Settings(h=int(h), m=m, freq=freq, models=tuple(models), levels=levels, n_windows=int(n_windows),
                   backtest_horizon=int(backtest_horizon or min(h, max(m // 2, 1))), metric=metric, combine=combine,
                   combine_top=combine_top, clean_outliers=clean_outliers, select_margin=float(select_margin), min_backtest=max(6, min(m, 12)))
    full, offset = _prepare(df, id_cols, freq, target, date_col)
    last = full[date_col].max()
    future = pd.date_range(last + offset, periods=h, freq=freq)
    keys = full[id_cols].drop_duplicates()
    if new_items is not None and len(new_items):
        extra = new_items[id_cols].drop_duplicates().merge(keys, how="left", indicator=True)
        extra = extra[extra["_merge"] == "left_only"].drop(columns="_merge")
    else:
        extra = keys.iloc[:0]
    eol_pos = {}
    if eol_dates is not None and len(eol_dates):
        on = [c for c in id_cols if c in eol_dates.columns]
        e = keys.merge(eol_dates[[*on, "eol_date"]].dropna(), on=on, how="inner")
        pos = np.searchsorted(future.values, e["eol_date"].values)
        eol_pos = dict(zip(map(tuple, e[id_cols].to_numpy()), pos))
    grouped = full.groupby(id_cols, sort=True, observed=True)
    ys = grouped[target].apply(np.asarray)
    ds = grouped[date_col].apply(np.asarray)
    specs = [SeriesSpec(k if isinstance(k, tuple) else (k,), y, d, eol_pos.get(k if isinstance(k, tuple) else (k,))) for k, y, d in zip(ys.index, ys.to_numpy(), ds.to_numpy())]
    specs += [SeriesSpec(tuple(k), np.zeros(0), np.array([], dtype="datetime64[ns]"), None, True) for k in extra.to_numpy()]
    chunks = [specs[i:i + chunk_size] for i in range(0, len(specs), chunk_size)]
    results, interrupted = _execute(chunks, cfg, n_jobs, engine, address, progress, len(specs))
    return _assemble(results, cfg, id_cols, future, date_col, full, interrupted)


def _progress_bar(total: int, enabled: bool):
    from tqdm.auto import tqdm

    return tqdm(total=total, desc="forecasting", unit="series", disable=not enabled or os.environ.get("TQDM_DISABLE") == "1")


def _execute(chunks, cfg, n_jobs, engine, address, progress, total):
    results: list[dict] = []
    bar = _progress_bar(total, progress)
    interrupted = False
    n_jobs = n_jobs or os.cpu_count() or 1
    try:
        if engine == "dask":
            from dask.distributed import Client, LocalCluster
            from dask.distributed import as_completed as dask_completed

            cluster = None
            if address is None:
                cluster = LocalCluster(n_workers=n_jobs, threads_per_worker=1, processes=True, dashboard_address=None)
            client = Client(address or cluster)
            try:
                futures = client.map(_run_chunk, chunks, cfg=cfg, pure=False)
                for fut in dask_completed(futures):
                    part = fut.result()
                    results.extend(part)
                    bar.update(len(part))
            finally:
                client.close()
                if cluster is not None:
                    cluster.close()
        elif n_jobs == 1 or len(chunks) <= 1:
            _pin_threads()
            for chunk in chunks:
                part = _run_chunk(chunk, cfg)
                results.extend(part)
                bar.update(len(part))
        else:
            import multiprocessing as mp

            ctx = mp.get_context("fork") if "fork" in mp.get_all_start_methods() else None
            if ctx is not None:
                _warm_up(cfg)  # compile the models once here; forked workers inherit them
            with ProcessPoolExecutor(max_workers=n_jobs, mp_context=ctx, initializer=_pin_threads) as pool:
                futures = [pool.submit(_run_chunk, c, cfg) for c in chunks]
                try:
                    for fut in as_completed(futures):
                        part = fut.result()
                        results.extend(part)
                        bar.update(len(part))
                except KeyboardInterrupt:
                    for f in futures:
                        f.cancel()
                    raise
    except KeyboardInterrupt:
        interrupted = True
    finally:
        bar.close()
    return results, interrupted


def _assemble(results, cfg, id_cols, future, date_col, full, interrupted) -> ForecastResult:
    results = sorted(results, key=lambda r: tuple(map(str, r["key"])))
    n, h = len(results), cfg.h
    keys = np.array([r["key"] for r in results], dtype=object).reshape(n, len(id_cols)) if n else np.empty((0, len(id_cols)), dtype=object)
    fc = pd.DataFrame({c: np.repeat(keys[:, i], h) for i, c in enumerate(id_cols)})
    fc[date_col] = np.tile(future.values, n)
    fc["forecast"] = np.concatenate([r["mean"] for r in results]) if n else []
    for lv in cfg.levels:
        fc[f"lo_{lv}"] = np.concatenate([r["bounds"][f"lo-{lv}"] for r in results]) if n else []
        fc[f"hi_{lv}"] = np.concatenate([r["bounds"][f"hi-{lv}"] for r in results]) if n else []
    fc["model"] = np.repeat([r["model"] for r in results], h)
    prof = pd.DataFrame({c: keys[:, i] for i, c in enumerate(id_cols)})
    for col in ("model", "rule", "demand_class", "adi", "cv2", "n"):
        prof[col] = [r[col] for r in results]
    prof = prof.rename(columns={"n": "history_periods"})
    mrows = [(r["key"], row) for r in results for row in r["metrics"]]
    if mrows:
        met = pd.DataFrame([row for _, row in mrows])
        kk = np.array([k for k, _ in mrows], dtype=object).reshape(len(mrows), len(id_cols))
        for i, c in enumerate(id_cols):
            met.insert(i, c, kk[:, i])
    else:
        met = pd.DataFrame(columns=[*id_cols, "model", *METRICS, "bias", "selected"])
    # backtest of the selected model, with actuals and dates
    pieces = []
    series_dates = full.groupby(id_cols, sort=True, observed=True)[date_col].apply(np.asarray)
    for r in results:
        if r["backtest"] is None:
            continue
        idx, pred, origin, actual = r["backtest"]
        k = r["key"] if len(id_cols) > 1 else r["key"][0]
        d = series_dates[k]
        piece = pd.DataFrame({date_col: d[idx], "origin": d[origin], "actual": actual, "forecast": pred})
        for i, c in enumerate(id_cols):
            piece.insert(i, c, r["key"][i])
        pieces.append(piece)
    bt = pd.concat(pieces, ignore_index=True) if pieces else pd.DataFrame(columns=[*id_cols, date_col, "origin", "actual", "forecast"])
    settings = {"h": h, "freq": cfg.freq, "season_length": cfg.m, "models": list(cfg.models), "levels": list(cfg.levels),
                "n_windows": cfg.n_windows, "backtest_horizon": cfg.backtest_horizon, "metric": cfg.metric, "combine": cfg.combine}
    return ForecastResult(fc, met, bt, prof, interrupted, settings)


def reconcile_bottom_up(fc: pd.DataFrame, mapping: pd.DataFrame, by: str, id_col: str = "item_id", date_col: str = "date") -> pd.DataFrame:
    """Aggregate item forecasts to a higher level (e.g. category, total) by summing points.

    Bottom-up reconciliation: higher-level forecasts are the sums of the item forecasts, so
    they add up by construction (Hyndman & Athanasopoulos, FPP3 section 11.2).
    """
    if by == "total":
        g = fc.groupby(date_col, as_index=False)["forecast"].sum()
        g.insert(0, "level", "total")
        return g
    merged = fc.merge(mapping[[id_col, by]].drop_duplicates(id_col), on=id_col, how="left")
    return merged.groupby([by, date_col], as_index=False)["forecast"].sum()


def forecast_exceptions(new: pd.DataFrame, previous: pd.DataFrame, metrics: pd.DataFrame, id_cols: Sequence[str],
                        threshold: float = 0.15, max_mase: float = 1.5, date_col: str = "date") -> pd.DataFrame:
    """Series for planner review.

    - ``changed``: over the periods both cycles cover, the total new forecast differs from the
      previous cycle's final forecast by more than ``threshold`` (relative change);
    - ``high_error``: the selected model's backtest MASE exceeds ``max_mase``.
    ``previous`` has ``id_cols``, ``target_date`` and ``final_forecast`` (latest cycle).
    """
    id_cols = list(id_cols)
    out = []
    if previous is not None and len(previous):
        prev = previous.rename(columns={"target_date": date_col}).groupby([*id_cols, date_col], as_index=False)["final_forecast"].sum()
        j = new.merge(prev, on=[*id_cols, date_col], how="inner").groupby(id_cols, as_index=False)[["forecast", "final_forecast"]].sum()
        j["change"] = (j["forecast"] - j["final_forecast"]) / j["final_forecast"].where(j["final_forecast"] > 0)
        j = j[j["change"].abs() > threshold].assign(reason=lambda d: "forecast changed by " + (d["change"] * 100).round(0).astype(int).astype(str) + "% vs previous cycle")
        out.append(j[[*id_cols, "forecast", "final_forecast", "change", "reason"]].rename(columns={"forecast": "new_forecast", "final_forecast": "previous_forecast"}))
    sel = metrics[metrics["selected"] == True] if len(metrics) else metrics  # noqa: E712
    if len(sel):
        hi = sel[sel["mase"] > max_mase][[*id_cols, "mase", "model"]].copy()
        hi["reason"] = "high backtest error: MASE " + hi["mase"].round(2).astype(str) + " with " + hi["model"]
        out.append(hi[[*id_cols, "mase", "reason"]])
    if not out:
        return pd.DataFrame(columns=[*id_cols, "reason"])
    res = pd.concat(out, ignore_index=True)
    return res.groupby(id_cols, as_index=False).agg({**{c: "first" for c in res.columns if c not in id_cols and c != "reason"}, "reason": "; ".join})


def read_overrides(path) -> pd.DataFrame:
    """Read a planner overrides CSV (path relative to the project root); missing file: clear error."""
    from scmlib.paths import resolve

    p = resolve(path)
    if not p.is_file():
        raise ValueError(f"overrides file not found: {p}")
    return pd.read_csv(p, dtype=str)


def apply_overrides(fc: pd.DataFrame, overrides: pd.DataFrame, id_cols: Sequence[str], date_col: str = "date") -> tuple[pd.DataFrame, pd.DataFrame]:
    """Replace forecasts with planner overrides (columns: id_cols, date, value, reason).

    Every override needs a reason; overrides for unknown series or periods outside the
    horizon are an error naming the rows, never silently dropped.
    """
    id_cols = list(id_cols)
    need = [*id_cols, date_col, "value", "reason"]
    missing = [c for c in need if c not in overrides.columns]
    if missing:
        raise ValueError(f"overrides file is missing column(s) {missing}; expected columns {need}")
    ov = overrides.copy()
    ov[date_col] = pd.to_datetime(ov[date_col], errors="coerce")
    if ov[date_col].isna().any() or pd.to_numeric(ov["value"], errors="coerce").isna().any():
        rows = ov.index[ov[date_col].isna() | pd.to_numeric(ov["value"], errors="coerce").isna()][:5] + 2
        raise ValueError(f"overrides: unreadable date or value in rows {list(rows)}")
    if ov["reason"].isna().any() or (ov["reason"].astype(str).str.strip() == "").any():
        rows = ov.index[ov["reason"].isna() | (ov["reason"].astype(str).str.strip() == "")][:5] + 2
        raise ValueError(f"overrides: every override needs a reason; rows {list(rows)} have none")
    ov["value"] = pd.to_numeric(ov["value"])
    for c in id_cols:
        ov[c] = ov[c].astype(str)
    j = ov.merge(fc[[*id_cols, date_col, "forecast"]], on=[*id_cols, date_col], how="left", indicator=True)
    unknown = j[j["_merge"] == "left_only"]
    if len(unknown):
        ex = unknown.head(5)[[*id_cols, date_col]].astype(str).agg(" ".join, axis=1).tolist()
        raise ValueError(f"overrides: {len(unknown)} row(s) match no forecast (unknown series or date outside the horizon), e.g. {ex}")
    out = fc.merge(ov[[*id_cols, date_col, "value", "reason"]], on=[*id_cols, date_col], how="left")
    applied = out[out["value"].notna()][[*id_cols, date_col, "forecast", "value", "reason"]].rename(columns={"forecast": "statistical_forecast", "value": "final_forecast"})
    out["forecast"] = out["value"].fillna(out["forecast"])
    out["override_reason"] = out["reason"]
    return out.drop(columns=["value", "reason"]), applied.reset_index(drop=True)


LEVELS = {"item": ["item_id"], "item_location": ["item_id", "location_id"], "category": ["category"]}


def prepare_demand(demand: pd.DataFrame, items: pd.DataFrame, level: str = "item", freq: str = "MS") -> tuple[pd.DataFrame, list[str]]:
    """Aggregate ``demand_history`` to a forecasting level and frequency (period starts).

    ``level``: ``item``, ``item_location`` or ``category``; ``freq``: ``MS`` (months),
    ``W-MON`` (weeks starting Monday) or ``D``. Returns the long frame and its id columns.
    """
    if level not in LEVELS:
        raise ValueError(f"aggregation level must be one of {list(LEVELS)}, got {level!r}")
    season_length(freq)
    ids = LEVELS[level]
    df = demand
    if level == "category":
        df = demand.merge(items[["item_id", "category"]], on="item_id", how="left")
    if level == "item_location" and ("location_id" not in df.columns or df["location_id"].isna().all()):
        raise ValueError("aggregation level 'item_location' needs demand_history.location_id; use level 'item'")
    period = {"MS": "M", "M": "M", "W": "W-SUN", "W-MON": "W-SUN", "D": "D", "QS": "Q", "YS": "Y"}[freq]
    start = df["date"].dt.to_period(period).dt.start_time
    out = df.assign(date=start).groupby([*ids, "date"], as_index=False, observed=True)["quantity"].sum()
    return out, ids


def previous_cycle(snapshots: pd.DataFrame | None, items: pd.DataFrame, level: str) -> pd.DataFrame | None:
    """The latest forecast cycle's final forecasts per target period, at the forecasting level."""
    if snapshots is None or snapshots.empty:
        return None
    last = snapshots[snapshots["forecast_date"] == snapshots["forecast_date"].max()]
    if level == "category":
        last = last.merge(items[["item_id", "category"]], on="item_id", how="left")
    ids = LEVELS[level]
    return last.groupby([*ids, "target_date"], as_index=False)["final_forecast"].sum()


def accuracy_vs_benchmarks(result: ForecastResult, id_cols: Sequence[str], segment: str = "demand_class") -> pd.DataFrame:
    """Backtest accuracy per segment: the selected model against the naive benchmarks.

    Columns: series, mase_selected, mase_naive, mase_seasonal_naive (mean over series where
    the benchmark was a candidate), beats_naive (share of series where the selected model's
    MASE is below the naive's), coverage of each interval level (selected model).
    """
    id_cols = list(id_cols)
    met = result.metrics
    if met.empty:
        return pd.DataFrame()
    prof = result.profile[[*id_cols, segment]] if segment in result.profile.columns else result.profile[id_cols].assign(**{segment: "all"})
    wide = met.pivot_table(index=id_cols, columns="model", values="mase", aggfunc="first")
    sel = met[met["selected"] == True].set_index(id_cols)  # noqa: E712
    cov_cols = [c for c in sel.columns if c.startswith("coverage_")]
    df = pd.DataFrame({"mase_selected": sel["mase"], "wmape_selected": sel["wmape"]}).join(sel[cov_cols])
    for bench in ("naive", "seasonal_naive"):
        df[f"mase_{bench}"] = wide[bench] if bench in wide.columns else np.nan
    df = df.reset_index().merge(prof, on=id_cols, how="left")
    df["beats_naive"] = (df["mase_selected"] < df["mase_naive"]).where(df["mase_naive"].notna())
    g = df.groupby(segment, observed=True)
    out = g.agg(series=("mase_selected", "size"), mase_selected=("mase_selected", "mean"), mase_naive=("mase_naive", "mean"),
                mase_seasonal_naive=("mase_seasonal_naive", "mean"), beats_naive=("beats_naive", "mean"),
                **{c: (c, "mean") for c in cov_cols})
    return out.reset_index()
