"""Topics (regions, themes, in-depth reports, authors and original sources): stable slugs
and the articles under each."""

from __future__ import annotations

import hashlib
import operator
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TypeVar

from .model import TOPIC_FIELDS, ArticleRef

# kind -> (ArticleRef attribute, label shown to people). The article's categories (regions,
# themes, reports) come first; then who wrote it and where it first appeared.
KINDS: dict[str, tuple[str, str]] = {
    **{
        kind: (field, label)
        for (kind, field), label in zip(
            TOPIC_FIELDS.items(), ("Region", "Theme", "In-depth Report"), strict=True
        )
    },
    "author": ("authors", "Author"),
    "source": ("original_source", "Original source"),  # one name per article, not a list
}
# Kinds whose subscription documents carry summaries, not the full text: nearly every
# article is among the newest few of its author or outlet, so full entries there would
# mean making (and writing) the full text of the whole archive again, several times over.
SUMMARISED = frozenset({"author", "source"})
_DESCRIPTIONS = {
    "author": "Articles by {name}.",
    "source": "Articles whose original source is {name}.",
}


@lru_cache(maxsize=65536)  # a few hundred names, each met thousands of times
def slugify(name: str) -> str:
    """ASCII slug for file names and URLs; names with no ASCII letters get a short hash."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[:80].strip("-")
    return slug or "t-" + hashlib.sha256(name.encode()).hexdigest()[:10]


@dataclass(frozen=True)
class Topic:
    kind: str
    slug: str
    name: str
    articles: tuple[ArticleRef, ...]  # oldest first, as feeds and pages page through them

    @property
    def label(self) -> str:
        return KINDS[self.kind][1]

    @property
    def description(self) -> str:
        """What the topic's feeds and page say they hold."""
        pattern = _DESCRIPTIONS.get(self.kind, "Articles filed under {label} “{name}”.")
        return pattern.format(label=self.label, name=self.name)

    @property
    def key(self) -> str:
        """Path fragment shared by the topic's feeds and page: `region/russia-and-fsu`."""
        return f"{self.kind}/{self.slug}"


def chronological(articles: Iterable[ArticleRef]) -> tuple[ArticleRef, ...]:
    """Oldest first; the id breaks ties so the order never depends on input order.
    (Two stable sorts on plain attributes: no key tuple per article; the first costs one
    pass when the articles come sorted by id, as a check gives them.)"""
    by_id = sorted(articles, key=_ID)
    by_id.sort(key=_PUBLISHED)
    return tuple(by_id)


_ID = operator.attrgetter("id")
_PUBLISHED = operator.attrgetter("published")


def topics_of(articles: Sequence[ArticleRef]) -> list[Topic]:
    """Every topic, sorted by kind and slug, for `articles` in chronological order (its
    articles keep that order). Names that slug alike are one topic, shown under the name
    that sorts first, so 'SYRIA' and 'Syria' share one feed."""
    return [topic for topic, _ in placed_topics(articles)]


def placed_topics(articles: Sequence[ArticleRef]) -> list[tuple[Topic, list[int]]]:
    """topics_of, each topic with where its articles are in `articles` (ascending): what
    the plan needs of them (their digests) is then gathered from one list, not from each
    article again."""
    topics = []
    for kind, (attribute, _) in KINDS.items():
        # By name first (plain dict appends: this runs for every article of the archive
        # on every build), then names that slug alike merged.
        by_name: dict[str, list[int]] = {}
        names_of = operator.attrgetter(attribute)
        named: Iterable[Iterable[str]] = map(names_of, articles)
        if kind == "source":  # one name per article
            named = ((names_of(article),) for article in articles)
        for position, names in enumerate(named):
            for name in names:
                positions = by_name.get(name)
                if positions is None:
                    by_name[name] = positions = []
                elif positions[-1] == position:
                    continue  # a name listed twice in one record (authors may repeat)
                positions.append(position)
        by_slug: dict[str, list[str]] = {}
        for name in by_name:
            by_slug.setdefault(slugify(name), []).append(name)
        for slug in sorted(by_slug):
            names = by_slug[slug]
            if len(names) == 1:
                positions = by_name[names[0]]
            else:
                positions = sorted({p for name in names for p in by_name[name]})
            members = tuple(gather(articles, positions))
            topics.append((Topic(kind, slug, min(names), members), positions))
    return topics


T = TypeVar("T")


def gather(values: Sequence[T], positions: Sequence[int]) -> Sequence[T]:
    """[values[p] for p in positions], in C (hundreds of thousands a build)."""
    if len(positions) < 2:
        return [values[p] for p in positions]
    found: tuple[T, ...] = operator.itemgetter(*positions)(values)
    return found


@dataclass(frozen=True)
class KindGroup:
    """The topics of one kind as the landing page and the kind's index page show them."""

    kind: str
    label: str  # "Authors"
    topics: tuple[Topic, ...]  # by name (slug)

    @property
    def page(self) -> str:
        return f"topics/{self.kind}/"

    def by_initial(self) -> list[tuple[str, list[Topic]]]:
        """The topics under the first letter of their name, accents set aside ("#" for
        one that starts with no letter), by name. From the name, not the slug: a name
        without Latin letters has a hashed slug (Сергей Лавров is `t-…`)."""
        found: dict[str, list[Topic]] = {}
        for topic in sorted(self.topics, key=lambda t: (t.name.casefold(), t.slug)):
            found.setdefault(initial(topic.name), []).append(topic)
        return sorted(found.items())

    def top(self, count: int) -> list[Topic]:
        """The `count` topics with the most articles (ties by slug)."""
        return sorted(self.topics, key=lambda t: (-len(t.articles), t.slug))[:count]


def initial(name: str) -> str:
    """The index letter of a name: its first letter, upper case, without accents (É is
    under E), or "#" if a digit or nothing alphabetic comes first."""
    for char in unicodedata.normalize("NFKD", name):
        if char.isalpha():
            return char.upper()
        if char.isdigit():
            return "#"
    return "#"


def groups(topics: Sequence[Topic]) -> list[KindGroup]:
    """One group per kind that has topics, in KINDS order."""
    by_kind: dict[str, list[Topic]] = {}
    for topic in topics:  # already in kind order, then slug order
        by_kind.setdefault(topic.kind, []).append(topic)
    return [
        KindGroup(kind, f"{label}s", tuple(by_kind[kind]))
        for kind, (_, label) in KINDS.items()
        if kind in by_kind
    ]
