"""Assemble ``_site/``: a self-contained static copy of the app for any plain static host.

It holds ``index.html`` (with the runtime config, see ``runtime``), ``static/`` with the verified
``vendor/`` runtime, ``static/python.zip``: the ``nn`` and ``nnpage`` sources the page loads
(``tools.pyzip``), with the workers' scripts beside it in ``nnpage/``, ``static/numpy-pyc.zip``
(numpy's bytecode), and ``sw.js``, the service worker that keeps an offline copy
(``tools.offline``: the list of files and their hashes, generated from what was just written).
Nothing in it needs a special server or header.

Usage::

    python -m tools.site              # vendors if needed, then writes _site/
    python -m http.server -d _site    # any static server works
"""

from __future__ import annotations

import json
import re
import shutil
import sys
from pathlib import Path

from tools import offline, pyzip, vendor

ROOT = Path(__file__).resolve().parent.parent
SITE = ROOT / "_site"
TOP_FILES = ("index.html",)
# The page's runtime config: a JSON data block in index.html, read by static/boot.js (and by
# nnpage/pretrain.py for the workers).
RUNTIME_BLOCK = re.compile(
    r'<script type="application/json" id="nn-runtime">(.*?)</script>', re.DOTALL
)
IGNORE = shutil.ignore_patterns("__pycache__", "*.pyc", ".*")


def build(dest: Path = SITE) -> Path:
    vendor.ensure()
    tmp = dest.with_name(dest.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    for name in TOP_FILES:
        shutil.copy2(ROOT / name, tmp / name)
    shutil.copytree(ROOT / "static", tmp / "static", ignore=IGNORE)
    # Fetched by URL: the worker scripts. Everything else comes in the zip.
    (tmp / "nnpage").mkdir()
    for name in pyzip.ENTRY_SCRIPTS:
        shutil.copy2(ROOT / "nnpage" / name, tmp / "nnpage" / name)
    (tmp / pyzip.URL_PATH.lstrip("/")).write_bytes(pyzip.build())
    (tmp / pyzip.NUMPY_URL_PATH.lstrip("/")).write_bytes(pyzip.numpy_bytecode())
    (tmp / offline.URL_PATH.lstrip("/")).write_text(offline.script(tmp))
    # GitHub Pages runs Jekyll unless told not to; Jekyll would drop files starting with "_".
    (tmp / ".nojekyll").write_text("")
    shutil.rmtree(dest, ignore_errors=True)
    tmp.rename(dest)
    return dest


def runtime(root: Path = ROOT) -> dict:
    """The page's runtime config (interpreter, packages, files), from ``index.html``."""
    found = RUNTIME_BLOCK.search((root / "index.html").read_text(encoding="utf-8"))
    if found is None:
        raise ValueError('index.html has no <script id="nn-runtime"> runtime config')
    return json.loads(found.group(1))


def main() -> int:
    try:
        out = build()
    except vendor.VendorError as exc:
        print(f"site: error: {exc}", file=sys.stderr)
        return 2
    files = sum(1 for p in out.rglob("*") if p.is_file())
    print(f"wrote {out.relative_to(ROOT)}/ ({files} files); serve it with any static server")
    return 0


if __name__ == "__main__":
    sys.exit(main())
