"""Contract management: renewal calendar with notice deadlines, expiring high-value contracts,
spend under contract by category, price leakage (paid above the contract price), amendments,
and negotiation preparation (price history, index-linked target price, best alternative).

References
----------
- CIPS (2024). *Contract management* knowledge summaries: notice periods, auto-renewal
  (evergreen) clauses, contract coverage and price compliance ("leakage").
- FIDIC (2017). *Conditions of Contract for Construction* (Red Book), sub-clause 13.7,
  adjustments for changes in cost: Pn = a + b x Ln/Lo + c x En/Eo + ..., with a the fixed
  (non-adjustable) share; the index-linked target price here is that formula with one index.
- Fisher, R. & Ury, W. (1981). *Getting to Yes*: the best alternative to a negotiated
  agreement (BATNA), here the lowest price another supplier charged for the same item.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np
import pandas as pd

from scmlib.errors import DataError, ParameterError


def index_linked_price(base_price, index_base, index_now, fixed_share: float = 0.0):
    """Contract price after indexation (FIDIC 2017, sub-clause 13.7, one index):
    P = P0 x (a + (1 - a) x I_now / I_base), with a = ``fixed_share`` the part not indexed.

    >>> index_linked_price(100.0, 120.0, 132.0, fixed_share=0.2)
    108.0
    """
    if not 0 <= fixed_share <= 1:
        raise ParameterError(f"fixed_share must be between 0 and 1, got {fixed_share!r}")
    p0 = np.asarray(base_price, dtype=float)
    ratio = np.asarray(index_now, dtype=float) / np.asarray(index_base, dtype=float)
    out = p0 * (fixed_share + (1 - fixed_share) * ratio)
    return float(out) if out.ndim == 0 else out


NOTICE_PASSED = ("notice passed: expires", "notice passed: renews")
# the order a buyer works through the calendar: decisions due first, then contracts about to
# lapse without a successor, then the year ahead; renewals already locked in and expired last
STATUS_ORDER = (
    "act now",
    "notice passed: expires",
    "upcoming",
    "later",
    "notice passed: renews",
    "expired",
)


def current_terms(contracts: pd.DataFrame, as_of: pd.Timestamp) -> pd.DataFrame:
    """Contracts as they stand on ``as_of``: an auto-renewing contract whose end date has passed
    was not cancelled (the contracts table would say so), so it runs on, term after term
    (``renewal_term_days``, 365 where not given), and its ``end_date`` becomes the end of the
    current term; ``original_end_date`` keeps the table's end date and ``renewals`` counts the
    terms added. Contracts without auto-renewal are unchanged (they expire).

    >>> c = pd.DataFrame({"contract_id": ["C1", "C2"], "auto_renewal": [True, False],
    ...                   "end_date": pd.to_datetime(["2025-06-09", "2025-06-09"])})
    >>> current_terms(c, pd.Timestamp("2026-10-31"))[["end_date", "renewals"]].to_dict("list")
    {'end_date': [Timestamp('2027-06-09 00:00:00'), Timestamp('2025-06-09 00:00:00')], 'renewals': [2, 0]}
    """
    c = contracts.copy()
    if "original_end_date" in c:  # already rolled forward
        return c
    auto = c["auto_renewal"] if "auto_renewal" in c else pd.Series(False, index=c.index)
    auto = auto.astype("boolean").fillna(False).astype(bool)
    term = (
        c["renewal_term_days"].astype(float).fillna(365)
        if "renewal_term_days" in c
        else pd.Series(365.0, index=c.index)
    ).clip(lower=1)
    behind = (pd.Timestamp(as_of) - c["end_date"]).dt.days.astype(float)
    n = np.where(auto & (behind > 0), np.ceil(behind / term), 0).astype(int)
    c["original_end_date"] = c["end_date"]
    c["renewals"] = n
    c["end_date"] = c["end_date"] + pd.to_timedelta(n * term.to_numpy(), unit="D")
    return c


def renewal_calendar(
    contracts: pd.DataFrame,
    as_of: pd.Timestamp,
    default_notice_days: int = 90,
    act_within_days: int = 60,
) -> pd.DataFrame:
    """Every contract with its notice deadline and renewal status on ``as_of``.

    notice_deadline = end_date - notice_period_days (``default_notice_days`` where not given);
    an auto-renewing contract not cancelled by its deadline runs for another
    ``renewal_term_days`` (365 where not given; ``renews_to``). status: ``expired`` (ended
    before ``as_of``), ``notice passed: expires`` (deadline passed, not yet ended, no
    auto-renewal: it ends without a successor), ``notice passed: renews`` (deadline passed, it
    renews automatically), ``act now`` (deadline within ``act_within_days``), ``upcoming``
    (deadline within a year), ``later``. Sorted in the order a buyer acts (:data:`STATUS_ORDER`:
    decisions due, contracts lapsing without a successor, the year ahead, renewals already
    locked in, expired), by deadline within a status. Auto-renewed terms are rolled forward
    first (:func:`current_terms`): deadlines and status are those of the current term.
    """
    need = ["contract_id", "supplier_id", "category", "start_date", "end_date", "annual_value"]
    missing = [c for c in need if c not in contracts.columns]
    if missing:
        raise DataError(f"table 'contracts': missing column(s) {missing}")
    as_of = pd.Timestamp(as_of)
    c = current_terms(contracts, as_of)
    notice = (
        c["notice_period_days"].astype(float)
        if "notice_period_days" in c
        else pd.Series(np.nan, index=c.index)
    )
    c["notice_period_days"] = notice.fillna(default_notice_days).astype(int)
    auto = c["auto_renewal"] if "auto_renewal" in c else pd.Series(False, index=c.index)
    c["auto_renewal"] = auto.astype("boolean").fillna(False).astype(bool)
    term = (
        c["renewal_term_days"].astype(float)
        if "renewal_term_days" in c
        else pd.Series(np.nan, index=c.index)
    )
    c["notice_deadline"] = c["end_date"] - pd.to_timedelta(c["notice_period_days"], unit="D")
    c["days_to_deadline"] = (c["notice_deadline"] - as_of).dt.days
    c["days_to_end"] = (c["end_date"] - as_of).dt.days
    c["renews_to"] = (c["end_date"] + pd.to_timedelta(term.fillna(365), unit="D")).where(
        c["auto_renewal"]
    )
    c["status"] = np.select(
        [
            c["days_to_end"] < 0,
            c["days_to_deadline"] < 0,
            c["days_to_deadline"] <= act_within_days,
            c["days_to_deadline"] <= 365,
        ],
        ["expired", "notice passed", "act now", "upcoming"],
        default="later",
    )
    passed = c["status"] == "notice passed"
    c.loc[passed, "status"] = np.where(
        c.loc[passed, "auto_renewal"], "notice passed: renews", "notice passed: expires"
    )
    c["consequence"] = np.where(
        c["auto_renewal"], "renews automatically", "expires: successor needed"
    )
    c["_order"] = c["status"].map({k: i for i, k in enumerate(STATUS_ORDER)})
    c = c.sort_values(["_order", "notice_deadline", "contract_id"])
    return c.drop(columns="_order").reset_index(drop=True)


def expiring_high_value(
    calendar: pd.DataFrame, horizon_days: int = 365, quantile: float = 0.75
) -> pd.DataFrame:
    """Contracts ending within ``horizon_days`` (not yet expired) whose annual value is at or
    above the ``quantile`` of all live contracts' annual values; largest first."""
    if not 0 <= quantile < 1:
        raise ParameterError(f"high_value_quantile must be in [0, 1), got {quantile!r}")
    live = calendar[calendar["status"] != "expired"]
    if live.empty:
        return live
    threshold = float(live["annual_value"].quantile(quantile))
    out = live[(live["days_to_end"] <= horizon_days) & (live["annual_value"] >= threshold)]
    return out.sort_values("annual_value", ascending=False).reset_index(drop=True)


