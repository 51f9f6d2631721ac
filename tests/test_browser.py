"""The site in a real browser: headless Chromium (Debian's package) driven by Playwright,
against `publish serve` on a free loopback port.

Playwright cannot download its own browser here, so the test launches the system
`chromium` (scripts/test.sh installs it) and is skipped only when that is absent.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Dialog, Page, Request, sync_playwright

from .sitetools import HOSTILE_ID, HOSTILE_TITLE, build_site, corpus

CHROMIUM = shutil.which("chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SEED_TITLE = "US-Russia Confrontation, Danger of Military Escalation"

pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="chromium is not installed (apt-get install chromium)"
)


@pytest.fixture(scope="module")
def site_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`publish serve --port 0` on a freshly built site; yields the URL it prints."""
    root = tmp_path_factory.mktemp("browser")
    build_site(corpus(root / "seeds"), root / "dist")
    command = [sys.executable, "-m", "publisher", "serve", "--dist", str(root / "dist")]
    with (
        (root / "serve.log").open("w") as log,
        subprocess.Popen(
            [*command, "--port", "0"], stdout=subprocess.PIPE, stderr=log, text=True
        ) as server,
    ):
        assert server.stdout is not None
        line = server.stdout.readline()
        assert " at http://127.0.0.1:" in line, (line, (root / "serve.log").read_text())
        try:
            yield line.split(" at ", 1)[1].split()[0]
        finally:
            server.terminate()
            server.communicate(timeout=10)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


class Watch:
    """What a page did that it must not: console errors, dialogs, requests elsewhere."""

    def __init__(self, page: Page, origin: str) -> None:
        self.origin = origin
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        self.foreign: list[str] = []
        page.on("console", self.console)
        page.on("pageerror", lambda error: self.errors.append(f"pageerror: {error}"))
        page.on("dialog", self.dialog)
        page.on("request", self.request)

    def console(self, message: ConsoleMessage) -> None:
        if message.type in ("error", "warning"):
            self.errors.append(f"{message.type}: {message.text} ({message.location})")

    def dialog(self, dialog: Dialog) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def request(self, request: Request) -> None:
        if not request.url.startswith(self.origin):
            self.foreign.append(request.url)

    def assert_clean(self) -> None:
        assert self.errors == []
        assert self.dialogs == []
        assert self.foreign == []


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1024, "height": 800})
    page = context.new_page()
    yield page
    context.close()


def test_reader_journey(site_url: str, page: Page, tmp_path: Path) -> None:
    started = time.perf_counter()
    watch = Watch(page, site_url)
    response = page.goto(site_url)
    assert response is not None and response.ok
    assert page.title() == "Republished Articles Archive"
    alternates = page.locator("head link[rel=alternate]")
    assert alternates.count() == 3
    assert page.locator("link[rel=stylesheet]").count() == 1
    assert page.evaluate("getComputedStyle(document.body).maxWidth") != "none"  # CSS applied
    page.screenshot(path=tmp_path / "landing.png", full_page=True)

    # Follow a link from the landing page to an article.
    page.get_by_role("link", name=SEED_TITLE).click()
    page.wait_for_load_state()
    assert page.url.endswith("/articles/64a29ae14d7662cb.html")
    title = page.locator("h1")
    assert title.is_visible() and title.inner_text().startswith(SEED_TITLE)
    attribution = page.locator("#attribution")
    assert attribution.is_visible()
    assert "The original source of this article is RT." in attribution.inner_text()
    assert "Copyright © RT, RT, 2013" in attribution.inner_text()
    disclaimer = page.locator("#disclaimer")
    assert disclaimer.is_visible()
    assert "fair use" in disclaimer.inner_text()
    page.screenshot(path=tmp_path / "article.png", full_page=True)

    # A topic link from the article leads to the topic's page and its own feeds.
    page.get_by_role("link", name="In-depth Report: SYRIA").click()
    page.wait_for_load_state()
    assert page.url.endswith("/topics/report/syria/index.html")
    assert page.locator("head link[rel=alternate][href$='feeds/report/syria.atom']").count() == 1

    # Follow the Atom feed link: the feed, with its media type.
    with page.expect_response(lambda r: r.url.endswith("/feeds/report/syria.atom")) as feed:
        page.locator("footer a.feed", has_text="Atom").click()
    assert feed.value.status == 200
    assert feed.value.headers["content-type"] == "application/atom+xml; charset=utf-8"
    assert b"<feed xmlns=" in feed.value.body()
    for name, mime in (("all.rss", "application/rss+xml"), ("all.json", "application/feed+json")):
        fetched = page.request.get(site_url + "feeds/" + name)
        assert fetched.ok and fetched.headers["content-type"] == f"{mime}; charset=utf-8"

    # The releases page is linked from every page and says there is nothing yet.
    page.goto(site_url)
    page.get_by_role("link", name="Datasets", exact=True).click()
    page.wait_for_load_state()
    assert "No dataset has been released yet." in page.locator("main").inner_text()

    watch.assert_clean()
    assert (tmp_path / "landing.png").stat().st_size > 10_000
    assert (tmp_path / "article.png").stat().st_size > 10_000
    print(f"browser journey: {time.perf_counter() - started:.2f}s")


def test_readable_on_a_phone_without_javascript(
    site_url: str, browser: Browser, tmp_path: Path
) -> None:
    context = browser.new_context(
        viewport={"width": 360, "height": 740}, java_script_enabled=False, is_mobile=True
    )
    page = context.new_page()
    watch = Watch(page, site_url)
    pages = ("", "articles/64a29ae14d7662cb.html", "topics/region/russia-and-fsu/", "releases/")
    for path in pages:
        page.goto(site_url + path)
        assert page.locator("h1").is_visible(), path
        # Nothing wider than the screen: no sideways scrolling on a phone.
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 360, (path, width)
    page.screenshot(path=tmp_path / "phone.png", full_page=True)
    watch.assert_clean()
    context.close()


def test_hostile_article_runs_nothing(site_url: str, page: Page) -> None:
    watch = Watch(page, site_url)
    page.goto(site_url + f"articles/{HOSTILE_ID}.html")
    page.wait_for_load_state("load")
    assert page.locator("h1").inner_text() == HOSTILE_TITLE
    assert page.evaluate("window.pwned") is None
    # The one script element is the JSON-LD data block, which a browser never runs.
    assert page.evaluate("[...document.scripts].map(s => s.type)") == ["application/ld+json"]
    ld = json.loads(page.evaluate("document.scripts[0].textContent"))
    assert ld["headline"] == HOSTILE_TITLE
    assert (
        page.evaluate("document.querySelectorAll('iframe, object, embed, svg, form').length") == 0
    )
    assert len(page.frames) == 1
    # The markdown javascript: link is still there as text, but no longer a link.
    assert page.get_by_role("link", name="click me").count() == 0
    link = page.get_by_text("click me")
    assert link.is_visible() and link.get_attribute("href") is None
    link.click()
    page.locator("body").hover()
    page.wait_for_timeout(200)
    assert page.url == site_url + f"articles/{HOSTILE_ID}.html"
    assert page.evaluate("window.pwned") is None
    watch.assert_clean()
