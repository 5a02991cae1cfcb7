"""`make site` builds a self-contained static folder; pyscript.toml ships the whole nn package."""

from __future__ import annotations

import tomllib
from pathlib import Path

from tools import site

ROOT = Path(__file__).resolve().parents[2]


def page_files() -> dict[str, str]:
    return tomllib.loads((ROOT / "pyscript.toml").read_text()).get("files", {})


def test_pyscript_toml_loads_the_runtime_from_vendor():
    config = tomllib.loads((ROOT / "pyscript.toml").read_text())
    assert config["interpreter"] == "./static/vendor/pyodide/pyodide.mjs"
    assert config["packages"] == ["numpy"]
    assert config["packages_cache"] == "passthrough"


def test_every_nn_module_is_shipped_to_the_browser():
    """A module added to nn/ but not to pyscript.toml [files] would break only in the browser."""
    shipped = {src.removeprefix("./") for src in page_files()}
    # The command line (nn/cli.py, nn/__main__.py) is a CPython adapter the page never imports.
    cli = {"nn/cli.py", "nn/__main__.py"}
    modules = {p.relative_to(ROOT).as_posix() for p in (ROOT / "nn").glob("*.py")} - cli
    assert modules, "nn/ has no modules"
    assert modules <= shipped, f"missing from pyscript.toml [files]: {sorted(modules - shipped)}"


def test_every_shipped_file_exists():
    for src in page_files():
        assert (ROOT / src).is_file(), f"pyscript.toml [files] names {src}, which does not exist"


def test_site_build_is_self_contained(tmp_path):
    out = site.build(tmp_path / "_site")
    for rel in (
        "index.html",
        "pyscript.toml",
        ".nojekyll",
        "nn/__init__.py",
        "static/vendor/pyodide/pyodide.mjs",
        "static/vendor/pyscript/core.js",
    ):
        assert (out / rel).is_file(), rel
    for src in page_files():
        assert (out / src).is_file(), f"{src} is missing from the site"
    assert not list(out.rglob("__pycache__"))
    html = (out / "index.html").read_text()
    assert "http://" not in html.replace("http://www.w3.org", "")
    assert "https://" not in html.replace("https://www.w3.org", "")
