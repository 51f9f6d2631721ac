"""The static site: valid HTML5, links that resolve, autodiscovery, attribution, paging,
the releases page, and a hostile article that stays inert."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import shutil
from dataclasses import replace
from itertools import pairwise
from pathlib import Path
from xml.etree.ElementTree import Element

import pytest

from publisher import site
from publisher.feeds import FEED_FORMATS, MEDIA_TYPES
from publisher.output import MARKER
from publisher.outputs.search import PAGE as SEARCH_PAGE
from publisher.outputs.search import SEARCH_CSP
from publisher.render import shift_headings
from publisher.site import CSP, human_size, long_date, relative
from publisher.topics import slugify

from .conftest import SEED
from .sitetools import (
    HOSTILE_ID,
    HOSTILE_TITLE,
    SETTINGS,
    build_site,
    corpus,
    cut_release,
    ids,
    links,
    pages,
    parse,
    resolve,
)

SEED_ID = "64a29ae14d7662cb"


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("site")
    out = root / "dist"
    cut_release(corpus(root / "first", hostile=False, seed=False), out, "2024-01-01")
    seeds = corpus(root / "seeds")
    cut_release(seeds, out, "2024-02-01")
    build_site(seeds, out)
    return out


def text(element: Element | None) -> str:
    assert element is not None
    return " ".join("".join(element.itertext()).split())


def find(dist: Path, page: str, tag: str) -> list[Element]:
    return list(parse(dist / page).iter(tag))


def alternates(dist: Path, page: str) -> list[tuple[str, str, str]]:
    head = parse(dist / page).find("head")
    assert head is not None
    return [
        (str(link.get("type")), str(link.get("title")), str(link.get("href")))
        for link in head.iter("link")
        if link.get("rel") == "alternate"
    ]


# -- every page ------------------------------------------------------------------------


def test_site_has_every_page(dist: Path) -> None:
    built = {p.relative_to(dist).as_posix() for p in pages(dist)}
    assert {"index.html", "releases/index.html", f"articles/{SEED_ID}.html"} <= built
    assert f"articles/{HOSTILE_ID}.html" in built
    assert "topics/region/russia-and-fsu/index.html" in built
    assert "topics/report/syria/index.html" in built
    assert all((dist / name).is_file() for name in ("style.css", "favicon.svg", "favicon.ico"))
    articles = sorted(p.name for p in (dist / "articles").iterdir())
    assert len(articles) == 20  # bundled seed + 18 fixtures + the hostile one


def test_every_page_is_strict_html5(dist: Path) -> None:
    for page in pages(dist):
        document = parse(page)  # raises ParseError on any HTML5 parse error
        raw = page.read_bytes()
        assert raw.startswith(b"<!DOCTYPE html>\n"), page
        html = document if document.tag == "html" else document.find("html")
        assert html is not None and html.get("lang") == "en", page
        head = document.find("head")
        assert head is not None
        metas = {(m.get("name"), m.get("content")) for m in head.iter("meta")}
        assert ("viewport", "width=device-width, initial-scale=1") in metas, page
        assert any(m.get("charset") == "utf-8" for m in head.iter("meta")), page
        assert len(list(document.iter("h1"))) == 1, page
        assert head.findtext("title"), page


def test_every_internal_link_resolves(dist: Path) -> None:
    checked = 0
    targets: dict[Path, set[str]] = {}
    for page in pages(dist):
        for link in links(dist, page):
            target = resolve(dist, page, link.value)
            if target is None:
                continue
            path, fragment = target
            assert path.is_file(), f"{page}: {link.tag} {link.attribute}={link.value!r}"
            assert dist in path.parents
            if fragment and path.suffix == ".html":
                found = targets.setdefault(path, ids(path))
                assert fragment in found, f"{page}: no id {fragment!r} in {path}"
            checked += 1
    assert checked > 500


def test_nothing_is_loaded_from_another_host(dist: Path) -> None:
    search = dist / SEARCH_PAGE
    for page in pages(dist):
        document = parse(page)
        # No script but JSON-LD data blocks, which are never executed (nor loaded); the
        # search page runs its own, from this site (checked below, as every `src`).
        for script in document.iter("script"):
            if page == search:
                assert script.get("src") in ("sql-httpvfs.js", "search.js")
                continue
            assert script.get("type") == "application/ld+json" and script.get("src") is None
        for element in document.iter():
            loads = element.get("src")
            if element.tag == "link" and element.get("rel") in ("stylesheet", "icon"):
                loads = element.get("href")
            if loads is not None:
                assert resolve(dist, page, loads) is not None, f"{page} loads {loads}"
        csp = [
            m.get("content")
            for m in document.iter("meta")
            if m.get("http-equiv") == "Content-Security-Policy"
        ]
        assert csp == [SEARCH_CSP if page == search else CSP]
        assert "img-src 'self'" in str(csp[0]) and "default-src 'none'" in str(csp[0])
    css = (dist / "style.css").read_text("utf-8")
    assert "url(" not in css and "@import" not in css and "http" not in css


def test_pages_link_their_feeds_for_autodiscovery(dist: Path) -> None:
    main = [(MEDIA_TYPES[f], "all", f"feeds/all.{f}") for f in FEED_FORMATS]
    for page in ("index.html", "releases/index.html", f"articles/{SEED_ID}.html"):
        found = alternates(dist, page)
        assert [(t, href.rsplit("feeds/", 1)[-1]) for t, _, href in found] == [
            (t, p.removeprefix("feeds/")) for t, _, p in main
        ], page
        assert all(title.startswith(SETTINGS.title) for _, title, _ in found)
    topic = alternates(dist, "topics/region/russia-and-fsu/index.html")
    assert [(t, h) for t, _, h in topic] == [
        (MEDIA_TYPES[f], f"../../../feeds/region/russia-and-fsu.{f}") for f in FEED_FORMATS
    ]
    assert "Russia and FSU" in topic[0][1]


# -- landing, article and topic pages ---------------------------------------------------


def test_landing_page_lists_newest_first_and_reaches_every_feed(dist: Path) -> None:
    items = find(dist, "index.html", "time")
    days = [dt.date.fromisoformat(str(t.get("datetime"))) for t in items]
    assert days == sorted(days, reverse=True) and len(days) == 20
    hrefs = {str(a.get("href")) for a in find(dist, "index.html", "a")}
    assert "releases/index.html" in hrefs
    for fmt in FEED_FORMATS:
        assert f"feeds/all.{fmt}" in hrefs
    topics = sorted(
        p.relative_to(dist / "feeds").with_suffix("") for p in dist.glob("feeds/*/*.atom")
    )
    assert topics
    # Each topic: on the landing page with its feeds (the most read ones), or on its
    # kind's index page, linked from the landing page; its own page links its feeds.
    for topic in topics:
        key, kind = topic.as_posix(), topic.parts[0]
        assert f"topics/{kind}/index.html" in hrefs
        index = {str(a.get("href")) for a in find(dist, f"topics/{kind}/index.html", "a")}
        assert f"../../topics/{key}/index.html" in index
        if f"topics/{key}/index.html" in hrefs:
            assert {f"feeds/{key}.{fmt}" for fmt in FEED_FORMATS} <= hrefs
        page = {str(a.get("href")) for a in find(dist, f"topics/{key}/index.html", "a")}
        assert {f"../../../feeds/{key}.{fmt}" for fmt in FEED_FORMATS} <= page


def test_article_page_shows_record_and_attribution(dist: Path) -> None:
    page = f"articles/{SEED_ID}.html"
    document = parse(dist / page)
    h1 = document.find(".//h1")
    assert h1 is not None and text(h1).startswith("US-Russia Confrontation")
    assert "Putin: Syria chemical attack" in text(document.find(".//p[@class='subtitle']"))
    assert text(document.find(".//span[@class='authors']")) == "RT"
    byline = document.find(".//span[@class='authors']/a")
    assert byline is not None and byline.get("href") == "../topics/author/rt/index.html"
    times = [t.get("datetime") for t in document.iter("time")]
    assert "2013-09-07" in times
    assert "September 7, 2013" in text(document.find(".//p[@class='meta']"))
    tags = {str(a.get("href")) for a in document.iterfind(".//ul[@class='tags']//a")}
    assert tags == {
        "../topics/region/russia-and-fsu/index.html",
        "../topics/theme/us-nato-war-agenda/index.html",
        "../topics/report/syria/index.html",
    }
    assert text(document.find(".//div[@class='lead']")).startswith("The alleged chemical")
    assert "We will. And we are already helping" in text(document.find(".//div[@class='body']"))
    attribution = document.find(".//aside[@id='attribution']")
    assert attribution is not None
    assert "The original source of this article is RT." in text(attribution)
    assert "Copyright © RT, RT, 2013" in text(attribution)
    disclaimer = text(attribution.find(".//div[@id='disclaimer']"))
    assert 'under the provisions of "fair use"' in disclaimer
    assert "publications@globalresearch.ca" in text(attribution)


def test_article_body_is_the_sanitised_render(dist: Path) -> None:
    """The page embeds render_article's HTML as is: the one sanitiser feeds use too."""
    from publisher.render import render_article
    from publisher.store.check import check_folder

    result = check_folder(SEED.parent)
    rendered = render_article(result.articles[0])
    raw = (dist / f"articles/{SEED_ID}.html").read_text("utf-8")
    assert shift_headings(rendered.body_html) in raw  # headings under the page's h1
    assert rendered.lead_html and rendered.lead_html in raw


