"""Sustainable procurement: currency and deflation, NAICS mapping (unmapped categories listed),
spend-based emissions against the published EPA factors, ratings, certificates, what-ifs and
one-line errors."""

from __future__ import annotations

import pandas as pd
import pytest

from scmlib.errors import DataError, ParameterError
from scmlib.procurement import sustainability as SP

CPI = pd.DataFrame({"year": [2022, 2023, 2024], "cpi_u": [292.655, 304.702, 313.689]})
RATES = pd.DataFrame({"currency": ["GBP"], "year": [2024], "usd_per_unit": [1.2781]})


@pytest.fixture(scope="module")
def factors():
    return SP.load_factors()


def test_factor_file_is_the_published_epa_v13(factors):
    f = factors.set_index("naics_code")
    assert len(f) == 1016 and (f.index.str.len() == 6).all()
    # published values (EPA v1.3, kg CO2e per 2022 USD, purchaser price)
    assert f.loc["332722", "factor_with_margins"] == pytest.approx(0.248)
    assert f.loc["484121", "factor_with_margins"] == pytest.approx(0.595)
    assert f.loc["541611", "factor_with_margins"] == pytest.approx(0.078)
    assert (
        f["factor_without_margins"] + f["margin"] - f["factor_with_margins"]
    ).abs().max() < 0.0015  # with margins = without + margins (rounded to 3 decimals)


def test_currency_and_deflation_known_answers():
    dates = pd.Series(pd.to_datetime(["2024-03-01", "2022-07-01"]))
    usd, usd22, notes = SP.to_factor_year_usd(pd.Series([1000.0, 1000.0]), dates, "USD", CPI)
    assert usd22.round(2).tolist() == [932.95, 1000.0]  # 1,000 x 292.655 / 313.689
    assert notes == []
    usd, usd22, _ = SP.to_factor_year_usd(pd.Series([100.0]), dates[:1], "GBP", CPI, RATES)
    assert usd[0] == pytest.approx(127.81)
    assert usd22[0] == pytest.approx(127.81 * 292.655 / 313.689)
    later = pd.Series(pd.to_datetime(["2026-05-01"]))
    _, usd22, notes = SP.to_factor_year_usd(pd.Series([1000.0]), later, "GBP", CPI, RATES, 0.03)
    assert usd22[0] == pytest.approx(1000 * 1.2781 * 292.655 / (313.689 * 1.03**2))
    assert any("2026" in n and "3.0%" in n for n in notes)  # extrapolated CPI and rate, stated
    assert any("nearest year" in n for n in notes)
    with pytest.raises(DataError, match="no annual USD rate for JPY"):
        SP.to_factor_year_usd(pd.Series([1.0]), later, "JPY", CPI, RATES)


def _lines():
    return pd.DataFrame(
        {
            "supplier_id": ["S1", "S1", "S2", "S3", "S4"],
            "supplier": ["Acme", "Acme", "Bolt Co", "Gov", "Misc"],
            "category": ["Fasteners", "Logistics", "Fasteners", "Grants", "Sundries"],
            "amount_rc": [1000.0, 500.0, 2000.0, 9000.0, 300.0],
            "invoice_date": pd.to_datetime(["2022-05-01"] * 5),
        }
    ).assign(spend_usd_factor_year=lambda d: d["amount_rc"])


def _mapping(tmp_path, rows):
    p = tmp_path / "map.csv"
    pd.DataFrame(rows, columns=["category", "naics_code", "scope", "note"]).to_csv(p, index=False)
    return str(p)


