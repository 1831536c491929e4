import sys; sys.path.insert(0, "tools")
from nbbuild import write

META = {"title": "Spend analysis and savings", "area": "procurement",
        "purpose": "Spend cube by supplier, category and business unit; Pareto, tail and maverick spend; fragmentation, price variance and ranked savings opportunities."}
cells = [
("md", """
# Spend analysis and savings identification

Analyses procurement spend by category, supplier and business unit: supplier names normalised into
companies, uncategorised lines classified by rules, Pareto and tail spend, maverick and off-contract
spend, supplier fragmentation (HHI), price variance across suppliers, and savings opportunities whose
assumptions are parameters.
"""),
("code", """
data_source: str = "demo"  # data source: demo, a folder, workbook, database file or URL
column_map: dict = {}  # per table: {source column: canonical column}
read_options: dict = {}  # reading options (encoding, date_format, decimal, ...), global or per table
period_start: str = ""  # first invoice date included (YYYY-MM-DD); empty: all
period_end: str = ""  # last invoice date included; empty: all
reporting_currency: str = "USD"  # currency of the report (ISO code)
category_column: str = "category"  # invoice column used as the spend category
exclude: dict = {}  # rows to leave out: {column: [values]} (e.g. grants)
pareto_cutoff: float = 0.8  # share of spend defining the Pareto suppliers
tail_mode: str = "share"  # tail definition: share (bottom share of spend) or threshold (supplier spend below a value)
tail_value: float = 0.2  # bottom share of spend, or the spend threshold
fuzzy_threshold: float = 92.0  # supplier-name similarity (0-100) above which names merge
supplier_mapping_file: str = ""  # optional CSV raw_name,canonical_name that overrides name matching
rules_file: str = "data/reference/spend_rules.csv"  # keyword rules classifying uncategorised lines
savings_rates: dict = {"consolidation": 0.05, "tail": 0.08, "compliance": 0.04, "price_harmonisation": 0.5}  # savings rate per lever
interactive: bool = False  # widgets for exploring in JupyterLab
""", ["parameters"]),
("code", """
from scmlib import params as P
P.check("tail_mode", tail_mode, choices=["share", "threshold"])
P.check("tail_value", tail_value, low=0.0)
P.check("pareto_cutoff", pareto_cutoff, low=0.05, high=0.99)
P.check("fuzzy_threshold", fuzzy_threshold, low=50.0, high=100.0)
P.check("savings_rates", sorted(savings_rates), subset_of=["compliance", "consolidation", "price_harmonisation", "tail"])
P.check("savings_rates levers", len(savings_rates), low=4)
"""),
("code", """
import pandas as pd
from scmlib.data import load_data
from scmlib.procurement import spend as S
from scmlib.reporting import Report, charts, fmt_compact_money, fmt_pct
report = Report("spend_analysis", "Spend analysis and savings", data_source, currency=reporting_currency, interactive=interactive)
data = load_data(data_source, tables=["invoices"], optional=["suppliers", "purchase_order_lines", "contracts", "exchange_rates"], column_map=column_map, read_options=read_options)
rules = S.load_rules(rules_file) if rules_file else None
mapping = S.load_mapping(supplier_mapping_file) if supplier_mapping_file else None
lines, norm, coverage = S.prepare_spend(data["invoices"], data.get("suppliers"), data.get("exchange_rates"), reporting_currency, period_start or None, period_end or None, exclude, rules, fuzzy_threshold, mapping, category_column)
cur = report.currency
"""),
("code", """
by_supplier = lines.groupby("supplier", observed=True)["amount_rc"].sum()
par = S.pareto(by_supplier, pareto_cutoff)
tail = S.tail_spend(by_supplier, tail_mode, tail_value)
flags, unavailable = S.maverick_flags(lines, data.get("purchase_order_lines"), data.get("contracts"))
lines = lines.join(flags)
frag = S.fragmentation(lines)
pos = data.get("purchase_order_lines")
pv = None
if pos is not None and pos["item_id"].notna().any():
    po = pos.dropna(subset=["item_id"]).assign(amount=lambda d: d["unit_price"], invoice_date=lambda d: d["order_date"])
    po["unit_price_rc"] = S.to_reporting_currency(po, data.get("exchange_rates"), reporting_currency)
    po["supplier"] = po["supplier_id"].map(lines.drop_duplicates("supplier_id").set_index("supplier_id")["supplier"].astype(str)).fillna(po["supplier_id"])
    pv = S.price_variance(po)
maverick_total = float(lines.loc[lines["maverick"] == True, "amount_rc"].sum()) if "no_po" in flags or "off_contract" in flags else None
savings = S.savings_opportunities(frag, float(tail.loc[tail["tail"], "spend"].sum()), maverick_total, float(pv["saving"].sum()) if pv is not None else None, savings_rates)
cube = S.spend_cube(lines)
monthly = lines.groupby("period", as_index=False)["amount_rc"].sum().rename(columns={"amount_rc": "spend"})
"""),
("code", """
report.header(period=(lines["invoice_date"].min(), lines["invoice_date"].max()), extra={"Reporting currency": reporting_currency})
total = lines["amount_rc"].sum()
n_pareto = int(par["in_pareto"].sum())
on_contract = (1 - lines.loc[lines["off_contract"] == False, "amount_rc"].sum() / total) if "off_contract" in lines else None
merged = norm[norm["method"] != "unchanged"]
report.summary([
    f"Spend of {fmt_compact_money(total, cur)} over {len(lines):,} invoice lines with {lines['supplier'].nunique():,} suppliers (after normalising {norm['raw_name'].nunique():,} raw names; {len(merged):,} spellings merged).",
    f"{n_pareto:,} suppliers ({n_pareto / len(par):.0%}) make {pareto_cutoff:.0%} of spend; the tail ({tail_mode} {tail_value:g}) is {int(tail['tail'].sum()):,} suppliers with {fmt_compact_money(tail.loc[tail['tail'], 'spend'].sum(), cur)}.",
    (f"On-contract spend: {fmt_pct(lines.loc[lines['off_contract'] == False, 'amount_rc'].sum() / total)}; maverick spend (no PO, PO after invoice or off contract): {fmt_compact_money(maverick_total, cur)} ({fmt_pct(maverick_total / total)})." if maverick_total is not None else "Contract and PO compliance cannot be measured: " + "; ".join(sorted(set(unavailable.values()))) + "."),
    f"Addressable savings estimated at {fmt_compact_money(savings['estimated_saving'].sum(), cur)}; largest lever: {savings.iloc[0]['lever']} ({savings.iloc[0]['scope']}, {fmt_compact_money(savings.iloc[0]['estimated_saving'], cur)}).",
    f"{int((frag['concentration'] == 'fragmented').sum()):,} of {len(frag):,} categories are fragmented (HHI below 1,000); classification covers {fmt_pct(1 - coverage.iloc[2]['spend_share'])} of spend ({fmt_pct(coverage.iloc[1]['spend_share'])} by rules).",
])
report.data_quality(data.warnings)
"""),
("code", """
report.section("Supplier Pareto", f"Suppliers sorted by spend; {n_pareto:,} make {pareto_cutoff:.0%} of the total.")
report.figure(charts.pareto(par["spend"], "Cumulative share of spend by supplier", cutoff=pareto_cutoff, unit="suppliers"))
report.table(par.head(15).rename(columns={"supplier": "supplier"}), {"spend": "money", "share": "pct", "cum_share": "pct", "rank": "int"}, max_rows=15)
"""),
("code", """
report.section("Spend by category and business unit")
cats = cube.groupby("category", observed=True, as_index=False)["spend"].sum().sort_values("spend", ascending=False)
report.figure(charts.bar(cats.head(15), "category", "spend", "Spend by category", kind="money", currency=cur))
top_bu = cube.groupby("business_unit", observed=True)["spend"].sum().nlargest(5).index
cube_bu = cube.assign(business_unit=cube["business_unit"].astype(str).where(cube["business_unit"].isin(top_bu), "other units"))
bu = cube_bu.pivot_table(index="category", columns="business_unit", values="spend", aggfunc="sum", observed=True).fillna(0)
bu = bu.loc[cats["category"].head(12).astype(str)]
report.table(bu.reset_index(), {c: "money" for c in bu.columns}, max_rows=None, caption="Spend by category (rows) and the five largest business units (columns), largest categories.")
report.figure(charts.lines(monthly, "period", "spend", "Monthly spend", kind="money", currency=cur))
seas = S.seasonality(monthly).assign(month=lambda d: pd.to_datetime(d["month"], format="%m").dt.strftime("%b"))
report.figure(charts.bar(seas, "month", "seasonal_index", "Seasonal index per calendar month (1 = average month)", kind="number", horizontal=False, figsize=(9.5, 3.2)))
"""),
("code", """
report.section("Tail spend", f"Tail: {'the bottom ' + fmt_pct(tail_value, 0) + ' of spend' if tail_mode == 'share' else 'suppliers with spend below ' + fmt_compact_money(tail_value, cur)}.")
tail_sup = tail[tail["tail"]]
tail_lines = lines[lines["supplier"].isin(tail_sup["supplier"])]
tail_cat = tail_lines.groupby("category", observed=True).agg(suppliers=("supplier", "nunique"), lines=("amount_rc", "size"), spend=("amount_rc", "sum")).reset_index().sort_values("spend", ascending=False)
report.table(tail_cat, {"spend": "money"}, max_rows=15, caption=f"{len(tail_sup):,} tail suppliers ({len(tail_sup) / len(tail):.0%} of suppliers) hold {fmt_pct(tail_sup['spend'].sum() / total)} of spend.")
"""),
("code", """
report.section("Maverick and off-contract spend", "Invoices without a PO, with a PO raised after the invoice, or from a supplier without a contract covering the category on the invoice date.")
for rule, why in unavailable.items():
    report.note(f"Not available: {rule.replace('_', ' ')} – {why}.", kind="warn")
flag_cols = [c for c in ("no_po", "po_after_invoice", "off_contract", "maverick") if c in flags and flags[c].notna().any()]
if flag_cols:
    mav = lines.groupby("business_unit", observed=True).apply(lambda g: pd.Series({c: g.loc[g[c] == True, "amount_rc"].sum() for c in flag_cols} | {"total": g["amount_rc"].sum()}), include_groups=False).reset_index()
    mav["maverick_share"] = mav["maverick"] / mav["total"]
    report.table(mav, {**{c: "money" for c in [*flag_cols, "total"]}, "maverick_share": "pct"}, max_rows=None)
"""),
("code", """
report.section("Fragmentation and price variance", "Supplier count and Herfindahl-Hirschman index (HHI) per category; items bought at different prices.")
report.table(frag.head(20), {"spend": "money", "hhi": "int", "top_share": "pct"}, max_rows=20)
if pv is not None:
    report.table(pv[pv["saving"] > 0].head(15), {"min_price": "money2", "max_price": "money2", "benchmark_price": "money2", "spread": "pct", "saving": "money"}, max_rows=15, caption=f"Harmonisation saving if every line were bought at the item's best supplier price: {fmt_compact_money(pv['saving'].sum(), cur)} in total.")
else:
    report.note("Price variance is not available: the data has no item-level purchase order prices.", kind="warn")
"""),
("code", """
report.section("Savings opportunities", "Ranked by estimated saving = addressable spend x savings rate (the rates are parameters of this run).")
report.table(savings, {"addressable_spend": "money", "rate": "pct", "estimated_saving": "money"}, max_rows=None)
report.section("Supplier normalisation", f"Raw supplier names merged into one company (exact after removing case, punctuation and legal suffixes, or fuzzy similarity >= {fuzzy_threshold:g}). Review and override with a mapping file.")
report.table(merged.sort_values("spend", ascending=False), {"spend": "money", "score": "num1"}, max_rows=25)
report.table(coverage, {"spend": "money", "spend_share": "pct"}, max_rows=None, caption="Classification coverage.")
"""),
("code", """
def by_filter(category, business_unit):
    sel = lines[((lines["category"] == category) | (category == "(all)")) & ((lines["business_unit"] == business_unit) | (business_unit == "(all)"))]
    top = sel.groupby("supplier", observed=True)["amount_rc"].sum().nlargest(10).reset_index().rename(columns={"amount_rc": "spend"})
    report.table(top, {"spend": "money"}, max_rows=10, caption=f"Top suppliers: {category} / {business_unit} ({fmt_compact_money(sel['amount_rc'].sum(), cur)})")
report.explore(by_filter, "Explore by category and business unit", category=["(all)", *cats["category"].astype(str)], business_unit=["(all)", *sorted(lines["business_unit"].astype(str).unique())])
"""),
("code", """
report.outputs({"spend_cube.csv": cube, "savings_opportunities.csv": savings, "supplier_normalisation.csv": norm},
               {"spend_cube.csv": "spend by supplier x category x business unit x month", "savings_opportunities.csv": "ranked savings levers with assumptions", "supplier_normalisation.csv": "raw supplier names and the company they were merged into"})
report.appendix({
    "Spend": f"Invoice amounts converted to {reporting_currency} with the month's exchange rate (amount x rate_to_usd of the currency / rate_to_usd of {reporting_currency}).",
    "Pareto suppliers": f"Suppliers sorted by spend, descending, while the cumulative share before them is below {pareto_cutoff:.0%}.",
    "Tail spend": "share mode: suppliers whose cumulative share (from the top) before them is at least 1 - tail share; threshold mode: suppliers with spend below the threshold.",
    "Maverick spend": "Invoice lines with no PO, a PO dated after the invoice, or no contract of the supplier covering the category on the invoice date.",
    "HHI": "Herfindahl-Hirschman index = sum of squared percentage supplier shares in a category (0-10,000): below 1,000 fragmented, above 1,800 highly concentrated (US DoJ/FTC Merger Guidelines 2023).",
    "Price harmonisation": "Sum over PO lines of max(price - best supplier average price for the item, 0) x quantity.",
    "Savings estimate": "Addressable spend x the lever's savings rate: " + ", ".join(f"{k} {v:.0%}" for k, v in savings_rates.items()) + ".",
    "Supplier normalisation": "Lower case, '&' -> 'and', punctuation and legal suffixes (Ltd, Limited, plc, Inc, GmbH, ...) removed; then rapidfuzz token-sort similarity above the threshold, never merging names whose numbers differ. A mapping file overrides.",
})
"""),
]
write("notebooks/spend_analysis.ipynb", META, cells)
