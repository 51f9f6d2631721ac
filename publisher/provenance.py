"""Provenance a machine can read, for an article page's head: the meta description, the
canonical URL and a schema.org `NewsArticle` in JSON-LD.

The JSON-LD says what the page says, no more: the article stays its holders' copyright
(`copyrightHolder`, `copyrightYear`, `copyrightNotice`) and is shown under the page's
fair-use disclaimer (`usageInfo`); the compilation's license (settings.license) belongs to
the site it `isPartOf`, never to the article. The original publication is `isBasedOn`.
Authors and copyright holders are given by name without a type: a record does not say
whether a name is a person's or an organisation's.

Made for every article page of a build, so each step is cheap: the description comes
from the summary the rendering already made, and the JSON from orjson.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache
from typing import Any

import orjson

from .config import Settings
from .model import Article
from .render import RenderedArticle, excerpt, plain_text

DESCRIPTION_LIMIT = 160  # characters of a meta description (what search results show)
SPDX_URL = "https://spdx.org/licenses/{}.html"
# JSON in a <script> element: no record text may close the element or open a comment.
_SCRIPT_ESCAPES = ((b"<", b"\\u003c"), (b">", b"\\u003e"), (b"&", b"\\u0026"))


def description(article: Article, rendered: RenderedArticle) -> str:
    """Plain text for `<meta name="description">`: the lead, else the subtitle, else the
    opening of the body, cut at a word boundary; never a copy of the title (a source that
    only repeats it is passed over)."""
    title = _folded(article.title)
    for text in _sources(article, rendered):
        # The sources come with whitespace collapsed: only one about as long as the title
        # can be a copy of it, and only the opening of a long one is shown.
        if len(text) <= 4 * len(title) + 16 and _folded(text) == title:
            continue
        text = " ".join(text[: 2 * DESCRIPTION_LIMIT].split())
        if text:
            return excerpt(text, DESCRIPTION_LIMIT)
    return f"An article first published by {' '.join(article.original_source.split())}."


def _sources(article: Article, rendered: RenderedArticle) -> Iterator[str]:
    """The description's sources in order, each made only if the ones before fail."""
    # summary_text is the lead when there is one, else the subtitle, else the opening.
    yield rendered.summary_text
    if article.lead and article.subtitle:
        yield article.subtitle
    if article.lead or article.subtitle:
        yield excerpt(plain_text(article.body.split("\n\n", 1)[0]))


def _folded(text: str) -> str:
    return " ".join(text.split()).casefold()


def license_url(spdx: str) -> str:
    """The SPDX page of a license id: where `rel=license` and `license` may point."""
    return SPDX_URL.format(spdx)


def json_ld(article: Article, settings: Settings, page: str, summary: str) -> str:
    """The NewsArticle of the page at site path `page`, as JSON safe inside a <script>
    element; keys in a fixed order, so the bytes depend on the record and settings only."""
    url = f"{settings.base_url}/{page}"
    node: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "@id": f"{url}#article",
        "url": url,
        "mainEntityOfPage": url,
        "headline": article.title,
    }
    if article.subtitle:
        node["alternativeHeadline"] = article.subtitle
    node |= {
        "description": summary,
        "inLanguage": settings.language,
        "author": [{"name": name} for name in article.authors],
        "datePublished": article.published.isoformat(),
        "dateModified": article.last_modified.isoformat(),
    }
    if article.publisher:
        node["publisher"] = {"@type": "Organization", "name": article.publisher}
    node |= {
        "isBasedOn": original(article),
        "copyrightHolder": [{"name": holder} for holder in article.copyright_holders],
        "copyrightYear": article.copyright_year,
        "copyrightNotice": article.copyright_statement,
        "usageInfo": f"{url}#disclaimer",
        "isPartOf": website(settings),
    }
    return script_safe(orjson.dumps(node))


def script_safe(data: bytes) -> str:
    """JSON as text safe inside a <script> element: `<`, `>` and `&` escaped (as \\u003c...),
    so no text in it can close the element or open a comment."""
    for raw, escaped in _SCRIPT_ESCAPES:
        if raw in data:
            data = data.replace(raw, escaped)
    return data.decode()


@lru_cache(maxsize=4)
def website(settings: Settings) -> dict[str, Any]:
    """The site that every article page is part of, with the compilation's license."""
    return {
        "@type": "WebSite",
        "@id": f"{settings.url('')}#website",
        "name": settings.title,
        "url": settings.url(""),
        "license": license_url(settings.license),
    }


def original(article: Article) -> dict[str, Any]:
    """The original publication: its outlet, its URL and its date when known."""
    work: dict[str, Any] = {"@type": "CreativeWork"}
    if article.original_source_url:
        work["url"] = article.original_source_url
    work["publisher"] = {"@type": "Organization", "name": article.original_source}
    # The source line's date is the outlet's own only when the line names that outlet.
    if article.source_date and article.source_name == article.original_source:
        work["datePublished"] = article.source_date.isoformat()
    return work
