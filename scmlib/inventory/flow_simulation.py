"""Day-by-day replay of a demand history under replenishment policies: DDMRP, the suite's
reorder-point policy and a plain forecast-driven MRP.

The simulation loops over days and works on arrays over items (one numpy operation per step for
every item-location at once), so two years of 5,000 items take seconds. Each day: receipts due
that morning arrive; the day's demand is shipped from stock, and what cannot be shipped is lost
(not back-ordered, so every policy faces exactly the same demand); at the end of the day each
policy decides what to order, and the order arrives after the item's lead time (fixed, in whole
days, at least one). Conservation holds per item: opening + received = shipped + closing.

Policies
--------
- ``ddmrp``: buffer zones from the ADU recalculated every ``recalc_days`` over the last
  ``adu_days`` days (dynamic buffers, Ptak & Smith 2016, ch. 9); order top of green - net flow
  when the net flow is at or below top of yellow (:func:`scmlib.inventory.ddmrp.buffer_status`
  rules; qualified demand is zero here because demand is met or lost on the day).
- ``reorder_point``: continuous review (s, nQ): when the inventory position (on hand + on
  order) is at or below s, order the smallest multiple of Q that lifts it above s; s and Q from
  :func:`scmlib.inventory.safety_stock.safety_stock_table` (the ``safety_stock`` notebook's
  policy), fixed over the replay.
- ``mrp``: a forecast-driven MRP run every ``review_days``: the forecast is the moving average
  of the last ``forecast_days`` days; net requirement = forecast x (lead time + review) + safety
  stock - (on hand + on order), ordered lot-for-lot (rounded up to the order multiple). This
  is the order-up-to policy with a moving-average forecast whose variability amplification
  Chen, Drezner, Ryan & Simchi-Levi (2000, *Management Science* 46(3)) bound from below by
  1 + 2L/p + 2L²/p² (L lead time, p forecast periods).

Variability amplification = variance of orders / variance of demand, per item over calendar
months (Lee, Padmanabhan & Whang 1997, "the bullwhip effect"; Chen et al. 2000).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from scmlib.errors import DataError, ParameterError

POLICIES = ("ddmrp", "reorder_point", "mrp")
POLICY_NAMES = {"ddmrp": "DDMRP", "reorder_point": "reorder point", "mrp": "MRP (forecast)"}


def demand_matrix(
    daily: pd.DataFrame, buffers: pd.DataFrame, keys: Sequence[str], start, end
) -> tuple[np.ndarray, pd.DatetimeIndex]:
    """Daily demand as a (days x buffers) array in the row order of ``buffers``, every day from
    ``start`` to ``end`` (missing days zero, negative totals clipped at zero)."""
    keys = list(keys)
    dates = pd.date_range(pd.Timestamp(start), pd.Timestamp(end), freq="D")
    if len(dates) == 0:
        raise ParameterError(f"simulation period is empty ({start} to {end})")
    pos = pd.MultiIndex.from_frame(buffers[keys].astype(str))
    d = daily[(daily["date"] >= dates[0]) & (daily["date"] <= dates[-1])]
    col = pos.get_indexer(pd.MultiIndex.from_frame(d[keys].astype(str)))
    row = ((d["date"] - dates[0]) / pd.Timedelta(days=1)).to_numpy().astype(int)
    ok = col >= 0
    m = np.zeros((len(dates), len(buffers)))
    np.add.at(m, (row[ok], col[ok]), d["quantity"].to_numpy(float)[ok])
    return np.clip(m, 0, None), dates


def _arr(v, n, name) -> np.ndarray:
    a = np.broadcast_to(np.asarray(v, dtype=float), (n,)).astype(float)
    if np.isnan(a).any():
        raise DataError(f"simulation: {name} is missing for {int(np.isnan(a).sum())} buffers")
    return a


def _round_up(q, multiple, moq):
    safe = np.where(multiple > 0, multiple, 1.0)
    r = np.where(multiple > 0, np.ceil(q / safe - 1e-9) * safe, q)
    return np.where(q > 1e-9, np.maximum(r, moq), 0.0)


def simulate(
    demand: np.ndarray,
    opening: np.ndarray,
    lead_days,
    policy: str,
    start: int = 0,
    *,
    order_multiple=0.0,
    min_order_qty=0.0,
    lead_time_factor=0.5,
    variability_factor=0.5,
    order_cycle_days=0.0,
    adu_days: int = 90,
    recalc_days: int = 7,
    reorder_point=None,
    order_qty=None,
    safety_stock=0.0,
    review_days: int = 7,
    forecast_days: int = 90,
) -> dict[str, np.ndarray]:
    """Replay ``demand`` (days x buffers) from day ``start`` under ``policy``.

    Days before ``start`` are history: they feed the ADU and the forecast but are not
    simulated. Returns per-buffer arrays ``opening, received, shipped, lost, demand, closing,
    orders, stockout_days, avg_on_hand`` and the (simulated days x buffers) matrix
    ``order_qty`` (units ordered each day).

    Examples
    --------
    >>> d = np.full((40, 1), 2.0)
    >>> r = simulate(d, np.array([20.0]), [5], "reorder_point", 10, reorder_point=12, order_qty=20)
    >>> float(r["opening"][0] + r["received"][0] - r["shipped"][0] - r["closing"][0])
    0.0
    """
    if policy not in POLICIES:
        raise ParameterError(f"policy must be one of {list(POLICIES)}, got {policy!r}")
    demand = np.clip(np.asarray(demand, dtype=float), 0, None)
    T, n = demand.shape
    if not 0 <= start < T:
        raise ParameterError(f"simulation start {start} must be within the {T} days of demand")
    lead = np.maximum(np.round(_arr(lead_days, n, "lead time")), 1).astype(int)
    mult, moq = _arr(order_multiple, n, "order multiple"), _arr(min_order_qty, n, "MOQ")
    on_hand = _arr(opening, n, "opening stock").copy()
    opening = on_hand.copy()
    on_order = np.zeros(n)
    arrivals = np.zeros((T + int(lead.max()) + 1, n))
    cs = np.vstack([np.zeros((1, n)), np.cumsum(demand, axis=0)])
    idx = np.arange(n)
    received, shipped, lost, inv = (np.zeros(n) for _ in range(4))
    stockout_days, orders = np.zeros(n, dtype=int), np.zeros(n, dtype=int)
    ordered = np.zeros((T - start, n))
    if policy == "ddmrp":
        ltf, vf = _arr(lead_time_factor, n, "LTF"), _arr(variability_factor, n, "VF")
        oc = _arr(order_cycle_days, n, "order cycle")
        dlt = lead.astype(float)
        toy = tog = np.zeros(n)
    elif policy == "reorder_point":
        if reorder_point is None or order_qty is None:
            raise ParameterError("the reorder-point policy needs reorder_point and order_qty")
        s = _arr(reorder_point, n, "reorder point")
        Q = np.maximum(_arr(order_qty, n, "order quantity"), 1e-9)
    else:
        ss = _arr(safety_stock, n, "safety stock")
        cover = lead + int(review_days)
    for t in range(start, T):
        got = arrivals[t]
        on_hand += got
        on_order -= got
        received += got
        ship = np.minimum(on_hand, demand[t])
        on_hand -= ship
        short = demand[t] - ship
        shipped += ship
        lost += short
        stockout_days += short > 1e-9
        inv += on_hand
        position = on_hand + on_order
        if policy == "ddmrp":
            if (t - start) % recalc_days == 0:
                w = min(adu_days, t + 1)
                adu = (cs[t + 1] - cs[t + 1 - w]) / w
                red = adu * dlt * ltf * (1 + vf)
                toy = red + adu * dlt
                tog = toy + np.maximum.reduce([adu * oc, adu * dlt * ltf, moq])
            q = _round_up(np.where((position <= toy) & (toy > 0), tog - position, 0.0), mult, moq)
        elif policy == "reorder_point":
            k = np.where(position <= s, np.floor((s - position) / Q) + 1, 0.0)
            q = _round_up(k * Q, mult, moq)
        else:
            if (t - start) % review_days == 0:
                w = min(forecast_days, t + 1)
                rate = (cs[t + 1] - cs[t + 1 - w]) / w
                q = _round_up(np.maximum(rate * cover + ss - position, 0.0), mult, moq)
            else:
                q = np.zeros(n)
        placed = q > 0
        if placed.any():
            arrivals[t + lead[placed], idx[placed]] += q[placed]
            on_order += q
            orders += placed
        ordered[t - start] = q
    days = T - start
    return {
        "opening": opening,
        "received": received,
        "shipped": shipped,
        "lost": lost,
        "demand": demand[start:].sum(axis=0),
        "closing": on_hand,
        "on_order": on_order,
        "orders": orders,
        "stockout_days": stockout_days,
        "avg_on_hand": inv / days,
        "order_qty": ordered,
    }


def month_buckets(dates: pd.DatetimeIndex) -> tuple[np.ndarray, pd.DatetimeIndex]:
    """Start rows and month starts of the complete calendar months among ``dates``."""
    dates = pd.DatetimeIndex(dates)
    firsts = np.flatnonzero(dates.day == 1)
    starts = [i for i in firsts if i + dates[i].days_in_month <= len(dates)]
    return np.asarray(starts, dtype=int), dates[starts]


def amplification(orders: np.ndarray, demand: np.ndarray, dates: pd.DatetimeIndex) -> np.ndarray:
    """Variance of monthly orders / variance of monthly demand per buffer (complete months;
    NaN where demand does not vary)."""
    starts, _ = month_buckets(dates)
    if len(starts) < 3:
        return np.full(orders.shape[1], np.nan)
    end = starts[-1] + dates[starts[-1]].days_in_month
    o = np.add.reduceat(orders[:end], starts, axis=0)
    d = np.add.reduceat(demand[:end], starts, axis=0)
    vd = d.var(axis=0, ddof=1)
    return np.where(vd > 0, o.var(axis=0, ddof=1) / np.where(vd > 0, vd, 1.0), np.nan)


def compare_policies(
    demand: np.ndarray,
    dates: pd.DatetimeIndex,
    start: int,
    opening: np.ndarray,
    lead_days,
    unit_cost,
    params: Mapping[str, Mapping],
) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, dict]]:
    """Run every policy of ``params`` (policy -> keyword arguments of :func:`simulate`) on the
    same demand and opening stock. Returns the comparison table (one row per policy: average
    inventory value, fill rate, stockout item-days and their share, orders, orders per buffer
    and month, median amplification, amplification of the total order value), the monthly
    demand and order value per policy (the bullwhip chart) and the raw results."""
    cost = np.asarray(unit_cost, dtype=float)
    sim_dates = dates[start:]
    starts, months = month_buckets(sim_dates)
    rows, monthly, raw = [], [], {}
    d_sim = demand[start:]
    for policy, kw in params.items():
        r = simulate(demand, opening, lead_days, policy, start, **kw)
        raw[policy] = r
        amp = amplification(r["order_qty"], d_sim, sim_dates)
        days = len(sim_dates)
        total_amp = np.nan
        if len(starts) >= 3:
            end = starts[-1] + sim_dates[starts[-1]].days_in_month
            ov = np.add.reduceat(r["order_qty"][:end] @ cost, starts)
            dv = np.add.reduceat(d_sim[:end] @ cost, starts)
            total_amp = float(np.var(ov, ddof=1) / np.var(dv, ddof=1)) if np.var(dv) > 0 else np.nan
            monthly.append(
                pd.DataFrame(
                    {
                        "policy": POLICY_NAMES[policy],
                        "period": months,
                        "demand_value": dv,
                        "order_value": ov,
                    }
                )
            )
        dem = float(r["demand"].sum())
        rows.append(
            {
                "policy": POLICY_NAMES[policy],
                "avg_inventory_value": float(r["avg_on_hand"] @ cost),
                "fill_rate": float(r["shipped"].sum() / dem) if dem > 0 else np.nan,
                "stockout_days": int(r["stockout_days"].sum()),
                "stockout_share": float(r["stockout_days"].sum() / (days * len(cost))),
                "orders": int(r["orders"].sum()),
                "orders_per_buffer_month": float(r["orders"].sum() / len(cost) / (days / 30.4375)),
                "amplification": float(np.nanmedian(amp)) if np.isfinite(amp).any() else np.nan,
                "total_amplification": total_amp,
            }
        )
    table = pd.DataFrame(rows)
    mon = pd.concat(monthly, ignore_index=True) if monthly else pd.DataFrame()
    return table, mon, raw


def conservation_gap(result: Mapping[str, np.ndarray]) -> float:
    """Largest |opening + received - shipped - closing| over buffers (0 up to rounding)."""
    gap = result["opening"] + result["received"] - result["shipped"] - result["closing"]
    return float(np.abs(gap).max()) if len(gap) else 0.0


def replay(
    status: pd.DataFrame,
    demand_history: pd.DataFrame,
    items: pd.DataFrame,
    snapshots: pd.DataFrame,
    *,
    sales: pd.DataFrame | None = None,
    pos: pd.DataFrame | None = None,
    keys: Sequence[str] = ("item_id", "location_id"),
    warmup_months: int = 12,
    service_targets: Mapping[str, float] | None = None,
    service_measure: str = "fill_rate",
    lead_time_source: str = "item_master",
    holding_rate: float = 0.25,
    order_cost: float = 50.0,
    adu_days: int = 90,
    recalc_days: int = 7,
    review_days: int = 7,
    forecast_days: int = 90,
) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """Replay the demand history day by day under DDMRP, the suite's reorder-point policy and
    a forecast-driven MRP, for the buffers of ``status`` (:func:`scmlib.inventory.ddmrp.build_buffers`).

    The first ``warmup_months`` of history set the starting parameters (the reorder points and
    safety stocks of :func:`scmlib.inventory.safety_stock.safety_stock_table` with the company
    service targets by ABC class, fill-rate measure, continuous review; the first ADU and
    forecast); the rest is simulated. Every policy starts from the stock of the snapshot on or
    before the first simulated day (on hand + on order), with the buffers' lead times, order
    multiples and MOQs. Returns the comparison table, the monthly demand and order values per
    policy and an info dict (period, daily-demand method, conservation gap, raw results).
    """
    from scmlib.inventory.ddmrp import daily_demand
    from scmlib.inventory.safety_stock import build_inputs, safety_stock_table
    from scmlib.inventory.segmentation import abc_xyz

    keys = list(keys)
    first = demand_history["date"].min()
    sim_start = (first + pd.DateOffset(months=warmup_months)).normalize()
    daily, method = daily_demand(sales, demand_history, keys)
    end = daily["date"].max()
    if sim_start >= end - pd.Timedelta(days=60):
        raise ParameterError(
            f"warmup_months {warmup_months} leaves under 60 days to simulate (history "
            f"{first:%Y-%m-%d} to {end:%Y-%m-%d}); use fewer warm-up months"
        )
    warm = demand_history[demand_history["date"] < sim_start]
    seg = abc_xyz(warm, items, keys, months=min(12, warmup_months))
    inp = build_inputs(warm, items, seg, lead_time_source, pos, "month", keys)
    targets = dict(service_targets or {"A": 0.98, "B": 0.95, "C": 0.90})
    inp["service_target"] = inp["abc"].map(targets).fillna(min(targets.values()))
    ss = safety_stock_table(
        inp,
        measure=service_measure,
        policy="continuous",
        holding_rate=holding_rate,
        order_cost=order_cost,
    )
    buf = status[keys].merge(
        ss[[*keys, "reorder_point", "order_qty", "safety_stock"]], on=keys, how="left"
    )
    buf[["reorder_point", "safety_stock"]] = buf[["reorder_point", "safety_stock"]].fillna(0.0)
    buf["order_qty"] = buf["order_qty"].fillna(1.0)
    hist_start = daily["date"].min()
    demand, dates = demand_matrix(daily, status, keys, hist_start, end)
    start = int((sim_start - dates[0]).days)
    snap = snapshots[snapshots["snapshot_date"] <= sim_start]
    if snap.empty:
        snap = snapshots[snapshots["snapshot_date"] == snapshots["snapshot_date"].min()]
    snap = snap.sort_values("snapshot_date").drop_duplicates(keys, keep="last")
    snap = snap.assign(stock=snap["on_hand_qty"] + snap.get("on_order_qty", 0).fillna(0))
    opening = status[keys].merge(snap[[*keys, "stock"]], on=keys, how="left")["stock"].fillna(0.0)
    common = {
        "order_multiple": status["order_multiple"].to_numpy(float),
        "min_order_qty": status["min_order_qty"].to_numpy(float),
    }
    params = {
        "ddmrp": {
            **common,
            "lead_time_factor": status["lead_time_factor"].to_numpy(float),
            "variability_factor": status["variability_factor"].to_numpy(float),
            "order_cycle_days": status["order_cycle_days"].to_numpy(float),
            "adu_days": adu_days,
            "recalc_days": recalc_days,
        },
        "reorder_point": {
            **common,
            "reorder_point": buf["reorder_point"].to_numpy(float),
            "order_qty": buf["order_qty"].to_numpy(float),
        },
        "mrp": {
            **common,
            "safety_stock": buf["safety_stock"].to_numpy(float),
            "review_days": review_days,
            "forecast_days": forecast_days,
        },
    }
    table, monthly, raw = compare_policies(
        demand,
        dates,
        start,
        opening.to_numpy(float),
        status["dlt_days"].to_numpy(float),
        status["unit_cost"].to_numpy(float),
        params,
    )
    info = {
        "start": dates[start],
        "end": dates[-1],
        "days": len(dates) - start,
        "buffers": len(status),
        "daily_method": method,
        "conservation_gap": max(conservation_gap(r) for r in raw.values()),
        "raw": raw,
    }
    return table, monthly, info


def bullwhip_titles(comparison: pd.DataFrame) -> dict[str, str]:
    """Panel titles of the bullwhip chart: each policy with its variability amplification
    (variance of order value / variance of demand value, in total)."""
    amp = comparison.set_index("policy")["total_amplification"]
    return {str(p): f"{p}: amplification {a:.2f}" for p, a in amp.items()}
