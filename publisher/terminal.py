"""The command line's progress bar: click's, on stderr, only on a terminal."""

from __future__ import annotations

import sys
from typing import Any, TextIO

import click


class TerminalProgress:
    """A click progress bar per phase on stderr, only when stderr is a terminal and not
    --quiet: logs and CI output stay clean."""

    def __init__(self, enabled: bool, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stderr
        self.enabled = enabled and self.stream.isatty()
        self.bar: Any = None
        self.what = ""
        self.done = 0

    def __call__(self, what: str, done: int, total: int) -> None:
        if not self.enabled:
            return
        if what != self.what:
            self.close()
            self.bar = click.progressbar(length=total, label=what.ljust(10), file=self.stream)
            self.bar.__enter__()
            self.what, self.done = what, 0
        self.bar.update(done - self.done)
        self.done = done

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar, self.what = None, ""

    def __enter__(self) -> TerminalProgress:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
