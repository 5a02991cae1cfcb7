"""The search drawn live: best and median error per generation, and every individual as a dot.

``Curve`` plots the best and the median held-out error of each generation on a log scale.
``Scatter`` places each individual by learning rate (x, log scale) and error (y, log scale),
coloured by hidden activation and sized by parameter count; ``hit(x, y)`` finds the dot under
the pointer so the panel can show that genome. Both keep their points in Python and redraw from
them in one pass (``draw`` is cheap when nothing changed), and say what they plotted on the
canvas: ``data-generations`` (curve) and ``data-points`` (scatter).

Usage (evolve_panel.py)::

    curve = Curve(document.getElementById("evolve-curve"))
    curve.set(generations=10)
    curve.add(best_error, median_error); curve.draw()
    scatter = Scatter(document.getElementById("evolve-scatter"))
    scatter.add(genome, error, parameters, text, generation=0, index=3); scatter.draw()
"""

from __future__ import annotations

import math

from js import window

from nn.defaults import EVOLVE_ERROR_FLOOR

__all__ = ["ACTIVATION_COLORS", "Curve", "Scatter"]

PAD_LEFT, PAD_RIGHT, PAD_TOP, PAD_BOTTOM = 44, 10, 10, 22
TEXT, GRID = "#5b6475", "#e3e7ee"
BEST, MEDIAN = "#2456c9", "#d08a1c"
FAILED = "#c0392b"
# Colour-blind-friendly (Okabe-Ito) colours, one per hidden activation.
ACTIVATION_COLORS = {
    "linear": "#0072b2",
    "tanh": "#009e73",
    "sigmoid": "#e69f00",
    "relu": "#cc79a7",
    "leaky_relu": "#7f5fb0",
}


def _log(error: float | None) -> float | None:
    return None if error is None else math.log10(max(error, EVOLVE_ERROR_FLOOR))


class _Canvas:
    """A canvas whose backing store follows its CSS size and the screen's pixel ratio."""

    def __init__(self, canvas) -> None:
        self.canvas = canvas
        self.ctx = canvas.getContext("2d")
        self._path2d = window.Path2D.new
        self.width = self.height = 0.0
        self.dirty = True

    def resize(self) -> None:
        ratio = window.devicePixelRatio or 1
        self.width = float(self.canvas.clientWidth)
        self.height = float(self.canvas.clientHeight)
        self.canvas.width = max(1, round(self.width * ratio))
        self.canvas.height = max(1, round(self.height * ratio))
        self.ctx.setTransform(ratio, 0, 0, ratio, 0, 0)
        self.ctx.font = "11px system-ui, sans-serif"
        self.dirty = True

    def _y_axis(self, top: int, bottom: int) -> None:
        """Horizontal grid lines and labels at powers of ten from ``bottom`` to ``top``."""
        ctx = self.ctx
        every = max(1, math.ceil((top - bottom) / 5))
        grid = []
        ctx.fillStyle = TEXT
        ctx.textAlign, ctx.textBaseline = "right", "middle"
        for p in range(bottom, top + 1, every):
            y = self.y_of(p, top, bottom)
            grid.append(f"M{PAD_LEFT} {y:.1f}H{self.width - PAD_RIGHT:.1f}")
            floor = p <= math.log10(EVOLVE_ERROR_FLOOR)  # errors below rank (and plot) as equal
            ctx.fillText(f"{'≤' if floor else ''}1e{p}", PAD_LEFT - 6, y)
        ctx.lineWidth, ctx.strokeStyle = 1, GRID
        ctx.stroke(self._path2d("".join(grid)))

    def y_of(self, v: float, top: float, bottom: float) -> float:
        span = max(1e-9, top - bottom)
        return PAD_TOP + (top - v) / span * (self.height - PAD_TOP - PAD_BOTTOM)

    def _empty(self, text: str) -> None:
        ctx = self.ctx
        ctx.fillStyle = TEXT
        ctx.textAlign, ctx.textBaseline = "center", "middle"
        ctx.fillText(text, self.width / 2, self.height / 2)


def _bounds(values: list[float]) -> tuple[int, int]:
    top, bottom = math.ceil(max(values)), math.floor(min(values))
    return (top, top - 2) if top - bottom < 2 else (top, bottom)


class Curve(_Canvas):
    """Best and median held-out error per generation (log scale)."""

    def __init__(self, canvas) -> None:
        super().__init__(canvas)
        self.generations = 1
        self.best: list[float | None] = []
        self.median: list[float | None] = []

    def set(self, generations: int) -> None:
        """A new search of ``generations`` generations: forget the old curve."""
        self.generations = max(1, generations)
        self.best.clear()
        self.median.clear()
        self.dirty = True

    def add(self, best: float | None, median: float | None) -> None:
        self.best.append(_log(best))
        self.median.append(_log(median))
        self.dirty = True

    def draw(self) -> None:
        if not self.dirty or not self.width:
            return
        self.dirty = False
        ctx, w, h = self.ctx, self.width, self.height
        ctx.clearRect(0, 0, w, h)
        values = [v for v in self.best + self.median if v is not None]
        self.canvas.dataset.generations = str(len(self.best) if values else 0)
        if not values:
            self._empty("best and median error per generation appear here")
            return
        top, bottom = _bounds(values)
        self._y_axis(top, bottom)
        step = (w - PAD_LEFT - PAD_RIGHT) / max(1, self.generations - 1)
        ctx.textAlign, ctx.textBaseline, ctx.fillStyle = "center", "top", TEXT
        every = max(1, math.ceil(self.generations / 10))
        for g in range(0, self.generations, every):
            ctx.fillText(str(g + 1), PAD_LEFT + g * step, h - PAD_BOTTOM + 6)
        for series, color, width in ((self.median, MEDIAN, 1.5), (self.best, BEST, 2.5)):
            parts, dots = [], []
            for g, v in enumerate(series):
                if v is None:
                    continue
                x, y = PAD_LEFT + g * step, self.y_of(v, top, bottom)
                parts.append(f"{'L' if parts else 'M'}{x:.1f} {y:.1f}")
                dots.append(f"M{x + 3:.1f} {y:.1f}a3 3 0 1 0 -6 0a3 3 0 1 0 6 0")
            ctx.strokeStyle = ctx.fillStyle = color
            ctx.lineWidth = width
            if parts:
                ctx.stroke(self._path2d("".join(parts)))
                ctx.fill(self._path2d("".join(dots)))


