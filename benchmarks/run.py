"""Time `publish` on a synthetic archive, against the naive pipeline.

    python benchmarks/run.py --articles N [--workdir DIR] [--keep] [--output PATH] [--no-naive]

Generates N articles (not timed), then runs each step as its own process and records its
wall time and peak resident memory (`ru_maxrss` of that child, from `os.wait4`):

    cold_s      publish into an empty dist/ (and no cache: the work folder is wiped first)
    noop_s      publish again, nothing changed
    add_one_s   publish after adding one article
    edit_one_s  publish after editing the body of one article
    validate_s  publish --validate
    release_s   publish release --date 2026-01-01 (null when the command does not exist)
    naive_s     benchmarks/naive.py on the same seeds

Prints a table and writes the figures as JSON (default benchmarks/results.json).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from generate import DEFAULT_SEED, article_rng, generate, write_article  # noqa: E402

ROOT = HERE.parent
MARKER = ".publisher-benchmark"
RELEASE_DATE = "2026-01-01"
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
EDIT = (
    "Update: figures in this article were checked again against the ministry’s published "
    "budget outturn; the totals above are unchanged."
)


@dataclass(frozen=True)
class Step:
    key: str
    label: str
    seconds: float | None
    rss_mb: float | None
    returncode: int | None = None


def run_timed(command: Sequence[str], cwd: Path, env: dict[str, str], log: Path) -> Step:
    """Run `command` as a child; its wall time, peak RSS (MB) and exit code."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("wb") as output:
        began = time.perf_counter()
        process = subprocess.Popen(
            command, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=output, stderr=output
        )
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - began
    process.returncode = os.waitstatus_to_exitcode(status)
    # Linux reports ru_maxrss in kilobytes.
    return Step("", "", seconds, usage.ru_maxrss / 1024, process.returncode)


def tail(path: Path, lines: int = 15) -> str:
    text = path.read_text("utf-8", errors="replace").splitlines()
    return "\n".join(text[-lines:])


def prepare_workdir(workdir: Path | None) -> tuple[Path, bool]:
    """(work folder, whether we created it). A given folder must be empty or one of ours."""
    if workdir is None:
        return Path(tempfile.mkdtemp(prefix="publisher-bench-")), True
    workdir = workdir.resolve()
    if workdir.exists() and any(workdir.iterdir()) and not (workdir / MARKER).exists():
        raise SystemExit(
            f"error: {workdir} is not empty and not a benchmark folder: pick an empty folder"
        )
    workdir.mkdir(parents=True, exist_ok=True)
    return workdir, False


def wipe_except(workdir: Path, keep: set[str]) -> None:
    for path in workdir.iterdir():
        if path.name in keep:
            continue
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        else:
            path.unlink()


def add_article(seeds: Path, index: int, seed: int) -> Path:
    name, text = write_article(index, article_rng(seed, index))
    path = seeds / name
    path.write_bytes(text.encode("utf-8"))
    return path


def edit_article(seeds: Path, index: int) -> Path:
    """Add a paragraph at the end of the body of article `index` (before the attribution)."""
    path = next(seeds.glob(f"{index:06d}_*.txt"))
    text = path.read_bytes().decode("utf-8")
    newline = "\r\n" if "\r\n" in text else "\n"
    marker = f"{newline}The original source of this article is"
    at = text.index(marker)
    text = text[:at] + newline + EDIT + newline + text[at:]
    path.write_bytes(text.encode("utf-8"))
    return path


def machine() -> dict[str, Any]:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    commit = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gb": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "date": dt.date.today().isoformat(),
        "commit": commit or None,
    }


def release_exists(publish: Path, cwd: Path, env: dict[str, str]) -> bool:
    probe = subprocess.run(
        [str(publish), "release", "--help"], cwd=cwd, env=env, capture_output=True, check=False
    )
    return probe.returncode == 0


def default_publish() -> Path:
    beside = Path(sys.executable).parent / "publish"
    if beside.exists():
        return beside
    found = shutil.which("publish")
    if found is None:
        raise SystemExit("error: no `publish` command: install the project (pip install -e .)")
    return Path(found)


