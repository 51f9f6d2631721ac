"""The site's static files (stylesheet, icons), copied from templates/."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from ..site import ASSETS, asset
from .base import Files, Makers, Output
from .layout import Layout


def outputs(layout: Layout) -> Iterator[Output]:
    for name in ASSETS:
        # Its bytes are a file of the package, which the salt covers.
        yield Output((name,), layout.key("asset", name), (), "", _make(name), 0.1)


def _make(name: str) -> Callable[[Makers], Files]:
    return lambda makers: [(name, asset(name))]
