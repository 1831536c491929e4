"""Supplier quarterly business review (QBR): one supplier's quarter against targets and trend
(the scorecard's numbers), issues and root causes, actions, spend and share of wallet,
performance per customer segment served, the ideas log and a proposed agenda.

The KPIs come from :func:`scmlib.suppliers.scorecard.company_card` and
:func:`scmlib.suppliers.scorecard.trends` with the company settings, so a QBR shows the same
OTIF, PPM, score and rank as ``supplier_scorecard``. Share of wallet is the buyer-side share:
the supplier's part of our spend in each category it supplies (Keiningham et al. 2011 define
share of wallet as the share of a customer's category spending that goes to one firm).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from scmlib.core.delivery import otif
from scmlib.core.text import plural
from scmlib.errors import DataError, ParameterError, did_you_mean

# what a supplier report's spend is, and why it differs from the spend and category reports
SPEND_BASIS = (
    "Ordered value (quantity x unit price) of the PO lines due in the 12-month window, in the "
    "reporting currency at the company rate policy, as the supplier scorecard counts it; the "
    "spend analysis and category reports count invoices by invoice date, so a supplier's figure "
    "there differs by the lines ordered but not yet invoiced (and the reverse)."
)


def window_spend(po: pd.DataFrame, start, end) -> pd.Series:
    """Spend (ordered quantity x unit price) per supplier over PO lines due in [start, end], as the
    scorecard counts it, largest first."""
    w = po[(po["promised_date"] >= start) & (po["promised_date"] <= end)]
    value = w["ordered_qty"] * w["unit_price"]
    return value.groupby(w["supplier_id"]).sum().sort_values(ascending=False, kind="stable")


def qbr_candidates(data) -> list[str]:
    """Supplier ids ranked by spend over the company reporting window, most important first: the
    batch-mode ranking of ``scm run supplier_qbr --each supplier_id --top N``. ``data`` maps table
    names to frames (the notebook's declared tables); the window is the scorecard's (the company
    OTIF measure's window, :func:`scmlib.core.measures.supplier_otif`)."""
    from scmlib.core.measures import supplier_otif
    from scmlib.core.settings import company_settings
    from scmlib.suppliers.scorecard import purchase_lines

    settings = company_settings()
    po = purchase_lines(data, settings)
    figure = supplier_otif(po, settings)
    spend = window_spend(po, figure.window_start, figure.window_end)
    return [str(s) for s in spend[spend > 0].index]


def resolve_supplier(supplier_id: str, ranked: list[str], suppliers: pd.DataFrame | None) -> str:
    """The supplier to review: ``supplier_id``, or the largest by spend when it is empty. An id
    with no PO lines in the window is a one-line :class:`ParameterError` naming close ids (or the
    ids whose master name matches) and the largest suppliers."""
    if not ranked:
        raise DataError(
            "purchase_order_lines: no PO line is due in the reporting window, so there is no "
            "supplier to review; check the data's dates or the company calendar.as_of"
        )
    sid = str(supplier_id or "").strip()
    if not sid:
        return ranked[0]
    if sid in ranked:
        return sid
    hint = did_you_mean(sid, ranked)
    if not hint and suppliers is not None and "name" in suppliers:
        named = suppliers[suppliers["name"].astype(str).str.contains(sid, case=False, regex=False)]
        ids = [s for s in named["supplier_id"].astype(str) if s in ranked][:3]
        hint = f"; did you mean {', '.join(ids)} (name matches)?" if ids else ""
    known = "in the vendor master but has" if (
        suppliers is not None and sid in set(suppliers["supplier_id"].astype(str))
    ) else "has"  # fmt: skip
    raise ParameterError(
        f"supplier_id: '{sid}' {known} no PO lines in the reporting window{hint}; the largest "
        f"by spend are {', '.join(ranked[:5])}"
    )


def quarter_kpis(
    quarterly: pd.DataFrame,
    card_row: Mapping,
    delivery: str,
    targets: Mapping[str, float | None],
) -> pd.DataFrame:
    """The supplier's KPIs for the last complete fiscal quarter, the one before and the same
    quarter a year earlier (from the scorecard's quarterly trend of this supplier), beside the
    12-month window value of the scorecard and the company target, with the status against it
    (``met``, ``missed`` or ``not measured``). ``kpi, last_quarter, previous_quarter,
    year_ago, window, target, status``."""
    q = quarterly.sort_values("period")
    last = q.iloc[-1] if len(q) else None
    periods = list(q["period"])

    def at(offset: int, col: str) -> float:
        if last is None:
            return float("nan")
        want = pd.Timestamp(last["period"]) - pd.DateOffset(months=3 * offset)
        hit = q[q["period"] == want]
        return float(hit[col].iloc[0]) if len(hit) and col in hit else float("nan")

    rows = []
    for kpi, col, target, higher in (
        ("OTIF" if delivery == "otif" else "On time", delivery, targets.get("otif"), True),
        ("PPM", "ppm", targets.get("ppm"), False),
        ("PO lines", "lines", None, None),
    ):
        window = card_row.get(col, np.nan)
        if col not in q:
            lq = pq = ya = float("nan")
        else:
            lq, pq, ya = at(0, col), at(1, col), at(4, col)
        if target is None or pd.isna(window):
            status = "not measured" if pd.isna(window) else "no target"
        else:
            status = "met" if (window >= target if higher else window <= target) else "missed"
        rows.append(
            {
                "kpi": kpi,
                "last_quarter": lq,
                "previous_quarter": pq,
                "year_ago": ya,
                "window": window,
                "target": target,
                "status": status,
            }
        )
    out = pd.DataFrame(rows)
    out.attrs["quarter"] = None if last is None else pd.Timestamp(last["period"])
    out.attrs["periods"] = periods
    return out


def late_deliveries_by_reason(
    po: pd.DataFrame, supplier: str, start, end, otif_kw: Mapping | None = None
) -> pd.DataFrame:
    """The supplier's PO lines due in [start, end] that missed OTIF, by what went wrong: ``late
    and short``, ``late``, ``short``, ``still open past due`` and ``too early``, each with lines,
    share of the measured lines and average days late (received - due; blank for ``short`` and
    ``still open past due``, which are not late deliveries). Without a recorded delay
    reason in the data these are the failure modes seen in the receipts."""
    otif_kw = dict(otif_kw or {})
    due = otif_kw.get("due", "promised_date")
    lines = po[(po["supplier_id"] == supplier) & (po[due] >= start) & (po[due] <= end)]
    flags, _ = otif(lines, **otif_kw)
    cols = ["reason", "lines", "share", "avg_days_late"]
    if flags.empty or flags["on_time"].isna().all():
        return pd.DataFrame(columns=cols)
    arrived = otif_kw.get("arrived", "receipt_date")
    days = (flags[arrived] - flags[due]).dt.days
    early = days < -int(otif_kw.get("early_days", 3))
    reason = np.select(
        [
            flags[arrived].isna(),
            (flags["on_time"] == 0) & (flags["in_full"] == 0) & ~early,
            (flags["on_time"] == 0) & ~early,
            (flags["on_time"] == 0) & early,
            flags["in_full"] == 0,
        ],
        ["still open past due", "late and short", "late", "too early", "short"],
        "",
    )
    f = flags.assign(reason=reason, days=days)
    bad = f[f["reason"] != ""]
    g = bad.groupby("reason")
    out = pd.DataFrame({"lines": g.size(), "avg_days_late": g["days"].mean()}).reset_index()
    out["share"] = out["lines"] / len(f)
    # a short or still-open line is not late: no days late to average (blank, not -1.0)
    out["avg_days_late"] = out["avg_days_late"].where(
        ~out["reason"].isin(["short", "still open past due"])
    )
    return out.sort_values("lines", ascending=False).reset_index(drop=True)[cols]


def quality_issues(
    quality: pd.DataFrame | None, supplier: str, start, end, top: int = 10
) -> pd.DataFrame:
    """The supplier's receipts with rejections in [start, end] by item: receipts, rejected
    receipts, units received and rejected, PPM; the most rejected units first."""
    cols = ["item_id", "receipts", "rejected_receipts", "received_qty", "rejected_qty", "ppm"]
    if quality is None or quality.empty:
        return pd.DataFrame(columns=cols)
    q = quality[
        (quality["supplier_id"] == supplier)
        & (quality["receipt_date"] >= start)
        & (quality["receipt_date"] <= end)
    ]
    key = q["item_id"].fillna("(no item)") if "item_id" in q else pd.Series("(all)", index=q.index)
    g = q.groupby(key)
    out = pd.DataFrame(
        {
            "receipts": g.size(),
            "rejected_receipts": g["rejected_qty"].apply(lambda s: int((s > 0).sum())),
            "received_qty": g["received_qty"].sum(),
            "rejected_qty": g["rejected_qty"].sum(),
        }
    )
    out["ppm"] = 1e6 * out["rejected_qty"] / out["received_qty"].where(out["received_qty"] > 0)
    out = out[out["rejected_qty"] > 0].sort_values("rejected_qty", ascending=False).head(top)
    return out.rename_axis("item_id").reset_index()[cols]


def supplier_actions(actions: pd.DataFrame | None, supplier: str, as_of) -> pd.DataFrame:
    """The supplier's corrective actions open at ``as_of`` (overdue first, then by due date) with
    days overdue; the issues they address are the root causes on record."""
    cols = ["action_id", "issue", "owner", "opened", "due", "status", "days_overdue"]
    if actions is None or actions.empty:
        return pd.DataFrame(columns=cols)
    a = actions[(actions["supplier_id"] == supplier) & (actions["status"] != "closed")].copy()
    a["days_overdue"] = (pd.Timestamp(as_of) - a["due"]).dt.days.clip(lower=0)
    a = a.sort_values(["days_overdue", "due"], ascending=[False, True])
    return a[[c for c in cols if c in a.columns]].reset_index(drop=True)


def root_causes(actions: pd.DataFrame | None, supplier: str, start, end) -> pd.DataFrame:
    """Issues recorded on the supplier's corrective actions opened in [start, end]: ``issue,
    actions, open, closed``, the most frequent first."""
    cols = ["issue", "actions", "open", "closed"]
    if actions is None or actions.empty:
        return pd.DataFrame(columns=cols)
    a = actions[
        (actions["supplier_id"] == supplier)
        & (actions["opened"] >= start)
        & (actions["opened"] <= end)
    ]
    closed = a["status"] == "closed"
    g = a.groupby("issue")
    out = pd.DataFrame(
        {
            "actions": g.size(),
            "open": (~closed).groupby(a["issue"]).sum(),
            "closed": closed.groupby(a["issue"]).sum(),
        }
    )
    return out.sort_values("actions", ascending=False).reset_index()[cols]


def share_of_wallet(po: pd.DataFrame, supplier: str, start, end) -> pd.DataFrame:
    """Per category the supplier supplies, over PO lines due in [start, end]: the supplier's
    spend, our whole spend in the category, the supplier's share of it (share of wallet) and the
    number of suppliers we use there."""
    w = po[(po["promised_date"] >= start) & (po["promised_date"] <= end)]
    value = w["ordered_qty"] * w["unit_price"]
    cats = w.loc[w["supplier_id"] == supplier, "category"].unique()
    inside = w["category"].isin(cats)
    total = value[inside].groupby(w.loc[inside, "category"]).sum()
    mine = (
        value[w["supplier_id"] == supplier]
        .groupby(w.loc[w["supplier_id"] == supplier, "category"])
        .sum()
    )
    n = w[inside].groupby("category")["supplier_id"].nunique()
    out = pd.DataFrame({"spend": mine, "category_spend": total, "suppliers": n})
    out["share_of_wallet"] = out["spend"] / out["category_spend"].where(out["category_spend"] > 0)
    return out.sort_values("spend", ascending=False).rename_axis("category").reset_index()


# ideas still open, and what each status asks of the review
OPEN_IDEAS = {"submitted": "to evaluate", "evaluating": "to decide", "accepted": "to implement"}


def ideas_text(ideas: pd.DataFrame) -> str:
    """'3 open ideas: 1 accepted (to implement), 1 evaluating (to decide, oldest submitted
    12 May 2025), 1 submitted (to evaluate)' from an :func:`ideas_log`; 'no open ideas'."""
    if not len(ideas):
        return "no open ideas"
    live = ideas[ideas["status"].isin(list(OPEN_IDEAS))]
    if live.empty:
        return "no open ideas"
    parts = []
    for status, ask in OPEN_IDEAS.items():
        these = live[live["status"] == status]
        if len(these):
            dates = these["submitted"] if "submitted" in these else pd.Series(dtype=object)
            since = pd.to_datetime(dates, errors="coerce").min()
            first = "oldest submitted" if len(these) > 1 else "submitted"
            oldest = f", {first} {since:%d %b %Y}" if pd.notna(since) else ""
            parts.append(f"{len(these):,} {status} ({ask}{oldest})")
    return f"{plural(len(live), 'open idea')}: " + ", ".join(parts)


def ideas_log(ideas: pd.DataFrame | None, supplier: str) -> pd.DataFrame:
    """The supplier's ideas, open ones (submitted, evaluating, accepted) first, newest first."""
    cols = ["idea_id", "submitted", "title", "raised_by", "estimated_value", "status"]
    if ideas is None or ideas.empty:
        return pd.DataFrame(columns=cols)
    i = ideas[ideas["supplier_id"] == supplier].copy()
    order = {"accepted": 0, "evaluating": 1, "submitted": 2, "implemented": 3, "rejected": 4}
    i["_o"] = i["status"].map(order)
    i = i.sort_values(["_o", "submitted"], ascending=[True, False])
    return i[[c for c in cols if c in i.columns]].reset_index(drop=True)


def agenda(
    kpis: pd.DataFrame,
    late: pd.DataFrame,
    issues: pd.DataFrame,
    open_actions: pd.DataFrame,
    segments: pd.DataFrame,
    ideas: pd.DataFrame,
    programmes: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """A proposed agenda for the review, built from what the report found: ``item, minutes,
    why``. Performance always comes first; missed targets, overdue actions, segments below their
    SLA and open ideas add items; the last item agrees actions and owners."""
    rows = [("Performance against targets and trend", 15, _kpi_why(kpis))]
    if len(late):
        top = late.iloc[0]
        rows.append(
            (
                "Delivery failures and their causes",
                15,
                f"{int(late['lines'].sum()):,} PO lines missed OTIF, mostly '{top['reason']}' "
                f"({top['lines']:,} lines)",
            )
        )
    if len(issues):
        rows.append(
            (
                "Quality: rejected receipts and containment",
                10,
                f"{int(issues['rejected_qty'].sum()):,} units rejected on {len(issues):,} items",
            )
        )
    overdue = open_actions[open_actions["days_overdue"] > 0] if len(open_actions) else open_actions
    if len(open_actions):
        rows.append(
            (
                "Corrective actions: status and overdue items",
                10,
                f"{len(open_actions):,} open, {len(overdue):,} overdue",
            )
        )
    below = segments[segments["points"] < 0] if "points" in segments else segments.iloc[:0]
    if len(below):
        rows.append(
            (
                "Customer segments below their SLA and service credits",
                10,
                ", ".join(below["segment"].astype(str)) + " below the agreed OTIF",
            )
        )
    if programmes is not None and len(programmes):
        rows.append(
            (
                "Development programme review",
                10,
                ", ".join(programmes["programme_id"].astype(str)) + " in progress or completed",
            )
        )
    if len(ideas) and ideas["status"].isin(OPEN_IDEAS).any():
        rows.append(("Innovation and ideas", 10, ideas_text(ideas)))
    rows.append(
        ("Strategic alignment: next quarter's volumes, capacity and plans", 10, "standing item")
    )
    rows.append(("Agree actions, owners and dates", 5, "standing item"))
    return pd.DataFrame(rows, columns=["item", "minutes", "why"])


def _kpi_why(kpis: pd.DataFrame) -> str:
    missed = kpis[kpis["status"] == "missed"]["kpi"].tolist()
    return ("missed: " + ", ".join(missed)) if missed else "every measured target met"


def _pct(v: float) -> str:
    return "–" if pd.isna(v) else f"{100 * v:.1f}%"


def kpi_display(kpis: pd.DataFrame) -> pd.DataFrame:
    """The quarter's KPI table as text in each KPI's unit (OTIF in %, PPM, lines)."""
    out = kpis.copy()
    for col in ("last_quarter", "previous_quarter", "year_ago", "window", "target"):
        out[col] = [
            _pct(v) if k in ("OTIF", "On time") else ("–" if pd.isna(v) else f"{v:,.0f}")
            for k, v in zip(kpis["kpi"], kpis[col])
        ]
    return out


def summary_points(
    name: str,
    row: Mapping,
    ranked: int,
    kpis: pd.DataFrame,
    late: pd.DataFrame,
    open_actions: pd.DataFrame,
    wallet: pd.DataFrame,
    segments: pd.DataFrame,
    ideas: pd.DataFrame,
    money=lambda v: f"{v:,.0f}",
) -> list[str]:
    """The executive summary of one supplier's QBR, from its tables."""
    pts = []
    score = row.get("score")
    rank = (
        f"score {score:.0f}, grade {row.get('grade')}, rank {int(row.get('rank'))} of {ranked:,} "
        "ranked suppliers"
        if not pd.isna(score)
        else f"not ranked ({row.get('unscored_reason') or 'not measured'})"
    )
    pts.append(
        f"{name}: {rank} on the supplier scorecard; {money(row.get('spend', 0.0))} of spend."
    )
    q = kpis.attrs.get("quarter")
    first = kpis.iloc[0]
    if q is not None and not pd.isna(first["last_quarter"]):
        pts.append(
            f"{first['kpi']} {_pct(first['last_quarter'])} in the quarter starting {q:%b %Y} "
            f"(previous quarter {_pct(first['previous_quarter'])}); {_pct(first['window'])} over "
            f"the 12-month window against a target of {_pct(first['target'])} ({first['status']})."
        )
    ppm = kpis[kpis["kpi"] == "PPM"].iloc[0]
    if not pd.isna(ppm["window"]):
        pts.append(
            f"Quality {ppm['window']:,.0f} PPM over the window against {ppm['target']:,.0f} "
            f"({ppm['status']})."
        )
    if len(late):
        pts.append(
            f"{int(late['lines'].sum()):,} PO lines missed OTIF; the main failure: "
            f"'{late.iloc[0]['reason']}' ({late.iloc[0]['share']:.0%} of lines)."
        )
    overdue = int((open_actions["days_overdue"] > 0).sum()) if len(open_actions) else 0
    pts.append(f"{len(open_actions):,} corrective actions open, {overdue:,} overdue.")
    if len(wallet):
        top = wallet.iloc[0]
        pts.append(
            f"Share of wallet: {top['share_of_wallet']:.0%} of our {top['category']} spend "
            f"({top['suppliers']:,} suppliers in the category)."
        )
    if len(segments) and "points" in segments:
        below = segments[segments["points"] < 0]
        net = float(segments["net"].sum())
        pts.append(
            f"Segment SLAs: below target in {len(below):,} of {len(segments):,} customer "
            f"segments; net {'bonus' if net > 0 else 'service credit'} {money(abs(net))} at the "
            "credit and bonus rates of the company settings (supplier_sla)."
        )
    pts.append(f"Ideas log: {ideas_text(ideas)}.")
    return pts


def appendix(otif_text: str) -> dict[str, str]:
    """The method appendix of the QBR, before the segment notes
    (:func:`scmlib.suppliers.segmentation.appendix`)."""
    return {
        "KPIs": "The supplier scorecard's, with the company settings: " + otif_text + " PPM = "
        "rejected / received units x 1,000,000. The 12-month window and the score, grade and rank "
        "are the scorecard's (default weights and grade bands).",
        "Quarters": "Fiscal quarters of the company calendar; only complete quarters are shown.",
        "Delivery failures": "PO lines due in the window that missed OTIF, by failure mode: late "
        "and short, late, short, still open past due, too early.",
        "Share of wallet": "The supplier's spend in a category / our whole spend in the category "
        "(Keiningham et al. 2011).",
        "Spend": SPEND_BASIS,
    }
