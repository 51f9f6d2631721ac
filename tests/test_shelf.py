"""The shelf: pieces of one build pass kept in an unlinked file for the next."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from publisher.engine.shelf import Shelf


def test_pieces_come_back_exactly_and_leave_no_file(tmp_path: Path) -> None:
    shelf = Shelf(tmp_path)
    first = [("a", "light.atom", "<entry>é</entry>"), ("a", "light.rss", "🙂"), ("a", "item", "")]
    shelf.add(*Shelf.pack(first))
    shelf.add(*Shelf.pack([("b", "light.atom", "second batch"), ("a", "full.atom", "x" * 5000)]))
    assert list(tmp_path.iterdir()) == []  # unlinked: nothing to clean up after a kill
    assert shelf.get("a", "light.atom") == "<entry>é</entry>"
    assert shelf.get("a", "light.rss") == "🙂" and shelf.get("a", "item") == ""
    assert shelf.get("b", "light.atom") == "second batch"
    assert shelf.get("a", "full.atom") == "x" * 5000
    assert shelf.get("b", "light.rss") is None and shelf.get("c", "item") is None
    assert shelf.get_all("a", ["light.atom", "light.rss"]) == ["<entry>é</entry>", "🙂"]
    # Pieces far apart (two batches) and out of order are read one by one.
    assert shelf.get_all("a", ["full.atom", "light.atom"]) == ["x" * 5000, "<entry>é</entry>"]
    assert shelf.get_all("a", ["light.atom", "missing"]) is None
    encoded = shelf.get_encoded("a", ["light.atom", "light.rss"])  # not decoded: UTF-8
    assert encoded is not None and [bytes(data) for data in encoded] == [
        "<entry>é</entry>".encode(),
        "🙂".encode(),
    ]
    assert len(shelf) == 5
    shelf.close()


def test_a_forked_process_reads_the_same_pieces(tmp_path: Path) -> None:
    shelf = Shelf(tmp_path)
    shelf.add(*Shelf.pack([(str(i), "item", f"piece {i}") for i in range(1000)]))
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        ok = all(shelf.get(str(i), "item") == f"piece {i}" for i in range(1000))
        os.write(write_end, b"1" if ok else b"0")
        os._exit(0)
    os.close(write_end)
    assert os.read(read_end, 1) == b"1"
    os.waitpid(pid, 0)
    shelf.close()


def test_short_writes_are_completed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """pwrite may write less than asked (a disk full for a moment): the rest is written."""
    real = os.pwrite

    def short(fd: int, data: bytes, offset: int) -> int:
        return real(fd, bytes(data[:3]), offset)

    monkeypatch.setattr(os, "pwrite", short)
    shelf = Shelf(tmp_path)
    shelf.add(*Shelf.pack([("a", "item", "<li>first</li>"), ("b", "item", "second é")]))
    assert shelf.get("a", "item") == "<li>first</li>" and shelf.get("b", "item") == "second é"
    shelf.close()
