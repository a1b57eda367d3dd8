"""The house rules of the layout, read from the source's own imports with ``ast`` (not even an
import inside a function or under ``TYPE_CHECKING`` is let through):

- ``core/`` imports nothing of the project;
- the import graph between the top-level packages has no cycle;
- each (package, forbidden package) rule below holds;
- no module is longer than 400 lines (migrations, frozen history, aside).

docs/architecture.md draws the same floors.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("core", "storage", "bot", "scheduler", "services", "commands", "web", "kbot")
MAX_LINES = 400

# (package, package it must never import, why)
RULES: list[tuple[str, str, str]] = [
    ("web", "commands", "the web doors reach the chat adapter's rules only through services/"),
    ("services", "commands", "services answer every door; the chat adapter is one of them"),
    ("services", "web", "services answer every door; the web is one of them"),
    ("scheduler", "services", "the scheduler runs under the services, not beside a door"),
    ("scheduler", "web", "the scheduler knows no door"),
    ("bot", "scheduler", "the transports sit under the scheduler"),
    ("bot", "web", "the transports know no door"),
    ("storage", "bot", "storage sits right above core"),
    ("web", "kbot", "the web is assembled by kbot.bootstrap, never the other way round"),
]


def modules(package: str) -> Iterator[Path]:
    yield from sorted((ROOT / package).rglob("*.py"))


def imported(path: Path) -> set[str]:
    """The modules ``path`` imports (absolute names; relative imports are left out)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
    return names


def within(name: str, package: str) -> bool:
    return name == package or name.startswith(package + ".")


def breaking(package: str, forbidden: str) -> dict[str, list[str]]:
    """Each module under ``package`` (path relative to the repository) that imports
    ``forbidden``, with what it imports from it."""
    found: dict[str, list[str]] = {}
    for path in modules(package):
        bad = sorted(name for name in imported(path) if within(name, forbidden))
        if bad:
            found[path.relative_to(ROOT).as_posix()] = bad
    return found


def package_graph() -> dict[str, set[str]]:
    """Top-level package -> the other top-level packages its modules import."""
    graph: dict[str, set[str]] = {}
    for package in PACKAGES:
        names = set().union(*(imported(path) for path in modules(package)))
        graph[package] = {name.split(".")[0] for name in names} & set(PACKAGES) - {package}
    return graph


def cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle of ``graph`` as a path that ends where it starts, or None."""
    done: set[str] = set()

    def visit(node: str, path: list[str]) -> list[str] | None:
        if node in path:
            return [*path[path.index(node) :], node]
        if node in done:
            return None
        for target in sorted(graph[node]):
            if found := visit(target, [*path, node]):
                return found
        done.add(node)
        return None

    for node in sorted(graph):
        if found := visit(node, []):
            return found
    return None


def test_core_imports_nothing_of_the_project() -> None:
    assert package_graph()["core"] == set()


def test_the_packages_import_each_other_without_a_cycle() -> None:
    assert cycle(package_graph()) is None


@pytest.mark.parametrize(("package", "forbidden", "why"), RULES)
def test_package_does_not_import(package: str, forbidden: str, why: str) -> None:
    assert breaking(package, forbidden) == {}, why


def test_no_module_is_longer_than_the_limit() -> None:
    long = {}
    for package in (*PACKAGES, "tests", "bench"):
        for path in modules(package):
            if "migrations" in path.parts:
                continue
            lines = len(path.read_text(encoding="utf-8").splitlines())
            if lines > MAX_LINES:
                long[path.relative_to(ROOT).as_posix()] = lines
    assert long == {}


def test_the_reader_sees_every_import(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text(
        "import commands.router\n"
        "from commands import format\n"
        "from . import sibling\n"
        "def f():\n"
        "    from commands.grammar.form import parse_form\n",
        encoding="utf-8",
    )
    assert imported(module) == {"commands.router", "commands", "commands.grammar.form"}
    assert within("commands.router", "commands") and not within("commandsx", "commands")


def test_the_cycle_finder_finds_one() -> None:
    assert cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert cycle({"a": {"b"}, "b": {"c"}, "c": set()}) is None