def coverage_by_category(
    lines: pd.DataFrame, off_contract: pd.Series, window, unclassified: str = "Unclassified"
) -> pd.DataFrame:
    """Spend under contract per category over the window: category, spend, on_contract,
    off_contract, coverage (on / total); the ``off_contract`` flags per line come from
    :func:`scmlib.procurement.spend.maverick_flags`. Largest spend first, ``unclassified``
    last, with a total row equal to the window's invoiced spend."""
    start, end = pd.Timestamp(window[0]), pd.Timestamp(window[1])
    d = lines["invoice_date"]
    keep = ((d >= start) & (d < end + pd.Timedelta(days=1))).to_numpy()
    w = lines[keep]
    off = off_contract[keep].fillna(True).astype(bool).to_numpy()
    amount = w["amount_rc"].to_numpy(dtype=float)
    f = pd.DataFrame(
        {
            "category": w["category"].astype(str).to_numpy(),
            "spend": amount,
            "on_contract": np.where(off, 0.0, amount),
        }
    )
    out = f.groupby("category", as_index=False).sum()
    # unclassified spend stays in (last): the total is the window's whole invoiced spend, the
    # figure every spend report shows (scmlib.core.measures.spend_total)
    out = out.assign(_u=out["category"] == unclassified).sort_values(
        ["_u", "spend"], ascending=[True, False]
    )
    out = out.drop(columns="_u")
    total = pd.DataFrame(
        [
            {
                "category": "Total",
                "spend": out["spend"].sum(),
                "on_contract": out["on_contract"].sum(),
            }
        ]
    )
    out = pd.concat([out, total], ignore_index=True)
    out["off_contract"] = out["spend"] - out["on_contract"]
    out["coverage"] = out["on_contract"] / out["spend"].where(out["spend"] > 0)
    return out[["category", "spend", "on_contract", "off_contract", "coverage"]]


