"""Pre-training in the Pyodide worker: progress, import of the result, cancel, failures, smoothness.

Worker throughput and time to a mean error below 1e-4 are printed (run with ``-s``); cancel
latency and frame gaps are measured by bench/browser.py. No clock is asserted here.
"""

from __future__ import annotations

import io
import json
import math
import zipfile

from tools import pyc, pyzip

from .conftest import wait_ready

WORKER_READY_MS = 90_000
RUN_TIMEOUT_MS = 120_000


# --- helpers -------------------------------------------------------------------------------------


def _open(page, url: str) -> None:
    """Load the app and wait until both the page and its pre-training worker are ready."""
    page.set_viewport_size({"width": 1280, "height": 1000})
    page.goto(url)
    wait_ready(page)
    _wait_worker(page)


def _wait_worker(page) -> None:
    page.wait_for_function(
        "document.getElementById('pretrain').dataset.worker === 'ready'", timeout=WORKER_READY_MS
    )
    ms = page.evaluate("document.getElementById('pretrain').dataset.workerStartMs")
    print(f"\nworker started and warmed up in {ms} ms")


def _model(page) -> dict:
    """The live network (params, weights, biases) through the app's test hook."""
    return json.loads(page.evaluate("window.nnApp.exportModel()"))


def _set(page, selector: str, value: str) -> None:
    """Set a control's value the way a user does (typing or choosing, then change)."""
    if page.evaluate(f"document.querySelector('{selector}').tagName") == "SELECT":
        page.select_option(selector, value)
    else:
        page.fill(selector, value)
        page.dispatch_event(selector, "change")


def _configure(
    page, *, method="fast", epochs=300, samples=1000, batch=None, target="1e-4", source="generated"
):
    _set(page, "#dataset-source", source)
    _set(page, "#pretrain-method", method)
    _set(page, "#epochs", str(epochs))
    _set(page, "#dataset-size", str(samples))
    _set(page, "#target-error", target)
    if batch is not None:
        _set(page, "#batch-size", str(batch))


def _state(page) -> str:
    return page.evaluate("document.body.dataset.state")


def _alert(page) -> str:
    return page.evaluate(
        "Array.from(document.querySelectorAll('[role=alert]'))"
        ".filter(e => !e.hidden).map(e => e.textContent).join(' | ')"
    )


def _wait_done(page) -> dict:
    """Wait for the run to end; return the summary of the last successful run."""
    page.wait_for_function("document.body.dataset.state === 'ready'", timeout=RUN_TIMEOUT_MS)
    text = page.evaluate("document.getElementById('pretrain').dataset.lastRun || ''")
    return json.loads(text) if text else {}


def _run(page, **settings) -> dict:
    """Configure, start, wait; return the run's summary (fails on an alert)."""
    _configure(page, **settings)
    page.evaluate("delete document.getElementById('pretrain').dataset.lastRun")
    page.click("#pretrain-start")
    summary = _wait_done(page)
    assert summary, f"the run ended without a result: {_alert(page)!r}"
    return summary


def _start_long_run(page) -> None:
    """Start a per-sample run far too long to finish, and wait until progress shows."""
    _configure(page, method="live", epochs=100_000, target="")
    page.click("#pretrain-start")
    page.wait_for_function("document.getElementById('progress').value > 0", timeout=RUN_TIMEOUT_MS)
    assert _state(page) == "training"


def _stage_box(page) -> dict:
    """The canvas' box in the viewport, scrolled into view first."""
    page.locator("#stage").scroll_into_view_if_needed()
    return page.locator("#stage").bounding_box()


# --- tests ---------------------------------------------------------------------------------------


