"""Spend analysis: currency conversion, supplier normalisation, classification, spend cube,
Pareto, tail and maverick spend, fragmentation (HHI), price variance and savings levers.

Input is an invoice-level (or PO-line) frame in canonical columns: ``supplier_id``,
``invoice_date``, ``amount`` and optionally ``currency``, ``category``, ``business_unit``,
``po_id``, ``description``, ``supplier_name``. Metrics whose inputs are absent are reported
as unavailable with the reason (see :func:`maverick_flags`), never as zeros.

References: Kraljic (1983) and the CIPS spend-analysis guidance for cube, Pareto and tail;
the U.S. DoJ/FTC Horizontal Merger Guidelines (2023) for the Herfindahl-Hirschman index
(HHI = sum of squared percentage shares; above 1,800 highly concentrated, below 1,000
unconcentrated).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from scmlib.core import measures as M
from scmlib.core.currency import to_reporting_currency  # noqa: F401  (re-exported)
from scmlib.core.frames import require_columns
from scmlib.core.names import LEGAL_SUFFIXES, normalise_name  # noqa: F401  (one rule set)
from scmlib.core.settings import Settings
from scmlib.errors import DataError, ParameterError

# --------------------------------------------------------------------------- supplier normalisation


def normalise_suppliers(
    raw: pd.Series,
    spend: pd.Series | None = None,
    threshold: float = 92.0,
    mapping: pd.DataFrame | None = None,
    preferred: set[str] | None = None,
    lines: pd.Series | None = None,
) -> pd.DataFrame:
    """Group raw supplier names into companies.

    ``raw`` holds one name per invoice line, or (with ``lines``, the number of invoice lines
    behind each entry) one per aggregated group, as the DuckDB engine passes it.

    1. ``mapping`` (columns ``raw_name``, ``canonical_name``) is applied first and wins;
    2. names equal after :func:`normalise_name` merge (method ``suffix/punctuation``);
    3. normalised names whose rapidfuzz ``token_sort_ratio`` is >= ``threshold`` merge
       (method ``fuzzy``), except when their digits differ ("Unit 2" vs "Unit 3") or their
       first words are less similar than the threshold ("Horizon Tech" vs "Orion Tech"); a
       group's representatives must match each other, so matches never chain.
    The canonical name of a group is a ``preferred`` (vendor-master) spelling when the group has
    one, else its cleanest spelling (no doubled spaces, not all capitals or all lower case), the
    most used one first, then the highest spend. Returns one row per raw name: raw_name,
    normalised, canonical_name, method, score, spend.
    """
    from rapidfuzz import fuzz, process

    if not 0 < threshold <= 100:
        raise ParameterError(f"fuzzy-match threshold must be in (0, 100], got {threshold!r}")
    df = pd.DataFrame(
        {
            "raw_name": pd.Series(raw).astype(str).to_numpy(),
            "spend": (spend if spend is not None else pd.Series(1.0, index=raw.index)).to_numpy(
                dtype=float
            ),
            "lines": (lines if lines is not None else pd.Series(1, index=raw.index)).to_numpy(
                dtype=float
            ),
        }
    )
    df = df.groupby("raw_name", as_index=False).agg(spend=("spend", "sum"), lines=("lines", "sum"))
    df["normalised"] = normalise_name(df["raw_name"]).to_numpy()
    # names equal once spaces are removed ("E.On" / "Eon") are the same company
    df["compact"] = df["normalised"].str.replace(" ", "", regex=False)
    df["normalised"] = df.groupby("compact")["normalised"].transform("first")
    norms = pd.Index(df["normalised"].unique())
    parent = np.arange(len(norms))

    def find(i):
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    if len(norms) > 1:
        scores = process.cdist(
            list(norms),
            list(norms),
            scorer=fuzz.token_sort_ratio,
            score_cutoff=threshold,
            workers=1,
        )
        ii, jj = np.nonzero(np.triu(scores, k=1))
        order = np.argsort(-scores[ii, jj], kind="stable")
        digits = pd.Series(norms).str.findall(r"\d+").map(tuple).to_numpy()
        first = pd.Series(norms).str.split(" ").str[0].to_numpy()
        for a, b in zip(ii[order], jj[order]):  # matched pairs only (few), best first
            ra, rb = find(a), find(b)
            if ra == rb or digits[a] != digits[b] or fuzz.ratio(first[a], first[b]) < threshold:
                continue  # numbers or the leading (distinctive) word differ: "Horizon" is not "Orion"
            # no chaining: the two groups' representatives must match each other too
            rep_score = fuzz.token_sort_ratio(norms[ra], norms[rb])
            if rep_score >= threshold:
                keep, drop = min(ra, rb), max(ra, rb)
                parent[drop] = keep
    roots = np.array([find(i) for i in range(len(norms))])
    group_of_norm = pd.Series(roots, index=norms)
    df["group"] = df["normalised"].map(group_of_norm).to_numpy()
    # canonical spelling: a vendor-master name when there is one, else the cleanest spelling
    # (no doubled spaces, not all capitals or all lower case), the most used (lines), then spend
    name = df["raw_name"]
    messy = (
        name.str.contains("  ", regex=False).astype(int)
        + (name.str.isupper() & (name.str.len() > 4)).astype(int)
        + name.str.islower().astype(int)
    )
    df["_rank_master"] = ~name.isin(set(preferred or ()))
    df["_messy"] = messy.to_numpy()
    best = (
        df.sort_values(
            ["group", "_rank_master", "_messy", "lines", "spend"],
            ascending=[True, True, True, False, False],
        )
        .drop_duplicates("group")
        .set_index("group")["raw_name"]
    )
    df["canonical_name"] = df["group"].map(best)
    canon_norm = df["canonical_name"].map(df.set_index("raw_name")["normalised"])
    moved = (df["canonical_name"] != df["raw_name"]).to_numpy()
    df["score"] = 100.0
    df.loc[moved, "score"] = [
        fuzz.token_sort_ratio(a, b) for a, b in zip(df.loc[moved, "normalised"], canon_norm[moved])
    ]  # merged names only
    same_norm = df.groupby("normalised")["raw_name"].transform("size") > 1
    df["method"] = np.where(
        df["canonical_name"] == df["raw_name"],
        "unchanged",
        np.where(df["score"] < 100, "fuzzy", np.where(same_norm, "suffix/punctuation", "fuzzy")),
    )
    if mapping is not None and len(mapping):
        need = {"raw_name", "canonical_name"}
        if not need <= set(mapping.columns):
            raise DataError(
                f"supplier mapping file needs columns {sorted(need)}, got {list(mapping.columns)}"
            )
        mp = mapping.dropna(subset=["raw_name"]).set_index("raw_name")["canonical_name"]
        hit = df["raw_name"].isin(mp.index)
        df.loc[hit, "canonical_name"] = df.loc[hit, "raw_name"].map(mp)
        df.loc[hit, "method"] = "mapping"
    return (
        df[["raw_name", "normalised", "canonical_name", "method", "score", "spend"]]
        .sort_values(["canonical_name", "spend"], ascending=[True, False])
        .reset_index(drop=True)
    )


# --------------------------------------------------------------------------- classification


def load_mapping(path: str | Path) -> pd.DataFrame:
    """Supplier mapping file (CSV with raw_name, canonical_name), path relative to the project root."""
    from scmlib.paths import resolve

    p = resolve(path)
    if not p.is_file():
        raise DataError(f"supplier mapping file not found: {p}")
    return pd.read_csv(p)


def load_rules(path: str | Path) -> pd.DataFrame:
    """Classification rules (CSV or YAML): columns ``keyword`` (regular expression, case-insensitive),
    ``category``, optional ``field`` (default ``description``); earlier rules win."""
    from scmlib.paths import resolve

    path = resolve(path)
    if not path.is_file():
        raise DataError(f"classification rules file not found: {path}")
    if path.suffix in (".yaml", ".yml"):
        import yaml

        rules = pd.DataFrame(yaml.safe_load(path.read_text(encoding="utf-8")) or [])
    else:
        rules = pd.read_csv(path)
    if not {"keyword", "category"} <= set(rules.columns):
        raise DataError(
            f"classification rules {path}: need columns keyword, category; got {list(rules.columns)}"
        )
    if "field" not in rules.columns:
        rules["field"] = "description"
    return rules


def classification_rules(settings: Settings) -> pd.DataFrame | None:
    """The keyword rules of the company setting ``spend.classification_rules`` (:func:`load_rules`;
    a relative path from the project root), or None when the setting is empty.

    Every report that classifies spend by category (spend analysis, category management,
    strategic sourcing, contract management, sustainable procurement) takes its rules from
    here, so a category's spend is one figure across them; a notebook parameter overrides the
    setting for one run (``settings.with_overrides(spend__classification_rules=...)``).

    >>> from scmlib.core.settings import load_settings
    >>> s = load_settings(None)
    >>> rules = classification_rules(s)
    >>> list(rules.columns[:2]), len(rules) > 0
    (['keyword', 'category'], True)
    >>> classification_rules(s.with_overrides(spend__classification_rules="")) is None
    True
    """
    path = settings["spend.classification_rules"]
    return load_rules(path) if str(path).strip() else None


def classification_basis(settings: Settings) -> str:
    """How a spend line gets its category, as one sentence for report appendices (the same
    sentence in every report that shows spend by category).

    >>> from scmlib.core.settings import load_settings
    >>> classification_basis(load_settings(None).with_overrides(spend__classification_rules=""))
    'The category recorded on the invoice line; lines without one are Unclassified (no keyword rules).'
    """
    path = str(settings["spend.classification_rules"]).strip()
    if not path:
        return (
            "The category recorded on the invoice line; lines without one are Unclassified "
            "(no keyword rules)."
        )
    return (
        "The category recorded on the invoice line or, where none is recorded, from the "
        f"company's keyword rules ({path}); lines neither recorded nor matched are Unclassified."
    )


def classify(
    df: pd.DataFrame, rules: pd.DataFrame, category: str = "category"
) -> tuple[pd.Series, pd.DataFrame]:
    """Fill missing categories from keyword rules; return (categories, coverage table).

    Coverage gives lines and spend classified in the source, by rules, and left
    unclassified ("Unclassified").
    """
    cat = (
        df[category].astype(object).copy()
        if category in df.columns
        else pd.Series(None, index=df.index, dtype=object)
    )
    source = cat.notna()
    by_rule = pd.Series(False, index=df.index)
    for field_name, grp in rules.groupby("field", sort=False):  # one pass per text field
        if field_name not in df.columns:
            continue
        text = df[field_name].astype("string").fillna("")
        for kw, c in zip(grp["keyword"], grp["category"]):  # rules are few (tens)
            hit = (
                cat.isna()
                & text.str.contains(str(kw), case=False, regex=True).fillna(False).to_numpy()
            )
            cat[hit] = c
            by_rule |= hit
    cat = cat.fillna("Unclassified")
    amount = df["amount_rc"] if "amount_rc" in df.columns else df["amount"]
    cov = pd.DataFrame(
        {
            "status": ["classified in source", "classified by rules", "unclassified"],
            "lines": [int(source.sum()), int(by_rule.sum()), int((~source & ~by_rule).sum())],
            "spend": [
                float(amount[source].sum()),
                float(amount[by_rule].sum()),
                float(amount[~source & ~by_rule].sum()),
            ],
        }
    )
    cov["spend_share"] = cov["spend"] / cov["spend"].sum() if cov["spend"].sum() else 0.0
    return cat, cov


# --------------------------------------------------------------------------- cube, Pareto, tail, fragmentation


def spend_cube(
    df: pd.DataFrame,
    dims: Sequence[str] = ("supplier", "category", "business_unit", "period"),
    amount: str = "amount_rc",
) -> pd.DataFrame:
    """Spend and line count per combination of ``dims`` (dimensions absent from ``df`` are skipped)."""
    dims = [d for d in dims if d in df.columns]
    g = df.groupby(dims, observed=True, dropna=False)
    return (
        g.agg(spend=(amount, "sum"), lines=(amount, "size"))
        .reset_index()
        .sort_values("spend", ascending=False)
        .reset_index(drop=True)
    )


def pareto(spend_by: pd.Series, cutoff: float = 0.8) -> pd.DataFrame:
    """Entities sorted by spend with cumulative share; ``in_pareto`` marks those that together
    make ``cutoff`` of spend (the one crossing the cut-off included)."""
    s = spend_by.sort_values(ascending=False)
    total = s.sum()
    out = pd.DataFrame({"spend": s})
    out["share"] = s / total if total else 0.0
    out["cum_share"] = out["share"].cumsum()
    out["rank"] = np.arange(1, len(s) + 1)
    out["in_pareto"] = (out["cum_share"] - out["share"]) < cutoff
    return out.reset_index()


def tail_spend(spend_by: pd.Series, mode: str = "share", value: float = 0.2) -> pd.DataFrame:
    """Tail suppliers: ``mode='share'``: those making the bottom ``value`` share of spend
    (cumulative share from the top above 1 - value); ``mode='threshold'``: those with
    spend below ``value``."""
    p = pareto(spend_by)
    if mode == "share":
        if not 0 < value < 1:
            raise ParameterError(f"tail share must be between 0 and 1, got {value!r}")
        p["tail"] = (p["cum_share"] - p["share"]) >= 1 - value
    elif mode == "threshold":
        if value <= 0:
            raise ParameterError(f"tail threshold must be > 0, got {value!r}")
        p["tail"] = p["spend"] < value
    else:
        raise ParameterError(f"tail mode must be 'share' or 'threshold', got {mode!r}")
    return p


def fragmentation(
    df: pd.DataFrame,
    category: str = "category",
    supplier: str = "supplier",
    amount: str = "amount_rc",
) -> pd.DataFrame:
    """Per category: supplier count, HHI (sum of squared % shares, 0-10,000), top supplier share."""
    s = df.groupby([category, supplier], observed=True)[amount].sum()
    s = s[s > 0]
    tot = s.groupby(level=0, observed=True).transform("sum")
    share = s / tot
    out = pd.DataFrame(
        {
            "spend": s.groupby(level=0, observed=True).sum(),
            "suppliers": s.groupby(level=0, observed=True).size(),
            "hhi": (10_000 * share**2).groupby(level=0, observed=True).sum(),
            "top_share": share.groupby(level=0, observed=True).max(),
        }
    )
    out["concentration"] = np.where(
        out["hhi"] > 1800,
        "highly concentrated",
        np.where(out["hhi"] >= 1000, "moderately concentrated", "fragmented"),
    )
    return (
        out.reset_index()
        .rename(columns={category: "category"})
        .sort_values("spend", ascending=False)
        .reset_index(drop=True)
    )


# --------------------------------------------------------------------------- maverick and off-contract


def maverick_flags(
    inv: pd.DataFrame, pos: pd.DataFrame | None, contracts: pd.DataFrame | None
) -> tuple[pd.DataFrame, dict[str, str]]:
    """Maverick and off-contract flags per invoice line, and the rules that cannot be evaluated.

    - ``no_po``: the invoice has no purchase order (needs ``po_id``);
    - ``po_after_invoice``: the PO was raised after the invoice date (needs PO lines);
    - ``off_contract``: neither placed on a PO under a contract, nor covered by a contract of
      the supplier for the category on the invoice date (needs contracts);
    - ``maverick``: any of the evaluable flags.
    Returns (flags frame, {rule: reason it is not available}).
    """
    flags = pd.DataFrame(index=inv.index)
    unavailable: dict[str, str] = {}
    if "po_id" in inv.columns and inv["po_id"].notna().any():
        flags["no_po"] = inv["po_id"].isna()
        if pos is not None and len(pos):
            first = pos.groupby("po_id")["order_date"].min()
            po_date = inv["po_id"].map(first)
            flags["po_after_invoice"] = (po_date > inv["invoice_date"]).fillna(False)
        else:
            unavailable["po_after_invoice"] = "no purchase_order_lines table: PO dates unknown"
    else:
        unavailable["no_po"] = "the invoices have no po_id column (or it is empty)"
        unavailable["po_after_invoice"] = "the invoices have no po_id column (or it is empty)"
    if contracts is not None and len(contracts) and "category" in inv.columns:
        from scmlib.procurement.contracts import current_terms

        # an auto-renewing contract covers the invoices of its renewed terms too
        c = current_terms(contracts, inv["invoice_date"].max())
        c = c[["supplier_id", "category", "start_date", "end_date"]]
        j = (
            inv[["supplier_id", "category", "invoice_date"]]
            .reset_index()
            .merge(c, on=["supplier_id", "category"], how="left")
        )
        j["covered"] = (j["invoice_date"] >= j["start_date"]) & (j["invoice_date"] <= j["end_date"])
        covered = j.groupby("index")["covered"].any().reindex(inv.index, fill_value=False)
        if pos is not None and "contract_id" in pos.columns and "po_id" in inv.columns:
            po_contract = (
                pos.dropna(subset=["contract_id"])
                .drop_duplicates("po_id")
                .set_index("po_id")["contract_id"]
            )
            covered |= inv["po_id"].isin(po_contract.index)
        flags["off_contract"] = ~covered
    else:
        unavailable["off_contract"] = (
            "no contracts table (or no category column): contract coverage unknown"
        )
    cols = [c for c in ("no_po", "po_after_invoice", "off_contract") if c in flags.columns]
    flags["maverick"] = flags[cols].any(axis=1) if cols else False
    if not cols:
        flags["maverick"] = np.nan
    return flags, unavailable


# --------------------------------------------------------------------------- prices and savings


def price_variance(
    lines: pd.DataFrame,
    key: str = "item_id",
    supplier: str = "supplier",
    price: str = "unit_price_rc",
    qty: str = "ordered_qty",
    benchmark: str = "best",
) -> pd.DataFrame:
    """Price spread for the same item across suppliers and the harmonisation saving.

    Benchmark price per item: ``best`` = the lowest supplier average price, or ``median`` =
    the median line price. Saving = sum over lines of max(price - benchmark, 0) x quantity, for
    items bought from two or more suppliers (an item with one supplier has no price to
    harmonise to: its saving is 0, whatever its price moved).
    """
    if benchmark not in ("best", "median"):
        raise ParameterError(f"benchmark must be 'best' or 'median', got {benchmark!r}")
    d = lines.dropna(subset=[key])
    if d.empty:
        return pd.DataFrame(
            columns=[
                key,
                "suppliers",
                "lines",
                "min_price",
                "max_price",
                "benchmark_price",
                "spread",
                "saving",
            ]
        )
    avg = (d[price] * d[qty]).groupby([d[key], d[supplier]]).sum() / d.groupby([key, supplier])[
        qty
    ].sum()
    bench = avg.groupby(level=0).min() if benchmark == "best" else d.groupby(key)[price].median()
    b = d[key].map(bench)
    d = d.assign(_saving=np.clip(d[price] - b, 0, None) * d[qty])
    g = d.groupby(key)
    out = pd.DataFrame(
        {
            "suppliers": g[supplier].nunique(),
            "lines": g[price].size(),
            "min_price": g[price].min(),
            "max_price": g[price].max(),
            "benchmark_price": bench,
            "saving": g["_saving"].sum(),
        }
    )
    # harmonisation is across suppliers: one supplier's price moving over time is no saving
    out["saving"] = out["saving"].where(out["suppliers"] >= 2, 0.0)
    out["spread"] = out["max_price"] / out["min_price"].where(out["min_price"] > 0) - 1
    return out.reset_index().sort_values("saving", ascending=False).reset_index(drop=True)


def savings_opportunities(
    frag: pd.DataFrame,
    tail_total: float,
    maverick_total: float | None,
    harmonisation: float | None,
    rates: Mapping[str, float],
    min_suppliers: int = 5,
) -> pd.DataFrame:
    """Savings levers with their assumption shown, ranked by estimated saving.

    - consolidation: spend of fragmented categories (HHI < 1,000 and at least ``min_suppliers``
      suppliers) x ``rates['consolidation']``;
    - tail: tail spend x ``rates['tail']`` (catalogue / aggregator buying);
    - compliance: maverick spend x ``rates['compliance']`` (bring on contract);
    - price harmonisation: harmonisation saving x ``rates['price_harmonisation']`` (share captured).
    Levers whose inputs are unavailable are listed with the reason and no amount.
    """
    rows = []
    frag_cats = frag[(frag["hhi"] < 1000) & (frag["suppliers"] >= min_suppliers)]
    for _, r in frag_cats.iterrows():  # one row per fragmented category (tens)
        rows.append(
            {
                "lever": "consolidation",
                "scope": str(r["category"]),
                "addressable_spend": r["spend"],
                "rate": rates["consolidation"],
                "basis": f"{int(r['suppliers'])} suppliers, HHI {r['hhi']:,.0f}",
            }
        )
    rows.append(
        {
            "lever": "tail spend",
            "scope": "tail suppliers",
            "addressable_spend": tail_total,
            "rate": rates["tail"],
            "basis": "catalogue / aggregator buying",
        }
    )
    if maverick_total is not None:
        rows.append(
            {
                "lever": "compliance",
                "scope": "maverick spend",
                "addressable_spend": maverick_total,
                "rate": rates["compliance"],
                "basis": "bring spend on PO and contract",
            }
        )
    else:
        rows.append(
            {
                "lever": "compliance",
                "scope": "maverick spend",
                "addressable_spend": np.nan,
                "rate": rates["compliance"],
                "basis": "not available: no PO or contract data",
            }
        )
    if harmonisation is not None:
        rows.append(
            {
                "lever": "price harmonisation",
                "scope": "items bought at several prices",
                "addressable_spend": harmonisation,
                "rate": rates["price_harmonisation"],
                "basis": "gap to best price x quantity; share captured",
            }
        )
    else:
        rows.append(
            {
                "lever": "price harmonisation",
                "scope": "items",
                "addressable_spend": np.nan,
                "rate": rates["price_harmonisation"],
                "basis": "not available: no item-level PO prices",
            }
        )
    out = pd.DataFrame(rows)
    out["estimated_saving"] = out["addressable_spend"] * out["rate"]
    return out.sort_values("estimated_saving", ascending=False, na_position="last").reset_index(
        drop=True
    )


def seasonality(monthly: pd.DataFrame, date: str = "period", value: str = "spend") -> pd.DataFrame:
    """Seasonal index per calendar month: mean spend of that month / mean monthly spend."""
    m = monthly.assign(month=monthly[date].dt.month)
    idx = m.groupby("month")[value].mean() / m[value].mean()
    return idx.rename("seasonal_index").reset_index()


def prepare_spend(
    invoices: pd.DataFrame,
    suppliers: pd.DataFrame | None = None,
    rates: pd.DataFrame | None = None,
    reporting_currency: str = "USD",
    start: str | None = None,
    end: str | None = None,
    exclude: Mapping[str, Sequence] | None = None,
    rules: pd.DataFrame | None = None,
    fuzzy_threshold: float = 92.0,
    mapping: pd.DataFrame | None = None,
    category: str = "category",
    rate_policy: str = "monthly",
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Invoice lines ready for analysis: filtered, converted, suppliers normalised, classified.

    Amounts are converted under the company exchange-rate policy ``rate_policy`` (see
    :func:`scmlib.core.currency.to_reporting_currency`).

    Returns (lines, normalisation table, classification coverage). ``lines`` gains
    ``amount_rc`` (reporting currency), ``raw_supplier`` (vendor-master or invoice name),
    ``supplier`` (normalised company), ``category`` (source or rules, else "Unclassified"),
    ``period`` (month start). ``exclude`` maps a column to values to drop (e.g. grants).
    """
    require_columns(invoices, ["supplier_id", "invoice_date", "amount"], "spend analysis: invoices")
    df = invoices
    for col, values in (exclude or {}).items():
        if col not in df.columns:
            raise DataError(
                f"table 'invoices': exclude names column '{col}' that the data does not have; columns: {list(df.columns)[:15]}"
            )
        df = df[~df[col].isin(list(values))]
    if start:
        df = df[df["invoice_date"] >= pd.Timestamp(start)]
    if end:
        df = df[df["invoice_date"] <= pd.Timestamp(end)]
    if df.empty:
        raise DataError(
            "table 'invoices': no invoice lines left in the chosen period and filters; widen period_start/period_end or exclude"
        )
    df = df.copy()
    df["amount_rc"] = to_reporting_currency(df, rates, reporting_currency, policy=rate_policy)
    if suppliers is not None and len(suppliers):
        df["raw_supplier"] = (
            df["supplier_id"]
            .map(suppliers.set_index("supplier_id")["name"])
            .fillna(df["supplier_id"])
        )
    elif "supplier_name" in df.columns and df["supplier_name"].notna().any():
        df["raw_supplier"] = df["supplier_name"].fillna(df["supplier_id"])
    else:
        df["raw_supplier"] = df["supplier_id"]
    norm = normalise_suppliers(df["raw_supplier"], df["amount_rc"], fuzzy_threshold, mapping)
    df["supplier"] = df["raw_supplier"].map(norm.set_index("raw_name")["canonical_name"])
    if category != "category" and category in df.columns:
        df["category"] = df[category]
    if rules is not None:
        df["category"], coverage = classify(df, rules)
    else:
        df["category"], coverage = classify(
            df, pd.DataFrame(columns=["keyword", "category", "field"])
        )
    if "business_unit" not in df.columns:
        df["business_unit"] = "(all)"
    df["business_unit"] = df["business_unit"].fillna("(unassigned)")
    df["period"] = df["invoice_date"].dt.to_period("M").dt.start_time
    for col in ("supplier", "category", "business_unit"):
        df[col] = df[col].astype("category")
    return df, norm, coverage


