"""What every output family plans from: the articles in order, their topics and feeds,
and each feed paged, with a digest of what each page lists."""

from __future__ import annotations

import operator
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property

from ..config import Settings
from ..fingerprint import build_fingerprint
from ..model import ArticleRef
from ..paging import Document, Feed, site_feeds, spans
from ..topics import Topic, chronological, gather, placed_topics
from .base import digest, key

_list_digest = operator.attrgetter("list_digest")


@dataclass(frozen=True)
class Layout:
    settings: Settings
    ordered: tuple[ArticleRef, ...]  # oldest first
    topics: tuple[Topic, ...]  # in kind order, then slug order
    feeds: tuple[Feed, ...]  # the whole archive first, then one per topic
    salt: str  # what every key starts from: the tool, its libraries and the settings
    # Per feed, the list digests (ArticleRef.list_digest: what a list shows of an article)
    # of its articles in its order.
    listed: dict[str, Sequence[str]]
    # Per topic (in `topics` order), where its articles are in `ordered`.
    positions: tuple[Sequence[int], ...] = ()
    _paged: dict[tuple[str, int], list[tuple[Document, str]]] = field(
        default_factory=dict, compare=False, repr=False
    )

    @classmethod
    def of(cls, refs: Sequence[ArticleRef], settings: Settings) -> Layout:
        return cls.bare(refs, settings).grown()

    @classmethod
    def bare(cls, refs: Sequence[ArticleRef], settings: Settings) -> Layout:
        """The archive's feed alone, without topics, lists or keys: what the releases page
        needs (outputs.releases_only) and what outputs.AHEAD plan from."""
        ordered = chronological(refs)
        feeds = tuple(site_feeds(ordered, (), settings))
        return cls(settings, ordered, (), feeds, _salt(settings), {})

    def grown(self) -> Layout:
        """This bare layout with the topics, their feeds and every feed's list digests."""
        ordered, settings = self.ordered, self.settings
        placed = placed_topics(ordered)
        topics = tuple(topic for topic, _ in placed)
        feeds = tuple(site_feeds(ordered, topics, settings))
        # Gathered from one list of them all: reading each article's again costs more
        # (they lie all over memory).
        everything = list(map(_list_digest, ordered))
        listed: dict[str, Sequence[str]] = {feeds[0].key: everything}
        for topic, positions in placed:
            listed[topic.key] = gather(everything, positions)
        places = tuple(positions for _, positions in placed)
        return Layout(settings, ordered, topics, feeds, self.salt, listed, places)

    @property
    def main(self) -> Feed:
        return self.feeds[0]

    @cached_property
    def by_key(self) -> dict[str, Feed]:
        return {feed.key: feed for feed in self.feeds}

    @cached_property
    def topics_by_key(self) -> dict[str, Topic]:
        return {topic.key: topic for topic in self.topics}

    def key(self, *parts: object) -> str:
        """A key of this build's outputs: `parts` and the salt."""
        return key(self.salt, *parts)

    def paged(self, feed: Feed, size: int) -> list[tuple[Document, str]]:
        """The documents of `feed` paged by `size`, each with a digest of the list digests
        of the articles it shows, in order: a feed and its list pages are paged alike by
        default, so this is made once for both."""
        found = self._paged.get((feed.key, size))
        if found is None:
            shown = self.listed[feed.key]
            found = [
                (document, digest(",".join(shown[start:end])))
                for document, start, end in spans(feed, size)
            ]
            self._paged[(feed.key, size)] = found
        return found


def _salt(settings: Settings) -> str:
    """What every key of a build starts from: the tool, its libraries and the settings."""
    return key(build_fingerprint(), repr(settings))


def position(document: Document) -> tuple[str | None, str | None, str | None]:
    """What a document's links to its neighbours depend on."""
    return document.page, document.older, document.newer
