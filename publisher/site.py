"""The static site: landing page, article pages, topic pages and the releases page.

Pages are Jinja2 templates with autoescaping on; the only markup that reaches a page
unescaped is what `render` produced (the one sanitiser feeds use too). Every internal link
is relative and names its `index.html`, so the site works served at any path and opened
from disk. Lists of articles are paged exactly like the feeds (`feeds.documents`): the
landing page holds the newest articles, older ones are on archive pages by month or year
(`archive/2019-03/`), so an article added or edited changes the page of its period only.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from functools import cache, lru_cache, partial
from importlib.resources import files
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, Template
from markupsafe import Markup

from . import provenance, release_page
from .config import Settings
from .dates import MONTH_NAMES
from .feed_icons import ICONS
from .feeds import FEED_FORMATS, MEDIA_TYPES, Loader, Pieces, Renderer
from .model import Article, article_page
from .navigation import Navigation
from .paging import Document, Feed
from .release import RELEASES, SUMS, read_index
from .render import shift_headings, text_html
from .topics import KindGroup, Topic, slugify

RELEASES_PAGE = f"{RELEASES}/index.html"
# Copied from templates/ to the site root.
ASSETS = ("style.css", "favicon.svg", "favicon.ico", *(icon.name for icon in ICONS))
FORMAT_NAMES = {"atom": "Atom", "rss": "RSS", "json": "JSON Feed"}
# What a page may load: its own stylesheet and images from this site, nothing else, and
# no script at all (a second wall behind the sanitiser). `connect-src 'self'` is for tools
# that fetch /robots.txt in the page's context (Lighthouse's robots-txt audit, under which
# `default-src 'none'` failed): it allows fetches to the page's own origin, which only a
# script could make, and no script runs. A source naming the base_url's host and
# /robots.txt would be narrower on paper, grant nothing more, and tie pages to one host.
CSP = (
    "default-src 'none'; connect-src 'self'; style-src 'self'; img-src 'self'; "
    "script-src 'none'; object-src 'none'; base-uri 'none'; form-action 'none'"
)


def long_date(day: dt.date) -> str:
    return f"{MONTH_NAMES[day.month - 1]} {day.day}, {day.year}"


def relative(root: str, path: str) -> str:
    """Link from a page `root` ("../" per level) to site path `path`; a folder path gets
    its index.html so the link also works when the site is opened from disk."""
    page, _, fragment = path.partition("#")
    if page == "" or page.endswith("/"):
        page += "index.html"
    return root + page + (f"#{fragment}" if fragment else "")


def list_page(feed: Feed, page: str | None) -> str:
    """Site folder of one page of a paged list: the feed's page, or `archive/PERIOD/`
    under it."""
    return feed.page if page is None else f"{feed.page}archive/{page}/"


def human_size(size: int) -> str:
    if size < 1000:
        return f"{size} bytes"
    value = float(size)
    for unit in ("kB", "MB", "GB", "TB"):
        value /= 1000
        if value < 1000 or unit == "TB":
            return f"{value:.1f} {unit}"
    raise AssertionError("unreachable")


# -- releases --------------------------------------------------------------------------


@dataclass(frozen=True)
class ReleaseFile:
    name: str  # path inside the version folder, POSIX-style
    size: int
    sha256: str


@dataclass(frozen=True)
class Release:
    version: str
    date: dt.date
    records: int
    bump: str  # "initial" for the first release, else "major", "minor" or "patch"
    changes: tuple[tuple[str, int], ...]  # ("added", 3), ("changed", 1), ("removed", 0)
    datapackage_sha256: str
    files: tuple[ReleaseFile, ...]
    reason: str | None = None  # why that step (index.json; not kept by earlier versions)

    @property
    def folder(self) -> str:
        return f"v{self.version}"

    @property
    def changelog(self) -> str | None:
        names = {file.name for file in self.files}
        return "CHANGELOG.md" if "CHANGELOG.md" in names else None


def _checksums(folder: Path) -> dict[str, str]:
    """name -> sha256 from the version's SHA256SUMS (`<hex>  <name>` or `<hex> *<name>`)."""
    sums = folder / SUMS
    if not sums.is_file():
        return {}
    found = {}
    for line in sums.read_text("utf-8").splitlines():
        digest, _, name = line.partition(" ")
        name = name.lstrip(" *")
        if len(digest) == 64 and name:
            found[name] = digest.lower()
    return found


