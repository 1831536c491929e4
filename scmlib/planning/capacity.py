"""Rough-cut capacity planning, bottlenecks, capacity options and the aggregate-planning LP.

Tidy long frames in and out. A *plan* has ``family``, ``period`` (month start) and
``quantity`` (units); *routings* give the ``hours_per_unit`` a family (or an item) needs on each
``resource_id``; *resources* give each resource's ``capacity_hours`` per ``period`` with the
overtime it can add (``overtime_max_hours``) and what an overtime hour costs.

- Rough-cut capacity planning (RCCP, the bill-of-resources method): load(r, t) =
  sum over families of planned volume(f, t) x hours per unit(f, r); utilisation = load /
  capacity (Vollmann, Berry, Whybark & Jacobs, *Manufacturing Planning and Control for Supply
  Chain Management*, 5th ed., McGraw-Hill 2005, ch. 6 "Capacity planning and management").
- The bottleneck of a period is the resource with the highest utilisation; with the product mix
  held, the plan can run at most at 1 / (highest utilisation) of its volume: throughput is
  bounded by the constraint (Goldratt & Cox, *The Goal*, 1984; Goldratt, *What is this thing
  called Theory of Constraints*, 1990: the five focusing steps identify, exploit,
  subordinate, elevate, repeat).
- Capacity options per overloaded resource-month: overtime, an extra shift, outsourcing and
  pre-building in earlier months with spare capacity (level against chase strategy; Chopra &
  Meindl, *Supply Chain Management*, 6th ed., Pearson 2016, ch. 8).
- :func:`aggregate_plan`: the cost-minimising aggregate plan as a linear programme solved with
  HiGHS through PuLP (Chopra & Meindl ch. 8, "Aggregate planning using linear programming",
  the Red Tomato Tools example; optimal cost $422,275, reproduced in the tests), generalised to
  several families, several resources, supplier capacity and an optional workforce.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from scmlib.errors import DataError, ParameterError

RESOURCE_COLUMNS = ("resource_id", "period", "capacity_hours")


@contextlib.contextmanager
def quiet_highs():
    """Silence HiGHS's copyright banner, which its C++ library writes straight to the process's
    standard output (file descriptor 1) the first time a solver is created: in a notebook it
    would land in the report."""
    import os
    import sys

    try:
        sys.stdout.flush()
        fd = os.dup(1)
    except (OSError, ValueError):  # no real descriptor (an unusual host): leave it
        yield
        return
    try:
        with open(os.devnull, "w") as null:
            os.dup2(null.fileno(), 1)
            yield
    finally:
        os.dup2(fd, 1)
        os.close(fd)


def _examples(values, n: int = 3) -> str:
    vals = pd.unique(pd.Series(values).astype(str))[:n]
    return ", ".join(vals)


def check_resources(resources: pd.DataFrame) -> pd.DataFrame:
    """Validate the ``resources`` table: capacity and overtime never negative, one row per
    resource and period. Returns the table with ``overtime_max_hours`` and ``overtime_cost``
    filled (0 when absent). Raises :class:`DataError` with a one-line message."""
    missing = [c for c in RESOURCE_COLUMNS if c not in resources]
    if missing:
        raise DataError(
            f"resources: missing column(s) {', '.join(missing)}; add them (one row per resource "
            "and month)"
        )
    r = resources.copy()
    r["period"] = pd.to_datetime(r["period"]).dt.to_period("M").dt.to_timestamp()
    for col in ("overtime_max_hours", "overtime_cost", "regular_cost"):
        r[col] = pd.to_numeric(r[col], errors="coerce").fillna(0.0) if col in r else 0.0
    for col in ("capacity_hours", "overtime_max_hours", "overtime_cost"):
        bad = r[r[col] < 0]
        if len(bad):
            rows = _examples(bad["resource_id"] + " " + bad["period"].dt.strftime("%Y-%m"))
            raise DataError(
                f"resources: negative {col} in {len(bad)} row(s) (e.g. {rows}); capacity and "
                "overtime are hours >= 0: correct the source"
            )
    dup = r.duplicated(["resource_id", "period"], keep=False)
    if dup.any():
        rows = _examples(
            r.loc[dup, "resource_id"] + " " + r.loc[dup, "period"].dt.strftime("%Y-%m")
        )
        raise DataError(
            f"resources: {int(dup.sum())} rows repeat a resource and month (e.g. {rows}); keep "
            "one row per resource and month"
        )
    return r


def family_routing(
    routings: pd.DataFrame,
    resources: pd.DataFrame,
    items: pd.DataFrame | None = None,
    volumes: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Hours per unit by ``family`` and ``resource_id`` (the bill of resources).

    ``routings`` has ``resource_id``, ``hours_per_unit`` and ``family`` and/or ``item_id``. An
    item-level routing is rolled up to its family (``items.category``) as the volume-weighted
    mean over the family's items (``volumes``: ``item_id``, ``quantity``; equal weights when
    absent), counting items without an item routing at their family routing. A routing naming a
    resource missing from ``resources`` is refused (:class:`DataError`).
    """
    for col in ("resource_id", "hours_per_unit"):
        if col not in routings:
            raise DataError(f"routings: missing column {col}; add it")
    known = set(resources["resource_id"].astype(str))
    unknown = routings[~routings["resource_id"].astype(str).isin(known)]
    if len(unknown):
        raise DataError(
            f"routings: {len(unknown)} row(s) name a resource not in the resources table (e.g. "
            f"{_examples(unknown['resource_id'])}); add the resource or correct the routing"
        )
    neg = routings[pd.to_numeric(routings["hours_per_unit"], errors="coerce") < 0]
    if len(neg):
        raise DataError(
            f"routings: negative hours_per_unit for {_examples(neg['resource_id'])}; hours per "
            "unit are >= 0"
        )
    r = routings.copy()
    if "family" not in r:
        r["family"] = np.nan
    item_rows = r["item_id"].notna() if "item_id" in r else pd.Series(False, index=r.index)
    fam = r.loc[~item_rows & r["family"].notna(), ["family", "resource_id", "hours_per_unit"]]
    fam = fam.groupby(["family", "resource_id"], as_index=False)["hours_per_unit"].sum()
    if not item_rows.any():
        return fam.reset_index(drop=True)
    if items is None:
        raise DataError("routings: item-level rows need the items table (item_id, category)")
    it = items[["item_id", "category"]].rename(columns={"category": "family"})
    w = (
        volumes.groupby("item_id")["quantity"].sum().clip(lower=0)
        if volumes is not None
        else pd.Series(1.0, index=it["item_id"])
    )
    it = it.assign(weight=it["item_id"].map(w).fillna(0.0))
    per_item = r.loc[item_rows, ["item_id", "resource_id", "hours_per_unit"]].merge(
        it, on="item_id", how="inner"
    )
    has_item = set(per_item["item_id"])
    # items without their own routing count at the family routing
    rest = it[~it["item_id"].isin(has_item)].merge(fam, on="family")
    both = pd.concat([per_item, rest], ignore_index=True)
    both["wh"] = both["weight"] * both["hours_per_unit"]
    tot = it.groupby("family")["weight"].sum()
    out = both.groupby(["family", "resource_id"], as_index=False)["wh"].sum()
    out["hours_per_unit"] = out["wh"] / out["family"].map(tot).replace(0, np.nan)
    return out[["family", "resource_id", "hours_per_unit"]].fillna(0.0)


