"""``App``: the live network, its settings, and the page parts that show it, tied together.

This is the object the other page modules talk to (the pre-training panel, model files, shared
links). It never lets a bad value in: ``apply_settings`` and ``import_trained``
validate first and change nothing when they refuse, showing why in the ``role="alert"`` element.

API for other modules (``app`` is passed to ``pretrain.setup(app)``):

- ``app.network``: the live ``nn.Network``. It is *replaced* on a rebuild or an import, so read
  it when needed rather than keeping it.
- ``app.settings``: the current ``Settings`` (immutable; see ``settings.py``).
- ``app.import_trained(weights, biases)``: put trained weights and biases into the live network
  (same layers); raises ``NNError`` and keeps the old ones if they do not fit.
- ``app.export_model()`` / ``app.import_model(data)``: the core's JSON-safe export format.
- ``app.apply_settings(settings) -> bool``: change settings (False, alert shown, nothing changed,
  when invalid).
- ``app.set_state("training" | "ready")``: ``training`` pauses live learning (the circle still
  follows) and locks the controls that would rebuild the network.
- ``app.alert(message)``, ``app.clear_alert()``, ``app.say(message)`` (polite status line).
- ``app.plot.add(error)``: add a point to the loss plot.
- ``app.canvas_size() -> (width, height)`` in CSS px; ``app.trainer.recorder = fn`` is called as
  ``fn(x, y)`` with the network coordinates of every pointer move (None to stop recording);
  ``app.trainer.recent_positions()``.
- ``app.on_network_change.append(fn)``: ``fn(network)`` after every rebuild or import.
- ``app.on_settings_change.append(fn)``: ``fn(settings)`` after ``apply_settings`` or
  ``import_model`` changed ``app.settings`` (e.g. to keep the shared link up to date).
- ``app.on_frame.append(fn)``: ``fn(now_ms)`` every animation frame, before replay (which gets
  what is left of its budget) and before the network view draws (the neuron maps refresh there).

Usage::

    app = App()                # reads the DOM, builds the network from the form's settings
    app.start()                # animation loop; body[data-state] becomes "ready"
"""

from __future__ import annotations

import time
from collections.abc import Callable

from js import document, window
from pyodide.ffi import create_proxy

from nn import Network, NNError
from nn.recurrent_schema import model_kind
from nn.schema import check_params
from nnpage.anticipate_view import AnticipateMode
from nnpage.controls import Controls
from nnpage.describe import StageText
from nnpage.netview import NetView
from nnpage.plot import LossPlot
from nnpage.settings import Settings
from nnpage.stage import Stage
from nnpage.trainer import Trainer

__all__ = ["App"]

REPLAY_BUDGET_S = 0.004  # replay time per animation frame (of ~16.7 ms)
# A frame's Python time, views and replay together, stays under this: on the frames where the
# network view or the maps redraw, replay gets what is left, at least a quarter of its budget.
FRAME_BUDGET_S = 0.0065
NUMBERS_MS = 100  # refresh of the numbers and the plot's points
PLOT_MS = 250  # redraw of the loss plot
NET_MS = 100  # redraw of the network view (at most)


