"""Forecast accuracy: error metrics at any level, forecast value added, bias, recommendations.

The error metrics themselves (one implementation and sign convention for the suite, with
their definitions and sources) live in :mod:`scmlib.core.forecast_error`; this module builds the
accuracy analyses on them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from scmlib.core.forecast_error import ZERO_RULES, attach_actuals, error_metrics, seasonal_scale  # noqa: F401  (re-exported)
from scmlib.errors import DataError, ParameterError


def fva(evaluated: pd.DataFrame, by: Sequence[str] = ()) -> pd.DataFrame:
    """Forecast value added per group: naive -> statistical -> final.

    Each step's FVA is the reduction in WMAPE it brings (percentage points; positive adds
    value): ``fva_statistical`` = WMAPE(naive) - WMAPE(statistical), ``fva_override`` =
    WMAPE(statistical) - WMAPE(final).

    Parameters
    ----------
    evaluated : DataFrame
        ``actual``, ``naive_forecast``, ``statistical_forecast``, ``final_forecast`` and ``by``.
    by : sequence of str, default ()
        Grouping columns (empty: one total row).

    Returns
    -------
    DataFrame
        ``by``, ``n``, ``actual`` (sum), ``wmape_naive``, ``wmape_statistical``,
        ``wmape_final`` (shares), ``fva_statistical``, ``fva_override``, ``fva_total`` (shares
        of WMAPE, shown in points).

    References
    ----------
    Gilliland, M. (2010). *The Business Forecasting Deal*, ch. 6 (FVA analysis).

    Examples
    --------
    Actual 100 twice; naive misses by 30 and 30, the model by 10 and 10, the final forecast by
    5 and 30: WMAPE 30%, 10%, 17.5%, so the model adds 20 points and the override loses 7.5.

    >>> ev = pd.DataFrame({"actual": [100.0, 100], "naive_forecast": [70.0, 130],
    ...                    "statistical_forecast": [90.0, 110], "final_forecast": [95.0, 130]})
    >>> f = fva(ev).iloc[0]
    >>> round(float(f["fva_statistical"]), 3), round(float(f["fva_override"]), 3)
    (0.2, -0.075)
    """
    by = list(by)
    a = evaluated["actual"].abs()
    w = pd.DataFrame({c: evaluated[c].to_numpy() for c in by}, index=pd.RangeIndex(len(evaluated)))
    w["abs_a"] = a.to_numpy()
    w["a"] = evaluated["actual"].to_numpy()
    for k, col in (
        ("naive", "naive_forecast"),
        ("statistical", "statistical_forecast"),
        ("final", "final_forecast"),
    ):
        w[f"ae_{k}"] = (evaluated[col] - evaluated["actual"]).abs().to_numpy()
    w["n"] = 1
    g = (
        w.groupby(by, observed=True, dropna=False) if by else w.assign(_all=0).groupby("_all")
    ).sum(numeric_only=True)
    out = pd.DataFrame(index=g.index)
    out["n"] = g["n"]
    out["actual"] = g["a"]  # as in error_metrics; WMAPE divides by the sum of |actual|
    for k in ("naive", "statistical", "final"):
        out[f"wmape_{k}"] = g[f"ae_{k}"] / g["abs_a"].where(g["abs_a"] > 0)
    out["fva_statistical"] = out["wmape_naive"] - out["wmape_statistical"]
    out["fva_override"] = out["wmape_statistical"] - out["wmape_final"]
    out["fva_total"] = out["wmape_naive"] - out["wmape_final"]
    out = out.reset_index()
    return out.drop(columns=["_all"]) if not by else out


def override_effect(
    evaluated: pd.DataFrame, by: Sequence[str] = ("override_reason",)
) -> pd.DataFrame:
    """Per override reason: overrides, share that improved / worsened accuracy, and by how much.

    Improved: |final - actual| < |statistical - actual|. ``mean_abs_error_change`` is the
    average change in absolute error (negative = better), ``net_units`` its sum.

    Examples
    --------
    A promotion override from 90 to 95 against an actual of 100 improves the error by 5 units:

    >>> ev = pd.DataFrame({"actual": [100.0], "naive_forecast": [70.0],
    ...                    "statistical_forecast": [90.0], "final_forecast": [95.0],
    ...                    "override_reason": ["promotion"], "overridden": [True]})
    >>> o = override_effect(ev).iloc[0]
    >>> o["override_reason"], float(o["net_units"]), float(o["improved"])
    ('promotion', -5.0, 1.0)
    """
    ov = evaluated[evaluated["overridden"]]
    if ov.empty:
        return pd.DataFrame(
            columns=[
                *by,
                "overrides",
                "improved",
                "worsened",
                "mean_abs_error_change",
                "net_units",
                "fva_override",
            ]
        )
    d = (ov["final_forecast"] - ov["actual"]).abs() - (
        ov["statistical_forecast"] - ov["actual"]
    ).abs()
    w = ov[list(by)].assign(
        d=d.to_numpy(), improved=(d < 0).to_numpy(), worsened=(d > 0).to_numpy()
    )
    g = w.groupby(list(by), observed=True)
    out = g.agg(
        overrides=("d", "size"),
        improved=("improved", "mean"),
        worsened=("worsened", "mean"),
        mean_abs_error_change=("d", "mean"),
        net_units=("d", "sum"),
    )
    out = out.join(fva(ov, by).set_index(list(by))["fva_override"])
    return out.reset_index().sort_values("net_units", ascending=False)


def rolling_tracking_signal(
    evaluated: pd.DataFrame,
    id_cols: Sequence[str],
    window: int = 6,
    forecast: str = "final_forecast",
) -> pd.DataFrame:
    """Tracking signal per series over its last ``window`` periods: the sum of the errors
    (forecast - actual) divided by their mean absolute error, one row per period (one lag).

    Summed over a fixed window the signal is bounded by +/- ``window`` and a +/-4 limit keeps its
    meaning (Brown 1959; Silver, Pyke & Peterson 1998, 4.8): summed over every row of a series it
    grows with the number of rows. Worked example: errors 2, 3, -1 in a 3-period window -> sum 4,
    MAD 2, signal 2.0.

    Parameters
    ----------
    evaluated : DataFrame
        One level and one lag: ``id_cols``, ``target_date``, ``actual`` and ``forecast``.
    id_cols : sequence of str
        The series' id columns (empty: the total).
    window : int, default 6
        Periods per series in the signal.
    forecast : str, default "final_forecast"
        Forecast column.

    Returns
    -------
    DataFrame
        ``id_cols``, ``periods`` (at most ``window``) and ``tracking_signal``.

    References
    ----------
    Brown, R. G. (1959). *Statistical Forecasting for Inventory Control*; Silver, Pyke &
    Peterson (1998), *Inventory Management and Production Planning and Scheduling*, 4.8.

    Examples
    --------
    >>> ev = pd.DataFrame({"item_id": "A", "actual": 10.0, "final_forecast": [50.0, 12, 13, 9],
    ...                    "target_date": pd.date_range("2026-01-01", periods=4, freq="MS")})
    >>> float(rolling_tracking_signal(ev, ["item_id"], window=3)["tracking_signal"].iloc[0])
    2.0
    """
    ids = list(id_cols)
    e = evaluated.assign(_e=evaluated[forecast] - evaluated["actual"]).sort_values(
        [*ids, "target_date"]
    )
    last = e.groupby(ids, observed=True, dropna=False).tail(window) if ids else e.tail(window)
    last = last.assign(_ae=last["_e"].abs(), _k=0)
    g = last.groupby(ids if ids else ["_k"], observed=True, dropna=False)
    out = pd.DataFrame({"periods": g.size(), "sum_e": g["_e"].sum(), "mad": g["_ae"].mean()})
    out["tracking_signal"] = out["sum_e"] / out["mad"].where(out["mad"] > 0)
    return (
        out.reset_index()[[*ids, "periods", "tracking_signal"]]
        if ids
        else out.reset_index(drop=True)[["periods", "tracking_signal"]]
    )


def bias_alerts(
    metrics: pd.DataFrame, threshold: float = 4.0, id_cols: Sequence[str] = ("item_id",)
) -> pd.DataFrame:
    """Series whose tracking signal lies outside +/- ``threshold`` (persistent bias), largest
    signal first, with the direction (positive signal: over-forecast, as e = forecast - actual).

    Examples
    --------
    >>> m = pd.DataFrame({"item_id": ["A", "B"], "n": 6, "actual": 60.0, "forecast": [90.0, 61],
    ...                   "bias": [5.0, 0.2], "pct_bias": [0.5, 0.02],
    ...                   "tracking_signal": [6.0, 1.0]})
    >>> bias_alerts(m, 4.0)[["item_id", "direction"]].values.tolist()
    [['A', 'over-forecast']]
    """
    m = metrics[metrics["tracking_signal"].abs() > threshold].copy()
    m["direction"] = np.where(m["tracking_signal"] > 0, "over-forecast", "under-forecast")
    m["_abs_ts"] = m["tracking_signal"].abs()
    m["_units"] = (m["bias"] * m["n"]).abs()
    m = m.sort_values(["_abs_ts", "_units"], ascending=False)
    return m[
        [*id_cols, "n", "actual", "forecast", "bias", "pct_bias", "tracking_signal", "direction"]
    ].reset_index(drop=True)


def error_pareto(metrics: pd.DataFrame, id_cols: Sequence[str] = ("item_id",)) -> pd.DataFrame:
    """Series ranked by total absolute error, with their cumulative share of all error.

    Examples
    --------
    >>> m = pd.DataFrame({"item_id": ["A", "B"], "mae": [1.0, 3.0], "n": [2, 2],
    ...                   "actual": [10.0, 10.0], "wmape": [0.2, 0.6]})
    >>> error_pareto(m)[["item_id", "abs_error", "cum_share"]].values.tolist()
    [['B', 6.0, 0.75], ['A', 2.0, 1.0]]
    """
    m = metrics.assign(abs_error=metrics["mae"] * metrics["n"]).sort_values(
        "abs_error", ascending=False
    )
    m["cum_share"] = m["abs_error"].cumsum() / m["abs_error"].sum()
    return m[[*id_cols, "abs_error", "actual", "wmape", "cum_share"]].reset_index(drop=True)


def recommendations(
    item_metrics: pd.DataFrame,
    naive_metrics: pd.DataFrame,
    alerts: pd.DataFrame,
    overrides: pd.DataFrame,
    segment_accuracy: pd.DataFrame,
    targets: Mapping[str, float],
    segment_col: str = "abc",
    id_cols: Sequence[str] = ("item_id",),
    min_share: float = 0.5,
    segment_cut: str = "",
) -> pd.DataFrame:
    """Recommendations computed from the data, with the numbers behind each.

    1. *change the model*: series where the naive forecast's absolute error is lower than the
       final forecast's (excess error in units);
    2. *review bias*: series with persistent bias (tracking-signal alerts);
    3. *stop override reason*: reasons whose overrides worsened accuracy (negative FVA and
       more than ``min_share`` of them worse);
    4. *raise segment accuracy*: segments whose accuracy is below their target, measured at
       ``segment_cut`` (e.g. "lag 1, item": the company convention, so that the segment
       accuracies are comparable with the headline figure).
    """
    id_cols = list(id_cols)
    rows = []
    j = item_metrics.merge(
        naive_metrics[[*id_cols, "mae"]].rename(columns={"mae": "mae_naive"}), on=id_cols
    )
    worse = (
        j[j["mae_naive"] < j["mae"]]
        .assign(excess=lambda d: (d["mae"] - d["mae_naive"]) * d["n"])
        .sort_values("excess", ascending=False)
    )
    for _, r in worse.head(15).iterrows():  # at most 15 recommendation rows
        rows.append(
            {
                "recommendation": "change the model",
                "subject": " / ".join(str(r[c]) for c in id_cols),
                "evidence": f"naive MAE {r['mae_naive']:,.1f} < current MAE {r['mae']:,.1f}",
                "impact_units": r["excess"],
                "action": "switch this series to a benchmark-beating model or review its inputs",
            }
        )
    for _, r in alerts.head(15).iterrows():
        size = (
            f"bias {r['pct_bias']:+.0%}"
            if np.isfinite(r["pct_bias"])
            else f"{r['bias'] * r['n']:+,.0f} units on zero actuals"
        )
        rows.append(
            {
                "recommendation": "review bias",
                "subject": " / ".join(str(r[c]) for c in id_cols),
                "evidence": f"tracking signal {r['tracking_signal']:+.1f} ({r['direction']}, {size})",
                "impact_units": abs(r["bias"] * r["n"]),
                "action": "find the cause of the persistent "
                + r["direction"]
                + " and correct the forecast level",
            }
        )
    if len(overrides):
        bad = overrides[(overrides["fva_override"] < 0) & (overrides["worsened"] > min_share)]
        for _, r in bad.iterrows():
            rows.append(
                {
                    "recommendation": "stop override reason",
                    "subject": str(r.iloc[0]),
                    "evidence": f"{r['worsened']:.0%} of {int(r['overrides']):,} overrides worsened accuracy; FVA {100 * r['fva_override']:+.1f} pts",
                    "impact_units": r["net_units"],
                    "action": "stop or restrict overrides with this reason; require evidence",
                }
            )
    for _, r in segment_accuracy.iterrows():
        target = targets.get(str(r[segment_col]))
        if target is not None and r["accuracy"] < target:
            rows.append(
                {
                    "recommendation": "raise segment accuracy",
                    "subject": f"{segment_col.upper()} class {r[segment_col]}",
                    "evidence": f"accuracy {r['accuracy']:.1%}"
                    + (f" (WMAPE {r['wmape']:.0%})" if r.get("wmape", 0) > 1 else "")
                    + f" below target {target:.0%}"
                    + (f" ({segment_cut})" if segment_cut else ""),
                    "impact_units": (target - r["accuracy"]) * r["actual"],
                    "action": "review models and inputs for this segment",
                }
            )
    return pd.DataFrame(
        rows, columns=["recommendation", "subject", "evidence", "impact_units", "action"]
    )


LEVEL_IDS = {
    "item": ["item_id"],
    "item_location": ["item_id", "location_id"],
    "category": ["category"],
    "total": [],
}


def evaluation_frame(
    snapshots: pd.DataFrame,
    demand: pd.DataFrame,
    items: pd.DataFrame,
    level: str = "item",
    lags: Sequence[int] = (1, 2, 3),
    start: str | None = None,
    end: str | None = None,
) -> tuple[pd.DataFrame, list[str]]:
    """Forecast snapshots joined to actuals and naive forecasts, aggregated to ``level``.

    Forecasts and actuals are summed to the level (and forecast date, target date, lag)
    before any metric, so category or total accuracy lets errors offset as they do in the
    aggregate plan. ``start``/``end`` bound the target dates (inclusive; empty: the last 12
    months with actuals).
    """
    if level not in LEVEL_IDS:
        raise ParameterError(f"aggregation level must be one of {list(LEVEL_IDS)}, got {level!r}")
    base = [
        c
        for c in ("item_id", "location_id")
        if c in snapshots.columns and c in demand.columns and snapshots[c].notna().any()
    ]
    ev = attach_actuals(snapshots[snapshots["lag"].isin(list(lags))], demand, base)
    if ev.empty:
        raise DataError(
            f"no forecast snapshot with lag in {list(lags)} has an actual to compare with"
        )
    last = ev["target_date"].max()
    lo = pd.Timestamp(start) if start else last - pd.DateOffset(months=11)
    hi = pd.Timestamp(end) if end else last
    ev = ev[(ev["target_date"] >= lo) & (ev["target_date"] <= hi)]
    if ev.empty:
        raise DataError(
            f"no forecasts with actuals between {lo:%Y-%m-%d} and {hi:%Y-%m-%d}; widen the evaluation window"
        )
    ev = ev.merge(
        items[["item_id", "category", *([c for c in ("lifecycle_stage",) if c in items.columns])]],
        on="item_id",
        how="left",
    )
    ids = LEVEL_IDS[level]
    if level in ("item_location",) or (level == "item" and base == ["item_id"]):
        return ev, ids
    keys = [
        *ids,
        *([c for c in ("category", "lifecycle_stage") if level == "item" and c in ev.columns]),
    ]
    agg = ev.groupby(
        [*keys, "forecast_date", "target_date", "lag"], observed=True, dropna=False, as_index=False
    ).agg(
        actual=("actual", "sum"),
        statistical_forecast=("statistical_forecast", "sum"),
        final_forecast=("final_forecast", "sum"),
        naive_forecast=("naive_forecast", "sum"),
        overridden=("overridden", "any"),
    )
    agg["override_reason"] = None
    return agg, ids


# --------------------------------------------------------------------------- report analyses

SEGMENT_DIMS = ("abc", "xyz", "demand_class", "lifecycle_stage", "category")
SEGMENT_NAMES = {
    "abc": "ABC class",
    "xyz": "XYZ class",
    "demand_class": "demand class",
    "lifecycle_stage": "lifecycle stage",
    "category": "category",
}


def cut_text(level: str, lag: int | None) -> str:
    """How a table is cut, as its caption states it: ``"lag 1, item"``, ``"lag 2, item x location"``.

    Examples
    --------
    >>> cut_text("item_location", 1)
    'lag 1, item x location'
    >>> cut_text("category", None)
    'all lags, category'
    """
    where = level.replace("_", " x ")
    return f"lag {lag}, {where}" if lag is not None else f"all lags, {where}"


def segment_level(level: str) -> str:
    """The level of the segment tables: ``level`` when segments (ABC, XYZ, demand class: item
    attributes) can be measured there, else ``item``.

    Examples
    --------
    >>> segment_level("item_location"), segment_level("category")
    ('item_location', 'item')
    """
    return level if level in ("item", "item_location") else "item"


def metrics_as_shares(metrics: pd.DataFrame) -> pd.DataFrame:
    """``metrics`` with MAPE and sMAPE as shares (0.608 for 60.8%), the unit of WMAPE, accuracy and
    bias, so that every percentage metric of a table or a sentence is shown as a percentage.

    :func:`error_metrics` returns MAPE and sMAPE in percent (the published convention,
    Hyndman & Athanasopoulos 5.8); this is the display conversion, nothing else changes.

    Examples
    --------
    >>> metrics_as_shares(pd.DataFrame({"mape": [60.8], "wmape": [0.433]})).iloc[0].tolist()
    [0.608, 0.433]
    """
    out = metrics.copy()
    for c in ("mape", "smape"):
        if c in out.columns:
            out[c] = out[c] / 100
    return out


def floor_notes(metrics: pd.DataFrame) -> pd.Series:
    """Why an accuracy is 0%: ``"accuracy 0% because WMAPE is 134%"`` where WMAPE exceeds 100%
    (accuracy = max(0, 1 - WMAPE) is floored at zero), empty text elsewhere.

    Parameters
    ----------
    metrics : DataFrame
        With ``wmape`` (a share), as from :func:`error_metrics`.

    Returns
    -------
    Series of str
        One note per row, aligned with ``metrics``.

    Examples
    --------
    >>> floor_notes(pd.DataFrame({"wmape": [0.4, 1.34]})).tolist()
    ['', 'accuracy 0% because WMAPE is 134%']
    """
    w = metrics["wmape"]
    return pd.Series(
        np.where(
            w > 1, "accuracy 0% because WMAPE is " + (100 * w).round().map("{:.0f}%".format), ""
        ),
        index=metrics.index,
    )


def with_floor_notes(metrics: pd.DataFrame) -> pd.DataFrame:
    """``metrics`` with a ``note`` column explaining every accuracy floored at 0% (see
    :func:`floor_notes`); unchanged when no row is floored, so tables carry the column only when
    it says something."""
    notes = floor_notes(metrics)
    return metrics.assign(note=notes) if (notes != "").any() else metrics


def floored(metrics: pd.DataFrame, key: str) -> list[str]:
    """The rows whose accuracy is floored at 0% (WMAPE above 100%), named with their WMAPE.

    Examples
    --------
    >>> floored(pd.DataFrame({"xyz": ["X", "Z"], "wmape": [0.4, 1.319]}), "xyz")
    ['Z (WMAPE 132%)']
    """
    over = metrics[metrics["wmape"] > 1]
    return [f"{r[key]} (WMAPE {100 * r['wmape']:.0f}%)" for _, r in over.iterrows()]


def floor_caption(metrics: pd.DataFrame, key: str) -> str:
    """A caption sentence naming the rows whose accuracy is floored at 0% (empty when none).

    Examples
    --------
    >>> m = pd.DataFrame({"xyz": ["X", "Z"], "wmape": [0.4, 1.319]})
    >>> floor_caption(m, "xyz")
    'Accuracy is floored at 0%: Z (WMAPE 132%).'
    """
    names = floored(metrics, key)
    return f"Accuracy is floored at 0%: {', '.join(names)}." if names else ""


def share_of_overrides(overrides: pd.DataFrame) -> tuple[int, float, float]:
    """Total overrides and the shares of them that improved and worsened accuracy (weighted by
    the count of each reason), from :func:`override_effect`.

    Examples
    --------
    >>> o = pd.DataFrame({"overrides": [3, 1], "improved": [1 / 3, 1.0], "worsened": [2 / 3, 0]})
    >>> share_of_overrides(o)
    (4, 0.5, 0.5)
    """
    n = int(overrides["overrides"].sum()) if len(overrides) else 0
    if not n:
        return 0, float("nan"), float("nan")
    w = overrides["overrides"]
    return (
        n,
        float((overrides["improved"] * w).sum() / n),
        float((overrides["worsened"] * w).sum() / n),
    )


def _metrics_at(
    ev: pd.DataFrame, by: Sequence[str], column: str, zero_rule: str, scales=None
) -> pd.DataFrame:
    return error_metrics(
        ev.rename(columns={column: "forecast"}), by, zero_rule=zero_rule, scales=scales
    )


def _scales(
    demand: pd.DataFrame, items: pd.DataFrame, ids: list[str], before
) -> pd.DataFrame | None:
    """MASE scales per series at the report level, from the history before the window."""
    if not ids:
        return None
    hist = demand[demand["date"] < before]
    if "category" in ids and "category" not in hist.columns:
        hist = hist.merge(items[["item_id", "category"]], on="item_id", how="left")
    agg = hist.groupby([*ids, "date"], observed=True, as_index=False)["quantity"].sum()
    return seasonal_scale(agg, ids)


@dataclass
class AccuracyAnalysis:
    """Every table of the forecast-accuracy report, each at a stated level and lag.

    ``level``/``lag`` are the cut of the per-series, trend, FVA, bias and Pareto tables;
    ``segment_level`` (the company level where segments can be measured there) and ``lag`` the
    cut of the segment tables and the drill-down; ``by_lag`` and ``fva_by_lag`` are the
    deliberate by-lag cuts (at ``level``).
    """

    level: str
    lag: int
    ids: list[str]
    segment_level: str
    evaluated: pd.DataFrame
    segment_rows: pd.DataFrame
    by_lag: pd.DataFrame
    trend: pd.DataFrame
    halves: tuple[float, float]
    per_series: pd.DataFrame | None
    naive_series: pd.DataFrame | None
    fva: pd.Series
    fva_by_lag: pd.DataFrame
    overrides: pd.DataFrame
    override_level: str
    segments: dict[str, pd.DataFrame]
    alerts: pd.DataFrame
    pareto: pd.DataFrame
    recommendations: pd.DataFrame
    worse_than_naive: int

    @property
    def cut(self) -> str:
        """The per-series tables' cut, e.g. ``"lag 1, item"``."""
        return cut_text(self.level, self.lag)

    @property
    def lags_text(self) -> str:
        """The lags of the by-lag tables, e.g. ``"1, 2, 3"``."""
        return ", ".join(str(v) for v in sorted(self.evaluated["lag"].unique()))

    @property
    def segment_cut(self) -> str:
        """The segment tables' cut, e.g. ``"lag 1, item"``."""
        return cut_text(self.segment_level, self.lag)


