"""Supply chain KPI dashboard aligned with SCOR level 1 (SCOR 12.0, APICS/ASCM 2017).

Level-1 metrics (SCOR 12.0 codes):

- RL.1.1 Perfect Order Fulfillment: share of orders delivered complete, on time to the
  customer's requested date, with accurate documentation and without damage;
- RS.1.1 Order Fulfillment Cycle Time: mean days from order to delivery (order = latest line);
- AG.1.1 Upside Supply Chain Adaptability: needs capacity scenario data; reported as not
  computable from transaction data;
- CO.1.1 Total Supply Chain Management Cost: supply chain management cost / revenue;
- AM.1.1 Cash-to-Cash Cycle Time = days of inventory + days of sales outstanding - days of
  payables outstanding (DIO = inventory / COGS x days, DSO = receivables / revenue x days,
  DPO = payables / material purchases x days);
- AM.1.2 Return on Supply Chain Fixed Assets = (revenue - COGS - SCM cost) / supply chain
  fixed assets;
- AM.1.3 Return on Working Capital = (revenue - COGS - SCM cost) / (inventory + receivables -
  payables).

Flows (revenue, COGS, SCM cost, purchases) are the sums over the company reporting window
(the last ``calendar.window_months`` complete months), balances (inventory, receivables,
payables, fixed assets) the latest period's. Operational KPIs come from
:mod:`scmlib.core.measures`, the functions every report uses, so the dashboard shows the same
value as each specialist report.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from scmlib.core.frames import require_columns
from scmlib.core.kpi import KPIS, STATUS_WORDS, Figure, rag  # noqa: F401  (rag re-exported)
from scmlib.core.measures import reporting_window
from scmlib.core.settings import Settings
from scmlib.errors import ParameterError

SCOR_VERSION = "SCOR 12.0 (APICS/ASCM, 2017)"


def perfect_orders(sales: pd.DataFrame, late_days: int = 0) -> pd.DataFrame:
    """Per order: complete, on time (delivery <= requested date + ``late_days``), damage free,
    documentation accurate, perfect; cycle time in days. Undelivered orders are left out."""
    require_columns(
        sales,
        ["order_id", "order_date", "requested_date", "delivery_date", "ordered_qty"],
        "perfect orders: sales_order_lines",
    )
    s = sales[sales["delivery_date"].notna()].copy()
    s["complete"] = s["delivered_qty"].fillna(0) >= s["ordered_qty"]
    s["on_time"] = s["delivery_date"] <= s["requested_date"] + pd.Timedelta(days=late_days)
    for c in ("damage_free", "documentation_accurate"):
        s[c] = s[c].fillna(True).astype(bool) if c in s.columns else True
    o = s.groupby("order_id").agg(
        order_date=("order_date", "min"),
        delivery_date=("delivery_date", "max"),
        complete=("complete", "all"),
        on_time=("on_time", "all"),
        damage_free=("damage_free", "all"),
        documentation_accurate=("documentation_accurate", "all"),
    )
    o["perfect"] = o["complete"] & o["on_time"] & o["damage_free"] & o["documentation_accurate"]
    o["cycle_time_days"] = (o["delivery_date"] - o["order_date"]).dt.days
    return o.reset_index()


def cash_to_cash(
    revenue: float,
    cogs: float,
    inventory: float,
    receivables: float,
    payables: float,
    days: float = 365.0,
    purchases: float | None = None,
) -> dict[str, float]:
    """DIO, DSO, DPO and cash-to-cash cycle time (days), SCOR 12.0 AM.1.1.

    DIO = inventory / COGS x days, DSO = receivables / revenue x days, DPO = payables /
    material purchases x days (SCOR defines days payables outstanding on material purchases;
    without ``purchases`` COGS stands in, as in Hugos' worked example). Worked example (Hugos,
    *Essentials of Supply Chain Management*): inventory 100, COGS 730/yr -> DIO 50;
    receivables 60, revenue 1,095 -> DSO 20; payables 40, COGS 730 -> DPO 20; C2C = 50 days.
    """
    base = purchases if purchases is not None else cogs
    dio = inventory / cogs * days if cogs else np.nan
    dso = receivables / revenue * days if revenue else np.nan
    dpo = payables / base * days if base else np.nan
    return {"dio": dio, "dso": dso, "dpo": dpo, "c2c": dio + dso - dpo}


def perfect_order_from_rates(rates: Mapping[str, float]) -> float:
    """Perfect order fulfilment from component rates when only rates are known (no per-order
    flags): the product of the on-time, in-full, damage-free and documentation-accurate rates,
    which assumes the failures are independent. Worked example (the perfect-order index of
    Gartner and APQC material): 95% on time x 96% in full x 99% damage free x 99.5% accurate
    documents = 89.8%. Per-order flags (:func:`perfect_orders`) are preferred when available:
    SCOR 12.0 RL.1.1 counts orders meeting every component.
    """
    if not rates:
        return float("nan")
    bad = {k: v for k, v in rates.items() if not 0 <= float(v) <= 1}
    if bad:
        raise ParameterError(f"perfect order component rates must be shares in [0, 1], got {bad}")
    return float(np.prod([float(v) for v in rates.values()]))


def scor_level1(
    sales: pd.DataFrame | None,
    fin: pd.DataFrame | None,
    settings: Settings,
    purchases: float | None = None,
) -> list[Figure]:
    """The SCOR 12.0 level-1 metrics as headline figures over the company reporting window.

    RL.1.1 uses the customer OTIF setting's late tolerance against the requested date; flows
    (revenue, COGS, SCM cost, purchases) are summed over the window and day counts use the
    window's length; balances are the latest period's within the window.
    """
    figs: list[Figure] = []
    late = int(settings["customer_otif.late_days"])
    if sales is not None and len(sales) and sales["delivery_date"].notna().any():
        start, end = reporting_window(sales["delivery_date"], settings)
        po = perfect_orders(
            sales[(sales["order_date"] >= start) & (sales["order_date"] <= end)], late
        )
        n = f"{len(po):,} delivered orders"
        figs.append(
            Figure(
                "perfect_order_fulfillment",
                float(po["perfect"].mean()) if len(po) else float("nan"),
                start,
                end,
                f"orders complete, delivered by the requested date (+{late} days), damage free, documents accurate; by order date",
                n,
            )
        )
        figs.append(
            Figure(
                "order_fulfillment_cycle_time",
                float(po["cycle_time_days"].mean()) if len(po) else float("nan"),
                start,
                end,
                "mean days from order date to the order's last delivery; by order date",
                n,
            )
        )
    else:
        for key in ("perfect_order_fulfillment", "order_fulfillment_cycle_time"):
            figs.append(
                Figure(
                    key,
                    float("nan"),
                    None,
                    None,
                    KPIS[key].definition,
                    "not computable: no sales_order_lines with delivery dates",
                )
            )
    figs.append(
        Figure(
            "upside_adaptability",
            float("nan"),
            None,
            None,
            KPIS["upside_adaptability"].definition,
            "not computable: needs capacity and ramp-up scenario data, not in transactional data",
        )
    )
    keys = (
        "total_scm_cost",
        "cash_to_cash",
        "return_on_sc_fixed_assets",
        "return_on_working_capital",
    )
    if fin is None or not len(fin):
        figs += [
            Figure(
                k,
                float("nan"),
                None,
                None,
                KPIS[k].definition,
                "not computable: no financials table or parameter inputs",
            )
            for k in keys
        ]
        return figs
    start, end = reporting_window(fin["period"], settings, periodic=True)
    f = fin[(fin["period"] >= start) & (fin["period"] <= end)].sort_values("period")
    latest = f.iloc[-1]
    days = (end - start).days + 1
    rev, cogs, scm = (
        f["revenue"].sum(),
        f["cost_of_goods_sold"].sum(),
        f["supply_chain_management_cost"].sum(),
    )
    if (
        purchases is None
        and "material_purchases" in f.columns
        and f["material_purchases"].notna().all()
    ):
        purchases = float(f["material_purchases"].sum())
    c2c = cash_to_cash(
        rev,
        cogs,
        latest["inventory_value"],
        latest["accounts_receivable"],
        latest["accounts_payable"],
        days,
        purchases,
    )
    margin = rev - cogs - scm
    wc = latest["inventory_value"] + latest["accounts_receivable"] - latest["accounts_payable"]
    dpo_base = (
        "material purchases"
        if purchases is not None
        else "COGS (no material purchases in the data)"
    )
    figs += [
        Figure(
            "total_scm_cost",
            scm / rev if rev else float("nan"),
            start,
            end,
            "supply chain management cost / revenue",
            f"{len(f)} months of financials",
        ),
        Figure(
            "cash_to_cash",
            c2c["c2c"],
            start,
            end,
            f"DIO {c2c['dio']:.0f} + DSO {c2c['dso']:.0f} - DPO {c2c['dpo']:.0f} days (DPO on {dpo_base})",
            f"{len(f)} months of financials",
        ),
        Figure(
            "return_on_sc_fixed_assets",
            margin / latest["supply_chain_fixed_assets"]
            if latest["supply_chain_fixed_assets"]
            else float("nan"),
            start,
            end,
            "(revenue - COGS - SCM cost) / supply chain fixed assets",
            f"{len(f)} months of financials",
        ),
        Figure(
            "return_on_working_capital",
            margin / wc if wc else float("nan"),
            start,
            end,
            "(revenue - COGS - SCM cost) / (inventory + receivables - payables)",
            f"{len(f)} months of financials",
        ),
    ]
    return figs


def financials_from_params(values: Mapping[str, float], end: pd.Timestamp) -> pd.DataFrame | None:
    """A one-row-per-month financials frame from annual parameter inputs (when the data has none).

    ``values`` keys: revenue, cost_of_goods_sold, supply_chain_management_cost (annual), and
    accounts_receivable, accounts_payable, inventory_value, supply_chain_fixed_assets (balances).
    """
    need = [
        "revenue",
        "cost_of_goods_sold",
        "supply_chain_management_cost",
        "accounts_receivable",
        "accounts_payable",
        "inventory_value",
        "supply_chain_fixed_assets",
    ]
    if not values:
        return None
    missing = [k for k in need if k not in values]
    if missing:
        raise ParameterError(f"financial inputs are missing {missing}; give all of {need} or none")
    months = pd.date_range(end=end.to_period("M").start_time, periods=12, freq="MS")
    df = pd.DataFrame({"period": months})
    for k in need[:3]:
        df[k] = float(values[k]) / 12
    for k in need[3:]:
        df[k] = float(values[k])
    return df


def kpi_table(
    figures: Sequence[Figure], monthly: pd.DataFrame, settings: Settings, recent: int = 3
) -> pd.DataFrame:
    """One row per headline figure: value and window (from the shared measure), company target,
    status in words and colour, and the trend: the mean of the last ``recent`` monthly values
    against the ``recent`` before (change in points for percentages)."""
    rows = []
    band = settings["amber_band"]
    for f in figures:
        kpi = KPIS[f.kpi]
        g = monthly[monthly["kpi"] == f.kpi].sort_values("period") if len(monthly) else monthly
        if f.window_end is not None and len(g):
            g = g[g["period"] <= f.window_end]
        now = g["value"].iloc[-recent:].mean() if len(g) >= 2 * recent else np.nan
        before = g["value"].iloc[-2 * recent : -recent].mean() if len(g) >= 2 * recent else np.nan
        target = settings.target(f.kpi)
        judged = abs(f.value) if f.kpi == "forecast_bias" else f.value
        status = rag(judged, target, kpi.higher_is_better, band) if f.available else "grey"
        rows.append(
            {
                "process": kpi.process or "SCOR level 1",
                "kpi": f.kpi,
                "label": kpi.label,
                "scor": kpi.scor,
                "value": f.value,
                "unit": kpi.unit,
                "target": target,
                "status": status,
                "status_text": STATUS_WORDS[status] if f.available else "not computable",
                "window_start": f.window_start,
                "window_end": f.window_end,
                "recent": now,
                "previous": before,
                "change": now - before,
                "higher_is_better": kpi.higher_is_better,
                "definition": f.definition,
                "basis": f.basis,
            }
        )
    return pd.DataFrame(rows)


def drivers(
    frame: pd.DataFrame, date_col: str, dim: str, metric: str, recent: int = 3, top: int = 3
) -> pd.DataFrame:
    """Which members of ``dim`` moved a rate ``metric`` most: recent ``recent`` months against the
    ``recent`` before; contribution = change in the member's rate x its share of rows."""
    f = frame.dropna(subset=[metric])
    month = f[date_col].dt.to_period("M").dt.start_time
    last = month.max()
    rec = f[month > last - pd.DateOffset(months=recent)]
    prev = f[
        (month <= last - pd.DateOffset(months=recent))
        & (month > last - pd.DateOffset(months=2 * recent))
    ]
    a = rec.groupby(dim)[metric].agg(["mean", "size"])
    b = prev.groupby(dim)[metric].agg(["mean", "size"])
    j = a.join(b, lsuffix="_recent", rsuffix="_previous", how="inner")
    j["change"] = j["mean_recent"] - j["mean_previous"]
    j["contribution"] = j["change"] * j["size_recent"] / j["size_recent"].sum()
    return (
        j.reindex(j["contribution"].abs().sort_values(ascending=False).index)
        .head(top)
        .reset_index()
    )


def largest_moves(table: pd.DataFrame, threshold: float = 0.05) -> pd.DataFrame:
    """KPIs whose last three months moved by more than ``threshold`` (relative) against the three
    before, largest first, with ``improved`` telling whether the move is for the better."""
    t = table.dropna(subset=["change"]).copy()
    t = t[t["previous"].abs() > 0]
    t["rel"] = t["change"].abs() / t["previous"].abs()
    t["improved"] = np.where(
        t["kpi"] == "forecast_bias",
        t["recent"].abs() < t["previous"].abs(),
        (t["change"] > 0) == t["higher_is_better"].fillna(True).astype(bool),
    )
    return t[t["rel"] > threshold].sort_values("rel", ascending=False)
