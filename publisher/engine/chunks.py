"""Work shared out between forked processes: chunks of a list mapped in a pool, or parts
balanced by their estimated cost and run side by side."""

from __future__ import annotations

from collections.abc import Callable, Generator, Sequence
from typing import Any, TypeVar

from . import interrupt
from .parallel import process_pool

T = TypeVar("T")
R = TypeVar("R")

# The work of the pool being run: its workers are forked with it, so it need not pickle.
_work: Callable[[Any], Any] | None = None


def _run(chunk: Any) -> Any:
    assert _work is not None
    return _work(chunk)


def map_chunks(
    work: Callable[[list[T]], R], items: Sequence[T], size: int, workers: int
) -> Generator[R, None, None]:
    """work(chunk) for each chunk of `size` items, in order; in a pool of `workers` forked
    processes when there are more (one pool for the whole run: starting one costs more
    than most chunks)."""
    global _work
    chunks = [list(items[i : i + size]) for i in range(0, len(items), size)]
    if workers < 2 or len(chunks) < 2:
        yield from map(work, chunks)
        return
    _work = work
    try:
        with process_pool(workers) as pool:  # fails now, not after the queued chunks
            for result in pool.map(_run, chunks):
                interrupt.check()  # one the pool's forks swallowed
                yield result
    finally:
        _work = None


def share_by_cost(items: Sequence[T], cost: Callable[[T], float], workers: int) -> list[list[T]]:
    """`items` in `workers` shares of about equal total cost (costliest first, each to the
    lightest share so far)."""
    shares: list[list[T]] = [[] for _ in range(workers)]
    loads = [0.0] * workers
    for item in sorted(items, key=lambda i: -cost(i)):
        lightest = loads.index(min(loads))
        loads[lightest] += cost(item)
        shares[lightest].append(item)
    return shares
