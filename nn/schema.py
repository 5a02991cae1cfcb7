"""The plain-data formats nn exchanges, and their validation: model exports and worker messages.

Everything here is a JSON-safe dict (numbers, strings, booleans, lists, ``None``). Each ``check_*``
function returns a normalised copy (defaults filled in, arrays as float64 ``np.ndarray``) or raises
``SchemaError`` naming the field and the value. ``encode``/``decode`` turn messages into JSON text
and back, validating on the way, so nothing malformed crosses the worker boundary.

Model export (``Network.export()``, the file ``python -m nn train --out`` writes)::

    {"format_version": 1,
     "params": {"layers": [2, 6, 2], "learning_rate": 0.005, "activation": "linear",
                "bias": true, "optimizer": "sgd", "optimizer_options": {}, "dropout": 0.0,
                "init": "uniform", "seed": 0},
     "weights": [[[...n_out...] x n_in] per layer],      # w[l][i][j]: neuron i of l -> j of l+1
     "biases":  [[...n_out...] per non-input layer]}

Worker protocol (main -> worker: ``warmup``, ``train``, ``cancel``; worker -> main: ``ready``,
``progress``, ``done``, ``error``); see ``MESSAGE_TYPES`` and the ``*_message`` builders.

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

from nn.activations import ACTIVATIONS
from nn.errors import SchemaError
from nn.guard import INPUT_LIMIT
from nn.optimizers import check_options
from nn.validation import check_array, check_bool, check_int, check_real, show

__all__ = [
    "ERROR_KINDS",
    "FORMAT_VERSION",
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
    "check_layers",
    "check_message",
    "check_params",
    "check_summary",
    "check_weights",
    "decode",
    "done_message",
    "encode",
    "error_message",
    "parse_layers",
    "progress_message",
    "ready_message",
    "train_message",
    "warmup_message",
]

FORMAT_VERSION = 1

# Caps that keep a typo ("2-6000000-2") from freezing a browser tab.
MAX_LAYERS = 64
MAX_WEIGHTS = 1_000_000
MAX_SAMPLES = 1_000_000
MAX_EPOCHS = 1_000_000
MAX_BATCH_SIZE = 65_536

INITIALISATIONS = ("uniform", "scaled")

PARAM_DEFAULTS: dict[str, Any] = {
    "learning_rate": 0.005,
    "activation": "linear",
    "bias": True,
    "optimizer": "sgd",
    "optimizer_options": {},
    "dropout": 0.0,
    "init": "uniform",
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
    activation = merged["activation"]
    if not isinstance(activation, str) or activation not in ACTIVATIONS:
        raise SchemaError(f"activation must be one of {list(ACTIVATIONS)}, got {show(activation)}")
    init = merged["init"]
    if not isinstance(init, str) or init not in INITIALISATIONS:
        raise SchemaError(f"init must be one of {list(INITIALISATIONS)}, got {show(init)}")
    optimizer = merged["optimizer"]
    optimizer_options = check_options(optimizer, merged["optimizer_options"])
    return {
        "layers": check_layers(merged["layers"]),
        "learning_rate": check_real(merged["learning_rate"], "learning_rate", low=0.0),
        "activation": activation,
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


def check_biases(value: object, layers: Sequence[int], bias: bool = True) -> list[np.ndarray]:
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
    _check_keys(obj, "model", ["format_version", "params", "weights", "biases"])
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
        "biases": check_biases(obj["biases"], layers),
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
    # Imported here: nn.safejson reads its limits from nn.defaults, which imports this module.
    from nn.defaults import MESSAGE_MAX_BYTES
    from nn.safejson import loads

    return check_message(loads(text, "message", MESSAGE_MAX_BYTES))


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
    batch_size: int = 1,
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
