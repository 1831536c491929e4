"""Demand-Driven MRP (DDMRP): buffer profiles, zones, net flow, order recommendations and
priorities, dynamic adjustments and a decoupling-point screen.

Every function is vectorised over item-locations (tidy frames in, tidy frames out, numpy inside).
The formulas are those of Ptak & Smith, *Demand Driven Material Requirements Planning (DDMRP)*,
Industrial Press, 2016 (2nd ed. 2019), chapters 7-9 and 11 (buffer zones, dynamic adjustments,
net flow equation, planning and execution priority), and the Demand Driven Institute's
definitions. They were compared with the reference open-source implementation, the Odoo
Community Association module ``OCA/ddmrp`` (``ddmrp/models/stock_buffer.py``: ``_compute_red_zone``,
``_compute_yellow_zone``, ``_compute_green_zone``, ``_calc_qualified_demand``,
``_calc_net_flow_position``, ``_compute_procure_recommended_qty`` / ``_adjust_procure_qty``,
``_calc_planning_priority``, ``_calc_execution_priority``; ``ddmrp_adjustment/models/stock_buffer.py``
for demand adjustment factors), whose own tests (``ddmrp/tests/test_ddmrp.py``, tests 10-13 and
20-23) are the worked examples of ``tests/test_ddmrp.py``. Where this module differs from the OCA
module it says so in the function's docstring.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from scmlib.core.frames import require_columns
from scmlib.errors import DataError, ParameterError

# DDI defaults (Ptak & Smith 2016, ch. 7, "buffer profiles"): SHORT lead time -> HIGH factor
LEAD_TIME_FACTORS: dict[str, float] = {"short": 0.75, "medium": 0.5, "long": 0.25}
VARIABILITY_FACTORS: dict[str, float] = {"low": 0.25, "medium": 0.5, "high": 0.75}
XYZ_VARIABILITY = {"X": "low", "Y": "medium", "Z": "high"}  # the suite's XYZ classes
PLANNING_ZONES = ("red", "yellow", "green", "above green", "no usage", "end of life")
EXECUTION_ZONES = ("stock-out", "red", "yellow", "green", "end of life")
ALERT_ZONES = ("stock-out", "red", "yellow")  # on hand below the top of red: expedite
ZONE_COLOURS = {
    "stock-out": "#8b0000",
    "red": "#c0392b",
    "yellow": "#f1c40f",
    "green": "#27ae60",
    "above green": "#2e86c1",
    "no usage": "#95a5a6",
    "end of life": "#7f8c8d",
}


# --------------------------------------------------------------------------- buffer profiles


def lead_time_category(dlt_days, short_days: float = 21, long_days: float = 45) -> np.ndarray:
    """Lead-time category of each decoupled lead time: ``short`` (DLT <= ``short_days``),
    ``long`` (DLT > ``long_days``), else ``medium`` (Ptak & Smith 2016, ch. 7: lead-time
    categories are relative to the company's own range of lead times, so the cut-offs are
    parameters).

    Examples
    --------
    >>> lead_time_category([7, 30, 60]).tolist()
    ['short', 'medium', 'long']
    """
    if not (0 <= short_days < long_days):
        raise ParameterError(
            f"lead-time cut-offs must satisfy 0 <= short ({short_days}) < long ({long_days}) days"
        )
    d = np.asarray(dlt_days, dtype=float)
    return np.where(d <= short_days, "short", np.where(d > long_days, "long", "medium"))


def _factor_map(given: Mapping[str, float] | None, default: Mapping[str, float], what: str):
    factors = {**default, **(given or {})}
    unknown = sorted(set(factors) - set(default))
    if unknown:
        raise ParameterError(f"{what} factors: unknown categories {unknown}; use {list(default)}")
    bad = {k: v for k, v in factors.items() if not (0 < float(v) <= 2)}
    if bad:
        raise ParameterError(f"{what} factors must be in (0, 2], got {bad}")
    return {k: float(v) for k, v in factors.items()}


def profile_factors(
    lead_time_categories,
    variability_categories,
    lead_time_factors: Mapping[str, float] | None = None,
    variability_factors: Mapping[str, float] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Lead-time factor and variability factor of each buffer from its profile categories.

    Defaults (DDI): lead time short 0.75, medium 0.5, long 0.25 (a SHORT lead time gets the HIGH
    factor: its red base and green zone are a larger share of its small yellow zone); variability
    low 0.25, medium 0.5, high 0.75. The OCA module keeps them in ``stock.buffer.profile.lead.time``
    and ``stock.buffer.profile.variability`` with the same meaning.

    Examples
    --------
    >>> ltf, vf = profile_factors(["short", "long"], ["high", "low"])
    >>> ltf.tolist(), vf.tolist()
    ([0.75, 0.25], [0.75, 0.25])
    """
    lt = _factor_map(lead_time_factors, LEAD_TIME_FACTORS, "lead-time")
    var = _factor_map(variability_factors, VARIABILITY_FACTORS, "variability")
    ltc = pd.Series(np.asarray(lead_time_categories, dtype=object))
    vc = pd.Series(np.asarray(variability_categories, dtype=object))
    for s, table, what in ((ltc, lt, "lead-time"), (vc, var, "variability")):
        bad = sorted(set(s.dropna()) - set(table))
        if bad:
            raise DataError(f"unknown {what} categories {bad[:5]}; use {list(table)}")
    return ltc.map(lt).to_numpy(float), vc.map(var).to_numpy(float)


# --------------------------------------------------------------------------- demand and ADU


def daily_demand(
    sales: pd.DataFrame | None = None,
    demand_history: pd.DataFrame | None = None,
    keys: Sequence[str] = ("item_id", "location_id"),
) -> tuple[pd.DataFrame, str]:
    """Daily demand per item-location, and the method used.

    With ``sales`` (``sales_order_lines``): the units ordered on each order date (the demo's
    ``demand_history`` is these lines summed by order month). Without: each month of
    ``demand_history`` spread evenly over the days of that month (deterministic; a month's total
    is kept exactly). Returns columns ``keys + [date, quantity]`` (days without demand omitted).

    Examples
    --------
    >>> h = pd.DataFrame({"item_id": ["a"], "location_id": ["L"],
    ...                   "date": pd.to_datetime(["2024-02-01"]), "quantity": [29.0]})
    >>> d, how = daily_demand(demand_history=h)
    >>> len(d), float(d["quantity"].sum()), how
    (29, 29.0, 'monthly demand spread evenly over the days of each month')
    """
    keys = list(keys)
    if sales is not None and len(sales):
        require_columns(sales, [*keys, "order_date", "ordered_qty"], "DDMRP: sales_order_lines")
        g = sales.groupby([*keys, "order_date"], observed=True, dropna=False)["ordered_qty"].sum()
        out = g.reset_index().rename(columns={"order_date": "date", "ordered_qty": "quantity"})
        return out, "sales order lines by order date"
    if demand_history is None:
        raise DataError("DDMRP: daily demand needs sales_order_lines or demand_history")
    require_columns(demand_history, [*keys, "date", "quantity"], "DDMRP: demand_history")
    h = demand_history[demand_history["quantity"].notna()]
    start = h["date"].dt.to_period("M").dt.start_time
    days = h["date"].dt.days_in_month.to_numpy()
    rep = np.repeat(np.arange(len(h)), days)
    offset = np.arange(len(rep)) - np.repeat(np.cumsum(days) - days, days)
    out = h.iloc[rep][keys].reset_index(drop=True)
    out["date"] = start.to_numpy()[rep] + pd.to_timedelta(offset, unit="D")
    out["quantity"] = (h["quantity"].to_numpy(float) / days)[rep]
    return out, "monthly demand spread evenly over the days of each month"


