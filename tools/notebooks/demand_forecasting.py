import sys; sys.path.insert(0, "tools")
from nbbuild import write

META = {"title": "Demand forecasting", "area": "planning",
        "purpose": "Statistical demand forecasts with per-series model selection by backtest, prediction intervals, exceptions for planner review and overrides."}
cells = [
("md", """
# Demand forecasting

Generates statistical demand forecasts per series (item, item x location or category) with the model
chosen per series by a rolling-origin backtest (no leakage), prediction intervals, category and total
forecasts that add up, an exception list for planner review and documented planner overrides.
"""),
("code", """
data_source: str = "demo"  # data source: demo, a folder, workbook, database file or URL
column_map: dict = {}  # per table: {source column: canonical column}
read_options: dict = {}  # reading options (encoding, date_format, decimal, ...), global or per table
level: str = "item"  # aggregation level: item, item_location or category
freq: str = "MS"  # frequency: MS (monthly), W-MON (weekly) or D (daily)
horizon: int = 18  # periods to forecast
models: list = ["naive", "seasonal_naive", "moving_average", "ets", "theta_classic", "croston", "sba", "tsb"]  # candidate models (also theta (AutoTheta), arima, arima_pm)
combine: bool = True  # add the ensemble (ETS, Theta, ARIMA mean) as a candidate, kept unless a model beats it by 30%
metric: str = "mase"  # selection metric: mase, rmsse, smape, mae or wmape
n_windows: int = 3  # rolling backtest origins
interval_levels: list = [80, 95]  # prediction interval levels (%)
exception_threshold: float = 0.15  # relative change against the previous cycle that triggers review
max_mase: float = 1.5  # backtest MASE above which a series is flagged for review
clean_outliers: bool = False  # cap values beyond 5 robust standard deviations before fitting
overrides_file: str = ""  # optional CSV of planner overrides: id columns, date, value, reason
top_n: int = 6  # items charted individually
interactive: bool = False  # widgets for exploring in JupyterLab
""", ["parameters"]),
("code", """
from scmlib import params as P
from scmlib.planning import forecasting as F
P.check("level", level, choices=list(F.LEVELS))
P.check("freq", freq, choices=list(F.FREQS))
P.check("horizon", horizon, low=1, high=104)
P.check("models", models, subset_of=F.ALL_MODELS)
P.check("metric", metric, choices=F.METRICS)
P.check("n_windows", n_windows, low=1, high=12)
P.check("exception_threshold", exception_threshold, low=0.0)
P.check("top_n", top_n, low=1, high=30)
"""),
("code", """
import pandas as pd
from scmlib.data import load_data
from scmlib.reporting import Report, charts, fmt_pct, fmt_number
report = Report("demand_forecasting", "Demand forecasting", data_source, interactive=interactive)
data = load_data(data_source, tables=["items", "demand_history"], optional=["forecast_snapshots"], column_map=column_map, read_options=read_options)
items = data["items"]
demand, ids = F.prepare_demand(data["demand_history"], items, level, freq)
eol = items[["item_id", "eol_date"]] if "eol_date" in items and level != "category" else None
result = F.forecast(demand, h=horizon, freq=freq, id_cols=ids, models=models, levels=interval_levels, n_windows=n_windows,
                    metric=metric, combine=combine, clean_outliers=clean_outliers, eol_dates=eol, progress=interactive)
fc, applied = result.forecast, pd.DataFrame()
if overrides_file:
    fc, applied = F.apply_overrides(result.forecast, F.read_overrides(overrides_file), ids)
"""),
("code", """
bench = F.accuracy_vs_benchmarks(result, ids)
sel = result.metrics[result.metrics["selected"] == True]
bt = result.backtest
wmape_sel = (bt["actual"] - bt["forecast"]).abs().sum() / bt["actual"].abs().sum()
prev = F.previous_cycle(data.get("forecast_snapshots"), items, level)
exceptions = F.forecast_exceptions(fc, prev, result.metrics, ids, exception_threshold, max_mase)
last12 = demand[demand["date"] > demand["date"].max() - pd.DateOffset(months=12)]["quantity"].sum()
next12 = fc[fc["date"] <= fc["date"].min() + pd.DateOffset(months=11)]["forecast"].sum()
cov = {lv: sel[f"coverage_{lv}"].mean() for lv in interval_levels}
beats = (sel.set_index(ids)["mase"] < result.metrics[result.metrics["model"] == "naive"].set_index(ids)["mase"]).mean()
"""),
("code", """
report.header(period=data.period("demand_history", "date"), extra={"Level": level, "Horizon": f"{horizon} periods ({freq})"})
top_models = result.profile["model"].value_counts()
report.summary([
    f"{len(result.profile):,} series forecast {horizon} periods ahead; the next 12 periods total {fmt_number(next12)} units against {fmt_number(last12)} in the last 12 ({(next12 / last12 - 1):+.1%}).",
    f"Backtest accuracy of the selected models: WMAPE {fmt_pct(wmape_sel)} (forecast accuracy {fmt_pct(max(0, 1 - wmape_sel))}), mean MASE {sel['mase'].mean():.2f}; the selected model beats the naive forecast on {fmt_pct(beats, 0)} of series.",
    f"Most chosen models: " + ", ".join(f"{m} ({n:,})" for m, n in top_models.head(4).items()) + ".",
    f"Prediction intervals: " + ", ".join(f"{lv}% intervals held {fmt_pct(c, 0)} of backtest actuals" for lv, c in cov.items()) + ".",
    f"{len(exceptions):,} series need planner review (change above {exception_threshold:.0%} vs the previous cycle or MASE above {max_mase:g}); {len(applied):,} planner overrides applied.",
    f"{(result.profile['demand_class'].isin(['intermittent', 'lumpy'])).mean():.0%} of series are intermittent or lumpy and use Croston-type methods as candidates.",
])
report.data_quality(data.warnings)
"""),
("code", """
report.section("Demand overview", "Total demand history and the forecast (sum of the series forecasts), with the mix of demand classes.")
hist = demand.groupby("date", as_index=False)["quantity"].sum()
tot = F.reconcile_bottom_up(fc, items, "total")
report.figure(charts.fan(hist, tot, "Total demand: history and forecast", point="forecast"))
classes = result.profile.groupby("demand_class").agg(series=("model", "size"), mean_adi=("adi", "mean"), mean_cv2=("cv2", "mean")).reset_index()
report.table(classes, {"mean_adi": "num2", "mean_cv2": "num2"}, max_rows=None)
"""),
("code", """
report.section("Which models won where, and why", f"Each series' model is the candidate with the lowest mean {metric.upper()} over {n_windows} rolling backtest origins, except that the combination is kept unless a single model beats it by more than 30%. Rows: demand class; columns: winning model (series count).")
wins = pd.crosstab(result.profile["demand_class"], result.profile["model"])
report.figure(charts.heatmap(wins, "Selected model by demand class (series)", fmt=".0f", figsize=(9, 3.4)))
why = result.metrics.groupby("model").agg(series=("mase", "size"), mean_mase=("mase", "mean"), times_selected=("selected", "sum")).reset_index().sort_values("mean_mase")
report.table(why, {"mean_mase": "num3", "times_selected": "int"}, max_rows=None, caption="Mean backtest MASE of every candidate over the series where it was tried.")
"""),
("code", """
report.section("Backtest accuracy against naive benchmarks", "Mean MASE of the selected models against the naive and seasonal naive forecasts (below 1: better than the in-sample seasonal naive), with interval coverage.")
fmt = {"mase_selected": "num3", "mase_naive": "num3", "mase_seasonal_naive": "num3", "beats_naive": "pct", **{f"coverage_{lv}": "pct" for lv in interval_levels}}
report.table(bench, fmt, max_rows=None)
"""),
("code", """
report.section("Forecasts of the largest series", "History, backtest forecasts of the selected model, the forecast and its intervals.")
top = demand.groupby(ids)["quantity"].sum().nlargest(top_n).index
def show_series(key):
    key = key if isinstance(key, tuple) else (key,)
    sel_rows = lambda df: df[(df[ids] == pd.Series(key, index=ids)).all(axis=1)]
    model = sel_rows(result.profile)["model"].iloc[0]
    bands = [(f"lo_{lv}", f"hi_{lv}", f"{lv}% interval") for lv in sorted(interval_levels, reverse=True)]
    report.figure(charts.fan(sel_rows(demand), sel_rows(fc), f"{' / '.join(map(str, key))} ({model})", bands=bands, fitted=sel_rows(bt)))
for key in top[: min(top_n, 6)]:
    show_series(key)
"""),
("code", """
if level != "category":
    report.section("Category and total forecasts", "Bottom-up: category and total forecasts are the sums of the series forecasts, so they add up.")
    cat = F.reconcile_bottom_up(fc, items, "category")
    wide = cat.pivot_table(index="category", columns="date", values="forecast", aggfunc="sum").iloc[:, :6]
    wide.columns = [c.strftime("%b %Y") for c in wide.columns]
    wide.loc["Total"] = wide.sum()
    report.table(wide.reset_index(), {c: "int" for c in wide.columns}, max_rows=None)
"""),
("code", """
report.section("Exceptions for planner review", f"Series whose forecast moved more than {exception_threshold:.0%} against the previous cycle's final forecast, or whose backtest MASE exceeds {max_mase:g}.")
report.table(exceptions.sort_values(exceptions.columns[len(ids)], ascending=False) if len(exceptions) else exceptions, {"new_forecast": "int", "previous_forecast": "int", "change": "pct", "mase": "num2"}, max_rows=20)
report.section("Planner overrides", "Overrides from the overrides file, with their reasons." if overrides_file else "No overrides file was given for this run.")
if len(applied):
    report.table(applied, {"statistical_forecast": "num1", "final_forecast": "num1"}, max_rows=30)
"""),
("code", """
report.explore(lambda series: show_series(tuple(series.split(" / "))), "Explore a series", series=[" / ".join(map(str, k if isinstance(k, tuple) else (k,))) for k in top])
"""),
("code", """
report.outputs({"forecast.csv": fc, "backtest_metrics.csv": result.metrics, "exceptions.csv": exceptions},
               {"forecast.csv": "forecast with interval bounds and model per series and period", "backtest_metrics.csv": "backtest metrics per series and candidate model", "exceptions.csv": "series for planner review"})
report.appendix({
    "Rolling-origin backtest": f"{n_windows} origins, each forecasting {result.settings['backtest_horizon']} periods from the data before it only (Hyndman & Athanasopoulos, FPP3 5.10).",
    "MASE": "Mean absolute error / in-sample mean absolute error of the seasonal naive forecast (Hyndman & Koehler 2006).",
    "WMAPE": "Sum of absolute errors / sum of actuals; forecast accuracy = 1 - WMAPE, floored at 0.",
    "Models": "naive (last value), seasonal naive (value one season ago), moving average, ETS (AutoETS), Theta (AutoTheta and the classic Theta method), ARIMA (bounded AutoARIMA), Croston, SBA (Syntetos-Boylan approximation), TSB (Teunter-Syntetos-Babai), combination (mean of the ETS, Theta and ARIMA models that ran; for intermittent series the best three candidates).",
    "Selection": "Lowest mean backtest error; the combination is kept unless a single model beats it by more than 30% (per-series selection is noisy; combinations are robust).",
    "Demand classes": "Syntetos-Boylan: ADI 1.32 and CV² 0.49 cut-offs; intermittent and lumpy series get Croston, SBA and TSB as candidates.",
    "Prediction intervals": "Normal with variance growing with the horizon, estimated from the series' backtest errors, widened to the model's own interval where it has one. Coverage is measured out of sample (each window's interval uses the other windows' errors).",
    "Rules": "Missing periods are zero demand; negative values (returns) are clipped; series without history or all zeros get a zero forecast; periods after an item's end-of-life date are zero; series shorter than two seasons use no seasonal models.",
    "Exceptions": f"Change above {exception_threshold:.0%} in total forecast against the previous cycle over the common periods, or backtest MASE above {max_mase:g}.",
})
"""),
]
write("notebooks/demand_forecasting.ipynb", META, cells)
