"""Ctrl-C and SIGTERM: the build process stops cleanly, its workers do not act on their own.

A terminal sends Ctrl-C's SIGINT to every process of the foreground group: the build and
each worker it forked. Left to Python's default, every worker raised KeyboardInterrupt
wherever it was (tracebacks from pool initialisers and forked parts) while the build
process waited for work that would never finish. So the build process installs one
handler before it forks anything, and forked processes inherit it:

- in the build process, the first signal raises `Interrupted`, which unwinds the build
  like any failure (queued work cancelled, staging folder removed, lock released); later
  signals are ignored so that they cannot cut that cleanup short;
- in a forked process the handler does nothing: the build process decides. It raises a
  flag in memory shared with its workers, whose loops call `check()` between articles
  and abandon their task (`Stopped`), so the pools shut down at once; forked parts
  (parallel.started) are killed. A worker whose build process died is killed by the
  kernel (parallel.die_with_parent).

Python runs a signal handler wherever the main thread is, including places that swallow
exceptions (at-fork callbacks, `__del__`). Process starts and the output swap therefore
run `deferred()`; an Interrupted lost anywhere else reaches sys.unraisablehook, which
keeps it, and `check()`, called between pieces of work, raises it again.
"""

from __future__ import annotations

import contextlib
import mmap
import os
import signal
import sys
from collections.abc import Iterator
from types import FrameType
from typing import Any

SIGNALS = (signal.SIGINT, signal.SIGTERM)


class Interrupted(BaseException):
    """The user stopped the run (SIGINT, SIGTERM). A BaseException, like KeyboardInterrupt:
    `except Exception` clauses on the way up must not swallow it."""

    def __init__(self, signum: int, *, completed: bool = False) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum
        self.completed = completed  # came during the swap, which finished: output written

    @property
    def exit_code(self) -> int:
        """128 + the signal number, as a shell reports a process ended by the signal."""
        return 128 + self.signum


class Stopped(Exception):
    """A worker's task abandoned because the build process was interrupted."""


# One byte shared with every process forked after import (anonymous shared mapping).
_flag = mmap.mmap(-1, 1)
_owner: int | None = None  # the pid of the process whose signals raise Interrupted
_deferred: list[int] | None = None  # signals held back during a critical section
_lost: Interrupted | None = None  # raised where Python swallowed it: raised again by check()


def _handler(signum: int, frame: FrameType | None) -> None:
    if os.getpid() != _owner:
        return
    if _deferred is not None:
        _deferred.append(signum)
        return
    _stop_all()
    raise Interrupted(signum)


def _stop_all() -> None:
    for other in SIGNALS:  # from now on the cleanup runs to its end
        signal.signal(other, signal.SIG_IGN)
    _flag[0] = 1  # workers: abandon your tasks


@contextlib.contextmanager
def handled() -> Iterator[None]:
    """Turn SIGINT and SIGTERM into `Interrupted` in this process while the body runs.
    Outside the main thread (where Python cannot set handlers) this does nothing."""
    global _owner
    try:
        # A signal ignored when we started stays ignored (`nohup`, a shell's background job).
        previous = {
            signum: signal.signal(signum, _handler)
            for signum in SIGNALS
            if signal.getsignal(signum) is not signal.SIG_IGN
        }
    except ValueError:  # not the main thread
        yield
        return
    owner, _owner = _owner, os.getpid()
    hook = sys.unraisablehook

    def keep_lost(unraisable: Any) -> None:
        global _lost
        if isinstance(unraisable.exc_value, Interrupted) and os.getpid() == _owner:
            _lost = unraisable.exc_value
        else:
            hook(unraisable)

    sys.unraisablehook = keep_lost
    try:
        yield
    finally:
        _owner = owner
        _flag[0] = 0
        sys.unraisablehook = hook
        for signum, action in previous.items():
            signal.signal(signum, action)


def check() -> None:
    """In a worker: raise Stopped once the build process is interrupted. In the build
    process: raise the Interrupted that Python swallowed since the last call, if any."""
    global _lost
    if os.getpid() != _owner:
        if _flag[0]:
            raise Stopped("the build was interrupted")
        return
    lost, _lost = _lost, None
    if lost is not None:
        raise lost


@contextlib.contextmanager
def deferred(*, completes: bool = False) -> Iterator[None]:
    """Hold signals back while the body runs: starting a process, or the swap of the
    output, must happen whole or not at all. A signal that came meanwhile is raised
    afterwards (as an Interrupted that says the output was written, if `completes`)."""
    global _deferred
    if _deferred is not None:  # nested: the outer section raises
        yield
        return
    held: list[int] = []
    _deferred = held
    try:
        yield
    finally:
        _deferred = None
    if held and os.getpid() == _owner:
        _stop_all()
        raise Interrupted(held[0], completed=completes)
