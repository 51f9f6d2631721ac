"""Article navigation (previous and next by date, more in the first topic) and the archive
index: what they show, and that an edit rewrites exactly the pages that show it."""

from __future__ import annotations

import dataclasses
import datetime as dt
import random
import re
import shutil
from collections import Counter
from pathlib import Path
from xml.etree.ElementTree import Element

import pytest
from click.testing import CliRunner

from benchmarks.generate import generate
from publisher import outputs
from publisher.cli import main
from publisher.config import Settings
from publisher.dates import MONTH_NAMES
from publisher.model import TOPIC_FIELDS, Article, ArticleRef, index_of
from publisher.navigation import WINDOW, first_topic, navigation
from publisher.outputs.archive_index import calendar
from publisher.pipeline import build
from publisher.store import MemoryStore
from publisher.store.check import check_folder
from publisher.topics import chronological
from publisher.validate import check_file

from .conftest import SEED
from .sitetools import SETTINGS, parse, resolve
from .test_golden import tree


@pytest.fixture(scope="module")
def template() -> Article:
    result = check_folder(SEED.parent)
    assert result.ok
    return result.articles[0]


def make(template: Article, article_id: str, day: str, **fields: object) -> Article:
    defaults: dict[str, object] = {"regions": (), "themes": (), "reports": ()}
    values = {**defaults, **fields}
    title = f"Title of {article_id}"
    return dataclasses.replace(
        template, id=article_id, title=title, published=dt.date.fromisoformat(day), **values
    )


def ref(article: Article) -> ArticleRef:
    return ArticleRef.from_index(index_of(article.to_record()), article.id)


def neighbours(page: Element) -> dict[str, str]:
    """rel -> linked article id, from an article page's navigation by date."""
    found = {}
    for link in page.iterfind(".//nav[@class='neighbours']//a"):
        found[str(link.get("rel"))] = str(link.get("href")).removesuffix(".html")
    return found


def nearby(page: Element) -> tuple[str | None, list[str]]:
    """The heading of an article page's topic window and the ids it lists, in order."""
    section = page.find(".//section[@class='nearby']")
    if section is None:
        return None, []
    heading = "".join(section.find("h2").itertext())  # type: ignore[union-attr]
    items = [str(a.get("href")).removesuffix(".html") for a in section.iterfind("ul/li/a")]
    return heading, items


def test_previous_and_next_by_date_with_ties_and_ends(tmp_path: Path, template: Article) -> None:
    # Three on one day: the id breaks the tie, as in every list.
    days = {"e": "2019-05-01", "c": "2020-02-02", "a": "2020-02-02", "b": "2020-02-02"}
    days |= {"d": "2021-07-07"}
    articles = [make(template, i, day) for i, day in days.items()]
    build(MemoryStore.of(articles), SETTINGS, tmp_path / "dist")
    order = ["e", "a", "b", "c", "d"]
    for at, article_id in enumerate(order):
        page = parse(tmp_path / "dist" / "articles" / f"{article_id}.html")
        expected = {}
        if at > 0:
            expected["prev"] = order[at - 1]
        if at + 1 < len(order):
            expected["next"] = order[at + 1]
        assert neighbours(page) == expected, article_id
    # The oldest has no previous article and the newest no next: no empty links.
    assert 'rel="prev"' not in (tmp_path / "dist/articles/e.html").read_text("utf-8")
    assert 'rel="next"' not in (tmp_path / "dist/articles/d.html").read_text("utf-8")


def test_the_window_is_the_nearest_articles_of_the_first_topic(
    tmp_path: Path, template: Article
) -> None:
    # Nine articles in "Beta", every other one also in "Alpha" (first in the site's order,
    # so their window is Alpha's); one article without topics has no window.
    articles = []
    for n in range(9):
        regions = ("Beta", "Alpha") if n % 2 else ("Beta",)
        articles.append(make(template, f"n{n}", f"2020-01-{n + 1:02d}", regions=regions))
    articles.append(make(template, "lone", "2020-01-05"))
    build(MemoryStore.of(articles), SETTINGS, tmp_path / "dist")
    beta = [f"n{n}" for n in range(9)]
    alpha = [f"n{n}" for n in range(1, 9, 2)]
    for article in articles[:9]:
        members, name = (alpha, "Alpha") if article.id in alpha else (beta, "Beta")
        at = members.index(article.id)
        window = members[max(at - WINDOW, 0) : at] + members[at + 1 : at + 1 + WINDOW]
        heading, items = nearby(parse(tmp_path / "dist" / "articles" / f"{article.id}.html"))
        assert heading == f"More in Region: {name}", article.id
        assert items == window[::-1], article.id  # newest first, as lists are
    assert nearby(parse(tmp_path / "dist/articles/lone.html")) == (None, [])
    # Both ends of a topic show the WINDOW articles on their one side.
    assert nearby(parse(tmp_path / "dist/articles/n0.html"))[1] == ["n2", "n1"]
    assert nearby(parse(tmp_path / "dist/articles/n8.html"))[1] == ["n7", "n6"]


