"""Check records against the schema and turn schema errors into located, actionable problems."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .load import Seed, read_seed
from .model import Article, ArticleRef
from .parse import Parsed, parse
from .problems import Problem, no_such_day
from .schema import fast_validator, validator
from .topics import slugify

if TYPE_CHECKING:
    from jsonschema import ValidationError

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
    valid_keys: tuple[str, ...] = ()  # the files the articles came from, in check order
    inputs: str = ""  # digest of every seed's path and stat signature: changes with any edit
    entries: tuple[ArticleRef, ...] = ()  # every valid article, by id, without its content
    # Problems with published release files (--validate): counted apart from the seeds.
    release_problems: tuple[Problem, ...] = ()
    # What is worth saying but fails nothing (a stray file in the seeds folder).
    warnings: tuple[Problem, ...] = ()

    @property
    def invalid_files(self) -> int:
        """Seed files with a problem."""
        return len({problem.file for problem in self.problems})

    @property
    def damaged_files(self) -> int:
        """Published release files with a problem."""
        return len({problem.file for problem in self.release_problems})

    @property
    def reported(self) -> tuple[Problem, ...]:
        """Every problem, seeds first."""
        return (*self.problems, *self.release_problems)

    @property
    def ok(self) -> bool:
        return not self.problems and not self.release_problems


def json_path(path: Iterable[Any]) -> str:
    text = "$"
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else f".{part}"
    return text


def _bad_character(value: str) -> str:
    for char in value:
        code = ord(char)
        if 0xFDD0 <= code <= 0xFDEF or code & 0xFFFE == 0xFFFE:
            return f"U+{code:04X} (a Unicode noncharacter, which XML and HTML refuse)"
        if unicodedata.category(char) in ("Cc", "Cf") and char not in "\t\n":
            name = unicodedata.name(char, "control character")
            return f"U+{code:04X} ({name.lower()})"
    return "a character that is not allowed"


def explain(error: ValidationError, kind: str) -> tuple[str, str] | None:
    """(field the problem belongs to, message that says what to fix) for one schema error,
    or None when another error about the same value says it better."""
    path = list(error.absolute_path)
    field = str(path[0]) if path else ""
    label, how = FIELD_HELP.get(field, (f"field {field!r}", "see schema/article.schema.json"))
    json_hint = f"set {field!r} in the JSON object" if kind == "json" else how
    about = _About(error, kind, field, label, json_hint)
    value: Any = error.instance
    match error.validator:
        case "required":
            return _required(about)
        case "additionalProperties":
            return _additional(about)
        case "format":
            return _format(about)
        case "pattern":
            return _pattern(about)
        case "minItems" | "minLength":
            return field, f"{label} is empty: {json_hint}"
        case "minimum" | "maximum":
            return field, f"{label} {value!r} is out of range (1900-2100): {json_hint}"
        case "uniqueItems":
            return field, f"{label} lists a name twice: remove the repeat"
        case _:
            return field, f"{label}: {error.message}"


@dataclass(frozen=True)
class _About:
    """One schema error, and what explain made of its path: the helpers' argument."""

    error: ValidationError
    kind: str  # the seed's kind: "json", or the scraped format
    field: str  # the top-level field the error is about ("" for the record itself)
    label: str  # what that field is (FIELD_HELP)
    json_hint: str  # how to supply it in this kind of seed

    @property
    def value(self) -> Any:
        return self.error.instance


def _required(about: _About) -> tuple[str, str]:
    required: list[str] = list(about.error.validator_value)  # type: ignore[arg-type]
    # One error per missing property; its message starts with that property's repr.
    missing = next(name for name in required if about.error.message.startswith(repr(name)))
    label, how = FIELD_HELP.get(missing, (missing, ""))
    hint = f"add {missing!r} to the JSON object" if about.kind == "json" else how
    return missing, f"{label} is missing: {hint}"


def _additional(about: _About) -> tuple[str, str]:
    extra = sorted(set(about.value) - set(FIELD_HELP))
    known = ", ".join(FIELD_HELP)
    return extra[0] if extra else "", (
        f"unknown field(s) {', '.join(map(repr, extra))}: remove them or fix the "
        f"spelling (known fields: {known})"
    )