def test_pretrain_linear_shows_progress_then_circle_follows_pointer(app_page, base_url_app):
    """A per-sample pre-training of 2-6-6-6-2 linear moves the progress bar while the body is
    ``training``, ends ``ready`` with new weights, and then (backpropagation off, so only the
    pre-trained weights act) the circle lands within 2% of the canvas diagonal of the pointer."""
    page = app_page
    _open(page, base_url_app)
    assert page.evaluate("document.getElementById('network').dataset.layers") == "2-6-6-6-2"
    assert page.evaluate("document.getElementById('activation').value") == "linear"
    before = _model(page)
    _configure(page, method="live", epochs=60, target="")
    page.click("#pretrain-start")
    values, states = [], set()
    done = "document.getElementById('pretrain').dataset.lastRun !== undefined"
    while True:
        states.add(_state(page))
        values.append(page.evaluate("document.getElementById('progress').value"))
        if page.evaluate(done):
            break
        # wait for the next progress value (or the end), not for a time
        page.wait_for_function(
            f"document.getElementById('progress').value !== {values[-1]} || {done}",
            timeout=RUN_TIMEOUT_MS,
        )
    summary = _wait_done(page)
    moving = sorted({v for v in values if 0 < v < 1})
    print(f"\nprogress bar values seen: {len(moving)} distinct, e.g. {moving[:5]}")
    assert "training" in states
    assert len(moving) >= 3, f"the progress bar did not move: {values}"
    assert summary["epochs_done"] == 60 and not summary["stopped"]
    after = _model(page)
    assert after["weights"] != before["weights"]
    assert after["params"]["learning_rate"] == before["params"]["learning_rate"]

    page.uncheck("#backprop")
    box = _stage_box(page)
    diagonal = math.hypot(box["width"], box["height"])
    worst = 0.0
    for fx, fy in ((0.5, 0.5), (0.2, 0.3), (0.8, 0.25), (0.3, 0.8), (0.85, 0.7)):
        page.mouse.move(box["x"] + fx * box["width"], box["y"] + fy * box["height"], steps=4)
        page.wait_for_function(  # the frame that draws this target draws its circle too
            "([x, y]) => { const s = document.getElementById('stage').dataset;"
            " return Math.abs(s.targetX - x) < 3 && Math.abs(s.targetY - y) < 3; }",
            arg=[fx * box["width"], fy * box["height"]],
        )
        d = page.evaluate(
            "(() => { const s = document.getElementById('stage').dataset;"
            " return [+s.targetX, +s.targetY, +s.circleX, +s.circleY]; })()"
        )
        assert abs(d[0] - fx * box["width"]) < 3 and abs(d[1] - fy * box["height"]) < 3
        worst = max(worst, math.hypot(d[2] - d[0], d[3] - d[1]) / diagonal)
    print(f"worst circle-pointer distance after pre-training: {100 * worst:.3f}% of the diagonal")
    assert worst < 0.02


def test_page_animates_during_a_run_and_cancel_keeps_live_weights(app_page, base_url_app):
    """While the worker trains and the pointer moves, the main thread keeps drawing and handling
    moves (frame gaps are measured by bench/browser.py, not asserted here). Cancel mid-run then
    returns the page to ``ready`` at once with the live weights unchanged; the worker
    acknowledges, no late result is imported, and the next run works."""
    page = app_page
    _open(page, base_url_app)
    before = _model(page)
    _start_long_run(page)
    box = _stage_box(page)  # after the click, which may have scrolled the page
    frames, events = page.evaluate("[nnStats.frames, nnStats.events]")
    for i in range(40):
        angle = i * 0.15
        page.mouse.move(
            box["x"] + box["width"] * (0.5 + 0.35 * math.cos(angle)),
            box["y"] + box["height"] * (0.5 + 0.35 * math.sin(angle)),
        )
    # A frame drawn and a move handled since the run started (the browser coalesces moves to
    # at most one event per frame: some of the 40 arrive, not all); the run is still going.
    page.wait_for_function(f"nnStats.frames > {frames} && nnStats.events > {events}")
    assert _state(page) == "training", "the pre-training ended before the moves were handled"

    page.click("#pretrain-cancel")
    assert _state(page) == "ready"
    page.wait_for_function(
        "document.getElementById('pretrain').dataset.cancelMs !== undefined",
        timeout=RUN_TIMEOUT_MS,
    )
    # The worker answers in order: once it is idle again, a late result would have arrived.
    page.wait_for_function("document.getElementById('pretrain').dataset.worker === 'ready'")
    assert _model(page) == before  # moves during a run do not train either
    assert "Cancelled" in page.evaluate("document.getElementById('pretrain-status').textContent")
    _run(page)  # the same worker trains again
    assert _model(page)["weights"] != before["weights"]


def test_bad_values_and_malformed_messages_alert_and_the_next_run_works(app_page, base_url_app):
    """Bad epochs, batch size, sample count or target error show an alert naming the value and
    start nothing. A malformed message sent to the worker, and one the page receives from it,
    each show an alert and change nothing; the next pre-training (with a fresh worker) still
    succeeds."""
    page = app_page
    _open(page, base_url_app)
    for selector, value, name in (
        ("#epochs", "0", "Epochs"),
        ("#batch-size", "2.5", "Batch size"),
        ("#dataset-size", "2000000", "Samples"),
        ("#target-error", "-1", "Stop at error"),
    ):
        _configure(page)
        _set(page, selector, value)
        page.click("#pretrain-start")
        assert name in _alert(page) and repr(value) in _alert(page)
        assert _state(page) == "ready"
        assert page.evaluate(f"document.querySelector('{selector}').ariaInvalid") == "true"
    _configure(page)  # good values again
    page.click("#alert-close")

    before = _model(page)
    page.evaluate('window.nnPretrain.worker.postMessage(\'{"type": "train", "id": 1}\')')
    page.wait_for_function("!document.getElementById('alert').hidden", timeout=10_000)
    assert "rejected a message" in _alert(page) and "model" in _alert(page)
    for junk in ("42", "{answer: 42}", "new Float64Array(3)"):
        page.click("#alert-close")
        page.evaluate(f"window.nnPretrain.worker.postMessage({junk})")
        page.wait_for_function("!document.getElementById('alert').hidden", timeout=10_000)
        assert "rejected a message" in _alert(page)
    page.click("#alert-close")

    page.evaluate(
        "window.nnPretrain.worker.dispatchEvent(new MessageEvent('message',"
        ' {data: \'{"type": "progress", "id": "x"}\'}))'
    )
    assert "malformed message" in _alert(page)
    assert page.evaluate("document.getElementById('pretrain').dataset.worker") == "none"
    assert _model(page) == before and _state(page) == "ready"

    summary = _run(page)
    assert summary["reached_target"]
    assert _model(page)["weights"] != before["weights"]


