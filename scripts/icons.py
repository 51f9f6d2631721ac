"""Remake the feeds' PNG images (publisher/feed_icons.py) from templates/favicon.svg, with
Debian's Chromium: each is the SVG drawn square at the image's height, centred, on a
transparent background. Run after changing the SVG, and commit the PNGs.

Usage: .venv/bin/python scripts/icons.py
"""

from __future__ import annotations

import base64
import shutil
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from publisher.feed_icons import ICONS  # noqa: E402
from tests.test_browser import ARGS  # noqa: E402

TEMPLATES = ROOT / "publisher" / "templates"
PAGE = (
    "<!DOCTYPE html><html><head><style>html, body {{ margin: 0; background: transparent }}"
    " body {{ display: flex; justify-content: center }}</style></head>"
    '<body><img alt="" width="{side}" height="{side}" src="data:image/svg+xml;base64,{svg}">'
    "</body></html>"
)


def main() -> None:
    chromium = shutil.which("chromium")
    if chromium is None:
        sys.exit("chromium is not installed (apt-get install chromium)")
    svg = base64.b64encode((TEMPLATES / "favicon.svg").read_bytes()).decode()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=ARGS)
        for icon in ICONS:
            page = browser.new_page(
                viewport={"width": icon.width, "height": icon.height}, device_scale_factor=1
            )
            page.set_content(PAGE.format(side=icon.height, svg=svg))
            page.screenshot(path=TEMPLATES / icon.name, omit_background=True)
            page.close()
        browser.close()


if __name__ == "__main__":
    main()
