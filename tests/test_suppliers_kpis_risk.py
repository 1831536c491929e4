"""Supplier scorecard, SCOR KPIs and risk: hand-computed OTIF variants, PPM, cash-to-cash,
perfect order, register scoring, Altman Z, country mapping; delivery data without quantities."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from scmlib.analytics import kpis as K
from scmlib.core.settings import load_settings
from scmlib.errors import DataError, ParameterError
from scmlib.risk import assessment as R
from scmlib.suppliers import scorecard as SC


def _po():
    d = pd.to_datetime
    return pd.DataFrame(
        {
            "po_id": ["P1", "P1", "P2", "P3", "P4"],
            "line_id": ["1", "2", "1", "1", "1"],
            "supplier_id": ["S1", "S1", "S1", "S2", "S2"],
            "order_date": d(["2025-01-01"] * 5),
            "promised_date": d(
                ["2025-01-10", "2025-01-10", "2025-01-10", "2025-01-10", "2025-01-10"]
            ),
            "requested_date": d(
                ["2025-01-08", "2025-01-08", "2025-01-12", "2025-01-10", "2025-01-10"]
            ),
            "receipt_date": d(
                ["2025-01-10", "2025-01-11", "2025-01-05", "2025-01-09", "2025-01-10"]
            ),
            "ordered_qty": [10.0, 10, 10, 10, 10],
            "received_qty": [10.0, 10, 10, 9, 10],
            "unit_price": 1.0,
        }
    )


def test_otif_line_level_default_window():
    # window: up to 3 days early, 0 late; in full = received >= ordered
    f, unavailable = SC.otif(_po())
    assert f["on_time"].tolist() == [1, 0, 0, 1, 1]  # 1 day late; 5 days early
    assert f["in_full"].tolist() == [1, 1, 1, 0, 1]
    assert f["otif"].tolist() == [1, 0, 0, 0, 1] and not unavailable


def test_otif_variants():
    f, _ = SC.otif(_po(), late_days=1, early_days=5, in_full_tolerance=0.1)
    assert f["otif"].tolist() == [1, 1, 1, 1, 1]
    f, _ = SC.otif(_po(), due="requested_date")
    assert f["on_time"].tolist() == [0, 0, 0, 1, 1]  # 2 and 3 days late vs requested; 7 days early
    f, _ = SC.otif(_po(), level="order")
    assert f.set_index("po_id")["otif"].to_dict() == {"P1": 0, "P2": 0, "P3": 0, "P4": 1}


def test_delivery_data_without_quantities_computes_what_it_can():
    po = _po().drop(columns=["received_qty"])
    f, unavailable = SC.otif(po)
    assert f["on_time"].notna().all() and f["otif"].isna().all()
    assert "in_full" in unavailable and "otif" in unavailable
    m, unavailable = SC.supplier_metrics(
        po.drop(columns=["requested_date"]),
        None,
        None,
        pd.Timestamp("2025-01-01"),
        pd.Timestamp("2025-12-31"),
    )
    assert m.set_index("supplier_id")["on_time"].to_dict() == {
        "S1": pytest.approx(1 / 3),
        "S2": 1.0,
    }
    assert {"in_full", "otif", "quality", "responsiveness", "sustainability", "cost"} <= set(
        unavailable
    )
    card = SC.score(m, {"otif": 0.5, "quality": 0.5}, min_measured_weight=0.5).set_index(
        "supplier_id"
    )
    # without in-full the delivery dimension is the on-time rate; quality is absent, so weights renormalise
    assert card.loc["S1", "score"] == pytest.approx(100 / 3) and card.loc[
        "S2", "score"
    ] == pytest.approx(100)
    # by default a supplier known by half of the score weight is neither ranked nor graded, and says why
    card = SC.score(m, {"otif": 0.5, "quality": 0.5}).set_index("supplier_id")
    assert card["score"].isna().all() and (card["grade"] == "n/a").all()
    assert card.loc["S1", "unscored_reason"] == "only 50% of the score weight measured (needs 60%)"


def test_no_top_grade_below_the_otif_target():
    m = pd.DataFrame(
        {
            "supplier_id": ["S1", "S2"],
            "lines": [20, 20],
            "otif": [0.90, 0.97],
            "on_time": [0.9, 0.97],
            "ppm": [0.0, 0.0],
            "price_change": [0.0, 0.0],
            "responsiveness": [5.0, 5.0],
            "sustainability": [5.0, 5.0],
            "spend": [1.0, 1.0],
        }
    )
    card = SC.score(m, otif_target=0.95).set_index("supplier_id")
    assert (
        card.loc["S1", "score"] >= 85 and card.loc["S1", "grade"] == "B"
    )  # an A score, but below the OTIF target
    assert card.loc["S2", "grade"] == "A"
    # the cap is stated beside the grade, so rank 1 graded B under rank 2 graded A is explained
    assert card.loc["S1", "grade_capped_because"] == "OTIF 90.0% below the 95% target: capped at B"
    assert card.loc["S2", "grade_capped_because"] == ""


def test_missing_metrics_never_improve_the_score():
    """S2 is S1 without its quality and cost measures (e.g. a duplicate vendor record, or no
    receipts inspected): renormalising its weights would lift it above S1 to an A; instead it is
    not ranked or graded and says which data is missing."""
    m = pd.DataFrame(
        {
            "supplier_id": ["S1", "S2"],
            "lines": [20, 20],
            "otif": [0.97, 0.97],
            "on_time": [0.97, 0.97],
            "ppm": [5000.0, np.nan],
            "price_change": [0.05, np.nan],
            "responsiveness": [5.0, 5.0],
            "sustainability": [5.0, 5.0],
            "spend": [1.0, 1.0],
        }
    )
    card = SC.score(m, otif_target=0.95).set_index("supplier_id")
    assert card.loc["S1", "grade"] in ("B", "C") and card.loc["S1", "rank"] == 1
    assert pd.isna(card.loc["S2", "score"]) and card.loc["S2", "grade"] == "n/a"
    assert pd.isna(card.loc["S2", "rank"])
    assert card.loc["S2", "unscored_reason"] == (
        "insufficient data: quality (PPM), cost (price change) not measured for this supplier"
    )
    # a dimension no supplier has is left out for everyone: it favours no one
    both = SC.score(m.assign(ppm=np.nan, price_change=np.nan), otif_target=0.95)
    assert both["score"].notna().all() and both["score"].nunique() == 1


def test_ppm_and_score_grades():
    q = pd.DataFrame(
        {
            "supplier_id": ["S1", "S1", "S2"],
            "receipt_date": pd.to_datetime(["2025-01-05"] * 3),
            "received_qty": [1000.0, 1000, 500],
            "rejected_qty": [1.0, 3, 0],
        }
    )
    m, _ = SC.supplier_metrics(
        _po(), q, None, pd.Timestamp("2025-01-01"), pd.Timestamp("2025-12-31")
    )
    m = m.set_index("supplier_id")
    assert (
        m.loc["S1", "ppm"] == pytest.approx(4 / 2000 * 1e6)
        and m.loc["S1", "rejection_rate"] == 1.0
        and m.loc["S2", "ppm"] == 0
    )
    card = SC.score(
        m.reset_index(), {"otif": 0.5, "quality": 0.5}, {"A": 85, "B": 70, "C": 55}
    ).set_index("supplier_id")
    # S1: otif 1/3 -> 33.3, quality 100 x (1 - 2000/10000) = 80 -> 56.7 (C); S2: otif 0.5 -> 50, quality 100 -> 75 (B)
    assert (
        card.loc["S1", "score"] == pytest.approx((100 / 3 + 80) / 2)
        and card.loc["S1", "grade"] == "C"
    )
    assert card.loc["S2", "score"] == pytest.approx(75) and card.loc["S2", "grade"] == "B"


def test_deterioration_test_flags_a_falling_supplier():
    periods = pd.date_range("2025-01-01", periods=12, freq="MS")
    t = pd.concat(
        [
            pd.DataFrame(
                {"supplier_id": "FALL", "period": periods, "otif": np.linspace(0.98, 0.6, 12)}
            ),
            pd.DataFrame({"supplier_id": "FLAT", "period": periods, "otif": [0.9, 0.92] * 6}),
        ]
    )
    d = SC.deterioration(t).set_index("supplier_id")
    assert d.loc["FALL", "deteriorating"] and not d.loc["FLAT", "deteriorating"]


def test_cash_to_cash_worked_example():
    c = K.cash_to_cash(revenue=1095, cogs=730, inventory=100, receivables=60, payables=40)
    assert c == {
        "dio": pytest.approx(50),
        "dso": pytest.approx(20),
        "dpo": pytest.approx(20),
        "c2c": pytest.approx(50),
    }


def test_perfect_order_hand_computed():
    d = pd.to_datetime
    s = pd.DataFrame(
        {
            "order_id": ["O1", "O1", "O2", "O3", "O4"],
            "order_date": d(["2025-01-01"] * 5),
            "requested_date": d(["2025-01-05"] * 5),
            "delivery_date": d(
                ["2025-01-05", "2025-01-04", "2025-01-06", "2025-01-03", "2025-01-05"]
            ),
            "ordered_qty": [5.0, 5, 5, 5, 5],
            "delivered_qty": [5.0, 5, 5, 5, 4],
            "damage_free": [True, True, True, False, True],
            "documentation_accurate": [True, True, True, True, True],
        }
    )
    po = K.perfect_orders(s).set_index("order_id")
    assert po["perfect"].to_dict() == {
        "O1": True,
        "O2": False,
        "O3": False,
        "O4": False,
    }  # late; damaged; short
    assert po.loc["O1", "cycle_time_days"] == 4
    settings = load_settings(None).with_overrides(calendar__as_of="2025-12-31")
    scor = {f.kpi: f for f in K.scor_level1(s, None, settings)}
    assert scor["perfect_order_fulfillment"].value == 0.25 and np.isnan(
        scor["upside_adaptability"].value
    )
    assert "not computable" in scor["cash_to_cash"].basis


def test_rag_status():
    assert (
        K.rag(0.96, 0.95, True) == "green"
        and K.rag(0.93, 0.95, True) == "amber"
        and K.rag(0.80, 0.95, True) == "red"
    )
    assert (
        K.rag(40, 45, False) == "green"
        and K.rag(47, 45, False) == "amber"
        and K.rag(60, 45, False) == "red"
    )
    assert K.rag(1.0, None, True) == "grey" and K.rag(0.9498, 0.95, True) == "amber"


def test_cash_to_cash_dpo_on_material_purchases():
    """SCOR 12.0 AM.1.1: DPO on material purchases. Payables 40 against purchases of 584 a year
    (instead of COGS 730) -> DPO 25 days, so C2C = 50 + 20 - 25 = 45 days (5 days fewer)."""
    c = K.cash_to_cash(
        revenue=1095, cogs=730, inventory=100, receivables=60, payables=40, purchases=584
    )
    assert c["dpo"] == pytest.approx(25) and c["c2c"] == pytest.approx(45)


def test_perfect_order_from_component_rates():
    assert K.perfect_order_from_rates(
        {"on_time": 0.95, "in_full": 0.96, "damage_free": 0.99, "documents": 0.995}
    ) == pytest.approx(0.8983, abs=1e-4)
    assert np.isnan(K.perfect_order_from_rates({}))
    with pytest.raises(ParameterError):
        K.perfect_order_from_rates({"on_time": 95})


def test_financials_from_parameters():
    f = K.financials_from_params(
        {
            "revenue": 1200,
            "cost_of_goods_sold": 600,
            "supply_chain_management_cost": 120,
            "accounts_receivable": 100,
            "accounts_payable": 50,
            "inventory_value": 80,
            "supply_chain_fixed_assets": 400,
        },
        pd.Timestamp("2025-12-31"),
    )
    settings = load_settings(None).with_overrides(calendar__as_of="2025-12-31")
    scor = {f.kpi: f.value for f in K.scor_level1(None, f, settings)}
    assert scor["total_scm_cost"] == pytest.approx(0.1)
    assert scor["return_on_sc_fixed_assets"] == pytest.approx(480 / 400) and scor[
        "return_on_working_capital"
    ] == pytest.approx(480 / 130)
    with pytest.raises(ParameterError, match="missing"):
        K.financials_from_params({"revenue": 1}, pd.Timestamp("2025-12-31"))


# ---------------------------------------------------------------- risk


def _register():
    return pd.DataFrame(
        {
            "risk_id": ["R1", "R2", "R3"],
            "title": ["a", "b", "c"],
            "category": ["financial", "operational", "geopolitical"],
            "likelihood": [5, 2, 3],
            "impact": [5, 2, 4],
            "owner": ["x", None, "y"],
            "status": ["open", "open", "closed"],
            "mitigation_effectiveness": [0.4, 0.0, 0.5],
            "review_date": pd.to_datetime(["2025-01-01", "2026-01-01", "2025-01-01"]),
            "previous_likelihood": [4, 2, None],
            "previous_impact": [5, 2, None],
        }
    )


def test_register_scoring():
    r = R.score_register(_register(), 5, R.DEFAULT_BANDS, pd.Timestamp("2025-06-01")).set_index(
        "risk_id"
    )
    assert r.loc["R1", "inherent_score"] == 25 and r.loc["R1", "residual_score"] == 15
    assert r.loc["R1", "inherent_band"] == "critical" and r.loc["R1", "residual_band"] == "high"
    assert r.loc["R2", "inherent_band"] == "low" and r.loc["R2", "no_owner"]
    assert (
        r.loc["R1", "trend"] == "rising"
        and r.loc["R2", "trend"] == "unchanged"
        and r.loc["R3", "trend"] == "new"
    )
    assert (
        r.loc["R1", "review_overdue"] and not r.loc["R3", "review_overdue"]
    )  # closed risks need no review
    m = R.heat_matrix(r.reset_index())
    assert m.loc[5, 5] == 1 and m.values.sum() == 2  # the closed R3 is not current


def test_register_out_of_scale_is_an_error():
    with pytest.raises(DataError, match=r"column 'impact'.*outside the 1-5 scale.*R2 \(7\)"):
        R.score_register(_register().assign(impact=[5, 7, 4]))
    with pytest.raises(DataError, match="do not reach the top score"):
        R.score_register(_register(), bands={"low": 5, "high": 10})


def test_altman_z_worked_example():
    # X1 = 0.2, X2 = 0.3, X3 = 0.1, X4 = 1.0, X5 = 1.5 (total assets 100)
    fin = pd.DataFrame(
        {
            "supplier_id": ["M", "N"],
            "fiscal_year": 2025,
            "total_assets": 100.0,
            "current_assets": 50.0,
            "current_liabilities": 30.0,
            "total_liabilities": 50.0,
            "retained_earnings": 30.0,
            "ebit": 10.0,
            "sales": 150.0,
            "book_equity": 50.0,
            "is_manufacturer": [True, False],
        }
    )
    z = R.altman_z(fin).set_index("supplier_id")
    assert z.loc["M", "z_score"] == pytest.approx(
        0.717 * 0.2 + 0.847 * 0.3 + 3.107 * 0.1 + 0.420 * 1.0 + 0.998 * 1.5
    )  # 2.6285
    assert z.loc["M", "zone"] == "grey"
    assert z.loc["N", "z_score"] == pytest.approx(
        6.56 * 0.2 + 3.26 * 0.3 + 6.72 * 0.1 + 1.05 * 1.0
    )  # 4.017
    assert z.loc["N", "zone"] == "safe"


def test_country_risk_reference_and_mapping():
    cr = R.load_country_risk(2023)
    assert (
        cr["code"].is_unique and cr["lpi_score"].notna().sum() == 139
    )  # every LPI economy matched (Türkiye, Viet Nam included)
    codes, unknown = R.country_codes(
        pd.Series(["USA", "Germany", "Viet Nam", "uk", "Atlantis"]), cr
    )
    assert codes.tolist()[:4] == ["USA", "DEU", "VNM", "GBR"] and unknown == ["Atlantis"]
    assert (
        cr.set_index("code").loc["SGP", "governance_risk"]
        < cr.set_index("code").loc["AFG", "governance_risk"]
    )
    with pytest.raises(DataError, match="not in the WGI data"):
        R.load_country_risk(1900)


def test_exposure_weights_and_gaps():
    ind = pd.DataFrame(
        {
            "supplier_id": ["A", "B"],
            "ind_country": [1.0, 0.0],
            "ind_spend": [0.5, 1.0],
            "revenue_supplied": [100.0, 0],
        }
    )
    e = R.supplier_exposure(ind, {"ind_country": 3, "ind_spend": 1}).set_index("supplier_id")
    assert e.loc["A", "exposure_score"] == pytest.approx(100 * (3 + 0.5) / 4) and e.loc[
        "A", "revenue_at_risk"
    ] == pytest.approx(87.5)
    assert e.loc["A", "main_driver"] == "country"
    with pytest.raises(ValueError, match="unknown indicator"):
        R.supplier_exposure(ind, {"ind_weather": 1})
    gaps = R.register_gaps(
        e.reset_index(), pd.DataFrame({"supplier_id": ["B"], "status": ["open"]}), 20
    )
    assert gaps["supplier_id"].tolist() == ["A"]


def test_register_checks_duplicates_closed_and_country_names():
    from scmlib.risk import assessment as R

    reg = pd.DataFrame(
        {
            "risk_id": ["R1", "R2", "R3", "R4"],
            "title": [
                "Trade restrictions affecting USA sourcing",
                "Trade  restrictions affecting USA sourcing.",
                "Flood at plant",
                "Trade restrictions affecting USA sourcing",
            ],
            "supplier_id": ["S1", "S1", "S2", "S9"],
            "category": ["geopolitical"] * 4,
            "likelihood": [5, 5, 2, 1],
            "impact": [5, 5, 2, 1],
            "status": ["open", "closed", "open", "open"],
        }
    )
    dups = R.probable_duplicates(reg)
    # R2 repeats R1 (R4 names another supplier); R1 is the original, never its own duplicate
    assert dups["risk_id"].tolist() == ["R2"] and dups["duplicate_of"].tolist() == ["R1"]
    m = R.heat_matrix(R.score_register(reg), 5)
    assert m.to_numpy().sum() == 3 and m.loc[5, 5] == 1  # the closed R2 is not current
    assert list(
        R.country_display_names(pd.Series(["Egypt, Arab Rep.", "Bahamas, The", "Mexico"]))
    ) == ["Egypt", "Bahamas (The)", "Mexico"]


# --------------------------------------------------------------------------- issues 16 and 19


def _card():
    return pd.DataFrame(
        {
            "supplier_id": ["A", "B", "C"],
            "name": ["Alpha", "Beta", "Gamma"],
            "otif": [0.9, np.nan, 0.6],
            "on_time": [0.95, 0.8, 0.7],
            "ppm": [1000.0, np.nan, 5000.0],
            "spend": [300.0, 500.0, 100.0],
            "score": [80.0, np.nan, 50.0],
            "grade": ["B", "n/a", "D"],
            "rank": pd.array([1, pd.NA, 2], dtype="Int64"),
            "unscored_reason": ["", "only 35% of the score weight measured (needs 60%)", ""],
            "lead_time_days": [10.0, np.nan, 20.0],
            "lead_time_std_days": [2.0, np.nan, np.nan],
        }
    )


def test_unmeasured_metric_is_not_a_missed_target():
    c = SC.target_flags(_card(), {"otif": 0.95, "ppm": 2500})
    assert c["meets_otif_target"].tolist()[0] is False and c["meets_otif_target"].isna()[1]
    assert c["meets_ppm_target"].tolist()[0] is True and c["meets_ppm_target"].isna()[1]
    assert int((c["meets_ppm_target"] == False).sum()) == 1  # noqa: E712 (only C misses)


def test_spend_weighted_otif_known_answer_and_company_measure():
    # (0.9 x 300 + 0.6 x 100) / (300 + 100) = 0.825; B (no OTIF) is left out, not counted as 0
    assert SC.spend_weighted_otif(_card()) == pytest.approx(0.825)
    assert np.isnan(SC.spend_weighted_otif(_card().assign(otif=np.nan)))
    # one supplier: the spend-weighted figure is the company (pooled) measure, same definition
    from scmlib.core import measures as M
    from scmlib.core.delivery import otif_options

    po = _po()[_po()["supplier_id"] == "S1"].copy()
    po.loc[po.index[-1], "receipt_date"] = pd.Timestamp("2025-01-31")  # a complete January
    settings = load_settings(None)
    fig = M.supplier_otif(po, settings)
    kw = otif_options(settings.section("supplier_otif"))
    metrics, _ = SC.supplier_metrics(po, None, None, fig.window_start, fig.window_end, kw)
    assert fig.value == pytest.approx(1 / 3)  # line 1 on time; line 2 a day late; P2 21 days late
    assert SC.spend_weighted_otif(metrics) == pytest.approx(fig.value)


def test_profile_tiles_not_measured_is_grey_and_rank_of_ranked():
    card = _card()
    tiles = SC.profile_tiles(card.iloc[0], "otif", {"otif": 0.95, "ppm": 2500}, ranked=2)
    assert tiles[0]["detail"] == "rank 1 of 2 ranked" and tiles[1]["status"] == "red"
    # a grade's status is said as the grade's meaning, never as 'close to target'
    grade = card.iloc[0]["grade"]
    assert tiles[0]["status_text"] == f"grade {grade}: {SC.GRADE_WORDS[grade]}"
    tiles = SC.profile_tiles(card.iloc[1], "otif", {"otif": 0.95, "ppm": 2500}, ranked=2)
    assert [t["value"] for t in tiles[:3]] == ["not ranked", "not measured", "not measured"]
    assert {t["status"] for t in tiles} == {"grey"}
    assert "nan" not in " ".join(str(v) for t in tiles for v in t.values())


def test_otif_appendix_text_follows_the_definition_used():
    line = SC.otif_definition_text({"level": "line", "early_days": 3, "late_days": 0})
    assert "per PO line" in line and "3 days before and 0 days after its promised" in line
    order = SC.otif_definition_text(
        {"level": "order", "early_days": 0, "late_days": 1, "in_full_tolerance": 0.02,
         "due": "requested_date"}
    )  # fmt: skip
    assert "every one of its lines" in order and "1 day after its requested date" in order
    assert "at least 98% of the ordered quantity" in order


def test_probable_duplicate_vendors_known_answer():
    sup = pd.DataFrame(
        {
            "supplier_id": ["S1", "S2", "S3", "S4", "S5", "S6"],
            "name": [
                "Falcon Services Ltd",
                "FALCON  SERVICES LIMITED.",
                "Orion Trading",
                "Orion Works",
                "Zenith Ltd",
                "Unique plc",
            ],
            "tax_id": ["GB123", None, "DE9", None, "gb-123", None],
            "bank_account": [None, None, "AC1", "AC1", None, ""],
        }
    )
    d = SC.probable_duplicate_vendors(sup)
    assert d[["supplier_id", "duplicate_of", "reason"]].values.tolist() == [
        ["S2", "S1", "same name"],
        ["S5", "S1", "same tax id"],
        ["S4", "S3", "same bank account"],
    ]
    assert SC.probable_duplicate_vendors(sup.iloc[[0, 2, 5]]).empty  # nothing shared
    # the demo vendor master holds real duplicates, found by name and tax or bank details
    from scmlib.data.demo import generate_demo

    demo = SC.probable_duplicate_vendors(generate_demo(7, 0.1)["suppliers"])
    assert len(demo) >= 1 and demo["reason"].str.contains("same tax id|same bank").any()


def test_summary_counts_only_measured_suppliers_and_names_duplicates():
    from scmlib.core.kpi import Figure

    card = SC.target_flags(_card(), {"otif": 0.95, "ppm": 2500})
    fig = Figure("supplier_otif", 0.8, pd.Timestamp("2025-01-01"), pd.Timestamp("2025-12-31"), "x")
    dups = pd.DataFrame(
        {"supplier_id": ["S2"], "duplicate_of": ["S1"], "name": ["F"], "reason": ["same name"]}
    )
    empty = pd.DataFrame(columns=["supplier_id", "spend", "days_overdue"])
    pts = SC.summary_points(card, fig, {"otif": 0.95, "ppm": 2500}, {}, empty, empty, dups)
    assert "(2 of 2 measured suppliers below it)" in pts[0]
    assert "1 of 2 measured suppliers above" in pts[1]
    assert "3 suppliers had PO lines in the period: 2 ranked and graded, 1 not" in pts[2]
    assert any("1 vendor records are probable duplicates" in p for p in pts)
    assert not any("duplicates" in p for p in SC.summary_points(
        card, fig, {"otif": 0.95, "ppm": 2500}, {}, empty, empty, dups.iloc[:0]))  # fmt: skip


def test_complete_periods_drop_partial_quarters():
    trend = pd.DataFrame(
        {"period": pd.to_datetime(["2025-01-01", "2025-04-01", "2025-07-01"]), "otif": 0.9}
    )
    dates = pd.Series(pd.date_range("2025-01-01", "2025-07-31", freq="D"))
    out = SC.complete_periods(trend, dates, set(), "Q")
    assert out["period"].dt.month.tolist() == [1, 4]  # July alone is not a quarter
    # a month after the reporting window (one early line, 100% OTIF) is no trend point
    months = pd.DataFrame({"period": pd.date_range("2025-05-01", "2025-07-01", freq="MS")})
    out = SC.complete_periods(months, dates, set(), "M", end=pd.Timestamp("2025-06-30"))
    assert out["period"].dt.month.tolist() == [5, 6]


def _money_register():
    return pd.DataFrame(
        {
            "risk_id": ["M1", "M2", "M3"],
            "title": ["Port strike", "Supplier insolvency", "Old risk"],
            "category": ["operational", "financial", "financial"],
            "probability": [0.2, 0.5, 0.9],
            "consequence": [1_000_000.0, 100_000.0, 10_000_000.0],
            "mitigation_effectiveness": [0.5, 0.0, 0.0],
            "owner": [None, "x", None],
            "status": ["open", "open", "closed"],
            "review_date": pd.to_datetime(["2025-01-01", "2026-01-01", "2024-01-01"]),
        }
    )


def test_register_scored_in_money_known_answer():
    r = R.score_register(_money_register(), scoring="money", as_of=pd.Timestamp("2025-06-01"))
    m = r.set_index("risk_id")
    assert m.loc["M1", "inherent_expected_loss"] == pytest.approx(200_000)  # 0.2 x 1,000,000
    assert m.loc["M1", "residual_expected_loss"] == pytest.approx(100_000)  # 50% effective
    assert m.loc["M2", "residual_expected_loss"] == pytest.approx(50_000)
    # ranked by residual expected loss among current risks; a money-only register is readable
    assert r["risk_id"].tolist()[:2] == ["M3", "M1"] and m.loc["M1", "rank"] == 1
    assert pd.isna(m.loc["M3", "rank"]) and "inherent_score" not in r
    with pytest.raises(DataError, match="likelihood"):
        R.score_register(_money_register())  # classes need likelihood and impact
    with pytest.raises(DataError, match="probability outside 0-1"):
        R.score_register(_money_register().assign(probability=20), scoring="money")
    with pytest.raises(ParameterError, match="scoring"):
        R.score_register(_money_register(), scoring="dollars")
    dim = R.by_dimension(r, "money").set_index("category")
    assert dim.loc["financial", "risks"] == 1  # the closed M3 is left out
    assert dim.loc["operational", "residual_expected_loss"] == pytest.approx(100_000)
    lines = R.register_summary(r, "money", money=lambda v: f"${v:,.0f}")
    assert "2 current register risks (1 closed ones apart)" in lines[0]
    assert "$250,000 before mitigation and $150,000 after" in lines[0]
    assert "1 has no owner and 1 is overdue" in lines[1]  # the closed M3 counts in neither
    assert "trend is not measured" in lines[1]  # no previous assessment: not "0 rose"


def test_closed_risks_out_of_dimension_table_counts_and_actions():
    reg = _register()  # R3 is closed
    r = R.score_register(reg, 5, R.DEFAULT_BANDS, pd.Timestamp("2025-06-01"))
    dim = R.by_dimension(r.assign(category="x"))
    assert dim["risks"].tolist() == [2]
    lines = R.register_summary(r)
    assert "2 current register risks (1 closed ones apart)" in lines[0]
    assert "1 rose" in lines[1] and "1 has no owner and 1 is overdue" in lines[1]
    gaps = pd.DataFrame({"name": ["Acme"], "main_driver": ["ind_country"]})
    acts = R.action_list(r.assign(title=r["risk_id"]), gaps)
    assert acts["risk_id"].tolist() == ["R2", "R1", "(new)"]
    assert acts["title"].iloc[-1] == "Exposure: Acme (country)"


def test_revenue_window_and_country_exposure():
    sales = pd.DataFrame(
        {
            "item_id": ["I1", "I1", "I2"],
            "order_date": pd.to_datetime(["2024-12-31", "2025-01-15", "2025-12-31"]),
            "delivered_qty": [5.0, 2.0, np.nan],
            "unit_price": [10.0, 10.0, 3.0],
        }
    )
    rev = R.revenue_by_item(sales, pd.Timestamp("2025-01-01"), pd.Timestamp("2025-12-31"))
    assert rev.to_dict() == {"I1": 20.0, "I2": 0.0}
    assert R.revenue_by_item(None, pd.Timestamp("2025-01-01"), pd.Timestamp("2025-12-31")) is None
    ind = pd.DataFrame(
        {
            "supplier_id": ["A", "B", "C"],
            "iso3": ["EGY", "EGY", None],
            "spend": [30.0, 10.0, 60.0],
            "country_risk": [60.0, 60.0, np.nan],
        }
    )
    cr = pd.DataFrame(
        {"code": ["EGY"], "countryname": ["Egypt, Arab Rep."], "governance_risk": [55.0],
         "lpi_score": [2.8]}
    )  # fmt: skip
    ce = R.country_exposure(ind, cr)
    egy = ce[ce["iso3"] == "EGY"].iloc[0]
    assert egy["suppliers"] == 2 and egy["spend_share"] == pytest.approx(0.4)
    assert egy["countryname"] == "Egypt"


def test_a_risk_appears_once_in_the_register_checks_and_actions():
    """Like the demo's R008 (original) and R018 (same title, location and category): R008 is
    listed once, as the original of R018, not also as a duplicate of itself; a risk with no
    owner that is also overdue has one action row."""
    reg = pd.DataFrame(
        {
            "risk_id": ["R008", "R018", "R020"],
            "title": ["Flood or storm disruption at DC-EAST"] * 2 + ["Other"],
            "category": ["environmental"] * 3,
            "likelihood": [3, 2, 4],
            "impact": [1, 5, 2],
            "status": ["mitigating", "mitigating", "open"],
            "owner": ["Quality", "Quality", None],
            "review_date": pd.to_datetime(["2026-08-16", "2026-12-01", "2026-01-01"]),
        }
    )
    dups = R.probable_duplicates(reg)
    assert dups[["risk_id", "duplicate_of"]].values.tolist() == [["R018", "R008"]]
    r = R.score_register(reg, 5, R.DEFAULT_BANDS, pd.Timestamp("2026-10-31"))
    acts = R.action_list(r, pd.DataFrame())
    assert acts["risk_id"].tolist() == ["R020", "R008"]
    assert acts["action"].tolist() == [
        "assign an owner; review now (overdue)",
        "review now (overdue)",
    ]
    line = R.register_checks_line(dups, 2)
    assert "1 entry probably repeats an earlier one" in line and "R018 repeats R008" in line
    assert "2 closed risks are left out" in line


def test_single_source_value_is_in_the_reporting_currency():
    """A EUR PO line counts at its converted price (unit_price_rc), not its EUR figure, so the
    single-source value sits on the same basis as the invoiced spend beside it."""
    po = pd.DataFrame(
        {
            "supplier_id": ["S1", "S2", "S2"],
            "item_id": ["I1", "I2", "I3"],
            "order_date": pd.to_datetime(["2026-05-01"] * 3),
            "ordered_qty": [10.0, 5.0, 1.0],
            "unit_price": [100.0, 10.0, 1.0],  # S1 in EUR
            "unit_price_rc": [110.0, 10.0, 1.0],
        }
    )
    ss = R.single_source(po, window=(pd.Timestamp("2026-01-01"), pd.Timestamp("2026-12-31")))
    ss = ss.set_index("supplier_id")
    assert ss.loc["S1", "single_source_spend"] == pytest.approx(1100.0)
    assert ss.loc["S2", "single_source_items"] == 2
    assert R.single_source(po.drop(columns="unit_price_rc")).set_index("supplier_id").loc[
        "S1", "single_source_spend"
    ] == pytest.approx(1000.0)


def test_supplier_spend_is_in_the_reporting_currency_and_price_change_in_the_suppliers():
    """S2 invoices EUR 1.00 a unit in both years while the euro moves from 1.00 to 1.20 USD: its
    spend is USD 1.20 x 40 units in 2025, and its price change is 0 (a rate move is not a
    supplier price rise)."""
    from scmlib.core.currency import po_in_reporting_currency

    cur = _po().assign(currency=["USD", "USD", "USD", "EUR", "EUR"], item_id="I1")
    prior = cur.assign(
        order_date=pd.Timestamp("2024-03-01"), promised_date=pd.Timestamp("2024-03-10")
    )
    rates = pd.DataFrame(
        {
            "currency": ["EUR", "EUR"],
            "date": pd.to_datetime(["2024-03-01", "2025-01-01"]),
            "rate_to_usd": [1.0, 1.2],
        }
    )
    po = po_in_reporting_currency(pd.concat([prior, cur], ignore_index=True), rates, "USD")
    assert po_in_reporting_currency(po, rates, "USD") is po  # converting twice is a no-op
    m, _ = SC.supplier_metrics(
        po, None, None, pd.Timestamp("2025-01-01"), pd.Timestamp("2025-12-31")
    )
    m = m.set_index("supplier_id")
    assert m.loc["S2", "spend"] == pytest.approx(1.2 * 20)
    assert m.loc["S1", "spend"] == pytest.approx(30.0)
    assert m.loc["S2", "price_change"] == pytest.approx(0.0)
