"""Render a CheckResult as text, JSON or GitHub workflow annotations."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from .problems import Problem
from .validate import CheckResult

if TYPE_CHECKING:
    from .release import ReleasePlan

REPORT_FORMATS = ("text", "json", "github")


def summary(result: CheckResult) -> str:
    noun = "article" if result.checked == 1 else "articles"
    text = f"{result.checked} {noun} checked, {result.invalid_files} invalid"
    if result.release_problems:
        damaged = result.damaged_files
        text += f"; {damaged} release file{'' if damaged == 1 else 's'} damaged"
    return text


def release_report(plan: ReleasePlan, dist: Path, *, dry_run: bool) -> list[str]:
    """What `publish release` says: the version, why that step, the counts; with
    `dry_run`, what it would release, change by change."""
    counts = ", ".join(f"{n} {op}" for op, n in plan.summary.items())
    what = "first release"
    if plan.previous is not None:
        what = f"{plan.bump} since {plan.previous.version}: {plan.reason}"
    if not dry_run:
        return [f"released {plan.version} ({what}): {counts}; wrote {dist / plan.folder}"]
    lines = [f"would release {plan.version} ({what}): {counts}"]
    lines += [f"  {change.op:<8} {change.id}  {change.title}" for change in plan.changes]
    return lines


# What to do about a damaged published release (README: "A damaged release").
RECOVER = (
    "a published release never changes, and publish does not rewrite one: restore the "
    "damaged files from where the release was published, a backup or version control "
    "(e.g. git checkout -- dist/releases), then run publish --validate"
)


def printable(text: str) -> str:
    """`text` with the undecodable bytes of file names (which Python keeps as lone
    surrogates, and no UTF-8 stream accepts) shown as \\xNN escapes."""
    try:
        return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    except UnicodeEncodeError:  # a surrogate that stands for no byte
        return text.encode("utf-8", "backslashreplace").decode("utf-8")


def _location(problem: Problem) -> str:
    return f"{problem.file}:{problem.line}" if problem.line else problem.file


def warning_line(problem: Problem) -> str:
    return f"{_location(problem)}: warning: {problem.message}"


def text(result: CheckResult) -> str:
    # `file:line: path: message` is the shape editors and terminals turn into links.
    lines = [warning_line(p) for p in result.warnings]
    lines += [f"{_location(p)}: {p.path}: {p.message}" for p in result.reported]
    if result.release_problems:
        lines.append(f"to repair the release: {RECOVER}")
    return printable("\n".join([*lines, summary(result)]))


def as_json(result: CheckResult) -> str:
    document = {
        "ok": result.ok,
        "checked": result.checked,
        "invalid": result.invalid_files,
        "damaged_release_files": result.damaged_files,
        "problems": [p.as_dict() for p in result.reported],
        "warnings": [p.as_dict() for p in result.warnings],
    }
    return printable(json.dumps(document, indent=2, ensure_ascii=False))


def _escape_data(value: str) -> str:
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(value: str) -> str:
    return _escape_data(value).replace(":", "%3A").replace(",", "%2C")


def github(result: CheckResult) -> str:
    """Workflow commands: https://docs.github.com/actions/reference/workflow-commands."""
    lines = [
        f"::warning file={_escape_property(p.file)}::{_escape_data(p.message)}"
        for p in result.warnings
    ]
    for p in result.reported:
        properties = f"file={_escape_property(p.file)}"
        if p.line:
            properties += f",line={p.line}"
        properties += f",title={_escape_property(p.path)}"
        lines.append(f"::error {properties}::{_escape_data(p.message)}")
    return printable("\n".join([*lines, summary(result)]))


REPORTERS: dict[str, Callable[[CheckResult], str]] = {
    "text": text,
    "json": as_json,
    "github": github,
}