LEVER_ORDER = (
    "compliance",
    "tail spend",
    "consolidation",
)  # precedence: a spend line counts in the first that applies


def savings_by_lever(
    lines: pd.DataFrame,
    tail_suppliers: Sequence[str],
    frag: pd.DataFrame,
    rates: Mapping[str, float],
    start: pd.Timestamp,
    end: pd.Timestamp,
    harmonisation: float | None = None,
    spread: float = 0.5,
    min_suppliers: int = 5,
    unclassified: str = "Unclassified",
) -> tuple[pd.DataFrame, dict[str, float]]:
    """Savings levers on an annual baseline, each spend dollar in at most one lever.

    The baseline is the invoice lines dated in [``start``, ``end``] (the company window, normally
    the last 12 complete months), annualised by 12 / months when the window is shorter. Every line
    is assigned to the first lever that applies, in the documented precedence
    :data:`LEVER_ORDER`: compliance (maverick: no PO, PO after the invoice, off contract), then
    tail spend (a tail supplier), then consolidation (a fragmented category: HHI below 1,000 and
    at least ``min_suppliers`` suppliers). Unclassified spend is never a lever: it is returned as
    a classification gap. Each lever's saving is a range: addressable spend x rate x (1 -
    ``spread``) to x (1 + ``spread``), with the point estimate at the rate. Price harmonisation
    (the PO price gap between suppliers of the same item, ``harmonisation``, already annual) is
    added as its own row, labelled as a price gap rather than addressable spend.

    Returns (levers: lever, scope, addressable_spend, rate, low, estimated_saving, high, basis;
    findings: annual baseline, months, classification gap).
    """
    w = lines[
        (lines["invoice_date"] >= start) & (lines["invoice_date"] < end + pd.Timedelta(days=1))
    ]
    months = window_months(start, end)
    frag_cats = fragmented_categories(frag, min_suppliers, unclassified)
    cat = w["category"].astype(str)
    gap = (cat == unclassified).to_numpy()
    maverick = (
        w["maverick"].fillna(False).astype(bool).to_numpy()
        if "maverick" in w.columns
        else np.zeros(len(w), bool)
    )
    tail = w["supplier"].astype(str).isin(set(map(str, tail_suppliers))).to_numpy()
    fragmented = cat.isin(frag_cats).to_numpy()
    lever = np.select(
        [gap, maverick, tail, fragmented],
        ["gap", "compliance", "tail spend", "consolidation"],
        default="",
    )
    amount = w["amount_rc"].to_numpy(dtype=float)
    frame = pd.DataFrame({"lever": lever, "category": cat.to_numpy(), "amount": amount})
    totals = frame.groupby(["lever", "category"], as_index=False)["amount"].sum()
    return levers_from_totals(totals, rates, months, harmonisation, spread)


