"""Supplier performance: OTIF (with its definition as parameters), lead time, quality (PPM),
price variance, responsiveness and sustainability, a weighted score with grades, trends
with a statistical deterioration flag, and corrective-action tracking.

OTIF follows the common definition (e.g. APICS/ASCM Dictionary, "on time in full"): a
line is on time when it arrives within ``[due - early_days, due + late_days]`` and in full
when the quantity received is at least ``(1 - in_full_tolerance)`` of the quantity ordered;
at order level an order is OTIF when every line is. When an input is missing (no received
quantity, say) the function computes what it can and reports why the rest is unavailable.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
from scipy import stats

from scmlib.core.delivery import otif  # noqa: F401  (one OTIF for the suite; re-exported)
from scmlib.core.frames import require_columns
from scmlib.errors import ParameterError

DEFAULT_WEIGHTS = {
    "otif": 0.35,
    "quality": 0.25,
    "cost": 0.15,
    "responsiveness": 0.15,
    "sustainability": 0.10,
}
DEFAULT_BANDS = {"A": 85.0, "B": 70.0, "C": 55.0}
# what a grade means, in the words a profile tile and the appendix use
GRADE_WORDS = {"A": "excellent", "B": "good", "C": "needs improvement", "D": "poor"}
# the score dimensions in words (reasons, appendix)
DIMENSION_WORDS = {
    "otif": "delivery (OTIF)",
    "quality": "quality (PPM)",
    "cost": "cost (price change)",
    "responsiveness": "responsiveness (assessment)",
    "sustainability": "sustainability (assessment)",
}


def supplier_metrics(
    po: pd.DataFrame,
    quality: pd.DataFrame | None,
    assessments: pd.DataFrame | None,
    start: pd.Timestamp,
    end: pd.Timestamp,
    otif_kw: Mapping | None = None,
    ppm_limit: float = 10_000.0,
) -> tuple[pd.DataFrame, dict[str, str]]:
    """Per supplier over [start, end]: otif, on_time, in_full, lines, lead time (mean, std days),
    ppm, rejection rate, price change vs the prior 12 months, responsiveness and sustainability
    (latest assessment, 1-5), spend. Returns (metrics, unavailable).

    Optional inputs may be absent or empty: without receipts (``receipt_date`` / ``received_qty``
    missing or all empty) OTIF is NaN, unavailable and never counted as missed; without
    ``order_date`` lead time and price change are NaN; each such gap is named in ``unavailable``."""
    require_columns(
        po,
        ["supplier_id", "promised_date", "ordered_qty", "unit_price"],
        "supplier metrics: purchase_order_lines",
    )
    otif_kw = dict(otif_kw or {})
    period = po[(po["promised_date"] >= start) & (po["promised_date"] <= end)]
    flags, unavailable = otif(period, **otif_kw)
    g = flags.groupby("supplier_id")
    out = pd.DataFrame(
        {
            "lines": g.size(),
            "on_time": g["on_time"].mean(),
            "in_full": g["in_full"].mean(),
            "otif": g["otif"].mean(),
        }
    )
    dated = [c for c in ("receipt_date", "order_date") if c in period.columns]
    rec = period.dropna(subset=dated) if len(dated) == 2 else period.iloc[:0]
    if len(rec):
        lt = (rec["receipt_date"] - rec["order_date"]).dt.days
        out["lead_time_days"] = lt.groupby(rec["supplier_id"]).mean()
        out["lead_time_std_days"] = lt.groupby(rec["supplier_id"]).std()
    else:  # no received line with its PO date: lead time unavailable, the rest still computed
        unavailable["lead_time"] = (
            "no PO line in the period has both a 'receipt_date' and an 'order_date'"
        )
        out["lead_time_days"] = np.nan
        out["lead_time_std_days"] = np.nan
    out["spend"] = (
        (period["ordered_qty"] * period["unit_price"]).groupby(period["supplier_id"]).sum()
    )
    if quality is not None and len(quality):
        q = quality[(quality["receipt_date"] >= start) & (quality["receipt_date"] <= end)]
        qg = q.groupby("supplier_id")
        out["ppm"] = (
            1e6
            * qg["rejected_qty"].sum()
            / qg["received_qty"].sum().where(qg["received_qty"].sum() > 0)
        )
        out["rejection_rate"] = (q["rejected_qty"] > 0).groupby(q["supplier_id"]).mean()
    else:
        unavailable["quality"] = "no quality_receipts table"
        out["ppm"] = np.nan
        out["rejection_rate"] = np.nan
    if "order_date" not in po.columns or po["order_date"].isna().all():
        unavailable["cost"] = (
            "no 'order_date': prices of the prior 12 months cannot be dated, so price variance "
            "cannot be measured"
        )
        out["price_change"] = np.nan
    elif "item_id" in po.columns and po["item_id"].notna().any():
        prior = po[
            (po["order_date"] < start) & (po["order_date"] >= start - pd.DateOffset(months=12))
        ].dropna(subset=["item_id"])
        cur = period.dropna(subset=["item_id"])
        # the supplier's own price: an exchange-rate move is not the supplier raising its price
        px = "unit_price_local" if "unit_price_local" in po.columns else "unit_price"
        base = (prior[px] * prior["ordered_qty"]).groupby(
            [prior["supplier_id"], prior["item_id"]]
        ).sum() / prior.groupby(["supplier_id", "item_id"])["ordered_qty"].sum()
        now = (cur[px] * cur["ordered_qty"]).groupby(
            [cur["supplier_id"], cur["item_id"]]
        ).sum() / cur.groupby(["supplier_id", "item_id"])["ordered_qty"].sum()
        w = cur.groupby(["supplier_id", "item_id"]).apply(
            lambda d: (d["unit_price"] * d["ordered_qty"]).sum(), include_groups=False
        )
        j = pd.DataFrame({"base": base, "now": now, "w": w}).dropna()
        j["chg"] = j["now"] / j["base"] - 1
        out["price_change"] = (j["chg"] * j["w"]).groupby(level=0).sum() / j["w"].groupby(
            level=0
        ).sum()
    else:
        unavailable["cost"] = "no item-level PO prices: price variance cannot be measured"
        out["price_change"] = np.nan
    for crit in ("responsiveness", "sustainability"):
        if (
            assessments is not None
            and len(assessments)
            and (assessments["criterion"] == crit).any()
        ):
            a = assessments[
                (assessments["criterion"] == crit) & (assessments["assessment_date"] <= end)
            ].sort_values("assessment_date")
            out[crit] = a.groupby("supplier_id")["score"].last()
        else:
            unavailable[crit] = f"no '{crit}' assessments"
            out[crit] = np.nan
    out = out[out["lines"] > 0]
    return out.reset_index(), unavailable


def score(
    metrics: pd.DataFrame,
    weights: Mapping[str, float] = DEFAULT_WEIGHTS,
    bands: Mapping[str, float] = DEFAULT_BANDS,
    ppm_limit: float = 10_000.0,
    price_limit: float = 0.10,
    min_lines: int = 1,
    min_measured_weight: float = 0.6,
    otif_target: float | None = None,
) -> pd.DataFrame:
    """Dimension scores (0-100), weighted overall score and grade.

    otif: OTIF x 100 (the on-time rate when in-full cannot be measured); quality: 100 x max(0, 1 - PPM / ``ppm_limit``); cost: 100 x
    clip(1 - price change / ``price_limit``, 0, 1) (flat prices score 100; a rise of
    ``price_limit`` or more scores 0); responsiveness and sustainability: (score - 1) / 4 x 100.
    Missing data never improves a score: weights are renormalised only over the dimensions
    measured for at least one supplier in the run (a dimension the data holds for nobody is left
    out for everyone, so it favours no one), and a supplier missing a dimension that others have
    is not ranked or graded ("insufficient data: quality (PPM) not measured"), rather than having
    its other dimensions weighted up. A supplier is also not ranked when the dimensions measured
    carry less than ``min_measured_weight`` of the total weight (default 60%) or it has fewer than
    ``min_lines`` PO lines in the period; such suppliers get grade ``n/a`` and ``unscored_reason``.
    Grades: the first band whose threshold the score reaches (A >= 85, B >= 70, C >= 55, else D by
    default), except that a supplier below ``otif_target`` (the company OTIF target) never gets
    the top grade: it gets the next one and ``grade_capped_because`` says why, so a higher-ranked
    supplier graded below a lower-ranked one is explained in the table.
    """
    bad = set(weights) - set(DEFAULT_WEIGHTS)
    if bad:
        raise ParameterError(
            f"unknown score dimension(s) {sorted(bad)}; use {list(DEFAULT_WEIGHTS)}"
        )
    if any(w < 0 for w in weights.values()) or sum(weights.values()) <= 0:
        raise ParameterError(f"weights must be non-negative and not all zero, got {dict(weights)}")
    m = metrics.copy()
    s = pd.DataFrame(index=m.index)
    s["otif"] = 100 * (m["otif"].fillna(m["on_time"]) if "on_time" in m else m["otif"])
    s["quality"] = 100 * (1 - m["ppm"] / ppm_limit).clip(lower=0)
    s["cost"] = 100 * (1 - m["price_change"].clip(lower=0) / price_limit).clip(0, 1)
    s["responsiveness"] = (m["responsiveness"] - 1) / 4 * 100
    s["sustainability"] = (m["sustainability"] - 1) / 4 * 100
    w = pd.Series({k: float(weights.get(k, 0)) for k in DEFAULT_WEIGHTS})
    avail = s[w.index].notna()
    wsum = (avail * w).sum(axis=1)
    m["measured_weight"] = wsum / w.sum()
    m["score"] = (s[w.index].fillna(0) * w).sum(axis=1) / wsum.where(wsum > 0)
    few = m["lines"] < min_lines
    thin = m["measured_weight"] < min_measured_weight - 1e-9
    # dimensions measured for someone in this run but not for this supplier: insufficient data
    run_dims = [k for k in w.index if w[k] > 0 and avail[k].any()]
    gaps = pd.Series(
        [[DIMENSION_WORDS[k] for k in run_dims if not avail.at[i, k]] for i in m.index],
        index=m.index,
    )
    missing = gaps.map(bool)
    m["unscored_reason"] = np.where(
        few,
        f"fewer than {min_lines} PO lines in the period",
        np.where(
            thin,
            "only "
            + (100 * m["measured_weight"]).round().astype(int).astype(str)
            + f"% of the score weight measured (needs {min_measured_weight:.0%})",
            np.where(
                missing,
                "insufficient data: " + gaps.map(", ".join) + " not measured for this supplier",
                "",
            ),
        ),
    )
    m.loc[few | thin | missing, "score"] = np.nan
    for k in w.index:
        m[f"score_{k}"] = s[k]
    ordered = sorted(bands.items(), key=lambda kv: -kv[1])
    grade = pd.Series("D" if "D" not in bands else "E", index=m.index)
    for name, thr in reversed(ordered):
        grade = grade.where(~(m["score"] >= thr), name)
    if otif_target is not None and ordered:
        top = ordered[0][0]
        demote = ordered[1][0] if len(ordered) > 1 else ("D" if "D" not in bands else "E")
        below = m["otif"].notna() & (m["otif"] < otif_target)
        capped = below & (grade == top) & m["score"].notna()
        grade = grade.where(~capped, demote)  # no top grade below the OTIF target
        m["grade_capped_because"] = np.where(
            capped,
            "OTIF "
            + (100 * m["otif"]).map(lambda v: f"{v:.1f}%")
            + f" below the {100 * otif_target:g}% target: capped at {demote}",
            "",
        )
    else:
        m["grade_capped_because"] = ""
    m["grade"] = grade.where(m["score"].notna(), "n/a")
    m["rank"] = m["score"].rank(ascending=False, method="min").astype("Int64")
    return m.sort_values(["score", "spend"], ascending=False, na_position="last").reset_index(
        drop=True
    )


def trends(
    po: pd.DataFrame, quality: pd.DataFrame | None, freq: str = "M", otif_kw: Mapping | None = None
) -> pd.DataFrame:
    """Monthly (``M``) or quarterly (``Q``) OTIF and PPM per supplier."""
    flags, _ = otif(po, **dict(otif_kw or {}))
    flags["period"] = flags["promised_date"].dt.to_period(freq).dt.start_time
    t = (
        flags.groupby(["supplier_id", "period"])
        .agg(lines=("otif", "size"), otif=("otif", "mean"), on_time=("on_time", "mean"))
        .reset_index()
    )
    if quality is not None and len(quality):
        q = quality.assign(period=quality["receipt_date"].dt.to_period(freq).dt.start_time)
        qq = q.groupby(["supplier_id", "period"])[["rejected_qty", "received_qty"]].sum()
        qq["ppm"] = 1e6 * qq["rejected_qty"] / qq["received_qty"].where(qq["received_qty"] > 0)
        t = t.merge(qq[["ppm"]].reset_index(), on=["supplier_id", "period"], how="outer")
    return t.sort_values(["supplier_id", "period"]).reset_index(drop=True)


def deterioration(
    trend: pd.DataFrame,
    metric: str = "otif",
    last_periods: int = 12,
    alpha: float = 0.05,
    higher_is_better: bool = True,
) -> pd.DataFrame:
    """Mann-Kendall-style test per supplier: Kendall's tau between time and the metric over the
    last ``last_periods`` periods; deteriorating when p < ``alpha`` and the trend is adverse.
    Reference: Mann (1945), Kendall (1975); Hirsch et al. (1982) for monitoring use."""
    t = trend.dropna(subset=[metric])
    t = t[t["period"] > t["period"].max() - pd.DateOffset(months=last_periods)]

    def test(g: pd.DataFrame) -> pd.Series:
        if len(g) < 6 or g[metric].nunique() < 2:
            return pd.Series({"tau": np.nan, "p_value": np.nan, "periods": len(g)})
        tau, p = stats.kendalltau(np.arange(len(g)), g[metric].to_numpy())
        return pd.Series({"tau": tau, "p_value": p, "periods": len(g)})

    r = (
        t.groupby("supplier_id").apply(test, include_groups=False).reset_index()
    )  # one test per supplier
    adverse = r["tau"] < 0 if higher_is_better else r["tau"] > 0
    r["deteriorating"] = adverse & (r["p_value"] < alpha)
    r["metric"] = metric
    return r


def action_status(
    actions: pd.DataFrame | None, as_of: pd.Timestamp
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per supplier: open, overdue and closed actions; and the list of overdue actions
    (empty frames when there is no action table)."""
    if actions is None or actions.empty:
        return (
            pd.DataFrame(
                columns=["supplier_id", "open_actions", "overdue_actions", "closed_actions"]
            ),
            pd.DataFrame(
                columns=[
                    "action_id",
                    "supplier_id",
                    "issue",
                    "owner",
                    "opened",
                    "due",
                    "status",
                    "days_overdue",
                ]
            ),
        )
    a = actions.copy()
    a["is_open"] = a["status"] != "closed"
    a["overdue"] = a["is_open"] & (a["due"] < as_of)
    a["days_overdue"] = np.where(a["overdue"], (as_of - a["due"]).dt.days, 0)
    per = a.groupby("supplier_id").agg(
        open_actions=("is_open", "sum"),
        overdue_actions=("overdue", "sum"),
        closed_actions=("is_open", lambda s: int((~s).sum())),
    )
    overdue = a[a["overdue"]].sort_values("days_overdue", ascending=False)
    return per.reset_index(), overdue[
        ["action_id", "supplier_id", "issue", "owner", "opened", "due", "status", "days_overdue"]
    ].reset_index(drop=True)


