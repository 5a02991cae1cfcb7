"""``Network``: a multilayer perceptron trained by backpropagation, one sample at a time.

This module holds the readable algorithm, as the original demo runs it on every mouse move:

1. ``feed(x)``: each layer's output is ``f(prev_output @ W + b)``; input and output layers are
   linear, hidden layers use the chosen activation ``f``.
2. ``backpropagate(t)``: the output delta is ``f'(out) * (t - out)``; each hidden delta is
   ``(W @ next_delta) * f'(out)``, using the weights from *before* this step; then every bias moves
   by ``lr * delta`` and every weight by ``lr * outer(prev_output, next_delta)``.

Two habits keep it fast (about 12 us for a feed plus a backpropagate of 2-6-6-6-2 under CPython)
without hiding the algorithm: every array is allocated once and written with ``out=``, and each
layer keeps a constant 1 after its outputs, so ``[a, 1] @ [[W], [b]]`` computes ``a @ W + b`` in
one product and ``outer([a, 1], delta)`` gives the weight and the bias gradients together.

``train()`` runs the same algorithm over a whole dataset through a faster, vectorised engine
(``nn.engine``); the tests prove both give the same numbers.

>>> net = Network([2, 6, 2], learning_rate=0.005, activation="linear", seed=0)
>>> net.feed([0.5, -0.25]).shape
(2,)
>>> error = net.backpropagate([0.5, -0.25])   # one SGD step on the sample just fed
>>> net.iterations
1
"""

from __future__ import annotations

import contextlib
import itertools
import math
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from nn.activations import ACTIVATIONS, Activation
from nn.errors import NNError, SchemaError
from nn.guard import ERROR_LIMIT, WEIGHT_LIMIT, divergence, overflow_free, within_limits
from nn.optimizers import Optimizer
from nn.schema import (
    FORMAT_VERSION,
    INPUT_LIMIT,
    check_biases,
    check_dataset,
    check_export,
    check_params,
    check_weights,
)
from nn.validation import check_array, check_real

if TYPE_CHECKING:
    from nn.training import TrainingSummary

__all__ = ["Network"]

Array = np.ndarray


