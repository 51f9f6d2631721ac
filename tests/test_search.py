"""Full-text search (outputs/search.py, search_db.py, templates/search.js): the year
indexes read back with SQLite, byte ranges from `publish serve`, and the search page in
headless Chromium (Debian's package, driven by Playwright) against the built site."""

from __future__ import annotations

import hashlib
import json
import os
import re
import sqlite3
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from playwright.sync_api import Browser, Page, Request, expect

import publisher
from benchmarks.generate import generate
from publisher import pipeline, search_db
from publisher.config import Settings
from publisher.model import Article
from publisher.outputs import search as search_module
from publisher.outputs.search import SEARCH_CSP
from publisher.site import CSP
from publisher.tuning import Tuning
from publisher.validate import check_file

from . import test_browser
from .sitetools import HOSTILE_ID, HOSTILE_TITLE, build_site, corpus, preview
from .test_browser import CHROMIUM, Watch
from .test_golden import tree
from .test_incremental import publish

browser = test_browser.browser  # the module's fixtures, shared
page = test_browser.page


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("search")
    build_site(corpus(root / "seeds"), root / "dist")
    return root / "dist"


@pytest.fixture(scope="module")
def site_url(dist: Path) -> Iterator[str]:
    with preview(dist) as url:
        yield url


def query(dist: Path, match: str) -> list[str]:
    """The pages whose index rows match `match` (an FTS5 query), over every year."""
    found = []
    for path in sorted((dist / "search").glob("*.sqlite3")):
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
            rows = db.execute("SELECT page FROM articles WHERE articles MATCH ?", (match,))
            found += [page for (page,) in rows]
    return found


def test_every_article_is_in_its_year_index_once(dist: Path) -> None:
    listing = json.loads((dist / "search" / "index.json").read_text("utf-8"))
    years = [entry["year"] for entry in listing["years"]]
    assert years == sorted(years, reverse=True)  # newest first: the order searched
    pages = sorted(p.relative_to(dist).as_posix() for p in (dist / "articles").glob("*.html"))
    indexed = []
    for entry in listing["years"]:
        name = entry["url"]
        assert re.fullmatch(rf"{entry['year']}-[0-9a-f]{{16}}\.sqlite3", name), name
        with sqlite3.connect(f"file:{dist / 'search' / name}?mode=ro", uri=True) as db:
            rows = db.execute("SELECT page, date FROM articles ORDER BY rowid").fetchall()
            page_size = db.execute("PRAGMA page_size").fetchone()[0]
        assert page_size == 4096
        assert len(rows) == entry["articles"]
        assert {date[:4] for _, date in rows} == {entry["year"]}
        dates = [date for _, date in rows]
        assert dates == sorted(dates)  # rowids by date: newest first reads doclists' ends
        indexed += [path for path, _ in rows]
    assert sorted(indexed) == pages


def test_words_phrases_and_fields(dist: Path) -> None:
    assert query(dist, "hydropower") == ["articles/danube-hydropower-dispute.html"]
    assert query(dist, '"chemical weapons"') == ["articles/64a29ae14d7662cb.html"]
    assert query(dist, '"weapons chemical"') == []  # a phrase, not two words
    # Authors and lead are searchable as columns; accents fold (remove_diacritics 2).
    assert query(dist, "authors: mallory") == [f"articles/{HOSTILE_ID}.html"]
    assert "articles/war-risk-premiums.html" in query(dist, "detente")


def test_edit_rebuilds_only_its_year_index(tmp_path: Path) -> None:
    seeds = corpus(tmp_path / "seeds")
    build_site(seeds, tmp_path / "dist")
    before = {p.name: p.read_bytes() for p in (tmp_path / "dist" / "search").iterdir()}
    record = json.loads((seeds / f"{HOSTILE_ID}.json").read_text("utf-8"))
    record["body"] += "\n\nA zanzibarite sentence added in an edit."
    (seeds / f"{HOSTILE_ID}.json").write_text(json.dumps(record), "utf-8")
    build_site(seeds, tmp_path / "dist")
    after = {p.name: p.read_bytes() for p in (tmp_path / "dist" / "search").iterdir()}
    changed = {name for name in after if before.get(name) != after[name]}
    # The edited year's index is a new file (its name is its key); no other year's changes.
    assert {name[:4] for name in changed} == {"2012", "inde"}
    assert len(changed) == 2 and len(before) == len(after)
    assert query(tmp_path / "dist", "zanzibarite") == [f"articles/{HOSTILE_ID}.html"]


