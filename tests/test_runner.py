"""The runner on a throw-away project: run folders, run.json, failures, index, no overwrites."""

from __future__ import annotations

import ast
import json
import re
import sys
from pathlib import Path

import nbformat
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tools"))
from nbbuild import write  # noqa: E402

from scmlib.runner import build_index, plan_runs, run_jobs  # noqa: E402


def _tiny_project(root: Path) -> Path:
    (root / "notebooks").mkdir(parents=True)
    (root / "parameters").mkdir()
    write(
        root / "notebooks" / "tiny.ipynb",
        {"title": "Tiny <report>", "area": "analytics", "purpose": "A tiny test notebook."},
        [
            ("md", "# Tiny\n\nTest notebook."),
            (
                "code",
                'n: int = 3  # rows\nfail: bool = False  # raise an error\nname: str = "x"  # a name\ninteractive: bool = False  # widgets',
                ["parameters"],
            ),
            (
                "code",
                "import warnings, sys\nwarnings.warn('noise that must not reach the report')\nprint('stderr noise', file=sys.stderr)",
            ),
            (
                "code",
                "import pandas as pd\nfrom scmlib.reporting import Report\nreport = Report('tiny', 'Tiny <report>', 'demo')\nreport.header()\nif fail:\n    raise ValueError('planned failure for the test')",
            ),
            (
                "code",
                "df = pd.DataFrame({'supplier': [name] * n, 'spend': range(n)})\nreport.summary([f'{n} rows for {name}'])\nreport.table(df, {'spend': 'money'})\nreport.outputs({'tiny.csv': df})",
            ),
        ],
    )
    (root / "parameters" / "tiny.yaml").write_text("n: 4\n")
    (root / "parameters" / "tiny.failing.yaml").write_text("fail: true\n")
    return root


@pytest.fixture()
def project(tmp_path, monkeypatch):
    root = _tiny_project(tmp_path / "proj")
    monkeypatch.setenv("SCM_PROJECT_ROOT", str(root))
    monkeypatch.delenv("SCM_REPORTS_DIR", raising=False)
    return root


def test_successful_run_folder(project):
    jobs = plan_runs(["tiny"], overrides={"name": "<script>alert(1)</script>"})
    [rec] = run_jobs(jobs, n_jobs=1, progress=False, echo=lambda *_: None)
    run = Path(rec["run_dir"])
    assert rec["status"] == "success", rec["error"]
    assert run.parent == project / "reports" / "tiny" and run.name.endswith("-default")
    meta = json.loads((run / "run.json").read_text())
    assert meta["parameters"]["n"] == 4 and meta["versions"]["scmlib"] and meta["duration_s"] > 0
    assert (
        meta["outputs"] == ["tiny.csv", "tiny.xlsx"]
        and (run / "outputs" / "tiny.csv").read_text().count("\n") == 5
    )
    html = (run / "report.html").read_text()
    assert "<title>Tiny &lt;report&gt;</title>" in html
    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert (
        "noise" not in html and "Warning" not in html
    )  # warnings and stderr never reach the report
    assert "fail: bool" not in html and "import pandas" not in html  # no code, no parameters cell
    assert (run / "run.log").exists() and (run / "tiny.ipynb").exists()


def test_failed_run_writes_report_and_keeps_earlier_ones(project):
    [good] = run_jobs(plan_runs(["tiny"]), n_jobs=1, progress=False, echo=lambda *_: None)
    before = Path(good["run_dir"], "report.html").read_text()
    [bad] = run_jobs(
        plan_runs(["tiny"], params_files=[project / "parameters" / "tiny.failing.yaml"]),
        n_jobs=1,
        progress=False,
        echo=lambda *_: None,
    )
    assert bad["status"] == "failed" and "planned failure for the test" in bad["error"]
    html = Path(bad["run_dir"], "report.html").read_text()
    assert "This run failed" in html and "planned failure for the test" in html
    assert Path(good["run_dir"], "report.html").read_text() == before
    index = build_index().read_text()
    assert "failed" in index and "success" in index and "failing" in index


def test_runs_never_reuse_a_folder(project):
    recs = run_jobs(plan_runs(["tiny"]) * 2, n_jobs=2, progress=False, echo=lambda *_: None)
    assert len({r["run_dir"] for r in recs}) == 2


def test_cli_exit_status_reflects_failures(project, capsys):
    from scmlib.cli import main

    code = main(
        ["run", "tiny", "--params", str(project / "parameters" / "tiny.failing.yaml"), "--quiet"]
    )
    assert code == 1
    out = capsys.readouterr()
    assert "index:" in out.out and "FAILED tiny" in out.err


# pandas calls that aggregate, join or reshape: their logic belongs in a tested scmlib function
ANALYSIS_CALLS = re.compile(
    r"\.(groupby|merge|pivot_table|pivot|agg|aggregate|resample|melt|crosstab)\(|pd\.crosstab\("
    r"|(?<!['\"])\.join\("  # a frame join; "', '.join(names)" joins text and is fine
)


def test_notebooks_are_committed_stripped():
    for path in sorted((Path(__file__).resolve().parent.parent / "notebooks").glob("*.ipynb")):
        nb = nbformat.read(str(path), as_version=4)
        for cell in nb.cells:
            if cell.cell_type == "code":
                assert not cell.outputs and cell.execution_count is None, path.name
        assert nb.cells[0].cell_type == "markdown" and nb.cells[0].source.startswith("# "), (
            path.name
        )
        tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
        assert len(tagged) == 1 and nb.cells.index(tagged[0]) == 1, path.name
        # thin notebooks: few statements per cell (formatted code spans lines, statements do not);
        # the parameters cell declares the notebook's interface, one typed name a line, and is
        # checked for declarations only
        long_cells = [
            c
            for c in nb.cells
            if c.cell_type == "code" and c is not tagged[0] and len(ast.parse(c.source).body) > 20
        ]
        assert all(isinstance(s, ast.AnnAssign) for s in ast.parse(tagged[0].source).body), (
            f"{path.name}: the parameters cell holds typed declarations only"
        )
        assert not long_cells, f"{path.name}: keep logic in scmlib, cells short"
        too_wide = [
            line
            for c in nb.cells
            if c.cell_type == "code" and c is not tagged[0]  # the contract's help text may run long
            for line in c.source.splitlines()
            if len(line) > 100
        ]
        assert not too_wide, f"{path.name}: code lines over 100 characters: {too_wide[:2]}"
        # analysis lives in scmlib: no notebook cell aggregates, joins or reshapes frames
        analysis = [
            f"cell {i}: {m.group(0)}"
            for i, c in enumerate(nb.cells)
            if c.cell_type == "code"
            for m in ANALYSIS_CALLS.finditer(c.source)
        ]
        assert not analysis, f"{path.name}: move to a tested scmlib function: {analysis[:4]}"
