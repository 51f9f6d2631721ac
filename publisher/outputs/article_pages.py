"""One page per article, with the whole article and its links to other articles (the
previous and next by date, more in its first topic: navigation.py): made in the article
pass, as each article is rendered (most rebuilds keep all but a few)."""

from __future__ import annotations

from collections.abc import Iterator

from ..model import Article, ArticleRef
from ..navigation import navigation, page_keys
from .base import Makers
from .layout import Layout


def pages(layout: Layout) -> Iterator[tuple[str, str, ArticleRef]]:
    """(path, key, article) of every article page: a page shows its article, and what
    lists show of the articles it links to."""
    ordered = layout.ordered
    topics = list(zip(layout.topics, layout.positions, strict=True))
    keys = page_keys(layout.salt, ordered, layout.listed[layout.main.key], topics)
    return ((f"articles/{e.id}.html", key, e) for e, key in zip(ordered, keys, strict=True))


def make(makers: Makers, layout: Layout, article: Article) -> tuple[str, bytes]:
    around = navigation(layout.ordered, layout.topics_by_key, article)
    return makers.site.article(article, layout.main, layout.topics_by_key, around)
