"""Notebook parameters: read the declared parameters cell, coerce and validate values.

Every process notebook has one code cell tagged ``parameters`` whose lines read::

    name: type = default  # help text [constraint ...]

The help text may end with constraints, the notebook's whole contract for that parameter:

- ``{a, b, c}``: allowed values (for a list: of each element; for a dict: of each key);
- ``[low, high]``: inclusive numeric range, either side may be left empty (for a list or a
  dict: of each element or value);
- ``<date>``: an ISO date ``YYYY-MM-DD`` (or empty); ``<file>``: an existing file (or empty);
  ``<source>``: a data source (``demo``, a database URL, or an existing file or folder).

Types are ``int``, ``float``, ``str``, ``bool``, ``list``, ``dict``, optionally with element
types: ``list[int]``, ``dict[str, float]``. For example::

    policy: str = "continuous"  # review policy {continuous, periodic}
    review_period: float = 1.0  # months [0.1, 12]
    weights: dict[str, float] = {"otif": 0.6, "quality": 0.4}  # weights {otif, quality} [0, 1]

The runner reads these declarations (without starting a kernel) to list them, to check
parameter sets before a run (exit 2, nothing written), and to coerce YAML values to the
declared type: YAML turns ``2024-01-01`` into a date and leaves ``1e-3`` as a string; both are
coerced here. Inside a notebook, :func:`check_notebook` applies the same contract (for runs
from JupyterLab) and :func:`check` validates what depends on several parameters.

Relative paths (``<file>`` and ``<source>`` parameters) given on the command line are
resolved from the current directory; those in parameter files from the project root.
"""

from __future__ import annotations

import ast
import datetime as dt
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from scmlib.errors import ParameterError, did_you_mean
from scmlib.paths import project_root

_TYPES = {"int": int, "float": float, "str": str, "bool": bool, "list": list, "dict": dict}


@dataclass(frozen=True)
class Parameter:
    """One declared notebook parameter."""

    name: str
    type: str
    default: Any
    help: str = ""
    optional: bool = False
    choices: tuple[str, ...] | None = None
    low: float | None = None
    high: float | None = None
    kind: str | None = None  # "date", "file" or "source"
    item_type: str | None = None  # element type of a list, value type of a dict

    def coerce(self, value: Any, where: str = "") -> Any:
        """Coerce ``value`` to the declared type and check the declared constraints, or raise a
        one-line :class:`ParameterError` naming the parameter and the source of the value."""
        return validate_value(self, coerce_value(self, value, where), where)

    @property
    def constraint_text(self) -> str:
        """The declared constraints in words, for ``scm list`` and messages."""
        parts = []
        if self.choices:
            parts.append("one of " + ", ".join(self.choices))
        if self.low is not None or self.high is not None:
            lo = "" if self.low is None else f"{self.low:g}"
            hi = "" if self.high is None else f"{self.high:g}"
            parts.append(f"in [{lo}, {hi}]")
        if self.kind:
            parts.append(
                {
                    "date": "a date YYYY-MM-DD",
                    "file": "an existing file",
                    "source": "a data source",
                }[self.kind]
            )
        return "; ".join(parts)


@dataclass
class NotebookSpec:
    """What the runner knows of a notebook without executing it."""

    name: str
    path: Path
    title: str
    area: str
    purpose: str
    parameters: dict[str, Parameter] = field(default_factory=dict)
    # {"required": [...], "optional": [...], "relaxed": {table: [columns]}}
    tables: dict[str, Any] = field(default_factory=dict)
    timeout_s: float | None = (
        None  # the notebook's own per-cell execution timeout (metadata scm.timeout_s)
    )
    # batch runs: {parameter: "scmlib.<module>:<ranking function>"} (metadata scm.each)
    each: dict[str, str] = field(default_factory=dict)


