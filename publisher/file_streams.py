"""Write files from streams of chunks, side by side, each hashed as it is written: the data
files of a release, made from one stream of records (itertools.tee), so that they hold no
more than a batch of it between them. A file may come as shards (Sharded), counted only
once they are all written, then named.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Generator, Iterable, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import TYPE_CHECKING, BinaryIO, Protocol

from .dataset import Stored, Tally

if TYPE_CHECKING:
    from .output import Staging

Written = dict[str, Stored]  # file name -> size and hash


class Folder(Protocol):
    """The version folder being written: a new file by name (relative, POSIX-style), and
    a file written renamed (a shard of the Parquet table, once the shards are counted)."""

    def open(self, name: str, /) -> AbstractContextManager[BinaryIO]: ...

    def rename(self, old: str, new: str, /) -> None: ...


@dataclass(frozen=True)
class Sharded:
    """A file that may come as several: at each step, (shard, bytes) parts, the shards
    numbered 0, 1, ... in order; and the name of shard k of n."""

    chunks: Iterable[list[tuple[int, bytes]]]
    name: Callable[[int, int], str]


@dataclass(frozen=True)
class StagedFolder:
    """The Folder `name` of a build's staging folder."""

    staging: Staging
    name: str

    def open(self, name: str) -> AbstractContextManager[BinaryIO]:
        return self.staging.open(f"{self.name}/{name}")

    def rename(self, old: str, new: str) -> None:
        self.staging.rename(f"{self.name}/{old}", f"{self.name}/{new}")


def write_together(folder: Folder, files: Mapping[str, Iterable[bytes] | Sharded]) -> Written:
    """Write files a chunk of each in turn, each chunk hashed as it goes. Files made from
    one stream of records (itertools.tee) so hold no more than a batch of it between them."""
    written: Written = {}
    pending = [
        _sharded(folder, chunks) if isinstance(chunks, Sharded) else _file(folder, name, chunks)
        for name, chunks in files.items()
    ]
    try:
        while pending:
            for writing in list(pending):
                try:
                    next(writing)
                except StopIteration as done:
                    written.update(done.value)
                    pending.remove(writing)
    finally:
        for writing in pending:  # failed: close the files still open
            writing.close()
    return written


def _file(folder: Folder, name: str, chunks: Iterable[bytes]) -> Generator[None, None, Written]:
    """Write a chunk of the file at each step; the file's size and hash at the end."""
    tally = Tally()
    with folder.open(name) as out:
        for chunk in tally.through(chunks):
            out.write(chunk)
            yield
    return {name: tally.stored()}


def _sharded(folder: Folder, file: Sharded) -> Generator[None, None, Written]:
    """_file for a Sharded file. Shard k is written as if it were the last (name(k, k + 1))
    and, once the shards are counted, renamed if it was not."""
    written: Written = {}
    tally = Tally()
    with contextlib.ExitStack() as stack:
        shard, out = 0, stack.enter_context(folder.open(file.name(0, 1)))
        for parts in file.chunks:
            for number, chunk in parts:
                if number != shard:
                    stack.close()
                    written[file.name(shard, shard + 1)] = tally.stored()
                    shard, tally = number, Tally()
                    out = stack.enter_context(folder.open(file.name(shard, shard + 1)))
                out.write(chunk)
                tally.add(chunk)
            yield
    written[file.name(shard, shard + 1)] = tally.stored()
    shards = shard + 1
    final: Written = {}
    for number, (name, stored) in enumerate(written.items()):
        final[file.name(number, shards)] = stored
        if name != file.name(number, shards):
            folder.rename(name, file.name(number, shards))
    return final
