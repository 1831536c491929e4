"""The ``scm`` command line: ``list``, ``run``, ``index``, ``data check``, ``data demo``.

One error boundary (:func:`main`): every failure prints one line, ``scm: error: ...``, with
what to do, and exits 2 for bad arguments or parameters (nothing was written), 1 for unusable
data, failed runs, filesystem problems and unexpected errors; ``--debug`` shows the traceback.
Relative paths given on the command line are resolved from the current directory.
"""

from __future__ import annotations

import argparse
import errno
import os
import sys
from pathlib import Path

from scmlib.errors import DataError, ParameterError, ScmError


def _cmd_list(args) -> int:
    from scmlib.core.settings import load_settings
    from scmlib.runner import notebook_specs, parameter_sets

    settings = load_settings()
    print(f"company settings ({settings.source}; `scm settings show` explains each):")
    for name, text in settings.describe().items():
        print(f"    {name} = {text}")
    print()

    for name, spec in notebook_specs().items():
        print(f"{name}  [{spec.area}]  {spec.title}")
        if spec.purpose:
            print(f"    {spec.purpose}")
        sets = parameter_sets(name)
        print(f"    parameter sets: {', '.join(sets) if sets else '(none: built-in defaults)'}")
        for p in spec.parameters.values():
            kind = f"{p.type}[{p.item_type}]" if p.item_type else p.type
            rule = f" ({p.constraint_text})" if p.constraint_text else ""
            print(
                f"    - {p.name}: {kind}{' | None' if p.optional else ''} = {p.default!r}  # {p.help}{rule}"
            )
        print()
    return 0


def _cmd_run(args) -> int:
    from scmlib.params import parse_cli_assignments
    from scmlib.runner import build_index, notebook_specs, plan_runs, run_jobs
    from scmlib.runner.folders import claim_reports_folder

    names = list(notebook_specs()) if args.all else args.names
    if not names:
        raise ParameterError(
            "name one or more notebooks, or use --all (`scm list` shows the catalogue)"
        )
    if args.jobs is not None and args.jobs < 1:
        raise ParameterError(f"--jobs must be at least 1, got {args.jobs}")
    jobs = plan_runs(
        names,
        params_files=[Path(p) for p in args.params] if args.params else None,
        overrides=parse_cli_assignments(args.p),
        data=args.data,
        out=Path(args.out) if args.out else None,
        timeout_s=args.timeout,
        settings=Path(args.settings) if args.settings else None,
    )
    from scmlib.runner.execute import RunInterrupted, check_parameter_references, preflight_data

    if args.each:
        from scmlib.runner.batch import expand_each

        jobs = expand_each(jobs, args.each, args.top)
    elif args.top is not None:
        raise ParameterError(
            "command line: --top goes with --each (e.g. --each supplier_id --top 20)"
        )
    preflight_data(
        jobs
    )  # data and mapping problems stop here: exit 1, nothing written, no failed report
    check_parameter_references(jobs)  # a supplier or category the data lacks: exit 2
    claim_reports_folder(jobs[0].out_root, notebook_specs())
    try:
        results = run_jobs(jobs, n_jobs=args.jobs, progress=not args.quiet)
    except RunInterrupted as exc:
        build_index(jobs[0].out_root)
        print(
            f"scm: interrupted ({exc.signal_name}): the runs in progress are recorded as interrupted; "
            f"index: {jobs[0].out_root / 'index.html'}",
            file=sys.stderr,
        )
        return exc.exit_code
    index = build_index(jobs[0].out_root)
    failed = [r for r in results if r["status"] != "success"]
    for r in failed:
        print(f"FAILED {r['notebook']} ({r['parameter_set']}): {r['error']}", file=sys.stderr)
    print(f"index: {index}")
    return 1 if failed else 0


def _cmd_settings(args) -> int:
    from scmlib.core.settings import SCHEMA, load_settings

    settings = load_settings(Path(args.settings).expanduser().resolve() if args.settings else None)
    if args.settings_command == "check":
        print(f"{settings.source}: ok ({len(SCHEMA)} settings)")
        return 0
    print(f"company settings from {settings.source}")
    for name, text in settings.describe().items():
        param = SCHEMA[name]
        rule = f" ({param.constraint_text})" if param.constraint_text else ""
        print(f"  {name} = {text}\n      {param.help}{rule}")
    return 0


