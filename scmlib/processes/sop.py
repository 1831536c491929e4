"""Sales and operations planning (S&OP): the monthly cycle across demand, supply, inventory and
finance, so it sits in the cross-area layer.

The cycle (Wallace & Stahl, *Sales & Operations Planning: The How-To Handbook*, 3rd ed., 2008;
APICS Dictionary, 16th ed., "sales and operations planning"):

1. Demand review: the statistical forecast by product family and month (the forecasting engine,
   :func:`scmlib.planning.forecasting.forecast`, or a ``demand_forecasting`` run's forecast.csv),
   the consensus plan after the assumptions agreed (each logged with its owner), and the change
   against the previous cycle's plan (``forecast_snapshots``: the last cycle's final forecast).
2. Supply review: rough-cut load against capacity by resource and month
   (:func:`scmlib.planning.capacity.rough_cut`), the constrained supply plan from the aggregate
   planning LP (:func:`scmlib.planning.capacity.aggregate_plan`; Chopra & Meindl 2016 ch. 8),
   projected inventory against target weeks of supply, and the shortages with the customers (by
   service tier) they would hit: a shortage is allocated to the standard tier first, then gold,
   then platinum (tier protection), in proportion to each customer's share of the family's
   volume over the last twelve months.
3. Financial reconciliation: the plan in revenue, cost and margin against the budget (annual
   operating plan), the gap, and scenarios side by side.
4. Executive S&OP: decisions needed, top gaps and risks, then the detail (one printable page).
"""

from __future__ import annotations

import html
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from scmlib.errors import ParameterError
from scmlib.planning import capacity as CP
from scmlib.planning.capacity import (  # noqa: F401
    family_economics,
    family_history,
    opening_stock,
    statistical_forecast,
)

TIER_PROTECTION = ("standard", "gold", "platinum")  # shortages hit the standard tier first


def previous_plan(
    snapshots: pd.DataFrame | None, items: pd.DataFrame, before: pd.Timestamp
) -> tuple[pd.DataFrame, pd.Timestamp | None]:
    """The previous cycle's plan: final forecasts of the latest forecast date up to ``before``,
    by family and target month (``family``, ``period``, ``previous``), and that cycle's date."""
    if snapshots is None or snapshots.empty:
        return pd.DataFrame(columns=["family", "period", "previous_plan"]), None
    s = snapshots[pd.to_datetime(snapshots["forecast_date"]) <= before]
    if s.empty:
        return pd.DataFrame(columns=["family", "period", "previous_plan"]), None
    cycle = s["forecast_date"].max()
    s = s[s["forecast_date"] == cycle]
    s = s.assign(
        family=s["item_id"].map(items.set_index("item_id")["category"]),
        period=pd.to_datetime(s["target_date"]).dt.to_period("M").dt.to_timestamp(),
    )
    out = s.groupby(["family", "period"], as_index=False)["final_forecast"].sum()
    return out.rename(columns={"final_forecast": "previous_plan"}), pd.Timestamp(cycle)