def deterioration_all(
    trend: pd.DataFrame, last_periods: int = 12, alpha: float = 0.05
) -> pd.DataFrame:
    """:func:`deterioration` for every metric the trend frame holds: OTIF (or on-time when
    in-full is unavailable) and PPM. Empty frame with the same columns when none is available."""
    tests = []
    delivery = "otif" if "otif" in trend and trend["otif"].notna().any() else "on_time"
    for metric, higher_is_better in ((delivery, True), ("ppm", False)):
        if metric in trend and trend[metric].notna().any():
            tests.append(deterioration(trend, metric, last_periods, alpha, higher_is_better))
    if not tests:
        return pd.DataFrame(
            columns=["supplier_id", "tau", "p_value", "periods", "deteriorating", "metric"]
        )
    return pd.concat(tests, ignore_index=True)


# --------------------------------------------------------------------------- report building


def delivery_metric(frame: pd.DataFrame) -> str:
    """``otif`` when the frame holds any measured OTIF, else ``on_time`` (the delivery dimension
    falls back to the on-time rate when in-full cannot be measured, as in :func:`score`)."""
    return "otif" if "otif" in frame and frame["otif"].notna().any() else "on_time"


def target_flags(card: pd.DataFrame, targets: Mapping[str, float | None]) -> pd.DataFrame:
    """``card`` with ``meets_otif_target`` (OTIF >= target) and ``meets_ppm_target`` (PPM <= target)
    as nullable booleans: missing (``<NA>``, "not measured") where the metric is missing, so an
    unavailable metric is never counted as a missed target; missing too where no target is set."""
    out = card.copy()
    for col, metric, higher in (
        ("meets_otif_target", "otif", True),
        ("meets_ppm_target", "ppm", False),
    ):
        value, target = out[metric], targets.get(metric)
        if target is None or pd.isna(target):
            out[col] = pd.array([pd.NA] * len(out), dtype="boolean")
            continue
        meets = value >= target if higher else value <= target
        out[col] = meets.astype("boolean").where(value.notna(), pd.NA)
    return out


