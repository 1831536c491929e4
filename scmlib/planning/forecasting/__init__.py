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
``ets`` (statsforecast AutoETS; additive errors only for monthly and finer data,
:func:`~scmlib.planning.forecasting.models.ets_search`), ``theta`` (AutoTheta), ``arima`` (statsforecast AutoARIMA
with a bounded search), ``arima_pm`` (pmdarima ``auto_arima``, bounded, slow), ``croston``,
``sba``, ``tsb``, ``dotm``, ``ces``, ``drift``; ``combination`` is added
when ``combine=True``.

Rules, applied per series before fitting (each recorded in the ``rule`` column):

- missing periods inside a series are zero demand;
- negative values (net returns) are clipped to zero: the engine forecasts gross demand;
- ``clean_outliers`` (on by default): a Hampel filter (Hampel 1974; Pearson 2002) caps points
  more than 5 robust standard deviations (1.4826 x MAD of the residuals) from the running median,
  unless the same period of another season is flagged too (seasonality, kept); the capped points
  are returned raw in ``cleaned`` so charts show the history as it was; not on yearly
  (non-seasonal) data, where a five-period running median lags a real trend change and there is
  no season to tell a one-off from (M3 yearly: sMAPE 15.89 with cleaning, 15.74 without);
- **no history** (new item, only known from the item master) or **all zeros**: forecast 0,
  zero-width intervals, flagged for planner input;
- **end of life**: periods after the item's ``eol_date`` are forecast 0;
- **short series** (fewer than two seasons): seasonal models are not candidates; the
  backtest uses as many rolling origins as leave at least ``min_backtest`` points of
  training data; with none, the theta method (SBA for intermittent series) is used;
- **intermittent / lumpy** (ADI >= 1.32): Croston, SBA, TSB (optimised), SES, ADIDA, IMAPA and
  moving averages over half a season and a season join naive and moving average as candidates;
  when there are at least 20 such series, one combination for both classes replaces
  per-series selection (:func:`~scmlib.planning.forecasting.backtest.pool_intermittent`:
  non-negative weights minimising the RMSSE-scaled backtest error, the sum over series of
  RMSSE^1.8; MASE would reward near-zero forecasts). Smooth and erratic series use the continuous models.
- every zero forecast says why (``forecast_note`` in ``profile``).

Selection: for every series and candidate, ``n_windows`` rolling origins each forecast
``backtest_horizon`` periods from data strictly before the origin (no leakage); the model
with the lowest mean ``metric`` wins, except that the combination is kept unless a single
model beats it by more than ``select_margin`` (30%; on quarterly and yearly data the
combination is always kept: a few backtest windows of a 15-70 point series cannot tell the
models apart, and selection cost 0.15 sMAPE on M3 yearly, 0.016 on quarterly): per-series
selection is noisy and
combinations of exponential smoothing and Theta forecasts are hard to beat (Makridakis &
Hibon 2000; Petropoulos et al. 2018, "Judgmental selection of forecasting models").
The combination is the median, step by step, of the structural models that ran (ETS, Theta,
classic Theta, DOTM, CES, ARIMA, drift; the mean when two ran): by default ETS and classic
Theta for monthly and weekly data, those with DOTM and CES for quarterly data, ETS,
DynamicOptimizedTheta and drift for yearly data
(:func:`~scmlib.planning.forecasting.models.default_models`);
for intermittent series it averages the best ``combine_top`` candidates.

Intervals: an empirical interval mean +/- q_k sigma_1 sqrt(k), sigma_1 estimated from the
series' backtest errors and q_k, per step k, calibrated on the backtest errors of all the
run's series of the same demand class (split conformal,
:func:`~scmlib.planning.forecasting.backtest.calibrate_intervals`; a class with fewer than 20
series of two or more windows keeps the normal / Student t quantile), widened to the
model's own interval where it has one (statsforecast's ETS, ARIMA, Theta, naive); model
intervals alone ignore selection uncertainty and run narrow. With few backtest errors the band
uses Student t quantiles (errors - 1 degrees of freedom) instead of the normal's. Interval coverage is measured
out of sample on the empirical intervals: each backtest window's interval uses the errors of
the other windows only, and its q_k the other half of the class's series (the final
intervals, widened to the model's own, are at least as wide, so the reported coverage is a
lower bound). Lower bounds are floored at zero.

