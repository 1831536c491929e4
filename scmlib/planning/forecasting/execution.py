"""Running the backtest over many series: chunks on local processes or a Dask cluster, progress,
interruption, and the assembly of the result frames (:func:`forecast`)."""

from __future__ import annotations

import os
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from scmlib.core.demand import complete_periods
from scmlib.errors import DataError, ParameterError
from scmlib.planning.forecasting.backtest import (
    SeriesSpec,
    Settings,
    calibrate_intervals,
    forecast_one,
)
from scmlib.planning.forecasting.backtest import (
    pool_intermittent as _pool_intermittent,
)
from scmlib.planning.forecasting.models import (
    ALL_MODELS,
    METRICS,
    _safe_forecast,
    default_models,
    season_length,
)


def _pin_threads() -> None:
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS"):
        os.environ[var] = "1"
    try:
        from threadpoolctl import threadpool_limits

        threadpool_limits(1)
    except Exception:  # threadpoolctl missing: environment variables still apply to new pools
        pass


def _warm_up(cfg: Settings) -> None:
    """Run every candidate model once on a small series (numba compiles or loads its cache)."""
    y = 10 + np.sin(np.arange(3 * cfg.m + 6, dtype=float))
    for name in cfg.models:
        _safe_forecast(name, y, 2, cfg.m, cfg.levels, {})


def _run_chunk(chunk: list[SeriesSpec], cfg: Settings) -> list[dict]:
    _pin_threads()
    return [forecast_one(s, cfg) for s in chunk]


@dataclass
class ForecastResult:
    forecast: pd.DataFrame
    metrics: pd.DataFrame
    backtest: pd.DataFrame
    profile: pd.DataFrame
    interrupted: bool = False
    settings: dict = field(default_factory=dict)
    cleaned: pd.DataFrame = field(default_factory=pd.DataFrame)  # capped points, raw value


def _prepare(df: pd.DataFrame, id_cols: list[str], freq: str, target: str, date_col: str):
    missing = [c for c in [*id_cols, date_col, target] if c not in df.columns]
    if missing:
        raise DataError(
            f"forecast input is missing column(s) {missing}; got columns {list(df.columns)}"
        )
    if df.empty:
        raise DataError("forecast input is empty: no demand rows to forecast")
    if not pd.api.types.is_datetime64_any_dtype(df[date_col]):
        raise DataError(f"column '{date_col}' must hold dates, got dtype {df[date_col].dtype}")
    offset = pd.tseries.frequencies.to_offset(freq)
    on_grid = (
        df[date_col] == (df[date_col] + offset - offset)
        if freq != "D"
        else pd.Series(True, index=df.index)
    )
    if not on_grid.all():
        bad = df.loc[~on_grid, date_col].head(3).dt.strftime("%Y-%m-%d").tolist()
        raise DataError(
            f"column '{date_col}' must hold period starts for frequency {freq!r}, got e.g. {bad}: aggregate to period starts first"
        )
    full = complete_periods(df[[*id_cols, date_col, target]], id_cols, date_col, target)
    return full, offset


def _check_arguments(h, models, metric, n_windows, levels, engine) -> None:
    """One-line :class:`ParameterError` for a forecast argument out of its domain."""
    if not isinstance(h, (int, np.integer)) or h < 1:
        raise ParameterError(f"horizon h must be a positive integer, got {h!r}")
    bad = [x for x in models if x not in ALL_MODELS]
    if bad or not models:
        raise ParameterError(f"unknown model(s) {bad or '[]'}; choose from {list(ALL_MODELS)}")
    if metric not in METRICS:
        raise ParameterError(f"selection metric must be one of {list(METRICS)}, got {metric!r}")
    if n_windows < 1:
        raise ParameterError(f"n_windows must be >= 1, got {n_windows!r}")
    bad_levels = [lv for lv in levels if not 0 < lv < 100]
    if bad_levels:
        raise ParameterError(f"interval levels must be between 0 and 100, got {bad_levels}")
    if engine not in ("local", "dask"):
        raise ParameterError(f"engine must be 'local' or 'dask', got {engine!r}")


