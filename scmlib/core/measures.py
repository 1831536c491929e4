"""One function per shared KPI: every report that shows one of these figures calls this function,
with the company settings, so the same KPI over the same window has the same value everywhere.

Each function returns a :class:`~scmlib.core.kpi.Figure` (value, window, definition text, basis).
Windows follow the settings: the last ``calendar.window_months`` complete months ending at
``calendar.as_of`` or, when that is empty, at the last complete month of the KPI's own data
(:func:`reporting_window`). Definitions (OTIF, valuation, accuracy level and lag) come from
the settings; a report that shows another cut labels it as such.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import pandas as pd

from scmlib.core.delivery import DeliveryFlags, otif, otif_options
from scmlib.core.forecast_error import attach_actuals, error_metrics
from scmlib.core.kpi import Figure
from scmlib.core.settings import Settings
from scmlib.errors import DataError

LEVEL_IDS = {
    "item": ["item_id"],
    "item_location": ["item_id", "location_id"],
    "category": ["category"],
    "total": [],
}


def _month_end(ts: pd.Timestamp) -> pd.Timestamp:
    return (ts + pd.offsets.MonthEnd(0)).normalize()


class Window(NamedTuple):
    """A reporting window: first and last day, both included."""

    start: pd.Timestamp
    end: pd.Timestamp


class AccuracyFigures(NamedTuple):
    """The company forecast accuracy and bias figures, computed together."""

    accuracy: Figure
    bias: Figure


def reporting_window(dates: pd.Series, settings: Settings, periodic: bool = False) -> Window:
    """The reporting window (first day, last day) for a KPI computed from ``dates``.

    The window is the last ``calendar.window_months`` complete calendar months. It ends at
    ``calendar.as_of`` when set; otherwise at the last complete month of ``dates``: the month of
    the latest date when that date is the month's last day (or, for ``periodic`` data such as
    monthly demand buckets dated on the 1st, always that month), else the month before.
    """
    months = int(settings["calendar.window_months"])
    as_of = settings["calendar.as_of"]
    if as_of:
        end = pd.Timestamp(as_of).normalize()
    else:
        d = pd.to_datetime(dates).dropna()
        if d.empty:
            raise DataError(
                "no dates to place the reporting window: the table is empty or has no dates in its date column"
            )
        last = d.max().normalize()
        end = (
            _month_end(last)
            if periodic or last == _month_end(last)
            else last.to_period("M").start_time - pd.Timedelta(days=1)
        )
    start = (end.to_period("M") - (months - 1)).start_time
    return Window(start, end)


def _in_window(s: pd.Series, start: pd.Timestamp, end: pd.Timestamp) -> np.ndarray:
    return ((s >= start) & (s < end + pd.Timedelta(days=1))).to_numpy()


# --------------------------------------------------------------------------- planning


def forecast_accuracy(
    snapshots: pd.DataFrame, demand: pd.DataFrame, items: pd.DataFrame | None, settings: Settings
) -> AccuracyFigures:
    """Company forecast accuracy and bias: final forecasts at ``forecast_accuracy.level`` and
    ``forecast_accuracy.lag`` over the window of target periods.

    Forecasts and actuals are summed to the level before the error is taken, so at category or
    total level errors offset as in the aggregate plan. Accuracy = 1 - WMAPE (floored at 0 when
    ``forecast_accuracy.floor_at_zero``); bias = sum(forecast - actual) / sum(actual).
    WMAPE and bias follow Hyndman & Athanasopoulos, *Forecasting: Principles and Practice*
    (3rd ed.), 5.8 (see :mod:`scmlib.core.forecast_error`).
    """
    level, lag = settings["forecast_accuracy.level"], int(settings["forecast_accuracy.lag"])
    base = [
        c
        for c in ("item_id", "location_id")
        if c in snapshots.columns and c in demand.columns and snapshots[c].notna().any()
    ]
    if level == "item_location" and "location_id" not in base:
        raise DataError(
            "forecast accuracy at item_location level needs location_id in forecast_snapshots and demand_history; "
            "set forecast_accuracy.level to item in the company settings"
        )
    ev = attach_actuals(snapshots[snapshots["lag"] == lag], demand, base)
    if ev.empty:
        raise DataError(
            f"table 'forecast_snapshots': no lag-{lag} forecast has an actual to compare with; "
            "set forecast_accuracy.lag in the company settings to a lag the snapshots hold"
        )
    start, end = reporting_window(ev["target_date"], settings, periodic=True)
    ev = ev[_in_window(ev["target_date"], start, end)]
    ids = LEVEL_IDS[level]
    if level == "category":
        if items is None:
            raise DataError(
                "forecast accuracy at category level needs the items table (item_id, category)"
            )
        ev = ev.merge(items[["item_id", "category"]], on="item_id", how="left")
    grouped = ev.groupby([*ids, "target_date"], observed=True, dropna=False, as_index=False)[
        ["actual", "final_forecast"]
    ].sum()
    m = error_metrics(grouped.rename(columns={"final_forecast": "forecast"}))
    wmape, bias = float(m["wmape"].iloc[0]), float(m["pct_bias"].iloc[0])
    acc = max(0.0, 1 - wmape) if settings["forecast_accuracy.floor_at_zero"] else 1 - wmape
    where = f"lag {lag}, {level.replace('_', ' x ')} level"
    floor = ", floored at 0" if settings["forecast_accuracy.floor_at_zero"] else ""
    n = f"{len(grouped):,} {level.replace('_', ' x ')}-months"
    return AccuracyFigures(
        Figure(
            "forecast_accuracy", acc, start, end, f"1 - WMAPE of final forecasts, {where}{floor}", n
        ),
        Figure(
            "forecast_bias",
            bias,
            start,
            end,
            f"sum(forecast - actual) / sum(actual), final forecasts, {where}",
            n,
        ),
    )


# --------------------------------------------------------------------------- delivery


def _days(n) -> str:
    return f"{n} day" if int(n) == 1 else f"{n} days"


def _otif_text(defn: dict, what: str) -> str:
    tol = (
        f", in full within {defn['in_full_tolerance']:.0%}"
        if defn["in_full_tolerance"]
        else ", in full"
    )
    return (
        f"{what} {'lines' if defn['level'] == 'line' else 'orders'} on time ({_days(defn['early_days'])} early to "
        f"{_days(defn['late_days'])} late against the {defn['reference']} date){tol}"
    )


def supplier_otif_flags(po: pd.DataFrame, settings: Settings) -> DeliveryFlags:
    """Per PO line (or order) on-time / in-full / OTIF flags by the company definition."""
    return otif(po, **otif_options(settings.section("supplier_otif")))


def supplier_otif(po: pd.DataFrame, settings: Settings) -> Figure:
    """Company supplier OTIF over the window of due dates (``supplier_otif`` settings), pooled over
    lines (or orders): OTIF lines / received-or-overdue lines. Unavailable (NaN) without receipt
    dates or quantities, never reported as missed."""
    defn = settings.section("supplier_otif")
    flags, unavailable = supplier_otif_flags(po, settings)
    due = f"{defn['reference']}_date"
    start, end = reporting_window(
        po["receipt_date"]
        if "receipt_date" in po.columns and po["receipt_date"].notna().any()
        else po[due],
        settings,
    )
    w = flags[_in_window(flags[due], start, end)] if due in flags.columns else flags.iloc[0:0]
    value = float(w["otif"].mean()) if len(w) and "otif" not in unavailable else float("nan")
    basis = (
        f"{len(w):,} PO {'lines' if defn['level'] == 'line' else 'orders'}"
        if "otif" not in unavailable
        else unavailable["otif"]
    )
    return Figure("supplier_otif", value, start, end, _otif_text(defn, "PO"), basis)


def customer_otif_flags(sales: pd.DataFrame, settings: Settings) -> DeliveryFlags:
    """Per sales order line (or order) on-time / in-full / OTIF flags by the company definition."""
    return otif(sales, **otif_options(settings.section("customer_otif"), party="customer"))


def customer_otif(sales: pd.DataFrame, settings: Settings) -> Figure:
    """Company customer OTIF over the window of due dates (``customer_otif`` settings)."""
    defn = settings.section("customer_otif")
    flags, unavailable = customer_otif_flags(sales, settings)
    due = f"{defn['reference']}_date"
    start, end = reporting_window(
        sales["delivery_date"] if sales["delivery_date"].notna().any() else sales["order_date"],
        settings,
    )
    w = flags[_in_window(flags[due], start, end)]
    value = float(w["otif"].mean()) if len(w) and "otif" not in unavailable else float("nan")
    basis = f"{len(w):,} customer order {'lines' if defn['level'] == 'line' else 'orders'}"
    return Figure("customer_otif", value, start, end, _otif_text(defn, "customer order"), basis)


def sales_window(sales: pd.DataFrame, settings: Settings) -> Window:
    """The company reporting window of the customer-order reports (fill rate, customer OTIF,
    cost to serve): placed on the delivery dates when any line is delivered, else on the order
    dates (:func:`reporting_window`), so every report of the order lines covers the same months.

    >>> from scmlib.core.settings import load_settings
    >>> s = pd.DataFrame({"order_date": pd.to_datetime(["2026-09-20"]),
    ...                   "delivery_date": pd.to_datetime(["2026-10-31"])})
    >>> w = sales_window(s, load_settings(None))
    >>> f"{w.start:%b %Y} to {w.end:%b %Y}"
    'Nov 2025 to Oct 2026'
    """
    delivered = "delivery_date" in sales.columns and sales["delivery_date"].notna().any()
    return reporting_window(sales["delivery_date" if delivered else "order_date"], settings)


def fill_rate(sales: pd.DataFrame, settings: Settings) -> Figure:
    """Unit fill rate: delivered / ordered units of the order lines delivered, by order date in the
    window (Silver, Pyke & Peterson 1998, 7.3: the fraction of demand satisfied from stock)."""
    s = sales[sales["delivery_date"].notna()]
    start, end = sales_window(sales, settings)
    w = s[_in_window(s["order_date"], start, end)]
    ordered = float(w["ordered_qty"].sum())
    value = float(w["delivered_qty"].fillna(0).sum()) / ordered if ordered > 0 else float("nan")
    return Figure(
        "fill_rate",
        value,
        start,
        end,
        "delivered / ordered units of delivered order lines, by order date",
        f"{len(w):,} order lines",
    )


# --------------------------------------------------------------------------- inventory


def valued_snapshots(
    snapshots: pd.DataFrame, items: pd.DataFrame, settings: Settings
) -> pd.DataFrame:
    """Stock snapshots with ``unit_cost`` by the company valuation basis (``inventory.valuation``):
    the item master's standard cost, or the cost recorded in each snapshot. Every stock value in
    every report is computed from this frame."""
    if settings["inventory.valuation"] == "snapshot_cost":
        return snapshots
    cost = snapshots["item_id"].map(items.set_index("item_id")["unit_cost"])
    if cost.isna().any():
        missing = snapshots.loc[cost.isna(), "item_id"].unique()[:5].tolist()
        raise DataError(
            f"table 'items': no unit_cost for stocked item(s) {missing}; add them to the item master "
            "or set inventory.valuation: snapshot_cost in the company settings"
        )
    return snapshots.assign(unit_cost=cost.to_numpy(dtype=float))


def stock_positions(
    snapshots: pd.DataFrame, items: pd.DataFrame, settings: Settings
) -> pd.DataFrame:
    """The latest snapshot's stock per item-location with its unit cost and value by the company
    valuation basis (see :func:`valued_snapshots`)."""
    latest = snapshots["snapshot_date"].max()
    cur = valued_snapshots(snapshots[snapshots["snapshot_date"] == latest], items, settings)
    out = cur[["snapshot_date", "item_id", "location_id", "on_hand_qty", "unit_cost"]].copy()
    out["stock_value"] = out["on_hand_qty"].to_numpy(dtype=float) * out["unit_cost"].to_numpy(
        dtype=float
    )
    return out.reset_index(drop=True)


def stock_value(snapshots: pd.DataFrame, items: pd.DataFrame, settings: Settings) -> Figure:
    """Stock on hand at the latest snapshot, valued by ``inventory.valuation``."""
    pos = stock_positions(snapshots, items, settings)
    latest = pos["snapshot_date"].max() if len(pos) else None
    basis = (
        "item master standard cost"
        if settings["inventory.valuation"] == "standard_cost"
        else "snapshot unit cost"
    )
    return Figure(
        "stock_value",
        float(pos["stock_value"].sum()),
        latest,
        latest,
        f"units on hand x {basis}, latest snapshot",
        f"{len(pos):,} item-locations",
    )


def days_of_supply(
    snapshots: pd.DataFrame, demand: pd.DataFrame, items: pd.DataFrame, settings: Settings
) -> Figure:
    """Days of supply = stock value / average daily demand value over the window (demand valued at
    the same unit costs as the stock; Chopra & Meindl, *Supply Chain Management*, 6th ed., 3.7)."""
    pos = stock_positions(snapshots, items, settings)
    start, end = reporting_window(demand["date"], settings, periodic=True)
    d = demand[_in_window(demand["date"], start, end)]
    cost = d["item_id"].map(items.set_index("item_id")["unit_cost"]).to_numpy(dtype=float)
    days = (end - start).days + 1
    daily = float(np.nansum(d["quantity"].clip(lower=0).to_numpy(dtype=float) * cost)) / days
    value = float(pos["stock_value"].sum()) / daily if daily > 0 else float("nan")
    return Figure(
        "days_of_supply",
        value,
        start,
        end,
        "stock value at the latest snapshot / average daily demand value in the window",
        f"{len(pos):,} item-locations",
    )


# --------------------------------------------------------------------------- procurement


def spend_total(
    invoices: pd.DataFrame,
    settings: Settings,
    amount: str = "amount_rc",
    date: str = "invoice_date",
) -> Figure:
    """Spend in the reporting currency over the window of invoice dates (``amount`` already converted
    by :func:`scmlib.core.currency.to_reporting_currency` under the company rate policy)."""
    start, end = reporting_window(invoices[date], settings)
    w = invoices[_in_window(invoices[date], start, end)]
    return Figure(
        "spend_total",
        float(w[amount].sum()),
        start,
        end,
        f"invoiced amounts in {settings['currency.reporting']} ({settings['currency.rate_policy']} exchange rates), by invoice date",
        f"{len(w):,} invoice lines",
    )


def spend_by_supplier(
    invoices: pd.DataFrame,
    settings: Settings,
    key: str = "supplier_id",
    amount: str = "amount_rc",
    date: str = "invoice_date",
) -> pd.Series:
    """Invoiced spend per ``key`` over the window of :func:`spend_total`: the parts that add up
    to that figure (a report ranking suppliers by spend shows the same total)."""
    start, end = reporting_window(invoices[date], settings)
    w = invoices[_in_window(invoices[date], start, end)]
    return w.groupby(key, observed=True)[amount].sum()


def spend_suppliers(
    invoices: pd.DataFrame,
    settings: Settings,
    amount: str = "amount_rc",
    date: str = "invoice_date",
    supplier: str = "supplier",
    window: tuple[pd.Timestamp, pd.Timestamp] | None = None,
) -> Figure:
    """Suppliers with invoiced spend over the window of :func:`spend_total` (or ``window``,
    that same window, for rows dated by month such as a spend cube's): distinct
    ``supplier`` values (the harmonised company names of
    :func:`scmlib.procurement.spend.prepare_spend`, so two spellings of one company count once)
    whose lines in the window sum to more than zero (the supplier count of a spend cube, CIPS
    spend-analysis guidance).

    >>> from scmlib.core.settings import load_settings
    >>> settings = load_settings().with_overrides(calendar__window_months=2)
    >>> inv = pd.DataFrame({"invoice_date": pd.to_datetime(["2025-01-10", "2025-01-20",
    ...     "2025-02-28", "2024-01-01"]), "amount_rc": [10.0, 5.0, 7.0, 3.0],
    ...     "supplier": ["Acme", "Acme", "Bolt", "Old"]})
    >>> spend_suppliers(inv, settings).value
    2.0
    """
    start, end = window or reporting_window(invoices[date], settings)
    w = invoices[_in_window(invoices[date], start, end)]
    by = w.groupby(supplier, observed=True)[amount].sum()
    return Figure(
        "spend_suppliers",
        float((by > 0).sum()),
        start,
        end,
        "distinct suppliers (names harmonised into companies) with invoiced spend, by invoice date",
        f"{len(w):,} invoice lines",
    )


def supplier_ppm(quality: pd.DataFrame, settings: Settings) -> Figure:
    """Supplier quality in parts per million: rejected / received (inspected) units x 1,000,000 over
    the window of receipt dates (the automotive PPM of AIAG / VDA supplier quality manuals)."""
    start, end = reporting_window(quality["receipt_date"], settings)
    w = quality[_in_window(quality["receipt_date"], start, end)]
    received = float(w["received_qty"].sum())
    value = 1e6 * float(w["rejected_qty"].sum()) / received if received > 0 else float("nan")
    return Figure(
        "supplier_ppm",
        value,
        start,
        end,
        "rejected / received units x 1,000,000, by receipt date",
        f"{len(w):,} receipts",
    )


def order_cycle_time(sales: pd.DataFrame, settings: Settings) -> Figure:
    """Mean days from customer order to delivery per delivered order line, by delivery date."""
    s = sales[sales["delivery_date"].notna()]
    start, end = reporting_window(s["delivery_date"] if len(s) else sales["order_date"], settings)
    w = s[_in_window(s["delivery_date"], start, end)]
    value = float((w["delivery_date"] - w["order_date"]).dt.days.mean()) if len(w) else float("nan")
    return Figure(
        "order_cycle_time",
        value,
        start,
        end,
        "mean days from order date to delivery date per order line, by delivery date",
        f"{len(w):,} delivered order lines",
    )


def return_rate(sales: pd.DataFrame, settings: Settings) -> Figure:
    """Returned / delivered units of the order lines delivered in the window (by delivery date)."""
    s = sales[sales["delivery_date"].notna()]
    start, end = reporting_window(s["delivery_date"] if len(s) else sales["order_date"], settings)
    w = s[_in_window(s["delivery_date"], start, end)]
    delivered = float(w["delivered_qty"].fillna(0).sum())
    if "returned_qty" not in w.columns or delivered <= 0:
        return Figure(
            "return_rate",
            float("nan"),
            start,
            end,
            "returned / delivered units",
            "no returned_qty in sales_order_lines",
        )
    return Figure(
        "return_rate",
        float(w["returned_qty"].fillna(0).sum()) / delivered,
        start,
        end,
        "returned / delivered units, by delivery date",
        f"{len(w):,} delivered order lines",
    )


# --------------------------------------------------------------------------- monthly series


def monthly_series(data, settings: Settings) -> pd.DataFrame:
    """Monthly values of the operational KPIs by the same definitions as the headline figures
    (long frame: period, kpi, value): each month's pooled rate, bucketed by the same date that
    places a row in the headline window. ``data`` maps table names to frames (a Dataset works)."""
    parts = []

    def add(series: pd.Series, kpi: str) -> None:
        s = series.dropna()
        parts.append(
            pd.DataFrame({"period": s.index, "kpi": kpi, "value": s.to_numpy(dtype=float)})
        )

    def month(s: pd.Series) -> pd.Series:
        return s.dt.to_period("M").dt.start_time

    snaps, demand, items = (
        data.get("forecast_snapshots"),
        data.get("demand_history"),
        data.get("items"),
    )
    if snaps is not None and demand is not None and len(snaps):
        level, lag = settings["forecast_accuracy.level"], int(settings["forecast_accuracy.lag"])
        base = [
            c
            for c in ("item_id", "location_id")
            if c in snaps.columns and c in demand.columns and snaps[c].notna().any()
        ]
        ev = attach_actuals(snaps[snaps["lag"] == lag], demand, base)
        if level == "category" and items is not None:
            ev = ev.merge(items[["item_id", "category"]], on="item_id", how="left")
        ids = LEVEL_IDS[level] if level != "item_location" or "location_id" in base else ["item_id"]
        g = ev.groupby([*ids, "target_date"], observed=True, dropna=False, as_index=False)[
            ["actual", "final_forecast"]
        ].sum()
        m = error_metrics(
            g.rename(columns={"final_forecast": "forecast"}), ["target_date"]
        ).set_index("target_date")
        floor = settings["forecast_accuracy.floor_at_zero"]
        add((1 - m["wmape"]).clip(lower=0) if floor else 1 - m["wmape"], "forecast_accuracy")
        add(m["pct_bias"], "forecast_bias")
    po = data.get("purchase_order_lines")
    if po is not None and len(po):
        flags, unavailable = supplier_otif_flags(po, settings)
        due = f"{settings['supplier_otif.reference']}_date"
        if "otif" not in unavailable:
            add(flags.groupby(month(flags[due]))["otif"].mean(), "supplier_otif")
    quality = data.get("quality_receipts")
    if quality is not None and len(quality):
        q = quality.groupby(month(quality["receipt_date"]))[["rejected_qty", "received_qty"]].sum()
        add(
            1e6 * q["rejected_qty"] / q["received_qty"].where(q["received_qty"] > 0), "supplier_ppm"
        )
    sales = data.get("sales_order_lines")
    if sales is not None and len(sales):
        s = sales[sales["delivery_date"].notna()]
        g = s.groupby(month(s["order_date"]))
        add(
            g["delivered_qty"].sum() / g["ordered_qty"].sum().where(g["ordered_qty"].sum() > 0),
            "fill_rate",
        )
        flags, unavailable = customer_otif_flags(sales, settings)
        due = f"{settings['customer_otif.reference']}_date"
        if "otif" not in unavailable:
            add(flags.groupby(month(flags[due]))["otif"].mean(), "customer_otif")
        add(
            (s["delivery_date"] - s["order_date"])
            .dt.days.groupby(month(s["delivery_date"]))
            .mean(),
            "order_cycle_time",
        )
        if "returned_qty" in s.columns:
            gd = s.groupby(month(s["delivery_date"]))
            add(
                gd["returned_qty"].sum()
                / gd["delivered_qty"].sum().where(gd["delivered_qty"].sum() > 0),
                "return_rate",
            )
    if not parts:
        return pd.DataFrame(columns=["period", "kpi", "value"])
    return pd.concat(parts, ignore_index=True)


def operational_figures(data, settings: Settings) -> list[Figure]:
    """Every operational headline figure the data allows (``data`` maps table names to frames)."""
    figs: list[Figure] = []
    snaps, demand = data.get("forecast_snapshots"), data.get("demand_history")
    if snaps is not None and demand is not None and len(snaps):
        figs += list(forecast_accuracy(snaps, demand, data.get("items"), settings))
    po = data.get("purchase_order_lines")
    if po is not None and len(po):
        figs.append(supplier_otif(po, settings))
    quality = data.get("quality_receipts")
    if quality is not None and len(quality):
        figs.append(supplier_ppm(quality, settings))
    sales = data.get("sales_order_lines")
    if sales is not None and len(sales):
        figs += [
            fill_rate(sales, settings),
            customer_otif(sales, settings),
            order_cycle_time(sales, settings),
            return_rate(sales, settings),
        ]
    return figs


def material_purchases(
    po: pd.DataFrame,
    rates: pd.DataFrame | None,
    settings: Settings,
    start: pd.Timestamp,
    end: pd.Timestamp,
) -> float:
    """Material purchases over [start, end]: the value of the item (direct material) PO lines
    received in the window, in the reporting currency under the company rate policy; the base of
    days payables outstanding in SCOR 12.0 AM.1.1 (accounts payable / material purchases x days)."""
    from scmlib.core.currency import to_reporting_currency

    if "item_id" not in po.columns or "receipt_date" not in po.columns:
        return float("nan")
    lines = po[po["item_id"].notna() & po["receipt_date"].notna()]
    lines = lines[_in_window(lines["receipt_date"], start, end)]
    qty = (
        lines["received_qty"].fillna(lines["ordered_qty"])
        if "received_qty" in lines.columns
        else lines["ordered_qty"]
    )
    value = lines.assign(
        amount=qty.to_numpy(dtype=float) * lines["unit_price"].to_numpy(dtype=float)
    )
    converted = to_reporting_currency(
        value,
        rates,
        settings["currency.reporting"],
        date="receipt_date",
        policy=settings["currency.rate_policy"],
    )
    return float(converted.sum())
