"""A release streams its records: data files made a batch at a time equal the files made
whole, the records are read from the cache a batch at a time (checked against their
digests), and planning a release loads no record at all."""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import gzip
import io
import json
import os
import re
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import orjson
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from publisher import (
    dataset,
    dataset_docs,
    gzip_stream,
    parquet,
    produce,
    release,
    release_write,
    rows,
)
from publisher.config import load_settings
from publisher.dataset import Record, canonical_json_bytes, record_sha256
from publisher.engine import parallel
from publisher.engine.parallel import run_parts, started
from publisher.file_streams import Written
from publisher.model import ArticleRef, index_of
from publisher.output import Staging
from publisher.release import plan_release
from publisher.release_write import release_files
from publisher.schema import field_names
from publisher.store import ChangedDuringBuild, MemoryStore, SeedStore
from publisher.store.check import check_folder, check_seeds
from publisher.store.sqlite import Cache
from publisher.tuning import Tuning
from publisher.validate import CheckResult, Verdict

from .releasetools import DATE, TRICKY, cut, make_seeds, tree
from .releasetools import release as run_release
from .sitetools import SETTINGS, cut_release

# -- the files as the whole-file code made them (before streaming): the reference -----------


def whole_jsonl(records: Sequence[Record]) -> bytes:
    return b"".join(canonical_json_bytes(record, newline=True) for record in records)


