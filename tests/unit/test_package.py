"""Package hygiene: a pure core (numpy + standard library, no browser modules, no printing or
files outside the CLI), a complete ``__all__``, a docstring on every module."""

from __future__ import annotations

import ast
import importlib
import os
import pkgutil
import re
import subprocess
import sys
from pathlib import Path

import nn

PACKAGE = Path(nn.__file__).parent
ADAPTERS = {"cli.py", "__main__.py"}  # the only modules allowed to print and touch files
BROWSER = ("js", "pyscript", "pyodide", "polyscript")


def sources() -> dict[str, str]:
    return {path.name: path.read_text() for path in sorted(PACKAGE.glob("*.py"))}


def test_importing_nn_pulls_in_no_browser_module() -> None:
    code = (
        "import sys, nn, nn.cli; "
        f"print(sorted(m for m in sys.modules if m.split('.')[0] in {BROWSER!r}))"
    )
    env = {**os.environ, "PYTHONPATH": str(PACKAGE.parent)}
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    )
    assert result.stdout.strip() == "[]"


def test_core_imports_only_numpy_the_standard_library_and_itself() -> None:
    for name, text in sources().items():
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.Import):
                roots = [alias.name.split(".")[0] for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                roots = [(node.module or "").split(".")[0]]
            else:
                continue
            for root in roots:
                assert root in ("nn", "numpy") or root in sys.stdlib_module_names, (name, root)


def test_no_print_or_file_io_outside_the_cli() -> None:
    forbidden = re.compile(r"\bprint\(|\bopen\(|read_text|write_text|\bPath\(|sys\.std(out|err)")
    for name, text in sources().items():
        if name not in ADAPTERS:
            assert not forbidden.search(text), name


def test_randomness_only_from_generators() -> None:
    """No global RNG: every np.random use is default_rng or a Generator."""
    for name, text in sources().items():
        for call in re.findall(r"np\.random\.(\w+)", text):
            assert call in ("default_rng", "Generator"), (name, call)


def test_every_module_opens_with_a_docstring() -> None:
    for info in pkgutil.iter_modules([str(PACKAGE)]):
        module = importlib.import_module(f"nn.{info.name}")
        assert module.__doc__ and len(module.__doc__.strip()) > 20, info.name


def test_all_lists_exactly_the_public_names() -> None:
    public = {name for name in vars(nn) if not name.startswith("_")}
    modules = {info.name for info in pkgutil.iter_modules([str(PACKAGE)])}
    assert set(nn.__all__) == (public - modules) | {"__version__"}
    assert len(nn.__all__) == len(set(nn.__all__))
    for name in nn.__all__:
        assert hasattr(nn, name), name


def test_py_typed_marker_ships() -> None:
    assert (PACKAGE / "py.typed").exists()


def test_docstring_examples_run() -> None:
    import doctest

    for info in pkgutil.iter_modules([str(PACKAGE)]):
        module = importlib.import_module(f"nn.{info.name}")
        result = doctest.testmod(module)
        assert result.failed == 0, info.name
