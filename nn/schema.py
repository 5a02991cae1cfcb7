"""The plain-data formats nn exchanges, and their validation: model exports and worker messages.

Everything here is a JSON-safe dict (numbers, strings, booleans, lists, ``None``). Each ``check_*``
function returns a normalised copy (defaults filled in, arrays as float64 ``np.ndarray``) or raises
``SchemaError`` naming the field and the value. ``encode``/``decode`` turn messages into JSON text
and back, validating on the way, so nothing malformed crosses the worker boundary.

Model export (``Network.export()``, the file ``python -m nn train --out`` writes)::

    {"format_version": 1,
     "params": {"layers": [2, 6, 2], "learning_rate": 0.005, "activation": "linear",
                "output_activation": "linear", "bias": true, "optimizer": "sgd",
                "optimizer_options": {}, "dropout": 0.0, "init": "uniform", "seed": 0},
     "weights": [[[...n_out...] x n_in] per layer],      # w[l][i][j]: neuron i of l -> j of l+1
     "biases":  [[...n_out...] per non-input layer]}

An optional top-level ``"kind": "feedforward"`` is accepted (files without it are feed-forward);
recurrent exports (``"kind": "recurrent"``) are checked by ``nn.recurrent_schema``.

Worker protocol (main -> worker: ``warmup``, ``train``, ``cancel``; worker -> main: ``ready``,
``progress``, ``done``, ``error``; for recurrent networks ``train_recurrent`` and
``done_recurrent``); see ``MESSAGE_TYPES`` and the ``*_message`` builders.
The hyperparameter search's workers add ``dataset`` and ``evaluate`` (main -> worker) and
``result`` (worker -> main), with genomes checked by ``check_genome``.

>>> msg = cancel_message(7)
>>> decode(encode(msg)) == msg
True
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from nn import defaults, safejson
from nn.activations import ACTIVATIONS
from nn.defaults import (
    INPUT_LIMIT,
    MAX_BATCH_SIZE,
    MAX_EPOCHS,
    MAX_LAYERS,
    MAX_SAMPLES,
    MAX_WEIGHTS,
)
from nn.errors import SchemaError
from nn.optimizers import check_options
from nn.validation import check_array, check_bool, check_int, check_real, show

__all__ = [
    "ERROR_KINDS",
    "FORMAT_VERSION",
    "GENES",
    "INITIALISATIONS",
    "INPUT_LIMIT",
    "MAX_BATCH_SIZE",
    "MAX_EPOCHS",
    "MAX_LAYERS",
    "MAX_SAMPLES",
    "MAX_WEIGHTS",
    "MESSAGE_TYPES",
    "PARAM_DEFAULTS",
    "cancel_message",
    "check_biases",
    "check_dataset",
    "check_export",
    "check_genome",
    "check_layers",
    "check_message",
    "check_params",
    "check_summary",
    "check_weights",
    "dataset_message",
    "decode",
    "done_message",
    "done_recurrent_message",
    "encode",
    "error_message",
    "evaluate_message",
    "parse_layers",
    "progress_message",
    "ready_message",
    "result_message",
    "train_message",
    "train_recurrent_message",
    "warmup_message",
]

FORMAT_VERSION = 1

INITIALISATIONS = ("uniform", "scaled")

# What a missing field of ``params`` means (a file without ``output_activation`` is linear).
PARAM_DEFAULTS: dict[str, Any] = {
    "learning_rate": defaults.LEARNING_RATE,
    "activation": defaults.ACTIVATION,
    "output_activation": defaults.OUTPUT_ACTIVATION,
    "bias": defaults.BIAS,
    "optimizer": defaults.OPTIMIZER,
    "optimizer_options": {},
    "dropout": defaults.DROPOUT,
    "init": defaults.INIT,
    "seed": None,
}

Message = dict[str, Any]


# --- small helpers -----------------------------------------------------------------------------


def _require_dict(value: object, name: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise SchemaError(f"{name} must be an object/dict, got {show(value)}")
    return value


def _check_keys(
    obj: Mapping[str, Any], name: str, required: Sequence[str], optional: Sequence[str] = ()
) -> None:
    for key in obj:
        if key not in required and key not in optional:
            raise SchemaError(f"{name} has an unknown field {key!r}")
    for key in required:
        if key not in obj:
            raise SchemaError(f"{name} is missing the field {key!r}")


def _check_seed(value: object, name: str) -> int | None:
    return None if value is None else check_int(value, name, low=0, high=2**63 - 1)


def _optional_real(value: object, name: str, **bounds: Any) -> float | None:
    return None if value is None else check_real(value, name, **bounds)


def _check_str(value: object, name: str, max_length: int = 10_000) -> str:
    if not isinstance(value, str) or len(value) > max_length:
        raise SchemaError(
            f"{name} must be a string of at most {max_length} characters, got {show(value)}"
        )
    return value


# --- network description -----------------------------------------------------------------------


def parse_layers(text: str) -> list[int]:
    """``"2-6-6-2"`` (also ``"2,6,6,2"`` or ``"2 6 6 2"``) -> ``[2, 6, 6, 2]``, validated."""
    if not isinstance(text, str):
        raise SchemaError(f"layers must be text like '2-6-6-2', got {show(text)}")
    sizes: list[object] = []
    for part in re.split(r"\s*[-,]\s*|\s+", text.strip()):
        if not (part.isascii() and part.isdigit() and len(part) <= 18):
            raise SchemaError(
                f"layers must be sizes joined by '-', like '2-6-6-2'; "
                f"{part!r} in {show(text)} is not a whole number"
            )
        sizes.append(int(part))
    return check_layers(sizes)


def check_layers(value: object) -> list[int]:
    """At least 2 positive integer sizes, at most ``MAX_LAYERS`` of them and ``MAX_WEIGHTS``
    weights in total."""
    if not isinstance(value, list | tuple):
        raise SchemaError(f"layers must be a list of sizes like [2, 6, 2], got {show(value)}")
    if not 2 <= len(value) <= MAX_LAYERS:
        raise SchemaError(
            f"layers must list between 2 and {MAX_LAYERS} sizes (input, hidden..., "
            f"output), got {len(value)}: {show(value)}"
        )
    sizes = [check_int(n, f"layers[{i}]", low=1, high=MAX_WEIGHTS) for i, n in enumerate(value)]
    weights = sum(a * b for a, b in itertools.pairwise(sizes))
    if weights > MAX_WEIGHTS:
        raise SchemaError(
            f"layers {sizes} need {weights:,} weights, over the cap of {MAX_WEIGHTS:,}"
        )
    return sizes


def check_params(value: object) -> dict[str, Any]:
    """The ``params`` of an export: ``layers`` required, every other key optional (defaults in
    ``PARAM_DEFAULTS``); unknown keys rejected."""
    obj = _require_dict(value, "params")
    _check_keys(obj, "params", ["layers"], list(PARAM_DEFAULTS))
    merged = {**PARAM_DEFAULTS, **obj}
    activation, output_activation = merged["activation"], merged["output_activation"]
    for name, value in (("activation", activation), ("output_activation", output_activation)):
        if not isinstance(value, str) or value not in ACTIVATIONS:
            raise SchemaError(f"{name} must be one of {list(ACTIVATIONS)}, got {show(value)}")
    init = merged["init"]
    if not isinstance(init, str) or init not in INITIALISATIONS:
        raise SchemaError(f"init must be one of {list(INITIALISATIONS)}, got {show(init)}")
    optimizer = merged["optimizer"]
    optimizer_options = check_options(optimizer, merged["optimizer_options"])
    return {
        "layers": check_layers(merged["layers"]),
        "learning_rate": check_real(merged["learning_rate"], "learning_rate", low=0.0),
        "activation": activation,
        "output_activation": output_activation,
        "bias": check_bool(merged["bias"], "bias"),
        "optimizer": optimizer,
        "optimizer_options": optimizer_options,
        "dropout": check_real(
            merged["dropout"],
            "dropout",
            low=0.0,
            low_inclusive=True,
            high=1.0,
            high_inclusive=False,
        ),
        "init": init,
        "seed": _check_seed(merged["seed"], "seed"),
    }


def check_weights(value: object, layers: Sequence[int]) -> list[np.ndarray]:
    """One ``(n_in, n_out)`` matrix of finite numbers per pair of consecutive layers."""
    pairs = list(itertools.pairwise(layers))
    if not isinstance(value, list | tuple) or len(value) != len(pairs):
        raise SchemaError(
            f"weights must be a list of {len(pairs)} matrices for layers "
            f"{list(layers)}, got {show(value)}"
        )
    return [
        check_array(w, f"weights[{i}]", pair)
        for i, (w, pair) in enumerate(zip(value, pairs, strict=True))
    ]


def check_biases(value: object, layers: Sequence[int], bias: bool) -> list[np.ndarray]:
    """One vector of finite numbers per non-input layer; all zeros when ``bias`` is off."""
    if not isinstance(value, list | tuple) or len(value) != len(layers) - 1:
        raise SchemaError(
            f"biases must be a list of {len(layers) - 1} vectors for layers "
            f"{list(layers)}, got {show(value)}"
        )
    biases = [
        check_array(b, f"biases[{i}]", (n,))
        for i, (b, n) in enumerate(zip(value, layers[1:], strict=True))
    ]
    if not bias:
        for i, b in enumerate(biases):
            if b.any():
                raise SchemaError(
                    f"biases[{i}] must be all zero when bias is false, got {show(b.tolist())}"
                )
    return biases


def check_export(value: object) -> dict[str, Any]:
    """A whole model export: ``format_version``, ``params``, ``weights``, ``biases``."""
    obj = _require_dict(value, "model")
    _check_keys(obj, "model", ["format_version", "params", "weights", "biases"], ["kind"])
    if obj.get("kind", "feedforward") != "feedforward":
        raise SchemaError(
            f"model kind must be 'feedforward' here, got {show(obj['kind'])}; "
            f"nn.load_model reads either kind"
        )
    version = obj["format_version"]
    if version != FORMAT_VERSION or isinstance(version, bool):
        raise SchemaError(f"format_version must be {FORMAT_VERSION}, got {show(version)}")
    params = check_params(obj["params"])
    return {
        "format_version": FORMAT_VERSION,
        "params": params,
        "weights": check_weights(obj["weights"], params["layers"]),
        "biases": check_biases(obj["biases"], params["layers"], params["bias"]),
    }


def check_dataset(
    inputs: object, targets: object, n_inputs: int | None = None, n_targets: int | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """``inputs (N, n_inputs)`` and ``targets (N, n_targets)`` as float64 arrays, with the same N
    (1 <= N <= ``MAX_SAMPLES``) and every value finite and within ``INPUT_LIMIT``."""
    x = check_array(inputs, "inputs", (None, n_inputs), limit=INPUT_LIMIT)
    t = check_array(targets, "targets", (None, n_targets), limit=INPUT_LIMIT)
    if len(x) != len(t):
        raise SchemaError(
            f"inputs and targets must have the same number of samples, got {len(x)} and {len(t)}"
        )
    if len(x) > MAX_SAMPLES:
        raise SchemaError(f"a dataset holds at most {MAX_SAMPLES:,} samples, got {len(x):,}")
    return x, t


# --- worker messages ---------------------------------------------------------------------------


def _run_id(value: object) -> int:
    return check_int(value, "id", low=0, high=2**53)


def _check_warmup(obj: Mapping[str, Any]) -> Message:
    _check_keys(obj, "warmup message", ["type"])
    return {"type": "warmup"}


def _check_ready(obj: Mapping[str, Any]) -> Message:
    _check_keys(obj, "ready message", ["type", "version"])
    return {"type": "ready", "version": _check_str(obj["version"], "version", 100)}


def _check_train(obj: Mapping[str, Any]) -> Message:
    _check_keys(
        obj,
        "train message",
        ["type", "id", "model", "dataset", "epochs"],
        ["batch_size", "shuffle", "seed", "target_error", "progress_interval"],
    )
    model = check_export(obj["model"])
    layers = model["params"]["layers"]
    dataset = _require_dict(obj["dataset"], "dataset")
    _check_keys(dataset, "dataset", ["inputs", "targets"])
    inputs, targets = check_dataset(dataset["inputs"], dataset["targets"], layers[0], layers[-1])
    return {
        "type": "train",
        "id": _run_id(obj["id"]),
        "model": model,
        "dataset": {"inputs": inputs, "targets": targets},
        "epochs": check_int(obj["epochs"], "epochs", high=MAX_EPOCHS),
        "batch_size": check_int(obj.get("batch_size", 1), "batch_size", high=MAX_BATCH_SIZE),
        "shuffle": check_bool(obj.get("shuffle", True), "shuffle"),
        "seed": _check_seed(obj.get("seed"), "seed"),
        "target_error": _optional_real(obj.get("target_error"), "target_error", low=0.0),
        "progress_interval": check_real(
            obj.get("progress_interval", 0.1), "progress_interval", low=0.0, high=60.0
        ),
    }


def _check_cancel(obj: Mapping[str, Any]) -> Message:
    _check_keys(obj, "cancel message", ["type", "id"])
    return {"type": "cancel", "id": _run_id(obj["id"])}


def _check_progress(obj: Mapping[str, Any]) -> Message:
    _check_keys(
        obj,
        "progress message",
        ["type", "id", "epoch", "epochs", "error", "global_mean", "samples_per_s"],
        ["samples"],
    )
    epochs = check_int(obj["epochs"], "epochs", high=MAX_EPOCHS)
    return {
        "type": "progress",
        "id": _run_id(obj["id"]),
        "epoch": check_int(obj["epoch"], "epoch", low=0, high=epochs),
        "epochs": epochs,
        "error": _optional_real(obj["error"], "error", low=0.0, low_inclusive=True),
        "global_mean": _optional_real(
            obj["global_mean"], "global_mean", low=0.0, low_inclusive=True
        ),
        "samples_per_s": check_real(
            obj["samples_per_s"], "samples_per_s", low=0.0, low_inclusive=True
        ),
        "samples": check_int(obj.get("samples", 0), "samples", low=0),
    }


_SUMMARY_FIELDS: dict[str, Callable[[object, str], object]] = {
    "epochs": lambda v, n: check_int(v, n, high=MAX_EPOCHS),
    "epochs_done": lambda v, n: check_int(v, n, low=0, high=MAX_EPOCHS),
    "samples": lambda v, n: check_int(v, n, low=0),
    "seconds": lambda v, n: check_real(v, n, low=0.0, low_inclusive=True),
    "samples_per_s": lambda v, n: check_real(v, n, low=0.0, low_inclusive=True),
    "final_error": lambda v, n: _optional_real(v, n, low=0.0, low_inclusive=True),
    "global_mean": lambda v, n: _optional_real(v, n, low=0.0, low_inclusive=True),
    "stopped": check_bool,
    "diverged": check_bool,
    "reached_target": check_bool,
}


def check_summary(value: object) -> dict[str, Any]:
    """A training summary as ``TrainingSummary.to_dict()`` makes it."""
    obj = _require_dict(value, "summary")
    _check_keys(obj, "summary", list(_SUMMARY_FIELDS))
    return {key: check(obj[key], f"summary.{key}") for key, check in _SUMMARY_FIELDS.items()}


def _check_done(obj: Mapping[str, Any]) -> Message:
    _check_keys(obj, "done message", ["type", "id", "weights", "biases", "summary"])
    weights = obj["weights"]
    if not isinstance(weights, list | tuple) or not weights:
        raise SchemaError(f"weights must be a non-empty list of matrices, got {show(weights)}")
    # The layer sizes follow from the matrices themselves: n_in of each, then n_out of the last.
    checked = [check_array(w, f"weights[{i}]", (None, None)) for i, w in enumerate(weights)]
    layers = [w.shape[0] for w in checked] + [checked[-1].shape[1]]
    return {
        "type": "done",
        "id": _run_id(obj["id"]),
        "weights": check_weights(weights, layers),
        "biases": check_biases(obj["biases"], layers, bias=True),  # zeros are biases too
        "summary": check_summary(obj["summary"]),
    }


ERROR_KINDS = ("invalid", "divergence", "internal")


def _check_error(obj: Mapping[str, Any]) -> Message:
    _check_keys(obj, "error message", ["type", "id", "message"], ["kind"])
    kind = obj.get("kind", "internal")
    if kind not in ERROR_KINDS:
        raise SchemaError(f"kind must be one of {list(ERROR_KINDS)}, got {show(kind)}")
    return {
        "type": "error",
        "id": None if obj["id"] is None else _run_id(obj["id"]),
        "message": _check_str(obj["message"], "message"),
        "kind": kind,
    }


# type -> validator. Direction: warmup/train/cancel go main -> worker, the rest worker -> main.
MESSAGE_TYPES: dict[str, Callable[[Mapping[str, Any]], Message]] = {
    "warmup": _check_warmup,
    "train": _check_train,
    "cancel": _check_cancel,
    "ready": _check_ready,
    "progress": _check_progress,
    "done": _check_done,
    "error": _check_error,
    # nn.recurrent_schema adds train_recurrent (main -> worker) and done_recurrent (worker ->
    # main) when it is imported, as the nn package does: it builds on this module, not the reverse.
}


def check_message(value: object) -> Message:
    """Validate any protocol message; return it normalised (arrays as ``np.ndarray``)."""
    obj = _require_dict(value, "message")
    kind = obj.get("type")
    if not isinstance(kind, str) or kind not in MESSAGE_TYPES:
        raise SchemaError(f"message type must be one of {list(MESSAGE_TYPES)}, got {show(kind)}")
    return MESSAGE_TYPES[kind](obj)


def _to_plain(value: Any) -> Any:
    """Arrays and numpy scalars -> lists and Python numbers, recursively (for JSON)."""
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, Mapping):
        return {key: _to_plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_to_plain(item) for item in value]
    if isinstance(value, np.generic):
        return value.item()
    return value


def encode(message: Mapping[str, Any]) -> str:
    """Validate a message and return it as JSON text (NaN and infinity are never written)."""
    return json.dumps(_to_plain(check_message(message)), allow_nan=False, separators=(",", ":"))


def decode(text: object) -> Message:
    """Parse JSON text (or UTF-8 bytes) and validate it as a message; malformed, oversized or
    too deeply nested input raises ``SchemaError`` before anything recursive sees it."""
    return check_message(safejson.loads(text, "message", defaults.MESSAGE_MAX_BYTES))


# --- builders (each returns a validated, JSON-safe message) -------------------------------------


def _plain_message(message: Message) -> Message:
    return _to_plain(check_message(message))


def warmup_message() -> Message:
    """main -> worker: load numpy and nn now, answer ``ready``."""
    return {"type": "warmup"}


def ready_message(version: str) -> Message:
    """worker -> main: the worker has imported nn ``version`` and waits for ``train``."""
    return _plain_message({"type": "ready", "version": version})


def train_message(
    run_id: int,
    model: Mapping[str, Any],
    inputs: object,
    targets: object,
    epochs: int,
    *,
    batch_size: int = defaults.BATCH_SIZE,
    shuffle: bool = True,
    seed: int | None = None,
    target_error: float | None = None,
    progress_interval: float = 0.1,
) -> Message:
    """main -> worker: train a copy of ``model`` (a ``Network.export()``) on the dataset."""
    return _plain_message(
        {
            "type": "train",
            "id": run_id,
            "model": model,
            "dataset": {"inputs": inputs, "targets": targets},
            "epochs": epochs,
            "batch_size": batch_size,
            "shuffle": shuffle,
            "seed": seed,
            "target_error": target_error,
            "progress_interval": progress_interval,
        }
    )


def cancel_message(run_id: int) -> Message:
    """main -> worker: stop run ``run_id`` as soon as possible."""
    return _plain_message({"type": "cancel", "id": run_id})


def progress_message(
    run_id: int,
    epoch: int,
    epochs: int,
    error: float | None,
    global_mean: float | None,
    samples_per_s: float,
    samples: int = 0,
) -> Message:
    """worker -> main: ``epoch`` of ``epochs`` done; ``error`` is that epoch's mean output error,
    ``global_mean`` the mean over every sample seen so far."""
    return _plain_message(
        {
            "type": "progress",
            "id": run_id,
            "epoch": epoch,
            "epochs": epochs,
            "error": error,
            "global_mean": global_mean,
            "samples_per_s": samples_per_s,
            "samples": samples,
        }
    )


def done_message(
    run_id: int, weights: object, biases: object, summary: Mapping[str, Any]
) -> Message:
    """worker -> main: training ended (finished, stopped or reached its target)."""
    return _plain_message(
        {
            "type": "done",
            "id": run_id,
            "weights": weights,
            "biases": biases,
            "summary": summary,
        }
    )


def error_message(run_id: int | None, message: str, kind: str = "internal") -> Message:
    """worker -> main: run ``run_id`` (``None`` when unknown) failed; ``kind`` is ``invalid``
    (a rejected message), ``divergence`` (lower the learning rate) or ``internal``."""
    if isinstance(message, str) and len(message) > 10_000:
        message = message[:9_997] + "..."
    return _plain_message({"type": "error", "id": run_id, "message": message, "kind": kind})


def train_recurrent_message(
    run_id: int,
    model: Mapping[str, Any],
    inputs: object,
    targets: object,
    epochs: int,
    *,
    batch_size: int = defaults.RECURRENT_PRETRAIN["batch_size"],
    seed: int | None = None,
    target_error: float | None = None,
    progress_interval: float = 0.1,
) -> Message:
    """main -> worker: train a copy of a recurrent ``model`` on sequences ``(S, T, n)``."""
    return _plain_message(
        {
            "type": "train_recurrent",
            "id": run_id,
            "model": model,
            "dataset": {"inputs": inputs, "targets": targets},
            "epochs": epochs,
            "batch_size": batch_size,
            "seed": seed,
            "target_error": target_error,
            "progress_interval": progress_interval,
        }
    )


# --- hyperparameter search: genomes and the evolve workers' messages ----------------------------
#
# main -> worker: ``dataset`` {id, train: {inputs, targets}, validation: {inputs, targets}} once
# per worker and search, then ``evaluate`` {id, data, genome, seed, budget} per individual;
# worker -> main: ``ready``, ``result`` {id, error, parameters, samples, seconds, reason, model}
# or ``error``. ``nn.evolve.evaluate`` does the work on both sides of the boundary.

GENES = ("layers", "activation", "learning_rate", "optimizer", "batch_size", "bias", "init")


def check_genome(value: object) -> dict[str, Any]:
    """A genome: ``layers`` (hidden sizes only, may be empty), ``activation``,
    ``learning_rate``, ``optimizer``, ``batch_size``, ``bias``, ``init``; all required."""
    obj = _require_dict(value, "genome")
    _check_keys(obj, "genome", GENES)
    hidden = obj["layers"]
    if not isinstance(hidden, list | tuple) or len(hidden) > MAX_LAYERS - 2:
        raise SchemaError(
            f"genome.layers must be a list of at most {MAX_LAYERS - 2} hidden sizes, "
            f"got {show(hidden)}"
        )
    activation = obj["activation"]
    if not isinstance(activation, str) or activation not in ACTIVATIONS:
        raise SchemaError(
            f"genome.activation must be one of {list(ACTIVATIONS)}, got {show(activation)}"
        )
    init = obj["init"]
    if not isinstance(init, str) or init not in INITIALISATIONS:
        raise SchemaError(f"genome.init must be one of {list(INITIALISATIONS)}, got {show(init)}")
    check_options(obj["optimizer"], {})
    return {
        "layers": [
            check_int(n, f"genome.layers[{i}]", high=MAX_WEIGHTS) for i, n in enumerate(hidden)
        ],
        "activation": activation,
        "learning_rate": check_real(obj["learning_rate"], "genome.learning_rate", low=0.0),
        "optimizer": obj["optimizer"],
        "batch_size": check_int(obj["batch_size"], "genome.batch_size", high=MAX_BATCH_SIZE),
        "bias": check_bool(obj["bias"], "genome.bias"),
        "init": init,
    }


def _check_split(value: object, name: str) -> dict[str, np.ndarray]:
    obj = _require_dict(value, name)
    _check_keys(obj, name, ["inputs", "targets"])
    inputs, targets = check_dataset(obj["inputs"], obj["targets"])
    return {"inputs": inputs, "targets": targets}


def _check_dataset_message(obj: Mapping[str, Any]) -> Message:
    _check_keys(obj, "dataset message", ["type", "id", "train", "validation"])
    train = _check_split(obj["train"], "train")
    validation = _check_split(obj["validation"], "validation")
    for key in ("inputs", "targets"):
        if train[key].shape[1] != validation[key].shape[1]:
            raise SchemaError(
                f"train and validation {key} must have the same width, got "
                f"{train[key].shape[1]} and {validation[key].shape[1]}"
            )
    return {"type": "dataset", "id": _run_id(obj["id"]), "train": train, "validation": validation}


def _check_evaluate(obj: Mapping[str, Any]) -> Message:
    _check_keys(obj, "evaluate message", ["type", "id", "data", "genome", "seed", "budget"])
    return {
        "type": "evaluate",
        "id": _run_id(obj["id"]),
        "data": _run_id(obj["data"]),
        "genome": check_genome(obj["genome"]),
        "seed": check_int(obj["seed"], "seed", low=0, high=2**53),
        "budget": check_int(obj["budget"], "budget", high=MAX_SAMPLES),
    }


def _check_result(obj: Mapping[str, Any]) -> Message:
    _check_keys(
        obj,
        "result message",
        ["type", "id", "error", "parameters", "samples", "seconds", "reason", "model"],
    )
    reason = obj["reason"]
    model = obj["model"]
    error = _optional_real(obj["error"], "error", low=0.0, low_inclusive=True)
    if (error is None) == (reason is None):
        raise SchemaError(
            f"a result has either an error or a reason, got error {show(obj['error'])} "
            f"and reason {show(reason)}"
        )
    return {
        "type": "result",
        "id": _run_id(obj["id"]),
        "error": error,
        "parameters": check_int(obj["parameters"], "parameters", low=0, high=MAX_WEIGHTS * 2),
        "samples": check_int(obj["samples"], "samples", low=0),
        "seconds": check_real(obj["seconds"], "seconds", low=0.0, low_inclusive=True),
        "reason": None if reason is None else _check_str(reason, "reason"),
        "model": None if model is None else check_export(model),
    }


MESSAGE_TYPES.update(
    {"dataset": _check_dataset_message, "evaluate": _check_evaluate, "result": _check_result}
)


def dataset_message(
    data_id: int, train: tuple[object, object], validation: tuple[object, object]
) -> Message:
    """main -> evolve worker: the search's dataset, split into ``train`` and ``validation``
    ``(inputs, targets)`` pairs; sent once per worker."""
    return _plain_message(
        {
            "type": "dataset",
            "id": data_id,
            "train": {"inputs": train[0], "targets": train[1]},
            "validation": {"inputs": validation[0], "targets": validation[1]},
        }
    )


def done_recurrent_message(
    run_id: int, model: Mapping[str, Any], summary: Mapping[str, Any]
) -> Message:
    """worker -> main: a recurrent training ended; ``model`` is the trained export."""
    return _plain_message(
        {"type": "done_recurrent", "id": run_id, "model": model, "summary": summary}
    )


def evaluate_message(
    run_id: int, data_id: int, genome: Mapping[str, Any], seed: int, budget: int
) -> Message:
    """main -> evolve worker: train a fresh network from ``genome`` for ``budget`` samples on
    dataset ``data_id``, seeded by ``seed``; answer ``result``."""
    return _plain_message(
        {
            "type": "evaluate",
            "id": run_id,
            "data": data_id,
            "genome": dict(genome),
            "seed": seed,
            "budget": budget,
        }
    )


def result_message(run_id: int, result: Mapping[str, Any]) -> Message:
    """evolve worker -> main: what ``nn.evolve.evaluate`` returned for run ``run_id``."""
    keys = ("error", "parameters", "samples", "seconds", "reason", "model")
    return _plain_message({"type": "result", "id": run_id, **{k: result[k] for k in keys}})