def levers_from_totals(
    totals: pd.DataFrame,
    rates: Mapping[str, float],
    months: int,
    harmonisation: float | None = None,
    spread: float = 0.5,
) -> tuple[pd.DataFrame, dict[str, float]]:
    """The savings table of :func:`savings_by_lever` from window spend per lever and category.

    ``totals`` has columns lever (``gap``, ``compliance``, ``tail spend``, ``consolidation`` or
    empty for spend in no lever), category, amount (the window's spend, not yet annualised);
    ``months`` is the window length. Shared by the pandas and DuckDB engines.
    """
    factor = 12 / months
    frame = totals.assign(amount=totals["amount"].to_numpy(dtype=float) * factor)
    amount = frame["amount"].to_numpy()
    gap = (frame["lever"] == "gap").to_numpy()
    rate_key = {"compliance": "compliance", "tail spend": "tail", "consolidation": "consolidation"}
    rows = []
    for name in LEVER_ORDER:
        part = frame[frame["lever"] == name]
        if name == "consolidation":
            groups = part.groupby("category")["amount"].sum().sort_values(ascending=False)
            for category, spend in groups.items():
                rows.append(
                    {
                        "lever": name,
                        "scope": category,
                        "addressable_spend": spend,
                        "rate": rates[rate_key[name]],
                        "basis": "fragmented category, after compliance and tail lines",
                    }
                )
        elif len(part):
            basis = (
                "maverick lines (no PO, late PO, off contract)"
                if name == "compliance"
                else "tail suppliers' lines, after compliance"
            )
            rows.append(
                {
                    "lever": name,
                    "scope": "all categories",
                    "addressable_spend": part["amount"].sum(),
                    "rate": rates[rate_key[name]],
                    "basis": basis,
                }
            )
    out = pd.DataFrame(rows, columns=["lever", "scope", "addressable_spend", "rate", "basis"])
    if harmonisation is not None:
        out = pd.concat(
            [
                out,
                pd.DataFrame(
                    [
                        {
                            "lever": "price harmonisation",
                            "scope": "items bought from several suppliers",
                            "addressable_spend": np.nan,
                            "rate": rates["price_harmonisation"],
                            "basis": "share of the PO price gap to the best supplier captured",
                        }
                    ]
                ),
            ],
            ignore_index=True,
        )
    point = out["addressable_spend"] * out["rate"]
    if harmonisation is not None:
        point = point.where(
            out["lever"] != "price harmonisation", harmonisation * rates["price_harmonisation"]
        )
    out["estimated_saving"] = point
    out["low"] = point * (1 - spread)
    out["high"] = point * (1 + spread)
    out = out[
        ["lever", "scope", "addressable_spend", "rate", "low", "estimated_saving", "high", "basis"]
    ]
    findings = {
        "annual_baseline": float(amount.sum()),
        "months": float(months),
        "classification_gap": float(amount[gap].sum()),
    }
    return out.sort_values("estimated_saving", ascending=False, na_position="last").reset_index(
        drop=True
    ), findings


