"""Network design: distances, centre of gravity, Weber point and the facility-location MILP."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from scmlib.errors import DataError, ParameterError
from scmlib.planning import network as N


def test_haversine_rosetta_code_example():
    # Rosetta Code "Haversine formula": Nashville (36.12, -86.67) to Los Angeles (33.94, -118.40)
    # is 2887.2599506071106 km with R = 6372.8 km
    d = N.haversine(36.12, -86.67, 33.94, -118.40, radius=6372.8)
    assert d == pytest.approx(2887.2599506071106, rel=1e-12)
    assert N.haversine(10.0, 20.0, 10.0, 20.0) == 0


def test_centre_of_gravity_weighted_mean():
    x, y = N.centre_of_gravity([0, 10], [0, 0], [1, 3])
    assert (x, y) == (7.5, 0.0)


def test_weber_fermat_point_of_a_triangle():
    # equal weights, all angles < 120 degrees: the Fermat-Torricelli point, where each side
    # subtends 120 degrees; for (0,0), (1,0), (0,1) it is ((3 - sqrt 3) / 6, (3 - sqrt 3) / 6)
    x, y, _ = N.weber_point([0, 1, 0], [0, 0, 1], [1, 1, 1], tol=1e-12)
    exact = (3 - np.sqrt(3)) / 6
    assert x == pytest.approx(exact, abs=1e-7) and y == pytest.approx(exact, abs=1e-7)
    pts = np.array([[0, 0], [1, 0], [0, 1]]) - [x, y]
    u = pts / np.linalg.norm(pts, axis=1)[:, None]
    assert np.degrees(np.arccos(u[0] @ u[1])) == pytest.approx(120, abs=1e-4)


def test_weber_majority_point_kuhn_test_stops_on_demand_point():
    # a point holding at least half the total weight is the Weber point (Witzgall's majority
    # theorem; Kuhn 1973 test r <= eta); starting on it the Vardi-Zhang step stays there
    x, y, it = N.weber_point([0, 4, 0], [0, 0, 3], [5, 2, 2], start=(0.0, 0.0))
    assert (x, y) == (0.0, 0.0) and it == 1
    # started elsewhere, the iteration reaches the demand point without dividing by zero
    x, y, _ = N.weber_point([0, 4, 0], [0, 0, 3], [5, 2, 2], start=(2.0, 1.0))
    assert x == pytest.approx(0, abs=1e-6) and y == pytest.approx(0, abs=1e-6)


def test_weber_equals_brute_force_minimum():
    rng = np.random.default_rng(1)
    px, py, w = rng.random(30), rng.random(30), rng.random(30)
    x, y, _ = N.weber_point(px, py, w)
    g = np.linspace(0, 1, 401)
    gx, gy = np.meshgrid(g, g)
    cost = (w * np.hypot(gx[..., None] - px, gy[..., None] - py)).sum(-1)
    best = cost.min()
    assert (w * np.hypot(x - px, y - py)).sum() <= best + 1e-9


def test_rectilinear_weighted_median():
    # Francis, McGinnis & White: the optimum x is the weighted median of the x coordinates
    assert N.weighted_median([1, 2, 3, 10], [1, 1, 1, 3]) == 6.5  # half reached exactly at 3
    assert N.weighted_median([1, 2, 3, 10], [1, 1, 1, 5]) == 10
    assert N.rectilinear_point([0, 5, 9], [0, 7, 2], [1, 1, 1]) == (5, 2)


def _small_case():
    # four customers on a line (km coordinates given as distances), two candidate sites
    cust = pd.DataFrame(
        {
            "customer_id": ["A", "B", "C", "D"],
            "latitude": 0.0,
            "longitude": 0.0,
            "demand": [10.0, 20.0, 30.0, 40.0],
        }
    )
    sites = pd.DataFrame(
        {
            "site_id": ["S1", "S2"],
            "latitude": 0.0,
            "longitude": 0.0,
            "fixed_cost": [100.0, 150.0],
            "capacity": [100.0, 100.0],
        }
    )
    d = np.array([[0.0, 30.0], [10.0, 20.0], [20.0, 10.0], [30.0, 0.0]])
    return cust, sites, d


def test_milp_small_case_solved_by_hand():
    cust, sites, d = _small_case()
    # one site: S1 costs 100 + (0*10 + 10*20 + 20*30 + 30*40) = 2100; S2: 150 + 300+400+300 = 1150
    r = N.locate(cust, sites, k=1, cost_per_unit_km=1.0, distances=d)
    assert r.open_sites == ["S2"] and r.total_cost == pytest.approx(1150)
    # two sites: 250 + A,B from S1 (0 + 200) + C,D from S2 (300 + 0) = 750
    r2 = N.locate(cust, sites, k=2, cost_per_unit_km=1.0, distances=d)
    assert r2.total_cost == pytest.approx(750) and r2.gap <= 1e-4
    # free k chooses the cheaper of the two
    assert N.locate(cust, sites, cost_per_unit_km=1.0, distances=d).total_cost == pytest.approx(750)
    # capacity 60 at S2: with both open, D (40) and 20 of C at S2, rest at S1
    sites2 = sites.assign(capacity=[100.0, 60.0])
    r3 = N.locate(cust, sites2, k=2, cost_per_unit_km=1.0, distances=d)
    assert r3.sites.set_index("site_id").loc["S2", "demand"] == pytest.approx(60)
    # 250 + A 0 + B 200 + C: 20 at S2 (10 km) + 10 at S1 (20 km) = 400 + D 0 -> 850
    assert r3.total_cost == pytest.approx(850)


def test_milp_service_constraint_and_infeasibility_named():
    cust, sites, d = _small_case()
    # within 10 km of S1 only A, B: requiring 90% within 10 km forces both sites open
    r = N.locate(cust, sites, cost_per_unit_km=0.001, service_km=10, service_share=0.9, distances=d)
    assert r.open_sites == ["S1", "S2"] and r.service_share >= 0.9
    with pytest.raises(DataError, match="capacity binds"):
        N.locate(cust, sites.assign(capacity=[50.0, 40.0]), k=1, distances=d)
    with pytest.raises(DataError, match="service"):
        N.locate(cust, sites, k=1, service_km=10, service_share=0.9, distances=d)
    with pytest.raises(ParameterError, match="k must be"):
        N.locate(cust, sites, k=3, distances=d)


def test_sweep_cost_service_curve():
    rng = np.random.default_rng(3)
    cust = pd.DataFrame(
        {
            "customer_id": [f"C{i}" for i in range(60)],
            "latitude": rng.uniform(30, 45, 60),
            "longitude": rng.uniform(-120, -75, 60),
            "demand": rng.uniform(10, 100, 60),
        }
    )
    sites = pd.DataFrame(
        {
            "site_id": [f"S{j}" for j in range(6)],
            "latitude": rng.uniform(30, 45, 6),
            "longitude": rng.uniform(-120, -75, 6),
            "fixed_cost": 1000.0,
            "capacity": np.nan,
        }
    )
    curve, res = N.sweep(cust, sites, 6, service_km=800, cost_per_unit_km=0.05)
    assert list(curve["k"]) == [1, 2, 3, 4, 5, 6]
    assert curve["transport_cost"].is_monotonic_decreasing
    assert curve["service_share"].iloc[-1] >= curve["service_share"].iloc[0]


def test_greenfield_and_customer_demand_refuse_missing_coordinates():
    cust = pd.DataFrame(
        {
            "customer_id": ["A", "B"],
            "latitude": [40.0, 42.0],
            "longitude": [-80.0, -80.0],
            "demand": [1.0, 3.0],
        }
    )
    g = N.greenfield(cust)
    assert g.loc[0, "latitude"] == pytest.approx(41.5)
    assert g.loc[1, "latitude"] == pytest.approx(42.0, abs=1e-4)  # majority point
    sales = pd.DataFrame(
        {"customer_id": ["A"], "ordered_qty": [5.0], "order_date": pd.to_datetime(["2024-01-01"])}
    )
    with pytest.raises(DataError, match="latitude"):
        N.customer_demand(sales, pd.DataFrame({"customer_id": ["A"]}))


def test_solution_quality_in_words_and_summary_states_it_once():
    # the relative MIP gap HiGHS reports, in words, rather than a column of zeros
    assert N.solution_words("Optimal", 0.0) == "proven optimal"
    assert N.solution_words("Optimal", 0.003) == "within 0.3% of optimal"
    assert N.solution_words("Time limit reached", 0.02).startswith("best found in the time limit")
    cust, sites, d = _small_case()
    r = N.locate(cust, sites, k=2, cost_per_unit_km=1.0, distances=d)
    today = N.locate(cust, sites, k=1, cost_per_unit_km=1.0, distances=d)
    curve = pd.DataFrame({"k": [1, 2], "total_cost": [1150.0, 750.0], "service_share": [0.5, 0.7]})
    green = pd.DataFrame({"latitude": [38.0], "longitude": [-96.34], "mean_distance_km": [1200.0]})
    text = N.summary_lines(r, today, curve, green, 500, 0.8, lambda v: f"${v:,.0f}", {})
    assert "2 sites" in text[0] and "proven optimal" in text[0] and "site(s)" not in " ".join(text)
    # 750 against 1,150 today: a saving said as one, not "-$400"
    assert "costs $400 a year less (34.8%)" in text[1]
    # the cheapest k is the largest: no claim about sites "beyond it"
    assert "beyond" not in text[2]
    assert "38.00° N, 96.34° W" in text[3]
    table = N.scenario_table({"2 sites": r})
    assert table.loc[0, "status"] == "proven optimal"


def test_summary_says_when_the_target_is_missed_and_a_kept_site_serves_nothing():
    cust, sites, d = _small_case()
    r = N.locate(cust, sites, k=2, cost_per_unit_km=1.0, distances=d)
    r.sites.loc[r.sites["site_id"] == "S2", "demand"] = 0.0  # a kept site serving nothing
    r.service_share = 0.86  # the most the sites can reach within the distance
    green = pd.DataFrame({"latitude": [51.0], "longitude": [4.5], "mean_distance_km": [277.0]})
    curve = pd.DataFrame({"k": [2], "total_cost": [750.0], "service_share": [0.86]})
    note = "today's network cannot serve the demand, so no comparison with it: capacity binds"
    text = N.summary_lines(
        r, None, curve, green, 300, 0.99, lambda v: f"${v:,.0f}", {"S2": "Rotterdam"}, [note]
    )
    assert any(x.startswith("The service target is not met: at most") for x in text)
    assert "Rotterdam stays open (existing sites kept) but serves no demand: $150" in " ".join(text)
    assert "Today's network cannot serve the demand, so no comparison with it" in " ".join(text)
    with pytest.raises(DataError, match="the largest site holds"):
        N.locate(cust, sites.assign(capacity=[50.0, 40.0]), k=1, distances=d)
