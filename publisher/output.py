"""Atomic output: build into a staging folder beside the target, then swap it in.

A build that fails or is killed leaves the previous output exactly as it was; a stale
staging folder from a killed run is removed by the next one. A lock file beside the
target keeps two builds from writing at once. The trees kept beside the output between
builds (the spare a build starts from), and the removal of those dropped, are trees.py's.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import errno
import fcntl
import os
import shutil
import time
from collections.abc import Callable, Container, Iterator, Sequence
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from .engine.interrupt import deferred
from .problems import UsageError
from .trees import Trees, clean_stale, discard, spare_of
from .write_behind import open_behind

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
    """Files for one build. Paths are relative, POSIX-style, and each may be written once.

    The staging folder may start from an earlier tree (see `staged`): `present` maps the
    generated files already in it to their keys, and `base`/`linkable` name a tree whose
    files with a matching key can be hard-linked in instead of being made again. Files are
    never modified in place (a new file replaces the name), so trees may share inodes.
    """

    def __init__(self, target: Path) -> None:
        self.target = target
        self.root = target.parent / f".{target.name}.staging-{os.getpid()}"
        self.written: set[str] = set()
        self.present: dict[str, str] = {}  # generated files in the tree now -> their keys
        self.base: Path | None = None  # a tree to hard-link unchanged files from
        self.linkable: dict[str, str] = {}  # its generated files -> their keys
        self.keys: dict[str, str] = {}  # what this build's tree holds: path -> key
        # A fresh build also hard-links every file it writes into a twin tree, which
        # becomes the spare: the next build then starts from a complete tree.
        self.twin: Path | None = None
        self._folders: set[str] = set()

    def _folder(self, path: Path | str) -> None:
        folder = os.path.dirname(path)  # noqa: PTH120 - strings: see _claim
        if folder not in self._folders:
            os.makedirs(folder, exist_ok=True)  # noqa: PTH103
            self._folders.add(folder)

    def path(self, relative: str) -> Path:
        return Path(self._claim(relative))

    def _claim(self, relative: str) -> str:
        """Where `relative` goes in the staging folder (its folder made), once per build.
        A plain string: a build writes a file or more per article, and Path objects cost
        more than the writing (a path of plain names is checked without one)."""
        parts = relative.split("/")
        if "" in parts or "." in parts or ".." in parts:  # not a plain path: normalise it
            pure = PurePosixPath(relative)
            if pure.is_absolute() or ".." in pure.parts or not pure.parts:
                raise ValueError(f"refusing to write outside the output folder: {relative!r}")
            path = str(self.root / relative)
        else:
            path = f"{self.root}/{relative}"
        if relative in self.written:
            raise ValueError(f"{relative!r} written twice in one build")
        self.written.add(relative)
        self._folder(path)
        return path

    def write(self, relative: str, data: bytes | str) -> None:
        path = self._claim(relative)
        view = memoryview(data.encode("utf-8") if isinstance(data, str) else data)
        fd = _create(path)
        try:
            while view:  # one write, but for a file larger than the kernel writes at once
                written = os.write(fd, view)
                if written <= 0:
                    raise OSError(f"cannot write {path}")
                view = view[written:]
        finally:
            os.close(fd)
        self._twin(relative, path)

    @contextlib.contextmanager
    def open(self, relative: str) -> Iterator[BinaryIO]:
        """A new file to write, for one too big to hold in memory: written as it is made,
        and flushed to disk and dropped from the page cache as it goes (write_behind)."""
        path = self._claim(relative)
        with open_behind(_create(path)) as handle:
            yield handle
        self._twin(relative, path)

    def rename(self, old: str, new: str) -> None:
        """Give a file written in this build another name (and its twin, if any)."""
        path = self._claim(new)
        os.rename(f"{self.root}/{old}", path)  # noqa: PTH104 - strings: see _claim
        self.written.discard(old)
        if self.twin is not None:
            copy = f"{self.twin}/{new}"
            self._folder(copy)
            os.rename(f"{self.twin}/{old}", copy)  # noqa: PTH104

    def _twin(self, relative: str, path: str) -> None:
        if self.twin is not None:
            copy = f"{self.twin}/{relative}"
            self._folder(copy)
            os.link(path, copy)

    def current(self, relative: str, key: str) -> bool:
        """Record that this build's tree holds `relative` made from `key`; True when the
        file is already there (kept from the earlier tree or hard-linked from the base),
        False when the caller must write it."""
        self.keys[relative] = key
        if self.present.get(relative) == key:
            return True
        if self.base is not None and self.linkable.get(relative) == key:
            path = self.root / relative
            self._folder(path)
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
            try:
                os.link(self.base / relative, path)
            except OSError:
                return False
            self.present[relative] = key
            return True
        return False

    def prune(self) -> int:
        """Remove the generated files of the earlier tree that this build does not hold
        (deleted articles, pages that no longer exist), and folders left empty."""
        stale = [path for path in self.present if path not in self.keys]
        for relative in stale:
            path = self.root / relative
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
            folder = path.parent
            while folder != self.root:
                try:
                    folder.rmdir()
                except OSError:
                    break
                folder = folder.parent
        return len(stale)

    def sweep(self) -> None:
        """Remove what the earlier tree holds at its top level that no build wrote (a file
        added to dist/ by hand, such as a CNAME): a cold build would not have it. (Files
        added deeper inside dist/ are not looked for: --force.)"""
        tops = {path.split("/", 1)[0] for path in self.present} | {"releases"}
        for entry in list(self.root.iterdir()):
            if entry.name not in tops:
                if entry.is_dir() and not entry.is_symlink():
                    shutil.rmtree(entry)
                else:
                    entry.unlink()

    def mirror(self, relative: str, skip: Container[str] = ()) -> None:
        """Make the folder `relative` hold exactly what the current output has there (hard
        links: published files are never modified in place, so sharing inodes is safe),
        except the files named in `skip`, which this build writes anew."""
        source, here = self.target / relative, self.root / relative
        wanted: set[str] = set()
        if source.is_dir():
            for path in sorted(source.rglob("*")):
                name = path.relative_to(self.target).as_posix()
                if not path.is_file() or name in skip:
                    continue
                wanted.add(name)
                destination = self.root / name
                with contextlib.suppress(OSError):
                    if destination.samefile(path):
                        continue
                self._folder(destination)
                with contextlib.suppress(FileNotFoundError):
                    destination.unlink()
                try:
                    os.link(path, destination)
                except OSError:
                    shutil.copy2(path, destination)
        if here.is_dir():  # files of the earlier tree the current output no longer has
            for path in sorted(here.rglob("*"), reverse=True):
                name = path.relative_to(self.root).as_posix()
                if path.is_file() and name not in wanted and name not in skip:
                    path.unlink()
                elif path.is_dir() and not any(path.iterdir()):
                    path.rmdir()

    def keep(self, relative: str, skip: Container[str] = ()) -> None:
        """Carry a file or folder over from the current output unchanged."""
        self.mirror(relative, skip)


def _create(path: str) -> int:
    """A new file, as open(path, "xb") makes it; a file of the earlier tree there is
    replaced by name, never rewritten (trees share inodes)."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC
    try:
        return os.open(path, flags, 0o666)
    except FileExistsError:
        os.unlink(path)  # noqa: PTH108 - a string path
        return os.open(path, flags, 0o666)


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
def locked(
    target: Path, wait: float | None = None, waiting: Callable[[str], None] | None = None
) -> Iterator[None]:
    """Hold an exclusive lock for `target`. A second build waits for the first up to
    `wait` seconds (default $PUBLISHER_LOCK_WAIT, else 30), then exits with a message;
    `waiting` is told at once when it has to wait."""
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
            if waiting is not None:
                waiting(
                    f"waiting for another publish to finish writing {target} "
                    f"(up to {wait:g} s; lock {lock_path})"
                )
                waiting = None  # said once
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
def staged(
    target: Path,
    protect: Sequence[Path] = (),
    trees_folder: Path | None = None,
    force: bool = False,
    waiting: Callable[[str], None] | None = None,
) -> Iterator[Staging]:
    """Build into a Staging and swap it in on success; on any error, drop it.

    With `trees_folder` (the cache folder), the staging folder starts from the spare tree
    (or hard links from the current output) unless `force`; see `Staging.current`."""
    target = target.absolute()
    check_target(target, protect)
    with locked(target, waiting=waiting):
        clean_stale(target)
        staging = Staging(target)
        trees = Trees(trees_folder, target)
        spare = spare_of(target)
        live = None if force else trees.manifest("live", target)
        reused = None if force else trees.manifest("spare", spare)
        if reused is not None and live is not None and _mostly_stale(reused, live):
            reused = None  # a fresh tree of links from the output is cheaper than updating it
        if reused is not None:
            trees.save(live=(target, live) if live is not None else None)  # spare: in use
            spare.rename(staging.root)
            staging.present = dict(reused)
            staging.sweep()
        else:
            if spare.exists():
                trees.save(live=(target, live) if live is not None else None)
                discard(spare, target)
            staging.root.mkdir(parents=True)
            if live is None and trees.file is not None:
                staging.twin = target.parent / f".{target.name}.twin-{os.getpid()}"
                staging.twin.mkdir()
        if live is not None:
            staging.base, staging.linkable = target, live
        try:
            if staging.current(MARKER, MARKER_TEXT) is False:
                staging.write(MARKER, MARKER_TEXT)
            yield staging
            staging.prune()
        except BaseException:
            discard(staging.root, target)
            if staging.twin is not None:
                discard(staging.twin, target)
            raise
        with deferred(completes=True):  # Ctrl-C during the swap: the swap finishes first
            _commit(staging, trees, live)


