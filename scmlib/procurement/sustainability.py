"""Sustainable procurement: supplier sustainability ratings by theme, certificates and their expiry,
and spend-based Scope 3 category 1 emissions with hotspots and what-ifs.

Ratings follow the four themes of common supplier rating schemes (EcoVadis-style: environment,
labour and human rights, ethics, sustainable procurement; ISO 20400:2017 *Sustainable
procurement - Guidance*, clause 4 and 7: sustainability criteria in supplier evaluation), scored
0-100 and weighted into one score with weights the notebook takes as parameters.

Emissions follow the spend-based method of the GHG Protocol *Technical Guidance for Calculating
Scope 3 Emissions* (v1.0, 2013), category 1 (purchased goods and services), section 1.3:
emissions = spend on a good or service (purchaser price, in the factor's currency and year) x
the cradle-to-gate emission factor per unit of spend of the industry supplying it. Factors:
US EPA *Supply Chain Greenhouse Gas Emission Factors for US Industries and Commodities* v1.3
(NAICS-6, kg CO2e per 2022 USD, purchaser price, DOI 10.23719/1531143); "with margins" covers
cradle to point of sale (producer emissions plus transport, wholesale and retail margins), the
figure to use when spend is measured at purchaser price. Spend in another currency or year is
converted to USD at annual average rates and deflated to 2022 dollars with the US CPI-U
(``data/reference/``). Categories map to NAICS codes through a mapping table (data); a category
without a mapping is listed, never dropped silently.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import numpy as np
import pandas as pd

from scmlib.errors import DataError, ParameterError

THEMES = ("environment", "labour_human_rights", "ethics", "sustainable_procurement")
FACTOR_YEAR = 2022  # EPA v1.3 factors are per 2022 USD
EPA_FILE = "data/reference/SupplyChainGHGEmissionFactors_v1.3.0_NAICS_CO2e_USD2022.csv"
CPI_FILE = "data/reference/us_cpi_u_annual.csv"
RATES_FILE = "data/reference/usd_annual_rates.csv"


def _read(path: str, what: str, **kw) -> pd.DataFrame:
    from scmlib.paths import resolve

    p = resolve(path)
    if not p.exists():
        raise DataError(f"{what} file {path!r} not found; give a path relative to the project root")
    return pd.read_csv(p, **kw)


def load_cpi(path: str = CPI_FILE) -> pd.DataFrame:
    """The US CPI-U annual averages that deflate spend to the factor year (reference data)."""
    return _read(path, "CPI")


def load_usd_rates(path: str = RATES_FILE) -> pd.DataFrame:
    """Annual average USD rates per currency (reference data), for spend in other currencies."""
    return _read(path, "exchange-rate")


# --------------------------------------------------------------------------- reference data


def load_factors(path: str = EPA_FILE) -> pd.DataFrame:
    """The EPA v1.3 factors: ``naics_code`` (text, 6 digits), ``naics_title``,
    ``factor_without_margins``, ``margin``, ``factor_with_margins`` (kg CO2e per 2022 USD)."""
    f = _read(path, "emission factor", dtype={"2017 NAICS Code": str})
    cols = {
        "2017 NAICS Code": "naics_code",
        "2017 NAICS Title": "naics_title",
        "Supply Chain Emission Factors without Margins": "factor_without_margins",
        "Margins of Supply Chain Emission Factors": "margin",
        "Supply Chain Emission Factors with Margins": "factor_with_margins",
    }
    missing = [c for c in cols if c not in f.columns]
    if missing:
        raise DataError(
            f"emission factor file {path!r}: columns {missing} are missing; use the EPA v1.3 NAICS "
            "CSV (SupplyChainGHGEmissionFactors_v1.3.0_NAICS_CO2e_USD2022.csv)"
        )
    return f.rename(columns=cols)[list(cols.values())]


def load_mapping(path: str, factors: pd.DataFrame) -> pd.DataFrame:
    """Category -> NAICS mapping (``category, naics_code, scope, note``; scope ``in`` or ``out``:
    out-of-scope categories such as grants, taxes or capital goods carry no code). A category
    listed twice, a scope other than in/out, or an in-scope code missing from the factors is a
    :class:`DataError` naming the rows."""
    m = _read(path, "NAICS mapping", dtype=str, keep_default_na=False)
    need = {"category", "naics_code", "scope"}
    if not need <= set(m.columns):
        raise DataError(
            f"NAICS mapping file {path!r} needs columns {sorted(need)} (and optionally note), got "
            f"{list(m.columns)}"
        )
    if "note" not in m.columns:
        m["note"] = ""
    m["naics_code"] = m["naics_code"].str.strip()
    m["scope"] = m["scope"].str.strip().str.lower().replace("", "in")
    dup = m[m["category"].duplicated(keep=False)]["category"].unique()
    if len(dup):
        raise DataError(
            f"NAICS mapping file {path!r}: categories listed more than once, e.g. {list(dup[:3])}; "
            "keep one row per category"
        )
    bad = m[~m["scope"].isin(["in", "out"])]
    if len(bad):
        raise DataError(
            f"NAICS mapping file {path!r}, column 'scope': values {bad['scope'].unique()[:3].tolist()}"
            " (rows " + ", ".join(str(i + 2) for i in bad.index[:3]) + "); use in or out"
        )
    inscope = m[m["scope"] == "in"]
    unknown = inscope[~inscope["naics_code"].isin(factors["naics_code"])]
    if len(unknown):
        ex = unknown.head(3)
        raise DataError(
            f"NAICS mapping file {path!r}: codes not in the EPA factors, e.g. "
            + ", ".join(
                f"{c} ({k}, row {i + 2})"
                for i, c, k in zip(ex.index, ex["naics_code"], ex["category"])
            )
            + "; use a 2017 NAICS-6 code listed in the factor file"
        )
    return m[["category", "naics_code", "scope", "note"]]


def deflator(
    cpi: pd.DataFrame, years: Sequence[int], inflation_after: float = 0.025
) -> tuple[pd.Series, list[int]]:
    """Price index per year, published values where the table has them; years after the last one
    are extended at ``inflation_after`` a year, years before the first held at the first (returned
    as the second item, to be stated in the report). Returns (index by year, extrapolated
    years)."""
    if not 0 <= inflation_after <= 0.5:
        raise ParameterError(f"inflation_after must be in [0, 0.5], got {inflation_after!r}")
    s = cpi.set_index("year")["cpi_u"].astype(float).sort_index()
    out, guessed = {}, []
    last, first = int(s.index.max()), int(s.index.min())
    for y in sorted({int(v) for v in years} | {FACTOR_YEAR}):
        if y in s.index:
            out[y] = float(s[y])
        elif y > last:
            out[y] = float(s[last]) * (1 + inflation_after) ** (y - last)
            guessed.append(y)
        else:
            out[y] = float(s[first])
            guessed.append(y)
    return pd.Series(out), guessed


def to_factor_year_usd(
    amount: pd.Series,
    dates: pd.Series,
    currency: str,
    cpi: pd.DataFrame,
    usd_rates: pd.DataFrame | None = None,
    inflation_after: float = 0.025,
) -> tuple[pd.Series, pd.Series, list[str]]:
    """Spend in the reporting currency -> USD of its year -> USD of the factor year (2022).

    usd = amount x annual average USD per unit of ``currency`` for the year of the date (USD:
    1); usd_2022 = usd x CPI(2022) / CPI(year) (GHG Protocol Scope 3 technical guidance, 1.3:
    adjust spend to the currency and year of the factors for inflation). Returns (usd, usd in
    factor-year dollars, notes on extrapolated years or rates).

    Examples
    --------
    USD 1,000 spent in 2024 with CPI-U 313.689 (2024) and 292.655 (2022) is 1,000 x 292.655 /
    313.689 = 932.95 2022 dollars.

    >>> cpi = pd.DataFrame({"year": [2022, 2024], "cpi_u": [292.655, 313.689]})
    >>> usd, usd22, _ = to_factor_year_usd(pd.Series([1000.0]), pd.Series(pd.to_datetime(["2024-05-01"])), "USD", cpi)
    >>> round(float(usd22[0]), 2)
    932.95
    """
    years = dates.dt.year
    notes: list[str] = []
    if currency.upper() == "USD":
        usd = amount.astype(float)
    else:
        if usd_rates is None:
            raise DataError(
                f"spend is in {currency} but there is no table of annual USD rates; add "
                f"{currency} rows to {RATES_FILE}"
            )
        r = usd_rates[usd_rates["currency"].str.upper() == currency.upper()]
        if r.empty:
            raise DataError(
                f"{RATES_FILE}: no annual USD rate for {currency}; add rows currency,year,usd_per_unit"
            )
        r = r.set_index("year")["usd_per_unit"].astype(float).sort_index()
        wanted = sorted(years.dropna().unique().astype(int))
        missing = [y for y in wanted if y not in r.index]
        nearest = {y: float(r.iloc[np.argmin(np.abs(r.index.to_numpy() - y))]) for y in wanted}
        if missing:
            notes.append(
                f"USD per {currency} for {', '.join(map(str, missing))} not in the rate table: the "
                "nearest year's rate is used."
            )
        usd = amount.astype(float) * years.map(nearest).astype(float)
    index, guessed = deflator(cpi, years.dropna().unique().astype(int), inflation_after)
    if guessed:
        notes.append(
            f"CPI-U for {', '.join(map(str, guessed))} not yet published in the deflator table: "
            f"extended at {inflation_after:.1%} a year from the last published year."
        )
    usd_fy = usd * index[FACTOR_YEAR] / years.map(index).astype(float)
    return usd, usd_fy, notes


# --------------------------------------------------------------------------- emissions


def map_categories(
    categories: pd.Series, mapping: pd.DataFrame, factors: pd.DataFrame, default_naics: str = ""
) -> pd.DataFrame:
    """The NAICS code, factor and mapping status of each category value: ``mapped`` (in the
    table), ``out of scope`` (in the table with scope out), ``default`` (not in the table,
    ``default_naics`` applied) or ``unmapped`` (not in the table, no default: listed in the
    report and left out of the estimate)."""
    f = factors.set_index("naics_code")
    if default_naics and default_naics not in f.index:
        raise ParameterError(
            f"default_naics {default_naics!r} is not a NAICS-6 code in the EPA factors; use a "
            "code from the factor file or leave it empty"
        )
    cats = pd.Index(pd.Series(categories).astype(str).unique())
    m = mapping.set_index("category").reindex(cats)
    status = np.where(
        m["scope"].eq("out"),
        "out of scope",
        np.where(m["scope"].eq("in"), "mapped", "default" if default_naics else "unmapped"),
    )
    code = m["naics_code"].where(status == "mapped", default_naics if default_naics else None)
    code = pd.Series(np.where(status == "default", default_naics, code), index=cats)
    code = code.where(~np.isin(status, ["out of scope", "unmapped"]), None)
    out = pd.DataFrame(
        {
            "category": cats,
            "mapping": status,
            "naics_code": code.to_numpy(),
            "note": m["note"].fillna("").to_numpy(),
        }
    )
    out["naics_title"] = out["naics_code"].map(f["naics_title"])
    out["factor_with_margins"] = out["naics_code"].map(f["factor_with_margins"])
    out["factor_without_margins"] = out["naics_code"].map(f["factor_without_margins"])
    return out


def line_emissions(
    lines: pd.DataFrame, cat_map: pd.DataFrame, uncertainty: float = 0.5
) -> pd.DataFrame:
    """Emissions of each spend line: ``spend_usd_factor_year`` x the category's factor with
    margins (kg), in tonnes (``emissions_t``), with a low-high range of +/- ``uncertainty``
    (relative) because spend-based factors are industry averages (GHG Protocol Scope 3
    guidance, 2013, ch. 7: spend-based data is the least specific data type). Lines of
    unmapped or out-of-scope categories get no emissions and keep their status."""
    if not 0 <= uncertainty <= 1:
        raise ParameterError(f"uncertainty must be in [0, 1], got {uncertainty!r}")
    cm = cat_map.set_index("category")
    cat = lines["category"].astype(str)
    out = lines.copy()
    out["mapping"] = cat.map(cm["mapping"]).to_numpy()
    out["naics_code"] = cat.map(cm["naics_code"]).to_numpy()
    factor = cat.map(cm["factor_with_margins"]).astype(float).to_numpy()
    out["factor_with_margins"] = factor
    out["emissions_t"] = out["spend_usd_factor_year"].to_numpy() * np.nan_to_num(factor) / 1000
    out["emissions_low_t"] = out["emissions_t"] * (1 - uncertainty)
    out["emissions_high_t"] = out["emissions_t"] * (1 + uncertainty)
    return out


def rule_classified(lines: pd.DataFrame, invoices: pd.DataFrame) -> pd.Series:
    """True for the prepared spend lines (:func:`scmlib.procurement.spend.prepare_spend`, which
    keeps the invoice index) whose category the invoice did not record and the keyword rules
    supplied (:func:`scmlib.procurement.spend.classify`); "Unclassified" lines are False.

    Every spend report applies the same company rules
    (:func:`scmlib.procurement.spend.classification_rules`); these lines show how much of a
    category's spend they classified.

    >>> inv = pd.DataFrame({"category": ["Safety", None, None]})
    >>> lines = inv.assign(category=["Safety", "Safety", "Unclassified"])
    >>> rule_classified(lines, inv).tolist()
    [False, True, False]
    """
    recorded = (
        invoices["category"].reindex(lines.index).notna()
        if "category" in invoices.columns
        else pd.Series(False, index=lines.index)
    )
    return (~recorded & (lines["category"].astype(str) != "Unclassified")).rename(
        "classified_by_rules"
    )


def hotspots(lines: pd.DataFrame, by: str) -> pd.DataFrame:
    """Spend and emissions per value of ``by`` (category, supplier, ...): spend of all its
    purchases (out-of-scope lines left out, as :func:`supplier_spend`), emissions of its mapped
    lines with range, share of emissions and intensity (kg CO2e per factor-year
    USD), largest emitter first. Per category, when the lines carry ``classified_by_rules``
    (:func:`rule_classified`), ``spend_by_rules`` is the part of the spend whose category came
    from the keyword rules."""
    m = lines[lines["mapping"].isin(["mapped", "default"])]
    g = m.groupby(by, observed=True).agg(
        spend=("amount_rc", "sum"),
        spend_usd_factor_year=("spend_usd_factor_year", "sum"),
        emissions_t=("emissions_t", "sum"),
        emissions_low_t=("emissions_low_t", "sum"),
        emissions_high_t=("emissions_high_t", "sum"),
    )
    g = g[g["spend_usd_factor_year"] != 0]
    # spend on the same basis as the ratings (:func:`supplier_spend`): every purchase of the
    # group (out-of-scope lines left out), mapped or not, so one supplier has one spend figure
    buys = lines[lines["mapping"] != "out of scope"]
    g["spend"] = buys.groupby(by, observed=True)["amount_rc"].sum().reindex(g.index)
    if by == "category" and "classified_by_rules" in buys.columns:
        by_rules = buys["amount_rc"].where(buys["classified_by_rules"].astype(bool), 0.0)
        g.insert(
            1,
            "spend_by_rules",
            by_rules.groupby(buys[by], observed=True).sum().reindex(g.index),
        )
    total = float(g["emissions_t"].sum())
    g["emissions_share"] = g["emissions_t"] / total if total else np.nan
    g["intensity"] = 1000 * g["emissions_t"] / g["spend_usd_factor_year"]
    g = g.sort_values("emissions_t", ascending=False).reset_index()
    g[by] = g[by].astype(str)
    return g


def mapping_coverage(lines: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(spend by mapping status, the categories without a mapping with their spend): what the
    estimate covers and what it leaves out, so no category is dropped silently."""
    total = float(lines["amount_rc"].sum())
    cov = lines.groupby("mapping").agg(
        categories=("category", "nunique"), lines=("amount_rc", "size"), spend=("amount_rc", "sum")
    )
    cov["spend_share"] = cov["spend"] / total if total else np.nan
    un = lines[lines["mapping"] == "unmapped"]
    unmapped = (
        un.groupby("category", observed=True)
        .agg(lines=("amount_rc", "size"), spend=("amount_rc", "sum"))
        .query("lines > 0")
        .sort_values("spend", ascending=False)
        .reset_index()
    )
    unmapped["category"] = unmapped["category"].astype(str)
    return cov.reset_index(), unmapped