def window_months(start: pd.Timestamp, end: pd.Timestamp) -> int:
    """Calendar months the window [``start``, ``end``] touches (at least 1)."""
    return max(1, (end.to_period("M") - start.to_period("M")).n + 1)


def fragmented_categories(
    frag: pd.DataFrame, min_suppliers: int = 5, unclassified: str = "Unclassified"
) -> set[str]:
    """Categories open to consolidation: HHI below 1,000 and at least ``min_suppliers`` suppliers
    (U.S. DoJ/FTC Merger Guidelines 2023: below 1,000 is unconcentrated); never the unclassified
    bucket, which is a classification gap."""
    ok = (frag["hhi"] < 1000) & (frag["suppliers"] >= min_suppliers)
    return set(frag.loc[ok, "category"].astype(str)) - {unclassified}


def partial_months_from_daily(daily: pd.DataFrame) -> set[pd.Timestamp]:
    """:func:`scmlib.core.calendar.partial_months` from daily totals (invoice_date, lines): the
    same months as from the lines themselves, without holding one date per line."""
    d = daily[daily["lines"] > 0]
    if d.empty:
        return set()
    first, last = d["invoice_date"].min().normalize(), d["invoice_date"].max().normalize()
    counts = d.groupby(d["invoice_date"].dt.to_period("M"))["lines"].sum().sort_index()
    out = set()
    if len(counts) >= 4:
        thin = counts < 0.5 * counts.median()
        if thin.iloc[0]:
            out.add(counts.index[0].start_time)
        if thin.iloc[-1]:
            out.add(counts.index[-1].start_time)
    if first.day > 3:
        out.add(first.to_period("M").start_time)
    if (last + pd.offsets.MonthEnd(0)).normalize() - last > pd.Timedelta(days=3):
        out.add(last.to_period("M").start_time)
    return out