def whole_csv(records: Sequence[Record], transform: Callable[[str], str], encoding: str) -> bytes:
    buffer = io.BytesIO()
    with io.TextIOWrapper(buffer, encoding=encoding, newline="", write_through=True) as out:
        writer = csv.writer(out, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
        writer.writerow(field_names())
        for record in records:
            writer.writerow([transform(rows.csv_cell(record[n])) for n in field_names()])
        out.flush()
        return buffer.getvalue()


def variants(count: int) -> list[Record]:
    """`count` distinct records, sorted by id, with the text that is hard to get right:
    U+2028/U+2029, emoji (4-byte UTF-8), quotes, formulas, line breaks."""
    records = []
    for n in range(count):
        record = dict(TRICKY, id=f"r-{n:04d}", title=f"{TRICKY['title']} {n} 👩‍👩‍👧")
        record["body"] = f"{'=' if n % 3 == 1 else ''}Body {n}\u2029" + TRICKY["body"] * (n % 3 + 1)
        record["subtitle"] = TRICKY["subtitle"] if n % 2 else "Not a formula"
        record["publisher"] = None if n % 4 == 0 else f"Publisher {n % 3}"
        records.append(record)
    return records


@pytest.fixture(params=[1, 2, 3, 500])
def batch(request: pytest.FixtureRequest) -> int:
    size: int = request.param
    return size


@pytest.mark.parametrize("count", [0, 1, 2, 5, 7])
def test_streamed_data_files_equal_the_whole_files(batch: int, count: int) -> None:
    records = variants(count)

    def lines() -> Iterator[bytes]:
        return map(canonical_json_bytes, records)

    assert b"".join(dataset.jsonl_chunks(lines(), batch)) == whole_jsonl(records)
    packed = list(map(rows.packed_row, records))
    mixed = [
        row if n % 2 else line for n, (row, line) in enumerate(zip(packed, lines(), strict=True))
    ]
    # From the records' lines (no cache), their packed rows (made when checked), or both.
    for items in (list(lines()), packed, mixed):
        gather = dataset.Gather()
        tables = list(dataset.csv_chunks(items, gather, batch))
        assert b"".join(table for table, _ in tables) == whole_csv(records, lambda c: c, "utf-8")
        assert b"".join(sheet for _, sheet in tables) == whole_csv(
            records, rows.neutralise, "utf-8-sig"
        )
        assert gather.summary() == summary_of(records)


def summary_of(records: Sequence[Record]) -> dataset.Summary:
    sources = {r["original_source"] for r in records} | {r["publisher"] for r in records}
    disclaimers: dict[str, int] = {}
    for record in records:
        disclaimers[record["disclaimer"]] = disclaimers.get(record["disclaimer"], 0) + 1
    return dataset.Summary(tuple(sorted(sources - {None})), tuple(disclaimers.items()))


def test_data_files_are_written_a_batch_at_a_time(monkeypatch: pytest.MonkeyPatch) -> None:
    # No chunk holds more than a batch of records, and each chunk is written before the
    # next records are read: memory stays at a batch whatever the release's size. (The
    # Parquet file holds a row group before writing, made small here; for the gzip file see
    # test_gzip_holds_a_block_at_most.)
    monkeypatch.setattr(parquet, "ROW_GROUP_ROWS", 8)
    records = variants(40)
    read = 0

    def lines(ids: Sequence[str]) -> Iterator[bytes]:
        nonlocal read
        read = 0
        for line in map(canonical_json_bytes, records):
            read += 1
            yield line

    chunks: dict[str, list[tuple[int, int]]] = {}

    class Recorder(io.BytesIO):
        def __init__(self, name: str) -> None:
            super().__init__()
            self.name = name
            chunks[name] = []

        def write(self, chunk: Any) -> int:
            chunks[self.name].append((len(chunk), read))
            return len(chunk)

    class Watched:
        def open(self, name: str) -> Recorder:
            return Recorder(name)

        def rename(self, old: str, new: str) -> None:
            chunks[new] = chunks.pop(old)

    plan = plan_release(MemoryStore.of(map(_article, records)).entries, Path("nowhere"), _date())
    # One process (no `start`): watch it all.
    release_files(plan, SETTINGS, lines, lines, Watched(), start=None, batch=4)
    for name in ("articles.csv", "articles.spreadsheet.csv"):
        sizes = [size for size, _ in chunks[name]]
        assert len(sizes) >= 10, name
        assert max(sizes) < 8 * sum(sizes) / len(records), name  # about 4 records each
        ahead = [already for _, already in chunks[name]]
        assert all(n <= 4 * (i + 1) for i, n in enumerate(ahead)), (name, ahead)
    ahead = [already for size, already in chunks["articles.parquet"] if size]
    assert len(ahead) >= 4
    # A row group is written once it is read: never more than a group and a batch on.
    assert all(n <= 8 * (i + 1) + 4 for i, n in enumerate(ahead)), ahead


def test_gzip_holds_a_block_at_most() -> None:
    # Incompressible input, so that the compressor has output at every block.
    data = os.urandom(5 * gzip_stream.BLOCK + 12345)
    read = 0

    def chunks() -> Iterator[bytes]:
        nonlocal read
        for at in range(0, len(data), 100_000):
            read = min(at + 100_000, len(data))
            yield data[at : at + 100_000]

    made = []
    for chunk in gzip_stream.gzip_chunks(chunks()):
        made.append(chunk)
        written = sum(map(len, made))
        assert read - written <= gzip_stream.BLOCK + 100_000 + 64 * 1024  # + ISA-L's window
    assert len(made) >= 5
    assert gzip.decompress(b"".join(made)) == data


@pytest.mark.parametrize("size", [1, 1000, 4096, 99_999, 1 << 20, (1 << 20) + 1, 3 << 20])
def test_gzip_bytes_do_not_depend_on_the_chunks(size: int) -> None:
    # ISA-L's output depends on how its input is cut: gzip_chunks feeds it fixed blocks.
    data = b"".join(canonical_json_bytes(r, newline=True) for r in variants(200)) * 20
    whole = b"".join(gzip_stream.gzip_chunks([data]))
    cut = b"".join(
        gzip_stream.gzip_chunks(data[at : at + size] for at in range(0, len(data), size))
    )
    assert cut == whole and gzip.decompress(whole) == data


def test_release_from_the_cache_equals_one_from_records(tmp_path: Path) -> None:
    # `publish release` streams the records from the cache (checked, in batches); an
    # archive in memory streams them from its articles: the same bytes.
    seeds = make_seeds(tmp_path / "seeds")
    cut(seeds, tmp_path / "dist")
    streamed = tree(tmp_path / "dist" / "releases")
    assert any((tmp_path / ".publisher-cache").glob("cache-*.sqlite"))
    in_memory = tmp_path / "memory"
    cut_release(seeds, in_memory, DATE, load_settings(None))  # the settings `publish` read
    assert tree(in_memory / "releases") == streamed
    lines = gzip.decompress(streamed["v1.0.0/articles.jsonl.gz"]).splitlines()
    records = [json.loads(line) for line in lines]
    assert gzip.decompress(streamed["v1.0.0/articles.jsonl.gz"]) == whole_jsonl(records)
    assert streamed["v1.0.0/articles.csv"] == whole_csv(records, lambda c: c, "utf-8")
    table = pq.read_table(io.BytesIO(streamed["v1.0.0/articles.parquet"]))
    assert table["id"].to_pylist() == [r["id"] for r in records]


def test_a_dry_run_and_the_plan_load_no_record(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seeds = make_seeds(tmp_path / "seeds")
    dist = tmp_path / "dist"
    cut(seeds, dist)
    record = json.loads((seeds / "900_tricky.json").read_text("utf-8"))
    record["title"] = "A corrected title"
    (seeds / "900_tricky.json").write_text(json.dumps(record, ensure_ascii=False), "utf-8")

    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("a record was loaded")

    monkeypatch.setattr(SeedStore, "load", refuse)
    monkeypatch.setattr(SeedStore, "lines", refuse)
    monkeypatch.setattr(SeedStore, "rows", refuse)
    result = run_release(seeds, dist, "--dry-run", "--date", DATE)
    assert result.exit_code == 0, result.output
    assert "changed  zz-tricky-text  A corrected title" in result.output


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(alphabet=st.characters(exclude_characters="\x00")), max_size=4))
def test_csv_fields_are_joined_as_csv_writer_joins_them(cells: list[str]) -> None:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL).writerow([*cells, "x"])
    assert ",".join(map(rows.csv_field, [*cells, "x"])) + "\r\n" == out.getvalue()


