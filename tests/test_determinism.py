"""Same input, byte-identical output, whatever the time zone, locale or time of day."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

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
