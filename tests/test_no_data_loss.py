"""The bad-input corpus of the command line: nothing the user did not create is deleted or
overwritten, every failure is one line with an exit status, every parameter is checked before
any kernel starts (exit 2, nothing written). Each case is a probe a careful user ran."""

from __future__ import annotations

import errno
import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

from scmlib.cli import main

ROOT = Path(__file__).resolve().parent.parent


def _snapshot(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` with a hash of its content."""
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def _user_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "my_extract"
    (folder / "archive").mkdir(parents=True)
    (folder / "my_erp_extract.csv").write_text("a,b\n1,2\n")
    (folder / "archive" / "2023.csv").write_text("old\n")
    return folder


def _one_line(err: str) -> str:
    lines = [line for line in err.strip().splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert "Traceback" not in err
    return lines[0]


# --- scm data demo ------------------------------------------------------------------------


def test_demo_refuses_a_folder_of_user_files(tmp_path, capsys):
    folder = _user_folder(tmp_path)
    before = _snapshot(folder)
    assert main(["data", "demo", "--scale", "0.02", "--out", str(folder)]) == 2
    line = _one_line(capsys.readouterr().err)
    assert "not empty" in line and "nothing was written" in line
    assert _snapshot(folder) == before


def test_demo_refuses_the_current_directory(tmp_path, monkeypatch, capsys):
    folder = _user_folder(tmp_path)
    (folder / ".git").mkdir()
    (folder / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    before = _snapshot(folder)
    monkeypatch.chdir(folder)
    assert main(["data", "demo", "--scale", "0.02", "--out", "."]) == 2
    _one_line(capsys.readouterr().err)
    assert _snapshot(folder) == before


def test_demo_force_replaces_only_a_previous_demo(tmp_path, capsys):
    out = tmp_path / "demo"
    assert main(["data", "demo", "--scale", "0.02", "--seed", "1", "--out", str(out)]) == 0
    first = _snapshot(out)
    assert main(["data", "demo", "--scale", "0.02", "--seed", "2", "--out", str(out)]) == 2
    assert "--force" in _one_line(capsys.readouterr().err)
    assert _snapshot(out) == first
    assert (
        main(["data", "demo", "--scale", "0.02", "--seed", "2", "--out", str(out), "--force"]) == 0
    )
    assert _snapshot(out) != first and set(_snapshot(out)) == set(first)
    (out / "my_notes.txt").write_text("mine")
    assert main(["data", "demo", "--scale", "0.02", "--out", str(out), "--force"]) == 2
    assert "my_notes.txt" in _one_line(capsys.readouterr().err)
    assert (out / "my_notes.txt").read_text() == "mine"


def test_demo_into_an_empty_folder_and_onto_a_file(tmp_path, capsys):
    empty = tmp_path / "empty"
    empty.mkdir()
    assert main(["data", "demo", "--scale", "0.02", "--out", str(empty), "--format", "csv"]) == 0
    assert (empty / "items.csv").is_file() and (empty / "demo.json").is_file()
    a_file = tmp_path / "file.txt"
    a_file.write_text("x")
    assert main(["data", "demo", "--scale", "0.02", "--out", str(a_file)]) == 2
    assert "is a file" in _one_line(capsys.readouterr().err)
    assert a_file.read_text() == "x"


def test_demo_help_says_parquet_is_the_default(capsys):
    with pytest.raises(SystemExit):
        main(["data", "demo", "--help"])
    assert "Parquet by default" in " ".join(capsys.readouterr().out.split())


# --- scm run --out / scm index --out --------------------------------------------------------


def test_run_refuses_a_folder_with_the_users_own_index(tmp_path, capsys):
    out = tmp_path / "site"
    out.mkdir()
    (out / "index.html").write_text("<html>my own home page</html>")
    before = _snapshot(out)
    assert main(["run", "kpi_dashboard", "--out", str(out), "--quiet"]) == 2
    line = _one_line(capsys.readouterr().err)
    assert "index.html" in line and "did not create" in line
    assert main(["index", "--out", str(out)]) == 2
    capsys.readouterr()
    assert _snapshot(out) == before


def test_index_accepts_its_own_folder_and_marks_it(tmp_path):
    out = tmp_path / "reports"
    out.mkdir()
    assert main(["index", "--out", str(out)]) == 0
    assert main(["index", "--out", str(out)]) == 0  # its own index.html is not foreign
    from scmlib.runner.folders import MARKER, claim_reports_folder

    claim_reports_folder(out, [])
    assert (out / MARKER).is_file()


def test_out_being_a_file_is_refused(tmp_path, capsys):
    a_file = tmp_path / "reports.txt"
    a_file.write_text("x")
    assert main(["run", "kpi_dashboard", "--out", str(a_file), "--quiet"]) == 2
    assert "is a file" in _one_line(capsys.readouterr().err)
    assert a_file.read_text() == "x"


# --- parameters: every check before any kernel, exit 2, nothing written ----------------------


@pytest.mark.parametrize(
    "args,message",
    [
        (
            ["run", "spend_analysis", "-p", "period_start=2024-13-45"],
            "parameter 'period_start' is not a valid date",
        ),
        (
            ["run", "safety_stock", "-p", "targets={A: 1.2}"],
            "parameter 'targets.A' must be in [0.5, 0.9999], got 1.2",
        ),
        (
            ["run", "safety_stock", "-p", "service_measure=fill"],
            "parameter 'service_measure' has unknown value 'fill'",
        ),
        (["run", "safety_stock", "-p", "policy=periodc"], "(did you mean 'periodic'?)"),
        (
            ["run", "demand_forecasting", "-p", "horizon=-3"],
            "parameter 'horizon' must be in [1, 104], got -3",
        ),
        (["run", "demand_forecasting", "-p", "models=[ets, prophet]"], "unknown value 'prophet'"),
        (["run", "spend_analysis", "-p", "rules_file=no_such_rules.csv"], "file not found"),
        (["run", "spend_analysis", "--data", "no_such_folder"], "data source not found"),
        (
            ["run", "supplier_scorecard", "-p", "weights={otif: abc}"],
            "parameter 'weights.otif' must be a float, got 'abc'",
        ),
        (["run", "supplier_scorecard", "-p", "weights={otiff: 0.5}"], "(did you mean 'otif'?)"),
        (
            ["run", "safety_stock", "-p", "review_period=abc"],
            "command line: parameter 'review_period'",
        ),
        (["run", "supplier_scorecard", "-p", "column_map={Vendor: supplier_id}"], "flat map"),
        (
            ["run", "supplier_scorecard", "-p", "read_options={encodng: latin-1}"],
            "did you mean 'encoding'",
        ),
        (["run", "kpi_dashboard", "--jobs", "0"], "--jobs must be at least 1"),
        (["run", "kpi_dashboard", "--timeout", "-5"], "--timeout must be a positive"),
    ],
)
def test_bad_parameter_probes_exit_2_before_any_kernel(
    tmp_path, monkeypatch, capsys, args, message
):
    monkeypatch.chdir(tmp_path)
    reports = tmp_path / "reports"
    assert main([*args, "--out", str(reports), "--quiet"]) == 2
    assert message in _one_line(capsys.readouterr().err)
    assert not reports.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_impossible_date_in_a_parameter_file(tmp_path, capsys):
    f = tmp_path / "feb.yaml"
    f.write_text("period_end: 2024-02-30\n")
    assert (
        main(["run", "spend_analysis", "--params", str(f), "--out", str(tmp_path / "r"), "--quiet"])
        == 2
    )
    line = _one_line(capsys.readouterr().err)
    assert "feb.yaml" in line and "'period_end' is not a valid date" in line
    assert not (tmp_path / "r").exists()


def test_file_values_are_blamed_on_the_file_and_cli_values_on_the_command_line(tmp_path, capsys):
    f = tmp_path / "ss.yaml"
    f.write_text("review_period: 99\n")
    assert (
        main(["run", "safety_stock", "--params", str(f), "--out", str(tmp_path / "r"), "--quiet"])
        == 2
    )
    assert _one_line(capsys.readouterr().err).startswith(
        f"scm: error: {f}: parameter 'review_period'"
    )


def test_notebook_defaults_satisfy_their_own_contracts():
    from scmlib.runner import notebook_specs

    for (
        spec
    ) in notebook_specs().values():  # parsing validates every default against its declaration
        assert spec.parameters


def test_relative_paths_resolve_from_the_current_directory(tmp_path, monkeypatch):
    from scmlib.runner import plan_runs

    (tmp_path / "extract").mkdir()
    (tmp_path / "rules.csv").write_text("keyword,category\nx,y\n")
    monkeypatch.chdir(tmp_path)
    [job] = plan_runs(
        ["spend_analysis"], data="extract", overrides={"rules_file": "rules.csv"}, out=Path("out")
    )
    assert job.parameters["data_source"] == str(tmp_path / "extract")
    assert job.parameters["rules_file"] == str(tmp_path / "rules.csv")
    assert job.out_root == tmp_path / "out"
    # paths inside the project's parameter files stay relative to the project root
    [uk] = plan_runs(
        ["spend_analysis"],
        params_files=[ROOT / "parameters" / "spend_analysis.uk_desnz.yaml"],
        out=Path("out"),
    )
    assert uk.parameters["data_source"] == str(ROOT / "data" / "uk_desnz_2024")


def test_data_check_not_found_names_where_it_looked(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["data", "check", "--data", "missing_extract"]) == 1
    assert str(tmp_path / "missing_extract") in _one_line(capsys.readouterr().err)


# --- one error boundary -------------------------------------------------------------------


@pytest.mark.parametrize(
    "err,words",
    [
        (OSError(errno.ENOSPC, "No space left on device", "/reports/x"), "disk full"),
        (PermissionError(errno.EACCES, "Permission denied", "/reports"), "permission denied"),
        (OSError(errno.EROFS, "Read-only file system", "/mnt/ro"), "read-only"),
        (RuntimeError("something odd\nsecond line"), "unexpected RuntimeError: something odd"),
    ],
)
def test_unexpected_failures_are_one_line(monkeypatch, capsys, err, words):
    import scmlib.cli as cli

    def boom(args):
        raise err

    monkeypatch.setattr(cli, "_cmd_index", boom)
    assert main(["index"]) == 1
    line = _one_line(capsys.readouterr().err)
    assert line.startswith("scm: error:") and words in line


def test_debug_shows_the_traceback(monkeypatch, capsys):
    import scmlib.cli as cli

    def boom(args):
        raise RuntimeError("kaput")

    monkeypatch.setattr(cli, "_cmd_index", boom)
    assert main(["--debug", "index"]) == 1
    err = capsys.readouterr().err
    assert "Traceback" in err and "kaput" in err


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_read_only_out_is_one_line(tmp_path):
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o555)
    proc = subprocess.run(
        [sys.executable, "-m", "scmlib", "index", "--out", str(ro / "sub")],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 1 and "permission denied" in _one_line(proc.stderr)


def test_real_read_only_filesystem_error_through_a_subprocess(tmp_path):
    """/proc is read-only for everyone, root included: a real OSError through the real CLI."""
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "scmlib",
            "data",
            "demo",
            "--scale",
            "0.02",
            "--out",
            "/proc/scm-demo",
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert proc.returncode == 1, proc.stderr
    line = _one_line(proc.stderr)
    assert line.startswith("scm: error:") and "/proc" in line


def test_damaged_and_unreadable_files_in_data_check(tmp_path, small_demo, capsys):
    folder = tmp_path / "extract"
    folder.mkdir()
    (folder / "items.parquet").write_bytes(b"PAR1 this is not parquet")
    assert main(["data", "check", "--data", str(folder)]) == 1
    out = capsys.readouterr()
    text = " ".join(out.out.split())  # problems wrap at 100 columns
    assert "cannot be read as Parquet" in text and "Traceback" not in out.out + out.err


def test_disk_full_while_writing_the_report_still_records_the_run(
    tmp_path, monkeypatch, small_demo
):
    import json

    import scmlib.runner.export as export
    from scmlib.runner import plan_runs, run_jobs

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(export, "export_html", full)
    [job] = plan_runs(["kpi_dashboard"], data=str(small_demo), out=tmp_path / "r")
    [rec] = run_jobs([job], n_jobs=1, progress=False, echo=lambda *_: None)
    meta = json.loads((Path(rec["run_dir"]) / "run.json").read_text())
    assert meta["status"] == "failed" and "disk full or not writable" in meta["error"]
