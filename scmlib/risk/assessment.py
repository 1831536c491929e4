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


def score_register(
    register: pd.DataFrame,
    scale: int = 5,
    bands: Mapping[str, float] = DEFAULT_BANDS,
    as_of: pd.Timestamp | None = None,
) -> pd.DataFrame:
    """Inherent score = likelihood x impact; residual = inherent x (1 - mitigation effectiveness);
    band of each; trend against the previous assessment; flags for no owner and overdue review.

    Likelihood or impact outside 1..``scale`` is a :class:`DataError` naming the risks.
    """
    require_columns(
        register, ["risk_id", "likelihood", "impact"], "risk register scoring: risk_register"
    )
    r = register.copy()
    for col in ("likelihood", "impact"):
        bad = r[(r[col] < 1) | (r[col] > scale)]
        if len(bad):
            ex = ", ".join(f"{i} ({v})" for i, v in zip(bad["risk_id"].head(5), bad[col].head(5)))
            raise DataError(
                f"table 'risk_register', column '{col}': {len(bad)} risk(s) outside the 1-{scale} scale, e.g. {ex}. Fix: rescore them or set the scale parameter"
            )
    if max(bands.values()) < scale * scale:
        raise DataError(
            f"risk bands {dict(bands)} do not reach the top score {scale * scale} of a {scale}x{scale} matrix: raise the last band's bound"
        )
    eff = (
        r["mitigation_effectiveness"].fillna(0.0)
        if "mitigation_effectiveness" in r.columns
        else 0.0
    )
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
    as_of = as_of or pd.Timestamp.today().normalize()
    r["no_owner"] = r["owner"].isna() if "owner" in r.columns else True
    r["review_overdue"] = (
        (r["review_date"] < as_of) & (r["status"] != "closed")
        if "review_date" in r.columns
        else False
    )
    return r.sort_values(["residual_score", "inherent_score"], ascending=False).reset_index(
        drop=True
    )


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


def single_source(
    po: pd.DataFrame, revenue_by_item: pd.Series | None = None, months: int = 12
) -> pd.DataFrame:
    """Items bought from exactly one supplier in the last ``months`` months, per supplier: item
    count, spend on them and the revenue of the items that depend on them."""
    p = po.dropna(subset=["item_id"])
    p = p[p["order_date"] > p["order_date"].max() - pd.DateOffset(months=months)]
    n = p.groupby("item_id")["supplier_id"].nunique()
    single = n[n == 1].index
    s = p[p["item_id"].isin(single)].assign(spend=lambda d: d["ordered_qty"] * d["unit_price"])
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
) -> tuple[pd.DataFrame, list[str]]:
    """The indicators behind each supplier's exposure, each scaled to 0-1 (1 = most exposed):

    - ``ind_spend``: share of spend (scaled by the largest share);
    - ``ind_single_source``: revenue of single-sourced items it supplies (scaled by the largest);
    - ``ind_country``: country risk = weighted governance and logistics risk / 100;
    - ``ind_delivery``: (1 - OTIF) / 0.4, or 1 when OTIF deteriorates significantly;
    - ``ind_quality``: PPM / 20,000, or 1 when PPM deteriorates significantly;
    - ``ind_financial``: Altman zone of the latest year: distress 1, grey 0.5, safe 0.
    Returns (indicators, countries that could not be matched).
    """
    s = suppliers[["supplier_id", "name", "country", "category"]].copy()
    last = po["order_date"].max()
    p = po[po["order_date"] > last - pd.DateOffset(months=12)].assign(
        spend=lambda d: d["ordered_qty"] * d["unit_price"]
    )
    spend = p.groupby("supplier_id")["spend"].sum()
    s["spend"] = s["supplier_id"].map(spend).fillna(0.0)
    s["ind_spend"] = scale01(s["spend"] / max(s["spend"].sum(), 1e-9))
    ss = single_source(po, revenue_by_item)
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
    and punctuation ignored), supplier and category. One row per entry in a duplicate group, with
    the group's first risk id as ``duplicate_of``."""
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
    dup = k.duplicated(keep=False).to_numpy()
    out = register.loc[dup].copy()
    first = register.groupby([k[c] for c in k.columns], dropna=False, sort=False)[
        "risk_id"
    ].transform("first")
    out["duplicate_of"] = first[dup].to_numpy()
    return out.sort_values(["duplicate_of", "risk_id"]).reset_index(drop=True)


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
