"""Neuron maps: what every neuron outputs at each point of the canvas, and its colours.

Pure Python (numpy and ``nn``). A grid of cell centres spanning the canvas goes through the
network's own forward pass (``Network._forward``, the one ``feed`` and ``predict`` run) as one
``(N, 2)`` batch, which gives every layer's outputs at once, so the maps of all neurons cost one
``predict``-sized computation. ``mapview.py`` paints them.

Usage::

    columns, rows = grid_size(600, 400)          # (48, 32): cells about square
    points = grid(columns, rows, 600, 400, factor=1)   # (rows * columns, 2), first row at the top
    outs = layer_outputs(net, points)            # per layer, (rows * columns, n_k)
    rgba = colours(outs[1:])                     # (neurons, rows, columns, 4) uint8
"""

from __future__ import annotations

import numpy as np

from nn import Network, from_pixels

__all__ = ["MAP_COLUMNS", "colours", "grid", "grid_size", "layer_outputs"]

MAP_COLUMNS = 40  # cells across the canvas (rows follow its aspect ratio)
MAX_ROWS = 64
LEVELS = 255  # shades from full orange (-max) through white (0) to full blue (+max); odd
POSITIVE = np.array([37, 99, 235], dtype=float)  # the network view's colours
NEGATIVE = np.array([232, 89, 12], dtype=float)


def grid_size(width: float, height: float, columns: int = MAP_COLUMNS) -> tuple[int, int]:
    """Columns and rows of about square cells over a ``width`` x ``height`` canvas."""
    if width <= 0 or height <= 0:
        return columns, columns
    rows = round(columns * height / width)
    return columns, int(min(MAX_ROWS, max(2, rows)))


def grid(columns: int, rows: int, width: float, height: float, factor: int = 1) -> np.ndarray:
    """Network coordinates of the cell centres, row-major from the top left: (rows * columns, 2)."""
    xs = (np.arange(columns) + 0.5) * (width / columns)  # (columns,) px
    ys = (np.arange(rows) + 0.5) * (height / rows)  # (rows,) px
    px = np.stack(np.meshgrid(xs, ys), axis=-1).reshape(-1, 2)  # (rows * columns, 2)
    return from_pixels(px, width, height, factor)


def layer_outputs(net: Network, points: np.ndarray) -> list[np.ndarray]:
    """Every layer's outputs for many points (input first), each ``(N, n_k)`` for ``points`` of
    shape ``(N, n_in)``: the readable network's forward pass run once on the whole batch, so a
    map is exactly what ``feed`` and ``predict`` compute (no dropout: every neuron shows)."""
    return net._forward(points, None)[1]


def _palette(alpha: int) -> np.ndarray:
    """(LEVELS, 4) uint8: full orange at level 0, white in the middle, full blue at the top."""
    t = np.linspace(-1.0, 1.0, LEVELS)[:, None]  # the value each level stands for
    colour = np.where(t >= 0, POSITIVE, NEGATIVE)  # (LEVELS, 3)
    rgb = 255.0 + (colour - 255.0) * np.abs(t)  # white -> full colour
    out = np.empty((LEVELS, 4), dtype=np.uint8)
    out[:, :3] = np.round(rgb)
    out[:, 3] = alpha
    return out


_PALETTES: dict[int, np.ndarray] = {}


def colours(outputs: list[np.ndarray], alpha: int = 255) -> np.ndarray:
    """Blue for positive, orange for negative, white at 0, each neuron scaled by its own largest
    |output| over the grid: shape (neurons, rows * columns, 4), uint8, neurons layer by layer.

    One table look-up per cell (``LEVELS`` shades, each RGBA packed in one uint32), so a refresh
    stays cheap."""
    values = np.concatenate(outputs, axis=1)  # (N, neurons), C order: reductions run fast
    if not np.isfinite(values).all():
        values = np.nan_to_num(values, nan=0.0, posinf=0.0, neginf=0.0)
    top = np.max(np.abs(values), axis=0)  # (neurons,)
    scale = (LEVELS - 1) / 2 / np.where(top > 0, top, 1.0)
    index = values * scale  # (N, neurons), in [-(LEVELS - 1) / 2, (LEVELS - 1) / 2]
    index += (LEVELS - 1) / 2
    np.rint(index, out=index)
    palette = _PALETTES.get(alpha)
    if palette is None:
        palette = _PALETTES[alpha] = _palette(alpha).view(np.uint32).ravel()  # (LEVELS,)
    packed = np.ascontiguousarray(palette[index.astype(np.intp)].T)  # (neurons, N) uint32
    return packed.view(np.uint8).reshape(*packed.shape, 4)
