"""Supply chain risk: register scoring, country risk, single sourcing, financial distress and a
data-driven supplier exposure ranking checked against the register.

References: ISO 31000:2018 (likelihood x impact risk matrices); Altman (1968) and Altman
(2000/2017 revisions) for the Z-score variants; World Bank Worldwide Governance Indicators
(Kaufmann, Kraay & Mastruzzi) and Logistics Performance Index 2023 for country risk.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from scmlib.core.frames import require_columns
from scmlib.errors import DataError, ParameterError
from scmlib.paths import reference_dir

DEFAULT_BANDS = {
    "low": 4,
    "medium": 9,
    "high": 15,
    "critical": 25,
}  # upper bound of likelihood x impact per band
WGI_INDICATORS = ("pv", "rl", "ge", "rq", "cc")
WGI_NAMES = {
    "pv": "political stability",
    "rl": "rule of law",
    "ge": "government effectiveness",
    "rq": "regulatory quality",
    "cc": "control of corruption",
    "va": "voice and accountability",
}


def band(score: pd.Series, bands: Mapping[str, float]) -> pd.Series:
    """Band name for each score: the first band (by ascending upper bound) whose bound it does not exceed."""
    items = sorted(bands.items(), key=lambda kv: kv[1])
    edges = [-np.inf] + [v for _, v in items]
    return (
        pd.cut(score, bins=edges, labels=[k for k, _ in items], right=True)
        .astype(object)
        .where(score.notna(), None)
    )


SCORINGS = ("classes", "money")


def _check_scale(r: pd.DataFrame, scale: int, bands: Mapping[str, float]) -> None:
    for col in ("likelihood", "impact"):
        bad = r[(r[col] < 1) | (r[col] > scale)]
        if len(bad):
            ex = ", ".join(f"{i} ({v})" for i, v in zip(bad["risk_id"].head(5), bad[col].head(5)))
            raise DataError(
                f"table 'risk_register', column '{col}': {len(bad)} risk(s) outside the "
                f"1-{scale} scale, e.g. {ex}. Fix: rescore them or set the scale parameter"
            )
    if max(bands.values()) < scale * scale:
        raise DataError(
            f"risk bands {dict(bands)} do not reach the top score {scale * scale} of a "
            f"{scale}x{scale} matrix: raise the last band's bound"
        )


def score_register(
    register: pd.DataFrame,
    scale: int = 5,
    bands: Mapping[str, float] = DEFAULT_BANDS,
    as_of: pd.Timestamp | None = None,
    scoring: str = "classes",
) -> pd.DataFrame:
    """Score the register in classes or in money, ranked by the residual figure.

    Classes (ISO 31000 risk matrix): inherent score = likelihood x impact; residual = inherent x
    (1 - mitigation effectiveness); band of each; trend against the previous assessment.
    Money (expected loss, e.g. Hubbard, *The Failure of Risk Management*, 2nd ed., 2020):
    inherent expected loss = probability x consequence; residual expected loss = probability x
    (1 - mitigation effectiveness) x consequence (the mitigation reduces the likelihood, as the
    residual class score does). In money mode the class scores are added too when the register
    holds likelihood and impact, but a register kept in money terms alone is enough. Both modes
    flag risks with no owner and open risks overdue for review; rows are sorted by the residual
    then the inherent figure of the chosen scoring (``rank`` 1 = largest residual, among the
    current risks: closed ones are not ranked).

    Likelihood or impact outside 1..``scale`` is a :class:`DataError` naming the risks; so is a
    probability outside 0-1 or a negative consequence.
    """
    if scoring not in SCORINGS:
        raise ParameterError(f"scoring must be one of {list(SCORINGS)}, got {scoring!r}")
    need = ["probability", "consequence"] if scoring == "money" else ["likelihood", "impact"]
    other = ["likelihood", "impact"] if scoring == "money" else ["probability", "consequence"]
    if not set(need) <= set(register.columns) and set(other) <= set(register.columns):
        raise DataError(
            f"table 'risk_register' has no {' or '.join(need)} column: it is kept in "
            f"{'classes' if scoring == 'money' else 'money'} terms ({' and '.join(other)}). "
            f"Fix: set the scoring parameter to {'classes' if scoring == 'money' else 'money'}"
        )
    require_columns(register, ["risk_id", *need], f"risk register {scoring} scoring: risk_register")
    r = register.copy()
    eff = (
        r["mitigation_effectiveness"].fillna(0.0)
        if "mitigation_effectiveness" in r.columns
        else pd.Series(0.0, index=r.index)
    )
    classes = {"likelihood", "impact"} <= set(r.columns) and (
        scoring == "classes" or r[["likelihood", "impact"]].notna().all(axis=None)
    )
    if classes:
        _check_scale(r, scale, bands)
        r["inherent_score"] = r["likelihood"] * r["impact"]
        r["residual_score"] = r["inherent_score"] * (1 - eff)
        r["residual_likelihood"] = np.maximum(1, np.round(r["likelihood"] * (1 - eff))).astype(int)
        r["inherent_band"] = band(r["inherent_score"].astype(float), bands)
        r["residual_band"] = band(r["residual_score"].astype(float), bands)
        if {"previous_likelihood", "previous_impact"} <= set(r.columns):
            prev = r["previous_likelihood"] * r["previous_impact"]
            r["trend"] = np.select(
                [prev.isna(), r["inherent_score"] > prev, r["inherent_score"] < prev],
                ["new", "rising", "falling"],
                "unchanged",
            )
    if {"probability", "consequence"} <= set(r.columns):
        p, c = r["probability"].astype(float), r["consequence"].astype(float)
        bad = r[(p < 0) | (p > 1) | (c < 0)]
        if len(bad):
            ex = ", ".join(bad["risk_id"].astype(str).head(5))
            raise DataError(
                f"table 'risk_register': {len(bad)} risk(s) with a probability outside 0-1 or a "
                f"negative consequence, e.g. {ex}. Fix: give probability as a share (0.2 = 20%)"
            )
        r["inherent_expected_loss"] = p * c
        r["residual_probability"] = p * (1 - eff)
        r["residual_expected_loss"] = r["residual_probability"] * c
    if scoring == "money" and (
        r["inherent_expected_loss"].isna().any()
    ):  # a risk with no money figure cannot be ranked in money
        miss = r.loc[r["inherent_expected_loss"].isna(), "risk_id"].astype(str)
        raise DataError(
            f"table 'risk_register': {len(miss)} risk(s) without probability or consequence, "
            f"e.g. {', '.join(miss.head(5))}. Fix: fill both, or score in classes"
        )
    as_of = as_of or pd.Timestamp.today().normalize()
    r["no_owner"] = r["owner"].isna() if "owner" in r.columns else True
    r["review_overdue"] = (
        (r["review_date"] < as_of) & (r["status"] != "closed")
        if "review_date" in r.columns
        else False
    )
    key = (
        ["residual_expected_loss", "inherent_expected_loss"]
        if scoring == "money"
        else ["residual_score", "inherent_score"]
    )
    r = r.sort_values(key, ascending=False).reset_index(drop=True)
    live = r["status"] != "closed" if "status" in r.columns else pd.Series(True, index=r.index)
    r["rank"] = r[key[0]].where(live).rank(ascending=False, method="min").astype("Int64")
    return r


def current(scored: pd.DataFrame) -> pd.DataFrame:
    """The current risks: every entry except the closed ones (listed apart)."""
    if "status" not in scored.columns:
        return scored
    return scored[scored["status"] != "closed"]


def heat_matrix(scored: pd.DataFrame, scale: int = 5, residual: bool = False) -> pd.DataFrame:
    """Count of current risks per (likelihood, impact) cell; rows likelihood (high first), columns
    impact. Closed risks are not current: they are left out (list them apart)."""
    lik = "residual_likelihood" if residual else "likelihood"
    if "status" in scored.columns:
        scored = scored[scored["status"] != "closed"]
    m = pd.crosstab(scored[lik], scored["impact"]).reindex(
        index=range(scale, 0, -1), columns=range(1, scale + 1), fill_value=0
    )
    m.index.name, m.columns.name = "likelihood", "impact"
    return m


# --------------------------------------------------------------------------- country risk

# LPI economy names that differ from the WGI's (the file spells Türkiye "TC<rkiye")
_LPI_FIXES = {"TC<rkiye": "Türkiye", "Turkiye": "Türkiye", "Vietnam": "Viet Nam"}


def load_country_risk(year: int | None = None, folder: Path | None = None) -> pd.DataFrame:
    """Country risk per ISO3 code from the WGI (chosen year, latest if None) and the LPI 2023.

    governance_risk = (2.5 - mean of pv, rl, ge, rq, cc estimates) / 5 x 100 (0 = best);
    logistics_risk = (5 - LPI score) / 4 x 100. LPI economies are matched to ISO3 codes via
    the WGI country names (same World Bank naming), with the Türkiye encoding fixed.
    """
    folder = Path(folder) if folder else reference_dir()
    wgi = pd.read_csv(
        folder / "wgidataset.csv",
        encoding="utf-8-sig",
        na_values=[".."],
        usecols=["code", "countryname", "year", "indicator", "estimate"],
    )
    if year is None:
        year = int(wgi["year"].max())
    if year not in set(wgi["year"]):
        raise DataError(
            f"country-risk year {year} is not in the WGI data ({int(wgi['year'].min())}-{int(wgi['year'].max())})"
        )
    w = (
        wgi[(wgi["year"] == year) & wgi["indicator"].isin(WGI_INDICATORS)]
        .pivot_table(index=["code", "countryname"], columns="indicator", values="estimate")
        .reset_index()
    )
    w["governance_risk"] = (2.5 - w[list(WGI_INDICATORS)].mean(axis=1)) / 5 * 100
    lpi = pd.read_csv(folder / "World_Bank_LPI_2023.csv", encoding="utf-8")
    lpi["Economy"] = lpi["Economy"].replace(_LPI_FIXES)
    names = wgi.drop_duplicates("code")[["code", "countryname"]]
    lpi = lpi.merge(names, left_on="Economy", right_on="countryname", how="left")
    lpi["logistics_risk"] = (5 - lpi["LPI Score"]) / 4 * 100
    out = w.merge(
        lpi[["code", "LPI Score", "logistics_risk"]]
        .dropna(subset=["code"])
        .drop_duplicates("code"),
        on="code",
        how="left",
    ).rename(columns={"LPI Score": "lpi_score"})
    out["year"] = year
    return out


def country_codes(values: pd.Series, risk: pd.DataFrame) -> tuple[pd.Series, list[str]]:
    """Map country names or ISO3 codes to ISO3; returns (codes, unknown values)."""
    v = values.astype("string").str.strip()
    by_code = set(risk["code"])
    by_name = dict(zip(risk["countryname"].str.lower(), risk["code"]))
    aliases = {
        "usa": "USA",
        "united states of america": "USA",
        "uk": "GBR",
        "united kingdom": "GBR",
        "great britain": "GBR",
        "south korea": "KOR",
        "korea": "KOR",
        "russia": "RUS",
        "vietnam": "VNM",
        "turkey": "TUR",
        "czech republic": "CZE",
        "taiwan": "TWN",
        "netherlands": "NLD",
        "egypt": "EGY",
        "iran": "IRN",
    }
    code = v.str.upper().where(v.str.upper().isin(by_code))
    code = code.fillna(v.str.lower().map(by_name)).fillna(v.str.lower().map(aliases))
    unknown = sorted(values[code.isna() & values.notna()].astype(str).unique())
    return code, unknown


# --------------------------------------------------------------------------- financial distress


def altman_z(fin: pd.DataFrame) -> pd.DataFrame:
    """Altman Z-score for private firms with zones as published.

    - manufacturing (Z', Altman 1983/2000): 0.717 X1 + 0.847 X2 + 3.107 X3 + 0.420 X4 + 0.998 X5;
      safe > 2.9, grey 1.23-2.9, distress < 1.23;
    - non-manufacturing (Z'', Altman 1995): 6.56 X1 + 3.26 X2 + 6.72 X3 + 1.05 X4;
      safe > 2.6, grey 1.1-2.6, distress < 1.1.
    X1 = working capital / total assets, X2 = retained earnings / TA, X3 = EBIT / TA,
    X4 = book equity / total liabilities, X5 = sales / TA.
    """
    f = fin.copy()
    ta = f["total_assets"].where(f["total_assets"] > 0)
    x1 = (f["current_assets"] - f["current_liabilities"]) / ta
    x2 = f["retained_earnings"] / ta
    x3 = f["ebit"] / ta
    x4 = f["book_equity"] / f["total_liabilities"].where(f["total_liabilities"] > 0)
    x5 = f["sales"] / ta
    manu = (
        f["is_manufacturer"].fillna(False).astype(bool)
        if "is_manufacturer" in f.columns
        else pd.Series(False, index=f.index)
    )
    z_manu = 0.717 * x1 + 0.847 * x2 + 3.107 * x3 + 0.420 * x4 + 0.998 * x5
    z_serv = 6.56 * x1 + 3.26 * x2 + 6.72 * x3 + 1.05 * x4
    f["z_score"] = np.where(manu, z_manu, z_serv)
    f["z_variant"] = np.where(manu, "Z' (private manufacturing)", "Z'' (non-manufacturing)")
    safe = np.where(manu, 2.9, 2.6)
    distress = np.where(manu, 1.23, 1.1)
    f["zone"] = np.select(
        [f["z_score"] > safe, f["z_score"] < distress], ["safe", "distress"], "grey"
    )
    f.loc[f["z_score"].isna(), "zone"] = "unknown"
    return f


# --------------------------------------------------------------------------- exposure


def _po_window(
    po: pd.DataFrame, window: tuple[pd.Timestamp, pd.Timestamp] | None, months: int = 12
) -> pd.DataFrame:
    """PO lines ordered in ``window`` (first day, last day), or in the last ``months`` months."""
    if window is None:
        return po[po["order_date"] > po["order_date"].max() - pd.DateOffset(months=months)]
    start, end = pd.Timestamp(window[0]), pd.Timestamp(window[1]) + pd.Timedelta(days=1)
    return po[(po["order_date"] >= start) & (po["order_date"] < end)]


def single_source(
    po: pd.DataFrame,
    revenue_by_item: pd.Series | None = None,
    months: int = 12,
    window: tuple[pd.Timestamp, pd.Timestamp] | None = None,
) -> pd.DataFrame:
    """Items bought from exactly one supplier in ``window`` (first day, last day; the company
    reporting window in the report) or else the last ``months`` months, per supplier: item count,
    the ordered value of them (ordered quantity x ``unit_price_rc``, the reporting currency,
    where the PO lines carry it, else ``unit_price``) and the revenue of the items that depend
    on them."""
    p = _po_window(po.dropna(subset=["item_id"]), window, months)
    n = p.groupby("item_id")["supplier_id"].nunique()
    single = n[n == 1].index
    price = "unit_price_rc" if "unit_price_rc" in p.columns else "unit_price"
    s = p[p["item_id"].isin(single)].assign(spend=lambda d: d["ordered_qty"] * d[price])
    out = s.groupby("supplier_id").agg(
        single_source_items=("item_id", "nunique"), single_source_spend=("spend", "sum")
    )
    if revenue_by_item is not None:
        item_sup = s.drop_duplicates("item_id").set_index("item_id")["supplier_id"]
        rev = revenue_by_item.reindex(item_sup.index).fillna(0).groupby(item_sup).sum()
        out["single_source_revenue"] = rev
    return out.reset_index()


def supplier_exposure(indicators: pd.DataFrame, weights: Mapping[str, float]) -> pd.DataFrame:
    """Weighted exposure score (0-100) from indicators already scaled to 0-1 (1 = most exposed).

    ``indicators`` columns named in ``weights``; missing indicator values count as 0 (no
    evidence) and the columns used are reported. Revenue at risk = revenue supplied x score/100.
    """
    unknown = [k for k in weights if k not in indicators.columns]
    if unknown:
        raise ParameterError(
            f"exposure weights name unknown indicator(s) {unknown}; available: {[c for c in indicators.columns if c.startswith('ind_')]}"
        )
    w = pd.Series(weights, dtype=float)
    if (w < 0).any() or w.sum() <= 0:
        raise ParameterError(
            f"exposure weights must be non-negative and not all zero, got {dict(weights)}"
        )
    x = indicators[list(w.index)].fillna(0).clip(0, 1)
    out = indicators.copy()
    out["exposure_score"] = 100 * (x * w).sum(axis=1) / w.sum()
    if "revenue_supplied" in out.columns:
        out["revenue_at_risk"] = out["revenue_supplied"] * out["exposure_score"] / 100
    out["main_driver"] = (
        (x * w)
        .idxmax(axis=1)
        .str.replace("ind_", "", regex=False)
        .where(out["exposure_score"] > 0, "")
    )
    return out.sort_values("exposure_score", ascending=False).reset_index(drop=True)


def register_gaps(
    exposure: pd.DataFrame, register: pd.DataFrame, min_score: float = 50.0
) -> pd.DataFrame:
    """Suppliers with high data-driven exposure but no open register entry."""
    covered = set(register.loc[register["status"] != "closed", "supplier_id"].dropna())
    high = exposure[exposure["exposure_score"] >= min_score]
    return high[~high["supplier_id"].isin(covered)].reset_index(drop=True)


def scale01(s: pd.Series, cap: float | None = None) -> pd.Series:
    """Scale to 0-1 by ``cap`` (or the maximum), clipping above."""
    top = cap if cap is not None else s.max()
    return (s / top).clip(0, 1) if top and np.isfinite(top) else s * 0


def exposure_indicators(
    suppliers: pd.DataFrame,
    po: pd.DataFrame,
    items: pd.DataFrame | None,
    revenue_by_item: pd.Series | None,
    country_risk: pd.DataFrame,
    country_weights: Mapping[str, float],
    metrics: pd.DataFrame | None = None,
    deteriorating: Sequence[str] = (),
    distress: pd.DataFrame | None = None,
    window: tuple[pd.Timestamp, pd.Timestamp] | None = None,
    spend: pd.Series | None = None,
) -> tuple[pd.DataFrame, list[str]]:
    """The indicators behind each supplier's exposure, each scaled to 0-1 (1 = most exposed):

    - ``ind_spend``: share of spend (scaled by the largest share);
    - ``ind_single_source``: revenue of single-sourced items it supplies (scaled by the largest);
    - ``ind_country``: country risk = weighted governance and logistics risk / 100;
    - ``ind_delivery``: (1 - OTIF) / 0.4, or 1 when OTIF deteriorates significantly;
    - ``ind_quality``: PPM / 20,000, or 1 when PPM deteriorates significantly;
    - ``ind_financial``: Altman zone of the latest year: distress 1, grey 0.5, safe 0.
    Spend and single sourcing cover ``window`` (first day, last day: the company reporting
    window in the report), else the last 12 months of orders. ``spend``: invoiced spend per
    supplier_id in the reporting currency (:func:`scmlib.core.measures.spend_by_supplier`, the
    figure of the spend reports); without it, the ordered value of the window's PO lines
    (ordered quantity x unit price, ``unit_price_rc`` when the PO lines carry it).
    Returns (indicators, countries that could not be matched).
    """
    s = suppliers[["supplier_id", "name", "country", "category"]].copy()
    if spend is None:
        price = "unit_price_rc" if "unit_price_rc" in po.columns else "unit_price"
        p = _po_window(po, window).assign(spend=lambda d: d["ordered_qty"] * d[price])
        spend = p.groupby("supplier_id")["spend"].sum()
    s["spend"] = s["supplier_id"].map(spend).fillna(0.0)
    s["ind_spend"] = scale01(s["spend"] / max(s["spend"].sum(), 1e-9))
    ss = single_source(po, revenue_by_item, window=window)
    s = s.merge(ss, on="supplier_id", how="left").fillna(
        {"single_source_items": 0, "single_source_spend": 0.0}
    )
    if "single_source_revenue" in s.columns:
        s["single_source_revenue"] = s["single_source_revenue"].fillna(0.0)
        s["ind_single_source"] = scale01(s["single_source_revenue"])
    else:
        s["ind_single_source"] = scale01(s["single_source_spend"])
    code, unknown = country_codes(s["country"], country_risk)
    s["iso3"] = code
    cr = country_risk.set_index("code")
    gw, lw = (
        float(country_weights.get("governance", 0.5)),
        float(country_weights.get("logistics", 0.5)),
    )
    risk = (
        gw * cr["governance_risk"] + lw * cr["logistics_risk"].fillna(cr["governance_risk"])
    ) / (gw + lw)
    s["country_risk"] = s["iso3"].map(risk)
    s["ind_country"] = (s["country_risk"] / 100).clip(0, 1)
    if metrics is not None and len(metrics):
        m = metrics.set_index("supplier_id")
        s["otif"] = s["supplier_id"].map(m["otif"])
        s["ppm"] = s["supplier_id"].map(m["ppm"])
        s["ind_delivery"] = ((1 - s["otif"]) / 0.4).clip(0, 1)
        s["ind_quality"] = (s["ppm"] / 20_000).clip(0, 1)
        s.loc[s["supplier_id"].isin(deteriorating), ["ind_delivery", "ind_quality"]] = 1.0
        s["deteriorating"] = s["supplier_id"].isin(deteriorating)
    if distress is not None and len(distress):
        latest = (
            distress.sort_values("fiscal_year")
            .drop_duplicates("supplier_id", keep="last")
            .set_index("supplier_id")
        )
        s["z_score"] = s["supplier_id"].map(latest["z_score"])
        s["zone"] = s["supplier_id"].map(latest["zone"])
        s["ind_financial"] = s["zone"].map({"distress": 1.0, "grey": 0.5, "safe": 0.0})
    if items is not None and revenue_by_item is not None and "supplier_id" in items.columns:
        s["revenue_supplied"] = (
            s["supplier_id"]
            .map(
                revenue_by_item.reindex(items["item_id"])
                .fillna(0)
                .groupby(items["supplier_id"].to_numpy())
                .sum()
            )
            .fillna(0.0)
        )
    return s, unknown


def probable_duplicates(register: pd.DataFrame) -> pd.DataFrame:
    """Register entries that are probably the same risk: the same normalised title (case, spacing
    and punctuation ignored), supplier and category. One row per later entry of a duplicate
    group, with the group's first risk id as ``duplicate_of``: the first entry is the one kept,
    so no risk is listed as a duplicate of itself (R008 once, as the original of R018)."""
    title = (
        register["title"]
        .astype(str)
        .str.lower()
        .str.replace(r"[^a-z0-9]+", " ", regex=True)
        .str.strip()
    )
    keys = [title.rename("_t")]
    for col in ("supplier_id", "category"):
        if col in register.columns:
            keys.append(register[col].astype(str).rename(f"_{col}"))
    k = pd.concat(keys, axis=1)
    dup = k.duplicated(keep="first").to_numpy()
    out = register.loc[dup].copy()
    first = register.groupby([k[c] for c in k.columns], dropna=False, sort=False)[
        "risk_id"
    ].transform("first")
    out["duplicate_of"] = first[dup].to_numpy()
    return out.sort_values(["duplicate_of", "risk_id"]).reset_index(drop=True)


def register_checks_line(duplicates: pd.DataFrame, n_closed: int) -> str:
    """The summary line of the register checks: each probable duplicate named with its original
    (:func:`probable_duplicates`), and the closed risks left out of the current-risk figures."""
    pairs = ", ".join(f"{d} repeats {o}" for d, o in duplicates[["risk_id", "duplicate_of"]].values)
    n = len(duplicates)
    head = (
        f"Register checks: {n:,} entr{'y' if n == 1 else 'ies'} probably repeat{'s' if n == 1 else ''}"
        f" an earlier one (same title, supplier and category: {pairs}); merge them"
        if n
        else "Register checks: no probable duplicates"
    )
    return (
        f"{head}; {n_closed:,} closed risk{'' if n_closed == 1 else 's'} "
        f"{'is' if n_closed == 1 else 'are'} left out of the heat maps, counts and tables of "
        "current risks and listed apart."
    )


def country_display_names(names: pd.Series) -> pd.Series:
    """World Bank economy names read as one country each: "Egypt, Arab Rep." becomes "Egypt",
    "Korea, Rep." "Korea (Rep.)", so a comma-separated list of countries is never ambiguous."""
    s = names.astype("string")
    fixed = {
        "Egypt, Arab Rep.": "Egypt",
        "Korea, Rep.": "South Korea",
        "Iran, Islamic Rep.": "Iran",
        "Venezuela, RB": "Venezuela",
        "Yemen, Rep.": "Yemen",
        "Russian Federation": "Russia",
        "Hong Kong SAR, China": "Hong Kong",
        "Turkiye": "Türkiye",
        "Viet Nam": "Vietnam",
        "Korea, Dem. People's Rep.": "North Korea",
        "Congo, Dem. Rep.": "DR Congo",
        "Congo, Rep.": "Congo",
    }
    s = s.replace(fixed)
    return s.str.replace(r"^(.*), (.*)$", r"\1 (\2)", regex=True)


# --------------------------------------------------------------------------- report building


def revenue_by_item(
    sales: pd.DataFrame | None, start: pd.Timestamp, end: pd.Timestamp
) -> pd.Series | None:
    """Delivered revenue per item (delivered quantity x unit price) of the sales order lines ordered
    in [``start``, ``end``] (the company reporting window); ``None`` without a sales table."""
    if sales is None:
        return None
    require_columns(
        sales, ["item_id", "order_date", "unit_price"], "risk revenue: sales_order_lines"
    )
    qty = sales["delivered_qty"] if "delivered_qty" in sales.columns else np.nan
    s = sales.assign(revenue=pd.Series(qty, index=sales.index).fillna(0) * sales["unit_price"])
    d = s["order_date"]
    s = s[(d >= start) & (d < pd.Timestamp(end) + pd.Timedelta(days=1))]
    return s.groupby("item_id")["revenue"].sum()


def country_exposure(indicators: pd.DataFrame, country_risk: pd.DataFrame) -> pd.DataFrame:
    """Spend by supplier country with its risk: ``iso3, countryname`` (one unambiguous name,
    :func:`country_display_names`), ``suppliers, spend, spend_share, country_risk,
    governance_risk, lpi_score``, largest spend first; unmatched countries under a missing code."""
    g = indicators.groupby("iso3", dropna=False)
    out = pd.DataFrame(
        {
            "suppliers": g["supplier_id"].size(),
            "spend": g["spend"].sum(),
            "country_risk": g["country_risk"].first(),
        }
    ).reset_index()
    cr = country_risk[["code", "countryname", "governance_risk", "lpi_score"]]
    out = out.merge(cr.rename(columns={"code": "iso3"}), on="iso3", how="left")
    total = out["spend"].sum()
    out["spend_share"] = out["spend"] / total if total > 0 else np.nan
    out["countryname"] = country_display_names(out["countryname"])
    cols = ["iso3", "countryname", "suppliers", "spend", "spend_share"]
    cols += ["governance_risk", "lpi_score", "country_risk"]
    return out.sort_values("spend", ascending=False).reset_index(drop=True)[cols]


def by_dimension(scored: pd.DataFrame, scoring: str = "classes") -> pd.DataFrame:
    """The current register (closed risks left out) per dimension (``category``): risks, mean
    inherent and residual class score and the number high or critical after mitigation; in money
    mode, total inherent and residual expected loss instead of the class means where the class
    scores are missing. Largest residual first."""
    cur = current(scored)
    g = cur.groupby("category")
    out = pd.DataFrame({"risks": g["risk_id"].size()})
    if "residual_score" in cur.columns:
        out["mean_inherent"] = g["inherent_score"].mean()
        out["mean_residual"] = g["residual_score"].mean()
        out["critical_or_high"] = (
            cur["residual_band"].isin(["critical", "high"]).groupby(cur["category"]).sum()
        )
    if scoring == "money" or "residual_score" not in cur.columns:
        out["inherent_expected_loss"] = g["inherent_expected_loss"].sum()
        out["residual_expected_loss"] = g["residual_expected_loss"].sum()
    key = "residual_expected_loss" if scoring == "money" else "mean_residual"
    return out.reset_index().sort_values(key, ascending=False).reset_index(drop=True)


def action_list(scored: pd.DataFrame, gaps: pd.DataFrame, new_entries: int = 10) -> pd.DataFrame:
    """Register actions: current risks without an owner ("assign an owner") or overdue for review
    ("review now (overdue)"), one row per risk (both actions in one), then up to ``new_entries`` proposed entries for the exposure gaps
    (``risk_id`` "(new)"). Closed risks need neither. Columns ``risk_id, title, residual_band,
    action``."""
    cols = ["risk_id", "title", "residual_band", "action"]
    cur = current(scored)
    if "residual_band" not in cur.columns:
        cur = cur.assign(residual_band="")
    owner, overdue = cur["no_owner"].astype(bool), cur["review_overdue"].astype(bool)
    action = np.select(
        [owner & overdue, owner, overdue],
        ["assign an owner; review now (overdue)", "assign an owner", "review now (overdue)"],
        "",
    )
    # one row per risk, whatever number of actions it needs
    acts = cur.assign(action=action, _o=~owner.to_numpy())[owner | overdue]
    parts = [acts.sort_values("_o", kind="stable")]  # owners to assign first
    if len(gaps):
        g = gaps.head(new_entries)
        driver = g["main_driver"].astype(str).str.replace("ind_", "", regex=False)
        parts.append(
            pd.DataFrame(
                {
                    "risk_id": "(new)",
                    "title": (
                        "Exposure: " + g["name"].astype(str) + " (" + driver + ")"
                    ).to_numpy(),
                    "residual_band": "",
                    "action": "add to the register with a mitigation",
                }
            )
        )
    return pd.concat([p[cols] for p in parts], ignore_index=True)


def register_summary(
    scored: pd.DataFrame, scoring: str = "classes", money=lambda v: f"{v:,.0f}"
) -> list[str]:
    """The register lines of the executive summary, on the current risks only (closed risks are
    listed apart): counts by band (classes) or total expected loss (money), the top risk, and the
    rising / no-owner / overdue-review counts. ``money`` formats amounts."""
    cur = current(scored)
    n_closed = len(scored) - len(cur)
    lines = []
    if not len(cur):
        return [f"No current register risk ({n_closed:,} closed)."]
    top = cur.iloc[0]
    if scoring == "money":
        inh, res = cur["inherent_expected_loss"].sum(), cur["residual_expected_loss"].sum()
        lines.append(
            f"{len(cur):,} current register risks ({n_closed:,} closed ones apart) carry an "
            f"expected loss of {money(inh)} before mitigation and {money(res)} after; the largest "
            f"is '{top['title']}' ({money(top['residual_expected_loss'])} residual expected "
            "loss)."
        )
    else:
        crit = cur["residual_band"].isin(["critical", "high"]).sum()
        lines.append(
            f"{len(cur):,} current register risks ({n_closed:,} closed ones apart): "
            f"{int((cur['inherent_band'] == 'critical').sum())} critical before mitigation, "
            f"{int((cur['residual_band'] == 'critical').sum())} after; {int(crit):,} remain high "
            f"or critical, led by '{top['title']}' (residual {top['residual_score']:.1f})."
        )
    owner, overdue = int(cur["no_owner"].sum()), int(cur["review_overdue"].sum())
    trend = (
        f"{int((cur['trend'] == 'rising').sum()):,} rose since the previous assessment"
        if "trend" in cur.columns
        else "the trend is not measured (no previous assessment in the register)"
    )
    lines.append(
        f"Of the current risks, {trend}; {owner:,} {'has' if owner == 1 else 'have'} no owner "
        f"and {overdue:,} {'is' if overdue == 1 else 'are'} overdue for review."
    )
    return lines


def exposure_summary(
    indicators: pd.DataFrame,
    country_exp: pd.DataFrame,
    exposure: pd.DataFrame,
    gaps: pd.DataFrame,
    gap_threshold: float,
    money=lambda v: f"{v:,.0f}",
    window: str = "the reporting window",
    high_country_risk: float = 50.0,
) -> list[str]:
    """The data-driven lines of the executive summary: single sourcing (items and the revenue of
    ``window``), spend in countries with a country risk of ``high_country_risk`` or more, the most
    exposed supplier and the register gaps, Altman distress and deterioration counts."""
    lines = []
    items = int(indicators["single_source_items"].sum())
    if "single_source_revenue" in indicators:
        rev = money(indicators["single_source_revenue"].sum())
        lines.append(
            f"Single sourcing: {items:,} items have one supplier, carrying {rev} of revenue "
            f"({window})."
        )
    else:
        spend = money(indicators["single_source_spend"].sum())
        lines.append(
            f"Single sourcing: {items:,} items have one supplier, with {spend} of spend "
            f"({window}; no sales table for the revenue)."
        )
    high = country_exp[country_exp["country_risk"] >= high_country_risk]
    share = high["spend_share"].sum()
    names = ", ".join(high["countryname"].dropna().head(4))
    lines.append(
        f"{100 * share:.1f}% of spend sits in countries with a country-risk score of "
        f"{high_country_risk:g} or more" + (f" ({names})." if names else ".")
    )
    if len(exposure):
        top = exposure.iloc[0]
        driver = str(top["main_driver"]).replace("_", " ") or "no indicator"
        lines.append(
            f"Highest data-driven exposure: {top['name']} (score {top['exposure_score']:.0f}, "
            f"driven by {driver}); {len(gaps):,} suppliers scoring {gap_threshold:g}+ have no "
            "open register entry."
        )
    distress = int((indicators["zone"] == "distress").sum()) if "zone" in indicators else 0
    det = int(indicators["deteriorating"].sum()) if "deteriorating" in indicators else 0
    lines.append(
        f"{distress:,} supplier{'s are' if distress != 1 else ' is'} in the Altman distress "
        f"zone; {det:,} show{'s' if det == 1 else ''} significant delivery or quality "
        "deterioration."
    )
    return lines


def appendix(
    scale: int,
    bands: Mapping[str, float],
    country_weights: Mapping[str, float],
    exposure_weights: Mapping[str, float],
    country_risk_year: int,
    window: str,
    currency: str,
    scoring: str = "classes",
) -> dict[str, str]:
    """The method appendix of the risk report, each definition as applied in this run."""
    band_text = ", ".join(f"{k} <= {v}" for k, v in bands.items())
    cw_text = ", ".join(f"{k} {v:.0%}" for k, v in country_weights.items())
    ew_text = ", ".join(f"{k.replace('ind_', '')} {v:.0%}" for k, v in exposure_weights.items())
    used = " (this report)." if scoring == "money" else "."
    return {
        "Risk score": f"Likelihood x impact on a 1-{scale} scale (ISO 31000 risk matrix); bands "
        f"by upper bound: {band_text}.",
        "Expected loss": "Probability (0-1, within a year) x consequence (loss if it occurs, "
        f"{currency}); residual = probability x (1 - mitigation effectiveness) x consequence. "
        f"Ranks the register when scoring is money{used}",
        "Residual risk": "Inherent score x (1 - mitigation effectiveness); the residual heat map "
        "reduces likelihood by the same share.",
        "Current risks": "Every register entry except the closed ones: the heat maps, the register "
        "by dimension, top risks, actions and the summary counts cover current risks only.",
        "Trend": "Inherent score against previous likelihood x previous impact.",
        "Country risk": "Governance risk = (2.5 - mean WGI estimate of political stability, rule "
        "of law, government effectiveness, regulatory quality, control of corruption) / 5 x 100 "
        f"for {country_risk_year}; logistics risk = (5 - LPI 2023 score) / 4 x 100; combined "
        f"with weights {cw_text}. Sources: World Bank WGI (Kaufmann, Kraay & Mastruzzi), LPI "
        "2023, CC BY 4.0.",
        "Single source": f"Items bought from exactly one supplier in {window} (the company "
        "reporting window); revenue = delivered sales of those items ordered in the reporting "
        "window of the sales data.",
        "Delivery and quality": "OTIF (company definition) and PPM over the company reporting "
        "window; set to the maximum indicator when the Kendall trend test shows significant "
        "deterioration (p < 0.05).",
        "Financial distress": "Altman Z' (private manufacturing: 0.717 X1 + 0.847 X2 + 3.107 X3 "
        "+ 0.420 X4 + 0.998 X5; safe > 2.9, distress < 1.23) or Z'' (non-manufacturing: 6.56 X1 "
        "+ 3.26 X2 + 6.72 X3 + 1.05 X4; safe > 2.6, distress < 1.1).",
        "Exposure score": f"100 x weighted mean of the 0-1 indicators with weights {ew_text}; "
        "revenue at risk = revenue of items the supplier is primary for x score / 100.",
    }
