"""Segmentation: ABC, XYZ, Syntetos-Boylan demand classes, and inventory health / SLOB.

All functions take and return tidy long DataFrames keyed by ``item_id`` (and optionally
``location_id``); ``id_cols`` selects the level.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from scmlib.core.demand import (  # noqa: F401  (re-exported)
    ADI_CUTOFF,
    CV2_CUTOFF,
    complete_periods,
    cv2_of_sizes,
    demand_class,
)
from scmlib.core.frames import require_columns
from scmlib.errors import DataError, ParameterError


def _check_cutoffs(name: str, cutoffs: Sequence[float]) -> tuple[float, ...]:
    c = tuple(float(x) for x in cutoffs)
    if len(c) != 2 or not (0 < c[0] < c[1]) or any(np.isnan(c)):
        raise ParameterError(
            f"{name} must be two increasing positive numbers, got {list(cutoffs)!r}"
        )
    return c


ABC_CROSSING = ("higher", "lower")


def abc_classes(
    values: pd.Series, cutoffs: Sequence[float] = (0.80, 0.95), crossing: str = "higher"
) -> pd.Series:
    """ABC class from annual consumption value (Pareto classification).

    Items are sorted by value, descending. With ``crossing='higher'`` (the default) an item
    is **A** while the cumulative share of value *before* it is below ``cutoffs[0]`` (so the
    item that crosses 80% is still A), **B** while below ``cutoffs[1]``, else **C**. With
    ``crossing='lower'`` the item that crosses a cut-off goes to the lower class: A while the
    cumulative share *including* it is at most ``cutoffs[0]``, B while at most ``cutoffs[1]``.
    Items with zero value are C. Default 80/15/5 (cut-offs 0.80 and 0.95).

    Reference: Silver, Pyke & Peterson (1998), *Inventory Management and Production
    Planning and Scheduling*, 3rd ed., section 3.5 (the Distribution-by-Value curve).

    Examples
    --------
    Shares 50%, 35%, 10%, 5%: the second item crosses 80% (85% with it).

    >>> v = pd.Series([50.0, 35.0, 10.0, 5.0])
    >>> abc_classes(v).tolist(), abc_classes(v, crossing="lower").tolist()
    (['A', 'A', 'B', 'C'], ['A', 'B', 'B', 'C'])
    """
    a, b = _check_cutoffs("ABC cut-offs", cutoffs)
    if b > 1:
        raise ParameterError(
            f"ABC cut-offs must be shares of value at most 1, got {list(cutoffs)!r}"
        )
    if crossing not in ABC_CROSSING:
        raise ParameterError(
            f"ABC crossing must be one of {list(ABC_CROSSING)} (the class of the item that "
            f"crosses a cut-off), got {crossing!r}"
        )
    v = pd.Series(values, dtype=float).fillna(0).clip(lower=0)
    total = v.sum()
    order = v.sort_values(ascending=False, kind="stable")
    if crossing == "higher":
        share = (order.cumsum() - order) / total if total > 0 else order * 0
        cls = np.where(share < a, "A", np.where(share < b, "B", "C"))
    else:
        share = order.cumsum() / total if total > 0 else order * 0
        eps = 1e-12
        cls = np.where(share <= a + eps, "A", np.where(share <= b + eps, "B", "C"))
    cls = np.where(order.to_numpy() <= 0, "C", cls)
    return pd.Series(cls, index=order.index).reindex(v.index)


def xyz_classes(cv: pd.Series, cutoffs: Sequence[float] = (0.5, 1.0)) -> pd.Series:
    """XYZ class from the coefficient of variation of per-period demand.

    X: CV <= ``cutoffs[0]`` (stable), Y: CV <= ``cutoffs[1]``, Z: above (or undefined).
    Reference: Scholz-Reiter et al. (2012), "Dynamic ABC-XYZ analysis", and common practice.
    """
    x, y = _check_cutoffs("XYZ cut-offs", cutoffs)
    cv = pd.Series(cv, dtype=float)
    return pd.Series(np.where(cv <= x, "X", np.where(cv <= y, "Y", "Z")), index=cv.index)


def _window(dates: pd.Series, months: int, as_of=None) -> tuple[pd.Timestamp, pd.Timestamp]:
    """(first, last) date of the last ``months`` months ending at ``as_of`` (end of that day)
    when given, else at the latest of ``dates`` (the window then starts ``months - 1`` months
    before it, as monthly buckets are dated on the first of the month)."""
    if as_of is not None and str(as_of) != "":
        end = pd.Timestamp(as_of).normalize() + pd.Timedelta(days=1) - pd.Timedelta(seconds=1)
        return (end.to_period("M") - (months - 1)).start_time, end
    last = pd.to_datetime(dates).max()
    return last - pd.DateOffset(months=months - 1), last


def demand_profile(
    demand: pd.DataFrame,
    id_cols: Sequence[str] = ("item_id",),
    date_col: str = "date",
    target: str = "quantity",
) -> pd.DataFrame:
    """Per-series demand statistics and classes.

    Columns: periods, total, mean, std, cv (std / mean of per-period demand, zeros
    included; used for XYZ), nonzero, adi (periods / non-zero periods), cv2 (squared CV
    of the non-zero demand sizes with the sample standard deviation,
    :func:`scmlib.core.demand.cv2_of_sizes`), demand_class (Syntetos-Boylan).
    Missing periods inside a series count as zero demand; negative values (returns) are
    clipped at zero for the classification.
    """
    full = complete_periods(demand, id_cols, date_col, target)
    q = full[target].clip(lower=0)
    g = full.assign(_q=q, _nz=(q > 0).astype(int), _qnz=q.where(q > 0)).groupby(
        list(id_cols), observed=True, dropna=False
    )
    out = pd.DataFrame(
        {
            "periods": g["_q"].size(),
            "total": g["_q"].sum(),
            "mean": g["_q"].mean(),
            "std": g["_q"].std(ddof=0),
            "nonzero": g["_nz"].sum(),
        }
    )
    out["cv"] = np.where(out["mean"] > 0, out["std"] / out["mean"].where(out["mean"] > 0), np.nan)
    out["adi"] = np.where(
        out["nonzero"] > 0, out["periods"] / out["nonzero"].where(out["nonzero"] > 0), np.nan
    )
    by = [full[c] for c in id_cols]
    out["cv2"] = cv2_of_sizes(q, by if len(by) > 1 else by[0]).reindex(out.index)
    out["demand_class"] = demand_class(out["adi"], out["cv2"])
    return out.reset_index()


def abc_xyz(
    demand: pd.DataFrame,
    items: pd.DataFrame,
    id_cols: Sequence[str] = ("item_id",),
    abc_cutoffs: Sequence[float] = (0.80, 0.95),
    xyz_cutoffs: Sequence[float] = (0.5, 1.0),
    months: int = 12,
    as_of=None,
    abc_crossing: str = "higher",
) -> pd.DataFrame:
    """ABC (annual consumption value over the last ``months`` periods), XYZ and demand class per series.

    Annual consumption value = sum of demand in the window x ``items.unit_cost``. The window
    ends at ``as_of`` (the company ``calendar.as_of``) when given, else at the latest demand
    date; ``abc_crossing`` is :func:`abc_classes`' convention for the item crossing a cut-off.
    """
    require_columns(demand, ["item_id", "date", "quantity"], "ABC/XYZ segmentation: demand_history")
    id_cols = list(id_cols)
    start, last = _window(demand["date"], months, as_of)
    window = demand[(demand["date"] >= start) & (demand["date"] <= last)]
    prof = demand_profile(window, id_cols)
    prof = prof.merge(
        items[
            [
                "item_id",
                "category",
                "unit_cost",
                *([c for c in ("unit_price", "lifecycle_stage") if c in items.columns]),
            ]
        ],
        on="item_id",
        how="left",
    )
    prof["annual_value"] = prof["total"] * prof["unit_cost"] * (12 / months)
    prof["abc"] = abc_classes(prof["annual_value"], abc_cutoffs, abc_crossing).to_numpy()
    prof["xyz"] = xyz_classes(prof["cv"], xyz_cutoffs).to_numpy()
    prof["segment"] = prof["abc"] + prof["xyz"]
    return prof


def abc_options(settings) -> dict:
    """The company's ABC classification as :func:`abc_xyz` keywords: cut-offs and crossing
    (``segmentation.abc_cutoffs``, ``segmentation.abc_crossing``), window (``calendar.window_months``)
    and its end (``calendar.as_of``; empty: the latest demand). ``settings``: the company
    settings (:func:`scmlib.core.settings.company_settings`, any mapping with these keys)."""
    return {
        "abc_cutoffs": tuple(settings["segmentation.abc_cutoffs"]),
        "abc_crossing": settings["segmentation.abc_crossing"],
        "months": int(settings["calendar.window_months"]),
        "as_of": settings["calendar.as_of"] or None,
    }


def company_segments(
    demand: pd.DataFrame,
    items: pd.DataFrame,
    settings,
    id_cols: Sequence[str] = ("item_id", "location_id"),
    xyz_cutoffs: Sequence[float] = (0.5, 1.0),
) -> pd.DataFrame:
    """The company's ABC/XYZ segmentation (:func:`abc_xyz` with :func:`abc_options`): the one
    classification every inventory report shows (inventory segmentation, safety stock,
    inventory policy, DDMRP), so an item-location has the same ABC class in all of them."""
    return abc_xyz(demand, items, id_cols, xyz_cutoffs=xyz_cutoffs, **abc_options(settings))


def _snapshots_to(inventory: pd.DataFrame, as_of) -> pd.DataFrame:
    """Snapshots on or before ``as_of`` (all when None); a clear error when none are."""
    if as_of is None or str(as_of) == "":
        return inventory
    end = pd.Timestamp(as_of).normalize() + pd.Timedelta(days=1)
    out = inventory[inventory["snapshot_date"] < end]
    if out.empty:
        first = inventory["snapshot_date"].min()
        raise DataError(
            f"inventory_snapshots: no snapshot on or before calendar.as_of {as_of} (the first is "
            f"{first:%Y-%m-%d}); set calendar.as_of to a later date or leave it empty"
        )
    return out


def inventory_health(
    demand: pd.DataFrame,
    inventory: pd.DataFrame,
    items: pd.DataFrame,
    id_cols: Sequence[str] = ("item_id", "location_id"),
    carrying_rate: float = 0.25,
    months: int = 12,
    low_turns: float = 2.0,
    as_of=None,
) -> pd.DataFrame:
    """Inventory health per series over the last ``months`` months.

    - turns = cost of goods sold / average inventory value (annualised);
    - days_of_supply = on-hand at the last snapshot / average daily demand (365-day year);
    - weeks_of_supply = days_of_supply / 7;
    - GMROI = gross margin / average inventory cost (annualised);
    - carrying_cost = average inventory value x ``carrying_rate`` (per year);
    - low_turn_quarters: consecutive latest quarters whose annualised turns < ``low_turns``;
      ``persistent_low_turns`` when more than two.

    The window ends at the latest snapshot on or before ``as_of`` (the company
    ``calendar.as_of``) when given, else at the latest snapshot.

    Reference: Chopra & Meindl, *Supply Chain Management*, 6th ed., ch. 3 (inventory
    turns, GMROI); Silver, Pyke & Peterson (1998) ch. 3 (carrying cost).
    """
    require_columns(demand, ["item_id", "date", "quantity"], "inventory health: demand_history")
    require_columns(
        inventory,
        ["snapshot_date", "item_id", "on_hand_qty", "unit_cost"],
        "inventory health: inventory_snapshots",
    )
    id_cols = list(id_cols)
    inventory = _snapshots_to(inventory, as_of)
    last = inventory["snapshot_date"].max()
    start = last - pd.DateOffset(months=months - 1)
    inv = inventory[inventory["snapshot_date"] >= start].copy()
    inv["value"] = inv["on_hand_qty"] * inv["unit_cost"]
    price_cols = (
        ["unit_price"] if "unit_price" in items.columns else []
    )  # optional in the data model
    dem = demand[(demand["date"] >= start) & (demand["date"] <= last)].merge(
        items[["item_id", "unit_cost", *price_cols]], on="item_id", how="left"
    )
    dem["q"] = dem["quantity"].clip(lower=0)
    dem["cogs"] = dem["q"] * dem["unit_cost"]
    # without selling prices the margin (and so GMROI) is unknown, not zero
    dem["margin"] = (
        dem["q"] * (dem["unit_price"].fillna(dem["unit_cost"]) - dem["unit_cost"])
        if price_cols
        else np.nan
    )
    d = dem.groupby(id_cols, observed=True)[["q", "cogs", "margin"]].sum(min_count=1)
    i = inv.groupby(id_cols, observed=True).agg(avg_value=("value", "mean"))
    latest = (
        inv[inv["snapshot_date"] == last]
        .set_index(id_cols)[["on_hand_qty", "value"]]
        .rename(columns={"value": "stock_value"})
    )
    out = (
        i.join(latest, how="left")
        .join(d, how="left")
        .fillna(
            {
                "q": 0.0,
                "cogs": 0.0,
                "on_hand_qty": 0.0,
                "stock_value": 0.0,
                **({"margin": 0.0} if price_cols else {}),
            }
        )
    )
    ann = 12 / months
    out["turns"] = np.where(
        out["avg_value"] > 0,
        out["cogs"] * ann / out["avg_value"].where(out["avg_value"] > 0),
        np.nan,
    )
    daily = out["q"] * ann / 365
    out["days_of_supply"] = np.where(
        daily > 0,
        out["on_hand_qty"] / daily.where(daily > 0),
        np.where(out["on_hand_qty"] > 0, np.inf, 0.0),
    )
    out["weeks_of_supply"] = out["days_of_supply"] / 7
    out["gmroi"] = np.where(
        out["avg_value"] > 0,
        out["margin"] * ann / out["avg_value"].where(out["avg_value"] > 0),
        np.nan,
    )
    out["carrying_cost"] = out["avg_value"] * carrying_rate
    # quarterly turns, latest quarters first
    inv["q_end"] = inv["snapshot_date"].dt.to_period("Q")
    dem["q_end"] = dem["date"].dt.to_period("Q")
    qi = inv.groupby([*id_cols, "q_end"], observed=True)["value"].mean()
    qd = dem.groupby([*id_cols, "q_end"], observed=True)["cogs"].sum()
    qt = pd.concat([qi.rename("v"), qd.rename("c")], axis=1).fillna({"c": 0.0})
    qt["low"] = (qt["c"] * 4 < low_turns * qt["v"]) & (qt["v"] > 0)
    qt = qt.reset_index().sort_values(
        [*id_cols, "q_end"], ascending=[True] * len(id_cols) + [False]
    )
    # count consecutive low quarters from the latest one: cumulative product of the flag
    qt["run"] = qt.groupby(id_cols, observed=True)["low"].cumprod()
    out = out.join(
        qt.groupby(id_cols, observed=True)["run"].sum().rename("low_turn_quarters"), how="left"
    )
    out["low_turn_quarters"] = out["low_turn_quarters"].fillna(0).astype(int)
    out["persistent_low_turns"] = out["low_turn_quarters"] > 2
    return out.rename(
        columns={"q": "units_sold", "cogs": "cogs", "margin": "gross_margin"}
    ).reset_index()


def slob(
    demand: pd.DataFrame,
    inventory: pd.DataFrame,
    items: pd.DataFrame,
    id_cols: Sequence[str] = ("item_id", "location_id"),
    no_movement_months: int = 12,
    max_cover_months: float = 12.0,
    as_of=None,
) -> pd.DataFrame:
    """Slow-moving and obsolete stock with a suggested disposition (at the latest snapshot on or
    before ``as_of`` when given; demand after it is ignored).

    For each series with stock at the latest snapshot: months since the last positive
    demand, months of cover (on hand / mean monthly demand of the last 12 months).

    - **obsolete**: no movement for ``no_movement_months`` or more, or the item is past its
      end-of-life date;
    - **slow**: cover above ``max_cover_months``, or no movement for half that time;
    - value at risk = on-hand x unit cost.

    Dispositions: obsolete & value >= median of flagged value: "sell to liquidator / return
    to supplier"; obsolete below it: "scrap and write off"; slow: "stop replenishment and
    run down (promote or transfer)".
    Reference: Silver, Pyke & Peterson (1998) section 9.5 (disposal of excess stock).
    """
    id_cols = list(id_cols)
    if no_movement_months < 1 or max_cover_months <= 0:
        raise ParameterError(
            f"no_movement_months must be >= 1 and max_cover_months > 0, got {no_movement_months}, {max_cover_months}"
        )
    inventory = _snapshots_to(inventory, as_of)
    last = inventory["snapshot_date"].max()
    demand = demand[demand["date"] <= last + pd.Timedelta(days=1) - pd.Timedelta(seconds=1)]
    snap = inventory[inventory["snapshot_date"] == last]
    snap = snap[snap["on_hand_qty"] > 0]
    moved = (
        demand[demand["quantity"] > 0]
        .groupby(id_cols, observed=True)["date"]
        .max()
        .rename("last_movement")
    )
    recent = (
        demand[demand["date"] > last - pd.DateOffset(months=12)]
        .groupby(id_cols, observed=True)["quantity"]
        .sum()
        .clip(lower=0)
        / 12
    )
    out = (
        snap.set_index(id_cols)[["on_hand_qty", "unit_cost"]]
        .join(moved, how="left")
        .join(recent.rename("monthly_demand"), how="left")
    )
    out["monthly_demand"] = out["monthly_demand"].fillna(0.0)
    months_idle = (last.year - out["last_movement"].dt.year) * 12 + (
        last.month - out["last_movement"].dt.month
    )
    out["months_since_movement"] = months_idle.fillna(999).astype(int)
    out["cover_months"] = np.where(
        out["monthly_demand"] > 0,
        out["on_hand_qty"] / out["monthly_demand"].where(out["monthly_demand"] > 0),
        np.inf,
    )
    out["value_at_risk"] = out["on_hand_qty"] * out["unit_cost"]
    out = out.reset_index().merge(
        items[
            [
                "item_id",
                "category",
                *([c for c in ("eol_date", "lifecycle_stage") if c in items.columns]),
            ]
        ],
        on="item_id",
        how="left",
    )
    eol = (
        out["eol_date"].notna() & (out["eol_date"] <= last) if "eol_date" in out.columns else False
    )
    obsolete = (out["months_since_movement"] >= no_movement_months) | eol
    slow = ~obsolete & (
        (out["cover_months"] > max_cover_months)
        | (out["months_since_movement"] >= max(1, no_movement_months // 2))
    )
    out["status"] = np.where(obsolete, "obsolete", np.where(slow, "slow-moving", "healthy"))
    flagged = out[out["status"] != "healthy"]
    median_value = flagged["value_at_risk"].median() if len(flagged) else 0.0
    out["disposition"] = np.where(
        obsolete,
        np.where(
            out["value_at_risk"] >= median_value,
            "sell to liquidator / return to supplier",
            "scrap and write off",
        ),
        np.where(slow, "stop replenishment and run down (promote or transfer)", ""),
    )
    out = (
        out[out["status"] != "healthy"]
        .sort_values("value_at_risk", ascending=False)
        .reset_index(drop=True)
    )
    return out


def rationalisation_candidates(
    health: pd.DataFrame, items: pd.DataFrame, max_turns: float = 2.0
) -> pd.DataFrame:
    """SKUs with a negative unit gross margin and low turnover (turns < ``max_turns``) at item level."""
    columns = [
        "item_id",
        "category",
        "unit_cost",
        "unit_price",
        "unit_margin",
        "turns",
        "gross_margin",
        "stock_value",
    ]
    if (
        "unit_price" not in items.columns
    ):  # selling prices are optional: no price, no below-cost finding
        return pd.DataFrame(columns=columns)
    h = health.groupby("item_id", observed=True)[
        ["cogs", "avg_value", "gross_margin", "stock_value"]
    ].sum()
    h["turns"] = h["cogs"] / h["avg_value"].where(h["avg_value"] > 0)
    m = items.set_index("item_id")[["category", "unit_cost", "unit_price"]]
    out = h.join(m, how="left")
    out["unit_margin"] = out["unit_price"] - out["unit_cost"]
    out = out[(out["unit_margin"] < 0) & (out["turns"].fillna(0) < max_turns)]
    return out.reset_index().sort_values("gross_margin")[columns]


POLICY_BY_SEGMENT = {
    "AX": "Continuous review, tight safety stock, frequent small replenishments; high service target.",
    "AY": "Continuous review with demand sensing; safety stock sized for variability; review forecast weekly.",
    "AZ": "Collaborate with customers on demand; buffer selectively; consider make/buy-to-order for spikes.",
    "BX": "Periodic review with EOQ lots; standard service target.",
    "BY": "Periodic review; safety stock by formula; monthly forecast review.",
    "BZ": "Periodic review with higher buffers or order-driven supply; rationalise variants.",
    "CX": "Two-bin or periodic review with large lots; low management effort.",
    "CY": "Periodic review with generous lots; low service target acceptable.",
    "CZ": "Make/buy to order or stop stocking; candidates for rationalisation.",
}


def segment_policy(seg: pd.DataFrame, health: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per ABC/XYZ segment: series count, annual value, share, demand classes, and the stocking policy."""
    g = seg.groupby("segment", observed=True)
    out = pd.DataFrame({"series": g.size(), "annual_value": g["annual_value"].sum()})
    out["value_share"] = out["annual_value"] / out["annual_value"].sum()
    out["intermittent_or_lumpy"] = g["demand_class"].apply(
        lambda s: s.isin(["intermittent", "lumpy"]).mean()
    )
    if health is not None:
        keys = [c for c in ("item_id", "location_id") if c in seg.columns and c in health.columns]
        hh = (
            seg[[*keys, "segment"]]
            .merge(health, on=keys, how="left")
            .groupby("segment", observed=True)
        )
        out["stock_value"] = hh["stock_value"].sum()
        out["turns"] = hh["cogs"].sum() / hh["avg_value"].sum()
    out["policy"] = out.index.map(POLICY_BY_SEGMENT)
    return out.reset_index()