def what_if_switch(
    lines: pd.DataFrame, category: str, to_naics: str, share: float, factors: pd.DataFrame
) -> pd.DataFrame:
    """Move ``share`` of a category's spend to another industry (``to_naics``, e.g. road freight to
    rail), same spend: emissions change by share x spend x (new factor - old factor)."""
    if not 0 <= share <= 1:
        raise ParameterError(f"switch share must be in [0, 1], got {share!r}")
    f = factors.set_index("naics_code")
    if to_naics not in f.index:
        raise ParameterError(
            f"switch to_naics {to_naics!r} is not a NAICS-6 code in the EPA factors; pick one "
            "from the factor file"
        )
    c = lines[
        (lines["category"].astype(str) == category) & lines["mapping"].isin(["mapped", "default"])
    ]
    if c.empty:
        raise ParameterError(
            f"switch category {category!r} has no mapped spend; use a category of the emissions "
            "hotspot table"
        )
    spend = float(c["spend_usd_factor_year"].sum())
    before = float(c["emissions_t"].sum())
    new_factor = float(f.loc[to_naics, "factor_with_margins"])
    moved = share * spend
    after = before - share * before + moved * new_factor / 1000
    return pd.DataFrame(
        {
            "scenario": [
                f"{share:.0%} of {category} moved to NAICS {to_naics} ({f.loc[to_naics, 'naics_title']})"
            ],
            "spend_usd_factor_year": [moved],
            "emissions_t": [before],
            "emissions_after_t": [after],
            "reduction_t": [before - after],
        }
    )


