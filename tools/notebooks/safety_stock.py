import sys; sys.path.insert(0, "tools")
from nbbuild import write

META = {"title": "Safety stock and reorder points", "area": "inventory",
        "purpose": "Safety stock, reorder point and order quantity per item-location from demand and lead-time variability and service targets by segment or customer tier, with the investment-service trade-off."}
cells = [
("md", """
# Safety stock and reorder points

Calculates safety stock, reorder point and order quantity for every item-location from demand
variability, lead-time variability and a service target per segment (ABC class) or customer tier, using
a distribution that suits the demand (normal, Poisson or gamma). Shows the change against current stock,
the inventory investment against service level per segment, and what-if deltas.
"""),
("code", """
data_source: str = "demo"  # data source: demo, a folder, workbook, database file or URL
column_map: dict = {}  # per table: {source column: canonical column}
read_options: dict = {}  # reading options (encoding, date_format, decimal, ...), global or per table
target_by: str = "abc"  # service targets by: abc (ABC class) or tier (customer service tier)
targets: dict = {"A": 0.98, "B": 0.95, "C": 0.90, "platinum": 0.98, "gold": 0.95, "standard": 0.92}  # target per segment or tier
service_measure: str = "fill_rate"  # cycle_service (type 1) or fill_rate (type 2)
policy: str = "continuous"  # continuous (s, Q) or periodic (R, S)
review_period: float = 1.0  # review period in months (periodic policy)
lead_time_source: str = "po_history"  # po_history (receipts) or item_master
variability: str = "combined"  # combined, demand or lead_time
window_months: int = 12  # months of demand history used
holding_rate: float = 0.25  # annual holding cost as a share of unit cost
order_cost: float = 50.0  # cost per order (EOQ)
interactive: bool = False  # widgets for exploring in JupyterLab
""", ["parameters"]),
("code", """
from scmlib import params as P
from scmlib.inventory import safety_stock as SS
P.check("target_by", target_by, choices=["abc", "tier"])
P.check("service_measure", service_measure, choices=SS.MEASURES)
P.check("policy", policy, choices=["continuous", "periodic"])
P.check("lead_time_source", lead_time_source, choices=["po_history", "item_master"])
P.check("variability", variability, choices=["combined", "demand", "lead_time"])
P.check("review_period", review_period, low=0.1, high=12)
for k, v in targets.items():
    P.check(f"targets.{k}", v, low=0.5, high=0.9999)
"""),
("code", """
import pandas as pd
from scmlib.data import load_data
from scmlib.inventory.segmentation import abc_xyz
from scmlib.reporting import Report, charts, fmt_compact_money, fmt_pct
report = Report("safety_stock", "Safety stock and reorder points", data_source, interactive=interactive)
data = load_data(data_source, tables=["items", "demand_history", "inventory_snapshots"], optional=["purchase_order_lines", "sales_order_lines", "customers"], column_map=column_map, read_options=read_options)
items, demand, stock = data["items"], data["demand_history"], data["inventory_snapshots"]
keys = ["item_id", "location_id"]
seg = abc_xyz(demand, items, keys, months=window_months)
inputs = SS.build_inputs(demand, items, seg, lead_time_source, data.get("purchase_order_lines"), "month", keys)
if target_by == "tier":
    inputs = inputs.merge(SS.dominant_tier(data["sales_order_lines"], data["customers"], keys), on=keys, how="left").fillna({"service_tier": "standard"})
group = "abc" if target_by == "abc" else "service_tier"
inputs["service_target"] = inputs[group].map(targets)
kw = dict(measure=service_measure, policy=policy, review_period=review_period, variability=variability, holding_rate=holding_rate, order_cost=order_cost)
"""),
("code", """
missing_targets = sorted(set(inputs.loc[inputs["service_target"].isna(), group]))
P.check("targets (missing segments)", missing_targets, choices=[[]])
result = SS.safety_stock_table(inputs, **kw)
current = stock[stock["snapshot_date"] == stock["snapshot_date"].max()][keys + ["on_hand_qty"]]
result = result.merge(current, on=keys, how="left").fillna({"on_hand_qty": 0})
result["current_value"] = result["on_hand_qty"] * result["unit_cost"]
result["target_avg_stock_value"] = result["safety_stock_value"] + result["avg_cycle_stock_value"]
curve = SS.tradeoff_curve(inputs, segment=group, **kw)
"""),
("code", """
report.header(period=data.period("demand_history", "date"), extra={"Service measure": service_measure.replace("_", " "), "Policy": policy})
ss_total = result["safety_stock_value"].sum()
by_seg = result.groupby(group).agg(series=("item_id", "size"), target=("service_target", "first"), safety_stock_value=("safety_stock_value", "sum"), target_avg_stock_value=("target_avg_stock_value", "sum"), current_value=("current_value", "sum")).reset_index()
by_seg["change"] = by_seg["target_avg_stock_value"] - by_seg["current_value"]
nonnormal = (result["distribution"] != "normal").mean()
what_if = curve.pivot_table(index=group, columns="service_level", values="safety_stock_value")
first = by_seg.sort_values("safety_stock_value", ascending=False).iloc[0]
nxt = min([lv for lv in what_if.columns if lv > first["target"]] or [what_if.columns[-1]])
delta = what_if.loc[first[group], nxt] - what_if.loc[first[group]].loc[what_if.columns[what_if.columns <= first["target"]].max()] if (what_if.columns <= first["target"]).any() else float("nan")
report.summary([
    f"Safety stock for {len(result):,} item-locations is worth {fmt_compact_money(ss_total)}; with cycle stock the target average inventory is {fmt_compact_money(result['target_avg_stock_value'].sum())} against {fmt_compact_money(result['current_value'].sum())} on hand today ({result['target_avg_stock_value'].sum() / result['current_value'].sum() - 1:+.0%}).",
    "Targets: " + ", ".join(f"{r[group]} {r['target']:.0%} ({fmt_compact_money(r['safety_stock_value'])})" for _, r in by_seg.iterrows()) + f" ({service_measure.replace('_', ' ')}).",
    f"Raising {group.replace('_', ' ')} {first[group]} from about {first['target']:.0%} to {nxt:.1%} would add {fmt_compact_money(delta)} of safety stock.",
    f"{int((result['on_hand_qty'] < result['safety_stock']).sum()):,} item-locations are below their safety stock today; {int((result['on_hand_qty'] > result['reorder_point'] + result['order_qty']).sum()):,} hold more than reorder point plus one order.",
    f"{nonnormal:.0%} of item-locations use a Poisson or gamma lead-time demand distribution (slow or intermittent demand) instead of the normal.",
])
report.data_quality(data.warnings)
"""),
("code", """
report.section("Safety stock by segment", f"Targets by {group.replace('_', ' ')}; change = target average stock (safety + half an order) minus stock on hand today.")
report.table(by_seg, {"target": "pct", "safety_stock_value": "money", "target_avg_stock_value": "money", "current_value": "money", "change": "money"}, max_rows=None)
dist = result.groupby(["distribution"]).agg(series=("item_id", "size"), safety_stock_value=("safety_stock_value", "sum")).reset_index()
report.table(dist, {"safety_stock_value": "money"}, max_rows=None, caption="Lead-time demand distribution used (normal for steady demand, Poisson or gamma for slow and intermittent demand).")
"""),
("code", """
report.section("Investment against service level", "Safety-stock value per segment as its service target rises (the efficient curve): each point is the least stock that meets that target under the model.")
report.figure(charts.lines(curve.assign(**{group: curve[group].astype(str)}), "service_level", "safety_stock_value", "Safety-stock investment by service level", hue=group, kind="money"))
wi = what_if.copy()
wi.columns = [f"{c:.1%}" for c in wi.columns]
report.table(wi.reset_index(), {c: "money" for c in wi.columns}, max_rows=None, caption="What-if: safety-stock value of each segment at each service level.")
"""),
("code", """
report.section("Per item-location", "Largest safety stocks; the CSV output holds every item-location.")
cols = keys + [group, "demand_class", "mean_demand", "std_demand", "lead_time", "lead_time_std", "distribution", "safety_stock", "reorder_point", "order_qty", "on_hand_qty", "safety_stock_value"]
report.table(result.sort_values("safety_stock_value", ascending=False)[cols], {"mean_demand": "num1", "std_demand": "num1", "lead_time": "num2", "lead_time_std": "num2", "safety_stock": "int", "reorder_point": "int", "order_qty": "int", "on_hand_qty": "int", "safety_stock_value": "money"}, max_rows=20)
"""),
("code", """
def simulate(**levels):
    t = SS.safety_stock_table(inputs.assign(service_target=inputs[group].map({k.split('_', 1)[1]: v for k, v in levels.items()})), **kw)
    g = t.groupby(group).agg(safety_stock_value=("safety_stock_value", "sum")).reset_index()
    report.table(g, {"safety_stock_value": "money"}, max_rows=None, caption=f"Total safety stock: {fmt_compact_money(g['safety_stock_value'].sum())}")
sliders = {f"target_{s}": (0.80, 0.995, 0.005, float(targets[s])) for s in sorted(inputs[group].unique())}
report.explore(simulate, "Service-level what-if", **sliders)
"""),
("code", """
report.outputs({"safety_stock.csv": result, "tradeoff.csv": curve},
               {"safety_stock.csv": "safety stock, reorder point and order quantity per item-location", "tradeoff.csv": "safety-stock value per segment and service level"})
report.appendix({
    "Safety stock (normal)": "SS = z x sqrt(L x sigma_d² + d² x sigma_L²) with d and sigma_d the mean and standard deviation of demand per month, L and sigma_L of the lead time in months (Chopra & Meindl, eq. 12.18). Demand-only: z sigma_d sqrt(L); lead-time only: z d sigma_L.",
    "Cycle service level (type 1)": "z = Phi^-1(CSL): probability of no stock-out in a replenishment cycle.",
    "Fill rate (type 2)": "Share of demand met from stock: 1 - E[shortage per cycle] / Q; for the normal, E[shortage] = sigma_LT G(z) with G the standard normal loss function (Silver, Pyke & Peterson 1998, eq. 7.17).",
    "Slow and intermittent demand": "Mean lead-time demand under 10 units or intermittent/lumpy demand: Poisson when the variance is at most 1.5x the mean, else gamma; the reorder point is the smallest level meeting the target under that distribution.",
    "Policies": "Continuous review (s, Q): reorder point s = expected lead-time demand + SS, Q = EOQ or the item's fixed lot. Periodic review (R, S): protection interval R + L, order-up-to S = d (R + L) + SS.",
    "EOQ": "Q* = sqrt(2 D S / H): D annual demand, S cost per order, H = unit cost x holding rate (Harris 1913).",
    "Lead time": "From PO history (receipt date - order date, items with at least 3 receipts) or the item master; days are converted to months (30.44 days).",
    "Trade-off curve": "Safety-stock value per segment when every series of the segment gets the same target.",
})
"""),
]
write("notebooks/safety_stock.ipynb", META, cells)
