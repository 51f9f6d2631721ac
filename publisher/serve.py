"""`publish serve`: preview the built site over HTTP on 127.0.0.1, with the content types a
static host should send.

JSON Feed documents (`feeds/**.json`) go out as `application/feed+json`, the type the JSON
Feed 1.1 spec names and the pages' autodiscovery links announce; every other `.json`
(dataset indexes, data packages) as `application/json`. Text types carry charset=utf-8.

Feeds and pages hold absolute URLs under the production `base_url`, so a feed reader
subscribed to the preview would open entries on the production site (or nowhere). The
preview therefore serves pages and feeds with that prefix replaced by its own address
(or the one given); published release files, which checksums cover, go out as built.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from email.utils import formatdate
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from io import BytesIO
from pathlib import Path, PurePosixPath
from typing import Any, BinaryIO

from .engine.interrupt import Interrupted
from .feeds import MEDIA_TYPES
from .problems import UsageError

HOST = "127.0.0.1"
_RANGE = re.compile(r"bytes=(\d*)-(\d*)")
UTF8 = "; charset=utf-8"
CONTENT_TYPES = {
    ".html": "text/html" + UTF8,
    ".css": "text/css" + UTF8,
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".ico": "image/x-icon",
    ".atom": MEDIA_TYPES["atom"] + UTF8,
    ".rss": MEDIA_TYPES["rss"] + UTF8,
    ".xml": "application/xml" + UTF8,
    ".opml": "text/x-opml" + UTF8,  # the feeds' subscription list (outputs/opml.py)
    ".json": "application/json" + UTF8,
    ".jsonl": "application/jsonl" + UTF8,
    ".csv": "text/csv" + UTF8,
    ".gz": "application/gzip",  # articles.jsonl.gz: a download, not a Content-Encoding
    ".parquet": "application/vnd.apache.parquet",
    ".md": "text/markdown" + UTF8,
    ".cff": "text/plain" + UTF8,  # CITATION.cff is YAML; shown as text in a browser
    ".txt": "text/plain" + UTF8,
    ".js": "text/javascript" + UTF8,  # the search page's scripts (outputs/search.py)
    ".wasm": "application/wasm",  # WebAssembly.instantiateStreaming requires this type
    ".sqlite3": "application/vnd.sqlite3",  # a year's search index
    "": "text/plain" + UTF8,  # SHA256SUMS
}
FEED_JSON = MEDIA_TYPES["json"] + UTF8
FALLBACK = "application/octet-stream"


def content_type(path: str) -> str:
    """The Content-Type for a site path such as `feeds/all.json` or `releases/v1.0.0/SHA256SUMS`."""
    parts = PurePosixPath(path)
    if parts.suffix == ".json" and parts.parts[:1] == ("feeds",):
        return FEED_JSON
    return CONTENT_TYPES.get(parts.suffix, FALLBACK)


def rewritten(path: str) -> bool:
    """Whether the preview rewrites the URLs in `path`: pages and feeds, not release files."""
    kind = content_type(path)
    text = kind.startswith("text/") or "xml" in kind or "json" in kind
    return text and (kind.startswith("text/html") or PurePosixPath(path).parts[:1] != ("releases",))


@dataclass(frozen=True)
class Rewrite:
    """Replace the production base URL (`old`) with the preview's (`new`) in served text."""

    old: bytes
    new: bytes

    def apply(self, data: bytes) -> bytes:
        return data.replace(self.old, self.new) if self.new != self.old else data