def spend_weighted_otif(card: pd.DataFrame) -> float:
    """OTIF averaged over suppliers weighted by their spend: sum(OTIF x spend) / sum(spend) over the
    suppliers whose OTIF is measured (NaN when none is). Not the company OTIF measure
    (:func:`scmlib.core.measures.supplier_otif` pools lines, so large-volume suppliers weigh by
    lines, not by money); reported beside it, labelled as spend-weighted."""
    m = card["otif"].notna() & card["spend"].notna()
    spend = float(card.loc[m, "spend"].sum())
    if not m.any() or spend <= 0:
        return float("nan")
    return float((card.loc[m, "otif"] * card.loc[m, "spend"]).sum() / spend)


def with_actions(card: pd.DataFrame, actions: pd.DataFrame) -> pd.DataFrame:
    """``card`` with the per-supplier action counts of :func:`action_status` (0 where none)."""
    cols = ["open_actions", "overdue_actions", "closed_actions"]
    out = card.drop(columns=[c for c in cols if c in card.columns]).merge(
        actions[["supplier_id", *cols]], on="supplier_id", how="left"
    )
    out[cols] = out[cols].fillna(0).astype(int)
    return out


def deteriorating_suppliers(det: pd.DataFrame, card: pd.DataFrame) -> pd.DataFrame:
    """The significant deterioration tests of :func:`deterioration_all`, with each supplier's name,
    spend, score and grade from the scorecard."""
    keep = [c for c in ("supplier_id", "name", "spend", "score", "grade") if c in card.columns]
    out = det[det["deteriorating"].astype(bool)].merge(card[keep], on="supplier_id", how="left")
    words = {"otif": "OTIF", "on_time": "on-time rate", "ppm": "PPM"}
    out["metric"] = out["metric"].map(words).fillna(out["metric"])
    return out.reset_index(drop=True)