def invoiced_prices(po: pd.DataFrame, invoices: pd.DataFrame | None) -> pd.Series:
    """Unit price invoiced per PO line (reporting currency): invoiced amount / received
    quantity where the invoices match a single-line PO (``po_id``), else the PO price
    ``unit_price_rc``. ``invoices`` carries ``po_id`` and ``amount_rc``."""
    price = po["unit_price_rc"].astype(float).copy()
    if invoices is None or "po_id" not in invoices or "received_qty" not in po:
        return price
    single = po["po_id"].map(po["po_id"].value_counts()) == 1
    billed = invoices.dropna(subset=["po_id"]).groupby("po_id")["amount_rc"].sum()
    amount = po["po_id"].map(billed)
    qty = po["received_qty"].astype(float)
    ok = single & amount.notna() & (qty > 0)
    price[ok] = amount[ok] / qty[ok]
    return price


def price_leakage(
    po: pd.DataFrame,
    prices: pd.DataFrame,
    contracts: pd.DataFrame,
    window,
    tolerance: float = 0.005,
    paid: pd.Series | None = None,
) -> pd.DataFrame:
    """Lines paid above the contract price, and the amount at stake.

    ``po``: PO lines (supplier_id, item_id, order_date, ordered_qty, received_qty,
    unit_price in its currency and unit_price_rc in the reporting currency); ``prices``:
    contract_id, item_id, agreed_unit_price (in the PO's currency); ``contracts``: contract_id,
    supplier_id, start_date, end_date. A PO line in the window is matched to the supplier's
    contract price for the item valid on the order date, converted at the line's own rate
    (unit_price_rc / unit_price), so exchange rates never show as leakage; the paid price is
    ``paid`` (:func:`invoiced_prices`) or the PO price. leakage
    per line = (paid - agreed) x quantity (received, else ordered) where paid exceeds agreed by
    more than ``tolerance`` (share); returns one row per matched line with over_price (share)
    and leakage.
    """
    start, end = pd.Timestamp(window[0]), pd.Timestamp(window[1])
    p = po.assign(paid_price=paid if paid is not None else po["unit_price_rc"])
    p = p[p["item_id"].notna()]
    p = p[(p["order_date"] >= start) & (p["order_date"] < end + pd.Timedelta(days=1))]
    c = contracts[["contract_id", "supplier_id", "category", "start_date", "end_date"]]
    cp = prices[["contract_id", "item_id", "agreed_unit_price"]].merge(c, on="contract_id")
    j = p.reset_index().merge(cp, on=["supplier_id", "item_id"], how="inner", suffixes=("", "_c"))
    j = j[(j["order_date"] >= j["start_date"]) & (j["order_date"] <= j["end_date"])]
    j = j.drop_duplicates("index")
    # the contract is the one whose price matched, not the PO's own (often blank) contract_id
    for col in ("contract_id", "category"):
        if f"{col}_c" in j:
            j[col] = j[f"{col}_c"].fillna(j[col]) if col == "category" else j[f"{col}_c"]
    fx = j["unit_price_rc"] / j["unit_price"].where(j["unit_price"] > 0)
    j["agreed_unit_price_rc"] = j["agreed_unit_price"] * fx
    qty = j["received_qty"].fillna(j["ordered_qty"]) if "received_qty" in j else j["ordered_qty"]
    j["quantity"] = qty
    j["over_price"] = j["paid_price"] / j["agreed_unit_price_rc"] - 1
    above = j["over_price"] > tolerance
    j["leakage"] = np.where(above, (j["paid_price"] - j["agreed_unit_price_rc"]) * qty, 0.0)
    cols = ["contract_id", "supplier_id", "category", "item_id", "order_date", "quantity"]
    cols += ["agreed_unit_price_rc", "paid_price", "over_price", "leakage"]
    return j[cols].reset_index(drop=True)


