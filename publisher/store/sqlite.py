"""The incremental cache of per-file work, kept outside dist/ in one SQLite file.

Entries are keyed by the seed's path and its stat signature (size, mtime, ctime, inode),
and the whole cache by a fingerprint of the tool (fingerprint.tool_fingerprint): its
version, the schema and the source of every module that shapes a record or its HTML. Any
change there starts a fresh cache, so a stale entry can never outlive the code that made it.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import orjson

from ..fingerprint import tool_fingerprint


def stat_signatures(paths: Iterable[Path | str]) -> dict[str, str]:
    """The stat signature (size, mtime, ctime, inode) of each path as the cache keys it
    ("null" for a file that vanished), by str(path): one loop, not a call per seed (there
    are 100,000 of them on every build of a large archive)."""
    found: dict[str, str] = {}
    stat = os.stat
    for path in paths:
        try:
            st = stat(path)
        except OSError:
            found[str(path)] = "null"
        else:
            found[str(path)] = f"[{st.st_size}, {st.st_mtime_ns}, {st.st_ctime_ns}, {st.st_ino}]"
    return found


SQLITE_PAGE_SIZE = 1 << 16  # SQLite's largest


class Cache:
    """JSON values by (kind, key); `kind` separates seed verdicts from rendered HTML.

    JSON, not pickle: reading a cache must never be able to run code. (The snapshot of
    all verdicts, snapshot.SNAPSHOT, is marshal, which runs none either.)"""

    def __init__(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.path = folder / f"cache-{tool_fingerprint()}.sqlite"
        for stale in folder.glob("cache-*.sqlite*"):
            if not stale.name.startswith(self.path.name):
                stale.unlink(missing_ok=True)
        self.broken = False
        self.db = sqlite3.connect(self.path)
        # Large pages (for a new file; an existing one keeps its own): a record then fits
        # in one page, not a chain of 4 KB overflow pages, and a release reads the cache
        # in a sixteenth of the read() calls.
        self.db.execute(f"PRAGMA page_size={SQLITE_PAGE_SIZE}")
        self.db.execute("PRAGMA journal_mode=WAL")
        # A cache needs no durability, and an fsync here would wait for the writeback of
        # everything the build before wrote (ext4 ordered mode): seconds on a large site.
        # A cache damaged by a power cut is detected and dropped.
        self.db.execute("PRAGMA synchronous=OFF")
        self.db.execute(
            "CREATE TABLE IF NOT EXISTS entries ("
            " kind TEXT, key TEXT, signature TEXT, value BLOB, PRIMARY KEY (kind, key))"
        )

    def get_many(self, kind: str, wanted: dict[str, str]) -> dict[str, Any]:
        """Values for the keys whose stored signature equals the wanted one. A damaged
        cache answers nothing (and is dropped): the work is simply redone."""
        found: dict[str, Any] = {}
        try:
            keys = list(wanted)
            for start in range(0, len(keys), 500):
                batch = keys[start : start + 500]
                marks = ",".join("?" * len(batch))
                query = "SELECT key, signature, value FROM entries WHERE kind = ? AND key IN "
                rows = self.db.execute(f"{query}({marks})", (kind, *batch))
                for key, stored, value in rows:
                    if wanted[key] == stored:
                        found[key] = _loads(value)
        except (sqlite3.Error, ValueError, TypeError):
            self.broken = True
            return {}
        return found

    def get_raw(self, kind: str, keys: Sequence[str]) -> dict[str, bytes]:
        """Values for `keys` as stored (JSON), whatever their signature: the caller checks
        what it gets."""
        found: dict[str, bytes] = {}
        try:
            for start in range(0, len(keys), 500):
                batch = keys[start : start + 500]
                marks = ",".join("?" * len(batch))
                rows = self.db.execute(
                    f"SELECT key, value FROM entries WHERE kind = ? AND key IN ({marks})",
                    (kind, *batch),
                )
                for key, value in rows:
                    found[key] = bytes(value)
        except (sqlite3.Error, TypeError):
            self.broken = True
            return {}
        return found

    def put_many(self, kind: str, items: Iterable[tuple[str, str, Any]]) -> None:
        self.put_raw(
            kind,
            ((key, sig, _dumps(value)) for key, sig, value in items),
        )

    def put_raw(self, kind: str, items: Iterable[tuple[str, str, bytes]]) -> None:
        """put_many for values already serialised as JSON."""
        if self.broken:
            return
        with contextlib.suppress(sqlite3.Error), self.db:
            self.db.executemany(
                "INSERT OR REPLACE INTO entries VALUES (?, ?, ?, ?)",
                ((kind, key, sig, value) for key, sig, value in items),
            )

    def count(self, kind: str) -> int:
        """How many values of `kind` are stored (0 for a broken cache)."""
        if self.broken:
            return 0
        try:
            row = self.db.execute("SELECT COUNT(*) FROM entries WHERE kind = ?", (kind,)).fetchone()
        except sqlite3.Error:
            return 0
        return int(row[0])

    def prune(self, kind: str, keep: Iterable[str]) -> None:
        """Forget entries of `kind` whose key is not in `keep` (deleted seeds)."""
        if self.broken:
            return
        kept = set(keep)
        with contextlib.suppress(sqlite3.Error):
            query = "SELECT key FROM entries WHERE kind = ?"
            stale = [(kind, key) for (key,) in self.db.execute(query, (kind,)) if key not in kept]
            if stale:
                with self.db:
                    self.db.executemany("DELETE FROM entries WHERE kind = ? AND key = ?", stale)

    def close(self) -> None:
        self.db.close()
        if self.broken:  # start afresh next time
            for path in self.path.parent.glob(self.path.name + "*"):
                path.unlink(missing_ok=True)


def _dumps(value: Any) -> bytes:
    try:
        return orjson.dumps(value)
    except TypeError:  # a lone surrogate (from a JSON seed's escapes): ASCII escapes
        return json.dumps(value).encode()


def _loads(data: bytes) -> Any:
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError:  # what _dumps escaped for orjson, the stdlib reads
        return json.loads(data)


def storable(keys: Iterable[str]) -> bool:
    """Whether every key can be stored (SQLite text is UTF-8: a file name that is not
    decodes to lone surrogates, and such a run goes without the cache)."""
    for key in keys:
        if not key.isascii():
            try:
                key.encode("utf-8")
            except UnicodeEncodeError:
                return False
    return True


@contextlib.contextmanager
def opened(folder: Path | None) -> Iterator[Cache | None]:
    """A Cache for `folder`, or None when caching is off or the folder is unusable."""
    if folder is None or os.environ.get("PUBLISHER_NO_CACHE"):
        yield None
        return
    try:
        store = Cache(folder)
    except (OSError, sqlite3.Error):
        yield None  # a cache is an optimisation: never fail a build over it
        return
    try:
        yield store
    finally:
        store.close()