References: Hyndman & Athanasopoulos, *Forecasting: Principles and Practice* (3rd ed.),
ch. 5.10 (time-series cross-validation), 8 (ETS), 9 (ARIMA); Assimakopoulos & Nikolopoulos
(2000) (Theta); Croston (1972); Syntetos & Boylan (2005) (SBA); Teunter, Syntetos &
Babai (2011) (TSB); Hyndman & Koehler (2006) (MASE).

The package is split by concern: :mod:`.models` (model adapters), :mod:`.backtest`
(backtest, selection and intervals of one series), :mod:`.execution` (many series, local or Dask),
:mod:`.cycle` (the planning cycle around the forecast) and :mod:`.summary` (the report's tables
and sentences).
"""

from scmlib.planning.forecasting._statsforecast_patch import (
    cache_normal_quantiles as _cache_normal_quantiles,
)
from scmlib.planning.forecasting.backtest import (
    OUTLIER_K,
    SeriesSpec,
    Settings,
    _cap_outliers,
    calibrate_intervals,
    class_weights,
    conformal_factors,
    forecast_one,
    outlier_mask,
    pool_intermittent,
)
from scmlib.planning.forecasting.cycle import (
    LEVELS,
    REASONS,
    ExceptionList,
    accuracy_vs_benchmarks,
    apply_overrides,
    forecast_exceptions,
    prepare_demand,
    previous_cycle,
    read_overrides,
    reconcile_bottom_up,
    unit_values,
    year_on_year,
)
from scmlib.planning.forecasting.execution import ForecastResult, _run_chunk, forecast
from scmlib.planning.forecasting.models import (
    ALL_MODELS,
    CONTINUOUS,
    DEFAULT_MODELS,
    ENSEMBLE,
    FREQS,
    INTERMITTENT,
    METRICS,
    POOLED,
    SEASONAL,
    _model_forecast,
    default_models,
    ets_search,
    season_length,
    tsb_optimised,
)
from scmlib.planning.forecasting.summary import (
    BacktestSummary,
    appendix_entries,
    backtest_summary,
    category_table,
    charted_series,
    demand_classes,
    key_label,
    largest_series,
    model_table,
    model_wins,
    series_labels,
    series_rows,
    summary_lines,
    total_history,
)

__all__ = [
    "OUTLIER_K",
    "POOLED",
    "REASONS",
    "ExceptionList",
    "charted_series",
    "class_weights",
    "calibrate_intervals",
    "conformal_factors",
    "outlier_mask",
    "pool_intermittent",
    "tsb_optimised",
    "unit_values",
    "ALL_MODELS",
    "CONTINUOUS",
    "DEFAULT_MODELS",
    "ENSEMBLE",
    "FREQS",
    "INTERMITTENT",
    "LEVELS",
    "METRICS",
    "SEASONAL",
    "BacktestSummary",
    "ForecastResult",
    "SeriesSpec",
    "Settings",
    "accuracy_vs_benchmarks",
    "appendix_entries",
    "backtest_summary",
    "category_table",
    "demand_classes",
    "key_label",
    "largest_series",
    "model_table",
    "model_wins",
    "series_labels",
    "series_rows",
    "summary_lines",
    "total_history",
    "apply_overrides",
    "forecast",
    "forecast_exceptions",
    "forecast_one",
    "prepare_demand",
    "previous_cycle",
    "read_overrides",
    "reconcile_bottom_up",
    "season_length",
    "default_models",
    "ets_search",
    "year_on_year",
    "_cache_normal_quantiles",
    "_cap_outliers",
    "_model_forecast",
    "_run_chunk",
]