def what_if_engage(supplier_hot: pd.DataFrame, top_n: int, reduction: float) -> pd.DataFrame:
    """The ``top_n`` emitting suppliers cut the emissions of what they sell the company by
    ``reduction`` (supplier-specific data or programmes replacing the industry average)."""
    if not 0 <= reduction <= 1:
        raise ParameterError(f"engage reduction must be in [0, 1], got {reduction!r}")
    top = supplier_hot.head(int(top_n))
    before = float(supplier_hot["emissions_t"].sum())
    cut = reduction * float(top["emissions_t"].sum())
    return pd.DataFrame(
        {
            "scenario": [
                f"top {len(top)} suppliers cut their emissions intensity by {reduction:.0%}"
            ],
            "emissions_t": [before],
            "emissions_after_t": [before - cut],
            "reduction_t": [cut],
        }
    )


# --------------------------------------------------------------------------- ratings and certificates


def theme_scores(
    assessments: pd.DataFrame,
    weights: Mapping[str, float],
    as_of: pd.Timestamp,
    validity_months: int = 24,
    bands: Mapping[str, float] | None = None,
) -> pd.DataFrame:
    """Each supplier's latest rating within ``validity_months`` of ``as_of``: one column per theme
    (0-100), ``overall_score`` = sum(w_theme x score) / sum(w of the themes rated) and its
    ``rating_band`` (``bands``: band -> lowest score, e.g. partial 25, good 45, advanced 65,
    outstanding 85, as in EcoVadis-style schemes; below the lowest: insufficient)."""
    unknown = sorted(set(weights) - set(THEMES))
    if unknown:
        raise ParameterError(f"theme_weights: unknown themes {unknown}; use {list(THEMES)}")
    if sum(weights.values()) <= 0:
        raise ParameterError("theme_weights must add up to more than 0")
    lo = pd.Timestamp(as_of) - pd.DateOffset(months=int(validity_months))
    a = assessments[
        (assessments["assessment_date"] <= as_of) & (assessments["assessment_date"] > lo)
    ]
    cols = ["supplier_id", "assessment_date", *THEMES, "overall_score", "rating_band"]
    if a.empty:
        return pd.DataFrame(columns=cols)
    latest = a.groupby("supplier_id")["assessment_date"].transform("max")
    a = a[a["assessment_date"] == latest]
    wide = a.pivot_table(
        index=["supplier_id", "assessment_date"], columns="theme", values="score", aggfunc="mean"
    )
    wide = wide.reindex(columns=list(THEMES))
    w = pd.Series({t: float(weights.get(t, 0.0)) for t in THEMES})
    rated = wide.notna()
    num = (wide.fillna(0) * w).sum(axis=1)
    den = (rated * w).sum(axis=1)
    wide["overall_score"] = np.where(den > 0, num / den.replace(0, np.nan), np.nan)
    b = dict(
        sorted(
            (bands or {"partial": 25, "good": 45, "advanced": 65, "outstanding": 85}).items(),
            key=lambda kv: kv[1],
        )
    )
    edges = [-np.inf, *b.values(), np.inf]
    wide["rating_band"] = pd.cut(
        wide["overall_score"], edges, right=False, labels=["insufficient", *b.keys()]
    ).astype(str)
    return wide.reset_index()[cols]


