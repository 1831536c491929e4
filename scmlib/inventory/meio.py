"""Multi-echelon safety-stock placement by the guaranteed-service model (GSM).

Each stage j of a network quotes an outbound service time S_j to its customers and receives
its inputs after the inbound service time SI_j (the largest S of its suppliers, or the external
supplier's). It holds safety stock for its net lead time NLT_j = SI_j + T_j - S_j (T_j its own
processing / transit time): SS_j = z sigma_j sqrt(NLT_j), sigma_j the standard deviation of the
demand it serves per period (the pooled demand of the stages below it). Placement minimises
sum_j h_j SS_j subject to 0 <= S_j <= SI_j + T_j and S_j <= the service time quoted to end
customers at demand stages.

Single-echelon sizing is one feasible point of the model: every stage quotes S_j = 0 and covers
its own replenishment time T_j (+ the external inbound time at the top). The GSM optimum is never
dearer; the saving is what positioning buys.

The cost is concave in the service times, so the optimum is at extreme points (Simpson 1958;
Graves & Willems 2000). For the distribution trees here (one or a few upstream stages in series
feeding demand stages) every integer service time of the upstream stages is enumerated, which is
exact; the demand stages take the largest service time allowed.

References
----------
- Graves & Willems (2000), "Optimizing strategic safety stock placement in supply chains",
  *Manufacturing & Service Operations Management* 2(1), 68-83 (erratum 2003, 5(2), 176-177).
- Snyder & Shen (2019), *Fundamentals of Supply Chain Theory*, 2nd ed., section 6.3 (the
  guaranteed-service model; Example 6.5, the tree solved in the tests).
- Simpson (1958), "In-process inventories", *Operations Research* 6(6), 863-873.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping

import numpy as np
import pandas as pd
from scipy import stats

from scmlib.errors import DataError, ParameterError


def gsm_tree(
    stages: pd.DataFrame, z: float = 1.0, external_inbound: float = 0.0
) -> tuple[pd.DataFrame, float]:
    """Optimal committed service times of a tree whose internal stages form one chain (the
    root first) feeding demand stages; exact by enumeration of the chain's integer service times.

    ``stages`` columns: ``stage``, ``parent`` (None at the root), ``processing_time`` T,
    ``holding_cost`` h, and for demand stages (no children) ``demand_sd`` (per period) and
    ``max_service_time`` (quoted to customers). Returns (stages with ``inbound_service``,
    ``service_time``, ``net_lead_time``, ``demand_sd`` pooled, ``safety_stock``,
    ``holding_cost_total``; the optimal total cost).

    Examples
    --------
    Snyder & Shen (2019) Example 6.5 (Graves & Willems tree): stage 1 (T = 2, h = 1, external
    inbound service time 1) feeds 3 (T = 1, h = 2), which feeds demand stages 2 and 4 (T = 1,
    h = 3, sigma = 1, quoted service 0 and 1), z = 1: optimal S = 0, 0, 0, 1, cost 8.278.

    >>> st = pd.DataFrame({"stage": [1, 3, 2, 4], "parent": [None, 1, 3, 3],
    ...     "processing_time": [2, 1, 1, 1], "holding_cost": [1, 2, 3, 3],
    ...     "demand_sd": [np.nan, np.nan, 1, 1], "max_service_time": [np.nan, np.nan, 0, 1]})
    >>> out, cost = gsm_tree(st, z=1, external_inbound=1)
    >>> out["service_time"].tolist(), round(cost, 4)
    ([0.0, 0.0, 0.0, 1.0], 8.2779)
    """
    need = ["stage", "parent", "processing_time", "holding_cost"]
    missing = [c for c in need if c not in stages.columns]
    if missing:
        raise DataError(f"GSM stages are missing column(s) {missing}")
    st = stages.reset_index(drop=True).copy()
    parent = dict(zip(st["stage"], st["parent"], strict=True))
    children = {s: [c for c, p in parent.items() if p == s] for s in parent}
    leaves = [s for s, ch in children.items() if not ch]
    internal = [s for s in parent if children[s]]
    roots = [s for s, p in parent.items() if p is None or (isinstance(p, float) and np.isnan(p))]
    if len(roots) != 1:
        raise ParameterError(f"the GSM network must have exactly one root stage, got {roots}")
    chain = [roots[0]]
    while len(chain) < len(internal):
        nxt = [c for c in children[chain[-1]] if children[c]]
        if len(nxt) != 1:
            raise ParameterError(
                "gsm_tree solves trees whose internal stages form one chain; got a branching "
                f"internal stage {chain[-1]}"
            )
        chain.append(nxt[0])
    row = {s: i for i, s in enumerate(st["stage"])}
    T = st["processing_time"].to_numpy(float)
    h = st["holding_cost"].to_numpy(float)
    sd = st.get("demand_sd", pd.Series(np.nan, index=st.index)).to_numpy(float).copy()
    smax = st.get("max_service_time", pd.Series(0.0, index=st.index)).fillna(0).to_numpy(float)
    if np.isnan(sd[[row[s] for s in leaves]]).any():
        raise DataError("every demand stage of the GSM network needs demand_sd")
    for s in reversed(chain):  # pooled demand: independent demand stages below
        sd[row[s]] = np.sqrt(sum(sd[row[c]] ** 2 for c in children[s]))

    def evaluate(service: Mapping) -> tuple[float, dict, dict]:
        si, s_out = {}, {}
        for s in chain:
            si[s] = external_inbound if s == chain[0] else s_out[parent[s]]
            s_out[s] = service[s]
        for s in leaves:
            si[s] = s_out[parent[s]] if parent[s] in s_out else external_inbound
            s_out[s] = min(smax[row[s]], si[s] + T[row[s]])
        cost = sum(
            h[row[s]] * z * sd[row[s]] * np.sqrt(max(si[s] + T[row[s]] - s_out[s], 0.0))
            for s in parent
        )
        return cost, si, s_out

    best = (np.inf, None, None)
    ranges = []
    top = external_inbound
    for s in chain:  # the largest service time a chain stage can quote
        top += T[row[s]]
        ranges.append(range(int(np.floor(top)) + 1))
    for combo in itertools.product(*ranges):  # a few stages x their service times
        service = dict(zip(chain, combo, strict=True))
        ok = all(
            service[s] <= (external_inbound if i == 0 else service[chain[i - 1]]) + T[row[s]]
            for i, s in enumerate(chain)
        )
        if ok:
            cost, si, s_out = evaluate(service)
            if cost < best[0] - 1e-12:
                best = (cost, si, s_out)
    cost, si, s_out = best
    st["inbound_service"] = st["stage"].map(si).astype(float)
    st["service_time"] = st["stage"].map(s_out).astype(float)
    st["net_lead_time"] = st["inbound_service"] + T - st["service_time"]
    st["demand_sd"] = sd
    st["safety_stock"] = z * sd * np.sqrt(st["net_lead_time"].clip(lower=0))
    st["holding_cost_total"] = h * st["safety_stock"]
    return st, float(cost)


def position_two_echelon(
    items: pd.DataFrame,
    leaves: pd.DataFrame,
    *,
    plant_days: float = 2.0,
    dc_uplift: float = 0.0,
    holding_rate: float = 0.25,
    customer_service_days: float = 0.0,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Safety-stock positioning for a supplier -> central stage (plant) -> demand stages (DCs)
    network, one network per item, vectorised over items by enumerating the central stage's
    service time S0 in whole days.

    ``items``: ``item_id``, ``supplier_days`` (external inbound service time), ``unit_cost``,
    ``service_target`` (cycle service, gives z). ``leaves``: ``item_id``, ``location_id``,
    ``transfer_days`` (T of the demand stage), ``sigma_daily`` (daily demand standard
    deviation). Holding cost per unit-year: unit cost x ``holding_rate`` at the plant, x
    (1 + ``dc_uplift``) at a DC. Demand stages quote ``customer_service_days``.

    Returns (per item: ``single_echelon_value`` (every stage covers its own replenishment
    time, S = 0), ``dc_only_value`` (no central stock), ``gsm_value``, ``central_service_days``
    (the optimal S0), ``hold_at`` in words, ``saving``; per stage: the optimal safety stock).
    Values are safety-stock values at cost (units x unit cost at the plant, x (1 + uplift) at a
    DC); the optimisation minimises that holding cost (Graves & Willems 2000).
    """
    for name, frame, cols in (
        ("items", items, ["item_id", "supplier_days", "unit_cost", "service_target"]),
        ("leaves", leaves, ["item_id", "location_id", "transfer_days", "sigma_daily"]),
    ):
        missing = [c for c in cols if c not in frame.columns]
        if missing:
            raise DataError(f"positioning input {name} is missing column(s) {missing}")
    it = items.drop_duplicates("item_id").reset_index(drop=True)
    pos = pd.Index(it["item_id"])
    lv = leaves[leaves["item_id"].isin(pos)].reset_index(drop=True)
    li = pos.get_indexer(lv["item_id"])
    z = stats.norm.ppf(it["service_target"].to_numpy(float))
    c = it["unit_cost"].to_numpy(float)
    sin0 = it["supplier_days"].to_numpy(float)
    t0 = float(plant_days)
    sd_l = lv["sigma_daily"].to_numpy(float)
    t_l = lv["transfer_days"].to_numpy(float)
    sd0 = np.sqrt(np.bincount(li, weights=sd_l**2, minlength=len(it)))
    top = np.floor(sin0 + t0)
    grid = np.arange(int(np.nanmax(top)) + 1 if len(it) else 1)[None, :]  # S0 candidates (days)
    s0 = np.minimum(grid, top[:, None])  # items x candidates
    ss0 = z[:, None] * sd0[:, None] * np.sqrt(np.maximum(sin0[:, None] + t0 - s0, 0))
    leaf_nlt = np.maximum(s0[li] + t_l[:, None] - customer_service_days, 0)
    ss_l = z[li, None] * sd_l[:, None] * np.sqrt(leaf_nlt)
    leaf_val = np.zeros_like(ss0)
    np.add.at(leaf_val, li, ss_l * (c[li] * (1 + dc_uplift))[:, None])
    total = ss0 * c[:, None] + leaf_val
    best = np.argmin(total, axis=1)
    rows = np.arange(len(it))
    out = it[["item_id", "supplier_days", "unit_cost", "service_target"]].copy()
    out["single_echelon_value"] = total[:, 0]
    out["dc_only_value"] = total[rows, np.minimum(top, grid.shape[1] - 1).astype(int)]
    out["gsm_value"] = total[rows, best]
    out["central_service_days"] = s0[rows, best]
    out["hold_at"] = np.where(
        out["central_service_days"] <= 0,
        "plant and DCs",
        np.where(out["central_service_days"] >= top, "DCs only", "split"),
    )
    out["saving"] = out["single_echelon_value"] - out["gsm_value"]
    out["holding_cost_saving"] = out["saving"] * holding_rate
    lv = lv.assign(
        central_service_days=out["central_service_days"].to_numpy()[li],
        safety_stock=ss_l[np.arange(len(lv)), best[li]],
        single_echelon_ss=ss_l[:, 0],
    )
    plant = out[["item_id"]].assign(
        location_id="plant",
        central_service_days=out["central_service_days"],
        safety_stock=ss0[rows, best],
        single_echelon_ss=ss0[:, 0],
    )
    return out, pd.concat([plant, lv], ignore_index=True)


