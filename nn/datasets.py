"""Datasets for the identity task: random points, recorded pointer positions, JSON and CSV text.

A dataset is a pair of float64 arrays ``inputs (N, n_in)`` and ``targets (N, n_out)``. Parsing
and dumping work on strings only (no files), and parsing validates everything: a bad value is
reported with its line (CSV) or its index (JSON).

JSON text: ``{"format_version": 1, "inputs": [[x, y], ...], "targets": [[x, y], ...]}``; the
original demo's list of ``{"inputs": [...], "targets": [...]}`` objects is read too.
CSV text: a header ``input_0,input_1,target_0,target_1`` then one sample per line.

>>> inputs, targets = random_dataset(3, seed=0)
>>> inputs.shape, bool((inputs == targets).all())
((3, 2), True)
>>> parse_csv(dump_csv(inputs, targets))[0].shape
(3, 2)
"""

from __future__ import annotations

import csv
import io
import json
import math
from typing import Any

import numpy as np

from nn import safejson
from nn.coords import from_pixels
from nn.defaults import DATASET_MAX_BYTES
from nn.errors import SchemaError
from nn.schema import FORMAT_VERSION, INPUT_LIMIT, MAX_SAMPLES, check_dataset
from nn.validation import check_int, show

__all__ = [
    "dataset_from_points",
    "dump_csv",
    "dump_json",
    "parse_csv",
    "parse_json",
    "random_dataset",
]

Dataset = tuple[np.ndarray, np.ndarray]


def random_dataset(
    n: int, seed: int | None = None, *, rng: np.random.Generator | None = None, size: int = 2
) -> Dataset:
    """``n`` points uniform in [-1, 1]^size with identity targets (a copy of the inputs)."""
    n = check_int(n, "n", high=MAX_SAMPLES)
    size = check_int(size, "size", high=1_000)
    generator = rng if rng is not None else np.random.default_rng(seed)
    inputs = generator.uniform(-1.0, 1.0, size=(n, size))  # (n, size)
    return inputs, inputs.copy()


def dataset_from_points(
    points: object,
    width: float | None = None,
    height: float | None = None,
    factor: float = 1.0,
) -> Dataset:
    """Recorded positions ``(N, 2)`` -> an identity dataset. Given a canvas ``width`` and
    ``height`` the points are pixels and get normalised (see ``nn.coords``); otherwise they are
    taken as network coordinates already."""
    if (width is None) != (height is None):
        raise SchemaError("give both width and height (pixels) or neither (network coordinates)")
    if width is not None and height is not None:
        inputs = from_pixels(points, width, height, factor).reshape(-1, 2)
    else:
        inputs = np.asarray(points, dtype=np.float64) if isinstance(points, np.ndarray) else points
    inputs, targets = check_dataset(inputs, inputs)
    return inputs, targets.copy()


def dump_json(inputs: object, targets: object) -> str:
    """The dataset as JSON text (validated first)."""
    x, t = check_dataset(inputs, targets)
    return json.dumps(
        {"format_version": FORMAT_VERSION, "inputs": x.tolist(), "targets": t.tolist()},
        allow_nan=False,
    )


def parse_json(text: str, n_inputs: int | None = None, n_targets: int | None = None) -> Dataset:
    """JSON text -> ``(inputs, targets)``, checked against the layer sizes when given."""
    data = _load_json(text)
    if isinstance(data, list):  # the original demo's [{"inputs": [...], "targets": [...]}, ...]
        for i, item in enumerate(data):
            if not isinstance(item, dict) or set(item) != {"inputs", "targets"}:
                raise SchemaError(
                    f"dataset item [{i}] must be an object with 'inputs' and "
                    f"'targets', got {show(item)}"
                )
        inputs: Any = [item["inputs"] for item in data]
        targets: Any = [item["targets"] for item in data]
    elif isinstance(data, dict):
        if set(data) != {"format_version", "inputs", "targets"}:
            raise SchemaError(
                f"a dataset object has exactly the fields format_version, inputs "
                f"and targets; got {sorted(data)}"
            )
        if data["format_version"] != FORMAT_VERSION or isinstance(data["format_version"], bool):
            raise SchemaError(
                f"dataset format_version must be {FORMAT_VERSION}, "
                f"got {show(data['format_version'])}"
            )
        inputs, targets = data["inputs"], data["targets"]
    else:
        raise SchemaError(f"a dataset must be a JSON object or list, got {show(data)}")
    return check_dataset(inputs, targets, n_inputs, n_targets)


def _load_json(text: object) -> Any:
    if not isinstance(text, str):
        raise SchemaError(f"dataset text must be a string, got {show(text)}")
    return safejson.loads(text, "the dataset", DATASET_MAX_BYTES)


def dump_csv(inputs: object, targets: object) -> str:
    """The dataset as CSV text with a header row."""
    x, t = check_dataset(inputs, targets)
    header = [f"input_{i}" for i in range(x.shape[1])] + [f"target_{i}" for i in range(t.shape[1])]
    lines = [",".join(header)]
    lines += [",".join(repr(float(v)) for v in row) for row in np.hstack([x, t])]
    return "\n".join(lines) + "\n"


def parse_csv(text: str, n_inputs: int | None = None, n_targets: int | None = None) -> Dataset:
    """CSV text (header ``input_0,...,target_0,...``) -> ``(inputs, targets)``."""
    if not isinstance(text, str):
        raise SchemaError(f"dataset text must be a string, got {show(text)}")
    text = safejson.check_text(text, "the dataset", DATASET_MAX_BYTES)
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        rows = [(reader.line_num, row) for row in reader if any(cell.strip() for cell in row)]
    except csv.Error as exc:
        raise SchemaError(f"line {reader.line_num}: not valid CSV ({exc})") from None
    if not rows:
        raise SchemaError("the CSV dataset is empty: it needs a header and at least one row")
    header = [cell.strip() for cell in rows[0][1]]
    n_in = sum(1 for name in header if name.startswith("input_"))
    expected = [f"input_{i}" for i in range(n_in)] + [
        f"target_{i}" for i in range(len(header) - n_in)
    ]
    if header != expected or n_in == 0 or n_in == len(header):
        raise SchemaError(
            f"line 1: the CSV header must be like "
            f"input_0,input_1,target_0,target_1; got {','.join(header)!r}"
        )
    if len(rows) - 1 > MAX_SAMPLES:
        raise SchemaError(f"a dataset holds at most {MAX_SAMPLES:,} samples, got {len(rows) - 1:,}")
    values = np.empty((len(rows) - 1, len(header)))
    for i, (number, row) in enumerate(rows[1:]):
        if len(row) != len(header):
            raise SchemaError(f"line {number}: expected {len(header)} values, got {len(row)}")
        for j, cell in enumerate(row):
            try:
                value = float(cell)
            except ValueError:
                value = math.nan
            if not abs(value) <= INPUT_LIMIT:  # also rejects nan and inf
                raise SchemaError(
                    f"line {number}, column {header[j]}: {cell.strip()!r} is not "
                    f"a finite number of size <= {INPUT_LIMIT:g}"
                )
            values[i, j] = value
    if len(values) == 0:
        raise SchemaError("the CSV dataset has a header but no samples")
    return check_dataset(values[:, :n_in], values[:, n_in:], n_inputs, n_targets)
