"""Lighthouse's SEO and accessibility categories score 100 on the landing page, an article
and a topic page, served over HTTP at the origin the site was built for (issue 16).

Lighthouse 12.2.3 comes from npm like the other checkers (scripts/test.sh installs it pinned
into `.cache/npm`; `PUBLISHER_NODE_MODULES` names another `node_modules`) and drives Debian's
Chromium headless. One run per page with both categories, with Lighthouse's default mobile
form factor: phones are how most readers arrive and what search engines index first, and
mobile adds nothing these two categories would skip on desktop. The test is skipped only
when Node, Chromium or Lighthouse is missing.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from publisher.config import Settings
from publisher.site import CSP

from .sitetools import build_site, corpus, preview
from .test_browser import ARGS
from .test_checkers import CHROMIUM, NODE_MODULES, SEED_ID

LIGHTHOUSE = NODE_MODULES / "lighthouse/cli/index.js"
NODE = shutil.which("node")
CATEGORIES = ("seo", "accessibility")
PAGES = {  # as the sitemap lists them: the URLs crawlers index
    "landing": "",
    "article": f"articles/{SEED_ID}.html",
    "topic": "topics/report/syria/",
}
# Audits that must have been scored on every page, not left out as not applicable: a score
# of 100 without them would not say that robots.txt was read or the canonical URL checked.
SCORED = ("robots-txt", "canonical", "is-crawlable", "meta-description", "color-contrast")


def _missing() -> str | None:
    if NODE is None:
        return "node is not installed (apt-get install nodejs npm)"
    if CHROMIUM is None:
        return "chromium is not installed (apt-get install chromium)"
    if not LIGHTHOUSE.is_file():
        return f"no {LIGHTHOUSE}: scripts/test.sh installs it (npm install lighthouse@12.2.3)"
    return None


NEEDS_LIGHTHOUSE = pytest.mark.skipif(_missing() is not None, reason=str(_missing()))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def site_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The fixture corpus built for, and served at, http://127.0.0.1:PORT/, so canonical
    URLs, robots.txt and the sitemaps name the site Lighthouse reads."""
    root = tmp_path_factory.mktemp("lighthouse")
    port = free_port()
    origin = f"http://127.0.0.1:{port}"
    settings = replace(Settings(), base_url=origin, tag_authority="site.test,2026")
    build_site(corpus(root / "seeds"), root / "dist", settings)
    sitemaps = "".join(p.read_text("utf-8") for p in (root / "dist/sitemaps").glob("*.xml"))
    for path in PAGES.values():
        assert f"<loc>{origin}/{path}</loc>" in sitemaps, path
    with preview(root / "dist", port) as url:
        assert url == origin + "/"
        yield url


def lighthouse(url: str, artifacts: Path) -> dict[str, Any]:
    """Lighthouse's report on `url`; what it gathered is kept in `artifacts`."""
    assert NODE is not None and CHROMIUM is not None
    command = [
        NODE,
        str(LIGHTHOUSE),
        url,
        f"--only-categories={','.join(CATEGORIES)}",
        "--form-factor=mobile",
        "--output=json",
        "--output-path=stdout",
        f"--gather-mode={artifacts}",
        f"--audit-mode={artifacts}",
        "--quiet",
        f"--chrome-flags={' '.join(ARGS)}",
    ]
    env = {**os.environ, "CHROME_PATH": CHROMIUM}
    run = subprocess.run(command, capture_output=True, text=True, env=env, timeout=300, check=False)
    assert run.returncode == 0, f"lighthouse exited {run.returncode}:\n{run.stderr[-3000:]}"
    report: dict[str, Any] = json.loads(run.stdout)
    assert "runtimeError" not in report, report["runtimeError"]
    return report


def robots_error(artifacts: Path) -> str:
    """Why Lighthouse could not read robots.txt ("CSP violation", a time-out...), if so."""
    gathered = json.loads((artifacts / "artifacts.json").read_text("utf-8"))
    return str(gathered["RobotsTxt"].get("errorMessage", ""))


def failing(report: dict[str, Any], artifacts: Path) -> list[str]:
    """Each weighted audit below 1, with what Lighthouse says about it and where."""
    found = []
    for category in report["categories"].values():
        for ref in category["auditRefs"]:
            audit = report["audits"][ref["id"]]
            if ref["weight"] == 0 or audit["score"] is None or audit["score"] >= 1:
                continue
            lines = [f"{category['id']}/{audit['id']} ({audit['score']}): {audit['title']}"]
            if audit.get("explanation"):
                lines.append(f"    {audit['explanation']}")
            if audit["id"] == "robots-txt":
                lines.append(f"    fetching it: {robots_error(artifacts) or 'no error'}")
            lines += [
                f"    {where(item)}" for item in audit.get("details", {}).get("items", [])[:10]
            ]
            found.append("\n".join(lines))
    return found


def where(item: dict[str, Any]) -> str:
    """One item of an audit's details: the element and what to fix, else the raw item."""
    node = item.get("node")
    if not isinstance(node, dict):
        return json.dumps(item)[:300]
    fix = str(node.get("explanation", "")).replace("\n", " ")
    return f"{node.get('selector')}: {node.get('snippet')} {fix}"[:300]


def audited(url: str, artifacts: Path) -> tuple[dict[str, Any], list[str]]:
    """The report and its failures. Lighthouse gives robots.txt 2 s: on a loaded machine
    (CI, parallel tests) that can run out, so a time-out, and only that, is tried again."""
    report = lighthouse(url, artifacts)
    problems = failing(report, artifacts)
    if len(problems) == 1 and "Timed out" in robots_error(artifacts):
        report = lighthouse(url, artifacts)
        problems = failing(report, artifacts)
    return report, problems


@NEEDS_LIGHTHOUSE
@pytest.mark.parametrize("kind", PAGES)
def test_lighthouse_seo_and_accessibility_are_100(kind: str, site_url: str, tmp_path: Path) -> None:
    url = site_url + PAGES[kind]
    report, problems = audited(url, tmp_path / "artifacts")
    assert report["lighthouseVersion"] == "12.2.3"
    assert report["finalDisplayedUrl"] == url
    scores = {name: report["categories"][name]["score"] for name in CATEGORIES}
    assert scores == dict.fromkeys(CATEGORIES, 1), f"{url}: {scores}\n" + "\n".join(problems)
    assert problems == []
    unscored = [name for name in SCORED if report["audits"][name]["score"] != 1]
    assert unscored == [], f"{url}: not scored: {unscored}"


def test_csp_lets_the_page_fetch_its_own_origin_and_run_no_script() -> None:
    """What Lighthouse's robots-txt audit needs, and no more: fetches to the page's own
    origin (only a script could make one) while every script stays forbidden."""
    directives = dict(d.strip().split(" ", 1) for d in CSP.split(";"))
    assert directives["connect-src"] == "'self'"
    assert directives["default-src"] == "'none'"
    assert directives["script-src"] == "'none'"
    assert directives["object-src"] == "'none'"
