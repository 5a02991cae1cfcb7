"""Paints the neuron maps: inside every neuron of the network view, and the map of the neuron
under the pointer (or keyboard) faintly over the training canvas.

A few times a second while the network changes, one vectorised forward pass over a grid spanning
the canvas (``maps.py``) gives every neuron's outputs; they become one RGBA atlas (one tile per
neuron, stacked vertically) put into an offscreen canvas with a single ``putImageData``. The
network view then copies each tile into its neuron, and the hovered neuron's tile is scaled up
onto ``#neuron-map``, a canvas over the stage that blends in (CSS ``mix-blend-mode``) and lets
the pointer through; its ``data-neuron`` says whose map it shows (``"layer,j"``).

Usage::

    maps = MapView(app)                  # wires #maps, #neuron-map and the network view
    maps.neuron_map(1, 0)                # {"columns", "rows", "values"} of the last refresh
"""

from __future__ import annotations

import time

import numpy as np
from js import document
from pyodide.ffi import to_js

from nnpage.listeners import Listeners
from nnpage.maps import colours, grid, grid_size, layer_outputs

__all__ = ["MAP_MS", "MapView"]

MAP_MS = 250  # refresh at most this often (four times a second) while the network changes


class MapView:
    """Neuron maps of ``app.network``; see the module docstring."""

    def __init__(self, app, stats=None):
        self.app = app
        self.stats = stats
        get = document.getElementById
        self.box = get("maps")
        self.back = get("neuron-map")
        self.back_ctx = self.back.getContext("2d")
        self.atlas = document.createElement("canvas")
        self.atlas_ctx = self.atlas.getContext("2d")
        self._image = None
        self._key = None  # what the last refresh showed: (network, iterations, grid)
        self._last = -1e9
        self._shape = (0, 0)  # columns, rows
        self._points: np.ndarray | None = None
        self._grid_key = None
        self.outputs: list[np.ndarray] = []  # per layer, (rows * columns, n_k)
        self.refresh_ms: list[float] = []  # cost of each refresh (for the bench)
        self._shown: tuple | None = None  # neuron painted over the stage
        self.listeners = Listeners()
        self.listeners.on(self.box, "change", self._toggled)
        app.on_frame.append(self.frame)
        app.on_network_change.append(lambda net: self._invalidate())
        view = app.netview
        view.underlays.append(self._paint_neurons)
        view.on_select.append(self._selected)

    @property
    def enabled(self) -> bool:
        return bool(self.box.checked)

    def _toggled(self, event) -> None:
        self._invalidate()
        if not self.enabled:
            self._hide_back()
        self.app.netview.draw(0, force=True)

    def _invalidate(self) -> None:
        self._key = None
        self._last = -1e9

    # --- computing -------------------------------------------------------------------------------

    def _grid(self) -> np.ndarray:
        stage, factor = self.app.stage, self.app.settings.normalization
        key = (stage.width, stage.height, factor)
        if key != self._grid_key or self._points is None:
            self._grid_key = key
            self._shape = grid_size(stage.width, stage.height)
            self._points = grid(*self._shape, max(stage.width, 1.0), max(stage.height, 1.0), factor)
        return self._points

    def refresh(self) -> None:
        """One forward pass over the grid, and the atlas painted from it."""
        started = time.perf_counter()
        net = self.app.network
        points = self._grid()
        self.outputs = layer_outputs(net, points)
        columns, rows = self._shape
        rgba = colours(self.outputs)  # (neurons, rows * columns, 4)
        neurons = rgba.shape[0]
        if self._image is None or (self.atlas.width, self.atlas.height) != (
            columns,
            rows * neurons,
        ):
            self.atlas.width, self.atlas.height = columns, rows * neurons
            self._image = self.atlas_ctx.createImageData(columns, rows * neurons)
        self._image.data.set(to_js(memoryview(rgba.reshape(-1))))
        self.atlas_ctx.putImageData(self._image, 0, 0)
        self._key = (id(net), self.app.trainer.iterations, self._grid_key)
        if self._shown is not None:
            self._paint_back(self._shown)
        self.refresh_ms.append((time.perf_counter() - started) * 1000)
        del self.refresh_ms[:-200]

    def frame(self, now: float) -> None:
        """From the animation frame: refresh when the network changed and a while has passed."""
        if not self.enabled or now - self._last < MAP_MS:
            return
        key = (id(self.app.network), self.app.trainer.iterations, self._grid_key)
        if key == self._key and self._points is not None:
            return
        self._last = now
        self.refresh()
        self.app.netview.invalidate()

    def neuron_map(self, layer: int, neuron: int) -> dict:
        """The last refresh's outputs of one neuron: ``{columns, rows, values}``, row-major from
        the top left. Computed now if the maps have not been refreshed for this network."""
        net = self.app.network
        if not self.outputs or len(self.outputs) != len(net.layers) or self._key is None:
            self.refresh()
        if not (0 <= layer < len(net.layers) and 0 <= neuron < net.layers[layer]):
            raise IndexError(f"There is no neuron {neuron} in layer {layer} of {net.layers}")
        columns, rows = self._shape
        return {
            "columns": columns,
            "rows": rows,
            "values": self.outputs[layer][:, neuron].tolist(),
        }

    # --- painting --------------------------------------------------------------------------------

    def _tile(self, layer: int, j: int) -> int:
        return sum(self.app.network.layers[:layer]) + j

    def _paint_neurons(self, view) -> None:
        """Network view underlay: each neuron filled with its map (clipped to its circle)."""
        if not self.enabled or self._key is None or not self.outputs:
            return
        if len(self.outputs) != len(view.pos):
            return
        ctx, r = view.ctx, view.radius
        columns, rows = self._shape
        draw = ctx.drawImage
        ctx.save()
        ctx.clip(view._path2d("".join("".join(layer) for layer in view._circle_text)))
        ctx.imageSmoothingEnabled = True
        tile = 0
        for layer in view.pos:
            for x, y in layer:
                draw(self.atlas, 0, tile * rows, columns, rows, x - r, y - r, 2 * r, 2 * r)
                tile += 1
        ctx.restore()
        ctx.lineWidth = 1.5
        ctx.strokeStyle = "#334155"
        view._stroke(view._path2d("".join("".join(layer) for layer in view._circle_text)))

    def _selected(self, sel) -> None:
        neuron = (sel[1], sel[2]) if sel is not None and sel[0] == "n" else None
        if neuron is None or not self.enabled:
            self._hide_back()
            return
        if self._key is None:
            self.refresh()
        self._shown = neuron
        self._paint_back(neuron)

    def _hide_back(self) -> None:
        self._shown = None
        self.back.hidden = True
        self.back.removeAttribute("data-neuron")

    def _paint_back(self, neuron: tuple[int, int]) -> None:
        """The neuron's map scaled over the stage (smoothly: a blurred heatmap, not blocks)."""
        stage, back = self.app.stage, self.back
        width, height = max(1, round(stage.width)), max(1, round(stage.height))
        if (back.width, back.height) != (width, height):
            back.width, back.height = width, height
            back.style.width, back.style.height = f"{width}px", f"{height}px"
        columns, rows = self._shape
        tile = self._tile(*neuron)
        ctx = self.back_ctx
        ctx.imageSmoothingEnabled = True
        ctx.clearRect(0, 0, width, height)
        ctx.drawImage(self.atlas, 0, tile * rows, columns, rows, 0, 0, width, height)
        back.dataset.neuron = f"{neuron[0]},{neuron[1]}"
        back.hidden = False

    def destroy(self) -> None:
        self.listeners.destroy()
