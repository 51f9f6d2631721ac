"""The files of one dataset release: Frictionless validity, exact CSV round trips through
csv / pandas / DuckDB, canonical JSON Lines, checksums and tamper detection."""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import duckdb
import frictionless
import pandas as pd
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from publisher import dataset
from publisher.release_verify import verify_releases
from publisher.rows import csv_cell
from publisher.schema import field_names
from publisher.store.check import check_folder

from .releasetools import TRICKY, cut, jsonl_bytes, jsonl_records, make_seeds, publish

VERSION = "v1.0.0"
DATARESOURCE_V2 = "https://datapackage.org/profiles/2.0/dataresource.json"
LISTS = ("authors", "regions", "themes", "reports", "copyright_holders")


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One release (with the TRICKY record) shared by the read-only tests: its dist."""
    root = tmp_path_factory.mktemp("built")
    seeds = make_seeds(root / "seeds")
    cut(seeds, root / "dist")
    return root / "dist"


@pytest.fixture
def dist(built: Path, tmp_path: Path) -> Path:
    """A private copy of the built dist, for tests that tamper with it."""
    copy = tmp_path / "dist"
    shutil.copytree(built, copy)
    return copy


def folder_of(dist: Path) -> Path:
    return dist / "releases" / VERSION


def expected_cells(record: dict[str, Any]) -> list[str]:
    """What each CSV cell must hold: lists joined with ';', null empty, numbers as text."""
    cells = []
    for name in field_names():
        value = record[name]
        if isinstance(value, list):
            cells.append(";".join(value))
        else:
            cells.append("" if value is None else str(value))
    return cells


def typed(row: dict[str, str]) -> dict[str, Any]:
    """A CSV row back to a record, by the Table Schema: lists split, integers parsed."""
    record: dict[str, Any] = {}
    for name, cell in row.items():
        if name in LISTS:
            record[name] = cell.split(";") if cell else []
        elif name == "copyright_year":
            record[name] = int(cell)
        else:
            record[name] = cell if cell else None
    return record


# -- Frictionless --------------------------------------------------------------------------

# frictionless (5.21) leaves the file of a gzip-compressed resource open after reading it.
LEAKS_GZ_FILE = pytest.mark.filterwarnings(
    "ignore::ResourceWarning", "ignore::pytest.PytestUnraisableExceptionWarning"
)


def as_table(folder: Path, name: str) -> frictionless.Resource:
    """A declared resource as a table, without its size and hash (to check rows alone)."""
    package = json.loads((folder / "datapackage.json").read_text("utf-8"))
    declared = next(r for r in package["resources"] if r["name"] == name)
    descriptor = {k: v for k, v in declared.items() if k not in ("bytes", "hash")}
    descriptor.update({"$schema": DATARESOURCE_V2, "type": "table"})
    return frictionless.Resource.from_descriptor(descriptor, basepath=str(folder))


@LEAKS_GZ_FILE
def test_frictionless_validates_the_release(built: Path) -> None:
    report = frictionless.validate(str(folder_of(built) / "datapackage.json"))
    assert report.valid, report.flatten(["type", "note"])
    assert [task.name for task in report.tasks] == [
        "articles-jsonl",
        "articles-parquet",
        "articles-csv",
    ]


def test_the_cards_frictionless_commands_work(built: Path) -> None:
    """The dataset card's shell block installs the extra that reads JSON Lines, and its
    validate command, run as written in the release folder, passes."""
    folder = folder_of(built)
    card = (folder / "README.md").read_text("utf-8")
    blocks = [b.split("```", 1)[0] for b in card.split("```sh\n")[1:]]
    block = next(b for b in blocks if "frictionless validate" in b).splitlines()
    assert block[0] == 'pip install "frictionless[json]"'
    command = block[1].split()
    assert command[:2] == ["frictionless", "validate"]
    # The test environment has installed what the first line installs.
    binary = Path(sys.executable).with_name("frictionless")
    result = subprocess.run(
        [str(binary), *command[1:]], cwd=folder, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


@LEAKS_GZ_FILE
def test_frictionless_reads_every_row_of_the_compressed_line_file(built: Path) -> None:
    report = frictionless.validate(as_table(folder_of(built), "articles-jsonl"))
    assert report.valid, report.flatten(["type", "note"])
    assert report.tasks[0].stats["rows"] == len(jsonl_records(folder_of(built)))


@LEAKS_GZ_FILE
def test_frictionless_catches_a_corrupted_parquet_file(dist: Path) -> None:
    flip_byte(folder_of(dist) / "articles.parquet", 200)
    report = frictionless.validate(str(folder_of(dist) / "datapackage.json"))
    assert not report.valid
    assert [task.name for task in report.tasks if not task.valid] == ["articles-parquet"]


@LEAKS_GZ_FILE
def test_frictionless_fails_on_a_corrupted_csv(dist: Path) -> None:
    path = folder_of(dist) / "articles.csv"
    data = path.read_bytes()
    path.write_bytes(data.replace(b",2013-09-07,", b",2013-09-32,", 1))
    assert path.read_bytes() != data
    report = frictionless.validate(str(folder_of(dist) / "datapackage.json"))
    assert not report.valid
    (task,) = (task for task in report.tasks if task.name == "articles-csv")
    assert {"hash-count", "type-error"} <= {error.type for error in task.errors}


@LEAKS_GZ_FILE
def test_frictionless_checks_csv_structure_not_only_the_hash(dist: Path) -> None:
    path = folder_of(dist) / "articles.csv"
    path.write_bytes(path.read_bytes().replace(b"\r\n", b",extra\r\n", 3))
    report = frictionless.validate(as_table(folder_of(dist), "articles-csv"))
    assert not report.valid
    assert "extra-label" in {error.type for error in report.tasks[0].errors}


# -- CSV round trips -----------------------------------------------------------------------


def test_csv_bytes_are_rfc4180_utf8_without_bom(built: Path) -> None:
    data = (folder_of(built) / "articles.csv").read_bytes()
    assert not data.startswith(b"\xef\xbb\xbf")
    data.decode("utf-8")
    header, _, _ = data.partition(b"\r\n")
    assert header.decode() == ",".join(field_names())
    assert data.endswith(b"\r\n")
    assert b"\r" not in data.replace(b"\r\n", b"")


def test_tricky_record_is_in_the_release(built: Path) -> None:
    records = {r["id"]: r for r in jsonl_records(folder_of(built))}
    assert records[TRICKY["id"]] == TRICKY
    text = (folder_of(built) / "articles.csv").read_text("utf-8")
    assert '"Commas, ""quotes""; semicolons' in text
    assert "a comma,\nand a line break." in text
    assert "\u2028" in text  # kept as is in the CSV: a quoted value, not a row end


def test_spreadsheet_csv_neutralises_formulas(built: Path) -> None:
    """Cells that start like a formula are text in the spreadsheet variant, and only there."""
    folder = folder_of(built)
    data = (folder / "articles.spreadsheet.csv").read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")  # Excel needs the BOM to read UTF-8
    with (folder / "articles.spreadsheet.csv").open(encoding="utf-8-sig", newline="") as f:
        safe = list(csv.reader(f))
    with (folder / "articles.csv").open(encoding="utf-8", newline="") as f:
        plain = list(csv.reader(f))
    assert len(safe) == len(plain) and safe[0] == plain[0]
    changed = 0
    for safe_row, plain_row in zip(safe[1:], plain[1:], strict=True):
        for safe_cell, plain_cell in zip(safe_row, plain_row, strict=True):
            assert not safe_cell.startswith(("=", "+", "-", "@", "\t", "\r"))
            if plain_cell.startswith(("=", "+", "-", "@", "\t", "\r")):
                assert safe_cell == "'" + plain_cell
                changed += 1
            else:
                assert safe_cell == plain_cell
    assert changed >= 1  # TRICKY's subtitle starts with '=SUM('
    plain_text = (folder / "articles.csv").read_text("utf-8")
    assert "=SUM(A1:A2)" in plain_text and "'=SUM(A1:A2)" not in plain_text
    readme = (folder / "README.md").read_text("utf-8")
    assert "articles.spreadsheet.csv" in readme and "not** spreadsheet-hardened" in readme


def test_csv_round_trips_through_python_csv(built: Path) -> None:
    records = jsonl_records(folder_of(built))
    with (folder_of(built) / "articles.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == list(field_names())
    assert rows[1:] == [expected_cells(record) for record in records]
    back = [typed(dict(zip(rows[0], row, strict=True))) for row in rows[1:]]
    assert back == records


def test_csv_round_trips_through_pandas(built: Path) -> None:
    records = jsonl_records(folder_of(built))
    frame = pd.read_csv(folder_of(built) / "articles.csv", dtype=str, keep_default_na=False)
    assert list(frame.columns) == list(field_names())
    rows = frame.to_dict("records")
    assert [list(row.values()) for row in rows] == [expected_cells(r) for r in records]
    assert [typed(row) for row in rows] == records


def test_csv_round_trips_through_duckdb(built: Path) -> None:
    records = jsonl_records(folder_of(built))
    path = str(folder_of(built) / "articles.csv").replace("'", "''")
    with duckdb.connect() as con:
        relation = con.sql(
            f"SELECT * FROM read_csv('{path}', header = true, all_varchar = true, "
            "delim = ',', quote = '\"', escape = '\"')"
        )
        columns, rows = relation.columns, relation.fetchall()
    assert columns == list(field_names())
    # DuckDB reads an empty cell as NULL; no text field is ever an empty string.
    cells = [["" if cell is None else cell for cell in row] for row in rows]
    assert cells == [expected_cells(r) for r in records]
    assert [typed(dict(zip(columns, row, strict=True))) for row in cells] == records


def test_list_items_with_the_delimiter_are_refused(tmp_path: Path) -> None:
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    bad = {**TRICKY, "authors": ["Smith; Jones"]}
    (seeds / "bad.json").write_text(json.dumps(bad), "utf-8")
    result = check_folder(seeds)
    assert [(p.path, "contains ';'" in p.message) for p in result.problems] == [
        ("$.authors[0]", True)
    ]
    with pytest.raises(ValueError, match="contains ';'"):
        csv_cell(["Smith; Jones"])


# -- JSON ------------------------------------------------------------------------------------


def test_jsonl_is_canonical(built: Path) -> None:
    data = jsonl_bytes(folder_of(built))
    assert data.endswith(b"\n") and b"\r" not in data and not data.startswith(b"\xef\xbb\xbf")
    lines = data.decode("utf-8").split("\n")[:-1]
    records = [json.loads(line) for line in lines]
    ids = [r["id"] for r in records]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)
    for line, record in zip(lines, records, strict=True):
        canonical = json.dumps(record, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
        assert line == canonical.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
    assert "Москва" in data.decode("utf-8")  # UTF-8, not \\u escapes


def test_the_line_file_is_gzip_that_zcat_and_jq_read(built: Path) -> None:
    folder = folder_of(built)
    if shutil.which("zcat") is None or shutil.which("jq") is None:
        pytest.skip("zcat or jq is not installed (scripts/test.sh installs them)")
    titles = subprocess.run(
        "zcat articles.jsonl.gz | jq -r .title",
        shell=True,
        cwd=folder,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert titles.splitlines() == [r["title"] for r in jsonl_records(folder)]
    assert (folder / "articles.jsonl.gz").read_bytes()[:2] == b"\x1f\x8b"
    assert not (folder / "articles.jsonl").exists() and not (folder / "articles.json").exists()


def test_every_record_carries_attribution_copyright_and_disclaimer(built: Path) -> None:
    for record in jsonl_records(folder_of(built)):
        assert list(record) == sorted(field_names())
        assert record["original_source"] and record["copyright_holders"]
        assert record["copyright_year"] and record["disclaimer"]


# -- the other files -------------------------------------------------------------------------


def test_datapackage_describes_every_data_file(built: Path) -> None:
    folder = folder_of(built)
    package = json.loads((folder / "datapackage.json").read_text("utf-8"))
    assert package["$schema"] == "https://datapackage.org/profiles/2.0/datapackage.json"
    assert package["version"] == "1.0.0" and package["created"] == "2026-01-15T00:00:00Z"
    for key in ("name", "id", "licenses", "sources", "contributors"):
        assert package[key], key
    for resource in package["resources"]:
        data = (folder / resource["path"]).read_bytes()
        assert resource["bytes"] == len(data)
        assert resource["hash"] == "sha256:" + hashlib.sha256(data).hexdigest()
        assert resource["mediatype"]
        if resource["format"] == "parquet":
            assert resource["type"] == "file" and "encoding" not in resource
            continue
        assert resource["encoding"] == "utf-8"
        fields = {f["name"]: f for f in resource["schema"]["fields"]}
        assert [f["name"] for f in resource["schema"]["fields"]] == list(field_names())
        assert fields["authors"]["type"] == "list"
        assert fields["published"]["type"] == "date"
        assert fields["copyright_year"]["type"] == "integer"
        assert fields["authors"].get("delimiter") == (";" if resource["format"] == "csv" else None)


def test_schema_file_is_the_record_schema(built: Path) -> None:
    from publisher.schema import article_schema

    schema = json.loads((folder_of(built) / "articles.schema.json").read_text("utf-8"))
    assert schema == article_schema()


def test_citation_is_cff_1_2_0(built: Path) -> None:
    citation = yaml.safe_load((folder_of(built) / "CITATION.cff").read_text("utf-8"))
    assert citation["cff-version"] == "1.2.0"
    assert citation["type"] == "dataset"
    assert citation["version"] == "1.0.0" and citation["date-released"] == "2026-01-15"
    assert citation["message"] and citation["title"]
    assert citation["authors"][0]["name"]


def test_readme_snippets_load_the_release(
    built: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    folder = folder_of(built)
    readme = (folder / "README.md").read_text("utf-8")
    assert f"{len(jsonl_records(folder))} articles" in readme
    assert "fair use" in readme and "CC-BY-4.0" in readme
    for name in field_names():
        assert f"| `{name}` |" in readme
    python = readme.split("```python\n")[1].split("```")[0]
    sql = readme.split("```sql\n")[1].split("```")[0]
    monkeypatch.chdir(folder)
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))  # `datasets` caches what it loads
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    scope: dict[str, Any] = {}
    exec(python, scope)
    records = jsonl_records(folder)
    ids = [r["id"] for r in records]
    assert scope["csv"]["authors"].tolist() == [r["authors"] for r in records]
    assert scope["lines"]["authors"].tolist() == [r["authors"] for r in records]
    assert scope["df"]["id"].tolist() == ids
    assert scope["frame"]["id"].to_list() == ids
    assert scope["articles"]["id"] == ids
    with duckdb.connect() as con:
        for statement in filter(str.strip, sql.split(";\n")):
            rows = con.sql(statement).fetchall()
            assert len(rows) == len(records)


def test_changelog_and_changes_of_a_first_release(built: Path) -> None:
    folder = folder_of(built)
    changes = [json.loads(line) for line in (folder / "changes.jsonl").read_text().splitlines()]
    records = jsonl_records(folder)
    assert [c["id"] for c in changes] == [r["id"] for r in records]
    assert {c["op"] for c in changes} == {"added"}
    assert all(c["old_sha256"] is None and len(c["new_sha256"]) == 64 for c in changes)
    changelog = (folder / "CHANGELOG.md").read_text("utf-8")
    assert "First release" in changelog and "## Added" in changelog


# -- checksums and tampering -----------------------------------------------------------------


def flip_byte(path: Path, offset: int = 100) -> None:
    data = bytearray(path.read_bytes())
    data[offset] ^= 0x01
    path.write_bytes(bytes(data))


def sha256sum(folder: Path) -> subprocess.CompletedProcess[str]:
    if shutil.which("sha256sum") is None:
        pytest.skip("sha256sum is not installed")
    return subprocess.run(
        ["sha256sum", "-c", "SHA256SUMS"], cwd=folder, capture_output=True, text=True, check=False
    )


def test_sha256sums_cover_every_other_file(built: Path) -> None:
    folder = folder_of(built)
    listed = [line.split("  ", 1)[1] for line in (folder / "SHA256SUMS").read_text().splitlines()]
    files = (p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())
    assert listed == sorted(name for name in files if name != "SHA256SUMS")
    result = sha256sum(folder)
    assert result.returncode == 0, result.stdout + result.stderr


def test_flipped_byte_is_caught_by_sha256sum_and_validate(dist: Path, tmp_path: Path) -> None:
    seeds = make_seeds(tmp_path / "seeds")
    assert publish("--validate", "--seeds", seeds, "--dist", dist).exit_code == 0
    flip_byte(folder_of(dist) / "articles.csv")
    result = sha256sum(folder_of(dist))
    assert result.returncode != 0 and "articles.csv: FAILED" in result.stdout
    validated = publish("--validate", "--seeds", seeds, "--dist", dist)
    assert validated.exit_code == 1
    assert "v1.0.0/articles.csv: SHA256SUMS: published file was changed" in validated.output


@pytest.mark.parametrize(
    "name", ["articles.jsonl.gz", "articles.parquet", "README.md", "datapackage.json"]
)
def test_verify_catches_a_change_in_any_file(dist: Path, name: str) -> None:
    flip_byte(folder_of(dist) / name, 10)
    messages = [(Path(p.file).name, p.path) for p in verify_releases(dist)]
    assert (name, "SHA256SUMS") in messages


def test_verify_catches_missing_and_extra_files(dist: Path) -> None:
    folder = folder_of(dist)
    (folder / "CITATION.cff").unlink()
    (folder / "notes.txt").write_text("added later")
    problems = {(Path(p.file).name, p.message) for p in verify_releases(dist)}
    assert ("CITATION.cff", "published file is missing") in problems
    assert ("notes.txt", "extra file, not in the published release") in problems


def test_verify_checks_resource_hashes_itself(dist: Path) -> None:
    # Rewrite the line file consistently in SHA256SUMS: only datapackage.json and the
    # index still know the published hash.
    folder = folder_of(dist)
    path = folder / "articles.jsonl.gz"
    path.write_bytes(gzip.compress(jsonl_bytes(folder).replace(b"Putin", b"Putim", 1)))
    sums = folder / "SHA256SUMS"
    lines = []
    for line in sums.read_text().splitlines():
        digest, name = line.split("  ", 1)
        if name == "articles.jsonl.gz":
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
        lines.append(f"{digest}  {name}\n")
    sums.write_text("".join(lines))
    problems = {(Path(p.file).name, p.path) for p in verify_releases(dist)}
    assert ("articles.jsonl.gz", "$.resources[0].hash") in problems
    assert ("SHA256SUMS", "$.versions[0].sha256sums_sha256") in problems


def test_verify_catches_index_problems(dist: Path) -> None:
    root = dist / "releases"
    index = json.loads((root / "index.json").read_text())
    index["versions"][0]["datapackage_sha256"] = "0" * 64
    (root / "index.json").write_text(json.dumps(index))
    shutil.copytree(root / VERSION, root / "v9.9.9")
    (root / "latest.json").write_text("{}")
    problems = {(Path(p.file).name, p.path) for p in verify_releases(dist)}
    assert problems == {
        ("datapackage.json", "$.versions[0].datapackage_sha256"),
        ("v9.9.9", "$.versions"),
        ("latest.json", "$"),
    }


def test_verify_catches_a_missing_version_folder(dist: Path) -> None:
    shutil.rmtree(folder_of(dist))
    assert [p.message for p in verify_releases(dist)] == [
        f"published version folder {folder_of(dist)} is missing"
    ]


def test_verify_without_releases_is_clean(tmp_path: Path) -> None:
    assert verify_releases(tmp_path / "nothing") == []


def test_csv_cell_text() -> None:
    assert csv_cell(None) == "" and csv_cell([]) == "" and csv_cell(2013) == "2013"
    assert csv_cell(["a", "b, c"]) == "a;b, c"
    out = io.StringIO()
    csv.writer(out).writerow([csv_cell(['say "hi"'])])
    assert out.getvalue() == '"say ""hi"""\r\n'


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**63), 2**63) | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)


@settings(max_examples=1000, deadline=None)
@given(JSON_VALUES, st.sampled_from([None, 2]))
def test_canonical_json_is_the_stdlib_bytes(value: object, indent: int | None) -> None:
    """canonical_json uses orjson for speed; record hashes (and so release diffs) depend on
    its exact bytes, which must stay those of json.dumps(sort_keys, ensure_ascii=False)."""
    separators = (",", ":") if indent is None else (",", ": ")
    reference = json.dumps(
        value, ensure_ascii=False, sort_keys=True, indent=indent, separators=separators
    )
    reference = reference.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
    assert dataset.canonical_json(value, indent=indent) == reference
    assert dataset.canonical_json_bytes(value, indent=indent) == reference.encode("utf-8")
    line = dataset.canonical_json_bytes(value, indent=indent, newline=True)
    assert line == (reference + "\n").encode("utf-8")
