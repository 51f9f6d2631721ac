"""`.zenodo.json` in every new release: Zenodo's legacy deposit metadata, checked against
Zenodo's own legacy deposit schema (tests/schemas/zenodo-legacyrecord.json, see
tests/schemas/README.md for where it came from), against the release it describes, and
against SHA256SUMS."""

from __future__ import annotations

import copy
import hashlib
import json
import shutil
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from publisher.dataset import KEYWORDS
from publisher.release_verify import verify_releases

from .conftest import ROOT
from .releasetools import DATE, TRICKY, cut, make_seeds, publish

SCHEMA = ROOT / "tests" / "schemas" / "zenodo-legacyrecord.json"
# Two changes to Zenodo's schema, made here in memory (the shipped file stays exactly as
# Zenodo has it; tests/schemas/README.md says why):
# - it puts the enums of three properties under "type" (a draft-04 `type` must be a name or
#   a list of names, so no validator can use it as written): each enum is lifted to where
#   draft-04 reads it;
# - the stored copy has no `version`, a field of Zenodo's deposit metadata (a string):
#   it is added, as a string. Every other field is checked as Zenodo's schema says.
_ENUM_UNDER_TYPE = ("upload_type", "publication_type", "image_type")


def legacy_schema() -> dict[str, Any]:
    schema: dict[str, Any] = json.loads(SCHEMA.read_text("utf-8"))
    fixed = copy.deepcopy(schema)
    for name in _ENUM_UNDER_TYPE:
        spec = fixed["properties"][name]
        assert isinstance(spec["type"], dict), f"{name}: Zenodo's schema changed: refresh this"
        spec.update(spec.pop("type"))
    assert "version" not in fixed["properties"], "Zenodo's schema has `version` now: drop this"
    fixed["properties"]["version"] = {"type": "string"}
    return fixed


def validator() -> jsonschema.Draft4Validator:
    schema = legacy_schema()
    jsonschema.Draft4Validator.check_schema(schema)
    return jsonschema.Draft4Validator(schema)


def add_article(seeds: Path) -> None:
    (seeds / "901_zz-added.json").write_text(
        json.dumps({**TRICKY, "id": "zz-added", "title": "A newly added article"}), "utf-8"
    )


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("zenodo")
    seeds = make_seeds(root / "seeds")
    dist = root / "dist"
    cut(seeds, dist)
    add_article(seeds)
    cut(seeds, dist, "--date", "2026-02-01")  # the later --date wins
    return dist


def deposit(dist: Path, version: str) -> tuple[bytes, dict[str, Any]]:
    data = (dist / "releases" / f"v{version}" / ".zenodo.json").read_bytes()
    return data, json.loads(data)


def test_every_new_release_has_a_valid_deposit(dist: Path) -> None:
    check = validator()
    for version in ("1.0.0", "1.1.0"):
        _, document = deposit(dist, version)
        errors = [error.message for error in check.iter_errors(document)]
        assert errors == [], version


def test_the_schema_check_catches_a_wrong_field() -> None:
    check = validator()
    assert not check.is_valid({"upload_type": "spreadsheet"})
    assert not check.is_valid({"creators": [{"name": "X", "email": "x@example.org"}]})
    assert not check.is_valid({"language": "eng"})  # not a legacy deposit field
    assert not check.is_valid({"related_identifiers": [{"relation": "isSameAs"}]})


def test_deposit_says_what_the_release_says(dist: Path) -> None:
    for version, date in (("1.0.0", DATE), ("1.1.0", "2026-02-01")):
        _, document = deposit(dist, version)
        folder = dist / "releases" / f"v{version}"
        package = json.loads((folder / "datapackage.json").read_text("utf-8"))
        assert document["upload_type"] == "dataset"
        assert document["access_right"] == "open"
        assert document["title"] == package["title"]
        assert document["version"] == version == package["version"]
        assert document["publication_date"] == date  # the release date, never the clock
        assert document["creators"] == [{"name": package["title"]}]  # an organisation
        assert document["license"] == "cc-by-4.0" == package["licenses"][0]["name"].lower()
        assert document["keywords"] == package["keywords"] == list(KEYWORDS)
        assert document["related_identifiers"][0] == {
            "identifier": package["homepage"],
            "relation": "isIdenticalTo",
            "scheme": "url",
        }
        assert package["description"] in document["description"]
        notes = document["notes"]
        assert '"fair use"' in notes and "copyright_holders" in notes and "CC-BY-4.0" in notes


def test_a_later_version_names_the_one_before(dist: Path) -> None:
    _, first = deposit(dist, "1.0.0")
    _, second = deposit(dist, "1.1.0")
    assert len(first["related_identifiers"]) == 1
    assert second["related_identifiers"][1] == {
        "identifier": first["related_identifiers"][0]["identifier"],
        "relation": "isNewVersionOf",
        "scheme": "url",
    }


def test_deposit_is_canonical_json_covered_by_the_checksums(dist: Path) -> None:
    for version in ("1.0.0", "1.1.0"):
        data, document = deposit(dist, version)
        expected = json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
        assert data == expected.encode()
        sums = (dist / "releases" / f"v{version}" / "SHA256SUMS").read_text("utf-8")
        assert f"{hashlib.sha256(data).hexdigest()}  .zenodo.json\n" in sums
    assert verify_releases(dist) == []


def test_a_changed_deposit_is_a_damaged_release(dist: Path, tmp_path: Path) -> None:
    copy_of = tmp_path / "dist"
    shutil.copytree(dist, copy_of)
    path = copy_of / "releases" / "v1.0.0" / ".zenodo.json"
    path.write_bytes(path.read_bytes().replace(b'"open"', b'"closed"'))
    problems = {(Path(p.file).name, p.path) for p in verify_releases(copy_of)}
    assert (".zenodo.json", "SHA256SUMS") in problems


def test_a_free_text_license_is_left_to_the_notes(tmp_path: Path) -> None:
    seeds = make_seeds(tmp_path / "seeds", tricky=False)
    config = tmp_path / "publisher.toml"
    config.write_text('[tool.publisher]\nlicense = "All rights reserved by the editors"\n')
    result = publish(
        "release", "--seeds", seeds, "--dist", tmp_path / "dist", "--config", config,
        "--date", DATE,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    _, document = deposit(tmp_path / "dist", "1.0.0")
    assert "license" not in document
    assert "All rights reserved by the editors" in document["notes"]
    assert validator().is_valid(document)
