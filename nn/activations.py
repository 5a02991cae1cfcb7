"""Activation functions, each paired with its derivative, registered by name in ``ACTIVATIONS``.

As in the original demo, a derivative takes the neuron's *output* ``y = f(z)``, not its input ``z``:
backpropagation already has the outputs from the forward pass, and for these functions the slope
is cheap to express through them (``tanh' = 1 - y**2``, ``sigmoid' = y * (1 - y)``).

Every function accepts an optional ``out`` array so the training loop can reuse buffers. A
derivative's ``out`` must not be the same array as its ``y``.

>>> import numpy as np
>>> act = ACTIVATIONS["tanh"]
>>> y = act.function(np.array([0.0, 1.0]))
>>> act.derivative(y).round(3).tolist()
[1.0, 0.42]
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from nn.defaults import LEAKY_SLOPE  # slope of leaky_relu for negative inputs

__all__ = ["ACTIVATIONS", "LEAKY_SLOPE", "Activation"]

Array = np.ndarray
ArrayFn = Callable[..., Array]

# 0-d arrays: numpy broadcasts them faster than Python floats in the hot loop.
_ZERO = np.array(0.0)
_HALF = np.array(0.5)
_ONE = np.array(1.0)
_SLOPE = np.array(LEAKY_SLOPE)


@dataclass(frozen=True)
class Activation:
    """A named activation: ``function(z, out=None)`` and ``derivative(y, out=None)``."""

    name: str
    function: ArrayFn
    derivative: ArrayFn
    # True when f(z) = z, so the fast path can skip both calls.
    is_identity: bool = False


def _linear(z: Array, out: Array | None = None) -> Array:
    if out is None:
        return z.copy()
    if out is not z:
        np.copyto(out, z)
    return out


def _linear_derivative(y: Array, out: Array | None = None) -> Array:
    if out is None:
        return np.ones_like(y)
    out.fill(1.0)
    return out


def _tanh(z: Array, out: Array | None = None) -> Array:
    return np.tanh(z, out=out)


def _tanh_derivative(y: Array, out: Array | None = None) -> Array:
    out = np.multiply(y, y, out=out)  # 1 - y**2
    return np.subtract(_ONE, out, out=out)


def _sigmoid(z: Array, out: Array | None = None) -> Array:
    # 1 / (1 + exp(-z)) written as (1 + tanh(z / 2)) / 2, which cannot overflow.
    out = np.multiply(z, _HALF, out=out)
    np.tanh(out, out=out)
    np.add(out, _ONE, out=out)
    return np.multiply(out, _HALF, out=out)


def _sigmoid_derivative(y: Array, out: Array | None = None) -> Array:
    out = np.subtract(_ONE, y, out=out)  # y * (1 - y)
    return np.multiply(out, y, out=out)


def _relu(z: Array, out: Array | None = None) -> Array:
    return np.maximum(z, _ZERO, out=out)


def _relu_derivative(y: Array, out: Array | None = None) -> Array:
    if out is None:
        out = np.empty_like(y)
    return np.greater(y, _ZERO, out=out)  # 1.0 where the neuron is active, else 0.0


def _leaky_relu(z: Array, out: Array | None = None) -> Array:
    # For a slope below 1, max(z, slope * z) is z when z > 0 and slope * z otherwise.
    return np.maximum(z, z * _SLOPE, out=out)


def _leaky_relu_derivative(y: Array, out: Array | None = None) -> Array:
    out = _relu_derivative(y, out)  # 1 or 0, then 0 becomes the slope
    np.multiply(out, _ONE - _SLOPE, out=out)
    return np.add(out, _SLOPE, out=out)


ACTIVATIONS: dict[str, Activation] = {
    "linear": Activation("linear", _linear, _linear_derivative, is_identity=True),
    "tanh": Activation("tanh", _tanh, _tanh_derivative),
    "sigmoid": Activation("sigmoid", _sigmoid, _sigmoid_derivative),
    "relu": Activation("relu", _relu, _relu_derivative),
    "leaky_relu": Activation("leaky_relu", _leaky_relu, _leaky_relu_derivative),
}
