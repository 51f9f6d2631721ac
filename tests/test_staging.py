"""Staging.write: files made by name (plain string paths), never rewritten in place, each
hard-linked into the twin tree of a fresh build; paths outside the tree refused. Trees:
the record of what each kept tree holds."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from publisher.output import Staging
from publisher.trees import Trees


def staging(tmp_path: Path, twin: bool = True) -> Staging:
    made = Staging(tmp_path / "dist")
    made.root.mkdir()
    if twin:
        made.twin = tmp_path / "twin"
        made.twin.mkdir()
    return made


def test_files_are_written_and_linked_into_the_twin(tmp_path: Path) -> None:
    made = staging(tmp_path)
    made.write("articles/a.html", "é")
    made.write("feeds/archive/region/x/2019.atom", b"<feed/>")
    made.write("index.html", b"")
    assert (made.root / "articles/a.html").read_bytes() == "é".encode()
    assert (made.root / "feeds/archive/region/x/2019.atom").read_bytes() == b"<feed/>"
    assert made.twin is not None
    for name in ("articles/a.html", "feeds/archive/region/x/2019.atom", "index.html"):
        assert (made.twin / name).samefile(made.root / name)
    assert made.written == {"articles/a.html", "feeds/archive/region/x/2019.atom", "index.html"}


def test_a_large_file_is_written_whole(tmp_path: Path) -> None:
    made = staging(tmp_path, twin=False)
    data = os.urandom(3 * 2**20)
    made.write("big.bin", data)
    assert (made.root / "big.bin").read_bytes() == data


def test_a_file_of_the_earlier_tree_is_replaced_not_rewritten(tmp_path: Path) -> None:
    made = staging(tmp_path, twin=False)
    (made.root / "a").mkdir()
    (made.root / "a/page.html").write_bytes(b"old")
    os.link(made.root / "a/page.html", tmp_path / "other-tree")
    made.write("a/page.html", b"new")
    assert (made.root / "a/page.html").read_bytes() == b"new"
    assert (tmp_path / "other-tree").read_bytes() == b"old"


def test_paths_that_are_not_plain_are_normalised(tmp_path: Path) -> None:
    made = staging(tmp_path)
    made.write("a//b/./c.txt", b"x")
    assert (made.root / "a/b/c.txt").read_bytes() == b"x"
    assert made.twin is not None and (made.twin / "a/b/c.txt").samefile(made.root / "a/b/c.txt")
    assert made.path("d/e.txt") == made.root / "d/e.txt"


@pytest.mark.parametrize("bad", ["../x", "a/../../x", "/etc/passwd", "", ".", "a/.."])
def test_paths_outside_the_tree_are_refused(tmp_path: Path, bad: str) -> None:
    made = staging(tmp_path)
    with pytest.raises(ValueError, match="outside the output folder"):
        made.write(bad, b"x")
    assert not (tmp_path / "x").exists()


def test_a_path_is_written_once(tmp_path: Path) -> None:
    made = staging(tmp_path)
    made.write("a.txt", b"1")
    with pytest.raises(ValueError, match="written twice"):
        made.write("a.txt", b"2")


def test_a_manifest_like_the_first_is_recorded_as_what_differs(tmp_path: Path) -> None:
    """Trees.save writes the spare's manifest as its differences from the output's when
    they are few (an edit's), and reads back exactly the manifests it was given."""
    target, spare = tmp_path / "dist", tmp_path / ".dist.spare"
    target.mkdir()
    spare.mkdir()
    live = {f"articles/{n}.html": f"k{n}" for n in range(100)}
    like = {**live, "articles/7.html": "old", "articles/old.html": "k"}
    del like["articles/8.html"]
    unlike = {f"feeds/{n}.atom": "k" for n in range(100)}
    for given, delta in ((like, True), (unlike, False), (live, True)):
        Trees(tmp_path / "cache", target).save(live=(target, live), spare=(spare, given))
        state = json.loads((tmp_path / "cache" / "trees-dist.json").read_bytes())
        assert ("like" in state["spare"]) is delta and ("paths" in state["spare"]) is not delta
        assert len(state["spare"].get("changed", ())) == (2 if given is like else 0)
        trees = Trees(tmp_path / "cache", target)
        assert trees.manifest("live", target) == live
        assert trees.manifest("spare", spare) == given
        assert trees.manifest("spare", target) is None  # another tree than the one recorded


def test_a_damaged_record_of_differences_vouches_for_no_tree(tmp_path: Path) -> None:
    target, spare = tmp_path / "dist", tmp_path / ".dist.spare"
    target.mkdir()
    spare.mkdir()
    live = {f"articles/{n}.html": "k" for n in range(10)}
    Trees(tmp_path / "cache", target).save(live=(target, live), spare=(spare, live))
    record = tmp_path / "cache" / "trees-dist.json"
    good = json.loads(record.read_bytes())
    for damage in (
        {"gone": "articles/1.html"},
        {"gone": [["articles/1.html"]]},
        {"like": "spare"},
        {"changed": []},
        {"changed": {"articles/1.html": ["k"]}},
    ):
        record.write_text(json.dumps({**good, "spare": {**good["spare"], **damage}}))
        assert Trees(tmp_path / "cache", target).manifest("spare", spare) is None