def _release_files(folder: Path) -> tuple[ReleaseFile, ...]:
    """Every file of a version folder with its size; hashes come from SHA256SUMS (release
    files can be large and never change), computed only for files it does not list."""
    if not folder.is_dir():
        return ()
    sums = _checksums(folder)
    found = []
    for path in sorted(folder.rglob("*")):
        if not path.is_file():
            continue
        name = path.relative_to(folder).as_posix()
        digest = sums.get(name) or hashlib.sha256(path.read_bytes()).hexdigest()
        found.append(ReleaseFile(name, path.stat().st_size, digest))
    return tuple(found)


def read_releases(root: Path) -> list[Release]:
    """The versions published under `root` (a dist or staging folder), newest first.

    The index is read by `release.read_index`, the one reader of its format; a broken
    index raises ReleaseError, as `publish release` would."""
    return [
        Release(
            version=str(entry.version),
            date=entry.date,
            records=entry.records,
            bump=entry.bump,
            changes=tuple(entry.changes.items()),
            datapackage_sha256=entry.datapackage_sha256,
            files=_release_files(root / RELEASES / f"v{entry.version}"),
            reason=entry.reason,
        )
        for entry in reversed(read_index(root))
    ]


# -- pages -----------------------------------------------------------------------------


@cache
def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("publisher", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,
    )
    env.filters["long_date"] = long_date
    env.filters["human_size"] = human_size
    env.globals.update(
        CSP=Markup(CSP),
        FEED_FORMATS=FEED_FORMATS,
        FORMAT_NAMES=FORMAT_NAMES,
        MEDIA_TYPES=MEDIA_TYPES,
    )
    return env


def asset(name: str) -> bytes:
    return files("publisher").joinpath(f"templates/{name}").read_bytes()


@dataclass(frozen=True)
class TopicLink:
    """A topic as an article page shows it: label, the article's own spelling, its page."""

    label: str
    name: str
    key: str  # "region/russia-and-fsu": the page is topics/{key}/