def headings(page: Path) -> list[int]:
    return [int(str(e.tag)[1]) for e in parse(page).iter() if re.fullmatch(r"h[1-6]", str(e.tag))]


def test_article_body_headings_follow_the_title(dist: Path) -> None:
    """The seed's `###` is an h3 in the rendered body and in feeds (which have no page
    outline), an h2 on the page, right under the h1 title."""
    from publisher.render import render_article
    from publisher.store.check import check_folder

    article = check_folder(SEED.parent).articles[0]
    assert "\n### " in article.body and "<h3>" in render_article(article).body_html
    assert "&lt;h3&gt;" in (dist / "feeds/all.atom").read_text("utf-8")
    body = parse(dist / f"articles/{SEED_ID}.html").find(".//div[@class='body']")
    assert body is not None
    assert [str(e.tag) for e in body.iter() if str(e.tag)[0] == "h"] == ["h2"]
    assert headings(dist / f"articles/{SEED_ID}.html")[:2] == [1, 2]


def test_no_page_skips_a_heading_level(dist: Path) -> None:
    """Each page starts at its h1 and never goes more than one level deeper at a time
    (Nu Html Checker error, axe heading-order)."""
    deeper = 0
    for page in pages(dist):
        levels = headings(page)
        assert levels[0] == 1, page
        for before, level in pairwise(levels):
            assert level <= before + 1, (page, levels)
            deeper += level > before
    assert deeper > 20


