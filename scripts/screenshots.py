"""Regenerate the README screenshots in docs/ from the fixture corpus, with Debian's Chromium.

Usage: .venv/bin/python scripts/screenshots.py
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.sitetools import build_site, corpus  # noqa: E402
from tests.test_browser import ARGS  # noqa: E402

SHOTS = {  # file in docs/ -> (page, viewport width, height)
    "site-landing.png": ("index.html", 1024, 900),
    "site-article-phone.png": ("articles/64a29ae14d7662cb.html", 360, 900),
}


def main() -> None:
    chromium = shutil.which("chromium")
    if chromium is None:
        sys.exit("chromium is not installed (apt-get install chromium)")
    with tempfile.TemporaryDirectory() as tmp:
        dist = Path(tmp) / "dist"
        build_site(corpus(Path(tmp) / "seeds", hostile=False), dist)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=chromium, args=ARGS)
            for name, (page_path, width, height) in SHOTS.items():
                page = browser.new_page(viewport={"width": width, "height": height})
                page.goto((dist / page_path).as_uri())
                page.screenshot(path=ROOT / "docs" / name)
                page.close()
            browser.close()


if __name__ == "__main__":
    main()
