"""The straightforward baseline for the recurrent network: an Elman network trained by
backpropagation through time the way a textbook (or min-char-rnn) writes it.

One sequence at a time, one step at a time: the forward pass keeps every state in a dict, the
backward pass walks the steps in reverse and adds an ``np.outer`` per weight matrix per step;
fresh arrays everywhere. A batch is the mean of its sequences' gradients, clipped to a norm, then
one SGD step. Same initialisation as ``nn.RecurrentNetwork`` (``W_x``, ``W_h``, ``W_y`` uniform in
+-1/sqrt(fan_in) from ``np.random.default_rng(seed)``, biases zero), so both compute the same
numbers (the smoke test checks it).

>>> import numpy as np
>>> net = ElmanBaseline([4, 8, 2], seed=0)
>>> x, t = np.zeros((3, 5, 4)), np.zeros((3, 5, 2))
>>> error = net.train_batch(x, t)
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = ["ElmanBaseline"]

Array = np.ndarray


class ElmanBaseline:
    """h_t = tanh(x_t W_x + h_{t-1} W_h + b_h), y_t = h_t W_y + b_y; plain SGD with clipping."""

    def __init__(
        self, layers: Sequence[int], learning_rate: float = 0.01, clip: float = 1.0, seed: int = 0
    ) -> None:
        n_in, hidden, n_out = layers
        rng = np.random.default_rng(seed)
        self.w_x = rng.uniform(-1, 1, (n_in, hidden)) / np.sqrt(n_in)
        self.w_h = rng.uniform(-1, 1, (hidden, hidden)) / np.sqrt(hidden)
        self.w_y = rng.uniform(-1, 1, (hidden, n_out)) / np.sqrt(hidden)
        self.b_h = np.zeros(hidden)
        self.b_y = np.zeros(n_out)
        self.learning_rate = learning_rate
        self.clip = clip

    def gradients(self, xs: Array, ts: Array) -> tuple[float, list[Array]]:
        """Error (sum over steps) and gradients of one sequence ``(T, n_in)``, ``(T, n_out)``."""
        hs = {-1: np.zeros(self.b_h.shape)}
        ys = {}
        error = 0.0
        for s in range(len(xs)):
            hs[s] = np.tanh(np.dot(xs[s], self.w_x) + np.dot(hs[s - 1], self.w_h) + self.b_h)
            ys[s] = np.dot(hs[s], self.w_y) + self.b_y
            error += 0.5 * np.sum((ys[s] - ts[s]) ** 2)
        dw_x, dw_h, dw_y = (np.zeros_like(w) for w in (self.w_x, self.w_h, self.w_y))
        db_h, db_y = np.zeros_like(self.b_h), np.zeros_like(self.b_y)
        dh_next = np.zeros_like(self.b_h)
        for s in reversed(range(len(xs))):
            dy = ys[s] - ts[s]
            dw_y += np.outer(hs[s], dy)
            db_y += dy
            dh = np.dot(self.w_y, dy) + dh_next
            dz = (1 - hs[s] * hs[s]) * dh
            dw_x += np.outer(xs[s], dz)
            dw_h += np.outer(hs[s - 1], dz)
            db_h += dz
            dh_next = np.dot(self.w_h, dz)
        return float(error), [dw_x, dw_h, db_h, dw_y, db_y]

    def train_batch(self, x: Array, t: Array) -> float:
        """One SGD step on the mean error over every step of a batch ``(B, T, n)``."""
        count = x.shape[0] * x.shape[1]
        total = 0.0
        sums = None
        for xs, ts in zip(x, t, strict=True):
            error, grads = self.gradients(xs, ts)
            total += error
            sums = grads if sums is None else [a + g for a, g in zip(sums, grads, strict=True)]
        grads = [g / count for g in sums]
        norm = np.sqrt(sum(np.sum(g * g) for g in grads))
        if norm > self.clip:
            grads = [g * (self.clip / norm) for g in grads]
        params = [self.w_x, self.w_h, self.b_h, self.w_y, self.b_y]
        for p, g in zip(params, grads, strict=True):
            p -= self.learning_rate * g
        return total / count
