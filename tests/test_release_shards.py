"""A release whose Parquet table passes shards.SHARD_BYTES (lowered here, so that a few
hundred records make several shards): the shards are named as Hugging Face names them, and
every consumer the card and the descriptors name (pandas, polars, DuckDB, `datasets`,
frictionless, mlcroissant, sha256sum, the releases page) finds exactly the records in them."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import duckdb
import frictionless
import mlcroissant as mlc
import pyarrow.parquet as pq
import pytest

from benchmarks.generate import generate
from publisher import parquet, shards
from publisher.pipeline import damaged_release_files
from publisher.shards import parquet_name

from .releasetools import cut, jsonl_records, make_seeds
from .test_croissant import loaded
from .test_dataset_files import LEAKS_GZ_FILE

VERSION = "v1.0.0"

pytestmark = pytest.mark.filterwarnings(  # as in test_croissant
    "ignore:ConjunctiveGraph is deprecated:DeprecationWarning",
    "ignore:The inplace keyword in DataFrame.reset_index is deprecated",
)


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A release cut with the shard size a quarter of its table's size (measured by a
    first cut of the same seeds), so that it comes in four or five shards."""
    root = tmp_path_factory.mktemp("shards")
    seeds = make_seeds(root / "seeds")
    generate(160, seeds)
    cut(seeds, root / "whole")
    size = (root / "whole" / "releases" / VERSION / "articles.parquet").stat().st_size
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(parquet, "ROW_GROUP_ROWS", 10)
        patch.setattr(shards, "SHARD_BYTES", size // 4)
        cut(seeds, root / "dist")
    return root / "dist" / "releases" / VERSION


def shard_names(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*.parquet"))


def test_the_table_comes_in_shards_named_as_hugging_face_names_them(folder: Path) -> None:
    names = shard_names(folder)
    assert len(names) >= 4, names
    assert names == [parquet_name(k, len(names)) for k in range(len(names))]
    assert names[0] == f"data/articles-00000-of-{len(names):05d}.parquet"
    assert not (folder / "articles.parquet").exists()
    ids: list[str] = []
    for name in names:
        table = pq.read_table(folder / name)
        assert table.num_rows > 0
        ids += table.column("id").to_pylist()
    assert ids == [r["id"] for r in jsonl_records(folder)]  # each record once, in id order


@LEAKS_GZ_FILE
def test_sha256sum_and_the_descriptors_cover_every_shard(folder: Path) -> None:
    result = subprocess.run(
        ["sha256sum", "-c", "SHA256SUMS"], cwd=folder, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    for name in shard_names(folder):
        assert f"{name}: OK" in result.stdout
    package = json.loads((folder / "datapackage.json").read_text("utf-8"))
    parquets = [r for r in package["resources"] if r["format"] == "parquet"]
    assert [r["path"] for r in parquets] == shard_names(folder)
    for number, resource in enumerate(parquets, start=1):  # each says which shard it is, once
        assert resource["description"].count(" Shard ") == 1
        assert resource["description"].endswith(f" Shard {number} of {len(parquets)}, by id.")
    assert len({r["name"] for r in package["resources"]}) == len(package["resources"])
    report = frictionless.validate(str(folder / "datapackage.json"))
    assert report.valid, report.flatten(["type", "note"])


@LEAKS_GZ_FILE
def test_a_damaged_shard_fails_frictionless_and_publish_validate(
    folder: Path, tmp_path: Path
) -> None:
    dist = tmp_path / "dist"
    shutil.copytree(folder.parent.parent, dist)
    assert damaged_release_files(dist) == []
    copy = dist / "releases" / VERSION
    last = copy / shard_names(folder)[-1]
    last.write_bytes(last.read_bytes()[:-1] + b"\0")
    report = frictionless.validate(str(copy / "datapackage.json"))
    assert not report.valid
    assert "hash-count" in str(report.flatten(["type"]))
    assert damaged_release_files(dist) == [str(last)]


def test_the_cards_loading_code_reads_every_shard(
    folder: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    readme = (folder / "README.md").read_text("utf-8")
    assert 'path: "data/articles-*.parquet"' in readme  # the Hub's configs
    assert "| `data/articles-*.parquet` | the records as a typed table" in readme
    python = readme.split("```python\n")[1].split("```")[0]
    sql = readme.split("```sql\n")[1].split("```")[0]
    monkeypatch.chdir(folder)
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    scope: dict[str, Any] = {}
    exec(python, scope)
    ids = [r["id"] for r in jsonl_records(folder)]
    assert scope["df"]["id"].tolist() == ids
    assert scope["frame"]["id"].to_list() == ids
    assert scope["articles"]["id"] == ids
    with duckdb.connect() as con:
        first = next(filter(str.strip, sql.split(";\n")))
        assert "data/articles-*.parquet" in first
        assert [
            row[0] for row in con.sql(f"SELECT id FROM ({first}) ORDER BY id").fetchall()
        ] == ids


def test_datasets_loads_the_folder_by_its_card(
    folder: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    datasets = pytest.importorskip("datasets")
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    copy = tmp_path / VERSION  # as published (`datasets` must not need to write in it)
    shutil.copytree(folder, copy)
    loaded_ids = datasets.load_dataset(str(copy), split="train")["id"]
    assert loaded_ids == [r["id"] for r in jsonl_records(folder)]


def test_mlcroissant_reads_the_shards_as_one_record_set(folder: Path) -> None:
    document = json.loads((folder / "croissant.json").read_text("utf-8"))
    objects = {o["@id"]: o for o in document["distribution"]}
    sums: dict[str, str] = {}
    for line in (folder / "SHA256SUMS").read_text("utf-8").splitlines():
        digest, name = line.split("  ", 1)
        sums[name] = digest
    for name in shard_names(folder):
        assert objects[name]["sha256"] == sums[name]
    (file_set,) = [o for o in objects.values() if o["@type"] == "cr:FileSet"]
    assert file_set["includes"] == "data/articles-*.parquet"
    dataset = mlc.Dataset(jsonld=folder / "croissant.json")
    issues = dataset.metadata.ctx.issues
    assert not issues.errors and not issues.warnings, issues.report()
    assert loaded(folder / "croissant.json") == jsonl_records(folder)


def test_the_releases_page_links_every_shard(folder: Path) -> None:
    page = (folder.parent / "index.html").read_text("utf-8")
    for name in shard_names(folder):
        assert re.search(rf'href="[^"]*{VERSION}/{re.escape(name)}"', page), name
