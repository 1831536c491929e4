"""Supplier QBR and segmentation by customer segment: known answers on small constructed data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from scmlib.core.settings import company_settings
from scmlib.errors import ParameterError
from scmlib.suppliers import qbr as QBR
from scmlib.suppliers import scorecard as SC
from scmlib.suppliers import segmentation as SEG


def _po() -> pd.DataFrame:
    """Three suppliers over 2025; A: 4 lines (one late, one short), B and C one line each."""
    d = pd.to_datetime
    return pd.DataFrame(
        {
            "po_id": ["P1", "P2", "P3", "P4", "P5", "P6"],
            "line_id": ["1"] * 6,
            "supplier_id": ["A", "A", "A", "A", "B", "C"],
            "item_id": ["I1", "I1", "I2", "I2", "I1", "I3"],
            "category": ["Bolts", "Bolts", "Nuts", "Nuts", "Bolts", "Nuts"],
            "order_date": d(["2025-01-01", "2025-02-01", "2025-03-01", "2025-04-01"] * 1 + ["2025-05-01", "2025-06-01"]),
            "promised_date": d(["2025-02-01", "2025-03-01", "2025-04-01", "2025-05-01", "2025-06-01", "2025-07-01"]),
            "receipt_date": d(["2025-02-01", "2025-03-06", "2025-04-01", "2025-05-01", "2025-06-01", "2025-07-01"]),
            "ordered_qty": [10.0, 10.0, 10.0, 10.0, 10.0, 10.0],
            "received_qty": [10.0, 10.0, 8.0, 10.0, 10.0, 10.0],
            "unit_price": [10.0, 10.0, 5.0, 5.0, 30.0, 100.0],
        }
    )  # fmt: skip


def test_qbr_candidates_rank_by_window_spend(monkeypatch, tmp_path):
    settings = tmp_path / "company.yaml"
    settings.write_text("calendar:\n  as_of: '2025-12-31'\n")
    monkeypatch.setenv("SCM_SETTINGS", str(settings))
    # spend: C 1,000; A 300; B 300 (a tie keeps the data's order: A before B)
    assert QBR.qbr_candidates({"purchase_order_lines": _po()}) == ["C", "A", "B"]
    spend = QBR.window_spend(_po(), pd.Timestamp("2025-01-01"), pd.Timestamp("2025-12-31"))
    assert spend.to_dict() == {"C": 1000.0, "A": 300.0, "B": 300.0}


def test_resolve_supplier_default_and_errors():
    ranked = ["S0021", "S0014", "S0005"]
    assert QBR.resolve_supplier("", ranked, None) == "S0021"
    assert QBR.resolve_supplier("S0014", ranked, None) == "S0014"
    with pytest.raises(ParameterError, match=r"'S0014x'.*did you mean 'S0014'.*largest by spend"):
        QBR.resolve_supplier("S0014x", ranked, None)
    master = pd.DataFrame({"supplier_id": ["S0005", "S0099"], "name": ["Falcon Ltd", "Idle"]})
    with pytest.raises(ParameterError, match=r"S0005 \(name matches\)"):
        QBR.resolve_supplier("falcon", ranked, master)
    with pytest.raises(ParameterError, match="in the vendor master but has no PO lines"):
        QBR.resolve_supplier("S0099", ranked, master)


def test_late_deliveries_by_reason_known_answer():
    late = QBR.late_deliveries_by_reason(
        _po(), "A", pd.Timestamp("2025-01-01"), pd.Timestamp("2025-12-31")
    ).set_index("reason")
    # A: P2 five days late, P3 on time but 8 of 10 received; 4 lines measured
    assert late["lines"].to_dict() == {"late": 1, "short": 1}
    assert late.loc["late", "share"] == pytest.approx(0.25)
    assert late.loc["late", "avg_days_late"] == pytest.approx(5.0)


def test_share_of_wallet_known_answer():
    w = QBR.share_of_wallet(_po(), "A", pd.Timestamp("2025-01-01"), pd.Timestamp("2025-12-31"))
    w = w.set_index("category")
    # Bolts: A 200 of 500 (B 300); Nuts: A 100 of 1,100 (C 1,000)
    assert w.loc["Bolts", "share_of_wallet"] == pytest.approx(0.4)
    assert w.loc["Nuts", "share_of_wallet"] == pytest.approx(100 / 1100)
    assert w.loc["Bolts", "suppliers"] == 2


def test_quarter_kpis_compare_quarters_and_window():
    q = pd.DataFrame(
        {
            "supplier_id": "A",
            "period": pd.to_datetime(["2024-07-01", "2025-04-01", "2025-07-01"]),
            "lines": [10, 12, 8],
            "otif": [0.80, 0.90, 0.95],
            "on_time": [0.9, 0.9, 1.0],
            "ppm": [100.0, 3000.0, 1000.0],
        }
    )
    row = {"otif": 0.92, "ppm": 2600.0, "lines": 40}
    k = QBR.quarter_kpis(q, row, "otif", {"otif": 0.95, "ppm": 2500}).set_index("kpi")
    assert k.loc["OTIF", "last_quarter"] == 0.95
    assert k.loc["OTIF", "previous_quarter"] == 0.90
    assert k.loc["OTIF", "year_ago"] == 0.80
    assert k.loc["OTIF", "status"] == "missed" and k.loc["PPM", "status"] == "missed"
    assert k.loc["PO lines", "status"] == "no target"


def test_company_card_is_the_scorecards(small_tables):
    settings = company_settings()
    card, _, fig = SC.company_card(small_tables, settings)
    # the card prices PO lines in the reporting currency, as the scorecard notebook does
    po, q = SC.purchase_lines(small_tables, settings), small_tables["quality_receipts"]
    from scmlib.core.delivery import otif_options

    metrics, _ = SC.supplier_metrics(
        po, q, small_tables["supplier_assessments"], fig.window_start, fig.window_end,
        otif_options(settings.section("supplier_otif")),
    )  # fmt: skip
    ref = SC.score(metrics, min_lines=10, min_measured_weight=0.6, otif_target=0.95)
    a = card.set_index("supplier_id").sort_index()
    b = ref.set_index("supplier_id").sort_index()
    pd.testing.assert_series_equal(a["score"], b["score"])
    pd.testing.assert_series_equal(a["otif"], b["otif"])
    assert (a["grade"] == b["grade"]).all()


# ----------------------------------------------------------------------------- segmentation


def _sales() -> tuple[pd.DataFrame, pd.DataFrame]:
    customers = pd.DataFrame(
        {
            "customer_id": ["K1", "K2"],
            "name": ["k1", "k2"],
            "service_tier": ["platinum", "standard"],
        }
    )
    sales = pd.DataFrame(
        {
            "customer_id": ["K1", "K2", "K2"],
            "item_id": ["I1", "I1", "I2"],
            "order_date": pd.to_datetime(["2025-03-01", "2025-03-01", "2025-04-01"]),
            "ordered_qty": [3.0, 1.0, 5.0],
            "unit_price": [100.0, 100.0, 20.0],
        }
    )
    return sales, customers


def test_item_segment_revenue_shares():
    sales, customers = _sales()
    s = SEG.item_segment_revenue(
        sales, customers, pd.Timestamp("2025-01-01"), pd.Timestamp("2025-12-31")
    )
    s = s.set_index(["item_id", "segment"])
    assert (
        s.loc[("I1", "platinum"), "revenue"] == 300 and s.loc[("I1", "platinum"), "share"] == 0.75
    )
    assert s.loc[("I2", "standard"), "share"] == 1.0


def test_segment_performance_weights_lines_by_revenue_share():
    sales, customers = _sales()
    start, end = pd.Timestamp("2025-01-01"), pd.Timestamp("2025-12-31")
    shares = SEG.item_segment_revenue(sales, customers, start, end)
    perf = SEG.supplier_segment_performance(_po(), None, shares, start, end)
    a = perf[perf["supplier_id"] == "A"].set_index("segment")
    # platinum: I1 lines only (P1 OTIF, P2 late), weight 0.75 each: OTIF 0.5, 1.5 lines
    assert a.loc["platinum", "lines"] == pytest.approx(1.5)
    assert a.loc["platinum", "otif"] == pytest.approx(0.5)
    # standard: I1 at 0.25 (P1 ok, P2 late) and I2 at 1.0 (P3 short, P4 ok): (0.25 + 1) / 2.5
    assert a.loc["standard", "otif"] == pytest.approx(0.5)
    # A buys all of I2 and 2 of 3 I1 lines' units: revenue served = 300 x 2/3 + 100 x 2/3 + 100
    assert a["revenue"].sum() == pytest.approx(400 * 2 / 3 + 100)


def test_sla_settlement_known_answer():
    perf = pd.DataFrame(
        {
            "supplier_id": ["A", "A", "B"],
            "segment": ["platinum", "standard", "gold"],
            "spend": [100_000.0, 50_000.0, 10_000.0],
            "otif": [0.92, 0.96, 0.45],
        }
    )
    sla = company_settings().section("supplier_sla")
    st = SEG.sla_settlement(perf, sla).set_index(["supplier_id", "segment"])
    # platinum: 5 points short of 97% x 1% = 5% (the cap) of 100,000
    assert st.loc[("A", "platinum"), "penalty"] == pytest.approx(5000.0)
    # standard: 6 points above 90% x 0.5% = 3%, capped at 2% of 50,000
    assert st.loc[("A", "standard"), "reward"] == pytest.approx(1000.0)
    assert st.loc[("A", "standard"), "points"] == pytest.approx(0.06)
    assert st.loc[("B", "gold"), "penalty"] == pytest.approx(500.0)  # capped at 5%
    assert st.loc[("A", "platinum"), "net"] == pytest.approx(-5000.0)


def test_tiers_from_measured_dimensions():
    perf = pd.DataFrame(
        {
            "supplier_id": ["A", "B", "C", "D"],
            "segment": ["platinum"] * 4,
            "lines": [20.0, 20.0, 20.0, 2.0],
            "otif": [0.99, 0.90, 0.80, 0.99],
            "ppm": [100.0, 100.0, 5000.0, 100.0],
            "lead_time_cv": [0.1, 0.1, 0.5, 0.1],
            "flexibility": [0.95, np.nan, 0.5, 1.0],
        }
    )
    t = SEG.supplier_tiers(perf, {"platinum": 0.97}, 2500).set_index("supplier_id")
    assert t["tier"].to_dict() == {
        "A": "1 preferred",
        "B": "2 approved",  # misses the SLA only; flexibility not measured
        "C": "3 develop",
        "D": "not tiered",  # 2 lines
    }
    assert t.loc["B", "measured"] == 3 and pd.isna(t.loc["B", "meets_flexibility"])


def test_single_source_in_critical_segments():
    sales, customers = _sales()
    start, end = pd.Timestamp("2025-01-01"), pd.Timestamp("2025-12-31")
    shares = SEG.item_segment_revenue(sales, customers, start, end)
    deps = SEG.single_source_dependencies(_po(), shares, ["platinum"], start, end)
    assert deps.empty  # I1 (the only platinum item) is bought from A and B
    deps = SEG.single_source_dependencies(_po(), shares, ["standard"], start, end)
    assert deps[["item_id", "supplier_id", "revenue"]].values.tolist() == [["I2", "A", 100.0]]
    crit = SEG.critical_suppliers(deps)
    assert crit.iloc[0].to_dict() == {
        "supplier_id": "A",
        "single_source_items": 1,
        "single_source_revenue": 100.0,
    }
    with pytest.raises(ParameterError, match="surge"):
        SEG.supplier_segment_performance(_po(), None, shares, start, end, surge=1.0)


def test_agenda_follows_the_findings():
    kpis = pd.DataFrame({"kpi": ["OTIF", "PPM"], "status": ["missed", "met"]})
    late = pd.DataFrame({"reason": ["late"], "lines": [3], "share": [0.1], "avg_days_late": [4.0]})
    empty = pd.DataFrame(columns=["days_overdue"])
    segs = pd.DataFrame({"segment": ["platinum"], "points": [-0.02]})
    ideas = pd.DataFrame({"status": ["submitted", "rejected"]})
    plan = QBR.agenda(kpis, late, pd.DataFrame(), empty, segs, ideas)
    assert plan["item"].iloc[0] == "Performance against targets and trend"
    assert plan["why"].iloc[0] == "missed: OTIF"
    assert "Customer segments below their SLA and service credits" in plan["item"].tolist()
    assert plan["item"].iloc[-1] == "Agree actions, owners and dates"
    assert not plan["item"].str.contains("Corrective").any()  # no open action
    assert "1 open idea: 1 submitted (to evaluate)" in plan["why"].tolist()  # not "1 open ideas"


def test_ideas_text_says_what_each_open_idea_needs():
    ideas = pd.DataFrame(
        {
            "status": ["accepted", "evaluating", "evaluating", "rejected"],
            "submitted": pd.to_datetime(["2026-09-01", "2025-05-12", "2026-01-10", "2026-02-01"]),
        }
    )
    assert QBR.ideas_text(ideas) == (
        "3 open ideas: 2 evaluating (to decide, oldest submitted 12 May 2025), "
        "1 accepted (to implement, submitted 01 Sep 2026)"
    )
    assert QBR.ideas_text(ideas.iloc[[3]]) == "no open ideas"


def test_short_lines_have_no_days_late_and_tiers_read_in_words():
    po = pd.DataFrame(
        {
            "supplier_id": "S",
            "item_id": "I",
            "promised_date": pd.to_datetime(["2026-01-10", "2026-01-10", "2026-01-10"]),
            "receipt_date": pd.to_datetime(["2026-01-09", "2026-01-15", "2026-01-10"]),
            "ordered_qty": [10.0, 10.0, 10.0],
            "received_qty": [5.0, 10.0, 10.0],
        }
    )
    late = QBR.late_deliveries_by_reason(po, "S", "2026-01-01", "2026-01-31").set_index("reason")
    assert np.isnan(late.loc["short", "avg_days_late"])  # received a day early, but short
    assert late.loc["late", "avg_days_late"] == pytest.approx(5)
    assert SEG.TIER_WORDS["3 develop"] == "To develop (tier 3)"


def _tiers_frame() -> pd.DataFrame:
    perf = pd.DataFrame(
        {
            "supplier_id": ["A", "B", "C", "A", "B"],
            "segment": ["platinum", "platinum", "platinum", "standard", "standard"],
            "lines": [20.0, 20.0, 20.0, 10.0, 10.0],
            "spend": [600.0, 300.0, 100.0, 50.0, 50.0],
            "otif": [0.99, 0.90, 0.80, 0.95, 0.85],
            "ppm": [100.0, 100.0, 5000.0, 100.0, 100.0],
            "lead_time_cv": [0.1, 0.1, 0.5, 0.1, 0.1],
            "flexibility": [0.95, np.nan, 0.5, 1.0, 1.0],
        }
    )
    return SEG.supplier_tiers(perf, {"platinum": 0.97, "standard": 0.90}, 2500), perf


def test_segment_overview_counts_tiers_credits_and_dependencies():
    tiers, perf = _tiers_frame()
    sla = company_settings().section("supplier_sla")
    settle = SEG.sla_settlement(perf, sla)
    deps = pd.DataFrame(
        {"item_id": ["I1", "I2"], "supplier_id": ["A", "C"], "segment": ["platinum"] * 2,
         "revenue": [1000.0, 250.0]}
    )  # fmt: skip
    ov = SEG.segment_overview(tiers, settle, deps).set_index("segment")
    assert ov.index.tolist() == ["platinum", "standard"]  # platinum first
    p = ov.loc["platinum"]
    assert (p["suppliers"], p["1 preferred"], p["2 approved"], p["3 develop"]) == (3, 1, 1, 1)
    assert p["preferred_spend_share"] == pytest.approx(0.6)  # A: 600 of 1,000
    assert p["below_sla"] == 2  # B 90% and C 80% against 97%
    # A +2 points: 1% bonus (0.5%/point) of 600 = 6; B -7: capped 5% of 300 = 15; C capped 5 of 100
    assert p["net_settlement"] == pytest.approx(6.0 - 15.0 - 5.0)
    assert (p["single_source_items"], p["single_source_revenue"]) == (2, 1250.0)
    assert pd.isna(ov.loc["standard", "single_source_items"])
    assert ov.loc["standard", "below_sla"] == 1  # B 85% against 90%
    pts = SEG.summary_points(ov.reset_index(), deps, names={"A": "Acme"})
    assert "platinum 1 of 3" in pts[0] and "standard 1 of 2 (SLA 90%)" in pts[0]
    # platinum -14; standard: A +5 points = 2.5%, capped at 2% of 50 = 1; B -5 points, 5% of 50
    assert "net service credits owed to us 15" in pts[0]  # 14 + 2.5 - 1 = 15.5, less a hair
    assert "2 items sold to platinum customers" in pts[1] and "Acme (A): 1 item, 1,000" in pts[1]
    assert SEG.segment_overview(tiers.iloc[:0], settle.iloc[:0], deps.iloc[:0]).empty


def test_tier_matrix_in_words_in_the_given_order():
    tiers, _ = _tiers_frame()
    m = SEG.tier_matrix(tiers, pd.Series(["C", "A", "B", "Z"]))
    assert m["supplier_id"].tolist() == ["C", "A", "B"]  # Z serves no segment
    assert m.columns.tolist() == ["supplier_id", "platinum", "standard"]
    assert m.set_index("supplier_id").loc["C", "standard"] == ""  # C serves no standard customer
    assert m.set_index("supplier_id").loc["A", "platinum"] == "Preferred (tier 1)"


def test_company_segments_are_one_view_for_scorecard_and_qbr(small_tables):
    """The QBR filters the company view; a supplier's tier does not depend on which report."""
    settings = company_settings()
    view = SEG.company_segments(small_tables, settings)
    assert set(view) == {"tiers", "settlement", "dependencies"}
    t = view["tiers"]
    assert len(t) and t["tier"].isin(SEG.TIER_NAMES).all()
    assert not t.duplicated(["supplier_id", "segment"]).any()
    narrow = settings.with_overrides(supplier_sla__critical_segments=["platinum", "gold"])
    deps = SEG.company_segments(small_tables, narrow)["dependencies"]
    assert set(deps["segment"]) <= {"platinum", "gold"}
    assert len(deps) >= len(view["dependencies"])
