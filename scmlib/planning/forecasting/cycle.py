"""The planning cycle around the forecast: reconciliation, exceptions for planner review,
overrides, demand preparation at a level, the previous cycle and accuracy against benchmarks."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from scmlib.errors import DataError, ParameterError
from scmlib.planning.forecasting.execution import ForecastResult
from scmlib.planning.forecasting.models import season_length

LEVELS = {
    "item": ["item_id"],
    "item_location": ["item_id", "location_id"],
    "category": ["category"],
}


def reconcile_bottom_up(
    fc: pd.DataFrame,
    mapping: pd.DataFrame,
    by: str,
    id_col: str = "item_id",
    date_col: str = "date",
) -> pd.DataFrame:
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


def forecast_exceptions(
    new: pd.DataFrame,
    previous: pd.DataFrame,
    metrics: pd.DataFrame,
    id_cols: Sequence[str],
    threshold: float = 0.15,
    max_mase: float = 1.5,
    date_col: str = "date",
) -> pd.DataFrame:
    """Series for planner review.

    - ``changed``: over the periods both cycles cover, the total new forecast differs from the
      previous cycle's final forecast by more than ``threshold`` (relative change);
    - ``high_error``: the selected model's backtest MASE exceeds ``max_mase``.
    ``previous`` has ``id_cols``, ``target_date`` and ``final_forecast`` (latest cycle).
    """
    id_cols = list(id_cols)
    out = []
    if previous is not None and len(previous):
        prev = (
            previous.rename(columns={"target_date": date_col})
            .groupby([*id_cols, date_col], as_index=False)["final_forecast"]
            .sum()
        )
        j = (
            new.merge(prev, on=[*id_cols, date_col], how="inner")
            .groupby(id_cols, as_index=False)[["forecast", "final_forecast"]]
            .sum()
        )
        j["change"] = (j["forecast"] - j["final_forecast"]) / j["final_forecast"].where(
            j["final_forecast"] > 0
        )
        j = j[j["change"].abs() > threshold].assign(
            reason=lambda d: (
                "forecast changed by "
                + (d["change"] * 100).round(0).astype(int).astype(str)
                + "% vs previous cycle"
            )
        )
        out.append(
            j[[*id_cols, "forecast", "final_forecast", "change", "reason"]].rename(
                columns={"forecast": "new_forecast", "final_forecast": "previous_forecast"}
            )
        )
    sel = metrics[metrics["selected"] == True] if len(metrics) else metrics  # noqa: E712
    if len(sel):
        hi = sel[sel["mase"] > max_mase][[*id_cols, "mase", "model"]].copy()
        hi["reason"] = (
            "high backtest error: MASE " + hi["mase"].round(2).astype(str) + " with " + hi["model"]
        )
        out.append(hi[[*id_cols, "mase", "reason"]])
    if not out:
        return pd.DataFrame(columns=[*id_cols, "reason"])
    res = pd.concat(out, ignore_index=True)
    return res.groupby(id_cols, as_index=False).agg(
        {
            **{c: "first" for c in res.columns if c not in id_cols and c != "reason"},
            "reason": "; ".join,
        }
    )


def read_overrides(path) -> pd.DataFrame:
    """Read a planner overrides CSV (path relative to the project root); missing file: clear error."""
    from scmlib.paths import resolve

    p = resolve(path)
    if not p.is_file():
        raise DataError(f"overrides file not found: {p}")
    return pd.read_csv(p, dtype=str)


def apply_overrides(
    fc: pd.DataFrame, overrides: pd.DataFrame, id_cols: Sequence[str], date_col: str = "date"
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Replace forecasts with planner overrides (columns: id_cols, date, value, reason).

    Every override needs a reason; overrides for unknown series or periods outside the
    horizon are an error naming the rows, never silently dropped.
    """
    id_cols = list(id_cols)
    need = [*id_cols, date_col, "value", "reason"]
    missing = [c for c in need if c not in overrides.columns]
    if missing:
        raise DataError(f"overrides file is missing column(s) {missing}; expected columns {need}")
    ov = overrides.copy()
    ov[date_col] = pd.to_datetime(ov[date_col], errors="coerce")
    if ov[date_col].isna().any() or pd.to_numeric(ov["value"], errors="coerce").isna().any():
        rows = (
            ov.index[ov[date_col].isna() | pd.to_numeric(ov["value"], errors="coerce").isna()][:5]
            + 2
        )
        raise DataError(f"overrides: unreadable date or value in rows {list(rows)}")
    if ov["reason"].isna().any() or (ov["reason"].astype(str).str.strip() == "").any():
        rows = ov.index[ov["reason"].isna() | (ov["reason"].astype(str).str.strip() == "")][:5] + 2
        raise DataError(f"overrides: every override needs a reason; rows {list(rows)} have none")
    ov["value"] = pd.to_numeric(ov["value"])
    for c in id_cols:
        ov[c] = ov[c].astype(str)
    j = ov.merge(
        fc[[*id_cols, date_col, "forecast"]], on=[*id_cols, date_col], how="left", indicator=True
    )
    unknown = j[j["_merge"] == "left_only"]
    if len(unknown):
        ex = unknown.head(5)[[*id_cols, date_col]].astype(str).agg(" ".join, axis=1).tolist()
        raise DataError(
            f"overrides: {len(unknown)} row(s) match no forecast (unknown series or date outside the horizon), e.g. {ex}"
        )
    out = fc.merge(ov[[*id_cols, date_col, "value", "reason"]], on=[*id_cols, date_col], how="left")
    applied = out[out["value"].notna()][[*id_cols, date_col, "forecast", "value", "reason"]].rename(
        columns={"forecast": "statistical_forecast", "value": "final_forecast"}
    )
    out["forecast"] = out["value"].fillna(out["forecast"])
    out["override_reason"] = out["reason"]
    return out.drop(columns=["value", "reason"]), applied.reset_index(drop=True)


