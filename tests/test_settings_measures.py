"""Company settings, the fiscal calendar and the shared measures, on small cases with known answers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from scmlib.cli import main
from scmlib.core import measures as M
from scmlib.core.calendar import fiscal_label, quarter_freq
from scmlib.core.settings import SCHEMA, load_settings
from scmlib.errors import DataError, ParameterError

d = pd.to_datetime


def test_default_file_is_valid_and_complete(capsys):
    s = load_settings(None)
    assert set(s.values) == set(SCHEMA)
    assert main(["settings", "check"]) == 0
    assert "ok" in capsys.readouterr().out
    assert main(["settings", "show"]) == 0
    assert "supplier_otif.early_days = 3" in capsys.readouterr().out


@pytest.mark.parametrize(
    "text,message",
    [
        (
            "supplier_otif:\n  levle: order\n",
            "unknown setting 'supplier_otif.levle' (did you mean 'level'?)",
        ),
        (
            "supplier_otif:\n  level: lines\n",
            "parameter 'supplier_otif.level' has unknown value 'lines'",
        ),
        ("calendar:\n  fiscal_year_start_month: 13\n", "must be in [1, 12], got 13"),
        ("calendar:\n  as_of: 2026-02-30\n", "is not a valid date"),
        ("targets:\n  supplier_otiff: 0.9\n", "(did you mean 'supplier_otif'?)"),
        ("targets:\n  supplier_otif: high\n", "must be a float"),
        ("curency:\n  reporting: EUR\n", "(did you mean 'currency'?)"),
    ],
)
def test_bad_settings_are_one_line_exit_2(tmp_path, capsys, text, message):
    f = tmp_path / "company.yaml"
    f.write_text(text)
    with pytest.raises(ParameterError) as exc:
        load_settings(f)
    assert message in str(exc.value) and "\n" not in str(exc.value)
    assert main(["settings", "check", "--settings", str(f)]) == 2
    assert message in capsys.readouterr().err


def test_overrides_and_differences(tmp_path):
    f = tmp_path / "company.yaml"
    f.write_text("targets:\n  supplier_otif: 0.92\n")
    s = load_settings(f)
    assert (
        s.target("supplier_otif") == 0.92 and s.target("fill_rate") == 0.95
    )  # other targets keep their defaults
    assert s.differences() == {}
    o = s.with_overrides(supplier_otif__level="order", supplier_otif__early_days=None)
    assert o["supplier_otif.level"] == "order" and o["supplier_otif.early_days"] == 3
    assert o.differences() == {"supplier_otif.level": "order"}
    with pytest.raises(ParameterError, match="must be one of|unknown value"):
        s.with_overrides(supplier_otif__level="weekly")


def test_spend_classification_rules_setting(tmp_path):
    """spend.classification_rules: the shipped rules by default, a file named by an override
    (relative to the project root), none when empty; the header lists an override."""
    from scmlib.procurement import spend as S

    s = load_settings(None)
    assert s["spend.classification_rules"] == "data/reference/spend_rules.csv"
    default = S.classification_rules(s)
    assert {"keyword", "category", "field"} <= set(default.columns) and len(default) > 0
    assert "spend_rules.csv" in S.classification_basis(s)
    own = tmp_path / "rules.csv"
    own.write_text("keyword,category\nforklift,Material handling\n")
    o = s.with_overrides(spend__classification_rules=str(own))
    assert S.classification_rules(o)["category"].tolist() == ["Material handling"]
    assert o.differences() == {"spend.classification_rules": str(own)}
    assert s.with_overrides(spend__classification_rules=None).differences() == {}  # not given
    empty = s.with_overrides(spend__classification_rules="")
    assert S.classification_rules(empty) is None
    assert "no keyword rules" in S.classification_basis(empty)
    f = tmp_path / "company.yaml"
    f.write_text('spend:\n  classification_rules: ""\n')
    assert S.classification_rules(load_settings(f)) is None
    with pytest.raises(ParameterError, match="file not found"):
        s.with_overrides(spend__classification_rules="no/such/rules.csv")


def test_fiscal_calendar_april_start():
    dates = pd.Series(d(["2026-05-15", "2027-02-10", "2026-03-31", "2026-04-01"]))
    assert list(fiscal_label(dates, 4)) == [
        "FY2026/27 Q1",
        "FY2026/27 Q4",
        "FY2025/26 Q4",
        "FY2026/27 Q1",
    ]
    assert list(fiscal_label(dates, 1)) == ["FY2026 Q2", "FY2027 Q1", "FY2026 Q1", "FY2026 Q2"]
    assert quarter_freq(4) == "Q-MAR" and quarter_freq(1) == "Q-DEC"


def test_reporting_window_uses_complete_months():
    s = load_settings(None)
    # the data end on 17 Oct: October is not complete, so the window is Oct 2025 - Sep 2026
    assert M.reporting_window(pd.Series(d(["2025-01-03", "2026-10-17"])), s) == (
        pd.Timestamp("2025-10-01"),
        pd.Timestamp("2026-09-30"),
    )
    # the data end on the month's last day: that month is complete
    assert M.reporting_window(pd.Series(d(["2026-10-31"])), s)[1] == pd.Timestamp("2026-10-31")
    # monthly buckets dated on the 1st are whole months
    assert M.reporting_window(pd.Series(d(["2026-10-01"])), s, periodic=True) == (
        pd.Timestamp("2025-11-01"),
        pd.Timestamp("2026-10-31"),
    )
    three = s.with_overrides(calendar__window_months=3, calendar__as_of="2026-06-30")
    assert M.reporting_window(pd.Series(d(["2026-10-31"])), three) == (
        pd.Timestamp("2026-04-01"),
        pd.Timestamp("2026-06-30"),
    )


def _po():
    # four lines due in June 2026, received 3 days early, 2 days early, on time, 1 day late
    due = d(["2026-06-10"] * 4)
    return pd.DataFrame(
        {
            "po_id": ["P1", "P1", "P2", "P3"],
            "line_id": ["1", "2", "1", "1"],
            "supplier_id": "S1",
            "promised_date": due,
            "requested_date": due,
            "order_date": d(["2026-05-01"] * 4),
            "receipt_date": due + pd.to_timedelta([-3, -2, 0, 1], unit="D"),
            "ordered_qty": [10.0, 10, 10, 10],
            "received_qty": [10.0, 10, 10, 10],
        }
    )


def test_supplier_otif_follows_the_company_definition():
    base = load_settings(None).with_overrides(calendar__as_of="2026-06-30")
    assert M.supplier_otif(_po(), base).value == pytest.approx(
        3 / 4
    )  # 3 early allowed, 1 late is not
    two_early = base.with_overrides(supplier_otif__early_days=2)
    assert M.supplier_otif(_po(), two_early).value == pytest.approx(
        2 / 4
    )  # the 3-days-early line is now early
    strict = base.with_overrides(supplier_otif__early_days=0)
    assert M.supplier_otif(_po(), strict).value == pytest.approx(1 / 4)
    orders = strict.with_overrides(supplier_otif__level="order", supplier_otif__late_days=1)
    f = M.supplier_otif(_po(), orders)
    assert f.value == pytest.approx(2 / 3) and f.basis == "3 PO orders"  # P1 has an early line
    assert "0 days early to 1 day late" in f.definition


def test_supplier_otif_without_quantities_is_unavailable_not_missed():
    s = load_settings(None).with_overrides(calendar__as_of="2026-06-30")
    f = M.supplier_otif(_po().assign(received_qty=np.nan), s)
    assert np.isnan(f.value) and not f.available and "in-full cannot be measured" in f.basis


def test_stock_value_by_valuation_basis():
    snaps = pd.DataFrame(
        {
            "snapshot_date": d(["2026-09-01", "2026-10-01", "2026-10-01"]),
            "item_id": ["A", "A", "B"],
            "location_id": "DC1",
            "on_hand_qty": [1.0, 10, 5],
            "unit_cost": [9.0, 2.5, 4.0],
        }
    )
    items = pd.DataFrame({"item_id": ["A", "B"], "unit_cost": [2.0, 3.0]})
    s = load_settings(None)
    assert M.stock_value(snaps, items, s).value == pytest.approx(10 * 2 + 5 * 3)
    assert M.stock_value(
        snaps, items, s.with_overrides(inventory__valuation="snapshot_cost")
    ).value == pytest.approx(10 * 2.5 + 5 * 4)
    with pytest.raises(DataError, match="no unit_cost"):
        M.stock_value(snaps, items[items["item_id"] == "A"], s)


def test_forecast_accuracy_level_and_floor():
    snaps = pd.DataFrame(
        {
            "item_id": ["A", "B", "A", "B"],
            "forecast_date": d(["2026-05-01"] * 4),
            "target_date": d(["2026-06-01"] * 2 + ["2026-07-01"] * 2),
            "lag": 1,
            "statistical_forecast": [12.0, 8, 30, 0],
            "final_forecast": [12.0, 8, 30, 0],
        }
    )
    demand = pd.DataFrame(
        {
            "item_id": ["A", "B", "A", "B"],
            "date": d(["2026-06-01", "2026-06-01", "2026-07-01", "2026-07-01"]),
            "quantity": [10.0, 10, 10, 10],
        }
    )
    items = pd.DataFrame({"item_id": ["A", "B"], "category": ["X", "X"]})
    s = load_settings(None)
    acc, bias = M.forecast_accuracy(snaps, demand, items, s)
    # item level: |12-10| + |8-10| + |30-10| + |0-10| = 34 over 40 -> WMAPE 0.85, accuracy 0.15; bias (50 - 40) / 40
    assert acc.value == pytest.approx(0.15) and bias.value == pytest.approx(0.25)
    cat, _ = M.forecast_accuracy(
        snaps, demand, items, s.with_overrides(forecast_accuracy__level="category")
    )
    assert cat.value == pytest.approx(
        1 - (0 + 10) / 40
    )  # June offsets within the category: 20 vs 20
    unfloored = s.with_overrides(forecast_accuracy__floor_at_zero=False)
    worse = snaps.assign(final_forecast=[40.0, 40, 40, 40])
    assert M.forecast_accuracy(worse, demand, items, unfloored)[0].value == pytest.approx(
        1 - 120 / 40
    )
    assert M.forecast_accuracy(worse, demand, items, s)[0].value == 0.0


def test_partial_months_are_named():
    from scmlib.core.calendar import partial_months

    got = partial_months(pd.Series(d(["2023-11-15", "2024-06-01", "2026-10-20"])))
    assert got == {pd.Timestamp("2023-11-01"), pd.Timestamp("2026-10-01")}
    assert partial_months(pd.Series(d(["2023-11-01", "2026-10-31"]))) == set()


def test_a_thin_first_month_is_partial():
    from scmlib.core.calendar import partial_months

    dates = pd.Series(
        d(
            ["2023-11-01"] * 3
            + [f"2023-12-{k:02d}" for k in range(1, 11)]
            + [f"2024-01-{k:02d}" for k in range(1, 11)]
            + [f"2024-02-{k:02d}" for k in range(1, 11)]
            + ["2024-03-01"] * 10
            + ["2024-03-31"]
        )
    )
    assert partial_months(dates) == {pd.Timestamp("2023-11-01")}


def test_core_results_are_named_and_still_unpack():
    """Small named results instead of positional tuples; unpacking keeps working."""
    import pandas as pd

    from scmlib.core.delivery import otif
    from scmlib.core.measures import reporting_window
    from scmlib.core.settings import load_settings

    lines = pd.DataFrame(
        {
            "po_id": ["P1"],
            "promised_date": pd.to_datetime(["2026-03-10"]),
            "receipt_date": pd.to_datetime(["2026-03-10"]),
            "ordered_qty": [10],
            "received_qty": [10],
        }
    )
    res = otif(lines)
    flags, unavailable = res
    assert res.flags is flags and res.unavailable == unavailable == {}
    window = reporting_window(pd.Series(pd.to_datetime(["2026-06-30"])), load_settings())
    start, end = window
    assert (
        (window.start, window.end)
        == (start, end)
        == (
            pd.Timestamp("2025-07-01"),
            pd.Timestamp("2026-06-30"),
        )
    )