def benchmark(args: argparse.Namespace) -> tuple[dict[str, Any], list[Step]]:
    workdir, created = prepare_workdir(args.workdir)
    publish: Path = args.publish or default_publish()
    (workdir / MARKER).touch()
    seeds = workdir / "seeds"
    logs = workdir / "logs"
    # Any cache the build keeps outside dist/ lands in the work folder, so "cold" is cold.
    env = dict(os.environ, XDG_CACHE_HOME=str(workdir / "cache"))
    env.pop("PYTHONPROFILEIMPORTTIME", None)
    try:
        wipe_except(workdir, {MARKER})
        began = time.perf_counter()
        generate(args.articles, seeds, args.seed)
        generate_s = time.perf_counter() - began
        corpus_mb = sum(p.stat().st_size for p in seeds.iterdir()) / 2**20
        print(
            f"generated {args.articles} articles ({corpus_mb:.0f} MB) in {generate_s:.1f} s "
            f"in {workdir}",
            file=sys.stderr,
        )
        build = [str(publish), "--seeds", "seeds", "--dist", "dist", "--quiet"]
        steps: list[Step] = []
        failed = False

        def step(key: str, label: str, command: Sequence[str]) -> None:
            nonlocal failed
            print(f"  {label} ...", file=sys.stderr, flush=True)
            result = run_timed(command, workdir, env, logs / f"{key}.log")
            if result.returncode != 0:
                failed = True
                print(
                    f"error: {label} exited with {result.returncode}:\n{tail(logs / f'{key}.log')}",
                    file=sys.stderr,
                )
            seconds = result.seconds if result.returncode == 0 else None
            steps.append(Step(key, label, seconds, result.rss_mb, result.returncode))

        step("cold", "cold build", build)
        step("noop", "rebuild, no change", build)
        add_article(seeds, args.articles, args.seed)
        step("add_one", "rebuild, one added", build)
        edit_article(seeds, args.articles // 2)
        step("edit_one", "rebuild, one edited", build)
        step("validate", "publish --validate", [*build[:3], "--validate"])
        if release_exists(publish, workdir, env):
            step("release", "publish release", [*build, "release", "--date", RELEASE_DATE])
        else:
            print("  publish release: no such command yet, recorded as null", file=sys.stderr)
            steps.append(Step("release", "publish release", None, None))
        if args.naive:
            naive = [sys.executable, str(HERE / "naive.py"), "--seeds", "seeds", "--out", "naive"]
            step("naive", "naive pipeline", naive)
        else:  # an A/B of two commits: the baseline is the same for both
            steps.append(Step("naive", "naive pipeline", None, None))
    finally:
        if created and not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
        elif args.keep or not created:
            print(f"work folder kept: {workdir}", file=sys.stderr)

    by_key = {s.key: s for s in steps}
    publish_rss = [s.rss_mb for s in steps if s.key != "naive" and s.rss_mb is not None]
    results: dict[str, Any] = {"articles": args.articles}
    for key in KEYS[1:-1]:
        results[key] = _round(by_key[key.removesuffix("_s")].seconds)
    results["peak_rss_mb"] = _round(max(publish_rss), 1) if publish_rss else None
    cold, naive_s = results["cold_s"], results["naive_s"]
    results["speedup"] = _round(naive_s / cold, 2) if cold and naive_s else None
    results["rss_mb"] = {s.key: _round(s.rss_mb, 1) for s in steps}
    results["corpus_mb"] = round(corpus_mb, 1)
    results["generate_s"] = round(generate_s, 2)
    results["seed"] = args.seed
    results["machine"] = machine()
    results["failed"] = failed
    return results, steps


def _round(value: float | None, digits: int = 3) -> float | None:
    return None if value is None else round(value, digits)


def table(results: dict[str, Any], steps: Sequence[Step]) -> str:
    naive_s = results["naive_s"]
    info = results["machine"]
    lines = [
        f"publisher benchmark: {results['articles']:,} articles ({results['corpus_mb']:,.0f} MB)"
        f" on {info['cpu']}, {info['cores']} cores, Python {info['python']}",
        "",
        f"{'step':<22} {'seconds':>9} {'peak RSS MB':>12} {'speedup':>9}",
        f"{'-' * 22} {'-' * 9} {'-' * 12} {'-' * 9}",
    ]
    for s in steps:
        seconds = "n/a" if s.seconds is None else f"{s.seconds:.2f}"
        rss = "n/a" if s.rss_mb is None else f"{s.rss_mb:.0f}"
        ratio = "" if s.key == "naive" or not s.seconds or not naive_s else naive_s / s.seconds
        speedup = f"{ratio:.1f}x" if isinstance(ratio, float) else ratio
        lines.append(f"{s.label:<22} {seconds:>9} {rss:>12} {speedup:>9}")
    lines.append("")
    speed = results["speedup"]
    lines.append(
        f"peak RSS of publish: {results['peak_rss_mb']} MB; "
        f"cold build vs naive: {'n/a' if speed is None else f'{speed:.1f}x faster'}"
    )
    lines.append("(speedup = naive pipeline seconds / step seconds)")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, required=True, help="archive size")
    parser.add_argument("--workdir", type=Path, help="work folder (default: a temporary one)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary work folder")
    parser.add_argument(
        "--output", type=Path, default=HERE / "results.json", help="where to write the JSON"
    )
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="corpus seed")
    parser.add_argument("--publish", type=Path, help="the publish command to time")
    parser.add_argument(
        "--no-naive",
        dest="naive",
        action="store_false",
        help="skip the naive pipeline (recorded as null): for comparing two commits",
    )
    args = parser.parse_args(argv)
    if args.articles < 2:
        parser.error("--articles must be at least 2")
    results, steps = benchmark(args)
    print(table(results, steps))
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(results, indent=2) + "\n", "utf-8")
    print(f"wrote {args.output}", file=sys.stderr)
    return 1 if results["failed"] else 0


if __name__ == "__main__":
    raise SystemExit(main())
