"""Authors and original sources as topics: their feeds hold exactly their articles, their
pages and index pages list them with true counts, and article pages link them."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import replace
from pathlib import Path
from xml.etree.ElementTree import Element

import pytest
from lxml import etree

from publisher.model import Article
from publisher.pipeline import build
from publisher.store import MemoryStore
from publisher.store.check import check_folder
from publisher.topics import slugify

from .feedtools import ATOM, SETTINGS, chain_ids, local, walk
from .sitetools import corpus, parse

SITE = replace(SETTINGS, items_per_feed=2, items_per_page=2, topics_on_landing=3)
# Extra articles: one author under two spellings that slug alike, a prolific author whose
# feed pages into archives, and an outlet under two spellings.
EXTRA = [
    ("jane-1", "2015-03-01", ["Jane Doe"], "Outlet One"),
    ("jane-2", "2016-04-01", ["Jane Doe", "Ann Other"], "OUTLET ONE"),
    ("jane-3", "2017-05-01", ["JANE DOE"], "Outlet One"),
    ("jane-4", "2018-06-01", ["Jane Doe"], "Another Outlet"),
    ("jane-5", "2019-07-01", ["Jane Doe"], "Outlet One"),
    # A JSON record may list an author twice: the article is still one of theirs, once.
    ("twice", "2014-02-01", ["Ann Other", "Ann Other"], "Another Outlet"),
    # Names without Latin letters (hashed slugs) and with accents, for the index pages.
    ("cyrillic", "2013-01-01", ["Сергей Лавров", "Мария Захарова"], "Ведомости"),
    ("accents", "2012-01-01", ["Émile Zola", "édith Piaf", "3 Musketeers"], "Élysée"),
]


def text(element: Element | None) -> str:
    assert element is not None
    return " ".join("".join(element.itertext()).split())


def extra_record(article_id: str, day: str, authors: list[str], source: str) -> dict[str, object]:
    return {
        "id": article_id,
        "title": f"Article {article_id}",
        "authors": authors,
        "published": day,
        "body": f"The body of {article_id}.\n\nA second paragraph that only the page shows.",
        "original_source": source,
        "copyright_holders": [source],
        "copyright_year": int(day[:4]),
        "disclaimer": "Republished under fair use.",
    }


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Article]]:
    root = tmp_path_factory.mktemp("people")
    seeds = corpus(root / "seeds", hostile=False)
    for record in EXTRA:
        data = json.dumps(extra_record(*record), ensure_ascii=False)
        (seeds / f"{record[0]}.json").write_text(data, "utf-8")
    result = check_folder(seeds)
    assert result.ok, result.problems
    build(MemoryStore.of(result.articles), SITE, root / "dist")
    return root / "dist", {a.id: a for a in result.articles}


def expected(articles: dict[str, Article], kind: str) -> dict[str, set[str]]:
    """slug -> the ids of its articles, from the records' own fields."""
    found: dict[str, set[str]] = {}
    for article in articles.values():
        names = article.authors if kind == "author" else (article.original_source,)
        for name in names:
            found.setdefault(slugify(name), set()).add(article.id)
    return found


@pytest.mark.parametrize("kind", ["author", "source"])
@pytest.mark.parametrize("fmt", ["atom", "rss", "json"])
def test_feeds_hold_exactly_their_articles(
    site: tuple[Path, dict[str, Article]], kind: str, fmt: str
) -> None:
    dist, articles = site
    wanted = expected(articles, kind)
    made = {p.stem for p in (dist / "feeds" / kind).glob(f"*.{fmt}")}
    assert made == set(wanted)
    for slug, ids in wanted.items():
        found = chain_ids(dist, dist / f"feeds/{kind}/{slug}.{fmt}", fmt)
        tags = [i.rsplit("/", 1)[-1] for i in found]
        assert len(tags) == len(set(tags)) and set(tags) == ids, slug
    # Names that slug alike are one topic: Jane Doe's articles under either spelling.
    slug, ids = {
        "author": ("jane-doe", {"jane-1", "jane-2", "jane-3", "jane-4", "jane-5"}),
        "source": ("outlet-one", {"jane-1", "jane-2", "jane-3", "jane-5"}),
    }[kind]
    assert wanted[slug] == ids


