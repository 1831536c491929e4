"""Category review: the Kraljic portfolio from spend, supply market, country risk and supplier
performance together.

The positions combine procurement (spend, market concentration, single sourcing:
:mod:`scmlib.procurement.spend`, :mod:`scmlib.procurement.category`), risk (World Bank WGI and
LPI country risk: :func:`scmlib.risk.assessment.load_country_risk`) and supplier performance
(the scorecard's OTIF, PPM and grade: :mod:`scmlib.suppliers.scorecard`), so they sit in the
cross-area layer. ``category_management`` shows the whole portfolio; ``strategic_sourcing``
(and the later supplier-selection processes) take one category's position from it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from scmlib.core import currency as CUR
from scmlib.core import measures as M
from scmlib.core.delivery import otif_options
from scmlib.core.settings import Settings
from scmlib.procurement import category as CM
from scmlib.procurement import spend as S
from scmlib.risk import assessment as R
from scmlib.suppliers import scorecard as SC


@dataclass
class Review:
    """Everything a category review shows: prepared spend ``lines`` and PO lines in the
    reporting currency (``po``, with ``unit_price_rc`` and ``amount_rc``), the reporting
    ``window``, the ``market`` per category, Kraljic ``indicators`` and ``positions``, the
    price ``trend``, the incumbents' performance, the countries not matched and how a spend
    line got its category (``category_basis``, :func:`spend.classification_basis`)."""

    lines: pd.DataFrame
    po: pd.DataFrame | None
    window: tuple[pd.Timestamp, pd.Timestamp]
    market: pd.DataFrame
    indicators: pd.DataFrame
    positions: pd.DataFrame
    trend: pd.DataFrame
    incumbents: pd.DataFrame
    unknown_countries: list[str]
    category_basis: str = ""

    @property
    def window_text(self) -> str:
        return f"{self.window[0]:%b %Y} to {self.window[1]:%b %Y}"


def po_in_reporting_currency(
    po: pd.DataFrame | None, rates: pd.DataFrame | None, settings: Settings
) -> pd.DataFrame | None:
    """PO lines with ``unit_price_rc`` and ``amount_rc`` (ordered quantity x price) in the
    reporting currency under the company rate policy (:func:`scmlib.core.currency.po_in_reporting_currency`)."""
    if po is None or po.empty:
        return None
    price = CUR.po_in_reporting_currency(
        po, rates, settings["currency.reporting"], settings["currency.rate_policy"]
    )["unit_price"].to_numpy()
    return po.assign(unit_price_rc=price, amount_rc=price * po["ordered_qty"])


def supplier_country_risk(
    suppliers: pd.DataFrame, countries: pd.DataFrame, weights: Mapping[str, float]
) -> tuple[pd.Series, list[str]]:
    """Country risk (0-100) per supplier_id: governance (WGI) and logistics (LPI) risk weighted
    as in the risk assessment (:func:`scmlib.risk.assessment.exposure_indicators`); returns
    (risk by supplier, country values not matched)."""
    code, unknown = R.country_codes(suppliers["country"], countries)
    cr = countries.set_index("code")
    gw = float(weights.get("governance", 0.5))
    lw = float(weights.get("logistics", 0.5))
    risk = (
        gw * cr["governance_risk"] + lw * cr["logistics_risk"].fillna(cr["governance_risk"])
    ) / (gw + lw)
    return pd.Series(code.map(risk).to_numpy(), index=suppliers["supplier_id"]), unknown


def revenue_by_category(
    sales: pd.DataFrame | None, items: pd.DataFrame | None, window
) -> pd.Series | None:
    """Annual delivered revenue per item category over the window (x 12 / months)."""
    if sales is None or items is None:
        return None
    rev = R.revenue_by_item(sales, *window)
    cat = items.set_index("item_id")["category"]
    factor = 12 / S.window_months(pd.Timestamp(window[0]), pd.Timestamp(window[1]))
    return rev.groupby(rev.index.map(cat)).sum() * factor


def incumbents(
    lines: pd.DataFrame,
    window,
    po: pd.DataFrame | None,
    quality: pd.DataFrame | None,
    assessments: pd.DataFrame | None,
    settings: Settings,
) -> pd.DataFrame:
    """The largest supplier (by window spend) of each category with its scorecard figures:
    supplier_id, incumbent name, incumbent_share, otif, ppm, score, grade (the scorecard's
    :func:`~scmlib.suppliers.scorecard.supplier_metrics` and :func:`~scmlib.suppliers.
    scorecard.score`, company OTIF definition and window)."""
    w = CM.in_window(lines, window)
    w = w[w["category"].astype(str) != "Unclassified"]
    by = w.groupby([w["category"].astype(str), "supplier_id"])["amount_rc"].sum()
    share = by / by.groupby(level=0).transform("sum")
    top = share.sort_values(ascending=False).reset_index().drop_duplicates("category")
    top = top.rename(columns={"amount_rc": "incumbent_share"})
    names = lines.drop_duplicates("supplier_id").set_index("supplier_id")["supplier"].astype(str)
    top["incumbent"] = top["supplier_id"].map(names)
    cols = ["category", "supplier_id", "incumbent", "incumbent_share"]
    if po is None or po.empty:
        return top[cols].assign(otif=np.nan, ppm=np.nan, score=np.nan, grade="n/a")
    otif_kw = otif_options(settings.section("supplier_otif"))
    arrivals = po["receipt_date"] if po["receipt_date"].notna().any() else po["promised_date"]
    start, end = M.reporting_window(arrivals, settings)
    metrics, _ = SC.supplier_metrics(po, quality, assessments, start, end, otif_kw)
    card = SC.score(metrics).set_index("supplier_id")
    for c in ("otif", "ppm", "score", "grade"):
        top[c] = top["supplier_id"].map(card[c]) if c in card else np.nan
    top["grade"] = top["grade"].fillna("n/a")
    return top[cols + ["otif", "ppm", "score", "grade"]].reset_index(drop=True)


def category_review(
    data: Mapping[str, pd.DataFrame],
    settings: Settings,
    country_risk_year: int = 2023,
    country_weights: Mapping[str, float] | None = None,
    profit_weights: Mapping[str, float] = CM.DEFAULT_PROFIT_WEIGHTS,
    risk_weights: Mapping[str, float] = CM.DEFAULT_RISK_WEIGHTS,
    cutoffs: Mapping[str, float] = CM.DEFAULT_CUTOFFS,
    switching_cost: Mapping[str, float] | None = None,
    criticality: Mapping[str, float] | None = None,
) -> Review:
    """The category review from the declared tables (``invoices`` required; ``suppliers``,
    ``purchase_order_lines``, ``items``, ``sales_order_lines``, ``quality_receipts``,
    ``supplier_assessments``, ``exchange_rates``, ``price_index`` optional): spend prepared
    (:func:`spend.prepare_spend`, categories recorded or from the company keyword rules,
    :func:`spend.classification_rules`) over the company reporting window, market
    (:func:`category.category_market`), indicators (:func:`category.kraljic_indicators`) and
    positions (:func:`category.kraljic_positions`), price trend (:func:`category.price_trend`)
    and incumbents (:func:`incumbents`)."""
    country_weights = dict(country_weights or {"governance": 0.6, "logistics": 0.4})
    CM.check_weights(profit_weights, CM.PROFIT_INDICATORS, "profit_weights")
    CM.check_weights(risk_weights, CM.RISK_INDICATORS, "risk_weights")
    rates = data.get("exchange_rates")
    sup = data.get("suppliers")
    lines, _, _ = S.prepare_spend(
        data["invoices"],
        sup,
        rates,
        settings["currency.reporting"],
        rules=S.classification_rules(settings),
        rate_policy=settings["currency.rate_policy"],
    )
    window = tuple(M.reporting_window(lines["invoice_date"], settings))
    market = CM.category_market(lines, window)
    po = po_in_reporting_currency(data.get("purchase_order_lines"), rates, settings)
    po_w = CM.in_window(po, window, "order_date") if po is not None else None
    unknown: list[str] = []
    risk = None
    if sup is not None and "country" in sup.columns:
        countries = R.load_country_risk(country_risk_year)
        risk, unknown = supplier_country_risk(sup, countries, country_weights)
    w = CM.in_window(lines, window)
    by_sup = (
        w.assign(category=w["category"].astype(str))
        .groupby(["category", "supplier_id"], as_index=False)["amount_rc"]
        .sum()
    )
    ind = CM.kraljic_indicators(
        market,
        po_w,
        revenue_by_category(data.get("sales_order_lines"), data.get("items"), window),
        risk,
        by_sup,
        switching_cost,
        criticality,
    )
    positions = CM.kraljic_positions(ind, market, profit_weights, risk_weights, cutoffs)
    trend = CM.price_trend(po, window, data.get("price_index"))
    inc = incumbents(
        lines,
        window,
        data.get("purchase_order_lines"),
        data.get("quality_receipts"),
        data.get("supplier_assessments"),
        settings,
    )
    basis = S.classification_basis(settings)
    return Review(lines, po, window, market, ind, positions, trend, inc, unknown, basis)


def market_view(review: Review) -> pd.DataFrame:
    """One row per category: suppliers, HHI and concentration, paid price change against the
    market index, and the incumbent with its scorecard figures; largest spend first."""
    cols = ["category", "annual_spend", "quadrant", "suppliers", "hhi", "concentration"]
    out = review.positions[cols]
    out = out.merge(
        review.trend[["category", "paid_change", "index_change", "gap"]], on="category", how="left"
    )
    inc = review.incumbents.drop(columns=["supplier_id"])
    return out.merge(inc, on="category", how="left")
