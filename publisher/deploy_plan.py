"""What `publish deploy` sends: the files of dist/ against the manifest kept in the bucket.

The bucket holds a manifest (MANIFEST: path -> sha256 and size of each object deploy put
there), so a deploy compares hashes without listing or downloading the bucket. The plan:
- upload what is new or whose bytes changed, in three waves (wave): first articles, data
  and assets, then the pages that list them, last the entry points (the landing page, the
  subscription feeds, the feed list, the sitemap index, robots.txt and the release index),
  so a reader who follows a link from a page finds, as a rule, the file it names;
- then delete what dist/ no longer has, never a published release's file: a release folder
  (releases/vX.Y.Z/) that dist/ lacks, or whose bytes differ, refuses the whole deploy.
Each object's headers: serve.content_type's Content-Type, and a Cache-Control by how the
file changes (cache_control).
"""

from __future__ import annotations

import os
import re
from collections.abc import Container, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from .dataset import Stored
from .output import MARKER
from .problems import ReleaseError, UsageError
from .progress import Progress, silent
from .serve import content_type

MANIFEST = ".publisher-deploy.json"  # at the target's prefix: what deploy put there

# Cache-Control by kind of file.
IMMUTABLE = "public, max-age=31536000, immutable"  # published release files never change
ARCHIVED = "public, max-age=604800"  # older feed archive pages: change when an old article does
SHORT = "public, max-age=300"  # what changes with every new article
PAGE = "public, max-age=3600"  # other pages
# The list of the search indexes: a reader's browser must never use a list naming an index
# that a deploy has replaced (and deleted), so every use asks (a 1 kB answer, or a 304).
REVALIDATE = "no-cache"
SEARCH_LIST = "search/index.json"

_RELEASE_FILE = re.compile(r"releases/v\d+\.\d+\.\d+/")
_SUBSCRIPTION = re.compile(r"feeds/(all|[^/]+/[^/]+)\.(atom|rss|json)")
_ENTRY = frozenset(
    (
        "index.html",
        "robots.txt",
        "feeds/index.opml",
        "releases/index.json",
        "releases/latest.json",
        "releases/index.html",
        "sitemap.xml",
        SEARCH_LIST,  # names the year indexes: after them
    )
)
# A year's search index, named by its key (outputs/search.py): its bytes never change.
_SEARCH_INDEX = re.compile(r"search/\d{4}-[0-9a-f]{16}\.sqlite3")


# What the manifest holds, while a deploy runs, for a path it is about to send: the object
# may hold the old bytes, the new ones, or not exist (deploy.intent).
UNKNOWN = Stored(-1, "unknown")


@dataclass(frozen=True)
class Upload:
    path: str  # relative to dist/ and to the target's prefix
    size: int
    sha256: str
    content_type: str
    cache_control: str
    why: str  # "new" or "changed"


@dataclass(frozen=True)
class Delete:
    path: str
    size: int  # as the manifest has it


@dataclass(frozen=True)
class Plan:
    uploads: tuple[Upload, ...]  # by wave, then path
    deletes: tuple[Delete, ...]  # by path
    unchanged: int

    @property
    def upload_bytes(self) -> int:
        return sum(upload.size for upload in self.uploads)


def published(path: str) -> bool:
    """A file of a published release folder, never changed or deleted by a deploy."""
    return _RELEASE_FILE.match(path) is not None


def entry_point(path: str) -> bool:
    """A document readers start from: sent after everything it may link to."""
    return path in _ENTRY or _SUBSCRIPTION.fullmatch(path) is not None


def wave(path: str) -> int:
    """0: articles, data and assets; 1: the pages that list them; 2: the entry points."""
    if entry_point(path):
        return 2
    return 1 if path.endswith(".html") and not path.startswith("articles/") else 0


def cache_control(path: str, newest: Container[str] = frozenset()) -> str:
    """`newest`: the newest archive page of each feed, which takes entries from the feed's
    current document with every new article (so is short-lived, like it)."""
    if published(path) or _SEARCH_INDEX.fullmatch(path):
        return IMMUTABLE
    if path == SEARCH_LIST:
        return REVALIDATE
    if path.startswith("feeds/archive/"):
        return SHORT if path in newest else ARCHIVED
    if entry_point(path) or path.startswith("sitemaps/"):
        return SHORT
    return PAGE


