"""Sitemaps (sitemaps.org 0.9) and robots.txt: every page of the site, once, for crawlers.

`sitemap.xml` is a sitemap index; it lists `sitemaps/pages.xml` (the landing, topic, topic
index and archive pages, the archive index and the releases page) and one file of article
pages per publication year, `sitemaps/articles-2019.xml`, so an article edited changes its
year's file only (and the index's lastmod for it). A file holds at most LIMIT URLs (the
protocol's limit); a bigger year is split into `articles-2019-2.xml` and on. `lastmod`
comes from the content (an article's correction or publication date; a list page's newest
publication date), never from the clock.

A sitemap lists canonical, indexable URLs only: with `noindex_republished` it has no
article pages; with `canonical = "original"` it leaves out each article page whose
canonical URL is its original's (known only from the record: the article pass puts each
article's canonical URL on the shelf for the year files to be made).
"""

from __future__ import annotations

import bisect
import datetime as dt
import hashlib
import html
import operator
from collections.abc import Callable, Iterator, Sequence
from typing import TypeVar

from ..model import ArticleRef, article_page
from ..site import RELEASES_PAGE, list_page
from ..topics import groups
from .archive_index import ARCHIVE_INDEX
from .base import Files, Makers, Output, digest
from .layout import Layout
from .pieces import canonical

LIMIT = 50_000  # URLs per sitemap file (sitemaps.org)
INDEX = "sitemap.xml"
ROBOTS = "robots.txt"
NAMESPACE = "http://www.sitemaps.org/schemas/sitemap/0.9"
Url = tuple[str, str | None]  # site path of a page, its lastmod (None: not known)
T = TypeVar("T")
_DIGEST = operator.attrgetter("digest")
_PUBLISHED = operator.attrgetter("published")
_UPDATED = operator.attrgetter("updated")


def outputs(layout: Layout) -> Iterator[Output]:
    listed: list[tuple[str, str | None]] = []
    for name, urls in parts("pages", list(list_urls(layout))):
        path = f"sitemaps/{name}.xml"
        key = layout.key("sitemap", path, _digest(urls))
        yield Output((path,), key, (), "", _urlset(layout, path, urls), len(urls) * 0.002)
        listed.append((path, _newest(urls)))
    ordered = layout.ordered
    settings = layout.settings
    # Whether a page is its own canonical depends on its record only with "original".
    shown = settings.canonical == "original"
    for year, span in years(() if settings.noindex_republished else ordered):
        for name, part in parts(f"articles-{year:04d}", span):
            path = f"sitemaps/{name}.xml"
            low, high = part[0], part[-1] + 1  # a range: no list of positions is made
            chunk = ordered[low:high]  # not kept: the make slices again
            # The records' digests cover their dates (a correction may rewrite the file
            # for nothing; the key costs a join, not a string per article).
            key = layout.key("sitemap", path, digest(",".join(map(_DIGEST, chunk))))
            make = _articles(layout, path, low, high)
            shows, needs = (chunk, "canonical") if shown else ((), "")
            yield Output((path,), key, shows, needs, make, len(chunk) * 0.002)
            listed.append((path, _last_modified(chunk, chunk[-1])))  # oldest first
    key = layout.key("sitemap index", _digest(listed))
    yield Output((INDEX,), key, (), "", _index(layout, listed), 0.1)
    yield Output((ROBOTS,), layout.key("robots"), (), "", _robots(layout), 0.1)


def list_urls(layout: Layout) -> Iterator[Url]:
    """Every list page (paged like the feeds, see list_pages.py), every index page of
    topics, the archive index, the releases page and the search page."""
    for feed in layout.feeds:
        for document, _ in layout.paged(feed, layout.settings.items_per_page):
            # Its newest article's publication date (entries come newest first): looking
            # for later corrections too would cost a pass over every feed's articles.
            newest = document.entries[0].published.isoformat() if document.entries else None
            yield list_page(feed, document.page), newest
    for group in groups(layout.topics):  # the index page of each kind of topic
        yield group.page, max(t.articles[-1].published for t in group.topics).isoformat()
    # The archive index: its counts change with the newest article.
    newest = layout.ordered[-1].published.isoformat() if layout.ordered else None
    yield ARCHIVE_INDEX.removesuffix("index.html"), newest
    yield RELEASES_PAGE.removesuffix("index.html"), None  # changes with each release
    yield "search/", None  # the search page (outputs/search.py): the same for every build


