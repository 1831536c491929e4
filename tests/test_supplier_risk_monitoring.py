"""Supplier risk monitoring: Altman family, CUSUM / EWMA change detection, alert rules and the
run-over-run comparison, with published worked examples."""

import json

import numpy as np
import pandas as pd
import pytest

from scmlib.errors import ParameterError
from scmlib.risk import monitoring as M

MONTGOMERY_91 = np.array(
    [9.45, 7.99, 9.29, 11.66, 12.16, 10.18, 8.04, 11.46, 9.20, 10.34, 9.03, 11.47, 10.51, 9.40,
     10.08, 9.37, 10.62, 10.31, 8.52, 10.84, 10.90, 9.33, 12.29, 11.50, 10.60, 11.08, 10.38,
     11.62, 11.31, 10.52]
)  # fmt: skip


def test_cusum_montgomery_example_9_1():
    c = M.cusum(MONTGOMERY_91[:, None], np.array([10.0]), np.array([1.0]), k=0.5, h=5)
    up = c["upper"][:, 0]
    assert np.flatnonzero(c["signal_up"][:, 0])[0] + 1 == 29  # first out-of-control sample
    assert up[28] == pytest.approx(5.28, abs=0.005)
    assert up[3] == pytest.approx(1.16) and up[4] == pytest.approx(2.82)
    assert c["run_up"][28, 0] == 7  # N+ = 7: the shift began after sample 22
    assert not c["signal_down"].any()


def test_ewma_montgomery_example_9_2():
    e = M.ewma(MONTGOMERY_91[:, None], np.array([10.0]), np.array([1.0]), lam=0.1, L=2.7)
    assert e["z"][:2, 0] == pytest.approx([9.945, 9.7495])
    assert e["ucl"][0, 0] == pytest.approx(10.27, abs=0.005)
    # the asymptotic limit: 10 + 2.7 sqrt(0.1/1.9) = 10.62
    assert e["ucl"][-1, 0] == pytest.approx(10.62, abs=0.005)
    assert e["signal_up"][:, 0].any() and not e["signal_up"][:20, 0].any()


def test_sigma_moving_range():
    x = np.array([[1.0], [3.0], [2.0], [4.0]])  # moving ranges 2, 1, 2: mean 5/3
    assert M.sigma_moving_range(x)[0] == pytest.approx((5 / 3) / 1.128)


def test_altman_group_means_1968():
    # Altman (1968), Table 1 group means: bankrupt and non-bankrupt manufacturers
    r = pd.DataFrame(
        {"x1": [-0.061, 0.414], "x2": [-0.626, 0.355], "x3": [-0.318, 0.153],
         "x4": [0.401, 2.477], "x5": [1.5, 1.9]}
    )  # fmt: skip
    z = M.altman_score(r, "Z")
    assert z.tolist() == pytest.approx([-0.2584, 4.8849], abs=1e-4)
    zones = M.altman_zone(z, pd.Series(["Z", "Z"]))
    assert zones.tolist() == ["distress", "safe"]


def test_altman_family_variants_and_zones():
    fin = pd.DataFrame(
        {
            "supplier_id": ["A", "B", "C", "D"],
            "fiscal_year": 2025,
            "total_assets": 100.0,
            "current_assets": 40.0,
            "current_liabilities": 20.0,
            "total_liabilities": 50.0,
            "retained_earnings": 20.0,
            "ebit": 10.0,
            "sales": 150.0,
            "book_equity": 50.0,
            "market_value_equity": [80.0, None, None, None],
            "is_manufacturer": [True, True, False, False],
        }
    )
    f = M.altman_family(fin, pd.Series({"A": "USA", "B": "USA", "C": "USA", "D": "CHN"}))
    assert f["z_variant"].tolist() == ["Z", "Z'", "Z''", "Z''-EM"]
    # X1 .2, X2 .2, X3 .1, X4 1.6 (market) or 1.0 (book), X5 1.5
    assert f.loc[0, "z_score"] == pytest.approx(1.2 * 0.2 + 1.4 * 0.2 + 3.3 * 0.1 + 0.6 * 1.6 + 1.5)
    assert f.loc[1, "z_score"] == pytest.approx(0.717 * 0.2 + 0.847 * 0.2 + 0.3107 + 0.42 + 1.497)
    zpp = 6.56 * 0.2 + 3.26 * 0.2 + 6.72 * 0.1 + 1.05 * 1.0
    assert f.loc[2, "z_score"] == pytest.approx(zpp)
    assert f.loc[3, "z_score"] == pytest.approx(zpp + 3.25)
    assert f.loc[2, "zone"] == "safe"  # Z'' 3.686 > 2.6
    assert f.loc[3, "zone"] == "safe"  # 6.936 > 5.85
    grey = M.altman_zone(pd.Series([5.0, 2.0, 1.0]), pd.Series(["Z''-EM", "Z''", "Z'"]))
    assert grey.tolist() == ["grey", "grey", "distress"]


