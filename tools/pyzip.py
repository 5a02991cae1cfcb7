"""The page's Python as one archive: the ``nn`` core and the ``nnpage`` glue, zipped from source.

PyScript unpacks it into the interpreter's working folder (``[files]`` in ``pyscript.toml``:
``"./static/python.zip" = "./*"``), so both packages import by name, in the page and in its
workers. It is never a file in the repository: ``tools.serve`` builds it on each request and
``tools.site`` writes it into ``_site/``, so it cannot be stale. The bytes depend only on the
sources (sorted names, fixed timestamps), so the same sources give the same archive. Each module
travels with its bytecode for Pyodide's CPython 3.12 (``tools.pyc``), so the page does not spend
its start-up compiling.

Usage::

    from tools import pyzip
    data = pyzip.build()          # bytes of the zip
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from tools import pyc

ROOT = Path(__file__).resolve().parent.parent
URL_PATH = "/static/python.zip"  # where the page asks for it (pyscript.toml)
PACKAGES = ("nn", "nnpage")
# Command-line only: the browser never runs them.
LEFT_OUT = {"nn/__main__.py", "nn/cli.py"}
_EPOCH = (1980, 1, 1, 0, 0, 0)
# Scripts the page fetches by URL (its entry script and its workers'), in nnpage/ beside the zip.
ENTRY_SCRIPTS = ("main.py", "worker.py", "evolve_worker.py")


def sources(root: Path = ROOT) -> list[Path]:
    """The ``.py`` files the archive holds, sorted by their path inside it."""
    found = [
        path
        for package in PACKAGES
        for path in (root / package).glob("*.py")
        if path.relative_to(root).as_posix() not in LEFT_OUT
    ]
    return sorted(found, key=lambda p: p.relative_to(root).as_posix())


def build(root: Path = ROOT) -> bytes:
    """The archive's bytes: each package folder with its modules and their bytecode, deflated."""
    files = {path.relative_to(root).as_posix(): path.read_bytes() for path in sources(root)}
    files.update(pyc.compiled(files))  # nothing when Node or the runtime is missing
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in sorted(files):
            info = zipfile.ZipInfo(name, date_time=_EPOCH)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, files[name])
    return buffer.getvalue()
