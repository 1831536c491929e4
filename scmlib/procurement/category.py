"""Category management: market concentration, Kraljic positioning, strategies per quadrant,
movement since the previous review and the price trend against a market index.

Inputs are the prepared spend lines of :func:`scmlib.procurement.spend.prepare_spend` (columns
``supplier``, ``supplier_id``, ``category``, ``invoice_date``, ``amount_rc``) and, optionally,
PO lines in the reporting currency (``item_id``, ``supplier_id``, ``category``, ``order_date``,
``ordered_qty``, ``unit_price_rc``). Indicators that need another area (country risk from the
risk area, incumbent performance from the supplier scorecard) are passed in as plain frames by
:mod:`scmlib.processes.category_review`; this module imports no other area.

References
----------
- Kraljic, P. (1983). Purchasing must become supply management. *Harvard Business Review*
  61(5), 109-117: profit impact against supply risk, four quadrants, a strategy each.
- Gelderman, C. J. & van Weele, A. J. (2003). Handling measurement issues and strategic
  directions in Kraljic's purchasing portfolio model. *Journal of Purchasing and Supply
  Management* 9(5-6), 207-216: weighted indicator scores, cut-offs set by the buying company.
- U.S. Department of Justice & Federal Trade Commission (2023). *Merger Guidelines*, section
  2.1 and the HHI page of the DoJ: HHI = sum of squared percentage shares; above 1,800 highly
  concentrated, 1,000 to 1,800 moderately concentrated, below 1,000 unconcentrated.
- ILO et al. (2004). *Consumer Price Index Manual: Theory and Practice*, ch. 1 and 15:
  Laspeyres price index = sum p1 q0 / sum p0 q0.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from scmlib.core.history import earlier_run_output
from scmlib.errors import DataError, ParameterError
from scmlib.procurement import spend as S

QUADRANTS = ("strategic", "leverage", "bottleneck", "non-critical")
PROFIT_INDICATORS = ("spend_share", "margin_impact", "criticality")
RISK_INDICATORS = (
    "supplier_scarcity",
    "supplier_concentration",
    "switching_cost",
    "country_risk",
    "single_sourcing",
)
DEFAULT_PROFIT_WEIGHTS = {"spend_share": 0.5, "margin_impact": 0.3, "criticality": 0.2}
DEFAULT_RISK_WEIGHTS = {
    "supplier_scarcity": 0.25,
    "supplier_concentration": 0.2,
    "switching_cost": 0.15,
    "country_risk": 0.2,
    "single_sourcing": 0.2,
}
DEFAULT_CUTOFFS = {"profit_impact": 0.5, "supply_risk": 0.5}
HHI_HIGH, HHI_MODERATE = 1800.0, 1000.0  # DoJ/FTC Merger Guidelines 2023

# Kraljic (1983), exhibit "Purchasing portfolio"; wording after Gelderman & van Weele (2003)
STRATEGIES: dict[str, tuple[str, str]] = {
    "strategic": (
        "partnership",
        "Develop long-term partnerships with the key suppliers: joint cost reduction and "
        "value engineering, long-term contracts with index-linked prices, supply-risk plans "
        "(make-or-buy, second source under qualification).",
    ),
    "leverage": (
        "exploit purchasing power",
        "Use the buying power: competitive tenders (RFQ), volume consolidation on fewer "
        "suppliers, target pricing and price harmonisation across suppliers; contracts of one "
        "to two years.",
    ),
    "bottleneck": (
        "secure supply",
        "Secure volume and continuity: longer contracts, safety stock and supplier monitoring; "
        "reduce the dependency by qualifying alternatives and by standardising the "
        "specification.",
    ),
    "non-critical": (
        "efficient processing",
        "Cut the cost of buying: catalogues and e-procurement, demand aggregation, "
        "standardised items, fewer suppliers and purchasing cards.",
    ),
}


# --------------------------------------------------------------------------- concentration


def hhi(shares) -> float:
    """Herfindahl-Hirschman index of market shares given as fractions (0-1): 10,000 x sum s^2.

    U.S. DoJ/FTC (2023) Merger Guidelines, section 2.1; the DoJ's own example: a market of
    four firms with shares of 30, 30, 20 and 20 percent has an HHI of 2,600.

    >>> hhi([0.3, 0.3, 0.2, 0.2])
    2600.0
    """
    s = np.asarray(shares, dtype=float)
    total = s.sum()
    if total <= 0:
        return float("nan")
    return float(10_000 * np.sum((s / total) ** 2))


def hhi_delta(share_a: float, share_b: float) -> float:
    """Change in HHI when two suppliers with shares ``share_a`` and ``share_b`` (fractions)
    combine: 2 x a x b x 10,000 (DoJ/FTC Merger Guidelines 2023, section 2.1).

    >>> round(hhi_delta(0.2, 0.2), 6)
    800.0
    """
    return float(2 * share_a * share_b * 10_000)


def concentration_band(values) -> np.ndarray:
    """DoJ/FTC (2023) bands of an HHI: ``highly concentrated`` above 1,800, ``moderately
    concentrated`` from 1,000 to 1,800, ``unconcentrated`` below 1,000."""
    h = np.asarray(values, dtype=float)
    return np.where(
        h > HHI_HIGH,
        "highly concentrated",
        np.where(h >= HHI_MODERATE, "moderately concentrated", "unconcentrated"),
    )


def in_window(lines: pd.DataFrame, window, date: str = "invoice_date") -> pd.DataFrame:
    """Rows of ``lines`` dated inside the window (first day, last day), both days included."""
    start, end = pd.Timestamp(window[0]), pd.Timestamp(window[1])
    d = lines[date]
    return lines[(d >= start) & (d < end + pd.Timedelta(days=1))]


def category_market(
    lines: pd.DataFrame, window, unclassified: str = "Unclassified"
) -> pd.DataFrame:
    """The supplier market of every category over the window, spend annualised.

    Per category: ``annual_spend`` (window spend x 12 / months, :func:`spend.window_months`),
    ``spend_share`` of all classified spend, ``suppliers`` (with positive spend), ``hhi`` and
    ``concentration`` (:func:`hhi`, :func:`concentration_band`, from
    :func:`spend.fragmentation`), ``top_supplier`` and ``top_share``. The unclassified bucket
    is left out (it is no category). Largest first.
    """
    w = in_window(lines, window)
    w = w[w["category"].astype(str) != unclassified]
    if w.empty:
        raise DataError(
            "table 'invoices': no classified spend in the window "
            f"{pd.Timestamp(window[0]):%Y-%m-%d} to {pd.Timestamp(window[1]):%Y-%m-%d}; "
            "give invoices a category or widen the window"
        )
    w = w.assign(category=w["category"].astype(str), supplier=w["supplier"].astype(str))
    frag = S.fragmentation(w)
    factor = 12 / S.window_months(pd.Timestamp(window[0]), pd.Timestamp(window[1]))
    by = w.groupby(["category", "supplier"], observed=True)["amount_rc"].sum()
    by = by[by > 0].sort_values(ascending=False)
    top = by.reset_index().drop_duplicates("category").set_index("category")["supplier"]
    out = frag.rename(columns={"spend": "annual_spend"})
    out["annual_spend"] = out["annual_spend"] * factor
    out["spend_share"] = out["annual_spend"] / out["annual_spend"].sum()
    out["concentration"] = concentration_band(out["hhi"])
    out["top_supplier"] = out["category"].map(top)
    cols = ["category", "annual_spend", "spend_share", "suppliers", "hhi", "concentration"]
    return out[cols + ["top_supplier", "top_share"]].reset_index(drop=True)


# --------------------------------------------------------------------------- Kraljic indicators


def single_sourced_share(po: pd.DataFrame | None, categories: pd.Series) -> pd.Series:
    """Per category: share of the window's PO spend on items bought from one supplier only.

    ``po`` has item_id, supplier_id, category and amount_rc; lines without an item count the
    category itself as the item (a service bought from one supplier is single-sourced). NaN
    for a category without PO lines."""
    if po is None or po.empty:
        return pd.Series(np.nan, index=categories)
    p = po.assign(
        _item=po["item_id"].astype(object).where(po["item_id"].notna(), "cat:" + po["category"])
    )
    n = p.groupby(["category", "_item"])["supplier_id"].transform("nunique")
    single = p["amount_rc"].where(n == 1, 0.0)
    share = single.groupby(p["category"]).sum() / p.groupby("category")["amount_rc"].sum()
    return share.reindex(categories)


def kraljic_indicators(
    market: pd.DataFrame,
    po: pd.DataFrame | None = None,
    revenue_by_category: pd.Series | None = None,
    country_risk: pd.Series | None = None,
    spend_by_supplier: pd.DataFrame | None = None,
    switching_cost: Mapping[str, float] | None = None,
    criticality: Mapping[str, float] | None = None,
) -> pd.DataFrame:
    """The Kraljic indicators of every category, each on a 0-1 scale (1 = highest impact/risk).

    Profit impact (Kraljic 1983: "the strategic importance of purchasing in terms of the value
    added by product line, the percentage of raw materials in total costs and their impact on
    profitability"):

    - ``spend_share``: the category's share of annual spend, relative to the largest category
      (share / largest share);
    - ``margin_impact``: the category's annual spend / the annual revenue of the items in it
      (a 1% price change moves their margin by this share of revenue), capped at 1; 0 for a
      category whose items are not sold (indirect spend);
    - ``criticality``: the category's share of revenue (its items' sales), relative to the
      largest, unless ``criticality`` gives a 0-1 rating for the category.

    Supply risk (Kraljic 1983: "availability, number of suppliers, competitive demand,
    make-or-buy opportunities, storage risks and substitution possibilities"):

    - ``supplier_scarcity``: 1 / number of suppliers in the window (one supplier = 1);
    - ``supplier_concentration``: HHI / 10,000;
    - ``switching_cost``: a 0-1 rating per category from ``switching_cost``; for a category not
      rated, the share of its PO spend on specified items (item_id present: a new supplier
      must be qualified per part), else 0.5;
    - ``country_risk``: spend-weighted country risk of the category's suppliers / 100
      (``country_risk``: supplier_id -> 0-100; ``spend_by_supplier``: category, supplier_id,
      amount_rc); NaN when unknown;
    - ``single_sourcing``: :func:`single_sourced_share` of its PO spend.
    """
    m = market.set_index("category")
    cats = m.index
    out = pd.DataFrame(index=cats)
    out["spend_share"] = m["spend_share"] / m["spend_share"].max()
    if revenue_by_category is not None and len(revenue_by_category):
        rev = revenue_by_category.reindex(cats)
        out["margin_impact"] = (m["annual_spend"] / rev.where(rev > 0)).clip(0, 1).fillna(0.0)
        share = rev.fillna(0.0) / rev.fillna(0.0).sum() if rev.fillna(0).sum() else rev * 0
        out["criticality"] = share / share.max() if share.max() > 0 else share.fillna(0.0)
    else:
        out["margin_impact"] = np.nan
        out["criticality"] = np.nan
    for cat, value in (criticality or {}).items():
        if cat in out.index:
            out.loc[cat, "criticality"] = float(value)
    out["supplier_scarcity"] = 1 / m["suppliers"].clip(lower=1)
    out["supplier_concentration"] = m["hhi"] / 10_000
    if po is not None and len(po):
        item_share = (
            po["amount_rc"].where(po["item_id"].notna(), 0.0).groupby(po["category"]).sum()
            / po.groupby("category")["amount_rc"].sum()
        )
        out["switching_cost"] = item_share.reindex(cats).fillna(0.5)
    else:
        out["switching_cost"] = 0.5
    for cat, value in (switching_cost or {}).items():
        if cat in out.index:
            out.loc[cat, "switching_cost"] = float(value)
    if country_risk is not None and spend_by_supplier is not None and len(spend_by_supplier):
        sp = spend_by_supplier.assign(_risk=spend_by_supplier["supplier_id"].map(country_risk))
        known = sp.dropna(subset=["_risk"])
        wsum = (known["_risk"] * known["amount_rc"]).groupby(known["category"]).sum()
        out["country_risk"] = (wsum / known.groupby("category")["amount_rc"].sum() / 100).reindex(
            cats
        )
    else:
        out["country_risk"] = np.nan
    out["single_sourcing"] = single_sourced_share(po, pd.Series(cats)).to_numpy()
    return out.clip(0, 1).reset_index()


def check_weights(weights: Mapping[str, float], allowed, what: str) -> dict[str, float]:
    """Weights as given, checked: known names, non-negative, summing to 1 (within 0.001)."""
    bad = sorted(set(weights) - set(allowed))
    if bad:
        raise ParameterError(f"{what}: unknown indicator(s) {bad}; use {list(allowed)}")
    if any(float(v) < 0 for v in weights.values()):
        raise ParameterError(f"{what}: weights must be 0 or more, got {dict(weights)}")
    total = float(sum(weights.values()))
    if abs(total - 1) > 1e-3:
        raise ParameterError(
            f"{what}: weights must sum to 100%, they sum to {100 * total:.1f}% ({dict(weights)})"
        )
    return {k: float(v) for k, v in weights.items()}


def weighted_index(ind: pd.DataFrame, weights: Mapping[str, float]) -> pd.Series:
    """Weighted mean of 0-1 indicators per row; an indicator that is NaN for a row (not
    measured) drops out and the row's other weights are renormalised (Gelderman & van Weele
    2003: scores are weighted averages of the measured factors)."""
    cols = [k for k, v in weights.items() if v > 0]
    x = ind[cols].astype(float)
    w = pd.Series({k: float(weights[k]) for k in cols})
    measured = x.notna()
    wsum = (measured * w).sum(axis=1)
    return (x.fillna(0) * w).sum(axis=1) / wsum.where(wsum > 0)


def quadrant(profit_impact, supply_risk, cutoffs: Mapping[str, float] = DEFAULT_CUTOFFS):
    """Kraljic (1983) quadrant of each position: profit impact and supply risk at or above
    their cut-off are "high". strategic = high/high, leverage = high impact / low risk,
    bottleneck = low impact / high risk, non-critical = low/low.

    >>> quadrant([0.8, 0.8, 0.2, 0.2], [0.8, 0.2, 0.8, 0.2]).tolist()
    ['strategic', 'leverage', 'bottleneck', 'non-critical']
    """
    p = np.asarray(profit_impact, dtype=float) >= float(cutoffs["profit_impact"])
    r = np.asarray(supply_risk, dtype=float) >= float(cutoffs["supply_risk"])
    return np.select([p & r, p & ~r, ~p & r], list(QUADRANTS[:3]), default=QUADRANTS[3])


def kraljic_positions(
    indicators: pd.DataFrame,
    market: pd.DataFrame,
    profit_weights: Mapping[str, float] = DEFAULT_PROFIT_WEIGHTS,
    risk_weights: Mapping[str, float] = DEFAULT_RISK_WEIGHTS,
    cutoffs: Mapping[str, float] = DEFAULT_CUTOFFS,
) -> pd.DataFrame:
    """Profit impact and supply risk (:func:`weighted_index`), quadrant (:func:`quadrant`),
    strategy and the category's driver on each axis (its largest weighted indicator), with
    the market columns; largest spend first."""
    pw = check_weights(profit_weights, PROFIT_INDICATORS, "profit_weights")
    rw = check_weights(risk_weights, RISK_INDICATORS, "risk_weights")
    bad = sorted(set(cutoffs) - set(DEFAULT_CUTOFFS))
    if bad or not all(0 < float(v) < 1 for v in cutoffs.values()):
        raise ParameterError(
            f"cutoffs: need profit_impact and supply_risk between 0 and 1, got {dict(cutoffs)}"
        )
    out = indicators.copy()
    out["profit_impact"] = weighted_index(out, pw)
    out["supply_risk"] = weighted_index(out, rw)
    out["quadrant"] = quadrant(out["profit_impact"], out["supply_risk"], cutoffs)
    out["strategy"] = out["quadrant"].map({k: v[0] for k, v in STRATEGIES.items()})
    for axis, w in (("profit_driver", pw), ("risk_driver", rw)):
        cols = [k for k, v in w.items() if v > 0]
        contrib = out[cols].fillna(-1).mul(pd.Series(w)[cols])
        out[axis] = contrib.idxmax(axis=1).str.replace("_", " ")
    m = market.drop(columns=[c for c in market.columns if c in out.columns and c != "category"])
    out = out.merge(m, on="category", how="left")
    return out.sort_values("annual_spend", ascending=False).reset_index(drop=True)


def quadrant_summary(positions: pd.DataFrame) -> pd.DataFrame:
    """Per quadrant (all four, in Kraljic order): categories, annual spend and share, the
    recommended strategy and what it means."""
    g = positions.groupby("quadrant")
    out = pd.DataFrame(
        {
            "categories": g.size(),
            "annual_spend": g["annual_spend"].sum(),
        }
    ).reindex(list(QUADRANTS))
    out["categories"] = out["categories"].fillna(0).astype(int)
    out["annual_spend"] = out["annual_spend"].fillna(0.0)
    out["spend_share"] = out["annual_spend"] / out["annual_spend"].sum()
    out["strategy"] = [STRATEGIES[q][0] for q in out.index]
    out["actions"] = [STRATEGIES[q][1] for q in out.index]
    names = positions.groupby("quadrant")["category"].agg(lambda s: ", ".join(s))
    out["members"] = names.reindex(out.index).fillna("")
    return out.rename_axis("quadrant").reset_index()


# --------------------------------------------------------------------------- movement


def run_label(run_name: str | None) -> str | None:
    """A run folder name (``20261202T073011Z-default``) as a manager reads it: "2026-12-02
    07:30 UTC, parameter set default"; another name is returned unchanged.

    >>> run_label("20261202T073011Z-risk_averse")
    '2026-12-02 07:30 UTC, parameter set risk averse'
    """
    if not run_name:
        return None
    stamp, _, pset = str(run_name).partition("-")
    try:
        t = pd.Timestamp(pd.to_datetime(stamp, format="%Y%m%dT%H%M%SZ"))
    except (ValueError, TypeError):
        return str(run_name)
    return f"{t:%Y-%m-%d %H:%M} UTC" + (f", parameter set {pset.replace('_', ' ')}" if pset else "")


def previous_run_output(
    output_dir: str | Path, filename: str, parameter_set: str | None = None
) -> tuple[pd.DataFrame | None, str | None]:
    """The ``filename`` output of the latest earlier successful run of the same notebook and
    parameter set (:func:`scmlib.core.history.earlier_run_output`): (frame, run folder name) or
    (None, None)."""
    frame, name, _ = earlier_run_output(output_dir, filename, parameter_set)
    return frame, name


def movement(current: pd.DataFrame, previous: pd.DataFrame | None) -> pd.DataFrame:
    """Quadrant movement per category since the previous review.

    ``current`` and ``previous`` have category, quadrant, profit_impact, supply_risk. Returns
    category, previous_quadrant, quadrant, movement (``unchanged``, ``<from> -> <to>``,
    ``new category``, ``no longer bought``), the change of each index; every category of either
    review. Without a previous review, an empty frame with those columns.
    """
    cols = ["category", "previous_quadrant", "quadrant", "movement"]
    cols += ["profit_impact_change", "supply_risk_change"]
    if previous is None or previous.empty:
        return pd.DataFrame(columns=cols)
    need = {"category", "quadrant", "profit_impact", "supply_risk"}
    if not need <= set(previous.columns):
        raise DataError(
            f"previous review's kraljic_positions.csv lacks {sorted(need - set(previous.columns))}; "
            "it was written by another version: run the review again to start a new baseline"
        )
    prev = previous[list(need)].rename(
        columns={
            "quadrant": "previous_quadrant",
            "profit_impact": "_p0",
            "supply_risk": "_r0",
        }
    )
    prev["category"] = prev["category"].astype(str)
    cur = current[["category", "quadrant", "profit_impact", "supply_risk"]]
    j = cur.merge(prev, on="category", how="outer")
    j["movement"] = np.select(
        [
            j["previous_quadrant"].isna(),
            j["quadrant"].isna(),
            j["quadrant"] == j["previous_quadrant"],
        ],
        ["new category", "no longer bought", "unchanged"],
        default=j["previous_quadrant"].astype(str) + " -> " + j["quadrant"].astype(str),
    )
    j["profit_impact_change"] = j["profit_impact"] - j["_p0"]
    j["supply_risk_change"] = j["supply_risk"] - j["_r0"]
    order = j["movement"].eq("unchanged").astype(int)
    return j.assign(_o=order).sort_values(["_o", "category"])[cols].reset_index(drop=True)


# --------------------------------------------------------------------------- prices


def laspeyres(p0, q0, p1) -> float:
    """Laspeyres price index (ILO CPI Manual 2004, eq. 1.3): sum p1 q0 / sum p0 q0.

    >>> laspeyres([1.0, 2.0], [10, 5], [1.1, 2.4])
    1.15
    """
    p0, q0, p1 = (np.asarray(a, dtype=float) for a in (p0, q0, p1))
    return float(np.round(np.sum(p1 * q0) / np.sum(p0 * q0), 12))


def price_trend(
    po: pd.DataFrame | None, window, price_index: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Price paid against the market per category: window against the 12 months before it.

    ``paid_change``: Laspeyres index - 1 over the items bought in both periods (p = the
    quantity-weighted mean price of the item in the period in the reporting currency,
    q0 = its quantity in the base period; :func:`laspeyres`); ``items_compared``; ``index_change``:
    mean index of the window / mean of the base period - 1 from ``price_index`` (category,
    period, index_value), NaN without one; ``gap`` = paid_change - index_change (positive:
    prices rose faster than the market).
    """
    cols = ["category", "items_compared", "paid_change", "index_change", "gap"]
    if po is None or po.empty or "item_id" not in po.columns:
        return pd.DataFrame(columns=cols)
    start, end = pd.Timestamp(window[0]), pd.Timestamp(window[1])
    base_start = start - pd.DateOffset(months=12)
    p = po.dropna(subset=["item_id"])
    p = p[(p["order_date"] >= base_start) & (p["order_date"] < end + pd.Timedelta(days=1))]
    p = p.assign(
        _period=np.where(p["order_date"] >= start, "p1", "p0"),
        _value=p["unit_price_rc"] * p["ordered_qty"],
    )
    g = p.groupby(["category", "item_id", "_period"])[["_value", "ordered_qty"]].sum()
    g = g.unstack("_period")
    if g.empty or "p0" not in g["_value"] or "p1" not in g["_value"]:
        out = pd.DataFrame(columns=cols)
    else:
        q0 = g[("ordered_qty", "p0")]
        p0 = g[("_value", "p0")] / q0
        p1 = g[("_value", "p1")] / g[("ordered_qty", "p1")]
        both = (q0 > 0) & p1.notna() & (p0 > 0)
        f = pd.DataFrame({"a": (p1 * q0)[both], "b": (p0 * q0)[both]})
        agg = f.groupby(level="category").sum()
        out = pd.DataFrame(
            {
                "items_compared": f.groupby(level="category").size(),
                "paid_change": agg["a"] / agg["b"] - 1,
            }
        ).reset_index()
        out["index_change"] = np.nan
    if price_index is not None and len(price_index) and len(out):
        ix = price_index.assign(category=price_index["category"].astype(str))
        cur = in_window(ix, window, "period").groupby("category")["index_value"].mean()
        base = in_window(ix, (base_start, start - pd.Timedelta(days=1)), "period")
        change = cur / base.groupby("category")["index_value"].mean() - 1
        out["index_change"] = out["category"].map(change)
    if len(out):
        out["gap"] = out["paid_change"] - out["index_change"]
    return out.reindex(columns=cols)


