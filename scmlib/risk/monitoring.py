"""Supplier risk monitoring: indicators per supplier over time, statistical change detection and
alert rules kept as data, compared run over run.

References
----------
- Altman, E. I. (1968). Financial ratios, discriminant analysis and the prediction of corporate
  bankruptcy. *Journal of Finance* 23(4), 589-609 (Z).
- Altman, E. I. (1983). *Corporate Financial Distress*. Wiley (Z', private firms).
- Altman, E. I., Hartzell, J. & Peck, M. (1995). Emerging markets corporate bonds: a scoring
  system. Salomon Brothers (Z'' and the emerging-market score Z''+3.25).
- Altman, E. I. (2000). Predicting financial distress of companies: revisiting the Z-score and
  ZETA models (the zones of all three variants).
- Page, E. S. (1954). Continuous inspection schemes. *Biometrika* 41, 100-115 (CUSUM).
- Roberts, S. W. (1959). Control chart tests based on geometric moving averages.
  *Technometrics* 1, 239-250 (EWMA).
- Montgomery, D. C. *Introduction to Statistical Quality Control*, 6th ed., Wiley 2009:
  section 9.1 (tabular CUSUM, k = 0.5 and h = 4 or 5 in standard deviations, Example 9.1),
  section 9.2 (EWMA, lambda 0.05-0.25 with L close to 3, Example 9.2), section 6.4 (the moving
  range estimate of sigma, MR-bar / 1.128, for individual values).
"""

from __future__ import annotations

import operator
import re
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from scmlib.core.history import earlier_run_output
from scmlib.errors import DataError, ParameterError

SEVERITIES = ("low", "medium", "high", "critical")
SEVERITY_RANK = {s: i for i, s in enumerate(SEVERITIES)}
FAIL_ON = ("none", "high", "critical")
# emerging markets for the Z'' + 3.25 score (MSCI emerging-market list, 2024, of the countries
# a supplier master usually holds)
EMERGING = frozenset(
    "ARG BGD BRA CHL CHN COL CZE EGY GRC HUN IDN IND KOR KWT MEX MYS PER PHL POL QAT RUS SAU "
    "THA TUR TWN ARE VNM ZAF PAK NGA KEN".split()
)

# variant -> (coefficients of X1..X5, constant, safe above, distress below)
ALTMAN = {
    "Z": ((1.2, 1.4, 3.3, 0.6, 1.0), 0.0, 2.99, 1.81),
    "Z'": ((0.717, 0.847, 3.107, 0.420, 0.998), 0.0, 2.9, 1.23),
    "Z''": ((6.56, 3.26, 6.72, 1.05, 0.0), 0.0, 2.6, 1.1),
    "Z''-EM": ((6.56, 3.26, 6.72, 1.05, 0.0), 3.25, 5.85, 4.15),
}
VARIANT_TEXT = {
    "Z": "Z (public manufacturer, market equity)",
    "Z'": "Z' (private manufacturer)",
    "Z''": "Z'' (non-manufacturer)",
    "Z''-EM": "Z'' + 3.25 (emerging market)",
}


def altman_ratios(fin: pd.DataFrame) -> pd.DataFrame:
    """The five Altman ratios: X1 working capital / total assets, X2 retained earnings / TA,
    X3 EBIT / TA, X4 equity / total liabilities (market value of equity when the
    ``market_value_equity`` column is given and filled, book equity otherwise) and X5 sales / TA.
    Non-positive total assets or liabilities give NaN ratios (unscorable)."""
    ta = fin["total_assets"].where(fin["total_assets"] > 0)
    tl = fin["total_liabilities"].where(fin["total_liabilities"] > 0)
    equity = fin["book_equity"]
    if "market_value_equity" in fin.columns:
        equity = fin["market_value_equity"].fillna(equity)
    return pd.DataFrame(
        {
            "x1": (fin["current_assets"] - fin["current_liabilities"]) / ta,
            "x2": fin["retained_earnings"] / ta,
            "x3": fin["ebit"] / ta,
            "x4": equity / tl,
            "x5": fin["sales"] / ta,
        },
        index=fin.index,
    )


def altman_score(ratios: pd.DataFrame, variant: str) -> pd.Series:
    """One Altman variant on ratios ``x1..x5`` (as decimals, X5 in times).

    Examples
    --------
    Altman (1968), Table 1: the group means of the bankrupt firms (X1 -6.1%, X2 -62.6%,
    X3 -31.8%, X4 40.1%, X5 1.5 times) and the non-bankrupt ones (41.4%, 35.5%, 15.3%, 247.7%,
    1.9 times):

    >>> r = pd.DataFrame({"x1": [-0.061, 0.414], "x2": [-0.626, 0.355], "x3": [-0.318, 0.153],
    ...                   "x4": [0.401, 2.477], "x5": [1.5, 1.9]})
    >>> altman_score(r, "Z").round(2).tolist()
    [-0.26, 4.88]
    """
    if variant not in ALTMAN:
        raise ParameterError(f"Altman variant must be one of {list(ALTMAN)}, got {variant!r}")
    coef, const, _, _ = ALTMAN[variant]
    x = ratios[["x1", "x2", "x3", "x4", "x5"]].to_numpy(dtype=float)
    return pd.Series(x @ np.array(coef) + const, index=ratios.index)


def altman_zone(score: pd.Series, variants: pd.Series) -> pd.Series:
    """Zone of each score under its variant's published cut-offs: ``safe`` above the safe bound,
    ``distress`` below the distress bound, ``grey`` between, ``unknown`` when unscorable."""
    safe = variants.map({k: v[2] for k, v in ALTMAN.items()})
    distress = variants.map({k: v[3] for k, v in ALTMAN.items()})
    zone = np.select([score > safe, score < distress], ["safe", "distress"], "grey")
    return pd.Series(zone, index=score.index).where(score.notna(), "unknown")


