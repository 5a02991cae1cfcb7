"""The vendoring step: hash-checked, idempotent, atomic, and clear about what went wrong."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tools import vendor

ROOT = Path(__file__).resolve().parents[2]
NUMPY_REL = f"pyodide/{vendor.NUMPY_WHEEL}"


@pytest.fixture
def vendor_copy(tmp_path, monkeypatch):
    """A private copy of the verified vendor tree, so a test may damage it freely."""
    vendor.ensure(log=lambda *_: None)
    copy = tmp_path / "vendor"
    shutil.copytree(vendor.VENDOR, copy)
    monkeypatch.setattr(vendor, "VENDOR", copy)
    return copy


@pytest.fixture
def no_downloads(monkeypatch):
    """Fail the test if anything tries to reach npm, pip or the network."""

    def refuse(*args, **kwargs):
        raise AssertionError(f"unexpected download: {args}")

    monkeypatch.setattr(vendor, "run", refuse)
    monkeypatch.setattr(vendor.urllib.request, "urlopen", refuse)


def test_manifest_covers_the_runtime_and_pins_numpy_to_the_lock():
    manifest = vendor.load_manifest()
    for name in (
        "pyodide.mjs",
        "pyodide.asm.js",
        "pyodide.asm.wasm",
        "python_stdlib.zip",
        "pyodide-lock.json",
        vendor.NUMPY_WHEEL,
    ):
        assert f"pyodide/{name}" in manifest
    assert "pyscript/core.js" in manifest and "pyscript/core.css" in manifest
    assert not any(rel.endswith(".map") for rel in manifest)
    assert manifest[NUMPY_REL] == (
        "ebb61241d962b98b21597d7ce43b67668a6d5bab3acec4fbe958657320d7cd08"
    )
    assert vendor.numpy_sha256_from_lock() == manifest[NUMPY_REL]


def test_second_run_verifies_and_downloads_nothing(vendor_copy, no_downloads):
    before = {p: p.stat().st_mtime_ns for p in vendor_copy.rglob("*") if p.is_file()}
    vendor.ensure(log=lambda *_: None)
    after = {p: p.stat().st_mtime_ns for p in vendor_copy.rglob("*") if p.is_file()}
    assert before == after


def test_missing_files_are_restored_from_the_cache_without_downloading(vendor_copy, no_downloads):
    (vendor_copy / "pyodide" / "pyodide.asm.wasm").unlink()
    (vendor_copy / NUMPY_REL).unlink()
    (vendor_copy / "pyscript" / "core.js").unlink()
    vendor.ensure(log=lambda *_: None)
    assert vendor.problems(vendor.load_manifest()) == ([], [])


def test_a_tampered_file_is_refused_by_name(vendor_copy):
    target = vendor_copy / "pyodide" / "pyodide.mjs"
    data = bytearray(target.read_bytes())
    data[100] ^= 1
    target.write_bytes(bytes(data))
    with pytest.raises(vendor.VendorError, match=r"static/vendor/pyodide/pyodide\.mjs"):
        vendor.ensure(log=lambda *_: None)
    assert target.read_bytes() == bytes(data), "a refused file is left for the user to inspect"


def test_check_command_names_a_tampered_file(tmp_path):
    """`python -m tools.vendor` refuses an altered file by name (run in a copy of the repo)."""
    repo = tmp_path / "repo"
    (repo / "static").mkdir(parents=True)
    shutil.copytree(ROOT / "tools", repo / "tools", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(vendor.VENDOR, repo / "static" / "vendor")
    ok = subprocess.run(
        [sys.executable, "-m", "tools.vendor", "--check"], cwd=repo, capture_output=True, text=True
    )
    assert ok.returncode == 0, ok.stderr
    css = repo / "static" / "vendor" / "pyscript" / "core.css"
    css.write_text(css.read_text() + " ")
    bad = subprocess.run(
        [sys.executable, "-m", "tools.vendor"], cwd=repo, capture_output=True, text=True
    )
    assert bad.returncode == 2
    assert "static/vendor/pyscript/core.css" in bad.stderr and "Traceback" not in bad.stderr


def test_numpy_with_the_wrong_hash_is_never_installed(vendor_copy, monkeypatch):
    (vendor_copy / NUMPY_REL).unlink()
    monkeypatch.setattr(vendor, "fetch_numpy", lambda: b"not the wheel")
    with pytest.raises(vendor.VendorError, match=r"numpy-2\.0\.2.*sha256"):
        vendor.ensure(log=lambda *_: None)
    assert not (vendor_copy / NUMPY_REL).exists()
    assert not list((vendor_copy / "pyodide").glob(".*.part"))


def test_write_atomic_leaves_nothing_behind_on_failure(tmp_path, monkeypatch):
    target = tmp_path / "f.bin"

    def boom(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(vendor.os, "replace", boom)
    with pytest.raises(OSError, match="disk full"):
        vendor.write_atomic(target, b"data")
    assert list(tmp_path.iterdir()) == []


def test_missing_npm_is_named(tmp_path, monkeypatch):
    monkeypatch.setattr(vendor, "CACHE", tmp_path / "cache")
    monkeypatch.setenv("PATH", str(tmp_path))  # no npm on it
    with pytest.raises(vendor.VendorError, match="npm is not installed"):
        vendor.npm_tarball("pyodide")


def test_npm_failure_is_reported_without_a_traceback(tmp_path, monkeypatch):
    fake = tmp_path / "bin"
    fake.mkdir()
    npm = fake / "npm"
    npm.write_text("#!/bin/sh\necho 'npm error code ENOTFOUND registry unreachable' >&2\nexit 1\n")
    npm.chmod(0o755)
    monkeypatch.setattr(vendor, "CACHE", tmp_path / "cache")
    monkeypatch.setenv("PATH", f"{fake}{os.pathsep}{os.environ['PATH']}")
    with pytest.raises(vendor.VendorError, match="ENOTFOUND"):
        vendor.npm_tarball("pyodide")


def test_manifest_file_is_plain_sorted_json():
    doc = json.loads(vendor.MANIFEST.read_text())
    assert doc["pyodide"] == "0.27.7" and doc["pyscript"] == "0.6.60"
    assert list(doc["files"]) == sorted(doc["files"])
