"""Render every report of a suite run to PNG pages with headless chromium, to look at what changed.

Usage: ``python tools/render_reports.py REPORTS_DIR OUT_DIR [--page-height 1600] [--latest]``

For each ``report.html`` under REPORTS_DIR (``--latest``: only the newest run of each process)
this writes ``OUT_DIR/<process>-<run>-p01.png, -p02.png, ...``: the full page cut into pages of
the given height, rendered offline (every non-file request is blocked) in Debian's chromium.
Also renders ``index.html``. Prints the files written.
"""

from __future__ import annotations

import argparse
import io
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def reports(root: Path, latest: bool) -> list[Path]:
    found = sorted(root.glob("*/*/report.html"))
    if latest:
        newest: dict[str, Path] = {}
        for p in found:
            newest[p.parent.parent.name] = p  # run folders sort by their UTC timestamp
        found = sorted(newest.values())
    return found + ([root / "index.html"] if (root / "index.html").is_file() else [])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("reports", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--page-height", type=int, default=1600)
    parser.add_argument("--width", type=int, default=1150)
    parser.add_argument("--latest", action="store_true")
    args = parser.parse_args(argv)
    from PIL import Image
    from playwright.sync_api import sync_playwright

    args.out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={"width": args.width, "height": args.page_height})
        page.route(
            "**/*",
            lambda route: (
                route.continue_() if route.request.url.startswith("file:") else route.abort()
            ),
        )
        for html in reports(args.reports.resolve(), args.latest):
            page.goto(html.as_uri())
            shot = Image.open(io.BytesIO(page.screenshot(full_page=True)))
            stem = (
                "index"
                if html.name == "index.html"
                else f"{html.parent.parent.name}-{html.parent.name}"
            )
            for i, top in enumerate(range(0, shot.height, args.page_height), start=1):
                target = args.out / f"{stem}-p{i:02d}.png"
                shot.crop((0, top, shot.width, min(top + args.page_height, shot.height))).save(
                    target
                )
                print(target)
        browser.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
