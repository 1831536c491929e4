"""Ownership of output folders: ``scm`` writes only into folders it created or that are empty.

A reports folder carries a marker file, ``.scm-reports``, written the first time ``scm`` uses
it. A folder without the marker is used only when it is empty or holds nothing but what ``scm``
itself writes (run folders of catalogue notebooks, its ``index.html``, hidden lock and temporary
files), so that ``scm run --out DIR`` never replaces a user's own ``index.html`` or mixes
reports into a folder of other files.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from scmlib.errors import ParameterError

MARKER = ".scm-reports"
INDEX_SIGNATURE = "<title>scm-notebooks reports</title>"


def _foreign_entries(root: Path, notebook_names: Iterable[str]) -> list[str]:
    names = set(notebook_names)
    foreign = []
    for entry in sorted(root.iterdir()):
        if entry.name.startswith(".") or entry.name == "cron.log":
            continue
        if entry.is_dir() and entry.name in names:
            continue
        if entry.name == "index.html" and entry.is_file():
            try:
                head = entry.read_text(encoding="utf-8", errors="replace")[:2000]
            except OSError:
                head = ""
            if INDEX_SIGNATURE in head:
                continue
        foreign.append(entry.name + ("/" if entry.is_dir() else ""))
    return foreign


def check_reports_folder(root: Path, notebook_names: Iterable[str]) -> None:
    """Refuse (one-line :class:`ParameterError`) a reports folder that is not ``scm``'s own."""
    root = Path(root)
    if root.exists() and not root.is_dir():
        raise ParameterError(f"reports folder {root} is a file, not a folder: choose another --out")
    if not root.exists() or (root / MARKER).is_file():
        return
    foreign = _foreign_entries(root, notebook_names)
    if foreign:
        shown = ", ".join(f"'{f}'" for f in foreign[:3]) + (
            f" and {len(foreign) - 3} more" if len(foreign) > 3 else ""
        )
        raise ParameterError(
            f"reports folder {root} holds files scm did not create ({shown}); nothing was written: "
            "choose a new or empty folder with --out"
        )


def claim_reports_folder(root: Path, notebook_names: Iterable[str]) -> Path:
    """Check ``root`` (see :func:`check_reports_folder`), create it if needed and mark it as ours."""
    check_reports_folder(root, notebook_names)
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    marker = root / MARKER
    if not marker.exists():
        marker.write_text(
            "This folder holds scm-notebooks reports (scm run); scm writes here.\n",
            encoding="utf-8",
        )
    return root
