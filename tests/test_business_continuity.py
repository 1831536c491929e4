"""Business continuity: TTS closed form and network LP (HiGHS; PuLP peer), lost profit and the
Risk Exposure Index, gap closing and tier coverage, with known answers."""

import numpy as np
import pandas as pd
import pytest

from scmlib.errors import ParameterError
from scmlib.risk import continuity as C


def _net(rows):
    cols = ["node_id", "node_type", "item_id", "downstream_id", "capacity", "ttr_days", "role"]
    return pd.DataFrame(rows, columns=cols)


def _toy():
    """Two items at one DC. A supplies item 1 (12/day, needs 10/day); B is item 1's alternate
    (8/day) and item 2's primary (8/day for 6/day of demand). Stock 120 of item 1, 60 of item
    2. B's total capacity is its primary load, 8/day."""
    net = _net(
        [
            ("A", "supplier", "I1", "D1", 12.0, 30.0, "primary"),
            ("B", "supplier", "I1", "D1", 8.0, 20.0, "alternate"),
            ("B", "supplier", "I2", "D1", 8.0, 20.0, "primary"),
            ("D1", "dc", "I1", "customers", 100.0, 40.0, "primary"),
        ]
    )
    stock = pd.DataFrame(
        {"item_id": ["I1", "I2"], "location_id": "D1", "on_hand_qty": [120.0, 60.0]}
    )
    demand = pd.DataFrame(
        {"item_id": ["I1", "I2"], "location_id": "D1", "demand_per_day": [10.0, 6.0]}
    )
    margin = pd.Series({"I1": 5.0, "I2": 2.0})
    return C.prepare_network(net, stock, demand, margin)


def test_closed_form():
    assert C.tts_closed_form([120.0], [10.0], [4.0])[0] == pytest.approx(20.0)
    assert np.isinf(C.tts_closed_form([1.0], [10.0], [10.0])[0])


def test_network_lp_known_answers_and_pulp_agrees():
    net = _toy()
    lp = C.NetworkLP(net, horizon=365)
    assert lp.tts(None) == pytest.approx(365.0)
    # A down: B's 8/day are shared by both items: 120 + x1 >= 10t, 60 + x2 >= 6t,
    # x1 + x2 <= 8t -> 180 + 8t >= 16t -> t = 22.5
    assert lp.tts("A") == pytest.approx(22.5)
    assert C.tts_pulp(net, "A") == pytest.approx(22.5)
    # the closed form for item 1 alone ignores the sharing: 120 / (10 - 8) = 60 days
    items = C.node_items(net, "A").set_index("item_id")
    assert items.loc["I1", "tts_days"] == pytest.approx(60.0)
    # B down: item 2 has no other source: 60 / 6 = 10 days; item 1 unaffected
    assert lp.tts("B") == pytest.approx(10.0) == C.tts_pulp(net, "B")
    # the DC down: its stock is lost and nothing reaches it: no survival at all
    assert lp.tts("D1") == pytest.approx(0.0)


def test_lost_profit_and_rei():
    net = _toy()
    lp = C.NetworkLP(net)
    # A down 30 days: demand 300 + 180, supply 30 x 8 = 240 shared, stock 180: lose 60 units,
    # cheapest on item 2 (margin 2) -> 120 of lost profit
    pi, lost = lp.lost_profit("A", 30.0)
    assert pi == pytest.approx(120.0)
    res = lp.stress_test()
    r = res.set_index("node_id")
    # B down 20 days: item 2 loses 6 x 20 - 60 = 60 units at 2 = 120; item 1 keeps A
    assert r.loc["B", "lost_profit"] == pytest.approx(120.0)
    assert r["rei"].max() == pytest.approx(1.0)
    assert r.loc["A", "exposed"] and r.loc["B", "exposed"]  # 22.5 < 30 and 10 < 20