def rough_cut(plan: pd.DataFrame, routing: pd.DataFrame, resources: pd.DataFrame) -> pd.DataFrame:
    """Load against capacity per resource and month (rough-cut capacity planning).

    load = sum_f volume(f, t) x hours_per_unit(f, r); utilisation = load / capacity;
    overload = max(0, load - capacity); spare = max(0, capacity - load). A month the plan has
    but a resource has no capacity row for counts as capacity 0 (refused when there is load:
    :class:`DataError`). Source: Vollmann et al. (2005), ch. 6, bill of resources.
    """
    res = check_resources(resources)
    p = plan.assign(period=pd.to_datetime(plan["period"]))
    load = p.merge(routing, on="family").assign(
        load_hours=lambda d: d["quantity"] * d["hours_per_unit"]
    )
    load = load.groupby(["resource_id", "period"], as_index=False)["load_hours"].sum()
    periods = pd.DataFrame({"period": sorted(p["period"].unique())})
    grid = res[["resource_id"]].drop_duplicates().merge(periods, how="cross")
    cols = ["resource_id", "period", "capacity_hours", "overtime_max_hours", "overtime_cost"]
    out = grid.merge(load, on=["resource_id", "period"], how="left").merge(
        res[[*cols, *(["name"] if "name" in res else [])]], on=["resource_id", "period"], how="left"
    )
    out["load_hours"] = out["load_hours"].fillna(0.0)
    no_cap = out["capacity_hours"].isna() & (out["load_hours"] > 0)
    if no_cap.any():
        bad = out[no_cap]
        rows = _examples(bad["resource_id"] + " " + bad["period"].dt.strftime("%Y-%m"))
        raise DataError(
            f"resources: no capacity row for {int(no_cap.sum())} loaded resource-month(s) (e.g. "
            f"{rows}); add capacity_hours for every month of the plan"
        )
    out[["capacity_hours", "overtime_max_hours", "overtime_cost"]] = out[
        ["capacity_hours", "overtime_max_hours", "overtime_cost"]
    ].fillna(0.0)
    cap = out["capacity_hours"]
    out["utilisation"] = np.where(cap > 0, out["load_hours"] / cap.where(cap > 0, 1), np.nan)
    out["overload_hours"] = (out["load_hours"] - cap).clip(lower=0)
    out["spare_hours"] = (cap - out["load_hours"]).clip(lower=0)
    return out.sort_values(["resource_id", "period"], ignore_index=True)


def bottlenecks(load: pd.DataFrame) -> pd.DataFrame:
    """The constraint of each month: the resource with the highest utilisation, and the share of
    the plan's volume the month can make with the mix held (1 / highest utilisation, at most
    1). Goldratt (1990), step 1 "identify the constraint"."""
    lo = load.dropna(subset=["utilisation"])
    top = lo.sort_values(["period", "utilisation"], ascending=[True, False])
    first = top.drop_duplicates("period")
    second = (
        top[~top.index.isin(first.index)]
        .drop_duplicates("period")
        .set_index("period")["utilisation"]
    )
    out = first[["period", "resource_id", "utilisation", "load_hours", "capacity_hours"]].copy()
    out["next_utilisation"] = out["period"].map(second)
    out["overloaded_resources"] = out["period"].map(
        lo[lo["utilisation"] > 1].groupby("period")["resource_id"].count()
    )
    out["overloaded_resources"] = out["overloaded_resources"].fillna(0).astype(int)
    out["achievable_share"] = np.minimum(
        1.0, 1.0 / out["utilisation"].where(out["utilisation"] > 0)
    )
    out["achievable_share"] = out["achievable_share"].fillna(1.0)
    return out.rename(columns={"resource_id": "bottleneck"}).reset_index(drop=True)


def throughput(plan: pd.DataFrame, neck: pd.DataFrame) -> pd.DataFrame:
    """Planned against achievable volume per month: achievable = planned x achievable share of
    the month's bottleneck (the constraint bounds the throughput of the whole plan)."""
    tot = plan.groupby("period", as_index=False)["quantity"].sum()
    tot["period"] = pd.to_datetime(tot["period"])
    out = tot.merge(neck[["period", "bottleneck", "achievable_share"]], on="period", how="left")
    out["achievable_share"] = out["achievable_share"].fillna(1.0)
    out["achievable_qty"] = out["quantity"] * out["achievable_share"]
    out["lost_qty"] = out["quantity"] - out["achievable_qty"]
    return out.rename(columns={"quantity": "planned_qty"})


def options(
    load: pd.DataFrame,
    routing: pd.DataFrame,
    plan: pd.DataFrame,
    unit_cost: Mapping[str, float],
    shift_share: float = 0.5,
    shift_premium: float = 0.6,
    outsource_premium: float = 0.3,
    holding_rate: float = 0.25,
) -> pd.DataFrame:
    """Each capacity option for every overloaded resource-month, with the hours it can cover,
    its cost and the utilisation it leaves (elevate the constraint, Goldratt 1990; level against
    chase, Chopra & Meindl 2016 ch. 8).

    - ``pre-build``: the overload made in earlier months with spare hours on the same resource
      (spare hours before the month less earlier overloads already pre-built), at the holding
      cost of the units for the months carried: hours / hours-per-unit x unit cost x
      ``holding_rate`` / 12 x months ahead (the months back to the nearest spare capacity
      that covers it, at least one);
    - ``overtime``: up to ``overtime_max_hours`` at ``overtime_cost`` per hour;
    - ``extra shift``: ``shift_share`` x regular capacity more, each hour costing the regular
      hourly rate x (1 + ``shift_premium``) (regular rate: ``regular_cost`` of the resource, or
      the overtime cost / 1.5 when absent);
    - ``outsourcing``: any number of hours, each the units it makes x unit cost x
      ``outsource_premium`` (the premium over making them in house).

    Hours per unit and unit cost of a resource are the plan-weighted means over the families
    it makes in the month.
    """
    for name, v in (("shift_share", shift_share), ("outsource_premium", outsource_premium)):
        if v < 0:
            raise ParameterError(f"{name} must be >= 0, got {v}")
    lo = load.sort_values(["resource_id", "period"]).reset_index(drop=True)
    p = plan.assign(period=pd.to_datetime(plan["period"])).merge(routing, on="family")
    p["hours"] = p["quantity"] * p["hours_per_unit"]
    p["value"] = p["quantity"] * p["family"].map(unit_cost).fillna(0.0)
    mix = p.groupby(["resource_id", "period"], as_index=False)[["hours", "quantity", "value"]].sum()
    lo = lo.merge(mix, on=["resource_id", "period"], how="left")
    cost_per_hour = (lo["value"] / lo["hours"].where(lo["hours"] > 0)).fillna(0.0)
    g = lo.groupby("resource_id")
    prior_spare = g["spare_hours"].cumsum() - lo["spare_hours"]
    prior_over = g["overload_hours"].cumsum() - lo["overload_hours"]
    prebuild_hours = np.minimum(lo["overload_hours"], (prior_spare - prior_over).clip(lower=0))
    # months carried: mean gap back to spare months, at least 1
    idx = g.cumcount()
    last_spare = idx.where(lo["spare_hours"] > 0).groupby(lo["resource_id"]).ffill()
    last_spare = last_spare.groupby(lo["resource_id"]).shift(1)
    months_ahead = (idx - last_spare).fillna(1).clip(lower=1)
    regular_rate = lo["regular_cost"] if "regular_cost" in lo else pd.Series(0.0, index=lo.index)
    regular_rate = regular_rate.where(regular_rate > 0, lo["overtime_cost"] / 1.5)
    over = lo["overload_hours"]
    cap = lo["capacity_hours"]
    rows = []
    specs = {
        "pre-build": (prebuild_hours, cost_per_hour * holding_rate / 12 * months_ahead),
        "overtime": (np.minimum(over, lo["overtime_max_hours"]), lo["overtime_cost"]),
        "extra shift": (np.minimum(over, shift_share * cap), regular_rate * (1 + shift_premium)),
        "outsourcing": (over, cost_per_hour * outsource_premium),
    }
    for option, (hours, rate) in specs.items():
        rows.append(
            pd.DataFrame(
                {
                    "resource_id": lo["resource_id"],
                    "period": lo["period"],
                    "option": option,
                    "overload_hours": over,
                    "hours_covered": hours,
                    "cost_per_hour": rate,
                    "cost": hours * rate,
                    "utilisation_before": lo["utilisation"],
                    "utilisation_after": (lo["load_hours"] - hours) / cap.where(cap > 0),
                }
            )[over > 0]
        )
    out = pd.concat(rows, ignore_index=True)
    out["covers_all"] = out["hours_covered"] >= out["overload_hours"] - 1e-9
    return out.sort_values(["period", "resource_id", "cost_per_hour"], ignore_index=True)


