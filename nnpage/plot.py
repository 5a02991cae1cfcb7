"""The loss plot: error over time on a log scale, a faint raw line under a smoothed one.

Points are kept in Python; ``draw`` turns them into two SVG path strings and strokes each with one
``Path2D``, so a redraw costs a handful of canvas calls whatever the number of points.

Usage::

    plot = LossPlot(document.getElementById("loss-plot"))
    plot.add(0.02)      # a point: live training adds one every ~0.1 s, pre-training one per epoch
    plot.draw()         # cheap when nothing changed; the main loop calls it a few times a second
    plot.clear()        # a new network starts a new curve
"""

from __future__ import annotations

import math
from collections import deque

from js import window

__all__ = ["LossPlot"]

CAPACITY = 600  # points shown; older ones scroll off the left
SMOOTHING = 0.15  # weight of a new point in the exponential moving average
FLOOR = 1e-16  # errors are plotted as log10(max(error, FLOOR))
PAD_LEFT, PAD_RIGHT, PAD_Y = 44, 8, 8
COLORS = {"grid": "#e3e7ee", "text": "#5b6475", "raw": "#b9c6dd", "smooth": "#2456c9"}


class LossPlot:
    """Error over time (log scale), smoothed; see the module docstring."""

    def __init__(self, canvas):
        self.canvas = canvas
        self.ctx = canvas.getContext("2d")
        self._path2d = window.Path2D.new
        self._stroke = self.ctx.stroke
        self._fill_text = self.ctx.fillText
        self._clear = self.ctx.clearRect
        self._set_transform = self.ctx.setTransform
        self.raw: deque[float] = deque(maxlen=CAPACITY)  # log10 of each error
        self.smooth: deque[float] = deque(maxlen=CAPACITY)
        self._ema: float | None = None
        self.dirty = True
        self.width = self.height = 0.0

    def add(self, error: float) -> None:
        """Append one error value (non-finite values are skipped)."""
        if not math.isfinite(error):
            return
        value = math.log10(max(error, FLOOR))
        self._ema = value if self._ema is None else self._ema + SMOOTHING * (value - self._ema)
        self.raw.append(value)
        self.smooth.append(self._ema)
        self.dirty = True

    def clear(self) -> None:
        self.raw.clear()
        self.smooth.clear()
        self._ema = None
        self.dirty = True

    def resize(self) -> None:
        """Match the canvas' backing store to its CSS size and the screen's pixel ratio."""
        ratio = window.devicePixelRatio or 1
        self.width = float(self.canvas.clientWidth)
        self.height = float(self.canvas.clientHeight)
        self.canvas.width = max(1, round(self.width * ratio))
        self.canvas.height = max(1, round(self.height * ratio))
        self._set_transform(ratio, 0, 0, ratio, 0, 0)
        self.ctx.font = "11px system-ui, sans-serif"
        self.ctx.textBaseline = "middle"
        self.ctx.textAlign = "right"
        self.ctx.lineJoin = "round"
        self.dirty = True

    def draw(self) -> None:
        if not self.dirty or not self.width:
            return
        self.dirty = False
        ctx, w, h = self.ctx, self.width, self.height
        self._clear(0, 0, w, h)
        if not self.raw:
            ctx.fillStyle = COLORS["text"]
            ctx.textAlign = "center"
            self._fill_text("move the pointer over the canvas to start", w / 2, h / 2)
            ctx.textAlign = "right"
            return
        top = math.ceil(max(self.raw))
        bottom = math.floor(min(self.raw))
        if top - bottom < 2:
            bottom = top - 2
        span = top - bottom
        plot_h = h - 2 * PAD_Y
        # Points fill the width as they come, then scroll once CAPACITY is reached.
        x_step = (w - PAD_LEFT - PAD_RIGHT) / max(1, len(self.raw) - 1)

        def y_of(v: float) -> float:
            return PAD_Y + (top - v) / span * plot_h

        # One grid line and label per power of ten (at most ~6 labels).
        every = max(1, math.ceil(span / 5))
        grid = []
        ctx.fillStyle = COLORS["text"]
        for p in range(bottom, top + 1, every):
            y = y_of(p)
            grid.append(f"M{PAD_LEFT} {y:.1f}H{w - PAD_RIGHT:.1f}")
            self._fill_text(f"1e{p}", PAD_LEFT - 6, y)
        ctx.lineWidth = 1
        ctx.strokeStyle = COLORS["grid"]
        self._stroke(self._path2d("".join(grid)))
        x0 = PAD_LEFT
        for values, color, width in ((self.raw, "raw", 1), (self.smooth, "smooth", 2)):
            parts = [
                f"{'L' if i else 'M'}{x0 + i * x_step:.1f} {y_of(v):.1f}"
                for i, v in enumerate(values)
            ]
            ctx.strokeStyle = COLORS[color]
            ctx.lineWidth = width
            self._stroke(self._path2d("".join(parts)))
