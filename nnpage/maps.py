"""Neuron maps: what every neuron outputs at each point of the canvas, and its colours.

Pure Python (numpy and ``nn``). A grid of cell centres spanning the canvas goes through the
network in one vectorised forward pass, which gives every layer's outputs at once, so the maps of
all neurons cost one ``predict``-sized computation. ``mapview.py`` paints them.

Usage::

    columns, rows = grid_size(600, 400)          # (48, 32): cells about square
    points = grid(columns, rows, 600, 400, factor=1)   # (rows * columns, 2), first row at the top
    outs = layer_outputs(net, points)            # per layer, (rows * columns, n_k)
    rgba = colours(outs[1:])                     # (neurons, rows, columns, 4) uint8
"""

from __future__ import annotations

import numpy as np

from nn import Network, from_pixels
from nn.activations import ACTIVATIONS

__all__ = ["MAP_COLUMNS", "colours", "grid", "grid_size", "layer_outputs"]

MAP_COLUMNS = 48  # cells across the canvas (rows follow its aspect ratio)
MAX_ROWS = 64
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
    """Every layer's outputs for many points (input first), as ``Network.predict`` computes the
    last one: hidden layers use the activation, the output layer its own (linear by default)."""
    hidden = ACTIVATIONS[net.activation].function
    output = ACTIVATIONS[net.output_activation].function
    outs = [points]
    x = points
    last = len(net.weights) - 1
    with np.errstate(all="ignore"):
        for k, (w, b) in enumerate(zip(net.weights, net.biases, strict=True)):
            x = x @ w + b  # (N, n_out)
            x = hidden(x) if k < last else output(x)
            outs.append(x)
    return outs


def colours(outputs: list[np.ndarray], alpha: int = 255) -> np.ndarray:
    """Blue for positive, orange for negative, white at 0, each neuron scaled by its own largest
    |output| over the grid: shape (neurons, rows * columns, 4), uint8, neurons layer by layer."""
    values = np.concatenate(outputs, axis=1).T  # (neurons, N)
    values = np.nan_to_num(values, nan=0.0, posinf=0.0, neginf=0.0)
    top = np.max(np.abs(values), axis=1, keepdims=True)  # (neurons, 1)
    scaled = values / np.where(top > 0, top, 1.0)  # in [-1, 1]
    strength = np.abs(scaled)[..., None]  # (neurons, N, 1)
    colour = np.where(scaled[..., None] >= 0, POSITIVE, NEGATIVE)  # (neurons, N, 3)
    rgb = 255.0 + (colour - 255.0) * strength  # white -> full colour
    rgba = np.empty((*values.shape, 4), dtype=np.uint8)
    rgba[..., :3] = np.round(rgb)
    rgba[..., 3] = alpha
    return rgba
