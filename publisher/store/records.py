"""The records of a checked seeds folder, read back when a build or a release needs them.

A check keeps each valid seed's record (its canonical dataset line, model.record_line) and
packed CSV rows in the cache; only its ArticleRef stays in memory. SeedStore reads them
back a batch at a time (Tuning.record_batch), so a release of any size holds only one
batch, and checks each line against its ref's digest: a seed edited since it was checked
is refused (ChangedDuringBuild), never published unchecked.
"""

from __future__ import annotations

import bisect
import contextlib
import hashlib
import operator
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import orjson

from ..model import Article, ArticleRef, record_line
from ..rows import Item, from_store
from ..tuning import DEFAULT, Tuning
from ..validate import check_file
from .sqlite import Cache, opened, storable

_ID = operator.attrgetter("id")


class ChangedDuringBuild(Exception):
    """A seed was edited between checking it and publishing it."""


@dataclass(frozen=True, eq=False)
class SeedStore:
    """The valid articles of a checked seeds folder (an ArticleStore): their refs, and
    their records from `fresh` (the record lines the check parsed and no cache keeps, by
    seed path), else from the cache folder `cache_dir`, else parsed again from the seeds
    under `root` (the cache is an optimisation and may have lost them).

    check.check_seeds makes it; SeedStore(refs, cache_dir, root) reads the records of
    any refs a check made with that cache folder."""

    entries: tuple[ArticleRef, ...]  # every valid article, sorted by id
    cache_dir: Path | None = None
    root: Path | None = None
    fresh: Mapping[str, bytes] = field(default_factory=dict, repr=False)
    tuning: Tuning = DEFAULT

    def refs(self, ids: Sequence[str]) -> list[ArticleRef]:
        """The refs of `ids`, in their order. Found in `entries` (sorted by id) by walking
        on from the last one found, else by bisection: no index by id, which would cost
        megabytes at the peak of a large release (whose ids come in entries' order)."""
        entries, found, at = self.entries, [], 0
        for article_id in ids:
            if at >= len(entries) or entries[at].id != article_id:
                at = bisect.bisect_left(entries, article_id, key=_ID)
                if at >= len(entries) or entries[at].id != article_id:  # not sorted by id
                    at = [e.id for e in entries].index(article_id)  # ValueError if absent
            found.append(entries[at])
            at += 1
        return found

    def load(self, ids: Sequence[str]) -> dict[str, Article]:
        """The articles of `ids`, by id (read as `lines` reads them)."""
        wanted = self.refs(ids)
        lines = self._lines(wanted)
        return {
            entry.id: Article.from_record(orjson.loads(line))
            for entry, line in zip(wanted, lines, strict=True)
        }

    def lines(self, ids: Sequence[str]) -> Iterator[bytes]:
        """The canonical dataset line (model.record_line) of each article's record, in the
        order of `ids`, a batch at a time. Raises ChangedDuringBuild when a seed changed
        since it was checked."""
        return self._lines(self.refs(ids))

    def rows(self, ids: Sequence[str]) -> Iterator[Item]:
        """What the CSV files need of each article's record (rows.unpacked), in the order
        of `ids`: its packed row, kept in the cache since its seed was checked, if made
        from this very record and whole (from_store); else its line, as `lines` gives it.
        Read a batch at a time."""
        return self._rows(self.refs(ids))

    def _lines(self, entries: Sequence[ArticleRef]) -> Iterator[bytes]:
        batch_size = self.tuning.record_batch
        with self._cache(entries) as store:
            for start in range(0, len(entries), batch_size):
                yield from _lines(entries[start : start + batch_size], self.fresh, store, self.root)

    def _rows(self, entries: Sequence[ArticleRef]) -> Iterator[Item]:
        fresh, batch_size = self.fresh, self.tuning.record_batch
        with self._cache(entries) as store:
            for start in range(0, len(entries), batch_size):
                batch = entries[start : start + batch_size]
                wanted = [entry.source for entry in batch if entry.source not in fresh]
                made = store.get_raw("row", wanted) if store and wanted else {}
                good: dict[str, Item] = {}
                for entry in batch:
                    value = made.get(entry.source)
                    row = None if value is None else from_store(value, entry.digest)
                    if row is not None:
                        good[entry.source] = row
                missing = [entry for entry in batch if entry.source not in good]
                lines = _lines(missing, fresh, store, self.root)
                for entry in batch:
                    item = good.get(entry.source)
                    yield next(lines) if item is None else item

    def _cache(
        self, entries: Sequence[ArticleRef]
    ) -> contextlib.AbstractContextManager[Cache | None]:
        """The cache, if any entry's record is to be read from it."""
        reads = any(entry.source not in self.fresh for entry in entries)
        usable = reads and storable(entry.source for entry in entries)
        return opened(self.cache_dir if usable else None)


def _lines(
    batch: Sequence[ArticleRef], fresh: Mapping[str, bytes], store: Cache | None, root: Path | None
) -> Iterator[bytes]:
    """The lines of one batch: from `fresh`, else read from `store`, else parsed again."""
    wanted = [entry.source for entry in batch if entry.source not in fresh]
    cached = store.get_raw("record", wanted) if store and wanted else {}
    for entry in batch:
        blob = fresh.get(entry.source)
        if blob is None:
            blob = cached.get(entry.source)
        yield _checked_line(entry, blob, root)


def _checked_line(entry: ArticleRef, line: bytes | None, root: Path | None) -> bytes:
    """`line` if it is the record `entry` was made from, else the seed's record parsed
    again if that is; else the seed changed since it was checked."""
    if line is not None and hashlib.sha256(line).hexdigest() == entry.digest:
        return line
    record = check_file(Path(entry.source), root)[0]
    if record is not None:
        line = record_line(record)
        if hashlib.sha256(line).hexdigest() == entry.digest:
            return line
    raise ChangedDuringBuild(f"{entry.source} changed during the build: run publish again")
