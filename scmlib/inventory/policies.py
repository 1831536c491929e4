"""Cost-optimal inventory policies where the costs are known.

Lot sizing (EOQ with planned backorders, with a finite production rate, with all-units and
incremental quantity discounts), the newsvendor for one-shot or seasonal items (normal, Poisson
and empirical demand), the continuous-review (r, Q) policy minimising holding + ordering +
backorder cost, and the periodic-review (s, S) policy (exact for discrete demand, the power
approximation for normal demand).

Why not a wrapper around stockpyl: stockpyl 1.0.2 (L. Snyder's companion library to *Fundamentals
of Supply Chain Theory*) implements these with the book's examples, but its wheel declares
``sphinx==4.5.0``, ``sphinx-toolbox``, ``sphinx-rtd-theme``, ``build`` and ``setuptools`` as
*runtime* requirements (about 30 documentation-build packages, an old docutils pinned), which we
will not ship to every planner's environment; and its functions take one scalar item at a time.
The formulas here are vectorised over items where the problem allows, and every one is tested
against the book's worked examples (the same numbers stockpyl's own doctests reproduce).

Notation (Snyder & Shen): ``K`` fixed cost per order, ``h`` holding cost per unit per year (or
per period), ``p`` backorder / stockout cost per unit, ``lam`` demand rate, ``mu`` and ``sigma``
demand mean and standard deviation over the relevant interval, ``L`` lead time.

References
----------
- Snyder & Shen (2019), *Fundamentals of Supply Chain Theory*, 2nd ed., ch. 3 (EOQ family),
  ch. 4 (newsvendor, (s, S)), ch. 5 ((r, Q)).
- Silver, Pyke & Peterson (1998), *Inventory Management and Production Planning and
  Scheduling*, 3rd ed., sections 5.5 (quantity discounts), 7.7 ((s, Q) with B2 cost).
- Chopra & Meindl, *Supply Chain Management*, 6th ed., ch. 11 (quantity discounts) and ch. 13
  (the newsvendor, optimal cycle service level).
- Zheng & Federgruen (1991), "Finding optimal (s, S) policies is about as simple as evaluating
  a single policy", *Operations Research* 39(4), 654-665.
- Ehrhardt & Mosier (1984), "A revision of the power approximation for computing (s, S)
  policies", *Management Science* 30(5), 618-622.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import optimize, stats

from scmlib.errors import ParameterError
from scmlib.inventory.safety_stock import _GGRID, _ZGRID, standard_normal_loss


def _positive(**kw) -> None:
    for name, v in kw.items():
        if np.any(np.asarray(v, dtype=float) <= 0):
            raise ParameterError(f"{name} must be positive, got {v!r}")


# --------------------------------------------------------------------------- EOQ family


def eoq_with_backorders(K, h, p, lam):
    """EOQ with planned backorders: Q*, the fraction of demand backordered x* and the cost.

    Q* = sqrt(2 K lam (h + p) / (h p)), x* = h / (h + p), g* = sqrt(2 K lam h p / (h + p))
    (Snyder & Shen 2019, section 3.5, eq. 3.27-3.29; Example 3.8: K = 8, h = 0.225, p = 5,
    lam = 1300 gives Q* = 310.81, x* = 0.0431, g* = 66.92).

    >>> [round(float(v), 4) for v in eoq_with_backorders(8, 0.225, 5, 1300)]
    [310.8126, 0.0431, 66.9214]
    """
    _positive(K=K, h=h, p=p, lam=lam)
    K, h, p, lam = (np.asarray(v, dtype=float) for v in (K, h, p, lam))
    return (
        np.sqrt(2 * K * lam * (h + p) / (h * p)),
        h / (h + p),
        np.sqrt(2 * K * lam * h * p / (h + p)),
    )


def economic_production_quantity(K, h, lam, mu):
    """Economic production quantity (finite production rate ``mu`` > demand rate ``lam``).

    Q* = sqrt(2 K lam / (h (1 - rho))), g* = sqrt(2 K lam h (1 - rho)), rho = lam / mu
    (Snyder & Shen 2019, section 3.6; K = 8, h = 0.225, lam = 1300, mu = 1700 gives Q* = 626.81,
    g* = 33.18; Silver, Pyke & Peterson 1998, section 5.6).

    >>> [round(float(v), 2) for v in economic_production_quantity(8, 0.225, 1300, 1700)]
    [626.81, 33.18]
    """
    _positive(K=K, h=h, lam=lam, mu=mu)
    K, h, lam, mu = (np.asarray(v, dtype=float) for v in (K, h, lam, mu))
    if np.any(lam >= mu):
        raise ParameterError("the production rate must exceed the demand rate")
    rho = lam / mu
    return np.sqrt(2 * K * lam / (h * (1 - rho))), np.sqrt(2 * K * lam * h * (1 - rho))


def _check_breaks(breakpoints, unit_costs):
    b = np.asarray(breakpoints, dtype=float)
    c = np.asarray(unit_costs, dtype=float)
    if len(b) != len(c) or len(b) == 0 or b[0] != 0 or np.any(np.diff(b) <= 0):
        raise ParameterError(
            "quantity discounts need increasing breakpoints starting at 0 and one unit cost each, "
            f"got {list(breakpoints)!r} and {list(unit_costs)!r}"
        )
    return b, c


def eoq_all_units_discount(K, i, lam, breakpoints: Sequence[float], unit_costs: Sequence[float]):
    """Order quantity under an all-units discount: every unit costs ``unit_costs[j]`` when the
    order is at least ``breakpoints[j]``. Returns (Q*, region j, annual cost incl. purchases).

    For each region the EOQ at that price is moved into the region (to its breakpoint when
    below it); the cheapest candidate wins: cost = c lam + K lam / Q + i c Q / 2 (Snyder & Shen
    2019, section 3.7.2; Silver, Pyke & Peterson 1998, section 5.5.1; Chopra & Meindl, Example
    11-8). Snyder & Shen's example: K = 200, i = 0.2, lam = 1000, breakpoints 0 / 200 / 500 at
    500 / 475 / 450 gives Q* = 500 in region 2 at 472,900 a year.

    >>> eoq_all_units_discount(200, 0.2, 1000, [0, 200, 500], [500, 475, 450])
    (500.0, 2, 472900.0)
    """
    _positive(K=K, i=i, lam=lam)
    b, c = _check_breaks(breakpoints, unit_costs)
    q = np.sqrt(2 * K * lam / (i * c))
    upper = np.append(b[1:], np.inf)
    feasible_q = np.clip(q, np.maximum(b, 1e-12), np.nextafter(upper, 0))
    q_cand = np.where(q < upper, feasible_q, np.nan)  # above the region: a later region is cheaper
    cost = c * lam + K * lam / q_cand + i * c * q_cand / 2
    j = int(np.nanargmin(cost))
    return float(q_cand[j]), j, float(cost[j])


def eoq_incremental_discount(K, i, lam, breakpoints: Sequence[float], unit_costs: Sequence[float]):
    """Order quantity under an incremental discount: units between ``breakpoints[j]`` and the next
    breakpoint cost ``unit_costs[j]``. Returns (Q*, region j, annual cost incl. purchases).

    Region j's purchase cost of Q units is c_j Q + cbar_j with cbar_j = sum_k<j c_k (b_k+1 - b_k)
    - c_j b_j, so its EOQ is sqrt(2 (K + cbar_j) lam / (i c_j)); only EOQs inside their region are
    candidates; cost = c_j lam + (K + cbar_j) lam / Q + i (c_j + cbar_j / Q) Q / 2 (Snyder & Shen
    2019, section 3.7.3; Silver, Pyke & Peterson 1998, section 5.5.2; Chopra & Meindl, Example
    11-9). Example: K = 150, i = 0.25, lam = 2400, breakpoints 0 / 300 / 600 at 100 / 90 / 80
    gives Q* = 1,481.89 in region 2 at 222,762.81 a year.

    >>> q, j, g = eoq_incremental_discount(150, 0.25, 2400, [0, 300, 600], [100, 90, 80])
    >>> round(q, 2), j, round(g, 2)
    (1481.89, 2, 222762.81)
    """
    _positive(K=K, i=i, lam=lam)
    b, c = _check_breaks(breakpoints, unit_costs)
    paid = np.concatenate([[0.0], np.cumsum(c[:-1] * np.diff(b))])  # cost of the first b_j units
    cbar = paid - c * b
    q = np.sqrt(2 * (K + cbar) * lam / (i * c))
    upper = np.append(b[1:], np.inf)
    ok = (q >= b) & (q < upper)
    cost = np.where(ok, c * lam + (K + cbar) * lam / q + i * (c + cbar / q) * q / 2, np.inf)
    j = int(np.argmin(cost))
    return float(q[j]), j, float(cost[j])


# --------------------------------------------------------------------------- newsvendor


def newsvendor_normal(h, p, mu, sigma):
    """Newsvendor with normal demand: S* = mu + sigma Phi^-1(p / (p + h)) and the expected cost
    (p + h) sigma phi(z*) (Snyder & Shen 2019, section 4.3, Example 4.3: h = 0.18, p = 0.70,
    N(50, 8²) gives S* = 56.60, cost 2.00; Chopra & Meindl, section 13.3: the optimal cycle
    service level is the critical ratio Cu / (Cu + Co)). Vectorised.

    >>> [round(float(v), 4) for v in newsvendor_normal(0.18, 0.70, 50, 8)]
    [56.604, 1.9976]
    """
    _positive(h=h, p=p)
    h, p, mu, sigma = (np.asarray(v, dtype=float) for v in (h, p, mu, sigma))
    z = stats.norm.ppf(p / (p + h))
    return mu + sigma * z, (p + h) * sigma * stats.norm.pdf(z)


def newsvendor_poisson(h, p, mu):
    """Newsvendor with Poisson demand: the smallest S with F(S) >= p / (p + h) and its cost
    h E[(S - D)+] + p E[(D - S)+] (Snyder & Shen 2019, section 4.3.3; h = 0.18, p = 0.70,
    mean 50 gives S* = 56, cost 1.797). Vectorised.

    >>> S, g = newsvendor_poisson(0.18, 0.70, 50)
    >>> int(S), round(float(g), 4)
    (56, 1.7972)
    """
    _positive(h=h, p=p)
    h, p, mu = (np.asarray(v, dtype=float) for v in (h, p, mu))
    S = stats.poisson.ppf(p / (p + h), mu)
    short = (mu - S) * stats.poisson.sf(S, mu) + mu * stats.poisson.pmf(S, mu)  # E[(D - S)+]
    return S, h * (S - mu + short) + p * short


def newsvendor_empirical(h, p, values, weights=None):
    """Newsvendor on an empirical demand distribution (observed one-shot demands, or a pmf as
    ``values`` with probabilities ``weights``): the smallest observed value whose cumulative
    share reaches p / (p + h), and the expected cost over the observations (Snyder & Shen 2019,
    section 4.3.3: discrete demand; Example 4.7's Poisson(6) demand, h = 1, p = 4 gives S* = 8,
    cost 3.570).

    >>> d = np.arange(41)
    >>> S, g = newsvendor_empirical(1, 4, d, stats.poisson.pmf(d, 6))
    >>> S, round(g, 4)
    (8.0, 3.5701)
    """
    _positive(h=h, p=p)
    x = np.asarray(values, dtype=float)
    if x.size == 0:
        raise ParameterError("the empirical newsvendor needs at least one demand observation")
    w = np.ones_like(x) if weights is None else np.asarray(weights, dtype=float)
    order = np.argsort(x, kind="stable")
    x, w = x[order], w[order] / w.sum()
    j = int(np.searchsorted(np.cumsum(w), p / (p + h) - 1e-12))
    S = float(x[min(j, len(x) - 1)])
    cost = float(np.sum(w * (h * np.maximum(S - x, 0) + p * np.maximum(x - S, 0))))
    return S, cost


# --------------------------------------------------------------------------- (r, Q)


def _loss2(z):
    """Second-order standard normal loss L2(z) = ½[(z² + 1)(1 - Phi(z)) - z phi(z)]."""
    return 0.5 * ((z**2 + 1) * stats.norm.sf(z) - z * stats.norm.pdf(z))


def rq_cost(r, Q, h, p, K, lam, sigma, L):
    """Expected annual cost of an (r, Q) policy with normal lead-time demand and backorders:

    g(r, Q) = [K lam + h int_r^r+Q (y - mu) dy + (h + p) (n2(r) - n2(r + Q))] / Q,
    mu = lam L, sigma_L = sigma sqrt(L), n2(y) = sigma_L² L2((y - mu) / sigma_L)
    (Snyder & Shen 2019, section 5.2, eq. 5.7 and 5.16; Example 5.1: r = 126.8, Q = 328.5,
    h = 0.225, p = 7.5, K = 8, lam = 1300, sigma = 150 a year, L = 1/12 gives 78.07). Vectorised.

    >>> round(float(rq_cost(126.8, 328.5, 0.225, 7.5, 8, 1300, 150, 1 / 12)), 3)
    78.071
    """
    r, Q = np.asarray(r, dtype=float), np.asarray(Q, dtype=float)
    mu, sl = lam * L, sigma * np.sqrt(L)
    holding = h * ((r + Q - mu) ** 2 - (r - mu) ** 2) / 2
    n2 = sl**2 * (_loss2((r - mu) / sl) - _loss2((r + Q - mu) / sl))
    return (K * lam + holding + (h + p) * n2) / Q


def rq_eil_approximation(h, p, K, lam, sigma, L, tol: float = 1e-8):
    """(r, Q) by the expected-inventory-level (Hadley & Whitin 1963) heuristic: from Q = EOQ,
    alternate 1 - F(r) = Q h / (p lam) and Q = sqrt(2 lam (K + p n(r)) / h) until both settle
    (Snyder & Shen 2019, section 5.3.2, Example 5.2: r = 213.97, Q = 318.59). Returns (r, Q).

    >>> [round(float(v), 2) for v in rq_eil_approximation(0.225, 7.5, 8, 1300, 150, 1 / 12)]
    [213.97, 318.59]
    """
    _positive(h=h, p=p, K=K, lam=lam, sigma=sigma, L=L)
    mu, sl = lam * L, sigma * np.sqrt(L)
    Q, r = np.sqrt(2 * K * lam / h), mu
    for _ in range(500):  # fixed-point iteration on two scalars
        z = stats.norm.isf(min(Q * h / (p * lam), 1 - 1e-12))
        n = sl * float(standard_normal_loss(z))
        r_new, Q_new = mu + sl * z, np.sqrt(2 * lam * (K + p * n) / h)
        if abs(Q_new - Q) < tol and abs(r_new - r) < tol:
            break
        r, Q = r_new, Q_new
    return float(r_new), float(Q_new)


def rq_loss_function_approximation(h, p, K, lam, sigma, L, tol: float = 1e-8):
    """(r, Q) by the loss-function approximation: from Q = EOQ, alternate n(r) = h Q / (h + p)
    (first-order loss) and Q = sqrt(2 (K lam + (h + p) n2(r)) / h) (second-order loss) until
    both settle (Snyder & Shen 2019, section 5.3.4, Example 5.6: r = 126.87, Q = 328.45, whose
    exact cost :func:`rq_cost` is 78.07). Returns (r, Q).

    >>> [round(float(v), 2) for v in rq_loss_function_approximation(0.225, 7.5, 8, 1300, 150, 1 / 12)]
    [126.87, 328.45]
    """
    _positive(h=h, p=p, K=K, lam=lam, sigma=sigma, L=L)
    mu, sl = lam * L, sigma * np.sqrt(L)
    Q, r = np.sqrt(2 * K * lam / h), 0.0
    for _ in range(500):  # fixed-point iteration on two scalars
        target = h * Q / (h + p) / sl  # G(z) = n(r) / sigma_L
        z = float(np.interp(target, _GGRID[::-1], _ZGRID[::-1]))
        r_new = mu + sl * z
        Q_new = np.sqrt(2 * (K * lam + (h + p) * sl**2 * float(_loss2(z))) / h)
        if abs(Q_new - Q) < tol and abs(r_new - r) < tol:
            break
        r, Q = r_new, Q_new
    return float(r_new), float(Q_new)


def rq_optimal(h, p, K, lam, sigma, L):
    """The (r, Q) pair minimising :func:`rq_cost` exactly (the cost is jointly convex in (r, Q),
    Zipkin 2000 section 6.4; solved numerically from the loss-function approximation). Returns
    (r, Q, cost); Example 5.1's data give a cost at most that of the heuristic."""
    r0, q0 = rq_loss_function_approximation(h, p, K, lam, sigma, L)
    res = optimize.minimize(
        lambda x: float(rq_cost(x[0], x[1], h, p, K, lam, sigma, L)),
        [r0, q0],
        method="Nelder-Mead",
        options={"xatol": 1e-6, "fatol": 1e-10, "maxiter": 2000},
    )
    return float(res.x[0]), float(res.x[1]), float(res.fun)


