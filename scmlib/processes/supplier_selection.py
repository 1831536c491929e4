"""Supplier selection for one RFx lot: each bidder's offer (procurement) joined with its
delivery and quality record (suppliers), sustainability rating (procurement) and risk
(risk: country and financial), scored on quality, cost, delivery, service, sustainability and
risk. Combines areas, so it lives in the process layer."""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np
import pandas as pd

from scmlib.errors import DataError, ParameterError
from scmlib.procurement import rfx as RFX
from scmlib.procurement import selection as S

# criterion -> the fact it is measured by, its direction and default normalisation rule
CRITERION_FACTS: dict[str, dict] = {
    "quality": {"column": "ppm", "higher_is_better": False, "rule": "minmax"},
    "cost": {"column": "tco_per_unit", "higher_is_better": False, "rule": "lowest_over_offer"},
    "delivery": {"column": "otif", "higher_is_better": True, "rule": "linear"},
    "service": {
        "column": "responsiveness",
        "higher_is_better": True,
        "rule": "scale",
        "scale_max": 5,
    },
    "sustainability": {
        "column": "sustainability_score",
        "higher_is_better": True,
        "rule": "scale",
        "scale_max": 100,
    },
    "risk": {"column": "risk_index", "higher_is_better": False, "rule": "scale", "scale_max": 100},
}
FINANCIAL_RISK = {"safe": 0.0, "grey": 50.0, "distress": 100.0, "unknown": 50.0}
# what a manager reads for each fact, criterion and normalisation rule
FACT_LABELS = {
    "ppm": "defects (ppm)",
    "tco_per_unit": "total cost of ownership per unit",
    "otif": "on time in full (%)",
    "responsiveness": "responsiveness (rating 1-5)",
    "sustainability_score": "sustainability rating (0-100)",
    "risk_index": "risk index (0-100)",
    "technical_score": "technical score (0-100)",
    "lead_time_days": "lead time (days)",
    "capacity_cover": "capacity as a share of the lot",
    "po_lines": "PO lines behind the record",
}
CRITERION_LABELS = {
    "quality": "Quality",
    "cost": "Cost",
    "delivery": "Delivery",
    "service": "Service",
    "sustainability": "Sustainability",
    "risk": "Risk",
}
RULE_NAMES = {
    "linear": "scored in proportion to the best",
    "minmax": "scored min-max",
    "lowest_over_offer": "scored lowest / offer x 100",
    "scale": "scored on its fixed scale",
}
RULE_FORMULAS = {
    "linear": "score = value / best value x 100 (for a cost: lowest value / value x 100); the "
    "best bidder scores 100, the others in proportion",
    "minmax": "score = (value - worst) / (best - worst) x 100; the best bidder scores 100, the "
    "worst 0, every bidder 100 when all are equal",
    "lowest_over_offer": "score = lowest value / bidder's value x 100 (the proportional price "
    "formula of public-procurement guidance); the cheapest scores 100, one twice as dear 50",
    "scale": "score = rating / top of its scale x 100 (for a risk: 100 minus that); a rating "
    "keeps its meaning whoever else bids",
}


def pick_lot(lots: pd.DataFrame, rfx_id: str = "", lot_id: str = "") -> pd.Series:
    """The lot evaluated: ``rfx_id`` (empty: the latest RFx by issue date) and ``lot_id``
    (empty: its lot of largest baseline value). An unknown id is a one-line error."""
    if rfx_id and rfx_id not in set(lots["rfx_id"]):
        raise ParameterError(
            f"rfx_id {rfx_id!r} is not in rfx_lots; choose one of {sorted(set(lots['rfx_id']))}"
        )
    if not rfx_id:
        order = lots.sort_values(["issue_date", "rfx_id"]) if "issue_date" in lots else lots
        rfx_id = order["rfx_id"].iloc[-1]
    one = lots[lots["rfx_id"] == rfx_id]
    if lot_id and lot_id not in set(one["lot_id"]):
        raise ParameterError(
            f"lot_id {lot_id!r} is not a lot of {rfx_id}; choose one of {sorted(one['lot_id'])}"
        )
    if not lot_id:
        value = one["quantity"] * one["baseline_price"].fillna(0)
        return one.loc[value.idxmax()]
    return one[one["lot_id"] == lot_id].iloc[0]