class Site:
    """Writes every page of the site; `pages()` yields (site path, bytes).

    Work per article is kept small (a build may make one for every article): templates are loaded
    once; the pieces of `partials.html` that depend only on a page's depth and feed
    (header, footer, feed links) are rendered once per depth and feed, and an article's
    entry in a list once per article, however many lists show it.
    """

    ENTRY_START = '<li>\n<a class="title" href="'

    def __init__(self, settings: Settings, render: Renderer, load: Loader) -> None:
        self.settings = settings
        self.render = render
        self.load = load
        self.env = environment()
        self.partials = self.env.get_template("partials.html").module
        self.templates: dict[str, Template] = {}
        self.pieces: dict[tuple[str, ...], Markup] = {}
        self.entries: dict[str, str] = {}
        self.shelf: Pieces | None = None  # list items made by the article pass
        self.topic_links: dict[tuple[str, str], TopicLink] = {}

    def piece(self, name: str, *args: Any, key: tuple[str, ...]) -> Markup:
        """The partial `name` rendered with `args`, cached under `key`."""
        if (name, *key) not in self.pieces:
            self.pieces[(name, *key)] = self.piece_uncached(name, *args)
        return self.pieces[(name, *key)]

    def piece_uncached(self, name: str, *args: Any) -> Markup:
        return Markup(getattr(self.partials, name)(*args))

    def feed_links(self, root: str, feed: Feed) -> Markup:
        return self.piece("subscribe", feed, root, key=(feed.key, root))

    def item(self, article: Article) -> str:
        """An article's entry in a list page, from its link target on (see `items`)."""
        return str(self.piece_uncached("entry", article))

    def items(self, document: Document, root: str) -> Markup:
        """The list items of a list page's articles."""
        parts = []
        for entry in document.entries:
            item = self.entries.get(entry.id)
            if item is None and self.shelf is not None:
                item = self.shelf.get(entry.id, "item")
            if item is None:
                item = self.entries[entry.id] = self.item(self.load(entry.id))
            parts.append(self.ENTRY_START + root + item)
        return Markup("\n".join(parts))

    def page(self, template: str, path: str, feed: Feed, **context: Any) -> tuple[str, bytes]:
        """Render `template` as the file at site path `path` (a folder's index.html)."""
        if template not in self.templates:
            self.templates[template] = self.env.get_template(template)
        root = "../" * path.count("/")
        canonical = context.pop("canonical", None) or self.settings.url(
            path.removesuffix("index.html")
        )
        html = self.templates[template].render(
            settings=self.settings,
            root=root,
            canonical=canonical,
            feed=feed,
            feed_links=partial(self.feed_links, root),
            alternates=self.piece("alternates", feed, root, key=(feed.key, root)),
            header=self.piece("header", self.settings, root, key=(root,)),
            footer=self.piece("footer", self.settings, feed, root, key=(feed.key, root)),
            **context,
        )
        return path, html.encode("utf-8")

    def list_page(
        self, feed: Feed, template: str, document: Document, **context: Any
    ) -> tuple[str, bytes]:
        """One page of a paged article list (the landing page or a topic page)."""
        path = list_page(feed, document.page) + "index.html"
        here = "../" * path.count("/")
        older = newer = None
        if document.older:
            older = relative(here, list_page(feed, document.older))
        if document.page is not None:  # the newest archive page leads to the feed's page
            newer = relative(here, list_page(feed, document.newer))
        items = self.items(document, here)
        return self.page(
            template,
            path,
            feed,
            document=document,
            items=items,
            older=older,
            newer=newer,
            **context,
        )

    def releases(self, main: Feed, root: Path) -> tuple[str, bytes]:
        """The releases page, from the release folders in `root` (a build's staging folder
        that already holds them)."""
        releases = read_releases(root)
        return self.page(
            "releases.html",
            RELEASES_PAGE,
            main,
            releases=releases,
            json_ld=Markup(release_page.json_ld(self.settings, root, releases)),
            documents={r.version: self.documents(root, r) for r in releases},
        )

    @staticmethod
    def documents(root: Path, release: Release) -> dict[str, Markup]:
        """A version's README.md and CHANGELOG.md, sanitised by render.py like articles."""
        return {name: Markup(html) for name, html in release_page.documents(root, release).items()}

    def kind_index(self, main: Feed, group: KindGroup) -> tuple[str, bytes]:
        """The page listing every topic of one kind (every author, say), by name."""
        return self.page("topics.html", group.page + "index.html", main, group=group)

    def topic_link(self, kind: str, name: str, topics: dict[str, Topic]) -> TopicLink:
        if (kind, name) not in self.topic_links:  # slugify once per spelling, not per article
            topic = topics[f"{kind}/{slugify(name)}"]
            self.topic_links[kind, name] = TopicLink(topic.label, name, topic.key)
        return self.topic_links[kind, name]

    def article(
        self, article: Article, main: Feed, topics: dict[str, Topic], around: Navigation
    ) -> tuple[str, bytes]:
        rendered = self.render(article)
        path = article_page(article.id)
        summary = provenance.description(article, rendered)
        links = [self.topic_link(kind, name, topics) for kind, name in article.categories]
        # The window's topic as the article spells it (its key covers the article, not
        # the spelling the topic's page shows).
        window = next((t for t in links if around.topic and t.key == around.topic.key), None)
        return self.page(
            "article.html",
            path,
            main,
            canonical=self.settings.canonical_url(path, article.original_source_url),
            description=summary,
            json_ld=Markup(provenance.json_ld(article, self.settings, path, summary)),
            article=article,
            topics=links,
            authors=[self.topic_link("author", name, topics) for name in article.authors],
            source=self.topic_link("source", article.original_source, topics),
            around=around,
            window=window,
            lead=Markup(rendered.lead_html or ""),
            body=Markup(shift_headings(rendered.body_html)),  # under the page's h1
            disclaimer=disclaimer_html(article.disclaimer),
        )


@lru_cache(maxsize=64)
def disclaimer_html(text: str) -> Markup:
    """Most articles share one of a few disclaimers: escape each once."""
    return Markup(text_html(text))
