"""The built site as a visitor gets it: first and repeat visits with and without the service
worker (time to ready, bytes over the network), a visit with the network cut, the first visit's
gzip transfer size, and Lighthouse's accessibility and best-practices scores.

A ``make site`` build is served from a temporary folder under a sub-path (as GitHub Pages serves a
project site) by the standard library's static server, wrapped to count the body bytes it sends:
what crossed the network, whatever the browser's caches did. Each visit series runs in a fresh
browser context (cold caches); repeats are interleaved and summarised by medians.

Lighthouse 12.2.3 (npm) is installed into ``.cache/lighthouse`` on first use, and runs with Node
and the same Chromium; without Node or npm the scores are listed under ``not_measured``.

Usage::

    results = run(quick=False)        # the "site" section of bench/results.json
    print("\\n".join(summary(results)))
"""

from __future__ import annotations

import contextlib
import gzip
import http.server
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from functools import partial
from pathlib import Path
from typing import Any

from bench.browser import READY_MARK
from bench.report import TARGETS
from tools import browser as chromium
from tools import site

ROOT = Path(__file__).resolve().parent.parent
SUB_PATH = "some/sub/path"
READY_TIMEOUT_MS = 180_000
LIGHTHOUSE = "lighthouse@12.2.3"
LIGHTHOUSE_DIR = ROOT / ".cache" / "lighthouse"
LIGHTHOUSE_BIN = LIGHTHOUSE_DIR / "node_modules" / ".bin" / "lighthouse"


def log(text: str) -> None:
    print(f"site: {text}", file=sys.stderr, flush=True)


class Counting(http.server.SimpleHTTPRequestHandler):
    """A plain static server that records (path, status, body bytes) of every response."""

    sent: list[tuple[str, int, int]]

    def do_GET(self) -> None:
        self._length, self._code = 0, 0  # one handler serves a kept-alive connection's requests
        super().do_GET()
        self.sent.append((self.path.split("?", 1)[0], self._code, self._length))

    def copyfile(self, source, outputfile) -> None:
        data = source.read()
        self._length = len(data)
        # The browser may close a page mid-download; what was asked for is counted as sent.
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            outputfile.write(data)

    def log_request(self, code="-", size="-") -> None:
        self._code = int(code)

    def log_message(self, format, *args) -> None:
        pass


class Host:
    """A built site under ``/some/sub/path/`` on a local port; ``sent`` lists what it served."""

    def __init__(self) -> None:
        self.tmp = Path(tempfile.mkdtemp(prefix="nn-site-bench-"))
        self.dest = site.build(self.tmp / SUB_PATH)
        handler = type("Handler", (Counting,), {"sent": []})
        self.sent: list[tuple[str, int, int]] = handler.sent
        self.server = http.server.ThreadingHTTPServer(
            ("127.0.0.1", 0), partial(handler, directory=str(self.tmp))
        )
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_port}/{SUB_PATH}/"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        shutil.rmtree(self.tmp, ignore_errors=True)


def visit(context, host: Host, *, offline_copy: bool = False) -> dict[str, Any]:
    """Open the site in ``context``: ms to ready, and requests and body bytes served until then
    (and, with ``offline_copy``, until the service worker has cached everything)."""
    start = len(host.sent)
    page = context.new_page()
    page.add_init_script(READY_MARK)
    page.goto(host.url, wait_until="commit")
    page.wait_for_function("window.__benchReady !== undefined", timeout=READY_TIMEOUT_MS)
    mark = page.evaluate("window.__benchReady")
    if mark["state"] != "ready":
        raise RuntimeError(f"the site ended in state {mark['state']!r}")
    until_ready = host.sent[start:]
    out: dict[str, Any] = {
        "ready_ms": mark["ms"],
        "requests": len(until_ready),
        "bytes": sum(size for _, _, size in until_ready),
        "paths": [path for path, _, _ in until_ready],
    }
    if offline_copy:
        began = time.perf_counter()
        page.wait_for_function(
            "document.documentElement.dataset.offline !== undefined", timeout=READY_TIMEOUT_MS
        )
        state = page.evaluate("document.documentElement.dataset.offline")
        if state != "ready":
            raise RuntimeError(f"the offline copy was not saved ({state!r})")
        page.wait_for_timeout(500)  # the install's last responses are logged just after
        total = host.sent[start:]
        out["offline_copy_s_after_ready"] = time.perf_counter() - began
        out["bytes_with_offline_copy"] = sum(size for _, _, size in total)
        out["requests_with_offline_copy"] = len(total)
    page.close()
    return out