def adu_past(daily: pd.DataFrame, keys: Sequence[str], as_of, days: int = 90) -> pd.DataFrame:
    """Past average daily usage: demand of the ``days`` days before ``as_of`` (``as_of`` itself
    excluded, as in the OCA module's ``_calc_adu_past_demand``) divided by ``days``. Negative
    daily totals (net returns) count as zero. Returns ``keys + [adu_past]``.
    """
    keys = list(keys)
    if days < 1:
        raise ParameterError(f"the past ADU window must be at least 1 day, got {days}")
    as_of = pd.Timestamp(as_of)
    w = daily[(daily["date"] < as_of) & (daily["date"] >= as_of - pd.Timedelta(days=days))]
    g = w.assign(q=w["quantity"].clip(lower=0)).groupby(keys, observed=True)["q"].sum()
    return (g / days).rename("adu_past").reset_index()


def adu_forward(
    forecast: pd.DataFrame,
    keys: Sequence[str],
    as_of,
    days: int = 90,
    value: str = "final_forecast",
) -> pd.DataFrame:
    """Forward (forecast) average daily usage over the ``days`` days from ``as_of``.

    ``forecast`` holds monthly forecasts (``forecast_snapshots``: ``forecast_date``,
    ``target_date`` = month start, ``value``). For each target month the latest forecast made on
    or before ``as_of`` is used, spread evenly over the month's days; the ADU is the forecast
    units falling in the window divided by the days of the window the forecasts cover
    (``forward_days_covered``; ADU is missing when none are). As the OCA module's
    ``_calc_adu_future_demand`` with demand estimates.
    """
    keys = list(keys)
    require_columns(
        forecast, [*keys, "forecast_date", "target_date", value], "DDMRP: forecast_snapshots"
    )
    as_of = pd.Timestamp(as_of)
    end = as_of + pd.Timedelta(days=days)
    f = forecast[(forecast["forecast_date"] <= as_of) & (forecast["target_date"] < end)]
    f = f.sort_values("forecast_date").drop_duplicates([*keys, "target_date"], keep="last")
    start = f["target_date"].dt.to_period("M").dt.start_time
    month_days = f["target_date"].dt.days_in_month.to_numpy()
    lo = np.maximum(start.to_numpy(), as_of.to_datetime64())
    hi = np.minimum((start + pd.to_timedelta(month_days, unit="D")).to_numpy(), end.to_numpy())
    overlap = np.clip((hi - lo) / np.timedelta64(1, "D"), 0, None)
    units = f[value].to_numpy(float).clip(min=0) / month_days * overlap
    g = (
        f[keys]
        .assign(units=units, covered=overlap)
        .groupby(keys, observed=True)[["units", "covered"]]
        .sum()
    )
    out = pd.DataFrame(
        {
            "adu_forward": np.where(
                g["covered"] > 0, g["units"] / g["covered"].where(g["covered"] > 0), np.nan
            ),
            "forward_days_covered": g["covered"].to_numpy(),
        },
        index=g.index,
    )
    return out.reset_index()


def blend_adu(adu_past, adu_forward, method: str = "past", past_weight: float = 0.5):
    """ADU by ``method``: ``past``, ``forward`` or ``blended`` = w x past + (1 - w) x forward
    (the OCA module's ``_calc_adu_blended`` with ``factor_past`` w and ``factor_future`` 1 - w).
    Where the forward ADU is missing (no forecast) the past ADU is used.

    Examples
    --------
    >>> blend_adu([3.0], [1.0], "blended", 0.5).tolist()  # OCA test_08: 3 x 0.5 + 1 x 0.5
    [2.0]
    """
    if method not in ("past", "forward", "blended"):
        raise ParameterError(f"adu_method must be past, forward or blended, got {method!r}")
    if not 0 <= past_weight <= 1:
        raise ParameterError(f"adu_past_weight must be in [0, 1], got {past_weight}")
    p = np.asarray(adu_past, dtype=float)
    f = np.asarray(adu_forward, dtype=float)
    f = np.where(np.isnan(f), p, f)
    if method == "past":
        return p
    if method == "forward":
        return f
    return past_weight * p + (1 - past_weight) * f


def adjustment_factors(
    buffers: pd.DataFrame, adjustments: Sequence[Mapping] | None, day
) -> tuple[np.ndarray, np.ndarray]:
    """Planned demand adjustment factor (DAF) of each buffer on ``day``, and its reasons.

    ``adjustments``: a list of ``{"start": date, "end": date, "factor": f}`` with optional
    filters ``item_id``, ``location_id``, ``category`` (a value or a list) and a ``reason``
    (seasonality, promotion, ramp-up, ramp-down, ...). Every adjustment whose period contains
    ``day`` and whose filters match applies; several multiply (as the OCA module's
    ``ddmrp_adjustment``: ``adu *= product of the DAFs in force``; Ptak & Smith 2016, ch. 9).

    Examples
    --------
    >>> b = pd.DataFrame({"item_id": ["a", "b"], "category": ["Tools", "Safety"]})
    >>> adj = [{"category": "Tools", "start": "2026-11-01", "end": "2026-12-31", "factor": 1.5}]
    >>> adjustment_factors(b, adj, "2026-11-15")[0].tolist()
    [1.5, 1.0]
    """
    n = len(buffers)
    factor = np.ones(n)
    reason = np.full(n, "", dtype=object)
    day = pd.Timestamp(day)
    for k, adj in enumerate(adjustments or []):  # a handful of planned adjustments
        unknown = sorted(
            set(adj) - {"start", "end", "factor", "reason", "item_id", "location_id", "category"}
        )
        if unknown or not {"start", "end", "factor"} <= set(adj):
            raise ParameterError(
                f"adjustments[{k}] needs start, end and factor (optional item_id, location_id, "
                f"category, reason); got keys {sorted(adj)}"
            )
        try:
            start, end = pd.Timestamp(adj["start"]), pd.Timestamp(adj["end"])
            f = float(adj["factor"])
        except (TypeError, ValueError) as e:
            raise ParameterError(f"adjustments[{k}]: {e}") from None
        if end < start or not f > 0:
            raise ParameterError(f"adjustments[{k}]: need start <= end and factor > 0, got {adj!r}")
        if not start <= day <= end:
            continue
        match = np.ones(n, dtype=bool)
        for col in ("item_id", "location_id", "category"):
            if col in adj:
                if col not in buffers.columns:
                    raise ParameterError(f"adjustments[{k}] filters on {col}, which is not known")
                wanted = adj[col] if isinstance(adj[col], (list, tuple)) else [adj[col]]
                match &= buffers[col].astype(str).isin([str(w) for w in wanted]).to_numpy()
        factor = np.where(match, factor * f, factor)
        text = f"{adj.get('reason', 'adjustment')} x{f:g}"
        reason = np.where(match, np.where(reason == "", text, reason + "; " + text), reason)
    return factor, reason