# --------------------------------------------------------------------------- (s, S)


def _single_period_cost_poisson(y, h, p, mu):
    y = np.asarray(y, dtype=float)
    short = (mu - y) * stats.poisson.sf(y, mu) + mu * stats.poisson.pmf(y, mu)
    return h * (y - mu + short) + p * short


def ss_cost_discrete(s: int, S: int, h, p, K, mu):
    """Expected cost per period of a periodic-review (s, S) policy with Poisson(mu) demand per
    period, zero lead time and backorders, by renewal theory: g(s, S) = [K + sum_d<S-s m(d)
    G(S - d)] / M(S - s), m(0) = 1 / (1 - p0), m(j) = m(0) sum_l=1..j p_l m(j - l), G the newsvendor
    cost (Zheng & Federgruen 1991; Snyder & Shen 2019, section 4.6, Example 4.7: s = 4, S = 10,
    h = 1, p = 4, K = 5, mu = 6 gives 8.034).

    >>> round(ss_cost_discrete(4, 10, 1, 4, 5, 6), 4)
    8.0341
    """
    n = int(S) - int(s)
    if n < 1:
        raise ParameterError(f"(s, S) needs S > s, got s={s}, S={S}")
    pmf = stats.poisson.pmf(np.arange(n), mu)
    m = np.zeros(n)
    m[0] = 1 / (1 - pmf[0])
    for j in range(1, n):  # renewal recursion (short, scalar)
        m[j] = m[0] * np.dot(pmf[1 : j + 1], m[j - 1 :: -1][:j])
    G = _single_period_cost_poisson(S - np.arange(n), h, p, mu)
    return float((K + np.dot(m, G)) / m.sum())


