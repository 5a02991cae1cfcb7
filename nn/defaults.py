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
# --- the hyperparameter search (nn.evolve) -----------------------------------------------------

# The page's own limits on a network (nnpage.settings: at most 12 layers counting input and output,
# at most 32 neurons in a layer), so every genome the search finds can run live on the page.
EVOLVE_MAX_HIDDEN_LAYERS = MAX_PAGE_LAYERS - 2
EVOLVE_MAX_NEURONS = MAX_PAGE_NEURONS
# Learning rates the page accepts.
EVOLVE_LR_LIMITS = (PAGE_LR_MIN, PAGE_LR_MAX)
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
MOVES_MAX_BYTES = DATASET_MAX_BYTES  # a moves.csv is a dataset too: an hour at 60 Hz is ~5 MB
MOVES_MAX_EVENTS = 1_000_000  # events in a moves.csv, and samples after resampling