@dataclass
class SpendAnalysis:
    """Every table the spend report shows, the same from either engine (``pandas``, ``duckdb``).

    cube: supplier, category, business_unit, period, spend, lines; daily: invoice_date, spend,
    lines; pareto / tail: :func:`pareto` / :func:`tail_spend` by supplier; frag:
    :func:`fragmentation`; maverick_by_unit: business_unit, one column per evaluable flag, total,
    maverick_share (None when no rule can be evaluated); savings / savings_base:
    :func:`savings_by_lever`.
    """

    engine: str
    cube: pd.DataFrame
    daily: pd.DataFrame
    norm: pd.DataFrame
    coverage: pd.DataFrame
    pareto: pd.DataFrame
    tail: pd.DataFrame
    frag: pd.DataFrame
    maverick_by_unit: pd.DataFrame | None
    unavailable: dict[str, str]
    savings: pd.DataFrame
    savings_base: dict[str, float]
    window: tuple[pd.Timestamp, pd.Timestamp]
    spend_figure: object
    price_variance: pd.DataFrame | None = None
    flags: list[str] = field(default_factory=list)

    def headline_figures(self, settings: Settings) -> list:
        """The figures every spend report shows the same way: spend (``spend_figure``,
        :func:`scmlib.core.measures.spend_total`) and the suppliers with spend in the same
        window (:func:`scmlib.core.measures.spend_suppliers` on the cube's months)."""
        cube = self.cube.rename(columns={"period": "invoice_date", "spend": "amount_rc"})
        suppliers = M.spend_suppliers(cube, settings, window=self.window)
        return [self.spend_figure, dataclasses.replace(suppliers, basis=self.spend_figure.basis)]

    @property
    def total(self) -> float:
        return float(self.cube["spend"].sum())

    @property
    def n_lines(self) -> int:
        return int(self.cube["lines"].sum())

    @property
    def period(self) -> tuple[pd.Timestamp, pd.Timestamp]:
        return self.daily["invoice_date"].min(), self.daily["invoice_date"].max()

    @property
    def maverick_total(self) -> float | None:
        m = self.maverick_by_unit
        has = m is not None and ("no_po" in self.flags or "off_contract" in self.flags)
        return float(m["maverick"].sum()) if has else None

    @property
    def on_contract_share(self) -> float | None:
        m = self.maverick_by_unit
        if m is None or "off_contract" not in m.columns:
            return None
        return float(1 - m["off_contract"].sum() / self.total) if self.total else None

    def monthly(self) -> tuple[pd.DataFrame, set[pd.Timestamp]]:
        """Monthly spend of the complete months, and the partial months left out."""
        partial = partial_months_from_daily(self.daily)
        m = self.cube.groupby("period", as_index=False)["spend"].sum()
        return m[~m["period"].isin(partial)].reset_index(drop=True), partial

    def by_category(self) -> pd.DataFrame:
        """Spend per category, largest first."""
        c = self.cube.groupby("category", observed=True, as_index=False)["spend"].sum()
        return c.sort_values("spend", ascending=False).reset_index(drop=True)

    def category_by_unit(self, units: int = 5, categories: int = 12) -> pd.DataFrame:
        """Spend of the largest ``categories`` (rows) by the ``units`` largest business units
        (columns, the others summed as "other units")."""
        cube = self.cube
        top = cube.groupby("business_unit", observed=True)["spend"].sum().nlargest(units).index
        bu = cube["business_unit"].astype(str).where(cube["business_unit"].isin(top), "other units")
        t = cube.assign(business_unit=bu).pivot_table(
            index="category", columns="business_unit", values="spend", aggfunc="sum", observed=True
        )
        t = t.fillna(0).loc[self.by_category()["category"].head(categories).astype(str)]
        t.columns.name = None
        return t.reset_index()

    def tail_by_category(self) -> pd.DataFrame:
        """Tail suppliers' spend per category: suppliers, lines, spend, largest first."""
        tail_sup = set(self.tail.loc[self.tail["tail"], "supplier"].astype(str))
        c = self.cube[self.cube["supplier"].astype(str).isin(tail_sup)]
        g = c.groupby("category", observed=True).agg(
            suppliers=("supplier", "nunique"), lines=("lines", "sum"), spend=("spend", "sum")
        )
        return g.reset_index().sort_values("spend", ascending=False).reset_index(drop=True)

    def top_suppliers(
        self, category: str = "(all)", business_unit: str = "(all)", n: int = 10
    ) -> tuple[pd.DataFrame, float]:
        """The ``n`` largest suppliers in a category and business unit ("(all)": any), and the
        selection's total spend."""
        c = self.cube
        keep = np.ones(len(c), bool)
        if category != "(all)":
            keep &= (c["category"].astype(str) == category).to_numpy()
        if business_unit != "(all)":
            keep &= (c["business_unit"].astype(str) == business_unit).to_numpy()
        sel = c[keep]
        top = sel.groupby("supplier", observed=True)["spend"].sum().nlargest(n).reset_index()
        return top, float(sel["spend"].sum())

    def merged_names(self) -> pd.DataFrame:
        """Raw supplier names merged into another company name, largest spend first."""
        m = self.norm[self.norm["method"] != "unchanged"]
        return m.sort_values("spend", ascending=False).reset_index(drop=True)