def ss_optimal_discrete(h, p, K, mu, max_level: int | None = None):
    """Optimal (s, S) for Poisson(mu) demand per period by enumeration of every s < S up to
    ``max_level`` (default mu + 10 sqrt(mu) + 2 sqrt(2 K mu / h)); the result equals Zheng &
    Federgruen's (1991) algorithm. Snyder & Shen Example 4.7 (h = 1, p = 4, K = 5, mu = 6):
    s = 4, S = 10, cost 8.034. Returns (s, S, cost).

    >>> ss_optimal_discrete(1, 4, 5, 6)[:2]
    (4, 10)
    """
    _positive(h=h, p=p, K=K, mu=mu)
    top = int(max_level or np.ceil(mu + 10 * np.sqrt(mu) + 2 * np.sqrt(2 * K * mu / h)))
    y_star = int(stats.poisson.ppf(p / (p + h), mu))
    best = (0, 1, np.inf)
    for s in range(-1, y_star + 1):  # the optimal s lies below the myopic level (Z & F 1991)
        for S in range(max(s + 1, y_star), top + 1):
            g = ss_cost_discrete(s, S, h, p, K, mu)
            if g < best[2] - 1e-12:
                best = (s, S, g)
    return best


def ss_power_approximation(h, p, K, mu, sigma, L=0.0):
    """(s, S) for normal demand per period by the power approximation (Ehrhardt & Mosier 1984;
    Snyder & Shen 2019, section 4.6.3): Q = 1.30 mu^0.494 (K/h)^0.506 (1 + sigma²/mu²)^0.116,
    z = sqrt(Q h / (sigma p)), s = 0.973 mu + sigma (0.183/z + 1.063 - 2.192 z), S = s + Q
    (Example 4.7's normal version: h = 0.18, p = 0.70, K = 2.5, N(50, 8²) gives s = 40.19,
    S = 74.29). With a lead time of ``L`` periods the demand over the review period plus the
    lead time sets s: x = mu (1 + L), sigma_R+L = sigma sqrt(1 + L) in place of mu and sigma
    in the s and z terms and in the CV term of Q (Silver, Pyke & Peterson 1998, section 8.2.3,
    the revised power approximation). Vectorised.

    >>> [round(float(v), 2) for v in ss_power_approximation(0.18, 0.70, 2.5, 50, 8)]
    [40.19, 74.29]
    """
    _positive(h=h, p=p, K=K, mu=mu, sigma=sigma)
    h, p, K, mu, sigma, L = (np.asarray(v, dtype=float) for v in (h, p, K, mu, sigma, L))
    x, srl = mu * (1 + L), sigma * np.sqrt(1 + L)
    Q = 1.30 * mu**0.494 * (K / h) ** 0.506 * (1 + (srl / mu) ** 2) ** 0.116
    z = np.sqrt(Q / srl * h / p)
    s = 0.973 * x + srl * (0.183 / z + 1.063 - 2.192 * z)
    return s, s + Q


