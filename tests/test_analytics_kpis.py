"""KPI dashboard (scmlib.analytics.kpis): SCOR perfect order from flags and rates, report text."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from scmlib.analytics import kpis as K
from scmlib.core.settings import load_settings


def _settings():
    return load_settings(None).with_overrides(calendar__as_of="2025-12-31")


def _orders(**extra):
    d = pd.to_datetime
    return pd.DataFrame(
        {
            "order_id": ["O1", "O2", "O3", "O4"],
            "order_date": d(["2025-06-01"] * 4),
            "requested_date": d(["2025-06-05"] * 4),
            "delivery_date": d(["2025-06-05", "2025-06-04", "2025-06-06", "2025-06-05"]),
            "ordered_qty": [5.0] * 4,
            "delivered_qty": [5.0, 5, 5, 4],
            **extra,
        }
    )


def test_perfect_order_from_rates_when_there_are_no_order_lines():
    """Only component rates known: RL.1.1 is their product, 0.95 x 0.98 x 0.99 = 0.92169."""
    rates = {"on_time": 0.95, "in_full": 0.98, "damage_free": 0.99}
    scor = {f.kpi: f for f in K.scor_level1(None, None, _settings(), component_rates=rates)}
    po = scor["perfect_order_fulfillment"]
    assert po.value == pytest.approx(0.92169, abs=1e-12)
    assert po.definition.startswith("product of component rates: on time 95.0% x in full 98.0%")
    assert "independent" in po.definition
    nothing = {f.kpi: f for f in K.scor_level1(None, None, _settings())}
    assert np.isnan(nothing["perfect_order_fulfillment"].value)


def test_perfect_order_uses_rates_only_for_components_the_lines_do_not_record():
    # O1 perfect, O2 early (on time), O3 late, O4 short: 2 of 4 on time and in full
    lines = _orders()
    scor = {
        f.kpi: f
        for f in K.scor_level1(
            lines,
            None,
            _settings(),
            component_rates={"damage_free": 0.99, "documentation_accurate": 0.98},
        )
    }
    po = scor["perfect_order_fulfillment"]
    assert po.value == pytest.approx(0.5 * 0.99 * 0.98)
    assert "damage free 99.0% x documents accurate 98.0%" in po.definition
    flagged = _orders(damage_free=[True, False, True, True], documentation_accurate=[True] * 4)
    scor = {
        f.kpi: f
        for f in K.scor_level1(flagged, None, _settings(), component_rates={"damage_free": 0.5})
    }
    assert scor["perfect_order_fulfillment"].value == pytest.approx(0.25)  # flags win: O1 only
    bare = {f.kpi: f for f in K.scor_level1(_orders(), None, _settings())}
    assert bare["perfect_order_fulfillment"].value == pytest.approx(0.5)
    assert "not counted: damage free, documents accurate" in (
        bare["perfect_order_fulfillment"].definition
    )


def test_summary_and_trend_sections():
    table = pd.DataFrame(
        {
            "kpi": ["forecast_accuracy", "supplier_otif"],
            "label": ["Forecast accuracy", "Supplier OTIF"],
            "process": ["plan", "source"],
            "status": ["green", "red"],
            "window_end": pd.to_datetime(["2025-12-31", "2025-12-31"]),
            "scor": ["", ""],
            "definition": ["1 - WMAPE", "on time in full"],
        }
    )
    monthly = pd.DataFrame(
        {
            "kpi": ["supplier_otif"] * 3,
            "period": pd.to_datetime(["2025-11-01", "2025-12-01", "2026-01-01"]),
            "value": [0.8, 0.82, 1.0],
        }
    )
    lines = K.summary_lines(table, table.iloc[:0], ["x: a +1.0 pts"], _settings())
    assert lines[0].startswith("1 KPIs on target, 0 close to target, 1 off target")
    assert lines[-1] == "Off target: Supplier OTIF."
    sections = {t: (s, r) for t, s, r in K.trend_sections(table, monthly)}
    ((kpi, g),) = sections["Source"][0]
    assert kpi == "supplier_otif" and g["period"].max() == pd.Timestamp("2025-12-01")
    assert sections["Plan"][0] == [] and "no plan data" in sections["Plan"][1]
    assert "capacity" in sections["Make"][1]
    assert K.appendix_entries(table, _settings())["Supplier OTIF"] == "On time in full."


def test_cash_to_cash_adds_up_in_the_figures_shown():
    """C2C = DIO + DSO - DPO with each shown in whole days (45.6 + 30.6 - 20.4 would show 56)."""
    months = pd.date_range("2025-01-01", periods=12, freq="MS")
    fin = pd.DataFrame(
        {
            "period": months,
            "revenue": 365.0 / 12,
            "cost_of_goods_sold": 365.0 / 12,
            "supply_chain_management_cost": 1.0,
            "inventory_value": 45.6,
            "accounts_receivable": 30.6,
            "accounts_payable": 20.4,
            "supply_chain_fixed_assets": 100.0,
        }
    )
    c2c = {f.kpi: f for f in K.scor_level1(None, fin, _settings())}["cash_to_cash"]
    assert c2c.value == 46 + 31 - 20
    assert c2c.definition.startswith("DIO 46 + DSO 31 - DPO 20 days")


def test_kpi_table_sorted_by_area_then_worst_status():
    """Rows follow the SCOR processes (plan, source, deliver, return, level 1), off target first."""
    t = pd.DataFrame(
        {
            "process": ["SCOR level 1", "deliver", "plan", "deliver", "source"],
            "status": ["red", "green", "green", "red", "amber"],
            "kpi": ["c2c", "fill", "acc", "otif", "ppm"],
        }
    )
    assert K.sort_kpis(t)["kpi"].tolist() == ["acc", "ppm", "otif", "fill", "c2c"]