def complete_periods(
    trend: pd.DataFrame, dates: pd.Series, partial: set, freq: str, end=None
) -> pd.DataFrame:
    """The rows of ``trend`` (periods of ``freq`` dated at their first day) whose every month is a
    complete month of ``dates``: inside the data's first and last month and not in ``partial``
    (:func:`scmlib.core.calendar.partial_months`), and, given ``end`` (the reporting window's
    last day), ending by then. A quarter holding one month of data is not a quarterly point (it
    would read as a sudden change), nor is a month after the window (a few early PO lines)."""
    d = pd.to_datetime(pd.Series(dates)).dropna()
    if end is not None:
        d = d[d <= pd.Timestamp(end)]
    if d.empty or trend.empty:
        return trend.iloc[:0]
    months = pd.period_range(d.min(), d.max(), freq="M").start_time
    full = set(months) - {pd.Timestamp(m) for m in partial}

    def complete(start: pd.Timestamp) -> bool:
        per = pd.Timestamp(start).to_period(freq)
        inside = pd.period_range(per.start_time, per.end_time, freq="M").start_time
        return all(m in full for m in inside)

    ok = {p: complete(p) for p in trend["period"].dropna().unique()}
    return trend[trend["period"].map(ok).fillna(False).astype(bool)].reset_index(drop=True)