# --------------------------------------------------------------------------- per item-location tables


def _rq_lfa_vector(h, p, K, lam, sl, mu, iters: int = 100):
    """Vectorised loss-function approximation (:func:`rq_loss_function_approximation`) with
    sigma_L given directly: arrays of (r, Q)."""
    Q = np.sqrt(2 * K * lam / h)
    z = np.zeros_like(Q)
    for _ in range(iters):  # fixed-point iterations, each over all rows at once
        target = h * Q / (h + p) / sl
        z = np.interp(target, _GGRID[::-1], _ZGRID[::-1])
        Q = np.sqrt(2 * (K * lam + (h + p) * sl**2 * _loss2(z)) / h)
    return mu + sl * z, Q


def rq_fill_rate(r, Q, mu, sl):
    """Fill rate of an (r, Q) policy with normal lead-time demand N(mu, sl²) and the inventory
    position uniform on (r, r + Q]: 1 - [n(r) - n(r + Q)] / Q, n(x) = sl G((x - mu) / sl)
    (Zipkin 2000, section 6.2; Snyder & Shen 2019, section 5.2.4). Vectorised."""
    r, Q, mu, sl = (np.asarray(v, dtype=float) for v in (r, Q, mu, sl))
    n = sl * (standard_normal_loss((r - mu) / sl) - standard_normal_loss((r + Q - mu) / sl))
    return 1 - n / Q


