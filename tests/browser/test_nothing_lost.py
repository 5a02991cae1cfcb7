"""Nothing lost: a reload restores the live networks (Follow's and Anticipate's, and the mode),
even straight after learning; Start fresh forgets them; a link with other settings wins over
them; without storage the app works and says saving is off; a dead interpreter (a real Pyodide
fatal error, a frame loop that stops, or a start-up that fails) is reported, never silent, and
the alert only promises that a reload restores the work when saving is on.

Test contract: after a reload of the same address ``window.nnApp.exportModel()`` gives the same
weights and biases as just before it; the button **Start fresh** discards the saved network;
``body[data-state]`` is ``error`` after a fatal interpreter error, with the reason in the
``role="alert"`` element. Each test has a fresh browser context, so its storage starts empty.
"""

from __future__ import annotations

import json

import pytest

from .conftest import wait_ready
from .helpers import (
    DRAW_CIRCLE,
    PYTHON_ZIP_GLOB,
    alert_text,
    forgive,
    hooked_main,
    model,
    move_pointer,
    open_app,
    read_stage,
    zip_bytes,
)

SAVED = "() => localStorage.getItem('nn.autosave') || ''"
# In one task (no timer, no animation frame in between): 20 pointer moves, Pause, then the live
# model and the saved record as they are, kept in sessionStorage (it outlives a reload), and the
# reload. Only the pagehide save can bring these last moves into the record the next page reads.
MOVE_AND_RELOAD = """() => {
  const canvas = document.getElementById('stage'), box = canvas.getBoundingClientRect();
  for (let k = 0; k < 20; k++) {
    canvas.dispatchEvent(new PointerEvent('pointermove', {bubbles: true, pointerType: 'mouse',
      clientX: box.left + box.width * (0.2 + 0.03 * k), clientY: box.top + box.height * 0.7}));
  }
  document.getElementById('pause').click();
  sessionStorage.setItem('before', window.nnApp.exportModel());
  sessionStorage.setItem('record', localStorage.getItem('nn.autosave') || '');
  location.reload();
}"""


def _train_and_pause(page, moves: int = 80) -> dict:
    """Learn from pointer moves, pause (so nothing changes), wait for the save; the model."""
    page.check("#replay")
    move_pointer(page, 0, moves)
    page.click("#pause")
    iterations = read_stage(page)["iterations"]
    assert iterations >= moves
    page.wait_for_function(
        f"() => localStorage.getItem('nn.autosave')?.includes('\"iterations\":{iterations},')",
        timeout=20_000,
    )
    return model(page)


def _weights(m: dict) -> tuple:
    return m["weights"], m["biases"]


def test_a_reload_restores_the_network_and_start_fresh_forgets_it(app_page, base_url_app):
    """Train, reload: the same weights, biases, settings and iteration count, and a status line
    saying so. Start fresh: the seed's fresh weights; after another reload they are still the
    fresh ones (the trained network is gone)."""
    page = app_page
    open_app(page, base_url_app)
    fresh = model(page)
    page.fill("#learning-rate-text", "0.02")
    page.press("#learning-rate-text", "Enter")
    trained = _train_and_pause(page)
    assert _weights(trained) != _weights(fresh)
    # The count as the page writes it (the numbers line is refreshed every 100 ms, so it is read
    # from the stage, which the frame after each step updates).
    iterations = f"{read_stage(page)['iterations']:,}"
    page.reload()
    wait_ready(page)
    assert _weights(model(page)) == _weights(trained)
    assert model(page)["params"] == trained["params"]
    page.wait_for_function(
        f"document.getElementById('stat-iterations').textContent === {iterations!r}"
    )
    status = page.inner_text("#save-status")
    assert "Restored the network saved in this browser" in status and iterations in status
    assert alert_text(page) == ""

    page.click("text=Start fresh")
    assert _weights(model(page)) == _weights(fresh)
    assert "Started fresh" in page.inner_text("#save-status")
    assert page.is_hidden("#start-fresh")
    page.reload()
    wait_ready(page)
    assert _weights(model(page)) == _weights(fresh)
    assert "Restored" not in page.inner_text("#save-status")
    # and it learns, and saves, again
    assert _weights(_train_and_pause(page, 40)) != _weights(fresh)


# True once the saved record holds the live Anticipate network (its weights as they are now).
SAVED_ANTICIPATE = """() => {
  const text = localStorage.getItem('nn.autosave');
  if (!text) return false;
  const record = JSON.parse(text.slice(text.indexOf('\\n') + 1));
  const live = JSON.parse(window.nnApp.exportModel());
  return record.mode === 'anticipate'
    && JSON.stringify(record.recurrent.weights) === JSON.stringify(live.weights)
    && JSON.stringify(record.recurrent.biases) === JSON.stringify(live.biases);
}"""


