"""The Markdown of a scraped article read as text: its paragraphs, its links, the plain
text of a line and lists of names. What parse.py builds an article record from.

This module shapes records, so it is part of the seed cache's fingerprint
(fingerprint._FINGERPRINTED).
"""

from __future__ import annotations

import itertools
import re

# [text](url) or ![alt](url), optionally with a title; url may be empty or '#'.
LINK = re.compile(r"(?P<bang>!?)\[(?P<text>[^\]]*)\]\((?P<url>[^)\s]*)(?:\s+\"[^\"]*\")?\)")
# LINK without the optional '!': a pattern that starts with a literal character lets the
# regex engine jump to each '[' instead of trying every position, far faster on a long
# paragraph. `text` is its only group, for split(). See split_links.
_BRACKET_LINK = re.compile(r"\[(?P<text>[^\]]*)\]\([^)\s]*(?:\s+\"[^\"]*\")?\)")
_DEAD_LINK = re.compile(r"\[([^\]\[]*)\]\(#?\)")
_DEAD_IMAGE = re.compile(r"!\[([^\]\[]*)\]\(#?\)")
NAME_SEPARATOR = re.compile(r"\s*(?:,|;|&|\band\b)\s*")


def blocks_of(text: str) -> tuple[list[int], list[str]]:
    """The paragraphs (runs of non-blank lines): the 1-based line each starts on, and its text.

    Plain lists rather than an object per paragraph, which cost more than the split.
    """
    starts: list[int] = []
    texts: list[str] = []
    current: list[str] = []
    for number, line in enumerate(text.split("\n"), start=1):
        if line.strip():
            if not current:
                starts.append(number)
            current.append(line)
        elif current:
            texts.append("\n".join(current))  # one line: the line itself, no copy
            current = []
    if current:
        texts.append("\n".join(current))
    return starts, texts


def drop_dead_links(markdown: str) -> str:
    """`[text](#)` becomes `text`, `![alt](#)` becomes `alt`; links with a real target stay."""
    # Two patterns that start with a literal character: much faster than one with `!?`.
    # split() leaves each match's one group between the pieces, so joining them is
    # sub(r"\1") without a Python call per match (and a join of one piece is no copy).
    return "".join(_DEAD_LINK.split("".join(_DEAD_IMAGE.split(markdown))))


def split_links(markdown: str) -> list[str]:
    """Text between links and link texts, in turn: what a LINK.split() keeping only the
    `text` group would give, from the faster _BRACKET_LINK.

    A LINK match starts at a '!' just before a _BRACKET_LINK match, which is never the end
    of the match before (a ')'), so dropping that '!' from the text before gives the same.
    """
    pieces = _BRACKET_LINK.split(markdown)
    if "![" in markdown:
        for index in range(0, len(pieces) - 1, 2):
            if pieces[index].endswith("!"):
                pieces[index] = pieces[index][:-1]
    return pieces


def to_text(markdown: str) -> str:
    """One line of plain text: links reduced to their text, bold markers dropped, spaces folded."""
    text = markdown
    if "](" in text:
        text = "".join(split_links(text))
    if "**" in text or "__" in text:
        text = text.replace("**", "").replace("__", "")
    # Fold spaces, skipping the split when there is nothing to fold (the usual case):
    # printable text holds no whitespace but the ASCII space.
    if text.isprintable() and "  " not in text and text[:1] != " " and text[-1:] != " ":
        return text
    return " ".join(text.split())


def split_list(markdown: str, separator: re.Pattern[str] = NAME_SEPARATOR) -> list[str]:
    """Split `A, B and C` / `A, B, and C` / `[A](#) and [B](#)` into names.

    Link texts are masked first so a name like `[Physicians for Peace and Justice](#)`
    is never split on its own `and`.
    """
    mask = _mask_for(markdown)
    pieces = split_links(markdown)
    if mask is None:  # no character left to mask with: link texts are split too
        parts = separator.split("".join(pieces))
    else:
        texts = iter(pieces[1::2])
        parts = []
        for part in separator.split(mask.join(pieces[0::2])):  # each link masked as one char
            if part == mask:  # one whole link, the usual name
                part = next(texts)
            elif mask in part:
                first, *rest = part.split(mask)
                part = first + "".join(next(texts) + segment for segment in rest)
            parts.append(part)
    names: list[str] = []
    for part in parts:
        name = to_text(part)
        if name and name not in names:
            names.append(name)
    return names


def _mask_for(text: str) -> str | None:
    """A character that `text` does not hold: NUL, else the first such private-use one;
    None if it holds them all. (A seed may hold NUL, which the schema then refuses with
    the field named; masking with a character of the text would mix names up or fail.)"""
    if "\x00" not in text:
        return "\x00"
    present = set(text)  # once: a search of the text per candidate could take minutes
    codes = itertools.chain(range(0xE000, 0xF900), range(0xF0000, 0x10FFFE))
    return next((chr(code) for code in codes if chr(code) not in present), None)
