"""Run notebooks headless with papermill and publish each run as a self-contained folder.

A run folder ``reports/<name>/<UTC timestamp>-<parameter set>/`` holds ``report.html``
(no code, offline-viewable), the executed notebook, ``run.json``, ``run.log`` (the
kernel's output) and ``outputs/`` (CSV tables written by the notebook). Folders are
never reused, so earlier reports are never overwritten.
"""

from __future__ import annotations

import contextlib
import datetime as dt
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

THREAD_VARS = (
    "OMP_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "MKL_NUM_THREADS",
    "NUMEXPR_NUM_THREADS",
    "VECLIB_MAXIMUM_THREADS",
)


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
    timeout_s: float | None = None  # per-cell execution timeout (None: the notebook's, else 3600 s)
    cpus: int = 1  # the CPU budget of this run: the machine's cores shared by the runs in parallel
    batch: dict[str, str] | None = None  # {"parameter", "value"} of a run of a batch (--each)


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
        raise ParameterError(
            f"command line: --timeout must be a positive number of seconds, got {timeout_s!r}"
        )
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
                where = (
                    str(rp.relative_to(project_root()))
                    if rp.is_relative_to(project_root())
                    else str(rp)
                )
                from_file = resolve_parameters(
                    spec, load_parameter_file(path), where, base=project_root()
                )
                resolved.update(absolute_paths(spec, from_file, project_root()))
            from_cli = resolve_parameters(spec, cli_values, "command line", base=cwd)
            resolved.update(absolute_paths(spec, from_cli, cwd))
            data_param = spec.parameters.get("data_source")
            data_source = resolved.get("data_source", data_param.default if data_param else "")
            origin = (
                "command line"
                if ({"column_map", "read_options"} & set(cli_values))
                else (where or "defaults")
            )
            check_data_block(resolved.get("column_map"), resolved.get("read_options"), origin)
            jobs.append(
                RunJob(
                    name,
                    spec.path,
                    spec.title,
                    set_name,
                    resolved,
                    str(data_source),
                    out_root,
                    purpose=spec.purpose,
                    timeout_s=timeout_s or spec.timeout_s,
                    extra_env=dict(settings_env),
                )
            )
    return jobs


def _new_run_dir(out_root: Path, name: str, set_name: str) -> Path:
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    base = out_root / name / f"{stamp}-{set_name}"
    candidate, n = base, 1
    while True:
        try:
            candidate.mkdir(parents=True, exist_ok=False)
            return candidate
        except FileExistsError:
            n += 1
            candidate = base.with_name(f"{base.name}-{n}")


def preflight_data(jobs: list[RunJob]) -> None:
    """Read and validate every table the jobs' notebooks declare, together, as their runs would
    (column map, reading options, relaxed columns), before any kernel starts: a data problem,
    including a reference between two tables (a PO line naming an unknown supplier), is one
    :class:`~scmlib.errors.DataError` naming the notebook, and nothing is written. Each distinct
    (source, tables, options) set is read once; the built-in demo company is known to be valid
    and is skipped."""
    import json as _json

    from scmlib.data import load_data
    from scmlib.errors import DataError
    from scmlib.runner.catalog import get_spec

    seen: set[str] = set()
    for job in jobs:
        if job.data_source.strip() == "demo":
            continue
        tables = get_spec(job.name).tables
        cmap, opts = (
            job.parameters.get("column_map") or {},
            job.parameters.get("read_options") or {},
        )
        key = _json.dumps([job.data_source, tables, cmap, opts], sort_keys=True, default=str)
        if key in seen:
            continue
        seen.add(key)
        opts = _sampled_streams(job.data_source, tables.get("streamed", []), opts)
        try:
            data = load_data(
                job.data_source,
                tables=tables.get("required", []),
                optional=tables.get("optional", []),
                column_map=cmap,
                read_options=opts,
                relaxed=tables.get("relaxed", {}),
            )
            defaults = {k: p.default for k, p in get_spec(job.name).parameters.items()}
            check_declared_limits(data, tables.get("limits", {}), defaults | job.parameters)
        except DataError as exc:
            raise DataError(
                f"{job.name} ({job.parameter_set}) cannot run on this data: {exc}"
            ) from None