# -- the digest is the record's dataset hash ---------------------------------------------------


def test_entry_digest_is_the_sha256_of_the_canonical_line() -> None:
    for record in variants(3):
        assert "\u2028" in json.dumps(record, ensure_ascii=False)
        assert index_of(record)[-1] == record_sha256(record)
        assert index_of(record)[1] == record["title"]


# -- reading the records: the cache, a batch at a time, checked ------------------------------


def _checked(tmp_path: Path) -> tuple[Path, Path, CheckResult, SeedStore]:
    seeds = make_seeds(tmp_path / "seeds")
    cache = tmp_path / "cache"
    result, store = check_seeds(seeds, cache_dir=cache)
    assert result.ok and not store.fresh
    return seeds, cache, result, store


def _ids(result: CheckResult) -> list[str]:
    return [entry.id for entry in result.entries]


def _expected(seeds: Path) -> list[bytes]:
    articles = check_folder(seeds).articles
    return [canonical_json_bytes(a.to_record()) for a in articles]


def test_store_lines_reads_the_cache_a_batch_at_a_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seeds, _, result, store = _checked(tmp_path)
    expected = _expected(seeds)
    store = dataclasses.replace(store, tuning=Tuning(record_batch=3))
    asked: list[int] = []
    original = Cache.get_raw

    def get_raw(self: Cache, kind: str, keys: Sequence[str]) -> dict[str, bytes]:
        asked.append(len(keys))
        return original(self, kind, keys)

    monkeypatch.setattr(Cache, "get_raw", get_raw)
    parsed: list[Path] = []

    def parse(path: Path, root: Path | None) -> Verdict:
        parsed.append(path)
        return None, []

    monkeypatch.setattr("publisher.store.records.check_file", parse)
    lines = store.lines(_ids(result))
    assert asked == []  # nothing read before it is wanted
    first = next(lines)
    assert asked == [3]
    assert [first, *lines] == expected
    assert sum(asked) == len(result.entries) and max(asked) == 3
    assert parsed == []  # every record came from the cache