def test_shift_headings() -> None:
    cases = {
        "<p>no heading</p><hr>": "<p>no heading</p><hr>",
        "<h3>a</h3><p>x</p><h3>b</h3>": "<h2>a</h2><p>x</p><h2>b</h2>",
        "<h3>a</h3><h4>b</h4><h3>c</h3>": "<h2>a</h2><h3>b</h3><h2>c</h2>",  # same shift
        "<h2>a</h2><h4>b</h4><h5>c</h5>": "<h2>a</h2><h3>b</h3><h4>c</h4>",  # gap closed
        "<h4>a</h4><h3>b</h3><h4>c</h4>": "<h2>a</h2><h2>b</h2><h3>c</h3>",
        "<h6>a &lt;h3&gt;</h6>": "<h2>a &lt;h3&gt;</h2>",
    }
    for given, expected in cases.items():
        assert shift_headings(given) == expected, given
    assert shift_headings("<h4>a</h4><h5>b</h5>", top=3) == "<h3>a</h3><h4>b</h4>"


def test_topic_page_lists_its_articles(dist: Path) -> None:
    document = parse(dist / "topics/report/syria/index.html")
    assert text(document.find(".//h1")) == "In-depth Report: SYRIA"
    listed = [a.get("href") for a in document.iterfind(".//ol[@class='articles']//a")]
    assert f"../../../articles/{SEED_ID}.html" in listed
    feeds = {a.get("href") for a in document.iterfind(".//a[@class='feed']")}
    assert {f"../../../feeds/report/syria.{f}" for f in FEED_FORMATS} <= feeds


