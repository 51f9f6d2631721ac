"""archive/index.html: every year and month with articles, newest first, with how many
articles each has, linked to the list page that holds its newest article: the landing
page when that article is among the newest `items_per_page`, else its archive page (the
year's page, archive/2019/, for a month of a year paged by year). The header of every
page links here."""

from __future__ import annotations

import bisect
import datetime as dt
import operator
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from itertools import accumulate

from ..dates import MONTH_NAMES
from ..model import ArticleRef
from ..site import list_page
from .base import Files, Makers, Output
from .layout import Layout

ARCHIVE_INDEX = "archive/index.html"
_PUBLISHED = operator.attrgetter("published")


@dataclass(frozen=True)
class Period:
    """A year or a month of the archive as the index shows it."""

    name: str  # "2019" or "March"
    count: int
    page: str  # site folder of the list page holding its newest article ("": the landing)
    months: tuple[Period, ...] = ()  # of a year, newest first


def outputs(layout: Layout) -> Iterator[Output]:
    years = calendar(layout)
    # Everything the page shows: the periods, their counts and the pages they link to.
    key = layout.key("archive index", years)
    yield Output((ARCHIVE_INDEX,), key, (), "", _make(layout, years), 0.1)


def calendar(layout: Layout) -> tuple[Period, ...]:
    """Every year with articles, newest first, each with its months. By bisection over
    the ordered articles: the cost grows with the months, not the articles."""
    ordered, main = layout.ordered, layout.main
    size = layout.settings.items_per_page
    documents = [document for document, _ in layout.paged(main, size)]
    # The archive pages hold the older articles, oldest page first, in runs: where each ends.
    archive = documents[1:]
    ends = list(accumulate(len(document.entries) for document in archive))
    split = max(len(ordered) - size, 0)

    def page(newest: int) -> str:
        if newest >= split:
            return list_page(main, None)
        return list_page(main, archive[bisect.bisect_right(ends, newest)].page)

    years = []
    for year, start, end in _spans(ordered, 0, len(ordered), _year_end):
        months = tuple(
            Period(MONTH_NAMES[month - 1], stop - first, page(stop - 1))
            for month, first, stop in reversed(list(_spans(ordered, start, end, _month_end)))
        )
        years.append(Period(f"{year:04d}", end - start, page(end - 1), months))
    return tuple(reversed(years))


def _year_end(day: dt.date) -> tuple[int, dt.date]:
    return day.year, dt.date(day.year + 1, 1, 1)


def _month_end(day: dt.date) -> tuple[int, dt.date]:
    following = dt.date(day.year + day.month // 12, day.month % 12 + 1, 1)
    return day.month, following


def _spans(
    ordered: Sequence[ArticleRef],
    start: int,
    end: int,
    period: Callable[[dt.date], tuple[int, dt.date]],
) -> Iterator[tuple[int, int, int]]:
    """(period, start, end) of each period (year or month) in ordered[start:end]."""
    while start < end:
        number, following = period(ordered[start].published)
        stop = bisect.bisect_left(ordered, following, lo=start, hi=end, key=_PUBLISHED)
        yield number, start, stop
        start = stop


def _make(layout: Layout, years: tuple[Period, ...]) -> Callable[[Makers], Files]:
    main, size = layout.main, layout.settings.items_per_page
    total = len(layout.ordered)

    def make(makers: Makers) -> Files:
        return [
            makers.site.page(
                "archive.html", ARCHIVE_INDEX, main, years=years, total=total, size=size
            )
        ]

    return make