def assessed_spend(
    spend_by_supplier: pd.DataFrame, scores: pd.DataFrame, id_to_supplier: pd.Series
) -> pd.DataFrame:
    """Suppliers (as normalised in the spend) with their spend and current rating: ``assessed``
    is true when one of the supplier's ids has a current rating (the best-covered id counts)."""
    s = scores.assign(supplier=scores["supplier_id"].map(id_to_supplier))
    s = (
        s.dropna(subset=["supplier"])
        .sort_values("overall_score", ascending=False)
        .drop_duplicates("supplier")
    )
    out = spend_by_supplier.merge(s.drop(columns=["supplier_id"]), on="supplier", how="left")
    out["assessed"] = out["overall_score"].notna()
    return out.sort_values("spend", ascending=False, ignore_index=True)


def certificate_status(
    certs: pd.DataFrame, as_of: pd.Timestamp, warn_days: int = 90
) -> pd.DataFrame:
    """Each certificate's expiry (``end_date``), days to expiry at ``as_of`` and status: ``expired``, ``expiring`` (within
    ``warn_days``) or ``valid``; expired and expiring first."""
    c = certs.copy()
    c["expiry"] = c["end_date"]
    c["days_to_expiry"] = (c["expiry"] - pd.Timestamp(as_of)).dt.days
    c["certificate_status"] = np.where(
        c["days_to_expiry"] < 0,
        "expired",
        np.where(c["days_to_expiry"] <= warn_days, "expiring", "valid"),
    )
    order = {"expired": 0, "expiring": 1, "valid": 2}
    return c.sort_values(
        ["certificate_status", "days_to_expiry"],
        key=lambda s: s.map(order) if s.name == "certificate_status" else s,
    ).reset_index(drop=True)


