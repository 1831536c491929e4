"""Shared fixtures: a small demo company on disk and isolated report folders."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("MPLBACKEND", "Agg")

ROOT = Path(__file__).resolve().parent.parent
SMALL_SCALE = 0.1


@pytest.fixture(scope="session")
def small_demo(tmp_path_factory) -> Path:
    """The demo company at 10% scale, as Parquet files in a folder (a 'folder' data source)."""
    from scmlib.data.demo import write_demo

    return write_demo(tmp_path_factory.mktemp("data") / "demo_small", seed=7, scale=SMALL_SCALE)


@pytest.fixture(scope="session")
def small_tables(small_demo):
    from scmlib.data.demo import generate_demo

    return generate_demo(seed=7, scale=SMALL_SCALE)


@pytest.fixture()
def reports(tmp_path, monkeypatch) -> Path:
    """An empty reports folder used by the runner for this test only."""
    out = tmp_path / "reports"
    monkeypatch.setenv("SCM_REPORTS_DIR", str(out))
    return out


@pytest.fixture(scope="session")
def runs(small_demo, tmp_path_factory):
    """Run every (notebook, parameter set) once; demo-sourced sets use the small demo company.
    Returns (reports folder, {(notebook, parameter set): run record})."""
    from scmlib.params import load_parameter_file
    from scmlib.runner import build_index, notebook_specs, parameter_sets, plan_runs, run_jobs

    out = tmp_path_factory.mktemp("reports")
    jobs = []
    for name in notebook_specs():
        for path in parameter_sets(name).values():
            data = (
                str(small_demo)
                if load_parameter_file(path).get("data_source", "demo") == "demo"
                else None
            )
            jobs += plan_runs([name], params_files=[path], data=data, out=out)
    records = run_jobs(jobs, n_jobs=2, progress=False, echo=lambda *_: None)
    build_index(out)
    return out, {(r["notebook"], r["parameter_set"]): r for r in records}
