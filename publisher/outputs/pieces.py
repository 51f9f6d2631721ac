"""What the article pass makes of each article for the documents that list it: made once
per article (on every core), put on the shelf, spliced into every document showing it.
An output's `needs` names one of these."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ..config import Settings
from ..feeds import FULL, LIGHT
from ..model import Article, article_page
from .base import Makers


@dataclass(frozen=True)
class Piece:
    names: tuple[str, ...]  # the texts' names on the shelf
    make: Callable[[Makers, Article], tuple[str, ...]]


def _light(makers: Makers, article: Article) -> tuple[str, ...]:
    made = makers.feeds.light(article)
    return made.atom, made.rss, made.json


def _full(makers: Makers, article: Article) -> tuple[str, ...]:
    made = makers.feeds.full(article)
    return made.atom, made.rss, made.json


def _item(makers: Makers, article: Article) -> tuple[str, ...]:
    return (makers.site.item(article),)


def canonical(settings: Settings, article: Article) -> str:
    """The canonical URL of an article's page (settings.canonical)."""
    return settings.canonical_url(article_page(article.id), article.original_source_url)


def _canonical(makers: Makers, article: Article) -> tuple[str, ...]:
    return (canonical(makers.site.settings, article),)


PIECES = {
    "light": Piece(LIGHT, _light),  # an archive page's feed entry (summary and attribution)
    "full": Piece(FULL, _full),  # a subscription document's feed entry (full text)
    "item": Piece(("item",), _item),  # a list page's entry
    # An article page's canonical URL: a sitemap lists only pages that are their own.
    "canonical": Piece(("canonical",), _canonical),
}
