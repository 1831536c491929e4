"""Run notebooks headless with papermill and publish each run as a self-contained folder.

A run folder ``reports/<name>/<UTC timestamp>-<parameter set>/`` holds ``report.html``
(no code, offline-viewable), the executed notebook, ``run.json``, ``run.log`` (the
kernel's output) and ``outputs/`` (CSV tables written by the notebook). Folders are
never reused, so earlier reports are never overwritten.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import platform
import sys
import time
import traceback
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scmlib.errors import ParameterError
from scmlib.params import load_parameter_file, resolve_parameters
from scmlib.paths import project_root, reports_dir
from scmlib.runner.catalog import DEFAULT_SET, get_spec, parameter_sets, set_name_for

THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS", "VECLIB_MAXIMUM_THREADS")


@dataclass
class RunJob:
    """One notebook run, fully validated before any kernel starts."""

    name: str
    notebook: Path
    title: str
    parameter_set: str
    parameters: dict[str, Any]
    data_source: str
    out_root: Path
    purpose: str = ""
    run_dir: Path | None = None
    extra_env: dict[str, str] = field(default_factory=dict)
    timeout_s: float | None = None  # per-cell execution timeout (None: the default, 3600 s)


def plan_runs(
    names: list[str],
    params_files: list[Path] | None = None,
    overrides: dict[str, Any] | None = None,
    data: str | None = None,
    out: Path | None = None,
    cwd: Path | None = None,
    timeout_s: float | None = None,
    settings: Path | None = None,
) -> list[RunJob]:
    """Validate everything a batch needs and return its jobs, writing nothing.

    Raises :class:`ParameterError` (one line) on the first problem: unknown notebook, missing or
    malformed parameter file, unknown name, wrong type, a value outside its declared choices or
    range, an impossible date, a missing file or data source, a malformed ``column_map`` or
    ``read_options``, or a reports folder holding files ``scm`` did not create. Values from a
    parameter file are named by the file, values from ``overrides``/``data`` by "command line".
    Relative paths on the command line (``out``, ``data``, file parameters) are resolved from
    ``cwd`` (default: the current directory); relative paths in parameter files from the
    project root. ``settings`` names the company settings file (default: ``$SCM_SETTINGS`` or
    ``parameters/company.yaml``); it is validated here and handed to every run.
    """
    from scmlib.core.settings import ENV_VAR, load_settings
    from scmlib.data import check_data_block
    from scmlib.params import absolute_paths
    from scmlib.runner.catalog import notebook_specs
    from scmlib.runner.folders import check_reports_folder

    cwd = Path(cwd) if cwd else Path.cwd()
    jobs: list[RunJob] = []
    out_root = (cwd / Path(out).expanduser()).resolve() if out else reports_dir()
    check_reports_folder(out_root, notebook_specs())
    if timeout_s is not None and not timeout_s > 0:
        raise ParameterError(f"command line: --timeout must be a positive number of seconds, got {timeout_s!r}")
    settings_path = (cwd / Path(settings).expanduser()).resolve() if settings else None
    company = load_settings(settings_path)
    settings_env = {ENV_VAR: company.source} if company.source != "built-in defaults" else {}
    cli_values = dict(overrides or {})
    if data is not None:
        cli_values["data_source"] = data
    for name in names:
        spec = get_spec(name)
        if params_files:
            sets = [(set_name_for(name, cwd / Path(p)), cwd / Path(p)) for p in params_files]
        else:
            default = parameter_sets(name).get(DEFAULT_SET)
            sets = [(DEFAULT_SET, default)]
        for set_name, path in sets:
            resolved: dict[str, Any] = {}
            where = ""
            if path is not None:
                rp = path.resolve()
                where = str(rp.relative_to(project_root())) if rp.is_relative_to(project_root()) else str(rp)
                from_file = resolve_parameters(spec, load_parameter_file(path), where, base=project_root())
                resolved.update(absolute_paths(spec, from_file, project_root()))
            from_cli = resolve_parameters(spec, cli_values, "command line", base=cwd)
            resolved.update(absolute_paths(spec, from_cli, cwd))
            data_param = spec.parameters.get("data_source")
            data_source = resolved.get("data_source", data_param.default if data_param else "")
            origin = "command line" if ({"column_map", "read_options"} & set(cli_values)) else (where or "defaults")
            check_data_block(resolved.get("column_map"), resolved.get("read_options"), origin)
            jobs.append(
                RunJob(name, spec.path, spec.title, set_name, resolved, str(data_source), out_root,
                       purpose=spec.purpose, timeout_s=timeout_s, extra_env=dict(settings_env))
            )
    return jobs


def _new_run_dir(out_root: Path, name: str, set_name: str) -> Path:
    stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    base = out_root / name / f"{stamp}-{set_name}"
    candidate, n = base, 1
    while True:
        try:
            candidate.mkdir(parents=True, exist_ok=False)
            return candidate
        except FileExistsError:
            n += 1
            candidate = base.with_name(f"{base.name}-{n}")


def _versions() -> dict[str, str]:
    import pandas

    import scmlib

    return {"scmlib": scmlib.__version__, "pandas": pandas.__version__, "python": platform.python_version()}


@contextlib.contextmanager
def _stderr_to(log):
    """Send this process's stderr (and so the kernel's) to the run log while a notebook runs."""
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        os.dup2(log.fileno(), 2)
        yield
    finally:
        sys.stderr.flush()
        os.dup2(saved, 2)
        os.close(saved)


def execute_job(job: RunJob) -> dict[str, Any]:
    """Execute one job (in a worker process): papermill, HTML export, run.json."""
    import papermill as pm

    from scmlib.runner.export import export_html

    for var in THREAD_VARS:
        os.environ[var] = "1"
    os.environ["PYTHONWARNINGS"] = "ignore"
    os.environ["MPLBACKEND"] = "Agg"
    os.environ["TQDM_DISABLE"] = "1"
    run_dir = job.run_dir or _new_run_dir(job.out_root, job.name, job.parameter_set)
    (run_dir / "outputs").mkdir(exist_ok=True)
    os.environ["SCM_PARAMETER_SET"] = job.parameter_set
    os.environ["SCM_OUTPUT_DIR"] = str(run_dir / "outputs")
    os.environ["SCM_REPORT_PURPOSE"] = job.purpose
    os.environ.update(job.extra_env)
    executed = run_dir / f"{job.name}.ipynb"
    started = dt.datetime.now(dt.timezone.utc)
    t0 = time.perf_counter()
    status, error = "success", None
    with open(run_dir / "run.log", "w", encoding="utf-8") as log, _stderr_to(log):
        try:
            pm.execute_notebook(
                str(job.notebook),
                str(executed),
                parameters=job.parameters,
                cwd=str(project_root()),
                kernel_name="python3",
                progress_bar=False,
                log_output=False,
                request_save_on_cell_execute=False,  # one write at the end, not after every cell
                shutdown_kernel="immediate",  # the notebook is done: no graceful-shutdown wait
                stdout_file=log,
                stderr_file=log,
            )
        except pm.PapermillExecutionError as exc:
            status, error = "failed", f"{exc.ename}: {exc.evalue}"
        except Exception as exc:  # kernel died, notebook unreadable, ...
            status, error = "failed", f"{type(exc).__name__}: {exc}"
            log.write(traceback.format_exc())
    try:
        export_html(executed if executed.exists() else job.notebook, run_dir / "report.html", job.title, error)
    except Exception as exc:  # the report of a run must exist even when export fails
        from scmlib.reporting import error_banner

        status = "failed"
        error = error or f"HTML export failed: {type(exc).__name__}: {exc}"
        (run_dir / "report.html").write_text(
            f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{job.title}</title></head><body>{error_banner(error)}</body></html>",
            encoding="utf-8",
        )
    ended = dt.datetime.now(dt.timezone.utc)
    outputs = sorted(p.name for p in (run_dir / "outputs").glob("*.csv"))
    record = {
        "notebook": job.name,
        "title": job.title,
        "parameter_set": job.parameter_set,
        "parameters": job.parameters,
        "data_source": job.data_source,
        "status": status,
        "error": error,
        "start": started.isoformat(timespec="seconds"),
        "end": ended.isoformat(timespec="seconds"),
        "duration_s": round(time.perf_counter() - t0, 2),
        "versions": _versions(),
        "outputs": outputs,
        "run_dir": str(run_dir),
    }
    (run_dir / "run.json").write_text(json.dumps(record, indent=2, default=str), encoding="utf-8")
    return record


def run_jobs(jobs: list[RunJob], n_jobs: int | None = None, progress: bool = True, echo=print) -> list[dict[str, Any]]:
    """Run validated jobs, ``n_jobs`` at a time, echoing each run folder as it finishes."""
    from tqdm.auto import tqdm

    if any(job.data_source == "demo" for job in jobs):
        from scmlib.data import ensure_demo

        ensure_demo()
    n_jobs = max(1, min(n_jobs or os.cpu_count() or 1, len(jobs)))
    import nbconvert  # noqa: F401  imported once here: forked workers start running notebooks at once
    import papermill  # noqa: F401

    from scmlib.runner.export import export_html  # noqa: F401
    results: list[dict[str, Any]] = []
    bar = tqdm(total=len(jobs), desc="scm run", unit="run", disable=not progress, file=sys.stderr)
    if n_jobs == 1:
        for job in jobs:
            rec = execute_job(job)
            results.append(rec)
            echo(f"{rec['status']:>7}  {rec['run_dir']}")
            bar.update()
    else:
        with ProcessPoolExecutor(max_workers=n_jobs) as pool:
            futures = {pool.submit(execute_job, job): job for job in jobs}
            for fut in as_completed(futures):
                rec = fut.result()
                results.append(rec)
                echo(f"{rec['status']:>7}  {rec['run_dir']}")
                bar.update()
    bar.close()
    return results


__all__ = ["RunJob", "plan_runs", "run_jobs", "execute_job", "ParameterError"]
