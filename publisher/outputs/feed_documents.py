"""RSS, Atom and JSON Feed documents: each feed's subscription document (full entries of
the newest articles) and its RFC 5005 archive pages (light entries), in three formats."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from ..feeds import FEED_FORMATS
from ..paging import Document
from .base import Files, Makers, Output, digest
from .layout import Layout, position


def outputs(layout: Layout) -> Iterator[Output]:
    for feed in layout.feeds:
        for document, listed in layout.paged(feed, layout.settings.items_per_feed):
            light = document.light
            # A light document shows what lists show of an article; a full one the whole
            # record, body included.
            shown = listed if light else digest(",".join(e.digest for e in document.entries))
            key = layout.key(
                "feed",
                feed.key,
                feed.title,
                feed.description,
                feed.page,
                position(document),
                shown,
            )
            paths = tuple(feed.path(fmt, document.page) for fmt in FEED_FORMATS)
            needs, cost = ("light", 0.3) if light else ("full", 0.5)
            entries = document.entries
            yield Output(paths, key, entries, needs, _make(document), len(entries) * cost)


def _make(document: Document) -> Callable[[Makers], Files]:
    return lambda makers: makers.feeds.document(document)
