"""`publish serve`: preview the built site over HTTP on 127.0.0.1, with the content types a
static host should send.

JSON Feed documents (`feeds/**.json`) go out as `application/feed+json`, the type the JSON
Feed 1.1 spec names and the pages' autodiscovery links announce; every other `.json`
(dataset indexes, data packages) as `application/json`. Text types carry charset=utf-8.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from io import BytesIO
from pathlib import Path, PurePosixPath
from typing import Any

from .feeds import MEDIA_TYPES
from .interrupt import Interrupted
from .problems import UsageError

HOST = "127.0.0.1"
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
    ".json": "application/json" + UTF8,
    ".jsonl": "application/jsonl" + UTF8,
    ".csv": "text/csv" + UTF8,
    ".md": "text/markdown" + UTF8,
    ".cff": "text/plain" + UTF8,  # CITATION.cff is YAML; shown as text in a browser
    ".txt": "text/plain" + UTF8,
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


class Handler(SimpleHTTPRequestHandler):
    """Static files only: no directory listings, no caching of the preview, no sniffing."""

    quiet = False

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
        self.send_header("Cache-Control", "no-cache")
        self.send_header("X-Content-Type-Options", "nosniff")
        super().end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        if not self.quiet:
            super().log_message(format, *args)


def make_server(root: Path, port: int = 0, *, quiet: bool = False) -> ThreadingHTTPServer:
    """An HTTP server for `root` on 127.0.0.1:`port` (0 picks a free port)."""
    if not (root / "index.html").is_file():
        raise UsageError(f"{root}/index.html does not exist: run `publish` first to build the site")
    handler = type("SiteHandler", (Handler,), {"quiet": quiet})
    try:
        return ThreadingHTTPServer((HOST, port), partial(handler, directory=str(root)))
    except OSError as exc:
        raise UsageError(
            f"cannot listen on {HOST}:{port} ({exc.strerror}): choose another --port, "
            "or --port 0 for any free one"
        ) from None


def serve(root: Path, port: int, announce: Callable[[str], None], *, quiet: bool = False) -> None:
    """Serve `root` until Ctrl-C; `announce` gets the URL once the port is open."""
    server = make_server(root, port, quiet=quiet)
    try:
        announce(f"http://{HOST}:{server.server_address[1]}/")
        server.serve_forever()
    except (KeyboardInterrupt, Interrupted):  # Ctrl-C is how a preview ends
        pass
    finally:
        server.server_close()
