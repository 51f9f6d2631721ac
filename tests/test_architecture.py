"""The shape ARCHITECTURE.md promises: small modules and functions, no import cycle, click
only in cli.py, and the speed machinery (publisher.engine) kept out of domain modules."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

from .conftest import ROOT

PACKAGE = ROOT / "publisher"
MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 60
# Modules that run the work rather than decide what it makes: they may use the engine.
MACHINERY = ("engine", "store", "pipeline", "produce", "output", "trees", "cli", "serve")


def modules() -> dict[str, Path]:
    """Dotted name under publisher -> file."""
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE).with_suffix("").parts
        name = ".".join(part for part in parts if part != "__init__") or "__init__"
        found[name] = path
    return found


def runtime_imports(name: str, path: Path) -> Iterator[str]:
    """The publisher modules `name` imports when it runs (not those for type checking)."""
    tree = ast.parse(path.read_text("utf-8"))
    package = name.split(".")[:-1] if path.name != "__init__.py" else name.split(".")
    skipped: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skipped.update(id(child) for child in ast.walk(node))
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.ImportFrom) and node.level:
            base = package[: len(package) - node.level + 1]
            target = ".".join([*base, *(node.module or "").split(".")]).strip(".")
            yield target
            yield from (f"{target}.{alias.name}".strip(".") for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("publisher"):
            yield node.module.removeprefix("publisher").strip(".") or "__init__"
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("publisher"):
                    yield alias.name.removeprefix("publisher").strip(".")


def graph() -> dict[str, set[str]]:
    found = modules()
    return {
        name: {target for target in runtime_imports(name, path) if target in found} - {name}
        for name, path in found.items()
    }


def test_no_module_is_too_long() -> None:
    long = {
        name: n
        for name, path in modules().items()
        if (n := len(path.read_text("utf-8").splitlines())) > MAX_MODULE_LINES
    }
    assert not long, f"over {MAX_MODULE_LINES} lines: {long}"


def test_no_function_is_too_long() -> None:
    long = {}
    for name, path in modules().items():
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                size = (node.end_lineno or node.lineno) - node.lineno + 1
                if size > MAX_FUNCTION_LINES:
                    long[f"{name}.{node.name}"] = size
    assert not long, f"over {MAX_FUNCTION_LINES} lines: {long}"


def test_no_import_cycle() -> None:
    edges = graph()
    state: dict[str, int] = {}  # 1 on the stack, 2 done

    def visit(name: str, stack: list[str]) -> None:
        state[name] = 1
        for target in sorted(edges[name]):
            if state.get(target) == 1:
                cycle = [*stack[stack.index(target) :], target]
                pytest.fail(f"import cycle: {' -> '.join(cycle)}")
            if target not in state:
                visit(target, [*stack, target])
        state[name] = 2

    for name in sorted(edges):
        if name not in state:
            visit(name, [name])


# The command line: the group and its commands (cli), what they share (cli_options),
# `publish deploy` (cli_deploy) and the progress bar (terminal).
CLI = {"cli", "cli_options", "cli_deploy", "terminal"}


def test_only_the_cli_imports_click() -> None:
    importers = []
    for name, path in modules().items():
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            if any(n == "click" or n.startswith("click.") for n in names):
                importers.append(name)
    assert set(importers) == CLI


def test_domain_modules_do_not_import_the_engine() -> None:
    domain = {
        name: targets
        for name, targets in graph().items()
        if not any(name == m or name.startswith(f"{m}.") for m in MACHINERY)
    }
    assert {
        "feeds",
        "site",
        "validate",
        "release",
        "model",
        "parse",
        "outputs.layout",
    } <= domain.keys()
    offenders = {
        name: sorted(t for t in targets if t == "engine" or t.startswith("engine."))
        for name, targets in domain.items()
    }
    assert not {name: t for name, t in offenders.items() if t}
