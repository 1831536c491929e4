"""The report building blocks: labels, formats, chart rules, safe outputs, MathJax-safe markup."""

from __future__ import annotations

import matplotlib
import numpy as np
import pandas as pd
import pytest

matplotlib.use("Agg")

from scmlib.errors import ParameterError  # noqa: E402
from scmlib.reporting import charts, mathjax_safe, spreadsheet_safe, table_html  # noqa: E402
from scmlib.reporting.labels import humanise, label  # noqa: E402


def test_labels_have_no_code_names_and_carry_units():
    assert label("fva_statistical") == "FVA of the statistical model (pts)"
    assert (
        label("countryname") == "Country"
        and label("single_source_revenue") == "Single-source revenue"
    )
    assert (
        label("lead_time_days") == "Lead time (days)"
        and label("lead_time_days", with_unit=False) == "Lead time"
        and label("days_of_supply") == "Days of supply"  # the unit is named already
    )
    assert humanise("mase_seasonal_naive_x") == "MASE seasonal naive x" and "_" not in humanise(
        "a_b_c"
    )
    assert label("anything", {"anything": "Mine"}) == "Mine"


def test_tables_show_yes_no_and_points():
    df = pd.DataFrame(
        {"in_pareto": [True, False], "fva_statistical": [0.094, -0.01], "spend": [1200.0, 5.0]}
    )
    html = table_html(df, {"spend": "money", "fva_statistical": "pct"})
    assert "Yes" in html and "No" in html and "True" not in html
    assert "+9.4 pts" in html and "9.4%" not in html  # one unit per metric
    assert (
        "<th>In the Pareto group</th>" in html
        and "<th>Spend</th>" in html
        and "_" not in html.split("<tbody>")[0]
    )


def test_charts_refuse_missing_axis_titles():
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    with pytest.raises(ParameterError, match="x axis needs a title"):
        charts.finish(fig, ax, "A chart", "", "Spend ($)")
    with pytest.raises(ParameterError, match="y axis needs a title"):
        charts.finish(fig, ax, "A chart", "Month", " ")
    plt.close(fig)


def test_chart_rules_bars_from_zero_titles_and_unique_ticks():
    df = pd.DataFrame({"abc": ["A", "B", "C"], "accuracy": [0.92, 0.88, 0.82]})
    fig = charts.bar(df, "abc", "accuracy", "accuracy by class", kind="pct", horizontal=False)
    ax = fig.axes[0]
    assert ax.get_ylim()[0] == 0 and ax.get_title() == "Accuracy by class"
    assert ax.get_xlabel() == "ABC class" and ax.get_ylabel() == "Accuracy (1 - WMAPE) (%)"
    labels = charts.UniqueFormatter("pct").format_ticks([0.010, 0.0125, 0.015, 0.0175])
    assert len(set(labels)) == 4 and labels[0] == "1.0%"


def test_scatter_labels_the_largest_points():
    df = pd.DataFrame(
        {
            "spend_share": np.linspace(0.01, 0.2, 12),
            "country_risk": np.arange(12.0),
            "countryname": [f"C{i}" for i in range(12)],
        }
    )
    fig = charts.scatter(
        df, "spend_share", "country_risk", "Risk", xkind="pct", label="countryname", label_top=3
    )
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert texts == ["C11", "C10", "C9"]


def test_spreadsheet_outputs_cannot_run_formulas():
    df = pd.DataFrame(
        {
            "supplier": ["=cmd|' /C calc'!A0", "+SUM(A1)", "-2+3", "@x", "Acme"],
            "amount": [-1.0, 2, 3, 4, 5],
        }
    )
    safe = spreadsheet_safe(df)
    assert safe["supplier"].tolist() == ["'=cmd|' /C calc'!A0", "'+SUM(A1)", "'-2+3", "'@x", "Acme"]
    assert safe["amount"].tolist() == [-1.0, 2, 3, 4, 5]


