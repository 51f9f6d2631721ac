"""Validation: the fixture corpus of invalid files, duplicates, and how problems are located."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from publisher.load import read_seed
from publisher.problems import Problem
from publisher.store.check import check_folder, check_paths
from publisher.validate import check_seed

from .conftest import FIXTURES, SEED, seed_files

INVALID = seed_files(FIXTURES / "invalid")


@pytest.mark.parametrize("path", INVALID, ids=lambda p: p.name)
def test_invalid_fixture_is_located(path: Path) -> None:
    expectation = path.with_name(path.name.rsplit(".", 1)[0] + ".expected.json")
    expected = json.loads(expectation.read_text("utf-8"))
    result = check_paths([path])
    assert not result.ok and result.articles == ()
    located = {(p.path, p.line) for p in result.problems}
    assert (expected["path"], expected["line"]) in located, result.problems
    for problem in result.problems:
        assert problem.file.endswith(path.name)
        assert len(problem.message) > 20  # says what is wrong and what to do


def test_every_problem_in_one_run(tmp_path: Path) -> None:
    """Several broken files and several problems in one file are all reported together."""
    text = SEED.read_text("utf-8")
    broken = text.replace("September 07, 2013", "September 31, 2013").replace(
        "The original source of this article is [RT](#)", ""
    )
    (tmp_path / "001_a.txt").write_text(broken, "utf-8")
    (tmp_path / "002_b.txt").write_text(text.replace("# US-Russia", "US-Russia"), "utf-8")
    result = check_folder(tmp_path)
    paths = [(Path(p.file).name, p.path) for p in result.problems]
    assert ("001_a.txt", "$.published") in paths
    assert ("001_a.txt", "$.original_source") in paths
    assert ("002_b.txt", "$.title") in paths
    assert result.checked == 2 and result.invalid_files == 2


def test_duplicate_ids_name_both_files() -> None:
    result = check_folder(FIXTURES / "duplicates")
    assert len(result.articles) == 1
    [problem] = result.problems
    assert problem.path == "$.id"
    assert "001_dup-id.txt" in problem.message and problem.file.endswith("002_dup-id.txt")


def test_impossible_date_message_names_the_date(tmp_path: Path) -> None:
    path = tmp_path / "x.txt"
    path.write_text(SEED.read_text("utf-8").replace("September 07", "September 31"), "utf-8")
    [problem] = check_paths([path]).problems
    assert problem.line == 9 and "2013-09-31" in problem.message
    assert "is not a real date (September 2013 has 30 days)" in problem.message


def test_control_character_is_named(tmp_path: Path) -> None:
    path = tmp_path / "x.txt"
    path.write_text(SEED.read_text("utf-8").replace("Putin\n", "Put\x07in\n", 1), "utf-8")
    [problem] = check_paths([path]).problems
    assert problem.path == "$.title" and "U+0007" in problem.message


def test_nul_in_a_byline_is_named_not_a_crash(tmp_path: Path) -> None:
    """NUL is the parser's own mask for link texts in name lists."""
    path = tmp_path / "x.txt"
    text = SEED.read_text("utf-8")
    byline = next(line for line in text.split("\n") if line.startswith("By "))
    path.write_text(text.replace(byline, byline + " and A \x007\x00", 1), "utf-8")
    problems = check_paths([path]).problems
    assert [p.path for p in problems] == ["$.authors[1]"]
    assert "U+0000" in problems[0].message


def test_bidi_override_in_title_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "x.txt"
    path.write_text(SEED.read_text("utf-8").replace("Putin\n", "Put\u202ein\n", 1), "utf-8")
    [problem] = check_paths([path]).problems
    assert problem.path == "$.title" and "U+202E" in problem.message


@pytest.mark.parametrize("char", ["\ufffe", "\ufdd0", "\U0010ffff"])
def test_noncharacter_is_named(tmp_path: Path, char: str) -> None:
    """XML refuses noncharacters (lxml raises) and HTML calls them parse errors."""
    path = tmp_path / "x.txt"
    path.write_text(SEED.read_text("utf-8").replace("Putin\n", f"Put{char}in\n", 1), "utf-8")
    [problem] = check_paths([path]).problems
    assert problem.path == "$.title"
    assert f"U+{ord(char):04X}" in problem.message and "noncharacter" in problem.message


def test_json_id_with_a_trailing_newline_is_refused(tmp_path: Path) -> None:
    """Python's `$` matches before a final newline; the schema's anchors do not let it."""
    record = json.loads((FIXTURES / "valid").joinpath(_json_fixture()).read_text("utf-8"))
    record["id"] = "fine-id\n"
    path = tmp_path / "x.json"
    path.write_text(json.dumps(record), "utf-8")
    problems = check_paths([path]).problems
    assert [p.path for p in problems] == ["$.id"]


def _json_fixture() -> str:
    return next(p.name for p in seed_files(FIXTURES / "valid") if p.suffix == ".json")


def test_crlf_and_bom_parse_like_lf(tmp_path: Path) -> None:
    text = SEED.read_text("utf-8")
    path = tmp_path / "000_64a29ae14d7662cb.txt"
    path.write_bytes(b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode())
    crlf = check_seed(read_seed(path))  # type: ignore[arg-type]
    plain = check_seed(read_seed(SEED))  # type: ignore[arg-type]
    assert crlf == plain and crlf[0] is not None


def test_symlink_outside_seeds_is_refused(tmp_path: Path) -> None:
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    outside = tmp_path / "elsewhere.txt"
    shutil.copy(SEED, outside)
    (seeds / "001_link.txt").symlink_to(outside)
    result = check_folder(seeds)
    [problem] = result.problems
    assert "symbolic link" in problem.message and problem.file.endswith("001_link.txt")


def test_unreadable_file_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    problem = read_seed(tmp_path / "missing.txt")
    assert isinstance(problem, Problem) and "cannot be read" in problem.message


def test_file_name_with_spaces_and_accents_gets_a_rename_hint(tmp_path: Path) -> None:
    path = tmp_path / "Ünïcödé article.txt"
    shutil.copy(SEED, path)
    [problem] = check_paths([path]).problems
    assert problem.path == "$.id" and problem.file.endswith("Ünïcödé article.txt")
    assert "rename the file, e.g. to 'unicode-article.txt'" in problem.message


def test_json_seed_with_any_file_name_keeps_its_explicit_id(tmp_path: Path) -> None:
    source = FIXTURES / "valid" / "020_bangladesh-garment-wages.json"
    path = tmp_path / "Ärtikel mit Leerzeichen.json"
    shutil.copy(source, path)
    result = check_paths([path])
    assert result.ok and result.articles[0].id == "bangladesh-garment-wages"


def test_json_seed_with_a_lone_surrogate_is_a_problem(tmp_path: Path) -> None:
    text = (FIXTURES / "valid" / "020_bangladesh-garment-wages.json").read_text("utf-8")
    path = tmp_path / "x.json"
    path.write_text(text.replace('"title": "', '"title": "\\ud800', 1), "utf-8")
    [problem] = check_paths([path]).problems
    assert "unpaired surrogate" in problem.message
