"""Batch runs: one run per entity (``scm run supplier_qbr --each supplier_id --top 20``).

A notebook that can run once per entity declares it in its metadata,
``scm.each = {"supplier_id": "scmlib.suppliers.qbr:qbr_candidates"}``: the parameter that picks
the entity and a function ``candidates(data) -> list`` that ranks the entities from the
notebook's declared tables (``data`` maps table name to frame), most important first. The
runner loads the tables once, takes the first ``top`` candidates and plans one run each with
the parameter set to the entity; the parameter set's name becomes ``supplier_id=S0001`` (or
``<set>.supplier_id=S0001``), so each run has its own folder and the index groups them under
the notebook.
"""

from __future__ import annotations

import dataclasses
import importlib
import re
from collections.abc import Callable
from typing import Any

from scmlib.errors import ParameterError
from scmlib.runner.catalog import get_spec, notebook_specs

DEFAULT_TOP = 10


def candidates_function(name: str, parameter: str) -> Callable[[Any], list]:
    """The ranking function notebook ``name`` declares for batch runs over ``parameter``."""
    each = get_spec(name).each
    if parameter not in each:
        batchable = sorted(
            f"{n} (--each {', '.join(s.each)})" for n, s in notebook_specs().items() if s.each
        )
        raise ParameterError(
            f"command line: {name} cannot run once per '{parameter}'; "
            + (
                f"notebooks with batch runs: {', '.join(batchable)}"
                if batchable
                else "no notebook has batch runs"
            )
        )
    target = str(each[parameter])
    module, _, func = target.partition(":")
    if not module.startswith("scmlib.") or not func:
        raise ParameterError(
            f"notebook {name}: metadata each.{parameter} must name a function 'scmlib.<module>:<function>', got {target!r}"
        )
    return getattr(importlib.import_module(module), func)


def _safe(value: Any) -> str:
    """An entity id as it can stand in a folder name."""
    return re.sub(r"[^A-Za-z0-9_.=-]+", "_", str(value))[:60]


def expand_each(jobs: list, parameter: str, top: int | None = None) -> list:
    """One job per top-ranked entity for every job, with ``parameter`` set to the entity.

    Raises :class:`ParameterError` when a notebook has no batch runs over ``parameter``, when
    the parameter is also set by the user, or when ``top`` is not a positive whole number; a
    data problem while ranking is the loader's one-line :class:`~scmlib.errors.DataError`."""
    from scmlib.data import load_data

    top = DEFAULT_TOP if top is None else top
    if not isinstance(top, int) or top < 1:
        raise ParameterError(f"command line: --top must be a whole number >= 1, got {top!r}")
    out = []
    for job in jobs:
        rank = candidates_function(job.name, parameter)
        if job.parameters.get(parameter) not in (None, ""):
            raise ParameterError(
                f"command line: {parameter} is set to {job.parameters[parameter]!r} and --each "
                f"{parameter} runs one report per {parameter}: drop one of them"
            )
        tables = get_spec(job.name).tables
        data = load_data(
            job.data_source,
            tables=tables.get("required", []),
            optional=tables.get("optional", []),
            column_map=job.parameters.get("column_map") or {},
            read_options=job.parameters.get("read_options") or {},
            relaxed=tables.get("relaxed", {}),
        )
        chosen = list(rank(data))[:top]
        if not chosen:
            raise ParameterError(
                f"{job.name}: no {parameter} to run for in this data source (the ranking is empty)"
            )
        prefix = "" if job.parameter_set == "default" else f"{job.parameter_set}."
        for value in chosen:
            out.append(
                dataclasses.replace(
                    job,
                    parameters={**job.parameters, parameter: value},
                    parameter_set=f"{prefix}{parameter}={_safe(value)}",
                    batch={"parameter": parameter, "value": str(value)},
                )
            )
    return out