def years(ordered: Sequence[ArticleRef]) -> Iterator[tuple[int, range]]:
    """Where each year's articles are in `ordered` (oldest first), found by bisection."""
    start = 0
    while start < len(ordered):
        year = ordered[start].published.year
        end = bisect.bisect_left(ordered, dt.date(year + 1, 1, 1), lo=start, key=_PUBLISHED)
        yield year, range(start, end)
        start = end


def _last_modified(refs: Sequence[ArticleRef], newest: ArticleRef | None) -> str | None:
    """The newest correction or publication date of `refs` (ArticleRef.last_modified);
    `newest` is the last published of them (they come in date order). One pass in C over
    the correction dates, which most articles lack."""
    if newest is None:
        return None
    day: dt.date = max([newest.published, *filter(None, map(_UPDATED, refs))])
    return day.isoformat()


def _article(ref: ArticleRef) -> Url:
    return article_page(ref.id), ref.last_modified.isoformat()


def _newest(urls: Sequence[Url]) -> str | None:
    return max((m for _, m in urls if m), default=None)


def parts(name: str, urls: Sequence[T], limit: int = LIMIT) -> list[tuple[str, Sequence[T]]]:
    """`urls` (or positions) in files of at most `limit`: `name`, then `name-2`..."""
    chunks = [urls[i : i + limit] for i in range(0, len(urls), limit)]
    return [(name if n == 1 else f"{name}-{n}", chunk) for n, chunk in enumerate(chunks, 1)]


def _digest(urls: Sequence[tuple[str, str | None]]) -> str:
    digest = hashlib.sha256()
    for path, lastmod in urls:
        digest.update(f"{path} {lastmod}\n".encode())
    return digest.hexdigest()


def _articles(layout: Layout, path: str, low: int, high: int) -> Callable[[Makers], Files]:
    """The article pages of layout.ordered[low:high]: held as bounds, not a list of refs,
    until the file is made (most builds keep most of these files)."""

    def make(makers: Makers) -> Files:
        refs = layout.ordered[low:high]
        if layout.settings.canonical == "original":
            refs = tuple(ref for ref in refs if _is_canonical(makers, layout, ref))
        # A file must list a URL (the XSD), and it was planned before the records said
        # that every page of its year points elsewhere: it lists the landing page then,
        # which pages.xml lists too (a crawler takes a URL listed twice once).
        urls = [_article(ref) for ref in refs] or [("", None)]
        return _urlset(layout, path, urls)(makers)

    return make


def _is_canonical(makers: Makers, layout: Layout, ref: ArticleRef) -> bool:
    """Whether an article's page is its own canonical URL (from the shelf, else made)."""
    shelf = makers.site.shelf
    found = shelf.get(ref.id, "canonical") if shelf is not None else None
    if found is None:
        found = canonical(layout.settings, makers.site.load(ref.id))
    return found == layout.settings.url(article_page(ref.id))


def _urlset(layout: Layout, path: str, urls: Sequence[Url]) -> Callable[[Makers], Files]:
    def make(makers: Makers) -> Files:
        lines = [f'<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="{NAMESPACE}">']
        lines += [_entry("url", layout.settings.url(page), lastmod) for page, lastmod in urls]
        lines.append("</urlset>\n")
        return [(path, "\n".join(lines).encode())]

    return make


def _index(layout: Layout, listed: list[tuple[str, str | None]]) -> Callable[[Makers], Files]:
    def make(makers: Makers) -> Files:
        lines = [f'<?xml version="1.0" encoding="UTF-8"?>\n<sitemapindex xmlns="{NAMESPACE}">']
        lines += [_entry("sitemap", layout.settings.url(p), lastmod) for p, lastmod in listed]
        lines.append("</sitemapindex>\n")
        return [(INDEX, "\n".join(lines).encode())]

    return make


def _entry(tag: str, loc: str, lastmod: str | None) -> str:
    when = f"<lastmod>{lastmod}</lastmod>" if lastmod else ""
    return f"  <{tag}><loc>{html.escape(loc, quote=False)}</loc>{when}</{tag}>"


def _robots(layout: Layout) -> Callable[[Makers], Files]:
    def make(makers: Makers) -> Files:
        text = f"User-agent: *\nAllow: /\n\nSitemap: {layout.settings.url(INDEX)}\n"
        return [(ROBOTS, text.encode())]

    return make
