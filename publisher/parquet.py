"""articles.parquet: the records as a typed table (Apache Parquet), for pandas, polars,
DuckDB, Spark and Hugging Face `datasets`.

Made from the same canonical lines as the line file, by Arrow's JSON reader (C++: no record
is parsed in Python), with a schema derived from the article schema: lists as lists of
non-null strings, dates as dates, the year as int16, a column NOT NULL where the normalised
record always has a value. zstd compressed, rows sorted by id (recorded as the sorting
column), statistics on, so a reader can skip row groups. pyarrow is the writer because it
keeps that schema exactly and takes line bytes in the running process (DuckDB writes every
column nullable; polars writes large strings and needs far more memory: see
benchmarks/spike-issue17.md).

A row group closes at ROW_GROUP_ROWS records or ROW_GROUP_BYTES of line bytes, whichever
comes first, counted line by line: the boundaries, so the bytes, depend on the records only,
not on how they were batched. Past shards.SHARD_BYTES the table is split into shards, files
of whole row groups each (shards.parquet_names names them), so that no file is too large
for a reader that fetches a file whole (the Hugging Face viewer, a browser download).
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator
from functools import cache
from typing import Any

import orjson
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.json as pa_json
import pyarrow.parquet as pq

from . import shards
from .schema import article_schema, field_names, required_fields
from .versioning import ReleaseError

ROW_GROUP_ROWS = 10_000
ROW_GROUP_BYTES = 32 << 20  # of line bytes: memory holds about one group, parsed (64 MB: +170 MB)
COMPRESSION_LEVEL = 1  # zstd: level 3 is 5 % smaller and takes 10 % longer (0.8 s at 100,000)
PARSE_BLOCK = 16 << 20  # the JSON reader's fastest here (4 MB: 2.3x slower; 32 MB: +20 %)
# Columns with a value per record (no dictionary to gain, only time spent trying one).
UNIQUE = frozenset(("id", "title", "subtitle", "lead", "body"))
# Long text: min/max statistics of it let no reader skip anything, and cost a pass.
TEXT = frozenset(("title", "subtitle", "lead", "body", "disclaimer", "copyright_notice"))


def _resolved(spec: dict[str, Any], defs: dict[str, Any]) -> dict[str, Any]:
    """A property's spec with its $ref and allOf parts merged in (only `type`, `format`
    and `items` matter here)."""
    merged: dict[str, Any] = {}
    for part in spec.get("allOf", []):
        merged |= _resolved(part, defs)
    if "$ref" in spec:
        merged |= _resolved(defs[spec["$ref"].rsplit("/", 1)[-1]], defs)
    return merged | {k: v for k, v in spec.items() if k not in ("$ref", "allOf")}


def _arrow_type(spec: dict[str, Any], defs: dict[str, Any]) -> pa.DataType:
    spec = _resolved(spec, defs)
    if "anyOf" in spec:  # optional_line: a line or null
        (kind,) = (s for s in spec["anyOf"] if s.get("type") != "null")
        return _arrow_type(kind, defs)
    kinds = spec["type"] if isinstance(spec["type"], list) else [spec["type"]]
    (kind,) = (k for k in kinds if k != "null")
    if kind == "array":
        return pa.list_(pa.field("element", _arrow_type(spec["items"], defs), nullable=False))
    if kind == "integer":  # copyright_year: 1900..2100
        return pa.int16() if spec.get("maximum", 1 << 15) < 1 << 15 else pa.int64()
    if kind == "string":
        return pa.date32() if spec.get("format") == "date" else pa.string()
    raise ValueError(f"no Parquet type for JSON Schema type {kind!r}")


@cache
def arrow_schema() -> pa.Schema:
    """The records' Arrow schema, in field order. A field is NOT NULL when required, or a
    list (a normalised record holds [] for an absent list, never null)."""
    schema = article_schema()
    defs = schema.get("$defs", {})
    required = required_fields()
    fields = []
    for name in field_names():
        kind = _arrow_type(schema["properties"][name], defs)
        nullable = name not in required and not pa.types.is_list(kind)
        fields.append(pa.field(name, kind, nullable=nullable))
    return pa.schema(fields)


@cache
def _json_side() -> tuple[pa.Schema, tuple[str, ...]]:
    """What the JSON reader is told: the schema with dates as strings (it parses no dates),
    and the names of the date columns, cast after."""
    schema = arrow_schema()
    dates = tuple(f.name for f in schema if pa.types.is_date32(f.type))
    side = pa.schema([f.with_type(pa.string()) if f.name in dates else f for f in schema])
    return side, dates


def _table(lines: list[bytes]) -> pa.Table:
    """Canonical record lines (no LF) as a table of arrow_schema(). Raises ReleaseError
    naming the first record the schema's types cannot hold (a valid record never is one)."""
    try:
        return _parsed(lines)
    except pa.ArrowInvalid as exc:
        for line in lines:
            try:
                _parsed([line])
            except pa.ArrowInvalid as why:
                name = orjson.loads(line).get("id")
                raise ReleaseError(
                    f"record {name}: the Parquet table cannot hold it ({why}); "
                    "check it with publish --validate and report this"
                ) from None
        raise ReleaseError(f"the Parquet table cannot hold these records: {exc}") from None


