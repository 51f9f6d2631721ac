"""Keep Python's cyclic garbage collector off the large tables a build makes.

A build of a large archive makes millions of small objects that never form cycles (the
seeds' verdicts, an ArticleRef per article, the plan). Each full collection scans all of them,
and allocating them triggers collection after collection: a large share of the CPU time
of a rebuild after one edit of a large archive. While such tables are built the collector is
paused; afterwards they are frozen (moved out of its reach), so later collections, which
the rendering still needs, scan only what came after.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator


@contextlib.contextmanager
def paused() -> Iterator[None]:
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if enabled:
            gc.enable()
