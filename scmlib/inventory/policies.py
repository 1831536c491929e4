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


def ss_power_approximation(h, p, K, mu, sigma):
    """(s, S) for normal demand per period by the power approximation (Ehrhardt & Mosier 1984;
    Snyder & Shen 2019, section 4.6.3): Q = 1.30 mu^0.494 (K/h)^0.506 (1 + sigma²/mu²)^0.116,
    z = sqrt(Q h / (sigma p)), s = 0.973 mu + sigma (0.183/z + 1.063 - 2.192 z), S = s + Q
    (Example 4.7's normal version: h = 0.18, p = 0.70, K = 2.5, N(50, 8²) gives s = 40.19,
    S = 74.29). Vectorised.

    >>> [round(float(v), 2) for v in ss_power_approximation(0.18, 0.70, 2.5, 50, 8)]
    [40.19, 74.29]
    """
    _positive(h=h, p=p, K=K, mu=mu, sigma=sigma)
    h, p, K, mu, sigma = (np.asarray(v, dtype=float) for v in (h, p, K, mu, sigma))
    Q = 1.30 * mu**0.494 * (K / h) ** 0.506 * (1 + (sigma / mu) ** 2) ** 0.116
    z = np.sqrt(Q / sigma * h / p)
    s = 0.973 * mu + sigma * (0.183 / z + 1.063 - 2.192 * z)
    return s, s + Q
