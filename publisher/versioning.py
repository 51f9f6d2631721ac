"""Semantic versions for data: what changed since the last release, and how big a step it is.

A step is judged from the side of a program that reads the previous release: could it fail
on this one? Records removed -> major; records added -> minor; records corrected -> patch;
nothing changed -> nothing to release. The record schema is compared by
`schema_diff.schema_change`.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from .problems import ReleaseError
from .schema_diff import RANK, SchemaChange

__all__ = ["ReleaseError"]  # raised here; defined with the other errors a user can cause

Bump = Literal["initial", "major", "minor", "patch"]
Op = Literal["added", "changed", "removed"]
OPS: tuple[Op, ...] = ("added", "changed", "removed")

_VERSION = re.compile(r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$")


@dataclass(frozen=True, order=True)
class Version:
    major: int
    minor: int
    patch: int

    @classmethod
    def parse(cls, text: str) -> Version:
        match = _VERSION.match(text)
        if not match:
            raise ValueError(f"{text!r} is not a version of the form X.Y.Z (e.g. 1.2.0)")
        return cls(*(int(part) for part in match.groups()))

    def bumped(self, bump: Bump) -> Version:
        if bump == "major":
            return Version(self.major + 1, 0, 0)
        if bump == "minor":
            return Version(self.major, self.minor + 1, 0)
        if bump == "patch":
            return Version(self.major, self.minor, self.patch + 1)
        return FIRST

    def __str__(self) -> str:
        return f"{self.major}.{self.minor}.{self.patch}"


FIRST = Version(1, 0, 0)


@dataclass(frozen=True)
class Change:
    """One record that differs from the previous release (hashes of canonical JSON lines)."""

    id: str
    op: Op
    old_sha256: str | None
    new_sha256: str | None
    title: str  # the new title; the old one for a removed record
    fields: tuple[str, ...] | None = None  # a changed record's changed fields, once known

    def as_dict(self) -> dict[str, Any]:
        entry: dict[str, Any] = {
            "id": self.id,
            "op": self.op,
            "old_sha256": self.old_sha256,
            "new_sha256": self.new_sha256,
        }
        if self.fields is not None:
            entry["fields"] = list(self.fields)
        return entry


def diff_records(
    old: Mapping[str, tuple[str, str]], new: Mapping[str, tuple[str, str]]
) -> tuple[Change, ...]:
    """Changes between two releases, sorted by id. Both map id -> (sha256, title)."""
    changes = []
    for record_id in sorted(old.keys() | new.keys()):
        before, after = old.get(record_id), new.get(record_id)
        if before is None and after is not None:
            changes.append(Change(record_id, "added", None, after[0], after[1]))
        elif after is None and before is not None:
            changes.append(Change(record_id, "removed", before[0], None, before[1]))
        elif before is not None and after is not None and before[0] != after[0]:
            changes.append(Change(record_id, "changed", before[0], after[0], after[1]))
    return tuple(changes)


# -- comparing schemas ---------------------------------------------------------------------


# Keywords whose value is a map of names to subschemas, a list of subschemas, or a subschema.
def compute_bump(changes: tuple[Change, ...], schema: SchemaChange) -> Bump | None:
    """The smallest allowed step, or None when nothing changed."""
    ops = {change.op for change in changes}
    level = max(
        RANK[schema.level],
        RANK["major"] if "removed" in ops else 0,
        RANK["minor"] if "added" in ops else 0,
        RANK["patch"] if "changed" in ops else 0,
    )
    names: dict[int, Bump] = {1: "patch", 2: "minor", 3: "major"}
    return names.get(level)


def bump_reason(changes: tuple[Change, ...], schema: SchemaChange) -> str:
    """Why the step is that big, for people: "records changed; schema: patterns narrowed
    on 19 fields"."""
    reasons = [
        f"records {op}"
        for op in ("removed", "added", "changed")
        if any(c.op == op for c in changes)
    ]
    return "; ".join([*reasons, *(f"schema: {reason}" for reason in schema.reasons)])


def choose_version(
    computed: Version, published: tuple[Version, ...], declared: Version | None
) -> Version:
    """The computed version, or a declared one that is not smaller and not yet published."""
    if declared is None:
        return computed
    if declared in published:
        raise ReleaseError(
            f"version {declared} is already published and a published version never changes: "
            f"use --version {computed} or higher"
        )
    if published and declared < max(published):
        raise ReleaseError(
            f"version {declared} is lower than the latest release {max(published)}: "
            f"use --version {computed} or higher"
        )
    if declared < computed:
        raise ReleaseError(
            f"version {declared} is smaller than the computed version {computed}: "
            f"use --version {computed} or higher"
        )
    return declared


@dataclass(frozen=True)
class Published:
    """One entry of releases/index.json."""

    version: Version
    date: dt.date
    records: int
    bump: str
    changes: dict[str, int]
    datapackage_sha256: str
    sha256sums_sha256: str
    reason: str | None = None  # why the step is that big; not recorded by earlier versions

    def as_dict(self) -> dict[str, Any]:
        entry: dict[str, Any] = {
            "version": str(self.version),
            "date": self.date.isoformat(),
            "path": f"v{self.version}/",
            "records": self.records,
            "bump": self.bump,
        }
        if self.reason is not None:
            entry["reason"] = self.reason
        entry |= {
            "changes": self.changes,
            "datapackage_sha256": self.datapackage_sha256,
            "sha256sums_sha256": self.sha256sums_sha256,
        }
        return entry

    @classmethod
    def from_dict(cls, entry: Mapping[str, Any]) -> Published:
        """Raises KeyError, TypeError or ValueError for a malformed entry."""
        changes = entry["changes"]
        if not isinstance(changes, dict) or set(changes) != set(OPS):
            raise ValueError(f"'changes' must count {', '.join(OPS)}")
        reason = entry.get("reason")
        if reason is not None and not isinstance(reason, str):
            raise ValueError("'reason' must be a string")
        return cls(
            version=Version.parse(entry["version"]),
            date=dt.date.fromisoformat(entry["date"]),
            records=int(entry["records"]),
            bump=str(entry["bump"]),
            changes={op: int(changes[op]) for op in OPS},
            datapackage_sha256=str(entry["datapackage_sha256"]),
            sha256sums_sha256=str(entry["sha256sums_sha256"]),
            reason=reason,
        )
