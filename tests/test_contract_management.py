"""Contract management: FIDIC index-linked price, notice deadlines and statuses, coverage,
leakage and the negotiation brief on constructed cases with known answers."""

import pandas as pd
import pytest

from scmlib.errors import ParameterError
from scmlib.procurement import contracts as CT

AS_OF = pd.Timestamp("2026-10-31")


def test_index_linked_price_fidic():
    # P = P0 x (a + (1 - a) x In / Io): 100 x (0.2 + 0.8 x 132 / 120) = 108
    assert CT.index_linked_price(100.0, 120.0, 132.0, 0.2) == pytest.approx(108.0)
    assert CT.index_linked_price(100.0, 120.0, 132.0, 1.0) == pytest.approx(100.0)
    with pytest.raises(ParameterError):
        CT.index_linked_price(100.0, 1.0, 1.0, 1.5)


def _contracts():
    return pd.DataFrame(
        {
            "contract_id": ["C1", "C2", "C3", "C4"],
            "supplier_id": ["S1", "S2", "S1", "S3"],
            "category": ["X", "X", "Y", "Y"],
            "start_date": pd.to_datetime(["2024-01-01"] * 4),
            "end_date": pd.to_datetime(["2026-09-30", "2026-12-15", "2027-03-31", "2028-12-31"]),
            "annual_value": [100.0, 500.0, 300.0, 50.0],
            "notice_period_days": [90, 60, None, 30],
            "auto_renewal": [True, False, True, None],
        }
    )


def test_renewal_calendar_statuses():
    cal = CT.renewal_calendar(_contracts(), AS_OF, default_notice_days=90, act_within_days=60)
    c = cal.set_index("contract_id")
    # C1 auto-renews and ended 30 Sep 2026 uncancelled: it runs to 30 Sep 2027 (one more term)
    assert c.loc["C1", "end_date"] == pd.Timestamp("2027-09-30") and c.loc["C1", "renewals"] == 1
    assert c.loc["C1", "original_end_date"] == pd.Timestamp("2026-09-30")
    assert c.loc["C1", "status"] == "upcoming"  # next notice deadline 2 Jul 2027
    lapsed = CT.renewal_calendar(_contracts().assign(auto_renewal=False), AS_OF, 90, 60)
    assert lapsed.set_index("contract_id").loc["C1", "status"] == "expired"
    # C2 ends 15 Dec 2026, 60 days' notice: deadline 16 Oct 2026, passed on 31 Oct
    assert c.loc["C2", "notice_deadline"] == pd.Timestamp("2026-10-16")
    assert c.loc["C2", "status"] == "notice passed: expires"
    assert c.loc["C2", "consequence"] == "expires: successor needed"
    # C3: default 90 days -> 31 Dec 2026, 61 days away: upcoming, renews to 31 Mar 2028
    assert c.loc["C3", "notice_deadline"] == pd.Timestamp("2026-12-31")
    assert c.loc["C3", "status"] == "upcoming"
    assert c.loc["C3", "renews_to"] == pd.Timestamp("2028-03-30")
    assert c.loc["C4", "status"] == "later"
    exp = CT.expiring_high_value(cal, horizon_days=365, quantile=0.5)
    assert list(exp["contract_id"]) == ["C2", "C3"]
    assert CT.negotiation_suppliers(cal, 2) == ["S2", "S1"]


def test_coverage_by_category():
    lines = pd.DataFrame(
        {
            "category": ["X", "X", "Y", "Unclassified"],
            "invoice_date": pd.to_datetime(["2026-05-01"] * 4),
            "amount_rc": [60.0, 40.0, 100.0, 10.0],
        }
    )
    off = pd.Series([False, True, False, True])
    cov = CT.coverage_by_category(lines, off, (pd.Timestamp("2025-11-01"), AS_OF))
    c = cov.set_index("category")
    assert c.loc["X", "coverage"] == pytest.approx(0.6)
    # unclassified spend stays in, last: the total is the window's whole invoiced spend
    assert c.loc["Total", "spend"] == pytest.approx(210.0)
    assert c.loc["Total", "coverage"] == pytest.approx(160.0 / 210.0)
    assert list(c.index[-2:]) == ["Unclassified", "Total"]


def _po():
    return pd.DataFrame(
        {
            "po_id": ["P1", "P2", "P3", "P4"],
            "supplier_id": ["S1", "S1", "S2", "S1"],
            "item_id": ["i1", "i1", "i1", "i2"],
            "category": "X",
            "order_date": pd.to_datetime(["2026-02-01", "2026-09-01", "2026-09-01", "2026-09-01"]),
            "ordered_qty": [10.0, 10.0, 10.0, 5.0],
            "received_qty": [10.0, 8.0, 10.0, 5.0],
            "unit_price": [5.0, 5.5, 4.5, 2.0],
            "unit_price_rc": [10.0, 11.0, 9.0, 4.0],  # converted at 2.0
        }
    )


