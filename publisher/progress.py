"""Progress reporting as a plain callback, so the pipeline never imports a UI library.

`progress(what, done, total)` is called as work advances; the CLI turns it into a progress
bar on a terminal (see cli.py), everything else passes `silent`.
"""

from __future__ import annotations

from collections.abc import Callable

Progress = Callable[[str, int, int], None]


def silent(what: str, done: int, total: int) -> None:
    """The default: report nothing."""
