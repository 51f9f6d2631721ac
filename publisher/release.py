"""Versioned, immutable dataset releases: plan one from the diff against the latest published
release, then write it (with a new releases/index.json) into a build's staging folder.

dist/releases/
  index.json        {"name", "latest", "versions": [entry, ...]} oldest first
  latest.json       the newest entry
  vX.Y.Z/           datapackage.json, articles.{jsonl,json,csv}, articles.spreadsheet.csv,
                    articles.schema.json,
                    CHANGELOG.md, changes.jsonl, CITATION.cff, README.md, SHA256SUMS
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import importlib.resources
import itertools
import json
import os
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import orjson

from . import dataset, dataset_docs
from .config import Settings
from .engine.parallel import started
from .model import ArticleRef
from .output import Staging
from .problems import UsageError, no_such_day
from .rows import Item
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


def changed_fields(old: Mapping[str, Any], new: Mapping[str, Any]) -> tuple[str, ...]:
    """The fields whose value differs (or that one of the two lacks), sorted."""
    names = sorted(old.keys() | new.keys())
    changed = tuple(n for n in names if n not in old or n not in new or old[n] != new[n])
    if not changed:  # equal as Python values (1 == 1.0 == True): compare as JSON
        json = dataset.canonical_json_bytes
        changed = tuple(n for n in names if json(old[n]) != json(new[n]))
    return changed


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
    return dist / RELEASES / f"v{version}" / "articles.jsonl"


def _published_records(
    dist: Path, version: Version, current: Mapping[str, str] | None = None
) -> tuple[dict[str, tuple[str, str]], dict[str, Span]]:
    """id -> (sha256 of the canonical line, title) of a published version's records, read
    a line at a time (the file is about a gigabyte at 100,000 records). The hash is of the
    line as this version writes it, so a release made by an older one diffs by content.
    And, from the same pass, where the line is of each record whose hash differs from its
    digest in `current` (id -> digest): the records changed since."""
    path = published_records_path(dist, version)
    current = current or {}
    found: dict[str, tuple[str, str]] = {}
    changed: dict[str, Span] = {}
    offset = 0
    try:
        with path.open("rb") as lines:
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
    except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError) as exc:
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


# -- writing -------------------------------------------------------------------------------


def keep_versions(staging: Staging) -> None:
    """Carry every published version folder over unchanged (not the index: a new release
    writes a new one; not the site's releases page: each build writes it)."""
    written = {f"{RELEASES}/{name}" for name in (INDEX, LATEST, "index.html")}
    staging.mirror(RELEASES, skip=written)


def schema_bytes() -> bytes:
    """schema/article.schema.json exactly as shipped (the file article_schema() reads)."""
    return (
        importlib.resources.files("publisher").joinpath("schema/article.schema.json").read_bytes()
    )


Open = Callable[[str], AbstractContextManager[BinaryIO]]  # a new file of the version folder
Lines = Callable[[Sequence[str]], Iterator[bytes]]  # the records' lines by id: ArticleStore.lines
Rows = Callable[[Sequence[str]], Iterator[Item]]  # for the CSV files, by id: ArticleStore.rows


def release_files(
    plan: ReleasePlan, settings: Settings, lines: Lines, rows: Rows, open_file: Open
) -> dict[str, dataset.Stored]:
    """Write every file of the version folder. The data files are streamed from the
    records, never held whole: at 100,000 records they come to gigabytes."""
    with data_files(plan, lines, rows, open_file) as data:
        return version_files(plan, settings, data, open_file)


def version_files(
    plan: ReleasePlan, settings: Settings, data: DataFiles, open_file: Open
) -> dict[str, dataset.Stored]:
    """Every file of the version folder, SHA256SUMS last (it covers all the others). What
    does not depend on the data files is written first, while they are still being made
    (the changes of a first release of 100,000 records take ~0.7 s); the changes wait for
    the JSON files when records changed, to name the fields that did."""
    files: Written = {}

    def put(name: str, content: bytes) -> None:
        with open_file(name) as out:
            out.write(content)
        files[name] = dataset.Stored.of(content)

    def put_changes(plan: ReleasePlan) -> None:
        put(
            "changes.jsonl",
            b"".join(
                dataset.canonical_json_bytes(change.as_dict(), newline=True)
                for change in plan.changes
            ),
        )
        put("CHANGELOG.md", dataset_docs.changelog(plan, settings).encode())

    put("articles.schema.json", schema_bytes())
    put("CITATION.cff", dataset_docs.citation(plan, settings).encode())
    if not plan.old_lines:
        put_changes(plan)
    json_files, fields = data.json()
    files.update(json_files)
    if plan.old_lines:
        changes = tuple(
            dataclasses.replace(change, fields=fields[change.id])
            if change.op == "changed"
            else change
            for change in plan.changes
        )
        put_changes(dataclasses.replace(plan, changes=changes))
    tables, summary = data.csv()
    files.update(tables)
    package = dataset.datapackage(settings, str(plan.version), plan.date, summary.sources, files)
    put("datapackage.json", (json.dumps(package, indent=2, ensure_ascii=False) + "\n").encode())
    put("README.md", dataset_docs.readme(plan, settings, package, summary).encode())
    put(
        SUMS,
        "".join(f"{stored.sha256}  {name}\n" for name, stored in sorted(files.items())).encode(),
    )
    return files


Written = dict[str, dataset.Stored]  # file name -> size and hash
Fields = dict[str, tuple[str, ...]]  # id -> the fields that changed, of each changed record


@dataclass(frozen=True)
class DataFiles:
    """The data files of a release in the making: `json` waits for the JSON ones and the
    fields that changed of each changed record, `csv` for the CSV ones and the Summary of
    the records (each made by its own process)."""

    json: Callable[[], tuple[Written, Fields]]
    csv: Callable[[], tuple[Written, dataset.Summary]]


def forking() -> bool:
    return hasattr(os, "fork")


@contextlib.contextmanager
def data_files(plan: ReleasePlan, lines: Lines, rows: Rows, open_file: Open) -> Iterator[DataFiles]:
    """The four data files, written as the records stream by, a batch at a time, by two
    forked processes that start now and run while the caller goes on (a build plans its
    site meanwhile): the JSON ones from the records' lines (checked against their
    digests), the CSV ones from the records' packed rows (rows.packed_row: made when
    the seeds were checked, so no record is parsed again). Without fork, one after the
    other, when their results are asked for."""
    ids = [entry.id for entry in plan.entries]

    def csv_files() -> tuple[Written, dataset.Summary]:
        gather = dataset.Gather()
        table, sheet = itertools.tee(dataset.csv_chunks(rows(ids), gather))
        chunks = {
            "articles.csv": (chunk for chunk, _ in table),
            "articles.spreadsheet.csv": (chunk for _, chunk in sheet),
        }
        return write_together(open_file, chunks), gather.summary()

    def json_files() -> tuple[Written, Fields]:
        fields: Fields = {}
        stream = lines(ids)
        if plan.old_lines:
            stream = noting_fields(plan, stream, fields)
        jsonl, array = itertools.tee(dataset.batches(stream))
        chunks = {
            "articles.jsonl": map(dataset.jsonl_chunk, jsonl),
            "articles.json": dataset.json_array_chunks(array),
        }
        return write_together(open_file, chunks), fields

    if not forking():
        yield DataFiles(json_files, csv_files)
        return
    with started(json_files) as jsons, started(csv_files) as csvs:
        yield DataFiles(jsons, csvs)


def noting_fields(plan: ReleasePlan, lines: Iterable[bytes], fields: Fields) -> Iterator[bytes]:
    """The records' lines, passed on as they are; for the changed ones (plan.old_lines),
    the new line and the old one (read from the previous release, by offset: in id order,
    so the file is read forward) are parsed on the way, to note in `fields` which of
    their fields changed. Nothing else of either release is parsed."""
    spans = plan.old_lines
    assert plan.old_records is not None
    with plan.old_records.open("rb") as published:
        for entry, line in zip(plan.entries, lines, strict=True):
            span = spans.get(entry.id)
            if span is not None:
                published.seek(span[0])
                try:
                    old = orjson.loads(published.read(span[1]))
                except ValueError:
                    old = {}
                new = orjson.loads(line)
                if old.get("id") != entry.id or new.get("id") != entry.id:
                    raise ReleaseError(
                        f"record {entry.id}: its line in {plan.old_records} or in the new "
                        "release holds another record (changed while releasing?): run again"
                    )
                fields[entry.id] = changed_fields(old, new)
            yield line


def write_together(
    open_file: Open, files: Mapping[str, Iterable[bytes]]
) -> dict[str, dataset.Stored]:
    """Write files a chunk of each in turn, each chunk hashed as it goes. Files made from
    one stream of records (itertools.tee) so hold no more than a batch of it between them."""
    tallies = {name: dataset.Tally() for name in files}
    with contextlib.ExitStack() as stack:
        pending = {
            name: (iter(tallies[name].through(chunks)), stack.enter_context(open_file(name)))
            for name, chunks in files.items()
        }
        while pending:
            for name, (chunks, out) in list(pending.items()):
                chunk = next(chunks, None)
                if chunk is None:
                    del pending[name]
                else:
                    out.write(chunk)
    return {name: tally.stored() for name, tally in tallies.items()}


def index_entry(plan: ReleasePlan, files: Mapping[str, dataset.Stored]) -> Published:
    return Published(
        version=plan.version,
        date=plan.date,
        records=plan.records,
        bump=plan.bump,
        changes=plan.summary,
        datapackage_sha256=files["datapackage.json"].sha256,
        sha256sums_sha256=files[SUMS].sha256,
        reason=plan.reason,
    )


def index_document(settings: Settings, entries: Sequence[Published]) -> bytes:
    document = {
        "name": dataset.dataset_name(settings),
        "latest": str(entries[-1].version),
        "versions": [entry.as_dict() for entry in entries],
    }
    return (json.dumps(document, indent=2, ensure_ascii=False) + "\n").encode()


@contextlib.contextmanager
def releasing(
    staging: Staging, plan: ReleasePlan, settings: Settings, lines: Lines, rows: Rows
) -> Iterator[Callable[[], None]]:
    """Cut the release `plan` into `staging`: check the published versions and keep them,
    and start making the data files (data_files), now; the call the body is given
    finishes the version folder and writes the new index and latest (the releases page
    reads them, so before the site's documents)."""
    index = read_index(staging.target)
    if tuple(entry.version for entry in index) != plan.published:
        raise ReleaseError("the published releases changed while planning: run again")
    keep_versions(staging)

    def open_file(name: str) -> AbstractContextManager[BinaryIO]:
        return staging.open(f"{plan.folder}/{name}")

    with data_files(plan, lines, rows, open_file) as data:  # under way from here

        def finish() -> None:
            files = version_files(plan, settings, data, open_file)
            # A data file written by a forked process is not in this process's record yet.
            staging.written.update(f"{plan.folder}/{name}" for name in files)
            entries = [*index, index_entry(plan, files)]
            staging.write(f"{RELEASES}/{INDEX}", index_document(settings, entries))
            latest = entries[-1].as_dict()
            staging.write(f"{RELEASES}/{LATEST}", (json.dumps(latest, indent=2) + "\n").encode())

        yield finish
