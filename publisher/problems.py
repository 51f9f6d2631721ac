"""Problems found in input: plain values collected into results, rendered by a reporter."""

from __future__ import annotations

from dataclasses import dataclass


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


def sort_key(problem: Problem) -> tuple[str, int, str, str]:
    """Report order: by file, then line (unlocated problems first), then path."""
    return (problem.file, problem.line or 0, problem.path, problem.message)
