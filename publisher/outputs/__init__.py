"""Every file a build publishes, declared by the module that makes it.

Each output family (a module here) lists its outputs without making them: the paths, the
articles each shows and what it needs of them (pieces.py), and a key computed from every
input that decides their bytes, next to the `make` that produces them. The build keeps an
output whose key equals the key of the file already there and makes the rest
(pipeline.py). A new output is one module here plus one line in FAMILIES (or AHEAD); its keys are
checked by tests/test_keys.py, which changes each input in turn and requires a new key
for every output whose bytes change.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ..config import Settings
from ..model import ArticleRef
from . import (
    archive_index,
    article_pages,
    assets,
    feed_documents,
    list_pages,
    opml,
    releases_page,
    search,
    sitemaps,
)
from .base import Files, Makers, Output
from .layout import Layout
from .pieces import PIECES

__all__ = [
    "AHEAD",
    "FAMILIES",
    "PIECES",
    "Files",
    "Layout",
    "Makers",
    "Output",
    "Plan",
    "plan",
    "plan_ahead",
    "releases_only",
]

# Planned first, from the articles' order and the settings alone (Layout.bare), and made
# in a process of their own while the build plans the rest (produce.ahead): they need no
# piece. The search indexes: a year's is an edit's costliest document (1 s at 100,000).
AHEAD = (search,)
# Made from the pieces of the article pass, in the documents pass, in this order.
FAMILIES = (
    assets,
    feed_documents,
    list_pages,
    archive_index,
    releases_page,
    sitemaps,
    opml,
)


@dataclass(frozen=True)
class Plan:
    layout: Layout
    outputs: tuple[Output, ...]
    # Article pages as (path, key, article): made in the article pass (article_pages.py).
    pages: tuple[tuple[str, str, ArticleRef], ...]
    ahead: int = 0  # how many of `outputs`, at the front, are of AHEAD (plan_ahead)


def plan(refs: Sequence[ArticleRef], settings: Settings, first: Plan | None = None) -> Plan:
    """Every output of a build of `refs`, with its key; nothing is made yet. Those of
    AHEAD come first: `first`'s, when the caller planned them already (plan_ahead)."""
    if first is None:
        first = plan_ahead(refs, settings)
    layout = first.layout.grown()
    outputs = tuple(output for family in FAMILIES for output in family.outputs(layout))
    pages = tuple(article_pages.pages(layout))
    return Plan(layout, first.outputs + outputs, pages, len(first.outputs))


def plan_ahead(refs: Sequence[ArticleRef], settings: Settings) -> Plan:
    """The outputs of AHEAD, planned from a bare layout (no topic gathered yet)."""
    layout = Layout.bare(refs, settings)
    planned = tuple(output for family in AHEAD for output in family.outputs(layout))
    return Plan(layout, planned, (), len(planned))


def releases_only(refs: Sequence[ArticleRef], settings: Settings) -> Plan:
    """The plan of a build whose only new input is the published releases (a release cut
    right after a build of the same seeds and settings): the releases page, the one output
    that reads them; the caller keeps every other file of the site as it is. No topic is
    gathered and no key computed: a release then costs its data files, not a site."""
    layout = Layout.bare(refs, settings)
    return Plan(layout, tuple(releases_page.outputs(layout)), ())
