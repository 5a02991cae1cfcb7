"""Helpers shared by the browser tests: open the app, read the canvas and the alert, move the
pointer, export the live model, run a pre-training.

The page's test contract: ``body[data-state]``; ``#stage`` with ``data-target-x/-y``,
``data-circle-x/-y``, ``data-iterations`` and ``data-error``; ``role="alert"`` for errors;
``window.nnApp.exportModel()`` for the live weights; ``#pretrain[data-worker]`` and
``data-last-run`` for the worker.
"""

from __future__ import annotations

import io
import json
import math
import zipfile

from tools import pyc, pyzip

from .conftest import ROOT, wait_ready

WORKER_READY_MS = 90_000
RUN_TIMEOUT_MS = 120_000

NEXT_FRAME = "new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))"
STAGE = """() => {
  const d = document.getElementById('stage').dataset;
  return {tx: +d.targetX, ty: +d.targetY, cx: +d.circleX, cy: +d.circleY,
          iterations: +d.iterations, error: d.error};
}"""
ALERT = """Array.from(document.querySelectorAll('[role=alert]'))
  .filter(e => !e.closest('[hidden]')).map(e => e.textContent.trim()).join(' | ')"""
# Pointer moves along a path sweeping the canvas, dispatched in the page (a real PointerEvent on
# the canvas, as the browser sends it), yielding to the animation frame every `batch` moves.
MOVES = """async ([start, count, batch]) => {
  const canvas = document.getElementById('stage');
  const frame = () => new Promise(done => requestAnimationFrame(done));
  for (let k = start; k < start + count; k++) {
    const box = canvas.getBoundingClientRect(), a = k / 25;
    canvas.dispatchEvent(new PointerEvent('pointermove', {
      bubbles: true, pointerType: 'mouse',
      clientX: box.left + box.width * (0.5 + 0.42 * Math.cos(a)),
      clientY: box.top + box.height * (0.5 + 0.42 * Math.sin(1.37 * a))}));
    if ((k - start + 1) % batch === 0) await frame();
  }
  await frame(); await frame();  // data-* on #stage are written by the next animation frame
}"""


def read_stage(page) -> dict:
    """``#stage``'s data as it is now."""
    return page.evaluate(STAGE)


def stage(page) -> dict:
    """``#stage``'s data after the next animation frame (which writes it after a move)."""
    page.evaluate(NEXT_FRAME)
    return read_stage(page)


def distance(d: dict) -> float:
    return math.hypot(d["tx"] - d["cx"], d["ty"] - d["cy"])


def model(page) -> dict:
    """The live network's export (params, weights, biases)."""
    return json.loads(page.evaluate("window.nnApp.exportModel()"))


def alert_text(page) -> str:
    return page.evaluate(ALERT)


def open_app(page, url) -> dict:
    """Open the app, wait for ready, return the canvas' bounding box."""
    page.goto(url)
    wait_ready(page)
    return page.locator("#stage").bounding_box()


def wait_worker(page) -> None:
    page.wait_for_selector(
        "#pretrain[data-worker=ready]", state="attached", timeout=WORKER_READY_MS
    )


def open_with_worker(page, url: str, *, worker: bool = True) -> None:
    """Open the app in a 1280 x 1000 viewport and (by default) wait for its worker."""
    page.set_viewport_size({"width": 1280, "height": 1000})
    page.goto(url)
    wait_ready(page)
    if worker:
        wait_worker(page)


def lissajous(box: dict, k: int) -> tuple[float, float]:
    """Point k of a smooth path that sweeps most of the canvas."""
    a = k / 25
    return (
        box["x"] + box["width"] * (0.5 + 0.42 * math.cos(a)),
        box["y"] + box["height"] * (0.5 + 0.42 * math.sin(1.37 * a)),
    )


def sweep(page, box: dict, moves: int, start: int = 0) -> None:
    """``moves`` real mouse moves along the path, from Playwright."""
    for k in range(start, start + moves):
        page.mouse.move(*lissajous(box, k))