def forecast(
    df: pd.DataFrame,
    h: int = 18,
    freq: str = "MS",
    id_cols: Sequence[str] = ("item_id",),
    models: Sequence[str] | None = None,
    levels: Sequence[int] = (80, 95),
    n_windows: int = 3,
    backtest_horizon: int | None = None,
    metric: str = "mase",
    combine: bool = True,
    combine_top: int = 3,
    select_margin: float | None = None,
    clean_outliers: bool = True,
    pool_intermittent: bool = True,
    calibrate: bool = True,
    eol_dates: pd.DataFrame | None = None,
    new_items: pd.DataFrame | None = None,
    target: str = "quantity",
    date_col: str = "date",
    n_jobs: int | None = None,
    engine: str = "local",
    address: str | None = None,
    progress: bool = True,
    chunk_size: int = 25,
) -> ForecastResult:
    """Forecast every series of ``df`` ``h`` periods ahead (see the module docstring).

    Parameters
    ----------
    df : long frame with ``id_cols``, ``date_col`` (period starts) and ``target``.
    eol_dates : optional frame with ``id_cols`` (or ``item_id``) and ``eol_date``.
    new_items : optional frame of ``id_cols`` to forecast although they have no history.
    engine : ``local`` (processes on this machine, ``n_jobs`` of them; default all cores)
        or ``dask`` (a dask.distributed cluster at ``address``; a local cluster if None).
    progress : show a progress bar (notebook or terminal). Ctrl-C / kernel interrupt stops
        the run and returns the series already done with ``interrupted=True``.
    """
    id_cols = list(id_cols)
    m = season_length(freq)
    models = default_models(freq) if models is None else models
    if (
        select_margin is None
    ):  # quarterly, yearly: the combination is always kept (module docstring)
        select_margin = 0.3 if m > 4 else 1.0
    _check_arguments(h, models, metric, n_windows, levels, engine)
    levels = tuple(int(lv) for lv in levels)
    cfg = Settings(
        h=int(h),
        m=m,
        freq=freq,
        models=tuple(models),
        levels=levels,
        n_windows=int(n_windows),
        backtest_horizon=int(backtest_horizon or min(h, max(m // 2, 1))),
        metric=metric,
        combine=combine,
        combine_top=combine_top,
        clean_outliers=clean_outliers,
        select_margin=float(select_margin),
        min_backtest=max(6, min(m, 12)),
        pool_intermittent=bool(pool_intermittent),
    )
    full, offset = _prepare(df, id_cols, freq, target, date_col)
    last = full[date_col].max()
    future = pd.date_range(last + offset, periods=h, freq=freq)
    keys = full[id_cols].drop_duplicates()
    if new_items is not None and len(new_items):
        extra = new_items[id_cols].drop_duplicates().merge(keys, how="left", indicator=True)
        extra = extra[extra["_merge"] == "left_only"].drop(columns="_merge")
    else:
        extra = keys.iloc[:0]
    eol_pos = {}
    if eol_dates is not None and len(eol_dates):
        on = [c for c in id_cols if c in eol_dates.columns]
        e = keys.merge(eol_dates[[*on, "eol_date"]].dropna(), on=on, how="inner")
        pos = np.searchsorted(future.values, e["eol_date"].values)
        eol_pos = dict(zip(map(tuple, e[id_cols].to_numpy()), pos))
    grouped = full.groupby(id_cols, sort=True, observed=True)
    ys = grouped[target].apply(np.asarray)
    ds = grouped[date_col].apply(np.asarray)
    specs = [
        SeriesSpec(
            k if isinstance(k, tuple) else (k,),
            y,
            d,
            eol_pos.get(k if isinstance(k, tuple) else (k,)),
        )
        for k, y, d in zip(ys.index, ys.to_numpy(), ds.to_numpy())
    ]
    specs += [
        SeriesSpec(tuple(k), np.zeros(0), np.array([], dtype="datetime64[ns]"), None, True)
        for k in extra.to_numpy()
    ]
    chunks = [specs[i : i + chunk_size] for i in range(0, len(specs), chunk_size)]
    results, interrupted = _execute(chunks, cfg, n_jobs, engine, address, progress, len(specs))
    results = _pool_intermittent(results, cfg)
    if calibrate:
        results = calibrate_intervals(results, cfg)
    return _assemble(results, cfg, id_cols, future, date_col, full, interrupted)


def _progress_bar(total: int, enabled: bool):
    from tqdm.auto import tqdm

    return tqdm(
        total=total,
        desc="forecasting",
        unit="series",
        disable=not enabled or os.environ.get("TQDM_DISABLE") == "1",
    )


def _execute(chunks, cfg, n_jobs, engine, address, progress, total):
    results: list[dict] = []
    bar = _progress_bar(total, progress)
    interrupted = False
    n_jobs = n_jobs or os.cpu_count() or 1
    try:
        if engine == "dask":
            from dask.distributed import Client, LocalCluster
            from dask.distributed import as_completed as dask_completed

            cluster = None
            if address is None:
                cluster = LocalCluster(
                    n_workers=n_jobs, threads_per_worker=1, processes=True, dashboard_address=None
                )
            client = Client(address or cluster)
            try:
                futures = client.map(_run_chunk, chunks, cfg=cfg, pure=False)
                for fut in dask_completed(futures):
                    part = fut.result()
                    results.extend(part)
                    bar.update(len(part))
            finally:
                client.close()
                if cluster is not None:
                    cluster.close()
        elif n_jobs == 1 or len(chunks) <= 1:
            _pin_threads()
            for chunk in chunks:
                part = _run_chunk(chunk, cfg)
                results.extend(part)
                bar.update(len(part))
        else:
            import multiprocessing as mp

            ctx = mp.get_context("fork") if "fork" in mp.get_all_start_methods() else None
            if ctx is not None:
                _warm_up(cfg)  # compile the models once here; forked workers inherit them
            with ProcessPoolExecutor(
                max_workers=n_jobs, mp_context=ctx, initializer=_pin_threads
            ) as pool:
                futures = [pool.submit(_run_chunk, c, cfg) for c in chunks]
                try:
                    for fut in as_completed(futures):
                        part = fut.result()
                        results.extend(part)
                        bar.update(len(part))
                except KeyboardInterrupt:
                    for f in futures:
                        f.cancel()
                    raise
    except KeyboardInterrupt:
        interrupted = True
    finally:
        bar.close()
    return results, interrupted


def _assemble(results, cfg, id_cols, future, date_col, full, interrupted) -> ForecastResult:
    results = sorted(results, key=lambda r: tuple(map(str, r["key"])))
    n, h = len(results), cfg.h
    keys = (
        np.array([r["key"] for r in results], dtype=object).reshape(n, len(id_cols))
        if n
        else np.empty((0, len(id_cols)), dtype=object)
    )
    fc = pd.DataFrame({c: np.repeat(keys[:, i], h) for i, c in enumerate(id_cols)})
    fc[date_col] = np.tile(future.values, n)
    fc["forecast"] = np.concatenate([r["mean"] for r in results]) if n else []
    for lv in cfg.levels:
        fc[f"lo_{lv}"] = np.concatenate([r["bounds"][f"lo-{lv}"] for r in results]) if n else []
        fc[f"hi_{lv}"] = np.concatenate([r["bounds"][f"hi-{lv}"] for r in results]) if n else []
    fc["model"] = np.repeat([r["model"] for r in results], h)
    prof = pd.DataFrame({c: keys[:, i] for i, c in enumerate(id_cols)})
    for col in ("model", "rule", "demand_class", "adi", "cv2", "n"):
        prof[col] = [r[col] for r in results]
    prof = prof.rename(columns={"n": "history_periods"})
    prof["forecast_note"] = [_zero_note(r, cfg) for r in results]
    mrows = [(r["key"], row) for r in results for row in r["metrics"]]
    if mrows:
        met = pd.DataFrame([row for _, row in mrows])
        kk = np.array([k for k, _ in mrows], dtype=object).reshape(len(mrows), len(id_cols))
        for i, c in enumerate(id_cols):
            met.insert(i, c, kk[:, i])
    else:
        met = pd.DataFrame(columns=[*id_cols, "model", *METRICS, "bias", "selected"])
    # backtest of the selected model, with actuals and dates
    pieces = []
    series_dates = full.groupby(id_cols, sort=True, observed=True)[date_col].apply(np.asarray)
    for r in results:
        if r["backtest"] is None:
            continue
        idx, pred, origin, actual = r["backtest"]
        k = r["key"] if len(id_cols) > 1 else r["key"][0]
        d = series_dates[k]
        piece = pd.DataFrame(
            {date_col: d[idx], "origin": d[origin], "actual": actual, "forecast": pred}
        )
        for i, c in enumerate(id_cols):
            piece.insert(i, c, r["key"][i])
        pieces.append(piece)
    cleaned = []
    for r in results:
        if len(r.get("capped", ())):
            k = r["key"] if len(id_cols) > 1 else r["key"][0]
            d = series_dates[k]
            q = full.loc[full[date_col].isin(d[r["capped"]]), :]
            piece = series_rows_of(q, id_cols, r["key"])
            cleaned.append(piece[[*id_cols, date_col, target_col(full, id_cols, date_col)]])
    cleaned_df = (
        pd.concat(cleaned, ignore_index=True).rename(
            columns={target_col(full, id_cols, date_col): "quantity"}
        )
        if cleaned
        else pd.DataFrame(columns=[*id_cols, date_col, "quantity"])
    )
    bt = (
        pd.concat(pieces, ignore_index=True)
        if pieces
        else pd.DataFrame(columns=[*id_cols, date_col, "origin", "actual", "forecast"])
    )
    settings = {
        "h": h,
        "freq": cfg.freq,
        "season_length": cfg.m,
        "models": list(cfg.models),
        "levels": list(cfg.levels),
        "n_windows": cfg.n_windows,
        "backtest_horizon": cfg.backtest_horizon,
        "metric": cfg.metric,
        "combine": cfg.combine,
    }
    return ForecastResult(fc, met, bt, prof, interrupted, settings, cleaned_df)


def target_col(full: pd.DataFrame, id_cols: list[str], date_col: str) -> str:
    """The demand column of the completed input frame (the one column besides ids and date)."""
    return next(c for c in full.columns if c not in (*id_cols, date_col))


def series_rows_of(df: pd.DataFrame, id_cols: list[str], key: tuple) -> pd.DataFrame:
    mask = np.ones(len(df), dtype=bool)
    for c, v in zip(id_cols, key):
        mask &= (df[c] == v).to_numpy()
    return df[mask]


def _zero_note(r: dict, cfg: Settings) -> str:
    """Why a series' forecast is zero over the whole horizon ("" when it is not)."""
    if np.asarray(r["mean"]).sum() > 0:
        return ""
    rule = r["rule"]
    if "new item" in rule:
        return "zero: new item without history, needs a planner forecast"
    if "all-zero history" in rule:
        return "zero: no demand in the whole history"
    if "end of life" in rule:
        return "zero: past end of life"
    return f"zero: no demand in the last {cfg.m} periods (the mean-based models give 0)"
