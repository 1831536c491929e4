"""Supplier onboarding: the funnel through the onboarding steps (documentation, capability
assessment, compliance verification, system setup), cycle time per step and the bottleneck,
missing and expiring documents and certificates, watch-list flags, and suppliers stuck.

The bottleneck is the step with the longest median cycle time among completed steps: with
suppliers entering at a steady rate, the work waiting at a step grows with its time per
supplier (Little's law, L = lambda x W; Little 1961), so the slowest step sets the pace of the
whole process (Goldratt's theory of constraints).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from scmlib.core.frames import require_columns
from scmlib.core.text import plural
from scmlib.errors import DataError, ParameterError

OPEN = ("in_progress", "blocked")


def check_steps(steps: pd.DataFrame) -> pd.DataFrame:
    """The steps table checked: completed steps have a completion date not before their start
    (one-line :class:`~scmlib.errors.DataError` with example rows otherwise)."""
    require_columns(steps, ["supplier_id", "step", "step_order", "status"], "onboarding_steps")
    s = steps.copy()
    for col in ("started", "completed"):
        if col not in s:
            s[col] = pd.NaT
    back = s[s["completed"].notna() & s["started"].notna() & (s["completed"] < s["started"])]
    if len(back):
        ex = ", ".join(f"{a}/{b}" for a, b in back[["supplier_id", "step"]].head(3).to_numpy())
        raise DataError(
            f"onboarding_steps: column 'completed' is before 'started' in {len(back)} row(s), "
            f"e.g. {ex}: correct the dates"
        )
    undated = s[(s["status"] == "completed") & s["completed"].isna()]
    if len(undated):
        ex = ", ".join(f"{a}/{b}" for a, b in undated[["supplier_id", "step"]].head(3).to_numpy())
        raise DataError(
            f"onboarding_steps: {len(undated)} completed step(s) have no 'completed' date, e.g. "
            f"{ex}: add the date or set the status to in_progress"
        )
    return s


def _order(steps: pd.DataFrame) -> list[str]:
    return list(steps.groupby("step")["step_order"].min().sort_values().index)


def funnel(steps: pd.DataFrame) -> pd.DataFrame:
    """Suppliers per step in onboarding order: ``reached`` (started), ``completed``,
    ``in_progress``, ``blocked``, ``conversion`` = completed / reached and ``share`` of all
    suppliers in onboarding that completed the step."""
    s = steps
    total = s["supplier_id"].nunique()
    st = s["status"]
    g = pd.DataFrame(
        {
            "reached": (st != "not_started").groupby(s["step"]).sum(),
            "completed": (st == "completed").groupby(s["step"]).sum(),
            "in_progress": (st == "in_progress").groupby(s["step"]).sum(),
            "blocked": (st == "blocked").groupby(s["step"]).sum(),
        }
    ).reindex(_order(s))
    g["conversion"] = g["completed"] / g["reached"].where(g["reached"] > 0)
    g["share"] = g["completed"] / total if total else np.nan
    return g.rename_axis("step").reset_index()


def cycle_times(steps: pd.DataFrame, as_of) -> pd.DataFrame:
    """Per step: completed steps and their cycle time (completed - started, days: median, mean,
    90th percentile), and the steps open at ``as_of`` with their median age so far."""
    s = steps
    done = s[(s["status"] == "completed") & s["started"].notna()]
    days = (done["completed"] - done["started"]).dt.days
    g = days.groupby(done["step"])
    open_ = s[s["status"].isin(OPEN) & s["started"].notna()]
    age = (pd.Timestamp(as_of) - open_["started"]).dt.days
    out = pd.DataFrame(
        {
            "completed": g.size(),
            "median_days": g.median(),
            "mean_days": g.mean(),
            "p90_days": g.quantile(0.9),
            "open": age.groupby(open_["step"]).size(),
            "open_median_age_days": age.groupby(open_["step"]).median(),
        }
    ).reindex(_order(s))
    out[["completed", "open"]] = out[["completed", "open"]].fillna(0).astype(int)
    return out.rename_axis("step").reset_index()


def bottleneck(cycle: pd.DataFrame) -> str | None:
    """The step with the longest median cycle time (ties: the most suppliers waiting there);
    None when no step has been completed."""
    c = cycle.dropna(subset=["median_days"])
    if c.empty:
        return None
    return str(c.sort_values(["median_days", "open"], ascending=False).iloc[0]["step"])


def document_status(
    docs: pd.DataFrame | None,
    as_of,
    horizon_days: int = 60,
    steps: pd.DataFrame | None = None,
    suppliers: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Documents needing attention at ``as_of``: ``missing`` (not received), ``expired`` (expiry
    before ``as_of``) or ``expiring`` (within ``horizon_days``), with days to expiry (negative:
    expired). ``group`` says whose they are: ``onboarding`` (a supplier in ``steps``) or
    ``active supplier``; ``name`` comes from the onboarding steps' ``supplier_name`` or the
    supplier master. ``due`` is the date the document is needed by: its expiry, or for a
    missing one the start of the onboarding step that needs it (empty when that step has not
    started); ``step_passed`` marks a missing document whose step is already completed (the
    step was passed without it); ``action`` says it in words. Onboarding suppliers first, then
    expired, missing, expiring.

    >>> docs = pd.DataFrame({"supplier_id": ["N1", "S1"], "document": ["ISO", "ISO"],
    ...     "received": pd.to_datetime(["2026-01-01", None]), "end_date": pd.NaT})
    >>> steps = pd.DataFrame({"supplier_id": ["N1"], "supplier_name": ["New Co"]})
    >>> sup = pd.DataFrame({"supplier_id": ["S1"], "name": ["Old Co"]})
    >>> d = document_status(docs, "2026-02-01", 60, steps, sup)
    >>> d[["supplier_id", "name", "group", "issue", "action"]].values.tolist()
    [['S1', 'Old Co', 'active supplier', 'missing', 'missing: request it']]
    """
    cols = ["supplier_id", "name", "group", "document", "step", "received", "expiry", "issue"]
    cols += ["days_to_expiry", "due", "step_passed", "action"]
    if horizon_days < 0:
        raise ParameterError(f"expiry horizon must be >= 0 days, got {horizon_days}")
    if docs is None or docs.empty:
        return pd.DataFrame(columns=cols)
    d = docs.rename(columns={"end_date": "expiry"})  # the table's end_date: valid until
    for col in ("received", "expiry", "step"):
        if col not in d:
            d[col] = pd.NaT if col != "step" else None
    as_of = pd.Timestamp(as_of)
    d["days_to_expiry"] = (d["expiry"] - as_of).dt.days
    d["issue"] = np.select(
        [d["received"].isna(), d["days_to_expiry"] < 0, d["days_to_expiry"] <= horizon_days],
        ["missing", "expired", "expiring"],
        "",
    )
    names = pd.Series(dtype=object)
    if suppliers is not None and "name" in suppliers:
        names = suppliers.drop_duplicates("supplier_id").set_index("supplier_id")["name"]
    onboarding = set()
    if steps is not None and len(steps):
        onboarding = set(steps["supplier_id"])
        if "supplier_name" in steps:
            new = steps.drop_duplicates("supplier_id").set_index("supplier_id")["supplier_name"]
            names = new.combine_first(names)
    d["name"] = d["supplier_id"].map(names)
    d["group"] = np.where(d["supplier_id"].isin(onboarding), "onboarding", "active supplier")
    d["due"] = d["expiry"].where(d["issue"] != "missing", _step_start(d, steps))
    # a step passed although a document it requires is missing: a control gap, not a to-do
    d["step_passed"] = (d["issue"] == "missing") & (_step_status(d, steps) == "completed")
    d["action"] = [
        _action(i, st, due, n, ok)
        for i, st, due, n, ok in zip(
            d["issue"], d["step"], d["due"], d["days_to_expiry"], d["step_passed"]
        )
    ]
    out = d[d["issue"] != ""].copy()
    out["_g"] = (out["group"] != "onboarding").astype(int)
    out["_o"] = out["issue"].map({"expired": 0, "missing": 1, "expiring": 2})
    out = out.sort_values(["_g", "_o", "days_to_expiry", "supplier_id"])
    return out[cols].reset_index(drop=True)


