"""Replay the demand history under the recommended policy and measure the service it gives.

Each item-location's daily demand (the sales order lines by order date, or the monthly history
spread over its days: :func:`scmlib.inventory.ddmrp.daily_demand`) is replayed day by day under
its recommended (s, Q) or (R, S) policy, with every replenishment's lead time drawn from that
item's own PO receipts (order date to receipt date) when it has them. The loop runs over days;
every step is one numpy operation over all item-locations, so 50,000 item-locations over two
years take seconds (``benchmarks/inventory_service_simulation.py``).

Each day: receipts due arrive (clearing backorders first); the day's demand is filled from stock
on hand, and what cannot be filled is backordered (the formulas' assumption) or lost
(``lost_sales=True``); then the inventory position (net inventory + on order) is reviewed: (s, Q)
orders the smallest multiple of Q lifting it above s; (R, S) orders up to S every R days. An order placed at the end of day t is received at the end of day
t + L and serves demand from day t + L + 1: the reorder point covers L whole days of demand, as
the formulas assume (:mod:`scmlib.inventory.flow_simulation` shelves it a day earlier).

Measures (Silver, Pyke & Peterson 1998, section 7.4): **fill rate** = demand filled from stock on
the day / demand; **cycle service** = replenishment cycles without a stock-out / cycles (receipt
to receipt under (s, Q); review to review under (R, S)); **average on hand** against the formula's prediction safety stock + Q / 2
(continuous review) or + d R / 2 (periodic).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from scmlib.errors import DataError, ParameterError
from scmlib.inventory.flow_simulation import demand_matrix


def lead_time_samples(
    pos: pd.DataFrame | None, rows: pd.DataFrame, max_samples: int = 50
) -> np.ndarray:
    """Observed order-to-receipt lead times (days) of each row's item from PO lines, as a
    (rows x ``max_samples``) array padded with NaN (the latest receipts kept); all NaN for items
    without receipts."""
    out = np.full((len(rows), max_samples), np.nan)
    if pos is None or pos.empty:
        return out
    d = pos.dropna(subset=["item_id", "receipt_date", "order_date"])
    d = d.sort_values("receipt_date")
    lt = (d["receipt_date"] - d["order_date"]).dt.days.clip(lower=0).to_numpy(float)
    item = d["item_id"].to_numpy()
    rank = d.groupby("item_id").cumcount(ascending=False).to_numpy()  # 0 = latest receipt
    keep = rank < max_samples
    items = pd.Index(pd.unique(rows["item_id"]))
    per_item = np.full((len(items), max_samples), np.nan)
    ix = items.get_indexer(item[keep])
    ok = ix >= 0
    per_item[ix[ok], rank[keep][ok]] = lt[keep][ok]
    return per_item[items.get_indexer(rows["item_id"])]


def replay(
    demand: np.ndarray,
    start: int,
    reorder_point,
    order_qty,
    lead_days,
    *,
    lead_samples: np.ndarray | None = None,
    policy: str = "continuous",
    review_days: int = 30,
    order_up_to=None,
    opening=None,
    lost_sales: bool = False,
    seed: int = 0,
) -> dict[str, np.ndarray]:
    """Replay ``demand`` (days x series) under (s, Q) (``policy='continuous'``) or (R, S)
    (``'periodic'``, review every ``review_days`` days up to ``order_up_to``).

    Days before ``start`` are a warm-up (simulated, not measured). Each order's lead time is a
    random draw from the row of ``lead_samples`` (days, NaN-padded; :func:`lead_time_samples`)
    when that row has any, else ``lead_days``; at least one day. The opening net inventory is
    ``opening``, by default a random point of the order cycle, s + U Q (S - U Q periodic), U
    uniform on (0, 1]: the stationary inventory position of an (s, Q) policy is uniform over
    (s, s + Q] (Hadley & Whitin 1963), so a replay shorter than one cycle is not biased
    towards a full shelf. Returns per-series arrays: demand, filled (from stock on
    the day), short (backordered or lost), cycles, cycles_ok, avg_on_hand, orders, fill_rate,
    cycle_service.

    Examples
    --------
    Demand 1 a day, s = 5, Q = 10, lead time 2 days: never short.

    >>> r = replay(np.ones((60, 1)), 10, [5.0], [10.0], [2])
    >>> float(r["fill_rate"][0]), int(r["cycles"][0]) > 0
    (1.0, True)
    """
    if policy not in ("continuous", "periodic"):
        raise ParameterError(f"policy must be 'continuous' or 'periodic', got {policy!r}")
    D = np.clip(np.asarray(demand, dtype=float), 0, None)
    T, n = D.shape
    if not 0 <= start < T:
        raise ParameterError(f"replay start {start} must be within the {T} days of demand")
    s = np.broadcast_to(np.asarray(reorder_point, dtype=float), (n,)).copy()
    Q = np.maximum(np.broadcast_to(np.asarray(order_qty, dtype=float), (n,)), 1e-9)
    S = (
        np.broadcast_to(np.asarray(order_up_to, dtype=float), (n,))
        if order_up_to is not None
        else s + Q
    )
    if np.isnan(s).any() or (policy == "periodic" and np.isnan(S).any()):
        raise DataError(f"replay: the policy is missing for {int(np.isnan(s).sum())} series")
    base_lead = np.maximum(np.round(np.broadcast_to(np.asarray(lead_days, float), (n,))), 1)
    rng = np.random.default_rng(seed)
    if lead_samples is not None:
        ls = np.asarray(lead_samples, dtype=float)
        valid = ~np.isnan(ls)
        count = valid.sum(axis=1)
        comp = np.take_along_axis(ls, np.argsort(~valid, axis=1, kind="stable"), axis=1)
        comp = np.nan_to_num(comp)
        max_lead = int(max(np.nanmax(ls, initial=1.0), base_lead.max()))
    else:
        count = np.zeros(n, dtype=int)
        max_lead = int(base_lead.max())
    size = max_lead + 3
    pipeline = np.zeros((size, n))
    if opening is not None:
        net = np.broadcast_to(np.asarray(opening, dtype=float), (n,)).copy()
    else:  # a random point of the cycle: the stationary position is uniform over one order
        u = rng.random(n)
        step = np.ceil(np.maximum(u, 1e-9) * Q)  # whole units: stay on the reorder point's lattice
        net = S - step + 1 if policy == "periodic" else s + np.minimum(step, np.ceil(Q))
    on_order = np.zeros(n)
    idx = np.arange(n)
    has_hist = count > 0
    span = np.maximum(count, 1)
    dem = np.zeros(n)
    filled = np.zeros(n)
    cycles = np.zeros(n)
    cycles_ok = np.zeros(n)
    on_hand_sum = np.zeros(n)
    orders = np.zeros(n)
    short_in_cycle = np.zeros(n, dtype=bool)
    for t in range(T):  # days; each step is vectorised over series
        slot = t % size
        got = pipeline[slot]
        # a cycle ends at each receipt (continuous review) or at each review (periodic review,
        # where every review period is a cycle, as in P(D(R + L) <= S))
        arrived = got > 0 if policy == "continuous" else np.full(n, t % review_days == 0)
        net += got
        on_order -= got
        pipeline[slot] = 0.0
        measure = t >= start
        if measure:
            cycles += arrived
            cycles_ok += arrived & ~short_in_cycle
        short_in_cycle &= ~arrived
        d = D[t]
        avail = np.maximum(net, 0.0)
        fill = np.minimum(avail, d)
        short = d - fill
        net = net - d if not lost_sales else net - fill
        short_in_cycle |= short > 1e-9
        if measure:
            dem += d
            filled += fill
            on_hand_sum += np.maximum(net, 0.0)
        position = net + on_order
        if policy == "continuous":
            k = np.where(position <= s, np.floor((s - position) / Q) + 1, 0.0)
            q = k * Q
        elif t % review_days == 0:
            q = np.maximum(S - position, 0.0)
        else:
            continue
        placed = q > 1e-9
        if not placed.any():
            continue
        lead = base_lead.copy()
        if has_hist.any():
            pick = (rng.random(n) * span).astype(int)
            drawn = comp[idx, np.minimum(pick, span - 1)] if lead_samples is not None else lead
            lead = np.where(has_hist, np.maximum(np.round(drawn), 1), lead)
        lead = np.minimum(lead, size - 2).astype(int)
        pipeline[(t + 1 + lead[placed]) % size, idx[placed]] += q[placed]
        on_order += q
        if measure:
            orders += placed
    days = T - start
    with np.errstate(invalid="ignore", divide="ignore"):
        fr = np.where(dem > 0, filled / dem, np.nan)
        cs = np.where(cycles > 0, cycles_ok / cycles, np.nan)
    return {
        "demand": dem,
        "filled": filled,
        "short": dem - filled,
        "cycles": cycles,
        "cycles_ok": cycles_ok,
        "avg_on_hand": on_hand_sum / days,
        "orders": orders,
        "fill_rate": fr,
        "cycle_service": cs,
    }


def simulate_recommendations(
    result: pd.DataFrame,
    daily: pd.DataFrame,
    pos: pd.DataFrame | None = None,
    *,
    keys: Sequence[str] = ("item_id", "location_id"),
    months: int = 12,
    warmup_months: int = 3,
    policy: str = "continuous",
    review_days: int = 30,
    lost_sales: bool = False,
    seed: int = 0,
) -> tuple[pd.DataFrame, dict]:
    """Replay the last ``months`` of daily demand (after ``warmup_months`` of warm-up) under each
    row's recommended policy of ``result`` (:func:`scmlib.inventory.safety_stock.safety_stock_table`
    output: reorder_point, order_qty, order_up_to, lead_time_days, unit_cost, safety_stock) with
    lead times drawn from the item's PO receipts. Returns per-row results (demand, filled,
    short, fill_rate, cycles, cycle_service, avg_on_hand, avg_on_hand_value and
    predicted_avg_value = (safety stock + Q / 2) x unit cost) and an info dict (first and last
    measured day)."""
    keys = list(keys)
    end = daily["date"].max()
    first = (end - pd.DateOffset(months=months)).normalize() + pd.Timedelta(days=1)
    sim_from = first - pd.DateOffset(months=warmup_months)
    D, dates = demand_matrix(daily, result, keys, sim_from, end)
    start = int((first - dates[0]).days)
    lead = result["lead_time_days"].to_numpy(float)
    out = replay(
        D,
        start,
        result["reorder_point"].to_numpy(float),
        result["order_qty"].to_numpy(float),
        lead,
        lead_samples=lead_time_samples(pos, result),
        policy=policy,
        review_days=review_days,
        order_up_to=result["order_up_to"].to_numpy(float) if policy == "periodic" else None,
        lost_sales=lost_sales,
        seed=seed,
    )
    sim = result[[*keys]].copy()
    cols = ("demand", "filled", "short", "fill_rate", "cycles", "cycles_ok", "cycle_service")
    for k in (*cols, "avg_on_hand"):
        sim[k] = out[k]
    cost = result["unit_cost"].to_numpy(float)
    sim["avg_on_hand_value"] = sim["avg_on_hand"] * cost
    half = result["order_qty"].to_numpy(float) / 2
    sim["predicted_avg_value"] = (result["safety_stock"].to_numpy(float) + half) * cost
    return sim, {"start": dates[start], "end": dates[-1], "days": len(dates) - start}


def service_by_segment(
    result: pd.DataFrame, sim: pd.DataFrame, group: str, keys=("item_id", "location_id")
) -> pd.DataFrame:
    """Per segment: target, achieved fill rate (demand-weighted), cycle service (cycles without a
    stock-out / cycles), the gap in points against the target of the measure used, average
    inventory value simulated against the formula's prediction."""
    keys = list(keys)
    r = result[[*keys, group, "service_target"]].merge(sim, on=keys)
    g = r.groupby(group, observed=True)
    out = g.agg(
        series=("item_id", "size"),
        target=("service_target", "first"),
        demand=("demand", "sum"),
        filled=("filled", "sum"),
        cycles=("cycles", "sum"),
        cycles_ok=("cycles_ok", "sum"),
        avg_on_hand_value=("avg_on_hand_value", "sum"),
        predicted_avg_value=("predicted_avg_value", "sum"),
    ).reset_index()
    out["fill_rate"] = out["filled"] / out["demand"].where(out["demand"] > 0)
    out["cycle_service"] = out["cycles_ok"] / out["cycles"].where(out["cycles"] > 0)
    out["inventory_vs_formula"] = out["avg_on_hand_value"] / out["predicted_avg_value"] - 1
    out = out.sort_values(["target", group], ascending=[False, True], kind="stable")
    return out.drop(columns=["filled", "cycles_ok"]).reset_index(drop=True)


