import sys; sys.path.insert(0, "tools")
from nbbuild import write

META = {"title": "Supply chain risk assessment", "area": "risk",
        "purpose": "Risk register scoring and heat maps (inherent and residual), data-driven supplier exposure (single sourcing, country, delivery, quality, financial distress), country exposure and gaps between register and data."}
cells = [
("md", """
# Supply chain risk assessment

Scores the risk register (likelihood x impact, inherent and residual after mitigation) and shows it as heat
maps; computes each supplier's exposure from the data (single-source dependency weighted by revenue, country
governance and logistics risk, delivery and quality deterioration, financial distress by Altman Z-score) to
check the register against the data; ranks revenue at risk; and lists gaps and actions.
"""),
("code", """
data_source: str = "demo"  # data source: demo, a folder, workbook, database file or URL
column_map: dict = {}  # per table: {source column: canonical column}
read_options: dict = {}  # reading options (encoding, date_format, decimal, ...), global or per table
scale: int = 5  # likelihood and impact scale (1..scale)
bands: dict = {"low": 4, "medium": 9, "high": 15, "critical": 25}  # upper bound of likelihood x impact per band
country_risk_year: int = 2023  # World Bank governance indicators year
country_weights: dict = {"governance": 0.6, "logistics": 0.4}  # weights of governance (WGI) and logistics (LPI) risk
exposure_weights: dict = {"ind_spend": 0.15, "ind_single_source": 0.25, "ind_country": 0.2, "ind_delivery": 0.15, "ind_quality": 0.1, "ind_financial": 0.15}  # weight per exposure indicator
gap_threshold: float = 40.0  # exposure score from which a supplier should be in the register
top_n: int = 15  # rows in the ranked tables
interactive: bool = False  # widgets for exploring in JupyterLab
""", ["parameters"]),
("code", """
from scmlib import params as P
from scmlib.risk import assessment as R
P.check("scale", scale, low=3, high=10)
P.check("country_risk_year", country_risk_year, low=1996, high=2030)
P.check("exposure_weights", list(exposure_weights), subset_of=["ind_spend", "ind_single_source", "ind_country", "ind_delivery", "ind_quality", "ind_financial"])
P.check("gap_threshold", gap_threshold, low=0.0, high=100.0)
P.check("top_n", top_n, low=1, high=100)
"""),
("code", """
import pandas as pd
from scmlib.data import load_data
from scmlib.suppliers import scorecard as SC
from scmlib.reporting import Report, charts, fmt_compact_money, fmt_pct
report = Report("risk_assessment", "Supply chain risk assessment", data_source, interactive=interactive)
data = load_data(data_source, tables=["risk_register", "suppliers", "purchase_order_lines"], optional=["items", "sales_order_lines", "quality_receipts", "supplier_financials", "locations"], column_map=column_map, read_options=read_options)
po, sup = data["purchase_order_lines"], data["suppliers"]
as_of = po["order_date"].max()
scored = R.score_register(data["risk_register"], scale, bands, as_of)
countries = R.load_country_risk(country_risk_year)
sales = data.get("sales_order_lines")
revenue = (sales.assign(r=sales["delivered_qty"].fillna(0) * sales["unit_price"])[sales["order_date"] > as_of - pd.DateOffset(months=12)].groupby("item_id")["r"].sum()) if sales is not None else None
"""),
("code", """
metrics, _ = SC.supplier_metrics(po, data.get("quality_receipts"), None, as_of - pd.DateOffset(months=12), as_of)
trend = SC.trends(po, data.get("quality_receipts"))
det = pd.concat([SC.deterioration(trend, "otif"), SC.deterioration(trend, "ppm", higher_is_better=False)] if "ppm" in trend else [SC.deterioration(trend, "otif")])
z = R.altman_z(data["supplier_financials"]) if "supplier_financials" in data else None
ind, unknown_countries = R.exposure_indicators(sup, po, data.get("items"), revenue, countries, country_weights, metrics, det.loc[det["deteriorating"], "supplier_id"].unique(), z)
exposure = R.supplier_exposure(ind, {k: v for k, v in exposure_weights.items() if k in ind.columns})
gaps = R.register_gaps(exposure, scored, gap_threshold)
country_exp = ind.groupby(["iso3"], dropna=False).agg(suppliers=("supplier_id", "size"), spend=("spend", "sum"), country_risk=("country_risk", "first")).reset_index().merge(countries[["code", "countryname", "governance_risk", "lpi_score"]], left_on="iso3", right_on="code", how="left").drop(columns="code").sort_values("spend", ascending=False)
country_exp["spend_share"] = country_exp["spend"] / country_exp["spend"].sum()
"""),
("code", """
report.header(period=(po["order_date"].min(), as_of), extra={"Risk scale": f"{scale} x {scale}", "Country risk": f"WGI {country_risk_year}, LPI 2023"})
crit = scored[scored["residual_band"].isin(["critical", "high"])]
ss_rev = ind["single_source_revenue"].sum() if "single_source_revenue" in ind else float("nan")
high_country = country_exp[country_exp["country_risk"] >= 50]
report.summary([
    f"{len(scored):,} register risks: {int((scored['inherent_band'] == 'critical').sum())} critical before mitigation, {int((scored['residual_band'] == 'critical').sum())} after; {len(crit):,} remain high or critical, led by '{scored.iloc[0]['title']}' (residual {scored.iloc[0]['residual_score']:.1f}).",
    f"{int((scored['trend'] == 'rising').sum())} risks rose since the previous assessment; {int(scored['no_owner'].sum())} have no owner and {int(scored['review_overdue'].sum())} are overdue for review.",
    f"Single sourcing: {int(ind['single_source_items'].sum()):,} items have one supplier, carrying {fmt_compact_money(ss_rev)} of annual revenue.",
    f"{fmt_pct(high_country['spend_share'].sum())} of spend sits in countries with a country-risk score of 50 or more ({', '.join(high_country['countryname'].dropna().head(4))}).",
    f"Highest data-driven exposure: {exposure.iloc[0]['name']} (score {exposure.iloc[0]['exposure_score']:.0f}, driven by {exposure.iloc[0]['main_driver'].replace('_', ' ')}); {len(gaps):,} suppliers scoring {gap_threshold:g}+ have no open register entry.",
    f"{int((ind.get('zone') == 'distress').sum()) if 'zone' in ind else 0} suppliers are in the Altman distress zone; {int(ind.get('deteriorating', pd.Series(dtype=bool)).sum())} show significant delivery or quality deterioration.",
])
notes = data.warnings + ([f"suppliers: countries not matched to the World Bank data (no country risk): {unknown_countries}"] if unknown_countries else [])
report.data_quality(notes)
"""),
("code", """
report.section("Risk heat maps", "Number of register risks per likelihood x impact cell, before (inherent) and after mitigation (residual: likelihood reduced by the mitigation's effectiveness).")
for residual in (False, True):
    m = R.heat_matrix(scored, scale, residual)
    sev = pd.DataFrame([[l * i for i in m.columns] for l in m.index], index=m.index, columns=m.columns)
    report.figure(charts.heatmap(sev, f"{'Residual' if residual else 'Inherent'} risk (count per cell; colour = likelihood x impact)", annot=m.astype(str), cmap="RdYlGn_r", xlabel="impact", ylabel="likelihood", figsize=(6, 4.2)))
by_dim = scored.groupby("category").agg(risks=("risk_id", "size"), mean_inherent=("inherent_score", "mean"), mean_residual=("residual_score", "mean"), critical_or_high=("residual_band", lambda s: s.isin(["critical", "high"]).sum())).reset_index()
report.table(by_dim, {"mean_inherent": "num1", "mean_residual": "num1"}, max_rows=None, caption="Register by dimension.")
"""),
("code", """
report.section("Top risks", "Open risks with the highest residual scores, with mitigation status and owner (L x I = likelihood x impact).")
scored["L x I"] = scored["likelihood"].astype(str) + " x " + scored["impact"].astype(str)
cols = ["risk_id", "title", "category", "L x I", "residual_score", "residual_band", "trend", "status", "mitigation", "owner", "review_date"]
report.table(scored.loc[scored["status"] != "closed", cols], {"residual_score": "num1", "review_date": "date"}, max_rows=top_n)
report.section("Supplier exposure ranking", "Exposure score 0-100 from the data; each indicator is scaled 0-1 and weighted (weights in the appendix).")
ecols = ["supplier_id", "name", "country", "exposure_score", "main_driver", "spend", "single_source_items", "country_risk", "otif", "ppm", "zone", "revenue_at_risk"]
report.table(exposure[[c for c in ecols if c in exposure]], {"exposure_score": "num1", "spend": "money", "single_source_items": "int", "country_risk": "num1", "otif": "pct", "ppm": "int", "revenue_at_risk": "money"}, max_rows=top_n)
"""),
("code", """
report.section("Single-source dependencies", "Suppliers that are the only source of items in the last 12 months, by the revenue of those items.")
sscols = ["supplier_id", "name", "category", "country", "single_source_items", "single_source_spend", "single_source_revenue"]
report.table(ind[ind["single_source_items"] > 0].sort_values(sscols[-1] if sscols[-1] in ind else "single_source_spend", ascending=False)[[c for c in sscols if c in ind]], {"single_source_items": "int", "single_source_spend": "money", "single_source_revenue": "money"}, max_rows=top_n)
report.section("Country exposure", "Spend by supplier country with the country-risk score (governance from the WGI, logistics from the LPI; 0 = lowest risk).")
ce = country_exp.dropna(subset=["countryname"]).head(15)
report.figure(charts.scatter(ce, "spend_share", "country_risk", "Spend share against country risk", xkind="pct", xlabel="share of spend", ylabel="country risk (0-100)"))
report.table(ce[["iso3", "countryname", "suppliers", "spend", "spend_share", "governance_risk", "lpi_score", "country_risk"]], {"spend": "money", "spend_share": "pct", "governance_risk": "num1", "lpi_score": "num1", "country_risk": "num1"}, max_rows=15)
"""),
("code", """
report.section("Gaps between register and data", f"Suppliers with an exposure score of {gap_threshold:g} or more and no open risk in the register.")
report.table(gaps[[c for c in ecols if c in gaps]], {"exposure_score": "num1", "spend": "money", "single_source_items": "int", "country_risk": "num1", "otif": "pct", "ppm": "int", "revenue_at_risk": "money"}, max_rows=top_n)
report.section("Actions", "Risks without an owner or overdue for review, and proposed register entries for the gaps.")
acts = pd.concat([scored[scored["no_owner"]].assign(action="assign an owner"), scored[scored["review_overdue"]].assign(action="review now (overdue)")])[["risk_id", "title", "residual_band", "action"]]
acts = pd.concat([acts, gaps.head(10).assign(risk_id="(new)", title=lambda d: "Exposure: " + d["name"] + " (" + d["main_driver"].str.replace("ind_", "") + ")", residual_band="", action="add to the register with a mitigation")[["risk_id", "title", "residual_band", "action"]]])
report.table(acts, max_rows=30)
"""),
("code", """
def by_filter(dimension, category, supplier):
    rows = scored[((scored["category"] == dimension) | (dimension == "(all)")) & ((scored["related_category"] == category) | (category == "(all)"))]
    rows = rows[(rows["supplier_id"] == supplier.split(" ")[0]) | (supplier == "(all)")]
    report.table(rows[cols], {"residual_score": "num1", "review_date": "date"}, max_rows=15, caption=f"Risks: {dimension} / {category} / {supplier} ({len(rows)})")
suppliers_in_register = exposure[exposure["supplier_id"].isin(scored["supplier_id"])]
report.explore(by_filter, "Explore by dimension, category and supplier", dimension=["(all)", *sorted(scored["category"].unique())],
               category=["(all)", *sorted(scored["related_category"].dropna().unique())], supplier=["(all)", *(suppliers_in_register["supplier_id"] + " " + suppliers_in_register["name"])])
report.outputs({"risk_register_scored.csv": scored, "supplier_exposure.csv": exposure, "country_exposure.csv": country_exp},
               {"risk_register_scored.csv": "register with inherent and residual scores, bands, trend and flags", "supplier_exposure.csv": "exposure score and indicators per supplier", "country_exposure.csv": "spend and country risk per country"})
report.appendix({
    "Risk score": f"Likelihood x impact on a 1-{scale} scale (ISO 31000 risk matrix); bands by upper bound: " + ", ".join(f"{k} <= {v}" for k, v in bands.items()) + ".",
    "Residual risk": "Inherent score x (1 - mitigation effectiveness); the residual heat map reduces likelihood by the same share.",
    "Trend": "Inherent score against previous likelihood x previous impact.",
    "Country risk": f"Governance risk = (2.5 - mean WGI estimate of political stability, rule of law, government effectiveness, regulatory quality, control of corruption) / 5 x 100 for {country_risk_year}; logistics risk = (5 - LPI 2023 score) / 4 x 100; combined with weights {country_weights}. Sources: World Bank WGI (Kaufmann, Kraay & Mastruzzi), LPI 2023, CC BY 4.0.",
    "Single source": "Items bought from exactly one supplier in the last 12 months; revenue = delivered sales of those items in the last 12 months.",
    "Delivery and quality": "OTIF and PPM of the last 12 months; set to the maximum indicator when the Kendall trend test shows significant deterioration (p < 0.05).",
    "Financial distress": "Altman Z' (private manufacturing: 0.717 X1 + 0.847 X2 + 3.107 X3 + 0.420 X4 + 0.998 X5; safe > 2.9, distress < 1.23) or Z'' (non-manufacturing: 6.56 X1 + 3.26 X2 + 6.72 X3 + 1.05 X4; safe > 2.6, distress < 1.1).",
    "Exposure score": "100 x weighted mean of the 0-1 indicators with weights " + ", ".join(f"{k.replace('ind_', '')} {v:.0%}" for k, v in exposure_weights.items()) + "; revenue at risk = revenue of items the supplier is primary for x score / 100.",
})
"""),
]
write("notebooks/risk_assessment.ipynb", META, cells)