def test_store_lines_parses_what_the_cache_lost_or_got_wrong(tmp_path: Path) -> None:
    seeds, cache, result, store = _checked(tmp_path)
    first, second = result.entries[0].source, result.entries[1].source
    db = Cache(cache)
    db.db.execute("DELETE FROM entries WHERE kind = 'record' AND key = ?", (first,))
    tampered = orjson.dumps({"id": "tampered"})
    db.db.execute(
        "UPDATE entries SET value = ? WHERE kind = 'record' AND key = ?", (tampered, second)
    )
    db.db.commit()
    db.close()
    lines = list(store.lines(_ids(result)))
    assert lines == _expected(seeds)


def test_the_cache_keeps_each_records_packed_csv_rows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Made when the seed is checked, so that a release need not parse every record again;
    # a row made from another version of the record (its digest differs) is not used.
    seeds, cache, result, store = _checked(tmp_path)
    expected = _expected(seeds)
    records = [orjson.loads(line) for line in expected]
    kinds: list[str] = []
    original = Cache.get_raw

    def get_raw(self: Cache, kind: str, keys: Sequence[str]) -> dict[str, bytes]:
        kinds.append(kind)
        return original(self, kind, keys)

    monkeypatch.setattr(Cache, "get_raw", get_raw)
    items = list(store.rows(_ids(result)))
    assert [bytes(item) for item in items] == list(map(rows.packed_row, records))
    assert set(kinds) == {"row"}  # no record read
    first, second = result.entries[0], result.entries[1]
    db = Cache(cache)
    db.db.execute("DELETE FROM entries WHERE kind = 'row' AND key = ?", (first.source,))
    row = db.get_raw("row", [second.source])[second.source]
    stale = rows.stored("0" * 64, row[72:])  # as if made from an earlier version
    db.db.execute(
        "UPDATE entries SET value = ? WHERE kind = 'row' AND key = ?", (stale, second.source)
    )
    db.db.commit()
    db.close()
    kinds.clear()
    items = list(store.rows(_ids(result)))
    assert [bytes(item) for item in items[:2]] == expected[:2]  # their lines instead
    assert "record" in kinds
    assert all(bytes(item[:1]) == b"[" for item in items[2:])
    assert b"".join(t for t, _ in dataset.csv_chunks(items)) == whole_csv(
        records, lambda c: c, "utf-8"
    )


def test_a_damaged_packed_row_is_not_used(tmp_path: Path) -> None:
    # The cache keeps a checksum of each row: a damaged one is not published, the
    # record's line (checked against its digest) is packed instead.
    seeds, cache, result, store = _checked(tmp_path)
    expected = _expected(seeds)
    first = result.entries[0]
    db = Cache(cache)
    row = db.get_raw("row", [first.source])[first.source]
    damaged = row.replace(b"\r\n", b"\r\r", 1)
    db.db.execute(
        "UPDATE entries SET value = ? WHERE kind = 'row' AND key = ?", (damaged, first.source)
    )
    db.db.commit()
    db.close()
    assert rows.from_store(row, first.digest) is not None
    assert rows.from_store(damaged, first.digest) is None
    assert rows.from_store(row[:-1], first.digest) is None
    assert rows.from_store(row, "0" * 64) is None
    items = list(store.rows(_ids(result)))
    assert bytes(items[0]) == expected[0]


def test_a_packed_row_that_does_not_hold_what_it_says_is_refused() -> None:
    row = rows.packed_row(TRICKY)
    assert b"".join(t for t, _ in dataset.csv_chunks([row, row])).count(b"\r\n") > 2
    for damaged in (row[:-9], row[:-1], row.replace(b"\n", b" ", 1), row + b"x"):
        with pytest.raises(ValueError, match="packed CSV row"):
            list(dataset.csv_chunks([row, damaged, row]))


def test_store_lines_refuses_a_seed_changed_since_the_check(tmp_path: Path) -> None:
    seeds, _, result, _ = _checked(tmp_path)
    path = seeds / "900_tricky.json"
    record = json.loads(path.read_text("utf-8"))
    record["body"] += " Edited during the build."
    path.write_text(json.dumps(record, ensure_ascii=False), "utf-8")
    tricky = next(e for e in result.entries if e.source == str(path))
    store = SeedStore((tricky,), None, seeds)  # no cache: parsed again, refused
    with pytest.raises(ChangedDuringBuild):
        list(store.lines([tricky.id]))


