"""The package's layers, as contracts checked by import-linter (configured in pyproject.toml)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_import_contracts_hold():
    exe = shutil.which("lint-imports") or str(Path(sys.executable).with_name("lint-imports"))
    proc = subprocess.run([exe, "--no-cache"], cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    assert "4 kept, 0 broken" in proc.stdout


@pytest.mark.parametrize(
    "where,line",
    [
        ("risk/sideways.py", "from scmlib.suppliers import scorecard  # noqa: F401"),
        ("inventory/upwards.py", "import scmlib.processes  # noqa: F401"),
        ("core/upwards.py", "from scmlib.planning import accuracy  # noqa: F401"),
    ],
)
def test_a_wrong_way_import_would_break_a_contract(tmp_path, where, line):
    """The contracts are real: a copy of the package where an area imports another, an area
    imports the cross-area layer above it, or the core imports an area, fails them."""
    pkg = tmp_path / "scmlib"
    shutil.copytree(ROOT / "scmlib", pkg, ignore=shutil.ignore_patterns("__pycache__"))
    (pkg / where).write_text(line + "\n")
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    exe = shutil.which("lint-imports") or str(Path(sys.executable).with_name("lint-imports"))
    proc = subprocess.run(
        [exe, "--no-cache"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(tmp_path), "PATH": "/usr/bin:/bin"},
    )
    assert proc.returncode != 0 and "BROKEN" in proc.stdout


def test_areas_speak_the_error_vocabulary():
    """Areas raise ParameterError for arguments and DataError for data, never a bare ValueError,
    and their entry points name a missing column instead of failing with a KeyError."""
    import pandas as pd
    import pytest

    from scmlib.errors import DataError
    from scmlib.suppliers.scorecard import supplier_metrics

    offenders = [
        str(p.relative_to(ROOT))
        for area in (
            "planning",
            "procurement",
            "inventory",
            "suppliers",
            "risk",
            "analytics",
            "core",
        )
        for p in (ROOT / "scmlib" / area).rglob("*.py")
        if "raise ValueError(" in p.read_text()
    ]
    assert not offenders, offenders
    with pytest.raises(
        DataError,
        match=r"supplier metrics: purchase_order_lines is missing column\(s\) \['promised_date'",
    ):
        supplier_metrics(
            pd.DataFrame({"supplier_id": ["S1"], "ordered_qty": [1.0], "unit_price": [2.0]}),
            None,
            None,
            pd.Timestamp("2025-01-01"),
            pd.Timestamp("2025-12-31"),
        )


def test_no_function_over_100_lines_in_the_demo_generator_and_forecasting():
    import ast

    files = [
        ROOT / "scmlib" / "data" / "demo.py",
        *sorted((ROOT / "scmlib" / "planning" / "forecasting").glob("*.py")),
    ]
    long = []
    for f in files:
        for node in ast.walk(ast.parse(f.read_text())):
            if isinstance(node, ast.FunctionDef) and node.end_lineno - node.lineno + 1 > 100:
                long.append(f"{f.name}:{node.name} ({node.end_lineno - node.lineno + 1} lines)")
    assert not long, long


def test_old_import_paths_still_work():
    """Building blocks moved to scmlib.core stay importable from their old places for one
    release (the areas re-export them), so user code written against them keeps running."""
    from scmlib.core import delivery, demand, forecast_error
    from scmlib.inventory.segmentation import ADI_CUTOFF, complete_periods, demand_class
    from scmlib.planning.accuracy import attach_actuals, error_metrics
    from scmlib.suppliers.scorecard import otif

    assert demand_class is demand.demand_class and complete_periods is demand.complete_periods
    assert ADI_CUTOFF == demand.ADI_CUTOFF == 1.32
    assert attach_actuals is forecast_error.attach_actuals
    assert error_metrics is forecast_error.error_metrics
    assert otif is delivery.otif
