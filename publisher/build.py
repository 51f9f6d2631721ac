"""The build: valid articles in, every published file out, swapped in atomically."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from .config import Settings
from .engine import collector, interrupt
from .engine.parallel import process_pool, run_parts
from .engine.shelf import Shelf, Span
from .feeds import FeedWriter
from .model import Article, ArticleRef
from .output import Staging, staged
from .plan import Makers, Plan, Unit, plan
from .progress import Progress, silent
from .release import ReleasePlan, releasing
from .render import RenderedArticle, render_article, summary_text
from .site import RELEASES_PAGE, Site
from .store import ArticleStore

# Published dataset releases are immutable and cut by `publish release`, not by a build:
# a build carries them over untouched (all but the releases page, which the site rewrites).
KEPT = ("releases",)
PARALLEL_FROM = 400.0  # estimated cost (about one article page each) worth a second process


def build(
    archive: ArticleStore,
    settings: Settings,
    dist: Path,
    release: ReleasePlan | None = None,
    progress: Progress = silent,
    protect: Sequence[Path] = (),
    cache: Path | None = None,
    force: bool = False,
    waiting: Callable[[str], None] | None = None,
) -> int:
    """Write feeds and pages for the archive into `dist`; return how many files were
    written. With a `cache` folder, files whose key is unchanged since an earlier build
    are kept (see plan.py and output.staged) unless `force`. `waiting` is told when
    another build holds the output's lock.

    With a `release` plan, also cut that dataset release, in the same atomic swap.

    The work is done in two passes so that no process holds the whole archive: article by
    article (on every core: render, write the page, make the entries that the documents
    to write will list), then document by document (splice those entries together).
    """
    with contextlib.ExitStack() as stack:
        staging = stack.enter_context(staged(dist, protect, cache, force, waiting))
        if release is not None:
            # Published versions kept now; the new one is written before the documents.
            finish_release = stack.enter_context(
                releasing(staging, release, settings, archive.lines, archive.rows)
            )
        else:
            for keep in KEPT:
                staging.keep(keep, skip={RELEASES_PAGE})
        with collector.paused():
            planned = plan(archive.entries, settings)
        todo = []
        for unit in planned.units:
            if unit.key:
                kept = [staging.current(path, unit.key) for path in unit.paths]
                if all(kept):
                    continue
            else:
                staging.keys.update((path, "") for path in unit.paths)
            todo.append(unit)
        # Staging.current for every article page, in one loop: most are kept as they are.
        keys, present = staging.keys, staging.present
        chosen: dict[str, ArticleRef] = {}
        for path, key, entry in planned.pages:
            keys[path] = key
            if present.get(path) != key and not staging.current(path, key):
                chosen[entry.id] = entry
        pages = frozenset(chosen)
        needs = {}
        for wanted in ("light", "full", "item"):
            shown = {e.id: e for unit in todo if unit.needs == wanted for e in unit.shows}
            needs[wanted] = frozenset(shown)
            chosen.update(shown)
        by_id = dict(sorted(chosen.items()))  # chunked in a stable order
        job = Job(staging, settings, archive, planned, pages, needs, by_id)
        shelf = Shelf(staging.target.parent)  # on the output's disk, not in memory
        try:
            article_pass(job, shelf, progress)
            if release is not None:  # the release's index before the releases page
                finish_release()
            write_units(job, todo, shelf, progress)
        finally:
            shelf.close()
        return len(staging.written)


@dataclass(frozen=True)
class Job:
    """One build's work: where it writes, what it plans, which articles' pages it writes
    and which articles' pieces the documents it writes need."""

    staging: Staging
    settings: Settings
    archive: ArticleStore
    plan: Plan
    pages: frozenset[str]  # ids of the articles whose page must be written
    needs: dict[str, frozenset[str]]  # "light", "full", "item" -> ids of the articles
    chosen: dict[str, ArticleRef]  # the articles of `pages` and `needs`, by id

    def loader(self) -> Callable[[str], Article]:
        """Articles one at a time, for what the article pass did not make (none, normally)."""

        def load(article_id: str) -> Article:
            return self.archive.load([article_id])[article_id]

        return load


CHUNK = 250  # articles per task of the article pass
_job: Job | None = None  # the job of this process's article pass (pool workers fork it)