def check_parameter_references(jobs: list[RunJob]) -> None:
    """Parameters that name an entity of the data (the supplier of a QBR, the category of a
    sourcing project, the disrupted supplier), declared in a notebook's metadata as
    ``tables.references: {parameter: "table.column"}``: a value that the column does not hold
    is a one-line :class:`~scmlib.errors.ParameterError` with close matches, before any kernel
    starts (also on the demo company). Empty values (the notebook's "pick the largest") pass;
    a list value is checked element by element."""
    import difflib

    from scmlib.data import load_data
    from scmlib.errors import ParameterError
    from scmlib.runner.catalog import get_spec

    cache: dict[str, set] = {}
    for job in jobs:
        spec = get_spec(job.name)
        for param, target in (spec.tables.get("references") or {}).items():
            value = job.parameters.get(param, getattr(spec.parameters.get(param), "default", None))
            values = [
                v for v in (value if isinstance(value, list) else [value]) if v not in (None, "")
            ]
            if not values:
                continue
            table, _, column = str(target).partition(".")
            key = f"{job.data_source}|{table}|{column}|{job.parameters.get('column_map')}"
            if key not in cache:
                data = load_data(
                    job.data_source,
                    optional=[table],
                    column_map=job.parameters.get("column_map") or {},
                    read_options=job.parameters.get("read_options") or {},
                    relaxed=spec.tables.get("relaxed", {}),
                )
                frame = data.get(table)
                cache[key] = (
                    set(frame[column].dropna().astype(str))
                    if frame is not None and column in frame
                    else set()
                )
            known = cache[key]
            if not known:
                continue  # the table is absent: the notebook says what it cannot do
            for v in values:
                if str(v) not in known:
                    close = difflib.get_close_matches(str(v), sorted(known), n=3, cutoff=0.6)
                    hint = f"; did you mean {', '.join(repr(c) for c in close)}?" if close else ""
                    raise ParameterError(
                        f"{job.name} ({job.parameter_set}): {param} = {v!r} is not in "
                        f"{table}.{column} of the data source{hint}"
                    )


STREAM_SAMPLE_ROWS = 200_000  # rows of a streamed table the pre-flight check validates
STREAM_THRESHOLD_ROWS = 5_000_000  # a streamed Parquet table above this is checked on a sample


def _sampled_streams(source: str, streamed: list[str], opts: dict) -> dict:
    """Reading options for the pre-flight check: a table the notebook streams out of core
    (declared ``tables.streamed``, e.g. 100 million invoice lines read by DuckDB) is checked on
    its first rows when its Parquet files hold more than ``STREAM_THRESHOLD_ROWS``, so the check
    does not read into memory what the run never will; columns, types, formats, bounds and
    references are checked on the sample, the rest by the run."""
    from scmlib.data.sources import parquet_table_rows

    out = dict(opts)
    for table in streamed:
        rows = parquet_table_rows(source, table, opts)
        if rows is not None and rows > STREAM_THRESHOLD_ROWS:
            own = dict(out.get(table) or {})
            own.setdefault("sample_rows", STREAM_SAMPLE_ROWS)
            out[table] = own
    return out


