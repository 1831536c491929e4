"""The planning cycle around the forecast: reconciliation, exceptions for planner review,
overrides, demand preparation at a level, the previous cycle and accuracy against benchmarks."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

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


REASONS = (
    "change vs last cycle",
    "backtest error",
    "outlier in history",
    "end of life",
    "new item",
)


@dataclass
class ExceptionList:
    """The planner's review list: ``table`` holds at most ``max_rows`` series ranked by value at
    risk; ``total`` counts every flagged series and ``by_reason`` the series per reason (a
    series may have several), so the rest are counted, not hidden."""

    table: pd.DataFrame
    total: int
    by_reason: dict[str, int]
    max_rows: int
    full: pd.DataFrame | None = None  # every flagged series, same columns and order

    @property
    def not_shown(self) -> int:
        return max(self.total - len(self.table), 0)


def unit_values(items: pd.DataFrame, level: str) -> pd.DataFrame:
    """Unit cost per series of a forecasting level, from the item master's standard cost: the
    item's cost for ``item`` and ``item_location``, the mean cost of the category's items for
    ``category``. Items without a cost get the median cost (stated in the exception list's
    appendix), so every value at risk is filled."""
    ids = LEVELS[level]
    cost = pd.to_numeric(items.get("unit_cost"), errors="coerce") if "unit_cost" in items else None
    if cost is None or cost.notna().sum() == 0:
        base = items[["item_id"]].assign(unit_cost=1.0)
    else:
        base = items[["item_id"]].assign(unit_cost=cost.fillna(cost.median()).to_numpy())
    if level == "category":
        return (
            base.assign(category=items["category"].to_numpy())
            .groupby("category", as_index=False)["unit_cost"]
            .mean()
        )
    return base[["item_id", "unit_cost"]] if ids == ["item_id"] else base


def _vs_last_cycle(base, fc, previous, ids, n_next, date_col) -> pd.DataFrame:
    """Next-season forecast and the change against the previous cycle, per series."""
    f = fc.assign(**{c: fc[c].astype(str) for c in ids})
    first = np.sort(f[date_col].unique())[:n_next]
    nxt = f[f[date_col].isin(first)].groupby(ids, as_index=False)["forecast"].sum()
    base = base.merge(nxt.rename(columns={"forecast": "next_forecast"}), on=ids, how="left")
    base["next_forecast"] = base["next_forecast"].fillna(0.0)
    base["change"], base["vs_last_cycle"], base["change_units"] = np.nan, "no previous cycle", 0.0
    if previous is not None and len(previous):
        prev = previous.rename(columns={"target_date": date_col})
        prev = prev.assign(**{c: prev[c].astype(str) for c in ids})
        prev = prev.groupby([*ids, date_col], as_index=False)["final_forecast"].sum()
        j = f.merge(prev, on=[*ids, date_col], how="inner")
        j = j.groupby(ids, as_index=False)[["forecast", "final_forecast"]].sum()
        base = base.drop(columns="change").merge(
            j.assign(
                change=(j["forecast"] - j["final_forecast"])
                / j["final_forecast"].where(j["final_forecast"] > 0),
                change_units=(j["forecast"] - j["final_forecast"]).abs(),
            )[[*ids, "change", "change_units"]],
            on=ids,
            how="left",
            suffixes=("_old", ""),
        )
        base["change_units"] = base["change_units"].fillna(0.0)
        base = base.drop(columns="change_units_old")
        base["vs_last_cycle"] = np.where(
            base["change"].notna(),
            # + 0.0 turns a rounded -0 into 0: "+0%", never "-0%"
            ((base["change"] * 100).round(0) + 0.0).map(lambda v: f"{v:+.0f}%"),
            "not in last cycle",
        )
    return base


def _reasons(base, m, threshold, max_error):
    """Each series' review reasons as one text, whether it has any, and counts per reason."""
    rule = base["rule"].fillna("")
    note = base["forecast_note"].fillna("")
    live = ~note.str.contains("past end of life")  # zero by rule: error and outliers moot
    flags = {
        "change vs last cycle": base["change"].abs() > threshold,
        "backtest error": (base["backtest_error"] > max_error) & live,
        "outlier in history": rule.str.contains(r"outliers? capped") & live,
        "end of life": rule.str.contains("end of life") & (base["next_forecast"] > 0),
        "new item": rule.str.contains("new item") | (base["history_periods"] < m),
    }
    text = {
        "change vs last cycle": "forecast " + base["vs_last_cycle"] + " vs last cycle",
        "backtest error": "backtest "
        + base["error_metric"]
        + " "
        + base["backtest_error"].round(2).astype(str)
        + " with "
        + base["model"].str.replace("_", " "),
        "outlier in history": rule.str.extract(r"(\d+ outliers? capped)", expand=False).fillna("")
        + " in history",
        "end of life": pd.Series("end of life inside the horizon", index=base.index),
        "new item": "new item: " + base["history_periods"].astype(str) + " periods of history",
    }
    any_flag = np.zeros(len(base), dtype=bool)
    reason = pd.Series("", index=base.index)
    for k in REASONS:
        hit = flags[k].fillna(False).to_numpy(dtype=bool)
        any_flag |= hit
        reason = reason.where(~hit, reason + np.where(reason == "", "", "; ") + text[k])
    by_reason = {k: int(flags[k].fillna(False).sum()) for k in REASONS}
    reason = reason.where(note == "", reason + "; " + note)  # a zero forecast says why
    return reason, any_flag, by_reason