def accuracy_analysis(
    snapshots: pd.DataFrame,
    demand: pd.DataFrame,
    items: pd.DataFrame,
    segments: pd.DataFrame | None,
    *,
    level: str,
    lag: int,
    lags: Sequence[int] = (1, 2, 3),
    segment_at: str | None = None,
    start: str | None = None,
    end: str | None = None,
    zero_rule: str = "exclude",
    tracking_window: int = 6,
    bias_threshold: float = 4.0,
    targets: Mapping[str, float] | None = None,
) -> AccuracyAnalysis:
    """The forecast-accuracy report's analyses, each at one stated level and lag.

    Parameters
    ----------
    snapshots, demand, items : DataFrame
        Forecast snapshots, demand history and the item master (canonical columns).
    segments : DataFrame, optional
        Item attributes ``item_id`` and any of ``abc``, ``xyz``, ``demand_class`` (for example
        the ABC/XYZ classes of the history before the window); items without a class are
        ``C``, ``Z`` and ``new``.
    level : {"item", "item_location", "category", "total"}
        Level of the per-series, trend, FVA, bias and Pareto tables.
    lag : int
        The lag of every table except the by-lag ones (the company ``forecast_accuracy.lag``).
    lags : sequence of int
        The lags of the by-lag tables (``lag`` is always included).
    segment_at : str, optional
        Level of the segment tables and the drill-down (the company level); see
        :func:`segment_level`.
    start, end : str, optional
        Target-date window (inclusive; empty: the last 12 months with actuals).
    zero_rule : str
        MAPE rule for zero actuals (see :func:`error_metrics`).
    tracking_window : int
        Periods of the rolling tracking signal (:func:`rolling_tracking_signal`).
    bias_threshold : float
        Tracking-signal limit of the bias alerts.
    targets : mapping, optional
        Accuracy target per ABC class (the "raise segment accuracy" recommendations).

    Returns
    -------
    AccuracyAnalysis

    References
    ----------
    Metrics: Hyndman & Athanasopoulos, FPP3 5.8; FVA: Gilliland (2010), ch. 6; tracking
    signal: Brown (1959).
    """
    all_lags = sorted({*map(int, lags), int(lag)})
    ev, ids = evaluation_frame(snapshots, demand, items, level, all_lags, start, end)
    at_lag = ev[ev["lag"] == lag]
    if at_lag.empty:
        raise DataError(
            f"table 'forecast_snapshots': no lag-{lag} forecast has an actual in the window; "
            "set forecast_accuracy.lag in the company settings to a lag the snapshots hold"
        )
    first = ev["target_date"].min()
    s_level = segment_level(segment_at or level)
    rows = (
        at_lag
        if s_level == level
        else evaluation_frame(snapshots, demand, items, s_level, [lag], start, end)[0]
    )
    if segments is not None and len(segments):
        keep = [c for c in ("item_id", "abc", "xyz", "demand_class") if c in segments.columns]
        rows = rows.drop(columns=[c for c in keep[1:] if c in rows.columns]).merge(
            segments[keep], on="item_id", how="left"
        )
        rows = rows.fillna({"abc": "C", "xyz": "Z", "demand_class": "new"})
    by_lag = _metrics_at(ev, ["lag"], "final_forecast", zero_rule)
    trend = _metrics_at(at_lag, ["target_date"], "final_forecast", zero_rule)
    dates = np.sort(at_lag["target_date"].unique())
    late = at_lag["target_date"] >= dates[len(dates) // 2]
    half = _metrics_at(at_lag.assign(_h=late.to_numpy()), ["_h"], "final_forecast", zero_rule)
    half = half.set_index("_h")["accuracy"]
    per_series = naive_series = None
    alerts = pareto = recs = pd.DataFrame()
    worse = 0
    fva_row = fva(at_lag).iloc[0]
    has_loc = "location_id" in snapshots.columns and snapshots["location_id"].notna().any()
    base_level = "item_location" if has_loc else "item"
    base = evaluation_frame(snapshots, demand, items, base_level, [lag], start, end)[0]
    overrides = override_effect(base)
    segs = {
        d: _metrics_at(rows, [d], "final_forecast", zero_rule) for d in SEGMENT_DIMS if d in rows
    }
    if ids:
        per_series = _metrics_at(
            at_lag, ids, "final_forecast", zero_rule, _scales(demand, items, ids, first)
        )
        naive_series = _metrics_at(at_lag, ids, "naive_forecast", zero_rule)
        rolling = rolling_tracking_signal(at_lag, ids, tracking_window)
        per_series = per_series.drop(columns="tracking_signal").merge(
            rolling[[*ids, "tracking_signal"]], on=ids, how="left"
        )
        naive_w = naive_series.set_index(ids)["wmape"].reindex(per_series.set_index(ids).index)
        worse = int((per_series["wmape"].to_numpy() > naive_w.to_numpy()).sum())
        alerts = bias_alerts(per_series, bias_threshold, ids)
        pareto = error_pareto(per_series, ids)
        if "abc" in segs:
            recs = recommendations(
                per_series,
                naive_series,
                alerts,
                overrides,
                segs["abc"],
                targets or {},
                "abc",
                ids,
                segment_cut=cut_text(s_level, lag),
            )
    return AccuracyAnalysis(
        level=level,
        lag=int(lag),
        ids=ids,
        segment_level=s_level,
        evaluated=ev,
        segment_rows=rows,
        by_lag=by_lag,
        trend=trend,
        halves=(float(half.get(False, np.nan)), float(half.get(True, np.nan))),
        per_series=per_series,
        naive_series=naive_series,
        fva=fva_row,
        fva_by_lag=fva(ev, ["lag"]),
        overrides=overrides,
        override_level=base_level,
        segments=segs,
        alerts=alerts,
        pareto=pareto,
        recommendations=recs,
        worse_than_naive=worse,
    )


def segment_drill(
    analysis: AccuracyAnalysis,
    dim: str,
    value: str,
    tracking_window: int = 6,
    zero_rule: str = "exclude",
) -> pd.DataFrame:
    """The series of one segment (e.g. ABC class A), largest first, at the segment tables' level
    and lag, with the rolling tracking signal over the last ``tracking_window`` periods (so the
    +/-4 limit keeps its meaning) and a note where accuracy is floored at 0%."""
    rows = analysis.segment_rows
    rows = rows[rows[dim].astype(str) == str(value)]
    ids = LEVEL_IDS[analysis.segment_level]
    if rows.empty:
        return pd.DataFrame(
            columns=[*ids, "n", "actual", "accuracy", "pct_bias", "tracking_signal"]
        )
    t = _metrics_at(rows, ids, "final_forecast", zero_rule).drop(columns="tracking_signal")
    ts = rolling_tracking_signal(rows, ids, tracking_window)
    t = t.merge(ts[[*ids, "tracking_signal"]], on=ids, how="left").sort_values(
        "actual", ascending=False
    )
    t = t[[*ids, "n", "actual", "accuracy", "wmape", "pct_bias", "tracking_signal"]]
    return with_floor_notes(t).reset_index(drop=True)


def summary_lines(
    analysis: AccuracyAnalysis, headline: Sequence, bias_threshold: float
) -> list[str]:
    """The executive summary of the accuracy report, one sentence per finding, every percentage
    metric as a percentage and every value added in points."""
    a = analysis
    acc, bias = headline[0], headline[1]
    lines = [
        f"Forecast accuracy is {acc.value:.1%} ({acc.definition}, {acc.window_text}); "
        f"bias {bias.value:+.1%} ({'over' if bias.value > 0 else 'under'}-forecasting)."
    ]
    row = a.by_lag[a.by_lag["lag"] == a.lag].iloc[0]
    lines.append(
        f"At this report's cut ({a.cut}): accuracy {row['accuracy']:.1%}, WMAPE "
        f"{row['wmape']:.1%}, MAPE {row['mape'] / 100:.1%}, sMAPE {row['smape'] / 100:.1%}."
    )
    lines.append(
        f"Accuracy moved from {a.halves[0]:.1%} in the first half of the window to "
        f"{a.halves[1]:.1%} in the second half ({a.cut})."
    )
    f = a.fva
    lines.append(
        f"Forecast value added ({a.cut}): the statistical model {100 * f['fva_statistical']:+.1f} "
        f"pts of WMAPE against the naive forecast; planner overrides "
        f"{100 * f['fva_override']:+.1f} pts against the statistical forecast."
    )
    n, up, down = share_of_overrides(a.overrides)
    if n:
        worst = a.overrides.iloc[0]
        lines.append(
            f"{n:,} overrides ({cut_text(a.override_level, a.lag)}): {up:.0%} improved and "
            f"{down:.0%} worsened accuracy; worst reason: '{worst['override_reason']}' "
            f"({worst['net_units']:+,.0f} units of absolute error)."
        )
    else:
        lines.append("No planner overrides in the window.")
    if a.ids:
        show = "shows" if len(a.alerts) == 1 else "show"
        verb = "is" if a.worse_than_naive == 1 else "are"
        lines.append(
            f"{len(a.alerts):,} series {show} persistent bias (tracking signal over the last "
            f"periods beyond ±{bias_threshold:g}); {a.worse_than_naive:,} series {verb} "
            "forecast worse than by the naive method."
        )
        half = int((a.pareto["cum_share"] <= 0.5).sum()) + 1 if len(a.pareto) else 0
        lines.append(f"{half:,} of {len(a.pareto):,} series make half of all absolute error.")
    named = [
        f"{SEGMENT_NAMES.get(d, d)}: {', '.join(floored(t, d))}"
        for d, t in a.segments.items()
        if floored(t, d)
    ]
    if named:
        lines.append(
            f"Segments whose accuracy is floored at 0% (WMAPE above 100%, {a.segment_cut}): "
            + "; ".join(named)
            + "."
        )
    return lines


def trend_statement(trend: pd.DataFrame, months: int = 6, alpha: float = 0.05) -> str:
    """The accuracy trend in words, from the monthly figures the report charts: the least-squares
    slope of accuracy over the last ``months`` months (points per month) is called improving or
    worsening only when it differs from zero at significance ``alpha`` (two-sided t-test of the
    slope, scipy.stats.linregress); otherwise there is no clear trend.

    >>> t = pd.DataFrame({"target_date": pd.date_range("2026-01-01", periods=6, freq="MS"),
    ...                   "accuracy": [0.60, 0.62, 0.64, 0.66, 0.68, 0.70]})
    >>> trend_statement(t)
    'Accuracy is improving: +2.0 pts a month over the last 6 months (Jan 2026 to Jun 2026, slope significant at 5%).'
    """
    from scipy import stats

    t = trend.dropna(subset=["accuracy"]).sort_values("target_date").tail(months)
    if len(t) < 3:
        return "Too few months to judge the accuracy trend."
    span = f"{t['target_date'].iloc[0]:%b %Y} to {t['target_date'].iloc[-1]:%b %Y}"
    acc = t["accuracy"].to_numpy(dtype=float)
    if np.ptp(acc) == 0:
        return f"Accuracy is flat over the last {len(t)} months ({span})."
    fit = stats.linregress(np.arange(len(t)), acc)
    slope = f"{100 * fit.slope:+.1f} pts a month over the last {len(t)} months ({span}"
    if fit.pvalue < alpha:
        word = "improving" if fit.slope > 0 else "worsening"
        return f"Accuracy is {word}: {slope}, slope significant at {alpha:.0%})."
    return f"No clear accuracy trend: {slope}, not significant at {alpha:.0%})."