def altman_family(fin: pd.DataFrame, iso3: pd.Series | None = None) -> pd.DataFrame:
    """Every Altman score the data supports per supplier and fiscal year, and the one that
    applies: Z (Altman 1968) for a manufacturer with a market value of equity, Z' (1983) for
    other manufacturers, Z''+3.25 (1995) for non-manufacturers in an emerging market (``iso3``
    maps supplier ids to ISO3 codes) and Z'' for the other non-manufacturers. Columns
    ``z_original, z_private, z_nonmanufacturing, z_emerging`` (NaN where the variant does not
    apply to the firm's data), ``z_variant``, ``z_score``, ``zone`` and the change since the
    supplier's previous year ``z_change``."""
    need = ["supplier_id", "fiscal_year", "total_assets", "current_assets", "ebit", "sales"]
    need += ["current_liabilities", "total_liabilities", "retained_earnings", "book_equity"]
    missing = [c for c in need if c not in fin.columns]
    if missing:
        raise DataError(
            f"table 'supplier_financials' lacks column(s) {missing}. Fix: map them with "
            "column_map or leave the table out"
        )
    f = fin.sort_values(["supplier_id", "fiscal_year"]).reset_index(drop=True)
    r = altman_ratios(f)
    manu = (
        f["is_manufacturer"].fillna(False).astype(bool)
        if "is_manufacturer" in f.columns
        else pd.Series(False, index=f.index)
    )
    market = (
        f["market_value_equity"].notna()
        if "market_value_equity" in f.columns
        else pd.Series(False, index=f.index)
    )
    em = (
        f["supplier_id"].map(iso3).isin(EMERGING)
        if iso3 is not None
        else pd.Series(False, index=f.index)
    )
    f["z_original"] = altman_score(r, "Z").where(manu & market)
    f["z_private"] = altman_score(r, "Z'").where(manu)
    f["z_nonmanufacturing"] = altman_score(r, "Z''")
    f["z_emerging"] = altman_score(r, "Z''-EM").where(em)
    variant = np.select([manu & market, manu, em], ["Z", "Z'", "Z''-EM"], "Z''")
    f["z_variant"] = variant
    col = {
        "Z": "z_original",
        "Z'": "z_private",
        "Z''": "z_nonmanufacturing",
        "Z''-EM": "z_emerging",
    }
    vals = np.column_stack([f[c].to_numpy(dtype=float) for c in col.values()])
    pick = pd.Series(variant).map({k: i for i, k in enumerate(col)}).to_numpy()
    f["z_score"] = vals[np.arange(len(f)), pick] if len(f) else np.array([], dtype=float)
    f["zone"] = altman_zone(f["z_score"], f["z_variant"])
    f["z_change"] = f["z_score"] - f.groupby("supplier_id")["z_score"].shift()
    return f


# --------------------------------------------------------------------------- change detection


def sigma_moving_range(x: np.ndarray) -> np.ndarray:
    """Short-term standard deviation per column of ``x`` (periods x series) from the average
    moving range: MR-bar / d2 with d2 = 1.128 for ranges of two (Montgomery, section 6.4).
    NaN values are skipped; a column with fewer than two consecutive values gives NaN."""
    mr = np.abs(np.diff(x, axis=0))
    with np.errstate(all="ignore"):
        return np.nanmean(mr, axis=0) / 1.128 if len(mr) else np.full(x.shape[1], np.nan)


def cusum(
    x: np.ndarray, target: np.ndarray, sigma: np.ndarray, k: float = 0.5, h: float = 5.0
) -> dict[str, np.ndarray]:
    """Tabular CUSUM (Page 1954; Montgomery section 9.1) over ``x`` (periods x series):
    C+_i = max(0, x_i - (mu0 + K) + C+_{i-1}), C-_i = max(0, (mu0 - K) - x_i + C-_{i-1}),
    K = k sigma, a signal when C+ or C- exceeds H = h sigma. A missing value carries the sums
    over. Vectorised across series; the loop runs over periods.

    Returns ``upper``, ``lower`` (the sums), ``signal_up``, ``signal_down`` (bool) and
    ``run_up``, ``run_down`` (consecutive periods the sum has been above zero: the shift began
    after period i - run).

    Examples
    --------
    Montgomery, Example 9.1 (Table 9.1, mu0 = 10, sigma = 1, k = 0.5, h = 5): C+ first exceeds
    H at sample 29 with C+ = 5.28 and N+ = 7, so the mean shifted after sample 22.

    >>> x = np.array([9.45, 7.99, 9.29, 11.66, 12.16, 10.18, 8.04, 11.46, 9.20, 10.34, 9.03,
    ...     11.47, 10.51, 9.40, 10.08, 9.37, 10.62, 10.31, 8.52, 10.84, 10.90, 9.33, 12.29,
    ...     11.50, 10.60, 11.08, 10.38, 11.62, 11.31, 10.52])[:, None]
    >>> c = cusum(x, np.array([10.0]), np.array([1.0]))
    >>> int(np.argmax(c["signal_up"][:, 0])) + 1, round(float(c["upper"][28, 0]), 2)
    (29, 5.28)
    >>> int(c["run_up"][28, 0])
    7
    """
    x = np.asarray(x, dtype=float)
    n, m = x.shape
    kk, hh = k * sigma, h * sigma
    up, lo = np.zeros((n, m)), np.zeros((n, m))
    run_up, run_lo = np.zeros((n, m), dtype=int), np.zeros((n, m), dtype=int)
    cu, cl = np.zeros(m), np.zeros(m)
    ru, rl = np.zeros(m, dtype=int), np.zeros(m, dtype=int)
    for i in range(n):  # recursion over periods, vectorised over series
        xi = x[i]
        ok = ~np.isnan(xi)
        cu = np.where(ok, np.maximum(0.0, xi - (target + kk) + cu), cu)
        cl = np.where(ok, np.maximum(0.0, (target - kk) - xi + cl), cl)
        ru = np.where(ok, np.where(cu > 0, ru + 1, 0), ru)
        rl = np.where(ok, np.where(cl > 0, rl + 1, 0), rl)
        up[i], lo[i], run_up[i], run_lo[i] = cu, cl, ru, rl
    with np.errstate(invalid="ignore"):
        return {
            "upper": up,
            "lower": lo,
            "signal_up": up > hh,
            "signal_down": lo > hh,
            "run_up": run_up,
            "run_down": run_lo,
        }


