"""A record's rows in the CSV files of a release, made when its seed is checked.

CSV (RFC 4180): UTF-8, ',' separated, '"' quoted only where needed (a quote inside a value
is doubled), rows end with CRLF; line breaks inside a value are kept as they are (LF,
quoted). Columns in schema field order. List values are joined with ';' (the schema refuses
';' inside a list item, so the split is exact); null and an empty list are an empty cell (no
text field can be empty, so an empty cell is never an empty string).

A release makes its CSV files from each record's packed row (packed_row), kept in the cache
since its seed was checked, so that it need not parse every record again (a large share of
its work). The cache keeps a packed row after the digest of the record it was
made from and a checksum of itself (stored): a row of another version of the record, or a
damaged one, is not used. This module is part of the cache's fingerprint.
"""

from __future__ import annotations

import functools
import json
import re
import zlib
from typing import Any

import orjson

from .schema import field_names

LIST_DELIMITER = ";"
CSV_LINE_END = "\r\n"
# Cells a spreadsheet may run as a formula (OWASP "CSV injection").
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_FORMULA_FIRST = frozenset(FORMULA_START)

Record = dict[str, Any]
Item = bytes | memoryview  # a packed row, or a record's canonical line (see unpacked)


@functools.cache
def _names() -> tuple[str, ...]:
    return tuple(field_names())


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


def header_row() -> bytes:
    return (",".join(map(csv_field, _names())) + CSV_LINE_END).encode("utf-8")


def csv_rows(record: Record) -> tuple[str, str | None]:
    """The record's row of articles.csv, and its row of articles.spreadsheet.csv when
    that differs (a cell looks like a formula), each ending in CRLF."""
    # Rows are joined here, not by csv.writer: it goes through every character in Python's
    # C state machine, many times slower than str methods on a large file.
    # Most values are text: only the others go through csv_cell.
    cells = [v if v.__class__ is str else csv_cell(v) for v in map(record.__getitem__, _names())]
    row = ",".join(map(csv_field, cells)) + CSV_LINE_END
    if _FORMULA_FIRST.isdisjoint([cell[:1] for cell in cells]):
        return row, None
    return row, ",".join(csv_field(neutralise(cell)) for cell in cells) + CSV_LINE_END


def packed_row(record: Record) -> bytes:
    """All that the CSV files need of a record: a JSON header [length of its articles.csv
    row, original_source, publisher, disclaimer] (the last three for the data package's
    summary), LF, that row in UTF-8, then its articles.spreadsheet.csv row if it differs.
    It starts with "[", where a record line starts with "{"."""
    row, sheet = csv_rows(record)
    table = row.encode("utf-8")
    fields = [len(table), record["original_source"], record["publisher"], record["disclaimer"]]
    try:
        header = orjson.dumps(fields)
    except TypeError:  # a lone surrogate: ASCII escapes, which orjson reads back
        header = json.dumps(fields).encode()
    return b"".join((header, b"\n", table, b"" if sheet is None else sheet.encode("utf-8")))


_LF = re.compile(b"\n")
_OPEN_BRACE = ord("{")
_ROW_END = CSV_LINE_END.encode()


def unpacked(item: Item) -> tuple[memoryview, memoryview | None, str, str | None, str]:
    """(articles.csv row, spreadsheet row if it differs, original_source, publisher,
    disclaimer) of a packed row, or of a record line (packed here). Raises ValueError for
    a packed row that does not hold what its header says."""
    view = memoryview(item)
    if view[0] == _OPEN_BRACE:  # a record line: no packed row in the cache
        view = memoryview(packed_row(orjson.loads(view)))
    newline = _LF.search(view)
    try:
        if newline is None:
            raise ValueError("no header")
        cut = newline.start()
        length, source, publisher, disclaimer = orjson.loads(view[:cut])
        end = cut + 1 + length
        table, sheet = view[cut + 1 : end], view[end:] or None
        if len(table) != length or not _ends_a_row(table) or (sheet and not _ends_a_row(sheet)):
            raise ValueError("it does not end where its header says")
    except (ValueError, TypeError) as exc:  # a bug, or a cache damaged past its checksum
        raise ValueError(f"a damaged packed CSV row: {exc}") from None
    return table, sheet, source, publisher, disclaimer


def _ends_a_row(row: memoryview) -> bool:
    return row[-2:] == _ROW_END


_DIGEST = 64  # hex characters of a sha256
_CHECK = 8  # hex characters of a crc32


def stored(digest: str, row: bytes) -> bytes:
    """A packed row as the cache keeps it: after the digest of the record it was made from
    and a checksum of itself."""
    return b"%s%08x%s" % (digest.encode(), zlib.crc32(row), row)


def from_store(value: bytes, digest: str) -> memoryview | None:
    """The packed row a `stored` value holds, if it was made from the record with this
    digest and is whole; else None (the caller packs the record's line instead)."""
    start = _DIGEST + _CHECK
    if len(value) <= start or value[:_DIGEST] != digest.encode():
        return None
    row = memoryview(value)[start:]
    try:
        check = int(value[_DIGEST:start], 16)
    except ValueError:
        return None
    return row if zlib.crc32(row) == check else None