# --------------------------------------------------------------------------- zones and net flow


def buffer_zones(buffers: pd.DataFrame) -> pd.DataFrame:
    """Buffer zones of each item-location (Ptak & Smith 2016, ch. 7; OCA ``_compute_*_zone``).

    Needs ``adu`` (units/day), ``dlt_days``, ``lead_time_factor``, ``variability_factor``;
    optional ``order_cycle_days`` and ``min_order_qty`` (0 when absent). Adds:

    - red base = ADU x DLT x LTF; red safety = red base x VF; red = base + safety
    - yellow = ADU x DLT
    - green = max(ADU x order cycle, ADU x DLT x LTF, MOQ)
    - top of red = red; top of yellow = red + yellow; top of green = top of yellow + green
    - average on-hand target = red + green / 2 (Ptak & Smith, ch. 7)

    Zones are not rounded (the OCA module rounds each to the unit of measure's precision).

    Examples
    --------
    OCA ``test_23_buffer_zones_all``: ADU 4, DLT 10, LTF 0.5, VF 0.5.

    >>> z = buffer_zones(pd.DataFrame({"adu": [4.0], "dlt_days": [10],
    ...     "lead_time_factor": [0.5], "variability_factor": [0.5]}))
    >>> z[["red_base", "red_safety", "top_of_red", "top_of_yellow", "top_of_green"]].iloc[0].tolist()
    [20.0, 10.0, 30.0, 70.0, 90.0]
    """
    require_columns(
        buffers, ["adu", "dlt_days", "lead_time_factor", "variability_factor"], "DDMRP buffers"
    )
    adu = buffers["adu"].to_numpy(float)
    dlt = buffers["dlt_days"].to_numpy(float)
    if np.isnan(adu).any() or (adu < 0).any():
        ex = buffers.loc[~(buffers["adu"] >= 0)].head(3).index.tolist()
        raise DataError(f"DDMRP buffers: ADU must be known and >= 0 (rows {ex})")
    if np.isnan(dlt).any() or (dlt < 0).any():
        ex = buffers.loc[~(buffers["dlt_days"] >= 0)].head(3).index.tolist()
        raise DataError(
            f"DDMRP buffers: decoupled lead time missing or negative (rows {ex}); fill "
            "items.lead_time_days or provide PO receipts"
        )
    ltf = buffers["lead_time_factor"].to_numpy(float)
    vf = buffers["variability_factor"].to_numpy(float)
    n = len(buffers)
    oc = (
        buffers["order_cycle_days"].to_numpy(float)
        if "order_cycle_days" in buffers
        else np.zeros(n)
    )
    moq = buffers["min_order_qty"].to_numpy(float) if "min_order_qty" in buffers else np.zeros(n)
    out = buffers.copy()
    red_base = adu * dlt * ltf
    red_safety = red_base * vf
    red = red_base + red_safety
    yellow = adu * dlt
    green_lt = adu * dlt * ltf
    green = np.maximum.reduce([np.nan_to_num(adu * oc), green_lt, np.nan_to_num(moq)])
    out["red_base"] = red_base
    out["red_safety"] = red_safety
    out["red_zone"] = red
    out["yellow_zone"] = yellow
    out["green_zone"] = green
    out["top_of_red"] = red
    out["top_of_yellow"] = red + yellow
    out["top_of_green"] = red + yellow + green
    out["average_on_hand_target"] = red + green / 2
    return out


def open_sales_orders(sales: pd.DataFrame, as_of, keys: Sequence[str]) -> pd.DataFrame:
    """Sales order lines open at ``as_of``: ordered on or before it and not shipped by it
    (``ship_date`` empty or later). Their due date is the requested date. Returns
    ``keys + [due_date, quantity]``."""
    keys = list(keys)
    require_columns(
        sales, [*keys, "order_date", "requested_date", "ordered_qty"], "DDMRP: sales_order_lines"
    )
    as_of = pd.Timestamp(as_of)
    shipped = sales["ship_date"] if "ship_date" in sales.columns else pd.Series(pd.NaT, sales.index)
    is_open = (sales["order_date"] <= as_of) & ~(shipped <= as_of)
    o = sales.loc[is_open, [*keys, "requested_date", "ordered_qty"]]
    return o.rename(columns={"requested_date": "due_date", "ordered_qty": "quantity"})


def qualified_demand(
    open_orders: pd.DataFrame,
    thresholds: pd.DataFrame,
    keys: Sequence[str],
    as_of,
) -> pd.DataFrame:
    """Qualified demand per buffer: past-due + due today + order spikes.

    ``open_orders``: ``keys + [due_date, quantity]``; ``thresholds``: ``keys +
    [spike_threshold, spike_horizon_days]``. Open demand is summed per due day (as the OCA
    module's ``_get_demand_by_days``); a day within the spike horizon (``as_of`` < due <=
    ``as_of`` + horizon) whose total is at or above the buffer's spike threshold is a spike and
    qualifies (OCA ``_calc_qualified_demand`` uses >=; Ptak & Smith 2016, ch. 8). Days beyond
    the horizon and days below the threshold do not qualify.

    Returns ``keys + [past_due_qty, due_today_qty, spike_qty, spike_days, qualified_demand]`` for
    every buffer of ``thresholds``.
    """
    keys = list(keys)
    require_columns(open_orders, [*keys, "due_date", "quantity"], "DDMRP: open orders")
    require_columns(thresholds, [*keys, "spike_threshold", "spike_horizon_days"], "DDMRP buffers")
    as_of = pd.Timestamp(as_of).normalize()
    base = thresholds[[*keys, "spike_threshold", "spike_horizon_days"]]
    day = (
        open_orders.assign(due_date=open_orders["due_date"].dt.normalize())
        .groupby([*keys, "due_date"], observed=True, dropna=False)["quantity"]
        .sum()
        .reset_index()
        .merge(base, on=keys, how="inner")
    )
    ahead = (day["due_date"] - as_of).dt.days.to_numpy()
    q = day["quantity"].to_numpy(float)
    past = ahead < 0
    today = ahead == 0
    spike = (
        (ahead > 0)
        & (ahead <= day["spike_horizon_days"].to_numpy(float))
        & (q >= day["spike_threshold"].to_numpy(float))
    )
    parts = day[keys].assign(
        past_due_qty=np.where(past, q, 0.0),
        due_today_qty=np.where(today, q, 0.0),
        spike_qty=np.where(spike, q, 0.0),
        spike_days=spike.astype(int),
    )
    g = parts.groupby(keys, observed=True, dropna=False).sum().reset_index()
    out = base[keys].merge(g, on=keys, how="left")
    cols = ["past_due_qty", "due_today_qty", "spike_qty", "spike_days"]
    out[cols] = out[cols].fillna(0)
    out["spike_days"] = out["spike_days"].astype(int)
    out["qualified_demand"] = out["past_due_qty"] + out["due_today_qty"] + out["spike_qty"]
    return out


