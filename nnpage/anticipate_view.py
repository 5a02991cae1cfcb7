"""The Anticipate mode in the page: its controls, its recurrent network, the canvas drawing, the
error plot, the numbers, and the test contract on ``#stage``.

The logic lives in ``anticipate.py`` (pure, CPython-tested); this module only translates: pointer
events and animation frames in, drawing and ``data-*`` attributes out.

``#stage`` carries ``data-mode`` (``follow`` or ``anticipate``) and, in anticipate,
``data-predict-x``/``data-predict-y`` (CSS px, where the circle is drawn), ``data-horizon-ms``,
``data-lead-error`` and ``data-lag-error`` (CSS px, means over the last second; empty until
known), ``data-let-go`` (``true`` while the network draws on its own), ``data-samples`` (the
samples the network has learnt from in Anticipate) and ``data-rolled`` (the samples it has drawn on
its own since it was let go; 0 while the pointer leads).
``window.nnStats.anticipateMs`` is a ring of the Python time of each frame's work (feed,
backpropagation through time, rollout), ``nnStats.anticipateSamples`` the samples each of those
frames took (more than one after a late frame), ``nnStats.anticipateFrames`` their count.

Usage (app.py)::

    mode = AnticipateMode(app)       # wires #mode, #horizon, #let-go, builds the network
    mode.pointer(x_px, y_px)         # from the stage, while mode.active
    mode.frame(now_ms)               # from the animation frame, while mode.active
"""

from __future__ import annotations

import math
import time

import numpy as np
from js import document, window

from nn import NNError, RecurrentNetwork
from nn.defaults import ANTICIPATE_DEFAULTS, MOVES_MAX_BYTES, RECURRENT_DEFAULTS
from nn.trajectories import (
    N_INPUTS,
    N_OUTPUTS,
    dump_moves,
    read_moves,
    strokes_to_sequences,
)
from nnpage.anticipate import Anticipator
from nnpage.listeners import Listeners
from nnpage.stats import RING

__all__ = ["AnticipateMode", "RecurrentView"]

TAU = 2 * math.pi
CIRCLE_RADIUS = 16
PLOT_POINTS = 300  # 30 s of points, one per 0.1 s
COLORS = {
    "circle": "rgba(37, 99, 235, 0.85)",
    "circle_edge": "#1e40af",
    "target": "#d9480f",
    "lag": "rgba(100, 116, 139, 0.9)",
    "link": "rgba(91, 100, 117, 0.55)",
    "trail": "37, 99, 235",
    "lead_line": "#2456c9",
    "lag_line": "#94a3b8",
    "grid": "#e3e7ee",
    "text": "#5b6475",
}
MAX_RECORDED = 36_000  # samples kept for pre-training and export (10 minutes)


def new_network(seed: int | None) -> RecurrentNetwork:
    """The Anticipate network: position and displacement in, the next displacement out."""
    return RecurrentNetwork(
        [N_INPUTS, RECURRENT_DEFAULTS["hidden"], N_OUTPUTS],
        learning_rate=RECURRENT_DEFAULTS["learning_rate"],
        activation=RECURRENT_DEFAULTS["activation"],
        optimizer=RECURRENT_DEFAULTS["optimizer"],
        bptt=RECURRENT_DEFAULTS["bptt"],
        clip=RECURRENT_DEFAULTS["clip"],
        seed=seed,
    )


class RecurrentView:
    """A ``RecurrentNetwork`` as the network view reads a network: three layers (the inputs,
    the state, the outputs), ``weights`` ``[W_x, W_y]``, and ``recurrent`` (``W_h``)."""

    io_names = (("x", "y", "dx", "dy"), ("dx′", "dy′"))

    def __init__(self, net: RecurrentNetwork, anticipator: Anticipator):
        self.net = net
        self.anticipator = anticipator
        self.layers = net.layers
        self.dropped = [np.zeros(n, dtype=bool) for n in net.layers]

    @property
    def weights(self):
        w = self.net.weights
        return [w[0], w[2]]

    @property
    def recurrent(self):
        return self.net.weights[1]

    @property
    def biases(self):
        return self.net.biases

    @property
    def outputs(self):
        online = self.anticipator.online  # it drives the network sample by sample
        return [online.last_input, online.state, online.outputs]

    @property
    def deltas(self):
        return [np.zeros(self.layers[1]), np.zeros(self.layers[2])]


