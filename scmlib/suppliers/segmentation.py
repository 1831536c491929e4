"""Supplier segmentation by the customer segments the suppliers' items serve.

A supplier serves a customer segment (the customer master's ``service_tier``: platinum, gold,
standard) through the items it supplies: each PO line of an item counts for a segment in
proportion to the item's revenue from that segment over the window. Per supplier and segment
this gives delivery (OTIF by the company definition), quality (PPM), lead time (mean and
coefficient of variation) and volume flexibility (the in-full rate on lines ordered well above
the item's usual quantity: Slack 1983, "range and response" flexibility), tiers from those
dimensions, segment SLAs (targets per segment in the company settings, ``supplier_sla``) with
service credits and bonuses, and the single-source dependencies in critical segments with the
revenue they carry (Kraljic 1983; Christopher 2016, ch. 6 on segment-driven supply).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from scmlib.core.delivery import otif
from scmlib.errors import ParameterError

TIER_NAMES = ("1 preferred", "2 approved", "3 develop", "not tiered")
# the tier codes in words, for reports (``tier_name`` of :func:`supplier_tiers`)
TIER_WORDS = {
    "1 preferred": "Preferred (tier 1)",
    "2 approved": "Approved (tier 2)",
    "3 develop": "To develop (tier 3)",
    "not tiered": "Not tiered (too few measures)",
}


def _window(frame: pd.DataFrame, col: str, start, end) -> pd.DataFrame:
    return frame[(frame[col] >= start) & (frame[col] <= end)]


def item_segment_revenue(
    sales: pd.DataFrame | None, customers: pd.DataFrame | None, start, end
) -> pd.DataFrame:
    """Revenue per item and customer segment (``service_tier``) over [start, end] by order date:
    ``item_id, segment, revenue, share`` (share of the item's revenue). Empty without sales or
    customers."""
    cols = ["item_id", "segment", "revenue", "share"]
    if sales is None or customers is None or sales.empty or "service_tier" not in customers:
        return pd.DataFrame(columns=cols)
    s = _window(sales, "order_date", start, end)
    tier = customers.drop_duplicates("customer_id").set_index("customer_id")["service_tier"]
    rev = (
        (s["ordered_qty"] * s["unit_price"])
        .groupby([s["item_id"], s["customer_id"].map(tier).rename("segment")])
        .sum()
    )
    out = rev.rename("revenue").reset_index()
    total = out.groupby("item_id")["revenue"].transform("sum")
    out["share"] = out["revenue"] / total.where(total > 0)
    return out.dropna(subset=["share"])[cols].reset_index(drop=True)


def supplier_segment_performance(
    po: pd.DataFrame,
    quality: pd.DataFrame | None,
    shares: pd.DataFrame,
    start,
    end,
    otif_kw: Mapping | None = None,
    surge: float = 1.5,
) -> pd.DataFrame:
    """Per supplier and segment over [start, end] (PO lines by due date): ``lines`` (PO lines
    weighted by the item's revenue share of the segment), ``spend``, ``otif``, ``lead_time_days``
    and ``lead_time_cv`` (std / mean), ``flexibility`` (in-full rate on lines ordered above
    ``surge`` x the item's median quantity), ``ppm`` and ``revenue`` (the segment's revenue of the
    supplier's items, in proportion to the supplier's share of each item's purchased units)."""
    if surge <= 1:
        raise ParameterError(f"surge must be > 1 (a multiple of the usual order), got {surge!r}")
    cols = ["supplier_id", "segment", "lines", "spend", "otif", "lead_time_days",
            "lead_time_cv", "flexibility", "ppm", "revenue"]  # fmt: skip
    if shares.empty:
        return pd.DataFrame(columns=cols)
    otif_kw = dict(otif_kw or {})
    due = otif_kw.get("due", "promised_date")
    w = _window(po.dropna(subset=["item_id"]), due if due in po else "promised_date", start, end)
    flags, _ = otif(w, **otif_kw)
    if "item_id" not in flags:
        return pd.DataFrame(columns=cols)
    med = w.groupby("item_id")["ordered_qty"].transform("median")
    w = w.assign(_surge=w["ordered_qty"] > surge * med)
    j = flags.merge(shares[["item_id", "segment", "share"]], on="item_id")
    j["value"] = j["ordered_qty"] * j["unit_price"] * j["share"]
    j["_otif"] = j["otif"] * j["share"]
    g = j.groupby(["supplier_id", "segment"])
    m = j.dropna(subset=["otif"]).groupby(["supplier_id", "segment"])["share"].sum()
    out = pd.DataFrame({"lines": g["share"].sum(), "spend": g["value"].sum()})
    out["otif"] = g["_otif"].sum() / m.reindex(out.index).where(lambda s: s > 0)
    lt = w.dropna(subset=["receipt_date", "order_date"]) if "order_date" in w else w.iloc[:0]
    lt = lt.assign(
        days=(lt["receipt_date"] - lt["order_date"]).dt.days,
        in_full=(lt["received_qty"] >= lt["ordered_qty"]).astype(float),
    ).merge(shares[["item_id", "segment", "share"]], on="item_id")
    lt["_d"], lt["_d2"] = lt["days"] * lt["share"], lt["days"] ** 2 * lt["share"]
    lg = lt.groupby(["supplier_id", "segment"])
    mean = lg["_d"].sum() / lg["share"].sum()
    var = (lg["_d2"].sum() / lg["share"].sum() - mean**2).clip(lower=0)
    out["lead_time_days"] = mean
    out["lead_time_cv"] = np.sqrt(var) / mean.where(mean > 0)
    sg = lt[lt["_surge"]].assign(_f=lambda d: d["in_full"] * d["share"])
    sgg = sg.groupby(["supplier_id", "segment"])
    out["flexibility"] = sgg["_f"].sum() / sgg["share"].sum()
    if quality is not None and len(quality) and "item_id" in quality:
        q = _window(quality, "receipt_date", start, end).merge(
            shares[["item_id", "segment", "share"]], on="item_id"
        )
        q["_r"], q["_n"] = q["rejected_qty"] * q["share"], q["received_qty"] * q["share"]
        qg = q.groupby(["supplier_id", "segment"])
        out["ppm"] = 1e6 * qg["_r"].sum() / qg["_n"].sum().where(lambda s: s > 0)
    else:
        out["ppm"] = np.nan
    units = w.groupby(["item_id", "supplier_id"])["ordered_qty"].sum()
    part = (units / units.groupby(level=0).transform("sum")).rename("part").reset_index()
    rv = part.merge(shares, on="item_id")
    out["revenue"] = (rv["part"] * rv["revenue"]).groupby([rv["supplier_id"], rv["segment"]]).sum()
    return out.reset_index().reindex(columns=cols)


def supplier_tiers(
    perf: pd.DataFrame,
    sla_otif: Mapping[str, float],
    ppm_target: float | None,
    lead_time_cv_max: float = 0.3,
    flexibility_min: float = 0.9,
    min_lines: float = 5.0,
) -> pd.DataFrame:
    """Tier of each supplier in each segment from four dimensions: delivery (OTIF >= the segment
    SLA), quality (PPM <= the company target), lead-time reliability (CV <= ``lead_time_cv_max``)
    and flexibility (in-full on surge orders >= ``flexibility_min``). Dimensions not measured are
    left out. ``1 preferred``: every measured dimension met (at least three measured); ``2
    approved``: at most one missed; ``3 develop``: two or more missed; ``not tiered``: fewer than
    ``min_lines`` weighted lines or fewer than two dimensions measured. Adds ``meets_*`` columns,
    ``sla``, ``measured``, ``missed``, ``tier`` and ``tier_name`` (the tier in words)."""
    out = perf.copy()
    out["sla"] = out["segment"].map(dict(sla_otif))
    checks = {
        "meets_sla": (out["otif"], out["otif"] >= out["sla"]),
        "meets_ppm": (out["ppm"], out["ppm"] <= (ppm_target if ppm_target is not None else np.inf)),
        "meets_lead_time": (out["lead_time_cv"], out["lead_time_cv"] <= lead_time_cv_max),
        "meets_flexibility": (out["flexibility"], out["flexibility"] >= flexibility_min),
    }
    measured = pd.Series(0, index=out.index)
    missed = pd.Series(0, index=out.index)
    for col, (value, ok) in checks.items():
        known = value.notna() & (out["sla"].notna() if col == "meets_sla" else True)
        out[col] = ok.astype("boolean").where(known, pd.NA)
        measured += known.astype(int)
        missed += (known & ~ok.fillna(False)).astype(int)
    out["measured"], out["missed"] = measured, missed
    tier = np.select(
        [(out["lines"] < min_lines) | (measured < 2), missed == 0, missed <= 1],
        ["not tiered", "1 preferred", "2 approved"],
        "3 develop",
    )
    out["tier"] = np.where((tier == "1 preferred") & (measured < 3), "2 approved", tier)
    out["tier_name"] = out["tier"].map(TIER_WORDS)
    return out


def sla_settlement(perf: pd.DataFrame, sla: Mapping) -> pd.DataFrame:
    """Service credits (penalties) and bonuses (rewards) per supplier and segment from the
    company's ``supplier_sla`` settings: ``points`` = OTIF - segment SLA (a share; 100 x it is
    OTIF points); a shortfall
    costs the supplier ``penalty_rate`` x points short x the segment's spend, at most
    ``penalty_cap`` x spend; an excess earns ``reward_rate`` x points above x spend, at most
    ``reward_cap`` x spend (the capped service-credit regime of outsourcing contracts, e.g. the
    UK Government Model Services Contract, Schedule 2.2, "Service Levels and Service Credits").
    ``net`` = reward - penalty (negative: the supplier owes a credit)."""
    out = perf[["supplier_id", "segment", "spend", "otif"]].copy()
    out["sla"] = out["segment"].map(dict(sla["otif"]))
    out["points"] = out["otif"] - out["sla"]  # a share: 0.01 = one OTIF point
    pts = 100 * out["points"]
    spend = out["spend"].fillna(0)
    out["penalty"] = np.minimum(sla["penalty_rate"] * (-pts).clip(lower=0), sla["penalty_cap"])
    out["reward"] = np.minimum(sla["reward_rate"] * pts.clip(lower=0), sla["reward_cap"])
    out["penalty"] = (out["penalty"] * spend).where(pts.notna())
    out["reward"] = (out["reward"] * spend).where(pts.notna())
    out["net"] = out["reward"] - out["penalty"]
    return out


def single_source_dependencies(
    po: pd.DataFrame, shares: pd.DataFrame, critical: list[str] | set[str], start, end
) -> pd.DataFrame:
    """Items bought from one supplier only over [start, end] (PO lines by due date) that earn
    revenue in a ``critical`` segment, with that revenue: ``item_id, supplier_id, segment,
    revenue``, largest first."""
    w = _window(po.dropna(subset=["item_id"]), "promised_date", start, end)
    n = w.groupby("item_id")["supplier_id"].nunique()
    one = w[w["item_id"].isin(n[n == 1].index)].drop_duplicates("item_id")[
        ["item_id", "supplier_id"]
    ]
    crit = shares[shares["segment"].isin(list(critical))]
    out = one.merge(crit[["item_id", "segment", "revenue"]], on="item_id")
    return out.sort_values("revenue", ascending=False).reset_index(drop=True)


def critical_suppliers(dependencies: pd.DataFrame) -> pd.DataFrame:
    """Per supplier: single-source items in critical segments and the revenue they carry,
    ``supplier_id, single_source_items, single_source_revenue``, largest first."""
    g = dependencies.groupby("supplier_id")
    out = pd.DataFrame(
        {"single_source_items": g["item_id"].nunique(), "single_source_revenue": g["revenue"].sum()}
    )
    return out.sort_values("single_source_revenue", ascending=False).reset_index()


def company_segments(data, settings) -> dict[str, pd.DataFrame]:
    """Every supplier's segment view as the supplier scorecard and the QBR show it, from the
    company settings (OTIF definition, reporting window, PPM target, ``supplier_sla``) and all
    PO lines: ``tiers`` (:func:`supplier_tiers` of :func:`supplier_segment_performance`),
    ``settlement`` (:func:`sla_settlement`) and ``dependencies``
    (:func:`single_source_dependencies` in the critical segments). ``data`` maps table names to
    frames; without sales, customers or items on the PO lines every frame is empty."""
    from scmlib.core import measures
    from scmlib.core.delivery import otif_options
    from scmlib.suppliers.scorecard import purchase_lines

    po, quality = purchase_lines(data, settings), data.get("quality_receipts")
    figure = measures.supplier_otif(po, settings)
    start, end = figure.window_start, figure.window_end
    sla = settings.section("supplier_sla")
    otif_kw = otif_options(settings.section("supplier_otif"))
    shares = item_segment_revenue(data.get("sales_order_lines"), data.get("customers"), start, end)
    if "item_id" not in po.columns:  # PO lines without items: nothing links them to customers
        shares = shares.iloc[:0]
        po = po.assign(item_id=pd.Series(None, index=po.index, dtype=object))
    perf = supplier_segment_performance(po, quality, shares, start, end, otif_kw, sla["surge"])
    tiers = supplier_tiers(
        perf,
        sla["otif"],
        settings.target("supplier_ppm"),
        sla["lead_time_cv_max"],
        sla["flexibility_min"],
    )
    deps = single_source_dependencies(po, shares, sla["critical_segments"], start, end)
    return {"tiers": tiers, "settlement": sla_settlement(perf, sla), "dependencies": deps}


def segment_overview(
    tiers: pd.DataFrame, settlement: pd.DataFrame, dependencies: pd.DataFrame
) -> pd.DataFrame:
    """Per customer segment: suppliers serving it, how many in each tier, the share of the
    segment's spend with preferred (tier 1) suppliers, suppliers below the segment SLA, the net
    SLA settlement (bonuses - service credits; negative: credits owed to us) and the single-source
    items and revenue in it (critical segments only). One row per segment, tidy."""
    cols = ["segment", "suppliers", *TIER_NAMES, "preferred_spend_share", "sla",
            "below_sla", "net_settlement", "single_source_items", "single_source_revenue"]  # fmt: skip
    if tiers.empty:
        return pd.DataFrame(columns=cols)
    g = tiers.groupby("segment")
    out = pd.DataFrame({"suppliers": g["supplier_id"].nunique()})
    counts = tiers.groupby(["segment", "tier"]).size().unstack(fill_value=0)
    out = out.join(counts.reindex(columns=list(TIER_NAMES), fill_value=0))
    pref = tiers["spend"].where(tiers["tier"] == "1 preferred", 0.0)
    out["preferred_spend_share"] = pref.groupby(tiers["segment"]).sum() / g["spend"].sum().where(
        lambda s: s > 0
    )
    out["sla"] = g["sla"].first()
    out["below_sla"] = (tiers["meets_sla"] == False).groupby(tiers["segment"]).sum()  # noqa: E712
    out["net_settlement"] = settlement.groupby("segment")["net"].sum(min_count=1)
    dg = dependencies.groupby("segment")
    out["single_source_items"] = dg["item_id"].nunique()
    out["single_source_revenue"] = dg["revenue"].sum()
    out[list(TIER_NAMES)] = out[list(TIER_NAMES)].astype(int)
    out = out.reset_index().reindex(columns=cols)
    order = {s: i for i, s in enumerate(["platinum", "gold", "standard"])}
    return out.sort_values("segment", key=lambda s: s.map(order).fillna(99)).reset_index(drop=True)


def tier_matrix(tiers: pd.DataFrame, top: pd.Series | None = None) -> pd.DataFrame:
    """Suppliers (rows) by customer segment (columns), each cell the supplier's tier there in
    words, blank where it does not serve the segment; the suppliers in ``top`` order when given
    (e.g. the largest by spend), else by their total segment spend. A display table: the tidy
    data is ``tiers``."""
    if tiers.empty:
        return pd.DataFrame(columns=["supplier_id"])
    wide = tiers.pivot_table(
        index="supplier_id", columns="segment", values="tier_name", aggfunc="first"
    )
    segs = [s for s in ["platinum", "gold", "standard"] if s in wide] + [
        s for s in wide if s not in ("platinum", "gold", "standard")
    ]
    order = (
        top
        if top is not None
        else tiers.groupby("supplier_id")["spend"]
        .sum()
        .sort_values(ascending=False)
        .index.to_series()
    )
    wide = wide.reindex(index=[s for s in order if s in wide.index], columns=segs)
    wide.columns.name = None
    return wide.fillna("").reset_index()


def summary_points(
    overview: pd.DataFrame,
    dependencies: pd.DataFrame,
    money=lambda v: f"{v:,.0f}",
    names: Mapping[str, str] | None = None,
) -> list[str]:
    """Executive-summary sentences on the segment view, computed from :func:`segment_overview`
    and the dependencies: per segment the preferred suppliers and the SLA shortfalls with the
    net settlement, and the single-source exposure of the critical segments; ``names`` maps
    supplier ids to the names to print."""
    from scmlib.core.text import plural

    pts = []
    if len(overview):
        rows = overview.to_dict("records")
        pref = ", ".join(f"{r['segment']} {r['1 preferred']} of {r['suppliers']:,}" for r in rows)
        below = ", ".join(
            f"{r['segment']} {r['below_sla']} of {r['suppliers']:,} (SLA {r['sla']:.0%})"
            for r in rows
        )
        net = overview["net_settlement"].sum(min_count=1)
        rates = " at the credit and bonus rates of the company settings (supplier_sla)"
        owed = (
            f"; net service credits owed to us {money(-net)}{rates}"
            if pd.notna(net) and net < 0
            else (f"; net bonuses earned {money(net)}{rates}" if pd.notna(net) and net > 0 else "")
        )
        pts.append(
            f"Suppliers preferred (tier 1) per customer segment: {pref}; below the segment's "
            f"OTIF SLA: {below}{owed}."
        )
    if len(dependencies):
        crit = critical_suppliers(dependencies)
        top = crit["supplier_id"].iloc[0]
        names = dict(names) if names is not None else {}
        who = f"{names[top]} ({top})" if top in names else top
        segs = ", ".join(sorted(dependencies["segment"].unique()))
        pts.append(
            f"{plural(dependencies['item_id'].nunique(), 'item')} sold to {segs} customers come "
            f"from a single supplier, carrying {money(dependencies['revenue'].sum())} of revenue; "
            f"the largest dependency is {who}: "
            f"{plural(int(crit['single_source_items'].iloc[0]), 'item')}, "
            f"{money(crit['single_source_revenue'].iloc[0])}."
        )
    return pts


def appendix(sla: Mapping, ppm_target: float | None) -> dict[str, str]:
    """Method notes of the segment view, shared by the supplier scorecard and the QBR."""
    sla_txt = ", ".join(f"{k} {v:.0%}" for k, v in dict(sla["otif"]).items())
    ppm = f"{ppm_target:,.0f}" if ppm_target is not None else "the company target (none set)"
    return {
        "Customer segments": "A PO line of an item counts for each customer segment (service "
        "tier) in proportion to the item's revenue from that segment in the window; a supplier's "
        "revenue served is the segment revenue of its items in proportion to its share of each "
        "item's purchased units.",
        "Segment SLA": f"OTIF agreed per segment ({sla_txt}); service credit = "
        f"{sla['penalty_rate']:.1%} of the segment's spend per OTIF point short, at most "
        f"{sla['penalty_cap']:.0%}; bonus = {sla['reward_rate']:.1%} per point above, at most "
        f"{sla['reward_cap']:.0%} (capped service credits as in the UK Government Model Services "
        "Contract, Schedule 2.2).",
        "Tiers": f"Per segment: delivery (OTIF >= the segment SLA), quality (PPM <= {ppm}), "
        f"lead-time reliability (coefficient of variation <= {sla['lead_time_cv_max']:g}) and "
        f"volume flexibility (in full on orders above {sla['surge']:g} x the item's median, >= "
        f"{sla['flexibility_min']:.0%}; Slack 1983). Preferred (tier 1): every measured dimension "
        "met, at least three measured; approved (tier 2): at most one missed; to develop (tier "
        "3): two or more missed; not tiered: fewer than 5 revenue-weighted PO lines or fewer than "
        "two dimensions measured (settings supplier_sla).",
        "Single source": "Items bought from one supplier only in the window that earn revenue in "
        f"a critical segment ({', '.join(sla['critical_segments'])}), with that revenue "
        "(Kraljic 1983).",
    }
