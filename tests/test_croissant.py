"""croissant.json of a release, read by the real mlcroissant library, offline: it validates
without an issue, loads exactly the records of the line file, names the hashes of
SHA256SUMS, and describes every record field as the schema does."""

from __future__ import annotations

import copy
import datetime as dt
import json
import shutil
import socket
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import mlcroissant as mlc
import numpy as np
import pandas as pd
import pytest
import yaml

from publisher import croissant
from publisher.config import Settings
from publisher.dataset import Stored
from publisher.schema import article_schema, field_names

from .releasetools import DATE, cut, jsonl_records, make_seeds, run_offline

VERSION = "v1.0.0"
LISTS = ("authors", "regions", "themes", "reports", "copyright_holders")
DATES = ("published", "updated", "source_date")

# mlcroissant (1.1) calls what its dependencies deprecate: rdflib (7.x) a class, pandas
# (3.1) an argument.
pytestmark = pytest.mark.filterwarnings(
    "ignore:ConjunctiveGraph is deprecated:DeprecationWarning",
    "ignore:The inplace keyword in DataFrame.reset_index is deprecated",
)


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The folder of one release (with the TRICKY record), shared by the read-only tests."""
    root = tmp_path_factory.mktemp("croissant")
    cut(make_seeds(root / "seeds"), root / "dist")
    return root / "dist" / "releases" / VERSION


@pytest.fixture(autouse=True)
def offline(monkeypatch: pytest.MonkeyPatch) -> None:
    """mlcroissant may fetch a contentUrl: no connection is let out of this process."""

    def refuse(self: socket.socket, address: Any) -> None:
        raise OSError(f"no network in these tests: {address!r}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)


def document(folder: Path) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((folder / "croissant.json").read_text("utf-8"))
    return loaded


def plain(value: Any) -> Any:
    """A value as mlcroissant gives it, as the line file holds it: bytes as text, dates
    as ISO dates, arrays as lists, NaN/NaT as null."""
    if isinstance(value, list | tuple | np.ndarray):
        return [plain(item) for item in value]
    if isinstance(value, bytes):
        return value.decode("utf-8")
    if isinstance(value, pd.Timestamp | dt.datetime):
        assert value.time() == dt.time(0), value  # a date, no time of day
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, np.integer):
        return int(value)
    if value is None or pd.isna(value):
        return None
    return value


def loaded(jsonld: Path | dict[str, Any], record_set: str = "articles") -> list[dict[str, Any]]:
    """The records mlcroissant reads, keys without the record set's prefix."""
    dataset = mlc.Dataset(jsonld=jsonld)
    prefix = f"{record_set}/"
    return [
        {key.removeprefix(prefix): plain(value) for key, value in record.items()}
        for record in dataset.records(record_set)
    ]


def causes(error: BaseException | None) -> str:
    """The messages of an error and of those it was raised from."""
    messages = []
    while error is not None:
        messages.append(str(error))
        error = error.__cause__ or error.__context__
    return "\n".join(messages)


def test_mlcroissant_validates_it_without_an_issue(folder: Path) -> None:
    dataset = mlc.Dataset(jsonld=folder / "croissant.json")
    issues = dataset.metadata.ctx.issues
    assert not issues.errors, issues.report()
    assert not issues.warnings, issues.report()
    assert dataset.metadata.conforms_to == [croissant.CONFORMS_TO]


def test_the_validate_command_passes(folder: Path) -> None:
    """`mlcroissant validate --jsonld croissant.json`, as a user runs it, in the folder;
    any web request it made would go to a proxy that is not there (the discard port)."""
    command = Path(sys.executable).with_name("mlcroissant")
    if not command.exists():
        pytest.skip("the mlcroissant command is not installed beside this Python")
    result = run_offline([str(command), "validate", "--jsonld", "croissant.json"], folder)
    assert result.returncode == 0, result.stdout + result.stderr
    logged = (result.stdout + result.stderr).splitlines()
    assert not [line for line in logged if line[:1] in ("W", "E")], logged  # absl levels


def test_mlcroissant_loads_exactly_the_records_of_the_line_file(folder: Path) -> None:
    expected = jsonl_records(folder)
    records = loaded(folder / "croissant.json")
    assert [r["id"] for r in records] == [r["id"] for r in expected]
    assert records == expected  # every field, in schema order, same values
    assert list(records[0]) == list(field_names())


def test_the_line_file_object_loads_too(folder: Path, tmp_path: Path) -> None:
    """The JSON Lines FileObject is readable as declared (encodingFormat, gzip, hash):
    the same record set, its fields read from the line file, gives the same records
    (mlcroissant reads the line file with pandas, which keeps dates as text)."""
    changed = copy.deepcopy(document(folder))
    for field in changed["recordSet"][0]["field"]:
        field["source"]["fileObject"] = {"@id": "articles.jsonl.gz"}
        if field["name"] in DATES:  # pandas reads them as text: read as text
            field["dataType"] = "sc:Text"
    path = tmp_path / "croissant.json"
    path.write_text(json.dumps(changed), "utf-8")
    for name in ("articles.parquet", "articles.jsonl.gz"):
        shutil.copy(folder / name, tmp_path / name)
    assert loaded(path) == jsonl_records(folder)


def _sums(folder: Path) -> dict[str, str]:
    lines = (folder / "SHA256SUMS").read_text("utf-8").splitlines()
    return {name: digest for digest, name in (line.split("  ", 1) for line in lines)}