def gap_lines(
    by_seg: pd.DataFrame,
    result: pd.DataFrame,
    sim: pd.DataFrame,
    group: str,
    measure: str = "fill_rate",
    keys=("item_id", "location_id"),
    tolerance: float = 0.01,
) -> list[str]:
    """One sentence per segment: the simulated service against the target of ``measure``
    (confirmed within ``tolerance``; exceeded: the series that need no safety stock; short:
    where the short units (fill rate) or failed cycles (cycle service) come from: intermittent
    and lumpy demand, demand that moved within the window (``demand_shift`` of ``result``: mean
    of the window's second half / first half), safety stocks capped by the sanity limit)."""
    keys = list(keys)
    cols = [c for c in ("short", "demand", "cycles", "cycles_ok") if c in sim]
    r = result.merge(sim[[*keys, *cols]].rename(columns={"demand": "sim_demand"}), on=keys)
    lines = []
    for row in by_seg.to_dict("records"):
        got, tgt = row[measure], row["target"]
        name = "fill rate" if measure == "fill_rate" else "cycle service"
        if np.isnan(got):
            lines.append(f"{row[group]}: no demand in the replay window.")
            continue
        gap = got - tgt
        seg = r[r[group] == row[group]]
        if abs(gap) <= tolerance:
            lines.append(
                f"{row[group]}: simulated {name} {got:.1%} against the {tgt:.0%} target "
                f"({gap * 100:+.1f} points): confirmed."
            )
            continue
        if gap > 0:
            none = int(seg["cycle_stock_only"].sum()) if "cycle_stock_only" in seg else 0
            lines.append(
                f"{row[group]}: simulated {name} {got:.1%} against the {tgt:.0%} target "
                f"({gap * 100:+.1f} points): exceeded, because {none:,} of {len(seg):,} "
                "item-locations need no safety stock for the target, yet their reorder point is "
                "kept at the expected lead-time demand (safety stock floored at zero) and every "
                "reorder point is rounded up to whole units: large orders and slow movers get "
                "more service than the target asks."
            )
            continue
        w = seg["short"] if measure == "fill_rate" else seg["cycles"] - seg["cycles_ok"]
        total = w.sum()
        what = "short units" if measure == "fill_rate" else "cycles with a stock-out"

        def share(mask, w=w, total=total) -> float:
            return float(w[mask].sum() / total) if total else 0.0

        odd = seg["demand_class"].isin(["intermittent", "lumpy"]) if "demand_class" in seg else None
        causes = []
        if odd is not None and share(odd) >= 0.005:  # a cause that explains nothing is not one
            causes.append(
                f"{share(odd):.0%} of the {what} are intermittent or lumpy item-locations"
            )
        moved = (seg["demand_shift"] - 1).abs() > 0.3 if "demand_shift" in seg else None
        if moved is not None and share(moved) >= 0.005:
            causes.append(
                f"{share(moved):.0%} are item-locations whose demand moved by more than 30% "
                "between the two halves of the window (trend or season: the formulas assume a "
                "stable mean)"
            )
        if "capped" in seg and seg["capped"].any():
            causes.append(f"{share(seg['capped']):.0%} from safety stocks capped by the limit")
        top = seg.assign(_w=w).nlargest(3, "_w")["item_id"].tolist()
        lines.append(
            f"{row[group]}: simulated {name} {got:.1%} against the {tgt:.0%} target "
            f"({gap * 100:+.1f} points): {'; '.join(causes) or 'no single cause'} (largest: "
            f"{', '.join(top)})."
        )
    return lines