# --------------------------------------------------------------------------- report tables


def segment_matrix(segments: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The ABC (rows) x XYZ (columns) matrix: item-location counts and annual consumption value.

    Every class of both axes appears, with zeros where a cell is empty.
    """
    abc = sorted(segments["abc"].dropna().unique())
    xyz = sorted(segments["xyz"].dropna().unique())
    g = segments.groupby(["abc", "xyz"], observed=True)
    counts = g.size().unstack(fill_value=0).reindex(index=abc, columns=xyz, fill_value=0)
    values = (
        g["annual_value"].sum().unstack(fill_value=0).reindex(index=abc, columns=xyz, fill_value=0)
    )
    return counts.astype(int), values


def demand_class_summary(segments: pd.DataFrame) -> pd.DataFrame:
    """Item-locations (series) and annual consumption value per Syntetos-Boylan demand class."""
    g = segments.groupby("demand_class", observed=True)
    return g.agg(series=("item_id", "count"), annual_value=("annual_value", "sum")).reset_index()


def health_by(
    health: pd.DataFrame,
    segments: pd.DataFrame,
    by: Sequence[str] = ("abc", "location_id"),
    keys: Sequence[str] = ("item_id", "location_id"),
) -> pd.DataFrame:
    """Inventory health of groups of series (e.g. ABC class x location) from
    :func:`inventory_health` rows: stock value, turns = COGS / average inventory value,
    days of supply = 365 / turns, GMROI = gross margin / average inventory value, carrying cost
    (Chopra & Meindl, ch. 3). Sums are taken before the ratios (a group's turns are not the
    mean of its series' turns)."""
    keys, by = list(keys), list(by)
    seg_cols = [c for c in by if c not in health.columns]
    h = health.merge(segments[[*keys, *seg_cols]], on=keys, how="left") if seg_cols else health
    out = (
        h.groupby(by, observed=True)
        .agg(
            stock_value=("stock_value", "sum"),
            avg_value=("avg_value", "sum"),
            cogs=("cogs", "sum"),
            margin=("gross_margin", "sum"),
            carrying_cost=("carrying_cost", "sum"),
        )
        .reset_index()
    )
    avg = out["avg_value"].where(out["avg_value"] > 0)
    out["turns"] = out["cogs"] / avg
    out["days_of_supply"] = 365 / out["turns"].where(out["turns"] > 0)
    out["gmroi"] = out["margin"] / avg
    return out[[*by, "stock_value", "turns", "days_of_supply", "gmroi", "carrying_cost"]]


def slob_summary(slob_rows: pd.DataFrame) -> pd.DataFrame:
    """Item-locations and value at risk per SLOB status and suggested disposition."""
    g = slob_rows.groupby(["status", "disposition"], observed=True)
    out = g.agg(item_locations=("item_id", "count"), value_at_risk=("value_at_risk", "sum"))
    return out.reset_index()


def summary_lines(
    segments: pd.DataFrame,
    health: pd.DataFrame,
    slob_rows: pd.DataFrame,
    rational: pd.DataFrame,
    policy: pd.DataFrame,
    stock_value: float,
    low_turns: float,
    money,
    window_months: int = 12,
) -> list[str]:
    """The executive summary of the segmentation report, one sentence per finding; ``money``
    formats an amount (the report's formatter)."""
    a_share = (segments["abc"] == "A").mean()
    a_value = policy.loc[policy["segment"].str[0] == "A", "value_share"].sum()
    avg = health["avg_value"].sum()
    turns = health["cogs"].sum() / avg if avg else float("nan")
    risk = slob_rows["value_at_risk"].sum()
    obsolete = slob_rows.loc[slob_rows["status"] == "obsolete", "value_at_risk"].sum()
    risk_share = f"{risk / stock_value:.1%}" if stock_value else "–"
    odd = segments["demand_class"].isin(["intermittent", "lumpy"]).mean()
    return [
        f"{len(segments):,} item-locations classified on the last {window_months} months; class A "
        f"is {a_share:.0%} of them and {a_value:.0%} of annual consumption value.",
        f"Stock on hand is worth {money(stock_value)}, turning {turns:.1f} times a year "
        f"(carrying cost {money(health['carrying_cost'].sum())} a year).",
        f"{len(slob_rows):,} item-locations hold slow-moving or obsolete stock worth "
        f"{money(risk)} ({risk_share} of stock); obsolete alone {money(obsolete)}.",
        f"{int(health['persistent_low_turns'].sum()):,} item-locations have had low turnover "
        f"(under {low_turns:g} turns) for more than two quarters.",
        f"{len(rational):,} {'item sells' if len(rational) == 1 else 'items sell'} below cost "
        "with low turnover: candidates for SKU rationalisation.",
        f"{odd:.0%} of item-locations have intermittent or lumpy demand and need non-normal "
        "stocking rules.",
    ]