def test_markup_is_mathjax_safe():
    out = mathjax_safe('<div title="$1"><p>worth $2.4M; with cycle stock $4.5M</p></div>')
    text_only = out.split(">", 1)[1]
    assert (
        "$2.4M" not in text_only
        and out.count('<code class="scm-d">$</code>') == 2
        and 'title="$1"' in out
    )


def test_report_markup_in_a_kernel_is_mathjax_safe(tmp_path):
    """Run a notebook with nbclient as JupyterLab would and check every HTML output: no text node
    outside a <code> element holds a dollar sign."""
    import re

    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell(
            "from scmlib.reporting import Report\n"
            f"r = Report('t', 'T', 'demo', interactive=True)\nr.output_dir = __import__('pathlib').Path({str(tmp_path)!r})\n"
            "r.summary(['Safety stock is worth $2.4M; with cycle stock the target is $4.5M'])\n"
            "import pandas as pd\nr.table(pd.DataFrame({'spend': [1.5e6, 2e5]}), {'spend': 'money'})"
        )
    ]
    NotebookClient(nb, timeout=120, kernel_name="python3").execute()
    htmls = [
        o["data"]["text/html"]
        for c in nb.cells
        for o in c.get("outputs", [])
        if "text/html" in o.get("data", {})
    ]
    assert htmls
    for markup in htmls:
        text = re.sub(r'<code class="scm-d">\$</code>', "", markup)
        text = re.sub(r"<[^>]*>", "", text)
        assert "$" not in text, text[:200]


def test_output_links_work_from_the_notebook_in_jupyterlab(tmp_path, monkeypatch):
    from scmlib.paths import notebooks_dir
    from scmlib.reporting import Report

    monkeypatch.delenv("SCM_RUN_CONTEXT", raising=False)
    r = Report("spend_analysis", "Spend", "demo", interactive=True)
    href = r._href("spend_cube.csv")
    target = (notebooks_dir() / href).resolve()
    assert target == (r.output_dir / "spend_cube.csv").resolve() and not href.startswith("outputs/")


def test_picker_searches_every_choice_and_filters_the_flagged(monkeypatch):
    import ipywidgets as w

    from scmlib.reporting import Picker, Report

    shown = []
    monkeypatch.setattr("IPython.display.display", lambda *objs, **kw: shown.extend(objs))
    r = Report("demand_forecasting", "Forecast", "demo", interactive=True)
    picked = []
    r.explore(
        lambda series: picked.append(series),
        "Explore a series",
        series=Picker(
            [f"IT{i:04d}" for i in range(500)], flagged=["IT0007", "IT0400"], flag_label="flagged"
        ),
    )
    box = [c for c in shown if isinstance(c, w.VBox)][0].children[0]
    combo, only = box.children
    assert isinstance(combo, w.Combobox) and len(combo.options) == 500 and combo.ensure_option
    only.value = True
    assert list(combo.options) == ["IT0007", "IT0400"]
    only.value = False
    assert len(combo.options) == 500


def test_percentage_sliders(monkeypatch):
    import ipywidgets as w

    from scmlib.reporting import Report

    shown = []
    monkeypatch.setattr("IPython.display.display", lambda *objs, **kw: shown.extend(objs))
    Report("safety_stock", "SS", "demo", interactive=True).explore(
        lambda target_A: None, "What-if", target_A=(0.8, 0.995, 0.005, 0.975, "pct")
    )
    slider = [c for c in shown if isinstance(c, w.VBox)][0].children[0].children[0]
    assert (
        isinstance(slider, w.FloatSlider)
        and slider.readout_format == ".1%"
        and slider.value == 0.975
    )


