"""RSS 2.0, Atom 1.0 and JSON Feed 1.1 documents, with RFC 5005 archives.

RSS and Atom are built with feedgen and then corrected with lxml where feedgen falls short
(each correction is pinned by a test named after the trap it works around):

- trap_entry_link_rel: feedgen drops rel/type of entry links, so entry links are added here;
- trap_rss_drops_links: feedgen's RSS keeps only rel=self, so archive and hub links are
  added here;
- trap_updated_defaults_to_now: every date is set explicitly from the content;
- trap_rss_author_needs_email: authors go to dc:creator in RSS (never <author>);
- trap_add_entry_prepends: entries are added with order='append';
- trap_control_characters: the schema refuses them before anything reaches lxml;
- trap_cdata_content_type: content is always type="html", never feedgen's "CDATA";
- trap_rss_content_needs_description: every entry gets a summary (lead, subtitle or
  excerpt), else feedgen moves the content into <description>;
- trap_rss_channel_link_is_last: feedgen's RSS <link> is the last link given, so the
  site link is given last.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Protocol

from feedgen.entry import FeedEntry
from feedgen.feed import FeedGenerator
from lxml import etree

from . import __version__
from .config import Settings
from .feed_icons import FAVICON, IMAGE, LOGO
from .feed_text import (
    ATOM_NS,
    RSS_NAMESPACES,
    Buffer,
    fragment,
    light_xml,
    serialise,
    splice,
)
from .json_feed import json_document, json_item
from .model import Article, article_page
from .paging import Document, Feed, documents, timestamp
from .render import RenderedArticle, excerpt

FH_NS = "http://purl.org/syndication/history/1.0"
MEDIA_TYPES = {
    "atom": "application/atom+xml",
    "rss": "application/rss+xml",
    "json": "application/feed+json",
}
FEED_FORMATS = tuple(MEDIA_TYPES)
LIGHT = tuple(f"light.{fmt}" for fmt in FEED_FORMATS)  # an article's entries on the shelf
FULL = tuple(f"full.{fmt}" for fmt in FEED_FORMATS)

Renderer = Callable[[Article], RenderedArticle]


class Pieces(Protocol):
    """Texts an earlier pass of the build made, by (article id, name): engine.shelf.Shelf.
    A feed entry or list item found here is spliced in rather than made again."""

    def get(self, article_id: str, kind: str) -> str | None: ...

    def get_all(self, article_id: str, kinds: Sequence[str]) -> list[str] | None: ...

    def get_encoded(self, article_id: str, kinds: Sequence[str]) -> list[memoryview] | None: ...


Loader = Callable[[str], Article]  # an article by id


@dataclass(frozen=True)
class Fragments:
    """One article's entry in each format, serialised once and spliced into every
    document that lists it (the main feed, its topic feeds, their archive pages)."""

    atom: str
    rss: str
    json: str


class FeedWriter:
    """Builds the three formats of every document of a feed.

    Entries are made with feedgen (FeedEntry.atom_entry / rss_entry) once per article and
    document headers with feedgen once per document; documents are the header with the
    serialised entries spliced in. Building a feedgen tree per document instead made every
    article cost once per feed it appears in, times three formats.
    """

    def __init__(
        self,
        settings: Settings,
        render: Renderer,
        load: Loader,
        summary: Callable[[Article], str] | None = None,
    ) -> None:
        self.settings = settings
        self.render = render
        self.load = load
        # What light entries show; by default from the full rendering.
        self.summary = summary or (lambda article: render(article).summary_text)
        # Each article's entries are built once and spliced into every document showing
        # them; full ones appear only in the few subscription documents.
        self._light: dict[str, Fragments] = {}
        self._full: dict[str, Fragments] = {}
        self.shelf: Pieces | None = None

    def entry_id(self, article: Article) -> str:
        return self.settings.tag(f"article/{article.id}")

    def feed_id(self, document: Document) -> str:
        suffix = "" if document.page is None else f"/archive/{document.page}"
        return self.settings.tag(f"feed/{document.feed.key}{suffix}")

    def page_url(self, article: Article) -> str:
        return self.settings.url(article_page(article.id))

    def rights(self) -> str:
        return (
            f"Compilation published by {self.settings.title} under {self.settings.license}. "
            "Each article remains the copyright of its holders and is republished under "
            "fair use; see each entry's rights."
        )

    def documents(self, feed: Feed) -> Iterator[tuple[str, bytes]]:
        """(site path, bytes) of every document of `feed` in every format."""
        for document in documents(feed, self.settings.items_per_feed):
            yield from self.document(document)

    def document(self, document: Document) -> list[tuple[str, bytes]]:
        """(site path, bytes) of one document in every format.

        Archive pages carry light entries (summary, attribution, link to the article
        page; no full text): subscription documents carry the full text of the newest
        articles, and every article's full text is on its page. Full text in every
        archive (the main feed's and each topic's) made the output of a large archive
        several times the size of the archive itself. So do an author's or an outlet's
        documents (Document.light).
        """
        feed, page, light = document.feed, document.page, document.light
        # As UTF-8 throughout: most entries come from the shelf, and are copied into the
        # documents without being decoded and encoded again.
        entries = [self.encoded_entry(e.id, light) for e in document.entries]
        atom_head, rss_head = self.headers(document)
        title, items = self.title(document), [e[2] for e in entries]
        return [
            (
                feed.path("atom", page),
                splice(atom_head, b"</feed>", [e[0] for e in entries], b"  "),
            ),
            (
                feed.path("rss", page),
                splice(rss_head, b"</channel>", [e[1] for e in entries], b"    "),
            ),
            (feed.path("json", page), json_document(self.settings, title, document, items)),
        ]

    # -- entries --------------------------------------------------------------------------

    def encoded_entry(self, article_id: str, light: bool) -> Sequence[Buffer]:
        """entry(article_id, light) in UTF-8: Atom, RSS, JSON."""
        if self.shelf is not None:
            found = self.shelf.get_encoded(article_id, LIGHT if light else FULL)
            if found is not None:
                return found
        fragments = self.entry(article_id, light)
        return [text.encode("utf-8") for text in (fragments.atom, fragments.rss, fragments.json)]

    def entry(self, article_id: str, light: bool) -> Fragments:
        """An article's light or full entry: made here before, on the shelf (made by the
        process that rendered the article), or made now."""
        found = (self._light if light else self._full).get(article_id)
        if found is None and self.shelf is not None:
            texts = self.shelf.get_all(article_id, LIGHT if light else FULL)
            if texts is not None:
                return Fragments(*texts)
        if found is None:
            article = self.load(article_id)
            found = self.light(article) if light else self.full(article)
        return found

    def full(self, article: Article) -> Fragments:
        fragments = self._full.get(article.id)
        if fragments is None:
            rendered = self.render(article)
            fragments = self._fragments(
                article, rendered.summary_html, rendered.content_html, rendered.rights
            )
            self._full[article.id] = fragments
        return fragments

    def light(self, article: Article) -> Fragments:
        fragments = self._light.get(article.id)
        if fragments is None:
            fragments = self.light_fragments(article, *self.light_parts(article))
            self._light[article.id] = fragments
        return fragments

    def light_parts(self, article: Article) -> tuple[str, str]:
        """A light entry's summary (an excerpt, the attribution and a link to the full
        text) and rights."""
        rights = f"{article.copyright_statement}. Republished under fair use."
        summary = (
            f"<p>{html.escape(excerpt(self.summary(article)))}</p>\n"
            "<p>The original source of this article is "
            f"{html.escape(article.original_source)}. {html.escape(rights)} "
            f'<a href="{html.escape(self.page_url(article))}">Read the full article</a>.</p>'
        )
        return summary, rights

    def light_fragments(self, article: Article, summary: str, rights: str) -> Fragments:
        """_fragments(article, summary, None, rights), its XML written out directly
        (feed_text.py: feedgen's way costs too much for an entry per article)."""
        atom, rss = light_xml(
            article,
            summary,
            rights,
            self.entry_id(article),
            self.page_url(article),
            self.settings.url,
        )
        return Fragments(atom=atom, rss=rss, json=self.json_item(article, summary, None))

    def _fragments(
        self, article: Article, summary: str, content: str | None, rights: str
    ) -> Fragments:
        """The entry in every format; a light entry (content None) has only the summary,
        which then carries the attribution and the link to the full text."""
        fe = FeedEntry()
        fe.load_extension("dc", atom=False, rss=True)
        entry_id = self.entry_id(article)
        fe.id(entry_id)
        fe.guid(entry_id, permalink=False)
        fe.title(article.title)
        fe.link(href=self.page_url(article))  # RSS <link>; Atom links are redone below
        fe.published(timestamp(article.published))
        fe.updated(timestamp(article.last_modified))
        fe.author([{"name": name} for name in article.authors])
        fe.dc.dc_creator(list(article.authors))  # trap_rss_author_needs_email
        fe.dc.dc_source(article.original_source_url or article.original_source)
        fe.dc.dc_rights(rights)
        fe.category(
            [
                {"term": name, "scheme": self.settings.url(f"topics/{kind}/"), "label": name}
                for kind, name in article.categories
            ]
        )
        # trap_rss_content_needs_description: without a description feedgen puts the
        # content in <description> and drops content:encoded; every entry has a summary.
        fe.summary(summary, type="html")
        if content is not None:
            fe.content(content, type="html")  # trap_cdata_content_type
        fe.rights(rights)
        atom = fe.atom_entry()
        self._fix_atom_entry(atom, article)
        return Fragments(
            atom=fragment(atom, level=1),
            rss=fragment(fe.rss_entry(), level=2, nsmap=RSS_NAMESPACES),
            json=self.json_item(article, summary, content),
        )

    def _fix_atom_entry(self, entry: etree._Element, article: Article) -> None:
        # trap_entry_link_rel: feedgen writes entry links without rel or type; redo them.
        for link in entry.findall("link"):
            entry.remove(link)
        links = [{"rel": "alternate", "type": "text/html", "href": self.page_url(article)}]
        if article.original_source_url:
            links.append({"rel": "via", "href": article.original_source_url})
        for attributes in links:
            etree.SubElement(entry, "link", attributes)
        source = etree.SubElement(entry, "source")
        etree.SubElement(source, "title").text = article.original_source
        if article.original_source_url:
            etree.SubElement(
                source, "link", {"rel": "alternate", "href": article.original_source_url}
            )
        etree.SubElement(source, "rights").text = article.copyright_statement

    # -- document headers -----------------------------------------------------------------

    def headers(self, document: Document) -> tuple[bytes, bytes]:
        """The Atom and RSS document without entries, made by feedgen and fixed up."""
        feed, settings = document.feed, self.settings
        fg = FeedGenerator()
        fg.load_extension("dc", atom=False, rss=True)
        fg.id(self.feed_id(document))
        fg.title(self.title(document))
        fg.subtitle(feed.description)
        fg.language(settings.language)
        fg.rights(self.rights())
        fg.generator("publisher", version=__version__)
        # trap_updated_defaults_to_now: all three default to the clock unless set.
        fg.updated(document.updated)
        fg.lastBuildDate(document.updated)
        fg.pubDate(document.updated)
        fg.icon(settings.url(FAVICON.name))
        fg.logo(settings.url(LOGO.name))
        urls = {fmt: settings.url(feed.path(fmt, document.page)) for fmt in ("atom", "rss")}
        page = settings.url(feed.page)

        fg.link(href=page, rel="alternate", type="text/html")
        fg.link(href=urls["atom"], rel="self", type=MEDIA_TYPES["atom"])
        atom = etree.fromstring(fg.atom_str(pretty=False))
        for attributes in self._links(document, "atom"):
            _insert_after_links(atom, f"{{{ATOM_NS}}}", attributes)
        if document.page is not None:
            atom.insert(0, etree.Element(f"{{{FH_NS}}}archive", nsmap={"fh": FH_NS}))

        # trap_rss_channel_link_is_last: feedgen's RSS <link> is the last link added.
        fg.link(href=urls["rss"], rel="self", type=MEDIA_TYPES["rss"], replace=True)
        fg.link(href=page, rel="alternate", type="text/html")
        # feedgen keeps one image for Atom's <logo> and RSS's <image>: set now, after the
        # Atom document has its 2:1 logo. Its title and link are the channel's, as RSS asks.
        width, height = str(IMAGE.width), str(IMAGE.height)
        title, image = self.title(document), settings.url(IMAGE.name)
        fg.image(url=image, title=title, link=page, width=width, height=height)
        rss = etree.fromstring(fg.rss_str(pretty=False))
        channel = rss.find("channel")
        assert channel is not None
        for attributes in self._links(document, "rss"):
            _insert_after_links(channel, f"{{{ATOM_NS}}}", attributes)
        if document.page is not None:
            channel.append(etree.Element(f"{{{FH_NS}}}archive", nsmap={"fh": FH_NS}))
        # Declare every namespace the spliced items use on the root, once.
        attributes = {str(k): str(v) for k, v in rss.attrib.items()}
        root = etree.Element("rss", attributes, nsmap=RSS_NAMESPACES)
        root.extend(rss)
        return serialise(atom), serialise(root)

    def title(self, document: Document) -> str:
        if document.page is None:
            return document.feed.title
        return f"{document.feed.title} (archive: {document.period})"

    def _links(self, document: Document, fmt: str) -> list[dict[str, str]]:
        """The links feedgen does not write (in RSS it keeps rel=self alone): the WebSub
        hub of a subscription document (archive pages are not subscribed to), and the
        RFC 5005 links current, prev-archive and next-archive."""
        feed, hub = document.feed, self.settings.websub_hub
        links = [{"rel": "hub", "href": hub}] if hub and document.page is None else []
        history = []
        if document.page is not None:
            history.append(("current", self.settings.url(feed.path(fmt))))
        if document.older:
            history.append(("prev-archive", self.settings.url(feed.path(fmt, document.older))))
        if document.newer:
            history.append(("next-archive", self.settings.url(feed.path(fmt, document.newer))))
        kind = MEDIA_TYPES[fmt]
        return links + [{"rel": rel, "type": kind, "href": href} for rel, href in history]

    def json_item(self, article: Article, summary: str, content: str | None) -> str:
        full = None if content is None else self.render(article).summary_text
        return json_item(
            article, summary, content, self.entry_id(article), self.page_url(article), full
        )


def _insert_after_links(parent: etree._Element, atom: str, attributes: dict[str, str]) -> None:
    """Add an atom:link next to the existing ones, keeping related elements together."""
    link = parent.makeelement(f"{atom}link", attributes)
    existing = parent.findall(f"{atom}link")
    if existing:
        existing[-1].addnext(link)
    else:
        parent.append(link)
