"""The build: valid articles in, every published file out, swapped in atomically."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from pathlib import Path

from .config import Settings
from .feeds import FeedWriter, site_feeds
from .model import Article
from .output import staged
from .release import ReleasePlan, write_release
from .render import render_article
from .site import RELEASES_PAGE, Site
from .topics import chronological, topics_of

# Published dataset releases are immutable and cut by `publish release`, not by a build:
# a build carries them over untouched (all but the releases page, which the site rewrites).
KEPT = ("releases",)


def build(
    articles: Sequence[Article],
    settings: Settings,
    dist: Path,
    release: ReleasePlan | None = None,
) -> int:
    """Write feeds (and pages) for `articles` into `dist`; return how many files were written.

    With a `release` plan, also cut that dataset release, in the same atomic swap."""
    ordered = chronological(articles)
    topics = topics_of(ordered)
    render = cache(render_article)
    feeds = FeedWriter(settings, render)
    with staged(dist) as staging:
        if release is not None:
            # Published versions kept, the new one and a new index written, before the site.
            write_release(staging, release, settings)
        else:
            for keep in KEPT:
                staging.keep(keep, skip={RELEASES_PAGE})
        all_feeds = site_feeds(ordered, topics, settings)
        for feed in all_feeds:
            for path, data in feeds.documents(feed):
                staging.write(path, data)
        # After the releases are in place: the releases page lists what staging holds.
        site = Site(settings, render)
        for path, data in site.pages(all_feeds, topics, staging.root):
            staging.write(path, data)
        return len(staging.written)
