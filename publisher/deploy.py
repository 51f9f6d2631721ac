"""`publish deploy s3://bucket/prefix`: make an S3-compatible bucket hold dist/ (the plan is
deploy_plan's), through boto3 (the optional extra `publisher[deploy]`).

Uploads run in parallel threads (boto3 clients are thread-safe); botocore retries each
request with exponential backoff ("standard" mode). The manifest is written twice: before
the first upload, listing every path the deploy may create (with no hash for those it is
about to send), and after the last delete, as the bucket then is. A deploy that is killed
or fails midway therefore leaves a manifest that names every object it may have left, with
a hash only where the object is known to hold it, and the next deploy converges.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor, as_completed
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from . import deploy_plan
from .dataset import Stored
from .deploy_plan import MANIFEST, UNKNOWN, Plan, Upload
from .problems import ReleaseError, UsageError
from .progress import Progress, silent

MANIFEST_TYPE = "application/json"
_DELETE_BATCH = 1000  # DeleteObjects takes at most 1,000 keys
_ABSENT = frozenset(("NoSuchKey", "NotFound", "404"))


@dataclass(frozen=True)
class Target:
    bucket: str
    prefix: str  # "" or "site/" (always ending in "/")

    @classmethod
    def parse(cls, url: str) -> Target:
        parts = urlsplit(url)
        if parts.scheme != "s3" or not parts.netloc or parts.query or parts.fragment:
            raise UsageError(f"deploy target {url!r} is not s3://BUCKET or s3://BUCKET/PREFIX")
        prefix = parts.path.strip("/")
        return cls(parts.netloc, f"{prefix}/" if prefix else "")

    def key(self, path: str) -> str:
        return self.prefix + path


def client(endpoint_url: str | None, jobs: int) -> Any:
    """A boto3 S3 client: credentials and region from the usual AWS environment variables
    and files; path-style addressing for an --endpoint-url (MinIO, R2, rclone and others)."""
    try:
        import boto3
        from botocore.config import Config
        from botocore.exceptions import BotoCoreError
    except ImportError:
        raise UsageError("publish deploy needs boto3: pip install 'publisher[deploy]'") from None
    config = Config(
        retries={"mode": "standard", "max_attempts": 6},
        max_pool_connections=max(10, jobs),
        s3={"addressing_style": "path"} if endpoint_url else {},
        # Ask for checksums only where S3 requires them: S3-compatible servers differ on
        # the newer trailing checksums; integrity is our sha256, checked by the manifest.
        request_checksum_calculation="when_required",
        response_checksum_validation="when_required",
    )
    try:
        return boto3.session.Session().client("s3", endpoint_url=endpoint_url, config=config)
    except (ValueError, BotoCoreError) as exc:  # a malformed URL, an unknown AWS_PROFILE
        raise UsageError(f"cannot reach S3: {exc}") from None


@contextmanager
def storage_errors(target: Target) -> Iterator[None]:
    """What the bucket refuses, or a network that fails after the retries, as one line
    (exit 2): the command cannot do its job where it was pointed."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        yield
    except ClientError as exc:
        error = exc.response.get("Error", {})
        raise UsageError(
            f"s3://{target.bucket}/{target.prefix}: {error.get('Code', '?')}: "
            f"{error.get('Message', exc)}; check the bucket, the credentials (deploy needs "
            "s3:GetObject, s3:PutObject, s3:DeleteObject and s3:ListBucket) and --endpoint-url"
        ) from None
    except BotoCoreError as exc:
        raise UsageError(f"s3://{target.bucket}/{target.prefix}: {exc}") from None


def missing(exc: Exception) -> bool:
    """An S3 error saying the object is not there (servers differ in how they say it)."""
    response = getattr(exc, "response", None) or {}
    return response.get("Error", {}).get("Code") in _ABSENT


def read_manifest(s3: Any, target: Target) -> dict[str, Stored]:
    from botocore.exceptions import ClientError

    try:
        body = s3.get_object(Bucket=target.bucket, Key=target.key(MANIFEST))["Body"].read()
    except ClientError as exc:
        if missing(exc):
            return {}
        raise
    try:
        entries = json.loads(body)["files"]
        return {path: Stored(entry["size"], entry["sha256"]) for path, entry in entries.items()}
    except (ValueError, KeyError, TypeError):
        raise UsageError(
            f"s3://{target.bucket}/{target.key(MANIFEST)} is not a deploy manifest: "
            "delete it to upload everything again"
        ) from None


