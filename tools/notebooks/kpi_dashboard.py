import sys; sys.path.insert(0, "tools")
from nbbuild import write

META = {"title": "Supply chain KPI dashboard", "area": "analytics",
        "purpose": "SCOR level-1 metrics and operational KPIs across plan, source, make, deliver and return, with targets, red/amber/green status, trends and what moved."}
cells = [
("md", """
# Supply chain KPI dashboard

Executive dashboard aligned with SCOR 12.0 level 1 (perfect order fulfillment, order fulfillment cycle time,
upside adaptability, total supply chain management cost, cash-to-cash cycle time, return on supply chain
fixed assets, return on working capital) and operational KPIs for plan, source, make, deliver and return,
each against its target with red/amber/green status, trend and the drivers of what moved.
"""),
("code", """
data_source: str = "demo"  # data source: demo, a folder, workbook, database file or URL
column_map: dict = {}  # per table: {source column: canonical column}
read_options: dict = {}  # reading options (encoding, date_format, decimal, ...), global or per table
period_end: str = ""  # last day reported (YYYY-MM-DD); empty: the latest data
targets: dict = {"forecast accuracy": 0.5, "forecast bias": 0.05, "supplier OTIF": 0.9, "supplier PPM": 5000, "fill rate": 0.95, "customer OTIF": 0.9, "order cycle time (days)": 9, "return rate": 0.01, "Perfect Order Fulfillment": 0.85, "Order Fulfillment Cycle Time": 9, "Total Supply Chain Management Cost": 0.1, "Cash-to-Cash Cycle Time": 90, "Return on Supply Chain Fixed Assets": 0.5, "Return on Working Capital": 0.5}  # target per KPI
financial_inputs: dict = {}  # annual revenue, cost_of_goods_sold, supply_chain_management_cost and balances, used when the data has no financials table
late_days: int = 0  # days after the requested date still on time for customers
amber_band: float = 0.05  # relative distance to target shown amber
interactive: bool = False  # widgets for exploring in JupyterLab
""", ["parameters"]),
("code", """
from scmlib import params as P
from scmlib.analytics import kpis as K
P.check("late_days", late_days, low=0, high=30)
P.check("amber_band", amber_band, low=0.0, high=0.5)
for k, v in targets.items():
    P.check(f"targets.{k}", v, low=0.0)
"""),
("code", """
import pandas as pd
from scmlib.data import load_data
from scmlib.reporting import Report, charts, fmt_pct, fmt_number
report = Report("kpi_dashboard", "Supply chain KPI dashboard", data_source, interactive=interactive)
data = load_data(data_source, tables=[], optional=["sales_order_lines", "purchase_order_lines", "quality_receipts", "forecast_snapshots", "demand_history", "financials", "items", "customers"], column_map=column_map, read_options=read_options)
sales, po = data.get("sales_order_lines"), data.get("purchase_order_lines")
dates = [d for d in (sales["order_date"].max() if sales is not None else None, po["promised_date"].max() if po is not None else None) if d is not None]
P.check("data", bool(dates), choices=[True])
end = pd.Timestamp(period_end) if period_end else (min(dates) + pd.offsets.MonthEnd(0)).normalize()
fin = data.get("financials") if "financials" in data else K.financials_from_params(financial_inputs, end)
monthly = K.monthly_operational(sales, po, data.get("quality_receipts"), data.get("forecast_snapshots"), data.get("demand_history"))
monthly = monthly[(monthly["period"] <= end) & (monthly["period"] > end - pd.DateOffset(months=24))]
scor = K.scor_level1(sales, fin, end, late_days)
table = K.kpi_table(monthly, scor, targets, amber_band=amber_band)
"""),
("code", """
fmt_value = lambda kpi, v: "–" if pd.isna(v) else (f"{v:,.0f}" if ("PPM" in kpi or "days" in kpi or "Time" in kpi) else fmt_pct(v, 2 if abs(v) < 0.02 else 1))
moved = table.dropna(subset=["change"]).assign(rel=lambda d: d["change"].abs() / d["previous"].abs().where(d["previous"] != 0)).sort_values("rel", ascending=False)
moved = moved[moved["rel"] > 0.05]
why = []
from scmlib.suppliers.scorecard import otif as otif_flags
if po is not None:
    sup = K.drivers(otif_flags(po[po["promised_date"] <= end])[0], "promised_date", "supplier_id", "otif")
    why.append("supplier OTIF: " + ", ".join(f"{r['supplier_id']} {r['change']:+.1%}" for _, r in sup.iterrows()))
if sales is not None:
    loc = K.drivers(otif_flags(sales[sales["order_date"] <= end], due="requested_date", arrived="delivery_date", received="delivered_qty", early_days=30, order_id="order_id")[0], "order_date", "location_id", "otif")
    why.append("customer OTIF by location: " + ", ".join(f"{r['location_id']} {r['change']:+.1%}" for _, r in loc.iterrows()))
"""),
("code", """
report.header(period=(end - pd.DateOffset(months=12) + pd.Timedelta(days=1), end), extra={"SCOR version": K.SCOR_VERSION})
status = table["status"].value_counts()
lines_ = [f"{status.get('green', 0)} KPIs on target, {status.get('amber', 0)} close (amber), {status.get('red', 0)} off target; {status.get('grey', 0)} without a target or not computable."]
for _, r in moved.head(3).iterrows():
    better = (r["change"] < 0) == r["lower_is_better"]
    lines_.append(f"{r['kpi']} moved from {fmt_value(r['kpi'], r['previous'])} to {fmt_value(r['kpi'], r['recent'])} over the last three months ({'better' if better else 'worse'}).")
lines_ += [f"Largest contributors to the move in {w}." for w in why]
red = table[table["status"] == "red"]["kpi"].tolist()
lines_.append(("Off target: " + ", ".join(red) + ".") if red else "No KPI is off target.")
report.summary(lines_)
report.data_quality(data.warnings)
"""),
("code", """
report.section("KPI summary", "Value over the last 12 months, target, status and the change of the last three months against the three before.")
tiles = [{"label": f"{r['process']} · {r['kpi']}", "value": fmt_value(r["kpi"], r["value"]), "status": r["status"],
          "detail": f"target {fmt_value(r['kpi'], r['target']) if r['target'] is not None else '–'}" + ("" if pd.isna(r["change"]) else f" · trend {'▲' if r['change'] > 0 else '▼'} {fmt_value(r['kpi'], abs(r['change']))}")} for _, r in table.iterrows()]
report.kpi_tiles(tiles)
"""),
("code", """
report.section("SCOR level 1", f"Strategic metrics as defined in {K.SCOR_VERSION}; annual flows are the last 12 months, balances the latest period.")
report.table(scor.assign(value=[fmt_value(m, v) if u in ("%", "% of revenue") or pd.isna(v) else f"{v:,.1f}" for m, v, u in zip(scor["metric"], scor["value"], scor["unit"])]), max_rows=None)
"""),
("code", """
for process, title in (("plan", "Plan"), ("source", "Source"), ("make", "Make"), ("deliver", "Deliver"), ("return", "Return")):
    m = monthly[monthly["process"] == process]
    report.section(title)
    if m.empty:
        report.note("Not computable from this data: " + ("capacity utilisation needs capacity and production data (not in the data model yet)." if process == "make" else f"no {process} data in this source."), kind="warn")
        continue
    for kpi, g in m.groupby("kpi", sort=False):
        kind = "number" if ("PPM" in kpi or "days" in kpi) else "pct"
        report.figure(charts.lines(g, "period", "value", f"{kpi} by month", kind=kind, target=targets.get(kpi), figsize=(9.5, 2.8)))
"""),
("code", """
def trend(kpi):
    g = monthly[monthly["kpi"] == kpi]
    report.figure(charts.lines(g, "period", "value", f"{kpi} by month", kind="number" if ("PPM" in kpi or "days" in kpi) else "pct", target=targets.get(kpi)))
report.explore(trend, "Explore a KPI", kpi=list(monthly["kpi"].unique()))
report.outputs({"kpis.csv": table.drop(columns=["lower_is_better"])}, {"kpis.csv": "every KPI with value, target, status and trend"})
report.appendix({
    "Perfect Order Fulfillment (RL.1.1)": f"Orders delivered complete, by the requested date (+{late_days} days), undamaged and with accurate documents / delivered orders.",
    "Order Fulfillment Cycle Time (RS.1.1)": "Mean days from order date to the last line's delivery.",
    "Upside Supply Chain Adaptability (AG.1.1)": "Days to achieve an unplanned sustainable 20% increase in quantities delivered; needs capacity scenario data, so not computed here.",
    "Total SCM Cost (CO.1.1)": "Supply chain management cost / revenue over the last 12 months.",
    "Cash-to-Cash Cycle Time (AM.1.1)": "Days of inventory (inventory / COGS x 365) + days of sales outstanding (receivables / revenue x 365) - days of payables outstanding (payables / COGS x 365).",
    "Return on SC Fixed Assets (AM.1.2)": "(Revenue - COGS - SCM cost) / supply chain fixed assets.",
    "Return on Working Capital (AM.1.3)": "(Revenue - COGS - SCM cost) / (inventory + receivables - payables).",
    "Forecast accuracy and bias": "Lag-1 final forecasts at the snapshots' level (item x location): 1 - WMAPE and sum(forecast - actual) / sum(actual).",
    "Supplier OTIF and PPM": "PO lines received within 3 days early to 0 days late of the promised date and in full; rejected / received units x 1,000,000.",
    "Fill rate, customer OTIF, cycle time, return rate": "Delivered / ordered units; order lines delivered in full by the requested date; order to delivery days; returned / delivered units.",
    "Status": f"Green: target met; amber: within {amber_band:.0%} of the target; red: otherwise.",
})
"""),
]
write("notebooks/kpi_dashboard.ipynb", META, cells)
