"""Cost to serve: activity-based costing of order lines, customer / product / channel / tier P&Ls,
the whale curve and what-if analyses.

Cost to serve combines sales (order lines, prices, tiers), inventory (stock carried for each
item), procurement (purchase orders placed for each item) and logistics (shipments, freight,
expedited deliveries), so it sits in the cross-area layer.

Method (Kaplan & Cooper, *Cost & Effect*, HBS Press 1998, ch. 10; Kaplan & Anderson, "Time-Driven
Activity-Based Costing", HBR, November 2004):

1. Each activity pool (order handling, picking, packing, freight, ...) has a cost for the window
   and a driver counted in the data (orders, lines, units, weight, ...).
2. Driver rate = pool cost / driver volume. When the pool states its practical capacity in
   driver units (time-driven ABC), rate = pool cost / capacity, and the cost of the capacity
   not used is reported apart, not charged to customers.
3. Each order line consumes driver quantities (a share of its order, its units, its share of
   the shipment's weight, ...); its cost to serve is the sum over pools of rate x quantity.
4. Lines roll up to customer, product, channel and service-tier P&Ls: revenue - cost of goods =
   gross margin; gross margin - cost to serve = net margin.

Every function is vectorised over lines (NumPy ``bincount`` over factorised keys), so ten
million lines are costed and rolled up in seconds (``benchmarks/cost_to_serve_10m.py``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.stats import norm

from scmlib.data.model import COST_DRIVERS, TIERS
from scmlib.errors import DataError, ParameterError

DIMENSIONS = ("customer_id", "item_id", "channel", "service_tier", "category")


# --------------------------------------------------------------------------- rates


def pool_costs(
    activity_costs: pd.DataFrame, start: pd.Timestamp | None = None, end: pd.Timestamp | None = None
) -> tuple[pd.DataFrame, list[str]]:
    """Cost, driver and capacity per pool over the periods from ``start`` to ``end``.

    Returns (pools, notes): one row per pool (``pool, driver, cost, capacity``; capacity is
    NaN unless every period of the pool states one) and notes on pools whose periods do not
    cover the window. A pool with more than one driver, or an unknown driver, is a
    :class:`DataError` naming the pool.
    """
    ac = activity_costs
    for col in ("pool", "period", "cost", "driver"):
        if col not in ac.columns:
            raise DataError(
                f"table 'activity_costs': column '{col}' is missing; it needs pool, period, "
                "cost and driver"
            )
    bad = ac.loc[~ac["driver"].isin(COST_DRIVERS), ["pool", "driver"]].drop_duplicates()
    if len(bad):
        raise DataError(
            f"table 'activity_costs', column 'driver': unknown drivers {bad.head(3).values.tolist()}"
            f"; use one of {list(COST_DRIVERS)}"
        )
    drivers = ac.groupby("pool")["driver"].nunique()
    if (drivers > 1).any():
        p = drivers[drivers > 1].index[0]
        found = sorted(ac.loc[ac["pool"] == p, "driver"].unique())
        raise DataError(
            f"table 'activity_costs': pool '{p}' has several drivers {found}; give each pool "
            "one driver (split it into two pools)"
        )
    sel = ac
    if start is not None:
        sel = sel[sel["period"] >= pd.Timestamp(start).to_period("M").start_time]
    if end is not None:
        sel = sel[sel["period"] <= pd.Timestamp(end)]
    if sel.empty:
        raise DataError(
            f"table 'activity_costs': no periods between {pd.Timestamp(start):%Y-%m-%d} and "
            f"{pd.Timestamp(end):%Y-%m-%d}, the window costed; add the pools' costs for it"
        )
    cap = sel["capacity"] if "capacity" in sel.columns else pd.Series(np.nan, index=sel.index)
    g = sel.assign(capacity=cap, has_cap=cap.notna()).groupby("pool", sort=False)
    pools = g.agg(
        driver=("driver", "first"),
        cost=("cost", "sum"),
        capacity=("capacity", "sum"),
        has_cap=("has_cap", "all"),
        periods=("period", "nunique"),
    ).reset_index()
    pools.loc[~pools["has_cap"], "capacity"] = np.nan
    n_periods = sel["period"].nunique()
    notes = [
        f"activity_costs: pool '{r.pool}' has costs for {r.periods} of the {n_periods} periods "
        "in the window (its cost may be understated)"
        for r in pools.itertuples()
        if r.periods < n_periods
    ]
    return pools.drop(columns=["has_cap", "periods"]), notes


def activity_rates(pools: pd.DataFrame, volumes: Mapping[str, float]) -> pd.DataFrame:
    """Driver rates: pool cost / driver volume, or pool cost / practical capacity (time-driven).

    Parameters
    ----------
    pools : one row per pool with ``pool``, ``driver``, ``cost`` and optionally ``capacity``
        (practical capacity in driver units; NaN: conventional ABC).
    volumes : driver -> volume actually consumed in the window (orders, lines, kg, ...).

    Returns
    -------
    The pools with ``volume``, ``rate`` (cost per driver unit), ``assigned`` (rate x volume,
    charged to order lines), ``unused_capacity`` (cost - assigned when the pool has a capacity)
    and ``unassigned`` (cost of a pool whose driver was not consumed at all).

    Notes
    -----
    Conventional ABC (Kaplan & Cooper 1998): rate = cost / volume, so the whole pool is
    assigned. Time-driven ABC (Kaplan & Anderson 2004): rate = cost / practical capacity, and
    (capacity - volume) x rate is the cost of unused capacity, a period cost that managers act
    on (reduce or redeploy capacity) rather than a cost of serving customers.

    Examples
    --------
    Kaplan & Anderson (2004): a customer-service department costing $560,000 spends 70% of its
    time on 49,000 orders, 10% on 1,400 inquiries and 20% on 2,500 credit checks: $8 per order,
    $40 per inquiry and $44.80 per credit check.

    >>> pools = pd.DataFrame({"pool": ["orders", "inquiries", "credit checks"],
    ...                       "driver": ["orders", "lines", "returns"],
    ...                       "cost": [0.7 * 560_000, 0.1 * 560_000, 0.2 * 560_000]})
    >>> r = activity_rates(pools, {"orders": 49_000, "lines": 1_400, "returns": 2_500})
    >>> r["rate"].round(2).tolist()
    [8.0, 40.0, 44.8]
    """
    out = pools.copy()
    if "capacity" not in out.columns:
        out["capacity"] = np.nan
    out["volume"] = out["driver"].map(lambda d: float(volumes.get(d, 0.0)))
    cost = out["cost"].to_numpy(dtype=float)
    vol = out["volume"].to_numpy(dtype=float)
    cap = out["capacity"].to_numpy(dtype=float)
    has_cap = np.isfinite(cap) & (cap > 0)
    over = has_cap & (vol > cap * (1 + 1e-9))
    if over.any():
        r = out[over].iloc[0]
        raise DataError(
            f"table 'activity_costs', column 'capacity': pool '{r['pool']}' used {r['volume']:,.0f} "
            f"{r['driver']} but states a practical capacity of {r['capacity']:,.0f}; raise the "
            "capacity or leave it empty (conventional ABC)"
        )
    denom = np.where(has_cap, cap, vol)
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = np.where(denom > 0, cost / denom, 0.0)
    assigned = np.where(vol > 0, rate * vol, 0.0)
    out["rate"] = rate
    out["assigned"] = assigned
    out["unused_capacity"] = np.where(has_cap & (vol > 0), cost - assigned, 0.0)
    out["unassigned"] = np.where(vol > 0, 0.0, cost)
    out["utilisation"] = np.where(has_cap, vol / np.where(has_cap, cap, 1.0), np.nan)
    return out


# --------------------------------------------------------------------------- drivers per line


def tier_z(tier_targets: Mapping[str, float]) -> dict[str, float]:
    """Safety factor z = Phi^-1(target) per service tier (normal demand over the lead time), the
    multiple of the demand standard deviation a tier's safety stock holds (Silver, Pyke &
    Thomas, *Inventory and Production Management in Supply Chains*, 4th ed., 2017, ch. 6).

    >>> {k: round(v, 3) for k, v in tier_z({"platinum": 0.98, "standard": 0.92}).items()}
    {'platinum': 2.054, 'standard': 1.405}
    """
    for k, v in tier_targets.items():
        if not 0.5 <= float(v) < 1:
            raise ParameterError(
                f"service target of tier '{k}' must be in [0.5, 1), got {v!r}; fix "
                "service_targets.tier in parameters/company.yaml"
            )
    return {k: float(norm.ppf(float(v))) for k, v in tier_targets.items()}


def _share_within(keys: np.ndarray, weights: np.ndarray, n_keys: int) -> np.ndarray:
    """Each element's share of its key's total weight (equal shares where the total is 0)."""
    tot = np.bincount(keys, weights=weights, minlength=n_keys)
    cnt = np.bincount(keys, minlength=n_keys).astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(tot[keys] > 0, weights / tot[keys], 1.0 / cnt[keys])
    return share


def _codes(values: pd.Series) -> tuple[np.ndarray, pd.Index]:
    """Integer codes and distinct values of a column (a categorical's own codes: no hashing)."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        return values.cat.codes.to_numpy().astype(np.int64), pd.Index(values.cat.categories)
    codes, uniq = pd.factorize(values, sort=False)
    return codes, pd.Index(uniq)


def line_drivers(
    lines: pd.DataFrame,
    shipments: pd.DataFrame | None = None,
    item_stock_value: pd.Series | None = None,
    item_purchase_orders: pd.Series | None = None,
    tier_factor: np.ndarray | None = None,
    safety_share: float = 0.0,
) -> tuple[dict[str, np.ndarray], dict[str, float]]:
    """Driver quantities each order line consumes, and the driver volumes behind them.

    ``lines`` needs ``order_id``, ``item_id`` and ``units`` (units delivered net of returns are
    not used here: work is done on the units delivered), and ``returned`` (units returned).
    Assignment (Kaplan & Cooper 1998, ch. 10: order-level, line-level, unit-level and
    customer-sustaining activities):

    - ``orders``: 1 / lines of the order; ``lines``: 1; ``units``: units delivered;
    - ``weight``, ``shipments``, ``expedited_shipments``: from ``shipments`` (one row per
      shipment and order): a shipment counts once, split over its orders by weight; an order's
      weight and shipments are split over its lines by units;
    - ``returns``: 1 for a line with returned units;
    - ``stock_value``: each item's average stock value, split over its lines by units; with
      ``safety_share`` s > 0 a share s of it (the safety stock) is split by units x
      ``tier_factor`` (the line's tier safety factor), so tiers with higher fill-rate targets
      carry more of it;
    - ``purchase_orders``: each item's purchase-order lines, split over its lines by units.

    Volumes are the totals the rates divide by: for stock value and purchase orders, the
    figures of every item, sold or not (the part of unsold items is not assigned to lines).
    """
    n = len(lines)
    order_codes, orders = _codes(lines["order_id"])
    n_orders = len(orders)
    units = lines["units"].to_numpy(dtype=float)
    q: dict[str, np.ndarray] = {}
    vol: dict[str, float] = {}
    lines_per_order = np.bincount(order_codes, minlength=n_orders)
    q["orders"] = 1.0 / lines_per_order[order_codes]
    q["lines"] = np.ones(n)
    q["units"] = units
    unit_share = _share_within(order_codes, units, n_orders)
    if "returned" in lines.columns:
        q["returns"] = (lines["returned"].fillna(0).to_numpy(dtype=float) > 0).astype(float)
    if shipments is not None and len(shipments):
        sh = shipments[shipments["order_id"].isin(orders)]
        o = orders.get_indexer(sh["order_id"])
        s_codes, s_ids = pd.factorize(sh["shipment_id"], sort=False)
        w = sh["weight_kg"].to_numpy(dtype=float)
        share_in_ship = _share_within(s_codes, w, len(s_ids))
        exp = (
            sh["expedited"].fillna(False).to_numpy(dtype=bool)
            if "expedited" in sh.columns
            else np.zeros(len(sh), dtype=bool)
        )
        order_kg = np.bincount(o, weights=w, minlength=n_orders)
        order_ships = np.bincount(o, weights=share_in_ship, minlength=n_orders)
        order_exp = np.bincount(o, weights=share_in_ship * exp, minlength=n_orders)
        q["weight"] = order_kg[order_codes] * unit_share
        q["shipments"] = order_ships[order_codes] * unit_share
        q["expedited_shipments"] = order_exp[order_codes] * unit_share
        if "shipment_cost" in sh.columns:
            first = ~pd.Series(s_codes).duplicated().to_numpy()
            cost = sh["shipment_cost"].fillna(0).to_numpy(dtype=float)
            order_cost = np.bincount(o, weights=share_in_ship * cost, minlength=n_orders)
            q["traced_freight"] = order_cost[order_codes] * unit_share
            vol["traced_freight"] = float(cost[first].sum())
        all_first = ~shipments["shipment_id"].duplicated()
        vol["weight"] = float(shipments["weight_kg"].sum())
        vol["shipments"] = float(all_first.sum())
        vol["expedited_shipments"] = (
            float(shipments.loc[all_first, "expedited"].fillna(False).astype(bool).sum())
            if "expedited" in shipments.columns
            else 0.0
        )
    item_codes, items = _codes(lines["item_id"])
    for name, per_item in (
        ("stock_value", item_stock_value),
        ("purchase_orders", item_purchase_orders),
    ):
        if per_item is None:
            continue
        per_item = per_item.groupby(level=0).sum()
        value = per_item.reindex(items).fillna(0).to_numpy(dtype=float)
        by_units = value[item_codes] * _share_within(item_codes, units, len(items))
        if name == "stock_value" and safety_share > 0 and tier_factor is not None:
            zu = units * tier_factor
            by_tier = value[item_codes] * _share_within(item_codes, zu, len(items))
            by_units = (1 - safety_share) * by_units + safety_share * by_tier
        # items without units sold in the window consume nothing (their share stays unassigned)
        sold = np.bincount(item_codes, weights=units, minlength=len(items)) > 0
        q[name] = np.where(sold[item_codes], by_units, 0.0)
        vol[name] = float(per_item.clip(lower=0).sum())
    for d in ("orders", "lines", "units", "returns"):
        if d in q:
            vol[d] = float(q[d].sum())
    return q, vol


# --------------------------------------------------------------------------- the analysis


@dataclass
class CostToServe:
    """Costed order lines and the rates behind them (see :func:`analyse`)."""

    lines: pd.DataFrame  # one row per line: dimensions, revenue, cogs, cost_to_serve, net_margin
    rates: pd.DataFrame  # one row per pool: driver, cost, volume, rate, assigned, unused, ...
    pool_by: dict[str, pd.DataFrame] = field(default_factory=dict)  # dimension -> pool x value
    notes: list[str] = field(default_factory=list)
    window: tuple[pd.Timestamp, pd.Timestamp] | None = None


def prepare_lines(
    sales: pd.DataFrame,
    customers: pd.DataFrame,
    items: pd.DataFrame,
    start: pd.Timestamp | None = None,
    end: pd.Timestamp | None = None,
) -> tuple[pd.DataFrame, list[str]]:
    """Delivered order lines in the window with their dimensions, revenue and cost of goods.

    Revenue = (delivered - returned) x net unit price; cost of goods = (delivered - returned) x
    the item's standard cost (the company valuation). Lines not yet delivered are left out
    (no revenue yet) and counted in the notes; lines of unknown customers or items are a
    :class:`DataError` naming examples.
    """
    s = sales
    if start is not None:
        s = s[s["order_date"] >= pd.Timestamp(start)]
    if end is not None:
        s = s[s["order_date"] <= pd.Timestamp(end)]
    delivered = (
        s["delivered_qty"] if "delivered_qty" in s.columns else pd.Series(np.nan, index=s.index)
    )
    done = delivered.notna() if delivered.notna().any() else pd.Series(True, index=s.index)
    notes = []
    if (~done).sum():
        notes.append(
            f"sales_order_lines: {int((~done).sum()):,} lines ordered in the window are not "
            "delivered yet and are left out (no revenue recognised)"
        )
    s = s[done]
    if s.empty:
        raise DataError(
            "table 'sales_order_lines': no delivered lines in the window costed; check "
            "order_date and delivered_qty, or the company window (calendar.window_months)"
        )
    units = (delivered[done] if delivered.notna().any() else s["ordered_qty"]).astype(float)
    returned = (
        s["returned_qty"].fillna(0).astype(float).clip(upper=units)
        if "returned_qty" in s.columns
        else pd.Series(0.0, index=s.index)
    )
    cust = customers.drop_duplicates("customer_id").set_index("customer_id")
    it = items.drop_duplicates("item_id").set_index("item_id")
    unknown = ~s["customer_id"].isin(cust.index)
    if unknown.any():
        raise DataError(
            f"table 'sales_order_lines', column 'customer_id': {int(unknown.sum()):,} lines name "
            f"customers not in the customers table, e.g. {s.loc[unknown, 'customer_id'].unique()[:3].tolist()}; "
            "add them to customers (with a service tier)"
        )
    unknown = ~s["item_id"].isin(it.index)
    if unknown.any():
        raise DataError(
            f"table 'sales_order_lines', column 'item_id': {int(unknown.sum()):,} lines name items "
            f"not in the items table, e.g. {s.loc[unknown, 'item_id'].unique()[:3].tolist()}; add "
            "them to items (with a unit cost)"
        )
    net_units = (units - returned).to_numpy()
    price = s["unit_price"].to_numpy(dtype=float)
    cid = _drop_unused(s["customer_id"].astype("category"))
    iid = _drop_unused(s["item_id"].astype("category"))
    channel = cust["channel"].fillna("(no channel)") if "channel" in cust.columns else None
    list_price = it["unit_price"] if "unit_price" in it.columns else None
    out = pd.DataFrame(
        {
            "order_id": pd.Categorical.from_codes(*pd.factorize(s["order_id"], sort=False)),
            "customer_id": cid.array,
            "item_id": iid.array,
            "category": _lookup(iid, it["category"]),
            "channel": _lookup(cid, channel) if channel is not None else "(no channel)",
            "service_tier": _lookup(cid, cust["service_tier"]),
            "order_date": s["order_date"].to_numpy(),
            "units": units.to_numpy(),
            "returned": returned.to_numpy(),
            "revenue": net_units * price,
            "list_value": net_units
            * (
                np.where(np.isnan(lp := _lookup(iid, list_price, numeric=True)), price, lp)
                if list_price is not None
                else price
            ),
            "cogs": net_units * _lookup(iid, it["unit_cost"], numeric=True),
        }
    )
    for col in ("channel",):
        out[col] = out[col].astype("category")
    return out, notes


def _drop_unused(values: pd.Series) -> pd.Series:
    """A categorical without its unused categories (``bincount`` of the codes: no sort)."""
    codes = values.cat.codes.to_numpy()
    n = len(values.cat.categories)
    used = np.bincount(codes[codes >= 0], minlength=n) > 0
    if used.all():
        return values
    new = np.cumsum(used) - 1
    remapped = np.where(codes >= 0, new[np.maximum(codes, 0)], -1)
    cat = pd.Categorical.from_codes(remapped, categories=values.cat.categories[used])
    return pd.Series(cat, index=values.index, name=values.name)


def _lookup(keys: pd.Series, mapping: pd.Series, numeric: bool = False):
    """``mapping`` looked up for every row of the categorical ``keys``, through its categories
    (one look-up per distinct key, not per row): a Categorical, or floats when ``numeric``."""
    cats = keys.cat.categories
    per_cat = mapping.reindex(cats)
    codes = keys.cat.codes.to_numpy()
    if numeric:
        values = per_cat.to_numpy(dtype=float)
        return np.where(codes >= 0, values[codes], np.nan)
    vcodes, uniq = pd.factorize(per_cat.to_numpy(), sort=False)
    row = np.where(codes >= 0, vcodes[codes], -1)
    return pd.Categorical.from_codes(row, categories=pd.Index(uniq).astype(str))


def cost_lines(
    lines: pd.DataFrame,
    rates: pd.DataFrame,
    quantities: Mapping[str, np.ndarray],
    freight_basis: str = "pool",
    dims: Sequence[str] = ("customer_id", "item_id", "channel", "service_tier", "category"),
) -> tuple[pd.DataFrame, dict[str, pd.DataFrame]]:
    """Each line's cost to serve = sum over pools of rate x the line's driver quantity; with
    ``freight_basis="traced"`` the pools driven by weight are replaced by each shipment's own
    freight cost (split by weight and units). Returns the lines with ``cost_to_serve``,
    ``gross_margin``, ``net_margin`` and the cost per pool rolled up by each of ``dims``."""
    if freight_basis not in ("pool", "traced"):
        raise ParameterError(f"freight_basis must be 'pool' or 'traced', got {freight_basis!r}")
    n = len(lines)
    cts = np.zeros(n)
    codes = {d: _codes(lines[d]) for d in dims if d in lines.columns}
    per_pool: dict[str, dict[str, np.ndarray]] = {d: {} for d in codes}
    for r in rates.itertuples():
        if r.assigned == 0:
            continue
        if freight_basis == "traced" and r.driver == "weight":
            if "traced_freight" not in quantities:
                raise DataError(
                    "table 'shipments': freight_basis 'traced' needs the column 'shipment_cost'; "
                    "add it or use freight_basis 'pool'"
                )
            c = quantities["traced_freight"]
        else:
            if r.driver not in quantities:
                raise DataError(
                    f"table 'activity_costs': pool '{r.pool}' is driven by '{r.driver}', which "
                    f"these data cannot count ({_missing_driver_hint(r.driver)})"
                )
            c = r.rate * quantities[r.driver]
        cts += c
        for d, (k, u) in codes.items():
            per_pool[d][r.pool] = np.bincount(k, weights=c, minlength=len(u))
    out = lines.copy()
    out["cost_to_serve"] = cts
    out["gross_margin"] = out["revenue"] - out["cogs"]
    out["net_margin"] = out["gross_margin"] - cts
    pool_by = {}
    for d, (_k, u) in codes.items():
        frame = pd.DataFrame(per_pool[d], index=pd.Index(np.asarray(u), name=d))
        pool_by[d] = frame
    return out, pool_by


def _missing_driver_hint(driver: str) -> str:
    return {
        "weight": "add the shipments table",
        "shipments": "add the shipments table",
        "expedited_shipments": "add the shipments table with its expedited column",
        "stock_value": "add inventory_snapshots",
        "purchase_orders": "add purchase_order_lines",
        "returns": "add returned_qty to sales_order_lines",
    }.get(driver, "choose another driver")


def analyse(
    sales: pd.DataFrame,
    customers: pd.DataFrame,
    items: pd.DataFrame,
    activity_costs: pd.DataFrame,
    shipments: pd.DataFrame | None = None,
    snapshots: pd.DataFrame | None = None,
    purchase_orders: pd.DataFrame | None = None,
    start: pd.Timestamp | None = None,
    end: pd.Timestamp | None = None,
    tier_targets: Mapping[str, float] | None = None,
    safety_share: float = 0.0,
    freight_basis: str = "pool",
) -> CostToServe:
    """Cost every delivered order line of the window and keep the rates behind the costs.

    Driver volumes come from the same window: delivered lines, their shipments, the average
    stock value of each item over the window's snapshots (valued at the snapshot cost) and the
    purchase-order lines placed for each item. See :func:`activity_rates` and
    :func:`line_drivers` for the rules and their sources.
    """
    if not 0 <= safety_share <= 1:
        raise ParameterError(f"safety_share must be in [0, 1], got {safety_share!r}")
    lines, notes = prepare_lines(sales, customers, items, start, end)
    pools, pool_notes = pool_costs(activity_costs, start, end)
    notes += pool_notes
    lo = pd.Timestamp(start) if start is not None else lines["order_date"].min()
    hi = pd.Timestamp(end) if end is not None else lines["order_date"].max()
    sh = None
    if shipments is not None and len(shipments):
        sh = shipments[shipments["order_id"].isin(lines["order_id"].unique())]
    stock = None
    if snapshots is not None and len(snapshots):
        snap = snapshots[snapshots["snapshot_date"].between(lo, hi)]
        if snap.empty:
            snap = snapshots[snapshots["snapshot_date"] == snapshots["snapshot_date"].max()]
        value = snap["on_hand_qty"] * snap["unit_cost"]
        n_dates = snap["snapshot_date"].nunique()
        stock = value.groupby(snap["item_id"]).sum() / max(n_dates, 1)
    po_count = None
    if purchase_orders is not None and len(purchase_orders):
        p = purchase_orders[
            purchase_orders["order_date"].between(lo, hi) & purchase_orders["item_id"].notna()
        ]
        po_count = p.groupby("item_id").size().astype(float)
    factor = None
    if tier_targets:
        z = tier_z(tier_targets)
        factor = (
            lines["service_tier"]
            .astype(str)
            .map(z)
            .fillna(np.mean(list(z.values())))
            .to_numpy(float)
        )
    q, volumes = line_drivers(lines, sh, stock, po_count, factor, safety_share)
    rates = activity_rates(pools, volumes)
    missing = rates[~rates["driver"].isin(list(q))]
    if len(missing):
        r = missing.iloc[0]
        raise DataError(
            f"table 'activity_costs': pool '{r['pool']}' is driven by '{r['driver']}', which "
            f"these data cannot count ({_missing_driver_hint(r['driver'])})"
        )
    if freight_basis == "traced" and "traced_freight" in q:
        w = rates["driver"] == "weight"
        traced = float(q["traced_freight"].sum())
        pool_cost = float(rates.loc[w, "cost"].sum())
        if w.any() and pool_cost > 0 and abs(traced - pool_cost) > 0.01 * pool_cost:
            notes.append(
                f"freight: the shipments' own cost ({traced:,.0f}) differs from the freight pool "
                f"({pool_cost:,.0f}) by {traced / pool_cost - 1:+.1%}; the report uses the "
                "shipments' cost (traced)"
            )
        rates.loc[w, "assigned"] = traced * rates.loc[w, "cost"] / max(pool_cost, 1e-9)
    for d in ("stock_value", "purchase_orders"):
        if d in q and d in volumes and volumes[d] > 0:
            used = float(q[d].sum())
            rates.loc[rates["driver"] == d, "assigned"] *= used / volumes[d]
            rates.loc[rates["driver"] == d, "unassigned"] += rates.loc[
                rates["driver"] == d, "cost"
            ] * (1 - used / volumes[d])
    costed, pool_by = cost_lines(lines, rates, q, freight_basis)
    return CostToServe(costed, rates, pool_by, notes, (lo, hi))


# --------------------------------------------------------------------------- P&Ls and curves


def pnl(costed: pd.DataFrame, by: str) -> pd.DataFrame:
    """P&L per value of ``by`` (customer, item, channel, tier, category): lines, orders, revenue,
    cost of goods, gross margin, cost to serve, net margin, and cost to serve and net margin as
    a share of revenue; sorted by net margin, largest first."""
    if by not in costed.columns:
        raise ParameterError(f"P&L dimension must be one of {list(DIMENSIONS)}, got {by!r}")
    codes, values = _codes(costed[by])
    n = len(values)
    ok = codes >= 0
    k = codes[ok]
    order_codes, _ = _codes(costed["order_id"])
    pair = pd.Series(order_codes[ok].astype(np.int64) * max(n, 1) + k)
    first = ~pair.duplicated().to_numpy()
    sums = {
        c: np.bincount(k, weights=costed[c].to_numpy(dtype=float)[ok], minlength=n)
        for c in ("revenue", "cogs", "gross_margin", "cost_to_serve", "net_margin")
    }
    out = pd.DataFrame(
        {
            by: np.asarray(values),
            "lines": np.bincount(k, minlength=n),
            "orders": np.bincount(k[first], minlength=n),
            **sums,
        }
    )
    out = out[out["lines"] > 0].reset_index(drop=True)
    rev = out["revenue"].to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        out["cts_pct"] = np.where(rev > 0, out["cost_to_serve"] / rev, np.nan)
        out["net_margin_pct"] = np.where(rev > 0, out["net_margin"] / rev, np.nan)
    out[by] = out[by].astype(str)
    return out.sort_values("net_margin", ascending=False, ignore_index=True)


def single_line_orders_note(costed: pd.DataFrame) -> str | None:
    """A note for the report when every order in the data has exactly one line: then orders
    and lines are the same count in every P&L (the order driver counts distinct ``order_id``
    values, so this is the data, not the costing). ``None`` when some order has several lines.

    >>> single_line_orders_note(pd.DataFrame({"order_id": ["A", "A", "B"]})) is None
    True
    """
    n_lines, n_orders = len(costed), costed["order_id"].nunique()
    if n_lines == 0 or n_orders < n_lines:
        return None
    return (
        f"Every one of the {n_orders:,} orders in the window has a single line, so orders equal "
        "lines in every P&L and the order-handling pool is charged per line; the order driver "
        "counts distinct order numbers, so multi-line orders would be charged once per order."
    )


def whale_curve(profit: pd.DataFrame, value: str = "net_margin") -> pd.DataFrame:
    """Cumulative profit, most profitable first, as a share of the total profit (the whale curve of
    Kaplan & Narayanan, "Measuring and managing customer profitability", Journal of Cost
    Management 15(5), 2001: typically the most profitable 20% of customers earn 150-300% of
    profits and the least profitable 10-20% lose 50-200% of them).

    Adds ``rank_share`` (share of entities so far), ``cum_profit`` and ``cum_profit_share``
    (cumulative profit / total profit; above 1 before the curve turns down).

    >>> p = pd.DataFrame({"customer_id": list("abcd"), "net_margin": [60.0, 50.0, 10.0, -20.0]})
    >>> whale_curve(p)["cum_profit_share"].tolist()
    [0.6, 1.1, 1.2, 1.0]
    """
    c = profit.sort_values(value, ascending=False, ignore_index=True).copy()
    total = float(c[value].sum())
    c["rank_share"] = np.arange(1, len(c) + 1) / max(len(c), 1)
    c["cum_profit"] = c[value].cumsum()
    c["cum_profit_share"] = c["cum_profit"] / total if total != 0 else np.nan
    return c


def whale_figures(curve: pd.DataFrame, value: str = "net_margin", top: float = 0.2) -> dict:
    """The figures a whale curve is read by: the peak (cumulative profit at its highest as a share
    of the total, and the share of entities reaching it), the share of profit earned by the
    ``top`` share of entities, and the entities destroying value (count and loss)."""
    if curve.empty:
        raise DataError("no lines to draw a whale curve from; check the window and the filters")
    i = int(np.argmax(curve["cum_profit"].to_numpy()))
    n_top = max(1, int(round(top * len(curve))))
    total = float(curve[value].sum())
    neg = curve[curve[value] < 0]
    return {
        "entities": len(curve),
        "total_profit": total,
        "peak_profit": float(curve["cum_profit"].iloc[i]),
        "peak_share": float(curve["cum_profit"].iloc[i] / total) if total else np.nan,
        "peak_rank_share": float(curve["rank_share"].iloc[i]),
        "top_share": float(curve[value].iloc[:n_top].sum() / total) if total else np.nan,
        "destroying": len(neg),
        "destroyed": float(neg[value].sum()),
    }


def cost_breakdown(
    pool_by: Mapping[str, pd.DataFrame], costed: pd.DataFrame, by: str
) -> pd.DataFrame:
    """Cost to serve per pool for each value of ``by``, long: ``by, pool, cost, per_revenue``
    (pool cost per unit of revenue)."""
    frame = pool_by[by]
    rev = costed.groupby(by, observed=True)["revenue"].sum()
    long = frame.rename_axis(by).reset_index().melt(id_vars=by, var_name="pool", value_name="cost")
    long[by] = long[by].astype(str)
    rev.index = rev.index.astype(str)
    long["per_revenue"] = long["cost"] / long[by].map(rev).replace(0, np.nan)
    return long


def tier_economics(costed: pd.DataFrame, base_tier: str = "standard") -> pd.DataFrame:
    """What each service tier costs against the price it pays, relative to ``base_tier``.

    Per tier: revenue, cost to serve and its share of revenue; ``price_realisation`` = revenue /
    list value (net price against the item list price); ``extra_cost`` = (tier CTS share - base
    CTS share) x tier revenue: the cost of the higher service; ``price_premium`` = (tier
    realisation - base realisation) x tier list value: what the tier pays for it;
    ``net_premium`` = price_premium - extra_cost (negative: the tier's service is not paid for).
    """
    g = costed.groupby("service_tier", observed=True).agg(
        customers=("customer_id", "nunique"),
        revenue=("revenue", "sum"),
        list_value=("list_value", "sum"),
        cost_to_serve=("cost_to_serve", "sum"),
        net_margin=("net_margin", "sum"),
    )
    g.index = g.index.astype(str)
    if base_tier not in g.index:
        raise DataError(
            f"no delivered lines of customers in the base tier '{base_tier}' in the window; "
            f"tiers present: {sorted(g.index)}"
        )
    g["cts_pct"] = g["cost_to_serve"] / g["revenue"]
    g["price_realisation"] = g["revenue"] / g["list_value"]
    g["net_margin_pct"] = g["net_margin"] / g["revenue"]
    base = g.loc[base_tier]
    g["extra_cost"] = (g["cts_pct"] - base["cts_pct"]) * g["revenue"]
    g["price_premium"] = (g["price_realisation"] - base["price_realisation"]) * g["list_value"]
    g["net_premium"] = g["price_premium"] - g["extra_cost"]
    order = [t for t in TIERS if t in g.index] + [t for t in g.index if t not in TIERS]
    return g.loc[order].rename_axis("service_tier").reset_index()


# --------------------------------------------------------------------------- what-if


def what_if_tier(
    result: CostToServe,
    customer: str,
    to_tier: str,
    tier_targets: Mapping[str, float],
    safety_share: float = 0.0,
) -> pd.DataFrame:
    """Move one customer to another service tier, volumes unchanged; only what the tier drives
    changes:

    - the safety-stock part of its carrying cost (``safety_share`` of the inventory-carrying
      pools) scales by z(target tier) / z(current tier) (safety stock = z x sigma; see
      :func:`tier_z`);
    - its expedited-delivery cost (pools driven by expedited shipments) moves to the target
      tier's expedited cost per unit of revenue;
    - its price realisation (revenue / list value) moves by the difference between the two
      tiers' average realisations.

    Returns two rows (current, moved) with revenue, cost of goods, cost to serve, net margin.
    """
    costed = result.lines
    c = costed[costed["customer_id"].astype(str) == str(customer)]
    if c.empty:
        raise ParameterError(
            f"what-if customer {customer!r} has no delivered lines in the window; pick one of the "
            "customers in the customer P&L"
        )
    tier_of = costed["service_tier"].astype(str)
    if not (tier_of == to_tier).any():
        raise ParameterError(
            f"what-if tier {to_tier!r} has no customers with lines in the window; use one of "
            f"{sorted(tier_of.unique())}"
        )
    from_tier = str(c["service_tier"].iloc[0])
    z = tier_z(tier_targets)
    rev, lv = float(c["revenue"].sum()), float(c["list_value"].sum())
    cogs, cts = float(c["cogs"].sum()), float(c["cost_to_serve"].sum())
    pools = result.rates.set_index("pool")["driver"]
    by_cust = result.pool_by["customer_id"]
    by_cust = by_cust.set_axis(by_cust.index.astype(str))
    by_tier = result.pool_by["service_tier"]
    by_tier = by_tier.set_axis(by_tier.index.astype(str))
    tier_rev = costed.groupby(tier_of, observed=True)["revenue"].sum()
    tier_lv = costed.groupby(tier_of, observed=True)["list_value"].sum()
    own = by_cust.loc[str(customer)] if str(customer) in by_cust.index else pd.Series(dtype=float)
    carry = [p for p in own.index if pools.get(p) == "stock_value"]
    expedite = [p for p in own.index if pools.get(p) == "expedited_shipments"]
    safety = safety_share * float(own[carry].sum())
    d_safety = safety * (z.get(to_tier, 0.0) / z[from_tier] - 1) if z.get(from_tier) else 0.0
    exp_share = float(by_tier.loc[to_tier, expedite].sum() / tier_rev[to_tier]) if expedite else 0
    d_exp = exp_share * rev - float(own[expedite].sum())
    d_real = float(tier_rev[to_tier] / tier_lv[to_tier] - tier_rev[from_tier] / tier_lv[from_tier])
    new_rev = rev + d_real * lv
    out = pd.DataFrame(
        [
            ("current", from_tier, rev, cogs, cts),
            (f"moved to {to_tier}", to_tier, new_rev, cogs, cts + d_safety + d_exp),
        ],
        columns=["scenario", "service_tier", "revenue", "cogs", "cost_to_serve"],
    )
    out["net_margin"] = out["revenue"] - out["cogs"] - out["cost_to_serve"]
    out.insert(0, "customer_id", str(customer))
    return out


def order_level_rate(rates: pd.DataFrame, costed: pd.DataFrame) -> float:
    """Cost to serve that an order causes whatever its size: the order-driven pools (orders,
    shipments, expedited shipments) per order, from the rates and the window's orders."""
    n_orders = costed["order_id"].nunique()
    order_pools = rates[rates["driver"].isin(["orders", "shipments"])]
    return float(order_pools["assigned"].sum() / max(n_orders, 1))


def what_if_moq(costed: pd.DataFrame, rates: pd.DataFrame, moq: float) -> pd.DataFrame:
    """A minimum order quantity: each customer's orders below ``moq`` units are combined into
    orders of at least ``moq`` units (ceil(small-order units / moq) orders), so the order-level
    cost (:func:`order_level_rate`) of the orders removed is saved. Returns orders below the MOQ,
    orders after, the saving and the revenue in small orders (at risk if customers go
    elsewhere), per channel and in total."""
    if moq <= 0:
        raise ParameterError(f"minimum order quantity must be > 0, got {moq!r}")
    o = costed.groupby("order_id", observed=True, sort=False).agg(
        customer_id=("customer_id", "first"),
        channel=("channel", "first"),
        units=("units", "sum"),
        revenue=("revenue", "sum"),
    )
    small = o[o["units"] < moq]
    per_cust = small.groupby(["channel", "customer_id"], observed=True).agg(
        orders=("units", "size"), units=("units", "sum"), revenue=("revenue", "sum")
    )
    per_cust["orders_after"] = np.maximum(1, np.ceil(per_cust["units"] / moq))
    per_cust["orders_after"] = np.minimum(per_cust["orders_after"], per_cust["orders"])
    rate = order_level_rate(rates, costed)
    by = per_cust.groupby(level="channel", observed=True)[
        ["orders", "orders_after", "revenue"]
    ].sum()
    by.loc["total"] = by.sum()
    by["orders_removed"] = by["orders"] - by["orders_after"]
    by["saving"] = by["orders_removed"] * rate
    by = by.rename(columns={"orders": "small_orders", "revenue": "small_order_revenue"})
    return by.rename_axis("channel").reset_index()


def what_if_channel(
    channel_pnl: pd.DataFrame, from_channel: str, to_channel: str, share: float
) -> pd.DataFrame:
    """Shift ``share`` of one channel's revenue to another: the shifted revenue takes the target
    channel's cost to serve and net margin per unit of revenue. Returns the net margin before,
    after and the change."""
    if not 0 <= share <= 1:
        raise ParameterError(f"channel shift share must be in [0, 1], got {share!r}")
    p = channel_pnl.set_index("channel")
    for ch in (from_channel, to_channel):
        if ch not in p.index:
            raise ParameterError(
                f"what-if channel {ch!r} has no lines in the window; use one of {sorted(p.index)}"
            )
    moved = share * float(p.loc[from_channel, "revenue"])
    d_cts = moved * (p.loc[to_channel, "cts_pct"] - p.loc[from_channel, "cts_pct"])
    d_margin = moved * (p.loc[to_channel, "net_margin_pct"] - p.loc[from_channel, "net_margin_pct"])
    before = float(p["net_margin"].sum())
    return pd.DataFrame(
        {
            "scenario": [f"{share:.0%} of {from_channel} revenue moved to {to_channel}"],
            "revenue_moved": [moved],
            "cost_to_serve_change": [float(d_cts)],
            "net_margin_before": [before],
            "net_margin_after": [before + float(d_margin)],
            "net_margin_change": [float(d_margin)],
        }
    )


def targets_text(tier_targets: Mapping[str, float]) -> str:
    """``platinum 98%, gold 95%, standard 92%`` for the report."""
    return ", ".join(f"{k} {float(v):.0%}" for k, v in tier_targets.items())


# --------------------------------------------------------------------------- summary


def summary_lines(
    result: CostToServe,
    customers: pd.DataFrame,
    products: pd.DataFrame,
    tiers: pd.DataFrame,
    money: Callable[[float], str],
    window_text: str,
) -> list[str]:
    """The executive summary: the sentences a manager presents, computed from the results."""
    c = result.lines
    rev, cts = float(c["revenue"].sum()), float(c["cost_to_serve"].sum())
    gm, nm = float(c["gross_margin"].sum()), float(c["net_margin"].sum())
    r = result.rates
    unused = float(r["unused_capacity"].sum())
    unassigned = float(r["unassigned"].sum())
    wc = whale_figures(whale_curve(customers))
    wp = whale_figures(whale_curve(products))
    top_pool = r.sort_values("assigned", ascending=False).iloc[0]
    out = [
        f"{window_text}: {len(c):,} delivered order lines, revenue {money(rev)}, gross margin "
        f"{money(gm)} ({gm / rev:.1%}); cost to serve {money(cts)} ({cts / rev:.1%} of revenue) "
        f"leaves a net margin of {money(nm)} ({nm / rev:.1%}). Largest pool: {top_pool['pool']} "
        f"({money(float(top_pool['assigned']))}).",
        f"Whale curve: the most profitable {wc['peak_rank_share']:.0%} of customers earn "
        f"{wc['peak_share']:.0%} of the net margin; {wc['destroying']:,} of {wc['entities']:,} "
        f"customers destroy value (net margin {money(wc['destroyed'])}).",
        f"Products: {wp['destroying']:,} of {wp['entities']:,} items lose money after cost to "
        f"serve ({money(wp['destroyed'])}); the profitable ones earn {wp['peak_share']:.0%} of "
        "the net margin.",
    ]
    if len(tiers) > 1:
        worst = tiers.sort_values("net_premium").iloc[0]
        if worst["net_premium"] < 0:
            out.append(
                f"Service tiers: {worst['service_tier']} customers cost "
                f"{worst['cts_pct']:.1%} of revenue to serve against "
                f"{tiers.loc[tiers['service_tier'] == 'standard', 'cts_pct'].iloc[0]:.1%} for "
                f"standard; the price they pay covers {money(float(worst['price_premium']))} of "
                f"the {money(float(worst['extra_cost']))} extra cost, a shortfall of "
                f"{money(-float(worst['net_premium']))}."
            )
        else:
            out.append("Service tiers: every tier's price premium covers its extra cost to serve.")
    if unused > 0 or unassigned > 0:
        out.append(
            f"Not charged to customers: {money(unused)} of unused capacity (time-driven pools) and "
            f"{money(unassigned)} of carrying and purchasing cost of items not sold in the window."
        )
    return out