def test_hostile_article_is_inert(dist: Path) -> None:
    page = dist / f"articles/{HOSTILE_ID}.html"
    raw = page.read_text("utf-8")
    document = parse(page)
    forbidden = {"script", "iframe", "object", "embed", "form", "input", "svg", "style", "base"}
    # The one script element is the page's JSON-LD data block (never executed).
    data = [e for e in document.iter("script") if e.get("type") == "application/ld+json"]
    assert len(data) == 1 and not data[0].attrib.keys() - {"type"}
    assert not {str(e.tag) for e in document.iter() if e not in data} & forbidden
    for element in document.iter():
        for name, value in element.attrib.items():
            assert not name.lower().startswith("on"), (element.tag, name, value)
            assert name != "style"
            if name in ("href", "src", "action", "data", "formaction"):
                scheme = value.strip().split(":", 1)[0].lower() if ":" in value else ""
                assert scheme in ("", "http", "https", "mailto"), (element.tag, value)
        if element.tag == "meta":
            assert element.get("http-equiv") != "refresh"
    assert "javascript:" not in raw.lower() and "data:" not in raw
    assert raw.lower().count("<script") == 1  # the data block: no text of the record
    # Text stays text: the title's markup is shown, escaped, not run.
    assert text(document.find(".//h1")) == HOSTILE_TITLE
    assert "&lt;script&gt;alert(&#39;title&#39;)&lt;/script&gt;" in raw
    assert "An ordinary opening paragraph." in raw and "A closing paragraph." in raw
    source = document.find(".//aside[@id='attribution']//a")
    assert source is not None and source.get("href") == "https://source.test/article?a=1&b=2"
    assert source.get("rel") == "noopener noreferrer nofollow"


def test_hostile_article_keeps_no_sanitised_leftovers(dist: Path) -> None:
    """What lost its URL to the sanitiser is gone: no <img> without src, no <a> without
    href; the links' text stays as text."""
    document = parse(dist / f"articles/{HOSTILE_ID}.html")
    assert [img.attrib for img in document.iter("img") if not img.get("src")] == []
    assert [text(a) for a in document.iter("a") if not a.get("href")] == []
    body = text(document.find(".//div[@class='body']"))
    for words in ("click me", "mixed case", "data link"):
        assert words in body


# -- paging -----------------------------------------------------------------------------


def crawl(dist: Path) -> set[Path]:
    """Every page reachable from the landing page by following internal links."""
    seen: set[Path] = set()
    todo = [dist / "index.html"]
    while todo:
        page = todo.pop()
        if page in seen or page.suffix != ".html":
            continue
        seen.add(page)
        for link in links(dist, page):
            target = resolve(dist, page, link.value)
            if target is not None and link.tag == "a":
                todo.append(target[0])
    return seen


