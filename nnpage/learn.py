"""Learning aids wired into the page: step mode, neuron maps, weight editing, the learning pace
(``Pace``, the ``#pace`` select over the paces of ``pace.py``), and their ``window.nnApp`` hooks.

Hooks (JavaScript, in the page; each returns text so a test can read it):

- ``nnApp.step()``: one step as the Step button runs it (also while paused, whatever the
  Backpropagation checkbox says); returns "" or the error message.
- ``nnApp.lastStep()``: JSON ``{inputs, targets, sums, outputs, deltas, error, weights_before,
  weights_after, biases_before, biases_after, ...}`` of the last step ("null" before one).
- ``nnApp.neuronMap(layer, neuron)``: JSON ``{columns, rows, values}``, row-major over a grid
  spanning the canvas, first row at the top.
- ``nnApp.setWeight(layer, i, j, value)``, ``nnApp.setBias(layer, j, value)``: as the editor;
  "" or the error message.
- ``nnApp.neuronAt(layer, neuron)``: JSON ``[x, y]``, the neuron's centre in CSS px from the
  network view's top left (so a test can point the mouse at a neuron or a connection).
- ``nnApp.mapRefreshMs()``: JSON list of the last neuron-map refreshes' Python time (ms), for
  the bench.

Usage (main.py)::

    hooks += learn.setup(app, window.nnApp)
"""

from __future__ import annotations

import json

from js import document
from pyodide.ffi import create_proxy

from nnpage.editor import Editor
from nnpage.listeners import Listeners
from nnpage.mapview import MapView
from nnpage.pace import PACES, pace_of
from nnpage.stepview import StepView

__all__ = ["Pace", "setup"]


class Pace:
    """Two-way binding between ``#pace`` and the app's backprop/replay settings."""

    def __init__(self, app):
        self.app = app
        self.select = document.getElementById("pace")
        self.hint = document.getElementById("pace-help")
        self.listeners = Listeners()
        self.listeners.on(self.select, "change", self._chosen)
        app.on_settings_change.append(self.show)
        self.show(app.settings)

    def _chosen(self, event) -> None:
        name = str(self.select.value)
        if self.app.apply_settings(self.app.settings.replace(**PACES[name].changes)):
            self.app.controls.show(self.app.settings)

    def show(self, settings) -> None:
        name = pace_of(settings)
        self.select.value = name
        if self.hint.textContent != PACES[name].hint:
            self.hint.textContent = PACES[name].hint

    def destroy(self) -> None:
        self.listeners.destroy()


def setup(app, hooks) -> list:
    """Build the four parts and add their hooks to ``hooks``; returns what must stay alive."""
    steps = StepView(app)
    maps = MapView(app)
    editor = Editor(app)
    pace = Pace(app)

    def step() -> str:
        return steps.step()

    def last_step() -> str:
        return json.dumps(None if steps.record is None else steps.record.to_json())

    def neuron_map(layer, neuron) -> str:
        return json.dumps(maps.neuron_map(int(layer), int(neuron)))

    def map_refresh_ms() -> str:
        return json.dumps(maps.refresh_ms)

    def neuron_at(layer, neuron) -> str:
        return json.dumps(app.netview.pos[int(layer)][int(neuron)])

    proxies = [
        create_proxy(map_refresh_ms),
        create_proxy(step),
        create_proxy(last_step),
        create_proxy(neuron_map),
        create_proxy(editor.set_weight),
        create_proxy(editor.set_bias),
        create_proxy(neuron_at),
    ]
    (
        hooks.mapRefreshMs,
        hooks.step,
        hooks.lastStep,
        hooks.neuronMap,
        hooks.setWeight,
        hooks.setBias,
        hooks.neuronAt,
    ) = proxies
    return [steps, maps, editor, pace, proxies]