@cache
def _pool() -> pa.MemoryPool:
    """Where the parsed groups live: the C library's allocator, which hands a freed group's
    memory to the next one. Arrow's default (mimalloc) returns it to the system between
    groups, and the next group faults it in anew, page by page: 1.5-2 s of kernel time at
    100,000 records on the CI machine, a virtual machine whose host backs each new page."""
    return pa.system_memory_pool()


def _parsed(lines: list[bytes]) -> pa.Table:
    side, dates = _json_side()
    parsed = pa_json.read_json(
        pa.BufferReader(b"\n".join(lines)),
        read_options=pa_json.ReadOptions(use_threads=False, block_size=PARSE_BLOCK),
        memory_pool=_pool(),
        parse_options=pa_json.ParseOptions(
            explicit_schema=side, unexpected_field_behavior="error", newlines_in_values=False
        ),
    ).select(side.names)
    columns = [
        pc.cast(column, pa.date32(), memory_pool=_pool()) if name in dates else column
        for name, column in zip(parsed.column_names, parsed.columns, strict=True)
    ]
    return pa.Table.from_arrays(columns, schema=arrow_schema())


class _Sink(io.RawIOBase):
    """Where the writer writes: bytes collected until taken, so the file is made as a
    stream of chunks like the other data files (hashed and written by the caller)."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []
        self.position = 0

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        chunk = bytes(data)
        self.parts.append(chunk)
        self.position += len(chunk)
        return len(chunk)

    def tell(self) -> int:
        return self.position

    def take(self) -> bytes:
        taken, self.parts = b"".join(self.parts), []
        return taken


def groups(batches: Iterable[list[bytes]]) -> Iterator[list[list[bytes]]]:
    """For each batch of lines, the row groups it completes (see the module's docstring),
    perhaps none; the last group after the last batch."""
    group: list[bytes] = []
    size = 0
    for batch in batches:
        done = []
        for line in batch:
            group.append(line)
            size += len(line) + 1
            if len(group) >= ROW_GROUP_ROWS or size >= ROW_GROUP_BYTES:
                done.append(group)
                group, size = [], 0
        yield done
    yield [group] if group else []


def _writer(sink: _Sink) -> pq.ParquetWriter:
    return pq.ParquetWriter(
        pa.PythonFile(sink, mode="w"),
        arrow_schema(),
        compression="zstd",
        compression_level=COMPRESSION_LEVEL,
        use_dictionary=[name for name in field_names() if name not in UNIQUE],
        sorting_columns=[pq.SortingColumn(0)],  # id
        write_statistics=[name for name in field_names() if name not in TEXT],
        store_schema=True,
    )


def parquet_chunks(batches: Iterable[list[bytes]]) -> Iterator[list[tuple[int, bytes]]]:
    """The Parquet table as bytes, from batches of canonical record lines (no LF) in id
    order: for each batch, what it completes (perhaps nothing) as (shard, bytes) parts, the
    shards numbered 0, 1, ... (one below shards.SHARD_BYTES), so that files made side by
    side from one stream go at the same pace. A shard closes before the group that, as
    large as the last one, would take it past shards.SHARD_BYTES: the boundaries depend on
    the records only."""
    shard, sink = 0, _Sink()
    writer = _writer(sink)
    last = 0  # the bytes of the last group written
    try:
        for completed in groups(batches):
            parts = []
            for group in completed:
                if last and sink.position + last > shards.SHARD_BYTES:
                    writer.close()
                    parts.append((shard, sink.take()))
                    shard, sink = shard + 1, _Sink()
                    writer = _writer(sink)
                table = _table(group)
                before = sink.position
                writer.write_table(table, row_group_size=table.num_rows)
                last = sink.position - before
            yield [*parts, (shard, sink.take())]
    finally:
        writer.close()
    yield [(shard, sink.take())]
