"""Earlier runs of a notebook: the outputs a process compares with (a review's movement since the
previous one, new and cleared alerts since the last monitoring run).

Runs live in ``<reports>/<notebook>/<run>/`` with a ``run.json`` (status, parameter set) and an
``outputs/`` folder; run folders are named by their UTC start time, so their names sort in time.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd


def earlier_run_output(
    output_dir: str | Path, filename: str, parameter_set: str | None = None
) -> tuple[pd.DataFrame | None, str | None, str]:
    """The ``outputs/<filename>`` of the latest earlier successful run of the same notebook.

    ``output_dir`` is this run's ``outputs/`` folder; earlier runs are its run folder's siblings
    whose names sort before it. A run counts when its ``run.json`` says ``success``, it wrote
    the file and, when ``parameter_set`` is given, it ran that set (other cut-offs, weights or
    rules would show movements that are only a change of method, and which of several parallel
    runs came first would decide the result). Returns (frame, run folder name, '') or
    (None, None, why there is none).
    """
    run_dir = Path(output_dir).parent
    parent = run_dir.parent
    if not parent.is_dir():
        return None, None, "no previous run (no reports folder yet)"
    found = []
    for d in sorted(parent.iterdir()):  # run folders of one notebook: tens
        if not d.is_dir() or d.name >= run_dir.name or not (d / "outputs" / filename).is_file():
            continue
        try:
            meta = json.loads((d / "run.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        same = parameter_set is None or meta.get("parameter_set") == parameter_set
        if meta.get("status") == "success" and same:
            found.append(d)
    if not found:
        what = f" of parameter set '{parameter_set}'" if parameter_set else ""
        return None, None, f"no previous successful run{what}"
    return pd.read_csv(found[-1] / "outputs" / filename), found[-1].name, ""