def test_setup_filters_third_party_noise_only():
    """Deprecation and future warnings from libraries stay out of reports; the suite's own stay
    visible (a narrow filter, not a global silence)."""
    import warnings

    from scmlib.reporting import setup

    with warnings.catch_warnings(record=True) as caught:
        warnings.resetwarnings()
        setup()
        warnings.warn_explicit("old API", FutureWarning, "x.py", 1, module="pandas.core.frame")
        warnings.warn_explicit("ours", FutureWarning, "y.py", 1, module="scmlib.core.kpi")
        warnings.warn_explicit("also ours", DeprecationWarning, "z.py", 1, module="scmlib")
    assert [str(w.message) for w in caught] == ["ours", "also ours"]


@pytest.mark.parametrize(
    "value,shown",
    [
        (0.9498, "94.98%"),  # amber against 95%: the value shows why it is not on target
        (0.95, "95.0%"),
        (0.8132, "81.3%"),
        (0.0123, "1.23%"),
    ],
)
def test_kpi_values_show_enough_precision_to_explain_their_status(value, shown):
    from scmlib.core.kpi import rag
    from scmlib.reporting import fmt_kpi

    assert fmt_kpi("supplier_otif", value, target=0.95) == shown
    assert rag(0.9498, 0.95, True, 0.05) == "amber" and rag(0.95, 0.95, True) == "green"


def test_kpi_units_on_every_tile_value():
    from scmlib.reporting import fmt_kpi

    assert fmt_kpi("cash_to_cash", 129.4) == "129 days"
    assert fmt_kpi("supplier_ppm", 2512.2) == "2,512 ppm"
    assert fmt_kpi("supplier_otif", float("nan")) == "n/a"


def test_panels_share_one_value_axis_and_refuse_untitled_axes():
    import matplotlib.pyplot as plt

    from scmlib.errors import ParameterError
    from scmlib.reporting import charts

    df = pd.DataFrame(
        {
            "policy": ["A"] * 3 + ["B"] * 3,
            "period": list(pd.date_range("2026-01-01", periods=3, freq="MS")) * 2,
            "demand_value": [10.0, 12, 11, 10, 12, 11],
            "order_value": [9.0, 15, 8, 10, 11, 12],
        }
    )
    fig = charts.panels(
        df, "policy", "period", ["demand_value", "order_value"], "bullwhip", kind="money",
        ylabel="Value ($)", panel_titles={"A": "A: amplification 3.10"},
    )  # fmt: skip
    a, b = fig.axes[:2]
    assert a.get_ylim() == b.get_ylim() and a.get_ylim()[0] == 0
    assert a.get_title() == "A: amplification 3.10" and b.get_title() == "B"
    assert a.get_ylabel() == "Value ($)" and a.get_xlabel() == "Month"
    plt.close(fig)
    with pytest.raises(ParameterError, match="axis needs a title"):
        charts.panels(df, "policy", "period", ["demand_value"], "t", ylabel=" ")


def test_no_negative_zero_in_formatted_figures():
    from scmlib.reporting import fmt_compact_money, fmt_money, fmt_number, fmt_pct

    assert fmt_money(-0.2) == "$0" and fmt_money(-3.0) == "-$3"
    assert fmt_compact_money(-0.4) == "$0" and fmt_compact_money(-2500) == "-$2.5k"
    assert fmt_number(-0.3) == "0" and fmt_number(-1.2, 1) == "-1.2"
    assert fmt_pct(-0.0004) == "0.0%" and fmt_pct(-0.0) == "0.0%" and fmt_pct(-0.012) == "-1.2%"
    html = table_html(pd.DataFrame({"gap": [-0.0001, 0.012]}), {"gap": "pts"})
    assert "+0.0 pts" in html and "-0.0" not in html and "+1.2 pts" in html


def test_dates_and_codes_never_wrap_in_tables():
    df = pd.DataFrame(
        {"rfx_id": ["RFQ-2026-01"], "end_date": pd.to_datetime(["2027-02-04"]), "note": ["x y"]}
    )
    html = table_html(df, {"end_date": "date"})
    assert '<td class="nowrap">RFQ-2026-01</td>' in html
    assert '<td class="nowrap">2027-02-04</td>' in html and "<td>x y</td>" in html


