"""Making the planned outputs, in two passes, so that no process holds the whole archive.

The article pass goes article by article (on every core when there are many): render it
once, write its page if that must be written, and make the pieces (pieces.py) that the
documents to write need of it, which go on the shelf. The documents pass then makes each
document from those pieces, shared out between processes by estimated cost.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

from .config import Settings
from .engine import interrupt
from .engine.chunks import map_chunks, share_by_cost
from .engine.parallel import run_parts, started
from .engine.shelf import Shelf, Span
from .feeds import FeedWriter
from .model import Article
from .output import Staging
from .outputs import PIECES, Layout, Makers, Output, article_pages
from .progress import Progress, silent
from .render import RenderedArticle, render_article, summary_text
from .site import Site
from .tuning import Tuning

Load = Callable[[Sequence[str]], dict[str, Article]]  # articles by id (the store's load)


@dataclass(frozen=True)
class Work:
    """One build's work: where it writes, what it plans, which articles' pages it writes
    and which pieces of which articles the documents it writes need."""

    staging: Staging
    layout: Layout
    load: Load
    pages: frozenset[str]  # ids of the articles whose page must be written
    needs: dict[str, frozenset[str]]  # piece name -> ids of the articles it is made for
    chosen: tuple[str, ...]  # the ids of `pages` and `needs`, in a stable order
    tuning: Tuning

    @property
    def settings(self) -> Settings:
        return self.layout.settings

    def loader(self) -> Callable[[str], Article]:
        """Articles one at a time, for what the article pass did not make (none, normally)."""
        return lambda article_id: self.load([article_id])[article_id]

    def makers(self, feeds: FeedWriter, site: Site) -> Makers:
        """The producers of one process of this build, over its staging folder."""
        staging = self.staging
        return Makers(feeds, site, staging.root, self.load, staging.linkable, staging.target)


def article_pass(work: Work, shelf: Shelf, progress: Progress = silent) -> None:
    """Render every article the build needs, write its page if it must be written, and
    put the pieces the documents need on `shelf`; the articles themselves are not kept."""
    ids, size = work.chosen, work.tuning.article_chunk
    workers = work.tuning.processes(work.tuning.build_workers)
    # Pages (a full rendering each) cost about eight times a light entry: a rebuild that
    # writes few pages runs here rather than paying for worker processes.
    if len(work.pages) + len(ids) // 8 < size:
        workers = 1
    written: list[str] = []
    before = set(work.staging.written)
    done = 0
    pooled = workers > 1 and len(ids) > size  # else map_chunks runs here: no bar
    # Closed at once on a failure or Ctrl-C: its pool is stopped now, not when freed.
    with contextlib.closing(map_chunks(_chunk(work), ids, size, workers)) as made:
        for batch, spans, paths in made:
            shelf.add(batch, spans)
            written.extend(paths)
            done = min(done + size, len(ids))
            if pooled:
                progress("articles", done, len(ids))
    overlap = before.intersection(written)
    if overlap or len(set(written)) != len(written):
        raise ValueError(f"written twice in one build: {sorted(overlap)[:3]}")
    work.staging.written.update(written)


# What the article pass sends back per chunk: packed pieces, where each is, pages written.
Chunk = tuple[bytes, dict[tuple[str, str], Span], list[str]]


def _chunk(work: Work) -> Callable[[list[str]], Chunk]:
    def run(ids: list[str]) -> Chunk:
        return _article_chunk(work, ids)

    return run


def _article_chunk(work: Work, ids: list[str]) -> Chunk:
    articles = work.load(ids)
    # Rendered when first needed: most articles of a rebuild are here only for their
    # light entries, which need the summary and not the body (the costly part).
    rendered: dict[str, RenderedArticle] = {}

    def render(article: Article) -> RenderedArticle:
        done = rendered.get(article.id)
        if done is None:
            done = rendered[article.id] = render_article(article)
        return done

    def summary(article: Article) -> str:
        done = rendered.get(article.id)
        return done.summary_text if done is not None else summary_text(article)

    site = _site(work)
    site.render, site.load = render, articles.__getitem__
    feeds = FeedWriter(work.settings, render, articles.__getitem__, summary)
    makers = work.makers(feeds, site)
    wanted = [(piece, work.needs[name]) for name, piece in PIECES.items() if work.needs[name]]
    pieces: list[tuple[str, str, str]] = []
    written: list[str] = []
    for article_id in ids:
        interrupt.check()  # a worker stops between articles when the build is interrupted
        article = articles[article_id]
        if article_id in work.pages:
            path, data = article_pages.make(makers, work.layout, article)
            work.staging.write(path, data)
            written.append(path)
        for piece, needed in wanted:
            if article_id in needed:
                texts = piece.make(makers, article)
                pieces += [(article_id, n, t) for n, t in zip(piece.names, texts, strict=True)]
    site.render, site.load = render_article, work.loader()  # let this chunk's articles go
    batch, spans = Shelf.pack(pieces)
    return batch, spans, written


_sites: dict[tuple[int, str], Site] = {}  # per process and settings: templates loaded once


def _site(work: Work) -> Site:
    key = (os.getpid(), repr(work.settings))
    site = _sites.get(key)
    if site is None:
        _sites.clear()
        site = _sites[key] = Site(work.settings, render_article, work.loader())
    return site


def documents_pass(
    work: Work, outputs: Sequence[Output], shelf: Shelf, progress: Progress = silent
) -> None:
    """Make the documents of `outputs` from the pieces the article pass put on the shelf,
    shared by estimated cost between processes when there is enough work."""
    tuning = work.tuning
    total = sum(output.cost for output in outputs)
    workers = 1
    if total >= tuning.documents_parallel_from:
        workers = tuning.processes(tuning.build_workers)
    shares = share_by_cost(outputs, _cost, workers)
    before = set(work.staging.written)
    written: set[str] = set()
    progress("writing", 0, workers)
    parts = [_part(work, share, shelf, before) for share in shares]
    for done, paths in enumerate(run_parts(parts), start=1):
        progress("writing", done, workers)
        _record(written, paths)
    work.staging.written.update(written)


@contextlib.contextmanager
def ahead(work: Work, outputs: Sequence[Output]) -> Iterator[Callable[[], object]]:
    """Make `outputs`, which need no piece (outputs.AHEAD), in a process of their own from
    now on, while this one plans and makes the rest; the function yielded waits for them
    and records their files. Without fork (or with workers=1) it makes them itself, in
    this process, whose Staging records each file as it writes it."""
    if not outputs:
        yield lambda: None
        return
    part = _part(work, outputs, None, set(work.staging.written))
    if not work.tuning.forks:
        yield part
        return
    with started(part) as result:
        # Written in the other process: this one's record of the build learns them here.
        yield lambda: _record(work.staging.written, result())


def _part(
    work: Work, share: Sequence[Output], shelf: Shelf | None, before: set[str]
) -> Callable[[], list[str]]:
    """Make `share` (in whichever process calls it); the paths written since `before`."""

    def run() -> list[str]:
        settings, staging = work.settings, work.staging
        load = work.loader()
        feeds = FeedWriter(settings, render_article, load)
        site = Site(settings, render_article, load)
        if shelf is not None:
            feeds.shelf = site.shelf = shelf
        makers = work.makers(feeds, site)
        for output in share:
            interrupt.check()
            for path, data in output.make(makers):
                staging.write(path, data)
        return sorted(staging.written - before)

    return run


def _record(written: set[str], paths: list[str]) -> None:
    """Add a part's `paths` to `written`: no file may be made twice in one build."""
    overlap = written.intersection(paths)
    if overlap:
        raise ValueError(f"written twice in one build: {sorted(overlap)[:3]}")
    written.update(paths)


def _cost(output: Output) -> float:
    return output.cost
