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

    Parameters
    ----------
    history : DataFrame
        In-sample history, tidy long: ``id_cols``, ``date_col`` and ``target``.
    id_cols : sequence of str
        Columns naming a series.
    season : int, default 12
        Seasonal period m (12 for monthly data).
    target, date_col : str
        Value and date columns.

    Returns
    -------
    DataFrame
        ``id_cols``, ``scale_mae`` and ``scale_rmse`` per series.

    References
    ----------
    Hyndman, R. J. & Koehler, A. B. (2006). Another look at measures of forecast accuracy.
    *International Journal of Forecasting* 22(4), 679-688.

    Examples
    --------
    Differences of 10, 12, 11, 15 at lag 1 are 2, -1, 4: MAE scale 7/3, RMSE scale sqrt(7).

    >>> h = pd.DataFrame({"item_id": "A", "quantity": [10.0, 12, 11, 15],
    ...                   "date": pd.date_range("2024-01-01", periods=4, freq="MS")})
    >>> sc = seasonal_scale(h, ["item_id"], season=1)
    >>> round(float(sc["scale_mae"].iloc[0]), 4), round(float(sc["scale_rmse"].iloc[0]), 4)
    (2.3333, 2.6458)
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


def point_errors(actual: np.ndarray, forecast: np.ndarray) -> dict[str, np.ndarray]:
    """Row-level errors under the suite's one sign convention, ``e = forecast - actual``.

    Every metric of the suite (the accuracy reports' :func:`error_metrics`, the forecasting
    engine's backtest :func:`window_metrics`) is built from these arrays, so they cannot
    disagree on sign or on the sMAPE zero rule.

    Parameters
    ----------
    actual, forecast : array_like
        Actuals A and forecasts F, same length.

    Returns
    -------
    dict of ndarray
        ``e`` (F - A), ``ae`` (|e|), ``se`` (e²), ``abs_a`` (|A|) and ``sape``
        (2 |e| / (|A| + |F|), 0 when both are 0: the M3 sMAPE term as a share).

    References
    ----------
    Hyndman & Athanasopoulos, *Forecasting: Principles and Practice* (3rd ed.), 5.8;
    Makridakis, S. & Hibon, M. (2000). The M3-Competition. *IJF* 16(4), 451-476.

    Examples
    --------
    Forecast 12 against an actual of 10 is over-forecast by 2 (positive error):

    >>> p = point_errors(np.array([10.0, 0.0]), np.array([12.0, 0.0]))
    >>> p["e"].tolist(), round(float(p["sape"][0]), 4), float(p["sape"][1])
    ([2.0, 0.0], 0.1818, 0.0)
    """
    a = np.asarray(actual, dtype=float)
    f = np.asarray(forecast, dtype=float)
    e = f - a
    ae = np.abs(e)
    den = np.abs(a) + np.abs(f)
    with np.errstate(divide="ignore", invalid="ignore"):
        sape = np.where(den > 0, 2 * ae / np.where(den > 0, den, 1.0), 0.0)
    return {"e": e, "ae": ae, "se": e**2, "abs_a": np.abs(a), "sape": sape}


def window_metrics(
    actual: np.ndarray, forecast: np.ndarray, mae_scale: float, rmse_scale: float
) -> dict[str, float]:
    """Metrics of one backtest window of one series (the forecasting engine's selection metrics).

    The same formulas as :func:`error_metrics` (through :func:`point_errors`), on numpy arrays
    for speed: the engine scores every candidate model at every origin of every series.

    Parameters
    ----------
    actual, forecast : ndarray
        The window's actuals and point forecasts.
    mae_scale, rmse_scale : float
        The series' in-sample scales (see :func:`seasonal_scale`), > 0.

    Returns
    -------
    dict
        ``mae``, ``mase`` (MAE / mae_scale), ``rmsse`` (RMSE / rmse_scale), ``smape`` (in %,
        0-200), ``bias`` (mean of forecast - actual; positive = over-forecast), and the sums
        ``abs_err`` (sum |e|) and ``actual`` (sum |A|) from which WMAPE is pooled over windows.

    References
    ----------
    Hyndman & Koehler (2006); Makridakis & Hibon (2000) (sMAPE).

    Examples
    --------
    Actuals 10, 20, forecasts 12, 15: errors +2, -5, MAE 3.5, bias -1.5, MASE 3.5 / 2 = 1.75.

    >>> m = window_metrics(np.array([10.0, 20.0]), np.array([12.0, 15.0]), 2.0, 2.0)
    >>> m["mae"], m["mase"], m["bias"], round(m["smape"], 2)
    (3.5, 1.75, -1.5, 23.38)
    """
    p = point_errors(actual, forecast)
    n = max(len(p["e"]), 1)
    mae = float(p["ae"].sum() / n)
    return {
        "mae": mae,
        "mase": float(mae / mae_scale),
        "rmsse": float(np.sqrt(p["se"].sum() / n) / rmse_scale),
        "smape": float(100 * p["sape"].sum() / n),
        "abs_err": float(p["ae"].sum()),
        "actual": float(p["abs_a"].sum()),
        "bias": float(p["e"].sum() / n),
    }


