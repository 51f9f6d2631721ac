"""The incremental seed cache: reused when unchanged, redone when edited, never wrong."""

from __future__ import annotations

import dataclasses
import datetime as dt
import marshal
import os
import shutil
from pathlib import Path

import pytest

import publisher.store.check as check
from publisher.load import SEED_SUFFIXES, is_seed_name
from publisher.model import ArticleRef, make_ref
from publisher.store import snapshot
from publisher.store.check import check_folder
from publisher.store.sqlite import Cache, opened
from publisher.tuning import DEFAULT, Tuning
from publisher.validate import Verdict

from .conftest import FIXTURES, SEED, seed_files


@pytest.fixture
def seeds(tmp_path: Path) -> Path:
    folder = tmp_path / "seeds"
    folder.mkdir()
    shutil.copy(SEED, folder)
    for path in seed_files(FIXTURES / "valid")[:6]:
        shutil.copy(path, folder)
    return folder


def listed(store: Cache) -> dict[str, str]:
    """The seeds the snapshot of all verdicts names, with their signatures."""
    rows, failed = snapshot.read_snapshot(store)
    return {row[0]: row[1] for row in rows} | {key: sig for key, sig, _ in failed}


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    seen: list[Path] = []
    original = check.check_file

    def counting(path: Path, root: Path | None = None) -> Verdict:
        seen.append(path)
        return original(path, root)

    monkeypatch.setattr(check, "check_file", counting)
    return seen


def test_unchanged_files_are_not_checked_again(
    seeds: Path, tmp_path: Path, calls: list[Path]
) -> None:
    cache = tmp_path / "cache"
    first = check_folder(seeds, cache)
    assert len(calls) == 7
    calls.clear()
    second = check_folder(seeds, cache)
    assert calls == []
    assert second == first and len(second.articles) == 7


def test_edited_file_is_checked_again(seeds: Path, tmp_path: Path, calls: list[Path]) -> None:
    cache = tmp_path / "cache"
    check_folder(seeds, cache)
    calls.clear()
    path = seeds / SEED.name
    text = path.read_text("utf-8")
    path.write_text(text.replace("September 07, 2013", "September 31, 2013"), "utf-8")
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    result = check_folder(seeds, cache)
    assert calls == [path]
    assert [p.path for p in result.problems] == ["$.published"]
    assert len(result.articles) == 6


def test_added_and_deleted_files(seeds: Path, tmp_path: Path, calls: list[Path]) -> None:
    cache = tmp_path / "cache"
    check_folder(seeds, cache)
    calls.clear()
    (seeds / SEED.name).unlink()
    added = seeds / "999_added.txt"
    shutil.copy(SEED, added)
    result = check_folder(seeds, cache)
    assert calls == [added]
    assert {a.id for a in result.articles} >= {"added"}
    assert "64a29ae14d7662cb" not in {a.id for a in result.articles}


def test_verdicts_stored_one_by_one_fill_in_for_the_list(
    seeds: Path, tmp_path: Path, calls: list[Path]
) -> None:
    """All verdicts are read as one value; a run killed before it stored that value has
    still stored each verdict as it came, and the next run uses those."""
    cache = tmp_path / "cache"
    first = check_folder(seeds, cache)
    with opened(cache) as store:
        assert store is not None
        assert len(listed(store)) == 7
        store.db.execute("DELETE FROM entries WHERE kind = ?", (snapshot.SNAPSHOT,))
        store.db.commit()
    calls.clear()
    assert check_folder(seeds, cache) == first
    assert calls == []
    with opened(cache) as store:  # and the list is whole again
        assert store is not None
        assert len(listed(store)) == 7


def forty_seeds_checked(tmp_path: Path) -> tuple[Path, Path]:
    """A seeds folder of forty copies of the seed, checked once with a cache: (seeds,
    cache folder)."""
    folder = tmp_path / "seeds"
    folder.mkdir()
    text = SEED.read_text("utf-8")
    for number in range(40):
        (folder / f"{number:03d}_a{number}.txt").write_text(text, "utf-8")
    cache = tmp_path / "cache"
    check_folder(folder, cache)
    return folder, cache