def write_manifest(s3: Any, target: Target, files: Mapping[str, Stored]) -> None:
    document = {
        "format": "publisher deploy manifest 1",
        "files": {path: {"sha256": s.sha256, "size": s.size} for path, s in sorted(files.items())},
    }
    s3.put_object(
        Bucket=target.bucket,
        Key=target.key(MANIFEST),
        Body=json.dumps(document, indent=1).encode(),
        ContentType=MANIFEST_TYPE,
        CacheControl="no-store",
    )


def upload(s3: Any, target: Target, dist: Path, item: Upload) -> None:
    with (dist / item.path).open("rb") as body:
        s3.put_object(
            Bucket=target.bucket,
            Key=target.key(item.path),
            Body=body,
            ContentType=item.content_type,
            CacheControl=item.cache_control,
            Metadata={"sha256": item.sha256},
        )


def intent(remote: Mapping[str, Stored], plan: Plan) -> dict[str, Stored]:
    """The manifest while the deploy runs: what the bucket held, with every path about to be
    uploaded marked as holding unknown bytes (a hash no file has)."""
    during = dict(remote)
    for item in plan.uploads:
        during[item.path] = UNKNOWN
    return during


def deploy(
    dist: Path,
    target: Target,
    s3: Any,
    *,
    dry_run: bool = False,
    jobs: int = 8,
    known: Path | None = None,
    progress: Progress = silent,
    announce: Callable[[Plan], None] = lambda plan: None,
) -> Plan:
    """Make the bucket hold dist/ (see the module's docstring); the plan, done (or, with
    `dry_run`, only made). `known`: where the hashes of dist/'s files are kept between
    deploys (deploy_plan.scan). Raises ReleaseError (refused) or UsageError (the bucket)."""
    local = deploy_plan.scan(dist, known, progress)
    with storage_errors(target):
        remote = read_manifest(s3, target)
        plan = deploy_plan.plan(local, remote)
        unpublished(s3, target, plan)  # only reads: a dry run refuses what the deploy would
        announce(plan)
        if dry_run or not (plan.uploads or plan.deletes):
            return plan
        write_manifest(s3, target, intent(remote, plan))
        try:
            _send(s3, target, dist, plan, jobs, progress)
        except OSError as exc:  # a file removed or made unreadable since the scan
            if exc.filename is None:
                raise
            raise UsageError(f"cannot deploy {exc.filename}: {exc.strerror}") from None
        _delete(s3, target, plan)
        write_manifest(s3, target, local)
    return plan


def unpublished(s3: Any, target: Target, plan: Plan) -> None:
    """A release file the manifest does not know (a first deploy, or a lost manifest) is
    sent only if the bucket does not hold it already with other bytes (x-amz-meta-sha256)."""
    from botocore.exceptions import ClientError

    for item in plan.uploads:
        if not deploy_plan.published(item.path) or item.why != "new":
            continue
        try:
            head = s3.head_object(Bucket=target.bucket, Key=target.key(item.path))
        except ClientError as exc:
            if missing(exc):
                continue
            raise
        held = {key.lower(): value for key, value in head.get("Metadata", {}).items()}
        if held.get("sha256") != item.sha256:
            raise ReleaseError(
                f"refused: s3://{target.bucket}/{target.key(item.path)} is published with "
                "other bytes than dist/ holds; a published release never changes"
            )


def _delete(s3: Any, target: Target, plan: Plan) -> None:
    """Delete in batches; a key the bucket refused to delete stops the deploy (exit 2) with
    the manifest still naming it, so the next deploy tries again."""
    for at in range(0, len(plan.deletes), _DELETE_BATCH):
        keys = [{"Key": target.key(d.path)} for d in plan.deletes[at : at + _DELETE_BATCH]]
        answer = s3.delete_objects(Bucket=target.bucket, Delete={"Objects": keys, "Quiet": True})
        if errors := answer.get("Errors"):
            shown = ", ".join(f"{e.get('Key')} ({e.get('Code')})" for e in errors[:5])
            raise UsageError(f"s3://{target.bucket}: could not delete {len(errors)}: {shown}")


def _send(s3: Any, target: Target, dist: Path, plan: Plan, jobs: int, progress: Progress) -> None:
    """Upload wave by wave (deploy_plan.wave), each started when the one before is done."""
    waves = [[u for u in plan.uploads if deploy_plan.wave(u.path) == n] for n in range(3)]
    total, done = plan.upload_bytes, 0
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        for wave in waves:
            futures = {pool.submit(upload, s3, target, dist, item): item for item in wave}
            try:
                for future in as_completed(futures):
                    future.result()
                    done += futures[future].size
                    progress("upload", done, total)
            except BaseException:
                pool.shutdown(wait=True, cancel_futures=True)  # those running finish
                raise