def recommend(opts: pd.DataFrame) -> pd.DataFrame:
    """A recommendation per overloaded resource-month: the options stacked cheapest hour first
    until the overload is covered (pre-build first when it is cheapest, then overtime, an extra
    shift, outsourcing). Returns one row per resource-month with the mix, hours, cost and the
    utilisation left."""
    if opts.empty:
        return pd.DataFrame(
            columns=["resource_id", "period", "overload_hours", "recommendation", "cost"]
        )
    o = opts[opts["hours_covered"] > 0].sort_values(
        ["resource_id", "period", "cost_per_hour"], ignore_index=True
    )
    key = ["resource_id", "period"]
    before = o.groupby(key)["hours_covered"].cumsum() - o["hours_covered"]
    used = np.minimum(o["hours_covered"], (o["overload_hours"] - before).clip(lower=0))
    o = o.assign(hours_used=used, cost_used=used * o["cost_per_hour"])
    o = o[o["hours_used"] > 1e-9]
    o["part"] = o["option"] + " " + o["hours_used"].map("{:,.0f}".format) + " h"
    main = o.sort_values("hours_used", ascending=False).drop_duplicates(key)
    out = o.groupby(key, as_index=False).agg(
        overload_hours=("overload_hours", "first"),
        utilisation=("utilisation_before", "first"),
        recommendation=("part", " + ".join),
        hours=("hours_used", "sum"),
        cost=("cost_used", "sum"),
    )
    out["cost_per_hour"] = out["cost"] / out["hours"].where(out["hours"] > 0)
    out = out.merge(main[[*key, "option"]].rename(columns={"option": "main_option"}), on=key)
    return out.sort_values(key, ignore_index=True)


def family_history(demand_history: pd.DataFrame, items: pd.DataFrame) -> pd.DataFrame:
    """Monthly demand per product family (items.category): ``family``, ``period``, ``quantity``
    (net returns clipped to zero, as the forecasting engine does)."""
    fam = items.set_index("item_id")["category"]
    d = demand_history.assign(
        family=demand_history["item_id"].map(fam),
        period=pd.to_datetime(demand_history["date"]).dt.to_period("M").dt.to_timestamp(),
        quantity=demand_history["quantity"].clip(lower=0),
    )
    return d.groupby(["family", "period"], as_index=False)["quantity"].sum()


def statistical_forecast(
    history: pd.DataFrame,
    horizon: int,
    forecast_file: str | None = None,
    items: pd.DataFrame | None = None,
    models: Sequence[str] = ("seasonal_naive", "ets", "theta"),
) -> pd.DataFrame:
    """The statistical forecast by family and month: ``family``, ``period``, ``statistical``.

    From ``forecast_file`` (a ``demand_forecasting`` run's forecast.csv: a ``family`` or
    ``category`` column, or ``item_id`` rolled up to the items' category; ``date`` or
    ``period``; ``forecast``) when given, else the forecasting engine on the family series
    (rolling-origin selection among ``models``). Only months after the history are kept.
    """
    last = pd.to_datetime(history["period"]).max()
    if forecast_file:
        f = pd.read_csv(forecast_file)
        date_col = "date" if "date" in f else "period" if "period" in f else None
        if date_col is None or "forecast" not in f:
            raise DataError(
                f"forecast file {forecast_file}: needs a date (or period) and a forecast column, "
                "as a demand_forecasting run's outputs/forecast.csv"
            )
        if "family" not in f:
            if "category" in f:
                f["family"] = f["category"]
            elif "item_id" in f and items is not None:
                f["family"] = f["item_id"].map(items.set_index("item_id")["category"])
            else:
                raise DataError(
                    f"forecast file {forecast_file}: no family, category or item_id column"
                )
        f["period"] = pd.to_datetime(f[date_col]).dt.to_period("M").dt.to_timestamp()
        out = f.groupby(["family", "period"], as_index=False)["forecast"].sum()
    else:
        from scmlib.planning.forecasting import forecast

        res = forecast(
            history.rename(columns={"period": "date"}),
            h=horizon,
            id_cols=("family",),
            models=models,
            n_jobs=1,
            progress=False,
        )
        out = res.forecast.rename(columns={"date": "period"})[["family", "period", "forecast"]]
    out = out[out["period"] > last].rename(columns={"forecast": "statistical"})
    periods = sorted(out["period"].unique())[:horizon]
    return out[out["period"].isin(periods)].reset_index(drop=True)


def opening_stock(snapshots: pd.DataFrame | None, items: pd.DataFrame) -> dict[str, float]:
    """Units on hand per family at the latest snapshot date of ``inventory_snapshots`` (the same
    snapshot the inventory reports value, :func:`scmlib.core.measures.stock_positions`); empty
    without snapshots (the plan then starts from no stock). Every aggregate plan of the capacity
    and S&OP reports starts from this position (APICS Dictionary, "projected available
    balance": opening on hand + supply - demand).

    >>> snaps = pd.DataFrame({"snapshot_date": pd.to_datetime(["2026-09-30", "2026-10-31"] * 2),
    ...                       "item_id": ["A", "A", "B", "B"], "on_hand_qty": [5, 7, 1, 3]})
    >>> items = pd.DataFrame({"item_id": ["A", "B"], "category": ["Tools", "Tools"]})
    >>> opening_stock(snaps, items)
    {'Tools': 10.0}
    """
    if snapshots is None or snapshots.empty:
        return {}
    s = snapshots[snapshots["snapshot_date"] == snapshots["snapshot_date"].max()]
    fam = s["item_id"].map(items.set_index("item_id")["category"])
    return {k: float(v) for k, v in s.groupby(fam)["on_hand_qty"].sum().items()}


