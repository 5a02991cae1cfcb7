"""A pool of Pyodide workers that train the search's individuals, and survive their failures.

Each worker (``nnpage/evolve_worker.py``) is a PyWorker started from the self-hosted runtime
like the pre-training worker. It gets the search's dataset once, then one ``evaluate`` message
at a time; the pool hands the next queued individual to whichever worker is free.

Faults: a worker whose script fails, raises, says something malformed, or goes silent during
an evaluation (it hung, or was terminated) is replaced by a fresh one, and its individual goes
back to the front of the queue once; failing a second time marks the individual failed (a
result with a ``reason``), and the search goes on. ``cancel()`` terminates every worker at once.

Silence, not a time limit per evaluation: a worker posts a heartbeat every half second while
it trains, so an evaluation may take as long as its network, batch size and device need;
``SILENCE_S`` without a word means it hung. Time the page itself stood still (a long task, a
hidden tab's throttled timers) does not count as the workers' silence.

Each result is checked cheaply: its JSON's size and depth (``nn.safejson``) and every field but
the trained model, which is kept as parsed; the panel validates the one model it puts live.

Usage (evolve_panel.py)::

    pool = Pool(size, on_result=fn, on_note=fn, on_fatal=fn)  # (index, result); (text); (text)
    pool.start(data_bytes, data_id, budget)       # a search: dataset sent once per worker
    pool.submit([(index, genome, seed), ...])     # results arrive through on_result
    pool.tick()                                   # a few times a second: timeouts
    pool.cancel()                                 # terminate all workers now
"""

from __future__ import annotations

import json
import time
from collections import deque
from collections.abc import Callable

from js import document, window
from pyodide.ffi import create_once_callable, create_proxy, to_js

from nn import NNError, SchemaError, defaults, safejson, schema
from nnpage.pretrain import worker_config

__all__ = ["ATTEMPTS", "SILENCE_S", "Pool", "check_reply", "pool_size"]

WORKER_PATH = "./nnpage/evolve_worker.py"
MAX_WORKERS = 4
START_TIMEOUT_S = 90.0  # cold start of one worker: runtime, numpy, nn, warm-up
ATTEMPTS = 2  # a second crash on the same individual marks it failed
# A busy worker beats every 0.5 s (evolve_worker.HEARTBEAT_S): this long without a word, it hung.
SILENCE_S = 5.0
# How a heartbeat begins (nn.schema.encode writes "type" first): it is heard, never parsed.
HEARTBEAT_PREFIX = '{"type":"progress",'
# A tick this late means the page's own thread stood still: the silence clocks start again.
STALL_S = 1.0


def pool_size() -> int:
    """``min(navigator.hardwareConcurrency - 1, 4)``, at least 1: a core stays for the page."""
    cores = int(getattr(window.navigator, "hardwareConcurrency", 2) or 2)
    return max(1, min(cores - 1, MAX_WORKERS))


class _Slot:
    """One worker and what it is doing."""

    def __init__(self) -> None:
        self.worker = None
        self.state = "none"  # none, starting, ready, busy
        self.since = 0.0  # when the state began
        self.heard = 0.0  # when the worker last said anything
        self.task: dict | None = None  # the individual it trains
        self.data_id: int | None = None  # the dataset it holds
        self.proxies: list = []


