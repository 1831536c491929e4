"""Business continuity: time to recover (TTR), time to survive (TTS) and the Risk Exposure
Index of every supplier and site, and what closes each gap.

Method: Simchi-Levi, D., Schmidt, W., Wei, Y., Zhang, P. Y., Combs, K., Ge, Y., Gusikhin, O.,
Sanders, M. & Zhang, D. (2015). Identifying risks and mitigating disruptions in the automotive
supply chain. *Interfaces* 45(5), 375-390; and Simchi-Levi, Schmidt & Wei (2014), From
superstorms to factory fires, *Harvard Business Review* 92(1-2).

- TTR of a node: the time it needs to return to full function after a disruption (as the node
  reports it; or, where its past disruptions are recorded, their median duration).
- TTS of a node: the longest time the network can match supply with demand (no lost sales)
  while the node is down, using stock and every other qualified source. For one node alone:
  TTS = stock / (demand rate - alternative capacity), unbounded when the alternatives cover
  demand (:func:`tts_closed_form`). For the network, a linear programme: remove the node and
  maximise the horizon t subject to supplies, capacities shared between items and stock
  (:class:`NetworkLP`), solved with HiGHS (Huangfu & Hall 2018, *Math. Prog. Comp.* 10).
- Performance impact PI of a node: the least lost profit (margin x lost units) over the node's
  TTR, from the same LP with t fixed at TTR; Risk Exposure Index REI = PI / max PI (0-1).
- A node with TTS < TTR is exposed; the buffer stock, or the alternate (dual-source) capacity,
  that lifts TTS to the required cover closes the gap.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from scmlib.errors import DataError, ParameterError

CUSTOMERS = "customers"  # downstream_id of a site's outbound link


def tts_closed_form(stock, demand_rate, alternative_rate) -> np.ndarray:
    """Time to survive of one node alone: stock / (demand - alternative capacity), in the
    units of the rates' time base; ``inf`` where the alternatives cover demand.

    Examples
    --------
    40 days of cover of a part whose alternative source covers half the demand survives twice
    as long (Simchi-Levi et al. 2015, the single-node case of the TTS model):

    >>> tts_closed_form([400.0, 400.0, 400.0], [10.0, 10.0, 10.0], [0.0, 5.0, 12.0]).tolist()
    [40.0, 80.0, inf]
    """
    s, d, a = (np.asarray(v, dtype=float) for v in (stock, demand_rate, alternative_rate))
    net = d - a
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(net > 0, np.maximum(s, 0) / np.where(net > 0, net, 1), np.inf)


def prepare_network(
    network: pd.DataFrame,
    stock: pd.DataFrame,
    demand: pd.DataFrame,
    margin: pd.Series | None = None,
) -> dict:
    """The arrays of the network LP from tidy tables.

    ``network``: the ``supply_network`` table (supplier/plant -> item -> site links, and the
    sites' outbound links to ``customers``); ``stock``: ``item_id, location_id, on_hand_qty``;
    ``demand``: ``item_id, location_id, demand_per_day``; ``margin``: profit per unit by item.
    Items are aggregated over sites (a site's customers can be served from another site's stock
    while it is down); a site's inbound total is capped at its outbound capacity and a
    supplier's total at the sum of its primary links (its normal load plus spare capacity),
    so alternates share what spare capacity there is."""
    need = ["node_id", "node_type", "item_id", "downstream_id", "capacity", "ttr_days"]
    miss = [c for c in need if c not in network.columns]
    if miss:
        raise DataError(f"table 'supply_network' lacks column(s) {miss}. Fix: map them")
    net = network.copy()
    role = net["role"] if "role" in net.columns else pd.Series("primary", index=net.index)
    net["role"] = role.fillna("primary")
    inbound = net[net["downstream_id"] != CUSTOMERS].reset_index(drop=True)
    outbound = net[net["downstream_id"] == CUSTOMERS]
    items = pd.Index(sorted(set(demand["item_id"]) | set(inbound["item_id"])), name="item_id")
    d = demand.groupby("item_id")["demand_per_day"].sum().reindex(items).fillna(0.0)
    st = stock.groupby(["item_id", "location_id"])["on_hand_qty"].sum()
    suppliers = pd.Index(sorted(inbound["node_id"].unique()))
    sites = pd.Index(sorted(set(inbound["downstream_id"]) | set(outbound["node_id"])))
    primary_cap = inbound[inbound["role"] == "primary"].groupby("node_id")["capacity"].sum()
    sup_cap = primary_cap.reindex(suppliers)
    sup_cap = sup_cap.fillna(inbound.groupby("node_id")["capacity"].sum().reindex(suppliers))
    site_cap = outbound.groupby("node_id")["capacity"].sum().reindex(sites)
    ttr = pd.concat(
        [
            inbound.groupby("node_id")["ttr_days"].max(),
            outbound.groupby("node_id")["ttr_days"].max(),
        ]
    )
    ttr = ttr.groupby(level=0).max()
    m = margin.reindex(items) if margin is not None else pd.Series(1.0, index=items)
    m = m.fillna(0).clip(lower=0)  # a loss-making item loses no profit when it is not sold
    return {
        "links": inbound,
        "items": items,
        "demand": d.to_numpy(dtype=float),
        "stock_by_site": st,
        "stock": st.groupby(level="item_id").sum().reindex(items).fillna(0).to_numpy(float),
        "suppliers": suppliers,
        "sites": sites,
        "supplier_capacity": sup_cap.to_numpy(dtype=float),
        "site_capacity": site_cap.to_numpy(dtype=float),  # NaN: uncapped
        "ttr": ttr,
        "margin": m.to_numpy(dtype=float),
        "node_type": pd.concat(
            [
                inbound.drop_duplicates("node_id").set_index("node_id")["node_type"],
                outbound.drop_duplicates("node_id").set_index("node_id")["node_type"],
            ]
        )
        .groupby(level=0)
        .first(),
    }


def _quiet_highs():
    """A HiGHS instance without its start-up banner (printed by the C++ constructor on the
    process's standard output, so the file descriptor is muted while it is built)."""
    import os
    import sys

    import highspy

    sys.stdout.flush()
    saved = os.dup(1)
    try:
        with open(os.devnull, "w") as null:
            os.dup2(null.fileno(), 1)
            h = highspy.Highs()
    finally:
        os.dup2(saved, 1)
        os.close(saved)
    h.setOptionValue("output_flag", False)
    return h


class NetworkLP:
    """The TTS / lost-profit LP of a network, built once and re-solved node by node.

    Columns: t (days), the supply x_a of every link over [0, t] and the lost sales l_k of every
    item. Rows: per item sum_a x_a - D_k t + l_k >= -S_k (demand met from supply and stock);
    per link x_a - c_a t <= 0; per supplier sum x_a - C_s t <= 0; per site sum of inbound
    x_a - K_d t <= 0. TTS: maximise t <= horizon with l = 0. Lost profit over a duration T:
    fix t = T and minimise sum_k margin_k l_k. Removing a node sets its links' supply to zero
    (and, for a site, takes its stock out of the demand rows). HiGHS (highspy) keeps the basis
    between solves, so a stress test re-solves from the last optimum."""

    def __init__(self, net: Mapping, horizon: float = 365.0):
        import highspy
        from scipy import sparse

        self.net, self.horizon = net, float(horizon)
        links = net["links"]
        nk, na = len(net["items"]), len(links)
        ns, nd = len(net["suppliers"]), len(net["sites"])
        self.nk, self.na = nk, na
        item_ix = net["items"].get_indexer(links["item_id"])
        sup_ix = net["suppliers"].get_indexer(links["node_id"])
        site_ix = net["sites"].get_indexer(links["downstream_id"])
        if (item_ix < 0).any():
            raise DataError("table 'supply_network': a link's item is not in the demand")
        self.item_ix, self.sup_ix, self.site_ix = item_ix, sup_ix, site_ix
        # column order: t, x (na), l (nk)
        a = np.arange(na)
        rows, cols, vals = [], [], []
        # demand rows 0..nk-1
        rows += [item_ix, np.arange(nk), np.arange(nk)]
        cols += [1 + a, np.zeros(nk, int), 1 + na + np.arange(nk)]
        vals += [np.ones(na), -net["demand"], np.ones(nk)]
        # link rows nk..nk+na-1
        cap = links["capacity"].to_numpy(dtype=float)
        rows += [nk + a, nk + a]
        cols += [1 + a, np.zeros(na, int)]
        vals += [np.ones(na), -cap]
        # supplier rows
        r0 = nk + na
        rows += [r0 + sup_ix, r0 + np.arange(ns)]
        cols += [1 + a, np.zeros(ns, int)]
        vals += [np.ones(na), -np.nan_to_num(net["supplier_capacity"], nan=1e12)]
        # site rows
        r1 = r0 + ns
        site_cap = np.nan_to_num(net["site_capacity"], nan=1e12)
        ok = site_ix >= 0
        rows += [r1 + site_ix[ok], r1 + np.arange(nd)]
        cols += [1 + a[ok], np.zeros(nd, int)]
        vals += [np.ones(ok.sum()), -site_cap]
        n_rows, n_cols = r1 + nd, 1 + na + nk
        A = sparse.csc_matrix(
            (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
            shape=(n_rows, n_cols),
        )
        self.row_lower = np.concatenate([-net["stock"], np.full(n_rows - nk, -np.inf)])
        self.row_upper = np.concatenate([np.full(nk, np.inf), np.zeros(n_rows - nk)])
        inf = highspy.kHighsInf
        self._inf = inf

        def build(sense_max: bool):
            h = _quiet_highs()
            lp = highspy.HighsLp()
            lp.num_col_, lp.num_row_ = n_cols, n_rows
            cost = np.zeros(n_cols)
            if sense_max:
                cost[0] = 1.0
                lower, upper = np.zeros(n_cols), np.full(n_cols, inf)
                upper[0] = self.horizon
                upper[1 + na :] = 0.0  # no lost sales
            else:
                cost[1 + na :] = net["margin"]
                lower, upper = np.zeros(n_cols), np.full(n_cols, inf)
            lp.col_cost_ = cost
            lp.col_lower_, lp.col_upper_ = lower, upper
            lp.row_lower_ = np.where(np.isfinite(self.row_lower), self.row_lower, -inf)
            lp.row_upper_ = np.where(np.isfinite(self.row_upper), self.row_upper, inf)
            lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
            lp.a_matrix_.start_ = A.indptr
            lp.a_matrix_.index_ = A.indices
            lp.a_matrix_.value_ = A.data
            lp.sense_ = highspy.ObjSense.kMaximize if sense_max else highspy.ObjSense.kMinimize
            h.passModel(lp)
            return h, upper

        self._tts, self._tts_upper = build(True)
        self._pi, self._pi_upper = build(False)
        by_node = pd.Series(np.arange(na)).groupby(links["node_id"].to_numpy())
        self.links_of = {k: v.to_numpy() for k, v in by_node}
        by_site = pd.Series(np.arange(na)).groupby(links["downstream_id"].to_numpy())
        self.links_into = {k: v.to_numpy() for k, v in by_site}

    # -- one node out -------------------------------------------------------------------
    def _removed(self, node: str | None) -> tuple[np.ndarray, np.ndarray]:
        """(link columns cut, demand-row lower bounds) with ``node`` down."""
        cut = (
            np.concatenate(
                [
                    self.links_of.get(node, np.array([], int)),
                    self.links_into.get(node, np.array([], int)),
                ]
            )
            if node is not None
            else np.array([], int)
        )
        lower = self.row_lower[: self.nk].copy()
        st = self.net["stock_by_site"]
        if node is not None and node in st.index.get_level_values("location_id"):
            site_stock = st.xs(node, level="location_id").reindex(self.net["items"]).fillna(0)
            lower = lower + site_stock.to_numpy(dtype=float)  # -S_k + S_k,site
        return np.unique(cut), lower

    def _solve(self, h, upper, node, t_fixed=None) -> tuple[float, np.ndarray]:
        cut, lower = self._removed(node)
        kk = np.arange(self.nk)
        h.changeRowsBounds(self.nk, kk, lower, np.full(self.nk, self._inf))
        if len(cut):
            h.changeColsBounds(len(cut), 1 + cut, np.zeros(len(cut)), np.zeros(len(cut)))
        if t_fixed is not None:
            h.changeColsBounds(1, np.array([0]), np.array([t_fixed]), np.array([t_fixed]))
        h.run()
        ok = h.getModelStatus() == __import__("highspy").HighsModelStatus.kOptimal
        value = h.getInfo().objective_function_value if ok else np.nan
        sol = (
            np.asarray(h.getSolution().col_value) if ok else np.full(1 + self.na + self.nk, np.nan)
        )
        if len(cut):  # restore
            h.changeColsBounds(len(cut), 1 + cut, np.zeros(len(cut)), upper[1 + cut])
        h.changeRowsBounds(self.nk, kk, self.row_lower[: self.nk], np.full(self.nk, self._inf))
        return float(value), sol

    def tts(self, node: str | None = None) -> float:
        """Network time to survive (days, capped at the horizon) with ``node`` down (None:
        nothing down)."""
        return self._solve(self._tts, self._tts_upper, node)[0]

    def lost_profit(self, node: str | None, days: float) -> tuple[float, np.ndarray]:
        """Least lost profit over ``days`` with ``node`` down, and lost units per item."""
        value, sol = self._solve(self._pi, self._pi_upper, node, t_fixed=float(days))
        return value, sol[1 + self.na :]

    def stress_test(self, nodes: Sequence[str] | None = None, ttr: Mapping | None = None):
        """TTS, TTR, lost profit over TTR (PI), REI and the exposure flag (TTS < TTR) of every
        node (default: every supplier and site), node by node. Returns one row per node."""
        ttr = pd.Series(ttr if ttr is not None else self.net["ttr"])
        nodes = list(nodes) if nodes is not None else list(ttr.index)
        out = []
        for n in nodes:  # one LP pair per node: the stress test itself
            t = self.tts(n)
            r = float(ttr.get(n, np.nan))
            pi, lost = self.lost_profit(n, r) if np.isfinite(r) else (np.nan, None)
            out.append(
                {
                    "node_id": n,
                    "tts_days": t,
                    "ttr_days": r,
                    "lost_profit": pi,
                    "lost_units": float(np.nansum(lost)) if lost is not None else np.nan,
                    "items_short": int((lost > 1e-6).sum()) if lost is not None else 0,
                }
            )
        res = pd.DataFrame(out)
        res["node_type"] = res["node_id"].map(self.net["node_type"])
        top = res["lost_profit"].max()
        res["rei"] = res["lost_profit"] / top if top and top > 0 else 0.0
        res["exposed"] = res["tts_days"] < res["ttr_days"] - 1e-9
        res["tts_capped"] = res["tts_days"] >= self.horizon - 1e-9
        return res.sort_values(["rei", "tts_days"], ascending=[False, True]).reset_index(drop=True)


def tts_pulp(net: Mapping, node: str | None = None, horizon: float = 365.0) -> float:
    """The TTS LP of :class:`NetworkLP` written with PuLP and solved with HiGHS: the plain
    build-and-solve peer (one model per node) used to check the matrix model and as the naive
    baseline of the benchmark."""
    import pulp

    links = net["links"]
    prob = pulp.LpProblem("tts", pulp.LpMaximize)
    t = prob.add_variable("t", 0, horizon)
    cut = (links["node_id"] == node) | (links["downstream_id"] == node)
    x = [prob.add_variable(f"x{i}", 0, 0 if c else None) for i, c in enumerate(cut.to_numpy())]
    prob += t
    stock = net["stock_by_site"]
    if node is not None and node in stock.index.get_level_values("location_id"):
        stock = stock.drop(node, level="location_id")
    s_item = stock.groupby(level="item_id").sum()
    item_ix = net["items"].get_indexer(links["item_id"])
    for k, item in enumerate(net["items"]):
        prob += (
            pulp.lpSum(x[i] for i in np.flatnonzero(item_ix == k)) + float(s_item.get(item, 0.0))
            >= float(net["demand"][k]) * t
        )
    cap = links["capacity"].to_numpy(dtype=float)
    for i in range(len(links)):
        prob += x[i] <= float(cap[i]) * t
    for s, c in zip(net["suppliers"], net["supplier_capacity"]):
        prob += (
            pulp.lpSum(x[i] for i in np.flatnonzero(links["node_id"].to_numpy() == s))
            <= float(c) * t
        )
    for d, c in zip(net["sites"], net["site_capacity"]):
        if np.isfinite(c):
            idx = np.flatnonzero(links["downstream_id"].to_numpy() == d)
            prob += pulp.lpSum(x[i] for i in idx) <= float(c) * t
    prob.solve(pulp.HiGHS(msg=False))
    return float(pulp.value(t))


# --------------------------------------------------------------------------- inputs from data


def ttr_from_events(events: pd.DataFrame | None, min_events: int = 1) -> pd.Series:
    """Observed TTR per supplier: the median duration (days) of its resolved disruption events
    of high or critical severity, where it has at least ``min_events`` of them."""
    if events is None or events.empty or "resolved_date" not in events.columns:
        return pd.Series(dtype=float)
    e = events.dropna(subset=["resolved_date"])
    e = e[e["severity"].isin(["high", "critical"])]
    days = (e["resolved_date"] - e["event_date"]).dt.days.astype(float)
    g = days.groupby(e["supplier_id"])
    med = g.median()
    return med[g.size() >= min_events]


def daily_demand(
    demand_history: pd.DataFrame, as_of: pd.Timestamp, months: int = 6
) -> pd.DataFrame:
    """Mean demand per day by item and location over the ``months`` months to ``as_of``
    (monthly demand history): ``item_id, location_id, demand_per_day``."""
    end = pd.Timestamp(as_of)
    start = (end - pd.DateOffset(months=months)).to_period(
        "M"
    ).to_timestamp() + pd.offsets.MonthBegin(1)
    h = demand_history[(demand_history["date"] >= start) & (demand_history["date"] <= end)]
    days = max((end - start).days + 1, 1)
    out = h.groupby(["item_id", "location_id"])["quantity"].sum().clip(lower=0) / days
    return out.rename("demand_per_day").reset_index()


def latest_stock(snapshots: pd.DataFrame, as_of: pd.Timestamp | None = None) -> pd.DataFrame:
    """On-hand stock per item and location at the latest snapshot on or before ``as_of``."""
    s = snapshots if as_of is None else snapshots[snapshots["snapshot_date"] <= as_of]
    last = s["snapshot_date"].max()
    return s[s["snapshot_date"] == last][["item_id", "location_id", "on_hand_qty"]]


def tier_mix(sales: pd.DataFrame | None, customers: pd.DataFrame | None) -> pd.DataFrame:
    """Share of each item's ordered quantity by customer service tier (wide: one column per
    tier); items without sales are missing."""
    if sales is None or customers is None:
        return pd.DataFrame()
    tier = sales["customer_id"].map(customers.set_index("customer_id")["service_tier"])
    q = sales["ordered_qty"].groupby([sales["item_id"], tier]).sum().unstack(fill_value=0.0)
    return q.div(q.sum(axis=1).where(lambda s: s > 0), axis=0).fillna(0.0)


def node_items(net: Mapping, node: str, extra: Sequence[str] = ()) -> pd.DataFrame:
    """Per item touched by ``node`` (and the ``extra`` items): demand/day, stock left (the
    node's own stock out when it is a site), alternative capacity/day (links not through the
    node) and the closed-form TTS."""
    links = net["links"]
    through = (links["node_id"] == node) | (links["downstream_id"] == node)
    items = pd.Index(links.loc[through, "item_id"].unique()).union(pd.Index(list(extra)))
    other = links[~through & links["item_id"].isin(items)]
    alt = other.groupby("item_id")["capacity"].sum().reindex(items).fillna(0.0)
    st = net["stock_by_site"]
    if node in st.index.get_level_values("location_id"):
        st = st.drop(node, level="location_id")
    stock = st.groupby(level="item_id").sum().reindex(items).fillna(0.0)
    d = pd.Series(net["demand"], index=net["items"]).reindex(items).fillna(0.0)
    out = pd.DataFrame(
        {"demand_per_day": d, "stock": stock, "alternative_per_day": alt}, index=items
    )
    out["tts_days"] = tts_closed_form(
        out["stock"], out["demand_per_day"], out["alternative_per_day"]
    )
    out.index.name = "item_id"
    return out.reset_index()


def gap_actions(
    lp: NetworkLP,
    results: pd.DataFrame,
    unit_cost: pd.Series,
    coverage: pd.Series | None = None,
    carrying_rate: float = 0.25,
    reservation_rate: float = 0.03,
    qualification_cost: float = 5000.0,
) -> pd.DataFrame:
    """For each exposed node (TTS < TTR): per item it touches, the buffer stock and the
    alternate (dual-source) capacity that let the item survive its required cover
    (``coverage`` x TTR, coverage 1 by default; by customer tier in the report), with their
    yearly cost, and the cheaper option.

    buffer units = the larger of the closed form max(0, (demand - alternative) x required
    days - stock) and the item's lost units in the network LP over the TTR (capacity shared
    between items netted) x coverage; dual-source capacity/day = buffer units / required days;
    buffer cost = units x unit cost x ``carrying_rate`` (a year's holding); dual-source cost =
    ``qualification_cost`` + capacity x 365 x unit cost x ``reservation_rate`` (a capacity
    reservation fee). ``buffer_basis`` says why a row is there: the item's own cover falls
    short of the required days, or its closed-form TTS exceeds them but the network LP still
    loses units of it (capacity shared between items, stock at the wrong site), so the
    buffer stays."""
    cols = ["node_id", "item_id", "demand_per_day", "stock", "alternative_per_day", "tts_days"]
    cols += ["required_days", "buffer_units", "buffer_cost", "dual_capacity_per_day"]
    cols += ["dual_source_cost", "recommended", "recommended_cost", "buffer_basis"]
    net = lp.net
    exposed = results[results["exposed"] & results["ttr_days"].notna()]
    parts = []
    for node, ttr in zip(exposed["node_id"], exposed["ttr_days"]):  # exposed nodes only
        lost = pd.Series(lp.lost_profit(node, ttr)[1], index=net["items"])
        it = node_items(net, node, lost.index[lost > 1e-6])
        it.insert(0, "node_id", node)
        cov = (
            coverage.reindex(it["item_id"]).fillna(1.0).to_numpy()
            if coverage is not None
            else np.ones(len(it))
        )
        it["required_days"] = ttr * cov
        net_d = (it["demand_per_day"] - it["alternative_per_day"]).clip(lower=0)
        closed = (net_d * it["required_days"] - it["stock"]).clip(lower=0)
        it["buffer_units"] = np.ceil(
            np.maximum(closed, it["item_id"].map(lost).fillna(0).to_numpy() * cov) - 1e-6
        ).clip(lower=0)
        parts.append(it[it["buffer_units"] > 0])
    if not parts or not sum(len(p) for p in parts):
        return pd.DataFrame(columns=cols)
    g = pd.concat(parts, ignore_index=True)
    g["dual_capacity_per_day"] = g["buffer_units"] / g["required_days"].where(
        g["required_days"] > 0
    )
    uc = g["item_id"].map(unit_cost).fillna(0.0)
    g["buffer_cost"] = g["buffer_units"] * uc * carrying_rate
    g["dual_source_cost"] = (
        qualification_cost + g["dual_capacity_per_day"] * 365 * uc * reservation_rate
    )
    buffer_cheaper = g["buffer_cost"] <= g["dual_source_cost"]
    g["recommended"] = np.where(buffer_cheaper, "buffer stock", "dual source")
    g["recommended_cost"] = np.where(buffer_cheaper, g["buffer_cost"], g["dual_source_cost"])
    g["buffer_basis"] = np.where(
        g["tts_days"] < g["required_days"],
        "cover short of the required days",
        "item alone survives; short in the network model (capacity or stock at other sites "
        "shared with other items)",
    )
    return g.sort_values(["node_id", "recommended_cost"], ascending=[True, False])[
        cols
    ].reset_index(drop=True)


def coverage_by_tier(mix: pd.DataFrame, policy: Mapping[str, float]) -> pd.Series:
    """Required cover per item as a share of the TTR: the item's demand mix by customer tier
    weighted by the tier policy (``{platinum: 1.0, gold: 0.8, standard: 0.5}``)."""
    bad = [k for k, v in policy.items() if not 0 <= float(v) <= 2]
    if bad:
        raise ParameterError(f"tier coverage must be 0-2 (share of TTR), got {dict(policy)}")
    if mix.empty:
        return pd.Series(dtype=float)
    w = pd.Series({k: float(v) for k, v in policy.items()})
    return (mix.reindex(columns=w.index, fill_value=0.0) * w).sum(axis=1)


def synthetic_network(
    n_suppliers: int = 490, n_sites: int = 10, n_items: int = 1500, seed: int = 0
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.Series]:
    """A random network for tests and the benchmark: each item stocked at one or two sites,
    with a primary supplier (capacity 1.1-1.5 x demand) and, for three items in five, an
    alternate (0.2-0.9 x demand). Returns (network, stock, demand, margin)."""
    rng = np.random.default_rng(seed)
    sup = np.array([f"S{i:04d}" for i in range(n_suppliers)])
    sites = np.array([f"D{i:02d}" for i in range(n_sites)])
    items = np.array([f"I{i:05d}" for i in range(n_items)])
    two = rng.random(n_items) < 0.5
    site_a = rng.integers(0, n_sites, n_items)
    site_b = (site_a + rng.integers(1, n_sites, n_items)) % n_sites
    k = np.concatenate([np.arange(n_items), np.flatnonzero(two)])
    s = np.concatenate([site_a, site_b[two]])
    dem = rng.gamma(2.0, 5.0, len(k))
    prim = rng.integers(0, n_suppliers, n_items)
    alt = (prim + rng.integers(1, n_suppliers, n_items)) % n_suppliers
    has_alt = rng.random(n_items) < 0.6
    rows = [
        pd.DataFrame(
            {
                "node_id": sup[prim[k]],
                "node_type": "supplier",
                "item_id": items[k],
                "downstream_id": sites[s],
                "capacity": dem * rng.uniform(1.1, 1.5, len(k)),
                "role": "primary",
            }
        ),
    ]
    ka = has_alt[k]
    rows.append(
        pd.DataFrame(
            {
                "node_id": sup[alt[k[ka]]],
                "node_type": "supplier",
                "item_id": items[k[ka]],
                "downstream_id": sites[s[ka]],
                "capacity": dem[ka] * rng.uniform(0.2, 0.9, ka.sum()),
                "role": "alternate",
            }
        )
    )
    site_out = pd.Series(dem).groupby(s).sum()
    rows.append(
        pd.DataFrame(
            {
                "node_id": sites[site_out.index],
                "node_type": "dc",
                "item_id": items[0],
                "downstream_id": CUSTOMERS,
                "capacity": site_out.to_numpy() * 1.3,
                "role": "primary",
            }
        )
    )
    net = pd.concat(rows, ignore_index=True)
    ttr = pd.Series(rng.uniform(10, 120, n_suppliers + n_sites), index=np.concatenate([sup, sites]))
    net["ttr_days"] = net["node_id"].map(ttr)
    net = net.drop_duplicates(["node_id", "item_id", "downstream_id"]).reset_index(drop=True)
    demand = pd.DataFrame({"item_id": items[k], "location_id": sites[s], "demand_per_day": dem})
    stock = pd.DataFrame(
        {
            "item_id": items[k],
            "location_id": sites[s],
            "on_hand_qty": dem * rng.uniform(5, 60, len(k)),
        }
    )
    margin = pd.Series(rng.uniform(1, 20, n_items), index=items)
    return net, stock, demand, margin


# --------------------------------------------------------------------------- report building

TTR_SOURCES = ("stated", "events", "larger")


def unit_margin(items: pd.DataFrame) -> pd.Series:
    """Profit per unit by item: list price - standard cost (0 where no price is given)."""
    price = items["unit_price"] if "unit_price" in items.columns else items["unit_cost"]
    return (price - items["unit_cost"]).fillna(0.0).set_axis(items["item_id"])


def node_ttr(stated: pd.Series, observed: pd.Series, source: str = "stated") -> pd.Series:
    """TTR per node: as stated in ``supply_network``, as observed in past events (stated where
    none was observed), or the larger of both."""
    if source not in TTR_SOURCES:
        raise ParameterError(f"ttr_source must be one of {list(TTR_SOURCES)}, got {source!r}")
    obs = observed.reindex(stated.index)
    if source == "stated":
        return stated
    if source == "events":
        return obs.fillna(stated)
    return np.fmax(stated, obs.fillna(stated))


def with_names(
    results: pd.DataFrame, suppliers: pd.DataFrame, locations: pd.DataFrame | None
) -> pd.DataFrame:
    """Stress-test results with each node's name and the gap (TTR - TTS, days, exposed only)."""
    names = suppliers.drop_duplicates("supplier_id").set_index("supplier_id")["name"]
    if locations is not None:
        names = pd.concat([names, locations.set_index("location_id")["name"]])
    out = results.copy()
    out.insert(1, "name", out["node_id"].map(names).fillna(out["node_id"]))
    out["gap_days"] = (out["ttr_days"] - out["tts_days"]).where(out["exposed"])
    return out


def gap_summary(gaps: pd.DataFrame) -> pd.DataFrame:
    """Per exposed node: items to protect, buffer units and their cost, dual-source capacity
    and its cost, and the cost of the cheaper option item by item."""
    if gaps.empty:
        return pd.DataFrame(
            columns=["node_id", "items", "buffer_units", "buffer_cost", "dual_capacity_per_day",
                     "dual_source_cost", "recommended_cost"]
        )  # fmt: skip
    g = gaps.groupby("node_id")
    out = pd.DataFrame(
        {
            "items": g["item_id"].nunique(),
            "buffer_units": g["buffer_units"].sum(),
            "buffer_cost": g["buffer_cost"].sum(),
            "dual_capacity_per_day": g["dual_capacity_per_day"].sum(),
            "dual_source_cost": g["dual_source_cost"].sum(),
            "recommended_cost": g["recommended_cost"].sum(),
        }
    )
    return out.sort_values("recommended_cost", ascending=False).reset_index()


def policy_by_tier(
    gaps: pd.DataFrame, mix: pd.DataFrame, policy: Mapping[str, float]
) -> pd.DataFrame:
    """The buffer policy by customer tier: each tier's required cover (share of TTR) and the
    gap items whose demand is mostly that tier's, with their buffer units and cost."""
    main = mix.idxmax(axis=1) if not mix.empty else pd.Series(dtype=str)
    g = gaps.assign(service_tier=gaps["item_id"].map(main).fillna("standard"))
    agg = g.groupby("service_tier").agg(
        items=("item_id", "nunique"),
        buffer_units=("buffer_units", "sum"),
        recommended_cost=("recommended_cost", "sum"),
    )
    out = pd.DataFrame({"coverage": pd.Series(policy, dtype=float)})
    out.index.name = "service_tier"
    out = out.join(agg).fillna({"items": 0, "buffer_units": 0.0, "recommended_cost": 0.0})
    return out.reset_index()


def summary(
    results: pd.DataFrame,
    gaps: pd.DataFrame,
    horizon: float,
    baseline_tts: float,
    money=lambda v: f"{v:,.0f}",
) -> list[str]:
    """The executive summary of the continuity plan."""
    exposed = results[results["exposed"]]
    lines = [
        f"{len(results):,} nodes stress-tested one at a time ({int((results['node_type'] == 'supplier').sum()):,}"
        f" suppliers, {int((results['node_type'] != 'supplier').sum()):,} sites): {len(exposed):,} "
        "cannot survive their own time to recover (TTS < TTR)."
    ]
    if baseline_tts < horizon - 1e-6:
        lines.append(
            f"Even with nothing down the network covers demand for only {baseline_tts:.0f} days: "
            "capacity is short somewhere before any disruption."
        )
    if len(results) and results["lost_profit"].max() > 0:
        top = results.iloc[0]
        lines.append(
            f"Highest Risk Exposure Index: {top['name']} ({top['node_type']}): losing it for its "
            f"{top['ttr_days']:.0f}-day TTR costs {money(top['lost_profit'])} of profit; it "
            f"survives {top['tts_days']:.0f} days."
        )
    if len(gaps):
        cost = gaps["recommended_cost"].sum()
        n_buf = int((gaps["recommended"] == "buffer stock").sum())
        lines.append(
            f"Closing every gap costs about {money(cost)} a year: buffer stock for {n_buf:,} "
            f"items and dual sourcing for {len(gaps) - n_buf:,} (the cheaper option item by item)."
        )
    hidden = results[(results["ttr_days"] > 0) & ~results["exposed"] & (results["rei"] > 0.5)]
    if len(hidden):
        lines.append(
            f"{len(hidden):,} nodes survive their TTR yet carry a high exposure index (over "
            "0.5): they matter if recovery takes longer than stated."
        )
    return lines


def appendix(horizon: float, months: int, ttr_source: str, policy: Mapping[str, float],
             carrying: float, reservation: float, qualification: float, currency: str) -> dict:  # fmt: skip
    """The method appendix of the business continuity report."""
    pol = ", ".join(f"{k} {v:.0%}" for k, v in policy.items())
    src = {
        "stated": "as each node reports it in supply_network",
        "events": "the median duration of the supplier's resolved high or critical events where "
        "there are any, else as stated",
        "larger": "the larger of the stated TTR and the observed median event duration",
    }[ttr_source]
    return {
        "Time to recover (TTR)": f"Days a node needs to return to full function: {src}.",
        "Time to survive (TTS)": "For one node alone, stock / (demand rate - alternative "
        "capacity); for the network a linear programme: take the node out (its supply links, "
        "and for a site its stock) and maximise the horizon t over which every item's demand "
        "is met from stock and the remaining links, subject to each link's capacity, each "
        "supplier's total capacity (its current load plus spare: alternates compete for it) "
        f"and each site's throughput; capped at {horizon:g} days. Simchi-Levi, Schmidt, Wei et "
        "al., 'Identifying Risks and Mitigating Disruptions in the Automotive Supply Chain', "
        "Interfaces 45(5), 2015. Solved with HiGHS (Huangfu & Hall 2018); a PuLP model gives "
        "the same answers (tested).",
        "Risk Exposure Index (REI)": "Performance impact = the least lost profit (unit margin "
        "x lost units) while the node is down for its TTR (the same LP with t fixed at TTR, "
        "minimising lost profit); REI = impact / the largest impact (1 = most exposed node).",
        "Demand and stock": f"Demand per day = mean of the last {months} months of demand "
        "history by item and site; stock = on hand at the latest snapshot. A site's customers "
        "can be served from another site's stock while it is down.",
        "Closing a gap": "Per item of an exposed node: buffer units = the larger of "
        "(demand - alternative capacity) x required days - stock and the item's lost units in "
        "the network LP over the TTR; or alternate capacity = buffer units / required days. "
        f"Buffer cost = units x unit cost x {carrying:.0%} carrying rate a year; dual-source "
        f"cost = {currency} {qualification:,.0f} qualification + reserved capacity x 365 x unit "
        f"cost x {reservation:.0%} reservation fee. The cheaper is recommended.",
        "Buffer policy by segment": f"Required cover as a share of the TTR by customer tier "
        f"({pol}), weighted by each item's ordered quantity by tier; items without sales count "
        "as standard.",
    }
