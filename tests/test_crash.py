"""Crash safety: a build killed at any moment leaves dist/ as it was; builds never interleave."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from benchmarks.generate import generate
from publisher.cli import main
from publisher.output import locked

from .conftest import ROOT

ARTICLES = 2000


def snapshot(folder: Path) -> dict[str, str]:
    """Every file and folder under `folder` with a digest of its bytes (or 'dir')."""
    state: dict[str, str] = {}
    for path in sorted(folder.rglob("*")):
        name = path.relative_to(folder).as_posix()
        state[name] = "dir" if path.is_dir() else hashlib.sha256(path.read_bytes()).hexdigest()
    return state


COMMAND = [sys.executable, "-m", "publisher"]
ENV = {**os.environ, "PUBLISHER_NO_CACHE": "1"}  # every run does the full work


def lingering(dist: Path, grace: float = 5.0) -> list[int]:
    """Processes still working on `dist` (workers of a killed build), after a short grace."""
    deadline = time.monotonic() + grace
    while True:
        found = []
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit() and int(entry.name) != os.getpid():
                try:
                    command = (entry / "cmdline").read_bytes()
                except OSError:
                    continue
                if str(dist).encode() in command:
                    found.append(int(entry.name))
        if not found or time.monotonic() > deadline:
            return found
        time.sleep(0.1)


def publish_process(*args: str, env: dict[str, str] = ENV) -> subprocess.Popen[bytes]:
    """A build to be killed."""
    return subprocess.Popen(
        [*COMMAND, *args], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env
    )


def publish(*args: str, env: dict[str, str] = ENV) -> None:
    """A build that must succeed."""
    done = subprocess.run([*COMMAND, *args], cwd=ROOT, capture_output=True, env=env, timeout=600)
    assert done.returncode == 0, done.stderr.decode()


def complete(seeds: Path, dist: Path, env: dict[str, str], *, release: bool) -> bool:
    """Whether `dist` is a finished build (and release) of `seeds`: another build leaves it
    as it is, and its releases match their checksums. Anything half-done fails this."""
    state = snapshot(dist)
    publish("--seeds", str(seeds), "--dist", str(dist), "-q", env=env)
    if snapshot(dist) != state:
        return False
    if release:
        checked = subprocess.run(
            [*COMMAND, "--seeds", str(seeds), "--dist", str(dist), "--validate"],
            cwd=ROOT,
            capture_output=True,
            env=env,
            timeout=600,
        )
        return checked.returncode == 0
    return True


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, float]:
    """Seeds, a dist built from them, and how long that build took."""
    root = tmp_path_factory.mktemp("crash")
    seeds = root / "seeds"
    generate(ARTICLES, seeds)
    dist = root / "dist"
    started = time.monotonic()
    publish("--seeds", str(seeds), "--dist", str(dist), "-q")
    return seeds, dist, time.monotonic() - started


@pytest.mark.parametrize(
    ("command", "incremental"),
    [([], False), (["release", "--date", "2026-01-01"], False), ([], True)],
    ids=["build", "release", "incremental"],
)
def test_killed_build_leaves_dist_exactly_as_it_was(
    corpus: tuple[Path, Path, float], command: list[str], incremental: bool
) -> None:
    """Full builds (no cache), releases, and incremental builds (with the cache: from the
    spare tree, then from hard links) killed at points spread over their duration."""
    seeds, dist, duration = corpus
    env = ENV
    first = sorted(seeds.glob("*.txt"))[0]
    extra = [seeds / "zzzzzz_crash-test.txt"]
    if incremental:
        # Time an incremental build that adds 200 articles, then undo it; the killed
        # builds add 200 others, so neither the spare tree nor the cache has their files.
        env = {k: v for k, v in ENV.items() if k != "PUBLISHER_NO_CACHE"}
        publish("--seeds", str(seeds), "--dist", str(dist), "-q", env=env)  # trees known
        durations = []
        for probe_seed in (6, 7):  # the faster of two: a busy machine slows one down
            probe = generate(200, seeds, seed=probe_seed, start=ARTICLES)
            started = time.monotonic()
            publish("--seeds", str(seeds), "--dist", str(dist), "-q", env=env)
            durations.append(time.monotonic() - started)
            for path in probe:
                path.unlink()
            publish("--seeds", str(seeds), "--dist", str(dist), "-q", env=env)
        duration = min(durations)
    before = snapshot(dist)
    # Change the input so a completed build would change dist/.
    if incremental:
        extra = generate(200, seeds, seed=8, start=ARTICLES)
    else:
        extra[0].write_text(first.read_text("utf-8").replace("# ", "# Crash test: ", 1), "utf-8")
    kills = 0
    finished = False
    try:
        # Incremental builds vary more (the first after a kill has no spare tree to start
        # from), so their kill points come earlier.
        fractions = (
            (0.05, 0.15, 0.3, 0.45, 0.6, 0.75) if incremental else (0.05, 0.2, 0.4, 0.6, 0.8, 0.95)
        )
        for fraction in fractions:
            process = publish_process(
                *command, "--seeds", str(seeds), "--dist", str(dist), "-q", env=env
            )
            time.sleep(duration * fraction)
            done = process.poll() is not None
            if not done:
                process.send_signal(signal.SIGKILL)
                process.wait(timeout=60)
                # Killed after it swapped in its result (between poll and kill): complete.
                changed = snapshot(dist) != before
                done = changed and complete(seeds, dist, env, release=bool(command))
            if done:  # finished before the kill: nothing to test here; undo the change
                finished = True
                for path in extra:
                    path.rename(path.with_suffix(".off"))
                publish("--seeds", str(seeds), "--dist", str(dist), "-q", "--force", env=env)
                for path in extra:
                    path.with_suffix(".off").rename(path)
                before = snapshot(dist)
                continue
            kills += 1
            assert snapshot(dist) == before, f"dist changed after a kill at {fraction:.0%}"
            assert not lingering(dist), "a worker of the killed build is still running"
        assert kills >= 4, "the build finished before most kill points: the test proved nothing"
        if finished and command:
            # A release that finished has published the change (a build is undone above,
            # a release cannot be): give the final release something new to publish.
            late = seeds / "zzzzzz_crash-test-late.txt"
            late.write_text(first.read_text("utf-8").replace("# ", "# Late: ", 1), "utf-8")
            extra.append(late)
        # The next run cleans up after the killed ones and succeeds.
        publish(*command, "--seeds", str(seeds), "--dist", str(dist), "-q", env=env)
        after = snapshot(dist)
        assert after != before
        assert not list(dist.parent.glob(f".{dist.name}.staging-*"))
        assert not list(dist.parent.glob(f".{dist.name}.old-*"))
    finally:
        for path in extra:
            path.unlink()
        publish("--seeds", str(seeds), "--dist", str(dist), "-q")


def test_second_build_is_refused_while_one_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PUBLISHER_LOCK_WAIT", "0.3")
    seeds = tmp_path / "seeds"
    generate(3, seeds)
    dist = tmp_path / "dist"
    with locked(dist):  # what a running build holds
        result = CliRunner().invoke(main, ["--seeds", str(seeds), "--dist", str(dist)])
    assert result.exit_code == 2
    assert "another publish is writing" in result.output + result.stderr
    assert not dist.exists()
    # Once the lock is free the build runs.
    result = CliRunner().invoke(main, ["--seeds", str(seeds), "--dist", str(dist), "-q"])
    assert result.exit_code == 0, result.output


def test_second_build_waits_for_the_first(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    seeds = tmp_path / "seeds"
    generate(3, seeds)
    dist = tmp_path / "dist"
    held = threading.Event()

    def hold_for_a_second() -> None:
        with locked(dist):
            held.set()
            time.sleep(1.0)

    holder = threading.Thread(target=hold_for_a_second)
    holder.start()
    held.wait()
    started = time.monotonic()
    result = CliRunner().invoke(main, ["--seeds", str(seeds), "--dist", str(dist), "-q"])
    holder.join()
    assert result.exit_code == 0, result.output
    assert time.monotonic() - started >= 0.5  # it waited, then built
    # ... and said so at once, even with -q (a silent wait of up to 30 s looks like a hang)
    assert result.stderr.startswith(f"waiting for another publish to finish writing {dist}")
    assert (dist / "index.html").is_file()


def test_complete_tells_a_finished_build_from_a_half_done_one(
    corpus: tuple[Path, Path, float],
) -> None:
    # What the kill test relies on when a build swapped in its result just before the kill.
    seeds, dist, _ = corpus
    assert complete(seeds, dist, ENV, release=False)
    next(dist.glob("articles/*.html")).unlink()  # as if the build stopped short of it
    assert not complete(seeds, dist, ENV, release=False)  # and that build put it back
    assert complete(seeds, dist, ENV, release=False)
