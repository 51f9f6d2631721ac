"""Shared test helpers: paths to the fixture corpus.

Tests never read `seeds/`: that folder is the project's content, which editors change
(adding an article there must not break the suite). `fixtures/seed/` holds a copy of the
seed document the scraped format comes from.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
SEED = FIXTURES / "seed" / "000_64a29ae14d7662cb.txt"


def seed_files(folder: Path) -> list[Path]:
    """Seed files of a fixture folder (expectation files are not seeds)."""
    return sorted(
        p
        for p in folder.iterdir()
        if p.suffix in (".txt", ".json") and not p.name.endswith(".expected.json")
    )


@pytest.fixture
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Run in an empty folder: no pyproject.toml settings, relative paths land in tmp."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def seeds(in_tmp: Path) -> Path:
    """A seeds folder in the current (empty, temporary) folder holding the seed document."""
    folder = in_tmp / "seeds"
    folder.mkdir()
    shutil.copy(SEED, folder)
    return folder
