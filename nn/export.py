"""How a network's parameters are laid out and saved: ``Exportable``, the export and import
methods of ``Network``, and ``parameter_blocks``, the layout of the flat parameter vector.

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

from nn.errors import SchemaError
from nn.guard import WEIGHT_LIMIT
from nn.schema import FORMAT_VERSION, check_biases, check_export, check_weights

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
    """Export and import for ``Network``, which provides ``layers``, ``bias``, ``_params``,
    ``_w``/``_b`` (weight and bias views), ``_optimizer``, ``_fed`` and ``_setup``."""

    layers: tuple[int, ...]
    bias: bool
    _params: dict[str, Any]
    _w: list[Array]
    _b: list[Array]
    _fed: bool

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
        self._optimizer.reset()  # type: ignore[attr-defined]
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