def check_declared_limits(data, limits: dict, parameters: dict) -> None:
    """Columns whose largest valid value is a parameter of the notebook, declared in its
    metadata as ``tables.limits: {table: {column: parameter}}`` (a risk register's likelihood and
    impact on the 1..``scale`` scale): a value above it is a one-line
    :class:`~scmlib.errors.DataError` naming the rows and the fix, before any kernel starts."""
    from scmlib.errors import DataError

    for table, columns in (limits or {}).items():
        if table not in data:
            continue
        frame = data[table]
        for column, param in columns.items():
            if column not in frame.columns or param not in parameters:
                continue
            top = float(parameters[param])
            bad = frame[column].to_numpy(dtype=float) > top
            if bad.any():
                rows = ", ".join(str(i + 2) for i in bad.nonzero()[0][:3])
                n = int(bad.sum())
                raise DataError(
                    f"table '{table}', column '{column}': {n:,} value{'s' * (n != 1)} above "
                    f"{param} = {top:g} (e.g. source rows {rows}); rescore them on the "
                    f"1-{top:g} scale or set the parameter {param}"
                )


class RunInterrupted(BaseException):
    """A run stopped by SIGINT (Ctrl-C) or SIGTERM; ``exit_code`` is 130 or 143."""

    def __init__(self, signal_name: str = "SIGINT"):
        super().__init__(signal_name)
        self.signal_name = signal_name
        self.exit_code = 143 if signal_name == "SIGTERM" else 130


