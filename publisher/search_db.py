"""The full-text index of one year's articles: an SQLite FTS5 database that the search page
queries in the browser over HTTP range requests (sql.js-httpvfs), reading only the pages
a query needs.

One table, `articles`: title, authors, lead and body are indexed (unicode61, accents
folded), with positions (`detail=full`: phrases) and their text (for `snippet()`); the
date, the page's site path and the digest of the record the row was made from ride along
unindexed. Table `made` names the code that made the rows (rows_version): the next build
takes the rows of unchanged records from the index it replaces (previous_rows) instead of
loading every article of the year again. Rows go in by date, oldest first (the
page asks for the newest matches: the end of each term's doclist), the index is written as
one segment and the file vacuumed, so a term's doclist is one contiguous run of pages.
"""

from __future__ import annotations

import hashlib
import os
import re
import sqlite3
import tempfile
import unicodedata
from collections.abc import Iterable
from functools import cache
from importlib.resources import files
from pathlib import Path

from .fingerprint import tool_fingerprint
from .markdown_text import to_text
from .model import Article, article_page

# The pages a browser fetches: a query reads a few per term (its b-tree path and doclist),
# so small pages waste little. 4096 matches sql.js-httpvfs's default request size.
PAGE_SIZE = 4096
TABLE = "articles"
COLUMNS = ("title", "authors", "lead", "body", "date", "page", "digest")
SCHEMA = (
    f"CREATE VIRTUAL TABLE {TABLE} USING fts5("
    "title, authors, lead, body, date UNINDEXED, page UNINDEXED, digest UNINDEXED, "
    "tokenize = 'unicode61 remove_diacritics 2', detail = full)"
)
MADE = "made"
Row = tuple[str, str, str, str, str, str, str]  # COLUMNS, in order
HASH_SIZE = 1 << 30


@cache
def rows_version() -> str:
    """What decides an article's row besides its record: this module, the code that makes
    records (fingerprint.tool_fingerprint) and Python's Unicode tables (what str.split and
    isprintable see). Rows made under another are not reused."""
    own = files("publisher").joinpath("search_db.py").read_bytes()
    made_by = f"{tool_fingerprint()} {unicodedata.unidata_version}".encode()
    return hashlib.sha256(made_by + own).hexdigest()[:16]


def database(rows: Iterable[Row], scratch: Path | None = None) -> bytes:
    """The bytes of an index of `rows` (given oldest first). Built in a temporary file in
    `scratch` (the build's staging folder), not in memory: VACUUM copies the database."""
    handle, name = tempfile.mkstemp(suffix=".sqlite3", dir=scratch)
    os.close(handle)
    try:
        connection = sqlite3.connect(name, isolation_level=None)
        try:
            _fill(connection, rows)
        finally:
            connection.close()
        return Path(name).read_bytes()
    finally:
        Path(name).unlink()


def _fill(connection: sqlite3.Connection, rows: Iterable[Row]) -> None:
    # No journal: the file is scratch until it is whole, and a failure discards it.
    connection.execute("PRAGMA journal_mode = OFF")
    connection.execute("PRAGMA synchronous = OFF")
    connection.execute(f"PRAGMA page_size = {PAGE_SIZE}")
    connection.execute(SCHEMA)
    connection.execute(f"CREATE TABLE {MADE} (rows TEXT NOT NULL)")
    connection.execute(f"INSERT INTO {MADE} VALUES (?)", (rows_version(),))
    # Keep a year's whole index in memory until the commit (about 70 MB for 7,000 rows),
    # which then writes one segment: nothing for `optimize` to merge (half the build time).
    connection.execute(f"INSERT INTO {TABLE}({TABLE}, rank) VALUES ('hashsize', ?)", (HASH_SIZE,))
    connection.execute("BEGIN")
    connection.executemany(f"INSERT INTO {TABLE} VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
    connection.execute("COMMIT")
    # A no-op when the commit wrote one segment; merges them should the hash ever fill.
    connection.execute(f"INSERT INTO {TABLE}({TABLE}) VALUES ('optimize')")
    connection.execute("VACUUM")


# C0 control characters, dropped from the indexed text: the search page marks matches in
# snippets with two of them (char(2), char(3)), so the text must hold none of its own.
# (A pattern, not str.translate: translate with a table runs per character in Python,
# ten times the cost of indexing the row.)
_CONTROLS = re.compile("[\x00-\x1f]")


def without_controls(text: str) -> str:
    """`text` with each C0 control character a space. Printable text holds none: the
    pattern runs on the rest only (the check is 2-3x faster than the pattern, and an edit
    indexes every body of its year)."""
    return text if text.isprintable() else _CONTROLS.sub(" ", text)


def row(article: Article, digest: str) -> Row:
    """What the index holds of an article (COLUMNS) whose record has `digest`."""
    lead = to_text(article.lead) if article.lead else ""
    texts = (article.title, ", ".join(article.authors), lead, to_text(article.body))
    title, authors, lead, body = map(without_controls, texts)
    published, page = article.published.isoformat(), article_page(article.id)
    return title, authors, lead, body, published, page, digest


def previous_rows(path: Path | None) -> dict[str, Row]:
    """The rows of the index at `path` by record digest, if the code that made them makes
    rows as this code does (else, or if there is no readable index there, none)."""
    if path is None:
        return {}
    try:
        connection = sqlite3.connect(f"{path.absolute().as_uri()}?mode=ro", uri=True)
        try:
            (made,) = connection.execute(f"SELECT rows FROM {MADE}").fetchone()
            if made != rows_version():
                return {}
            cursor = connection.execute(f"SELECT {', '.join(COLUMNS)} FROM {TABLE}")
            return {found[-1]: found for found in cursor if _text_row(found)}
        finally:
            connection.close()
    except (sqlite3.Error, TypeError, ValueError):
        return {}


def _text_row(found: tuple[object, ...]) -> bool:
    """Whether a row read back is one this module could have written (all text)."""
    return len(found) == len(COLUMNS) and all(isinstance(value, str) for value in found)