# --------------------------------------------------------------------------- texts


def summary_lines(
    positions: pd.DataFrame,
    moves: pd.DataFrame,
    previous_run: str | None,
    trend: pd.DataFrame,
    money: Callable[[float], str],
    window_text: str,
) -> list[str]:
    """The executive summary of the category review, one sentence per finding."""
    qs = quadrant_summary(positions).set_index("quadrant")
    total = positions["annual_spend"].sum()
    parts = [
        f"{int(qs.loc[q, 'categories'])} {q} ({money(qs.loc[q, 'annual_spend'])})"
        for q in QUADRANTS
        if qs.loc[q, "categories"]
    ]
    out = [
        f"{len(positions)} categories with {money(total)} of annual spend ({window_text}): "
        + "; ".join(parts)
        + "."
    ]
    strat = positions[positions["quadrant"] == "strategic"]
    if len(strat):
        top = strat.iloc[0]
        out.append(
            f"Largest strategic category: {top['category']} ({money(top['annual_spend'])}, "
            f"{int(top['suppliers'])} suppliers, HHI {top['hhi']:,.0f}; supply risk driven by "
            f"{top['risk_driver']}): manage it as a partnership."
        )
    lev = positions[positions["quadrant"] == "leverage"]
    if len(lev):
        out.append(
            f"Leverage categories ({', '.join(lev['category'])}) hold "
            f"{money(lev['annual_spend'].sum())}: the first candidates for competitive tenders "
            "and consolidation."
        )
    bott = positions[positions["quadrant"] == "bottleneck"]
    if len(bott):
        each = "; ".join(
            bott["category"]
            + " "
            + bott["annual_spend"].map(money)
            + ", "
            + bott["suppliers"].astype(int).astype(str)
            + " suppliers"
            # no PO lines: the share is unknown, not 0%
            + (100 * bott["single_sourcing"])
            .round()
            .map(lambda v: "" if pd.isna(v) else f", {v:.0f}% single-sourced")
        )
        out.append(
            f"Bottleneck categories ({each}): little spend but high supply risk; secure "
            "supply and qualify alternatives."
        )
    if previous_run is None:
        out.append("First review: there is no earlier review to compare with.")
    else:
        moved = moves[~moves["movement"].isin(["unchanged"])]
        out.append(
            f"Since the previous review ({previous_run}): "
            + (
                f"{len(moved)} categories moved ({'; '.join(moved['category'] + ': ' + moved['movement'])})."
                if len(moved)
                else "no category changed quadrant."
            )
        )
    # counted from the same rows as the market view: categories positioned, gap > 0
    hot = trend[trend["category"].isin(positions["category"])].dropna(subset=["gap"])
    hot = hot[hot["gap"] > 0].sort_values("gap", ascending=False)
    if len(hot):
        r = hot.iloc[0]
        n = len(hot)
        out.append(
            f"Prices paid rose faster than the market index in {n} "
            f"categor{'ies' if n != 1 else 'y'}; most in "
            f"{r['category']} ({100 * r['paid_change']:+.1f}% paid against "
            f"{100 * r['index_change']:+.1f}% for the index)."
        )
    return out


