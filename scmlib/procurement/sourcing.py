"""Strategic sourcing: the workbook of one category's sourcing project.

Baseline spend and volume (annualised), the supplier market, the levers that fit the category's
Kraljic quadrant with a savings estimate each, a savings forecast over time and the project plan
with its stage gates (from the ``sourcing_projects`` table when the category has a project,
else a proposed plan with standard durations).

References
----------
- Kraljic, P. (1983). Purchasing must become supply management. *HBR* 61(5): the strategy per
  quadrant, which decides the levers that fit.
- Schuh, C., Kromoser, R., Strohmer, M. F., Romero Pérez, R. & Triplat, A. (2009). *The
  Purchasing Chessboard* (A.T. Kearney), Springer: levers per supply-power / demand-power
  quadrant (tendering, volume bundling, price benchmarking, cost-based pricing, value
  partnership, supplier development, risk management, demand management).
- CIPS (2024). *The CIPS Procurement and Supply Cycle*; A.T. Kearney's seven-step strategic
  sourcing process (profile the category, assess the market, set the strategy, RFx, evaluate,
  negotiate and award, implement): the stage gates.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Mapping, Sequence

import numpy as np
import pandas as pd

from scmlib.core import measures as M
from scmlib.core.currency import to_reporting_currency
from scmlib.data.model import SOURCING_GATES
from scmlib.errors import ParameterError
from scmlib.procurement import spend as S

GATES = SOURCING_GATES  # gate, standard duration in weeks (the data model's vocabulary)

# lever: (quadrants where it fits, default rate, what it does); rates are typical of the
# literature (Schuh et al. 2009) and are parameters of the notebook
LEVERS: dict[str, tuple[tuple[str, ...], float, str]] = {
    "competitive tender": (
        ("leverage", "non-critical"),
        0.06,
        "RFQ to the qualified market on the whole baseline",
    ),
    "volume consolidation": (
        ("leverage",),
        0.04,
        "bundle the category's volume on fewer suppliers",
    ),
    "price harmonisation": (
        ("leverage", "strategic"),
        0.5,
        "share of the gap to the best supplier's price captured (items bought from several)",
    ),
    "cost-based pricing": (
        ("strategic",),
        0.03,
        "should-cost models and index-linked prices with the key suppliers",
    ),
    "value engineering": (
        ("strategic",),
        0.02,
        "joint specification and process improvement with the partner",
    ),
    "demand management": (
        ("non-critical", "bottleneck"),
        0.03,
        "standardise the specification, cut variety and maverick buying",
    ),
    "catalogue buying": (
        ("non-critical",),
        0.05,
        "catalogues, e-procurement and purchasing cards for the tail",
    ),
    "alternative source": (
        ("bottleneck", "strategic"),
        0.0,
        "qualify a second source for the single-sourced items: risk reduction first, savings later",
    ),
}


def category_spend(
    invoices: pd.DataFrame,
    rates: pd.DataFrame | None,
    reporting_currency: str,
    policy: str,
) -> pd.DataFrame:
    """Invoice lines with a category, amounts in the reporting currency (``amount_rc``)."""
    inv = invoices.dropna(subset=["category"]) if "category" in invoices else invoices.iloc[:0]
    amount = to_reporting_currency(inv, rates, reporting_currency, policy=policy)
    return inv.assign(amount_rc=amount, category=inv["category"].astype(str))


def ranked_categories(lines: pd.DataFrame, window) -> pd.Series:
    """Annualised spend per category over the window (x 12 / months), largest first."""
    start, end = pd.Timestamp(window[0]), pd.Timestamp(window[1])
    d = lines["invoice_date"]
    w = lines[(d >= start) & (d < end + pd.Timedelta(days=1))]
    by = w.groupby("category")["amount_rc"].sum() * 12 / S.window_months(start, end)
    by = by[by > 0]
    return by.iloc[np.lexsort((by.index.to_numpy(), -by.to_numpy()))]


def sourcing_candidates(data: Mapping[str, pd.DataFrame]) -> list[str]:
    """Categories ranked by annualised spend over the company reporting window, most first:
    the batch runs ``scm run strategic_sourcing --each category --top N``. ``data`` maps table
    name to frame (``invoices`` and, when declared, ``exchange_rates``)."""
    from scmlib.core.settings import company_settings

    settings = company_settings()
    lines = category_spend(
        data["invoices"],
        data.get("exchange_rates"),
        settings["currency.reporting"],
        settings["currency.rate_policy"],
    )
    window = M.reporting_window(lines["invoice_date"], settings)
    return [str(c) for c in ranked_categories(lines, window).index]


def resolve_category(category: str, ranked: Sequence[str]) -> str:
    """The category to source: ``category`` itself, or the largest when empty. An unknown
    category is a one-line :class:`ParameterError` naming the closest matches."""
    ranked = [str(c) for c in ranked]
    if not ranked:
        raise ParameterError("category: no category has spend in the reporting window")
    if not category:
        return ranked[0]
    if category in ranked:
        return category
    lower = {c.lower(): c for c in ranked}
    if category.lower() in lower:
        return lower[category.lower()]
    close = difflib.get_close_matches(category.lower(), list(lower), n=3, cutoff=0.5)
    hint = (
        f"did you mean {', '.join(repr(lower[c]) for c in close)}?"
        if close
        else f"categories with spend: {', '.join(ranked[:8])}"
    )
    raise ParameterError(f"category: {category!r} has no spend in the reporting window; {hint}")


def baseline(
    lines: pd.DataFrame, po: pd.DataFrame | None, category: str, window
) -> dict[str, float]:
    """The category's annual baseline over the window: ``annual_spend`` (invoices, x 12 /
    months), ``invoice_lines``, ``suppliers`` (harmonised suppliers: the spend analysis's
    ``supplier`` when present), ``annual_volume`` (PO units ordered, items only;
    NaN without PO lines), ``items``, ``months`` and the category's ``spend_share``."""
    start, end = pd.Timestamp(window[0]), pd.Timestamp(window[1])
    months = S.window_months(start, end)
    d = lines["invoice_date"]
    w = lines[(d >= start) & (d < end + pd.Timedelta(days=1))]
    c = w[w["category"].astype(str) == category]
    classified = w[w["category"].astype(str) != "Unclassified"]
    out = {
        "annual_spend": float(c["amount_rc"].sum() * 12 / months),
        "invoice_lines": float(len(c)),
        # the harmonised supplier (duplicate vendor records merged by the spend analysis),
        # as the supplier market and the category review count them
        "suppliers": float(
            c.loc[c["amount_rc"] > 0, "supplier" if "supplier" in c.columns else "supplier_id"]
            .astype(str)
            .nunique()
        ),
        "months": float(months),
        # share of all classified spend, as in the category review
        # (:func:`category.category_market`), so both reports show one share
        "spend_share": float(c["amount_rc"].sum() / classified["amount_rc"].sum()),
        "annual_volume": np.nan,
        "items": np.nan,
    }
    if po is not None and len(po):
        p = po[(po["category"].astype(str) == category) & po["item_id"].notna()]
        p = p[(p["order_date"] >= start) & (p["order_date"] < end + pd.Timedelta(days=1))]
        if len(p):
            out["annual_volume"] = float(p["ordered_qty"].sum() * 12 / months)
            out["items"] = float(p["item_id"].nunique())
    return out


