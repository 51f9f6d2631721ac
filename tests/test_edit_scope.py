"""What a one-article edit rewrites: only the files that show that article (its page, the
lists, feeds and neighbours that show it, its year's sitemap) and nothing else."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from benchmarks.generate import generate
from publisher.validate import check_file

from .test_incremental import _edit, publish

# Made by every build (key ""): it lists the releases, whatever the articles.
EVERY_BUILD = {"releases/index.html"}
# The sitemap index names each year's file with its lastmod: an edit dated later than its
# year's last one changes it, without the article appearing in it.
LASTMOD = {"sitemap.xml"}
# The list of the year indexes names each by its key: it changes with its year's index.
SEARCH_LIST = {"search/index.json"}


def inodes(dist: Path) -> dict[str, int]:
    return {p.relative_to(dist).as_posix(): p.stat().st_ino for p in dist.rglob("*") if p.is_file()}


@pytest.mark.parametrize("how", ["title", "tail"])
def test_an_edit_rewrites_only_what_shows_the_article(in_tmp: Path, how: str) -> None:
    Path("pyproject.toml").write_text(
        "[tool.publisher]\nitems_per_feed = 4\nitems_per_page = 3\n", "utf-8"
    )
    seeds = in_tmp / "seeds"
    generate(40, seeds, seed=4)
    records = {path: check_file(path)[0] for path in sorted(seeds.iterdir())}
    dated = sorted((r["published"], r["id"], p) for p, r in records.items() if r)  # type: ignore[index]
    _, article_id, path = dated[len(dated) // 2]  # in the middle: neighbours on both sides
    publish()
    dist = in_tmp / "dist"
    before = inodes(dist)
    _edit(path, how, random.Random(7))
    assert check_file(path)[0] != records[path], "the edit changed nothing"
    publish()
    after = inodes(dist)
    rewritten = sorted(p for p in after if before.get(p) != after[p])
    assert f"articles/{article_id}.html" in rewritten
    for name in rewritten:
        if name in EVERY_BUILD | LASTMOD | SEARCH_LIST:
            continue
        # Bytes: a year's search index (SQLite) holds the article's page path.
        assert article_id.encode() in (dist / name).read_bytes(), f"{how}: {name} rewritten"
    # An edit adds and removes no file, but for its year's search index, named by its key.
    gone, new = sorted(before.keys() - after.keys()), sorted(after.keys() - before.keys())
    assert len(gone) == len(new) == 1 and gone[0].startswith("search/"), (gone, new)
    assert gone[0][:12] == new[0][:12]  # search/YYYY-
