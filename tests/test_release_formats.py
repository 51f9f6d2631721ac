"""The research formats of a release, read by the tools researchers use: the Parquet table
by pandas, polars, DuckDB and Hugging Face `datasets` (through the card's front matter), the
gzip line file by pandas, polars and DuckDB, and the delta files applied to the previous
release giving the next."""

from __future__ import annotations

import datetime as dt
import gzip
import json
import shutil
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml

from publisher import parquet, shards
from publisher.problems import ReleaseError
from publisher.schema import field_names, required_fields

from .releasetools import TRICKY, cut, jsonl_records, make_seeds

TRICKY_FILE = "900_tricky.json"
DATES = ("published", "updated", "source_date")


@pytest.fixture(scope="module")
def released(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two releases: the fixture corpus, then one added, one changed and one removed."""
    root = tmp_path_factory.mktemp("formats")
    seeds = make_seeds(root / "seeds")
    cut(seeds, root / "dist")
    record = json.loads((seeds / TRICKY_FILE).read_text("utf-8"))
    (seeds / "901_added.json").write_text(
        json.dumps(dict(record, id="zz-added", title="A newly added article")), "utf-8"
    )
    (seeds / TRICKY_FILE).write_text(
        json.dumps(dict(record, body="A corrected body."), ensure_ascii=False), "utf-8"
    )
    removed = next(p for p in sorted(seeds.glob("*.txt")) if "64a29ae14d7662cb" not in p.name)
    removed.unlink()
    cut(seeds, root / "dist")
    return root / "dist" / "releases"


@pytest.fixture(scope="module")
def folder(released: Path) -> Path:
    return released / "v2.0.0"


def as_json(value: Any) -> Any:
    """A value read back by a tool, as the JSON record holds it: dates as ISO strings,
    arrays as lists, missing as None."""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if hasattr(value, "tolist"):  # numpy arrays and scalars
        return as_json(value.tolist())
    if isinstance(value, list | tuple):
        return [as_json(item) for item in value]
    if value is None or value is pd.NaT or (isinstance(value, float) and value != value):
        return None
    return value


def rows_of(records: Iterator[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{name: as_json(record[name]) for name in field_names()} for record in records]


# -- Parquet ---------------------------------------------------------------------------------


def test_parquet_schema_is_typed(folder: Path) -> None:
    schema = pq.read_schema(folder / "articles.parquet")
    assert schema.names == list(field_names())
    assert schema.field("authors").type == pa.list_(pa.field("element", pa.string(), False))
    assert all(schema.field(name).type == pa.date32() for name in DATES)
    assert schema.field("copyright_year").type == pa.int16()
    for name in field_names():  # NOT NULL where a normalised record always has a value
        expected = name not in required_fields() and name not in ("regions", "themes", "reports")
        assert schema.field(name).nullable is expected, name
    metadata = pq.ParquetFile(folder / "articles.parquet").metadata
    group = metadata.row_group(0)
    assert group.sorting_columns == (pq.SortingColumn(0),)
    assert {group.column(i).compression for i in range(group.num_columns)} == {"ZSTD"}
    assert group.column(0).statistics.has_min_max


def test_parquet_holds_the_records_for_pandas_polars_and_duckdb(folder: Path) -> None:
    expected = rows_of(iter(jsonl_records(folder)))
    path = folder / "articles.parquet"
    assert rows_of(iter(pd.read_parquet(path).to_dict("records"))) == expected
    assert rows_of(iter(pl.read_parquet(path).to_dicts())) == expected
    with duckdb.connect() as con:
        relation = con.sql(f"SELECT * FROM read_parquet('{path}')")
        names = relation.columns
        fetched = (dict(zip(names, row, strict=True)) for row in relation.fetchall())
        assert rows_of(fetched) == expected
    assert any(r["id"] == TRICKY["id"] for r in expected)


def test_row_groups_follow_the_records_not_the_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    lines = [json.dumps(dict(TRICKY, id=f"r-{n:03d}"), sort_keys=True).encode() for n in range(30)]
    monkeypatch.setattr(parquet, "ROW_GROUP_ROWS", 7)
    made = {
        size: _one_file(parquet.parquet_chunks(lines[at : at + size] for at in range(0, 30, size)))
        for size in (1, 4, 30)
    }
    assert len(set(made.values())) == 1
    metadata = pq.ParquetFile(pa.BufferReader(made[1])).metadata
    assert [metadata.row_group(i).num_rows for i in range(metadata.num_row_groups)] == [
        7,
        7,
        7,
        7,
        2,
    ]


def _one_file(steps: Iterable[list[tuple[int, bytes]]]) -> bytes:
    parts = [part for step in steps for part in step]
    assert {shard for shard, _ in parts} == {0}
    return b"".join(chunk for _, chunk in parts)


def test_past_the_shard_size_the_table_comes_in_shards_of_whole_row_groups(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    lines = [json.dumps(dict(TRICKY, id=f"r-{n:03d}"), sort_keys=True).encode() for n in range(60)]
    monkeypatch.setattr(parquet, "ROW_GROUP_ROWS", 5)
    data = _one_file(parquet.parquet_chunks([lines]))
    whole = pq.read_table(pa.BufferReader(data))
    group = len(data) // 12  # about the bytes of one row group of 5 (and a share of the footer)
    monkeypatch.setattr(shards, "SHARD_BYTES", 3 * group)
    made = {}
    for size in (1, 7, 60):
        made_shards: dict[int, bytes] = {}
        batches = [lines[at : at + size] for at in range(0, 60, size)]
        steps = list(parquet.parquet_chunks(batches))
        assert len(steps) == len(batches) + 2, "a step a batch, the last group's, the footer's"
        for step in steps:
            if size < 10:  # fewer records than a shard holds (two groups of 5 or more)
                assert len(step) <= 2, "such a batch closes one shard at most"
            for shard, chunk in step:
                assert shard in (len(made_shards) - 1, len(made_shards)), "shards come in order"
                made_shards[shard] = made_shards.get(shard, b"") + chunk
        made[size] = tuple(made_shards.values())
    assert len(set(made.values())) == 1, "the boundaries follow the records, not the batches"
    files = made[1]
    assert len(files) >= 3
    tables = [pq.read_table(pa.BufferReader(data)) for data in files]
    assert pa.concat_tables(tables).equals(whole)  # every row once, in id order
    for data in files:
        metadata = pq.ParquetFile(pa.BufferReader(data)).metadata
        assert all(metadata.row_group(i).num_rows == 5 for i in range(metadata.num_row_groups))
        assert metadata.schema.to_arrow_schema() == parquet.arrow_schema()
        groups = [metadata.row_group(i) for i in range(metadata.num_row_groups)]
        # The groups' pages stay within the size but for the slack of one group (the groups
        # differ a little); the footer adds their metadata (tiny at the real size).
        pages = sum(g.column(c).total_compressed_size for g in groups for c in range(g.num_columns))
        assert pages <= shards.SHARD_BYTES + group // 2


def test_a_record_the_parquet_schema_refuses_is_named() -> None:
    # Not a valid record (validation refuses it first): the error names it all the same.
    good = json.dumps(dict(TRICKY, id="a-good-one"), sort_keys=True).encode()
    bad = json.dumps(dict(TRICKY, id="a-bad-one", copyright_year="2024")).encode()
    with pytest.raises(ReleaseError, match=r"^record a-bad-one: the Parquet table cannot hold"):
        list(parquet.parquet_chunks([[good, bad]]))


def test_a_whole_number_written_as_a_fraction_is_an_integer(tmp_path: Path) -> None:
    # JSON Schema counts 2024.0 as an integer, so the seed is valid: its record says 2024
    # (in every file, the int16 Parquet column included).
    seeds = make_seeds(tmp_path / "seeds", tricky=False)
    text = json.dumps(dict(TRICKY, copyright_year=2024), ensure_ascii=False)
    (seeds / "900_float.json").write_text(
        text.replace('"copyright_year": 2024', '"copyright_year": 2024.0'), "utf-8"
    )
    assert "2024.0" in (seeds / "900_float.json").read_text("utf-8")
    cut(seeds, tmp_path / "dist")
    folder = tmp_path / "dist" / "releases" / "v1.0.0"
    (record,) = [r for r in jsonl_records(folder) if r["id"] == TRICKY["id"]]
    assert record["copyright_year"] == 2024 and isinstance(record["copyright_year"], int)
    table = pq.read_table(folder / "articles.parquet").to_pylist()
    assert [r["copyright_year"] for r in table if r["id"] == TRICKY["id"]] == [2024]


# -- the gzip line file ------------------------------------------------------------------------


def test_the_line_file_loads_in_pandas_polars_and_duckdb(folder: Path) -> None:
    path = folder / "articles.jsonl.gz"
    records = jsonl_records(folder)
    ids = [r["id"] for r in records]
    assert pd.read_json(path, lines=True, dtype=False)["id"].tolist() == ids
    with gzip.open(path) as lines:  # polars reads NDJSON from a file object
        assert pl.read_ndjson(lines)["id"].to_list() == ids
    with duckdb.connect() as con:
        got = con.sql(f"SELECT id FROM read_json('{path}', format = 'newline_delimited')")
        assert [row[0] for row in got.fetchall()] == ids


# -- Hugging Face ------------------------------------------------------------------------------


def card_header(folder: Path) -> dict[str, Any]:
    text = (folder / "README.md").read_text("utf-8")
    assert text.startswith("---\n")
    header: dict[str, Any] = yaml.safe_load(text.split("---\n", 2)[1])
    return header


def test_the_card_front_matter_is_what_the_hub_reads(folder: Path) -> None:
    header = card_header(folder)
    assert header["license"] == "cc-by-4.0"
    assert header["language"] == ["en"] and header["pretty_name"]
    assert header["size_categories"] == ["n<1K"]
    assert header["configs"] == [
        {"config_name": "default", "data_files": [{"split": "train", "path": "articles.parquet"}]}
    ]


@pytest.fixture
def offline_hub(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")


@pytest.mark.usefixtures("offline_hub")
def test_datasets_loads_exactly_the_records(folder: Path, tmp_path: Path) -> None:
    datasets = pytest.importorskip("datasets")
    expected = rows_of(iter(jsonl_records(folder)))
    # The release folder as published (a copy: `datasets` must not need to write in it).
    copy = tmp_path / "v2.0.0"
    shutil.copytree(folder, copy)
    by_folder = datasets.load_dataset(str(copy), split="train")
    assert rows_of(iter(by_folder)) == expected
    by_file = datasets.load_dataset(
        "parquet", data_files=str(copy / "articles.parquet"), split="train"
    )
    assert rows_of(iter(by_file)) == expected
    assert sorted(p.relative_to(copy) for p in copy.rglob("*")) == sorted(
        p.relative_to(folder) for p in folder.rglob("*")
    )


# -- deltas ------------------------------------------------------------------------------------


def delta_lines(path: Path) -> list[dict[str, Any]]:
    data = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
    return [json.loads(line) for line in data.splitlines()]


def test_the_delta_files_take_the_previous_release_to_this_one(released: Path) -> None:
    previous = {r["id"]: r for r in jsonl_records(released / "v1.0.0")}
    delta = released / "v2.0.0" / "delta"
    added = delta_lines(delta / "added.jsonl.gz")
    changed = delta_lines(delta / "changed.jsonl.gz")
    removed = delta_lines(delta / "removed.jsonl")
    assert [r["id"] for r in added] == ["zz-added"]
    assert [r["id"] for r in changed] == [TRICKY["id"]]
    assert len(removed) == 1 and set(removed[0]) == {"id"}
    # What the card tells a downloader of 1.0.0 to do.
    for gone in removed + changed:
        del previous[gone["id"]]
    previous.update({r["id"]: r for r in added + changed})
    assert [previous[k] for k in sorted(previous)] == jsonl_records(released / "v2.0.0")
    # The lines are the release's own lines, byte for byte.
    lines = set(gzip.decompress((released / "v2.0.0" / "articles.jsonl.gz").read_bytes()).split())
    assert set(gzip.decompress((delta / "added.jsonl.gz").read_bytes()).split()) <= lines


def test_a_first_release_has_no_delta(released: Path) -> None:
    assert not (released / "v1.0.0" / "delta").exists()
    package = json.loads((released / "v2.0.0" / "datapackage.json").read_text("utf-8"))
    declared = {r["path"] for r in package["resources"]}
    assert {"delta/added.jsonl.gz", "delta/changed.jsonl.gz", "delta/removed.jsonl"} <= declared
