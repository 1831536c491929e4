"""Whole-suite wall time: `scm run --all` against the naive sequential loop.

The naive loop runs, per notebook with its default parameter set and the same data, the
papermill CLI and then `jupyter nbconvert --to html` (both as separate processes, BLAS threads
left at the library default). `scm run --all` runs the notebooks in parallel (--jobs = CPU
count), exports HTML in-process and pins BLAS threads to 1 per kernel.
Target: at least 2x faster. Usage: python benchmarks/suite_runtime.py [--data SOURCE]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from scmlib.paths import project_root
from scmlib.runner import notebook_specs, parameter_sets


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default="demo")
    args = ap.parse_args()
    root = project_root()
    bin_dir = Path(sys.executable).parent
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
    }
    from scmlib.data import ensure_demo

    ensure_demo()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        t = time.perf_counter()
        for name in notebook_specs():
            out = tmp / "naive" / f"{name}.ipynb"
            out.parent.mkdir(parents=True, exist_ok=True)
            params = parameter_sets(name)["default"]
            subprocess.run(
                [
                    str(bin_dir / "papermill"),
                    str(root / "notebooks" / f"{name}.ipynb"),
                    str(out),
                    "-f",
                    str(params),
                    "-p",
                    "data_source",
                    args.data,
                    "--cwd",
                    str(root),
                    "--no-progress-bar",
                    "--log-level",
                    "ERROR",
                ],
                check=True,
                env=env,
                capture_output=True,
            )
            subprocess.run(
                [str(bin_dir / "jupyter"), "nbconvert", "--to", "html", str(out)],
                check=True,
                env=env,
                capture_output=True,
            )
        naive = time.perf_counter() - t
        t = time.perf_counter()
        proc = subprocess.run(
            [
                str(bin_dir / "scm"),
                "run",
                "--all",
                "--data",
                args.data,
                "--out",
                str(tmp / "scm"),
                "--quiet",
            ],
            env=env,
            capture_output=True,
            text=True,
        )
        ours = time.perf_counter() - t
        if proc.returncode:
            print(proc.stdout, proc.stderr)
    n = len(notebook_specs())
    print(f"{n} notebooks, data source {args.data}, {os.cpu_count()} cores")
    print(f"naive loop (papermill CLI + nbconvert CLI, sequential): {naive:.1f} s")
    print(f"scm run --all (parallel, in-process export, 1 BLAS thread per kernel): {ours:.1f} s")
    print(f"speed-up: {naive / ours:.2f}x (target >= 2x)")


if __name__ == "__main__":
    main()