class Scatter(_Canvas):
    """Every individual: learning rate (x, log) against error (y, log)."""

    def __init__(self, canvas) -> None:
        super().__init__(canvas)
        self.points: list[tuple[float, float | None, float, str, str]] = []
        self._placed: list[tuple[float, float, float, int]] = []  # x, y, radius, point index
        self._who: list[dict] = []  # per point: generation, index, genome, error
        self.highlight: int | None = None

    def clear(self) -> None:
        self.points.clear()
        self._placed.clear()
        self._who.clear()
        self.highlight = None
        self.dirty = True

    def add(
        self,
        genome: dict,
        error: float | None,
        parameters: int,
        text: str,
        *,
        generation: int = 0,
        index: int = 0,
    ) -> None:
        """One individual (``index`` of ``generation``); ``text`` is what hovering it shows."""
        self._who.append(
            {"generation": generation, "index": index, "genome": genome, "error": error}
        )
        radius = 2.5 + 1.2 * math.sqrt(max(0, parameters) / 8)
        self.points.append(
            (
                math.log10(genome["learning_rate"]),
                _log(error),
                min(radius, 12.0),
                ACTIVATION_COLORS.get(genome["activation"], TEXT),
                text,
            )
        )
        self.dirty = True

    def dots(self) -> list[dict]:
        """Where each individual was last drawn: ``x``, ``y`` (CSS px) and who it is."""
        return [{"x": x, "y": y, **self._who[i]} for x, y, _, i in self._placed]

    def hit(self, x: float, y: float) -> str | None:
        """The text of the dot nearest to ``(x, y)`` (CSS px) within a few pixels, or None."""
        best, best_d = None, 64.0
        for px, py, r, index in self._placed:
            d = (px - x) ** 2 + (py - y) ** 2 - r * r
            if d < best_d:
                best, best_d = index, d
        if best != self.highlight:
            self.highlight = best
            self.dirty = True
        return None if best is None else self.points[best][4]

    def draw(self) -> None:
        if not self.dirty or not self.width:
            return
        self.dirty = False
        ctx, w, h = self.ctx, self.width, self.height
        ctx.clearRect(0, 0, w, h)
        self._placed = []
        self.canvas.dataset.points = str(len(self.points))
        if not self.points:
            self._empty("every individual appears here: learning rate against error")
            return
        errors = [p[1] for p in self.points if p[1] is not None] or [0.0]
        top, bottom = _bounds(errors)
        top += 1  # a band above the worst error for the failed individuals
        self._y_axis(top - 1, bottom)
        lrs = [p[0] for p in self.points]
        left, right = math.floor(min(lrs)), math.ceil(max(lrs))
        if right - left < 1:
            right = left + 1
        x_span = w - PAD_LEFT - PAD_RIGHT
        ctx.textAlign, ctx.textBaseline, ctx.fillStyle = "center", "top", TEXT
        for p in range(left, right + 1):
            ctx.fillText(f"1e{p}", PAD_LEFT + (p - left) / (right - left) * x_span, h - 16)
        by_color: dict[str, list[str]] = {}
        failed = []
        for index, (lr, err, r, color, _) in enumerate(self.points):
            x = PAD_LEFT + (lr - left) / (right - left) * x_span
            if err is None:  # failed: a cross in the top band
                y = PAD_TOP + 6
                failed.append(f"M{x - 4:.1f} {y - 4:.1f}l8 8m0 -8l-8 8")
                self._placed.append((x, y, 4.0, index))
                continue
            y = self.y_of(err, top, bottom)
            by_color.setdefault(color, []).append(
                f"M{x + r:.1f} {y:.1f}a{r:.1f} {r:.1f} 0 1 0 {-2 * r:.1f} 0"
                f"a{r:.1f} {r:.1f} 0 1 0 {2 * r:.1f} 0"
            )
            self._placed.append((x, y, r, index))
        ctx.globalAlpha = 0.7
        for color, parts in by_color.items():
            ctx.fillStyle = color
            ctx.fill(self._path2d("".join(parts)))
        ctx.globalAlpha = 1.0
        if failed:
            ctx.strokeStyle, ctx.lineWidth = FAILED, 1.5
            ctx.stroke(self._path2d("".join(failed)))
        if self.highlight is not None and self.highlight < len(self._placed):
            x, y, r, _ = next(p for p in self._placed if p[3] == self.highlight)
            ctx.strokeStyle, ctx.lineWidth = "#1b1f27", 2
            ctx.stroke(self._path2d(f"M{x + r + 2:.1f} {y:.1f}a{r + 2:.1f} {r + 2:.1f} 0 1 0 "
                                    f"{-2 * r - 4:.1f} 0a{r + 2:.1f} {r + 2:.1f} 0 1 0 "
                                    f"{2 * r + 4:.1f} 0"))  # fmt: skip
