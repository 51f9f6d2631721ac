"""What the releases page says of each published version beyond its index entry: a
schema.org `Dataset` per version in JSON-LD, for dataset search engines, and the version's
dataset card (README.md) and CHANGELOG.md as sanitised HTML, for people.

Everything is read from the version folders as they are published (a build carries them
over), so it is generic over whatever files a version holds: its data files are the files
listed in its SHA256SUMS (site.read_releases) that are not the release's own metadata, and
each is a `DataDownload` with its media type, size and sha256. The original sources are the
ones its datapackage.json lists. Nothing here reads the clock.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson
from cmarkgfm.cmark import Options

from .config import Settings
from .gfm import to_html
from .provenance import license_url, script_safe
from .release import RELEASES, SUMS
from .render import sanitise, shift_headings

if TYPE_CHECKING:
    from .site import Release, ReleaseFile

PAGE = f"{RELEASES}/"  # the releases page's folder (its URL)
# The files of a version that describe it rather than hold its records.
METADATA = frozenset(
    {
        SUMS,
        "datapackage.json",
        "articles.schema.json",
        "changes.jsonl",
        "CHANGELOG.md",
        "README.md",
        "CITATION.cff",
        ".zenodo.json",
        "croissant.json",
    }
)
# Media type by the file name's last suffix (a compressed file is its compression's type).
MEDIA_TYPES = {
    ".jsonl": "application/jsonl",
    ".json": "application/json",
    ".csv": "text/csv",
    ".parquet": "application/vnd.apache.parquet",
    ".gz": "application/gzip",
    ".zst": "application/zstd",
    ".zip": "application/zip",
}


def media_type(name: str) -> str:
    return MEDIA_TYPES.get(Path(name).suffix.lower(), "application/octet-stream")


def data_files(release: Release) -> list[ReleaseFile]:
    """The version's data files: every file but its metadata, in name order."""
    return [file for file in release.files if file.name not in METADATA]


def _package(root: Path, release: Release) -> dict[str, Any]:
    """The version's datapackage.json, or {} when it is missing or unreadable."""
    try:
        package = json.loads((root / RELEASES / release.folder / "datapackage.json").read_bytes())
    except (OSError, ValueError):
        return {}
    return package if isinstance(package, dict) else {}


def _sources(package: dict[str, Any]) -> list[str]:
    sources = package.get("sources")
    if not isinstance(sources, list):
        return []
    return [s["title"] for s in sources if isinstance(s, dict) and isinstance(s.get("title"), str)]


def _licence(package: dict[str, Any], settings: Settings) -> str:
    """The licence a version was published under, as its datapackage.json says (a later
    change of the `license` setting does not rewrite what an old version claimed): the
    licence's page, else the SPDX page of its name; the setting's when the package says
    nothing usable."""
    licences = package.get("licenses")
    first = licences[0] if isinstance(licences, list) and licences else None
    if isinstance(first, dict):
        if isinstance(first.get("path"), str):
            return str(first["path"])
        if isinstance(first.get("name"), str):
            return license_url(first["name"])
    return license_url(settings.license)


def organisation(settings: Settings) -> dict[str, Any]:
    """Who makes and publishes the compilation: the site, as an organisation."""
    return {
        "@type": "Organization",
        "@id": f"{settings.url('')}#organization",
        "name": settings.title,
        "url": settings.url(""),
        "email": settings.contact,
    }


def download(settings: Settings, release: Release, file: ReleaseFile) -> dict[str, Any]:
    return {
        "@type": "DataDownload",
        "name": file.name,
        "contentUrl": settings.url(f"{RELEASES}/{release.folder}/{file.name}"),
        "encodingFormat": media_type(file.name),
        "contentSize": f"{file.size} B",
        "sha256": file.sha256,
    }


