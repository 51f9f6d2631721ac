"""What publish does, each read top to bottom: check the seeds, build dist/, cut a release.

cli.py turns arguments into calls of these and errors into exit codes; tests call them
too. ARCHITECTURE.md draws the whole flow. The modules that make pages and feeds are
imported by build() itself, so that `--validate` and `--help` stay quick.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from .config import Settings
from .fingerprint import build_stamp, record_build, up_to_date
from .load import scan_seeds, stray_warnings
from .problems import Problem
from .progress import Progress, silent
from .store import ArticleStore, SeedStore
from .store.check import Signed, check_seeds, seed_signatures
from .tuning import DEFAULT, Tuning
from .validate import CheckResult

if TYPE_CHECKING:
    from .model import ArticleRef
    from .output import Staging
    from .outputs import Output, Plan
    from .produce import Work
    from .release import ReleasePlan

# Published dataset releases are immutable and cut by `publish release`, not by a build:
# a build carries them over untouched (all but the releases page, which the site rewrites).
KEPT = ("releases",)


def scan(seeds: Path) -> tuple[Signed, tuple[Problem, ...]]:
    """The seed files' signatures (which change with any edit), and a warning for each
    file in the folder that is not a seed."""
    strays: list[str] = []
    signed = seed_signatures(scan_seeds(seeds, strays))
    return signed, stray_warnings(strays)


def built(dist: Path, cache: Path, inputs: str, settings: Settings) -> bool:
    """Whether `dist` is what a build of these inputs and settings by this tool made."""
    return up_to_date(cache, build_stamp(dist, inputs, settings))


def _built(dist: Path, cache: Path | None, inputs: str | None, settings: Settings) -> bool:
    """`built`, False without a cache or the inputs to ask it about."""
    return cache is not None and inputs is not None and built(dist, cache, inputs, settings)


def damaged_release_files(dist: Path) -> list[str]:
    """The published release files in `dist` that fail their checksums (or are gone)."""
    from .release_verify import verify_releases

    return sorted({problem.file for problem in verify_releases(dist)})


def check(
    seeds: Path,
    cache: Path | None,
    *,
    releases: Path | None = None,
    signed: Signed | None = None,
    progress: Progress = silent,
    tuning: Tuning = DEFAULT,
) -> tuple[CheckResult, SeedStore]:
    """Every problem with the seeds (and with the published releases in `releases`), and
    the store a build reads the valid articles from."""
    # Every seed read, parsed and validated; one unchanged since the last run is not.
    result, store = check_seeds(seeds, cache, progress=progress, signed=signed, tuning=tuning)
    # Every file of every published release against its checksums.
    if releases is not None:
        from .release_verify import verify_releases

        damaged = tuple(verify_releases(releases))
        result = replace(result, release_problems=damaged) if damaged else result
    return result, store


def build(
    store: ArticleStore,
    settings: Settings,
    dist: Path,
    *,
    release: ReleasePlan | None = None,
    progress: Progress = silent,
    protect: Sequence[Path] = (),
    cache: Path | None = None,
    force: bool = False,
    waiting: Callable[[str], None] | None = None,
    inputs: str | None = None,
    tuning: Tuning = DEFAULT,
) -> int:
    """Write every output for the articles of `store` into `dist` (and, with a `release`
    plan, that dataset release), in one atomic swap; return how many files were written.
    With a `cache` folder, an output whose key is unchanged since an earlier build is kept
    (unless `force`), and the build is recorded as the build of `inputs`. A release cut
    when dist is what a build of these inputs made (`built`, asked under the lock) makes
    the releases page alone and keeps every other file of the site, unplanned."""
    from . import outputs
    from .engine import collector
    from .engine.shelf import Shelf
    from .output import staged
    from .produce import article_pass, documents_pass

    with contextlib.ExitStack() as stack:
        # A staging folder beside dist/, starting from the tree of an earlier build;
        # another build waits for the lock.
        staging = stack.enter_context(staged(dist, protect, cache, force, waiting))
        # Published releases carried over; a new one starts writing its data files.
        finish_release = _releases(stack, staging, release, settings, store, tuning)
        # Every output with its key (outputs/); those whose file is current are kept.
        with collector.paused():
            # Asked here, under the build's lock: no other build can change dist meanwhile.
            current = release is not None and not force and _built(dist, cache, inputs, settings)
            first, whole = _plan_first(staging, store, settings, site_current=current)
        # Those planned first (the search indexes) made in a process of their own from now
        # on, while this one plans the rest.
        finish_ahead = stack.enter_context(_ahead(staging, store, first, tuning, whole))
        with collector.paused():
            planned = first if whole else outputs.plan(store.entries, settings, first)
        todo, pages = stale(staging, planned.outputs[planned.ahead :], planned.pages)
        work = _work(staging, planned, store, todo, pages, tuning)
        shelf = stack.enter_context(contextlib.closing(Shelf(staging.target.parent)))
        # Article by article: pages, and the pieces the documents need.
        article_pass(work, shelf, progress)
        # The new release's index, which the releases page lists.
        finish_release()
        # Document by document: feeds, lists and the releases page, from the pieces.
        documents_pass(work, todo, shelf, progress)
        finish_ahead()
        written = len(staging.written)
    # Swapped in: remembered, so that an unchanged rerun has nothing to do.
    if cache is not None and inputs is not None:
        record_build(cache, build_stamp(dist, inputs, settings))
    return written


def release(
    store: ArticleStore,
    settings: Settings,
    dist: Path,
    day: dt.date,
    version: str | None = None,
    *,
    dry_run: bool = False,
    protect: Sequence[Path] = (),
    cache: Path | None = None,
    waiting: Callable[[str], None] | None = None,
    inputs: str | None = None,
    tuning: Tuning = DEFAULT,
) -> ReleasePlan:
    """Plan the next dataset release and, unless `dry_run`, cut it with a rebuild."""
    from .release import plan_release

    # What changed since the latest release, and the version that says so: from the
    # records' digests, without loading a record.
    plan = plan_release(store.entries, dist, day, version)
    # The version folder written in the same swap as the site that lists it (a site just
    # built from these seeds is kept but for its releases page: see build).
    if not dry_run:
        build(
            store,
            settings,
            dist,
            release=plan,
            protect=protect,
            cache=cache,
            waiting=waiting,
            inputs=inputs,
            tuning=tuning,
        )
    return plan


def _releases(
    stack: contextlib.ExitStack[bool | None],
    staging: Staging,
    release: ReleasePlan | None,
    settings: Settings,
    store: ArticleStore,
    tuning: Tuning,
) -> Callable[[], object]:
    """Carry the published releases over; with a `release` plan, start writing the new
    one (its data files in processes of their own when Tuning allows) and return what
    finishes it."""
    from .site import RELEASES_PAGE

    if release is None:
        for keep in KEPT:
            staging.keep(keep, skip={RELEASES_PAGE})
        return lambda: None
    # Imported here: the writer pulls in pyarrow (0.2 s), which a build without a release
    # never needs.
    from .engine.parallel import started
    from .release_write import releasing

    start = started if tuning.forks else None
    return stack.enter_context(
        releasing(
            staging,
            release,
            settings,
            store.lines,
            store.rows,
            start=start,
            batch=tuning.data_batch,
        )
    )


def _plan_first(
    staging: Staging, store: ArticleStore, settings: Settings, *, site_current: bool
) -> tuple[Plan, bool]:
    """What is planned first, and whether that is the whole plan. With `site_current` (a
    release cut when dist is what a build of these inputs made), the releases page alone,
    every other file of the site kept; else the outputs of outputs.AHEAD."""
    from . import outputs

    if site_current:
        planned = outputs.releases_only(store.entries, settings)
        if keep_site(staging):
            return planned, True
        # A file of the site is gone (removed by hand, say): planned whole after all.
    return outputs.plan_ahead(store.entries, settings), False


def _ahead(
    staging: Staging, store: ArticleStore, first: Plan, tuning: Tuning, whole: bool
) -> contextlib.AbstractContextManager[Callable[[], object]]:
    """Start making the outputs planned ahead in `first` whose file is not current
    (produce.ahead); what it gives waits for them. Nothing when `first` is `whole`."""
    from .produce import Work, ahead

    if whole:
        return contextlib.nullcontext(lambda: None)
    todo, _ = stale(staging, first.outputs, first.pages)
    return ahead(Work(staging, first.layout, store.load, frozenset(), {}, (), tuning), todo)


def keep_site(staging: Staging) -> bool:
    """Keep every file of the current site as it is, by its key in the current tree's
    manifest (the releases page is made again: it lists the releases); False if there is
    no manifest or a file of it cannot be kept (removed by hand, say)."""
    from .site import RELEASES_PAGE

    current = staging.current
    kept = [current(path, key) for path, key in staging.linkable.items() if path != RELEASES_PAGE]
    return bool(kept) and all(kept)


def stale(
    staging: Staging, outputs: Sequence[Output], pages: Sequence[tuple[str, str, ArticleRef]]
) -> tuple[list[Output], frozenset[str]]:
    """The outputs to make and the ids of the article pages to write: those whose key
    differs from the key of the file in the tree (the others are kept there)."""
    todo = []
    for output in outputs:
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
    write = []
    for path, key, ref in pages:
        keys[path] = key
        if present.get(path) != key and not staging.current(path, key):
            write.append(ref.id)
    return todo, frozenset(write)


def _work(
    staging: Staging,
    planned: Plan,
    store: ArticleStore,
    todo: Sequence[Output],
    pages: frozenset[str],
    tuning: Tuning,
) -> Work:
    """What the passes do: the pages to write, and which articles each piece is for."""
    from .outputs import PIECES
    from .produce import Work

    chosen = set(pages)
    needs = {}
    for name in PIECES:
        shown = {e.id for output in todo if output.needs == name for e in output.shows}
        needs[name] = frozenset(shown)
        chosen |= shown
    chunked = tuple(sorted(chosen))  # in a stable order
    return Work(staging, planned.layout, store.load, pages, needs, chunked, tuning)