class Network:
    """A fully connected network; see the module docstring for the algorithm.

    Arguments:
        layers: neuron count per layer, input first, e.g. ``[2, 6, 6, 6, 2]``.
        learning_rate: step size ``lr`` (> 0).
        activation: hidden-layer activation, a key of ``nn.ACTIVATIONS``.
        bias: when false, biases are zero and never updated.
        seed: seeds the ``np.random.Generator`` used for initial weights, dropout and shuffling.
        optimizer: ``sgd`` (the original), ``momentum``, ``nesterov`` or ``adam``.
        optimizer_options: e.g. ``{"momentum": 0.9}``; see ``nn.optimizers``.
        dropout: probability that a hidden neuron sits out a step (0 = off, the default).
        init: ``uniform``: weights and biases uniform in [-1, 1] (the original);
            ``scaled``: weights also multiplied by ``sqrt(2 / fan_in)``.
        rng: a ready ``np.random.Generator`` to use instead of ``seed``.
    """

    def __init__(
        self,
        layers: Sequence[int],
        learning_rate: float = 0.005,
        activation: str = "linear",
        bias: bool = True,
        seed: int | None = None,
        *,
        optimizer: str = "sgd",
        optimizer_options: dict[str, float] | None = None,
        dropout: float = 0.0,
        init: str = "uniform",
        rng: np.random.Generator | None = None,
    ) -> None:
        params = check_params(
            {
                "layers": list(layers) if isinstance(layers, list | tuple) else layers,
                "learning_rate": learning_rate,
                "activation": activation,
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
        self._initialise()

    def _setup(self, params: dict[str, Any], rng: np.random.Generator) -> None:
        """Allocate every array once; training only ever writes into them."""
        self._params = params
        self.rng = rng
        layers = params["layers"]
        self.layers: tuple[int, ...] = tuple(layers)
        self._activation: Activation = ACTIVATIONS[params["activation"]]
        self._learning_rate: float = params["learning_rate"]
        self._lr = np.array(self._learning_rate)  # 0-d: numpy multiplies by it faster
        self._dropout: float = params["dropout"]

        # All weights and biases live in one flat vector, one block per layer pair. A block is a
        # (n_in + 1, n_out) matrix: n_in rows of weights, then one row of biases. Keeping them
        # together lets the optimizer and the divergence guard treat the network as one vector.
        pairs = list(itertools.pairwise(layers))
        sizes = [(n_in + 1) * n_out for n_in, n_out in pairs]
        self._flat = np.zeros(sum(sizes))
        self._grad = np.zeros(sum(sizes))  # descent direction, same layout
        offsets = np.cumsum([0, *sizes])
        self._blocks = [
            self._flat[a:b].reshape(n_in + 1, n_out)
            for a, b, (n_in, n_out) in zip(offsets, offsets[1:], pairs, strict=False)
        ]
        self._grad_blocks = [
            self._grad[a:b].reshape(n_in + 1, n_out)
            for a, b, (n_in, n_out) in zip(offsets, offsets[1:], pairs, strict=False)
        ]
        self._w = [block[:-1] for block in self._blocks]  # (n_in, n_out), writable views
        self._b = [block[-1] for block in self._blocks]  # (n_out,)
        self._optimizer = Optimizer(
            params["optimizer"], self._flat.size, params["optimizer_options"]
        )

        # Per-sample buffers. Each layer but the last keeps its outputs followed by a constant 1
        # (0 without bias): then [a, 1] @ block = a @ W + b is one product, and
        # outer([a, 1], delta) holds the weight gradients and, in its last row, the bias ones.
        last = len(layers) - 1
        one = 1.0 if params["bias"] else 0.0
        self._with_one = [np.append(np.zeros(n), one) for n in layers[:-1]]  # (n_k + 1,)
        self._columns = [a[:, None] for a in self._with_one]  # (n_k + 1, 1) views
        self.outputs: list[Array] = [a[:-1] for a in self._with_one] + [np.zeros(layers[-1])]
        self._slopes = [np.zeros(n) for n in layers[1:-1]]  # f'(out) per hidden layer
        self.dropped: list[Array] = [np.zeros(n, dtype=bool) for n in layers]  # only hidden
        # What each layer of feed() uses: (input with its 1, block, output, dropout mask or None
        # for the output layer).
        self._forward_plan = [
            (
                self._with_one[k],
                self._blocks[k],
                self.outputs[k + 1],
                self.dropped[k + 1] if k < last - 1 else None,
            )
            for k in range(last)
        ]
        # Deltas are written into a spare set and swapped in when the step is accepted, so a
        # rejected step leaves the visible ones alone.
        self._spare = self._delta_set()
        self._live = self._delta_set()
        self.deltas: list[Array] = self._live[0]  # per non-input layer
        self.output_error: float | None = None  # 1/2 * sum((t - out)**2) before the last step
        self.iterations = 0  # backpropagation steps taken (a batch counts as one step)
        self._fed = False  # outputs hold a feed() that backpropagate() may use
        self._check_overflow()

    def _delta_set(self) -> tuple[list[Array], list[tuple], list[tuple]]:
        """Deltas per non-input layer, with what backpropagate() needs to fill them:
        per hidden layer k, last first: (W_k, delta_{k+1}, delta_k, out_k, slope_k, dropped_k);
        per block: (column [a, 1], row delta, gradient block) for its outer product."""
        deltas = [np.zeros(n) for n in self.layers[1:]]
        backward = [
            (
                self._w[k],
                deltas[k],
                deltas[k - 1],
                self.outputs[k],
                self._slopes[k - 1],
                self.dropped[k],
            )
            for k in range(len(deltas) - 1, 0, -1)
        ]
        gradients = [
            (column, delta[None, :], grad)
            for column, delta, grad in zip(self._columns, deltas, self._grad_blocks, strict=True)
        ]
        return deltas, backward, gradients

    def _check_overflow(self) -> None:
        """Decide once whether per-sample steps need ``np.errstate`` (see ``overflow_free``)."""
        self._overflow_free = overflow_free(
            self.layers,
            self._activation.name,
            self._learning_rate,
            self._optimizer.name,
            self._optimizer.options,
        )

    def _initialise(self) -> None:
        """Random initial weights and biases (per layer: weights, then biases, from ``rng``)."""
        for w, b in zip(self._w, self._b, strict=True):
            w[...] = self.rng.uniform(-1.0, 1.0, size=w.shape)
            if self._params["init"] == "scaled":
                w *= math.sqrt(2.0 / w.shape[0])
            b[...] = self.rng.uniform(-1.0, 1.0, size=b.shape) if self.bias else 0.0

    # --- settings ------------------------------------------------------------------------------

    @property
    def learning_rate(self) -> float:
        """Step size of each update; may be changed between steps."""
        return self._learning_rate

    @learning_rate.setter
    def learning_rate(self, value: float) -> None:
        self._learning_rate = check_real(value, "learning_rate", low=0.0)
        self._lr = np.array(self._learning_rate)
        self._params["learning_rate"] = self._learning_rate
        self._check_overflow()

    @property
    def dropout(self) -> float:
        """Probability that a hidden neuron sits out a step; 0 turns dropout off."""
        return self._dropout

    @dropout.setter
    def dropout(self, value: float) -> None:
        self._dropout = check_real(
            value, "dropout", low=0.0, low_inclusive=True, high=1.0, high_inclusive=False
        )
        self._params["dropout"] = self._dropout
        if self._dropout == 0.0:
            for mask in self.dropped:
                mask.fill(False)

    @property
    def activation(self) -> str:
        """Name of the hidden layers' activation (fixed: build a new network to change it)."""
        return self._activation.name

    @property
    def bias(self) -> bool:
        """Whether biases are used (fixed: build a new network to change it)."""
        return self._params["bias"]

    @property
    def optimizer(self) -> str:
        """Name of the optimizer; change it with ``set_optimizer``."""
        return self._optimizer.name

    def set_optimizer(self, name: str, options: dict[str, float] | None = None) -> None:
        """Switch optimizer (its state starts from zero)."""
        optimizer = Optimizer(name, self._flat.size, options or {})  # validates first
        self._optimizer = optimizer
        self._params["optimizer"] = name
        self._params["optimizer_options"] = dict(optimizer.options)
        self._check_overflow()

    @property
    def weights(self) -> list[Array]:
        """Read-only views, one ``(n_in, n_out)`` matrix per layer pair."""
        return [_read_only(w) for w in self._w]

    @property
    def biases(self) -> list[Array]:
        """Read-only views, one ``(n_out,)`` vector per non-input layer."""
        return [_read_only(b) for b in self._b]

    @property
    def parameter_count(self) -> int:
        """Number of trainable numbers: all weights, plus the biases when ``bias`` is on."""
        weights = sum(w.size for w in self._w)
        return weights + (sum(b.size for b in self._b) if self.bias else 0)

    # --- the algorithm, one sample at a time ---------------------------------------------------

    def feed(self, inputs: Sequence[float] | Array) -> Array:
        """Forward pass of one sample; returns the output layer, shape ``(n_out,)``.

        With dropout on, a fresh set of hidden neurons is dropped first (see ``dropped``)."""
        x = self._sample(inputs, "inputs", self.layers[0])
        if self._dropout > 0.0:
            self._draw_dropped()
        self.outputs[0][...] = x
        activation = self._activation.function
        # numpy warnings off only where overflow is possible (see _check_overflow)
        with _NO_CONTEXT if self._overflow_free else np.errstate(all="ignore"):
            for a_with_one, block, z, dropped in self._forward_plan:
                np.dot(a_with_one, block, out=z)  # z = [a, 1] @ [[W], [b]] = a @ W + b
                if dropped is not None:  # a hidden layer
                    activation(z, out=z)
                    if self._dropout > 0.0:
                        z[dropped] = 0.0  # a dropped neuron outputs nothing
        self._fed = self._overflow_free or bool(np.isfinite(self.outputs[-1]).all())
        if not self._fed:
            raise divergence(self._learning_rate, math.inf, " (the outputs overflowed)")
        return self.outputs[-1].copy()

    def backpropagate(self, targets: Sequence[float] | Array) -> float:
        """One step of gradient descent on the sample last fed; returns its ``output_error``.

        Raises ``DivergenceError`` when the error or a new weight would pass the guard's limits
        or stop being finite; weights, biases, deltas and optimizer state are then unchanged."""
        t = self._sample(targets, "targets", self.layers[-1])
        if not self._fed:
            raise NNError("backpropagate() needs a feed() of the same sample first")
        deltas, backward, gradients = self._spare  # becomes the live set if the step succeeds
        f_prime = None if self._activation.is_identity else self._activation.derivative
        dropout = self._dropout > 0.0
        with _NO_CONTEXT if self._overflow_free else np.errstate(all="ignore"):
            # Output layer (linear, so f'(out) = 1): delta = t - out.
            np.subtract(t, self.outputs[-1], out=deltas[-1])
            error = 0.5 * float(np.dot(deltas[-1], deltas[-1]))
            if not error <= ERROR_LIMIT:
                raise divergence(self._learning_rate, error)
            # Hidden layers, back to front, with the weights from before this step:
            # delta_k = (W_k @ delta_{k+1}) * f'(out_k).
            for w, delta_next, delta, out, slope, dropped in backward:
                np.dot(w, delta_next, out=delta)  # (n_k,)
                if f_prime is not None:
                    delta *= f_prime(out, out=slope)
                if dropout:
                    delta[dropped] = 0.0  # a dropped neuron learns nothing this step
            # Gradient (descent direction) of each block: outer([a, 1], delta), shape
            # (n_in + 1, n_out): rows of weight changes, then the bias changes (= delta).
            for column, row, grad in gradients:
                np.dot(column, row, out=grad)
            self._step()  # sgd: block += lr * grad
        self._live, self._spare = self._spare, self._live
        self.deltas = deltas
        self.output_error = error
        self.iterations += 1
        return error

    def _sample(self, value: object, name: str, size: int) -> Array:
        """One validated sample of ``size`` numbers (a float64 array passes in under 1 us)."""
        # sum(x**2) in Python floats cannot raise a numpy overflow warning, and inf or NaN fail
        # the test. Below the bound, every entry is within INPUT_LIMIT.
        if (
            type(value) is np.ndarray
            and value.shape == (size,)
            and value.dtype is _FLOAT64
            and sum([v * v for v in value.tolist()]) <= _SAMPLE_BOUND
        ):
            return value
        return check_array(value, name, (size,), limit=INPUT_LIMIT)

    def _step(self) -> None:
        """Let the optimizer apply ``_grad``; roll back and raise if a weight escapes."""
        flat = self._flat
        saved = flat.copy(), self._optimizer.snapshot()
        self._optimizer.step(flat, self._grad, self._lr)
        if not (np.dot(flat, flat) <= _SQUARED_LIMIT or within_limits(flat)):
            np.copyto(flat, saved[0])
            self._optimizer.restore(saved[1])
            raise divergence(self._learning_rate, None)

    def _draw_dropped(self) -> None:
        """New dropout masks: hidden neuron i is dropped when its uniform draw is < dropout."""
        draws = self.rng.random(sum(self.layers[1:-1]))  # one per hidden neuron, layer by layer
        start = 0
        for mask in self.dropped[1:-1]:
            np.less(draws[start : start + mask.size], self._dropout, out=mask)
            start += mask.size

    # --- whole datasets -----------------------------------------------------------------------

    def predict(self, inputs: Sequence[Sequence[float]] | Array) -> Array:
        """Outputs for many samples at once, shape ``(N, n_out)``; no dropout, no state change."""
        x = check_array(inputs, "inputs", (None, self.layers[0]), limit=INPUT_LIMIT)
        with np.errstate(all="ignore"):
            for k, (w, b) in enumerate(zip(self._w, self._b, strict=True)):
                x = x @ w + b  # (N, n_out)
                if k < len(self._w) - 1:
                    x = self._activation.function(x)
        return x

    def evaluate(self, inputs: object, targets: object) -> float:
        """Mean over the samples of 1/2 * sum((target - output)**2), without training."""
        x, t = check_dataset(inputs, targets, self.layers[0], self.layers[-1])
        with np.errstate(all="ignore"):
            return float(0.5 * np.mean(np.sum((t - self.predict(x)) ** 2, axis=1)))

    def train(
        self,
        inputs: object,
        targets: object,
        epochs: int,
        batch_size: int = 1,
        shuffle: bool = True,
        on_progress: Callable[[int, float], bool | None] | None = None,
        *,
        should_stop: Callable[[], bool] | None = None,
        seed: int | None = None,
        target_error: float | None = None,
    ) -> TrainingSummary:
        """Train on a dataset with the fast engine; see ``nn.training.train``."""
        from nn.training import train  # here: nn.training itself builds on this module

        return train(
            self,
            inputs,
            targets,
            epochs,
            batch_size,
            shuffle,
            on_progress,
            should_stop=should_stop,
            seed=seed,
            target_error=target_error,
        )

    # --- import and export ---------------------------------------------------------------------

    def export_params(self) -> dict[str, Any]:
        """The settings needed to rebuild this network, as plain data."""
        params = dict(self._params)
        params["layers"] = list(self.layers)
        params["optimizer_options"] = dict(params["optimizer_options"])
        return params

    def export_weights(self) -> list[list[list[float]]]:
        """``w[k][i][j]``: weight from neuron i of layer k to neuron j of layer k + 1."""
        return [w.tolist() for w in self._w]

    def export_biases(self) -> list[list[float]]:
        """``b[k][j]``: bias of neuron j of layer k + 1."""
        return [b.tolist() for b in self._b]

    def import_weights(self, weights: object) -> None:
        """Replace all weights (validated first; a rejected import changes nothing)."""
        checked = check_weights(weights, self.layers)
        _check_limit(checked, "weights")
        for mine, new in zip(self._w, checked, strict=True):
            mine[...] = new
        self._imported()

    def import_biases(self, biases: object) -> None:
        """Replace all biases (validated first; a rejected import changes nothing)."""
        checked = check_biases(biases, self.layers, self.bias)
        _check_limit(checked, "biases")
        for mine, new in zip(self._b, checked, strict=True):
            mine[...] = new
        self._imported()

    def _imported(self) -> None:
        # New weights make momentum and the last outputs meaningless, as in the original.
        self._optimizer.reset()
        self._fed = False

    def export(self) -> dict[str, Any]:
        """Params, weights and biases with a ``format_version``: JSON-safe plain data."""
        return {
            "format_version": FORMAT_VERSION,
            "params": self.export_params(),
            "weights": self.export_weights(),
            "biases": self.export_biases(),
        }

    @classmethod
    def from_export(cls, data: object, *, rng: np.random.Generator | None = None) -> Network:
        """Rebuild a network from ``export()`` output (e.g. parsed from a JSON file)."""
        model = check_export(data)
        _check_limit(model["weights"], "weights")
        _check_limit(model["biases"], "biases")
        params = model["params"]
        net = cls.__new__(cls)
        net._setup(params, rng if rng is not None else np.random.default_rng(params["seed"]))
        for mine, new in zip(net._w, model["weights"], strict=True):
            mine[...] = new
        for mine, new in zip(net._b, model["biases"], strict=True):
            mine[...] = new
        return net

    def __repr__(self) -> str:
        layers = "-".join(map(str, self.layers))
        return (
            f"Network({layers}, activation={self.activation!r}, "
            f"learning_rate={self._learning_rate:g}, optimizer={self.optimizer!r})"
        )


_NO_CONTEXT = contextlib.nullcontext()
_FLOAT64 = np.dtype(np.float64)
_SAMPLE_BOUND = INPUT_LIMIT**2  # sum(x**2) below it: every |x_i| is within INPUT_LIMIT
_SQUARED_LIMIT = WEIGHT_LIMIT**2  # sum(w**2) below it: every weight is within WEIGHT_LIMIT


def _read_only(array: Array) -> Array:
    view = array.view()
    view.flags.writeable = False
    return view


def _check_limit(arrays: list[Array], name: str) -> None:
    for i, array in enumerate(arrays):
        if array.size and np.max(np.abs(array)) > WEIGHT_LIMIT:
            raise SchemaError(
                f"{name}[{i}] holds {np.max(np.abs(array)):g}, over the limit of "
                f"{WEIGHT_LIMIT:g} that training itself keeps to"
            )