def round_order(qty, order_multiple=None, min_order_qty=None) -> np.ndarray:
    """A positive order quantity rounded UP to the order multiple, then raised to the minimum
    order quantity (OCA ``_adjust_procure_qty``: multiple first, then ``procure_min_qty``);
    zero stays zero. A multiple of 0 or missing leaves the quantity as it is.

    Examples
    --------
    >>> round_order([40.0, 41.0, 0.0, 3.0], [10, 10, 10, 0], [0, 0, 0, 5]).tolist()
    [40.0, 50.0, 0.0, 5.0]
    """
    q = np.asarray(qty, dtype=float)
    n = q.shape
    m = np.nan_to_num(
        np.broadcast_to(
            np.asarray(order_multiple if order_multiple is not None else 0, dtype=float), n
        )
    )
    moq = np.nan_to_num(
        np.broadcast_to(
            np.asarray(min_order_qty if min_order_qty is not None else 0, dtype=float), n
        )
    )
    pos = q > 1e-9
    safe_m = np.where(m > 0, m, 1.0)
    rounded = np.where(m > 0, np.ceil(q / safe_m - 1e-9) * safe_m, q)
    return np.where(pos, np.maximum(rounded, moq), 0.0)


def planning_zone(nfp, top_of_red, top_of_yellow, top_of_green) -> np.ndarray:
    """Planning buffer status in words: ``red`` (NFP below top of red), ``yellow`` (up to and
    including top of yellow: an order is due), ``green`` (up to top of green), ``above green``
    (excess). The OCA module counts NFP exactly at top of yellow as green and orders only below
    it; DDI (and this module) order at or below top of yellow, so that point is yellow here."""
    nfp = np.asarray(nfp, dtype=float)
    return np.where(
        nfp < np.asarray(top_of_red),
        "red",
        np.where(
            nfp <= np.asarray(top_of_yellow),
            "yellow",
            np.where(nfp <= np.asarray(top_of_green), "green", "above green"),
        ),
    )


def execution_zone(on_hand, top_of_red) -> np.ndarray:
    """On-hand (execution) alert: ``stock-out`` (nothing on hand while the buffer has a red
    zone), ``red`` (below half the top of red), ``yellow`` (below the top of red), ``green``
    (OCA ``_calc_execution_priority``: >= TOR green, >= 0.5 TOR yellow, else red; the
    stock-out level is the OCA chart's dark red)."""
    oh = np.asarray(on_hand, dtype=float)
    tor = np.asarray(top_of_red, dtype=float)
    return np.where(
        (oh <= 0) & (tor > 0),
        "stock-out",
        np.where(oh < 0.5 * tor, "red", np.where(oh < tor, "yellow", "green")),
    )


def buffer_status(buffers: pd.DataFrame) -> pd.DataFrame:
    """Net flow, order recommendation and priorities of each buffer (zones included).

    Needs the :func:`buffer_zones` inputs plus ``on_hand_qty``, ``on_order_qty`` and
    ``qualified_demand``; optional ``order_multiple`` and ``min_order_qty``. Adds:

    - net flow position = on hand + on order - qualified demand (Ptak & Smith 2016, ch. 8)
    - recommended order = top of green - NFP when NFP <= top of yellow, rounded up to the
      order multiple and at least the MOQ (:func:`round_order`); none for a buffer without
      usage (ADU 0: planning zone ``no usage``)
    - planning priority = NFP / top of green (the lower, the more urgent); planning zone
    - on hand as a share of top of red; execution zone (:func:`execution_zone`)

    Examples
    --------
    OCA ``test_23``: on hand 200, a shipment of 150 due today -> NFP 50, yellow, order 40.

    >>> b = pd.DataFrame({"adu": [4.0], "dlt_days": [10], "lead_time_factor": [0.5],
    ...     "variability_factor": [0.5], "on_hand_qty": [200.0], "on_order_qty": [0.0],
    ...     "qualified_demand": [150.0]})
    >>> s = buffer_status(b).iloc[0]
    >>> float(s["net_flow_position"]), float(s["recommended_qty"]), round(float(s["planning_priority"]), 4)
    (50.0, 40.0, 0.5556)
    >>> s["planning_zone"], s["execution_zone"]
    ('yellow', 'green')
    """
    require_columns(buffers, ["on_hand_qty", "on_order_qty", "qualified_demand"], "DDMRP buffers")
    out = buffer_zones(buffers)
    oh = out["on_hand_qty"].fillna(0).to_numpy(float)
    nfp = (
        oh
        + out["on_order_qty"].fillna(0).to_numpy(float)
        - out["qualified_demand"].fillna(0).to_numpy(float)
    )
    tor, toy, tog = (
        out[c].to_numpy(float) for c in ("top_of_red", "top_of_yellow", "top_of_green")
    )
    # no usage (ADU 0, so no red or yellow zone): no order, however low the stock (an MOQ-sized
    # green zone alone would otherwise order a full lot of an item nobody uses)
    raw = np.where((nfp <= toy) & (toy > 0), tog - nfp, 0.0)
    mult = out["order_multiple"].to_numpy(float) if "order_multiple" in out else None
    moq = out["min_order_qty"].to_numpy(float) if "min_order_qty" in out else None
    out["net_flow_position"] = nfp
    out["recommended_qty"] = round_order(np.where(tog > 0, raw, 0.0), mult, moq)
    safe = np.where(tog > 0, tog, 1.0)
    out["planning_priority"] = np.where(tog > 0, nfp / safe, np.nan)
    out["planning_zone"] = np.where(toy > 0, planning_zone(nfp, tor, toy, tog), "no usage")
    out["on_hand_share_of_red"] = np.where(tor > 0, oh / np.where(tor > 0, tor, 1.0), np.nan)
    out["execution_zone"] = execution_zone(oh, tor)
    return out