def supplier_spend(lines: pd.DataFrame) -> pd.DataFrame:
    """Spend per normalised supplier (``supplier, spend``), largest first; lines of out-of-scope
    categories (transfers, taxes, capital goods: no purchase to rate) are left out."""
    if "mapping" in lines.columns:
        lines = lines[lines["mapping"] != "out of scope"]
    g = lines.groupby("supplier", observed=True)["amount_rc"].sum()
    out = g.rename("spend").reset_index().sort_values("spend", ascending=False, ignore_index=True)
    out["supplier"] = out["supplier"].astype(str)
    return out


def supplier_names(lines: pd.DataFrame) -> pd.Series:
    """Supplier id -> normalised supplier name, from the prepared spend lines."""
    first = lines.drop_duplicates("supplier_id")
    return pd.Series(
        first["supplier"].astype(str).to_numpy(), index=first["supplier_id"].astype(str)
    )


def band_summary(rated: pd.DataFrame) -> pd.DataFrame:
    """Suppliers, spend and share of spend per rating band, unrated suppliers as their own row."""
    band = rated["rating_band"].where(rated["assessed"], "unrated").fillna("unrated")
    g = rated.groupby(band).agg(suppliers=("supplier", "size"), spend=("spend", "sum"))
    g["spend_share"] = g["spend"] / g["spend"].sum()
    order = ["outstanding", "advanced", "good", "partial", "insufficient", "unrated"]
    g = g.reindex([b for b in order if b in g.index] + [b for b in g.index if b not in order])
    return g.rename_axis("rating_band").reset_index()