def period_average(trend: pd.DataFrame, delivery: str) -> pd.DataFrame:
    """Per period: the delivery metric (OTIF or on-time rate) and PPM averaged over suppliers
    (each supplier counts once per period), as ``period, <delivery>, ppm``."""
    cols = [delivery] + (["ppm"] if "ppm" in trend else [])
    out = trend.groupby("period")[cols].mean().reset_index()
    if "ppm" not in out:
        out["ppm"] = np.nan
    return out[["period", delivery, "ppm"]]


def grade_distribution(card: pd.DataFrame, bands: Mapping[str, float]) -> pd.DataFrame:
    """Suppliers per grade, best grade first, then D and ``n/a`` (not ranked): ``grade, suppliers``."""
    order = [*sorted(bands, key=lambda g: -bands[g]), "D", "n/a"]
    counts = card["grade"].value_counts()
    out = counts.reindex(order).dropna().astype(int)
    return out.rename_axis("grade").reset_index(name="suppliers")


def unscored(card: pd.DataFrame) -> pd.DataFrame:
    """Suppliers with PO lines in the period that are not ranked or graded, with the reason."""
    cols = ["supplier_id", "name", "lines", "measured_weight", "spend", "unscored_reason"]
    return card.loc[card["score"].isna(), [c for c in cols if c in card.columns]].reset_index(
        drop=True
    )


def otif_definition_text(otif_kw: Mapping) -> str:
    """The OTIF definition actually applied (the keyword arguments given to :func:`otif`), in words
    for the appendix: level, due date, early/late window and in-full tolerance."""
    level = otif_kw.get("level", "line")
    early, late = int(otif_kw.get("early_days", 3)), int(otif_kw.get("late_days", 0))
    tol = float(otif_kw.get("in_full_tolerance", 0.0))
    due = str(otif_kw.get("due", "promised_date")).replace("_date", "")
    in_full = (
        f"at least {1 - tol:.0%} of the ordered quantity" if tol else "the full ordered quantity"
    )
    unit = (
        "Measured per PO line: each line counts once."
        if level == "line"
        else "Measured per order: an order is on time, in full and OTIF only when every one of its "
        "lines is."
    )
    return (
        f"A line is on time when received between {early} day{'s' * (early != 1)} before and "
        f"{late} day{'s' * (late != 1)} after its {due} date, in full when it brings {in_full}, "
        f"and OTIF when both hold. {unit} Open lines past their due date (plus the late "
        "tolerance) count as late; open lines not yet due are left out."
    )


def _pct(value: float) -> str:
    return "–" if pd.isna(value) else f"{100 * value:.1f}%"


