"""Supplier selection: weighted scoring with explicit normalisation rules, knock-out criteria,
total cost of ownership, weight sensitivity and rank stability, and TOPSIS / AHP as the
alternative multi-criteria methods (through the ``pymcdm`` library).

Every frame is tidy: one row per supplier (wide criteria columns) or per supplier and criterion
(long). Scores are on a 0-100 scale, 100 best.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from scmlib.errors import DataError, ParameterError

CRITERIA = ("quality", "cost", "delivery", "service", "sustainability", "risk")
RULES = ("linear", "minmax", "lowest_over_offer", "scale")
# Saaty (1980), The Analytic Hierarchy Process, Table 1.7: mean consistency index of random
# reciprocal matrices of order n = 1..10.
SAATY_RI = (0.0, 0.0, 0.58, 0.90, 1.12, 1.24, 1.32, 1.41, 1.45, 1.49)


# --------------------------------------------------------------------------- weights


def check_weights(weights: Mapping[str, float], allowed: Sequence[str] = CRITERIA) -> pd.Series:
    """Weights as a Series summing to 1. Given as shares (sum 1) or percent (sum 100); anything
    else, a negative weight or an unknown criterion is a one-line :class:`ParameterError`.

    >>> check_weights({"quality": 60, "cost": 40}, ("quality", "cost")).tolist()
    [0.6, 0.4]
    """
    weights = dict(weights.items())
    unknown = sorted(set(weights) - set(allowed))
    if unknown:
        raise ParameterError(
            f"weights: unknown criterion {unknown}; use {list(allowed)} (e.g. {{'cost': 0.4}})"
        )
    w = pd.Series({k: float(v) for k, v in weights.items()}, dtype=float)
    if w.empty or (w < 0).any():
        raise ParameterError(f"weights must be >= 0 and not empty, got {dict(weights)}")
    total = float(w.sum())
    if np.isclose(total, 100.0, atol=1e-6):
        w = w / 100.0
    elif not np.isclose(total, 1.0, atol=1e-6):
        raise ParameterError(
            f"weights sum to {total:g}, not 100% (1.0 or 100): {dict(weights)}; "
            "make them add up to 100%"
        )
    return w


# --------------------------------------------------------------------------- normalisation


def normalise(values: pd.Series, rule: str, higher_is_better: bool = True, scale_max=None):
    """A criterion's raw values as 0-100 scores (100 best), by one of the explicit rules:

    - ``linear`` (proportion to the best; Hwang & Yoon 1981, linear scale transformation):
      benefit x / max(x) x 100, cost min(x) / x x 100;
    - ``minmax`` (interval to the range; Hwang & Yoon 1981): (x - min) / (max - min) x 100
      (reversed for a cost), 100 when every value is equal;
    - ``lowest_over_offer`` (price scoring, lowest price / offer x 100; the proportional formula
      of public-procurement guidance): for a cost criterion such as price or TCO;
    - ``scale``: a rating already on a fixed scale 0..``scale_max`` (e.g. an assessment 1-5 or
      0-100), x / scale_max x 100 (reversed for a cost, such as a 0-100 risk index).

    Missing values stay missing (the caller decides how an unmeasured supplier is scored).

    >>> normalise(pd.Series([10.0, 20.0, 40.0]), "minmax").tolist()
    [0.0, 33.33333333333333, 100.0]
    >>> normalise(pd.Series([80.0, 100.0]), "lowest_over_offer", higher_is_better=False).tolist()
    [100.0, 80.0]
    """
    x = pd.Series(values, dtype=float)
    if rule not in RULES:
        raise ParameterError(f"normalisation rule must be one of {list(RULES)}, got {rule!r}")
    if rule == "scale":
        if not scale_max:
            raise ParameterError("the 'scale' rule needs scale_max (e.g. 5 or 100)")
        s = x / float(scale_max) * 100
        return (100 - s if not higher_is_better else s).clip(0, 100)
    if rule == "minmax":
        lo, hi = x.min(), x.max()
        if not np.isfinite(hi - lo) or hi == lo:
            return x.where(x.isna(), 100.0)
        s = (x - lo) / (hi - lo) * 100
        return s if higher_is_better else 100 - s
    if rule == "lowest_over_offer" or (rule == "linear" and not higher_is_better):
        if (x <= 0).any():
            raise DataError(
                f"normalisation {rule!r} of a cost needs values > 0; got {x[x <= 0].tolist()[:3]}"
            )
        return x.min() / x * 100
    return x / x.max() * 100 if x.max() > 0 else x.where(x.isna(), 100.0)


def criterion_scores(
    facts: pd.DataFrame,
    rules: Mapping[str, Mapping],
    unmeasured: str = "median",
) -> pd.DataFrame:
    """Normalise each criterion column of ``facts`` (one row per supplier, ``supplier_id``
    first) by its rule: ``rules[criterion] = {"column": ..., "rule": ..., "higher_is_better":
    bool, "scale_max": ...}``. Returns the long frame ``supplier_id, criterion, value, score,
    measured``. An unmeasured supplier (no value) gets the median score of the others
    (``unmeasured='median'``, flagged ``measured = False``) or 0 (``'zero'``)."""
    if unmeasured not in ("median", "zero"):
        raise ParameterError(f"unmeasured must be 'median' or 'zero', got {unmeasured!r}")
    frames = []
    for crit, r in rules.items():  # a handful of criteria
        col = r.get("column", crit)
        if col not in facts.columns:
            raise DataError(f"supplier selection: no column {col!r} for criterion {crit!r}")
        raw = facts[col].astype(float)
        s = normalise(raw, r["rule"], r.get("higher_is_better", True), r.get("scale_max"))
        fill = (s.median() if s.notna().any() else 50.0) if unmeasured == "median" else 0.0
        frames.append(
            pd.DataFrame(
                {
                    "supplier_id": facts["supplier_id"].to_numpy(),
                    "criterion": crit,
                    "value": raw.to_numpy(),
                    "score": s.fillna(fill).to_numpy(),
                    "measured": raw.notna().to_numpy(),
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def score_matrix(scores: pd.DataFrame, criteria: Sequence[str]) -> pd.DataFrame:
    """Long criterion scores to the supplier x criterion matrix (criteria in the given order)."""
    m = scores.pivot(index="supplier_id", columns="criterion", values="score")
    return m.reindex(columns=list(criteria))


def weighted_scores(scores: pd.DataFrame, weights: Mapping[str, float]) -> pd.DataFrame:
    """Weighted-sum score per supplier: total = sum_c w_c x score_c (weights summing to 1,
    scores 0-100), ranked (1 = best; ties share the better rank). Returns ``supplier_id``, one
    column per criterion score, ``total``, ``rank``."""
    w = check_weights(weights)
    m = score_matrix(scores, list(w.index))
    out = m.copy()
    out["total"] = m.to_numpy() @ w.to_numpy()
    out["rank"] = out["total"].rank(ascending=False, method="min").astype(int)
    return out.reset_index().sort_values(["rank", "supplier_id"], ignore_index=True)


# --------------------------------------------------------------------------- knock-outs


_OPS = {
    "<=": np.less_equal,
    ">=": np.greater_equal,
    "<": np.less,
    ">": np.greater,
    "==": np.equal,
}


OP_WORDS = {"<=": "at most", ">=": "at least", "<": "below", ">": "above", "==": "exactly"}


def knock_outs(
    facts: pd.DataFrame, rules: Mapping[str, Sequence], labels: Mapping[str, str] | None = None
) -> pd.DataFrame:
    """Apply the knock-out (must-have) criteria before any scoring: ``rules[column] = [op,
    threshold]`` with op one of ``<=, >=, <, >, ==`` (e.g. ``{"ppm": ["<=", 10000]}``): a
    supplier failing any rule is out whatever its score (a conjunctive screen, Hwang & Yoon 1981,
    sec. 2.2). A missing value passes (not evidence of failure) but is named in ``unmeasured``.
    With ``labels`` (column -> words, e.g. ``{"ppm": "defects (ppm)"}``) the reason reads
    "defects (ppm) 12,000, must be at most 10,000"; without, "ppm 12000 not <= 10000".
    Returns ``supplier_id, knocked_out, reason, unmeasured``."""
    out = pd.DataFrame({"supplier_id": facts["supplier_id"].to_numpy()})
    fails = pd.DataFrame(index=facts.index)
    missing = pd.DataFrame(index=facts.index)
    for col, rule in rules.items():
        if not isinstance(rule, (list, tuple)) or len(rule) != 2 or rule[0] not in _OPS:
            raise ParameterError(
                f"knock-out rule for {col!r} must be [op, threshold] with op in {list(_OPS)}, "
                f"got {rule!r}"
            )
        if col not in facts.columns:
            raise ParameterError(
                f"knock-out rule on unknown column {col!r}; columns: {sorted(facts.columns)}"
            )
        x = facts[col].astype(float)
        ok = _OPS[rule[0]](x, float(rule[1])) | x.isna()
        if labels is None:
            text = f"{col} " + x.map(lambda v: f"{v:g}") + f" not {rule[0]} {float(rule[1]):g}"
        else:
            name = labels.get(col, col.replace("_", " "))
            text = (
                f"{name} "
                + x.map(lambda v: f"{v:,.0f}" if abs(v) >= 100 else f"{v:.3g}")
                + f", must be {OP_WORDS[rule[0]]} {float(rule[1]):,g}"
            )
        fails[col] = np.where(ok, "", text)
        missing[col] = np.where(x.isna(), col if labels is None else labels.get(col, col), "")
    out["knocked_out"] = (fails != "").any(axis=1).to_numpy() if len(rules) else False
    join = lambda f: f.apply(lambda r: "; ".join(v for v in r if v), axis=1)  # noqa: E731
    out["reason"] = join(fails).to_numpy() if len(rules) else ""
    out["unmeasured"] = join(missing).to_numpy() if len(rules) else ""
    return out


# --------------------------------------------------------------------------- TCO


TCO_COMPONENTS = (
    "purchase_price",
    "tooling",
    "freight",
    "duties",
    "quality_cost",
    "inventory_carrying",
    "payment_terms",
)


def total_cost_of_ownership(
    offers: pd.DataFrame,
    holding_rate: float = 0.25,
    capital_rate: float = 0.08,
    standard_payment_days: float = 30.0,
    defect_cost_multiple: float = 1.0,
    tooling_years: float = 3.0,
) -> pd.DataFrame:
    """Total cost of ownership per supplier offer for a year's volume (Ellram 1995, "Total cost
    of ownership: an analysis approach for purchasing", IJPDLM 25(8): price plus the costs of
    acquisition, ownership and post-ownership a purchase brings):

    - purchase_price = unit_price x volume (price ex works of freight and duty, reporting
      currency);
    - tooling = tooling_cost / tooling_years (one-off cost spread over the years of supply);
    - freight = freight_rate x purchase price; duties = duty_rate x purchase price;
    - quality_cost = ppm / 1e6 x volume x unit_price x defect_cost_multiple (cost of poor
      quality: rejected units, handling and re-work as a multiple of their price);
    - inventory_carrying = holding_rate x unit_price x volume x lead_time_days / 365 (pipeline
      stock owned during the lead time, Silver, Pyke & Thomas 2017, sec. 3.2);
    - payment_terms = - capital_rate x purchase price x (payment_days - standard_payment_days)
      / 365 (longer terms finance us: a credit; shorter ones cost us).

    ``offers`` has ``supplier_id, unit_price, volume`` and optionally ``tooling_cost,
    freight_rate, duty_rate, ppm, lead_time_days, payment_days`` (missing: 0 / standard terms).
    Returns the offers with one column per component, ``tco`` and ``tco_per_unit``.

    >>> o = pd.DataFrame({"supplier_id": ["A"], "unit_price": [10.0], "volume": [1000.0],
    ...                   "freight_rate": [0.05], "payment_days": [60.0]})
    >>> t = total_cost_of_ownership(o, capital_rate=0.0730, holding_rate=0.0)
    >>> float(t["tco"].round(2).iloc[0])  # 10,000 + 500 freight - 10,000 x 7.3% x 30/365
    10440.0
    """
    o = offers.copy()
    for col, default in (
        ("tooling_cost", 0.0),
        ("freight_rate", 0.0),
        ("duty_rate", 0.0),
        ("ppm", 0.0),
        ("lead_time_days", 0.0),
        ("payment_days", standard_payment_days),
    ):
        o[col] = o[col].astype(float).fillna(default) if col in o.columns else default
    if tooling_years <= 0:
        raise ParameterError(f"tooling_years must be > 0, got {tooling_years!r}")
    price = o["unit_price"].astype(float) * o["volume"].astype(float)
    o["purchase_price"] = price
    o["tooling"] = o["tooling_cost"] / tooling_years
    o["freight"] = o["freight_rate"] * price
    o["duties"] = o["duty_rate"] * price
    o["quality_cost"] = o["ppm"] / 1e6 * price * defect_cost_multiple
    o["inventory_carrying"] = holding_rate * price * o["lead_time_days"] / 365
    o["payment_terms"] = -capital_rate * price * (o["payment_days"] - standard_payment_days) / 365
    o["tco"] = o[list(TCO_COMPONENTS)].sum(axis=1)
    o["tco_per_unit"] = o["tco"] / o["volume"].where(o["volume"] > 0)
    return o


# --------------------------------------------------------------------------- sensitivity


def weight_sensitivity(matrix: pd.DataFrame, weights: Mapping[str, float]) -> pd.DataFrame:
    """How far each weight can move before the leader changes, solved exactly.

    Criterion j's weight is set to t in [0, 1] and the other weights are rescaled in proportion
    so the weights still sum to 1 (w_i(t) = w_i (1 - t) / (1 - w_j)). Each supplier's total is
    then linear in t: S_a(t) = t s_aj + (1 - t) R_a with R_a = (S_a - w_j s_aj) / (1 - w_j), so
    the crossover with the leader L is t* = (R_a - R_L) / ((s_Lj - R_L) - (s_aj - R_a)); the
    nearest crossover below and above the current weight bound the range in which L stays first
    (the "most critical criterion" analysis of Triantaphyllou & Sanchez 1997, Decision Sciences
    28(1), for the weighted sum with renormalised weights).

    Returns one row per criterion: ``weight``, ``low`` and ``high`` (the range of the weight
    keeping the leader; 0 / 1 when no crossover), ``below_by`` / ``above_by`` (the supplier
    taking over), ``margin`` (the smaller distance to a crossover, in weight points).
    """
    w = check_weights(weights)
    S = matrix.reindex(columns=list(w.index)).to_numpy(dtype=float)
    names = matrix.index.to_numpy()
    total = S @ w.to_numpy()
    lead = int(np.argmax(total))
    rows = []
    for j, crit in enumerate(w.index):  # one pass per criterion (a handful)
        wj = float(w.iloc[j])
        if wj >= 1:
            R = np.zeros(len(S))
        else:
            R = (total - wj * S[:, j]) / (1 - wj)
        slope = (S[:, j] - R) - (S[lead, j] - R[lead])  # gain of a over L per unit of t
        gap = R[lead] - R  # L's lead at t = 0
        with np.errstate(divide="ignore", invalid="ignore"):
            t_star = np.where(slope != 0, gap / slope, np.nan)
        t_star[lead] = np.nan
        valid = np.isfinite(t_star) & (t_star >= 0) & (t_star <= 1)
        below = valid & (t_star < wj)
        above = valid & (t_star > wj)
        lo = np.max(t_star[below]) if below.any() else 0.0
        hi = np.min(t_star[above]) if above.any() else 1.0
        rows.append(
            {
                "criterion": crit,
                "weight": wj,
                "low": float(lo),
                "high": float(hi),
                "below_by": names[below][np.argmax(t_star[below])] if below.any() else None,
                "above_by": names[above][np.argmin(t_star[above])] if above.any() else None,
                "margin": float(min(wj - lo if below.any() else np.inf, hi - wj)),
            }
        )
    out = pd.DataFrame(rows)
    out["margin"] = out["margin"].replace(np.inf, np.nan)
    out.insert(0, "leader", names[lead])
    return out


def rank_stability(
    matrix: pd.DataFrame,
    weights: Mapping[str, float],
    samples: int = 2000,
    concentration: float = 50.0,
    seed: int = 0,
) -> pd.DataFrame:
    """Rank stability under random weights: ``samples`` weight vectors drawn from a Dirichlet
    distribution centred on the chosen weights (alpha = concentration x w; the larger the
    concentration, the closer the draws; Butler, Jia & Dyer 1997, "Simulation techniques for
    the sensitivity analysis of multi-criteria decision models", EJOR 103), each supplier
    ranked in every draw. Returns per supplier: ``first_share`` (share of draws ranked first),
    ``mean_rank``, ``rank_p05`` / ``rank_p95``, and ``base_rank``."""
    if samples < 1 or concentration <= 0:
        raise ParameterError("rank stability needs samples >= 1 and concentration > 0")
    w = check_weights(weights)
    S = matrix.reindex(columns=list(w.index)).to_numpy(dtype=float)
    rng = np.random.default_rng(seed)
    alpha = np.maximum(concentration * w.to_numpy(), 1e-3)
    W = rng.dirichlet(alpha, samples)  # samples x criteria
    totals = S @ W.T  # suppliers x samples
    ranks = (-totals).argsort(axis=0).argsort(axis=0) + 1
    base = pd.Series(S @ w.to_numpy()).rank(ascending=False, method="first").astype(int)
    return (
        pd.DataFrame(
            {
                "supplier_id": matrix.index.to_numpy(),
                "base_rank": base.to_numpy(),
                "first_share": (ranks == 1).mean(axis=1),
                "mean_rank": ranks.mean(axis=1),
                "rank_p05": np.percentile(ranks, 5, axis=1),
                "rank_p95": np.percentile(ranks, 95, axis=1),
            }
        )
        .sort_values("base_rank")
        .reset_index(drop=True)
    )


def dirichlet_spread(weights: Mapping[str, float], concentration: float) -> pd.Series:
    """Standard deviation of each weight drawn by :func:`rank_stability`: a Dirichlet with
    alpha = c x w has component variance w (1 - w) / (c + 1) (Kotz, Balakrishnan & Johnson
    2000, Continuous Multivariate Distributions vol. 1, ch. 49, eq. 49.9), so the draws scatter
    around the chosen weight w with sd = sqrt(w (1 - w) / (c + 1)).

    >>> round(float(dirichlet_spread({"cost": 0.3, "quality": 0.7}, 50)["cost"]), 4)
    0.0642
    """
    w = check_weights(weights)
    return np.sqrt(w * (1 - w) / (float(concentration) + 1))


def fragility(
    ranking: pd.DataFrame,
    sensitivity: pd.DataFrame | None,
    stability: pd.DataFrame | None,
    min_margin: float = 1.0,
    min_first_share: float = 0.75,
) -> dict:
    """Is the recommendation robust? The leader is *fragile* when its lead over the runner-up is
    below ``min_margin`` points (of the 0-100 total) or when it ranks first in fewer than
    ``min_first_share`` of the random weight draws (:func:`rank_stability`); both thresholds
    are the buyer's choice (a decision-rule convention in the spirit of Butler, Jia & Dyer 1997,
    who read a ranking as stable when the preferred alternative wins most draws). The weight
    that settles it is the one with the smallest distance to a crossover
    (:func:`weight_sensitivity`; a tie goes to the heavier weight): ``flip_criterion``, its
    weight now, the weight at which ``flip_to`` takes the lead, and the distance ``flip_by``
    (weight points as a share).

    Returns ``fragile`` (bool), ``reasons`` (the failed tests, in words), ``margin``,
    ``first_share``, ``leader``, ``runner_up`` and the flip fields (None without a crossover).

    >>> r = pd.DataFrame({"supplier_id": ["A", "B"], "total": [76.3, 76.0]})
    >>> st = pd.DataFrame({"supplier_id": ["A", "B"], "first_share": [0.54, 0.46]})
    >>> f = fragility(r, None, st)
    >>> f["fragile"], f["reasons"]
    (True, ['lead of 0.30 points, below 1.0', 'first in 54.0% of draws, below 75%'])
    """
    if min_margin < 0 or not 0 <= min_first_share <= 1:
        raise ParameterError(
            f"fragility: min_margin must be >= 0 points and min_first_share in [0, 1]; got "
            f"{min_margin!r}, {min_first_share!r}"
        )
    r = ranking.sort_values("total", ascending=False, ignore_index=True)
    leader = r["supplier_id"].iloc[0]
    out = {
        "leader": leader,
        "runner_up": r["supplier_id"].iloc[1] if len(r) > 1 else None,
        "margin": float(r["total"].iloc[0] - r["total"].iloc[1]) if len(r) > 1 else None,
        "first_share": None,
        "flip_criterion": None,
        "flip_weight": None,
        "flip_at": None,
        "flip_by": None,
        "flip_to": None,
    }
    reasons = []
    if out["margin"] is not None and out["margin"] < min_margin:
        reasons.append(f"lead of {out['margin']:.2f} points, below {min_margin:.1f}")
    if stability is not None and len(stability):
        share = float(stability.set_index("supplier_id").loc[leader, "first_share"])
        out["first_share"] = share
        if share < min_first_share:
            reasons.append(f"first in {share:.1%} of draws, below {min_first_share:.0%}")
    if sensitivity is not None and sensitivity["margin"].notna().any():
        c = (
            sensitivity.assign(_m=sensitivity["margin"].round(9))
            .sort_values(["_m", "weight"], ascending=[True, False], kind="stable")
            .iloc[0]
        )  # the nearest crossover; a tie goes to the heavier weight
        down = c["low"] > 0 and c["weight"] - c["low"] <= c["margin"] + 1e-12
        out.update(
            flip_criterion=c["criterion"],
            flip_weight=float(c["weight"]),
            flip_at=float(c["low"] if down else c["high"]),
            flip_by=float(c["margin"]),
            flip_to=c["below_by"] if down else c["above_by"],
        )
    out["fragile"] = bool(reasons)
    out["reasons"] = reasons
    return out


# --------------------------------------------------------------------------- TOPSIS and AHP


def topsis(matrix: pd.DataFrame, weights: Mapping[str, float], higher_is_better=None):
    """TOPSIS closeness to the ideal (Hwang & Yoon 1981, ch. 3.3.5), computed by ``pymcdm``
    with vector normalisation r_ij = x_ij / sqrt(sum_i x_ij^2), weighted, the distances to the
    ideal and anti-ideal points and C_i = d_i^- / (d_i^+ + d_i^-). ``higher_is_better`` maps a
    criterion to False for a cost (default: all benefits, as 0-100 scores are). Returns
    ``supplier_id, closeness, rank``.

    Hwang & Yoon's fighter-aircraft example (p. 133) gives C = 0.643, 0.268, 0.613, 0.312.
    """
    from pymcdm.methods import TOPSIS
    from pymcdm.normalizations import vector_normalization

    w = check_weights(weights, list(matrix.columns))
    X = matrix.reindex(columns=list(w.index)).to_numpy(dtype=float)
    hib = dict(higher_is_better or {})
    types = np.array([1 if hib.get(c, True) else -1 for c in w.index])
    keep = w.to_numpy() > 0
    if np.any(X[:, keep] <= 0) or np.isnan(X).any():
        X = np.where(np.isnan(X), 0.0, X) + 1e-9  # vector normalisation needs no all-zero column
    c = TOPSIS(vector_normalization)(X[:, keep], w.to_numpy()[keep], types[keep])
    out = pd.DataFrame({"supplier_id": matrix.index.to_numpy(), "closeness": c})
    out["rank"] = out["closeness"].rank(ascending=False, method="min").astype(int)
    return out.sort_values(["rank", "supplier_id"], ignore_index=True)


def ahp(pairwise: pd.DataFrame | np.ndarray) -> dict:
    """AHP priorities from a reciprocal pairwise-comparison matrix (Saaty 1980): the principal
    right eigenvector normalised to sum 1, lambda_max, CI = (lambda_max - n) / (n - 1) and
    CR = CI / RI with Saaty's random index RI (n = 3: 0.58, 4: 0.90, 5: 1.12, 6: 1.24, 7: 1.32,
    8: 1.41, 9: 1.45, 10: 1.49); CR <= 0.10 is acceptable. The matrix must be positive and
    reciprocal (a_ji = 1 / a_ij), else a :class:`ParameterError`.

    Saaty (1990, EJOR 48, "How to make a decision: the AHP") buys a house on 8 criteria:
    lambda_max 9.669, CR 0.169.
    """
    labels = list(pairwise.index) if isinstance(pairwise, pd.DataFrame) else None
    A = np.asarray(pairwise, dtype=float)
    n = A.shape[0]
    if A.ndim != 2 or A.shape[1] != n or n < 1 or (A <= 0).any():
        raise ParameterError("AHP: the pairwise matrix must be square with positive entries")
    if not np.allclose(A * A.T, 1.0, rtol=1e-3):
        i, j = np.argwhere(~np.isclose(A * A.T, 1.0, rtol=1e-3))[0]
        raise ParameterError(
            f"AHP: the pairwise matrix is not reciprocal: a[{i},{j}] = {A[i, j]:g} but "
            f"a[{j},{i}] = {A[j, i]:g} (must be 1/{A[i, j]:g})"
        )
    if n > len(SAATY_RI):
        raise ParameterError(f"AHP: at most {len(SAATY_RI)} criteria (Saaty's RI), got {n}")
    vals, vecs = np.linalg.eig(A)
    k = int(np.argmax(vals.real))
    v = np.abs(vecs[:, k].real)
    weights = v / v.sum()
    lam = float(vals[k].real)
    ci = (lam - n) / (n - 1) if n > 2 else 0.0
    cr = ci / SAATY_RI[n - 1] if n > 2 else 0.0
    return {
        "weights": pd.Series(weights, index=labels) if labels else weights,
        "lambda_max": lam,
        "ci": ci,
        "cr": cr,
        "consistent": cr <= 0.10,
    }


def compare_methods(weighted: pd.DataFrame, closeness: pd.DataFrame) -> pd.DataFrame:
    """Weighted-sum and TOPSIS side by side per supplier: both scores and ranks and the rank
    difference; the Spearman rank correlation of the two rankings is in ``attrs['spearman']``."""
    out = weighted[["supplier_id", "total", "rank"]].merge(
        closeness.rename(columns={"rank": "topsis_rank"}), on="supplier_id"
    )
    out["rank_change"] = out["topsis_rank"] - out["rank"]
    rho = out["rank"].corr(out["topsis_rank"], method="spearman") if len(out) > 1 else 1.0
    out.attrs["spearman"] = float(rho) if pd.notna(rho) else 1.0
    return out.sort_values("rank", ignore_index=True)
