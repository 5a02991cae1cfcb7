"""One backpropagation step, recorded number by number, and the text that explains it.

Pure Python (numpy and ``nn`` only, no browser imports). ``take_step`` *is* the core's algorithm:
one ``Network.feed`` then one ``Network.backpropagate`` on the live network; around them it
copies the weights and biases before and after, and reads the weighted sums, outputs and deltas
the core leaves behind. The page then shows the record in four stages (``STAGES``).

Usage::

    record = take_step(net, [0.05, 0.10], [0.01, 0.99])
    record.error                       # E = 1/2 * sum((t - o)**2) before the step
    record.to_json()                   # the lastStep() contract: per-layer lists
    weight_rule(record, 1, 0, 0)       # 'w = 0.4000 + 0.5 × 0.5933 × (−0.1385) = 0.3589'
    parse_parameter("0.25", "Weight")  # 0.25; raises SchemaError naming a bad value
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from nn import Network
from nn.activations import ACTIVATIONS
from nn.defaults import WEIGHT_LIMIT
from nn.errors import SchemaError

__all__ = [
    "STAGES",
    "StepRecord",
    "backward_rule",
    "bias_rule",
    "fmt",
    "forward_rule",
    "next_stage",
    "parse_parameter",
    "take_step",
    "weight_rule",
]

STAGES = ("forward", "error", "backward", "update")
DERIVATIVES = {  # f'(o) written in terms of the output o, as the core computes it
    "linear": "1",
    "tanh": "1 − o²",
    "sigmoid": "o × (1 − o)",
    "relu": "(1 if o > 0 else 0)",
    "leaky_relu": "(1 if o > 0 else 0.01)",
}


def next_stage(stage: str) -> str:
    """The stage after ``stage`` (``update`` stays ``update``; ``off`` starts at ``forward``)."""
    if stage not in STAGES:
        return STAGES[0]
    return STAGES[min(STAGES.index(stage) + 1, len(STAGES) - 1)]


def fmt(v: float, digits: int = 4) -> str:
    """``digits`` decimals for everyday values, scientific notation for tiny or huge ones; a real
    minus sign so a screen reader says "minus"."""
    text = f"{v:.{digits}f}" if v == 0 or 1e-3 <= abs(v) < 1e4 else f"{v:.{digits - 1}e}"
    return text.replace("-", "−")


def _paren(v: float) -> str:
    return f"({fmt(v)})" if v < 0 else fmt(v)


@dataclass(frozen=True)
class StepRecord:
    """Everything one step computed, as plain lists in the model export's layout: ``sums`` and
    ``deltas`` per non-input layer, ``outputs`` per layer (input first), ``weights_*[k][i][j]``
    from neuron i of layer k to neuron j of layer k + 1, ``biases_*[k][j]`` of layer k + 1."""

    inputs: list[float]
    targets: list[float]
    sums: list[list[float]]
    outputs: list[list[float]]
    deltas: list[list[float]]
    error: float
    weights_before: list[list[list[float]]]
    weights_after: list[list[list[float]]]
    biases_before: list[list[float]]
    biases_after: list[list[float]]
    learning_rate: float
    activation: str
    output_activation: str
    optimizer: str
    bias: bool
    biases_updated: bool

    def to_json(self) -> dict:
        """The ``lastStep()`` contract (plus the settings the rules need)."""
        return {
            "inputs": self.inputs,
            "targets": self.targets,
            "sums": self.sums,
            "outputs": self.outputs,
            "deltas": self.deltas,
            "error": self.error,
            "weights_before": self.weights_before,
            "weights_after": self.weights_after,
            "biases_before": self.biases_before,
            "biases_after": self.biases_after,
            "learning_rate": self.learning_rate,
            "activation": self.activation,
            "output_activation": self.output_activation,
            "optimizer": self.optimizer,
            "biases_updated": self.biases_updated,
        }

    @property
    def output_errors(self) -> list[float]:
        """``t - o`` per output neuron."""
        return [t - o for t, o in zip(self.targets, self.outputs[-1], strict=True)]

    def activation_of(self, layer: int) -> str:
        """The activation of layer ``layer`` (0 = input, which is not activated)."""
        last = len(self.outputs) - 1
        if layer == 0:
            return "linear"
        return self.output_activation if layer == last else self.activation


def take_step(
    net: Network,
    inputs: Sequence[float] | np.ndarray,
    targets: Sequence[float] | np.ndarray,
    *,
    update_biases: bool = True,
) -> StepRecord:
    """One ``feed`` + ``backpropagate`` of ``net`` on one sample, recorded.

    ``update_biases=False`` puts the biases back after the step (the worked example's author
    leaves them alone); the weights' updates do not depend on it. Raises what the core raises
    (``DivergenceError``...), and then nothing changed."""
    weights_before = net.export_weights()
    biases_before = net.export_biases()
    net.feed(inputs)
    outputs = [o.copy() for o in net.outputs]
    sums = [np.asarray(z).tolist() for z in net.sums]  # z = a @ W + b, kept by the feed
    error = net.backpropagate(targets)
    deltas = [d.tolist() for d in net.deltas]
    frozen = not update_biases and net.bias
    if frozen:
        net.import_biases(biases_before)
    return StepRecord(
        inputs=outputs[0].tolist(),
        targets=np.asarray(targets, dtype=float).tolist(),
        sums=sums,
        outputs=[o.tolist() for o in outputs],
        deltas=deltas,
        error=float(error),
        weights_before=weights_before,
        weights_after=net.export_weights(),
        biases_before=biases_before,
        biases_after=net.export_biases(),
        learning_rate=net.learning_rate,
        activation=net.activation,
        output_activation=net.output_activation,
        optimizer=net.optimizer,
        bias=net.bias,
        biases_updated=net.bias and not frozen,
    )


# --- the rules, written out with their numbers ------------------------------------------------


def forward_rule(r: StepRecord, layer: int, j: int) -> str:
    """``z = Σ o·w + b = ...; o = f(z) = ...`` for neuron j of layer ``layer`` (>= 1)."""
    k = layer - 1
    terms = " + ".join(
        f"{_paren(a)} × {_paren(w[j])}"
        for a, w in zip(r.outputs[k], r.weights_before[k], strict=True)
    )
    if r.bias:
        terms += f" + {_paren(r.biases_before[k][j])}"
    z, o = r.sums[k][j], r.outputs[layer][j]
    name = r.activation_of(layer)
    text = f"z = {terms} = {fmt(z)}"
    if ACTIVATIONS[name].is_identity:
        return text + f"; o = z = {fmt(o)}"
    return text + f"; o = {name}(z) = {fmt(o)}"


def backward_rule(r: StepRecord, layer: int, j: int) -> str:
    """How neuron j of layer ``layer`` got its delta."""
    k, o, d = layer - 1, r.outputs[layer][j], r.deltas[layer - 1][j]
    name = r.activation_of(layer)
    slope = ACTIVATIONS[name].derivative(np.array([o])).item()
    if layer == len(r.outputs) - 1:
        t = r.targets[j]
        text = f"δ = (t − o) × f′(o) = ({fmt(t)} − {fmt(o)}) × {fmt(slope)} = {fmt(d)}"
    else:
        nxt = r.deltas[k + 1]
        pairs = zip(r.weights_before[layer][j], nxt, strict=True)
        terms = " + ".join(f"{_paren(w)} × {_paren(dn)}" for w, dn in pairs)
        text = f"δ = (Σ w × δ next) × f′(o) = ({terms}) × {fmt(slope)} = {fmt(d)}"
    if name != "linear":
        text += f"   [f′(o) = {DERIVATIVES.get(name, 'f′(o)')} for {name}]"
    return text


def _update(before: float, lr: float, factors: str, after: float, optimizer: str) -> str:
    if optimizer == "sgd":
        return f"{fmt(before)} + {lr:g} × {factors} = {fmt(after)}"
    return (
        f"{fmt(before)} → {fmt(after)} (the {optimizer} optimizer turns lr × {factors} "
        "into its own step)"
    )


def weight_rule(r: StepRecord, layer: int, i: int, j: int) -> str:
    """``w = w + lr × o_i × δ_j = ...`` for the weight from neuron i of layer ``layer`` to
    neuron j of layer ``layer + 1``."""
    a, d = r.outputs[layer][i], r.deltas[layer][j]
    before, after = r.weights_before[layer][i][j], r.weights_after[layer][i][j]
    factors = f"{_paren(a)} × {_paren(d)}"
    return "w = " + _update(before, r.learning_rate, factors, after, r.optimizer)


def bias_rule(r: StepRecord, layer: int, j: int) -> str:
    """``b = b + lr × δ_j = ...`` for neuron j of layer ``layer`` (>= 1)."""
    k = layer - 1
    before, after = r.biases_before[k][j], r.biases_after[k][j]
    if not r.bias:
        return "no bias (the Bias setting is off)"
    if not r.biases_updated:
        delta = fmt(r.deltas[k][j])
        return f"b = {fmt(before)}, not updated (as in the worked example; δ = {delta})"
    factors = _paren(r.deltas[k][j])
    return "b = " + _update(before, r.learning_rate, factors, after, r.optimizer)


# --- editing ------------------------------------------------------------------------------------


def parse_parameter(text: object, name: str) -> float:
    """A weight or bias typed by the learner: a finite number within the weight limit."""
    shown = str(text).strip()
    rule = f"use a number from {-WEIGHT_LIMIT:g} to {WEIGHT_LIMIT:g}, like 0.25"
    try:
        value = float(shown.replace("−", "-"))
    except ValueError:
        raise SchemaError(f"{name} {shown[:40]!r} is not a number; {rule}") from None
    if not math.isfinite(value):
        raise SchemaError(f"{name} {shown[:40]!r} is not a finite number; {rule}")
    if abs(value) > WEIGHT_LIMIT:
        raise SchemaError(f"{name} {shown[:40]!r} is over the weight limit; {rule}")
    return value
