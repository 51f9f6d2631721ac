"""Check records against the schema and turn schema errors into located, actionable problems."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jsonschema import ValidationError

from .load import Seed, find_seeds, read_seed
from .model import Article
from .parse import Parsed, parse
from .problems import Problem, sort_key
from .schema import fast_validator, validator
from .topics import slugify

# The schema's pattern for list items (authors, holders, topics): ';' joins them in the CSV.
LIST_ITEM_PATTERN = "^[^;]*$"

# What each field is, and how to supply it in the scraped format / in a JSON seed.
FIELD_HELP: dict[str, tuple[str, str]] = {
    "id": ("the article id", "rename the file (lowercase letters, digits, '-' and '_')"),
    "title": ("the title", "start the file with a '# Title' line"),
    "subtitle": ("the subtitle", "put it in the paragraph after the title"),
    "authors": ("the byline", "add a 'By [Author](#)' line under the title"),
    "publisher": (
        "the publisher",
        "write it on the date line: 'Global Research, September 07, 2013'",
    ),
    "published": (
        "the publication date",
        "add a date line under the byline: 'Global Research, September 07, 2013'",
    ),
    "updated": ("the correction date", "give an ISO date such as 2013-09-08"),
    "source_name": ("the source line", "write it as '[Outlet](#)' under the date line"),
    "source_date": (
        "the source date",
        "write it after the source link: '[RT](#) September 06, 2013'",
    ),
    "regions": ("the regions", "list them on a 'Region: [A](#), [B](#)' line"),
    "themes": ("the themes", "list them on a 'Theme: [A](#), [B](#)' line"),
    "reports": ("the in-depth reports", "list them on an 'In-depth Report: [A](#)' line"),
    "lead": ("the lead", "write it as italic paragraphs '*...*' before the body"),
    "body": ("the article body", "add the article text between the header and the attribution"),
    "original_source": (
        "the original-source attribution",
        "add 'The original source of this article is [Outlet](#)' after the body",
    ),
    "original_source_url": ("the original-source URL", "give an absolute http(s) URL"),
    "copyright_holders": (
        "the copyright line",
        "add 'Copyright © [Holder](#), 2013' after the original-source line",
    ),
    "copyright_year": (
        "the copyright year",
        "end the copyright line with the year: 'Copyright © [Holder](#), 2013'",
    ),
    "copyright_notice": ("the copyright notice", "copy the 'Copyright © ...' line as printed"),
    "disclaimer": (
        "the fair-use disclaimer",
        "add the '**Disclaimer:** ...' paragraph after the '---' footer, as in the bundled seed",
    ),
    "contact": ("the media contact", "add 'For media inquiries: ...' after the disclaimer"),
}


@dataclass(frozen=True)
class CheckResult:
    """Everything one run learned: the valid articles and every problem, in report order."""

    checked: int
    articles: tuple[Article, ...]
    problems: tuple[Problem, ...]

    @property
    def invalid_files(self) -> int:
        return len({problem.file for problem in self.problems})

    @property
    def ok(self) -> bool:
        return not self.problems


def json_path(path: Iterable[Any]) -> str:
    text = "$"
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else f".{part}"
    return text


def _bad_character(value: str) -> str:
    for char in value:
        if unicodedata.category(char) in ("Cc", "Cf") and char not in "\t\n":
            name = unicodedata.name(char, "control character")
            return f"U+{ord(char):04X} ({name.lower()})"
    return "a character that is not allowed"


def explain(error: ValidationError, kind: str) -> tuple[str, str] | None:
    """(field the problem belongs to, message that says what to fix) for one schema error,
    or None when another error about the same value says it better."""
    path = list(error.absolute_path)
    field = str(path[0]) if path else ""
    label, how = FIELD_HELP.get(field, (f"field {field!r}", "see schema/article.schema.json"))
    json_hint = f"set {field!r} in the JSON object" if kind == "json" else how
    value: Any = error.instance
    rule: Any = error.validator_value
    match error.validator:
        case "required":
            required: list[str] = list(error.validator_value)  # type: ignore[arg-type]
            # One error per missing property; its message starts with that property's repr.
            missing = next(name for name in required if error.message.startswith(repr(name)))
            label, how = FIELD_HELP.get(missing, (missing, ""))
            hint = f"add {missing!r} to the JSON object" if kind == "json" else how
            return missing, f"{label} is missing: {hint}"
        case "additionalProperties":
            extra = sorted(set(value) - set(FIELD_HELP))
            known = ", ".join(FIELD_HELP)
            return extra[0] if extra else "", (
                f"unknown field(s) {', '.join(map(repr, extra))}: remove them or fix the "
                f"spelling (known fields: {known})"
            )
        case "format":
            if error.validator_value == "date":
                if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
                    return None  # the pattern error says how to write it
                return field, f"{label} {value!r} is not a real calendar date: {json_hint}"
            return field, f"{label} {value!r} is not a valid {error.validator_value}: {json_hint}"
        case "pattern" if field == "id":
            suggestion = slugify(str(value))
            fix = (
                f"set 'id' to e.g. {suggestion!r}"
                if kind == "json"
                else f"rename the file, e.g. to '{suggestion}.txt'"
            )
            return field, (
                f"id {value!r} is not allowed (lowercase letters, digits, '-' and '_', "
                f"at most 80 characters): {fix}"
            )
        case "pattern" if error.validator_value == "\\S":
            return field, f"{label} is blank: {json_hint}"
        case "pattern" if error.validator_value == LIST_ITEM_PATTERN:
            return field, (
                f"{label}: {value!r} contains ';', which separates list items in the CSV "
                "dataset release: write it without ';' (use ',' or '/' instead)"
            )
        case "pattern" if isinstance(value, str) and str(rule).startswith("^[0-9]{4}"):
            return field, f"{label} {value!r} must be written as YYYY-MM-DD: {json_hint}"
        case "pattern" if isinstance(value, str) and field == "original_source_url":
            return field, f"{label} {value!r} must start with http:// or https://"
        case "pattern" if isinstance(value, str):
            bad = _bad_character(value)
            return (
                field,
                f"{label} contains {bad}: remove it or replace it with a visible character",
            )
        case "minItems" | "minLength":
            return field, f"{label} is empty: {json_hint}"
        case "minimum" | "maximum":
            return field, f"{label} {value!r} is out of range (1900-2100): {json_hint}"
        case "uniqueItems":
            return field, f"{label} lists a name twice: remove the repeat"
        case _:
            return field, f"{label}: {error.message}"


def _leaf_errors(error: ValidationError) -> Iterable[ValidationError]:
    """anyOf/allOf wrap the error that says what is wrong; report that one."""
    if error.context:
        best = [e for e in error.context if e.validator != "type"] or list(error.context)
        for child in best:
            yield from _leaf_errors(child)
    else:
        yield error


def check_record(parsed: Parsed, seed: Seed) -> list[Problem]:
    if fast_validator().is_valid(parsed.record):
        return []
    problems: dict[tuple[str, str], Problem] = {}
    for error in validator().iter_errors(parsed.record):
        for leaf in _leaf_errors(error):
            explained = explain(leaf, seed.kind)
            if explained is None:
                continue
            field, message = explained
            path = json_path(leaf.absolute_path) if leaf.validator != "required" else f"$.{field}"
            line = parsed.lines.get(field)
            problems.setdefault((path, message), Problem(seed.name, line, path, message))
    return list(problems.values())


def check_seed(seed: Seed) -> tuple[Article | None, list[Problem]]:
    parsed = parse(seed)
    if isinstance(parsed, Problem):
        return None, [parsed]
    problems = check_record(parsed, seed)
    if problems:
        return None, problems
    return Article.from_record(parsed.record), []


def check_paths(paths: Sequence[Path], root: Path | None = None) -> CheckResult:
    """Load, parse and validate every file; collect every problem, including duplicate ids."""
    articles: list[Article] = []
    problems: list[Problem] = []
    owners: dict[str, str] = {}
    for path in paths:
        seed = read_seed(path, root)
        if isinstance(seed, Problem):
            problems.append(seed)
            continue
        article, found = check_seed(seed)
        problems.extend(found)
        if article is None:
            continue
        if article.id in owners:
            problems.append(
                Problem(
                    seed.name,
                    None,
                    "$.id",
                    f"id {article.id!r} is already used by {owners[article.id]}: "
                    "rename one of the two files (or change its JSON 'id')",
                )
            )
            continue
        owners[article.id] = seed.name
        articles.append(article)
    articles.sort(key=lambda a: a.id)
    return CheckResult(len(paths), tuple(articles), tuple(sorted(problems, key=sort_key)))


def check_folder(folder: Path) -> CheckResult:
    return check_paths(find_seeds(folder), root=folder)
