"""Turn a seed into a plain article record (a dict following schema/article.schema.json).

The parser is lenient: it records what it finds, with the line each field came from, and
leaves out what it cannot find. Deciding what is missing or malformed is the schema's job,
so every problem in a file is reported in one run with one wording.

A scraped article (Markdown) is parsed here, paragraph by paragraph, with the text helpers
of markdown_text.py; a JSON seed is read by json_seed.py.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from .dates import MONTH_NUMBERS
from .json_seed import read_json
from .load import Seed
from .markdown_text import blocks_of, drop_dead_links, split_list, to_text
from .problems import Problem
from .schema import normalise

Record = dict[str, Any]


def _date_pattern(suffix: str) -> str:
    month = rf"(?P<month{suffix}>[A-Za-z]{{3,9}})\.?"
    day = rf"(?P<day{suffix}>\d{{1,2}})(?:st|nd|rd|th)?"
    year = rf"(?P<year{suffix}>\d{{4}})"
    return rf"{month}\s+{day},?\s+{year}" if suffix == "" else rf"{day}\s+{month},?\s+{year}"


# "September 07, 2013", "July 8, 2019", "October 07 2018", "July 18th, 2023", "6 September 2013"
DATE = f"(?:{_date_pattern('')}|{_date_pattern('2')})"
_DATE_ONLY = re.compile(rf"^{DATE}$")
_DATE_LINE = re.compile(rf"^(?:(?P<publisher>[^,]+?),\s*)?(?P<date>{DATE})$")
_SOURCE_LINE = re.compile(r"^(?P<link>\[[^\]]+\]\([^)\s]*\))\s*[,\-\u2013\u2014]?\s*(?P<date>.*)$")
_TERMS_LINE = re.compile(
    r"^(?P<kind>Regions?|Themes?|In-depth Reports?)\s*:\s*(?P<terms>.*)$", re.I
)
_TERM_FIELDS = {"region": "regions", "theme": "themes", "in-depth report": "reports"}
_BY_LINE = re.compile(r"^By\s+(?P<authors>\S.*)$")
_TITLE = re.compile(r"^#\s+(?P<title>.+?)(?:\s+#+)?\s*$")
_ORIGINAL = re.compile(r"^The original source of this article is\s*(?P<source>.*)$", re.I)
_COPYRIGHT = re.compile(r"^Copyright\s*(?:©|\(c\)|&copy;)\s*(?P<rest>.*)$", re.I)
# The only first characters those two can match: under re.I, 't' and 'c' match nothing
# else (unlike 'i', 'k' or 's'). A startswith() test rules most lines out without a regex.
_ORIGINAL_INITIALS = ("T", "t")
_COPYRIGHT_INITIALS = ("C", "c")
_DISCLAIMER = re.compile(r"^(?:\*\*)?Disclaimer:?(?:\*\*)?:?\s*(?P<text>.*)$", re.I)
_CONTACT = re.compile(r"^For media inquiries:\s*(?P<contact>.*)$", re.I)
_FOOTER_RULE = re.compile(r"^\s*(?:-{3,}|_{3,})\s*$")
_SEPARATOR = re.compile(r"^\s*(?:\*\s*){3,}$")
_COMMA = re.compile(r"\s*,\s*")
_YEAR = re.compile(r"\d{4}")
_BREAKS = re.compile(r"\n{3,}")
# Promotional boilerplate that newer articles open with: phrases matched (lower case) in a
# paragraph's plain text; substring tests are far faster than one case-insensitive regex.
PROMOTIONAL = (
    "articles can be read in",
    "daily newsletter",
    "follow us on instagram",
    "follow us on twitter",
    "follow us on telegram",
    "click the share button",
    "share buttons above",
    "share button above",
    "subscribe to our telegram",
    "feel free to repost and share widely",
    "referral drive",
    "become a member of global research",
    "global research is a reader-funded",
    "support global research",
    "note to readers",
)


@dataclass(frozen=True)
class Parsed:
    """A record plus, for each top-level field, the line of the seed it came from."""

    record: Record
    lines: dict[str, int] = field(default_factory=dict)


def iso_date(match: re.Match[str]) -> str | None:
    """ISO form of a matched DATE; calendar checking is left to the schema's format check."""
    groups = match.groupdict()
    month = MONTH_NUMBERS.get((groups.get("month") or groups.get("month2") or "").lower())
    day = groups.get("day") or groups.get("day2")
    year = groups.get("year") or groups.get("year2")
    if month is None or day is None or year is None:
        return None
    return f"{int(year):04d}-{month:02d}-{int(day):02d}"


def _is_italic(paragraph: str) -> bool:
    """`*text*` or `_text_`, with no other mark of the same kind inside."""
    text = paragraph.strip()
    mark = text[:1]
    return (
        mark in ("*", "_")
        and len(text) > 2
        and text[-1] == mark
        and text[1] != mark
        and text.find(mark, 1, -1) == -1
    )


