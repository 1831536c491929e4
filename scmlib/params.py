"""Notebook parameters: read the declared parameters cell, coerce and validate values.

Every process notebook has one code cell tagged ``parameters`` whose lines read::

    name: type = default  # help text

The runner reads these declarations (without starting a kernel) to list them, to check
parameter sets before a run, and to coerce YAML values to the declared type: YAML turns
``2024-01-01`` into a date and leaves ``1e-3`` as a string; both are coerced here.
Inside a notebook, :func:`check` validates ranges and allowed choices.
"""

from __future__ import annotations

import ast
import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from scmlib.errors import ParameterError, did_you_mean

_TYPES = {"int": int, "float": float, "str": str, "bool": bool, "list": list, "dict": dict}


@dataclass(frozen=True)
class Parameter:
    """One declared notebook parameter."""

    name: str
    type: str
    default: Any
    help: str = ""
    optional: bool = False

    def coerce(self, value: Any, where: str = "") -> Any:
        """Coerce ``value`` to the declared type or raise a one-line :class:`ParameterError`."""
        return coerce_value(self, value, where)


@dataclass
class NotebookSpec:
    """What the runner knows of a notebook without executing it."""

    name: str
    path: Path
    title: str
    area: str
    purpose: str
    parameters: dict[str, Parameter] = field(default_factory=dict)


def _type_name(annotation: ast.expr) -> tuple[str, bool]:
    """Return (type name, optional) from an annotation such as ``int`` or ``str | None``."""
    if isinstance(annotation, ast.Name):
        return annotation.id, False
    if isinstance(annotation, ast.BinOp) and isinstance(annotation.op, ast.BitOr):
        left, _ = _type_name(annotation.left)
        right = annotation.right
        if isinstance(right, ast.Constant) and right.value is None:
            return left, True
    if isinstance(annotation, ast.Subscript) and isinstance(annotation.value, ast.Name):
        return annotation.value.id, False
    raise ValueError(f"unsupported parameter annotation {ast.unparse(annotation)!r}")


def parse_parameters_source(source: str) -> dict[str, Parameter]:
    """Parse a parameters cell written as ``name: type = default  # help`` lines."""
    tree = ast.parse(source)
    lines = source.splitlines()
    out: dict[str, Parameter] = {}
    for node in tree.body:
        if not isinstance(node, ast.AnnAssign) or not isinstance(node.target, ast.Name):
            continue
        type_name, optional = _type_name(node.annotation)
        if type_name not in _TYPES:
            raise ValueError(f"parameter {node.target.id!r}: type {type_name!r} is not one of {sorted(_TYPES)}")
        default = ast.literal_eval(node.value) if node.value is not None else None
        line = lines[node.end_lineno - 1]
        help_text = line.split("#", 1)[1].strip() if "#" in line else ""
        out[node.target.id] = Parameter(node.target.id, type_name, default, help_text, optional)
    return out


def read_notebook_spec(path: Path) -> NotebookSpec:
    """Read title, area, purpose (notebook metadata ``scm``) and the parameters cell."""
    nb = json.loads(Path(path).read_text(encoding="utf-8"))
    meta = nb.get("metadata", {}).get("scm", {})
    params: dict[str, Parameter] = {}
    for cell in nb.get("cells", []):
        if cell.get("cell_type") == "code" and "parameters" in cell.get("metadata", {}).get("tags", []):
            src = cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])
            params = parse_parameters_source(src)
            break
    name = Path(path).stem
    return NotebookSpec(
        name=name,
        path=Path(path),
        title=meta.get("title", name.replace("_", " ").capitalize()),
        area=meta.get("area", ""),
        purpose=meta.get("purpose", ""),
        parameters=params,
    )


