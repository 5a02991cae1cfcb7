"""The pre-training worker: trains a copy of the page's network in a Web Worker, in slices.

It speaks the protocol defined (and validated, both ways) by ``nn.schema``:

- main -> worker: ``warmup`` (answer ``ready``), ``train`` (a model export, a dataset, epochs,
  batch size), ``cancel`` (stop that run now).
- worker -> main: ``ready`` once numpy and nn are loaded and warm, ``progress`` at most every
  ``progress_interval`` seconds, ``done`` with the trained weights, biases and a summary, or
  ``error`` (``invalid`` message, ``divergence`` naming the learning rate, ``internal``).

A worker cannot take a message while Python runs, so training advances in slices of about
``SLICE_S`` seconds (``nn.Trainer.run(max_seconds=...)``) with an ``await`` in between: the
``cancel`` message gets in after at most one slice.

Usage (from the page; see ``nnpage/pretrain.py``)::

    worker = PyWorker("./nnpage/worker.py", type="pyodide", config=..., version=...)
    worker.postMessage(nn.schema.encode(nn.schema.train_message(1, net.export(), x, t, 50)))
"""

from __future__ import annotations

import asyncio
import json
import time

from polyscript import xworker
from pyodide.ffi import JsProxy

try:
    import nn
    from nn import DivergenceError, Network, NNError, RecurrentNetwork, Trainer, schema
    from nn.recurrent_engine import RecurrentTrainer
except Exception as exc:  # e.g. the archive missing from [files]: say so instead of hanging
    START_ERROR: str | None = f"{type(exc).__name__}: {exc}"
else:
    START_ERROR = None

SLICE_S = 0.02  # training between two looks at the message queue; bounds the cancel latency
WARMUP_SAMPLES = 64

_post = xworker.postMessage


def send(message: dict) -> None:
    """Validate and post one message as JSON text (the only way anything leaves the worker)."""
    _post(schema.encode(message))


def _text(data: object) -> object:
    """A message's JSON: a string, or UTF-8 bytes in a (transferred) Uint8Array."""
    if isinstance(data, JsProxy) and getattr(data, "BYTES_PER_ELEMENT", None) == 1:
        return data.to_bytes()
    return data  # a string, or something decode() rejects with a clear error


class Runs:
    """The training runs: the one in progress, those waiting for it to stop, cancel requests."""

    def __init__(self) -> None:
        self.active: int | None = None  # id of the run in progress
        self.waiting: set[int] = set()  # runs received, not started yet
        self.cancelled: set[int] = set()
        self.tasks: set[asyncio.Task] = set()  # keep the running tasks referenced

    def on_message(self, event) -> None:
        """``xworker.onmessage``: validate, then dispatch. Never raises (an uncaught error in a
        worker would only reach the console); a bad message is answered with ``error``."""
        try:
            message = schema.decode(_text(event.data))
        except NNError as exc:
            send(schema.error_message(None, f"the worker rejected a message: {exc}", "invalid"))
            return
        kind = message["type"]
        if kind == "warmup":
            send(schema.ready_message(nn.__version__))
        elif kind == "cancel":
            if message["id"] == self.active or message["id"] in self.waiting:
                self.cancelled.add(message["id"])
        elif kind in ("train", "train_recurrent"):
            # One run at a time: a new run replaces the others.
            self.cancelled.update(self.waiting)
            if self.active is not None:
                self.cancelled.add(self.active)
            self.waiting.add(message["id"])
            task = asyncio.ensure_future(self.train(message))
            self.tasks.add(task)
            task.add_done_callback(self.tasks.discard)
        else:
            text = f"the worker does not accept {kind!r} messages"
            send(schema.error_message(None, text, "invalid"))

    async def train(self, message: dict) -> None:
        """Run one ``train`` message; always ends with ``done`` or ``error`` for its id."""
        run_id = message["id"]
        while self.active is not None:  # a replaced run stops within one slice
            await asyncio.sleep(0)
        self.waiting.discard(run_id)
        self.active = run_id
        try:
            await self._train(message)
        except DivergenceError as exc:
            send(schema.error_message(run_id, str(exc), "divergence"))
        except NNError as exc:
            send(schema.error_message(run_id, str(exc), "invalid"))
        except Exception as exc:  # a bug: report it rather than leave the page waiting
            send(schema.error_message(run_id, f"{type(exc).__name__}: {exc}", "internal"))
        finally:
            self.active = None
            self.cancelled.discard(run_id)

    async def _train(self, message: dict) -> None:
        run_id = message["id"]
        data = message["dataset"]
        recurrent = message["type"] == "train_recurrent"
        if recurrent:  # sequences for a recurrent network
            net = RecurrentNetwork.from_export(message["model"])
            trainer = RecurrentTrainer(
                net,
                data["inputs"],
                data["targets"],
                message["epochs"],
                message["batch_size"],
                seed=message["seed"],
                target_error=message["target_error"],
            )
        else:
            net = Network.from_export(message["model"])
            trainer = Trainer(
                net,
                data["inputs"],
                data["targets"],
                message["epochs"],
                message["batch_size"],
                message["shuffle"],
                seed=message["seed"],
                target_error=message["target_error"],
            )
        interval = message["progress_interval"]
        last = time.perf_counter()
        while not trainer.finished:
            if run_id in self.cancelled:
                trainer.stop()  # back to the end of the last whole epoch; summary says stopped
                break
            trainer.run(max_seconds=SLICE_S)
            await asyncio.sleep(0)  # here a cancel message can arrive
            now = time.perf_counter()
            if not trainer.finished and now - last >= interval:
                last = now
                send(schema.progress_message(run_id, **trainer.progress()))
        summary = trainer.summary().to_dict()
        if recurrent:
            send(schema.done_recurrent_message(run_id, net.export(), summary))
            return
        send(schema.done_message(run_id, net.export_weights(), net.export_biases(), summary))


def warm_up() -> None:
    """Run every code path of a pre-training once, so the first real run does not pay for it."""
    x, t = nn.random_dataset(WARMUP_SAMPLES, seed=0)
    for batch_size in (1, 16):
        net = Network([2, 6, 6, 6, 2], activation="tanh", seed=0, optimizer="adam")
        Trainer(net, x, t, epochs=2, batch_size=batch_size).run()
    schema.decode(schema.encode(schema.train_message(0, net.export(), x, t, 1)))


RUNS = Runs()
if START_ERROR is None:
    try:
        warm_up()
    except Exception as exc:
        START_ERROR = f"{type(exc).__name__}: {exc}"
if START_ERROR is None:
    xworker.onmessage = RUNS.on_message
    send(schema.ready_message(nn.__version__))
else:  # plain JSON: nn.schema may be what failed to load
    _post(
        json.dumps(
            {
                "type": "error",
                "id": None,
                "kind": "internal",
                "message": f"the pre-training worker could not start: {START_ERROR}",
            }
        )
    )