def profile_tiles(
    row: Mapping,
    delivery: str,
    targets: Mapping[str, float | None],
    ranked: int,
    money=lambda v: f"{v:,.0f}",
) -> list[dict[str, str]]:
    """The KPI tiles of one supplier profile (``{label, value, detail, status}``). A metric that is
    not measured reads "not measured" on a grey tile, never as a red miss or "nan"; the rank is
    out of the ``ranked`` suppliers (those ranked and graded, not every supplier); ``money``
    formats amounts."""
    grey = "grey"
    score, grade, rank = row.get("score"), row.get("grade"), row.get("rank")
    if pd.isna(score):
        score_tile = {
            "label": "Score / grade",
            "value": "not ranked",
            "detail": str(row.get("unscored_reason") or "not measured"),
            "status": grey,
        }
    else:
        score_tile = {
            "label": "Score / grade",
            "value": f"{score:.0f} / {grade}",
            "detail": f"rank {int(rank)} of {ranked:,} ranked",
            "status": "green" if grade == "A" else "amber" if grade in ("B", "C") else "red",
            "status_text": f"grade {grade}: {GRADE_WORDS.get(grade, 'graded')}",
        }
    t_otif, t_ppm = targets.get("otif"), targets.get("ppm")
    d = row.get(delivery)
    d_tile = {
        "label": "OTIF" if delivery == "otif" else "On time",
        "value": "not measured" if pd.isna(d) else _pct(d),
        "detail": "–" if t_otif is None else f"target {t_otif:.0%}",
        "status": grey if pd.isna(d) or t_otif is None else ("green" if d >= t_otif else "red"),
    }
    ppm = row.get("ppm")
    q_tile = {
        "label": "Quality",
        "value": "not measured" if pd.isna(ppm) else f"{ppm:,.0f} PPM",
        "detail": "–" if t_ppm is None else f"target {t_ppm:,.0f} PPM",
        "status": grey if pd.isna(ppm) or t_ppm is None else ("green" if ppm <= t_ppm else "red"),
    }
    lt, sd = row.get("lead_time_days"), row.get("lead_time_std_days")
    lead = (
        "lead time not measured"
        if pd.isna(lt)
        else f"lead time {lt:.0f} ± {0 if pd.isna(sd) else sd:.0f} days"
    )
    return [
        score_tile,
        d_tile,
        q_tile,
        {"label": "Spend", "value": money(row.get("spend", 0.0)), "detail": lead, "status": grey},
        {
            "label": "Actions",
            "value": f"{int(row.get('open_actions', 0) or 0)} open",
            "detail": f"{int(row.get('overdue_actions', 0) or 0)} overdue",
            "status": grey,
        },
    ]


def probable_duplicate_vendors(suppliers: pd.DataFrame) -> pd.DataFrame:
    """Vendor-master records that are probably one vendor: the same normalised name
    (:func:`scmlib.core.names.normalise_name`: case, punctuation, spacing and legal suffixes
    ignored), the same tax id or the same bank account (where those columns are present and
    filled). One row per record in a duplicate group except the group's first (lowest) id, which
    is ``duplicate_of``; ``reason`` lists every match ("same name; same tax id"). Columns:
    ``supplier_id, duplicate_of, name, duplicate_of_name, reason``. Groups are linked through any
    shared key (A and B share a name, B and C a bank account: one group)."""
    from scmlib.core.names import normalise_name

    cols = ["supplier_id", "duplicate_of", "name", "duplicate_of_name", "reason"]
    if suppliers is None or suppliers.empty or "supplier_id" not in suppliers:
        return pd.DataFrame(columns=cols)
    s = suppliers.drop_duplicates("supplier_id").sort_values("supplier_id").reset_index(drop=True)
    keys = {"same name": normalise_name(s["name"]) if "name" in s else None}
    for col, why in (("tax_id", "same tax id"), ("bank_account", "same bank account")):
        if col in s.columns:
            v = s[col].astype("string").str.upper().str.replace(r"[\s\-./]", "", regex=True)
            keys[why] = v.where(v.fillna("") != "")
    keys = {k: v for k, v in keys.items() if v is not None}
    # union-find over the records linked by any key
    parent = np.arange(len(s))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    reasons: dict[int, set[str]] = {}
    for why, key in keys.items():
        k = pd.Series(key.to_numpy(), dtype=object).replace("", None).dropna()
        first = pd.Series(k.index, index=k.index).groupby(k).transform("min")
        for i, f in first.items():
            if i != f:
                parent[root(i)] = root(int(f))
                reasons.setdefault(i, set()).add(why)
                reasons.setdefault(int(f), set()).add(why)
    groups = pd.Series([root(i) for i in range(len(s))])
    in_group = groups.map(groups.value_counts()) > 1
    if not in_group.any():
        return pd.DataFrame(columns=cols)
    head = groups.groupby(groups).transform("min")
    order = list(keys)
    out = pd.DataFrame(
        {
            "supplier_id": s["supplier_id"],
            "duplicate_of": s["supplier_id"].to_numpy()[head.to_numpy()],
            "name": s["name"] if "name" in s else s["supplier_id"],
            "duplicate_of_name": (s["name"] if "name" in s else s["supplier_id"]).to_numpy()[
                head.to_numpy()
            ],
            "reason": [
                "; ".join(w for w in order if w in reasons.get(i, set())) for i in range(len(s))
            ],
        }
    )
    out = out[in_group.to_numpy() & (head.to_numpy() != np.arange(len(s)))]
    return out.sort_values(["duplicate_of", "supplier_id"]).reset_index(drop=True)[cols]


