"""The `publish` command: arguments to settings, call the pipeline, errors to exit codes.

Exit codes: 0 success, 1 invalid content (or nothing to do), 2 usage or configuration error,
130 interrupted (Ctrl-C), 143 terminated (SIGTERM).
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path
from typing import Any, Literal

import click

from . import __version__, pipeline
from .cli_deploy import deploy
from .cli_options import INVALID, _usage_error, exit_codes, shared_options
from .config import Options
from .engine.heap import keep_freed_memory
from .engine.interrupt import Interrupted, handled
from .problems import Problem, UsageError
from .report import REPORT_FORMATS, REPORTERS, printable, release_report, summary, warning_line
from .store import SeedStore
from .store.check import Signed
from .terminal import TerminalProgress
from .validate import CheckResult, examine


class Publish(click.Group):
    """The `publish` group: Ctrl-C or SIGTERM ends any command with one line and 130/143,
    never a traceback; the build it interrupts leaves DIST as it was (see engine/interrupt.py)."""

    def invoke(self, ctx: click.Context) -> Any:
        with handled():
            try:
                return super().invoke(ctx)
            except Interrupted as exc:  # pools and forked parts are stopped on the way up
                given = ctx.find_root().meta.get("publisher.options", {}).get("dist")
                dist = f"{Path(given or 'dist').as_posix().rstrip('/')}/"
                state = "written before the stop" if exc.completed else "unchanged"
                click.echo(f"interrupted: {dist} {state}", err=True)
                raise click.exceptions.Exit(exc.exit_code) from None


def format_option(command: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--format",
        "output_format",
        type=click.Choice(REPORT_FORMATS),
        default="text",
        show_default=True,
        help="How to report problems (github = workflow annotations).",
    )(command)


def check(
    options: Options, *, releases: bool = False, signed: Signed | None = None
) -> tuple[CheckResult, SeedStore]:
    """Check the seeds (and with `releases`, the published releases in DIST): the result,
    and the store a build reads their records from."""
    with exit_codes(), TerminalProgress(not options.quiet) as progress:
        dist = options.dist if releases else None
        return pipeline.check(
            options.seeds, options.cache, releases=dist, signed=signed, progress=progress
        )


def report(result: CheckResult, output_format: str, *, err: bool = False) -> None:
    """The problems, on stdout (what --validate is run for, in every format), or on stderr
    for a command whose stdout says something else."""
    click.echo(REPORTERS[output_format](result), err=err)


@click.group(
    cls=Publish,
    invoke_without_command=True,
    context_settings={"help_option_names": ["-h", "--help"]},
)
@click.option(
    "--validate",
    is_flag=True,
    help="Check every seed against the schema and every published release against its "
    "checksums; write nothing, report every problem.",
)
@click.option("--force", is_flag=True, help="Rebuild even if nothing changed since the last build.")
@format_option
@shared_options
@click.version_option(__version__, prog_name="publish")
@click.pass_context
def main(
    ctx: click.Context, validate: bool, force: bool, output_format: str, options: Options
) -> None:
    """Publish the articles in SEEDS as feeds, a static site and dataset releases.

    With no command, validate every seed and build DIST. Exit codes: 0 success,
    1 invalid content, 2 usage or configuration error.
    """
    keep_freed_memory()  # for every command: see engine/heap.py
    if ctx.invoked_subcommand is not None:
        return
    signed = None if validate or force else unchanged(options)
    if signed is True:
        return
    result, store = check(options, releases=validate, signed=signed or None)
    if validate or not result.ok:
        report(result, output_format, err=not validate)
        ctx.exit(0 if result.ok else INVALID)
    warn(result.warnings)
    if not force and pipeline.built(options.dist, options.cache, result.inputs, options.settings):
        if not options.quiet:
            click.echo(f"{summary(result)}; {options.dist} is up to date")
        return
    hint, progress = "; run publish --validate for details", TerminalProgress(not options.quiet)
    with exit_codes(writing=options.dist, release_hint=hint), progress:
        written = pipeline.build(
            store,
            options.settings,
            options.dist,
            progress=progress,
            protect=options.protected,
            cache=options.cache,
            force=force,
            waiting=say_waiting,
            inputs=result.inputs,
        )
    if not options.quiet:
        click.echo(f"{summary(result)}; wrote {written} files to {options.dist}")
    if force:  # a full rebuild is slow anyway: check what it carried over
        warn_damaged(options.dist)


def warn_damaged(dist: Path) -> None:
    """Name the published release files that are damaged, and how to repair them: a build
    carries releases over as they are and never rewrites one."""
    from .report import RECOVER

    damaged = pipeline.damaged_release_files(dist)
    if damaged:
        names = "\n".join(f"  {name}" for name in damaged)
        click.echo(
            f"warning: {len(damaged)} published release file(s) damaged, carried over as "
            f"they are:\n{names}\nTo repair: {RECOVER}.",
            err=True,
        )


def unchanged(options: Options) -> Literal[True] | Signed | None:
    """True when no seed, setting or part of the tool changed since the last build of DIST
    (recorded only when every seed was valid): then there is nothing to check. Otherwise
    the seeds' signatures, for the check (None if the seeds folder is unusable)."""
    try:
        signed, strays = pipeline.scan(options.seeds)
    except UsageError:
        return None  # check() reports it
    warn(strays)
    if not pipeline.built(options.dist, options.cache, signed[1], options.settings):
        return signed
    if not options.quiet:
        click.echo(
            f"{len(signed[0])} seeds unchanged since the last build; {options.dist} is up to date"
        )
    return True