def _cmd_index(args) -> int:
    from scmlib.runner import build_index, notebook_specs
    from scmlib.runner.folders import check_reports_folder

    root = Path(args.out).expanduser().resolve() if args.out else None
    if root is not None:
        if not root.is_dir():
            raise ParameterError(f"reports folder not found: {root}")
        check_reports_folder(root, notebook_specs())
    print(build_index(root))
    return 0


def _cmd_data_check(args) -> int:
    """Validate a source with exactly what a run would apply (the column map and reading options
    of ``--params``), print one line per table and one per problem (fits 100 columns), and say
    which processes the source can run."""
    import textwrap

    from scmlib.data import check_data_block, check_dataset, load_data
    from scmlib.params import load_parameter_file, parse_cli_assignments
    from scmlib.runner import notebook_specs

    column_map, read_options = {}, {}
    if args.params:
        values = load_parameter_file(Path(args.params))
        column_map, read_options = values.get("column_map") or {}, values.get("read_options") or {}
    extra = parse_cli_assignments(
        [f"column_map={args.column_map}"] if args.column_map else []
    ) | parse_cli_assignments([f"read_options={args.read_options}"] if args.read_options else [])
    column_map = extra.get("column_map", column_map)
    read_options = extra.get("read_options", read_options)
    check_data_block(column_map, read_options, args.params or "command line")
    if args.params and args.data == "demo":  # the set's own source, resolved as a run does
        source = _params_source(load_parameter_file(Path(args.params)).get("data_source", "demo"))
    else:
        source = _cli_source(args.data)
    report, usable = check_dataset(source, column_map, read_options)
    print(f"data source: {source}")
    print(f"{'table':<24}{'rows':>10}  status")
    for _, r in report.iterrows():
        print(f"{r['table']:<24}{r['rows']:>10,}  {r['status']}")
        for problem in [p for p in str(r["problems"]).split("; ") if p]:
            print(
                textwrap.fill(
                    problem, width=100, initial_indent="    - ", subsequent_indent="      "
                )
            )
    status = dict(zip(report["table"], report["status"]))
    can, cannot, rescued = [], [], []
    for name, spec in notebook_specs().items():
        need = spec.tables.get("required", [])
        bad = [t for t in need if status.get(t) not in ("ok", "warning")]
        if bad and spec.tables.get("relaxed") and all(status.get(t) == "error" for t in bad):
            try:  # the process may do without the columns that failed
                tables = spec.tables
                load_data(
                    source,
                    tables=need,
                    optional=[],
                    column_map=column_map,
                    read_options=read_options,
                    relaxed=tables.get("relaxed"),
                )
                bad = []
                rescued.append(name)
            except ScmError:
                pass
        (cannot if bad else can).append((name, bad))
    print(
        textwrap.fill(
            "can run: " + (", ".join(n for n, _ in can) or "none"),
            width=100,
            subsequent_indent="    ",
        )
    )
    for name, bad in cannot:
        print(
            textwrap.fill(
                f"cannot run {name}: needs "
                + ", ".join(f"{t} ({status.get(t, 'absent')})" for t in bad),
                width=100,
                subsequent_indent="    ",
            )
        )
    # a process that needs tables and can do without the columns that failed makes the source
    # usable for that process: the run works, the problems above stop the others
    if usable:
        print("usable")
    elif rescued:
        print(
            textwrap.fill(
                f"usable for {', '.join(rescued)} only: the problems above stop the other "
                "processes; fix them and run `scm data check` again",
                width=100,
            )
        )
    else:
        print("NOT usable: fix the problems above and run `scm data check` again")
    return 0 if usable or rescued else 1


def _cmd_data_demo(args) -> int:
    from scmlib.data.demo import write_demo

    if args.scale <= 0:
        raise ParameterError(f"--scale must be positive, got {args.scale:g}")
    out = Path(args.out).expanduser().resolve() if args.out else None
    out = write_demo(out, seed=args.seed, scale=args.scale, fmt=args.format, force=args.force)
    print(out)
    return 0


def _cmd_data_template(args) -> int:
    from scmlib.data.onboarding import write_template

    out = write_template(
        Path(args.out).expanduser().resolve(), args.tables.split(",") if args.tables else None
    )
    print(f"templates and a parameter set written to {out}")
    return 0