def _type_name(annotation: ast.expr) -> tuple[str, bool, str | None]:
    """Return (type name, optional, element type) from an annotation such as ``int``,
    ``str | None``, ``list[int]`` or ``dict[str, float]``."""
    if isinstance(annotation, ast.Name):
        return annotation.id, False, None
    if isinstance(annotation, ast.BinOp) and isinstance(annotation.op, ast.BitOr):
        left, _, item = _type_name(annotation.left)
        right = annotation.right
        if isinstance(right, ast.Constant) and right.value is None:
            return left, True, item
    if isinstance(annotation, ast.Subscript) and isinstance(annotation.value, ast.Name):
        inner = annotation.slice
        last = inner.elts[-1] if isinstance(inner, ast.Tuple) else inner
        item = last.id if isinstance(last, ast.Name) else None
        if item is not None and item not in _TYPES:
            raise ValueError(f"unsupported element type {item!r} in {ast.unparse(annotation)!r}")
        return annotation.value.id, False, item
    raise ValueError(f"unsupported parameter annotation {ast.unparse(annotation)!r}")


_CONSTRAINT_RE = re.compile(r"\s*(\{[^{}:]*\}|\[[^\[\]]*\]|<(?:date|file|source)>)\s*$")


def _number(text: str) -> float | None:
    text = text.strip()
    return float(text) if text else None


def parse_constraints(help_text: str) -> tuple[str, dict[str, Any]]:
    """Split trailing ``{choices}``, ``[low, high]`` and ``<kind>`` constraints off a help text."""
    found: dict[str, Any] = {}
    text = help_text
    while True:
        m = _CONSTRAINT_RE.search(text)
        if not m:
            break
        token = m.group(1)
        text = text[: m.start()].rstrip()
        if token.startswith("{"):
            found["choices"] = tuple(
                c.strip().strip("'\"") for c in token[1:-1].split(",") if c.strip()
            )
        elif token.startswith("["):
            parts = token[1:-1].split(",")
            if len(parts) != 2:
                raise ValueError(f"range {token!r} must read [low, high]")
            found["low"], found["high"] = _number(parts[0]), _number(parts[1])
        else:
            found["kind"] = token[1:-1]
    return text, found


def parse_parameters_source(source: str) -> dict[str, Parameter]:
    """Parse a parameters cell written as ``name: type = default  # help`` lines."""
    tree = ast.parse(source)
    lines = source.splitlines()
    out: dict[str, Parameter] = {}
    for node in tree.body:
        if not isinstance(node, ast.AnnAssign) or not isinstance(node.target, ast.Name):
            continue
        type_name, optional, item_type = _type_name(node.annotation)
        if type_name not in _TYPES:
            raise ValueError(
                f"parameter {node.target.id!r}: type {type_name!r} is not one of {sorted(_TYPES)}"
            )
        default = ast.literal_eval(node.value) if node.value is not None else None
        line = lines[node.end_lineno - 1]
        help_text = line.split("#", 1)[1].strip() if "#" in line else ""
        help_text, constraints = parse_constraints(help_text)
        param = Parameter(
            node.target.id,
            type_name,
            default,
            help_text,
            optional,
            item_type=item_type,
            **constraints,
        )
        if default is not None:
            validate_value(param, coerce_value(param, default), "the notebook's own default")
        out[node.target.id] = param
    return out


def read_notebook_spec(path: Path) -> NotebookSpec:
    """Read title, area, purpose (notebook metadata ``scm``) and the parameters cell."""
    nb = json.loads(Path(path).read_text(encoding="utf-8"))
    meta = nb.get("metadata", {}).get("scm", {})
    params: dict[str, Parameter] = {}
    for cell in nb.get("cells", []):
        if cell.get("cell_type") == "code" and "parameters" in cell.get("metadata", {}).get(
            "tags", []
        ):
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
        tables=dict(meta.get("tables", {})),
        timeout_s=meta.get("timeout_s"),
        each=dict(meta.get("each", {})),
    )


def coerce_value(param: Parameter, value: Any, where: str = "") -> Any:
    """Coerce a YAML/CLI value to the parameter's declared type."""
    prefix = f"{where}: " if where else ""
    if value is None:
        if param.optional:
            return None
        raise ParameterError(
            f"{prefix}parameter '{param.name}' must be a {param.type}, got an empty value"
        )
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
                value = _yaml(value)
            expected = list if kind == "list" else dict
            if not isinstance(value, expected):
                raise TypeError
            return _plain(value)
    except (TypeError, ValueError):
        raise ParameterError(
            f"{prefix}parameter '{param.name}' must be a {kind}, got {value!r} ({type(value).__name__})"
        ) from None
    raise ParameterError(f"{prefix}parameter '{param.name}' has unsupported type {kind}")


