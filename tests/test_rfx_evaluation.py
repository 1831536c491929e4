"""RFx evaluation: normalisation to one currency / Incoterm / unit, price formulas, the split
award MILP (HiGHS) with its binding constraints, savings and the template round trip."""

import numpy as np
import pandas as pd
import pytest

from scmlib.errors import DataError, ParameterError
from scmlib.procurement import rfx as R

RATES = pd.DataFrame(
    {
        "currency": ["USD", "EUR", "GBP"],
        "date": pd.to_datetime(["2026-03-01"] * 3),
        "rate_to_usd": [1.0, 1.10, 1.25],
    }
)
LOTS = pd.DataFrame(
    {
        "rfx_id": ["R1", "R1"],
        "lot_id": ["L1", "L2"],
        "item_id": ["I1", "I2"],
        "description": ["bolts", "nuts"],
        "quantity": [1000.0, 500.0],
        "unit": ["each", "each"],
        "incoterm": ["DAP", "DAP"],
        "baseline_price": [12.0, 5.0],
        "due_date": pd.to_datetime(["2026-04-01"] * 2),
    }
)


def responses():
    return pd.DataFrame(
        {
            "rfx_id": ["R1"] * 5,
            "lot_id": ["L1", "L1", "L1", "L2", "L2"],
            "supplier_id": ["A", "B", "C", "A", "B"],
            "response_date": pd.to_datetime(["2026-03-10"] * 5),
            "unit_price": [100.0, 10.0, 9.0, 5.0, 4.0],
            "currency": ["USD", "EUR", "GBP", "USD", "USD"],
            "incoterm": ["DDP", "FOB", "DAP", "DAP", "EXW"],
            "unit": ["hundred", "each", "each", "each", "each"],
            "lead_time_days": [30, 45, 20, 30, 60],
            "capacity": [6.0, 800.0, 400.0, 500.0, 300.0],
            "technical_score": [80.0, 70.0, 55.0, 75.0, 90.0],
            "duty_rate": [0.0, 0.03, 0.0, 0.0, 0.02],
        }
    )


def norm():
    return R.normalise_responses(responses(), LOTS, RATES, "USD")


def test_normalisation_currency_unit_incoterm():
    n = norm().set_index(["lot_id", "supplier_id"])
    # A: USD 100 per hundred, DDP -> 1.00 per each, capacity 6 hundreds = 600 each
    assert n.loc[("L1", "A"), "landed_price"] == pytest.approx(1.0)
    assert n.loc[("L1", "A"), "capacity_units"] == pytest.approx(600)
    # B: EUR 10 FOB = 11 USD; + 6% freight + 3% duty = 11.99
    assert n.loc[("L1", "B"), "landed_price"] == pytest.approx(11 * 1.09)
    # C: GBP 9 DAP = 11.25 USD, no freight, no duty
    assert n.loc[("L1", "C"), "landed_price"] == pytest.approx(11.25)
    # reported in GBP: C's GBP 9 stays 9
    g = R.normalise_responses(responses(), LOTS, RATES, "GBP").set_index(["lot_id", "supplier_id"])
    assert g.loc[("L1", "C"), "price_per_unit"] == pytest.approx(9.0)


def test_unknown_currency_incoterm_unit_are_one_line_errors():
    r = responses()
    r.loc[1, "currency"] = "XYZ"
    with pytest.raises(DataError, match=r"column 'currency': unknown currency \['XYZ'\].*B"):
        R.normalise_responses(r, LOTS, RATES, "USD")
    r = responses()
    r.loc[0, "incoterm"] = "FOO"
    with pytest.raises(DataError, match="column 'incoterm'"):
        R.normalise_responses(r, LOTS, RATES, "USD")
    r = responses()
    r.loc[0, "unit"] = "crate"
    with pytest.raises(DataError, match="column 'unit'"):
        R.normalise_responses(r, LOTS, RATES, "USD")


