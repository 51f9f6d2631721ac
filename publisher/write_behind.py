"""A file written once and not read back soon (a release's data files: gigabytes at
100,000 articles), pushed to disk and dropped from the page cache as it is written.

Why: a buffered write of 1.7 GB fills 1.7 GB of new page-cache pages, evicting what the
build reads (its cache, the seeds) and, on a virtual machine that hands free memory back
to its host (virtio-balloon free page reporting), paying a host fault for every new page:
6.3 s of kernel time for 1.7 GB on the CI machine, against 0.75 s when each 32 MB is
flushed and its pages dropped, so the next 32 MB reuses them (benchmarks/HISTORY.md, "Where
the kernel time went"). The flush also makes a published file durable before the build's swap
names it.
"""

from __future__ import annotations

import io
import os
from typing import BinaryIO, cast

STEP = 32 << 20  # bytes between flushes: enough for the disk to write in large requests

_sync = getattr(os, "fdatasync", os.fsync)  # macOS has no fdatasync


class _DropBehind(io.FileIO):
    """A raw file that, every STEP bytes and when closed, waits for what it wrote to reach
    the disk and then tells the kernel those pages will not be read again."""

    def __init__(self, fd: int) -> None:
        super().__init__(fd, "wb", closefd=True)
        self._written = 0
        self._dropped = 0

    def write(self, data: bytes | bytearray | memoryview) -> int:  # type: ignore[override]
        count = super().write(data) or 0
        self._written += count
        if self._written - self._dropped >= STEP:
            self._drop()
        return count

    def close(self) -> None:
        if not self.closed and self._written > self._dropped:
            self._drop()
        super().close()

    def _drop(self) -> None:
        fd = self.fileno()
        _sync(fd)
        if hasattr(os, "posix_fadvise"):  # Linux; elsewhere the pages stay cached
            os.posix_fadvise(
                fd, self._dropped, self._written - self._dropped, os.POSIX_FADV_DONTNEED
            )
        self._dropped = self._written


def open_behind(fd: int) -> BinaryIO:
    """A buffered binary file on `fd` (a new file, opened for writing) that is flushed to
    disk and dropped from the page cache as it goes; closing it closes `fd`."""
    return cast(BinaryIO, io.BufferedWriter(_DropBehind(fd), buffer_size=1 << 20))