def move_pointer(page, start: int, count: int, batch: int = 50) -> dict:
    """``count`` pointer moves from point ``start`` of the path; returns #stage's data."""
    page.evaluate(MOVES, [start, count, batch])
    return read_stage(page)


def pretrain_generated(page, *, method="fast", epochs=300, target="1e-4") -> dict:
    """Run a pre-training on 1000 generated points; return its summary (fails on an alert)."""
    page.select_option("#dataset-source", "generated")
    page.select_option("#pretrain-method", method)
    page.fill("#dataset-size", "1000")
    page.fill("#epochs", str(epochs))
    page.fill("#target-error", target)
    page.evaluate("delete document.getElementById('pretrain').dataset.lastRun")
    page.click("#pretrain-start")
    page.wait_for_selector(
        "#pretrain[data-last-run], #alert:not([hidden])", state="attached", timeout=RUN_TIMEOUT_MS
    )
    text = page.evaluate("document.getElementById('pretrain').dataset.lastRun || ''")
    assert text, f"the pre-training ended without a result: {alert_text(page)!r}"
    page.wait_for_selector("body[data-state=ready]", state="attached")
    return json.loads(text)


# --- a page broken on purpose: a real fatal error, a stopped frame loop ---------------------

PYTHON_ZIP_GLOB = "**/static/python.zip"
# Appended to the page's entry script (nnpage/main.py, in the python.zip a route serves): hooks
# that break the page on purpose.
MAIN_HOOK = """

# --- appended by tests/browser/helpers.py (hooked_main) ---
from pyodide.ffi import create_proxy as _proxy


def _fatal():
    json.loads("[" * 200_000)  # unguarded: overflows the WebAssembly stack (a real fatal error)


def _break_frames():
    APP.trainer.replay = None  # every animation frame now raises TypeError


window.nnTestFatal = _proxy(_fatal)
window.nnTestBreakFrames = _proxy(_break_frames)
"""


def hooked_main(page) -> None:
    """Serve the page a python.zip whose nnpage/main.py ends with MAIN_HOOK (and has no
    bytecode, so the source runs)."""
    original = zipfile.ZipFile(io.BytesIO(pyzip.build()))
    files = {name: original.read(name) for name in original.namelist()}
    files.pop(pyc.pyc_name("nnpage/main.py"), None)  # absent when built without Node
    files["nnpage/main.py"] = (ROOT / "nnpage" / "main.py").read_text() + MAIN_HOOK
    body = zip_bytes(files)
    page.route(
        PYTHON_ZIP_GLOB,
        lambda route: route.fulfill(status=200, body=body, content_type="application/zip"),
    )


def zip_bytes(files: dict[str, str | bytes]) -> bytes:
    """A zip archive of ``files`` (name -> text or bytes), e.g. a python.zip to serve a page."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def forgive(watch) -> None:
    """What the broken page threw at the browser until it was left is expected here."""
    watch.page_errors[:] = [e for e in watch.page_errors if not _dying(e)]


def _dying(text: str) -> bool:
    return any(
        part in text
        for part in (
            "fatal error",
            "Maximum call stack",
            "PythonError",
            "TypeError",
            "dead",
            "Traceback",
        )
    )


# Pointer moves along a circle over #stage, one per animation frame for `frames` frames
# (Anticipate learns from the motion between frames, sampled at 60 Hz).
DRAW_CIRCLE = """async ([frames]) => {
  const canvas = document.getElementById('stage');
  for (let k = 0; k < frames; k++) {
    const box = canvas.getBoundingClientRect(), a = 2 * Math.PI * k / 120;
    canvas.dispatchEvent(new PointerEvent('pointermove', {bubbles: true, pointerType: 'mouse',
      clientX: box.left + box.width * (0.5 + 0.3 * Math.cos(a)),
      clientY: box.top + box.height * (0.5 + 0.3 * Math.sin(a))}));
    await new Promise(r => requestAnimationFrame(r));
  }
}"""