def _record(text: str) -> dict:
    return json.loads(text.partition("\n")[2])


def test_a_reload_straight_after_learning_and_in_anticipate_loses_nothing(app_page, base_url_app):
    """1. Follow: a save, then 20 more moves and a reload in the same task (the timer cannot have
    saved them): the reloaded page has the very last weights (the pagehide save).
    2. Anticipate: draw, pause, wait for the timer's save, reload: the page comes back in
    Anticipate with the same recurrent network and iteration count, and Follow's network is
    still the one from step 1."""
    page = app_page
    open_app(page, base_url_app)
    page.uncheck("#replay")  # the weights change on pointer moves only
    move_pointer(page, 0, 60)
    first = read_stage(page)["iterations"]
    page.wait_for_function(f"() => ({SAVED})().includes('\"iterations\":{first},')")
    page.evaluate(MOVE_AND_RELOAD)
    page.wait_for_load_state()
    wait_ready(page)
    before = json.loads(page.evaluate("sessionStorage.getItem('before')"))
    stale = _record(page.evaluate("sessionStorage.getItem('record')"))
    assert stale["iterations"] == first  # the timer had not saved the last 20 moves
    assert stale["model"]["weights"] != before["weights"]
    follow = model(page)
    assert _weights(follow) == _weights(before)
    assert f"{first + 20:,} iterations" in page.inner_text("#save-status")

    page.select_option("#mode", "anticipate")
    untrained = model(page)
    assert untrained["kind"] == "recurrent"
    page.evaluate(DRAW_CIRCLE, [150])
    page.click("#pause")
    trained = model(page)
    assert _weights(trained) != _weights(untrained)  # it learnt from the drawing
    page.wait_for_function(SAVED_ANTICIPATE, timeout=20_000)
    count = _record(page.evaluate(SAVED))["recurrent_iterations"]
    assert count > 0
    page.reload()
    wait_ready(page)
    assert page.get_attribute("#stage", "data-mode") == "anticipate"
    assert page.input_value("#mode") == "anticipate"
    assert model(page) == trained
    page.wait_for_function(
        f"document.getElementById('stat-iterations').textContent === '{count:,}'"
    )
    assert f"Anticipate network, {count:,} iterations" in page.inner_text("#save-status")
    page.select_option("#mode", "follow")
    assert _weights(model(page)) == _weights(follow)
    assert alert_text(page) == ""


def test_a_link_with_other_settings_wins_over_the_saved_network(app_page, base_url_app):
    """The saved network is 2-6-6-6-2; opening a link to 2-6-2 builds 2-6-2 and says why; the
    same link as the saved settings restores the saved network."""
    page = app_page
    open_app(page, base_url_app)
    trained = _train_and_pause(page)
    same = page.evaluate("location.hash")
    page.goto("about:blank")
    page.goto(f"{base_url_app}#layers=2-6-2&activation=tanh")
    wait_ready(page)
    assert model(page)["params"]["layers"] == [2, 6, 2]
    status = page.inner_text("#save-status")
    assert "differ from the network saved in this browser" in status, status
    assert "link's are used" in status
    assert page.evaluate(SAVED)  # not overwritten before the new network learns
    page.goto("about:blank")
    page.goto(f"{base_url_app}{same}")
    wait_ready(page)
    assert _weights(model(page)) == _weights(trained)


STORAGE_OFF = {
    "disabled": """Object.defineProperty(window, 'localStorage', {get() {
        throw new DOMException('The operation is insecure.', 'SecurityError'); }});""",
    "full": """Storage.prototype.setItem = function () {
        throw new DOMException('The quota has been exceeded.', 'QuotaExceededError'); };""",
}


@pytest.mark.parametrize("kind", list(STORAGE_OFF))
def test_without_storage_the_app_works_and_says_saving_is_off(app_page, base_url_app, kind):
    page = app_page
    page.add_init_script(STORAGE_OFF[kind])
    open_app(page, base_url_app)
    start = read_stage(page)["iterations"]
    assert move_pointer(page, 0, 80)["iterations"] >= start + 80
    page.wait_for_function(
        "document.getElementById('save-status').textContent.startsWith('Saving is off')",
        timeout=20_000,
    )
    status = page.inner_text("#save-status")
    assert ("refused to store" in status) if kind == "full" else ("storage" in status)
    assert page.evaluate("document.body.dataset.state") == "ready"
    assert alert_text(page) == ""
    assert move_pointer(page, 80, 40)["iterations"] >= start + 120


