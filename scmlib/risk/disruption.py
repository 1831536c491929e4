"""Disruption response: what a disrupted supplier, site, country or lane puts at risk week by
week, what the mitigation options change, who to tell, and recovery against plan over runs.

Method: a weekly projection per item and site (stock flow: stock_w = max(0, stock_{w-1} +
supply_w - demand_w), short_w = demand_w - served_w), the projection used in disruption
playbooks (Sheffi, *The Resilient Enterprise*, MIT Press 2005, ch. 4-6; Simchi-Levi et al.,
*Interfaces* 45(5) 2015 for time to survive); constrained supply allocated by customer priority
tier (strict priority: each tier served in full before the next; APICS Dictionary, 16th ed.,
"allocation").
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from scmlib.errors import DataError, ParameterError

TIER_ORDER = ("platinum", "gold", "standard")
CUSTOMERS = "customers"


def _close(value: str, choices: Sequence[str], n: int = 3) -> str:
    m = difflib.get_close_matches(str(value), [str(c) for c in choices], n=n, cutoff=0.5)
    return f" Close matches: {', '.join(m)}." if m else ""


def resolve_scope(
    network: pd.DataFrame,
    suppliers: pd.DataFrame,
    locations: pd.DataFrame | None,
    supplier: str = "",
    site: str = "",
    country: str = "",
    lane: str = "",
) -> tuple[pd.DataFrame, str]:
    """The supply links the disruption cuts and a one-line description of it.

    ``supplier``: a supplier id or exact name; ``site``: a location id (its inbound links and
    its stock); ``country``: ISO3 code of the suppliers' country; ``lane``: ``ORIGIN-DEST``
    (ISO3 of the suppliers' country and of the receiving site's country, e.g. ``CHN-USA``).
    An unknown value is a one-line :class:`ParameterError` with the close matches."""
    given = {
        k: v for k, v in dict(supplier=supplier, site=site, country=country, lane=lane).items() if v
    }
    if not given:
        raise ParameterError(
            "no disruption given: set disrupted_supplier, disrupted_site, disrupted_country or "
            "disrupted_lane"
        )
    links = network[network["downstream_id"] != CUSTOMERS]
    cut = pd.Series(False, index=links.index)
    what = []
    sup = suppliers.drop_duplicates("supplier_id")
    if supplier:
        by_name = dict(zip(sup["name"].str.lower(), sup["supplier_id"]))
        sid = supplier if supplier in set(sup["supplier_id"]) else by_name.get(supplier.lower())
        if sid is None:
            raise ParameterError(
                f"disrupted supplier {supplier!r} is not in table 'suppliers' (column "
                f"'supplier_id' or 'name').{_close(supplier, list(sup['supplier_id']) + list(sup['name']))}"
            )
        name = sup.set_index("supplier_id")["name"].get(sid, sid)
        cut |= links["node_id"] == sid
        what.append(f"supplier {name} ({sid})")
    if site:
        known = (
            set(locations["location_id"]) if locations is not None else set(links["downstream_id"])
        )
        if site not in known:
            raise ParameterError(
                f"disrupted site {site!r} is not in table 'locations' (column 'location_id')."
                f"{_close(site, sorted(known))}"
            )
        cut |= (links["downstream_id"] == site) | (links["node_id"] == site)
        what.append(f"site {site}")
    country_of = sup.set_index("supplier_id")["country"]
    if country:
        c = country.upper()
        if c not in set(sup["country"].astype(str).str.upper()):
            raise ParameterError(
                f"no supplier in country {country!r} (table 'suppliers', column 'country')."
                f"{_close(c, sorted(sup['country'].astype(str).unique()))}"
            )
        cut |= links["node_id"].map(country_of).astype(str).str.upper() == c
        what.append(f"suppliers in {c}")
    if lane:
        parts = lane.upper().replace(">", "-").split("-")
        if len(parts) != 2:
            raise ParameterError(
                f"disrupted lane {lane!r} must be ORIGIN-DEST ISO3 codes, e.g. CHN-USA"
            )
        o, d = parts
        site_country = (
            locations.set_index("location_id")["country"].astype(str).str.upper()
            if locations is not None
            else pd.Series(dtype=str)
        )
        hit = (links["node_id"].map(country_of).astype(str).str.upper() == o) & (
            links["downstream_id"].map(site_country) == d
        )
        if not hit.any():
            raise ParameterError(
                f"lane {lane!r} carries no supply link (suppliers in {o} to sites in {d})"
            )
        cut |= hit
        what.append(f"lane {o} to {d}")
    out = links[cut]
    if out.empty:
        raise DataError(
            f"table 'supply_network' has no link through {', '.join(what)}: nothing to assess. "
            "Fix: add the node's links to supply_network"
        )
    return out.reset_index(drop=True), " and ".join(what)


def project(
    cut: pd.DataFrame,
    network: pd.DataFrame,
    stock: pd.DataFrame,
    demand: pd.DataFrame,
    start: pd.Timestamp,
    duration_weeks: int,
    horizon_weeks: int,
    alternates: bool = False,
    expedite_weeks: int = 0,
    site_down: str = "",
) -> pd.DataFrame:
    """Weekly projection per affected item and site over ``horizon_weeks`` from ``start``.

    Supply into an (item, site) is its unaffected links' capacity, capped at demand (they keep
    their normal share); the cut links deliver nothing until ``duration_weeks`` have passed,
    then at their capacity (stock is rebuilt). With ``alternates`` the affected pairs' alternate
    links (role ``alternate``, not cut) deliver from their activation week (activation days / 7,
    ``expedite_weeks`` earlier). A disrupted site's own stock is lost; after the disruption its
    supply rebuilds it up to the stock it held before (never beyond). Returns tidy rows
    ``item_id, location_id, week, week_start, demand, supply, served, short, stock_end``."""
    pairs = (
        cut[["item_id", "downstream_id"]]
        .drop_duplicates()
        .rename(columns={"downstream_id": "location_id"})
    )
    links = network[network["downstream_id"] != CUSTOMERS].rename(
        columns={"downstream_id": "location_id"}
    )
    key = ["item_id", "location_id"]
    lk = links.merge(pairs, on=key)
    cut_ix = lk.set_index(["node_id", *key]).index.isin(
        cut.set_index(["node_id", "item_id", "downstream_id"]).index
    )
    role = (
        lk["role"].fillna("primary")
        if "role" in lk.columns
        else pd.Series("primary", index=lk.index)
    )
    p = (
        pairs.merge(demand, on=key, how="left")
        .merge(stock, on=key, how="left")
        .fillna({"demand_per_day": 0.0, "on_hand_qty": 0.0})
    )
    normal = p["on_hand_qty"].to_numpy(dtype=float).copy()  # the stock to rebuild to
    if site_down:
        p.loc[p["location_id"] == site_down, "on_hand_qty"] = 0.0
    d_w = p["demand_per_day"].to_numpy() * 7
    n, W = len(p), int(horizon_weeks)
    idx = pd.MultiIndex.from_frame(p[key])

    def weekly(mask: np.ndarray) -> np.ndarray:
        cap = lk[mask].groupby(key)["capacity"].sum() * 7
        return cap.reindex(idx).fillna(0.0).to_numpy()

    other = weekly(~cut_ix & (role == "primary").to_numpy())
    cut_cap = weekly(cut_ix)
    alt_mask = ~cut_ix & (role == "alternate").to_numpy()
    alt_cap = weekly(alt_mask)
    act = lk[alt_mask].assign(
        a=lk.get("activation_days", pd.Series(0.0, index=lk.index)).fillna(0.0)
    )
    act_w = (
        np.ceil(act.groupby(key)["a"].min().reindex(idx).fillna(0.0).to_numpy() / 7)
        - expedite_weeks
    )
    act_w = np.maximum(act_w, 0)
    s = p["on_hand_qty"].to_numpy(dtype=float).copy()
    rows = []
    for w in range(W):  # weeks, vectorised over item-sites
        base = np.minimum(other, d_w)
        supply = base + np.where(w >= duration_weeks, cut_cap, 0.0)
        if alternates:
            supply = supply + np.where((w >= act_w) & (w < duration_weeks), alt_cap, 0.0)
        avail = s + supply
        served = np.minimum(avail, d_w)
        short = d_w - served
        s = np.maximum(avail - d_w, 0.0)
        if w >= duration_weeks:  # recovered: stock back to what it was, not beyond
            s = np.minimum(s, normal)
        rows.append((w + 1, supply, served, short, s.copy()))
    wk = np.repeat([r[0] for r in rows], n)
    out = pd.DataFrame(
        {
            "item_id": np.tile(p["item_id"].to_numpy(), W),
            "location_id": np.tile(p["location_id"].to_numpy(), W),
            "week": wk,
            "week_start": pd.Timestamp(start) + pd.to_timedelta((wk - 1) * 7, unit="D"),
            "demand": np.tile(d_w, W),
            "supply": np.concatenate([r[1] for r in rows]),
            "served": np.concatenate([r[2] for r in rows]),
            "short": np.concatenate([r[3] for r in rows]),
            "stock_end": np.concatenate([r[4] for r in rows]),
        }
    )
    return out


def allocate(demand_by_tier: np.ndarray, available: np.ndarray, priority: bool) -> np.ndarray:
    """Units served per tier (columns in :data:`TIER_ORDER`) from ``available`` units per row:
    strict priority (platinum in full, then gold, then standard) or pro rata.

    >>> allocate(np.array([[10.0, 20.0, 30.0]]), np.array([25.0]), True).tolist()
    [[10.0, 15.0, 0.0]]
    >>> allocate(np.array([[10.0, 20.0, 30.0]]), np.array([30.0]), False).tolist()
    [[5.0, 10.0, 15.0]]
    """
    dem = np.asarray(demand_by_tier, dtype=float)
    avail = np.asarray(available, dtype=float)[:, None]
    if priority:
        before = np.cumsum(dem, axis=1) - dem
        return np.clip(avail - before, 0, dem)
    tot = dem.sum(axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(tot > 0, dem * np.minimum(avail / np.where(tot > 0, tot, 1), 1), 0.0)


def by_tier(
    proj: pd.DataFrame, mix: pd.DataFrame, price: pd.Series, priority: bool
) -> pd.DataFrame:
    """Weekly units short and revenue at risk per service tier: each item's weekly demand split
    by its tier mix (``mix``: item x tier shares; items without sales count as standard),
    served pro rata or by priority tier. Tidy ``week, service_tier, demand, short,
    revenue_at_risk``."""
    m = mix.reindex(columns=list(TIER_ORDER), fill_value=0.0).reindex(proj["item_id"]).fillna(0.0)
    m.loc[m.sum(axis=1) == 0, "standard"] = 1.0
    dem = m.to_numpy() * proj["demand"].to_numpy()[:, None]
    served = allocate(dem, proj["served"].to_numpy(), priority)
    short = dem - served
    pr = proj["item_id"].map(price).fillna(0.0).to_numpy()[:, None]
    rows = []
    for j, t in enumerate(TIER_ORDER):  # three tiers
        rows.append(
            pd.DataFrame(
                {
                    "week": proj["week"].to_numpy(),
                    "service_tier": t,
                    "demand": dem[:, j],
                    "short": short[:, j],
                    "revenue_at_risk": short[:, j] * pr[:, 0],
                }
            )
        )
    t = pd.concat(rows, ignore_index=True)
    return (
        t.groupby(["week", "service_tier"], sort=False)[["demand", "short", "revenue_at_risk"]]
        .sum()
        .reset_index()
    )


def weekly_impact(proj: pd.DataFrame, price: pd.Series) -> pd.DataFrame:
    """The week-by-week impact: items short, demand, units short, revenue at risk and the
    cover left (stock / weekly demand, weeks) over the affected items."""
    p = proj.assign(
        rev=proj["short"] * proj["item_id"].map(price).fillna(0.0), is_short=proj["short"] > 1e-9
    )
    g = p.groupby(["week", "week_start"])
    out = pd.DataFrame(
        {
            "items_short": g["is_short"].sum(),
            "demand": g["demand"].sum(),
            "short": g["short"].sum(),
            "revenue_at_risk": g["rev"].sum(),
            "stock_end": g["stock_end"].sum(),
        }
    ).reset_index()
    out["cover_weeks"] = out["stock_end"] / out["demand"].where(out["demand"] > 0)
    out["cumulative_revenue_at_risk"] = out["revenue_at_risk"].cumsum()
    return out


def affected_items(
    proj: pd.DataFrame, items: pd.DataFrame | None, price: pd.Series
) -> pd.DataFrame:
    """Per affected item: stock at the start, weekly demand, cover (weeks), first short week,
    units short and revenue at risk over the horizon."""
    first = proj[proj["short"] > 1e-9].groupby("item_id")["week"].min()
    w1 = (
        proj[proj["week"] == 1]
        .groupby("item_id")[["demand", "stock_end", "supply", "served"]]
        .sum()
    )
    start_stock = w1["stock_end"] + w1["served"] - w1["supply"]
    tot = proj.groupby("item_id")["short"].sum()
    out = pd.DataFrame(
        {
            "stock_start": start_stock,
            "weekly_demand": w1["demand"],
            "cover_weeks": start_stock / w1["demand"].where(w1["demand"] > 0),
            "first_short_week": first.reindex(w1.index),
            "short": tot,
        }
    )
    out["revenue_at_risk"] = out["short"] * out.index.map(price).fillna(0.0)
    out = out.reset_index()
    if items is not None:
        out = out.merge(items[["item_id", "description", "category"]], on="item_id", how="left")
    out["first_short_week"] = out["first_short_week"].astype("Int64")
    return out.sort_values(["revenue_at_risk", "item_id"], ascending=[False, True]).reset_index(
        drop=True
    )


def open_orders(
    sales: pd.DataFrame | None,
    po: pd.DataFrame | None,
    items: Sequence[str],
    suppliers_cut: Sequence[str],
    as_of: pd.Timestamp,
    start: pd.Timestamp | None = None,
):
    """Open customer order lines for the affected items (not delivered by ``as_of``) and open
    purchase order lines with the cut suppliers for them (not received), placed on or before
    the disruption ``start`` (orders placed after it are not affected by it: they were placed
    knowing of the disruption); ``start`` defaults to ``as_of``."""
    so = None
    if sales is not None:
        d = sales["delivery_date"] if "delivery_date" in sales else pd.Series(pd.NaT, sales.index)
        so = sales[
            sales["item_id"].isin(items) & (d.isna() | (d > as_of)) & (sales["order_date"] <= as_of)
        ]
    op = None
    if po is not None:
        op = po[
            po["item_id"].isin(items)
            & po["supplier_id"].isin(suppliers_cut)
            & po["receipt_date"].isna()
            & (po["order_date"] <= pd.Timestamp(as_of if start is None else start))
        ]
    return so, op


def options(
    runs: Mapping[str, tuple[pd.DataFrame, bool]],
    mix: pd.DataFrame,
    price: pd.Series,
    unit_cost: pd.Series,
    alt_premium: float,
    expedite_premium: float,
) -> pd.DataFrame:
    """The mitigation options side by side: units short, revenue at risk, fill rate per tier and
    the extra cost (alternate supply x unit cost x premium; expedited units the same with the
    expedite premium on top). ``runs`` maps an option to (projection, priority allocation)."""
    base = runs[next(iter(runs))][0]
    rows = []
    for name, (proj, priority) in runs.items():  # a handful of options
        t = by_tier(proj, mix, price, priority)
        tt = t.groupby("service_tier")[["demand", "short"]].sum()
        extra = (proj["supply"] - base["supply"]).clip(lower=0) * proj["item_id"].map(
            unit_cost
        ).fillna(0)
        prem = alt_premium + (expedite_premium if "expedite" in name else 0.0)
        row = {
            "option": name,
            "short": proj["short"].sum(),
            "revenue_at_risk": t["revenue_at_risk"].sum(),
            "extra_cost": float(extra.sum() * prem),
        }
        for tier in TIER_ORDER:
            d = tt["demand"].get(tier, 0.0)
            row[f"fill_{tier}"] = 1 - tt["short"].get(tier, 0.0) / d if d > 0 else np.nan
        rows.append(row)
    out = pd.DataFrame(rows)
    out["revenue_protected"] = out["revenue_at_risk"].iloc[0] - out["revenue_at_risk"]
    return out


MESSAGES = {
    "platinum": "Call now: name the items, the weeks at risk and the protected allocation; offer substitutes.",
    "gold": "Notify this week: expected shortfall and recovery date; agree priorities for open orders.",
    "standard": "Inform by e-mail: possible delays on the items listed; updated dates to follow.",
}


def communication_list(
    proj: pd.DataFrame,
    sales: pd.DataFrame | None,
    customers: pd.DataFrame | None,
    alternates: pd.DataFrame,
    suppliers: pd.DataFrame,
    as_of: pd.Timestamp,
    months: int = 6,
) -> pd.DataFrame:
    """Who to tell and what: every customer that bought an item projected short (the last
    ``months`` months of orders), with its tier, items at risk, units at risk (its share of
    each item's shortfall) and first short week, ranked by tier; then each alternate supplier
    to activate with the items and capacity asked. Columns ``stakeholder, party_id, name,
    service_tier, items, units_at_risk, first_short_week, message``."""
    cols = ["stakeholder", "party_id", "name", "service_tier", "items", "units_at_risk"]
    cols += ["first_short_week", "message"]
    rows = []
    short = proj[proj["short"] > 1e-9]
    if sales is not None and customers is not None and len(short):
        recent = sales[sales["order_date"] > as_of - pd.DateOffset(months=months)]
        recent = recent[recent["item_id"].isin(short["item_id"].unique())]
        share = recent.groupby(["item_id", "customer_id"])["ordered_qty"].sum()
        share = share / share.groupby(level="item_id").transform("sum")
        item_short = short.groupby("item_id")["short"].sum()
        first = short.groupby("item_id")["week"].min()
        s = share.rename("share").reset_index()
        s["units"] = s["share"] * s["item_id"].map(item_short)
        s["first"] = s["item_id"].map(first)
        g = s.groupby("customer_id")
        c = pd.DataFrame(
            {
                "items": g["item_id"].nunique(),
                "units_at_risk": g["units"].sum(),
                "first_short_week": g["first"].min(),
            }
        ).reset_index()
        c = c.merge(
            customers[["customer_id", "name", "service_tier"]], on="customer_id", how="left"
        )
        c["rank"] = c["service_tier"].map({t: i for i, t in enumerate(TIER_ORDER)})
        c = c.sort_values(["rank", "units_at_risk"], ascending=[True, False])
        rows.append(
            pd.DataFrame(
                {
                    "stakeholder": "customer",
                    "party_id": c["customer_id"],
                    "name": c["name"],
                    "service_tier": c["service_tier"],
                    "items": c["items"],
                    "units_at_risk": c["units_at_risk"],
                    "first_short_week": c["first_short_week"],
                    "message": c["service_tier"].map(MESSAGES),
                }
            )
        )
    if len(alternates):
        a = (
            alternates.groupby("node_id")
            .agg(items=("item_id", "nunique"), cap=("capacity", "sum"))
            .reset_index()
        )
        a["name"] = a["node_id"].map(
            suppliers.drop_duplicates("supplier_id").set_index("supplier_id")["name"]
        )
        rows.append(
            pd.DataFrame(
                {
                    "stakeholder": "alternate supplier",
                    "party_id": a["node_id"],
                    "name": a["name"],
                    "service_tier": "",
                    "items": a["items"],
                    "units_at_risk": np.nan,
                    "first_short_week": np.nan,
                    "message": "Activate qualified capacity: "
                    + a["cap"].round(0).astype(int).astype(str)
                    + " units/day over the items listed; confirm first ship date.",
                }
            )
        )
    if not rows:
        return pd.DataFrame(columns=cols)
    out = pd.concat(rows, ignore_index=True)[cols]
    out["first_short_week"] = out["first_short_week"].astype("Int64")
    return out


def scenario_key(scope: str, start: pd.Timestamp) -> str:
    """The disruption's identity across runs: what is down and since when."""
    return f"{scope} from {pd.Timestamp(start):%Y-%m-%d}"


def recovery_row(
    key: str,
    status_date: pd.Timestamp,
    start: pd.Timestamp,
    duration_weeks: int,
    impact: pd.DataFrame,
    chosen: str,
) -> pd.DataFrame:
    """This run's recovery status: scenario, status date, expected end, weeks elapsed, units
    short and revenue at risk still ahead (weeks after the status date) under the chosen plan."""
    elapsed = max(0, (pd.Timestamp(status_date) - pd.Timestamp(start)).days // 7)
    ahead = impact[impact["week"] > elapsed]
    return pd.DataFrame(
        [
            {
                "scenario": key,
                "status_date": pd.Timestamp(status_date),
                "expected_end": pd.Timestamp(start) + pd.Timedelta(weeks=duration_weeks),
                "weeks_elapsed": elapsed,
                "plan": chosen,
                "short_ahead": float(ahead["short"].sum()),
                "revenue_at_risk_ahead": float(ahead["revenue_at_risk"].sum()),
            }
        ]
    )


def previous_recovery(output_dir: Path | str, key: str) -> pd.DataFrame:
    """The ``outputs/recovery.csv`` rows of this scenario from every earlier successful run of
    the notebook (the run folders beside this one), oldest first."""
    here = Path(output_dir).parent
    rows = []
    if here.parent.is_dir():
        for d in here.parent.iterdir():
            if d == here or not (d / "outputs" / "recovery.csv").is_file():
                continue
            try:
                rec = json.loads((d / "run.json").read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue
            if rec.get("status") != "success":
                continue
            r = pd.read_csv(
                d / "outputs" / "recovery.csv", parse_dates=["status_date", "expected_end"]
            )
            rows.append(r[r["scenario"] == key].assign(run=d.name))
    if not rows:
        return pd.DataFrame()
    return (
        pd.concat(rows, ignore_index=True)
        .sort_values(["status_date", "run"])
        .reset_index(drop=True)
    )


def recovery_tracking(previous: pd.DataFrame, current: pd.DataFrame) -> pd.DataFrame:
    """Every run of the scenario (earlier ones and this one) against the plan (the first run):
    change of the expected end (days) and of the revenue at risk ahead."""
    cur = current.assign(run="this run")
    t = pd.concat([previous, cur], ignore_index=True) if len(previous) else cur
    plan = t.iloc[0]
    t["end_slip_days"] = (
        pd.to_datetime(t["expected_end"]) - pd.Timestamp(plan["expected_end"])
    ).dt.days
    t["revenue_vs_plan"] = t["revenue_at_risk_ahead"] - float(plan["revenue_at_risk_ahead"])
    return t


def no_protection_reason(opts: pd.DataFrame, alternates: pd.DataFrame, site_down: str = "") -> str:
    """Why no mitigation option protects revenue, in one sentence ("" when one does): no
    revenue at risk; a disrupted site (every link into it is cut, alternates included, so
    nothing can be delivered to it until it reopens); no qualified alternate link; or alternates
    that cannot be activated before the disruption ends.

    >>> o = pd.DataFrame({"option": ["no action", "alternate supply"],
    ...                   "revenue_at_risk": [500.0, 500.0], "revenue_protected": [0.0, 0.0]})
    >>> no_protection_reason(o, pd.DataFrame(), "DC-WEST")[:41]
    'No option protects revenue: site DC-WEST '
    """
    if float(opts["revenue_protected"].max()) >= 0.5:
        return ""
    if float(opts["revenue_at_risk"].iloc[0]) < 0.5:
        return "No revenue is at risk, so there is nothing for an option to protect."
    if site_down:
        return (
            f"No option protects revenue: site {site_down} is closed, so no supplier, "
            "alternate or expedited, can deliver to it, and its orders cannot ship until it "
            "reopens; serve its customers from another site (not modelled here) or shorten "
            "the outage."
        )
    if alternates is None or alternates.empty:
        return (
            "No option protects revenue: the affected items have no qualified alternate "
            "supplier (role alternate in the supply network), so alternate supply, expediting "
            "and priority allocation add nothing; qualify an alternate source."
        )
    return (
        "No option protects revenue: the alternate suppliers cannot be activated, even "
        "expedited, before the disruption ends; qualify faster alternates or hold more stock."
    )


def summary(
    scope: str,
    start,
    duration_weeks: int,
    impact: pd.DataFrame,
    items: pd.DataFrame,
    opts: pd.DataFrame,
    comms: pd.DataFrame,
    tracking: pd.DataFrame,
    money=lambda v: f"{v:,.0f}",
    no_protection: str = "",
) -> list[str]:
    """The executive summary of a disruption assessment; ``no_protection``
    (:func:`no_protection_reason`) replaces the best option's line when no option protects
    any revenue, so a zero is explained rather than shown as "protecting $0"."""
    lines = [
        f"Disruption of {scope} from {pd.Timestamp(start):%d %b %Y}, expected to last "
        f"{duration_weeks} weeks: {len(items):,} items are affected, "
        f"{int((items['short'] > 0).sum()):,} run short without action."
    ]
    short = impact[impact["short"] > 0]
    if len(short):
        lines.append(
            f"Without action the first shortage comes in week {int(short['week'].min())}; "
            f"{money(impact['revenue_at_risk'].sum())} of revenue is at risk over the "
            f"{int(impact['week'].max())} weeks, peaking at {money(impact['revenue_at_risk'].max())} "
            f"in week {int(impact.loc[impact['revenue_at_risk'].idxmax(), 'week'])}."
        )
        last = impact.iloc[-1]
        if int(last["week"]) > duration_weeks and last["items_short"] > 0:
            n = int(last["items_short"])
            lines.append(
                f"{n:,} {'item stays' if n == 1 else 'items stay'} short after the recovery: "
                "the capacity of their supply links is below their demand, disruption or not "
                "(check the capacities in the supply network)."
            )
    else:
        lines.append(
            "Stock and the unaffected sources cover demand over the whole horizon: no shortage."
        )
    if no_protection:
        lines.append(no_protection)
    elif len(opts) > 1:
        best = opts.set_index("option").loc[best_option(opts)]
        best["option"] = best.name
        lines.append(
            f"Best option: {best['option']}, protecting {money(best['revenue_protected'])} of "
            f"revenue for {money(best['extra_cost'])} extra cost, leaving "
            f"{money(best['revenue_at_risk'])} at risk; platinum fill rate "
            f"{100 * best['fill_platinum']:.0f}%."
            if pd.notna(best["fill_platinum"])
            else f"Best option: {best['option']}, protecting {money(best['revenue_protected'])} of "
            f"revenue, leaving {money(best['revenue_at_risk'])} at risk."
        )
    cust = comms[comms["stakeholder"] == "customer"] if len(comms) else comms
    if len(cust):
        n_pl = int((cust["service_tier"] == "platinum").sum())
        lines.append(f"{len(cust):,} customers to inform, {n_pl:,} of them platinum (call first).")
    if len(tracking) > 1:
        last = tracking.iloc[-1]
        lines.append(
            f"Recovery against plan ({len(tracking) - 1} earlier run(s)): expected end moved "
            f"{int(last['end_slip_days']):+d} days; revenue at risk ahead {money(last['revenue_vs_plan'])} "
            "against the plan."
        )
    else:
        lines.append(
            "First assessment of this disruption: this run is the recovery plan later runs are tracked against."
        )
    return lines


# --------------------------------------------------------------------------- report building


def most_severe_open_event(events: pd.DataFrame | None) -> str:
    """The event a disruption report opens on when none is named: the most severe unresolved
    event of ``supplier_events``, the latest first among equals; ``""`` when there is none."""
    if events is None or events.empty:
        return ""
    e = events
    if "resolved_date" in e.columns:
        e = e[e["resolved_date"].isna()]
    if e.empty:
        return ""
    sev = pd.to_numeric(e["severity"], errors="coerce") if "severity" in e else 0
    ranked = e.assign(_sev=sev).sort_values(["_sev", "event_date"], ascending=[False, False])
    return str(ranked["event_id"].iloc[0])


def event_scope(
    events: pd.DataFrame | None,
    event_id: str,
    supplier: str,
    start: str,
    default_start: pd.Timestamp,
    other_scope: bool = False,
) -> tuple[str, pd.Timestamp, str]:
    """(supplier, start, event text) from ``event_id`` in ``supplier_events`` (its supplier and
    date, unless ``supplier`` / ``start`` are given), else from the parameters; start defaults
    to ``default_start``. With no event, supplier or ``other_scope`` (site, country, lane) given,
    the report responds to the most severe open event (:func:`most_severe_open_event`). An
    unknown event id is a one-line :class:`ParameterError`."""
    text = ""
    if not (event_id or supplier or other_scope):
        event_id = most_severe_open_event(events)
    if event_id:
        if events is None or event_id not in set(events["event_id"]):
            known = [] if events is None else list(events["event_id"].astype(str))
            raise ParameterError(
                f"event {event_id!r} is not in table 'supplier_events' (column 'event_id')."
                f"{_close(event_id, known)} Fix: name an event, or leave event_id empty and set "
                "disrupted_supplier"
            )
        e = events.set_index("event_id").loc[event_id]
        supplier = supplier or str(e["supplier_id"])
        start = start or str(pd.Timestamp(e["event_date"]).date())
        text = (
            f"{e['event_type']} ({e['severity']}) reported {pd.Timestamp(e['event_date']):%d %b %Y}"
        )
        if "description" in events.columns and pd.notna(e.get("description")):
            text += f": {e['description']}"
    return supplier, pd.Timestamp(start) if start else pd.Timestamp(default_start), text


OPTIONS = (
    "no action",
    "alternate supply",
    "alternate + expedite",
    "alternate + expedite + priority",
)


def option_runs(cut, network, stock, demand, start, duration_weeks, horizon_weeks,
                expedite_weeks, site_down="") -> dict[str, tuple[pd.DataFrame, bool]]:  # fmt: skip
    """The projections of the mitigation options: no action; the qualified alternates switched
    on after their activation time; the same brought forward by ``expedite_weeks``; and that
    with constrained supply allocated by customer priority tier."""
    args = (cut, network, stock, demand, start, duration_weeks, horizon_weeks)
    none = project(*args, site_down=site_down)
    alt = project(*args, alternates=True, site_down=site_down)
    exp = project(*args, alternates=True, expedite_weeks=expedite_weeks, site_down=site_down)
    return dict(zip(OPTIONS, [(none, False), (alt, False), (exp, False), (exp, True)]))


def alternate_links(cut: pd.DataFrame, network: pd.DataFrame) -> pd.DataFrame:
    """The qualified alternate links (not cut) of the affected items and sites."""
    pairs = cut[["item_id", "downstream_id"]].drop_duplicates()
    alt = network[network.get("role", pd.Series("", index=network.index)) == "alternate"]
    alt = alt.merge(pairs, on=["item_id", "downstream_id"])
    return alt[~alt["node_id"].isin(cut["node_id"])].reset_index(drop=True)


def tier_weekly(proj: pd.DataFrame, mix: pd.DataFrame, price: pd.Series, priority: bool):
    """Week by week, units short and revenue at risk per customer service tier (one row per
    week: ``short_<tier>``, ``revenue_<tier>``)."""
    t = by_tier(proj, mix, price, priority)
    w = t.pivot_table(index="week", columns="service_tier", values=["short", "revenue_at_risk"])
    w.columns = [f"{'revenue' if a == 'revenue_at_risk' else a}_{b}" for a, b in w.columns]
    order = [f"{m}_{t}" for m in ("short", "revenue") for t in TIER_ORDER]
    return w.reindex(columns=order, fill_value=0.0).reset_index()


def best_option(opts: pd.DataFrame, tolerance: float = 0.005) -> str:
    """The cheapest option among those that protect the most revenue (then the most platinum
    service among equally cheap ones).

    Options whose revenue at risk is within ``tolerance`` (share of the largest revenue
    protected, at least one currency unit) of the lowest count as protecting the most: paying
    more for the same protected revenue is never recommended.

    >>> o = pd.DataFrame({"option": ["none", "alt", "exp"], "revenue_at_risk": [447.0, 0, 0],
    ...                   "extra_cost": [0.0, 402, 2100], "fill_platinum": [0.9, 1, 1]})
    >>> best_option(o)
    'alt'
    """
    o = opts.assign(_p=-opts["fill_platinum"].fillna(0).round(3))
    protected = o["revenue_at_risk"].max() - o["revenue_at_risk"]
    tol = max(1.0, tolerance * float(protected.max()))
    top = o[o["revenue_at_risk"] <= o["revenue_at_risk"].min() + tol]
    return str(top.sort_values(["extra_cost", "_p"]).iloc[0]["option"])


def appendix(duration: int, horizon: int, months: int, expedite: int, alt_premium: float,
             exp_premium: float) -> dict[str, str]:  # fmt: skip
    """The method appendix of the disruption report."""
    return {
        "Scope": "The supply links cut: every link of the disrupted supplier, the links into "
        "(and the stock of) the disrupted site, the links of suppliers in the disrupted country, "
        "or those from suppliers in the lane's origin country to sites in its destination "
        "country (supply_network).",
        "Weekly projection": f"Per affected item and site over {horizon} weeks: demand = mean "
        f"of the last {months} months; the other primary links keep their share (capped at "
        f"demand), the cut links deliver nothing for {duration} weeks and then at capacity; "
        "stock_w = max(0, stock_(w-1) + supply - demand), units short = demand not served; "
        "revenue at risk = units short x list price; cover = stock / weekly demand.",
        "Customers by tier": "Each item's weekly demand split by its customers' ordered "
        "quantity by service tier (items without sales count as standard); served pro rata, or "
        "by strict priority (platinum, then gold, then standard) in the allocation option "
        "(APICS Dictionary, 16th ed., allocation).",
        "Mitigation options": "Alternate supply: the qualified alternate links (role alternate) "
        "deliver at capacity from their activation time until the disruption ends, at "
        f"{alt_premium:.0%} above unit cost; expedite: the same {expedite} week{'' if expedite == 1 else 's'} earlier at "
        f"{exp_premium:.0%} more; priority allocation: the expedited supply served by tier.",
        "Communication": "Customers that ordered an affected item in the last six months, with "
        "their share of its shortfall, by tier (platinum called first); alternate suppliers "
        "with the capacity to switch on.",
        "Recovery tracking": "Each run writes recovery.csv (scenario, status date, expected "
        "end, plan, shortfall and revenue at risk ahead); later runs of the same scenario "
        "(scope and start) read every earlier successful run's file and compare with the "
        "first (the plan). Sheffi, The Resilient Enterprise (2005); Simchi-Levi et al., "
        "Interfaces 45(5), 2015.",
    }
