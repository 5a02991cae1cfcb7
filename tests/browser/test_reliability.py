"""Reliability and security in the browser: page code that never parses HTML, divergence, worker
failures (the Content Security Policy is tested in tests/browser/test_foundation.py).

- No page or worker module turns text into HTML, the one way around the CSP.
- A learning rate that blows the network up trips the divergence guard, in live training and in
  pre-training: an alert suggests a lower learning rate, the last good weights stay, the page
  keeps running, and after a lower rate and Reset it learns.
- A worker that crashes, hangs or closes mid-run, or cannot start, gives an alert; the live
  network keeps its weights; the next pre-training starts a fresh worker and succeeds.

Failures are provoked through the network (``page.route`` serves a worker script with a small
test hook appended, or a 404) and through the app's own hooks; the product code is unchanged.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from nn import Network

from .conftest import ROOT
from .helpers import (
    RUN_TIMEOUT_MS,
    alert_text,
    model,
    move_pointer,
    open_with_worker,
    pretrain_generated,
    read_stage,
)

DEEP = "2-6-6-6-6-6-6-6-2"
WORKER_GLOB = "**/nnpage/worker.py"
# A test hook appended to the worker script: special messages make the worker fail on purpose.
WORKER_HOOK = """

# --- appended by tests/browser/test_reliability.py ---
import js as _js
from pyodide.ffi import create_once_callable as _once

_next_handler = xworker.onmessage


def _crash():
    raise RuntimeError("crashed on purpose by the test")


def _test_hook(event):
    if event.data == "test:throw":  # an uncaught error in the running worker
        _js.setTimeout(_once(_crash), 0)
    elif event.data == "test:hang":  # stuck for good in a long computation
        while True:
            pass
    elif event.data == "test:close":  # the worker ends itself
        _js.close()
    else:
        _next_handler(event)