def _format(about: _About) -> tuple[str, str] | None:
    field, label, value, json_hint = about.field, about.label, about.value, about.json_hint
    if about.error.validator_value == "date":
        if not re.fullmatch(r"(19|20)\d{2}-\d{2}-\d{2}", value):
            return None  # the pattern error says how to write it
        why = no_such_day(value) or "no such day"
        fix = json_hint if about.kind == "json" else "correct the day or month on that line"
        return field, f"{label} {value!r} is not a real date ({why}): {fix}"
    return field, f"{label} {value!r} is not a valid {about.error.validator_value}: {json_hint}"


def _pattern(about: _About) -> tuple[str, str]:
    field, label, value, json_hint = about.field, about.label, about.value, about.json_hint
    rule: Any = about.error.validator_value
    if field == "id":
        return _bad_id(about)
    if rule == "\\S":
        return field, f"{label} is blank: {json_hint}"
    if rule == LIST_ITEM_PATTERN:
        return field, (
            f"{label}: {value!r} contains ';', which separates list items in the CSV "
            "dataset release: write it without ';' (use ',' or '/' instead)"
        )
    if not isinstance(value, str):
        return field, f"{label}: {about.error.message}"
    if str(rule).startswith("^(?:19|20)"):
        return field, (
            f"{label} {value!r} must be a date from 1900 to 2099 written as YYYY-MM-DD: {json_hint}"
        )
    if field == "original_source_url":
        return field, f"{label} {value!r} must start with http:// or https://"
    bad = _bad_character(value)
    return field, f"{label} contains {bad}: remove it or replace it with a visible character"


def _bad_id(about: _About) -> tuple[str, str]:
    value = about.value
    suggestion = slugify(str(value))
    fix = (
        f"set 'id' to e.g. {suggestion!r}"
        if about.kind == "json"
        else f"rename the file, e.g. to '{suggestion}.txt'"
    )
    return about.field, (
        f"id {value!r} is not allowed (lowercase letters, digits, '-' and '_', "
        f"at most 80 characters): {fix}"
    )


def _leaf_errors(error: ValidationError) -> Iterable[ValidationError]:
    """anyOf/allOf wrap the error that says what is wrong; report that one."""
    if error.context:
        best = [e for e in error.context if e.validator != "type"] or list(error.context)
        for child in best:
            yield from _leaf_errors(child)
    else:
        yield error


def check_record(parsed: Parsed, seed: Seed) -> list[Problem]:
    try:
        if fast_validator().is_valid(parsed.record):
            return []
    except ValueError:  # (UnicodeError too) the reference validator below decides
        pass
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
    if not problems:  # the validators disagree: fail closed, never publish it
        message = "does not match schema/article.schema.json: check every field against it"
        return [Problem(seed.name, None, "$", message)]
    return list(problems.values())


def check_seed(seed: Seed) -> tuple[Article | None, list[Problem]]:
    parsed = parse(seed)
    if isinstance(parsed, Problem):
        return None, [parsed]
    problems = check_record(parsed, seed)
    if problems:
        return None, problems
    return Article.from_record(parsed.record), []


# (record or None, problems as (line, path, message)): one file's verdict, as cached.
Verdict = tuple[dict[str, Any] | None, list[tuple[int | None, str, str]]]


@dataclass(frozen=True)
class Examined:
    """One seed file as the check sees it: its record as parsed (None when it could not be
    read or parsed) and every problem with it."""

    record: dict[str, Any] | None
    problems: list[Problem]


def examine(path: Path, root: Path | None = None) -> Examined:
    """Read, parse and validate one seed file: the check of every seed (check_file) and
    of `publish inspect`."""
    seed = read_seed(path, root)
    if isinstance(seed, Problem):
        return Examined(None, [seed])
    parsed = parse(seed)
    if isinstance(parsed, Problem):
        return Examined(None, [parsed])
    return Examined(parsed.record, check_record(parsed, seed))


def check_file(path: Path, root: Path | None = None) -> Verdict:
    """One seed file's verdict: its record if valid, its problems."""
    found = examine(path, root)
    if found.problems:
        return None, [(p.line, p.path, p.message) for p in found.problems]
    return found.record, []
