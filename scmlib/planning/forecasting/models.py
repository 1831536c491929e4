"""Model adapters: one function fits any candidate model on one series and forecasts it.

Names: ``naive``, ``seasonal_naive``, ``moving_average``, ``ets`` (statsforecast AutoETS),
``theta`` (AutoTheta), ``theta_classic``, ``dotm`` (DynamicOptimizedTheta, Fiorucci et al.
2016), ``ces`` (AutoCES, Svetunkov & Kourentzes), ``arima`` (statsforecast AutoARIMA, bounded search),
``arima_pm`` (pmdarima, optional, slow), ``drift`` (random walk with drift: the last value plus
the mean historical change per period, Hyndman & Athanasopoulos, FPP3 ch. 5.2), ``croston``, ``sba``, ``tsb`` (TSB with its two
smoothing constants optimised), and for intermittent demand the flat mean forecasts
``moving_average_half`` / ``moving_average_season`` (mean of the last half season / season),
``ses`` (simple exponential smoothing, alpha optimised), ``adida`` and ``imapa`` (temporal
aggregation, Nikolopoulos et al. 2011; Petropoulos & Kourentzes 2015).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np

from scmlib.errors import ParameterError
from scmlib.planning.forecasting._statsforecast_patch import cache_normal_quantiles

FREQS = {"MS": 12, "M": 12, "W": 52, "W-MON": 52, "D": 7, "QS": 4, "YS": 1}
CONTINUOUS = (
    "naive",
    "seasonal_naive",
    "moving_average",
    "ets",
    "theta",
    "theta_classic",
    "dotm",
    "ces",
    "arima",
    "arima_pm",
    "drift",
)
INTERMITTENT = (
    "naive",
    "moving_average",
    "moving_average_half",
    "moving_average_season",
    "ses",
    "adida",
    "imapa",
    "croston",
    "sba",
    "tsb",
)
ALL_MODELS = (
    "naive",
    "seasonal_naive",
    "moving_average",
    "ets",
    "theta",
    "theta_classic",
    "dotm",
    "ces",
    "arima",
    "arima_pm",
    "croston",
    "sba",
    "tsb",
    "moving_average_half",
    "moving_average_season",
    "ses",
    "adida",
    "imapa",
    "drift",
)
DEFAULT_MODELS = (
    "naive",
    "seasonal_naive",
    "moving_average",
    "ets",
    "theta_classic",
    "croston",
    "sba",
    "tsb",
    "moving_average_half",
    "moving_average_season",
    "ses",
    "adida",
    "imapa",
)
# the intermittent candidates whose class-level combination replaces per-series selection
POOLED = ("moving_average_half", "moving_average_season", "ses", "adida", "imapa", "tsb")
ENSEMBLE = ("ets", "theta", "theta_classic", "dotm", "ces", "arima", "arima_pm", "drift")
# non-seasonal (yearly) series: the combination is the median of ETS, DOTM and drift (see
# default_models); theta_classic is not a default candidate there
NON_SEASONAL_DEFAULT = (
    *(n for n in DEFAULT_MODELS if n not in ("seasonal_naive", "theta_classic")),
    "dotm",
    "drift",
)
METRICS = ("mase", "rmsse", "smape", "mae", "wmape")
SEASONAL = {"seasonal_naive"}


def season_length(freq: str) -> int:
    if freq not in FREQS:
        raise ParameterError(f"frequency must be one of {list(FREQS)}, got {freq!r}")
    return FREQS[freq]


def default_models(freq: str) -> tuple[str, ...]:
    """The default candidates of a frequency: :data:`DEFAULT_MODELS`; for quarterly data
    those plus DynamicOptimizedTheta and AutoCES (the combination is then the median of ETS,
    classic Theta, DOTM and CES); for non-seasonal (yearly) data :data:`NON_SEASONAL_DEFAULT`,
    whose combination is the median of ETS, DynamicOptimizedTheta and drift.

    Quarterly: CES (Svetunkov & Kourentzes, complex exponential smoothing) was in every one of
    the best combinations of statsforecast's models on the M3 quarterly training data (the last
    8 quarters of the training part held out), and the four-model median met both M3 quarterly
    targets (sMAPE 8.953, MASE 1.083 against 8.937 / 1.087 without DOTM and CES), at six times
    the time (CES fits take about 0.1 s); monthly data keeps the faster two-model combination.

    Yearly series are mostly trend: the median of three forecasts with different trend models
    (ETS's damped or linear trend, DOTM's dynamically optimised theta line, drift's mean past
    change) is robust to the one that extrapolates wrongly; the median of a few univariate
    models is the SCUM design of Petropoulos & Svetunkov (2020), "A simple combination of
    univariate models", IJF 36(1), and DOTM is Fiorucci et al. (2016), IJF 32(4). Measured on
    M3 yearly in docs/benchmarks.md.

    Examples
    --------
    >>> [n for n in default_models("YS") if n in ENSEMBLE]
    ['ets', 'dotm', 'drift']
    >>> default_models("MS") == DEFAULT_MODELS
    True
    >>> default_models("QS")[-2:]
    ('dotm', 'ces')
    """
    m = season_length(freq)
    if m == 1:
        return NON_SEASONAL_DEFAULT
    return (*DEFAULT_MODELS, "dotm", "ces") if m == 4 else DEFAULT_MODELS


def ets_search(m: int) -> str:
    """The AutoETS search space of a season length: additive errors only (``"AZZ"``) for
    monthly and finer data, every error type (``"ZZZ"``) for quarterly and yearly data.

    The error type changes the likelihood and the model's own intervals, not the point
    forecast recursions (Hyndman et al. 2008, *Forecasting with Exponential Smoothing*, ch. 2),
    and the engine's bands come from backtest errors; searching additive errors only halves
    the search, the engine's largest cost. Measured (docs/benchmarks.md): on the demo's monthly
    series (held-out last 6 months, 1,400 series) MASE 1.093 against 1.095, 25% faster; on M3
    quarterly it cost 0.04 sMAPE, so quarterly and yearly keep the full search.

    >>> ets_search(12), ets_search(4)
    ('AZZ', 'ZZZ')
    """
    return "AZZ" if m >= 12 else "ZZZ"


TSB_GRID = (0.05, 0.1, 0.2, 0.3, 0.5)


def tsb_optimised(y: np.ndarray, grid: Sequence[float] = TSB_GRID) -> tuple[float, float, float]:
    """TSB (Teunter, Syntetos & Babai 2011) with both smoothing constants chosen on a grid.

    Demand size z is smoothed only in periods with demand (alpha), the demand probability p in
    every period (beta), so the forecast z p decays through runs of zeros: the method built for
    items going obsolete. (alpha, beta) minimise the in-sample one-step squared error (after a
    3-period burn-in) over ``grid`` x ``grid``, all pairs run at once as vectors.

    Returns
    -------
    (forecast, alpha, beta)

    Examples
    --------
    >>> f, a, b = tsb_optimised(np.array([0, 4, 0, 0, 4, 0, 0, 0, 4, 0, 0, 4.0]))
    >>> 0 < f < 4
    True
    """
    y = np.asarray(y, dtype=float)
    nz = y > 0
    if not nz.any():
        return 0.0, float(grid[0]), float(grid[0])
    pairs = np.array([(a, b) for a in grid for b in grid])
    alpha, beta = pairs[:, 0], pairs[:, 1]
    size = np.full(len(pairs), y[nz][0])
    prob = np.full(len(pairs), float(nz.mean()))
    sse = np.zeros(len(pairs))
    for t in range(len(y)):
        if t >= 3:
            sse += (y[t] - size * prob) ** 2
        if nz[t]:
            size = alpha * y[t] + (1 - alpha) * size
        prob = beta * nz[t] + (1 - beta) * prob
    k = int(np.argmin(sse))
    return float(size[k] * prob[k]), float(alpha[k]), float(beta[k])


def _model_forecast(
    name: str, y: np.ndarray, h: int, m: int, levels: Sequence[int], state: dict | None = None
) -> dict[str, np.ndarray]:
    """Fit one model on ``y`` and forecast ``h`` steps; returns {'mean', 'lo-80', ...} (intervals when native).

    ``state`` (a dict kept across the backtest windows of one series) lets ETS search its
    structure once, on the first window's training data, and refit only the parameters on
    later windows: no leakage, and the backtest costs a fraction of four full searches.
    """
    from statsforecast import models as sf

    cache_normal_quantiles()
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
                model = sf.AutoETS(season_length=m if seasonal_ok else 1, model=ets_search(m))
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
    if name == "dotm":
        return sf.DynamicOptimizedTheta(season_length=m if seasonal_ok else 1).forecast(
            y=y, h=h, level=lv
        )
    if name == "ces":
        return sf.AutoCES(season_length=m if seasonal_ok else 1).forecast(y=y, h=h, level=lv)
    if name == "theta_classic":
        return sf.Theta(season_length=m if seasonal_ok else 1).forecast(y=y, h=h, level=lv)
    if name == "arima":
        return sf.AutoARIMA(
            season_length=m if seasonal_ok else 1,
            max_p=2,
            max_q=2,
            max_P=1,
            max_Q=1,
            max_d=1,
            max_D=1,
            stepwise=True,
        ).forecast(y=y, h=h, level=lv)
    if name == "arima_pm":
        import pmdarima as pm

        model = pm.auto_arima(
            y,
            seasonal=seasonal_ok,
            m=m if seasonal_ok else 1,
            max_p=2,
            max_q=2,
            max_P=1,
            max_Q=1,
            max_order=4,
            stepwise=True,
            suppress_warnings=True,
            error_action="ignore",
            maxiter=30,
        )
        out = {"mean": np.asarray(model.predict(n_periods=h), dtype=float)}
        for level in lv:
            _, conf = model.predict(n_periods=h, return_conf_int=True, alpha=1 - level / 100)
            out[f"lo-{level}"], out[f"hi-{level}"] = np.asarray(conf[:, 0]), np.asarray(conf[:, 1])
        return out
    if name == "drift":
        return sf.RandomWalkWithDrift().forecast(y=y, h=h, level=lv)
    if name == "croston":
        return sf.CrostonClassic().forecast(y=y, h=h)
    if name == "sba":
        return sf.CrostonSBA().forecast(y=y, h=h)
    if name == "tsb":
        return {"mean": np.full(h, tsb_optimised(y)[0])}
    if name == "moving_average_half":
        return {"mean": np.full(h, y[-max(m // 2, 1) :].mean())}
    if name == "moving_average_season":
        return {"mean": np.full(h, y[-m:].mean())}
    if name == "ses":
        return sf.SimpleExponentialSmoothingOptimized().forecast(y=y, h=h)
    if name == "adida":
        return sf.ADIDA().forecast(y=y, h=h)
    if name == "imapa":
        return sf.IMAPA().forecast(y=y, h=h)
    raise ParameterError(f"unknown model {name!r}; choose from {list(ALL_MODELS)}")


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
