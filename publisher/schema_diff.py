"""How big a step a change of the record schema is, for a reader of the previous release:
could it fail on a record valid under the new schema? Compared field by field and keyword
by keyword (local `$ref`s inlined, annotations ignored); the step is the biggest of what
it finds:

| change                                                                        | step  |
|-------------------------------------------------------------------------------|-------|
| a field removed, made required or no longer required; a required field added  | major |
| widened (RULES): maxLength, maxItems, maximum, exclusiveMaximum,              | major |
| maxProperties, maxContains raised or removed; minLength, minItems, minimum,   |       |
| exclusiveMinimum, minProperties, minContains lowered or removed; pattern,     |       |
| format, uniqueItems, const, multipleOf, additionalProperties: false removed;  |       |
| enum values added; type widened (null allowed) or changed; an anyOf           |       |
| alternative added; an allOf subschema removed                                 |       |
| not, oneOf, if/then/else, $schema or any other keyword changed (cannot judge) | major |
| an optional field added                                                       | minor |
| narrowed: the same keywords the other way round; pattern or format added or   | patch |
| changed; type narrowed (null no longer allowed); uniqueItems or               |       |
| additionalProperties: false added; an anyOf alternative removed; an allOf     |       |
| subschema added                                                               |       |
| only annotations (description, title, examples, ...)                          | patch |

A narrowed constraint breaks no reader: every record of a release is checked against its
schema, so it is valid under the narrower one and so under the earlier, wider one. A changed
pattern (or format) cannot be proven narrower in general: it counts as narrowed, because
every record of the release matches the new one; one that in fact widens goes unseen.

The reasons are aggregated for people: "patterns narrowed on 19 fields", not 19 lines.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

RANK = {"none": 0, "patch": 1, "minor": 2, "major": 3}

# JSON Schema keywords that document but do not constrain: changing them is a patch.
ANNOTATIONS = frozenset(
    {"$comment", "$id", "default", "deprecated", "description", "examples", "title"}
)
Level = Literal["none", "patch", "minor", "major"]


@dataclass(frozen=True, order=True)
class Finding:
    """One thing that changed in the record schema: where (a field; a dotted path inside a
    nested object; "" for the record itself), what (`subject` `verb`: "pattern narrowed",
    "maximum raised", "optional field added") and how big a step it is."""

    field: str
    subject: str
    verb: str
    level: Level
    detail: str = ""  # e.g. "2100 → 3000"


@dataclass(frozen=True)
class SchemaChange:
    level: Level
    reasons: tuple[str, ...]  # for people, aggregated, the biggest step first
    findings: tuple[Finding, ...] = ()


_SCHEMA_MAPS = frozenset({"properties", "patternProperties", "dependentSchemas", "$defs"})
_SCHEMA_LISTS = frozenset({"allOf", "anyOf", "oneOf", "prefixItems"})
_SCHEMAS = frozenset(
    {
        "items",
        "contains",
        "additionalProperties",
        "propertyNames",
        "not",
        "if",
        "then",
        "else",
        "unevaluatedItems",
        "unevaluatedProperties",
        "contentSchema",
    }
)


def _inline(spec: Any, defs: Mapping[str, Any], depth: int = 0) -> Any:
    """The subschema `spec` with local $refs replaced by their definitions and annotations
    removed (values such as `enum`, `const` and property names are data: kept as they are)."""
    if not isinstance(spec, dict):
        return spec
    if isinstance(spec.get("$ref"), str) and spec["$ref"].startswith("#/$defs/"):
        if depth > 32:
            raise ValueError("schema $refs nest too deeply to compare")
        name = spec["$ref"].removeprefix("#/$defs/")
        if name not in defs:
            raise ValueError(f"schema $ref {spec['$ref']!r} has no definition")
        target = defs[name]
        rest = {k: v for k, v in spec.items() if k != "$ref"}
        return _inline({**target, **rest}, defs, depth + 1)
    inlined: dict[str, Any] = {}
    for key, value in spec.items():
        if key in ANNOTATIONS or key == "$defs":
            continue
        if key in _SCHEMA_MAPS and isinstance(value, dict):
            value = {name: _inline(sub, defs, depth) for name, sub in value.items()}
        elif key in _SCHEMA_LISTS and isinstance(value, list):
            value = [_inline(sub, defs, depth) for sub in value]
        elif key in _SCHEMAS:
            value = _inline(value, defs, depth)
        inlined[key] = value
    return inlined


class _Missing:
    """A keyword that is absent."""

    def __repr__(self) -> str:
        return "absent"


MISSING: Any = _Missing()
Verdict = tuple[str, Level, str]  # verb, step, detail
Rule = Callable[[Any, Any], Verdict]
_NUMBER = (int, float)


def _shown(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else value


def _presence(old: Any, new: Any) -> Verdict | None:
    """A constraint added narrows what is valid (patch); one removed widens it (major)."""
    if old is MISSING:
        return "added", "patch", ""
    if new is MISSING:
        return "removed", "major", ""
    return None


def _bound(upper: bool) -> Rule:
    """maxLength and the like (upper) or minLength and the like: a number that narrows."""

    def rule(old: Any, new: Any) -> Verdict:
        if (verdict := _presence(old, new)) is not None:
            return verdict
        if not (isinstance(old, _NUMBER) and isinstance(new, _NUMBER)):
            return "changed", "major", ""
        verb = "lowered" if new < old else "raised"
        narrowed = new < old if upper else new > old
        return verb, "patch" if narrowed else "major", f"{old} → {new}"

    return rule


def _pattern(old: Any, new: Any) -> Verdict:
    """A regular expression (or format) cannot be proven narrower in general: a changed one
    counts as narrowed, since every record of a release is valid under its new schema."""
    return _presence(old, new) or ("narrowed", "patch", "")


def _values(old: Any, new: Any) -> Verdict:
    """enum: fewer values narrow, any new value widens."""
    if (verdict := _presence(old, new)) is not None:
        return verdict
    if not (isinstance(old, list) and isinstance(new, list)):
        return "changed", "major", ""
    before = {json.dumps(v, sort_keys=True) for v in old}
    after = {json.dumps(v, sort_keys=True) for v in new}
    if after <= before:
        return "narrowed", "patch", f"{len(before - after)} value(s) removed"
    return "widened", "major", f"{len(after - before)} value(s) added"


def _const(old: Any, new: Any) -> Verdict:
    return _presence(old, new) or ("changed", "major", f"{_shown(old)} → {_shown(new)}")


def _types(value: Any) -> set[str] | None:
    if isinstance(value, str):
        return {value}
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return set(value)
    return None


def _within(inner: set[str], outer: set[str]) -> bool:
    """Every type of `inner` is one of `outer` (an integer is a number)."""
    return all(t in outer or (t == "integer" and "number" in outer) for t in inner)


def _type(old: Any, new: Any) -> Verdict:
    if (verdict := _presence(old, new)) is not None:
        return verdict
    before, after = _types(old), _types(new)
    if before is None or after is None:
        return "changed", "major", ""
    detail = f"{', '.join(sorted(before))} → {', '.join(sorted(after))}"
    if before - after == {"null"} and after <= before:
        detail = "null no longer allowed"
    elif after - before == {"null"} and before <= after:
        detail = "null allowed"
    if _within(after, before):
        return "narrowed", "patch", detail
    if _within(before, after):
        return "widened", "major", detail
    return "changed", "major", detail


def _unique(old: Any, new: Any) -> Verdict:
    if new is True and old is not True:
        return "added", "patch", ""
    if old is True and new is not True:
        return "removed", "major", ""
    return "changed", "major", ""  # e.g. not a boolean


def _multiple(old: Any, new: Any) -> Verdict:
    if (verdict := _presence(old, new)) is not None:
        return verdict
    if isinstance(old, _NUMBER) and isinstance(new, _NUMBER) and old and (new / old).is_integer():
        return "narrowed", "patch", f"{old} → {new}"
    return "changed", "major", f"{_shown(old)} → {_shown(new)}"


UPPER = ("maxLength", "maxItems", "maximum", "exclusiveMaximum", "maxProperties", "maxContains")
LOWER = ("minLength", "minItems", "minimum", "exclusiveMinimum", "minProperties", "minContains")

# keyword -> how a change of its value is judged (see the table in the module docstring).
# Keywords with subschemas (properties, allOf, anyOf, items, ...) are compared in _compare;
# any other keyword that changes is a major step.
RULES: dict[str, Rule] = {
    **dict.fromkeys(UPPER, _bound(upper=True)),
    **dict.fromkeys(LOWER, _bound(upper=False)),
    "pattern": _pattern,
    "format": _pattern,
    "enum": _values,
    "const": _const,
    "type": _type,
    "uniqueItems": _unique,
    "multipleOf": _multiple,
}
# Subschemas a change inside of which narrows or widens the whole the same way; an absent
# one accepts anything (except `contains`: see _compare).
_MONOTONE = ("items", "contains", "additionalProperties", "propertyNames")


def _compare(old: Any, new: Any, where: str, keyword: str = "schema") -> Iterator[Finding]:
    """What changed from the (inlined) subschema `old` to `new` at field `where`."""
    if old is False and new is not False:  # e.g. additionalProperties: false removed
        yield Finding(where, keyword, "removed" if new is MISSING else "no longer false", "major")
        return
    old = {} if old is True or old is MISSING else old
    new = {} if new is True or new is MISSING else new
    if old == new:
        return
    if new is False:
        yield Finding(where, keyword, "set to false", "patch")
        return
    if not (isinstance(old, dict) and isinstance(new, dict)):
        yield Finding(where, keyword, "changed", "major")
        return
    keys = old.keys() | new.keys()
    if {"properties", "required"} & keys:
        yield from _fields(old, new, where)
    for key in sorted(keys - {"properties", "required"}):
        before, after = old.get(key, MISSING), new.get(key, MISSING)
        if before == after:
            continue
        if key in RULES:
            verb, level, detail = RULES[key](before, after)
            yield Finding(where, key, verb, level, detail)
        elif key in _MONOTONE and not (key == "contains" and MISSING in (before, after)):
            yield from _compare(before, after, where, key)
        elif key in ("allOf", "anyOf"):
            yield from _alternatives(key, before, after, where)
        elif key == "contains":
            verb, level, _ = _presence(before, after) or ("changed", "major", "")
            yield Finding(where, key, verb, level)
        else:  # not, oneOf, if/then/else, $schema, an external $ref, ...: cannot judge
            yield Finding(where, key, "changed", "major")


def _alternatives(key: str, old: Any, new: Any, where: str) -> Iterator[Finding]:
    """allOf: a subschema more narrows, one fewer widens; anyOf the other way round. The
    subschemas that differ are compared pairwise, in order."""
    if key == "anyOf" and MISSING in (old, new):
        verb, level, _ = _presence(old, new) or ("changed", "major", "")
        yield Finding(where, key, verb, level)
        return
    old = [] if old is MISSING else old
    new = [] if new is MISSING else new
    if not (isinstance(old, list) and isinstance(new, list)):
        yield Finding(where, key, "changed", "major")
        return
    gone = list(old)
    came = []
    for item in new:
        if item in gone:
            gone.remove(item)
        else:
            came.append(item)
    for before, after in zip(gone, came, strict=False):
        yield from _compare(before, after, where, key)
    more: Level = "patch" if key == "allOf" else "major"
    fewer: Level = "major" if key == "allOf" else "patch"
    what = "subschema" if key == "allOf" else "alternative"
    if len(came) > len(gone):
        yield Finding(where, key, f"{what} added", more)
    elif len(gone) > len(came):
        yield Finding(where, key, f"{what} removed", fewer)


def _fields(old: Mapping[str, Any], new: Mapping[str, Any], where: str) -> Iterator[Finding]:
    """Fields (an object's properties) removed, added, made required or not, changed."""
    old_props, new_props = old.get("properties", {}), new.get("properties", {})
    old_req, new_req = set(old.get("required", ())), set(new.get("required", ()))
    prefix = f"{where}." if where else ""
    for name in sorted(old_props.keys() | new_props.keys() | old_req | new_req):
        path = prefix + name
        if name in old_props and name not in new_props:
            yield Finding(path, "field", "removed", "major")
            continue
        if name in new_props and name not in old_props:
            if name in new_req:
                yield Finding(path, "required field", "added", "major")
            else:
                yield Finding(path, "optional field", "added", "minor")
            continue
        if (name in old_req) != (name in new_req):
            verb = "made required" if name in new_req else "no longer required"
            yield Finding(path, "field", verb, "major")
        if name in old_props:
            yield from _compare(old_props[name], new_props[name], path)


_PLURAL = {"pattern": "patterns", "format": "formats", "type": "types", "enum": "enums"}
_NAMED = 3  # name up to this many fields in a reason; count more


def _reason(subject: str, verb: str, fields: Sequence[str]) -> str:
    names = ", ".join(f"'{name}'" for name in fields)
    many = len(fields) > 1
    if subject.endswith("field"):  # "optional field 'x' added", "4 fields removed"
        if len(fields) > _NAMED:
            return f"{len(fields)} {subject}s {verb}"
        return f"{subject}{'s' if many else ''} {names} {verb}"
    noun = _PLURAL.get(subject, subject) if many else subject
    if fields == [""]:
        where = "the record"
    elif len(fields) > _NAMED:
        where = f"{len(fields)} fields"
    else:
        where = f"field{'s' if many else ''} {names}"
    return f"{noun} {verb} on {where}"


@dataclass(frozen=True)
class SchemaGroup:
    """The findings that make one reason: the same change on one or more fields."""

    reason: str
    level: Level
    findings: tuple[Finding, ...]


def schema_groups(findings: Iterable[Finding]) -> tuple[SchemaGroup, ...]:
    """Findings grouped by what changed, the biggest step first."""
    groups: dict[tuple[int, str, str, Level], list[Finding]] = {}
    for finding in sorted(set(findings)):
        key = (-RANK[finding.level], finding.subject, finding.verb, finding.level)
        groups.setdefault(key, []).append(finding)
    return tuple(
        SchemaGroup(_reason(subject, verb, sorted({f.field for f in found})), level, tuple(found))
        for (_, subject, verb, level), found in sorted(groups.items())
    )


def schema_change(old: Mapping[str, Any], new: Mapping[str, Any]) -> SchemaChange:
    """Compare two record schemas by the rules of the module docstring: the step is the
    biggest of what changed; the reasons say what, once per kind of change."""
    if old == new:
        return SchemaChange("none", ())
    before = _inline(dict(old), old.get("$defs", {}))
    after = _inline(dict(new), new.get("$defs", {}))
    findings = tuple(sorted(set(_compare(before, after, ""))))
    if not findings:
        return SchemaChange("patch", ("only descriptions and other annotations changed",))
    groups = schema_groups(findings)
    level = max((f.level for f in findings), key=RANK.__getitem__)
    return SchemaChange(level, tuple(group.reason for group in groups), findings)