def zone_text(frame: pd.DataFrame) -> pd.Series:
    """One line per buffer a planner reads: ``"yellow: net flow 50 of 90 (56% of top of
    green); order 40"``."""
    nfp = frame["net_flow_position"].map("{:,.0f}".format)
    tog = frame["top_of_green"].map("{:,.0f}".format)
    pct = frame["planning_priority"].map(lambda v: "–" if pd.isna(v) else f"{v:.0%}")
    order = np.where(
        frame["recommended_qty"] > 0,
        "; order " + frame["recommended_qty"].map("{:,.0f}".format),
        "",
    )
    text = (
        frame["planning_zone"]
        + ": net flow "
        + nfp
        + " of "
        + tog
        + " ("
        + pct
        + " of top of green)"
        + order
    )
    if "eol_reason" in frame:  # past end of life: the reason, and what is left to run down
        on_hand = frame["on_hand_qty"].map("{:,.0f}".format)
        eol_text = frame["eol_reason"].astype(str) + " (" + on_hand + " on hand)"
        text = text.where(frame["planning_zone"] != "end of life", eol_text)
    return text


# --------------------------------------------------------------------------- lists and segments


def orders_today(status: pd.DataFrame) -> pd.DataFrame:
    """Buffers with a recommended order, most urgent (lowest planning priority) first, with the
    order value when ``unit_cost`` is known."""
    o = status[status["recommended_qty"] > 0].copy()
    if "unit_cost" in o.columns:
        o["order_value"] = o["recommended_qty"] * o["unit_cost"]
    return most_urgent(o)


def execution_alerts(status: pd.DataFrame) -> pd.DataFrame:
    """Buffers whose on hand is below the top of red (stock-out, red, yellow), the lowest on
    hand relative to the top of red first: the list for expediting open supply."""
    rank = {z: i for i, z in enumerate(EXECUTION_ZONES)}
    a = status[status["execution_zone"].isin(ALERT_ZONES)].copy()
    a["_r"] = a["execution_zone"].map(rank)
    return a.sort_values(["_r", "on_hand_share_of_red"]).drop(columns="_r")


def sizes_by_segment(status: pd.DataFrame, by: str | Sequence[str]) -> pd.DataFrame:
    """Buffer sizes by segment: buffers, top-of-green value, average on-hand target value, on
    hand value today, buffers in each planning zone and the recommended order value."""
    by = [by] if isinstance(by, str) else list(by)
    cost = status["unit_cost"].to_numpy(float)
    s = status.assign(
        top_of_green_value=status["top_of_green"] * cost,
        target_on_hand_value=status["average_on_hand_target"] * cost,
        on_hand_value=status["on_hand_qty"] * cost,
        order_value=status["recommended_qty"] * cost,
        in_red=status["planning_zone"].eq("red"),
        in_yellow=status["planning_zone"].eq("yellow"),
        buffers=1,
    )
    cols = [
        "buffers",
        "top_of_green_value",
        "target_on_hand_value",
        "on_hand_value",
        "in_red",
        "in_yellow",
        "order_value",
    ]
    g = s.groupby(by, observed=True)[cols].sum().reset_index()
    g[["in_red", "in_yellow"]] = g[["in_red", "in_yellow"]].astype(int)
    return g


def zone_counts(status: pd.DataFrame, column: str = "planning_zone") -> pd.DataFrame:
    """Buffers per zone (in zone order), with their share."""
    zones = PLANNING_ZONES if column == "planning_zone" else EXECUTION_ZONES
    c = status[column].value_counts().reindex(list(zones), fill_value=0)
    return pd.DataFrame(
        {
            "buffer_zone": c.index,
            "buffers": c.to_numpy(),
            "share": c.to_numpy() / max(len(status), 1),
        }
    )


# --------------------------------------------------------------------------- positioning


def decoupling_screen(
    candidates: pd.DataFrame,
    variability_cv: float = 1.0,
    supply_cv: float = 0.25,
    critical_share: float = 0.2,
    min_score: int = 3,
) -> pd.DataFrame:
    """Screen of candidate decoupling points for the planner (Ptak & Smith 2016, ch. 6: the six
    positioning factors; four are measured from the data here).

    Needs ``dlt_days``, ``customer_tolerance_days`` (how long customers give the company: the
    median requested - order date), ``cv`` (demand variability: coefficient of variation of
    monthly demand), ``lead_time_cv`` (supply variability: lead-time standard deviation / mean),
    ``critical_share`` (share of demand from the top service tier). Flags:

    - ``long_lead_time``: DLT beyond the customer tolerance time (the market will not wait)
    - ``high_variability``: demand CV above ``variability_cv``
    - ``supply_risk``: lead-time CV above ``supply_cv``
    - ``critical_customers``: top-tier share at or above ``critical_share``

    ``positioning_score`` counts the flags; a buffer is recommended (``decouple``) when the lead
    time is beyond the tolerance time and the score reaches ``min_score`` (default 3: two more
    factors besides the lead time). Buffers without demand are never recommended.
    """
    require_columns(
        candidates,
        ["dlt_days", "customer_tolerance_days", "cv", "lead_time_cv", "critical_share"],
        "DDMRP positioning",
    )
    out = candidates.copy()
    flags = {
        "long_lead_time": out["dlt_days"].to_numpy(float)
        > out["customer_tolerance_days"].to_numpy(float),
        "high_variability": out["cv"].fillna(0).to_numpy(float) > variability_cv,
        "supply_risk": out["lead_time_cv"].fillna(0).to_numpy(float) > supply_cv,
        "critical_customers": out["critical_share"].fillna(0).to_numpy(float) >= critical_share,
    }
    words = {
        "long_lead_time": "lead time beyond customer tolerance",
        "high_variability": "variable demand",
        "supply_risk": "variable supply",
        "critical_customers": "critical customers",
    }
    reasons = pd.Series("", index=out.index, dtype=object)
    for k, v in flags.items():
        out[k] = v
        reasons = reasons.where(~v, reasons.where(reasons == "", reasons + ", ") + words[k])
    out["positioning_score"] = np.sum(list(flags.values()), axis=0)
    has_demand = out["adu"].fillna(0).to_numpy(float) > 0 if "adu" in out else True
    out["decouple"] = flags["long_lead_time"] & (out["positioning_score"] >= min_score) & has_demand
    out["positioning_reasons"] = reasons.replace("", "none")
    return out.sort_values(["decouple", "positioning_score", "dlt_days"], ascending=False)


# --------------------------------------------------------------------------- summary


