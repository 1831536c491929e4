"""Supply chain KPI dashboard aligned with SCOR level 1 (SCOR 12.0, APICS/ASCM 2017).

Level-1 metrics (SCOR 12.0 codes):

- RL.1.1 Perfect Order Fulfillment: share of orders delivered complete, on time to the
  customer's requested date, with accurate documentation and without damage;
- RS.1.1 Order Fulfillment Cycle Time: mean days from order to delivery (order = latest line);
- AG.1.1 Upside Supply Chain Adaptability: needs capacity scenario data; reported as not
  computable from transaction data;
- CO.1.1 Total Supply Chain Management Cost: supply chain management cost / revenue;
- AM.1.1 Cash-to-Cash Cycle Time = days of inventory + days of sales outstanding - days of
  payables outstanding (DIO = inventory / COGS x 365, DSO = receivables / revenue x 365,
  DPO = payables / COGS x 365);
- AM.1.2 Return on Supply Chain Fixed Assets = (revenue - COGS - SCM cost) / supply chain
  fixed assets;
- AM.1.3 Return on Working Capital = (revenue - COGS - SCM cost) / (inventory + receivables -
  payables).

Annual flows (revenue, COGS, SCM cost) are the sums over the last 12 months; balances
(inventory, receivables, payables, fixed assets) are the latest period's.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

SCOR_VERSION = "SCOR 12.0 (APICS/ASCM, 2017)"


def perfect_orders(sales: pd.DataFrame, late_days: int = 0) -> pd.DataFrame:
    """Per order: complete, on time (delivery <= requested date + ``late_days``), damage free,
    documentation accurate, perfect; cycle time in days. Undelivered orders are left out."""
    s = sales[sales["delivery_date"].notna()].copy()
    s["complete"] = s["delivered_qty"].fillna(0) >= s["ordered_qty"]
    s["on_time"] = s["delivery_date"] <= s["requested_date"] + pd.Timedelta(days=late_days)
    for c in ("damage_free", "documentation_accurate"):
        s[c] = s[c].fillna(True).astype(bool) if c in s.columns else True
    o = s.groupby("order_id").agg(order_date=("order_date", "min"), delivery_date=("delivery_date", "max"), complete=("complete", "all"),
                                  on_time=("on_time", "all"), damage_free=("damage_free", "all"), documentation_accurate=("documentation_accurate", "all"))
    o["perfect"] = o["complete"] & o["on_time"] & o["damage_free"] & o["documentation_accurate"]
    o["cycle_time_days"] = (o["delivery_date"] - o["order_date"]).dt.days
    return o.reset_index()


def cash_to_cash(revenue: float, cogs: float, inventory: float, receivables: float, payables: float, days: float = 365.0) -> dict[str, float]:
    """DIO, DSO, DPO and cash-to-cash cycle time (days). Worked example (Hugos, *Essentials of
    Supply Chain Management*): inventory 100, COGS 730/yr -> DIO 50; receivables 60, revenue
    1,095 -> DSO 20; payables 40, COGS 730 -> DPO 20; C2C = 50 + 20 - 20 = 50 days."""
    dio = inventory / cogs * days if cogs else np.nan
    dso = receivables / revenue * days if revenue else np.nan
    dpo = payables / cogs * days if cogs else np.nan
    return {"dio": dio, "dso": dso, "dpo": dpo, "c2c": dio + dso - dpo}


def scor_level1(sales: pd.DataFrame | None, fin: pd.DataFrame | None, end: pd.Timestamp, late_days: int = 0) -> pd.DataFrame:
    """The SCOR level-1 metrics with value, unit, inputs and availability notes."""
    rows = []
    start = end - pd.DateOffset(months=12) + pd.Timedelta(days=1)
    if sales is not None and len(sales) and "delivery_date" in sales.columns:
        po = perfect_orders(sales[(sales["order_date"] >= start) & (sales["order_date"] <= end)], late_days)
        rows.append({"code": "RL.1.1", "metric": "Perfect Order Fulfillment", "value": po["perfect"].mean(), "unit": "%", "inputs": f"{len(po):,} delivered orders"})
        rows.append({"code": "RS.1.1", "metric": "Order Fulfillment Cycle Time", "value": po["cycle_time_days"].mean(), "unit": "days", "inputs": "order date to last delivery"})
    else:
        for code, name in (("RL.1.1", "Perfect Order Fulfillment"), ("RS.1.1", "Order Fulfillment Cycle Time")):
            rows.append({"code": code, "metric": name, "value": np.nan, "unit": "", "inputs": "not computable: no sales_order_lines with delivery dates"})
    rows.append({"code": "AG.1.1", "metric": "Upside Supply Chain Adaptability", "value": np.nan, "unit": "days", "inputs": "not computable: needs capacity and ramp-up scenario data, not in transactional data"})
    if fin is not None and len(fin):
        f = fin[fin["period"] <= end].sort_values("period")
        last12 = f[f["period"] > end - pd.DateOffset(months=12)]
        latest = f.iloc[-1]
        rev, cogs, scm = last12["revenue"].sum(), last12["cost_of_goods_sold"].sum(), last12["supply_chain_management_cost"].sum()
        c2c = cash_to_cash(rev, cogs, latest["inventory_value"], latest["accounts_receivable"], latest["accounts_payable"])
        margin = rev - cogs - scm
        wc = latest["inventory_value"] + latest["accounts_receivable"] - latest["accounts_payable"]
        rows += [
            {"code": "CO.1.1", "metric": "Total Supply Chain Management Cost", "value": scm / rev if rev else np.nan, "unit": "% of revenue", "inputs": "SCM cost / revenue, last 12 months"},
            {"code": "AM.1.1", "metric": "Cash-to-Cash Cycle Time", "value": c2c["c2c"], "unit": "days", "inputs": f"DIO {c2c['dio']:.0f} + DSO {c2c['dso']:.0f} - DPO {c2c['dpo']:.0f}"},
            {"code": "AM.1.2", "metric": "Return on Supply Chain Fixed Assets", "value": margin / latest["supply_chain_fixed_assets"] if latest["supply_chain_fixed_assets"] else np.nan, "unit": "%", "inputs": "(revenue - COGS - SCM cost) / SC fixed assets"},
            {"code": "AM.1.3", "metric": "Return on Working Capital", "value": margin / wc if wc else np.nan, "unit": "%", "inputs": "(revenue - COGS - SCM cost) / (inventory + receivables - payables)"},
        ]
    else:
        for code, name in (("CO.1.1", "Total Supply Chain Management Cost"), ("AM.1.1", "Cash-to-Cash Cycle Time"), ("AM.1.2", "Return on Supply Chain Fixed Assets"), ("AM.1.3", "Return on Working Capital")):
            rows.append({"code": code, "metric": name, "value": np.nan, "unit": "", "inputs": "not computable: no financials table or parameter inputs"})
    return pd.DataFrame(rows)


def financials_from_params(values: Mapping[str, float], end: pd.Timestamp) -> pd.DataFrame | None:
    """A one-row-per-month financials frame from annual parameter inputs (when the data has none).

    ``values`` keys: revenue, cost_of_goods_sold, supply_chain_management_cost (annual), and
    accounts_receivable, accounts_payable, inventory_value, supply_chain_fixed_assets (balances).
    """
    need = ["revenue", "cost_of_goods_sold", "supply_chain_management_cost", "accounts_receivable", "accounts_payable", "inventory_value", "supply_chain_fixed_assets"]
    if not values:
        return None
    missing = [k for k in need if k not in values]
    if missing:
        raise ValueError(f"financial inputs are missing {missing}; give all of {need} or none")
    months = pd.date_range(end=end.to_period("M").start_time, periods=12, freq="MS")
    df = pd.DataFrame({"period": months})
    for k in need[:3]:
        df[k] = float(values[k]) / 12
    for k in need[3:]:
        df[k] = float(values[k])
    return df


def monthly_operational(sales: pd.DataFrame | None, po: pd.DataFrame | None, quality: pd.DataFrame | None, snaps: pd.DataFrame | None,
                        demand: pd.DataFrame | None, otif_kw: Mapping | None = None) -> pd.DataFrame:
    """Monthly operational KPIs by SCOR process (long frame: period, process, kpi, value)."""
    from scmlib.planning.accuracy import attach_actuals, error_metrics
    from scmlib.suppliers.scorecard import otif

    parts = []

    def add(series: pd.Series, process: str, kpi: str):
        s = series.dropna()
        parts.append(pd.DataFrame({"period": s.index, "process": process, "kpi": kpi, "value": s.to_numpy()}))

    if snaps is not None and demand is not None and len(snaps):
        ids = [c for c in ("item_id", "location_id") if c in snaps.columns and snaps[c].notna().any()]
        ev = attach_actuals(snaps[snaps["lag"] == snaps["lag"].min()], demand, ids).rename(columns={"final_forecast": "forecast"})
        m = error_metrics(ev, ["target_date"]).set_index("target_date")
        add(m["accuracy"], "plan", "forecast accuracy")
        add(m["pct_bias"], "plan", "forecast bias")
    if po is not None and len(po):
        flags, _ = otif(po, **dict(otif_kw or {}))
        if flags["otif"].notna().any():
            add(flags.groupby(flags["promised_date"].dt.to_period("M").dt.start_time)["otif"].mean(), "source", "supplier OTIF")
    if quality is not None and len(quality):
        q = quality.groupby(quality["receipt_date"].dt.to_period("M").dt.start_time)[["rejected_qty", "received_qty"]].sum()
        add(1e6 * q["rejected_qty"] / q["received_qty"], "source", "supplier PPM")
    if sales is not None and len(sales):
        s = sales[sales["delivery_date"].notna()]
        month = s["order_date"].dt.to_period("M").dt.start_time
        g = s.groupby(month)
        add(g["delivered_qty"].sum() / g["ordered_qty"].sum(), "deliver", "fill rate")
        cust_flags, _ = otif(s, due="requested_date", arrived="delivery_date", ordered="ordered_qty", received="delivered_qty", early_days=30, order_id="order_id")
        add(cust_flags.groupby(cust_flags["order_date"].dt.to_period("M").dt.start_time)["otif"].mean(), "deliver", "customer OTIF")
        add(((s["delivery_date"] - s["order_date"]).dt.days).groupby(month).mean(), "deliver", "order cycle time (days)")
        if "returned_qty" in s.columns:
            add(g["returned_qty"].sum() / g["delivered_qty"].sum(), "return", "return rate")
    if not parts:
        return pd.DataFrame(columns=["period", "process", "kpi", "value"])
    return pd.concat(parts, ignore_index=True)


LOWER_IS_BETTER = {"forecast bias (abs)", "supplier PPM", "order cycle time (days)", "return rate", "Order Fulfillment Cycle Time",
                   "Total Supply Chain Management Cost", "Cash-to-Cash Cycle Time"}


def rag(value: float, target: float | None, lower_is_better: bool, amber_band: float = 0.05) -> str:
    """Red/amber/green against a target: green when the target is met, amber when within
    ``amber_band`` (relative) of it, red otherwise; grey without a target or value."""
    if target is None or value is None or not np.isfinite(value) or not np.isfinite(target):
        return "grey"
    if lower_is_better:
        if value <= target:
            return "green"
        return "amber" if value <= target * (1 + amber_band) else "red"
    if value >= target:
        return "green"
    return "amber" if value >= target * (1 - amber_band) else "red"


def kpi_table(monthly: pd.DataFrame, scor: pd.DataFrame, targets: Mapping[str, float], recent: int = 3, amber_band: float = 0.05) -> pd.DataFrame:
    """One row per KPI: value (last 12 months), target, status, and the change of the last
    ``recent`` months against the ``recent`` months before (the trend)."""
    rows = []
    for (process, kpi), g in monthly.groupby(["process", "kpi"], sort=False):
        g = g.sort_values("period")
        last12 = g[g["period"] > g["period"].max() - pd.DateOffset(months=12)]
        value = last12["value"].mean()
        now, before = g["value"].iloc[-recent:].mean(), g["value"].iloc[-2 * recent:-recent].mean()
        name = "forecast bias (abs)" if kpi == "forecast bias" else kpi
        v = abs(value) if kpi == "forecast bias" else value
        lower = name in LOWER_IS_BETTER
        rows.append({"process": process, "kpi": kpi, "value": value, "target": targets.get(kpi), "status": rag(v, targets.get(kpi), lower, amber_band),
                     "recent": now, "previous": before, "change": now - before, "lower_is_better": lower})
    for _, r in scor.iterrows():
        lower = r["metric"] in LOWER_IS_BETTER
        rows.append({"process": "SCOR level 1", "kpi": f"{r['code']} {r['metric']}", "value": r["value"], "target": targets.get(r["metric"]),
                     "status": rag(r["value"], targets.get(r["metric"]), lower, amber_band), "recent": np.nan, "previous": np.nan, "change": np.nan, "lower_is_better": lower})
    return pd.DataFrame(rows)


def drivers(frame: pd.DataFrame, date_col: str, dim: str, metric: str, recent: int = 3, top: int = 3) -> pd.DataFrame:
    """Which members of ``dim`` moved a rate ``metric`` most: recent ``recent`` months against the
    ``recent`` before; contribution = change in the member's rate x its share of rows."""
    f = frame.dropna(subset=[metric])
    month = f[date_col].dt.to_period("M").dt.start_time
    last = month.max()
    rec = f[month > last - pd.DateOffset(months=recent)]
    prev = f[(month <= last - pd.DateOffset(months=recent)) & (month > last - pd.DateOffset(months=2 * recent))]
    a = rec.groupby(dim)[metric].agg(["mean", "size"])
    b = prev.groupby(dim)[metric].agg(["mean", "size"])
    j = a.join(b, lsuffix="_recent", rsuffix="_previous", how="inner")
    j["change"] = j["mean_recent"] - j["mean_previous"]
    j["contribution"] = j["change"] * j["size_recent"] / j["size_recent"].sum()
    return j.reindex(j["contribution"].abs().sort_values(ascending=False).index).head(top).reset_index()
