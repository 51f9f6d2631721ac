"""An article page's links to other articles: the articles just before and after it by
date (in the order of the whole archive), and "more in this topic", a window of the
articles nearest to it in its first topic.

The window is not the topic's newest articles: those change with every article added to
the topic, and every page showing them would be rewritten (tens of thousands of pages of
a large topic for one new article). A window of WINDOW articles on each side changes only
when an article near it in the topic does, and the topic's page, linked beside it, has the
newest. An article's first topic is the first of its regions, themes and reports in the
site's order of topics (kind, as in topics.KINDS, then slug), the order the plan already
has them in. Authors and original sources are not windowed: the page links their own
pages ("More from …"), and every article has a source, so windows over them would double
the work for a link the page already has.

What a page shows of another article (its id, title and date) is covered in the page's key
by that article's list digest (ArticleRef.list_digest, what lists show of it; the plan has
them gathered already), not its whole digest: a correction down an article's body rewrites
no other article's page, while its title rewrites the pages that show it.
"""

from __future__ import annotations

import bisect
import datetime as dt
import operator
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from itertools import chain, islice, repeat

from .model import TOPIC_FIELDS, Article, ArticleRef
from .topics import Topic, gather, slugify

WINDOW = 2  # articles shown on each side of an article in its first topic's window


@dataclass(frozen=True)
class Navigation:
    older: ArticleRef | None  # the article just before it by date (rel="prev")
    newer: ArticleRef | None  # the article just after it (rel="next")
    topic: Topic | None  # its first topic
    nearby: tuple[ArticleRef, ...]  # its nearest articles in that topic, newest first


def _place(ref: ArticleRef) -> tuple[dt.date, str]:
    return ref.published, ref.id


def first_topic(article: Article | ArticleRef, topics: dict[str, Topic]) -> Topic | None:
    """The first of the article's regions, themes and reports in the site's order (kind,
    then slug)."""
    for kind, field in TOPIC_FIELDS.items():
        names = getattr(article, field)
        if names:
            return topics[f"{kind}/{min(map(slugify, names))}"]
    return None


def navigation(
    ordered: Sequence[ArticleRef], topics: dict[str, Topic], article: Article
) -> Navigation:
    """What `article`'s page links to; `ordered` is every article, oldest first (the id
    breaking ties, as topics.chronological orders them)."""
    place = (article.published, article.id)
    at = bisect.bisect_left(ordered, place, key=_place)
    older = ordered[at - 1] if at > 0 else None
    newer = ordered[at + 1] if at + 1 < len(ordered) else None
    topic = first_topic(article, topics)
    nearby: tuple[ArticleRef, ...] = ()
    if topic is not None:
        members = topic.articles
        j = bisect.bisect_left(members, place, key=_place)
        window = [*members[max(j - WINDOW, 0) : j], *members[j + 1 : j + 1 + WINDOW]]
        nearby = tuple(reversed(window))
    return Navigation(older, newer, topic, nearby)


def shown_hashes(
    ordered: Sequence[ArticleRef],
    shown: Sequence[str],
    topics: Sequence[tuple[Topic, Sequence[int]]],
) -> Iterator[int]:
    """For every article page, in `ordered` order, a hash of what it shows of other
    articles: the list digests (`shown`, in `ordered` order) of the articles it links to.
    `topics`: each topic in the site's order, with where its articles are in `ordered`.
    (Which topic an article's window is of, its name as shown and its link come from the
    article alone, which its own digest covers.)

    Runs for every article on every build, so per article it is a few passes in C and one
    small loop, and no hashlib: the list digests as integers, one flat list of every
    topic's in turn with WINDOW blanks between topics, each article pointed at its place
    in its first topic's stretch (the topics' places written in reverse order, so the
    first topic writes last), and the neighbours' integers hashed as a tuple. That hash
    is exact for any one change (each step of CPython's tuple hash is a bijection of the
    hash so far) and the same in every process (integers hash without a seed); the salt
    covers the Python version that defines it."""
    if not ordered:
        return iter(())
    numbers = list(map(int, shown, repeat(16)))
    blank = [-1] * WINDOW
    flat: list[int] = [*blank, -1, *blank]  # an article without topics points at the middle
    place = [WINDOW] * len(ordered)
    starts = []
    for _, positions in topics:
        starts.append(len(flat))
        flat += gather(numbers, positions)
        flat += blank
    for (_, positions), start in zip(reversed(topics), reversed(starts), strict=True):
        for at, position in enumerate(positions, start):  # (faster than a map of setitem)
            place[position] = at
    # The window's members: each a copy of `flat` shifted so that it is read at `place`
    # (by one itemgetter: a loop in C, without a call per article).
    read = operator.itemgetter(*place) if len(place) > 1 else lambda flat: (flat[place[0]],)
    window = [
        read([-1] * -offset + flat if offset < 0 else flat[offset:])
        for offset in (*range(-WINDOW, 0), *range(1, WINDOW + 1))
    ]
    older = chain((-1,), islice(numbers, len(numbers) - 1))
    newer = chain(islice(numbers, 1, None), (-1,))
    return map(hash, zip(older, newer, *window, strict=True))