def test_navigation_matches_the_layout(template: Article) -> None:
    """navigation() (made per page) finds what the plan orders, for random archives."""
    rng = random.Random(5)
    names = ["Alpha", "beta", "Gamma", "ALPHA"]  # "Alpha" and "ALPHA" are one topic
    articles = [
        make(
            template,
            f"a{n:03d}",
            f"2020-0{rng.randrange(1, 4)}-0{rng.randrange(1, 4)}",
            regions=tuple(rng.sample(names, rng.randrange(0, 3))),
            themes=tuple(rng.sample(names, rng.randrange(0, 2))),
        )
        for n in range(60)
    ]
    layout = outputs.plan([ref(a) for a in articles], Settings()).layout
    ordered = chronological(ref(a) for a in articles)
    assert layout.ordered == ordered
    for at, article in enumerate(ordered):
        found = navigation(layout.ordered, layout.topics_by_key, make_article(articles, article))
        assert found.older == (ordered[at - 1] if at else None)
        assert found.newer == (ordered[at + 1] if at + 1 < len(ordered) else None)
        topic = first_topic(article, layout.topics_by_key)
        # The first in the site's order of its regions, themes and reports: authors and
        # sources (every article has one) are linked from the page, not windowed.
        mine = [t for t in layout.topics if t.kind in TOPIC_FIELDS and article in t.articles]
        assert topic == (mine[0] if mine else None)
        if topic is not None:
            j = topic.articles.index(article)
            window = (*topic.articles[max(j - WINDOW, 0) : j], *topic.articles[j + 1 : j + 3])
            assert found.nearby == window[::-1]


def make_article(articles: list[Article], entry: ArticleRef) -> Article:
    return next(a for a in articles if a.id == entry.id)


# -- the archive index ------------------------------------------------------------------


def test_archive_index_counts_every_article_and_links_its_page(
    tmp_path: Path, template: Article
) -> None:
    # Small pages: 2021 has more than twelve pages' worth (a page a month), 2019 is paged
    # by year, and June 2022 is split: its newest three on the landing page, two older
    # ones on the page of 2022.
    rng = random.Random(3)
    articles = [
        make(template, f"x{n:03d}", f"{year}-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d}")
        for n, year in enumerate([2019] * 7 + [2021] * 40)
    ]
    articles += [make(template, f"june{n}", f"2022-06-0{n + 1}") for n in range(5)]
    settings = dataclasses.replace(SETTINGS, items_per_page=3)
    dist = tmp_path / "dist"
    build(MemoryStore.of(articles), settings, dist)
    index = dist / "archive/index.html"
    page = parse(index)
    years = {}
    for section in page.iterfind(".//main/section"):
        heading = section.find("h2")
        assert heading is not None
        year_link = heading.find("a")
        assert year_link is not None
        count = int(re.search(r"\((\d+) articles?\)", "".join(heading.itertext())).group(1))  # type: ignore[union-attr]
        months = {}
        for item in section.iterfind("ul/li"):
            link = item.find("a")
            assert link is not None
            number = int(re.search(r"\((\d+)\)", "".join(item.itertext())).group(1))  # type: ignore[union-attr]
            months[link.text] = (number, str(link.get("href")))
        years[year_link.text] = (count, str(year_link.get("href")), months)
    by_month = Counter((a.published.year, _month(a)) for a in articles)
    assert {y: c for y, (c, _, _) in years.items()} == dict(
        Counter(str(a.published.year) for a in articles)
    )
    assert sum(c for c, _, _ in years.values()) == len(articles)
    for year, (_, _, months) in years.items():
        assert {m: n for m, (n, _) in months.items()} == {
            m: n for (y, m), n in by_month.items() if str(y) == year
        }
    assert list(years) == ["2022", "2021", "2019"]  # newest first
    # Each year and month links to the page listing its newest article.
    for year, (_, href, months) in years.items():
        newest = max((a for a in articles if str(a.published.year) == year), key=_place)
        assert f"{newest.id}.html" in _target(dist, index, href).read_text("utf-8")
        for month, (_, month_href) in months.items():
            newest = max(
                (a for a in articles if (str(a.published.year), _month(a)) == (year, month)),
                key=_place,
            )
            assert f"{newest.id}.html" in _target(dist, index, month_href).read_text("utf-8")
    assert years["2022"][1] == "../index.html"  # on the landing page
    assert years["2022"][2] == {"June": (5, "../index.html")}  # its newest are there
    assert years["2019"][1] == "../archive/2019/index.html"  # a year paged by year
    assert all(h.startswith("../archive/2021-") for _, h in years["2021"][2].values())
    # Every page links to it.
    for path in dist.rglob("*.html"):
        assert "archive/index.html" in path.read_text("utf-8"), path