def coerce_value(param: Parameter, value: Any, where: str = "") -> Any:
    """Coerce a YAML/CLI value to the parameter's declared type."""
    prefix = f"{where}: " if where else ""
    if value is None:
        if param.optional:
            return None
        raise ParameterError(f"{prefix}parameter '{param.name}' must be a {param.type}, got an empty value")
    kind = param.type
    try:
        if kind == "str":
            if isinstance(value, dt.datetime):
                return value.isoformat()
            if isinstance(value, dt.date):
                return value.isoformat()
            if isinstance(value, (list, dict)):
                raise TypeError
            return str(value)
        if kind == "bool":
            if isinstance(value, bool):
                return value
            text = str(value).strip().lower()
            if text in {"true", "yes", "1", "on"}:
                return True
            if text in {"false", "no", "0", "off"}:
                return False
            raise TypeError
        if kind == "int":
            if isinstance(value, bool):
                raise TypeError
            if isinstance(value, int):
                return value
            number = float(str(value).replace("_", ""))
            if not number.is_integer():
                raise TypeError
            return int(number)
        if kind == "float":
            if isinstance(value, bool):
                raise TypeError
            return float(str(value).replace("_", "")) if isinstance(value, str) else float(value)
        if kind in ("list", "dict"):
            if isinstance(value, str):
                value = yaml.safe_load(value)
            expected = list if kind == "list" else dict
            if not isinstance(value, expected):
                raise TypeError
            return _plain(value)
    except (TypeError, ValueError):
        raise ParameterError(
            f"{prefix}parameter '{param.name}' must be a {kind}, got {value!r} ({type(value).__name__})"
        ) from None
    raise ParameterError(f"{prefix}parameter '{param.name}' has unsupported type {kind}")


def _plain(value: Any) -> Any:
    """Turn YAML dates nested in lists/dicts into ISO strings so papermill can inject them."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return value


def load_parameter_file(path: Path) -> dict[str, Any]:
    """Read a YAML parameter set; a missing or malformed file is a one-line error."""
    path = Path(path)
    if not path.is_file():
        raise ParameterError(f"parameter file not found: {path}")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f" at line {mark.line + 1}" if mark is not None else ""
        raise ParameterError(f"parameter file {path} is not valid YAML{at}: {getattr(exc, 'problem', exc)}") from None
    if not isinstance(data, dict):
        raise ParameterError(f"parameter file {path} must hold a mapping of name: value, got {type(data).__name__}")
    return data


def parse_cli_assignments(items: list[str]) -> dict[str, Any]:
    """Parse ``-p key=value`` pairs; values are read as YAML scalars (then coerced by type)."""
    out: dict[str, Any] = {}
    for item in items or []:
        if "=" not in item:
            raise ParameterError(f"-p expects key=value, got {item!r}")
        key, raw = item.split("=", 1)
        try:
            out[key.strip()] = yaml.safe_load(raw) if raw.strip() else ""
        except yaml.YAMLError:
            out[key.strip()] = raw
    return out


def resolve_parameters(spec: NotebookSpec, values: dict[str, Any], where: str = "") -> dict[str, Any]:
    """Check names against the notebook's declaration and coerce each value to its type."""
    resolved: dict[str, Any] = {}
    for key, value in values.items():
        if key not in spec.parameters:
            hint = did_you_mean(key, spec.parameters)
            prefix = f"{where}: " if where else ""
            raise ParameterError(f"{prefix}unknown parameter '{key}' for notebook '{spec.name}'{hint}")
        resolved[key] = spec.parameters[key].coerce(value, where)
    return resolved


def check(name: str, value: Any, *, choices=None, low=None, high=None, subset_of=None) -> None:
    """Validate one parameter value inside a notebook; raise a one-line :class:`ParameterError`.

    ``choices``: allowed values; ``low``/``high``: inclusive numeric range;
    ``subset_of``: every element of a list value must be in it.
    """
    if choices is not None and value not in choices:
        raise ParameterError(
            f"parameter '{name}' must be one of {list(choices)}, got {value!r}{did_you_mean(str(value), map(str, choices))}"
        )
    if subset_of is not None:
        bad = [v for v in value if v not in subset_of]
        if bad:
            raise ParameterError(
                f"parameter '{name}' has unknown value(s) {bad}{did_you_mean(str(bad[0]), map(str, subset_of))}; allowed: {list(subset_of)}"
            )
    if low is not None and value < low:
        raise ParameterError(f"parameter '{name}' must be >= {low}, got {value!r}")
    if high is not None and value > high:
        raise ParameterError(f"parameter '{name}' must be <= {high}, got {value!r}")