def test_price_leakage_known_amount():
    prices = pd.DataFrame(
        {"contract_id": ["C2", "C2"], "item_id": ["i1", "i2"], "agreed_unit_price": [5.0, 2.0]}
    )
    contracts = _contracts().assign(supplier_id=["S9", "S1", "S9", "S9"])
    leak = CT.price_leakage(_po(), prices, contracts, (pd.Timestamp("2025-11-01"), AS_OF))
    leak = leak.set_index(["item_id", "order_date"])
    # agreed 5.0 at the line's rate 2.0 = 10.0; paid 11.0 on 8 received: (11 - 10) x 8 = 8
    assert leak.loc[("i1", pd.Timestamp("2026-09-01")), "leakage"] == pytest.approx(8.0)
    assert leak.loc[("i1", pd.Timestamp("2026-02-01")), "leakage"] == 0.0
    assert leak.loc[("i2", pd.Timestamp("2026-09-01")), "over_price"] == pytest.approx(0.0)
    by = CT.leakage_by_contract(leak.reset_index(), 12)
    assert by.loc[0, "lines_above"] == 1 and by.loc[0, "leakage"] == pytest.approx(8.0)


def test_invoiced_prices_from_single_line_pos():
    inv = pd.DataFrame({"po_id": ["P2"], "amount_rc": [96.0]})
    price = CT.invoiced_prices(_po(), inv)
    assert price.iloc[1] == pytest.approx(12.0)  # 96 / 8 received
    assert price.iloc[0] == pytest.approx(10.0)  # no invoice: PO price


def test_negotiation_prep_target_and_batna():
    po = _po()
    ix = pd.DataFrame(
        {
            "category": "X",
            "period": pd.to_datetime(["2025-10-01", "2026-10-01"]),
            "index_value": [100.0, 110.0],
        }
    )
    prep = CT.negotiation_prep(
        po, ["S1"], (pd.Timestamp("2025-11-01"), AS_OF), price_index=ix, fixed_share=0.0
    )
    r = prep.set_index("item_id").loc["i1"]
    assert r["current_price"] == pytest.approx(11.0)
    assert r["batna"] == pytest.approx(9.0) and r["batna_supplier"] == "S2"
    # no contract and no price a year ago: no target
    assert pd.isna(r["target_price"])
    po2 = pd.concat([po, po.iloc[[0]].assign(order_date=pd.Timestamp("2025-09-15"))])
    prep = CT.negotiation_prep(
        po2, ["S1"], (pd.Timestamp("2025-11-01"), AS_OF), price_index=ix, fixed_share=0.0
    )
    r = prep.set_index("item_id").loc["i1"]
    assert r["year_ago_price"] == pytest.approx(10.0)
    assert r["target_price"] == pytest.approx(11.0)  # 10 x 110 / 100


def test_negotiation_target_never_above_current_price():
    po = _po()
    po2 = pd.concat([po, po.iloc[[0]].assign(order_date=pd.Timestamp("2025-09-15"))])
    ix = pd.DataFrame(
        {
            "category": "X",
            "period": pd.to_datetime(["2025-10-01", "2026-10-01"]),
            "index_value": [100.0, 130.0],
        }
    )
    prep = CT.negotiation_prep(
        po2, ["S1"], (pd.Timestamp("2025-11-01"), AS_OF), price_index=ix, fixed_share=0.0
    )
    r = prep.set_index("item_id").loc["i1"]
    # indexed 10 x 130 / 100 = 13 > 11 paid now: capped at 11, no negative gap
    assert r["target_price"] == pytest.approx(11.0)
    assert r["target_basis"] == "capped at the current price"
    assert r["gap_to_target"] == pytest.approx(0.0)


def test_leakage_uses_matched_contract_and_table_adds_up():
    prices = pd.DataFrame(
        {"contract_id": ["C2", "C2"], "item_id": ["i1", "i2"], "agreed_unit_price": [5.0, 2.0]}
    )
    contracts = _contracts().assign(supplier_id=["S9", "S1", "S9", "S9"])
    po = _po().assign(contract_id=[None, None, None, "C2"])  # PO's own contract often blank
    leak = CT.price_leakage(po, prices, contracts, (pd.Timestamp("2025-11-01"), AS_OF))
    assert set(leak["contract_id"]) == {"C2"}
    by = CT.leakage_by_contract(leak, 12)
    assert by["lines"].sum() == len(leak)
    assert by["leakage"].sum() == pytest.approx(leak["leakage"].sum())


