"""The notebooks' outputs on the small demo company, compared with a recorded snapshot: a change of
any headline figure, row count or column total shows up here, and must be deliberate (update the
snapshot with ``SCM_UPDATE_GOLDEN=1 pytest tests/test_golden.py`` and explain the change in the commit).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

GOLDEN = Path(__file__).resolve().parent / "golden" / "small_demo_outputs.json"


def _summary(records: dict) -> dict:
    out = {}
    for (name, set_name), rec in sorted(records.items()):
        if rec["data_source"] != "demo" and "demo_small" not in str(rec["data_source"]):
            continue  # the real UK extract has its own tests
        folder = Path(rec["run_dir"]) / "outputs"
        entry = {}
        for csv in sorted(folder.glob("*.csv")):
            frame = pd.read_csv(csv)
            numeric = frame.select_dtypes("number")
            entry[csv.name] = {
                "rows": len(frame),
                "totals": {c: round(float(np.nansum(numeric[c])), 6) for c in numeric.columns},
            }
        out[f"{name}[{set_name}]"] = entry
    return out


def test_outputs_match_the_recorded_snapshot(runs):
    _, records = runs
    got = _summary(records)
    if os.environ.get("SCM_UPDATE_GOLDEN") == "1" or not GOLDEN.exists():
        GOLDEN.parent.mkdir(exist_ok=True)
        GOLDEN.write_text(json.dumps(got, indent=1, sort_keys=True) + "\n")
        if os.environ.get("SCM_UPDATE_GOLDEN") != "1":
            pytest.fail(f"no snapshot yet: recorded {GOLDEN.name}; commit it")
        return
    want = json.loads(GOLDEN.read_text())
    assert sorted(got) == sorted(want)
    problems = []
    for run, files in want.items():
        for fname, w in files.items():
            g = got[run].get(fname)
            if g is None:
                problems.append(f"{run}: {fname} missing")
                continue
            if g["rows"] != w["rows"]:
                problems.append(f"{run}: {fname} has {g['rows']} rows, snapshot {w['rows']}")
            for col, total in w["totals"].items():
                if col not in g["totals"] or not np.isclose(
                    g["totals"][col], total, rtol=1e-6, atol=1e-6
                ):
                    problems.append(
                        f"{run}: {fname}.{col} total {g['totals'].get(col)} vs snapshot {total}"
                    )
    assert not problems, problems[:10]