def _step_start(docs: pd.DataFrame, steps: pd.DataFrame | None) -> pd.Series:
    """The start of the onboarding step each document row is needed for (NaT if none)."""
    if steps is None or not len(steps) or "started" not in steps or "step" not in steps:
        return pd.Series(pd.NaT, index=docs.index, dtype="datetime64[ns]")
    start = steps.set_index(["supplier_id", "step"])["started"]
    start = start[~start.index.duplicated()]
    keys = pd.MultiIndex.from_arrays([docs["supplier_id"], docs["step"].astype(object)])
    return pd.Series(start.reindex(keys).to_numpy(), index=docs.index, dtype="datetime64[ns]")


def _step_status(docs: pd.DataFrame, steps: pd.DataFrame | None) -> pd.Series:
    """The onboarding status of the step each document row is needed for (None if none)."""
    if steps is None or not len(steps) or "status" not in steps or "step" not in steps:
        return pd.Series(None, index=docs.index, dtype=object)
    status = steps.set_index(["supplier_id", "step"])["status"]
    status = status[~status.index.duplicated()]
    keys = pd.MultiIndex.from_arrays([docs["supplier_id"], docs["step"].astype(object)])
    return pd.Series(status.reindex(keys).to_numpy(), index=docs.index, dtype=object)


