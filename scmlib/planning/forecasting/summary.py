"""The demand-forecasting report's tables and sentences, from a :class:`ForecastResult`.

Every figure here is computed from the engine's outputs with the suite's one error
implementation (:mod:`scmlib.core.forecast_error`): the backtest WMAPE of this run's
statistical models is *not* the company forecast-accuracy KPI (that is
:func:`scmlib.core.measures.forecast_accuracy`, the final forecasts at the company level and
lag), and the sentences say so.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from scmlib.core.forecast_error import error_metrics
from scmlib.planning.forecasting.execution import ForecastResult


@dataclass
class BacktestSummary:
    """Backtest figures of the selected models (rolling origin), pooled over series and windows.

    ``wmape`` = sum |forecast - actual| / sum |actual| over every backtest point of the
    selected models; ``beats_naive`` the share of series (with a naive candidate) whose
    selected model has a lower backtest MASE than the naive forecast; ``coverage`` the mean
    out-of-sample interval coverage per level.
    """

    series: int
    wmape: float
    mean_mase: float
    beats_naive: float
    coverage: dict[int, float] = field(default_factory=dict)
    top_models: pd.Series = field(default_factory=lambda: pd.Series(dtype=int))
    intermittent_share: float = float("nan")


def backtest_summary(
    result: ForecastResult, id_cols: Sequence[str], levels: Sequence[int] = ()
) -> BacktestSummary:
    """The run's backtest figures (see :class:`BacktestSummary`).

    Parameters
    ----------
    result : ForecastResult
        From :func:`scmlib.planning.forecasting.forecast`.
    id_cols : sequence of str
        The series' id columns.
    levels : sequence of int
        Interval levels whose coverage to report.

    Returns
    -------
    BacktestSummary

    References
    ----------
    Hyndman & Athanasopoulos, FPP3 5.8 (WMAPE, MASE) and 5.10 (rolling-origin evaluation).
    """
    ids = list(id_cols)
    met = result.metrics
    sel = met[met["selected"] == True] if len(met) else met  # noqa: E712
    bt = result.backtest
    wmape = (
        float(error_metrics(bt[["actual", "forecast"]]).iloc[0]["wmape"])
        if len(bt)
        else float("nan")
    )
    beats = float("nan")
    if len(sel):
        naive = met.loc[met["model"] == "naive", [*ids, "mase"]].rename(
            columns={"mase": "mase_naive"}
        )
        j = sel[[*ids, "mase"]].merge(naive, on=ids, how="inner")
        beats = float((j["mase"] < j["mase_naive"]).mean()) if len(j) else float("nan")
    prof = result.profile
    return BacktestSummary(
        series=len(prof),
        wmape=wmape,
        mean_mase=float(sel["mase"].mean()) if len(sel) else float("nan"),
        beats_naive=beats,
        coverage={
            int(lv): float(sel[f"coverage_{lv}"].mean())
            for lv in levels
            if f"coverage_{lv}" in sel.columns
        },
        top_models=prof["model"].value_counts(),
        intermittent_share=float(prof["demand_class"].isin(["intermittent", "lumpy"]).mean())
        if len(prof)
        else float("nan"),
    )


def demand_classes(profile: pd.DataFrame) -> pd.DataFrame:
    """Series per Syntetos-Boylan demand class with their mean ADI and CV² (Syntetos & Boylan
    2005).

    Examples
    --------
    >>> p = pd.DataFrame({"demand_class": ["smooth", "smooth", "lumpy"], "model": "ets",
    ...                   "adi": [1.0, 1.2, 2.0], "cv2": [0.1, 0.3, 0.9]})
    >>> demand_classes(p).values.tolist()
    [['lumpy', 1, 2.0, 0.9], ['smooth', 2, 1.1, 0.2]]
    """
    g = profile.groupby("demand_class", observed=True)
    return g.agg(
        series=("model", "size"), mean_adi=("adi", "mean"), mean_cv2=("cv2", "mean")
    ).reset_index()


def model_wins(profile: pd.DataFrame) -> pd.DataFrame:
    """Series count per demand class (rows) and selected model (columns), for the heat map.

    Examples
    --------
    >>> p = pd.DataFrame({"demand_class": ["smooth", "smooth", "lumpy"],
    ...                   "model": ["ets", "theta", "sba"]})
    >>> model_wins(p).loc["smooth"].tolist()
    [1, 0, 1]
    """
    return pd.crosstab(profile["demand_class"], profile["model"])


def model_table(metrics: pd.DataFrame) -> pd.DataFrame:
    """Per candidate model: series it was tried on, mean backtest MASE, times selected; best
    mean MASE first.

    Examples
    --------
    >>> m = pd.DataFrame({"model": ["ets", "ets", "naive"], "mase": [0.8, 1.0, 1.2],
    ...                   "selected": [True, False, False]})
    >>> model_table(m).values.tolist()
    [['ets', 2, 0.9, 1], ['naive', 1, 1.2, 0]]
    """
    g = metrics.groupby("model", observed=True)
    out = g.agg(
        series=("mase", "size"), mean_mase=("mase", "mean"), times_selected=("selected", "sum")
    ).reset_index()
    out["times_selected"] = out["times_selected"].astype(int)
    return out.sort_values("mean_mase").reset_index(drop=True)


def total_history(demand: pd.DataFrame, date_col: str = "date") -> pd.DataFrame:
    """Total demand per period (all series summed)."""
    return demand.groupby(date_col, as_index=False)["quantity"].sum()


def largest_series(demand: pd.DataFrame, id_cols: Sequence[str], n: int) -> list[tuple]:
    """The keys (tuples) of the ``n`` series with the largest total demand, largest first.

    Examples
    --------
    >>> d = pd.DataFrame({"item_id": ["A", "B", "B", "C"], "quantity": [5.0, 3, 4, 1]})
    >>> largest_series(d, ["item_id"], 2)
    [('B',), ('A',)]
    """
    ids = list(id_cols)
    tot = demand.groupby(ids, observed=True)["quantity"].sum().nlargest(n)
    return [k if isinstance(k, tuple) else (k,) for k in tot.index]


def charted_series(
    demand: pd.DataFrame, profile: pd.DataFrame, id_cols: Sequence[str], n: int
) -> list[tuple]:
    """The ``n`` largest series by total demand that still have a forecast to show: series past
    their end of life (zero forecast over the whole horizon for that reason) are left out.

    Examples
    --------
    >>> d = pd.DataFrame({"item_id": ["A", "B", "C"], "quantity": [9.0, 5, 1]})
    >>> p = pd.DataFrame({"item_id": ["A", "B", "C"],
    ...                   "forecast_note": ["zero: past end of life", "", ""]})
    >>> charted_series(d, p, ["item_id"], 2)
    [('B',), ('C',)]
    """
    ids = list(id_cols)
    note = profile.get("forecast_note", pd.Series("", index=profile.index)).fillna("")
    dead = profile.loc[note.str.contains("past end of life"), ids].astype(str)
    dead_keys = set(map(tuple, dead.to_numpy().tolist()))
    keys = largest_series(demand, ids, n + len(dead_keys))
    return [k for k in keys if tuple(map(str, k)) not in dead_keys][:n]


def series_rows(df: pd.DataFrame, id_cols: Sequence[str], key: tuple) -> pd.DataFrame:
    """The rows of one series (``key`` holds one value per id column)."""
    ids = list(id_cols)
    mask = np.ones(len(df), dtype=bool)
    for c, v in zip(ids, key):
        mask &= df[c].astype(str).to_numpy() == str(v)
    return df[mask]


def key_label(key: tuple) -> str:
    """A series key as a label: ``("IT001", "DC1")`` -> ``"IT001 / DC1"``.

    Examples
    --------
    >>> key_label(("IT001", "DC1"))
    'IT001 / DC1'
    """
    return " / ".join(str(k) for k in key)


def series_labels(df: pd.DataFrame, id_cols: Sequence[str]) -> list[str]:
    """One label per row: the id values joined by " / " (``"IT001 / DC1"``).

    Examples
    --------
    >>> series_labels(pd.DataFrame({"item_id": ["A"], "location_id": ["L1"]}),
    ...               ["item_id", "location_id"])
    ['A / L1']
    """
    ids = list(id_cols)
    if not len(df):
        return []
    return df[ids].astype(str).agg(" / ".join, axis=1).tolist()


def category_table(cat: pd.DataFrame, periods: int = 6, date_col: str = "date") -> pd.DataFrame:
    """Category forecasts (from :func:`reconcile_bottom_up`) for the first ``periods`` periods,
    one column per period (``"Jan 2027"``), with a Total row that adds up the categories.

    Examples
    --------
    >>> c = pd.DataFrame({"category": ["x", "y"], "forecast": [1.0, 2.0],
    ...                   "date": pd.to_datetime(["2027-01-01"] * 2)})
    >>> category_table(c).values.tolist()
    [['x', 1.0], ['y', 2.0], ['Total', 3.0]]
    """
    wide = cat.pivot_table(index="category", columns=date_col, values="forecast", aggfunc="sum")
    wide = wide.iloc[:, :periods]
    wide.columns = [pd.Timestamp(c).strftime("%b %Y") for c in wide.columns]
    wide.loc["Total"] = wide.sum()
    wide.columns.name = None
    return wide.reset_index()


def summary_lines(
    bs: BacktestSummary,
    *,
    horizon: int,
    level: str,
    year: tuple[float, float, int],
    headline: Sequence = (),
    exceptions: int = 0,
    overrides: int = 0,
    exception_threshold: float = 0.15,
    max_mase: float = 1.5,
    exceptions_shown: int | None = None,
    exception_reasons: dict[str, int] | None = None,
) -> list[str]:
    """The demand-forecasting executive summary: volume against last year, the company accuracy
    KPI (when the data has forecast snapshots), the backtest of this run's models (stated as
    not the company KPI), the models chosen, interval coverage, exceptions and intermittency."""
    last, nxt, n = year
    change = f" ({nxt / last - 1:+.1%})" if last else ""
    lines = [
        f"{bs.series:,} series forecast {horizon} periods ahead; the next {n} periods total "
        f"{nxt:,.0f} units against {last:,.0f} in the last {n}{change}."
    ]
    if headline:
        acc = headline[0]
        lines.append(
            f"Company forecast accuracy of the published (final) forecasts: {acc.value:.1%} "
            f"({acc.definition}, {acc.window_text})."
        )
    lines.append(
        f"Backtest of this run's statistical models (rolling origin, {level.replace('_', ' x ')} "
        f"level; not the company KPI): WMAPE {bs.wmape:.1%}, mean MASE {bs.mean_mase:.2f}; the "
        f"selected model beats the naive forecast on {bs.beats_naive:.0%} of series."
    )
    top = ", ".join(f"{m.replace('_', ' ')} ({k:,})" for m, k in bs.top_models.head(4).items())
    lines.append(f"Most chosen models: {top}.")
    if bs.coverage:
        held = ", ".join(
            f"{lv}% intervals held {c:.0%} of backtest actuals" for lv, c in bs.coverage.items()
        )
        off = {lv: c - lv / 100 for lv, c in bs.coverage.items() if abs(c - lv / 100) > 0.02}
        caveat = ""
        if off:
            gaps = ", ".join(
                f"{lv}%: {abs(d) * 100:.0f} points {'below' if d < 0 else 'above'} nominal"
                for lv, d in off.items()
            )
            why = []
            if any(d < 0 for d in off.values()):
                why.append(
                    "too narrow: the band width is calibrated on the backtest errors of each "
                    "demand class as a whole (with fewer than 20 series in a class, a normal "
                    "band), and series with spikes or breaks in level miss by more"
                )
            if any(d > 0 for d in off.values()):
                why.append(
                    "wider than needed: the band width is calibrated on the backtest errors of "
                    "each demand class as a whole (with fewer than 20 series in a class, a "
                    "Student t band for the few backtest errors), and steady series need less"
                )
            caveat = f" Off by more than 2 points ({gaps}): {'; '.join(why)}."
        lines.append(f"Prediction intervals: {held}.{caveat}")
    shown = exceptions if exceptions_shown is None else exceptions_shown
    why = ""
    if exception_reasons:
        why = " (" + ", ".join(f"{k}: {v:,}" for k, v in exception_reasons.items() if v) + ")"
    rest = (
        f"; the {shown:,} with the largest value at risk are listed" if shown < exceptions else ""
    )
    lines.append(
        f"{exceptions:,} series need planner review{why}{rest}; {overrides:,} planner overrides "
        "applied."
    )
    lines.append(
        f"{bs.intermittent_share:.0%} of series are intermittent or lumpy: they are forecast "
        "by one weighted combination of mean-based forecasts (moving averages, SES, ADIDA, "
        "IMAPA, TSB), the weights fitted on the pooled backtest of all these series."
    )
    return lines


def appendix_entries(
    n_windows: int,
    backtest_horizon: int,
    exception_threshold: float,
    max_mase: float,
    max_exceptions: int = 50,
) -> dict[str, str]:
    """The method appendix of the demand-forecasting report."""
    return {
        "Rolling-origin backtest": f"{n_windows} origins, each forecasting {backtest_horizon} "
        "periods from the data before it only (Hyndman & Athanasopoulos, FPP3 5.10).",
        "MASE": "Mean absolute error / in-sample mean absolute error of the seasonal naive "
        "forecast (Hyndman & Koehler 2006); used for smooth and erratic series.",
        "RMSSE": "Root mean squared error / in-sample RMSE of the seasonal naive forecast (M5 "
        "competition, Makridakis et al. 2022); used for intermittent and lumpy series, where "
        "MASE rewards forecasts near zero while stock needs the mean.",
        "WMAPE": "Sum of absolute errors / sum of actuals (errors = forecast - actual, as in "
        "every report); forecast accuracy = 1 - WMAPE, floored at 0. Undefined (blank, with a "
        "note in backtest_metrics.csv) when every backtest actual of a series is zero.",
        "Company forecast accuracy": "The KPI tile is the company measure: final (published) "
        "forecasts at the company level and lag over the reporting window, as in the forecast "
        "accuracy report and the KPI dashboard; the backtest measures this run's models.",
        "Models": "naive (last value), seasonal naive (value one season ago), moving averages "
        "(3 periods, half a season, a season), SES, ETS (AutoETS), Theta (AutoTheta and the "
        "classic Theta method), ARIMA (bounded AutoARIMA), Croston, SBA (Syntetos-Boylan "
        "approximation), TSB (Teunter-Syntetos-Babai, both constants optimised), ADIDA and "
        "IMAPA (temporal aggregation; Nikolopoulos et al. 2011, Petropoulos & Kourentzes 2015), "
        "combination (the median, period by period, of the ETS, Theta and ARIMA models that "
        "ran; for quarterly data with dynamic optimised Theta and CES, for yearly data ETS, "
        "dynamic optimised Theta and drift).",
        "Selection": "Smooth and erratic series: lowest mean backtest error; the combination is "
        "kept unless a single model beats it by more than 30% (per-series selection is noisy; "
        "combinations are robust). Intermittent and lumpy series: one combination for both "
        "classes, non-negative weights minimising the backtest error scaled as RMSSE (Granger & "
        "Ramanathan 1984), the sum over series of RMSSE to the power 1.8; under 20 such series, "
        "each series selects its own model.",
        "Demand classes": "Syntetos-Boylan: ADI 1.32 and CV² 0.49 cut-offs.",
        "Outlier cleaning": "A point beyond median ± 5 x 1.4826 x MAD of its series (the Hampel "
        "identifier; Pearson 2002, Leys et al. 2013) is capped at that bound before fitting, "
        "unless the same period of another season is beyond it too (recurring peaks are "
        "seasonality). Charts show the raw history with the capped points marked.",
        "Prediction intervals": "Forecast ± a multiple of the series' backtest error that grows "
        "with the horizon; the multiple for each period ahead is calibrated so that the stated "
        "share of the backtest errors of all series of the same demand class fall inside "
        "(split conformal prediction; Lei et al. 2018), widened to the model's own interval "
        "where it has one. Coverage is measured out of sample (each window's interval uses the "
        "other windows' errors and a multiple calibrated on the other half of the series).",
        "Rules": "Missing periods are zero demand; negative values (returns) are clipped; series "
        "without history or all zeros get a zero forecast; periods after an item's end-of-life "
        "date are zero; series shorter than two seasons use no seasonal models. Every zero "
        "forecast carries its reason (forecast_note in the profile).",
        "Exceptions": f"A series is flagged for a change above {exception_threshold:.0%} against "
        f"the previous cycle over the common periods, a backtest error (MASE, or RMSSE for "
        f"intermittent series) above {max_mase:g}, capped outliers, an end of life inside the "
        "horizon, or less than a season of history. Ranked by value at risk = units at risk "
        "(the larger of the change and the backtest MAE over the next season) x standard unit "
        f"cost; the {max_exceptions} largest are listed, the rest counted (exceptions.csv has "
        "every flagged series).",
    }