LATE_STAGES = ("decline", "end_of_life")  # stocked out with a last-time buy, not a policy


def _late_stage(result: pd.DataFrame) -> pd.Series:
    """Rows in a late lifecycle stage: they get a last-time buy (:func:`last_time_buy_table`),
    not a steady-state (r, Q) or (s, S) policy."""
    if "lifecycle_stage" not in result:
        return pd.Series(False, index=result.index)
    return result["lifecycle_stage"].isin(LATE_STAGES)


def rq_policy_table(
    result,
    holding_rate: float = 0.25,
    order_cost: float = 50.0,
    shortage_cost_share: float = 0.05,
    periods_per_year: float = 12.0,
):
    """Cost-optimal (r, Q) for each row of a safety-stock table (normal lead-time demand rows of
    :func:`scmlib.inventory.safety_stock.safety_stock_table` with a continuous policy) against
    the service-target policy it recommends, both costed by :func:`rq_cost`: h = unit cost x
    ``holding_rate`` a year, K = ``order_cost``, p =
    unit backordered, lam = 12 x mean monthly demand, lead-time demand N(d L, sigma_protection²).

    Adds ``service_cost``, ``optimal_reorder_point``, ``optimal_order_qty``, ``optimal_cost``,
    ``cost_saving`` (a year) and ``implied_fill_rate`` (:func:`rq_fill_rate` of the optimum:
    the service the costs justify). The cost model assumes demand one unit at a time, so both
    reorder points are costed without the ``undershoot`` allowance of large customer orders,
    which is added back to the optimal reorder point. Rows without demand, lead time or spread
    are left out."""
    need = [
        "mean_demand",
        "sigma_protection",
        "lead_time",
        "unit_cost",
        "reorder_point",
        "order_qty",
    ]
    missing = [c for c in need if c not in result.columns]
    if missing:
        raise ParameterError(
            f"rq_policy_table needs column(s) {missing} (safety_stock_table output)"
        )
    if holding_rate <= 0 or order_cost <= 0 or shortage_cost_share <= 0:
        raise ParameterError("holding_rate, order_cost and shortage_cost_share must be positive")
    ok = (
        (result["mean_demand"] > 0)
        & (result["sigma_protection"] > 0)
        & (result["lead_time"] > 0)
        & (result.get("distribution", "normal") == "normal")
        & ~_late_stage(result)
    )
    out = result[ok].copy()
    price = out["unit_price"].fillna(out["unit_cost"]) if "unit_price" in out else out["unit_cost"]
    h = out["unit_cost"].to_numpy(float) * holding_rate
    p = price.to_numpy(float) * shortage_cost_share * 52
    lam = out["mean_demand"].to_numpy(float) * periods_per_year
    L = out["lead_time"].to_numpy(float) / periods_per_year
    sl = out["sigma_protection"].to_numpy(float)
    mu = lam * L
    sigma = sl / np.sqrt(L)  # the annual sd whose lead-time share is sigma_protection
    under = out["undershoot"].fillna(0).to_numpy(float) if "undershoot" in out else 0.0
    out["service_cost"] = rq_cost(
        out["reorder_point"].to_numpy(float) - under,
        out["order_qty"].to_numpy(float),
        h,
        p,
        order_cost,
        lam,
        sigma,
        L,
    )
    r, Q = _rq_lfa_vector(h, p, order_cost, lam, sl, mu)
    out["optimal_reorder_point"] = r + under
    out["optimal_order_qty"] = Q
    out["optimal_cost"] = rq_cost(r, Q, h, p, order_cost, lam, sigma, L)
    out["cost_saving"] = out["service_cost"] - out["optimal_cost"]
    out["implied_fill_rate"] = rq_fill_rate(r, Q, mu, sl)
    return out


def ss_policy_table(
    result,
    holding_rate: float = 0.25,
    order_cost: float = 50.0,
    shortage_cost_share: float = 0.05,
    review_period: float = 1.0,
    periods_per_year: float = 12.0,
):
    """Periodic-review (s, S) per row by the power approximation (:func:`ss_power_approximation`)
    on demand per review period with the lead time: h = unit cost x ``holding_rate`` and p =
    ``shortage_cost_share`` x price x 52, both per review period; rows of normal lead-time
    demand only. Adds ``ss_reorder_level`` and
    ``ss_order_up_to``."""
    ok = (result["mean_demand"] > 0) & (result["std_demand"] > 0) & ~_late_stage(result)
    if "distribution" in result:
        ok &= result["distribution"] == "normal"
    out = result[ok].copy()
    price = out["unit_price"].fillna(out["unit_cost"]) if "unit_price" in out else out["unit_cost"]
    per = periods_per_year / review_period  # review periods a year
    h = out["unit_cost"].to_numpy(float) * holding_rate / per
    p = price.to_numpy(float) * shortage_cost_share * 52 / per
    mu = out["mean_demand"].to_numpy(float) * review_period
    sd = out["std_demand"].to_numpy(float) * np.sqrt(review_period)
    lead = out["lead_time"].to_numpy(float) / review_period
    s, S = ss_power_approximation(h, p, order_cost, mu, sd, lead)
    out["ss_reorder_level"] = s
    out["ss_order_up_to"] = S
    return out


