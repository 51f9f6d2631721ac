"""The site through two independent checkers: the Nu Html Checker (vnu, the W3C's HTML
conformance checker) on every page, and axe-core (accessibility rules) in Chromium.

Both come from npm: scripts/test.sh installs pinned versions into `.cache/npm`
(`PUBLISHER_NODE_MODULES` names another `node_modules` folder). The tests are skipped only
when Java, Chromium or those packages are missing.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, sync_playwright

from benchmarks.generate import generate
from publisher.config import Settings

from .conftest import ROOT
from .sitetools import HOSTILE_ID, build_site, corpus, cut_release, preview
from .test_browser import ARGS

NODE_MODULES = Path(os.environ.get("PUBLISHER_NODE_MODULES", ROOT / ".cache/npm/node_modules"))
VNU_JAR = NODE_MODULES / "vnu-jar/build/dist/vnu.jar"
AXE_JS = NODE_MODULES / "axe-core/axe.min.js"
JAVA = shutil.which("java")
CHROMIUM = shutil.which("chromium")
INSTALL = "scripts/test.sh installs it (npm install --prefix .cache/npm vnu-jar axe-core)"
NEEDS_VNU = pytest.mark.skipif(
    JAVA is None or not VNU_JAR.is_file(),
    reason="java is not installed" if JAVA is None else f"no {VNU_JAR}: {INSTALL}",
)
NEEDS_AXE = pytest.mark.skipif(
    CHROMIUM is None or not AXE_JS.is_file(),
    reason="chromium is not installed" if CHROMIUM is None else f"no {AXE_JS}: {INSTALL}",
)
SEED_ID = "64a29ae14d7662cb"
GENERATED = 1000  # articles of the generated archive that vnu checks


@pytest.fixture(scope="module")
def fixture_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The fixture corpus (with the hostile article) and two releases, in lists of 4 so
    that there are archive pages too."""
    root = tmp_path_factory.mktemp("checked")
    dist = root / "dist"
    settings = Settings(items_per_page=4)
    cut_release(corpus(root / "first", hostile=False, seed=False), dist, "2024-01-01", settings)
    cut_release(corpus(root / "seeds"), dist, "2024-02-01", settings)
    assert list(dist.glob("archive/*/index.html"))
    return dist


# -- Nu Html Checker ----------------------------------------------------------------------

# A page with known errors, checked in the same run: no message for it means the checker
# did not check (a run that dies early can still print an empty, well-formed report).
CANARY = (
    '<!DOCTYPE html>\n<html lang="en"><head><title>canary</title></head><body><img></body></html>\n'
)


@pytest.fixture(scope="module")
def vnu_messages(
    fixture_site: Path, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, list[dict[str, Any]]]:
    """vnu's errors for every page of both sites, by site ("fixture", "generated",
    "canary"): one JVM for all of them, started once."""
    assert JAVA is not None
    root = tmp_path_factory.mktemp("generated")
    generate(GENERATED, root / "seeds", seed=2026)
    build_site(root / "seeds", root / "dist")
    canary = root / "canary.html"
    canary.write_text(CANARY, "utf-8")
    sites = {"fixture": fixture_site, "generated": root / "dist"}
    files = [canary, fixture_site / "style.css", fixture_site / "favicon.svg"]
    for dist in sites.values():
        files += sorted(dist.rglob("*.html"))
    assert sum(1 for path in files if "articles" in path.parts) > GENERATED
    command = [
        JAVA,
        "-Xss2m",  # vnu's schema checks recurse deeply: the default stack can overflow
        "-XX:+UseSerialGC",
        "-jar",
        str(VNU_JAR),
        "--errors-only",
        "--format",
        "json",
        "--stdout",
        "--exit-zero-always",
        "--no-langdetect",  # pages declare lang="en"; detection only ever warns
        "--also-check-css",
        "--also-check-svg",
        *map(str, files),
    ]
    run = subprocess.run(command, capture_output=True, text=True, timeout=600, check=False)
    assert run.returncode == 0, run.stderr
    report = json.loads(run.stdout)
    found: dict[str, list[dict[str, Any]]] = {"fixture": [], "generated": [], "canary": []}
    for message in report["messages"]:
        url = message.get("url", "")
        if url.endswith("/canary.html"):
            found["canary"].append(message)
            continue
        where = [name for name, dist in sites.items() if url.startswith(f"file:{dist}/")]
        assert where, f"vnu: {message}"  # about no page of ours: the checker itself failed
        found[where[0]].append(message)
    assert found["canary"], f"vnu reported nothing for a page with errors: {run.stderr}"
    return found


def describe(messages: list[dict[str, Any]]) -> str:
    return "\n".join(
        f"{m.get('url', '?')}:{m.get('lastLine', '?')}: {m.get('message')} {m.get('extract', '')!r}"
        for m in messages
    )


@NEEDS_VNU
def test_nu_html_checker_finds_no_error_on_the_fixture_site(
    vnu_messages: dict[str, list[dict[str, Any]]],
) -> None:
    assert vnu_messages["fixture"] == [], describe(vnu_messages["fixture"])


@NEEDS_VNU
def test_nu_html_checker_finds_no_error_on_1000_generated_articles(
    vnu_messages: dict[str, list[dict[str, Any]]],
) -> None:
    assert vnu_messages["generated"] == [], describe(vnu_messages["generated"][:50])


# -- axe-core -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def site_url(fixture_site: Path) -> Iterator[str]:
    """The fixture site over HTTP (`publish serve`'s server, in a thread)."""
    with preview(fixture_site) as url:
        yield url


@pytest.fixture(scope="module")
def axe_page(site_url: str) -> Iterator[Page]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        # The pages' CSP allows no script at all: let the test inject axe (this context only).
        context = browser.new_context(bypass_csp=True, viewport={"width": 1024, "height": 800})
        yield context.new_page()
        context.close()
        browser.close()


def archive_page(dist: Path) -> str:
    return sorted(dist.glob("archive/*/index.html"))[0].relative_to(dist).as_posix()


def author_page(dist: Path) -> str:
    return sorted(dist.glob("topics/author/*/index.html"))[0].relative_to(dist).as_posix()


PAGES = {
    "landing": lambda dist: "index.html",
    "article": lambda dist: f"articles/{SEED_ID}.html",
    "hostile article": lambda dist: f"articles/{HOSTILE_ID}.html",
    "topic": lambda dist: "topics/report/syria/index.html",
    "author": author_page,
    "authors index": lambda dist: "topics/author/index.html",
    "archive": archive_page,
    "archive index": lambda dist: "archive/index.html",
    "releases": lambda dist: "releases/index.html",
    # The search page with its results shown (it searches the query in its address).
    "search results": lambda dist: "search/index.html?q=syria",
}


@NEEDS_AXE
@pytest.mark.parametrize("kind", PAGES)
def test_axe_finds_no_violation(
    kind: str, fixture_site: Path, site_url: str, axe_page: Page
) -> None:
    path = PAGES[kind](fixture_site)
    response = axe_page.goto(site_url + path)
    assert response is not None and response.ok, path
    if "?q=" in path:
        axe_page.locator("#results li").first.wait_for(timeout=20_000)
    axe_page.add_script_tag(path=str(AXE_JS))
    results = axe_page.evaluate("axe.run()")
    assert results["passes"], path  # axe ran its rules on this page
    violations = [
        f"{v['id']} ({v['impact']}): {v['help']}\n"
        + "\n".join(f"    {node['target']}: {node['html'][:200]}" for node in v["nodes"])
        for v in results["violations"]
    ]
    assert violations == [], f"{path}:\n" + "\n".join(violations)
