"""Anticipate: a recurrent network learns the pointer's motion online and says where the pointer
will be one horizon ahead. Pure Python and numpy (no browser), so CPython tests drive it.

Each animation frame hands over the pointer events that arrived and the time; ``tick`` turns
them into samples at a fixed rate (60 Hz, interpolating between events; a sample waits for the
event after it, up to ``WAIT_MS``) and, per sample:

1. backpropagates the network's last output against the displacement that really happened
   (truncated BPTT over the last ``bptt`` samples);
2. feeds the new sample (position and displacement, ``nn.trajectories.features``);
3. rolls the prediction forward from a *copy* of the state, one sample per step, feeding each
   predicted position back in, until one horizon ahead: that is where the circle goes.

It also keeps the two errors shown side by side, in CSS px over the last second: the network's
*lead error* (the prediction made one horizon ago against where the pointer is now) and the *lag
error* of a guess without memory (the pointer one horizon ago against now).

**Let go**: when the pointer has not moved for ``still_s`` (or ``let_go`` is set), the network is
fed its own predictions instead and keeps drawing the motion it learned; ``trail`` holds its
recent positions. Nothing is learnt meanwhile (there is nothing true to learn from).

Usage::

    anticipator = Anticipator(RecurrentNetwork([4, 16, 2], seed=0), horizon_ms=150)
    anticipator.pointer(t_ms, x, y)             # each pointer event, canvas fractions
    anticipator.tick(now_ms)                    # each frame: samples, learns, predicts
    anticipator.prediction                      # where to draw the circle (canvas fractions)
    anticipator.lead_error(w, h), anticipator.lag_error(w, h)   # CSS px, last second
"""

from __future__ import annotations

import math
from collections import deque

import numpy as np

from nn import DivergenceError, RecurrentNetwork
from nn.defaults import ANTICIPATE_DEFAULTS
from nn.recurrent_engine import OnlineBPTT
from nn.trajectories import SCALE, features, roll
from nn.validation import check_real

__all__ = ["Anticipator"]

HZ = float(ANTICIPATE_DEFAULTS["sample_hz"])
PERIOD_MS = 1000.0 / HZ
WINDOW = round(ANTICIPATE_DEFAULTS["window_s"] * HZ)  # samples in the last second
TRAIL = 90  # positions kept in the let-go trail (1.5 s)
MAX_CATCH_UP = 6  # samples per tick at most: a stalled tab does not replay minutes
MOVED = 1e-4  # a displacement below this (canvas fractions) is no movement
# A sample is taken once a pointer event at or after its time has arrived, so that it lies
# between two events (interpolated, never held at an older position: a held sample would teach
# the network a pause and then a jump). After this long without events the pointer is still, and
# its last position is the truth.
WAIT_MS = 50.0


