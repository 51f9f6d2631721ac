"""Provenance on article pages: schema.org JSON-LD read back by a real extractor (extruct)
and checked against each record and against the schema.org vocabulary (tests/vocab/),
OpenGraph, the meta description, rel=license, and the canonical / noindex settings."""

from __future__ import annotations

import dataclasses
import gzip
import json
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import extruct
import pytest

from publisher.model import Article
from publisher.provenance import description, license_url
from publisher.render import render_article
from publisher.store.check import check_folder

from .conftest import ROOT
from .sitetools import HOSTILE_ID, HOSTILE_TITLE, SETTINGS, build_site, corpus, ids

VOCABULARY = ROOT / "tests" / "vocab" / "schemaorg-current-https.jsonld.gz"
# Terms newer than the release above (tests/vocab/README.md says how each was taken).
NEWER_TERMS = ROOT / "tests" / "vocab" / "schemaorg-29.0-sha256.jsonld"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Article], Path]:
    root = tmp_path_factory.mktemp("provenance")
    seeds = corpus(root / "seeds")
    build_site(seeds, root / "dist")
    articles = check_folder(seeds).articles
    return {a.id: a for a in articles}, root / "dist"


def extracted(page: Path) -> dict[str, Any]:
    return extruct.extract(  # type: ignore[no-any-return]
        page.read_text("utf-8"), syntaxes=["json-ld", "opengraph"], uniform=True
    )


def news_article(page: Path) -> dict[str, Any]:
    found = extracted(page)["json-ld"]
    assert len(found) == 1, page
    node: dict[str, Any] = found[0]
    assert node["@context"] == "https://schema.org" and node["@type"] == "NewsArticle"
    return node


def names(nodes: list[dict[str, Any]]) -> list[str]:
    return [node["name"] for node in nodes]


def test_json_ld_of_every_article_page_matches_its_record(
    site: tuple[dict[str, Article], Path],
) -> None:
    articles, dist = site
    assert len(articles) > 10
    for article in articles.values():
        page = dist / "articles" / f"{article.id}.html"
        node = news_article(page)
        url = SETTINGS.url(f"articles/{article.id}.html")
        assert node["url"] == node["mainEntityOfPage"] == url
        assert node["headline"] == article.title
        assert node.get("alternativeHeadline") == article.subtitle
        assert names(node["author"]) == list(article.authors)
        assert node["datePublished"] == article.published.isoformat()
        assert node["dateModified"] == article.last_modified.isoformat()
        publisher = node.get("publisher")
        assert (publisher and publisher["name"]) == article.publisher
        # The original: its outlet and, when known, its URL and date.
        based_on = node["isBasedOn"]
        assert based_on["publisher"]["name"] == article.original_source
        assert based_on.get("url") == article.original_source_url
        if article.source_date and article.source_name == article.original_source:
            assert based_on["datePublished"] == article.source_date.isoformat()
        else:
            assert "datePublished" not in based_on
        # The article's own rights, and the disclaimer it is shown under...
        assert names(node["copyrightHolder"]) == list(article.copyright_holders)
        assert node["copyrightYear"] == article.copyright_year
        assert node["copyrightNotice"] == article.copyright_statement
        assert node["usageInfo"] == f"{url}#disclaimer" and "disclaimer" in ids(page)
        # ...never the compilation's license, which is the site's.
        assert "license" not in node
        assert node["isPartOf"]["@type"] == "WebSite"
        assert node["isPartOf"]["license"] == license_url(SETTINGS.license)
        assert node["isPartOf"]["url"] == SETTINGS.url("")


def test_record_text_cannot_close_the_script_element(
    site: tuple[dict[str, Article], Path],
) -> None:
    _, dist = site
    html = (dist / "articles" / f"{HOSTILE_ID}.html").read_text("utf-8")
    assert html.count("</script") == 1  # the data block's own end tag
    block = html.split('<script type="application/ld+json">')[1].split("</script>")[0]
    assert "<" not in block and ">" not in block and "&" not in block
    assert json.loads(block)["headline"] == HOSTILE_TITLE


