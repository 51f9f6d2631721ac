"""English month and day names, spelled out here: strftime("%B") follows the locale, and
the output and messages must not."""

from __future__ import annotations

MONTH_NAMES = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip
MONTH_ABBREVIATIONS = tuple(name[:3] for name in MONTH_NAMES)  # RFC 822 dates
DAY_ABBREVIATIONS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")

# Month names as the scraped format writes them (any case), to month numbers.
MONTH_NUMBERS = {
    name: number
    for number, full in enumerate(MONTH_NAMES, start=1)
    for name in {full.lower(), full[:3].lower()} | ({"sept"} if number == 9 else set())
}
