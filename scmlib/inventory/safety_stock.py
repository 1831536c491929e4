"""Safety stock, reorder points and order quantities.

Notation (per period): ``d`` mean demand, ``sigma_d`` its standard deviation, ``L`` mean
lead time, ``sigma_L`` its standard deviation, ``R`` review period, ``z`` safety factor.
Demand and lead times must be in the same period unit: :func:`lead_time_in_periods`
converts days and raises a clear error otherwise.

References
----------
- Chopra & Meindl, *Supply Chain Management: Strategy, Planning and Operation*, 6th ed.,
  ch. 12 (Examples 12-1 to 12-6 are reproduced in the tests).
- Silver, Pyke & Peterson (1998), *Inventory Management and Production Planning and
  Scheduling*, 3rd ed., ch. 7 (fill rate via the standard normal loss function G(z)).
- Snyder & Shen (2019), *Fundamentals of Supply Chain Theory*, 2nd ed., ch. 4.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

from scmlib.errors import DataError, ParameterError

PERIOD_DAYS = {"day": 1.0, "week": 7.0, "month": 365.25 / 12}
MEASURES = ("cycle_service", "fill_rate")
DISTRIBUTIONS = ("auto", "normal", "poisson", "gamma")
LUMPY_DISTRIBUTIONS = ("empirical", "gamma")
EMPIRICAL_MIN_MONTHS = 12  # months of history a series needs for its own (empirical) distribution
EMPIRICAL_MIN_NONZERO = 3  # ... and at least this many months with demand
# under a year of history (a new item): mean and spread rest on few months, no season seen
SHORT_HISTORY_MONTHS = 12


def lead_time_in_periods(lead_time_days, period: str):
    """Convert a lead time in days to demand periods (``day``, ``week`` or ``month``)."""
    if period not in PERIOD_DAYS:
        raise ParameterError(
            f"demand period must be one of {list(PERIOD_DAYS)}, got {period!r}: demand per period and lead time must use one unit"
        )
    return np.asarray(lead_time_days, dtype=float) / PERIOD_DAYS[period]


def standard_normal_loss(z):
    """G(z) = phi(z) - z (1 - Phi(z)): expected units short per unit standard deviation.

    Silver, Pyke & Peterson (1998), eq. 7.8 / appendix B. G(0) = 0.3989, G(1) = 0.0833.
    """
    z = np.asarray(z, dtype=float)
    return stats.norm.pdf(z) - z * stats.norm.sf(z)


def z_for_cycle_service(csl):
    """Safety factor for a cycle service level (type 1): z = Phi^-1(CSL)."""
    csl = np.asarray(csl, dtype=float)
    if np.any((csl <= 0) | (csl >= 1)):
        raise ParameterError(f"cycle service level must be strictly between 0 and 1, got {csl!r}")
    return stats.norm.ppf(csl)


_ZGRID = np.linspace(-4.0, 8.0, 24001)
_GGRID = standard_normal_loss(_ZGRID)


def z_for_fill_rate(fill_rate, sigma_lt, order_qty):
    """Safety factor for a fill rate (type 2) target: solve G(z) = (1 - fill) Q / sigma_LT.

    Silver, Pyke & Peterson (1998), eq. 7.17. Vectorised by interpolation on a fine grid
    of the (monotone decreasing) loss function; z is floored at -4.
    """
    fr = np.asarray(fill_rate, dtype=float)
    if np.any((fr <= 0) | (fr >= 1)):
        raise ParameterError(f"fill rate must be strictly between 0 and 1, got {fr!r}")
    target = (
        (1 - fr)
        * np.asarray(order_qty, dtype=float)
        / np.maximum(np.asarray(sigma_lt, dtype=float), 1e-12)
    )
    return np.interp(target, _GGRID[::-1], _ZGRID[::-1])


def fill_rate_from_ss(ss, sigma_lt, order_qty):
    """Fill rate of a continuous-review policy: 1 - ESC / Q, ESC = sigma_LT G(ss / sigma_LT).

    Chopra & Meindl, eq. 12.4-12.5 (Example 12-3: ESC 25.13, fill rate 0.9975).
    """
    sigma_lt = np.asarray(sigma_lt, dtype=float)
    esc = sigma_lt * standard_normal_loss(np.asarray(ss, dtype=float) / np.maximum(sigma_lt, 1e-12))
    return 1 - esc / np.asarray(order_qty, dtype=float)


def sigma_lead_time_demand(d, sigma_d, L, sigma_L=0.0, variability: str = "combined"):
    """Standard deviation of demand over the protection interval.

    - ``combined``: sqrt(L sigma_d^2 + d^2 sigma_L^2) (Chopra & Meindl eq. 12.18);
    - ``demand``: sqrt(L) sigma_d; ``lead_time``: d sigma_L.
    """
    d, sigma_d, L, sigma_L = (np.asarray(x, dtype=float) for x in (d, sigma_d, L, sigma_L))
    if variability == "combined":
        return np.sqrt(L * sigma_d**2 + d**2 * sigma_L**2)
    if variability == "demand":
        return np.sqrt(L) * sigma_d
    if variability == "lead_time":
        return d * sigma_L
    raise ParameterError(
        f"variability must be 'combined', 'demand' or 'lead_time', got {variability!r}"
    )


def eoq(annual_demand, order_cost, holding_cost_per_unit_year):
    """Economic order quantity Q* = sqrt(2 D S / H) (Harris 1913; Chopra & Meindl eq. 11.5).

    Chopra & Meindl Example 11-1: D = 12,000, S = 4,000, H = 0.2 x 500 -> Q* = 980.
    """
    D, S, H = (
        np.asarray(x, dtype=float) for x in (annual_demand, order_cost, holding_cost_per_unit_year)
    )
    return np.sqrt(2 * D * S / np.where(H > 0, H, np.nan))


def _loss(dist: np.ndarray, s: np.ndarray, mean: np.ndarray, sd: np.ndarray) -> np.ndarray:
    """Expected shortage E[(X - s)+] for normal, Poisson and gamma lead-time demand."""
    out = np.zeros_like(s, dtype=float)
    n = dist == "normal"
    out[n] = sd[n] * standard_normal_loss((s[n] - mean[n]) / np.maximum(sd[n], 1e-12))
    p = dist == "poisson"
    if p.any():
        mu, x = mean[p], np.floor(s[p])
        F = stats.poisson.cdf(x, mu)
        out[p] = (mu - x) * (1 - F) + mu * stats.poisson.pmf(x, mu)
    g = dist == "gamma"
    if g.any():
        mu, v = mean[g], np.maximum(sd[g], 1e-9) ** 2
        k, theta = mu**2 / v, v / mu
        out[g] = mu * stats.gamma.sf(s[g], k + 1, scale=theta) - s[g] * stats.gamma.sf(
            s[g], k, scale=theta
        )
    return np.maximum(out, 0)


def _cdf(dist, s, mean, sd):
    out = np.zeros_like(s, dtype=float)
    n = dist == "normal"
    out[n] = stats.norm.cdf(s[n], mean[n], np.maximum(sd[n], 1e-12))
    p = dist == "poisson"
    out[p] = stats.poisson.cdf(np.floor(s[p]), mean[p])
    g = dist == "gamma"
    if g.any():
        v = np.maximum(sd[g], 1e-9) ** 2
        out[g] = stats.gamma.cdf(s[g], mean[g] ** 2 / v, scale=v / mean[g])
    return out


def choose_distribution(mean_lt, sd_lt, demand_class=None):
    """Lead-time demand distribution per series.

    Normal for smooth/erratic demand with mean lead-time demand >= 10 units; otherwise
    Poisson when the variance is within 1.5x the mean (slow, Poisson-like movers) and
    gamma for lumpy or over-dispersed demand (never negative, right-skewed). A normal
    fitted to slow or intermittent demand gives nonsense (negative quantiles, too little
    stock for the target); see Silver, Pyke & Peterson (1998) section 7.11.
    """
    mean_lt = np.asarray(mean_lt, dtype=float)
    var = np.asarray(sd_lt, dtype=float) ** 2
    cls = np.asarray(
        demand_class if demand_class is not None else np.full(mean_lt.shape, "smooth"), dtype=object
    )
    slow = (mean_lt < 10) | np.isin(cls, ["intermittent", "lumpy"])
    poissonish = var <= 1.5 * np.maximum(mean_lt, 1e-9)
    return np.where(~slow, "normal", np.where(poissonish, "poisson", "gamma")).astype(object)


def reorder_level(
    mean_lt,
    sd_lt,
    target,
    measure: str = "cycle_service",
    order_qty=None,
    distribution="auto",
    demand_class=None,
):
    """Reorder point s for a service target on lead-time (or R+L) demand.

    ``measure='cycle_service'``: P(X <= s) >= target. ``measure='fill_rate'``:
    1 - E[(X - s)+] / Q >= target (Silver, Pyke & Peterson eq. 7.17, generalised to the
    Poisson and gamma loss functions). Solved by vectorised bisection. Returns (s, dist).
    """
    if measure not in MEASURES:
        raise ParameterError(f"service measure must be one of {list(MEASURES)}, got {measure!r}")
    mean_lt = np.asarray(mean_lt, dtype=float)
    sd_lt = np.asarray(sd_lt, dtype=float)
    target = np.broadcast_to(np.asarray(target, dtype=float), mean_lt.shape)
    if np.any((target <= 0) | (target >= 1)):
        raise ParameterError(
            f"service targets must be strictly between 0 and 1, got {np.unique(target)!r}"
        )
    if distribution == "auto":
        dist = choose_distribution(mean_lt, sd_lt, demand_class)
    elif distribution in DISTRIBUTIONS:
        dist = np.full(mean_lt.shape, distribution, dtype=object)
    else:
        raise ParameterError(
            f"distribution must be one of {list(DISTRIBUTIONS)}, got {distribution!r}"
        )
    dist = np.where(mean_lt <= 0, "poisson", dist)
    if measure == "fill_rate":
        if order_qty is None:
            raise ParameterError("a fill-rate target needs the order quantity Q")
        Q = np.broadcast_to(np.asarray(order_qty, dtype=float), mean_lt.shape)
    lo = np.minimum(mean_lt - 6 * sd_lt, 0.0)
    hi = mean_lt + 10 * np.maximum(sd_lt, np.sqrt(np.maximum(mean_lt, 1.0))) + 5
    for _ in range(60):
        mid = (lo + hi) / 2
        if measure == "cycle_service":
            ok = _cdf(dist, mid, mean_lt, sd_lt) >= target
        else:
            ok = 1 - _loss(dist, mid, mean_lt, sd_lt) / np.maximum(Q, 1e-9) >= target
        hi = np.where(ok, mid, hi)
        lo = np.where(ok, lo, mid)
    s = hi
    discrete = dist == "poisson"
    s = np.where(discrete, np.ceil(s - 1e-9), s)
    s = np.where(mean_lt <= 0, 0.0, s)
    return s, dist


def history_matrix(
    demand: pd.DataFrame,
    rows: pd.DataFrame,
    keys=("item_id", "location_id"),
    months: int = 12,
    as_of=None,
) -> np.ndarray:
    """Per-period demand of each row of ``rows`` over the last ``months`` periods (ending at
    ``as_of`` when given, else at the latest period of ``demand``) as a (rows x months) array in
    the row order of ``rows``: zero for periods without demand after a series' first period,
    NaN before it (not yet sold there). Negative quantities (returns) are clipped at zero."""
    keys = list(keys)
    d = demand
    if as_of is not None and str(as_of) != "":
        d = d[d["date"] <= pd.Timestamp(as_of).normalize() + pd.Timedelta(days=1)]
    periods = np.sort(d["date"].unique())[-months:]
    d = d[d["date"].isin(periods)]
    col = pd.Index(periods).get_indexer(d["date"])
    row = pd.MultiIndex.from_frame(rows[keys].astype(str)).get_indexer(
        pd.MultiIndex.from_frame(d[keys].astype(str))
    )
    ok = row >= 0
    vals = np.zeros((len(rows), len(periods)))
    seen = np.zeros(vals.shape, dtype=bool)
    np.add.at(vals, (row[ok], col[ok]), np.clip(d["quantity"].to_numpy(float)[ok], 0, None))
    seen[row[ok], col[ok]] = True
    started = np.maximum.accumulate(seen, axis=1)
    return np.where(started, vals, np.nan)


def bootstrap_lead_time_demand(
    history: np.ndarray,
    protection,
    protection_sd=0.0,
    draws: int = 1000,
    seed: int = 0,
) -> np.ndarray:
    """Bootstrapped demand over the protection interval from each series' own history.

    Each draw takes a protection interval P ~ max(0, N(protection, protection_sd)) periods
    (lead-time variability) and sums floor(P) periods drawn with replacement from the series'
    observed periods, plus the fractional part of P times one more draw (Willemain, Smart &
    Schwarz 2004, "A new approach to forecasting intermittent demand for service parts
    inventories", IJF 20(3), without their Markov step; Silver, Pyke & Peterson 1998, section
    7.11 on using the empirical distribution of lead-time demand). Vectorised over series;
    returns a (series x draws) array. Series without history give zeros.

    Examples
    --------
    A series that sold 10 in every period, protected for exactly 2 periods: every draw is 20.

    >>> bootstrap_lead_time_demand(np.full((1, 12), 10.0), [2.0], draws=5).tolist()
    [[20.0, 20.0, 20.0, 20.0, 20.0]]
    """
    h = np.asarray(history, dtype=float)
    n = h.shape[0]
    rng = np.random.default_rng(seed)
    valid = ~np.isnan(h)
    count = valid.sum(axis=1)
    order = np.argsort(~valid, axis=1, kind="stable")  # observed periods first
    comp = np.nan_to_num(np.take_along_axis(h, order, axis=1))
    P = np.broadcast_to(np.asarray(protection, dtype=float), (n,))[:, None]
    Psd = np.broadcast_to(np.asarray(protection_sd, dtype=float), (n,))[:, None]
    p = np.maximum(P + Psd * rng.standard_normal((n, draws)), 0.0)
    out = np.zeros((n, draws))
    rows = np.arange(n)[:, None]
    span = np.maximum(count, 1)[:, None]
    for k in range(int(np.ceil(min(p.max(initial=0.0), 60.0)))):  # periods of the interval
        w = np.clip(p - k, 0.0, 1.0)
        pick = np.minimum((rng.random((n, draws)) * span).astype(int), span - 1)
        out += w * comp[rows, pick]
    out[count == 0] = 0.0
    return out


def empirical_reorder_level(samples: np.ndarray, target, measure: str = "cycle_service", Q=None):
    """Reorder level for a service target on an empirical (sampled) lead-time demand.

    Cycle service: the smallest sample value whose empirical CDF reaches the target. Fill rate:
    the smallest s with E[(X - s)+] <= (1 - target) Q, E taken over the samples (the loss is
    piecewise linear in s, so s is exact between two sorted samples; Silver, Pyke & Peterson
    1998, eq. 7.17 with the empirical loss function). Vectorised over rows.

    Examples
    --------
    Samples 0, 0, 0, 10 (mean 2.5), fill rate 90% with Q = 5 allows 0.5 unit short per cycle:
    E[(X - s)+] = (10 - s) / 4 = 0.5 at s = 8.

    >>> float(empirical_reorder_level(np.array([[0.0, 0, 0, 10]]), 0.9, "fill_rate", 5)[0])
    8.0
    """
    x = np.sort(np.asarray(samples, dtype=float), axis=1)
    n, B = x.shape
    t = np.broadcast_to(np.asarray(target, dtype=float), (n,))
    if measure == "cycle_service":
        j = np.clip(np.ceil(t * B - 1e-9).astype(int) - 1, 0, B - 1)
        return x[np.arange(n), j]
    allowed = (1 - t) * np.broadcast_to(np.asarray(Q, dtype=float), (n,))
    suffix = np.cumsum(x[:, ::-1], axis=1)[:, ::-1]  # sum of x_k for k >= j
    above = B - np.arange(B)[None, :]
    loss = (suffix - above * x) / B  # E[(X - x_j)+], decreasing in j
    ok = loss <= allowed[:, None] + 1e-12
    j = np.where(ok.any(axis=1), ok.argmax(axis=1), B - 1)
    rows = np.arange(n)
    mean = x.mean(axis=1)
    first = j == 0
    prev = np.maximum(j - 1, 0)
    slope = np.maximum(B - j, 1) / B  # loss falls by (B - j) / B per unit of s below x_(j)
    between = x[rows, prev] + (loss[rows, prev] - allowed) / slope
    s = np.where(first, mean - allowed, np.minimum(between, x[rows, j]))
    return s


def expected_undershoot(
    daily: pd.DataFrame,
    rows: pd.DataFrame,
    keys=("item_id", "location_id"),
    months: int = 12,
    as_of=None,
) -> np.ndarray:
    """Expected undershoot of the reorder point per row of ``rows``: E[U] = (E[x²] / E[x] - 1) / 2
    with x the size of one day's demand (days with demand over the last ``months`` months of
    ``daily``), floored at zero; zero for rows without daily demand.

    A continuous-review (s, Q) policy orders when the inventory position falls to or *below* s;
    when customer orders are large the position lands U units under s, and the formulas, which
    assume demand arrives one unit at a time, overstate the service. Adding E[U] to the reorder
    point restores it (Silver, Pyke & Peterson 1998, section 7.11.2, "the undershoot"; Hadley &
    Whitin 1963, section 4.9; the discrete renewal result E[U] = (E[x²] - E[x]) / (2 E[x])).

    Examples
    --------
    Days with 1 or 3 units (E[x] = 2, E[x²] = 5): E[U] = (2.5 - 1) / 2 = 0.75.

    >>> d = pd.DataFrame({"item_id": ["a", "a"], "location_id": ["L", "L"],
    ...     "date": pd.to_datetime(["2024-01-02", "2024-01-09"]), "quantity": [1.0, 3.0]})
    >>> float(expected_undershoot(d, d.drop_duplicates(["item_id", "location_id"]))[0])
    0.75
    """
    keys = list(keys)
    end = pd.Timestamp(as_of) if as_of not in (None, "") else daily["date"].max()
    start = end - pd.DateOffset(months=months)
    w = daily[(daily["date"] > start) & (daily["date"] <= end) & (daily["quantity"] > 0)]
    x = w["quantity"].to_numpy(float)
    g = (
        pd.DataFrame({"m1": x, "m2": x**2})
        .groupby([w[k].to_numpy() for k in keys], observed=True)[["m1", "m2"]]
        .mean()
    )
    idx = pd.MultiIndex.from_frame(rows[keys]) if len(keys) > 1 else pd.Index(rows[keys[0]])
    m = g.reindex(idx)
    u = (m["m2"] / m["m1"] - 1) / 2
    return np.nan_to_num(np.maximum(u.to_numpy(float), 0.0))


def safety_stock_table(
    stats_df: pd.DataFrame,
    target_col: str = "service_target",
    measure: str = "cycle_service",
    policy: str = "continuous",
    review_period: float = 1.0,
    variability: str = "combined",
    holding_rate: float = 0.25,
    order_cost: float = 50.0,
    periods_per_year: float = 12.0,
    history: np.ndarray | None = None,
    lumpy_distribution: str = "empirical",
    draws: int = 1000,
    seed: int = 0,
    whole_units: bool = False,
) -> pd.DataFrame:
    """Safety stock, reorder point and order quantity for each row of ``stats_df``.

    ``stats_df`` columns: ``mean_demand``, ``std_demand`` (per period), ``lead_time``,
    ``lead_time_std`` (periods), ``unit_cost``, the target column, and optionally
    ``demand_class``, ``lot_size`` and ``undershoot`` (units, :func:`expected_undershoot`,
    added to the reorder point, and so to the safety stock, of a continuous-review policy).

    Policies: ``continuous`` (s, Q): protection interval L, s = reorder point,
    Q = EOQ (or the fixed lot); ``periodic`` (R, S): protection interval R + L,
    order-up-to S = expected demand over R + L + SS, and the average order is d R.
    Safety stock = reorder level - expected demand over the protection interval
    (z sigma for a normal distribution).

    Distribution rule (documented in the reports): normal for steady demand; Poisson or gamma
    for slow movers (:func:`choose_distribution`); for **intermittent and lumpy** series with
    ``history`` (:func:`history_matrix`, rows as ``stats_df``) of at least
    ``EMPIRICAL_MIN_MONTHS`` periods and ``EMPIRICAL_MIN_NONZERO`` periods with demand,
    ``lumpy_distribution='empirical'`` uses the series' own bootstrapped lead-time demand
    (:func:`bootstrap_lead_time_demand`, ``draws`` draws, seed ``seed``) instead of a fitted
    gamma, whose tail (shape < 1 for lumpy demand) drives fill-rate solutions far beyond any
    demand the series has ever seen. ``months_cover`` = safety stock / mean demand per period;
    ``demand_shift`` (with ``history``) = mean demand of the window's second half / first half.
    ``whole_units`` rounds the reorder point (order-up-to level) and the order quantity up to
    whole units: with demand in whole units a position of 43 is the only one "at or below" a
    reorder point of 43.1, so a fractional point acts as the unit below it.
    """
    if lumpy_distribution not in LUMPY_DISTRIBUTIONS:
        raise ParameterError(
            f"lumpy_distribution must be one of {list(LUMPY_DISTRIBUTIONS)}, got {lumpy_distribution!r}"
        )
    if policy not in ("continuous", "periodic"):
        raise ParameterError(f"policy must be 'continuous' or 'periodic', got {policy!r}")
    need = ["mean_demand", "std_demand", "lead_time", "lead_time_std", "unit_cost", target_col]
    missing = [c for c in need if c not in stats_df.columns]
    if missing:
        raise DataError(f"safety stock input is missing column(s) {missing}")
    df = stats_df.copy()
    d, sd = (
        df["mean_demand"].clip(lower=0).to_numpy(float),
        df["std_demand"].fillna(0).to_numpy(float),
    )
    L, sL = df["lead_time"].to_numpy(float), df["lead_time_std"].fillna(0).to_numpy(float)
    if np.any(L < 0) or np.any(np.isnan(L)):
        raise DataError("lead times must be known and non-negative for every row")
    P = L + (review_period if policy == "periodic" else 0.0)
    mean_p = d * P
    sigma_p = sigma_lead_time_demand(d, sd, P, sL, variability)
    H = df["unit_cost"].to_numpy(float) * holding_rate
    q_eoq = eoq(d * periods_per_year, order_cost, H)
    lot = df["lot_size"].to_numpy(float) if "lot_size" in df.columns else np.full(len(df), np.nan)
    Q = np.where(
        policy == "periodic", d * review_period, np.where(np.nan_to_num(lot) > 0, lot, q_eoq)
    )
    Q = np.maximum(np.nan_to_num(Q, nan=1.0), 1.0)
    target = df[target_col].to_numpy(float)
    level, dist = reorder_level(mean_p, sigma_p, target, measure, Q, "auto", df.get("demand_class"))
    if history is not None and lumpy_distribution == "empirical" and "demand_class" in df:
        h = np.asarray(history, dtype=float)
        if h.shape[0] != len(df):
            raise ParameterError(f"history has {h.shape[0]} rows for {len(df)} series")
        use = (
            df["demand_class"].isin(["intermittent", "lumpy"]).to_numpy()
            & ((~np.isnan(h)).sum(axis=1) >= EMPIRICAL_MIN_MONTHS)
            & ((np.nan_to_num(h) > 0).sum(axis=1) >= EMPIRICAL_MIN_NONZERO)
            & (d > 0)
        )
        if use.any():
            samples = bootstrap_lead_time_demand(h[use], P[use], sL[use], draws, seed)
            lvl = empirical_reorder_level(samples, target[use], measure, Q[use])
            level = level.copy()
            level[use] = lvl
            mean_p = mean_p.copy()
            mean_p[use] = samples.mean(axis=1)
            dist = dist.copy()
            dist[use] = "empirical"
    under = (
        df["undershoot"].fillna(0).to_numpy(float)
        if "undershoot" in df and policy == "continuous"
        else np.zeros(len(df))
    )
    df["protection_periods"] = P
    df["sigma_protection"] = sigma_p
    df["distribution"] = dist
    df["undershoot"] = under
    df["cycle_stock_only"] = (level - mean_p <= 1e-9) & (d > 0)
    if history is not None:
        h = np.asarray(history, dtype=float)
        half = h.shape[1] // 2
        with warnings.catch_warnings(), np.errstate(invalid="ignore", divide="ignore"):
            warnings.simplefilter("ignore", RuntimeWarning)  # series without a first half
            first, last = np.nanmean(h[:, :half], axis=1), np.nanmean(h[:, half:], axis=1)
            df["demand_shift"] = np.where(first > 0, last / first, np.nan)
    ss = np.maximum(level - mean_p, 0.0) + under
    if whole_units:
        ss = np.ceil(mean_p + ss - 1e-9) - mean_p
        Q = np.ceil(Q - 1e-9)
    df["safety_stock"] = ss
    df["reorder_point"] = mean_p + ss
    df["order_qty"] = Q
    df["order_up_to"] = np.where(policy == "periodic", df["reorder_point"], np.nan)
    df["safety_stock_value"] = df["safety_stock"] * df["unit_cost"]
    df["avg_cycle_stock_value"] = Q / 2 * df["unit_cost"]
    df["months_cover"] = np.where(d > 0, df["safety_stock"] / np.where(d > 0, d, 1.0), 0.0)
    return df


def lead_times_from_po(pos: pd.DataFrame, min_receipts: int = 3) -> pd.DataFrame:
    """Mean and standard deviation of the order-to-receipt lead time (days) per item, from PO history.

    Items with fewer than ``min_receipts`` receipts are left out (use the item master).
    """
    d = pos.dropna(subset=["item_id", "receipt_date"])
    lt = (d["receipt_date"] - d["order_date"]).dt.days.clip(lower=0)
    g = lt.groupby(d["item_id"])
    out = pd.DataFrame(
        {"lead_time_days": g.mean(), "lead_time_std_days": g.std(ddof=1), "receipts": g.size()}
    )
    return out[out["receipts"] >= min_receipts].reset_index()


def dominant_tier(
    sales: pd.DataFrame, customers: pd.DataFrame, keys=("item_id", "location_id")
) -> pd.DataFrame:
    """The highest service tier buying at least 20% of an item-location's ordered units (else its largest tier)."""
    keys = list(keys)
    rank = {"platinum": 0, "gold": 1, "standard": 2}
    s = sales.merge(customers[["customer_id", "service_tier"]], on="customer_id", how="left")
    q = s.groupby([*keys, "service_tier"], observed=True)["ordered_qty"].sum().reset_index()
    q["share"] = q["ordered_qty"] / q.groupby(keys, observed=True)["ordered_qty"].transform("sum")
    q["rank"] = q["service_tier"].map(rank).fillna(3)
    q = q[q["share"] >= 0.2].sort_values([*keys, "rank"])
    return q.drop_duplicates(keys)[[*keys, "service_tier"]]


