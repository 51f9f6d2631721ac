"""Pieces of text made in one pass of a build and used in the next, packed to stay small.

The article pass makes each article's feed entries and list item once; the document pass
splices them into every document that lists the article. At 100,000 articles that is some
hundreds of megabytes of text. Held as a string per piece, every forked process that
reads them also touches their reference counts and so copies their pages; packed in one
bytes object per batch, a reader copies nothing and the pieces cost their size once.
"""

from __future__ import annotations

from collections.abc import Iterable

Span = tuple[int, int, int]  # batch, start, end


class Shelf:
    """Texts by (article id, kind), stored in batches of UTF-8 bytes."""

    def __init__(self) -> None:
        self.batches: list[bytes] = []
        self.spans: dict[tuple[str, str], Span] = {}

    @staticmethod
    def pack(items: Iterable[tuple[str, str, str]]) -> tuple[bytes, dict[tuple[str, str], Span]]:
        """One batch from (article id, kind, text); the spans say where each text is."""
        parts: list[bytes] = []
        spans: dict[tuple[str, str], Span] = {}
        offset = 0
        for article_id, kind, text in items:
            data = text.encode("utf-8")
            parts.append(data)
            spans[(article_id, kind)] = (0, offset, offset + len(data))
            offset += len(data)
        return b"".join(parts), spans

    def add(self, batch: bytes, spans: dict[tuple[str, str], Span]) -> None:
        number = len(self.batches)
        self.batches.append(batch)
        self.spans.update((key, (number, start, end)) for key, (_, start, end) in spans.items())

    def get(self, article_id: str, kind: str) -> str | None:
        span = self.spans.get((article_id, kind))
        if span is None:
            return None
        number, start, end = span
        return self.batches[number][start:end].decode("utf-8")

    def __len__(self) -> int:
        return len(self.spans)
