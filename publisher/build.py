"""The build: valid articles in, every published file out, swapped in atomically."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from . import outputs
from .config import Settings
from .dataset import record_lines
from .engine import collector
from .engine.parallel import started
from .engine.shelf import Shelf
from .model import Article, ArticleRef, index_of
from .output import Staging, staged
from .outputs import PIECES, Output
from .produce import Work, article_pass, documents_pass
from .progress import Progress, silent
from .release import ReleasePlan
from .release_write import Lines, Rows, releasing
from .site import RELEASES_PAGE
from .tuning import DEFAULT, Tuning

# Published dataset releases are immutable and cut by `publish release`, not by a build:
# a build carries them over untouched (all but the releases page, which the site rewrites).
KEPT = ("releases",)

Load = Callable[[Sequence[ArticleRef]], dict[str, Article]]


@dataclass(frozen=True)
class Archive:
    """The articles to publish: every ArticleRef, and a way to load the articles a build needs
    (a rebuild after one edit loads only the few that the changed files show). A release
    streams the records' canonical dataset `lines` (validate.record_lines) and what the
    CSV files need of them, `rows` (validate.record_rows), rather than articles."""

    entries: tuple[ArticleRef, ...]
    load: Load
    lines: Lines
    rows: Rows

    @classmethod
    def of(cls, articles: Iterable[Article]) -> Archive:
        """An archive of articles already in memory."""
        by_id = {article.id: article for article in articles}
        entries = tuple(
            ArticleRef.from_index(index_of(article.to_record()), article.id)
            for article in by_id.values()
        )
        return cls(
            entries,
            lambda wanted: {entry.id: by_id[entry.id] for entry in wanted},
            lambda wanted: record_lines(by_id[entry.id].to_record() for entry in wanted),
            # A record line is a row the CSV side packs itself.
            lambda wanted: record_lines(by_id[entry.id].to_record() for entry in wanted),
        )

    @cached_property
    def _refs(self) -> dict[str, ArticleRef]:
        return {ref.id: ref for ref in self.entries}

    def load_ids(self, ids: Sequence[str]) -> dict[str, Article]:
        return self.load([self._refs[i] for i in ids])


def build(
    archive: Archive,
    settings: Settings,
    dist: Path,
    release: ReleasePlan | None = None,
    progress: Progress = silent,
    protect: Sequence[Path] = (),
    cache: Path | None = None,
    force: bool = False,
    waiting: Callable[[str], None] | None = None,
    tuning: Tuning = DEFAULT,
) -> int:
    """Write feeds and pages for the archive into `dist`; return how many files were
    written. With a `cache` folder, files whose key is unchanged since an earlier build
    are kept (see outputs/ and output.staged) unless `force`. `waiting` is told when
    another build holds the output's lock. With a `release` plan, also cut that dataset
    release, in the same atomic swap."""
    with contextlib.ExitStack() as stack:
        # A staging folder beside dist/, starting from the tree of an earlier build.
        staging = stack.enter_context(staged(dist, protect, cache, force, waiting))
        # Published releases are carried over; a new one starts writing its data files.
        if release is not None:
            start = started if tuning.forks else None  # JSON and CSV files side by side
            finish_release = stack.enter_context(
                releasing(
                    staging,
                    release,
                    settings,
                    archive.lines,
                    archive.rows,
                    start=start,
                    batch=tuning.data_batch,
                )
            )
        else:
            for keep in KEPT:
                staging.keep(keep, skip={RELEASES_PAGE})
        # Every output with its key; those whose file is current are kept as they are.
        with collector.paused():
            planned = outputs.plan(archive.entries, settings)
        todo, pages = stale(staging, planned)
        work = _work(staging, planned, archive, todo, pages, tuning)
        shelf = Shelf(staging.target.parent)  # on the output's disk, not in memory
        try:
            # Article by article: pages, and the pieces the documents need.
            article_pass(work, shelf, progress)
            if release is not None:  # the release's index before the releases page
                finish_release()
            # Document by document: feeds, lists, the releases page, from those pieces.
            documents_pass(work, todo, shelf, progress)
        finally:
            shelf.close()
        return len(staging.written)


def stale(staging: Staging, planned: outputs.Plan) -> tuple[list[Output], frozenset[str]]:
    """The outputs to make and the ids of the article pages to write: those whose key
    differs from the key of the file in the tree (the others are kept there)."""
    todo = []
    for output in planned.outputs:
        if output.key:
            # Every path recorded (not all() of a generator, which stops at the first).
            kept = [staging.current(path, output.key) for path in output.paths]
            if all(kept):
                continue
        else:
            staging.keys.update((path, "") for path in output.paths)
        todo.append(output)
    # Staging.current for every article page, in one loop: most are kept as they are.
    keys, present = staging.keys, staging.present
    pages = []
    for path, key, ref in planned.pages:
        keys[path] = key
        if present.get(path) != key and not staging.current(path, key):
            pages.append(ref.id)
    return todo, frozenset(pages)


def _work(
    staging: Staging,
    planned: outputs.Plan,
    archive: Archive,
    todo: Sequence[Output],
    pages: frozenset[str],
    tuning: Tuning,
) -> Work:
    """What the passes do: the pages to write, and which articles each piece is for."""
    chosen = set(pages)
    needs = {}
    for name in PIECES:
        shown = {e.id for output in todo if output.needs == name for e in output.shows}
        needs[name] = frozenset(shown)
        chosen |= shown
    return Work(
        staging,
        planned.layout,
        archive.load_ids,
        archive.entries,
        pages,
        needs,
        tuple(sorted(chosen)),  # chunked in a stable order
        tuning,
    )