def build_inputs(
    demand: pd.DataFrame,
    items: pd.DataFrame,
    segments: pd.DataFrame,
    lead_time_source: str = "po_history",
    pos: pd.DataFrame | None = None,
    period: str = "month",
    keys=("item_id", "location_id"),
) -> pd.DataFrame:
    """Per item-location inputs for :func:`safety_stock_table`: demand mean and deviation per
    period (from ``segments``, i.e. ``abc_xyz`` output), lead time and its deviation in periods
    (from PO history or the item master), unit cost and lot size."""
    keys = list(keys)
    if lead_time_source not in ("po_history", "item_master"):
        raise ParameterError(
            f"lead_time_source must be 'po_history' or 'item_master', got {lead_time_source!r}"
        )
    cols = [
        c
        for c in ("item_id", "lead_time_days", "lead_time_std_days", "lot_size")
        if c in items.columns
    ]
    df = segments.merge(items[cols], on="item_id", how="left")
    if "lead_time_days" not in df.columns:
        df["lead_time_days"] = np.nan
        df["lead_time_std_days"] = np.nan
    df["lead_time_source"] = "item master"
    if lead_time_source == "po_history":
        if pos is None or pos.empty:
            raise ParameterError(
                "lead_time_source 'po_history' needs purchase_order_lines with receipts; use 'item_master'"
            )
        lt = lead_times_from_po(pos)
        df = df.merge(
            lt.rename(columns={"lead_time_days": "lt_po", "lead_time_std_days": "lt_std_po"}),
            on="item_id",
            how="left",
        )
        has = df["lt_po"].notna()
        df.loc[has, "lead_time_days"] = df.loc[has, "lt_po"]
        df.loc[has, "lead_time_std_days"] = df.loc[has, "lt_std_po"].fillna(0)
        df.loc[has, "lead_time_source"] = "PO history"
        df = df.drop(columns=["lt_po", "lt_std_po", "receipts"])
    missing = df["lead_time_days"].isna()
    if missing.any():
        ex = df.loc[missing, "item_id"].head(5).tolist()
        raise ParameterError(
            f"no lead time for {int(missing.sum())} item-locations (e.g. {ex}): fill items.lead_time_days or provide PO receipts"
        )
    df["lead_time"] = lead_time_in_periods(df["lead_time_days"], period)
    df["lead_time_std"] = lead_time_in_periods(df["lead_time_std_days"].fillna(0), period)
    df["mean_demand"] = df["mean"]
    df["std_demand"] = df["std"].fillna(0)
    return df