def _line_file(path: Path, data: bytes) -> None:
    """A published release's line file: gzip or (cut by an earlier version) plain."""
    path.write_bytes(gzip.compress(data) if path.suffix == ".gz" else data)


@pytest.mark.parametrize("name", ["articles.jsonl.gz", "articles.jsonl"])
def test_published_records_are_read_line_by_line(tmp_path: Path, name: str) -> None:
    records = variants(3)
    folder = tmp_path / "releases" / "v1.0.0"
    folder.mkdir(parents=True)
    _line_file(folder / name, whole_jsonl(records))
    read, changed = release._published_records(tmp_path, release.Version(1, 0, 0))
    assert read == {r["id"]: (record_sha256(r), r["title"]) for r in records}
    assert changed == {}
    # Given the current digests, where the lines are of the records whose digest differs.
    current = {"r-0000": record_sha256(records[0]), "r-0001": "0" * 64, "new": "1" * 64}
    _, changed = release._published_records(tmp_path, release.Version(1, 0, 0), current)
    first = len(whole_jsonl(records[:1]))
    assert changed == {"r-0001": (first, len(whole_jsonl(records[1:2])))}
    _line_file(folder / name, whole_jsonl(records) + b"{not json\n")
    with pytest.raises(release.ReleaseError, match="cannot read the records"):
        release._published_records(tmp_path, release.Version(1, 0, 0))


def test_changed_fields() -> None:
    old = dict(TRICKY, updated=None)
    new = dict(old, title="New", updated="2024-03-02", language="en")  # one field more
    del new["contact"]  # one field fewer
    assert release_write.changed_fields(old, dict(reversed(old.items()))) == ()
    assert release_write.changed_fields(old, new) == ("contact", "language", "title", "updated")
    # Equal as Python values, not as JSON: what the hashes that told them apart compare.
    assert release_write.changed_fields({"a": 1, "b": [1]}, {"a": 1.0, "b": [True]}) == ("a", "b")


@pytest.mark.parametrize("published_as", ["articles.jsonl.gz", "articles.jsonl"])
def test_the_json_files_note_the_changed_fields_of_changed_records_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, published_as: str
) -> None:
    # The JSON side reads every new record's line anyway: it parses the changed ones (and
    # only those) to tell which fields changed; the lines it writes are the lines it got.
    records = variants(6)
    published = tmp_path / "releases" / "v1.0.0"
    published.mkdir(parents=True)
    _line_file(published / published_as, whole_jsonl(records))
    (published / "articles.schema.json").write_bytes(release_write.schema_bytes())
    index = {
        "name": "x",
        "latest": "1.0.0",
        "versions": [
            {
                "version": "1.0.0",
                "date": DATE,
                "path": "v1.0.0/",
                "records": 6,
                "bump": "initial",
                "changes": {"added": 6, "changed": 0, "removed": 0},
                "datapackage_sha256": "0" * 64,
                "sha256sums_sha256": "0" * 64,
            }
        ],
    }
    (tmp_path / "releases" / "index.json").write_text(json.dumps(index))
    records[1] = dict(records[1], title="Corrected", lead=None)
    records[4] = dict(records[4], regions=["Asia"])
    plan = plan_release(MemoryStore.of(map(_article, records)).entries, tmp_path, _date())
    assert sorted(plan.old_lines) == ["r-0001", "r-0004"]
    parsed: list[bytes] = []
    loads = orjson.loads

    def spy(data: bytes) -> Any:
        parsed.append(bytes(data))
        return loads(data)

    monkeypatch.setattr(release_write.orjson, "loads", spy)
    lines = lambda e: iter(_lines(records))  # noqa: E731
    out = tmp_path / "out"
    out.mkdir()
    packed = lambda e: map(rows.packed_row, records)  # noqa: E731
    release_files(plan, SETTINGS, lines, packed, _opener(out), start=None)  # one process
    old_lines = whole_jsonl(variants(6)).splitlines(keepends=True)
    new_lines = _lines(records)
    records_parsed = [data for data in parsed if data.startswith(b"{")]  # not CSV rows' lists
    assert records_parsed == [old_lines[1], new_lines[1], old_lines[4], new_lines[4]]
    changes = [orjson.loads(line) for line in (out / "changes.jsonl").read_bytes().splitlines()]
    assert [(c["id"], c["op"], c.get("fields")) for c in changes] == [
        ("r-0001", "changed", ["lead", "title"]),
        ("r-0004", "changed", ["regions"]),
    ]
    assert gzip.decompress((out / "articles.jsonl.gz").read_bytes()) == whole_jsonl(records)
    changelog = (out / "CHANGELOG.md").read_text()
    assert "- `r-0001` Corrected (changed: `lead`, `title`)" in changelog
    # The previous release's file replaced since the plan read it: refused, not misread.
    _line_file(published / published_as, whole_jsonl(variants(6)[::-1]))
    (tmp_path / "again").mkdir()
    with pytest.raises(release.ReleaseError, match="holds another record"):
        release_files(plan, SETTINGS, lines, packed, _opener(tmp_path / "again"), start=None)


