"""Paged lists of articles: the landing page (and its archive pages by period), each
topic's page (and its archive pages), and an index page of every topic of each kind."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from ..paging import Document, Feed
from ..site import list_page
from ..topics import KindGroup, groups
from .base import Files, Makers, Output
from .layout import Layout, position


def outputs(layout: Layout) -> Iterator[Output]:
    size = layout.settings.items_per_page
    main, topics = layout.main, layout.topics
    kinds = groups(topics)
    counts = tuple((t.key, t.name, len(t.articles)) for t in topics)
    context = {"main": main, "kinds": kinds, "by_key": layout.by_key}
    for document, listed in layout.paged(main, size):
        # The first page shows the counts of the archive and of every topic.
        summary = (len(main.articles), counts) if document.page is None else None
        key = layout.key("index", position(document), listed, summary)
        yield _output(main, "index.html", document, key, context)
    for topic in topics:
        feed = layout.by_key[topic.key]
        for document, listed in layout.paged(feed, size):
            count = len(topic.articles) if document.page is None else None
            key = layout.key(
                "topic", topic.key, topic.name, feed.title, position(document), listed, count
            )
            yield _output(feed, "topic.html", document, key, {"topic": topic})
    for group in kinds:
        shown = tuple((t.key, t.name, len(t.articles)) for t in group.topics)
        path = group.page + "index.html"
        key = layout.key("kind index", path, group.label, shown)
        yield Output((path,), key, (), "", _index(main, group), len(shown) * 0.01)


def _output(
    feed: Feed, template: str, document: Document, key: str, context: dict[str, object]
) -> Output:
    path = list_page(feed, document.page) + "index.html"
    entries = document.entries
    return Output(
        (path,), key, entries, "item", _make(feed, template, document, context), len(entries) * 0.1
    )


def _make(
    feed: Feed, template: str, document: Document, context: dict[str, object]
) -> Callable[[Makers], Files]:
    return lambda makers: [makers.site.list_page(feed, template, document, **context)]


def _index(main: Feed, group: KindGroup) -> Callable[[Makers], Files]:
    return lambda makers: [makers.site.kind_index(main, group)]