def theme_means(rated: pd.DataFrame) -> pd.DataFrame:
    """Spend-weighted mean score per theme over the rated suppliers (``theme, score``)."""
    w = rated["spend"].clip(lower=0).to_numpy() + 1e-9
    rows = []
    for t in THEMES:
        v = rated[t].to_numpy(dtype=float)
        ok = ~np.isnan(v)
        rows.append(
            (t.replace("_", " "), float(np.average(v[ok], weights=w[ok])) if ok.any() else np.nan)
        )
    return pd.DataFrame(rows, columns=["theme", "score"])


def certificate_counts(status: pd.DataFrame) -> pd.DataFrame:
    """Certificates per standard and status (one column per status)."""
    t = pd.crosstab(status["certification"], status["certificate_status"])
    t = t.reindex(columns=[c for c in ("expired", "expiring", "valid") if c in t.columns])
    return t.reset_index().rename_axis(None, axis=1)


def with_factors(cat_hot: pd.DataFrame, cat_map: pd.DataFrame) -> pd.DataFrame:
    """The category hotspots with each category's NAICS code, industry and factor."""
    cols = ["category", "naics_code", "naics_title", "factor_with_margins"]
    return cat_hot.merge(cat_map[cols], on="category", how="left")[
        [
            "category",
            "naics_code",
            "naics_title",
            "factor_with_margins",
            *[c for c in cat_hot.columns if c != "category"],
        ]
    ]