def _series(values, supplier="S1"):
    return pd.DataFrame(
        {"supplier_id": supplier, "period": pd.date_range("2024-01-01", periods=len(values), freq="MS"),
         "otif": values}
    )  # fmt: skip


def test_drift_flags_an_otif_drop_and_its_start():
    vals = [0.95, 0.94, 0.96, 0.95, 0.94, 0.96, 0.95, 0.94, 0.80, 0.78, 0.79, 0.80]
    d = M.drift(_series(vals), "otif", higher_is_worse=False, baseline_periods=8)
    row = d.iloc[0]
    assert row["signal"] and row["baseline"] == pytest.approx(np.mean(vals[:8]))
    assert row["signal_since"] == pd.Timestamp("2024-09-01")  # the first period after the shift
    steady = M.drift(_series([0.95, 0.94, 0.96] * 4), "otif", False, baseline_periods=8)
    assert not steady.iloc[0]["signal"]


def test_rules_alerts_and_change_since_previous_run(tmp_path):
    ind = pd.DataFrame(
        {"supplier_id": ["A", "B", "C"], "name": ["a", "b", "c"], "country": "USA",
         "zone": ["distress", "grey", "safe"], "otif_drift": [False, True, False],
         "otif_since": [pd.NaT, pd.Timestamp("2026-05-01"), pd.NaT], "country_risk": [20, 30, 70.0]}
    )  # fmt: skip
    rules = [
        {"indicator": "zone", "condition": "== distress", "severity": "high"},
        {"indicator": "otif_drift", "condition": "== true", "severity": "medium"},
        {"indicator": "country_risk", "condition": ">= 60", "severity": "low"},
    ]
    a = M.evaluate_rules(rules, ind, pd.Timestamp("2026-10-31"))
    assert a["supplier_id"].tolist() == ["A", "B", "C"]
    assert a.loc[a["supplier_id"] == "B", "first_seen"].iloc[0] == pd.Timestamp("2026-05-01")
    first = M.compare_alerts(a, None)
    assert set(first["change"]) == {"new"}
    prev = first[first["supplier_id"] != "C"].copy()
    prev.loc[prev["supplier_id"] == "A", "severity"] = "medium"
    prev.loc[len(prev)] = [
        "Z",
        "z",
        "zone",
        "distress",
        "== distress",
        "high",
        "",
        pd.Timestamp("2026-01-01"),
        "new",
        None,
    ]
    cmp = M.compare_alerts(a, prev)
    ch = dict(zip(cmp["supplier_id"], cmp["change"]))
    assert ch == {"A": "escalated", "B": "unchanged", "C": "new", "Z": "resolved"}
    assert len(M.new_severe(cmp, "high")) == 1 and len(M.new_severe(cmp, "critical")) == 0
    with pytest.raises(M.SevereAlertError, match="1 new alert"):
        M.raise_on_new(cmp, "high")
    assert M.scheduler_line(cmp, "run1").startswith("SCM-ALERTS total=3 new=2")


def test_bad_rules_are_one_line_errors():
    ind = pd.DataFrame({"supplier_id": ["A"], "name": ["a"], "country": ["USA"], "zone": ["safe"]})
    with pytest.raises(ParameterError, match="unknown indicator 'zones'.*did you mean 'zone'"):
        M.check_rules([{"indicator": "zones", "condition": "== x", "severity": "high"}], ind)
    with pytest.raises(ParameterError, match="severity 'urgent'"):
        M.check_rules([{"indicator": "zone", "condition": "== x", "severity": "urgent"}], ind)
    with pytest.raises(ParameterError, match="is not '<op> <value>'"):
        M.check_rules([{"indicator": "zone", "condition": "about 3", "severity": "low"}], ind)
    with pytest.raises(ParameterError, match="fail_on_new"):
        M.new_severe(pd.DataFrame({"change": [], "severity": []}), "always")