def summary_points(
    status: pd.DataFrame,
    comparison: pd.DataFrame | None = None,
    money=lambda v: f"{v:,.0f}",
    as_of=None,
) -> list[str]:
    """The executive summary of the DDMRP report as sentences computed from the tables."""
    n = len(status)
    cost = status["unit_cost"].to_numpy(float)
    zones = status["planning_zone"].value_counts()
    orders = status[status["recommended_qty"] > 0]
    below_red = int(status["execution_zone"].isin(ALERT_ZONES).sum())
    exec_red = int(status["execution_zone"].isin(["stock-out", "red"]).sum())
    stockouts = int(status["execution_zone"].eq("stock-out").sum())
    when = f" on {pd.Timestamp(as_of):%Y-%m-%d}" if as_of is not None else ""
    # every buffer in exactly one zone, so the counts add up to the total
    others = [
        f"{zones.get(z, 0):,} {text}"
        for z, text in (
            ("no usage", "without usage (no order)"),
            ("end of life", "past end of life"),
        )
        if zones.get(z, 0)
    ]
    pts = [
        f"{n:,} buffers{when}: {zones.get('red', 0):,} in red, {zones.get('yellow', 0):,} in "
        f"yellow, {zones.get('green', 0):,} in green, {zones.get('above green', 0):,} above "
        "the top of green (excess)" + "".join(f", {o}" for o in others) + ".",
        f"{len(orders):,} buffers need an order today, worth "
        f"{money(float((orders['recommended_qty'] * orders['unit_cost']).sum()))} in total.",
        f"On hand: {below_red:,} buffers hold less than their top of red, {exec_red:,} of them "
        f"below half of it ({stockouts:,} out of stock): expedite their open supply first.",
        f"Average on-hand target {money(float((status['average_on_hand_target'] * cost).sum()))} "
        f"against {money(float((status['on_hand_qty'] * cost).sum()))} on hand today in the "
        f"{n:,} buffers.",
    ]
    if comparison is not None and len(comparison):
        c = comparison.set_index("policy")
        if {"DDMRP", "reorder point"} <= set(c.index):
            d, r = c.loc["DDMRP"], c.loc["reorder point"]
            change = d["avg_inventory_value"] / r["avg_inventory_value"] - 1
            pts.append(
                f"Replaying the demand history, DDMRP held {money(d['avg_inventory_value'])} on "
                f"average ({change:+.0%} against the reorder-point policy) at a "
                f"{d['fill_rate']:.1%} fill rate (reorder point {r['fill_rate']:.1%}), placing "
                f"{int(d['orders']):,} orders against {int(r['orders']):,}."
            )
        if {"MRP (forecast)", "DDMRP", "reorder point"} <= set(c.index):
            amp, tot = c["amplification"], c["total_amplification"]
            text = (
                "Variability amplification (variance of monthly orders / variance of monthly "
                f"demand), per item (median): DDMRP {amp['DDMRP']:.2f}, reorder point "
                f"{amp['reorder point']:.2f}, forecast-driven MRP {amp['MRP (forecast)']:.2f}; "
                f"in total order value: DDMRP {tot['DDMRP']:.2f}, reorder point "
                f"{tot['reorder point']:.2f}, MRP {tot['MRP (forecast)']:.2f}."
            )
            if (amp["DDMRP"] < amp["reorder point"]) and (tot["DDMRP"] > tot["reorder point"]):
                text += (
                    " Item by item DDMRP smooths orders more than the reorder point, but its "
                    "total swings more: its buffers are re-sized from a rolling ADU, so a rise "
                    "in demand raises every zone at once; a longer ADU window or less frequent "
                    "recalculation damps it."
                )
            elif tot["DDMRP"] > tot["reorder point"]:
                text += (
                    " DDMRP's buffers are re-sized from a rolling ADU, so a rise in demand "
                    "raises every zone at once; a longer ADU window or less frequent "
                    "recalculation damps it."
                )
            pts.append(text)
    return pts


# --------------------------------------------------------------------------- from the data


def _latest_stock(snapshots: pd.DataFrame, keys: list[str], as_of) -> pd.DataFrame:
    s = snapshots[snapshots["snapshot_date"] <= pd.Timestamp(as_of)]
    if s.empty:
        raise DataError(
            f"table 'inventory_snapshots': no snapshot on or before {pd.Timestamp(as_of):%Y-%m-%d}; "
            "choose a later as_of or load later snapshots"
        )
    s = s.sort_values("snapshot_date").drop_duplicates(keys, keep="last")
    cols = [*keys, "on_hand_qty", "on_order_qty"]
    out = s.reindex(columns=cols)
    out["on_order_qty"] = out["on_order_qty"].fillna(0)
    return out


