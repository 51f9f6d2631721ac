"""Hostile input reaches no feed or page active, and extreme input does not break the build.

Bodies: tests/test_site.py (pages) and tests/test_feeds.py (feeds) cover scripts, handlers,
javascript:/data: URLs, iframes, SVG and styles in article bodies. Here: the same in titles and
other one-line fields of every feed format, CSS expressions, and input of extreme size or depth.
Control and bidi characters, symlinks, file names and id collisions: tests/test_validate.py.
"""

from __future__ import annotations

import json
from pathlib import Path

import feedparser
import html5lib
import pytest
from lxml import etree

from .feedtools import ATOM
from .sitetools import HOSTILE_ID, HOSTILE_TITLE, build_site, corpus, hostile_record

CSS_TITLE = 'Styled <span style="width: expression(alert(1))">title</span>'


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("hostile")
    seeds = corpus(root / "seeds")
    css = hostile_record()
    css.update(id="css-expression", title=CSS_TITLE, regions=["<svg onload=alert(1)>"])
    (seeds / "css-expression.json").write_text(json.dumps(css), "utf-8")
    build_site(seeds, root / "dist")
    return root / "dist"


@pytest.mark.parametrize("title", [HOSTILE_TITLE, CSS_TITLE])
def test_titles_are_plain_text_in_every_feed(dist: Path, title: str) -> None:
    atom = etree.parse(str(dist / "feeds/all.atom")).getroot()
    atom_titles = {
        e.findtext(f"{ATOM}title"): e.find(f"{ATOM}title") for e in atom.iter(f"{ATOM}entry")
    }
    element = atom_titles[title]  # the exact characters, as text
    assert element is not None and element.get("type") in (None, "text")
    rss = etree.parse(str(dist / "feeds/all.rss")).getroot()
    assert title in [item.findtext("title") for item in rss.iter("item")]
    items = json.loads((dist / "feeds/all.json").read_text("utf-8"))["items"]
    assert title in [item["title"] for item in items]
    raw = (dist / "feeds/all.atom").read_text("utf-8") + (dist / "feeds/all.rss").read_text("utf-8")
    assert "<script>" not in raw and "<span style" not in raw


def test_feedparser_sees_hostile_titles_as_text(dist: Path) -> None:
    for name in ("all.atom", "all.rss"):
        parsed = feedparser.parse((dist / "feeds" / name).read_bytes())
        assert parsed.bozo == 0
        hostile = [e for e in parsed.entries if "A hostile title" in e.title]
        assert hostile
        # The characters arrive as the title's text, declared plain text: shown, never run.
        assert all(e.title_detail.type == "text/plain" for e in hostile)


def test_hostile_fields_are_escaped_on_every_page(dist: Path) -> None:
    for page in [dist / "articles" / f"{HOSTILE_ID}.html", dist / "index.html"]:
        tree = html5lib.parse(page.read_text("utf-8"), namespaceHTMLElements=False)
        # A page's one script element may be its JSON-LD data block (never executed).
        data = [e for e in tree.iter("script") if e.get("type") == "application/ld+json"]
        assert len(data) <= 1
        tags = {element.tag for element in tree.iter() if element not in data}
        assert not tags & {"script", "iframe", "svg", "object", "embed", "form"}
        for element in tree.iter():
            for name, value in element.attrib.items():
                assert not name.lower().startswith("on"), (page, name)
                assert "expression(" not in value
                assert not value.strip().lower().startswith(("javascript:", "data:"))
    page = (dist / "articles" / f"{HOSTILE_ID}.html").read_text("utf-8")
    assert "&lt;script&gt;alert(&#39;title&#39;)&lt;/script&gt;" in page  # shown, as text


def article(tmp_path: Path, body: str, name: str) -> Path:
    seeds = tmp_path / "seeds"
    seeds.mkdir(exist_ok=True)
    record = hostile_record()
    record.update(id=name, title=f"Extreme {name}", body=body, lead=None, regions=["Extremes"])
    (seeds / f"{name}.json").write_text(json.dumps(record), "utf-8")
    return seeds


def test_a_10_mb_article_builds(tmp_path: Path) -> None:
    paragraph = "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod. " * 12
    body = "\n\n".join([paragraph] * (10_000_000 // len(paragraph)))
    seeds = article(tmp_path, body, "ten-megabytes")
    build_site(seeds, tmp_path / "dist")
    # libxml2 refuses text nodes over 10 MB unless asked (as do readers built on it).
    parser = etree.XMLParser(huge_tree=True)
    feed = etree.parse(str(tmp_path / "dist/feeds/all.atom"), parser)
    entry = feed.getroot().find(f"{ATOM}entry")
    assert entry is not None and len(entry.findtext(f"{ATOM}content") or "") > 10_000_000
    page = tmp_path / "dist/articles/ten-megabytes.html"
    assert page.stat().st_size > 10_000_000


@pytest.mark.parametrize("kind", ["list", "quote"])
def test_deeply_nested_markdown_builds(tmp_path: Path, kind: str) -> None:
    if kind == "list":
        body = "".join("  " * depth + "- item\n" for depth in range(2000))
    else:
        body = ">" * 2000 + " deep\n"
    seeds = article(tmp_path, body, f"nested-{kind}")
    build_site(seeds, tmp_path / "dist")
    feed = (tmp_path / "dist/feeds/all.atom").read_bytes()
    assert etree.fromstring(feed) is not None  # well-formed: nesting lives inside escaped text
    page = (tmp_path / "dist" / "articles" / f"nested-{kind}.html").read_text("utf-8")
    tree = html5lib.parse(page, namespaceHTMLElements=False)
    assert tree.find(".//main") is not None or tree.find(".//article") is not None
