"""The releases page for machines and people: a schema.org Dataset per published version
(JSON-LD, read back by extruct and checked against each version's files and SHA256SUMS and
against the schema.org vocabulary), and each version's README.md and CHANGELOG.md as
sanitised HTML."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import shutil
from pathlib import Path
from typing import Any

import extruct
import pytest

from publisher.provenance import license_url
from publisher.release_page import METADATA, document_html, documents, media_type
from publisher.site import read_releases

from .sitetools import SETTINGS, build_site, corpus, cut_release, parse
from .test_provenance import schema_org_names

PAGE = "releases/index.html"


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("release-page")
    out = root / "dist"
    cut_release(corpus(root / "first", hostile=False, seed=False), out, "2024-01-01")
    seeds = corpus(root / "seeds")  # with the hostile article: its text reaches the card
    cut_release(seeds, out, "2024-02-01")
    build_site(seeds, out)
    return out


def graph(dist: Path) -> list[dict[str, Any]]:
    found = extruct.extract((dist / PAGE).read_text("utf-8"), syntaxes=["json-ld"])["json-ld"]
    assert len(found) == 1
    assert found[0]["@context"] == "https://schema.org"
    return found[0]["@graph"]  # type: ignore[no-any-return]


def sums(folder: Path) -> dict[str, str]:
    lines = (folder / "SHA256SUMS").read_text("utf-8").splitlines()
    return {name: digest for digest, name in (line.split("  ", 1) for line in lines)}


def test_one_dataset_per_version_in_a_catalog(dist: Path) -> None:
    nodes_ = graph(dist)
    index = json.loads((dist / "releases/index.json").read_text("utf-8"))
    page = SETTINGS.url("releases/")
    datasets = [node for node in nodes_ if node["@type"] == "Dataset"]
    assert [d["version"] for d in datasets] == ["1.1.0", "1.0.0"]  # newest first, as shown
    assert [e["version"] for e in index["versions"]] == ["1.0.0", "1.1.0"]
    (catalog,) = (node for node in nodes_ if node["@type"] == "DataCatalog")
    assert catalog["dataset"] == [{"@id": d["@id"]} for d in datasets]
    (organisation,) = (node for node in nodes_ if node["@type"] == "Organization")
    assert organisation["name"] == SETTINGS.title
    ids = parse(dist / PAGE).iter("section")
    anchors = {section.get("id") for section in ids}
    for entry in index["versions"]:
        version = entry["version"]
        node = next(d for d in datasets if d["version"] == version)
        folder = dist / "releases" / f"v{version}"
        package = json.loads((folder / "datapackage.json").read_text("utf-8"))
        assert node["url"] == f"{page}#v{version}" and f"v{version}" in anchors
        assert node["datePublished"] == entry["date"]
        assert node["description"] == package["description"]
        assert node["license"] == license_url(SETTINGS.license)
        assert node["creator"] == node["publisher"] == {"@id": organisation["@id"]}
        assert node["includedInDataCatalog"] == {"@id": catalog["@id"]}
        originals = [work["publisher"]["name"] for work in node["isBasedOn"]]
        assert originals == [source["title"] for source in package["sources"]]


def test_every_data_file_is_a_download_with_its_checksum(dist: Path) -> None:
    datasets = [node for node in graph(dist) if node["@type"] == "Dataset"]
    for node in datasets:
        folder = dist / "releases" / f"v{node['version']}"
        listed = sums(folder)
        data = sorted(name for name in listed if name not in METADATA)
        assert "articles.parquet" in data and "articles.jsonl.gz" in data
        assert "articles.csv" in data
        assert [d["name"] for d in node["distribution"]] == data
        for download in node["distribution"]:
            name = download["name"]  # delta/added.jsonl.gz: a path in the folder
            path = folder / name
            assert download["@type"] == "DataDownload"
            assert download["contentUrl"] == SETTINGS.url(f"releases/{folder.name}/{name}")
            assert download["sha256"] == listed[name]
            assert download["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
            assert download["contentSize"] == f"{path.stat().st_size} B"
            assert download["encodingFormat"] == media_type(name)


def test_an_old_version_keeps_the_licence_and_title_it_was_published_under(
    dist: Path, tmp_path: Path
) -> None:
    copy = tmp_path / "dist"
    shutil.copytree(dist, copy)
    later = dataclasses.replace(SETTINGS, license="CC0-1.0", title="Renamed Archive")
    build_site(corpus(tmp_path / "seeds"), copy, later)
    for node in graph(copy):
        if node["@type"] == "Dataset":
            package = json.loads(
                (copy / "releases" / f"v{node['version']}" / "datapackage.json").read_text()
            )
            assert node["license"] == package["licenses"][0]["path"] == license_url("CC-BY-4.0")
            assert node["name"] == f"{package['title']} {node['version']}"
            assert "Renamed" not in node["name"]


def test_media_types_of_present_and_future_files() -> None:
    assert media_type("articles.jsonl") == "application/jsonl"
    assert media_type("articles.csv") == "text/csv"
    assert media_type("articles.parquet") == "application/vnd.apache.parquet"
    assert media_type("articles.jsonl.gz") == "application/gzip"
    assert media_type("delta/added.jsonl") == "application/jsonl"


def test_every_type_and_property_exists_in_schema_org(dist: Path) -> None:
    used = schema_org_names(graph(dist))
    assert {"sha256", "distribution", "contentUrl", "includedInDataCatalog", "isBasedOn"} <= used


def test_json_ld_is_safe_inside_the_script_element(dist: Path) -> None:
    html = (dist / PAGE).read_text("utf-8")
    block = html.split('<script type="application/ld+json">')[1].split("</script>")[0]
    assert "<" not in block and ">" not in block and "&" not in block
    assert html.count("<script") == 1


def test_no_json_ld_before_the_first_release(tmp_path: Path) -> None:
    build_site(corpus(tmp_path / "seeds"), tmp_path / "dist")
    assert "application/ld+json" not in (tmp_path / "dist" / PAGE).read_text("utf-8")


def test_each_version_shows_its_card_and_changelog(dist: Path) -> None:
    document = parse(dist / PAGE)  # strict HTML5
    for section in document.iterfind(".//section[@class='release']"):
        details = section.findall("details")
        summaries = ["".join(d.find("summary").itertext()) for d in details]  # type: ignore[union-attr]
        version = section.get("id", "")[1:]
        assert summaries == [
            f"Dataset card of version {version} (README.md)",
            f"Changelog of version {version} (CHANGELOG.md)",
        ]
        card = details[0]
        assert card.find(".//h3") is not None and card.find(".//h1") is None
        assert card.find(".//table") is not None  # the fields table
    html = (dist / PAGE).read_text("utf-8")
    assert "<h1" not in html.split("</h1>", 1)[1]  # the page keeps one h1


def test_a_long_changelog_is_linked_not_shown(dist: Path) -> None:
    # The page is made by every build: a first release of a large archive has a changelog
    # of megabytes, which the page links (test_site) without rendering it each time.
    (release,) = [r for r in read_releases(dist) if str(r.version) == "1.0.0"]
    changelog = (dist / "releases" / "v1.0.0" / "CHANGELOG.md").stat().st_size
    readme = (dist / "releases" / "v1.0.0" / "README.md").stat().st_size
    assert list(documents(dist, release, limit=max(changelog, readme))) == [
        "README.md",
        "CHANGELOG.md",
    ]
    assert list(documents(dist, release, limit=readme)) == (
        ["README.md"] if changelog > readme else ["README.md", "CHANGELOG.md"]
    )
    assert documents(dist, release, limit=min(changelog, readme) - 1) == {}


def test_the_cards_front_matter_is_not_shown(dist: Path) -> None:
    html = (dist / PAGE).read_text("utf-8")
    assert "Dataset card of version" in html
    assert "config_name" not in html and "size_categories" not in html
    assert document_html("---\nlicense: x\n---\n# Card\n\n---\n\nText") == (
        "<h3>Card</h3>\n<hr>\n<p>Text</p>"
    )


def test_card_markup_is_sanitised() -> None:
    html = document_html(
        "# Title\n\n## Files\n\n> <script>alert(1)</script><img src=x onerror=alert(1)>"
        '<a href="javascript:alert(1)">x</a>\n\n### Deeper\n\n```python\nx = 1\n```'
    )
    assert "<script" not in html and "onerror" not in html and "javascript:" not in html
    assert html.startswith("<h3>Title</h3>\n<h4>Files</h4>")
    assert "<h5>Deeper</h5>" in html
    assert "<pre><code>x = 1\n</code></pre>" in html  # no lang="python": not a language