def test_an_edit_makes_the_row_of_its_article_alone(
    in_tmp: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The other rows of the edited year come from the index the last build wrote
    (previous_rows: not one of those articles is loaded or made into a row again), and the
    new index is byte for byte a cold build's. Rows made by other code (another
    rows_version) are made again. (row() is counted in a file: the indexes are made in
    a process of their own, produce.ahead.)"""
    paths = generate(40, in_tmp / "seeds", seed=7)
    publish()
    records = [check_file(path)[0] for path in paths]
    ids = [str(record["id"]) for record in records if record]
    assert len(ids) == len(paths)
    edited = records[0]
    assert edited is not None
    year = str(edited["published"])[:4]
    in_year = [i for i, r in zip(ids, records, strict=True) if str(r["published"])[:4] == year]  # type: ignore[index]
    made = Made(in_tmp / "made.txt")
    monkeypatch.setattr(search_module, "row", made.counted(search_module.row))
    _add_to_body(paths[0], "A zanzibarite line.")
    publish()
    assert made.ids() == [edited["id"]]
    (index,) = (in_tmp / "dist" / "search").glob(f"{year}-*.sqlite3")
    publish("--dist", "cold", "--force")  # nothing to carry over: every row made
    assert sorted(made.ids()) == sorted(ids)
    assert index.read_bytes() == (in_tmp / "cold" / "search" / index.name).read_bytes()
    assert query(in_tmp / "dist", "zanzibarite") == [f"articles/{edited['id']}.html"]

    monkeypatch.setattr(search_db, "rows_version", lambda: "other code")
    _add_to_body(paths[0], "Another line.")
    publish()
    assert sorted(made.ids()) == sorted(in_year)


class Made:
    """The articles row() is called for, and in which process, counted in a file: the
    indexes are made in a process of their own (produce.ahead)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.write_text("", "utf-8")

    def counted(
        self, real: Callable[[Article, str], search_db.Row]
    ) -> Callable[..., search_db.Row]:
        def row(article: Article, digest: str) -> search_db.Row:
            with self.path.open("a", encoding="utf-8") as file:
                file.write(f"{article.id} {os.getpid()}\n")
            return real(article, digest)

        return row

    def calls(self) -> list[tuple[str, int]]:
        """(article id, pid) of the calls since the last look."""
        found = [line.split() for line in self.path.read_text("utf-8").splitlines()]
        self.path.write_text("", "utf-8")
        return [(article_id, int(pid)) for article_id, pid in found]

    def ids(self) -> list[str]:
        return [article_id for article_id, _ in self.calls()]


@pytest.mark.parametrize("workers", [None, 1])
def test_the_indexes_are_made_in_a_process_of_their_own(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, workers: int | None
) -> None:
    """Planned first and made in another process while the build plans the rest
    (pipeline._ahead); in the build's own process with workers=1 (no fork)."""
    generate(12, tmp_path / "seeds", seed=9)
    _, store = pipeline.check(tmp_path / "seeds", None)
    made = Made(tmp_path / "made.txt")
    monkeypatch.setattr(search_module, "row", made.counted(search_module.row))
    pipeline.build(store, Settings(), tmp_path / "dist", tuning=Tuning(workers=workers))
    calls = made.calls()
    assert sorted(article_id for article_id, _ in calls) == sorted(e.id for e in store.entries)
    pids = {pid for _, pid in calls}
    assert pids == {os.getpid()} if workers == 1 else (len(pids) == 1 and os.getpid() not in pids)


