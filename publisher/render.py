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
from html.parser import HTMLParser

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

# An <a> without href or an <img> without src in the sanitiser's output: one that lost its
# URL to the filter (javascript:, data:, relative) or came without one. ammonia serialises
# every tag the same way (lowercase, one space, double quotes, `<` escaped in text and in
# attribute values), and cmark writes href and src first, so this finds every such tag;
# a raw tag with another attribute first is a false alarm that only costs the post-pass.
_DANGLING = re.compile(r'<a(?! href=")[ >]|<img(?! src=")[ >]')


def sanitise(fragment: str) -> str:
    """Keep only allowlisted tags, attributes and absolute URLs with an allowlisted
    scheme; drop script/style content. A link left without a URL keeps only its text,
    an image without one goes: neither could work, and both are invalid HTML."""
    cleaned = str(_SANITISER.clean(fragment))
    if _DANGLING.search(cleaned) is None:  # almost always, and a cheap scan
        return cleaned
    return _drop_dangling(cleaned)


def _drop_dangling(cleaned: str) -> str:
    """Unwrap every <a> without href and remove every <img> without src."""
    dropper = _DanglingDropper()
    dropper.feed(cleaned)
    dropper.close()
    return "".join(dropper.out)


class _DanglingDropper(HTMLParser):
    """Copies the sanitiser's output token by token, exactly as written, less the start
    tag of an <a> without href (and its end tag) and every <img> without src. The stdlib
    tokenizer is enough here: the input is ammonia's canonical serialisation, and copying
    tokens (rather than re-serialising a tree) leaves everything else byte for byte."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.out: list[str] = []
        self.links: list[bool] = []  # for each open <a>: whether it is kept

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "img" and not dict(attrs).get("src"):
            return
        if tag == "a":
            kept = bool(dict(attrs).get("href"))
            self.links.append(kept)
            if not kept:
                return
        self.out.append(self.get_starttag_text() or "")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if not (tag in ("img", "a") and not dict(attrs).get("src" if tag == "img" else "href")):
            self.out.append(self.get_starttag_text() or "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self.links and not self.links.pop():
            return
        self.out.append(f"</{tag}>")

    def handle_data(self, data: str) -> None:
        self.out.append(data)

    def handle_entityref(self, name: str) -> None:
        self.out.append(f"&{name};")

    def handle_charref(self, name: str) -> None:
        self.out.append(f"&#{name};")

    def handle_comment(self, data: str) -> None:  # none: the sanitiser strips comments
        self.out.append(f"<!--{data}-->")


# Heading tags in sanitised HTML: no attributes are allowed on them and `<` in text and in
# attribute values is escaped, so this finds every heading tag and nothing else. (h1 is not
# allowlisted: a body's `#` heading is plain text, the page and the entry have the title.)
_HEADING = re.compile(r"<(/?h[2-6])>")


def shift_headings(fragment: str, top: int = 2) -> str:
    """Sanitised HTML with its headings moved so that the highest is h`top` and none is
    more than one level below the heading before it: for a page whose own heading is
    h`top-1` (an article page puts the body under its h1 title; cmark writes `###` as h3).

    All headings move up by the same amount, keeping their relative levels; a heading that
    would still skip a level after the one before it is raised to the next level. Feeds
    keep the body as rendered: a feed entry has no page outline."""
    parts = _HEADING.split(fragment)  # text, tag, text, tag, ..., text
    if len(parts) == 1:
        return fragment
    shift = min(int(tag[1]) for tag in parts[1::2] if tag[0] == "h") - top
    level = top - 1
    for i in range(1, len(parts), 2):
        if parts[i][0] == "h":
            level = min(int(parts[i][1]) - shift, level + 1)
            parts[i] = f"<h{level}>"
        else:  # headings do not nest: this closes the one just opened
            parts[i] = f"</h{level}>"
    return "".join(parts)


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
    # model.list_digest_of covers what this reads of the body: keep the two in step.
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
