"""Dataset files of a release: canonical records as JSON Lines, JSON and CSV, with their
Frictionless Data Package (v2) descriptor.

Every function is pure: records in, bytes out. The same records give the same bytes. The
data files are made as a stream of chunks, a batch at a time: at 100,000 records each
file is about a gigabyte, too much to hold. The JSON ones are made from the records'
canonical lines, the CSV ones from their packed rows (packed_row), made when each seed is
checked and kept in the cache, so that a release does not parse every record again.

CSV (RFC 4180): UTF-8 without BOM, ',' separated, '"' quoted only where needed (a quote
inside a value is doubled), rows end with CRLF; line breaks inside a value are kept as
they are (LF, quoted). Columns in schema field order. List values are joined with ';' (the
schema refuses ';' inside a list item, so the split is exact); null and an empty list are an
empty cell (no text field can be empty, so an empty cell is never an empty string).
"""

from __future__ import annotations

import datetime as dt
import functools
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
from .schema import article_schema, field_names, required_fields
from .topics import slugify

LIST_DELIMITER = ";"
CSV_LINE_END = "\r\n"
DATAPACKAGE_PROFILE = "https://datapackage.org/profiles/2.0/datapackage.json"

Record = dict[str, Any]
T = TypeVar("T")


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def canonical_json(value: Any, *, indent: int | None = None) -> str:
    """Sorted keys, UTF-8 text (no \\u escapes but for U+2028/U+2029, which some line
    readers split on), compact separators unless indented (by 2).

    The bytes are json.dumps(value, ensure_ascii=False, sort_keys=True, ...) exactly
    (record hashes depend on them; tests/test_dataset_files.py compares the two); orjson
    makes them ~10x faster, which matters for a release of 100,000 records."""
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


def record_sha256(record: Record) -> str:
    """The identity of a record's content: sha256 of its canonical JSON line (no LF).
    Entry.digest is the same hash (model.index_of), made when the seed is checked."""
    return sha256(canonical_json_bytes(record))


def record_lines(records: Iterable[Record]) -> Iterator[bytes]:
    """The canonical line (no LF) of each record: what the data files are made from."""
    return (canonical_json_bytes(record) for record in records)


BATCH = 500  # records per chunk of a data file: a few megabytes


def batches(items: Iterable[T]) -> Iterator[list[T]]:
    iterator = iter(items)
    while batch := list(islice(iterator, BATCH)):
        yield batch


def jsonl_chunk(lines: list[bytes]) -> bytes:
    """A chunk of articles.jsonl: one canonical line per record, each ending in LF."""
    return b"\n".join(lines) + b"\n"


def jsonl_chunks(lines: Iterable[bytes]) -> Iterator[bytes]:
    return map(jsonl_chunk, batches(lines))


def json_array_chunks(batches: Iterable[list[bytes]]) -> Iterator[bytes]:
    """articles.json: the records' canonical lines as one JSON array, a record a line:
    "[", the lines joined by ",", "]", each on its own line. Any JSON reader loads it;
    a line reader sees the same records, line for line, as in articles.jsonl. (Indenting
    meant parsing and dumping every record again: a third of a 100,000-record release.)"""
    opening = b"[\n"
    for batch in batches:
        if batch:
            yield opening + b",\n".join(batch)
            opening = b",\n"
    yield b"[]\n" if opening == b"[\n" else b"\n]\n"


def json_chunks(lines: Iterable[bytes]) -> Iterator[bytes]:
    return json_array_chunks(batches(lines))


@functools.cache
def _names() -> tuple[str, ...]:
    return tuple(field_names())


def list_fields() -> tuple[str, ...]:
    properties = article_schema()["properties"]
    return tuple(name for name in field_names() if _is_list(properties[name]))


def csv_cell(value: Any) -> str:
    """The CSV text of one value (lists joined with ';', null empty, numbers as digits)."""
    if value is None:
        return ""
    if isinstance(value, list):
        for item in value:
            if LIST_DELIMITER in item:  # the schema refuses it; never write a lossy cell
                raise ValueError(f"list item {item!r} contains {LIST_DELIMITER!r}")
        return LIST_DELIMITER.join(value)
    return str(value)


# Cells a spreadsheet may run as a formula (OWASP "CSV injection").
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(cell: str) -> str:
    """Prefix a would-be formula with an apostrophe: spreadsheets show it as text."""
    return "'" + cell if cell.startswith(FORMULA_START) else cell


def csv_field(cell: str) -> str:
    """A cell as csv.writer writes it (QUOTE_MINIMAL, doubled quotes, CRLF rows)."""
    # Four `in` scans run at memchr speed; a generator over the specials costs more than
    # the scans themselves, and there are twenty cells a record.
    if '"' in cell:
        return '"' + cell.replace('"', '""') + '"'
    if "," in cell or "\n" in cell or "\r" in cell:
        return '"' + cell + '"'
    return cell


_FORMULA_FIRST = frozenset(FORMULA_START)
BOM = "\ufeff".encode()