# -- the pieces it is made with ----------------------------------------------------------------


def test_staging_writes_chunks_as_a_new_file(tmp_path: Path) -> None:
    target = tmp_path / "dist"
    staging = Staging(target)
    staging.root.mkdir()
    (staging.root / "a").mkdir()
    old = staging.root / "a" / "file"
    old.write_bytes(b"old")
    os.link(old, tmp_path / "kept")  # another tree sharing the inode: never modified
    with staging.open("a/file") as out:
        out.write(b"one ")
        out.write(b"two")
    assert old.read_bytes() == b"one two"
    assert (tmp_path / "kept").read_bytes() == b"old"
    with pytest.raises(ValueError, match="written twice"):
        staging.write("a/file", b"again")


def test_tally_counts_what_passes_through() -> None:
    tally = dataset.Tally()
    assert b"".join(tally.through([b"ab", b"", b"c"])) == b"abc"
    assert tally.stored() == dataset.Stored.of(b"abc")


def test_run_parts_returns_each_parts_result() -> None:
    parent = os.getpid()
    results = run_parts([lambda: ("here", os.getpid()), lambda: ("there", os.getpid())])
    assert results[0] == ("here", parent)
    assert results[1][0] == "there" and results[1][1] != parent


def test_a_started_part_is_stopped_when_the_body_fails(tmp_path: Path) -> None:
    marker = tmp_path / "pid"

    def part() -> None:
        marker.write_text(str(os.getpid()))
        time.sleep(60)

    with pytest.raises(RuntimeError, match="the body failed"), started(part):
        while not marker.exists() or not marker.read_text():
            time.sleep(0.01)
        raise RuntimeError("the body failed")
    with pytest.raises(ProcessLookupError):  # killed and reaped, not left running
        os.kill(int(marker.read_text()), 0)


def test_a_started_part_passes_on_its_error() -> None:
    def part() -> None:
        raise ValueError("bad part")

    with pytest.raises(ValueError, match="bad part"), started(part) as result:
        result()


