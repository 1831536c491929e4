"""Loading and validating a 1,000,000-row purchase_order_lines CSV against a plain pandas.read_csv.

Targets: load + validation at most 2x the time of plain ``pandas.read_csv`` of the same file,
and peak memory at most 3x the resulting DataFrame's size. Each measurement runs in a fresh
process so that peak RSS (ru_maxrss) is its own.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

CHILD = r"""
import json, sys, time
import pandas as pd
mode, folder = sys.argv[1], sys.argv[2]
from scmlib.data import load_data  # imports outside the measured window

def rss_mb(field):
    for line in open("/proc/self/status"):
        if line.startswith(field):
            return int(line.split()[1]) / 1024
    return float("nan")

base = rss_mb("VmRSS:")
t = time.perf_counter()
if mode == "plain":
    df = pd.read_csv(f"{folder}/purchase_order_lines.csv")
else:
    df = load_data(folder, tables=["purchase_order_lines"])["purchase_order_lines"]
secs = time.perf_counter() - t
peak = rss_mb("VmHWM:")
print(json.dumps({"seconds": secs, "peak_delta_mb": peak - base, "frame_mb": df.memory_usage(deep=True).sum() / 2**20}))
"""


def make_file(folder: Path, n: int = 1_000_000) -> Path:
    rng = np.random.default_rng(0)
    order = pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 700, n), unit="D")
    df = pd.DataFrame(
        {
            "po_id": "PO" + pd.Series(np.arange(n) // 3).astype(str),
            "line_id": (np.arange(n) % 3 + 1).astype(str),
            "supplier_id": "S" + pd.Series(rng.integers(0, 2000, n)).astype(str),
            "item_id": "I" + pd.Series(rng.integers(0, 50_000, n)).astype(str),
            "category": rng.choice(
                ["Electrical", "Tools", "Packaging", "Chemicals", "IT services"], n
            ),
            "business_unit": rng.choice(["Ops", "Sales", "R&D"], n),
            "order_date": order.strftime("%Y-%m-%d"),
            "promised_date": (order + pd.Timedelta(days=20)).strftime("%Y-%m-%d"),
            "receipt_date": (order + pd.to_timedelta(rng.integers(10, 40, n), unit="D")).strftime(
                "%Y-%m-%d"
            ),
            "ordered_qty": rng.integers(1, 500, n),
            "received_qty": rng.integers(1, 500, n),
            "unit_price": np.round(rng.uniform(0.5, 900, n), 2),
            "currency": rng.choice(["USD", "EUR"], n),
            "contract_id": None,
        }
    )
    path = folder / "purchase_order_lines.csv"
    df.to_csv(path, index=False)
    return path


def run(mode: str, folder: Path) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", CHILD, mode, str(folder)], capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        path = make_file(folder)
        print(f"file: {path.stat().st_size / 2**20:,.0f} MB, 1,000,000 rows")
        plain = min((run("plain", folder) for _ in range(2)), key=lambda r: r["seconds"])
        ours = min((run("scmlib", folder) for _ in range(2)), key=lambda r: r["seconds"])
    print(
        f"pandas.read_csv:          {plain['seconds']:.2f} s, peak +{plain['peak_delta_mb']:,.0f} MB, frame {plain['frame_mb']:,.0f} MB"
    )
    print(
        f"scmlib load + validation: {ours['seconds']:.2f} s, peak +{ours['peak_delta_mb']:,.0f} MB, frame {ours['frame_mb']:,.0f} MB"
    )
    print(f"time ratio: {ours['seconds'] / plain['seconds']:.2f} (target <= 2.0)")
    print(
        f"peak memory / frame size: {ours['peak_delta_mb'] / ours['frame_mb']:.2f} (target <= 3.0)"
    )


if __name__ == "__main__":
    main()
