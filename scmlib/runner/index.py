"""``reports/index.html``: every process with its latest report and the history of runs.

Plain static HTML with relative links and inline CSS, so it works opened from the file
system, offline. Every value is HTML-escaped.
"""

from __future__ import annotations

import datetime as dt
import html
import json
from pathlib import Path

from scmlib.paths import reports_dir
from scmlib.reporting import ACCENT, STATUS_COLOURS


def collect_runs(root: Path | None = None) -> list[dict]:
    """Read every ``run.json`` under the reports folder (unreadable ones are skipped)."""
    root = Path(root) if root else reports_dir()
    runs = []
    for path in sorted(root.glob("*/*/run.json")):
        try:
            rec = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        rec["_folder"] = path.parent.relative_to(root).as_posix()
        runs.append(rec)
    return runs


def _badge(status: str) -> str:
    colour = STATUS_COLOURS["green"] if status == "success" else STATUS_COLOURS["red"]
    return f'<span class="badge" style="background:{colour}">{html.escape(status)}</span>'


def build_index(root: Path | None = None) -> Path:
    """Rebuild ``index.html`` in the reports folder and return its path."""
    root = Path(root) if root else reports_dir()
    root.mkdir(parents=True, exist_ok=True)
    runs = collect_runs(root)
    by_name: dict[str, list[dict]] = {}
    for rec in runs:
        by_name.setdefault(rec.get("notebook", "?"), []).append(rec)
    e = html.escape
    rows, history = [], []
    for name in sorted(by_name):
        recs = sorted(by_name[name], key=lambda r: r.get("start", ""), reverse=True)
        latest = recs[0]
        link = f'{e(latest["_folder"])}/report.html'
        rows.append(
            f'<tr><td><a href="{link}">{e(str(latest.get("title", name)))}</a><div class="sub">{e(name)}</div></td>'
            f"<td>{_badge(str(latest.get('status', '?')))}</td><td>{e(str(latest.get('start', ''))[:16].replace('T', ' '))}</td>"
            f"<td>{e(str(latest.get('parameter_set', '')))}</td><td>{e(str(latest.get('data_source', '')))}</td><td>{len(recs)}</td></tr>"
        )
        items = "".join(
            f'<li><a href="{e(r["_folder"])}/report.html">{e(str(r.get("start", ""))[:19].replace("T", " "))}</a> '
            f"{_badge(str(r.get('status', '?')))} {e(str(r.get('parameter_set', '')))} · {e(str(r.get('data_source', '')))} · {float(r.get('duration_s', 0) or 0):,.1f} s"
            f"{(' · ' + e(str(r.get('error')))) if r.get('error') else ''}</li>"
            for r in recs
        )
        history.append(f'<details><summary>{e(str(latest.get("title", name)))} ({len(recs)} runs)</summary><ul>{items}</ul></details>')
    now = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    body = "".join(rows) or '<tr><td colspan="6">No runs yet: <code>scm run --all</code> creates them.</td></tr>'
    page = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>scm-notebooks reports</title>
<style>
body{{font-family:"Segoe UI",Helvetica,Arial,sans-serif;color:#1d2733;margin:24px;max-width:1100px}}
h1{{color:{ACCENT}}} table{{border-collapse:collapse;font-size:14px}} th{{background:{ACCENT};color:#fff;text-align:left;padding:6px 10px}}
td{{border-bottom:1px solid #e3e8ee;padding:6px 10px;vertical-align:top}} .sub{{font-size:11px;color:#7f8c8d}}
.badge{{color:#fff;border-radius:3px;padding:1px 7px;font-size:12px}} details{{margin:6px 0}} li{{font-size:13px;margin:2px 0}}
</style></head><body>
<h1>Supply chain reports</h1>
<p>Latest report of each process (generated {e(now)}). Each run folder is static files: share or archive it as it is.</p>
<table><thead><tr><th>Process</th><th>Status</th><th>Run (UTC)</th><th>Parameter set</th><th>Data source</th><th>Runs</th></tr></thead>
<tbody>{body}</tbody></table>
<h2>History</h2>
{''.join(history)}
</body></html>"""
    target = root / "index.html"
    tmp = target.with_suffix(".html.tmp")
    tmp.write_text(page, encoding="utf-8")
    tmp.replace(target)
    return target