class Pool:
    """Workers, a queue of individuals, and the bookkeeping of their faults."""

    def __init__(
        self,
        size: int,
        on_result: Callable[[int, dict], None],
        on_note: Callable[[str], None],
        on_fatal: Callable[[str], None],
    ) -> None:
        self.size = size
        self.on_result = on_result
        self.on_note = on_note
        self.on_fatal = on_fatal
        self.slots = [_Slot() for _ in range(size)]
        self.queue: deque[dict] = deque()
        self.data: bytes | None = None
        self.data_id = 0
        self.budget = 0
        self.next_id = 1
        self.running = False
        self.replaced = 0  # workers replaced during the current search
        self.failures_in_a_row = 0  # since the last result: many means the workers cannot work
        self._last_tick = time.monotonic()
        self._hooks = window.Object.new()
        self._hooks.results = 0
        self._publish()
        window.nnEvolve = self._hooks

    # --- a search --------------------------------------------------------------------------------

    def start(self, data: bytes, data_id: int, budget: int) -> None:
        """Begin a search on ``data`` (a ``dataset`` message as UTF-8 JSON)."""
        self.data, self.data_id, self.budget = data, data_id, budget
        self.queue.clear()
        self.running = True
        self.replaced = self.failures_in_a_row = 0
        self._hooks.results = 0
        for slot in self.slots:
            if slot.state == "none":
                self._spawn(slot)
            elif slot.state == "ready":
                self._feed(slot)

    def submit(self, tasks: list[tuple[int, dict, int]]) -> None:
        """Queue ``(index, genome, seed)`` individuals; each ends in exactly one ``on_result``."""
        for index, genome, seed in tasks:
            self.queue.append({"index": index, "genome": genome, "seed": seed, "attempts": 0})
        for slot in self.slots:
            if slot.state == "ready":
                self._feed(slot)

    def cancel(self) -> None:
        """Stop everything now: every worker is terminated (a fresh pool starts next time)."""
        self.running = False
        self.queue.clear()
        for slot in self.slots:
            self._kill(slot)
        self._publish()

    def tick(self) -> None:
        """Notice workers that never started, or went silent during an evaluation."""
        now = time.monotonic()
        stalled = now - self._last_tick > STALL_S
        self._last_tick = now
        for slot in self.slots:
            if stalled:  # their messages may wait behind the stall: start the clocks again
                slot.heard = now
            if slot.state == "starting" and now - slot.since > START_TIMEOUT_S:
                self._crashed(slot, f"did not start within {START_TIMEOUT_S:.0f} s")
            elif slot.state == "busy" and now - slot.heard > SILENCE_S:
                self._crashed(
                    slot, f"went silent for {SILENCE_S:.0f} s while training (hung or terminated)"
                )

    @property
    def ready_count(self) -> int:
        return sum(slot.state in ("ready", "busy") for slot in self.slots)

    # --- workers ---------------------------------------------------------------------------------

    def _spawn(self, slot: _Slot) -> None:
        self._kill(slot)
        cfg, version, _ = worker_config()
        url = window.URL.new(WORKER_PATH, document.baseURI).href
        worker = window.nnBoot.PyWorker(url, type="pyodide", config=cfg, version=version)
        on_message = create_proxy(lambda event: self._guard(self._message, slot, worker, event))
        on_error = create_proxy(lambda event: self._guard(self._error, slot, worker, event))
        worker.onmessage = on_message
        worker.onerror = on_error  # polyscript calls it for failures it catches
        worker.addEventListener("error", on_error)  # an uncaught error in the running worker
        ended = create_once_callable(lambda _=None: self._guard(self._ended, slot, worker))
        worker.ready.then(ended, ended)
        slot.worker, slot.proxies = worker, [on_message, on_error]
        slot.state, slot.since, slot.data_id = "starting", time.monotonic(), None
        slot.heard = slot.since
        self._publish()

    def _kill(self, slot: _Slot) -> None:
        if slot.worker is not None:
            worker = slot.worker
            worker.onmessage = worker.onerror = None
            worker.removeEventListener("error", slot.proxies[1])
            worker.terminate()
            for proxy in slot.proxies:
                proxy.destroy()
        slot.worker, slot.proxies, slot.state, slot.task, slot.data_id = (
            None,
            [],
            "none",
            None,
            None,
        )

    def _publish(self) -> None:
        """``window.nnEvolve.workers``: the live workers; ``busy``: those training an individual
        (tests terminate one to crash it), ``busyIndex`` the individuals they train (positions
        in the generation); ``results``: results received in this search."""
        busy = [s for s in self.slots if s.state == "busy"]
        self._hooks.workers = to_js([s.worker for s in self.slots if s.worker is not None])
        self._hooks.busy = to_js([s.worker for s in busy])
        self._hooks.busyIndex = to_js([s.task["index"] for s in busy])

    def _guard(self, fn, *args) -> None:
        try:
            fn(*args)
        except Exception as exc:  # a bug here must not leave the search waiting forever
            self.on_fatal(f"The worker pool hit a problem: {type(exc).__name__}: {exc}")

    def _send(self, slot: _Slot, data: bytes) -> None:
        array = to_js(data)
        slot.worker.postMessage(array, to_js([array.buffer]))

    def _feed(self, slot: _Slot) -> None:
        """Give a free worker the dataset (once) and its next individual."""
        if not self.running or slot.state != "ready":
            return
        if slot.data_id != self.data_id:
            self._send(slot, self.data)
            slot.data_id = self.data_id
        if not self.queue:
            return
        task = self.queue.popleft()
        task["id"], self.next_id = self.next_id, self.next_id + 1
        message = schema.evaluate_message(
            task["id"], self.data_id, task["genome"], task["seed"], self.budget
        )
        self._send(slot, json.dumps(message, separators=(",", ":")).encode())
        slot.task, slot.state, slot.since = task, "busy", time.monotonic()
        slot.heard = slot.since
        self._publish()

    def _message(self, slot: _Slot, worker, event) -> None:
        if worker is not slot.worker:
            return  # a replaced worker's last words
        slot.heard = time.monotonic()
        data = event.data
        if isinstance(data, str) and len(data) < 200 and data.startswith(HEARTBEAT_PREFIX):
            return  # a heartbeat says only that the worker is alive: heard, above
        try:
            message = check_reply(data)
        except NNError as exc:
            self._crashed(slot, f"sent a malformed message ({exc})")
            return
        kind = message["type"]
        if kind == "progress":
            return
        if kind == "ready":
            slot.state, slot.since = "ready", time.monotonic()
            self._feed(slot)
        elif kind == "result" and slot.task is not None and message["id"] == slot.task["id"]:
            task, slot.task = slot.task, None
            slot.state = "ready"
            self.failures_in_a_row = 0
            self._hooks.results = self._hooks.results + 1
            self._publish()
            result = {k: message[k] for k in ("error", "parameters", "samples", "seconds")}
            result["reason"], result["model"] = message["reason"], message["model"]
            self.on_result(task["index"], result)
            self._feed(slot)
        elif kind == "error":
            self._crashed(slot, f"reported an error ({message['message'][:300]})")

    def _error(self, slot: _Slot, worker, event) -> None:
        if hasattr(event, "preventDefault"):
            event.preventDefault()  # reported in the panel, not again as an uncaught page error
        if worker is not slot.worker:
            return
        error = getattr(event, "error", None)
        text = getattr(event, "message", None) or getattr(error, "message", None) or "no message"
        last = (str(text).strip().splitlines() or ["no message"])[-1]
        self._crashed(slot, f"crashed ({last})")

    def _ended(self, slot: _Slot, worker) -> None:
        if worker is slot.worker and slot.state == "starting":
            self._crashed(slot, "its script stopped before it was ready")

    def _crashed(self, slot: _Slot, why: str) -> None:
        """Replace the worker; re-queue its individual once, then mark it failed."""
        task = slot.task
        self._kill(slot)
        self.replaced += 1
        self.failures_in_a_row += 1
        if not self.running:
            self._publish()
            return
        if task is not None:
            task["attempts"] += 1
            task["why"] = [*task.get("why", []), why]
            if task["attempts"] >= ATTEMPTS:
                self.on_note(f"A worker {why}; that individual failed twice and is skipped.")
                whys = "; then it ".join(task["why"])
                self.on_result(task["index"], _failed(f"its worker failed twice: it {whys}"))
            else:
                self.on_note(f"A worker {why}; it was replaced and its individual re-queued.")
                self.queue.appendleft(task)
        else:
            self.on_note(f"A worker {why}; it was replaced.")
        if self.failures_in_a_row > 2 * self.size + 2:
            self.cancel()
            self.on_fatal(f"The workers keep failing (the last one {why}), so the search stopped.")
            return
        self._spawn(slot)


def check_reply(text: object) -> dict:
    """A worker's message, validated: in full, except a result's trained model, which is only
    parsed (size and depth checked) and must be an object exactly when there is an error."""
    obj = safejson.loads(text, "message", defaults.MESSAGE_MAX_BYTES)
    if not (isinstance(obj, dict) and obj.get("type") == "result" and "model" in obj):
        return schema.check_message(obj)
    model = obj["model"]
    message = schema.check_message({**obj, "model": None})
    if not (model is None or isinstance(model, dict)) or (model is None) != (
        message["error"] is None
    ):
        raise SchemaError(
            f"a result's model must be an object when it has an error, else null; got "
            f"{type(model).__name__} with error {message['error']}"
        )
    message["model"] = model
    return message


def _failed(reason: str) -> dict:
    return {
        "error": None,
        "parameters": 0,
        "samples": 0,
        "seconds": 0.0,
        "reason": reason,
        "model": None,
    }
