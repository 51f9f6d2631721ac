"""Rebuilds: nothing changed means nothing to do; any change rebuilds exactly."""

from __future__ import annotations

import os
import random
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from benchmarks.generate import article_rng, generate, write_article
from publisher.cli import main
from publisher.validate import check_file

from .conftest import FIXTURES, SEED, seed_files
from .test_golden import tree


def publish(*args: str) -> str:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture
def project(in_tmp: Path) -> Path:
    seeds = in_tmp / "seeds"
    seeds.mkdir()
    shutil.copy(SEED, seeds)
    for path in seed_files(FIXTURES / "valid")[:8]:
        shutil.copy(path, seeds)
    return in_tmp


def test_unchanged_input_is_not_rebuilt(project: Path) -> None:
    assert "wrote" in publish()
    inode = Path("dist").stat().st_ino
    assert "dist is up to date" in publish()
    assert Path("dist").stat().st_ino == inode  # the same folder: nothing was swapped


@pytest.mark.parametrize("change", ["edit", "add", "delete", "settings", "dist gone", "force"])
def test_any_change_rebuilds(project: Path, change: str) -> None:
    publish()
    args: list[str] = []
    seeds = project / "seeds"
    if change == "edit":
        path = seeds / SEED.name
        path.write_text(path.read_text("utf-8").replace("Putin", "Mr Putin", 1), "utf-8")
        os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 10**9))
    elif change == "add":
        shutil.copy(SEED, seeds / "999_added.txt")
    elif change == "delete":
        (seeds / SEED.name).unlink()
    elif change == "settings":
        Path("pyproject.toml").write_text('[tool.publisher]\ntitle = "Another"\n', "utf-8")
    elif change == "dist gone":
        shutil.rmtree("dist")
    else:
        args = ["--force"]
    assert "wrote" in publish(*args)


def test_incremental_builds_equal_a_cold_build(project: Path) -> None:
    """After adds, edits and deletes, dist/ is byte-identical to a cold build."""
    seeds = project / "seeds"
    publish()
    shutil.copy(SEED, seeds / "500_second.txt")
    publish()
    path = seeds / "500_second.txt"
    path.write_text(path.read_text("utf-8").replace("# US-Russia", "# Edited: US-Russia"), "utf-8")
    publish()
    next(p for p in sorted(seeds.iterdir()) if p.name != SEED.name).unlink()
    publish()
    incremental = tree(project / "dist")
    shutil.rmtree(project / ".publisher-cache")
    publish("--dist", "cold")
    assert tree(project / "cold") == incremental


EDITS = ("title", "date", "topic", "body", "tail", "delete", "add")
ATTRIBUTION = "\nThe original source of this article is"


def _edit(path: Path, how: str, rng: random.Random) -> None:
    text = path.read_text("utf-8")
    if how == "title":
        text = text.replace("\n", f" (corrected {rng.randrange(1000)})\n", 1)
    elif how == "date":  # moves the article to another place in every list
        year = rng.randrange(2005, 2025)
        text = re.sub(r"Global Research, (\w+ \d+), \d{4}", rf"Global Research, \1, {year}", text)
    elif how == "topic":
        text = re.sub(r"^Theme: .*$", f"Theme: [Topic {rng.randrange(4)}](#)", text, flags=re.M)
    elif how == "tail":  # a paragraph at the end of the body: its archive pages stay
        at = text.index(ATTRIBUTION)
        text = f"{text[:at]}\nA late correction, number {rng.randrange(1000)}.\n{text[at:]}"
    else:
        text = text.replace("\n\n", f"\n\nA correction, number {rng.randrange(1000)}.\n\n", 1)
    original = path.read_text("utf-8")
    path.write_text(text, "utf-8")
    if check_file(path)[0] is None:  # the edit broke the header (a second subtitle): undo
        path.write_text(original, "utf-8")
    stat = path.stat()  # a new mtime even within the file system's clock resolution
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))


@pytest.mark.parametrize("seed", [1, 2])
def test_random_changes_build_exactly(in_tmp: Path, seed: int) -> None:
    """Random sequences of edits, adds and deletes, each followed by an incremental build
    (from the spare tree or hard links, writing only the files whose keys changed): after
    every step dist/ is byte-identical to a cold build of the same seeds. Small pages give
    every feed and list archive pages, so articles move between them."""
    Path("pyproject.toml").write_text(
        "[tool.publisher]\nitems_per_feed = 4\nitems_per_page = 3\n", "utf-8"
    )
    rng = random.Random(seed)
    seeds = in_tmp / "seeds"
    generate(40, seeds, seed=seed)
    publish()
    total = len(tree(in_tmp / "dist"))
    extra = iter(range(1000, 2000))
    for step in range(6):
        for _ in range(rng.randrange(1, 4)):
            how = rng.choice(EDITS)
            files = sorted(seeds.iterdir())
            if how == "add":
                name, text = write_article(next(extra), article_rng(seed, next(extra)))
                (seeds / name).write_text(text, "utf-8")
            elif how == "delete":
                rng.choice(files).unlink()
            else:
                _edit(rng.choice(files), how, rng)
        output = publish()
        written = int(re.search(r"wrote (\d+) files", output).group(1))  # type: ignore[union-attr]
        assert written < total / 2, f"step {step}: an incremental build rewrote {written} files"
        cold = in_tmp / f"cold{step}"
        publish("--dist", str(cold), "--force")
        assert tree(in_tmp / "dist") == tree(cold), f"step {step} differs from a cold build"
        shutil.rmtree(cold)


