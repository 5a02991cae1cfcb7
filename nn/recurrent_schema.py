"""The plain data of recurrent networks, and its validation: params, model exports, sequences,
and the worker messages of a recurrent pre-training.

A recurrent model export has the feed-forward format's fields plus ``"kind": "recurrent"``;
``layers`` is ``[inputs, hidden, outputs]``, ``weights`` the three matrices ``[W_x, W_h, W_y]`` and
``biases`` the two vectors ``[b_h, b_y]``::

    {"format_version": 1, "kind": "recurrent",
     "params": {"layers": [4, 16, 2], "learning_rate": 0.01, "activation": "tanh",
                "optimizer": "adam", "optimizer_options": {}, "bptt": 16, "clip": 1.0,
                "seed": 0},
     "weights": [W_x (4, 16), W_h (16, 16), W_y (16, 2)],
     "biases":  [b_h (16,), b_y (2,)]}

A sequence dataset is ``inputs (S, T, n_in)`` and ``targets (S, T, n_out)``: S sequences of T steps.

>>> check_recurrent_params({"layers": [4, 8, 2]})["bptt"]
16
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from nn.activations import ACTIVATIONS
from nn.defaults import RECURRENT_DEFAULTS, RECURRENT_LIMITS
from nn.errors import SchemaError
from nn.guard import INPUT_LIMIT
from nn.optimizers import check_options
from nn.schema import (
    FORMAT_VERSION,
    MAX_BATCH_SIZE,
    MAX_EPOCHS,
    MESSAGE_TYPES,
    _check_keys,
    _check_seed,
    _optional_real,
    _require_dict,
    _run_id,
    check_summary,
)
from nn.validation import check_array, check_int, check_real, show

__all__ = [
    "KINDS",
    "RECURRENT_PARAM_DEFAULTS",
    "check_recurrent_export",
    "check_recurrent_params",
    "check_sequences",
    "model_kind",
]

KINDS = ("feedforward", "recurrent")

RECURRENT_PARAM_DEFAULTS: dict[str, Any] = {
    "learning_rate": RECURRENT_DEFAULTS["learning_rate"],
    "activation": RECURRENT_DEFAULTS["activation"],
    "optimizer": RECURRENT_DEFAULTS["optimizer"],
    "optimizer_options": {},
    "bptt": RECURRENT_DEFAULTS["bptt"],
    "clip": RECURRENT_DEFAULTS["clip"],
    "seed": None,
}


def model_kind(value: object) -> str:
    """The ``kind`` of a model export: ``feedforward`` when absent (files from before kinds)."""
    obj = _require_dict(value, "model")
    kind = obj.get("kind", "feedforward")
    if not isinstance(kind, str) or kind not in KINDS:
        raise SchemaError(f"model kind must be one of {list(KINDS)}, got {show(kind)}")
    return kind


def check_recurrent_layers(value: object) -> list[int]:
    """``[inputs, hidden, outputs]``, each at least 1, hidden at most ``max_hidden``."""
    if not isinstance(value, list | tuple) or len(value) != 3:
        raise SchemaError(
            f"a recurrent network's layers are [inputs, hidden, outputs], got {show(value)}"
        )
    n_in = check_int(value[0], "layers[0] (inputs)", high=10_000)
    hidden = check_int(value[1], "layers[1] (hidden)", high=int(RECURRENT_LIMITS["max_hidden"]))
    n_out = check_int(value[2], "layers[2] (outputs)", high=10_000)
    return [n_in, hidden, n_out]


def check_recurrent_params(value: object) -> dict[str, Any]:
    """The ``params`` of a recurrent export: ``layers`` required, the rest optional (defaults in
    ``RECURRENT_PARAM_DEFAULTS``); unknown keys rejected."""
    obj = _require_dict(value, "params")
    _check_keys(obj, "params", ["layers"], list(RECURRENT_PARAM_DEFAULTS))
    merged = {**RECURRENT_PARAM_DEFAULTS, **obj}
    activation = merged["activation"]
    if not isinstance(activation, str) or activation not in ACTIVATIONS:
        raise SchemaError(f"activation must be one of {list(ACTIVATIONS)}, got {show(activation)}")
    optimizer = merged["optimizer"]
    return {
        "layers": check_recurrent_layers(merged["layers"]),
        "learning_rate": check_real(merged["learning_rate"], "learning_rate", low=0.0),
        "activation": activation,
        "optimizer": optimizer,
        "optimizer_options": check_options(optimizer, merged["optimizer_options"]),
        "bptt": check_int(merged["bptt"], "bptt", high=int(RECURRENT_LIMITS["max_bptt"])),
        "clip": check_real(merged["clip"], "clip", low=0.0, high=RECURRENT_LIMITS["max_clip"]),
        "seed": _check_seed(merged["seed"], "seed"),
    }


def check_recurrent_export(value: object) -> dict[str, Any]:
    """A whole recurrent export; weights and biases as float64 arrays of the right shapes."""
    obj = _require_dict(value, "model")
    _check_keys(obj, "model", ["format_version", "kind", "params", "weights", "biases"])
    version = obj["format_version"]
    if version != FORMAT_VERSION or isinstance(version, bool):
        raise SchemaError(f"format_version must be {FORMAT_VERSION}, got {show(version)}")
    if model_kind(obj) != "recurrent":
        raise SchemaError(f"model kind must be 'recurrent' here, got {show(obj['kind'])}")
    params = check_recurrent_params(obj["params"])
    n_in, hidden, n_out = params["layers"]
    weights, biases = obj["weights"], obj["biases"]
    if not isinstance(weights, list | tuple) or len(weights) != 3:
        raise SchemaError(f"weights must be the 3 matrices [W_x, W_h, W_y], got {show(weights)}")
    if not isinstance(biases, list | tuple) or len(biases) != 2:
        raise SchemaError(f"biases must be the 2 vectors [b_h, b_y], got {show(biases)}")
    shapes = [(n_in, hidden), (hidden, hidden), (hidden, n_out)]
    names = ["weights[0] (W_x)", "weights[1] (W_h)", "weights[2] (W_y)"]
    return {
        "format_version": FORMAT_VERSION,
        "kind": "recurrent",
        "params": params,
        "weights": [check_array(w, n, s) for w, n, s in zip(weights, names, shapes, strict=True)],
        "biases": [
            check_array(biases[0], "biases[0] (b_h)", (hidden,)),
            check_array(biases[1], "biases[1] (b_y)", (n_out,)),
        ],
    }


def check_sequences(
    inputs: object, targets: object, n_inputs: int | None = None, n_targets: int | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """``inputs (S, T, n_in)`` and ``targets (S, T, n_out)`` with the same S and T, every value
    finite and within ``INPUT_LIMIT``, S and T within ``RECURRENT_LIMITS``."""
    x = check_array(inputs, "inputs", (None, None, n_inputs), limit=INPUT_LIMIT)
    t = check_array(targets, "targets", (None, None, n_targets), limit=INPUT_LIMIT)
    if x.shape[:2] != t.shape[:2]:
        raise SchemaError(
            f"inputs and targets must have the same sequences and steps, got {x.shape[:2]} "
            f"and {t.shape[:2]}"
        )
    if len(x) > RECURRENT_LIMITS["max_sequences"]:
        raise SchemaError(
            f"a sequence dataset holds at most {RECURRENT_LIMITS['max_sequences']:,} "
            f"sequences, got {len(x):,}"
        )
    if x.shape[1] > RECURRENT_LIMITS["max_sequence"]:
        raise SchemaError(
            f"a sequence has at most {RECURRENT_LIMITS['max_sequence']:,} steps, got {x.shape[1]:,}"
        )
    return x, t


# --- worker messages of a recurrent pre-training ------------------------------------------------


def check_train_recurrent(obj: Mapping[str, Any]) -> dict[str, Any]:
    """main -> worker: train a copy of a recurrent ``model`` on sequences."""
    _check_keys(
        obj,
        "train_recurrent message",
        ["type", "id", "model", "dataset", "epochs"],
        ["batch_size", "seed", "target_error", "progress_interval"],
    )
    model = check_recurrent_export(obj["model"])
    n_in, _, n_out = model["params"]["layers"]
    dataset = _require_dict(obj["dataset"], "dataset")
    _check_keys(dataset, "dataset", ["inputs", "targets"])
    inputs, targets = check_sequences(dataset["inputs"], dataset["targets"], n_in, n_out)
    return {
        "type": "train_recurrent",
        "id": _run_id(obj["id"]),
        "model": model,
        "dataset": {"inputs": inputs, "targets": targets},
        "epochs": check_int(obj["epochs"], "epochs", high=MAX_EPOCHS),
        "batch_size": check_int(obj.get("batch_size", 32), "batch_size", high=MAX_BATCH_SIZE),
        "seed": _check_seed(obj.get("seed"), "seed"),
        "target_error": _optional_real(obj.get("target_error"), "target_error", low=0.0),
        "progress_interval": check_real(
            obj.get("progress_interval", 0.1), "progress_interval", low=0.0, high=60.0
        ),
    }


def check_done_recurrent(obj: Mapping[str, Any]) -> dict[str, Any]:
    """worker -> main: the trained recurrent model and the run's summary."""
    _check_keys(obj, "done_recurrent message", ["type", "id", "model", "summary"])
    return {
        "type": "done_recurrent",
        "id": _run_id(obj["id"]),
        "model": check_recurrent_export(obj["model"]),
        "summary": check_summary(obj["summary"]),
    }


# The recurrent pre-training messages join the one message table.
MESSAGE_TYPES["train_recurrent"] = check_train_recurrent  # main -> worker
MESSAGE_TYPES["done_recurrent"] = check_done_recurrent  # worker -> main
