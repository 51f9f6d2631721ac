"""The knobs that decide how the work is done, never what it makes.

One object, passed in by the pipeline: a test that wants every pass in one process says
`Tuning(workers=1)` instead of patching module globals. Any value gives byte-identical
output (tests/test_determinism.py builds with two tunings and compares); the defaults are
what the benchmark (benchmarks/README.md) measured best on a 2-4 core machine.
"""

from __future__ import annotations

import os
from dataclasses import dataclass


@dataclass(frozen=True)
class Tuning:
    # Processes: None = as many as there are cores, up to each pass's cap below; 1 = every
    # pass in this process (no fork at all, a release's data files one after the other).
    workers: int | None = None
    check_workers: int = 8  # checking seeds is CPU-bound and scales to many cores
    build_workers: int = 2  # rendering is bound by writing files beyond two
    check_parallel_from: int = 500  # seeds: below this, starting workers costs more
    article_chunk: int = 250  # articles per task of the article pass
    documents_parallel_from: float = 400.0  # estimated cost (~ article pages) for 2 processes
    record_batch: int = 500  # records read from the cache at a time
    data_batch: int = 500  # records per chunk of a release data file (a few MB)
    snapshot_slack: int = 500  # seeds read one by one before the snapshot is rewritten

    def processes(self, cap: int) -> int:
        """How many processes a pass whose useful maximum is `cap` may use."""
        available = self.workers if self.workers is not None else os.cpu_count() or 1
        return max(1, min(cap, available))

    @property
    def forks(self) -> bool:
        """Whether a release's data files, and the outputs planned ahead of the rest (the
        search indexes: produce.ahead), may be made in processes of their own (not with
        workers=1, nor without fork); whatever the cores: the data files are I/O-bound, and
        the indexes start during the plan, which is one process's work anyway."""
        return self.workers != 1 and hasattr(os, "fork")


DEFAULT = Tuning()