def dataset(settings: Settings, root: Path, release: Release) -> dict[str, Any]:
    """One version as a schema.org Dataset."""
    package = _package(root, release)
    page = settings.url(PAGE)
    node: dict[str, Any] = {
        "@type": "Dataset",
        "@id": f"{page}#{release.folder}",
        "url": f"{page}#{release.folder}",
        "name": f"{package.get('title') or settings.title} {release.version}",
        "description": package.get("description") or settings.description,
        "version": release.version,
        "datePublished": release.date.isoformat(),
        "license": _licence(package, settings),
        "creator": {"@id": organisation(settings)["@id"]},
        "publisher": {"@id": organisation(settings)["@id"]},
        "includedInDataCatalog": {"@id": f"{page}#catalog"},
    }
    sources = _sources(package)
    if sources:
        node["isBasedOn"] = [
            {"@type": "CreativeWork", "publisher": {"@type": "Organization", "name": source}}
            for source in sources
        ]
    files = data_files(release)
    if files:
        node["distribution"] = [download(settings, release, file) for file in files]
    return node


def json_ld(settings: Settings, root: Path, releases: Sequence[Release]) -> str:
    """The releases page's JSON-LD: a DataCatalog of every published version, each a
    Dataset, and their organisation, in one @graph; safe inside a <script> element."""
    page = settings.url(PAGE)
    datasets = [dataset(settings, root, release) for release in releases]
    catalog = {
        "@type": "DataCatalog",
        "@id": f"{page}#catalog",
        "name": f"{settings.title}: dataset releases",
        "url": page,
        "publisher": {"@id": organisation(settings)["@id"]},
        "dataset": [{"@id": node["@id"]} for node in datasets],
    }
    document = {
        "@context": "https://schema.org",
        "@graph": [catalog, organisation(settings), *datasets],
    }
    return script_safe(orjson.dumps(document))


# -- the dataset card and the changelog as HTML ----------------------------------------------

_HEADING_TAG = re.compile(r"<(/?)h([1-6])>")
# cmark-gfm names a fenced block's language in `lang`, which HTML reserves for a human
# language (`<pre lang="python">` is invalid): dropped, the code stays as it is.
_PRE_LANG = re.compile(r'<pre lang="[^"]*">')


# The dataset card's YAML header (for the Hugging Face Hub): metadata, not prose.
_FRONT_MATTER = re.compile(r"\A---\n.*?\n---\n", re.S)


def document_html(markdown: str, top: int = 3) -> str:
    """A version's Markdown file as sanitised HTML whose highest heading is h`top` (under
    the page's h2 for the version): the render.py sanitiser, as for articles. A leading
    YAML front matter block is left out."""
    markdown = _FRONT_MATTER.sub("", markdown, count=1)
    rendered = to_html(markdown, Options.CMARK_OPT_UNSAFE | Options.CMARK_OPT_NOBREAKS)
    # The sanitiser keeps h2-h6 only: move every heading down before it sees them.
    rendered = _PRE_LANG.sub("<pre>", rendered)
    rendered = _HEADING_TAG.sub(lambda m: f"<{m[1]}h{min(int(m[2]) + top - 1, 6)}>", rendered)
    return shift_headings(sanitise(rendered).strip(), top)


# Larger files are linked, not shown: the page is made by every build, and the changelog of
# a first release of 100,000 records (7 MB) would take 0.6 s a build and make a 10 MB page.
SHOWN_MAX = 64 * 1024


def documents(root: Path, release: Release, limit: int = SHOWN_MAX) -> dict[str, str]:
    """README.md and CHANGELOG.md of a version as HTML, those it has of at most `limit`
    bytes (the page links every file)."""
    sizes = {file.name: file.size for file in release.files}
    found: dict[str, str] = {}
    for name in ("README.md", "CHANGELOG.md"):
        if sizes.get(name, limit + 1) <= limit:
            path = root / RELEASES / release.folder / name
            try:
                found[name] = document_html(path.read_text("utf-8"))
            except (OSError, UnicodeDecodeError):
                continue
    return found
