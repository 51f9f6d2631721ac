"""Write a planned release (release.ReleasePlan) into a build's staging folder: the version
folder, then a new releases/index.json and latest.json.

The data files are streamed from the records, a batch at a time, never held whole (they
come to gigabytes for a large archive). Making the JSON and the CSV ones side by side is
the caller's choice (`start`, a Starter: the build passes engine.parallel.started), so
this module decides what a release holds and never how the work is spread.
"""

from __future__ import annotations

import contextlib
import dataclasses
import importlib.resources
import itertools
import json
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

import orjson

from . import croissant, dataset, dataset_docs, zenodo
from .config import Settings
from .file_streams import Folder, Sharded, StagedFolder, Written, write_together
from .gzip_stream import gzip_chunks, open_maybe_gzipped
from .parquet import parquet_chunks
from .release import INDEX, LATEST, RELEASES, SUMS, ReleasePlan, read_index
from .rows import Item
from .shards import PARQUET, parquet_name
from .tuning import DEFAULT
from .versioning import Published, ReleaseError

if TYPE_CHECKING:
    from .output import Staging

T = TypeVar("T")

Lines = Callable[[Sequence[str]], Iterator[bytes]]  # the records' lines by id: ArticleStore.lines
Rows = Callable[[Sequence[str]], Iterator[Item]]  # for the CSV files, by id: ArticleStore.rows
Fields = dict[str, tuple[str, ...]]  # id -> the fields that changed, of each changed record

# What a downloader of the previous version needs to reach this one (releases after the
# first): the records added and the new versions of those changed, and the ids removed.
DELTA_ADDED = "delta/added.jsonl.gz"
DELTA_CHANGED = "delta/changed.jsonl.gz"
DELTA_REMOVED = "delta/removed.jsonl"


class Starter(Protocol):
    """Starts a part of the work now, to run while the caller goes on: a context manager
    whose body is given a call that waits for the part's result (and that stops the part
    if the body fails). engine.parallel.started is one, forking a process per part."""

    def __call__(self, part: Callable[[], T], /) -> AbstractContextManager[Callable[[], T]]: ...


def changed_fields(old: Mapping[str, Any], new: Mapping[str, Any]) -> tuple[str, ...]:
    """The fields whose value differs (or that one of the two lacks), sorted."""
    names = sorted(old.keys() | new.keys())
    changed = tuple(n for n in names if n not in old or n not in new or old[n] != new[n])
    if not changed:  # equal as Python values (1 == 1.0 == True): compare as JSON
        json = dataset.canonical_json_bytes
        changed = tuple(n for n in names if json(old[n]) != json(new[n]))
    return changed


def keep_versions(staging: Staging) -> None:
    """Carry every published version folder over unchanged (not the index: a new release
    writes a new one; not the site's releases page: each build writes it)."""
    written = {f"{RELEASES}/{name}" for name in (INDEX, LATEST, "index.html")}
    staging.mirror(RELEASES, skip=written)


def schema_bytes() -> bytes:
    """schema/article.schema.json exactly as shipped (the file article_schema() reads)."""
    return (
        importlib.resources.files("publisher").joinpath("schema/article.schema.json").read_bytes()
    )


def release_files(
    plan: ReleasePlan,
    settings: Settings,
    lines: Lines,
    rows: Rows,
    folder: Folder,
    *,
    start: Starter | None = None,
    batch: int = DEFAULT.data_batch,
) -> Written:
    """Write every file of the version folder. The data files are streamed from the
    records, never held whole (see data_files for `start` and `batch`)."""
    with data_files(plan, lines, rows, folder, start=start, batch=batch) as data:
        return version_files(plan, settings, data, folder)


