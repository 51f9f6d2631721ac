"""Semantic versions for data: what changed since the last release, and how big a step it is.

- records removed, or the record schema changed incompatibly -> major;
- records added, or a new optional field -> minor;
- records corrected, or only schema descriptions changed -> patch;
- nothing changed -> nothing to release.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

Bump = Literal["initial", "major", "minor", "patch"]
Op = Literal["added", "changed", "removed"]
OPS: tuple[Op, ...] = ("added", "changed", "removed")
_RANK = {"none": 0, "patch": 1, "minor": 2, "major": 3}

# JSON Schema keywords that document but do not constrain: changing them is a patch.
ANNOTATIONS = frozenset(
    {"$comment", "$id", "default", "deprecated", "description", "examples", "title"}
)
_VERSION = re.compile(r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$")


class ReleaseError(Exception):
    """A release that must not be cut (nothing changed, a refused version): exit 1."""


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

    def as_dict(self) -> dict[str, str | None]:
        return {
            "id": self.id,
            "op": self.op,
            "old_sha256": self.old_sha256,
            "new_sha256": self.new_sha256,
        }


@dataclass(frozen=True)
class SchemaChange:
    level: Literal["none", "patch", "minor", "major"]
    reasons: tuple[str, ...]


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


def _inline(spec: Any, defs: Mapping[str, Any], depth: int = 0) -> Any:
    """`spec` with local $refs replaced by their definitions and annotations removed."""
    if depth > 20:
        raise ValueError("schema $refs nest too deeply to compare")
    if isinstance(spec, list):
        return [_inline(item, defs, depth + 1) for item in spec]
    if not isinstance(spec, dict):
        return spec
    if isinstance(spec.get("$ref"), str) and spec["$ref"].startswith("#/$defs/"):
        target = defs[spec["$ref"].rsplit("/", 1)[-1]]
        rest = {k: v for k, v in spec.items() if k != "$ref"}
        return _inline({**target, **rest}, defs, depth + 1)
    return {k: _inline(v, defs, depth + 1) for k, v in spec.items() if k not in ANNOTATIONS}


def schema_change(old: Mapping[str, Any], new: Mapping[str, Any]) -> SchemaChange:
    """Compare two record schemas. Anything that could make an old reader fail or a record
    valid under one schema invalid under the other is major, except a new optional field."""
    if old == new:
        return SchemaChange("none", ())
    old_props, new_props = old.get("properties", {}), new.get("properties", {})
    old_req, new_req = set(old.get("required", ())), set(new.get("required", ()))
    major, minor = [], []
    for name in sorted(old_props.keys() - new_props.keys()):
        major.append(f"field '{name}' removed")
    for name in sorted(new_props.keys() - old_props.keys()):
        if name in new_req:
            major.append(f"required field '{name}' added")
        else:
            minor.append(f"optional field '{name}' added")
    for name in sorted(old_props.keys() & new_props.keys()):
        if (name in old_req) != (name in new_req):
            major.append(f"field '{name}' is {'now' if name in new_req else 'no longer'} required")
        before = _inline(old_props[name], old.get("$defs", {}))
        after = _inline(new_props[name], new.get("$defs", {}))
        if before != after:
            major.append(f"type or constraints of field '{name}' changed")
    skip = {"properties", "required", "$defs", *ANNOTATIONS}
    for key in sorted((old.keys() | new.keys()) - skip):
        if old.get(key) != new.get(key):
            major.append(f"schema keyword '{key}' changed")
    if major:
        return SchemaChange("major", tuple(major + minor))
    if minor:
        return SchemaChange("minor", tuple(minor))
    return SchemaChange("patch", ("field descriptions changed",))


def compute_bump(changes: tuple[Change, ...], schema: SchemaChange) -> Bump | None:
    """The smallest allowed step, or None when nothing changed."""
    ops = {change.op for change in changes}
    level = max(
        _RANK[schema.level],
        _RANK["major"] if "removed" in ops else 0,
        _RANK["minor"] if "added" in ops else 0,
        _RANK["patch"] if "changed" in ops else 0,
    )
    names: dict[int, Bump] = {1: "patch", 2: "minor", 3: "major"}
    return names.get(level)


def bump_reason(changes: tuple[Change, ...], schema: SchemaChange) -> str:
    """Why the step is that big, for people: 'records removed; field 'x' removed'."""
    reasons = [
        f"records {op}"
        for op in ("removed", "added", "changed")
        if any(c.op == op for c in changes)
    ]
    return "; ".join([*reasons, *schema.reasons])


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

    def as_dict(self) -> dict[str, Any]:
        return {
            "version": str(self.version),
            "date": self.date.isoformat(),
            "path": f"v{self.version}/",
            "records": self.records,
            "bump": self.bump,
            "changes": self.changes,
            "datapackage_sha256": self.datapackage_sha256,
            "sha256sums_sha256": self.sha256sums_sha256,
        }

    @classmethod
    def from_dict(cls, entry: Mapping[str, Any]) -> Published:
        """Raises KeyError, TypeError or ValueError for a malformed entry."""
        changes = entry["changes"]
        if not isinstance(changes, dict) or set(changes) != set(OPS):
            raise ValueError(f"'changes' must count {', '.join(OPS)}")
        return cls(
            version=Version.parse(entry["version"]),
            date=dt.date.fromisoformat(entry["date"]),
            records=int(entry["records"]),
            bump=str(entry["bump"]),
            changes={op: int(changes[op]) for op in OPS},
            datapackage_sha256=str(entry["datapackage_sha256"]),
            sha256sums_sha256=str(entry["sha256sums_sha256"]),
        )
