"""The command line through click's CliRunner: exit codes, formats, inspect, help."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from publisher import __version__
from publisher.cli import TerminalProgress, exit_status, main

from .conftest import FIXTURES, ROOT, SEED


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def without_disclaimer(seeds: Path) -> Path:
    text = SEED.read_text("utf-8")
    start = text.index("**Disclaimer:**")
    end = text.index("For media inquiries")
    path = seeds / "001_no-disclaimer.txt"
    path.write_text(text[:start] + text[end:], "utf-8")
    return path


def test_validate_clean_exits_0(seeds: Path) -> None:
    code, out, _ = run("--validate")
    assert code == 0
    assert out.strip() == "1 article checked, 0 invalid"


def test_validate_without_disclaimer_exits_1_naming_file_and_field(seeds: Path) -> None:
    without_disclaimer(seeds)
    code, out, err = run("--validate")
    assert code == 1 and err == ""  # --validate reports on stdout, in every format
    assert "seeds/001_no-disclaimer.txt: $.disclaimer: the fair-use disclaimer is missing" in out
    assert out.strip().endswith("2 articles checked, 1 invalid")


def test_validate_json_format(seeds: Path) -> None:
    without_disclaimer(seeds)
    code, out, _ = run("--validate", "--format", "json")
    assert code == 1
    document = json.loads(out)
    assert document["ok"] is False and document["checked"] == 2 and document["invalid"] == 1
    [problem] = document["problems"]
    assert problem["file"] == "seeds/001_no-disclaimer.txt"
    assert problem["path"] == "$.disclaimer" and problem["line"] is None


def test_validate_json_format_clean(seeds: Path) -> None:
    code, out, _ = run("--validate", "--format", "json")
    assert code == 0 and json.loads(out) == {
        "ok": True,
        "checked": 1,
        "invalid": 0,
        "damaged_release_files": 0,
        "problems": [],
        "warnings": [],
    }


def test_validate_github_format(seeds: Path) -> None:
    text = SEED.read_text("utf-8").replace("September 07, 2013", "September 31, 2013")
    (seeds / "002_bad-date.txt").write_text(text, "utf-8")
    code, out, _ = run("--validate", "--format", "github")
    assert code == 1
    lines = out.strip().splitlines()
    assert lines[0].startswith("::error file=seeds/002_bad-date.txt,line=9,title=$.published::")
    assert "2013-09-31" in lines[0]
    assert lines[-1] == "2 articles checked, 1 invalid"


def test_github_format_escapes_properties(in_tmp: Path) -> None:
    folder = in_tmp / "my,seeds"
    folder.mkdir()
    (folder / "a.json").write_text("{broken", "utf-8")
    code, out, _ = run("--validate", "--format", "github", "--seeds", str(folder))
    assert code == 1
    assert out.startswith("::error file=my%2Cseeds/a.json,line=1,title=$::")


def test_every_invalid_fixture_exits_1(in_tmp: Path) -> None:
    code, out, _ = run("--validate", "--format", "json", "--seeds", str(FIXTURES / "invalid"))
    assert code == 1
    document = json.loads(out)
    assert document["invalid"] == document["checked"] >= 8


def test_duplicate_ids_exit_1(in_tmp: Path) -> None:
    code, out, _ = run("--validate", "--seeds", str(FIXTURES / "duplicates"))
    assert code == 1 and "already used by" in out


def test_missing_seeds_folder_exits_2(in_tmp: Path) -> None:
    code, _, err = run("--validate")
    assert code == 2 and "seeds folder 'seeds' does not exist" in err


def test_empty_seeds_folder_exits_2(in_tmp: Path) -> None:
    (in_tmp / "seeds").mkdir()
    code, _, err = run("--validate")
    assert code == 2 and "no seed files" in err


def test_unknown_option_exits_2(seeds: Path) -> None:
    code, _, _ = run("--validate", "--format", "xml")
    assert code == 2


def test_bad_setting_exits_2_naming_it(seeds: Path) -> None:
    Path("pyproject.toml").write_text('[tool.publisher]\nbase_url = "ftp://x"\n', "utf-8")
    code, _, err = run("--validate")
    assert code == 2 and "'base_url'" in err


def test_unknown_setting_exits_2(seeds: Path) -> None:
    Path("site.toml").write_text("titel = 'x'\n", "utf-8")
    code, _, err = run("--validate", "--config", "site.toml")
    assert code == 2 and "'titel'" in err


def test_missing_config_file_exits_2(seeds: Path) -> None:
    code, _, err = run("--validate", "--config", "nope.toml")
    assert code == 2 and "nope.toml" in err


def test_inspect_prints_the_record(seeds: Path) -> None:
    code, out, _ = run("inspect", "seeds/000_64a29ae14d7662cb.txt")
    assert code == 0
    record = json.loads(out)
    assert record["id"] == "64a29ae14d7662cb"
    assert record["published"] == "2013-09-07" and record["authors"] == ["RT"]
    assert record["reports"] == ["SYRIA"] and record["copyright_year"] == 2013


def test_inspect_invalid_exits_1_with_messages(seeds: Path) -> None:
    path = without_disclaimer(seeds)
    code, out, err = run("inspect", str(path))
    assert code == 1
    assert "disclaimer" not in json.loads(out)  # the record as parsed, without the field
    assert "$.disclaimer: the fair-use disclaimer is missing" in err


def test_inspect_not_utf8_exits_1(in_tmp: Path) -> None:
    code, _, err = run("inspect", str(FIXTURES / "invalid" / "107_not-utf8.txt"))
    assert code == 1 and "not valid UTF-8" in err


def test_inspect_missing_file_exits_2(in_tmp: Path) -> None:
    code, _, err = run("inspect", "nope.txt")
    assert code == 2 and "nope.txt" in err


def test_version() -> None:
    code, out, _ = run("--version")
    assert code == 0 and __version__ in out


def all_commands(group: click.Group) -> list[list[str]]:
    names: list[list[str]] = [[]]
    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            names += [[name, *rest] for rest in all_commands(command)]
        else:
            names.append([name])
    return names


@pytest.mark.parametrize("command", all_commands(main), ids=lambda c: " ".join(c) or "publish")
def test_every_command_has_help(command: list[str]) -> None:
    code, out, _ = run(*command, "--help")
    assert code == 0 and "Usage:" in out and len(out.splitlines()) > 4


def test_damaged_release_index_is_an_error_not_a_traceback(seeds: Path) -> None:
    assert run()[0] == 0  # a published dist/ ...
    index = Path("dist/releases/index.json")
    index.parent.mkdir(parents=True, exist_ok=True)
    index.write_text("{not json", "utf-8")  # ... whose release index got damaged
    result = CliRunner().invoke(main, ["--force"])
    assert result.exit_code == 1
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "publish --validate" in result.output + result.stderr
    code, out, _ = run("--validate")
    assert code == 1 and "index.json" in out


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_bars_only_on_a_terminal() -> None:
    terminal = FakeTerminal()
    progress = TerminalProgress(True, terminal)
    for done in (0, 50, 100):
        progress("checking", done, 100)
    progress("rendering", 10, 10)
    progress.close()
    shown = terminal.getvalue()
    assert "checking" in shown and "rendering" in shown and "100%" in shown
    quiet = FakeTerminal()
    TerminalProgress(False, quiet)("checking", 1, 2)
    piped = io.StringIO()  # not a terminal: a log or CI
    TerminalProgress(True, piped)("checking", 1, 2)
    assert quiet.getvalue() == piped.getvalue() == ""


def test_build_output_has_no_progress_when_piped(seeds: Path) -> None:
    code, out, err = run()
    assert code == 0 and err == ""
    assert out.strip().endswith("files to dist")


@pytest.mark.parametrize("cache", ["on", "off"])
def test_a_file_name_that_is_not_utf8_is_a_problem_not_a_crash(
    seeds: Path, monkeypatch: pytest.MonkeyPatch, cache: str
) -> None:
    if cache == "off":
        monkeypatch.setenv("PUBLISHER_NO_CACHE", "1")
    name = os.fsdecode(b"002_caf\xe9.txt")  # a lone surrogate in the str
    shutil.copy(SEED, seeds / name)
    for _ in range(2):  # the second run reads what the first one cached
        code, out, err = run("--validate", "--seeds", str(seeds))
        assert code == 1, err
        assert "rename" in out + err  # the problem says what to do
        assert "002_caf\\xe9.txt" in out  # the byte shown, as a printable escape
    code, _, err = run("--seeds", str(seeds), "--dist", "dist")
    assert code == 1 and "Traceback" not in err


def test_every_command_keeps_freed_memory_for_reuse(
    seeds: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # See publisher/engine/heap.py: without it a release spends ~0.5 s a gigabyte faulting in pages.
    calls: list[bool] = []
    monkeypatch.setattr("publisher.cli.keep_freed_memory", lambda: calls.append(True))
    assert run("--validate")[0] == 0
    assert run("inspect", str(seeds / SEED.name))[0] == 0
    assert calls == [True, True]


@pytest.mark.skipif(not hasattr(os, "confstr"), reason="POSIX only")
def test_the_allocator_is_tuned_where_it_is_glibc() -> None:
    from publisher.engine.heap import keep_freed_memory

    try:
        glibc = bool(os.confstr("CS_GNU_LIBC_VERSION"))
    except ValueError:
        glibc = False
    assert keep_freed_memory() is glibc


def test_the_installed_command_ends_with_mains_codes_and_all_its_output(seeds: Path) -> None:
    """The installed command (cli.run) ends the process without the interpreter's orderly
    teardown: the same exit codes as main, and all of its output, which a pipe buffers."""
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]["scripts"]
    assert scripts == {"publish": "publisher.cli:run"}

    def publish(*args: str) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "publisher", *args]
        return subprocess.run(command, capture_output=True, text=True, check=False)

    built = publish()
    assert (
        built.returncode == 0
        and built.stdout.startswith("1 article checked, 0 invalid; wrote ")
        and built.stderr == ""
    )
    assert (seeds.parent / "dist" / "index.html").is_file()
    inspected = publish("inspect", "seeds/000_64a29ae14d7662cb.txt")
    assert inspected.returncode == 0
    assert json.loads(inspected.stdout)["id"] == "64a29ae14d7662cb"  # every byte of it
    invalid = publish("inspect", str(without_disclaimer(seeds)))
    assert invalid.returncode == 1 and "the fair-use disclaimer is missing" in invalid.stderr
    usage = publish("--no-such-option")
    assert usage.returncode == 2 and "No such option" in usage.stderr
    assert publish("--version").stdout.strip().endswith(__version__)


class Stream(io.StringIO):
    """An output stream that records its flushes, or fails them as a closed pipe does."""

    def __init__(self, broken: bool = False) -> None:
        super().__init__()
        self.broken, self.flushed = broken, 0

    def flush(self) -> None:
        if self.broken:
            raise BrokenPipeError(32, "Broken pipe")
        self.flushed += 1


@pytest.mark.parametrize(
    ("code", "status"), [(None, 0), (0, 0), (1, 1), (2, 2), (130, 130), ("a message", 1)]
)
def test_exit_status_is_what_sys_exit_would_give_once_flushed(
    code: object, status: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    out, err = Stream(), Stream()
    monkeypatch.setattr(sys, "stdout", out)
    monkeypatch.setattr(sys, "stderr", err)
    assert exit_status(code) == status
    assert err.getvalue() == ("a message\n" if isinstance(code, str) else "")
    assert out.flushed == err.flushed == 1  # os._exit flushes nothing itself


def test_exit_status_of_a_closed_pipe_is_pythons_120(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdout", Stream(broken=True))
    monkeypatch.setattr(sys, "stderr", Stream())
    assert exit_status(0) == 120
    assert exit_status(1) == 1  # a failure says so whatever became of its output