def test_an_index_that_fails_fails_the_build_and_dist_stays(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An error in the process making the indexes fails the build like any other: the
    error is raised, dist/ is as it was and no process of the build is left."""
    paths = generate(12, tmp_path / "seeds", seed=10)
    dist, cache = tmp_path / "dist", tmp_path / "cache"
    result, store = pipeline.check(tmp_path / "seeds", cache)
    pipeline.build(store, Settings(), dist, cache=cache, inputs=result.inputs)
    before = tree(dist)
    _add_to_body(paths[0], "A failing line.")
    result, store = pipeline.check(tmp_path / "seeds", cache)

    def failing(rows: object, scratch: object = None) -> bytes:
        raise RuntimeError("no index today")

    monkeypatch.setattr(search_module, "database", failing)
    with pytest.raises(RuntimeError, match="no index today"):
        pipeline.build(store, Settings(), dist, cache=cache, inputs=result.inputs)
    assert tree(dist) == before
    me = os.getpid()
    assert Path(f"/proc/{me}/task/{me}/children").read_text().split() == []


@pytest.mark.parametrize("how", ["--force", "PUBLISHER_NO_CACHE"])
def test_a_full_rebuild_carries_no_row_over(
    in_tmp: Path, monkeypatch: pytest.MonkeyPatch, how: str
) -> None:
    """--force and a build without the cache make every row again: a row changed in dist/
    by hand (here, in place: the `made` table kept) is not handed on (review finding)."""
    generate(20, in_tmp / "seeds", seed=8)
    publish()
    index = max((in_tmp / "dist" / "search").glob("*.sqlite3"), key=lambda p: p.stat().st_size)
    with sqlite3.connect(index) as db:
        db.execute("UPDATE articles SET body = 'tampered' WHERE rowid = 1")
    db.close()
    assert query(in_tmp / "dist", "tampered")
    if how == "--force":
        publish("--force")
    else:
        monkeypatch.setenv("PUBLISHER_NO_CACHE", "1")
        publish()
    publish("--dist", "cold", "--force")
    assert query(in_tmp / "dist", "tampered") == []
    assert index.read_bytes() == (in_tmp / "cold" / "search" / index.name).read_bytes()


def _add_to_body(path: Path, line: str) -> None:
    """A paragraph at the end of the body of a generated seed (before its attribution)."""
    text = path.read_text("utf-8")
    at = text.index("\nThe original source of this article is")
    path.write_text(f"{text[:at]}\n{line}\n{text[at:]}", "utf-8")


def test_no_rows_from_what_is_not_an_index(tmp_path: Path) -> None:
    bad = tmp_path / "2020-0000.sqlite3"
    bad.write_bytes(b"not a database")
    assert search_db.previous_rows(bad) == {}
    assert search_db.previous_rows(tmp_path / "absent.sqlite3") == {}
    assert search_db.previous_rows(None) == {}


def test_vendored_engine_is_the_published_package() -> None:
    """The files of sql.js-httpvfs are the npm package's, as its README names them."""
    folder = Path(publisher.__file__).parent / "vendor" / "sql.js-httpvfs"
    readme = (folder / "README.md").read_text("utf-8")
    named = dict(re.findall(r"`([\w.-]+\.(?:js|wasm))` ([0-9a-f]{64})", readme))
    assert set(named) == {"index.js", "sqlite.worker.js", "sql-wasm.wasm"}
    for name, digest in named.items():
        assert hashlib.sha256((folder / name).read_bytes()).hexdigest() == digest, name


def test_serve_answers_byte_ranges(dist: Path, site_url: str) -> None:
    path = max((dist / "search").glob("*.sqlite3"), key=lambda p: p.stat().st_size)
    data = path.read_bytes()
    url = f"{site_url}search/{path.name}"

    def get(header: str) -> tuple[int, dict[str, str], bytes]:
        request = urllib.request.Request(url, headers={"Range": header})
        try:
            with urllib.request.urlopen(request) as response:
                return response.status, dict(response.headers), response.read()
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers), error.read()

    status, headers, body = get("bytes=4096-8191")
    assert (status, body) == (206, data[4096:8192])
    assert headers["Content-Range"] == f"bytes 4096-8191/{len(data)}"
    assert headers["Content-Type"] == "application/vnd.sqlite3"
    assert get("bytes=-100")[2] == data[-100:]
    assert get(f"bytes=100-{len(data) * 2}")[2] == data[100:]
    assert get(f"bytes={len(data)}-")[0] == 416
    assert get("bytes=0-1,5-6")[:1] == (200,)  # several ranges: the whole file
    assert get("bytes=0-1,5-6")[2] == data
    assert headers["Accept-Ranges"] == "bytes" and "Last-Modified" in headers
    # If-Range: no validator of ours can match it, so the whole file (RFC 9110 13.1.5).
    request = urllib.request.Request(url, headers={"Range": "bytes=0-9", "If-Range": '"x"'})
    with urllib.request.urlopen(request) as response:
        assert (response.status, response.read()) == (200, data)
    # HEAD ignores Range (RFC 9110 14.2).
    request = urllib.request.Request(url, method="HEAD", headers={"Range": "bytes=0-9"})
    with urllib.request.urlopen(request) as response:
        assert response.status == 200 and response.headers["Content-Length"] == str(len(data))
    # A page is rewritten for the preview, never sent in ranges.
    with urllib.request.urlopen(site_url + "search/index.html") as response:
        assert "Accept-Ranges" not in response.headers


