"""Forecast accuracy: error metrics at any level, forecast value added, bias, recommendations.

The error metrics themselves (one implementation and sign convention for the suite, with
their definitions and sources) live in :mod:`scmlib.core.forecast_error`; this module builds the
accuracy analyses on them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from scmlib.core.forecast_error import ZERO_RULES, attach_actuals, error_metrics, seasonal_scale  # noqa: F401  (re-exported)
from scmlib.errors import DataError, ParameterError


def fva(evaluated: pd.DataFrame, by: Sequence[str] = ()) -> pd.DataFrame:
    """Forecast value added per group: naive -> statistical -> final.

    Each step's FVA is the reduction in WMAPE it brings (percentage points; positive adds
    value): ``fva_statistical`` = WMAPE(naive) - WMAPE(statistical), ``fva_override`` =
    WMAPE(statistical) - WMAPE(final). Reference: Gilliland (2010), *The Business Forecasting
    Deal*, ch. 6 (FVA analysis).
    """
    by = list(by)
    a = evaluated["actual"].abs()
    w = pd.DataFrame({c: evaluated[c].to_numpy() for c in by}, index=pd.RangeIndex(len(evaluated)))
    w["abs_a"] = a.to_numpy()
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
    out["actual"] = g["abs_a"]
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
    MAD 2, signal 2.0. Returns id columns, periods, tracking_signal.
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
    """Series whose tracking signal lies outside +/- ``threshold`` (persistent bias)."""
    m = metrics[metrics["tracking_signal"].abs() > threshold].copy()
    m["direction"] = np.where(m["tracking_signal"] > 0, "over-forecast", "under-forecast")
    m["_abs_ts"] = m["tracking_signal"].abs()
    m["_units"] = (m["bias"] * m["n"]).abs()
    m = m.sort_values(["_abs_ts", "_units"], ascending=False)
    return m[
        [*id_cols, "n", "actual", "forecast", "bias", "pct_bias", "tracking_signal", "direction"]
    ].reset_index(drop=True)


def error_pareto(metrics: pd.DataFrame, id_cols: Sequence[str] = ("item_id",)) -> pd.DataFrame:
    """Series ranked by total absolute error, with their cumulative share of all error."""
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
) -> pd.DataFrame:
    """Recommendations computed from the data, with the numbers behind each.

    1. *change the model*: series where the naive forecast's absolute error is lower than the
       final forecast's (excess error in units);
    2. *review bias*: series with persistent bias (tracking-signal alerts);
    3. *stop override reason*: reasons whose overrides worsened accuracy (negative FVA and
       more than ``min_share`` of them worse);
    4. *raise segment accuracy*: segments whose accuracy is below their target.
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
                    "evidence": f"accuracy {r['accuracy']:.1%} below target {target:.0%}",
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
