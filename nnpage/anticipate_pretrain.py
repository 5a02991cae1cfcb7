"""Pre-training the Anticipate network in the pre-training worker: the ``#pretrain`` panel's run,
when the page is in Anticipate mode, on generated curves, recorded moves or an imported
``moves.csv``. The panel (``pretrain.py``) keeps its plumbing (worker, progress, cancel,
recovery); this module builds the ``train_recurrent`` message and imports ``done_recurrent``.

Usage (pretrain.py)::

    if app.mode == "anticipate":
        anticipate_pretrain.start(panel)          # instead of a feed-forward run
    ...
    anticipate_pretrain.done(panel, message)      # on done_recurrent
"""

from __future__ import annotations

import json
import time

import numpy as np

from nn import NNError, schema
from nn.defaults import RECURRENT_PRETRAIN
from nn.trajectories import GAP_MS, HZ, generate, strokes_to_sequences
from nnpage.dataset_panel import read_int

__all__ = ["done", "form_values", "start", "strokes_of"]

STROKE_SAMPLES = int(12 * HZ)  # a generated stroke: 12 s of motion


def form_values() -> dict[str, str]:
    """What the panel's fields should say in Anticipate mode."""
    return {
        "epochs": str(RECURRENT_PRETRAIN["epochs"]),
        "batch-size": str(RECURRENT_PRETRAIN["batch_size"]),
        "dataset-size": str(12 * STROKE_SAMPLES),
        "target-error": "",
    }


def strokes_of(recorded: list[tuple[float, float, float]]) -> list[np.ndarray]:
    """Recorded samples ``(t_ms, x, y)`` split into strokes where a pause exceeds ``GAP_MS``."""
    if not recorded:
        return []
    rows = np.array(recorded)
    breaks = np.flatnonzero(np.diff(rows[:, 0]) > GAP_MS) + 1
    return [part[:, 1:] for part in np.split(rows, breaks)]


def _strokes(panel) -> tuple[list[np.ndarray], str]:
    mode = panel.app.anticipate
    source = str(panel.el["dataset-source"].value)
    if source == "recorded":
        return strokes_of(mode.recorded), "your recorded moves"
    if source == "imported":
        if not mode.imported:
            raise NNError(
                "No moves imported: use Import moves in the Anticipate panel (a moves.csv)."
            )
        return mode.imported, "the imported moves"
    samples = read_int(panel.el["dataset-size"], "Samples", STROKE_SAMPLES, 2_000_000)
    count = max(1, samples // STROKE_SAMPLES)
    seed = panel.app.settings.seed
    return generate("mixed", count, STROKE_SAMPLES, seed=seed), f"{count} generated curves"


def start(panel) -> None:
    """Start a recurrent pre-training run from the panel's fields."""
    epochs = read_int(panel.el["epochs"], "Epochs", 1, schema.MAX_EPOCHS)
    batch_size = read_int(panel.el["batch-size"], "Batch size", 1, schema.MAX_BATCH_SIZE)
    target_error = panel._target_error()
    strokes, source = _strokes(panel)
    inputs, targets = strokes_to_sequences(strokes)
    model = panel.app.anticipate.export_model()
    params = model["params"]  # what the network learns live with, put back when it returns
    online = (params["optimizer"], params["optimizer_options"], params["learning_rate"])
    if str(panel.el["pretrain-method"].value) == "fast":
        model["params"] = {
            **model["params"],
            "optimizer": RECURRENT_PRETRAIN["optimizer"],
            "optimizer_options": {},
            "learning_rate": RECURRENT_PRETRAIN["learning_rate"],
        }
    run_id, panel.next_id = panel.next_id, panel.next_id + 1
    message = schema.train_recurrent_message(
        run_id,
        model,
        inputs,
        targets,
        epochs,
        batch_size=batch_size,
        seed=panel.app.settings.seed,
        target_error=target_error,
        progress_interval=0.1,
    )
    data = json.dumps(message, allow_nan=False, separators=(",", ":")).encode()
    panel.run = {
        "id": run_id,
        "params": tuple(model["params"]["layers"]),
        "samples": len(inputs),
        "epochs": epochs,
        "data": data,
        "fast": str(panel.el["pretrain-method"].value) == "fast",
        "recurrent": True,
        "online": online,
    }
    panel.last_heard = time.monotonic()
    panel.app.clear_alert()
    panel.app.set_state("training")
    panel.el["progress"].value = 0
    panel.say(
        f"Pre-training the Anticipate network on {len(inputs):,} sequences from {source} "
        f"for {epochs:,} epochs…"
    )
    panel._show_buttons()
    panel._post(data)


def done(panel, message: dict) -> None:
    """Import the trained recurrent network (unless the live one changed shape meanwhile)."""
    run, summary = panel.run, message["summary"]
    panel._end_run()
    mode = panel.app.anticipate
    if tuple(mode.net.layers) != run["params"]:
        panel.app.alert("The Anticipate network changed during the pre-training; not imported.")
        return
    described = mode.import_model(
        {
            **message["model"],
            "weights": [w.tolist() for w in message["model"]["weights"]],
            "biases": [b.tolist() for b in message["model"]["biases"]],
        },
        switch=False,
        online=run["online"],
    )
    if summary["final_error"] is not None:
        panel.app.plot.add(summary["final_error"])
    panel.el["progress"].value = 1
    panel.el["pretrain"].dataset.lastRun = json.dumps(summary)
    panel.say(
        f"Done: {summary['epochs_done']:,} epochs in {summary['seconds']:.2f} s, error "
        f"{summary['final_error'] or 0:.2e}, {summary['samples_per_s']:,.0f} sequences/s. "
        f"The Anticipate network now has the trained weights ({described})."
    )