def _resolve_path(value: str, base: Path | None) -> Path:
    p = Path(value).expanduser()
    return p if p.is_absolute() else (base or project_root()) / p


def validate_value(param: Parameter, value: Any, where: str = "", base: Path | None = None) -> Any:
    """Check a coerced value against the parameter's declared element type and constraints.

    Returns the value (element types coerced); raises a one-line :class:`ParameterError`.
    ``base`` is the folder relative paths are resolved from (default: the project root).
    """
    prefix = f"{where}: " if where else ""
    name = param.name
    if value is None:
        return value
    if param.item_type and param.type in ("list", "dict"):
        try:
            if param.type == "list":
                value = [
                    coerce_value(Parameter(f"{name}[{i}]", param.item_type, None), v)
                    for i, v in enumerate(value)
                ]
            else:
                value = {
                    k: coerce_value(Parameter(f"{name}.{k}", param.item_type, None), v)
                    for k, v in value.items()
                }
        except ParameterError as exc:
            raise ParameterError(f"{prefix}{exc}") from None
    if param.type == "list":
        elements = [(f"{name}[{i}]", v) for i, v in enumerate(value)]
        keyed = [(f"{name}[{i}]", v) for i, v in enumerate(value)]
    elif param.type == "dict":
        elements = [(f"{name}.{k}", v) for k, v in value.items()]
        keyed = [(f"{name}", k) for k in value]
    else:
        elements = keyed = [(name, value)]
    if param.choices:
        allowed = list(param.choices)
        for label, v in keyed:
            if str(v) not in allowed:
                what = "key" if param.type == "dict" else "value"
                raise ParameterError(
                    f"{prefix}parameter '{label}' has unknown {what} {v!r}{did_you_mean(str(v), allowed)}; allowed: {', '.join(allowed)}"
                )
    if param.low is not None or param.high is not None:
        bounds = f"[{'' if param.low is None else f'{param.low:g}'}, {'' if param.high is None else f'{param.high:g}'}]"
        for label, v in elements:
            if isinstance(v, bool) or not isinstance(v, (int, float)):
                raise ParameterError(f"{prefix}parameter '{label}' must be a number, got {v!r}")
            if (
                v != v
                or (param.low is not None and v < param.low)
                or (param.high is not None and v > param.high)
            ):
                raise ParameterError(f"{prefix}parameter '{label}' must be in {bounds}, got {v!r}")
    if param.kind == "date" and value not in ("", None):
        try:
            dt.date.fromisoformat(str(value)[:10])
            if len(str(value)) > 10:
                dt.datetime.fromisoformat(str(value))
        except ValueError as exc:
            raise ParameterError(
                f"{prefix}parameter '{name}' is not a valid date: {value!r} ({exc}); write YYYY-MM-DD"
            ) from None
    if param.kind == "file" and value not in ("", None):
        path = _resolve_path(str(value), base)
        if not path.is_file():
            raise ParameterError(f"{prefix}parameter '{name}': file not found: {path}")
    if param.kind == "source" and value not in ("", None):
        text = str(value).strip()
        if text != "demo" and "://" not in text and not _resolve_path(text, base).exists():
            raise ParameterError(
                f"{prefix}parameter '{name}': data source not found: {_resolve_path(text, base)} "
                "(expected 'demo', a folder, an .xlsx workbook, a .duckdb/.sqlite file or a database URL)"
            )
    return value


def absolute_paths(spec: NotebookSpec, values: dict[str, Any], base: Path) -> dict[str, Any]:
    """Make relative ``<file>``/``<source>`` parameter values absolute from ``base``."""
    out = dict(values)
    for key, value in values.items():
        param = spec.parameters.get(key)
        if (
            param is None
            or param.kind not in ("file", "source")
            or not isinstance(value, str)
            or not value.strip()
        ):
            continue
        if param.kind == "source" and (value.strip() == "demo" or "://" in value):
            continue
        out[key] = str(_resolve_path(value.strip(), base).resolve())
    return out


