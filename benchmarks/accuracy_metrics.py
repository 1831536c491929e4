"""All accuracy metrics for 1,000,000 forecast-actual rows, grouped by item and lag.

Target: at most 10 s on the 2-core reference machine.
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd

from scmlib.planning.accuracy import error_metrics, seasonal_scale


def main() -> None:
    rng = np.random.default_rng(0)
    n, items = 1_000_000, 20_000
    df = pd.DataFrame(
        {
            "item_id": pd.Categorical(rng.integers(0, items, n).astype(str)),
            "lag": rng.integers(1, 4, n),
            "actual": np.round(rng.gamma(2, 20, n)) * (rng.random(n) > 0.1),
        }
    )
    df["forecast"] = np.maximum(0, df["actual"] * rng.normal(1, 0.3, n) + rng.normal(0, 5, n))
    hist = pd.DataFrame(
        {
            "item_id": np.repeat(np.arange(items).astype(str), 24),
            "date": np.tile(pd.date_range("2023-01-01", periods=24, freq="MS"), items),
            "quantity": rng.gamma(2, 20, items * 24),
        }
    )
    scales = seasonal_scale(hist, ["item_id"])
    scales["item_id"] = pd.Categorical(scales["item_id"], categories=df["item_id"].cat.categories)
    t = time.perf_counter()
    out = error_metrics(df, ["item_id", "lag"], zero_rule="exclude", scales=scales)
    secs = time.perf_counter() - t
    print(
        f"{n:,} rows -> {len(out):,} item x lag groups, {out.shape[1] - 2} metrics each (MAE, RMSE, MAPE, WMAPE, sMAPE, bias, tracking signal, accuracy, MASE, RMSSE)"
    )
    print(f"time: {secs:.2f} s (target <= 10 s)")


if __name__ == "__main__":
    main()
