"""The page's Python as one archive: the ``nn`` core and the ``nnpage`` glue, zipped from source.

``static/boot.js`` unpacks it into the interpreter's working folder, and PyScript does the same
in the workers (``"files": {"./static/python.zip": "./*"}`` in the page's runtime config, in
``index.html``), so both packages import by name, in the page and in its workers. It is never a
file in the repository: ``tools.serve`` builds it when a source changed and ``tools.site`` writes it
into ``_site/``, so it cannot be stale. The bytes depend only on the sources (sorted names, fixed
timestamps), so the same sources give the same archive. Each module travels with its bytecode
for Pyodide's CPython 3.12 (``tools.pyc``), so the page does not spend its start-up compiling;
``numpy_bytecode`` does the same for numpy, in an archive of its own.

Usage::

    from tools import pyzip
    data = pyzip.build()          # bytes of the zip
"""

from __future__ import annotations

import functools
import io
import zipfile
from pathlib import Path

from tools import pyc, vendor

ROOT = Path(__file__).resolve().parent.parent
URL_PATH = "/static/python.zip"  # where the page asks for it (index.html's runtime config)
NUMPY_URL_PATH = "/static/numpy-pyc.zip"  # numpy's bytecode (``numpy_bytecode``), likewise
PACKAGES = ("nn", "nnpage")
# Command-line only: the browser never runs them.
LEFT_OUT = {"nn/__main__.py", "nn/cli.py"}
_EPOCH = (1980, 1, 1, 0, 0, 0)
# Scripts the page's workers are started from, by URL, in nnpage/ beside the zip (the page's own
# entry, nnpage/main.py, is imported from the zip).
ENTRY_SCRIPTS = ("worker.py", "evolve_worker.py")


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
    return _zip(files)


@functools.cache
def numpy_bytecode() -> bytes:
    """An archive of numpy's bytecode for the page's CPython 3.12: the ``__pycache__`` file of
    every module of the vendored numpy wheel, which the page unpacks into ``site-packages``,
    beside the sources Pyodide installed (``index.html``'s runtime config). The wheel holds
    sources only, so without it every load compiles 3.6 MB of numpy's Python (``import numpy``
    took 530 ms in Pyodide, 232 ms with this bytecode). Holds no file when Node is missing;
    numpy then compiles as before. Built once per process: the wheel is pinned."""
    wheel = vendor.VENDOR / "pyodide" / vendor.NUMPY_WHEEL
    with zipfile.ZipFile(wheel) as archive:
        sources = {
            name: archive.read(name)
            for name in archive.namelist()
            if name.startswith("numpy/") and name.endswith(".py")
        }
    return _zip(pyc.compiled(sources))


def _zip(files: dict[str, bytes]) -> bytes:
    """A deflated zip of ``files`` whose bytes depend only on them (sorted, fixed times)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in sorted(files):
            info = zipfile.ZipInfo(name, date_time=_EPOCH)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, files[name])
    return buffer.getvalue()