@cache
def vocabulary() -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    """schema.org's classes (name -> itself and its ancestors) and properties (name ->
    the classes of its domain), from the shipped vocabulary files."""
    graph = json.loads(gzip.decompress(VOCABULARY.read_bytes()))["@graph"]
    newer = json.loads(NEWER_TERMS.read_text("utf-8"))["@graph"]
    known = {node["@id"] for node in graph}
    assert not known & {node["@id"] for node in newer}, "the vocabulary has them now"
    graph += newer

    def ids(value: Any) -> set[str]:
        values = value if isinstance(value, list) else [value] if value else []
        return {(v if isinstance(v, str) else v["@id"]).removeprefix("schema:") for v in values}

    parents: dict[str, set[str]] = {}
    domains: dict[str, set[str]] = {}
    for node in graph:
        name, kinds = node["@id"].removeprefix("schema:"), ids(node["@type"])
        if "rdfs:Class" in kinds:
            parents[name] = ids(node.get("rdfs:subClassOf"))
        if "rdf:Property" in kinds:
            domains[name] = ids(node.get("schema:domainIncludes"))

    def ancestors(name: str) -> set[str]:
        return {name}.union(*(ancestors(p) for p in parents[name] if p in parents))

    return {name: ancestors(name) for name in parents}, domains


def nodes(value: Any) -> Iterator[dict[str, Any]]:
    if isinstance(value, list):
        for item in value:
            yield from nodes(item)
    elif isinstance(value, dict):
        yield value
        for item in value.values():
            yield from nodes(item)


def schema_org_names(document: Any, where: str = "") -> set[str]:
    """The properties `document` (JSON-LD) uses, each checked to exist in schema.org and
    to apply to the type of the node it is on; every type checked to exist."""
    classes, properties = vocabulary()
    used = set()
    for node in nodes(document):
        kind = node.get("@type")
        assert kind is None or kind in classes, f"{where}no schema.org type {kind!r}"
        for name in node:
            if name.startswith("@"):
                continue
            assert name in properties, f"{where}no schema.org property {name!r}"
            used.add(name)
            if kind is not None:  # and it applies to the node's type
                assert classes[kind] & properties[name], f"{where}{name!r} is not for a {kind}"
    return used


def test_every_type_and_property_exists_in_schema_org(
    site: tuple[dict[str, Article], Path],
) -> None:
    classes, _ = vocabulary()
    assert {"NewsArticle", "WebSite", "Organization"} <= classes.keys()
    _, dist = site
    used = set()
    for page in sorted((dist / "articles").glob("*.html")):
        used |= schema_org_names(news_article(page), f"{page.name}: ")
    assert {"isBasedOn", "copyrightHolder", "usageInfo", "license"} <= used


def test_the_vocabulary_check_catches_a_made_up_name() -> None:
    classes, properties = vocabulary()
    assert "copyrightHolders" not in properties and "NewsArticel" not in classes
    assert classes["NewsArticle"] & properties["copyrightYear"]  # a CreativeWork's
    assert not classes["Organization"] & properties["copyrightYear"]


def test_opengraph_license_and_description(site: tuple[dict[str, Article], Path]) -> None:
    articles, dist = site
    for article in articles.values():
        page = dist / "articles" / f"{article.id}.html"
        og = extracted(page)["opengraph"][0]
        summary = description(article, render_article(article))
        assert og["@type"] == "article" and og["og:title"] == article.title
        assert og["og:description"] == summary == news_article(page)["description"]
        assert og["og:url"] == SETTINGS.url(f"articles/{article.id}.html")
        assert og["article:published_time"] == article.published.isoformat()
        html = page.read_text("utf-8")
        assert '<link rel="license" href="#disclaimer">' in html
        assert '<meta name="twitter:card" content="summary">' in html
        assert 'name="robots"' not in html


