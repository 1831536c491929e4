"""Company settings: the definitions a company makes once, read by every report.

One YAML file, ``parameters/company.yaml`` by default, holds what a company defines once:
reporting currency and exchange-rate policy, fiscal calendar and reporting window, KPI
targets and the amber band, the supplier and customer OTIF definitions, the stock valuation
basis, the forecast-accuracy convention, the service-level targets by segment and tier and
the keyword rules that classify uncategorised spend.
Another file is chosen with ``scm run --settings FILE`` or the ``SCM_SETTINGS`` environment
variable. Every notebook reads the settings through :func:`company_settings`; a notebook
parameter may override one setting for one run, and the report header lists the settings
that differ from the company file (:meth:`Settings.differences`).

The schema (:data:`SCHEMA`) uses the notebooks' parameter grammar (type, default, help,
``{choices}``, ``[low, high]``, ``<date>``), so a bad setting gets the same one-line error as a
bad parameter: ``scm settings check`` validates a file before any report runs.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scmlib.core.kpi import KPIS
from scmlib.errors import ParameterError, did_you_mean
from scmlib.params import (
    Parameter,
    coerce_value,
    load_parameter_file,
    parse_constraints,
    validate_value,
)
from scmlib.paths import parameters_dir

ENV_VAR = "SCM_SETTINGS"


def _p(name: str, type_: str, default: Any, help_: str, item_type: str | None = None) -> Parameter:
    text, constraints = parse_constraints(help_)
    return Parameter(name, type_, default, text, item_type=item_type, **constraints)


# section.key -> declaration; the defaults are what an empty settings file means.
SCHEMA: dict[str, Parameter] = {
    p.name: p
    for p in [
        _p("company.name", "str", "", "company name shown in report headers (empty: none)"),
        _p("currency.reporting", "str", "USD", "reporting currency, ISO code"),
        _p(
            "currency.rate_policy",
            "str",
            "monthly",
            "exchange rate applied: the month's average rate of each transaction, "
            "or the latest month's rate for every transaction (constant currency) {monthly, latest}",
        ),
        _p(
            "calendar.fiscal_year_start_month",
            "int",
            1,
            "first month of the fiscal year (1 = January) [1, 12]",
        ),
        _p(
            "calendar.window_months",
            "int",
            12,
            "reporting window: the last N complete months [1, 120]",
        ),
        _p(
            "calendar.as_of",
            "str",
            "",
            "last day of the reporting window (empty: the last complete month of the data) <date>",
        ),
        _p(
            "supplier_otif.level",
            "str",
            "line",
            "supplier OTIF counted per PO line or per order {line, order}",
        ),
        _p(
            "supplier_otif.reference",
            "str",
            "promised",
            "due date: supplier-confirmed promise or our request date {promised, requested}",
        ),
        _p("supplier_otif.early_days", "int", 3, "days early still counted on time [0, ]"),
        _p("supplier_otif.late_days", "int", 0, "days late still counted on time [0, ]"),
        _p(
            "supplier_otif.in_full_tolerance",
            "float",
            0.0,
            "share short still counted in full (0.02 = 2%) [0, 0.5]",
        ),
        _p(
            "customer_otif.level",
            "str",
            "line",
            "customer OTIF counted per order line or per order {line, order}",
        ),
        _p(
            "customer_otif.reference",
            "str",
            "requested",
            "due date: the customer's requested date or our promise {requested, promised}",
        ),
        _p("customer_otif.early_days", "int", 30, "days early still counted on time [0, ]"),
        _p("customer_otif.late_days", "int", 0, "days late still counted on time [0, ]"),
        _p(
            "customer_otif.in_full_tolerance",
            "float",
            0.0,
            "share short still counted in full [0, 0.5]",
        ),
        _p(
            "inventory.valuation",
            "str",
            "standard_cost",
            "stock valued at the item master's standard cost or at the cost "
            "recorded in each stock snapshot {standard_cost, snapshot_cost}",
        ),
        _p(
            "forecast_accuracy.level",
            "str",
            "item",
            "level at which forecasts and actuals are compared {item, item_location, category, total}",
        ),
        _p(
            "forecast_accuracy.lag",
            "int",
            1,
            "forecast lag measured: periods between forecast and target [0, 24]",
        ),
        _p(
            "forecast_accuracy.floor_at_zero",
            "bool",
            True,
            "accuracy = max(0, 1 - WMAPE) when true, 1 - WMAPE (may be negative) when false",
        ),
        _p(
            "targets",
            "dict",
            {k: v.target for k, v in KPIS.items() if v.target is not None},
            "target per KPI {" + ", ".join(KPIS) + "} [0, ]",
            item_type="float",
        ),
        _p(
            "forecast_accuracy.abc_targets",
            "dict",
            {"A": 0.75, "B": 0.65, "C": 0.5},
            "forecast accuracy target per ABC class {A, B, C} [0, 1]",
            item_type="float",
        ),
        _p(
            "amber_band",
            "float",
            0.05,
            "relative distance to a target shown amber (close) [0, 0.5]",
        ),
        _p(
            "segmentation.abc_cutoffs",
            "list",
            [0.8, 0.95],
            "cumulative shares of annual consumption value closing ABC classes A and B "
            "(80/15/5), the one ABC classification of every inventory report [0, 1]",
            item_type="float",
        ),
        _p(
            "segmentation.abc_crossing",
            "str",
            "higher",
            "ABC class of the item whose value crosses a cut-off {higher, lower}",
        ),
        _p(
            "service_targets.abc",
            "dict",
            {"A": 0.98, "B": 0.95, "C": 0.90},
            "service target per ABC class {A, B, C} [0.5, 0.9999]",
            item_type="float",
        ),
        _p(
            "service_targets.tier",
            "dict",
            {"platinum": 0.98, "gold": 0.95, "standard": 0.92},
            "service target per customer tier {platinum, gold, standard} [0.5, 0.9999]",
            item_type="float",
        ),
        _p(
            "supplier_sla.otif",
            "dict",
            {"platinum": 0.97, "gold": 0.95, "standard": 0.90},
            "supplier OTIF agreed per customer segment (tier) served {platinum, gold, standard} "
            "[0.5, 1]",
            item_type="float",
        ),
        _p(
            "supplier_sla.penalty_rate",
            "float",
            0.01,
            "service credit per OTIF point below the segment SLA, as a share of the segment's "
            "spend (0.01 = 1% per point) [0, 0.2]",
        ),
        _p(
            "supplier_sla.penalty_cap",
            "float",
            0.05,
            "largest service credit, share of spend [0, 1]",
        ),
        _p(
            "supplier_sla.reward_rate",
            "float",
            0.005,
            "bonus per OTIF point above the segment SLA, as a share of the segment's spend [0, 0.2]",
        ),
        _p("supplier_sla.reward_cap", "float", 0.02, "largest bonus, share of spend [0, 1]"),
        _p(
            "supplier_sla.critical_segments",
            "list",
            ["platinum"],
            "customer segments whose single-source items are dependencies to manage "
            "{platinum, gold, standard}",
            item_type="str",
        ),
        _p(
            "supplier_sla.surge",
            "float",
            1.5,
            "an order above this multiple of the item's median quantity tests a supplier's "
            "volume flexibility [1.1, 10]",
        ),
        _p(
            "supplier_sla.lead_time_cv_max",
            "float",
            0.3,
            "largest lead-time coefficient of variation counted as reliable in supplier tiers "
            "[0, 2]",
        ),
        _p(
            "supplier_sla.flexibility_min",
            "float",
            0.9,
            "in-full rate on surge orders counted as flexible in supplier tiers [0, 1]",
        ),
        _p(
            "spend.classification_rules",
            "str",
            "data/reference/spend_rules.csv",
            "keyword rules giving a category to invoice lines that record none, in every spend "
            "report; relative paths from the project root (empty: no rules, such lines are "
            "Unclassified) <file>",
        ),
    ]
}
SECTIONS = sorted({name.split(".")[0] for name in SCHEMA if "." in name})


def default_path() -> Path:
    """The settings file in force: ``$SCM_SETTINGS`` or ``parameters/company.yaml``."""
    env = os.environ.get(ENV_VAR)
    return Path(env).expanduser() if env else parameters_dir() / "company.yaml"


def _flatten(raw: Mapping[str, Any], where: str) -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in raw.items():
        key = str(key)
        if key in SCHEMA:
            flat[key] = value
        elif key in SECTIONS:
            if not isinstance(value, Mapping):
                raise ParameterError(
                    f"{where}: setting '{key}' must be a section of key: value lines, got {value!r}"
                )
            for sub, v in value.items():
                name = f"{key}.{sub}"
                if name not in SCHEMA:
                    known = [n.split(".", 1)[1] for n in SCHEMA if n.startswith(key + ".")]
                    raise ParameterError(
                        f"{where}: unknown setting '{name}'{did_you_mean(str(sub), known)}; "
                        f"section '{key}' has {', '.join(known)}"
                    )
                flat[name] = v
        else:
            raise ParameterError(
                f"{where}: unknown setting '{key}'{did_you_mean(key, [*SECTIONS, *SCHEMA])}; "
                f"`scm settings show` lists every setting"
            )
    return flat


def _validate(flat: Mapping[str, Any], where: str) -> dict[str, Any]:
    out = {}
    for name, value in flat.items():
        param = SCHEMA[name]
        value = validate_value(param, coerce_value(param, value, where), where)
        if param.type == "dict" and isinstance(param.default, dict):
            value = {**param.default, **value}  # a file may set some targets and keep the others
        out[name] = value
    return out


@dataclass(frozen=True)
class Settings:
    """Validated company settings with the file they came from and any per-run overrides."""

    values: Mapping[str, Any]
    source: str = "built-in defaults"
    file_values: Mapping[str, Any] = field(default_factory=dict)

    def __getitem__(self, name: str) -> Any:
        if name not in SCHEMA:
            raise KeyError(f"unknown setting '{name}'{did_you_mean(name, SCHEMA)}")
        return self.values[name]

    def section(self, name: str) -> dict[str, Any]:
        """The settings of one section as ``{key: value}`` (e.g. ``supplier_otif``)."""
        return {k.split(".", 1)[1]: v for k, v in self.values.items() if k.startswith(name + ".")}

    def target(self, kpi: str) -> float | None:
        """The company target of a KPI (None when it has none)."""
        return self.values["targets"].get(kpi)

    def with_overrides(self, where: str = "notebook parameter", **overrides: Any) -> Settings:
        """A copy with per-run overrides (``None`` values are ignored: the company setting holds).

        Keyword names use ``__`` for the dot: ``supplier_otif__level="order"``.
        """
        flat = {k.replace("__", "."): v for k, v in overrides.items() if v is not None}
        for name in flat:
            if name not in SCHEMA:
                raise ParameterError(
                    f"{where}: unknown setting '{name}'{did_you_mean(name, SCHEMA)}"
                )
        values = dict(self.values)
        for name, value in _validate(flat, where).items():
            # a dict override (targets, service targets) changes the keys it names, keeps the others
            values[name] = {**self.values[name], **value} if isinstance(value, dict) else value
        return Settings(values, self.source, self.file_values)

    def differences(self) -> dict[str, str]:
        """Settings of this run that differ from the company file, as display text."""
        return {k: _show(v) for k, v in self.values.items() if self.file_values.get(k) != v}

    def describe(self) -> dict[str, str]:
        """Every setting as display text, for ``scm settings show`` and report appendices."""
        return {k: _show(v) for k, v in self.values.items()}


def _show(value: Any) -> str:
    if isinstance(value, dict):
        return ", ".join(f"{k} {_show(v)}" for k, v in value.items())
    if isinstance(value, float):
        return f"{value:g}"
    return str(value) if value != "" else "(empty)"


def load_settings(path: str | Path | None = None) -> Settings:
    """Read and validate a settings file (default: :func:`default_path`); a missing default file
    means the built-in defaults, a missing explicit file is an error."""
    explicit = path is not None or bool(os.environ.get(ENV_VAR))
    p = Path(path).expanduser() if path is not None else default_path()
    defaults = {name: param.default for name, param in SCHEMA.items()}
    if not p.is_file():
        if explicit:
            raise ParameterError(f"company settings file not found: {p.resolve()}")
        return Settings(defaults, "built-in defaults", defaults)
    where = str(p.resolve())
    values = {**defaults, **_validate(_flatten(load_parameter_file(p), where), where)}
    return Settings(values, where, dict(values))


_CACHE: dict[str, Settings] = {}


def company_settings(path: str | Path | None = None) -> Settings:
    """The company settings in force (cached per file for a notebook's lifetime)."""
    p = str(Path(path).expanduser().resolve()) if path else str(default_path().resolve())
    if p not in _CACHE:
        _CACHE[p] = load_settings(path)
    return _CACHE[p]