def test_previous_run_outputs(tmp_path):
    folder = tmp_path / "supplier_risk_monitoring"
    cur = folder / "20261102T000000Z-default" / "outputs"
    cur.mkdir(parents=True)
    assert M.previous_run_outputs(cur, "alerts.csv")[0] is None
    for name, status, start in (("20261101T0-a", "success", "2026-11-01T00:00"),
                                ("20261101T1-b", "failed", "2026-11-01T01:00")):  # fmt: skip
        d = folder / name
        (d / "outputs").mkdir(parents=True)
        (d / "run.json").write_text(
            json.dumps({"status": status, "start": start, "parameter_set": "default"})
        )
        pd.DataFrame({"supplier_id": [name]}).to_csv(d / "outputs" / "alerts.csv", index=False)
    frame, run = M.previous_run_outputs(cur, "alerts.csv")
    assert run == "20261101T0-a" and frame["supplier_id"].tolist() == ["20261101T0-a"]
    none, why = M.previous_run_outputs(cur, "alerts.csv", "ewma")
    assert none is None and why == "no previous successful run of parameter set 'ewma'"


def test_certifications_and_events():
    as_of = pd.Timestamp("2026-10-31")
    certs = pd.DataFrame(
        {"supplier_id": ["A", "A", "B"], "certification": ["ISO 14001", "ISO 45001", "SA8000"],
         "expiry": pd.to_datetime(["2026-10-01", "2026-12-15", "2028-01-01"])}
    )  # fmt: skip
    c = M.certification_status(certs, as_of, 90).set_index("supplier_id")
    assert c.loc["A", "expired"] == 1 and c.loc["A", "expiring"] == 1
    assert c.loc["A", "cert_days_to_expiry"] == -30 and c.loc["B", "expired"] == 0
    assert c.loc["A", "next_expiry_date"] == pd.Timestamp("2026-10-01")  # by when, not just what
    ev = pd.DataFrame(
        {"supplier_id": ["A", "A", "B"], "event_date": pd.to_datetime(["2026-10-20", "2025-01-01", "2026-01-01"]),
         "event_type": ["fire", "strike", "flood"], "severity": ["critical", "low", "high"],
         "resolved_date": pd.to_datetime([None, "2025-02-01", "2026-02-01"])}
    )  # fmt: skip
    e = M.event_status(ev, as_of, 90).set_index("supplier_id")
    assert e.loc["A", "event_severity"] == 3 and e.loc["A", "open_events"] == 1
    assert "B" not in e.index  # resolved long ago


def test_alert_shows_what_triggered_a_drift_and_values_in_words():
    # baseline ~95%, then three bad months and one good month: the CUSUM sum stays above the
    # limit, the latest month (100%) alone would contradict the alert
    vals = [0.95, 0.94, 0.96, 0.95, 0.94, 0.96, 0.95, 0.94, 0.80, 0.78, 0.79, 1.00]
    d = M.drift(_series(vals), "otif", higher_is_worse=False, baseline_periods=8)
    row = d.iloc[0]
    assert row["signal"] and row["latest"] == pytest.approx(1.0)
    assert row["signal_mean"] == pytest.approx(np.mean([0.80, 0.78, 0.79, 1.00]))
    ind = M.indicator_table(
        pd.DataFrame({"supplier_id": ["S1"], "name": ["Acme"], "country": ["USA"]}),
        [M.drift_columns({"otif": d})],
    )
    alerts = pd.DataFrame({"supplier_id": ["S1", "S1", "S1"],
                           "indicator": ["otif_drift", "event_severity", "expired"],
                           "value": [True, 3.0, 1.0]})  # fmt: skip
    ev = M.alert_evidence(alerts, ind, "cusum").tolist()
    assert ev[0].startswith("OTIF 84.2% since Sep 2024 vs baseline 94.9%; CUSUM ")
    assert ev[1:] == ["critical event", "1 certificate expired"]
    assert M.value_text("ppm_drift", True) == "yes" and M.value_text("zone", "grey") == "grey zone"


def test_alert_labels_are_words_with_units():
    a = pd.DataFrame({"indicator": ["ppm_drift", "event_severity", "lead_time_drift"],
                      "severity": ["medium", "critical", "medium"], "change": ["new"] * 3})  # fmt: skip
    r = M.readable_alerts(a)
    assert r["indicator"].tolist() == [
        "Quality drift (PPM)", "Supplier event", "Lead-time drift (days)"
    ]  # fmt: skip
    assert (
        r["severity"].tolist() == ["Medium", "Critical", "Medium"] and r["change"].iloc[0] == "New"
    )
    assert "_" not in "".join(M.indicator_label(i) for i in M.INDICATOR_LABELS)