def _action(issue: str, step, due, days, passed: bool = False) -> str:
    """A document's status in words, with the date it is due by."""
    when = f"{pd.Timestamp(due):%Y-%m-%d}" if pd.notna(due) else ""
    if issue == "expired":
        return f"expired on {when} ({-int(days):,} days ago): renew"
    if issue == "expiring":
        return f"expires on {when} (in {int(days):,} days): renew before then"
    if issue == "missing":
        what = str(step).replace("_", " ") if isinstance(step, str) and step else ""
        if passed:
            return f"missing although {what} is completed: get it before activation"
        if what and when:
            return f"missing: needed for {what}, started {when}"
        return f"missing: needed for {what}" if what else "missing: request it"
    return ""


def documents_by_supplier(docs: pd.DataFrame) -> pd.Series:
    """Per supplier, the documents needing attention in one line (``document: action``, from
    :func:`document_status`), indexed by ``supplier_id``.

    >>> d = pd.DataFrame({"supplier_id": ["A", "A"], "document": ["ISO", "Bank form"],
    ...     "action": ["expires on 2026-03-01 (in 28 days): renew before then", "missing"]})
    >>> documents_by_supplier(d)["A"]
    'ISO: expires on 2026-03-01 (in 28 days): renew before then; Bank form: missing'
    """
    if docs is None or docs.empty:
        return pd.Series(dtype=object)
    text = docs["document"].astype(str) + ": " + docs["action"].astype(str)
    return text.groupby(docs["supplier_id"], sort=False).agg("; ".join)


def with_documents(frame: pd.DataFrame, docs: pd.DataFrame) -> pd.DataFrame:
    """``frame`` (one row per supplier) with a ``documents`` column: the supplier's missing,
    expired and expiring documents and by when (:func:`documents_by_supplier`), or "none
    outstanding"."""
    out = frame.copy()
    out["documents"] = out["supplier_id"].map(documents_by_supplier(docs))
    out["documents"] = out["documents"].fillna("none outstanding")
    return out


def compliance_flags(steps: pd.DataFrame) -> pd.DataFrame:
    """Suppliers found on a sanctions or watch list at screening (``watch_list_flag`` true), with
    the detail recorded and the step's status."""
    cols = ["supplier_id", "supplier_name", "step", "status", "flag_detail"]
    if "watch_list_flag" not in steps:
        return pd.DataFrame(columns=cols)
    hit = steps[steps["watch_list_flag"].astype("boolean").fillna(False)]
    return hit[[c for c in cols if c in hit]].reset_index(drop=True)


def stuck_suppliers(steps: pd.DataFrame, as_of, threshold_days: int) -> pd.DataFrame:
    """Suppliers whose current step (the first one not completed) has been open longer than
    ``threshold_days`` at ``as_of``: ``supplier_id, supplier_name, step, status, started,
    days_open, days_in_onboarding``, longest first."""
    if threshold_days < 1:
        raise ParameterError(f"stuck threshold must be >= 1 day, got {threshold_days}")
    s = steps
    pending = s[s["status"] != "completed"].sort_values("step_order")
    current = pending.drop_duplicates("supplier_id")
    current = current[current["status"].isin(OPEN) & current["started"].notna()].copy()
    as_of = pd.Timestamp(as_of)
    current["days_open"] = (as_of - current["started"]).dt.days
    first = s.groupby("supplier_id")["started"].min()
    current["days_in_onboarding"] = (as_of - current["supplier_id"].map(first)).dt.days
    out = current[current["days_open"] > threshold_days]
    cols = ["supplier_id", "supplier_name", "step", "status", "started", "days_open"]
    cols.append("days_in_onboarding")
    out = out.sort_values("days_open", ascending=False)
    return out[[c for c in cols if c in out]].reset_index(drop=True)


