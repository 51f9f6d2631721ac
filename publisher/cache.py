"""An incremental cache of per-file work, kept outside dist/ in one SQLite file.

Entries are keyed by the seed's path and its stat signature (size, mtime, ctime, inode),
and the whole cache by a fingerprint of the tool: its version, the schema and the source
of every module that shapes a record or its HTML. Any change there starts a fresh cache,
so a stale entry can never outlive the code that made it.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sqlite3
import sys
from collections.abc import Iterable, Iterator, Sequence
from functools import cache
from importlib import metadata
from importlib.resources import files
from pathlib import Path
from typing import Any

import orjson

from . import __version__

# Modules whose code decides what a seed turns into (record, verdict, rendered HTML,
# packed CSV rows).
_FINGERPRINTED = (
    "load.py",
    "parse.py",
    "markdown_text.py",
    "json_seed.py",
    "validate.py",
    "model.py",
    "render.py",
    "rows.py",
    "gfm.py",
    "schema.py",
)

Signature = tuple[int, int, int, int]


@cache
def tool_fingerprint() -> str:
    digest = hashlib.sha256(__version__.encode())
    package = files("publisher")
    for name in _FINGERPRINTED:
        digest.update(package.joinpath(name).read_bytes())
    digest.update(package.joinpath("schema/article.schema.json").read_bytes())
    return digest.hexdigest()[:16]


# Libraries whose output ends up in published bytes (Markdown, sanitising, templates,
# XML and JSON serialisation): upgrading one must rebuild everything.
_OUTPUT_LIBRARIES = ("cmarkgfm", "nh3", "jinja2", "markupsafe", "lxml", "feedgen", "orjson")


@cache
def build_fingerprint() -> str:
    """Every file of the package, the libraries that shape the output and Python itself:
    any change to them changes the output."""
    digest = hashlib.sha256(__version__.encode())
    digest.update(sys.version.encode())
    for library in _OUTPUT_LIBRARIES:
        try:
            digest.update(f"{library}={metadata.version(library)}".encode())
        except metadata.PackageNotFoundError:
            digest.update(f"{library}=?".encode())
    root = Path(str(files("publisher")))
    for path in sorted(root.rglob("*")):
        if path.is_file() and path.suffix in (".py", ".html", ".css", ".json", ".svg", ".ico"):
            digest.update(path.relative_to(root).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def output_identity(dist: Path) -> list[int] | None:
    """Which folder `dist` is (every build swaps in a new one: a new inode) and when its
    entries last changed. Files edited by hand deeper inside are not seen: --force."""
    try:
        st = dist.stat()
    except OSError:
        return None
    return [st.st_dev, st.st_ino, st.st_mtime_ns]


def build_stamp(dist: Path, inputs: str, settings: object) -> dict[str, Any]:
    """What a build of `dist` depended on; equal stamps mean equal output."""
    return {
        "dist": str(dist.absolute()),
        "tool": build_fingerprint(),
        "inputs": inputs,
        "settings": repr(settings),
    }


def up_to_date(folder: Path, stamp: dict[str, Any]) -> bool:
    """Whether the last build recorded for this dist had this stamp, and dist is still the
    folder it produced (a deleted or replaced dist/ is rebuilt)."""
    if os.environ.get("PUBLISHER_NO_CACHE"):
        return False
    try:
        recorded = json.loads((folder / "last-build.json").read_text("utf-8"))
    except (OSError, ValueError):
        return False
    identity = output_identity(Path(stamp["dist"]))
    return bool(identity) and recorded == {**stamp, "identity": identity}


def record_build(folder: Path, stamp: dict[str, Any]) -> None:
    with contextlib.suppress(OSError):
        folder.mkdir(parents=True, exist_ok=True)
        identity = output_identity(Path(stamp["dist"]))
        text = json.dumps({**stamp, "identity": identity}, indent=2)
        (folder / "last-build.json").write_text(text, "utf-8")


def stat_signatures(paths: Iterable[Path | str]) -> dict[str, str]:
    """signature() of each path as the cache keys it ("null" for a file that vanished),
    by str(path): one loop, not a call per seed (there are 100,000 of them on every
    build of a large archive)."""
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


def signature(path: Path) -> Signature | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino)


SQLITE_PAGE_SIZE = 1 << 16  # SQLite's largest


class Cache:
    """JSON values by (kind, key); `kind` separates seed verdicts from rendered HTML.

    JSON, not pickle: reading a cache must never be able to run code. (The snapshot of
    all verdicts, validate.SNAPSHOT, is marshal, which runs none either.)"""

    def __init__(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.path = folder / f"cache-{tool_fingerprint()}.sqlite"
        for stale in folder.glob("cache-*.sqlite*"):
            if not stale.name.startswith(self.path.name):
                stale.unlink(missing_ok=True)
        self.broken = False
        self.db = sqlite3.connect(self.path)
        # Large pages (for a new file; an existing one keeps its own): a record (~9 KB at
        # 100,000 articles) then fits in one page, not a chain of 4 KB overflow pages, and
        # a release reads its 2 GB in a sixteenth of the read() calls.
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

    def get_blob(self, kind: str) -> Any:
        """The one value stored under `kind` by put_blob (None if there is none)."""
        try:
            row = self.db.execute(
                "SELECT value FROM entries WHERE kind = ? AND key = ''", (kind,)
            ).fetchone()
            return None if row is None else _loads(row[0])
        except (sqlite3.Error, ValueError, TypeError):
            self.broken = True
            return None

    def put_blob(self, kind: str, value: Any) -> None:
        """Store `value` as the one value of `kind`: read back in one go by get_blob."""
        data = _dumps(value)
        self.put_raw(kind, [("", "", data)])

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
