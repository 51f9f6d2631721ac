"""Property tests: no input crashes the parser, the renderer or the feed builders.

Each property runs 1,000 examples (more with HYPOTHESIS_EXAMPLES=N).
"""

from __future__ import annotations

import json
import os
from dataclasses import replace
from typing import Any

import html5lib
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from lxml import etree

from publisher.config import Settings
from publisher.feeds import FeedWriter
from publisher.load import Seed
from publisher.model import Article
from publisher.navigation import navigation
from publisher.paging import Feed
from publisher.parse import Parsed, parse
from publisher.problems import Problem
from publisher.render import markdown_html, render_article, summary_text
from publisher.schema import normalise, validator
from publisher.site import Site
from publisher.topics import topics_of
from publisher.validate import check_seed

from .conftest import SEED

EXAMPLES = int(os.environ.get("HYPOTHESIS_EXAMPLES", "1000"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# Lines shaped like the scraped format, so the parser's branches are reached, mixed with
# arbitrary text (including control characters, bidi overrides and lone surrogates-free
# unicode).
FORMAT_LINES = st.sampled_from(
    [
        "# Title",
        "# ",
        "By [A](#) and [B](#)",
        "By ",
        "Global Research, September 31, 2013",
        "Global Research, July 18th, 2023",
        "[RT](#) 6 September 2013",
        "Region: [A](#), [B](#)",
        "Theme:",
        "In-depth Report: [X](#)",
        "*lead*",
        "**",
        "***",
        "---",
        "The original source of this article is [RT](#)",
        "Copyright © [RT](#), 2013",
        "Copyright ©",
        "**Disclaimer:** text",
        "For media inquiries: x",
        "![alt](#)",
        "[a](javascript:alert(1))",
        "<script>alert(1)</script>",
        "",
    ]
)
ANY_LINE = st.text(max_size=80).map(lambda s: s.replace("\n", " "))
DOCUMENT = st.lists(st.one_of(FORMAT_LINES, ANY_LINE), max_size=40).map("\n".join)


@FUZZ
@given(DOCUMENT)
def test_parser_never_crashes(text: str) -> None:
    seed = Seed("fuzz.txt", "txt", text)
    parsed = parse(seed)
    assert isinstance(parsed, Parsed)
    article, problems = check_seed(seed)
    assert (article is None) == bool(problems)
    for problem in problems:
        assert isinstance(problem, Problem) and problem.message


@FUZZ
@given(st.text(max_size=200))
def test_json_seeds_never_crash(text: str) -> None:
    article, problems = check_seed(Seed("fuzz.json", "json", text))
    assert article is None and problems  # arbitrary text is never a complete article


@FUZZ
@given(st.lists(st.one_of(FORMAT_LINES, ANY_LINE), max_size=30).map("\n".join))
def test_rendered_html_is_inert_and_well_formed(markdown: str) -> None:
    fragment = markdown_html(markdown)
    parser = html5lib.HTMLParser(tree=html5lib.getTreeBuilder("etree"), strict=False)
    tree = parser.parseFragment(fragment)
    for element in tree.iter():
        tag = str(element.tag).rsplit("}", 1)[-1]
        assert tag not in ("script", "iframe", "style", "svg", "object", "embed")
        # Nothing left behind by a URL the sanitiser removed (issue 14, item 7).
        assert tag != "a" or element.get("href"), fragment
        assert tag != "img" or element.get("src"), fragment
        for name, value in element.attrib.items():
            assert not name.lower().startswith("on")
            assert not value.strip().lower().startswith(("javascript:", "data:", "vbscript:"))


def base_record() -> dict[str, Any]:
    parsed = parse(Seed(SEED.name, "txt", SEED.read_text("utf-8")))
    assert isinstance(parsed, Parsed)
    return parsed.record


# Text the schema accepts in a one-line field: no control, surrogate or bidi-override
# characters, no ';' (the CSV list separator), not blank. Hostile markup is allowed.
LINE_CHARS = st.characters(
    blacklist_categories=("Cc", "Cs"),
    blacklist_characters=";\u2028\u2029"
    + "".join(map(chr, [*range(0x202A, 0x202F), *range(0x2066, 0x206A)])),
)
TEXT = (
    st.text(LINE_CHARS, min_size=1, max_size=60)
    .filter(str.strip)
    .map(lambda s: " ".join(s.split()) or "x")
)
MULTILINE = st.text(st.one_of(LINE_CHARS, st.just("\n")), min_size=1, max_size=300).filter(
    str.strip
)
VALID_FIELDS = st.fixed_dictionaries(
    {
        "title": TEXT,
        "subtitle": st.none() | TEXT,
        "authors": st.lists(TEXT, min_size=1, max_size=3),
        "regions": st.lists(TEXT, max_size=3, unique=True),
        "themes": st.lists(TEXT, max_size=3, unique=True),
        "lead": st.none() | MULTILINE,
        "body": st.one_of(MULTILINE, DOCUMENT.filter(str.strip)),
        "original_source": TEXT,
        "copyright_holders": st.lists(TEXT, min_size=1, max_size=2, unique=True),
        "disclaimer": MULTILINE,
    }
)


@FUZZ
@given(VALID_FIELDS)
def test_any_valid_article_gives_well_formed_feeds_and_a_valid_page(
    fields: dict[str, Any],
) -> None:
    record = normalise({**base_record(), **fields})
    errors = [e.message for e in validator().iter_errors(record)]
    assume(not errors)  # only articles that pass validation reach the feed builders
    article = Article.from_record(record)
    load = {article.id: article}.__getitem__
    writer = FeedWriter(replace(Settings(), items_per_feed=1), render_article, load)
    summary, rights = writer.light_parts(article)  # light entries: written directly ...
    light = writer.light_fragments(article, summary, rights)
    assert light == writer._fragments(article, summary, None, rights)  # ... as feedgen would
    assert summary_text(article) == render_article(article).summary_text  # (rebuilds' way)
    for fragment in (light.atom, light.rss):
        etree.fromstring(fragment.replace("<dc:", "<").replace("</dc:", "</"))
    feed = Feed("all", "Fuzz", "Fuzz feed", "", (article,))  # type: ignore[arg-type]
    for path, data in writer.documents(feed):
        if path.endswith(".json"):
            item = json.loads(data)["items"][0]
            assert item["title"] == article.title
        else:
            root = etree.fromstring(data)  # well-formed XML, or this raises
            assert root is not None
    topics = {topic.key: topic for topic in topics_of([article])}
    around = navigation((article,), topics, article)  # type: ignore[arg-type]
    _, page = Site(Settings(), render_article, load).article(article, feed, topics, around)
    strict = html5lib.HTMLParser(strict=True, namespaceHTMLElements=False)
    document = strict.parse(page.decode("utf-8"))  # raises on any HTML5 parse error
    assert document.find(".//h1") is not None
    # One script element: the JSON-LD data block, which holds the record's text as JSON.
    (script,) = document.iter("script")
    assert script.get("type") == "application/ld+json"
    assert json.loads(script.text or "")["headline"] == article.title