def newest_archive_pages(paths: Iterable[str]) -> frozenset[str]:
    """The newest archive page of each feed and format (pages are named by period,
    "2019" or "2019-03", so the newest sorts last)."""
    newest: dict[tuple[str, str], str] = {}
    for path in paths:
        if path.startswith("feeds/archive/"):
            folder, _, name = path.rpartition("/")
            key = (folder, name.rpartition(".")[2])
            newest[key] = max(newest.get(key, path), path)
    return frozenset(newest.values())


def scan(dist: Path, known: Path | None = None, progress: Progress = silent) -> dict[str, Stored]:
    """Every file of dist/ (but its marker) by relative POSIX path, with its sha256.
    Raises UsageError naming a file that cannot be read. `progress` hears ("hash", files
    done, files).

    `known`: a file of hashes from the last scan, by path, device, inode, size and mtime
    (a build replaces a changed file by a new inode, and hard-links an unchanged one), so a
    scan reads only the files written since: 7 GB of dist/ at 100,000 articles is 17 s
    to hash whole, about a second to look up."""
    before = _load(known)
    seen: dict[str, list[Any]] = {}
    found: dict[str, Stored] = {}
    paths = _files(dist)
    for done, path in enumerate(paths, 1):
        relative = path.relative_to(dist).as_posix()
        try:
            relative.encode("utf-8")
            info = path.stat()
            stamp = [info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns]
            entry = before.get(relative)
            digest = entry[4] if entry is not None and entry[:4] == stamp else _sha256(path)
        except (OSError, UnicodeError) as exc:
            why = getattr(exc, "strerror", None) or "its name is not UTF-8"
            raise UsageError(
                f"cannot deploy {path}: {why}; remove it or rebuild {dist} with publish"
            ) from None
        seen[relative] = [*stamp, digest]
        found[relative] = Stored(info.st_size, digest)
        if done % 1000 == 0 or done == len(paths):
            progress("hash", done, len(paths))
    if known is not None:
        known.parent.mkdir(parents=True, exist_ok=True)
        partial = known.with_suffix(".tmp")
        partial.write_bytes(orjson.dumps(seen))
        partial.replace(known)
    return found


def _files(dist: Path) -> list[Path]:
    """The files of dist/ but its marker, in a stable order."""
    found = []
    for folder, folders, files in os.walk(dist):
        folders.sort()
        found += [Path(folder, name) for name in sorted(files)]
    return [path for path in found if path != dist / MARKER]


def _sha256(path: Path) -> str:
    return Stored.of_file(path).sha256


def _load(known: Path | None) -> dict[str, list[Any]]:
    """The hashes of the last scan; none if there is no such file or it is damaged."""
    try:
        loaded = orjson.loads(known.read_bytes()) if known is not None else {}
    except (OSError, ValueError):
        return {}
    return loaded if isinstance(loaded, dict) else {}


def plan(local: Mapping[str, Stored], remote: Mapping[str, Stored]) -> Plan:
    """The deploy that makes the bucket hold `local`, given what it holds (`remote`).
    Raises ReleaseError if it would change or delete a published release's file."""
    damaged = sorted(
        path
        for path, stored in remote.items()
        if published(path) and stored != UNKNOWN and local.get(path, stored) != stored
    )
    # Nothing under releases/ is deleted: a release folder is published for good, and the
    # index and page beside it are rewritten by every build, never dropped.
    missing = sorted(p for p in remote if p.startswith("releases/") and p not in local)
    if missing or damaged:
        raise ReleaseError(_refusal(missing, damaged))
    newest = newest_archive_pages(local)
    uploads = [
        Upload(
            path,
            stored.size,
            stored.sha256,
            content_type(path),
            cache_control(path, newest),
            "new" if path not in remote else "changed",
        )
        for path, stored in sorted(local.items())
        if remote.get(path) != stored
    ]
    uploads.sort(key=lambda upload: wave(upload.path))  # stable: by path within a wave
    deletes = tuple(Delete(p, remote[p].size) for p in sorted(remote) if p not in local)
    return Plan(tuple(uploads), deletes, len(local) - len(uploads))


def _refusal(missing: Iterable[str], damaged: Iterable[str]) -> str:
    lines = ["refused: a published release never changes, and deploy never deletes one"]
    for label, paths in (("missing from dist", missing), ("different in dist", damaged)):
        paths = list(paths)
        if paths:
            shown = ", ".join(paths[:5]) + (f" and {len(paths) - 5} more" if len(paths) > 5 else "")
            lines.append(f"  {label}: {shown}")
    lines.append(
        "  restore dist/releases/ as published (from the bucket, a backup or version control), "
        "check it with publish --validate, and deploy again"
    )
    return "\n".join(lines)