def version_files(
    plan: ReleasePlan, settings: Settings, data: DataFiles, folder: Folder
) -> Written:
    """Every file of the version folder, SHA256SUMS last (it covers all the others). What
    does not depend on the data files is written first, while they may still be in the
    making. The changes are written once the CSV files are done (the shorter part: the
    changes of a large first release take seconds of CPU, and on two cores they would
    otherwise slow the data files down); when records changed, once the JSON files are done
    instead, to name the fields that did."""
    files: Written = {}

    def put(name: str, content: bytes) -> None:
        with folder.open(name) as out:
            out.write(content)
        files[name] = dataset.Stored.of(content)

    def put_changes(plan: ReleasePlan) -> None:
        put("changes.jsonl", dataset.canonical_json_lines(c.as_dict() for c in plan.changes))
        put("CHANGELOG.md", dataset_docs.changelog(plan, settings).encode())

    put("articles.schema.json", schema_bytes())
    put("CITATION.cff", dataset_docs.citation(plan, settings).encode())
    put(".zenodo.json", zenodo.zenodo_json(plan, settings))
    if not plan.old_lines:  # no changed record's fields to name: once the CSV files are done
        tables, summary = data.csv()
        put_changes(plan)
        json_files, _ = data.json()
    else:
        json_files, fields = data.json()
        changes = tuple(
            dataclasses.replace(change, fields=fields[change.id])
            if change.op == "changed"
            else change
            for change in plan.changes
        )
        put_changes(dataclasses.replace(plan, changes=changes))
        tables, summary = data.csv()
    files.update(json_files)
    files.update(tables)
    package = dataset.datapackage(settings, str(plan.version), plan.date, summary.sources, files)
    put("datapackage.json", (json.dumps(package, indent=2, ensure_ascii=False) + "\n").encode())
    put("croissant.json", croissant.croissant_bytes(settings, str(plan.version), plan.date, files))
    put("README.md", dataset_docs.readme(plan, settings, package, summary).encode())
    put(
        SUMS,
        "".join(f"{stored.sha256}  {name}\n" for name, stored in sorted(files.items())).encode(),
    )
    return files


@dataclass(frozen=True)
class DataFiles:
    """The data files of a release in the making: `json` waits for the JSON ones and the
    fields that changed of each changed record, `csv` for the CSV ones and the Summary of
    the records (each perhaps made by a part of its own: see data_files)."""

    json: Callable[[], tuple[Written, Fields]]
    csv: Callable[[], tuple[Written, dataset.Summary]]


@contextlib.contextmanager
def data_files(
    plan: ReleasePlan,
    lines: Lines,
    rows: Rows,
    folder: Folder,
    *,
    start: Starter | None = None,
    batch: int = DEFAULT.data_batch,
) -> Iterator[DataFiles]:
    """The four data files, written as the records stream by, `batch` records at a time:
    the JSON ones from the records' lines (checked against their digests), the CSV ones
    from the records' packed rows (rows.packed_row: made when the seeds were checked, so
    no record is parsed again). With `start`, both are started now and run while the
    caller goes on (a build plans its site meanwhile); without, one after the other,
    when their results are asked for."""
    ids = [entry.id for entry in plan.entries]

    def csv_files() -> tuple[Written, dataset.Summary]:
        gather = dataset.Gather()
        table, sheet = itertools.tee(dataset.csv_chunks(rows(ids), gather, batch))
        chunks = {
            "articles.csv": (chunk for chunk, _ in table),
            "articles.spreadsheet.csv": (chunk for _, chunk in sheet),
        }
        return write_together(folder, chunks), gather.summary()

    def json_files() -> tuple[Written, Fields]:
        fields: Fields = {}
        stream = lines(ids)
        if plan.old_lines:
            stream = noting_fields(plan, stream, fields)
        return write_together(folder, line_files(plan, dataset.batches(stream, batch))), fields

    if start is None:
        yield DataFiles(json_files, csv_files)
        return
    with start(json_files) as jsons, start(csv_files) as csvs:
        yield DataFiles(jsons, csvs)


def line_files(
    plan: ReleasePlan, batches: Iterable[list[bytes]]
) -> dict[str, Iterator[bytes] | Sharded]:
    """The files made from the records' lines (batches of them, in id order), as chunks:
    the line file, the Parquet table and, after the first release, the delta files."""
    first = plan.previous is None
    jsonl, table, *delta = itertools.tee(batches, 2 if first else 4)
    files: dict[str, Iterator[bytes] | Sharded] = {
        "articles.jsonl.gz": gzip_chunks(map(dataset.jsonl_chunk, jsonl)),
        PARQUET: Sharded(parquet_chunks(table), parquet_name),
    }
    if not first:
        ids = [entry.id for entry in plan.entries]
        removed = [change.id for change in plan.changes if change.op == "removed"]
        files[DELTA_ADDED] = gzip_chunks(_picked(plan, "added", ids, delta[0]))
        files[DELTA_CHANGED] = gzip_chunks(_picked(plan, "changed", ids, delta[1]))
        files[DELTA_REMOVED] = iter([b"".join(map(_id_line, removed))])
    return files