def positioning_summary(per_item: pd.DataFrame) -> pd.DataFrame:
    """Items and safety-stock value by where the GSM holds stock, against single-echelon sizing
    at every stage and against DC-only stock."""
    g = per_item.groupby("hold_at", observed=True)
    out = g.agg(
        items=("item_id", "size"),
        single_echelon_value=("single_echelon_value", "sum"),
        dc_only_value=("dc_only_value", "sum"),
        gsm_value=("gsm_value", "sum"),
    ).reset_index()
    out["saving"] = out["single_echelon_value"] - out["gsm_value"]
    return out


def transfer_days(
    locations: pd.DataFrame,
    plant_type: str = "plant",
    handling_days: float = 1.0,
    road_km_per_day: float = 600.0,
    sea_km_per_day: float = 500.0,
    port_days: float = 7.0,
) -> pd.DataFrame:
    """Plant-to-DC transit days from the locations' coordinates: great-circle distance (haversine,
    earth radius 6,371 km); by road within the plant's country (``handling_days`` + km /
    ``road_km_per_day``), by sea to another country (``handling_days`` + ``port_days`` + km /
    ``sea_km_per_day``). Returns ``location_id``, ``distance_km``, ``transfer_days`` for every
    non-plant location, and the plant's id in ``attrs['plant']``.

    >>> loc = pd.DataFrame({"location_id": ["P", "D"], "type": ["plant", "dc"],
    ...     "country": ["USA", "USA"], "latitude": [0.0, 0.0], "longitude": [0.0, 10.0]})
    >>> transfer_days(loc).round(1)[["distance_km", "transfer_days"]].values.tolist()
    [[1111.9, 2.9]]
    """
    need = ["location_id", "type", "country", "latitude", "longitude"]
    missing = [c for c in need if c not in locations.columns]
    if missing:
        raise DataError(f"locations is missing column(s) {missing} for the plant-to-DC network")
    plants = locations[locations["type"] == plant_type]
    if plants.empty:
        raise DataError(
            f"locations has no row of type '{plant_type}' (the central stage of the network); "
            f"types found: {sorted(locations['type'].astype(str).unique())}"
        )
    p = plants.iloc[0]
    dcs = locations[locations["type"] != plant_type].copy()
    lat1, lon1 = np.radians(p["latitude"]), np.radians(p["longitude"])
    lat2, lon2 = (
        np.radians(dcs["latitude"].to_numpy(float)),
        np.radians(dcs["longitude"].to_numpy(float)),
    )
    a = (
        np.sin((lat2 - lat1) / 2) ** 2
        + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    )
    km = 2 * 6371.0 * np.arcsin(np.sqrt(a))
    same = dcs["country"].to_numpy() == p["country"]
    days = np.where(
        same,
        handling_days + km / road_km_per_day,
        handling_days + port_days + km / sea_km_per_day,
    )
    out = pd.DataFrame(
        {"location_id": dcs["location_id"].to_numpy(), "distance_km": km, "transfer_days": days}
    )
    out.attrs["plant"] = p["location_id"]
    return out


def network_inputs(
    result: pd.DataFrame, transfers: pd.DataFrame, period_days: float = 365.25 / 12
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Items and demand stages for :func:`position_two_echelon` from a safety-stock table (one row
    per item-location: ``lead_time_days``, ``unit_cost``, ``service_target``, ``std_demand`` per
    month): the supplier lead time of an item is its mean over its locations, its target the
    highest of them; each DC's daily demand deviation is std_demand / sqrt(period_days)."""
    r = result[result["location_id"].isin(transfers["location_id"])]
    items = (
        r.groupby("item_id", observed=True)
        .agg(
            supplier_days=("lead_time_days", "mean"),
            unit_cost=("unit_cost", "first"),
            service_target=("service_target", "max"),
        )
        .reset_index()
    )
    leaves = r[["item_id", "location_id"]].assign(
        sigma_daily=r["std_demand"].to_numpy(float) / np.sqrt(period_days)
    )
    leaves = leaves.merge(transfers, on="location_id")
    return items, leaves[leaves["sigma_daily"] > 0].reset_index(drop=True)
