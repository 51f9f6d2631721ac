"""Feed polish (issue 16, item 6): images in every format, the WebSub hub, a self link in
every document, and only absolute URLs in the HTML that entries carry."""

from __future__ import annotations

import json
import struct
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from urllib.parse import urlsplit

import feedparser
import html5lib
import pytest
from lxml import etree

from publisher.feed_icons import FAVICON, ICON, ICONS, IMAGE, LOGO, Icon

from .conftest import ROOT
from .feedtools import ATOM, SETTINGS, build_corpus, corpus, json_document, local

CONTENT = "{http://purl.org/rss/1.0/modules/content/}"
# An article whose lead and body link and embed with every kind of relative URL, next to
# absolute ones that must survive: readers resolve relative URLs unreliably (against the
# feed's URL, the entry's or not at all), so none may reach a feed.
RELATIVE_ID = "relative-links"
RELATIVE_LEAD = "*See [the map](/maps/region.html) and [the notes](#notes).*"
RELATIVE_BODY = "\n\n".join(
    [
        "Links: [root-relative](/about.html), [relative](other.html), [up](../up.html), "
        "[fragment](#part-2), [protocol-relative](//cdn.example.net/x.html), "
        "[absolute](https://example.org/kept.html) and [mail](mailto:desk@example.org).",
        "![a photo](photo.jpg) ![a chart](/charts/c.png) ![kept](https://example.org/kept.png)",
        '<img src="images/raw.png" alt="raw"> <a href="./raw.html">raw link</a>',
        '<blockquote cite="quotes/1.html"><p>A quote.</p></blockquote>',
        '<q cite="https://example.org/kept-quote">A kept quote</q>',
    ]
)
KEPT = {
    "https://example.org/kept.html",
    "mailto:desk@example.org",
    "https://example.org/kept.png",
    "https://example.org/kept-quote",
}


def relative_record() -> dict[str, object]:
    return {
        "id": RELATIVE_ID,
        "title": "Relative links everywhere",
        "authors": ["A. Writer"],
        "published": "2030-01-01",  # the newest: in the subscription documents, in full
        "regions": ["Europe"],
        "lead": RELATIVE_LEAD,
        "body": RELATIVE_BODY,
        "original_source": "Somewhere",
        "original_source_url": "https://source.example/article",
        "copyright_holders": ["Somewhere"],
        "copyright_year": 2030,
        "disclaimer": "Republished under fair use.",
    }


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("polish")
    seeds = corpus(root / "seeds")
    (seeds / f"{RELATIVE_ID}.json").write_text(json.dumps(relative_record()), "utf-8")
    # A back-dated copy lands on archive pages, in light entries.
    older = {**relative_record(), "id": f"{RELATIVE_ID}-old", "published": "2014-05-05"}
    (seeds / f"{RELATIVE_ID}-old.json").write_text(json.dumps(older), "utf-8")
    build_corpus(seeds, root / "dist")
    return root / "dist"


def feed_documents(dist: Path, fmt: str) -> list[Path]:
    paths = sorted((dist / "feeds").rglob(f"*.{fmt}"))
    assert len(paths) > 20
    return paths


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR", path
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def image_file(dist: Path, url: str | None, icon: Icon) -> Path:
    """The file a feed's image URL names, which must be `icon` at its declared size."""
    assert url == SETTINGS.url(icon.name)
    path = local(dist, url)
    assert png_size(path) == (icon.width, icon.height), path
    return path


def test_shipped_images_have_their_declared_sizes() -> None:
    for icon in ICONS:
        path = ROOT / "publisher" / "templates" / icon.name
        assert png_size(path) == (icon.width, icon.height), icon.name
    assert FAVICON.width == FAVICON.height == 64  # JSON Feed: favicon 64x64
    assert ICON.width == ICON.height == 512  # and icon 512x512
    assert IMAGE.width <= 144 and IMAGE.height <= 400  # RSS 2.0's limits
    assert LOGO.width == 2 * LOGO.height  # RFC 4287 4.2.8


def test_atom_documents_have_icon_and_logo(dist: Path) -> None:
    for path in feed_documents(dist, "atom"):
        root = etree.parse(str(path)).getroot()
        image_file(dist, root.findtext(f"{ATOM}icon"), FAVICON)
        image_file(dist, root.findtext(f"{ATOM}logo"), LOGO)
    parsed = feedparser.parse((dist / "feeds/all.atom").read_bytes()).feed
    assert parsed.icon == SETTINGS.url(FAVICON.name)
    assert parsed.logo == SETTINGS.url(LOGO.name)


def test_rss_documents_have_an_image(dist: Path) -> None:
    for path in feed_documents(dist, "rss"):
        channel = etree.parse(str(path)).getroot().find("channel")
        assert channel is not None
        image = channel.find("image")
        assert image is not None, path
        image_file(dist, image.findtext("url"), IMAGE)
        # RSS 2.0: the image links to the site, titled as the channel.
        assert image.findtext("title") == channel.findtext("title")
        assert image.findtext("link") == channel.findtext("link")
        assert (image.findtext("width"), image.findtext("height")) == (
            str(IMAGE.width),
            str(IMAGE.height),
        )
    parsed = feedparser.parse((dist / "feeds/all.rss").read_bytes()).feed
    assert parsed.image.href == SETTINGS.url(IMAGE.name)