def opening_text(snapshots: pd.DataFrame | None, opening: Mapping[str, float]) -> str:
    """The opening position in words for the report header: units and snapshot date.

    >>> opening_text(None, {})
    'none: no inventory_snapshots, the plans start from zero stock'
    """
    if snapshots is None or snapshots.empty:
        return "none: no inventory_snapshots, the plans start from zero stock"
    date = pd.Timestamp(snapshots["snapshot_date"].max())
    return f"{sum(opening.values()):,.0f} units on hand at {date:%d %b %Y} (latest stock snapshot)"


def family_economics(sales: pd.DataFrame, items: pd.DataFrame, start=None) -> pd.DataFrame:
    """Per family: volume-weighted unit price (sales order lines since ``start``) and standard
    unit cost; families without sales take the items' mean list price."""
    it = items.set_index("item_id")
    if sales is None or sales.empty:
        sales = pd.DataFrame({"item_id": [], "ordered_qty": [], "unit_price": [], "order_date": []})
    s = sales if start is None else sales[sales["order_date"] >= start]
    s = s.assign(
        family=s["item_id"].map(it["category"]),
        value=s["ordered_qty"] * s["unit_price"],
        cost=s["ordered_qty"] * s["item_id"].map(it["unit_cost"]),
    )
    g = s.groupby("family")[["value", "cost", "ordered_qty"]].sum()
    out = pd.DataFrame(index=sorted(items["category"].unique()))
    out["unit_price"] = g["value"] / g["ordered_qty"].where(g["ordered_qty"] > 0)
    out["unit_cost"] = g["cost"] / g["ordered_qty"].where(g["ordered_qty"] > 0)
    mean = items.groupby("category")[["unit_cost"]].mean()
    out["unit_cost"] = out["unit_cost"].fillna(mean["unit_cost"])
    if "unit_price" in items:
        out["unit_price"] = out["unit_price"].fillna(items.groupby("category")["unit_price"].mean())
    out.index.name = "family"
    return out.reset_index()