def risk_index(
    suppliers: pd.DataFrame,
    country_risk: pd.DataFrame | None,
    financials: pd.DataFrame | None,
    country_weight: float = 0.5,
) -> pd.DataFrame:
    """Supplier risk index 0-100 (100 = riskiest) = country_weight x country risk (mean of the
    WGI governance risk and the LPI logistics risk, as in ``risk_assessment``) + (1 -
    country_weight) x financial risk from the latest Altman Z zone (safe 0, grey 50, distress
    100, unknown 50; Altman 1983/1995 via :func:`scmlib.risk.assessment.altman_z`)."""
    from scmlib.risk import assessment as RA

    out = suppliers[["supplier_id", "country"]].copy()
    if country_risk is not None:
        cr = country_risk.set_index("code")[["governance_risk", "logistics_risk"]].mean(axis=1)
        out["country_risk"] = out["country"].map(cr)
    else:
        out["country_risk"] = np.nan
    out["z_zone"] = "unknown"
    if financials is not None and len(financials):
        z = (
            RA.altman_z(financials)
            .sort_values("fiscal_year")
            .drop_duplicates("supplier_id", keep="last")
        )
        out["z_zone"] = out["supplier_id"].map(z.set_index("supplier_id")["zone"]).fillna("unknown")
    fin = out["z_zone"].map(FINANCIAL_RISK)
    country = out["country_risk"].fillna(out["country_risk"].median()).fillna(50.0)
    out["risk_index"] = country_weight * country + (1 - country_weight) * fin
    return out


def supplier_facts(
    offers: pd.DataFrame,
    card: pd.DataFrame,
    sustainability: pd.DataFrame | None,
    risk: pd.DataFrame,
    tco_kw: Mapping,
) -> pd.DataFrame:
    """One row per bidder: its offer's TCO (Ellram 1995, :func:`S.total_cost_of_ownership`),
    its scorecard record (OTIF, PPM, responsiveness 1-5), sustainability rating (0-100; else
    its 1-5 sustainability assessment x 20) and risk index. A bidder without a PPM record is
    charged the median PPM of the others in its quality cost (and flagged unmeasured).
    ``capacity_cover``: bid capacity / lot quantity (a knock-out fact: a single award needs the
    whole volume); ``po_lines``: the PO lines behind its scorecard record."""
    rec = card.set_index("supplier_id")
    f = offers.copy()
    for col in ("otif", "ppm", "responsiveness"):
        f[col] = f["supplier_id"].map(rec[col]) if col in rec.columns else np.nan
    sus = pd.Series(np.nan, index=f.index)
    if sustainability is not None and len(sustainability):
        sus = f["supplier_id"].map(sustainability.set_index("supplier_id")["overall_score"])
    if "sustainability" in rec.columns:
        sus = sus.fillna(f["supplier_id"].map(rec["sustainability"]) * 20)
    f["sustainability_score"] = sus
    f["risk_index"] = f["supplier_id"].map(risk.set_index("supplier_id")["risk_index"])
    ppm_for_cost = f["ppm"].fillna(f["ppm"].median()).fillna(0.0)
    t = S.total_cost_of_ownership(
        f.assign(unit_price=f["price_per_unit"], volume=f["quantity"], ppm=ppm_for_cost), **tco_kw
    )
    for col in (*S.TCO_COMPONENTS, "tco", "tco_per_unit"):
        f[col] = t[col].to_numpy()
    f["new_supplier"] = f["otif"].isna()
    # the share of the lot's volume the bidder can supply (a single award needs it all) and the
    # PO lines behind its record (a perfect record on a handful of lines is thin evidence)
    cap = f["capacity_units"] if "capacity_units" in f else pd.Series(np.nan, index=f.index)
    f["capacity_cover"] = cap.astype(float) / f["quantity"].astype(float).where(f["quantity"] > 0)
    f["po_lines"] = (
        f["supplier_id"].map(rec["lines"]).fillna(0).astype(int) if "lines" in rec.columns else 0
    )
    return f


