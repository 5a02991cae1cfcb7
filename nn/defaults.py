"""Recommended pre-training settings: the fastest we measured to a mean error below 1e-4.

Measured under CPython on the seeded identity dataset ``random_dataset(1000, seed=0)``: the
time until an epoch's mean output error fell below 1e-4 (``train(..., target_error=1e-4)``). A grid
of optimizer (sgd, momentum, nesterov, adam) x batch size (1-128) x learning rate (3e-5 - 0.3) over
2 seeds, then the best candidates over 10 seeds, picked Adam, batch 64, rate 0.03: the fastest or
within a few milliseconds of it for all three networks, and it never failed (momentum and
nesterov diverge on the deep net at the rates that suit tanh). CPU time, median over 5 seeds:

==========================  =======================  ==========================================
network                     Adam, batch 64, 0.03     the original: per-sample SGD
==========================  =======================  ==========================================
2-6-6-6-2 linear            2.1 ms (5-7 epochs)      17 ms (2 epochs, rate 0.005)
2-6-6-6-2 tanh              25 ms (50-71 epochs)     2.1 s (128-225 epochs, rate 0.005)
2-6-6-6-6-6-6-6-2 linear    3.8 ms (6-10 epochs)     0.13 s (2-9 epochs, rate 0.0003; 0.005 and
                                                     0.003 diverge)
==========================  =======================  ==========================================

Batches help twice: the engine's cost per sample falls ~20x from batch 1 to 64, and Adam's
per-weight step sizes cope with the deep linear net's badly scaled gradients, which force SGD
down to tiny learning rates.

>>> recommended_training([2, 6, 6, 6, 2], "tanh")["optimizer"]
'adam'
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from nn.activations import ACTIVATIONS
from nn.errors import SchemaError
from nn.schema import check_layers

__all__ = [
    "ANTICIPATE_DEFAULTS",
    "PRETRAIN_DEFAULTS",
    "RECURRENT_DEFAULTS",
    "RECURRENT_LIMITS",
    "RECURRENT_PRETRAIN",
    "recommended_training",
]

PRETRAIN_DEFAULTS: dict[str, Any] = {
    "optimizer": "adam",
    "learning_rate": 0.03,
    "batch_size": 64,
    "epochs": 300,  # an upper bound: training stops at target_error (tanh needs ~60-100)
    "target_error": 1e-4,
}


def recommended_training(layers: Sequence[int], activation: str) -> dict[str, Any]:
    """Pre-training settings for a network: ``optimizer``, ``learning_rate``, ``batch_size``,
    ``epochs``, ``target_error``. Measured for linear and tanh (see the module docstring);
    other activations get the same settings, unmeasured."""
    check_layers(list(layers) if isinstance(layers, list | tuple) else layers)
    if activation not in ACTIVATIONS:
        raise SchemaError(f"activation must be one of {list(ACTIVATIONS)}, got {activation!r}")
    return dict(PRETRAIN_DEFAULTS)


# --- the recurrent network and the Anticipate example ------------------------------------------
#
# An Elman network of 16 tanh units, trained online by plain SGD (rate 0.01) on truncated BPTT
# over the last 16 steps (a quarter of a second at 60 Hz), the gradient's norm clipped to 1.
# Measured online on 20 s of 60 Hz circles, Lissajous curves and random curves (seeds 0-2): SGD
# at 0.01-0.03 settles within seconds and stays settled; Adam (0.003-0.01) and momentum at 0.003
# learn as fast but keep relapsing (one-second error spikes 100x the settled error).

RECURRENT_DEFAULTS: dict[str, Any] = {
    "hidden": 16,  # hidden neurons (the state)
    "activation": "tanh",
    "learning_rate": 0.01,
    "optimizer": "sgd",
    "bptt": 16,  # steps backpropagation goes back through time
    "clip": 1.0,  # largest norm of a gradient; larger ones are scaled down to it
}

RECURRENT_LIMITS: dict[str, int | float] = {
    "max_hidden": 256,  # a hidden layer of n needs n * n recurrent weights
    "max_bptt": 1_000,
    "max_clip": 1e6,
    "max_sequence": 10_000,  # steps in one training sequence
    "max_sequences": 100_000,  # sequences in one training set
}

# The pre-training of a recurrent network: windows of ``sequence`` steps cut every ``stride``.
RECURRENT_PRETRAIN: dict[str, Any] = {
    "optimizer": "adam",
    "learning_rate": 0.01,
    "batch_size": 32,
    "epochs": 30,
    "sequence": 32,
    "stride": 8,
}

# Anticipate: the pointer sampled at a fixed rate, a displacement of one hundredth of the canvas
# per sample is 1.0, the circle drawn one horizon ahead.
ANTICIPATE_DEFAULTS: dict[str, Any] = {
    "sample_hz": 60,
    "horizon_ms": 150,
    "min_horizon_ms": 0,
    "max_horizon_ms": 1_000,
    "displacement_scale": 100.0,  # displacement units per canvas size
    "still_s": 0.3,  # the pointer has not moved for this long: let go on its own
    "window_s": 1.0,  # lead and lag errors are means over this last stretch
}