def tradeoff_curve(
    inputs: pd.DataFrame,
    levels=(0.80, 0.85, 0.90, 0.925, 0.95, 0.97, 0.98, 0.99, 0.995),
    segment: str = "abc",
    **kwargs,
) -> pd.DataFrame:
    """Inventory investment against service level per segment: safety-stock value at each
    target level (the same target for every series of the segment)."""
    rows = []
    for lv in levels:  # one vectorised computation per service level (a few)
        t = safety_stock_table(inputs.assign(service_target=lv), **kwargs)
        g = t.groupby(segment, observed=True)["safety_stock_value"].sum()
        rows.append(
            pd.DataFrame(
                {segment: g.index, "service_level": lv, "safety_stock_value": g.to_numpy()}
            )
        )
    return pd.concat(rows, ignore_index=True)


# --------------------------------------------------------------------------- report tables


def with_service_targets(
    inputs: pd.DataFrame,
    target_by: str,
    targets: dict[str, float],
    sales: pd.DataFrame | None = None,
    customers: pd.DataFrame | None = None,
    keys=("item_id", "location_id"),
) -> tuple[pd.DataFrame, str]:
    """Attach each series' service target: by ABC class (``target_by='abc'``) or by the dominant
    customer service tier (``'tier'``, :func:`dominant_tier`; series without one are
    ``standard``). Returns (inputs with ``service_target``, the grouping column)."""
    keys = list(keys)
    if target_by not in ("abc", "tier"):
        raise ParameterError(f"target_by must be 'abc' or 'tier', got {target_by!r}")
    out = inputs
    if target_by == "tier":
        if sales is None or customers is None:
            raise DataError(
                "targets by customer tier need the sales_order_lines and customers tables; "
                "add them or use target_by=abc"
            )
        tiers = dominant_tier(sales, customers, keys)
        out = out.merge(tiers, on=keys, how="left").fillna({"service_tier": "standard"})
    group = "abc" if target_by == "abc" else "service_tier"
    out = out.assign(service_target=out[group].map(targets))
    return out, group