def test_negotiation_count_same_in_summary_and_caption():
    prep = pd.DataFrame({"supplier_id": ["S1", "S2"], "gap_to_target": [5.0, 1.0]})
    cap = CT.negotiation_caption(["S1", "S2", "S3"], prep, 0.2)
    assert cap.startswith("2 suppliers: S1, S2 (S3 also selected but has no PO lines")
    assert "never above the contract price or the current price" in cap
    cal = CT.renewal_calendar(_contracts(), AS_OF, 90, 60)
    cov = pd.DataFrame({"category": ["Total"], "coverage": [1.0], "spend": [1.0]})
    lines = CT.summary_lines(
        cal, cal.iloc[:0], cov, cal.iloc[:0], cal.iloc[:0], prep, str, "w", 60, ["S1", "S2", "S3"]
    )
    assert "Negotiation preparation for 2 suppliers (S3 also selected" in lines[-1]
    # with master names the manager reads who they are, the id kept to look them up
    names = {"S1": "Atlas Ltd", "S3": "Orion plc"}
    cap = CT.negotiation_caption(["S1", "S2", "S3"], prep, 0.2, names)
    assert cap.startswith("2 suppliers: Atlas Ltd (S1), S2 (Orion plc (S3) also selected")


def test_contract_past_its_notice_deadline_without_renewal_is_flagged_expiring():
    """Like the demo's CT0005: ends a month after the calendar date, notice deadline passed, no
    auto-renewal. The calendar says it expires, the expiring table holds it and the summary
    names it, with the horizon in days (not 'a year')."""
    cal = CT.renewal_calendar(_contracts(), AS_OF, 90, 60)
    c = cal.set_index("contract_id")
    assert c.loc["C2", "status"] == "notice passed: expires"
    renewing = _contracts().assign(auto_renewal=[True, True, True, None])
    assert (
        CT.renewal_calendar(renewing, AS_OF, 90, 60).set_index("contract_id").loc["C2", "status"]
        == "notice passed: renews"
    )
    exp = CT.expiring_high_value(cal, horizon_days=180, quantile=0.5)
    assert list(exp["contract_id"]) == ["C2", "C3"]
    cov = pd.DataFrame({"category": ["Total"], "coverage": [1.0], "spend": [1.0]})
    money = lambda v: f"${v:,.0f}"  # noqa: E731
    empty = cal.iloc[:0]
    lines = CT.summary_lines(
        cal, exp, cov, empty, empty, empty, money, "w", 60, [], horizon_days=180
    )
    assert (
        "1 is past its deadline: 0 renew automatically, 1 expires without a successor" in (lines[0])
    )
    assert lines[1].startswith("Expiring without a successor") and "C2 (X, $500 a year" in lines[1]
    named = CT.summary_lines(
        cal.assign(name="Atlas Ltd"),
        exp.assign(name="Atlas Ltd"),
        cov,
        empty,
        empty,
        empty,
        money,
        "w",
        60,
        [],
        180,
    )
    assert "C2 (Atlas Ltd, X, $500 a year" in named[1] and "soonest: C2 (Atlas Ltd, X" in named[2]
    assert "end within 180 days" in lines[2] and "soonest: C2" in lines[2]
    assert "notice passed: expires" in lines[2]
    assert CT.negotiation_suppliers(cal, 1) == ["S2"]


@pytest.mark.parametrize(
    "index_now, fixed_share, target, basis",
    [
        (200.0, 0.0, 11.0, "capped at the current price"),  # fully indexed 20 > 11 paid: cap
        (200.0, 1.0, 10.0, "price a year ago, indexed"),  # all fixed: the base price, 10
        (50.0, 0.0, 5.0, "price a year ago, indexed"),  # index halves: target halves
        (110.0, 0.0, 11.0, "price a year ago, indexed"),  # indexed exactly to the price paid
    ],
)
def test_negotiation_target_is_min_of_indexed_and_current_at_the_extremes(
    index_now, fixed_share, target, basis
):
    """target = min(index-linked price, current price): a planner never negotiates upwards."""
    po = _po()
    po2 = pd.concat([po, po.iloc[[0]].assign(order_date=pd.Timestamp("2025-09-15"))])
    ix = pd.DataFrame(
        {
            "category": "X",
            "period": pd.to_datetime(["2025-10-01", "2026-10-01"]),
            "index_value": [100.0, index_now],
        }
    )
    prep = CT.negotiation_prep(
        po2, ["S1"], (pd.Timestamp("2025-11-01"), AS_OF), price_index=ix, fixed_share=fixed_share
    )
    r = prep.set_index("item_id").loc["i1"]
    assert r["target_price"] == pytest.approx(target)
    assert r["target_price"] <= r["current_price"]
    assert r["target_basis"] == basis
    assert r["gap_to_target"] >= 0


