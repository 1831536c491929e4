"""The notebook catalogue: every process notebook, its parameters and its parameter sets."""

from __future__ import annotations

from pathlib import Path

from scmlib.errors import ParameterError, did_you_mean
from scmlib.params import NotebookSpec, read_notebook_spec
from scmlib.paths import notebooks_dir, parameters_dir

DEFAULT_SET = "default"


def notebook_specs() -> dict[str, NotebookSpec]:
    """All process notebooks in ``notebooks/``, by name, sorted."""
    return {p.stem: read_notebook_spec(p) for p in sorted(notebooks_dir().glob("*.ipynb"))}


def get_spec(name: str) -> NotebookSpec:
    specs = notebook_specs()
    if name not in specs:
        raise ParameterError(
            f"unknown notebook '{name}'{did_you_mean(name, specs)}; `scm list` shows the catalogue"
        )
    return specs[name]


def parameter_sets(name: str) -> dict[str, Path]:
    """Parameter sets of a notebook: ``parameters/<name>.yaml`` is ``default``,
    ``parameters/<name>.<set>.yaml`` is ``<set>``."""
    out: dict[str, Path] = {}
    folder = parameters_dir()
    default = folder / f"{name}.yaml"
    if default.is_file():
        out[DEFAULT_SET] = default
    for path in sorted(folder.glob(f"{name}.*.yaml")):
        out[path.name[len(name) + 1 : -len(".yaml")]] = path
    return out


def used_by() -> dict[str, list[str]]:
    """Table -> the processes whose notebooks declare it (required or optional)."""
    out: dict[str, list[str]] = {}
    for name, spec in notebook_specs().items():
        for table in [*spec.tables.get("required", []), *spec.tables.get("optional", [])]:
            out.setdefault(table, []).append(name)
    return out


def data_model_markdown() -> str:
    """``docs/data-model.md``: the data model with each table's processes."""
    from scmlib.data.model import to_markdown

    return to_markdown(used_by())


def set_name_for(name: str, path: Path) -> str:
    """The parameter-set label of a file: its set name if it is one of the notebook's, else its stem."""
    for set_name, p in parameter_sets(name).items():
        if p.resolve() == Path(path).resolve():
            return set_name
    return Path(path).stem


if __name__ == "__main__":
    print(data_model_markdown(), end="")
