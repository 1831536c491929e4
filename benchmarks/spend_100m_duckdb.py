"""Spend analysis on 100,000,000 invoice lines held as Parquet, out of core through DuckDB.

Targets (issue 19): under 5 minutes and under 4 GB peak memory on the 2-core reference machine,
with DuckDB at 2 threads and a 3 GB memory limit.

The data are generated, never committed: the small demo's invoices (``scm data demo --scale 0.1``,
about 5,200 lines) are replicated with DuckDB, chunk by chunk, into Parquet files under ``/tmp``
with perturbed amounts (x 0.5-1.5, from a hash of the line and the copy) and new invoice ids;
dates, suppliers, categories, business units and POs are kept, so every rule still applies. No
100M-row frame is ever held in pandas.

The analysis (spend cube, totals, Pareto, tail, maverick flags, savings baseline) is run in a
fresh child process per measurement, so the peak resident memory (``ru_maxrss``) is that of the
analysis alone. The pandas path is measured on the first 10,000,000 lines for the ratio.

Usage: ``.venv/bin/python benchmarks/spend_100m_duckdb.py [--lines 100000000] [--out DIR]``
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

CHUNK = 10_000_000


def generate(demo: Path, out: Path, n: int) -> list[Path]:
    """Write ``n`` invoice lines as Parquet files of ``CHUNK`` lines under ``out/invoices``."""
    import duckdb

    inv = out / "invoices"
    inv.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect()
    con.execute("SET threads = 2; SET memory_limit = '3GB'; SET preserve_insertion_order = false")
    base = con.execute(f"SELECT count(*) FROM read_parquet('{demo}/invoices.parquet')").fetchone()[
        0
    ]
    files = []
    for k, first in enumerate(range(0, n, CHUNK)):
        rows = min(CHUNK, n - first)
        path = inv / f"part-{k:03d}.parquet"
        files.append(path)
        if path.exists() and path.stat().st_size > 0:
            continue
        copies_from, copies_to = first // base, (first + rows + base - 1) // base
        t = time.perf_counter()
        con.execute(
            f"""
            COPY (
              SELECT i.* REPLACE (
                       i.invoice_id || '-' || r.range AS invoice_id,
                       round(i.amount * (0.5 + (hash(i.invoice_id, i.line_id, r.range) % 1000)
                                         / 1000.0), 2) AS amount)
              FROM read_parquet('{demo}/invoices.parquet') i
              CROSS JOIN range({copies_from}, {copies_to}) r
              LIMIT {rows} OFFSET {first - copies_from * base}
            ) TO '{path}' (FORMAT parquet, ROW_GROUP_SIZE 1000000)
            """
        )
        print(f"  wrote {path.name}: {rows:,} lines in {time.perf_counter() - t:.0f} s", flush=True)
    for table in ("suppliers", "exchange_rates", "contracts", "purchase_order_lines"):
        target = out / f"{table}.parquet"
        if not target.exists():
            target.write_bytes((demo / f"{table}.parquet").read_bytes())
    return files


def _measure(engine: str, root: str, files: list[str]) -> None:
    """Child process: run one engine, print a JSON line with seconds, peak GB and the results."""
    import pandas as pd

    from scmlib.core.settings import company_settings
    from scmlib.procurement import spend as S
    from scmlib.procurement import spend_sql as SQ

    settings = company_settings()
    small = {t: pd.read_parquet(f"{root}/{t}.parquet") for t in SQ.OTHER_TABLES if t != "items"}
    rules = S.load_rules("data/reference/spend_rules.csv")
    rates = {"consolidation": 0.05, "tail": 0.08, "compliance": 0.04, "price_harmonisation": 0.5}
    t = time.perf_counter()
    if engine == "duckdb":
        result = SQ.analyse_parquet(
            files,
            suppliers=small["suppliers"],
            rates=small["exchange_rates"],
            pos=small["purchase_order_lines"],
            contracts=small["contracts"],
            settings=settings,
            rules=rules,
            savings_rates=rates,
            threads=2,
            memory_limit="3GB",
        )
    else:
        invoices = pd.concat([pd.read_parquet(f) for f in files], ignore_index=True)
        lines, norm, coverage = S.prepare_spend(
            invoices, small["suppliers"], small["exchange_rates"], "USD", rules=rules
        )
        del invoices
        result = S.analyse_lines(
            lines,
            norm,
            coverage,
            small["purchase_order_lines"],
            small["contracts"],
            settings=settings,
            rates=small["exchange_rates"],
            savings_rates=rates,
        )
    seconds = time.perf_counter() - t
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
    print(
        json.dumps(
            {
                "engine": engine,
                "lines": int(result.n_lines),
                "seconds": seconds,
                "peak_gb": peak,
                "total": float(result.total),
                "savings": float(result.savings["estimated_saving"].sum()),
                "cube_rows": len(result.cube),
            }
        )
    )


def _run(engine: str, root: Path, files: list[Path]) -> dict:
    cmd = [sys.executable, __file__, "--child", engine, "--out", str(root), *map(str, files)]
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode:
        sys.exit(f"{engine} run failed:\n{done.stderr[-3000:]}")
    r = json.loads(done.stdout.strip().splitlines()[-1])
    print(
        f"{r['engine']:>6} {r['lines']:>13,} lines: {r['seconds']:6.1f} s, "
        f"peak {r['peak_gb']:.2f} GB, spend {r['total']:,.0f}, cube rows {r['cube_rows']:,}",
        flush=True,
    )
    return r


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--lines", type=int, default=100_000_000)
    ap.add_argument("--pandas-lines", type=int, default=10_000_000)
    ap.add_argument("--demo", default="/tmp/spend100m_demo")
    ap.add_argument("--out", default="/tmp/spend100m")
    ap.add_argument("--child")
    ap.add_argument("files", nargs="*")
    a = ap.parse_args()
    if a.child:
        _measure(a.child, a.out, a.files)
        return
    demo, out = Path(a.demo), Path(a.out)
    if not (demo / "invoices.parquet").exists():
        subprocess.run(
            [Path(sys.executable).parent / "scm", "data", "demo", "--scale", "0.1", "--seed", "7"]
            + ["--out", str(demo)],
            check=True,
        )
    t = time.perf_counter()
    files = generate(demo, out, a.lines)
    print(f"generated {a.lines:,} lines in {len(files)} files in {time.perf_counter() - t:.0f} s")
    big = _run("duckdb", out, files)
    n_small = max(1, a.pandas_lines // CHUNK)
    small_duck = _run("duckdb", out, files[:n_small])
    small_pd = _run("pandas", out, files[:n_small])
    same = abs(small_duck["total"] / small_pd["total"] - 1) < 1e-6
    print(f"10M lines, DuckDB vs pandas totals equal to 1e-6: {same}")
    print(
        f"ratio on {small_pd['lines']:,} lines: DuckDB {small_duck['seconds']:.1f} s vs pandas "
        f"{small_pd['seconds']:.1f} s = {small_pd['seconds'] / small_duck['seconds']:.2f}x faster; "
        f"memory {small_duck['peak_gb']:.2f} vs {small_pd['peak_gb']:.2f} GB"
    )
    print(
        f"100M target: {big['seconds']:.0f} s (< 300 s: {big['seconds'] < 300}), "
        f"peak {big['peak_gb']:.2f} GB (< 4 GB: {big['peak_gb'] < 4})"
    )


if __name__ == "__main__":
    main()
