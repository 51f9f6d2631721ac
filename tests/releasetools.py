"""Helpers for the dataset release tests: seed folders in tmp, running `publish release`,
reading a release back."""

from __future__ import annotations

import gzip
import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

from click.testing import CliRunner, Result

from publisher.cli import main

from .conftest import FIXTURES, SEED, seed_files

DATE = "2026-01-15"

# A JSON seed whose text exercises CSV quoting: commas, quotes, line breaks, ';' outside
# list items, tabs, a leading '=', non-ASCII (accents, Cyrillic, Arabic, CJK, emoji) and
# U+2028, which some line readers split on.
TRICKY: dict[str, Any] = {
    "id": "zz-tricky-text",
    "title": 'Commas, "quotes"; semicolons — and Ünïcödé: Москва, القاهرة, 東京 🌍',
    "subtitle": "=SUM(A1:A2) looks like a formula, but is a subtitle",
    "authors": ["O'Brien, Jr.", "Zoë Ångström", "Иван Петров"],
    "publisher": "Global Research",
    "published": "2024-02-29",
    "updated": "2024-03-01",
    "source_name": "Le Monde diplomatique",
    "source_date": "2024-02-28",
    "regions": ["Europe", "Middle East & North Africa"],
    "themes": ["Media, Disinformation"],
    "reports": [],
    "lead": (
        'A lead with "quotes", a comma,\nand a line break.\n\nSecond paragraph; with a semicolon.'
    ),
    "body": (
        "Line one, with \"double quotes\" and 'single' ones.\n"
        "Line two;\tafter a tab; a semicolon; and a trailing space \n\n"
        '"A paragraph that starts with a quote"\n\n'
        "+1 -1 @mention =1+1\n\n"
        "Unicode line separator:\u2028after it. Ends with a backslash \\"
    ),
    "original_source": "Le Monde diplomatique",
    "original_source_url": "https://example.org/a,b?c=d;e",
    "copyright_holders": ["Zoë Ångström", "Le Monde diplomatique"],
    "copyright_year": 2024,
    "copyright_notice": "Copyright © Zoë Ångström, Le Monde diplomatique, 2024",
    "disclaimer": (FIXTURES / "expected-disclaimer.txt").read_text("utf-8"),
    "contact": "publications@globalresearch.ca",
}


def make_seeds(folder: Path, *, tricky: bool = True) -> Path:
    """The seed document, the valid fixture corpus (seeds only) and, optionally, TRICKY."""
    folder.mkdir(parents=True, exist_ok=True)
    for path in [SEED, *seed_files(FIXTURES / "valid")]:
        shutil.copy(path, folder / path.name)
    if tricky:
        (folder / "900_tricky.json").write_text(
            json.dumps(TRICKY, ensure_ascii=False, indent=2), "utf-8"
        )
    return folder


def publish(*args: str | Path) -> Result:
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def release(seeds: Path, dist: Path, *args: str) -> Result:
    return publish("release", "--seeds", seeds, "--dist", dist, *args)


def cut(seeds: Path, dist: Path, *args: str) -> Result:
    """A release that must succeed."""
    result = release(seeds, dist, "--date", DATE, *args)
    assert result.exit_code == 0, result.output
    return result


def jsonl_bytes(folder: Path) -> bytes:
    """The line file of a release folder, decompressed (articles.jsonl in one cut by an
    earlier version of the tool)."""
    compressed = folder / "articles.jsonl.gz"
    if compressed.exists():
        return gzip.decompress(compressed.read_bytes())
    return (folder / "articles.jsonl").read_bytes()


def jsonl_records(folder: Path) -> list[dict[str, Any]]:
    text = jsonl_bytes(folder).decode("utf-8")
    return [json.loads(line) for line in text.split("\n") if line]


def tree(folder: Path) -> dict[str, bytes]:
    """Every file under `folder` (relative POSIX path -> bytes)."""
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def run_offline(command: list[str], folder: Path) -> subprocess.CompletedProcess[str]:
    """A command as a user runs it in a release folder; a web request it made would go to
    a proxy that is not there (the discard port)."""
    nowhere = "http://127.0.0.1:9"
    proxies = dict.fromkeys(("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"), nowhere)
    return subprocess.run(
        command,
        cwd=folder,
        env={**os.environ, **proxies, "NO_PROXY": "", "no_proxy": ""},
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