def test_the_data_files_are_made_by_two_processes_that_report_their_own_errors(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    records = variants(40)
    plan = plan_release(MemoryStore.of(map(_article, records)).entries, Path("nowhere"), _date())
    readers = tmp_path / "readers"

    def log(what: str) -> None:
        with readers.open("a") as out:  # a file: the CSV side is another process
            out.write(f"{what} {os.getpid()}\n")

    def lines(ids: Sequence[str]) -> Iterator[bytes]:
        log("lines")
        return iter(_lines(records))

    def packed(ids: Sequence[str]) -> Iterator[bytes]:
        log("rows")
        return map(rows.packed_row, records)

    files = release_files(plan, SETTINGS, lines, packed, _opener(tmp_path), start=started, batch=4)
    read = dict(line.split() for line in readers.read_text().splitlines())
    assert len(read) == 2 and len({read["lines"], read["rows"], str(os.getpid())}) == 3
    assert (tmp_path / "articles.csv").read_bytes() == whole_csv(records, lambda c: c, "utf-8")
    assert files["articles.csv"] == dataset.Stored.of_file(tmp_path / "articles.csv")

    def broken(rows: Any) -> Any:  # the CSV side fails part way through its input
        for count, row in enumerate(rows):
            if count == 5:
                raise ValueError("the CSV side failed")
            yield row

    monkeypatch.setattr(
        dataset, "csv_chunks", lambda r, g, b, c=dataset.csv_chunks: c(broken(r), g, b)
    )
    (tmp_path / "again").mkdir()
    with pytest.raises(ValueError, match="the CSV side failed"):
        release_files(
            plan, SETTINGS, lines, packed, _opener(tmp_path / "again"), start=started, batch=4
        )


def test_a_release_makes_its_data_files_while_the_build_goes_on(tmp_path: Path) -> None:
    # releasing() starts the data files at once (a build plans its site meanwhile); its
    # finish() then waits for them and writes the rest of the version folder.
    records = variants(6)
    plan = plan_release(MemoryStore.of(map(_article, records)).entries, Path("nowhere"), _date())
    done = tmp_path / "done"

    def lines(ids: Sequence[str]) -> Iterator[bytes]:
        yield from _lines(records)
        done.touch()

    dist = tmp_path / "dist"
    dist.mkdir()
    staging = Staging(dist)
    staging.root.mkdir()
    with release_write.releasing(
        staging, plan, SETTINGS, lines, lambda e: iter(_lines(records)), start=started
    ) as finish:
        deadline = time.monotonic() + 60
        while not done.exists() and time.monotonic() < deadline:
            time.sleep(0.01)
        assert done.exists()  # read through before finish() was called
        finish()
    folder = staging.root / plan.folder
    assert gzip.decompress((folder / "articles.jsonl.gz").read_bytes()) == whole_jsonl(records)
    assert (folder / "articles.csv").read_bytes() == whole_csv(records, lambda c: c, "utf-8")
    sums = (folder / "SHA256SUMS").read_text().splitlines()
    assert len(sums) == len(list(folder.iterdir())) - 1  # every other file
    assert f"{plan.folder}/articles.csv" in staging.written


def test_what_does_not_depend_on_the_data_files_is_written_before_waiting_for_them(
    tmp_path: Path,
) -> None:
    # And a first release's changes once the CSV files are done, before the JSON files are
    # waited for: not while both data processes run (they take seconds of CPU at 100,000).
    records = variants(5)
    plan = plan_release(MemoryStore.of(map(_article, records)).entries, Path("nowhere"), _date())
    lines = lambda e: iter(_lines(records))  # noqa: E731
    seen: dict[str, set[str]] = {}
    with release_write.data_files(plan, lines, lines, _opener(tmp_path), start=started) as data:

        def json() -> tuple[Written, release_write.Fields]:
            seen["json"] = {path.name for path in tmp_path.iterdir()}
            return data.json()

        def csv() -> tuple[Written, dataset.Summary]:
            seen["csv"] = {path.name for path in tmp_path.iterdir()}
            return data.csv()

        watched = release_write.DataFiles(json, csv)
        files = release_write.version_files(plan, SETTINGS, watched, _opener(tmp_path))
    assert {"articles.schema.json", "CITATION.cff", ".zenodo.json"} <= seen["csv"]
    assert not {"changes.jsonl", "CHANGELOG.md"} & seen["csv"]
    assert {"changes.jsonl", "CHANGELOG.md"} <= seen["json"]
    assert "SHA256SUMS" in files


def test_a_build_that_fails_before_finish_stops_the_data_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The data files start with the release, before the site is planned, and the search
    # indexes once they are planned: a build that fails before finish() kills and reaps
    # the three processes and leaves dist/ as it was.
    seeds, dist, before = _released_then_changed(tmp_path)
    pids: list[int] = []
    original = parallel.Started.__init__

    def spy(self: parallel.Started[Any], part: Any) -> None:
        original(self, part)
        assert self._child is not None
        pids.append(self._child[0])

    monkeypatch.setattr(parallel.Started, "__init__", spy)
    monkeypatch.setattr(produce, "article_pass", _no_space)
    result = run_release(seeds, dist, "--date", DATE)
    assert result.exit_code != 0 and "No space left on device" in result.output
    assert len(pids) == 3
    for pid in pids:
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)
    assert tree(dist) == before


