"""Feeds: validity, round trips, topics, RFC 5005 archives, attribution and each feedgen trap."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import feedparser
import html5lib
import pytest
from feedgen.feed import FeedGenerator
from jsonschema import Draft202012Validator
from lxml import etree

from publisher import paging
from publisher.config import Settings
from publisher.feeds import FeedWriter
from publisher.model import TOPIC_FIELDS, Article, ArticleRef
from publisher.paging import Feed
from publisher.render import excerpt, render_article, summary_text
from publisher.schema import normalise
from publisher.topics import slugify, topics_of
from publisher.validate import CheckResult

from .feedtools import (
    ATOM,
    SETTINGS,
    build_corpus,
    chain_ids,
    corpus,
    entry_ids,
    json_document,
    local,
    walk,
    xml_link,
)
from .sitetools import hostile_record

SCHEMAS = Path(__file__).parent / "schemas"
DC = "{http://purl.org/dc/elements/1.1/}"
CONTENT = "{http://purl.org/rss/1.0/modules/content/}"
FH = "{http://purl.org/syndication/history/1.0}"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, CheckResult]:
    root = tmp_path_factory.mktemp("feeds")
    seeds = corpus(root / "seeds")
    result = build_corpus(seeds, root / "dist")
    return root / "dist", result


@pytest.fixture(scope="module")
def dist(built: tuple[Path, CheckResult]) -> Path:
    return built[0]


@pytest.fixture(scope="module")
def articles(built: tuple[Path, CheckResult]) -> dict[str, Article]:
    return {SETTINGS.tag(f"article/{a.id}"): a for a in built[1].articles}


def documents(dist: Path, fmt: str) -> list[Path]:
    return sorted((dist / "feeds").rglob(f"*.{fmt}"))


def test_every_format_and_topic_is_written(dist: Path, articles: dict[str, Article]) -> None:
    topics = topics_of(list(articles.values()))
    assert len(topics) > 20
    for fmt in ("atom", "rss", "json"):
        assert (dist / "feeds" / f"all.{fmt}").is_file()
        for topic in topics:
            assert (dist / "feeds" / topic.kind / f"{topic.slug}.{fmt}").is_file()
    assert (dist / "feeds/archive/all/2013.atom").is_file()  # the oldest year


def test_atom_documents_validate_against_rfc4287_relaxng(dist: Path) -> None:
    relaxng = etree.RelaxNG(etree.parse(str(SCHEMAS / "atom.rng")))
    paths = documents(dist, "atom")
    assert len(paths) >= 20 + 1 + 3  # topics, the main feed, its archive pages
    for path in paths:
        document = etree.parse(str(path))
        assert relaxng.validate(document), (path, relaxng.error_log)


@pytest.mark.parametrize("fmt", ["atom", "rss"])
def test_feedparser_reads_every_document_cleanly(dist: Path, fmt: str) -> None:
    for path in documents(dist, fmt):
        parsed = feedparser.parse(path.read_bytes())
        assert parsed.bozo == 0, (path, parsed.get("bozo_exception"))
        assert parsed.entries
        assert parsed.version == ("atom10" if fmt == "atom" else "rss20")


def test_json_feeds_validate_against_the_spec_schema(dist: Path) -> None:
    schema = json.loads((SCHEMAS / "jsonfeed-1.1.schema.json").read_text("utf-8"))
    Draft202012Validator.check_schema(schema)
    validator = Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
    for path in documents(dist, "json"):
        errors = [e.message for e in validator.iter_errors(json_document(path))]
        assert not errors, (path, errors)


def text_of(fragment: str) -> str:
    tree = html5lib.parseFragment(fragment, treebuilder="etree", namespaceHTMLElements=False)
    return " ".join("".join(tree.itertext()).split())


def midnight(day: dt.date) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)


@pytest.mark.parametrize("fmt", ["atom", "rss"])
def test_entries_round_trip_from_the_record(
    dist: Path, articles: dict[str, Article], fmt: str
) -> None:
    seen = 0
    for path in walk(dist, dist / f"feeds/all.{fmt}", fmt):
        archive = "archive" in path.parts  # archive pages carry light entries
        for entry in feedparser.parse(path.read_bytes()).entries:
            article = articles[entry.id]
            rendered = render_article(article)
            seen += 1
            assert entry.title == article.title
            assert entry.link == SETTINGS.url(f"articles/{article.id}.html")
            published = dt.datetime(*entry.published_parsed[:6], tzinfo=dt.UTC)
            assert published == midnight(article.published)
            if fmt == "atom":
                updated = dt.datetime(*entry.updated_parsed[:6], tzinfo=dt.UTC)
                assert updated == midnight(article.last_modified)
                assert [a.name for a in entry.authors] == list(article.authors)
            else:
                # RSS authors travel as dc:creator; feedparser keeps one of them
                # (test_trap_rss_author_needs_email checks them all).
                assert entry.author in article.authors
            assert [(t.term, t.scheme) for t in entry.get("tags", [])] == [
                (name, SETTINGS.url(f"topics/{kind}/")) for kind, name in article.categories
            ]
            summary = text_of(rendered.lead_html) if rendered.lead_html else rendered.summary_text
            if archive:
                note = f"The original source of this article is {article.original_source}."
                assert text_of(entry.summary) == " ".join(
                    f"{excerpt(rendered.summary_text)} {note} {article.copyright_statement}. "
                    "Republished under fair use. Read the full article.".split()
                )
                assert "content" not in entry
                continue
            assert text_of(entry.summary) == summary
            # feedparser re-serialises HTML, so compare the text a reader sees.
            assert text_of(rendered.body_html) in text_of(entry.content[0].value)
            assert entry.content[0].type == "text/html"
    assert seen == len(articles)


def test_json_items_round_trip_from_the_record(dist: Path, articles: dict[str, Article]) -> None:
    seen = 0
    for path in walk(dist, dist / "feeds/all.json", "json"):
        archive = "archive" in path.parts  # archive pages carry light entries
        for item in json_document(path)["items"]:
            article = articles[item["id"]]
            seen += 1
            assert item["title"] == article.title
            assert item["url"] == SETTINGS.url(f"articles/{article.id}.html")
            assert item["date_published"] == midnight(article.published).isoformat()
            assert item["date_modified"] == midnight(article.last_modified).isoformat()
            assert [a["name"] for a in item["authors"]] == list(article.authors)
            assert item["tags"] == [name for _, name in article.categories]
            body = render_article(article).body_html
            assert (body not in item["content_html"]) if archive else (body in item["content_html"])
            attribution = item["_attribution"]
            assert attribution["original_source"] == article.original_source
            assert attribution["copyright"] == article.copyright_statement
            if not archive:  # light entries link to the page that carries the disclaimer
                assert attribution["disclaimer"] == article.disclaimer
    assert seen == len(articles)


@pytest.mark.parametrize("fmt", ["atom", "rss", "json"])
def test_archive_chain_yields_every_article_once(
    dist: Path, articles: dict[str, Article], fmt: str
) -> None:
    ids = chain_ids(dist, dist / f"feeds/all.{fmt}", fmt)
    assert len(ids) == len(set(ids)) == len(articles)
    assert set(ids) == set(articles)
    # Newest first along the whole chain.
    dates = [(articles[i].published, articles[i].id) for i in ids]
    assert dates == sorted(dates, reverse=True)


@pytest.mark.parametrize("fmt", ["atom", "rss", "json"])
def test_topic_feeds_contain_exactly_the_matching_articles(
    dist: Path, articles: dict[str, Article], fmt: str
) -> None:
    for topic in topics_of(list(articles.values())):
        ids = chain_ids(dist, dist / f"feeds/{topic.kind}/{topic.slug}.{fmt}", fmt)
        expected = {
            tag
            for tag, article in articles.items()
            if any(slugify(name) == topic.slug for name in names(article, topic.kind))
        }
        assert len(ids) == len(set(ids))
        assert set(ids) == expected, topic.key


def names(article: Article, kind: str) -> tuple[str, ...]:
    """The article's names of a topic kind, read from the record's own fields."""
    field = {"author": "authors", "source": "original_source"}.get(kind, TOPIC_FIELDS.get(kind))
    assert field is not None, kind
    value = getattr(article, field)
    return (value,) if isinstance(value, str) else tuple(value)


def test_subscription_document_holds_the_newest_n(dist: Path) -> None:
    for fmt in ("atom", "rss", "json"):
        assert len(entry_ids(dist / f"feeds/all.{fmt}", fmt)) == 5


@pytest.mark.parametrize("fmt", ["atom", "rss"])
def test_rfc5005_markers(dist: Path, fmt: str) -> None:
    current = etree.parse(str(dist / f"feeds/all.{fmt}")).getroot()
    assert current.find(f".//{FH}archive") is None
    newest = xml_link(current, "prev-archive")
    # 14 archived entries over ten years: pages by year, named by it.
    assert newest == SETTINGS.url(f"feeds/archive/all/2022.{fmt}")
    archive = etree.parse(str(local(dist, newest))).getroot()
    assert archive.find(f".//{FH}archive") is not None
    assert xml_link(archive, "current") == SETTINGS.url(f"feeds/all.{fmt}")
    assert xml_link(archive, "prev-archive") == SETTINGS.url(f"feeds/archive/all/2021.{fmt}")
    assert xml_link(archive, "next-archive") is None
    oldest = etree.parse(str(dist / f"feeds/archive/all/2013.{fmt}")).getroot()
    assert xml_link(oldest, "prev-archive") is None
    # Years without articles have no page: links skip them.
    assert xml_link(oldest, "next-archive") == SETTINGS.url(f"feeds/archive/all/2015.{fmt}")
    assert xml_link(oldest, "self") == SETTINGS.url(f"feeds/archive/all/2013.{fmt}")


def test_archive_pages_of_other_periods_never_change(tmp_path: Path) -> None:
    """A new article changes its own period's page (and the neighbours' links when the
    period is new), never the pages of other periods, wherever in time it lands."""
    seeds = corpus(tmp_path / "seeds")
    build_corpus(seeds, tmp_path / "before")
    text = (seeds / "001_war-risk-premiums.txt").read_text("utf-8")
    newer = re.sub(r"Global Research, \w+ \d+, \d{4}", "Global Research, January 02, 2099", text)
    (seeds / "999_newest.txt").write_text(newer.replace("# ", "# Newest: ", 1), "utf-8")
    older = re.sub(r"Global Research, \w+ \d+, \d{4}", "Global Research, March 02, 2019", text)
    (seeds / "998_back_dated.txt").write_text(older.replace("# ", "# Back-dated: ", 1), "utf-8")
    build_corpus(seeds, tmp_path / "after")
    folder = "feeds/archive/all"
    for fmt in ("atom", "rss", "json"):
        years = sorted(p.stem for p in (tmp_path / "after" / folder).glob(f"*.{fmt}"))
        # The newest article pushed the oldest subscription entry (2023) into an archive.
        assert years == ["2013", "2015", "2017", "2018", "2019", "2020", "2021", "2022", "2023"]
        changed = [
            year
            for year in years[:-1]
            if (tmp_path / "before" / folder / f"{year}.{fmt}").read_bytes()
            != (tmp_path / "after" / folder / f"{year}.{fmt}").read_bytes()
        ]
        # The back-dated article's page; and the link from 2022 to the new page (JSON Feed
        # links only to older pages).
        assert changed == (["2019"] if fmt == "json" else ["2019", "2022"])
        assert entry_ids(tmp_path / "after" / f"feeds/all.{fmt}", fmt)[0].endswith("/newest")


def test_feed_level_metadata(dist: Path, articles: dict[str, Article]) -> None:
    parsed = feedparser.parse((dist / "feeds/all.atom").read_bytes())
    feed = parsed.feed
    assert feed.id == SETTINGS.tag("feed/all")
    assert feed.title == SETTINGS.title and feed.subtitle == SETTINGS.description
    assert feed.language == SETTINGS.language
    assert "fair use" in feed.rights
    assert feed.generator == "publisher"
    links = {(link.rel, link.href) for link in feed.links}
    assert ("self", SETTINGS.url("feeds/all.atom")) in links
    assert ("alternate", SETTINGS.url("")) in links
    rss = feedparser.parse((dist / "feeds/all.rss").read_bytes()).feed
    assert rss.link == SETTINGS.url("")
    assert "fair use" in rss.rights


def test_every_entry_carries_attribution(dist: Path, articles: dict[str, Article]) -> None:
    atom = etree.parse(str(dist / "feeds/all.atom")).getroot()
    for entry in atom.iter(f"{ATOM}entry"):
        article = articles[entry.findtext(f"{ATOM}id") or ""]
        assert entry.findtext(f"{ATOM}source/{ATOM}title") == article.original_source
        rights = entry.findtext(f"{ATOM}rights") or ""
        assert rights.startswith(article.copyright_statement) and "fair use" in rights
        content = entry.findtext(f"{ATOM}content") or ""
        assert "The original source of this article is" in content
    rss = etree.parse(str(dist / "feeds/all.rss")).getroot()
    for item in rss.iter("item"):
        article = articles[item.findtext("guid") or ""]
        sources = (article.original_source, article.original_source_url)
        assert item.findtext(f"{DC}source") in sources
        assert (item.findtext(f"{DC}rights") or "").startswith(article.copyright_statement)


def test_via_link_when_the_original_url_is_known(dist: Path, articles: dict[str, Article]) -> None:
    with_url = [a for a in articles.values() if a.original_source_url]
    assert with_url, "the corpus needs an article with an original_source_url"
    found = 0
    for path in documents(dist, "atom"):
        for entry in etree.parse(str(path)).getroot().iter(f"{ATOM}entry"):
            article = articles[entry.findtext(f"{ATOM}id") or ""]
            vias = [e.get("href") for e in entry.findall(f"{ATOM}link") if e.get("rel") == "via"]
            assert vias == ([article.original_source_url] if article.original_source_url else [])
            found += bool(vias)
    assert found


def test_feed_updated_is_the_newest_entry(dist: Path, articles: dict[str, Article]) -> None:
    """trap_updated_defaults_to_now: feed dates come from content, never the clock."""
    for path in walk(dist, dist / "feeds/all.atom", "atom"):
        root = etree.parse(str(path)).getroot()
        updated = [e.findtext(f"{ATOM}updated") for e in root.iter(f"{ATOM}entry")]
        assert root.findtext(f"{ATOM}updated") == max(u for u in updated if u)
    rss = feedparser.parse((dist / "feeds/all.rss").read_bytes())
    newest = max(midnight(a.last_modified) for a in articles.values())
    built = dt.datetime(*rss.feed.updated_parsed[:6], tzinfo=dt.UTC)
    assert built == newest


# -- one test per feedgen trap (GUIDE section 5) ---------------------------------------


def test_trap_entry_link_rel(dist: Path) -> None:
    fg = FeedGenerator()
    fg.id("x")
    fg.title("x")
    fe = fg.add_entry()
    fe.id("e")
    fe.title("e")
    fe.updated(dt.datetime(2020, 1, 1, tzinfo=dt.UTC))
    fe.content("<p>x</p>", type="html")
    fe.link(href="https://example.org/a", rel="via")
    raw = etree.fromstring(fg.atom_str())
    # feedgen itself still drops rel (if this starts failing, the workaround can go).
    assert raw.find(f".//{ATOM}entry/{ATOM}link").get("rel") is None
    entry = etree.parse(str(dist / "feeds/all.atom")).getroot().find(f"{ATOM}entry")
    links = entry.findall(f"{ATOM}link")  # type: ignore[union-attr]
    first = links[0]
    assert (first.get("rel"), first.get("type")) == ("alternate", "text/html")


def test_trap_cdata_content_type(dist: Path) -> None:
    for path in documents(dist, "atom"):
        text = path.read_text("utf-8")
        assert 'type="CDATA"' not in text
        # Archive pages, authors' and sources' feeds carry no content (light entries).
        if not {"archive", "author", "source"} & set(path.parts):
            assert '<content type="html">' in text


def test_trap_control_characters(tmp_path: Path) -> None:
    fg = FeedGenerator()
    fg.id("x")
    fg.title("bell \x07")  # what would reach lxml without the schema
    with pytest.raises(ValueError):
        fg.atom_str()
    seed = tmp_path / "seeds"
    seed.mkdir()
    text = (corpus(tmp_path / "c") / "000_64a29ae14d7662cb.txt").read_text("utf-8")
    (seed / "a.txt").write_text(text.replace("Putin\n", "Put\x07in\n", 1), "utf-8")
    from publisher.store.check import check_folder

    result = check_folder(seed)
    assert not result.articles and "U+0007" in result.problems[0].message


def test_trap_rss_author_needs_email(dist: Path, articles: dict[str, Article]) -> None:
    rss = etree.parse(str(dist / "feeds/all.rss")).getroot()
    for item in rss.iter("item"):
        article = articles[item.findtext("guid") or ""]
        assert item.find("author") is None
        assert [e.text for e in item.findall(f"{DC}creator")] == list(article.authors)


def test_trap_rss_drops_links(dist: Path) -> None:
    archive = etree.parse(str(dist / "feeds/archive/all/2019.rss")).getroot()
    channel = archive.find("channel")
    rels = {link.get("rel") for link in channel.findall(f"{ATOM}link")}  # type: ignore[union-attr]
    assert rels == {"self", "current", "prev-archive", "next-archive"}
    assert channel.find(f"{FH}archive") is not None  # type: ignore[union-attr]


def test_trap_add_entry_prepends(dist: Path) -> None:
    for fmt in ("atom", "rss"):
        parsed = feedparser.parse((dist / f"feeds/all.{fmt}").read_bytes())
        dates = [entry.published_parsed for entry in parsed.entries]
        assert dates == sorted(dates, reverse=True)


def test_trap_rss_content_needs_description(dist: Path) -> None:
    rss = etree.parse(str(dist / "feeds/all.rss")).getroot()
    for item in rss.iter("item"):
        assert item.find(f"{CONTENT}encoded") is not None
        description = item.findtext("description") or ""
        assert "The original source of this article is" not in description


def test_trap_rss_channel_link_is_last(dist: Path) -> None:
    channel = etree.parse(str(dist / "feeds/all.rss")).getroot().find("channel")
    assert channel.findtext("link") == SETTINGS.url("")  # type: ignore[union-attr]


def test_guid_is_not_a_permalink(dist: Path) -> None:
    for guid in etree.parse(str(dist / "feeds/all.rss")).getroot().iter("guid"):
        assert guid.get("isPermaLink") == "false" and (guid.text or "").startswith("tag:")


# -- hostile markup ---------------------------------------------------------------------

HOSTILE = (
    "Intro.\n\n<script>alert(1)</script>\n\n<img src=x onerror=alert(2)>\n\n"
    "[click](javascript:alert(3)) and [data](data:text/html;base64,PHNjcmlwdD4=)\n\n"
    '<iframe src="https://evil.example"></iframe>\n\n<svg><script>alert(4)</script></svg>\n\n'
    '<p style="width: expression(alert(5))" onclick="alert(6)">styled</p>\n\n'
    '<a href="JaVaScRiPt:alert(7)">mixed case</a>'
)


def assert_inert(fragment: str) -> None:
    """Parsed as a browser would, the fragment has no element or attribute that can run."""
    tree = html5lib.parseFragment(fragment, treebuilder="etree", namespaceHTMLElements=False)
    for element in tree.iter():
        assert element.tag not in ("script", "iframe", "svg", "object", "embed", "style")
        for name, value in element.attrib.items():
            assert not name.lower().startswith("on"), name
            assert name.lower() != "style"
            assert not value.strip().lower().startswith(("javascript:", "data:", "vbscript:"))


def test_hostile_markup_is_inert_in_every_format(tmp_path: Path) -> None:
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    record = json.loads((corpus(tmp_path / "c") / "020_bangladesh-garment-wages.json").read_text())
    record["id"] = "hostile"
    record["body"] = HOSTILE
    record["lead"] = "Lead <script>alert(8)</script> [x](javascript:alert(9))"
    (seeds / "hostile.json").write_text(json.dumps(record), "utf-8")
    build_corpus(seeds, tmp_path / "dist")
    atom = etree.parse(str(tmp_path / "dist/feeds/all.atom")).getroot()
    fragments = [e.text or "" for e in atom.iter(f"{ATOM}content", f"{ATOM}summary")]
    rss = etree.parse(str(tmp_path / "dist/feeds/all.rss")).getroot()
    for item in rss.iter("item"):
        fragments += [e.text or "" for e in item.iter("description", f"{CONTENT}encoded")]
    items = json_document(tmp_path / "dist/feeds/all.json")["items"]
    fragments += [item["content_html"] for item in items]
    assert len(fragments) == 5
    for fragment in fragments:
        lowered = fragment.lower()
        assert "<script" not in lowered and "<iframe" not in lowered and "onerror" not in lowered
        assert "javascript:" not in lowered and "data:text" not in lowered
        assert "expression(" not in lowered
        assert_inert(fragment)
    assert "styled" in fragments[0] and "mixed case" in fragments[0]


def test_archives_carry_light_entries(dist: Path, articles: dict[str, Article]) -> None:
    """Archive pages (the main feed's and every topic's) list summary, attribution and a
    link to the article page; the full text is on that page, so the archives do not
    repeat it once per feed."""
    pages = sorted((dist / "feeds/archive").glob("**/*.atom"))
    assert any(p.parent.name == "all" for p in pages), "the corpus needs a main archive page"
    assert any(p.parent.parent.name != "archive" for p in pages), "and a topic archive page"
    for path in pages:
        root = etree.parse(str(path)).getroot()
        for entry in root.iter(f"{ATOM}entry"):
            article = articles[entry.findtext(f"{ATOM}id") or ""]
            assert entry.find(f"{ATOM}content") is None
            summary = entry.findtext(f"{ATOM}summary") or ""
            assert "Read the full article" in summary and article.original_source in summary
            assert (entry.findtext(f"{ATOM}rights") or "").startswith(article.copyright_statement)
            assert entry.find(f"{ATOM}source") is not None
    # The categories' subscription documents (authors' and sources' are light).
    for path in sorted(
        p for k in ("region", "theme", "report") for p in (dist / "feeds").glob(f"{k}/*.atom")
    ):
        for entry in etree.parse(str(path)).getroot().iter(f"{ATOM}entry"):
            article = articles[entry.findtext(f"{ATOM}id") or ""]
            assert text_of(render_article(article).body_html) in text_of(
                entry.findtext(f"{ATOM}content") or ""
            )


def _light_pair(article: Article, settings: Settings = SETTINGS) -> tuple[object, object]:
    """An article's light entry as written (directly) and as feedgen writes it."""
    writer = FeedWriter(settings, render_article, {article.id: article}.__getitem__)
    summary, rights = writer.light_parts(article)
    return (
        writer.light_fragments(article, summary, rights),
        writer._fragments(article, summary, None, rights),
    )