def test_lists_are_paged_and_every_article_is_reachable(tmp_path: Path) -> None:
    seeds = corpus(tmp_path / "seeds")
    paged = replace(SETTINGS, items_per_page=4)
    build_site(seeds, tmp_path / "dist", paged)
    dist = tmp_path / "dist"
    listed = list(parse(dist / "index.html").iterfind(".//ol[@class='articles']/li"))
    assert len(listed) == 4
    # 20 articles: the newest 4 on the landing page, 16 older ones on archive pages of
    # their year (too few a month for pages by month).
    years = sorted(p.parent.name for p in dist.glob("archive/*/index.html"))
    assert years == ["2012", "2013", "2015", "2017", "2018", "2019", "2020", "2021", "2022", "2023"]
    reachable = crawl(dist)
    for article in (dist / "articles").iterdir():
        assert article in reachable, article.name
    assert set(pages(dist)) == reachable
    # An archive page of another period never changes when a newer article arrives.
    before = (dist / "archive/2012/index.html").read_bytes()
    newer = json.loads((seeds / f"{HOSTILE_ID}.json").read_text("utf-8"))
    newer.update(id="newest", title="The newest article", published="2030-01-01")
    (seeds / "newest.json").write_text(json.dumps(newer), "utf-8")
    build_site(seeds, dist, paged)
    assert (dist / "archive/2012/index.html").read_bytes() == before
    assert "The newest article" in (dist / "index.html").read_text("utf-8")


# -- releases ---------------------------------------------------------------------------


def test_releases_page_lists_every_version_and_file(dist: Path) -> None:
    document = parse(dist / "releases/index.html")
    sections = list(document.iterfind(".//section[@class='release']"))
    assert [s.get("id") for s in sections] == ["v1.1.0", "v1.0.0"]  # newest first
    assert text(sections[0].find("h2")) == "Version 1.1.0 (minor)"
    facts = dict(
        zip(map(text, sections[0].iter("dt")), map(text, sections[0].iter("dd")), strict=True)
    )
    assert facts["Date"] == "February 1, 2024" and facts["Records"] == "20"
    assert facts["Changes"] == "2 added, 0 changed, 0 removed (changelog)"
    assert facts["Why minor"] == "records added"
    assert "Version 1.0.0 (first release)" in text(sections[1])
    # The first release says so in its heading.
    assert not [dt for dt in sections[1].iterfind("dl/dt") if "Why" in text(dt)]
    index = json.loads((dist / "releases/index.json").read_text("utf-8"))
    for entry in index["versions"]:
        assert entry["datapackage_sha256"] in text(document)
    for section in sections:
        version = str(section.get("id"))
        folder = dist / "releases" / version
        rows = {
            text(row.find("td")): [text(td) for td in row.iterfind("td")]
            for row in section.iterfind("div/table/tbody/tr")  # the files (not the card's)
        }
        files = (p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())
        assert sorted(rows) == sorted(files)
        for name, (_, size, digest) in rows.items():
            data = (folder / name).read_bytes()
            assert size == human_size(len(data))
            assert digest == hashlib.sha256(data).hexdigest()
        changelog = [a for a in section.iter("a") if text(a) == "changelog"]
        assert changelog and changelog[0].get("href") == f"../releases/{version}/CHANGELOG.md"


def test_releases_page_without_releases(tmp_path: Path) -> None:
    build_site(corpus(tmp_path / "seeds", hostile=False), tmp_path / "dist")
    page = (tmp_path / "dist/releases/index.html").read_text("utf-8")
    assert "No dataset has been released yet." in page
    assert not (tmp_path / "dist/releases/index.json").exists()


def test_rebuild_rewrites_the_releases_page_and_keeps_releases(tmp_path: Path) -> None:
    seeds = corpus(tmp_path / "seeds", hostile=False)
    dist = tmp_path / "dist"
    build_site(seeds, dist)
    cut_release(seeds, dist, "2024-01-01")
    published = {p: p.read_bytes() for p in (dist / "releases/v1.0.0").iterdir()}
    build_site(seeds, dist)  # the old releases/index.html is not carried over twice
    assert "Version 1.0.0" in (dist / "releases/index.html").read_text("utf-8")
    assert {p: p.read_bytes() for p in (dist / "releases/v1.0.0").iterdir()} == published