def with_current_stock(
    result: pd.DataFrame, positions: pd.DataFrame, keys=("item_id", "location_id")
) -> pd.DataFrame:
    """Add today's ``on_hand_qty`` and ``current_value`` (from stock positions, zero where a
    series has none) and ``target_avg_stock_value`` = safety stock + average cycle stock (half
    an order), the average inventory the policy aims at."""
    keys = list(keys)
    cur = positions[[*keys, "on_hand_qty", "stock_value"]].rename(
        columns={"stock_value": "current_value"}
    )
    out = result.merge(cur, on=keys, how="left").fillna({"on_hand_qty": 0, "current_value": 0})
    out["target_avg_stock_value"] = out["safety_stock_value"] + out["avg_cycle_stock_value"]
    return out


def segment_summary(result: pd.DataFrame, group: str) -> pd.DataFrame:
    """Per segment (or tier): series, target, safety-stock value, target average stock, stock
    on hand today and the change = target average stock - current stock; highest target first
    (A, B, C; platinum, gold, standard)."""
    g = result.groupby(group, observed=True)
    out = g.agg(
        series=("item_id", "size"),
        target=("service_target", "first"),
        safety_stock_value=("safety_stock_value", "sum"),
        target_avg_stock_value=("target_avg_stock_value", "sum"),
        current_value=("current_value", "sum"),
    ).reset_index()
    out["change"] = out["target_avg_stock_value"] - out["current_value"]
    out = out.sort_values(["target", group], ascending=[False, True], kind="stable")
    return out.reset_index(drop=True)


