"""Golden files: the feeds built from the fixture corpus (the seed document and every valid
fixture), byte for byte. The corpus is the tests' own: `seeds/` is content and may change.

Regenerate after an intended change to the output:

    UPDATE_GOLDEN=1 .venv/bin/pytest tests/test_golden.py

then review `git diff tests/golden` before committing.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from publisher.config import load_settings
from publisher.pipeline import build
from publisher.store import MemoryStore
from publisher.store.check import check_folder

from .conftest import FIXTURES, ROOT, SEED, seed_files

GOLDEN = ROOT / "tests" / "golden"


def tree(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def golden_corpus(folder: Path) -> Path:
    folder.mkdir()
    for path in [SEED, *seed_files(FIXTURES / "valid")]:
        shutil.copy(path, folder / path.name)
    return folder


def test_feeds_match_golden_files(tmp_path: Path) -> None:
    result = check_folder(golden_corpus(tmp_path / "seeds"))
    assert result.ok, result.problems
    build(
        MemoryStore.of(result.articles), load_settings(ROOT / "pyproject.toml"), tmp_path / "dist"
    )
    built = tree(tmp_path / "dist" / "feeds")
    if os.environ.get("UPDATE_GOLDEN"):
        shutil.rmtree(GOLDEN / "feeds", ignore_errors=True)
        shutil.copytree(tmp_path / "dist" / "feeds", GOLDEN / "feeds")
        pytest.skip("golden files regenerated; review git diff tests/golden")
    golden = tree(GOLDEN / "feeds")
    assert sorted(built) == sorted(golden)
    for name, data in golden.items():
        assert built[name] == data, f"{name} differs from tests/golden/feeds/{name}"
