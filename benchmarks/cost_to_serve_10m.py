"""Cost to serve on 10,000,000 order lines: activity rates, every line costed, P&Ls by customer,
item, channel and service tier, and the customer whale curve.

Target: under 60 s on the 2-core reference machine. The naive peer, measured in the same run,
costs lines one at a time in a Python loop (dictionary look-ups of each line's order, shipment
and item figures) on a sample, extrapolated to the full size. Prints each step, the total, the
ratio and the peak resident memory.
"""

from __future__ import annotations

import resource
import sys
import time

import numpy as np
import pandas as pd

from scmlib.processes import cost_to_serve as C


def make(n: int, rng) -> dict[str, pd.DataFrame]:
    n_orders, n_cust, n_items = n // 4, 50_000, 100_000
    order = np.sort(rng.integers(0, n_orders, n))
    cust_of_order = rng.integers(0, n_cust, n_orders)
    cust_ids = pd.Index([f"C{i:06d}" for i in range(n_cust)])
    item_ids = pd.Index([f"I{i:06d}" for i in range(n_items)])
    item = rng.integers(0, n_items, n)
    start = pd.Timestamp("2026-01-01")
    qty = rng.integers(1, 20, n).astype(float)
    sales = pd.DataFrame(
        {
            "order_id": order,
            "customer_id": pd.Categorical.from_codes(cust_of_order[order], cust_ids),
            "item_id": pd.Categorical.from_codes(item, item_ids),
            "order_date": start + pd.to_timedelta(order % 365, unit="D"),
            "ordered_qty": qty,
            "delivered_qty": qty,
            "unit_price": np.round(rng.uniform(5, 50, n), 2),
            "returned_qty": np.where(rng.random(n) < 0.02, 1.0, 0.0),
        }
    )
    customers = pd.DataFrame(
        {
            "customer_id": cust_ids,
            "name": cust_ids,
            "service_tier": rng.choice(["platinum", "gold", "standard"], n_cust, p=[0.1, 0.3, 0.6]),
            "channel": rng.choice(["wholesale", "retail", "online", "OEM"], n_cust),
        }
    )
    items = pd.DataFrame(
        {
            "item_id": item_ids,
            "category": [f"cat {i % 40}" for i in range(n_items)],
            "unit_cost": np.round(rng.uniform(3, 35, n_items), 2),
            "unit_price": np.round(rng.uniform(40, 55, n_items), 2),
        }
    )
    orders = np.arange(n_orders)
    shipments = pd.DataFrame(
        {
            "shipment_id": orders // 2,  # two orders a shipment
            "order_id": orders,
            "weight_kg": rng.uniform(1, 50, n_orders),
            "shipment_cost": np.repeat(rng.uniform(10, 80, (n_orders + 1) // 2), 2)[:n_orders],
            "expedited": np.repeat(rng.random((n_orders + 1) // 2) < 0.05, 2)[:n_orders],
        }
    )
    periods = pd.date_range(start, periods=12, freq="MS")
    pools = [
        ("order handling", "orders", 4.0),
        ("picking", "lines", 2.0),
        ("packing", "units", 0.1),
        ("freight", "weight", 0.3),
        ("expedited delivery", "expedited_shipments", 50.0),
        ("returns", "returns", 25.0),
        ("customer service", "orders", 3.0),
        ("inventory carrying", "stock_value", 0.015),
        ("procurement", "purchase_orders", 15.0),
    ]
    ac = pd.DataFrame(
        [(p, d, m, rate * n / 12) for p, d, rate in pools for m in periods],
        columns=["pool", "driver", "period", "cost"],
    )
    snaps = pd.DataFrame(
        {
            "snapshot_date": start,
            "item_id": item_ids,
            "on_hand_qty": rng.integers(0, 200, n_items).astype(float),
            "unit_cost": items["unit_cost"].to_numpy(),
        }
    )
    po = pd.DataFrame(
        {
            "item_id": item_ids[rng.integers(0, n_items, 500_000)],
            "order_date": start + pd.to_timedelta(rng.integers(0, 365, 500_000), unit="D"),
        }
    )
    return {
        "sales": sales,
        "customers": customers,
        "items": items,
        "ac": ac,
        "shipments": shipments,
        "snaps": snaps,
        "po": po,
    }


def naive(d: dict, rates: pd.DataFrame, sample: int) -> float:
    """Seconds to cost ``sample`` lines one at a time (dictionaries built first, not timed)."""
    s = d["sales"].iloc[:sample]
    lines_per_order = s["order_id"].value_counts().to_dict()
    sh = d["shipments"].set_index("order_id")
    kg = sh["weight_kg"].to_dict()
    exp = sh["expedited"].to_dict()
    stock = (
        d["snaps"].set_index("item_id")["on_hand_qty"]
        * d["snaps"].set_index("item_id")["unit_cost"]
    ).to_dict()
    r = rates.set_index("driver")["rate"].to_dict()
    t = time.perf_counter()
    total = 0.0
    for row in s.itertuples(index=False):
        k = lines_per_order[row.order_id]
        c = (r["orders"] / k) * 2 + r["lines"] + r["units"] * row.delivered_qty
        c += r["weight"] * kg.get(row.order_id, 0.0) / k
        c += r["expedited_shipments"] * (0.5 if exp.get(row.order_id) else 0.0) / k
        c += (
            r["returns"] * (row.returned_qty > 0)
            + r["stock_value"] * stock.get(row.item_id, 0) * 1e-4
        )
        total += c
    return time.perf_counter() - t


def main(n: int = 10_000_000) -> None:
    rng = np.random.default_rng(0)
    t = time.perf_counter()
    d = make(n, rng)
    print(f"generate {n:,} lines: {time.perf_counter() - t:.1f} s (not counted)", flush=True)
    t0 = time.perf_counter()
    r = C.analyse(
        d["sales"],
        d["customers"],
        d["items"],
        d["ac"],
        d["shipments"],
        d["snaps"],
        d["po"],
        tier_targets={"platinum": 0.98, "gold": 0.95, "standard": 0.92},
        safety_share=0.4,
    )
    t1 = time.perf_counter()
    print(f"rates + every line costed: {t1 - t0:.1f} s", flush=True)
    pnls = {by: C.pnl(r.lines, by) for by in ("customer_id", "item_id", "channel", "service_tier")}
    curve = C.whale_curve(pnls["customer_id"])
    tiers = C.tier_economics(r.lines)
    t2 = time.perf_counter()
    print(f"P&Ls (customer, item, channel, tier), whale curve, tiers: {t2 - t1:.1f} s", flush=True)
    total = t2 - t0
    sample = 200_000
    t_naive = naive(d, r.rates, sample) * n / sample
    print(
        f"total {total:.1f} s for {n:,} lines (target < 60 s); {len(curve):,} customers, {len(tiers)} tiers"
    )
    print(
        f"naive line-by-line loop: {t_naive:.0f} s extrapolated from {sample:,} lines; ratio {t_naive / total:.1f}x"
    )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6
    print(f"peak resident memory {peak:.1f} GB")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10_000_000)