def rules_from(normalisation: Mapping[str, str]) -> dict[str, dict]:
    """The criterion rules with the notebook's normalisation choices (criterion -> rule)."""
    unknown = sorted(set(normalisation) - set(CRITERION_FACTS))
    if unknown:
        raise ParameterError(
            f"normalisation: unknown criterion {unknown}; use {list(CRITERION_FACTS)}"
        )
    rules = {c: dict(v) for c, v in CRITERION_FACTS.items()}
    for crit, rule in normalisation.items():
        if rule == "scale" and "scale_max" not in rules[crit]:
            raise ParameterError(f"normalisation: criterion {crit!r} has no fixed scale")
        rules[crit]["rule"] = rule
    return rules


def ahp_weights(pairwise: Mapping[str, float], criteria=tuple(CRITERION_FACTS)) -> dict:
    """AHP weights from pairwise judgments ``{"quality/cost": 2, ...}`` (Saaty's 1-9 scale:
    how much more important the first criterion is than the second); missing pairs are 1
    (equal). Returns :func:`S.ahp`'s result with the weights as a Series."""
    idx = {c: i for i, c in enumerate(criteria)}
    A = np.ones((len(criteria), len(criteria)))
    for pair, v in pairwise.items():
        a, _, b = str(pair).partition("/")
        if a not in idx or b not in idx or a == b or not float(v) > 0:
            raise ParameterError(
                f"ahp_pairwise: {pair!r}: {v!r} must be 'criterion/criterion': value > 0 with "
                f"criteria from {list(criteria)}"
            )
        A[idx[a], idx[b]], A[idx[b], idx[a]] = float(v), 1 / float(v)
    r = S.ahp(pd.DataFrame(A, index=list(criteria), columns=list(criteria)))
    return r


def evaluate_lot(
    facts: pd.DataFrame,
    weights: Mapping[str, float],
    rules: Mapping[str, dict],
    knockout_rules: Mapping,
    samples: int = 2000,
    concentration: float = 50.0,
    seed: int = 0,
    min_margin: float = 1.0,
    min_first_share: float = 0.75,
) -> dict:
    """Knock-outs, scores, weighted ranking, sensitivity, stability, TOPSIS and the fragility
    verdict (:func:`S.fragility` with ``min_margin`` points and ``min_first_share`` of draws)
    for the bidders of one lot. Returns a dict (``knockouts, scores, ranking, sensitivity,
    stability, methods, fragility``); suppliers knocked out are not scored."""
    w = S.check_weights(weights)
    ko = S.knock_outs(facts, knockout_rules, FACT_LABELS)
    kept = facts[~ko["knocked_out"].to_numpy()].reset_index(drop=True)
    if kept.empty:
        raise DataError(
            "supplier selection: every bidder is knocked out "
            f"({'; '.join(ko['reason'])}); relax knock_outs"
        )
    scores = S.criterion_scores(kept, {c: rules[c] for c in w.index})
    ranking = S.weighted_scores(scores, w)
    matrix = S.score_matrix(scores, list(w.index))
    out = {"knockouts": ko, "scores": scores, "ranking": ranking}
    if len(kept) > 1:
        out["sensitivity"] = S.weight_sensitivity(matrix, w)
        out["stability"] = S.rank_stability(matrix, w, samples, concentration, seed)
        out["methods"] = S.compare_methods(ranking, S.topsis(matrix, w))
    out["fragility"] = S.fragility(
        ranking, out.get("sensitivity"), out.get("stability"), min_margin, min_first_share
    )
    return out


def tco_table(facts: pd.DataFrame) -> pd.DataFrame:
    """TCO per bidder, components as columns, cheapest first."""
    cols = ["supplier_id", "name", *S.TCO_COMPONENTS, "tco", "tco_per_unit"]
    return facts[[c for c in cols if c in facts.columns]].sort_values("tco", ignore_index=True)


def _units(unit) -> str:
    """'units' for a count unit (each, ea, pcs), else the unit itself ('kg')."""
    u = str(unit or "").strip()
    return "units" if u.lower() in ("", "each", "ea", "pc", "pcs", "piece", "pieces") else u


# a scorecard record of fewer than twice this many PO lines is called thin (the scorecard grades
# from scmlib.suppliers.scorecard.SCORECARD_MIN_LINES = 10 lines)
THIN_RECORD_LINES = 10