def summary_points(
    card: pd.DataFrame,
    otif_figure,
    targets: Mapping[str, float | None],
    unavailable: Mapping[str, str],
    deteriorating: pd.DataFrame,
    overdue: pd.DataFrame,
    duplicates: pd.DataFrame,
    money=lambda v: f"{v:,.0f}",
) -> list[str]:
    """The executive-summary lines of the scorecard. ``otif_figure`` is the company measure
    (:func:`scmlib.core.measures.supplier_otif`); counts of suppliers missing a target are over
    the suppliers where the metric is measured (an unmeasured one is not a miss); the ranking
    counts add up to the suppliers with PO lines; a line on probable duplicate vendors appears
    when there are any. ``money`` formats amounts."""
    t_otif, t_ppm = targets.get("otif"), targets.get("ppm")
    pts = []
    if card["otif"].notna().any():
        below = int((card["meets_otif_target"] == False).sum())  # noqa: E712 (NA is not below)
        target = f" against a {t_otif:.0%} target" if t_otif is not None else ""
        pts.append(
            f"Supplier OTIF {_pct(otif_figure.value)} ({otif_figure.window_text}; "
            f"{otif_figure.basis}); spend-weighted over suppliers "
            f"{_pct(spend_weighted_otif(card))}{target} ({below:,} of "
            f"{int(card['otif'].notna().sum()):,} measured suppliers below it)."
        )
    else:
        pts.append(f"OTIF is not measured: {unavailable.get('otif', 'no receipts')}.")
    if card["ppm"].notna().any():
        above = int((card["meets_ppm_target"] == False).sum())  # noqa: E712
        pts.append(
            f"Quality: median {card['ppm'].median():,.0f} PPM; {above:,} of "
            f"{int(card['ppm'].notna().sum()):,} measured suppliers above the "
            f"{t_ppm:,.0f} PPM target."
            if t_ppm is not None
            else f"Quality: median {card['ppm'].median():,.0f} PPM."
        )
    else:
        why = unavailable.get("quality", "no quality receipts in the period")
        pts.append(f"Quality is not measured: {why}.")
    ranked = card.dropna(subset=["score"])
    grades = ranked["grade"].value_counts()
    counts = (
        f"{len(card):,} suppliers had PO lines in the period: {len(ranked):,} ranked and graded, "
        f"{len(card) - len(ranked):,} not (listed with the reason)."
    )
    if len(ranked):
        order = [g for g in grades.index.sort_values()]
        best, worst = ranked.iloc[0], ranked.iloc[-1]
        pts.append(
            "Grades: "
            + ", ".join(f"{g} {grades[g]:,}" for g in order)
            + f"; best: {best['name']} ({best['score']:.0f}), worst: {worst['name']} "
            f"({worst['score']:.0f}). " + counts
        )
    else:
        pts.append("No supplier could be ranked. " + counts)
    d = deteriorating.drop_duplicates("supplier_id")
    pts.append(
        f"{len(d):,} supplier{'s' * (len(d) != 1)} show{'s' * (len(d) == 1)} a statistically significant deterioration (OTIF falling or "
        f"PPM rising, Kendall test p < 0.05), with {money(d['spend'].sum())} of spend."
    )
    oldest = f", the oldest by {int(overdue['days_overdue'].max())} days" if len(overdue) else ""
    pts.append(f"{len(overdue):,} corrective actions are overdue{oldest}.")
    if len(duplicates):
        pts.append(
            f"{len(duplicates):,} vendor records are probable duplicates of another (same "
            f"normalised name, tax id or bank account), e.g. {duplicates['name'].iloc[0]} "
            f"({duplicates['supplier_id'].iloc[0]}) and {duplicates['duplicate_of'].iloc[0]}: "
            "merge them so spend and performance are scored once."
        )
    if unavailable:
        pts.append("Not measured: " + "; ".join(f"{k} ({v})" for k, v in unavailable.items()) + ".")
    else:
        pts.append("Every scorecard dimension could be computed from the data.")
    return pts


