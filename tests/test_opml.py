"""The OPML subscription list (issue 16, item 5): it parses, lists every feed of the site
exactly once, each with a URL that exists in dist/, grouped by kind, and the landing page
links it."""

from __future__ import annotations

from pathlib import Path

import listparser
import pytest
from lxml import etree

from publisher.outputs import opml
from publisher.serve import content_type
from publisher.topics import KINDS

from .feedtools import SETTINGS, build_corpus, corpus, local
from .sitetools import parse


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("opml")
    build_corpus(corpus(root / "seeds"), root / "dist")
    return root / "dist"


def subscription_documents(dist: Path) -> list[str]:
    """Site paths of every feed's subscription document in the listed format (archive
    pages are reached from them)."""
    feeds = dist / "feeds"
    found = [*feeds.glob(f"*.{opml.FORMAT}"), *feeds.glob(f"*/*.{opml.FORMAT}")]
    paths = sorted(p.relative_to(dist).as_posix() for p in found)
    assert not any(path.startswith("feeds/archive/") for path in paths)
    return paths


def test_a_real_opml_parser_reads_every_feed_once(dist: Path) -> None:
    parsed = listparser.parse((dist / opml.PATH).read_bytes())
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == "opml2"
    assert parsed.meta.title == f"{SETTINGS.title}: every feed"
    urls = [feed.url for feed in parsed.feeds]
    assert len(urls) == len(set(urls))  # importing it all subscribes once to each feed
    assert sorted(urls) == [SETTINGS.url(path) for path in subscription_documents(dist)]
    for url in urls:
        assert local(dist, url).is_file(), url


def test_feeds_are_grouped_by_kind(dist: Path) -> None:
    root = etree.parse(str(dist / opml.PATH)).getroot()
    assert root.tag == "opml" and root.get("version") == "2.0"
    groups = root.findall("body/outline")
    labels = [group.get("text") for group in groups]
    kinds = list(KINDS)
    assert labels == ["Everything", *(f"{label}s" for _, label in KINDS.values())]
    assert [g.get("title") for g in groups] == labels
    everything, *by_kind = groups
    [main] = everything.findall("outline")
    assert main.get("xmlUrl") == SETTINGS.url(f"feeds/all.{opml.FORMAT}")
    assert main.get("htmlUrl") == SETTINGS.url("")
    assert main.get("text") == SETTINGS.title
    for kind, group in zip(kinds, by_kind, strict=True):
        outlines = group.findall("outline")
        assert outlines, kind
        prefix = SETTINGS.url(f"feeds/{kind}/")
        assert all(o.get("xmlUrl", "").startswith(prefix) for o in outlines), kind
        slugs = [o.get("xmlUrl", "").removeprefix(prefix) for o in outlines]
        assert slugs == sorted(slugs)  # the landing page's order
    for outline in root.iter("outline"):
        if outline.get("xmlUrl") is None:  # a group: holds feeds, is none
            assert outline.getparent().tag == "body"  # type: ignore[union-attr]
            continue
        assert outline.get("type") == "rss" and outline.get("text")  # required by OPML 2.0
        assert outline.get("language") == SETTINGS.language
        page = local(dist, outline.get("htmlUrl", ""))  # its topic's page
        assert (page / "index.html").is_file(), page
        feed = etree.parse(str(local(dist, outline.get("xmlUrl", "")))).getroot()
        assert outline.get("title") == feed.findtext("{http://www.w3.org/2005/Atom}title")


def test_the_landing_page_links_it(dist: Path) -> None:
    links = [a for a in parse(dist / "index.html").iter("a") if a.get("href") == opml.PATH]
    assert len(links) == 1 and links[0].get("type") == opml.MEDIA_TYPE
    assert content_type(opml.PATH) == f"{opml.MEDIA_TYPE}; charset=utf-8"


def test_without_categories_the_author_and_source_remain(tmp_path: Path) -> None:
    """Every article has an author and an original source, so those groups are never
    empty; a group with no topic (no region, theme or report here) is left out."""
    seeds = corpus(tmp_path / "seeds")
    for path in seeds.iterdir():  # the bundled seed alone: it has topics; drop them
        if path.name != "000_64a29ae14d7662cb.txt":
            path.unlink()
    text = (seeds / "000_64a29ae14d7662cb.txt").read_text("utf-8")
    lines = [line for line in text.splitlines() if not line.startswith(("Region:", "Theme:"))]
    lines = [line for line in lines if not line.startswith("In-depth Report:")]
    (seeds / "000_64a29ae14d7662cb.txt").write_text("\n".join(lines) + "\n", "utf-8")
    build_corpus(seeds, tmp_path / "dist")
    parsed = listparser.parse((tmp_path / "dist" / opml.PATH).read_bytes())
    assert [(f.url, f.categories) for f in parsed.feeds] == [
        (SETTINGS.url(f"feeds/all.{opml.FORMAT}"), [["Everything"]]),
        (SETTINGS.url(f"feeds/author/rt.{opml.FORMAT}"), [["Authors"]]),
        (SETTINGS.url(f"feeds/source/rt.{opml.FORMAT}"), [["Original sources"]]),
    ]