def test_spend_based_emissions_and_unmapped_categories_listed(tmp_path, factors):
    path = _mapping(
        tmp_path,
        [
            ("Fasteners", "332722", "in", "bolts"),
            ("Logistics", "484121", "in", "trucking"),
            ("Grants", "", "out", "transfer"),
        ],
    )
    m = SP.load_mapping(path, factors)
    lines = _lines()
    cm = SP.map_categories(lines["category"], m, factors)
    assert cm.set_index("category")["mapping"].to_dict() == {
        "Fasteners": "mapped",
        "Logistics": "mapped",
        "Grants": "out of scope",
        "Sundries": "unmapped",
    }
    em = SP.line_emissions(lines, cm, uncertainty=0.5)
    # 3,000 2022-USD of bolts x 0.248 kg = 744 kg; 500 of trucking x 0.595 = 297.5 kg
    cat = SP.hotspots(em, "category").set_index("category")
    assert cat.loc["Fasteners", "emissions_t"] == pytest.approx(0.744)
    assert cat.loc["Logistics", "emissions_t"] == pytest.approx(0.2975)
    assert cat.loc["Fasteners", "emissions_low_t"] == pytest.approx(0.372)
    assert set(cat.index) == {"Fasteners", "Logistics"}
    cov, unmapped = SP.mapping_coverage(em)
    assert unmapped.to_dict("records") == [{"category": "Sundries", "lines": 1, "spend": 300.0}]
    assert cov.set_index("mapping")["spend"].to_dict() == {
        "mapped": 3500.0,
        "out of scope": 9000.0,
        "unmapped": 300.0,
    }
    # a documented default takes the unlisted categories instead
    cm2 = SP.map_categories(lines["category"], m, factors, default_naics="541611")
    assert cm2.set_index("category").loc["Sundries", "mapping"] == "default"
    sup = SP.hotspots(em, "supplier").set_index("supplier")
    assert sup.loc["Acme", "emissions_t"] == pytest.approx(0.248 + 0.2975)
    # what-ifs: half the trucking spend to rail (0.466): 0.2975 - 0.5 x 500 x (0.595 - 0.466) / 1000
    sw = SP.what_if_switch(em, "Logistics", "482111", 0.5, factors).iloc[0]
    assert sw["emissions_after_t"] == pytest.approx(0.2975 - 0.25 * 0.129)
    eng = SP.what_if_engage(SP.hotspots(em, "supplier"), 1, 0.2).iloc[0]
    assert eng["reduction_t"] == pytest.approx(0.2 * 0.5455)


def test_mapping_errors_are_one_line(tmp_path, factors):
    with pytest.raises(
        DataError, match="codes not in the EPA factors, e.g. 999999 \\(Widgets, row 2\\)"
    ):
        SP.load_mapping(_mapping(tmp_path, [("Widgets", "999999", "in", "")]), factors)
    with pytest.raises(DataError, match="listed more than once, e.g. \\['A'\\]"):
        SP.load_mapping(
            _mapping(tmp_path, [("A", "332722", "in", ""), ("A", "484121", "in", "")]), factors
        )
    with pytest.raises(ParameterError, match="default_naics '12' is not a NAICS-6 code"):
        SP.map_categories(
            pd.Series(["x"]),
            pd.DataFrame(columns=["category", "naics_code", "scope", "note"]),
            factors,
            "12",
        )
    with pytest.raises(ParameterError, match="switch category 'Nope' has no mapped spend"):
        lines = _lines()
        m = SP.load_mapping(_mapping(tmp_path, [("Fasteners", "332722", "in", "")]), factors)
        em = SP.line_emissions(lines, SP.map_categories(lines["category"], m, factors))
        SP.what_if_switch(em, "Nope", "482111", 0.5, factors)


def test_shipped_mappings_are_valid_and_cover_the_uk_data(factors):
    demo = SP.load_mapping("data/reference/category_naics_demo.csv", factors)
    from scmlib.data.demo import DIRECT, INDIRECT

    assert set(DIRECT + INDIRECT) <= set(demo["category"])
    uk = SP.load_mapping("data/reference/category_naics_uk_desnz.csv", factors)
    assert (uk["scope"] == "out").sum() >= 30 and uk.loc[uk["scope"] == "out", "naics_code"].eq(
        ""
    ).all()


