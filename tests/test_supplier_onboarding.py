"""Supplier onboarding: funnel, cycle times, bottleneck, documents, flags and stuck suppliers."""

from __future__ import annotations

import pandas as pd
import pytest

from scmlib.errors import DataError, ParameterError
from scmlib.suppliers import onboarding as ON

D = pd.Timestamp


def _steps() -> pd.DataFrame:
    """Three prospects through two steps: docs (X 10 days, Y 20 days, Z 30 days) and setup (X 2
    days; Y open since 1 March; Z not started). Y is flagged at screening."""
    rows = [
        ("X", "docs", 1, "completed", "2025-01-01", "2025-01-11", None),
        ("Y", "docs", 1, "completed", "2025-01-01", "2025-01-21", True),
        ("Z", "docs", 1, "completed", "2025-01-01", "2025-01-31", False),
        ("X", "setup", 2, "completed", "2025-01-11", "2025-01-13", None),
        ("Y", "setup", 2, "blocked", "2025-03-01", None, None),
        ("Z", "setup", 2, "not_started", None, None, None),
    ]
    s = pd.DataFrame(
        rows,
        columns=["supplier_id", "step", "step_order", "status", "started", "completed", "watch_list_flag"],
    )  # fmt: skip
    s["started"], s["completed"] = pd.to_datetime(s["started"]), pd.to_datetime(s["completed"])
    s["supplier_name"] = s["supplier_id"] + " Ltd"
    s["flag_detail"] = s["watch_list_flag"].map({True: "OFAC SDN list: name match"})
    return s


def test_funnel_and_conversion():
    f = ON.funnel(_steps()).set_index("step")
    assert list(f.index) == ["docs", "setup"]
    assert f.loc["docs", "completed"] == 3 and f.loc["setup", "reached"] == 2
    assert f.loc["setup", "conversion"] == pytest.approx(0.5)
    assert f.loc["setup", "share"] == pytest.approx(1 / 3)


def test_cycle_times_and_bottleneck():
    c = ON.cycle_times(_steps(), D("2025-03-31")).set_index("step")
    assert c.loc["docs", "median_days"] == 20 and c.loc["docs", "mean_days"] == 20
    assert c.loc["docs", "p90_days"] == pytest.approx(28.0)  # linear interpolation of 10, 20, 30
    assert c.loc["setup", "open"] == 1 and c.loc["setup", "open_median_age_days"] == 30
    assert ON.bottleneck(c.reset_index()) == "docs"
    assert ON.bottleneck(c.reset_index().assign(median_days=float("nan"))) is None


def test_stuck_and_flags():
    stuck = ON.stuck_suppliers(_steps(), D("2025-03-31"), threshold_days=20)
    assert stuck[["supplier_id", "step", "days_open"]].values.tolist() == [["Y", "setup", 30]]
    assert stuck["days_in_onboarding"].item() == 89
    assert ON.stuck_suppliers(_steps(), D("2025-03-31"), threshold_days=30).empty
    flags = ON.compliance_flags(_steps())
    assert flags["supplier_id"].tolist() == ["Y"] and "OFAC" in flags["flag_detail"].item()
    with pytest.raises(ParameterError):
        ON.stuck_suppliers(_steps(), D("2025-03-31"), threshold_days=0)


def test_document_status():
    docs = pd.DataFrame(
        {
            "supplier_id": ["X", "X", "Y", "Z"],
            "document": ["ISO 9001", "Insurance", "Insurance", "Code of conduct"],
            "received": pd.to_datetime(["2022-01-01", "2024-06-01", None, "2025-01-01"]),
            "end_date": pd.to_datetime(["2025-01-01", "2025-05-01", None, None]),
        }
    )
    st = ON.document_status(docs, D("2025-03-31"), horizon_days=60)
    assert st["supplier_id"].tolist() == ["X", "Y", "X"]
    assert st["issue"].tolist() == ["expired", "missing", "expiring"]
    assert st["days_to_expiry"].iloc[0] == -89 and st["days_to_expiry"].iloc[2] == 31
    assert pd.isna(st["days_to_expiry"].iloc[1])  # Z's code of conduct does not expire: not listed


def test_bad_dates_are_one_line_errors():
    bad = _steps()
    bad.loc[0, "completed"] = D("2024-12-01")
    with pytest.raises(
        DataError, match="onboarding_steps: column 'completed' is before 'started'.*X/docs"
    ):
        ON.check_steps(bad)
    undated = _steps()
    undated.loc[1, "completed"] = pd.NaT
    with pytest.raises(DataError, match="no 'completed' date, e.g. Y/docs"):
        ON.check_steps(undated)