def summary_points(
    lot: pd.Series, facts, result: dict, money: Callable, weighting_text: str
) -> list[str]:
    """The executive summary sentences, computed from the evaluation: the recommendation, the
    runner-up, the TCO comparison, and whether the choice is robust or fragile (with the weight
    that would flip it and what would settle it)."""
    r = result["ranking"]
    name = facts.set_index("supplier_id").get("name", pd.Series(dtype=str))
    nm = lambda s: f"{name.get(s, s)} ({s})"  # noqa: E731
    short = lambda s: str(name.get(s, s))  # noqa: E731
    best = r.iloc[0]
    ko = result["knockouts"]
    n_ko = int(ko["knocked_out"].sum())
    pts = [
        f"{lot['rfx_id']} lot {lot['lot_id']} ({lot.get('description', lot['lot_id'])}): "
        f"{len(facts)} bidders, {n_ko} knocked out; "
        f"recommended supplier {nm(best['supplier_id'])} with {best['total']:.2f} of 100 "
        f"points ({weighting_text}).",
    ]
    if len(r) > 1:
        gap = best["total"] - r.iloc[1]["total"]
        pts.append(
            f"Runner-up {nm(r.iloc[1]['supplier_id'])} with {r.iloc[1]['total']:.2f}, "
            f"{gap:.2f} points behind."
        )
    t = facts.set_index("supplier_id")
    lead = t.loc[best["supplier_id"]]
    cover = lead.get("capacity_cover", np.nan)
    if pd.notna(cover) and cover < 1:
        pts.append(
            f"{short(best['supplier_id'])} can supply {cover:.0%} of the lot's "
            f"{float(lot['quantity']):,.0f} {_units(lot.get('unit'))} (its bid capacity): a "
            "single award to it leaves the rest uncovered; split the lot (rfx_evaluation's "
            "award under capacity) or add capacity_cover to the knock-outs."
        )
    lines = lead.get("po_lines", np.nan)
    if pd.notna(lines) and 0 < lines < 2 * THIN_RECORD_LINES:
        pts.append(
            f"Its delivery and quality record rests on {int(lines):,} PO lines: thin evidence "
            "for a first award of this size; ask for references or start with a share."
        )
    scored = t.loc[t.index.isin(r["supplier_id"]), "tco"]
    cheapest = scored.idxmin()  # among the bidders that passed the knock-outs
    lead_tco = t.loc[best["supplier_id"], "tco"]
    if cheapest == best["supplier_id"]:
        pts.append(
            f"The recommended supplier also has the lowest total cost of ownership: "
            f"{money(lead_tco)} a year."
        )
    else:
        pts.append(
            f"Lowest total cost of ownership{' among the scored bidders' if n_ko else ''}: "
            f"{nm(cheapest)} at {money(t.loc[cheapest, 'tco'])} "
            f"a year; the recommended supplier's is {money(lead_tco)} "
            f"({lead_tco / t.loc[cheapest, 'tco'] - 1:+.1%}): the extra cost buys its better "
            "scores on the other criteria."
        )
    f = result.get("fragility")
    if f and f["runner_up"] is not None:
        flip = ""
        if f["flip_criterion"] is not None:
            crit = CRITERION_LABELS.get(f["flip_criterion"], f["flip_criterion"]).lower()
            move = "raising" if f["flip_at"] > f["flip_weight"] else "lowering"
            flip = (
                f"{move} the {crit} weight from {f['flip_weight']:.1%} to {f['flip_at']:.1%} "
                f"({100 * f['flip_by']:.1f} percentage points) makes {short(f['flip_to'])} "
                "the leader"
            )
        share = (
            f"first in {f['first_share']:.1%} of random weight draws"
            if f["first_share"] is not None
            else ""
        )
        if f["fragile"]:
            pts.append(
                f"The recommendation is fragile: {short(best['supplier_id'])} leads "
                f"{short(f['runner_up'])} by only {f['margin']:.2f} points"
                + (f" and is {share}" if share else "")
                + (f"; {flip}." if flip else ".")
                + (
                    f" To settle it, confirm the {crit} weight with the stakeholders before the "
                    f"award, or ask {short(best['supplier_id'])} and {short(f['runner_up'])} "
                    "for a best and final offer."
                    if flip
                    else " Ask the two leaders for a best and final offer before the award."
                )
            )
        else:
            pts.append(
                f"The recommendation is robust: {f['margin']:.2f} points ahead"
                + (f", {share}" if share else "")
                + (f"; the nearest change: {flip}." if flip else ".")
            )
    if "methods" in result:
        m = result["methods"].set_index("supplier_id")
        top = result["methods"].sort_values("topsis_rank")["supplier_id"].iloc[0]
        agree = (
            "TOPSIS agrees"
            if top == best["supplier_id"]
            else f"TOPSIS ranks it {int(m.loc[best['supplier_id'], 'topsis_rank'])} and prefers "
            f"{short(top)}"
        )
        pts.append(
            f"Cross-check with TOPSIS: {agree} (rank correlation "
            f"{result['methods'].attrs['spearman']:.2f} with the weighted sum)."
        )
    new = facts[facts["new_supplier"]]
    if len(new):
        pts.append(
            f"{len(new)} bidder(s) without a delivery and quality record here "
            f"({', '.join(new['supplier_id'].map(nm))}): scored at the median of the others on "
            "those criteria until they have one."
        )
    return pts


