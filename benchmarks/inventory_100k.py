"""Segmentation plus safety stock for 100,000 item-locations (12 months of demand each).

Target: at most 30 s on the 2-core reference machine.
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd

from scmlib.inventory.safety_stock import safety_stock_table
from scmlib.inventory.segmentation import abc_xyz


def main() -> None:
    rng = np.random.default_rng(0)
    n, months = 100_000, 12
    n_items = 50_000
    series = pd.DataFrame(
        {"item_id": np.arange(n) % n_items, "location_id": np.arange(n) // n_items}
    )
    series["item_id"] = "I" + series["item_id"].astype(str)
    series["location_id"] = "L" + series["location_id"].astype(str)
    level = rng.gamma(1.2, 30, n)
    occur = rng.random((n, months)) < rng.uniform(0.2, 1.0, n)[:, None]
    qty = np.round(rng.gamma(2, level[:, None] / 2) * occur)
    demand = pd.DataFrame(
        {
            "item_id": np.repeat(series["item_id"].to_numpy(), months),
            "location_id": np.repeat(series["location_id"].to_numpy(), months),
            "date": np.tile(pd.date_range("2025-11-01", periods=months, freq="MS").to_numpy(), n),
            "quantity": qty.ravel(),
        }
    )
    items = pd.DataFrame(
        {
            "item_id": "I" + pd.Series(np.arange(n_items)).astype(str),
            "category": "c",
            "unit_cost": rng.uniform(1, 100, n_items),
            "unit_price": 0.0,
        }
    )
    items["unit_price"] = items["unit_cost"] * 1.4
    t = time.perf_counter()
    seg = abc_xyz(demand, items, ["item_id", "location_id"], months=months)
    t_seg = time.perf_counter() - t
    inputs = seg.assign(
        mean_demand=seg["mean"],
        std_demand=seg["std"],
        lead_time=rng.uniform(0.5, 3, len(seg)),
        lead_time_std=rng.uniform(0, 0.5, len(seg)),
        service_target=seg["abc"].map({"A": 0.98, "B": 0.95, "C": 0.9}),
    )
    t2 = time.perf_counter()
    out = safety_stock_table(inputs, measure="fill_rate")
    t_ss = time.perf_counter() - t2
    print(f"{len(seg):,} item-locations x {months} months ({len(demand):,} demand rows)")
    print(
        f"segmentation (ABC, XYZ, demand classes): {t_seg:.1f} s; safety stock (fill rate, normal/Poisson/gamma): {t_ss:.1f} s"
    )
    print(f"distributions: {out['distribution'].value_counts().to_dict()}")
    print(f"total: {t_seg + t_ss:.1f} s (target <= 30 s)")


if __name__ == "__main__":
    main()