def test_author_and_source_feeds_carry_summaries(site: tuple[Path, dict[str, Article]]) -> None:
    """Full text is in the archive's and the categories' subscription documents; an
    author's or outlet's documents carry summaries and links (see topics.SUMMARISED)."""
    dist, _ = site
    for kind, full in (("author", False), ("source", False), ("region", True)):
        for first in (dist / "feeds" / kind).glob("*.atom"):
            document = next(walk(dist, first, "atom"))
            contents = etree.parse(str(document)).getroot().findall(f"{ATOM}entry/{ATOM}content")
            assert bool(contents) == full, document
    archive = list(walk(dist, dist / "feeds/author/jane-doe.atom", "atom"))
    assert len(archive) > 1  # five articles, two a document: it pages into archives
    assert all(local(dist, SITE.url(p.relative_to(dist).as_posix())) == p for p in archive)


def test_pages_and_index_pages_count_truly(site: tuple[Path, dict[str, Article]]) -> None:
    dist, articles = site
    landing = parse(dist / "index.html")
    for kind, label in (("author", "Authors"), ("source", "Original sources")):
        wanted = expected(articles, kind)
        counts = {slug: len(ids) for slug, ids in wanted.items()}
        # The index page: every topic of the kind once, with its count.
        index = parse(dist / f"topics/{kind}/index.html")
        assert text(index.find(".//h1")) == label
        listed = Counter()
        for item in index.iterfind(".//ul[@class='topics']/li"):
            link = item.find("a")
            assert link is not None
            slug = str(link.get("href")).split("/")[-2]
            listed[slug] += 1
            assert text(item.find("span")) == f"({counts[slug]})"
        assert listed == Counter(set(wanted))
        # The landing page: the three with most articles (ties by slug), then the index.
        section = landing.find(".//section[@aria-labelledby='topics']")
        assert section is not None
        children = list(section)
        at = next(i for i, h in enumerate(children) if h.tag == "h3" and text(h) == label)
        group, more = children[at + 1], children[at + 2]
        shown = [str(a.get("href")).split("/")[-2] for a in group.iterfind("li/a")]
        assert shown == sorted(counts, key=lambda s: (-counts[s], s))[:3]
        link = more.find("a")
        assert link is not None and link.get("href") == f"topics/{kind}/index.html"
        assert text(more) == f"All {label.lower()} ({len(counts)})"
    # A topic page says how many articles it has and pages through all of them.
    page = parse(dist / "topics/author/jane-doe/index.html")
    assert "5 articles" in text(page.find(".//main/p"))


def test_index_pages_file_names_under_their_initials(
    site: tuple[Path, dict[str, Article]],
) -> None:
    """Under the first letter of the name (accents aside, "#" for a digit), by name, in
    whatever script: not under the hashed slug's "T"."""
    dist, articles = site
    for kind in ("author", "source"):
        names = {
            name
            for article in articles.values()
            for name in (article.authors if kind == "author" else (article.original_source,))
        }
        # One spelling per topic, as the page shows it (the smallest of those that slug alike).
        shown: dict[str, str] = {}
        for name in sorted(names):
            shown.setdefault(slugify(name), name)
        wanted: dict[str, list[str]] = {}
        for name in sorted(shown.values(), key=str.casefold):
            first = next(c for c in name if c.isalpha() or c.isdigit())
            letter = "#" if first.isdigit() else first.upper()
            letter = {"É": "E"}.get(letter, letter)
            wanted.setdefault(letter, []).append(name)
        index = parse(dist / f"topics/{kind}/index.html")
        found = {
            text(section.find("h2")): [text(a) for a in section.iterfind(".//li/a")]
            for section in index.iterfind(".//main//section")
        }
        assert found == wanted
        headings = [text(h) for h in index.iterfind(".//main//section/h2")]
        assert headings == sorted(headings)
    found_authors = parse(dist / "topics/author/index.html")
    assert "С" in [text(h) for h in found_authors.iterfind(".//main//section/h2")]


def test_article_pages_link_authors_and_source(site: tuple[Path, dict[str, Article]]) -> None:
    dist, articles = site
    for article in articles.values():
        page = parse(dist / f"articles/{article.id}.html")
        byline = page.findall(".//span[@class='authors']/a")
        assert [text(a) for a in byline] == list(article.authors)
        assert [a.get("href") for a in byline] == [
            f"../topics/author/{slugify(name)}/index.html" for name in article.authors
        ]
        source = f"../topics/source/{slugify(article.original_source)}/index.html"
        links = page.findall(".//aside[@id='attribution']//a")
        assert source in {a.get("href") for a in links}, article.id