def build_buffers(
    demand_history: pd.DataFrame,
    items: pd.DataFrame,
    snapshots: pd.DataFrame,
    *,
    sales: pd.DataFrame | None = None,
    forecast: pd.DataFrame | None = None,
    pos: pd.DataFrame | None = None,
    as_of=None,
    keys: Sequence[str] = ("item_id", "location_id"),
    adu_method: str = "past",
    adu_past_days: int = 90,
    adu_forward_days: int = 90,
    adu_past_weight: float = 0.5,
    lead_time_source: str = "item_master",
    short_days: float = 21,
    long_days: float = 45,
    lead_time_factors: Mapping[str, float] | None = None,
    variability_factors: Mapping[str, float] | None = None,
    order_cycle_days: float = 0.0,
    spike_threshold_share: float = 0.5,
    spike_horizon_days: float | None = None,
    adjustments: Sequence[Mapping] | None = None,
    segment_options: Mapping | None = None,
) -> tuple[pd.DataFrame, dict]:
    """Every buffer's profile, ADU, zones, net flow, order recommendation and priorities on
    ``as_of`` (default: the latest inventory snapshot) from the suite's tables.

    - ADU: :func:`adu_past` over daily demand (:func:`daily_demand`), :func:`adu_forward` over
      ``forecast`` (``forecast_snapshots``) or both blended (:func:`blend_adu`), times the
      planned adjustment factors in force on ``as_of`` (:func:`adjustment_factors`).
    - Decoupled lead time: the replenishment lead time (PO history or item master, as in the
      ``safety_stock`` notebook); the data model holds no bill of materials or routing, so every
      buffer is treated as a purchased (or distributed) item whose DLT is its lead time.
    - Profile: lead-time category from the DLT (:func:`lead_time_category`), variability
      category from the suite's XYZ class (X low, Y medium, Z high: CV of monthly demand over
      the last 12 months).
    - Order multiple: ``items.order_multiple`` when the source has it, else the fixed lot
      ``items.lot_size``, else 1 unit; MOQ: ``items.min_order_qty`` when present, else one fixed
      lot (``lot_size``), else none (the MOQ also sizes the green zone).
    - Stock: on hand and on order of the latest snapshot on or before ``as_of`` (valued by the
      caller: pass ``snapshots`` from ``scmlib.core.measures.valued_snapshots``).
    - ABC and XYZ classes: :func:`scmlib.inventory.segmentation.abc_xyz` with
      ``segment_options`` (pass :func:`scmlib.inventory.segmentation.abc_options` of the company
      settings: the classes of the inventory segmentation report) on the demand up to ``as_of``.
    - Qualified demand: open sales orders at ``as_of`` (:func:`open_sales_orders`) past due,
      due today, or spikes at or above ``spike_threshold_share`` x red zone (OCA default 0.5)
      within ``spike_horizon_days`` (default: each buffer's DLT).
    """
    from scmlib.inventory.safety_stock import build_inputs, end_of_life
    from scmlib.inventory.segmentation import abc_xyz

    keys = list(keys)
    as_of = pd.Timestamp(as_of) if as_of is not None else snapshots["snapshot_date"].max()
    if not 0 < spike_threshold_share <= 2:
        raise ParameterError(
            f"spike_threshold_share must be in (0, 2], got {spike_threshold_share}"
        )
    hist = demand_history[demand_history["date"] < as_of]
    if hist.empty:
        raise DataError(
            f"table 'demand_history': no demand before {as_of:%Y-%m-%d}; choose a later as_of"
        )
    # the company ABC/XYZ classification (segment_options: segmentation.abc_options of the
    # company settings), on the demand known on the planning date: the same classes as the
    # inventory segmentation report when it covers the same months
    known = demand_history[demand_history["date"] <= as_of]
    seg = abc_xyz(known, items, keys, **{"months": 12, **(segment_options or {})})
    base = build_inputs(hist, items, seg, lead_time_source, pos, "month", keys)
    daily, method = daily_demand(
        sales[sales["order_date"] < as_of] if sales is not None else None, hist, keys
    )
    df = base[
        [*keys, "category", "abc", "xyz", "cv", "unit_cost", "lead_time_days", "lead_time_std_days"]
    ]
    if "lifecycle_stage" in base.columns:
        df = df.assign(lifecycle_stage=base["lifecycle_stage"].to_numpy())
    df = df.merge(adu_past(daily, keys, as_of, adu_past_days), on=keys, how="left")
    df["adu_past"] = df["adu_past"].fillna(0.0)
    if adu_method != "past" and forecast is not None and len(forecast):
        fwd = adu_forward(forecast, keys, as_of, adu_forward_days)
        df = df.merge(fwd, on=keys, how="left")
    else:
        if adu_method != "past":
            raise ParameterError(
                f"adu_method {adu_method!r} needs forecast_snapshots; load them or use 'past'"
            )
        df["adu_forward"] = np.nan
        df["forward_days_covered"] = 0.0
    df["adu_unadjusted"] = blend_adu(df["adu_past"], df["adu_forward"], adu_method, adu_past_weight)
    daf, why = adjustment_factors(df, adjustments, as_of)
    df["adjustment_factor"] = daf
    df["adjustment"] = why
    df["adu"] = df["adu_unadjusted"] * daf
    df["dlt_days"] = df["lead_time_days"]
    df["lead_time_category"] = lead_time_category(df["dlt_days"], short_days, long_days)
    df["variability_category"] = df["xyz"].map(XYZ_VARIABILITY).fillna("high")
    df["lead_time_factor"], df["variability_factor"] = profile_factors(
        df["lead_time_category"], df["variability_category"], lead_time_factors, variability_factors
    )
    im = items.set_index("item_id")
    mult = im["order_multiple"] if "order_multiple" in im else im.get("lot_size")
    df["order_multiple"] = (
        df["item_id"].map(mult).fillna(1.0).to_numpy(float) if mult is not None else 1.0
    )
    df.loc[df["order_multiple"] <= 0, "order_multiple"] = 1.0
    moq = im["min_order_qty"] if "min_order_qty" in im else im.get("lot_size")  # one lot
    df["min_order_qty"] = (
        df["item_id"].map(moq).fillna(0.0).to_numpy(float) if moq is not None else 0.0
    )
    df["order_cycle_days"] = float(order_cycle_days)
    # past end of life on the planning date: no buffer (every zone zero), no order; the stock
    # on hand runs down (as in the safety-stock report)
    eol_date = df["item_id"].map(im["eol_date"]) if "eol_date" in im else None
    eol, eol_reason = end_of_life(eol_date, as_of, len(df))
    df["end_of_life"] = eol
    df["eol_reason"] = eol_reason
    df.loc[eol, ["adu", "min_order_qty", "order_cycle_days"]] = 0.0
    df = buffer_zones(df)
    df = df.merge(_latest_stock(snapshots, keys, as_of), on=keys, how="left")
    df[["on_hand_qty", "on_order_qty"]] = df[["on_hand_qty", "on_order_qty"]].fillna(0.0)
    df["spike_threshold"] = spike_threshold_share * df["red_zone"]
    df["spike_horizon_days"] = (
        df["dlt_days"] if spike_horizon_days is None else float(spike_horizon_days)
    )
    if sales is not None and len(sales):
        qd = qualified_demand(open_sales_orders(sales, as_of, keys), df, keys, as_of)
        df = df.merge(qd, on=keys, how="left")
    else:
        for c in ("past_due_qty", "due_today_qty", "spike_qty", "qualified_demand"):
            df[c] = 0.0
        df["spike_days"] = 0
    status = buffer_status(df)
    status.loc[eol, ["planning_zone", "execution_zone"]] = "end of life"
    status["buffer_status"] = zone_text(status)
    where = " @ " + status["location_id"].astype(str) if "location_id" in keys else ""
    status.insert(0, "buffer", status["item_id"].astype(str) + where)
    info = {
        "as_of": as_of,
        "daily_method": method,
        "adu_method": adu_method,
        "forward_fallback": int(status["adu_forward"].isna().sum()) if adu_method != "past" else 0,
        "adjusted": int((status["adjustment_factor"] != 1).sum()),
    }
    return status, info


def positioning_inputs(
    status: pd.DataFrame,
    sales: pd.DataFrame | None,
    customers: pd.DataFrame | None,
    keys: Sequence[str] = ("item_id", "location_id"),
    top_tier: str = "platinum",
) -> pd.DataFrame:
    """The :func:`decoupling_screen` inputs per buffer: customer tolerance time (median
    requested - order date of the buffer's sales lines, else of all lines), supply variability
    (lead-time std / mean) and the share of ordered units from ``top_tier`` customers."""
    keys = list(keys)
    out = status[
        [
            *keys,
            "category",
            "abc",
            "dlt_days",
            "cv",
            "lead_time_days",
            "lead_time_std_days",
            "unit_cost",
            "adu",
        ]
    ].copy()
    lt = out["lead_time_days"].to_numpy(float)
    out["lead_time_cv"] = np.where(
        lt > 0, out["lead_time_std_days"].fillna(0) / np.where(lt > 0, lt, 1), 0.0
    )
    out["customer_tolerance_days"] = np.nan
    out["critical_share"] = 0.0
    if sales is not None and len(sales):
        s = sales.assign(tol=(sales["requested_date"] - sales["order_date"]).dt.days)
        if customers is not None and "service_tier" in customers.columns:
            tier = s["customer_id"].map(customers.set_index("customer_id")["service_tier"])
            s = s.assign(top=np.where(tier.eq(top_tier), s["ordered_qty"], 0.0))
        else:
            s = s.assign(top=0.0)
        g = s.groupby(keys, observed=True).agg(
            tol=("tol", "median"), top=("top", "sum"), qty=("ordered_qty", "sum")
        )
        g["share"] = np.where(g["qty"] > 0, g["top"] / g["qty"].where(g["qty"] > 0), 0.0)
        out = out.drop(columns=["customer_tolerance_days", "critical_share"]).merge(
            g[["tol", "share"]]
            .rename(columns={"tol": "customer_tolerance_days", "share": "critical_share"})
            .reset_index(),
            on=keys,
            how="left",
        )
        out["customer_tolerance_days"] = out["customer_tolerance_days"].fillna(
            float(s["tol"].median())
        )
        out["critical_share"] = out["critical_share"].fillna(0.0)
    else:
        out["customer_tolerance_days"] = 0.0
    return out