def ewma(
    x: np.ndarray, target: np.ndarray, sigma: np.ndarray, lam: float = 0.2, L: float = 3.0
) -> dict[str, np.ndarray]:
    """EWMA chart (Roberts 1959; Montgomery section 9.2) over ``x`` (periods x series):
    z_i = lambda x_i + (1 - lambda) z_{i-1}, z_0 = mu0, with the exact limits
    mu0 +/- L sigma sqrt(lambda / (2 - lambda) (1 - (1 - lambda)^(2i))). A missing value keeps
    z. Returns ``z``, ``ucl``, ``lcl``, ``signal_up`` and ``signal_down``.

    Examples
    --------
    Montgomery, Example 9.2 (the data of Example 9.1, lambda = 0.1, L = 2.7): z1 = 9.945,
    z2 = 9.7495, UCL1 = 10.27.

    >>> x = np.array([9.45, 7.99])[:, None]
    >>> e = ewma(x, np.array([10.0]), np.array([1.0]), 0.1, 2.7)
    >>> e["z"][:, 0].round(4).tolist(), round(float(e["ucl"][0, 0]), 2)
    ([9.945, 9.7495], 10.27)
    """
    x = np.asarray(x, dtype=float)
    n, m = x.shape
    z = np.zeros((n, m))
    zi = np.broadcast_to(target, (m,)).astype(float).copy()
    for i in range(n):  # recursion over periods, vectorised over series
        xi = x[i]
        zi = np.where(np.isnan(xi), zi, lam * xi + (1 - lam) * zi)
        z[i] = zi
    i = np.arange(1, n + 1)[:, None]
    width = L * sigma * np.sqrt(lam / (2 - lam) * (1 - (1 - lam) ** (2 * i)))
    with np.errstate(invalid="ignore"):
        return {
            "z": z,
            "ucl": target + width,
            "lcl": target - width,
            "signal_up": z > target + width,
            "signal_down": z < target - width,
        }


def lead_time_series(po: pd.DataFrame, freq: str = "M") -> pd.DataFrame:
    """Mean actual lead time (receipt date - order date, days) per supplier and month of
    receipt, with the lines received: ``supplier_id, period, lead_time_days, lt_lines``."""
    p = po.dropna(subset=["receipt_date", "order_date"])
    lt = (p["receipt_date"] - p["order_date"]).dt.days.astype(float)
    period = p["receipt_date"].dt.to_period(freq).dt.start_time
    g = lt.groupby([p["supplier_id"], period])
    out = pd.DataFrame({"lead_time_days": g.mean(), "lt_lines": g.size()})
    out.index.names = ["supplier_id", "period"]
    return out.reset_index()


def drift(
    series: pd.DataFrame,
    metric: str,
    higher_is_worse: bool,
    baseline_periods: int = 12,
    method: str = "cusum",
    k: float = 0.5,
    h: float = 5.0,
    lam: float = 0.2,
    L: float = 3.0,
    min_sigma: float = 0.0,
) -> pd.DataFrame:
    """Change detection on one metric per supplier (tidy ``supplier_id, period, <metric>``).

    The in-control level of each supplier is the mean of its first ``baseline_periods`` values
    and sigma the moving-range estimate over them (at least ``min_sigma``: a flat baseline
    would flag any move); the chart (``cusum`` or ``ewma``) then runs over the later periods
    and only an adverse shift (up when ``higher_is_worse``) signals. One row per supplier:
    ``baseline, sigma, latest, signal`` (bool), ``signal_since`` (first period of the current
    run of signals: for CUSUM the period after the shift began, Montgomery's N+),
    ``signal_mean`` (the metric's mean from ``signal_since`` to the last period: the level that
    set off the signal; the latest month alone can be back to normal while the sum is still
    above the limit), ``statistic`` (the last CUSUM sum or EWMA in sigma units) and
    ``periods``."""
    if method not in ("cusum", "ewma"):
        raise ParameterError(f"drift method must be cusum or ewma, got {method!r}")
    cols = ["supplier_id", "metric", "baseline", "sigma", "latest", "statistic", "signal"]
    cols += ["signal_since", "signal_mean", "periods"]
    s = series.dropna(subset=[metric])
    if s.empty:
        return pd.DataFrame(columns=cols)
    wide = s.pivot_table(index="period", columns="supplier_id", values=metric).sort_index()
    x = wide.to_numpy(dtype=float)
    rank = np.cumsum(~np.isnan(x), axis=0)  # how many values each supplier has had so far
    base = np.where(rank <= baseline_periods, x, np.nan)
    with np.errstate(all="ignore"):
        mu0 = np.nanmean(base, axis=0)
        sig = np.fmax(np.nan_to_num(sigma_moving_range(base), nan=0.0), min_sigma)
    sig = np.where(sig > 0, sig, np.nan)
    monitored = np.where(rank > baseline_periods, x, np.nan)
    if method == "cusum":
        c = cusum(monitored, mu0, sig, k, h)
        stat = (c["upper"] if higher_is_worse else c["lower"]) / sig
        sig_flag = c["signal_up"] if higher_is_worse else c["signal_down"]
        run = c["run_up"] if higher_is_worse else c["run_down"]
    else:
        e = ewma(monitored, mu0, sig, lam, L)
        stat = (e["z"] - mu0) / sig
        sig_flag = e["signal_up"] if higher_is_worse else e["signal_down"]
        run = None
    periods = wide.index.to_numpy()
    last = sig_flag[-1] if len(sig_flag) else np.zeros(x.shape[1], dtype=bool)
    if run is not None:  # the CUSUM run started run periods before the last one
        start = len(periods) - run[-1]
    else:  # the first period of the trailing run of EWMA signals
        flipped = ~sig_flag[::-1]
        trailing = np.where(flipped.any(axis=0), flipped.argmax(axis=0), len(periods))
        start = len(periods) - trailing
    start = np.clip(start, 0, max(len(periods) - 1, 0))
    latest_val = pd.DataFrame(x).ffill().to_numpy()[-1]
    in_run = np.arange(len(periods))[:, None] >= np.where(last, start, len(periods))[None, :]
    vals = np.where(in_run, monitored, np.nan)
    n_run = np.sum(~np.isnan(vals), axis=0)
    run_mean = np.where(n_run > 0, np.nansum(vals, axis=0) / np.maximum(n_run, 1), np.nan)
    out = pd.DataFrame(
        {
            "supplier_id": wide.columns.to_numpy(),
            "metric": metric,
            "baseline": mu0,
            "sigma": sig,
            "latest": latest_val,
            "statistic": stat[-1] if len(stat) else np.nan,
            "signal": last.astype(bool),
            "signal_since": np.where(last, periods[start], np.datetime64("NaT")),
            "signal_mean": np.where(last, run_mean, np.nan),
            "periods": rank[-1],
        }
    )
    out["signal_since"] = pd.to_datetime(out["signal_since"])
    return out[cols]


