"""The divergence guard: the limits a training step must respect, and the error it raises.

As in the original demo, an output error above ``ERROR_LIMIT`` or a weight (or bias) above
``WEIGHT_LIMIT`` in size, or any NaN/infinity, means the learning rate is too high for this
network. The step that would cross a limit is rejected and the last good weights are kept.

>>> import numpy as np
>>> within_limits(np.array([1.0, -2.0])), within_limits(np.array([np.nan]))
(True, False)
"""

from __future__ import annotations

import numpy as np

from nn.defaults import ERROR_LIMIT, INPUT_LIMIT, WEIGHT_LIMIT
from nn.errors import DivergenceError

__all__ = ["ERROR_LIMIT", "INPUT_LIMIT", "WEIGHT_LIMIT", "divergence", "within_limits"]


def within_limits(params: np.ndarray) -> bool:
    """True when every entry of the flat parameter vector is finite and within WEIGHT_LIMIT."""
    # max |w| <= sqrt(sum w**2), so one dot product settles the usual case (and NaN fails it).
    with np.errstate(all="ignore"):  # a huge weight may overflow the square: then look closer
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
