"""The hyperparameter search's worker: trains one individual at a time in a Web Worker.

It speaks the evolve part of the protocol defined (and validated, both ways) by ``nn.schema``:

- main -> worker: ``dataset`` (the search's training and held-out parts, once per worker and
  search), then ``evaluate`` {id, data, genome, seed, budget} for each individual.
- worker -> main: ``ready`` once numpy and nn are loaded and warm, ``result`` with what
  ``nn.evolve.evaluate`` returned (the same function the command line runs), or ``error``.
  During an evaluation, a heartbeat every ``HEARTBEAT_S``: a ``progress`` message with the
  evaluation's id (epoch 0 of 1, no error), so the page tells a long evaluation from a hung one
  whatever the network, the batch size or the device.

An evaluation is short (a fixed budget of samples) and runs to its end; the page cancels a
search by terminating its workers, which stops them at once.

Usage (from the page; see ``nnpage/evolve_pool.py``)::

    worker = PyWorker("./nnpage/evolve_worker.py", type="pyodide", config=..., version=...)
    worker.postMessage(nn.schema.encode(nn.schema.dataset_message(1, train, validation)))
    worker.postMessage(nn.schema.encode(nn.schema.evaluate_message(7, 1, genome, seed, 20000)))
"""

from __future__ import annotations

import json
import time

from polyscript import xworker
from pyodide.ffi import JsProxy

try:
    import nn
    from nn import NNError, random_dataset, schema
    from nn.evolve import Split, evaluate, split_dataset
except Exception as exc:  # e.g. the archive missing from [files]: say so instead of hanging
    START_ERROR: str | None = f"{type(exc).__name__}: {exc}"
else:
    START_ERROR = None

_post = xworker.postMessage
HEARTBEAT_S = 0.5  # the pool counts a worker hung after seconds of silence (evolve_pool.py)


def send(message: dict) -> None:
    """Validate and post one message as JSON text (the only way anything leaves the worker)."""
    _post(schema.encode(message))


def _text(data: object) -> object:
    """A message's JSON: a string, or UTF-8 bytes in a (transferred) Uint8Array."""
    if isinstance(data, JsProxy) and getattr(data, "BYTES_PER_ELEMENT", None) == 1:
        return data.to_bytes()
    return data


class Evaluator:
    """The dataset this worker was given, and the evaluations it runs on it."""

    def __init__(self) -> None:
        self.data_id: int | None = None
        self.data: Split | None = None

    def on_message(self, event) -> None:
        """``xworker.onmessage``: validate, then dispatch. Never raises: a bad message is
        answered with ``error``."""
        try:
            message = schema.decode(_text(event.data))
        except NNError as exc:
            send(schema.error_message(None, f"the worker rejected a message: {exc}", "invalid"))
            return
        try:
            self.dispatch(message)
        except Exception as exc:  # a bug: say so rather than die with only a console line
            text = f"the evolve worker failed on a {message['type']!r} message: {exc!r}"
            send(schema.error_message(message.get("id"), text[:1000], "internal"))

    def dispatch(self, message: dict) -> None:
        """Act on one validated message."""
        kind = message["type"]
        if kind == "warmup":
            send(schema.ready_message(nn.__version__))
        elif kind == "dataset":
            train, val = message["train"], message["validation"]
            self.data_id = message["id"]
            self.data = Split(train["inputs"], train["targets"], val["inputs"], val["targets"])
        elif kind == "evaluate":
            self.evaluate(message)
        else:
            text = f"the evolve worker does not accept {kind!r} messages"
            send(schema.error_message(None, text, "invalid"))

    def evaluate(self, message: dict) -> None:
        run_id = message["id"]
        if self.data is None or message["data"] != self.data_id:
            text = f"dataset {message['data']} was never sent to this worker"
            send(schema.error_message(run_id, text, "invalid"))
            return
        # The heartbeat's text is built once; posting it is all a beat costs.
        beat = schema.encode(schema.progress_message(run_id, 0, 1, None, None, 0.0))
        last = [time.monotonic()]

        def heartbeat() -> None:
            now = time.monotonic()
            if now - last[0] >= HEARTBEAT_S:
                last[0] = now
                _post(beat)

        _post(beat)  # the evaluation began
        result = evaluate(
            message["genome"], message["seed"], self.data, message["budget"], heartbeat
        )
        send(schema.result_message(run_id, result))


def warm_up() -> None:
    """Run one evaluation and one message round trip, so the first real one does not pay."""
    x, t = random_dataset(64, seed=0)
    data = split_dataset(x, t, 0.25, 0)
    genome = {
        "layers": [3],
        "activation": "tanh",
        "learning_rate": 0.01,
        "optimizer": "adam",
        "batch_size": 8,
        "bias": True,
        "init": "uniform",
    }
    schema.decode(schema.encode(schema.result_message(0, evaluate(genome, 0, data, 96))))


EVALUATOR = Evaluator()
if START_ERROR is None:
    try:
        warm_up()
    except Exception as exc:
        START_ERROR = f"{type(exc).__name__}: {exc}"
if START_ERROR is None:
    xworker.onmessage = EVALUATOR.on_message
    send(schema.ready_message(nn.__version__))
else:  # plain JSON: nn.schema may be what failed to load
    _post(
        json.dumps(
            {
                "type": "error",
                "id": None,
                "kind": "internal",
                "message": f"the evolve worker could not start: {START_ERROR}",
            }
        )
    )
