import sys; sys.path.insert(0, "tools")
from nbbuild import write

META = {"title": "Supplier performance scorecard", "area": "suppliers",
        "purpose": "Supplier OTIF, lead time, quality (PPM), price variance, responsiveness and sustainability, with a weighted score, grades, trends, deterioration alerts and corrective actions."}
cells = [
("md", """
# Supplier performance scorecard

Scores every supplier on delivery (OTIF, with its definition as parameters), quality (PPM), cost
(price change), responsiveness and sustainability; ranks and grades them, follows monthly and quarterly
trends with a statistical deterioration test, tracks corrective actions, and profiles the largest
suppliers. Metrics whose inputs are missing are reported as unavailable with the reason.
"""),
("code", """
data_source: str = "demo"  # data source: demo, a folder, workbook, database file or URL
column_map: dict = {}  # per table: {source column: canonical column}
read_options: dict = {}  # reading options (encoding, date_format, decimal, ...), global or per table
period_months: int = 12  # months up to the latest receipt that the scorecard covers
otif_level: str = "line"  # OTIF measured per PO line or per order
otif_reference: str = "promised"  # due date: promised (supplier-confirmed) or requested
early_days: int = 3  # days early still counted on time
late_days: int = 0  # days late still counted on time
in_full_tolerance: float = 0.0  # share short still counted in full (0.02 = 2%)
weights: dict = {"otif": 0.35, "quality": 0.25, "cost": 0.15, "responsiveness": 0.15, "sustainability": 0.10}  # score weights
bands: dict = {"A": 85, "B": 70, "C": 55}  # minimum score per grade (below the last: D)
targets: dict = {"otif": 0.95, "ppm": 2500}  # targets (all categories) for OTIF and PPM
top_n: int = 5  # suppliers profiled on one page each
min_lines: int = 10  # PO lines in the period needed to be scored
interactive: bool = False  # widgets for exploring in JupyterLab
""", ["parameters"]),
("code", """
from scmlib import params as P
from scmlib.suppliers import scorecard as SC
P.check("otif_level", otif_level, choices=["line", "order"])
P.check("otif_reference", otif_reference, choices=["promised", "requested"])
P.check("period_months", period_months, low=1, high=60)
P.check("early_days", early_days, low=0, high=60)
P.check("late_days", late_days, low=0, high=60)
P.check("in_full_tolerance", in_full_tolerance, low=0.0, high=0.5)
P.check("weights", list(weights), subset_of=list(SC.DEFAULT_WEIGHTS))
P.check("top_n", top_n, low=0, high=25)
"""),
("code", """
import pandas as pd
from scmlib.data import load_data
from scmlib.reporting import Report, charts, fmt_compact_money, fmt_pct
report = Report("supplier_scorecard", "Supplier performance scorecard", data_source, interactive=interactive)
data = load_data(data_source, tables=["purchase_order_lines"], optional=["suppliers", "quality_receipts", "supplier_assessments", "supplier_actions"], column_map=column_map, read_options=read_options)
po = data["purchase_order_lines"]
end = po["receipt_date"].max() if po["receipt_date"].notna().any() else po["promised_date"].max()
start = end - pd.DateOffset(months=period_months) + pd.Timedelta(days=1)
otif_kw = dict(level=otif_level, early_days=early_days, late_days=late_days, in_full_tolerance=in_full_tolerance, due=f"{otif_reference}_date")
metrics, unavailable = SC.supplier_metrics(po, data.get("quality_receipts"), data.get("supplier_assessments"), start, end, otif_kw)
card = SC.score(metrics, weights, bands, min_lines=min_lines)
names = data.get("suppliers")
card.insert(1, "name", card["supplier_id"].map(names.set_index("supplier_id")["name"]) if names is not None else card["supplier_id"])
"""),
("code", """
monthly = SC.trends(po, data.get("quality_receipts"), "M", otif_kw)
quarterly = SC.trends(po, data.get("quality_receipts"), "Q", otif_kw)
det = SC.deterioration_all(monthly)
deteriorating = det[det["deteriorating"]].merge(card[["supplier_id", "name", "spend", "score", "grade"]], on="supplier_id", how="left")
actions, overdue = SC.action_status(data["supplier_actions"] if "supplier_actions" in data else None, end)
card = card.merge(actions, on="supplier_id", how="left").fillna({"open_actions": 0, "overdue_actions": 0, "closed_actions": 0})
card["meets_otif_target"] = card["otif"] >= targets.get("otif", 0)
card["meets_ppm_target"] = card["ppm"] <= targets.get("ppm", float("inf"))
"""),
("code", """
report.header(period=(start, end), extra={"OTIF definition": f"{otif_level} level, {otif_reference} date, -{early_days}/+{late_days} days, in full within {in_full_tolerance:.0%}"})
w_otif = (card["otif"] * card["spend"]).sum() / card.loc[card["otif"].notna(), "spend"].sum() if card["otif"].notna().any() else float("nan")
grades = card["grade"].value_counts()
scored = card.dropna(subset=["score"])
report.summary([
    f"{len(card):,} suppliers scored over {period_months} months; spend-weighted OTIF {fmt_pct(w_otif)} against a {targets.get('otif', 0):.0%} target ({int((~card['meets_otif_target']).sum()):,} suppliers below it)." if card["otif"].notna().any() else "OTIF is not available: " + unavailable.get("otif", "") + ".",
    f"Quality: median {card['ppm'].median():,.0f} PPM; {int((~card['meets_ppm_target'] & card['ppm'].notna()).sum()):,} suppliers above {targets.get('ppm', 0):,.0f} PPM." if card["ppm"].notna().any() else "Quality is not available: " + unavailable.get("quality", "") + ".",
    ("Grades: " + ", ".join(f"{g} {grades.get(g, 0):,}" for g in [*bands, "D"]) + f"; best: {scored.iloc[0]['name']} ({scored.iloc[0]['score']:.0f}), worst: {scored.iloc[-1]['name']} ({scored.iloc[-1]['score']:.0f}); " if len(scored) else "No supplier could be scored; ") + f"{int(card['score'].isna().sum()):,} suppliers with fewer than {min_lines} lines or no scorable dimension are not scored.",
    f"{deteriorating['supplier_id'].nunique():,} suppliers show a statistically significant deterioration (OTIF falling or PPM rising, Kendall test p < 0.05), with {fmt_compact_money(deteriorating.drop_duplicates('supplier_id')['spend'].sum())} of spend.",
    f"{len(overdue):,} corrective actions are overdue" + (f", the oldest by {int(overdue['days_overdue'].max())} days." if len(overdue) else "."),
    ("Not available: " + "; ".join(f"{k} ({v})" for k, v in unavailable.items()) + ".") if unavailable else "Every scorecard dimension could be computed from the data.",
])
report.data_quality(data.warnings)
"""),
("code", """
report.section("Ranking", "Weighted score (0-100) and its dimensions; the CSV output holds every supplier.")
cols = ["rank", "supplier_id", "name", "grade", "score", "otif", "on_time", "ppm", "price_change", "responsiveness", "sustainability", "lead_time_days", "spend", "overdue_actions"]
fmt = {"score": "num1", "otif": "pct", "on_time": "pct", "ppm": "int", "price_change": "pct", "responsiveness": "num1", "sustainability": "num1", "lead_time_days": "num1", "spend": "money", "overdue_actions": "int", "rank": "int"}
report.table(card[cols], fmt, max_rows=20)
dist = card["grade"].value_counts().reindex([*bands, "D", "n/a"]).dropna().rename_axis("grade").reset_index(name="suppliers")
report.figure(charts.bar(dist, "grade", "suppliers", "Suppliers by grade", horizontal=False, figsize=(6, 3.2)))
for k, v in unavailable.items():
    report.note(f"Not available: {k} – {v}.", kind="warn")
"""),
("code", """
report.section("Trends", "OTIF and PPM averaged over suppliers, by quarter.")
delivery = "otif" if quarterly["otif"].notna().any() else "on_time"
qt = quarterly.groupby("period").agg(delivery=(delivery, "mean"), ppm=("ppm", "mean") if "ppm" in quarterly else (delivery, "size")).reset_index()
report.figure(charts.lines(qt, "period", "delivery", f"Average supplier {delivery.replace('_', '-').upper() if delivery == 'otif' else 'on-time rate'} by quarter", kind="pct", target=targets.get("otif")))
if "ppm" in quarterly:
    report.figure(charts.lines(qt, "period", "ppm", "Average supplier PPM by quarter", target=targets.get("ppm")))
report.section("Deteriorating suppliers", "Monthly OTIF falling or PPM rising over the last 12 months (Kendall's tau, p < 0.05).")
report.table(deteriorating[["supplier_id", "name", "metric", "tau", "p_value", "periods", "score", "grade", "spend"]], {"tau": "num2", "p_value": "num3", "score": "num1", "spend": "money", "periods": "int"}, max_rows=20)
"""),
("code", """
report.section("Overdue corrective actions", f"Open actions past their due date on {end:%Y-%m-%d}.")
report.table(overdue.merge(card[["supplier_id", "name"]], on="supplier_id", how="left") if len(overdue) else overdue, {"days_overdue": "int"}, max_rows=20)
"""),
("code", """
def profile(supplier):
    row = card[card["name"] == supplier].iloc[0]
    report.kpi_tiles([
        {"label": "Score / grade", "value": f"{row['score']:.0f} / {row['grade']}", "detail": f"rank {row['rank']} of {len(card)}", "status": "green" if row["grade"] == "A" else "amber" if row["grade"] in ("B", "C") else "red"},
        {"label": "OTIF" if delivery == "otif" else "On time", "value": fmt_pct(row[delivery]), "detail": f"target {targets.get('otif', 0):.0%}", "status": "green" if row[delivery] >= targets.get("otif", 0) else "red"},
        {"label": "Quality", "value": "n/a" if pd.isna(row["ppm"]) else f"{row['ppm']:,.0f} PPM", "detail": f"target {targets.get('ppm', 0):,.0f}", "status": "grey" if pd.isna(row["ppm"]) else "green" if row["meets_ppm_target"] else "red"},
        {"label": "Spend", "value": fmt_compact_money(row["spend"]), "detail": f"lead time {row['lead_time_days']:.0f} ± {0 if pd.isna(row['lead_time_std_days']) else row['lead_time_std_days']:.0f} days"},
        {"label": "Actions", "value": f"{int(row.get('open_actions', 0))} open", "detail": f"{int(row.get('overdue_actions', 0))} overdue"},
    ])
    t = monthly[monthly["supplier_id"] == row["supplier_id"]]
    report.figure(charts.lines(t, "period", delivery, f"{supplier}: monthly {'OTIF' if delivery == 'otif' else 'on-time rate'}", kind="pct", target=targets.get("otif"), figsize=(9.5, 2.8)))
top = card.sort_values("spend", ascending=False).head(top_n)
report.section("Supplier profiles", f"The {top_n} largest suppliers by spend.")
for name in top["name"]:
    report.note(name)
    profile(name)
"""),
("code", """
report.explore(profile, "Explore a supplier", supplier=list(card.sort_values("spend", ascending=False)["name"]))
report.outputs({"scorecard.csv": card, "supplier_trends.csv": monthly, "actions_overdue.csv": overdue},
               {"scorecard.csv": "scores, grades and metrics per supplier", "supplier_trends.csv": "monthly OTIF and PPM per supplier", "actions_overdue.csv": "overdue corrective actions"})
report.appendix({
    "OTIF": f"A {otif_level} is on time when received between {early_days} days before and {late_days} days after its {otif_reference} date, and in full when at least {1 - in_full_tolerance:.0%} of the ordered quantity is received; OTIF = on time and in full (at order level, every line). Open lines past their due date count as late.",
    "Lead time": "Receipt date - PO date, mean and standard deviation in days.",
    "PPM": "Rejected units / received units x 1,000,000; rejection rate = share of receipts with any rejection.",
    "Price change": "Quantity-weighted unit price per item in the period against the prior 12 months, spend-weighted over items.",
    "Score": "Dimension scores 0-100: OTIF x 100; quality 100 x (1 - PPM / 10,000); cost 100 x (1 - price rise / 10%); responsiveness and sustainability (assessment 1-5) rescaled. Weighted with " + ", ".join(f"{k} {v:.0%}" for k, v in weights.items()) + "; weights are renormalised over the dimensions available.",
    "Not available": "; ".join(f"{k}: {v}" for k, v in unavailable.items()) or "every dimension was computed",
    "Grades": ", ".join(f"{g} >= {v}" for g, v in bands.items()) + f", else D; suppliers with fewer than {min_lines} PO lines in the period are not scored (n/a).",
    "Deterioration": "Kendall's tau between time and monthly OTIF (or PPM) over the last 12 months; flagged when p < 0.05 and the trend is adverse (Mann-Kendall test).",
})
"""),
]
write("notebooks/supplier_scorecard.ipynb", META, cells)
