"""JSON Feed 1.1 documents and items (with the `_attribution` extension object)."""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from typing import Any

import orjson

from .config import Settings
from .feed_icons import FAVICON, ICON
from .feed_text import Buffer
from .model import Article
from .paging import Document, timestamp

JSON_FEED_VERSION = "https://jsonfeed.org/version/1.1"


def json_document(
    settings: Settings, title: str, document: Document, items: Sequence[Buffer]
) -> bytes:
    """The JSON Feed document listing `items` (entries' `json`, in UTF-8)."""
    feed = document.feed
    data: dict[str, Any] = {
        "version": JSON_FEED_VERSION,
        "title": title,
        "home_page_url": settings.url(feed.page),
        "feed_url": settings.url(feed.path("json", document.page)),
        "description": feed.description,
        "language": settings.language,
        "icon": settings.url(ICON.name),
        "favicon": settings.url(FAVICON.name),
    }
    if document.older:
        data["next_url"] = settings.url(feed.path("json", document.older))
    if settings.websub_hub and document.page is None:  # as Atom and RSS: not on archives
        data["hubs"] = [{"type": "WebSub", "url": settings.websub_hub}]
    head = orjson.dumps(data, option=orjson.OPT_INDENT_2)
    return b"".join((head[:-2], b',\n  "items": [\n', b",\n".join(items), b"\n  ]\n}\n"))


def json_item(
    article: Article,
    summary: str,
    content: str | None,
    entry_id: str,
    page: str,
    full_summary: str | None,
) -> str:
    """An article's item (indented for splicing); `full_summary` is the plain-text summary
    that a full item (`content` given) carries."""
    item: dict[str, Any] = {
        "id": entry_id,
        "url": page,
        "title": article.title,
        "content_html": summary if content is None else content,
    }
    if content is not None:
        item["summary"] = full_summary
    item |= {
        "date_published": timestamp(article.published).isoformat(),
        "date_modified": timestamp(article.last_modified).isoformat(),
        "authors": [{"name": name} for name in article.authors],
        "tags": [name for _, name in article.categories],
    }
    if article.original_source_url:
        item["external_url"] = article.original_source_url
    attribution: dict[str, Any] = {
        "about": "Source attribution and fair-use notice for this republished article.",
        "original_source": article.original_source,
        "original_source_url": article.original_source_url,
        "copyright": article.copyright_statement,
    }
    if content is not None:  # light entries link to the page that carries the rest
        attribution["copyright_holders"] = list(article.copyright_holders)
        attribution["copyright_year"] = article.copyright_year
        attribution["disclaimer"] = article.disclaimer
    item["_attribution"] = attribution
    # orjson: the stdlib encoder falls back to pure Python when indenting (~10x slower).
    text = orjson.dumps(item, option=orjson.OPT_INDENT_2).decode()
    return textwrap.indent(text, "    ")