# The footer (disclaimer, media contact) is the same in nearly every article, and its
# long lines are the priciest to_text() calls: remembered, bounded.
_footer_text = lru_cache(maxsize=64)(to_text)


def _mentions_promotion(plain: str) -> bool:
    text = plain.lower()
    return any(map(text.__contains__, PROMOTIONAL))


@lru_cache(maxsize=256)
def _header_paragraph(paragraph: str) -> tuple[str, bool]:
    """to_text() of a header paragraph and whether it is promotional, remembered: the
    promotional paragraphs and topic lines of the header recur from article to article."""
    plain = to_text(paragraph)
    return plain, _mentions_promotion(plain)


def _is_disclaimer(line: str) -> bool:
    # Only the start is lowered: lower() of a whole long non-ASCII line is slow.
    # ('*' is unchanged by lower() and no character lowers to one, so the order is free.)
    start = line.lstrip("*")[:10].lower()
    return start.startswith("disclaimer") and bool(_DISCLAIMER.match(line))


def _is_separator(paragraph: str) -> bool:
    return "\n" not in paragraph and bool(_SEPARATOR.match(paragraph))


class _ScrapedParser:
    """One pass over the paragraphs of one scraped article.

    A paragraph is an index into `starts` (its first line's number) and `texts`.
    """

    def __init__(self, seed: Seed) -> None:
        self.starts, self.texts = blocks_of(seed.text)
        self.record: Record = {"id": seed.default_id}
        self.lines: dict[str, int] = {}
        self.promotional: dict[int, bool] = {}  # by paragraph: header, lead and body all ask

    def put(self, name: str, value: Any, line: int) -> None:
        self.record[name] = value
        self.lines[name] = line

    def _is_promotional(self, index: int) -> bool:
        known = self.promotional.get(index)
        if known is None:
            known = self.promotional[index] = _mentions_promotion(to_text(self.texts[index]))
        return known

    def parse(self) -> Parsed:
        index = self._title(0)
        index = self._header(index)
        index = self._lead(index)
        end = self._attribution(index)
        self._body(index, end)
        self._footer(end)
        return Parsed(self.record, self.lines)

    def _title(self, index: int) -> int:
        if index < len(self.texts):
            lines = self.texts[index].split("\n")
            match = _TITLE.match(lines[0])
            if match:
                line = self.starts[index]
                self.put("title", to_text(match["title"]), line)
                if len(lines) > 1:
                    self.put("subtitle", to_text(" ".join(lines[1:])), line + 1)
                return index + 1
        return index

    def _header(self, index: int) -> int:
        """Subtitle, byline, date line, source line and topic lines, in any grouping."""
        seen_byline = seen_date = False
        while index < len(self.texts):
            text = self.texts[index]
            plain_text, promotional = _header_paragraph(text)
            self.promotional[index] = promotional
            if promotional:
                index += 1
                continue
            start = self.starts[index]
            if "\n" not in text:  # one line, whose plain text is the paragraph's
                kinds = [self._header_line(text, start, seen_date, plain_text)]
            else:
                kinds = [
                    self._header_line(line, start + offset, seen_date)
                    for offset, line in enumerate(text.split("\n"))
                ]
            if None in kinds:
                before_byline = not (seen_byline or seen_date)
                plain = not (_is_italic(text) or _is_separator(text))
                if before_byline and plain and "subtitle" not in self.record:
                    self.put("subtitle", plain_text, start)
                    index += 1
                    continue
                if before_byline and plain and "title" not in self.record and index < 3:
                    # A title written without '# ' (reported as a missing title): keep
                    # looking for the byline so that is the only problem reported.
                    index += 1
                    continue
                break
            seen_byline = seen_byline or "byline" in kinds
            seen_date = seen_date or "date" in kinds
            index += 1
        return index

    def _header_line(
        self, line: str, number: int, seen_date: bool, plain: str | None = None
    ) -> str | None:
        """What kind of header line `line` is, after recording its fields; `plain` is
        to_text(line) when the caller has it already."""
        text = line.strip()
        match = _BY_LINE.match(text)
        if match and not seen_date and "authors" not in self.record:
            self.put("authors", split_list(match["authors"]), number)
            return "byline"
        match = _DATE_LINE.match(to_text(text) if plain is None else plain)
        if match and "published" not in self.record:
            if match["publisher"]:
                self.put("publisher", match["publisher"].strip(), number)
            self.put("published", iso_date(match), number)
            return "date"
        match = _TERMS_LINE.match(text)
        if match:
            kind = match["kind"].lower().rstrip("s")
            self.put(_TERM_FIELDS[kind], split_list(match["terms"]), number)
            return "terms"
        match = _SOURCE_LINE.match(text)
        if match and seen_date and "source_name" not in self.record:
            date = _DATE_ONLY.match(to_text(match["date"]))
            if match["date"] and not date:
                return None
            self.put("source_name", to_text(match["link"]), number)
            if date:
                self.put("source_date", iso_date(date), number)
            return "source"
        return None

    def _lead(self, index: int) -> int:
        """The leading run of fully italic paragraphs, skipping promotional ones around it."""
        paragraphs: list[str] = []
        first_line = 0
        while index < len(self.texts):
            text = self.texts[index]
            if self._is_promotional(index) or (_is_separator(text) and not paragraphs):
                index += 1
                continue
            if not _is_italic(text):
                break
            first_line = first_line or self.starts[index]
            paragraphs.append(drop_dead_links(text.strip()[1:-1].strip()))
            index += 1
        if paragraphs:
            self.put("lead", "\n\n".join(paragraphs), first_line)
        return index

    def _attribution(self, start: int) -> int:
        """Find the attribution lines after the body; return where the body ends."""
        end = self._body_end(start)
        for index in range(end, len(self.texts)):
            for number, line in enumerate(self.texts[index].split("\n"), self.starts[index]):
                text = line.strip()
                if (
                    text.startswith(_ORIGINAL_INITIALS)
                    and (match := _ORIGINAL.match(text))
                    and "original_source" not in self.record
                ):
                    source = to_text(match["source"]).rstrip(".")
                    if source:
                        self.put("original_source", source, number)
                elif (
                    text.startswith(_COPYRIGHT_INITIALS)
                    and (match := _COPYRIGHT.match(text))
                    and "copyright_holders" not in self.record
                ):
                    self._copyright(text, match["rest"], number)
        return end

    def _body_end(self, start: int) -> int:
        """The body ends at the original-source line, else the copyright line, else the footer.

        A `---` inside the body is a thematic break, so only the last one before the
        disclaimer counts as the footer rule.
        """
        texts = self.texts
        for pattern, initials in (
            (_ORIGINAL, _ORIGINAL_INITIALS),
            (_COPYRIGHT, _COPYRIGHT_INITIALS),
        ):
            for index in range(start, len(texts)):
                # lstrip() stays in the first line, which is never blank
                if texts[index].lstrip().startswith(initials) and pattern.match(
                    texts[index].partition("\n")[0].strip()
                ):
                    return index
        firsts = [text.partition("\n")[0].strip() for text in texts[start:]]
        disclaimer = next(
            (i for i, first in enumerate(firsts, start) if _is_disclaimer(first)),
            len(self.texts),
        )
        rules = [i for i in range(start, disclaimer) if _FOOTER_RULE.match(firsts[i - start])]
        return rules[-1] if rules else disclaimer

    def _copyright(self, line: str, rest: str, number: int) -> None:
        # Holders are split on commas only: "Physicians for Peace and Justice" is one holder.
        names = split_list(rest, _COMMA)
        if names and _YEAR.fullmatch(names[-1]):
            self.put("copyright_year", int(names.pop()), number)
        self.put("copyright_holders", names, number)
        self.put("copyright_notice", to_text(line), number)

    def _body(self, start: int, end: int) -> None:
        # Promotional lines and separators left dangling at either end are not content.
        while start < end and self._is_filler(start):
            start += 1
        while start < end and self._is_filler(end - 1):
            end -= 1
        if start < end:
            body = drop_dead_links("\n\n".join(self.texts[start:end]))
            self.put("body", body, self.starts[start])

    def _is_filler(self, index: int) -> bool:
        return self._is_promotional(index) or _is_separator(self.texts[index])

    def _footer(self, start: int) -> None:
        """The disclaimer paragraph(s) up to the media contact line, and the contact."""
        lines: list[str] = []  # "" marks a paragraph break
        first_line = 0
        for index in range(start, len(self.texts)):
            for number, raw in enumerate(self.texts[index].split("\n"), self.starts[index]):
                line = raw.strip()
                if match := _CONTACT.match(line):
                    self.put("contact", _footer_text(match["contact"]), number)
                    self._put_disclaimer(lines, first_line)
                    return
                if not first_line:
                    if not _is_disclaimer(line):
                        continue
                    first_line = number
                    line = _DISCLAIMER.match(line)["text"]  # type: ignore[index]
                lines.append(_footer_text(line))
            if first_line:
                lines.append("")
        self._put_disclaimer(lines, first_line)

    def _put_disclaimer(self, lines: list[str], first_line: int) -> None:
        text = "\n".join(lines)
        if "\n\n\n" in text:  # a pattern with no literal start is tried at every position
            text = _BREAKS.sub("\n\n", text)
        text = text.strip()
        if text:
            self.put("disclaimer", text, first_line)


def parse_scraped(seed: Seed) -> Parsed:
    return _ScrapedParser(seed).parse()


def parse(seed: Seed) -> Parsed | Problem:
    """Any seed to a record in schema field order, with optional fields filled in."""
    if seed.kind == "json":
        read = read_json(seed)
        if isinstance(read, Problem):
            return read
        parsed = Parsed(*read)
    else:
        parsed = parse_scraped(seed)
    return Parsed(normalise(parsed.record), parsed.lines)
