"""RFx (RFI / RFP / RFQ) evaluation: responses normalised to one currency, Incoterm and unit of
measure, price scoring formulas, technical / commercial weighting, a split award optimised as
a MILP (HiGHS) under capacity, maximum share and minimum number of suppliers, savings, and the
Excel response templates suppliers fill in.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from scmlib.core.currency import to_reporting_currency
from scmlib.core.text import plural
from scmlib.errors import DataError, ParameterError

# units of measure a response may quote in, as a number of base units ("each")
UNITS: dict[str, float] = {
    "each": 1.0,
    "pair": 2.0,
    "pack_10": 10.0,
    "dozen": 12.0,
    "box_50": 50.0,
    "hundred": 100.0,
    "thousand": 1000.0,
}
# freight and insurance to our site, as a share of the price, that an offer on each Incoterm
# (ICC Incoterms 2020) leaves to the buyer; D-terms deliver to us. Duty is added on top for any
# term but DDP (the response's duty_rate). A company convention: override with the parameter.
INCOTERM_FREIGHT: dict[str, float] = {
    "EXW": 0.07,
    "FCA": 0.065,
    "FAS": 0.06,
    "FOB": 0.06,
    "CFR": 0.02,
    "CPT": 0.02,
    "CIF": 0.015,
    "CIP": 0.015,
    "DAP": 0.0,
    "DPU": 0.0,
    "DDP": 0.0,
}
PRICE_FORMULAS = ("lowest_over_offer", "linear_deviation", "linear_range")
TEMPLATE_COLUMNS = (
    "supplier_id",
    "unit_price",
    "currency",
    "incoterm",
    "unit",
    "lead_time_days",
    "capacity",
    "tooling_cost",
    "payment_days",
    "technical_score",
)


def _rows(df: pd.DataFrame, mask, cols) -> str:
    return "; ".join(
        ", ".join(f"{c}={r[c]}" for c in cols) for _, r in df.loc[mask, cols].head(3).iterrows()
    )


def check_responses(
    responses: pd.DataFrame,
    lots: pd.DataFrame,
    rates: pd.DataFrame | None,
    reporting: str,
    incoterm_freight: Mapping[str, float] = INCOTERM_FREIGHT,
) -> None:
    """One-line :class:`DataError` for a response that cannot be normalised: a currency without
    an exchange rate, an unknown Incoterm or unit of measure, a lot not in ``rfx_lots``."""
    known = {reporting.upper()} | (
        set(rates["currency"].str.upper()) if rates is not None else set()
    )
    keys = ["rfx_id", "lot_id", "supplier_id"]
    ccy = responses["currency"].fillna(reporting).astype(str).str.upper()
    bad = ~ccy.isin(known)
    if bad.any():
        raise DataError(
            f"table 'rfx_responses', column 'currency': unknown currency "
            f"{sorted(ccy[bad].unique())} (rows {_rows(responses, bad, keys)}); add its rates to "
            f"exchange_rates or quote in one of {sorted(known)}"
        )
    for col, allowed in (("incoterm", set(incoterm_freight)), ("unit", set(UNITS))):
        v = responses[col].astype(str).str.upper() if col == "incoterm" else responses[col]
        bad = ~v.isin(allowed)
        if bad.any():
            raise DataError(
                f"table 'rfx_responses', column '{col}': unknown value "
                f"{sorted(responses.loc[bad, col].astype(str).unique())} (rows "
                f"{_rows(responses, bad, keys)}); use one of {sorted(allowed)}"
            )
    lot_keys = set(zip(lots["rfx_id"], lots["lot_id"]))
    bad = ~pd.Series(
        list(zip(responses["rfx_id"], responses["lot_id"])), index=responses.index
    ).isin(lot_keys)
    if bad.any():
        raise DataError(
            f"table 'rfx_responses': lot not in rfx_lots (rows {_rows(responses, bad, keys)}); "
            "add the lot to rfx_lots or correct rfx_id / lot_id"
        )


def normalise_responses(
    responses: pd.DataFrame,
    lots: pd.DataFrame,
    rates: pd.DataFrame | None,
    reporting: str = "USD",
    policy: str = "monthly",
    incoterm_freight: Mapping[str, float] = INCOTERM_FREIGHT,
) -> pd.DataFrame:
    """Every response priced in one currency, on one Incoterm and per one unit of measure:

    1. currency: the company reporting currency under the company rate policy
       (:func:`scmlib.core.currency.to_reporting_currency`, at the response date);
    2. unit of measure: price per lot unit = price / units(response unit) x units(lot unit)
       (:data:`UNITS`); capacity converted the other way;
    3. Incoterm: landed price = price x (1 + freight share of the response's term + duty rate,
       no duty on DDP) (:data:`INCOTERM_FREIGHT`, ICC Incoterms 2020 split of costs).

    Adds ``price_reporting`` (per response unit), ``price_per_unit`` (per lot unit, before
    freight and duty), ``freight_rate``, ``duty_rate``, ``landed_price`` (per lot unit),
    ``capacity_units`` (lot units), ``quantity`` (the lot's) and the lot's ``unit``.
    """
    check_responses(responses, lots, rates, reporting, incoterm_freight)
    r = responses.copy()
    if "response_date" not in r.columns or r["response_date"].isna().all():
        r["response_date"] = pd.Timestamp.today().normalize()
    r["response_date"] = pd.to_datetime(r["response_date"]).fillna(r["response_date"].max())
    r["currency"] = r["currency"].fillna(reporting).astype(str).str.upper()
    r["price_reporting"] = to_reporting_currency(
        r, rates, reporting, amount="unit_price", date="response_date", policy=policy
    )
    lot_cols = ["rfx_id", "lot_id", "quantity", "unit"]
    lot_cols += [c for c in ("category", "item_id", "baseline_price") if c in lots.columns]
    r = r.merge(
        lots[lot_cols].rename(columns={"unit": "lot_unit"}), on=["rfx_id", "lot_id"], how="left"
    )
    factor = r["lot_unit"].map(UNITS) / r["unit"].map(UNITS)
    r["price_per_unit"] = r["price_reporting"] * factor
    r["capacity_units"] = r["capacity"].astype(float) / factor
    term = r["incoterm"].astype(str).str.upper()
    r["freight_rate"] = term.map(incoterm_freight).astype(float)
    duty = r["duty_rate"].astype(float).fillna(0.0) if "duty_rate" in r.columns else 0.0
    r["duty_rate"] = np.where(term == "DDP", 0.0, duty)
    r["landed_price"] = r["price_per_unit"] * (1 + r["freight_rate"] + r["duty_rate"])
    r = r.rename(columns={"unit": "unit_quoted", "unit_price": "quoted"})
    return r.rename(columns={"lot_unit": "unit"})


def price_scores(
    price: pd.Series, group: pd.DataFrame | pd.Series, formula: str, max_points: float = 100.0
):
    """Price score of each offer within its lot, by one of the formulas of public-procurement
    price evaluation (European Commission 2018, "Public procurement - guidance for
    practitioners", sec. 3.8; UK Cabinet Office / Crown Commercial Service evaluation guidance):

    - ``lowest_over_offer`` (proportional): max x lowest / offer;
    - ``linear_deviation`` (relative to the lowest): max x (1 - (offer - lowest) / lowest),
      0 at twice the lowest price and beyond;
    - ``linear_range`` (interpolation between lowest and highest): max x (highest - offer) /
      (highest - lowest); every offer scores max when all are equal.

    >>> p = pd.Series([100.0, 125.0, 200.0]); g = pd.Series(["L1"] * 3)
    >>> price_scores(p, g, "lowest_over_offer").tolist()
    [100.0, 80.0, 50.0]
    >>> price_scores(p, g, "linear_deviation").tolist()
    [100.0, 75.0, 0.0]
    >>> price_scores(p, g, "linear_range").tolist()
    [100.0, 75.0, 0.0]
    """
    if formula not in PRICE_FORMULAS:
        raise ParameterError(
            f"price formula must be one of {list(PRICE_FORMULAS)}, got {formula!r}"
        )
    p = pd.Series(price, dtype=float)
    if (p <= 0).any():
        raise DataError("price scoring needs prices > 0")
    keys = [group[c] for c in group.columns] if isinstance(group, pd.DataFrame) else [group]
    g = p.groupby(keys)
    low, high = g.transform("min"), g.transform("max")
    if formula == "lowest_over_offer":
        s = low / p
    elif formula == "linear_deviation":
        s = (1 - (p - low) / low).clip(lower=0)
    else:
        s = ((high - p) / (high - low)).where(high > low, 1.0)
    return s * max_points


def evaluate(
    norm: pd.DataFrame,
    technical_weight: float,
    price_formula: str = "lowest_over_offer",
    min_technical: float = 0.0,
    records: pd.DataFrame | None = None,
    max_ppm: float | None = None,
) -> pd.DataFrame:
    """Technical / commercial weighting per lot: total = w_t x technical_score + (1 - w_t) x
    price score (of the landed price, :func:`price_scores`), both 0-100; an offer below
    ``min_technical`` is non-compliant (scored, not ranked, never awarded), and so is a bidder
    whose delivered quality (``records``: supplier_id, ppm, the supplier scorecard's record)
    is above ``max_ppm`` (the quality knock-out of supplier selection; no record: not knocked
    out). ``technical_weight`` is a share (0.4) or percent (40). Adds ``ppm`` (with records),
    ``price_score``, ``total_score``, ``compliant``, ``non_compliant_because`` and ``rank``
    (within the lot, compliant offers only)."""
    w = float(technical_weight)
    w = w / 100 if w > 1 else w
    if not 0 <= w <= 1:
        raise ParameterError(f"technical weight must be 0-100%, got {technical_weight!r}")
    e = norm.copy()
    e["price_score"] = price_scores(e["landed_price"], e[["rfx_id", "lot_id"]], price_formula)
    tech = e["technical_score"].astype(float)
    e["total_score"] = w * tech.fillna(0) + (1 - w) * e["price_score"]
    low_tech = tech.fillna(0) < min_technical
    why = pd.Series(np.where(low_tech, f"technical score below {min_technical:g}", ""), e.index)
    if records is not None and "ppm" in records:
        ppm = e["supplier_id"].map(
            records.drop_duplicates("supplier_id").set_index("supplier_id")["ppm"]
        )
        e["ppm"] = ppm
        if max_ppm is not None:
            bad = ppm.astype(float) > float(max_ppm)
            text = ppm.map(lambda v: f"delivered quality {v:,.0f} ppm above {float(max_ppm):,.0f}")
            why = why.where(~bad, np.where(why != "", why + "; " + text, text))
    e["compliant"] = why == ""
    e["non_compliant_because"] = why.replace("", "–")
    ranked = e["total_score"].where(e["compliant"])
    e["rank"] = ranked.groupby([e["rfx_id"], e["lot_id"]]).rank(ascending=False, method="min")
    return e.sort_values(["rfx_id", "lot_id", "rank"], ignore_index=True)


@contextlib.contextmanager
def _quiet_stdout():
    """Silence the process-level stdout (file descriptor 1) for the duration of a solve."""
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        with open(os.devnull, "w") as null:
            os.dup2(null.fileno(), 1)
            yield
    finally:
        sys.stdout.flush()
        os.dup2(saved, 1)
        os.close(saved)


def _binding(lot, n, cap, qty, max_share, min_suppliers) -> str | None:
    """The first constraint that alone makes a lot's award impossible (one line), or None."""
    if n == 0:
        return f"lot {lot}: no compliant response (binding: minimum technical score)"
    if n < min_suppliers:
        return (
            f"lot {lot}: {plural(n, 'compliant supplier')}, fewer than the minimum of {min_suppliers} "
            "per lot (binding: minimum number of suppliers)"
        )
    if cap.sum() < qty - 1e-9:
        return (
            f"lot {lot}: compliant suppliers offer {cap.sum():,.0f} of the {qty:,.0f} units "
            "needed (binding: capacity)"
        )
    if np.minimum(cap, max_share * qty).sum() < qty - 1e-9:
        return (
            f"lot {lot}: with at most {max_share:.0%} each, the {n} compliant suppliers "
            f"can take {np.minimum(cap, max_share * qty).sum() / qty:.0%} of the lot "
            "(binding: maximum share per supplier)"
        )
    return None


def optimise_award(
    evaluated: pd.DataFrame,
    max_share: float = 0.7,
    min_suppliers: int = 1,
    min_award_share: float = 0.1,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split award minimising the landed cost, as a mixed-integer programme solved by HiGHS
    (through PuLP): for lot l and compliant offer s with landed price p_sl and capacity C_sl,

        min sum p_sl x_sl  s.t.  sum_s x_sl = D_l;  x_sl <= min(C_sl, max_share D_l) y_sl;
        x_sl >= min_award_share D_l y_sl;  sum_s y_sl >= min_suppliers;  y_sl in {0, 1}

    (the split-award model of e.g. Jayaraman, Srivastava & Benton 1999; a supplier counted
    towards the minimum gets at least ``min_award_share`` of the lot). A lot that no award can
    satisfy is left out and explained by its binding constraint (one line each).

    Returns ``(award, infeasible)``: award rows ``rfx_id, lot_id, supplier_id, quantity,
    share, landed_price, cost``; infeasible rows ``rfx_id, lot_id, reason, binding`` (the
    binding constraint's name, e.g. ``minimum number of suppliers``).
    """
    import pulp

    if not 0 < max_share <= 1 or not 0 <= min_award_share <= max_share:
        raise ParameterError(
            f"max_share must be in (0, 1] and min_award_share in [0, max_share]; got "
            f"{max_share!r}, {min_award_share!r}"
        )
    if min_suppliers < 1 or min_suppliers * min_award_share > 1 + 1e-9:
        raise ParameterError(
            f"min_suppliers must be >= 1 and min_suppliers x min_award_share <= 100%; got "
            f"{min_suppliers} x {min_award_share:.0%}"
        )
    e = evaluated[evaluated["compliant"]].copy()
    e["cap"] = e["capacity_units"].fillna(np.inf)
    lots = evaluated[["rfx_id", "lot_id", "quantity"]].drop_duplicates(["rfx_id", "lot_id"])
    infeasible, solvable = [], []
    for lot in lots.itertuples(index=False):  # pre-check per lot (a handful of lots)
        o = e[(e["rfx_id"] == lot.rfx_id) & (e["lot_id"] == lot.lot_id)]
        why = _binding(
            lot.lot_id, len(o), o["cap"].to_numpy(), lot.quantity, max_share, min_suppliers
        )
        (infeasible.append((lot.rfx_id, lot.lot_id, why)) if why else solvable.append(lot))
    award_cols = ["rfx_id", "lot_id", "supplier_id", "quantity", "share", "landed_price", "cost"]
    awards = []
    for lot in solvable:  # one small MILP per lot: the lots share no constraint
        o = e[(e["rfx_id"] == lot.rfx_id) & (e["lot_id"] == lot.lot_id)].reset_index(drop=True)
        D = float(lot.quantity)
        prob = pulp.LpProblem("split_award", pulp.LpMinimize)
        x = [prob.add_variable(f"x{i}", lowBound=0) for i in range(len(o))]
        y = [prob.add_variable(f"y{i}", cat="Binary") for i in range(len(o))]
        prob += pulp.lpSum(float(p) * xi for p, xi in zip(o["landed_price"], x))
        prob += pulp.lpSum(x) == D
        for xi, yi, c in zip(x, y, o["cap"]):
            prob += xi <= min(float(c), max_share * D) * yi
            prob += xi >= min_award_share * D * yi
        prob += pulp.lpSum(y) >= min_suppliers
        with _quiet_stdout():  # HiGHS prints its banner from C++ even with msg=False
            status = prob.solve(pulp.HiGHS(msg=False))
        if pulp.LpStatus[status] != "Optimal":
            infeasible.append(
                (
                    lot.rfx_id,
                    lot.lot_id,
                    f"lot {lot.lot_id}: capacity, maximum share {max_share:.0%}, minimum award "
                    f"{min_award_share:.0%} and {plural(min_suppliers, 'supplier')} cannot hold together",
                )
            )
            continue
        q = np.array([xi.value() or 0.0 for xi in x])
        a = o.assign(quantity=np.round(q, 6), share=q / D)
        a = a[a["quantity"] > 1e-9]
        a["cost"] = a["quantity"] * a["landed_price"]
        awards.append(a[award_cols])
    award = pd.concat(awards, ignore_index=True) if awards else pd.DataFrame(columns=award_cols)
    out = pd.DataFrame(infeasible, columns=["rfx_id", "lot_id", "reason"])
    out["binding"] = (
        out["reason"]
        .str.extract(r"\(binding: ([^)]*)\)$", expand=False)
        .fillna("combined constraints")
    )
    return award, out


def lowest_price_award(evaluated: pd.DataFrame) -> pd.DataFrame:
    """The lowest-price-only award: each lot's whole quantity to its cheapest compliant offer
    (landed price), ignoring capacity and shares: the benchmark a split award is compared to."""
    e = evaluated[evaluated["compliant"]].sort_values("landed_price")
    best = e.drop_duplicates(["rfx_id", "lot_id"]).copy()
    best["cost"] = best["landed_price"] * best["quantity"]
    return best[["rfx_id", "lot_id", "supplier_id", "quantity", "landed_price", "cost"]]


def award_savings(
    award: pd.DataFrame, lowest: pd.DataFrame, lots: pd.DataFrame, infeasible: pd.DataFrame
) -> pd.DataFrame:
    """Per lot: baseline cost (quantity x baseline price), the recommended award's cost, the
    lowest-price-only cost, savings against the baseline (baseline - award) and the premium of
    the split award over the lowest price (award - lowest). Lots without an award have NaN."""
    base = lots[["rfx_id", "lot_id", "quantity", "baseline_price"]].copy()
    base["baseline_cost"] = base["quantity"] * base["baseline_price"]
    rec = award.groupby(["rfx_id", "lot_id"], as_index=False).agg(
        award_cost=("cost", "sum"), suppliers=("supplier_id", "nunique")
    )
    low = lowest.groupby(["rfx_id", "lot_id"], as_index=False)["cost"].sum()
    out = base.merge(rec, how="left").merge(low.rename(columns={"cost": "lowest_cost"}), how="left")
    out["saving"] = out["baseline_cost"] - out["award_cost"]
    out["saving_pct"] = out["saving"] / out["baseline_cost"]
    out["premium_over_lowest"] = out["award_cost"] - out["lowest_cost"]
    out = out.merge(infeasible[["rfx_id", "lot_id", "reason"]], how="left")
    return out


def thin_lot_advice(
    evaluated: pd.DataFrame,
    infeasible: pd.DataFrame,
    savings: pd.DataFrame,
    max_premium: float = 0.0,
) -> pd.DataFrame:
    """What to do with each lot the split award could not fill: award it to the compliant
    bidders it has, single-sourced, and negotiate, or re-bid it. A lot with fewer compliant
    bidders than the minimum (but at least one) is awarded and negotiated when those bidders
    can supply its whole quantity and their cheapest fill costs at most ``max_premium`` above
    the baseline (a re-bid would bring no new competition and delay a saving already in hand);
    otherwise, and for a lot without a compliant bid, short of capacity or held by the maximum
    share, it is re-bid (World Bank 2011, Guidelines: Procurement of Goods, Works and
    Non-consulting Services, para. 2.61: "even when only one bid is submitted, the bidding
    process may be considered valid if ... prices are reasonable in comparison to market
    values"; the baseline stands for the market value here). The negotiation target is the
    baseline less the saving rate the competed lots of the same RFx achieved (all lots when
    none), never above the offer.

    Returns per lot ``rfx_id, lot_id, advice`` (``award and negotiate`` / ``re-bid``),
    ``suppliers`` (the compliant bidders, ids), ``offer_price`` (quantity-weighted landed
    price of the cheapest fill), ``baseline_price``, ``vs_baseline`` (offer / baseline - 1),
    ``target_price``, ``target_saving_rate`` and ``why`` (one sentence)."""
    cols = [
        "rfx_id",
        "lot_id",
        "advice",
        "suppliers",
        "offer_price",
        "baseline_price",
        "vs_baseline",
        "target_price",
        "target_saving_rate",
        "why",
    ]
    if infeasible.empty:
        return pd.DataFrame(columns=cols)
    if max_premium < 0:
        raise ParameterError(f"single_bid_max_premium must be >= 0, got {max_premium!r}")
    done = savings[savings["award_cost"].notna()]
    by_rfx = done.groupby("rfx_id")[["baseline_cost", "saving"]].sum()
    rate_rfx = by_rfx["saving"] / by_rfx["baseline_cost"]
    rate_all = done["saving"].sum() / done["baseline_cost"].sum() if len(done) else 0.0
    base = savings.set_index(["rfx_id", "lot_id"])
    comp = evaluated[evaluated["compliant"]].sort_values("landed_price")
    rows = []
    for r in infeasible.itertuples(index=False):  # the few lots the award could not fill
        o = comp[(comp["rfx_id"] == r.rfx_id) & (comp["lot_id"] == r.lot_id)]
        qty = float(base.loc[(r.rfx_id, r.lot_id), "quantity"])
        bp = float(base.loc[(r.rfx_id, r.lot_id), "baseline_price"])
        cap = o["capacity_units"].fillna(np.inf).to_numpy(dtype=float)
        take = np.clip(qty - np.concatenate([[0.0], np.cumsum(cap)[:-1]]), 0, cap)
        covered = take.sum() >= qty - 1e-9
        offer = float((take * o["landed_price"]).sum() / take.sum()) if take.sum() > 0 else np.nan
        vs = offer / bp - 1 if bp and np.isfinite(offer) else np.nan
        rate = float(rate_rfx.get(r.rfx_id, rate_all))
        thin = r.binding == "minimum number of suppliers" and len(o) > 0
        ok = thin and covered and (np.isnan(vs) or vs <= max_premium + 1e-12)
        who = ", ".join(o["supplier_id"])
        if ok:
            target = min(offer, bp * (1 - rate)) if bp else offer
            why = (
                f"only {len(o)} compliant bid{'s' if len(o) > 1 else ''}, covering the "
                f"{qty:,.0f} units at "
                + (f"{-vs:.1%} below" if vs < 0 else f"{vs:.1%} above")
                + " the baseline price: a re-bid would add no competition and delay the saving"
            )
        else:
            target = np.nan
            if len(o) == 0:
                why = "no compliant bid: widen the supplier list and re-bid"
            elif thin and not covered:
                why = (
                    f"the {len(o)} compliant bid(s) ({who}) cover {take.sum():,.0f} of the "
                    f"{qty:,.0f} units: re-bid to find more capacity"
                )
            elif thin:
                why = (
                    f"the {len(o)} compliant bid(s) ({who}) are {vs:.1%} above the baseline "
                    f"price (more than {max_premium:.0%}): re-bid for competition"
                )
            else:
                why = f"{r.binding} binds: re-bid, or relax it for this lot"
        rows.append(
            (
                r.rfx_id,
                r.lot_id,
                "award and negotiate" if ok else "re-bid",
                who,
                offer,
                bp,
                vs,
                target,
                rate if ok else np.nan,
                why,
            )
        )
    return pd.DataFrame(rows, columns=cols)


def baseline_prices(
    lots: pd.DataFrame, po: pd.DataFrame | None, rates, reporting: str, policy: str, months=12
) -> pd.Series:
    """Each lot's baseline price per lot unit: ``baseline_price`` where given, else the
    quantity-weighted average PO price of its item over the last ``months`` months of PO lines
    (reporting currency)."""
    given = (
        lots["baseline_price"].astype(float)
        if "baseline_price" in lots.columns
        else pd.Series(np.nan, index=lots.index)
    )
    if po is None or not given.isna().any() or "item_id" not in lots.columns:
        return given
    recent = po[po["order_date"] > po["order_date"].max() - pd.DateOffset(months=months)]
    recent = recent.assign(
        value=to_reporting_currency(
            recent.assign(amount=recent["unit_price"] * recent["ordered_qty"]),
            rates,
            reporting,
            date="order_date",
            policy=policy,
        )
    )
    g = recent.groupby("item_id")[["value", "ordered_qty"]].sum()
    avg = g["value"] / g["ordered_qty"].where(g["ordered_qty"] > 0)
    return given.fillna(lots["item_id"].map(avg))


# --------------------------------------------------------------------------- templates


def write_template(
    lots: pd.DataFrame, path: Path, currencies, incoterms=tuple(INCOTERM_FREIGHT)
) -> Path:
    """The response template of one RFx: an Excel workbook with one sheet per lot (named by the
    lot id) stating the lot (RFx, lot, item, description, quantity, unit, delivery term, due
    date) above a response table with the columns of ``rfx_responses`` a supplier fills
    (:data:`TEMPLATE_COLUMNS`), each with data validation: currency, Incoterm and unit from
    lists, price, capacity and tooling decimals >= 0, lead time and payment days whole numbers,
    technical score 0-100 (filled by the evaluation panel)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill
    from openpyxl.worksheet.datavalidation import DataValidation

    wb = Workbook()
    wb.remove(wb.active)
    head_fill = PatternFill("solid", fgColor="1F4E79")
    lists = {
        "currency": ",".join(sorted(currencies)),
        "incoterm": ",".join(incoterms),
        "unit": ",".join(UNITS),
    }
    for lot in lots.itertuples(index=False):  # one sheet per lot
        ws = wb.create_sheet(str(lot.lot_id)[:31])
        info = [
            ("RFx", lot.rfx_id),
            ("Lot", lot.lot_id),
            ("Item", getattr(lot, "item_id", "") or ""),
            ("Description", getattr(lot, "description", "") or ""),
            ("Quantity per year", float(lot.quantity)),
            ("Unit of measure", lot.unit),
            ("Delivery term asked", getattr(lot, "incoterm", "") or ""),
            ("Responses due", str(getattr(lot, "due_date", "") or "")[:10]),
        ]
        for i, (k, v) in enumerate(info, start=1):
            ws.cell(i, 1, k).font = Font(bold=True)
            ws.cell(i, 2, v)
        hdr = len(info) + 2
        for j, col in enumerate(TEMPLATE_COLUMNS, start=1):
            c = ws.cell(hdr, j, col)
            c.font, c.fill = Font(bold=True, color="FFFFFF"), head_fill
            ws.column_dimensions[c.column_letter].width = max(14, len(col) + 2)
        first, last = hdr + 1, hdr + 200
        for j, col in enumerate(TEMPLATE_COLUMNS, start=1):
            letter = ws.cell(hdr, j).column_letter
            if col in lists:
                dv = DataValidation(type="list", formula1=f'"{lists[col]}"', allow_blank=True)
            elif col in ("lead_time_days", "payment_days"):
                dv = DataValidation(type="whole", operator="between", formula1="0", formula2="3650")
            elif col == "technical_score":
                dv = DataValidation(
                    type="decimal", operator="between", formula1="0", formula2="100"
                )
            elif col == "supplier_id":
                dv = DataValidation(type="textLength", operator="greaterThan", formula1="0")
            else:
                dv = DataValidation(type="decimal", operator="greaterThanOrEqual", formula1="0")
            dv.error, dv.showErrorMessage = f"invalid {col}", True
            ws.add_data_validation(dv)
            dv.add(f"{letter}{first}:{letter}{last}")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    wb.save(tmp)
    tmp.replace(path)
    return path


def read_templates(folder: Path) -> pd.DataFrame:
    """Read every filled response template (``*.xlsx``) in ``folder`` back into the
    ``rfx_responses`` layout: RFx and lot from each sheet's header cells, one row per filled
    line (a line without a supplier or price is skipped). A folder that does not exist, or a
    sheet that is not a template, is a one-line :class:`DataError`."""
    from openpyxl import load_workbook

    folder = Path(folder)
    if not folder.is_dir():
        raise DataError(f"returned templates: folder {str(folder)!r} not found; give a folder")
    frames = []
    for f in sorted(folder.glob("*.xlsx")):  # a workbook per returned template
        if f.name.startswith((".", "~$")):
            continue
        wb = load_workbook(f, read_only=True, data_only=True)
        for ws in wb.worksheets:
            rows = list(ws.iter_rows(values_only=True))
            if len(rows) < 11 or rows[0][0] != "RFx" or rows[1][0] != "Lot":
                raise DataError(
                    f"returned template {f.name}, sheet {ws.title!r}: not an RFx response "
                    "template (cell A1 must say 'RFx'); send suppliers the template written "
                    "by rfx_evaluation"
                )
            hdr = next(i for i, r in enumerate(rows) if r and r[0] == "supplier_id")
            cols = [c for c in rows[hdr] if c]
            body = pd.DataFrame([r[: len(cols)] for r in rows[hdr + 1 :]], columns=cols)
            body = body[body["supplier_id"].notna() & body["unit_price"].notna()]
            frames.append(body.assign(rfx_id=rows[0][1], lot_id=rows[1][1], source_file=f.name))
        wb.close()
    if not frames:
        return pd.DataFrame(columns=["rfx_id", "lot_id", *TEMPLATE_COLUMNS])
    out = pd.concat(frames, ignore_index=True)
    for col in ("unit_price", "lead_time_days", "capacity", "tooling_cost", "payment_days"):
        out[col] = pd.to_numeric(out[col], errors="coerce")
    out["technical_score"] = pd.to_numeric(out["technical_score"], errors="coerce")
    out["supplier_id"] = out["supplier_id"].astype(str)
    out["incoterm"] = out["incoterm"].astype(str).str.upper()
    return out[["rfx_id", "lot_id", *TEMPLATE_COLUMNS, "source_file"]]


# --------------------------------------------------------------------------- report helpers


def merge_returned(responses: pd.DataFrame | None, returned: pd.DataFrame) -> pd.DataFrame:
    """The responses table with the returned templates' rows: a returned row replaces the row
    of the same RFx, lot and supplier (the supplier's latest word); others are added."""
    key = ["rfx_id", "lot_id", "supplier_id"]
    if responses is None or responses.empty:
        return returned.drop(columns=["source_file"], errors="ignore")
    if returned.empty:
        return responses
    keep = ~pd.MultiIndex.from_frame(responses[key]).isin(pd.MultiIndex.from_frame(returned[key]))
    back = returned.drop(columns=["source_file"], errors="ignore")
    return pd.concat([responses[keep], back], ignore_index=True)


def responses_display(evaluated: pd.DataFrame) -> pd.DataFrame:
    """Each response as quoted and as normalised, with its scores and rank in the lot."""
    e = evaluated
    quoted = (
        e["quoted"].map(lambda v: f"{v:,.2f}")
        + " "
        + e["currency"]
        + " / "
        + e["unit_quoted"].str.replace("_", " ")
        + " "
        + e["incoterm"].str.upper()
    )
    out = pd.DataFrame(
        {
            "rfx_id": e["rfx_id"],
            "lot_id": e["lot_id"],
            "supplier_id": e["supplier_id"],
            **({"name": e["name"]} if "name" in e.columns else {}),
            "quoted_as": quoted,
            "landed_price": e["landed_price"],
            "capacity_units": e["capacity_units"],
            "technical_score": e["technical_score"],
            "price_score": e["price_score"],
            "total_score": e["total_score"],
            "rank": e["rank"].astype("Int64"),
            **({"ppm": e["ppm"]} if "ppm" in e.columns else {}),
            "compliant": e["compliant"],
            **(
                {"non_compliant_because": e["non_compliant_because"]}
                if "non_compliant_because" in e.columns
                else {}
            ),
        }
    )
    return out


def leading_responses(display: pd.DataFrame, n: int = 3) -> pd.DataFrame:
    """The ``n`` best-ranked compliant responses of each lot (:func:`responses_display` rows),
    by RFx, lot and rank: what an evaluation panel compares; the other responses stay in the
    full table.

    >>> d = pd.DataFrame({"rfx_id": "R", "lot_id": ["L1"] * 3, "rank": pd.array([2, 1, pd.NA])})
    >>> leading_responses(d, 1)["rank"].tolist()
    [1]
    """
    top = display[display["rank"].notna() & (display["rank"] <= n)]
    return top.sort_values(["rfx_id", "lot_id", "rank"]).reset_index(drop=True)


def advice_text(a, money2, names: Mapping | None = None) -> str:
    """One sentence for a lot the award could not fill (a row of :func:`thin_lot_advice`)."""
    names = {} if names is None else dict(names)
    who = ", ".join(f"{names.get(s, s)} ({s})" for s in str(a.suppliers).split(", ") if s)
    if a.advice != "award and negotiate":
        return f"{a.rfx_id} lot {a.lot_id}: re-bid; {a.why}."
    if a.target_price < a.offer_price - 1e-9:
        goal = (
            f"negotiate towards {money2(a.target_price)} per unit (from {money2(a.offer_price)}; "
            f"the {a.target_saving_rate:.1%} saving the competed lots achieved)"
        )
    else:
        goal = (
            f"its {money2(a.offer_price)} per unit already beats the {a.target_saving_rate:.1%} "
            "saving the competed lots achieved: negotiate terms (payment, lead time, price "
            "fixing)"
        )
    return (
        f"{a.rfx_id} lot {a.lot_id}: award single-source to {who} and {goal}; {a.why}."
        if "," not in str(a.suppliers)
        else f"{a.rfx_id} lot {a.lot_id}: award to {who} and {goal}; {a.why}."
    )


def advice_display(advice: pd.DataFrame, names: Mapping | None = None) -> pd.DataFrame:
    """The lot advice with the compliant bidders named (show with :data:`ADVICE_LABELS`)."""
    names = {} if names is None else dict(names)
    out = advice.drop(columns=["target_saving_rate"]).copy()
    out["suppliers"] = advice["suppliers"].map(
        lambda v: ", ".join(f"{names.get(x, x)} ({x})" for x in str(v).split(", ") if x) or "none"
    )
    out.insert(len(out.columns) - 1, "target_saving_rate", advice["target_saving_rate"])
    return out


def summary_points(
    savings: pd.DataFrame,
    award: pd.DataFrame,
    infeasible: pd.DataFrame,
    money,
    n_responses: int,
    advice: pd.DataFrame | None = None,
    money2=None,
    names: Mapping | None = None,
) -> list[str]:
    """The executive summary sentences of the RFx evaluation, computed from the award; a lot
    the award could not fill gets its recommendation (:func:`thin_lot_advice`) when given."""
    done = savings[savings["award_cost"].notna()]
    pts = [
        f"{savings['rfx_id'].nunique()} RFx, {len(savings)} lots, {n_responses} responses; "
        f"{len(done)} of {len(savings)} lots awarded in the split award, to "
        f"{award['supplier_id'].nunique()} suppliers."
    ]
    if len(done):
        base, cost, low = done[["baseline_cost", "award_cost", "lowest_cost"]].sum()
        pts.append(
            f"Recommended award {money(cost)} a year against a baseline of {money(base)}: a "
            f"saving of {money(base - cost)} ({(base - cost) / base:.1%})."
        )
        pts.append(
            f"The lowest-price-only award of the same lots would cost {money(low)}; spreading "
            f"volume within capacity and share limits costs {money(cost - low)} more "
            f"({(cost - low) / low:+.1%})."
        )
        top = done.sort_values("saving", ascending=False).iloc[0]
        pts.append(
            f"Largest saving: {top['rfx_id']} lot {top['lot_id']}, {money(top['saving'])} "
            f"({top['saving_pct']:.1%})."
        )
    if advice is not None and len(advice):
        for a in advice.itertuples(index=False):
            pts.append(f"Not in the split award: {advice_text(a, money2 or money, names)}")
    else:
        for r in infeasible.itertuples(index=False):
            pts.append(f"Not awarded: {r.rfx_id} {r.reason}.")
    return pts


PRICE_FORMULA_NAMES = {
    "lowest_over_offer": "price score = lowest price / offer x 100",
    "linear_deviation": "price score = 100 x (1 - (offer - lowest) / lowest)",
    "linear_range": "price score = 100 x (highest - offer) / (highest - lowest)",
}


def appendix(
    technical_weight,
    price_formula,
    min_technical,
    max_share,
    min_suppliers,
    min_award,
    freight,
    max_premium: float = 0.0,
    max_ppm: float | None = None,
):
    """Definitions and sources of the RFx evaluation."""
    tw = technical_weight / 100 if technical_weight > 1 else technical_weight
    return {
        "Normalised price": "each response converted to the reporting currency at the company "
        "exchange-rate policy, per lot unit (each = 1, pair 2, pack 10, dozen 12, box "
        "50, hundred 100, thousand 1000) and landed on our site: + freight and insurance share of "
        "its Incoterm ("
        + ", ".join(f"{k} {v:.1%}" for k, v in freight.items())
        + ") + its duty rate unless DDP (ICC Incoterms 2020 split of costs).",
        "Price score": {
            "lowest_over_offer": "proportional formula: price score = lowest landed price in "
            "the lot / the response's landed price x 100; the cheapest scores 100, an offer "
            "twice as dear 50",
            "linear_deviation": "linear deviation from the lowest: price score = 100 x (1 - "
            "(offer - lowest) / lowest); the cheapest scores 100, twice the lowest and above 0",
            "linear_range": "linear range: price score = 100 x (highest - offer) / (highest - "
            "lowest); the cheapest scores 100, the dearest 0",
        }[price_formula]
        + "; formulas of public-procurement price evaluation (European Commission 2018, Public "
        "procurement - guidance for practitioners; UK Crown Commercial Service guidance).",
        "Total score": f"{tw:.0%} technical score + {1 - tw:.0%} price score; a response below "
        f"{min_technical:g} technical points is non-compliant, never awarded"
        + (
            f", and so is a bidder whose delivered quality on the supplier scorecard (its PPM over "
            f"the company window) is above {max_ppm:,.0f} ppm, the quality knock-out of supplier "
            "selection; a bidder without a record is not knocked out."
            if max_ppm is not None
            else "."
        ),
        "Split award": f"mixed-integer programme solved with HiGHS (PuLP): minimum landed cost, "
        f"each lot's quantity in full, each supplier at most its capacity and {max_share:.0%} of "
        f"a lot, at least {plural(min_suppliers, 'supplier')} per lot, each awarded at least "
        f"{min_award:.0%} (Jayaraman, Srivastava & Benton 1999, Decision Sciences 30(1)).",
        "Infeasible lot": "a lot no award can satisfy is named with the constraint that alone "
        "makes it impossible (compliance, number of suppliers, capacity, maximum share).",
        "Lots outside the split award": "a lot with fewer compliant bidders than the minimum "
        "is awarded to them (single-sourced when one) and negotiated when they can supply the "
        f"whole quantity at no more than {max_premium:.0%} above the baseline price, else it is "
        "re-bid; so is a lot without a compliant bid or short of capacity. Negotiation target = "
        "baseline price x (1 - the saving rate the competed lots of the same RFx achieved). "
        "World Bank (2011), Procurement Guidelines para. 2.61: a single bid may stand when its "
        "price is reasonable against market values.",
        "Savings": "baseline = quantity x current price (the lot's baseline price in the RFx, "
        "else the item's quantity-weighted purchase-order price over 12 months); saving = "
        "baseline - award cost, saving (%) = saving / baseline; premium over the lowest price = "
        "award cost - lowest-price-only cost (whole lot to the cheapest compliant offer, "
        "ignoring capacity).",
        "Response templates": "one workbook per RFx, a sheet per lot, with the lot's details "
        "and the response columns under data validation; filled templates in the returned-"
        "templates folder (a report parameter) are read back and replace the responses of the "
        "same supplier and lot.",
    }


SAVINGS_LABELS = {
    "baseline_price": "Baseline price per unit",
    "baseline_cost": "Baseline cost",
    "award_cost": "Award cost",
    "lowest_cost": "Lowest-price-only cost",
    "saving": "Saving",
    "saving_pct": "Saving (%)",
    "premium_over_lowest": "Premium over the lowest price",
    "suppliers": "Suppliers awarded",
    "reason": "Why not in the split award",
}
ADVICE_LABELS = {
    "advice": "Recommendation",
    "suppliers": "Compliant bidders",
    "offer_price": "Offer per unit (landed)",
    "baseline_price": "Baseline price per unit",
    "vs_baseline": "Offer against the baseline",
    "target_price": "Negotiation target per unit",
    "target_saving_rate": "Target saving (%)",
    "why": "Why",
}


def write_templates(lots: pd.DataFrame, folder: Path, currencies) -> pd.DataFrame:
    """Write one response template per RFx into ``folder`` (:func:`write_template`); returns
    ``rfx_id, lots, file``."""
    rows = []
    for rid, one in lots.groupby("rfx_id", sort=True):  # one workbook per RFx
        path = write_template(one, Path(folder) / f"{rid}_response_template.xlsx", currencies)
        rows.append({"rfx_id": rid, "lots": len(one), "file": f"templates/{path.name}"})
    return pd.DataFrame(rows, columns=["rfx_id", "lots", "file"])