def prepare_demand(
    demand: pd.DataFrame, items: pd.DataFrame, level: str = "item", freq: str = "MS"
) -> tuple[pd.DataFrame, list[str]]:
    """Aggregate ``demand_history`` to a forecasting level and frequency (period starts).

    ``level``: ``item``, ``item_location`` or ``category``; ``freq``: ``MS`` (months),
    ``W-MON`` (weeks starting Monday) or ``D``. Returns the long frame and its id columns.
    """
    if level not in LEVELS:
        raise ParameterError(f"aggregation level must be one of {list(LEVELS)}, got {level!r}")
    season_length(freq)
    ids = LEVELS[level]
    df = demand
    if level == "category":
        df = demand.merge(items[["item_id", "category"]], on="item_id", how="left")
    if level == "item_location" and (
        "location_id" not in df.columns or df["location_id"].isna().all()
    ):
        raise ParameterError(
            "aggregation level 'item_location' needs demand_history.location_id; use level 'item'"
        )
    period = {"MS": "M", "M": "M", "W": "W-SUN", "W-MON": "W-SUN", "D": "D", "QS": "Q", "YS": "Y"}[
        freq
    ]
    start = df["date"].dt.to_period(period).dt.start_time
    out = (
        df.assign(date=start)
        .groupby([*ids, "date"], as_index=False, observed=True)["quantity"]
        .sum()
    )
    return out, ids


def previous_cycle(
    snapshots: pd.DataFrame | None, items: pd.DataFrame, level: str
) -> pd.DataFrame | None:
    """The latest forecast cycle's final forecasts per target period, at the forecasting level."""
    if snapshots is None or snapshots.empty:
        return None
    last = snapshots[snapshots["forecast_date"] == snapshots["forecast_date"].max()]
    if level == "category":
        last = last.merge(items[["item_id", "category"]], on="item_id", how="left")
    ids = LEVELS[level]
    return last.groupby([*ids, "target_date"], as_index=False)["final_forecast"].sum()


def accuracy_vs_benchmarks(
    result: ForecastResult, id_cols: Sequence[str], segment: str = "demand_class"
) -> pd.DataFrame:
    """Backtest accuracy per segment: the selected model against the naive benchmarks.

    Columns: series, mase_selected, mase_naive, mase_seasonal_naive (mean over series where
    the benchmark was a candidate), beats_naive (share of series where the selected model's
    MASE is below the naive's), coverage of each interval level (selected model).
    """
    id_cols = list(id_cols)
    met = result.metrics
    if met.empty:
        return pd.DataFrame()
    prof = (
        result.profile[[*id_cols, segment]]
        if segment in result.profile.columns
        else result.profile[id_cols].assign(**{segment: "all"})
    )
    wide = met.pivot_table(index=id_cols, columns="model", values="mase", aggfunc="first")
    sel = met[met["selected"] == True].set_index(id_cols)  # noqa: E712
    cov_cols = [c for c in sel.columns if c.startswith("coverage_")]
    df = pd.DataFrame({"mase_selected": sel["mase"], "wmape_selected": sel["wmape"]}).join(
        sel[cov_cols]
    )
    for bench in ("naive", "seasonal_naive"):
        df[f"mase_{bench}"] = wide[bench] if bench in wide.columns else np.nan
    df = df.reset_index().merge(prof, on=id_cols, how="left")
    df["beats_naive"] = (df["mase_selected"] < df["mase_naive"]).where(df["mase_naive"].notna())
    g = df.groupby(segment, observed=True)
    out = g.agg(
        series=("mase_selected", "size"),
        mase_selected=("mase_selected", "mean"),
        mase_naive=("mase_naive", "mean"),
        mase_seasonal_naive=("mase_seasonal_naive", "mean"),
        beats_naive=("beats_naive", "mean"),
        **{c: (c, "mean") for c in cov_cols},
    )
    return out.reset_index()


def year_on_year(
    history: pd.DataFrame, fc: pd.DataFrame, freq: str, date_col: str = "date"
) -> tuple[float, float, int]:
    """Total forecast over the next year against actual demand over the last year, a year being
    one season of the frequency (12 months, 52 weeks, ...): returns (last year, next year, periods).
    With less than a year of forecast, both sides cover the forecast's periods."""
    n = season_length(freq)
    past = np.sort(history[date_col].unique())[-n:]
    future = np.sort(fc[date_col].unique())[:n]
    k = min(len(past), len(future))
    last = float(history.loc[history[date_col].isin(past[-k:]), "quantity"].sum())
    nxt = float(fc.loc[fc[date_col].isin(future[:k]), "forecast"].sum())
    return last, nxt, k
