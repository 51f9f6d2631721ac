"""`publish serve`: content types, no directory listings, port 0, clean Ctrl-C."""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from publisher.cli import main
from publisher.problems import UsageError
from publisher.serve import content_type, make_server

FILES = {
    "index.html": "text/html; charset=utf-8",
    "style.css": "text/css; charset=utf-8",
    "favicon.svg": "image/svg+xml",
    "favicon.ico": "image/x-icon",
    "feeds/all.atom": "application/atom+xml; charset=utf-8",
    "feeds/all.rss": "application/rss+xml; charset=utf-8",
    "feeds/all.json": "application/feed+json; charset=utf-8",
    "feeds/archive/region/asia/1.json": "application/feed+json; charset=utf-8",
    "sitemap.xml": "application/xml; charset=utf-8",
    "releases/index.json": "application/json; charset=utf-8",
    "releases/v1.0.0/articles.jsonl": "application/jsonl; charset=utf-8",
    "releases/v1.0.0/articles.csv": "text/csv; charset=utf-8",
    "releases/v1.0.0/CHANGELOG.md": "text/markdown; charset=utf-8",
    "releases/v1.0.0/SHA256SUMS": "text/plain; charset=utf-8",
    "releases/v1.0.0/data.bin": "application/octet-stream",
}


@pytest.fixture
def served(tmp_path: Path) -> Iterator[str]:
    for name in FILES:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"<{name}>", "utf-8")
    server = make_server(tmp_path, 0, quiet=True)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def fetch(url: str) -> tuple[int, str, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.headers["Content-Type"], response.read()
    except urllib.error.HTTPError as error:
        with error:
            return error.code, error.headers["Content-Type"], error.read()


def test_content_types(served: str) -> None:
    for name, expected in FILES.items():
        status, mime, body = fetch(served + name)
        assert (status, mime) == (200, expected), name
        assert body == f"<{name}>".encode()
    status, mime, body = fetch(served)
    assert (status, mime, body) == (200, FILES["index.html"], b"<index.html>")


def test_no_directory_listing_and_no_escape(served: str) -> None:
    assert fetch(served + "feeds/")[0] == 404
    assert fetch(served + "missing.html")[0] == 404
    assert fetch(served + "../../etc/passwd")[0] == 404


def test_content_type_of_site_paths() -> None:
    assert content_type("feeds/region/asia.json") == "application/feed+json; charset=utf-8"
    assert content_type("releases/v1.0.0/datapackage.json") == "application/json; charset=utf-8"


def test_serve_needs_a_built_site(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="run `publish` first"):
        make_server(tmp_path, 0)
    result = CliRunner().invoke(main, ["serve", "--dist", str(tmp_path / "none"), "--port", "0"])
    assert result.exit_code == 2
    assert "run `publish` first" in result.output


def test_serve_help() -> None:
    result = CliRunner().invoke(main, ["serve", "--help"])
    assert result.exit_code == 0 and "--port" in result.output


# The child restores Python's own SIGINT handler: a test run started in the background
# by a shell inherits SIGINT ignored, and Ctrl-C would then never reach `serve`.
CHILD = (
    "import signal, sys; signal.signal(signal.SIGINT, signal.default_int_handler); "
    "from publisher.cli import main; main(sys.argv[1:], prog_name='publish')"
)


def test_publish_serve_port_0_prints_url_and_stops_on_ctrl_c(tmp_path: Path) -> None:
    (tmp_path / "index.html").write_text("<!DOCTYPE html><title>t</title>", "utf-8")
    command = [sys.executable, "-c", CHILD, "serve", "--dist", str(tmp_path), "--port", "0"]
    with subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    ) as child:
        assert child.stdout is not None
        line = child.stdout.readline()
        assert line.startswith(f"Serving {tmp_path} at http://127.0.0.1:"), line
        url = line.split(" at ", 1)[1].split()[0]
        assert fetch(url)[:2] == (200, "text/html; charset=utf-8")
        child.send_signal(signal.SIGINT)
        _, errors = child.communicate(timeout=10)
    assert child.returncode == 0, errors
    assert "Traceback" not in errors
