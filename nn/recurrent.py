"""``RecurrentNetwork``: an Elman network, a network with memory, trained by truncated
backpropagation through time (BPTT).

A feed-forward network sees only the present sample. An Elman network also feeds its hidden layer
its own previous output, the *state* ``h``, so it can learn from where the input has been::

    h_t = f(x_t @ W_x + h_{t-1} @ W_h + b_h)      # hidden state, f = tanh by default
    y_t = h_t @ W_y + b_y                          # linear output

1. ``feed(x)`` advances the state one step and returns ``y_t``; it remembers the last ``bptt``
   steps (inputs and states), the window backpropagation will go back through.
2. ``backpropagate(t)`` compares ``y_t`` with the target ``t`` and walks the window backwards
   (``bptt`` below: the whole algorithm in one loop), clips the gradient's norm to ``clip`` so a
   long window cannot blow it up, and lets the optimizer step, under the same divergence guard as
   ``nn.Network``: a step that would pass a limit is rejected and the weights stay.
3. ``reset_state()`` forgets the past (the state becomes zeros, the window empties).

``train`` runs the same algorithm on a whole batch of sequences at once through a vectorised
engine (``nn.recurrent_engine``); the tests prove both give the same numbers. A training
sequence is short (32 steps by default) and each step of it has a target, so ``train``
backpropagates through the whole sequence from its zero start state: ``bptt`` truncates only
the online path (``backpropagate``), where the past has no end. The page runs that online path
through ``nn.recurrent_engine.OnlineBPTT``: the same numbers as ``feed``/``backpropagate``, in
fewer numpy calls.

>>> net = RecurrentNetwork([2, 8, 2], seed=0)
>>> net.feed([0.1, 0.0]).shape
(2,)
>>> error = net.backpropagate([0.2, 0.0])   # one step of BPTT on the window so far
>>> net.iterations
1
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from nn.activations import ACTIVATIONS, Activation
from nn.defaults import RECURRENT_PRETRAIN
from nn.errors import NNError, SchemaError
from nn.guard import ERROR_LIMIT, WEIGHT_LIMIT, divergence, within_limits
from nn.optimizers import Optimizer
from nn.recurrent_schema import (
    check_recurrent_export,
    check_recurrent_params,
    check_sequences,
)
from nn.schema import FORMAT_VERSION, INPUT_LIMIT
from nn.validation import check_array, check_real

__all__ = ["Gradients", "RecurrentNetwork", "bptt"]

Array = np.ndarray
# dE/dW_x, dE/dW_h, dE/db_h, dE/dW_y, dE/db_y: the gradient of the error, block by block.
Gradients = tuple[Array, Array, Array, Array, Array]


def bptt(
    weights: tuple[Array, Array, Array],
    xs: Array,
    hs: Array,
    h_start: Array,
    dys: Array,
    derivative: Callable[[Array], Array],
) -> Gradients:
    """Backpropagation through time over one window of ``k`` steps.

    ``weights`` is ``(W_x (n_in, H), W_h (H, H), W_y (H, n_out))``; ``xs (k, n_in)`` are the
    inputs of the window, ``hs (k, H)`` the states they produced, ``h_start (H,)`` the state
    before the window (taken as a constant: this is where truncation cuts the past off),
    ``dys (k, n_out)`` the error's gradient at each output, ``y_s - t_s`` (zeros where a step has
    no target). ``derivative(h)`` is ``f'`` expressed through ``f``'s output.
    """
    _, w_h, w_y = weights  # W_x is not needed going backwards
    k, hidden = hs.shape
    dzs = np.empty((k, hidden))  # dE/dz_s, z_s = x_s @ W_x + h_{s-1} @ W_h + b_h, (k, H)
    dh_out = dys @ w_y.T  # dE/dh_s through y_s = h_s @ W_y + b_y, (k, H)
    slopes = derivative(hs)  # f'(z_s) for every step, from the outputs h_s = f(z_s), (k, H)
    dh_next = np.zeros(hidden)  # dE/dh_s through h_{s+1}, (H,)
    for s in reversed(range(k)):
        dh = dh_out[s] + dh_next  # through the output and through the future, (H,)
        dzs[s] = dh * slopes[s]  # through h_s = f(z_s)
        dh_next = w_h @ dzs[s]  # dE/dh_{s-1}, (H,)
    # A weight's gradient sums one outer product per step, e.g. dW_h = sum_s outer(h_{s-1},
    # dz_s); stacking the steps as rows turns each sum into one matrix product.
    h_prev = np.vstack([h_start, hs[:-1]])  # h_{s-1} for every step, (k, H)
    dw_x = xs.T @ dzs  # (n_in, H)
    dw_h = h_prev.T @ dzs  # (H, H)
    db_h = dzs.sum(axis=0)  # (H,)
    dw_y = hs.T @ dys  # (H, n_out)
    db_y = dys.sum(axis=0)  # (n_out,)
    return dw_x, dw_h, db_h, dw_y, db_y


class RecurrentNetwork:
    """An Elman network; see the module docstring for the algorithm.

    Arguments:
        layers: ``[inputs, hidden, outputs]``, e.g. ``[4, 16, 2]``.
        learning_rate: step size (> 0).
        activation: the hidden layer's activation, a key of ``nn.ACTIVATIONS`` (tanh by default).
        seed: seeds the ``np.random.Generator`` of the initial weights and of ``train``.
        optimizer, optimizer_options: as for ``nn.Network``.
        (Unset settings take ``nn.defaults.RECURRENT_DEFAULTS``: tanh, SGD at 0.01, bptt 16,
        clip 1.)
        bptt: steps backpropagation goes back through time.
        clip: largest norm of a gradient (larger ones are scaled down to it).
        rng: a ready ``np.random.Generator`` to use instead of ``seed``.
    """

    def __init__(
        self,
        layers: Sequence[int],
        learning_rate: float | None = None,
        activation: str | None = None,
        seed: int | None = None,
        *,
        optimizer: str | None = None,
        optimizer_options: dict[str, float] | None = None,
        bptt: int | None = None,
        clip: float | None = None,
        rng: np.random.Generator | None = None,
    ) -> None:
        given = {
            "layers": list(layers) if isinstance(layers, list | tuple) else layers,
            "learning_rate": learning_rate,
            "activation": activation,
            "optimizer": optimizer,
            "optimizer_options": optimizer_options,
            "bptt": bptt,
            "clip": clip,
            "seed": seed,
        }
        params = check_recurrent_params(
            {k: v for k, v in given.items() if v is not None or k == "seed"}
        )
        if rng is not None and not isinstance(rng, np.random.Generator):
            raise SchemaError(f"rng must be a numpy.random.Generator, got {type(rng).__name__}")
        self._setup(params, rng if rng is not None else np.random.default_rng(seed))
        self._initialise()

    def _setup(self, params: dict[str, Any], rng: np.random.Generator) -> None:
        """Allocate the parameters once, as one flat vector with a view per block."""
        self._params = params
        self.rng = rng
        n_in, hidden, n_out = params["layers"]
        self.layers: tuple[int, int, int] = (n_in, hidden, n_out)
        self._activation: Activation = ACTIVATIONS[params["activation"]]
        self._learning_rate: float = params["learning_rate"]
        self.bptt: int = params["bptt"]
        self.clip: float = params["clip"]
        # Flat layout: W_x, W_h, b_h, W_y, b_y. The optimizer and the guard see one vector.
        shapes = [(n_in, hidden), (hidden, hidden), (hidden,), (hidden, n_out), (n_out,)]
        sizes = [math.prod(shape) for shape in shapes]
        self._flat = np.zeros(sum(sizes))
        self._grad = np.zeros(sum(sizes))
        offsets = np.cumsum([0, *sizes])
        views = [
            self._flat[a:b].reshape(shape)
            for a, b, shape in zip(offsets, offsets[1:], shapes, strict=False)
        ]
        self._w_x, self._w_h, self._b_h, self._w_y, self._b_y = views
        self._grad_views = [
            self._grad[a:b].reshape(shape)
            for a, b, shape in zip(offsets, offsets[1:], shapes, strict=False)
        ]
        self._optimizer = Optimizer(
            params["optimizer"], self._flat.size, params["optimizer_options"]
        )
        self.state = np.zeros(hidden)  # h, the network's memory, (H,)
        self.outputs = np.zeros(n_out)  # y of the last feed, (n_out,)
        # The window of the last ``bptt`` steps, oldest first: inputs x_s in _xs[:k], states
        # in _hs[1 : k + 1], and in _hs[0] the state before the window (where truncation cuts).
        self._xs = np.zeros((self.bptt, n_in))  # (bptt, n_in)
        self._hs = np.zeros((self.bptt + 1, hidden))  # (bptt + 1, H)
        self._k = 0  # steps in the window
        self.output_error: float | None = None  # 1/2 * sum((t - y)**2) of the last step
        self.gradient_norm: float | None = None  # before clipping, of the last step
        self.iterations = 0
        self._fed = False

    def _initialise(self) -> None:
        """Weights uniform in +-1/sqrt(fan_in), biases zero: the state starts small and a
        recurrent loop neither explodes nor dies out in the first steps."""
        for w in (self._w_x, self._w_h, self._w_y):
            bound = 1.0 / math.sqrt(w.shape[0])
            w[...] = self.rng.uniform(-bound, bound, size=w.shape)

    # --- settings --------------------------------------------------------------------------------

    @property
    def learning_rate(self) -> float:
        return self._learning_rate

    @learning_rate.setter
    def learning_rate(self, value: float) -> None:
        self._learning_rate = check_real(value, "learning_rate", low=0.0)
        self._params["learning_rate"] = self._learning_rate

    @property
    def activation(self) -> str:
        return self._activation.name

    @property
    def optimizer(self) -> str:
        return self._optimizer.name

    def set_optimizer(self, name: str, options: dict[str, float] | None = None) -> None:
        """Switch optimizer (its state starts from zero)."""
        self._optimizer = Optimizer(name, self._flat.size, options or {})
        self._params["optimizer"] = name
        self._params["optimizer_options"] = dict(self._optimizer.options)

    @property
    def weights(self) -> list[Array]:
        """Read-only views ``[W_x (n_in, H), W_h (H, H), W_y (H, n_out)]``."""
        return [_read_only(w) for w in (self._w_x, self._w_h, self._w_y)]

    @property
    def biases(self) -> list[Array]:
        """Read-only views ``[b_h (H,), b_y (n_out,)]``."""
        return [_read_only(b) for b in (self._b_h, self._b_y)]

    @property
    def parameter_count(self) -> int:
        return int(self._flat.size)

    # --- the algorithm, one step at a time -------------------------------------------------------

    def step(self, inputs: Sequence[float] | Array, state: Array) -> tuple[Array, Array]:
        """One step from a given ``state`` without touching the network's own: ``(y, h)``.

        This is how to look ahead: roll the prediction forward from a copy of the state."""
        x = self._sample(inputs, "inputs", self.layers[0])
        with np.errstate(all="ignore"):
            h = self._activation.function(x @ self._w_x + state @ self._w_h + self._b_h)  # (H,)
            y = h @ self._w_y + self._b_y  # (n_out,)
        return y, h

    def feed(self, inputs: Sequence[float] | Array) -> Array:
        """Advance the state by one input; returns the output ``y_t``, shape ``(n_out,)``."""
        x = self._sample(inputs, "inputs", self.layers[0]).copy()
        y, h = self.step(x, self.state)
        if not (np.isfinite(y).all() and np.isfinite(h).all()):
            raise divergence(self._learning_rate, math.inf, " (the outputs overflowed)")
        k = self._k
        if k == self.bptt:  # full: the oldest step leaves the window
            self._xs[:-1] = self._xs[1:]
            self._hs[:-1] = self._hs[1:]
            k -= 1
        self._xs[k] = x
        self._hs[k + 1] = h
        self._k = k + 1
        self.state = h
        self.outputs = y
        self._fed = True
        return y.copy()

    @property
    def last_input(self) -> Array:
        """The input of the last feed (zeros before any), shape ``(n_in,)``."""
        return self._xs[self._k - 1].copy() if self._k else np.zeros(self.layers[0])

    def snapshot_state(self) -> tuple[Array, Array]:
        """The state and the last output, to go back to with ``restore_state``."""
        return self.state.copy(), self.outputs.copy()

    def restore_state(self, snapshot: tuple[Array, Array]) -> None:
        """Go back to a ``snapshot_state``; the next step is a ``feed`` (not a backpropagate)."""
        state, outputs = snapshot
        self.state = check_array(state, "state", (self.layers[1],), limit=INPUT_LIMIT).copy()
        self.outputs = check_array(outputs, "outputs", (self.layers[2],), limit=INPUT_LIMIT).copy()
        self._hs[0] = self.state  # the window starts again from here
        self._k = 0
        self._fed = False

    def reset_state(self) -> None:
        """Forget the past: a zero state and an empty window."""
        self.state = np.zeros(self.layers[1])
        self.outputs = np.zeros(self.layers[2])
        self._hs[0] = 0.0
        self._k = 0
        self._fed = False

    def backpropagate(self, targets: Sequence[float] | Array) -> float:
        """One step of truncated BPTT for the output of the last feed; returns its error.

        Raises ``DivergenceError`` when the error or a new weight would pass the guard's limits;
        weights and optimizer state are then unchanged."""
        t = self._sample(targets, "targets", self.layers[2])
        if not self._fed:
            raise NNError("backpropagate() needs a feed() first (one per backpropagate)")
        dy = self.outputs - t  # dE/dy for E = 1/2 * sum((t - y)**2), (n_out,)
        error = 0.5 * float(dy @ dy)
        if not error <= ERROR_LIMIT:
            raise divergence(self._learning_rate, error)
        k = self._k
        dys = np.zeros((k, self.layers[2]))  # only the last step has a target, (k, n_out)
        dys[-1] = dy
        gradients = bptt(
            (self._w_x, self._w_h, self._w_y),
            self._xs[:k],
            self._hs[1 : k + 1],
            self._hs[0],
            dys,
            self._activation.derivative,
        )
        for view, gradient in zip(self._grad_views, gradients, strict=True):
            view[...] = gradient
        self._apply_gradient()
        self._fed = False
        self.output_error = error
        self.iterations += 1
        return error

    def _apply_gradient(self) -> None:
        """Clip ``_grad`` (dE/dparams) to norm ``clip``, then step against it under the guard."""
        grad = self._grad
        norm = float(np.sqrt(grad @ grad))
        if not math.isfinite(norm):
            raise divergence(self._learning_rate, None)
        self.gradient_norm = norm
        if norm > self.clip:
            grad *= self.clip / norm
        np.negative(grad, out=grad)  # the optimizer takes the descent direction
        saved = self._flat.copy(), self._optimizer.snapshot()
        self._optimizer.step(self._flat, grad, self._learning_rate)
        if not within_limits(self._flat):
            np.copyto(self._flat, saved[0])
            self._optimizer.restore(saved[1])
            raise divergence(self._learning_rate, None)

    def _sample(self, value: object, name: str, size: int) -> Array:
        # sum(x**2) in Python floats is cheap for a handful of numbers, and inf or NaN fail it.
        if (
            type(value) is np.ndarray
            and value.shape == (size,)
            and value.dtype == np.float64
            and sum([v * v for v in value.tolist()]) <= INPUT_LIMIT**2
        ):
            return value
        return check_array(value, name, (size,), limit=INPUT_LIMIT)

    # --- whole sequences -------------------------------------------------------------------------

    def run(self, inputs: object, state: Array | None = None) -> tuple[Array, Array]:
        """Outputs ``(T, n_out)`` for a sequence ``(T, n_in)`` from ``state`` (zeros when None),
        and the final state; the network's own state does not change."""
        xs = check_array(inputs, "inputs", (None, self.layers[0]), limit=INPUT_LIMIT)
        h = np.zeros(self.layers[1]) if state is None else np.asarray(state, dtype=float)
        ys = np.empty((len(xs), self.layers[2]))
        for s, x in enumerate(xs):
            ys[s], h = self.step(x, h)
        return ys, h

    def sequence_gradients(self, inputs: object, targets: object) -> tuple[float, Gradients]:
        """The mean error over every step of a batch of sequences ``(S, T, n)`` (each from a zero
        state) and its gradient, sequence by sequence with ``bptt``: the reference the fast
        engine is tested against."""
        x, t = check_sequences(inputs, targets, self.layers[0], self.layers[2])
        count = x.shape[0] * x.shape[1]
        total = 0.0
        sums = [np.zeros_like(v) for v in self._grad_views]
        h_start = np.zeros(self.layers[1])
        for xs, ts in zip(x, t, strict=True):
            hs = np.empty((len(xs), self.layers[1]))  # (T, H)
            ys = np.empty((len(xs), self.layers[2]))  # (T, n_out)
            h = h_start
            for s, xv in enumerate(xs):
                ys[s], h = self.step(xv, h)
                hs[s] = h
            dys = ys - ts  # (T, n_out)
            total += 0.5 * float(np.sum(dys * dys))
            weights = (self._w_x, self._w_h, self._w_y)
            gradients = bptt(weights, xs, hs, h_start, dys / count, self._activation.derivative)
            for acc, g in zip(sums, gradients, strict=True):
                acc += g
        return total / count, tuple(sums)  # type: ignore[return-value]

    def evaluate(self, inputs: object, targets: object) -> float:
        """Mean over every step of 1/2 * sum((t - y)**2), without training."""
        from nn.recurrent_engine import forward  # here: the engine builds on this module

        x, t = check_sequences(inputs, targets, self.layers[0], self.layers[2])
        ys, _ = forward(self, x)
        return float(0.5 * np.mean(np.sum((ys - t) ** 2, axis=2)))

    def train(
        self,
        inputs: object,
        targets: object,
        epochs: int,
        batch_size: int = RECURRENT_PRETRAIN["batch_size"],
        *,
        should_stop: Callable[[], bool] | None = None,
        seed: int | None = None,
        target_error: float | None = None,
    ) -> Any:
        """Train on sequences ``(S, T, n)`` with the fast engine; see
        ``nn.recurrent_engine.train``. Each sequence starts from a zero state and every step has
        a target; backpropagation goes back through the whole sequence (``bptt`` does not
        apply: it truncates the online ``backpropagate`` only)."""
        from nn.recurrent_engine import train

        return train(
            self,
            inputs,
            targets,
            epochs,
            batch_size,
            should_stop=should_stop,
            seed=seed,
            target_error=target_error,
        )

    # --- import and export -----------------------------------------------------------------------

    def export_params(self) -> dict[str, Any]:
        params = dict(self._params)
        params["layers"] = list(self.layers)
        params["optimizer_options"] = dict(params["optimizer_options"])
        return params

    def export_weights(self) -> list[list[list[float]]]:
        """``[W_x, W_h, W_y]`` as nested lists."""
        return [w.tolist() for w in (self._w_x, self._w_h, self._w_y)]

    def export_biases(self) -> list[list[float]]:
        """``[b_h, b_y]`` as lists."""
        return [b.tolist() for b in (self._b_h, self._b_y)]

    def export(self) -> dict[str, Any]:
        """``kind``, params, weights and biases with a ``format_version``: JSON-safe plain data.
        The state is not saved: an imported network starts from a zero state."""
        return {
            "format_version": FORMAT_VERSION,
            "kind": "recurrent",
            "params": self.export_params(),
            "weights": self.export_weights(),
            "biases": self.export_biases(),
        }

    def import_parameters(self, weights: object, biases: object) -> None:
        """Replace all weights and biases (same layers; validated first, so a rejected import
        changes nothing). Resets the state and the optimizer."""
        model = self.export()
        model["weights"], model["biases"] = weights, biases
        checked = check_recurrent_export(model)
        _check_limit(checked["weights"] + checked["biases"])
        self._load(checked)
        self._optimizer.reset()
        self.reset_state()

    def _load(self, model: dict[str, Any]) -> None:
        blocks = (self._w_x, self._w_h, self._w_y, self._b_h, self._b_y)
        for mine, new in zip(blocks, model["weights"] + model["biases"], strict=True):
            mine[...] = new

    @classmethod
    def from_export(
        cls, data: object, *, rng: np.random.Generator | None = None
    ) -> RecurrentNetwork:
        """Rebuild a network from ``export()`` output (e.g. parsed from a JSON file)."""
        model = check_recurrent_export(data)
        _check_limit(model["weights"] + model["biases"])
        params = model["params"]
        net = cls.__new__(cls)
        net._setup(params, rng if rng is not None else np.random.default_rng(params["seed"]))
        net._load(model)
        return net

    def copy(self) -> RecurrentNetwork:
        """An independent network with the same parameters and state (optimizer state fresh)."""
        twin = RecurrentNetwork.from_export(self.export())
        twin.state = self.state.copy()
        return twin

    def __repr__(self) -> str:
        layers = "-".join(map(str, self.layers))
        return (
            f"RecurrentNetwork({layers}, activation={self.activation!r}, "
            f"learning_rate={self._learning_rate:g}, optimizer={self.optimizer!r}, "
            f"bptt={self.bptt})"
        )


def _read_only(array: Array) -> Array:
    view = array.view()
    view.flags.writeable = False
    return view


def _check_limit(arrays: list[Array]) -> None:
    for array in arrays:
        if array.size and np.max(np.abs(array)) > WEIGHT_LIMIT:
            raise SchemaError(
                f"a weight or bias holds {np.max(np.abs(array)):g}, over the limit of "
                f"{WEIGHT_LIMIT:g} that training itself keeps to"
            )
