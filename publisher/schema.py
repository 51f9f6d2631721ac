"""The article schema: loaded once from the package, with one validator built from it."""

from __future__ import annotations

import json
from functools import cache
from importlib.resources import files
from typing import TYPE_CHECKING, Any

import jsonschema_rs

if TYPE_CHECKING:
    from jsonschema import Draft202012Validator


@cache
def article_schema() -> dict[str, Any]:
    """schema/article.schema.json, shipped inside the package (publisher/schema links to it)."""
    text = files("publisher").joinpath("schema/article.schema.json").read_text("utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


@cache
def validator() -> Draft202012Validator:
    # Imported here: jsonschema's format checkers take ~1 s to import, and a run where
    # every record passes the fast validator never needs them.
    from jsonschema import Draft202012Validator

    # Built once: creating a validator per document is ~40x slower. The format checker
    # makes `date` and `uri` real checks (needs jsonschema[format-nongpl]).
    return Draft202012Validator(
        article_schema(), format_checker=Draft202012Validator.FORMAT_CHECKER
    )


@cache
def fast_validator() -> jsonschema_rs.Draft202012Validator:
    """The same schema compiled by jsonschema-rs (Rust), ~200x faster per record.

    Used for the verdict only; records it rejects are re-checked by `validator()` for the
    located, explained errors. tests/test_fast_validator.py proves the verdicts agree.
    """
    return jsonschema_rs.Draft202012Validator(article_schema(), validate_formats=True)


def field_names() -> tuple[str, ...]:
    """Every record field, in schema order: the order of JSON output and CSV columns."""
    return tuple(article_schema()["properties"])


def required_fields() -> frozenset[str]:
    return frozenset(article_schema()["required"])


def empty_value(name: str) -> Any:
    """What an absent optional field holds in a normalised record: [] for lists, else None."""
    spec = article_schema()["properties"][name]
    if spec.get("type") == "array" or "terms" in spec.get("$ref", ""):
        return []
    return None


@cache
def _field_layout() -> tuple[tuple[str, bool, bool], ...]:
    """(name, required, empty value is a list) for every field, in schema order: what
    normalise needs, worked out once rather than from the schema for every record."""
    required = required_fields()
    return tuple((name, name in required, empty_value(name) == []) for name in field_names())


def normalise(record: dict[str, Any]) -> dict[str, Any]:
    """Schema field order, absent optional fields filled with their empty value.

    Absent required fields stay absent so validation reports them; unknown keys are kept
    (after the known ones) so validation reports those too.
    """
    ordered: dict[str, Any] = {}
    known = 0
    for name, required, empty_list in _field_layout():
        if name in record:
            ordered[name] = record[name]
            known += 1
        elif not required:
            ordered[name] = [] if empty_list else None  # a new list for every record
    if known < len(record):  # keys the schema does not know
        ordered.update((key, value) for key, value in record.items() if key not in ordered)
    return ordered