def consensus(
    stat: pd.DataFrame, assumptions: Sequence[Mapping] | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The consensus plan: the statistical forecast changed by each agreed assumption.

    An assumption is ``{family, change, from, to, assumption, owner}``: ``change`` a
    fraction (0.1 = +10%), ``family`` a family or ``all``, ``from`` / ``to`` months
    (``YYYY-MM``, empty: the whole horizon). Changes to one family-month multiply. Returns the
    plan (``family``, ``period``, ``statistical``, ``consensus``) and the assumptions log (each
    assumption with the units it added).
    """
    plan = stat.assign(consensus=stat["statistical"].astype(float))
    log = []
    fams = set(plan["family"])
    for a in assumptions or []:  # a handful of agreed assumptions
        fam = str(a.get("family", "all"))
        if fam != "all" and fam not in fams:
            from scmlib.errors import did_you_mean

            raise ParameterError(
                f"assumption for unknown family {fam!r}{did_you_mean(fam, sorted(fams))}; "
                f"families: {', '.join(sorted(fams))}"
            )
        try:
            change = float(a.get("change", 0))
        except (TypeError, ValueError):
            raise ParameterError(
                f"assumption change must be a number, got {a.get('change')!r}"
            ) from None
        if change <= -1:
            raise ParameterError(f"assumption change must be above -100%, got {change:.0%}")
        lo = pd.Timestamp(str(a["from"])) if a.get("from") else plan["period"].min()
        hi = pd.Timestamp(str(a["to"])) if a.get("to") else plan["period"].max()
        m = (plan["family"].eq(fam) | (fam == "all")) & plan["period"].between(lo, hi)
        before = plan.loc[m, "consensus"].sum()
        plan.loc[m, "consensus"] *= 1 + change
        log.append(
            {
                "family": fam,
                "from": f"{lo:%b %Y}",
                "to": f"{hi:%b %Y}",
                "change": change,
                "units": plan.loc[m, "consensus"].sum() - before,
                "assumption": str(a.get("assumption", "")),
                "owner": str(a.get("owner", "")),
            }
        )
    cols = ["family", "from", "to", "change", "units", "assumption", "owner"]
    return plan, pd.DataFrame(log, columns=cols)


def demand_review(plan: pd.DataFrame, previous: pd.DataFrame) -> pd.DataFrame:
    """Consensus against the statistical forecast and the previous cycle's plan, per family over
    the horizon (``previous`` and the change only over the months the previous plan covers)."""
    p = plan.merge(previous, on=["family", "period"], how="left")
    both = p["previous_plan"].notna()
    out = p.groupby("family", as_index=False).agg(
        statistical=("statistical", "sum"), consensus=("consensus", "sum")
    )
    cmp_ = (
        p[both]
        .groupby("family")
        .agg(consensus_overlap=("consensus", "sum"), previous_plan=("previous_plan", "sum"))
    )
    out = out.merge(cmp_, on="family", how="left")
    out["override_pct"] = out["consensus"] / out["statistical"].where(out["statistical"] > 0) - 1
    out["change_vs_previous"] = (
        out["consensus_overlap"] / out["previous_plan"].where(out["previous_plan"] > 0) - 1
    )
    return out


@dataclass
class Scenario:
    """One S&OP scenario: its supply plan, resources used, financials and key figures."""

    name: str
    result: CP.AggregatePlan
    financials: pd.DataFrame
    figures: dict


def run_scenario(
    name: str,
    plan: pd.DataFrame,
    routing: pd.DataFrame,
    resources: pd.DataFrame,
    econ: pd.DataFrame,
    opening: Mapping[str, float],
    target_weeks: float,
    holding_rate: float,
    backlog_rate: float,
    outsource_premium: float,
    supplier_capacity: pd.DataFrame | None = None,
    demand_change: float = 0.0,
    supplier: str = "",
    supplier_change: float = 0.0,
    resource: str = "",
    capacity_change: float = 0.0,
    strategy: str = "optimal",
    below_target_rate: float = 0.05,
    outsource_share: float = 0.1,
    start: str | None = None,
    end: str | None = None,
) -> Scenario:
    """Solve the constrained supply plan of one scenario and price it.

    The consensus ``plan`` is scaled by 1 + ``demand_change``; ``supplier``'s committed capacity
    by 1 + ``supplier_change`` (in the months ``start`` to ``end``, ``YYYY-MM``, when given:
    an outage); ``resource``'s capacity by 1 + ``capacity_change``. Costs per
    family: holding = unit cost x ``holding_rate`` / 12 per unit-month; backlog = unit price x
    ``backlog_rate`` per unit-month (goodwill and expediting); outsourcing = unit cost x
    (1 + ``outsource_premium``). The target inventory of a month is ``target_weeks`` of the
    next month's demand (APICS weeks of supply); a unit below it costs unit price x
    ``below_target_rate`` per month (a soft safety-stock target) and the ending inventory must
    reach it. Backlog left at the end of the horizon is demand the plan does not meet, costed
    at its price (revenue lost) plus a month's backlog cost. Outsourcing is limited to
    ``outsource_share`` of each family-month's demand (the contract manufacturer's capacity).
    """
    d = plan.rename(columns={"consensus": "quantity"})[["family", "period", "quantity"]]
    d = d.assign(quantity=d["quantity"] * (1 + demand_change))
    res = CP.change_capacity(resources, resource or None, 1 + capacity_change)
    sc = supplier_capacity
    if sc is not None and len(sc):
        sc = sc.copy()
        if supplier:
            if supplier not in set(sc["supplier_id"]):
                raise ParameterError(
                    f"scenario {name!r}: supplier {supplier!r} has no capacity rows in "
                    "supplier_capacity"
                )
            hit = sc["supplier_id"] == supplier
            if start:
                hit &= pd.to_datetime(sc["period"]) >= pd.Timestamp(str(start))
            if end:
                hit &= pd.to_datetime(sc["period"]) <= pd.Timestamp(str(end))
            sc.loc[hit, "capacity"] *= 1 + supplier_change
        sc = sc[sc["period"].isin(d["period"].unique())]
        sc = sc.groupby(["family", "period"], as_index=False)["capacity"].sum()
    e = econ.set_index("family")
    costs = pd.DataFrame(
        {
            "family": e.index,
            "unit_cost": e["unit_cost"].to_numpy(),
            "holding_cost": e["unit_cost"].to_numpy() * holding_rate / 12,
            "backlog_cost": e["unit_price"].to_numpy() * backlog_rate,
            "outsource_cost": e["unit_cost"].to_numpy() * (1 + outsource_premium),
            "below_target_cost": e["unit_price"].to_numpy() * below_target_rate,
            "lost_sale_cost": e["unit_price"].to_numpy() * (1 + backlog_rate),
        }
    )
    d = d.sort_values(["family", "period"])
    nxt = d.groupby("family")["quantity"].shift(-1).fillna(d["quantity"])
    target = d[["family", "period"]].assign(target=nxt * 12 / 52 * target_weeks)
    last = target[target["period"] == target["period"].max()].set_index("family")["target"]
    ending = last.to_dict()
    r = CP.aggregate_plan(
        d,
        routing,
        res,
        costs[costs["family"].isin(d["family"].unique())],
        opening=opening,
        ending_min=ending,
        supplier_capacity=sc,
        strategy=strategy,
        inventory_target=target,
        end_backlog_zero=False,
        outsource_limit=d[["family", "period"]].assign(max_units=d["quantity"] * outsource_share),
    )
    if r.status != "Optimal":
        fin = pd.DataFrame()
        figures = {"status": r.status, "binding": r.binding, "supplier": supplier}
        return Scenario(name, r, fin, figures)
    fin = financials(r, econ)
    delivered = fin["delivered"].sum()
    figures = {
        "status": r.status,
        "binding": "",
        "demand": float(d["quantity"].sum()),
        "delivered": float(delivered),
        "fill_rate": float(
            (r.plan["demand"] - r.plan["backlog"]).clip(lower=0).sum()
            / max(r.plan["demand"].sum(), 1e-9)
        ),
        "backlog_units": float(r.plan["backlog"].sum()),
        "outsourced": float(r.plan["outsourced"].sum()),
        "overtime_hours": float(r.resources["overtime_hours"].sum()),
        "revenue": float(fin["revenue"].sum()),
        "cost": float(fin["cost"].sum()),
        "margin": float(fin["margin"].sum()),
        "plan_cost": r.total_cost,
        "supplier": supplier,
    }
    return Scenario(name, r, fin, figures)


def largest_supplier(supplier_capacity: pd.DataFrame | None) -> str:
    """The supplier committing the most capacity (units over the horizon, all families): the
    one whose cut hurts most; empty without supplier capacity."""
    if supplier_capacity is None or supplier_capacity.empty:
        return ""
    return str(supplier_capacity.groupby("supplier_id")["capacity"].sum().idxmax())


def run_scenarios(
    specs: Sequence[Mapping],
    plan: pd.DataFrame,
    routing: pd.DataFrame,
    resources: pd.DataFrame,
    econ: pd.DataFrame,
    opening: Mapping[str, float],
    supplier_capacity: pd.DataFrame | None,
    **kw,
) -> list[Scenario]:
    """The base plan and each scenario of ``specs`` (``name``, ``demand_change``, ``supplier``
    (``largest``: :func:`largest_supplier`), ``supplier_change``, ``from``, ``to``,
    ``resource``, ``capacity_change``); unknown keys are refused."""
    allowed = {
        "name",
        "demand_change",
        "supplier",
        "supplier_change",
        "from",
        "to",
        "resource",
        "capacity_change",
    }
    out = [
        run_scenario(
            "base plan",
            plan,
            routing,
            resources,
            econ,
            opening,
            supplier_capacity=supplier_capacity,
            **kw,
        )
    ]
    for i, spec in enumerate(specs):  # a handful of scenarios
        bad = set(spec) - allowed
        if bad:
            raise ParameterError(
                f"scenario {i + 1}: unknown key(s) {', '.join(sorted(bad))}; allowed: "
                f"{', '.join(sorted(allowed))}"
            )
        sup = str(spec.get("supplier", "") or "")
        if sup == "largest":
            sup = largest_supplier(supplier_capacity)
        out.append(
            run_scenario(
                str(spec.get("name", f"scenario {i + 1}")),
                plan,
                routing,
                resources,
                econ,
                opening,
                supplier_capacity=supplier_capacity,
                demand_change=float(spec.get("demand_change", 0) or 0),
                supplier=sup,
                supplier_change=float(spec.get("supplier_change", 0) or 0),
                resource=str(spec.get("resource", "") or ""),
                capacity_change=float(spec.get("capacity_change", 0) or 0),
                start=spec.get("from") or None,
                end=spec.get("to") or None,
                **kw,
            )
        )
    return out


def financials(result: CP.AggregatePlan, econ: pd.DataFrame) -> pd.DataFrame:
    """The supply plan in money per family and month: delivered units = demand + backlog
    carried in - backlog carried out; revenue = delivered x unit price; cost = production x
    unit cost + outsourced x outsource cost + the month's share of overtime (by the family's
    production hours), holding and backlog costs; margin = revenue - cost. ``cogs`` = delivered x
    unit cost and ``gross_margin`` = revenue - cogs put the plan on the budget's cost basis
    (budget cost = budgeted volume x unit cost): a plan that sells from opening stock makes
    fewer units than it delivers, so its supply cost is not comparable to the budget's."""
    p = result.plan.sort_values(["family", "period"]).copy()
    e = econ.set_index("family")
    prev_b = p.groupby("family")["backlog"].shift(1).fillna(0.0)
    p["delivered"] = p["demand"] + prev_b - p["backlog"]
    p["revenue"] = p["delivered"] * p["family"].map(e["unit_price"])
    uc = p["family"].map(e["unit_cost"])
    p["cost"] = p["production"] * uc
    out_cost = result.costs.get("outsourcing", 0.0)
    if p["outsourced"].sum() > 0:
        share = p["outsourced"] * uc / (p["outsourced"] * uc).sum()
        p["cost"] += share * out_cost
    ot = result.costs.get("overtime", 0.0)
    hold = result.costs.get("holding", 0.0)
    back = result.costs.get("backlog", 0.0)
    vol = p["production"] + p["outsourced"]
    if vol.sum() > 0:
        p["cost"] += vol / vol.sum() * ot
    if p["inventory"].sum() > 0:
        p["cost"] += p["inventory"] * uc / (p["inventory"] * uc).sum() * hold
    if p["backlog"].sum() > 0:
        p["cost"] += p["backlog"] / p["backlog"].sum() * back
    p["margin"] = p["revenue"] - p["cost"]
    p["cogs"] = p["delivered"] * uc
    p["gross_margin"] = p["revenue"] - p["cogs"]
    return p