def leakage_by_contract(leak: pd.DataFrame, months: int) -> pd.DataFrame:
    """Per contract: lines matched, lines above price, mean over-price of those, leakage in the
    window and, for a window other than 12 months, annualised (``annual_leakage`` = leakage x
    12 / ``months``; a 12-month window is the year already); largest first."""
    keys = ["contract_id", "supplier_id", "category"]
    g = leak.assign(_above=leak["leakage"] > 0).groupby(keys, dropna=False)
    out = pd.DataFrame(
        {
            "lines": g.size(),
            "lines_above": g["_above"].sum().astype(int),
            "leakage": g["leakage"].sum(),
        }
    )
    above = leak[leak["leakage"] > 0]
    out["mean_over_price"] = above.groupby(keys, dropna=False)["over_price"].mean()
    if months != 12:
        out["annual_leakage"] = out["leakage"] * 12 / months
    out = out.reset_index()
    return out.sort_values("leakage", ascending=False).reset_index(drop=True)


def amendment_history(amendments: pd.DataFrame | None, contracts: pd.DataFrame) -> pd.DataFrame:
    """Amendments newest first with the contract's supplier and category, and per contract the
    running count."""
    cols = ["amendment_date", "contract_id", "supplier_id", "category", "change", "description"]
    cols += ["value_change", "amendment_number"]
    if amendments is None or amendments.empty:
        return pd.DataFrame(columns=cols)
    a = amendments.merge(
        contracts[["contract_id", "supplier_id", "category"]], on="contract_id", how="left"
    ).sort_values(["contract_id", "amendment_date"])
    a["amendment_number"] = a.groupby("contract_id").cumcount() + 1
    for c in ("description", "value_change"):
        if c not in a:
            a[c] = np.nan
    return a.sort_values("amendment_date", ascending=False)[cols].reset_index(drop=True)


