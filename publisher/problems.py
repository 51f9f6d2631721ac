"""Problems found in input: plain values collected into results, rendered by a reporter."""

from __future__ import annotations

import calendar
from dataclasses import dataclass

from .dates import MONTH_NAMES


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one seed file, located as precisely as the format allows."""

    file: str
    line: int | None
    path: str
    message: str

    def as_dict(self) -> dict[str, object]:
        return {"file": self.file, "line": self.line, "path": self.path, "message": self.message}


class UsageError(Exception):
    """A problem with how the tool was called or configured (exit code 2), not with content."""


class ReleaseError(Exception):
    """A release that must not be cut (nothing changed, a refused version): exit 1."""


def no_such_day(iso: str) -> str | None:
    """Why `iso` (YYYY-MM-DD in form) is not a date, for people: 'February 2014 has 28
    days'; None if it is one. English names: messages must not depend on the locale."""
    year, month, day = (int(part) for part in iso.split("-"))
    if not 1 <= month <= 12:
        return f"there is no month {month}"
    last = calendar.monthrange(year, month)[1]
    if not 1 <= day <= last:
        return f"{MONTH_NAMES[month - 1]} {year} has {last} days"
    return None


def sort_key(problem: Problem) -> tuple[str, int, str, str]:
    """Report order: by file, then line (unlocated problems first), then path."""
    return (problem.file, problem.line or 0, problem.path, problem.message)