say_waiting = partial(click.echo, err=True)  # another build holds the lock


def warn(warnings: Sequence[Problem]) -> None:
    """Warnings of a run that reports no problems (they fail nothing), on stderr."""
    for problem in warnings:
        click.echo(printable(warning_line(problem)), err=True)


@main.command()
@click.argument("path", type=click.Path(path_type=Path, dir_okay=False))
@shared_options
def inspect(path: Path, options: Options) -> None:
    """Print the record parsed from one seed file as JSON (exit 1 if it is invalid)."""
    found = examine(path)  # the check every seed gets from --validate
    if found.record is None and not path.exists():
        _usage_error(f"{path} does not exist")
    if found.record is not None:
        click.echo(json.dumps(found.record, indent=2, ensure_ascii=False))
    if found.problems:
        report(CheckResult(1, (), tuple(found.problems)), "text", err=True)
        sys.exit(INVALID)


@main.command()
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=8000,
    show_default=True,
    help="Port on 127.0.0.1; 0 picks a free one.",
)
@click.option(
    "--base-url",
    metavar="URL",
    default=None,
    help="The address feed readers and browsers reach the preview at, put in place of the "
    "settings' base_url in pages and feeds.  [default: http://127.0.0.1:PORT/]",
)
@click.option(
    "--as-built",
    is_flag=True,
    help="Serve every file byte for byte as built (links point at the production base_url).",
)
@shared_options
def serve(port: int, base_url: str | None, as_built: bool, options: Options) -> None:
    """Preview the built site in DIST at http://127.0.0.1:PORT/ until Ctrl-C.

    Pages and feeds link to the settings' base_url; the preview serves them with that
    replaced by its own address (or --base-url), so a feed reader subscribed to the
    preview opens its entries from the preview. Release files are served as built.
    """
    from .config import checked_base_url
    from .serve import serve as run

    if base_url is not None and as_built:
        _usage_error("--base-url and --as-built exclude each other: choose one")
    with exit_codes():
        local = None if base_url is None else checked_base_url(base_url, "--base-url")

    def announce(url: str) -> None:
        click.echo(f"Serving {options.dist} at {url} (Ctrl-C to stop)")
        if not as_built:
            click.echo(f"Pages and feeds link to {local or url} (--as-built: as published)")

    production = None if as_built else options.settings.base_url
    with exit_codes():
        run(
            options.dist, port, announce, quiet=options.quiet, production=production, base_url=local
        )


@main.command()
@click.option(
    "--version",
    "version",
    metavar="X.Y.Z",
    default=None,
    help="Version to publish; refused if smaller than the computed one or already published.",
)
@click.option(
    "--date",
    "date",
    metavar="YYYY-MM-DD",
    default=None,
    help="Release date.  [default: $SOURCE_DATE_EPOCH, else today (UTC)]",
)
@click.option("--dry-run", is_flag=True, help="Print the version and changes; write nothing.")
@shared_options
def release(version: str | None, date: str | None, dry_run: bool, options: Options) -> None:
    """Cut the next dataset release into DIST/releases/vX.Y.Z and rebuild DIST.

    The version is computed from the changes since the latest release: records removed or
    the schema changed incompatibly -> major; records or optional fields added -> minor;
    records corrected -> patch. Nothing changed: exit 1.
    """
    from .release import release_date

    result, store = check(options, releases=True)
    if not result.ok:
        report(result, "text", err=True)
        sys.exit(INVALID)
    with exit_codes(writing=options.dist):
        plan = pipeline.release(
            store,  # the release streams the records; the build loads what it renders
            options.settings,
            options.dist,
            release_date(date, os.environ),
            version,
            dry_run=dry_run,
            protect=options.protected,
            cache=options.cache,
            waiting=say_waiting,
            inputs=result.inputs,
        )
    if dry_run or not options.quiet:
        click.echo("\n".join(release_report(plan, options.dist, dry_run=dry_run)))


main.add_command(deploy)


def run() -> None:
    """The installed `publish` command (pyproject's script, `python -m publisher`): main,
    then the process ends at once. By then every file of the run is written and closed
    and every process it started is reaped; what remains of an orderly exit is the
    interpreter freeing, one object at a time, the tables a build made (0.2 s after an
    edit at 100,000 articles), which the kernel frees at once. An error that is not a
    user's (a traceback) exits the usual way."""
    code: object = 0
    try:
        main(prog_name="publish")
    except SystemExit as done:
        code = done.code
    os._exit(exit_status(code))


def exit_status(code: object) -> int:
    """What sys.exit(code) would end with (None 0, a number itself, else the text printed
    and 1), once stdout and stderr are flushed (os._exit does not): 120 if that fails,
    as Python's own exit does."""
    status = 0 if code is None else code if isinstance(code, int) else 1
    try:
        if not isinstance(code, int | None):
            print(code, file=sys.stderr)
        for stream in (sys.stdout, sys.stderr):
            if stream is not None:
                stream.flush()
    except (OSError, ValueError):  # a closed pipe (publish ... | head), a closed stream
        status = status or 120
    return status
