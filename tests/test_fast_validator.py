"""The Rust validator (jsonschema-rs) gives the same verdict as jsonschema on every record.

The build uses jsonschema-rs for speed and asks jsonschema only to explain rejections, so
a record the fast validator accepts must be one jsonschema accepts, and vice versa.
"""

from __future__ import annotations

import os
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from publisher.load import Seed, read_seed
from publisher.parse import Parsed, parse
from publisher.schema import fast_validator, field_names, validator

from .conftest import FIXTURES, SEED, seed_files


def same_verdict(record: Any) -> None:
    reference = not any(True for _ in validator().iter_errors(record))
    assert fast_validator().is_valid(record) == reference, record


@pytest.mark.parametrize(
    "path",
    [SEED, *seed_files(FIXTURES / "valid"), *seed_files(FIXTURES / "invalid")],
    ids=lambda p: p.name,
)
def test_fixture_verdicts_agree(path: Any) -> None:
    seed = read_seed(path)
    if not isinstance(seed, Seed):
        return  # undecodable: never reaches a validator
    parsed = parse(seed)
    if isinstance(parsed, Parsed):
        same_verdict(parsed.record)


def seed_record() -> dict[str, Any]:
    parsed = parse(Seed(SEED.name, "txt", SEED.read_text("utf-8")))
    assert isinstance(parsed, Parsed)
    return parsed.record


# No lone surrogates: parse.py refuses them before a record exists (UTF-8 cannot carry them).
TRICKY_TEXT = st.text(
    st.one_of(
        st.characters(blacklist_categories=("Cs",)),
        st.sampled_from(["\x00", "\x07", "\t", "\n", "\r", "\x85", "\u202e", "\u2066", ";", " "]),
    ),
    max_size=12,
)
DATES = st.sampled_from(
    [
        "2013-09-07",
        "2013-02-29",
        "2012-02-29",
        "2013-13-01",
        "2013-00-10",
        "2013-9-7",
        "13-09-07",
        "2013-09-07T00:00:00Z",
        "2013-09-31",
        "0000-01-01",
        "9999-12-31",
        "",
    ]
)
URLS = st.sampled_from(
    [
        "https://example.org/a",
        "http://x",
        "https://exa mple.org",
        "ftp://x.org",
        "https://",
        "javascript:alert(1)",
        "https://example.org/ä",
        "http://[::1]/",
        "https://e.org/%zz",
    ]
)
VALUES = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(1800, 2200),
        st.floats(allow_nan=False),
        TRICKY_TEXT,
        DATES,
        URLS,
    ),
    lambda inner: st.lists(inner, max_size=3),
    max_leaves=6,
)
FIELDS = st.sampled_from([*field_names(), "extra"])


@settings(
    max_examples=int(os.environ.get("HYPOTHESIS_EXAMPLES", "1000")) * 2,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(st.lists(st.tuples(FIELDS, VALUES), min_size=1, max_size=3), st.sets(FIELDS, max_size=2))
def test_random_records_get_the_same_verdict(
    changes: list[tuple[str, Any]], removed: set[str]
) -> None:
    record = seed_record()
    for name, value in changes:
        record[name] = value
    for name in removed:
        record.pop(name, None)
    same_verdict(record)


@pytest.mark.parametrize(
    ("field", "value"),
    [("id", "a0\n"), ("published", "2013-09-07\n"), ("title", "A title\n")],
)
def test_a_trailing_newline_is_refused_by_both(field: str, value: str) -> None:
    """Python's `$` also matches before a final newline, ECMA-262's (and the Rust
    validator's) does not: the schema's anchors say `$(?![\\s\\S])` so both refuse it, and
    a JSON seed cannot smuggle a line break into an id (a page path) or a title."""
    seed = read_seed(SEED)
    assert isinstance(seed, Seed)
    parsed = parse(seed)
    assert isinstance(parsed, Parsed)
    record = {**parsed.record, field: value}
    same_verdict(record)
    assert not fast_validator().is_valid(record)
