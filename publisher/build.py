"""The build: valid articles in, every published file out, swapped in atomically."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from pathlib import Path

from .config import Settings
from .feeds import FeedWriter, site_feeds
from .model import Article
from .output import staged
from .render import render_article
from .topics import chronological, topics_of

# Published dataset releases are immutable and cut by `publish release`, not by a build:
# a build carries them over untouched.
KEPT = ("releases",)


def build(articles: Sequence[Article], settings: Settings, dist: Path) -> int:
    """Write feeds (and pages) for `articles` into `dist`; return how many files were written."""
    ordered = chronological(articles)
    topics = topics_of(ordered)
    render = cache(render_article)
    feeds = FeedWriter(settings, render)
    with staged(dist) as staging:
        for keep in KEPT:
            staging.keep(keep)
        for feed in site_feeds(ordered, topics, settings):
            for path, data in feeds.documents(feed):
                staging.write(path, data)
        return len(staging.written)
