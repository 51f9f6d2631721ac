"""Check records against the schema and turn schema errors into located, actionable problems."""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import marshal
import operator
import os
import re
import unicodedata
from collections.abc import Generator, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson

from .engine import collector, interrupt
from .engine.parallel import process_pool
from .load import Seed, display_name, read_seed, scan_seeds, stray_warnings
from .model import Article, ArticleRef, index_of, make_ref, record_line
from .parse import Parsed, parse
from .problems import Problem, no_such_day, sort_key
from .progress import Progress, silent
from .rows import Item, from_store, packed_row, stored
from .schema import fast_validator, validator
from .store.sqlite import Cache, opened, stat_signatures, storable
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


class ChangedDuringBuild(Exception):
    """A seed was edited between checking it and publishing it."""


@dataclass(frozen=True)
class CheckResult:
    """Everything one run learned: the valid articles and every problem, in report order."""

    checked: int
    articles: tuple[Article, ...]
    problems: tuple[Problem, ...]
    valid_keys: tuple[str, ...] = ()  # the files the articles came from, in check order
    inputs: str = ""  # digest of every seed's path and stat signature: changes with any edit
    entries: tuple[ArticleRef, ...] = ()  # every valid article, by id, without its content
    # Records (their record_line) parsed in this run and not cached (no cache, or a broken one).
    fresh: Mapping[str, bytes] = field(default_factory=dict, compare=False, repr=False)
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
PARALLEL_FROM = 500  # below this many files, starting worker processes costs more than it saves


def check_file(path: Path, root: Path | None = None) -> Verdict:
    """Read, parse and validate one seed file."""
    seed = read_seed(path, root)
    if isinstance(seed, Problem):
        return None, [(seed.line, seed.path, seed.message)]
    parsed = parse(seed)
    if isinstance(parsed, Problem):
        return None, [(parsed.line, parsed.path, parsed.message)]
    problems = check_record(parsed, seed)
    if problems:
        return None, [(p.line, p.path, p.message) for p in problems]
    return parsed.record, []


# A file's verdict as the check passes it on: the ArticleRef fields of its record (None if
# invalid), its problems, its record_line and its packed CSV rows (both to be cached,
# not kept in memory).
Checked = tuple[list[Any] | None, list[tuple[int | None, str, str]], bytes | None, bytes | None]


def _checked(path: Path, root: Path | None, pack: bool = True) -> Checked:
    """The verdict of one file; its CSV rows are packed only if a cache will keep them."""
    record, problems = check_file(path, root)
    if record is None:
        return None, problems, None, None
    line = record_line(record)  # cached as a release publishes it: read back as it is
    index = index_of(record, line)
    row = stored(index[-1], packed_row(record)) if pack else None
    return index, problems, line, row


def _check_chunk(chunk: list[tuple[Path, Path | None, bool]]) -> list[Checked]:
    done = []
    for path, root, pack in chunk:
        interrupt.check()  # a worker stops between seeds when the build is interrupted
        done.append(_checked(path, root, pack))
    return done