def maverick_by_unit(lines: pd.DataFrame, flags: Sequence[str]) -> pd.DataFrame | None:
    """Spend per business unit flagged by each maverick rule (lines with the flag True), the
    unit's total spend and the maverick share; None when no rule could be evaluated."""
    if not flags:
        return None
    amount = lines["amount_rc"].to_numpy(dtype=float)
    parts = {c: np.where(lines[c].fillna(False).astype(bool), amount, 0.0) for c in flags}
    frame = pd.DataFrame({"business_unit": lines["business_unit"], **parts, "total": amount})
    out = frame.groupby("business_unit", observed=True, as_index=False).sum()
    out["maverick_share"] = out["maverick"] / out["total"]
    return out


def price_variance_for(
    pos: pd.DataFrame | None,
    supplier_of: Mapping[str, str],
    rates: pd.DataFrame | None,
    reporting_currency: str,
    policy: str,
    window: tuple[pd.Timestamp, pd.Timestamp],
) -> tuple[pd.DataFrame | None, float | None]:
    """Price variance over all PO lines with an item (:func:`price_variance`) and the
    harmonisation saving of the window's PO lines (a year, like the other levers); (None, None)
    without item-level PO prices. ``supplier_of`` maps supplier_id to the normalised company."""
    if pos is None or "item_id" not in pos.columns or not pos["item_id"].notna().any():
        return None, None
    po = pos.dropna(subset=["item_id"]).assign(
        amount=lambda d: d["unit_price"], invoice_date=lambda d: d["order_date"]
    )
    po["unit_price_rc"] = to_reporting_currency(po, rates, reporting_currency, policy=policy)
    po["supplier"] = po["supplier_id"].map(supplier_of).fillna(po["supplier_id"])
    pv = price_variance(po)
    in_window = po["order_date"].between(window[0], window[1])
    return pv, float(price_variance(po[in_window])["saving"].sum())