def search(tab: Page, text: str) -> None:
    tab.fill("#q", text)
    tab.click("#search-form button[type=submit]")
    status = tab.locator("#search-status")
    expect(status).to_contain_text(re.compile(r"results? for|No results|failed"), timeout=20_000)


def titles(tab: Page) -> list[str]:
    return tab.locator("#results a.title").all_inner_texts()


pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed")


def test_search_page_finds_words_and_phrases(site_url: str, page: Page) -> None:
    watch = Watch(page, site_url)
    page.goto(site_url + "search/index.html")
    csp = page.locator("meta[http-equiv=Content-Security-Policy]").get_attribute("content")
    assert csp == SEARCH_CSP
    assert page.locator("#no-script").is_hidden()
    search(page, "hydropower")  # in one article only
    assert titles(page)[0].startswith("Danube")
    assert page.locator("#search-status").inner_text().startswith("1 result for")
    item = page.locator("#results li").first
    when = item.locator("time")
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", when.inner_text())
    assert when.get_attribute("datetime") == when.inner_text()
    assert item.locator(".snippet mark").first.inner_text().lower() == "hydropower"
    # The result links to the article's page, which opens.
    item.locator("a.title").click()
    page.wait_for_load_state()
    assert page.url.endswith("/articles/danube-hydropower-dispute.html")
    page.go_back()
    search(page, '"chemical weapons"')
    assert len(titles(page)) == 1 and "Putin" in titles(page)[0]
    search(page, '"weapons chemical"')
    assert titles(page) == []
    search(page, "zzqqxx")
    assert page.locator("#search-status").inner_text() == "No results for “zzqqxx”."
    # A field name before a word searches that field only.
    search(page, "authors:mallory")
    assert titles(page) == [HOSTILE_TITLE]
    search(page, 'title: "war-risk premiums"')
    assert len(titles(page)) == 1 and "War-Risk Premiums" in titles(page)[0]
    search(page, "title:fair")  # the disclaimer's word, in no title
    assert titles(page) == []
    # The query is in the address: a search can be bookmarked and reloaded.
    page.goto(site_url + "search/index.html?q=copper")
    expect(page.locator("#results a.title")).to_have_count(1)
    watch.assert_clean()


def test_hostile_text_stays_text_in_results(site_url: str, page: Page) -> None:
    watch = Watch(page, site_url)
    page.goto(site_url + "search/index.html")
    search(page, "hostile")
    assert titles(page) == [HOSTILE_TITLE]
    search(page, "script alert")
    assert HOSTILE_TITLE in titles(page)
    snippets = page.locator("#results .snippet").all_inner_texts()
    assert any("<script>" in text for text in snippets), snippets  # shown, as text
    # Only the elements the page makes: no markup from an article's words.
    tags = page.evaluate("[...document.querySelectorAll('#results *')].map(e => e.tagName)")
    assert set(tags) <= {"LI", "A", "P", "TIME", "MARK"}
    assert page.evaluate("window.pwned") is None
    watch.assert_clean()


def test_without_javascript_the_page_says_how_to_search(site_url: str, browser: Browser) -> None:
    context = browser.new_context(java_script_enabled=False)
    tab = context.new_page()
    tab.goto(site_url + "search/index.html")
    notice = tab.locator("#no-script")
    assert notice.is_visible() and "archive" in notice.inner_text()
    assert tab.locator("#search-form").is_hidden()
    # Every other page keeps the script-free policy.
    tab.goto(site_url)
    csp = tab.locator("meta[http-equiv=Content-Security-Policy]").get_attribute("content")
    assert csp == CSP
    assert tab.locator("header nav a", has_text="Search").count() == 1
    context.close()


