"""Feed XML handled as text: entries spliced into documents, and light feed entries
(summary, attribution, a link to the article page) written out directly: the same bytes
feedgen and lxml make, element for element and escape for escape.

A light entry is made for every article of the archive (its archive pages), and feedgen's
way is several times slower; tests/test_feeds.py::test_light_entries_equal_feedgen proves
the bytes equal on every fixture and on random articles.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Sequence

from lxml import etree

from .dates import DAY_ABBREVIATIONS, MONTH_ABBREVIATIONS
from .model import Article
from .paging import timestamp


def light_xml(
    article: Article,
    summary: str,
    rights: str,
    article_id: str,
    page: str,
    url: Callable[[str], str],
) -> tuple[str, str]:
    """An article's light entry as (Atom <entry>, RSS <item>), indented for splicing;
    `article_id` is its tag: URI, `page` the URL of its page, `url` the site's URLs."""
    entry_id = _text(article_id)
    title = _text(article.title)
    published, updated = timestamp(article.published), timestamp(article.last_modified)
    source_url = article.original_source_url
    statement = article.copyright_statement
    categories = [(_attr(name), _attr(url(f"topics/{kind}/"))) for kind, name in article.categories]
    atom = [
        "<entry>",
        f"    <id>{entry_id}</id>",
        f"    <title>{title}</title>",
        f"    <updated>{updated.isoformat()}</updated>",
    ]
    for name in article.authors:
        atom += ["    <author>", f"      <name>{_text(name)}</name>", "    </author>"]
    atom.append(f'    <summary type="html">{_text(summary)}</summary>')
    atom += [f'    <category term="{n}" scheme="{d}" label="{n}"/>' for n, d in categories]
    atom += [
        f"    <published>{published.isoformat()}</published>",
        f"    <rights>{_text(rights)}</rights>",
        f'    <link rel="alternate" type="text/html" href="{_attr(page)}"/>',
    ]
    if source_url:
        atom.append(f'    <link rel="via" href="{_attr(source_url)}"/>')
    atom += ["    <source>", f"      <title>{_text(article.original_source)}</title>"]
    if source_url:
        atom.append(f'      <link rel="alternate" href="{_attr(source_url)}"/>')
    atom += [f"      <rights>{_text(statement)}</rights>", "    </source>", "  </entry>"]
    rss = [
        "<item>",
        f"      <title>{title}</title>",
        f"      <link>{_text(page)}</link>",
        f"      <description>{_text(summary)}</description>",
        f'      <guid isPermaLink="false">{entry_id}</guid>',
    ]
    rss += [f'      <category domain="{d}">{_text_of_attr(n)}</category>' for n, d in categories]
    rss.append(f"      <pubDate>{_rfc822(published)}</pubDate>")
    rss += [f"      <dc:creator>{_text(name)}</dc:creator>" for name in article.authors]
    rss += [
        f"      <dc:rights>{_text(rights)}</dc:rights>",
        f"      <dc:source>{_text(source_url or article.original_source)}</dc:source>",
        "    </item>",
    ]
    return "\n".join(atom), "\n".join(rss)


def _text(value: str) -> str:
    """Escaped as lxml escapes text content."""
    value = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return value.replace("\r", "&#13;")


def _attr(value: str) -> str:
    """Escaped as lxml escapes an attribute value."""
    value = _text(value).replace('"', "&quot;")
    return value.replace("\n", "&#10;").replace("\t", "&#9;")


def _text_of_attr(escaped: str) -> str:
    """An _attr-escaped category name as text content (the same escapes but for quotes,
    which text content leaves alone)."""
    return escaped.replace("&quot;", '"').replace("&#10;", "\n").replace("&#9;", "\t")


def _rfc822(moment: dt.datetime) -> str:
    """As feedgen writes RSS dates (in the C locale): 'Wed, 14 Feb 2024 00:00:00 +0000'."""
    return (
        f"{DAY_ABBREVIATIONS[moment.weekday()]}, {moment.day:02d} "
        f"{MONTH_ABBREVIATIONS[moment.month - 1]} {moment.year} {moment:%H:%M:%S} +0000"
    )


ATOM_NS = "http://www.w3.org/2005/Atom"
DC_NS = "http://purl.org/dc/elements/1.1/"
Buffer = bytes | memoryview  # UTF-8 text, not decoded
RSS_NAMESPACES = {
    "atom": ATOM_NS,
    "content": "http://purl.org/rss/1.0/modules/content/",
    "dc": DC_NS,
}
_DECLARATION = re.compile(r' xmlns(?::\w+)?="[^"]*"')


def fragment(element: etree._Element, level: int, nsmap: dict[str, str] | None = None) -> str:
    """An entry element as indented text, without namespace declarations (the document
    root that it is spliced into declares them)."""
    if nsmap is not None:
        holder = etree.Element("holder", nsmap=nsmap)
        holder.append(element)
        etree.cleanup_namespaces(holder, top_nsmap=nsmap)
    etree.indent(element, space="  ", level=level)
    text = etree.tostring(element, encoding="unicode")
    end = text.index(">")
    return _DECLARATION.sub("", text[:end]) + text[end:]


def splice(head: bytes, closing: bytes, entries: Sequence[Buffer], indent: bytes) -> bytes:
    """Insert entry fragments (UTF-8) before the closing tag of the document root."""
    at = head.rindex(closing)
    before = head[:at].rstrip(b" ")  # the closing tag's own indentation goes after the entries
    parts: list[Buffer] = [before]
    for entry in entries:
        parts += (indent, entry, b"\n")
    parts.append(head[len(before) :])
    return b"".join(parts)


def serialise(root: etree._Element) -> bytes:
    etree.indent(root, space="  ")
    body: bytes = etree.tostring(root, encoding="UTF-8", xml_declaration=True)
    return body + b"\n"
