"""Pre-training: train a copy of the live network on a dataset in a Pyodide worker, then import it.

The worker (``nnpage/worker.py``) runs the same ``nn`` core. It is started, and warmed up,
as soon as the page is ready, as a PyScript PyWorker from the self-hosted runtime: its config
(numpy, and the ``nn`` archive: the page's own runtime config, ``index.html``'s ``#nn-runtime``,
so the list lives in one place) is passed as an object, and ``version`` is the absolute URL of
the vendored ``pyodide.mjs``; ``static/boot.js`` creates it (``window.nnBoot.PyWorker``).
Messages are JSON text built and validated by ``nn.schema`` on both sides (a ``train`` message
travels as UTF-8 bytes in a transferred buffer, so a big dataset is not copied again):

    main -> worker   train {id, model, dataset, epochs, batch_size, seed, target_error, ...}
                     cancel {id}
    worker -> main   ready (once warm)   progress {id, epoch, epochs, error, global_mean,
                     samples_per_s, samples} (at most 10/s)   done {id, weights, biases, summary}
                     error {id, message, kind: invalid | divergence | internal}

While a run goes on, ``body[data-state]`` is ``training`` and the live network does not learn;
``done`` imports the trained weights and biases; a cancel or an error keeps the live weights.
Cancel answers at once in the page; the worker acknowledges within one ~20 ms slice, or it is
terminated and a fresh one started. A worker that stops answering (crash, termination) is
detected by a watchdog, reported, and replaced on the next pre-training.

Hooks for tests and benchmarks: ``#pretrain[data-worker]`` is ``none``, ``starting`` or
``ready``; ``data-worker-start-ms`` how long the last worker took to start and warm up;
``data-last-run`` holds the summary of the last run imported (JSON); ``data-cancel-ms`` the time
the worker took to acknowledge the last cancel; ``window.nnPretrain.worker`` is the current
worker (to inject messages, or terminate it).

Usage (main.py)::

    from nnpage import pretrain
    panel = pretrain.setup(app)     # wires the #pretrain section, starts the worker
"""

from __future__ import annotations

import json
import time

from js import document, window
from pyodide.ffi import create_once_callable, create_proxy, to_js

from nn import NNError, recommended_training, schema
from nn.validation import check_real
from nnpage import anticipate_pretrain
from nnpage.dataset_panel import DatasetPanel, read_int
from nnpage.listeners import Listeners

__all__ = ["Pretrain", "setup"]

WORKER_PATH = "./nnpage/worker.py"
PROGRESS_INTERVAL_S = 0.1  # worker -> main progress messages: at most 10 per second
CANCEL_ACK_S = 0.5  # a worker that has not stopped by then is terminated and replaced
START_TIMEOUT_S = 60.0  # cold start of a worker: runtime, numpy, nn, warm-up
SILENCE_S = 5.0  # a running worker silent for this long is considered dead


def worker_config() -> tuple[object, str, str]:
    """The worker's config object, the runtime URL, and the worker URL, from the page config."""
    config = window.nnBoot.config.to_py()
    base = document.baseURI
    url = lambda path: window.URL.new(path, base).href  # noqa: E731
    files = {url(src): dest for src, dest in config.get("files", {}).items()}
    if not files:
        raise NNError("the page's runtime config (#nn-runtime) lists no files for the worker")
    cfg = {
        "packages": list(config.get("packages", ["numpy"])),
        "packages_cache": config.get("packages_cache", "passthrough"),
        "files": files,
    }
    return (
        to_js(cfg, dict_converter=window.Object.fromEntries),
        url(config["interpreter"]),
        url(WORKER_PATH),
    )