def last_time_buy(samples, unit_cost, unit_price, salvage_share: float = 0.2, position=0.0):
    """Last-time buy (newsvendor on each row's sampled demand over the rest of its life):
    critical ratio = (price - cost) / (price - salvage), salvage = ``salvage_share`` x cost; the
    order-up-to level is the sample quantile at that ratio, the buy is that level less the
    ``position`` (on hand + on order), and the expected cost is the overage (cost - salvage)
    and underage (price - cost) over the samples (Snyder & Shen 2019, section 4.3; Chopra &
    Meindl, section 13.3). No buy for an item sold at or below cost. Vectorised over rows.
    Returns (critical_ratio, level, buy, expected_cost).

    >>> cr, level, buy, cost = last_time_buy(np.array([[10.0, 20, 30, 40]]), 6.0, 10.0, 0.0, 5)
    >>> float(cr[0]), float(level[0]), float(buy[0])
    (0.4, 20.0, 15.0)
    """
    from scmlib.inventory.safety_stock import empirical_reorder_level

    x = np.asarray(samples, dtype=float)
    c = np.broadcast_to(np.asarray(unit_cost, dtype=float), (x.shape[0],))
    v = np.broadcast_to(np.asarray(unit_price, dtype=float), (x.shape[0],))
    salvage = salvage_share * c
    under, over = np.maximum(v - c, 0.0), np.maximum(c - salvage, 1e-12)
    cr = np.clip(under / (under + over), 1e-6, 1 - 1e-6)
    level = np.where(under > 0, empirical_reorder_level(x, cr, "cycle_service"), 0.0)
    cost = np.mean(
        over[:, None] * np.maximum(level[:, None] - x, 0)
        + under[:, None] * np.maximum(x - level[:, None], 0),
        axis=1,
    )
    buy = np.maximum(level - np.asarray(position, dtype=float), 0.0)
    return cr, level, buy, cost


def discount_lots(
    annual_demand, order_cost, holding_rate, unit_cost, breaks, discounts, kind: str = "all_units"
):
    """Order quantity per item under a price-break schedule (``breaks`` quantities from 0,
    ``discounts`` off the item's unit cost): :func:`eoq_all_units_discount` or
    :func:`eoq_incremental_discount` vectorised over items (a loop over the few breaks). Returns
    (Q*, break index, annual cost incl. purchases, annual cost at the plain EOQ and list price).

    >>> q, j, g, base = discount_lots([1000], 200, 0.2, [500], [0, 200, 500], [0, 0.05, 0.10])
    >>> float(q[0]), int(j[0]), float(g[0])
    (500.0, 2, 472900.0)
    """
    if kind not in ("all_units", "incremental"):
        raise ParameterError(f"kind must be 'all_units' or 'incremental', got {kind!r}")
    lam = np.asarray(annual_demand, dtype=float)
    c0 = np.broadcast_to(np.asarray(unit_cost, dtype=float), lam.shape)
    b = np.asarray(breaks, dtype=float)
    dsc = np.asarray(discounts, dtype=float)
    _check_breaks(b, 1 - dsc)
    K, i = float(order_cost), float(holding_rate)
    cost = np.full((len(b), len(lam)), np.inf)
    qs = np.full((len(b), len(lam)), np.nan)
    paid = np.zeros_like(lam)  # purchase cost of the first b_j units (incremental)
    for j in range(len(b)):  # a handful of price breaks
        cj = c0 * (1 - dsc[j])
        upper = b[j + 1] if j + 1 < len(b) else np.inf
        if kind == "all_units":
            q = np.sqrt(2 * K * lam / (i * cj))
            q = np.where(q < upper, np.maximum(q, max(b[j], 1e-12)), np.nan)
            g = cj * lam + K * lam / q + i * cj * q / 2
        else:
            if j > 0:
                paid = paid + c0 * (1 - dsc[j - 1]) * (b[j] - b[j - 1])
            cbar = paid - cj * b[j]
            q = np.sqrt(2 * (K + cbar) * lam / (i * cj))
            q = np.where((q >= b[j]) & (q < upper), q, np.nan)
            g = cj * lam + (K + cbar) * lam / q + i * (cj + cbar / q) * q / 2
        qs[j], cost[j] = q, np.where(np.isnan(g), np.inf, g)
    best = np.argmin(cost, axis=0)
    cols = np.arange(len(lam))
    q0 = np.sqrt(2 * K * lam / (i * c0))
    base = c0 * lam + K * lam / q0 + i * c0 * q0 / 2
    return qs[best, cols], best, cost[best, cols], base


def rq_by_segment(rq, group: str):
    """Per segment: series costed, annual cost of the service-target policy and of the
    cost-optimal (r, Q), the saving, the segment's target and the demand-weighted fill rate the
    costs imply (:func:`rq_policy_table` rows)."""
    w = rq.assign(_w=rq["implied_fill_rate"] * rq["mean_demand"])
    g = w.groupby(group, observed=True)
    out = g.agg(
        series=("item_id", "size"),
        target=("service_target", "first"),
        service_cost=("service_cost", "sum"),
        optimal_cost=("optimal_cost", "sum"),
        _w=("_w", "sum"),
        _d=("mean_demand", "sum"),
    ).reset_index()
    out["cost_saving"] = out["service_cost"] - out["optimal_cost"]
    out["implied_fill_rate"] = out["_w"] / out["_d"]
    out = out.sort_values(["target", group], ascending=[False, True], kind="stable")
    return out.drop(columns=["_w", "_d"]).reset_index(drop=True)