def monthly_spend(lines: pd.DataFrame, category: str, window) -> pd.DataFrame:
    """Monthly invoice spend of the category over the window: period, spend."""
    start, end = pd.Timestamp(window[0]), pd.Timestamp(window[1])
    c = lines[(lines["category"].astype(str) == category)]
    c = c[(c["invoice_date"] >= start) & (c["invoice_date"] < end + pd.Timedelta(days=1))]
    months = pd.date_range(start, end, freq="MS")
    m = c.groupby(c["invoice_date"].dt.to_period("M").dt.start_time)["amount_rc"].sum()
    return pd.DataFrame({"period": months, "spend": m.reindex(months, fill_value=0.0).to_numpy()})


def supplier_table(lines: pd.DataFrame, category: str, window) -> pd.DataFrame:
    """The category's suppliers over the window: supplier, annual_spend, share, lines; largest
    first."""
    start, end = pd.Timestamp(window[0]), pd.Timestamp(window[1])
    c = lines[(lines["category"].astype(str) == category)]
    c = c[(c["invoice_date"] >= start) & (c["invoice_date"] < end + pd.Timedelta(days=1))]
    g = c.groupby(c["supplier"].astype(str))["amount_rc"]
    out = pd.DataFrame({"annual_spend": g.sum() * 12 / S.window_months(start, end)})
    out["lines"] = g.size()
    out["share"] = out["annual_spend"] / out["annual_spend"].sum()
    out = out.rename_axis("supplier").reset_index()
    return out.sort_values("annual_spend", ascending=False).reset_index(drop=True)