def gzip_size(dest: Path, paths: list[str]) -> dict[str, int]:
    """Raw and gzip (level 6, what static hosts typically use) bytes of the files at ``paths``."""
    raw = packed = 0
    for path in dict.fromkeys(paths):  # each file once, in order
        rel = path.removeprefix(f"/{SUB_PATH}/") or "index.html"
        if rel.endswith("/"):
            rel += "index.html"
        file = dest / rel
        if not file.is_file():
            continue
        data = file.read_bytes()
        raw += len(data)
        packed += len(gzip.compress(data, 6, mtime=0))
    return {"raw_bytes": raw, "gzip_bytes": packed}


def visits(browser, host: Host, repeats: int) -> dict[str, Any]:
    """First and repeat visits, each with and without the service worker, and one offline."""
    runs: dict[str, list[dict[str, Any]]] = {
        k: [] for k in ("first_no_sw", "repeat_no_sw", "first_sw", "repeat_sw", "offline")
    }
    for r in range(repeats):
        context = browser.new_context(service_workers="block")
        runs["first_no_sw"].append(visit(context, host))
        runs["repeat_no_sw"].append(visit(context, host))
        context.close()
        context = browser.new_context(service_workers="allow")
        runs["first_sw"].append(visit(context, host, offline_copy=True))
        runs["repeat_sw"].append(visit(context, host))
        context.set_offline(True)
        runs["offline"].append(visit(context, host))
        context.close()
        log(
            f"visits {r + 1}/{repeats}: "
            + ", ".join(
                f"{k} {v[-1]['ready_ms']:.0f} ms {v[-1]['bytes']:,} B" for k, v in runs.items()
            )
        )
    out: dict[str, Any] = {}
    for name, series in runs.items():
        entry = {
            "ready_ms": statistics.median(v["ready_ms"] for v in series),
            "bytes": statistics.median(v["bytes"] for v in series),
            "requests": statistics.median(v["requests"] for v in series),
            "runs_ready_ms": [v["ready_ms"] for v in series],
        }
        if name == "first_sw":
            entry["bytes_with_offline_copy"] = statistics.median(
                v["bytes_with_offline_copy"] for v in series
            )
            entry["offline_copy_s_after_ready"] = statistics.median(
                v["offline_copy_s_after_ready"] for v in series
            )
        if name.startswith("repeat") or name == "offline":
            entry["paths"] = sorted(set(series[-1]["paths"]))
        out[name] = entry
    out["first_visit_transfer"] = gzip_size(host.dest, runs["first_no_sw"][0]["paths"])
    out["first_visit_transfer"]["requests"] = len(set(runs["first_no_sw"][0]["paths"]))
    return out


