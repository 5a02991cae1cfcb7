"""The training canvas: its size (crisp on any screen), pointer and arrow-key input, and drawing.

Input handlers do only what a move needs: read the position and hand it to ``on_move`` (which
feeds and backpropagates). Drawing happens once per animation frame in ``draw``. Every handler is
wrapped in ``create_proxy`` once, and the canvas methods used per frame are looked up once.

Usage::

    stage = Stage(document.getElementById("stage"), on_move=lambda x, y: ...)  # CSS px
    stage.draw(target_x, target_y, circle_x, circle_y)   # once per animation frame
    stage.publish(target_x, target_y, circle_x, circle_y, iterations, error)  # data-* for tests
    stage.destroy()                                       # removes listeners, frees proxies
"""

from __future__ import annotations

import math
from collections.abc import Callable
from time import perf_counter

from js import window
from pyodide.ffi import create_proxy

from nnpage.listeners import Listeners

__all__ = ["Stage"]

TAU = 2 * math.pi
CIRCLE_RADIUS = 16
KEY_STEP = 0.02  # arrow keys move the target by 2% of the canvas (Shift: 10%)
COLORS = {
    "circle": "rgba(37, 99, 235, 0.85)",
    "circle_edge": "#1e40af",
    "target": "#d9480f",
    "link": "rgba(91, 100, 117, 0.55)",
}
ARROWS = {"ArrowLeft": (-1, 0), "ArrowRight": (1, 0), "ArrowUp": (0, -1), "ArrowDown": (0, 1)}


class Stage:
    """The canvas where the circle follows the pointer; see the module docstring."""

    def __init__(self, canvas, on_move: Callable[[float, float], None], stats=None):
        self.canvas = canvas
        self.on_move = on_move
        self.stats = stats  # an object with .event(seconds), e.g. stats.Stats
        self.ctx = canvas.getContext("2d", alpha=True)
        ctx = self.ctx
        # Canvas methods used every frame, looked up once (each lookup crosses into JavaScript).
        self._clear = ctx.clearRect
        self._begin = ctx.beginPath
        self._arc = ctx.arc
        self._move_to = ctx.moveTo
        self._line_to = ctx.lineTo
        self._fill = ctx.fill
        self._stroke = ctx.stroke
        self._set_attr = canvas.setAttribute
        self._capture = canvas.setPointerCapture
        self.width = self.height = 0.0
        self.target = (0.0, 0.0)
        self._published: list[str] = [""] * 6
        self.listeners = Listeners()
        self.listeners.on(canvas, "pointermove", self._on_pointer)
        self.listeners.on(canvas, "pointerdown", self._on_pointer_down)
        self.listeners.on(canvas, "keydown", self._on_key)
        self._resize_proxy = create_proxy(self._on_resize)
        self._observer = window.ResizeObserver.new(self._resize_proxy)
        self._observer.observe(canvas)
        self.resize()

    # --- size ------------------------------------------------------------------------------------

    def resize(self) -> bool:
        """Match the backing store to the CSS size times the pixel ratio; True if it changed."""
        width = float(self.canvas.clientWidth)
        height = float(self.canvas.clientHeight)
        ratio = float(window.devicePixelRatio or 1)
        pixels = (max(1, round(width * ratio)), max(1, round(height * ratio)))
        if (width, height) == (self.width, self.height) and pixels == self._pixels():
            return False
        old_w, old_h = self.width, self.height
        self.canvas.width, self.canvas.height = pixels
        self.ctx.setTransform(ratio, 0, 0, ratio, 0, 0)
        self.width, self.height = width, height
        tx, ty = self.target
        # Keep the target at the same relative place (the centre on the first call).
        self.target = (
            tx * width / old_w if old_w else width / 2,
            ty * height / old_h if old_h else height / 2,
        )
        return True

    def _pixels(self) -> tuple[int, int]:
        return int(self.canvas.width), int(self.canvas.height)

    def _on_resize(self, entries, observer=None) -> None:
        if self.resize():
            self.on_resize()

    def on_resize(self) -> None:
        """Called after the canvas changed size; the app replaces it."""

    # --- input -----------------------------------------------------------------------------------

    def _move(self, x: float, y: float, started: float) -> None:
        x = min(max(x, 0.0), self.width)
        y = min(max(y, 0.0), self.height)
        self.target = (x, y)
        self.on_move(x, y)
        if self.stats is not None:
            self.stats.event(perf_counter() - started)

    def _on_pointer(self, event) -> None:
        started = perf_counter()
        self._move(event.offsetX, event.offsetY, started)

    def _on_pointer_down(self, event) -> None:
        started = perf_counter()
        # Touch and pen: keep receiving moves when the finger leaves the canvas mid-gesture.
        if event.pointerType != "mouse":
            self._capture(event.pointerId)
        self._move(event.offsetX, event.offsetY, started)

    def _on_key(self, event) -> None:
        started = perf_counter()
        step = ARROWS.get(event.key)
        if step is None:
            return
        event.preventDefault()
        size = KEY_STEP * (5 if event.shiftKey else 1)
        x, y = self.target
        self._move(x + step[0] * size * self.width, y + step[1] * size * self.height, started)

    # --- output ----------------------------------------------------------------------------------

    def draw(self, tx: float, ty: float, cx: float, cy: float) -> None:
        """Clear, then draw the link between target and circle, the circle, and the target."""
        ctx = self.ctx
        self._clear(0, 0, self.width, self.height)
        ctx.lineWidth = 1.5
        ctx.strokeStyle = COLORS["link"]
        self._begin()
        self._move_to(tx, ty)
        self._line_to(cx, cy)
        self._stroke()
        ctx.fillStyle = COLORS["circle"]
        ctx.strokeStyle = COLORS["circle_edge"]
        self._begin()
        self._arc(cx, cy, CIRCLE_RADIUS, 0, TAU)
        self._fill()
        self._stroke()
        # The target: a ring with a cross, so it stays visible on top of the circle.
        ctx.strokeStyle = COLORS["target"]
        ctx.lineWidth = 2
        self._begin()
        self._arc(tx, ty, 7, 0, TAU)
        self._move_to(tx - 11, ty)
        self._line_to(tx + 11, ty)
        self._move_to(tx, ty - 11)
        self._line_to(tx, ty + 11)
        self._stroke()

    def publish(
        self, tx: float, ty: float, cx: float, cy: float, iterations: int, error: float | None
    ) -> None:
        """Write the test contract's data-* attributes, touching only those that changed."""
        values = (
            f"{tx:.2f}",
            f"{ty:.2f}",
            f"{cx:.2f}",
            f"{cy:.2f}",
            str(iterations),
            "" if error is None else f"{error:.6g}",
        )
        names = (
            "data-target-x",
            "data-target-y",
            "data-circle-x",
            "data-circle-y",
            "data-iterations",
            "data-error",
        )
        published = self._published
        for i, value in enumerate(values):
            if value != published[i]:
                published[i] = value
                self._set_attr(names[i], value)

    def destroy(self) -> None:
        self._observer.disconnect()
        self.listeners.destroy()
        self._resize_proxy.destroy()