def summary_points(
    steps: pd.DataFrame,
    fun: pd.DataFrame,
    cycle: pd.DataFrame,
    neck: str | None,
    docs: pd.DataFrame,
    flags: pd.DataFrame,
    stuck: pd.DataFrame,
    threshold_days: int,
) -> list[str]:
    """The executive summary of the onboarding report, from its tables."""
    n = steps["supplier_id"].nunique()
    last = fun.iloc[-1] if len(fun) else None
    done = int(last["completed"]) if last is not None else 0
    pts = [
        f"{n:,} suppliers in onboarding: {done:,} have completed every step"
        + (f" (the last, {str(last['step']).replace('_', ' ')})" if last is not None else "")
        + f", {n - done:,} are still going through it."
    ]
    if neck is not None:
        row = cycle.set_index("step").loc[neck]
        pts.append(
            f"Bottleneck: {neck.replace('_', ' ')}, median {_days(row['median_days'])} days per supplier "
            f"({int(row['open']):,} waiting there now)."
        )
    pts.append(
        f"{len(stuck):,} suppliers are stuck: their current step has been open more than "
        f"{threshold_days} days."
    )
    for group, who in (
        ("onboarding", "suppliers in onboarding"),
        ("active supplier", "active suppliers"),
    ):
        mine = docs[docs["group"] == group] if len(docs) else docs
        if not len(mine):
            continue
        counts = mine["issue"].value_counts()
        worst = mine[mine["issue"] == "expired"].sort_values("days_to_expiry").head(1)
        example = (
            f" (longest expired: {worst['name'].fillna(worst['supplier_id']).iloc[0]}, "
            f"{worst['document'].iloc[0]} since {pd.Timestamp(worst['expiry'].iloc[0]):%d %b %Y})"
            if len(worst)
            else ""
        )
        pts.append(
            f"Documents of {who}: {int(counts.get('missing', 0)):,} missing, "
            f"{int(counts.get('expired', 0)):,} expired and {int(counts.get('expiring', 0)):,} "
            f"expiring soon{example}."
        )
    passed = (
        docs[docs["step_passed"].astype(bool)]
        if len(docs) and "step_passed" in docs
        else docs.iloc[:0]
    )
    if len(passed):
        pts.append(
            f"{plural(passed['supplier_id'].nunique(), 'supplier')} passed a step without a "
            f"document it requires ({', '.join(passed['supplier_id'].drop_duplicates().head(5))}): "
            "a control gap to close before activation."
        )
    pts.append(
        f"{len(flags):,} supplier{'s' * (len(flags) != 1)} flagged on a sanctions or watch list "
        "at screening"
        + (": do not activate them before compliance clears the match." if len(flags) else ".")
    )
    return pts


def _days(value: float) -> str:
    """A median in days as the cycle-time table shows it: 16, 15.5."""
    return f"{value:,.1f}".removesuffix(".0")


def appendix(threshold_days: int, horizon_days: int) -> dict[str, str]:
    """The method appendix of the onboarding report."""
    return {
        "Funnel": "Reached = the step has started; conversion = completed / reached; share = "
        "completed / all suppliers in onboarding.",
        "Cycle time": "Completed - started, in days, for completed steps (median, mean, 90th "
        "percentile); open steps by their age so far.",
        "Bottleneck": "The step with the longest median cycle time: at a steady intake the work "
        "waiting at a step grows with its time per supplier (Little's law, Little 1961), so the "
        "slowest step paces the process (Goldratt, theory of constraints).",
        "Documents": f"Missing = not received; expired = expiry before the report date; "
        f"expiring = within {horizon_days} days.",
        "Compliance": "Watch-list and sanctions screening results as recorded on the steps "
        "(watch_list_flag, flag_detail); this report does not screen names itself.",
        "Stuck": f"The supplier's first step not completed has been open more than "
        f"{threshold_days} days.",
    }


def report_date(steps: pd.DataFrame, docs: pd.DataFrame | None, as_of: str = "", company_as_of=""):
    """The date the report is as of: ``as_of`` when given, else the company ``calendar.as_of``,
    else the latest start, completion or document receipt date in the data."""
    for v in (as_of, company_as_of):
        if v:
            return pd.Timestamp(v).normalize()
    dates = [steps[c] for c in ("started", "completed") if c in steps]
    if docs is not None and "received" in docs:
        dates.append(docs["received"])
    d = pd.concat(dates).dropna() if dates else pd.Series(dtype="datetime64[ns]")
    if d.empty:
        raise DataError(
            "onboarding_steps: no 'started' or 'completed' date to date the report; "
            "set the as_of parameter"
        )
    return d.max().normalize()


def readable(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with step and status codes as words (``capability_assessment`` -> ``capability
    assessment``) for display."""
    out = frame.copy()
    for col in ("step", "status", "issue"):
        if col in out:
            out[col] = out[col].astype("string").str.replace("_", " ", regex=False)
    return out
