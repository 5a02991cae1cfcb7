"""Nothing lost: a reload restores the live network; Start fresh forgets it; a link with other
settings wins over it; without storage the app works and says saving is off; a dead interpreter
(a real Pyodide fatal error, or a frame loop that stops) is reported, never silent.

Test contract: after a reload of the same address ``window.nnApp.exportModel()`` gives the same
weights and biases as just before it; the button **Start fresh** discards the saved network;
``body[data-state]`` is ``error`` after a fatal interpreter error, with the reason in the
``role="alert"`` element. Each test has a fresh browser context, so its storage starts empty.
"""

from __future__ import annotations

import pytest

from .conftest import ROOT, wait_ready
from .helpers import alert_text, model, move_pointer, open_app, read_stage

MAIN_GLOB = "**/nnpage/main.py"
# Appended to the page's entry script by a route: hooks that break the page on purpose.
MAIN_HOOK = """

# --- appended by tests/browser/test_nothing_lost.py ---
from pyodide.ffi import create_proxy as _proxy


def _fatal():
    json.loads("[" * 200_000)  # unguarded: overflows the WebAssembly stack (a real fatal error)


def _break_frames():
    APP.trainer.replay = None  # every animation frame now raises TypeError


window.nnTestFatal = _proxy(_fatal)
window.nnTestBreakFrames = _proxy(_break_frames)
"""
SAVED = "() => localStorage.getItem('nn.autosave') || ''"


def _hooked_main(page) -> None:
    source = (ROOT / "nnpage" / "main.py").read_text() + MAIN_HOOK
    page.route(
        MAIN_GLOB,
        lambda route: route.fulfill(status=200, body=source, content_type="text/x-python"),
    )


def _train_and_pause(page, moves: int = 80) -> dict:
    """Learn from pointer moves, pause (so nothing changes), wait for the save; the model."""
    page.check("#replay")
    move_pointer(page, 0, moves)
    page.click("#pause")
    iterations = read_stage(page)["iterations"]
    assert iterations >= moves
    page.wait_for_function(
        f"() => localStorage.getItem('nn.autosave')?.includes('\"iterations\":{iterations}}}')",
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


def _expect_dead(page, watch, reason: str) -> str:
    page.wait_for_selector("body[data-state=error]", state="attached", timeout=30_000)
    alert = alert_text(page)
    assert reason in alert and "Reload the page" in alert and "restores it" in alert, alert
    return alert


def _forgive(watch) -> None:
    """What the broken page threw at the browser until it was left is expected here."""
    watch.page_errors[:] = [e for e in watch.page_errors if not _dying(e)]


def _dying(text: str) -> bool:
    return any(
        part in text
        for part in ("fatal error", "Maximum call stack", "PythonError", "TypeError", "dead")
    )


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
    _hooked_main(page)
    open_app(page, base_url_app)
    trained = _train_and_pause(page)
    page.evaluate("() => { try { window.nnTestFatal(); } catch (e) { return String(e); } }")
    alert = _expect_dead(page, watch, "The Python interpreter crashed")
    assert "fatal error" in alert and "Maximum call stack" in alert
    page.unroute(MAIN_GLOB)
    page.reload()
    wait_ready(page)
    _forgive(watch)
    assert _weights(model(page)) == _weights(trained)
    assert "Restored" in page.inner_text("#save-status")


def test_a_stopped_frame_loop_is_reported(app_page, base_url_app, watch):
    """When every animation frame of the Python loop raises, the watchdog (plain JavaScript)
    notices within a few seconds of frames: alert and body[data-state]=error."""
    page = app_page
    watch.allow_console_error("TypeError")
    watch.allow_console_error("PythonError")
    _hooked_main(page)
    open_app(page, base_url_app)
    move_pointer(page, 0, 30)
    page.evaluate("window.nnTestBreakFrames()")
    _expect_dead(page, watch, "stopped running its animation loop")
    assert page.evaluate("document.body.dataset.failure") == "frame-loop"
    page.goto("about:blank")
    _forgive(watch)
