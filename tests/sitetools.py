"""Helpers for the site tests: a corpus with a hostile article, a build, and an HTML walker."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import shutil
import threading
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlsplit
from xml.etree.ElementTree import Element

import html5lib

from publisher.config import Settings
from publisher.pipeline import build
from publisher.release import plan_release
from publisher.serve import make_server
from publisher.store import MemoryStore
from publisher.store.check import check_folder

from .conftest import FIXTURES, SEED, seed_files

SETTINGS = replace(Settings(), base_url="https://site.test", tag_authority="site.test,2026")
HOSTILE_ID = "hostile-markup"
# Everything a scraped page could smuggle in; none of it may be active on the site.
HOSTILE_BODY = "\n\n".join(
    [
        "An ordinary opening paragraph.",
        "<script>window.pwned = 'script'; alert('script')</script>",
        "<img src=x onerror=\"window.pwned = 'onerror'; alert('onerror')\">",
        "[click me](javascript:window.pwned='link';alert('link'))",
        '<a href="JaVaScRiPt:alert(1)">mixed case</a>',
        '<iframe src="https://evil.test/frame"></iframe>',
        '<a href="data:text/html,<script>alert(1)</script>">data link</a>',
        "![pixel](data:image/png;base64,iVBORw0KGgo=)",
        "<svg onload=\"alert('svg')\"><circle r=1 /></svg>",
        '<object data="https://evil.test/x.swf"></object><embed src="https://evil.test/e">',
        "<style>body { display: none }</style>",
        '<form action="https://evil.test/"><input name="q"><button>Go</button></form>',
        '<p style="background:url(https://evil.test/t.png)" onclick="alert(2)">styled</p>',
        '<base href="https://evil.test/"><meta http-equiv="refresh" content="0;url=https://evil.test/">',
        "A closing paragraph.",
    ]
)
HOSTILE_TITLE = "<script>alert('title')</script> A hostile title & more"


def hostile_record() -> dict[str, object]:
    return {
        "id": HOSTILE_ID,
        "title": HOSTILE_TITLE,
        "subtitle": "<img src=x onerror=alert('subtitle')>",
        "authors": ["<b onmouseover=alert(1)>Mallory</b>"],
        "published": "2012-01-15",
        "regions": ["<i>Nowhere</i>"],
        "lead": "*<script>alert('lead')</script>Lead* with <img src=x onerror=alert('lead')>",
        "body": HOSTILE_BODY,
        "original_source": "<script>alert('source')</script>Evil Source",
        "original_source_url": "https://source.test/article?a=1&b=2",
        "copyright_holders": ["Evil Source"],
        "copyright_year": 2012,
        "disclaimer": "Fair use <script>alert('disclaimer')</script> disclaimer.",
    }


def corpus(folder: Path, *, hostile: bool = True, seed: bool = True) -> Path:
    """The bundled seed, every valid fixture and the hostile article (each optional)."""
    folder.mkdir(parents=True, exist_ok=True)
    if seed:
        shutil.copy(SEED, folder)
    for path in seed_files(FIXTURES / "valid"):
        shutil.copy(path, folder)
    if hostile:
        text = json.dumps(hostile_record(), indent=2, ensure_ascii=False)
        (folder / f"{HOSTILE_ID}.json").write_text(text, "utf-8")
    return folder


def build_site(seeds: Path, dist: Path, settings: Settings = SETTINGS) -> int:
    result = check_folder(seeds)
    assert result.ok, result.problems
    return build(MemoryStore.of(result.articles), settings, dist)


def cut_release(seeds: Path, dist: Path, date: str, settings: Settings = SETTINGS) -> None:
    """What `publish release --date DATE` does: plan the next release, build with it."""
    result = check_folder(seeds)
    assert result.ok, result.problems
    archive = MemoryStore.of(result.articles)
    plan = plan_release(archive.entries, dist, dt.date.fromisoformat(date))
    build(archive, settings, dist, release=plan)


def parse(path: Path) -> Element:
    """The page as an element tree; strict mode raises on the first HTML5 parse error."""
    parser = html5lib.HTMLParser(strict=True, namespaceHTMLElements=False)
    document: Element = parser.parse(path.read_bytes())
    return document


def pages(dist: Path) -> list[Path]:
    return sorted(dist.rglob("*.html"))


@dataclass(frozen=True)
class Link:
    page: Path
    tag: str
    attribute: str
    value: str


def links(dist: Path, page: Path) -> Iterator[Link]:
    for element in parse(page).iter():
        for attribute in ("href", "src"):
            value = element.get(attribute)
            if value is not None:
                yield Link(page, str(element.tag), attribute, value)


def resolve(dist: Path, page: Path, value: str) -> tuple[Path, str] | None:
    """The file an internal link points to and its fragment; None for external links."""
    parts = urlsplit(value)
    if parts.scheme or parts.netloc:
        return None
    here = PurePosixPath(page.relative_to(dist).as_posix())
    target = here.parent / unquote(parts.path) if parts.path else here
    resolved: list[str] = []
    for part in target.parts:
        if part == "..":
            assert resolved, f"{page}: {value!r} climbs out of the site"
            resolved.pop()
        elif part != ".":
            resolved.append(part)
    path = dist.joinpath(*resolved)
    if value.split("#")[0].endswith("/"):
        path = path / "index.html"
    return path, parts.fragment


def ids(page: Path) -> set[str]:
    return {str(e.get("id")) for e in parse(page).iter() if e.get("id") is not None}


@contextlib.contextmanager
def preview(dist: Path, port: int = 0, **options: str | None) -> Iterator[str]:
    """`publish serve`'s server for `dist` in a thread (on `port`, 0: any free one);
    yields its URL."""
    server = make_server(dist, port, quiet=True, **options)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
