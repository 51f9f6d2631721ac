"""sitemap.xml, its sitemap files and robots.txt: valid against the sitemaps.org 0.9 XSDs
(tests/schemas/), every page of the site listed exactly once, dates from the content."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import replace
from pathlib import Path

import pytest
from lxml import etree

from benchmarks.generate import generate
from publisher.outputs.sitemaps import parts

from .conftest import ROOT
from .sitetools import HOSTILE_ID, SETTINGS, build_site, corpus

NS = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
SCHEMAS = ROOT / "tests" / "schemas"


def schema(name: str) -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(SCHEMAS / name)))


def local(url: str) -> str:
    """The dist/ path of a page URL of the site."""
    path = url.removeprefix(SETTINGS.base_url + "/")
    return path + "index.html" if path == "" or path.endswith("/") else path


def sitemap_urls(dist: Path) -> list[tuple[str, str | None]]:
    """(page URL, lastmod) of every URL of every sitemap file the index lists, after
    validating each file against its XSD."""
    index = etree.parse(str(dist / "sitemap.xml"))
    schema("siteindex.xsd").assertValid(index)
    found = []
    urlset = schema("sitemap.xsd")
    for loc in index.iterfind("s:sitemap/s:loc", NS):
        assert loc.text is not None
        document = etree.parse(str(dist / local(loc.text)))
        urlset.assertValid(document)
        for url in document.iterfind("s:url", NS):
            found.append(
                (url.findtext("s:loc", namespaces=NS), url.findtext("s:lastmod", None, NS))
            )
    return found  # type: ignore[return-value]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("sitemaps")
    seeds = root / "seeds"
    generate(120, seeds, seed=5)  # several years, so several article files
    corpus(seeds)
    build_site(seeds, root / "dist")
    return seeds, root / "dist"


def test_every_page_is_listed_exactly_once(built: tuple[Path, Path]) -> None:
    _, dist = built
    urls = [url for url, _ in sitemap_urls(dist)]
    assert len(urls) == len(set(urls))
    pages = {p.relative_to(dist).as_posix() for p in dist.rglob("*.html")}
    assert {local(url) for url in urls} == pages
    assert len(list((dist / "sitemaps").glob("articles-*.xml"))) > 3


def test_lastmod_comes_from_the_content(built: tuple[Path, Path]) -> None:
    _, dist = built
    found = dict(sitemap_urls(dist))
    page = dist / "articles" / "64a29ae14d7662cb.html"
    assert page.is_file()
    assert found[f"{SETTINGS.base_url}/articles/64a29ae14d7662cb.html"] == "2013-09-07"
    newest = max(m for m in found.values() if m)
    assert found[f"{SETTINGS.base_url}/"] == newest  # the landing page shows the newest
    index = etree.parse(str(dist / "sitemap.xml"))
    for entry in index.iterfind("s:sitemap", NS):
        loc, lastmod = entry.findtext("s:loc", namespaces=NS), entry.findtext("s:lastmod", None, NS)
        assert loc is not None
        shown = [m for _, m in sitemap_urls_of(dist, loc) if m]
        assert lastmod == max(shown)


def sitemap_urls_of(dist: Path, loc: str) -> list[tuple[str, str | None]]:
    document = etree.parse(str(dist / local(loc)))
    return [
        (u.findtext("s:loc", "", NS), u.findtext("s:lastmod", None, NS))
        for u in document.iterfind("s:url", NS)
    ]


def test_robots_names_the_sitemap(built: tuple[Path, Path]) -> None:
    _, dist = built
    lines = (dist / "robots.txt").read_text("utf-8").splitlines()
    assert "User-agent: *" in lines
    assert f"Sitemap: {SETTINGS.base_url}/sitemap.xml" in lines


def test_a_correction_rewrites_only_the_sitemaps_that_list_it(tmp_path: Path) -> None:
    seeds, dist = corpus(tmp_path / "seeds"), tmp_path / "dist"
    generate(60, seeds, seed=6)
    build_site(seeds, dist)
    before = {p.name: p.read_bytes() for p in (dist / "sitemaps").iterdir()}
    path = seeds / f"{HOSTILE_ID}.json"
    record = json.loads(path.read_text("utf-8"))
    published = dt.date.fromisoformat(record["published"])
    record["updated"] = (published + dt.timedelta(days=1)).isoformat()
    path.write_text(json.dumps(record), "utf-8")
    build_site(seeds, dist)
    after = {p.name: p.read_bytes() for p in (dist / "sitemaps").iterdir()}
    changed = {name for name in after if after[name] != before.get(name)}
    year_file = f"articles-{published.year:04d}.xml"
    assert year_file in changed and changed <= {year_file, "pages.xml"}
    url = f"{SETTINGS.base_url}/articles/{HOSTILE_ID}.html"
    assert dict(sitemap_urls(dist))[url] == record["updated"]


def test_a_large_year_is_split_at_the_limit() -> None:
    urls = [(f"articles/{n}.html", "2020-01-01") for n in range(5)]
    split = parts("articles-2020", urls, limit=2)
    assert [name for name, _ in split] == ["articles-2020", "articles-2020-2", "articles-2020-3"]
    assert [url for _, chunk in split for url in chunk] == urls
    assert parts("pages", []) == []


def listed(dist: Path) -> set[str]:
    """The dist/ paths of every URL of every sitemap file (validated) the index lists."""
    return {local(url) for url, _ in sitemap_urls(dist)}


def test_noindex_republished_leaves_article_pages_out(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    build_site(corpus(tmp_path / "seeds"), dist, replace(SETTINGS, noindex_republished=True))
    pages = {p.relative_to(dist).as_posix() for p in dist.rglob("*.html")}
    assert listed(dist) == {p for p in pages if not p.startswith("articles/")}
    assert not list((dist / "sitemaps").glob("articles-*.xml"))


def test_canonical_original_leaves_out_pages_whose_canonical_is_elsewhere(
    tmp_path: Path,
) -> None:
    seeds, dist = corpus(tmp_path / "seeds"), tmp_path / "dist"
    build_site(seeds, dist, replace(SETTINGS, canonical="original"))
    pages = {p.relative_to(dist).as_posix() for p in dist.rglob("*.html")}
    elsewhere = {"articles/norway-fund-divestment.html", f"articles/{HOSTILE_ID}.html"}
    assert elsewhere <= pages
    assert listed(dist) == pages - elsewhere
    # The hostile article is alone in its year: its file lists the landing page instead.
    only = etree.parse(str(dist / "sitemaps" / "articles-2012.xml"))
    assert [u.text for u in only.iterfind("s:url/s:loc", NS)] == [SETTINGS.url("")]
    # A record that loses its original's URL comes back, in a rebuild of its year's file.
    path = next(seeds.glob("*norway-fund-divestment.json"))
    record = json.loads(path.read_text("utf-8"))
    record["original_source_url"] = None
    path.write_text(json.dumps(record), "utf-8")
    build_site(seeds, dist, replace(SETTINGS, canonical="original"))
    assert listed(dist) == pages - {f"articles/{HOSTILE_ID}.html"}