def target_scenarios(
    inputs: pd.DataFrame,
    daily: pd.DataFrame,
    pos: pd.DataFrame | None,
    group: str,
    scenarios: dict[str, dict[str, float]],
    *,
    keys: Sequence[str] = ("item_id", "location_id"),
    history: np.ndarray | None = None,
    months: int = 12,
    lost_sales: bool = False,
    sanity: dict | None = None,
    seed: int = 0,
    **kwargs,
) -> pd.DataFrame:
    """Safety stocks and simulated service for each scenario of targets per segment (``scenarios``:
    name -> {segment: target}; a handful of scenarios, each one vectorised computation and one
    replay). ``kwargs`` go to :func:`scmlib.inventory.safety_stock.safety_stock_table`;
    ``sanity`` to :func:`scmlib.inventory.safety_stock.sanity_layer`.

    Returns one row per scenario and segment: target, fill_rate and cycle_service simulated,
    safety_stock_value, predicted_avg_value (formula), avg_on_hand_value (simulated), short units
    and their value at the unit price (``unit_price`` when present, else unit cost): the sales at
    risk, lost or late."""
    from scmlib.inventory.safety_stock import safety_stock_table, sanity_layer

    keys = list(keys)
    rows = []
    policy = kwargs.get("policy", "continuous")
    review_days = int(round(float(kwargs.get("review_period", 1.0)) * 30.44))
    for name, targets in scenarios.items():  # a handful of scenarios
        t = safety_stock_table(
            inputs.assign(service_target=inputs[group].map(targets)), history=history, **kwargs
        )
        if sanity is not None:
            t = sanity_layer(t, **sanity)
        sim, _ = simulate_recommendations(
            t,
            daily,
            pos,
            keys=keys,
            months=months,
            policy=policy,
            review_days=review_days,
            lost_sales=lost_sales,
            seed=seed,
        )
        by = service_by_segment(t, sim, group, keys)
        price = t["unit_price"] if "unit_price" in t else t["unit_cost"]
        m = t[[*keys, group, "safety_stock_value"]].assign(
            short_value=sim["short"].to_numpy() * price.fillna(t["unit_cost"]).to_numpy(),
            short=sim["short"].to_numpy(),
        )
        extra = m.groupby(group, observed=True)[
            ["safety_stock_value", "short", "short_value"]
        ].sum()
        by = by.merge(extra.reset_index(), on=group).assign(scenario=name)
        rows.append(by)
    out = pd.concat(rows, ignore_index=True)
    first = ["scenario", group, "target", "fill_rate", "cycle_service", "safety_stock_value"]
    return out[first + [c for c in out.columns if c not in first]]


