"""Live training: each pointer move is normalised, fed and backpropagated; between moves, recent
positions can be replayed for a few milliseconds per animation frame.

A move is one step of the article's algorithm, ``Network.feed`` + ``backpropagate``, run through
the fast engine (``nn.engine``, a batch of one sample: the tests hold it equal to the readable
step to 1e-12), because a move must cost well under a millisecond; Step mode (``stepper.py``)
runs the readable methods themselves. Replay runs the same engine, ``REPLAY_CHUNK`` positions per
call. ``sync_view`` copies the latest step's outputs and deltas into ``net.outputs`` and
``net.deltas`` for the network view, once per drawn frame rather than per move. The network input
is one reused ``(2,)`` array, and pixel <-> network coordinates use a linear map derived once per
canvas size from ``nn.from_pixels`` (so the core stays the one definition).

Usage::

    trainer = Trainer(net, on_divergence=app.alert)
    trainer.set_canvas(600, 400, factor=1)
    trainer.move(120.0, 80.0)      # CSS px: feed, backpropagate (when learning), remember
    trainer.replay(0.004)          # once per frame: more steps on recent positions, then re-feed
    trainer.sync_view()            # before drawing the network view
    trainer.circle_px()            # where to draw the circle
"""

from __future__ import annotations

import random
import time
from collections import deque
from collections.abc import Callable

import numpy as np

from nn import DivergenceError, Network, from_pixels
from nn.engine import Engine, StepRejected
from nn.guard import divergence

__all__ = ["REPLAY_IDLE_S", "REPLAY_SIZE", "Trainer"]

REPLAY_SIZE = 256  # recent positions kept for replay
REPLAY_IDLE_S = 5.0  # stop replaying this long after the last move (the circle has settled)
REPLAY_CHUNK = 16  # replay steps per engine call, between two looks at the clock