def test_builds_keep_a_spare_tree_and_rewrite_only_changed_files(project: Path) -> None:
    """A cold build leaves a spare copy of its tree (hard links) for the next build to
    start from; an edit then writes only the files that show the edited article, and the
    tree it replaced becomes the next spare."""
    publish()
    dist, spare = project / "dist", project / ".dist.spare"
    assert tree(spare) == tree(dist)
    page = dist / f"articles/{SEED.stem.split('_', 1)[1]}.html"
    other = next(p for p in (dist / "articles").glob("*.html") if p != page)
    before = {p: p.stat().st_ino for p in (page, other)}
    path = project / "seeds" / SEED.name
    path.write_text(path.read_text("utf-8").replace("Putin", "Mr Putin", 1), "utf-8")
    output = publish()
    # Its page, the documents listing it, its sitemap, its year's search index and their list.
    assert int(re.search(r"wrote (\d+) files", output).group(1)) < 32  # type: ignore[union-attr]
    assert page.stat().st_ino != before[page]  # rewritten
    assert other.stat().st_ino == before[other]  # the same file, kept
    assert "Mr Putin" not in (spare / page.relative_to(dist)).read_text("utf-8")


@pytest.mark.parametrize("rewritten", [False, True])
def test_a_spare_tree_mostly_stale_is_dropped_not_updated(project: Path, rewritten: bool) -> None:
    """After a build that rewrote most files (here: a new title), the spare tree differs
    from dist/ almost everywhere: the next build starts from fresh hard links instead of
    replacing each file of the spare (slow: freeing the old files), and the output is the
    same. After a small change, the spare is updated as usual."""
    publish()
    if rewritten:
        Path("pyproject.toml").write_text('[tool.publisher]\ntitle = "Another"\n', "utf-8")
    _edit(project / "seeds" / SEED.name, "tail", random.Random(2))
    publish()  # rewrites every page (rewritten) or the edited article's (not)
    spare = (project / ".dist.spare").stat().st_ino
    _edit(project / "seeds" / SEED.name, "tail", random.Random(3))
    publish()
    dist = project / "dist"
    # Updated, the spare becomes the output (the same folder); dropped, a new folder does.
    assert (dist.stat().st_ino == spare) is not rewritten
    assert tree(project / ".dist.spare") != tree(dist)  # the output before the edit
    publish("--dist", "cold", "--force")
    assert tree(dist) == tree(project / "cold")


@pytest.mark.parametrize("lead", [True, False])
def test_a_correction_down_the_body_rewrites_no_archive_page(in_tmp: Path, lead: bool) -> None:
    """Archive and list pages show an article's title, dates, topics and summary, not its
    body: a paragraph added at the end of a body rewrites its page and the subscription
    documents, and no archive page. Without a lead the summary comes from the body's
    first paragraph: a change there rewrites them. Either way: as a cold build."""
    Path("pyproject.toml").write_text(
        "[tool.publisher]\nitems_per_feed = 4\nitems_per_page = 3\n", "utf-8"
    )
    seeds = in_tmp / "seeds"
    generate(30, seeds, seed=3)
    records = {path: check_file(path)[0] for path in sorted(seeds.iterdir())}
    # The oldest such article: on archive pages, not among the newest 4. Without a lead or
    # a subtitle, its summary comes from its body's opening.
    path = min(
        (p for p, r in records.items() if r and bool(r["lead"] or r["subtitle"]) == lead),
        key=lambda p: records[p]["published"],  # type: ignore[index]
    )
    publish()
    archive = sorted((in_tmp / "dist" / "feeds" / "archive").rglob("*.*"))
    before = {p: p.stat().st_ino for p in archive}
    _edit(path, "tail", random.Random(1))
    publish()
    kept = [p for p in archive if p.exists() and p.stat().st_ino == before[p]]
    assert kept == archive  # no archive document rewritten
    publish("--dist", "cold", "--force")
    assert tree(in_tmp / "dist") == tree(in_tmp / "cold")
    if not lead:  # a change to the body's opening changes the summary: rewritten
        opening = records[path]["body"].split("\n\n", 1)[0][:24]  # type: ignore[index]
        text = path.read_text("utf-8")
        assert opening in text
        path.write_text(text.replace(opening, "Corrected: " + opening, 1), "utf-8")
        publish()
        assert any(p.stat().st_ino != before[p] for p in archive)
        publish("--dist", "cold", "--force")
        assert tree(in_tmp / "dist") == tree(in_tmp / "cold")


def test_a_file_added_to_dist_by_hand_does_not_come_back(project: Path) -> None:
    """A build replaces dist/ as a whole; starting from the spare tree (an earlier dist/)
    must not bring back what someone put there by hand (review finding)."""
    publish()
    Path("dist/CNAME").write_text("archive.example.org\n", "utf-8")
    path = project / "seeds" / SEED.name
    for word in ("Mr Putin", "President Putin", "Putin"):
        path.write_text(path.read_text("utf-8").replace("Putin", word, 1), "utf-8")
        os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 10**9))
        publish()
        assert not Path("dist/CNAME").exists()
    publish("--dist", "cold", "--force")
    assert tree(project / "dist") == tree(project / "cold")
