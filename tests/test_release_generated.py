"""A release of 1,000 generated articles (benchmarks/generate.py), checked as a downloader
checks it, with the command-line tools the dataset card names: `sha256sum -c SHA256SUMS`,
`frictionless validate datapackage.json` and `mlcroissant validate --jsonld croissant.json`;
and then a second release after edits, whose delta files take the first to it."""

from __future__ import annotations

import gzip
import json
import shutil
import sys
from pathlib import Path

import pytest

from benchmarks.generate import generate

from .releasetools import cut, jsonl_records, run_offline

ARTICLES = 1000
TOOLS = Path(sys.executable).parent


@pytest.fixture(scope="module")
def releases(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("generated")
    seeds = root / "seeds"
    generate(ARTICLES, seeds, seed=5)
    cut(seeds, root / "dist")
    # The second release: one article edited, one removed, one added.
    edited, removed = sorted(seeds.iterdir())[10:12]
    marker = "\nThe original source of this article is"  # where the body ends
    text = edited.read_text("utf-8")
    assert marker in text
    edited.write_text(text.replace(marker, "\nAn added paragraph.\n" + marker, 1), "utf-8")
    removed.unlink()
    generate(1, seeds, seed=5, start=ARTICLES)  # the next article of the same corpus
    cut(seeds, root / "dist")
    return root / "dist" / "releases"


@pytest.mark.parametrize("version", ["v1.0.0", "v2.0.0"])
def test_the_cards_checks_pass(releases: Path, version: str) -> None:
    folder = releases / version
    if shutil.which("sha256sum") is None:
        pytest.skip("sha256sum is not installed")
    checked = run_offline(["sha256sum", "-c", "--strict", "SHA256SUMS"], folder)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert checked.stdout.count(": OK") == len((folder / "SHA256SUMS").read_text().splitlines())
    frictionless = run_offline(
        [str(TOOLS / "frictionless"), "validate", "datapackage.json"], folder
    )
    assert frictionless.returncode == 0, frictionless.stdout + frictionless.stderr
    croissant = run_offline(
        [str(TOOLS / "mlcroissant"), "validate", "--jsonld", "croissant.json"], folder
    )
    assert croissant.returncode == 0, croissant.stdout + croissant.stderr
    assert len(jsonl_records(folder)) == ARTICLES


def test_the_second_release_holds_one_of_each_change(releases: Path) -> None:
    delta = releases / "v2.0.0" / "delta"
    counts = {
        name: len(gzip.decompress((delta / name).read_bytes()).splitlines())
        for name in ("added.jsonl.gz", "changed.jsonl.gz")
    }
    removed = (delta / "removed.jsonl").read_text("utf-8").splitlines()
    assert counts == {"added.jsonl.gz": 1, "changed.jsonl.gz": 1} and len(removed) == 1
    assert json.loads(removed[0]).keys() == {"id"}