def test_paging_goes_back_year_by_year_to_every_match(tmp_path: Path, page: Page) -> None:
    """More matches than a page, over many years: "Search older years" until it hides
    shows every match once, newest first, as SQLite finds them."""
    generate(90, tmp_path / "seeds", seed=11)
    build_site(tmp_path / "seeds", tmp_path / "dist")
    expected = query(tmp_path / "dist", "the")
    years = json.loads((tmp_path / "dist" / "search" / "index.json").read_bytes())["years"]
    assert len(expected) > 40 and len(years) >= 5
    with preview(tmp_path / "dist") as url:
        watch = Watch(page, url)
        page.goto(url + "search/index.html")
        search(page, "the")
        assert len(titles(page)) == 20
        more = page.locator("#more")
        while more.is_visible():
            shown = page.locator("#results li").count()
            more.click()
            expect(page.locator("#results li")).not_to_have_count(shown)
            expect(page.locator("#search-status")).to_contain_text("newest first")
        links = page.locator("#results a.title")
        pages = [href.split("/", 3)[3] for href in links.evaluate_all("a => a.map(e => e.href)")]
        dates = page.locator("#results time").all_inner_texts()
        watch.assert_clean()
    assert sorted(pages) == sorted(expected) and len(set(pages)) == len(pages)
    assert dates == sorted(dates, reverse=True)


def test_a_search_after_a_rebuild_fetches_the_new_list(tmp_path: Path, page: Page) -> None:
    """A page opened before a rebuild (or a deploy) that replaced a year's index asks for
    the list again when the index it knew is gone, and finds the new text."""
    seeds = corpus(tmp_path / "seeds")
    build_site(seeds, tmp_path / "dist")
    with preview(tmp_path / "dist") as url:
        page.goto(url + "search/index.html")
        page.wait_for_load_state("networkidle")  # its workers hold the old list
        record = json.loads((seeds / f"{HOSTILE_ID}.json").read_text("utf-8"))
        record["body"] += "\n\nA zanzibarite sentence added in an edit."
        (seeds / f"{HOSTILE_ID}.json").write_text(json.dumps(record), "utf-8")
        build_site(seeds, tmp_path / "dist")
        search(page, "zanzibarite")
        assert titles(page) == [HOSTILE_TITLE]


def test_a_search_reads_no_more_than_its_budget(site_url: str, browser: Browser) -> None:
    """Each search (and each "older years") may read BUDGET bytes of the indexes: past
    it, the page stops and says so, and "older years" goes on. (1 MB on the site; 120 kB
    here, so that the fixture's small indexes run it out.)"""
    budget = 120 << 10
    context = browser.new_context()
    context.add_init_script(f"window.searchBudget = {budget};")
    tab = context.new_page()
    read: list[int] = []

    def finished(request: Request) -> None:
        if ".sqlite3" in request.url:
            read.append(request.sizes()["responseBodySize"])

    tab.on("requestfinished", finished)
    tab.goto(site_url + "search/index.html")
    tab.wait_for_load_state("networkidle")
    read.clear()
    search(tab, "zzqqxx")
    status = tab.locator("#search-status").inner_text()
    assert "stopped there to read no more than 1 MB" in status, status
    assert 0 < sum(read) <= budget
    assert tab.locator("#more").is_visible()
    years = len(json.loads(tab.request.get(site_url + "search/index.json").body())["years"])
    for _ in range(years):  # each click a new budget, until every year is asked
        if not tab.locator("#more").is_visible():
            break
        tab.locator("#more").click()
        expect(tab.locator("#search-status")).to_contain_text(re.compile("stopped|No results"))
        status = tab.locator("#search-status").inner_text()
    assert status == "No results for “zzqqxx”.", status
    context.close()


@settings(max_examples=500, deadline=None)
@given(st.text())
def test_indexed_text_holds_no_control_character(text: str) -> None:
    # The search page marks matches with char(2) and char(3): the text must hold none.
    cleaned = search_db.without_controls(text)
    assert cleaned == re.sub("[\x00-\x1f]", " ", text)
    assert not any(ord(c) < 0x20 for c in cleaned)
