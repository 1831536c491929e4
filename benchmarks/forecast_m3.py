"""Forecast accuracy on the M3 competition's quarterly and yearly series (real data).

Each series' test horizon is forecast from its training part with the default pipeline
(selection by rolling-origin backtest); prints sMAPE (M3 definition), MASE (seasonal period 4
for quarterly, 1 for yearly) and 80%/95% interval coverage next to the published results
(Makridakis & Hibon 2000, as recomputed in ../shared/data/SOURCES.md).

The open peer is computed in the same run on the same series and cores: statsforecast's
AutoETS, DynamicOptimizedTheta (DOTM), AutoCES and AutoARIMA, each fitted once per series, their
plain mean, and DOTM alone. The pipeline runs twice: the default candidates of the frequency
(quarterly: the median of ETS, classic Theta, DOTM and CES; yearly: of ETS, DOTM and drift),
and the monthly defaults (ETS and classic Theta).

Targets (issue 17): quarterly sMAPE < 8.96 and MASE < 1.084, yearly sMAPE < 15.655 and MASE
< 2.576. Usage: python benchmarks/forecast_m3.py [path to the shared data folder]
(``SCM_M3_SKIP_ARIMA=1`` leaves AutoARIMA out of the peer mean, for a quicker run;
``SCM_M3_VARIANTS`` names the pipeline variants to run, comma-separated; ``SCM_M3_ONLY=yearly``
runs one frequency; ``SCM_M3_SKIP_PEERS=1`` skips the peers, to iterate on the pipeline.)
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import numpy as np
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
    "quarterly": ("m3_quarterly.csv", "QS", 4, None),
    "yearly": ("m3_yearly.csv", "YS", 1, None),
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


def _scores(j: pd.DataFrame, train: pd.DataFrame, m: int, col: str) -> tuple[float, float]:
    """(sMAPE (M3 definition), MASE with the in-sample seasonal naive scale) of column ``col``."""
    smape = (
        (200 * (j["actual"] - j[col]).abs() / (j["actual"].abs() + j[col].abs()))
        .groupby(j["item_id"])
        .mean()
        .mean()
    )
    tr = train.sort_values(["item_id", "date"])
    g = tr.groupby("item_id")["quantity"]
    scale = (tr["quantity"] - g.shift(m)).abs().groupby(tr["item_id"]).mean()
    mase = ((j["actual"] - j[col]).abs().groupby(j["item_id"]).mean() / scale).mean()
    return float(smape), float(mase)


def _split(name: str):
    file, freq, m, _ = SETUPS[name]
    raw = load(file, freq)
    train = raw[raw["split"] == "train"].rename(
        columns={"series_id": "item_id", "value": "quantity"}
    )[["item_id", "date", "quantity"]]
    test = raw[raw["split"] == "test"].rename(columns={"series_id": "item_id", "value": "actual"})
    test = test.sort_values(["item_id", "t"]).copy()
    test["step"] = test.groupby("item_id").cumcount()
    return train, test, int(raw["horizon"].iloc[0]), freq, m


def peers(name: str) -> dict:
    """statsforecast's AutoETS, DOTM, AutoCES, AutoARIMA fitted once per series (all cores)."""
    from statsforecast import StatsForecast
    from statsforecast.models import (
        AutoARIMA,
        AutoCES,
        AutoETS,
        DynamicOptimizedTheta,
        Naive,
    )

    train, test, h, freq, m = _split(name)
    df = train.rename(columns={"item_id": "unique_id", "date": "ds", "quantity": "y"})
    out, secs = {}, {}
    models = {
        "AutoETS": AutoETS(season_length=m),
        "DynamicOptimizedTheta": DynamicOptimizedTheta(season_length=m),
        "CES": AutoCES(season_length=m),
    }
    if os.environ.get("SCM_M3_SKIP_ARIMA") != "1":
        models["AutoARIMA"] = AutoARIMA(season_length=m)
    for label, model in models.items():
        t0 = time.perf_counter()
        sf = StatsForecast(models=[model], freq=freq, n_jobs=-1, fallback_model=Naive())
        fc = sf.forecast(df=df, h=h).reset_index()
        secs[label] = time.perf_counter() - t0
        col = next(c for c in fc.columns if c not in ("unique_id", "ds", "index"))
        fc = fc.sort_values(["unique_id", "ds"])
        out[label] = fc[col].to_numpy()
        ids = fc["unique_id"].to_numpy()
    frame = pd.DataFrame({"item_id": ids, **out})
    frame["step"] = frame.groupby("item_id").cumcount()
    members = list(models)
    frame["mean4"] = frame[members].mean(axis=1)
    frame["ets_dotm"] = frame[["AutoETS", "DynamicOptimizedTheta"]].mean(axis=1)
    j = test.merge(frame, on=["item_id", "step"])
    res = {
        f"statsforecast mean of {len(members)} ({', '.join(members)})": (
            *_scores(j, train, m, "mean4"),
            sum(secs.values()),
        ),
        "statsforecast DynamicOptimizedTheta": (
            *_scores(j, train, m, "DynamicOptimizedTheta"),
            secs["DynamicOptimizedTheta"],
        ),
        "statsforecast mean of AutoETS + DOTM": (
            *_scores(j, train, m, "ets_dotm"),
            secs["AutoETS"] + secs["DynamicOptimizedTheta"],
        ),
    }
    for label, t in secs.items():
        print(f"    ({label}: {t:.0f} s)", flush=True)
    return res


