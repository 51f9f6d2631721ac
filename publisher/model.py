"""The article model: frozen records, built only from records that passed the schema."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import orjson

# Topic kind -> the Article field that lists its names.
TOPIC_FIELDS = {"region": "regions", "theme": "themes", "report": "reports"}


@dataclass(frozen=True)
class Article:
    """One valid article. Every output (feeds, site, datasets) is computed from this."""

    id: str
    title: str
    subtitle: str | None
    authors: tuple[str, ...]
    publisher: str | None
    published: dt.date
    updated: dt.date | None
    source_name: str | None
    source_date: dt.date | None
    regions: tuple[str, ...]
    themes: tuple[str, ...]
    reports: tuple[str, ...]
    lead: str | None
    body: str
    original_source: str
    original_source_url: str | None
    copyright_holders: tuple[str, ...]
    copyright_year: int
    copyright_notice: str | None
    disclaimer: str
    contact: str | None

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> Article:
        """From a normalised, schema-valid record (see schema.normalise)."""

        def date(value: str | None) -> dt.date | None:
            return dt.date.fromisoformat(value) if value else None

        return cls(
            id=record["id"],
            title=record["title"],
            subtitle=record["subtitle"],
            authors=tuple(record["authors"]),
            publisher=record["publisher"],
            published=dt.date.fromisoformat(record["published"]),
            updated=date(record["updated"]),
            source_name=record["source_name"],
            source_date=date(record["source_date"]),
            regions=tuple(record["regions"]),
            themes=tuple(record["themes"]),
            reports=tuple(record["reports"]),
            lead=record["lead"],
            body=record["body"],
            original_source=record["original_source"],
            original_source_url=record["original_source_url"],
            copyright_holders=tuple(record["copyright_holders"]),
            copyright_year=record["copyright_year"],
            copyright_notice=record["copyright_notice"],
            disclaimer=record["disclaimer"],
            contact=record["contact"],
        )

    def to_record(self) -> dict[str, Any]:
        """The plain record (schema field order, ISO dates, lists): what datasets and
        `publish inspect` show, and what from_record reads back."""
        record: dict[str, Any] = {}
        for name in self.__dataclass_fields__:
            value = getattr(self, name)
            if isinstance(value, dt.date):
                value = value.isoformat()
            elif isinstance(value, tuple):
                value = list(value)
            record[name] = value
        return record

    @property
    def last_modified(self) -> dt.date:
        """The date readers should see as `updated`: the correction date, else publication."""
        return self.updated or self.published

    @property
    def copyright_statement(self) -> str:
        """The notice as printed, or one composed from holders and year when none was given."""
        return self.copyright_notice or (
            f"Copyright © {', '.join(self.copyright_holders)}, {self.copyright_year}"
        )

    @property
    def categories(self) -> tuple[tuple[str, str], ...]:
        """(topic kind, name) for every region, theme and report, in that order."""
        return tuple(
            (kind, name) for kind, field in TOPIC_FIELDS.items() for name in getattr(self, field)
        )


@dataclass(frozen=True)
class ArticleRef:
    """What a build needs to know of an article to place it (its feeds, pages, order)
    without loading it: small enough to hold for every article of a large archive.

    `digest` fingerprints the whole record, so an output whose entries' digests are
    unchanged is unchanged; `list_digest` fingerprints all of it but the body after its first
    paragraph, which only the article's own page and full feed entries show (archive and
    list pages show the rest), so a correction further down a body rewrites no archive
    page; `source` is the seed it came from (the cache key). `digest`
    (the sha256 of the record's dataset line) and `title` are all that a release's diff
    needs: it names the records it lists without loading them."""

    id: str
    title: str
    published: dt.date
    updated: dt.date | None
    regions: tuple[str, ...]
    themes: tuple[str, ...]
    reports: tuple[str, ...]
    authors: tuple[str, ...]
    original_source: str
    digest: str
    source: str
    list_digest: str

    @property
    def last_modified(self) -> dt.date:
        return self.updated or self.published

    @classmethod
    def from_index(cls, index: Sequence[Any], source: str) -> ArticleRef:
        """From `index_of(record)` as the cache keeps it."""
        (
            article_id,
            title,
            published,
            updated,
            regions,
            themes,
            reports,
            authors,
            original_source,
            list_digest,
            digest,
        ) = index
        return make_ref(
            article_id,
            title,
            dt.date.fromisoformat(published),
            dt.date.fromisoformat(updated) if updated else None,
            tuple(regions),
            tuple(themes),
            tuple(reports),
            tuple(authors),
            original_source,
            digest,
            source,
            list_digest,
        )


def article_page(article_id: str) -> str:
    """Site path of an article's page."""
    return f"articles/{article_id}.html"


_new = object.__new__
_set = object.__setattr__


def make_ref(
    article_id: str,
    title: str,
    published: dt.date,
    updated: dt.date | None,
    regions: tuple[str, ...],
    themes: tuple[str, ...],
    reports: tuple[str, ...],
    authors: tuple[str, ...],
    original_source: str,
    digest: str,
    source: str,
    list_digest: str,
) -> ArticleRef:
    """ArticleRef(...) without the frozen dataclass's __init__, which sets each field through
    object.__setattr__: a build makes an ArticleRef per article of the archive, so the
    saving counts. The same object (tests/test_cache.py::test_make_ref)."""
    entry: ArticleRef = _new(ArticleRef)
    _set(
        entry,
        "__dict__",
        {
            "id": article_id,
            "title": title,
            "published": published,
            "updated": updated,
            "regions": regions,
            "themes": themes,
            "reports": reports,
            "authors": authors,
            "original_source": original_source,
            "digest": digest,
            "source": source,
            "list_digest": list_digest,
        },
    )
    return entry


# Some line readers (JavaScript's, Python's str.splitlines) split on these: a dataset line
# has them escaped.
_LINE_SEPARATORS = (("\u2028".encode(), b"\\u2028"), ("\u2029".encode(), b"\\u2029"))


def canonical_line(data: bytes) -> bytes:
    """`data` (JSON as orjson writes it) with U+2028/U+2029 escaped: for a record dumped
    with sorted keys, its canonical line in a dataset release (without the LF)."""
    for raw, escaped in _LINE_SEPARATORS:
        if raw in data:
            data = data.replace(raw, escaped)
    return data


def record_line(record: dict[str, Any]) -> bytes:
    """A valid record's canonical line: what the cache stores and a release publishes."""
    return canonical_line(orjson.dumps(record, option=orjson.OPT_SORT_KEYS))


def index_of(record: dict[str, Any], line: bytes | None = None) -> list[Any]:
    """The ArticleRef fields of a valid record, as plain JSON (the cache stores this); `line`
    is its record_line, if already made. The digest is the sha256 of that line
    (dataset.record_sha256), so a release can diff entries without their records."""
    if line is None:
        line = record_line(record)
    return [
        record["id"],
        record["title"],
        record["published"],
        record["updated"],
        record["regions"],
        record["themes"],
        record["reports"],
        record["authors"],
        record["original_source"],
        list_digest_of(record),
        hashlib.sha256(line).hexdigest(),
    ]


def list_digest_of(record: dict[str, Any]) -> str:
    """ArticleRef.list_digest: a sha256 of the record with its body cut to the first paragraph (an
    article without lead or subtitle is summarised from it: render._summary)."""
    shown = dict(record, body=record["body"].split("\n\n", 1)[0])
    return hashlib.sha256(orjson.dumps(shown, option=orjson.OPT_SORT_KEYS)).hexdigest()
