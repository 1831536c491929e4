"""Rolling-origin backtest, model selection and intervals for one series (:func:`forecast_one`).

See :mod:`scmlib.planning.forecasting` for the rules and references.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from scmlib.core.demand import ADI_CUTOFF, demand_class
from scmlib.core.forecast_error import window_metrics
from scmlib.planning.forecasting.models import (
    ALL_MODELS,
    CONTINUOUS,
    ENSEMBLE,
    INTERMITTENT,
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


def _cap_outliers(y: np.ndarray) -> tuple[np.ndarray, int]:
    med = np.median(y)
    mad = 1.4826 * np.median(np.abs(y - med))
    if mad <= 0:
        return y, 0
    hi, lo = med + 5 * mad, max(0.0, med - 5 * mad)
    capped = np.clip(y, lo, hi)
    return capped, int((capped != y).sum())


@functools.cache
def _z(level: int) -> float:
    from scipy.stats import norm

    return float(norm.ppf(0.5 + level / 200))


def _empirical_intervals(
    mean: np.ndarray, sigma1: float, levels: Sequence[int]
) -> dict[str, np.ndarray]:
    steps = np.sqrt(np.arange(1, len(mean) + 1))
    out = {}
    for level in levels:
        z = _z(level)
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
    if cfg.clean_outliers and len(y) >= 8:
        y, n_capped = _cap_outliers(y)
        if n_capped:
            rules.append(f"{n_capped} outliers capped")
    nz = int((y > 0).sum())
    adi = len(y) / nz if nz else np.nan
    sizes = y[y > 0]
    cv2 = float((sizes.std() / sizes.mean()) ** 2) if nz > 1 else 0.0
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
            score = {
                n: np.mean(
                    [
                        _window_metrics(y[o : o + hb], p, *_scale(y[:o], cfg.m))[cfg.metric]
                        for o, p in zip(origins, ps)
                    ]
                )
                for n, ps in preds_by.items()
            }
            top = sorted(score, key=score.get)[: cfg.combine_top]
        if len(top) >= 2:
            preds_by["combination"] = [
                np.mean([preds_by[t][w] for t in top], axis=0) for w in range(len(origins))
            ]
        else:
            top = []
    return preds_by, top


def _score(y: np.ndarray, preds_by: dict, origins: list[int], hb: int, cfg: Settings) -> list[dict]:
    """Backtest metrics per model, with leave-one-window-out interval coverage."""
    rows = []
    steps_bt = np.arange(1, hb + 1)
    for name, preds in preds_by.items():
        per_window = []
        cover = {lv: [] for lv in cfg.levels}
        errs = [p - y[o : o + hb] for o, p in zip(origins, preds)]  # forecast - actual
        for w, (o, p) in enumerate(zip(origins, preds)):
            actual = y[o : o + hb]
            per_window.append(_window_metrics(actual, p, *_scale(y[:o], cfg.m)))
            # leave-one-window-out empirical intervals: honest, out-of-sample coverage
            others = [e for j, e in enumerate(errs) if j != w]
            sig = _sigma1(np.concatenate(others), np.tile(steps_bt, len(others))) if others else 0.0
            bounds = _empirical_intervals(p, sig, cfg.levels)
            for lv in cfg.levels:
                lo, hi = np.maximum(bounds[f"lo-{lv}"], 0), bounds[f"hi-{lv}"]
                cover[lv].append(((actual >= lo - 1e-9) & (actual <= hi + 1e-9)).mean())
        row = {
            k: float(np.mean([pw[k] for pw in per_window]))
            for k in ("mae", "mase", "rmsse", "smape", "bias")
        }
        row["wmape"] = float(
            sum(pw["abs_err"] for pw in per_window)
            / max(sum(pw["actual"] for pw in per_window), 1e-9)
        )
        for lv in cfg.levels:
            row[f"coverage_{lv}"] = float(np.mean(cover[lv]))
        row["model"] = name
        rows.append(row)
    return rows


def _choose(
    rows: list[dict], candidates: list[str], adi: float, cfg: Settings, rules: list[str]
) -> str:
    """The selected model: the lowest backtest metric, but the combination is kept unless a single
    model beats it by more than ``select_margin``; a preferred default when nothing could be scored."""
    if rows:
        best = min(
            rows,
            key=lambda r: (
                r[cfg.metric],
                ALL_MODELS.index(r["model"]) if r["model"] in ALL_MODELS else 99,
            ),
        )
        chosen = best["model"]
        combo = next((r for r in rows if r["model"] == "combination"), None)
        if (
            combo is not None
            and chosen != "combination"
            and not best[cfg.metric] < (1 - cfg.select_margin) * combo[cfg.metric]
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
            o for o in (_safe_forecast(t, y, h, cfg.m, cfg.levels) for t in top) if o is not None
        ]
        if outs:
            return chosen, np.mean([o["mean"] for o in outs], axis=0), {}
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
    bounds = _union(native, _empirical_intervals(mean, sig, levels), levels)
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
    return _pack(s, mean, bounds, used, "; ".join(rules), dclass, adi, cv2, metrics_rows, bt)


def _pack(s, mean, bounds, model, rule, dclass, adi, cv2, metrics_rows, bt):
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
    }