def declared_tables(name: str) -> dict[str, Any]:
    """The tables notebook ``name`` declares in its metadata, as ``load_data`` keyword arguments:
    ``tables`` (required), ``optional`` and ``relaxed`` (columns the data model requires but
    this process can do without). One declaration feeds the notebook's load, the runner's
    pre-flight data check, ``scm data check`` and the data model's "used by" lists."""
    spec = read_notebook_spec(project_root() / "notebooks" / f"{name}.ipynb")
    t = spec.tables
    return {
        "tables": list(t.get("required", [])),
        "optional": list(t.get("optional", [])),
        "relaxed": dict(t.get("relaxed", {})),
    }


DATA_BLOCK = ("data_source", "column_map", "read_options")  # a notebook's data-source block


def load_declared(name: str, namespace: dict[str, Any]):
    """Load and validate the tables notebook ``name`` declares, from its data-source block: the
    ``data_source``, ``column_map`` and ``read_options`` parameters in ``namespace`` (a notebook's
    ``globals()``), read together as one block, exactly as the runner's pre-flight check and
    ``scm data check --params`` read them. Returns the :class:`scmlib.data.Dataset`."""
    from scmlib.data import load_data

    return load_data(
        namespace.get("data_source", "demo"),
        **declared_tables(name),
        column_map=namespace.get("column_map") or {},
        read_options=namespace.get("read_options") or {},
    )


def check_notebook(name: str, namespace: dict[str, Any]) -> None:
    """Apply notebook ``name``'s declared parameter contract to the values in ``namespace``
    (a notebook's ``globals()``), as the runner does before a run; for runs from JupyterLab."""
    spec = read_notebook_spec(project_root() / "notebooks" / f"{name}.ipynb")
    for key, param in spec.parameters.items():
        if key in namespace:
            param.coerce(namespace[key])


def _plain(value: Any) -> Any:
    """Turn YAML dates nested in lists/dicts into ISO strings so papermill can inject them."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return value


class _Loader(yaml.SafeLoader):
    """YAML without implicit timestamps: dates stay text, checked against ``<date>`` parameters
    (so ``2024-02-30`` is a one-line parameter error, not a crash inside the YAML reader)."""


_Loader.yaml_implicit_resolvers = {
    key: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _yaml(text: str) -> Any:
    return yaml.load(text, Loader=_Loader)  # noqa: S506 - a SafeLoader subclass


def load_parameter_file(path: Path) -> dict[str, Any]:
    """Read a YAML parameter set; a missing or malformed file is a one-line error."""
    path = Path(path)
    if not path.is_file():
        raise ParameterError(f"parameter file not found: {path}")
    try:
        data = _yaml(path.read_text(encoding="utf-8")) or {}
    except UnicodeDecodeError:
        raise ParameterError(f"parameter file {path} is not UTF-8 text: save it as UTF-8") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f" at line {mark.line + 1}" if mark is not None else ""
        raise ParameterError(
            f"parameter file {path} is not valid YAML{at}: {getattr(exc, 'problem', exc)}"
        ) from None
    if not isinstance(data, dict):
        raise ParameterError(
            f"parameter file {path} must hold a mapping of name: value, got {type(data).__name__}"
        )
    return data


def parse_cli_assignments(items: list[str]) -> dict[str, Any]:
    """Parse ``-p key=value`` pairs; values are read as YAML scalars (then coerced by type)."""
    out: dict[str, Any] = {}
    for item in items or []:
        if "=" not in item:
            raise ParameterError(f"-p expects key=value, got {item!r}")
        key, raw = item.split("=", 1)
        try:
            out[key.strip()] = _yaml(raw) if raw.strip() else ""
        except yaml.YAMLError:
            out[key.strip()] = raw
    return out


def resolve_parameters(
    spec: NotebookSpec, values: dict[str, Any], where: str = "", base: Path | None = None
) -> dict[str, Any]:
    """Check names against the notebook's declaration, coerce each value to its type and check
    its declared constraints (relative paths resolved from ``base``, default the project root)."""
    resolved: dict[str, Any] = {}
    prefix = f"{where}: " if where else ""
    for key, value in values.items():
        if key not in spec.parameters:
            hint = did_you_mean(key, spec.parameters)
            raise ParameterError(
                f"{prefix}unknown parameter '{key}' for notebook '{spec.name}'{hint}"
            )
        param = spec.parameters[key]
        resolved[key] = validate_value(param, coerce_value(param, value, where), where, base)
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