def error_metrics(
    df: pd.DataFrame,
    by: Sequence[str] = (),
    actual: str = "actual",
    forecast: str = "forecast",
    zero_rule: str = "exclude",
    scales: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """All accuracy metrics per group of ``by`` (empty: one total row). See the module docstring.

    Parameters
    ----------
    df : DataFrame
        One row per forecast and its actual, with the ``by`` columns.
    by : sequence of str, default ()
        Grouping columns (any level: item, item x location, category, lag); empty: the total.
    actual, forecast : str
        Column names of the actuals and the forecasts.
    zero_rule : {"exclude", "floor", "cap"}
        How MAPE treats zero actuals (see the module docstring).
    scales : DataFrame, optional
        From :func:`seasonal_scale`: adds MASE and RMSSE; its id columns are joined to ``df``
        row by row, so MASE works at any aggregation level.

    Returns
    -------
    DataFrame
        ``by``, ``n``, ``actual``, ``forecast`` (sums), ``mae``, ``rmse``, ``mape`` (%),
        ``wmape`` (share), ``smape`` (%), ``bias`` (units), ``pct_bias`` (share),
        ``tracking_signal``, ``accuracy`` (max(0, 1 - WMAPE)) and, with ``scales``, ``mase``
        and ``rmsse``.

    References
    ----------
    Hyndman & Athanasopoulos, *Forecasting: Principles and Practice* (3rd ed.), 5.8;
    Hyndman & Koehler (2006); Makridakis & Hibon (2000); Brown (1959).

    Examples
    --------
    Actuals 10, 20, 0, 40 and forecasts 12, 15, 5, 40: errors 2, -5, 5, 0, so MAE 3,
    WMAPE 12 / 70 = 17.1%, MAPE (zero actual left out) (20% + 25% + 0%) / 3 = 15%.

    >>> df = pd.DataFrame({"actual": [10.0, 20, 0, 40], "forecast": [12.0, 15, 5, 40]})
    >>> m = error_metrics(df).iloc[0]
    >>> float(m["mae"]), round(float(m["wmape"]), 4), round(float(m["mape"]), 2)
    (3.0, 0.1714, 15.0)
    >>> round(float(m["accuracy"]), 4), float(m["bias"])
    (0.8286, 0.5)
    """
    if zero_rule not in ZERO_RULES:
        raise ParameterError(f"zero_rule must be one of {list(ZERO_RULES)}, got {zero_rule!r}")
    for col in (actual, forecast, *by):
        if col not in df.columns:
            raise DataError(f"accuracy input is missing column '{col}'; got {list(df.columns)}")
    by = list(by)
    a = df[actual].to_numpy(dtype=float)
    f = df[forecast].to_numpy(dtype=float)
    p = point_errors(a, f)
    e, ae = p["e"], p["ae"]
    w = pd.DataFrame({c: df[c].to_numpy() for c in by}, index=pd.RangeIndex(len(df)))
    w["n"] = 1
    w["a"] = a
    w["f"] = f
    w["abs_a"] = p["abs_a"]
    w["e"] = e
    w["ae"] = ae
    w["se"] = p["se"]
    zero = a == 0
    with np.errstate(divide="ignore", invalid="ignore"):
        if zero_rule == "exclude":
            ape = np.where(zero, np.nan, ae / np.abs(a))
        elif zero_rule == "floor":
            ape = ae / np.maximum(np.abs(a), 1.0)
        else:
            ape = np.where(zero, np.where(f == 0, 0.0, 1.0), ae / np.abs(a))
    w["sape"] = p["sape"]
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

    Parameters
    ----------
    snapshots : DataFrame
        Forecast snapshots: ``id_cols``, ``forecast_date``, ``target_date``, ``lag``, forecasts.
    demand : DataFrame
        Demand history: ``id_cols``, ``date``, ``quantity`` (summed per id and month).
    id_cols : sequence of str
        The series' id columns.

    Returns
    -------
    DataFrame
        The snapshots with ``actual`` (0 where a past target has no demand),
        ``naive_forecast`` and ``overridden``.

    References
    ----------
    Gilliland, M. (2010). *The Business Forecasting Deal*, ch. 6 (the naive benchmark of FVA).

    Examples
    --------
    A forecast of 12 made on 1 Feb for March: the actual is March's 11, the naive forecast
    January's 9 (the last actual known on 1 Feb).

    >>> d = pd.DataFrame({"item_id": "A", "quantity": [9.0, 10, 11],
    ...                   "date": pd.date_range("2024-01-01", periods=3, freq="MS")})
    >>> s = pd.DataFrame({"item_id": ["A"], "forecast_date": [pd.Timestamp("2024-02-01")],
    ...                   "target_date": [pd.Timestamp("2024-03-01")], "lag": [1],
    ...                   "final_forecast": [12.0]})
    >>> r = attach_actuals(s, d, ["item_id"]).iloc[0]
    >>> float(r["actual"]), float(r["naive_forecast"])
    (11.0, 9.0)
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
