"""The check of a seeds folder: every seed read, parsed and validated (validate.py), on
every core when there are many, with each verdict cached so that only new and edited seeds
are checked again. Its result is the CheckResult (the report) and the SeedStore (the valid
articles' records, for the build). This module is part of the cache's fingerprint.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import operator
from collections.abc import Generator, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import orjson

from ..engine import collector, interrupt
from ..engine.parallel import process_pool
from ..load import display_name, scan_seeds, stray_warnings
from ..model import ArticleRef, index_of, record_line
from ..problems import Problem, sort_key
from ..progress import Progress, silent
from ..rows import packed_row, stored
from ..tuning import DEFAULT, Tuning
from ..validate import CheckResult, check_file
from .records import SeedStore
from .snapshot import Found, Index, known_verdicts, store_verdicts
from .sqlite import Cache, opened, stat_signatures, storable

Signed = tuple[dict[str, str], str]  # seed_signatures of the seeds


def check_folder(
    folder: Path,
    cache_dir: Path | None = None,
    *,
    articles: bool = True,
    progress: Progress = silent,
    signed: Signed | None = None,
    tuning: Tuning = DEFAULT,
) -> CheckResult:
    """check_paths for the seeds in `folder`; `signed` is seed_signatures of them when the
    caller has it already."""
    result, store = check_seeds(folder, cache_dir, progress=progress, signed=signed, tuning=tuning)
    return with_articles(result, store) if articles else result


def check_seeds(
    folder: Path,
    cache_dir: Path | None = None,
    *,
    progress: Progress = silent,
    signed: Signed | None = None,
    tuning: Tuning = DEFAULT,
) -> tuple[CheckResult, SeedStore]:
    """check_folder without loading the articles (its `articles` are empty), and the store
    the build reads them from: what the pipeline publishes from."""
    strays: list[str] = []
    paths = list(signed[0]) if signed else scan_seeds(folder, strays)
    result, store = _check(paths, folder, cache_dir, progress, signed, tuning)
    if strays:
        result = replace(result, warnings=stray_warnings(strays))
    return result, store


def check_paths(
    paths: Sequence[Path | str],
    root: Path | None = None,
    cache_dir: Path | None = None,
    *,
    articles: bool = True,
    progress: Progress = silent,
    signed: Signed | None = None,
    tuning: Tuning = DEFAULT,
) -> CheckResult:
    """Load, parse and validate every file; collect every problem, including duplicate ids.

    With a cache folder, files whose stat signature is unchanged since the last run reuse
    that run's verdict, so only new and edited files are parsed and validated again. With
    `articles=False` (plain validation) the valid records are not even loaded.
    """
    result, store = _check(paths, root, cache_dir, progress, signed, tuning)
    return with_articles(result, store) if articles else result


def with_articles(result: CheckResult, store: SeedStore) -> CheckResult:
    """`result` with its valid articles loaded, in the order of its entries."""
    loaded = store.load([entry.id for entry in result.entries])
    return replace(result, articles=tuple(loaded[e.id] for e in result.entries))


def seed_signatures(paths: Sequence[Path | str]) -> Signed:
    """Each seed's stat signature (as the cache keys it), and a digest of them all that
    changes with any edit, addition, removal or rename."""
    signatures = stat_signatures(paths)
    items = sorted(signatures.items())
    try:
        data = orjson.dumps(items)
    except TypeError:  # a file name that is not UTF-8 (lone surrogates)
        data = json.dumps(items).encode()
    digest = hashlib.sha256(data).hexdigest()
    return signatures, digest


def _check(
    paths: Sequence[Path | str],
    root: Path | None,
    cache_dir: Path | None,
    progress: Progress,
    signed: Signed | None,
    tuning: Tuning,
) -> tuple[CheckResult, SeedStore]:
    """check_paths without loading the articles, and the store of their records."""
    keys = [str(path) for path in paths]
    signatures, digest = signed or seed_signatures(paths)
    with opened(cache_dir if storable(keys) else None) as store:
        index: Index = {}
        found: Found = {}
        with collector.paused():  # not around the pool below: its workers fork from here
            outdated, removed = known_verdicts(store, signatures, index, found)
        absent = signatures.keys() - index.keys()
        todo = [Path(key) for key in keys if key in absent] if absent else []
        fresh = _check_new(todo, root, store, signatures, index, found, progress, tuning)
        with collector.paused():
            if store is not None:
                slack = tuning.snapshot_slack
                store_verdicts(store, signatures, index, found, outdated, removed, slack)
            result, entries = _assemble(keys, index, found)
            entries.sort(key=operator.attrgetter("id"))
            result = replace(result, inputs=digest, entries=tuple(entries))
            seeds = SeedStore(result.entries, cache_dir, root, fresh, tuning)
    return result, seeds


def _check_new(
    todo: Sequence[Path],
    root: Path | None,
    store: Cache | None,
    signatures: dict[str, str],
    index: Index,
    found: Found,
    progress: Progress,
    tuning: Tuning,
) -> dict[str, bytes]:
    """Check the seeds of `todo`; put their verdicts in `index` and `found`, and in the
    cache as they come. Returns their record lines that no cache keeps, by seed path."""
    records: dict[str, bytes] = {}  # held only without a cache
    rows: dict[str, bytes] = {}
    pack = store is not None and not store.broken  # a release packs them otherwise
    # closed at once when interrupted: its pool is killed now, not when freed
    with contextlib.closing(_verdicts(todo, root, progress, pack, tuning)) as batches:
        for batch in batches:
            interrupt.check()  # one the pool's forks swallowed
            for path, (value, problems, blob, row) in batch:
                key = str(path)
                index[key] = None if value is None else ArticleRef.from_index(value, key)
                if problems:
                    found[key] = problems
                if blob is not None:
                    records[key] = blob
                if row is not None:
                    rows[key] = row
            if store is not None and not store.broken:
                fresh = [(str(path), checked) for path, checked in batch]
                store.put_many("seed", ((k, signatures[k], c[:2]) for k, c in fresh))
                for kind, values in (("record", records), ("row", rows)):
                    store.put_raw(
                        kind, ((k, signatures[k], values[k]) for k, _ in fresh if k in values)
                    )
                records.clear()
            rows.clear()
    return records


# A file's verdict as the check passes it on: the ArticleRef fields of its record (None if
# invalid), its problems, its record_line and its packed CSV rows (both to be cached,
# not kept in memory).
Checked = tuple[list[Any] | None, list[tuple[int | None, str, str]], bytes | None, bytes | None]


def _checked(path: Path, root: Path | None, pack: bool = True) -> Checked:
    """The verdict of one file; its CSV rows are packed only if a cache will keep them."""
    record, problems = check_file(path, root)
    if record is None:
        return None, problems, None, None
    line = record_line(record)  # cached as a release publishes it: read back as it is
    index = index_of(record, line)
    row = stored(index[-1], packed_row(record)) if pack else None
    return index, problems, line, row


def _check_chunk(chunk: list[tuple[Path, Path | None, bool]]) -> list[Checked]:
    done = []
    for path, root, pack in chunk:
        interrupt.check()  # a worker stops between seeds when the build is interrupted
        done.append(_checked(path, root, pack))
    return done


def _verdicts(
    paths: Sequence[Path],
    root: Path | None,
    progress: Progress = silent,
    pack: bool = True,
    tuning: Tuning = DEFAULT,
) -> Generator[list[tuple[Path, Checked]], None, None]:
    """_checked for every path, on every core (up to tuning.check_workers) when there are
    many, in batches as they complete (so the records can be stored away rather than
    held). Below tuning.check_parallel_from seeds, starting workers costs more than it
    saves: in this process."""
    workers = tuning.processes(tuning.check_workers)
    if len(paths) < tuning.check_parallel_from or workers < 2:
        yield [(path, _checked(path, root, pack)) for path in paths]
        return
    size = max(64, min(1000, len(paths) // (workers * 8)))
    chunks = [list(paths[i : i + size]) for i in range(0, len(paths), size)]
    done = 0
    with process_pool(workers) as pool:
        work = ([(path, root, pack) for path in chunk] for chunk in chunks)
        for chunk, verdicts in zip(chunks, pool.map(_check_chunk, work), strict=True):
            done += len(chunk)
            progress("checking", done, len(paths))
            yield list(zip(chunk, verdicts, strict=True))


def _assemble(
    keys: Sequence[str], index: Index, found: Found
) -> tuple[CheckResult, list[ArticleRef]]:
    """Problems in a stable order, and the valid entries (in no particular order: the
    caller sorts them by id); a repeated id is a problem of the later file."""
    if not found:  # every seed valid (an invalid one has problems): the usual case
        valid = [entry for entry in index.values() if entry is not None]
        if len(valid) == len(keys) == len({e.id for e in valid}):
            return CheckResult(len(keys), (), (), tuple(keys)), valid
    problems: list[Problem] = []
    owners: dict[str, str] = {}
    valid_keys: list[str] = []
    valid = []
    for key in keys:
        entry = index[key]
        if found.get(key):
            name = display_name(Path(key))
            problems.extend(Problem(name, line, where, text) for line, where, text in found[key])
        if entry is None:
            continue
        article_id = entry.id
        if article_id in owners:
            problems.append(
                Problem(
                    display_name(Path(key)),
                    None,
                    "$.id",
                    f"id {article_id!r} is already used by "
                    f"{display_name(Path(owners[article_id]))}: "
                    "rename one of the two files (or change its JSON 'id')",
                )
            )
            continue
        owners[article_id] = key
        valid_keys.append(key)
        valid.append(entry)
    problems.sort(key=sort_key)
    return CheckResult(len(keys), (), tuple(problems), tuple(valid_keys)), valid