# --------------------------------------------------------------------------- indicators


def certification_status(
    certs: pd.DataFrame | None, as_of: pd.Timestamp, warn_days: int = 90
) -> pd.DataFrame:
    """Per supplier: certificates held, expired and expiring within ``warn_days`` of ``as_of``,
    and the soonest expiry (certificate, date and days to it, negative: expired), from the
    ``expiry`` (or ``end_date``) column. Empty without the table."""
    cols = ["supplier_id", "certificates", "expired", "expiring", "cert_days_to_expiry"]
    cols += ["next_expiry_certificate", "next_expiry_date"]
    if certs is None or certs.empty:
        return pd.DataFrame(columns=cols)
    end = "expiry" if "expiry" in certs.columns else "end_date"  # both spellings of the model
    if end not in certs.columns:
        raise DataError(
            "table 'supplier_certifications' has no expiry (or end_date) column. Fix: map the "
            "certificates' valid-until date to it with column_map"
        )
    c = certs.assign(days=(certs[end] - as_of).dt.days)
    c = c.sort_values(["supplier_id", "days"])
    g = c.groupby("supplier_id")
    out = pd.DataFrame(
        {
            "certificates": g.size(),
            "expired": (c["days"] < 0).groupby(c["supplier_id"]).sum(),
            "expiring": c["days"].between(0, warn_days).groupby(c["supplier_id"]).sum(),
            "cert_days_to_expiry": g["days"].first(),
            "next_expiry_certificate": g["certification"].first(),
            "next_expiry_date": g[end].first(),
        }
    ).reset_index()
    return out[cols]


def event_status(
    events: pd.DataFrame | None, as_of: pd.Timestamp, lookback_days: int = 90
) -> pd.DataFrame:
    """Per supplier: open events and events of the last ``lookback_days``, their worst severity
    (``event_severity``, 0 = low .. 3 = critical, NaN: none) and the latest event's type."""
    cols = ["supplier_id", "open_events", "recent_events", "event_severity", "latest_event"]
    if events is None or events.empty:
        return pd.DataFrame(columns=cols)
    e = events[events["event_date"] <= as_of]
    resolved = e["resolved_date"] if "resolved_date" in e.columns else pd.Series(pd.NaT, e.index)
    is_open = resolved.isna() | (resolved > as_of)
    recent = e["event_date"] > as_of - pd.Timedelta(days=lookback_days)
    live = e[is_open | recent].assign(rank=lambda d: d["severity"].map(SEVERITY_RANK))
    live = live.sort_values("event_date")
    g = live.groupby("supplier_id")
    out = pd.DataFrame(
        {
            "open_events": is_open[is_open | recent].groupby(live["supplier_id"]).sum(),
            "recent_events": recent[is_open | recent].groupby(live["supplier_id"]).sum(),
            "event_severity": g["rank"].max(),
            "latest_event": g["event_type"].last(),
        }
    ).reset_index()
    return out[cols]


def indicator_table(
    suppliers: pd.DataFrame,
    parts: Sequence[pd.DataFrame],
) -> pd.DataFrame:
    """One row per supplier with every indicator column of ``parts`` (frames keyed by
    ``supplier_id``), suppliers without data left empty (NaN)."""
    out = suppliers[["supplier_id", "name", "country"]].drop_duplicates("supplier_id")
    for p in parts:
        if p is not None and len(p.columns) > 1:
            out = out.merge(p.drop_duplicates("supplier_id"), on="supplier_id", how="left")
    return out.reset_index(drop=True)