def _versions() -> dict[str, str | None]:
    """Versions of the packages that decide a report's numbers (None when not installed)."""
    from importlib import metadata

    out: dict[str, str | None] = {"python": platform.python_version()}
    for pkg in (
        "scmlib",
        "pandas",
        "numpy",
        "statsforecast",
        "statsmodels",
        "papermill",
        "pandera",
    ):
        try:
            out[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            out[pkg] = None
    return out


def _git_commit() -> str | None:
    """The project's git commit when it is a checkout (None otherwise, quietly)."""
    import subprocess

    try:
        proc = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            cwd=project_root(),
            capture_output=True,
            text=True,
            timeout=5,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return proc.stdout.strip() or None if proc.returncode == 0 else None


_WHOLE_FILE_LIMIT = 1 << 30  # files up to 1 GiB are hashed whole; larger ones by sample


def _file_fingerprint(path: Path) -> str:
    """A content fingerprint (BLAKE2b, 16 hex digits) of one input file: of its bytes for files
    up to 1 GiB (about a second), else of its size and its first and last MiB, so that two runs
    on the same extract carry the same fingerprint and a changed extract another one, whatever
    the files' modification times."""
    import hashlib

    size = path.stat().st_size
    h = hashlib.blake2b(digest_size=8)
    with path.open("rb") as fh:
        if size <= _WHOLE_FILE_LIMIT:
            for block in iter(lambda: fh.read(1 << 20), b""):
                h.update(block)
        else:
            h.update(str(size).encode())
            h.update(fh.read(1 << 20))
            fh.seek(-(1 << 20), 2)
            h.update(fh.read(1 << 20))
    return h.hexdigest()


def _fingerprints(data_source: str) -> dict[str, str]:
    """A content fingerprint of every input file of a file-based data source (see
    :func:`_file_fingerprint`), so two runs can be told apart by their inputs; database URLs
    have none."""
    text = str(data_source).strip()
    if "://" in text:
        return {}
    if text == "demo":
        from scmlib.paths import data_dir

        path = data_dir() / "demo"
    else:
        path = Path(text)
    files = (
        sorted(p for p in path.rglob("*") if p.is_file())
        if path.is_dir()
        else ([path] if path.is_file() else [])
    )
    return {
        (f.relative_to(path).as_posix() if path.is_dir() else f.name): _file_fingerprint(f)
        for f in files[:500]
    }


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


def _static_page(title: str, banner_html: str) -> str:
    import html as _html

    return (
        f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{_html.escape(title)}</title></head>"
        f"<body>{banner_html}</body></html>"
    )


def _write_report(
    run_dir: Path, executed: Path, job: RunJob, error: str | None, status: str
) -> tuple[str, str | None]:
    """report.html for any outcome; returns the (possibly updated) status and error."""
    from scmlib.core.files import atomic_write_text
    from scmlib.reporting import error_banner
    from scmlib.runner.export import export_html

    target = run_dir / "report.html"
    try:
        if status == "interrupted":
            atomic_write_text(
                target,
                _static_page(
                    job.title,
                    error_banner(f"This run was interrupted ({error}) before it finished."),
                ),
            )
        else:
            export_html(executed if executed.exists() else job.notebook, target, job.title, error)
        return status, error
    except OSError as exc:
        error = (
            error
            or f"could not write the report in {run_dir}: disk full or not writable ({exc.strerror or exc})"
        )
    except Exception as exc:  # the report of a run must exist even when export fails
        error = error or f"HTML export failed: {type(exc).__name__}: {exc}"
    try:
        atomic_write_text(target, _static_page(job.title, error_banner(error)))
    except OSError:
        pass
    return "failed", error


def execute_job(job: RunJob) -> dict[str, Any]:
    """Execute one job: record it as running, run the notebook with papermill, export the report,
    record the outcome. SIGINT/SIGTERM during the run record it as interrupted (and re-raise)."""
    import socket

    import papermill as pm

    from scmlib.runner.context import DEFAULT_TIMEOUT_S, ENV_VAR, write_context, write_record

    for var in THREAD_VARS:
        os.environ[var] = "1"
    os.environ["PYTHONWARNINGS"] = "ignore"
    os.environ["MPLBACKEND"] = "Agg"
    os.environ["TQDM_DISABLE"] = "1"
    os.environ.update(job.extra_env)
    run_dir = job.run_dir or _new_run_dir(job.out_root, job.name, job.parameter_set)
    (run_dir / "outputs").mkdir(exist_ok=True)
    timeout = float(getattr(job, "timeout_s", None) or DEFAULT_TIMEOUT_S)
    os.environ[ENV_VAR] = str(
        write_context(
            run_dir,
            parameter_set=job.parameter_set,
            output_dir=str(run_dir / "outputs"),
            purpose=job.purpose,
            settings=job.extra_env.get("SCM_SETTINGS"),
            cpus=job.cpus,
        )
    )
    executed = run_dir / f"{job.name}.ipynb"
    started = dt.datetime.now(dt.UTC)
    t0 = time.perf_counter()
    record = {
        "notebook": job.name,
        "title": job.title,
        "parameter_set": job.parameter_set,
        "batch": job.batch,
        "parameters": job.parameters,
        "data_source": job.data_source,
        "status": "running",
        "error": None,
        "start": started.isoformat(timespec="seconds"),
        "end": None,
        "duration_s": None,
        "pid": os.getpid(),
        "host": socket.gethostname(),
        "timeout_s": timeout,
        "settings": job.extra_env.get("SCM_SETTINGS"),
        "versions": _versions(),
        "git_commit": _git_commit(),
        "inputs": _fingerprints(job.data_source),
        "outputs": [],
        "run_dir": str(run_dir),
    }
    write_record(run_dir, record)
    status, error, stop = "success", None, None
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
                execution_timeout=timeout,
                stdout_file=log,
                stderr_file=log,
            )
        except KeyboardInterrupt:
            status, error, stop = "interrupted", "SIGINT", RunInterrupted("SIGINT")
        except RunInterrupted as exc:
            status, error, stop = "interrupted", exc.signal_name, exc
        except pm.PapermillExecutionError as exc:
            status, error = "failed", f"{exc.ename}: {exc.evalue}"
        except Exception as exc:  # kernel died, timed out, notebook unreadable, ...
            status, error = "failed", f"{type(exc).__name__}: {exc}"
            log.write(traceback.format_exc())
    status, error = _write_report(run_dir, executed, job, error, status)
    ended = dt.datetime.now(dt.UTC)
    record.update(
        status=status,
        error=error,
        end=ended.isoformat(timespec="seconds"),
        duration_s=round(time.perf_counter() - t0, 2),
        outputs=sorted(
            p.name for p in (run_dir / "outputs").glob("*") if not p.name.startswith(".")
        ),
    )
    try:
        write_record(run_dir, record)
    except OSError as exc:
        print(f"scm: could not record the end of {run_dir}: {exc.strerror or exc}", file=sys.stderr)
    if stop is not None:
        raise stop
    return record