def criterion_text(crit: str, rule: Mapping) -> str:
    """One criterion in words: "Quality: defects (ppm), scored min-max, fewer is better"."""
    better = "higher is better" if rule.get("higher_is_better", True) else "lower is better"
    if rule.get("column") == "ppm":
        better = "fewer is better"
    return (
        f"{CRITERION_LABELS.get(crit, crit)}: "
        f"{FACT_LABELS.get(rule['column'], rule['column'].replace('_', ' '))}, "
        f"{RULE_NAMES.get(rule['rule'], rule['rule'])}, {better}"
    )


def appendix(
    weights: pd.Series,
    rules: Mapping,
    tco_kw: Mapping,
    knockout_rules,
    samples,
    conc,
    country_weight: float = 0.5,
    min_margin: float = 1.0,
    min_first_share: float = 0.75,
):
    """Definitions and sources for the report's method appendix."""
    used = {c: rules[c] for c in weights.index}
    by_rule = {
        r: [CRITERION_LABELS.get(c, c).lower() for c, v in used.items() if v["rule"] == r]
        for r in RULE_NAMES
    }
    rule_entries = {
        f"Scoring rule: {RULE_NAMES[r].removeprefix('scored ')}": RULE_FORMULAS[r]
        + f"; used for {', '.join(crits)}."
        for r, crits in by_rule.items()
        if crits
    }
    spread = S.dirichlet_spread(weights, conc)
    big = weights.idxmax()
    return {
        "Weighted scoring": "total = sum of weight x criterion score (0-100, 100 best); weights "
        f"{', '.join(f'{CRITERION_LABELS.get(c, c).lower()} {w:.0%}' for c, w in weights.items())}"
        ". Criteria: " + "; ".join(criterion_text(c, r) for c, r in used.items()) + ".",
        "Normalisation rules": "each criterion's raw values become 0-100 scores (100 best) by "
        "one of the rules below. Hwang & Yoon (1981), Multiple Attribute Decision Making, ch. 2 "
        "(linear and interval scale transformations); European Commission (2018), Public "
        "procurement - guidance for practitioners (proportional price formula).",
        **rule_entries,
        "Unmeasured criteria": "a bidder without a record (a newcomer without purchase orders "
        "or receipts) gets the median score of the others on that criterion, flagged; its quality "
        "cost uses the median defect rate.",
        "Knock-out criteria": "must-haves checked before scoring, a failing bidder is out "
        f"whatever its score: {knockout_text(knockout_rules)}. Missing values pass.",
        "Total cost of ownership": "Ellram (1995), IJPDLM 25(8): price x volume + tooling / "
        f"{tco_kw.get('tooling_years', 3):g} years + freight (Incoterm share) + duty + quality "
        f"cost (defects per million / 1,000,000 x price x volume x "
        f"{tco_kw.get('defect_cost_multiple', 1):g}) + inventory "
        f"carrying ({tco_kw.get('holding_rate', 0.25):.0%} a year on the lead-time pipeline) - "
        f"payment-terms credit ({tco_kw.get('capital_rate', 0.08):.0%} a year on days beyond "
        f"{tco_kw.get('standard_payment_days', 30):g}).",
        "Weight sensitivity": "each weight moved from 0 to 100% with the others rescaled in "
        "proportion; the leader stays first between the crossovers solved exactly (Triantaphyllou "
        "& Sanchez 1997, Decision Sciences 28(1)). Room = the smaller distance from the weight "
        "now to a crossover, in percentage points of weight.",
        "Rank stability": f"{samples:,} weight vectors drawn at random from a Dirichlet "
        f"distribution centred on the chosen weights with concentration {conc:g} (the sum of its "
        "parameters: the larger, the closer the draws to the chosen weights; a drawn weight w "
        f"scatters with standard deviation sqrt(w (1 - w) / ({conc:g} + 1)), e.g. "
        f"{CRITERION_LABELS.get(big, big).lower()} {weights[big]:.0%} +/- "
        f"{100 * spread[big]:.1f} points); the share of draws each bidder ranks first and its "
        "rank range (Butler, Jia & Dyer 1997, EJOR 103; Dirichlet variance: Kotz, Balakrishnan "
        "& Johnson 2000, ch. 49).",
        "Fragile recommendation": f"the summary calls the choice fragile when the leader is "
        f"less than {min_margin:g} point(s) ahead of the runner-up or ranks first in fewer than "
        f"{min_first_share:.0%} of the random draws (both thresholds are report parameters); "
        "it then names the weight nearest to a crossover and the change that flips the leader.",
        "TOPSIS": "closeness to the ideal with vector normalisation, computed by pymcdm (Hwang & "
        "Yoon 1981, ch. 3); the test reproduces the book's fighter-aircraft example.",
        "AHP": "weights from pairwise judgments on Saaty's 1-9 scale: principal eigenvector, "
        "CR = (lambda_max - n) / (n - 1) / RI with Saaty's random index; CR <= 0.10 acceptable "
        "(Saaty 1980; the test reproduces Saaty 1990's house example, CR 0.169).",
        "Risk index": f"0-100, higher = riskier: {country_weight:.0%} country risk (World Bank "
        f"WGI governance and LPI logistics), {1 - country_weight:.0%} financial risk from the "
        "Altman Z zone (safe 0, grey 50, distress 100, unknown 50).",
        "Normalised prices": "offers in the reporting currency (company rate policy), per lot "
        "unit and on the lot's delivery term, as in the RFx evaluation report.",
    }