class Trainer:
    """Feed and backpropagate on the live network; see the module docstring."""

    def __init__(self, network: Network, on_divergence: Callable[[str], None]):
        self.net = network
        self.on_divergence = on_divergence
        self.backprop = True  # learn from moves (the Backpropagation checkbox)
        self.paused = False  # the Pause button: moves only move the target
        self.suspended = False  # a pre-training runs: show the guess, do not learn
        self._stepping = False  # step mode: show the guess, learn only when Step asks
        self.replay_on = True
        self.recorder: Callable[[float, float], None] | None = None
        self.iterations = 0  # backpropagation steps since the network was built
        self.error: float | None = None  # output error of the latest step
        self.changed = True  # something to redraw
        self.diverged = False  # the guard fired; cleared when settings change
        self._x = np.zeros(2)  # the network input, reused by every step
        self._out = (0.0, 0.0)  # last output, network coordinates
        self._recent: deque[tuple[float, float]] = deque(maxlen=REPLAY_SIZE)
        self._engine: Engine | None = None  # for self.net: moves and replay, a batch of 1
        self._column = np.ones((3, 1))  # a move's position as a column, then the bias row
        self._columns = np.ones((3, REPLAY_CHUNK))  # replay positions as columns, then the bias row
        self._view = ""  # what sync_view still has to copy: "", "deltas" or "step" (and outputs)
        self._rng = random.Random(0)
        self._last_move = 0.0
        self._err_sum = 0.0  # for the loss plot: sum and count of errors since last taken
        self._err_count = 0
        self.set_canvas(2.0, 2.0, 1)

    # --- configuration ---------------------------------------------------------------------------

    @property
    def stepping(self) -> bool:
        return self._stepping

    @stepping.setter
    def stepping(self, on: bool) -> None:
        self._stepping = on
        self._view = ""  # Step mode's own steps fill net.outputs and net.deltas, not the engine

    @property
    def learning(self) -> bool:
        return (
            self.backprop
            and not self.paused
            and not self.suspended
            and not self._stepping
            and not self.diverged
        )

    def set_network(self, network: Network, *, keep_count: bool = True) -> None:
        self.net = network
        self._engine = None
        self._view = ""
        self.diverged = False
        if not keep_count:
            self.iterations = 0
            self.error = None
            self._recent.clear()
        self.refeed()

    def set_canvas(
        self, width: float, height: float, factor: int, target: tuple[float, float] | None = None
    ) -> None:
        """Derive ``network = pixel * scale + offset`` (per axis) from the core's definition;
        ``target`` is the pointer in CSS px (default: the centre)."""
        corners = from_pixels([[0.0, 0.0], [width, height]], width, height, factor)  # (2, 2)
        scale = (corners[1] - corners[0]) / np.array([width, height])  # (2,)
        self._kx, self._ky = float(scale[0]), float(scale[1])
        self._ox, self._oy = float(corners[0][0]), float(corners[0][1])
        self._target = target if target is not None else (width / 2, height / 2)
        self.refeed()

    # --- the per-move path ---------------------------------------------------------------------

    def move(self, px: float, py: float) -> None:
        """A pointer move to (px, py) CSS px: normalise -> feed -> backpropagate -> remember."""
        self._target = (px, py)
        self.changed = True
        if self.paused:
            return
        nx = px * self._kx + self._ox
        ny = py * self._ky + self._oy
        if self.learning:
            self._step(nx, ny)
        else:
            x = self._x
            x[0] = nx
            x[1] = ny
            try:
                out = self.net.feed(x)
                self._out = (float(out[0]), float(out[1]))
            except DivergenceError as exc:
                self._diverge(exc)
        if self.recorder is not None:
            self.recorder(nx, ny)

    def _step(self, nx: float, ny: float) -> None:
        """feed + backpropagate on (nx, ny) with the target (nx, ny), as one engine step."""
        net, column = self.net, self._column
        engine = self._engine_for(net)
        column[0, 0], column[1, 0] = nx, ny
        column[2, 0] = 1.0 if net.bias else 0.0
        try:
            squares = engine.run_guarded(column, column[:2], 0, 1)
        except StepRejected as rejected:  # the network is as before the step
            self._view = ""
            self._diverge(divergence(net.learning_rate, rejected.error))
            return
        out = engine.output  # (2, 1): what the network answered, before the update
        self._out = (float(out[0, 0]), float(out[1, 0]))
        self._count(1, squares)
        net.output_error = self.error = 0.5 * squares
        self._recent.append((nx, ny))
        self._last_move = time.perf_counter()
        self._view = "step"

    def _count(self, steps: int, squares: float) -> None:
        """Book ``steps`` engine steps whose sum of squared output errors is ``squares``."""
        self.net.iterations += steps
        self.iterations += steps
        self._err_sum += 0.5 * squares
        self._err_count += steps

    def _engine_for(self, net: Network) -> Engine:
        if self._engine is None or self._engine.net is not net:
            self._engine = Engine(net, 1)
        return self._engine

    def sync_view(self) -> None:
        """Copy the latest engine step into ``net.deltas`` and, unless the network was fed since,
        its outputs into ``net.outputs`` (what the network view and its hover text read)."""
        view, self._view = self._view, ""
        if not view or self._engine is None or self._engine.net is not self.net:
            return
        engine, net = self._engine, self.net
        net.deltas = [d[:, 0].copy() for d in engine.deltas]
        if view == "step":
            net.outputs = [
                self._column[:2, 0].copy(),
                *(z[:, 0].copy() for z in engine.z),
                engine.output[:, 0].copy(),
            ]

    def replay(self, budget_s: float) -> int:
        """Train on random recent positions for about ``budget_s`` seconds; return the steps."""
        recent = self._recent
        now = time.perf_counter()
        if (
            not self.replay_on
            or not self.learning
            or not recent
            or now - self._last_move > REPLAY_IDLE_S
        ):
            return 0
        deadline = now + budget_s
        net, pick, n = self.net, self._rng.randrange, len(recent)
        engine, columns = self._engine_for(net), self._columns
        columns[2] = 1.0 if net.bias else 0.0  # (3, REPLAY_CHUNK): x, y, bias input
        steps, squares = 0, 0.0
        try:
            while time.perf_counter() < deadline:
                for j in range(REPLAY_CHUNK):
                    columns[0, j], columns[1, j] = recent[pick(n)]
                # the targets are the positions themselves: rows x and y of the same columns
                squares += engine.run_guarded(columns, columns[:2], 0, REPLAY_CHUNK)
                steps += REPLAY_CHUNK
        except StepRejected as rejected:  # the network is at its last good step
            steps += rejected.steps
            self._diverge(divergence(net.learning_rate, rejected.error))
        self._count(steps, squares)
        if steps:
            self._view = "deltas"  # the outputs come from refeed() below
        self.refeed()
        return steps

    def refeed(self) -> None:
        """Feed the current target again so the circle shows the network as it is now."""
        px, py = self._target
        self._x[0] = px * self._kx + self._ox
        self._x[1] = py * self._ky + self._oy
        try:
            out = self.net.feed(self._x)
        except DivergenceError as exc:
            self._diverge(exc)
            return
        if self._view == "step":
            self._view = "deltas"  # net.outputs now hold this newer feed
        self._out = (float(out[0]), float(out[1]))
        self.changed = True

    def _diverge(self, exc: DivergenceError) -> None:
        if not self.diverged:
            self.diverged = True
            self.on_divergence(str(exc))

    # --- reading ---------------------------------------------------------------------------------

    @property
    def target_px(self) -> tuple[float, float]:
        return self._target

    def target_network(self) -> tuple[float, float]:
        """The target (the pointer) in network coordinates, as a move feeds it."""
        px, py = self._target
        return px * self._kx + self._ox, py * self._ky + self._oy

    def circle_px(self) -> tuple[float, float]:
        ox, oy = self._out
        return (ox - self._ox) / self._kx, (oy - self._oy) / self._ky

    def take_mean_error(self) -> float | None:
        """Mean error of the steps since the last call (None when there were none)."""
        if not self._err_count:
            return None
        mean = self._err_sum / self._err_count
        self._err_sum, self._err_count = 0.0, 0
        return mean

    def recent_positions(self) -> list[tuple[float, float]]:
        """The positions replay draws from, network coordinates (newest last)."""
        return list(self._recent)
