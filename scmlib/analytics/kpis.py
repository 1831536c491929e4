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
    o["in_full"] = o["complete"]
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
    without ``purchases`` COGS stands in, as in Hugos' worked example).

    Parameters
    ----------
    revenue, cogs : float
        Revenue and cost of goods sold over ``days``.
    inventory, receivables, payables : float
        Balances (the latest period's).
    days : float, default 365
        Days covered by the flows.
    purchases : float, optional
        Material purchases over ``days`` (the SCOR DPO base); COGS when not given.

    Returns
    -------
    dict
        ``dio``, ``dso``, ``dpo`` and ``c2c`` in days (NaN where a base is zero).

    References
    ----------
    APICS/ASCM (2017), *SCOR 12.0*, AM.1.1 Cash-to-Cash Cycle Time; Hugos, M. (2018),
    *Essentials of Supply Chain Management* (4th ed.), worked example of the cash-to-cash cycle.

    Examples
    --------
    Inventory 100 against COGS 730 a year -> DIO 50; receivables 60 against revenue 1,095 ->
    DSO 20; payables 40 against COGS 730 -> DPO 20; cash-to-cash 50 days. With material
    purchases of 584, DPO is 25 days and cash-to-cash 45.

    >>> c = cash_to_cash(1095, 730, inventory=100, receivables=60, payables=40)
    >>> [round(c[k], 1) for k in ("dio", "dso", "dpo", "c2c")]
    [50.0, 20.0, 20.0, 50.0]
    >>> round(cash_to_cash(1095, 730, 100, 60, 40, purchases=584)["c2c"], 1)
    45.0
    """
    base = purchases if purchases is not None else cogs
    dio = inventory / cogs * days if cogs else np.nan
    dso = receivables / revenue * days if revenue else np.nan
    dpo = payables / base * days if base else np.nan
    return {"dio": dio, "dso": dso, "dpo": dpo, "c2c": dio + dso - dpo}


PERFECT_ORDER_COMPONENTS = ("on_time", "in_full", "damage_free", "documentation_accurate")
COMPONENT_WORDS = {
    "on_time": "on time",
    "in_full": "in full",
    "damage_free": "damage free",
    "documentation_accurate": "documents accurate",
}


def perfect_order_from_rates(rates: Mapping[str, float]) -> float:
    """Perfect order fulfilment from component rates when only rates are known (no per-order
    flags): the product of the on-time, in-full, damage-free and documentation-accurate rates.

    The product assumes the failures are independent; per-order flags
    (:func:`perfect_orders`) are preferred when available, since SCOR 12.0 RL.1.1 counts the
    orders meeting every component.

    Parameters
    ----------
    rates : mapping of str to float
        Component rates as shares in [0, 1] (any components, e.g. ``on_time``, ``in_full``,
        ``damage_free``, ``documentation_accurate``).

    Returns
    -------
    float
        The product of the rates; NaN for no rates.

    Raises
    ------
    ParameterError
        A rate outside [0, 1] (for example 95 for 95%).

    References
    ----------
    APICS/ASCM (2017), *SCOR 12.0*, RL.1.1 Perfect Order Fulfillment; the perfect order index
    as the product of component rates (Gartner / APQC benchmarking material).

    Examples
    --------
    95% on time x 98% in full x 99% damage free:

    >>> round(perfect_order_from_rates({"on_time": 0.95, "in_full": 0.98, "damage_free": 0.99}), 5)
    0.92169
    """
    if not rates:
        return float("nan")
    bad = {k: v for k, v in rates.items() if not 0 <= float(v) <= 1}
    if bad:
        raise ParameterError(f"perfect order component rates must be shares in [0, 1], got {bad}")
    return float(np.prod([float(v) for v in rates.values()]))


def perfect_order_figure(
    po: pd.DataFrame | None,
    recorded: Sequence[str],
    rates: Mapping[str, float] | None,
    late: int,
    start: pd.Timestamp | None = None,
    end: pd.Timestamp | None = None,
) -> Figure:
    """SCOR RL.1.1 Perfect Order Fulfillment from per-order flags where the data records them and
    from component rates where it does not, with the definition saying which.

    Parameters
    ----------
    po : DataFrame or None
        Per-order flags from :func:`perfect_orders` (None: no order data).
    recorded : sequence of str
        The components the order data records (on time and in full always, damage free and
        documentation accuracy when their columns exist).
    rates : mapping, optional
        Known component rates (shares) for components without per-order flags.
    late : int
        Days after the requested date still on time.
    start, end : Timestamp, optional
        The window of the figure.

    Returns
    -------
    Figure
        ``perfect_order_fulfillment``: the share of orders meeting every recorded component,
        times the product of the given rates of the unrecorded ones (independence assumed);
        with no order data, the product of the rates alone (:func:`perfect_order_from_rates`).

    Examples
    --------
    >>> f = perfect_order_figure(None, (), {"on_time": 0.95, "in_full": 0.98,
    ...                          "damage_free": 0.99}, late=0)
    >>> round(f.value, 5), f.definition
    (0.92169, 'product of component rates: on time 95.0% x in full 98.0% x damage free 99.0% (assumes independent failures)')
    """
    rates = {k: float(v) for k, v in (rates or {}).items()}
    if po is None or not len(po):
        if not rates:
            return Figure(
                "perfect_order_fulfillment",
                float("nan"),
                None,
                None,
                KPIS["perfect_order_fulfillment"].definition,
                "not computable: no sales_order_lines with delivery dates and no component rates",
            )
        parts = " x ".join(f"{COMPONENT_WORDS.get(k, k)} {v:.1%}" for k, v in rates.items())
        return Figure(
            "perfect_order_fulfillment",
            perfect_order_from_rates(rates),
            start,
            end,
            f"product of component rates: {parts} (assumes independent failures)",
            "component rates (parameter perfect_order_rates)",
        )
    flags = [c for c in PERFECT_ORDER_COMPONENTS if c in recorded]
    extra = {k: v for k, v in rates.items() if k not in flags}
    share = float(po[flags].all(axis=1).mean())
    words = ", ".join(COMPONENT_WORDS[c] for c in flags).replace(
        "on time", f"on time (by the requested date +{late} days)"
    )
    definition = f"share of orders {words}; by order date"
    missing = [c for c in PERFECT_ORDER_COMPONENTS if c not in flags and c not in extra]
    if extra:
        parts = " x ".join(f"{COMPONENT_WORDS.get(k, k)} {v:.1%}" for k, v in extra.items())
        definition += f"; x component rates {parts} (not in the order data; independence assumed)"
    if missing:
        definition += "; not recorded, so not counted: " + ", ".join(
            COMPONENT_WORDS[c] for c in missing
        )
    return Figure(
        "perfect_order_fulfillment",
        share * perfect_order_from_rates(extra) if extra else share,
        start,
        end,
        definition,
        f"{len(po):,} delivered orders",
    )


def whole_days(c2c: Mapping[str, float]) -> dict[str, float]:
    """The cash-to-cash components rounded to whole days and C2C as the sum of the rounded
    components, so DIO + DSO - DPO = C2C holds in the figures shown (SCOR 12.0 AM.1.1).

    >>> whole_days({"dio": 45.6, "dso": 30.6, "dpo": 20.4, "c2c": 55.8})
    {'dio': 46.0, 'dso': 31.0, 'dpo': 20.0, 'c2c': 57.0}
    """
    out = {k: float(np.round(c2c[k])) for k in ("dio", "dso", "dpo")}
    out["c2c"] = out["dio"] + out["dso"] - out["dpo"]
    return out


def scor_level1(
    sales: pd.DataFrame | None,
    fin: pd.DataFrame | None,
    settings: Settings,
    purchases: float | None = None,
    component_rates: Mapping[str, float] | None = None,
) -> list[Figure]:
    """The SCOR 12.0 level-1 metrics as headline figures over the company reporting window.

    RL.1.1 uses the customer OTIF setting's late tolerance against the requested date, from
    per-order flags where the order lines record them and from ``component_rates`` (shares,
    keys of :data:`PERFECT_ORDER_COMPONENTS`) where they do not, or entirely from the rates
    when there are no order lines (:func:`perfect_order_figure`). Flows (revenue, COGS, SCM
    cost, purchases) are summed over the window and day counts use the window's length;
    balances are the latest period's within the window.
    """
    figs: list[Figure] = []
    late = int(settings["customer_otif.late_days"])
    if sales is not None and len(sales) and sales["delivery_date"].notna().any():
        start, end = reporting_window(sales["delivery_date"], settings)
        po = perfect_orders(
            sales[(sales["order_date"] >= start) & (sales["order_date"] <= end)], late
        )
        n = f"{len(po):,} delivered orders"
        recorded = ["on_time", "in_full"] + [
            c for c in ("damage_free", "documentation_accurate") if c in sales.columns
        ]
        figs.append(perfect_order_figure(po, recorded, component_rates, late, start, end))
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
        figs.append(perfect_order_figure(None, (), component_rates, late))
        for key in ("order_fulfillment_cycle_time",):
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
    shown = whole_days(c2c)
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
            shown["c2c"],
            start,
            end,
            f"DIO {shown['dio']:.0f} + DSO {shown['dso']:.0f} - DPO {shown['dpo']:.0f} days, "
            f"each rounded to whole days (DPO on {dpo_base})",
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
    return sort_kpis(pd.DataFrame(rows))


AREA_ORDER = ("plan", "source", "make", "deliver", "return", "SCOR level 1")
STATUS_ORDER = ("red", "amber", "green", "grey")  # worst first within an area


def sort_kpis(table: pd.DataFrame) -> pd.DataFrame:
    """KPI rows in SCOR process order (plan, source, make, deliver, return, then the level-1
    metrics; SCOR 12.0 level-1 processes) and, within an area, worst status first (off target,
    close, on target, without target); the order of the figures breaks ties.

    >>> t = pd.DataFrame({"process": ["deliver", "plan", "deliver"],
    ...                   "status": ["green", "green", "red"], "kpi": ["a", "b", "c"]})
    >>> sort_kpis(t)["kpi"].tolist()
    ['b', 'c', 'a']
    """
    if table.empty:
        return table
    area = table["process"].map({a: i for i, a in enumerate(AREA_ORDER)}).fillna(len(AREA_ORDER))
    status = table["status"].map({s: i for i, s in enumerate(STATUS_ORDER)}).fillna(9)
    order = np.lexsort((np.arange(len(table)), status.to_numpy(), area.to_numpy()))
    return table.iloc[order].reset_index(drop=True)


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


# --------------------------------------------------------------------------- report text

PROCESSES = (
    ("plan", "Plan"),
    ("source", "Source"),
    ("make", "Make"),
    ("deliver", "Deliver"),
    ("return", "Return"),
)


def driver_sentence(moves: pd.DataFrame, what: str) -> str:
    """One summary clause naming the members that moved a rate most (from :func:`drivers` with
    a ``name`` column), in points: ``"supplier OTIF: Acme +3.0 pts, Brix -1.5 pts"``.

    Examples
    --------
    >>> driver_sentence(pd.DataFrame({"name": ["Acme", "Brix"], "change": [0.03, -0.015]}),
    ...                 "supplier OTIF")
    'supplier OTIF: Acme +3.0 pts, Brix -1.5 pts'
    """
    parts = [f"{r['name']} {100 * r['change']:+.1f} pts" for _, r in moves.iterrows()]
    return f"{what}: " + ", ".join(parts)


def summary_lines(
    table: pd.DataFrame,
    moved: pd.DataFrame,
    why: Sequence[str],
    settings: Settings,
    fmt=None,
) -> list[str]:
    """The dashboard's executive summary: status counts, the three largest moves, their drivers
    and the KPIs off target. ``fmt(kpi, value)`` formats a value in its unit (the report's
    ``fmt_kpi``; plain numbers when not given)."""
    fmt = fmt or (lambda kpi, v: f"{v:,.3g}")
    status = table["status"].value_counts()
    window = settings["calendar.window_months"]
    lines = [
        f"{status.get('green', 0)} KPIs on target, {status.get('amber', 0)} close to target, "
        f"{status.get('red', 0)} off target; {status.get('grey', 0)} without a target or not "
        f"computable (last {window} complete months)."
    ]
    for _, r in moved.head(3).iterrows():
        lines.append(
            f"{r['label']} moved from {fmt(r['kpi'], r['previous'])} to "
            f"{fmt(r['kpi'], r['recent'])} over the last three months "
            f"({'better' if r['improved'] else 'worse'})."
        )
    lines += [f"Largest changes in {w} (last three months against the three before)." for w in why]
    red = table.loc[table["status"] == "red", "label"].tolist()
    lines.append(("Off target: " + ", ".join(red) + ".") if red else "No KPI is off target.")
    return lines


def trend_sections(
    table: pd.DataFrame, monthly: pd.DataFrame
) -> list[tuple[str, list[tuple[str, pd.DataFrame]], str]]:
    """Per SCOR process (plan, source, make, deliver, return): its title, the monthly series of
    each of its KPIs (in the table's order) up to the KPI's window end (a partial month after
    the last complete one is left out, as in the headline), and, when it has none, why not."""
    out = []
    ends = table.set_index("kpi")["window_end"]
    for process, title in PROCESSES:
        keys = table.loc[table["process"] == process, "kpi"].tolist()
        series = []
        for k in keys:
            g = monthly[monthly["kpi"] == k] if len(monthly) else monthly
            end = ends.get(k)
            if len(g) and end is not None and pd.notna(end):
                g = g[g["period"] <= end]
            if len(g):
                series.append((k, g))
        reason = ""
        if not series:
            reason = (
                "capacity utilisation needs capacity and production data (not in the data "
                "model yet)."
                if process == "make"
                else f"no {process} data in this source."
            )
        out.append((title, series, reason))
    return out


def appendix_entries(table: pd.DataFrame, settings: Settings) -> dict[str, str]:
    """The dashboard's method appendix: each KPI's definition as computed (with its SCOR code),
    the perfect-order rule, status bands and trend."""
    entries = {}
    for _, r in table.iterrows():
        name = f"{r['label']} ({r['scor']})" if r["scor"] else r["label"]
        entries[name] = f"{r['definition'][0].upper()}{r['definition'][1:]}."
    band = settings["amber_band"]
    entries |= {
        "Upside Supply Chain Adaptability (AG.1.1)": "Days to achieve an unplanned sustainable "
        "20% increase in quantities delivered; needs capacity scenario data, so not computed.",
        "Perfect order from component rates": "Per-order flags are used where the order lines "
        "record a component (SCOR RL.1.1 counts the orders meeting every one); a component the "
        "lines do not record is taken from its known rate (parameter perfect_order_rates) and "
        "multiplied in, and with no order lines the figure is the product of the rates (on time "
        "x in full x damage free x documents accurate), which assumes independent failures.",
        "Status": f"On target (green): target met; close to target (amber): within {band:.0%} "
        "of the target; off target (red): otherwise. Targets and definitions come from the "
        f"company settings ({settings.source}).",
        "Trend": "Mean of the last three monthly values against the three before; percentages "
        "change in points (pts).",
        "Order of the KPIs": "By SCOR process (plan, source, make, deliver, return, then the "
        "level-1 metrics) and, within a process, off target first, then close to target, on "
        "target and without a target.",
    }
    return entries