def test_light_entries_equal_feedgen(built: tuple[Path, CheckResult]) -> None:
    """Light entries are written directly for speed; they must be exactly what feedgen
    (with the fixes above) writes, for every article of the corpus, with and without a
    source URL, one or many authors and topics, hostile titles and names."""
    articles = [*built[1].articles, Article.from_record(normalise(hostile_record()))]
    assert any(a.original_source_url for a in articles)
    assert any(not a.original_source_url for a in articles)
    assert any(len(a.authors) > 1 for a in articles)
    for article in articles:
        fast, reference = _light_pair(article)
        assert fast == reference, article.id
        # Rebuilds make light entries from the summary alone, without the body.
        assert summary_text(article) == render_article(article).summary_text, article.id


def _entry(article_id: str, day: str) -> ArticleRef:
    return ArticleRef(
        article_id,
        article_id,
        dt.date.fromisoformat(day),
        None,
        (),
        (),
        (),
        (),
        "Outlet",
        article_id,
        "",
        "",
    )


def test_archive_pages_by_year_or_month() -> None:
    """A year makes one page unless it averages more than a page's worth a month; pages
    are named by their period, oldest to newest linked both ways, the subscription
    document first."""
    sparse = [_entry(f"s{i}", f"2019-0{i + 1}-01") for i in range(3)]
    dense = [_entry(f"d{m}-{i}", f"2020-{m:02d}-{i + 1:02d}") for m in (1, 2, 4) for i in range(5)]
    feed = Feed("all", "T", "D", "", (*sparse, *dense, _entry("new", "2021-01-01")))
    pages = list(paging.documents(feed, 1))  # 15 archived in 2020: more than 12 x 1
    assert [(d.page, d.older, d.newer) for d in pages] == [
        (None, "2020-04", None),
        ("2019", None, "2020-01"),  # 3 in 2019: one page for the year
        ("2020-01", "2019", "2020-02"),
        ("2020-02", "2020-01", "2020-04"),  # March has no articles, so no page
        ("2020-04", "2020-02", None),
    ]
    assert [e.id for e in pages[2].entries] == ["d1-4", "d1-3", "d1-2", "d1-1", "d1-0"]
    assert pages[4].period == "April 2020" and pages[1].period == "2019"
    yearly = list(paging.documents(feed, 2))  # 14 archived in 2020: not more than 12 x 2
    assert [(d.page, len(d.entries)) for d in yearly] == [(None, 2), ("2019", 3), ("2020", 14)]
    assert [d.page for d in paging.documents(feed, 30)] == [None]  # no archive at all


