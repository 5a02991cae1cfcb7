"""`make site` builds a self-contained static folder; the page gets its Python as one archive."""

from __future__ import annotations

import _imp
import io
import re
import zipfile
from pathlib import Path

import pytest

from tools import pyc, pyzip, site, vendor

ROOT = Path(__file__).resolve().parents[2]


def page_files() -> dict[str, str]:
    return site.runtime(ROOT).get("files", {})


def test_the_runtime_config_loads_the_runtime_from_vendor():
    config = site.runtime(ROOT)
    assert config["interpreter"] == "./static/vendor/pyodide/pyodide.mjs"
    assert config["packages"] == ["numpy"]
    assert config["packages_cache"] == "passthrough"


def test_the_page_preloads_the_interpreter_it_is_configured_with():
    html = (ROOT / "index.html").read_text()
    preloads = re.findall(r'<link rel="modulepreload" href="([^"]+)">', html)
    assert preloads == [site.runtime(ROOT)["interpreter"]]


def test_a_page_without_a_runtime_config_is_named(tmp_path):
    (tmp_path / "index.html").write_text("<!doctype html><title>x</title>")
    with pytest.raises(ValueError, match="nn-runtime"):
        site.runtime(tmp_path)


MAGIC_312 = bytes([0xCB, 0x0D, 0x0D, 0x0A])  # CPython 3.12's (3531), from its importlib


def test_the_page_gets_its_python_as_one_archive():
    """[files] names the archive of both packages, unpacked in the interpreter's working folder."""
    assert page_files() == {
        "." + pyzip.URL_PATH: "./*",
        "." + pyzip.NUMPY_URL_PATH: "/lib/python3.12/site-packages/*",
    }


def test_archive_holds_every_browser_module_and_no_cli():
    """A module added to nn/ or nnpage/ reaches the browser without touching a list."""
    names = set(zipfile.ZipFile(io.BytesIO(pyzip.build())).namelist())
    found = [p for pkg in ("nn", "nnpage") for p in (ROOT / pkg).glob("*.py")]
    wanted = {p.relative_to(ROOT).as_posix() for p in found} - {"nn/cli.py", "nn/__main__.py"}
    assert "nnpage/settings.py" in wanted and "nn/network.py" in wanted
    assert names == wanted | {pyc.pyc_name(name) for name in wanted}


def _assert_bytecode_of(archive: zipfile.ZipFile, sources: dict[str, bytes]) -> None:
    """Each source has a CPython 3.12 ``unchecked-hash`` pyc (PEP 552) in ``archive`` whose
    recorded source hash is that very source's. (The hash is CPython's siphash keyed by 3.12's
    magic number.)"""
    magic = int.from_bytes(MAGIC_312[:2], "little") | (ord("\r") << 16) | (ord("\n") << 24)
    for name, source in sources.items():
        data = archive.read(pyc.pyc_name(name))
        assert data[:4] == MAGIC_312, name
        assert int.from_bytes(data[4:8], "little") == 0b01, f"{name}: not unchecked-hash"
        assert data[8:16] == _imp.source_hash(magic, source), f"{name}: stale"


def test_each_module_travels_with_its_own_bytecode_for_pyodide():
    """So the page never compiles its modules, and never runs stale bytecode."""
    archive = zipfile.ZipFile(io.BytesIO(pyzip.build()))
    sources = {n: archive.read(n) for n in archive.namelist() if n.endswith(".py")}
    assert len(sources) > 40
    _assert_bytecode_of(archive, sources)


def test_numpy_travels_with_its_bytecode_and_only_that():
    """numpy's wheel for Pyodide holds sources only: the page gets the bytecode of every one of
    its modules, to unpack beside them (and nothing else: the sources come from the wheel)."""
    with zipfile.ZipFile(vendor.VENDOR / "pyodide" / vendor.NUMPY_WHEEL) as wheel:
        sources = {
            n: wheel.read(n)
            for n in wheel.namelist()
            if n.startswith("numpy/") and n.endswith(".py")
        }
    archive = zipfile.ZipFile(io.BytesIO(pyzip.numpy_bytecode()))
    assert len(sources) > 100
    assert sorted(archive.namelist()) == sorted(pyc.pyc_name(n) for n in sources)
    _assert_bytecode_of(archive, sources)


def test_archive_bytes_depend_only_on_the_sources(tmp_path):
    """Same sources, same bytes (what a cache keyed by hash needs); an edit changes them."""
    for pkg in ("nn", "nnpage"):
        (tmp_path / pkg).mkdir()
        (tmp_path / pkg / "__init__.py").write_text(f"# {pkg}\n")
    first = pyzip.build(tmp_path)
    assert pyzip.build(tmp_path) == first
    (tmp_path / "nn" / "__init__.py").write_text("# changed\n")
    assert pyzip.build(tmp_path) != first


def test_site_build_is_self_contained(tmp_path):
    out = site.build(tmp_path / "_site")
    for rel in (
        "index.html",
        ".nojekyll",
        "static/python.zip",
        "static/boot.js",
        "nnpage/worker.py",
        "nnpage/evolve_worker.py",
        "static/vendor/pyodide/pyodide.mjs",
        "static/vendor/pyscript/core.js",
    ):
        assert (out / rel).is_file(), rel
    assert (out / "static/python.zip").read_bytes() == pyzip.build()
    assert not (out / "nn").exists(), "the sources travel in the archive only"
    assert not list(out.rglob("__pycache__"))
    html = (out / "index.html").read_text()
    assert "http://" not in html.replace("http://www.w3.org", "")
    assert "https://" not in html.replace("https://www.w3.org", "")
