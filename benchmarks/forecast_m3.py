"""Forecast accuracy on the M3 competition's quarterly and yearly series (real data).

Each series' test horizon is forecast from its training part with the default pipeline
(selection by rolling-origin backtest); prints sMAPE (M3 definition), MASE (seasonal period 4
for quarterly, 1 for yearly) and 80%/95% interval coverage next to the published results
(Makridakis & Hibon 2000, as recomputed in ../shared/data/SOURCES.md).

Targets: quarterly sMAPE <= 9.2 (Theta 8.96), yearly sMAPE <= 16.9 (Theta 16.97, best 16.42).
Usage: python benchmarks/forecast_m3.py [path to the shared data folder]
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pandas as pd

from scmlib.planning.forecasting import DEFAULT_MODELS, forecast

SHARED = (
    Path(sys.argv[1])
    if len(sys.argv) > 1
    else Path(__file__).resolve().parents[2] / "shared" / "data"
)
PUBLISHED = {
    "quarterly": {"Naive2": (9.95, 1.238), "Theta": (8.96, 1.087)},
    "yearly": {"Naive2": (17.88, 3.172), "Theta": (16.97, 2.806), "RBF (best)": (16.42, 2.720)},
}
SETUPS = {
    "quarterly": ("m3_quarterly.csv", "QS", 4, DEFAULT_MODELS),
    "yearly": ("m3_yearly.csv", "YS", 1, DEFAULT_MODELS),
}


def load(file: str, freq: str) -> pd.DataFrame:
    raw = pd.read_csv(SHARED / file)
    # the M3 time stamps are labels; give every series a regular calendar ending on the same period
    n = raw.groupby("series_id")["t"].transform("max")
    periods = pd.period_range(
        end="2099Q4" if freq == "QS" else "2099",
        periods=int(n.max()),
        freq="Q" if freq == "QS" else "Y",
    )
    raw["date"] = periods[
        len(periods) - 1 - (n - raw["t"]).to_numpy()
    ].to_timestamp()  # every series ends on the same period
    return raw


def evaluate(name: str) -> dict:
    file, freq, m, models = SETUPS[name]
    raw = load(file, freq)
    train = raw[raw["split"] == "train"].rename(
        columns={"series_id": "item_id", "value": "quantity"}
    )[["item_id", "date", "quantity"]]
    test = raw[raw["split"] == "test"].rename(columns={"series_id": "item_id", "value": "actual"})
    h = int(raw["horizon"].iloc[0])
    t0 = time.perf_counter()
    res = forecast(
        train, h=h, freq=freq, models=models, n_windows=3, backtest_horizon=h, progress=False
    )
    secs = time.perf_counter() - t0
    fc = res.forecast.sort_values(["item_id", "date"]).copy()
    fc["step"] = fc.groupby("item_id").cumcount()
    test = test.sort_values(["item_id", "t"]).copy()
    test["step"] = test.groupby("item_id").cumcount()
    j = test.merge(fc, on=["item_id", "step"])
    smape = (
        (200 * (j["actual"] - j["forecast"]).abs() / (j["actual"].abs() + j["forecast"].abs()))
        .groupby(j["item_id"])
        .mean()
        .mean()
    )
    tr = train.sort_values(["item_id", "date"])
    g = tr.groupby("item_id")["quantity"]
    scale = (tr["quantity"] - g.shift(m)).abs().groupby(tr["item_id"]).mean()
    mase = ((j["actual"] - j["forecast"]).abs().groupby(j["item_id"]).mean() / scale).mean()
    cov = {
        lv: ((j["actual"] >= j[f"lo_{lv}"]) & (j["actual"] <= j[f"hi_{lv}"])).mean()
        for lv in (80, 95)
    }
    return {
        "series": j["item_id"].nunique(),
        "h": h,
        "seconds": secs,
        "smape": smape,
        "mase": mase,
        "cov80": cov[80],
        "cov95": cov[95],
        "models": res.profile["model"].value_counts().head(4).to_dict(),
    }


if __name__ == "__main__":
    for name in SETUPS:
        r = evaluate(name)
        print(f"M3 {name}: {r['series']} series, h={r['h']}, {r['seconds']:.0f} s")
        print(
            f"  scmlib default pipeline: sMAPE {r['smape']:.2f}  MASE {r['mase']:.3f}  coverage 80% {r['cov80']:.1%}  95% {r['cov95']:.1%}"
        )
        for k, (s, ma) in PUBLISHED[name].items():
            print(f"  published {k:<12} sMAPE {s:.2f}  MASE {ma:.3f}")
        print(f"  models chosen: {r['models']}")