def against_budget(fin: pd.DataFrame, budget: pd.DataFrame | None) -> pd.DataFrame:
    """Plan against budget per family over the months both cover: volume, revenue and margin,
    and the gaps.

    Both margins are on the budget's basis, the cost of the units sold: plan ``gross_margin`` =
    revenue - delivered x unit cost (:func:`financials`), budget margin = revenue - cost (the
    budget's cost of its volume). The supply plan's own costs (production for stock, overtime,
    holding, backlog) are in the scenarios, not here: on that basis a plan drawing down opening
    stock would show a margin above budget with revenue below it.
    """
    cols = ["delivered", "revenue", "cogs", "gross_margin"]
    g = fin.groupby("family", as_index=False)[cols].sum()
    if budget is None or budget.empty:
        return g
    b = budget.assign(period=pd.to_datetime(budget["period"]))
    b = b[b["period"].isin(fin["period"].unique())]
    if "cost" not in b:
        b = b.assign(cost=np.nan)
    bg = b.groupby("family", as_index=False).agg(
        budget_volume=("volume", "sum"),
        budget_revenue=("revenue", "sum"),
        budget_cost=("cost", "sum"),
    )
    months = set(b["period"])
    f = fin[fin["period"].isin(months)]
    g = f.groupby("family", as_index=False)[cols].sum()
    out = g.merge(bg, on="family", how="outer").fillna(0.0)
    out["budget_margin"] = out["budget_revenue"] - out["budget_cost"]
    out["volume_gap"] = out["delivered"] - out["budget_volume"]
    out["revenue_gap"] = out["revenue"] - out["budget_revenue"]
    out["revenue_gap_pct"] = out["revenue_gap"] / out["budget_revenue"].where(
        out["budget_revenue"] > 0
    )
    out["margin_gap"] = out["gross_margin"] - out["budget_margin"]
    return out.sort_values("revenue_gap", ignore_index=True)


