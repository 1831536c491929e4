import sys; sys.path.insert(0, "tools")
from nbbuild import write

META = {"title": "Inventory segmentation and health", "area": "inventory",
        "purpose": "ABC/XYZ and demand-class segmentation, inventory health, slow-moving and obsolete stock, SKU rationalisation."}
cells = [
("md", """
# Inventory segmentation and health

Classifies every item-location by annual consumption value (ABC), demand variability (XYZ) and demand
pattern (Syntetos-Boylan), measures inventory health (turns, days of supply, GMROI, carrying cost),
lists slow-moving and obsolete (SLOB) stock with a suggested disposition, and recommends a stocking
policy per segment.
"""),
("code", """
data_source: str = "demo"  # data source: demo, a folder, workbook, database file or URL
column_map: dict = {}  # per table: {source column: canonical column}
read_options: dict = {}  # reading options (encoding, date_format, decimal, ...), global or per table
abc_cutoffs: list = [0.8, 0.95]  # cumulative value shares closing classes A and B (80/15/5)
xyz_cutoffs: list = [0.5, 1.0]  # coefficient-of-variation limits of classes X and Y
window_months: int = 12  # months of history used for classification and health
no_movement_months: int = 12  # months without demand after which stock is obsolete
max_cover_months: float = 12.0  # months of cover above which stock is slow-moving
carrying_rate: float = 0.25  # annual carrying cost as a share of inventory value
low_turns: float = 2.0  # annual turns below which an item-location is low-turnover
interactive: bool = False  # widgets for exploring in JupyterLab
""", ["parameters"]),
("code", """
from scmlib import params as P
P.check("window_months", window_months, low=3, high=60)
P.check("no_movement_months", no_movement_months, low=1, high=60)
P.check("max_cover_months", max_cover_months, low=0.5)
P.check("carrying_rate", carrying_rate, low=0.0, high=1.0)
P.check("low_turns", low_turns, low=0.0)
"""),
("code", """
import scmlib.inventory.segmentation as seg
from scmlib.data import load_data
from scmlib.reporting import Report, charts, fmt_compact_money, fmt_pct
report = Report("inventory_segmentation", "Inventory segmentation and health", data_source, interactive=interactive)
data = load_data(data_source, tables=["items", "demand_history", "inventory_snapshots"], optional=["locations"],
                 column_map=column_map, read_options=read_options)
items, demand, stock = data["items"], data["demand_history"], data["inventory_snapshots"]
keys = ["item_id", "location_id"]
segments = seg.abc_xyz(demand, items, keys, abc_cutoffs, xyz_cutoffs, months=window_months)
health = seg.inventory_health(demand, stock, items, keys, carrying_rate, months=window_months, low_turns=low_turns)
slob = seg.slob(demand, stock, items, keys, no_movement_months, max_cover_months)
rational = seg.rationalisation_candidates(health, items, max_turns=low_turns)
policy = seg.segment_policy(segments, health)
"""),
("code", """
report.header(period=data.period("demand_history", "date"))
total_stock = health["stock_value"].sum()
a_share = segments.loc[segments["abc"] == "A"].shape[0] / len(segments)
obsolete = slob[slob["status"] == "obsolete"]
report.summary([
    f"{len(segments):,} item-locations classified; class A is {a_share:.0%} of them and {policy.loc[policy['segment'].str[0] == 'A', 'value_share'].sum():.0%} of annual consumption value.",
    f"Stock on hand is worth {fmt_compact_money(total_stock)}, turning {health['cogs'].sum() / health['avg_value'].sum():.1f} times a year (carrying cost {fmt_compact_money(health['carrying_cost'].sum())} a year).",
    f"{len(slob):,} item-locations hold slow-moving or obsolete stock worth {fmt_compact_money(slob['value_at_risk'].sum())} ({fmt_pct(slob['value_at_risk'].sum() / total_stock)} of stock); obsolete alone {fmt_compact_money(obsolete['value_at_risk'].sum())}.",
    f"{int(health['persistent_low_turns'].sum()):,} item-locations have had low turnover (under {low_turns:g} turns) for more than two quarters.",
    f"{len(rational):,} items sell below cost with low turnover: candidates for SKU rationalisation.",
    f"{(segments['demand_class'].isin(['intermittent', 'lumpy'])).mean():.0%} of item-locations have intermittent or lumpy demand and need non-normal stocking rules.",
])
report.data_quality(data.warnings)
"""),
("code", """
report.section("ABC/XYZ matrix", "Rows: ABC class by annual consumption value; columns: XYZ class by demand variability. Counts of item-locations and their annual consumption value.")
counts = segments.pivot_table(index="abc", columns="xyz", values="item_id", aggfunc="count", fill_value=0)
values = segments.pivot_table(index="abc", columns="xyz", values="annual_value", aggfunc="sum", fill_value=0)
annot = counts.astype(int).astype(str) + "\\n" + values.map(fmt_compact_money)
report.figure(charts.heatmap(values, "Annual consumption value by segment (count and value)", annot=annot, xlabel="XYZ", ylabel="ABC"))
classes = segments.groupby("demand_class").agg(series=("item_id", "count"), annual_value=("annual_value", "sum")).reset_index()
report.figure(charts.bar(classes, "demand_class", "series", "Item-locations by demand class (Syntetos-Boylan)"))
"""),
("code", """
report.section("Stocking policy by segment", "Policy recommendation per ABC/XYZ segment, with its size, stock and turnover.")
report.table(policy, {"annual_value": "money", "value_share": "pct", "intermittent_or_lumpy": "pct", "stock_value": "money", "turns": "num1"}, max_rows=None)
"""),
("code", """
report.section("Inventory health", "Turns, days of supply, GMROI and carrying cost by ABC class and location (last window).")
h = health.merge(segments[keys + ["abc", "segment"]], on=keys, how="left")
by = h.groupby(["abc", "location_id"]).agg(stock_value=("stock_value", "sum"), avg_value=("avg_value", "sum"), cogs=("cogs", "sum"), margin=("gross_margin", "sum"), carrying_cost=("carrying_cost", "sum"), units=("units_sold", "sum"), on_hand=("on_hand_qty", "sum")).reset_index()
by["turns"] = by["cogs"] / by["avg_value"]
by["days_of_supply"] = 365 / by["turns"]
by["gmroi"] = by["margin"] / by["avg_value"]
report.table(by[["abc", "location_id", "stock_value", "turns", "days_of_supply", "gmroi", "carrying_cost"]], {"stock_value": "money", "turns": "num1", "days_of_supply": "int", "gmroi": "num2", "carrying_cost": "money"}, max_rows=None)
report.figure(charts.bar(by.groupby("abc", as_index=False)["stock_value"].sum(), "abc", "stock_value", "Stock value by ABC class", kind="money", horizontal=False))
"""),
("code", """
report.section("Slow-moving and obsolete stock", f"Obsolete: no demand for {no_movement_months} months or past end-of-life. Slow-moving: more than {max_cover_months:g} months of cover. Largest values first.")
by_status = slob.groupby(["status", "disposition"]).agg(item_locations=("item_id", "count"), value_at_risk=("value_at_risk", "sum")).reset_index()
report.table(by_status, {"value_at_risk": "money"}, max_rows=None)
report.table(slob[["item_id", "location_id", "category", "on_hand_qty", "months_since_movement", "cover_months", "value_at_risk", "status", "disposition"]], {"on_hand_qty": "int", "cover_months": "num1", "value_at_risk": "money"}, max_rows=20)
"""),
("code", """
report.section("SKU rationalisation candidates", f"Items with a negative unit margin and fewer than {low_turns:g} turns a year.")
report.table(rational, {"unit_cost": "money2", "unit_price": "money2", "unit_margin": "money2", "turns": "num2", "gross_margin": "money", "stock_value": "money"}, max_rows=15)
"""),
("code", """
def show_segment(segment):
    rows = segments[segments["segment"] == segment].sort_values("annual_value", ascending=False)
    report.table(rows[keys + ["category", "annual_value", "cv", "adi", "demand_class"]], {"annual_value": "money", "cv": "num2", "adi": "num2"}, max_rows=15, caption=f"Largest item-locations in segment {segment}")
report.explore(show_segment, "Explore a segment", segment=sorted(segments["segment"].unique()))
"""),
("code", """
report.outputs({"segmentation.csv": segments, "slob.csv": slob, "health.csv": health},
               {"segmentation.csv": "ABC, XYZ, demand class per item-location", "slob.csv": "slow-moving and obsolete stock with disposition", "health.csv": "turns, days of supply, GMROI, carrying cost"})
report.appendix({
    "ABC class": f"Item-locations sorted by annual consumption value (12-month demand x unit cost); A while the cumulative share before the item is below {abc_cutoffs[0]:.0%}, B below {abc_cutoffs[1]:.0%}, else C (Silver, Pyke & Peterson 1998, section 3.5).",
    "XYZ class": f"Coefficient of variation of monthly demand (zeros included): X <= {xyz_cutoffs[0]}, Y <= {xyz_cutoffs[1]}, Z above.",
    "Demand class": "Syntetos, Boylan & Croston (2005): ADI = periods / periods with demand; CV² of non-zero demand sizes. Smooth ADI<1.32 and CV²<0.49; erratic ADI<1.32, CV²>=0.49; intermittent ADI>=1.32, CV²<0.49; lumpy both high.",
    "Inventory turns": "Cost of goods sold over the window (annualised) / average inventory value at cost.",
    "Days of supply": "On hand at the latest snapshot / average daily demand (365-day year); for segments, 365 / turns.",
    "GMROI": "Gross margin (annualised) / average inventory value at cost.",
    "Carrying cost": f"Average inventory value x {carrying_rate:.0%} a year.",
    "Persistent low turnover": f"More than two consecutive latest quarters with annualised turns below {low_turns:g}.",
    "SLOB": f"Obsolete: no positive demand for {no_movement_months} months or past end-of-life; slow-moving: cover above {max_cover_months:g} months or no demand for half the obsolescence period. Value at risk = on hand x unit cost.",
})
"""),
]
write("notebooks/inventory_segmentation.ipynb", META, cells)
