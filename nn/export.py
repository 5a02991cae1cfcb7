"""A network's settings and parameters as data: ``Exportable``, the part of ``Network`` that reads
and changes its settings, exports and imports it, and ``parameter_blocks``, the layout of the
flat parameter vector. The algorithm itself is in ``nn.network``.

All weights and biases live in one flat vector (what the optimizer, the guard and the engine
see), one ``(n_in + 1, n_out)`` block per layer pair: ``n_in`` rows of weights, then one row of
biases. An export is plain, versioned data (see ``nn.schema``)::

    {"format_version": 1, "params": {...}, "weights": w[k][i][j], "biases": b[k][j]}

>>> import numpy as np
>>> [b.shape for b in parameter_blocks(np.zeros(3 * 6 + 7 * 2), (2, 6, 2))]
[(3, 6), (7, 2)]
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from nn.activations import Activation
from nn.errors import SchemaError
from nn.guard import WEIGHT_LIMIT
from nn.optimizers import Optimizer
from nn.schema import FORMAT_VERSION, check_biases, check_export, check_weights
from nn.validation import check_real

if TYPE_CHECKING:
    from typing import Self

__all__ = ["Exportable", "parameter_blocks", "parameter_count"]

Array = np.ndarray


def parameter_count(layers: Sequence[int]) -> int:
    """Length of the flat parameter vector: weights and a bias row per layer pair."""
    return sum((n_in + 1) * n_out for n_in, n_out in itertools.pairwise(layers))


def parameter_blocks(flat: Array, layers: Sequence[int]) -> list[Array]:
    """Views of ``flat``, one ``(n_in + 1, n_out)`` block per layer pair (weights, bias row)."""
    blocks, start = [], 0
    for n_in, n_out in itertools.pairwise(layers):
        stop = start + (n_in + 1) * n_out
        blocks.append(flat[start:stop].reshape(n_in + 1, n_out))
        start = stop
    return blocks


class Exportable:
    """Settings, export and import of ``Network``, which provides ``layers``, ``_params``,
    ``_w``/``_b`` (weight and bias views), ``_flat``, ``_activation``, ``_output_activation``,
    ``_optimizer``, ``dropped``, ``_fed`` and ``_setup``."""

    layers: tuple[int, ...]
    _params: dict[str, Any]
    _w: list[Array]
    _b: list[Array]
    _flat: Array
    _activation: Activation
    _output_activation: Activation
    _optimizer: Optimizer
    dropped: list[Array]
    _fed: bool

    # --- settings ------------------------------------------------------------------------------

    @property
    def learning_rate(self) -> float:
        """Step size of each update; may be changed between steps."""
        return self._params["learning_rate"]

    @learning_rate.setter
    def learning_rate(self, value: float) -> None:
        self._params["learning_rate"] = check_real(value, "learning_rate", low=0.0)

    @property
    def dropout(self) -> float:
        """Probability that a hidden neuron sits out a step; 0 turns dropout off."""
        return self._params["dropout"]

    @dropout.setter
    def dropout(self, value: float) -> None:
        bounds = {"low": 0.0, "low_inclusive": True, "high": 1.0, "high_inclusive": False}
        self._params["dropout"] = check_real(value, "dropout", **bounds)
        if self.dropout == 0.0:
            self.dropped = [np.zeros(n, dtype=bool) for n in self.layers]

    @property
    def activation(self) -> str:
        """Name of the hidden layers' activation (fixed: build a new network to change it)."""
        return self._activation.name

    @property
    def output_activation(self) -> str:
        """Name of the output layer's activation (fixed, like ``activation``)."""
        return self._output_activation.name

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
        self._optimizer = Optimizer(name, self._flat.size, options or {})  # validates first
        self._params["optimizer"] = name
        self._params["optimizer_options"] = dict(self._optimizer.options)

    @property
    def parameter_count(self) -> int:
        """Number of trainable numbers: all weights, plus the biases when ``bias`` is on."""
        weights = sum(w.size for w in self._w)
        return weights + (sum(b.size for b in self._b) if self.bias else 0)

    @property
    def weights(self) -> list[Array]:
        """Read-only views, one ``(n_in, n_out)`` matrix per layer pair."""
        return [_read_only(w) for w in self._w]

    @property
    def biases(self) -> list[Array]:
        """Read-only views, one ``(n_out,)`` vector per non-input layer."""
        return [_read_only(b) for b in self._b]

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

    def export(self) -> dict[str, Any]:
        """Params, weights and biases with a ``format_version``: JSON-safe plain data."""
        return {
            "format_version": FORMAT_VERSION,
            "params": self.export_params(),
            "weights": self.export_weights(),
            "biases": self.export_biases(),
        }

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
        # New weights make momentum and the last outputs meaningless, as in the article.
        self._optimizer.reset()
        self._fed = False

    @classmethod
    def from_export(cls, data: object, *, rng: np.random.Generator | None = None) -> Self:
        """Rebuild a network from ``export()`` output (e.g. parsed from a JSON file)."""
        model = check_export(data)
        _check_limit(model["weights"], "weights")
        _check_limit(model["biases"], "biases")
        params = model["params"]
        net = cls.__new__(cls)
        generator = rng if rng is not None else np.random.default_rng(params["seed"])
        net._setup(params, generator)  # type: ignore[attr-defined]
        for mine, new in zip(net._w, model["weights"], strict=True):
            mine[...] = new
        for mine, new in zip(net._b, model["biases"], strict=True):
            mine[...] = new
        return net


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
