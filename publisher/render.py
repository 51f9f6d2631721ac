"""Markdown to sanitised HTML, shared by the feeds and the site.

cmark-gfm (C) renders; ammonia (Rust, via nh3) sanitises with an allowlist. Both are fast
enough for archive-sized builds, and the allowlist is the single place that decides what
markup may reach a reader: no scripts, no event handlers, no javascript:/data: URLs, no
iframes, no styles.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

import nh3
from cmarkgfm.cmark import Options

from .gfm import to_html
from .model import Article

ALLOWED_TAGS = frozenset(
    {
        "a",
        "abbr",
        "b",
        "blockquote",
        "br",
        "caption",
        "cite",
        "code",
        "dd",
        "del",
        "dl",
        "dt",
        "em",
        "figcaption",
        "figure",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "hr",
        "i",
        "img",
        "li",
        "ol",
        "p",
        "pre",
        "q",
        "s",
        "small",
        "strong",
        "sub",
        "sup",
        "table",
        "tbody",
        "td",
        "tfoot",
        "th",
        "thead",
        "tr",
        "u",
        "ul",
    }
)
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "td": {"align", "colspan", "rowspan"},
    "th": {"align", "colspan", "rowspan"},
    "ol": {"start"},
    "abbr": {"title"},
    "q": {"cite"},
    "blockquote": {"cite"},
}
URL_SCHEMES = frozenset({"http", "https", "mailto"})
URL_ATTRIBUTES = frozenset({"href", "src", "cite"})
_ABSOLUTE_URL = re.compile(rf"^(?:{'|'.join(sorted(URL_SCHEMES))}):", re.IGNORECASE)


def _absolute_urls_only(tag: str, attribute: str, value: str) -> str | None:
    """Drop relative, protocol-relative and fragment URLs: an article has no files or ids
    of its own, so they could only dangle (or load from another host) where it is shown."""
    if attribute in URL_ATTRIBUTES and not _ABSOLUTE_URL.match(value.strip()):
        return None
    return value


# Made once: nh3.clean builds the same sanitiser from its arguments on every call, which
# cost about as much as the cleaning itself.
_SANITISER = nh3.Cleaner(
    tags=set(ALLOWED_TAGS),
    attributes={tag: set(names) for tag, names in ALLOWED_ATTRIBUTES.items()},
    attribute_filter=_absolute_urls_only,
    url_schemes=set(URL_SCHEMES),
    link_rel="noopener noreferrer nofollow",
    strip_comments=True,
)
_TAG_STRIPPER = nh3.Cleaner(tags=set(), strip_comments=True)


def sanitise(fragment: str) -> str:
    """Keep only allowlisted tags, attributes and absolute URLs with an allowlisted
    scheme; drop script/style content."""
    return str(_SANITISER.clean(fragment))


def markdown_html(markdown: str) -> str:
    """Render Markdown (GitHub flavour, raw HTML allowed in) and sanitise the result."""
    rendered = to_html(markdown, Options.CMARK_OPT_UNSAFE | Options.CMARK_OPT_NOBREAKS)
    return sanitise(rendered).strip()


def text_html(text: str) -> str:
    """Plain text (paragraphs split by blank lines, line breaks kept) as escaped HTML."""
    paragraphs = [p.strip() for p in text.split("\n\n") if p.strip()]
    return "".join(
        "<p>" + "<br>".join(html.escape(line) for line in p.split("\n")) + "</p>"
        for p in paragraphs
    )


def plain_text(markdown: str) -> str:
    """Markdown to plain text (for JSON Feed summaries): rendered, tags stripped, unescaped."""
    return html_text(markdown_html(markdown))


def html_text(fragment: str) -> str:
    """The text of sanitised HTML, whitespace collapsed."""
    stripped = _TAG_STRIPPER.clean(fragment)
    return " ".join(html.unescape(stripped).split())


@dataclass(frozen=True)
class RenderedArticle:
    """The HTML and text of one article, computed once and shared by every output."""

    lead_html: str | None
    body_html: str
    attribution_html: str
    summary_text: str  # the lead, else the subtitle, else the opening of the body
    rights: str

    @property
    def summary_html(self) -> str:
        return self.lead_html or f"<p>{html.escape(self.summary_text)}</p>"

    @property
    def content_html(self) -> str:
        """What a feed reader shows: the body, then the attribution and disclaimer."""
        return f"{self.body_html}\n{self.attribution_html}"


def excerpt(text: str, limit: int = 300) -> str:
    """At most `limit` characters, cut at a word boundary."""
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0].rstrip(",;:.") + "…"


def attribution_html(article: Article) -> str:
    source = html.escape(article.original_source)
    if article.original_source_url:
        url = html.escape(article.original_source_url, quote=True)
        source = f'<a href="{url}" rel="noopener noreferrer nofollow">{source}</a>'
    return (
        '<hr>\n<div class="attribution">'
        f"<p>The original source of this article is {source}.</p>"
        f"<p>{html.escape(article.copyright_statement)}</p>"
        f'<div class="disclaimer"><p><strong>Disclaimer:</strong></p>'
        f"{text_html(article.disclaimer)}</div></div>"
    )


def _summary(article: Article, lead_html: str | None) -> str:
    if lead_html is not None:
        return html_text(lead_html)  # plain_text(article.lead), rendering it once
    # model.face_of covers what this reads of the body: keep the two in step.
    return article.subtitle or excerpt(plain_text(article.body.split("\n\n", 1)[0]))


def summary_text(article: Article) -> str:
    """render_article(article).summary_text without rendering the body: what light feed
    entries need, for the many articles whose archive pages a rebuild rewrites."""
    return _summary(article, markdown_html(article.lead) if article.lead else None)


def render_article(article: Article) -> RenderedArticle:
    lead_html = markdown_html(article.lead) if article.lead else None
    summary = _summary(article, lead_html)
    rights = f"{article.copyright_statement}. Republished under fair use. {article.disclaimer}"
    return RenderedArticle(
        lead_html=lead_html,
        body_html=markdown_html(article.body),
        attribution_html=attribution_html(article),
        summary_text=summary,
        rights=" ".join(rights.split()),
    )