def strategy_options(
    quadrant: str,
    annual_spend: float,
    harmonisation_gap: float | None = None,
    rates: Mapping[str, float] | None = None,
    spread: float = 0.5,
) -> pd.DataFrame:
    """The levers that fit the quadrant (:data:`LEVERS`; Kraljic 1983, Schuh et al. 2009) with
    a saving each: baseline x rate, except price harmonisation = the annual price gap to the
    best supplier x its capture rate (:func:`spend.price_variance`), with low / high = point x
    (1 -/+ ``spread``). Levers act on the same spend one after the other: each takes its rate
    of the spend left by the levers above it (largest rate first), so the total never exceeds
    the baseline. Returns lever, fits, rate, rate_of (what the rate is a share of),
    addressable_spend, low, estimated_saving, high,
    what."""
    if quadrant not in ("strategic", "leverage", "bottleneck", "non-critical"):
        raise ParameterError(f"quadrant must be a Kraljic quadrant, got {quadrant!r}")
    rates = dict(rates or {})
    bad = sorted(set(rates) - set(LEVERS))
    if bad:
        raise ParameterError(f"savings_rates: unknown lever(s) {bad}; use {list(LEVERS)}")
    rows = []
    for lever, (fits, rate, what) in LEVERS.items():  # eight levers
        if quadrant not in fits:
            continue
        r = float(rates.get(lever, rate))
        rows.append({"lever": lever, "rate": r, "what": what})
    out = pd.DataFrame(rows, columns=["lever", "rate", "what"])
    harm = out["lever"] == "price harmonisation"
    spend_levers = out[~harm].sort_values("rate", ascending=False)
    left = annual_spend
    point, addressable = {}, {}
    for i, r in spend_levers.iterrows():  # a handful of levers
        addressable[i] = left
        point[i] = left * r["rate"]
        left -= point[i]
    for i in out.index[harm]:
        addressable[i] = np.nan
        point[i] = (harmonisation_gap or 0.0) * out.loc[i, "rate"]
    out["addressable_spend"] = pd.Series(addressable)
    out["estimated_saving"] = pd.Series(point)
    out["low"] = out["estimated_saving"] * (1 - spread)
    out["high"] = out["estimated_saving"] * (1 + spread)
    out["fits"] = quadrant
    # what the rate is a share of: a harmonisation rate of 50% is half the price gap, not a 50%
    # saving on spend
    out["rate_of"] = np.where(
        harm, "share of the price gap captured", "saving on the addressable spend"
    )
    cols = ["lever", "fits", "rate", "rate_of", "addressable_spend", "low", "estimated_saving"]
    cols += ["high"]
    return out.sort_values("estimated_saving", ascending=False)[cols + ["what"]].reset_index(
        drop=True
    )


def savings_forecast(
    annual_saving: float,
    start: pd.Timestamp,
    ramp_months: int = 6,
    horizon_months: int = 24,
) -> pd.DataFrame:
    """Monthly savings from the month savings start (contracts in force, ``start``): the
    annual run rate / 12 x the share ramped up, linear over ``ramp_months`` (transition of
    volume to the new contracts), for ``horizon_months``. Returns period, ramp, saving,
    cumulative_saving.

    >>> f = savings_forecast(1200.0, pd.Timestamp("2027-01-01"), ramp_months=2, horizon_months=3)
    >>> list(f["saving"]), float(f["cumulative_saving"].iloc[-1])
    ([50.0, 100.0, 100.0], 250.0)
    """
    if ramp_months < 1 or horizon_months < 1:
        raise ParameterError(
            f"ramp_months and horizon_months must be at least 1, got {ramp_months}, "
            f"{horizon_months}"
        )
    periods = pd.date_range(
        pd.Timestamp(start).to_period("M").start_time, periods=horizon_months, freq="MS"
    )
    ramp = np.minimum(np.arange(1, horizon_months + 1) / ramp_months, 1.0)
    saving = annual_saving / 12 * ramp
    return pd.DataFrame(
        {"period": periods, "ramp": ramp, "saving": saving, "cumulative_saving": saving.cumsum()}
    )


