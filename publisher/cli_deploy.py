"""`publish deploy`: the command line of deploy.py (registered on the group by cli.py)."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

import click

from .cli_options import exit_codes, shared_options
from .config import Options
from .output import MARKER, locked
from .problems import UsageError
from .terminal import TerminalProgress

if TYPE_CHECKING:  # imported when deploying: every other command would load the site's modules
    from .deploy_plan import Plan


def size(count: int) -> str:
    """Bytes for people, as the releases page gives them (site.human_size), "B" below 1 kB."""
    from .site import human_size

    return human_size(count) if count >= 1000 else f"{count} B"


def plan_lines(plan: Plan) -> list[str]:
    lines = [f"upload {size(u.size):>9}  {u.path} ({u.why})" for u in plan.uploads]
    return lines + [
        f"delete {size(d.size) if d.size >= 0 else '?':>9}  {d.path}" for d in plan.deletes
    ]


def summary(plan: Plan, where: str, *, dry_run: bool) -> str:
    verbs = ("would upload", "would delete") if dry_run else ("uploaded", "deleted")
    return (
        f"{where}: {verbs[0]} {len(plan.uploads)} files ({size(plan.upload_bytes)}), "
        f"{verbs[1]} {len(plan.deletes)}, {plan.unchanged} unchanged"
    )


@click.command()
@click.argument("target", metavar="s3://BUCKET[/PREFIX]")
@click.option(
    "--endpoint-url",
    metavar="URL",
    envvar="AWS_ENDPOINT_URL",
    default=None,
    help="An S3-compatible service (R2, MinIO, Backblaze B2, ...).  [env: AWS_ENDPOINT_URL]",
)
@click.option(
    "--dry-run", is_flag=True, help="Print what would be uploaded and deleted; change nothing."
)
@click.option(
    "--jobs",
    type=click.IntRange(1, 64),
    default=8,
    show_default=True,
    help="Uploads at once.",
)
@shared_options
def deploy(
    target: str, endpoint_url: str | None, dry_run: bool, jobs: int, options: Options
) -> None:
    """Make a bucket hold DIST: upload the files whose bytes changed (the landing page and
    the subscription feeds last), then delete what DIST no longer has.

    Published releases are never deleted or changed: a deploy that would is refused
    (exit 1). Credentials and region come from the usual AWS environment variables
    and files. Run it again after a failure: it converges.
    """
    from .deploy import Target, client
    from .deploy import deploy as run

    with exit_codes():
        where = Target.parse(target)
        if not (options.dist / MARKER).is_file():
            raise UsageError(f"{options.dist} is not a site built by publish: run publish first")
        s3 = client(endpoint_url, jobs)

    def announce(plan: Plan) -> None:
        if dry_run and (lines := plan_lines(plan)):
            click.echo("\n".join(lines))

    # The build's lock: no build swaps DIST while the deploy reads it, nor another deploy runs.
    waiting = partial(click.echo, err=True)
    with (
        exit_codes(),
        locked(options.dist, waiting=waiting),
        TerminalProgress(not options.quiet) as progress,
    ):
        plan = run(
            options.dist,
            where,
            s3,
            dry_run=dry_run,
            jobs=jobs,
            progress=progress,
            announce=announce,
            known=options.cache / "deploy-hashes.json",
        )
    if dry_run or not options.quiet:
        click.echo(summary(plan, target, dry_run=dry_run))