def test_json_feeds_have_icon_and_favicon(dist: Path) -> None:
    for path in feed_documents(dist, "json"):
        document = json_document(path)
        image_file(dist, document["icon"], ICON)
        image_file(dist, document["favicon"], FAVICON)


def self_and_hubs(path: Path, fmt: str) -> tuple[list[str], list[str]]:
    """(self URLs, hub URLs) a feed document declares at its top level."""
    if fmt == "json":
        document = json_document(path)
        hubs = [hub["url"] for hub in document.get("hubs", []) if hub["type"] == "WebSub"]
        return [document["feed_url"]], hubs
    root = etree.parse(str(path)).getroot()
    top = root if fmt == "atom" else root.find("channel")
    assert top is not None
    links = top.findall(f"{ATOM}link")
    return (
        [link.get("href", "") for link in links if link.get("rel") == "self"],
        [link.get("href", "") for link in links if link.get("rel") == "hub"],
    )


@pytest.mark.parametrize("fmt", ["atom", "rss", "json"])
def test_every_document_names_itself_and_subscriptions_name_the_hub(dist: Path, fmt: str) -> None:
    """WebSub needs the topic URL (rel=self) and the hub in the subscription documents;
    archive pages are not subscribed to and name no hub."""
    hub = SETTINGS.websub_hub
    assert hub
    for path in feed_documents(dist, fmt):
        selves, hubs = self_and_hubs(path, fmt)
        assert selves == [SETTINGS.url(path.relative_to(dist).as_posix())], path
        archive = "archive" in path.relative_to(dist).parts
        assert hubs == ([] if archive else [hub]), path
    if fmt != "json":
        links = feedparser.parse((dist / f"feeds/all.{fmt}").read_bytes()).feed.links
        assert {(link.rel, link.href) for link in links} >= {("hub", hub)}


def test_no_hub_without_the_setting(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    seeds = corpus(tmp_path / "seeds")
    result = build_corpus(seeds, dist, settings=replace(SETTINGS, websub_hub=None))
    assert result.ok
    for fmt in ("atom", "rss", "json"):
        for path in feed_documents(dist, fmt):
            assert self_and_hubs(path, fmt)[1] == [], path


def entry_html(path: Path, fmt: str) -> Iterator[tuple[str, str]]:
    """(entry id, HTML fragment) of every HTML field of every entry of a document."""
    if fmt == "json":
        for item in json_document(path)["items"]:
            yield item["id"], item["content_html"]
        return
    root = etree.parse(str(path)).getroot()
    if fmt == "atom":
        for entry in root.iter(f"{ATOM}entry"):
            for field in entry.iter(f"{ATOM}content", f"{ATOM}summary"):
                assert field.get("type") == "html"
                yield entry.findtext(f"{ATOM}id") or "", field.text or ""
    else:
        for item in root.iter("item"):
            for field in item.iter("description", f"{CONTENT}encoded"):
                yield item.findtext("guid") or "", field.text or ""


def urls_in(fragment: str) -> list[str]:
    tree = html5lib.parseFragment(fragment, treebuilder="etree", namespaceHTMLElements=False)
    return [
        value
        for element in tree.iter()
        for name, value in element.attrib.items()
        if name in ("href", "src", "cite", "srcset", "poster", "action")
    ]


def absolute(url: str) -> bool:
    parts = urlsplit(url)
    return (parts.scheme in ("http", "https") and bool(parts.netloc)) or (
        parts.scheme == "mailto" and bool(parts.path)
    )


@pytest.mark.parametrize("fmt", ["atom", "rss", "json"])
def test_feed_html_has_absolute_urls_only(dist: Path, fmt: str) -> None:
    """Every URL in every entry's HTML, in every document (subscription documents with
    full entries, archive pages with light ones), is absolute. Relative URLs of a scraped
    article cannot be resolved to anything real (its images and pages are not here), so
    the sanitiser drops them, keeping the link text (render.py); absolute ones stay."""
    seen: dict[str, set[str]] = {}
    for path in feed_documents(dist, fmt):
        for entry_id, fragment in entry_html(path, fmt):
            urls = urls_in(fragment)
            assert all(map(absolute, urls)), (path, entry_id, [u for u in urls if not absolute(u)])
            seen.setdefault(entry_id, set()).update(urls)
    full = seen[SETTINGS.tag(f"article/{RELATIVE_ID}")]
    assert full >= KEPT  # the test article's absolute URLs reached the feed
    light = seen[SETTINGS.tag(f"article/{RELATIVE_ID}-old")]  # a light entry's only link
    assert light == {SETTINGS.url(f"articles/{RELATIVE_ID}-old.html")}
    text = (dist / f"feeds/all.{fmt}").read_text("utf-8")
    assert "root-relative" in text and "protocol-relative" in text  # links keep their text
