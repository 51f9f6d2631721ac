"""Messages a person can act on: real dates, encodings with line and column, files in the
seeds folder that are not read, and --validate on stdout."""

from __future__ import annotations

import json
from pathlib import Path

from publisher.problems import no_such_day

from .conftest import FIXTURES, SEED
from .test_cli import run


def test_a_date_that_does_not_exist_says_why_and_where(seeds: Path) -> None:
    text = SEED.read_text("utf-8").replace("September 07, 2013", "February 30, 2014")
    (seeds / SEED.name).write_text(text, "utf-8")
    code, out, _ = run("--validate")
    assert code == 1
    line = next(n for n, t in enumerate(text.splitlines(), 1) if "February 30, 2014" in t)
    assert (
        f"seeds/{SEED.name}:{line}: $.published: the publication date '2014-02-30' is not a "
        "real date (February 2014 has 28 days): correct the day or month on that line"
    ) in out
    assert "add a date line" not in out  # the line is there: it is the day that is wrong


def test_a_json_seed_with_a_date_that_does_not_exist(in_tmp: Path) -> None:
    (in_tmp / "seeds").mkdir()
    record = json.loads((FIXTURES / "valid" / "020_bangladesh-garment-wages.json").read_text())
    record["published"] = "2023-04-31"
    (in_tmp / "seeds" / "a.json").write_text(json.dumps(record), "utf-8")
    code, out, _ = run("--validate")
    assert code == 1
    assert "'2023-04-31' is not a real date (April 2023 has 30 days)" in out
    assert "set 'published' in the JSON object" in out


def test_no_such_day() -> None:
    assert no_such_day("2024-02-29") is None
    assert no_such_day("2023-02-29") == "February 2023 has 28 days"
    assert no_such_day("2023-00-10") == "there is no month 0"
    assert no_such_day("2023-12-00") == "December 2023 has 31 days"


def test_not_utf8_gives_line_column_and_a_conversion(seeds: Path) -> None:
    (seeds / "b.txt").write_bytes(b"# T\xc3\xadtulo\n\nabc caf\xe9 au lait\n")
    code, out, _ = run("--validate")
    assert code == 1
    assert "seeds/b.txt:3: $: is not valid UTF-8 (byte 0xe9 at line 3, column 8)" in out
    assert "iconv -f latin1 -t utf-8 seeds/b.txt" in out


def test_a_file_that_is_not_a_seed_is_named_not_ignored(seeds: Path) -> None:
    (seeds / "notes.md").write_text("# An article saved as Markdown\n", "utf-8")
    (seeds / ".gitkeep").write_text("", "utf-8")  # hidden files are not mentioned
    code, out, _ = run("--validate")
    assert code == 0
    assert out.startswith("seeds/notes.md: warning: is not read: only *.txt")
    assert ".gitkeep" not in out
    report = json.loads(run("--validate", "--format", "json")[1])
    assert [w["file"] for w in report["warnings"]] == ["seeds/notes.md"] and report["ok"]
    assert run("--validate", "--format", "github")[1].startswith(
        "::warning file=seeds/notes.md::is not read"
    )
    for _ in range(2):  # a build, then a run with nothing to do, both say it
        code, _, err = run("-q")
        assert code == 0 and "seeds/notes.md: warning: is not read" in err


def test_validate_reports_on_stdout_in_every_format(seeds: Path) -> None:
    (seeds / "bad.txt").write_text("not an article\n", "utf-8")
    for output_format in ("text", "json", "github"):
        code, out, err = run("--validate", "--format", output_format)
        assert code == 1 and "bad.txt" in out and err == "", output_format