INDICATOR_LABELS = {
    "spend_share_pct": "Share of spend (%)",
    "spend_share": "Spend share (index 0-1, 1 = largest category)",
    "margin_impact": "Margin impact (index 0-1, higher = more impact)",
    "criticality": "Criticality (index 0-1, higher = more critical)",
    "supplier_scarcity": "Supplier scarcity (index 0-1, higher = riskier)",
    "supplier_concentration": "Supplier concentration (index 0-1, higher = riskier)",
    "switching_cost": "Switching cost (index 0-1, higher = riskier)",
    "country_risk": "Country risk (index 0-1, higher = riskier)",
    "single_sourcing": "Single-sourced share (index 0-1, higher = riskier)",
}
"""Headers of the indicator table: every indicator is a 0-1 index (see
:func:`kraljic_indicators`) whose direction the header states, the raw share of spend a
percentage."""
POSITION_LABELS = {
    "profit_impact": "Profit impact (index 0-1, higher = more impact)",
    "supply_risk": "Supply risk (index 0-1, higher = riskier)",
    "quadrant": "Kraljic quadrant",
    "profit_driver": "Main profit-impact driver",
    "risk_driver": "Main supply-risk driver",
}
"""Headers of the Kraljic position tables (category management and strategic sourcing)."""


def indicator_table(indicators: pd.DataFrame, positions: pd.DataFrame, columns) -> pd.DataFrame:
    """The indicators of ``columns`` per category with, after the category, the raw share of
    annual spend (``spend_share_pct``, 0-1 shown as %: annual_spend / total of ``positions``),
    so the normalised ``spend_share`` index (share / largest share) is not read as a share."""
    spend = positions.set_index("category")["annual_spend"]
    out = indicators[["category", *columns]].copy()
    share = out["category"].map(spend / spend.sum()) if spend.sum() else np.nan
    out.insert(1, "spend_share_pct", share)
    return out


