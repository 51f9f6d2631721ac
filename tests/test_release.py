"""`publish release`: versions computed from the diff, refusals, immutability, the index,
determinism and dry runs."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from publisher.dataset import record_sha256
from publisher.release import release_date
from publisher.schema import article_schema
from publisher.versioning import (
    Change,
    ReleaseError,
    SchemaChange,
    Version,
    choose_version,
    compute_bump,
    schema_change,
)

from .releasetools import DATE, cut, jsonl_records, make_seeds, publish, release, tree

TRICKY_FILE = "900_tricky.json"


@pytest.fixture
def seeds(tmp_path: Path) -> Path:
    return make_seeds(tmp_path / "seeds")


@pytest.fixture
def dist(tmp_path: Path) -> Path:
    return tmp_path / "dist"


def index_of(dist: Path) -> dict[str, Any]:
    document: dict[str, Any] = json.loads((dist / "releases" / "index.json").read_text())
    return document


def versions(dist: Path) -> list[str]:
    return [entry["version"] for entry in index_of(dist)["versions"]]


def edit_tricky(seeds: Path, **changes: Any) -> None:
    path = seeds / TRICKY_FILE
    record = json.loads(path.read_text("utf-8"))
    record.update(changes)
    path.write_text(json.dumps(record, ensure_ascii=False), "utf-8")


def add_article(seeds: Path, new_id: str = "zz-added") -> None:
    record = json.loads((seeds / TRICKY_FILE).read_text("utf-8"))
    record.update(id=new_id, title="A newly added article")
    (seeds / f"901_{new_id}.json").write_text(json.dumps(record), "utf-8")


# -- the first release and the index ---------------------------------------------------------


def test_first_release_is_1_0_0_with_index_and_latest(seeds: Path, dist: Path) -> None:
    result = cut(seeds, dist)
    assert result.output.startswith("released 1.0.0 (first release): ")
    folder = dist / "releases" / "v1.0.0"
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        [
            "CHANGELOG.md",
            "CITATION.cff",
            "README.md",
            "SHA256SUMS",
            "articles.csv",
            "articles.json",
            "articles.jsonl",
            "articles.schema.json",
            "articles.spreadsheet.csv",
            "changes.jsonl",
            "datapackage.json",
        ]
    )
    count = len(jsonl_records(folder))
    entry = {
        "version": "1.0.0",
        "date": DATE,
        "path": "v1.0.0/",
        "records": count,
        "bump": "initial",
        "changes": {"added": count, "changed": 0, "removed": 0},
        "datapackage_sha256": _sha256(folder / "datapackage.json"),
        "sha256sums_sha256": _sha256(folder / "SHA256SUMS"),
    }
    assert index_of(dist) == {
        "name": "republished-articles-archive",
        "latest": "1.0.0",
        "versions": [entry],
    }
    assert json.loads((dist / "releases" / "latest.json").read_text()) == entry
    # The same swap rebuilt the feeds.
    assert (dist / "feeds").is_dir()


def _sha256(path: Path) -> str:
    import hashlib

    return hashlib.sha256(path.read_bytes()).hexdigest()


# -- version cases ---------------------------------------------------------------------------


def test_added_record_is_a_minor_release(seeds: Path, dist: Path) -> None:
    cut(seeds, dist)
    add_article(seeds)
    result = cut(seeds, dist)
    assert "released 1.1.0 (minor since 1.0.0: records added): 1 added" in result.output
    assert versions(dist) == ["1.0.0", "1.1.0"]
    changes = (dist / "releases/v1.1.0/changes.jsonl").read_text().splitlines()
    assert [json.loads(line)["op"] for line in changes] == ["added"]
    assert "## Added" in (dist / "releases/v1.1.0/CHANGELOG.md").read_text()


def test_edited_body_is_a_patch_release(seeds: Path, dist: Path) -> None:
    cut(seeds, dist)
    before = {r["id"]: r for r in jsonl_records(dist / "releases/v1.0.0")}["zz-tricky-text"]
    edit_tricky(seeds, body="A corrected body.")
    result = cut(seeds, dist)
    assert "released 1.0.1 (patch since 1.0.0: records changed)" in result.output
    after = {r["id"]: r for r in jsonl_records(dist / "releases/v1.0.1")}["zz-tricky-text"]
    change = json.loads((dist / "releases/v1.0.1/changes.jsonl").read_text())
    assert change == {
        "id": "zz-tricky-text",
        "op": "changed",
        "old_sha256": record_sha256(before),
        "new_sha256": record_sha256(after),
    }
    assert index_of(dist)["versions"][1]["changes"] == {"added": 0, "changed": 1, "removed": 0}


def test_deleted_record_is_a_major_release(seeds: Path, dist: Path) -> None:
    cut(seeds, dist)
    add_article(seeds)  # an addition in the same release does not soften the step
    (seeds / TRICKY_FILE).unlink()
    result = cut(seeds, dist)
    assert "released 2.0.0 (major since 1.0.0: records removed; records added)" in result.output
    changelog = (dist / "releases/v2.0.0/CHANGELOG.md").read_text()
    assert "## Removed" in changelog and "`zz-tricky-text`" in changelog


def test_no_change_is_refused(seeds: Path, dist: Path) -> None:
    cut(seeds, dist)
    before = tree(dist / "releases")
    result = release(seeds, dist, "--date", DATE)
    assert result.exit_code == 1
    assert "nothing to release: no record or schema changed since 1.0.0" in result.output
    assert tree(dist / "releases") == before


def test_lower_version_is_refused(seeds: Path, dist: Path) -> None:
    cut(seeds, dist, "--version", "1.2.0")
    add_article(seeds)
    result = release(seeds, dist, "--date", DATE, "--version", "1.1.5")
    assert result.exit_code == 1
    assert "version 1.1.5 is lower than the latest release 1.2.0" in result.output
    assert versions(dist) == ["1.2.0"]


def test_repeated_version_is_refused(seeds: Path, dist: Path) -> None:
    cut(seeds, dist)
    add_article(seeds)
    result = release(seeds, dist, "--date", DATE, "--version", "1.0.0")
    assert result.exit_code == 1
    assert "version 1.0.0 is already published" in result.output
    assert versions(dist) == ["1.0.0"]


def test_version_smaller_than_the_computed_bump_is_refused(seeds: Path, dist: Path) -> None:
    cut(seeds, dist)
    add_article(seeds)
    result = release(seeds, dist, "--date", DATE, "--version", "1.0.1")
    assert result.exit_code == 1
    assert "smaller than the computed version 1.1.0: use --version 1.1.0 or higher" in (
        result.output
    )


def test_higher_version_is_accepted(seeds: Path, dist: Path) -> None:
    cut(seeds, dist)
    edit_tricky(seeds, body="A corrected body.")
    cut(seeds, dist, "--version", "3.0.0")
    assert versions(dist) == ["1.0.0", "3.0.0"]
    assert index_of(dist)["latest"] == "3.0.0"
    package = json.loads((dist / "releases/v3.0.0/datapackage.json").read_text())
    assert package["version"] == "3.0.0"


def test_first_release_below_1_0_0_is_refused(seeds: Path, dist: Path) -> None:
    result = release(seeds, dist, "--date", DATE, "--version", "0.9.0")
    assert result.exit_code == 1
    assert not dist.exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--version", "1.0"], "is not a version of the form X.Y.Z"),
        (["--version", "v1.0.0"], "is not a version of the form X.Y.Z"),
        (["--date", "15/01/2026"], "is not of the form YYYY-MM-DD"),
        (["--date", "2026-02-30"], "'2026-02-30' is not a real date (February 2026 has 28 days)"),
        (["--date", "2024-13-01"], "is not a real date (there is no month 13)"),
    ],
)
def test_malformed_options_are_usage_errors(
    seeds: Path, dist: Path, args: list[str], message: str
) -> None:
    result = release(seeds, dist, *args)
    assert result.exit_code == 2
    assert message in result.output


def test_release_date_before_the_latest_is_refused(seeds: Path, dist: Path) -> None:
    cut(seeds, dist)
    add_article(seeds)
    result = release(seeds, dist, "--date", "2026-01-14")
    assert result.exit_code == 1
    assert "before the latest release 1.0.0 (2026-01-15)" in result.output


def test_invalid_seeds_are_refused(seeds: Path, dist: Path) -> None:
    (seeds / "bad.json").write_text("{}", "utf-8")
    result = release(seeds, dist, "--date", DATE)
    assert result.exit_code == 1
    assert "bad.json" in result.output
    assert not dist.exists()


# -- immutability ----------------------------------------------------------------------------


def test_published_versions_never_change(seeds: Path, dist: Path) -> None:
    cut(seeds, dist)
    first = tree(dist / "releases/v1.0.0")
    edit_tricky(seeds, title="A corrected title")
    assert publish("--seeds", seeds, "--dist", dist).exit_code == 0  # a plain build
    assert tree(dist / "releases/v1.0.0") == first
    cut(seeds, dist)
    assert tree(dist / "releases/v1.0.0") == first
    assert versions(dist) == ["1.0.0", "1.0.1"]
    assert publish("--seeds", seeds, "--dist", dist).exit_code == 0
    assert tree(dist / "releases/v1.0.0") == first
    assert publish("--validate", "--seeds", seeds, "--dist", dist).exit_code == 0


def test_tampered_release_blocks_the_next_one(seeds: Path, dist: Path) -> None:
    cut(seeds, dist)
    readme = dist / "releases/v1.0.0/README.md"
    readme.write_text(readme.read_text() + "edited\n")
    add_article(seeds)
    result = release(seeds, dist, "--date", DATE)
    assert result.exit_code == 1
    assert "README.md: SHA256SUMS: published file was changed" in result.output
    assert versions(dist) == ["1.0.0"]


def test_damaged_release_files_are_counted_apart_from_articles(seeds: Path, dist: Path) -> None:
    cut(seeds, dist)
    for name in ("articles.csv", "CHANGELOG.md"):
        damaged = dist / "releases/v1.0.0" / name
        damaged.write_bytes(damaged.read_bytes() + b"x\n")
    checked = len([p for p in seeds.iterdir() if p.suffix in (".txt", ".json")])
    result = publish("--validate", "--seeds", seeds, "--dist", dist)
    assert result.exit_code == 1
    last = result.stdout.strip().splitlines()[-1]
    assert last == f"{checked} articles checked, 0 invalid; 2 release files damaged"
    assert "to repair the release:" in result.stdout and "git checkout" in result.stdout
    report = json.loads(
        publish("--validate", "--format", "json", "--seeds", seeds, "--dist", dist).stdout
    )
    assert (report["invalid"], report["damaged_release_files"]) == (0, 2)


def test_force_names_damaged_release_files_and_how_to_repair(seeds: Path, dist: Path) -> None:
    cut(seeds, dist)
    damaged = dist / "releases/v1.0.0/articles.csv"
    damaged.write_bytes(b"tampered\n")
    result = publish("--force", "--seeds", seeds, "--dist", dist)
    assert result.exit_code == 0  # the build itself is fine; the release is carried over
    assert "1 published release file(s) damaged" in result.stderr
    assert str(damaged.relative_to(dist.parent)) in result.stderr or str(damaged) in result.stderr
    assert "restore the damaged files" in result.stderr
    assert damaged.read_bytes() == b"tampered\n"  # never rewritten by a build


# -- determinism and dates -------------------------------------------------------------------


def test_same_seeds_and_date_give_byte_identical_releases(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # One release in this process, one in a child with another time zone and locale.
    for name in "ab":
        make_seeds(tmp_path / name / "seeds")
    monkeypatch.chdir(tmp_path / "a")
    cut(Path("seeds"), Path("dist"))
    env = {**os.environ, "TZ": "Pacific/Kiritimati", "LC_ALL": "C", "PYTHONHASHSEED": "7"}
    code = "from publisher.cli import main; main()"
    args = ["release", "--seeds", "seeds", "--dist", "dist", "--date", DATE, "-q"]
    subprocess.run([sys.executable, "-c", code, *args], cwd=tmp_path / "b", env=env, check=True)
    first, second = (tree(tmp_path / name / "dist" / "releases") for name in "ab")
    assert "v1.0.0/articles.csv" in first
    assert first == second


def test_source_date_epoch_sets_the_date(
    seeds: Path, dist: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")  # 2023-11-14T22:13:20Z
    result = release(seeds, dist)
    assert result.exit_code == 0, result.output
    assert index_of(dist)["versions"][0]["date"] == "2023-11-14"
    package = json.loads((dist / "releases/v1.0.0/datapackage.json").read_text())
    assert package["created"] == "2023-11-14T00:00:00Z"


def test_release_date_reads_the_clock_once_in_utc() -> None:
    calls = []

    def clock() -> dt.datetime:
        calls.append(1)
        return dt.datetime(2026, 3, 1, 23, 30, tzinfo=dt.timezone(dt.timedelta(hours=-5)))

    assert release_date(None, {}, clock) == dt.date(2026, 3, 2)
    assert release_date("2026-01-02", {"SOURCE_DATE_EPOCH": "0"}, clock) == dt.date(2026, 1, 2)
    assert release_date(None, {"SOURCE_DATE_EPOCH": "0"}, clock) == dt.date(1970, 1, 1)
    assert calls == [1]


# -- dry run ---------------------------------------------------------------------------------


def test_dry_run_writes_nothing(seeds: Path, dist: Path) -> None:
    result = release(seeds, dist, "--dry-run", "--date", DATE)
    assert result.exit_code == 0, result.output
    assert result.output.startswith("would release 1.0.0 (first release): ")
    assert "added    zz-tricky-text" in result.output
    assert not dist.exists() and not any(dist.parent.glob(".dist*"))
    cut(seeds, dist)
    before = tree(dist)
    add_article(seeds)
    result = release(seeds, dist, "--dry-run", "--date", DATE)
    assert result.exit_code == 0
    assert "would release 1.1.0 (minor since 1.0.0: records added): 1 added" in result.output
    assert tree(dist) == before


# -- the rules, unit by unit -----------------------------------------------------------------


def _schema_with(**properties: Any) -> dict[str, Any]:
    schema = json.loads(json.dumps(article_schema()))
    schema["properties"].update(properties)
    return schema


def test_schema_changes_are_classified() -> None:
    schema = article_schema()
    assert schema_change(schema, schema).level == "none"
    optional = _schema_with(language={"description": "Language tag.", "type": "string"})
    assert schema_change(schema, optional) == SchemaChange(
        "minor", ("optional field 'language' added",)
    )
    required = {**optional, "required": [*schema["required"], "language"]}
    assert schema_change(schema, required).level == "major"
    assert schema_change(optional, schema).level == "major"  # removed
    retyped = _schema_with(
        copyright_year={**schema["properties"]["copyright_year"], "maximum": 3000}
    )
    assert schema_change(schema, retyped).reasons == (
        "type or constraints of field 'copyright_year' changed",
    )
    described = _schema_with(title={**schema["properties"]["title"], "description": "New."})
    assert schema_change(schema, described).level == "patch"
    tightened = json.loads(json.dumps(schema))
    tightened["$defs"]["line"]["minLength"] = 2
    assert schema_change(schema, tightened).level == "major"


def test_bumps_take_the_biggest_step() -> None:
    none = SchemaChange("none", ())
    added = Change("a", "added", None, "1", "A")
    changed = Change("b", "changed", "1", "2", "B")
    removed = Change("c", "removed", "1", None, "C")
    assert compute_bump((), none) is None
    assert compute_bump((changed,), none) == "patch"
    assert compute_bump((changed, added), none) == "minor"
    assert compute_bump((added, removed), none) == "major"
    assert compute_bump((), SchemaChange("minor", ("x",))) == "minor"
    assert compute_bump((changed,), SchemaChange("major", ("x",))) == "major"


def test_choose_version() -> None:
    v = Version.parse
    published = (v("1.0.0"), v("1.1.0"))
    assert choose_version(v("1.2.0"), published, None) == v("1.2.0")
    assert choose_version(v("1.2.0"), published, v("1.3.0")) == v("1.3.0")
    for declared in ("1.1.0", "1.0.5", "1.1.1"):
        with pytest.raises(ReleaseError):
            choose_version(v("1.2.0"), published, v(declared))
    assert v("1.10.0") > v("1.9.0")
    assert str(v("1.2.3").bumped("major")) == "2.0.0"
