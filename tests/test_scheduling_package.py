"""The scheduling package stays pure: no framework, no database, no clock, no unseeded chance."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "scheduling"
MODULES = sorted(PACKAGE.glob("*.py"))
ALLOWED_THIRD_PARTY = {"msgspec", "dateutil", "lunardate", "ortools"}  # rules, lunar dates, CP-SAT (seeded)
FORBIDDEN_STDLIB = {"time", "secrets", "os", "uuid", "sqlite3", "socket"}
# The CP-SAT improver is an anytime search bounded by a time limit: it alone measures elapsed time
# (time.monotonic, never the date), and its result is checked by the pure validator.
TIMED_SEARCH = {"timetable_cpsat.py"}
CLOCK_READS = {"now", "today", "utcnow", "fromtimestamp", "utcfromtimestamp"}


def imported_roots(tree: ast.AST) -> set[str]:
    roots = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.name)
def test_imports_only_the_standard_library_msgspec_and_itself(path: Path) -> None:
    roots = imported_roots(ast.parse(path.read_text(encoding="utf-8")))
    outside = {r for r in roots if r not in sys.stdlib_module_names and r not in ALLOWED_THIRD_PARTY | {"scheduling"}}
    assert outside == set()
    forbidden = FORBIDDEN_STDLIB - ({"time"} if path.name in TIMED_SEARCH else set())
    assert roots & forbidden == set()


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.name)
def test_chance_comes_only_from_a_seeded_random_instance(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    module_calls = {
        node.attr
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "random"
    }
    assert module_calls <= {"Random"}


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.name)
def test_dates_are_arguments_never_read_from_the_clock(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    reads = {node.attr for node in ast.walk(tree) if isinstance(node, ast.Attribute) and node.attr in CLOCK_READS}
    assert reads == set()
