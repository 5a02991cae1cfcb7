"""A small static file server for the app: standard library only, GET and HEAD only.

It serves one folder (the repository by default, or a ``make site`` build), with the MIME types
Pyodide needs (``.wasm`` as ``application/wasm`` for streaming compilation, ``.mjs`` as JavaScript),
no directory listings, no dot-files, and no path that could leave the folder: ``..`` in any spelling
(plain, percent- or double-encoded), backslashes and NUL bytes are refused with 400. One log line
per request, and ``X-Content-Type-Options: nosniff`` on every response. Serving a source tree,
it builds ``static/python.zip`` (the page's Python, see ``tools.pyzip``: again whenever a source
changed), ``static/numpy-pyc.zip`` (numpy's bytecode, once) and ``sw.js`` (the offline copy's
service worker, see ``tools.offline``: on every request).

Usage::

    python -m tools.serve                 # vendors on first use, then serves http://127.0.0.1:8000/
    python -m tools.serve --port 9000 --host 0.0.0.0 --root _site
"""

from __future__ import annotations

import argparse
import http.server
import io
import os
import posixpath
import sys
import threading
import urllib.parse
from functools import partial
from pathlib import Path
from typing import ClassVar

from tools import offline, pyzip

ROOT = Path(__file__).resolve().parent.parent

MIME_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".wasm": "application/wasm",
    ".json": "application/json",
    ".py": "text/x-python; charset=utf-8",
    ".toml": "application/toml; charset=utf-8",
    ".whl": "application/zip",
    ".zip": "application/zip",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".csv": "text/csv; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
}
ALLOWED_METHODS = ("GET", "HEAD")


def is_unsafe(raw_path: str) -> bool:
    """True when a request path could name something outside the served folder, or a hidden file."""
    path = raw_path.split("?", 1)[0].split("#", 1)[0]
    # Decode twice so "%252e%252e" (a double-encoded "..") is caught as well as "%2e%2e".
    once = urllib.parse.unquote(path)
    twice = urllib.parse.unquote(once)
    for candidate in (path, once, twice):
        if "\\" in candidate or "\x00" in candidate or not candidate.startswith("/"):
            return True
        if candidate.startswith("//"):
            return True
        for part in candidate.split("/"):
            if part == ".." or (part.startswith(".") and part not in ("", ".")):
                return True
    return False


class Handler(http.server.SimpleHTTPRequestHandler):
    """Static files with strict paths, fixed MIME types and a nosniff header."""

    server_version = "nn-serve"
    extensions_map: ClassVar[dict[str, str]] = {
        **http.server.SimpleHTTPRequestHandler.extensions_map,
        **MIME_TYPES,
    }
    quiet = False

    def parse_request(self) -> bool:
        if not super().parse_request():
            return False
        if self.command not in ALLOWED_METHODS:
            self.send_response(405, "Method Not Allowed")
            self.send_header("Allow", ", ".join(ALLOWED_METHODS))
            self.send_header("Content-Length", "0")
            self.send_header("Connection", "close")
            self.end_headers()
            self.close_connection = True
            return False
        if is_unsafe(self.path):
            self.send_error(400, "Bad path")
            return False
        return True

    def send_head(self):
        # The page's Python archive is built from the sources whenever one changed: never stale.
        root = Path(self.directory)
        path = self.path.split("?", 1)[0]
        if path == pyzip.URL_PATH and (root / "nn").is_dir():
            return self._generated(_python_zip(root), "application/zip")
        if path == pyzip.NUMPY_URL_PATH and (root / "nn").is_dir():  # built once per process
            return self._generated(pyzip.numpy_bytecode(), "application/zip")
        # The service worker lists the files it caches with their hashes: generated, like the zip.
        if path == offline.URL_PATH and (root / "nn").is_dir():
            text = offline.script(root, python_zip=_python_zip(root))
            return self._generated(text.encode(), MIME_TYPES[".js"])
        return super().send_head()

    def _generated(self, data: bytes, content_type: str) -> io.BytesIO:
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        return io.BytesIO(data)

    def translate_path(self, path: str) -> str:
        path = urllib.parse.unquote(path.split("?", 1)[0].split("#", 1)[0])
        path = posixpath.normpath(path)
        root = os.path.realpath(self.directory)
        full = os.path.realpath(os.path.join(root, path.lstrip("/")))
        # A symbolic link pointing outside the root is treated as absent.
        if full != root and not full.startswith(root + os.sep):
            return os.path.join(root, ".outside-root")
        return full

    def list_directory(self, path):
        self.send_error(404, "Not found")
        return None

    def version_string(self) -> str:
        return self.server_version

    def end_headers(self) -> None:
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Cache-Control", "no-cache")
        super().end_headers()

    def log_message(self, format: str, *args) -> None:
        if not self.quiet:
            sys.stderr.write(f"{self.address_string()} {format % args}\n")


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    # The default backlog of 5 makes a burst of connections wait for SYN retries (seconds).
    request_queue_size = 128


_built: dict[Path, tuple[tuple, bytes]] = {}  # root -> (its sources' stat, the archive)
_built_lock = threading.Lock()


def _python_zip(root: Path) -> bytes:
    """``pyzip.build(root)``, built again only when a source was added, removed or changed."""
    stats = [(path, path.stat()) for path in pyzip.sources(root)]
    stamp = tuple((path, st.st_mtime_ns, st.st_size) for path, st in stats)
    with _built_lock:
        if root not in _built or _built[root][0] != stamp:
            _built[root] = (stamp, pyzip.build(root))
        return _built[root][1]


def make_server(root: Path, host: str = "127.0.0.1", port: int = 8000, quiet: bool = False):
    """A threading HTTP server for ``root``; port 0 picks a free one (``server.server_port``)."""
    handler_class = type("QuietHandler", (Handler,), {"quiet": True}) if quiet else Handler
    return Server((host, port), partial(handler_class, directory=str(root)))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tools.serve", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument(
        "--port",
        type=int,
        default=int(os.environ.get("PORT", 8000)),
        help="port (default $PORT or 8000)",
    )
    parser.add_argument(
        "--root", type=Path, default=ROOT, help="folder to serve (default: the repo)"
    )
    parser.add_argument("--no-vendor", action="store_true", help="do not vendor the runtime first")
    args = parser.parse_args(argv)
    if not args.no_vendor and args.root.resolve() == ROOT:
        from tools import vendor

        try:
            vendor.ensure()
        except vendor.VendorError as exc:
            print(f"serve: cannot vendor the runtime: {exc}", file=sys.stderr)
            return 2
        # numpy's bytecode is compiled once (seconds, in Node) and cached: not on the first load.
        threading.Thread(target=pyzip.numpy_bytecode, daemon=True).start()
    if not (args.root / "index.html").exists():
        print(f"serve: {args.root} has no index.html", file=sys.stderr)
        return 2
    try:
        server = make_server(args.root, args.host, args.port)
    except OSError as exc:
        print(f"serve: cannot listen on {args.host}:{args.port}: {exc}", file=sys.stderr)
        return 2
    host = "localhost" if args.host in ("127.0.0.1", "0.0.0.0", "::") else args.host
    print(
        f"Serving {args.root} — open http://{host}:{server.server_port}/  (Ctrl+C to stop)",
        flush=True,
    )
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
