"""Forecasting throughput of the default pipeline (selection by backtest included).

Monthly item-location series of the demo company (scale 1, about 4,200 series), horizon 18:
prints series/s for 250, 500 and 1,000 series (time should grow linearly), the wall time for
1,400 series (target: at most 5 minutes on the 2-core reference machine), the speed-up of
all cores over one core, and the open peer on the same 1,400 series and cores: statsforecast's
AutoETS + DynamicOptimizedTheta fitted once per series (no selection, Naive as the fallback for
series too short for them). Target (issue 17): pipeline time / peer time <= 1.
"""

from __future__ import annotations

import os
import time

from scmlib.data.demo import generate_demo
from scmlib.planning.forecasting import forecast


def main() -> None:
    d = generate_demo(42, 1.0)["demand_history"]
    keys = d[["item_id", "location_id"]].drop_duplicates()
    cores = os.cpu_count()
    print(
        f"demo demand: {len(keys):,} item-location series, {d['date'].nunique()} months; {cores} cores"
    )
    forecast(
        d.merge(keys.head(20), on=["item_id", "location_id"]),
        h=18,
        id_cols=["item_id", "location_id"],
        progress=False,
    )  # load compiled models once
    rates = {}
    for n in (250, 500, 1000, 1400):
        sub = d.merge(keys.head(n), on=["item_id", "location_id"])
        t = time.perf_counter()
        forecast(sub, h=18, id_cols=["item_id", "location_id"], progress=False)
        secs = time.perf_counter() - t
        rates[n] = n / secs
        print(f"{n:>5} series: {secs:6.1f} s  {rates[n]:6.1f} series/s")
    print(
        f"linearity: series/s at 1,000 / at 250 = {rates[1000] / rates[250]:.2f} (1.0 = perfectly linear)"
    )
    sub = d.merge(keys.head(1000), on=["item_id", "location_id"])
    t = time.perf_counter()
    forecast(sub, h=18, id_cols=["item_id", "location_id"], progress=False, n_jobs=1)
    one = time.perf_counter() - t
    print(
        f"1,000 series on 1 core: {one:.1f} s -> all {cores} cores are {one * rates[1000] / 1000:.2f}x faster"
    )
    print(f"1,400 series: {1400 / rates[1400]:.0f} s (target <= 300 s)")
    # the machine is shared: time the peer and the pipeline back to back, twice, best of each
    sub = d.merge(keys.head(1400), on=["item_id", "location_id"])
    peers, ours = [], []
    for _ in range(2):
        peers.append(_peer(sub))
        t = time.perf_counter()
        forecast(sub, h=18, id_cols=["item_id", "location_id"], progress=False)
        ours.append(time.perf_counter() - t)
    print(
        f"statsforecast AutoETS + DynamicOptimizedTheta, same 1,400 series, {cores} cores: "
        f"{min(peers):.1f} s (runs {', '.join(f'{x:.1f}' for x in peers)}); pipeline "
        f"{min(ours):.1f} s (runs {', '.join(f'{x:.1f}' for x in ours)}); "
        f"pipeline / peer = {min(ours) / min(peers):.2f} (target <= 1)"
    )


def _peer(sub) -> float:
    """Seconds for statsforecast's AutoETS + DOTM on the series of ``sub`` (zeros filled)."""
    import pandas as pd
    from statsforecast import StatsForecast
    from statsforecast.models import AutoETS, DynamicOptimizedTheta, Naive

    from scmlib.core.demand import complete_periods

    full = complete_periods(sub, ["item_id", "location_id"], "date", "quantity")
    df = pd.DataFrame(
        {
            "unique_id": full["item_id"].astype(str) + "/" + full["location_id"].astype(str),
            "ds": full["date"],
            "y": full["quantity"].astype(float),
        }
    )
    models = [AutoETS(season_length=12), DynamicOptimizedTheta(season_length=12)]
    sf = StatsForecast(models=models, freq="MS", n_jobs=-1, fallback_model=Naive())
    sf.forecast(df=df[df["unique_id"].isin(df["unique_id"].unique()[:20])], h=18)  # compile
    t = time.perf_counter()
    sf.forecast(df=df, h=18)
    return time.perf_counter() - t


if __name__ == "__main__":
    main()