def _id_line(record_id: str) -> bytes:
    return dataset.canonical_json_bytes({"id": record_id}, newline=True)


def _picked(
    plan: ReleasePlan, op: str, ids: Sequence[str], batches: Iterable[list[bytes]]
) -> Iterator[bytes]:
    """Chunks of the lines (LF-ended) of the records `op` (added or changed) in this
    release, one (perhaps empty) for each batch, to keep pace with the other files:
    `batches` are the lines of `ids`, in that order."""
    wanted = {change.id for change in plan.changes if change.op == op}
    names = iter(ids)
    for batch in batches:
        picked = [line for line, name in zip(batch, names, strict=False) if name in wanted]
        yield dataset.jsonl_chunk(picked) if picked else b""


def noting_fields(plan: ReleasePlan, lines: Iterable[bytes], fields: Fields) -> Iterator[bytes]:
    """The records' lines, passed on as they are; for the changed ones (plan.old_lines),
    the new line and the old one (read from the previous release, by offset: in id order,
    so the file is read forward) are parsed on the way, to note in `fields` which of
    their fields changed. Nothing else of either release is parsed."""
    spans = plan.old_lines
    assert plan.old_records is not None
    with open_maybe_gzipped(plan.old_records) as published:
        for entry, line in zip(plan.entries, lines, strict=True):
            span = spans.get(entry.id)
            if span is not None:
                published.seek(span[0])
                try:
                    old = orjson.loads(published.read(span[1]))
                except ValueError:
                    old = {}
                new = orjson.loads(line)
                if old.get("id") != entry.id or new.get("id") != entry.id:
                    raise ReleaseError(
                        f"record {entry.id}: its line in {plan.old_records} or in the new "
                        "release holds another record (changed while releasing?): run again"
                    )
                fields[entry.id] = changed_fields(old, new)
            yield line


def index_entry(plan: ReleasePlan, files: Mapping[str, dataset.Stored]) -> Published:
    return Published(
        version=plan.version,
        date=plan.date,
        records=plan.records,
        bump=plan.bump,
        changes=plan.summary,
        datapackage_sha256=files["datapackage.json"].sha256,
        sha256sums_sha256=files[SUMS].sha256,
        reason=plan.reason,
    )


def index_document(settings: Settings, entries: Sequence[Published]) -> bytes:
    document = {
        "name": dataset.dataset_name(settings),
        "latest": str(entries[-1].version),
        "versions": [entry.as_dict() for entry in entries],
    }
    return (json.dumps(document, indent=2, ensure_ascii=False) + "\n").encode()


@contextlib.contextmanager
def releasing(
    staging: Staging,
    plan: ReleasePlan,
    settings: Settings,
    lines: Lines,
    rows: Rows,
    *,
    start: Starter | None = None,
    batch: int = DEFAULT.data_batch,
) -> Iterator[Callable[[], None]]:
    """Cut the release `plan` into `staging`: check the published versions and keep them,
    and start making the data files (data_files, with `start` and `batch`), now; the call
    the body is given finishes the version folder and writes the new index and latest
    (the releases page reads them, so before the site's documents)."""
    index = read_index(staging.target)
    if tuple(entry.version for entry in index) != plan.published:
        raise ReleaseError("the published releases changed while planning: run again")
    keep_versions(staging)

    folder = StagedFolder(staging, plan.folder)
    with data_files(plan, lines, rows, folder, start=start, batch=batch) as data:  # under way

        def finish() -> None:
            files = version_files(plan, settings, data, folder)
            # A data file written by another process is not in this process's record yet.
            staging.written.update(f"{plan.folder}/{name}" for name in files)
            entries = [*index, index_entry(plan, files)]
            staging.write(f"{RELEASES}/{INDEX}", index_document(settings, entries))
            latest = entries[-1].as_dict()
            staging.write(f"{RELEASES}/{LATEST}", (json.dumps(latest, indent=2) + "\n").encode())

        yield finish
