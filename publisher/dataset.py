"""Dataset files of a release: canonical records as JSON Lines, JSON and CSV, with their
Frictionless Data Package (v2) descriptor.

Every function is pure: records in, bytes out. The same records give the same bytes.

CSV (RFC 4180): UTF-8 without BOM, ',' separated, '"' quoted only where needed (a quote
inside a value is doubled), rows end with CRLF; line breaks inside a value are kept as
they are (LF, quoted). Columns in schema field order. List values are joined with ';' (the
schema refuses ';' inside a list item, so the split is exact); null and an empty list are an
empty cell (no text field can be empty, so an empty cell is never an empty string).
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import orjson

from .config import Settings
from .schema import article_schema, field_names, required_fields
from .topics import slugify

LIST_DELIMITER = ";"
CSV_LINE_END = "\r\n"
DATAPACKAGE_PROFILE = "https://datapackage.org/profiles/2.0/datapackage.json"

Record = dict[str, Any]


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def canonical_json(value: Any, *, indent: int | None = None) -> str:
    """Sorted keys, UTF-8 text (no \\u escapes but for U+2028/U+2029, which some line
    readers split on), compact separators unless indented (by 2).

    The bytes are json.dumps(value, ensure_ascii=False, sort_keys=True, ...) exactly
    (record hashes depend on them; tests/test_dataset_files.py compares the two); orjson
    makes them ~10x faster, which matters for a release of 100,000 records."""
    return canonical_json_bytes(value, indent=indent).decode("utf-8")


_LINE_SEPARATORS = (("\u2028".encode(), b"\\u2028"), ("\u2029".encode(), b"\\u2029"))


def canonical_json_bytes(value: Any, *, indent: int | None = None, newline: bool = False) -> bytes:
    """canonical_json encoded as UTF-8 (with a final line feed if `newline`), made without
    copies (a release's JSON array is about a gigabyte at 100,000 records)."""
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
    for raw, escaped in _LINE_SEPARATORS:
        data = data.replace(raw, escaped)
    return data


def record_sha256(record: Record) -> str:
    """The identity of a record's content: sha256 of its canonical JSON line (no LF)."""
    return sha256(canonical_json_bytes(record))


def sorted_records(records: Iterable[Record]) -> list[Record]:
    return sorted(records, key=lambda record: str(record["id"]))


def jsonl_bytes(records: Sequence[Record]) -> bytes:
    return b"".join(canonical_json_bytes(record, newline=True) for record in records)


def json_bytes(records: Sequence[Record]) -> bytes:
    return canonical_json_bytes(list(records), indent=2, newline=True)


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


def csv_bytes(records: Sequence[Record]) -> bytes:
    """The canonical, lossless CSV."""
    return _csv(records, lambda cell: cell, "utf-8")


# Cells a spreadsheet may run as a formula (OWASP "CSV injection").
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(cell: str) -> str:
    """Prefix a would-be formula with an apostrophe: spreadsheets show it as text."""
    return "'" + cell if cell.startswith(FORMULA_START) else cell


def spreadsheet_csv_bytes(records: Sequence[Record]) -> bytes:
    """The same table for spreadsheets: UTF-8 with a byte-order mark (so Excel detects the
    encoding) and formula-like cells neutralised. Not lossless: use articles.csv for data."""
    return _csv(records, neutralise, "utf-8-sig")


def _csv(records: Sequence[Record], transform: Callable[[str], str], encoding: str) -> bytes:
    # Encoded as it is written: a str of the whole table would take up to four bytes a
    # character (one emoji is enough), gigabytes for a 100,000-record release.
    buffer = io.BytesIO()
    with io.TextIOWrapper(buffer, encoding=encoding, newline="", write_through=True) as out:
        writer = csv.writer(out, lineterminator=CSV_LINE_END, quoting=csv.QUOTE_MINIMAL)
        names = field_names()
        writer.writerow(names)
        for record in records:
            writer.writerow([transform(csv_cell(record[name])) for name in names])
        out.flush()
        return buffer.getvalue()


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
    records: Sequence[Record],
    files: Mapping[str, Stored],
) -> dict[str, Any]:
    """The Data Package v2 descriptor of one release. `created` is the release date (never
    the clock); `sources` are the outlets and publishers the records name."""
    sources = sorted(
        {r["original_source"] for r in records}
        | {r["publisher"] for r in records if r["publisher"]}
    )
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
