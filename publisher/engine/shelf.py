"""Pieces of text made in one pass of a build and used in the next, kept out of memory.

The article pass makes each article's feed entries and list item once; the document pass
splices them into every document that lists the article. For a large archive that is
hundreds of megabytes of text, too much to keep in each process. They
are written to an unlinked temporary file beside the output and read back with pread:
the kernel's page cache holds them while there is room, no process holds them, and
processes forked for the document pass share the file without copying anything.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path

Span = tuple[int, int]  # start, end (in a batch from pack; in the file once added)
_LENGTH_BITS = 32  # a piece is under 4 GiB; offset and length packed in one int


class Shelf:
    """Texts by (article id, kind), stored as UTF-8 in a temporary file."""

    def __init__(self, folder: Path | None = None) -> None:
        # Unlinked at once (O_TMPFILE where there is one): nothing to clean up after a kill.
        self.file = tempfile.TemporaryFile(dir=folder)  # noqa: SIM115 - closed by close()
        self.size = 0
        self.spans: dict[tuple[str, str], int] = {}

    @staticmethod
    def pack(items: Iterable[tuple[str, str, str]]) -> tuple[bytes, dict[tuple[str, str], Span]]:
        """One batch from (article id, kind, text); the spans say where each text is.
        (Made in the worker that rendered the articles; one bytes object to send back.)"""
        parts: list[bytes] = []
        spans: dict[tuple[str, str], Span] = {}
        offset = 0
        for article_id, kind, text in items:
            data = text.encode("utf-8")
            parts.append(data)
            spans[(article_id, kind)] = (offset, offset + len(data))
            offset += len(data)
        return b"".join(parts), spans

    def add(self, batch: bytes, spans: dict[tuple[str, str], Span]) -> None:
        base = self.size
        view = memoryview(batch)
        while view:  # pwrite may write less than asked (a disk full for a moment)
            written = os.pwrite(self.file.fileno(), view, self.size)
            if written <= 0:
                raise OSError(f"cannot write the build's temporary file {self.file.name}")
            self.size += written
            view = view[written:]
        self.spans.update(
            (key, (base + start) << _LENGTH_BITS | (end - start))
            for key, (start, end) in spans.items()
        )

    def _span(self, article_id: str, kind: str) -> Span | None:
        packed = self.spans.get((article_id, kind))
        if packed is None:
            return None
        start = packed >> _LENGTH_BITS
        return start, start + (packed & ((1 << _LENGTH_BITS) - 1))

    def get(self, article_id: str, kind: str) -> str | None:
        found = self.get_all(article_id, (kind,))
        return None if found is None else found[0]

    def get_all(self, article_id: str, kinds: Sequence[str]) -> list[str] | None:
        """The texts of `kinds` for one article (None unless all are here), with one read
        when they lie side by side (as the article pass packs an article's entries)."""
        found = self.get_encoded(article_id, kinds)
        return None if found is None else [str(data, "utf-8") for data in found]

    def get_encoded(self, article_id: str, kinds: Sequence[str]) -> list[memoryview] | None:
        """get_all as UTF-8, not decoded: what a document made of bytes splices in."""
        spans: list[Span] = []
        for kind in kinds:
            span = self._span(article_id, kind)
            if span is None:
                return None
            spans.append(span)
        low, high = min(s for s, _ in spans), max(e for _, e in spans)
        if high - low <= sum(e - s for s, e in spans):
            data = memoryview(self._read(low, high))
            return [data[s - low : e - low] for s, e in spans]
        return [memoryview(self._read(s, e)) for s, e in spans]

    def _read(self, start: int, end: int) -> bytes:
        data = os.pread(self.file.fileno(), end - start, start)
        if len(data) != end - start:
            raise OSError(f"the build's temporary file {self.file.name} was cut short")
        return data

    def close(self) -> None:
        self.file.close()

    def __len__(self) -> int:
        return len(self.spans)