def _verdicts(
    paths: Sequence[Path], root: Path | None, progress: Progress = silent, pack: bool = True
) -> Generator[list[tuple[Path, Checked]], None, None]:
    """_checked for every path, on every core when there are many, in batches as they
    complete (so the records can be stored away rather than held)."""
    workers = min(os.cpu_count() or 1, 8)
    if len(paths) < PARALLEL_FROM or workers < 2:
        yield [(path, _checked(path, root, pack)) for path in paths]
        return
    size = max(64, min(1000, len(paths) // (workers * 8)))
    chunks = [list(paths[i : i + size]) for i in range(0, len(paths), size)]
    done = 0
    with process_pool(workers) as pool:
        work = ([(path, root, pack) for path in chunk] for chunk in chunks)
        for chunk, verdicts in zip(chunks, pool.map(_check_chunk, work), strict=True):
            done += len(chunk)
            progress("checking", done, len(paths))
            yield list(zip(chunk, verdicts, strict=True))


def check_paths(
    paths: Sequence[Path | str],
    root: Path | None = None,
    cache_dir: Path | None = None,
    *,
    articles: bool = True,
    progress: Progress = silent,
    signed: tuple[dict[str, str], str] | None = None,
) -> CheckResult:
    """Load, parse and validate every file; collect every problem, including duplicate ids.

    With a cache folder, files whose stat signature is unchanged since the last run reuse
    that run's verdict, so only new and edited files are parsed and validated again. With
    `articles=False` (plain validation) the valid records are not even loaded.
    """
    keys = [str(path) for path in paths]
    signatures, digest = signed or seed_signatures(paths)
    with opened(cache_dir if storable(keys) else None) as store:
        # Per file: the ArticleRef of its record (None if invalid), and its problems as
        # (line, where, message) sequences (only files that have some).
        index: dict[str, ArticleRef | None] = {}
        found: dict[str, Sequence[Sequence[Any]]] = {}
        with collector.paused():  # not around the pool below: its workers fork from here
            outdated, removed = _known_verdicts(store, signatures, index, found)
        absent = signatures.keys() - index.keys()
        todo = [Path(key) for key in keys if key in absent] if absent else []
        # Records parsed now: stored in the cache as they come, held only without one.
        records: dict[str, bytes] = {}
        rows: dict[str, bytes] = {}
        pack = store is not None and not store.broken  # a release packs them otherwise
        # closed at once when interrupted: its pool is killed now, not when freed
        with contextlib.closing(_verdicts(todo, root, progress, pack)) as batches:
            for batch in batches:
                interrupt.check()  # one the pool's forks swallowed
                for path, (value, problems, blob, row) in batch:
                    key = str(path)
                    index[key] = None if value is None else ArticleRef.from_index(value, key)
                    if problems:
                        found[key] = problems
                    if blob is not None:
                        records[key] = blob
                    if row is not None:
                        rows[key] = row
                if store is not None and not store.broken:
                    fresh = [(str(path), checked) for path, checked in batch]
                    store.put_many("seed", ((k, signatures[k], c[:2]) for k, c in fresh))
                    for kind, values in (("record", records), ("row", rows)):
                        store.put_raw(
                            kind, ((k, signatures[k], values[k]) for k, _ in fresh if k in values)
                        )
                    records.clear()
                rows.clear()
        with collector.paused():
            if store is not None:
                _store_verdicts(store, signatures, index, found, outdated, removed)
            result, entries = _assemble(keys, index, found)
            entries.sort(key=operator.attrgetter("id"))
            result = replace(result, inputs=digest, entries=tuple(entries), fresh=records)
    if not articles:
        return result
    loaded = load_articles(result.entries, result.fresh, cache_dir, root)
    return replace(result, articles=tuple(loaded[e.id] for e in result.entries))


# Every seed's verdict in one value, read in one go on every build: marshal (it runs no
# code, and reads 100,000 verdicts several times faster than JSON) of tuples in which
# repeated values (dates, topic lists) are one object, so they are read once. Valid
# seeds come in chronological order, so their Entries are made, and lie in memory, in
# the order the plan walks them (a third faster than in file order).
SNAPSHOT = "snapshot"
SNAPSHOT_FORMAT = 2
BLOB_SLACK = 500  # seeds read from their own rows before that value is written again

# A valid seed in the snapshot: key, signature, then its ArticleRef's fields as index_of
# has them (dates in ISO form, topic lists as tuples).
Row = tuple[
    str,
    str,
    str,
    str,
    str,
    str | None,
    tuple[str, ...],
    tuple[str, ...],
    tuple[str, ...],
    str,
    str,
]


def _known_verdicts(
    store: Cache | None,
    signatures: dict[str, str],
    index: dict[str, ArticleRef | None],
    found: dict[str, Sequence[Sequence[Any]]],
) -> tuple[int, bool]:
    """Fill `index` and `found` with the cached verdicts of the seeds whose signature is
    unchanged. Returns how many seeds the snapshot does not vouch for, and whether it
    names seeds that are gone (then their cache entries are pruned).

    All verdicts are kept as one value, so a build of a large archive reads them with a
    single query; verdicts stored one by one (seeds checked since the snapshot was
    written, or a run killed before it finished) fill in."""
    if store is None:
        return len(signatures), False
    removed = False
    try:
        rows, failed = _read_snapshot(store)
        dates: dict[str, dt.date] = {}
        for row in rows:
            (
                key,
                signature,
                article_id,
                title,
                published,
                updated,
                regions,
                themes,
                reports,
                digest,
                list_digest,
            ) = row
            if signatures.get(key) != signature:
                removed = removed or key not in signatures
                continue
            day = dates.get(published)
            if day is None:
                day = dates[published] = dt.date.fromisoformat(published)
            later = None
            if updated is not None:
                later = dates.get(updated)
                if later is None:
                    later = dates[updated] = dt.date.fromisoformat(updated)
            index[key] = make_ref(
                article_id, title, day, later, regions, themes, reports, digest, key, list_digest
            )
        for key, signature, problems in failed:
            if signatures.get(key) == signature:
                index[key], found[key] = None, problems
            else:
                removed = removed or key not in signatures
    except (TypeError, ValueError, AttributeError):  # not what _snapshot wrote
        index.clear()
        found.clear()
        removed = True  # the rows of seeds that are gone may be anywhere: prune
    missing = {key: signatures[key] for key in signatures.keys() - index.keys()}
    for key, (value, problems) in store.get_many("seed", missing).items() if missing else ():
        index[key] = None if value is None else ArticleRef.from_index(value, key)
        if problems:
            found[key] = problems
    return len(missing), removed


def _read_snapshot(store: Cache) -> tuple[Sequence[Row], Sequence[tuple[str, str, Any]]]:
    """The valid rows and the failed seeds' (key, signature, problems) of the snapshot;
    nothing when there is none or it is not one (ValueError or TypeError on a damaged one)."""
    data = store.get_raw(SNAPSHOT, [""]).get("")
    if data is None:
        return (), ()
    try:
        value = marshal.loads(data)
    except EOFError as exc:
        raise ValueError("truncated snapshot") from exc
    fmt, rows, failed = value
    if fmt != SNAPSHOT_FORMAT:
        raise ValueError(f"snapshot format {fmt!r}")
    return rows, failed


def _store_verdicts(
    store: Cache,
    signatures: dict[str, str],
    index: dict[str, ArticleRef | None],
    found: dict[str, Sequence[Sequence[Any]]],
    outdated: int,
    removed: bool,
) -> None:
    """Rewrite the snapshot (25 MB at 100,000 seeds) only when it lags behind by many (a
    few edited seeds are read from their own rows) or names removed seeds; drop the rows
    of seeds that are gone (some may never have been in the snapshot)."""
    if removed or outdated > min(BLOB_SLACK, len(signatures) // 10):
        store.put_raw(SNAPSHOT, [("", "", _snapshot(signatures, index, found))])
    if removed or store.count("seed") > len(signatures):
        store.prune("seed", signatures)
        store.prune("record", signatures)
        store.prune("row", signatures)


def _snapshot(
    signatures: dict[str, str],
    index: dict[str, ArticleRef | None],
    found: dict[str, Sequence[Sequence[Any]]],
) -> bytes:
    """The snapshot of every seed's verdict (see SNAPSHOT). Equal values are made one
    object first: marshal then writes each once and refers back to it."""
    shared: dict[Any, Any] = {}

    def one(value: Any) -> Any:
        return shared.setdefault(value, value)

    def names(values: tuple[str, ...]) -> tuple[str, ...]:
        found = shared.get(values)
        if found is None:
            found = shared[values] = tuple(map(one, values))
        return found

    def day(value: dt.date | None) -> str | None:
        return None if value is None else one(value.isoformat())

    valid = [entry for entry in index.values() if entry is not None]
    valid.sort(key=operator.attrgetter("id"))
    valid.sort(key=operator.attrgetter("published"))
    rows = tuple(
        (
            e.source,
            signatures[e.source],
            e.id,
            e.title,
            day(e.published),
            day(e.updated),
            names(e.regions),
            names(e.themes),
            names(e.reports),
            e.digest,
            e.list_digest,
        )
        for e in valid
    )
    failed = tuple(
        (key, signatures[key], tuple(map(tuple, found.get(key, ()))))
        for key, entry in index.items()
        if entry is None
    )
    return marshal.dumps((SNAPSHOT_FORMAT, rows, failed))


def seed_signatures(paths: Sequence[Path | str]) -> tuple[dict[str, str], str]:
    """Each seed's stat signature (as the cache keys it), and a digest of them all that
    changes with any edit, addition, removal or rename."""
    signatures = stat_signatures(paths)
    items = sorted(signatures.items())
    try:
        data = orjson.dumps(items)
    except TypeError:  # a file name that is not UTF-8 (lone surrogates)
        data = json.dumps(items).encode()
    digest = hashlib.sha256(data).hexdigest()
    return signatures, digest


def load_articles(
    entries: Iterable[ArticleRef],
    fresh: Mapping[str, bytes],
    cache_dir: Path | None,
    root: Path | None,
) -> dict[str, Article]:
    """The articles of `entries` by id (see record_lines)."""
    wanted = list(entries)
    lines = record_lines(wanted, fresh, cache_dir, root)
    return {
        entry.id: Article.from_record(orjson.loads(line))
        for entry, line in zip(wanted, lines, strict=True)
    }


BATCH = 500  # records read from the cache at a time


def record_lines(
    entries: Sequence[ArticleRef],
    fresh: Mapping[str, bytes],
    cache_dir: Path | None,
    root: Path | None,
) -> Iterator[bytes]:
    """The canonical dataset line (model.record_line) of each entry's record, in the
    order of `entries`: from `fresh` (parsed in this run), else the cache, else parsed
    again (the cache is an optimisation and may have lost them). Read a batch at a time,
    so a release of any size holds only one batch. Each line is checked against its
    entry's digest; raises ChangedDuringBuild when the seed changed since it was checked."""
    with _store(entries, fresh, cache_dir) as store:
        for start in range(0, len(entries), BATCH):
            yield from _lines(entries[start : start + BATCH], fresh, store, root)


def record_rows(
    entries: Sequence[ArticleRef],
    fresh: Mapping[str, bytes],
    cache_dir: Path | None,
    root: Path | None,
) -> Iterator[Item]:
    """What the CSV files need of each entry's record (rows.unpacked), in the order of
    `entries`: its packed row, kept in the cache since its seed was checked, if made from
    this very record and whole (from_store); else its line, as record_lines gives
    it. Read a batch at a time."""
    with _store(entries, fresh, cache_dir) as store:
        for start in range(0, len(entries), BATCH):
            batch = entries[start : start + BATCH]
            wanted = [entry.source for entry in batch if entry.source not in fresh]
            made = store.get_raw("row", wanted) if store and wanted else {}
            good: dict[str, Item] = {}
            for entry in batch:
                value = made.get(entry.source)
                row = None if value is None else from_store(value, entry.digest)
                if row is not None:
                    good[entry.source] = row
            missing = [entry for entry in batch if entry.source not in good]
            lines = _lines(missing, fresh, store, root)
            for entry in batch:
                item = good.get(entry.source)
                yield next(lines) if item is None else item


def _store(
    entries: Sequence[ArticleRef], fresh: Mapping[str, bytes], cache_dir: Path | None
) -> contextlib.AbstractContextManager[Cache | None]:
    """The cache, if any entry's record is to be read from it."""
    reads = any(entry.source not in fresh for entry in entries)
    usable = reads and storable(entry.source for entry in entries)
    return opened(cache_dir if usable else None)


def _lines(
    batch: Sequence[ArticleRef], fresh: Mapping[str, bytes], store: Cache | None, root: Path | None
) -> Iterator[bytes]:
    """record_lines of one batch, read from `store`."""
    wanted = [entry.source for entry in batch if entry.source not in fresh]
    cached = store.get_raw("record", wanted) if store and wanted else {}
    for entry in batch:
        blob = fresh.get(entry.source)
        if blob is None:
            blob = cached.get(entry.source)
        yield _checked_line(entry, blob, root)


def _checked_line(entry: ArticleRef, line: bytes | None, root: Path | None) -> bytes:
    if line is not None and hashlib.sha256(line).hexdigest() == entry.digest:
        return line
    record = check_file(Path(entry.source), root)[0]
    if record is not None:
        line = record_line(record)
        if hashlib.sha256(line).hexdigest() == entry.digest:
            return line
    raise ChangedDuringBuild(f"{entry.source} changed during the build: run publish again")


def _assemble(
    keys: Sequence[str],
    index: dict[str, ArticleRef | None],
    found: dict[str, Sequence[Sequence[Any]]],
) -> tuple[CheckResult, list[ArticleRef]]:
    """Problems in a stable order, and the valid entries (in no particular order: the
    caller sorts them by id); a repeated id is a problem of the later file."""
    if not found:  # every seed valid (an invalid one has problems): the usual case
        valid = [entry for entry in index.values() if entry is not None]
        if len(valid) == len(keys) == len({e.id for e in valid}):
            return CheckResult(len(keys), (), (), tuple(keys)), valid
    problems: list[Problem] = []
    owners: dict[str, str] = {}
    valid_keys: list[str] = []
    valid = []
    for key in keys:
        entry = index[key]
        if found.get(key):
            name = display_name(Path(key))
            problems.extend(Problem(name, line, where, text) for line, where, text in found[key])
        if entry is None:
            continue
        article_id = entry.id
        if article_id in owners:
            problems.append(
                Problem(
                    display_name(Path(key)),
                    None,
                    "$.id",
                    f"id {article_id!r} is already used by "
                    f"{display_name(Path(owners[article_id]))}: "
                    "rename one of the two files (or change its JSON 'id')",
                )
            )
            continue
        owners[article_id] = key
        valid_keys.append(key)
        valid.append(entry)
    problems.sort(key=sort_key)
    return CheckResult(len(keys), (), tuple(problems), tuple(valid_keys)), valid


def check_folder(
    folder: Path,
    cache_dir: Path | None = None,
    *,
    articles: bool = True,
    progress: Progress = silent,
    signed: tuple[dict[str, str], str] | None = None,
) -> CheckResult:
    """check_paths for the seeds in `folder`; `signed` is seed_signatures of them when the
    caller has it already."""
    strays: list[str] = []
    paths = list(signed[0]) if signed else scan_seeds(folder, strays)
    result = check_paths(
        paths, folder, cache_dir, articles=articles, progress=progress, signed=signed
    )
    if strays:
        result = replace(result, warnings=stray_warnings(strays))
    return result
