"""Atomic output: build into a staging folder beside the target, then swap it in.

A build that fails or is killed leaves the previous output exactly as it was; a stale
staging folder from a killed run is removed by the next one. A lock file beside the
target keeps two builds from writing at once.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import errno
import fcntl
import glob
import os
import shutil
import time
from collections.abc import Container, Iterator, Sequence
from pathlib import Path, PurePosixPath

from .problems import UsageError

_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _exchange(a: Path, b: Path) -> bool:
    """Atomically swap two paths with renameat2(RENAME_EXCHANGE) where Linux offers it."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    result = renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    return bool(result == 0)


class Staging:
    """Files for one build. Paths are relative, POSIX-style, and each may be written once."""

    def __init__(self, target: Path) -> None:
        self.target = target
        self.root = target.parent / f".{target.name}.staging-{os.getpid()}"
        self.written: set[str] = set()

    def path(self, relative: str) -> Path:
        parts = PurePosixPath(relative)
        if parts.is_absolute() or ".." in parts.parts or not parts.parts:
            raise ValueError(f"refusing to write outside the output folder: {relative!r}")
        if relative in self.written:
            raise ValueError(f"{relative!r} written twice in one build")
        self.written.add(relative)
        path = self.root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        return path

    def write(self, relative: str, data: bytes | str) -> None:
        payload = data.encode("utf-8") if isinstance(data, str) else data
        self.path(relative).write_bytes(payload)

    def keep(self, relative: str, skip: Container[str] = ()) -> None:
        """Carry a file or folder over from the current output unchanged (hard links:
        published files are never modified in place, so sharing inodes is safe), except
        the files named in `skip`, which this build writes anew."""
        source = self.target / relative
        if relative in skip or not source.exists():
            return
        if source.is_dir():
            for path in sorted(source.rglob("*")):
                if path.is_file():
                    self.keep(path.relative_to(self.target).as_posix(), skip)
            return
        destination = self.path(relative)
        try:
            os.link(source, destination)
        except OSError:
            shutil.copy2(source, destination)

    def commit(self) -> None:
        """Swap the staging folder in. The old output is removed only after the swap."""
        trash = self.target.parent / f".{self.target.name}.trash-{os.getpid()}"
        if self.target.exists() and _exchange(self.root, self.target):
            self.root.rename(trash)
            remove_in_background(trash)
            return
        old = self.target.parent / f".{self.target.name}.old-{os.getpid()}"
        if self.target.exists():
            self.target.rename(old)
        self.root.rename(self.target)
        if old.exists():
            old.rename(trash)
            remove_in_background(trash)


def remove_in_background(path: Path) -> None:
    """Delete a folder without making the build wait (deleting many small files is slow on
    some file systems). A detached grandchild does it, holding no file of ours open, so it
    never keeps the build lock; a leftover is removed by the next build."""
    if not hasattr(os, "fork") or os.environ.get("PUBLISHER_SYNC_CLEANUP", "0") not in ("", "0"):
        shutil.rmtree(path, ignore_errors=True)
        return
    pid = os.fork()
    if pid:
        os.waitpid(pid, 0)
        return
    try:  # pragma: no cover - runs in the detached process
        os.setsid()
        if os.fork() == 0:
            os.closerange(3, 1 << 16)
            with contextlib.suppress(OSError):  # rm: a small process, not a copy of ours
                os.execvp("rm", ["rm", "-rf", "--", str(path)])
            shutil.rmtree(path, ignore_errors=True)
    finally:
        os._exit(0)


def _clean_stale(target: Path) -> None:
    name = glob.escape(target.name)
    for pattern in (".staging-*", ".trash-*"):
        for path in target.parent.glob(f".{name}{pattern}"):
            shutil.rmtree(path, ignore_errors=True)
    for path in target.parent.glob(f".{name}.old-*"):
        if target.exists():
            shutil.rmtree(path, ignore_errors=True)
        else:  # killed between the two renames of the fallback swap: restore
            path.rename(target)


MARKER = ".publisher-output"
MARKER_TEXT = "Written by publish. This folder is replaced as a whole by every build.\n"


def check_target(target: Path, protect: Sequence[Path] = ()) -> None:
    """Refuse an output folder whose replacement would destroy something that is not ours:
    the file system root, the current folder or one above it, a folder holding (or being)
    the seeds or the settings, or any non-empty folder that a build did not write."""
    resolved = target.resolve()
    guarded = [Path.cwd().resolve(), *(p.resolve() for p in protect)]
    if resolved == Path(resolved.anchor) or any(
        resolved == path or resolved in path.parents for path in guarded
    ):
        raise UsageError(
            f"refusing to write the output into {target}: it holds the current folder, the "
            "seeds or the settings, and a build replaces the whole folder; choose another --dist"
        )
    if target.exists() and not target.is_dir():
        raise UsageError(f"{target} is a file, not a folder: choose another --dist")
    if target.is_dir() and not (target / MARKER).is_file() and any(target.iterdir()):
        raise UsageError(
            f"refusing to replace {target}: it is not empty and was not written by publish "
            f"(no {MARKER} in it); a build replaces the whole folder, so choose an empty or "
            "new --dist, or delete the folder first"
        )


@contextlib.contextmanager
def locked(target: Path, wait: float | None = None) -> Iterator[None]:
    """Hold an exclusive lock for `target`. A second build waits for the first up to
    `wait` seconds (default $PUBLISHER_LOCK_WAIT, else 30), then exits with a message."""
    if wait is None:
        wait = float(os.environ.get("PUBLISHER_LOCK_WAIT", "30"))
    target.parent.mkdir(parents=True, exist_ok=True)
    lock_path = target.parent / f".{target.name}.lock"
    deadline = time.monotonic() + wait
    with lock_path.open("a") as handle:
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError as exc:
                if exc.errno not in (errno.EAGAIN, errno.EACCES):
                    raise
            if time.monotonic() >= deadline:
                raise UsageError(
                    f"another publish is writing {target} (lock {lock_path}): "
                    "wait for it to finish and run again"
                ) from None
            time.sleep(0.1)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@contextlib.contextmanager
def staged(target: Path, protect: Sequence[Path] = ()) -> Iterator[Staging]:
    """Build into a Staging and swap it in on success; on any error, drop it."""
    target = target.absolute()
    check_target(target, protect)
    with locked(target):
        _clean_stale(target)
        staging = Staging(target)
        staging.root.mkdir(parents=True)
        staging.write(MARKER, MARKER_TEXT)
        try:
            yield staging
        except BaseException:
            shutil.rmtree(staging.root, ignore_errors=True)
            raise
        staging.commit()