def forecast_exceptions(
    result: ForecastResult,
    fc: pd.DataFrame,
    previous: pd.DataFrame | None,
    id_cols: Sequence[str],
    unit_value: pd.DataFrame | None = None,
    threshold: float = 0.15,
    max_error: float = 1.5,
    max_rows: int = 50,
    date_col: str = "date",
) -> ExceptionList:
    """Series for planner review, ranked by value at risk and capped at ``max_rows``.

    Reasons (a series may have several, all named in ``reason``):

    - **change vs last cycle**: over the periods both cycles cover, the new total forecast
      differs from the previous cycle's final forecast by more than ``threshold``;
    - **backtest error**: the selected model's backtest error is above ``max_error``, in the
      metric the series was selected by: MASE for smooth and erratic series, RMSSE for
      intermittent and lumpy ones (``error_metric`` says which);
    - **outlier in history**: points were capped before fitting (see ``clean_outliers``);
    - **end of life**: the item's end-of-life date falls inside the horizon and it still sold
      in the last season (the run-out needs a look);
    - **new item**: less than one season of history, or none (a zero forecast needs input).

    ``units_at_risk`` is the larger of the absolute change against the last cycle and the
    expected error over the next season (backtest MAE x periods, at most the horizon);
    ``value_at_risk`` = units at risk x ``unit_cost`` (from ``unit_value``, 1 when absent).
    Every row has every column: ``vs_last_cycle`` is a text ("+20%", "not in last cycle").
    """
    ids = list(id_cols)
    m = result.settings.get("season_length", 12)
    n_next = min(result.settings.get("h", m), m)
    prof = result.profile.copy()
    for c in ids:
        prof[c] = prof[c].astype(str)
    met = result.metrics
    sel = met[met["selected"] == True].copy() if len(met) else met  # noqa: E712
    if "forecast_note" not in prof:
        prof["forecast_note"] = ""
    base = prof[[*ids, "model", "rule", "demand_class", "history_periods", "forecast_note"]]
    if len(sel):
        sel = sel.assign(**{c: sel[c].astype(str) for c in ids})
        base = base.merge(sel[[*ids, "mae", "mase", "rmsse"]], on=ids, how="left")
    else:
        base = base.assign(mae=np.nan, mase=np.nan, rmsse=np.nan)
    mean_based = base["demand_class"].isin(["intermittent", "lumpy"])
    base["error_metric"] = np.where(mean_based, "RMSSE", "MASE")
    base["backtest_error"] = np.where(mean_based, base["rmsse"], base["mase"])
    no_bt = base["backtest_error"].isna()
    base.loc[no_bt, "error_metric"] = (
        "none: " + base.loc[no_bt, "history_periods"].astype(str) + " periods, too short"
    )
    base = _vs_last_cycle(base, fc, previous, ids, n_next, date_col)
    reason, any_flag, by_reason = _reasons(base, m, threshold, max_error)
    base["reason"] = reason
    out = base[any_flag].copy()
    expected = out["mae"].fillna(0.0) * n_next
    out["units_at_risk"] = np.maximum(out["change_units"], expected)
    if unit_value is not None and len(unit_value):
        uv = unit_value.assign(**{c: unit_value[c].astype(str) for c in ids if c in unit_value})
        on = [c for c in ids if c in uv.columns]
        out = out.merge(uv[[*on, "unit_cost"]].drop_duplicates(on), on=on, how="left")
    out["unit_cost"] = out.get("unit_cost", pd.Series(1.0, index=out.index)).fillna(1.0)
    out["value_at_risk"] = out["units_at_risk"] * out["unit_cost"]
    out = out.sort_values("value_at_risk", ascending=False, kind="stable")
    cols = [
        *ids,
        "value_at_risk",
        "units_at_risk",
        "unit_cost",
        "reason",
        "next_forecast",
        "vs_last_cycle",
        "error_metric",
        "backtest_error",
        "model",
        "demand_class",
    ]
    full = out[cols].reset_index(drop=True)
    return ExceptionList(full.head(max_rows), len(full), by_reason, int(max_rows), full)


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
