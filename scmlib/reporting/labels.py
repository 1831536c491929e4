"""Display labels for canonical column names: one registry used by every table and chart.

``label(column)`` gives the header a manager reads: ``fva_statistical`` becomes
"FVA of the statistical model (pts)", ``single_source_revenue`` "Single-source revenue ($)",
``countryname`` "Country". Columns missing from the registry are humanised (underscores
become spaces, known acronyms are upper-cased), so no header ever shows a code name; a
report can override any label for one table (``Report.table(..., labels={...})``).
"""

from __future__ import annotations

from collections.abc import Mapping

# column -> (label, unit); the unit is shown in brackets unless the format supplies one
LABELS: dict[str, tuple[str, str]] = {
    "item_id": ("Item", ""), "location_id": ("Location", ""), "supplier_id": ("Supplier ID", ""), "customer_id": ("Customer", ""),
    "name": ("Name", ""), "supplier": ("Supplier", ""), "category": ("Category", ""), "business_unit": ("Business unit", ""),
    "abc": ("ABC class", ""), "xyz": ("XYZ class", ""), "segment": ("Segment", ""), "demand_class": ("Demand class", ""),
    "lifecycle_stage": ("Lifecycle stage", ""), "service_tier": ("Service tier", ""), "countryname": ("Country", ""),
    "country": ("Country", ""), "iso3": ("Country code", ""), "period": ("Period", ""), "date": ("Date", ""),
    "target_date": ("Target month", ""), "forecast_date": ("Forecast made", ""), "lag": ("Lag", "months"),
    "n": ("Observations", ""), "series": ("Series", ""), "lines": ("Lines", ""), "suppliers": ("Suppliers", ""),
    "actual": ("Actual", "units"), "forecast": ("Forecast", "units"), "units_sold": ("Units sold", "units"),
    "accuracy": ("Accuracy (1 - WMAPE)", ""), "wmape": ("WMAPE", ""), "mape": ("MAPE", "%"), "smape": ("sMAPE", "%"),
    "mase": ("MASE", ""), "rmsse": ("RMSSE", ""), "mae": ("MAE", "units"), "rmse": ("RMSE", "units"), "bias": ("Bias", "units"),
    "pct_bias": ("Bias", ""), "tracking_signal": ("Tracking signal", ""),
    "fva_statistical": ("FVA of the statistical model", "pts"), "fva_override": ("FVA of overrides", "pts"),
    "fva_total": ("FVA in total", "pts"), "wmape_naive": ("WMAPE naive", ""), "wmape_statistical": ("WMAPE statistical", ""),
    "wmape_final": ("WMAPE final", ""), "mase_naive": ("MASE of the naive", ""), "mase_seasonal_naive": ("MASE of the seasonal naive", ""),
    "override_reason": ("Override reason", ""), "overrides": ("Overrides", ""), "improved": ("Improved", ""), "worsened": ("Worsened", ""),
    "net_units": ("Net change in error", "units"), "mean_abs_error_change": ("Mean change in absolute error", "units"),
    "abs_error": ("Absolute error", "units"), "cum_share": ("Cumulative share", ""), "impact_units": ("Impact", "units"),
    "spend": ("Spend", ""), "spend_share": ("Share of spend", ""), "value_share": ("Share of value", ""),
    "annual_value": ("Annual consumption value", ""), "stock_value": ("Stock value", ""), "avg_value": ("Average stock value", ""),
    "current_value": ("Stock on hand today", ""), "safety_stock_value": ("Safety-stock value", ""),
    "target_avg_stock_value": ("Target average stock value", ""), "change": ("Change", ""), "carrying_cost": ("Carrying cost", ""),
    "value_at_risk": ("Value at risk", ""), "gross_margin": ("Gross margin", ""), "unit_cost": ("Unit cost", ""),
    "unit_price": ("Unit price", ""), "unit_margin": ("Unit margin", ""), "turns": ("Turns", "per year"),
    "days_of_supply": ("Days of supply", "days"), "cover_months": ("Cover", "months"), "months_since_movement": ("Months without movement", "months"),
    "gmroi": ("GMROI", ""), "on_hand_qty": ("On hand", "units"), "safety_stock": ("Safety stock", "units"),
    "reorder_point": ("Reorder point", "units"), "order_qty": ("Order quantity", "units"), "mean_demand": ("Mean demand", "units/month"),
    "std_demand": ("Demand std. dev.", "units/month"), "lead_time": ("Lead time", "months"), "lead_time_std": ("Lead-time std. dev.", "months"),
    "lead_time_days": ("Lead time", "days"), "service_target": ("Service target", ""), "target": ("Target", ""),
    "distribution": ("Lead-time demand distribution", ""), "otif": ("OTIF", ""), "on_time": ("On time", ""), "in_full": ("In full", ""),
    "ppm": ("PPM", "ppm"), "price_change": ("Price change", ""), "responsiveness": ("Responsiveness", "0-100"),
    "sustainability": ("Sustainability", "0-100"), "score": ("Score", "0-100"), "grade": ("Grade", ""), "rank": ("Rank", ""),
    "overdue_actions": ("Overdue actions", ""), "open_actions": ("Open actions", ""), "days_overdue": ("Days overdue", "days"),
    "exposure_score": ("Exposure score", "0-100"), "main_driver": ("Main driver", ""), "single_source_items": ("Single-source items", ""),
    "single_source_revenue": ("Single-source revenue", ""), "revenue_at_risk": ("Revenue at risk", ""), "country_risk": ("Country risk", "0-100"),
    "governance_risk": ("Governance risk", "0-100"), "lpi_score": ("LPI score", "1-5"), "zone": ("Altman Z zone", ""),
    "likelihood": ("Likelihood", ""), "impact": ("Impact", ""), "inherent_score": ("Inherent score", ""), "residual_score": ("Residual score", ""),
    "in_pareto": ("In the Pareto group", ""), "tail": ("Tail supplier", ""), "hhi": ("HHI", ""), "concentration": ("Concentration", ""),
    "estimated_saving": ("Estimated saving", ""), "lever": ("Lever", ""), "scope": ("Scope", ""), "saving": ("Saving", ""),
    "status": ("Status", ""), "status_text": ("Status", ""), "label": ("KPI", ""), "kpi": ("KPI", ""), "value": ("Value", ""),
    "recent": ("Last 3 months", ""), "previous": ("3 months before", ""), "model": ("Model", ""), "rule": ("Rules applied", ""),
    "disposition": ("Disposition", ""),
}

ACRONYMS = {"abc", "xyz", "otif", "ppm", "id", "hhi", "gmroi", "sku", "fva", "mape", "wmape", "smape", "mase", "rmsse", "mae", "rmse",
            "eoq", "lpi", "wgi", "po", "kpi", "scor", "rag", "adi", "cv", "cv2", "dc", "usd", "eur", "gbp", "sla", "ddmrp", "moq"}


def humanise(column: str) -> str:
    """``single_source_revenue`` -> ``Single source revenue``; acronyms upper-cased."""
    words = [w.upper() if w.lower() in ACRONYMS else w for w in str(column).replace("_", " ").split()]
    if not words:
        return str(column)
    first = words[0]
    words[0] = first if first.isupper() else first[:1].upper() + first[1:]
    return " ".join(words)


def label(column: str, overrides: Mapping[str, str] | None = None, with_unit: bool = True) -> str:
    """The display header of ``column``: the registry label (or the humanised name) with its unit in
    brackets; ``with_unit=False`` when the formatted values carry their unit ($, %, pts)."""
    if overrides and column in overrides:
        return overrides[column]
    text, unit = LABELS.get(str(column), (humanise(column), ""))
    return f"{text} ({unit})" if unit and with_unit else text