def test_spans_locate_each_document() -> None:
    """spans() gives documents() with where each one's entries are in the feed: what the
    plan slices its digests by."""
    days = [dt.date(2018, 1, 1) + dt.timedelta(days=i) for i in range(0, 1100, 3)]
    feed = Feed(
        "all", "T", "D", "", tuple(_entry(f"a{i:04d}", d.isoformat()) for i, d in enumerate(days))
    )
    for size in (1, 5, 50, 400):
        found = list(paging.spans(feed, size))
        assert [d for d, _, _ in found] == list(paging.documents(feed, size))
        for document, start, end in found:
            assert feed.articles[start:end] == tuple(reversed(document.entries))


def test_a_back_dated_article_changes_one_page() -> None:
    """What makes add-one cheap at scale: pages are periods, so an insertion in the past
    leaves every other page's entries and links as they were."""
    days = [dt.date(2000, 1, 1) + dt.timedelta(days=2 * i) for i in range(2000)]
    entries = [_entry(f"a{i:04d}", day.isoformat()) for i, day in enumerate(days)]

    def pages() -> dict[str | None, tuple[object, ...]]:
        found = paging.documents(Feed("all", "T", "D", "", tuple(entries)), 10)
        return {d.page: (d.entries, d.older, d.newer) for d in found}

    before = pages()
    entries.insert(500, _entry("late", entries[500].published.isoformat()))
    after = pages()
    assert before.keys() == after.keys()  # 182 a year, more than 12 x 10: by month
    changed = [page for page in before if before[page] != after[page]]
    assert changed == [entries[500].published.isoformat()[:7]]
    # An article far older than all others adds its own page and changes the link of
    # the page after it; the month pages stay (the choice is made year by year).
    entries.insert(0, _entry("ancient", "1985-06-01"))
    ancient = pages()
    assert ancient.keys() - after.keys() == {"1985"}
    assert [page for page in after if after[page] != ancient[page]] == ["2000-01"]