def _raise_interrupted(signum, frame):
    import signal

    raise RunInterrupted(signal.Signals(signum).name)


@contextlib.contextmanager
def _signals_recorded():
    """SIGTERM (like SIGINT) interrupts the run so that it is recorded; the previous handlers are
    restored afterwards (tests call the runner in-process)."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {sig: signal.getsignal(sig) for sig in (signal.SIGTERM, signal.SIGINT)}
    signal.signal(signal.SIGTERM, _raise_interrupted)
    signal.signal(signal.SIGINT, _raise_interrupted)
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


@contextlib.contextmanager
def _environment_restored():
    """The runner sets thread limits, the run context and the settings file for each notebook;
    a caller running jobs in-process gets its environment back unchanged."""
    saved = dict(os.environ)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def _worker_init() -> None:
    import signal

    signal.signal(signal.SIGTERM, _raise_interrupted)
    signal.signal(signal.SIGINT, _raise_interrupted)


def run_jobs(
    jobs: list[RunJob], n_jobs: int | None = None, progress: bool = True, echo=print
) -> list[dict[str, Any]]:
    """Run validated jobs, ``n_jobs`` at a time, echoing each run folder as it finishes.

    On SIGINT or SIGTERM every running notebook is recorded as interrupted (its run.json and a
    short report.html say so), the workers stop, and :class:`RunInterrupted` is raised.
    """
    from tqdm.auto import tqdm

    if any(job.data_source == "demo" for job in jobs):
        from scmlib.data import ensure_demo

        ensure_demo()
    n_jobs = max(1, min(n_jobs or os.cpu_count() or 1, len(jobs)))
    for job in (
        jobs
    ):  # one CPU budget: runs in parallel share the cores, and a run's own workers use its share
        job.cpus = max(1, (os.cpu_count() or 1) // n_jobs)
    import nbconvert  # noqa: F401  imported once here: forked workers start running notebooks at once
    import papermill  # noqa: F401

    from scmlib.runner.export import export_html  # noqa: F401

    results: list[dict[str, Any]] = []
    bar = tqdm(total=len(jobs), desc="scm run", unit="run", disable=not progress, file=sys.stderr)
    with _signals_recorded(), _environment_restored():
        if n_jobs == 1:
            for job in jobs:
                rec = execute_job(job)
                results.append(rec)
                echo(f"{rec['status']:>7}  {rec['run_dir']}")
                bar.update()
        else:
            pool = ProcessPoolExecutor(max_workers=n_jobs, initializer=_worker_init)
            try:
                futures = {pool.submit(execute_job, job): job for job in jobs}
                for fut in as_completed(futures):
                    rec = fut.result()
                    results.append(rec)
                    echo(f"{rec['status']:>7}  {rec['run_dir']}")
                    bar.update()
            except BaseException:
                _stop_workers(pool)
                raise
            finally:
                pool.shutdown(wait=True, cancel_futures=True)
    bar.close()
    return results


def _stop_workers(pool: ProcessPoolExecutor, grace_s: float = 20.0) -> None:
    """Ask every worker to stop (SIGTERM: each records its run as interrupted) and wait for them."""
    import signal

    procs = list(getattr(pool, "_processes", {}).values())
    for p in procs:
        with contextlib.suppress(OSError, ValueError):
            os.kill(p.pid, signal.SIGTERM)
    deadline = time.monotonic() + grace_s
    for p in procs:
        p.join(max(0.0, deadline - time.monotonic()))


__all__ = [
    "RunJob",
    "RunInterrupted",
    "plan_runs",
    "preflight_data",
    "run_jobs",
    "execute_job",
    "ParameterError",
]
