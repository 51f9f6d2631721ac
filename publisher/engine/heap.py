"""Keep freed memory for reuse rather than hand it back to the kernel at once (glibc).

A build or a release allocates and frees megabytes per batch: records read from the cache,
chunks of the data files. glibc serves a block over its mmap threshold (128 KB at first,
raised as such blocks are freed) with pages of its own and returns free memory over its trim
threshold at the top of the heap to the kernel, so batch after batch took fresh pages that
the kernel must zero and fault in one by one, system time that grows with every gigabyte
read from the cache. Setting the thresholds fixes them (glibc stops
adjusting them): blocks of up to 32 MB come from the heap, and up to 64 MB of free memory is
kept for the next batch.
"""

from __future__ import annotations

import ctypes
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
        libc = ctypes.CDLL("libc.so.6")  # glibc's name (find_library runs ldconfig)
        return bool(
            libc.mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD)
            and libc.mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD)
        )
    except (OSError, ValueError, AttributeError):  # not glibc, or no such confstr name
        return False
