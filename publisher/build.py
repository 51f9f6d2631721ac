"""The build: valid articles in, every published file out, swapped in atomically."""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from .config import Settings
from .feeds import FeedWriter
from .model import Article, Entry, index_of
from .output import Staging, staged
from .parallel import die_with_parent, run_parts
from .plan import Makers, Unit, plan
from .progress import Progress, silent
from .release import ReleasePlan, write_release
from .render import RenderedArticle, render_article
from .site import RELEASES_PAGE, Site

# Published dataset releases are immutable and cut by `publish release`, not by a build:
# a build carries them over untouched (all but the releases page, which the site rewrites).
KEPT = ("releases",)
PARALLEL_FROM = 400.0  # estimated cost (about one article page each) worth a second process

Load = Callable[[Sequence[Entry]], dict[str, Article]]


@dataclass(frozen=True)
class Archive:
    """The articles to publish: every Entry, and a way to load the articles a build needs
    (a rebuild after one edit loads only the few that the changed files show)."""

    entries: tuple[Entry, ...]
    load: Load

    @classmethod
    def of(cls, articles: Iterable[Article]) -> Archive:
        """An archive of articles already in memory."""
        by_id = {article.id: article for article in articles}
        entries = tuple(
            Entry.from_index(index_of(article.to_record()), article.id)
            for article in by_id.values()
        )
        return cls(entries, lambda wanted: {entry.id: by_id[entry.id] for entry in wanted})


def build(
    archive: Archive,
    settings: Settings,
    dist: Path,
    release: ReleasePlan | None = None,
    progress: Progress = silent,
    protect: Sequence[Path] = (),
    cache: Path | None = None,
    fresh: bool = False,
) -> int:
    """Write feeds and pages for the archive into `dist`; return how many files were
    written. With a `cache` folder, files whose key is unchanged since an earlier build
    are kept (see plan.py and output.staged) unless `fresh`.

    With a `release` plan, also cut that dataset release, in the same atomic swap."""
    planned = plan(archive.entries, settings)
    with staged(dist, protect, cache, fresh) as staging:
        if release is not None:
            # Published versions kept, the new one and a new index written, before the site.
            write_release(staging, release, settings)
        else:
            for keep in KEPT:
                staging.keep(keep, skip={RELEASES_PAGE})
        todo = []
        for unit in planned.units:
            if unit.key:
                kept = [staging.current(path, unit.key) for path in unit.paths]
                if all(kept):
                    continue
            else:
                staging.keys.update((path, "") for path in unit.paths)
            todo.append(unit)
        todo.extend(
            planned.page(article_id)
            for path, key, article_id in planned.pages
            if not staging.current(path, key)
        )
        by_id = {entry.id: entry for entry in archive.entries}
        shown = sorted({article_id for unit in todo for article_id in unit.shows})
        articles = archive.load([by_id[article_id] for article_id in shown])
        rendered = render_all(list(articles.values()), progress)
        write_units(staging, settings, todo, articles, rendered, progress)
        return len(staging.written)


def render_all(
    articles: Sequence[Article], progress: Progress = silent
) -> dict[str, RenderedArticle]:
    """Every article rendered once, on every core; the parts below fork after this and
    share the result."""
    workers = max(1, min(4, os.cpu_count() or 1))
    if workers == 1 or len(articles) < 200:
        return {a.id: render_article(a) for a in articles}
    result: dict[str, RenderedArticle] = {}
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(workers, mp_context=context, initializer=die_with_parent) as pool:
        rendered = pool.map(render_article, articles, chunksize=64)
        for article, html in zip(articles, rendered, strict=True):
            result[article.id] = html
            if len(result) % 256 == 0 or len(result) == len(articles):
                progress("rendering", len(result), len(articles))
    return result


def write_units(
    staging: Staging,
    settings: Settings,
    units: Sequence[Unit],
    articles: dict[str, Article],
    rendered: dict[str, RenderedArticle],
    progress: Progress = silent,
) -> None:
    """Make `units` into the staging folder, shared by estimated cost between processes
    when there is enough work."""
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
            def render(article: Article) -> RenderedArticle:
                return rendered[article.id]

            makers = Makers(
                FeedWriter(settings, render, articles.__getitem__),
                Site(settings, render, articles.__getitem__),
                staging.root,
            )
            for unit in share:
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