def test_negotiation_target_never_above_the_live_contract_price():
    """The index rose 30% since the contract start, but the price is agreed: the target is the
    contract price (10 in the reporting currency), below the 11 paid now (leakage of 1 a unit)."""
    prices = pd.DataFrame({"contract_id": ["C2"], "item_id": ["i1"], "agreed_unit_price": [5.0]})
    contracts = _contracts().assign(
        supplier_id=["S9", "S1", "S9", "S9"], start_date=pd.Timestamp("2025-10-01")
    )
    ix = pd.DataFrame(
        {
            "category": "X",
            "period": pd.to_datetime(["2025-10-01", "2026-10-01"]),
            "index_value": [100.0, 130.0],
        }
    )
    window = (pd.Timestamp("2025-11-01"), AS_OF)
    prep = CT.negotiation_prep(_po(), ["S1"], window, prices, contracts, ix, fixed_share=0.0)
    r = prep.set_index("item_id").loc["i1"]
    assert r["agreed_price"] == pytest.approx(10.0) and r["current_price"] == pytest.approx(11.0)
    assert r["target_price"] == pytest.approx(10.0)
    assert r["target_basis"] == "contract price (index higher)"
    assert r["gap_to_target"] == pytest.approx(1.0 * r["annual_quantity"])


def test_renewal_calendar_lists_decisions_first():
    """A buyer reads the calendar top down: the decision due (act now), then the contract that
    lapses without a successor, then the year ahead; a renewal already locked in comes last."""
    more = pd.DataFrame(
        {
            "contract_id": ["C5", "C6"],
            "supplier_id": ["S4", "S5"],
            "category": ["X", "X"],
            "start_date": pd.to_datetime(["2024-01-01"] * 2),
            "end_date": pd.to_datetime(["2026-12-20", "2026-11-20"]),
            "annual_value": [10.0, 10.0],
            "notice_period_days": [30, 60],
            "auto_renewal": [False, True],
        }
    )
    c = pd.concat([_contracts(), more], ignore_index=True)
    cal = CT.renewal_calendar(c, AS_OF, default_notice_days=90, act_within_days=60)
    # C5: deadline 20 Nov 2026 (act now); C2 passed, expires; C3, C1 upcoming; C4 later;
    # C6: deadline 21 Sep 2026 passed, renews automatically
    assert list(cal["contract_id"]) == ["C5", "C2", "C3", "C1", "C4", "C6"]
    assert list(cal["status"]) == [
        "act now",
        "notice passed: expires",
        "upcoming",
        "upcoming",
        "later",
        "notice passed: renews",
    ]


def test_leakage_annualised_only_for_a_window_other_than_a_year():
    leak = pd.DataFrame(
        {
            "contract_id": ["C1", "C1"],
            "supplier_id": ["S1", "S1"],
            "category": ["X", "X"],
            "leakage": [6.0, 0.0],
            "over_price": [0.1, 0.0],
        }
    )
    assert "annual_leakage" not in CT.leakage_by_contract(leak, 12)  # the window is the year
    six = CT.leakage_by_contract(leak, 6)
    assert six.loc[0, "annual_leakage"] == pytest.approx(12.0)  # 6 x 12 / 6


def test_negotiation_summary_per_supplier_known_numbers():
    prep = pd.DataFrame(
        {
            "supplier_id": ["S1", "S1", "S2"],
            "item_id": ["a", "b", "c"],
            "annual_quantity": [100.0, 50.0, 10.0],
            "current_price": [11.0, 4.0, 20.0],
            "year_ago_price": [10.0, None, 20.0],
            "batna": [10.5, 5.0, None],
            "gap_to_target": [100.0, 0.0, 5.0],
        }
    )
    cal = pd.DataFrame(
        {
            "supplier_id": ["S1", "S1", "S2"],
            "status": ["upcoming", "act now", "expired"],
            "days_to_deadline": [200, 20, -400],
            "notice_deadline": pd.to_datetime(["2027-05-19", "2026-11-20", "2025-09-26"]),
        }
    )
    s = CT.negotiation_summary(prep, cal).set_index("supplier_id")
    assert list(s.index) == ["S1", "S2"]  # largest gap first
    assert s.loc["S1", "items"] == 2 and s.loc["S1", "annual_value"] == pytest.approx(1300.0)
    # price change over the item bought in both years only: 1,100 / 1,000 - 1
    assert s.loc["S1", "price_change"] == pytest.approx(0.10)
    # only item a is cheaper elsewhere: (11 - 10.5) x 100 = 50 a year
    assert s.loc["S1", "items_cheaper_elsewhere"] == 1
    assert s.loc["S1", "alternative_saving"] == pytest.approx(50.0)
    assert s.loc["S1", "next_notice_deadline"] == pd.Timestamp("2026-11-20")
    assert pd.isna(s.loc["S2", "next_notice_deadline"])  # its only contract has expired