def _place(article: Article) -> tuple[dt.date, str]:
    return article.published, article.id


def _month(article: Article) -> str:
    return MONTH_NAMES[article.published.month - 1]


def _target(dist: Path, page: Path, href: str) -> Path:
    found = resolve(dist, page, href)
    assert found is not None
    return found[0]


def test_an_empty_plan_has_an_empty_calendar_and_no_pages() -> None:
    # (A build refuses a folder without seeds; planning none must still work.)
    planned = outputs.plan([], SETTINGS)
    assert calendar(planned.layout) == ()
    assert planned.pages == ()


# -- what an edit rewrites --------------------------------------------------------------


def publish(*args: str) -> str:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def _inodes(dist: Path) -> dict[str, int]:
    return {p.name: p.stat().st_ino for p in (dist / "articles").iterdir()}


def _showing(dist: Path, article_id: str) -> set[str]:
    """The article pages whose navigation or window links to `article_id`."""
    found = set()
    for path in (dist / "articles").iterdir():
        page = parse(path)
        if article_id in neighbours(page).values() or article_id in nearby(page)[1]:
            found.add(path.name)
    return found


def test_an_edit_rewrites_exactly_the_pages_that_show_it(in_tmp: Path) -> None:
    """A correction down an article's body rewrites its own page only; a new title
    rewrites its page and the pages that link to it (previous, next, windows), and no
    other article page. Either way: as a cold build."""
    seeds = in_tmp / "seeds"
    generate(30, seeds, seed=11)
    publish()
    dist = in_tmp / "dist"
    path = sorted(seeds.iterdir())[12]
    article_id = path.stem.split("_", 1)[1]
    showing = _showing(dist, article_id)
    assert len(showing) >= 3  # its neighbours by date and in its window

    before = _inodes(dist)
    text = path.read_text("utf-8")
    at = text.index("\nThe original source of this article is")
    path.write_text(f"{text[:at]}\nA late correction.\n{text[at:]}", "utf-8")
    publish()
    after = _inodes(dist)
    assert {name for name in after if after[name] != before[name]} == {f"{article_id}.html"}

    title = next(line for line in text.splitlines() if line.startswith("# "))
    path.write_text(path.read_text("utf-8").replace(title, f"{title} (corrected)", 1), "utf-8")
    publish()
    rewritten = {name for name, inode in _inodes(dist).items() if inode != after[name]}
    assert rewritten == {f"{article_id}.html"} | showing
    publish("--dist", "cold", "--force")
    assert tree(dist) == tree(in_tmp / "cold")
    shutil.rmtree(in_tmp / "cold")


def test_adding_an_article_to_a_topic_rewrites_only_pages_near_it(in_tmp: Path) -> None:
    """A new article rewrites the pages of its neighbours by date and in its topics'
    windows: a bounded number, however large the topic."""
    seeds = in_tmp / "seeds"
    generate(60, seeds, seed=12)
    publish()
    dist = in_tmp / "dist"
    before = _inodes(dist)
    source = sorted(seeds.iterdir())[0]
    record = check_file(source)[0]
    assert record is not None
    topics = len(record["regions"]) + len(record["themes"]) + len(record["reports"])
    shutil.copy(source, seeds / "999_0123456789abcdef.txt")
    publish()
    after = _inodes(dist)
    rewritten = {n for n in before if n in after and after[n] != before[n]}
    # Its two neighbours by date and at most WINDOW on each side of it in each of its
    # topics (for the articles whose window is of that topic).
    assert 0 < len(rewritten) <= 2 + 2 * WINDOW * topics
    publish("--dist", "cold", "--force")
    assert tree(dist) == tree(in_tmp / "cold")
