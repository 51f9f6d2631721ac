"""Render a CheckResult as text, JSON or GitHub workflow annotations."""

from __future__ import annotations

import json
from collections.abc import Callable

from .problems import Problem
from .validate import CheckResult

FORMATS = ("text", "json", "github")


def summary(result: CheckResult) -> str:
    noun = "article" if result.checked == 1 else "articles"
    return f"{result.checked} {noun} checked, {result.invalid_files} invalid"


def _location(problem: Problem) -> str:
    return f"{problem.file}:{problem.line}" if problem.line else problem.file


def text(result: CheckResult) -> str:
    # `file:line: path: message` is the shape editors and terminals turn into links.
    lines = [f"{_location(p)}: {p.path}: {p.message}" for p in result.problems]
    return "\n".join([*lines, summary(result)])


def as_json(result: CheckResult) -> str:
    document = {
        "ok": result.ok,
        "checked": result.checked,
        "invalid": result.invalid_files,
        "problems": [p.as_dict() for p in result.problems],
    }
    return json.dumps(document, indent=2, ensure_ascii=False)


def _escape_data(value: str) -> str:
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(value: str) -> str:
    return _escape_data(value).replace(":", "%3A").replace(",", "%2C")


def github(result: CheckResult) -> str:
    """Workflow commands: https://docs.github.com/actions/reference/workflow-commands."""
    lines = []
    for p in result.problems:
        properties = f"file={_escape_property(p.file)}"
        if p.line:
            properties += f",line={p.line}"
        properties += f",title={_escape_property(p.path)}"
        lines.append(f"::error {properties}::{_escape_data(p.message)}")
    return "\n".join([*lines, summary(result)])


REPORTERS: dict[str, Callable[[CheckResult], str]] = {
    "text": text,
    "json": as_json,
    "github": github,
}
