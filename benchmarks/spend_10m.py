"""Spend cube, Pareto, tail and maverick analysis on 10,000,000 invoice lines.

Targets: at most 60 s and peak memory under 6 GB on the 2-core reference machine.
Prints the time of each step, the total and the peak resident memory of the process.
"""

from __future__ import annotations

import resource
import time

import numpy as np
import pandas as pd

from scmlib.procurement import spend as S


def main(n: int = 10_000_000) -> None:
    rng = np.random.default_rng(0)
    suppliers = pd.Index([f"Supplier {i:05d}" for i in range(20_000)])
    w = rng.pareto(1.2, len(suppliers)) + 0.01
    t0 = time.perf_counter()
    lines = pd.DataFrame(
        {
            "supplier_id": pd.Categorical.from_codes(
                rng.choice(len(suppliers), n, p=w / w.sum()), suppliers
            ),
            "category": pd.Categorical.from_codes(
                rng.integers(0, 40, n), [f"cat {i}" for i in range(40)]
            ),
            "business_unit": pd.Categorical.from_codes(
                rng.integers(0, 8, n), [f"BU {i}" for i in range(8)]
            ),
            "invoice_date": pd.Timestamp("2024-01-01")
            + pd.to_timedelta(rng.integers(0, 730, n), unit="D"),
            "amount_rc": np.round(rng.lognormal(6, 1.5, n), 2),
            "po_id": pd.Categorical.from_codes(
                np.where(rng.random(n) < 0.9, rng.integers(0, 2_000_000, n), -1),
                [f"PO{i}" for i in range(2_000_000)],
            ),
        }
    )
    lines["supplier"] = lines["supplier_id"]
    lines["period"] = lines["invoice_date"].dt.to_period("M").dt.start_time
    po = pd.DataFrame(
        {
            "po_id": [f"PO{i}" for i in range(2_000_000)],
            "order_date": pd.Timestamp("2024-01-01")
            + pd.to_timedelta(rng.integers(0, 730, 2_000_000), unit="D"),
        }
    )
    contracts = pd.DataFrame(
        {
            "supplier_id": suppliers[:5000].repeat(4),
            "category": [f"cat {i}" for i in range(4)] * 5000,
            "start_date": pd.Timestamp("2023-06-01"),
            "end_date": pd.Timestamp("2026-06-01"),
        }
    )
    print(
        f"generated {n:,} lines in {time.perf_counter() - t0:.1f} s ({lines.memory_usage(deep=True).sum() / 2**30:.2f} GB)"
    )
    steps = {}
    t = time.perf_counter()
    cube = S.spend_cube(lines)
    steps["spend cube (supplier x category x BU x month)"] = time.perf_counter() - t
    t = time.perf_counter()
    by_supplier = lines.groupby("supplier", observed=True)["amount_rc"].sum()
    par = S.pareto(by_supplier)
    tail = S.tail_spend(by_supplier, "share", 0.2)
    steps["Pareto and tail"] = time.perf_counter() - t
    t = time.perf_counter()
    flags, _ = S.maverick_flags(lines, po, contracts)
    steps["maverick (no PO, PO after invoice, off contract)"] = time.perf_counter() - t
    total = sum(steps.values())
    for k, v in steps.items():
        print(f"{k}: {v:.1f} s")
    print(
        f"cube rows {len(cube):,}; Pareto suppliers {int(par['in_pareto'].sum()):,}; tail suppliers {int(tail['tail'].sum()):,}; maverick share {lines.loc[flags['maverick'], 'amount_rc'].sum() / lines['amount_rc'].sum():.1%}"
    )
    print(f"analysis time: {total:.1f} s (target <= 60 s)")
    print(
        f"peak memory: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20:.2f} GB (target < 6 GB)"
    )


if __name__ == "__main__":
    main()