def test_summary_and_report_date():
    s = _steps()
    day = ON.report_date(s, None)
    assert day == D("2025-03-01")
    assert ON.report_date(s, None, "2025-04-30") == D("2025-04-30")
    fun, cyc = ON.funnel(s), ON.cycle_times(s, day)
    pts = ON.summary_points(s, fun, cyc, "docs", pd.DataFrame(columns=["issue"]),
                            ON.compliance_flags(s), ON.stuck_suppliers(s, day, 1), 1)  # fmt: skip
    assert pts[0].startswith("3 suppliers in onboarding: 1 have completed every step")
    assert "Bottleneck: docs, median 20 days" in pts[1]
    assert "1 supplier flagged" in pts[-1]


def test_documents_say_what_is_due_and_by_when_per_supplier():
    s = _steps()
    docs = pd.DataFrame(
        {
            "supplier_id": ["Y", "Y", "X"],
            "document": ["Bank form", "ISO 9001", "Insurance"],
            "step": ["setup", "docs", "docs"],
            "received": pd.to_datetime([None, "2024-01-01", "2024-06-01"]),
            "end_date": pd.to_datetime([None, "2025-04-10", "2025-03-01"]),
        }
    )
    st = ON.document_status(docs, D("2025-03-31"), 60, s).set_index("document")
    assert st.loc["Bank form", "due"] == D("2025-03-01")  # the setup step needing it started
    assert st.loc["Bank form", "action"] == "missing: needed for setup, started 2025-03-01"
    assert st.loc["ISO 9001", "action"] == "expires on 2025-04-10 (in 10 days): renew before then"
    assert st.loc["Insurance", "action"] == "expired on 2025-03-01 (30 days ago): renew"
    assert st.loc["Bank form", "group"] == "onboarding"
    stuck = ON.with_documents(ON.stuck_suppliers(s, D("2025-03-31"), 20), st.reset_index())
    assert stuck["documents"].item() == (
        "Bank form: missing: needed for setup, started 2025-03-01; "
        "ISO 9001: expires on 2025-04-10 (in 10 days): renew before then"
    )
    flags = ON.with_documents(ON.compliance_flags(s).assign(supplier_id="Z"), st.reset_index())
    assert flags["documents"].item() == "none outstanding"


def test_count_chart_ticks_are_whole_numbers():
    from scmlib.reporting import charts

    fig = charts.bar(
        pd.DataFrame({"step": ["a", "b", "c"], "completed": [12, 11, 9]}),
        "step",
        "completed",
        "Suppliers completing each step",
        horizontal=False,
    )
    ticks = fig.axes[0].get_yticks()
    assert len(ticks) > 2 and all(float(t).is_integer() for t in ticks)


def test_a_step_passed_without_its_document_is_a_control_gap():
    """X completed 'docs' without its insurance certificate: flagged, and the summary says so;
    documents of onboarding and active suppliers are counted apart."""
    s = _steps()
    docs = pd.DataFrame(
        {
            "supplier_id": ["X", "Y", "S1"],
            "document": ["Insurance", "Bank form", "ISO 9001"],
            "step": ["docs", "setup", None],
            "received": pd.to_datetime([None, None, "2023-01-01"]),
            "end_date": pd.to_datetime([None, None, "2025-02-01"]),
        }
    )
    sup = pd.DataFrame({"supplier_id": ["S1"], "name": ["Old Co"]})
    st = ON.document_status(docs, D("2025-03-31"), 60, s, sup).set_index("document")
    assert st.loc["Insurance", "step_passed"] and not st.loc["Bank form", "step_passed"]
    assert st.loc["Insurance", "action"] == (
        "missing although docs is completed: get it before activation"
    )
    day = D("2025-03-31")
    fun, cyc = ON.funnel(s), ON.cycle_times(s, day)
    pts = ON.summary_points(s, fun, cyc, "docs", st.reset_index(), ON.compliance_flags(s),
                            ON.stuck_suppliers(s, day, 1), 1)  # fmt: skip
    assert "Documents of suppliers in onboarding: 2 missing, 0 expired" in " ".join(pts)
    assert (
        "Documents of active suppliers: 0 missing, 1 expired and 0 expiring soon (longest "
        "expired: Old Co, ISO 9001 since 01 Feb 2025)" in " ".join(pts)
    )
    assert "1 supplier passed a step without a document it requires (X)" in " ".join(pts)
