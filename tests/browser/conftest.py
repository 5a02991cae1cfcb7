"""Browser-test fixtures: a local server, a Chromium, and a page that must stay on localhost.

Every test that uses ``app_page`` fails if the page (or its workers) requests anything from another
origin, logs a console error, or throws an uncaught exception.
"""

from __future__ import annotations

import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from tools import browser, pyzip, serve, site

ROOT = Path(__file__).resolve().parents[2]
READY_TIMEOUT_MS = 60_000
LOCAL_HOSTS = {"127.0.0.1", "localhost", "[::1]", "::1"}


def pytest_collection_modifyitems(items):
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.fspath).parents:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """Use Playwright's Chromium if installed, else the system one, with offline-friendly flags."""
    try:
        exe = browser.ensure_chromium()
    except RuntimeError as exc:
        pytest.fail(str(exc))
    return {**browser_type_launch_args, "executable_path": exe, "args": browser.LAUNCH_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    """No service worker in the shared fixtures' contexts: one would answer requests that a test
    routes (``page.route`` never sees them). tests/browser/test_offline.py opens its own contexts
    with service workers allowed."""
    return {**browser_context_args, "service_workers": "block"}


def _serve_in_thread(root: Path):
    server = serve.make_server(root, "127.0.0.1", 0, quiet=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return server


@pytest.fixture(scope="session")
def base_url_app():
    """The repository served by the project's own server on a free port."""
    pyzip.numpy_bytecode()  # compiled once (seconds, in Node on a fresh clone), then cached
    server = _serve_in_thread(ROOT)
    yield f"http://127.0.0.1:{server.server_port}/"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="session")
def site_url(tmp_path_factory):
    """A `make site` build served by plain `python -m http.server`, as a static host would."""
    dest = site.build(tmp_path_factory.mktemp("site") / "_site")
    proc = subprocess.Popen(
        [sys.executable, "-m", "http.server", "0", "--bind", "127.0.0.1", "-d", str(dest)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    line = proc.stdout.readline()  # "Serving HTTP on 127.0.0.1 port NNNN (http://...) ..."
    port = int(line.split(" port ")[1].split()[0])
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=1).close()
            break
        except OSError:
            time.sleep(0.1)
    yield url
    proc.terminate()
    proc.wait(timeout=10)
    proc.stdout.close()


class PageWatch:
    """What a page did that a test may not allow: foreign requests, console errors, page errors."""

    def __init__(self):
        self.requests: list[str] = []
        self.foreign: list[str] = []
        self.console_errors: list[str] = []
        self.page_errors: list[str] = []
        self.allowed_console_errors: list[str] = []

    def on_request(self, request) -> None:
        url = request.url
        self.requests.append(url)
        parsed = urllib.parse.urlsplit(url)
        if parsed.scheme in ("data", "blob", "about"):
            return
        if parsed.hostname not in LOCAL_HOSTS:
            self.foreign.append(url)

    def on_console(self, msg) -> None:
        if msg.type == "error":
            self.console_errors.append(msg.text)

    def attach(self, page) -> None:
        """Record ``page``'s console errors (its workers' too) and uncaught errors."""
        page.on("console", self.on_console)
        page.on("pageerror", lambda exc: self.page_errors.append(str(exc)))
        page.on("worker", lambda worker: worker.on("console", self.on_console))

    def allow_console_error(self, fragment: str) -> None:
        """Let one expected kind of console error through (a test provoking an error says so)."""
        self.allowed_console_errors.append(fragment)

    def problems(self) -> list[str]:
        out = [f"request to another origin: {u}" for u in self.foreign]
        for text in self.console_errors:
            if not any(frag in text for frag in self.allowed_console_errors):
                out.append(f"console error: {text}")
        out += [f"uncaught page error: {e}" for e in self.page_errors]
        return out


@pytest.fixture
def watch(context):
    w = PageWatch()
    context.on("request", w.on_request)
    yield w
    assert not w.problems(), "\n".join(w.problems())


@pytest.fixture
def app_page(page, watch):
    """A page whose console and page errors are recorded by ``watch``."""
    watch.attach(page)
    return page


def wait_ready(page, timeout: int = READY_TIMEOUT_MS) -> None:
    """Wait for the app's readiness signal; fail with what the page shows if it ends in error."""
    page.wait_for_function(
        "['ready', 'error'].includes(document.body.dataset.state)", timeout=timeout
    )
    state = page.evaluate("document.body.dataset.state")
    if state != "ready":
        alert = page.evaluate(
            "Array.from(document.querySelectorAll('[role=alert]'))"
            ".map(e => e.textContent).join(' | ')"
        )
        pytest.fail(f"app ended in state {state!r}: {alert}")