def _broken_zip() -> bytes:
    """The page's Python archive with nn/training.py replaced by a failing import (and without
    its bytecode, which the importer would otherwise trust instead of the new source)."""
    source = zipfile.ZipFile(io.BytesIO(pyzip.build()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name in source.namelist():
            data = source.read(name)
            if name == pyc.pyc_name("nn/training.py"):
                continue
            if name == "nn/training.py":
                data = b"raise ImportError('broken on purpose by the test')\n"
            archive.writestr(name, data)
    return out.getvalue()


def test_worker_that_cannot_start_alerts_and_the_next_one_works(app_page, base_url_app):
    """A worker whose nn modules fail to import reports it: the pending pre-training ends with an
    alert and the live weights kept; once the files are fine, the next pre-training works."""
    page = app_page
    _open(page, base_url_app)
    before = _model(page)
    page.route("**/static/python.zip", lambda route: route.fulfill(status=200, body=_broken_zip()))
    # A malformed reply makes the page drop its worker; the next run has to start a new one.
    page.evaluate(
        "window.nnPretrain.worker.dispatchEvent(new MessageEvent('message', {data: 'junk'}))"
    )
    _configure(page)
    page.click("#pretrain-start")
    assert _state(page) == "training"
    page.wait_for_function("document.body.dataset.state === 'ready'", timeout=WORKER_READY_MS)
    assert "could not start" in _alert(page) and "broken on purpose" in _alert(page)
    assert _model(page) == before
    page.unroute("**/static/python.zip")
    assert _run(page)["reached_target"]


def test_record_export_and_import_a_dataset(app_page, base_url_app, tmp_path):
    """Recorded pointer moves become a dataset that exports as JSON, imports back, and trains; a
    broken file is refused with an alert that names the problem."""
    page = app_page
    _open(page, base_url_app)
    page.click("#record-toggle")
    box = _stage_box(page)  # after the click, which may have scrolled the page
    for i in range(40):
        fx, fy = 0.1 + 0.8 * ((i * 7) % 40) / 40, 0.1 + 0.8 * ((i * 13) % 40) / 40
        page.mouse.move(box["x"] + fx * box["width"], box["y"] + fy * box["height"])
    page.click("#record-toggle")
    assert page.evaluate("document.getElementById('dataset-source').value") == "recorded"
    with page.expect_download() as info:
        page.click("#dataset-export")
    path = tmp_path / "moves.json"
    info.value.save_as(path)
    data = json.loads(path.read_text())
    assert len(data["inputs"]) >= 30 and data["inputs"] == data["targets"]
    assert all(-1 <= v <= 1 for point in data["inputs"] for v in point)

    page.set_input_files("#dataset-import", str(path))
    page.wait_for_function("document.getElementById('dataset-source').value === 'imported'")
    summary = _run(page, method="fast", epochs=5, target="", source="imported")
    assert summary["samples"] == 5 * len(data["inputs"])

    bad = tmp_path / "bad.csv"
    bad.write_text("input_0,input_1,target_0,target_1\n0.1,0.2,0.1,nope\n")
    page.set_input_files("#dataset-import", str(bad))
    page.wait_for_function("!document.getElementById('alert').hidden")
    assert "bad.csv" in _alert(page) and "nope" in _alert(page)


def test_worker_throughput_and_time_to_accuracy(app_page, base_url_app):
    """The worker learns the identity to a mean error below 1e-4 on 1000 samples, linear and
    tanh, with the fast defaults and per-sample; prints samples/s and time to that error."""
    page = app_page
    _open(page, base_url_app)
    lines = []
    for activation in ("linear", "tanh"):
        _set(page, "#activation", activation)
        model = _model(page)
        for method, batch, lr in (("fast", None, None), ("live", 1, 0.01)):
            page.evaluate(f"window.nnApp.importModel({json.dumps(json.dumps(model))})")
            page.fill("#learning-rate-text", str(lr or model["params"]["learning_rate"]))
            page.press("#learning-rate-text", "Enter")
            summary = _run(page, method=method, batch=batch, epochs=3000)
            assert summary["reached_target"], summary
            batch_size = page.evaluate("document.getElementById('batch-size').value")
            lines.append(
                f"2-6-6-6-2 {activation:6s} {method:4s} batch {batch_size:>3s}: error < 1e-4 "
                f"in {summary['seconds']:.3f} s ({summary['epochs_done']} epochs), "
                f"{summary['samples_per_s']:,.0f} samples/s"
            )
    print("\n" + "\n".join(lines))
