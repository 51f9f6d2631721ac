"""Versioned, immutable dataset releases: plan one from the diff against the latest published
release, reading what is published; release_write.py then writes it (with a new
releases/index.json) into a build's staging folder.

dist/releases/
  index.json        {"name", "latest", "versions": [entry, ...]} oldest first
  latest.json       the newest entry
  vX.Y.Z/           datapackage.json, croissant.json, articles.jsonl.gz, articles.parquet
                    (or past 256 MB its shards, data/articles-*-of-*.parquet), articles.csv,
                    articles.spreadsheet.csv, articles.schema.json, delta/ (after the
                    first), CHANGELOG.md, changes.jsonl, CITATION.cff, .zenodo.json,
                    README.md, SHA256SUMS (releases cut by earlier versions of this tool
                    hold articles.jsonl and articles.json instead of the line file and the
                    table, and neither croissant.json nor .zenodo.json)
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from . import dataset
from .gzip_stream import open_maybe_gzipped
from .model import ArticleRef
from .problems import UsageError, no_such_day
from .schema import article_schema
from .schema_diff import SchemaChange, schema_change
from .versioning import (
    FIRST,
    Bump,
    Change,
    Published,
    ReleaseError,
    Version,
    bump_reason,
    choose_version,
    compute_bump,
    diff_records,
)

RELEASES = "releases"
INDEX = "index.json"
LATEST = "latest.json"
SUMS = "SHA256SUMS"
VERSION_FOLDER = re.compile(r"^v(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$")


Span = tuple[int, int]  # where a line is in a file: offset and length in bytes


@dataclass(frozen=True)
class ReleasePlan:
    """Everything one release will contain; computed without writing anything."""

    version: Version
    date: dt.date
    bump: Bump
    reason: str
    previous: Published | None
    published: tuple[Version, ...]
    changes: tuple[Change, ...]
    schema_change: SchemaChange
    entries: tuple[ArticleRef, ...]  # the records it holds, in canonical order: sorted by id
    schema: dict[str, Any]
    # Where each changed record's line is in the previous release's articles.jsonl
    # (`old_records`): the data files, which read the new records anyway, read those old
    # lines alone to tell which fields changed (noting_fields).
    old_records: Path | None = None
    old_lines: Mapping[str, Span] = dataclasses.field(default_factory=dict)

    @property
    def folder(self) -> str:
        return f"{RELEASES}/v{self.version}"

    @property
    def records(self) -> int:
        return len(self.entries)

    def count(self, op: str) -> int:
        return sum(1 for change in self.changes if change.op == op)

    @property
    def summary(self) -> dict[str, int]:
        return {op: self.count(op) for op in ("added", "changed", "removed")}


# -- dates ---------------------------------------------------------------------------------


def release_date(
    given: str | None,
    environ: Mapping[str, str],
    clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
) -> dt.date:
    """--date, else SOURCE_DATE_EPOCH, else today in UTC (the clock is read here, once)."""
    if given is not None:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", given):
            raise UsageError(f"--date {given!r} is not of the form YYYY-MM-DD (e.g. 2026-01-31)")
        why = no_such_day(given)
        if why is not None:
            raise UsageError(f"--date {given!r} is not a real date ({why})")
        return dt.date.fromisoformat(given)
    epoch = environ.get("SOURCE_DATE_EPOCH")
    if epoch:
        try:
            return dt.datetime.fromtimestamp(int(epoch), dt.UTC).date()
        except (ValueError, OverflowError, OSError):
            raise UsageError(f"SOURCE_DATE_EPOCH={epoch!r} is not a Unix timestamp") from None
    return clock().astimezone(dt.UTC).date()


# -- the published releases ----------------------------------------------------------------


def read_index(dist: Path) -> tuple[Published, ...]:
    """The published versions, oldest first. Raises ReleaseError when the index is broken."""
    root = dist / RELEASES
    index = root / INDEX
    if not index.exists():
        folders = sorted(p.name for p in root.glob("v*") if VERSION_FOLDER.match(p.name))
        if folders:
            raise ReleaseError(f"{index} is missing but {root} holds {', '.join(folders)}")
        return ()
    try:
        document = json.loads(index.read_text("utf-8"))
        entries = tuple(Published.from_dict(entry) for entry in document["versions"])
    except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError) as exc:
        raise ReleaseError(f"cannot read {index}: {exc}") from None
    versions = [entry.version for entry in entries]
    if versions != sorted(set(versions)):
        raise ReleaseError(f"{index}: versions must be listed once each, oldest first")
    return entries


def published_records_path(dist: Path, version: Version) -> Path:
    """The line file of a published version: articles.jsonl.gz, or articles.jsonl in a
    release made before it was compressed (published releases are never rewritten)."""
    folder = dist / RELEASES / f"v{version}"
    compressed = folder / "articles.jsonl.gz"
    return compressed if compressed.exists() else folder / "articles.jsonl"


def _published_records(
    dist: Path, version: Version, current: Mapping[str, str] | None = None
) -> tuple[dict[str, tuple[str, str]], dict[str, Span]]:
    """id -> (sha256 of the canonical line, title) of a published version's records, read
    a line at a time (the file grows with the archive: too big to hold). The hash is of the
    line as this version writes it, so a release made by an older one diffs by content.
    And, from the same pass, where the line is of each record whose hash differs from its
    digest in `current` (id -> digest): the records changed since."""
    path = published_records_path(dist, version)
    current = current or {}
    found: dict[str, tuple[str, str]] = {}
    changed: dict[str, Span] = {}
    offset = 0
    try:
        with open_maybe_gzipped(path) as lines:
            for line in lines:
                start, offset = offset, offset + len(line)
                if line == b"\n":
                    continue
                record = orjson.loads(line)
                record_id, digest = record["id"], dataset.record_sha256(record)
                found[record_id] = (digest, record["title"])
                if current.get(record_id, digest) != digest:
                    changed[record_id] = (start, len(line))
        return found, changed
    except (OSError, EOFError, UnicodeDecodeError, ValueError, KeyError, TypeError) as exc:
        raise ReleaseError(
            f"cannot read the records of release {version} ({path}): {exc}"
        ) from None


def _published_schema(dist: Path, version: Version) -> dict[str, Any]:
    path = dist / RELEASES / f"v{version}" / "articles.schema.json"
    try:
        schema: dict[str, Any] = json.loads(path.read_text("utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise ReleaseError(f"cannot read the schema of release {version} ({path}): {exc}") from None
    return schema


# -- planning ------------------------------------------------------------------------------


def plan_release(
    entries: Iterable[ArticleRef], dist: Path, date: dt.date, version: str | None = None
) -> ReleasePlan:
    """The next release of the records of `entries`, planned from their digests and titles
    alone (no record is loaded). Raises ReleaseError when there is nothing to release,
    the declared version is refused or the date precedes the latest release; UsageError for
    a malformed --version."""
    try:
        declared = Version.parse(version) if version is not None else None
    except ValueError as exc:
        raise UsageError(f"--version: {exc}") from None
    records = tuple(sorted(entries, key=lambda entry: entry.id))
    current = {entry.id: (entry.digest, entry.title) for entry in records}
    schema = article_schema()
    index = read_index(dist)
    previous = index[-1] if index else None
    old_lines: dict[str, Span] = {}
    if previous is None:
        changes = diff_records({}, current)
        schema_diff = SchemaChange("none", ())
        bump: Bump | None = "initial" if records else None
        computed = FIRST
    else:
        if date < previous.date:
            raise ReleaseError(
                f"the release date {date} is before the latest release {previous.version} "
                f"({previous.date}): give --date {previous.date} or later"
            )
        digests = {record_id: digest for record_id, (digest, _) in current.items()}
        old, old_lines = _published_records(dist, previous.version, digests)
        changes = diff_records(old, current)
        try:
            schema_diff = schema_change(_published_schema(dist, previous.version), schema)
        except ValueError as exc:
            raise ReleaseError(
                f"cannot compare the schema of release {previous.version}: {exc}"
            ) from None
        bump = compute_bump(changes, schema_diff)
        computed = previous.version.bumped(bump) if bump else previous.version
    if bump is None:
        latest = f" since {previous.version}" if previous else ""
        raise ReleaseError(f"nothing to release: no record or schema changed{latest}")
    published = tuple(entry.version for entry in index)
    return ReleasePlan(
        version=choose_version(computed, published, declared),
        date=date,
        bump=bump,
        reason=bump_reason(changes, schema_diff) if previous else "first release",
        previous=previous,
        published=published,
        changes=changes,
        schema_change=schema_diff,
        entries=records,
        schema=schema,
        old_records=published_records_path(dist, previous.version) if previous else None,
        old_lines=old_lines,
    )