def test_network_map_titles_its_axes_and_marks_open_sites():
    import matplotlib.pyplot as plt

    from scmlib.reporting import charts

    customers = pd.DataFrame(
        {"customer_id": ["C1", "C2"], "latitude": [40.0, 34.0], "longitude": [-74.0, -118.0],
         "demand": [100.0, 50.0]}
    )  # fmt: skip
    sites = pd.DataFrame(
        {"site_id": ["S1", "S2"], "name": ["Newark", "Reno"], "latitude": [40.7, 39.5],
         "longitude": [-74.2, -119.8], "open": [True, False]}
    )  # fmt: skip
    assignment = pd.DataFrame({"customer_id": ["C1", "C2"], "site_id": ["S1", "S1"], "share": 1.0})
    fig = charts.network_map(customers, sites, assignment, title="network")
    ax = fig.axes[0]
    assert ax.get_xlabel() == "Longitude (degrees)" and ax.get_ylabel() == "Latitude (degrees)"
    assert ax.get_title() == "Network" and "Newark" in [t.get_text() for t in ax.texts]
    plt.close(fig)


def test_full_table_files_are_named_after_the_first_clause_of_their_caption():
    from scmlib.reporting import _slug

    assert _slug("Largest demand first; the CSV output holds every item-location") == (
        "largest_demand_first"
    )
    assert _slug("Accuracy, lag 1, item, by ABC class.") == "accuracy_lag_1_item_by_abc_class"
    assert len(_slug("word " * 30)) <= 40 and not _slug("word " * 30).endswith("_")
    assert _slug("") == "table"


def test_scatter_draws_the_diagonal_in_contrasting_groups():
    import matplotlib.pyplot as plt

    from scmlib.reporting import charts

    df = pd.DataFrame({"ttr": [10.0, 40.0], "tts": [30.0, 5.0], "status": ["covered", "exposed"]})
    fig = charts.scatter(df, "ttr", "tts", "t", hue="status", diagonal=True, xlabel="x", ylabel="y")
    ax = fig.axes[0]
    assert [line.get_label() for line in ax.get_lines()] == ["y = x"]
    colours = {tuple(c.get_facecolor()[0][:3]) for c in ax.collections}
    assert len(colours) == 2
    plt.close(fig)


def test_coded_values_read_as_words_in_tables_and_heat_maps():
    from scmlib.reporting import charts, format_frame

    t = format_frame(pd.DataFrame({"model": ["theta_classic", "class_combination", "my_model"]}))
    assert t["model"].tolist() == ["Classic Theta", "Intermittent combination", "My model"]
    t = format_frame(pd.DataFrame({"quadrant": ["non-critical"], "status": ["notice passed"]}))
    assert t.iloc[0].tolist() == ["Non-critical", "Notice passed"]  # labels start with a capital
    m = pd.DataFrame([[1, 2]], index=["smooth"], columns=["seasonal_naive", "ets"])
    fig = charts.heatmap(m, "Selected model")
    ticks = [t.get_text() for t in fig.axes[0].get_xticklabels()]
    assert ticks == ["Seasonal naive", "ETS"]


def test_a_unit_already_named_in_the_label_is_not_repeated():
    assert label("hours") == "Hours"
    assert label("load_hours") == "Load (hours)"
    assert label("days_to_deadline") == "Days to notice deadline"  # not "... (days)"


def test_a_chart_image_says_its_title_as_text_alternative():
    import matplotlib.pyplot as plt

    from scmlib.reporting import figure_html

    fig, ax = plt.subplots()
    ax.plot([1, 2], [3, 4])
    ax.set_title("Spend share against country risk")
    assert 'alt="Spend share against country risk"' in figure_html(fig)
    fig, _ = plt.subplots()
    assert 'alt="Monthly spend"' in figure_html(fig, "Monthly spend")
