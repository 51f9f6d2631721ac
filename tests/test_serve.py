"""`publish serve`: content types, no directory listings, port 0, clean Ctrl-C, and a
preview whose pages and feeds link to the preview."""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import feedparser
import pytest
from click.testing import CliRunner

from publisher.cli import main
from publisher.config import Settings
from publisher.problems import UsageError
from publisher.serve import content_type, make_server

from .conftest import SEED
from .sitetools import preview

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
    "releases/v1.0.0/articles.jsonl.gz": "application/gzip",
    "releases/v1.0.0/articles.parquet": "application/vnd.apache.parquet",
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
    with preview(tmp_path) as url:
        yield url


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


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A site built with the default settings (base_url https://archive.example.org)."""
    root = tmp_path_factory.mktemp("preview")
    (root / "seeds").mkdir()
    shutil.copy(SEED, root / "seeds")
    args = ["--seeds", str(root / "seeds"), "--dist", str(root / "dist"), "--config"]
    (root / "site.toml").write_text("[tool.publisher]\n", "utf-8")
    for command in ([], ["release", "--date", "2026-01-02"]):
        result = CliRunner().invoke(main, [*command, *args, str(root / "site.toml")])
        assert result.exit_code == 0, result.output
    return root / "dist"


def entry_links(feed: bytes) -> list[str]:
    parsed = feedparser.parse(feed)
    assert parsed.entries, parsed.bozo_exception
    return [entry.link for entry in parsed.entries]


def test_the_preview_links_to_itself(site: Path) -> None:
    production = Settings().base_url
    with preview(site, production=production) as url:
        for name in ("feeds/all.atom", "feeds/all.rss", "feeds/all.json", "index.html"):
            status, _, body = fetch(url + name)
            assert status == 200 and production.encode() not in body, name
            assert url.encode() in body, name
        body = fetch(url + "feeds/all.json")[2]
        links = [item["url"] for item in json.loads(body)["items"]]
        links += entry_links(fetch(url + "feeds/all.atom")[2])
        for link in links:  # a feed reader subscribed to the preview opens every entry
            assert link.startswith(url)
            assert fetch(link)[0] == 200, link
        # Release files are covered by checksums: served as published.
        for name in ("releases/v1.0.0/datapackage.json", "releases/v1.0.0/articles.jsonl.gz"):
            assert fetch(url + name)[2] == (site / name).read_bytes()


def test_the_preview_can_link_to_a_given_address(site: Path) -> None:
    production = Settings().base_url
    with preview(site, production=production, base_url="http://preview.test:9000") as url:
        links = entry_links(fetch(url + "feeds/all.atom")[2])
        assert links and all(link.startswith("http://preview.test:9000/") for link in links)
        body = fetch(url + "articles/")[0]  # a folder without index.html is still a 404
        assert body == 404


def test_as_built_serves_every_file_byte_for_byte(site: Path) -> None:
    with preview(site) as url:
        for name in ("feeds/all.atom", "index.html"):
            assert fetch(url + name)[2] == (site / name).read_bytes()


def test_serve_base_url_is_checked() -> None:
    result = CliRunner().invoke(main, ["serve", "--base-url", "ftp://x", "--dist", "nowhere"])
    assert result.exit_code == 2 and "--base-url must be an absolute http(s) URL" in result.output
    result = CliRunner().invoke(main, ["serve", "--base-url", "http://x", "--as-built"])
    assert result.exit_code == 2 and "exclude each other" in result.output
