"""Fingerprints of the tool, and the stamp of a build that says whether it must run again.

tool_fingerprint names the incremental cache (store/sqlite.py): any change to the code that
decides what a seed turns into starts a fresh cache, so a stale entry can never outlive the
code that made it. build_fingerprint covers every file of the package, the libraries that
shape the output and Python itself: a build stamp with it says when a build is up to date.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sqlite3
import sys
from functools import cache
from importlib import metadata
from importlib.resources import files
from pathlib import Path
from typing import Any

from . import __version__

# Modules whose code decides what a seed turns into (record, verdict, rendered HTML,
# packed CSV rows), relative to the package.
_FINGERPRINTED = (
    "load.py",
    "parse.py",
    "markdown_text.py",
    "json_seed.py",
    "dates.py",
    "validate.py",
    "model.py",
    "render.py",
    "rows.py",
    "gfm.py",
    "schema.py",
    "store/check.py",
    "store/snapshot.py",
)


@cache
def tool_fingerprint() -> str:
    digest = hashlib.sha256(__version__.encode())
    package = files("publisher")
    for name in _FINGERPRINTED:
        digest.update(package.joinpath(name).read_bytes())
    digest.update(package.joinpath("schema/article.schema.json").read_bytes())
    return digest.hexdigest()[:16]


# Libraries whose output ends up in published bytes (Markdown, sanitising, templates,
# XML and JSON serialisation): upgrading one must rebuild everything.
_OUTPUT_LIBRARIES = ("cmarkgfm", "nh3", "jinja2", "markupsafe", "lxml", "feedgen", "orjson")


_PACKAGE_FILES = (".py", ".html", ".css", ".json", ".svg", ".ico", ".png", ".js", ".wasm")


@cache
def build_fingerprint() -> str:
    """Every file of the package, the libraries that shape the output and Python itself:
    any change to them changes the output."""
    digest = hashlib.sha256(__version__.encode())
    digest.update(sys.version.encode())
    # The search index's files are SQLite's own format (search_db.py).
    digest.update(f"sqlite={sqlite3.sqlite_version}".encode())
    for library in _OUTPUT_LIBRARIES:
        try:
            digest.update(f"{library}={metadata.version(library)}".encode())
        except metadata.PackageNotFoundError:
            digest.update(f"{library}=?".encode())
    root = Path(str(files("publisher")))
    for path in sorted(root.rglob("*")):
        if path.is_file() and path.suffix in _PACKAGE_FILES:
            digest.update(path.relative_to(root).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def output_identity(dist: Path) -> list[int] | None:
    """Which folder `dist` is (every build swaps in a new one: a new inode) and when its
    entries last changed. Files edited by hand deeper inside are not seen: --force."""
    try:
        st = dist.stat()
    except OSError:
        return None
    return [st.st_dev, st.st_ino, st.st_mtime_ns]


def build_stamp(dist: Path, inputs: str, settings: object) -> dict[str, Any]:
    """What a build of `dist` depended on; equal stamps mean equal output."""
    return {
        "dist": str(dist.absolute()),
        "tool": build_fingerprint(),
        "inputs": inputs,
        "settings": repr(settings),
    }


def up_to_date(folder: Path, stamp: dict[str, Any]) -> bool:
    """Whether the last build recorded for this dist had this stamp, and dist is still the
    folder it produced (a deleted or replaced dist/ is rebuilt)."""
    if os.environ.get("PUBLISHER_NO_CACHE"):
        return False
    try:
        recorded = json.loads((folder / "last-build.json").read_text("utf-8"))
    except (OSError, ValueError):
        return False
    identity = output_identity(Path(stamp["dist"]))
    return bool(identity) and recorded == {**stamp, "identity": identity}


def record_build(folder: Path, stamp: dict[str, Any]) -> None:
    with contextlib.suppress(OSError):
        folder.mkdir(parents=True, exist_ok=True)
        identity = output_identity(Path(stamp["dist"]))
        text = json.dumps({**stamp, "identity": identity}, indent=2)
        (folder / "last-build.json").write_text(text, "utf-8")
