"""Run Python in the vendored Pyodide under Node: the page's own interpreter, without a page.

Used to compile the page's bytecode for its CPython 3.12 (``tools.pyc``) and to time the core
in Pyodide (``bench.train_ab``). Host folders are mounted read-write at the given paths.

Usage::

    from tools import nodepy
    out = nodepy.run("import sys; print(sys.version)", {"/src": Path("nn")})
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from pathlib import Path

from tools import vendor

PYODIDE = vendor.VENDOR / "pyodide"

# Loads Pyodide (and, if asked, the vendored numpy), mounts each host folder, runs the code.
SCRIPT = """
import { loadPyodide } from "%(mjs)s";
import { readFileSync } from "fs";
const py = await loadPyodide({ indexURL: "%(index)s/" });
const job = JSON.parse(readFileSync(process.argv[2], "utf8"));
for (const wheel of job.wheels) await py.loadPackage(wheel);
for (const [at, root] of Object.entries(job.mounts)) {
  py.FS.mkdirTree(at);
  py.FS.mount(py.FS.filesystems.NODEFS, { root }, at);
}
py.runPython(job.code);
"""


def available() -> bool:
    """Node and the vendored Pyodide are both there."""
    return shutil.which("node") is not None and (PYODIDE / "pyodide.mjs").is_file()


def run(code: str, mounts: dict[str, Path], *, numpy: bool = False, timeout: float = 300) -> str:
    """Run ``code`` (Python) in a fresh Pyodide; return what it printed. Raises
    ``subprocess.CalledProcessError`` (or ``TimeoutExpired``, ``OSError``) when it fails."""
    wheels = [str(w) for w in PYODIDE.glob("numpy-*.whl")] if numpy else []
    job = {"code": code, "wheels": wheels, "mounts": {k: str(v) for k, v in mounts.items()}}
    with tempfile.TemporaryDirectory() as tmp:
        script, spec = Path(tmp, "run.mjs"), Path(tmp, "job.json")
        script.write_text(SCRIPT % {"mjs": PYODIDE / "pyodide.mjs", "index": PYODIDE})
        spec.write_text(json.dumps(job))
        done = subprocess.run(
            ["node", str(script), str(spec)],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=True,
        )
    return done.stdout