def appendix(
    otif_figure,
    otif_kw: Mapping,
    weights: Mapping[str, float],
    bands: Mapping[str, float],
    unavailable: Mapping[str, str],
    min_lines: int,
    min_measured_weight: float,
) -> dict[str, str]:
    """The method appendix of the scorecard: each definition as applied in this run (the OTIF
    definition of ``otif_kw``, the weights, bands and ranking thresholds given)."""
    defn = otif_figure.definition
    weight_text = ", ".join(f"{k} {v:.0%}" for k, v in weights.items())
    band_text = ", ".join(f"{g} >= {v:g}" for g, v in bands.items())
    return {
        "OTIF": f"{defn[:1].upper()}{defn[1:]}. {otif_definition_text(otif_kw)} Definition from "
        "the company settings (supplier_otif) with this run's overrides.",
        "Lead time": "Receipt date - PO date, mean and standard deviation in days.",
        "Spend": "Ordered value (quantity x unit price) of the PO lines due in the window, in "
        "the reporting currency at the company rate policy; the spend analysis and category "
        "reports count invoices by invoice date, so their supplier figures differ by timing.",
        "PPM": "Rejected units / received units x 1,000,000; rejection rate = share of receipts "
        "with any rejection.",
        "Price change": "Quantity-weighted unit price per item in the period against the prior "
        "12 months, spend-weighted over items.",
        "Responsiveness and sustainability": "The supplier's latest assessment on a 1-5 scale "
        "(1 = poor, 5 = excellent), as shown in the ranking table; the score uses it rescaled "
        "to 0-100 as (assessment - 1) / 4 x 100 (so 4.2 counts as 80).",
        "Score": "Dimension scores 0-100: OTIF x 100; quality 100 x (1 - PPM / 10,000); cost "
        "100 x (1 - price rise / 10%); responsiveness and sustainability (assessment 1-5) "
        f"rescaled to 0-100. Weighted with {weight_text}. Missing data never raises a score: a "
        "dimension measured for no supplier in the run is left out for everyone (weights "
        "renormalised over the rest); a supplier missing a dimension that others have is not "
        "ranked or graded and is listed with the reason (insufficient data).",
        "Not measured": "; ".join(f"{k}: {v}" for k, v in unavailable.items())
        or "every dimension was computed",
        "Grades": f"{band_text}, else D ("
        + ", ".join(f"{g} {w}" for g, w in GRADE_WORDS.items())
        + "). Grade cap: a supplier whose OTIF is below the company "
        "OTIF target (targets.supplier_otif in the company settings) never gets the top grade; "
        "it gets the next grade and the ranking's 'Grade capped because' column says so, which "
        "is why a higher-ranked supplier can carry a lower grade. Ranked and graded only with at least "
        f"{min_lines} PO lines in the period and "
        f"{min_measured_weight:.0%} of the score weight measured (n/a otherwise, with the "
        "reason); rank X of N counts the N ranked suppliers.",
        "Targets": "A metric that is not measured for a supplier is neither met nor missed: its "
        "target flag is empty and its tile reads 'not measured'.",
        "Spend-weighted OTIF": "Sum of OTIF x spend over the suppliers with a measured OTIF, "
        "divided by their spend; the headline OTIF pools PO lines instead.",
        "Duplicate vendors": "Vendor records with the same name once case, punctuation, spacing "
        "and legal suffixes (Ltd, Limited, Inc, ...) are ignored, or the same tax id or bank "
        "account where the vendor master holds them.",
        "Deterioration": "Kendall's tau between time and monthly OTIF (or PPM) over the last 12 "
        "months; flagged when p < 0.05 and the trend is adverse (Mann-Kendall test).",
    }


# the supplier_scorecard notebook's default parameters: other reports quoting a supplier's score
# use these, so the score, grade and rank they show are the scorecard's
SCORECARD_MIN_LINES = 10
SCORECARD_MIN_MEASURED_WEIGHT = 0.6


def purchase_lines(data, settings) -> pd.DataFrame:
    """The PO lines every supplier report reads: priced in the reporting currency under the
    company rate policy (:func:`scmlib.core.currency.po_in_reporting_currency`), so a supplier's
    spend adds its USD, EUR and GBP lines in one currency. ``data`` maps table names to frames."""
    from scmlib.core.currency import po_in_reporting_currency

    return po_in_reporting_currency(
        data["purchase_order_lines"],
        data.get("exchange_rates"),
        settings["currency.reporting"],
        settings["currency.rate_policy"],
    )


def company_card(data, settings) -> tuple[pd.DataFrame, dict[str, str], object]:
    """The scorecard as ``supplier_scorecard`` computes it with its default parameters and the
    company settings (OTIF definition, window, targets): metrics, score, grade and rank, names,
    action counts and target flags for every supplier. ``data`` maps table names to frames.
    Returns ``(card, unavailable, otif_figure)``, the figure being the company OTIF measure whose
    window the card covers."""
    from scmlib.core import measures
    from scmlib.core.delivery import otif_options
    from scmlib.core.names import with_names

    po, quality = purchase_lines(data, settings), data.get("quality_receipts")
    figure = measures.supplier_otif(po, settings)
    start, end = figure.window_start, figure.window_end
    otif_kw = otif_options(settings.section("supplier_otif"))
    targets = {"otif": settings.target("supplier_otif"), "ppm": settings.target("supplier_ppm")}
    metrics, unavailable = supplier_metrics(
        po, quality, data.get("supplier_assessments"), start, end, otif_kw
    )
    card = score(
        metrics,
        DEFAULT_WEIGHTS,
        DEFAULT_BANDS,
        min_lines=SCORECARD_MIN_LINES,
        min_measured_weight=SCORECARD_MIN_MEASURED_WEIGHT,
        otif_target=targets["otif"],
    )
    card = with_names(card, data, "supplier_id")
    actions, _ = action_status(data.get("supplier_actions"), end)
    card = target_flags(with_actions(card, actions), targets)
    return card, unavailable, figure
