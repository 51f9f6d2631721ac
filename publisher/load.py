"""Find seed files in a stable order and decode them; failures come back as values."""

from __future__ import annotations

import os
import re
import shlex
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from .problems import Problem, UsageError

SEED_SUFFIXES = (".txt", ".json")
_ORDER_PREFIX = re.compile(r"^\d+_")

SeedKind = Literal["txt", "json"]


@dataclass(frozen=True)
class Seed:
    """A decoded seed file. `name` is the path as shown to people (relative where possible)."""

    name: str
    kind: SeedKind
    text: str

    @property
    def default_id(self) -> str:
        """The id minted from the file name: the stem without an optional `NNN_` ordering prefix."""
        # Path(self.name).stem, without building a Path (a few microseconds per seed).
        name = os.path.basename(self.name)  # noqa: PTH119
        if not name or name == ".":  # "dir/", "dir/.": where Path ignores the last part
            name = Path(self.name).name
        dot = name.rfind(".")
        stem = name[:dot] if 0 < dot < len(name) - 1 else name
        return _ORDER_PREFIX.sub("", stem, count=1)


def display_name(path: Path) -> str:
    """Relative to the current folder when below it, so messages match what the user typed."""
    if not path.is_absolute():
        return str(path)
    try:
        return str(path.absolute().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def find_seeds(folder: Path) -> list[Path]:
    """Seed files directly in `folder`, sorted by name so every run sees the same order."""
    return [Path(path) for path in scan_seeds(folder)]


def scan_seeds(folder: Path, strays: list[str] | None = None) -> list[str]:
    """find_seeds as plain strings: an archive of 100,000 seeds is scanned on every build,
    and making a Path per file costs more than the scan. Other files that are not hidden
    (an article saved as .md or .html, say) are added to `strays`, if given."""
    if not folder.is_dir():
        raise UsageError(
            f"seeds folder {display_name(folder)!r} does not exist: "
            "create it or point --seeds at the folder that holds the articles"
        )
    # scandir: the file type without a stat per file, and each path joined in C. Sorting
    # the paths sorts the names (one folder).
    with os.scandir(folder) as entries:
        paths = []
        for entry in entries:
            name = entry.name
            # "x.txt" is one without a closer look (nearly every seed).
            if ((name.endswith(".txt") and name[0] != ".") or is_seed_name(name)) and (
                not entry.is_dir()
            ):
                paths.append(entry.path)
            elif strays is not None and name[0] != "." and entry.is_file():
                strays.append(entry.path)
        paths.sort()
        if strays:
            strays.sort()
    if not paths:
        raise UsageError(
            f"no seed files (*.txt, *.json) in {display_name(folder)!r}: "
            "add articles or point --seeds at the folder that holds them"
        )
    return paths


def stray_warnings(strays: list[str]) -> tuple[Problem, ...]:
    """A warning for each file in the seeds folder that is not read as a seed."""
    return tuple(
        Problem(
            display_name(Path(path)),
            None,
            "$",
            "is not read: only *.txt (the scraped format) and *.json files are articles; "
            "rename it if it is one, or move it out of the seeds folder",
        )
        for path in strays
    )


def is_seed_name(name: str) -> bool:
    """Whether os.path.splitext(name)[1].lower() is a seed suffix: the same answer (a name
    of dots and a suffix, like '.txt', has no suffix), at less cost."""
    stem, dot, suffix = name.rpartition(".")
    return bool(dot) and "." + suffix.lower() in SEED_SUFFIXES and bool(stem.strip("."))


def read_seed(path: Path, root: Path | None = None) -> Seed | Problem:
    """Read and decode one seed: UTF-8 (a byte-order mark is allowed), any line ends.

    A seed under `root` that is a symbolic link leading outside it is refused, so a
    content repository cannot publish files from elsewhere on the build machine.
    """
    name = display_name(path)
    if root is not None and path.is_symlink():
        target = path.resolve()
        if not target.is_relative_to(root.resolve()):
            return Problem(
                name,
                None,
                "$",
                f"is a symbolic link to {str(target)!r}, outside the seeds folder: "
                "copy the article into the seeds folder instead",
            )
    try:
        data = path.read_bytes()
    except OSError as exc:
        return Problem(name, None, "$", f"cannot be read ({exc.strerror}): check the file exists")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        start = data.rfind(b"\n", 0, exc.start) + 1
        column = len(data[start : exc.start].decode("utf-8", "replace")) + 1
        return Problem(
            name,
            line,
            "$",
            f"is not valid UTF-8 (byte 0x{data[exc.start]:02x} at line {line}, column {column}):"
            " re-save the file as UTF-8, or convert it, e.g. from Latin-1: "
            f"iconv -f latin1 -t utf-8 {shlex.quote(name)} > converted.txt",
        )
    if not text.strip():
        return Problem(name, None, "$", "is empty: write the article in it or delete the file")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    kind: SeedKind = "json" if path.suffix.lower() == ".json" else "txt"
    return Seed(name, kind, text)
