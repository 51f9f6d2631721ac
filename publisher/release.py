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

import datetime as dt
import importlib.resources
import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import dataset, dataset_docs
from .config import Settings
from .model import Article
from .output import Staging
from .problems import UsageError
from .schema import article_schema
from .versioning import (
    FIRST,
    Bump,
    Change,
    Published,
    ReleaseError,
    SchemaChange,
    Version,
    bump_reason,
    choose_version,
    compute_bump,
    diff_records,
    schema_change,
)

RELEASES = "releases"
INDEX = "index.json"
LATEST = "latest.json"
SUMS = "SHA256SUMS"
VERSION_FOLDER = re.compile(r"^v(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$")


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
    records: tuple[dict[str, Any], ...]  # canonical order: sorted by id
    schema: dict[str, Any]

    @property
    def folder(self) -> str:
        return f"{RELEASES}/v{self.version}"

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
        try:
            return dt.date.fromisoformat(given)
        except ValueError:
            raise UsageError(f"--date {given!r} is not a date of the form YYYY-MM-DD") from None
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


def _published_records(dist: Path, version: Version) -> dict[str, tuple[str, str]]:
    """id -> (sha256 of the canonical line, title) of a published version's records."""
    path = dist / RELEASES / f"v{version}" / "articles.jsonl"
    try:
        lines = path.read_text("utf-8").split("\n")
        records = [json.loads(line) for line in lines if line]
        return {r["id"]: (dataset.record_sha256(r), r["title"]) for r in records}
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
    articles: Sequence[Article], dist: Path, date: dt.date, version: str | None = None
) -> ReleasePlan:
    """The next release of `articles`. Raises ReleaseError when there is nothing to release,
    the declared version is refused or the date precedes the latest release; UsageError for
    a malformed --version."""
    try:
        declared = Version.parse(version) if version is not None else None
    except ValueError as exc:
        raise UsageError(f"--version: {exc}") from None
    records = tuple(dataset.sorted_records(article.to_record() for article in articles))
    current = {r["id"]: (dataset.record_sha256(r), r["title"]) for r in records}
    schema = article_schema()
    index = read_index(dist)
    previous = index[-1] if index else None
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
        changes = diff_records(_published_records(dist, previous.version), current)
        schema_diff = schema_change(_published_schema(dist, previous.version), schema)
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
        records=records,
        schema=schema,
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


def release_files(
    plan: ReleasePlan, settings: Settings, write: Callable[[str, bytes], None]
) -> dict[str, dataset.Stored]:
    """Write every file of the version folder with `write(name, bytes)`, SHA256SUMS last
    (it covers all the others). Each file is written as soon as it is made and then
    dropped: at 100,000 records the data files come to gigabytes."""
    records = list(plan.records)
    files: dict[str, dataset.Stored] = {}

    def put(name: str, data: bytes) -> None:
        write(name, data)
        files[name] = dataset.Stored.of(data)

    put("articles.jsonl", dataset.jsonl_bytes(records))
    put("articles.json", dataset.json_bytes(records))
    put("articles.csv", dataset.csv_bytes(records))
    put("articles.spreadsheet.csv", dataset.spreadsheet_csv_bytes(records))
    put("articles.schema.json", schema_bytes())
    package = dataset.datapackage(settings, str(plan.version), plan.date, records, files)
    put("datapackage.json", (json.dumps(package, indent=2, ensure_ascii=False) + "\n").encode())
    put(
        "changes.jsonl",
        b"".join(
            (dataset.canonical_json(change.as_dict()) + "\n").encode() for change in plan.changes
        ),
    )
    put("CHANGELOG.md", dataset_docs.changelog(plan, settings).encode())
    put("CITATION.cff", dataset_docs.citation(plan, settings).encode())
    put("README.md", dataset_docs.readme(plan, settings, package).encode())
    put(
        SUMS,
        "".join(f"{stored.sha256}  {name}\n" for name, stored in sorted(files.items())).encode(),
    )
    return files


def index_entry(plan: ReleasePlan, files: Mapping[str, dataset.Stored]) -> Published:
    return Published(
        version=plan.version,
        date=plan.date,
        records=len(plan.records),
        bump=plan.bump,
        changes=plan.summary,
        datapackage_sha256=files["datapackage.json"].sha256,
        sha256sums_sha256=files[SUMS].sha256,
    )


def index_document(settings: Settings, entries: Sequence[Published]) -> bytes:
    document = {
        "name": dataset.dataset_name(settings),
        "latest": str(entries[-1].version),
        "versions": [entry.as_dict() for entry in entries],
    }
    return (json.dumps(document, indent=2, ensure_ascii=False) + "\n").encode()


def write_release(staging: Staging, plan: ReleasePlan, settings: Settings) -> None:
    """Keep the published versions, write the new one and a new index/latest."""
    index = read_index(staging.target)
    if tuple(entry.version for entry in index) != plan.published:
        raise ReleaseError("the published releases changed while planning: run again")
    keep_versions(staging)
    files = release_files(
        plan, settings, lambda name, data: staging.write(f"{plan.folder}/{name}", data)
    )
    entries = [*index, index_entry(plan, files)]
    staging.write(f"{RELEASES}/{INDEX}", index_document(settings, entries))
    latest = entries[-1].as_dict()
    staging.write(f"{RELEASES}/{LATEST}", (json.dumps(latest, indent=2) + "\n").encode())