def project_plan(
    projects: pd.DataFrame | None, category: str, as_of: pd.Timestamp
) -> tuple[pd.DataFrame, str]:
    """The project's stage gates: gate, gate_order, planned_date, actual_date, status, owner.

    From ``sourcing_projects`` when it has rows for the category (the latest project by its
    first planned gate): status ``done`` (actual date given), ``late`` (planned date passed,
    not done), ``due`` (the next open gate), ``planned`` (later gates). Otherwise a proposed
    plan starting the month after ``as_of`` with the standard durations of :data:`GATES`
    (A.T. Kearney's seven steps), every gate ``proposed``. Returns (plan, source text)."""
    as_of = pd.Timestamp(as_of)
    cols = ["project_id", "gate_order", "gate", "planned_date", "actual_date", "status", "owner"]
    rows = None
    if projects is not None and len(projects):
        p = projects[projects["category"].astype(str) == category]
        if len(p):
            first = p.groupby("project_id")["planned_date"].min().sort_values()
            pid = first.index[-1]
            rows = p[p["project_id"] == pid].sort_values("gate_order").copy()
    if rows is None:
        start = (as_of + pd.offsets.MonthBegin(1)).normalize()
        ends = start + pd.to_timedelta(np.cumsum([w for _, w in GATES]) * 7, unit="D")
        plan = pd.DataFrame(
            {
                "project_id": "(proposed)",
                "gate_order": np.arange(1, len(GATES) + 1),
                "gate": [g for g, _ in GATES],
                "planned_date": ends,
                "actual_date": pd.NaT,
                "status": "proposed",
                "owner": None,
            }
        )
        return plan[cols], "proposed plan (no project in sourcing_projects for this category)"
    done = rows["actual_date"].notna().to_numpy()
    late = ~done & (rows["planned_date"] < as_of).to_numpy()
    open_idx = np.flatnonzero(~done)
    due = np.zeros(len(rows), bool)
    if len(open_idx):
        due[open_idx[0]] = True
    rows["status"] = np.select([done, late, due], ["done", "late", "due"], default="planned")
    if "owner" not in rows:
        rows["owner"] = None
    return rows[cols].reset_index(drop=True), f"project {rows['project_id'].iloc[0]}"


def savings_start(plan: pd.DataFrame) -> pd.Timestamp:
    """When savings start: once the new contracts are implemented, i.e. the implementation
    gate's date (actual, else planned), else the award gate's, else the last gate's; returned
    as the first day of the first whole month from that date (implemented on 3 Jan 2027:
    savings from 1 Feb 2027)."""
    gate = plan["gate"].astype(str)
    impl = plan[gate.str.contains("implement", case=False)]
    award = plan[gate.str.contains("award", case=False)]
    row = impl.iloc[-1] if len(impl) else award.iloc[-1] if len(award) else plan.iloc[-1]
    d = row["actual_date"] if pd.notna(row["actual_date"]) else row["planned_date"]
    return ((pd.Timestamp(d) - pd.Timedelta(days=1)).to_period("M") + 1).start_time


def summary_lines(
    category: str,
    base: Mapping[str, float],
    position: Mapping,
    options: pd.DataFrame,
    plan: pd.DataFrame,
    plan_source: str,
    start: pd.Timestamp,
    money: Callable[[float], str],
    window_text: str,
) -> list[str]:
    """The executive summary of one category's sourcing workbook."""
    vol = (
        f", {base['annual_volume']:,.0f} units of {base['items']:,.0f} items"
        if pd.notna(base["annual_volume"])
        else ""
    )
    out = [
        f"{category}: {money(base['annual_spend'])} a year ({window_text}, "
        f"{base['spend_share']:.1%} of spend) with {base['suppliers']:.0f} suppliers{vol}.",
        f"Kraljic position: {position['quadrant']} (profit impact {position['profit_impact']:.2f}, "
        f"supply risk {position['supply_risk']:.2f}; HHI {position['hhi']:,.0f}, "
        f"{position['concentration']}); strategy: {position['strategy']}.",
    ]
    if len(options) and options["estimated_saving"].sum() > 0:
        top = options.iloc[0]
        out.append(
            f"Savings of {money(options['low'].sum())} to {money(options['high'].sum())} a year "
            f"(point estimate {money(options['estimated_saving'].sum())}, "
            f"{options['estimated_saving'].sum() / base['annual_spend']:.1%} of the baseline) "
            f"from {len(options)} levers; largest: {top['lever']} "
            f"({money(top['estimated_saving'])})."
        )
    else:
        out.append(
            "The levers that fit this quadrant aim at supply security rather than price: "
            "no saving is forecast."
        )
    late = plan[plan["status"] == "late"]
    nxt = plan[plan["status"].isin(["due", "late", "proposed"])]
    gate = nxt.iloc[0] if len(nxt) else None
    out.append(
        f"Plan: {plan_source}; "
        + (
            f"next gate {gate['gate']} on {pd.Timestamp(gate['planned_date']):%d %b %Y}"
            if gate is not None
            else "every gate is done"
        )
        + (f"; {len(late)} gate(s) late" if len(late) else "")
        + f"; savings start {start:%b %Y}."
    )
    return out


