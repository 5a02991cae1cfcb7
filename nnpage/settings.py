"""The page's settings as one validated value, and the parsers that turn control text into it.

Pure Python (no browser imports), so the rules are the same wherever settings come from: the form
controls today, a shared link or a classroom preset later. Every parser raises ``SchemaError``
(from ``nn.errors``) with a message naming the control and the value it got.

Usage::

    s = Settings()                                   # the defaults
    s = s.replace(layers=parse_layers("2-6-2"))      # a new value; Settings is immutable
    s.rebuilds(Settings())                           # True: other layers need new weights
    Network(**s.network_params())
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

from nn import defaults
from nn.activations import ACTIVATIONS
from nn.defaults import MAX_PAGE_LAYERS, MAX_PAGE_NEURONS
from nn.errors import SchemaError
from nn.optimizers import OPTIMIZERS
from nn.schema import parse_layers as _core_parse_layers

__all__ = [
    "LR_MAX",
    "LR_MIN",
    "MAX_PAGE_LAYERS",
    "MAX_PAGE_NEURONS",
    "NORMALIZATIONS",
    "Settings",
    "parse_layers",
    "parse_learning_rate",
    "parse_probability",
    "parse_seed",
]

LR_MIN = defaults.PAGE_LR_MIN
LR_MAX = defaults.PAGE_LR_MAX
# Normalization factor -> what the learner reads: x1 divides by half the canvas, x2 by all of it.
NORMALIZATIONS = {1: "x1 (half-size, [-1, 1])", 2: "x2 (full-size, [-0.5, 0.5])"}
# The point of the demo: two numbers in (x, y), two numbers out (x', y').
IO_SIZE = 2
# A page-sized network (MAX_PAGE_LAYERS, MAX_PAGE_NEURONS, from nn.defaults): the view and the
# live loop stay readable and smooth below these.


@dataclass(frozen=True)
class Settings:
    """Everything the learner can set. Fields marked *live* apply to the running network."""

    layers: tuple[int, ...] = defaults.LAYERS  # rebuilds the network (new weights)
    learning_rate: float = defaults.PAGE_LEARNING_RATE  # live; the page's, see nn.defaults
    activation: str = defaults.ACTIVATION  # live: hidden layers only (the input is never activated)
    output_activation: str = defaults.OUTPUT_ACTIVATION  # live: the worked example's is sigmoid
    bias: bool = defaults.BIAS  # live
    optimizer: str = defaults.OPTIMIZER  # live (its state restarts)
    normalization: int = 1  # live: 1 or 2, see NORMALIZATIONS
    dropout: bool = False  # live
    dropout_p: float = 0.1  # live: probability a hidden neuron sits out a step
    seed: int = 0  # used by Reset and by a rebuild
    backprop: bool = True  # live: learn from each move, or only show the guess
    replay: bool = True  # live: keep learning between moves from recent positions

    def replace(self, **changes: object) -> Settings:
        """A copy with ``changes`` applied (not validated here: parse first)."""
        return dataclasses.replace(self, **changes)

    def rebuilds(self, other: Settings) -> bool:
        """True when going from ``other`` to ``self`` needs a new network (other layers)."""
        return self.layers != other.layers

    def network_params(self) -> dict[str, object]:
        """Keyword arguments for ``nn.Network`` / the ``params`` of an export."""
        return {
            "layers": list(self.layers),
            "learning_rate": self.learning_rate,
            "activation": self.activation,
            "bias": self.bias,
            "optimizer": self.optimizer,
            "dropout": self.dropout_p if self.dropout else 0.0,
            "seed": self.seed,
            "output_activation": self.output_activation,
        }

    @property
    def layers_text(self) -> str:
        return "-".join(str(n) for n in self.layers)

    def check(self) -> Settings:
        """Validate every field (for settings that did not come through the parsers)."""
        parse_layers(self.layers_text)
        parse_learning_rate(repr(self.learning_rate))
        parse_probability(repr(self.dropout_p))
        if type(self.seed) is not int:  # the text "7" would pass parse_seed(str(...))
            raise SchemaError(f"Seed {self.seed!r} is not valid; use a whole number")
        parse_seed(str(self.seed))
        if self.activation not in ACTIVATIONS:
            raise SchemaError(
                f"Activation must be one of {', '.join(ACTIVATIONS)}; got {self.activation!r}"
            )
        if self.output_activation not in ACTIVATIONS:
            raise SchemaError(
                f"Output activation must be one of {', '.join(ACTIVATIONS)}; "
                f"got {self.output_activation!r}"
            )
        if self.optimizer not in OPTIMIZERS:
            raise SchemaError(
                f"Optimizer must be one of {', '.join(OPTIMIZERS)}; got {self.optimizer!r}"
            )
        if self.normalization not in NORMALIZATIONS:
            raise SchemaError(f"Normalization must be 1 or 2; got {self.normalization!r}")
        return self


def parse_layers(text: str) -> tuple[int, ...]:
    """``"2-6-6-6-2"`` -> ``(2, 6, 6, 6, 2)``; 2 inputs, 2 outputs, a page-sized middle."""
    shown = text.strip()
    try:
        sizes = _core_parse_layers(shown)
    except SchemaError as exc:
        raise SchemaError(f"Layers {shown!r} is not valid: {exc}") from None
    if sizes[0] != IO_SIZE or sizes[-1] != IO_SIZE:
        raise SchemaError(
            f"Layers {shown!r} is not valid: the first and last layers must have "
            f"{IO_SIZE} neurons (x and y), like 2-6-2"
        )
    if len(sizes) > MAX_PAGE_LAYERS or max(sizes) > MAX_PAGE_NEURONS:
        raise SchemaError(
            f"Layers {shown!r} is too big for the page: at most {MAX_PAGE_LAYERS} "
            f"layers of at most {MAX_PAGE_NEURONS} neurons"
        )
    return tuple(sizes)


def _number(text: str, name: str, rule: str) -> float:
    try:
        value = float(text.strip())
    except ValueError:
        raise SchemaError(f"{name} {text.strip()!r} is not a number; {rule}") from None
    if not math.isfinite(value):
        raise SchemaError(f"{name} {text.strip()!r} is not a finite number; {rule}")
    return value


def parse_learning_rate(text: str) -> float:
    """A learning rate between ``LR_MIN`` and ``LR_MAX`` from text such as ``"0.005"``."""
    rule = f"use a number from {LR_MIN:g} to {LR_MAX:g}, like 0.005"
    value = _number(text, "Learning rate", rule)
    if not LR_MIN <= value <= LR_MAX:
        raise SchemaError(f"Learning rate {text.strip()!r} is out of range; {rule}")
    return value


def parse_probability(text: str) -> float:
    """A dropout probability strictly between 0 and 1."""
    rule = "use a number between 0 and 1 (not 0 or 1), like 0.1"
    value = _number(text, "Dropout probability", rule)
    if not 0.0 < value < 1.0:
        raise SchemaError(f"Dropout probability {text.strip()!r} is out of range; {rule}")
    return value


def parse_seed(text: str) -> int:
    """A seed: a whole number from 0 to 2**32 - 1, in ASCII digits."""
    shown = text.strip()
    digits = shown.lstrip("0") or "0"
    # isdigit() alone lets "²" through (int() then raises ValueError), and int() refuses more
    # than 4300 digits: both would escape as something other than SchemaError.
    if not (shown.isascii() and shown.isdigit()) or len(digits) > 10 or int(digits) > 2**32 - 1:
        raise SchemaError(f"Seed {shown!r} is not valid; use a whole number from 0 to 4294967295")
    return int(digits)