def article_pass(job: Job, shelf: Shelf, progress: Progress = silent) -> None:
    """Render every article that the build needs, write its page if it must be written,
    and make its entries for the documents to write; on every core when there are many.
    Puts those entries on `shelf`; the articles themselves are not kept."""
    global _job
    ids = list(job.chosen)
    chunks = [ids[i : i + CHUNK] for i in range(0, len(ids), CHUNK)]
    workers = max(1, min(2, os.cpu_count() or 1))
    written: list[str] = []
    before = set(job.staging.written)
    _job = job
    try:
        # Pages (a full rendering each) cost about eight times a light entry: a rebuild
        # that writes few pages runs here rather than paying for worker processes.
        if workers == 1 or len(chunks) < 2 or len(job.pages) + len(ids) // 8 < CHUNK:
            results: Iterable[Made] = map(_article_chunk, chunks)
            for batch, spans, paths in results:
                shelf.add(batch, spans)
                written.extend(paths)
        else:
            # One pool for the whole pass: rendering no longer leaks (see gfm.py), so the
            # workers need not be replaced every few chunks.
            with process_pool(workers) as pool:  # fails now, not after the queued chunks
                for done, (batch, spans, paths) in enumerate(
                    pool.map(_article_chunk, chunks), start=1
                ):
                    interrupt.check()  # one the pool's forks swallowed
                    shelf.add(batch, spans)
                    written.extend(paths)
                    progress("articles", min(done * CHUNK, len(ids)), len(ids))
    finally:
        _job = None
    overlap = before.intersection(written)
    if overlap or len(set(written)) != len(written):
        raise ValueError(f"written twice in one build: {sorted(overlap)[:3]}")
    job.staging.written.update(written)


# What the article pass sends back per chunk: packed pieces, where each is, pages written.
Made = tuple[bytes, dict[tuple[str, str], Span], list[str]]


def _article_chunk(ids: list[str]) -> Made:
    job = _job
    assert job is not None
    articles = job.archive.load(ids)
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

    feeds = FeedWriter(job.settings, render, articles.__getitem__, summary)
    site = _site(job)
    site.render, site.load = render, articles.__getitem__
    main = job.plan.feeds[0]
    topics = {topic.key: topic for topic in job.plan.topics}
    light, full, item = job.needs["light"], job.needs["full"], job.needs["item"]
    pieces: list[tuple[str, str, str]] = []
    written: list[str] = []
    for article_id in ids:
        interrupt.check()  # a worker stops between articles when the build is interrupted
        article = articles[article_id]
        if article_id in job.pages:
            path, data = site.article(article, main, topics)
            job.staging.write(path, data)
            written.append(path)
        for kind, wanted, make in (("light", light, feeds.light), ("full", full, feeds.full)):
            if article_id in wanted:
                fragments = make(article)
                pieces += [
                    (article_id, f"{kind}.atom", fragments.atom),
                    (article_id, f"{kind}.rss", fragments.rss),
                    (article_id, f"{kind}.json", fragments.json),
                ]
        if article_id in item:
            pieces.append((article_id, "item", site.item(article)))
    site.render, site.load = render_article, job.loader()  # let this chunk's articles go
    batch, spans = Shelf.pack(pieces)
    return batch, spans, written


_sites: dict[tuple[int, str], Site] = {}  # per process and settings: templates loaded once


def _site(job: Job) -> Site:
    key = (os.getpid(), repr(job.settings))
    site = _sites.get(key)
    if site is None:
        _sites.clear()
        site = _sites[key] = Site(job.settings, render_article, job.loader())
    return site


def write_units(
    job: Job,
    units: Sequence[Unit],
    shelf: Shelf,
    progress: Progress = silent,
) -> None:
    """Make the documents of `units` from the pieces the article pass put on the shelf,
    shared by estimated cost between processes when there is enough work."""
    staging, settings = job.staging, job.settings
    total = sum(unit.cost for unit in units)
    workers = max(1, min(2, os.cpu_count() or 1)) if total >= PARALLEL_FROM else 1
    shares: list[list[Unit]] = [[] for _ in range(workers)]
    loads = [0.0] * workers
    for unit in sorted(units, key=lambda u: -u.cost):
        lightest = loads.index(min(loads))
        loads[lightest] += unit.cost
        shares[lightest].append(unit)
    before = set(staging.written)

    def part(share: Sequence[Unit]) -> Callable[[], list[str]]:
        def run() -> list[str]:
            load = job.loader()
            feeds = FeedWriter(settings, render_article, load)
            site = Site(settings, render_article, load)
            feeds.shelf = site.shelf = shelf
            makers = Makers(feeds, site, staging.root)
            for unit in share:
                interrupt.check()
                for path, data in unit.make(makers):
                    staging.write(path, data)
            return sorted(staging.written - before)

        return run

    written: set[str] = set()
    progress("writing", 0, workers)
    for done, paths in enumerate(run_parts([part(share) for share in shares]), start=1):
        progress("writing", done, workers)
        overlap = written.intersection(paths)
        if overlap:
            raise ValueError(f"written twice in one build: {sorted(overlap)[:3]}")
        written.update(paths)
    staging.written.update(written)
