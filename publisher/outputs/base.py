"""What an output is: files made together, the articles they show, and their key."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from ..feeds import FeedWriter
from ..model import Article, ArticleRef
from ..site import Site

Files = list[tuple[str, bytes]]  # (site path, bytes) of the files one output makes


@dataclass(frozen=True)
class Makers:
    """The producers of one build process (each keeps per-article caches)."""

    feeds: FeedWriter
    site: Site
    root: Path  # the staging folder (the releases page reads the releases in it)
    load: Callable[[Sequence[str]], dict[str, Article]]  # articles by id, a batch at a time
    # The output this build replaces (dist/): its files as the last build recorded them
    # (site path -> key), what a maker may read back; none when that record is not to be
    # trusted (a first build, --force, no cache).
    previous: Mapping[str, str]
    output: Path


@dataclass(frozen=True)
class Output:
    """Files made together (a feed document in its three formats, or one page).

    `key` changes whenever the bytes would: it is computed, next to `make`, from every
    input that `make` reads (the tool and settings through the layout's salt, the
    document's position, the digests of the articles shown). An output whose key equals
    the key of the file already in the tree is kept, not made again."""

    paths: tuple[str, ...]
    key: str  # "" for an output made by every build
    shows: tuple[ArticleRef, ...]  # the articles it lists
    needs: str  # what it needs of each article: a name in pieces.PIECES, or ""
    make: Callable[[Makers], Files]
    cost: float  # rough relative cost, to share the work between processes


def key(*parts: object) -> str:
    """A key from everything that decides an output's bytes."""
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:24]


def digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()