def analyse_lines(
    lines: pd.DataFrame,
    norm: pd.DataFrame,
    coverage: pd.DataFrame,
    pos: pd.DataFrame | None,
    contracts: pd.DataFrame | None,
    settings: Settings,
    rates: pd.DataFrame | None = None,
    pareto_cutoff: float = 0.8,
    tail_mode: str = "share",
    tail_value: float = 0.2,
    savings_rates: Mapping[str, float] | None = None,
) -> SpendAnalysis:
    """The whole spend analysis on prepared invoice lines (:func:`prepare_spend`), in pandas.

    Maverick flags (:func:`maverick_flags`), cube, Pareto and tail by supplier, fragmentation,
    price variance and the savings levers over the company reporting window
    (:func:`scmlib.core.measures.reporting_window`). :func:`scmlib.procurement.spend_sql.
    analyse_parquet` returns the same result from Parquet files through DuckDB.
    """
    rates_by_lever = dict(savings_rates or DEFAULT_SAVINGS_RATES)
    flags, unavailable = maverick_flags(lines, pos, contracts)
    lines = lines.join(flags)
    evaluable = [
        c
        for c in ("no_po", "po_after_invoice", "off_contract", "maverick")
        if c in flags and flags[c].notna().any()
    ]
    by_supplier = lines.groupby("supplier", observed=True)["amount_rc"].sum()
    tail = tail_spend(by_supplier, tail_mode, tail_value)
    frag = fragmentation(lines)
    w_start, w_end = M.reporting_window(lines["invoice_date"], settings)
    currency = settings["currency.reporting"]
    supplier_of = lines.drop_duplicates("supplier_id").set_index("supplier_id")["supplier"]
    pv, harmonisation = price_variance_for(
        pos,
        supplier_of.astype(str),
        rates,
        currency,
        settings["currency.rate_policy"],
        (w_start, w_end),
    )
    savings, base = savings_by_lever(
        lines,
        tail.loc[tail["tail"], "supplier"],
        frag,
        rates_by_lever,
        w_start,
        w_end,
        harmonisation=harmonisation,
    )
    daily = lines.groupby("invoice_date", as_index=False).agg(
        spend=("amount_rc", "sum"), lines=("amount_rc", "size")
    )
    return SpendAnalysis(
        engine="pandas",
        cube=spend_cube(lines),
        daily=daily,
        norm=norm,
        coverage=coverage,
        pareto=pareto(by_supplier, pareto_cutoff),
        tail=tail,
        frag=frag,
        maverick_by_unit=maverick_by_unit(lines, evaluable),
        unavailable=unavailable,
        savings=savings,
        savings_base=base,
        window=(w_start, w_end),
        spend_figure=M.spend_total(lines, settings),
        price_variance=pv,
        flags=evaluable,
    )