def normalised_offers(data, settings, lot: pd.Series, incoterm_freight=RFX.INCOTERM_FREIGHT):
    """The lot's responses normalised as in ``rfx_evaluation`` (currency, unit, Incoterm)."""
    lots = data["rfx_lots"].copy()
    lots["baseline_price"] = RFX.baseline_prices(
        lots,
        data.get("purchase_order_lines"),
        data.get("exchange_rates"),
        settings["currency.reporting"],
        settings["currency.rate_policy"],
    )
    resp = data["rfx_responses"]
    resp = resp[(resp["rfx_id"] == lot["rfx_id"]) & (resp["lot_id"] == lot["lot_id"])]
    if resp.empty:
        raise DataError(
            f"table 'rfx_responses': no response for {lot['rfx_id']} lot {lot['lot_id']}; "
            "choose another lot_id"
        )
    norm = RFX.normalise_responses(
        resp,
        lots,
        data.get("exchange_rates"),
        settings["currency.reporting"],
        settings["currency.rate_policy"],
        incoterm_freight,
    )
    return norm


BIDDER_LABELS = {
    "landed_price": "Landed price per unit",
    "lead_time_days": "Lead time (days)",
    "technical_score": "Technical score (0-100)",
    "capacity_cover": "Capacity (share of the lot)",
    "otif": "On time in full",
    "ppm": "Defects (ppm)",
    "po_lines": "PO lines behind the record",
    "risk_index": "Risk index (0-100, higher = riskier)",
    "verdict": "Verdict",
    "why": "Reason",
}
RANKING_LABELS = {
    **{c: f"{v} score" for c, v in CRITERION_LABELS.items()},
    "total": "Weighted total (0-100)",
    "rank": "Rank",
}
SENSITIVITY_LABELS = {
    "criterion": "Criterion",
    "weight": "Weight now",
    "low": "Leader stays first from",
    "high": "to",
    "margin": "Room before the leader changes",
    "below": "Leader below that range",
    "above": "Leader above it",
}
STABILITY_LABELS = {
    "base_rank": "Rank with the chosen weights",
    "first_share": "Ranked first (% of draws)",
    "mean_rank": "Average rank",
    "rank_p05": "Best rank (5th percentile)",
    "rank_p95": "Worst rank (95th percentile)",
}
METHODS_LABELS = {
    "total": "Weighted total (0-100)",
    "rank": "Weighted-sum rank",
    "closeness": "TOPSIS closeness (0-1, 1 = ideal)",
    "topsis_rank": "TOPSIS rank",
    "rank_change": "Places lower (+) or higher (-) under TOPSIS",
}