def test_gap_actions_buffer_and_dual_source():
    net = _toy()
    lp = C.NetworkLP(net)
    res = lp.stress_test()
    gaps = C.gap_actions(lp, res, pd.Series({"I1": 2.0, "I2": 1.0}), carrying_rate=0.25,
                         reservation_rate=0.03, qualification_cost=100.0)  # fmt: skip
    g = gaps.set_index(["node_id", "item_id"])
    # B down 20 days, item 2: buffer (6 - 0) x 20 - 60 = 60 units, 60 x 1 x 0.25 = 15 a year
    assert g.loc[("B", "I2"), "buffer_units"] == 60
    assert g.loc[("B", "I2"), "buffer_cost"] == pytest.approx(15.0)
    # or 60 / 20 = 3/day of alternate capacity: 100 + 3 x 365 x 1 x 0.03 = 132.85
    assert g.loc[("B", "I2"), "dual_capacity_per_day"] == pytest.approx(3.0)
    assert g.loc[("B", "I2"), "dual_source_cost"] == pytest.approx(132.85)
    assert g.loc[("B", "I2"), "recommended"] == "buffer stock"
    assert g.loc[("B", "I2"), "buffer_basis"] == "cover short of the required days"
    # a row whose own TTS exceeds the required days says why it stays (the network LP)
    survives = g["tts_days"] >= g["required_days"]
    assert (g.loc[survives, "buffer_basis"].str.startswith("item alone survives")).all()
    # A down 30 days: the closed form sees no gap (60 days for item 1), the network LP loses
    # 60 units of item 2 (the cheaper margin): that is the buffer that closes the node's gap
    assert g.loc[("A", "I2"), "buffer_units"] == 60
    assert ("A", "I1") not in g.index


def test_tier_coverage():
    mix = pd.DataFrame({"platinum": [1.0, 0.0], "standard": [0.0, 1.0]}, index=["I1", "I2"])
    cov = C.coverage_by_tier(mix, {"platinum": 1.0, "gold": 0.8, "standard": 0.5})
    assert cov.tolist() == [1.0, 0.5]
    with pytest.raises(ParameterError, match="tier coverage"):
        C.coverage_by_tier(mix, {"platinum": 5})


def test_ttr_from_events():
    ev = pd.DataFrame(
        {"supplier_id": ["A", "A", "B"], "severity": ["high", "critical", "low"],
         "event_date": pd.to_datetime(["2025-01-01", "2025-06-01", "2025-01-01"]),
         "resolved_date": pd.to_datetime(["2025-01-31", "2025-07-11", "2025-01-05"])}
    )  # fmt: skip
    assert C.ttr_from_events(ev).to_dict() == {"A": 35.0}


def test_synthetic_stress_agrees_with_pulp():
    net, stock, demand, margin = C.synthetic_network(30, 3, 80, seed=3)
    data = C.prepare_network(net, stock, demand, margin)
    lp = C.NetworkLP(data)
    for node in list(data["suppliers"][:4]):
        assert lp.tts(node) == pytest.approx(C.tts_pulp(data, node), abs=1e-6)


def test_report_helpers():
    stated = pd.Series({"A": 30.0, "B": 20.0})
    observed = pd.Series({"A": 45.0})
    assert C.node_ttr(stated, observed, "events").tolist() == [45.0, 20.0]
    assert C.node_ttr(stated, pd.Series({"A": 10.0}), "larger").tolist() == [30.0, 20.0]
    with pytest.raises(ParameterError, match="ttr_source"):
        C.node_ttr(stated, observed, "guess")
    items = pd.DataFrame({"item_id": ["I1"], "unit_cost": [3.0], "unit_price": [5.0]})
    assert C.unit_margin(items).to_dict() == {"I1": 2.0}
    net = _toy()
    lp = C.NetworkLP(net)
    res = C.with_names(
        lp.stress_test(), pd.DataFrame({"supplier_id": ["A"], "name": ["Acme"]}), None
    )
    assert res.set_index("node_id").loc["A", "name"] == "Acme"
    assert res.set_index("node_id").loc["A", "gap_days"] == pytest.approx(30 - 22.5)
    gaps = C.gap_actions(lp, res, pd.Series({"I1": 2.0, "I2": 1.0}))
    mix = pd.DataFrame({"platinum": [1.0, 0.0], "standard": [0.0, 1.0]}, index=["I1", "I2"])
    pol = C.policy_by_tier(gaps, mix, {"platinum": 1.0, "standard": 0.5}).set_index("service_tier")
    i2 = gaps.loc[gaps["item_id"] == "I2", "buffer_units"].sum()
    assert pol.loc["standard", "buffer_units"] == i2 and pol.loc["platinum", "coverage"] == 1.0
    lines = C.summary(res, gaps, 365.0, 365.0)
    assert lines[0].startswith("3 nodes stress-tested") and "TTS < TTR" in lines[0]
