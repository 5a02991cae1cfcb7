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
    "EVOLVE_DEFAULTS",
    "EVOLVE_ERROR_FLOOR",
    "EVOLVE_LR_LIMITS",
    "EVOLVE_MAX_BUDGET",
    "EVOLVE_MAX_GENERATIONS",
    "EVOLVE_MAX_HIDDEN_LAYERS",
    "EVOLVE_MAX_NEURONS",
    "EVOLVE_MAX_POPULATION",
    "EVOLVE_SPACE",
    "PRETRAIN_DEFAULTS",
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


# --- the hyperparameter search (nn.evolve) -----------------------------------------------------

# The page's own limits on a network (nnpage.settings: at most 12 layers counting input and output,
# at most 32 neurons in a layer), so every genome the search finds can run live on the page.
EVOLVE_MAX_HIDDEN_LAYERS = 10
EVOLVE_MAX_NEURONS = 32
# Learning rates the page accepts (nnpage.settings LR_MIN, LR_MAX).
EVOLVE_LR_LIMITS = (1e-5, 1.0)
# A budget is samples seen in training per individual; beyond this one search takes hours.
EVOLVE_MAX_BUDGET = 1_000_000
EVOLVE_MAX_POPULATION = 1_000
EVOLVE_MAX_GENERATIONS = 1_000

EVOLVE_DEFAULTS: dict[str, Any] = {
    "population": 24,
    "generations": 10,
    # 25 epochs of the 800 training samples of a 1000-sample dataset: linear networks reach the
    # float floor (~1e-32) well within it, tanh ~3e-4, sigmoid ~1e-3 (measured, Adam, batch 16).
    "budget": 20_000,
    "seed": 0,
    "samples": 1_000,  # random identity dataset when none is given
    "holdout": 0.2,  # share of the dataset kept out of training to measure the error on
    "elite": 2,  # best individuals carried unchanged (at most population - 1)
    "tournament": 3,  # contestants per tournament selection (at most population)
    "crossover": 0.9,  # probability that a child mixes two parents (else copies one)
    "mutation": 0.25,  # probability that each gene of a child mutates
    "lr_sigma": 0.7,  # a mutated learning rate is multiplied by exp(N(0, lr_sigma))
}

# The search space by default: every gene free.
EVOLVE_SPACE: dict[str, Any] = {
    "hidden_layers": (1, 3),  # how many hidden layers (min, max)
    "neurons": (1, 12),  # neurons per hidden layer (min, max)
    "learning_rate": (1e-4, 0.3),  # searched on a log scale
    "batch_sizes": (1, 4, 16, 64),
}

# Errors below this are float noise: they rank as equal, and the smaller network wins.
EVOLVE_ERROR_FLOOR = 1e-12
