"""The page's pure glue modules import no browser module, directly or through other nnpage
modules, so they run (and are tested) under CPython."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "nnpage"
PURE = ("settings", "linkstate", "presets", "paths", "trainer", "stepper", "maps", "pace")
BROWSER = ("pyscript", "js", "pyodide", "pyodide_js")


def imports(path: Path) -> set[str]:
    """Top-level names of every module ``path`` imports, anywhere in it."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def reachable(module: str) -> set[str]:
    """Every module imported from ``nnpage.<module>``, following nnpage's own imports."""
    seen, todo = set(), [module]
    while todo:
        name = todo.pop()
        for imported in imports(PACKAGE / f"{name}.py"):
            if imported not in seen:
                seen.add(imported)
                if imported.startswith("nnpage."):
                    todo.append(imported.removeprefix("nnpage."))
    return seen


@pytest.mark.parametrize("module", PURE)
def test_pure_glue_imports_no_browser_module(module: str) -> None:
    bad = {name for name in reachable(module) if name.split(".")[0] in BROWSER}
    assert not bad, f"nnpage/{module}.py reaches {sorted(bad)}"


def test_the_check_sees_a_browser_import() -> None:
    """The test above can fail: app.py imports js (the browser's globals)."""
    assert "js" in reachable("app")