class Pretrain:
    """The pre-training panel and its worker; see the module docstring."""

    def __init__(self, app):
        self.app = app
        get = document.getElementById
        self.el = {
            name: get(name)
            for name in (
                "pretrain",
                "epochs",
                "batch-size",
                "dataset-source",
                "dataset-size",
                "pretrain-method",
                "pretrain-method-text",
                "target-error",
                "pretrain-start",
                "pretrain-cancel",
                "record-toggle",
                "dataset-export",
                "dataset-import",
                "progress",
                "pretrain-status",
            )
        }
        self.worker = None
        self.worker_state = "none"  # none, starting, ready
        self.started = 0.0  # when the worker was spawned
        self.run: dict | None = None  # the run in progress: id, message text, ...
        self.pending: bytes | None = None  # a train message waiting for the worker to start
        self.next_id = 1
        self.cancelled: dict[int, float] = {}  # run id -> time the cancel was sent
        self.last_heard = 0.0
        self._hooks = window.Object.new()
        window.nnPretrain = self._hooks
        self._proxies = []
        self.listeners = Listeners()
        self.datasets = DatasetPanel(app, self.el, self.say, self._guard)
        self._on_message = self._proxy(self._message)
        self._on_error = self._proxy(self._worker_error)
        self._on_tick = self._proxy(lambda: self._guard(self._tick))
        for name, event, handler in (
            ("pretrain-start", "click", self.start),
            ("pretrain-cancel", "click", self.cancel),
            ("record-toggle", "click", self.datasets.toggle_recording),
            ("dataset-export", "click", self.datasets.export),
            ("dataset-import", "change", self.datasets.import_file),
            ("pretrain-method", "change", self._method_changed),
        ):
            self.listeners.on(self.el[name], event, lambda e, h=handler: self._guard(h))
        self._interval = window.setInterval(self._on_tick, 500)
        fast = self._recommended()  # the form starts with the core's recommended settings
        self.el["epochs"].value = str(fast["epochs"])
        target = fast.get("target_error")
        self.el["target-error"].value = "" if target is None else f"{target:g}"
        self._method_changed()
        self._show_buttons()

    # --- plumbing --------------------------------------------------------------------------------

    def _proxy(self, fn):
        proxy = create_proxy(fn)
        self._proxies.append(proxy)
        return proxy

    def _guard(self, fn, *args) -> None:
        """Run an event handler; an unexpected failure becomes an alert, never a lost page."""
        try:
            fn(*args)
        except NNError as exc:
            self.app.alert(str(exc))
        except Exception as exc:
            self.app.alert(f"Pre-training failed: {type(exc).__name__}: {exc}")
            self._end_run()

    def say(self, text: str) -> None:
        self.el["pretrain-status"].textContent = text

    def _show_buttons(self) -> None:
        running = self.run is not None
        self.el["pretrain-start"].disabled = running
        self.el["pretrain-cancel"].disabled = not running
        self.el["pretrain"].dataset.worker = self.worker_state

    # --- the worker ------------------------------------------------------------------------------

    def spawn(self) -> None:
        """Start a fresh worker; it says ``ready`` when numpy and nn are loaded and warm."""
        self.kill()
        cfg, version, url = worker_config()
        self.worker = window.nnBoot.PyWorker(url, type="pyodide", config=cfg, version=version)
        self.worker.onmessage = self._on_message
        self.worker.onerror = self._on_error  # polyscript calls it for failures it catches
        # An uncaught error in the running worker is an "error" event, which polyscript's own
        # `onerror` property hides from the Worker's real handler.
        self.worker.addEventListener("error", self._on_error)
        # `ready` resolves once the worker script has run to its end; a script that got there
        # without saying "ready" failed (PyScript logged why): say so now, not after the timeout.
        worker = self.worker
        ended = create_once_callable(lambda _=None: self._guard(self._ended, worker))
        worker.ready.then(ended, ended)  # a rejection is reported through onerror
        self.worker_state, self.started = "starting", time.monotonic()
        self._hooks.worker = self.worker
        self._show_buttons()

    def kill(self) -> None:
        if self.worker is not None:
            self.worker.onmessage = self.worker.onerror = None
            self.worker.terminate()
        self.worker, self.worker_state = None, "none"
        self._hooks.worker = None

    def _post(self, data: bytes) -> None:
        """Send a train message, or keep it until the worker is ready (starting one if none)."""
        if self.worker_state == "ready":
            self._send(data)
        else:
            self.pending = data
            if self.worker is None:
                self.spawn()

    def _send(self, data: bytes) -> None:
        # UTF-8 bytes, transferred rather than copied: a big dataset crosses for free.
        array = to_js(data)
        self.worker.postMessage(array, to_js([array.buffer]))

    def _message(self, event) -> None:
        self._guard(self._handle, event.data)

    def _handle(self, data) -> None:
        self.last_heard = time.monotonic()
        try:
            message = schema.decode(data)
        except NNError as exc:  # a broken worker: replace it, keep the live network
            self._fail(
                f"The pre-training worker sent a malformed message ({exc}). The network "
                "kept its weights; the next pre-training starts a fresh worker."
            )
            return
        kind, run_id = message["type"], message.get("id")
        if kind == "ready":
            if self.worker_state == "starting":
                ms = 1000 * (time.monotonic() - self.started)
                self.el["pretrain"].dataset.workerStartMs = f"{ms:.0f}"
            self.worker_state = "ready"
            self._show_buttons()
            if self.pending is not None:
                data, self.pending = self.pending, None
                self._send(data)
            return
        if run_id in self.cancelled and kind in ("done", "done_recurrent", "error"):
            ms = 1000 * (time.monotonic() - self.cancelled.pop(run_id))
            self.el["pretrain"].dataset.cancelMs = f"{ms:.0f}"
            return
        if kind == "error" and run_id is None:
            if self.worker_state == "starting":
                text = message["message"]
                self._fail(f"{text[:1].upper()}{text[1:]}. The network kept its weights.")
            else:
                self.app.alert(f"Pre-training: {message['message']}")
            return
        if self.run is None or run_id != self.run["id"]:
            return  # a run that has ended here already
        if kind == "progress":
            self._progress(message)
        elif kind == "done":
            self._done(message)
        elif kind == "done_recurrent":
            anticipate_pretrain.done(self, message)
        elif kind == "error":
            hint = " The network kept its weights."
            if message["kind"] == "divergence" and self.run["fast"]:
                hint += " The fast method has its own rate: try the original method."
            self.app.alert(f"Pre-training stopped: {message['message']}{hint}")
            self.say("Stopped by an error; the network kept its weights.")
            self._end_run()

    def _worker_error(self, event) -> None:
        if hasattr(event, "preventDefault"):
            event.preventDefault()  # reported here, not again as an uncaught page error
        error = getattr(event, "error", None)
        text = getattr(event, "message", None) or getattr(error, "message", None) or "it failed"
        text = str(text).strip().splitlines()[-1]  # a Python traceback's last line says what
        self._guard(
            self._fail,
            f"The pre-training worker failed ({text}). The network kept "
            "its weights; the next pre-training starts a fresh worker.",
        )

    def _ended(self, worker) -> None:
        if worker is self.worker and self.worker_state == "starting":
            self._fail(
                "The pre-training worker could not start: its script stopped before it was "
                "ready (the browser console says why). The network kept its weights; try "
                "Pre-train again."
            )

    def _fail(self, text: str) -> None:
        """The worker is broken: drop it, keep the live network, say so."""
        self.kill()
        self.pending = None
        self.app.alert(text)
        if self.run is not None:
            self.say("Stopped: the worker failed.")
            self._end_run()
        self._show_buttons()

    def _tick(self) -> None:
        """Twice a second: notice a worker that never started, died, or ignores a cancel."""
        now = time.monotonic()
        if self.worker_state == "starting" and now - self.started > START_TIMEOUT_S:
            self._fail(
                f"The pre-training worker did not start within {START_TIMEOUT_S:.0f} s. "
                "The network kept its weights; try Pre-train again."
            )
        elif (
            self.worker_state == "ready"
            and self.run is not None
            and now - self.last_heard > SILENCE_S
        ):
            self._fail(
                f"The pre-training worker stopped answering for {SILENCE_S:.0f} s "
                "(it crashed or was terminated). The network kept its weights; the next "
                "pre-training starts a fresh worker."
            )
        if any(now - sent > CANCEL_ACK_S for sent in self.cancelled.values()):
            # Stuck in a long step: replace the worker, and move a newer run over to it.
            self.cancelled.clear()
            self.spawn()
            if self.run is not None:
                self.pending = self.run["data"]

    # --- a run -----------------------------------------------------------------------------------

    def start(self) -> None:
        if self.run is not None:
            return
        if getattr(self.app, "mode", "follow") == "anticipate":
            anticipate_pretrain.start(self)  # the recurrent network, on trajectories
            return
        epochs = read_int(self.el["epochs"], "Epochs", 1, schema.MAX_EPOCHS)
        batch_size = read_int(self.el["batch-size"], "Batch size", 1, schema.MAX_BATCH_SIZE)
        target_error = self._target_error()
        inputs, targets = self.datasets.current()
        model = self.app.export_model()
        if self.el["pretrain-method"].value == "fast":
            fast = self._recommended()
            model["params"] = {
                **model["params"],
                "optimizer": fast["optimizer"],
                "optimizer_options": {},
                "learning_rate": fast["learning_rate"],
            }
        run_id, self.next_id = self.next_id, self.next_id + 1
        message = schema.train_message(
            run_id,
            model,
            inputs,
            targets,
            epochs,
            batch_size=batch_size,
            seed=self.app.settings.seed,
            target_error=target_error,
            progress_interval=PROGRESS_INTERVAL_S,
        )
        data = json.dumps(message, allow_nan=False, separators=(",", ":")).encode()
        self.run = {
            "id": run_id,
            "params": _shape(model["params"]),
            "samples": len(inputs),
            "epochs": epochs,
            "data": data,
            "fast": self.el["pretrain-method"].value == "fast",
        }
        self.last_heard = time.monotonic()
        self.app.clear_alert()
        self.app.set_state("training")
        self.el["progress"].value = 0
        self.say(
            f"Pre-training on {len(inputs):,} samples for {epochs:,} epochs…"
            if self.worker_state == "ready"
            else "Starting the worker…"
        )
        self._show_buttons()
        self._post(data)

    def cancel(self) -> None:
        if self.run is None:
            return
        run_id = self.run["id"]
        if self.worker_state == "ready":
            self.cancelled[run_id] = time.monotonic()
            self.worker.postMessage(json.dumps(schema.cancel_message(run_id)))
        self.pending = None
        self.say("Cancelled; the network kept its weights.")
        self._end_run()

    def _end_run(self) -> None:
        self.run = None
        if self.app.state == "training":
            self.app.set_state("ready")
        self._show_buttons()

    def _progress(self, message: dict) -> None:
        run = self.run
        total = run["epochs"] * run["samples"]
        self.el["progress"].value = min(1.0, message["samples"] / total) if total else 0.0
        error = message["error"]
        if error is not None:
            self.app.plot.add(error)
        self.say(
            f"Epoch {message['epoch']:,} of {message['epochs']:,} · error "
            f"{_num(error)} · mean {_num(message['global_mean'])} · "
            f"{message['samples_per_s']:,.0f} samples/s"
        )

    def _done(self, message: dict) -> None:
        run, summary = self.run, message["summary"]
        self._end_run()
        now = _shape(self.app.network.export_params())  # the Follow network, in either mode
        if now != run["params"]:
            self.app.alert(
                "The network's settings changed during the pre-training, so its "
                "result was not imported."
            )
            return
        self.app.import_trained(message["weights"], message["biases"])
        if summary["final_error"] is not None:
            self.app.plot.add(summary["final_error"])
        self.el["progress"].value = 1
        self.el["pretrain"].dataset.lastRun = json.dumps(summary)
        reached = " (below the target, so it stopped)" if summary["reached_target"] else ""
        self.say(
            f"Done: {summary['epochs_done']:,} epochs in {summary['seconds']:.2f} s, error "
            f"{_num(summary['final_error'])}{reached}, {summary['samples_per_s']:,.0f} "
            "samples/s. The network now has the trained weights."
        )

    # --- form ------------------------------------------------------------------------------------

    def _recommended(self) -> dict:
        """``nn.recommended_training`` for the live network (optimizer, rate, batch size)."""
        params = self.app.network.export_params()
        return recommended_training(params["layers"], params["activation"])

    def _method_changed(self) -> None:
        fast = self._recommended()
        self.el["pretrain-method-text"].textContent = (
            f"Fast: {fast['optimizer'].capitalize()}, learning rate {fast['learning_rate']:g}, "
            f"batches of {fast['batch_size']}."
        )
        is_fast = self.el["pretrain-method"].value == "fast"
        self.el["batch-size"].value = str(fast["batch_size"] if is_fast else 1)

    def _target_error(self) -> float | None:
        control = self.el["target-error"]
        text = str(control.value).strip()
        try:
            value = None if not text else check_real(float(text), "target_error", low=0.0)
        except ValueError:  # float() or check_real (NNError is a ValueError)
            control.setAttribute("aria-invalid", "true")
            raise NNError(
                f"Stop at error must be a positive number such as 1e-4, or empty; got {text!r}."
            ) from None
        control.removeAttribute("aria-invalid")
        return value


def _shape(params: dict) -> tuple:
    """What the trained weights depend on: layers, activation, bias."""
    return tuple(params["layers"]), params["activation"], params["bias"]


def _num(value: float | None) -> str:
    return "–" if value is None else f"{value:.2e}"


def setup(app) -> Pretrain:
    """Wire the #pretrain panel to ``app`` and start warming up a worker."""
    panel = Pretrain(app)
    # After the page says ready: the worker's start must not delay the app's.
    window.setTimeout(create_once_callable(lambda: panel._guard(panel.spawn)), 0)
    return panel