def ensure_lighthouse() -> Path:
    """The Lighthouse CLI, installed into .cache/lighthouse (pinned) on first use."""
    if LIGHTHOUSE_BIN.exists():
        return LIGHTHOUSE_BIN
    npm = shutil.which("npm")
    if npm is None or shutil.which("node") is None:
        raise RuntimeError("Lighthouse needs Node and npm, which are not installed")
    LIGHTHOUSE_DIR.mkdir(parents=True, exist_ok=True)
    log(f"installing {LIGHTHOUSE} into {LIGHTHOUSE_DIR.relative_to(ROOT)} (once)")
    done = subprocess.run(
        [
            npm,
            "install",
            "--prefix",
            str(LIGHTHOUSE_DIR),
            "--no-audit",
            "--no-fund",
            "-E",
            LIGHTHOUSE,
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    if done.returncode != 0 or not LIGHTHOUSE_BIN.exists():
        raise RuntimeError(f"npm could not install {LIGHTHOUSE}: {done.stderr.strip()[-400:]}")
    return LIGHTHOUSE_BIN


def lighthouse(url: str) -> dict[str, Any]:
    """Lighthouse's accessibility and best-practices scores (0-100) and the audits that failed."""
    exe = ensure_lighthouse()
    flags = "--headless=new --no-sandbox --disable-gpu --disable-dev-shm-usage"
    env = {**os.environ, "CHROME_PATH": chromium.ensure_chromium()}
    done = subprocess.run(
        [
            str(exe),
            url,
            "--only-categories=accessibility,best-practices",
            "--output=json",
            "--output-path=stdout",
            "--quiet",
            "--max-wait-for-load=120000",
            f"--chrome-flags={flags}",
        ],
        capture_output=True,
        text=True,
        timeout=600,
        env=env,
    )
    if done.returncode != 0:
        raise RuntimeError(f"lighthouse failed: {done.stderr.strip()[-600:]}")
    report = json.loads(done.stdout)
    out: dict[str, Any] = {"version": report.get("lighthouseVersion")}
    for key, category in report["categories"].items():
        failed = [
            ref["id"]
            for ref in category["auditRefs"]
            if ref.get("weight")
            and report["audits"][ref["id"]].get("score") is not None
            and report["audits"][ref["id"]]["score"] < 1
        ]
        out[key] = {"score": round(100 * category["score"]), "failed": failed}
    return out


def run(quick: bool = False) -> dict[str, Any]:
    """The "site" section of bench/results.json."""
    from playwright.sync_api import sync_playwright

    out: dict[str, Any] = {"served_under": f"/{SUB_PATH}/", "not_measured": {}}
    host = Host()
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path=chromium.ensure_chromium(), args=chromium.LAUNCH_ARGS
            )
            try:
                out["visits"] = visits(browser, host, 1 if quick else 3)
            finally:
                browser.close()
        try:
            out["lighthouse"] = lighthouse(host.url)
            log(f"lighthouse: {json.dumps(out['lighthouse'])}")
        except (RuntimeError, subprocess.TimeoutExpired, json.JSONDecodeError, KeyError) as exc:
            out["not_measured"]["lighthouse"] = str(exc)
    finally:
        host.close()
    return out


def _kb(value: float) -> str:
    return f"{value / 1024:,.1f} KiB" if value < 1024 * 1024 else f"{value / 2**20:,.2f} MiB"


def summary(results: dict[str, Any], ready_ratio: float | None = None) -> list[str]:
    """Readable lines for the table printed by ``python -m bench``."""
    lines = [f"site (make site, served under {results['served_under']}):"]
    v = results.get("visits")
    if v:
        names = {
            "first_no_sw": "first visit, no service worker",
            "first_sw": "first visit, service worker",
            "repeat_no_sw": "repeat visit, no service worker (HTTP cache)",
            "repeat_sw": "repeat visit, service worker",
            "offline": "visit with the network cut",
        }
        for key, label in names.items():
            e = v[key]
            lines.append(
                f"  {label:46} ready {e['ready_ms']:8,.0f} ms  {_kb(e['bytes']):>11} "
                f"in {e['requests']:.0f} requests"
            )
        lines.append(
            f"  {'first visit + offline copy complete':46} {'':17}"
            f"{_kb(v['first_sw']['bytes_with_offline_copy']):>11}"
            f" ({v['first_sw']['offline_copy_s_after_ready']:.1f} s after ready)"
        )
        t = v["first_visit_transfer"]
        lines.append(
            f"  {'first visit transfer size':46} {_kb(t['raw_bytes'])} raw, "
            f"{_kb(t['gzip_bytes'])} gzip ({t['requests']} files)"
        )
        ratio = v["repeat_sw"]["ready_ms"] / v["first_no_sw"]["ready_ms"]
        lines.append(f"  repeat visit with the service worker / first visit: {ratio:.2f}x time")
    if ready_ratio is not None:
        bound = TARGETS["ready_ratio"][1]
        status = "ok" if ready_ratio <= bound else "over"
        lines.append(
            f"  app ready / bare Pyodide+numpy floor (browser load, same run): {ready_ratio:.3f}x"
            f" (target <= {bound}x: {status})"
        )
    lh = results.get("lighthouse")
    if lh:
        for key in ("accessibility", "best-practices"):
            c = lh[key]
            status = "ok" if c["score"] >= 95 else "below"
            failed = f"; failed: {', '.join(c['failed'])}" if c["failed"] else ""
            lines.append(
                f"  Lighthouse {lh['version']} {key}: {c['score']} (aim >= 95: {status}){failed}"
            )
    for key, why in results.get("not_measured", {}).items():
        lines.append(f"  not measured: {key}: {why}")
    return lines