class Handler(SimpleHTTPRequestHandler):
    """Static files only: no directory listings, no caching of the preview, no sniffing."""

    quiet = False
    rewrite: Rewrite | None = None  # set once the server knows its own address
    ranges = False  # whether the file being sent is sent in byte ranges on request

    def send_head(self) -> BytesIO | BinaryIO | None:
        path = Path(self.translate_path(self.path))
        if path.is_dir() and self.path.split("?", 1)[0].endswith("/"):
            path = path / "index.html"
        rewrite = type(self).rewrite
        try:
            site_path = path.relative_to(str(self.directory)).as_posix()
        except ValueError:
            site_path = ""
        # Byte ranges of the files sent as built (the search indexes among them); a HEAD,
        # or a range under If-Range (no validator here to match it), gets the whole file.
        self.ranges = path.is_file() and not rewritten(site_path)
        wanted = self.headers.get("Range")
        if self.ranges and wanted and self.command == "GET" and "If-Range" not in self.headers:
            return self._send_range(path, wanted)
        if rewrite is None or self.ranges or not path.is_file():
            return super().send_head()
        try:
            data = rewrite.apply(path.read_bytes())
            modified = path.stat().st_mtime
        except OSError:
            self.send_error(404, "File not found")
            return None
        self.send_response(200)
        self.send_header("Content-Type", self.guess_type(path))
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Last-Modified", formatdate(modified, usegmt=True))
        self.end_headers()
        return BytesIO(data)

    def _send_range(self, path: Path, header: str) -> BytesIO | BinaryIO | None:
        """One byte range of a file (RFC 9110 section 14), as a static host serves it: the
        search page reads its indexes so. Several ranges, or a header it cannot read, get
        the whole file (the RFC allows ignoring Range)."""
        found = _RANGE.fullmatch(header.strip())
        if found is None:
            return super().send_head()
        size = path.stat().st_size
        first, last = found.group(1), found.group(2)
        if first:
            start, end = int(first), min(int(last), size - 1) if last else size - 1
        elif last:  # the last N bytes
            start, end = max(size - int(last), 0), size - 1
        else:
            return super().send_head()
        if start >= size or start > end:
            self.send_response(416)
            self.send_header("Content-Range", f"bytes */{size}")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return None
        with path.open("rb") as file:
            file.seek(start)
            data = file.read(end - start + 1)
        self.send_response(206)
        self.send_header("Content-Type", self.guess_type(path))
        self.send_header("Last-Modified", formatdate(path.stat().st_mtime, usegmt=True))
        self.send_header("Content-Range", f"bytes {start}-{end}/{size}")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        return BytesIO(data)

    def guess_type(self, path: str | Any) -> str:
        # `path` is translate_path()'s result: the served folder joined with the URL path.
        try:
            site_path = Path(path).relative_to(self.directory).as_posix()
        except ValueError:
            site_path = Path(path).name
        return content_type(site_path)

    def list_directory(self, path: str | Any) -> BytesIO | None:
        self.send_error(404, "Not found")
        return None

    def end_headers(self) -> None:
        if self.ranges:
            self.send_header("Accept-Ranges", "bytes")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("X-Content-Type-Options", "nosniff")
        super().end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        if not self.quiet:
            super().log_message(format, *args)


def make_server(
    root: Path,
    port: int = 0,
    *,
    quiet: bool = False,
    production: str | None = None,
    base_url: str | None = None,
) -> ThreadingHTTPServer:
    """An HTTP server for `root` on 127.0.0.1:`port` (0 picks a free port). With the
    `production` base URL, pages and feeds link to `base_url` instead (default: the
    server's own address); without it, every file goes out as built."""
    if not (root / "index.html").is_file():
        raise UsageError(f"{root}/index.html does not exist: run `publish` first to build the site")
    handler: type[Handler] = type("SiteHandler", (Handler,), {"quiet": quiet})
    try:
        server = ThreadingHTTPServer((HOST, port), partial(handler, directory=str(root)))
    except OSError as exc:
        raise UsageError(
            f"cannot listen on {HOST}:{port} ({exc.strerror}): choose another --port, "
            "or --port 0 for any free one"
        ) from None
    if production is not None:
        local = (base_url or local_url(server)).rstrip("/")
        handler.rewrite = Rewrite(production.rstrip("/").encode(), local.encode())
    return server


def local_url(server: ThreadingHTTPServer) -> str:
    return f"http://{HOST}:{server.server_address[1]}/"


def serve(
    root: Path,
    port: int,
    announce: Callable[[str], None],
    *,
    quiet: bool = False,
    production: str | None = None,
    base_url: str | None = None,
) -> None:
    """Serve `root` until Ctrl-C; `announce` gets the URL once the port is open."""
    server = make_server(root, port, quiet=quiet, production=production, base_url=base_url)
    try:
        announce(local_url(server))
        server.serve_forever()
    except (KeyboardInterrupt, Interrupted):  # Ctrl-C is how a preview ends
        pass
    finally:
        server.server_close()
