"""One page per article, with the whole article: made in the article pass, as each
article is rendered (most rebuilds keep all but a few)."""

from __future__ import annotations

from collections.abc import Iterator

from ..model import Article, ArticleRef
from .base import Makers
from .layout import Layout


def pages(layout: Layout) -> Iterator[tuple[str, str, ArticleRef]]:
    """(path, key, article) of every article page: a page shows its article alone."""
    salt = layout.salt
    return ((f"articles/{e.id}.html", f"{salt}:{e.digest}", e) for e in layout.main.articles)


def make(makers: Makers, layout: Layout, article: Article) -> tuple[str, bytes]:
    return makers.site.article(article, layout.main, layout.topics_by_key)
