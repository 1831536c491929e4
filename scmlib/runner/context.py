"""The run context: what a headless run tells its notebook, and the run record's lifecycle.

The runner writes ``<run folder>/.context.json`` (parameter set, outputs folder, purpose,
company settings file) and starts the kernel with one environment variable, ``SCM_RUN_CONTEXT``,
naming it; :func:`current` reads it inside the notebook (``Report`` uses it). Nothing else is
passed through the environment, and the caller's environment is restored after each run.

``run.json`` is written when a run starts (status ``running``, with pid, host and timeout) and
rewritten atomically when it ends (``success``, ``failed`` or ``interrupted``). A ``running``
record whose process is gone (SIGKILL, power loss) or that is older than its timeout is shown as
``interrupted`` by :func:`effective_status`, so the index never hides a run.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import socket
from pathlib import Path
from typing import Any

from scmlib.core.files import atomic_write_text

ENV_VAR = "SCM_RUN_CONTEXT"
DEFAULT_TIMEOUT_S = 3600.0
STALE_MESSAGE = "interrupted (the process stopped without recording an end)"


def write_context(run_dir: Path, **values: Any) -> Path:
    path = run_dir / ".context.json"
    atomic_write_text(path, json.dumps(values, indent=2, default=str))
    return path


def current() -> dict[str, Any]:
    """The context of the run this notebook belongs to (empty in an interactive session)."""
    path = os.environ.get(ENV_VAR)
    if not path:
        return {}
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def write_record(run_dir: Path, record: dict[str, Any]) -> None:
    atomic_write_text(run_dir / "run.json", json.dumps(record, indent=2, default=str))


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def effective_status(
    record: dict[str, Any], now: dt.datetime | None = None
) -> tuple[str, str | None]:
    """(status, error) as the index should show them: a ``running`` record whose process is no
    longer alive on this host, or that has run longer than its timeout (plus a minute's grace),
    is ``interrupted``."""
    status, error = str(record.get("status", "?")), record.get("error")
    if status != "running":
        return status, error
    now = now or dt.datetime.now(dt.UTC)
    try:
        started = dt.datetime.fromisoformat(str(record.get("start")))
    except ValueError:
        return "interrupted", STALE_MESSAGE
    if started.tzinfo is None:
        started = started.replace(tzinfo=dt.UTC)
    timeout = float(record.get("timeout_s") or DEFAULT_TIMEOUT_S)
    same_host = record.get("host") == socket.gethostname()
    pid = record.get("pid")
    if (same_host and isinstance(pid, int) and not _alive(pid)) or (
        now - started
    ).total_seconds() > timeout + 60:
        return "interrupted", STALE_MESSAGE
    return "running", None
