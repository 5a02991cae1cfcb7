"""Canvas pixels <-> network coordinates.

The origin moves to the centre of the canvas and each axis is divided by ``factor`` times half
the canvas size: ``factor=1`` maps the canvas onto [-1, 1] (what the demo uses), ``factor=2``
divides by the full width/height and gives [-0.5, 0.5], the original's experiment showing that
smaller inputs learn more slowly. The y axis keeps the canvas direction (down is positive).

>>> from_pixels([400, 0], width=800, height=600).tolist()
[0.0, -1.0]
>>> to_pixels([0.0, -1.0], width=800, height=600).tolist()
[400.0, 0.0]
"""

from __future__ import annotations

import numpy as np

from nn.validation import check_array, check_real

__all__ = ["from_pixels", "to_pixels"]


def _scale(width: float, height: float, factor: float) -> tuple[np.ndarray, np.ndarray]:
    w = check_real(width, "width", low=0.0)
    h = check_real(height, "height", low=0.0)
    f = check_real(factor, "factor", low=0.0)
    centre = np.array([w / 2.0, h / 2.0])
    return centre, centre * f  # divide by factor * half size


def _points(points: object) -> np.ndarray:
    """One ``[x, y]`` pair -> shape (2,); a list of pairs -> shape (N, 2)."""
    if isinstance(points, np.ndarray):
        single = points.ndim == 1
    else:
        single = (
            isinstance(points, list | tuple)
            and bool(points)
            and not isinstance(points[0], list | tuple | np.ndarray)
        )
    return check_array(points, "points", (2,) if single else (None, 2))


def from_pixels(points: object, width: float, height: float, factor: float = 1.0) -> np.ndarray:
    """Pixel positions, shape ``(2,)`` or ``(N, 2)``, to network coordinates (same shape)."""
    centre, scale = _scale(width, height, factor)
    return (_points(points) - centre) / scale


def to_pixels(points: object, width: float, height: float, factor: float = 1.0) -> np.ndarray:
    """Network coordinates, shape ``(2,)`` or ``(N, 2)``, back to pixel positions."""
    centre, scale = _scale(width, height, factor)
    return _points(points) * scale + centre
