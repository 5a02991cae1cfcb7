"""Every default and every limit of nn, in one place: the network, the schema, the command line
and the page all read them from here (the README states them).

This module imports nothing from nn, so any module can read it.

Two learning rates, on purpose:

- ``LEARNING_RATE`` (0.005) is the core's and the command line's: the article's rate, safe for
  per-sample SGD on any of the demo's networks over many epochs of a random dataset.
- ``PAGE_LEARNING_RATE`` (0.01) is where the page starts: a learner moving the mouse sees the
  circle catch up within a few seconds, and each move is one sample, not a whole epoch.

>>> LEARNING_RATE, PAGE_LEARNING_RATE
(0.005, 0.01)
"""

from __future__ import annotations

from typing import Any

# --- a network ----------------------------------------------------------------------------------

LAYERS = (2, 6, 6, 6, 2)  # the article's network
LEARNING_RATE = 0.005  # core and command line (see the module docstring)
PAGE_LEARNING_RATE = 0.01  # where the page starts
ACTIVATION = "linear"  # hidden layers
OUTPUT_ACTIVATION = "linear"  # the output layer (the article's is linear)
BIAS = True
OPTIMIZER = "sgd"  # the article's update: w += lr * outer(prev_output, delta)
DROPOUT = 0.0  # off
INIT = "uniform"  # weights and biases uniform in [-1, 1], as in the article
LEAKY_SLOPE = 0.01  # slope of leaky_relu below zero

# --- a training run -----------------------------------------------------------------------------

BATCH_SIZE = 1  # per-sample SGD, as in the article
EPOCHS = 50  # the command line's
SAMPLES = 1000  # size of the command line's random dataset
SEED = 0  # the command line's

# Pre-training (the page's worker, ``nn.recommended_training``): see ``nn.training`` for how
# these were measured.
PRETRAIN_DEFAULTS: dict[str, Any] = {
    "optimizer": "adam",
    "learning_rate": 0.03,
    "batch_size": 64,
    "epochs": 300,  # an upper bound: training stops at target_error (tanh needs ~60-100)
    "target_error": 1e-4,
}

# --- limits -------------------------------------------------------------------------------------

# The divergence guard: an output error or a weight (or bias) beyond these, or not finite, means
# the learning rate is too high; the step is rejected and the last good weights kept.
ERROR_LIMIT = 1e5
WEIGHT_LIMIT = 1e4
# Inputs and targets are normalised coordinates; anything this large is a unit mistake.
INPUT_LIMIT = 1e6
# Caps that keep a typo ("2-6000000-2") from freezing a browser tab.
MAX_LAYERS = 64
MAX_WEIGHTS = 1_000_000
MAX_SAMPLES = 1_000_000
MAX_EPOCHS = 1_000_000
MAX_BATCH_SIZE = 65_536
# The page: learning rates its controls accept, and a network its view and live loop keep smooth.
PAGE_LR_MIN = 1e-5
PAGE_LR_MAX = 1.0
MAX_PAGE_LAYERS = 12
MAX_PAGE_NEURONS = 32
