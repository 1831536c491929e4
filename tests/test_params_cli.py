"""Parameter parsing and validation, and the `scm` command line (list, run errors, index)."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import pytest

from scmlib.cli import main
from scmlib.errors import ParameterError
from scmlib.params import (
    Parameter,
    check,
    coerce_value,
    parse_parameters_source,
    resolve_parameters,
)
from scmlib.runner.catalog import get_spec, notebook_specs, parameter_sets

ROOT = Path(__file__).resolve().parent.parent


def test_parse_parameters_cell():
    src = 'a: int = 3  # an int\nb: str = "x"  # text\nc: list = [1, 2]  # list\nd: float | None = None  # opt\n'
    p = parse_parameters_source(src)
    assert list(p) == ["a", "b", "c", "d"]
    assert p["a"] == Parameter("a", "int", 3, "an int")
    assert p["d"].optional and p["d"].default is None
    assert p["c"].help == "list"


@pytest.mark.parametrize(
    "kind,value,expected",
    [
        ("float", "1e-3", 0.001),  # YAML leaves 1e-3 as a string
        ("str", dt.date(2024, 1, 1), "2024-01-01"),  # YAML turns dates into date objects
        ("int", "12", 12),
        ("int", 12.0, 12),
        ("bool", "yes", True),
        ("list", "[1, 2]", [1, 2]),
        ("dict", {"a": dt.date(2024, 1, 1)}, {"a": "2024-01-01"}),
    ],
)
def test_coercion(kind, value, expected):
    assert coerce_value(Parameter("x", kind, None), value) == expected


@pytest.mark.parametrize(
    "kind,value",
    [
        ("int", "abc"),
        ("int", 1.5),
        ("float", "x1"),
        ("bool", "maybe"),
        ("list", {"a": 1}),
        ("int", True),
    ],
)
def test_coercion_errors_are_one_line(kind, value):
    with pytest.raises(ParameterError) as exc:
        coerce_value(Parameter("horizon", kind, None), value)
    msg = str(exc.value)
    assert "horizon" in msg and kind in msg and "\n" not in msg


def test_unknown_parameter_did_you_mean():
    spec = get_spec("demand_forecasting")
    with pytest.raises(ParameterError, match=r"unknown parameter 'horizn'.*did you mean 'horizon'"):
        resolve_parameters(spec, {"horizn": 3})


def test_check_ranges_and_choices():
    check("level", "item", choices=["item", "category"])
    with pytest.raises(ParameterError, match="must be one of"):
        check("level", "items", choices=["item", "category"])
    with pytest.raises(ParameterError, match=">= 1"):
        check("horizon", 0, low=1)
    with pytest.raises(ParameterError, match="unknown value"):
        check("models", ["ets", "prophet"], subset_of=["ets", "theta"])


def test_catalogue_has_every_notebook_with_parameters():
    specs = notebook_specs()
    expected = {
        "demand_forecasting",
        "forecast_accuracy",
        "spend_analysis",
        "inventory_segmentation",
        "safety_stock",
        "risk_assessment",
        "supplier_scorecard",
        "kpi_dashboard",
    }
    assert expected <= set(specs)
    for name, spec in specs.items():
        assert spec.title and spec.area and spec.purpose, name
        assert {"data_source", "interactive", "column_map", "read_options"} <= set(
            spec.parameters
        ), name
        assert all(p.help for p in spec.parameters.values()), name
        assert "default" in parameter_sets(name), name


def test_scm_list_prints_catalogue(capsys):
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    assert "demand_forecasting  [planning]" in out
    assert "- horizon: int = 18" in out
    assert "parameter sets: default, item_location" in out


def _run_cli(args, reports):
    return subprocess.run(
        [sys.executable, "-m", "scmlib", *args, "--out", str(reports)],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )


@pytest.mark.parametrize(
    "args,message",
    [
        (
            ["run", "demand_forecastin"],
            "unknown notebook 'demand_forecastin' (did you mean 'demand_forecasting'?)",
        ),
        (
            ["run", "demand_forecasting", "--params", "parameters/nope.yaml"],
            "parameter file not found",
        ),
        (["run", "demand_forecasting", "-p", "horizn=3"], "did you mean 'horizon'"),
        (["run", "demand_forecasting", "-p", "horizon=abc"], "parameter 'horizon' must be a int"),
        (
            ["run", "safety_stock", "-p", "review_period=soon"],
            "parameter 'review_period' must be a float",
        ),
    ],
)
def test_bad_parameters_exit_2_and_write_nothing(tmp_path, args, message):
    reports = tmp_path / "reports"
    proc = _run_cli(args, reports)
    assert proc.returncode == 2, proc.stderr
    assert message in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    assert not reports.exists()


def test_yaml_types_coerced_in_parameter_file(tmp_path):
    f = tmp_path / "p.yaml"
    f.write_text("window_start: 2025-01-01\nbias_threshold: 4e0\nlags: [1]\n")
    from scmlib.runner.execute import plan_runs

    job = plan_runs(["forecast_accuracy"], params_files=[f], out=tmp_path / "r")[0]
    assert job.parameters["window_start"] == "2025-01-01"
    assert job.parameters["bias_threshold"] == 4.0
    assert job.parameter_set == "p"
    assert not (tmp_path / "r").exists()


def test_malformed_yaml_is_one_line_error(tmp_path):
    f = tmp_path / "bad.yaml"
    f.write_text("horizon: [1, 2\n")
    proc = _run_cli(["run", "demand_forecasting", "--params", str(f)], tmp_path / "r")
    assert proc.returncode == 2 and "not valid YAML" in proc.stderr


def test_index_on_empty_folder(tmp_path):
    assert main(["index", "--out", str(tmp_path)]) == 0
    html = (tmp_path / "index.html").read_text()
    assert "No runs yet" in html


def test_index_escapes_values(tmp_path):
    run = tmp_path / "spend_analysis" / "20260101T000000Z-default"
    run.mkdir(parents=True)
    (run / "report.html").write_text("<html></html>")
    (run / "run.json").write_text(
        json.dumps(
            {
                "notebook": "spend_analysis",
                "title": "<script>alert(1)</script>",
                "status": "failed",
                "error": "<img src=x onerror=alert(2)>",
                "start": "2026-01-01T00:00:00",
                "parameter_set": "default",
                "data_source": "demo",
            }
        )
    )
    main(["index", "--out", str(tmp_path)])
    html = (tmp_path / "index.html").read_text()
    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)" in html
    assert "<img src=x" not in html