DEFAULT_SAVINGS_RATES = {
    "consolidation": 0.05,
    "tail": 0.08,
    "compliance": 0.04,
    "price_harmonisation": 0.5,
}


def summary_lines(
    a: SpendAnalysis,
    window_months: int,
    pareto_cutoff: float,
    tail_mode: str,
    tail_value: float,
    money: Callable[[float], str],
    pct: Callable[[float], str],
) -> list[str]:
    """The executive summary of the spend report, one sentence per finding.

    ``money`` and ``pct`` format an amount and a share (the report's formatters); every figure
    comes from ``a``, so the sentences reconcile with the tables.
    """
    fig, s, base = a.spend_figure, a.savings, a.savings_base
    par, tail = a.pareto, a.tail
    n_pareto = int(par["in_pareto"].sum())
    n_raw, n_merged = a.norm["raw_name"].nunique(), len(a.merged_names())
    out = [
        f"Spend in the last {window_months} complete months ({fig.window_text}): "
        f"{money(fig.value)}.",
        f"Over the whole analysis period: {money(a.total)} in {a.n_lines:,} invoice lines with "
        f"{len(par):,} suppliers (after normalising {n_raw:,} raw names; {n_merged:,} "
        f"spelling{'' if n_merged == 1 else 's'} merged).",
        f"{n_pareto:,} suppliers ({n_pareto / len(par):.0%}) make {pareto_cutoff:.0%} of spend; "
        f"{tail_text(tail, tail_mode, tail_value, money, pct)}.",
    ]
    mav = a.maverick_total
    if mav is not None:
        on = a.on_contract_share
        out.append(
            f"Over the whole analysis period ({a.period[0]:%b %Y} to {a.period[1]:%b %Y}, "
            "not the 12-month window of the contract report's coverage): "
            + (f"on-contract spend {pct(on)}; " if on is not None else "")
            + "maverick spend (no PO, PO after invoice or off contract) "
            f"{money(mav)} ({pct(mav / a.total)})."
        )
    else:
        why = "; ".join(sorted(set(a.unavailable.values())))
        out.append(f"Contract and PO compliance cannot be measured: {why}.")
    start, end = a.window
    annualised = f", {base['months']:.0f} months annualised" if base["months"] < 12 else ""
    if len(s) and s["estimated_saving"].notna().any():
        top = s.iloc[0]
        out.append(
            f"Savings of {money(s['low'].sum())} to {money(s['high'].sum())} a year (point "
            f"estimate {money(s['estimated_saving'].sum())}) on an annual baseline of "
            f"{money(base['annual_baseline'])} ({start:%b %Y} to {end:%b %Y}{annualised}), each "
            f"spend dollar in one lever; largest: {top['lever']} ({top['scope']}, "
            f"{money(top['estimated_saving'])})."
        )
    else:
        out.append("No savings lever applies to the window's spend.")
    if base["classification_gap"] > 0:
        out.append(
            f"Classification gap: {money(base['classification_gap'])} a year of spend has no "
            "category; classify it before it can be sourced (it is in no savings lever)."
        )
    cov = a.coverage.set_index("status")["spend_share"]
    n_frag = int((a.frag["concentration"] == "fragmented").sum())
    out.append(
        f"{n_frag:,} of {len(a.frag):,} categories are fragmented (HHI below 1,000); "
        f"classification covers {pct(1 - cov['unclassified'])} of spend "
        f"({pct(cov['classified by rules'])} by rules)."
    )
    return out


def tail_text(
    tail: pd.DataFrame,
    mode: str,
    value: float,
    money: Callable[[float], str],
    pct: Callable[[float], str],
) -> str:
    """The tail spend sentence, each figure with its definition: the rule (the threshold
    parameter) apart from the measured share, spend and supplier count (:func:`tail_spend`).

    >>> t = tail_spend(pd.Series({"A": 70.0, "B": 15.0, "C": 10.0, "D": 5.0}), "share", 0.2)
    >>> tail_text(t, "share", 0.2, lambda v: f"${v:,.0f}", lambda v: f"{v:.1%}")
    'tail (suppliers making up the last 20.0% of cumulative spend): 2 suppliers, $15, 15.0% of spend'
    """
    in_tail = tail[tail["tail"]]
    total = float(tail["spend"].sum())
    rule = (
        f"suppliers making up the last {pct(value)} of cumulative spend"
        if mode == "share"
        else f"suppliers with spend below {money(value)} each"
    )
    n = len(in_tail)
    spent = float(in_tail["spend"].sum())
    share = spent / total if total else 0.0
    return (
        f"tail ({rule}): {n:,} supplier{'' if n == 1 else 's'}, {money(spent)}, "
        f"{pct(share)} of spend"
    )


def savings_method_text(rates: Mapping[str, float], spread: float = 0.5) -> str:
    """The appendix's description of the savings estimate, as :func:`savings_by_lever` computes it."""
    shown = ", ".join(f"{k.replace('_', ' ')} {v:.0%}" for k, v in rates.items())
    return (
        "Annual baseline: the invoice lines of the company reporting window (the last 12 complete "
        "months; a shorter window is annualised by 12 / months). Each line counts in at most one "
        f"lever, the first that applies in the order {', '.join(LEVER_ORDER)}; unclassified "
        "spend is in no lever (a classification gap). Saving = addressable spend x the lever's "
        f"rate ({shown}); price harmonisation = the window's PO price gap to the best supplier x "
        f"its capture rate. Low and high = the point estimate x {1 - spread:g} and "
        f"x {1 + spread:g}."
    )


def months_text(months: set[pd.Timestamp] | Sequence[pd.Timestamp]) -> str:
    """Months as display text in date order: ``{2024-03-01, 2024-01-01} -> 'Jan 2024, Mar 2024'``."""
    return ", ".join(f"{pd.Timestamp(m):%b %Y}" for m in sorted(months))