def appendix_text(
    info: Mapping, spike_threshold_share: float, recalc_days: int, review_days: int
) -> dict[str, str]:
    """The method appendix of the DDMRP report: every definition with its source."""
    src = "Ptak & Smith, Demand Driven Material Requirements Planning (2016)"
    oca = "compared with the OCA ddmrp module (stock_buffer.py)"
    return {
        "Average daily usage (ADU)": "Past: demand of the window before the planning date "
        "(the planning date excluded) / window days; forward: forecast units in the window "
        "(latest forecast per month, spread evenly over its days) / days covered; blended: "
        f"w x past + (1 - w) x forward ({src}, ch. 7; {oca}). Daily demand: "
        f"{info.get('daily_method', '')}. Buffers without a forecast use the past ADU.",
        "Planned adjustments": "ADU x the product of the demand adjustment factors in force on "
        f"the planning date (seasonality, promotion, ramp-up/down; {src}, ch. 9; OCA "
        "ddmrp_adjustment).",
        "ABC and XYZ class": "The company classification of every inventory report "
        "(scmlib.inventory.segmentation.company_segments: company settings segmentation.* over "
        "calendar.window_months), on the demand known on the planning date; XYZ sets the "
        "variability category.",
        "End of life": "An item whose items.eol_date is on or before the planning date gets no "
        "buffer (every zone zero) and no order; its stock on hand runs down, as in the "
        "safety-stock and inventory-policy reports.",
        "Decoupled lead time": "The replenishment lead time (PO receipts or item master): the "
        "data model holds no bill of materials or routing, so every buffer is a purchased or "
        "distributed item.",
        "Buffer profile": "Lead-time category short / medium / long from the decoupled lead time "
        "(factors 0.75 / 0.5 / 0.25 by default: a short lead time gets the high factor); "
        "variability category low / medium / high from the XYZ class (factors 0.25 / 0.5 / "
        f"0.75) ({src}, ch. 7).",
        "Zones": "Red base = ADU x DLT x lead-time factor; red safety = red base x variability "
        "factor; yellow = ADU x DLT; green = max(ADU x order cycle, ADU x DLT x lead-time factor, "
        "MOQ). Top of red = red; top of yellow = red + yellow; top of green = top of yellow + "
        f"green; average on-hand target = red + green / 2 ({src}, ch. 7; {oca}).",
        "Net flow position": "On hand + on order - qualified demand. Qualified demand = open "
        "sales orders past due + due today + order spikes: days within the spike horizon "
        f"whose open orders reach {spike_threshold_share:.0%} of the red zone ({src}, ch. 8).",
        "Order recommendation": "Top of green - net flow when the net flow is at or below the "
        "top of yellow (the OCA module orders strictly below it), rounded up to the order "
        "multiple (items.order_multiple, else the fixed lot items.lot_size, else 1 unit), then "
        "at least the minimum order quantity (items.min_order_qty, else one fixed lot).",
        "Planning priority": "Net flow / top of green: red below the top of red, yellow up to "
        "the top of yellow, green up to the top of green, above green beyond.",
        "Execution priority": "On hand / top of red: green at or above 100%, yellow from 50%, "
        "red below 50%, stock-out at zero (OCA _calc_execution_priority).",
        "Decoupling screen": "Four of the six DDI positioning factors (customer tolerance time, "
        "demand variability, supply variability, critical customers): lead time beyond the "
        "median requested - order date of the item's sales lines, demand CV above 1, lead-time "
        "CV above 0.25, top-tier customers buying at least 20% (ch. 6); recommended with the "
        "lead-time factor and at least two others.",
        "Simulation": "Each day: receipts arrive, demand is shipped from stock and what cannot "
        "be shipped is lost (all policies face the same demand), then each policy orders; "
        "orders arrive after the buffer's lead time. DDMRP recalculates ADU and zones every "
        f"{recalc_days} days from the past ADU window; the reorder-point policy orders "
        "multiples of Q when the inventory position is at or below s (s and Q from the "
        "safety_stock process on the warm-up months, company service targets by ABC class, "
        f"fill rate); MRP runs every {review_days} days, orders the moving-average forecast over "
        "lead time + review period + safety stock - position (Chen et al. 2000).",
        "Variability amplification": "Variance of monthly orders / variance of monthly demand "
        "(complete months), median over buffers, and of the total order value (Lee, "
        "Padmanabhan & Whang 1997, the bullwhip effect).",
        "Average inventory value": "Mean end-of-day stock on hand x unit cost (company "
        "valuation basis), summed over buffers.",
        "Fill rate and stock-out days": "Units shipped from stock / units demanded; stock-out "
        "days = buffer-days with demand not met.",
    }


def most_urgent(status: pd.DataFrame, n: int | None = None) -> pd.DataFrame:
    """Buffers in planning-priority order: by planning zone (red, yellow, green, above green),
    then by net flow as a share of the top of green (Ptak & Smith 2016, ch. 8: priority by
    buffer status, not by due date). A buffer whose tiny red and yellow zones sit under a large
    MOQ-driven green zone is green however low its share, so it never outranks a yellow one."""
    rank = {z: i for i, z in enumerate(PLANNING_ZONES)}
    s = status.assign(_r=status["planning_zone"].map(rank))
    s = s.sort_values(["_r", "planning_priority"], kind="stable").drop(columns="_r")
    return s if n is None else s.head(n)


def adu_text(method: str, past_days: int, forward_days: int, past_weight: float = 0.5) -> str:
    """The average daily usage basis in words, for the report header: the window actually used
    by ``method`` (``past``, ``forward`` or ``blended``).

    >>> adu_text("past", 90, 60)
    'past 90 days of usage'
    >>> adu_text("blended", 90, 60, 0.25)
    '25% past 90 days of usage, 75% next 60 days of forecast'
    """
    past = f"past {past_days} days of usage"
    forward = f"next {forward_days} days of forecast"
    if method == "past":
        return past
    if method == "forward":
        return forward
    return f"{past_weight:.0%} {past}, {1 - past_weight:.0%} {forward}"
