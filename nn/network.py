"""``Network``: a multilayer perceptron trained by backpropagation, one sample at a time.

This module is the algorithm, as the article runs it on every mouse move; read ``feed`` and
``backpropagate`` top to bottom:

1. ``feed(x)``: each layer's weighted sums are ``z = prev_output @ W + b`` and its outputs
   ``f(z)``; hidden layers use ``activation``, the output layer ``output_activation`` (linear,
   as in the article, unless asked otherwise).
2. ``backpropagate(t)``: the output delta is ``f'(out) * (t - out)``; each hidden delta is
   ``(W @ next_delta) * f'(out)``, with the weights from *before* this step; then every weight
   moves by ``lr * outer(prev_output, next_delta)`` and every bias by ``lr * delta``.

The divergence guard (``nn.guard``) looks at the two edges of a step before it changes anything:
the output error it starts from, and the new weights and biases. A step that would cross a limit
is rejected whole. ``nn.train`` runs the same algorithm over a dataset with a fast engine
(``nn.engine``); the tests prove both give the same numbers.

>>> net = Network([2, 6, 2], learning_rate=0.005, activation="linear", seed=0)
>>> net.feed([0.5, -0.25]).shape
(2,)
>>> error = net.backpropagate([0.5, -0.25])   # one SGD step on the sample just fed
>>> net.iterations
1
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from nn import defaults
from nn.activations import ACTIVATIONS, Activation
from nn.errors import NNError, SchemaError
from nn.export import Exportable, parameter_blocks, parameter_count
from nn.guard import ERROR_LIMIT, divergence, within_limits
from nn.optimizers import Optimizer
from nn.schema import INPUT_LIMIT, check_dataset, check_params
from nn.validation import check_array, check_sample

__all__ = ["Network"]

Array = np.ndarray


class Network(Exportable):
    """A fully connected network; see the module docstring for the algorithm.

    Arguments:
        layers: neuron count per layer, input first, e.g. ``[2, 6, 6, 6, 2]``.
        learning_rate: step size ``lr`` (> 0).
        activation: hidden-layer activation, a key of ``nn.ACTIVATIONS``.
        bias: when false, biases are zero and never updated.
        seed: seeds the ``np.random.Generator`` used for initial weights, dropout and shuffling.
        optimizer: ``sgd`` (the article's), ``momentum``, ``nesterov`` or ``adam``.
        optimizer_options: e.g. ``{"momentum": 0.9}``; see ``nn.optimizers``.
        dropout: probability that a hidden neuron sits out a step (0 = off, the default).
        init: ``uniform``: weights and biases uniform in [-1, 1] (the article's);
            ``scaled``: weights also multiplied by ``sqrt(2 / fan_in)``.
        rng: a ready ``np.random.Generator`` to use instead of ``seed``.
        output_activation: the output layer's activation (linear, as in the article).
    """

    def __init__(
        self,
        layers: Sequence[int],
        learning_rate: float = defaults.LEARNING_RATE,
        activation: str = defaults.ACTIVATION,
        bias: bool = defaults.BIAS,
        seed: int | None = None,
        *,
        optimizer: str = defaults.OPTIMIZER,
        optimizer_options: dict[str, float] | None = None,
        dropout: float = defaults.DROPOUT,
        init: str = defaults.INIT,
        rng: np.random.Generator | None = None,
        output_activation: str = defaults.OUTPUT_ACTIVATION,
    ) -> None:
        params = check_params(
            {
                "layers": list(layers) if isinstance(layers, list | tuple) else layers,
                "learning_rate": learning_rate,
                "activation": activation,
                "output_activation": output_activation,
                "bias": bias,
                "optimizer": optimizer,
                "optimizer_options": optimizer_options or {},
                "dropout": dropout,
                "init": init,
                "seed": seed,
            }
        )
        if rng is not None and not isinstance(rng, np.random.Generator):
            raise SchemaError(f"rng must be a numpy.random.Generator, got {type(rng).__name__}")
        self._setup(params, rng if rng is not None else np.random.default_rng(seed))
        for w, b in zip(self._w, self._b, strict=True):  # per layer: weights, then biases
            w[...] = self.rng.uniform(-1.0, 1.0, size=w.shape)
            if params["init"] == "scaled":
                w *= math.sqrt(2.0 / w.shape[0])
            b[...] = self.rng.uniform(-1.0, 1.0, size=b.shape) if self.bias else 0.0

    def _setup(self, params: dict[str, Any], rng: np.random.Generator) -> None:
        self._params = params
        self.rng = rng
        self.layers: tuple[int, ...] = tuple(params["layers"])
        self._activation: Activation = ACTIVATIONS[params["activation"]]
        self._output_activation: Activation = ACTIVATIONS[params["output_activation"]]
        # One flat vector holds every weight and bias (see nn.export); _w and _b are views.
        self._flat = np.zeros(parameter_count(self.layers))
        self._grad = np.zeros_like(self._flat)  # a descent direction, same layout
        self._blocks = parameter_blocks(self._flat, self.layers)
        self._grad_blocks = parameter_blocks(self._grad, self.layers)
        self._w = [block[:-1] for block in self._blocks]  # (n_in, n_out) each
        self._b = [block[-1] for block in self._blocks]  # (n_out,) each
        options = params["optimizer_options"]
        self._optimizer = Optimizer(params["optimizer"], self._flat.size, options)
        self.outputs: list[Array] = [np.zeros(n) for n in self.layers]  # per layer, input first
        self.sums: list[Array] = [np.zeros(n) for n in self.layers[1:]]  # per non-input layer
        self.deltas: list[Array] = [np.zeros(n) for n in self.layers[1:]]  # per non-input layer
        self.dropped: list[Array] = [np.zeros(n, dtype=bool) for n in self.layers]  # hidden only
        self.output_error: float | None = None  # 1/2 * sum((t - out)**2) before the last step
        self.iterations = 0  # backpropagation steps taken (a batch counts as one step)
        self._fed = False  # outputs hold a feed() that no step has used yet

    # --- the algorithm, one sample at a time ---------------------------------------------------

    def feed(self, inputs: Sequence[float] | Array) -> Array:
        """Forward pass of one sample (dropout drawn first); returns the outputs, ``(n_out,)``."""
        x = check_sample(inputs, "inputs", self.layers[0])  # (n_in,)
        if self.dropout > 0.0:
            draws = self.rng.random(sum(self.layers[1:-1]))  # one per hidden neuron, in order
            hidden = np.split(draws < self.dropout, np.cumsum(self.layers[1:-2]))  # per layer
            self.dropped = [self.dropped[0], *hidden, self.dropped[-1]]
        self.sums, self.outputs = self._forward(x, self.dropped if self.dropout else None)
        self._fed = bool(np.isfinite(self.outputs[-1]).all())
        if not self._fed:
            raise divergence(self.learning_rate, math.inf, " (the outputs overflowed)")
        return self.outputs[-1].copy()

    def _forward(self, x: Array, dropped: list[Array] | None) -> tuple[list[Array], list[Array]]:
        """Weighted sums and outputs of every layer for ``x``: ``(n_in,)``, or ``(N, n_in)``."""
        sums, outputs = [], [x]
        last = len(self._w) - 1
        with np.errstate(all="ignore"):  # an overflow shows up as an infinite output instead
            for k, (w, b) in enumerate(zip(self._w, self._b, strict=True)):
                z = outputs[-1] @ w + b  # (n_k,) @ (n_k, n_k+1) -> (n_k+1,)
                out = (self._output_activation if k == last else self._activation).function(z)
                if dropped is not None and k < last:
                    out[dropped[k + 1]] = 0.0  # a dropped neuron outputs nothing
                sums.append(z)
                outputs.append(out)
        return sums, outputs

    def backpropagate(self, targets: Sequence[float] | Array) -> float:
        """One step of gradient descent on the sample last fed; returns its ``output_error``.
        Raises ``NNError`` without a new ``feed``, ``DivergenceError`` past the guard's limits."""
        t = check_sample(targets, "targets", self.layers[-1])  # (n_out,)
        if not self._fed:
            raise NNError("backpropagate() needs a new feed(): each step uses the outputs of one")
        outputs = self.outputs
        error = 0.5 * float(np.sum((t - outputs[-1]) ** 2))  # the article's output error
        if not error <= ERROR_LIMIT:  # edge 1: the error the step starts from
            raise divergence(self.learning_rate, error)
        with np.errstate(all="ignore"):  # an overflow shows up at the second edge instead
            # Output layer: delta = f'(out) * (t - out).
            deltas = [self._output_activation.derivative(outputs[-1]) * (t - outputs[-1])]
            # Hidden layers, back to front, with the weights from before this step.
            for k in range(len(self._w) - 1, 0, -1):
                slope = self._activation.derivative(outputs[k])  # f'(out), (n_k,)
                delta = (self._w[k] @ deltas[0]) * slope  # (n_k, n_k+1) @ (n_k+1,) -> (n_k,)
                delta[self.dropped[k]] = 0.0  # a dropped neuron learns nothing this step
                deltas.insert(0, delta)
            for grad, a, delta in zip(self._grad_blocks, outputs, deltas, strict=False):
                grad[:-1] = np.outer(a, delta)  # weights' descent direction, (n_k, n_k+1)
                grad[-1] = delta if self.bias else 0.0  # biases', (n_k+1,); layout: nn.export
            # The step is computed aside and applied once edge 2 passes (SGD has no state to save).
            saved, new = self._optimizer.snapshot(), self._flat.copy()
            if self.optimizer == "sgd":
                new += self.learning_rate * self._grad  # the article's: w += lr * outer(a, delta)
            else:  # momentum, nesterov, adam: see nn.optimizers
                self._optimizer.step(new, self._grad, self.learning_rate)
        if not within_limits(new):  # edge 2: the weights and biases the step would give
            self._optimizer.restore(saved)  # a rejected step leaves no trace
            raise divergence(self.learning_rate, None)
        self._flat[...] = new  # every weight and bias at once
        self.deltas, self.output_error, self._fed = deltas, error, False
        self.iterations += 1
        return error

    # --- whole datasets -----------------------------------------------------------------------

    def predict(self, inputs: Sequence[Sequence[float]] | Array) -> Array:
        """Outputs for many samples at once, shape ``(N, n_out)``; no dropout, no state change."""
        x = check_array(inputs, "inputs", (None, self.layers[0]), limit=INPUT_LIMIT)
        return self._forward(x, None)[1][-1]

    def evaluate(self, inputs: object, targets: object) -> float:
        """Mean over the samples of 1/2 * sum((target - output)**2), without training."""
        x, t = check_dataset(inputs, targets, self.layers[0], self.layers[-1])
        with np.errstate(all="ignore"):
            return float(0.5 * np.mean(np.sum((t - self.predict(x)) ** 2, axis=1)))

    def __repr__(self) -> str:
        out = self.output_activation
        output = "" if out == "linear" else f", output_activation={out!r}"
        return (
            f"Network({'-'.join(map(str, self.layers))}, activation={self.activation!r}"
            f"{output}, learning_rate={self.learning_rate:g}, optimizer={self.optimizer!r})"
        )
