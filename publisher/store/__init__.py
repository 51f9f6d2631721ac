"""The article store: every valid article's ArticleRef, and its record when a build or a
release needs it, behind one interface (ArticleStore).

    memory.py    MemoryStore: articles already in memory
    records.py   SeedStore: the records of a checked seeds folder, read back from the cache
    check.py     the cached, parallel check of a seeds folder, which makes the SeedStore
    snapshot.py  every seed's verdict in one value of the cache
    sqlite.py    the cache itself (SQLite)

A build loads only the articles it renders (a rebuild after one edit loads the few that the
changed files show); a release streams the records' canonical dataset `lines` and what the
CSV files need of them, `rows`, rather than articles. This package may use the engine
(publisher.engine) and its knobs (tuning.Tuning); the domain modules it calls never do.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Protocol

from ..model import Article, ArticleRef
from ..rows import Item
from .memory import MemoryStore
from .records import ChangedDuringBuild, SeedStore

__all__ = ["ArticleStore", "ChangedDuringBuild", "MemoryStore", "SeedStore"]


class ArticleStore(Protocol):
    """The articles to publish: every ArticleRef, and their records by id."""

    @property
    def entries(self) -> tuple[ArticleRef, ...]:
        """Every valid article, sorted by id."""
        ...

    def load(self, ids: Sequence[str]) -> dict[str, Article]:
        """The articles of `ids`, by id."""
        ...

    def lines(self, ids: Sequence[str]) -> Iterator[bytes]:
        """The canonical dataset line (no LF) of each article's record, in the order of
        `ids`: what a release's JSON files are made of."""
        ...

    def rows(self, ids: Sequence[str]) -> Iterator[Item]:
        """What the CSV files need of each article's record (rows.unpacked: a packed row
        or the record's line), in the order of `ids`."""
        ...
