"""Time search queries in headless Chromium against `publish serve`, and count what each
reads of the year indexes (README, Search). Usage:

    python scripts/measure-search.py DIST QUERY [QUERY ...]

Each query runs in a fresh browser context, after the page has started its workers; the
time is the page's own (`data-elapsed` on the status line: from the click to the results).
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from playwright.sync_api import Request, expect, sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests.test_browser import ARGS  # Chromium's flags for this machine

DONE = re.compile(r"results? for|No results|failed|would read more|no more than")


def main(dist: Path, queries: list[str]) -> None:
    command = [sys.executable, "-m", "publisher", "serve", "--dist", str(dist), "--port", "0"]
    with subprocess.Popen(
        [*command, "--quiet"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        stdin=subprocess.DEVNULL,
        text=True,
    ) as server:
        assert server.stdout is not None
        url = server.stdout.readline().split(" at ", 1)[1].split()[0]
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
                print("| query | time | index bytes read | requests | status |")
                print("|---|---:|---:|---:|---|")
                for query in queries:
                    context = browser.new_context()
                    page = context.new_page()
                    page.goto(url + "search/index.html")
                    page.wait_for_load_state("networkidle")  # the workers have started
                    done: list[Request] = []
                    page.on("requestfinished", lambda request, done=done: done.append(request))
                    page.fill("#q", query)
                    page.click("#search-form button[type=submit]")
                    status = page.locator("#search-status")
                    expect(status).to_contain_text(DONE, timeout=60_000)
                    elapsed = int(status.get_attribute("data-elapsed") or 0) / 1000
                    reads = [r for r in done if ".sqlite3" in r.url]
                    size = sum(r.sizes()["responseBodySize"] for r in reads)
                    print(
                        f"| `{query}` | {elapsed:.2f} s | {size / 1024:.0f} KiB | {len(reads)} "
                        f"| {status.inner_text()} |"
                    )
                    context.close()
                browser.close()
        finally:
            server.terminate()


if __name__ == "__main__":
    main(Path(sys.argv[1]), sys.argv[2:])
