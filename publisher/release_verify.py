"""Check that published releases are exactly what was published: every version folder against
its SHA256SUMS and releases/index.json, and every datapackage resource against its declared
sha256 hash and size (frictionless does not check those for JSON-array resources)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

from .dataset import Stored
from .problems import Problem
from .release import INDEX, LATEST, RELEASES, SUMS, VERSION_FOLDER
from .versioning import Published

_SUM_LINE = re.compile(r"^([0-9a-f]{64}) [ *](.+)$")


def _read_sums(path: Path) -> tuple[dict[str, str], list[Problem]]:
    """name -> sha256 from a `sha256sum` file, and problems with its lines."""
    sums: dict[str, str] = {}
    problems = []
    for number, line in enumerate(path.read_text("utf-8").split("\n"), 1):
        if not line:
            continue
        match = _SUM_LINE.match(line)
        if match is None:
            problems.append(Problem(str(path), number, SUMS, "not a `sha256sum` line"))
        else:
            sums[match.group(2)] = match.group(1)
    return sums, problems


Hash = Callable[[Path], Stored]  # a file's size and sha256, each file read once per check


def _check_folder(folder: Path, stored: Hash) -> list[Problem]:
    sums_path = folder / SUMS
    if not sums_path.is_file():
        return [Problem(str(sums_path), None, SUMS, "the checksum file is missing")]
    try:
        sums, problems = _read_sums(sums_path)
    except (OSError, UnicodeDecodeError) as exc:
        return [Problem(str(sums_path), None, SUMS, f"cannot read it: {exc}")]
    present = {
        p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file() or p.is_symlink()
    }
    for name, expected in sorted(sums.items()):
        path = folder / name
        if name not in present:
            problems.append(Problem(str(path), None, SUMS, "published file is missing"))
        elif (actual := stored(path).sha256) != expected:
            problems.append(
                Problem(
                    str(path),
                    None,
                    SUMS,
                    f"published file was changed: sha256 is {actual}, SHA256SUMS says {expected}",
                )
            )
    for name in sorted(present - set(sums) - {SUMS}):
        problems.append(
            Problem(str(folder / name), None, SUMS, "extra file, not in the published release")
        )
    return problems


def _check_datapackage(folder: Path, stored: Hash) -> list[Problem]:
    path = folder / "datapackage.json"
    try:
        package: dict[str, Any] = json.loads(path.read_text("utf-8"))
        resources = list(package["resources"])
    except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError) as exc:
        return [Problem(str(path), None, "$", f"cannot read the data package: {exc}")]
    problems = []
    for number, resource in enumerate(resources):
        where = f"$.resources[{number}]"
        data_path = folder / str(resource.get("path"))
        if not data_path.is_file():
            problems.append(Problem(str(path), None, f"{where}.path", f"{data_path} is missing"))
            continue
        data = stored(data_path)
        if resource.get("bytes") != data.size:
            problems.append(
                Problem(
                    str(data_path),
                    None,
                    f"{where}.bytes",
                    f"size is {data.size} bytes, datapackage.json says {resource.get('bytes')}",
                )
            )
        if resource.get("hash") != f"sha256:{data.sha256}":
            problems.append(
                Problem(
                    str(data_path),
                    None,
                    f"{where}.hash",
                    f"sha256 is {data.sha256}, datapackage.json says {resource.get('hash')}",
                )
            )
    return problems


def _check_entry(root: Path, number: int, entry: Published) -> list[Problem]:
    folder = root / f"v{entry.version}"
    index = str(root / INDEX)
    where = f"$.versions[{number}]"
    if not folder.is_dir():
        return [Problem(index, None, where, f"published version folder {folder} is missing")]
    stored = cache(Stored.of_file)
    problems = _check_folder(folder, stored)
    for name, expected, key in (
        ("datapackage.json", entry.datapackage_sha256, "datapackage_sha256"),
        (SUMS, entry.sha256sums_sha256, "sha256sums_sha256"),
    ):
        path = folder / name
        if path.is_file() and (actual := stored(path).sha256) != expected:
            problems.append(
                Problem(
                    str(path),
                    None,
                    f"{where}.{key}",
                    f"sha256 is {actual}, index.json says {expected}",
                )
            )
    problems += _check_datapackage(folder, stored)
    return problems


def verify_releases(dist: Path) -> list[Problem]:
    """Every problem with the published releases under dist/releases; [] when there are none."""
    root = dist / RELEASES
    if not root.is_dir():
        return []
    index_path = root / INDEX
    folders = sorted(p.name for p in root.iterdir() if p.is_dir() and VERSION_FOLDER.match(p.name))
    if not index_path.is_file():
        if folders:
            return [Problem(str(index_path), None, "$", "the release index is missing")]
        return []
    try:
        document = json.loads(index_path.read_text("utf-8"))
        entries = [Published.from_dict(entry) for entry in document["versions"]]
    except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError) as exc:
        return [Problem(str(index_path), None, "$", f"cannot read the release index: {exc}")]
    problems: list[Problem] = []
    for number, entry in enumerate(entries):
        problems += _check_entry(root, number, entry)
    listed = {f"v{entry.version}" for entry in entries}
    for name in folders:
        if name not in listed:
            problems.append(
                Problem(str(root / name), None, "$.versions", "version folder not in index.json")
            )
    if entries:
        latest = max(entries, key=lambda entry: entry.version)
        if document.get("latest") != str(latest.version):
            problems.append(
                Problem(str(index_path), None, "$.latest", f"should be {latest.version}")
            )
        try:
            latest_doc = json.loads((root / LATEST).read_text("utf-8"))
        except (OSError, UnicodeDecodeError, ValueError) as exc:
            latest_doc = {"error": str(exc)}
        if latest_doc != latest.as_dict():
            problems.append(
                Problem(
                    str(root / LATEST),
                    None,
                    "$",
                    f"does not match version {latest.version} in index.json",
                )
            )
    return problems
