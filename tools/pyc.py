"""Bytecode for the page's Python, compiled by the vendored Pyodide itself (CPython 3.12).

Compiling the ``nn`` and ``nnpage`` sources costs the page about 200 ms of its start-up (measured
in Pyodide: 202 ms to compile, 7 ms to load the same code as bytecode). So ``tools.pyzip`` puts
a ``__pycache__/<module>.cpython-312.pyc`` beside each source in the archive, and Python's
importer loads it instead of compiling. The files are "unchecked-hash" pycs (PEP 552): the
importer trusts them without comparing timestamps, which is right because each archive is built
from one set of sources at once.

The host's Python (3.11+) cannot write 3.12 bytecode, so the vendored Pyodide compiles it, in
Node (which set-up already needs for npm). Results are cached in ``.cache/pyc/`` by a hash of
the source and the Pyodide version, so only an edited file is compiled again. Without Node or the
vendored runtime, ``compiled`` returns nothing and the archive holds sources only: the page works
the same, it starts slower.

Usage::

    from tools import pyc
    pycs = pyc.compiled({"nn/network.py": source})
    # {"nn/__pycache__/network.cpython-312.pyc": bytecode}
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import tempfile
import threading
from pathlib import Path, PurePosixPath

from tools import nodepy, vendor

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / ".cache" / "pyc"
TAG = "cpython-312"  # Pyodide 0.27.7's sys.implementation.cache_tag
MAGIC = (3531).to_bytes(2, "little") + b"\r\n"  # CPython 3.12's bytecode magic number
TIMEOUT_S = 120
_LOCK = threading.Lock()  # one compile at a time: the development server answers in threads

# Compiles every /src/<i>.py to /out/<i>.pyc, recording its name in the archive as its file name.
COMPILE = """
import json, py_compile
names = json.load(open("/src/names.json"))
for i, name in enumerate(names):
    py_compile.compile(f"/src/{i}.py", cfile=f"/out/{i}.pyc", dfile=name, doraise=True,
                       invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH)
"""


def pyc_name(source: str) -> str:
    """``nn/network.py`` -> ``nn/__pycache__/network.cpython-312.pyc``."""
    path = PurePosixPath(source)
    return str(path.parent / "__pycache__" / f"{path.stem}.{TAG}.pyc")


def _key(name: str, source: bytes, version: str) -> str:
    return hashlib.sha256(f"{version}\0{name}\0".encode() + source).hexdigest()


def compiled(sources: dict[str, bytes]) -> dict[str, bytes]:
    """``{archive path of the .pyc: bytes}`` for ``{archive path of the .py: source}``; empty
    when Node or the vendored Pyodide is missing or the compiler fails (then the page compiles
    the sources itself)."""
    if not nodepy.available():
        return {}
    keys = {name: _key(name, data, vendor.PYODIDE_VERSION) for name, data in sources.items()}
    with _LOCK:
        missing = [name for name in sources if not (CACHE / f"{keys[name]}.pyc").is_file()]
        if missing and not _compile({name: sources[name] for name in missing}, keys):
            return {}
    out = {}
    for name in sources:
        data = (CACHE / f"{keys[name]}.pyc").read_bytes()
        if data[:4] != MAGIC:
            return {}
        out[pyc_name(name)] = data
    return out


def _compile(sources: dict[str, bytes], keys: dict[str, str]) -> bool:
    names = list(sources)
    with tempfile.TemporaryDirectory() as tmp:
        src, out = Path(tmp, "src"), Path(tmp, "out")
        src.mkdir()
        out.mkdir()
        (src / "names.json").write_text(json.dumps(names))
        for i, name in enumerate(names):
            (src / f"{i}.py").write_bytes(sources[name])
        try:
            nodepy.run(COMPILE, {"/src": src, "/out": out}, timeout=TIMEOUT_S)
        except (OSError, subprocess.SubprocessError):
            return False
        CACHE.mkdir(parents=True, exist_ok=True)
        for i, name in enumerate(names):
            pyc = out / f"{i}.pyc"
            if not pyc.is_file():
                return False
            with tempfile.NamedTemporaryFile(dir=CACHE, suffix=".part", delete=False) as part:
                part.write(pyc.read_bytes())
            Path(part.name).replace(CACHE / f"{keys[name]}.pyc")  # atomic: never half-written
    return True
