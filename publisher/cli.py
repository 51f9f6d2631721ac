"""The `publish` command: arguments to settings, call the pipeline, errors to exit codes.

Exit codes: 0 success, 1 invalid content (or nothing to do), 2 usage or configuration error.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from pathlib import Path
from typing import Any, NoReturn

import click

from . import __version__
from .config import Settings, load_settings
from .load import read_seed
from .parse import parse
from .problems import Problem, UsageError
from .report import FORMATS, REPORTERS, summary
from .validate import CheckResult, check_folder, check_record

INVALID = 1
USAGE = 2


@dataclass(frozen=True)
class Options:
    """The options every command shares, resolved once."""

    seeds: Path
    dist: Path
    settings: Settings
    quiet: bool


class _UsageFailure(click.ClickException):
    exit_code = USAGE


def _usage_error(message: str) -> NoReturn:
    raise _UsageFailure(message)


def shared_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """--seeds, --dist, --config and --quiet, on the group and on every subcommand."""

    @click.option(
        "--seeds",
        type=click.Path(path_type=Path, file_okay=False),
        default=None,
        help="Folder of article files (*.txt, *.json).  [default: seeds]",
    )
    @click.option(
        "--dist",
        type=click.Path(path_type=Path, file_okay=False),
        default=None,
        help="Output folder.  [default: dist]",
    )
    @click.option(
        "--config",
        "config",
        type=click.Path(path_type=Path, dir_okay=False),
        default=None,
        help="TOML settings file.  [default: ./pyproject.toml]",
    )
    @click.option("--quiet", "-q", is_flag=True, default=None, help="Print only problems.")
    @wraps(command)
    def wrapper(
        *args: Any,
        seeds: Path | None,
        dist: Path | None,
        config: Path | None,
        quiet: bool | None,
        **kwargs: Any,
    ) -> Any:
        ctx = click.get_current_context()
        parent: dict[str, Any] = ctx.find_root().meta.setdefault("publisher.options", {})
        given = {"seeds": seeds, "dist": dist, "config": config, "quiet": quiet}
        for key, value in given.items():
            if value is not None:
                parent[key] = value
        try:
            settings = load_settings(parent.get("config"))
        except UsageError as exc:
            _usage_error(str(exc))
        options = Options(
            seeds=parent.get("seeds", Path("seeds")),
            dist=parent.get("dist", Path("dist")),
            settings=settings,
            quiet=bool(parent.get("quiet", False)),
        )
        return command(*args, options=options, **kwargs)

    return wrapper


def format_option(command: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--format",
        "output_format",
        type=click.Choice(FORMATS),
        default="text",
        show_default=True,
        help="How to report problems (github = workflow annotations).",
    )(command)


def check(options: Options) -> CheckResult:
    try:
        return check_folder(options.seeds)
    except UsageError as exc:
        _usage_error(str(exc))


def report(result: CheckResult, output_format: str) -> None:
    rendered = REPORTERS[output_format](result)
    click.echo(rendered, err=output_format == "text" and not result.ok)


@click.group(invoke_without_command=True, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--validate",
    is_flag=True,
    help="Check every seed against the schema, write nothing, report every problem.",
)
@format_option
@shared_options
@click.version_option(__version__, prog_name="publish")
@click.pass_context
def main(ctx: click.Context, validate: bool, output_format: str, options: Options) -> None:
    """Publish the articles in SEEDS as feeds, a static site and dataset releases.

    With no command, validate every seed and build DIST. Exit codes: 0 success,
    1 invalid content, 2 usage or configuration error.
    """
    if ctx.invoked_subcommand is not None:
        return
    result = check(options)
    if validate or not result.ok:
        report(result, output_format)
        ctx.exit(0 if result.ok else INVALID)
    from .build import build  # imported late: --validate and --help stay quick

    written = build(result.articles, options.settings, options.dist)
    if not options.quiet:
        click.echo(f"{summary(result)}; wrote {written} files to {options.dist}")


@main.command()
@click.argument("path", type=click.Path(path_type=Path, dir_okay=False))
@shared_options
def inspect(path: Path, options: Options) -> None:
    """Print the record parsed from one seed file as JSON (exit 1 if it is invalid)."""
    seed = read_seed(path)
    if isinstance(seed, Problem):
        if not path.exists():
            _usage_error(f"{path} does not exist")
        problems: list[Problem] = [seed]
    else:
        parsed = parse(seed)
        if isinstance(parsed, Problem):
            problems = [parsed]
        else:
            click.echo(json.dumps(parsed.record, indent=2, ensure_ascii=False))
            problems = check_record(parsed, seed)
    if problems:
        result = CheckResult(1, (), tuple(problems))
        report(result, "text")
        sys.exit(INVALID)
