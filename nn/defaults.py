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

__all__ = ["PRETRAIN_DEFAULTS", "recommended_training"]

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


# --- limits on untrusted text (model files, dataset files, worker messages; see nn.safejson) ------

# Nesting of arrays and objects. A model export is 4 deep, a worker message 6; a recursive parser
# (json.loads, JSON.parse) can overflow the WebAssembly stack at a few thousand, which no
# try/except catches, so deeper text is refused before it is parsed.
JSON_MAX_DEPTH = 32
JSON_MAX_STRING = 100_000  # characters in one JSON string (the longest a page writes is 10,000)
JSON_MAX_NUMBER = 100  # characters in one number literal (a float's repr needs at most 24)
MODEL_MAX_BYTES = 5_000_000  # a page-sized model is ~250 kB of JSON
DATASET_MAX_BYTES = 20_000_000  # 100,000 samples are ~8 MB of JSON or ~4 MB of CSV
MESSAGE_MAX_BYTES = 64_000_000  # a worker message: a model plus a dataset of up to MAX_SAMPLES