def test_the_file_objects_name_the_hashes_of_sha256sums(folder: Path) -> None:
    sums = _sums(folder)
    objects = document(folder)["distribution"]
    assert [o["contentUrl"] for o in objects] == ["articles.parquet", "articles.jsonl.gz"]
    for entry in objects:
        assert entry["@type"] == "cr:FileObject"
        assert entry["sha256"] == sums[entry["contentUrl"]]
        assert entry["contentSize"] == f"{(folder / entry['contentUrl']).stat().st_size} B"
    assert "croissant.json" in sums  # and SHA256SUMS covers croissant.json itself


def test_a_tampered_data_file_fails_to_load(folder: Path, tmp_path: Path) -> None:
    copied = tmp_path / "release"
    shutil.copytree(folder, copied)
    table = copied / "articles.parquet"
    table.write_bytes(table.read_bytes() + b"\0")
    with pytest.raises(mlc.GenerationError) as caught:
        loaded(copied / "croissant.json")
    assert "is not identical with the reference" in causes(caught.value)


def test_a_field_naming_no_column_fails_to_load(folder: Path, tmp_path: Path) -> None:
    """The load above can fail: a field whose column the table lacks stops it."""
    changed = copy.deepcopy(document(folder))
    changed["recordSet"][0]["field"][1]["source"]["extract"]["column"] = "headline"
    path = tmp_path / "croissant.json"
    path.write_text(json.dumps(changed), "utf-8")
    shutil.copy(folder / "articles.parquet", tmp_path / "articles.parquet")
    with pytest.raises(mlc.GenerationError) as caught:
        loaded(path)
    assert 'Column "headline" does not exist' in causes(caught.value)


def test_the_record_set_has_a_field_per_record_field(folder: Path) -> None:
    (record_set,) = document(folder)["recordSet"]
    assert record_set["@id"] == "articles"
    assert record_set["key"] == {"@id": "articles/id"}
    fields = record_set["field"]
    assert [f["name"] for f in fields] == list(field_names())
    properties = article_schema()["properties"]
    for field in fields:
        name = field["name"]
        assert field["@id"] == f"articles/{name}"
        assert field["source"] == {
            "fileObject": {"@id": "articles.parquet"},
            "extract": {"column": name},
        }
        expected = "sc:Date" if name in DATES else "sc:Text"
        assert field["dataType"] == ("sc:Integer" if name == "copyright_year" else expected)
        assert field.get("isArray", False) is (name in LISTS)
        description = properties[name]["description"]
        attribution = name in croissant.ATTRIBUTION
        assert field["description"] == ("Attribution: " if attribution else "") + description


def test_the_attribution_fields_say_so() -> None:
    assert {
        "original_source",
        "original_source_url",
        "authors",
        "copyright_holders",
        "copyright_year",
        "copyright_notice",
        "disclaimer",
        "publisher",
        "source_name",
    } == croissant.ATTRIBUTION


def test_the_dataset_is_described_as_the_release(folder: Path) -> None:
    described = document(folder)
    citation = yaml.safe_load((folder / "CITATION.cff").read_text("utf-8"))
    assert described["conformsTo"] == "http://mlcommons.org/croissant/1.1"
    assert described["version"] == citation["version"] == "1.0.0"
    assert described["datePublished"] == citation["date-released"] == DATE
    assert described["url"] == citation["url"]
    assert described["license"] == "https://spdx.org/licenses/CC-BY-4.0.html"
    assert described["isLiveDataset"] is False
    assert described["inLanguage"] == "en"
    assert described["creator"] == described["publisher"]
    assert described["creator"]["name"] == citation["authors"][0]["name"]
    notice = described["copyrightNotice"]
    assert "fair use" in notice and "copyright_holders" in notice
    cite = described["citeAs"]
    assert cite.startswith("@misc{republished_articles_archive_1_0_0,\n")
    for value in (citation["title"], citation["version"], citation["url"]):
        assert f"{{{value}}}" in cite or f"{{{{{value}}}}}" in cite
    assert f"date = {{{DATE}}}" in cite
    assert citation["identifiers"][0]["value"] in cite


def test_the_card_lists_croissant_json(folder: Path) -> None:
    card = (folder / "README.md").read_text("utf-8")
    assert [line for line in card.splitlines() if line.startswith("| `croissant.json` |")]


def _files() -> dict[str, Stored]:
    return {
        "articles.parquet": Stored(10, "a" * 64),
        "articles.jsonl.gz": Stored(20, "b" * 64),
    }


def test_the_bytes_depend_on_their_inputs_only() -> None:
    settings = Settings()
    made = [
        croissant.croissant_bytes(settings, "2.1.0", dt.date(2026, 3, 1), _files())
        for _ in range(2)
    ]
    assert made[0] == made[1]
    text = made[0].decode("utf-8")
    assert text == json.dumps(json.loads(text), indent=2, ensure_ascii=False) + "\n"
    assert json.loads(text)["datePublished"] == "2026-03-01"


def test_cite_as_keeps_bibtex_balanced() -> None:
    settings = Settings(title="Odd {Title} & 100% #1_x")
    cite = croissant.cite_as(settings, "1.0.0", dt.date(2026, 1, 15))
    assert cite.count("{") == cite.count("}")
    assert "title = {{Odd Title \\& 100\\% \\#1\\_x}}" in cite


def _iter_fields(described: dict[str, Any]) -> Iterator[str]:
    for record_set in described["recordSet"]:
        for field in record_set["field"]:
            yield field["name"]


def test_a_license_without_an_spdx_id_is_given_as_text() -> None:
    settings = Settings(license="All rights reserved, see the site")
    described = croissant.croissant(settings, "1.0.0", dt.date(2026, 1, 15), _files())
    assert described["license"] == "All rights reserved, see the site"
    assert list(_iter_fields(described)) == list(field_names())