def negotiation_prep(
    po: pd.DataFrame,
    supplier_ids,
    window,
    prices: pd.DataFrame | None = None,
    contracts: pd.DataFrame | None = None,
    price_index: pd.DataFrame | None = None,
    fixed_share: float = 0.2,
    bids: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Negotiation brief per supplier and item bought in the window.

    current_price: the quantity-weighted mean price paid in the last 3 months of the window;
    year_ago_price: the same 12 months earlier; price_change. agreed_price: the contract price
    (``prices``: contract_id, item_id, agreed_unit_price in the supplier's currency, converted
    at the rate of the supplier's latest PO line) of the supplier's latest contract.
    target_price: the agreed (else year-ago) price indexed from the contract start (else 12
    months ago; the index's first month for a contract older than the index) to the latest
    index month of the category (:func:`index_linked_price`, ``fixed_share`` not indexed); without an index, the agreed (else year-ago) price;
    never above the agreed price of a live contract (target_basis "contract price (index
    higher)"), and capped at current_price (a target never asks for a higher price than the
    one paid now,
    target_basis then reads "capped at the current price"). batna:
    the lowest mean price another supplier charged for the item in the window, or a bid
    (``bids``: supplier_id, item_id, price_rc) if lower; batna_supplier. Annual quantity =
    window quantity x 12 / months.
    """
    start, end = pd.Timestamp(window[0]), pd.Timestamp(window[1])
    months = max(1, (end.to_period("M") - start.to_period("M")).n + 1)
    p = po[po["item_id"].notna()]
    p = p.assign(_v=p["unit_price_rc"] * p["ordered_qty"])
    recent = p[(p["order_date"] > end - pd.DateOffset(months=3)) & (p["order_date"] <= end)]
    ago = p[
        (p["order_date"] > end - pd.DateOffset(months=15))
        & (p["order_date"] <= end - pd.DateOffset(months=12))
    ]
    win = p[(p["order_date"] >= start) & (p["order_date"] < end + pd.Timedelta(days=1))]

    def mean_price(frame):
        g = frame.groupby(["supplier_id", "item_id"])[["_v", "ordered_qty"]].sum()
        return g["_v"] / g["ordered_qty"]

    mine = win[win["supplier_id"].isin(list(supplier_ids))]
    g = mine.groupby(["supplier_id", "item_id"])
    out = pd.DataFrame(
        {
            "category": g["category"].first(),
            "annual_quantity": g["ordered_qty"].sum() * 12 / months,
        }
    )
    out["current_price"] = mean_price(recent).reindex(out.index)
    out["year_ago_price"] = mean_price(ago).reindex(out.index)
    out["price_change"] = out["current_price"] / out["year_ago_price"] - 1
    out = out.reset_index()
    out["agreed_price"] = np.nan
    out["base_date"] = end - pd.DateOffset(months=12)
    if prices is not None and contracts is not None and len(prices):
        last = p.sort_values("order_date").drop_duplicates("supplier_id", keep="last")
        fx = (last["unit_price_rc"] / last["unit_price"]).set_axis(last["supplier_id"])
        cp = prices.merge(contracts[["contract_id", "supplier_id", "start_date"]], on="contract_id")
        cp["agreed_unit_price_rc"] = cp["agreed_unit_price"] * cp["supplier_id"].map(fx)
        cp = cp.sort_values("start_date").drop_duplicates(["supplier_id", "item_id"], keep="last")
        key = cp.set_index(["supplier_id", "item_id"])
        idx = pd.MultiIndex.from_frame(out[["supplier_id", "item_id"]])
        agreed = key["agreed_unit_price_rc"].reindex(idx).to_numpy()
        out["agreed_price"] = agreed
        out["base_date"] = (
            pd.Series(key["start_date"].reindex(idx).to_numpy()).fillna(out["base_date"]).values
        )
    base_price = out["agreed_price"].fillna(out["year_ago_price"])
    out["target_price"] = base_price
    out["target_basis"] = np.where(
        out["agreed_price"].notna(), "contract price", "price a year ago"
    )
    if price_index is not None and len(price_index):
        ix = price_index.sort_values("period")
        ix = ix.assign(category=ix["category"].astype(str))
        latest = ix.groupby("category")["index_value"].last()
        # the index of the base month: the last index value on or before the base date
        left = out[["base_date", "category"]].assign(_i=np.arange(len(out)))
        left["base_date"] = pd.to_datetime(left["base_date"]).astype("datetime64[ns]")
        right = ix[["period", "category", "index_value"]].rename(columns={"period": "base_date"})
        right["base_date"] = pd.to_datetime(right["base_date"]).astype("datetime64[ns]")
        merged = pd.merge_asof(
            left.sort_values("base_date"),
            right.sort_values("base_date"),
            on="base_date",
            by="category",
            direction="backward",
        )
        base_ix = merged.set_index("_i")["index_value"].reindex(np.arange(len(out)))
        # a contract older than the index series is indexed from the series' first month
        first = ix.groupby("category")["index_value"].first()
        base_ix = base_ix.fillna(pd.Series(out["category"].map(first).to_numpy()))
        now = out["category"].map(latest).to_numpy(dtype=float)
        has = ~np.isnan(now) & ~np.isnan(base_ix.to_numpy(dtype=float))
        linked = index_linked_price(
            base_price.to_numpy(dtype=float), base_ix.to_numpy(dtype=float), now, fixed_share
        )
        out["target_price"] = np.where(has, linked, base_price)
        out["target_basis"] = np.where(has, out["target_basis"] + ", indexed", out["target_basis"])
    others = mean_price(win).rename("price").reset_index()
    alt = others.merge(out[["supplier_id", "item_id"]], on="item_id", suffixes=("_alt", ""))
    alt = alt[alt["supplier_id_alt"] != alt["supplier_id"]]
    if bids is not None and len(bids):
        b = bids.rename(columns={"supplier_id": "supplier_id_alt", "price_rc": "price"})
        b = b.merge(out[["supplier_id", "item_id"]], on="item_id")
        alt = pd.concat([alt, b[b["supplier_id_alt"] != b["supplier_id"]]], ignore_index=True)
    best = alt.sort_values("price").drop_duplicates(["supplier_id", "item_id"])
    best = best.set_index(["supplier_id", "item_id"])
    idx = pd.MultiIndex.from_frame(out[["supplier_id", "item_id"]])
    out["batna"] = best["price"].reindex(idx).to_numpy()
    out["batna_supplier"] = best["supplier_id_alt"].reindex(idx).to_numpy()
    # a live contract's price is already agreed: the index never lifts the target above it
    above = out["agreed_price"].notna() & (out["target_price"] > out["agreed_price"])
    out["target_price"] = out["target_price"].where(~above, out["agreed_price"])
    out["target_basis"] = np.where(
        above, "contract price (index higher)", out["target_basis"].astype(object)
    )
    # a target never asks for a higher price than the one paid now
    capped = out["target_price"] > out["current_price"]
    out["target_price"] = out["target_price"].where(~capped, out["current_price"])
    out["target_basis"] = np.where(
        capped, "capped at the current price", out["target_basis"].astype(object)
    )
    out["gap_to_target"] = (out["current_price"] - out["target_price"]) * out["annual_quantity"]
    out = out.drop(columns=["base_date"])
    return out.sort_values(
        ["supplier_id", "gap_to_target"], ascending=[True, False], na_position="last"
    ).reset_index(drop=True)


def negotiation_summary(prep: pd.DataFrame, calendar: pd.DataFrame) -> pd.DataFrame:
    """One row per supplier of a negotiation brief (:func:`negotiation_prep`): items, annual
    value at the current price, price change against a year ago (weighted by the annual quantity
    of the items bought in both periods: a Laspeyres-type index, ILO CPI Manual 2004), the
    annual gap between current and target prices, items with a cheaper alternative and what
    moving them to it would save a year, and the supplier's next notice deadline of a live
    contract (``calendar``: :func:`renewal_calendar`); largest gap first."""
    p = prep.assign(
        _value=prep["current_price"] * prep["annual_quantity"],
        _both=prep["current_price"].notna() & prep["year_ago_price"].notna(),
        _cheaper=prep["batna"] < prep["current_price"],
    )
    p["_now"] = p["_value"].where(p["_both"], 0.0)
    p["_ago"] = (p["year_ago_price"] * p["annual_quantity"]).where(p["_both"], 0.0)
    p["_alt_saving"] = ((p["current_price"] - p["batna"]) * p["annual_quantity"]).where(
        p["_cheaper"], 0.0
    )
    g = p.groupby("supplier_id")
    out = pd.DataFrame(
        {
            "items": g["item_id"].nunique(),
            "annual_value": g["_value"].sum(),
            "price_change": g["_now"].sum() / g["_ago"].sum().where(g["_ago"].sum() > 0) - 1,
            "gap_to_target": g["gap_to_target"].sum(),
            "items_cheaper_elsewhere": g["_cheaper"].sum().astype(int),
            "alternative_saving": g["_alt_saving"].sum(),
        }
    )
    live = calendar[calendar["status"].isin(["act now", "upcoming", "later", *NOTICE_PASSED])]
    ahead = live[live["days_to_deadline"] >= 0]
    out["next_notice_deadline"] = ahead.groupby("supplier_id")["notice_deadline"].min()
    out = out.reset_index().sort_values("gap_to_target", ascending=False)
    return out.reset_index(drop=True)


def price_history(po: pd.DataFrame, supplier_id: str, items, window) -> pd.DataFrame:
    """Monthly quantity-weighted price paid to the supplier for each of ``items`` over the
    window and the 12 months before it: period, item_id, price."""
    start = pd.Timestamp(window[0]) - pd.DateOffset(months=12)
    end = pd.Timestamp(window[1])
    p = po[(po["supplier_id"] == supplier_id) & po["item_id"].isin(list(items))]
    p = p[(p["order_date"] >= start) & (p["order_date"] < end + pd.Timedelta(days=1))]
    p = p.assign(_v=p["unit_price_rc"] * p["ordered_qty"], period=p["order_date"].dt.to_period("M"))
    g = p.groupby(["period", "item_id"])[["_v", "ordered_qty"]].sum()
    out = (g["_v"] / g["ordered_qty"]).rename("price").reset_index()
    out["period"] = out["period"].dt.start_time
    return out


def summary_lines(
    calendar: pd.DataFrame,
    expiring: pd.DataFrame,
    coverage: pd.DataFrame,
    leak: pd.DataFrame,
    amendments: pd.DataFrame,
    prep: pd.DataFrame,
    money: Callable[[float], str],
    window_text: str,
    act_within_days: int,
    chosen=None,
    horizon_days: int = 365,
    names: Mapping[str, str] | None = None,
) -> list[str]:
    """The executive summary of the contract report; ``chosen``: the suppliers selected for
    negotiation (those without a price brief are named, by ``names`` where it has them: supplier
    id -> display name); ``horizon_days``: the horizon of
    ``expiring`` (:func:`expiring_high_value`). Contracts whose notice deadline has passed and
    that do not renew are named: they end without a successor."""
    live = calendar[calendar["status"] != "expired"]
    now = calendar[calendar["status"] == "act now"]
    passed = calendar[calendar["status"].isin(NOTICE_PASSED)]
    lapsing = passed[passed["status"] == "notice passed: expires"]
    out = [
        f"{len(live)} live contracts worth {money(live['annual_value'].sum())} a year; "
        f"{len(now)} reach their notice deadline within {act_within_days} days "
        f"({money(now['annual_value'].sum())})"
        + (
            f"; {len(passed)} {'is' if len(passed) == 1 else 'are'} past "
            f"{'its' if len(passed) == 1 else 'their'} deadline: {len(passed) - len(lapsing)} "
            f"renew{'s' if len(passed) - len(lapsing) == 1 else ''} automatically, "
            f"{len(lapsing)} expire{'s' if len(lapsing) == 1 else ''} without a successor."
            if len(passed)
            else "."
        )
    ]
    if len(lapsing):
        out.append(
            "Expiring without a successor (notice deadline passed, no auto-renewal): "
            + "; ".join(
                f"{r['contract_id']} ({_with_supplier(r)}{r['category']}, "
                f"{money(r['annual_value'])} a year, ends {pd.Timestamp(r['end_date']):%d %b %Y})"
                for r in lapsing.sort_values("end_date").to_dict("records")
            )
            + "."
        )
    if len(expiring):
        top = expiring.iloc[0]
        soon = expiring.sort_values("end_date").iloc[0]
        out.append(
            f"{len(expiring)} high-value contracts end within {horizon_days} days "
            f"({money(expiring['annual_value'].sum())} a year); soonest: {soon['contract_id']} "
            f"({_with_supplier(soon)}{soon['category']}, {money(soon['annual_value'])}, ends "
            f"{pd.Timestamp(soon['end_date']):%d %b %Y}, {soon['status']}); largest: "
            f"{top['contract_id']} ({_with_supplier(top)}{top['category']}, {money(top['annual_value'])}, ends "
            f"{pd.Timestamp(top['end_date']):%d %b %Y})."
        )
    tot = coverage[coverage["category"] == "Total"].iloc[0]
    low = coverage[~coverage["category"].isin(["Total", "Unclassified"])]
    low = low.sort_values("coverage").head(1)
    out.append(
        f"Spend under contract ({window_text}): {tot['coverage']:.1%} of {money(tot['spend'])}"
        + (
            f"; lowest coverage in {low.iloc[0]['category']} ({low.iloc[0]['coverage']:.1%})."
            if len(low)
            else "."
        )
    )
    if len(leak):
        above = leak[leak["leakage"] > 0]
        out.append(
            f"Price leakage: {len(above):,} of {len(leak):,} PO lines under a contract price were "
            f"paid above it, {money(above['leakage'].sum())} at stake in the window."
        )
    else:
        out.append("Price leakage cannot be measured: no contract prices for the items bought.")
    if len(amendments):
        out.append(
            f"{len(amendments)} amendments on {amendments['contract_id'].nunique()} contracts; "
            f"latest {pd.Timestamp(amendments['amendment_date'].iloc[0]):%d %b %Y} "
            f"({amendments['change'].iloc[0]} on {amendments['contract_id'].iloc[0]})."
        )
    if len(prep):
        gap = prep["gap_to_target"].clip(lower=0).sum()
        n = prep["supplier_id"].nunique()
        out.append(
            f"Negotiation preparation for {n} supplier{'s' if n != 1 else ''}"
            f"{_no_brief_note(chosen, prep, names)}: "
            f"{money(gap)} a year between current and target prices."
        )
    return out


def _with_supplier(row: Mapping) -> str:
    """'Supplier name, ' for a calendar row that carries the supplier's name, else ''."""
    name = row.get("name")
    return f"{name}, " if isinstance(name, str) and name else ""


def _who(supplier_id: str, names: Mapping[str, str] | None) -> str:
    """'Name (S1)' where ``names`` has the supplier, else the id."""
    name = (names or {}).get(supplier_id)
    return f"{name} ({supplier_id})" if name and name != supplier_id else str(supplier_id)


def _no_brief_note(chosen, prep: pd.DataFrame, names: Mapping[str, str] | None = None) -> str:
    """' (S1, S2 selected but without PO lines with items in the window)' or ''."""
    missing = [s for s in (chosen or []) if s not in set(prep["supplier_id"].astype(str))]
    if not missing:
        return ""
    verb = "has" if len(missing) == 1 else "have"
    who = ", ".join(_who(s, names) for s in missing)
    return f" ({who} also selected but {verb} no PO lines with items in the window)"


def negotiation_caption(
    chosen, prep: pd.DataFrame | None, fixed_share: float, names: Mapping[str, str] | None = None
) -> str:
    """Caption of the negotiation brief: the suppliers with a brief (the same count as the
    summary), those selected without one, and how the target is set; ``names``: supplier id ->
    display name."""
    have = [] if prep is None else [s for s in chosen if s in set(prep["supplier_id"].astype(str))]
    listed = ", ".join(_who(s, names) for s in have) or "none"
    head = f"{len(have)} supplier{'s' if len(have) != 1 else ''}: {listed}"
    empty = pd.DataFrame({"supplier_id": []})
    note = _no_brief_note(chosen, prep if prep is not None else empty, names)
    return (
        f"{head}{note}; target = contract (else year-ago) price indexed to the category's market "
        f"index, {fixed_share:.0%} fixed, never above the contract price or the current price."
    )


def appendix(
    default_notice_days: int,
    act_within_days: int,
    quantile: float,
    tolerance: float,
    fixed_share: float,
    window_text: str,
    category_basis: str = "",
) -> list[tuple[str, str]]:
    """Definitions and sources of the contract report; ``category_basis``
    (:func:`scmlib.procurement.spend.classification_basis`) adds how a line gets its category."""
    out = [
        (
            "Notice deadline",
            "End date - notice period (contracts.notice_period_days; "
            f"{default_notice_days} days where not given). An auto-renewing (evergreen) "
            "contract not cancelled by then runs for its renewal term (365 days where not "
            f"given). Act now: deadline within {act_within_days} days (CIPS contract "
            "management).",
        ),
        (
            "High value",
            f"Annual value at or above the {quantile:.0%} quantile of the live contracts' "
            "annual values.",
        ),
        (
            "Coverage",
            f"Invoice spend in the window ({window_text}) placed on a PO under a contract or "
            "covered by a contract of the supplier for the category on the invoice date (the "
            "spend analysis' off-contract rule), as a share of the category's spend.",
        ),
        (
            "Leakage",
            "Paid price = invoiced amount / received quantity of single-line POs, else the PO "
            "price, in the reporting currency; compared with the supplier's contract price for "
            f"the item valid on the order date; lines more than {tolerance:.1%} above count; "
            "amount at stake = (paid - agreed) x quantity.",
        ),
        (
            "Index-linked target price",
            "FIDIC (2017) Red Book sub-clause 13.7 with one index: P = P0 x (a + (1 - a) x "
            f"I_now / I_base), fixed share a = {fixed_share:.0%}; P0 = the contract price (else "
            "the price a year ago), I_base = the category's price index at the contract start "
            "(else a year ago), I_now = its latest value. While a contract is live its agreed price "
            "caps the target (the index does not reopen an agreed price), and a target above the "
            "current price is capped at the current price (a target never asks for a higher "
            "price).",
        ),
        (
            "BATNA",
            "Best alternative to a negotiated agreement (Fisher & Ury 1981): the lowest mean "
            "price another supplier charged for the same item in the window (or a bid, when "
            "given).",
        ),
    ]
    if category_basis:  # how a line gets its category (spend.classification_basis)
        out.insert([k for k, _ in out].index("Coverage") + 1, ("Spend category", category_basis))
    return out


def negotiation_suppliers(calendar: pd.DataFrame, top: int = 5) -> list[str]:
    """Suppliers to prepare for: those with live contracts whose notice deadline is within a
    year, by annual value, most first (then the largest live contracts)."""
    live = calendar[calendar["status"].isin(["act now", "upcoming", *NOTICE_PASSED])]
    if live.empty:
        live = calendar[calendar["status"] != "expired"]
    by = live.groupby("supplier_id")["annual_value"].sum().sort_values(ascending=False)
    return [str(s) for s in by.index[:top]]


def deadlines_by_month(calendar: pd.DataFrame, months: int = 12) -> pd.DataFrame:
    """Annual value of the contracts whose notice deadline falls in each of the next
    ``months`` months (from the month of the earliest open deadline): month, annual_value."""
    open_ = calendar[calendar["days_to_deadline"] >= 0]
    if open_.empty:
        return pd.DataFrame({"month": [], "annual_value": []})
    as_of = (open_["notice_deadline"] - pd.to_timedelta(open_["days_to_deadline"], unit="D")).min()
    periods = pd.period_range(pd.Timestamp(as_of), periods=months, freq="M")
    m = open_["notice_deadline"].dt.to_period("M")
    by = open_["annual_value"].groupby(m).sum().reindex(periods, fill_value=0.0)
    return pd.DataFrame(
        {"month": [p.strftime("%b %Y") for p in periods], "annual_value": by.values}
    )