def test_theme_scores_weights_bands_and_validity():
    d = pd.Timestamp("2026-01-15")
    a = pd.DataFrame(
        {
            "supplier_id": ["S1"] * 4 + ["S2"] * 3 + ["S3"] * 4,
            "assessment_date": [d] * 7 + [pd.Timestamp("2020-01-01")] * 4,
            "theme": list(SP.THEMES)
            + ["environment", "ethics", "labour_human_rights"]
            + list(SP.THEMES),
            "score": [60, 40, 50, 30, 80, 70, 90, 50, 50, 50, 50],
        }
    )
    w = {
        "environment": 0.4,
        "labour_human_rights": 0.25,
        "ethics": 0.2,
        "sustainable_procurement": 0.15,
    }
    s = SP.theme_scores(a, w, pd.Timestamp("2026-06-30"), 24).set_index("supplier_id")
    # S1: 0.4 x 60 + 0.25 x 40 + 0.2 x 50 + 0.15 x 30 = 48.5 -> good (45 to 65)
    assert s.loc["S1", "overall_score"] == pytest.approx(48.5)
    assert s.loc["S1", "rating_band"] == "good"
    # S2 rated on three themes: weights renormalised (0.4 x 80 + 0.25 x 90 + 0.2 x 70) / 0.85
    assert s.loc["S2", "overall_score"] == pytest.approx((32 + 22.5 + 14) / 0.85)
    assert "S3" not in s.index  # its rating is older than 24 months
    with pytest.raises(ParameterError, match="unknown themes \\['social'\\]"):
        SP.theme_scores(a, {"social": 1.0}, d)


def test_rated_spend_and_certificates():
    scores = pd.DataFrame({"supplier_id": ["S1"], "overall_score": [50.0], "rating_band": ["good"]})
    spend = pd.DataFrame({"supplier": ["Acme", "Bolt Co"], "spend": [300.0, 100.0]})
    r = SP.assessed_spend(spend, scores, pd.Series({"S1": "Acme", "S9": "Acme", "S2": "Bolt Co"}))
    assert r.set_index("supplier")["assessed"].to_dict() == {"Acme": True, "Bolt Co": False}
    bands = SP.band_summary(r).set_index("rating_band")
    assert bands.loc["good", "spend_share"] == pytest.approx(0.75)
    certs = pd.DataFrame(
        {
            "supplier_id": ["S1", "S1", "S2"],
            "certification": ["ISO 14001", "SA8000", "ISO 45001"],
            "end_date": pd.to_datetime(["2026-05-01", "2026-07-15", "2027-07-01"]),
        }
    )
    c = SP.certificate_status(certs, pd.Timestamp("2026-06-30"), 30)
    assert c["certificate_status"].tolist() == ["expired", "expiring", "valid"]
    assert c["days_to_expiry"].tolist() == [-60, 15, 366]


def test_one_spend_basis_for_ratings_and_hotspots():
    em = pd.DataFrame(
        {
            "supplier": ["A", "A", "A", "B"],
            "category": ["X", "Y", "T", "X"],
            "mapping": ["mapped", "unmapped", "out of scope", "mapped"],
            "amount_rc": [100.0, 20.0, 5.0, 50.0],
            "spend_usd_factor_year": [100.0, 0.0, 0.0, 50.0],
            "emissions_t": [1.0, 0.0, 0.0, 0.5],
            "emissions_low_t": [0.5, 0.0, 0.0, 0.25],
            "emissions_high_t": [1.5, 0.0, 0.0, 0.75],
        }
    )
    hot = SP.hotspots(em, "supplier").set_index("supplier")
    rated = SP.supplier_spend(em).set_index("supplier")
    # A: 100 mapped + 20 unmapped purchases (the 5 out of scope is no purchase) in both tables
    assert hot.loc["A", "spend"] == pytest.approx(120.0) == rated.loc["A", "spend"]
    assert hot.loc["A", "intensity"] == pytest.approx(10.0)  # 1,000 x 1 t / 100 USD mapped
