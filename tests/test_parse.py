"""The scraped-format parser: the bundled seed field by field, and the fixture corpus."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from publisher.load import read_seed
from publisher.markdown_text import split_list
from publisher.parse import parse
from publisher.validate import check_seed

from .conftest import FIXTURES, SEED, seed_files


def parsed(path: Path) -> dict[str, Any]:
    seed = read_seed(path)
    assert not isinstance(seed, Exception) and hasattr(seed, "text"), seed
    result = parse(seed)  # type: ignore[arg-type]
    assert hasattr(result, "record"), result
    return result.record  # type: ignore[union-attr]


def test_seed_field_by_field() -> None:
    record = parsed(SEED)
    assert record["id"] == "64a29ae14d7662cb"
    assert record["title"] == (
        "US-Russia Confrontation, Danger of Military Escalation: “We Will Help Syria!” "
        "in The Event of a Military Strike, Putin"
    )
    assert record["subtitle"] == (
        "Putin: Syria chemical attack is ‘rebels’ provocation in hope of intervention’"
    )
    assert record["authors"] == ["RT"]
    assert record["publisher"] == "Global Research"
    assert record["published"] == "2013-09-07"
    assert record["source_name"] == "RT"
    assert record["source_date"] is None
    assert record["regions"] == ["Russia and FSU"]
    assert record["themes"] == ["US NATO War Agenda"]
    assert record["reports"] == ["SYRIA"]
    lead = record["lead"].split("\n\n")
    # The seed opens with four consecutive italic paragraphs; all of them are the lead.
    assert len(lead) == 4
    assert lead[0].startswith("The alleged chemical weapons use in Syria")
    assert lead[3].endswith("clearly opposed to military intervention.")
    assert "*" not in record["lead"]
    body = record["body"]
    assert body.startswith("President Putin said the G20")
    assert body.endswith("the war-torn country.")
    assert "### **‘A dangerous precedent’**" in body
    assert "(#)" not in body and "original source" not in body
    assert record["original_source"] == "RT"
    assert record["original_source_url"] is None
    assert record["copyright_holders"] == ["RT"]
    assert record["copyright_year"] == 2013
    assert record["copyright_notice"] == "Copyright © RT, RT, 2013"
    expected_disclaimer = (FIXTURES / "expected-disclaimer.txt").read_text("utf-8")
    assert record["disclaimer"] == expected_disclaimer
    assert record["disclaimer"].endswith("you must request permission from the copyright owner.")
    assert record["contact"] == "publications@globalresearch.ca"


def test_seed_is_valid() -> None:
    seed = read_seed(SEED)
    article, problems = check_seed(seed)  # type: ignore[arg-type]
    assert problems == []
    assert article is not None and article.id == "64a29ae14d7662cb"


VALID = seed_files(FIXTURES / "valid")


def test_corpus_is_large_enough() -> None:
    assert len(VALID) >= 12
    assert len(seed_files(FIXTURES / "invalid")) >= 8


@pytest.mark.parametrize("path", VALID, ids=lambda p: p.name)
def test_valid_fixture(path: Path) -> None:
    expectation = path.with_name(path.name.rsplit(".", 1)[0] + ".expected.json")
    expected = json.loads(expectation.read_text("utf-8"))
    record = parsed(path)
    for key, value in expected.items():
        if key == "body_starts_with":
            assert record["body"].startswith(value)
        elif key == "body_ends_with":
            assert record["body"].endswith(value)
        elif key == "body_not_contains":
            for text in value:
                assert text not in record["body"]
        elif key == "disclaimer_starts_with":
            assert record["disclaimer"].startswith(value)
        else:
            assert record[key] == value, key
    seed = read_seed(path)
    _, problems = check_seed(seed)  # type: ignore[arg-type]
    assert problems == []


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("[A](#)", ["A"]),
        ("[A](#) and [B](#)", ["A", "B"]),
        ("[A](#), [B](#) and [C](#)", ["A", "B", "C"]),
        ("[A](#), [B](#), and [C](#)", ["A", "B", "C"]),
        ("Prof. Michel Chossudovsky", ["Prof. Michel Chossudovsky"]),
        ("Dr. Jane Roe and Prof. John Doe", ["Dr. Jane Roe", "Prof. John Doe"]),
        ("[Physicians for Peace and Justice](#)", ["Physicians for Peace and Justice"]),
        # NUL is the mask for link texts: in the input it stays (the schema refuses it).
        ("[X](#) and \x000\x00 Smith", ["X", "\x000\x00 Smith"]),
        ("A \x007\x00", ["A \x007\x00"]),
    ],
)
def test_split_list(text: str, names: list[str]) -> None:
    assert split_list(text) == names


def test_split_list_without_a_free_mask_character() -> None:
    """NUL and every private-use character in one byline: no mask is left, and the names
    are split all the same (link texts included), never an exception."""
    every = "".join(chr(c) for c in [*range(0xE000, 0xF900), *range(0xF0000, 0x10FFFE)])
    names = split_list(f"[A and B](#) and C\x00{every}")
    assert names[:2] == ["A", "B"] and names[2].startswith("C\x00")
