"""Ctrl-C and SIGTERM in every phase of a build and a release: one line, exit 130 / 143
within 2 s, no traceback, no process left behind, the output as it was, the lock free.

Each case starts `publish` in a session of its own, waits until the phase is visibly under
way (worker processes running, files appearing in the staging folder), then signals
either the whole process group (a terminal's Ctrl-C reaches every process) or the build
process alone (`kill PID`).
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from benchmarks.generate import generate

ARTICLES = 1200  # enough for worker pools in the check and the article pass
# A shell's background job (a test run started with &) inherits SIGINT ignored, and publish
# keeps an ignored signal ignored: the child restores Python's own handler first. Then it
# is the installed command (cli.run, which ends the process with os._exit).
CHILD = (
    "import signal, sys; signal.signal(signal.SIGINT, signal.default_int_handler); "
    "from publisher.cli import run; run()"
)
COMMAND = [sys.executable, "-c", CHILD, "--seeds", "seeds", "--dist", "dist"]


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("interrupt")
    generate(ARTICLES, root / "seeds", seed=5)
    done = subprocess.run([*COMMAND, "-q"], cwd=root, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return root


def manifest(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def children(pid: int) -> list[int]:
    try:
        return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def running(pid: int) -> bool:
    """Alive, not a zombie (a dead child that init has not reaped yet)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def staging(root: Path) -> Path | None:
    found = sorted(root.glob(".dist.staging-*"))
    return found[0] if found else None


def files(folder: Path) -> int:
    return sum(1 for _ in folder.rglob("*")) if folder.is_dir() else 0


# Phase -> (command, a test of "under way" given the build's pid and the project folder).
Ready = Callable[[int, Path], bool]
PHASES: dict[str, tuple[list[str], Ready]] = {
    "checking": (
        ["--force"],
        lambda pid, root: staging(root) is None and len(children(pid)) >= 2,
    ),
    "articles": (
        ["--force"],
        lambda pid, root: (
            (s := staging(root)) is not None
            and files(s / "articles") > 100
            and not (s / "feeds").exists()
        ),
    ),
    "writing": (
        ["--force"],
        lambda pid, root: (s := staging(root)) is not None and files(s / "feeds") > 5,
    ),
    "release": (
        ["release", "--date", "2026-01-02"],
        lambda pid, root: (
            (s := staging(root)) is not None and any(s.glob("releases/v*/articles.jsonl.gz"))
        ),
    ),
}


@pytest.mark.skipif(not hasattr(os, "fork"), reason="the build forks workers on POSIX only")
@pytest.mark.parametrize("whom", ["group", "process"])
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["INT", "TERM"])
@pytest.mark.parametrize("phase", list(PHASES))
def test_a_signal_stops_the_run_cleanly(project: Path, phase: str, signum: int, whom: str) -> None:
    args, ready = PHASES[phase]
    cache = project / ".publisher-cache"
    if phase == "checking":  # a check with work to do: forget every verdict
        shutil.rmtree(cache, ignore_errors=True)
    before = manifest(project / "dist")
    with subprocess.Popen(
        [*COMMAND, *args],
        cwd=project,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    ) as run:
        deadline = time.monotonic() + 120
        while not ready(run.pid, project):
            assert run.poll() is None, f"finished before the {phase} phase: {run.stderr.read()}"
            assert time.monotonic() < deadline, f"the {phase} phase never came"
            time.sleep(0.002)
        workers = children(run.pid)
        sent = time.monotonic()
        if whom == "group":
            os.killpg(run.pid, signum)
        else:
            os.kill(run.pid, signum)
        try:
            _, err = run.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(run.pid, signal.SIGKILL)
            run.communicate()
            pytest.fail(f"publish still running 10 s after {signal.Signals(signum).name}")
        took = time.monotonic() - sent
    assert run.returncode == 128 + signum, err
    assert err == "interrupted: dist/ unchanged\n"
    assert took < 2.0, f"took {took:.2f} s to stop"
    alive = [pid for pid in workers if running(pid)]
    assert not alive, f"processes left running: {alive}"
    assert staging(project) is None
    assert manifest(project / "dist") == before
    with (project / ".dist.lock").open("a") as lock:  # free: taken at once
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        fcntl.flock(lock, fcntl.LOCK_UN)
    env = {**os.environ, "PUBLISHER_LOCK_WAIT": "0"}
    again = subprocess.run([*COMMAND, "-q"], cwd=project, capture_output=True, text=True, env=env)
    assert again.returncode == 0, again.stderr