def test_unreadable_release_index_is_a_clear_error(tmp_path: Path) -> None:
    from publisher.versioning import ReleaseError

    (tmp_path / "releases").mkdir()
    (tmp_path / "releases/index.json").write_text("{not json", "utf-8")
    with pytest.raises(ReleaseError, match="cannot read"):
        site.read_releases(tmp_path)


# -- determinism and helpers ------------------------------------------------------------


def tree(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()
    }


def test_build_is_byte_identical(tmp_path: Path, dist: Path) -> None:
    seeds = corpus(tmp_path / "seeds")
    again = tmp_path / "dist"
    shutil.copytree(dist / "releases", again / "releases", ignore=shutil.ignore_patterns("*.html"))
    shutil.copy(dist / MARKER, again / MARKER)  # a dist/ that publish wrote
    build_site(seeds, again)
    assert tree(again) == tree(dist)


def test_helpers() -> None:
    assert long_date(dt.date(2013, 9, 7)) == "September 7, 2013"
    assert relative("../../", "") == "../../index.html"
    assert relative("", "topics/region/x/") == "topics/region/x/index.html"
    assert relative("../", "#topics") == "../index.html#topics"
    assert relative("../", "feeds/all.atom") == "../feeds/all.atom"
    assert [human_size(n) for n in (0, 999, 1000, 1_234_567)] == [
        "0 bytes",
        "999 bytes",
        "1.0 kB",
        "1.2 MB",
    ]
    assert re.fullmatch(r"[a-z-]+", slugify("Russia and FSU"))


def test_sanitiser_keeps_only_absolute_urls() -> None:
    """Relative, protocol-relative and fragment URLs in a body could only dangle (or load
    from another host) on the site and in feeds; the sanitiser drops them."""
    from publisher.render import sanitise

    html = sanitise(
        '<a href="page.html">a</a><a href="//evil.test/x">b</a><a href="#note">c</a>'
        '<img src="x" alt="d"><a href="HTTPS://ok.test/">e</a><a href="mailto:a@ok.test">f</a>'
        '<img src="https://ok.test/i.png" alt="g"><q cite="/q">h</q>'
    )
    assert re.findall(r'(?:href|src|cite)="([^"]*)"', html) == [
        "HTTPS://ok.test/",
        "mailto:a@ok.test",
        "https://ok.test/i.png",
    ]
    # A link that lost its URL keeps its text; an image that lost its source goes.
    assert html.startswith("abc<a href=") and 'alt="d"' not in html


def test_sanitiser_drops_what_lost_its_url() -> None:
    """No <a> without href (invalid next to the rel the sanitiser adds, and not a link)
    and no <img> without src (invalid, and an unlabelled image to a screen reader), whether
    the filter removed the URL or the markup came without one."""
    from publisher.render import sanitise

    cases = {
        '<p><a href="javascript:alert(1)" title="t">click <b>me</b></a>!</p>': (
            "<p>click <b>me</b>!</p>"
        ),
        '<p>a <img src="data:image/png;base64,AA" alt="x"> b</p>': "<p>a  b</p>",
        '<p><a name="n">anchor</a> <img alt="no src"> <a>bare</a></p>': "<p>anchor  bare</p>",
        '<p><a title="t" href="https://ok.test/">kept</a><img alt="i" src="https://ok.test/i">': (
            '<p><a title="t" href="https://ok.test/" rel="noopener noreferrer nofollow">kept</a>'
            '<img alt="i" src="https://ok.test/i"></p>'
        ),
        "<p>&lt;a&gt; &amp; &nbsp;<a>x</a></p>": "<p>&lt;a&gt; &amp; &nbsp;x</p>",
    }
    for given, expected in cases.items():
        assert sanitise(given) == expected, given
