"""Classroom presets: named set-ups that replay the original article's experiments.

Each preset fixes every setting that shapes learning (layers, activation, learning rate, bias,
optimizer, normalization, dropout) and says in one sentence what to watch for. Pure Python (no
browser imports): ``share.py`` shows them in the ``#preset`` select and puts the chosen one in the
shared link; the values go through ``Settings.check`` like any other.

Usage::

    preset = PRESETS["deep"]
    s = preset.apply(Settings())      # the deep network's settings, validated
    preset.matches(s)                 # True until a learner changes one of them
    preset.watch                      # the sentence shown under the select
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from nn import defaults
from nnpage.settings import Settings

__all__ = ["PRESETS", "WORKED_EXAMPLE", "Preset"]

SHALLOW = defaults.LAYERS
DEEP = (2, 6, 6, 6, 6, 6, 6, 6, 2)
# Every setting that shapes learning; a preset sets each one, to the page's default unless it says
# otherwise (nn.defaults: the article's linear 2-6-6-6-2, plain SGD, bias on, no dropout).
_SHAPES_LEARNING = (
    "layers",
    "activation",
    "learning_rate",
    "bias",
    "optimizer",
    "normalization",
    "dropout",
    "output_activation",
)
BASE: Mapping[str, object] = {key: getattr(Settings(), key) for key in _SHAPES_LEARNING}


@dataclass(frozen=True)
class Preset:
    """A named set-up: ``changes`` are ``Settings`` fields, ``watch`` says what to look for."""

    name: str
    label: str
    changes: Mapping[str, object]
    watch: str
    # A preset may also fix its starting point and its own sample (the worked example does):
    weights: tuple | None = None  # w[k][i][j], as in a model export
    biases: tuple | None = None  # b[k][j]
    sample: tuple[tuple[float, ...], tuple[float, ...]] | None = None  # (inputs, targets)
    update_biases: bool = True  # what a Step does with the biases by default

    def apply(self, settings: Settings) -> Settings:
        """``settings`` with this preset's values (the seed, backpropagation... are kept)."""
        return settings.replace(**self.changes).check()

    def matches(self, settings: Settings) -> bool:
        """True while ``settings`` still holds every value this preset sets."""
        return all(getattr(settings, key) == value for key, value in self.changes.items())


def _preset(name: str, label: str, watch: str, **changes: object) -> Preset:
    return Preset(name, label, {**BASE, **changes}, watch)


# Matt Mazur, "A Step by Step Backpropagation Example" (2015): w1..w8 and b1, b2 as he numbers
# them, w[k][i][j] from neuron i to neuron j. His one bias per layer is both neurons' bias here.
WORKED_EXAMPLE = Preset(
    "worked-example",
    "Worked example: Mazur's 2-2-2 step by step",
    {
        **BASE,
        "layers": (2, 2, 2),
        "activation": "sigmoid",
        "output_activation": "sigmoid",
        "learning_rate": 0.5,
    },
    "Mazur's sigmoid 2-2-2 with his weights, rate 0.5 and his own sample (0.05, 0.10 -> "
    "0.01, 0.99): press Step and compare each number with his article (error 0.298371109, "
    "then w5 = 0.35891648); like him, Step leaves the biases alone unless you tick the box.",
    weights=(((0.15, 0.25), (0.20, 0.30)), ((0.40, 0.50), (0.45, 0.55))),
    biases=((0.35, 0.35), (0.60, 0.60)),
    sample=((0.05, 0.10), (0.01, 0.99)),
    update_biases=False,
)


PRESETS: dict[str, Preset] = {
    p.name: p
    for p in (
        _preset(
            "linear",
            "Linear 2-6-6-6-2 (learns fast)",
            "Every neuron passes its weighted sum straight on, so the network only has to make "
            "its matrices multiply to the identity: the circle should lock onto the pointer "
            "within a few sweeps, and the paths list shows x and y finding their own routes.",
        ),
        _preset(
            "tanh",
            "tanh (learns, but slower)",
            "tanh bends every hidden value towards -1 or 1, so the network has to keep its sums "
            "in the curve's nearly straight middle: the circle gets close, but it takes many "
            "more moves than linear and still lags near the edges.",
            activation="tanh",
        ),
        _preset(
            "sigmoid",
            "sigmoid (struggles)",
            "A sigmoid squeezes every hidden value into (0, 1) and flattens out quickly, so "
            "left and right (or up and down) soon look alike to the next layer: watch the "
            "circle stop improving well short of the pointer while the error plot stays flat.",
            activation="sigmoid",
        ),
        _preset(
            "relu",
            "ReLU (struggles)",
            "ReLU turns every negative sum into 0, and half of the [-1, 1] canvas is negative: "
            "watch neurons go silent (their connections fade in the view) and the circle "
            "follow you in part of the canvas but stay stuck in another.",
            activation="relu",
        ),
        _preset(
            "x2",
            "x2 normalization (slower)",
            "The same linear network, but positions are divided by the full canvas size, so "
            "they stay in [-0.5, 0.5]: the errors, and so the corrections, are smaller, and "
            "the circle takes clearly longer to catch up than with the linear preset.",
            normalization=2,
        ),
        _preset(
            "deep",
            "Deep 2-6-6-6-6-6-6-6-2 (small learning rate)",
            "Each path now multiplies eight weights, so the 0.01 that suits the small network "
            "blows this one up (try it): at 0.0001 it stays stable but learns slowly by hand, "
            "so pre-train it to watch it find the identity anyway.",
            layers=DEEP,
            learning_rate=1e-4,
        ),
        WORKED_EXAMPLE,
    )
}
