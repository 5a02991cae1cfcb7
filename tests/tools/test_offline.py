"""The offline copy's generated parts: sw.js (file list, hashes, version) from tools/offline.py as
`make serve` and `make site` give it, the web app manifest and its icons."""

from __future__ import annotations

import base64
import hashlib
import http.client
import json
import re
import struct
import threading
from pathlib import Path

import pytest

from tools import icons, offline, pyzip, serve, site, vendor

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    return site.build(tmp_path_factory.mktemp("site") / "_site")


def listed(script: str) -> tuple[str, list[list[str]]]:
    """(VERSION, FILES) as written at the top of a generated sw.js."""
    version = re.search(r'^const VERSION = "([0-9a-f]{16})";$', script, re.M)
    files = re.search(r"^const FILES = (\[.*?\n\]);$", script, re.M | re.S)
    assert version and files, script[:400]
    return version.group(1), json.loads(files.group(1))


def sri(data: bytes) -> str:
    return "sha256-" + base64.b64encode(hashlib.sha256(data).digest()).decode()


def test_site_sw_lists_every_file_with_the_hash_of_its_bytes(built):
    _, files = listed((built / "sw.js").read_text())
    paths = [path for path, _ in files]
    assert len(paths) == len(set(paths))
    for path, integrity in files:
        assert integrity == sri((built / path).read_bytes()), path
    # What the page loads by URL is all there: its HTML, config, styles, scripts, Python.
    for needed in (
        "index.html",
        "static/boot.js",
        "static/python.zip",
        "static/manifest.json",
        "nnpage/worker.py",
        "static/vendor/pyodide/pyodide.asm.wasm",
        "static/vendor/pyodide/python_stdlib.zip",
        "static/vendor/pyodide/pyodide-lock.json",
        "static/vendor/pyodide/" + vendor.NUMPY_WHEEL,
        "static/vendor/pyscript/core.js",
    ):
        assert needed in paths, needed


def test_every_file_the_site_serves_is_cached_but_the_unused_runtime_parts(built):
    """A file added to the site is cached without editing a list, unless it is one of the
    runtime's parts the page never loads (or sw.js itself)."""
    _, files = listed((built / "sw.js").read_text())
    served = {
        p.relative_to(built).as_posix()
        for p in built.rglob("*")
        if p.is_file() and not p.name.startswith(".")
    }
    left_out = served - {path for path, _ in files}
    assert "sw.js" in left_out
    for path in left_out - {"sw.js"}:
        assert path.removeprefix("static/vendor/").startswith(offline.UNUSED_VENDOR_PREFIXES), path


def test_html_css_and_scripts_the_page_references_are_listed(built):
    _, files = listed((built / "sw.js").read_text())
    paths = {path for path, _ in files}
    html = (built / "index.html").read_text()
    for ref in re.findall(r'(?:href|src)="\./([^"]+)"', html):
        assert ref in paths, ref


def test_any_changed_byte_gives_a_new_version(tmp_path, built):
    items = offline.entries(built)
    first = offline.version(items)
    assert offline.version(offline.entries(built)) == first
    changed = offline.entries(built, python_zip=(built / "static/python.zip").read_bytes() + b"x")
    assert offline.version(changed) != first
    # The vendored runtime is keyed by its manifest hashes.
    runtime = dict(items)
    wheel = "static/vendor/pyodide/" + vendor.NUMPY_WHEEL
    assert runtime[wheel] == vendor.load_manifest()["pyodide/" + vendor.NUMPY_WHEEL]
    swapped = [(p, "0" * 64 if p == wheel else d) for p, d in items]
    assert offline.version(swapped) != first


def test_integrity_is_standard_sri():
    assert offline.integrity(hashlib.sha256(b"abc").hexdigest()) == sri(b"abc")


def test_dev_server_generates_sw_from_the_current_sources():
    """`make serve`: /sw.js lists the archive the same server builds, fresh per request."""
    srv = serve.make_server(ROOT, "127.0.0.1", 0, quiet=True)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    try:
        conn = http.client.HTTPConnection("127.0.0.1", srv.server_port, timeout=30)
        conn.request("GET", "/sw.js")
        resp = conn.getresponse()
        body = resp.read().decode()
        conn.close()
    finally:
        srv.shutdown()
        srv.server_close()
    assert resp.status == 200
    assert resp.getheader("Content-Type").startswith("text/javascript")
    assert body == offline.script(ROOT, python_zip=pyzip.build())
    _, files = listed(body)
    assert ["static/python.zip", sri(pyzip.build())] in files


def test_sw_is_a_few_kilobytes(built):
    """A repeat visit downloads sw.js (the browser's update check) and nothing else."""
    assert (built / "sw.js").stat().st_size < 8_000


def test_sw_leaves_out_only_the_templates_whole_line_comments():
    template = offline.TEMPLATE.read_text().splitlines()
    kept = offline.code().splitlines()
    assert kept == [line for line in template if not line.strip().startswith("//")]
    assert len(kept) < len(template)  # the template does explain itself
    assert 'self.addEventListener("fetch"' in offline.code()


def test_page_registers_it_under_its_csp():
    html = (ROOT / "index.html").read_text()
    csp = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', html).group(1)
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
    assert "'self'" in directives["worker-src"].split()  # the service worker script
    assert '<script src="./static/offline.js" defer></script>' in html
    assert 'register("./sw.js")' in (ROOT / "static/offline.js").read_text()
    assert '<link rel="manifest" href="./static/manifest.json">' in html


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def test_manifest_makes_it_installable_from_any_sub_path():
    manifest = json.loads((ROOT / "static/manifest.json").read_text())
    assert manifest["name"] and manifest["short_name"] and manifest["display"] == "standalone"
    # Relative to the manifest (static/): the folder the site is in, wherever it is deployed.
    assert manifest["start_url"] == manifest["scope"] == "../"
    pngs = [i for i in manifest["icons"] if i["type"] == "image/png"]
    assert {i["sizes"] for i in pngs} >= {"192x192", "512x512"}
    for icon in manifest["icons"]:
        data = (ROOT / "static" / icon["src"]).read_bytes()
        if icon["type"] == "image/png":
            width, height = png_size(data)
            assert f"{width}x{height}" == icon["sizes"]


def test_committed_icons_are_what_the_script_draws():
    assert icons.main(["--check"]) == 0
    assert png_size(icons.png(192)) == (192, 192)


def test_icon_shows_the_circle_and_target_colours():
    rows = icons.pixels(64)
    stride = 1 + 64 * 3

    def at(x: float, y: float) -> tuple[int, ...]:
        i, j = int(x * 64), int(y * 64)
        return tuple(rows[j * stride + 1 + 3 * i : j * stride + 4 + 3 * i])

    assert at(*icons.CIRCLE[0]) == icons.CIRCLE[2]
    assert at(0.02, 0.98) == icons.BACKGROUND
    tx, ty = icons.TARGET[0]
    assert at(tx + icons.ARM * 0.8, ty) == icons.TARGET[2]
