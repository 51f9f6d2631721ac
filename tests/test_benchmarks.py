"""The benchmark harness works end to end at a tiny size; its corpus is deterministic and valid.

The performance targets themselves are checked by running the harness at full size, not here.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

from benchmarks.generate import generate

from .conftest import ROOT

KEYS = (
    "articles",
    "cold_s",
    "noop_s",
    "add_one_s",
    "edit_one_s",
    "validate_s",
    "release_s",
    "naive_s",
    "peak_rss_mb",
)


def digest(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def test_harness_end_to_end(tmp_path: Path) -> None:
    output = tmp_path / "results.json"
    run = subprocess.run(
        [
            sys.executable,
            str(ROOT / "benchmarks" / "run.py"),
            "--articles",
            "30",
            "--workdir",
            str(tmp_path / "work"),
            "--output",
            str(output),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert run.returncode == 0, run.stderr + run.stdout
    assert "cold build" in run.stdout
    results = json.loads(output.read_text("utf-8"))
    assert tuple(results)[: len(KEYS)] == KEYS
    assert results["articles"] == 30
    for key in KEYS[1:]:
        assert isinstance(results[key], int | float) and results[key] > 0, (key, results[key])
    assert results["speedup"] > 0
    # The work folder was kept (it was given) and holds the 30 seeds plus the added one.
    assert len(list((tmp_path / "work" / "seeds").glob("*.txt"))) == 31


def test_generate_is_deterministic(tmp_path: Path) -> None:
    first = generate(40, tmp_path / "a", seed=7)
    generate(40, tmp_path / "b", seed=7)
    generate(40, tmp_path / "c", seed=8)
    generate(10, tmp_path / "prefix", seed=7)
    assert len(first) == 40
    assert digest(tmp_path / "a") == digest(tmp_path / "b")
    assert all(
        name[:6].isdigit() and name[6] == "_" and len(name) == len("000000_") + 16 + len(".txt")
        for name in digest(tmp_path / "a")
    )
    # Another seed gives another corpus; a smaller corpus is a prefix of a larger one.
    assert digest(tmp_path / "a").keys().isdisjoint(digest(tmp_path / "c"))
    assert digest(tmp_path / "prefix").items() <= digest(tmp_path / "a").items()


def test_generated_articles_validate(tmp_path: Path) -> None:
    seeds = tmp_path / "seeds"
    generate(150, seeds, seed=11)
    check = subprocess.run(
        [sys.executable, "-m", "publisher", "--seeds", str(seeds), "--validate"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert check.returncode == 0, check.stdout + check.stderr
