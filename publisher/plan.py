"""Every file a build publishes, each with a key that changes whenever its bytes would.

A build first lists its outputs without making them: which paths, which articles they
show, and a key computed from everything that decides their bytes (the tool and the
settings, the paths and neighbours of the page, and the digest of every article shown).
An output whose key equals the key of the file already in the tree is kept as it is, so
a rebuild after one edit makes only the few files that show that article. The keys must
cover every input of a producer: tests/test_incremental.py compares incremental builds
with cold ones after random sequences of changes.
"""

from __future__ import annotations

import hashlib
import operator
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from .config import Settings
from .feeds import FeedWriter
from .fingerprint import build_fingerprint
from .model import ArticleRef
from .paging import Document, Feed, site_feeds, spans
from .site import ASSETS, RELEASES_PAGE, Site, asset, list_page
from .topics import Topic, chronological, gather, placed_topics


@dataclass(frozen=True)
class Makers:
    """The producers of one build process (each keeps per-article caches)."""

    feeds: FeedWriter
    site: Site
    root: Path  # the staging folder (the releases page reads the releases in it)


Made = list[tuple[str, bytes]]


@dataclass(frozen=True)
class Unit:
    """Files made together (a feed document in its three formats, or one page)."""

    paths: tuple[str, ...]
    key: str  # "" for an output made by every build
    shows: tuple[ArticleRef, ...]  # the articles it lists
    needs: str  # what of each: "full" or "light" feed entries, "item" (list pages), ""
    make: Callable[[Makers], Made]
    cost: float  # rough relative cost, to share the work between processes


@dataclass(frozen=True)
class Plan:
    feeds: tuple[Feed, ...]
    topics: tuple[Topic, ...]
    units: tuple[Unit, ...]
    # Article pages, one per article, as (path, key, entry): made article by article
    # (build.py), and most rebuilds keep all but a few.
    pages: tuple[tuple[str, str, ArticleRef], ...]


def _key(*parts: object) -> str:
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:24]


def _hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


_list_digest = operator.attrgetter("list_digest")


def _position(document: Document) -> tuple[str | None, str | None, str | None]:
    """What a document's links to its neighbours depend on."""
    return document.page, document.older, document.newer


def plan(entries: Sequence[ArticleRef], settings: Settings) -> Plan:
    ordered = chronological(entries)
    placed = placed_topics(ordered)
    topics = tuple(topic for topic, _ in placed)
    feeds = tuple(site_feeds(ordered, topics, settings))
    main = feeds[0]
    salt = _key(build_fingerprint(), repr(settings))
    units: list[Unit] = []
    memo: dict[tuple[str, int], list[tuple[Document, str]]] = {}
    # Every feed's list digests (ArticleRef.list_digest: what a list shows of an article)
    # in its order, gathered from one list of them all: reading each article's again
    # costs more (they lie all over memory).
    everything = list(map(_list_digest, ordered))
    listed: dict[str, Sequence[str]] = {main.key: everything}
    for topic, positions in placed:
        listed[topic.key] = gather(everything, positions)

    def paged(feed: Feed, size: int) -> list[tuple[Document, str]]:
        """The documents of `feed` paged by `size`, each with a digest of the list digests of
        the articles it shows, in order (a list_digest covers the whole record but the body, id
        included): a feed and its list pages are paged alike by default, so made once."""
        found = memo.get((feed.key, size))
        if found is None:
            shown = listed[feed.key]
            found = [
                (document, _hash(",".join(shown[start:end])))
                for document, start, end in spans(feed, size)
            ]
            memo[(feed.key, size)] = found
        return found

    for name in ASSETS:
        units.append(Unit((name,), _key(salt, "asset", name), (), "", _asset(name), 0.1))

    for feed in feeds:
        for document, digests in paged(feed, settings.items_per_feed):
            light = document.page is not None
            if not light:  # full entries, bodies included: the whole records
                digests = _hash(",".join(entry.digest for entry in document.entries))
            key = _key(
                salt,
                "feed",
                feed.key,
                feed.title,
                feed.description,
                feed.page,
                _position(document),
                digests,
            )
            paths = tuple(feed.path(fmt, document.page) for fmt in ("atom", "rss", "json"))
            shown = document.entries
            needs, cost = ("light", 0.3) if light else ("full", 0.5)
            make = _feed_document(document)
            units.append(Unit(paths, key, shown, needs, make, len(shown) * cost))

    groups: dict[str, list[Topic]] = {}
    for topic in topics:  # already in kind order, then slug order
        groups.setdefault(f"{topic.label}s", []).append(topic)
    by_key = {feed.key: feed for feed in feeds}
    topic_list = tuple((t.key, t.name, t.label, len(t.articles)) for t in topics)
    for document, digests in paged(main, settings.items_per_page):
        # The first page shows the counts of the archive and of every topic.
        summary = (len(main.articles), topic_list) if document.page is None else None
        key = _key(salt, "index", _position(document), digests, summary)
        context = {"main": main, "topic_groups": list(groups.items()), "by_key": by_key}
        units.append(_list_unit(main, "index.html", document, key, context))
    for topic in topics:
        feed = by_key[topic.key]
        for document, digests in paged(feed, settings.items_per_page):
            count = len(topic.articles) if document.page is None else None
            key = _key(
                salt,
                "topic",
                topic.key,
                topic.name,
                feed.title,
                _position(document),
                digests,
                count,
            )
            units.append(_list_unit(feed, "topic.html", document, key, {"topic": topic}))

    # An article page shows that article alone.
    pages = tuple((f"articles/{e.id}.html", f"{salt}:{e.digest}", e) for e in main.articles)
    units.append(Unit((RELEASES_PAGE,), "", (), "", _releases(main), 0.1))
    return Plan(feeds, topics, tuple(units), pages)


# Producers: closures over what each unit shows (the build forks, so they need not pickle).


def _asset(name: str) -> Callable[[Makers], Made]:
    return lambda makers: [(name, asset(name))]


def _feed_document(document: Document) -> Callable[[Makers], Made]:
    return lambda makers: makers.feeds.document(document)


def _list_unit(
    feed: Feed, template: str, document: Document, key: str, context: dict[str, object]
) -> Unit:
    def make(makers: Makers) -> Made:
        return [makers.site.list_page(feed, template, document, **context)]

    path = list_page(feed, document.page) + "index.html"
    return Unit((path,), key, document.entries, "item", make, len(document.entries) * 0.1)


def _releases(main: Feed) -> Callable[[Makers], Made]:
    return lambda makers: [makers.site.releases(main, makers.root)]