def csv_rows(record: Record) -> tuple[str, str | None]:
    """The record's row of articles.csv, and its row of articles.spreadsheet.csv when
    that differs (a cell looks like a formula), each ending in CRLF."""
    # Most values are text: only the others go through csv_cell (a call per cell is a
    # second of a 100,000-record release).
    cells = [v if v.__class__ is str else csv_cell(v) for v in map(record.__getitem__, _names())]
    row = ",".join(map(csv_field, cells)) + CSV_LINE_END
    if _FORMULA_FIRST.isdisjoint([cell[:1] for cell in cells]):
        return row, None
    return row, ",".join(csv_field(neutralise(cell)) for cell in cells) + CSV_LINE_END


def packed_row(record: Record) -> bytes:
    """All that the CSV files of a release need of a record, made when its seed is checked
    and kept in the cache, so that a release need not parse every record again (about
    half of its work): a JSON header [length of the articles.csv row, original_source,
    publisher, disclaimer] (for the Summary), LF, that row in UTF-8, then the
    articles.spreadsheet.csv row if it differs. It starts with "[", a record line "{"."""
    row, sheet = csv_rows(record)
    table = row.encode("utf-8")
    header = canonical_json_bytes(
        [len(table), record["original_source"], record["publisher"], record["disclaimer"]]
    )
    return b"".join((header, b"\n", table, b"" if sheet is None else sheet.encode("utf-8")))


Item = bytes | memoryview  # what csv_chunks takes of a record: see there
_LF = re.compile(b"\n")
_OPEN_BRACE = ord("{")  # a record line's first byte; a packed row's is "["


def csv_chunks(
    items: Iterable[Item], gather: Gather | None = None
) -> Iterator[tuple[bytes, bytes]]:
    """Chunks of articles.csv, the canonical, lossless CSV, and of articles.spreadsheet.csv,
    the same table for spreadsheets: UTF-8 with a byte-order mark (so Excel detects the
    encoding) and formula-like cells neutralised (not lossless: use articles.csv for data).

    Each item is a record's packed_row, or its canonical line (then packed here). Both
    files are made in one go: a batch without a formula-like cell is joined once for both.
    `gather` collects the Summary of the records as they go by."""
    # Rows are joined here, not by csv.writer: it goes through every character in Python's
    # C state machine, ~10 s for each 100,000-record file, where str methods take ~1 s.
    # tests/test_release_stream.py checks the bytes against csv.writer's.
    header = (",".join(map(csv_field, _names())) + CSV_LINE_END).encode("utf-8")
    table: list[bytes | memoryview] = [header]
    differs: dict[int, memoryview] = {}  # index in `table` -> the row's spreadsheet row
    gather = gather or Gather()
    bom = BOM
    for count, item in enumerate(items, start=1):
        view = memoryview(item)
        if view[0] == _OPEN_BRACE:  # a record line: not packed when its seed was checked
            view = memoryview(packed_row(orjson.loads(view)))
        cut = _LF.search(view).start()  # type: ignore[union-attr]  # a packed row has one
        length, source, publisher, disclaimer = orjson.loads(view[:cut])
        gather.add(source, publisher, disclaimer)
        end = cut + 1 + length
        table.append(view[cut + 1 : end])
        if end < len(view):
            differs[len(table) - 1] = view[end:]
        if count % BATCH == 0:
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

# name, format, media type, tabular?, description. articles.json is declared without
# type "table": frictionless (5.x) cannot count the bytes of a JSON-array table and reports
# a byte-count error for a correct file, while as a plain JSON file it checks hash and bytes.
RESOURCES = (
    ("articles-jsonl", "articles.jsonl", "jsonl", "application/jsonl", True,
     "One record per line (canonical: sorted by id, sorted keys, UTF-8, LF)."),
    ("articles-csv", "articles.csv", "csv", "text/csv", True,
     "The same records as CSV (RFC 4180, UTF-8, CRLF rows); list fields joined with ';'."),
    ("articles-json", "articles.json", "json", "application/json", False,
     "The same records as one JSON array of objects, with the fields of the schema."),
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
        """Read in blocks: a data file is about a gigabyte at 100,000 records."""
        with path.open("rb") as handle:
            digest = hashlib.file_digest(handle, "sha256")
            return cls(handle.tell(), digest.hexdigest())


class Tally:
    """The size and sha256 of the chunks passed through it, as they are written."""

    def __init__(self) -> None:
        self.size = 0
        self.hash = hashlib.sha256()

    def through(self, chunks: Iterable[bytes]) -> Iterator[bytes]:
        for chunk in chunks:
            self.size += len(chunk)
            self.hash.update(chunk)
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
    """Resource descriptors for the data files in `files` (name -> what was written)."""
    described = []
    for name, path, fmt, mediatype, tabular, description in RESOURCES:
        stored = files[path]
        resource: dict[str, Any] = {"name": name, "path": path, "description": description}
        if tabular:
            resource["type"] = "table"
        resource.update(
            format=fmt,
            mediatype=mediatype,
            encoding="utf-8",
            bytes=stored.size,
            hash=f"sha256:{stored.sha256}",
        )
        if fmt == "csv":
            resource["dialect"] = CSV_DIALECT
        resource["schema"] = table_schema(LIST_DELIMITER if fmt == "csv" else None)
        described.append(resource)
    return described


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
        "keywords": ["news", "articles", "republished", "fair use"],
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
