"""The exceptions nn raises on purpose, all of them ``ValueError`` subclasses.

::

    ValueError
    └── NNError              anything nn rejects, with a message naming the offending value
        ├── SchemaError      malformed plain data: a setting, a model export, a dataset, a message
        └── DivergenceError  a training step blew up; it was rejected and the last good weights kept

A rejected call leaves the network exactly as it was, so callers can catch ``NNError`` and go on.
"""

from __future__ import annotations

__all__ = ["DivergenceError", "NNError", "SchemaError"]


class NNError(ValueError):
    """Base class of the errors nn raises on purpose."""


class SchemaError(NNError):
    """A value does not have the shape, type or range it must have; the message names it."""


class DivergenceError(NNError):
    """A training step would have made the error or a weight explode (or turn NaN/infinite).

    The step is rejected: weights, biases and optimizer state stay as they were before it.
    ``learning_rate`` is the rate in use, ``error`` the offending output error (or ``None`` when
    a weight overflowed), ``summary`` the training summary so far when raised by ``train()``.
    """

    def __init__(
        self,
        message: str,
        *,
        learning_rate: float,
        error: float | None = None,
        summary: object | None = None,
    ) -> None:
        super().__init__(message)
        self.learning_rate = learning_rate
        self.error = error
        self.summary = summary