def last_time_buy_table(
    result,
    history,
    positions,
    horizon_months: int = 12,
    salvage_share: float = 0.2,
    stages=LATE_STAGES,
    draws: int = 1000,
    seed: int = 0,
):
    """The last-time buy of each item-location in a late lifecycle stage (``lifecycle_stage`` in
    ``stages``) that still sells: demand over the next ``horizon_months`` bootstrapped from its
    own history (:func:`scmlib.inventory.safety_stock.bootstrap_lead_time_demand`, ``history``
    rows as ``result``), then :func:`last_time_buy` against its position (on hand, from
    ``positions``: item_id, location_id, on_hand_qty). Columns: keys, lifecycle_stage,
    mean_demand, horizon_months, critical_ratio, last_buy_qty, position, buy_qty,
    expected_cost, note. Rows past end of life (``end_of_life``, from
    :func:`scmlib.inventory.safety_stock.apply_end_of_life`) buy nothing (the supplier no
    longer makes the item): their stock runs down and ``note`` says so (``eol_reason``)."""
    from scmlib.inventory.safety_stock import bootstrap_lead_time_demand

    if horizon_months < 1:
        raise ParameterError(f"horizon_months must be at least 1, got {horizon_months}")
    keys = ["item_id", "location_id"]
    stage = result.get("lifecycle_stage", pd.Series("", index=result.index)).astype(str)
    use = (stage.isin(list(stages)) & (result["mean_demand"] > 0)).to_numpy()
    r = result[use].copy()
    if r.empty:
        return r.assign(critical_ratio=[], last_buy_qty=[], position=[], buy_qty=[])
    samples = bootstrap_lead_time_demand(
        np.asarray(history, dtype=float)[use], float(horizon_months), 0.0, draws, seed
    )
    pos = r[keys].merge(positions[[*keys, "on_hand_qty"]], on=keys, how="left")
    price = r["unit_price"].fillna(r["unit_cost"]) if "unit_price" in r else r["unit_cost"]
    cr, level, buy, cost = last_time_buy(
        samples,
        r["unit_cost"].to_numpy(float),
        price.to_numpy(float),
        salvage_share,
        pos["on_hand_qty"].fillna(0).to_numpy(float),
    )
    # past end of life (safety_stock.apply_end_of_life): the supplier no longer makes it, so
    # nothing is bought; the stock on hand runs down, as the safety-stock report says
    eol = r["end_of_life"].astype(bool).to_numpy() if "end_of_life" in r else np.zeros(len(r), bool)
    r["horizon_months"] = horizon_months
    r["critical_ratio"] = cr
    r["last_buy_qty"] = np.where(eol, 0.0, np.ceil(level))
    r["position"] = pos["on_hand_qty"].fillna(0).to_numpy(float)
    r["buy_qty"] = np.where(eol, 0.0, np.ceil(buy))
    r["expected_cost"] = np.where(eol, np.nan, cost)
    r["note"] = np.where(eol, r["eol_reason"].astype(str), "") if "eol_reason" in r else ""
    cols = [*keys, "lifecycle_stage", "mean_demand", "horizon_months", "critical_ratio"]
    cols += ["last_buy_qty", "position", "buy_qty", "expected_cost", "note"]
    return r[cols].sort_values("buy_qty", ascending=False).reset_index(drop=True)


def policy_summary_lines(
    rq_seg, positioning, deltas, ltb, money, rq_group: str = "abc", tier_group: str = "service_tier"
) -> list[str]:
    """The executive summary of the policy report: what the costs imply against the targets,
    what positioning saves, what a tier's higher target costs against the sales it protects,
    and the last-time buys (``money`` formats an amount)."""
    lines = []
    if len(rq_seg):
        saving = rq_seg["cost_saving"].sum()
        n = int(rq_seg["series"].sum()) if "series" in rq_seg else None
        low = rq_seg["implied_fill_rate"] < rq_seg["target"] - 1e-9

        def classes(rows: pd.DataFrame) -> str:
            return ", ".join(
                f"{r[rq_group]} ({r['implied_fill_rate']:.1%} against {r['target']:.0%})"
                for r in rows.to_dict("records")
            )

        text = (
            f"Steady-demand item-locations{f' ({n:,})' if n is not None else ''}: reorder "
            f"points and order quantities set by cost alone (the cost-optimal (r, Q)) would "
            f"cost {money(saving)} a year less in holding, ordering and backorder cost than "
            "the current service-target policy"
        )
        if not low.any():
            text += (
                f" and still meet every target: {classes(rq_seg)}; the cost optimum is the "
                "better policy"
            )
        else:
            text += f", but fill rates would fall below target in {classes(rq_seg[low])}"
            if (~low).any():
                up = rq_seg[~low]
                text += (
                    f"; in {classes(up)} it would meet the target for "
                    f"{money(up['cost_saving'].sum())} a year less: the cost optimum is the "
                    "better policy there"
                )
        lines.append(text + ".")
    if len(positioning):
        single = positioning["single_echelon_value"].sum()
        gsm = positioning["gsm_value"].sum()
        dc = positioning["dc_only_value"].sum()
        lines.append(
            f"Safety stock positioned across plant and DCs (guaranteed-service model) is worth "
            f"{money(gsm)}: {money(single - gsm)} less than sizing every stage on its own "
            f"({money(single)}) and {money(dc - gsm)} less than holding it at the DCs only "
            f"({money(dc)})."
        )
        where = "; ".join(
            f"{r['hold_at']} for {r['items']:,} {'item' if r['items'] == 1 else 'items'}"
            for r in positioning.to_dict("records")
        )
        lines.append(f"Where to hold each item's safety stock: {where}.")
    for r in deltas.to_dict("records"):
        per = r["cost_per_sale_protected"]
        sym = money(0)[:-1]  # the currency symbol of the formatter ("$0" -> "$")
        ratio = (
            f"{sym}{per:.2f} of holding cost a year for each {sym}1 of sales protected"
            if np.isfinite(per)
            else "no sales protected"
        )
        fill = (
            f" (simulated fill rate {r['baseline_fill_rate']:.1%} to {r['fill_rate']:.1%})"
            if "fill_rate" in r and pd.notna(r.get("fill_rate"))
            else ""
        )
        lines.append(
            f"Raising the {r[tier_group]} customer tier's fill-rate target from "
            f"{r['baseline_target']:.0%} to {r['target']:.0%} adds {money(r['extra_inventory'])} "
            f"of average stock ({money(r['extra_holding_cost'])} a year to hold) and protects "
            f"{money(r['sales_protected'])} of sales a year in the day-by-day replay of past "
            f"demand{fill}: {ratio}."
        )
    live = ltb[ltb["note"].astype(str) == ""] if "note" in ltb else ltb
    if len(live):
        n_ltb = len(live)
        ltb = live
        lines.append(
            f"{n_ltb:,} item-location{'' if n_ltb == 1 else 's'} in decline or before end of life: "
            f"a last-time buy of {int(ltb['buy_qty'].sum()):,} units in total, on top of the "
            "stock on hand and on order, covers their remaining demand; each quantity balances the margin "
            "lost on a unit short against the loss on a unit left over (newsvendor)."
        )
    return lines


