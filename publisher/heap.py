"""Keep freed memory for reuse rather than hand it back to the kernel at once (glibc).

A build or a release allocates and frees megabytes per batch: records read from the cache,
chunks of the data files. By default glibc returns a freed block of over 128 KB, and free
memory at the top of the heap, to the kernel at once, so the next batch takes fresh pages
that the kernel must zero and fault in one by one: ~0.5 s of system time for every gigabyte
read from the cache at 100,000 articles. Blocks of up to 32 MB then come from the heap, and
up to 64 MB of free memory is kept for the next batch.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os

_M_TRIM_THRESHOLD = -1  # mallopt parameters, from glibc's <malloc.h>
_M_MMAP_THRESHOLD = -3
MMAP_THRESHOLD = 32 << 20  # glibc's ceiling for it on 64-bit systems
TRIM_THRESHOLD = 64 << 20


def keep_freed_memory() -> bool:
    """Tune glibc's allocator as above; whether it took (False without glibc)."""
    try:
        if not os.confstr("CS_GNU_LIBC_VERSION"):
            return False
        libc = ctypes.CDLL(ctypes.util.find_library("c"))
        return bool(
            libc.mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD)
            and libc.mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD)
        )
    except (OSError, ValueError, AttributeError):  # not glibc, or no such confstr name
        return False