def bidders_display(facts: pd.DataFrame, knockouts: pd.DataFrame) -> pd.DataFrame:
    """The bidders table: offer as normalised, record and the knock-out verdict (show with
    :data:`BIDDER_LABELS`)."""
    cols = [
        "supplier_id",
        "name",
        "landed_price",
        "lead_time_days",
        "technical_score",
        "capacity_cover",
        "otif",
        "ppm",
        "po_lines",
        "risk_index",
    ]
    out = facts[[c for c in cols if c in facts.columns]].copy()
    if "lead_time_days" in out.columns:
        out["lead_time_days"] = out["lead_time_days"].round().astype("Int64")
    ko = knockouts.set_index("supplier_id")
    out["verdict"] = np.where(out["supplier_id"].map(ko["knocked_out"]), "knocked out", "scored")
    out["why"] = out["supplier_id"].map(ko["reason"]).replace("", "–")
    return out.sort_values(["verdict", "landed_price"], ascending=[False, True], ignore_index=True)


def weights_caption(weights: Mapping[str, float], rules: Mapping[str, dict]) -> str:
    """One line: each criterion's weight, the fact it is measured by and its rule in words,
    e.g. "Quality 20%: defects (ppm), scored min-max, fewer is better"."""
    parts = [criterion_text(c, rules[c]).replace(":", f" {w:.0%}:", 1) for c, w in weights.items()]
    return (
        "; ".join(parts)
        + ". Every score is 0-100, 100 best; the scoring rules are defined in the appendix."
    )


def sensitivity_display(sens: pd.DataFrame, names: Mapping | None = None) -> pd.DataFrame:
    """Weight sensitivity with criteria and the supplier taking over named in words (show with
    :data:`SENSITIVITY_LABELS`; ``names`` maps supplier id to name)."""
    names = {} if names is None else dict(names)
    nm = lambda s: s if s is None or pd.isna(s) else f"{names.get(s, s)} ({s})"  # noqa: E731
    out = sens[["criterion", "weight", "low", "high", "margin"]].copy()
    out["criterion"] = out["criterion"].map(lambda c: CRITERION_LABELS.get(c, c))
    out["below"] = sens["below_by"].map(nm).fillna("nobody (leads even at 0%)")
    out["above"] = sens["above_by"].map(nm).fillna("nobody (leads even at 100%)")
    return out


def stability_display(stability: pd.DataFrame) -> pd.DataFrame:
    """Rank stability with whole-number ranks (show with :data:`STABILITY_LABELS`)."""
    out = stability.copy()
    for c in ("rank_p05", "rank_p95"):
        out[c] = out[c].round().astype(int)
    return out


def methods_caption(methods: pd.DataFrame, ahp: dict | None) -> str:
    """One line on the agreement of the two methods (and the AHP consistency)."""
    same = int((methods["rank_change"] == 0).sum())
    text = (
        f"Spearman rank correlation {methods.attrs['spearman']:.2f} (1 = same order); {same} of "
        f"{len(methods)} bidders keep their rank under TOPSIS."
    )
    if ahp is not None:
        verdict = "acceptable" if ahp["consistent"] else "above 0.10: review the judgments"
        text += f" AHP consistency ratio {ahp['cr']:.3f} ({verdict})."
    return text


def ahp_display(ahp: dict) -> pd.DataFrame:
    """AHP weights as a table."""
    w = ahp["weights"]
    return pd.DataFrame(
        {"criterion": [CRITERION_LABELS.get(c, c) for c in w.index], "weight": w.to_numpy()}
    )


def knockout_text(rules: Mapping) -> str:
    """Knock-out rules in words: ``defects (ppm) at most 20,000; technical score (0-100) at
    least 50``."""
    if not rules:
        return "none"
    return "; ".join(
        f"{FACT_LABELS.get(k, k.replace('_', ' '))} {S.OP_WORDS.get(v[0], v[0])} {float(v[1]):,g}"
        for k, v in rules.items()
    )