# Past this share of the output's files differing from the spare tree's (after a build
# that rewrote most files: an upgrade of the tool, a new setting), the next build starts
# from an empty folder of hard links to the output instead of updating the spare: updating
# replaces each of those files, and unlinking the last link of a file frees its blocks
# (an edit after a new title: 56 s at 100,000 articles, against 15 s with fresh links
# while the old spare is deleted in the background).
STALE_SHARE = 0.5
_STRIDE = 64  # judged on every 64th file: comparing all 300,000 keys costs 0.15 s an edit


def _mostly_stale(spare: dict[str, str], live: dict[str, str]) -> bool:
    """Whether more than STALE_SHARE of the output's files differ from the spare's (in
    a sample: a wrong call near the line costs time, never correctness)."""
    sample = list(live)[::_STRIDE]
    stale = sum(1 for path in sample if spare.get(path) != live[path])
    return stale > STALE_SHARE * len(sample)


def _commit(staging: Staging, trees: Trees, live: dict[str, str] | None) -> None:
    """Swap the staging folder in. The old output becomes the spare tree when we know
    what it holds; otherwise it is removed, after the swap, in the background."""
    target, spare = staging.target, spare_of(staging.target)
    # Forget every tree before the swap: killed between the swap and the save below, the
    # next build starts afresh rather than trust a record of a tree that moved.
    trees.save()
    if target.exists() and _exchange(staging.root, target):
        old = staging.root
    else:
        old = target.parent / f".{target.name}.old-{os.getpid()}"
        if target.exists():
            target.rename(old)
        staging.root.rename(target)
    if staging.twin is not None:  # a fresh build: its twin is the spare
        if old.exists():
            discard(old, target)
        if spare.exists():
            discard(spare, target)
        staging.twin.rename(spare)
        trees.save(live=(target, staging.keys), spare=(spare, staging.keys))
        return
    if not old.exists():
        trees.save(live=(target, staging.keys))
        return
    if live is not None and trees.file is not None:
        if spare.exists():
            discard(spare, target)
        old.rename(spare)
        trees.save(live=(target, staging.keys), spare=(spare, live))
        return
    trees.save(live=(target, staging.keys))
    discard(old, target)
