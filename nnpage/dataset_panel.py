"""The pre-training dataset: random points, the learner's recorded moves, or an imported file.

Part of the ``#pretrain`` panel (``pretrain.py`` owns the worker; this module only decides what
the network trains on). Datasets are parsed and written by the core (``nn.datasets``: JSON or
CSV text); nothing here touches the network.

Usage (pretrain.py)::

    datasets = DatasetPanel(app, elements, say, guard)
    inputs, targets = datasets.current()     # (N, 2) arrays for the source the panel names
"""

from __future__ import annotations

import numpy as np
from pyodide.ffi import create_once_callable

from nn import NNError, dataset_from_points, dump_json, parse_csv, parse_json
from nn.defaults import DATASET_MAX_BYTES
from nnpage.download import download

__all__ = ["MAX_SAMPLES", "DatasetPanel", "read_int"]

# Samples the page generates, records or imports: a 100,000-sample train message is ~8 MB of JSON,
# built on the main thread (about 0.3 s); more would stall the page.
MAX_SAMPLES = 100_000
# Generated and recorded points are rounded to 1e-6 (a thousandth of a pixel): it halves the
# time the main thread spends writing them as JSON.
DECIMALS = 6


def read_int(control, label: str, low: int, high: int) -> int:
    """The whole number in a form control, or an ``NNError`` naming the control and the text."""
    text = str(control.value).strip()
    if not text.isascii() or not text.isdigit() or not low <= int(text) <= high:
        control.setAttribute("aria-invalid", "true")
        raise NNError(f"{label} must be a whole number from {low:,} to {high:,}; got {text!r}.")
    control.removeAttribute("aria-invalid")
    return int(text)


class DatasetPanel:
    """The dataset controls of ``#pretrain``: source, size, Record, Export and Import."""

    def __init__(self, app, el: dict, say, guard):
        self.app = app
        self.el = el  # the panel's elements by id, looked up once by pretrain.py
        self.say = say
        self.guard = guard  # runs a handler, turning a failure into an alert
        self.recorded: list[tuple[float, float]] = []  # network coordinates
        self.imported: tuple[np.ndarray, np.ndarray] | None = None
        self.recording = False

    def current(self) -> tuple[np.ndarray, np.ndarray]:
        """The dataset the panel's source names, as ``inputs, targets`` (N, 2) arrays."""
        source = self.el["dataset-source"].value
        if source == "recorded":
            if not self.recorded:
                raise NNError(
                    "No recorded moves yet: press Record my moves, move over the "
                    "canvas, then pre-train."
                )
            return dataset_from_points(np.round(self.recorded, DECIMALS))
        if source == "imported":
            if self.imported is None:
                raise NNError("No dataset imported yet: choose a file with Import dataset.")
            return self.imported
        n = read_int(self.el["dataset-size"], "Samples", 1, MAX_SAMPLES)
        width, height = self.app.canvas_size()
        rng = np.random.default_rng(self.app.settings.seed)
        pixels = rng.uniform((0.0, 0.0), (width, height), size=(n, 2))  # (n, 2) CSS px
        inputs, _ = dataset_from_points(pixels, width, height, self.app.settings.normalization)
        return dataset_from_points(np.round(inputs, DECIMALS))

    def toggle_recording(self) -> None:
        self.recording = not self.recording
        button = self.el["record-toggle"]
        button.setAttribute("aria-pressed", "true" if self.recording else "false")
        self.app.trainer.recorder = self._record if self.recording else None
        if self.recording:
            self.recorded.clear()
            button.textContent = "Stop recording"
            self.say("Recording: move over the canvas.")
        else:
            button.textContent = "Record my moves"
            self.el["dataset-source"].value = "recorded"
            self.say(f"Recorded {len(self.recorded):,} moves.")

    def _record(self, x: float, y: float) -> None:
        if len(self.recorded) < MAX_SAMPLES:
            self.recorded.append((x, y))

    def export(self) -> None:
        inputs, targets = self.current()
        download(dump_json(inputs, targets), "nn-dataset.json")
        self.say(f"Exported {len(inputs):,} samples as nn-dataset.json.")

    def import_file(self) -> None:
        files = self.el["dataset-import"].files
        if files.length:
            file = files.item(0)
            if file.size > DATASET_MAX_BYTES or file.size == 0:
                self.el["dataset-import"].value = ""
                size = "empty" if file.size == 0 else f"{file.size / 1e6:.1f} MB"
                raise NNError(
                    f"The dataset {str(file.name)!r} was not imported: it is {size}, and a "
                    f"dataset file has 1 byte to {DATASET_MAX_BYTES / 1e6:.0f} MB."
                )
            file.text().then(
                create_once_callable(lambda text: self.guard(self._parse, file.name, text))
            )

    def _parse(self, name: str, text: str) -> None:
        self.el["dataset-import"].value = ""
        parse = parse_csv if name.lower().endswith(".csv") else parse_json
        try:
            inputs, targets = parse(text, 2, 2)
            if len(inputs) > MAX_SAMPLES:
                raise NNError(f"it has {len(inputs):,} samples; the page takes {MAX_SAMPLES:,}")
        except NNError as exc:
            raise NNError(f"The dataset {name!r} was not imported: {exc}") from None
        self.imported = inputs, targets
        self.el["dataset-source"].value = "imported"
        self.say(f"Imported {len(inputs):,} samples from {name}.")