class Anticipator:
    """The Anticipate mode's state; see the module docstring."""

    def __init__(self, net: RecurrentNetwork, horizon_ms: float | None = None):
        self.net = net
        self.online = OnlineBPTT(net)  # the network's feed and backpropagate, in fewer calls
        self.horizon_ms = ANTICIPATE_DEFAULTS["horizon_ms"]
        self.set_horizon(self.horizon_ms if horizon_ms is None else horizon_ms)
        self.learning = True  # backpropagate each sample (the app's learning switches)
        self.let_go = False  # the Let go toggle: feed the network its own predictions
        self.still_s = float(ANTICIPATE_DEFAULTS["still_s"])
        self.on_divergence = None  # fn(message) when the guard rejects a step
        self.diverged = False
        self.iterations = 0
        self.error: float | None = None  # output error of the latest step
        self._err_sum = 0.0
        self._err_count = 0
        self.reset()

    def reset(self) -> None:
        """Forget the pointer (not the weights)."""
        self._events: deque[tuple[float, float, float]] = deque(maxlen=64)  # (t_ms, x, y)
        self._next_ms: float | None = None  # time of the next sample
        self._last_move_ms = -math.inf
        self.position: np.ndarray | None = None  # the last sample, canvas fractions (2,)
        self._previous: np.ndarray | None = None
        self.prediction: np.ndarray | None = None  # one horizon ahead, canvas fractions (2,)
        self.rolling = False  # True while let go
        self.rolled = 0  # samples the network has drawn on its own since it was let go
        self.trail: deque[tuple[float, float]] = deque(maxlen=TRAIL)
        self._history: deque[np.ndarray] = deque(maxlen=WINDOW + 61)  # samples, newest last
        self._predicted: deque[np.ndarray | None] = deque(maxlen=WINDOW + 61)
        # Error vectors (dx, dy) in canvas fractions, as Python floats: the means below are a
        # few dozen hypot calls, cheaper in Pyodide than building a numpy array every frame.
        self._lead_d: deque[tuple[float, float]] = deque(maxlen=WINDOW)
        self._lag_d: deque[tuple[float, float]] = deque(maxlen=WINDOW)
        self._means: dict[tuple, float | None] = {}  # the means since the last sample
        self._fed = False
        self._gap = False  # samples were skipped (a stalled page): the next one starts afresh
        self._moving: tuple | None = None  # (network state, position, previous), last moving
        self.online.reset_state()

    def set_network(self, net: RecurrentNetwork) -> None:
        self.net = net
        self.online = OnlineBPTT(net)
        self.diverged = False
        self.reset()

    def set_horizon(self, ms: object) -> None:
        """The horizon in milliseconds (validated: a number within the defaults' range)."""
        value = check_real(
            ms,
            "horizon (ms)",
            low=float(ANTICIPATE_DEFAULTS["min_horizon_ms"]),
            low_inclusive=True,
            high=float(ANTICIPATE_DEFAULTS["max_horizon_ms"]),
        )
        self.horizon_ms = value
        self.steps = round(value / PERIOD_MS)  # samples ahead
        # Errors measured over a different horizon would mix two questions.
        if hasattr(self, "_lead_d"):
            self._lead_d.clear()
            self._lag_d.clear()
            self._means.clear()
            self._predicted = deque([None] * len(self._predicted), maxlen=self._predicted.maxlen)

    # --- input -----------------------------------------------------------------------------------

    def pointer(self, t_ms: float, x: float, y: float) -> None:
        """A pointer event at time ``t_ms`` (ms, any clock that ``tick`` shares), position in
        canvas fractions."""
        if self._events and t_ms < self._events[-1][0]:
            t_ms = self._events[-1][0]
        last = self._events[-1] if self._events else None
        if last is None or abs(x - last[1]) + abs(y - last[2]) > MOVED:
            self._last_move_ms = t_ms
        self._events.append((t_ms, x, y))
        if self._next_ms is None:
            self._next_ms = t_ms

    def _at(self, t_ms: float) -> np.ndarray:
        """The pointer at ``t_ms``: interpolated between the events around it, else the last."""
        events = self._events
        t1, x1, y1 = events[-1]
        if t_ms >= t1 or len(events) == 1:
            return np.array([x1, y1])
        for k in range(len(events) - 1, 0, -1):
            t0, x0, y0 = events[k - 1]
            t1, x1, y1 = events[k]
            if t0 <= t_ms:
                a = 0.0 if t1 == t0 else (t_ms - t0) / (t1 - t0)
                return np.array([x0 + a * (x1 - x0), y0 + a * (y1 - y0)])
        return np.array([events[0][1], events[0][2]])

    # --- the per-frame work ----------------------------------------------------------------------

    def tick(self, now_ms: float) -> int:
        """Take every sample due by ``now_ms``; return how many were taken."""
        if self._next_ms is None:
            return 0
        if now_ms - self._next_ms > MAX_CATCH_UP * PERIOD_MS:
            # The page stalled: skip the missed samples, and start afresh after the gap rather
            # than teach the network a jump that the pointer never made in one sample.
            self._next_ms = now_ms - MAX_CATCH_UP * PERIOD_MS
            self._gap = True
        last_event_ms = self._events[-1][0]
        waiting = not self.let_go and now_ms - last_event_ms <= WAIT_MS
        until = min(now_ms, last_event_ms) if waiting else now_ms
        taken = 0
        while self._next_ms <= until:
            still = (self._next_ms - self._last_move_ms) / 1000.0 > self.still_s
            rolling = self.let_go or (still and self._fed)
            if rolling and not self.rolling and not self.let_go and self._moving is not None:
                # Let go from the last moment the pointer moved, not from its standing still.
                state, self.position, self._previous = self._moving
                self.online.restore_state(state)
            if rolling:
                self._roll()
            else:
                self._sample(self._at(self._next_ms))
            self.rolling = rolling
            self._next_ms += PERIOD_MS
            taken += 1
        return taken

    def _sample(self, position: np.ndarray) -> None:
        """One real sample: learn from it, feed it, predict one horizon ahead."""
        resumed = self.rolling or self.position is None or self._gap  # let go, first, stall
        self._gap = False
        self.rolled = 0
        if resumed:
            # No jump from where the network had wandered to; horizons restart from here.
            self._previous = position
            self.trail.clear()
            self._history.clear()
            self._predicted.clear()
        else:
            self._previous = self.position
        self.position = position
        online = self.online
        x = features(position, self._previous)
        try:
            if self._fed and not resumed and self.learning and not self.diverged:
                error = online.backpropagate(x[2:])  # what happened: this displacement
                self.iterations += 1
                self.error = error
                self._err_sum += error
                self._err_count += 1
            y = online.feed(x)
            self._fed = True
            if np.abs(position - self._previous).sum() > MOVED:
                self._moving = (online.snapshot_state(), position, self._previous)
            self.prediction = self._look_ahead(position, y)
        except DivergenceError as exc:
            self._diverge(exc)
            self.prediction = position
        self._record(position)

    def _look_ahead(self, position: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Roll the prediction ``steps`` samples ahead from a copy of the state."""
        return roll(self.net, self.online.state, position, self._previous, y, self.steps)

    def _roll(self) -> None:
        """Let go: the network's own prediction becomes the next sample."""
        if self.position is None:
            return
        online = self.online
        try:
            here = self.position + online.outputs / SCALE
            here = np.clip(here, -0.25, 1.25)  # a runaway guess stays near the canvas
            self._previous, self.position = self.position, here
            online.feed(features(self.position, self._previous))
            self.prediction = self.position
        except DivergenceError as exc:
            self._diverge(exc)
            return
        self.rolled += 1
        self.trail.append((float(here[0]), float(here[1])))

    def _record(self, position: np.ndarray) -> None:
        """Keep what the two errors need: each sample, and the prediction made at it."""
        history, predicted = self._history, self._predicted
        history.append(position)
        predicted.append(self.prediction)  # a new array each sample, never changed in place
        k = self.steps
        if len(history) > k:
            then = predicted[-1 - k]
            if then is not None:
                (px, py), (tx, ty) = position.tolist(), then.tolist()
                lx, ly = history[-1 - k].tolist()
                self._lead_d.append((tx - px, ty - py))
                self._lag_d.append((lx - px, ly - py))
                self._means.clear()

    def _diverge(self, exc: DivergenceError) -> None:
        if not self.diverged:
            self.diverged = True
            if self.on_divergence is not None:
                self.on_divergence(str(exc))

    # --- reading ---------------------------------------------------------------------------------

    def _mean_px(self, vectors: deque, width: float, height: float) -> float | None:
        key = (id(vectors), width, height)
        if key not in self._means:  # asked for several times per frame, changed once a sample
            hypot = math.hypot
            total = sum(hypot(dx * width, dy * height) for dx, dy in vectors)  # CSS px
            self._means[key] = total / len(vectors) if vectors else None
        return self._means[key]

    def lead_error(self, width: float, height: float) -> float | None:
        """Mean distance (CSS px) over the last second between the prediction made one horizon
        ago and where the pointer is now."""
        return self._mean_px(self._lead_d, width, height)

    def lag_error(self, width: float, height: float) -> float | None:
        """Mean distance (CSS px) over the last second between the pointer one horizon ago and
        where it is now: the error of a guess without memory."""
        return self._mean_px(self._lag_d, width, height)

    def take_mean_error(self) -> float | None:
        """Mean output error of the steps since the last call (None when there were none)."""
        if not self._err_count:
            return None
        mean = self._err_sum / self._err_count
        self._err_sum, self._err_count = 0.0, 0
        return mean

    def lagged(self) -> np.ndarray | None:
        """The pointer one horizon ago (the no-memory guess), canvas fractions."""
        if len(self._history) <= self.steps:
            return None
        return self._history[-1 - self.steps]