def distribution_summary(result: pd.DataFrame) -> pd.DataFrame:
    """Series and safety-stock value per lead-time demand distribution used."""
    g = result.groupby("distribution", observed=True)
    out = g.agg(series=("item_id", "size"), safety_stock_value=("safety_stock_value", "sum"))
    return out.reset_index()


def what_if_table(
    curve: pd.DataFrame, group: str, order: Sequence[str] | None = None
) -> pd.DataFrame:
    """The trade-off curve (:func:`tradeoff_curve`) as a table: one row per segment (in
    ``order`` when given, e.g. the rows of :func:`segment_summary`), one column per service
    level (safety-stock value)."""
    t = curve.pivot_table(index=group, columns="service_level", values="safety_stock_value")
    t.columns.name = None
    return t.reindex(list(order)) if order is not None else t


def next_level_cost(by_seg: pd.DataFrame, what_if: pd.DataFrame, group: str) -> dict:
    """For the segment holding the most safety stock: its target, the next service level of the
    curve above it and the safety stock that step adds (curve value at the next level - curve
    value at the highest level not above the target; NaN when the curve starts above it)."""
    first = by_seg.sort_values("safety_stock_value", ascending=False).iloc[0]
    levels = np.array(what_if.columns, dtype=float)
    target = float(first["target"])
    above = levels[levels > target]
    nxt = float(above.min()) if len(above) else float(levels.max())
    below = levels[levels <= target]
    row = what_if.loc[first[group]]
    delta = float(row[nxt] - row[below.max()]) if len(below) else float("nan")
    return {"segment": first[group], "target": target, "next": nxt, "delta": delta}


