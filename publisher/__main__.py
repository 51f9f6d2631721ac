"""`python -m publisher` is the `publish` command."""

from .cli import run

run()
