import sys; sys.path.insert(0, "tools")
from nbbuild import write

META = {"title": "Forecast accuracy and improvement", "area": "planning",
        "purpose": "Accuracy (MAPE, WMAPE, MASE), bias and forecast value added of the statistical and final forecasts, error drivers and data-driven recommendations."}
cells = [
("md", """
# Forecast accuracy and improvement

Measures the accuracy and bias of past forecasts against actuals at any level and lag, the forecast value
added (FVA) of the statistical model and of planner overrides, finds the drivers of error (segment,
demand class, lifecycle, lag, category), flags persistent bias, and recommends improvements computed
from the data.
"""),
("code", """
data_source: str = "demo"  # data source: demo, a folder, workbook, database file or URL
column_map: dict = {}  # per table: {source column: canonical column}
read_options: dict = {}  # reading options (encoding, date_format, decimal, ...), global or per table
window_start: str = ""  # first target period evaluated (YYYY-MM-DD); empty: 12 months before the last
window_end: str = ""  # last target period evaluated; empty: the last period with actuals
lags: list = [1, 2, 3]  # forecast lags evaluated (periods between forecast and target)
level: str = "item"  # aggregation level: item, item_location, category or total
accuracy_targets: dict = {"A": 0.75, "B": 0.65, "C": 0.5}  # forecast accuracy (1 - WMAPE) target per ABC class
zero_rule: str = "exclude"  # MAPE with zero actuals: exclude, floor or cap
bias_threshold: float = 4.0  # tracking-signal limit for persistent bias alerts
interactive: bool = False  # widgets for exploring in JupyterLab
""", ["parameters"]),
("code", """
from scmlib import params as P
from scmlib.planning import accuracy as A
P.check("level", level, choices=list(A.LEVEL_IDS))
P.check("zero_rule", zero_rule, choices=A.ZERO_RULES)
P.check("lags", lags, subset_of=list(range(0, 25)))
P.check("bias_threshold", bias_threshold, low=0.5)
for k, v in accuracy_targets.items():
    P.check(f"accuracy_targets.{k}", v, low=0.0, high=1.0)
"""),
("code", """
import pandas as pd
from scmlib.data import load_data
from scmlib.inventory.segmentation import abc_xyz
from scmlib.reporting import Report, charts, fmt_pct, fmt_number
report = Report("forecast_accuracy", "Forecast accuracy and improvement", data_source, interactive=interactive)
data = load_data(data_source, tables=["items", "demand_history", "forecast_snapshots"], column_map=column_map, read_options=read_options)
items, demand, snaps = data["items"], data["demand_history"], data["forecast_snapshots"]
detail_level = "item_location" if "location_id" in snaps and snaps["location_id"].notna().any() else "item"
detail, _ = A.evaluation_frame(snaps, demand, items, detail_level, lags, window_start or None, window_end or None)
ev, ids = A.evaluation_frame(snaps, demand, items, level, lags, window_start or None, window_end or None)
seg = abc_xyz(demand[demand["date"] < detail["target_date"].min()], items, ["item_id"])[["item_id", "abc", "xyz", "segment", "demand_class"]]
detail = detail.merge(seg, on="item_id", how="left").fillna({"abc": "C", "xyz": "Z", "demand_class": "new"})
hist = demand[demand["date"] < ev["target_date"].min()]
if level == "category":
    hist = hist.merge(items[["item_id", "category"]], on="item_id")
scales = A.seasonal_scale(hist.groupby([*ids, "date"], as_index=False)["quantity"].sum(), ids) if ids else None
"""),
("code", """
first_lag = min(lags)
per_series = A.error_metrics(ev[ev["lag"] == first_lag].rename(columns={"final_forecast": "forecast"}), ids, zero_rule=zero_rule, scales=scales) if ids else None
naive_series = A.error_metrics(ev[ev["lag"] == first_lag].rename(columns={"naive_forecast": "forecast"}), ids, zero_rule=zero_rule) if ids else None
total = A.error_metrics(ev.rename(columns={"final_forecast": "forecast"}), ["lag"], zero_rule=zero_rule)
trend = A.error_metrics(ev[ev["lag"] == first_lag].rename(columns={"final_forecast": "forecast"}), ["target_date"], zero_rule=zero_rule)
fva_all = A.fva(ev)
fva_lag = A.fva(ev, ["lag"])
overrides = A.override_effect(detail)
by_seg = {dim: A.error_metrics(detail.rename(columns={"final_forecast": "forecast"}), [dim], zero_rule=zero_rule) for dim in ["abc", "xyz", "demand_class", "lifecycle_stage", "category"] if dim in detail}
alerts = A.bias_alerts(per_series, bias_threshold, ids) if ids else pd.DataFrame()
pareto = A.error_pareto(per_series, ids) if ids else pd.DataFrame()
recs = A.recommendations(per_series, naive_series, alerts, overrides, by_seg["abc"], accuracy_targets, "abc", ids) if ids else pd.DataFrame()
"""),
("code", """
report.header(period=(ev["target_date"].min(), ev["target_date"].max()), extra={"Level": level, "Lags": ", ".join(map(str, lags)), "MAPE zero rule": zero_rule})
lag1 = total[total["lag"] == first_lag].iloc[0]
t_first, t_last = trend.iloc[: len(trend) // 2]["accuracy"].mean(), trend.iloc[len(trend) // 2 :]["accuracy"].mean()
f = fva_all.iloc[0]
n_bad = int((per_series["wmape"] > naive_series.set_index(ids).reindex(per_series.set_index(ids).index)["wmape"].to_numpy()).sum()) if ids else 0
report.summary([
    f"Lag-{first_lag} forecast accuracy is {fmt_pct(lag1['accuracy'])} (WMAPE {fmt_pct(lag1['wmape'])}, MAPE {lag1['mape']:.1f}%) at {level} level; bias {lag1['pct_bias']:+.1%} ({'over' if lag1['pct_bias'] > 0 else 'under'}-forecasting).",
    f"Accuracy moved from {fmt_pct(t_first)} in the first half of the window to {fmt_pct(t_last)} in the second half.",
    f"Forecast value added: the statistical model {100 * f['fva_statistical']:+.1f} pts of WMAPE against naive; planner overrides {100 * f['fva_override']:+.1f} pts against the statistical forecast.",
    (f"{int(overrides['overrides'].sum()):,} overrides: {(overrides['improved'] * overrides['overrides']).sum() / overrides['overrides'].sum():.0%} improved and {(overrides['worsened'] * overrides['overrides']).sum() / overrides['overrides'].sum():.0%} worsened accuracy; worst reason: '{overrides.iloc[0]['override_reason']}' (+{overrides.iloc[0]['net_units']:,.0f} units of error)." if len(overrides) else "No planner overrides in the window."),
    f"{len(alerts):,} series show persistent bias (tracking signal beyond ±{bias_threshold:g}); {n_bad:,} series are forecast worse than by the naive method.",
    f"{int((pareto['cum_share'] <= 0.5).sum()) + 1 if len(pareto) else 0:,} of {len(pareto):,} series make half of all absolute error.",
])
report.data_quality(data.warnings)
"""),
("code", """
report.section("Headline accuracy and bias", "By lag, over the evaluation window (final forecasts).")
report.table(total[["lag", "n", "actual", "forecast", "accuracy", "wmape", "mape", "smape", "pct_bias"]], {"actual": "int", "forecast": "int", "accuracy": "pct", "wmape": "pct", "mape": "num1", "smape": "num1", "pct_bias": "pct"}, max_rows=None)
report.figure(charts.lines(trend, "target_date", ["accuracy", "pct_bias"], f"Lag-{first_lag} accuracy and bias by month", kind="pct"))
"""),
("code", """
report.section("Accuracy by segment", "Forecast accuracy (1 - WMAPE) and bias by ABC class, XYZ class, demand class, lifecycle stage and category (item-location rows).")
for dim, t in by_seg.items():
    report.table(t[[dim, "n", "actual", "accuracy", "wmape", "mape", "pct_bias"]], {"actual": "int", "accuracy": "pct", "wmape": "pct", "mape": "num1", "pct_bias": "pct"}, max_rows=None)
"""),
("code", """
report.section("Forecast value added", "Reduction in WMAPE at each step of the process: naive (last actual) -> statistical -> final (after planner overrides). Positive values add value.")
steps = pd.DataFrame({"step": ["naive accuracy", "statistical model", "planner overrides"], "value": [1 - f["wmape_naive"], f["fva_statistical"], f["fva_override"]]})
report.figure(charts.waterfall(steps, "step", "value", "Forecast accuracy (1 - WMAPE) waterfall"))
report.table(fva_lag, {"actual": "int", "wmape_naive": "pct", "wmape_statistical": "pct", "wmape_final": "pct", "fva_statistical": "pct", "fva_override": "pct", "fva_total": "pct"}, max_rows=None)
report.table(overrides, {"improved": "pct", "worsened": "pct", "mean_abs_error_change": "num1", "net_units": "int", "fva_override": "pct"}, max_rows=None, caption="Overrides by reason: share that improved or worsened accuracy, and the net change in absolute error (units).")
"""),
("code", """
report.section("Bias alerts", f"Series whose lag-{first_lag} tracking signal lies outside ±{bias_threshold:g}.")
report.table(alerts, {"actual": "int", "forecast": "int", "bias": "num1", "pct_bias": "pct", "tracking_signal": "num1"}, max_rows=15)
if len(pareto):
    report.section("Pareto of error", "Series ranked by their share of total absolute error.")
    report.figure(charts.pareto(pareto["abs_error"], "Cumulative share of absolute forecast error", cutoff=0.8, unit="series"))
    report.table(pareto.head(15), {"abs_error": "int", "actual": "int", "wmape": "pct", "cum_share": "pct"}, max_rows=15)
"""),
("code", """
report.section("Recommendations", "Computed from the data; each row gives the evidence and the size of the problem in units of absolute error.")
report.table(recs, {"impact_units": "int"}, max_rows=40)
"""),
("code", """
def drill(abc_class):
    rows = detail[detail["abc"] == abc_class].rename(columns={"final_forecast": "forecast"})
    t = A.error_metrics(rows, ["item_id"], zero_rule=zero_rule).sort_values("actual", ascending=False)
    report.table(t[["item_id", "n", "actual", "accuracy", "pct_bias", "tracking_signal"]], {"actual": "int", "accuracy": "pct", "pct_bias": "pct", "tracking_signal": "num1"}, max_rows=15, caption=f"Largest items of ABC class {abc_class}")
report.explore(drill, "Drill down by segment", abc_class=["A", "B", "C"])
"""),
("code", """
report.outputs({"accuracy_by_item.csv": per_series if ids else total, "fva.csv": pd.concat([fva_all.assign(group="all"), fva_lag.assign(group="lag")]), "bias_alerts.csv": alerts, "recommendations.csv": recs},
               {"accuracy_by_item.csv": f"all metrics per {level} (lag {first_lag})", "fva.csv": "forecast value added overall and by lag", "bias_alerts.csv": "persistent bias", "recommendations.csv": "recommendations with evidence"})
report.appendix({
    "Error": "e = forecast - actual (positive = over-forecast).",
    "MAE / RMSE": "mean |e|; sqrt(mean e²).",
    "MAPE": f"mean |e| / |actual| x 100; zero actuals: '{zero_rule}' (exclude = left out; floor = denominator max(|actual|, 1); cap = 100% unless the forecast is also 0).",
    "WMAPE and accuracy": "sum |e| / sum |actual|; forecast accuracy = max(0, 1 - WMAPE).",
    "sMAPE": "M3 definition: mean of 200 |e| / (|actual| + |forecast|) (Makridakis & Hibon 2000).",
    "MASE / RMSSE": "mean |e| / in-sample mean |y_t - y_t-12| of the series before the window; RMSSE with squares (Hyndman & Koehler 2006).",
    "Bias": "mean e; percentage bias = sum e / sum actual.",
    "Tracking signal": f"sum e / MAD with MAD = mean |e|; alert outside ±{bias_threshold:g} (Brown 1959).",
    "Forecast value added": "WMAPE(previous step) - WMAPE(this step); naive = last actual known at the forecast date (Gilliland 2010).",
    "Aggregation": "Forecasts and actuals are summed to the reporting level before metrics; segments use item-location rows.",
})
"""),
]
write("notebooks/forecast_accuracy.ipynb", META, cells)