def scenario_table(scenarios: Sequence[Scenario], budget_revenue: float | None) -> pd.DataFrame:
    """Scenarios side by side: demand, delivered, fill rate, backlog, overtime, outsourcing,
    revenue, cost, margin, gap to the budget, and the binding constraint of an infeasible one."""
    rows = []
    for s in scenarios:  # a handful of scenarios
        row = {"scenario": s.name, **s.figures}
        if budget_revenue and "revenue" in row:
            row["revenue_vs_budget"] = row["revenue"] - budget_revenue
        rows.append(row)
    out = pd.DataFrame(rows)
    if "binding" in out and not out["binding"].fillna("").astype(str).str.strip().any():
        out = out.drop(columns="binding")  # every scenario feasible: nothing binds
    return out


def shortage_exposure(
    plan: pd.DataFrame,
    sales: pd.DataFrame,
    customers: pd.DataFrame,
    items: pd.DataFrame,
    start=None,
    protection: Sequence[str] = TIER_PROTECTION,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Who the shortages would hit: per family-month of backlog, the units are allocated to the
    service tiers in ``protection`` order (standard first, platinum last), each tier at most
    its share of the family's volume, and within a tier in proportion to each customer's volume
    (sales order lines since ``start``). Returns (by tier: units short, customers hit, value;
    by customer: units short, months)."""
    short = plan[plan["backlog"] > 1e-6][["family", "period", "backlog"]]
    if short.empty:
        return (
            pd.DataFrame(columns=["service_tier", "units_short", "customers_hit"]),
            pd.DataFrame(columns=["customer_id", "service_tier", "units_short"]),
        )
    s = sales if start is None else sales[sales["order_date"] >= start]
    tier = customers.set_index("customer_id")["service_tier"]
    fam = items.set_index("item_id")["category"]
    v = s.assign(family=s["item_id"].map(fam), service_tier=s["customer_id"].map(tier))
    vol = v.groupby(["family", "service_tier", "customer_id"], as_index=False)["ordered_qty"].sum()
    fam_tot = vol.groupby("family")["ordered_qty"].transform("sum")
    tier_tot = vol.groupby(["family", "service_tier"])["ordered_qty"].transform("sum")
    vol["tier_share"] = tier_tot / fam_tot
    vol["cust_share"] = vol["ordered_qty"] / tier_tot
    rank = {t: i for i, t in enumerate(protection)}
    ts = vol.drop_duplicates(["family", "service_tier"])[["family", "service_tier", "tier_share"]]
    ts = ts.assign(rank=ts["service_tier"].map(rank).fillna(len(rank)))
    ts = ts.sort_values(["family", "rank"])
    ts["cum_before"] = ts.groupby("family")["tier_share"].cumsum() - ts["tier_share"]
    # demand of the family-month by tier, shortage filled from the least protected tier up
    x = short.merge(ts, on="family")
    x = x.merge(plan[["family", "period", "demand"]], on=["family", "period"])
    cap_before = x["cum_before"] * x["demand"]
    x["units_short"] = np.clip(x["backlog"] - cap_before, 0, x["tier_share"] * x["demand"])
    x = x[x["units_short"] > 0]
    by_cust = x.merge(
        vol[["family", "service_tier", "customer_id", "cust_share"]], on=["family", "service_tier"]
    )
    by_cust["units_short"] = by_cust["units_short"] * by_cust["cust_share"]
    cust = by_cust.groupby(["customer_id", "service_tier"], as_index=False).agg(
        units_short=("units_short", "sum"),
        months=("period", "nunique"),
        families=("family", lambda f: ", ".join(sorted(set(f)))),
    )
    cust = cust.sort_values("units_short", ascending=False, ignore_index=True)
    tiers = cust.groupby("service_tier", as_index=False).agg(
        units_short=("units_short", "sum"), customers_hit=("customer_id", "nunique")
    )
    tiers["rank"] = tiers["service_tier"].map(rank)
    tiers = tiers.sort_values("rank").drop(columns="rank").reset_index(drop=True)
    return tiers, cust


def decisions(
    base: Scenario,
    load: pd.DataFrame,
    neck: pd.DataFrame,
    gaps: pd.DataFrame,
    tiers: pd.DataFrame,
    scen: pd.DataFrame,
    money: Callable[[float], str],
    shortage_name: str | None = None,
) -> list[str]:
    """The decisions the executive meeting must take, computed from the plan: overtime and
    outsourcing to approve, pre-builds, the budget gap to accept or close, and the scenario
    that needs a contingency."""
    out = []
    r = base.result
    if r.status != "Optimal":
        return [f"The base plan is infeasible: {r.binding}. Decide which constraint to relax."]
    ot = r.resources[r.resources["overtime_hours"] > 0.5]
    if len(ot):
        top = ot.groupby("resource_id")["overtime_hours"].sum().sort_values(ascending=False)
        months = ot["period"].nunique()
        out.append(
            f"Approve {ot['overtime_hours'].sum():,.0f} overtime hours over {months} months "
            f"({money(r.costs.get('overtime', 0))}), most on {top.index[0]} "
            f"({top.iloc[0]:,.0f} h)."
        )
    if r.plan["outsourced"].sum() > 0.5:
        o = r.plan[r.plan["outsourced"] > 0.5]
        out.append(
            f"Place outsourcing for {o['outsourced'].sum():,.0f} units of "
            f"{', '.join(sorted(o['family'].unique()))} ({money(r.costs.get('outsourcing', 0))})."
        )
    over = neck[neck["utilisation"] > 1]
    if len(over):
        tot = r.plan.groupby("period")[["production", "demand"]].sum()
        ahead = tot[tot["production"] > tot["demand"] * 1.02]
        months = ", ".join(f"{p:%b %Y}" for p in over["period"])
        if len(ahead):
            out.append(
                f"Release the build-ahead: {(ahead['production'] - ahead['demand']).sum():,.0f} "
                f"units made above demand in {len(ahead)} month(s) so that the overloaded "
                f"months ({months}; {over['bottleneck'].mode().iloc[0]} the constraint) need "
                f"{'no' if r.resources['overtime_hours'].sum() < 0.5 else 'less'} overtime."
            )
        else:
            out.append(
                f"Cover the overloaded months ({months}) from stock: the plan draws the "
                "opening inventory down instead of adding capacity."
            )
    if "revenue_gap" in gaps and len(gaps):
        gap = gaps["revenue_gap"].sum()
        worst = gaps.iloc[0]
        side = "above" if gap >= 0 else "below"
        text = f"The plan is {money(abs(gap))} {side} the budget in total"
        if worst["revenue_gap"] < 0:
            text += (
                f"; {worst['family']} falls {money(-worst['revenue_gap'])} short "
                f"({worst['revenue_gap_pct']:.0%}): accept the gap or agree actions to close it."
            )
        out.append(text + ("." if worst["revenue_gap"] >= 0 else ""))
    if len(tiers) and tiers["units_short"].sum() > 0:
        prem = tiers[tiers["service_tier"].isin(["platinum", "gold"])]["units_short"].sum()
        where = f" in '{shortage_name}'" if shortage_name else ""
        out.append(
            f"Agree the allocation of {tiers['units_short'].sum():,.0f} unit-months of backlog"
            f"{where}"
            + (
                f", of which {prem:,.0f} to gold and platinum customers."
                if prem > 0
                else " (standard tier only)."
            )
        )
    bad = scen[scen["status"] != "Optimal"] if "status" in scen else scen.iloc[0:0]
    if len(bad):
        out.append(
            f"Scenario '{bad.iloc[0]['scenario']}' cannot be supplied ({bad.iloc[0]['binding']}): "
            "agree a contingency."
        )
    elif len(scen) > 1 and "margin" in scen:
        rest = scen.iloc[1:]
        worst = rest.loc[rest["fill_rate"].idxmin()]
        if worst["fill_rate"] < 1 - 1e-6:
            out.append(
                f"Agree a contingency for '{worst['scenario']}': fill rate "
                f"{worst['fill_rate']:.1%}, {worst['backlog_units']:,.0f} unit-months of "
                f"backlog, {worst['outsourced']:,.0f} units outsourced."
            )
        absorbed = rest[(rest["fill_rate"] >= 1 - 1e-6)]["scenario"].tolist()
        if absorbed:
            out.append(
                f"No action for {', '.join(repr(a) for a in absorbed)}: the plan absorbs "
                "it at full service."
            )
    return out or ["No decision needed: the plan fits capacity and the budget."]


def risks(
    base: Scenario,
    proj: pd.DataFrame,
    tiers: pd.DataFrame,
    scen: pd.DataFrame,
    supplier_capacity: pd.DataFrame | None,
    money: Callable[[float], str],
    shortage_name: str | None = None,
) -> list[str]:
    """Top risks: stock below target, customers hit by tier, scenario exposure, suppliers whose
    capacity binds."""
    out = []
    below = proj[proj["status"] == "below target"]
    if len(below):
        fam = below["family"].value_counts()
        out.append(
            f"Projected stock is below target weeks of supply in {len(below)} family-months, most "
            f"for {fam.index[0]} ({fam.iloc[0]} months)."
        )
    if len(tiers):
        t = tiers.set_index("service_tier")
        parts = [
            f"{k} {int(v['customers_hit'])} customers ({v['units_short']:,.0f} unit-months)"
            for k, v in t.iterrows()
        ]
        where = f"In '{shortage_name}' shortages" if shortage_name else "Shortages"
        out.append(f"{where} would hit " + "; ".join(parts) + ".")
    if "fill_rate" in scen and len(scen) > 1:
        bad = scen[scen["status"] != "Optimal"]
        fill = scen["fill_rate"].fillna(1.0)
        if len(bad):
            out.append(
                f"Scenario '{bad.iloc[0]['scenario']}' cannot be supplied: {bad.iloc[0]['binding']}."
            )
        elif fill.min() < 1 - 1e-6:
            worst = scen.loc[fill.idxmin()]
            out.append(
                f"Worst scenario for service: '{worst['scenario']}' (fill rate "
                f"{worst['fill_rate']:.1%}, margin {money(worst['margin'])})."
            )
    if supplier_capacity is not None and len(supplier_capacity) and len(base.result.plan):
        out.extend(supplier_risk(base.result.plan, supplier_capacity, scen))
    return out or ["No material risk found in the plan."]


def supplier_risk(
    plan: pd.DataFrame, supplier_capacity: pd.DataFrame, scen: pd.DataFrame, limit: float = 0.9
) -> list[str]:
    """The supplier-capacity risk of the plan: the family-month where production uses the
    largest share of the suppliers' committed capacity of that month (above ``limit``), the
    suppliers of that family, and, for each supplier-cut scenario (``scen["supplier"]``), whether
    it cuts one of them (a cut elsewhere leaves that family's plan unchanged).

    >>> plan = pd.DataFrame({"family": ["A", "B"], "period": ["m1", "m1"],
    ...                      "production": [95.0, 10.0]})
    >>> sc = pd.DataFrame({"supplier_id": ["S1", "S2"], "family": ["A", "B"],
    ...                    "period": ["m1", "m1"], "capacity": [100.0, 500.0]})
    >>> scen = pd.DataFrame({"scenario": ["base", "cut"], "supplier": ["", "S2"]})
    >>> supplier_risk(plan, sc, scen)[0][:60]
    'Supplier capacity for A is 95% used in m1 (supplier S1): a c'
    """
    cap = supplier_capacity.groupby(["family", "period"], as_index=False)["capacity"].sum()
    u = plan[["family", "period", "production"]].merge(cap, on=["family", "period"])
    u = u.assign(use=u["production"] / u["capacity"].where(u["capacity"] > 0)).dropna(
        subset=["use"]
    )
    if u.empty or u["use"].max() <= limit:
        return []
    top = u.loc[u["use"].idxmax()]
    fam = top["family"]
    sup = supplier_capacity[supplier_capacity["family"] == fam]
    sups = sup.groupby("supplier_id")["capacity"].sum().sort_values(ascending=False).index
    period = top["period"]
    when = f"{period:%b %Y}" if isinstance(period, pd.Timestamp) else str(period)
    who = ", ".join(str(x) for x in sups[:3]) + (" and others" if len(sups) > 3 else "")
    text = (
        f"Supplier capacity for {fam} is {top['use']:.0%} used in {when} "
        f"(supplier{'s' if len(sups) > 1 else ''} {who}): a cut to "
        f"{'them' if len(sups) > 1 else 'it'} would bind."
    )
    if "supplier" in scen:
        cuts = scen[scen["supplier"].fillna("").astype(str) != ""]
        for _, row in cuts.iterrows():  # a handful of scenarios
            s = str(row["supplier"])
            if s in set(sups):
                text += f" Scenario '{row['scenario']}' cuts {s}, one of them."
            else:
                fams = sorted(
                    supplier_capacity.loc[supplier_capacity["supplier_id"] == s, "family"].unique()
                )
                text += (
                    f" Scenario '{row['scenario']}' cuts {s}, which supplies "
                    f"{', '.join(map(str, fams)) or 'no family in the plan'}, not {fam}."
                )
    return [text]


def summary_lines(
    review: pd.DataFrame,
    base: Scenario,
    gaps: pd.DataFrame,
    tiers: pd.DataFrame,
    neck: pd.DataFrame,
    money: Callable[[float], str],
    horizon_text: str,
    shortage_name: str | None = None,
) -> list[str]:
    """Executive summary sentences computed from the cycle's tables (``shortage_name``: the
    scenario whose shortages ``tiers`` shows)."""
    lines = [
        f"Consensus demand for {horizon_text}: {review['consensus'].sum():,.0f} units, "
        f"{review['consensus'].sum() / max(review['statistical'].sum(), 1e-9) - 1:+.1%} against "
        "the statistical forecast."
    ]
    chg = review.dropna(subset=["change_vs_previous"])
    if len(chg):
        tot = chg["consensus_overlap"].sum() / max(chg["previous_plan"].sum(), 1e-9) - 1
        big = chg.loc[chg["change_vs_previous"].abs().idxmax()]
        lines.append(
            f"Against the previous cycle's plan the overlapping months move {tot:+.1%}; "
            f"{big['family']} moves most ({big['change_vs_previous']:+.1%})."
        )
    over = neck[neck["utilisation"] > 1]
    if len(over):
        lines.append(
            f"{len(over)} months overload a resource before any action; "
            f"{over['bottleneck'].value_counts().index[0]} is the usual constraint."
        )
    r = base.result
    if r.status == "Optimal":
        f = base.figures
        lines.append(
            f"The cost-minimising supply plan delivers {f['fill_rate']:.1%} of demand on time, "
            f"with {f['overtime_hours']:,.0f} overtime hours and {f['outsourced']:,.0f} units "
            f"outsourced; revenue {money(f['revenue'])}, margin {money(f['margin'])}."
        )
    else:
        lines.append(f"The supply plan is infeasible: {r.binding}.")
    if "revenue_gap" in gaps and len(gaps):
        g = gaps["revenue_gap"].sum()
        base_rev = gaps["budget_revenue"].sum()
        lines.append(
            f"Against the budget the plan is {money(g)} ({g / max(base_rev, 1e-9):+.1%}) on "
            "revenue over the budget months."
        )
    if len(tiers) and tiers["units_short"].sum() > 0:
        where = f"In '{shortage_name}' " if shortage_name else ""
        lines.append(
            f"{where}{tiers['units_short'].sum():,.0f} unit-months of backlog (units late x months) for "
            f"{int(tiers['customers_hit'].sum())} customers, standard tier first."
        )
    return lines


def executive_html(
    title: str,
    subtitle: str,
    decisions_: Sequence[str],
    risks_: Sequence[str],
    tables: Mapping[str, str],
) -> str:
    """A one-page, print-ready HTML executive pack: decisions needed, top gaps and risks, then
    the detail (``tables``: caption -> an HTML table already formatted by the report). A4
    portrait, printable to PDF from any browser."""
    li = lambda xs: "".join(f"<li>{html.escape(x)}</li>" for x in xs)  # noqa: E731
    body = "".join(f"<h3>{html.escape(k)}</h3>{v}" for k, v in tables.items())
    return f"""<!doctype html><html><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<style>
@page {{ size: A4 portrait; margin: 12mm; }}
body {{ font-family: Helvetica, Arial, sans-serif; font-size: 10.5px; color: #222; max-width: 190mm;
  margin: auto; }}
h1 {{ font-size: 18px; margin: 0; }} h2 {{ font-size: 13px; margin: 10px 0 4px;
  border-bottom: 1px solid #999; }} h3 {{ font-size: 11px; margin: 8px 0 2px; }}
.sub {{ color: #555; margin-bottom: 6px; }} ul {{ margin: 2px 0 4px 16px; padding: 0; }}
table {{ border-collapse: collapse; width: 100%; font-size: 9.5px; }}
th, td {{ border-bottom: 1px solid #ddd; padding: 2px 4px; text-align: right; }}
th:first-child, td:first-child {{ text-align: left; }}
.cols {{ display: grid; grid-template-columns: 1fr 1fr; gap: 10px; }}
</style></head><body>
<h1>{html.escape(title)}</h1><div class="sub">{html.escape(subtitle)}</div>
<div class="cols"><div><h2>Decisions needed</h2><ul>{li(decisions_)}</ul></div>
<div><h2>Top gaps and risks</h2><ul>{li(risks_)}</ul></div></div>
<h2>Detail</h2>{body}
</body></html>"""


def monthly_view(plan: pd.DataFrame, previous: pd.DataFrame) -> pd.DataFrame:
    """Total units per month: statistical forecast, consensus and the previous cycle's plan
    (where it covers the month)."""
    m = plan.groupby("period", as_index=False)[["statistical", "consensus"]].sum()
    prev = (
        previous.groupby("period")["previous_plan"].sum()
        if len(previous)
        else pd.Series(dtype=float)
    )
    m["previous_plan"] = m["period"].map(prev)
    return m


def supply_summary(result: CP.AggregatePlan) -> pd.DataFrame:
    """Per family over the horizon: demand, production, outsourced, peak and closing
    inventory, backlog unit-months and the backlog left at the end."""
    p = result.plan.sort_values("period")
    g = p.groupby("family")
    out = g.agg(
        demand=("demand", "sum"),
        production=("production", "sum"),
        outsourced=("outsourced", "sum"),
        peak_inventory=("inventory", "max"),
        closing_inventory=("inventory", "last"),
        backlog_units=("backlog", "sum"),
        unmet=("backlog", "last"),
    ).reset_index()
    return out


def inventory_view(proj: pd.DataFrame) -> pd.DataFrame:
    """Projected closing inventory and the target per month, all families."""
    return proj.groupby("period", as_index=False)[["closing", "target_inventory"]].sum()


def shortage_case(scenarios: Sequence[Scenario]) -> Scenario | None:
    """The scenario whose shortages the tier view shows: the base plan when it leaves
    backlog, else the first scenario that does (None when no plan is short)."""
    for s in scenarios:
        if s.result.status == "Optimal" and s.result.plan["backlog"].sum() > 1e-6:
            return s
    return None


def budget_gaps(base: Scenario, budget: pd.DataFrame | None) -> pd.DataFrame:
    """:func:`against_budget` of the base plan (an empty frame when the plan is infeasible)."""
    if base.result.status != "Optimal" or base.financials.empty:
        return pd.DataFrame()
    return against_budget(base.financials, budget)


def year_before(last_month: pd.Timestamp) -> pd.Timestamp:
    """The first month of the twelve ending with ``last_month``."""
    return pd.Timestamp(last_month) - pd.DateOffset(months=11)


def with_names(hit: pd.DataFrame, names: pd.Series) -> pd.DataFrame:
    """The customers-hit table with each customer's name next to its id."""
    out = hit.copy()
    out.insert(1, "name", out["customer_id"].map(names))
    return out


@dataclass
class Cycle:
    """One S&OP cycle as :func:`run_cycle` computes it."""

    last_month: pd.Timestamp
    year_start: pd.Timestamp
    resources: pd.DataFrame
    routing: pd.DataFrame
    plan: pd.DataFrame  # family, period, statistical, consensus
    assumptions_log: pd.DataFrame
    previous: pd.DataFrame
    previous_cycle: pd.Timestamp | None
    review: pd.DataFrame
    econ: pd.DataFrame
    opening: dict
    load: pd.DataFrame
    neck: pd.DataFrame
    runs: list  # Scenario: the base plan first
    gaps: pd.DataFrame
    budget_revenue: float | None
    scenarios: pd.DataFrame
    projected: pd.DataFrame
    shortage_case: Scenario | None
    tiers: pd.DataFrame
    hit: pd.DataFrame

    @property
    def base(self) -> Scenario:
        return self.runs[0]


def run_cycle(
    tables: Mapping[str, pd.DataFrame],
    horizon: int,
    forecast_file: str | None,
    assumptions: Sequence[Mapping],
    scenarios: Sequence[Mapping],
    **plan_kw,
) -> Cycle:
    """Run the S&OP cycle on the loaded tables: statistical forecast by family, consensus,
    previous cycle, rough-cut load, the base plan and each scenario (``plan_kw`` as
    :func:`run_scenario`), budget gaps, projected inventory and the shortage exposure."""
    items, sales = tables["items"], tables["sales_order_lines"]
    resources = CP.check_resources(tables["resources"])
    routing = CP.family_routing(tables["routings"], resources, items, tables["demand_history"])
    history = family_history(tables["demand_history"], items)
    last_month = history["period"].max()
    stat = statistical_forecast(history, horizon, forecast_file or None, items)
    previous, previous_cycle = previous_plan(tables.get("forecast_snapshots"), items, last_month)
    plan, log = consensus(stat, assumptions)
    start = year_before(last_month)
    econ = family_economics(sales, items, start)
    opening = opening_stock(tables.get("inventory_snapshots"), items)
    load = CP.rough_cut(plan.rename(columns={"consensus": "quantity"}), routing, resources)
    sc = tables.get("supplier_capacity")
    runs = run_scenarios(scenarios, plan, routing, resources, econ, opening, sc, **plan_kw)
    gaps = budget_gaps(runs[0], tables.get("budget"))
    budget_revenue = float(gaps["budget_revenue"].sum()) if "budget_revenue" in gaps else None
    case = shortage_case(runs)
    tiers, hit = shortage_exposure(
        (case or runs[0]).result.plan, sales, tables["customers"], items, start
    )
    projected = (
        CP.projected_inventory(runs[0].result.plan, plan_kw.get("target_weeks", 0.0))
        if runs[0].result.status == "Optimal"
        else pd.DataFrame(columns=["family", "period", "status", "closing", "target_inventory"])
    )
    return Cycle(
        last_month,
        start,
        resources,
        routing,
        plan,
        log,
        previous,
        previous_cycle,
        demand_review(plan, previous),
        econ,
        opening,
        load,
        CP.bottlenecks(load),
        runs,
        gaps,
        budget_revenue,
        scenario_table(runs, budget_revenue),
        projected,
        case,
        tiers,
        hit,
    )


def scenario_names(runs: Sequence[Scenario]) -> str:
    """The scenarios beside the base plan, as a comma-separated list ('none' when none)."""
    return ", ".join(s.name for s in runs[1:]) or "none"