def planned_volume(
    history: pd.DataFrame,
    horizon: int,
    source: str = "forecast",
    forecast_file: str | None = None,
    items: pd.DataFrame | None = None,
    budget: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The volume plan to load: ``family``, ``period``, ``quantity`` for the ``horizon`` months
    after the history, from the statistical forecast (``forecast``), a forecast file
    (``file``) or the budget volumes (``budget``)."""
    if source == "budget":
        if budget is None or budget.empty:
            raise DataError("budget: no rows; volume_source budget needs the budget table")
        b = budget.assign(period=pd.to_datetime(budget["period"]))
        b = b[b["period"] > history["period"].max()]
        months = sorted(b["period"].unique())[:horizon]
        b = b[b["period"].isin(months)]
        return b.rename(columns={"volume": "quantity"})[["family", "period", "quantity"]]
    if source == "file" and not forecast_file:
        raise ParameterError("volume_source file needs forecast_file (a forecast.csv)")
    if source not in ("forecast", "file"):
        raise ParameterError(f"volume_source must be forecast, file or budget, got {source!r}")
    f = statistical_forecast(history, horizon, forecast_file if source == "file" else None, items)
    return f.rename(columns={"statistical": "quantity"})


def resource_summary(load: pd.DataFrame) -> pd.DataFrame:
    """Per resource over the horizon: capacity, load, mean and peak utilisation, months
    overloaded, overload and spare hours (spare hours on a non-constraint are its protective
    capacity)."""
    g = load.groupby("resource_id")
    out = g.agg(
        capacity_hours=("capacity_hours", "sum"),
        load_hours=("load_hours", "sum"),
        peak_utilisation=("utilisation", "max"),
        overloaded_months=("overload_hours", lambda x: int((x > 0).sum())),
        overload_hours=("overload_hours", "sum"),
        spare_hours=("spare_hours", "sum"),
    ).reset_index()
    if "name" in load:
        out.insert(1, "name", out["resource_id"].map(g["name"].first()))
    out["utilisation"] = out["load_hours"] / out["capacity_hours"].where(out["capacity_hours"] > 0)
    return out.sort_values("peak_utilisation", ascending=False, ignore_index=True)


def utilisation_matrix(load: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Utilisation by resource (rows) and month (columns) for the heat map, with its
    percentage labels."""
    lo = load.assign(month=load["period"].dt.strftime("%b %Y"))
    order = lo.drop_duplicates("period").sort_values("period")["month"]
    m = lo.pivot_table(index="resource_id", columns="month", values="utilisation").reindex(
        columns=order
    )
    m.index.name, m.columns.name = "resource", "month"
    return m, m.map(lambda v: "" if pd.isna(v) else f"{v:.0%}")


def plan_table(plan: pd.DataFrame) -> pd.DataFrame:
    """The plan as a family x month table of units (families in rows, months in columns, a
    total column)."""
    p = plan.assign(month=pd.to_datetime(plan["period"]).dt.strftime("%b %Y"))
    order = p.drop_duplicates("period").sort_values("period")["month"]
    t = p.pivot_table(index="family", columns="month", values="quantity", aggfunc="sum")
    t = t.reindex(columns=order).fillna(0.0)
    t["total"] = t.sum(axis=1)
    return t.reset_index()


def family_costs(
    econ: pd.DataFrame, holding_rate: float, backlog_rate: float, outsource_premium: float
) -> pd.DataFrame:
    """Per-family costs for the aggregate plan: holding = unit cost x ``holding_rate`` / 12 per
    unit-month, backlog = unit price x ``backlog_rate`` per unit-month, outsourcing = unit cost x
    (1 + ``outsource_premium``) per unit."""
    return pd.DataFrame(
        {
            "family": econ["family"],
            "unit_cost": econ["unit_cost"],
            "holding_cost": econ["unit_cost"] * holding_rate / 12,
            "backlog_cost": econ["unit_price"] * backlog_rate,
            "outsource_cost": econ["unit_cost"] * (1 + outsource_premium),
        }
    )


def compare_strategies(
    plan: pd.DataFrame,
    routing: pd.DataFrame,
    resources: pd.DataFrame,
    costs: pd.DataFrame,
    opening: Mapping[str, float] | None = None,
) -> tuple[pd.DataFrame, dict[str, AggregatePlan]]:
    """Level, chase and the cost-minimising plan on the same demand and capacity (Chopra &
    Meindl 2016 ch. 8): cost split (production, holding, backlog, overtime, outsourcing),
    backlog, overtime hours and units outsourced per strategy."""
    rows, plans = [], {}
    fams = set(plan["family"])
    for strategy in ("level", "chase", "optimal"):  # three strategies
        r = aggregate_plan(
            plan,
            routing,
            resources,
            costs[costs["family"].isin(fams)],
            opening=opening,
            strategy=strategy,
        )
        plans[strategy] = r
        row = {"strategy": strategy, "status": r.status, "total_cost": r.total_cost}
        if r.status == "Optimal":
            row.update(
                {
                    f"{k}_cost": v
                    for k, v in r.costs.items()
                    if k not in ("workforce", "lost_sales", "below_target")
                }
            )
            row.update(
                {
                    "backlog_units": r.plan["backlog"].sum(),
                    "overtime_hours": r.resources["overtime_hours"].sum(),
                    "outsourced": r.plan["outsourced"].sum(),
                    "peak_inventory": r.plan.groupby("period")["inventory"].sum().max(),
                }
            )
        else:
            row["binding"] = r.binding
        rows.append(row)
    return pd.DataFrame(rows), plans


def what_if(
    plan: pd.DataFrame,
    routing: pd.DataFrame,
    resources: pd.DataFrame,
    unit_cost: Mapping[str, float],
    factors: Mapping[str, float] | None = None,
    total: float = 1.0,
    resource_id: str | None = None,
    capacity_factor: float = 1.0,
    **option_kw,
) -> dict:
    """Rough-cut check of a what-if (demand scaled per family and in total, one resource's
    capacity changed): overloaded months, highest utilisation and its resource, units the
    constraint cannot make, and the cost of covering the overloads cheapest option first."""
    p = scale_plan(plan, factors, total)
    res = change_capacity(resources, resource_id, capacity_factor)
    load = rough_cut(p, routing, res)
    neck = bottlenecks(load)
    thr = throughput(p, neck)
    recs = recommend(options(load, routing, p, unit_cost, **option_kw))
    worst = neck.loc[neck["utilisation"].idxmax()]
    return {
        "planned_qty": float(p["quantity"].sum()),
        "overloaded_months": int((neck["utilisation"] > 1).sum()),
        "max_utilisation": float(worst["utilisation"]),
        "max_resource": worst["bottleneck"],
        "lost_qty": float(thr["lost_qty"].sum()),
        "cover_cost": float(recs["cost"].sum()) if len(recs) else 0.0,
    }


def scale_plan(
    plan: pd.DataFrame, factors: Mapping[str, float] | None = None, total: float = 1.0
) -> pd.DataFrame:
    """The plan with each family's volume multiplied by ``factors[family]`` (default 1) and
    everything by ``total`` (what-if: demand scaled per family)."""
    f = plan["family"].map(factors or {}).fillna(1.0) * total
    return plan.assign(quantity=plan["quantity"] * f)


def change_capacity(
    resources: pd.DataFrame, resource_id: str | None, factor: float
) -> pd.DataFrame:
    """``resources`` with one resource's capacity multiplied by ``factor`` (what-if)."""
    if factor < 0:
        raise ParameterError(f"capacity factor must be >= 0, got {factor}")
    if not resource_id:
        return resources
    if resource_id not in set(resources["resource_id"]):
        from scmlib.errors import did_you_mean

        raise ParameterError(
            f"unknown resource {resource_id!r}"
            f"{did_you_mean(resource_id, resources['resource_id'].unique())}"
        )
    m = resources["resource_id"] == resource_id
    r = resources.copy()
    r.loc[m, "capacity_hours"] = r.loc[m, "capacity_hours"] * factor
    return r


# --------------------------------------------------------------------------- aggregate plan


@dataclass
class AggregatePlan:
    """Result of :func:`aggregate_plan`."""

    status: str
    total_cost: float
    plan: pd.DataFrame  # family, period, demand, production, outsourced, inventory, backlog
    resources: pd.DataFrame  # resource_id, period, regular_hours, overtime_hours, workers, ...
    costs: dict[str, float] = field(default_factory=dict)
    binding: str = ""  # which constraint makes an infeasible plan infeasible


def aggregate_plan(
    demand: pd.DataFrame,
    routing: pd.DataFrame,
    resources: pd.DataFrame,
    family_costs: pd.DataFrame,
    opening: Mapping[str, float] | None = None,
    ending_min: Mapping[str, float] | None = None,
    opening_backlog: Mapping[str, float] | None = None,
    end_backlog_zero: bool = True,
    workforce: pd.DataFrame | None = None,
    supplier_capacity: pd.DataFrame | None = None,
    strategy: str = "optimal",
    time_limit: float = 60.0,
    inventory_target: pd.DataFrame | None = None,
    outsource_limit: pd.DataFrame | None = None,
) -> AggregatePlan:
    """Cost-minimising aggregate production plan (linear programme, HiGHS through PuLP).

    Chopra & Meindl, *Supply Chain Management* (6th ed., 2016), ch. 8 formulation extended to
    families f and resources r. Variables per family and month: production P, outsourced C,
    inventory I, backlog S; per resource and month: overtime hours OT and, for resources in
    ``workforce``, workers W, hired H and laid off L.

    minimise sum unit_cost x P + outsource_cost x C + holding_cost x I + backlog_cost x S
             + overtime_cost x OT + [cost_per_worker x W + hire_cost x H + layoff_cost x L]
    subject to
      I(f,t-1) - S(f,t-1) + P(f,t) + C(f,t) = D(f,t) + I(f,t) - S(f,t)      (balance)
      sum_f hours_per_unit(f,r) P(f,t) <= capacity(r,t) + O(r,t)           (capacity)
        with capacity = hours_per_worker x W(r,t) for a workforce resource
      O(r,t) <= overtime_max(r,t)  [or overtime_hours_per_worker x W(r,t)]
      W(r,t) = W(r,t-1) + H(r,t) - L(r,t)                                  (workforce)
      sum over a family's suppliers P(f,t) <= supplier capacity(f,t)       (supplier)
      I(f,T) >= ending_min(f); S(f,T) = 0 when ``end_backlog_zero``;
      U(f,t) >= target(f,t) - I(f,t), U >= 0                               (soft target)
    C(f,t) <= outsource limit (``outsource_limit``: ``family``, ``period``, ``max_units``), and
    U, the units below the inventory target (``inventory_target``: ``family``,
    ``period``, ``target``), charged ``below_target_cost`` per unit-month (a column of
    ``family_costs``; a soft safety-stock constraint, so a short month is costed, not
    infeasible).

    ``family_costs``: ``family``, ``unit_cost`` (variable cost of making a unit), ``holding_cost``
    and ``backlog_cost`` (per unit per month), ``outsource_cost`` (per unit; empty or NaN: no
    outsourcing), optionally ``lost_sale_cost`` (per unit still backlogged at the end of the
    horizon when ``end_backlog_zero`` is false: the demand is lost). ``workforce``: ``resource_id``, ``initial_workers``, ``hours_per_worker``,
    ``cost_per_worker`` (per month), ``hire_cost``, ``layoff_cost``,
    ``overtime_hours_per_worker``. ``strategy``: ``optimal`` (the LP), ``chase`` (production
    follows demand: no inventory built, backlog only what capacity cannot make) or ``level``
    (in-house production the same every month). An infeasible model is re-solved with the
    end-of-horizon and supplier constraints relaxed one at a time and ``binding`` names the one
    that makes it infeasible.
    """
    import pulp

    if strategy not in ("optimal", "chase", "level"):
        raise ParameterError(f"strategy must be optimal, chase or level, got {strategy!r}")
    d = demand.assign(period=pd.to_datetime(demand["period"]))
    fams = sorted(d["family"].unique())
    periods = sorted(d["period"].unique())
    fc = family_costs.set_index("family")
    missing = [f for f in fams if f not in fc.index]
    if missing:
        raise DataError(
            f"family costs: no costs for family {', '.join(map(str, missing[:3]))}; give "
            "unit_cost, holding_cost and backlog_cost for every family planned"
        )
    D = d.pivot_table(index="family", columns="period", values="quantity", aggfunc="sum")
    D = D.reindex(index=fams, columns=periods).fillna(0.0)
    res = check_resources(resources) if len(resources) else resources
    rids = sorted(routing["resource_id"].unique())
    hpu = routing.pivot_table(
        index="family", columns="resource_id", values="hours_per_unit", aggfunc="sum"
    ).reindex(index=fams, columns=rids, fill_value=0.0)
    hpu = hpu.fillna(0.0)
    wf = workforce.set_index("resource_id") if workforce is not None else pd.DataFrame()
    cap = res.pivot_table(index="resource_id", columns="period", values="capacity_hours")
    otmax = res.pivot_table(index="resource_id", columns="period", values="overtime_max_hours")
    otc = res.pivot_table(index="resource_id", columns="period", values="overtime_cost")
    for r in rids:
        if r not in wf.index and (r not in cap.index or cap.loc[r].reindex(periods).isna().any()):
            raise DataError(
                f"resources: no capacity for resource {r} in every month of the plan; add "
                "capacity_hours rows for it"
            )
    opening = dict(opening or {})
    ending_min = dict(ending_min or {})
    opening_backlog = dict(opening_backlog or {})
    sup = None
    if supplier_capacity is not None and len(supplier_capacity):
        sc = supplier_capacity.assign(period=pd.to_datetime(supplier_capacity["period"]))
        sup = sc.pivot_table(index="family", columns="period", values="capacity", aggfunc="sum")

    olim = {}
    if outsource_limit is not None and len(outsource_limit):
        ol = outsource_limit.assign(period=pd.to_datetime(outsource_limit["period"]))
        olim = {(f, p): float(v) for f, p, v in zip(ol["family"], ol["period"], ol["max_units"])}

    def build(relax: frozenset = frozenset()):
        m = pulp.LpProblem("aggregate_plan", pulp.LpMinimize)
        T = range(len(periods))
        P = {
            (f, t): m.add_variable(f"P_{i}_{t}", lowBound=0) for i, f in enumerate(fams) for t in T
        }
        Inv = {
            (f, t): m.add_variable(f"I_{i}_{t}", lowBound=0) for i, f in enumerate(fams) for t in T
        }
        S = {
            (f, t): m.add_variable(f"S_{i}_{t}", lowBound=0) for i, f in enumerate(fams) for t in T
        }
        C = {}
        for i, f in enumerate(fams):
            oc = fc.loc[f].get("outsource_cost", np.nan)
            for t in T:
                cap_c = olim.get((f, periods[t])) if pd.notna(oc) else 0
                C[f, t] = m.add_variable(f"C_{i}_{t}", lowBound=0, upBound=cap_c)
        tgt = {}
        if inventory_target is not None and len(inventory_target):
            tg = inventory_target.assign(period=pd.to_datetime(inventory_target["period"]))
            tgt = {
                (f, periods.index(p)): float(v)
                for f, p, v in zip(tg["family"], tg["period"], tg["target"])
                if p in periods and f in fams and v > 0
            }
        U = {key: m.add_variable(f"U_{fams.index(key[0])}_{key[1]}", lowBound=0) for key in tgt}
        OT = {
            (r, t): m.add_variable(f"O_{j}_{t}", lowBound=0) for j, r in enumerate(rids) for t in T
        }
        W, H, L = {}, {}, {}
        for j, r in enumerate(rids):
            if r in wf.index:
                for t in T:
                    W[r, t] = m.add_variable(f"W_{j}_{t}", lowBound=0)
                    H[r, t] = m.add_variable(f"H_{j}_{t}", lowBound=0)
                    L[r, t] = m.add_variable(f"L_{j}_{t}", lowBound=0)
        parts = {
            "production": pulp.lpSum(
                float(fc.loc[f, "unit_cost"]) * P[f, t] for f in fams for t in T
            ),
            "outsourcing": pulp.lpSum(
                float(fc.loc[f].get("outsource_cost", 0) or 0) * C[f, t]
                for f in fams
                for t in T
                if pd.notna(fc.loc[f].get("outsource_cost", np.nan))
            ),
            "holding": pulp.lpSum(
                float(fc.loc[f, "holding_cost"]) * Inv[f, t] for f in fams for t in T
            ),
            "backlog": pulp.lpSum(
                float(fc.loc[f, "backlog_cost"]) * S[f, t] for f in fams for t in T
            ),
            "overtime": pulp.lpSum(
                float(otc.loc[r].reindex(periods).fillna(0).iloc[t] if r in otc.index else 0)
                * OT[r, t]
                if r not in wf.index
                else float(wf.loc[r, "overtime_cost"]) * OT[r, t]
                for r in rids
                for t in T
            ),
            "lost_sales": pulp.lpSum(
                float(fc.loc[f].get("lost_sale_cost", 0) or 0) * S[f, len(periods) - 1]
                for f in fams
            )
            if not end_backlog_zero
            else 0,
            "below_target": pulp.lpSum(
                float(fc.loc[f].get("below_target_cost", 0) or 0) * U[f, t] for (f, t) in U
            ),
            "workforce": pulp.lpSum(
                float(wf.loc[r, "cost_per_worker"]) * W[r, t]
                + float(wf.loc[r, "hire_cost"]) * H[r, t]
                + float(wf.loc[r, "layoff_cost"]) * L[r, t]
                for (r, t) in W
            ),
        }
        m += pulp.lpSum(parts.values())
        for f in fams:
            for t in T:
                prev_i = Inv[f, t - 1] if t else float(opening.get(f, 0.0))
                prev_s = S[f, t - 1] if t else float(opening_backlog.get(f, 0.0))
                m += (
                    prev_i - prev_s + P[f, t] + C[f, t]
                    == float(D.loc[f].iloc[t]) + Inv[f, t] - S[f, t],
                    f"balance_{fams.index(f)}_{t}",
                )
            last = len(periods) - 1
            if "ending_inventory" not in relax and ending_min.get(f, 0) > 0:
                m += Inv[f, last] >= float(ending_min[f]), f"ending_inventory_{fams.index(f)}"
            if end_backlog_zero and "ending_backlog" not in relax:
                m += S[f, last] == 0, f"ending_backlog_{fams.index(f)}"
            if sup is not None and f in sup.index and "supplier_capacity" not in relax:
                row = sup.loc[f].reindex(periods)
                for t in T:
                    if pd.notna(row.iloc[t]):
                        m += P[f, t] <= float(row.iloc[t]), f"supplier_{fams.index(f)}_{t}"
        for (f, t), v in tgt.items():
            m += U[f, t] >= v - Inv[f, t], f"target_{fams.index(f)}_{t}"
        for j, r in enumerate(rids):
            for t in T:
                load = pulp.lpSum(float(hpu.loc[f, r]) * P[f, t] for f in fams if hpu.loc[f, r] > 0)
                if r in wf.index:
                    w = wf.loc[r]
                    prev_w = W[r, t - 1] if t else float(w["initial_workers"])
                    m += W[r, t] == prev_w + H[r, t] - L[r, t], f"workforce_{j}_{t}"
                    m += (
                        load <= float(w["hours_per_worker"]) * W[r, t] + OT[r, t],
                        f"capacity_{j}_{t}",
                    )
                    m += OT[r, t] <= float(w["overtime_hours_per_worker"]) * W[r, t], f"ot_{j}_{t}"
                else:
                    c = float(cap.loc[r].reindex(periods).iloc[t])
                    m += load <= c + OT[r, t], f"capacity_{j}_{t}"
                    m += (
                        OT[r, t] <= float(otmax.loc[r].reindex(periods).fillna(0).iloc[t]),
                        f"ot_{j}_{t}",
                    )
        if strategy == "level":
            for f in fams:
                for t in T[1:]:
                    m += P[f, t] == P[f, 0], f"level_{fams.index(f)}_{t}"
        elif strategy == "chase":
            for f in fams:
                for t in T:
                    m += (
                        Inv[f, t]
                        <= (float(opening.get(f, 0.0)) if t == 0 else 0)
                        + (float(ending_min.get(f, 0)) if t == len(periods) - 1 else 0),
                        f"chase_{fams.index(f)}_{t}",
                    )
        return m, P, Inv, S, C, OT, W, H, L, parts, U

    solver = pulp.HiGHS(msg=False, timeLimit=time_limit)
    m, P, Inv, S, C, OT, W, H, L, parts, U = build()
    with quiet_highs():
        m.solve(solver)
    status = pulp.LpStatus[m.status]
    binding = ""
    if status != "Optimal":
        relaxable = ["ending_backlog", "ending_inventory", "supplier_capacity"]
        names = {
            "ending_backlog": "no backlog left at the end of the horizon (capacity, overtime and "
            "outsourcing cannot make the demand in time)",
            "ending_inventory": "the ending inventory target",
            "supplier_capacity": "supplier capacity",
        }
        for k in relaxable:
            m2 = build(frozenset([k]))[0]
            with quiet_highs():
                m2.solve(solver)
            if pulp.LpStatus[m2.status] == "Optimal":
                binding = names[k]
                break
        else:
            binding = "capacity, overtime and supplier limits together"
        return AggregatePlan(status, float("nan"), pd.DataFrame(), pd.DataFrame(), {}, binding)

    def val(v):
        return float(v.value() or 0.0)

    T = range(len(periods))
    rows = [
        {
            "family": f,
            "period": periods[t],
            "demand": float(D.loc[f].iloc[t]),
            "production": val(P[f, t]),
            "outsourced": val(C[f, t]),
            "inventory": val(Inv[f, t]),
            "backlog": val(S[f, t]),
            "below_target": val(U[f, t]) if (f, t) in U else 0.0,
        }
        for f in fams
        for t in T
    ]
    plan = pd.DataFrame(rows)
    rrows = []
    for r in rids:
        for t in T:
            load = sum(float(hpu.loc[f, r]) * val(P[f, t]) for f in fams)
            workers = val(W[r, t]) if (r, t) in W else np.nan
            capacity = (
                float(wf.loc[r, "hours_per_worker"]) * workers
                if (r, t) in W
                else float(cap.loc[r].reindex(periods).iloc[t])
            )
            rrows.append(
                {
                    "resource_id": r,
                    "period": periods[t],
                    "load_hours": load,
                    "capacity_hours": capacity,
                    "overtime_hours": val(OT[r, t]),
                    "workers": workers,
                    "hired": val(H[r, t]) if (r, t) in H else np.nan,
                    "laid_off": val(L[r, t]) if (r, t) in L else np.nan,
                }
            )
    used = pd.DataFrame(rrows)
    used["utilisation"] = used["load_hours"] / used["capacity_hours"].where(
        used["capacity_hours"] > 0
    )
    costs = {k: float(pulp.value(v) or 0.0) for k, v in parts.items()}
    return AggregatePlan(status, float(pulp.value(m.objective)), plan, used, costs, binding)


def projected_inventory(
    plan: pd.DataFrame, target_weeks: float, weeks_per_month: float = 52 / 12
) -> pd.DataFrame:
    """Projected inventory against the target: closing = opening + supply - demand (negative =
    backlog), weeks of supply = closing / (next month's demand / weeks per month; this month's
    for the last), target = ``target_weeks`` of the same demand; status below / within /
    above (above = more than twice the target). APICS Dictionary, "weeks of supply"."""
    p = plan.sort_values(["family", "period"]).copy()
    nxt = p.groupby("family")["demand"].shift(-1).fillna(p["demand"])
    weekly = nxt / weeks_per_month
    p["closing"] = p["inventory"] - p["backlog"]
    p["weeks_of_supply"] = p["closing"] / weekly.where(weekly > 0)
    p["target_inventory"] = target_weeks * weekly
    p["status"] = np.select(
        [p["closing"] < p["target_inventory"] - 1e-6, p["closing"] > 2 * p["target_inventory"]],
        ["below target", "above target"],
        "within target",
    )
    return p.reset_index(drop=True)


def five_steps(
    neck: pd.DataFrame, load: pd.DataFrame, recs: pd.DataFrame, fmt_money
) -> list[tuple[str, str]]:
    """The five focusing steps of the Theory of Constraints (Goldratt 1990) filled from the
    analysis: which resource is the constraint, how it is exploited and subordinated, what
    elevating it costs, and when to repeat. Returns (step, text) pairs."""
    over = neck[neck["utilisation"] > 1]
    counts = neck["bottleneck"].value_counts()
    main = counts.index[0] if len(counts) else "none"
    months = len(over)
    peak = neck.loc[neck["utilisation"].idxmax()] if len(neck) else None
    spare = load[load["resource_id"] == main]["spare_hours"].sum()
    cost = float(recs["cost"].sum()) if len(recs) else 0.0
    mixes = recs["main_option"].value_counts() if len(recs) else None
    lead = mixes.index[0] if mixes is not None and len(mixes) else "none needed"
    steps = [
        (
            "1. Identify",
            f"{main} is the constraint in {int(counts.get(main, 0))} of {len(neck)} months; "
            + (
                f"the plan overloads a resource in {months} months, most in "
                f"{peak['period']:%b %Y} ({peak['bottleneck']} at {peak['utilisation']:.0%})."
                if months
                else "no month is overloaded: the constraint is in the market, not the plant."
            ),
        ),
        (
            "2. Exploit",
            f"Keep {main} running through breaks and changeovers, with a buffer of work in "
            f"front of it; every hour lost there is lost for the whole plant. It has "
            f"{spare:,.0f} spare hours over the horizon to pre-build into.",
        ),
        (
            "3. Subordinate",
            "Release work to the other resources at the pace of the constraint, not to keep "
            "them busy: their spare capacity is protective capacity, not waste.",
        ),
        (
            "4. Elevate",
            f"Covering every overload costs {fmt_money(cost)} with the cheapest options first; "
            f"the option used most is {lead}."
            if months
            else "Nothing to elevate in this horizon.",
        ),
        (
            "5. Repeat",
            "Re-run this check every planning cycle: once the overloads are covered the "
            "constraint moves "
            + (
                f"(the next most loaded resource peaks at {neck['next_utilisation'].max():.0%})."
                if neck["next_utilisation"].notna().any()
                else "."
            ),
        ),
    ]
    return steps


def steps_table(steps: Sequence[tuple[str, str]]) -> pd.DataFrame:
    """The five focusing steps as a two-column table (``step``, ``text``)."""
    return pd.DataFrame(list(steps), columns=["step", "text"])


def what_if_label(
    factors: Mapping[str, float] | None, total: float, resource_id: str | None, capacity: float
) -> str:
    """A short name for a what-if case: 'demand x1.10, R-ASSY capacity x1.15'."""
    parts = [f"demand x{total:.2f}"]
    parts += [f"{f} x{v:.2f}" for f, v in (factors or {}).items()]
    if resource_id:
        parts.append(f"{resource_id} capacity x{capacity:.2f}")
    return ", ".join(parts)


def what_if_table(cases: Mapping[str, dict]) -> pd.DataFrame:
    """What-if cases side by side (one row each, ``case`` first)."""
    return pd.DataFrame([{"case": k, **v} for k, v in cases.items()])


def summary_lines(
    neck: pd.DataFrame,
    thr: pd.DataFrame,
    recs: pd.DataFrame,
    fmt_money,
    horizon_text: str,
) -> list[str]:
    """Executive summary sentences of the capacity check, computed from the tables."""
    over = neck[neck["utilisation"] > 1]
    lines = []
    if len(over):
        peak = over.loc[over["utilisation"].idxmax()]
        lines.append(
            f"{len(over)} of {len(neck)} months in {horizon_text} overload at least one "
            f"resource; the worst is {peak['period']:%b %Y}, {peak['bottleneck']} loaded to "
            f"{peak['utilisation']:.0%} of its capacity."
        )
    else:
        lines.append(
            f"The plan fits: no resource is loaded above its capacity in {horizon_text} "
            f"(highest {neck['utilisation'].max():.0%}, {neck.loc[neck['utilisation'].idxmax(), 'bottleneck']})."
        )
    lost = thr["lost_qty"].sum()
    if lost > 0:
        lines.append(
            f"Without extra capacity the constraint caps output at {thr['achievable_qty'].sum():,.0f} "
            f"of {thr['planned_qty'].sum():,.0f} planned units ({lost:,.0f} units short, "
            f"{lost / thr['planned_qty'].sum():.1%})."
        )
    counts = neck["bottleneck"].value_counts()
    if len(counts):
        lines.append(
            f"{counts.index[0]} is the bottleneck in {counts.iloc[0]} of {len(neck)} months"
            + (f"; {counts.index[1]} in {counts.iloc[1]}." if len(counts) > 1 else ".")
        )
    if len(recs):
        by_month = recs.groupby("period")["cost"].sum()  # every resource of the month
        lines.append(
            f"Covering the overloads costs {fmt_money(recs['cost'].sum())} "
            f"({recs['hours'].sum():,.0f} hours) with the cheapest option first; the most "
            f"expensive month is {by_month.idxmax():%b %Y} "
            f"({fmt_money(by_month.max())}, all resources)."
        )
    return lines


def what_if_caption(
    factors: Mapping[str, float] | None, total: float, resource_id: str, capacity: float
) -> str:
    """The sentence under the what-if's title: the demand and capacity changes in words.

    >>> what_if_caption({}, 1.1, "R-ASSY", 1.15)
    'All demand x 1.10, no family changed on its own; R-ASSY capacity x 1.15.'
    >>> what_if_caption({"Electrical": 1.25}, 1.0, "R-PACK", 0.9)
    'All demand x 1.00, Electrical x 1.25; R-PACK capacity x 0.90.'
    """
    fams = ", ".join(f"{f} x {v:.2f}" for f, v in (factors or {}).items())
    return (
        f"All demand x {total:.2f}, {fams or 'no family changed on its own'}; "
        f"{resource_id} capacity x {capacity:.2f}."
    )


def strategy_note(recs: pd.DataFrame, strategies: pd.DataFrame) -> str | None:
    """One sentence reconciling the recommendation with the optimal aggregate plan when they
    differ: the recommendation covers each overload in its own month (no late delivery), the
    optimal plan minimises cost over the whole horizon and may accept backlog (or build ahead)
    instead of overtime. ``None`` when there is nothing to reconcile.

    >>> recs = pd.DataFrame({"recommendation": ["overtime 10 h"], "cost": [300.0]})
    >>> st = pd.DataFrame({"strategy": ["optimal"], "status": ["Optimal"],
    ...                    "overtime_hours": [0.0], "backlog_units": [40.0]})
    >>> strategy_note(recs, st)[:62]
    'The recommendation buys overtime to cover every overload in it'
    """
    opt = strategies[(strategies["strategy"] == "optimal") & (strategies["status"] == "Optimal")]
    if recs.empty or opt.empty:
        return None
    o = opt.iloc[0]
    uses_ot = recs["recommendation"].astype(str).str.contains("overtime").any()
    ot, back = float(o.get("overtime_hours", 0) or 0), float(o.get("backlog_units", 0) or 0)
    if not uses_ot or ot > 1e-6:
        return None
    how = f"accepts {back:,.0f} unit-months of backlog" if back > 1e-6 else "builds ahead instead"
    return (
        "The recommendation buys overtime to cover every overload in its own month (no late "
        f"delivery); the optimal plan minimises cost over the whole horizon, so it {how} and "
        "uses no overtime: cheaper, at the price of service."
    )


@dataclass
class CapacityCheck:
    """Everything :func:`analyse` computes for the capacity-planning report."""

    plan: pd.DataFrame
    routing: pd.DataFrame
    resources: pd.DataFrame
    econ: pd.DataFrame
    unit_cost: dict
    load: pd.DataFrame
    neck: pd.DataFrame
    throughput: pd.DataFrame
    options: pd.DataFrame
    recommendations: pd.DataFrame
    by_resource: pd.DataFrame
    opening: dict = field(default_factory=dict)  # units on hand per family (opening_stock)
    opening_text: str = ""


def analyse(
    tables: Mapping[str, pd.DataFrame],
    horizon: int,
    volume_source: str = "forecast",
    forecast_file: str | None = None,
    **option_kw,
) -> CapacityCheck:
    """The rough-cut capacity check of a volume plan: validated resources, the family routing,
    the plan (:func:`planned_volume`), load, bottlenecks, throughput, options and the
    recommendation per overloaded month (``option_kw`` as :func:`options`), and the opening
    stock per family from the latest inventory snapshot (:func:`opening_stock`)."""
    items = tables["items"]
    resources = check_resources(tables["resources"])
    routing = family_routing(tables["routings"], resources, items, tables["demand_history"])
    history = family_history(tables["demand_history"], items)
    plan = planned_volume(
        history, horizon, volume_source, forecast_file, items, tables.get("budget")
    )
    econ = family_economics(tables.get("sales_order_lines"), items)
    unit_cost = dict(zip(econ["family"], econ["unit_cost"]))
    load = rough_cut(plan, routing, resources)
    neck = bottlenecks(load)
    opts = options(load, routing, plan, unit_cost, **option_kw)
    snaps = tables.get("inventory_snapshots")
    opening = opening_stock(snaps, items)
    return CapacityCheck(
        plan,
        routing,
        resources,
        econ,
        unit_cost,
        load,
        neck,
        throughput(plan, neck),
        opts,
        recommend(opts),
        resource_summary(load),
        opening,
        opening_text(snaps, opening),
    )