def test_price_formulas_and_weighting():
    e = R.evaluate(norm(), technical_weight=40, price_formula="lowest_over_offer", min_technical=60)
    l1 = e[e["lot_id"] == "L1"].set_index("supplier_id")
    assert l1.loc["A", "price_score"] == pytest.approx(100.0)
    assert l1.loc["B", "price_score"] == pytest.approx(100 / 11.99)
    assert l1.loc["A", "total_score"] == pytest.approx(0.4 * 80 + 0.6 * 100)
    assert not l1.loc["C", "compliant"] and np.isnan(l1.loc["C", "rank"])
    with pytest.raises(ParameterError, match="price formula"):
        R.evaluate(norm(), 40, "cheapest")
    with pytest.raises(ParameterError, match="technical weight"):
        R.evaluate(norm(), 140)


def test_a_bidder_above_the_quality_knock_out_is_never_awarded():
    """The supplier-selection knock-out on delivered quality applies in the RFx too: A, the
    cheapest, delivers 25,000 ppm on the scorecard; B has no record and is not knocked out."""
    records = pd.DataFrame({"supplier_id": ["A", "B"], "ppm": [25000.0, None]})
    e = R.evaluate(norm(), 40, "lowest_over_offer", 60, records, max_ppm=20000)
    l1 = e[e["lot_id"] == "L1"].set_index("supplier_id")
    assert not l1.loc["A", "compliant"] and np.isnan(l1.loc["A", "rank"])
    assert l1.loc["A", "non_compliant_because"] == "delivered quality 25,000 ppm above 20,000"
    assert l1.loc["B", "compliant"] and l1.loc["B", "rank"] == 1
    assert "technical score below 60" in l1.loc["C", "non_compliant_because"]
    award, _ = R.optimise_award(e, 1.0, 1, 0.0)
    assert "A" not in set(award["supplier_id"])


def test_split_award_milp_capacity_and_share():
    e = R.evaluate(norm(), 40, min_technical=0)
    award, infeasible = R.optimise_award(e, max_share=0.7, min_suppliers=2, min_award_share=0.1)
    assert infeasible.empty
    l1 = award[award["lot_id"] == "L1"].set_index("supplier_id")["quantity"]
    # cheapest A (1.00) capped by capacity 600 (< 70% x 1000); the rest to the next cheapest C
    assert l1.to_dict() == pytest.approx({"A": 600.0, "C": 400.0})
    l2 = award[award["lot_id"] == "L2"].set_index("supplier_id")["quantity"]
    # A 5.00 DAP; B 4 EXW + 7% + 2% = 4.36: B up to its 300 capacity (< 70% x 500)
    assert l2.to_dict() == pytest.approx({"B": 300.0, "A": 200.0})
    low = R.lowest_price_award(e)
    sv = R.award_savings(award, low, LOTS, infeasible).set_index("lot_id")
    assert sv.loc["L1", "baseline_cost"] == 12000
    assert sv.loc["L1", "award_cost"] == pytest.approx(600 + 400 * 11.25)
    assert sv.loc["L1", "lowest_cost"] == pytest.approx(1000.0)
    assert sv.loc["L1", "saving"] == pytest.approx(12000 - 5100)


def test_infeasible_award_names_the_binding_constraint():
    e = R.evaluate(norm(), 40, min_technical=60)  # C (55) is out of L1
    _, inf = R.optimise_award(e, max_share=0.7, min_suppliers=3)
    assert (
        inf.set_index("lot_id")
        .loc["L1", "reason"]
        .endswith("(binding: minimum number of suppliers)")
    )
    r = responses()
    r.loc[1, "capacity"] = 100.0  # B's L1 capacity
    e1 = R.evaluate(R.normalise_responses(r, LOTS, RATES, "USD"), 40, min_technical=60)
    _, inf = R.optimise_award(e1, max_share=1.0, min_suppliers=1)
    assert inf.set_index("lot_id").loc["L1", "reason"] == (
        "lot L1: compliant suppliers offer 700 of the 1,000 units needed (binding: capacity)"
    )
    e2 = R.evaluate(norm(), 40, min_technical=0)
    _, inf = R.optimise_award(e2, max_share=0.3, min_suppliers=1, min_award_share=0.1)
    assert inf.set_index("lot_id").loc["L1", "reason"] == (
        "lot L1: with at most 30% each, the 3 compliant suppliers can take 90% of the lot "
        "(binding: maximum share per supplier)"
    )
    award, inf = R.optimise_award(e2, max_share=0.7, min_suppliers=2)
    assert inf.empty and award.groupby("lot_id")["quantity"].sum().tolist() == [1000, 500]
    with pytest.raises(ParameterError, match="min_suppliers"):
        R.optimise_award(e2, max_share=0.7, min_suppliers=3, min_award_share=0.5)


