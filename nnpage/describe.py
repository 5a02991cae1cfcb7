"""The training canvas in words: where the target and the circle are, for screen readers.

``describe`` is pure (no browser imports, tested in CPython). ``StageText`` writes it into a
polite live region (``#stage-where``, the canvas's description) at most once per interval and
only when the words change, so a screen reader hears a calm summary, never every frame.

Usage::

    text = StageText(document.getElementById("stage-where"))
    if text.due(now_ms):                                  # cheap, every frame
        text.update(now_ms, (tx, ty), (cx, cy), width, height)   # writes <= once a second
"""

from __future__ import annotations

import math

__all__ = ["INTERVAL_MS", "StageText", "describe", "place"]

INTERVAL_MS = 1000.0  # the live region changes at most this often
ROWS = ("top", "middle", "bottom")
COLUMNS = ("left", "centre", "right")


def place(x: float, y: float, width: float, height: float) -> str:
    """A ninth of the canvas in words, e.g. 'top left', 'centre', 'bottom right'."""
    if width <= 0 or height <= 0:
        return "centre"
    col = COLUMNS[min(2, max(0, int(3 * x / width)))]
    row = ROWS[min(2, max(0, int(3 * y / height)))]
    if row == "middle":
        return "centre" if col == "centre" else f"middle {col}"
    return row if col == "centre" else f"{row} {col}"


def _percent(value: float, size: float) -> int:
    return round(100 * min(max(value / size, 0.0), 1.0)) if size > 0 else 50


def describe(
    target: tuple[float, float], circle: tuple[float, float], width: float, height: float
) -> str:
    """One sentence: each point's place (and % across, % down) and how far apart they are."""
    (tx, ty), (cx, cy) = target, circle
    gap = math.hypot(tx - cx, ty - cy)
    diagonal = math.hypot(width, height) or 1.0
    if gap <= 0.03 * diagonal:
        closeness = "on the target"
    else:
        closeness = f"{round(gap)} pixels from the target"
    return (
        f"Target {place(tx, ty, width, height)} ({_percent(tx, width)}% across, "
        f"{_percent(ty, height)}% down); circle {place(cx, cy, width, height)} "
        f"({_percent(cx, width)}% across, {_percent(cy, height)}% down), {closeness}."
    )


class StageText:
    """Keeps a live region's text in step with the canvas, throttled; see the module docstring."""

    def __init__(self, element, interval_ms: float = INTERVAL_MS):
        self.element = element
        self.interval_ms = interval_ms
        self.text = ""
        self._last = -math.inf

    def due(self, now_ms: float) -> bool:
        """True when ``update`` would look at the positions again (cheap, for every frame)."""
        return now_ms - self._last >= self.interval_ms

    def update(
        self,
        now_ms: float,
        target: tuple[float, float],
        circle: tuple[float, float],
        width: float,
        height: float,
    ) -> bool:
        """Rewrite the text if the interval has passed and the words changed; True if written."""
        if not self.due(now_ms):
            return False
        self._last = now_ms
        text = describe(target, circle, width, height)
        if text == self.text:
            return False
        self.text = text
        self.element.textContent = text
        return True