class App:
    """The page's live network and its views; see the module docstring for the API."""

    def __init__(self, settings: Settings | None = None, stats=None):
        get = document.getElementById
        self.stats = stats  # a stats.Stats, or None
        self.body = document.body
        self._alert, self._alert_text = get("alert"), get("alert-text")
        self._status = get("status")
        self._numbers = {k: get(f"stat-{k}") for k in ("iterations", "error", "lr", "params")}
        self._numbers_text: dict[str, str] = {}
        self.settings = (settings or Settings()).check()
        self.network = Network(**self.settings.network_params())
        self.on_network_change: list[Callable[[Network], None]] = []
        self.on_settings_change: list[Callable[[Settings], None]] = []
        self.on_frame: list[Callable[[float], None]] = []
        self.trainer = Trainer(self.network, on_divergence=self._diverged)
        self.mode = "follow"  # or "anticipate" (nnpage/anticipate_view.py)
        self.stage = Stage(get("stage"), on_move=self._moved, stats=stats)
        self.stage.on_resize = self._stage_resized
        self.stage_text = StageText(get("stage-where"))
        self.plot = LossPlot(get("loss-plot"))
        reduced = window.matchMedia("(prefers-reduced-motion: reduce)").matches
        self.netview = NetView(get("network"), interval_ms=NET_MS * (4 if reduced else 1))
        self.controls = Controls(self)
        self.anticipate = AnticipateMode(self)
        self._proxies = [
            create_proxy(lambda e: self.clear_alert()),
            create_proxy(self._views_resized),
        ]
        get("alert-close").addEventListener("click", self._proxies[0])
        self._observer = window.ResizeObserver.new(self._proxies[1])
        self._observer.observe(get("loss-plot"))
        self._observer.observe(get("network-canvas"))
        self._configure_trainer()
        self.netview.set_network(self.network)
        self.controls.show(self.settings)
        self.state = "loading"
        self._frame_proxy = create_proxy(self._frame)
        self._raf = window.requestAnimationFrame
        self._last_numbers = self._last_plot = 0.0
        self._seen_iterations = -1

    # --- lifecycle -------------------------------------------------------------------------------

    def start(self) -> None:
        self._raf(self._frame_proxy)
        self.set_state("ready")

    def set_state(self, state: str) -> None:
        """``ready``, ``training`` (live learning paused, rebuilds locked) or ``error``."""
        if self.body.hasAttribute("data-failure"):  # static/watchdog.js saw the page die
            state = "error"
        self.state = state
        self.trainer.suspended = state == "training"
        self.controls.lock(state == "training")
        self.body.dataset.state = state

    # --- messages --------------------------------------------------------------------------------

    def alert(self, message: str) -> None:
        """Show an error in the ``role="alert"`` element (replacing any previous one)."""
        self._alert_text.textContent = message
        self._alert.hidden = False

    def clear_alert(self) -> None:
        self._alert.hidden = True
        self._alert_text.textContent = ""

    def say(self, message: str) -> None:
        """A polite status line (not an error), e.g. 'New network 2-6-2'."""
        self._status.textContent = message

    def _diverged(self, message: str) -> None:
        self.alert(
            message + " Learning is stopped until you change a setting; press Reset for "
            "fresh weights."
        )

    # --- settings and the network ------------------------------------------------------------

    def apply_settings(self, new: Settings) -> bool:
        """Switch to ``new``; layers changes rebuild, everything else keeps the weights."""
        old = self.settings
        rebuild = new.rebuilds(old)
        try:
            new.check()
            params = check_params(new.network_params())
            if rebuild:
                net = Network(**new.network_params())
            elif (new.activation, new.output_activation, new.bias) != (
                old.activation,
                old.output_activation,
                old.bias,
            ):
                net = self._rebuilt_keeping_weights(params)
            else:
                net = self.network
        except NNError as exc:
            self.alert(str(exc))
            return False
        if net is self.network:  # only settings the network can change in place
            net.learning_rate = params["learning_rate"]
            net.dropout = params["dropout"]
            if new.optimizer != net.optimizer:
                net.set_optimizer(new.optimizer)
        self.settings = new
        self.clear_alert()
        self._configure_trainer()
        if net is not self.network:
            self._set_network(net, fresh=rebuild)
        if rebuild:
            self.say(
                f"New network {new.layers_text}: {self._describe(net)} drawn from seed "
                f"{new.seed}. Move the pointer to train it."
            )
        elif (new.activation, new.output_activation, new.bias, new.optimizer) != (
            old.activation,
            old.output_activation,
            old.bias,
            old.optimizer,
        ):
            self.say("Settings changed; the network keeps its weights.")
        self.controls.show(new)
        self._settings_changed()
        return True

    def _rebuilt_keeping_weights(self, params: dict) -> Network:
        model = self.network.export()
        model["params"] = {**model["params"], **params}
        if not params["bias"]:
            model["biases"] = [[0.0] * len(b) for b in model["biases"]]
        return Network.from_export(model)

    def _set_network(self, net: Network, *, fresh: bool) -> None:
        self.network = net
        self.trainer.set_network(net, keep_count=not fresh)
        self.netview.set_network(net)
        if fresh:
            self.plot.clear()
        for listener in self.on_network_change:
            listener(net)

    def reset(self) -> None:
        """New weights from the seed, same settings."""
        net = Network(**self.settings.network_params())
        self.clear_alert()
        self._set_network(net, fresh=True)
        self.say(f"New weights drawn from seed {self.settings.seed}.")

    def toggle_pause(self) -> None:
        self.trainer.paused = not self.trainer.paused
        self.controls.show_paused(self.trainer.paused)
        self.say(
            "Paused: the network is frozen so you can inspect it."
            if self.trainer.paused
            else "Running again."
        )

    def import_trained(self, weights: object, biases: object) -> None:
        """Replace the live weights and biases (same layers); raises ``NNError`` if they do not
        fit, and then nothing changes."""
        model = self.network.export()
        model["weights"], model["biases"] = weights, biases
        self._set_network(Network.from_export(model), fresh=False)

    def export_model(self) -> dict:
        """The current mode's network (Follow: feed-forward, Anticipate: recurrent)."""
        if self.mode == "anticipate":
            return self.anticipate.export_model()
        return self.network.export()

    def import_model(self, data: object) -> None:
        """Load a whole model export (its layers and settings too); raises ``NNError``.
        A recurrent model goes to Anticipate (and switches to it), any other to Follow."""
        if model_kind(data) == "recurrent":
            self.anticipate.import_model(data)
            return
        net = Network.from_export(data)
        self.anticipate.set_mode("follow")
        params = net.export_params()
        new = self.settings.replace(
            layers=tuple(params["layers"]),
            learning_rate=params["learning_rate"],
            activation=params["activation"],
            output_activation=params["output_activation"],
            bias=params["bias"],
            optimizer=params["optimizer"],
            dropout=params["dropout"] > 0,
            dropout_p=params["dropout"] or self.settings.dropout_p,
        ).check()
        self.settings = new
        self._configure_trainer()
        self._set_network(net, fresh=True)
        self.controls.show(new)
        self._settings_changed()

    def _settings_changed(self) -> None:
        for listener in self.on_settings_change:
            listener(self.settings)

    @staticmethod
    def _describe(net: Network) -> str:
        weights = sum(w.size for w in net.weights)
        biases = sum(b.size for b in net.biases) if net.bias else 0
        return f"{weights} weights and {biases} biases" if biases else f"{weights} weights"

    def _configure_trainer(self) -> None:
        s = self.settings
        self.trainer.backprop = s.backprop
        self.trainer.replay_on = s.replay
        self.trainer.diverged = False
        self._stage_resized()  # the normalization may have changed

    def _stage_resized(self) -> None:
        stage = self.stage
        self.trainer.set_canvas(
            stage.width, stage.height, self.settings.normalization, target=stage.target
        )

    def _views_resized(self, entries=None, observer=None) -> None:
        self.plot.resize()
        self.netview.resize()

    def canvas_size(self) -> tuple[float, float]:
        return self.stage.width, self.stage.height

    # --- the animation frame ---------------------------------------------------------------------

    def _moved(self, x: float, y: float) -> None:
        if self.mode == "anticipate":
            self.anticipate.pointer(x, y)
        else:
            self.trainer.move(x, y)

    def _frame(self, now: float) -> None:
        self._raf(self._frame_proxy)
        started = time.perf_counter()
        if self.mode == "anticipate":
            self.anticipate.frame(now)
            self.netview.draw(now)
            if now - self._last_numbers >= NUMBERS_MS:
                self._last_numbers = now
                self._show_numbers()
            if self.stats is not None:
                self.stats.frame(time.perf_counter() - started)
            return
        trainer = self.trainer
        for listener in self.on_frame:
            listener(now)
        # The views first (each at its own pace), so that replay gets what is left of the budget.
        if trainer.iterations != self._seen_iterations:
            self._seen_iterations = trainer.iterations
            trainer.sync_view()  # the latest step's outputs and deltas, for the network view
            self.netview.invalidate()
        if now - self._last_numbers >= NUMBERS_MS:
            self._last_numbers = now
            mean = trainer.take_mean_error()
            if mean is not None:
                self.plot.add(mean)
            self._show_numbers()
        if now - self._last_plot >= PLOT_MS:
            self._last_plot = now
            self.plot.draw()
        self.netview.draw(now)
        if trainer.replay_on:
            left = FRAME_BUDGET_S - (time.perf_counter() - started)
            trainer.replay(max(min(REPLAY_BUDGET_S, left), REPLAY_BUDGET_S / 4))
        if trainer.changed:
            trainer.changed = False
            tx, ty = trainer.target_px
            cx, cy = trainer.circle_px()
            self.stage.draw(tx, ty, cx, cy)
            self.stage.publish(tx, ty, cx, cy, trainer.iterations, trainer.error)
        if self.stage_text.due(now):  # the canvas in words, at most once a second
            self.stage_text.update(
                now, trainer.target_px, trainer.circle_px(), self.stage.width, self.stage.height
            )
        if self.stats is not None:
            self.stats.frame(time.perf_counter() - started)

    def _show_numbers(self) -> None:
        t, net = self.trainer, self.network
        if self.mode == "anticipate":
            t, net = self.anticipate.anticipator, self.anticipate.net
        values = {
            "iterations": f"{t.iterations:,}",
            "error": "–" if t.error is None else f"{t.error:.2e}",
            "lr": f"{net.learning_rate:g}",
            "params": f"{net.parameter_count:,}",
        }
        for key, text in values.items():
            if self._numbers_text.get(key) != text:
                self._numbers_text[key] = text
                self._numbers[key].textContent = text