def drift_columns(drifts: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """Drift results per metric side by side: ``<metric>_latest, <metric>_baseline,
    <metric>_drift`` (the signal, bool), ``<metric>_since``, ``<metric>_signal_mean`` (mean
    since the signal) and ``<metric>_statistic`` (chart statistic, sigma units) per
    supplier."""
    parts = []
    for metric, d in drifts.items():
        if d is None or d.empty:
            continue
        parts.append(
            d.set_index("supplier_id")[
                ["latest", "baseline", "signal", "signal_since", "signal_mean", "statistic"]
            ].rename(
                columns={
                    "latest": f"{metric}_latest",
                    "baseline": f"{metric}_baseline",
                    "signal": f"{metric}_drift",
                    "signal_since": f"{metric}_since",
                    "signal_mean": f"{metric}_signal_mean",
                    "statistic": f"{metric}_statistic",
                }
            )
        )
    if not parts:
        return pd.DataFrame(columns=["supplier_id"])
    return pd.concat(parts, axis=1).reset_index()


# --------------------------------------------------------------------------- alert rules

_OPS = {
    "<=": operator.le,
    ">=": operator.ge,
    "==": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    ">": operator.gt,
}
_COND = re.compile(r"^\s*(<=|>=|==|!=|<|>|in)\s*(.+?)\s*$")


def parse_condition(condition: str) -> tuple[str, object]:
    """``"< 1.1"`` -> ("<", 1.1); ``"== distress"`` -> ("==", "distress"); ``"in [grey,
    distress]"`` -> ("in", ["grey", "distress"]); ``"== true"`` -> ("==", True)."""
    m = _COND.match(str(condition))
    if not m:
        raise ParameterError(
            f"alert condition {condition!r} is not '<op> <value>' with op one of "
            "<, <=, >, >=, ==, !=, in (e.g. '< 1.1', '== distress', 'in [grey, distress]')"
        )
    op, raw = m.group(1), m.group(2).strip().strip("'\"")

    def value(v: str):
        v = v.strip().strip("'\"")
        if v.lower() in ("true", "false"):
            return v.lower() == "true"
        try:
            return float(v)
        except ValueError:
            return v

    if op == "in":
        return op, [value(v) for v in raw.strip("[]").split(",") if v.strip()]
    return op, value(raw)


def check_rules(rules: Sequence[Mapping], indicators: pd.DataFrame) -> list[dict]:
    """Validate alert rules (each ``indicator``, ``condition``, ``severity``, optional
    ``message``): one-line :class:`ParameterError` naming the bad rule and the fix."""
    out = []
    for i, r in enumerate(rules, 1):
        if not isinstance(r, Mapping) or not {"indicator", "condition", "severity"} <= set(r):
            raise ParameterError(
                f"alert rule {i} {r!r} needs indicator, condition and severity "
                "(e.g. {indicator: z_zone, condition: '== distress', severity: high})"
            )
        if r["indicator"] not in indicators.columns:
            from scmlib.errors import did_you_mean

            avail = [c for c in indicators.columns if c not in ("supplier_id", "name", "country")]
            raise ParameterError(
                f"alert rule {i}: unknown indicator {r['indicator']!r}"
                f"{did_you_mean(r['indicator'], avail)}; available: {avail}"
            )
        if r["severity"] not in SEVERITIES:
            raise ParameterError(
                f"alert rule {i}: severity {r['severity']!r} is not one of {list(SEVERITIES)}"
            )
        op, val = parse_condition(r["condition"])
        out.append({**r, "_op": op, "_value": val, "rule": i})
    return out


def _since_column(indicator: str, indicators: pd.DataFrame) -> str | None:
    stem = indicator.rsplit("_", 1)[0]
    for c in (f"{indicator}_since", f"{stem}_since"):
        if c in indicators.columns:
            return c
    return None


def evaluate_rules(
    rules: Sequence[Mapping], indicators: pd.DataFrame, as_of: pd.Timestamp
) -> pd.DataFrame:
    """The alerts: one row per supplier and rule whose condition holds, with ``supplier_id,
    name, indicator, value, condition, severity, message, first_seen`` (the start of the
    drift for change-detection indicators, else ``as_of``). A supplier matched by several
    rules on one indicator keeps the most severe. Most severe first."""
    cols = ["supplier_id", "name", "indicator", "value", "condition", "severity", "message"]
    cols += ["first_seen"]
    checked = check_rules(rules, indicators)
    parts = []
    for r in checked:  # a handful of rules
        v = indicators[r["indicator"]]
        if r["_op"] == "in":
            hit = v.isin(r["_value"])
        elif isinstance(r["_value"], (bool, str)):
            hit = _OPS[r["_op"]](v.astype(object), r["_value"]) & v.notna()
        else:
            hit = _OPS[r["_op"]](pd.to_numeric(v, errors="coerce"), r["_value"]).fillna(False)
        hit = hit.fillna(False).astype(bool)
        if not hit.any():
            continue
        rows = indicators.loc[hit]
        since = _since_column(r["indicator"], indicators)
        first = rows[since].fillna(as_of) if since else pd.Series(as_of, index=rows.index)
        parts.append(
            pd.DataFrame(
                {
                    "supplier_id": rows["supplier_id"].to_numpy(),
                    "name": rows["name"].to_numpy(),
                    "indicator": r["indicator"],
                    "value": rows[r["indicator"]].astype(object).to_numpy(),
                    "condition": str(r["condition"]),
                    "severity": r["severity"],
                    "message": str(r.get("message", "")),
                    "first_seen": pd.to_datetime(first).to_numpy(),
                }
            )
        )
    if not parts:
        return pd.DataFrame(columns=cols)
    a = pd.concat(parts, ignore_index=True)
    a["_rank"] = a["severity"].map(SEVERITY_RANK)
    a = a.sort_values(["_rank", "supplier_id"], ascending=[False, True])
    a = a.drop_duplicates(["supplier_id", "indicator"]).drop(columns="_rank")
    return a.reset_index(drop=True)[cols]


EVENT_SEVERITY_NAMES = dict(enumerate(SEVERITIES))  # event_severity 0..3 -> low..critical
_DRIFT_TEXT = {  # indicator stem -> (what, formatter of the metric)
    "otif": ("OTIF", lambda v: f"{100 * v:.1f}%"),
    "ppm": ("PPM", lambda v: f"{v:,.0f}"),
    "lead_time": ("lead time", lambda v: f"{v:.1f} days"),
}


INDICATOR_LABELS = {  # indicator column -> what a reader calls it (with its unit)
    "event_severity": "Supplier event",
    "zone": "Altman Z zone",
    "otif_drift": "OTIF drift (%)",
    "ppm_drift": "Quality drift (PPM)",
    "lead_time_drift": "Lead-time drift (days)",
    "expired": "Expired certificates",
    "expiring": "Certificates expiring soon",
    "country_risk": "Country risk (0-100)",
    "spend_share": "Share of spend (%)",
    "z_score": "Altman Z score",
    "single_source_items": "Single-source items",
}


def indicator_label(indicator: str) -> str:
    """The human label of an indicator column (:data:`INDICATOR_LABELS`, else its words).

    >>> indicator_label("ppm_drift"), indicator_label("open_events")
    ('Quality drift (PPM)', 'Open events')
    """
    i = str(indicator)
    return INDICATOR_LABELS.get(i, i.replace("_", " ").capitalize())


def readable_alerts(alerts: pd.DataFrame) -> pd.DataFrame:
    """The alerts for display: indicators by their human labels, severity and change as
    capitalised words."""
    out = alerts.copy()
    out["indicator"] = out["indicator"].map(indicator_label)
    for c in ("severity", "change"):
        if c in out:
            out[c] = out[c].astype(str).str.capitalize()
    return out


def value_text(indicator: str, value) -> str:
    """An indicator value in words for the reader: an event severity by its name, a flag as
    yes / no, a count as an integer, a share as a percentage.

    >>> value_text("event_severity", 3.0), value_text("ppm_drift", True)
    ('critical event', 'yes')
    >>> value_text("expired", 1.0), value_text("spend_share", 0.123), value_text("zone", "grey")
    ('1 certificate expired', '12.3% of spend', 'grey zone')
    """
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    if indicator == "event_severity":
        return EVENT_SEVERITY_NAMES.get(int(float(value)), str(value)) + " event"
    if isinstance(value, (bool, np.bool_)) or str(value) in ("True", "False"):
        return "yes" if str(value) == "True" else "no"
    if indicator.endswith("_share"):
        return f"{100 * float(value):.1f}% of spend"
    if indicator == "zone":
        return f"{value} zone"
    if indicator in ("expired", "expiring"):
        n = int(float(value))
        return f"{n:,} certificate{'s' * (n != 1)} {indicator}"
    if indicator == "country_risk":
        return f"{float(value):.1f} of 100"
    if isinstance(value, (int, float, np.number)):
        v = float(value)
        return f"{v:,.0f}" if v == round(v) else f"{v:,.2f}"
    return str(value)


def alert_evidence(
    alerts: pd.DataFrame, indicators: pd.DataFrame, method: str = "cusum"
) -> pd.Series:
    """What triggered each alert, in words: for a drift the level since the signal month
    against the baseline and the chart statistic against its limit (e.g. "OTIF 84.0% since
    Mar 2026 vs baseline 93.8%; CUSUM 6.1 sigma"), so a latest month back to normal does not
    seem to contradict the alert; for other indicators :func:`value_text` of the value."""
    ind = indicators.set_index("supplier_id")
    out = []
    for sid, i, v in zip(alerts["supplier_id"], alerts["indicator"], alerts["value"]):
        stem = str(i)[: -len("_drift")] if str(i).endswith("_drift") else None
        if stem in _DRIFT_TEXT and f"{stem}_signal_mean" in ind and sid in ind.index:
            what, f = _DRIFT_TEXT[stem]
            r = ind.loc[sid]
            since, mean, base = r[f"{stem}_since"], r[f"{stem}_signal_mean"], r[f"{stem}_baseline"]
            if pd.notna(since) and pd.notna(mean):
                stat = r.get(f"{stem}_statistic")
                chart = f"; {method.upper()} {float(stat):.1f} sigma" if pd.notna(stat) else ""
                out.append(
                    f"{what} {f(mean)} since {pd.Timestamp(since):%b %Y} vs baseline "
                    f"{f(base)}{chart}"
                )
                continue
        out.append(value_text(str(i), v))
    return pd.Series(out, index=alerts.index, dtype=object)


# --------------------------------------------------------------------------- run over run


def previous_run_outputs(
    output_dir: Path | str, filename: str, parameter_set: str | None = None
) -> tuple[pd.DataFrame | None, str]:
    """The ``outputs/<filename>`` of the notebook's previous successful run (of
    ``parameter_set`` when given: monitoring compares like with like), by
    :func:`scmlib.core.history.earlier_run_output`. Returns (frame, run folder name), or
    (None, why there is none)."""
    frame, name, why = earlier_run_output(output_dir, filename, parameter_set)
    return frame, name if frame is not None else why


def compare_alerts(current: pd.DataFrame, previous: pd.DataFrame | None) -> pd.DataFrame:
    """``current`` alerts with ``change`` against the previous run's: ``new``, ``escalated``
    (more severe), ``de-escalated``, ``unchanged``, plus the previous alerts that cleared
    (``resolved``, with their last values). Without a previous run every alert is ``new`` and
    ``first_seen`` stays; otherwise a continuing alert keeps its earlier first-seen date."""
    cur = current.copy()
    cur["first_seen"] = pd.to_datetime(cur["first_seen"])
    if previous is None or previous.empty:
        cur["change"] = "new"
        cur["previous_severity"] = None
        return cur
    prev = previous.copy()
    prev = prev[prev.get("change", pd.Series("", index=prev.index)) != "resolved"]
    prev["first_seen"] = pd.to_datetime(prev["first_seen"])
    key = ["supplier_id", "indicator"]
    m = cur.merge(
        prev[key + ["severity", "first_seen"]].rename(
            columns={"severity": "previous_severity", "first_seen": "_prev_first"}
        ),
        on=key,
        how="left",
    )
    now, before = m["severity"].map(SEVERITY_RANK), m["previous_severity"].map(SEVERITY_RANK)
    m["change"] = np.select(
        [before.isna(), now > before, now < before],
        ["new", "escalated", "de-escalated"],
        "unchanged",
    )
    m["first_seen"] = m[["first_seen", "_prev_first"]].min(axis=1)
    gone = prev.merge(cur[key], on=key, how="left", indicator=True)
    gone = gone[gone["_merge"] == "left_only"].drop(columns="_merge")
    gone = gone.assign(change="resolved", previous_severity=gone["severity"])
    cols = list(m.columns.drop("_prev_first"))
    return pd.concat([m[cols], gone.reindex(columns=cols)], ignore_index=True)


def new_severe(alerts: pd.DataFrame, fail_on: str) -> pd.DataFrame:
    """New or escalated alerts at or above ``fail_on`` (``none``: never)."""
    if fail_on not in FAIL_ON:
        raise ParameterError(f"fail_on_new must be one of {list(FAIL_ON)}, got {fail_on!r}")
    if fail_on == "none" or alerts.empty:
        return alerts.iloc[0:0]
    hit = alerts["change"].isin(["new", "escalated"]) & (
        alerts["severity"].map(SEVERITY_RANK) >= SEVERITY_RANK[fail_on]
    )
    return alerts[hit]


def scheduler_line(alerts: pd.DataFrame, previous_run: str | None) -> str:
    """The one line a scheduler reads in the run log: ``SCM-ALERTS total=.. new=..
    critical_new=.. high_new=.. resolved=.. previous=<run>``."""
    live = alerts[alerts["change"] != "resolved"]
    new = live[live["change"].isin(["new", "escalated"])]
    return (
        f"SCM-ALERTS total={len(live)} new={len(new)} "
        f"critical_new={int((new['severity'] == 'critical').sum())} "
        f"high_new={int((new['severity'] == 'high').sum())} "
        f"resolved={int((alerts['change'] == 'resolved').sum())} "
        f"previous={previous_run or 'none'}"
    )


class SevereAlertError(RuntimeError):
    """Raised at the end of an unattended run (after the report and outputs are written) when
    ``fail_on_new`` asks for a failing status on new severe alerts."""


def raise_on_new(alerts: pd.DataFrame, fail_on: str) -> None:
    """Raise :class:`SevereAlertError` (one line) when there are new or escalated alerts at or
    above ``fail_on``; the run is then recorded as failed, the report and ``alerts.csv`` stay."""
    hit = new_severe(alerts, fail_on)
    if len(hit):
        ex = ", ".join(
            f"{s} {i} ({v})"
            for s, i, v in zip(
                hit["supplier_id"].head(3), hit["indicator"].head(3), hit["severity"].head(3)
            )
        )
        raise SevereAlertError(
            f"{len(hit)} new alert(s) at {fail_on} severity or above, e.g. {ex}: see "
            "outputs/alerts.csv (fail_on_new asked for a failing run)"
        )


def summary(
    alerts: pd.DataFrame, indicators: pd.DataFrame, previous_run: str | None, previous_why: str
) -> list[str]:
    """The executive summary of a monitoring run."""
    live = alerts[alerts["change"] != "resolved"]
    counts = live["severity"].value_counts()
    sev = ", ".join(f"{int(counts.get(s, 0))} {s}" for s in reversed(SEVERITIES))
    lines = [
        f"{len(live):,} alerts on {live['supplier_id'].nunique():,} of "
        f"{len(indicators):,} suppliers ({sev})."
    ]
    if previous_run:
        ch = alerts["change"].value_counts()
        lines.append(
            f"Since the previous run ({previous_run}): {int(ch.get('new', 0))} new, "
            f"{int(ch.get('escalated', 0))} escalated, {int(ch.get('resolved', 0))} resolved, "
            f"{int(ch.get('unchanged', 0)) + int(ch.get('de-escalated', 0))} continuing."
        )
    else:
        lines.append(f"First monitoring run: {previous_why}; every alert is new.")
    top = live.head(1)
    if len(top):
        t = top.iloc[0]
        lines.append(
            f"Most severe: {t['name']} ({t['supplier_id']}), {indicator_label(t['indicator'])}:"
            f" {t['evidence'] if 'evidence' in t else value_text(t['indicator'], t['value'])}"
            f" ({t['severity']} severity), first seen {pd.Timestamp(t['first_seen']):%Y-%m-%d}."
        )
    for col, what in (
        ("otif_drift", "an OTIF drop"),
        ("ppm_drift", "a PPM rise"),
        ("lead_time_drift", "a lead-time rise"),
    ):
        if col in indicators:
            n = int(indicators[col].astype("boolean").fillna(False).sum())
            if n:
                lines.append(f"{n:,} suppliers show {what} beyond the control limits.")
    if "zone" in indicators:
        n = int((indicators["zone"] == "distress").sum())
        lines.append(f"{n:,} suppliers are in the Altman distress zone of their variant.")
    return lines


# --------------------------------------------------------------------------- report building

MIN_SIGMA = {"otif": 0.02, "ppm": 250.0, "lead_time_days": 1.0}  # floors of the chart sigma
DRIFTS = {  # indicator stem -> (metric, higher is worse)
    "otif": ("otif", False),
    "ppm": ("ppm", True),
    "lead_time": ("lead_time_days", True),
}


def drift_all(
    trend: pd.DataFrame,
    lead_times: pd.DataFrame,
    method: str = "cusum",
    baseline_periods: int = 12,
    k: float = 0.5,
    h: float = 5.0,
    lam: float = 0.2,
    L: float = 3.0,
) -> dict[str, pd.DataFrame]:
    """:func:`drift` on monthly OTIF (down is adverse), PPM and lead time (up is adverse), with
    the sigma floors of :data:`MIN_SIGMA` (2 OTIF points, 250 PPM, a day)."""
    out = {}
    for stem, (metric, worse_up) in DRIFTS.items():
        frame = lead_times if metric == "lead_time_days" else trend
        if metric in frame.columns and frame[metric].notna().any():
            out[stem] = drift(
                frame, metric, worse_up, baseline_periods, method, k, h, lam, L, MIN_SIGMA[metric]
            )
    return out


def country_indicators(
    suppliers: pd.DataFrame, countries: pd.DataFrame, weights: Mapping[str, float]
) -> tuple[pd.DataFrame, list[str]]:
    """Country risk per supplier (0-100): weighted WGI governance and LPI logistics risk of its
    country (:func:`scmlib.risk.assessment.load_country_risk`); (frame, unmatched countries)."""
    from scmlib.risk.assessment import country_codes

    s = suppliers[["supplier_id", "country"]].drop_duplicates("supplier_id")
    code, unknown = country_codes(s["country"], countries)
    cr = countries.set_index("code")
    gw, lw = float(weights.get("governance", 0.5)), float(weights.get("logistics", 0.5))
    risk = (
        gw * cr["governance_risk"] + lw * cr["logistics_risk"].fillna(cr["governance_risk"])
    ) / (gw + lw)
    out = pd.DataFrame(
        {
            "supplier_id": s["supplier_id"].to_numpy(),
            "iso3": code.to_numpy(),
            "country_risk": code.map(risk).to_numpy(),
            "lpi_score": code.map(cr["lpi_score"]).to_numpy(),
        }
    )
    return out, unknown


def concentration(po: pd.DataFrame, window: tuple[pd.Timestamp, pd.Timestamp]) -> pd.DataFrame:
    """Spend, share of spend and single sourcing per supplier over ``window`` (the items
    bought from that supplier alone, :func:`scmlib.risk.assessment.single_source`)."""
    from scmlib.risk.assessment import _po_window, single_source

    p = _po_window(po, window)
    spend = (p["ordered_qty"] * p["unit_price"]).groupby(p["supplier_id"]).sum()
    out = pd.DataFrame({"spend": spend, "spend_share": spend / max(spend.sum(), 1e-9)})
    ss = single_source(po, window=window).set_index("supplier_id")
    out = out.join(ss[["single_source_items"]], how="outer").fillna(
        {"single_source_items": 0, "spend": 0.0, "spend_share": 0.0}
    )
    out.index.name = "supplier_id"
    return out.reset_index()


def latest_altman(z: pd.DataFrame | None) -> pd.DataFrame:
    """The latest fiscal year's Altman result per supplier: ``z_score, z_variant, zone,
    z_change, fiscal_year``."""
    cols = ["supplier_id", "fiscal_year", "z_score", "z_variant", "zone", "z_change"]
    if z is None or z.empty:
        return pd.DataFrame(columns=cols)
    return z.sort_values("fiscal_year").drop_duplicates("supplier_id", keep="last")[cols]


def alert_counts(alerts: pd.DataFrame) -> pd.DataFrame:
    """Alerts by severity and change since the previous run (rows severity, most severe first;
    columns new, escalated, unchanged, de-escalated, resolved, total)."""
    changes = ["new", "escalated", "unchanged", "de-escalated", "resolved"]
    t = pd.crosstab(alerts["severity"], alerts["change"]).reindex(
        index=list(reversed(SEVERITIES)), columns=changes, fill_value=0
    )
    t["total"] = t[changes[:-1]].sum(axis=1)
    return t.rename_axis(None, axis=1).reset_index()


def appendix(method: str, baseline: int, k: float, h: float, lam: float, L: float,
             year: int, weights: Mapping[str, float], cert_days: int, event_days: int,
             fail_on: str) -> dict[str, str]:  # fmt: skip
    """The method appendix of the monitoring report, as applied in this run."""
    chart = (
        f"tabular CUSUM (Page 1954) with k = {k:g} and h = {h:g} standard deviations"
        if method == "cusum"
        else f"EWMA (Roberts 1959) with lambda = {lam:g} and L = {L:g}"
    )
    w = ", ".join(f"{a} {b:.0%}" for a, b in weights.items())
    return {
        "Altman Z family": "Z (Altman 1968: 1.2 X1 + 1.4 X2 + 3.3 X3 + 0.6 X4 + 1.0 X5, X4 on "
        "market equity; safe > 2.99, distress < 1.81) for manufacturers with a market value of "
        "equity; Z' (Altman 1983: 0.717, 0.847, 3.107, 0.420, 0.998; safe > 2.9, distress < "
        "1.23) for other manufacturers; Z'' (Altman 1995: 6.56 X1 + 3.26 X2 + 6.72 X3 + 1.05 X4;"
        " safe > 2.6, distress < 1.1) for non-manufacturers; Z'' + 3.25 (Altman, Hartzell & Peck"
        " 1995; safe > 5.85, distress < 4.15) for non-manufacturers in emerging markets. X1 "
        "working capital, X2 retained earnings, X3 EBIT, X5 sales over total assets; X4 equity "
        "over total liabilities. Latest fiscal year per supplier.",
        "Change detection": f"Monthly OTIF (company definition), PPM and actual lead time "
        f"(receipt - order date) per supplier; the first {baseline} months of each supplier set "
        f"its in-control mean and sigma (average moving range / 1.128, Montgomery section 6.4; "
        "at least 2 OTIF points, 250 PPM or 1 day); later months run through a "
        f"{chart}; only adverse shifts signal. Montgomery, Introduction to Statistical Quality "
        "Control, 6th ed., sections 9.1-9.2 (tested on Examples 9.1 and 9.2).",
        "First seen": "For a drift, the first month of the current run of out-of-control "
        "months (CUSUM: the month after the shift began); for other indicators the date of the "
        "first run that raised the alert (kept from the previous run's alerts.csv).",
        "Country risk": f"WGI {year} governance and LPI 2023 logistics risk weighted {w} "
        "(World Bank, CC BY 4.0), as in the risk assessment.",
        "Concentration": "Share of the spend of the company reporting window and the items "
        "bought from the supplier alone in it.",
        "Certificates and events": f"Certificates expired or expiring within {cert_days} days; "
        f"events open or started in the last {event_days} days, severity 0 low to 3 critical.",
        "Alert rules": "Each rule is indicator, condition (<, <=, >, >=, ==, !=, in) and "
        "severity, kept in the parameter set; a supplier matched by several rules on one "
        "indicator keeps the most severe.",
        "Previous run": "The latest other successful run of this notebook in the same reports "
        "folder; its outputs/alerts.csv gives new, escalated, de-escalated, unchanged and "
        "resolved alerts.",
        "Unattended runs": "The run log carries one SCM-ALERTS line for schedulers; with "
        f"fail_on_new = {fail_on} the run "
        + (
            "never fails on alerts."
            if fail_on == "none"
            else f"fails (after writing the report "
            f"and alerts.csv) when an alert at {fail_on} severity or above is new or escalated."
        ),
    }
