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
    (latest assessment, 1-5), spend. Returns (metrics, unavailable)."""
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
    rec = period.dropna(subset=["receipt_date"])
    lt = (rec["receipt_date"] - rec["order_date"]).dt.days
    out["lead_time_days"] = lt.groupby(rec["supplier_id"]).mean()
    out["lead_time_std_days"] = lt.groupby(rec["supplier_id"]).std()
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
    if "item_id" in po.columns and po["item_id"].notna().any():
        prior = po[
            (po["order_date"] < start) & (po["order_date"] >= start - pd.DateOffset(months=12))
        ].dropna(subset=["item_id"])
        cur = period.dropna(subset=["item_id"])
        base = (prior["unit_price"] * prior["ordered_qty"]).groupby(
            [prior["supplier_id"], prior["item_id"]]
        ).sum() / prior.groupby(["supplier_id", "item_id"])["ordered_qty"].sum()
        now = (cur["unit_price"] * cur["ordered_qty"]).groupby(
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
    Weights are renormalised over the dimensions measured for each supplier, but a supplier is
    ranked and graded only when the measured dimensions carry at least ``min_measured_weight`` of
    the total weight (default 60%: a supplier known by OTIF alone is not ranked) and it has at
    least ``min_lines`` PO lines in the period; otherwise grade ``n/a`` with ``unscored_reason``.
    Grades: the first band whose threshold the score reaches (A >= 85, B >= 70, C >= 55, else D by
    default), except that a supplier below ``otif_target`` never gets the top grade.
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
    m["unscored_reason"] = np.where(
        few,
        f"fewer than {min_lines} PO lines in the period",
        np.where(
            thin,
            "only "
            + (100 * m["measured_weight"]).round().astype(int).astype(str)
            + f"% of the score weight measured (needs {min_measured_weight:.0%})",
            "",
        ),
    )
    m.loc[few | thin, "score"] = np.nan
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
        grade = grade.where(~(below & (grade == top)), demote)  # no top grade below the OTIF target
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
