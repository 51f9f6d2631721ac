"""The feeds' images: PNG renderings of the site's icon (templates/favicon.svg), shipped
in templates/ and copied to the site root with the other assets (site.ASSETS).
`scripts/icons.py` remakes them from the SVG; tests/test_feed_polish.py checks that
each file has the size declared here."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Icon:
    name: str  # file name in templates/ and at the site root
    width: int
    height: int


# Atom <icon> and JSON Feed `favicon`: square and small (JSON Feed suggests 64x64).
FAVICON = Icon("feed-icon-64.png", 64, 64)
# RSS <image>: RSS 2.0 allows at most 144 wide and 400 high; square, as readers show it.
IMAGE = Icon("feed-icon-144.png", 144, 144)
# JSON Feed `icon`: 512x512, as the spec recommends.
ICON = Icon("feed-icon-512.png", 512, 512)
# Atom <logo>: RFC 4287 asks for twice as wide as high; the icon on a clear band.
LOGO = Icon("feed-logo.png", 288, 144)
ICONS = (FAVICON, IMAGE, ICON, LOGO)