def simulate_targets(
    inputs: pd.DataFrame,
    by_seg: pd.DataFrame,
    group: str,
    levels: dict[str, float],
    **kwargs,
) -> pd.DataFrame:
    """What-if: safety stock per segment when segment ``s`` gets target ``levels[s]``, against
    the baseline of ``by_seg`` (:func:`segment_summary`); ``kwargs`` go to
    :func:`safety_stock_table`. Columns: group, target, new_target, safety_stock_value,
    what_if, change."""
    t = safety_stock_table(inputs.assign(service_target=inputs[group].map(levels)), **kwargs)
    g = t.groupby(group, observed=True)["safety_stock_value"].sum().rename("what_if")
    out = by_seg[[group, "target", "safety_stock_value"]].merge(g.reset_index(), on=group)
    out["new_target"] = out[group].map(levels)
    out["change"] = out["what_if"] - out["safety_stock_value"]
    return out[[group, "target", "new_target", "safety_stock_value", "what_if", "change"]]


def summary_lines(
    result: pd.DataFrame,
    by_seg: pd.DataFrame,
    step: dict,
    group: str,
    service_measure: str,
    money,
) -> list[str]:
    """The executive summary of the safety-stock report, one sentence per finding; ``step`` is
    :func:`next_level_cost`, ``money`` formats an amount (the report's formatter)."""
    target_avg = result["target_avg_stock_value"].sum()
    current = result["current_value"].sum()
    change = f" ({target_avg / current - 1:+.0%})" if current else ""
    measure = service_measure.replace("_", " ")
    targets = ", ".join(
        f"{r[group]} {r['target']:.0%} ({money(r['safety_stock_value'])})"
        for r in by_seg.to_dict("records")
    )
    what = "ABC class" if group == "abc" else "tier"
    below = int((result["on_hand_qty"] < result["safety_stock"]).sum())
    above = int((result["on_hand_qty"] > result["reorder_point"] + result["order_qty"]).sum())
    nonnormal = (result["distribution"] != "normal").mean()
    return [
        f"Safety stock for {len(result):,} item-locations is worth "
        f"{money(result['safety_stock_value'].sum())}; with cycle stock the target average "
        f"inventory is {money(target_avg)} against {money(current)} on hand today{change}.",
        f"Targets: {targets} ({measure}).",
        f"Raising the service target of {what} {step['segment']} from {step['target']:.1%} to "
        f"{step['next']:.1%} would add {money(step['delta'])} of safety stock.",
        f"{below:,} item-locations are below their safety stock today; {above:,} hold more than "
        "reorder point plus one order.",
        f"{nonnormal:.0%} of item-locations use a Poisson, gamma or their own (empirical) "
        "lead-time demand distribution (slow or intermittent demand) instead of the normal.",
    ]


# --------------------------------------------------------------------------- credibility layer


def sanity_layer(
    result: pd.DataFrame,
    max_cover_months: float = 6.0,
    max_value: float | None = None,
    cap: bool = False,
    eol_date=None,
    as_of=None,
    min_units: float = 1.0,
) -> pd.DataFrame:
    """Flag (and with ``cap`` cap) safety stocks above ``max_cover_months`` months of mean demand
    or above ``max_value`` (currency, None: no value limit), with the reason in words. A safety
    stock of at most ``min_units`` units (one unit of a very slow mover) is never an extreme.

    ``eol_date`` (one date per row, e.g. the item master's ``eol_date``): rows whose end of
    life is on or before ``as_of`` (the end of the demand window, :func:`end_of_life`) get a
    zero safety stock, reorder point and order-up-to level whether or not ``cap`` is set, with
    the reason "end of life on <date>: no replenishment, run the stock down" (and
    ``end_of_life`` True).

    Adds ``flag`` (empty when none), ``uncapped_safety_stock`` and ``capped``; with ``cap`` the
    safety stock becomes min(safety stock, max_cover_months x mean demand, max_value / unit
    cost) and the reorder point, order-up-to level and safety-stock value follow.

    Examples
    --------
    >>> r = pd.DataFrame({"mean_demand": [10.0, 10.0], "safety_stock": [80.0, 20.0],
    ...     "unit_cost": [2.0, 2.0], "reorder_point": [100.0, 40.0], "order_up_to": [np.nan] * 2})
    >>> out = sanity_layer(r, 6, None, cap=True)
    >>> out["safety_stock"].tolist(), out["flag"].tolist()[1]
    ([60.0, 20.0], '')
    >>> out["flag"].iloc[0]
    'safety stock 8.0 months of demand (limit 6); capped at 6 months'
    """
    if max_cover_months <= 0:
        raise ParameterError(f"max_cover_months must be positive, got {max_cover_months}")
    out = result.copy()
    d = out["mean_demand"].to_numpy(float)
    ss = out["safety_stock"].to_numpy(float)
    cost = out["unit_cost"].to_numpy(float)
    cover = np.where(d > 0, ss / np.where(d > 0, d, 1.0), np.where(ss > 0, np.inf, 0.0))
    value = ss * cost
    over_cover = (cover > max_cover_months + 1e-9) & (ss > min_units)
    over_value = value > max_value + 1e-9 if max_value else np.zeros(len(out), dtype=bool)
    limit = np.where(over_cover, max_cover_months * d, np.inf)
    if max_value:
        limit = np.minimum(
            limit, np.where(cost > 0, max_value / np.where(cost > 0, cost, 1), np.inf)
        )
    words = np.where(
        over_cover,
        "safety stock "
        + pd.Series(cover).map("{:.1f}".format).to_numpy(object)
        + f" months of demand (limit {max_cover_months:g})",
        "",
    ).astype(object)
    if max_value:
        val_words = np.where(over_value, f"value above {max_value:,.0f}", "")
        words = np.where(over_cover & over_value, words + "; " + val_words, words + val_words)
    eol, eol_words = end_of_life(eol_date, as_of, len(out))
    words = np.where(eol, eol_words, words)
    flagged = over_cover | over_value | eol
    out["uncapped_safety_stock"] = ss
    if cap:
        new = np.where(flagged, np.minimum(ss, limit), ss)
        cap_words = np.where(
            over_cover & (new < ss),
            "; capped at "
            + pd.Series(new / np.where(d > 0, d, 1.0)).map("{:g}".format).to_numpy(object)
            + " months",
            np.where(flagged, "; capped at the value limit", ""),
        )
        words = np.where(flagged & ~eol, words + cap_words, words)
    else:
        new = ss
    # past end of life: nothing to protect, whether or not the other limits cap
    new = np.where(eol, 0.0, new)
    delta = np.where(eol, -out["reorder_point"].to_numpy(float), new - ss)
    out["safety_stock"] = new
    out["reorder_point"] = out["reorder_point"] + delta
    if "order_up_to" in out:
        out["order_up_to"] = np.where(eol, 0.0, out["order_up_to"] + delta)
    out["safety_stock_value"] = new * cost
    if "months_cover" in out:
        out["months_cover"] = np.where(d > 0, new / np.where(d > 0, d, 1.0), 0.0)
    out["end_of_life"] = eol
    out["capped"] = flagged & cap & ~eol  # end of life is not a cap: nothing to protect
    out["flag"] = np.where(flagged, words, "").astype(object)
    return out