RESTORES = "your network is saved in this browser as it learns, and the reload restores it"
STARTS_NEW = "saving is off in this browser, so the reload starts a new network"


def _expect_dead(page, reason: str, reload: str) -> str:
    """Wait for body[data-state]=error; the alert names ``reason`` and says ``reload``."""
    page.wait_for_selector("body[data-state=error]", state="attached", timeout=30_000)
    alert = alert_text(page)
    assert reason in alert and reload in alert, alert
    return alert


def test_a_real_fatal_interpreter_error_is_reported_and_a_reload_restores(
    app_page, base_url_app, watch
):
    """A recursive parse of deep JSON (unguarded, through a test hook) makes Pyodide report a
    fatal error: the alert says the interpreter crashed and that a reload restores the work,
    body[data-state] is error; the reload brings back the network saved before the crash."""
    page = app_page
    for part in ("fatal error", "Maximum call stack", "Stack (most recent", "Recursive call"):
        watch.allow_console_error(part)
    watch.allow_console_error("Another error")
    hooked_main(page)
    open_app(page, base_url_app)
    trained = _train_and_pause(page)
    page.evaluate("() => { try { window.nnTestFatal(); } catch (e) { return String(e); } }")
    alert = _expect_dead(page, "The Python interpreter crashed", RESTORES)
    assert "fatal error" in alert and "Maximum call stack" in alert
    page.unroute(PYTHON_ZIP_GLOB)
    page.reload()
    wait_ready(page)
    forgive(watch)
    assert _weights(model(page)) == _weights(trained)
    assert "Restored" in page.inner_text("#save-status")


def test_a_stopped_frame_loop_is_reported_without_promising_a_restore_when_saving_is_off(
    app_page, base_url_app, watch
):
    """When every animation frame of the Python loop raises, the watchdog (plain JavaScript)
    notices within a few seconds of frames: alert and body[data-state]=error. The storage is
    full here, so the alert says a reload starts a new network (not that it restores this one)."""
    page = app_page
    watch.allow_console_error("TypeError")
    watch.allow_console_error("PythonError")
    page.add_init_script(STORAGE_OFF["full"])
    hooked_main(page)
    open_app(page, base_url_app)
    move_pointer(page, 0, 30)
    page.wait_for_selector("body[data-saving=off]", state="attached", timeout=20_000)
    page.evaluate("window.nnTestBreakFrames()")
    alert = _expect_dead(page, "stopped running its animation loop", STARTS_NEW)
    assert "restores" not in alert
    assert page.evaluate("document.body.dataset.failure") == "frame-loop"
    page.goto("about:blank")
    forgive(watch)


# Start-ups that fail before the app can say "ready" (served in place of the real files).
BROKEN_STARTS = {
    # Pyodide cannot unpack the page's Python.
    "python.zip": ("**/static/python.zip", "application/zip", b"not a zip", "is not a zip file"),
    # The entry script does not compile.
    "main.py": (
        "**/static/python.zip",
        "application/zip",
        zip_bytes({"nnpage/__init__.py": "", "nnpage/main.py": "def (:\n"}),
        "SyntaxError",
    ),
    # The runtime itself is damaged (a broken deploy or download).
    "pyodide-lock.json": ("**/pyodide-lock.json", "application/json", b"{", "JSON"),
    "python_stdlib.zip": ("**/python_stdlib.zip", "application/zip", b"xx", "exit(1)"),
}


@pytest.mark.parametrize("broken", list(BROKEN_STARTS))
def test_a_start_up_that_fails_is_reported(app_page, base_url_app, watch, broken):
    """Before nnpage/main.py attaches anything: the alert says the page's Python could not
    start and why, the loading spinner goes, body[data-state] is error."""
    page = app_page
    glob, content_type, body, reason = BROKEN_STARTS[broken]
    watch.allow_console_error("PythonError")
    watch.allow_console_error("Traceback")
    page.route(glob, lambda route: route.fulfill(status=200, body=body, content_type=content_type))
    page.goto(base_url_app)
    alert = _expect_dead(page, "The page's Python could not start", "Reload the page to try again")
    assert reason in alert, alert
    assert page.evaluate("document.body.dataset.failure") == "startup"
    assert page.is_hidden("#loading")
    page.goto("about:blank")
    forgive(watch)
    if broken == "pyodide-lock.json":  # Pyodide leaves its own promise of the lock file unhandled
        watch.page_errors[:] = [e for e in watch.page_errors if "in JSON at position" not in e]
    if broken == "python_stdlib.zip":  # CPython wrote why it cannot start, line by line
        assert any("Fatal Python error" in text for text in watch.console_errors)
        watch.console_errors.clear()
