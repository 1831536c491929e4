"""The built-in demo company: a deterministic, realistic industrial distributor.

``generate_demo(seed, scale)`` returns every canonical table; ``write_demo`` writes them as
Parquet (or CSV) files; ``ensure_demo`` generates ``data/demo/`` on first use. The same
seed and scale give identical files. At scale 1 the company has about 2,000 items stocked
at 3 distribution centres (about 4,200 item-location series), 300 customers, 250 suppliers
(plus duplicate vendor records), 36 months of history ending October 2026, monthly
forecast snapshots (lags 1-3) with planner overrides, purchase orders and invoices with
on- and off-contract spend, quality receipts, assessments, actions, a risk register of
about 60 risks and supplier financials. Tables are consistent: stock follows receipts minus
shipments, invoices follow received PO lines, sales orders follow demand.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from scmlib.data.model import SOURCING_GATES, TABLES
from scmlib.errors import ParameterError
from scmlib.paths import data_dir

DEMO_VERSION = 9
START = pd.Timestamp("2023-11-01")
N_MONTHS = 36
MONTHS = pd.date_range(START, periods=N_MONTHS, freq="MS")
DIRECT = [
    "Electrical",
    "Fasteners",
    "Hydraulics",
    "Safety",
    "Tools",
    "Packaging",
    "Chemicals",
    "Lighting",
]
# specialist direct categories: only a few qualified suppliers (certified drive
# electronics, speciality chemicals), so the Kraljic matrix of the demo has its high-risk quadrants
SPECIALIST_SUPPLIERS = {"Electrical": 2, "Chemicals": 2}
INDIRECT = [
    "IT services",
    "Facilities",
    "Logistics",
    "Professional services",
    "MRO",
    "Marketing",
    "Travel",
]
BUSINESS_UNITS = ["Operations", "Sales", "Finance", "R&D", "Logistics"]
COUNTRIES = np.array(
    [
        "USA",
        "CHN",
        "DEU",
        "MEX",
        "IND",
        "VNM",
        "GBR",
        "ITA",
        "JPN",
        "KOR",
        "TWN",
        "POL",
        "TUR",
        "BRA",
        "CAN",
        "THA",
        "MYS",
        "BGD",
        "RUS",
        "EGY",
    ]
)
COUNTRY_P = np.array([22, 15, 8, 7, 6, 5, 5, 4, 4, 3, 3, 3, 3, 2, 3, 2, 2, 1, 1, 1], dtype=float)
CURRENCY_OF = {"DEU": "EUR", "ITA": "EUR", "POL": "EUR", "GBR": "GBP"}
WORDS_A = [
    "Apex",
    "Northwind",
    "Summit",
    "Atlas",
    "Pioneer",
    "Vertex",
    "Keystone",
    "Harbor",
    "Evergreen",
    "Granite",
    "Sterling",
    "Meridian",
    "Beacon",
    "Crescent",
    "Falcon",
    "Orion",
    "Redwood",
    "Silverline",
    "Titan",
    "Unity",
    "Zenith",
    "Cobalt",
    "Delta",
    "Everest",
    "Horizon",
]
WORDS_B = [
    "Industrial",
    "Components",
    "Supply",
    "Manufacturing",
    "Technologies",
    "Solutions",
    "Trading",
    "Logistics",
    "Materials",
    "Systems",
    "Engineering",
    "Services",
    "Products",
    "Works",
    "Partners",
]
SUFFIXES = ["Ltd", "Inc", "GmbH", "plc", "Co.", "S.A.", "LLC", "Limited", "Corp."]
OVERRIDE_REASONS = ["promotion", "customer intelligence", "sales target", "gut feel"]


def _ids(prefix: str, n: int, width: int = 4) -> np.ndarray:
    return np.char.add(prefix, np.char.zfill(np.arange(1, n + 1).astype(str), width))


def _month_dates(rng, months: np.ndarray, max_day: int = 27) -> np.ndarray:
    """A random date inside each given month start."""
    return (
        pd.DatetimeIndex(months) + pd.to_timedelta(rng.integers(0, max_day, len(months)), unit="D")
    ).to_numpy()


def _suppliers(rng, n: int):
    cats = np.concatenate(
        [np.repeat(DIRECT, max(2, int(n * 0.6 / len(DIRECT)))), rng.choice(INDIRECT, n)]
    )[:n]
    rng.shuffle(cats)
    cats = _specialist_pools(cats)
    a = rng.choice(WORDS_A, n)
    b = rng.choice(WORDS_B, n)
    suffix = rng.choice(SUFFIXES, n)
    stems = pd.Series(a) + " " + pd.Series(b)
    # distinct companies get distinct stems: a number is appended where stems collide
    dup_rank = stems.groupby(stems).cumcount()
    stems = stems.where(dup_rank == 0, stems + " " + (dup_rank + 1).astype(str))
    names = stems + " " + pd.Series(suffix)
    country = rng.choice(COUNTRIES, n, p=COUNTRY_P / COUNTRY_P.sum())
    ids = _ids("S", n)
    parent = np.where(
        rng.random(n) < 0.2, pd.Series(a).str.cat(["Group"] * n, sep=" ").to_numpy(), None
    )
    sup = pd.DataFrame(
        {
            "supplier_id": ids,
            "name": names.to_numpy(),
            "country": country,
            "category": cats,
            "parent": parent,
        }
    )
    # latent behaviour
    sup["on_time_p"] = rng.uniform(0.72, 0.985, n)
    sup["mean_delay"] = rng.uniform(2, 9, n)
    sup["ppm"] = np.exp(rng.normal(np.log(2500), 0.9, n))
    sup["deteriorating"] = rng.random(n) < 0.1
    sup["lead_days"] = rng.choice([14, 21, 30, 45, 60], n, p=[0.25, 0.25, 0.25, 0.15, 0.1])
    sup.loc[
        sup["country"].isin(["CHN", "VNM", "IND", "THA", "MYS", "BGD", "TWN", "KOR", "JPN"]),
        "lead_days",
    ] += 30
    sup["currency"] = sup["country"].map(CURRENCY_OF).fillna("USD")
    sup["price_drift"] = rng.uniform(0.0, 0.06, n)
    return sup


def _specialist_pools(cats: np.ndarray) -> np.ndarray:
    """Categories with their specialist pools applied (:data:`SPECIALIST_SUPPLIERS`): the first
    suppliers of a specialist category keep it, the rest move in turn to the other direct
    categories. Deterministic (no random draw), so the random stream stays as it was.

    >>> _specialist_pools(np.array(["Electrical"] * 4 + ["Tools"])).tolist()
    ['Electrical', 'Electrical', 'Fasteners', 'Hydraulics', 'Tools']
    """
    cats = cats.copy()
    others = [c for c in DIRECT if c not in SPECIALIST_SUPPLIERS]
    for cat, keep in SPECIALIST_SUPPLIERS.items():  # two categories, not rows
        extra = np.flatnonzero(cats == cat)[keep:]
        cats[extra] = np.resize(others, len(extra))
    return cats


def _variant_names(names: pd.Series, rng) -> pd.Series:
    """Spelling variants of supplier names, as found in messy vendor masters."""
    kind = rng.integers(0, 4, len(names))
    v = names.copy()
    v = v.where(kind != 0, names.str.upper())
    v = v.where(
        kind != 1,
        names.str.replace(" Ltd", " Limited", regex=False)
        .str.replace(" Inc", ", Inc.", regex=False)
        .str.replace(" Co.", " Company", regex=False),
    )
    v = v.where(
        kind != 2,
        names.str.replace(" ", "  ", n=1, regex=False).str.replace(".", "", regex=False) + ".",
    )
    v = v.where(kind != 3, names.str.lower().str.title().str.replace(" Plc", " PLC", regex=False))
    return v


def _gen_locations(ns: dict) -> None:
    """The demo company: locations."""
    locations = pd.DataFrame(
        {
            "location_id": ["PLANT-01", "DC-EAST", "DC-WEST", "DC-EU"],
            "name": [
                "Columbus plant",
                "Newark distribution centre",
                "Reno distribution centre",
                "Rotterdam distribution centre",
            ],
            "type": ["plant", "dc", "dc", "dc"],
            "country": ["USA", "USA", "USA", "NLD"],
            "latitude": [39.96, 40.74, 39.53, 51.92],
            "longitude": [-83.00, -74.17, -119.81, 4.48],
        }
    )
    dcs = np.array(["DC-EAST", "DC-WEST", "DC-EU"])
    ns.update(dcs=dcs, locations=locations)


def _gen_suppliers_duplicate_vendor_records(ns: dict) -> None:
    """The demo company: suppliers (+ duplicate vendor records)."""
    n_sup, rng = (ns["n_sup"], ns["rng"])
    sup = _suppliers(rng, n_sup)
    n_dup = max(3, int(0.06 * n_sup))
    dup_of = rng.choice(n_sup, n_dup, replace=False)
    dup = sup.iloc[dup_of].copy()
    dup["name"] = _variant_names(dup["name"].reset_index(drop=True), rng).to_numpy()
    dup["supplier_id"] = np.char.add("S9", np.char.zfill(np.arange(1, n_dup + 1).astype(str), 3))
    dup["dup_of"] = sup["supplier_id"].to_numpy()[dup_of]
    sup["dup_of"] = None
    # tax and bank details, derived from the id (no random draw: the other tables stay as they
    # were); a duplicate record carries its original's tax id (every other one left it empty) and
    # bank account (every third one another account), as duplicate vendor records do
    k = np.arange(n_sup)
    sup["tax_id"] = sup["country"].str[:2] + pd.Series((k * 7919 + 104_729) % 10**9).map(
        "{:09d}".format
    )
    sup["bank_account"] = "AC" + pd.Series((k * 104_723 + 7_919) % 10**8).map("{:08d}".format)
    j = np.arange(n_dup)
    dup["tax_id"] = np.where(j % 2 == 0, sup["tax_id"].to_numpy()[dup_of], None)
    dup["bank_account"] = np.where(
        j % 3 != 2,
        sup["bank_account"].to_numpy()[dup_of],
        "AC" + pd.Series((j * 31 + 99_000_000) % 10**8).map("{:08d}".format).to_numpy(),
    )
    sup_all = pd.concat([sup, dup], ignore_index=True)
    suppliers = sup_all[
        ["supplier_id", "name", "country", "category", "parent", "tax_id", "bank_account"]
    ].copy()
    ns.update(dup=dup, sup=sup, sup_all=sup_all, suppliers=suppliers)


def _gen_items(ns: dict) -> None:
    """The demo company: items."""
    T, n_items, rng, sup = (ns["T"], ns["n_items"], ns["rng"], ns["sup"])
    item_ids = _ids("IT", n_items, 5)
    cat = rng.choice(DIRECT, n_items)
    cost_mu = dict(zip(DIRECT, [3.2, 0.2, 4.0, 2.8, 3.5, 1.0, 2.5, 2.9]))
    unit_cost = np.round(np.exp(rng.normal(pd.Series(cat).map(cost_mu).to_numpy(), 0.7)), 2) + 0.05
    markup = rng.uniform(1.15, 1.8, n_items)
    neg_margin = rng.random(n_items) < 0.03
    markup[neg_margin] = rng.uniform(0.8, 0.97, neg_margin.sum())
    unit_price = np.round(unit_cost * markup, 2)
    stage = rng.choice(
        ["launch", "growth", "mature", "decline", "end_of_life"],
        n_items,
        p=[0.07, 0.12, 0.6, 0.13, 0.08],
    )
    dclass = rng.choice(
        ["smooth", "erratic", "intermittent", "lumpy"], n_items, p=[0.42, 0.28, 0.17, 0.13]
    )
    launch_m = np.where(
        stage == "launch",
        rng.integers(T - 14, T - 3, n_items),
        np.where(rng.random(n_items) < 0.05, rng.integers(3, 12, n_items), 0),
    )
    eol_m = np.where(stage == "end_of_life", rng.integers(T - 14, T - 3, n_items), T + 100)
    direct_sup = sup[sup["category"].isin(DIRECT)]
    primary = np.empty(n_items, dtype=object)
    secondary = np.empty(n_items, dtype=object)
    for c in DIRECT:  # loop over 8 categories, not rows
        m = cat == c
        pool = direct_sup.loc[direct_sup["category"] == c, "supplier_id"].to_numpy()
        weights = np.exp(rng.normal(0, 1.2, len(pool)))  # a few large suppliers per category
        primary[m] = rng.choice(pool, m.sum(), p=weights / weights.sum())
        secondary[m] = rng.choice(pool, m.sum())
    single_source = (rng.random(n_items) < 0.45) | (secondary == primary)
    sup_lead = sup.set_index("supplier_id")["lead_days"]
    items = pd.DataFrame(
        {
            "item_id": item_ids,
            "description": pd.Series(cat).str.lower().to_numpy()
            + " item "
            + pd.Series(item_ids).str[2:].to_numpy(),
            "category": cat,
            "unit_cost": unit_cost,
            "unit_price": unit_price,
            "lifecycle_stage": stage,
            "supplier_id": primary,
            "lead_time_days": pd.Series(primary).map(sup_lead).to_numpy().astype(float),
            "lead_time_std_days": np.round(
                pd.Series(primary).map(sup_lead).to_numpy() * rng.uniform(0.1, 0.3, n_items), 1
            ),
            "launch_date": np.where(
                launch_m > 0, MONTHS[np.clip(launch_m, 0, T - 1)].to_numpy(), np.datetime64("NaT")
            ),
            "eol_date": np.where(
                eol_m < T, MONTHS[np.clip(eol_m, 0, T - 1)].to_numpy(), np.datetime64("NaT")
            ),
            "lot_size": np.where(
                rng.random(n_items) < 0.2, rng.choice([12, 24, 50, 100], n_items), np.nan
            ),
        }
    )
    items["launch_date"] = pd.to_datetime(items["launch_date"])
    items["eol_date"] = pd.to_datetime(items["eol_date"])
    ns.update(
        c=c,
        cat=cat,
        dclass=dclass,
        eol_m=eol_m,
        item_ids=item_ids,
        items=items,
        launch_m=launch_m,
        m=m,
        primary=primary,
        secondary=secondary,
        single_source=single_source,
        stage=stage,
        unit_cost=unit_cost,
        unit_price=unit_price,
    )


def _gen_demand_item_x_dc_x_month(ns: dict) -> None:
    """The demo company: demand (item x DC x month)."""
    T, _, cat, dclass, dcs, eol_m, item_ids, launch_m, n_items, rng, stage = (
        ns["T"],
        ns["c"],
        ns["cat"],
        ns["dclass"],
        ns["dcs"],
        ns["eol_m"],
        ns["item_ids"],
        ns["launch_m"],
        ns["n_items"],
        ns["rng"],
        ns["stage"],
    )
    stock_p = np.array([0.9, 0.7, 0.5])
    at = rng.random((n_items, 3)) < stock_p
    at[~at.any(axis=1), 0] = True
    s_item, s_loc = np.nonzero(at)
    S = len(s_item)
    level_item = np.exp(rng.normal(3.3, 1.1, n_items))
    share = np.array([0.5, 0.3, 0.2])[s_loc] * rng.uniform(0.6, 1.4, S)
    level = level_item[s_item] * share
    t = np.arange(T)
    phase = rng.uniform(0, 2 * np.pi, len(DIRECT))
    amp = rng.uniform(0.05, 0.35, len(DIRECT))
    cidx = pd.Series(cat).map({c: i for i, c in enumerate(DIRECT)}).to_numpy()[s_item]
    season = 1 + amp[cidx, None] * np.sin(2 * np.pi * t[None, :] / 12 + phase[cidx, None])
    st = stage[s_item]
    growth = np.where(
        st == "growth", 0.025, np.where(st == "decline", -0.03, np.where(st == "launch", 0.04, 0.0))
    )
    trend = np.exp(growth[:, None] * (t[None, :] - T / 2))
    mean = level[:, None] * season * trend
    dc = dclass[s_item]
    cv = np.where(
        dc == "smooth",
        rng.uniform(0.12, 0.3, S),
        np.where(
            dc == "erratic",
            rng.uniform(0.6, 1.0, S),
            np.where(dc == "intermittent", rng.uniform(0.2, 0.4, S), rng.uniform(0.9, 1.4, S)),
        ),
    )
    shape = 1 / cv**2
    occur_p = np.where(np.isin(dc, ["intermittent", "lumpy"]), rng.uniform(0.15, 0.55, S), 1.0)
    mean_size = np.where(
        np.isin(dc, ["intermittent", "lumpy"])[:, None], 0.4 * mean / occur_p[:, None], mean
    )
    sizes = rng.gamma(shape[:, None], mean_size / shape[:, None])
    occur = rng.random((S, T)) < occur_p[:, None]
    promo = (rng.random((S, T)) < 0.03) & np.isin(dc, ["smooth", "erratic"])[:, None]
    qty = np.round(sizes * occur * np.where(promo, 1.8, 1.0))
    lm = launch_m[s_item]
    em = eol_m[s_item]
    alive = (t[None, :] >= lm[:, None]) & (t[None, :] < em[:, None])
    ramp = np.clip((t[None, :] - lm[:, None] + 1) / 4, 0, 1)
    qty = np.where(alive, np.round(qty * np.where(lm[:, None] > 0, ramp, 1)), 0)
    returns = (rng.random((S, T)) < 0.002) & alive
    qty = np.where(returns, -np.round(rng.uniform(1, 5, (S, T))), qty)
    demand_history = pd.DataFrame(
        {
            "item_id": np.repeat(item_ids[s_item], T),
            "location_id": np.repeat(dcs[s_loc], T),
            "date": np.tile(MONTHS.to_numpy(), S),
            "quantity": qty.ravel().astype(float),
        }
    )
    # new items have no rows before launch (as ERP extracts do)
    before_launch = np.tile(t, S) < np.repeat(lm, T)
    demand_history = demand_history[~before_launch].reset_index(drop=True)
    ns.update(
        S=S,
        before_launch=before_launch,
        demand_history=demand_history,
        em=em,
        lm=lm,
        mean=mean,
        qty=qty,
        s_item=s_item,
        s_loc=s_loc,
        season=season,
        t=t,
    )


def _gen_forecast_snapshots_lags_1_3(ns: dict) -> None:
    """The demo company: forecast snapshots (lags 1-3)."""
    S, T, dcs, em, item_ids, lm, qty, rng, s_item, s_loc, season = (
        ns["S"],
        ns["T"],
        ns["dcs"],
        ns["em"],
        ns["item_ids"],
        ns["lm"],
        ns["qty"],
        ns["rng"],
        ns["s_item"],
        ns["s_loc"],
        ns["season"],
    )
    pos_qty = np.clip(qty, 0, None)
    cycles = np.arange(T - 15, T)  # forecast made at the start of these months
    lags = np.array([1, 2, 3])
    cs, ls = np.meshgrid(cycles, lags, indexing="ij")
    cs, ls = cs.ravel(), ls.ravel()
    tgt = cs + ls
    keep = tgt < T + 3
    cs, ls, tgt = cs[keep], ls[keep], tgt[keep]
    cum = np.concatenate([np.zeros((S, 1)), np.cumsum(pos_qty, axis=1)], axis=1)
    base = (cum[:, cs] - cum[:, cs - 6]) / 6  # mean of the 6 months before the cycle (known then)
    seas_ratio = season[:, np.clip(tgt, 0, T - 1)] / season[:, cs - 3]
    stat = base * seas_ratio * np.exp(rng.normal(0.04, 0.12, base.shape))  # slight optimism
    actual = pos_qty[:, np.clip(tgt, 0, T - 1)]
    override = rng.random(stat.shape) < 0.12
    reason_idx = rng.choice(4, stat.shape, p=[0.3, 0.25, 0.3, 0.15])
    final = stat.copy()
    helpful = stat + np.where(tgt < T, 0.6, 0.0) * (actual - stat)
    final = np.where(override & (reason_idx == 0), helpful * 1.05, final)
    final = np.where(
        override & (reason_idx == 1), stat + np.where(tgt < T, 0.35, 0.0) * (actual - stat), final
    )
    final = np.where(
        override & (reason_idx == 2), stat * rng.uniform(1.15, 1.45, stat.shape), final
    )
    final = np.where(override & (reason_idx == 3), stat * rng.uniform(0.75, 1.3, stat.shape), final)
    alive_fc = (cs[None, :] >= lm[:, None] + 6) & (tgt[None, :] < em[:, None])
    n_cols = len(cs)
    fs = pd.DataFrame(
        {
            "item_id": np.repeat(item_ids[s_item], n_cols),
            "location_id": np.repeat(dcs[s_loc], n_cols),
            "forecast_date": np.tile(
                MONTHS.union(pd.date_range(MONTHS[-1], periods=4, freq="MS")).to_numpy()[cs], S
            ),
            "target_date": np.tile(
                pd.date_range(START, periods=T + 3, freq="MS").to_numpy()[tgt], S
            ),
            "lag": np.tile(ls, S),
            "statistical_forecast": np.round(np.clip(stat, 0, None), 1).ravel(),
            "final_forecast": np.round(np.clip(final, 0, None), 1).ravel(),
            "override_reason": np.where(
                override, np.array(OVERRIDE_REASONS, dtype=object)[reason_idx], None
            ).ravel(),
        }
    )
    forecast_snapshots = fs[alive_fc.ravel()].reset_index(drop=True)
    ns.update(forecast_snapshots=forecast_snapshots, pos_qty=pos_qty)


def _gen_inventory_simulation_s_s_with_lead_time(ns: dict) -> None:
    """The demo company: inventory simulation (s, S) with lead time."""
    (
        S,
        T,
        before_launch,
        dcs,
        em,
        item_ids,
        items,
        m,
        mean,
        pos_qty,
        qty,
        rng,
        s_item,
        s_loc,
        t,
        unit_cost,
    ) = (
        ns["S"],
        ns["T"],
        ns["before_launch"],
        ns["dcs"],
        ns["em"],
        ns["item_ids"],
        ns["items"],
        ns["m"],
        ns["mean"],
        ns["pos_qty"],
        ns["qty"],
        ns["rng"],
        ns["s_item"],
        ns["s_loc"],
        ns["t"],
        ns["unit_cost"],
    )
    lead_m = np.clip(np.round(items["lead_time_days"].to_numpy()[s_item] / 30), 1, 3).astype(int)
    avg = np.maximum(mean.mean(axis=1), 0.2)
    over = rng.random(S) < 0.12  # overstocked: slow movers
    cover = np.where(over, rng.uniform(5, 10, S), rng.uniform(1.2, 2.2, S))
    s_lvl = avg * (lead_m + 0.5) * np.where(over, 2.5, 1.0)
    S_lvl = s_lvl + avg * cover
    on_hand = np.round(S_lvl * rng.uniform(0.6, 1.1, S))
    pipeline = np.zeros((S, T + 4))
    snap_oh = np.zeros((S, T))
    snap_oo = np.zeros((S, T))
    shipped = np.zeros((S, T))
    orders = np.zeros((S, T))
    for m in range(T):  # loop over 36 months (time), vectorised over every series
        on_hand = on_hand + pipeline[:, m]
        snap_oh[:, m] = on_hand
        snap_oo[:, m] = pipeline[:, m + 1 :].sum(axis=1)
        d = pos_qty[:, m]
        ship = np.minimum(d, on_hand)
        shipped[:, m] = ship
        on_hand = on_hand - ship + np.clip(-qty[:, m], 0, None)
        position = on_hand + pipeline[:, m + 1 :].sum(axis=1)
        still_sold = m < em - 2
        q = np.where((position <= s_lvl) & still_sold & (avg > 0), np.ceil(S_lvl - position), 0)
        orders[:, m] = q
        pipeline[np.arange(S), np.minimum(m + lead_m, T + 3)] += q
    cost_drift = 1 + 0.002 * t
    inventory_snapshots = pd.DataFrame(
        {
            "snapshot_date": np.tile(MONTHS.to_numpy(), S),
            "item_id": np.repeat(item_ids[s_item], T),
            "location_id": np.repeat(dcs[s_loc], T),
            "on_hand_qty": snap_oh.ravel(),
            "on_order_qty": snap_oo.ravel(),
            "unit_cost": np.round(np.repeat(unit_cost[s_item], T) * np.tile(cost_drift, S), 2),
        }
    )
    inventory_snapshots = inventory_snapshots[
        ~before_launch | (inventory_snapshots["on_hand_qty"].to_numpy() > 0)
    ].reset_index(drop=True)
    ns.update(
        inventory_snapshots=inventory_snapshots, orders=orders, shipped=shipped, snap_oh=snap_oh
    )


def _gen_customers_and_sales_orders(ns: dict) -> None:
    """The demo company: customers and sales orders."""
    dcs, item_ids, n_cust, pos_qty, rng, s_item, s_loc, shipped, unit_price = (
        ns["dcs"],
        ns["item_ids"],
        ns["n_cust"],
        ns["pos_qty"],
        ns["rng"],
        ns["s_item"],
        ns["s_loc"],
        ns["shipped"],
        ns["unit_price"],
    )
    tiers = rng.choice(["platinum", "gold", "standard"], n_cust, p=[0.1, 0.3, 0.6])
    customers = pd.DataFrame(
        {
            "customer_id": _ids("C", n_cust),
            "name": np.char.add("Customer ", _ids("", n_cust)),
            "service_tier": tiers,
            "channel": rng.choice(
                ["wholesale", "retail", "online", "OEM"], n_cust, p=[0.35, 0.3, 0.2, 0.15]
            ),
            "region": rng.choice(
                ["North America", "Europe", "Latin America", "Asia"], n_cust, p=[0.5, 0.3, 0.1, 0.1]
            ),
        }
    )
    customers["country"] = customers["region"].map(
        {"North America": "USA", "Europe": "DEU", "Latin America": "MEX", "Asia": "JPN"}
    )
    ss, tt = np.nonzero(pos_qty > 0)
    n_lines = rng.integers(1, 4, len(ss))
    rep = np.repeat(np.arange(len(ss)), n_lines)
    split = rng.dirichlet(np.ones(3), len(ss))
    line_no = (
        np.concatenate([np.arange(k) for k in np.bincount(rep)])
        if len(rep)
        else np.array([], dtype=int)
    )
    w = split[rep, line_no]
    w = w / np.bincount(rep, weights=w)[rep]
    ordered = np.maximum(1, np.round(pos_qty[ss[rep], tt[rep]] * w))
    fill = np.where(pos_qty[ss, tt] > 0, shipped[ss, tt] / np.maximum(pos_qty[ss, tt], 1), 1)[rep]
    delivered = np.round(ordered * fill)
    n_sol = len(rep)
    cust_w = np.where(tiers == "platinum", 5.0, np.where(tiers == "gold", 2.0, 1.0))
    cust = rng.choice(n_cust, n_sol, p=cust_w / cust_w.sum())
    order_date = _month_dates(rng, MONTHS.to_numpy()[tt[rep]])
    req = order_date + pd.to_timedelta(rng.integers(3, 11, n_sol), unit="D").to_numpy()
    promised = (
        req
        + pd.to_timedelta(rng.choice([0, 0, 0, 0, 0, 0, 0, 0, 0, 2], n_sol), unit="D").to_numpy()
    )
    loc_late = np.array([0.08, 0.12, 0.18])[s_loc[ss[rep]]]
    ship_date = order_date + pd.to_timedelta(rng.integers(1, 4, n_sol), unit="D").to_numpy()
    late = rng.random(n_sol) < loc_late
    delivery = (
        promised
        + pd.to_timedelta(
            np.where(late, rng.integers(1, 6, n_sol), -rng.integers(0, 3, n_sol)), unit="D"
        ).to_numpy()
    )
    delivery = np.maximum(delivery, ship_date)
    price = unit_price[s_item[ss[rep]]] * rng.uniform(0.9, 1.0, n_sol)
    returned = np.where(
        rng.random(n_sol) < 0.02,
        np.maximum(1, np.round(delivered * rng.uniform(0.05, 0.5, n_sol))),
        0,
    )
    sales_order_lines = pd.DataFrame(
        {
            "order_id": np.char.add("SO", np.char.zfill(np.arange(1, n_sol + 1).astype(str), 7)),
            "line_id": "1",
            "customer_id": customers["customer_id"].to_numpy()[cust],
            "item_id": item_ids[s_item[ss[rep]]],
            "location_id": dcs[s_loc[ss[rep]]],
            "order_date": order_date,
            "requested_date": req,
            "promised_date": promised,
            "ship_date": ship_date,
            "delivery_date": delivery,
            "ordered_qty": ordered,
            "delivered_qty": np.minimum(delivered, ordered),
            "unit_price": np.round(price, 2),
            "damage_free": rng.random(n_sol) > 0.015,
            "documentation_accurate": rng.random(n_sol) > 0.02,
            "returned_qty": np.minimum(returned, delivered),
        }
    )
    not_yet = sales_order_lines["delivery_date"] > MONTHS[-1] + pd.offsets.MonthEnd(0)
    sales_order_lines.loc[not_yet, ["delivery_date"]] = pd.NaT
    sales_order_lines.loc[not_yet, "delivered_qty"] = np.nan
    ns.update(customers=customers, sales_order_lines=sales_order_lines)


def _gen_purchase_orders_direct_from_the_simulati(ns: dict) -> None:
    """The demo company: purchase orders (direct, from the simulation)."""
    (
        T,
        cat,
        dup,
        item_ids,
        orders,
        primary,
        rng,
        s_item,
        secondary,
        single_source,
        sup_all,
        unit_cost,
    ) = (
        ns["T"],
        ns["cat"],
        ns["dup"],
        ns["item_ids"],
        ns["orders"],
        ns["primary"],
        ns["rng"],
        ns["s_item"],
        ns["secondary"],
        ns["single_source"],
        ns["sup_all"],
        ns["unit_cost"],
    )
    os_, ot = np.nonzero(orders > 0)
    n_po = len(os_)
    it = s_item[os_]
    use_second = (~single_source[it]) & (rng.random(n_po) < 0.3)
    po_sup = np.where(use_second, secondary[it], primary[it])
    # a few orders placed with the duplicate vendor record of the same company
    dup_map = dup.set_index("dup_of")["supplier_id"]
    use_dup = pd.Series(po_sup).isin(dup_map.index).to_numpy() & (rng.random(n_po) < 0.3)
    po_sup = np.where(
        use_dup, pd.Series(po_sup).map(dup_map).fillna(pd.Series(po_sup)).to_numpy(), po_sup
    )
    sup_idx = sup_all.set_index("supplier_id")
    behaviour = sup_idx.loc[po_sup]
    po_order = _month_dates(rng, MONTHS.to_numpy()[ot])
    lead = behaviour["lead_days"].to_numpy()
    po_promised = po_order + pd.to_timedelta(lead, unit="D").to_numpy()
    frac_time = ot / (T - 1)
    on_time_p = behaviour["on_time_p"].to_numpy() - np.where(
        behaviour["deteriorating"].to_numpy(), 0.35 * np.clip((frac_time - 0.5) * 2, 0, 1), 0
    )
    is_late = rng.random(n_po) > on_time_p
    delay = np.where(
        is_late,
        np.ceil(rng.exponential(behaviour["mean_delay"].to_numpy())) + 1,
        -rng.integers(0, 3, n_po),
    )
    receipt = po_promised + pd.to_timedelta(delay, unit="D").to_numpy()
    fx = {"USD": 1.0, "EUR": 0.92, "GBP": 0.79}
    ccy = behaviour["currency"].to_numpy()
    base_price = unit_cost[it] * np.where(use_second, rng.uniform(0.95, 1.2, n_po), 1.0)
    po_price = (
        base_price
        * (1 + behaviour["price_drift"].to_numpy() * ot / 12)
        * pd.Series(ccy).map(fx).to_numpy()
    )
    short = rng.random(n_po) < 0.06
    rec_qty = np.where(
        short, np.floor(orders[os_, ot] * rng.uniform(0.6, 0.95, n_po)), orders[os_, ot]
    )
    last_day = MONTHS[-1] + pd.offsets.MonthEnd(0)
    open_po = receipt > np.datetime64(last_day)
    direct_po = pd.DataFrame(
        {
            "supplier_id": po_sup,
            "item_id": item_ids[it],
            "category": cat[it],
            "business_unit": "Operations",
            "order_date": po_order,
            "promised_date": po_promised,
            "receipt_date": np.where(open_po, np.datetime64("NaT"), receipt),
            "ordered_qty": orders[os_, ot],
            "received_qty": np.where(open_po, np.nan, rec_qty),
            "unit_price": np.round(po_price, 2),
            "currency": ccy,
        }
    )
    ns.update(ccy=ccy, direct_po=direct_po, fx=fx, last_day=last_day, sup_idx=sup_idx)


def _gen_indirect_spend_tail_included(ns: dict) -> None:
    """The demo company: indirect spend (tail included)."""
    T, direct_po, fx, last_day, rng, scale, sup_all = (
        ns["T"],
        ns["direct_po"],
        ns["fx"],
        ns["last_day"],
        ns["rng"],
        ns["scale"],
        ns["sup_all"],
    )
    ind_sup = sup_all[sup_all["category"].isin(INDIRECT)]
    n_ind = int(4000 * scale) + 200
    tail_w = np.exp(rng.normal(0, 1.6, len(ind_sup)))
    pick = rng.choice(len(ind_sup), n_ind, p=tail_w / tail_w.sum())
    ib = ind_sup.iloc[pick]
    im = rng.integers(0, T, n_ind)
    i_order = _month_dates(rng, MONTHS.to_numpy()[im])
    i_prom = i_order + pd.to_timedelta(rng.integers(5, 30, n_ind), unit="D").to_numpy()
    i_late = rng.random(n_ind) > ib["on_time_p"].to_numpy()
    i_rec = (
        i_prom
        + pd.to_timedelta(np.where(i_late, rng.integers(1, 12, n_ind), 0), unit="D").to_numpy()
    )
    amount = np.round(np.exp(rng.normal(7.8, 1.3, n_ind)), 2)
    indirect_po = pd.DataFrame(
        {
            "supplier_id": ib["supplier_id"].to_numpy(),
            "item_id": None,
            "category": ib["category"].to_numpy(),
            "business_unit": rng.choice(BUSINESS_UNITS, n_ind),
            "order_date": i_order,
            "promised_date": i_prom,
            "receipt_date": np.where(i_rec > np.datetime64(last_day), np.datetime64("NaT"), i_rec),
            "ordered_qty": 1.0,
            "received_qty": np.where(i_rec > np.datetime64(last_day), np.nan, 1.0),
            "unit_price": amount * pd.Series(ib["currency"].to_numpy()).map(fx).to_numpy(),
            "currency": ib["currency"].to_numpy(),
        }
    )
    po = pd.concat([direct_po, indirect_po], ignore_index=True)
    po = po.sort_values(["order_date", "supplier_id"], kind="stable").reset_index(drop=True)
    po["po_id"] = np.char.add("PO", np.char.zfill(np.arange(1, len(po) + 1).astype(str), 7))
    po["line_id"] = "1"
    # contracts: most direct and some indirect supplier-category pairs
    pairs = sup_all[["supplier_id", "category"]].drop_duplicates()
    has_contract = rng.random(len(pairs)) < np.where(pairs["category"].isin(DIRECT), 0.93, 0.7)
    con_pairs = pairs[has_contract].reset_index(drop=True)
    con_ids = _ids("CT", len(con_pairs))
    po_spend = (po["ordered_qty"] * po["unit_price"]).groupby(
        [po["supplier_id"], po["category"]]
    ).sum() / 3
    contracts = pd.DataFrame(
        {
            "contract_id": con_ids,
            "supplier_id": con_pairs["supplier_id"].to_numpy(),
            "category": con_pairs["category"].to_numpy(),
            "start_date": START - pd.to_timedelta(rng.integers(30, 700, len(con_pairs)), unit="D"),
            "annual_value": np.round(
                pd.MultiIndex.from_frame(con_pairs)
                .map(po_spend.to_dict())
                .to_series()
                .fillna(10000)
                .to_numpy(),
                0,
            ),
        }
    )
    contracts["end_date"] = contracts["start_date"] + pd.to_timedelta(
        rng.choice([1095, 1460, 1825], len(con_pairs), p=[0.2, 0.4, 0.4]), unit="D"
    )
    con_key = pd.Series(con_ids, index=pd.MultiIndex.from_frame(con_pairs))
    po_con = pd.MultiIndex.from_frame(po[["supplier_id", "category"]]).map(con_key.to_dict())
    po_con = pd.Series(po_con, dtype=object).where(rng.random(len(po)) < 0.92, None)
    po["contract_id"] = po_con.to_numpy()
    po = po[
        [
            "po_id",
            "line_id",
            "supplier_id",
            "item_id",
            "category",
            "business_unit",
            "order_date",
            "promised_date",
            "receipt_date",
            "ordered_qty",
            "received_qty",
            "unit_price",
            "currency",
            "contract_id",
        ]
    ]
    ns.update(contracts=contracts, po=po)


def _gen_invoices_follow_received_po_lines_maveri(ns: dict) -> None:
    """The demo company: invoices (follow received PO lines) + maverick."""
    T, last_day, po, rng, sup_all, suppliers = (
        ns["T"],
        ns["last_day"],
        ns["po"],
        ns["rng"],
        ns["sup_all"],
        ns["suppliers"],
    )
    rec = po[po["receipt_date"].notna()]
    inv = pd.DataFrame(
        {
            "supplier_id": rec["supplier_id"].to_numpy(),
            "invoice_date": np.minimum(
                (
                    rec["receipt_date"] + pd.to_timedelta(rng.integers(0, 6, len(rec)), unit="D")
                ).to_numpy(),
                np.datetime64(last_day),
            ),
            "amount": np.round(rec["received_qty"].to_numpy() * rec["unit_price"].to_numpy(), 2),
            "currency": rec["currency"].to_numpy(),
            "category": rec["category"].to_numpy(),
            "business_unit": rec["business_unit"].to_numpy(),
            "po_id": rec["po_id"].to_numpy(),
            "description": rec["category"].str.lower().to_numpy() + " supplies",
        }
    )
    n_mav = int(0.08 * len(inv))
    mb = sup_all.iloc[rng.choice(len(sup_all), n_mav)]
    mav = pd.DataFrame(
        {
            "supplier_id": mb["supplier_id"].to_numpy(),
            "invoice_date": _month_dates(rng, MONTHS.to_numpy()[rng.integers(0, T, n_mav)]),
            "amount": np.round(np.exp(rng.normal(7.0, 1.2, n_mav)), 2),
            "currency": mb["currency"].to_numpy(),
            "category": mb["category"].to_numpy(),
            "business_unit": rng.choice(BUSINESS_UNITS, n_mav),
            "po_id": None,
            "description": rng.choice(
                [
                    "laptop and accessories",
                    "office cleaning",
                    "freight charge",
                    "consulting day rate",
                    "safety gloves",
                    "hotel and travel",
                    "printer toner",
                    "forklift repair",
                ],
                n_mav,
            ),
        }
    )
    invoices = pd.concat([inv, mav], ignore_index=True)
    # PO raised after the invoice (retrospective POs)
    retro = rng.random(len(invoices)) < 0.03
    retro &= invoices["po_id"].notna().to_numpy()
    retro_po = invoices.loc[retro, "po_id"]
    shift = pd.Series(
        invoices.loc[retro, "invoice_date"].to_numpy()
        + pd.to_timedelta(rng.integers(3, 20, retro.sum()), unit="D").to_numpy(),
        index=retro_po.to_numpy(),
    )
    po_idx = po.set_index("po_id")
    po_idx.loc[shift.index, "order_date"] = np.minimum(shift.to_numpy(), np.datetime64(last_day))
    po = po_idx.reset_index()[po.columns]
    # unclassified lines
    unclassified = rng.random(len(invoices)) < 0.05
    invoices.loc[unclassified, "category"] = None
    invoices = invoices.sort_values("invoice_date", kind="stable").reset_index(drop=True)
    invoices.insert(
        0,
        "invoice_id",
        np.char.add("INV", np.char.zfill(np.arange(1, len(invoices) + 1).astype(str), 7)),
    )
    invoices.insert(1, "line_id", "1")
    invoices["supplier_name"] = invoices["supplier_id"].map(
        suppliers.set_index("supplier_id")["name"]
    )
    ns.update(invoices=invoices, po=po)


def _gen_quality_receipts(ns: dict) -> None:
    """The demo company: quality receipts."""
    T, po, rng, sup_idx = (ns["T"], ns["po"], ns["rng"], ns["sup_idx"])
    qr = po[po["item_id"].notna() & po["receipt_date"].notna()]
    qb = sup_idx.loc[qr["supplier_id"]]
    frac = ((qr["receipt_date"] - START).dt.days / (T * 30.4)).clip(0, 1).to_numpy()
    ppm = qb["ppm"].to_numpy() * np.where(
        qb["deteriorating"].to_numpy(), 1 + 6 * np.clip(frac - 0.5, 0, None) * 2, 1
    )
    received = qr["received_qty"].to_numpy()
    rejected = rng.binomial(received.astype(np.int64), np.clip(ppm / 1e6, 0, 0.5))
    batch_reject = rng.random(len(qr)) < 0.001
    rejected = np.where(batch_reject, received, rejected)
    quality_receipts = pd.DataFrame(
        {
            "receipt_id": np.char.add(
                "GR", np.char.zfill(np.arange(1, len(qr) + 1).astype(str), 7)
            ),
            "supplier_id": qr["supplier_id"].to_numpy(),
            "item_id": qr["item_id"].to_numpy(),
            "receipt_date": qr["receipt_date"].to_numpy(),
            "received_qty": received,
            "rejected_qty": rejected.astype(float),
        }
    )
    ns.update(quality_receipts=quality_receipts)


def _gen_assessments_and_actions(ns: dict) -> None:
    """The demo company: assessments and actions."""
    T, last_day, rng, sup = (ns["T"], ns["last_day"], ns["rng"], ns["sup"])
    quarters = pd.date_range(START, periods=12, freq="QS-JAN") + pd.Timedelta(days=14)
    crit = np.array(["responsiveness", "sustainability", "innovation"])
    n_s = len(sup)
    latent = rng.normal(3.5, 0.6, n_s)
    qa, sa, ca = np.meshgrid(np.arange(len(quarters)), np.arange(n_s), np.arange(3), indexing="ij")
    det = sup["deteriorating"].to_numpy()[sa.ravel()]
    score = (
        latent[sa.ravel()]
        + rng.normal(0, 0.35, sa.size)
        - np.where(det, 0.12 * np.clip(qa.ravel() - 6, 0, None), 0)
    )
    supplier_assessments = pd.DataFrame(
        {
            "supplier_id": sup["supplier_id"].to_numpy()[sa.ravel()],
            "assessment_date": quarters.to_numpy()[qa.ravel()],
            "criterion": crit[ca.ravel()],
            "score": np.round(np.clip(score, 1, 5), 1),
        }
    )
    n_act = max(10, int(0.35 * n_s))
    det_s = sup["deteriorating"].to_numpy()
    act_sup = rng.choice(
        sup["supplier_id"].to_numpy(), n_act, p=(1 + 4 * det_s) / (1 + 4 * det_s).sum()
    )
    opened = _month_dates(rng, MONTHS.to_numpy()[rng.integers(T - 18, T, n_act)])
    due = opened + pd.to_timedelta(rng.choice([30, 45, 60, 90], n_act), unit="D").to_numpy()
    status = rng.choice(["open", "in_progress", "closed"], n_act, p=[0.3, 0.2, 0.5])
    closed = np.where(
        status == "closed",
        opened + pd.to_timedelta(rng.integers(10, 100, n_act), unit="D").to_numpy(),
        np.datetime64("NaT"),
    )
    closed = np.where(closed > np.datetime64(last_day), np.datetime64(last_day), closed)
    supplier_actions = pd.DataFrame(
        {
            "action_id": _ids("A", n_act),
            "supplier_id": act_sup,
            "issue": rng.choice(
                [
                    "late deliveries",
                    "quality escapes",
                    "invoice errors",
                    "capacity shortfall",
                    "missing certificates",
                    "packaging damage",
                ],
                n_act,
            ),
            "owner": rng.choice(
                ["A. Patel", "M. Garcia", "J. Chen", "S. Müller", "L. Rossi", None], n_act
            ),
            "opened": opened,
            "due": due,
            "closed": closed,
            "status": status,
        }
    )
    ns.update(
        det_s=det_s,
        n_s=n_s,
        supplier_actions=supplier_actions,
        supplier_assessments=supplier_assessments,
    )


def _gen_supplier_financials_altman_inputs(ns: dict) -> None:
    """The demo company: supplier financials (Altman inputs)."""
    det_s, n_s, rng, sup = (ns["det_s"], ns["n_s"], ns["rng"], ns["sup"])
    years = np.array([2023, 2024, 2025])
    fy_s, fy_y = np.meshgrid(np.arange(n_s), np.arange(3), indexing="ij")
    fy_s, fy_y = fy_s.ravel(), fy_y.ravel()
    ta = np.exp(rng.normal(17, 1.2, n_s))[fy_s] * (1 + 0.04 * fy_y)
    distress = (det_s | (rng.random(n_s) < 0.08))[fy_s]
    decay = np.where(distress, fy_y * 0.5, 0)
    wc_ratio = rng.normal(0.18, 0.08, fy_s.size) - 0.12 * decay
    re_ratio = rng.normal(0.25, 0.1, fy_s.size) - 0.15 * decay
    ebit_ratio = rng.normal(0.09, 0.04, fy_s.size) - 0.06 * decay
    liab_ratio = np.clip(rng.normal(0.55, 0.12, fy_s.size) + 0.15 * decay, 0.15, 1.3)
    cur_assets = ta * rng.uniform(0.3, 0.5, fy_s.size)
    supplier_financials = pd.DataFrame(
        {
            "supplier_id": sup["supplier_id"].to_numpy()[fy_s],
            "fiscal_year": years[fy_y],
            "total_assets": np.round(ta, 0),
            "current_assets": np.round(cur_assets, 0),
            "current_liabilities": np.round(np.clip(cur_assets - wc_ratio * ta, 0, None), 0),
            "total_liabilities": np.round(liab_ratio * ta, 0),
            "retained_earnings": np.round(re_ratio * ta, 0),
            "ebit": np.round(ebit_ratio * ta, 0),
            "sales": np.round(ta * rng.uniform(0.8, 1.8, fy_s.size), 0),
            "book_equity": np.round((1 - liab_ratio) * ta, 0),
            "is_manufacturer": sup["category"].isin(DIRECT).to_numpy()[fy_s],
        }
    )
    ns.update(supplier_financials=supplier_financials)


def _gen_risk_register(ns: dict) -> None:
    """The demo company: risk register."""
    T, locations, po, rng, scale, suppliers = (
        ns["T"],
        ns["locations"],
        ns["po"],
        ns["rng"],
        ns["scale"],
        ns["suppliers"],
    )
    n_risk = max(20, int(round(60 * min(scale, 1) if scale < 1 else 60)))
    r_cat = rng.choice(
        ["financial", "operational", "geopolitical", "compliance", "environmental"],
        n_risk,
        p=[0.2, 0.3, 0.2, 0.15, 0.15],
    )
    big_sup = (
        po.assign(v=po["ordered_qty"] * po["unit_price"])
        .groupby("supplier_id")["v"]
        .sum()
        .sort_values(ascending=False)
        .index[:40]
        .to_numpy()
    )
    r_sup = rng.choice(big_sup, n_risk)
    r_site = rng.choice(locations["location_id"].to_numpy(), n_risk)
    templates = {
        "financial": "Financial distress at {s}",
        "operational": "Capacity shortfall at {s}",
        "geopolitical": "Trade restrictions affecting {c} sourcing",
        "compliance": "Regulatory non-compliance ({cat}) at {s}",
        "environmental": "Flood or storm disruption at {site}",
    }
    sname = suppliers.set_index("supplier_id")["name"]
    scountry = suppliers.set_index("supplier_id")["country"]
    scat = suppliers.set_index("supplier_id")["category"]
    titles = pd.Series(r_cat).map(templates).to_numpy()
    titles = np.array(
        [
            tpl.format(s=sname[s], c=scountry[s], cat=scat[s], site=site)
            for tpl, s, site in zip(titles, r_sup, r_site)  # 60 register rows
        ],
        dtype=object,
    )
    lik = rng.integers(1, 6, n_risk)
    imp = rng.integers(1, 6, n_risk)
    risk_register = pd.DataFrame(
        {
            "risk_id": _ids("R", n_risk, 3),
            "title": titles,
            "category": r_cat,
            "likelihood": lik,
            "impact": imp,
            "owner": rng.choice(
                ["Procurement", "Supply planning", "Logistics", "Quality", "Finance", None],
                n_risk,
                p=[0.25, 0.2, 0.2, 0.15, 0.1, 0.1],
            ),
            "status": rng.choice(
                ["open", "mitigating", "accepted", "closed"], n_risk, p=[0.35, 0.4, 0.15, 0.1]
            ),
            "mitigation": rng.choice(
                [
                    "dual sourcing",
                    "safety stock buffer",
                    "supplier development",
                    "contract clauses",
                    "insurance",
                    None,
                ],
                n_risk,
            ),
            "mitigation_effectiveness": np.round(rng.choice([0, 0.2, 0.3, 0.5, 0.7], n_risk), 2),
            "supplier_id": np.where(r_cat == "environmental", None, r_sup),
            "location_id": np.where(r_cat == "environmental", r_site, None),
            "related_category": pd.Series(r_sup).map(scat).to_numpy(),
            "review_date": _month_dates(rng, MONTHS.to_numpy()[rng.integers(T - 8, T, n_risk)])
            + pd.to_timedelta(rng.integers(0, 200, n_risk), unit="D").to_numpy(),
            "previous_likelihood": np.clip(lik + rng.integers(-1, 2, n_risk), 1, 5),
            "previous_impact": np.clip(imp + rng.integers(-1, 2, n_risk), 1, 5),
        }
    )
    risk_register.loc[risk_register["mitigation"].isna(), "mitigation_effectiveness"] = 0.0
    # the same risks in money terms, consistent with the classes: a probability per likelihood
    # class and a consequence per impact class, spread within the class (no random draw)
    spread = 1 + 0.1 * ((np.arange(n_risk) % 5) - 2)
    p_class = {1: 0.05, 2: 0.1, 3: 0.25, 4: 0.5, 5: 0.8}
    c_class = {1: 50_000, 2: 200_000, 3: 750_000, 4: 2_000_000, 5: 5_000_000}
    risk_register["probability"] = np.round(
        np.clip(risk_register["likelihood"].map(p_class) * spread, 0, 1), 3
    )
    risk_register["consequence"] = np.round(risk_register["impact"].map(c_class) * spread, -3)
    ns.update(risk_register=risk_register)


def _gen_exchange_rates_and_company_financials(ns: dict) -> None:
    """The demo company: exchange rates and company financials."""
    T, ccy, rng, s_item, sales_order_lines, shipped, snap_oh, unit_cost = (
        ns["T"],
        ns["ccy"],
        ns["rng"],
        ns["s_item"],
        ns["sales_order_lines"],
        ns["shipped"],
        ns["snap_oh"],
        ns["unit_cost"],
    )
    rates = []
    for ccy, base_rate, vol in (("USD", 1.0, 0.0), ("EUR", 1.08, 0.015), ("GBP", 1.26, 0.015)):
        path = base_rate * np.exp(np.cumsum(rng.normal(0, vol, T)))
        rates.append(
            pd.DataFrame({"currency": ccy, "date": MONTHS, "rate_to_usd": np.round(path, 4)})
        )
    exchange_rates = pd.concat(rates, ignore_index=True)
    sol_rev = (
        (sales_order_lines["delivered_qty"].fillna(0) * sales_order_lines["unit_price"])
        .groupby(sales_order_lines["order_date"].dt.to_period("M").dt.to_timestamp())
        .sum()
    )
    cogs = pd.Series((shipped * unit_cost[s_item][:, None]).sum(axis=0), index=MONTHS)
    inv_val = pd.Series((snap_oh * unit_cost[s_item][:, None]).sum(axis=0), index=MONTHS)
    revenue = sol_rev.reindex(MONTHS).fillna(0)
    financials = pd.DataFrame(
        {
            "period": MONTHS,
            "revenue": np.round(revenue.to_numpy(), 0),
            "cost_of_goods_sold": np.round(cogs.to_numpy(), 0),
            "supply_chain_management_cost": np.round(
                revenue.to_numpy() * rng.uniform(0.08, 0.1, T), 0
            ),
            "accounts_receivable": np.round(revenue.to_numpy() * rng.uniform(1.3, 1.6, T), 0),
            "accounts_payable": np.round(cogs.to_numpy() * rng.uniform(1.4, 1.8, T), 0),
            "inventory_value": np.round(inv_val.to_numpy(), 0),
            "supply_chain_fixed_assets": np.round(np.full(T, 0.9 * revenue.mean() * 12 * 0.35), 0),
        }
    )
    ns.update(exchange_rates=exchange_rates, financials=financials)


def generate_demo(seed: int = 42, scale: float = 1.0) -> dict[str, pd.DataFrame]:
    """Generate every canonical table of the demo company (deterministic for a seed): one
    generator per area, run in a fixed order over a shared namespace (the random stream is
    consumed in the same order, so the same seed and scale give identical tables)."""
    if scale <= 0:
        raise ParameterError(f"scale must be > 0, got {scale!r}")
    rng = np.random.default_rng(seed)
    n_items = max(40, int(round(2000 * scale)))
    n_cust = max(20, int(round(300 * scale)))
    n_sup = max(40, int(round(250 * scale)))
    T = N_MONTHS
    ns = {
        "seed": seed,
        "scale": scale,
        "T": T,
        "n_cust": n_cust,
        "n_items": n_items,
        "n_sup": n_sup,
        "rng": rng,
    }
    for step in (
        _gen_locations,
        _gen_suppliers_duplicate_vendor_records,
        _gen_items,
        _gen_demand_item_x_dc_x_month,
        _gen_forecast_snapshots_lags_1_3,
        _gen_inventory_simulation_s_s_with_lead_time,
        _gen_customers_and_sales_orders,
        _gen_purchase_orders_direct_from_the_simulati,
        _gen_indirect_spend_tail_included,
        _gen_invoices_follow_received_po_lines_maveri,
        _gen_quality_receipts,
        _gen_assessments_and_actions,
        _gen_supplier_financials_altman_inputs,
        _gen_risk_register,
        _gen_exchange_rates_and_company_financials,
        _gen_cost_to_serve,
        _gen_sustainability,
        _gen_supplier_programmes,
        _gen_supplier_ideas,
        _gen_onboarding,
        _gen_supply_network,
        _gen_supplier_events,
        _gen_contract_terms_and_sourcing,
        _gen_rfx,
        _gen_planning,
    ):
        step(ns)
    tables = {name: ns[name] for name in TABLES if name in ns}
    tables["purchase_order_lines"] = ns["po"]
    tables["contracts"] = ns["contracts"][
        [
            "contract_id",
            "supplier_id",
            "category",
            "start_date",
            "end_date",
            "annual_value",
            "notice_period_days",
            "auto_renewal",
            "renewal_term_days",
            "currency",
        ]
    ]
    return {name: tables[name] for name in TABLES}


def _demo_files(marker: Path) -> set[str]:
    """Names of the files a previous demo wrote (recorded in its ``demo.json``)."""
    try:
        meta = json.loads(marker.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return set()
    if "files" in meta:
        return set(meta["files"]) | {marker.name}
    from scmlib.data.model import TABLES  # demos written before the file list was recorded

    return {f"{t}.{ext}" for t in TABLES for ext in ("parquet", "csv")} | {marker.name}


def check_demo_target(out: Path, force: bool = False) -> None:
    """Refuse a target that is not new, empty, or (with ``force``) a previous demo of ours.

    Raises a one-line :class:`~scmlib.errors.ParameterError`; nothing is written or deleted.
    """
    from scmlib.errors import ParameterError

    if out.exists() and not out.is_dir():
        raise ParameterError(
            f"demo target {out} is a file, not a folder: choose a new folder with --out"
        )
    entries = sorted(out.iterdir()) if out.is_dir() else []
    if not entries:
        return
    marker = out / "demo.json"
    if not marker.is_file():
        shown = ", ".join(f"'{e.name}'" for e in entries[:3]) + (" ..." if len(entries) > 3 else "")
        raise ParameterError(
            f"demo target {out} is not empty and holds no demo company ({shown}); nothing was written or deleted: "
            "choose a new or empty folder with --out"
        )
    if not force:
        raise ParameterError(
            f"demo target {out} already holds a demo company: add --force to replace it, or choose another --out"
        )
    ours = _demo_files(marker)
    foreign = [e.name for e in entries if e.name not in ours or e.is_dir()]
    if foreign:
        raise ParameterError(
            f"demo target {out} holds files the demo did not write ({', '.join(repr(f) for f in foreign[:3])}); "
            "nothing was replaced: move them out or choose another --out"
        )


def write_demo(
    out: Path | None = None,
    seed: int = 42,
    scale: float = 1.0,
    fmt: str = "parquet",
    force: bool = False,
) -> Path:
    """Generate the demo company into ``out`` (default ``data/demo``), atomically.

    ``out`` must be new or empty; with ``force``, a previous demo folder (one holding this
    function's ``demo.json`` and only the files it lists) is replaced. Nothing else is ever
    deleted or overwritten: see :func:`check_demo_target`.
    """
    out = Path(out) if out else data_dir() / "demo"
    check_demo_target(out, force)
    tables = generate_demo(seed, scale)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".demo-", dir=out.parent))
    old = None
    try:
        files = []
        for name, df in tables.items():
            if fmt == "parquet":
                df.to_parquet(tmp / f"{name}.parquet", index=False)
                files.append(f"{name}.parquet")
            else:
                df.to_csv(tmp / f"{name}.csv", index=False, date_format="%Y-%m-%d")
                files.append(f"{name}.csv")
        meta = {
            "seed": seed,
            "scale": scale,
            "version": DEMO_VERSION,
            "format": fmt,
            "files": files,
        }
        (tmp / "demo.json").write_text(json.dumps(meta, indent=2))
        if out.is_dir() and any(
            out.iterdir()
        ):  # a previous demo (checked above): move it aside, then drop it
            old = Path(tempfile.mkdtemp(prefix=".demo-old-", dir=out.parent))
            os.replace(out, old / "demo")
        elif out.is_dir():
            out.rmdir()  # empty: os.replace cannot move a folder onto it on every platform
        os.replace(tmp, out)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    return out


def ensure_demo(seed: int = 42, scale: float = 1.0) -> Path:
    """Return ``data/demo`` after generating it if it is missing or stale (process-safe)."""
    from scmlib.core.files import file_lock

    out = data_dir() / "demo"
    wanted = {"seed": seed, "scale": scale, "version": DEMO_VERSION, "format": "parquet"}

    def current() -> bool:
        try:
            meta = json.loads((out / "demo.json").read_text())
        except (OSError, ValueError):
            return False
        return {k: meta.get(k) for k in wanted} == wanted

    if current():
        return out
    with file_lock(data_dir() / ".demo.lock"):
        if not current():
            write_demo(out, seed, scale, "parquet", force=True)
    return out


# --------------------------------------------------------------------------- cost to serve


ITEM_KG_BY_CATEGORY = {
    "Electrical": 1.2,
    "Fasteners": 0.4,
    "Hydraulics": 3.5,
    "Safety": 0.8,
    "Tools": 1.8,
    "Packaging": 2.5,
    "Chemicals": 4.0,
    "Lighting": 1.0,
}


def _gen_cost_to_serve(ns: dict) -> None:
    """The demo company: outbound shipments and the monthly cost of each activity pool.

    Own random stream (the other tables stay as they were). Orders to one customer from one
    DC on one ship date travel together; a customer's tier sets how often it asks for expedited
    delivery, and about one customer in eight is "demanding" (four orders in five expedited and
    shipped alone), so the whale curve has customers that destroy value. Pool costs follow the
    driver volumes of each month at realistic rates, freight equals the shipments' cost, and
    order handling, picking and customer service carry a practical capacity (time-driven ABC).
    """
    rng = np.random.default_rng([ns["seed"], 2501])
    so, customers, items = ns["sales_order_lines"], ns["customers"], ns["items"]
    last_day = MONTHS[-1] + pd.offsets.MonthEnd(0)
    sent = so[so["ship_date"].notna() & (so["ship_date"] <= last_day)]
    cust = customers.set_index("customer_id")
    demanding = pd.Series(rng.random(len(cust)) < 0.125, index=cust.index)
    tier_p = cust["service_tier"].map({"platinum": 0.12, "gold": 0.05, "standard": 0.02})
    exp_p = np.where(demanding, 0.8, tier_p)
    exp_p = pd.Series(exp_p, index=cust.index)
    kg_unit = items["category"].map(ITEM_KG_BY_CATEGORY).fillna(1.5).to_numpy() * np.exp(
        rng.normal(0, 0.5, len(items))
    )
    kg = pd.Series(kg_unit, index=items["item_id"].to_numpy())
    qty = sent["delivered_qty"].fillna(sent["ordered_qty"]).to_numpy()
    weight = np.round(qty * kg.reindex(sent["item_id"]).to_numpy(), 2)
    expedited = rng.random(len(sent)) < exp_p.reindex(sent["customer_id"]).to_numpy()
    alone = expedited | demanding.reindex(sent["customer_id"]).to_numpy()
    key = (
        sent["customer_id"].astype(str)
        + "|"
        + sent["location_id"].astype(str)
        + "|"
        + sent["ship_date"].dt.strftime("%Y%m%d")
    )
    key = key.where(~alone, "solo|" + sent["order_id"].astype(str))
    codes, _ = pd.factorize(key.to_numpy(), sort=False)
    ship_no = pd.Series(codes).rank(method="dense").astype(int).to_numpy()
    ship_ids = np.char.add("SH", np.char.zfill(ship_no.astype(str), 7))
    ship_kg = np.bincount(codes, weights=weight)
    ship_exp = np.bincount(codes, weights=expedited.astype(float)) > 0
    base = 9.0 + 0.2 * ship_kg * np.exp(rng.normal(0, 0.15, len(ship_kg)))
    cost = np.round(np.where(ship_exp, base * 3.0 + 35.0, base), 2)
    shipments = pd.DataFrame(
        {
            "shipment_id": ship_ids,
            "order_id": sent["order_id"].to_numpy(),
            "ship_date": sent["ship_date"].to_numpy(),
            "weight_kg": weight,
            "shipment_cost": cost[codes],
            "expedited": ship_exp[codes],
        }
    ).sort_values(["shipment_id", "order_id"], kind="stable", ignore_index=True)
    ns.update(activity_costs=_activity_costs(ns, rng, shipments), shipments=shipments)


def _activity_costs(ns: dict, rng, shipments: pd.DataFrame) -> pd.DataFrame:
    """Monthly cost of each activity pool: the month's driver volume x a rate, with noise (the
    freight pool equals the shipments' own cost; staffed pools carry a practical capacity)."""
    so = ns["sales_order_lines"]
    month = so["order_date"].dt.to_period("M").dt.to_timestamp()
    ship_month = shipments["ship_date"].dt.to_period("M").dt.to_timestamp()
    first = shipments.drop_duplicates("shipment_id")
    first_month = first["ship_date"].dt.to_period("M").dt.to_timestamp()
    snaps = ns["inventory_snapshots"]
    stock_value = (snaps["on_hand_qty"] * snaps["unit_cost"]).groupby(snaps["snapshot_date"]).sum()
    po = ns["po"]
    po_month = po.loc[po["item_id"].notna(), "order_date"].dt.to_period("M").dt.to_timestamp()
    volumes = {
        "orders": so["order_id"].groupby(month).nunique(),
        "lines": so["order_id"].groupby(month).size(),
        "units": so["delivered_qty"].fillna(so["ordered_qty"]).groupby(month).sum(),
        "weight": shipments["weight_kg"].groupby(ship_month).sum(),
        "expedited_shipments": first["expedited"].groupby(first_month).sum(),
        "returns": (so["returned_qty"].fillna(0) > 0).groupby(month).sum(),
        "stock_value": stock_value,
        "purchase_orders": po_month.value_counts(),
    }
    pools = [  # pool, driver, rate per driver unit, practical capacity over the busiest month
        ("order handling", "orders", 4.2, 1.15),
        ("picking", "lines", 2.4, 1.1),
        ("packing", "units", 0.09, None),
        ("expedited delivery", "expedited_shipments", 55.0, None),
        ("returns", "returns", 28.0, None),
        ("customer service", "orders", 3.1, 1.25),
        ("inventory carrying", "stock_value", 0.18 / 12, None),
        ("procurement", "purchase_orders", 14.0, None),
    ]
    rows = []
    for pool, driver, rate, cap in pools:
        vol = volumes[driver].reindex(MONTHS).fillna(0).to_numpy(dtype=float)
        if cap is None:
            cost_m = rate * vol * rng.uniform(0.95, 1.05, len(MONTHS))
            capacity = np.full(len(MONTHS), np.nan)
        else:  # capacity (staff) is sized for the busiest month and paid every month
            capacity = np.full(len(MONTHS), np.ceil(cap * vol.max()))
            cost_m = rate * capacity * rng.uniform(0.98, 1.02, len(MONTHS))
        rows.append(
            pd.DataFrame(
                {
                    "pool": pool,
                    "period": MONTHS,
                    "cost": np.round(cost_m, 2),
                    "driver": driver,
                    "capacity": capacity,
                }
            )
        )
    freight = first["shipment_cost"].groupby(first_month).sum().reindex(MONTHS).fillna(0)
    rows.append(
        pd.DataFrame(
            {
                "pool": "freight",
                "period": MONTHS,
                "cost": np.round(freight.to_numpy(), 2),
                "driver": "weight",
                "capacity": np.nan,
            }
        )
    )
    return pd.concat(rows, ignore_index=True)


# --------------------------------------------------------------------------- sustainability

CERTIFICATIONS = {  # certificate -> share of assessed suppliers holding it
    "ISO 14001": 0.45,
    "ISO 45001": 0.35,
    "ISO 50001": 0.12,
    "SA8000": 0.08,
}
THEME_OFFSETS = {
    "environment": 2.0,
    "labour_human_rights": 4.0,
    "ethics": 0.0,
    "sustainable_procurement": -8.0,
}


def _gen_sustainability(ns: dict) -> None:
    """The demo company: supplier sustainability ratings by theme and certifications.

    Own random stream. About three suppliers in five are rated (the larger ones more often), once
    or twice in the last three years, on the four themes (0-100); suppliers in countries with
    weaker governance score lower on labour and ethics. Certificates run three years (as ISO
    certificates do), so some have expired and some expire soon.
    """
    rng = np.random.default_rng([ns["seed"], 2502])
    sup, invoices, last_day = ns["sup"], ns["invoices"], ns["last_day"]
    spend = invoices.groupby("supplier_id")["amount"].sum().reindex(sup["supplier_id"]).fillna(0)
    rank = spend.rank(pct=True).to_numpy()
    rated = rng.random(len(sup)) < 0.25 + 0.6 * rank
    ids = sup["supplier_id"].to_numpy()[rated]
    weak = np.isin(
        sup["country"].to_numpy()[rated], ["CHN", "VNM", "BGD", "RUS", "EGY", "IND", "TUR"]
    )
    latent = np.clip(rng.normal(52, 14, len(ids)) - 8 * weak, 10, 90)
    n_rounds = rng.integers(1, 3, len(ids))
    rows = []
    for r in range(2):  # a first rating, and a re-rating a year later for some
        take = n_rounds > r
        date = last_day - pd.to_timedelta(
            rng.integers(30, 700, len(ids)) + 365 * (1 - r) * (n_rounds == 2), unit="D"
        )
        for theme, off in THEME_OFFSETS.items():
            extra = -6 * weak if theme in ("labour_human_rights", "ethics") else 0
            score = np.clip(latent + off + extra + 3 * r + rng.normal(0, 7, len(ids)), 0, 100)
            rows.append(
                pd.DataFrame(
                    {
                        "supplier_id": ids[take],
                        "assessment_date": date[take].normalize(),
                        "theme": theme,
                        "score": np.round(score[take], 0),
                    }
                )
            )
    sustainability_assessments = (
        pd.concat(rows, ignore_index=True)
        .drop_duplicates(["supplier_id", "assessment_date", "theme"])
        .sort_values(["supplier_id", "assessment_date", "theme"], ignore_index=True)
    )
    cert_rows = []
    for cert, share in CERTIFICATIONS.items():
        has = rng.random(len(ids)) < share * (0.6 + latent / 100)
        issued = last_day - pd.to_timedelta(rng.integers(0, 1300, len(ids)), unit="D")
        cert_rows.append(
            pd.DataFrame(
                {
                    "supplier_id": ids[has],
                    "certification": cert,
                    "start_date": issued[has].normalize(),
                    "end_date": (issued[has] + pd.DateOffset(years=3)).normalize(),
                }
            )
        )
    supplier_certifications = pd.concat(cert_rows, ignore_index=True).sort_values(
        ["supplier_id", "certification"], ignore_index=True
    )
    ns.update(
        sustainability_assessments=sustainability_assessments,
        supplier_certifications=supplier_certifications,
    )


def _monthly_supplier_rates(ns: dict) -> tuple[np.ndarray, pd.Index, np.ndarray, np.ndarray]:
    """Per (direct-spend) supplier and month of the history: PO lines due and OTIF lines by the
    default definition (3 days early to on the date, in full), and units received and rejected at
    inspection. Read from the tables already generated (no random draw)."""
    po, qr, T = ns["po"], ns["quality_receipts"], ns["T"]
    done = po[po["receipt_date"].notna()]
    delta = (done["receipt_date"] - done["promised_date"]).dt.days
    ok = (delta >= -3) & (delta <= 0) & (done["received_qty"] >= done["ordered_qty"])
    m = (
        (done["promised_date"].dt.year - START.year) * 12
        + done["promised_date"].dt.month
        - START.month
    )
    keep = (m >= 0) & (m < T)
    sup_ids = pd.Index(sorted(po["supplier_id"].unique()))
    s = sup_ids.get_indexer(done["supplier_id"][keep])
    lines = np.zeros((len(sup_ids), T))
    good = np.zeros((len(sup_ids), T))
    np.add.at(lines, (s, m[keep].to_numpy()), 1)
    np.add.at(good, (s, m[keep].to_numpy()), ok[keep].to_numpy(dtype=float))
    qm = (qr["receipt_date"].dt.year - START.year) * 12 + qr["receipt_date"].dt.month - START.month
    qk = (qm >= 0) & (qm < T) & qr["supplier_id"].isin(sup_ids)
    qs = sup_ids.get_indexer(qr["supplier_id"][qk])
    units = np.zeros((len(sup_ids), T))
    rej = np.zeros((len(sup_ids), T))
    np.add.at(units, (qs, qm[qk].to_numpy()), qr["received_qty"][qk].to_numpy())
    np.add.at(rej, (qs, qm[qk].to_numpy()), qr["rejected_qty"][qk].to_numpy())
    return np.stack([lines, good, units, rej]), sup_ids, lines, good


def _programme_picks(ns: dict, rng) -> tuple[list, pd.Index, np.ndarray, np.ndarray]:
    """Where the demo programmes go (see :func:`_gen_supplier_programmes`): ``(chosen, supplier
    ids, monthly lines, monthly OTIF lines)`` with ``chosen`` as (supplier, start month, KPI,
    baseline, kind) tuples."""
    T, sup = ns["T"], ns["sup"]
    cube, sup_ids, lines, good = _monthly_supplier_rates(ns)
    units, rej = cube[2], cube[3]
    win = 6
    c_lines = np.concatenate([np.zeros((len(sup_ids), 1)), np.cumsum(lines, axis=1)], axis=1)
    c_good = np.concatenate([np.zeros((len(sup_ids), 1)), np.cumsum(good, axis=1)], axis=1)
    c_units = np.concatenate([np.zeros((len(sup_ids), 1)), np.cumsum(units, axis=1)], axis=1)
    c_rej = np.concatenate([np.zeros((len(sup_ids), 1)), np.cumsum(rej, axis=1)], axis=1)
    starts = np.arange(12, T - win)  # the first year is the baseline history
    nb = c_lines[:, starts] - c_lines[:, starts - win]
    na = c_lines[:, starts + win] - c_lines[:, starts]
    before = (c_good[:, starts] - c_good[:, starts - win]) / np.where(nb > 0, nb, np.nan)
    after = (c_good[:, starts + win] - c_good[:, starts]) / np.where(na > 0, na, np.nan)
    gain = np.where((nb >= 8) & (na >= 8), after - before, np.nan)
    ub = c_units[:, starts] - c_units[:, starts - win]
    ua = c_units[:, starts + win] - c_units[:, starts]
    ppm_b = 1e6 * (c_rej[:, starts] - c_rej[:, starts - win]) / np.where(ub > 0, ub, np.nan)
    ppm_a = 1e6 * (c_rej[:, starts + win] - c_rej[:, starts]) / np.where(ua > 0, ua, np.nan)
    ppm_gain = np.where((ub >= 200) & (ua >= 200) & (ppm_b > 1500), ppm_b - ppm_a, np.nan)
    n_sup = len(sup)
    n_work = max(3, int(round(0.03 * n_sup)))
    n_ppm = max(2, int(round(0.015 * n_sup)))
    chosen: list[tuple[str, int, str, float, str]] = []  # supplier, start, kpi, baseline, kind
    used: set[str] = set()

    def best(score: np.ndarray, k: int, kpi: str, base: np.ndarray, kind: str) -> None:
        order = np.argsort(np.where(np.isnan(score), -np.inf, score), axis=None)[::-1]
        for flat in order:
            i, j = np.unravel_index(flat, score.shape)
            if len([c for c in chosen if c[4] == kind]) >= k or not np.isfinite(score[i, j]):
                break
            if sup_ids[i] in used or sup_ids[i].startswith("S9"):
                continue
            used.add(sup_ids[i])
            chosen.append((sup_ids[i], int(starts[j]), kpi, float(base[i, j]), kind))

    best(gain, n_work, "otif", before, "worked")
    best(ppm_gain, n_ppm, "ppm", ppm_b, "quality")
    flat_gain = np.where(before < 0.88, -np.abs(np.nan_to_num(gain, nan=np.inf)), np.nan)  # no move
    best(flat_gain, max(2, n_work // 2), "otif", before, "flat")
    det = sup.loc[sup["deteriorating"], "supplier_id"]
    recent = pd.Series(lines[:, -6:].sum(axis=1), index=sup_ids)
    det = recent.reindex([s for s in det if s not in used]).dropna().sort_values(ascending=False)
    det = list(det.index[: max(2, n_work // 2)])
    for s in det:
        used.add(s)
        chosen.append((s, T - 1 - int(rng.integers(0, 3)), "otif", np.nan, "active"))
    rest = [s for s in sup["supplier_id"] if s not in used and s in set(sup_ids)]
    for s in rng.choice(rest, min(len(rest), 2), replace=False):
        chosen.append((str(s), T + 1, "lead_time_days", np.nan, "planned"))
    return chosen, sup_ids, lines, good


def _gen_supplier_programmes(ns: dict) -> None:
    """The demo company: supplier development programmes, derived from the history.

    Own random stream (the other tables stay as they were). The history already holds suppliers
    whose OTIF or PPM improved; the programmes that "worked" are placed there: for every supplier
    and start month the OTIF of the 6 months after is compared with the 6 months before, and the
    largest improvements (distinct suppliers, enough lines) become completed OTIF programmes
    starting that month; the largest PPM falls become quality programmes. Some completed
    programmes went to suppliers whose OTIF did not move (they did not work), the deteriorating
    suppliers have active programmes started in the last months (too early to measure) and a few
    are planned. Costs are 1-4% of the supplier's annual spend (at least 2,000, rounded to 500); baselines are
    the KPI before the start, targets a realistic step from it.
    """
    rng = np.random.default_rng([ns["seed"], 2311])
    T = ns["T"]
    chosen, sup_ids, lines, good = _programme_picks(ns, rng)
    po = ns["po"]
    annual = (po["ordered_qty"] * po["unit_price"]).groupby(po["supplier_id"]).sum() / (T / 12)
    rows = []
    initiatives = {
        "worked": (
            "process_improvement",
            "Joint delivery-process improvement (kanban, ASN, capacity plan)",
        ),
        "quality": ("process_improvement", "Joint quality improvement (8D, SPC at the supplier)"),
        "flat": ("performance_enhancement", "Delivery performance plan with monthly reviews"),
        "active": ("performance_enhancement", "Recovery plan for deteriorating delivery"),
        "planned": ("technology_adoption", "Supplier portal and EDI forecasts to cut lead time"),
    }
    owners = np.array(["A. Patel", "M. Garcia", "J. Chen", "S. Müller", "L. Rossi"])
    for k, (s, start, kpi, base, kind) in enumerate(chosen):
        start_date = MONTHS[0] + pd.DateOffset(months=start)
        typ, what = initiatives[kind]
        if kind == "active":
            otif_now = good[sup_ids.get_loc(s), max(0, start - 6) : start].sum() / max(
                1.0, lines[sup_ids.get_loc(s), max(0, start - 6) : start].sum()
            )
            base = float(otif_now)
        if kind == "planned":
            mine = po[(po["supplier_id"] == s) & po["receipt_date"].notna()].tail(20)
            base = float((mine["receipt_date"] - mine["order_date"]).dt.days.mean())
        target = (
            min(0.99, base + 0.1)
            if kpi == "otif"
            else (round(base * 0.5, -1) if kpi == "ppm" else max(7.0, base - 7))
        )
        status = {"worked": "completed", "quality": "completed", "flat": "completed"}.get(
            kind, kind
        )
        end_date = start_date + pd.DateOffset(months=6)
        cost = max(2000.0, round(float(annual.get(s, 0.0)) * rng.uniform(0.01, 0.04) / 500) * 500)
        rows.append(
            {
                "programme_id": f"DP{k + 1:03d}",
                "supplier_id": s,
                "initiative": what,
                "type": typ,
                "start_date": start_date,
                "end_date": end_date,
                "target_kpi": kpi,
                "baseline": round(base, 3) if kpi != "ppm" else round(base, 0),
                "target": round(target, 3),
                "cost": cost,
                "owner": str(rng.choice(owners)),
                "status": status,
            }
        )
    ns["supplier_programmes"] = pd.DataFrame(rows)


def _gen_supplier_ideas(ns: dict) -> None:
    """The demo company: the ideas log of the supplier QBRs. Own random stream; the larger
    suppliers raise more ideas (one to five over the last two years), of cost, quality,
    delivery and sustainability kinds, valued at 0.5-5% of the supplier's annual spend."""
    rng = np.random.default_rng([ns["seed"], 2312])
    po, last_day, T = ns["po"], ns["last_day"], ns["T"]
    annual = (po["ordered_qty"] * po["unit_price"]).groupby(po["supplier_id"]).sum() / (T / 12)
    annual = annual[~annual.index.str.startswith("S9")]
    rank = annual.rank(pct=True)
    n = rng.poisson(0.5 + 3 * rank.to_numpy())
    sid = np.repeat(annual.index.to_numpy(), n)
    titles = np.array(
        [
            "Consignment stock at our DC",
            "Returnable packaging",
            "Design change to a cheaper grade",
            "Vendor-managed inventory for fast movers",
            "Shared demand forecast via EDI",
            "Consolidated weekly deliveries",
            "Lower-carbon transport mode",
            "Standardise fasteners across product lines",
            "In-line inspection at the supplier",
            "Longer contract for a price freeze",
        ]
    )
    submitted = last_day - pd.to_timedelta(rng.integers(0, 720, len(sid)), unit="D")
    status = rng.choice(
        ["submitted", "evaluating", "accepted", "implemented", "rejected"],
        len(sid),
        p=[0.2, 0.25, 0.2, 0.2, 0.15],
    )
    ns["supplier_ideas"] = pd.DataFrame(
        {
            "idea_id": _ids("ID", len(sid)),
            "supplier_id": sid,
            "submitted": submitted.normalize(),
            "title": rng.choice(titles, len(sid)),
            "raised_by": rng.choice(["supplier", "us"], len(sid), p=[0.6, 0.4]),
            "estimated_value": np.round(
                annual.reindex(sid).to_numpy() * rng.uniform(0.005, 0.05, len(sid)), -2
            ),
            "status": status,
        }
    )


ONBOARDING_STEPS = (
    ("documentation", 14),
    ("capability_assessment", 21),
    ("compliance_verification", 10),
    ("system_setup", 5),
)
ONBOARDING_DOCUMENTS = (
    ("documentation", "Supplier information form", None),
    ("documentation", "Insurance certificate", 1),
    ("capability_assessment", "ISO 9001 certificate", 3),
    ("compliance_verification", "Code of conduct signed", None),
    ("system_setup", "Bank details form", None),
)


def _onboarding_documents(rng, steps: pd.DataFrame, sup: pd.DataFrame, last_day) -> pd.DataFrame:
    """The documents of the onboarding demo (see :func:`_gen_onboarding`): prospects' documents
    for the steps they reached, and every supplier's documents with their expiry."""
    reached = steps[steps["status"] != "not_started"]
    docs = []
    for step, doc, years in ONBOARDING_DOCUMENTS:
        r = reached[reached["step"] == step]
        got = rng.random(len(r)) < 0.8
        rec = r["started"] + pd.to_timedelta(rng.integers(0, 10, len(r)), unit="D")
        docs.append(
            pd.DataFrame(
                {
                    "supplier_id": r["supplier_id"].to_numpy(),
                    "document": doc,
                    "step": step,
                    "received": rec.where(got & (rec <= last_day)).to_numpy(),
                    "end_date": (
                        (rec + pd.DateOffset(years=years)).where(got & (rec <= last_day))
                        if years
                        else pd.Series(pd.NaT, index=r.index)
                    ).to_numpy(),
                }
            )
        )
        s = sup["supplier_id"].to_numpy()
        held = rng.random(len(s)) < (0.97 if years is None else 0.9)
        age = pd.to_timedelta(rng.integers(30, 365 * (years or 3) + 60, len(s)), unit="D")
        rec = last_day - age
        docs.append(
            pd.DataFrame(
                {
                    "supplier_id": s,
                    "document": doc,
                    "step": step,
                    "received": pd.Series(rec).where(held).to_numpy(),
                    "end_date": (
                        pd.Series(rec + pd.DateOffset(years=years)).where(held)
                        if years
                        else pd.Series(pd.NaT, index=range(len(s)))
                    ).to_numpy(),
                }
            )
        )
    documents = pd.concat(docs, ignore_index=True)
    documents["received"] = pd.to_datetime(documents["received"]).dt.normalize()
    documents["end_date"] = pd.to_datetime(documents["end_date"]).dt.normalize()
    return documents


def _gen_onboarding(ns: dict) -> None:
    """The demo company: supplier onboarding steps and documents.

    Own random stream. Prospects (ids ``SN001``...) are being onboarded through four steps
    (documentation, capability assessment, compliance verification, system setup) started over
    the last nine months; step durations are gamma-distributed around 14, 21, 10 and 5 days,
    capability assessment the slowest (the bottleneck), some prospects are stuck or blocked, and
    a few are flagged on a sanctions or watch list at compliance verification. Documents follow
    the steps reached (some missing); existing suppliers hold the same documents, with insurance
    (yearly) and ISO 9001 (three-yearly) certificates expiring, some of them soon or already.
    """
    rng = np.random.default_rng([ns["seed"], 2313])
    last_day, sup = ns["last_day"], ns["sup"]
    n = max(12, int(round(0.12 * len(sup))))
    ids = np.char.add("SN", np.char.zfill(np.arange(1, n + 1).astype(str), 3))
    names = (
        pd.Series(rng.choice(WORDS_A, n))
        + " "
        + pd.Series(rng.choice(WORDS_B, n))
        + " "
        + pd.Series(rng.choice(SUFFIXES, n))
    ).to_numpy()
    began = last_day - pd.to_timedelta(rng.integers(5, 270, n), unit="D")
    stuck_at = np.where(rng.random(n) < 0.25, rng.integers(0, 4, n), -1)
    flagged = rng.random(n) < 0.12
    rows, t = [], pd.Series(began).to_numpy()
    for k, (step, mean_days) in enumerate(ONBOARDING_STEPS):
        dur = rng.gamma(2.0, mean_days / 2.0, n) * np.where(stuck_at == k, 4.0, 1.0)
        start = t.copy()
        end = start + pd.to_timedelta(np.ceil(dur), unit="D").to_numpy()
        reached = ~pd.isna(start) & (start <= np.datetime64(last_day))
        done = reached & (end <= np.datetime64(last_day)) & (stuck_at != k)
        blocked = reached & ~done & ((stuck_at == k) & (rng.random(n) < 0.5))
        hit = flagged & (step == "compliance_verification") & reached
        status = np.where(done, "completed", np.where(blocked, "blocked", "in_progress"))
        status = np.where(reached, status, "not_started")
        status = np.where(hit & done, "blocked", status)
        done = done & ~hit
        rows.append(
            pd.DataFrame(
                {
                    "supplier_id": ids,
                    "supplier_name": names,
                    "step": step,
                    "step_order": k + 1,
                    "status": status,
                    "started": np.where(reached, start, np.datetime64("NaT")),
                    "completed": np.where(done, end, np.datetime64("NaT")),
                    "owner": rng.choice(["A. Patel", "M. Garcia", "J. Chen"], n),
                    "watch_list_flag": np.where(
                        step == "compliance_verification", np.where(reached, hit, None), None
                    ),
                    "flag_detail": np.where(
                        hit,
                        rng.choice(
                            [
                                "OFAC SDN list: name match",
                                "EU sanctions list: owner match",
                                "Adverse media watch list",
                            ],
                            n,
                        ),
                        None,
                    ),  # fmt: skip
                }
            )
        )
        t = np.where(done, end, np.datetime64("NaT"))
    steps = pd.concat(rows, ignore_index=True)
    steps["started"] = pd.to_datetime(steps["started"])
    steps["completed"] = pd.to_datetime(steps["completed"])
    documents = _onboarding_documents(rng, steps, sup, last_day)
    ns["onboarding_steps"] = steps
    ns["supplier_documents"] = documents.sort_values(["supplier_id", "document"], ignore_index=True)


# --------------------------------------------------------------------------- supply network, events

EVENT_TYPES = {  # event type -> (probability weight, severity weights low..critical, days to resolve)
    "quality escape": (0.30, (0.3, 0.4, 0.25, 0.05), 20),
    "logistics delay": (0.25, (0.4, 0.4, 0.15, 0.05), 12),
    "labour strike": (0.10, (0.1, 0.3, 0.4, 0.2), 25),
    "financial warning": (0.12, (0.2, 0.4, 0.3, 0.1), 60),
    "cyberattack": (0.06, (0.1, 0.2, 0.4, 0.3), 21),
    "flood": (0.07, (0.0, 0.2, 0.4, 0.4), 45),
    "fire": (0.05, (0.0, 0.1, 0.4, 0.5), 70),
    "sanctions": (0.05, (0.0, 0.2, 0.5, 0.3), 120),
}
DISRUPTION_EVENT = "E-FIRE-01"  # the demo's open disruption (parameters/disruption_response.yaml)


def _gen_supply_network(ns: dict) -> None:
    """The demo company: its supply network (supplier -> item -> DC links and the DCs' outbound
    links) with capacities and times to recover.

    Own random stream. Each item stocked at a DC is supplied by its primary supplier (capacity
    1.1-1.6 x recent demand); items that are not single-sourced also have their second supplier
    qualified as an alternate (0.3-1.0 x demand, 1-5 weeks to switch on). Suppliers report a
    TTR of 2-16 weeks (far-away ones 40% longer), DCs 3-9 weeks.
    """
    rng = np.random.default_rng([ns["seed"], 2601])
    dh, sup, last_day = ns["demand_history"], ns["sup"], ns["last_day"]
    recent = dh[dh["date"] > last_day - pd.DateOffset(months=6)]
    d = (recent.groupby(["item_id", "location_id"])["quantity"].sum().clip(lower=0) / 182.0).rename(
        "d"
    )
    d = d[d > 0].reset_index()
    prim = pd.Series(ns["primary"], index=ns["item_ids"])
    sec = pd.Series(ns["secondary"], index=ns["item_ids"])
    single = pd.Series(ns["single_source"], index=ns["item_ids"])
    far = sup["country"].isin(["CHN", "VNM", "IND", "THA", "MYS", "BGD", "TWN", "KOR", "JPN"])
    ttr = pd.Series(
        np.round(rng.uniform(14, 84, len(sup)) * np.where(far, 1.4, 1.0)), index=sup["supplier_id"]
    )
    dc_ttr = pd.Series(np.round(rng.uniform(21, 63, len(ns["dcs"]))), index=ns["dcs"])
    n = len(d)
    primary = pd.DataFrame(
        {
            "node_id": d["item_id"].map(prim).to_numpy(),
            "node_type": "supplier",
            "item_id": d["item_id"].to_numpy(),
            "downstream_id": d["location_id"].to_numpy(),
            "capacity": np.round(d["d"].to_numpy() * rng.uniform(1.1, 1.6, n), 2),
            "role": "primary",
            "activation_days": 0.0,
        }
    )
    has_alt = ~d["item_id"].map(single).to_numpy(dtype=bool)
    alt = pd.DataFrame(
        {
            "node_id": d["item_id"].map(sec).to_numpy()[has_alt],
            "node_type": "supplier",
            "item_id": d["item_id"].to_numpy()[has_alt],
            "downstream_id": d["location_id"].to_numpy()[has_alt],
            "capacity": np.round(
                d["d"].to_numpy()[has_alt] * rng.uniform(0.3, 1.0, has_alt.sum()), 2
            ),
            "role": "alternate",
            "activation_days": rng.choice([7.0, 14.0, 21.0, 28.0, 35.0], has_alt.sum()),
        }
    )
    outbound = pd.DataFrame(
        {
            "node_id": d["location_id"].to_numpy(),
            "node_type": "dc",
            "item_id": d["item_id"].to_numpy(),
            "downstream_id": "customers",
            "capacity": np.round(d["d"].to_numpy() * 2.0, 2),
            "role": "primary",
            "activation_days": 0.0,
        }
    )
    net = pd.concat([primary, alt, outbound], ignore_index=True)
    net = net.drop_duplicates(["node_id", "item_id", "downstream_id"])
    net["ttr_days"] = net["node_id"].map(pd.concat([ttr, dc_ttr])).astype(float)
    supply_network = net[
        [
            "node_id",
            "node_type",
            "item_id",
            "downstream_id",
            "capacity",
            "ttr_days",
            "role",
            "activation_days",
        ]
    ].sort_values(["node_id", "item_id", "downstream_id"], ignore_index=True)
    ns.update(supply_network=supply_network, supplier_ttr=ttr, network_primary=primary)


def _gen_supplier_events(ns: dict) -> None:
    """The demo company: events at suppliers (own random stream): about one per supplier in
    three years, severity by type, most resolved after a time that echoes the supplier's TTR;
    and the open fire behind the disruption_response demo (:data:`DISRUPTION_EVENT`) at the
    direct supplier most items depend on alone, ten days before the data ends."""
    rng = np.random.default_rng([ns["seed"], 2602])
    sup, last_day, ttr, primary = (
        ns["sup"],
        ns["last_day"],
        ns["supplier_ttr"],
        ns["network_primary"],
    )
    types = list(EVENT_TYPES)
    tw = np.array([EVENT_TYPES[t][0] for t in types])
    n_ev = int(round(len(sup) * rng.uniform(0.9, 1.1)))
    ev_sup = rng.choice(sup["supplier_id"].to_numpy(), n_ev)
    ev_type = rng.choice(types, n_ev, p=tw / tw.sum())
    sev_levels = np.array(["low", "medium", "high", "critical"])
    u = rng.random(n_ev)
    cum = np.cumsum(np.array([EVENT_TYPES[t][1] for t in ev_type]), axis=1)
    severity = sev_levels[(u[:, None] > cum).sum(axis=1).clip(0, 3)]
    start = MONTHS[0] + pd.to_timedelta(
        rng.integers(0, (last_day - MONTHS[0]).days - 5, n_ev), unit="D"
    )
    base = np.array([EVENT_TYPES[t][2] for t in ev_type], dtype=float)
    grave = np.isin(severity, ["high", "critical"])
    dur = np.where(grave, 0.5 * base + 0.5 * pd.Series(ev_sup).map(ttr).to_numpy(), base * 0.5)
    dur = np.round(dur * rng.uniform(0.6, 1.4, n_ev))
    resolved = start + pd.to_timedelta(dur, unit="D")
    resolved = pd.Series(resolved).where(resolved <= last_day)
    ss = primary.merge(
        pd.DataFrame({"item_id": ns["item_ids"], "single": ns["single_source"]}), on="item_id"
    )
    top = ss[ss["single"]].groupby("node_id")["item_id"].nunique().sort_values(ascending=False)
    target = top.index[0] if len(top) else sup["supplier_id"].iloc[0]
    scenario = pd.DataFrame(
        {
            "event_id": [DISRUPTION_EVENT],
            "supplier_id": [target],
            "event_date": [last_day - pd.Timedelta(days=10)],
            "event_type": ["fire"],
            "severity": ["critical"],
            "resolved_date": [pd.NaT],
            "description": [
                "Fire in the main production hall; supplier estimates 6-8 weeks to restart"
            ],
        }
    )
    supplier_events = pd.concat(
        [
            pd.DataFrame(
                {
                    "event_id": np.char.add(
                        "E", np.char.zfill(np.arange(1, n_ev + 1).astype(str), 5)
                    ),
                    "supplier_id": ev_sup,
                    "event_date": start.normalize(),
                    "event_type": ev_type,
                    "severity": severity,
                    "resolved_date": pd.to_datetime(resolved).dt.normalize().to_numpy(),
                    "description": pd.Series(ev_type).str.capitalize().to_numpy() + " reported",
                }
            ),
            scenario,
        ],
        ignore_index=True,
    ).sort_values(["event_date", "event_id"], ignore_index=True)
    ns.update(supplier_events=supplier_events)


def _gen_contract_terms_and_sourcing(ns: dict) -> None:
    """The demo company: contract terms (notice period, auto-renewal, currency), contract
    prices, amendments, a market price index per direct category and sourcing projects.

    Own random stream. Agreed prices are the supplier's mean PO price of the item in the year
    before the last 12 months (slightly rounded up or down), so suppliers whose prices drift
    are paid above contract in the last year (leakage). The price index of each direct
    category rises by part of its suppliers' drift, so prices paid outrun the market in most
    categories. The three largest direct categories have sourcing projects: one well advanced
    (award due), one started with a late gate, one planned.
    """
    rng = np.random.default_rng([ns["seed"], 2601])
    contracts, po, sup_idx, last_day = ns["contracts"], ns["po"], ns["sup_idx"], ns["last_day"]
    n = len(contracts)
    contracts = contracts.copy()
    contracts["notice_period_days"] = rng.choice([30, 60, 90, 180], n, p=[0.2, 0.3, 0.35, 0.15])
    auto = rng.random(n) < 0.4
    contracts["auto_renewal"] = auto
    contracts["renewal_term_days"] = pd.array(np.where(auto, 365, 0), dtype="Int64")
    contracts.loc[~auto, "renewal_term_days"] = pd.NA
    contracts["currency"] = contracts["supplier_id"].map(sup_idx["currency"]).fillna("USD")
    # contract prices: the year before the last 12 months
    d = po[po["item_id"].notna()]
    base = d[
        (d["order_date"] >= MONTHS[-24]) & (d["order_date"] < MONTHS[-12])
    ]  # months 13-24 back
    mean_price = (base["unit_price"] * base["ordered_qty"]).groupby(
        [base["supplier_id"], base["item_id"], base["category"]]
    ).sum() / base.groupby(["supplier_id", "item_id", "category"])["ordered_qty"].sum()
    mp = mean_price.rename("price").reset_index()
    cp = mp.merge(
        contracts[["contract_id", "supplier_id", "category", "currency"]],
        on=["supplier_id", "category"],
    )
    cp["agreed_unit_price"] = np.round(cp["price"] * rng.uniform(0.99, 1.03, len(cp)), 2)
    contract_prices = cp[["contract_id", "item_id", "agreed_unit_price", "currency"]]
    contract_prices = contract_prices.sort_values(["contract_id", "item_id"], ignore_index=True)
    ns.update(contracts=contracts, contract_prices=contract_prices)
    ns["contract_amendments"] = _demo_amendments(rng, contracts, last_day)
    _demo_price_index_and_projects(ns, rng)


def _demo_amendments(rng, contracts: pd.DataFrame, last_day) -> pd.DataFrame:
    """A quarter of the contracts amended one to three times between start and end."""
    n = len(contracts)
    amended = np.flatnonzero(rng.random(n) < 0.25)
    counts = rng.integers(1, 4, len(amended))
    ci = np.repeat(amended, counts)
    c = contracts.iloc[ci]
    start = c["start_date"].to_numpy()
    stop = np.minimum(c["end_date"].to_numpy(), np.datetime64(last_day))
    span = np.maximum((stop - start).astype("timedelta64[D]").astype(int), 1)
    when = start + pd.to_timedelta(rng.integers(0, span), unit="D").to_numpy()
    change = rng.choice(["price", "term", "scope", "volume"], len(ci), p=[0.4, 0.3, 0.15, 0.15])
    value = c["annual_value"].to_numpy(dtype=float)
    delta = np.select(
        [change == "price", change == "scope", change == "volume"],
        [
            value * rng.uniform(0.01, 0.05, len(ci)),
            value * rng.uniform(-0.1, 0.1, len(ci)),
            value * rng.uniform(-0.15, 0.15, len(ci)),
        ],
        default=0.0,
    )
    text = pd.Series(change).map(
        {
            "price": "price increase agreed (raw material surcharge)",
            "term": "end date extended by 12 months",
            "scope": "items added to / removed from the scope",
            "volume": "committed volume changed",
        }
    )
    contract_amendments = pd.DataFrame(
        {
            "contract_id": c["contract_id"].to_numpy(),
            "amendment_date": when,
            "change": change,
            "description": text.to_numpy(),
            "value_change": np.round(delta, 0),
        }
    ).sort_values(["amendment_date", "contract_id"], ignore_index=True)
    contract_amendments.insert(0, "amendment_id", _ids("AM", len(contract_amendments)))
    return contract_amendments


def _demo_price_index_and_projects(ns: dict, rng) -> None:
    """A market price index per direct category (part of its suppliers' price drift) and
    sourcing projects for the three largest direct categories."""
    sup_idx, last_day = ns["sup_idx"], ns["last_day"]
    # market price index per direct category: part of its suppliers' price drift
    drift = sup_idx.groupby("category")["price_drift"].mean()
    rows = []
    for cat in DIRECT:  # eight categories
        g = float(drift.get(cat, 0.03)) * rng.uniform(0.3, 0.8)
        steps = rng.normal(g / 12, 0.004, len(MONTHS))
        steps[0] = 0.0
        rows.append(
            pd.DataFrame(
                {
                    "category": cat,
                    "period": MONTHS,
                    "index_value": np.round(100 * np.exp(np.cumsum(steps)), 2),
                    "source": "demo producer price index",
                }
            )
        )
    price_index = pd.concat(rows, ignore_index=True)
    # sourcing projects for the three largest direct categories (last 12 months' invoices)
    inv = ns["invoices"]
    recent = inv[inv["invoice_date"] >= MONTHS[-12]]
    fx = ns["fx"]
    usd = recent["amount"] / recent["currency"].map(fx).fillna(1.0)
    top = usd.groupby(recent["category"]).sum().reindex(DIRECT).nlargest(3).index
    owners = ["A. Novak", "J. Okafor", "M. Lindqvist"]
    starts = [last_day - pd.DateOffset(months=5), last_day - pd.DateOffset(months=3)]
    starts.append(last_day + pd.offsets.MonthBegin(1))
    projects = []
    for k, (cat, begin) in enumerate(zip(top, starts)):  # three projects
        weeks = np.cumsum([w for _, w in SOURCING_GATES])
        planned = pd.Timestamp(begin).normalize() + pd.to_timedelta(weeks * 7, unit="D")
        slip = rng.integers(-3, 15, len(weeks))
        actual = planned + pd.to_timedelta(slip, unit="D")
        passed = actual <= last_day
        if k == 1:  # started: its third gate is late
            passed &= np.arange(len(weeks)) < 2
        projects.append(
            pd.DataFrame(
                {
                    "project_id": f"SP{k + 1:03d}",
                    "category": cat,
                    "gate": [g for g, _ in SOURCING_GATES],
                    "gate_order": np.arange(1, len(weeks) + 1),
                    "planned_date": planned,
                    "actual_date": actual.where(passed),
                    "owner": owners[k],
                    "target_saving": float(np.round(usd[recent["category"] == cat].sum() * 0.05)),
                }
            )
        )
    ns.update(price_index=price_index, sourcing_projects=pd.concat(projects, ignore_index=True))


# --------------------------------------------------------------------------- planning (S&OP, RCCP, network)


PLANNING_RESOURCES = {  # resource -> (name, families made on it, hours per unit range)
    "R-MACH": ("CNC machining", ["Tools", "Hydraulics", "Fasteners"], (0.04, 0.12)),
    "R-ASSY": (
        "Assembly",
        ["Electrical", "Lighting", "Hydraulics", "Tools", "Safety"],
        (0.05, 0.15),
    ),
    "R-MIX": ("Mixing and filling", ["Chemicals"], (0.03, 0.06)),
    "R-MOULD": ("Injection moulding", ["Packaging", "Safety", "Lighting"], (0.02, 0.06)),
    "R-PACK": ("Packing line", None, (0.01, 0.03)),  # every family
    "R-TEST": ("Test and QA", ["Electrical", "Lighting", "Safety"], (0.01, 0.04)),
}
# resource -> regular capacity as a multiple of the mean monthly load of the year ahead: below
# 1.2 the peak months overload it (the reports' bottlenecks)
PLANNING_HEADROOM = {
    "R-MACH": 1.3,
    "R-ASSY": 1.15,
    "R-MIX": 1.35,
    "R-MOULD": 1.5,
    "R-PACK": 1.18,
    "R-TEST": 1.6,
}
CUSTOMER_CITIES = {  # region -> (city, latitude, longitude, weight)
    "North America": [
        ("New York", 40.71, -74.01, 5),
        ("Chicago", 41.88, -87.63, 4),
        ("Los Angeles", 34.05, -118.24, 4),
        ("Houston", 29.76, -95.37, 3),
        ("Atlanta", 33.75, -84.39, 3),
        ("Seattle", 47.61, -122.33, 2),
        ("Denver", 39.74, -104.99, 2),
        ("Miami", 25.76, -80.19, 2),
        ("Boston", 42.36, -71.06, 2),
        ("Minneapolis", 44.98, -93.27, 2),
        ("Dallas", 32.78, -96.80, 3),
        ("Phoenix", 33.45, -112.07, 2),
        ("Detroit", 42.33, -83.05, 2),
    ],
    "Europe": [
        ("Berlin", 52.52, 13.40, 3),
        ("Hamburg", 53.55, 9.99, 2),
        ("Munich", 48.14, 11.58, 3),
        ("Cologne", 50.94, 6.96, 2),
        ("Frankfurt", 50.11, 8.68, 2),
        ("Stuttgart", 48.78, 9.18, 2),
        ("Leipzig", 51.34, 12.37, 1),
        ("Dortmund", 51.51, 7.47, 1),
    ],
    "Latin America": [
        ("Mexico City", 19.43, -99.13, 4),
        ("Monterrey", 25.69, -100.32, 2),
        ("Guadalajara", 20.66, -103.35, 2),
        ("Puebla", 19.04, -98.21, 1),
    ],
    "Asia": [
        ("Tokyo", 35.68, 139.69, 4),
        ("Osaka", 34.69, 135.50, 2),
        ("Nagoya", 35.18, 136.91, 1),
    ],
}
CANDIDATE_SITES = [  # site, name, country, region, latitude, longitude, existing
    ("DC-EAST", "Newark", "USA", "North America", 40.74, -74.17, True),
    ("DC-WEST", "Reno", "USA", "North America", 39.53, -119.81, True),
    ("SITE-CMH", "Columbus", "USA", "North America", 39.96, -83.00, False),
    ("SITE-CHI", "Chicago", "USA", "North America", 41.88, -87.63, False),
    ("SITE-DFW", "Dallas", "USA", "North America", 32.78, -96.80, False),
    ("SITE-ATL", "Atlanta", "USA", "North America", 33.75, -84.39, False),
    ("SITE-MEM", "Memphis", "USA", "North America", 35.15, -90.05, False),
    ("SITE-LAX", "Los Angeles", "USA", "North America", 34.05, -118.24, False),
    ("SITE-DEN", "Denver", "USA", "North America", 39.74, -104.99, False),
    ("SITE-SEA", "Seattle", "USA", "North America", 47.61, -122.33, False),
    ("SITE-MCI", "Kansas City", "USA", "North America", 39.10, -94.58, False),
    ("SITE-PHX", "Phoenix", "USA", "North America", 33.45, -112.07, False),
    ("DC-EU", "Rotterdam", "NLD", "Europe", 51.92, 4.48, True),
    ("SITE-FRA", "Frankfurt", "DEU", "Europe", 50.11, 8.68, False),
    ("SITE-HAM", "Hamburg", "DEU", "Europe", 53.55, 9.99, False),
    ("SITE-MUC", "Munich", "DEU", "Europe", 48.14, 11.58, False),
    ("SITE-LEJ", "Leipzig", "DEU", "Europe", 51.34, 12.37, False),
    ("SITE-CGN", "Cologne", "DEU", "Europe", 50.94, 6.96, False),
    ("SITE-MTY", "Monterrey", "MEX", "Latin America", 25.69, -100.32, False),
    ("SITE-MEX", "Mexico City", "MEX", "Latin America", 19.43, -99.13, False),
    ("SITE-TYO", "Tokyo", "JPN", "Asia", 35.68, 139.69, False),
    ("SITE-OSA", "Osaka", "JPN", "Asia", 34.69, 135.50, False),
]


def _gen_planning(ns: dict) -> None:
    """The demo company: resources, routings, budget, supplier capacity, customer coordinates
    and candidate sites (S&OP, rough-cut capacity and network design).

    Own random stream (``[seed, 2020]``): every other table keeps its values (customers gain
    latitude / longitude columns only). The Columbus plant's six resources make the item
    categories (the product families); regular capacity is set from the family demand of the
    last twelve months carried a year ahead, with less headroom on assembly and the packing
    line so that the seasonal peak months overload them, and a shutdown week in August and
    December. The budget asks for growth over last year; each family's components come from
    its two largest suppliers, committed capacity 1.1 times the peak month (the larger one
    holds 65%, so a 30% cut there binds). Customers sit around the cities of their region;
    candidate sites include the existing DCs, with fixed costs and capacities scaled to the
    region's demand.
    """
    rng = np.random.default_rng([ns["seed"], 2020])
    items, dh = ns["items"], ns["demand_history"]
    fam_of = items.set_index("item_id")["category"]
    hist = dh.assign(family=dh["item_id"].map(fam_of), quantity=dh["quantity"].clip(lower=0))
    last12 = hist[hist["date"] >= MONTHS[-12]]
    by_fm = last12.groupby(["family", "date"])["quantity"].sum().unstack(fill_value=0.0)
    fams = sorted(by_fm.index)
    # twelve months ahead: observed-date columns may lie at most a year past today
    future = pd.date_range(MONTHS[-1] + pd.offsets.MonthBegin(1), periods=12, freq="MS")
    periods = MONTHS[-12:].append(future)
    growth = 1.05
    ahead = by_fm.to_numpy() * growth  # the year ahead as last year's months x growth
    routing_rows = []
    for rid, (_, families, (lo, hi)) in PLANNING_RESOURCES.items():
        for f in families or fams:
            routing_rows.append((f, None, rid, round(float(rng.uniform(lo, hi)), 3)))
    routings = pd.DataFrame(
        routing_rows, columns=["family", "item_id", "resource_id", "hours_per_unit"]
    )
    # a few items with their own test time (an item row overrides its family's)
    tested = items[items["category"].isin(["Electrical", "Lighting"])]["item_id"].to_numpy()[:3]
    extra = pd.DataFrame(
        {
            "family": fam_of.loc[tested].to_numpy(),
            "item_id": tested,
            "resource_id": "R-TEST",
            "hours_per_unit": np.round(rng.uniform(0.08, 0.15, len(tested)), 3),
        }
    )
    routings = pd.concat([routings, extra], ignore_index=True)
    fam_rt = routings[routings["item_id"].isna()]
    hpu = fam_rt.pivot_table(index="family", columns="resource_id", values="hours_per_unit")
    hpu = hpu.reindex(index=fams).fillna(0.0)
    load = hpu.to_numpy().T @ ahead  # resource x 12 months
    res_rows = []
    for i, rid in enumerate(hpu.columns):
        base = load[i].mean() * PLANNING_HEADROOM[rid]
        rate = round(float(rng.uniform(38, 55)), 2)
        for p in periods:
            shutdown = 0.85 if p.month in (8, 12) else 1.0
            cap = round(base * shutdown * rng.uniform(0.98, 1.02), 0)
            res_rows.append(
                {
                    "resource_id": rid,
                    "name": PLANNING_RESOURCES[rid][0],
                    "location_id": "PLANT-01",
                    "period": p,
                    "capacity_hours": cap,
                    "overtime_max_hours": round(0.1 * cap, 0),
                    "overtime_cost": round(rate * 1.5, 2),
                    "regular_cost": rate,
                }
            )
    resources = pd.DataFrame(res_rows)
    budget, supplier_capacity = _planning_budget(ns, rng, fams, by_fm, ahead, future, growth)
    customers, sites = _planning_geography(ns, rng)
    ns.update(
        resources=resources,
        routings=routings,
        budget=budget,
        supplier_capacity=supplier_capacity,
        customers=customers,
        candidate_sites=sites,
    )


def _gen_rfx(ns: dict) -> None:
    """The demo company: three RFQs (``rfx_lots``) and their responses (``rfx_responses``).

    Own random stream (``[seed, 2701]``): every other table keeps its values. The RFQs source
    the three direct categories with the largest PO spend over the last twelve months, each
    for its top items by spend (four lots; the third RFQ's last lot is a niche item quoted by
    one supplier only, so that a two-supplier minimum cannot be met). Quantities are the
    items' ordered units of the last twelve months, baselines their quantity-weighted PO price
    in USD. Bidders are the category's suppliers (the incumbent of each item included), topped
    up to five with suppliers of other direct categories; each quotes in its own currency, on
    a term of its region (Asian suppliers FOB / EXW, European FCA / DAP, American DAP / DDP),
    sometimes per hundred or per dozen, with a landed price around the baseline (incumbents a
    little below it, newcomers wider and with tooling), a capacity share of the lot and a
    technical score that follows the supplier's delivery and quality record.
    """
    rng = np.random.default_rng([ns["seed"], 2701])
    po, sup, fx, last_day = ns["po"], ns["sup"], ns["fx"], ns["last_day"]
    recent = po[(po["order_date"] > last_day - pd.DateOffset(months=12)) & po["item_id"].notna()]
    usd = recent["unit_price"] / recent["currency"].map(fx).fillna(1.0) * recent["ordered_qty"]
    recent = recent.assign(usd=usd)
    cat_spend = recent.groupby("category")["usd"].sum().sort_values(ascending=False)
    by_item = recent.groupby(["category", "item_id"]).agg(
        usd=("usd", "sum"), qty=("ordered_qty", "sum")
    )
    primary = ns["items"].set_index("item_id")["supplier_id"]
    sup_i = sup.set_index("supplier_id")
    direct = sup[sup["category"].isin(DIRECT)]
    issue = (last_day - pd.Timedelta(days=45)).normalize()
    lots, responses = [], []
    for k, cat in enumerate(cat_spend.index[:3]):  # three RFQs
        rfx_id = f"RFQ-{last_day.year}-{k + 1:02d}"
        top = by_item.loc[cat].sort_values("usd", ascending=False).head(4)
        own = direct.loc[direct["category"] == cat, "supplier_id"].tolist()
        others = direct.loc[direct["category"] != cat, "supplier_id"].to_numpy()
        extra = list(rng.choice(others, max(0, 5 - len(own)), replace=False))
        bidders = list(dict.fromkeys(own + list(primary.reindex(top.index).dropna()) + extra))
        for j, (item, row) in enumerate(top.iterrows()):  # four lots
            lot_id = f"L{j + 1}"
            base = float(row["usd"] / row["qty"])
            qty = float(np.round(row["qty"], -1) or row["qty"])
            lots.append(
                {
                    "rfx_id": rfx_id,
                    "lot_id": lot_id,
                    "title": f"{cat} supply {last_day.year + 1}",
                    "category": cat,
                    "item_id": item,
                    "description": f"{cat.lower()} item {item[2:]}",
                    "quantity": qty,
                    "unit": "each",
                    "incoterm": "DAP",
                    "baseline_price": round(base, 4),
                    "issue_date": issue,
                    "due_date": issue + pd.Timedelta(days=21),
                }
            )
            niche = k == 2 and j == len(top) - 1
            inc = primary.get(item)
            quote = rng.random(len(bidders)) < 0.85
            quote |= np.array([b == inc for b in bidders])
            if quote.sum() < 3:
                quote[rng.choice(len(bidders), 3, replace=False)] = True
            if niche:
                quote = np.array([b == (inc if inc in bidders else bidders[0]) for b in bidders])
            for b in np.array(bidders)[quote]:  # a handful of bidders per lot
                responses.append(
                    _rfx_response(
                        rng, sup_i.loc[b], b, inc, base, qty, niche, fx, rfx_id, lot_id, issue
                    )
                )
    ns.update(rfx_lots=pd.DataFrame(lots), rfx_responses=pd.DataFrame(responses))


def _rfx_response(rng, s, b, inc, base, qty, niche, fx, rfx_id, lot_id, issue) -> dict:
    """One demo RFx response of supplier ``b`` (master row ``s``) for a lot (see _gen_rfx)."""
    responses = []
    incumbent = b == inc
    landed = base * (rng.uniform(0.93, 1.02) if incumbent else rng.uniform(0.86, 1.14))
    asia = s["country"] in ("CHN", "VNM", "IND", "THA", "MYS", "BGD", "TWN", "KOR", "JPN")
    europe = s["currency"] in ("EUR", "GBP")
    term = rng.choice(["FOB", "EXW"] if asia else ["FCA", "DAP"] if europe else ["DAP", "DDP"])
    freight = {"FOB": 0.06, "EXW": 0.07, "FCA": 0.065}.get(term, 0.0)
    duty = 0.0 if s["country"] == "USA" or term == "DDP" else 0.035
    unit = rng.choice(["each", "hundred", "dozen"], p=[0.75, 0.15, 0.10])
    per = {"each": 1.0, "hundred": 100.0, "dozen": 12.0}[unit]
    price = landed / (1 + freight + duty) * fx.get(s["currency"], 1.0) * per
    cap_share = rng.uniform(0.8, 1.3) if incumbent else rng.uniform(0.3, 0.9)
    tech = 45 + 45 * s["on_time_p"] - 8 * np.log10(s["ppm"] / 2500 + 1e-9).clip(-1, 2)
    responses.append(
        {
            "rfx_id": rfx_id,
            "lot_id": lot_id,
            "supplier_id": b,
            "response_date": issue + pd.Timedelta(days=int(rng.integers(3, 21))),
            "unit_price": round(float(price), 4),
            "currency": s["currency"],
            "incoterm": term,
            "unit": unit,
            "lead_time_days": float(s["lead_days"] + rng.integers(-5, 6)),
            "capacity": float(np.round(qty * (1.2 if niche else cap_share) / per)),
            "technical_score": float(np.clip(np.round(tech + rng.normal(0, 5)), 35, 98)),
            "tooling_cost": 0.0
            if incumbent
            else float(np.round(base * qty * rng.uniform(0.01, 0.05), -2)),
            "payment_days": float(rng.choice([30, 45, 60, 90], p=[0.3, 0.3, 0.3, 0.1])),
            "duty_rate": duty,
        }
    )
    return responses[0]


def _planning_budget(ns: dict, rng, fams, by_fm, ahead, future, growth):
    """Budget per family and month ahead, and the suppliers' committed capacity (see
    :func:`_gen_planning`)."""
    items, so = ns["items"], ns["sales_order_lines"]
    fam_of = items.set_index("item_id")["category"]
    # budget: the 12 months ahead at last year's volumes x growth x noise, at last year's prices
    sold = so.assign(family=so["item_id"].map(fam_of), value=so["ordered_qty"] * so["unit_price"])
    sold = sold[sold["order_date"] >= MONTHS[-12]]
    price = sold.groupby("family")["value"].sum() / sold.groupby("family")["ordered_qty"].sum()
    sold_cost = sold["ordered_qty"] * sold["item_id"].map(items.set_index("item_id")["unit_cost"])
    cost = sold_cost.groupby(sold["family"]).sum() / sold.groupby("family")["ordered_qty"].sum()
    vol = by_fm.to_numpy() * growth * rng.uniform(0.98, 1.08, by_fm.shape)
    budget = pd.DataFrame(
        {
            "family": np.repeat(fams, 12),
            "period": np.tile(future[:12], len(fams)),
            "volume": np.round(vol.ravel(), 0),
        }
    )
    fam_price = budget["family"].map(price).fillna(budget["family"].map(cost) * 1.4)
    budget["revenue"] = np.round(
        budget["volume"] * fam_price * rng.uniform(0.99, 1.03, len(budget)), 2
    )
    budget["cost"] = np.round(budget["volume"] * budget["family"].map(cost).to_numpy(), 2)
    # supplier capacity: two largest suppliers per family
    sc_rows = []
    for k, f in enumerate(fams):  # 8 families
        top = items[items["category"] == f]["supplier_id"].value_counts().index[:2]
        peak = float(ahead[k].max())
        for share, s in zip((0.65, 0.35), top):
            for p in future:
                sc_rows.append(
                    (s, f, p, round(1.2 * peak * share * float(rng.uniform(0.97, 1.03))))
                )
    supplier_capacity = pd.DataFrame(
        sc_rows, columns=["supplier_id", "family", "period", "capacity"]
    )
    return budget, supplier_capacity


def _planning_geography(ns: dict, rng):
    """Customer coordinates around their region's cities and the candidate sites (see
    :func:`_gen_planning`)."""
    so = ns["sales_order_lines"]
    # customer coordinates around the cities of their region
    customers = ns["customers"].copy()
    lat = np.full(len(customers), np.nan)
    lon = np.full(len(customers), np.nan)
    for region, cities in CUSTOMER_CITIES.items():  # four regions
        m = (customers["region"] == region).to_numpy()
        w = np.array([c[3] for c in cities], float)
        pick = rng.choice(len(cities), int(m.sum()), p=w / w.sum())
        lat[m] = np.array([c[1] for c in cities])[pick] + rng.normal(0, 0.35, m.sum())
        lon[m] = np.array([c[2] for c in cities])[pick] + rng.normal(0, 0.45, m.sum())
    customers["latitude"] = np.round(lat, 4)
    customers["longitude"] = np.round(lon, 4)
    # candidate sites: fixed cost and capacity from the region's yearly units
    units = so[so["order_date"] >= MONTHS[-12]].groupby("customer_id")["ordered_qty"].sum()
    reg_units = (
        customers.assign(u=customers["customer_id"].map(units).fillna(0))
        .groupby("region")["u"]
        .sum()
    )
    sites = pd.DataFrame(
        CANDIDATE_SITES,
        columns=["site_id", "name", "country", "region", "latitude", "longitude", "existing"],
    )
    ru = sites["region"].map(reg_units).fillna(0).to_numpy()
    sites["fixed_cost"] = np.round(ru * 0.0015 * rng.uniform(250, 450, len(sites)), -3)
    sites["capacity"] = np.round(
        ru * np.where(sites["existing"], 0.75, rng.uniform(0.3, 0.6, len(sites))), -2
    )
    sites = sites[
        [
            "site_id",
            "name",
            "country",
            "region",
            "latitude",
            "longitude",
            "fixed_cost",
            "capacity",
            "existing",
        ]
    ]
    return customers, sites