def sample(**changes: Any) -> Article:
    base = Article.from_record(
        json.loads(
            (ROOT / "tests/fixtures/valid")
            .joinpath("021_norway-fund-divestment.json")
            .read_text("utf-8")
        )
    )
    return dataclasses.replace(base, **changes)


def described(**changes: Any) -> str:
    article = sample(**changes)
    return description(article, render_article(article))


def test_description_is_plain_text_of_the_lead() -> None:
    text = described(lead="*Fish* &amp; <b>chips</b>\n\nare   [served](https://x.test/) hot.")
    assert text == "Fish & chips are served hot."


def test_description_never_copies_the_title() -> None:
    title = "Norway Sells Out"
    assert described(title=title, lead=title, subtitle="A subtitle.") == "A subtitle."
    body = described(title=title, lead=f"*{title}*", subtitle=f" {title.upper()} ")
    assert body.startswith("The fund, which invests the revenue")
    assert described(title=title, lead=None, subtitle=title).startswith("The fund, which")
    fallback = described(title=title, lead=None, subtitle=None, body=title)
    assert fallback == "An article first published by Energy Policy Review."


def test_description_is_cut_at_a_word_boundary() -> None:
    text = described(lead=" ".join(["word"] * 60))
    assert len(text) <= 161 and text.endswith("word…")
    assert described(lead="Short lead.") == "Short lead."
    assert described(lead=None).startswith("The world’s largest")  # the subtitle


def settings_site(tmp_path: Path, **changes: Any) -> Path:
    dist = tmp_path / "dist"
    build_site(corpus(tmp_path / "seeds"), dist, dataclasses.replace(SETTINGS, **changes))
    return dist


def test_canonical_original_points_at_the_original_when_known(tmp_path: Path) -> None:
    dist = settings_site(tmp_path, canonical="original")
    known = {"norway-fund-divestment": "https://www.example.org/2022/05/norway-fund-divestment"}
    known[HOSTILE_ID] = "https://source.test/article?a=1&b=2"
    for page in sorted((dist / "articles").glob("*.html")):
        expected = known.get(page.stem, SETTINGS.url(f"articles/{page.name}"))
        html = page.read_text("utf-8")
        assert f'<link rel="canonical" href="{expected.replace("&", "&amp;")}">' in html
        assert extracted(page)["opengraph"][0]["og:url"] == expected
        # The JSON-LD still describes this page, which stays indexable.
        assert news_article(page)["url"] == SETTINGS.url(f"articles/{page.name}")
    landing = (dist / "index.html").read_text("utf-8")
    assert f'<link rel="canonical" href="{SETTINGS.url("")}">' in landing


def test_noindex_republished_marks_every_article_page(tmp_path: Path) -> None:
    dist = settings_site(tmp_path, noindex_republished=True)
    robots = '<meta name="robots" content="noindex">'
    for page in sorted(dist.rglob("*.html")):
        html = page.read_text("utf-8")
        assert (robots in html) == (page.parent.name == "articles"), page


@pytest.mark.parametrize("canonical", ["self", "original"])
def test_feeds_name_the_original_whatever_the_canonical_setting(
    tmp_path: Path, canonical: str
) -> None:
    dist = settings_site(tmp_path, canonical=canonical)
    original = "https://www.example.org/2022/05/norway-fund-divestment"
    page = SETTINGS.url("articles/norway-fund-divestment.html")
    atom = (dist / "feeds" / "all.atom").read_text("utf-8")
    entry = atom.split("article/norway-fund-divestment</id>")[1].split("</entry>")[0]
    assert f'<link rel="alternate" type="text/html" href="{page}"/>' in entry
    assert f'<link rel="via" href="{original}"/>' in entry
    items = json.loads((dist / "feeds" / "all.json").read_bytes())["items"]
    item = next(i for i in items if i["url"] == page)
    assert item["external_url"] == original
