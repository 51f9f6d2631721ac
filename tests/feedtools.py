"""Helpers for the feed tests: build a corpus, walk archive chains, inspect documents."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import feedparser
from lxml import etree

from publisher.config import Settings
from publisher.pipeline import build
from publisher.store import MemoryStore
from publisher.store.check import check_folder
from publisher.validate import CheckResult

from .conftest import FIXTURES, SEED, seed_files

ATOM = "{http://www.w3.org/2005/Atom}"
# With a WebSub hub, so every validator and parser of test_feeds.py reads its links too
# (the golden feeds are built without one).
SETTINGS = replace(
    Settings(),
    base_url="https://feeds.test",
    tag_authority="feeds.test,2026",
    websub_hub="https://hub.feeds.test/",
)


def corpus(folder: Path) -> Path:
    """The bundled seed plus every valid fixture, as one seeds folder."""
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(SEED, folder)
    for path in seed_files(FIXTURES / "valid"):
        shutil.copy(path, folder)
    return folder


def build_corpus(
    seeds: Path, dist: Path, per_feed: int = 5, settings: Settings = SETTINGS
) -> CheckResult:
    result = check_folder(seeds)
    assert result.ok, result.problems
    build(MemoryStore.of(result.articles), replace(settings, items_per_feed=per_feed), dist)
    return result


def local(dist: Path, url: str) -> Path:
    assert url.startswith(SETTINGS.base_url + "/"), url
    return dist / url.removeprefix(SETTINGS.base_url + "/")


def xml_link(root: etree._Element, rel: str) -> str | None:
    for link in root.iter(f"{ATOM}link"):
        if link.get("rel") == rel and link.getparent() is not None:
            parent = link.getparent()
            assert parent is not None
            if parent.tag in (f"{ATOM}feed", "channel"):
                return link.get("href")
    return None


def walk(dist: Path, first: Path, fmt: str) -> Iterator[Path]:
    """Every document of a feed, newest first, following prev-archive / next_url."""
    seen: set[Path] = set()
    path: Path | None = first
    while path is not None:
        assert path not in seen, f"archive chain loops at {path}"
        seen.add(path)
        yield path
        if fmt == "json":
            url = json.loads(path.read_text("utf-8")).get("next_url")
        else:
            url = xml_link(etree.parse(str(path)).getroot(), "prev-archive")
        path = local(dist, url) if url else None


def entry_ids(path: Path, fmt: str) -> list[str]:
    if fmt == "json":
        return [item["id"] for item in json.loads(path.read_text("utf-8"))["items"]]
    parsed = feedparser.parse(path.read_bytes())
    return [entry.id for entry in parsed.entries]


def chain_ids(dist: Path, first: Path, fmt: str) -> list[str]:
    return [i for document in walk(dist, first, fmt) for i in entry_ids(document, fmt)]


def json_document(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text("utf-8"))
    return data