def weights_text(weights: Mapping[str, float]) -> str:
    """``environment 40%, labour human rights 25%, ...`` for the report."""
    return ", ".join(f"{k.replace('_', ' ')} {v:.0%}" for k, v in weights.items())


def bands_text(bands: Mapping[str, float]) -> str:
    """``partial from 25, good from 45, ...`` for the report."""
    return ", ".join(f"{k} from {v:g}" for k, v in sorted(bands.items(), key=lambda kv: kv[1]))


# --------------------------------------------------------------------------- summary


def summary_lines(
    emissions: pd.DataFrame,
    coverage: pd.DataFrame,
    unmapped: pd.DataFrame,
    cat_hot: pd.DataFrame,
    sup_hot: pd.DataFrame,
    rated: pd.DataFrame | None,
    certs: pd.DataFrame | None,
    money: Callable[[float], str],
    window_text: str,
    uncertainty: float,
) -> list[str]:
    """The executive summary: emissions with their range, what the estimate covers, hotspots,
    rating coverage and certificate expiry, as sentences computed from the results."""
    tot = float(cat_hot["emissions_t"].sum())
    lo, hi = float(cat_hot["emissions_low_t"].sum()), float(cat_hot["emissions_high_t"].sum())
    cov = coverage.set_index("mapping")
    spend = float(coverage["spend"].sum())
    share = lambda k: float(cov["spend_share"].get(k, 0.0))  # noqa: E731
    out = [
        f"Scope 3 category 1 (spend-based, {window_text}): {tot:,.0f} t CO2e, range {lo:,.0f} to "
        f"{hi:,.0f} t (+/-{uncertainty:.0%}: spend-based factors are industry averages), on "
        f"{money(spend)} of spend; {1000 * tot / max(float(cat_hot['spend_usd_factor_year'].sum()), 1e-9):.2f} "
        "kg CO2e per 2022 USD.",
        f"Coverage: {share('mapped') + share('default'):.1%} of spend is mapped to a NAICS factor, "
        f"{share('out of scope'):.1%} is out of scope (transfers, taxes, capital goods) and "
        f"{share('unmapped'):.1%} in {len(unmapped):,} "
        f"{'category has' if len(unmapped) == 1 else 'categories have'} no mapping (listed "
        "below, not estimated).",
    ]
    if len(cat_hot):
        top = cat_hot.iloc[0]
        out.append(
            f"Hotspots: {top['category']} emits {top['emissions_share']:.0%} of the total "
            f"({top['emissions_t']:,.0f} t); the top 3 categories {cat_hot['emissions_share'].head(3).sum():.0%}; "
            f"the top 10 suppliers {sup_hot['emissions_share'].head(10).sum():.0%}."
        )
    if rated is not None and len(rated):
        a = rated[rated["assessed"]]
        sp = float(rated["spend"].sum())
        un = rated[~rated["assessed"]]
        out.append(
            f"Sustainability ratings cover {float(a['spend'].sum()) / sp:.0%} of spend ({len(a):,} of "
            f"{len(rated):,} suppliers); the spend-weighted score is "
            f"{np.average(a['overall_score'], weights=a['spend'].clip(lower=0) + 1e-9):.0f}/100; the largest "
            f"unrated supplier is {un.iloc[0]['supplier']} ({money(float(un.iloc[0]['spend']))})."
            if len(a) and len(un)
            else f"Sustainability ratings cover {float(a['spend'].sum()) / sp:.0%} of spend."
        )
    else:
        out.append("No supplier sustainability ratings in the data: every supplier is unrated.")
    if certs is not None and len(certs):
        n_exp = int((certs["certificate_status"] == "expired").sum())
        n_soon = int((certs["certificate_status"] == "expiring").sum())
        out.append(
            f"Certificates: {n_exp:,} expired and {n_soon:,} expiring soon of {len(certs):,}."
        )
    return out
