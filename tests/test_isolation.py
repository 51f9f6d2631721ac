"""The suite is independent of the project's content: `seeds/` and `dist/` are what editors
change (add an article, rebuild), so no test may read them. Tests build from
tests/fixtures/ into tmp_path; .ci/run checks that the committed dist/ is up to date."""

from __future__ import annotations

import re
from pathlib import Path

from .conftest import ROOT

# ROOT / "seeds" or ROOT / "dist": relative paths are fine, tests run in tmp folders.
CONTENT = re.compile(r"""ROOT\s*/\s*["'](?:seeds|dist)\b""")


def test_no_test_reads_the_content_folders() -> None:
    offenders = [
        f"{path.name}:{number}: {line.strip()}"
        for path in sorted((ROOT / "tests").glob("*.py"))
        if path.name != Path(__file__).name
        for number, line in enumerate(path.read_text("utf-8").splitlines(), start=1)
        if CONTENT.search(line)
    ]
    assert not offenders, "tests must use tests/fixtures/, not seeds/ or dist/:\n" + "\n".join(
        offenders
    )


def test_the_pattern_catches_a_content_path() -> None:
    assert CONTENT.search('SEEDS = ROOT / "seeds"')
    assert CONTENT.search("committed = ROOT / 'dist'")
    assert not CONTENT.search('folder = tmp_path / "seeds"')
