"""Forecast-error metrics: one implementation and one sign convention for the whole suite.

Used by the forecasting engine's backtests, the accuracy reports and the KPI dashboard.
Sign convention: the error is ``e = forecast - actual``, so a positive bias means
over-forecasting. Every metric is computed with grouped sums (vectorised) at the level
given by ``by`` (any columns: item, item x location, category, lag, or none for the total).

Metrics (Hyndman & Athanasopoulos, FPP3 5.8; Hyndman & Koehler 2006):

- MAE = mean |e|; RMSE = sqrt(mean e²);
- MAPE = mean |e| / |A| x 100, with a rule for zero actuals (``zero_rule``):
  ``exclude`` (default: rows with A = 0 are left out of MAPE), ``floor`` (denominator
  max(|A|, 1)), ``cap`` (APE of a zero actual is 100% when F != 0, 0% when F = 0);
- WMAPE = sum |e| / sum |A|; forecast accuracy = max(0, 1 - WMAPE);
- sMAPE (M3, Makridakis & Hibon 2000) = mean 200 |e| / (|A| + |F|) (0 when both are 0);
- MASE = mean |e| / s, RMSSE = sqrt(mean e² / s²), s being each series' in-sample mean
  absolute (or squared) seasonal difference at period ``season``;
- bias = mean e; percentage bias = sum e / sum A;
- tracking signal = sum e / MAD, MAD = mean |e| (Brown 1959; alert outside +/-4).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from scmlib.errors import DataError, ParameterError

ZERO_RULES = ("exclude", "floor", "cap")


def seasonal_scale(
    history: pd.DataFrame,
    id_cols: Sequence[str],
    season: int = 12,
    target: str = "quantity",
    date_col: str = "date",
) -> pd.DataFrame:
    """Per-series MASE and RMSSE scales: mean |y_t - y_{t-m}| and sqrt(mean (y_t - y_{t-m})²).

    Uses the seasonal lag when the series is longer than ``season``, else lag 1.
    """
    id_cols = list(id_cols)
    h = history.sort_values([*id_cols, date_col])
    g = h.groupby(id_cols, observed=True)[target]
    n = g.transform("size")
    lag_m = h[target] - g.shift(season)
    lag_1 = h[target] - g.shift(1)
    diff = np.where(n > season, lag_m, lag_1)
    level = np.maximum(
        np.abs(h[target].to_numpy(dtype=float)), np.abs((h[target] - diff).to_numpy(dtype=float))
    )
    diff = np.where(
        np.abs(diff) <= 1e-12 * level, 0.0, diff
    )  # rounding noise is no change (keeps MASE scale-free)
    d = pd.DataFrame(
        {**{c: h[c].to_numpy() for c in id_cols}, "absd": np.abs(diff), "sqd": diff**2}
    )
    out = (
        d.groupby(id_cols, observed=True)
        .agg(scale_mae=("absd", "mean"), scale_mse=("sqd", "mean"))
        .reset_index()
    )
    out["scale_rmse"] = np.sqrt(out.pop("scale_mse"))
    return out


def error_metrics(
    df: pd.DataFrame,
    by: Sequence[str] = (),
    actual: str = "actual",
    forecast: str = "forecast",
    zero_rule: str = "exclude",
    scales: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """All accuracy metrics per group of ``by`` (empty: one total row). See the module docstring.

    ``scales`` (from :func:`seasonal_scale`) adds MASE and RMSSE; its id columns are
    joined to ``df`` row by row, so MASE works at any aggregation level.
    """
    if zero_rule not in ZERO_RULES:
        raise ParameterError(f"zero_rule must be one of {list(ZERO_RULES)}, got {zero_rule!r}")
    for col in (actual, forecast, *by):
        if col not in df.columns:
            raise DataError(f"accuracy input is missing column '{col}'; got {list(df.columns)}")
    by = list(by)
    a = df[actual].to_numpy(dtype=float)
    f = df[forecast].to_numpy(dtype=float)
    e = f - a
    ae = np.abs(e)
    w = pd.DataFrame({c: df[c].to_numpy() for c in by}, index=pd.RangeIndex(len(df)))
    w["n"] = 1
    w["a"] = a
    w["f"] = f
    w["abs_a"] = np.abs(a)
    w["e"] = e
    w["ae"] = ae
    w["se"] = e**2
    zero = a == 0
    with np.errstate(divide="ignore", invalid="ignore"):
        if zero_rule == "exclude":
            ape = np.where(zero, np.nan, ae / np.abs(a))
        elif zero_rule == "floor":
            ape = ae / np.maximum(np.abs(a), 1.0)
        else:
            ape = np.where(zero, np.where(f == 0, 0.0, 1.0), ae / np.abs(a))
        den = np.abs(a) + np.abs(f)
        w["sape"] = np.where(den > 0, 2 * ae / den, 0.0)
    w["ape"] = ape
    w["ape_n"] = ~np.isnan(ape)
    w["ape"] = np.nan_to_num(ape)
    if scales is not None:
        keys = [c for c in scales.columns if c not in ("scale_mae", "scale_rmse")]
        sc = df[keys].merge(scales, on=keys, how="left")
        s_mae = sc["scale_mae"].to_numpy(dtype=float)
        s_rmse = sc["scale_rmse"].to_numpy(dtype=float)
        ok = (s_mae > 0) & np.isfinite(s_mae)
        w["sae"] = np.where(ok, ae / np.where(ok, s_mae, 1), 0.0)
        w["sse"] = np.where(
            ok & (s_rmse > 0), e**2 / np.where(ok & (s_rmse > 0), s_rmse, 1) ** 2, 0.0
        )
        w["s_n"] = ok
    grouped = w.groupby(by, observed=True, dropna=False) if by else w.assign(_all=0).groupby("_all")
    s = grouped.sum(numeric_only=True)
    out = pd.DataFrame(index=s.index)
    out["n"] = s["n"]
    out["actual"] = s["a"]
    out["forecast"] = s["f"]
    out["mae"] = s["ae"] / s["n"]
    out["rmse"] = np.sqrt(s["se"] / s["n"])
    out["mape"] = 100 * s["ape"] / s["ape_n"].where(s["ape_n"] > 0)
    out["wmape"] = s["ae"] / s["abs_a"].where(s["abs_a"] > 0)
    out["smape"] = 100 * s["sape"] / s["n"]
    out["bias"] = s["e"] / s["n"]
    out["pct_bias"] = s["e"] / s["abs_a"].where(s["abs_a"] > 0)
    out["tracking_signal"] = s["e"] / (s["ae"] / s["n"]).where(s["ae"] > 0)
    out["accuracy"] = (1 - out["wmape"]).clip(lower=0)
    if scales is not None:
        out["mase"] = s["sae"] / s["s_n"].where(s["s_n"] > 0)
        out["rmsse"] = np.sqrt(s["sse"] / s["s_n"].where(s["s_n"] > 0))
    out = out.reset_index()
    return out.drop(columns=["_all"]) if not by else out


def attach_actuals(
    snapshots: pd.DataFrame, demand: pd.DataFrame, id_cols: Sequence[str]
) -> pd.DataFrame:
    """Join each forecast snapshot row to the actual of its target period and to the naive forecast.

    The naive forecast of a cycle is the last actual known when the forecast was made: the
    actual of the period before ``forecast_date`` (the one-step random walk benchmark).
    Snapshots without an actual yet (future targets) are dropped.
    """
    id_cols = list(id_cols)
    act = demand.groupby([*id_cols, "date"], observed=True, as_index=False)["quantity"].sum()
    s = snapshots.merge(
        act.rename(columns={"date": "target_date", "quantity": "actual"}),
        on=[*id_cols, "target_date"],
        how="left",
    )
    last_date = act["date"].max()
    s = s[s["target_date"] <= last_date]
    s["actual"] = s["actual"].fillna(0.0)
    prev = (
        act.assign(forecast_date=act["date"] + pd.DateOffset(months=1))
        .drop(columns="date")
        .rename(columns={"quantity": "naive_forecast"})
    )
    s = s.merge(prev, on=[*id_cols, "forecast_date"], how="left")
    s["naive_forecast"] = s["naive_forecast"].fillna(0.0).clip(lower=0)
    s["overridden"] = (
        s["override_reason"].notna() & (s["final_forecast"] != s["statistical_forecast"])
        if "override_reason" in s.columns
        else False
    )
    return s.reset_index(drop=True)
