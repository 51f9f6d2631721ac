"""`publish release`: versions computed from the diff, refusals, immutability, the index,
determinism and dry runs."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from publisher import release_write
from publisher.dataset import record_sha256
from publisher.release import release_date
from publisher.release_verify import verify_releases
from publisher.schema import article_schema
from publisher.schema_diff import SchemaChange, schema_change
from publisher.versioning import (
    Change,
    ReleaseError,
    Version,
    bump_reason,
    choose_version,
    compute_bump,
)

from .conftest import FIXTURES, SEED
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
            ".zenodo.json",
            "CHANGELOG.md",
            "CITATION.cff",
            "README.md",
            "SHA256SUMS",
            "articles.csv",
            "articles.jsonl.gz",
            "articles.parquet",
            "articles.schema.json",
            "articles.spreadsheet.csv",
            "changes.jsonl",
            "croissant.json",
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
        "reason": "first release",
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
        "fields": ["body"],
    }
    assert index_of(dist)["versions"][1]["changes"] == {"added": 0, "changed": 1, "removed": 0}
    assert index_of(dist)["versions"][1]["reason"] == "records changed"
    changelog = (dist / "releases/v1.0.1/CHANGELOG.md").read_text()
    assert "a patch release (records changed)." in changelog
    assert "- `zz-tricky-text` Commas" in changelog and "(changed: `body`)\n" in changelog


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


Edit = Callable[[dict[str, Any]], object]


def _edited(edit: Edit, schema: dict[str, Any] | None = None) -> dict[str, Any]:
    """A copy of `schema` (the current one), changed by `edit`."""
    copy: dict[str, Any] = json.loads(json.dumps(schema or article_schema()))
    edit(copy)
    return copy


def _field(schema: dict[str, Any], name: str) -> dict[str, Any]:
    field: dict[str, Any] = schema["properties"][name]
    return field


def _line(schema: dict[str, Any]) -> dict[str, Any]:
    line: dict[str, Any] = schema["$defs"]["line"]
    return line


OPTIONAL = {"description": "Language tag.", "type": "string"}
KIND = {"type": "string", "enum": ["news", "opinion"]}

# (what, how the current schema is edited into the new one, step, reasons). A `$defs`
# change counts on every field that uses it: `line` is used by 12, `optional_line` by 5.
SCHEMA_CASES: list[tuple[str, Edit, str, tuple[str, ...]]] = [
    (
        "pattern narrowed",
        lambda s: _field(s, "id").update(pattern="^[a-z0-9-]+$"),
        "patch",
        ("pattern narrowed on field 'id'",),
    ),
    (
        "pattern added",
        lambda s: _field(s, "copyright_year").update(pattern="^2"),
        "patch",
        ("pattern added on field 'copyright_year'",),
    ),
    (
        "pattern narrowed and an optional field added",
        lambda s: (
            _field(s, "id").update(pattern="^[a-z0-9-]+$"),
            s["properties"].update(language=OPTIONAL),
        ),
        "minor",
        ("optional field 'language' added", "pattern narrowed on field 'id'"),
    ),
    (
        "maxLength added",
        lambda s: _line(s).update(maxLength=100),
        "patch",
        ("maxLength added on 12 fields",),
    ),
    (
        "maximum lowered",
        lambda s: _field(s, "copyright_year").update(maximum=2099),
        "patch",
        ("maximum lowered on field 'copyright_year'",),
    ),
    (
        "minLength raised",
        lambda s: _line(s).update(minLength=2),
        "patch",
        ("minLength raised on 12 fields",),
    ),
    (
        "uniqueItems added",
        lambda s: _field(s, "authors").update(uniqueItems=True),
        "patch",
        ("uniqueItems added on field 'authors'",),
    ),
    (
        "null no longer allowed",
        lambda s: _field(s, "updated").update(type="string"),
        "patch",
        ("type narrowed on field 'updated'",),
    ),
    (
        "an allOf subschema added",
        lambda s: _line(s)["allOf"].append({"pattern": "^[^#]"}),
        "patch",
        ("allOf subschema added on 12 fields",),
    ),
    (
        "enum narrowed",
        lambda s: _field(s, "kind").update(enum=["news"]),
        "patch",
        ("enum narrowed on field 'kind'",),
    ),
    (
        "descriptions only",
        lambda s: _field(s, "title").update(description="New."),
        "patch",
        ("only descriptions and other annotations changed",),
    ),
    (
        "pattern removed",
        lambda s: _field(s, "original_source_url").pop("pattern"),
        "major",
        ("pattern removed on field 'original_source_url'",),
    ),
    (
        "maximum raised",
        lambda s: _field(s, "copyright_year").update(maximum=3000),
        "major",
        ("maximum raised on field 'copyright_year'",),
    ),
    (
        "minimum lowered",
        lambda s: _field(s, "copyright_year").update(minimum=1000),
        "major",
        ("minimum lowered on field 'copyright_year'",),
    ),
    (
        "minItems removed",
        lambda s: _field(s, "authors").pop("minItems"),
        "major",
        ("minItems removed on field 'authors'",),
    ),
    (
        "uniqueItems removed",
        lambda s: _field(s, "copyright_holders").pop("uniqueItems"),
        "major",
        ("uniqueItems removed on field 'copyright_holders'",),
    ),
    (
        "null allowed",
        lambda s: _field(s, "published").update(type=["string", "null"]),
        "major",
        ("type widened on field 'published'",),
    ),
    (
        "type changed",
        lambda s: _field(s, "copyright_year").update(type="string"),
        "major",
        ("type changed on field 'copyright_year'",),
    ),
    (
        "enum widened",
        lambda s: _field(s, "kind").update(enum=["news", "opinion", "review"]),
        "major",
        ("enum widened on field 'kind'",),
    ),
    (
        "an anyOf alternative added",
        lambda s: s["$defs"]["optional_line"]["anyOf"].append({"type": "integer"}),
        "major",
        ("anyOf alternative added on 5 fields",),
    ),
    (
        "additionalProperties: false removed",
        lambda s: s.pop("additionalProperties"),
        "major",
        ("additionalProperties removed on the record",),
    ),
    (
        "field removed",
        lambda s: s["properties"].pop("contact"),
        "major",
        ("field 'contact' removed",),
    ),
    (
        "a field named like an annotation keyword is a field",
        lambda s: s["properties"].pop("title"),
        "major",
        ("field 'title' removed",),
    ),
    (
        "field made required",
        lambda s: s["required"].append("contact"),
        "major",
        ("field 'contact' made required",),
    ),
    (
        "field no longer required",
        lambda s: s["required"].remove("disclaimer"),
        "major",
        ("field 'disclaimer' no longer required",),
    ),
    (
        "required field added",
        lambda s: (s["properties"].update(language=OPTIONAL), s["required"].append("language")),
        "major",
        ("required field 'language' added",),
    ),
    (
        "a keyword no rule judges",
        lambda s: _field(s, "id").update({"not": {"const": "x"}}),
        "major",
        ("not changed on field 'id'",),
    ),
]


@pytest.mark.parametrize(
    ("edit", "level", "reasons"),
    [case[1:] for case in SCHEMA_CASES],
    ids=[case[0] for case in SCHEMA_CASES],
)
def test_schema_changes_are_judged_by_what_a_reader_must_accept(
    edit: Edit, level: str, reasons: tuple[str, ...]
) -> None:
    old = _schema_with(kind=KIND)
    change = schema_change(old, _edited(edit, old))
    assert (change.level, change.reasons) == (level, reasons)


def test_a_narrowing_undone_is_major() -> None:
    # Each narrowing above, the other way round, widens: a reader of the new release may
    # meet a value that the old schema refused.
    old = _schema_with(kind=KIND)
    assumed = ("descriptions only", "pattern narrowed")
    narrowings = [case for case in SCHEMA_CASES if case[2] == "patch" and case[0] not in assumed]
    assert len(narrowings) == 8
    for what, edit, _, _ in narrowings:
        assert schema_change(_edited(edit, old), old).level == "major", what
    # A changed pattern cannot be proven narrower or wider: it counts as narrowed either
    # way (every record of the release matches the new one), as documented.
    edit = SCHEMA_CASES[0][1]
    assert schema_change(_edited(edit, old), old).reasons == ("pattern narrowed on field 'id'",)
    assert schema_change(old, old) == SchemaChange("none", ())


# The record schema of the project's first published release (dist/releases/v1.0.0), kept
# as a fixture: the tests never read the content folders.
FIRST_SCHEMA = FIXTURES / "releases" / "articles-1.0.0.schema.json"


def test_the_committed_first_release_schema_is_one_patch_reason() -> None:
    # Issue 14: the patterns of schema/article.schema.json were narrowed after 1.0.0 (no
    # noncharacters, a year from 1900 to 2099, nothing after the final $).
    committed = json.loads(FIRST_SCHEMA.read_text())
    change = schema_change(committed, article_schema())
    assert (change.level, change.reasons) == ("patch", ("patterns narrowed on 19 fields",))
    assert len({finding.field for finding in change.findings}) == 19
    assert bump_reason((), change) == "schema: patterns narrowed on 19 fields"


def test_a_fresh_clone_would_release_a_patch(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # What a fresh clone had: a release cut with the 1.0.0 schema, the same content since.
    seeds, dist = tmp_path / "seeds", tmp_path / "dist"
    seeds.mkdir()
    shutil.copy(SEED, seeds)
    with monkeypatch.context() as patched:
        patched.setattr(release_write, "schema_bytes", FIRST_SCHEMA.read_bytes)
        cut(seeds, dist)
    for name in ("index.json", "latest.json"):  # as the tool that cut 1.0.0 wrote them
        path = dist / "releases" / name
        path.write_bytes(re.sub(rb'\n *"reason": "[^"]*",?', b"", path.read_bytes()))
    assert verify_releases(dist) == []  # an index entry without a reason is still read
    result = release(seeds, dist, "--dry-run", "--date", "2026-12-01")
    assert result.exit_code == 0, result.output
    assert result.output.startswith(
        "would release 1.0.1 (patch since 1.0.0: schema: patterns narrowed on 19 fields): "
        "0 added, 0 changed, 0 removed"
    )


def test_a_narrowed_schema_and_corrected_records_say_why_and_which_fields(
    seeds: Path, dist: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    committed = FIRST_SCHEMA.read_bytes()
    with monkeypatch.context() as patched:  # the first release with the looser schema
        patched.setattr(release_write, "schema_bytes", lambda: committed)
        cut(seeds, dist)
    edit_tricky(seeds, title="A corrected title", themes=["Media"], subtitle=None)
    add_article(seeds)
    result = cut(seeds, dist)
    why = "records added; records changed; schema: patterns narrowed on 19 fields"
    assert f"released 1.1.0 (minor since 1.0.0: {why}): 1 added, 1 changed" in result.output
    folder = dist / "releases/v1.1.0"
    changes = [json.loads(line) for line in (folder / "changes.jsonl").read_text().splitlines()]
    assert [(c["id"], c["op"], c.get("fields")) for c in changes] == [
        ("zz-added", "added", None),
        ("zz-tricky-text", "changed", ["subtitle", "themes", "title"]),
    ]
    changelog = (folder / "CHANGELOG.md").read_text()
    assert f"a minor release ({why})." in changelog
    assert "- `zz-tricky-text` A corrected title (changed: `subtitle`, `themes`, `title`)" in (
        changelog
    )
    schema_section = changelog.split("## Schema\n\n")[1].split("\n\n")[0]
    assert schema_section.startswith(
        "- patterns narrowed on 19 fields (patch): `authors`, `body`, `contact`, "
    )
    assert "\n" not in schema_section  # said once
    assert index_of(dist)["versions"][1]["reason"] == why
    page = (dist / "releases/index.html").read_text()
    assert f"<dt>Why minor</dt><dd>{why}</dd>" in page
    assert publish("--validate", "--seeds", seeds, "--dist", dist).exit_code == 0


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


# -- a release right after a build -------------------------------------------------------------


def test_a_release_after_a_build_makes_only_the_releases_page(
    seeds: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Cut right after a build of the same seeds and settings, a release keeps the site as
    it is (no plan of it) but for the releases page, and gives the very dist a release with
    a full rebuild gives."""
    from publisher import outputs, pipeline
    from publisher.config import Settings

    settings, day = Settings(), dt.date.fromisoformat(DATE)
    result, store = pipeline.check(seeds, tmp_path / "cache")
    assert result.ok
    full, fast = tmp_path / "full", tmp_path / "fast"
    for dist in (full, fast):
        pipeline.build(store, settings, dist, cache=tmp_path / "cache", inputs=result.inputs)
    # The full way: the same release, without the record of the build (so planned whole).
    pipeline.release(store, settings, full, day)
    planned: list[int] = []
    plan = outputs.plan
    monkeypatch.setattr(outputs, "plan", lambda *a: planned.append(1) or plan(*a))
    pipeline.release(store, settings, fast, day, cache=tmp_path / "cache", inputs=result.inputs)
    assert planned == []  # the site was not planned
    assert tree(fast) == tree(full)
    # A build after it finds the site current, the releases page included.
    assert pipeline.built(fast, tmp_path / "cache", result.inputs, settings)
    # Seeds changed since the build: planned whole again.
    (seeds / TRICKY_FILE).write_text(
        json.dumps(dict(json.loads((seeds / TRICKY_FILE).read_text("utf-8")), title="New")),
        "utf-8",
    )
    result, store = pipeline.check(seeds, tmp_path / "cache")
    pipeline.release(store, settings, fast, day, cache=tmp_path / "cache", inputs=result.inputs)
    assert planned == [1]
    assert "New" in (fast / "index.html").read_text("utf-8")


def test_a_release_after_a_build_remakes_a_page_removed_by_hand(
    seeds: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from publisher import outputs, pipeline
    from publisher.config import Settings

    settings, cache, dist = Settings(), tmp_path / "cache", tmp_path / "dist"
    result, store = pipeline.check(seeds, cache)
    pipeline.build(store, settings, dist, cache=cache, inputs=result.inputs)
    pipeline.build(store, settings, dist, cache=cache, inputs=result.inputs)
    page = dist / "archive" / "index.html"
    page.unlink()  # by hand, and no other tree holds it
    shutil.rmtree(dist.parent / f".{dist.name}.spare", ignore_errors=True)
    planned: list[int] = []
    plan = outputs.plan
    monkeypatch.setattr(outputs, "plan", lambda *a: planned.append(1) or plan(*a))
    pipeline.release(
        store, settings, dist, dt.date.fromisoformat(DATE), cache=cache, inputs=result.inputs
    )
    assert planned == [1] and page.is_file()
