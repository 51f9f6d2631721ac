"""Every registered output's key changes when any input it reads changes.

An incremental build keeps a file whose key is unchanged, so a key that misses an input
leaves a stale file behind. The inputs are not listed by hand: every field of the schema
(for an article on an archive page and for one in the subscription documents), every
setting, and an article added or removed are changed in turn; after each change every
output of every family in outputs.FAMILIES (and every article page) whose bytes changed
must have a new key. Each change must change some output, so the test can fail.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from publisher import outputs
from publisher.config import Settings
from publisher.model import Article, ArticleRef, index_of
from publisher.pipeline import build
from publisher.schema import article_schema, field_names, validator
from publisher.store import MemoryStore
from publisher.store.check import check_folder

from .feedtools import corpus
from .test_golden import tree

# Small pages: every feed and list has archive pages, so articles sit on both kinds.
SETTINGS = Settings(items_per_feed=3, items_per_page=3)
Change = Callable[[dict[str, Any]], None]


@pytest.fixture(scope="module")
def articles(tmp_path_factory: pytest.TempPathFactory) -> tuple[Article, ...]:
    result = check_folder(corpus(tmp_path_factory.mktemp("keys") / "seeds"))
    assert result.ok
    return result.articles


def keys(articles: tuple[Article, ...], settings: Settings) -> dict[str, str]:
    """path -> key of every output with a key."""
    refs = [ArticleRef.from_index(index_of(a.to_record()), a.id) for a in articles]
    planned = outputs.plan(refs, settings)
    found = {path: key for path, key, _ in planned.pages}
    for output in planned.outputs:
        found.update((path, output.key) for path in output.paths if output.key)
    return found


def built(root: Path, articles: tuple[Article, ...], settings: Settings) -> dict[str, bytes]:
    dist = root / f"dist-{len(list(root.iterdir()))}"
    build(MemoryStore.of(articles), settings, dist)
    return tree(dist)


def _changed(name: str, spec: dict[str, Any], value: Any) -> Any:
    """A different, valid value for field `name` (schema `spec`) than `value`."""
    defs = article_schema()["$defs"]
    while "$ref" in spec:
        spec = {
            **defs[spec["$ref"].rsplit("/", 1)[1]],
            **{k: v for k, v in spec.items() if k != "$ref"},
        }
    types = spec.get("type", "string")
    types = [types] if isinstance(types, str) else types
    if "integer" in types:
        return value - 1
    if "array" in types:
        return [*value, "Another Name"]
    if spec.get("format") == "date":
        day = dt.date.fromisoformat(value) if value else dt.date(2001, 2, 3)
        return (day - dt.timedelta(days=1)).isoformat()
    if spec.get("format") == "uri":
        return (value or "https://example.net/a") + "/changed"
    if name == "body":  # its first paragraph (lists show it) and its tail (pages only)
        return value + "\n\nA paragraph added at the end."
    return (value or "Something") + " (changed)"


def record_changes() -> Iterator[tuple[str, Change]]:
    properties = article_schema()["properties"]
    for name in field_names():
        if name == "id":  # a new id is another article: added and removed below
            continue

        def change(record: dict[str, Any], name: str = name) -> None:
            record[name] = _changed(name, properties[name], record[name])

        yield name, change


def setting_changes() -> Iterator[tuple[str, Settings]]:
    for field in dataclasses.fields(Settings):
        value = getattr(SETTINGS, field.name)
        if isinstance(value, bool):  # before int: a bool is an int
            new: Any = not value
        elif field.name == "canonical":
            new = "original"  # the fixtures include articles whose original URL is known
        elif isinstance(value, int):
            new = value + 1
        elif value is None:  # an optional URL (websub_hub): set it
            new = "https://hub.example.net/"
        elif field.name == "base_url":
            new = "https://other.example.net"
        elif field.name == "tag_authority":
            new = "other.example.net,2027"
        elif field.name == "language":
            new = "de"
        else:
            new = value + " (changed)"
        yield field.name, dataclasses.replace(SETTINGS, **{field.name: new})


def assert_keys_cover(
    before: tuple[dict[str, str], dict[str, bytes]],
    after: tuple[dict[str, str], dict[str, bytes]],
    what: str,
) -> None:
    (old_keys, old_files), (new_keys, new_files) = before, after
    changed = [p for p in old_files.keys() & new_files.keys() if old_files[p] != new_files[p]]
    assert changed or old_files.keys() != new_files.keys(), f"{what} changed no output"
    stale = sorted(p for p in changed if p in old_keys and old_keys[p] == new_keys.get(p))
    assert not stale, f"{what} changed these files but not their keys: {stale[:5]}"


@pytest.mark.parametrize("where", ["archived", "newest"])
def test_every_record_field_is_in_the_keys(
    tmp_path: Path, articles: tuple[Article, ...], where: str
) -> None:
    ordered = sorted(articles, key=lambda a: (a.published, a.id))
    # The oldest is on archive pages (light entries, list items); the newest in the
    # subscription documents (full entries) and on the first list pages.
    target = ordered[0] if where == "archived" else ordered[-1]
    base = (keys(articles, SETTINGS), built(tmp_path, articles, SETTINGS))
    checked = 0
    for name, change in record_changes():
        record = target.to_record()
        change(record)
        assert validator().is_valid(record), f"{name}: the changed record is not valid"
        edited = tuple(Article.from_record(record) if a is target else a for a in articles)
        after = (keys(edited, SETTINGS), built(tmp_path, edited, SETTINGS))
        assert_keys_cover(base, after, f"{name} of the {where} article")
        checked += 1
    assert checked == len(field_names()) - 1


def test_every_setting_is_in_the_keys(tmp_path: Path, articles: tuple[Article, ...]) -> None:
    base = (keys(articles, SETTINGS), built(tmp_path, articles, SETTINGS))
    names = []
    for name, settings in setting_changes():
        after = (keys(articles, settings), built(tmp_path, articles, settings))
        assert_keys_cover(base, after, f"setting {name}")
        names.append(name)
    assert names == [field.name for field in dataclasses.fields(Settings)]


def test_adding_or_removing_an_article_is_in_the_keys(
    tmp_path: Path, articles: tuple[Article, ...]
) -> None:
    base = (keys(articles, SETTINGS), built(tmp_path, articles, SETTINGS))
    middle = sorted(articles, key=lambda a: (a.published, a.id))[len(articles) // 2]
    fewer = tuple(a for a in articles if a is not middle)
    assert_keys_cover(base, (keys(fewer, SETTINGS), built(tmp_path, fewer, SETTINGS)), "removing")
    twin = dataclasses.replace(middle, id=f"{middle.id}-twin", title="A twin")
    more = (*articles, twin)
    assert_keys_cover(base, (keys(more, SETTINGS), built(tmp_path, more, SETTINGS)), "adding")