def test_a_seed_changed_during_a_release_is_reported_not_a_traceback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Found by the JSON side's process (a record line that no longer matches its digest):
    # a clean message, exit 2, dist/ unchanged.
    seeds, dist, before = _released_then_changed(tmp_path)

    def changed(entry: ArticleRef, line: bytes | None, root: Path | None) -> bytes:
        raise ChangedDuringBuild(f"{entry.source} changed during the build: run publish again")

    monkeypatch.setattr("publisher.store.records._checked_line", changed)
    result = run_release(seeds, dist, "--date", DATE)
    assert result.exit_code == 2
    assert "changed during the build" in result.output and "Traceback" not in result.output
    assert tree(dist) == before


def test_a_release_whose_site_fails_leaves_dist_as_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The version folder is written (its CSV files by a second process) before the
    # site's documents: a failure of the site after it is done still lands nothing.
    seeds, dist, before = _released_then_changed(tmp_path)

    monkeypatch.setattr(produce, "documents_pass", _no_space)
    result = run_release(seeds, dist, "--date", DATE)
    assert result.exit_code != 0
    assert "No space left on device" in result.output
    assert tree(dist) == before


def _article(record: Record) -> Any:
    from publisher.model import Article

    return Article.from_record(record)


def _date() -> dt.date:
    return dt.date.fromisoformat(DATE)


@dataclasses.dataclass(frozen=True)
class _Folder:
    """A release_write.Folder in a plain folder."""

    root: Path

    def open(self, name: str) -> Any:
        (self.root / name).parent.mkdir(parents=True, exist_ok=True)
        return (self.root / name).open("xb")

    def rename(self, old: str, new: str) -> None:
        (self.root / new).parent.mkdir(parents=True, exist_ok=True)
        (self.root / old).rename(self.root / new)


def _opener(folder: Path) -> _Folder:
    return _Folder(folder)


def _lines(records: Sequence[Record]) -> list[bytes]:
    return [canonical_json_bytes(record) for record in records]


def _released_then_changed(tmp_path: Path) -> tuple[Path, Path, dict[str, bytes]]:
    """Seeds with a first release cut, then one removed: (seeds, dist, dist's files)."""
    seeds = make_seeds(tmp_path / "seeds")
    dist = tmp_path / "dist"
    cut(seeds, dist)
    before = tree(dist)
    (seeds / "900_tricky.json").unlink()
    return seeds, dist, before


def _no_space(*args: Any, **kwargs: Any) -> None:
    raise OSError(28, "No space left on device")


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text()))
def test_titles_escaped_in_one_pass_are_each_escaped(titles: list[str]) -> None:
    # The changelog escapes every title in one regex pass over them all (md_lines).
    def escaped(title: str) -> str:  # md() as it was, a title at a time
        return re.sub(r"([\\`*_\[\]<>|])", r"\\\1", " ".join(title.split()))

    assert dataset_docs.md_lines(titles) == [escaped(title) for title in titles]
    assert [dataset_docs.md(title) for title in titles] == [escaped(t) for t in titles]


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
    max_leaves=8,
)


@settings(max_examples=300, deadline=None)
@given(st.lists(JSON_VALUES, max_size=5))
def test_json_lines_made_at_once_are_the_lines_made_one_by_one(values: list[Any]) -> None:
    # changes.jsonl: lone surrogates and integers past 64 bits take the stdlib's way.
    expected = b"".join(canonical_json_bytes(value, newline=True) for value in values)
    assert dataset.canonical_json_lines(values) == expected
