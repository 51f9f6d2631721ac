"""The releases page: every published dataset version, read from the staging folder's
releases/ (carried over, or just cut): made by every build, so it has no key."""

from __future__ import annotations

from collections.abc import Iterator

from ..site import RELEASES_PAGE
from .base import Files, Makers, Output
from .layout import Layout


def outputs(layout: Layout) -> Iterator[Output]:
    main = layout.main

    def make(makers: Makers) -> Files:
        return [makers.site.releases(main, makers.root)]

    yield Output((RELEASES_PAGE,), "", (), "", make, 0.1)