def appendix(
    rates: Mapping[str, float], ramp_months: int, window_text: str, category_basis: str = ""
) -> list[tuple]:
    """Definitions and sources of the sourcing workbook; ``category_basis``
    (:func:`scmlib.procurement.spend.classification_basis`) adds how a line gets its category."""
    shown = ", ".join(f"{k} {v:.0%}" for k, v in rates.items())
    out = [
        (
            "Baseline",
            f"Invoice spend of the category in the company reporting window ({window_text}) in "
            "the reporting currency, annualised (x 12 / months); volume = PO units ordered in "
            "the window, annualised.",
        ),
        (
            "Kraljic position",
            "From the category management review: profit impact and supply risk as weighted "
            "indices of 0-1 indicators (1 = highest impact or risk), quadrant by the cut-offs "
            "(Kraljic 1983). Supply-risk indicators: supplier scarcity = 1 / number of "
            "suppliers; supplier concentration = HHI / 10,000; switching cost = the rating "
            "given, else the share of spend on specified items; country risk = spend-weighted "
            "World Bank WGI governance and LPI logistics risk of the suppliers / 100; single "
            "sourcing = share of PO spend on items with one supplier. Profit-impact indicators: "
            "spend share relative to the largest category, margin impact, criticality.",
        ),
        (
            "Levers",
            "Levers that fit the quadrant (Kraljic 1983; Schuh et al. 2009, The Purchasing "
            f"Chessboard), rates: {shown}. Levers act one after the other on the spend left by "
            "the previous ones (largest rate first); price harmonisation = the window's PO price "
            "gap to the best supplier of each item x its capture rate. Low / high = point x 0.5 "
            "/ x 1.5.",
        ),
        (
            "Savings forecast",
            "Savings start in the first whole month after implementation (the implementation "
            "gate, else the award gate); the annual run rate is reached linearly over "
            f"{ramp_months} months (volume moves to the new contracts).",
        ),
        (
            "Stage gates",
            "A.T. Kearney's seven-step strategic sourcing process and the CIPS Procurement and "
            "Supply Cycle: category profile, market assessment, sourcing strategy, RFx, "
            "evaluation, negotiation and award, implementation. Proposed durations (weeks): "
            + ", ".join(f"{g} {w}" for g, w in GATES)
            + ".",
        ),
        (
            "HHI",
            "Sum of squared percentage spend shares (0-10,000); U.S. DoJ/FTC Merger Guidelines "
            "(2023): above 1,800 highly concentrated, below 1,000 unconcentrated.",
        ),
    ]
    if category_basis:  # how a line gets its category (spend.classification_basis)
        out.insert([k for k, _ in out].index("Baseline") + 1, ("Spend category", category_basis))
    return out


def harmonisation_gap(po: pd.DataFrame | None, category: str, window) -> float | None:
    """The window's price gap to the best supplier of each item of the category (quantity x
    (price - the lowest supplier's mean price), :func:`spend.price_variance`), annualised;
    None without item-level PO lines in the reporting currency (``unit_price_rc``)."""
    if po is None or po.empty:
        return None
    start, end = pd.Timestamp(window[0]), pd.Timestamp(window[1])
    p = po[(po["category"].astype(str) == category) & po["item_id"].notna()]
    p = p[(p["order_date"] >= start) & (p["order_date"] < end + pd.Timedelta(days=1))]
    if p.empty:
        return None
    pv = S.price_variance(p.assign(supplier=p["supplier_id"]))
    return float(pv["saving"].sum() * 12 / S.window_months(start, end))


def baseline_table(base: Mapping[str, float], money: Callable[[float], str]) -> pd.DataFrame:
    """The baseline as measure / value rows for the report."""
    rows = [
        ("Annual spend", money(base["annual_spend"])),
        ("Share of classified spend", f"{base['spend_share']:.1%}"),
        ("Suppliers", f"{base['suppliers']:.0f}"),
        ("Invoice lines", f"{base['invoice_lines']:,.0f}"),
    ]
    if pd.notna(base["annual_volume"]):
        rows += [
            ("Annual volume (units)", f"{base['annual_volume']:,.0f}"),
            ("Items", f"{base['items']:,.0f}"),
        ]
    rows.append(("Months in the window", f"{base['months']:.0f}"))
    return pd.DataFrame(rows, columns=["measure", "value"])
