"""The straightforward baseline: the same algorithm as ``nn``, written the way a textbook writes it.

Every speed-up the benchmark reports is a ratio against this code, measured in the same run. It
is deliberately plain: a list of weight matrices and a list of bias vectors, ``np.outer`` for the
weight gradient, fresh arrays at every step, no buffers, no tricks. It uses the same
initialisation as ``nn.Network`` (per layer: weights, then biases, uniform in [-1, 1] from
``np.random.default_rng(seed)``), so given the same seed both start from the same weights and, step
for step, compute the same numbers (the smoke test checks it).

- ``BaselineNetwork.feed`` / ``backpropagate``: per-sample SGD, as the original demo runs it.
- ``BaselineNetwork.train_batch``: one vectorised mini-batch step, gradients averaged over the
  batch, with fresh allocations.
- ``train_per_sample`` / ``train_batches``: one shuffled epoch over a dataset.

>>> import numpy as np
>>> net = BaselineNetwork([2, 6, 2], learning_rate=0.005, activation="linear", seed=0)
>>> net.feed(np.array([0.5, -0.25])).shape
(2,)
>>> error = net.backpropagate(np.array([0.5, -0.25]))
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import numpy as np

__all__ = ["FUNCTIONS", "BaselineNetwork", "train_batches", "train_per_sample"]

Array = np.ndarray

# Hidden activations: (f(z), f'(y) written with the output y = f(z)), as the original does.
FUNCTIONS = {
    "linear": (lambda z: z, lambda y: np.ones_like(y)),
    "tanh": (np.tanh, lambda y: 1.0 - y**2),
}


class BaselineNetwork:
    """A multilayer perceptron: input and output layers linear, hidden layers ``activation``."""

    def __init__(
        self, layers: Sequence[int], learning_rate: float, activation: str, seed: int
    ) -> None:
        rng = np.random.default_rng(seed)
        self.learning_rate = learning_rate
        self.function, self.derivative = FUNCTIONS[activation]
        self.weights: list[Array] = []  # (n_in, n_out) per layer pair
        self.biases: list[Array] = []  # (n_out,) per non-input layer
        for n_in, n_out in itertools.pairwise(layers):
            self.weights.append(rng.uniform(-1.0, 1.0, size=(n_in, n_out)))
            self.biases.append(rng.uniform(-1.0, 1.0, size=n_out))
        self.outputs: list[Array] = []

    def feed(self, x: Array) -> Array:
        """Forward pass of one sample; keeps every layer's output for backpropagation."""
        self.outputs = [np.asarray(x, dtype=float)]
        last = len(self.weights) - 1
        for k, (w, b) in enumerate(zip(self.weights, self.biases, strict=True)):
            z = self.outputs[-1] @ w + b  # (n_out,)
            if k < last:
                z = self.function(z)
            self.outputs.append(z)
        return self.outputs[-1]

    def backpropagate(self, t: Array) -> float:
        """One SGD step on the sample last fed; returns 1/2 * sum((t - out)**2) before it."""
        t = np.asarray(t, dtype=float)
        error = 0.5 * float(np.sum((t - self.outputs[-1]) ** 2))
        deltas: list[Array] = [None] * len(self.weights)  # type: ignore[list-item]
        deltas[-1] = t - self.outputs[-1]  # the output layer is linear
        for k in range(len(self.weights) - 1, 0, -1):  # with the weights before this step
            deltas[k - 1] = (self.weights[k] @ deltas[k]) * self.derivative(self.outputs[k])
        for k in range(len(self.weights)):
            self.weights[k] = self.weights[k] + self.learning_rate * np.outer(
                self.outputs[k], deltas[k]
            )
            self.biases[k] = self.biases[k] + self.learning_rate * deltas[k]
        return error

    def train_batch(self, x: Array, t: Array) -> float:
        """One mini-batch step on ``x (B, n_in)``, ``t (B, n_out)``, gradients averaged.

        Returns the sum over the batch of 1/2 * sum((t - out)**2), before the step."""
        outputs = [x]
        last = len(self.weights) - 1
        for k, (w, b) in enumerate(zip(self.weights, self.biases, strict=True)):
            z = outputs[-1] @ w + b  # (B, n_out)
            if k < last:
                z = self.function(z)
            outputs.append(z)
        delta = t - outputs[-1]  # (B, n_out)
        error = 0.5 * float(np.sum(delta**2))
        deltas: list[Array] = [None] * len(self.weights)  # type: ignore[list-item]
        deltas[-1] = delta
        for k in range(len(self.weights) - 1, 0, -1):
            deltas[k - 1] = (deltas[k] @ self.weights[k].T) * self.derivative(outputs[k])
        n = len(x)
        for k in range(len(self.weights)):
            self.weights[k] = self.weights[k] + self.learning_rate * (outputs[k].T @ deltas[k]) / n
            self.biases[k] = self.biases[k] + self.learning_rate * deltas[k].mean(axis=0)
        return error

    def mean_error(self, x: Array, t: Array) -> float:
        """Mean over the samples of 1/2 * sum((t - out)**2), without training."""
        out = x
        last = len(self.weights) - 1
        for k, (w, b) in enumerate(zip(self.weights, self.biases, strict=True)):
            out = out @ w + b
            if k < last:
                out = self.function(out)
        return float(0.5 * np.mean(np.sum((t - out) ** 2, axis=1)))


def train_per_sample(net: BaselineNetwork, x: Array, t: Array, rng: np.random.Generator) -> float:
    """One shuffled epoch of per-sample SGD; returns the epoch's mean error (before each step)."""
    total = 0.0
    for i in rng.permutation(len(x)):
        net.feed(x[i])
        total += net.backpropagate(t[i])
    return total / len(x)


def train_batches(
    net: BaselineNetwork, x: Array, t: Array, batch_size: int, rng: np.random.Generator
) -> float:
    """One shuffled epoch of mini-batches; returns the epoch's mean error (before each step)."""
    order = rng.permutation(len(x))
    total = 0.0
    for start in range(0, len(x), batch_size):
        chosen = order[start : start + batch_size]
        total += net.train_batch(x[chosen], t[chosen])
    return total / len(x)