xworker.onmessage = _test_hook
"""


# --- helpers -------------------------------------------------------------------------------------


def _wait_alert(page, timeout: int = 10_000) -> str:
    page.wait_for_selector("#alert:not([hidden])", state="attached", timeout=timeout)
    return alert_text(page)


def _type(page, selector: str, value: str) -> None:
    """Type a value and press Enter, as a learner does."""
    page.fill(selector, value)
    page.press(selector, "Enter")


def _state(page) -> str:
    return page.evaluate("document.body.dataset.state")


def _grid_error(model: dict) -> float:
    """Mean error of an exported model on a 9 x 9 grid over the canvas (identity targets)."""
    axis = np.linspace(-0.9, 0.9, 9)
    grid = np.stack(np.meshgrid(axis, axis), axis=-1).reshape(-1, 2)
    return Network.from_export(model).evaluate(grid, grid)


def _assert_finite_within_limits(model: dict) -> None:
    values = np.concatenate(
        [np.ravel(w) for w in model["weights"]] + [np.ravel(b) for b in model["biases"]]
    )
    assert np.isfinite(values).all() and np.abs(values).max() <= 1e4


def _start_long_run(page) -> None:
    """A per-sample run far too long to finish, once its progress shows."""
    page.select_option("#dataset-source", "generated")
    page.select_option("#pretrain-method", "live")
    page.fill("#epochs", "100000")
    page.fill("#target-error", "")
    page.click("#pretrain-start")
    page.wait_for_function(
        "() => document.getElementById('progress').value > 0", timeout=RUN_TIMEOUT_MS
    )
    assert _state(page) == "training"


def _hooked_worker(page) -> None:
    """Serve the worker script with WORKER_HOOK appended (for workers started from now on)."""
    source = (ROOT / "nnpage" / "worker.py").read_text() + WORKER_HOOK
    page.route(
        WORKER_GLOB,
        lambda route: route.fulfill(status=200, body=source, content_type="text/x-python"),
    )


# --- what the Content Security Policy cannot stop ------------------------------------------------

HTML_SINKS = (
    "innerHTML",
    "outerHTML",
    "insertAdjacentHTML",
    "document.write",
    "createContextualFragment",
)


def test_page_code_never_parses_text_as_html():
    """The one thing the CSP cannot stop: PyScript (imported once the page is ready, to start
    the workers) runs any <script type="py"> that appears in the page, inline code included.
    So no page or worker module may turn text into HTML (only textContent and DOM calls), or a
    crafted file name or link could run Python."""
    files = [
        *(ROOT / "nnpage").glob("*.py"),
        *(ROOT / "static").glob("*.js"),
        ROOT / "index.html",
    ]
    assert len(files) > 10
    found = [
        f"{path.relative_to(ROOT)}: {sink}"
        for path in files
        for sink in HTML_SINKS
        if sink in path.read_text()
    ]
    assert not found, found


# --- divergence ----------------------------------------------------------------------------------


def test_live_divergence_alerts_keeps_last_good_weights_and_recovers(app_page, base_url_app):
    """On the deep network at learning rate 1, live training soon trips the guard: the alert
    names the rate and suggests a lower one; the weights are exactly those before the rejected
    step (finite, within the limit) and stay so; pointer moves still move the target and the
    circle. After a lower rate (1e-4) and Reset, the same moves make it learn (grid error down
    at least 10x) with no new alert."""
    page = app_page
    open_with_worker(page, base_url_app, worker=False)
    page.uncheck("#replay")  # only moves train: each step is one move we make
    _type(page, "#layers", DEEP)
    page.wait_for_selector(f"#network[data-layers='{DEEP}']", state="attached")
    _type(page, "#learning-rate-text", "1")
    assert alert_text(page) == "" and model(page)["params"]["learning_rate"] == 1

    good, alert, k = model(page), "", 0
    while not alert and k < 50:  # one move at a time, remembering the weights before each
        move_pointer(page, k, 1)
        k += 1
        alert = alert_text(page)
        if not alert:
            good = model(page)
    print(f"\ndiverged at move {k}: {alert}")
    assert "learning rate 1" in alert and "lower learning rate" in alert
    kept = model(page)
    assert kept == good  # the rejected step changed nothing
    _assert_finite_within_limits(kept)

    frozen = read_stage(page)
    after = move_pointer(page, 100, 20)
    assert model(page) == kept and after["iterations"] == frozen["iterations"]
    assert (after["tx"], after["ty"]) != (frozen["tx"], frozen["ty"])
    assert (after["cx"], after["cy"]) != (frozen["cx"], frozen["cy"])
    assert math.isfinite(after["cx"]) and math.isfinite(after["cy"])
    assert _state(page) == "ready"

    _type(page, "#learning-rate-text", "0.0001")
    page.click("#reset")
    assert alert_text(page) == ""
    fresh = model(page)
    learned = move_pointer(page, 0, 1000)
    trained = model(page)
    print(
        f"grid error after Reset {_grid_error(fresh):.3g}, "
        f"after 1000 moves {_grid_error(trained):.3g}"
    )
    assert alert_text(page) == "" and learned["iterations"] >= 1000
    assert _grid_error(trained) < _grid_error(fresh) / 10


def test_pretraining_divergence_alerts_keeps_weights_and_recovers(app_page, base_url_app):
    """Per-sample pre-training of the deep network at learning rate 1 diverges in the worker: the
    alert names the rate and suggests a lower one, the live weights are those from before the
    run (finite), and the page keeps running (moves move the circle). With 1e-4 and Reset, the
    next pre-training (same worker) succeeds and cuts the grid error at least 100x."""
    page = app_page
    open_with_worker(page, base_url_app)
    _type(page, "#layers", DEEP)
    page.wait_for_selector(f"#network[data-layers='{DEEP}']", state="attached")
    _type(page, "#learning-rate-text", "1")
    page.uncheck("#backprop")  # live moves must not train (nor diverge) at this rate
    before = model(page)
    page.select_option("#pretrain-method", "live")
    page.fill("#epochs", "50")
    page.fill("#target-error", "")
    page.click("#pretrain-start")
    alert = _wait_alert(page, RUN_TIMEOUT_MS)
    page.wait_for_selector("body[data-state=ready]", state="attached")
    print(f"\n{alert}")
    assert "learning rate 1" in alert and "lower learning rate" in alert
    assert "kept its weights" in alert
    assert model(page) == before
    _assert_finite_within_limits(before)

    frozen = read_stage(page)
    after = move_pointer(page, 0, 20)
    assert (after["cx"], after["cy"]) != (frozen["cx"], frozen["cy"])
    assert page.evaluate("document.getElementById('pretrain').dataset.worker") == "ready"

    _type(page, "#learning-rate-text", "0.0001")
    page.check("#backprop")
    page.click("#reset")
    fresh = model(page)
    summary = pretrain_generated(page, method="live", epochs=20, target="")
    trained = model(page)
    print(
        f"pre-training at 1e-4: grid error {_grid_error(fresh):.3g} -> "
        f"{_grid_error(trained):.3g} ({summary['epochs_done']} epochs)"
    )
    assert not summary["diverged"] and summary["epochs_done"] == 20
    assert _grid_error(trained) < _grid_error(fresh) / 100


# --- worker failures -----------------------------------------------------------------------------


# How each failure is provoked in the running worker, and what the alert then says: an uncaught
# error is reported by the worker's error event, the others by the silence watchdog.
FAILURES = {
    "throw": ("window.nnPretrain.worker.postMessage('test:throw')", "crashed on purpose"),
    "hang": ("window.nnPretrain.worker.postMessage('test:hang')", "stopped answering"),
    "close": ("window.nnPretrain.worker.postMessage('test:close')", "stopped answering"),
    "terminate": ("window.nnPretrain.worker.terminate()", "stopped answering"),
}


def test_a_worker_that_fails_mid_run_is_reported_and_replaced(app_page, watch, base_url_app):
    """Mid-run, a worker that throws an uncaught error, one stuck in a computation, one that
    ends itself and one terminated from outside are each reported in an alert (the error by the
    worker's error event, naming it; the silent ones by the watchdog); the run ends, the live
    weights are kept, the worker is dropped, and the page keeps drawing and handling moves
    meanwhile. The next pre-training starts a fresh worker each time; the last one succeeds."""
    page = app_page
    watch.allow_console_error("ErrorEvent")  # the worker's own report of the uncaught error
    _hooked_worker(page)
    open_with_worker(page, base_url_app)
    page.uncheck("#backprop")  # moves must not train: the live weights are compared below
    before = model(page)
    width = page.evaluate("document.getElementById('stage').clientWidth")
    for i, (name, (provoke, says)) in enumerate(FAILURES.items()):
        _start_long_run(page)  # after the first failure, in a fresh worker
        page.evaluate(provoke)
        # The main thread is not held up: moves are handled and drawn (move_pointer waits for
        # the animation frames that publish them); each round ends at another point.
        last = 40 * i + 19
        moved = move_pointer(page, last - 19, 20)
        assert moved["tx"] == pytest.approx(width * (0.5 + 0.42 * math.cos(last / 25)), abs=1)
        alert = _wait_alert(page, RUN_TIMEOUT_MS)
        print(f"\n{name}: {alert}")
        assert says in alert and "kept its weights" in alert, name
        page.wait_for_selector("body[data-state=ready]", state="attached")
        assert page.evaluate("document.getElementById('pretrain').dataset.worker") == "none"
        assert model(page) == before, name
        page.click("#alert-close")
        page.wait_for_selector("#alert", state="hidden")
    page.unroute(WORKER_GLOB)
    assert pretrain_generated(page)["reached_target"]
    assert model(page)["weights"] != before["weights"]


def test_worker_that_cannot_start_alerts_promptly_and_the_next_one_works(
    app_page, watch, base_url_app
):
    """With the worker script missing (404), the page still becomes ready and learns, the failed
    start is reported in an alert within seconds (not after the 60 s start timeout), and so is a
    Pre-train press, with the live weights kept; once the script is back, Pre-train starts a
    fresh worker that succeeds."""
    page = app_page
    watch.allow_console_error("404")
    watch.allow_console_error("PythonError")  # PyScript logs what running the 404 page raised
    page.route(WORKER_GLOB, lambda route: route.fulfill(status=404, body="not found"))
    open_with_worker(page, base_url_app, worker=False)
    alert = _wait_alert(page, 30_000)
    print(f"\nat load: {alert}")
    assert "could not start" in alert
    assert move_pointer(page, 0, 50)["iterations"] >= 50  # the live network is unaffected
    page.uncheck("#backprop")  # (a settings change also clears the alert)
    before = model(page)
    page.click("#pretrain-start")
    alert = _wait_alert(page, 30_000)
    page.wait_for_selector("body[data-state=ready]", state="attached")
    assert "could not start" in alert and "kept its weights" in alert
    assert model(page) == before
    page.unroute(WORKER_GLOB)
    assert pretrain_generated(page)["reached_target"]
    assert model(page)["weights"] != before["weights"]
