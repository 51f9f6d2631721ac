"""The output folder is only ever a folder that publish wrote, and user mistakes never
become tracebacks or data loss."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from publisher.cli import main
from publisher.output import MARKER

from .conftest import SEED


def invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.output + result.stderr


@pytest.mark.parametrize("dist", ["seeds", ".", "..", "/"])
def test_refuses_to_replace_seeds_or_the_current_folder(seeds: Path, dist: str) -> None:
    (Path.cwd() / "keep.txt").write_text("precious", "utf-8")
    code, output = invoke("--dist", dist)
    assert code == 2 and "refusing to write the output" in output
    assert (seeds / SEED.name).is_file() and Path("keep.txt").read_text("utf-8") == "precious"


def test_refuses_a_folder_that_holds_the_seeds(in_tmp: Path) -> None:
    (in_tmp / "site" / "seeds").mkdir(parents=True)
    shutil.copy(SEED, in_tmp / "site" / "seeds")
    code, output = invoke("--seeds", "site/seeds", "--dist", "site")
    assert code == 2 and "refusing" in output
    assert (in_tmp / "site" / "seeds" / SEED.name).is_file()


def test_refuses_a_foreign_non_empty_folder(seeds: Path) -> None:
    Path("out").mkdir()
    Path("out/notes.txt").write_text("mine", "utf-8")
    code, output = invoke("--dist", "out")
    assert code == 2 and "was not written by publish" in output
    assert Path("out/notes.txt").read_text("utf-8") == "mine"
    Path("empty").mkdir()
    assert invoke("--dist", "empty", "-q")[0] == 0  # an empty folder is fine
    assert (Path("empty") / MARKER).is_file()


@pytest.mark.parametrize("dist", ["notes.txt", "notes.txt/out"])
def test_dist_under_a_file_is_a_usage_error(seeds: Path, dist: str) -> None:
    Path("notes.txt").write_text("x", "utf-8")
    code, output = invoke("--dist", dist)
    assert code == 2 and "notes.txt" in output


def test_a_damaged_cache_is_rebuilt_not_fatal(seeds: Path) -> None:
    assert invoke("-q")[0] == 0
    [database] = Path(".publisher-cache").glob("cache-*.sqlite")
    data = bytearray(database.read_bytes())
    data[4096:] = b"\xde\xad" * ((len(data) - 4096) // 2)
    database.write_bytes(bytes(data))
    assert invoke("--force", "-q")[0] == 0
    assert invoke("--validate")[0] == 0


def test_a_file_deleted_from_dist_is_rebuilt(seeds: Path) -> None:
    assert invoke("-q")[0] == 0
    Path("dist/index.html").unlink()
    code, output = invoke()
    assert code == 0 and "wrote" in output and Path("dist/index.html").is_file()


def test_odd_output_names_are_cleaned_up(seeds: Path) -> None:
    for _ in range(2):
        assert invoke("--dist", "out[1]*", "--force", "-q")[0] == 0
    assert Path("out[1]*/index.html").is_file()
    leftovers = [p.name for p in Path.cwd().iterdir() if p.name.startswith(".out[1]*.")]
    assert not [name for name in leftovers if ".staging-" in name or ".old-" in name]


def test_deeply_nested_json_seed_is_a_problem(in_tmp: Path) -> None:
    folder = in_tmp / "seeds"
    folder.mkdir()
    (folder / "deep.json").write_text("[" * 100_000 + "]" * 100_000, "utf-8")
    code, output = invoke("--validate")
    assert code == 1 and "deep.json" in output