def test_a_few_edits_are_read_from_their_own_rows(tmp_path: Path, calls: list[Path]) -> None:
    """The list of all verdicts is not rewritten for every edit of a large archive; the
    edited seeds' verdicts come from their rows, and the list catches up when many lag."""
    folder, cache = forty_seeds_checked(tmp_path)
    text = SEED.read_text("utf-8")
    edited = folder / "007_a7.txt"
    edited.write_text(text.replace("September 07, 2013", "September 08, 2013"), "utf-8")
    calls.clear()
    first = check_folder(folder, cache)
    assert calls == [edited]
    with opened(cache) as store:
        assert store is not None
        assert listed(store)[str(edited)] != check.seed_signatures([edited])[0][str(edited)]
    calls.clear()
    again = check_folder(folder, cache)
    assert calls == [] and again == first
    assert {a.id: a.published.day for a in again.articles}["a7"] == 8
    for number in range(10, 20):  # more than a tenth of the archive: the list is rewritten
        path = folder / f"{number:03d}_a{number}.txt"
        path.write_text(text.replace("# US", "# Edited US", 1), "utf-8")
    check_folder(folder, cache)
    with opened(cache) as store:
        assert store is not None
        assert listed(store)[str(edited)] == check.seed_signatures([edited])[0][str(edited)]


def test_seeds_added_and_removed_leave_no_rows(tmp_path: Path) -> None:
    """A seed checked after the list of all verdicts was written and then removed (not
    on that list) still leaves the cache."""
    folder, cache = forty_seeds_checked(tmp_path)
    text = SEED.read_text("utf-8")
    for cycle in range(5):
        extra = folder / f"900_extra{cycle}.txt"
        extra.write_text(text, "utf-8")
        check_folder(folder, cache)
        extra.unlink()
        check_folder(folder, cache)
    with opened(cache) as store:
        assert store is not None
        assert store.count("seed") == 40 and store.count("record") == 40


