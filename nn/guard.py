"""The divergence guard: the limits a training step must respect, and the error it raises.

As in the original demo, an output error above ``ERROR_LIMIT`` or a weight (or bias) above
``WEIGHT_LIMIT`` in size, or any NaN/infinity, means the learning rate is too high for this
network. The step that would cross a limit is rejected and the last good weights are kept.

>>> import numpy as np
>>> within_limits(np.array([1.0, -2.0])), within_limits(np.array([np.nan]))
(True, False)
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence

import numpy as np

from nn.errors import DivergenceError

__all__ = ["ERROR_LIMIT", "WEIGHT_LIMIT", "divergence", "overflow_free", "within_limits"]

ERROR_LIMIT = 1e5
WEIGHT_LIMIT = 1e4
# Inputs and targets are normalised coordinates; anything this large is a unit mistake.
INPUT_LIMIT = 1e6
# Magnitudes below this can be squared (and summed a million times) without overflow.
_SAFE = 1e150


def within_limits(params: np.ndarray) -> bool:
    """True when every entry of the flat parameter vector is finite and within WEIGHT_LIMIT."""
    # max |w| <= sqrt(sum w**2), so one dot product settles the usual case (and NaN fails it).
    if np.dot(params, params) <= WEIGHT_LIMIT**2:
        return True
    return bool(np.max(np.abs(params)) <= WEIGHT_LIMIT)


def divergence(
    learning_rate: float, error: float | None, where: str = "", summary: object | None = None
) -> DivergenceError:
    """The ``DivergenceError`` for a rejected step: the error that passed ``ERROR_LIMIT``, or
    ``None`` when a weight passed ``WEIGHT_LIMIT`` or stopped being finite."""
    if error is None:
        what = f"a weight passed the limit of {WEIGHT_LIMIT:g} or stopped being finite"
    else:
        what = f"the output error reached {error:.3g} (limit {ERROR_LIMIT:g})"
    return DivergenceError(
        f"training diverged{where}: {what} with learning rate {learning_rate:g}; the step was "
        f"rejected and the last good weights kept. Try a lower learning rate, "
        f"e.g. {learning_rate / 10:g}.",
        learning_rate=learning_rate,
        error=error,
        summary=summary,
    )


def overflow_free(
    layers: Sequence[int],
    activation: str,
    learning_rate: float,
    optimizer: str,
    options: Mapping[str, float],
) -> bool:
    """True when no number in a per-sample step can overflow float64, whatever the sample.

    It bounds every intermediate from the limits the rest of nn enforces: inputs and targets
    within ``INPUT_LIMIT``, weights and biases within ``WEIGHT_LIMIT``, output deltas within
    ``sqrt(2 * ERROR_LIMIT)`` once the error check passed. For the demo's networks it holds by
    hundreds of orders of magnitude, which lets ``feed``/``backpropagate`` skip the cost of
    ``np.errstate`` (about 1 us, 10% of a step); for huge or extreme settings it is False and they
    pay it.
    """
    squashing = activation in ("tanh", "sigmoid")  # hidden outputs within [-1, 1]
    slope = 0.25 if activation == "sigmoid" else 1.0  # largest f'(out)
    pairs = list(itertools.pairwise(layers))
    sizes = [INPUT_LIMIT]  # largest output per layer
    for k, (n_in, _) in enumerate(pairs):
        z = (n_in * sizes[-1] + 1.0) * WEIGHT_LIMIT
        sizes.append(1.0 if squashing and k < len(pairs) - 1 else z)
    delta = math.sqrt(2.0 * ERROR_LIMIT)
    gradient = max(sizes[-2], 1.0) * delta
    for k in range(len(pairs) - 1, 0, -1):  # hidden layer k
        delta *= pairs[k][1] * WEIGHT_LIMIT * slope
        gradient = max(gradient, max(sizes[k - 1], 1.0) * delta)
    if optimizer == "adam":
        step = learning_rate * gradient / options["epsilon"]  # |m_hat| / eps at worst
    elif optimizer in ("momentum", "nesterov"):
        step = 2.0 * learning_rate * gradient / (1.0 - options["momentum"])
    else:
        step = learning_rate * gradient
    return max(sizes[-1] + INPUT_LIMIT, gradient, step) < _SAFE