def test_template_round_trip(tmp_path):
    path = R.write_template(LOTS, tmp_path / "sent" / "R1.xlsx", ["USD", "EUR", "GBP"])
    from openpyxl import load_workbook

    wb = load_workbook(path)
    assert wb.sheetnames == ["L1", "L2"]
    ws = wb["L1"]
    assert ws["B1"].value == "R1" and ws["B5"].value == 1000
    assert len(ws.data_validations.dataValidation) == len(R.TEMPLATE_COLUMNS)
    filled = responses()
    for lot in ("L1", "L2"):
        ws = wb[lot]
        rows = filled[filled["lot_id"] == lot]
        for i, r in enumerate(rows.itertuples(index=False)):
            for j, col in enumerate(R.TEMPLATE_COLUMNS, start=1):
                v = getattr(r, col, None)
                ws.cell(11 + i, j, None if v is None or pd.isna(v) else v)
    (tmp_path / "back").mkdir()
    wb.save(tmp_path / "back" / "R1_filled.xlsx")
    back = R.read_templates(tmp_path / "back")
    assert len(back) == 5
    key = ["lot_id", "supplier_id"]
    got = back.sort_values(key).reset_index(drop=True)
    want = filled.sort_values(key).reset_index(drop=True)
    for col in ("unit_price", "capacity", "technical_score", "lead_time_days"):
        assert got[col].astype(float).tolist() == want[col].astype(float).tolist()
    assert got["currency"].tolist() == want["currency"].tolist()
    with pytest.raises(DataError, match="not found"):
        R.read_templates(tmp_path / "missing")


def _one_bid_lot(price=10.0, capacity=1200.0):
    """L1 with one compliant bid (A; B and C below 60 technical points), L2 competed."""
    r = responses()
    r.loc[0, ["unit_price", "unit", "capacity"]] = [price, "each", capacity]
    r.loc[[1, 2], "technical_score"] = 50.0
    e = R.evaluate(R.normalise_responses(r, LOTS, RATES, "USD"), 40, min_technical=60)
    award, inf = R.optimise_award(e, max_share=1.0, min_suppliers=2, min_award_share=0.1)
    sv = R.award_savings(award, R.lowest_price_award(e), LOTS, inf)
    return e, inf, sv


def test_single_compliant_bid_award_and_negotiate_or_rebid():
    e, inf, sv = _one_bid_lot(price=10.0)
    assert inf["binding"].tolist() == ["minimum number of suppliers"]
    a = R.thin_lot_advice(e, inf, sv).set_index("lot_id").loc["L1"]
    # A: 10.00 DDP against the 12.00 baseline; L2 (the competed lot) saved 500 x 5 - award
    l2 = sv.set_index("lot_id").loc["L2"]
    rate = l2["saving"] / l2["baseline_cost"]
    assert a["advice"] == "award and negotiate" and a["suppliers"] == "A"
    assert a["vs_baseline"] == pytest.approx(10 / 12 - 1)
    assert a["target_price"] == pytest.approx(min(10.0, 12 * (1 - rate)))
    text = R.advice_text(
        next(R.thin_lot_advice(e, inf, sv).itertuples()), "${:,.2f}".format, {"A": "Alpha"}
    )
    assert text.startswith("R1 lot L1: award single-source to Alpha (A)")
    # dearer than the baseline: re-bid, unless the buyer accepts a premium
    e, inf, sv = _one_bid_lot(price=13.0)
    assert R.thin_lot_advice(e, inf, sv)["advice"].tolist() == ["re-bid"]
    assert "above the baseline" in R.thin_lot_advice(e, inf, sv)["why"].iloc[0]
    assert R.thin_lot_advice(e, inf, sv, max_premium=0.10)["advice"].tolist() == [
        "award and negotiate"
    ]
    # not enough capacity for the lot: re-bid to find more
    e, inf, sv = _one_bid_lot(price=10.0, capacity=600.0)
    a = R.thin_lot_advice(e, inf, sv).iloc[0]
    assert a["advice"] == "re-bid" and "cover 600 of the 1,000 units" in a["why"]
