"""Supplier development: programmes aimed at a scorecard KPI, the gap to target per supplier,
the measured impact of each programme against comparable suppliers without one, its return,
and the pipeline of suppliers a new programme should go to.

Impact is a difference-in-differences (DiD): the change in the supplier's KPI from the months
before the programme to the months after it, minus the average change of comparable suppliers
(same category, no programme) over the same months, so that a market-wide improvement is not
credited to the programme (Card & Krueger 1994; Angrist & Pischke 2009, ch. 5). Its significance
is a placebo permutation test: the same DiD is computed for every control supplier as if it had
had the programme, and the p-value is the share of the placebo estimates at least as favourable
as the programme's (Abadie, Diamond & Hainmueller 2010, section 2.3; Fisher randomisation
inference, Imbens & Rubin 2015, ch. 5). With N controls the smallest possible p-value is
1 / (N + 1), so a programme needs at least 19 controls to reach p = 0.05.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from scmlib.core.delivery import otif
from scmlib.core.frames import require_columns
from scmlib.errors import DataError, ParameterError

# +1: higher is better; -1: lower is better
DIRECTION = {"otif": 1, "on_time": 1, "ppm": -1, "lead_time_days": -1}
KPI_WORDS = {"otif": "OTIF", "on_time": "on-time rate", "ppm": "PPM", "lead_time_days": "lead time"}


def did_estimate(
    treated_before: float, treated_after: float, control_before: float, control_after: float
) -> float:
    """The difference-in-differences: (treated after - before) - (control after - before).

    References
    ----------
    Card, D. and Krueger, A. B. (1994), "Minimum wages and employment: a case study of the
    fast-food industry in New Jersey and Pennsylvania", American Economic Review 84(4), Table 3.

    Examples
    --------
    Card and Krueger's full-time-equivalent employment per store: New Jersey 20.44 before and
    21.03 after the minimum-wage rise, Pennsylvania (no rise) 23.33 and 21.17; the paper reports
    a DiD of 2.76 (2.75 from the rounded means):

    >>> round(did_estimate(20.44, 21.03, 23.33, 21.17), 2)
    2.75
    """
    return (treated_after - treated_before) - (control_after - control_before)


def placebo_p_value(effect: float, placebo: np.ndarray) -> float:
    """One-sided permutation p-value of ``effect`` (signed so that larger is better) among the
    ``placebo`` estimates of the controls: (1 + #{placebo >= effect}) / (1 + N).

    Examples
    --------
    The programme's effect beats all 19 placebo estimates: p = 1 / 20.

    >>> placebo_p_value(5.0, np.arange(19.0) / 10)
    0.05
    """
    placebo = np.asarray(placebo, dtype=float)
    placebo = placebo[~np.isnan(placebo)]
    if np.isnan(effect):
        return float("nan")
    return float((1 + (placebo >= effect - 1e-12).sum()) / (1 + len(placebo)))


def kpi_observations(
    po: pd.DataFrame, quality: pd.DataFrame | None, otif_kw: Mapping | None = None
) -> pd.DataFrame:
    """Every KPI observation as a tidy frame ``supplier_id, kpi, date, value, weight``: OTIF and
    on time per PO line (or order) by due date, with the company OTIF definition ``otif_kw``
    (:func:`scmlib.core.delivery.otif`); lead time (receipt - PO date, days) per received line by
    receipt date; PPM per inspected receipt (weight: units received) by receipt date. A KPI over
    any window is the weighted mean of its observations there, so it equals the scorecard's."""
    otif_kw = dict(otif_kw or {})
    due = otif_kw.get("due", "promised_date")
    flags, _ = otif(po, **otif_kw)
    parts = []
    for kpi in ("otif", "on_time"):
        f = flags.dropna(subset=[kpi])
        parts.append(
            pd.DataFrame(
                {
                    "supplier_id": f["supplier_id"].to_numpy(),
                    "kpi": kpi,
                    "date": f[due].to_numpy(),
                    "value": f[kpi].to_numpy(dtype=float),
                    "weight": 1.0,
                }
            )
        )
    if {"receipt_date", "order_date"} <= set(po.columns):
        r = po.dropna(subset=["receipt_date", "order_date"])
        parts.append(
            pd.DataFrame(
                {
                    "supplier_id": r["supplier_id"].to_numpy(),
                    "kpi": "lead_time_days",
                    "date": r["receipt_date"].to_numpy(),
                    "value": (r["receipt_date"] - r["order_date"]).dt.days.to_numpy(dtype=float),
                    "weight": 1.0,
                }
            )
        )
    if quality is not None and len(quality):
        q = quality[quality["received_qty"] > 0]
        parts.append(
            pd.DataFrame(
                {
                    "supplier_id": q["supplier_id"].to_numpy(),
                    "kpi": "ppm",
                    "date": q["receipt_date"].to_numpy(),
                    "value": (1e6 * q["rejected_qty"] / q["received_qty"]).to_numpy(dtype=float),
                    "weight": q["received_qty"].to_numpy(dtype=float),
                }
            )
        )
    out = pd.concat(parts, ignore_index=True)
    out["date"] = pd.to_datetime(out["date"])
    return out


def check_programmes(programmes: pd.DataFrame) -> pd.DataFrame:
    """The programmes table checked: the columns the analysis needs and end dates not before
    start dates (a :class:`~scmlib.errors.DataError` naming the rows otherwise)."""
    require_columns(
        programmes,
        ["programme_id", "supplier_id", "target_kpi", "start_date", "target", "cost", "status"],
        "supplier_programmes",
    )
    p = programmes.copy()
    if "end_date" in p.columns:
        bad = p[p["end_date"].notna() & (p["end_date"] < p["start_date"])]
        if len(bad):
            raise DataError(
                "supplier_programmes: column 'end_date' is before 'start_date' in "
                f"{len(bad)} row(s), e.g. {', '.join(bad['programme_id'].astype(str).head(3))}: "
                "correct the dates or leave end_date empty"
            )
    return p


def _weighted(frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    f = frame.assign(_wv=frame["value"] * frame["weight"])
    g = f.groupby(keys, observed=True)
    return pd.DataFrame({"value": g["_wv"].sum() / g["weight"].sum(), "obs": g.size()})


def programme_impact(
    obs: pd.DataFrame,
    programmes: pd.DataFrame,
    suppliers: pd.DataFrame | None = None,
    months_before: int = 6,
    months_after: int = 6,
    lag_months: int = 0,
    min_obs: int = 5,
    as_of: pd.Timestamp | None = None,
) -> pd.DataFrame:
    """Before/after impact of each programme on its target KPI, as a difference-in-differences
    against comparable suppliers without a programme, with a placebo permutation p-value.

    For a programme starting on ``start``: "before" is the ``months_before`` months before it,
    "after" the ``months_after`` months from ``start + lag_months`` (capped at ``as_of``). A
    supplier is measured in a phase with at least ``min_obs`` observations there (PPM: receipts).
    Controls: suppliers of the same category (``suppliers.category``) measured in both phases with
    no programme at all; all such suppliers when the category has fewer than 5. ``improvement`` is
    the DiD signed so that positive is better (OTIF up, PPM or lead time down); ``p_value`` the
    one-sided placebo p-value (module docstring). ``verdict``: ``improved`` (p <= 0.05 and
    improvement > 0), ``improved (few controls)`` (better than every control, but with fewer
    than 19 of them p cannot reach 0.05), ``not significant``, ``no improvement``, ``too early``
    (after phase not yet complete) or ``not measured`` (no data before the start).
    """
    if months_before < 1 or months_after < 1 or lag_months < 0 or min_obs < 1:
        raise ParameterError(
            "programme impact: months_before and months_after must be >= 1, lag_months >= 0 and "
            f"min_obs >= 1, got {months_before}, {months_after}, {lag_months}, {min_obs}"
        )
    p = check_programmes(programmes)
    p = p[p["status"] != "cancelled"].reset_index(drop=True)
    as_of = pd.Timestamp(as_of) if as_of is not None else obs["date"].max()
    p["before_start"] = p["start_date"] - pd.DateOffset(months=months_before)
    p["after_start"] = p["start_date"] + pd.DateOffset(months=lag_months)
    p["after_end"] = (p["after_start"] + pd.DateOffset(months=months_after)).where(
        lambda s: s <= as_of, as_of
    )
    x = p[
        ["programme_id", "supplier_id", "target_kpi", "before_start", "start_date"]
        + ["after_start", "after_end"]
    ].rename(columns={"supplier_id": "treated", "target_kpi": "kpi"})
    j = x.merge(obs, on="kpi")
    before = (j["date"] >= j["before_start"]) & (j["date"] < j["start_date"])
    after = (j["date"] >= j["after_start"]) & (j["date"] < j["after_end"])
    j["phase"] = np.where(before, "before", np.where(after, "after", ""))
    j = j[j["phase"] != ""]
    w = _weighted(j, ["programme_id", "supplier_id", "phase"]).reset_index()
    w = w[w["obs"] >= min_obs]
    wide = w.pivot_table(index=["programme_id", "supplier_id"], columns="phase", values="value")
    wide = wide.reindex(columns=["before", "after"]).reset_index()
    counts = w.pivot_table(
        index=["programme_id", "supplier_id"], columns="phase", values="obs", aggfunc="sum"
    ).reindex(columns=["before", "after"])
    wide = wide.merge(
        counts.add_suffix("_obs").reset_index(), on=["programme_id", "supplier_id"], how="left"
    )
    wide["change"] = wide["after"] - wide["before"]
    wide = wide.merge(x[["programme_id", "treated", "kpi"]], on="programme_id")
    in_any = set(programmes["supplier_id"])
    cat = (
        suppliers.drop_duplicates("supplier_id").set_index("supplier_id")["category"]
        if suppliers is not None and "category" in suppliers
        else pd.Series(dtype=object)
    )
    wide["category"] = wide["supplier_id"].map(cat)
    wide["treated_category"] = wide["treated"].map(cat)
    is_treated = wide["supplier_id"] == wide["treated"]
    pool = wide[~is_treated & ~wide["supplier_id"].isin(in_any) & wide["change"].notna()].copy()
    same = pool["category"] == pool["treated_category"]
    n_same = same.groupby(pool["programme_id"]).transform("sum")
    controls = pool[same | (n_same < 5)].copy()
    g = controls.groupby("programme_id")
    n = g.size()
    csum = g["change"].sum()
    controls["n"] = controls["programme_id"].map(n)
    controls["placebo"] = controls["change"] - (
        controls["programme_id"].map(csum) - controls["change"]
    ) / (controls["n"] - 1).where(controls["n"] > 1)
    controls["sign"] = controls["kpi"].map(DIRECTION)
    controls["placebo_signed"] = controls["placebo"] * controls["sign"]
    t = wide[is_treated].set_index("programme_id")
    out = p[["programme_id", "supplier_id", "target_kpi", "start_date", "status"]].copy()
    out["before"] = out["programme_id"].map(t["before"])
    out["after"] = out["programme_id"].map(t["after"])
    out["before_obs"] = out["programme_id"].map(t["before_obs"]).fillna(0).astype(int)
    out["after_obs"] = out["programme_id"].map(t["after_obs"]).fillna(0).astype(int)
    out["change"] = out["after"] - out["before"]
    out["control_change"] = out["programme_id"].map(g["change"].mean())
    out["controls"] = out["programme_id"].map(n).fillna(0).astype(int)
    out["did"] = out["change"] - out["control_change"]
    out["improvement"] = out["did"] * out["target_kpi"].map(DIRECTION)
    placebo = controls.groupby("programme_id")["placebo_signed"].apply(np.asarray)
    out["p_value"] = [
        placebo_p_value(e, placebo.get(pid, np.array([])))
        for pid, e in zip(out["programme_id"], out["improvement"])
    ]  # one permutation test per programme (a handful), each vectorised
    full = p["after_start"] + pd.DateOffset(months=months_after) <= as_of
    out["verdict"] = np.select(
        [
            out["before"].isna(),
            out["after"].isna() | ~full.to_numpy(),
            (out["improvement"] > 0) & (out["p_value"] <= 0.05 + 1e-12),
            (out["improvement"] > 0)
            & (out["controls"] < 19)
            & (out["p_value"] <= 1 / (out["controls"] + 1) + 1e-12),
            out["improvement"] > 0,
        ],
        ["not measured", "too early", "improved", "improved (few controls)", "not significant"],
        "no improvement",
    )
    return out


def annual_volumes(po: pd.DataFrame, quality: pd.DataFrame | None, start, end) -> pd.DataFrame:
    """Per supplier over [start, end] scaled to 12 months: PO lines, spend (ordered quantity x unit
    price) and units received; average unit price. ``supplier_id, lines, spend, units, price``."""
    w = po[(po["promised_date"] >= start) & (po["promised_date"] <= end)]
    months = max(1.0, (pd.Timestamp(end) - pd.Timestamp(start)).days / 30.44)
    k = 12.0 / months
    value = w["ordered_qty"] * w["unit_price"]
    g = w.groupby("supplier_id")
    out = pd.DataFrame(
        {
            "lines": g.size() * k,
            "spend": value.groupby(w["supplier_id"]).sum() * k,
            "units": g["ordered_qty"].sum() * k,
        }
    )
    if quality is not None and len(quality):
        q = quality[(quality["receipt_date"] >= start) & (quality["receipt_date"] <= end)]
        out["units"] = q.groupby("supplier_id")["received_qty"].sum().reindex(out.index) * k
    out["price"] = out["spend"] / out["units"].where(out["units"] > 0)
    return out.reset_index()


# verdicts whose improvement is credited to the programme (valued, in the ROI)
CREDITED = ("improved", "improved (few controls)")


def programme_roi(
    impact: pd.DataFrame,
    programmes: pd.DataFrame,
    volumes: pd.DataFrame,
    cost_per_late_line: float,
    defect_cost_multiple: float,
    holding_rate: float,
    value_years: float = 1.0,
) -> pd.DataFrame:
    """Value of each programme's measured improvement and ROI = value / programme cost.

    Annual value of an improvement ``d`` (the DiD, positive only) at the supplier's annual volume
    (:func:`annual_volumes`): OTIF or on time: ``d`` x lines x ``cost_per_late_line`` (the cost of
    handling a late or short line: expediting, re-planning, downtime); PPM: ``d`` / 1e6 x units x
    unit price x ``defect_cost_multiple`` (cost of poor quality per rejected unit as a multiple of
    its price; Feigenbaum's cost of quality); lead time: ``d`` days x spend / 365 x ``holding_rate``
    (pipeline and safety stock carried for fewer days). Value over ``value_years`` years; ROI
    = value / cost (1.0 = the programme paid for itself); NaN without a measured effect or cost,
    and for a verdict other than :data:`CREDITED` (an effect that is not significant is not
    credited to the programme, whatever its sign).
    """
    if cost_per_late_line < 0 or defect_cost_multiple < 0 or holding_rate < 0 or value_years <= 0:
        raise ParameterError(
            "programme ROI: costs and rates must be >= 0 and value_years > 0, got "
            f"{cost_per_late_line}, {defect_cost_multiple}, {holding_rate}, {value_years}"
        )
    v = volumes.set_index("supplier_id")
    out = impact.merge(programmes[["programme_id", "cost"]], on="programme_id", how="left")
    gain = out["improvement"].clip(lower=0)
    sid = out["supplier_id"]
    kpi = out["target_kpi"]
    annual = np.select(
        [kpi.isin(["otif", "on_time"]), kpi == "ppm", kpi == "lead_time_days"],
        [
            gain * sid.map(v["lines"]) * cost_per_late_line,
            gain / 1e6 * sid.map(v["units"]) * sid.map(v["price"]) * defect_cost_multiple,
            gain * sid.map(v["spend"]) / 365 * holding_rate,
        ],
        np.nan,
    )
    unmeasured = (  # no value for an effect not measured, or no better than the controls' noise
        ~out["verdict"].isin(CREDITED) if "verdict" in out else pd.Series(False, index=out.index)
    )
    out["annual_value"] = pd.Series(annual, index=out.index).mask(unmeasured)
    out["value"] = out["annual_value"] * value_years
    out["roi"] = out["value"] / out["cost"].where(out["cost"] > 0)
    return out


def kpi_gaps(
    card: pd.DataFrame, targets: Mapping[str, float | None], min_lines: int = 1
) -> pd.DataFrame:
    """Gap to the company target per supplier and KPI (OTIF, PPM), from the scorecard ``card``
    (:func:`scmlib.suppliers.scorecard.score`): ``supplier_id, kpi, value, target, gap`` where
    ``gap`` > 0 is the shortfall (OTIF points below target as a share, PPM above it); a metric
    not measured has no gap (NaN), nor has a supplier with fewer than ``min_lines`` PO lines in
    the window (the scorecard's grading minimum: one late line of one is no 95-point gap)."""
    if "lines" in card and min_lines > 1:
        card = card[card["lines"] >= min_lines]
    rows = []
    for kpi, col in (("otif", "otif"), ("ppm", "ppm")):
        target = targets.get(kpi)
        if target is None or col not in card:
            continue
        gap = (target - card[col]) if DIRECTION[kpi] > 0 else (card[col] - target)
        rows.append(
            pd.DataFrame(
                {
                    "supplier_id": card["supplier_id"],
                    "kpi": kpi,
                    "value": card[col],
                    "target": target,
                    "gap": gap.clip(lower=0).where(card[col].notna()),
                }
            )
        )
    if not rows:
        return pd.DataFrame(columns=["supplier_id", "kpi", "value", "target", "gap"])
    return pd.concat(rows, ignore_index=True)


def programme_progress(
    programmes: pd.DataFrame,
    obs: pd.DataFrame,
    as_of: pd.Timestamp,
    months: int = 3,
    baseline: pd.Series | None = None,
) -> pd.DataFrame:
    """Each programme's KPI now (the last ``months`` months up to ``as_of``) against its baseline
    and target: ``current``, ``gap`` (shortfall to the programme target, > 0 means not reached)
    and ``progress`` = (current - baseline) / (target - baseline), the share of the gap closed,
    capped to [0, 1] (``progress_raw`` uncapped; ``progress_note`` says "overshot the target"
    above 1 and "moved away from the target" below 0).

    ``baseline`` (programme_id -> value), when given, replaces the recorded baseline wherever it
    is measured: pass the impact's ``before`` so that both tables show one baseline.

    Examples
    --------
    Baseline 80%, target 90%: 85% now closes half the gap, 95% overshoots, 75% moves away.

    >>> prog = pd.DataFrame({"programme_id": ["A", "B", "C"], "supplier_id": ["S1", "S2", "S3"],
    ...     "target_kpi": "otif", "start_date": pd.Timestamp("2024-01-01"), "target": 0.9,
    ...     "cost": 1.0, "status": "active", "baseline": 0.8})
    >>> obs = pd.DataFrame({"supplier_id": ["S1", "S2", "S3"], "kpi": "otif",
    ...     "date": pd.Timestamp("2024-06-01"), "value": [0.85, 0.95, 0.75], "weight": 1.0})
    >>> r = programme_progress(prog, obs, pd.Timestamp("2024-06-30"))
    >>> r["progress"].round(2).tolist(), r["progress_note"].tolist()
    ([0.5, 1.0, 0.0], ['', 'overshot the target', 'moved away from the target'])
    """
    p = check_programmes(programmes)
    start = pd.Timestamp(as_of) - pd.DateOffset(months=months)
    recent = obs[(obs["date"] > start) & (obs["date"] <= as_of)]
    now = _weighted(recent, ["supplier_id", "kpi"])["value"]
    out = p.copy()
    key = pd.MultiIndex.from_arrays([out["supplier_id"], out["target_kpi"]])
    out["current"] = now.reindex(key).to_numpy()
    sign = out["target_kpi"].map(DIRECTION)
    out["gap"] = ((out["target"] - out["current"]) * sign).clip(lower=0)
    base = out["baseline"] if "baseline" in out else pd.Series(np.nan, index=out.index)
    if baseline is not None:
        measured = out["programme_id"].map(baseline)
        base = measured.where(measured.notna(), base)
    out["baseline"] = base
    span = (out["target"] - base).where(lambda s: s.abs() > 1e-12)
    raw = ((out["current"] - base) / span).mask(out["status"] == "planned")
    out["progress_raw"] = raw
    out["progress"] = raw.clip(0.0, 1.0)
    out["progress_note"] = np.select(
        [raw > 1.0 + 1e-12, raw < -1e-12], ["overshot the target", "moved away from the target"], ""
    )
    return out


def candidate_pipeline(
    card: pd.DataFrame,
    programmes: pd.DataFrame | None,
    critical_suppliers: set | None = None,
    spend_share: float = 0.8,
    max_score: float = 70.0,
    top: int = 15,
) -> pd.DataFrame:
    """Suppliers a development programme should go to next: high spend (inside the suppliers
    carrying the first ``spend_share`` of spend, the Pareto group) or serving a critical customer
    segment (``critical_suppliers``), with a low score (below ``max_score``) or a missed OTIF/PPM
    target, and no planned or active programme. Ranked by spend x (100 - score) / 100, the spend
    exposed to the performance gap. ``reason`` says why each is listed."""
    c = card.copy()
    c = c[c["spend"].notna()].sort_values("spend", ascending=False)
    share = c["spend"].cumsum() / c["spend"].sum()
    c["high_spend"] = (share.shift(fill_value=0) < spend_share).to_numpy()
    c["critical"] = c["supplier_id"].isin(critical_suppliers or set())
    missed = pd.Series(False, index=c.index)
    for col in ("meets_otif_target", "meets_ppm_target"):
        if col in c:
            missed |= c[col].astype("boolean").fillna(True).eq(False).to_numpy()
    low = c["score"] < max_score
    busy = set()
    if programmes is not None and len(programmes):
        busy = set(programmes.loc[programmes["status"].isin(["planned", "active"]), "supplier_id"])
    keep = (c["high_spend"] | c["critical"]) & (low | missed) & ~c["supplier_id"].isin(busy)
    who = np.where(
        c["high_spend"] & c["critical"],
        "high spend, critical segment",
        np.where(c["high_spend"], "high spend", "critical segment"),
    )
    score_txt = "score " + c["score"].map(lambda v: f"{v:.1f}") + f" below {max_score:g}"
    why = pd.DataFrame({"score": score_txt.where(low, "")}, index=c.index)
    for col, words in (
        ("meets_otif_target", "OTIF below target"),
        ("meets_ppm_target", "PPM above target"),
    ):
        why[col] = (
            np.where(c[col].astype("boolean").eq(False).fillna(False), words, "")
            if col in c
            else ""
        )
    text = (
        (why["score"] + ", " + why["meets_otif_target"] + ", " + why["meets_ppm_target"])
        .str.replace(r"(, )+", ", ", regex=True)
        .str.strip(", ")
    )
    c["reason"] = pd.Series(who, index=c.index) + ": " + text
    c = c[keep].copy()
    c["priority"] = c["spend"] * (100 - c["score"].fillna(50)) / 100
    cols = ["supplier_id", "name", "grade", "score", "otif", "ppm", "spend", "priority", "reason"]
    c = c.sort_values("priority", ascending=False).head(top)
    return c[[k for k in cols if k in c]].reset_index(drop=True)


def _fmt_kpi(kpi: str, value: float) -> str:
    if pd.isna(value):
        return "–"
    if kpi in ("otif", "on_time"):
        return f"{100 * value:.1f}%"
    if kpi == "ppm":
        return f"{value:,.0f} PPM"
    return f"{value:.1f} days"


def _fmt_change(kpi: str, value: float) -> str:
    if pd.isna(value):
        return "–"
    if kpi in ("otif", "on_time"):
        return f"{100 * value:+.1f} pts"
    if kpi == "ppm":
        return f"{value:+,.0f} PPM"
    return f"{value:+.1f} days"


def impact_display(roi: pd.DataFrame) -> pd.DataFrame:
    """The impact table as a manager reads it: KPI values with their units as text (OTIF in %,
    PPM, days), the DiD, p-value, verdict, value and ROI."""
    k = roi["target_kpi"]
    out = roi[["programme_id", "supplier_id"]].copy()
    if "name" in roi:
        out["name"] = roi["name"]
    out["kpi"] = k.map(KPI_WORDS)
    for col in ("before", "after"):
        out[col] = [_fmt_kpi(a, b) for a, b in zip(k, roi[col])]
    out["did_text"] = [_fmt_change(a, b) for a, b in zip(k, roi["did"])]
    out["controls"] = roi["controls"]
    out["p_value"] = roi["p_value"]
    out["verdict"] = roi["verdict"]
    out["cost"] = roi["cost"]
    out["value"] = roi["value"]
    out["roi"] = roi["roi"]
    return out


def summary_points(
    gaps: pd.DataFrame,
    roi: pd.DataFrame,
    pipeline: pd.DataFrame,
    programmes: pd.DataFrame,
    money=lambda v: f"{v:,.0f}",
) -> list[str]:
    """The executive summary of the development report, from its tables."""
    pts = []
    status = programmes["status"].value_counts()
    pts.append(
        f"{len(programmes):,} development programmes: "
        + ", ".join(f"{int(status.get(s, 0)):,} {s}" for s in ("active", "completed", "planned"))
        + f"; {money(float(programmes['cost'].sum()))} committed in total."
    )
    measured = roi[~roi["verdict"].isin(["too early", "not measured"])]
    good = roi[roi["verdict"] == "improved"]
    if len(measured):
        total_value, total_cost = float(good["value"].sum()), float(good["cost"].sum())
        ratio = f" (ROI {total_value / total_cost:.1f}x)" if total_cost > 0 else ""
        pts.append(
            f"{len(good):,} of {len(measured):,} measured programmes improved their KPI "
            "significantly against comparable suppliers (difference-in-differences, placebo "
            f"p <= 0.05), worth {money(total_value)} against {money(total_cost)} of cost{ratio}."
        )
        if len(good) and total_cost > 0 and total_value < total_cost:
            pts.append(
                "The significant improvements have not yet paid for their cost at the valuation "
                "used (appendix)."
            )
        credited = roi[roi["verdict"].isin(CREDITED) & roi["roi"].notna()]
        if len(credited):
            best = credited.sort_values("roi", ascending=False).iloc[0]
            who = best.get("name", best["supplier_id"])
            basis = (
                "significant"
                if best["verdict"] == "improved"
                else "better than every comparable supplier, too few of them for p <= 0.05"
            )
            pts.append(
                f"Best return: {best['programme_id']} with {who} "
                f"({KPI_WORDS[best['target_kpi']]} {_fmt_change(best['target_kpi'], best['did'])} "
                f"beyond the controls, ROI {best['roi']:.1f}x; {basis}; "
                f"{int(best['before_obs']):,} observations before, {int(best['after_obs']):,} after)."
            )
        few = measured[measured["verdict"] == "improved (few controls)"]
        if len(few):
            pts.append(
                f"{len(few):,} programmes improved more than every comparable supplier, but with "
                "too few of them to reach p <= 0.05: "
                + ", ".join(few["programme_id"].astype(str))
                + "."
            )
        weak = measured[measured["verdict"].isin(["not significant", "no improvement"])]
        if len(weak):
            pts.append(
                f"{len(weak):,} measured programmes show no significant effect: "
                + ", ".join(weak["programme_id"].astype(str).head(5))
                + " (review their scope or close them)."
            )
    else:
        pts.append("No programme has both a before and an after period measured yet.")
    early = int((roi["verdict"] == "too early").sum())
    if early:
        pts.append(f"{early:,} programmes started too recently to measure their effect.")
    short = gaps[gaps["gap"] > 0]
    pts.append(
        f"{short['supplier_id'].nunique():,} suppliers miss an OTIF or PPM target "
        f"({int((short['kpi'] == 'otif').sum()):,} OTIF, {int((short['kpi'] == 'ppm').sum()):,} "
        "PPM)."
    )
    if len(pipeline):
        names = pipeline.get("name", pipeline["supplier_id"]).astype(str).head(3)
        pts.append(
            f"Pipeline: {len(pipeline):,} candidates for a new programme (high spend or critical "
            f"segment x low score), led by {', '.join(names)}, with "
            f"{money(float(pipeline['spend'].sum()))} of spend."
        )
    else:
        pts.append(
            "Pipeline: no high-spend or critical supplier with a low score lacks a programme."
        )
    return pts


def appendix(
    months_before: int,
    months_after: int,
    lag_months: int,
    min_obs: int,
    cost_per_late_line: float,
    defect_cost_multiple: float,
    holding_rate: float,
    value_years: float,
    otif_text: str,
    money=lambda v: f"{v:,.0f}",
) -> dict[str, str]:
    """The method appendix of the development report, with this run's settings."""
    return {
        "KPIs": "The scorecard's: OTIF and on time by the company definition ("
        + otif_text
        + "), PPM = rejected / received units x 1,000,000 (AIAG/VDA), lead time = receipt - PO "
        "date in days. A KPI over a period is pooled over its PO lines or receipts.",
        "Gap to target": "OTIF: company target - OTIF (shortfall only); PPM: PPM - company "
        "target. A supplier whose metric is not measured has no gap.",
        "Impact": f"Difference-in-differences (Card & Krueger 1994; Angrist & Pischke 2009, ch. "
        f"5): the supplier's KPI over the {months_after} months from {lag_months} months after "
        f"the start minus its KPI over the {months_before} months before, less the same change "
        "averaged over comparable suppliers (same category, no programme; every supplier without "
        f"one when the category has fewer than 5). A phase needs {min_obs} observations.",
        "Significance": "Placebo permutation test (Abadie, Diamond & Hainmueller 2010): the DiD "
        "is recomputed for each control as if it had had the programme; p = (1 + placebos at "
        "least as favourable) / (1 + controls). Improved = positive effect with p <= 0.05; with "
        "fewer than 19 controls p cannot reach 0.05.",
        "Value and ROI": f"OTIF points gained x annual PO lines x {money(cost_per_late_line)} per "
        f"late or short line; PPM reduced / 1e6 x annual units x unit price x "
        f"{defect_cost_multiple:g} (cost of poor quality); lead-time days saved x annual spend / "
        f"365 x {holding_rate:.0%} holding rate. Value over {value_years:g} year(s); ROI = value "
        "/ programme cost.",
        "Pipeline": "Suppliers in the Pareto group of spend (first 80%) or serving a critical "
        "customer segment, with a low score or a missed target and no planned or active "
        "programme, ranked by spend x (100 - score) / 100.",
    }


def programmes_display(progress: pd.DataFrame) -> pd.DataFrame:
    """The programmes table as a manager reads it: baseline, target and KPI now as text with
    their units (OTIF in %, PPM, days), progress as text: the share of the gap from baseline to
    target closed (0-100%), with "overshot the target" or "moved away from the target" in words."""
    k = progress["target_kpi"]
    out = progress[["programme_id", "supplier_id"]].copy()
    if "name" in progress:
        out["name"] = progress["name"]
    out["initiative"] = progress["initiative"] if "initiative" in progress else ""
    out["start_date"] = progress["start_date"]
    out["kpi"] = k.map(KPI_WORDS)
    for col in ("baseline", "target", "current"):
        vals = progress[col] if col in progress else pd.Series(np.nan, index=progress.index)
        out[col] = [_fmt_kpi(a, b) for a, b in zip(k, vals)]
    pct = progress["progress"].map(lambda v: "–" if pd.isna(v) else f"{100 * v:.0f}%")
    note = progress.get("progress_note", pd.Series("", index=progress.index)).fillna("")
    out["progress_text"] = (pct + (" (" + note + ")").where(note != "", "")).where(
        progress["progress"].notna(), "–"
    )
    out["cost"] = progress["cost"]
    out["owner"] = progress["owner"] if "owner" in progress else None
    out["status"] = progress["status"]
    return out


def gaps_display(gaps: pd.DataFrame) -> pd.DataFrame:
    """The suppliers missing a target, largest gap first within each KPI, with value, target and
    gap as text in the KPI's unit (OTIF gap in points)."""
    g = gaps[gaps["gap"] > 0].sort_values(["kpi", "gap"], ascending=[True, False])
    out = g[["supplier_id"] + (["name"] if "name" in g else [])].copy()
    out["kpi"] = g["kpi"].map(KPI_WORDS)
    out["value"] = [_fmt_kpi(a, b) for a, b in zip(g["kpi"], g["value"])]
    out["target"] = [_fmt_kpi(a, b) for a, b in zip(g["kpi"], g["target"])]
    out["gap"] = [
        f"{100 * v:.1f} pts" if a in ("otif", "on_time") else f"{v:,.0f} PPM"
        for a, v in zip(g["kpi"], g["gap"])
    ]
    return out.reset_index(drop=True)


def pipeline_caption(max_score: float, spend_share: float, critical_segments) -> str:
    """The sentence under the pipeline's title: what makes a supplier a candidate."""
    segs = ", ".join(str(s) for s in critical_segments) or "no"
    return (
        f"Score below {max_score:g} or a missed target; high spend = the suppliers carrying the "
        f"first {spend_share:.0%} of spend; critical = the single source of an item sold to {segs} "
        "customers."
    )
