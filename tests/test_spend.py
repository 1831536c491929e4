"""Spend analysis: hand-computed cube, Pareto, tail, HHI; normalisation; maverick rules; currency."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from scmlib.errors import DataError, ParameterError
from scmlib.procurement import spend as S


def _lines():
    return pd.DataFrame(
        {
            "supplier": ["A", "A", "B", "C", "D", "E"],
            "category": ["x", "x", "x", "y", "y", "y"],
            "business_unit": ["u", "v", "u", "u", "u", "v"],
            "period": pd.to_datetime(["2025-01-01"] * 3 + ["2025-02-01"] * 3),
            "amount_rc": [40.0, 20, 20, 10, 6, 4],
        }
    )


def test_spend_cube_hand_computed():
    cube = S.spend_cube(_lines(), ("supplier", "category"))
    assert cube.set_index("supplier")["spend"].to_dict() == {
        "A": 60,
        "B": 20,
        "C": 10,
        "D": 6,
        "E": 4,
    }
    assert (
        S.spend_cube(_lines(), ("category", "business_unit"))
        .set_index(["category", "business_unit"])
        .loc[("x", "u"), "lines"]
        == 2
    )


def test_pareto_and_tail_cutoffs():
    by = _lines().groupby("supplier")["amount_rc"].sum()  # A 60, B 20, C 10, D 6, E 4 (total 100)
    p = S.pareto(by, 0.8).set_index("supplier")
    assert p["in_pareto"].to_dict() == {
        "A": True,
        "B": True,
        "C": False,
        "D": False,
        "E": False,
    }  # 60% then 80%
    t = S.tail_spend(by, "share", 0.2).set_index("supplier")
    assert t.index[t["tail"]].tolist() == ["C", "D", "E"]  # bottom 20% of spend
    t = S.tail_spend(by, "threshold", 10).set_index("supplier")
    assert t.index[t["tail"]].tolist() == ["D", "E"]
    with pytest.raises(ValueError, match="tail mode"):
        S.tail_spend(by, "bottom", 0.2)


def test_hhi_hand_computed():
    f = S.fragmentation(_lines()).set_index("category")
    # x: A 60/80 = 75%, B 25% -> 5625 + 625 = 6250; y: 50%, 30%, 20% -> 2500 + 900 + 400 = 3800
    assert f.loc["x", "hhi"] == pytest.approx(6250) and f.loc["y", "hhi"] == pytest.approx(3800)
    assert f.loc["x", "suppliers"] == 2 and f.loc["y", "concentration"] == "highly concentrated"


@pytest.mark.parametrize(
    "names,same",
    [
        (["Acme Ltd", "ACME LIMITED", "Acme Ltd."], True),  # case, suffix and punctuation
        (["Smith & Sons plc", "Smith and Sons PLC"], True),
        (["E.On UK plc", "Eon Uk Plc"], True),
        (
            ["Building Research Establishment Ltd (Bre)", "Building Research Establishment (Bre)"],
            True,
        ),  # fuzzy
        (["Apex Tools Ltd", "Apex Foods Ltd"], False),  # near-duplicates that must not merge
        (["Smith Ltd", "Smiths Ltd"], False),
        (["Unit 2 Services Ltd", "Unit 3 Services Ltd"], False),
        (["Horizon Technologies Ltd", "Orion Technologies Ltd"], False),
        (["South Tyneside Council", "North Tyneside Council"], False),
    ],
)
def test_supplier_normalisation(names, same):
    n = S.normalise_suppliers(pd.Series(names), threshold=92)
    assert (n["canonical_name"].nunique() == 1) is same, n


def test_normalisation_picks_highest_spend_spelling_and_mapping_wins():
    n = S.normalise_suppliers(
        pd.Series(["ACME LTD", "Acme Ltd", "Acme Ltd"]), pd.Series([1.0, 5, 5])
    )
    assert set(n["canonical_name"]) == {"Acme Ltd"}
    assert n.set_index("raw_name").loc["ACME LTD", "method"] == "suffix/punctuation"
    mapping = pd.DataFrame({"raw_name": ["ACME LTD"], "canonical_name": ["Acme Holdings"]})
    m = S.normalise_suppliers(pd.Series(["ACME LTD", "Acme Ltd"]), mapping=mapping).set_index(
        "raw_name"
    )
    assert (
        m.loc["ACME LTD", "canonical_name"] == "Acme Holdings"
        and m.loc["ACME LTD", "method"] == "mapping"
    )


def test_classification_rules_and_coverage():
    df = pd.DataFrame(
        {
            "category": ["IT", None, None],
            "description": ["x", "Freight charge", "mystery"],
            "amount": [10.0, 5, 1],
        }
    )
    rules = pd.DataFrame(
        {"keyword": ["freight"], "category": ["Logistics"], "field": ["description"]}
    )
    cat, cov = S.classify(df, rules)
    assert cat.tolist() == ["IT", "Logistics", "Unclassified"]
    assert cov.set_index("status")["spend"].to_dict() == {
        "classified in source": 10,
        "classified by rules": 5,
        "unclassified": 1,
    }


def test_maverick_rules():
    inv = pd.DataFrame(
        {
            "invoice_id": ["I1", "I2", "I3", "I4"],
            "supplier_id": ["S1", "S1", "S2", "S3"],
            "category": ["x", "x", "x", "y"],
            "invoice_date": pd.to_datetime(
                ["2025-03-01", "2025-03-01", "2025-03-01", "2025-03-01"]
            ),
            "po_id": ["P1", None, "P2", "P3"],
            "amount": 1.0,
        }
    )
    pos = pd.DataFrame(
        {
            "po_id": ["P1", "P2", "P3"],
            "order_date": pd.to_datetime(["2025-02-01", "2025-03-10", "2025-02-01"]),
            "contract_id": [None, None, None],
        }
    )
    contracts = pd.DataFrame(
        {
            "supplier_id": ["S1", "S2"],
            "category": ["x", "x"],
            "start_date": pd.to_datetime(["2025-01-01", "2025-04-01"]),
            "end_date": pd.to_datetime(["2025-12-31", "2025-12-31"]),
        }
    )
    flags, unavailable = S.maverick_flags(inv, pos, contracts)
    assert flags["no_po"].tolist() == [False, True, False, False]
    assert flags["po_after_invoice"].tolist() == [False, False, True, False]
    assert flags["off_contract"].tolist() == [
        False,
        False,
        True,
        True,
    ]  # S2's contract starts later; S3 has none
    assert flags["maverick"].tolist() == [False, True, True, True] and not unavailable
    flags, unavailable = S.maverick_flags(inv.drop(columns="po_id"), None, None)
    assert (
        set(unavailable) == {"no_po", "po_after_invoice", "off_contract"}
        and flags["maverick"].isna().all()
    )


def test_currency_conversion():
    df = pd.DataFrame(
        {
            "amount": [100.0, 100.0],
            "currency": ["EUR", "USD"],
            "invoice_date": pd.to_datetime(["2025-01-15", "2025-01-20"]),
        }
    )
    rates = pd.DataFrame(
        {
            "currency": ["EUR", "USD", "GBP"],
            "date": pd.to_datetime(["2025-01-01"] * 3),
            "rate_to_usd": [1.1, 1.0, 1.25],
        }
    )
    assert S.to_reporting_currency(df, rates, "USD").tolist() == pytest.approx([110.0, 100.0])
    assert S.to_reporting_currency(df, rates, "GBP").tolist() == pytest.approx([88.0, 80.0])
    with pytest.raises(DataError, match="no exchange_rates table"):
        S.to_reporting_currency(df, None, "USD")
    with pytest.raises(DataError, match="no rate for currency"):
        S.to_reporting_currency(df.assign(currency=["JPY", "USD"]), rates, "USD")


def test_price_variance_and_savings():
    lines = pd.DataFrame(
        {
            "item_id": ["I1"] * 3,
            "supplier": ["A", "B", "B"],
            "unit_price_rc": [10.0, 12.0, 14.0],
            "ordered_qty": [5.0, 5, 5],
        }
    )
    pv = S.price_variance(lines).iloc[0]
    assert pv["benchmark_price"] == 10 and pv["saving"] == pytest.approx((2 + 4) * 5)
    frag = pd.DataFrame({"category": ["x"], "spend": [1000.0], "suppliers": [10], "hhi": [800.0]})
    sav = S.savings_opportunities(
        frag,
        200.0,
        None,
        30.0,
        {"consolidation": 0.05, "tail": 0.1, "compliance": 0.04, "price_harmonisation": 0.5},
    )
    got = sav.set_index("lever")["estimated_saving"]
    assert (
        got["consolidation"] == 50
        and got["tail spend"] == 20
        and got["price harmonisation"] == 15
        and pd.isna(got["compliance"])
    )


def test_savings_levers_count_each_dollar_once_on_an_annual_baseline():
    """Two levers sharing a category count its spend once (compliance first, then tail, then
    consolidation); unclassified spend is a gap, not a lever; six months are annualised."""
    from scmlib.procurement.spend import savings_by_lever

    d = pd.to_datetime
    lines = pd.DataFrame(
        {
            "invoice_date": d(
                ["2026-01-15", "2026-02-15", "2026-03-15", "2026-04-15", "2026-05-15", "2025-06-15"]
            ),
            "supplier": ["Tail Co", "Tail Co", "Big Co", "Big Co", "Big Co", "Big Co"],
            "category": [
                "Fasteners",
                "Fasteners",
                "Fasteners",
                "Unclassified",
                "Fasteners",
                "Fasteners",
            ],
            "maverick": [True, False, False, False, False, False],
            "amount_rc": [
                100.0,
                200.0,
                300.0,
                400.0,
                500.0,
                9999.0,
            ],  # the last line is outside the window
        }
    )
    frag = pd.DataFrame(
        {"category": ["Fasteners", "Unclassified"], "hhi": [500.0, 100.0], "suppliers": [9, 9]}
    )
    rates = {"compliance": 0.04, "tail": 0.08, "consolidation": 0.05, "price_harmonisation": 0.5}
    levers, found = savings_by_lever(
        lines, ["Tail Co"], frag, rates, pd.Timestamp("2026-01-01"), pd.Timestamp("2026-06-30")
    )
    by = levers.set_index("lever")
    assert found["months"] == 6 and found["annual_baseline"] == pytest.approx(2 * 1500)
    assert by.loc["compliance", "addressable_spend"] == pytest.approx(
        200
    )  # the maverick tail line, once
    assert by.loc["tail spend", "addressable_spend"] == pytest.approx(400)  # the other tail line
    assert by.loc["consolidation", "addressable_spend"] == pytest.approx(
        2 * 800
    )  # Big Co's classified lines
    assert found["classification_gap"] == pytest.approx(800) and "Unclassified" not in set(
        levers["scope"]
    )
    assert levers["addressable_spend"].sum() + found["classification_gap"] == pytest.approx(
        found["annual_baseline"]
    )
    assert by.loc["consolidation", "estimated_saving"] == pytest.approx(80)
    assert by.loc["consolidation", "low"] == pytest.approx(40) and by.loc[
        "consolidation", "high"
    ] == pytest.approx(120)


def test_canonical_supplier_name_is_the_clean_spelling():
    from scmlib.procurement.spend import normalise_suppliers

    raw = pd.Series(
        [
            "Pioneer  Services SA.",
            "Pioneer Services S.A.",
            "Pioneer Services S.A.",
            "MERIDIAN MANUFACTURING LTD",
            "Meridian Manufacturing Ltd",
        ]
    )
    spend = pd.Series([900.0, 10.0, 10.0, 800.0, 5.0])  # the messy spellings carry more spend
    norm = normalise_suppliers(raw, spend).set_index("raw_name")["canonical_name"]
    assert norm["Pioneer  Services SA."] == "Pioneer Services S.A."
    assert norm["MERIDIAN MANUFACTURING LTD"] == "Meridian Manufacturing Ltd"
    master = normalise_suppliers(raw, spend, preferred={"MERIDIAN MANUFACTURING LTD"}).set_index(
        "raw_name"
    )["canonical_name"]
    assert (
        master["Meridian Manufacturing Ltd"] == "MERIDIAN MANUFACTURING LTD"
    )  # the vendor master's name wins


def _demo_tables(root):
    names = ["invoices", "suppliers", "exchange_rates", "purchase_order_lines", "contracts"]
    return root, {t: pd.read_parquet(root / f"{t}.parquet") for t in names}


def test_duckdb_engine_gives_the_pandas_results_on_the_demo(small_demo):
    from scmlib.core.settings import company_settings
    from scmlib.procurement import spend_sql as SQ

    root, t = _demo_tables(small_demo)
    settings = company_settings()
    rules = S.load_rules("data/reference/spend_rules.csv")
    lines, norm, cov = S.prepare_spend(
        t["invoices"], t["suppliers"], t["exchange_rates"], "USD", rules=rules
    )
    small = dict(rates=t["exchange_rates"])
    a = S.analyse_lines(
        lines, norm, cov, t["purchase_order_lines"], t["contracts"], settings, **small
    )
    b = SQ.analyse_parquet(
        [root / "invoices.parquet"],
        t["suppliers"],
        t["exchange_rates"],
        t["purchase_order_lines"],
        t["contracts"],
        settings,
        rules=rules,
        threads=1,
    )
    assert (a.engine, b.engine) == ("pandas", "duckdb")
    assert b.n_lines == a.n_lines == len(t["invoices"])
    assert b.total == pytest.approx(a.total, rel=1e-6)

    def same(x, y, keys):
        x = x.astype({k: str for k in keys}).sort_values(keys).reset_index(drop=True)
        y = y.astype({k: str for k in keys}).sort_values(keys).reset_index(drop=True)
        assert list(x[keys].itertuples(index=False)) == list(y[keys].itertuples(index=False))
        for c in x.columns.difference(keys):
            if pd.api.types.is_numeric_dtype(x[c]) and not pd.api.types.is_bool_dtype(x[c]):
                np.testing.assert_allclose(y[c].to_numpy(float), x[c].to_numpy(float), rtol=1e-6)
            else:
                assert list(x[c].astype(str)) == list(y[c].astype(str)), c

    same(a.cube, b.cube[a.cube.columns], ["supplier", "category", "business_unit", "period"])
    same(a.pareto, b.pareto[a.pareto.columns], ["supplier"])
    same(a.tail, b.tail[a.tail.columns], ["supplier"])
    same(a.frag, b.frag[a.frag.columns], ["category"])
    same(a.coverage, b.coverage, ["status"])
    same(a.maverick_by_unit, b.maverick_by_unit[a.maverick_by_unit.columns], ["business_unit"])
    same(a.savings, b.savings, ["lever", "scope"])
    same(a.daily, b.daily, ["invoice_date"])
    assert b.savings_base == pytest.approx(a.savings_base, rel=1e-6)
    assert b.spend_figure == a.spend_figure or (
        b.spend_figure.value == pytest.approx(a.spend_figure.value, rel=1e-6)
        and b.spend_figure.basis == a.spend_figure.basis
    )
    assert b.monthly()[1] == a.monthly()[1]
    same(a.tail_by_category(), b.tail_by_category(), ["category"])


def test_engine_choice(tmp_path):
    from scmlib.procurement import spend_sql as SQ

    pd.DataFrame({"supplier_id": ["S1"] * 3}).to_parquet(tmp_path / "invoices.parquet")
    assert SQ.choose_engine("auto", str(tmp_path))[0] == "pandas"  # 3 lines: below the threshold
    assert SQ.choose_engine("auto", str(tmp_path), threshold=2)[0] == "duckdb"
    assert SQ.choose_engine("pandas", str(tmp_path), threshold=2)[0] == "pandas"
    (tmp_path / "invoices.parquet").unlink()
    pd.DataFrame({"supplier_id": ["S1"]}).to_csv(tmp_path / "invoices.csv")
    assert SQ.choose_engine("auto", str(tmp_path), threshold=0)[0] == "pandas"
    with pytest.raises(ParameterError):
        SQ.choose_engine("duckdb", str(tmp_path))


def test_partial_months_from_daily_totals_match_the_lines():
    from scmlib.core.calendar import partial_months

    dates = pd.to_datetime(
        ["2024-01-20"] * 2
        + ["2024-02-05"] * 10
        + ["2024-03-05"] * 10
        + ["2024-04-05"] * 10
        + ["2024-05-02"] * 3
    )
    daily = pd.Series(dates).value_counts().rename_axis("invoice_date").reset_index(name="lines")
    assert S.partial_months_from_daily(daily) == partial_months(pd.Series(dates))
    assert S.partial_months_from_daily(daily) == {
        pd.Timestamp("2024-01-01"),
        pd.Timestamp("2024-05-01"),
    }


def test_summary_and_savings_text_reconcile_with_the_tables(small_demo):
    from scmlib.core.settings import company_settings

    _, t = _demo_tables(small_demo)
    lines, norm, cov = S.prepare_spend(t["invoices"], t["suppliers"], t["exchange_rates"], "USD")
    a = S.analyse_lines(
        lines,
        norm,
        cov,
        t["purchase_order_lines"],
        t["contracts"],
        company_settings(),
        rates=t["exchange_rates"],
    )
    text = S.summary_lines(a, 12, 0.8, "share", 0.2, lambda v: f"{v:.0f}", lambda v: f"{v:.1%}")
    saving = next(s for s in text if s.startswith("Savings of"))
    assert f"{a.savings['low'].sum():.0f} to {a.savings['high'].sum():.0f} a year" in saving
    assert f"{a.savings_base['annual_baseline']:.0f}" in saving
    assert all(len(s) > 0 for s in text)
    method = S.savings_method_text({"tail": 0.08}, 0.5)
    assert (
        "compliance, tail spend, consolidation" in method
        and "x 0.5" in method
        and "x 1.5" in method
    )


def test_months_text_in_date_order():
    months = {pd.Timestamp("2024-03-01"), pd.Timestamp("2024-01-01")}
    assert S.months_text(months) == "Jan 2024, Mar 2024"


@pytest.mark.parametrize(
    "value,words",
    [(float("inf"), "not finite"), (5e17, "implausibly large"), (None, "without an amount")],
)
def test_duckdb_engine_refuses_what_the_loader_refuses(small_demo, tmp_path, value, words):
    """Every line the out-of-core engine reads is checked (the pre-flight saw a sample only)."""
    from scmlib.core.settings import company_settings
    from scmlib.errors import DataError
    from scmlib.procurement import spend_sql as SQ

    root, t = _demo_tables(small_demo)
    inv = pd.read_parquet(root / "invoices.parquet")
    inv["amount"] = inv["amount"].astype(float)
    inv.loc[inv.index[-1], "amount"] = value
    inv.to_parquet(tmp_path / "invoices.parquet", index=False)
    with pytest.raises(DataError, match=f"column 'amount': 1 .*{words}"):
        SQ.analyse_parquet(
            [tmp_path / "invoices.parquet"],
            t["suppliers"],
            t["exchange_rates"],
            t["purchase_order_lines"],
            t["contracts"],
            company_settings(),
            threads=1,
        )


def test_tail_sentence_keeps_the_rule_apart_from_the_measured_share():
    """The tail parameter (20% of cumulative spend) and the measured share (15% here) are two
    figures: each carries its definition, the supplier count beside them."""
    t = S.tail_spend(pd.Series({"A": 70.0, "B": 15.0, "C": 10.0, "D": 5.0}), "share", 0.2)
    text = S.tail_text(t, "share", 0.2, lambda v: f"${v:,.0f}", lambda v: f"{v:.1%}")
    assert "last 20.0% of cumulative spend" in text
    assert "2 suppliers, $15, 15.0% of spend" in text
    t = S.tail_spend(pd.Series({"A": 70.0, "B": 15.0, "C": 10.0}), "threshold", 12.0)
    text = S.tail_text(t, "threshold", 12.0, lambda v: f"${v:,.0f}", lambda v: f"{v:.1%}")
    assert text == "tail (suppliers with spend below $12 each): 1 supplier, $10, 10.5% of spend"


def test_summary_states_the_period_of_the_on_contract_share(small_tables):
    """The on-contract share covers the whole analysis period, not the 12-month window of the
    contract report's coverage: the sentence says so, so 76% here and 75% there do not read as
    a contradiction."""
    from scmlib.core.settings import load_settings

    t = small_tables
    settings = load_settings()
    lines, norm, cov = S.prepare_spend(t["invoices"], t["suppliers"], t["exchange_rates"])
    a = S.analyse_lines(
        lines, norm, cov, t["purchase_order_lines"], t["contracts"], settings, t["exchange_rates"]
    )
    text = S.summary_lines(a, 12, 0.8, "share", 0.2, lambda v: f"${v:,.0f}", lambda v: f"{v:.1%}")
    line = next(x for x in text if "on-contract spend" in x)
    assert line.startswith(f"Over the whole analysis period ({a.period[0]:%b %Y} to ")


def test_price_harmonisation_needs_two_suppliers():
    """An item bought from one supplier at prices that moved over time (IT00179 in the demo:
    one supplier, 4.8% spread) has no harmonisation saving; an item with two suppliers does."""
    lines = pd.DataFrame(
        {
            "item_id": ["A", "A", "B", "B"],
            "supplier": ["S1", "S1", "S1", "S2"],
            "unit_price_rc": [10.0, 12.0, 10.0, 12.0],
            "ordered_qty": [1.0, 1.0, 1.0, 1.0],
        }
    )
    pv = S.price_variance(lines).set_index("item_id")
    assert pv.loc["A", "saving"] == 0.0 and pv.loc["A", "spread"] == pytest.approx(0.2)
    assert pv.loc["B", "saving"] == pytest.approx(2.0)
