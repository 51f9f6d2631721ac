"""The build: valid articles in, every published file out, swapped in atomically."""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from .config import Settings
from .feeds import Feed, FeedWriter, site_feeds
from .model import Article
from .output import Staging, staged
from .parallel import die_with_parent, run_parts
from .progress import Progress, silent
from .release import ReleasePlan, write_release
from .render import RenderedArticle, render_article
from .site import RELEASES_PAGE, Site
from .topics import Topic, chronological, topics_of

# Published dataset releases are immutable and cut by `publish release`, not by a build:
# a build carries them over untouched (all but the releases page, which the site rewrites).
KEPT = ("releases",)


def build(
    articles: Sequence[Article],
    settings: Settings,
    dist: Path,
    release: ReleasePlan | None = None,
    progress: Progress = silent,
    protect: Sequence[Path] = (),
) -> int:
    """Write feeds and pages for `articles` into `dist`; return how many files were written.

    With a `release` plan, also cut that dataset release, in the same atomic swap."""
    ordered = chronological(articles)
    topics = topics_of(ordered)
    with staged(dist, protect) as staging:
        if release is not None:
            # Published versions kept, the new one and a new index written, before the site.
            write_release(staging, release, settings)
        else:
            for keep in KEPT:
                staging.keep(keep, skip={RELEASES_PAGE})
        feeds = site_feeds(ordered, topics, settings)
        write_outputs(staging, settings, feeds, topics, progress)
        return len(staging.written)


def render_all(
    articles: Sequence[Article], progress: Progress = silent
) -> dict[str, RenderedArticle]:
    """Every article rendered once, on every core; the parts below fork after this and
    share the result."""
    workers = max(1, min(4, os.cpu_count() or 1))
    if workers == 1 or len(articles) < 200:
        return {a.id: render_article(a) for a in articles}
    result: dict[str, RenderedArticle] = {}
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(workers, mp_context=context, initializer=die_with_parent) as pool:
        rendered = pool.map(render_article, articles, chunksize=64)
        for article, html in zip(articles, rendered, strict=True):
            result[article.id] = html
            if len(result) % 256 == 0 or len(result) == len(articles):
                progress("rendering", len(result), len(articles))
    return result


def write_outputs(
    staging: Staging,
    settings: Settings,
    feeds: Sequence[Feed],
    topics: Sequence[Topic],
    progress: Progress = silent,
) -> None:
    """Feeds and pages, split into parts of about equal cost that run on every core.

    Costs are estimated per entry: a full feed entry (main feed, topic subscription
    documents) costs about twice a light one (topic archives) and four times a page.
    """
    articles = feeds[0].articles
    rendered = render_all(articles, progress)

    def render(article: Article) -> RenderedArticle:
        return rendered[article.id]

    workers = max(1, min(2, os.cpu_count() or 1))
    size = settings.items_per_feed
    loads = [len(articles) * 2.0, len(articles) * 0.5][:workers]  # main feed, site
    shares: list[list[Feed]] = [[feeds[0]], []][:workers]
    for feed in sorted(feeds[1:], key=lambda f: -len(f.articles)):
        lightest = loads.index(min(loads))
        loads[lightest] += min(size, len(feed.articles)) * 2 + max(len(feed.articles) - size, 0)
        shares[lightest].append(feed)
    before = set(staging.written)

    def write(items: Iterable[tuple[str, bytes]]) -> list[str]:
        for path, data in items:
            staging.write(path, data)
        return sorted(staging.written - before)

    def part(share: Sequence[Feed], with_site: bool) -> Callable[[], list[str]]:
        def run() -> list[str]:
            if with_site:
                write(Site(settings, render).pages(feeds, topics, staging.root))
            return write(FeedWriter(settings, render).all_documents(share))

        return run

    parts = [part(share, with_site=index == len(shares) - 1) for index, share in enumerate(shares)]
    written: set[str] = set()
    progress("writing", 0, len(parts))
    for done, paths in enumerate(run_parts(parts), start=1):
        progress("writing", done, len(parts))
        overlap = written.intersection(paths)
        if overlap:
            raise ValueError(f"written twice in one build: {sorted(overlap)[:3]}")
        written.update(paths)
    staging.written.update(written)
