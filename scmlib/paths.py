"""Project paths, resolved from one place (the project root).

The root is the folder holding ``notebooks/`` and ``pyproject.toml``; ``SCM_PROJECT_ROOT``
overrides it (used by tests that work on a copy of the project).
"""

from __future__ import annotations

import os
from pathlib import Path


def project_root() -> Path:
    env = os.environ.get("SCM_PROJECT_ROOT")
    if env:
        return Path(env).resolve()
    here = Path(__file__).resolve().parent.parent
    if (here / "notebooks").is_dir():
        return here
    cwd = Path.cwd().resolve()
    for candidate in (cwd, *cwd.parents):
        if (candidate / "notebooks").is_dir() and (candidate / "parameters").is_dir():
            return candidate
    return here


def notebooks_dir() -> Path:
    return project_root() / "notebooks"


def parameters_dir() -> Path:
    return project_root() / "parameters"


def data_dir() -> Path:
    return project_root() / "data"


def reports_dir() -> Path:
    env = os.environ.get("SCM_REPORTS_DIR")
    return Path(env).resolve() if env else project_root() / "reports"


def reference_dir() -> Path:
    """Public reference data shipped with the project (country risk, real spend)."""
    return data_dir() / "reference"


def resolve(path: str | Path) -> Path:
    """A user-given path: absolute as is, relative to the project root otherwise (so notebooks
    find the same files whether run by papermill, nbval or JupyterLab)."""
    p = Path(path).expanduser()
    return p if p.is_absolute() else project_root() / p
