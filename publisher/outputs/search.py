"""Full-text search, served as static files: one index per publication year
(`search/2019-KEY.sqlite3`, search_db.py), a list of them (`search/index.json`), the search page
and its scripts. The page queries the years newest first in the browser (sql.js-httpvfs:
SQLite compiled to WebAssembly, reading a database by HTTP range requests), so a query
fetches a few pages of each year it reaches, never a whole index; an article edited
rebuilds its year's index only, from the rows of the index it replaces, made anew for
the changed records alone (the rest of the year is not loaded: search_db.previous_rows).

The search page is the one page with scripts, all from this site (its own CSP,
SEARCH_CSP); without them it says how to search the archive otherwise.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from functools import cache
from importlib.resources import files
from pathlib import Path

from markupsafe import Markup

from ..model import ArticleRef
from ..search_db import Row, database, previous_rows, row
from .base import Files, Makers, Output, digest
from .layout import Layout
from .sitemaps import years

PAGE = "search/index.html"
LIST = "search/index.json"
# The page's own script, then sql.js-httpvfs 0.8.12 (publisher/vendor/, see its README).
SCRIPTS = {
    "search/search.js": "templates/search.js",
    "search/sql-httpvfs.js": "vendor/sql.js-httpvfs/index.js",
    "search/sqlite.worker.js": "vendor/sql.js-httpvfs/sqlite.worker.js",
    "search/sql-wasm.wasm": "vendor/sql.js-httpvfs/sql-wasm.wasm",
}
# The search page's policy: its scripts and worker from this site only (the rest of the
# site runs no script: site.CSP). The worker compiles the WebAssembly under the policy of
# its own response (none from a plain static host), not the page's: the page needs no
# 'wasm-unsafe-eval'.
SEARCH_CSP = (
    "default-src 'none'; connect-src 'self'; style-src 'self'; img-src 'self'; "
    "script-src 'self'; worker-src 'self'; object-src 'none'; "
    "base-uri 'none'; form-action 'self'"
)


def index_path(year: int, key: str) -> str:
    """A year's index is named by its key: a rebuilt index is a new file, so a browser or
    a cache never mixes pages of the old file with the new one's, and each file can be
    cached for good (deploy_plan.py)."""
    return f"search/{year:04d}-{key[:16]}.sqlite3"


def outputs(layout: Layout) -> Iterator[Output]:
    listed = []
    for year, span in years(layout.ordered):
        chunk = layout.ordered[span.start : span.stop]
        # What a year's index holds is its records (their digests) in date order.
        key = layout.key("search", year, digest(",".join(e.digest for e in chunk)))
        path = index_path(year, key)
        url = path.removeprefix("search/")
        listed.append({"year": f"{year:04d}", "articles": len(chunk), "url": url})
        yield Output((path,), key, chunk, "", _index(year, path, chunk), len(chunk) * 1.0)
    listed.reverse()  # newest first: the order the page searches in
    yield Output((LIST,), layout.key("search list", listed), (), "", _list(listed), 0.1)
    yield Output((PAGE,), layout.key("search page"), (), "", _page(layout), 0.1)
    for path, source in SCRIPTS.items():
        # Its bytes are a file of the package, which the salt covers.
        yield Output((path,), layout.key("search script", path), (), "", _script(path, source), 0.1)


LOAD_BATCH = 500  # articles loaded at a time for the rows not carried over


def _index(year: int, path: str, chunk: Sequence[ArticleRef]) -> Callable[[Makers], Files]:
    def make(makers: Makers) -> Files:
        carried = previous_rows(_published(makers, year))

        def rows() -> Iterator[Row]:
            for start in range(0, len(chunk), LOAD_BATCH):
                batch = chunk[start : start + LOAD_BATCH]
                missing = [ref.id for ref in batch if ref.digest not in carried]
                articles = makers.load(missing) if missing else {}
                for ref in batch:
                    found = carried.get(ref.digest)
                    yield found if found is not None else row(articles[ref.id], ref.digest)

        return [(path, database(rows(), makers.root))]

    return make


def _published(makers: Makers, year: int) -> Path | None:
    """The index of `year` that the last build wrote into the output this one replaces
    (its record of that output, not a look into the folder: --force or a file put there
    by hand never hands rows on)."""
    prefix = f"search/{year:04d}-"
    found = [path for path in makers.previous if path.startswith(prefix)]
    return makers.output / found[0] if len(found) == 1 else None


def _list(listed: list[dict[str, object]]) -> Callable[[Makers], Files]:
    def make(makers: Makers) -> Files:
        text = json.dumps({"years": listed}, indent=1, ensure_ascii=False) + "\n"
        return [(LIST, text.encode())]

    return make


def _page(layout: Layout) -> Callable[[Makers], Files]:
    def make(makers: Makers) -> Files:
        return [makers.site.page("search.html", PAGE, layout.main, csp=Markup(SEARCH_CSP))]

    return make


@cache
def _script_bytes(source: str) -> bytes:
    return files("publisher").joinpath(source).read_bytes()


def _script(path: str, source: str) -> Callable[[Makers], Files]:
    return lambda makers: [(path, _script_bytes(source))]
