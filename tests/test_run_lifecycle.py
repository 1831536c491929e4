"""Every run leaves a record: running at the start, then success, failed or interrupted (also after
SIGTERM or SIGKILL); the index always links the last successful report; concurrent index rebuilds
never expose a partial page; a hung cell stops at its timeout."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pandas as pd
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tools"))
from nbbuild import write  # noqa: E402

from scmlib.runner import build_index, plan_runs, run_jobs  # noqa: E402
from scmlib.runner.context import effective_status  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def _project(root: Path) -> Path:
    (root / "notebooks").mkdir(parents=True)
    (root / "parameters").mkdir()
    write(
        root / "notebooks" / "sleepy.ipynb",
        {"title": "Sleepy", "area": "analytics", "purpose": "Sleeps, for lifecycle tests."},
        [
            ("md", "# Sleepy"),
            (
                "code",
                "seconds: float = 0.0  # how long to sleep [0, ]\nfail: bool = False  # raise an error\ninteractive: bool = False  # widgets",
                ["parameters"],
            ),
            (
                "code",
                "import json, os, time\nfrom pathlib import Path\nfrom scmlib.runner.context import current\n"
                "ctx = current()\nrecord = json.loads((Path(ctx['output_dir']).parent / 'run.json').read_text())\n"
                "Path(ctx['output_dir'], 'seen.json').write_text(json.dumps({'status': record['status'], 'pid': record['pid']}))\n"
                "time.sleep(seconds)\nif fail:\n    raise ValueError('planned failure')",
            ),
            (
                "code",
                "from scmlib.reporting import Report\nreport = Report('sleepy', 'Sleepy', 'demo')\nreport.header()\nreport.summary(['done'])",
            ),
        ],
    )
    (root / "parameters" / "sleepy.yaml").write_text("seconds: 0\n")
    (root / "pyproject.toml").write_text("")
    return root


@pytest.fixture()
def project(tmp_path, monkeypatch):
    root = _project(tmp_path / "proj")
    monkeypatch.setenv("SCM_PROJECT_ROOT", str(root))
    monkeypatch.delenv("SCM_REPORTS_DIR", raising=False)
    return root


def test_run_json_says_running_while_the_notebook_runs(project, tmp_path):
    [rec] = run_jobs(
        plan_runs(["sleepy"], out=tmp_path / "r"), n_jobs=1, progress=False, echo=lambda *_: None
    )
    run = Path(rec["run_dir"])
    seen = json.loads((run / "outputs" / "seen.json").read_text())
    assert seen["status"] == "running" and seen["pid"] == os.getpid()
    final = json.loads((run / "run.json").read_text())
    assert final["status"] == "success" and final["end"] and final["host"] == socket.gethostname()
    assert (
        final["versions"]["statsforecast"]
        and final["versions"]["numpy"]
        and "inputs" in final
        and "git_commit" in final
    )
    assert "SCM_RUN_CONTEXT" not in os.environ  # the caller's environment is restored


@pytest.mark.parametrize(
    "sig,code,word", [(signal.SIGTERM, 143, "SIGTERM"), (signal.SIGINT, 130, "SIGINT")]
)
def test_a_signal_records_the_run_as_interrupted(project, tmp_path, sig, code, word):
    """SIGTERM (a scheduler stopping the job) and SIGINT (Ctrl-C) both leave the run recorded."""
    out = tmp_path / "r"
    env = {**os.environ, "SCM_PROJECT_ROOT": str(project)}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "scmlib",
            "run",
            "sleepy",
            "-p",
            "seconds=60",
            "--out",
            str(out),
            "--quiet",
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not list(out.glob("sleepy/*/outputs/seen.json")):
        time.sleep(0.2)
    assert list(out.glob("sleepy/*/outputs/seen.json")), "the notebook never started"
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == code, err
    assert f"interrupted ({word})" in err and "Traceback" not in err
    [record] = [json.loads(p.read_text()) for p in out.glob("sleepy/*/run.json")]
    assert record["status"] == "interrupted" and record["error"] == word and record["end"]
    report = next(out.glob("sleepy/*/report.html")).read_text()
    assert "interrupted" in report
    assert "interrupted" in (out / "index.html").read_text()


def _fake_run(root: Path, folder: str, **fields) -> Path:
    run = root / "sleepy" / folder
    run.mkdir(parents=True)
    (run / "report.html").write_text("<html>report</html>")
    rec = {
        "notebook": "sleepy",
        "title": "Sleepy",
        "parameter_set": "default",
        "data_source": "demo",
        "start": "2026-11-01T10:00:00+00:00",
    }
    rec.update(fields)
    (run / "run.json").write_text(json.dumps(rec))
    return run


def test_a_killed_run_shows_as_interrupted(tmp_path):
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    rec = {
        "status": "running",
        "pid": dead.pid,
        "host": socket.gethostname(),
        "start": now,
        "timeout_s": 3600,
    }
    assert effective_status(rec)[0] == "interrupted"
    assert effective_status({**rec, "pid": os.getpid()})[0] == "running"
    old = {**rec, "pid": os.getpid(), "start": "2020-01-01T00:00:00+00:00"}
    assert effective_status(old)[0] == "interrupted"  # older than its timeout
    _fake_run(
        tmp_path,
        "20261101T100000Z-default",
        status="running",
        pid=dead.pid,
        host=socket.gethostname(),
        start=now,
    )
    html = build_index(tmp_path).read_text()
    assert "interrupted (the process stopped without recording an end)" in html


def test_index_links_the_last_successful_report_after_a_failure(tmp_path):
    _fake_run(
        tmp_path, "20261101T100000Z-default", status="success", start="2026-11-01T10:00:00+00:00"
    )
    _fake_run(
        tmp_path,
        "20261102T100000Z-default",
        status="failed",
        error="boom",
        start="2026-11-02T10:00:00+00:00",
    )
    html = build_index(tmp_path).read_text()
    assert (
        'href="sleepy/20261101T100000Z-default/report.html">Sleepy' in html
    )  # the process links its good report
    assert "boom" in html and "failed" in html


def test_overlapping_index_rebuilds_never_expose_a_partial_page(tmp_path):
    _fake_run(tmp_path, "20261101T100000Z-default", status="success")
    build_index(tmp_path)
    errors, reads = [], []

    def rebuild():
        try:
            for _ in range(10):
                build_index(tmp_path)
        except Exception as exc:  # noqa: BLE001 - any error fails the test
            errors.append(exc)

    def read():
        for _ in range(200):
            text = (tmp_path / "index.html").read_text()
            reads.append(len(text) > 0 and text.rstrip().endswith("</html>"))

    threads = [threading.Thread(target=rebuild) for _ in range(5)] + [threading.Thread(target=read)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and all(reads) and len(reads) == 200
    assert not list(tmp_path.glob("*.tmp")) and not list(tmp_path.glob(".index.html.*"))


def test_a_hung_cell_stops_at_its_timeout(project, tmp_path):
    jobs = plan_runs(["sleepy"], overrides={"seconds": 30}, out=tmp_path / "r", timeout_s=3)
    t0 = time.monotonic()
    [rec] = run_jobs(jobs, n_jobs=1, progress=False, echo=lambda *_: None)
    assert time.monotonic() - t0 < 25
    assert rec["status"] == "failed" and "Timeout" in rec["error"]
    assert json.loads((Path(rec["run_dir"]) / "run.json").read_text())["timeout_s"] == 3


def test_one_cpu_budget_shared_by_parallel_runs(project, tmp_path):
    from scmlib.runner.catalog import get_spec

    jobs = plan_runs(["sleepy"], out=tmp_path / "r") * 2
    jobs[1] = type(jobs[0])(**{**jobs[0].__dict__})
    run_jobs(jobs, n_jobs=2, progress=False, echo=lambda *_: None)
    assert all(j.cpus == max(1, (os.cpu_count() or 1) // 2) for j in jobs)
    contexts = [json.loads(p.read_text()) for p in (tmp_path / "r").glob("sleepy/*/.context.json")]
    assert len(contexts) == 2 and all(c["cpus"] == jobs[0].cpus for c in contexts)
    assert (
        get_spec("sleepy").timeout_s is None
    )  # a notebook may declare its own timeout in its metadata


def test_input_fingerprints_follow_the_content_not_the_file_times(tmp_path):
    from scmlib.runner.execute import _fingerprints

    folder = tmp_path / "extract"
    folder.mkdir()
    f = folder / "invoices.csv"
    f.write_text("invoice_id,amount\nI1,10\n")
    first = _fingerprints(str(folder))
    os.utime(f, (1_000_000, 1_000_000))  # touched, same bytes
    assert _fingerprints(str(folder)) == first
    f.write_text("invoice_id,amount\nI1,11\n")  # same size, other content
    assert _fingerprints(str(folder)) != first
    assert set(first) == {"invoices.csv"} and len(first["invoices.csv"]) == 16


def test_declared_column_limits_are_checked_before_any_kernel(
    tmp_path, monkeypatch, small_demo, capsys
):
    """A notebook may declare that a column's largest valid value is one of its parameters (a
    risk register's likelihood on the 1..scale scale): the pre-flight refuses a 9 on a 5-point
    scale with one line naming the rows, and no run folder is written."""
    from scmlib.cli import main

    root = tmp_path / "proj"
    (root / "notebooks").mkdir(parents=True)
    (root / "parameters").mkdir()
    (root / "pyproject.toml").write_text("")
    write(
        root / "notebooks" / "register.ipynb",
        {
            "title": "Register",
            "area": "risk",
            "purpose": "Reads a register.",
            "tables": {
                "required": ["risk_register"],
                "limits": {"risk_register": {"likelihood": "scale", "impact": "scale"}},
            },
        },
        [
            ("md", "# Register"),
            (
                "code",
                'data_source: str = "demo"  # source <source>\nscale: int = 5  # scale [3, 10]',
                ["parameters"],
            ),
            ("code", "print(scale)"),
        ],
    )
    monkeypatch.setenv("SCM_PROJECT_ROOT", str(root))
    folder = tmp_path / "extract"
    folder.mkdir()
    reg = pd.read_parquet(small_demo / "risk_register.parquet")
    reg.loc[reg.index[2], "likelihood"] = 9
    reg.to_parquet(folder / "risk_register.parquet", index=False)
    for name in ("suppliers", "items"):
        shutil.copy(small_demo / f"{name}.parquet", folder)
    out = tmp_path / "reports"
    capsys.readouterr()
    assert main(["run", "register", "--data", str(folder), "--out", str(out), "--quiet"]) == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "'likelihood': 1 value above scale = 5" in err, err
    assert "source rows 4" in err and not out.exists()
    assert main(["run", "register", "--data", str(folder), "--out", str(out), "-p", "scale=9"]) == 0


def _batch_project(root: Path) -> Path:
    (root / "notebooks").mkdir(parents=True)
    (root / "parameters").mkdir()
    (root / "pyproject.toml").write_text("")
    write(
        root / "notebooks" / "review.ipynb",
        {
            "title": "Supplier review",
            "area": "suppliers",
            "purpose": "One report per supplier.",
            "tables": {
                "required": ["suppliers"],
                "references": {"supplier_id": "suppliers.supplier_id"},
            },
            "each": {"supplier_id": "scmlib.runner.batch:_test_candidates"},
        },
        [
            ("md", "# Supplier review"),
            (
                "code",
                'data_source: str = "demo"  # source <source>\n'
                'supplier_id: str = ""  # the supplier to review\n'
                "interactive: bool = False  # widgets",
                ["parameters"],
            ),
            (
                "code",
                "from scmlib.reporting import Report\nreport = Report('review', 'Review', 'demo')\n"
                "report.header()\nreport.summary([f'supplier {supplier_id}'])",
            ),
        ],
    )
    return root


def test_one_run_per_entity_with_each_and_top(tmp_path, monkeypatch, small_demo, capsys):
    """`scm run NOTEBOOK --each PARAMETER --top N`: the notebook's ranking function picks the
    entities, one run each, and the index lists each entity's report under the notebook."""
    import scmlib.runner.batch as batch
    from scmlib.cli import main

    monkeypatch.setattr(
        batch,
        "_test_candidates",
        lambda data: list(data["suppliers"]["supplier_id"].sort_values(ascending=False)),
        raising=False,
    )
    monkeypatch.setenv("SCM_PROJECT_ROOT", str(_batch_project(tmp_path / "proj")))
    out = tmp_path / "reports"
    args = ["run", "review", "--data", str(small_demo), "--out", str(out), "--quiet"]
    assert main([*args, "--each", "supplier_id", "--top", "3"]) == 0
    records = [json.loads(p.read_text()) for p in out.glob("review/*/run.json")]
    want = sorted(pd.read_parquet(small_demo / "suppliers.parquet")["supplier_id"])[-3:]
    assert sorted(r["batch"]["value"] for r in records) == want
    assert {r["parameter_set"] for r in records} == {f"supplier_id={s}" for s in want}
    assert all(r["status"] == "success" for r in records)
    index = (out / "index.html").read_text()
    assert "One report per supplier_id (3)" in index and all(s in index for s in want)
    capsys.readouterr()
    assert main([*args, "--each", "item_id"]) == 2
    assert "cannot run once per 'item_id'" in capsys.readouterr().err
    assert main([*args, "--top", "3"]) == 2
    assert main([*args, "--each", "supplier_id", "-p", "supplier_id=S1"]) == 2
    assert main([*args, "--each", "supplier_id", "--top", "0"]) == 2


def test_a_parameter_naming_an_unknown_entity_stops_before_any_kernel(
    tmp_path, monkeypatch, small_demo, capsys
):
    """A notebook declares which parameters name an entity of the data (tables.references):
    a supplier the vendor master lacks is refused with close matches, exit 2, nothing written."""
    from scmlib.cli import main

    monkeypatch.setenv("SCM_PROJECT_ROOT", str(_batch_project(tmp_path / "proj")))
    known = sorted(pd.read_parquet(small_demo / "suppliers.parquet")["supplier_id"])[0]
    out = tmp_path / "reports"
    args = ["run", "review", "--data", str(small_demo), "--out", str(out), "--quiet"]
    capsys.readouterr()
    assert main([*args, "-p", f"supplier_id={known}X"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "is not in suppliers.supplier_id" in err, err
    assert f"did you mean '{known}'" in err and not out.exists()
    assert main([*args, "-p", f"supplier_id={known}"]) == 0
