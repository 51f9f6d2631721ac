"""Same input, byte-identical output, whatever the time zone, locale or time of day."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks.generate import generate
from publisher import gzip_stream, parquet, pipeline
from publisher.config import Settings
from publisher.tuning import Tuning

from .conftest import ROOT
from .feedtools import corpus
from .test_golden import tree


def installed_locales() -> set[str]:
    try:
        out = subprocess.run(["locale", "-a"], capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return set()
    return {line.strip().lower().replace("utf-8", "utf8") for line in out.splitlines()}


def publish(seeds: Path, dist: Path, env: dict[str, str]) -> None:
    subprocess.run(
        [sys.executable, "-m", "publisher", "--seeds", str(seeds), "--dist", str(dist), "-q"],
        check=True,
        cwd=ROOT,
        env={**os.environ, **env},
    )


def test_build_is_byte_identical_across_time_zones_and_locales(tmp_path: Path) -> None:
    seeds = corpus(tmp_path / "seeds")
    # scripts/test.sh generates de_DE.UTF-8; elsewhere fall back to the C.UTF-8 locale.
    other = "de_DE.UTF-8" if "de_de.utf8" in installed_locales() else "C.UTF-8"
    publish(seeds, tmp_path / "a", {"TZ": "UTC", "LC_ALL": "C.UTF-8"})
    publish(seeds, tmp_path / "b", {"TZ": "Pacific/Kiritimati", "LC_ALL": other, "LANG": other})
    a, b = tree(tmp_path / "a"), tree(tmp_path / "b")
    assert len(a) > 50
    assert a.keys() == b.keys()
    assert [name for name in a if a[name] != b[name]] == []


def test_rebuild_is_byte_identical(tmp_path: Path) -> None:
    seeds = corpus(tmp_path / "seeds")
    publish(seeds, tmp_path / "dist", {})
    first = tree(tmp_path / "dist")
    publish(seeds, tmp_path / "dist", {"TZ": "America/St_Johns"})
    assert tree(tmp_path / "dist") == first


def test_tuning_changes_how_not_what(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Tuning decides how the work is done, never what it makes: everything in this
    process (workers=1) and everything shared out in tiny chunks and batches (so every
    pool and forked part runs) give the same site and the same release. (Row groups and
    gzip blocks made small, so that the batches cut across several of each.)"""
    monkeypatch.setattr(parquet, "ROW_GROUP_ROWS", 9)
    monkeypatch.setattr(gzip_stream, "BLOCK", 4096)
    seeds = tmp_path / "seeds"
    generate(80, seeds, seed=11)
    one = Tuning(workers=1)
    many = Tuning(
        workers=2,
        check_parallel_from=10,
        article_chunk=7,
        documents_parallel_from=1.0,
        record_batch=3,
        data_batch=5,
    )
    trees = []
    for name, tuning in (("one", one), ("many", many)):
        dist, cache = tmp_path / name / "dist", tmp_path / name / "cache"
        result, store = pipeline.check(seeds, cache, tuning=tuning)
        assert result.ok
        pipeline.build(store, Settings(), dist, cache=cache, tuning=tuning)
        pipeline.release(store, Settings(), dist, dt.date(2026, 1, 1), cache=cache, tuning=tuning)
        trees.append(tree(dist))
    assert len(trees[0]) > 200 and any(p.startswith("releases/v1.0.0/") for p in trees[0])
    assert trees[0].keys() == trees[1].keys()
    assert [name for name in trees[0] if trees[0][name] != trees[1][name]] == []
