"""The development server: safe paths, GET/HEAD only, the MIME types Pyodide needs, no listings."""

from __future__ import annotations

import http.client
import socket
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from tools import serve


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    root = tmp_path_factory.mktemp("www")
    (root / "index.html").write_text("<!doctype html><title>t</title>")
    (root / "sub").mkdir()
    (root / "sub" / "mod.mjs").write_text("export const a = 1;")
    (root / "sub" / "x.wasm").write_bytes(b"\0asm\1\0\0\0")
    (root / "sub" / "a.py").write_text("x = 1\n")
    (root / "sub" / "c.toml").write_text("a = 1\n")
    (root / "sub" / "w.whl").write_bytes(b"PK")
    (root / ".secret").write_text("hidden")
    (root.parent / "outside.txt").write_text("outside")
    srv = serve.make_server(root, "127.0.0.1", 0, quiet=True)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    yield srv
    srv.shutdown()
    srv.server_close()


def request(server, method, path, body=None):
    conn = http.client.HTTPConnection("127.0.0.1", server.server_port, timeout=10)
    conn.request(method, path, body=body)
    resp = conn.getresponse()
    data = resp.read()
    conn.close()
    return resp, data


def raw(server, payload: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", server.server_port), timeout=10) as s:
        s.sendall(payload)
        chunks = []
        while chunk := s.recv(4096):
            chunks.append(chunk)
    return b"".join(chunks)


def test_serves_index_and_files_with_nosniff(server):
    """GET / serves index.html; every response says nosniff."""
    resp, data = request(server, "GET", "/")
    assert resp.status == 200 and b"<title>t</title>" in data
    assert resp.getheader("X-Content-Type-Options") == "nosniff"
    assert resp.getheader("Server") == "nn-serve"  # no Python version advertised


@pytest.mark.parametrize(
    ("path", "mime"),
    [
        ("/sub/x.wasm", "application/wasm"),
        ("/sub/mod.mjs", "text/javascript"),
        ("/sub/a.py", "text/x-python"),
        ("/sub/c.toml", "application/toml"),
        ("/sub/w.whl", "application/zip"),
        ("/index.html", "text/html"),
    ],
)
def test_mime_types(server, path, mime):
    """Pyodide needs application/wasm for streaming compilation and a JS type for modules."""
    resp, _ = request(server, "GET", path)
    assert resp.status == 200
    assert resp.getheader("Content-Type").split(";")[0] == mime


def test_head_has_no_body(server):
    resp, data = request(server, "HEAD", "/sub/a.py")
    assert resp.status == 200 and data == b""
    assert int(resp.getheader("Content-Length")) == len("x = 1\n")


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "FOO"])
def test_other_methods_are_refused(server, method):
    resp, _ = request(server, method, "/index.html", body=b"x")
    assert resp.status == 405
    assert resp.getheader("Allow") == "GET, HEAD"


@pytest.mark.parametrize(
    "path",
    [
        "/../outside.txt",
        "/sub/../../outside.txt",
        "/%2e%2e/outside.txt",
        "/%2E%2E%2Foutside.txt",
        "/sub/%2e%2e/%2e%2e/outside.txt",
        "/%252e%252e/outside.txt",
        "/..%5coutside.txt",
        "/sub\\..\\..\\outside.txt",
        "http://127.0.0.1/../outside.txt",
        "/index.html%00.txt",
    ],
)
def test_path_escapes_are_refused(server, path):
    """No spelling of `..` (plain, encoded, double-encoded, backslash), absolute form or NUL."""
    resp, data = request(server, "GET", path)
    assert resp.status == 400
    assert b"outside" not in data


def test_protocol_relative_path_stays_inside(server):
    """`//etc/passwd` is read as `/etc/passwd` inside the served folder, where there is none."""
    resp, data = request(server, "GET", "//etc/passwd")
    assert resp.status in (400, 404) and b"root:" not in data


def test_hidden_files_and_directory_listings_are_not_served(server):
    assert request(server, "GET", "/.secret")[0].status == 400
    assert request(server, "GET", "/%2esecret")[0].status == 400
    resp, data = request(server, "GET", "/sub/")
    assert resp.status == 404 and b"mod.mjs" not in data


@pytest.mark.parametrize(
    "payload",
    [
        b"GARBAGE\r\n\r\n",
        b"GET\r\n\r\n",
        b"GET / HTTP/9.9\r\n\r\n",
        b"\x16\x03\x01\x02\x00\x01\r\n\r\n",
    ],
)
def test_malformed_request_lines_get_an_error_and_the_server_survives(server, payload):
    reply = raw(server, payload)
    # HTTP/0.9-style requests get a bare error body with no status line; either way it is an error.
    assert b"400" in reply or b"505" in reply
    assert b"<title>t</title>" not in reply
    assert request(server, "GET", "/")[0].status == 200


def test_burst_of_500_concurrent_requests(server):
    """500 requests from 50 local threads at once all succeed."""

    def one(i):
        return request(server, "GET", "/sub/a.py" if i % 2 else "/")[0].status

    with ThreadPoolExecutor(max_workers=50) as pool:
        statuses = list(pool.map(one, range(500)))
    assert statuses == [200] * 500


def test_is_unsafe_accepts_ordinary_paths():
    assert not serve.is_unsafe("/static/vendor/pyodide/pyodide.mjs?v=1")
    assert not serve.is_unsafe("/")
    assert not serve.is_unsafe("/a%20b.txt")


def test_python_archive_is_built_fresh_from_the_sources(tmp_path):
    """Serving a source tree, /static/python.zip is the archive of its current sources, rebuilt
    per request: an edit shows up on the next load without any build step."""
    import io
    import zipfile

    for pkg in ("nn", "nnpage"):
        (tmp_path / pkg).mkdir()
        (tmp_path / pkg / "__init__.py").write_text("v = 1\n")
    srv = serve.make_server(tmp_path, "127.0.0.1", 0, quiet=True)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    try:
        resp, data = request(srv, "GET", "/static/python.zip")
        assert resp.status == 200
        assert resp.getheader("Content-Type") == "application/zip"
        archive = zipfile.ZipFile(io.BytesIO(data))
        assert archive.read("nn/__init__.py") == b"v = 1\n"
        (tmp_path / "nn" / "__init__.py").write_text("v = 2\n")
        _, data = request(srv, "GET", "/static/python.zip")
        assert zipfile.ZipFile(io.BytesIO(data)).read("nn/__init__.py") == b"v = 2\n"
    finally:
        srv.shutdown()
        srv.server_close()
