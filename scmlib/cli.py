"""The ``scm`` command line: ``list``, ``run``, ``index``, ``data check``, ``data demo``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from scmlib.errors import ScmError


def _cmd_list(args) -> int:
    from scmlib.runner import notebook_specs, parameter_sets

    for name, spec in notebook_specs().items():
        print(f"{name}  [{spec.area}]  {spec.title}")
        if spec.purpose:
            print(f"    {spec.purpose}")
        sets = parameter_sets(name)
        print(f"    parameter sets: {', '.join(sets) if sets else '(none: built-in defaults)'}")
        for p in spec.parameters.values():
            print(f"    - {p.name}: {p.type}{' | None' if p.optional else ''} = {p.default!r}  # {p.help}")
        print()
    return 0


def _cmd_run(args) -> int:
    from scmlib.params import parse_cli_assignments
    from scmlib.runner import build_index, notebook_specs, plan_runs, run_jobs

    names = list(notebook_specs()) if args.all else args.names
    if not names:
        raise ScmError("name one or more notebooks, or use --all (`scm list` shows the catalogue)")
    jobs = plan_runs(
        names,
        params_files=[Path(p) for p in args.params] if args.params else None,
        overrides=parse_cli_assignments(args.p),
        data=args.data,
        out=Path(args.out) if args.out else None,
    )
    results = run_jobs(jobs, n_jobs=args.jobs, progress=not args.quiet)
    index = build_index(jobs[0].out_root)
    failed = [r for r in results if r["status"] != "success"]
    for r in failed:
        print(f"FAILED {r['notebook']} ({r['parameter_set']}): {r['error']}", file=sys.stderr)
    print(f"index: {index}")
    return 1 if failed else 0


def _cmd_index(args) -> int:
    from scmlib.runner import build_index

    print(build_index(Path(args.out) if args.out else None))
    return 0


def _cmd_data_check(args) -> int:
    from scmlib.data import check_dataset

    report, usable = check_dataset(args.data)
    from scmlib.reporting import format_frame

    print(format_frame(report).to_string(index=False))
    print("usable" if usable else "NOT usable: fix the problems above and run `scm data check` again")
    return 0 if usable else 1


def _cmd_data_demo(args) -> int:
    from scmlib.data.demo import write_demo

    out = write_demo(Path(args.out) if args.out else None, seed=args.seed, scale=args.scale, fmt=args.format)
    print(out)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="scm", description="Supply chain analytics notebooks: run, publish, check data.")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("list", help="the notebook catalogue with parameters and parameter sets")
    p.set_defaults(func=_cmd_list)

    p = sub.add_parser("run", help="run notebooks headless and publish HTML reports")
    p.add_argument("names", nargs="*", help="notebook names (see `scm list`)")
    p.add_argument("--all", action="store_true", help="run every notebook")
    p.add_argument("--params", action="append", metavar="FILE.yaml", help="parameter set file (repeatable); default parameters/<name>.yaml")
    p.add_argument("-p", action="append", default=[], metavar="key=value", help="override one parameter (repeatable)")
    p.add_argument("--data", metavar="SOURCE", help="data source: demo, a folder, a workbook, a database file or URL")
    p.add_argument("--out", metavar="DIR", help="reports folder (default reports/)")
    p.add_argument("--jobs", type=int, default=None, metavar="N", help="parallel runs (default: CPU count)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=_cmd_run)

    p = sub.add_parser("index", help="rebuild reports/index.html")
    p.add_argument("--out", metavar="DIR", help="reports folder (default reports/)")
    p.set_defaults(func=_cmd_index)

    p = sub.add_parser("data", help="data tools")
    dsub = p.add_subparsers(dest="data_command", required=True)
    c = dsub.add_parser("check", help="validate a whole dataset")
    c.add_argument("--data", default="demo", metavar="SOURCE")
    c.set_defaults(func=_cmd_data_check)
    d = dsub.add_parser("demo", help="generate the demo company")
    d.add_argument("--seed", type=int, default=42)
    d.add_argument("--scale", type=float, default=1.0)
    d.add_argument("--out", metavar="DIR", help="target folder (default data/demo)")
    d.add_argument("--format", choices=["parquet", "csv"], default="parquet")
    d.set_defaults(func=_cmd_data_demo)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except ScmError as exc:
        print(f"scm: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("scm: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
