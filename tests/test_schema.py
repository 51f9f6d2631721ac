"""The article schema itself, and the model built from it."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from publisher.load import read_seed
from publisher.model import Article
from publisher.parse import parse
from publisher.schema import article_schema, field_names, validator

from .conftest import ROOT, SEED


def test_schema_is_valid_against_its_metaschema() -> None:
    Draft202012Validator.check_schema(article_schema())
    assert article_schema()["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert article_schema()["$id"].startswith("https://")


def test_installed_schema_is_the_repository_schema() -> None:
    on_disk = json.loads((ROOT / "schema" / "article.schema.json").read_text("utf-8"))
    assert article_schema() == on_disk


def test_every_property_is_described_and_closed() -> None:
    schema = article_schema()
    assert schema["additionalProperties"] is False
    for name, spec in schema["properties"].items():
        assert spec.get("description"), name
    for name, spec in schema["$defs"].items():
        assert spec.get("description"), name


def test_attribution_and_disclaimer_are_required() -> None:
    required = set(article_schema()["required"])
    assert {
        "id",
        "title",
        "authors",
        "published",
        "body",
        "original_source",
        "copyright_holders",
        "copyright_year",
        "disclaimer",
    } <= required


def test_model_fields_follow_the_schema() -> None:
    assert tuple(f.name for f in dataclasses.fields(Article)) == field_names()


def seed_record() -> dict[str, Any]:
    seed = read_seed(SEED)
    return parse(seed).record  # type: ignore[arg-type, union-attr]


def test_record_round_trips_through_the_model() -> None:
    record = seed_record()
    assert Article.from_record(record).to_record() == record


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("published", "2013-02-30"),
        ("published", "07/09/2013"),
        ("copyright_year", 1899),
        ("copyright_year", 2101),
        ("copyright_year", "2013"),
        ("authors", []),
        ("authors", ["  "]),
        ("title", ""),
        ("title", "a\nb"),
        ("title", "bell\x07"),
        ("body", "nul\x00"),
        ("disclaimer", "   "),
        ("id", "Has Spaces"),
        ("id", "-leading"),
        ("original_source_url", "not a url"),
        ("original_source_url", "javascript:alert(1)"),
        ("copyright_holders", ["RT", "RT"]),
        ("regions", ["Syria", "Syria"]),
    ],
)
def test_constraints(field: str, value: Any) -> None:
    record = seed_record()
    record[field] = value
    assert list(validator().iter_errors(record)), (field, value)


def test_extra_property_is_refused() -> None:
    record = seed_record()
    record["tags"] = ["x"]
    assert list(validator().iter_errors(record))


def test_body_may_hold_tabs_and_newlines() -> None:
    record = seed_record()
    record["body"] = "a\tb\n\nc"
    assert not list(validator().iter_errors(record))
