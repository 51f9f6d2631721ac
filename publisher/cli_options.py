"""What every `publish` command shares: the options --seeds, --dist, --config and --quiet,
and the one place where what the library raises becomes an exit code and one line."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from functools import wraps
from pathlib import Path
from typing import Any, NoReturn

import click

from .config import Options, load_settings
from .problems import ReleaseError, UsageError
from .store import ChangedDuringBuild

INVALID = 1
USAGE = 2


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
        with exit_codes():
            settings = load_settings(parent.get("config"))
        options = Options(
            seeds=parent.get("seeds", Path("seeds")),
            dist=parent.get("dist", Path("dist")),
            settings=settings,
            quiet=bool(parent.get("quiet", False)),
            config=parent.get("config"),
        )
        return command(*args, options=options, **kwargs)

    return wrapper


@contextlib.contextmanager
def exit_codes(writing: Path | None = None, release_hint: str = "") -> Iterator[None]:
    """The one place where what the library raises becomes an exit code and one line:
    a usage, settings or environment problem 2, a damaged published release 1. Anything
    else is a bug in publish and keeps its traceback."""
    try:
        yield
    except (UsageError, ChangedDuringBuild) as exc:  # e.g. another build holds the lock
        raise _UsageFailure(str(exc)) from None
    except ReleaseError as exc:  # e.g. a damaged releases/index.json
        raise click.ClickException(f"{exc}{release_hint}") from None
    except OSError as exc:
        if writing is None:
            raise
        raise _UsageFailure(f"cannot write {writing}: {exc.strerror or exc}") from None
