"""``reports/index.html``: every process with its latest report and the history of runs.

Plain static HTML with relative links and inline CSS, so it works opened from the file
system, offline. Every value is HTML-escaped.
"""

from __future__ import annotations

import datetime as dt
import html
import json
from pathlib import Path

from scmlib.core.files import atomic_write_text, file_lock
from scmlib.paths import reports_dir
from scmlib.reporting import ACCENT, STATUS_COLOURS
from scmlib.runner.context import effective_status


def collect_runs(root: Path | None = None) -> list[dict]:
    """Read every ``run.json`` under the reports folder (unreadable ones are skipped); a stale
    ``running`` record is shown as ``interrupted`` (:func:`scmlib.runner.context.effective_status`)."""
    root = Path(root) if root else reports_dir()
    runs = []
    for path in sorted(root.glob("*/*/run.json")):
        try:
            rec = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        rec["status"], rec["error"] = effective_status(rec)
        rec["_folder"] = path.parent.relative_to(root).as_posix()
        runs.append(rec)
    return runs


def _badge(status: str) -> str:
    colour = {"success": STATUS_COLOURS["green"], "running": STATUS_COLOURS["amber"]}.get(
        status, STATUS_COLOURS["red"]
    )
    return f'<span class="badge" style="background:{colour}">{html.escape(status)}</span>'


def _headlines(root: Path, rec: dict, limit: int = 3) -> str:
    """The first headline figures of a successful run, formatted, for the index."""
    from scmlib.core.kpi import KPIS
    from scmlib.reporting import fmt_kpi

    path = root / rec["_folder"] / "outputs" / "headlines.csv"
    try:
        import pandas as pd

        h = pd.read_csv(path)
    except (OSError, ValueError):
        return ""
    items = []
    for _, r in h.head(limit).iterrows():
        if r["kpi"] in KPIS:
            items.append(
                f"{html.escape(KPIS[r['kpi']].label)} <b>{html.escape(fmt_kpi(r['kpi'], float(r['value'])))}</b>"
            )
    return '<div class="figs">' + " · ".join(items) + "</div>" if items else ""


def _batch_links(recs: list[dict], limit: int = 50) -> str:
    """For a notebook run once per entity (``scm run ... --each``): the last successful report of
    each entity, newest batch first, as one line of links under the notebook's row."""
    e = html.escape
    latest: dict[str, dict] = {}
    for r in recs:  # newest first
        b = r.get("batch") or {}
        if b.get("value") is not None and r.get("status") == "success":
            latest.setdefault(str(b["value"]), r)
    if not latest:
        return ""
    param = next(iter(latest.values()))["batch"]["parameter"]
    links = " · ".join(
        f'<a href="{e(r["_folder"])}/report.html">{e(value)}</a>'
        for value, r in list(latest.items())[:limit]
    )
    more = f" (+{len(latest) - limit} more in the history)" if len(latest) > limit else ""
    return f'<div class="sub">One report per {e(param)} ({len(latest)}): {links}{more}</div>'


def _page(root: Path, runs: list[dict]) -> str:
    by_name: dict[str, list[dict]] = {}
    for rec in runs:
        by_name.setdefault(rec.get("notebook", "?"), []).append(rec)
    e = html.escape
    rows, history = [], []
    for name in sorted(by_name):
        recs = sorted(by_name[name], key=lambda r: r.get("start", ""), reverse=True)
        latest = recs[0]
        ok = next((r for r in recs if r.get("status") == "success"), None)
        title = e(str(latest.get("title", name)))
        if ok is not None:
            good = f'<a href="{e(ok["_folder"])}/report.html">{e(str(ok.get("start", ""))[:16].replace("T", " "))}</a>{_headlines(root, ok)}'
        else:
            good = '<span class="sub">no successful run yet</span>'
        latest_cell = f'{_badge(str(latest.get("status", "?")))} <a href="{e(latest["_folder"])}/report.html">{e(str(latest.get("start", ""))[:16].replace("T", " "))}</a>'
        if latest.get("error") and latest is not ok:
            latest_cell += f'<div class="sub">{e(str(latest["error"]))[:200]}</div>'
        rows.append(
            f'<tr><td><a href="{e((ok or latest)["_folder"])}/report.html">{title}</a><div class="sub">{e(name)}</div></td>'
            f"<td>{good}{_batch_links(recs)}</td><td>{latest_cell}</td><td>{e(str(latest.get('parameter_set', '')))}</td>"
            f"<td>{e(str(latest.get('data_source', '')))}</td><td>{len(recs)}</td></tr>"
        )
        items = "".join(
            f'<li><a href="{e(r["_folder"])}/report.html">{e(str(r.get("start", ""))[:19].replace("T", " "))}</a> '
            f"{_badge(str(r.get('status', '?')))} {e(str(r.get('parameter_set', '')))} · {e(str(r.get('data_source', '')))} · {float(r.get('duration_s', 0) or 0):,.1f} s"
            f"{(' · ' + e(str(r.get('error')))) if r.get('error') else ''}</li>"
            for r in recs
        )
        history.append(
            f"<details><summary>{title} ({len(recs)} runs)</summary><ul>{items}</ul></details>"
        )
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    body = (
        "".join(rows)
        or '<tr><td colspan="6">No runs yet: <code>scm run --all</code> creates them.</td></tr>'
    )
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>scm-notebooks reports</title>
<style>
body{{font-family:"Segoe UI",Helvetica,Arial,sans-serif;color:#1d2733;margin:24px;max-width:1200px}}
h1{{color:{ACCENT}}} table{{border-collapse:collapse;font-size:14px}} th{{background:{ACCENT};color:#fff;text-align:left;padding:6px 10px}}
td{{border-bottom:1px solid #e3e8ee;padding:6px 10px;vertical-align:top}} .sub{{font-size:11px;color:#7f8c8d}} .figs{{font-size:12px;color:#34495e;margin-top:3px}}
.badge{{color:#fff;border-radius:3px;padding:1px 7px;font-size:12px}} details{{margin:6px 0}} li{{font-size:13px;margin:2px 0}}
</style></head><body>
<h1>Supply chain reports</h1>
<p>Each process with its last successful report (and its headline figures) and its latest run (generated {e(now)}).
Each run folder is static files: share or archive it as it is.</p>
<table><thead><tr><th>Process</th><th>Last successful report</th><th>Latest run (UTC)</th><th>Parameter set</th><th>Data source</th><th>Runs</th></tr></thead>
<tbody>{body}</tbody></table>
<h2>History</h2>
{"".join(history)}
</body></html>"""


def build_index(root: Path | None = None) -> Path:
    """Rebuild ``index.html`` in the reports folder and return its path. Safe under concurrent
    rebuilds: a lock serialises writers and each write replaces the file atomically, so readers
    always see a complete page."""
    root = Path(root) if root else reports_dir()
    root.mkdir(parents=True, exist_ok=True)
    target = root / "index.html"
    with file_lock(root / ".index.lock"):
        atomic_write_text(target, _page(root, collect_runs(root)))
    return target
