"""Find (or, as root on Debian, install) a Chromium for the browser tests.

Order: ``$NN_CHROMIUM``; Playwright's own download (``~/.cache/ms-playwright``) if one is there;
a system Chromium on the PATH. When none exists and we run as root with apt-get, Debian's
``chromium`` is installed. Otherwise the error says how to get one.

Usage::

    python -m tools.browser          # prints the path of the Chromium the tests will use
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

SYSTEM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")

# Flags for a headless Chromium on a machine with no network but loopback and no GPU.
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
    # Shared memory in /dev/shm is 64 MB in many containers: a page moving Pyodide's 10 MB
    # WebAssembly through it can crash the renderer ("Target crashed"). Use temporary files instead.
    "--disable-dev-shm-usage",
]


def playwright_chromium() -> str | None:
    cache = Path(
        os.environ.get("PLAYWRIGHT_BROWSERS_PATH", Path.home() / ".cache" / "ms-playwright")
    )
    for exe in sorted(cache.glob("chromium-*/chrome-linux*/chrome"), reverse=True):
        if os.access(exe, os.X_OK):
            return str(exe)
    return None


def find_chromium() -> str | None:
    """Path of a usable Chromium, or None."""
    explicit = os.environ.get("NN_CHROMIUM")
    if explicit:
        return explicit if os.access(explicit, os.X_OK) else None
    return playwright_chromium() or next(filter(None, map(shutil.which, SYSTEM_NAMES)), None)


def ensure_chromium() -> str:
    """A Chromium path, installing Debian's package when possible; RuntimeError if none."""
    found = find_chromium()
    if found:
        return found
    if os.environ.get("NN_CHROMIUM"):
        raise RuntimeError(f"NN_CHROMIUM={os.environ['NN_CHROMIUM']!r} is not an executable file")
    if hasattr(os, "geteuid") and os.geteuid() == 0 and shutil.which("apt-get"):
        print("installing Debian's chromium for the browser tests (apt-get) ...", file=sys.stderr)
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        for cmd in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", "chromium"]):
            subprocess.run(cmd, check=False, env=env, stdout=subprocess.DEVNULL)
        found = find_chromium()
        if found:
            return found
    raise RuntimeError(
        "no Chromium found for the browser tests. Install one: `sudo apt-get install chromium` "
        "(Debian/Ubuntu), or `python -m playwright install chromium`, or point NN_CHROMIUM at a "
        "Chromium/Chrome executable."
    )


def main() -> int:
    try:
        print(ensure_chromium())
    except RuntimeError as exc:
        print(f"browser: error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
