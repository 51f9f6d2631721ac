"""`python -m publisher` is the `publish` command."""

from .cli import main

main(prog_name="publish")
