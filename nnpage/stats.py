"""Measurements that a benchmark or a test reads from JavaScript, without calling into Python.

``window.nnStats`` is a plain JavaScript object that Python updates in place:

- ``nnStats.events``: pointer and arrow-key moves handled so far.
- ``nnStats.eventMs``: ``Float64Array(4096)``, a ring of the Python time of each move in ms
  (normalise, feed, backpropagate, record); move ``k`` (from 0) is at ``k % 4096``.
- ``nnStats.frames`` and ``nnStats.frameMs``: the same for animation frames (replay, drawing,
  network view, plot).
- ``nnStats.wasm``: the Emscripten module; ``nnStats.wasm.HEAP8.length`` is the wasm heap in bytes.

Times come from ``time.perf_counter``, which the browser rounds to 0.1 ms unless the page is
cross-origin isolated (then 5 us): per-move values are steps of 0.1 ms, while means over many moves
stay accurate.

Usage::

    stats = Stats()                       # creates window.nnStats
    stats.event(seconds); stats.frame(seconds)
"""

from __future__ import annotations

from js import window

__all__ = ["RING", "Stats"]

RING = 4096


class Stats:
    """Writes per-move and per-frame durations into ``window.nnStats``."""

    def __init__(self):
        js = window.Object.new()
        js.events = 0
        js.frames = 0
        js.eventMs = window.Float64Array.new(RING)
        js.frameMs = window.Float64Array.new(RING)
        try:
            import pyodide_js

            js.wasm = pyodide_js._module
        except (ImportError, AttributeError):
            js.wasm = None
        window.nnStats = js
        self._js = js
        self._event_ms = js.eventMs
        self._frame_ms = js.frameMs
        self.events = 0
        self.frames = 0

    def event(self, seconds: float) -> None:
        self._event_ms[self.events % RING] = seconds * 1000.0
        self.events += 1
        self._js.events = self.events

    def frame(self, seconds: float) -> None:
        self._frame_ms[self.frames % RING] = seconds * 1000.0
        self.frames += 1
        self._js.frames = self.frames
