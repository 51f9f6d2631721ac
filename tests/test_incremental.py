"""Rebuilds: nothing changed means nothing to do; any change rebuilds exactly."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from publisher.cli import main

from .conftest import FIXTURES, SEED, seed_files
from .test_golden import tree


def publish(*args: str) -> str:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture
def project(in_tmp: Path) -> Path:
    seeds = in_tmp / "seeds"
    seeds.mkdir()
    shutil.copy(SEED, seeds)
    for path in seed_files(FIXTURES / "valid")[:8]:
        shutil.copy(path, seeds)
    return in_tmp


def test_unchanged_input_is_not_rebuilt(project: Path) -> None:
    assert "wrote" in publish()
    inode = Path("dist").stat().st_ino
    assert "dist is up to date" in publish()
    assert Path("dist").stat().st_ino == inode  # the same folder: nothing was swapped


@pytest.mark.parametrize("change", ["edit", "add", "delete", "settings", "dist gone", "force"])
def test_any_change_rebuilds(project: Path, change: str) -> None:
    publish()
    args: list[str] = []
    seeds = project / "seeds"
    if change == "edit":
        path = seeds / SEED.name
        path.write_text(path.read_text("utf-8").replace("Putin", "Mr Putin", 1), "utf-8")
        os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 10**9))
    elif change == "add":
        shutil.copy(SEED, seeds / "999_added.txt")
    elif change == "delete":
        (seeds / SEED.name).unlink()
    elif change == "settings":
        Path("pyproject.toml").write_text('[tool.publisher]\ntitle = "Another"\n', "utf-8")
    elif change == "dist gone":
        shutil.rmtree("dist")
    else:
        args = ["--force"]
    assert "wrote" in publish(*args)


def test_incremental_builds_equal_a_cold_build(project: Path) -> None:
    """After adds, edits and deletes, dist/ is byte-identical to a cold build."""
    seeds = project / "seeds"
    publish()
    shutil.copy(SEED, seeds / "500_second.txt")
    publish()
    path = seeds / "500_second.txt"
    path.write_text(path.read_text("utf-8").replace("# US-Russia", "# Edited: US-Russia"), "utf-8")
    publish()
    next(p for p in sorted(seeds.iterdir()) if p.name != SEED.name).unlink()
    publish()
    incremental = tree(project / "dist")
    shutil.rmtree(project / ".publisher-cache")
    publish("--dist", "cold")
    assert tree(project / "cold") == incremental
