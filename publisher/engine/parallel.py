"""Run independent parts of a build on every core, in forked processes.

Forking shares the parent's articles without copying or pickling them. Each part returns a
small result (the paths it wrote, say); an exception in any part fails the whole build. A
part never outlives the build: children die with their parent (so a killed build frees the
lock at once) and are killed if another part fails.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import multiprocessing
import os
import pickle
import signal
import traceback
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import Any, Generic, TypeVar

from . import interrupt

T = TypeVar("T")
Part = Callable[[], T]
_PR_SET_PDEATHSIG = 1


def die_with_parent(parent: int | None = None) -> None:
    """Ask the kernel to kill this process when its parent dies (Linux; a no-op elsewhere).
    Also the initializer of worker pools, so a killed build leaves no worker behind.

    `parent` is the pid of the process that forked this one: if it died between the fork
    and this call, the kernel's request came too late, so exit now."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):  # not Linux: children still end with their work
        pass
    if parent is not None and os.getppid() != parent:
        os._exit(1)


def _child(part: Part[Any], write_end: int, parent: int) -> None:
    """Run `part` and send its result; never return into the parent's code."""
    try:
        die_with_parent(parent)
        payload: tuple[Any, ...]
        try:
            payload = ("ok", part())
        except BaseException as exc:
            payload = ("error", exc, traceback.format_exc())
        with os.fdopen(write_end, "wb") as pipe:
            try:
                data = pickle.dumps(payload)
            except Exception:  # an exception that cannot be pickled: send its text
                data = pickle.dumps(("error", RuntimeError(payload[-1]), payload[-1]))
            pipe.write(data)
    finally:
        os._exit(0)


def _decode(data: bytes) -> tuple[Any, ...]:
    """A child's payload. Our own forked child wrote the pipe, so unpickling is safe."""
    if not data:
        return ("error", RuntimeError("a build process died"), "")
    try:
        payload: tuple[Any, ...] = pickle.loads(data)
    except Exception as exc:  # e.g. an exception class that cannot be rebuilt
        return ("error", RuntimeError(f"a build process failed: {exc}"), "")
    return payload


class Started(Generic[T]):
    """A part running in a forked process since `start`: collect its result with
    `result()`; `stop()` kills it if it was not collected (a failed build)."""

    def __init__(self, part: Part[T]) -> None:
        parent = os.getpid()
        read_end, write_end = os.pipe()
        pid = os.fork()
        if pid == 0:  # pragma: no cover - runs in the child
            os.close(read_end)
            _child(part, write_end, parent)
        os.close(write_end)
        self._child: tuple[int, int] | None = (pid, read_end)

    def result(self) -> T:
        assert self._child is not None, "a part's result is collected once"
        pid, read_end = self._child
        # The pipe is closed below whatever happens; interrupted, stop() still kills the
        # process but must not close the pipe's number again (another file may have it).
        self._child = (pid, -1)
        with os.fdopen(read_end, "rb") as pipe:
            data = pipe.read()
        os.waitpid(pid, 0)
        self._child = None
        payload = _decode(data)
        if payload[0] == "error":
            error: BaseException = payload[1]
            error.add_note(f"in a build process:\n{payload[2]}")
            raise error
        result: T = payload[1]
        return result

    def stop(self) -> None:
        if self._child is None:
            return
        pid, read_end = self._child
        self._child = None
        if read_end >= 0:
            with contextlib.suppress(OSError):
                os.close(read_end)
        with contextlib.suppress(ProcessLookupError, ChildProcessError):
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)


@contextlib.contextmanager
def started(part: Part[T]) -> Iterator[Callable[[], T]]:
    """Run `part` in a forked process while the body runs; the body calls what it is
    given for the part's result. Without fork, the part runs when its result is asked."""
    if not hasattr(os, "fork"):
        yield part
        return
    child: Started[T] | None = None
    try:
        with interrupt.deferred():  # a Ctrl-C now is raised once the child is known
            child = Started(part)
        yield child.result
    finally:
        if child is not None:
            child.stop()


def run_parts(parts: Sequence[Part[T]]) -> list[T]:
    """Results of every part, in order; the first part runs in this process."""
    if len(parts) < 2 or not hasattr(os, "fork"):
        return [part() for part in parts]
    with contextlib.ExitStack() as stack:
        results = [stack.enter_context(started(part)) for part in parts[1:]]
        return [parts[0](), *(result() for result in results)]


@contextlib.contextmanager
def process_pool(workers: int) -> Iterator[ProcessPoolExecutor]:
    """A pool of `workers` forked processes that never outlives a failure of the body.

    On success the pool is shut down as usual. On any exception (Ctrl-C's Interrupted, a
    generator closed early) queued work is cancelled first: a plain shutdown would wait
    for every task already queued, and pool.map queues them all."""
    pool = ProcessPoolExecutor(
        workers,
        mp_context=multiprocessing.get_context("fork"),
        initializer=die_with_parent,
        initargs=(os.getpid(),),
    )
    try:
        # The first task starts the workers. A Ctrl-C in the middle of that left
        # half-made multiprocessing objects (tracebacks at exit): held back until done.
        with interrupt.deferred():
            pool.submit(int).result()
        yield pool
    except BaseException:
        # Interrupted, the workers abandon the tasks they hold (interrupt.check). Killing
        # them instead breaks the pool, and Python 3.11's pool thread then fails on the
        # futures that map() cancelled.
        pool.shutdown(wait=True, cancel_futures=True)
        raise
    pool.shutdown(wait=True)
