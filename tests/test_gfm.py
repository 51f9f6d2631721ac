"""gfm.to_html: the same HTML as cmarkgfm's GitHub-flavoured renderer, without its leak;
and the sanitisers made once: the same output as nh3.clean with the same arguments."""

from __future__ import annotations

import os
from pathlib import Path

import cmarkgfm
import nh3
from cmarkgfm.cmark import Options
from hypothesis import given, settings
from hypothesis import strategies as st

from publisher import render
from publisher.gfm import to_html
from publisher.validate import check_file

from .conftest import FIXTURES, SEED, seed_files

OPTIONS = (
    0,
    Options.CMARK_OPT_UNSAFE | Options.CMARK_OPT_NOBREAKS,  # what render uses
    Options.CMARK_OPT_SMART | Options.CMARK_OPT_HARDBREAKS,
)
SNIPPETS = [
    "",
    "plain",
    "| a | b |\n|---|:-:|\n| 1 | 2 |",
    "www.example.com and https://example.org/x?y=1",
    "<script>alert(1)</script><title>t</title><textarea>x</textarea>",
    "~~gone~~ ~one~",
    "- [ ] todo\n- [x] done",
    "```py\ncode <b>\n```",
    "<div onclick='x'>raw *html*</div>\n\n[link](javascript:alert(1)) ![i](data:x)",
    "# É 🙂\n\n> quote\n>\n> more\n\n1. one\n2. two\n\n***\n\nfoot[^1]\n\n[^1]: note",
    "line one\nline two\n\n  indented\n\n\ttab",
    "> " * 200 + "deep",
]


def texts() -> list[str]:
    """Every Markdown field of the seed document and the fixture seeds, and the snippets above."""
    found = list(SNIPPETS)
    for path in [SEED, *seed_files(FIXTURES / "valid")]:
        record = check_file(path)[0]
        if record is not None:
            found += [record["body"], record["lead"] or "", record["disclaimer"]]
    return found


def reference(markdown: str, options: int) -> str:
    return str(cmarkgfm.github_flavored_markdown_to_html(markdown, options=options))


def test_same_html_as_cmarkgfm() -> None:
    for text in texts():
        for options in OPTIONS:
            assert to_html(text, options) == reference(text, options), text[:80]


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=300))
def test_same_html_as_cmarkgfm_on_any_text(text: str) -> None:
    assert to_html(text, OPTIONS[1]) == reference(text, OPTIONS[1])


def _rss() -> int:
    """Resident memory now (not the peak), in bytes."""
    with Path("/proc/self/statm").open() as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def test_rendering_frees_what_it_allocates() -> None:
    """cmarkgfm's own function kept 12-36 KB a call: 2,000 calls on a 20 KB document
    would keep about 50 MB. Ours keeps nothing."""
    if not Path("/proc/self/statm").exists():  # pragma: no cover - not Linux
        return
    document = "\n\n".join(f"Paragraph {i}, [a link](https://example.org/{i})." for i in range(300))
    for _ in range(50):  # let the allocator settle
        to_html(document, OPTIONS[1])
    before = _rss()
    for _ in range(2000):
        to_html(document, OPTIONS[1])
    assert _rss() - before < 8 * 2**20


def test_sanitisers_made_once_equal_nh3_clean() -> None:
    """render's Cleaner objects hold exactly the arguments nh3.clean was given before."""
    hostile = [
        '<a href="/relative" onclick="x">a</a><img src="//host/x.png" alt="x">',
        '<a href=" JAVASCRIPT:alert(1)">j</a><q cite="mailto:a@b">q</q><iframe src="x"></iframe>',
        "<!-- comment --><style>p{}</style><script>x</script><p style='color:red'>p</p>",
    ]
    for text in texts() + hostile:
        html = reference(text, OPTIONS[1])
        expected = nh3.clean(
            html,
            tags=set(render.ALLOWED_TAGS),
            attributes={tag: set(names) for tag, names in render.ALLOWED_ATTRIBUTES.items()},
            attribute_filter=render._absolute_urls_only,
            url_schemes=set(render.URL_SCHEMES),
            link_rel="noopener noreferrer nofollow",
            strip_comments=True,
        )
        assert str(render._SANITISER.clean(html)) == expected
        # sanitise() adds only the post-pass for links and images left without a URL.
        assert render.sanitise(html) == (
            render._drop_dangling(expected) if render._DANGLING.search(expected) else expected
        )
        assert render.html_text(expected) == " ".join(
            render.html.unescape(nh3.clean(expected, tags=set(), strip_comments=True)).split()
        )
