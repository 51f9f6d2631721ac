"""How feeds and lists are paged: the logical feeds (the archive and each topic), and
their documents: the newest entries, then archive pages by year or month (RFC 5005).

Feed documents (feeds.py) and list pages (site.py) are paged alike, so an article added
or edited changes the documents and pages of its own period only.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from .config import Settings
from .dates import MONTH_NAMES
from .model import ArticleRef
from .topics import SUMMARISED, Topic


@dataclass(frozen=True)
class Feed:
    """One logical feed: the whole archive or one topic."""

    key: str  # "all" or "region/russia-and-fsu"
    title: str
    description: str
    page: str  # site path of the HTML page this feed mirrors
    articles: tuple[ArticleRef, ...]  # oldest first

    @property
    def kind(self) -> str:
        """ "all", or the kind of its topic."""
        return self.key.partition("/")[0]

    def path(self, fmt: str, page: str | None = None) -> str:
        """Site path of the subscription document (page None) or of archive page `page`."""
        if page is None:
            return f"feeds/{self.key}.{fmt}"
        return f"feeds/archive/{self.key}/{page}.{fmt}"


@dataclass(frozen=True)
class Document:
    """One feed document: the newest entries (page None) or one archive page, named by
    the period it covers: "2019" or "2019-03"."""

    feed: Feed
    page: str | None
    entries: tuple[ArticleRef, ...]  # newest first, as readers expect
    older: str | None = None  # the archive page just older than this one (prev-archive)
    newer: str | None = None  # the next newer archive page (next-archive); None: the newest

    @property
    def light(self) -> bool:
        """Whether its entries are light (summary, attribution, link): on archive pages,
        and in an author's or outlet's feed (topics.SUMMARISED); else the full text."""
        return self.page is not None or self.feed.kind in SUMMARISED

    @property
    def updated(self) -> dt.datetime:
        return max(timestamp(a.last_modified) for a in self.entries)

    @property
    def period(self) -> str:
        """The period an archive page covers, for people: "March 2019" or "2019"."""
        if self.page is None:
            return ""
        year, _, month = self.page.partition("-")
        return f"{MONTH_NAMES[int(month) - 1]} {year}" if month else year


def timestamp(day: dt.date) -> dt.datetime:
    """Content dates are calendar days; feeds need instants: midnight UTC of that day."""
    return dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)


def _published(entry: ArticleRef) -> dt.date:
    return entry.published


def periods(older: Sequence[ArticleRef], size: int) -> Iterator[tuple[str, int, int]]:
    """(page name, start, end) of each archive page of `older` (oldest first).

    A year's archived entries make one page, "2019", unless they average more than
    `size` a month (more than twelve pages' worth): then the year has a page a month,
    "2019-03". The choice is made year by year, so an article added or removed can only
    change how its own year is paged, and pages hold about `size` to twelve times `size`
    entries (more only when a single month holds more). Boundaries are found by
    bisection: the cost grows with the pages, not the entries (every build plans every
    page of every feed)."""
    start = 0
    while start < len(older):
        year = older[start].published.year
        end = bisect.bisect_left(older, dt.date(year + 1, 1, 1), lo=start, key=_published)
        if end - start <= 12 * size:
            yield f"{year:04d}", start, end
        else:
            while start < end:
                month = older[start].published.month
                after = dt.date(year + 1, 1, 1) if month == 12 else dt.date(year, month + 1, 1)
                stop = bisect.bisect_left(older, after, lo=start, hi=end, key=_published)
                yield f"{year:04d}-{month:02d}", start, stop
                start = stop
        start = end


def documents(feed: Feed, size: int) -> Iterator[Document]:
    """The subscription document holds the newest `size` entries; older entries go to
    archive pages by publication year or month (see periods). A page is named by its
    period, not numbered, so an article added or edited anywhere in the archive changes
    the page of its own period (and the neighbours' links when the period is new; all of
    its year's pages when it tips the year between one page and a page a month)."""
    return (document for document, _, _ in spans(feed, size))


def spans(feed: Feed, size: int) -> Iterator[tuple[Document, int, int]]:
    """documents(), each with where its entries are in `feed.articles` (start, end)."""
    if len(feed.articles) <= size:  # one document (most authors' feeds): nothing to page
        yield Document(feed, None, tuple(reversed(feed.articles))), 0, len(feed.articles)
        return
    split = max(len(feed.articles) - size, 0)
    older = feed.articles[:split]
    pages = list(periods(older, size))
    names = [name for name, _, _ in pages]
    newest = names[-1] if names else None
    newer = tuple(reversed(feed.articles[split:]))
    yield Document(feed, None, newer, newest), split, len(feed.articles)
    for i, (name, start, end) in enumerate(pages):
        older_name = names[i - 1] if i else None
        newer_name = names[i + 1] if i + 1 < len(names) else None
        shown = tuple(reversed(older[start:end]))
        yield Document(feed, name, shown, older_name, newer_name), start, end


def site_feeds(
    articles: Sequence[ArticleRef], topics: Sequence[Topic], settings: Settings
) -> list[Feed]:
    feeds = [
        Feed("all", settings.title, settings.description, "", tuple(articles)),
    ]
    for topic in topics:
        feeds.append(
            Feed(
                topic.key,
                f"{settings.title}: {topic.label} {topic.name}",
                topic.description,
                f"topics/{topic.key}/",
                topic.articles,
            )
        )
    return feeds
