"""Rolling-origin backtest, model selection and intervals for one series (:func:`forecast_one`).

See :mod:`scmlib.planning.forecasting` for the rules and references.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from scmlib.core.demand import ADI_CUTOFF, demand_class
from scmlib.core.forecast_error import point_errors, window_metrics
from scmlib.planning.forecasting.models import (
    ALL_MODELS,
    CONTINUOUS,
    ENSEMBLE,
    INTERMITTENT,
    POOLED,
    SEASONAL,
    _safe_forecast,
)


def _scale(y_train: np.ndarray, m: int) -> tuple[float, float]:
    """In-sample MAE and RMSE of the seasonal naive (naive if too short): MASE / RMSSE scales."""
    lag = m if len(y_train) > m else 1
    d = np.abs(y_train[lag:] - y_train[:-lag]) if len(y_train) > lag else np.array([])
    mae = float(d.mean()) if d.size else np.nan
    rmse = float(np.sqrt((d**2).mean())) if d.size else np.nan
    if not mae or not np.isfinite(mae):
        mae = float(np.mean(np.abs(y_train))) or 1.0
    if not rmse or not np.isfinite(rmse):
        rmse = float(np.sqrt(np.mean(y_train**2))) or 1.0
    return mae, rmse


# Backtest metrics of one window: the suite's one implementation and sign convention
# (e = forecast - actual, positive bias = over-forecast), shared with the accuracy reports.
_window_metrics = window_metrics


@dataclass
class SeriesSpec:
    key: tuple
    y: np.ndarray  # full history (zeros filled), oldest first
    dates: np.ndarray  # period starts of y
    eol_index: int | None = (
        None  # position (in future periods, 0 = first forecast period) from which demand ends
    )
    new_item: bool = False


@dataclass
class Settings:
    h: int
    m: int
    freq: str
    models: tuple[str, ...]
    levels: tuple[int, ...]
    n_windows: int
    backtest_horizon: int
    metric: str
    combine: bool
    combine_top: int
    clean_outliers: bool
    select_margin: float
    min_backtest: int
    pool_intermittent: bool = True
    pool_min_series: int = 20


OUTLIER_K = 5.0  # robust standard deviations (1.4826 x MAD) from the median


def outlier_mask(
    y: np.ndarray, m: int = 1, k: float = OUTLIER_K
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Points that leave the series' running median by more than k robust standard deviations
    and do not recur seasonally.

    The Hampel filter (Hampel 1974; Pearson 2002, "Outliers in process modeling and
    identification", IEEE TCST 10(1)): the residual of each point from the centred running
    median (window 2 x floor(m / 2) + 1 periods, at least 5, so a trend or a level shift is not
    an outlier) is flagged when |residual| > k x 1.4826 x MAD of the residuals (1.4826 x MAD
    estimates the standard deviation of normal data; Leys et al. 2013). With at least two
    seasons of history, a flagged point is kept when the same period of another season is
    flagged too (a recurring peak is seasonality). A zero MAD (most intermittent series) flags
    nothing.

    Returns
    -------
    (mask, lower bounds, upper bounds), the bounds per point (running median -/+ k robust SD,
    the lower floored at 0).

    Examples
    --------
    >>> y = np.array([10, 11, 9, 10, 90, 10, 11, 9, 10, 10, 11, 9.0])
    >>> outlier_mask(y)[0].nonzero()[0].tolist()
    [4]
    >>> outlier_mask(np.arange(1, 13) ** 2.0)[0].any()  # a steep trend is not an outlier
    np.False_
    >>> y2 = np.tile([10, 11, 9, 60.0], 3)  # a peak every 4th period: seasonal, kept
    >>> outlier_mask(y2, m=4)[0].any()
    np.False_
    """
    import pandas as pd

    y = np.asarray(y, dtype=float)
    if len(y) < 3:
        return np.zeros(len(y), dtype=bool), y.copy(), y.copy()
    w = max(2 * (m // 2) + 1, 5)
    level = pd.Series(y).rolling(w, center=True, min_periods=1).median().to_numpy()
    r = y - level
    mad = 1.4826 * float(np.median(np.abs(r - np.median(r))))
    if mad <= 0:
        return np.zeros(len(y), dtype=bool), level, level
    lo, hi = np.maximum(level - k * mad, 0.0), level + k * mad
    flag = (y > hi) | (y < lo)
    if m > 1 and len(y) >= 2 * m and flag.any():
        pos = np.arange(len(y))
        phase = (pos - len(y)) % m  # season position, aligned on the last period
        counts = np.bincount(phase[flag], minlength=m)
        flag &= counts[phase] < 2
    return flag, lo, hi


def _cap_outliers(y: np.ndarray, m: int = 1) -> tuple[np.ndarray, int]:
    """Outliers of :func:`outlier_mask` capped at the bound they crossed (winsorised)."""
    flag, lo, hi = outlier_mask(y, m)
    if not flag.any():
        return y, 0
    capped = np.where(flag, np.clip(y, lo, hi), y)
    return capped, int(flag.sum())


@functools.cache
def _z(level: int, dof: int | None = None) -> float:
    """Two-sided quantile of a level: Student t with ``dof`` degrees of freedom when sigma is
    estimated from few backtest errors (dof = errors - 1), the normal otherwise."""
    from scipy.stats import norm, t

    if dof is None or dof >= 200:
        return float(norm.ppf(0.5 + level / 200))
    return float(t.ppf(0.5 + level / 200, max(int(dof), 1)))


def _empirical_intervals(
    mean: np.ndarray, sigma1: float, levels: Sequence[int], dof: int | None = None
) -> dict[str, np.ndarray]:
    """mean +/- q sigma_1 sqrt(k), q the normal quantile, or Student t's with ``dof`` degrees of
    freedom when sigma_1 comes from few backtest errors (the small-sample prediction interval)."""
    steps = np.sqrt(np.arange(1, len(mean) + 1))
    out = {}
    for level in levels:
        z = _z(level, dof)
        out[f"lo-{level}"] = mean - z * sigma1 * steps
        out[f"hi-{level}"] = mean + z * sigma1 * steps
    return out


def _union(native: dict, empirical: dict, levels: Sequence[int]) -> dict[str, np.ndarray]:
    """The wider of the model's own interval and the empirical (backtest-error) interval.

    Model-based intervals ignore model-selection and parameter uncertainty and tend to be
    too narrow; backtest errors measure what the forecasts actually missed by.
    """
    if not all(f"lo-{lv}" in native for lv in levels):
        return empirical
    out = {}
    for lv in levels:
        out[f"lo-{lv}"] = np.minimum(
            np.asarray(native[f"lo-{lv}"], dtype=float), empirical[f"lo-{lv}"]
        )
        out[f"hi-{lv}"] = np.maximum(
            np.asarray(native[f"hi-{lv}"], dtype=float), empirical[f"hi-{lv}"]
        )
    return out


def _sigma1(errors: np.ndarray, steps: np.ndarray) -> float:
    """sigma_1 from backtest errors under Var(e_k) = k sigma_1^2."""
    if errors.size == 0:
        return 0.0
    return float(np.sqrt(np.mean(errors**2 / steps)))


def _profile(s: SeriesSpec, cfg: Settings) -> tuple[np.ndarray, list[str], float, float, str]:
    """The series as the models see it (returns clipped, outliers capped when asked), the rules
    applied, and its Syntetos-Boylan profile (ADI, CV² of the non-zero demand sizes, class)."""
    y = np.clip(np.asarray(s.y, dtype=float), 0, None)
    rules = []
    if (np.asarray(s.y) < 0).any():
        rules.append("returns clipped")
    if cfg.clean_outliers and len(y) >= 8 and cfg.m > 1:
        y, n_capped = _cap_outliers(y, cfg.m)
        if n_capped:
            rules.append(f"{n_capped} outlier{'s' if n_capped > 1 else ''} capped")
    nz = int((y > 0).sum())
    adi = len(y) / nz if nz else np.nan
    sizes = y[y > 0]
    # sample standard deviation (ddof = 1), as Syntetos & Boylan and core.demand.cv2_of_sizes
    cv2 = float((sizes.std(ddof=1) / sizes.mean()) ** 2) if nz > 1 else 0.0
    dclass = str(demand_class(np.array([adi]), np.array([cv2]))[0])
    return y, rules, adi, cv2, dclass


def _candidates(y: np.ndarray, adi: float, cfg: Settings, rules: list[str]) -> list[str]:
    candidates = [
        mdl for mdl in cfg.models if mdl in (INTERMITTENT if adi >= ADI_CUTOFF else CONTINUOUS)
    ]
    if len(y) < 2 * cfg.m:
        candidates = [c for c in candidates if c not in SEASONAL]
        rules.append("short series: no seasonal models")
    return candidates or ["moving_average"]


def _origins(n: int, hb: int, cfg: Settings, rules: list[str]) -> list[int]:
    """As many rolling origins (up to ``n_windows``) as leave ``min_backtest`` training points."""
    for n_win in range(cfg.n_windows, 0, -1):
        first_origin = n - hb * n_win
        if first_origin >= cfg.min_backtest:
            if n_win < cfg.n_windows:
                rules.append(f"short history: {n_win} backtest window{'s' if n_win > 1 else ''}")
            return [first_origin + w * hb for w in range(n_win)]
    return []


def _backtest(
    y: np.ndarray, candidates: list[str], origins: list[int], hb: int, cfg: Settings
) -> tuple[dict, list[str]]:
    """Point forecasts of every candidate at every origin (models that fail at any origin drop
    out), plus the combination; returns (predictions by model, the combination's members)."""
    preds_by: dict[str, list[np.ndarray]] = {}
    for name in candidates:
        preds, state = [], {}
        for o in origins:
            out = _safe_forecast(
                name, y[:o], hb, cfg.m, (), state
            )  # point forecasts: intervals come from the errors
            if out is None:
                break
            preds.append(np.clip(np.asarray(out["mean"], dtype=float), 0, None))
        if origins and len(preds) == len(origins):
            preds_by[name] = preds
    top: list[str] = []
    if cfg.combine and len(preds_by) >= 2:
        # the ensemble of the structural models when at least two ran, else the best few candidates
        top = [n for n in ENSEMBLE if n in preds_by]
        if len(top) < 2:
            sc = _scales(y, origins, cfg.m)
            score = {
                n: float(np.mean(_window_table(y, ps, origins, hb, sc)[_sel_metric(cfg)]))
                for n, ps in preds_by.items()
            }
            top = sorted(score, key=score.get)[: cfg.combine_top]
        if len(top) >= 2:
            preds_by["combination"] = [
                _combine([preds_by[t][w] for t in top]) for w in range(len(origins))
            ]
        else:
            top = []
    return preds_by, top


def _combine(forecasts: list[np.ndarray]) -> np.ndarray:
    """The combination of the members' forecasts: their median, step by step (the mean for two
    members). The median of a few univariate models is robust to one member extrapolating
    wrongly (Petropoulos & Svetunkov 2020, "A simple combination of univariate models", IJF
    36(1); Jose & Winkler 2008, "Simple robust averages of forecasts", IJF 24(1)).

    >>> _combine([np.array([1.0, 2.0]), np.array([3.0, 2.0]), np.array([10.0, 2.5])]).tolist()
    [3.0, 2.0]
    """
    return np.median(np.stack(forecasts), axis=0)


def _scales(y: np.ndarray, origins: list[int], m: int) -> np.ndarray:
    """(W, 2): the MASE and RMSSE scales of the training data before each origin."""
    return np.array([_scale(y[:o], m) for o in origins])


def _window_table(y: np.ndarray, preds: list, origins: list[int], hb: int, sc: np.ndarray) -> dict:
    """Per-window backtest metrics of one model, all windows at once (arrays of length W), from
    the suite's one error implementation (:func:`scmlib.core.forecast_error.point_errors`)."""
    a = np.stack([y[o : o + hb] for o in origins])
    p = point_errors(a, np.stack(preds))
    mae = p["ae"].mean(axis=1)
    return {
        "a": a,
        "p": p,
        "mae": mae,
        "mase": mae / sc[:, 0],
        "rmsse": np.sqrt(p["se"].mean(axis=1)) / sc[:, 1],
        "smape": 100 * p["sape"].mean(axis=1),
        "bias": p["e"].mean(axis=1),
    }


def _score(y: np.ndarray, preds_by: dict, origins: list[int], hb: int, cfg: Settings) -> list[dict]:
    """Backtest metrics per model, with leave-one-window-out interval coverage (NaN with a
    single window: no other window's errors to build the interval from).

    WMAPE pools the windows (sum |e| / sum |A|); it is NaN, with a ``note``, when every
    backtest actual is zero (undefined, not huge), and selection then ignores it.
    """
    rows = []
    if not origins:
        return rows
    steps = np.arange(1, hb + 1)
    n_win = len(origins)
    sc = _scales(y, origins, cfg.m)
    for name, preds in preds_by.items():
        t = _window_table(y, preds, origins, hb, sc)
        row = {k: float(t[k].mean()) for k in ("mae", "mase", "rmsse", "smape", "bias")}
        total = float(t["p"]["abs_a"].sum())
        row["wmape"] = float(t["p"]["ae"].sum() / total) if total > 0 else np.nan
        row["note"] = "" if total > 0 else "all backtest actuals zero: WMAPE undefined"
        # leave-one-window-out sigma_1 (Var(e_k) = k sigma_1^2): honest, out-of-sample coverage
        ssq = (t["p"]["e"] ** 2 / steps).sum(axis=1)
        sig = np.sqrt((ssq.sum() - ssq) / ((n_win - 1) * hb)) if n_win > 1 else np.zeros(1)
        pred = np.stack(preds)
        for lv in cfg.levels:
            half = _z(lv, (n_win - 1) * hb - 1) * sig[:, None] * np.sqrt(steps)
            lo, hi = np.maximum(pred - half, 0), pred + half
            inside = (t["a"] >= lo - 1e-9) & (t["a"] <= hi + 1e-9)
            # one window leaves no other window's errors: coverage cannot be measured (NaN)
            row[f"coverage_{lv}"] = float(inside.mean()) if n_win > 1 else np.nan
        row["model"] = name
        rows.append(row)
    return rows


def _sel_metric(cfg: Settings) -> str:
    """The per-window metric ranking the candidates (WMAPE ranks by MAE within one series)."""
    return "mae" if cfg.metric == "wmape" else cfg.metric


def _choose(
    rows: list[dict], candidates: list[str], adi: float, cfg: Settings, rules: list[str]
) -> str:
    """The selected model: the lowest backtest metric, but the combination is kept unless a single
    model beats it by more than ``select_margin``; a preferred default when nothing could be scored."""
    if rows:

        def value(r):
            v = r[cfg.metric]
            return v if np.isfinite(v) else np.inf

        best = min(
            rows,
            key=lambda r: (
                value(r),
                ALL_MODELS.index(r["model"]) if r["model"] in ALL_MODELS else 99,
            ),
        )
        chosen = best["model"]
        combo = next((r for r in rows if r["model"] == "combination"), None)
        if (
            combo is not None
            and chosen != "combination"
            and not value(best) < (1 - cfg.select_margin) * value(combo)
        ):
            chosen = "combination"  # a single model must beat the ensemble clearly to replace it
    else:
        preferred = (
            ("sba", "croston", "moving_average")
            if adi >= ADI_CUTOFF
            else ("theta", "theta_classic", "ets", "naive")
        )
        chosen = next((c for c in preferred if c in candidates), candidates[0])
        rules.append(f"too short to backtest: {chosen}")
    for r in rows:
        r["selected"] = r["model"] == chosen
    return chosen


def _final_fit(
    y: np.ndarray, chosen: str, top: list[str], h: int, cfg: Settings, rules: list[str]
) -> tuple[str, np.ndarray, dict]:
    """Fit the chosen model on all the history. When it fails, fall back (to the combination's
    members that ran, then the moving average, then the last three periods' mean) and say so: the
    returned label is the model that produced the forecast, and the rule names the failure."""
    if chosen == "combination":
        outs = [
            # point forecasts only: the combination's band comes from its backtest errors
            o
            for o in (_safe_forecast(t, y, h, cfg.m, ()) for t in top)
            if o is not None
        ]
        if outs:
            return chosen, _combine([np.asarray(o["mean"], dtype=float) for o in outs]), {}
        rules.append("combination failed on the full history: moving average used")
        chosen = "combination"
    else:
        native = _safe_forecast(chosen, y, h, cfg.m, cfg.levels)
        if native is not None:
            return chosen, np.asarray(native["mean"], dtype=float), native
        rules.append(f"{chosen} failed on the full history: moving average used")
    native = _safe_forecast("moving_average", y, h, cfg.m, cfg.levels)
    if native is not None:
        return "moving_average", np.asarray(native["mean"], dtype=float), native
    rules[-1] = rules[-1].replace("moving average used", "mean of the last 3 periods used")
    return "mean_last_3", np.full(h, y[-3:].mean()), {}


def forecast_one(s: SeriesSpec, cfg: Settings) -> dict:
    """Backtest, select and forecast one series; returns frames' rows as numpy arrays."""
    h, levels = cfg.h, cfg.levels
    y, rules, adi, cv2, dclass = _profile(s, cfg)
    if len(y) == 0 or not (y > 0).any():
        zeros = np.zeros(h)
        rule = "new item: no history" if len(y) == 0 or s.new_item else "all-zero history"
        bounds = {f"lo-{lv}": zeros for lv in levels} | {f"hi-{lv}": zeros for lv in levels}
        return _pack(
            s, zeros, bounds, "zero", "; ".join([rule, *rules]), dclass, adi, cv2, [], None
        )
    candidates = _candidates(y, adi, cfg, rules)
    hb = min(cfg.backtest_horizon, h)
    origins = _origins(len(y), hb, cfg, rules)
    preds_by, top = _backtest(y, candidates, origins, hb, cfg)
    metrics_rows = _score(y, preds_by, origins, hb, cfg)
    chosen = _choose(metrics_rows, candidates, adi, cfg, rules)
    used, mean, native = _final_fit(y, chosen, top, h, cfg, rules)
    steps_bt = np.arange(1, hb + 1)
    errs_all = [p - y[o : o + hb] for o, p in zip(origins, preds_by.get(chosen, []))]
    if errs_all:
        sig = _sigma1(np.concatenate(errs_all), np.tile(steps_bt, len(errs_all)))
    else:
        sig = float(np.std(np.diff(y))) if len(y) > 2 else float(np.mean(y))
    dof = len(errs_all) * hb - 1 if errs_all else None
    bounds = _union(native, _empirical_intervals(mean, sig, levels, dof), levels)
    mean = np.clip(mean, 0, None)
    bounds = {k: np.clip(v, 0, None) for k, v in bounds.items()}
    if s.eol_index is not None and s.eol_index < h:
        start = max(s.eol_index, 0)
        mean[start:] = 0
        for k in bounds:
            bounds[k][start:] = 0
        rules.append("end of life")
    bt = None
    if chosen in preds_by:
        idx = np.concatenate([np.arange(o, o + hb) for o in origins])
        bt = (idx, np.concatenate(preds_by[chosen]), np.repeat(origins, hb), y[idx])
    out = _pack(s, mean, bounds, used, "; ".join(rules), dclass, adi, cv2, metrics_rows, bt, y)
    out["interval"] = {"native": native, "eol_index": s.eol_index}
    if cfg.pool_intermittent and adi >= ADI_CUTOFF and origins:
        members = [n for n in POOLED if n in preds_by]
        finals = {n: _safe_forecast(n, y, h, cfg.m, ()) for n in members}
        members = [n for n in members if finals[n] is not None]
        if members:
            out["pool"] = {
                "y": y,
                "origins": origins,
                "hb": hb,
                "preds": {n: preds_by[n] for n in members},
                "final": {
                    n: np.clip(np.asarray(finals[n]["mean"], float), 0, None) for n in members
                },
                "scales": [_scale(y[:o], cfg.m)[1] for o in origins],
                "rules": rules,
                "eol_index": s.eol_index,
            }
    return out


CALIBRATION_MIN_SERIES = 20  # series with two or more backtest windows, per demand class


def _loo_scores(r: dict) -> tuple[np.ndarray, np.ndarray, float] | None:
    """(|e| / (sigma_1 without the error's window x sqrt(k)), shape (W, hb); the errors; the
    series' sigma_1 from all windows) of a result's selected backtest, None with fewer than two
    windows."""
    if r.get("backtest") is None:
        return None
    _, pred, origin, actual = r["backtest"]
    n_win = len(np.unique(origin))
    if n_win < 2:
        return None
    e = (np.asarray(pred, float) - np.asarray(actual, float)).reshape(n_win, -1)
    hb = e.shape[1]
    steps = np.arange(1, hb + 1)
    ssq = (e**2 / steps).sum(axis=1)
    loo = np.sqrt((ssq.sum() - ssq) / ((n_win - 1) * hb))
    with np.errstate(divide="ignore", invalid="ignore"):
        u = np.abs(e) / (loo[:, None] * np.sqrt(steps))
    u = np.where(np.abs(e) == 0, 0.0, u)
    return u, e, float(np.sqrt(ssq.sum() / (n_win * hb)))


def conformal_factors(u: np.ndarray, levels: Sequence[int]) -> dict[int, np.ndarray]:
    """Per step k, the level-quantile of the standardised backtest errors pooled over series.

    Split conformal prediction (Vovk, Gammerman & Shafer 2005; Lei et al. 2018, "Distribution-free
    predictive inference for regression", JASA 113(523)): with n exchangeable scores
    u = |e_k| / (sigma_1 sqrt(k)), the ceil((n + 1) L)-th smallest is a band multiplier that
    covers a new error with probability at least L. Computed per step k, it replaces the
    normal (or Student t) quantile of the sigma_1 sqrt(k) band, so the band grows as the errors
    actually grew over the horizon (for trending series faster than sqrt(k)). Non-finite scores
    (a zero sigma_1) are left out.

    Parameters
    ----------
    u : ndarray (points, steps)
        Standardised absolute errors; NaN where a series has no score.

    Examples
    --------
    Normal errors whose spread grows like k (not sqrt(k)): the factor at step 1 is about the
    normal quantile (1.28 at 80%) and grows with the step.

    >>> rng = np.random.default_rng(0)
    >>> k = np.arange(1, 5)
    >>> u = np.abs(rng.normal(size=(4000, 4)) * k) / np.sqrt(k)
    >>> f = conformal_factors(u, [80])[80]
    >>> bool(abs(f[0] - 1.28) < 0.05), bool(np.all(np.diff(f) > 0))
    (True, True)
    """
    out = {}
    for lv in levels:
        q = np.full(u.shape[1], np.nan)
        for k in range(u.shape[1]):
            x = np.sort(u[:, k][np.isfinite(u[:, k])])
            if x.size:
                q[k] = x[min(int(np.ceil((x.size + 1) * lv / 100)), x.size) - 1]
        out[int(lv)] = q
    return out


def calibrate_intervals(results: list[dict], cfg: Settings) -> list[dict]:
    """Empirical bands whose multiplier per step is calibrated on the pooled backtest errors
    (:func:`conformal_factors`), one set per demand class with at least
    :data:`CALIBRATION_MIN_SERIES` series of two or more backtest windows.

    Each series' band at step k becomes mean +/- q_k sigma_1 sqrt(k) (q_k of the last backtest
    step beyond it), widened to the model's own interval where it has one, floored at zero and
    zero after end of life. The backtest coverage reported for the selected model stays out of
    sample: windows are scored with sigma_1 of the other windows (as before) and with factors
    computed on the other half of the class's series (cross-fitting, series alternating
    between the two halves).
    """
    by_class: dict[str, list[tuple[dict, tuple]]] = {}
    for r in results:
        sc = _loo_scores(r)
        if sc is not None:
            by_class.setdefault(r["demand_class"], []).append((r, sc))
    h, levels = cfg.h, cfg.levels
    for group in by_class.values():
        if len(group) < CALIBRATION_MIN_SERIES:
            continue
        hb = group[0][1][0].shape[1]
        group = [g for g in group if g[1][0].shape[1] == hb]
        folds = [group[0::2], group[1::2]]
        pooled = [np.concatenate([g[1][0] for g in f]) for f in folds]
        cross = [conformal_factors(pooled[1], levels), conformal_factors(pooled[0], levels)]
        full = conformal_factors(np.concatenate(pooled), levels)
        if any(not np.isfinite(q).all() for c in (*cross, full) for q in c.values()):
            continue
        for fold, factors in zip(folds, cross):
            for r, (u, _, sig) in fold:
                row = next((m for m in r["metrics"] if m.get("selected")), None)
                if row is not None:
                    for lv in levels:
                        row[f"coverage_{lv}"] = float((u <= factors[lv][None, :] + 1e-9).mean())
                _recalibrated_bounds(r, sig, full, h, levels)
    return results


def _recalibrated_bounds(r: dict, sig: float, factors: dict, h: int, levels) -> None:
    mean = np.asarray(r["mean"], dtype=float)
    steps = np.arange(1, h + 1)
    idx = np.minimum(steps, len(next(iter(factors.values())))) - 1
    info = r.get("interval", {})
    native = info.get("native") or {} if r["model"] != "class_combination" else {}
    empirical = {}
    for lv in levels:
        half = factors[lv][idx] * sig * np.sqrt(steps)
        empirical[f"lo-{lv}"], empirical[f"hi-{lv}"] = mean - half, mean + half
    bounds = {k: np.clip(v, 0, None) for k, v in _union(native, empirical, levels).items()}
    eol = info.get("eol_index")
    if eol is not None and eol < h:
        for k in bounds:
            bounds[k][max(eol, 0) :] = 0
    r["bounds"] = bounds


# Exponent of the loss behind the intermittent combination weights: 0 is the pooled squared
# scaled error (Granger & Ramanathan), 0.5 the mean RMSSE of the M5 competition itself. Chosen on
# the training months of the car-parts benchmark only (docs/benchmarks.md): the largest of 0, 0.1,
# 0.2, 0.3, 0.5 whose bias stays within the 12-month moving average's on both training splits.
POOL_LOSS_POWER = 0.1


def class_weights(
    x: np.ndarray,
    a: np.ndarray,
    scale: np.ndarray,
    series: np.ndarray | None = None,
    power: float = 0.0,
    iterations: int = 10,
) -> np.ndarray:
    """Non-negative combination weights minimising the scaled backtest error of a pool of series.

    With ``power`` 0: minimises sum_j ((a_j - x_j w) / scale_j)^2 over w >= 0 (no intercept,
    weights free to sum below 1, so a pool whose forecasts ran high in the backtest is shrunk):
    the constrained regression combination of Granger & Ramanathan (1984), scaled as the RMSSE
    of the M5 competition (Makridakis, Spiliotis & Assimakopoulos 2022) so every series counts
    alike. With ``power`` p > 0 and ``series`` (one id per point): minimises
    sum_i L_i^(1 - p), L_i the mean scaled squared error of series i (its RMSSE squared), by
    iteratively reweighted least squares (Green 1984, JRSS B 46(2)): each pass weights series i
    by L_i^(-p) of the previous pass' fit, the stationarity condition of that loss. p = 0.5 is
    the mean RMSSE itself, which discounts the series the pool forecasts badly.

    Parameters
    ----------
    x : ndarray (points, members)
        Backtest forecasts of the members at every backtest point of the pool.
    a : ndarray (points,)
        The actuals.
    scale : ndarray (points,)
        The RMSSE scale of each point's series at its origin (> 0).
    series : ndarray (points,), optional
        Integer id (0..n-1) of each point's series; needed for ``power`` > 0.
    power : float
        Exponent p of the loss, 0 <= p <= 0.5.

    Examples
    --------
    Actuals are 0.9 x the first member and unrelated to the second: weights (0.9, 0).

    >>> x = np.array([[10.0, 1.0], [20.0, 1.0], [30.0, 1.0], [40.0, 1.0]])
    >>> np.round(class_weights(x, 0.9 * x[:, 0], np.ones(4)), 3).tolist()
    [0.9, 0.0]

    One series is steady at the member's 10, another noisy around 5: the squared loss (p = 0)
    lands between, p = 0.5 leans to the steady series (the noisy one's error counts less).

    >>> x2 = np.ones((4, 1)) * 10
    >>> a2, ids = np.array([10.0, 10, 0, 10]), np.array([0, 0, 1, 1])
    >>> round(float(class_weights(x2, a2, np.ones(4))[0]), 3)
    0.75
    >>> bool(class_weights(x2, a2, np.ones(4), ids, power=0.5)[0] > 0.75)
    True
    """
    from scipy.optimize import nnls

    x, a = np.asarray(x, dtype=float), np.asarray(a, dtype=float)
    g = 1.0 / np.asarray(scale, dtype=float)
    w = nnls(x * g[:, None], a * g)[0]
    if not power or series is None:
        return w
    series = np.asarray(series, dtype=int)
    counts = np.bincount(series)
    for _ in range(iterations):
        loss = np.bincount(series, ((a - x @ w) * g) ** 2) / np.maximum(counts, 1)
        # floor: a series the pool fits exactly must not take all the weight
        rw = np.sqrt(np.maximum(loss, 1e-6) ** -power)[series]
        w = nnls(x * (g * rw)[:, None], a * g * rw)[0]
    return w


def pool_intermittent(results: list[dict], cfg: Settings) -> list[dict]:
    """Replace per-series selection by one weighted combination for the intermittent and lumpy
    series.

    On mostly-zero series a handful of backtest windows cannot tell the candidates apart (and a
    MASE-based choice rewards forecasts near zero, while stock needs the mean): when at least
    ``pool_min_series`` series have ADI >= 1.32 (intermittent and lumpy classes together), the
    weights of :func:`class_weights` (loss exponent :data:`POOL_LOSS_POWER`) are fitted on every
    such series' backtest windows of the :data:`~scmlib.planning.forecasting.models.POOLED`
    candidates (moving averages, SES, ADIDA, IMAPA, TSB) and the combination becomes each
    series' forecast (Petropoulos & Kourentzes 2015 on combinations for intermittent demand).
    One pool for both classes: on the car-parts training splits it beat one per class (see
    docs/benchmarks.md). Its intervals and backtest metrics come from the combination's own
    backtest errors; the weights are in-sample to those windows.
    """
    group = [r for r in results if "pool" in r]
    if len(group) >= cfg.pool_min_series:
        members = [n for n in POOLED if all(n in r["pool"]["preds"] for r in group)]
        weights = _pool_weights(group, members) if members else np.zeros(0)
        if weights.any():
            label = "+".join(f"{wt:.2f} {n}" for n, wt in zip(members, weights) if wt > 0)
            for r in group:
                _apply_pool(r, members, weights, label, cfg)
    for r in results:
        r.pop("pool", None)
    return results


def _pool_weights(group: list[dict], members: list[str]) -> np.ndarray:
    """:func:`class_weights` on the stacked backtest windows of ``group``."""
    xs, acts, scs, ids = [], [], [], []
    for i, r in enumerate(group):
        p = r["pool"]
        for w, o in enumerate(p["origins"]):
            xs.append(np.column_stack([p["preds"][n][w] for n in members]))
            acts.append(p["y"][o : o + p["hb"]])
            scs.append(np.full(p["hb"], p["scales"][w]))
            ids.append(np.full(p["hb"], i))
    return class_weights(
        np.concatenate(xs),
        np.concatenate(acts),
        np.concatenate(scs),
        np.concatenate(ids),
        power=POOL_LOSS_POWER,
    )


def _apply_pool(r: dict, members: list[str], weights: np.ndarray, label: str, cfg: Settings):
    p = r["pool"]
    y, origins, hb, h = p["y"], p["origins"], p["hb"], cfg.h
    preds = [
        np.column_stack([p["preds"][n][w] for n in members]) @ weights for w in range(len(origins))
    ]
    row = _score(y, {"class_combination": preds}, origins, hb, cfg)[0]
    for m in r["metrics"]:
        m["selected"] = False
    row["selected"] = True
    r["metrics"].append(row)
    mean = np.column_stack([p["final"][n] for n in members]) @ weights
    errs = [pr - y[o : o + hb] for o, pr in zip(origins, preds)]
    steps = np.tile(np.arange(1, hb + 1), len(errs))
    sig = _sigma1(np.concatenate(errs), steps)
    bounds = _empirical_intervals(mean, sig, cfg.levels, len(errs) * hb - 1)
    bounds = {k: np.clip(v, 0, None) for k, v in bounds.items()}
    rules = [x for x in p["rules"] if x != "end of life"]
    rules.append(f"intermittent and lumpy class combination ({label})")
    if p["eol_index"] is not None and p["eol_index"] < h:
        start = max(p["eol_index"], 0)
        mean[start:] = 0
        for k in bounds:
            bounds[k][start:] = 0
        rules.append("end of life")
    idx = np.concatenate([np.arange(o, o + hb) for o in origins])
    r.update(
        mean=mean,
        bounds=bounds,
        model="class_combination",
        rule="; ".join(rules),
        backtest=(idx, np.concatenate(preds), np.repeat(origins, hb), y[idx]),
    )


def _pack(s, mean, bounds, model, rule, dclass, adi, cv2, metrics_rows, bt, y=None):
    y = np.clip(np.asarray(s.y, float), 0, None) if y is None else y
    return {
        "key": s.key,
        "mean": mean,
        "bounds": bounds,
        "model": model,
        "rule": rule,
        "demand_class": dclass,
        "adi": adi,
        "cv2": cv2,
        "metrics": metrics_rows,
        "backtest": bt,
        "n": len(s.y),
        "capped": np.flatnonzero(np.clip(np.asarray(s.y, float), 0, None) != y)
        if len(s.y) and len(y) == len(s.y)
        else np.array([], dtype=int),
    }
