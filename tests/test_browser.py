"""Reports and the index in a real headless browser (Debian's chromium through Playwright),
with every network request blocked: pages load without console errors, show no code, every
image decodes and every index link resolves to a file."""

from __future__ import annotations

from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="Debian chromium not installed (tasks.sh test installs it)"
)


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=str(CHROMIUM),
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield b
        b.close()


def _open(browser, path: Path):
    page = browser.new_page()
    blocked, errors = [], []

    def route(r):
        if r.request.url.startswith("file://") or r.request.url.startswith("data:"):
            r.continue_()
        else:
            blocked.append(r.request.url)
            r.abort()

    page.route("**/*", route)
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("dialog", lambda d: (errors.append(f"dialog: {d.message}"), d.dismiss()))
    page.goto(path.as_uri(), wait_until="load")
    return page, blocked, errors


def test_every_report_renders_offline(browser, runs):
    _, records = runs
    for rec in records.values():
        page, blocked, errors = _open(browser, Path(rec["run_dir"]) / "report.html")
        assert not blocked, f"{rec['notebook']}: external requests {blocked[:3]}"
        assert not errors, f"{rec['notebook']}: console errors {errors[:3]}"
        assert page.title() == rec["title"]
        assert (
            page.locator(".jp-InputArea").count() == 0
            and page.locator(".jp-InputPrompt").count() == 0
        )
        assert (
            page.locator(".scm-header").count() == 1
            and page.locator(".scm-summary li").count() >= 3
        )
        broken = page.evaluate(
            "Array.from(document.images).filter(i => !(i.complete && i.naturalWidth > 0)).length"
        )
        assert page.evaluate("document.images.length") > 0 and broken == 0, rec["notebook"]
        assert "Traceback" not in page.inner_text("body")
        page.close()


def test_index_links_resolve(browser, runs):
    out, records = runs
    page, blocked, errors = _open(browser, out / "index.html")
    assert not blocked and not errors
    assert page.title() == "scm-notebooks reports"
    hrefs = page.evaluate("Array.from(document.querySelectorAll('a')).map(a => a.href)")
    assert len(hrefs) >= len(records)
    for href in hrefs:
        assert href.startswith("file://") and Path(href[len("file://") :]).is_file(), href
    page.click("text=Spend analysis and savings")  # follows a link to a report, offline
    assert page.title() == "Spend analysis and savings"
    page.close()


def test_reports_read_as_reports(browser, runs):
    """Over the whole suite run: no table header is a code name, no widget state leaks, every
    "all rows are in" note links an existing file, money never sits between two bare dollar
    signs a maths renderer would typeset, and every headline tile says its status in words."""
    _, records = runs
    seen_headers = 0
    for rec in records.values():
        run = Path(rec["run_dir"])
        page, _, _ = _open(browser, run / "report.html")
        headers = page.evaluate(
            "Array.from(document.querySelectorAll('table.scm-table th')).map(t => t.innerText)"
        )
        assert not [h for h in headers if "_" in h], (
            rec["notebook"],
            [h for h in headers if "_" in h][:5],
        )
        seen_headers += len(headers)
        body = page.inner_text("body")
        assert "(all) / (all)" not in body and "Explore" not in page.evaluate(
            "Array.from(document.querySelectorAll('.scm-section h2')).map(h => h.innerText).join('|')"
        )
        links = page.evaluate(
            "Array.from(document.querySelectorAll('.scm-caption a')).map(a => a.href)"
        )
        for href in links:
            assert Path(href[len("file://") :]).is_file(), (rec["notebook"], href)
        notes = page.locator("text=all rows are in").count()
        assert notes == len(links), (rec["notebook"], notes, len(links))
        bare = page.evaluate(
            "(() => { const w = document.createTreeWalker(document.querySelector('.jp-Notebook') || document.body, NodeFilter.SHOW_TEXT);"
            " let n, bad = 0; while ((n = w.nextNode())) { if (n.parentElement.closest('code')) continue;"
            " if ((n.textContent.match(/\\$/g) || []).length) bad++; } return bad; })()"
        )
        assert bare == 0, rec["notebook"]
        coloured = page.evaluate(
            "Array.from(document.querySelectorAll('.scm-tile.status-green .t, .scm-tile.status-amber .t,"
            " .scm-tile.status-red .t')).map(t => t.innerText)"
        )
        for tile in coloured:  # status in words as well as colour
            assert any(
                w in tile for w in ("on target", "close to target", "off target", "grade ")
            ), tile
        page.close()
    assert seen_headers > 100  # the suite's reports do have tables
