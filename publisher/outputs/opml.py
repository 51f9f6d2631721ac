"""Every feed of the site as one OPML 2.0 subscription list, `feeds/index.opml`: the whole
archive ("Everything"), then a group per topic kind in topics.KINDS order, named as the
landing page names them ("Regions", "Themes", ...), so a reader imports every feed, or
one group, in one step.

One outline per logical feed, so that importing the list subscribes once to each: its
Atom document. Atom is the richest of the three formats here (every author, an `updated`
date per entry, so a correction shows, rights and source per entry) and every feed reader
that imports OPML reads it; the outline's `type` is "rss", as OPML 2.0 says for any feed.

No dates: OPML's dateCreated and dateModified are optional, and the list changes only
when a feed comes, goes or is renamed (its key says when).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from lxml import etree

from ..feed_text import serialise
from ..paging import Feed
from ..topics import groups as groups_of
from .base import Files, Makers, Output, digest
from .layout import Layout

PATH = "feeds/index.opml"
FORMAT = "atom"  # the one format listed per feed (see above)
MEDIA_TYPE = "text/x-opml"
SPEC = "http://opml.org/spec2.opml"


def outputs(layout: Layout) -> Iterator[Output]:
    # What it shows beyond the settings (the salt): each topic's kind, slug and name,
    # which make its feed's title, description and URLs.
    shown = digest("\n".join(f"{topic.key}\t{topic.name}" for topic in layout.topics))
    cost = 0.1 + 0.001 * len(layout.topics)
    yield Output((PATH,), layout.key("opml", shown), (), "", _make(layout), cost)


def groups(layout: Layout) -> list[tuple[str, list[Feed]]]:
    """(label, feeds) of each group: the archive, then each topic kind that has topics."""
    kinds = [(g.label, [layout.by_key[t.key] for t in g.topics]) for g in groups_of(layout.topics)]
    return [("Everything", [layout.main]), *kinds]


def document(layout: Layout) -> bytes:
    settings = layout.settings
    root = etree.Element("opml", version="2.0")
    head = etree.SubElement(root, "head")
    etree.SubElement(head, "title").text = f"{settings.title}: every feed"
    etree.SubElement(head, "docs").text = SPEC
    body = etree.SubElement(root, "body")
    for label, feeds in groups(layout):
        group = etree.SubElement(body, "outline", text=label, title=label)
        for feed in feeds:
            attributes = {
                "type": "rss",
                "text": feed.title,
                "title": feed.title,
                "xmlUrl": settings.url(feed.path(FORMAT)),
                "htmlUrl": settings.url(feed.page),
                "description": feed.description,
                "language": settings.language,
            }
            etree.SubElement(group, "outline", attributes)
    return serialise(root)


def _make(layout: Layout) -> Callable[[Makers], Files]:
    return lambda makers: [(PATH, document(layout))]
