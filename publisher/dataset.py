"""Dataset files of a release: canonical records as JSON Lines, JSON and CSV, with their
Frictionless Data Package (v2) descriptor.

Records in, bytes out: the same records give the same bytes. The data files are made as a
stream of chunks, a batch at a time: for a large archive each file is too big to hold. The
JSON ones are made from the records' canonical lines, the CSV ones from their packed rows
(rows.py, which also says how a CSV row is written).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import Any, TypeVar

import orjson

from .config import Settings
from .model import canonical_line
from .rows import CSV_LINE_END, LIST_DELIMITER, Item, header_row, unpacked
from .schema import article_schema, field_names, required_fields
from .shards import PARQUET, parquet_names
from .topics import slugify
from .tuning import DEFAULT

DATAPACKAGE_PROFILE = "https://datapackage.org/profiles/2.0/datapackage.json"
# What the dataset is about, for catalogues: datapackage.json and croissant.json.
KEYWORDS = ("news", "articles", "republished", "fair use")

Record = dict[str, Any]
T = TypeVar("T")


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def canonical_json(value: Any, *, indent: int | None = None) -> str:
    """Sorted keys, UTF-8 text (no \\u escapes but for U+2028/U+2029, which some line
    readers split on), compact separators unless indented (by 2).

    The bytes are json.dumps(value, ensure_ascii=False, sort_keys=True, ...) exactly
    (record hashes depend on them; tests/test_dataset_files.py compares the two); orjson
    makes them much faster, which matters for a release of a large archive."""
    return canonical_json_bytes(value, indent=indent).decode("utf-8")


def canonical_json_bytes(value: Any, *, indent: int | None = None, newline: bool = False) -> bytes:
    """canonical_json encoded as UTF-8 (with a final line feed if `newline`), made without
    copies."""
    if indent not in (None, 2):
        raise ValueError("canonical JSON is compact or indented by 2")
    option = orjson.OPT_SORT_KEYS | (orjson.OPT_INDENT_2 if indent else 0)
    if newline:
        option |= orjson.OPT_APPEND_NEWLINE
    try:
        data = orjson.dumps(value, option=option)
    except TypeError:  # what orjson refuses (a lone surrogate, a huge int): the stdlib way
        separators = (",", ":") if indent is None else (",", ": ")
        text = json.dumps(
            value, ensure_ascii=False, sort_keys=True, indent=indent, separators=separators
        )
        data = (text + "\n" if newline else text).encode("utf-8")
    return canonical_line(data)


def canonical_json_lines(values: Iterable[Any]) -> bytes:
    """canonical_json_bytes(value, newline=True) of each value, joined; U+2028/U+2029 escaped
    once over them all (a first release's changes.jsonl has a line per record)."""
    items = list(values)
    option = orjson.OPT_SORT_KEYS | orjson.OPT_APPEND_NEWLINE
    try:
        return canonical_line(b"".join(orjson.dumps(item, option=option) for item in items))
    except TypeError:  # what orjson refuses: a value at a time, the stdlib way for those
        return b"".join(canonical_json_bytes(item, newline=True) for item in items)


def record_sha256(record: Record) -> str:
    """The identity of a record's content: sha256 of its canonical JSON line (no LF).
    ArticleRef.digest is the same hash (model.index_of), made when the seed is checked."""
    return sha256(canonical_json_bytes(record))


# `batch`: records per chunk of a data file (Tuning.data_batch), a few megabytes, so that
# memory holds a batch, never a whole file. Any size gives the same bytes.


def batches(items: Iterable[T], batch: int = DEFAULT.data_batch) -> Iterator[list[T]]:
    iterator = iter(items)
    while chunk := list(islice(iterator, batch)):
        yield chunk


def jsonl_chunk(lines: list[bytes]) -> bytes:
    """A chunk of articles.jsonl: one canonical line per record, each ending in LF."""
    return b"\n".join(lines) + b"\n"


def jsonl_chunks(lines: Iterable[bytes], batch: int = DEFAULT.data_batch) -> Iterator[bytes]:
    return map(jsonl_chunk, batches(lines, batch))


def list_fields() -> tuple[str, ...]:
    properties = article_schema()["properties"]
    return tuple(name for name in field_names() if _is_list(properties[name]))


BOM = "\ufeff".encode()


def csv_chunks(
    items: Iterable[Item], gather: Gather | None = None, batch: int = DEFAULT.data_batch
) -> Iterator[tuple[bytes, bytes]]:
    """Chunks of articles.csv, the canonical, lossless CSV, and of articles.spreadsheet.csv,
    the same table for spreadsheets: UTF-8 with a byte-order mark (so Excel detects the
    encoding) and formula-like cells neutralised (not lossless: use articles.csv for data).

    Each item is a record's packed row, or its canonical line (rows.unpacked). Both files
    are made in one go: a batch (of `batch` records) without a formula-like cell is
    joined once for both. `gather` is given the Summary's part of each record as it
    goes by."""
    table: list[bytes | memoryview] = [header_row()]
    differs: dict[int, memoryview] = {}  # index in `table` -> the row's spreadsheet row
    gather = gather or Gather()
    bom = BOM
    for count, item in enumerate(items, start=1):
        row, sheet, source, publisher, disclaimer = unpacked(item)
        gather.add(source, publisher, disclaimer)
        table.append(row)
        if sheet is not None:
            differs[len(table) - 1] = sheet
        if count % batch == 0:
            yield _pair(table, differs, bom)
            bom = b""
    yield _pair(table, differs, bom)


def _pair(
    table: list[bytes | memoryview], differs: dict[int, memoryview], bom: bytes
) -> tuple[bytes, bytes]:
    """The chunks of both files for the rows gathered so far, which are then let go."""
    data = b"".join(table)
    if differs:
        for index, row in differs.items():
            table[index] = row
        sheet = bom + b"".join(table)
    else:
        sheet = bom + data if bom else data
    table.clear()
    differs.clear()
    return data, sheet


# -- Table Schema -------------------------------------------------------------------------


def _resolve(spec: dict[str, Any]) -> dict[str, Any]:
    """Follow a local $ref (and the first branch of an optional anyOf) to the real spec."""
    defs = article_schema()["$defs"]
    while True:
        if "$ref" in spec:
            spec = defs[spec["$ref"].rsplit("/", 1)[-1]]
        elif "anyOf" in spec:
            spec = next(s for s in spec["anyOf"] if s.get("type") != "null")
        else:
            return spec


def _is_list(spec: dict[str, Any]) -> bool:
    return _resolve(spec).get("type") == "array"


def _table_field(name: str, spec: dict[str, Any], delimiter: str | None) -> dict[str, Any]:
    resolved = _resolve(spec)
    types: str | list[str] = spec.get("type") or resolved["type"]
    kind = types if isinstance(types, str) else next(t for t in types if t != "null")
    field: dict[str, Any] = {"name": name}
    constraints: dict[str, Any] = {"required": True} if name in required_fields() else {}
    if kind == "array":
        field.update(type="list", itemType="string")
        if delimiter:
            field["delimiter"] = delimiter
        if resolved.get("minItems"):
            constraints["minLength"] = resolved["minItems"]
    elif kind == "integer":
        field["type"] = "integer"
        constraints.update(minimum=spec["minimum"], maximum=spec["maximum"])
    elif spec.get("format") == "date":
        field["type"] = "date"
    else:
        field["type"] = "string"
        if spec.get("format") == "uri":
            field["format"] = "uri"
    if name == "id":
        constraints.update(unique=True, pattern=spec["pattern"])
    field["description"] = spec["description"]
    if constraints:
        field["constraints"] = constraints
    return field


def table_schema(delimiter: str | None) -> dict[str, Any]:
    """The Table Schema of the records; `delimiter` for lists written as text (CSV), whose
    columns are in field order. JSON objects have sorted keys: they match by name."""
    properties = article_schema()["properties"]
    return {
        "fields": [_table_field(name, properties[name], delimiter) for name in field_names()],
        "fieldsMatch": "exact" if delimiter else "equal",
        "missingValues": [""],
        "primaryKey": ["id"],
    }


# -- datapackage.json ---------------------------------------------------------------------

# name, path, format, media type, type, description. The Parquet file and the delta files
# are "file" resources: frictionless (5.x) checks their hash and size, but cannot count the
# bytes of a Parquet table (a correct file would fail); its schema travels inside it.
RESOURCES = (
    ("articles-jsonl", "articles.jsonl.gz", "jsonl", "application/jsonl", "table",
     "One record per line (canonical: sorted by id, sorted keys, UTF-8, LF), gzip-compressed."),
    ("articles-parquet", PARQUET, "parquet", "application/vnd.apache.parquet", "file",
     "The same records as an Apache Parquet table (zstd; lists as lists, dates as dates)."),
    ("articles-csv", "articles.csv", "csv", "text/csv", "table",
     "The same records as CSV (RFC 4180, UTF-8, CRLF rows); list fields joined with ';'."),
    ("delta-added", "delta/added.jsonl.gz", "jsonl", "application/jsonl", "file",
     "The records added since the previous version, as lines of articles.jsonl.gz."),
    ("delta-changed", "delta/changed.jsonl.gz", "jsonl", "application/jsonl", "file",
     "The new versions of the records changed since the previous version."),
    ("delta-removed", "delta/removed.jsonl", "jsonl", "application/jsonl", "file",
     'The ids of the records removed since the previous version, a {"id": …} a line.'),
)  # fmt: skip

CSV_DIALECT = {
    "header": True,
    "delimiter": ",",
    "lineTerminator": CSV_LINE_END,
    "quoteChar": '"',
    "doubleQuote": True,
}

_LICENSE_NAME = re.compile(r"^[-a-zA-Z0-9._]+$")


def license_entry(license_id: str) -> dict[str, str]:
    """An Open Definition / SPDX id gets its SPDX page; anything else is a title only."""
    if _LICENSE_NAME.match(license_id):
        return {"name": license_id, "path": f"https://spdx.org/licenses/{license_id}.html"}
    return {"title": license_id}


@dataclass(frozen=True)
class Stored:
    """A file already written: what the descriptor and the checksums need of it."""

    size: int
    sha256: str

    @classmethod
    def of(cls, data: bytes) -> Stored:
        return cls(len(data), sha256(data))

    @classmethod
    def of_file(cls, path: Path) -> Stored:
        """Read in blocks: a data file of a large archive is too big to hold."""
        with path.open("rb") as handle:
            digest = hashlib.file_digest(handle, "sha256")
            return cls(handle.tell(), digest.hexdigest())


class Tally:
    """The size and sha256 of the chunks passed through it, as they are written."""

    def __init__(self) -> None:
        self.size = 0
        self.hash = hashlib.sha256()

    def add(self, chunk: bytes) -> None:
        self.size += len(chunk)
        self.hash.update(chunk)

    def through(self, chunks: Iterable[bytes]) -> Iterator[bytes]:
        for chunk in chunks:
            self.add(chunk)
            yield chunk

    def stored(self) -> Stored:
        return Stored(self.size, self.hash.hexdigest())


@dataclass(frozen=True)
class Summary:
    """What the descriptor and the README say of a release's records as a whole."""

    sources: tuple[str, ...]  # the outlets and publishers the records name, sorted
    disclaimers: tuple[tuple[str, int], ...]  # each wording and how many records carry it


class Gather:
    """A Summary of the records added to it, made while they are written."""

    def __init__(self) -> None:
        self.sources: set[str] = set()
        self.disclaimers: Counter[str] = Counter()

    def add(self, source: str, publisher: str | None, disclaimer: str) -> None:
        self.sources.add(source)
        if publisher:
            self.sources.add(publisher)
        self.disclaimers[disclaimer] += 1

    def summary(self) -> Summary:
        return Summary(tuple(sorted(self.sources)), tuple(self.disclaimers.items()))


def resources(files: Mapping[str, Stored]) -> list[dict[str, Any]]:
    """Resource descriptors for the data files in `files` (name -> what was written): one
    for each shard of the Parquet table."""
    described = []
    for name, path, fmt, mediatype, kind, description in RESOURCES:
        if path.startswith("delta/") and path not in files:  # a first release has none
            continue
        paths = parquet_names(files) if fmt == "parquet" else [path]
        for shard, one in enumerate(paths):
            resource: dict[str, Any] = {"name": name, "type": kind, "path": one}
            text = description
            if len(paths) > 1:
                resource["name"] = f"{name}-{shard:05d}-of-{len(paths):05d}"
                text = f"{description} Shard {shard + 1} of {len(paths)}, by id."
            resource.update(description=text, format=fmt, mediatype=mediatype)
            described.append(_stored(resource, files[one]))
    return described


def _stored(resource: dict[str, Any], stored: Stored) -> dict[str, Any]:
    """The resource with what depends on its format, and its size and hash."""
    fmt = resource["format"]
    if resource["path"].endswith(".gz"):
        resource["compression"] = "gz"
    if fmt != "parquet":  # a binary file: no text encoding
        resource["encoding"] = "utf-8"
    resource.update(bytes=stored.size, hash=f"sha256:{stored.sha256}")
    if fmt == "csv":
        resource["dialect"] = CSV_DIALECT
    if resource["type"] == "table":
        resource["schema"] = table_schema(LIST_DELIMITER if fmt == "csv" else None)
    return resource


def dataset_name(settings: Settings) -> str:
    return slugify(settings.title)


def datapackage(
    settings: Settings,
    version: str,
    date: dt.date,
    sources: Sequence[str],
    files: Mapping[str, Stored],
) -> dict[str, Any]:
    """The Data Package v2 descriptor of one release. `created` is the release date (never
    the clock); `sources` are the outlets and publishers the records name (Summary)."""
    return {
        "$schema": DATAPACKAGE_PROFILE,
        "name": dataset_name(settings),
        "id": settings.tag(f"dataset:v{version}"),
        "title": settings.title,
        "description": settings.description,
        "homepage": settings.url(f"releases/v{version}/"),
        "version": version,
        "created": f"{date.isoformat()}T00:00:00Z",
        "keywords": list(KEYWORDS),
        "licenses": [license_entry(settings.license)],
        "sources": [{"title": source} for source in sources],
        "contributors": [
            {
                "title": settings.title,
                "email": settings.contact,
                "path": settings.base_url,
                "roles": ["creator", "contact"],
            }
        ],
        "resources": resources(files),
    }