def evaluate(name: str, models=None) -> dict:
    file, freq, m, default = SETUPS[name]
    models = models or default
    train, test, h, freq, m = _split(name)
    t0 = time.perf_counter()
    res = forecast(
        train, h=h, freq=freq, models=models, n_windows=3, backtest_horizon=h, progress=False
    )
    secs = time.perf_counter() - t0
    fc = res.forecast.sort_values(["item_id", "date"]).copy()
    fc["step"] = fc.groupby("item_id").cumcount()
    j = test.merge(fc, on=["item_id", "step"])
    smape, mase = _scores(j, train, m, "forecast")
    cov = {
        lv: ((j["actual"] >= j[f"lo_{lv}"]) & (j["actual"] <= j[f"hi_{lv}"])).mean()
        for lv in (80, 95)
    }
    sel = res.metrics[res.metrics["selected"] == True]  # noqa: E712
    return {
        "series": j["item_id"].nunique(),
        "h": h,
        "seconds": secs,
        "smape": smape,
        "mase": mase,
        "cov80": cov[80],
        "cov95": cov[95],
        "bt80": float(np.mean(sel["coverage_80"])),
        "bt95": float(np.mean(sel["coverage_95"])),
        "models": res.profile["model"].value_counts().head(4).to_dict(),
    }


VARIANTS = {
    "scmlib default pipeline": None,
    "scmlib monthly defaults (no DOTM, CES, drift)": DEFAULT_MODELS,
}

if __name__ == "__main__":
    only = os.environ.get("SCM_M3_ONLY")
    for name in SETUPS:
        if only and name != only:
            continue
        print(f"M3 {name}:", flush=True)
        keep = os.environ.get("SCM_M3_VARIANTS", ",".join(VARIANTS)).split(",")
        for label, models in ((k, v) for k, v in VARIANTS.items() if k in keep):
            r = evaluate(name, models)
            print(
                f"  {label:<44} sMAPE {r['smape']:6.3f}  MASE {r['mase']:.3f}  {r['seconds']:5.0f} s"
                f"  test coverage 80% {r['cov80']:.1%} 95% {r['cov95']:.1%}; backtest "
                f"80% {r['bt80']:.1%} 95% {r['bt95']:.1%}",
                flush=True,
            )
            print(f"    models chosen: {r['models']}", flush=True)
        if os.environ.get("SCM_M3_SKIP_PEERS") == "1":
            continue
        for label, (sm, ma, secs) in peers(name).items():
            print(f"  {label:<44} sMAPE {sm:6.3f}  MASE {ma:.3f}  {secs:5.0f} s", flush=True)
        for k, (sm, ma) in PUBLISHED[name].items():
            print(f"  published {k:<34} sMAPE {sm:6.2f}  MASE {ma:.3f}", flush=True)
