"""write_behind: a large file written through Staging.open reaches the disk and leaves the
page cache every STEP bytes, and holds exactly the bytes written, however they are cut."""

from __future__ import annotations

import itertools
import os
from pathlib import Path

import pytest

from publisher import write_behind
from publisher.output import Staging


@pytest.fixture
def flushes(monkeypatch: pytest.MonkeyPatch) -> list[tuple[int, int]]:
    """Every range dropped from the page cache (offset, length), with STEP set to 300,000."""
    dropped: list[tuple[int, int]] = []
    real = os.posix_fadvise

    def advise(fd: int, offset: int, length: int, advice: int) -> None:
        assert advice == os.POSIX_FADV_DONTNEED
        dropped.append((offset, length))
        real(fd, offset, length, advice)

    monkeypatch.setattr(write_behind, "STEP", 300_000)
    monkeypatch.setattr(os, "posix_fadvise", advise)
    return dropped


@pytest.mark.parametrize("cut", [7, 999, 4096, 300_001, 1 << 20, 3 << 20])
def test_bytes_are_exact_and_dropped_in_steps(
    tmp_path: Path, flushes: list[tuple[int, int]], cut: int
) -> None:
    data = os.urandom(5_000_000)  # past the 1 MB buffer, so the raw file is written often
    fd = os.open(tmp_path / "f", os.O_WRONLY | os.O_CREAT | os.O_EXCL)
    with write_behind.open_behind(fd) as out:
        for at in range(0, len(data), cut):
            out.write(data[at : at + cut])
    assert (tmp_path / "f").read_bytes() == data
    # The ranges dropped cover the file once, in order, with no gap; each but the last
    # at least STEP long (the buffer writes the raw file in pieces of its own).
    assert len(flushes) >= 2
    assert flushes[0][0] == 0
    assert all(a + n == b for (a, n), (b, _) in itertools.pairwise(flushes))
    assert sum(n for _, n in flushes) == len(data)
    assert all(n >= 300_000 for _, n in flushes[:-1])


def test_staging_open_writes_behind(tmp_path: Path, flushes: list[tuple[int, int]]) -> None:
    staging = Staging(tmp_path / "dist")
    staging.root.mkdir(parents=True)
    with staging.open("releases/v1.0.0/articles.csv") as out:
        out.write(b"x" * 5000)
    assert (staging.root / "releases/v1.0.0/articles.csv").read_bytes() == b"x" * 5000
    assert sum(n for _, n in flushes) == 5000


def test_small_file_is_synced_on_close(tmp_path: Path, flushes: list[tuple[int, int]]) -> None:
    fd = os.open(tmp_path / "f", os.O_WRONLY | os.O_CREAT | os.O_EXCL)
    with write_behind.open_behind(fd) as out:
        out.write(b"abc")
    assert flushes == [(0, 3)]
    assert (tmp_path / "f").read_bytes() == b"abc"
