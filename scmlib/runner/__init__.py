"""Headless runs: the catalogue, papermill execution, HTML export and the report index."""

from scmlib.runner.catalog import notebook_specs, parameter_sets
from scmlib.runner.execute import plan_runs, run_jobs
from scmlib.runner.index import build_index

__all__ = ["notebook_specs", "parameter_sets", "plan_runs", "run_jobs", "build_index"]