def scenario_deltas(
    scen: pd.DataFrame, group: str, baseline: str, holding_rate: float
) -> pd.DataFrame:
    """Each scenario's change against ``baseline`` per segment: target and simulated fill rate
    before and after, extra average inventory (simulated) and its holding cost a year
    (x ``holding_rate``), sales at risk avoided (value of short units, a year) and the ratio of
    the two: what raising a tier's target buys."""
    base = scen[scen["scenario"] == baseline].set_index(group)
    rows = scen[scen["scenario"] != baseline].copy()
    b = base.reindex(rows[group])
    rows["baseline_target"] = b["target"].to_numpy()
    rows["baseline_fill_rate"] = b["fill_rate"].to_numpy()
    rows["extra_inventory"] = (
        rows["avg_on_hand_value"].to_numpy() - b["avg_on_hand_value"].to_numpy()
    )
    rows["extra_holding_cost"] = rows["extra_inventory"] * holding_rate
    rows["sales_protected"] = b["short_value"].to_numpy() - rows["short_value"].to_numpy()
    rows["cost_per_sale_protected"] = rows["extra_holding_cost"] / rows["sales_protected"].where(
        rows["sales_protected"] > 0
    )
    keep = [
        "scenario",
        group,
        "baseline_target",
        "target",
        "baseline_fill_rate",
        "fill_rate",
        "extra_inventory",
        "extra_holding_cost",
        "sales_protected",
        "cost_per_sale_protected",
    ]
    changed = rows["target"] != rows["baseline_target"]
    return rows.loc[changed, keep].reset_index(drop=True)


def step_up_scenarios(targets: dict[str, float]) -> dict[str, dict[str, float]]:
    """One what-if per tier, each raising that tier one step: to the next higher tier's target,
    the top tier by one point (at most 99.5%).

    >>> step_up_scenarios({"platinum": 0.98, "gold": 0.95, "standard": 0.92})
    {'platinum to 99%': {'platinum': 0.99}, 'gold to 98%': {'gold': 0.98}, 'standard to 95%': {'standard': 0.95}}
    """
    order = sorted(targets, key=lambda k: -targets[k])
    out = {}
    for i, tier in enumerate(order):
        new = min(round(targets[tier] + 0.01, 4), 0.995) if i == 0 else targets[order[i - 1]]
        out[f"{tier} to {new:.0%}"] = {tier: new}
    return out