APPENDIX = {
    "Service-target policy": "The safety_stock notebook's recommendation: company fill-rate "
    "targets by ABC class, continuous review (s, Q), Q = EOQ or the item's lot, the item's own "
    "bootstrapped history for intermittent and lumpy demand, the undershoot of large customer "
    "orders in the reorder point.",
    "(r, Q) cost": "g(r, Q) = [K lam + h int_r^r+Q (y - mu) dy + (h + p)(n2(r) - n2(r + Q))] / Q "
    "with normal lead-time demand, h = unit cost x holding rate a year, K the cost of an order, "
    "p the cost of a unit on backorder for a year (52 x the weekly share of price), lam the annual "
    "demand, n2 the second-order loss function (Snyder & Shen 2019, eq. 5.7 and 5.16; Example "
    "5.1 in the tests).",
    "Cost-optimal (r, Q)": "The loss-function approximation: n(r) = h Q / (h + p), Q = sqrt(2 (K "
    "lam + (h + p) n2(r)) / h), iterated from the EOQ (Snyder & Shen 2019, section 5.3.4, "
    "Example 5.6).",
    "Fill rate the costs imply": "1 - [n(r) - n(r + Q)] / Q at the cost-optimal (r, Q) with the "
    "inventory position uniform over (r, r + Q] (Zipkin 2000, section 6.2).",
    "(s, S)": "Power approximation: Q = 1.30 mu^0.494 (K/h)^0.506 (1 + sigma²/mu²)^0.116, s = "
    "0.973 x + sigma (0.183/z + 1.063 - 2.192 z), z = sqrt(Q h / (sigma p)), S = s + Q, over the "
    "review period plus the lead time (Ehrhardt & Mosier 1984; Silver, Pyke & Peterson 1998, "
    "section 8.2.3). Exact (s, S) for discrete demand by Zheng & Federgruen (1991) is in "
    "scmlib.inventory.policies (Snyder & Shen Example 4.7 in the tests).",
    "Last-time buy": "Newsvendor: order up to the quantile p / (p + h) of the demand over the "
    "horizon, p = price - cost (margin lost), h = cost - salvage; demand bootstrapped from the "
    "item-location's own months (Snyder & Shen 2019, section 4.3; Chopra & Meindl, section 13.3, "
    "Example 13-1 in the tests).",
    "Price breaks": "All-units: every unit at the price of the break reached; incremental: "
    "each unit at the price of its own band; the cheapest of the feasible EOQs and breakpoints in "
    "purchase + ordering + holding cost (Snyder & Shen 2019, section 3.7; Silver, Pyke & "
    "Peterson 1998, section 5.5; Chopra & Meindl, Examples 11-8 and 11-9).",
    "Guaranteed-service positioning": "Each stage quotes a service time S; its net lead time "
    "SI + T - S is covered by z sigma sqrt(NLT) of safety stock, sigma the pooled daily demand it "
    "serves; the placement minimising holding cost is chosen per item (Graves & Willems 2000; "
    "Snyder & Shen 2019, section 6.3, Example 6.5 in the tests). Every stage on its own: all S = "
    "0. DCs only: the plant quotes its full replenishment time.",
    "Plant to DC": "Great-circle distance from the plant; road within its country at 600 km a "
    "day, sea to another country at 500 km a day plus 7 days in port, one day of handling.",
    "Tier scenarios": "Targets by each item-location's dominant customer tier (the highest tier "
    "buying at least 20% of its units); each scenario is replayed day by day over the window "
    "with backorders and lead times drawn from PO receipts; extra stock = simulated average "
    "stock value against the company targets; sales at risk = short units x unit price.",
}


def break_text(breaks, discounts, kind: str) -> str:
    """The price-break schedule in words.

    >>> break_text([0, 250], [0, 0.02], "all_units")
    'all-units discounts: 0% from 0 units, 2% from 250 units (a what-if schedule).'
    """
    parts = ", ".join(f"{d:.0%} from {b:g} units" for b, d in zip(breaks, discounts, strict=True))
    return f"{kind.replace('_', '-')} discounts: {parts} (a what-if schedule)."