def _cmd_data_map(args) -> int:
    import yaml

    from scmlib.data.onboarding import propose_column_map

    proposal, notes = propose_column_map(Path(args.data).expanduser().resolve())
    for note in notes:
        print(f"# {note}")
    text = yaml.safe_dump(
        {"column_map": {t: m for t, m in proposal.items() if m}},
        sort_keys=False,
        allow_unicode=True,
    )
    print(text, end="")
    if args.out:
        target = Path(args.out).expanduser().resolve()
        if target.exists():
            raise ParameterError(f"{target} exists: nothing was written; choose a new file name")
        target.write_text(
            "# Proposed by `scm data map`: check every line before use.\n" + text, encoding="utf-8"
        )
        print(f"# written to {target}")
    return 0


def _cli_source(source: str) -> str:
    """A data source given on the command line: relative paths from the current directory."""
    text = str(source).strip()
    if text == "demo" or "://" in text:
        return text
    path = Path(text).expanduser().resolve()
    if not path.exists():
        raise DataError(
            f"data source not found: {path} (expected 'demo', a folder, an .xlsx workbook, a .duckdb/.sqlite file or a database URL)"
        )
    return str(path)


def _params_source(source: str) -> str:
    """A data source named inside a parameter file: relative paths from the project root, as
    ``scm run`` resolves them."""
    from scmlib.paths import project_root

    text = str(source).strip()
    if text == "demo" or "://" in text or Path(text).expanduser().is_absolute():
        return _cli_source(text)
    return _cli_source(str(project_root() / text))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="scm", description="Supply chain analytics notebooks: run, publish, check data."
    )
    parser.add_argument("--debug", action="store_true", help="show the full traceback of an error")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("list", help="the notebook catalogue with parameters and parameter sets")
    p.set_defaults(func=_cmd_list)

    p = sub.add_parser("run", help="run notebooks headless and publish HTML reports")
    p.add_argument("names", nargs="*", help="notebook names (see `scm list`)")
    p.add_argument("--all", action="store_true", help="run every notebook")
    p.add_argument(
        "--params",
        action="append",
        metavar="FILE.yaml",
        help="parameter set file (repeatable); default parameters/<name>.yaml",
    )
    p.add_argument(
        "-p",
        action="append",
        default=[],
        metavar="key=value",
        help="override one parameter (repeatable)",
    )
    p.add_argument(
        "--data",
        metavar="SOURCE",
        help="data source: demo, a folder, a workbook, a database file or URL",
    )
    p.add_argument("--out", metavar="DIR", help="reports folder (default reports/)")
    p.add_argument(
        "--jobs", type=int, default=None, metavar="N", help="parallel runs (default: CPU count)"
    )
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument(
        "--each",
        metavar="PARAMETER",
        help="one run per entity of a notebook that declares batch runs, e.g. "
        "`scm run supplier_qbr --each supplier_id --top 20` (the largest first)",
    )
    p.add_argument(
        "--top",
        type=int,
        metavar="N",
        help="with --each: how many entities, most important first (default 10)",
    )
    p.add_argument(
        "--timeout",
        type=float,
        default=None,
        metavar="SECONDS",
        help="stop a notebook cell running longer than this (default 3600)",
    )
    p.add_argument(
        "--settings",
        metavar="FILE.yaml",
        help="company settings file (default parameters/company.yaml, or $SCM_SETTINGS)",
    )
    p.set_defaults(func=_cmd_run)

    p = sub.add_parser(
        "settings", help="company settings: check or show the file every report reads"
    )
    ssub = p.add_subparsers(dest="settings_command", required=True)
    for cmd, text in (
        ("check", "validate the company settings file"),
        ("show", "print every setting in force with its meaning"),
    ):
        c = ssub.add_parser(cmd, help=text)
        c.add_argument(
            "--settings",
            metavar="FILE.yaml",
            help="settings file (default parameters/company.yaml, or $SCM_SETTINGS)",
        )
        c.set_defaults(func=_cmd_settings)

    p = sub.add_parser("index", help="rebuild reports/index.html")
    p.add_argument("--out", metavar="DIR", help="reports folder (default reports/)")
    p.set_defaults(func=_cmd_index)

    p = sub.add_parser("data", help="data tools")
    dsub = p.add_subparsers(dest="data_command", required=True)
    c = dsub.add_parser("check", help="validate a whole dataset as a run would read it")
    c.add_argument(
        "--data",
        default="demo",
        metavar="SOURCE",
        help="data source (default: the --params file's, else demo)",
    )
    c.add_argument(
        "--params",
        metavar="FILE.yaml",
        help="parameter set whose data_source, column_map and read_options to apply",
    )
    c.add_argument(
        "--column-map",
        metavar="YAML",
        help="column map, e.g. '{purchase_order_lines: {Vendor: supplier_id}}'",
    )
    c.add_argument(
        "--read-options", metavar="YAML", help='reading options, e.g. \'{sep: ";", decimal: ","}\''
    )
    c.set_defaults(func=_cmd_data_check)
    t = dsub.add_parser(
        "template", help="empty CSV files with the canonical headers and a commented parameter set"
    )
    t.add_argument("--out", required=True, metavar="DIR", help="a new or empty folder")
    t.add_argument("--tables", metavar="T1,T2", help="only these tables (default: all)")
    t.set_defaults(func=_cmd_data_template)
    m = dsub.add_parser(
        "map", help="propose a column map from a folder's file and column names, to confirm"
    )
    m.add_argument("--data", required=True, metavar="DIR", help="folder of CSV or Parquet files")
    m.add_argument("--out", metavar="FILE.yaml", help="also write the proposal to this new file")
    m.set_defaults(func=_cmd_data_map)
    d = dsub.add_parser(
        "demo",
        help="generate the demo company",
        description="Write the demo company's tables into a new or empty folder (Parquet by default, --format csv "
        "for CSV files). A folder holding other files is refused; --force replaces only a previous demo.",
    )
    d.add_argument(
        "--seed", type=int, default=42, help="random seed (same seed and scale: identical files)"
    )
    d.add_argument(
        "--scale",
        type=float,
        default=1.0,
        help="company size (1: about 2,000 items; 10 for benchmarks)",
    )
    d.add_argument("--out", metavar="DIR", help="target folder (default data/demo)")
    d.add_argument(
        "--format",
        choices=["parquet", "csv"],
        default="parquet",
        help="file format (default parquet)",
    )
    d.add_argument(
        "--force", action="store_true", help="replace a previous demo in --out (never other files)"
    )
    d.set_defaults(func=_cmd_data_demo)
    return parser