class ErrorPlot:
    """The lead and lag errors over time (CSS px, linear scale) on the loss plot's canvas."""

    def __init__(self, canvas):
        self.canvas = canvas
        self.ctx = canvas.getContext("2d")
        self._path2d = window.Path2D.new
        self.lead: list[float] = []
        self.lag: list[float] = []
        self.dirty = True

    def add(self, lead: float | None, lag: float | None) -> None:
        if lead is None or lag is None:
            return
        self.lead = [*self.lead[1 - PLOT_POINTS :], lead]
        self.lag = [*self.lag[1 - PLOT_POINTS :], lag]
        self.dirty = True

    def draw(self) -> None:
        if not self.dirty:
            return
        self.dirty = False
        ctx = self.ctx
        w, h = float(self.canvas.clientWidth), float(self.canvas.clientHeight)
        ratio = float(window.devicePixelRatio or 1)
        ctx.setTransform(ratio, 0, 0, ratio, 0, 0)
        ctx.clearRect(0, 0, w, h)
        ctx.font = "11px system-ui, sans-serif"
        ctx.textBaseline = "middle"
        if not self.lead:
            ctx.fillStyle = COLORS["text"]
            ctx.textAlign = "center"
            ctx.fillText("draw smooth curves on the canvas to start", w / 2, h / 2)
            return
        top = max(10.0, max(max(self.lead), max(self.lag)) * 1.1)
        left, right, pad = 44.0, 8.0, 8.0
        step = (w - left - right) / max(1, PLOT_POINTS - 1)

        def y_of(v: float) -> float:
            return pad + (1 - v / top) * (h - 2 * pad)

        ctx.textAlign = "right"
        ctx.fillStyle = COLORS["text"]
        grid = []
        for frac in (0.0, 0.5, 1.0):
            v = top * frac
            grid.append(f"M{left} {y_of(v):.1f}H{w - right:.1f}")
            ctx.fillText(f"{v:.0f} px", left - 6, y_of(v))
        ctx.lineWidth = 1
        ctx.strokeStyle = COLORS["grid"]
        ctx.stroke(self._path2d("".join(grid)))
        for values, color in ((self.lag, "lag_line"), (self.lead, "lead_line")):
            x0 = left + (PLOT_POINTS - len(values)) * step
            parts = [f"L{x0 + i * step:.1f} {y_of(v):.1f}" for i, v in enumerate(values)]
            parts[0] = "M" + parts[0][1:]
            ctx.strokeStyle = COLORS[color]
            ctx.lineWidth = 2
            ctx.stroke(self._path2d("".join(parts)))
        ctx.textAlign = "left"
        ctx.fillStyle = COLORS["lead_line"]
        ctx.fillText("network's lead error", left + 6, pad + 6)
        ctx.fillStyle = COLORS["lag_line"]
        ctx.fillText("no-memory lag", left + 150, pad + 6)


