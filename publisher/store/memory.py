"""An article store of articles already in memory (tests, and builds of a few articles)."""

from __future__ import annotations

import operator
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass

from ..model import Article, ArticleRef, index_of
from ..rows import Item


@dataclass(frozen=True, eq=False)
class MemoryStore:
    """The articles to publish, each in memory (an ArticleStore)."""

    entries: tuple[ArticleRef, ...]  # every article, sorted by id
    articles: Mapping[str, Article]  # by id

    @classmethod
    def of(cls, articles: Iterable[Article]) -> MemoryStore:
        """A store of `articles` (one per id: a later one with the same id wins)."""
        by_id = {article.id: article for article in articles}
        entries = [
            ArticleRef.from_index(index_of(article.to_record()), article.id)
            for article in by_id.values()
        ]
        entries.sort(key=operator.attrgetter("id"))
        return cls(tuple(entries), by_id)

    def load(self, ids: Sequence[str]) -> dict[str, Article]:
        return {article_id: self.articles[article_id] for article_id in ids}

    def lines(self, ids: Sequence[str]) -> Iterator[bytes]:
        """The canonical dataset line of each article's record, in the order of `ids`."""
        # Imported late: --validate and a build with nothing to do import this package only.
        from ..dataset import canonical_json_bytes

        return (canonical_json_bytes(self.articles[i].to_record()) for i in ids)

    def rows(self, ids: Sequence[str]) -> Iterator[Item]:
        """A record line is a row the CSV side packs itself."""
        return self.lines(ids)