def _os_error_line(exc: OSError) -> str:
    """One line for a filesystem error, naming the path and what to do."""
    where = f" {exc.filename}" if getattr(exc, "filename", None) else ""
    if exc.errno == errno.ENOSPC:
        return f"disk full while writing{where}: free some space (or choose another --out) and run again"
    if exc.errno in (errno.EACCES, errno.EPERM):
        return f"permission denied:{where}: choose a folder you can write to (--out) or fix its permissions"
    if exc.errno == errno.EROFS:
        return f"read-only file system:{where}: choose a writable folder with --out"
    if exc.errno == errno.ENOTDIR:
        return f"not a folder:{where} (a file is in the way): choose another path"
    if exc.errno == errno.EISDIR:
        return f"is a folder, not a file:{where}: name a file"
    if exc.errno == errno.ENOENT:
        return f"not found:{where}: check the path (relative paths start from {os.getcwd()})"
    return f"{exc.strerror or exc}{':' + where if where else ''}: check the path and the disk"


def main(argv: list[str] | None = None) -> int:
    """Run the command line; every failure is one line on stderr and an exit status.

    Exit status: 0 success; 1 unusable data, a failed run, a filesystem problem or an
    unexpected error; 2 bad arguments or parameters (nothing was written); 130 interrupted.
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    debug = bool(getattr(args, "debug", False)) or os.environ.get("SCM_DEBUG") == "1"
    try:
        return int(args.func(args) or 0)
    except DataError as exc:
        _report(f"scm: error: {exc}", debug)
        return 1
    except ScmError as exc:
        _report(f"scm: error: {exc}", debug)
        return 2
    except KeyboardInterrupt:
        print("scm: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # output piped into `head` and the like: not an error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except OSError as exc:
        _report(f"scm: error: {_os_error_line(exc)}", debug)
        return 1
    except Exception as exc:  # the one boundary: never a raw traceback unless asked for
        first = str(exc).splitlines()[0] if str(exc) else ""
        _report(
            f"scm: error: unexpected {type(exc).__name__}: {first} (run again with --debug for the traceback)",
            debug,
        )
        return 1


def _report(line: str, debug: bool) -> None:
    if debug:
        import traceback

        traceback.print_exc()
    print(line, file=sys.stderr)


if __name__ == "__main__":
    raise SystemExit(main())
