"""One page per article, with the whole article and its links to other articles (the
previous and next by date, more in its first topic: navigation.py): made in the article
pass, as each article is rendered (most rebuilds keep all but a few)."""

from __future__ import annotations

from ..model import TOPIC_FIELDS, Article, ArticleRef, article_page
from ..navigation import navigation, shown_hashes
from .base import Makers
from .layout import Layout


def pages(layout: Layout) -> list[tuple[str, str, ArticleRef]]:
    """(path, key, article) of every article page: a page shows its article, and what
    lists show of the articles it links to (navigation.shown_hashes)."""
    ordered, salt = layout.ordered, layout.salt
    # The windowed kinds (navigation.first_topic) come first in the site's order.
    topics = [
        (topic, positions)
        for topic, positions in zip(layout.topics, layout.positions, strict=True)
        if topic.kind in TOPIC_FIELDS
    ]
    shown = shown_hashes(ordered, layout.listed[layout.main.key], topics)
    # One pass over the articles for both their fields (they lie all over memory).
    return [
        (article_page(e.id), f"{salt}:{e.digest}:{others:x}", e)
        for e, others in zip(ordered, shown, strict=True)
    ]


def make(makers: Makers, layout: Layout, article: Article) -> tuple[str, bytes]:
    around = navigation(layout.ordered, layout.topics_by_key, article)
    return makers.site.article(article, layout.main, layout.topics_by_key, around)