def test_removed_seeds_leave_the_cache(seeds: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    check_folder(seeds, cache)
    gone = seeds / SEED.name
    gone.unlink()
    check_folder(seeds, cache)
    with opened(cache) as store:
        assert store is not None
        assert str(gone) not in listed(store)
        kept = {key for (key,) in store.db.execute("SELECT key FROM entries WHERE kind='seed'")}
        assert len(kept) == 6 and str(gone) not in kept
        assert str(gone) not in store.get_raw("record", [str(gone)])


def test_cached_and_uncached_results_are_identical(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    for folder in ("valid", "invalid", "duplicates"):
        plain = check_folder(FIXTURES / folder)
        check_folder(FIXTURES / folder, cache)
        assert check_folder(FIXTURES / folder, cache) == plain


def test_validation_only_skips_loading_records(seeds: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    check_folder(seeds, cache)
    result = check_folder(seeds, cache, articles=False)
    assert result.ok and result.articles == () and len(result.valid_keys) == 7


def test_a_corrupt_cache_is_ignored(seeds: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    check_folder(seeds, cache)
    for path in cache.glob("cache-*.sqlite"):
        path.write_bytes(b"this is not a database" * 100)
    assert len(check_folder(seeds, cache).articles) == 7


def test_many_files_are_checked_in_parallel_with_the_same_result(tmp_path: Path) -> None:
    folder = tmp_path / "many"
    folder.mkdir()
    text = SEED.read_text("utf-8")
    for number in range(DEFAULT.check_parallel_from + 10):
        (folder / f"{number:04d}_a{number}.txt").write_text(text, "utf-8")
    (folder / "9999_bad.txt").write_text(text.replace("# US", "US"), "utf-8")
    result = check_folder(folder)
    assert len(result.articles) == DEFAULT.check_parallel_from + 10
    assert [(Path(p.file).name, p.path) for p in result.problems] == [("9999_bad.txt", "$.title")]


def test_one_worker_checks_in_this_process(seeds: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Tuning(workers=1): no pool, whatever the number of seeds; the same result."""
    pooled = check_folder(seeds, tuning=Tuning(workers=2, check_parallel_from=2))

    def no_pool(workers: int) -> None:
        raise AssertionError("a worker pool was started")

    monkeypatch.setattr(check, "process_pool", no_pool)
    assert check_folder(seeds, tuning=Tuning(workers=1, check_parallel_from=2)) == pooled
    with pytest.raises(AssertionError, match="worker pool"):
        check_folder(seeds, tuning=Tuning(workers=2, check_parallel_from=2))


@pytest.mark.parametrize(
    "damage",
    [
        b"not marshal at all",
        b'{"seeds/a.txt": ["[1, 2, 3, 4]", null, []]}',  # the JSON list of earlier versions
        marshal.dumps((0, (), ())),  # another format
        marshal.dumps((snapshot.SNAPSHOT_FORMAT, (("k", "s", "too short"),), ())),
        marshal.dumps((snapshot.SNAPSHOT_FORMAT, ((1, 2, 3, 4, 5, 6, 7, 8, 9, 10),), ())),
        marshal.dumps((snapshot.SNAPSHOT_FORMAT, [], [("k", "s", "p", "extra")])),
        marshal.dumps((snapshot.SNAPSHOT_FORMAT, (), ()))[:-2],  # truncated
    ],
)
def test_a_damaged_snapshot_is_ignored(
    seeds: Path, tmp_path: Path, calls: list[Path], damage: bytes
) -> None:
    """A snapshot that is not what snapshot_of wrote is ignored: the verdicts come from
    their own rows (nothing is parsed again) and the snapshot is written anew."""
    cache = tmp_path / "cache"
    (seeds / "bad.txt").write_text("# Only a title\n", "utf-8")
    first = check_folder(seeds, cache)
    assert not first.ok and len(first.articles) == 7
    with opened(cache) as store:
        assert store is not None
        store.put_raw(snapshot.SNAPSHOT, [("", "", damage)])
    calls.clear()
    assert check_folder(seeds, cache) == first
    assert calls == []
    with opened(cache) as store:
        assert store is not None
        assert len(listed(store)) == 8


def test_the_snapshot_keeps_every_field(seeds: Path, tmp_path: Path) -> None:
    """Entries read back from the snapshot equal those made from the records, and come
    in chronological order (the order the plan walks them)."""
    cache = tmp_path / "cache"
    plain = check_folder(seeds)
    check_folder(seeds, cache)
    again = check_folder(seeds, cache)
    assert again.entries == plain.entries and again.problems == plain.problems
    with opened(cache) as store:
        assert store is not None
        rows, _ = snapshot.read_snapshot(store)
    dates = [(row[4], row[2]) for row in rows]
    assert dates == sorted(dates) and len(rows) == 7


def test_make_ref() -> None:
    """make_ref gives the same object as the dataclass's __init__."""
    fields = (
        "an-id",
        "A title",
        dt.date(2013, 9, 7),
        dt.date(2013, 9, 8),
        ("Europe",),
        (),
        ("Report", "Other"),
        ("An Author", "Another"),
        "An Outlet",
        "ab" * 32,
        "seeds/an-id.txt",
        "cd" * 32,
    )
    made, plain = make_ref(*fields), ArticleRef(*fields)
    assert made == plain and hash(made) == hash(plain) and repr(made) == repr(plain)
    assert type(made) is ArticleRef and vars(made) == vars(plain)
    assert dataclasses.replace(made, title="Other") == dataclasses.replace(plain, title="Other")
    with pytest.raises(dataclasses.FrozenInstanceError):
        made.title = "changed"  # type: ignore[misc]


@pytest.mark.parametrize(
    "name",
    [
        "a.txt",
        "A.TXT",
        "a.Json",
        "a.json.txt",
        "a.txt.bak",
        ".txt",
        "..txt",
        "...json",
        "a..txt",
        ".a.txt",
        "txt",
        "a.",
        "a",
        ".",
        "..",
        "a.tXt ",
        "a\nb.txt",
        "é.txt",
        "a.jsonl",
        "a.tx",
        "",
    ],
)
def test_seed_names_are_those_splitext_finds(name: str) -> None:
    assert is_seed_name(name) == (os.path.splitext(name)[1].lower() in SEED_SUFFIXES)  # noqa: PTH122


def test_a_new_cache_has_large_pages(tmp_path: Path) -> None:
    # A record fits in one page rather than a chain of 4 KB overflow pages.
    with opened(tmp_path / "cache") as store:
        assert store is not None
        (size,) = store.db.execute("PRAGMA page_size").fetchone()
        assert size == 65536


def test_csv_rows_are_packed_only_for_a_cache_to_keep(
    seeds: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    packed: list[str] = []
    original = check.packed_row

    def counting(record: dict[str, object]) -> bytes:
        packed.append(str(record["id"]))
        return original(record)

    monkeypatch.setattr(check, "packed_row", counting)
    result = check_folder(seeds)  # no cache: a release packs the lines itself
    assert result.ok and packed == []
    check_folder(seeds, cache_dir=tmp_path / "cache")
    assert sorted(packed) == sorted(entry.id for entry in result.entries)