class AnticipateMode:
    """The Anticipate mode; see the module docstring."""

    def __init__(self, app):
        self.app = app
        get = document.getElementById
        self.el = {
            name: get(name)
            for name in (
                "mode",
                "horizon",
                "let-go",
                "anticipate",
                "stat-lead",
                "stat-lag",
                "moves-export",
                "moves-reset",
                "moves-import",
                "plot-caption",
            )
        }
        self.active = False
        self.net = new_network(app.settings.seed)
        self.anticipator = Anticipator(self.net, horizon_ms=ANTICIPATE_DEFAULTS["horizon_ms"])
        self.anticipator.on_divergence = self._diverged
        self.view = RecurrentView(self.net, self.anticipator)
        self.plot = ErrorPlot(get("loss-plot"))
        self.recorded: list[tuple[float, float, float]] = []  # (t_ms, x, y) of real samples
        self.imported: list[np.ndarray] = []  # strokes of an imported moves.csv, at 60 Hz
        self._published: dict[str, str] = {}
        self._dirty = True  # redraw and republish on the next frame
        self._form: dict[str, str] | None = None  # the other mode's pre-training fields
        self._numbers: dict[str, str] = {}
        self._last_numbers = 0.0
        self._stage = app.stage
        self._now = window.performance.now
        self._set_attr = app.stage.canvas.setAttribute
        self._stats_ring = window.Float64Array.new(RING)
        self._samples_ring = window.Uint8Array.new(RING)
        self._stats_count = 0
        self._js_stats = getattr(window, "nnStats", None)  # looked up once: JS lookups cost
        if self._js_stats is not None:
            self._js_stats.anticipateMs = self._stats_ring
            self._js_stats.anticipateSamples = self._samples_ring
            self._js_stats.anticipateFrames = 0
        self.el["horizon"].value = str(ANTICIPATE_DEFAULTS["horizon_ms"])
        self.el["horizon"].min = str(ANTICIPATE_DEFAULTS["min_horizon_ms"])
        self.el["horizon"].max = str(ANTICIPATE_DEFAULTS["max_horizon_ms"])
        self.listeners = Listeners()
        for name, event, handler in (
            ("mode", "change", self._mode_changed),
            ("horizon", "change", self._horizon_changed),
            ("let-go", "change", self._let_go_changed),
            ("moves-export", "click", self._export_moves),
            ("moves-reset", "click", self._reset_network),
            ("moves-import", "change", self._import_moves),
        ):
            self.listeners.on(self.el[name], event, lambda e, h=handler: self._guard(h))
        self._set_attr("data-mode", "follow")

    def _guard(self, fn) -> None:
        try:
            fn()
        except NNError as exc:
            self.app.alert(str(exc))

    def _diverged(self, message: str) -> None:
        self.app.alert(message + " Anticipate stops learning until you press New network.")

    # --- controls --------------------------------------------------------------------------------

    def _mode_changed(self) -> None:
        self.set_mode(str(self.el["mode"].value))

    def set_mode(self, mode: str) -> None:
        """Switch between ``follow`` and ``anticipate``; each keeps its own network."""
        if mode not in ("follow", "anticipate"):
            raise NNError(f"Mode must be follow or anticipate, got {mode!r}.")
        self.el["mode"].value = mode
        active = mode == "anticipate"
        if active == self.active:
            return
        self.active = active
        self.app.mode = mode
        self.el["anticipate"].hidden = not active
        self.body_class(active)
        self._set_attr("data-mode", mode)
        self.el["plot-caption"].textContent = (
            "Lead error of the network and lag of a guess without memory (CSS px, last second)"
            if active
            else "Error over time (smoothed, log scale)"
        )
        if active:
            self.anticipator.reset()  # the pointer's past in the other mode means nothing here
            self._published.clear()
            self._dirty = True
            self.app.netview.set_network(self.view)
            self.plot.dirty = True
            self.app.say(
                "Anticipate: draw smooth curves; the circle runs ahead of the pointer. Stop "
                "moving (or tick Let go) and the network keeps drawing the motion it learned."
            )
        else:
            self.app.netview.set_network(self.app.network)
            self.app.plot.dirty = True
            self.app.trainer.refeed()
            self.app.say("Follow: the circle follows the pointer (the network has no memory).")
        for name in (
            "data-predict-x",
            "data-predict-y",
            "data-lead-error",
            "data-lag-error",
            "data-samples",
            "data-rolled",
        ):
            if not active:
                self.app.stage.canvas.removeAttribute(name)
        self._swap_pretrain_form(active)
        self.app.netview.invalidate()

    def _swap_pretrain_form(self, active: bool) -> None:
        """The pre-training fields suit the mode's network; each mode keeps what was typed."""
        from nnpage.anticipate_pretrain import form_values

        fields = {name: document.getElementById(name) for name in form_values()}
        if any(f is None for f in fields.values()):
            return
        mine = self._form if self._form is not None else form_values()
        self._form = {name: str(f.value) for name, f in fields.items()}  # the other mode's
        for name, f in fields.items():
            f.value = mine[name]

    def body_class(self, active: bool) -> None:
        document.body.dataset.mode = "anticipate" if active else "follow"

    def _horizon_changed(self) -> None:
        control = self.el["horizon"]
        text = str(control.value).strip()
        try:
            value = float(text)
            self.anticipator.set_horizon(value)
        except ValueError:  # float() or the core's check (NNError is a ValueError)
            control.setAttribute("aria-invalid", "true")
            limits = ANTICIPATE_DEFAULTS["min_horizon_ms"], ANTICIPATE_DEFAULTS["max_horizon_ms"]
            control.value = f"{self.anticipator.horizon_ms:g}"
            raise NNError(
                f"Horizon must be a number of milliseconds from {limits[0]} to {limits[1]}; "
                f"got {text!r}. It stays {self.anticipator.horizon_ms:g} ms."
            ) from None
        control.removeAttribute("aria-invalid")
        self._dirty = True
        self.app.clear_alert()

    def _let_go_changed(self) -> None:
        self.anticipator.let_go = bool(self.el["let-go"].checked)
        self._dirty = True

    def _reset_network(self) -> None:
        self.set_network(new_network(self.app.settings.seed))
        self.app.say(f"New Anticipate network from seed {self.app.settings.seed}.")

    def set_network(self, net: RecurrentNetwork) -> None:
        """Replace the Anticipate network (a reset, an import, a pre-training)."""
        self.net = net
        self.anticipator.set_network(net)
        self.view = RecurrentView(net, self.anticipator)
        self.plot.lead, self.plot.lag = [], []
        self.plot.dirty = True
        if self.active:
            self.app.netview.set_network(self.view)
            self.app.clear_alert()

    def _export_moves(self) -> None:
        from nnpage.download import download

        if len(self.recorded) < 3:
            raise NNError("No moves recorded yet: draw on the canvas in Anticipate mode first.")
        rows = np.array(self.recorded)
        download(dump_moves(rows[:, 0], rows[:, 1:]), "moves.csv", "text/csv")

    def _import_moves(self) -> None:
        from pyodide.ffi import create_once_callable

        files = self.el["moves-import"].files
        if files.length:
            file = files.item(0)
            if file.size > MOVES_MAX_BYTES or file.size == 0:  # before reading a byte of it
                self.el["moves-import"].value = ""
                size = "empty" if file.size == 0 else f"{file.size / 1e6:.1f} MB"
                raise NNError(
                    f"The moves file {str(file.name)!r} was not imported: it is {size}, and a "
                    f"moves file has 1 byte to {MOVES_MAX_BYTES / 1e6:.0f} MB."
                )
            file.text().then(
                create_once_callable(lambda text: self._guard(lambda: self._parse(file.name, text)))
            )

    def _parse(self, name: str, text: str) -> None:
        self.el["moves-import"].value = ""
        try:
            strokes = read_moves(text)  # size, binary, lines, then every row
            strokes_to_sequences(strokes)  # long enough to train on?
        except NNError as exc:
            raise NNError(f"The moves file {name!r} was not imported: {exc}") from None
        self.imported = strokes
        document.getElementById("dataset-source").value = "imported"
        samples = sum(len(s) for s in strokes)
        self.app.say(
            f"Imported {samples:,} samples in {len(strokes)} strokes from {name}; Pre-train "
            "uses them."
        )

    # --- events and frames ---------------------------------------------------------------------

    def pointer(self, x: float, y: float) -> None:
        """A pointer move to (x, y) CSS px."""
        width, height = self._stage.width, self._stage.height
        if width and height:
            self.anticipator.pointer(self._now(), x / width, y / height)

    def frame(self, now: float) -> None:
        a = self.anticipator
        app = self.app
        a.learning = app.trainer.backprop and not app.trainer.paused and app.state != "training"
        started = time.perf_counter()
        taken = a.tick(now)
        spent = time.perf_counter() - started
        if taken:
            self._stats_ring[self._stats_count % RING] = spent * 1000.0
            self._samples_ring[self._stats_count % RING] = min(taken, 255)
            self._stats_count += 1
            if self._js_stats is not None:
                self._js_stats.anticipateFrames = self._stats_count
            if not a.rolling and a.position is not None:
                self._record(now, a.position)
            app.netview.invalidate()
        if taken or self._dirty:
            self._dirty = False
            self._draw()
            self._publish()
        if now - self._last_numbers >= 100:
            self._last_numbers = now
            w, h = self._stage.width, self._stage.height
            self.plot.add(a.lead_error(w, h), a.lag_error(w, h))
            self._show_numbers()
        self.plot.draw()

    def _record(self, now: float, position: np.ndarray) -> None:
        if len(self.recorded) >= MAX_RECORDED:
            del self.recorded[: MAX_RECORDED // 10]
        self.recorded.append((now, float(position[0]), float(position[1])))

    def _draw(self) -> None:
        stage, a = self._stage, self.anticipator
        ctx, w, h = stage.ctx, stage.width, stage.height
        ctx.clearRect(0, 0, w, h)
        if a.position is None:
            return
        px, py = a.position[0] * w, a.position[1] * h
        cx, cy = (px, py) if a.prediction is None else (a.prediction[0] * w, a.prediction[1] * h)
        if a.rolling:
            self._draw_trail(ctx, w, h)
        else:
            lagged = a.lagged()
            if lagged is not None:  # the guess without memory: the pointer one horizon ago
                ctx.strokeStyle = COLORS["lag"]
                ctx.lineWidth = 2
                ctx.setLineDash([4, 3])
                ctx.beginPath()
                ctx.arc(lagged[0] * w, lagged[1] * h, CIRCLE_RADIUS, 0, TAU)
                ctx.stroke()
                ctx.setLineDash([])
            ctx.lineWidth = 1.5
            ctx.strokeStyle = COLORS["link"]
            ctx.beginPath()
            ctx.moveTo(px, py)
            ctx.lineTo(cx, cy)
            ctx.stroke()
        ctx.fillStyle = COLORS["circle"]
        ctx.strokeStyle = COLORS["circle_edge"]
        ctx.lineWidth = 1.5
        ctx.beginPath()
        ctx.arc(cx, cy, CIRCLE_RADIUS, 0, TAU)
        ctx.fill()
        ctx.stroke()
        if not a.rolling:
            ctx.strokeStyle = COLORS["target"]
            ctx.lineWidth = 2
            ctx.beginPath()
            ctx.arc(px, py, 7, 0, TAU)
            ctx.moveTo(px - 11, py)
            ctx.lineTo(px + 11, py)
            ctx.moveTo(px, py - 11)
            ctx.lineTo(px, py + 11)
            ctx.stroke()

    def _draw_trail(self, ctx, w: float, h: float) -> None:
        """The positions the network drew on its own, fading with age (a few paths)."""
        trail = list(self.anticipator.trail)
        if len(trail) < 2:
            return
        buckets = 6
        size = max(1, math.ceil((len(trail) - 1) / buckets))
        ctx.lineWidth = 4
        ctx.lineCap = "round"
        for b, start in enumerate(range(0, len(trail) - 1, size)):
            part = trail[start : start + size + 1]
            alpha = 0.1 + 0.6 * (b + 1) / buckets
            ctx.strokeStyle = f"rgba({COLORS['trail']}, {alpha:.2f})"
            text = "M" + "L".join(f"{x * w:.1f} {y * h:.1f}" for x, y in part)
            ctx.stroke(window.Path2D.new(text))

    def _publish(self) -> None:
        a, stage = self.anticipator, self._stage
        w, h = stage.width, stage.height
        pred = a.prediction if a.prediction is not None else a.position
        lead, lag = a.lead_error(w, h), a.lag_error(w, h)
        values = {
            "data-mode": "anticipate",
            "data-predict-x": "" if pred is None else f"{pred[0] * w:.2f}",
            "data-predict-y": "" if pred is None else f"{pred[1] * h:.2f}",
            "data-horizon-ms": f"{a.horizon_ms:g}",
            "data-lead-error": "" if lead is None else f"{lead:.2f}",
            "data-lag-error": "" if lag is None else f"{lag:.2f}",
            "data-let-go": "true" if a.rolling else "false",
            "data-samples": str(a.iterations),
            "data-rolled": str(a.rolled),
        }
        for name, value in values.items():
            if self._published.get(name) != value:
                self._published[name] = value
                self._set_attr(name, value)

    def _show_numbers(self) -> None:
        a, stage = self.anticipator, self._stage
        lead = a.lead_error(stage.width, stage.height)
        lag = a.lag_error(stage.width, stage.height)
        texts = {
            "stat-lead": "–" if lead is None else f"{lead:.1f} px",
            "stat-lag": "–" if lag is None else f"{lag:.1f} px",
        }
        for key, text in texts.items():
            if self._numbers.get(key) != text:
                self._numbers[key] = text
                self.el[key].textContent = text

    # --- model files -----------------------------------------------------------------------------

    def export_model(self) -> dict:
        return self.net.export()

    def import_model(
        self, data: object, *, switch: bool = True, online: tuple | None = None
    ) -> str:
        """Load a recurrent export (its sizes must be the page's: 4 inputs, 2 outputs) and, if
        ``switch``, show Anticipate; returns ``describe()`` for the status line.

        The network goes on learning live with the optimizer and learning rate its file says,
        unless ``online`` gives others, ``(optimizer, options, learning rate)``: a pre-training
        run puts back those the network had before it."""
        net = RecurrentNetwork.from_export(data)
        if (net.layers[0], net.layers[2]) != (N_INPUTS, N_OUTPUTS):
            raise NNError(
                f"Anticipate needs a recurrent network with {N_INPUTS} inputs (x, y, dx, dy) "
                f"and {N_OUTPUTS} outputs (dx, dy); this one has layers {list(net.layers)}."
            )
        if online is not None:
            optimizer, options, learning_rate = online
            net.set_optimizer(optimizer, options)
            net.learning_rate = learning_rate
        self.set_network(net)
        if switch:
            self.set_mode("anticipate")
        return self.describe()

    def describe(self) -> str:
        """The Anticipate network in words, with the settings it learns live with."""
        net = self.net
        return (
            f"Anticipate network {'-'.join(map(str, net.layers))}, {net.activation}, learning "
            f"live with {net.optimizer} at learning rate {net.learning_rate:g}, BPTT over "
            f"{net.bptt} samples"
        )

    def destroy(self) -> None:
        self.listeners.destroy()