def end_of_life(eol_date, as_of, n: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Which rows are past their end of life on ``as_of``, and the reason in words.

    ``eol_date``: one date per row (the item master's ``eol_date``; empty: none); a row is past
    end of life when its date is on or before ``as_of``. Such an item is no longer replenished:
    its safety stock, reorder point and buffer are zero and its stock on hand is run down
    (Silver, Pyke & Peterson 1998, section 9.5: the terminal phase of the life cycle). ``n``:
    the number of rows when ``eol_date`` is None.

    Examples
    --------
    >>> m, why = end_of_life(pd.to_datetime(["2026-02-01", None]), "2026-10-01")
    >>> m.tolist(), why[0]
    ([True, False], 'end of life on 01 Feb 2026: no replenishment, run the stock down')
    """
    if eol_date is None or as_of is None:
        size = 0 if n is None else n
        return np.zeros(size, dtype=bool), np.full(size, "", dtype=object)
    e = pd.to_datetime(pd.Series(np.asarray(eol_date)), errors="coerce")
    mask = (e.notna() & (e <= pd.Timestamp(as_of))).to_numpy()
    words = (
        "end of life on "
        + e.dt.strftime("%d %b %Y").fillna("").to_numpy(object)
        + ": no replenishment, run the stock down"
    )
    return mask, np.where(mask, words, "").astype(object)


def apply_end_of_life(result: pd.DataFrame, items: pd.DataFrame, as_of) -> pd.DataFrame:
    """A safety-stock table with the rows past end of life (:func:`end_of_life`, dates from
    ``items.eol_date`` on ``as_of``) at zero safety stock, reorder point and order-up-to level,
    and the columns ``end_of_life`` and ``eol_reason``; unchanged when the items hold no
    ``eol_date``."""
    out = result.copy()
    eol_date = (
        out["item_id"].map(items.set_index("item_id")["eol_date"])
        if "eol_date" in items.columns
        else None
    )
    mask, why = end_of_life(eol_date, as_of, len(out))
    for c in ("safety_stock", "reorder_point", "safety_stock_value", "months_cover"):
        if c in out:
            out[c] = np.where(mask, 0.0, out[c].to_numpy(float))
    if "order_up_to" in out:
        out["order_up_to"] = np.where(mask, 0.0, out["order_up_to"].to_numpy(float))
    out["end_of_life"] = mask
    out["eol_reason"] = why
    return out


def replenished(result: pd.DataFrame) -> pd.DataFrame:
    """The rows still replenished against a service target: all but those past end of life
    (``end_of_life`` of :func:`sanity_layer` or :func:`apply_end_of_life`), which have no
    target to meet and run their stock down (so a replay of the policy leaves them out)."""
    eol = result.get("end_of_life", pd.Series(False, index=result.index)).astype(bool)
    return result[~eol]


def run_down(result: pd.DataFrame, positions: pd.DataFrame, keys=("item_id", "location_id")):
    """The stock to run down: item-locations past end of life (``end_of_life`` column of
    :func:`sanity_layer` or :func:`apply_end_of_life`) with their stock on hand (units and value
    from ``positions``, :func:`scmlib.core.measures.stock_positions`), most valuable first."""
    keys = list(keys)
    eol = result.get("end_of_life", pd.Series(False, index=result.index)).astype(bool)
    r = result.loc[eol, keys]
    cur = positions[[*keys, "on_hand_qty", "stock_value"]]
    out = r.merge(cur, on=keys, how="left").fillna({"on_hand_qty": 0.0, "stock_value": 0.0})
    return out.sort_values("stock_value", ascending=False, kind="stable").reset_index(drop=True)


def run_down_line(rundown: pd.DataFrame, money) -> str:
    """The summary sentence on the stock of end-of-life item-locations (:func:`run_down`), the
    same in the safety-stock and the inventory-policy reports.

    >>> rd = pd.DataFrame({"on_hand_qty": [40.0, 0.0], "stock_value": [200.0, 0.0]})
    >>> run_down_line(rd, lambda v: f"${v:,.0f}")
    '2 item-locations are past end of life: no safety stock, reorder point or new order; 1 of them still holds stock, 40 units worth $200 to run down.'
    """
    n = len(rundown)
    if not n:
        return "No item-location is past its end of life."
    held = rundown[rundown["on_hand_qty"] > 0]
    return (
        f"{n:,} item-location{'' if n == 1 else 's'} {'is' if n == 1 else 'are'} past end of "
        f"life: no safety stock, reorder point or new order; {len(held):,} of them still "
        f"hold{'s' if len(held) == 1 else ''} stock, {held['on_hand_qty'].sum():,.0f} units worth "
        f"{money(float(held['stock_value'].sum()))} to run down."
    )


def cover_reasons(result: pd.DataFrame, measure: str = "fill_rate") -> pd.Series:
    """Why a series needs the safety stock it gets, in words: the drivers that apply, in order.

    Rules: intermittent or lumpy demand (months with demand out of the window); at most two
    months with demand (too few to size a buffer); an undershoot allowance of at least a quarter
    of the safety stock (large customer orders, :func:`expected_undershoot`); an order
    covering under two months of demand under a fill-rate target (the target then rests on
    safety stock: shortage per cycle must stay below (1 - target) x Q); a lead time of two
    months or more; lead-time standard deviation at least 30% of the lead time; demand CV above
    1; a target of 98% or more; the distribution used (gamma tail, own history).
    """
    r = result
    d = r["mean_demand"].to_numpy(float)
    dd = np.where(d > 0, d, np.nan)
    parts = []
    cls = r.get("demand_class", pd.Series("", index=r.index)).astype(str).to_numpy()
    nz = r.get("nonzero", pd.Series(np.nan, index=r.index)).to_numpy(float)
    per = r.get("periods", pd.Series(np.nan, index=r.index)).to_numpy(float)
    odd = np.isin(cls, ["intermittent", "lumpy"])
    nz_txt = np.where(
        np.isnan(nz),
        "",
        " (demand in "
        + pd.Series(nz).map("{:.0f}".format).to_numpy(object)
        + " of "
        + pd.Series(per).map("{:.0f}".format).to_numpy(object)
        + " months)",
    )
    parts.append(np.where(odd, cls.astype(object) + " demand" + nz_txt, ""))
    parts.append(
        np.where(
            per < SHORT_HISTORY_MONTHS,
            "only "
            + pd.Series(per).map("{:.0f}".format).to_numpy(object)
            + " months of history (new item): review against its launch forecast",
            "",
        )
    )
    parts.append(
        np.where(
            nz <= 2,
            "too few demands to size a buffer: stock one typical order or supply to order",
            "",
        )
    )
    under = r.get("undershoot", pd.Series(0.0, index=r.index)).to_numpy(float)
    ss = r["safety_stock"].to_numpy(float)
    parts.append(
        np.where(
            under >= 0.25 * np.maximum(ss, 1e-9),
            "large customer orders: "
            + pd.Series(under).map("{:,.0f}".format).to_numpy(object)
            + " units for the undershoot",
            "",
        )
    )
    qm = r["order_qty"].to_numpy(float) / dd
    if measure == "fill_rate":
        parts.append(
            np.where(
                qm < 2,
                "an order covers only "
                + pd.Series(qm).map("{:.1f}".format).to_numpy(object)
                + " months, so the fill rate rests on safety stock",
                "",
            )
        )
    L = r["lead_time"].to_numpy(float)
    sL = r["lead_time_std"].to_numpy(float)
    parts.append(
        np.where(
            L >= 2,
            "lead time " + pd.Series(L).map("{:.1f}".format).to_numpy(object) + " months",
            "",
        )
    )
    parts.append(
        np.where(
            (L > 0) & (sL >= 0.3 * L),
            "lead time varies by "
            + pd.Series(sL).map("{:.1f}".format).to_numpy(object)
            + " months",
            "",
        )
    )
    cv = r["std_demand"].to_numpy(float) / dd
    parts.append(
        np.where(
            ~odd & (cv > 1),
            "volatile demand (CV " + pd.Series(cv).map("{:.1f}".format).to_numpy(object) + ")",
            "",
        )
    )
    t = r["service_target"].to_numpy(float)
    parts.append(
        np.where(t >= 0.98, "target " + pd.Series(t).map("{:.0%}".format).to_numpy(object), "")
    )
    dist = r["distribution"].astype(str).to_numpy()
    parts.append(
        np.where(
            dist == "gamma",
            "gamma tail",
            np.where(dist == "empirical", "sized on its own history", ""),
        )
    )
    joined = pd.DataFrame(parts).T.apply(lambda row: "; ".join(x for x in row if x), axis=1)
    return pd.Series(joined.to_numpy(), index=r.index).replace("", "normal variability")


def top_cover(
    result: pd.DataFrame,
    group: str,
    measure: str = "fill_rate",
    n: int = 10,
    min_units: float = 1.0,
) -> pd.DataFrame:
    """The ``n`` item-locations with the most months of demand held as safety stock (more than
    ``min_units`` units), with the drivers (:func:`cover_reasons`) and any sanity flag
    (:func:`sanity_layer`)."""
    live = result[(result["mean_demand"] > 0) & (result["safety_stock"] > min_units)]
    r = live.nlargest(n, "months_cover").copy()
    r["order_months"] = r["order_qty"] / r["mean_demand"]
    r["reason"] = cover_reasons(r, measure)
    cols = [
        "item_id",
        "location_id",
        group,
        "mean_demand",
        "order_months",
        "lead_time",
        "distribution",
        "safety_stock",
        "months_cover",
        "safety_stock_value",
        "reason",
    ]
    if "flag" in r:
        cols.append("flag")
    return r[[c for c in cols if c in r.columns]].reset_index(drop=True)


def cycle_stock_lines(result: pd.DataFrame, group: str, measure: str = "fill_rate") -> list[str]:
    """One sentence per segment on the item-locations that need no safety stock.

    Under a fill-rate target, a reorder point at the expected lead-time demand already leaves
    an expected shortage per cycle E[(X - s)+] below (1 - target) x Q when the order quantity Q
    is large against the demand's spread: the target is met by cycle stock alone and the
    formula's safety stock is zero (or negative, floored at zero). Silver, Pyke & Peterson
    (1998), section 7.6.2.
    """
    lines = []
    segs = result.sort_values("service_target", ascending=False)[group].drop_duplicates()
    for seg in segs:
        r = result[result[group] == seg]
        zero = r[r["cycle_stock_only"]] if "cycle_stock_only" in r else r[r["safety_stock"] <= 0]
        if zero.empty:
            continue
        qm = float((zero["order_qty"] / zero["mean_demand"]).median())
        share = len(zero) / len(r)
        if measure == "fill_rate":
            why = (
                f"their orders cover {qm:.1f} months of demand (median), so the expected "
                "shortage per cycle at a reorder point equal to lead-time demand is already "
                f"within {1 - float(r['service_target'].iloc[0]):.0%} of an order: the fill-rate "
                "target is met by cycle stock alone"
            )
        else:
            why = "their lead-time demand is met at the target probability by the expected demand"
        lines.append(
            f"{seg}: {len(zero):,} of {len(r):,} item-locations ({share:.0%}) need no safety "
            f"stock for the target (beyond the undershoot allowance and whole units); {why}."
        )
    return lines


def credibility_lines(
    result: pd.DataFrame, max_cover_months: float, capped: bool, money
) -> list[str]:
    """Summary sentences on the extremes: safety stocks above the cover limit (count, value,
    whether capped), the largest cover and its drivers, and how many series are sized on their
    own history (:func:`sanity_layer`, :func:`cover_reasons` columns expected)."""
    eol = result.get("end_of_life", pd.Series(False, index=result.index)).astype(bool)
    flagged = result[(result["flag"].astype(str) != "") & ~eol]  # end of life: run_down_line
    emp = int((result["distribution"] == "empirical").sum())
    lines = []
    if len(flagged):
        act = "capped at the limit" if capped else "flagged, not capped"
        lines.append(
            f"{len(flagged):,} item-locations would hold more than {max_cover_months:g} months of "
            f"demand (or more than the value limit) as safety stock, "
            f"{money(flagged['uncapped_safety_stock'].mul(flagged['unit_cost']).sum())} before "
            f"the limit; {act}; the ten largest covers are explained with their drivers and "
            "every flag is in the safety_stock.csv output."
        )
    else:
        lines.append(
            f"No item-location holds more than {max_cover_months:g} months of demand as safety "
            "stock."
        )
    live = result[(result["mean_demand"] > 0) & (result["safety_stock"] > 1)]
    if len(live):
        top = live.loc[live["months_cover"].idxmax()]
        why = cover_reasons(live.loc[[top.name]]).iloc[0]
        lines.append(
            f"The largest cover is {top['item_id']} at {top['location_id']}: "
            f"{top['months_cover']:.1f} months of demand; why: {why}."
        )
    new = live[live["periods"] < SHORT_HISTORY_MONTHS] if "periods" in live else live.iloc[:0]
    if len(new):
        big = new.nlargest(3, "safety_stock_value")
        names = ", ".join(
            f"{r['item_id']} at {r['location_id']} ({r['periods']:.0f} months, "
            f"{money(r['safety_stock_value'])}, {r['months_cover']:.1f} months of cover)"
            for r in big.to_dict("records")
        )
        lines.append(
            f"{len(new):,} item-locations have under {SHORT_HISTORY_MONTHS} months of history "
            f"(new items): their safety stock of {money(new['safety_stock_value'].sum())} rests "
            f"on few months of demand; review it against the launch forecast. Largest: {names}."
        )
    lines.append(
        f"{emp:,} intermittent or lumpy item-locations are sized on their own bootstrapped "
        "lead-time demand instead of a fitted gamma."
    )
    return lines