def appendix(
    profit_weights: Mapping[str, float],
    risk_weights: Mapping[str, float],
    cutoffs: Mapping[str, float],
    window_text: str,
    category_basis: str = "",
) -> list[tuple[str, str]]:
    """Definitions and sources of the category review; ``category_basis``
    (:func:`scmlib.procurement.spend.classification_basis`) adds how a line gets its category."""
    pw = ", ".join(f"{k.replace('_', ' ')} {v:.0%}" for k, v in profit_weights.items())
    rw = ", ".join(f"{k.replace('_', ' ')} {v:.0%}" for k, v in risk_weights.items())
    out = [
        (
            "Baseline",
            f"Invoice spend of the company reporting window ({window_text}) in the reporting "
            "currency, annualised (x 12 / months); unclassified spend is no category and is "
            "left out.",
        ),
        (
            "Kraljic matrix",
            "Kraljic, P. (1983), 'Purchasing must become supply management', Harvard Business "
            "Review 61(5): categories placed by profit impact and supply risk into strategic "
            "(high/high), leverage (high impact, low risk), bottleneck (low impact, high risk) "
            "and non-critical (low/low), with a purchasing strategy each.",
        ),
        (
            "Profit impact",
            f"Weighted mean of 0-1 indicators ({pw}): spend share relative to the largest "
            "category; margin impact = category spend / revenue of its items (0 when its items "
            "are not sold); criticality = the category's share of revenue relative to the "
            "largest (or the rating given). Unmeasured indicators drop out and the weights of "
            "the others are renormalised (Gelderman & van Weele 2003).",
        ),
        (
            "Supply risk",
            f"Weighted mean of 0-1 indicators ({rw}): supplier scarcity = 1 / suppliers in the "
            "window; supplier concentration = HHI / 10,000; switching cost = the rating given, else the "
            "share of spend on specified items (parts to requalify); country risk = spend-"
            "weighted World Bank WGI / LPI country risk of the suppliers / 100 (as in the risk "
            "assessment); single sourcing = share of PO spend on items with one supplier.",
        ),
        (
            "Cut-offs",
            f"High profit impact from {cutoffs['profit_impact']:.2f}, high supply risk from "
            f"{cutoffs['supply_risk']:.2f}. Kraljic (1983) gives no cut-off; the default 0.5 is "
            "the midpoint of the 0-1 scale (Gelderman & van Weele 2003 leave the split to the "
            "buying company); set them as parameters.",
        ),
        (
            "HHI",
            "Herfindahl-Hirschman index = sum of squared percentage spend shares of the "
            "category's suppliers (0-10,000). U.S. DoJ/FTC Merger Guidelines (2023): above "
            "1,800 highly concentrated, 1,000-1,800 moderately concentrated, below 1,000 "
            "unconcentrated.",
        ),
        (
            "Movement",
            "Each review writes kraljic_positions.csv; the next run of the same notebook reads "
            "the latest earlier successful run's file from the reports folder (the same "
            "parameter set first) and lists categories whose quadrant changed.",
        ),
        (
            "Price trend",
            "Paid: Laspeyres price index (ILO CPI Manual 2004) of the items bought both in the "
            "window and the 12 months before it, weights = base-period quantities. Market: mean "
            "of the price_index table in the window against the 12 months before. Gap = paid - "
            "market change.",
        ),
        (
            "Incumbent performance",
            "The largest supplier of each category, with its OTIF, PPM and overall score and "
            "grade from the supplier scorecard (company OTIF definition, reporting window).",
        ),
    ]
    if category_basis:  # how a line gets its category (spend.classification_basis)
        out.insert([k for k, _ in out].index("Baseline") + 1, ("Spend category", category_basis))
    return out
