"""The fast paths of ``RecurrentNetwork``: BPTT on a whole batch of sequences at once, the
training loop built on it (``train`` for a whole run, ``RecurrentTrainer`` for a run in slices),
and ``OnlineBPTT``, the per-sample ``feed``/``backpropagate`` the page runs every frame.

``nn.recurrent.bptt`` walks one sequence step by step with vectors. Here every step handles the
``B`` sequences of a batch together as ``(B, H)`` matrices, and whatever does not depend on the
previous step leaves the time loop: the input products ``x @ W_x`` of all steps, the outputs
``h @ W_y`` and every weight gradient are single matrix products over ``(T * B)`` rows. Only the
recurrence itself, ``h_t = f(z_t + h_{t-1} @ W_h)`` and its reverse, stays a loop over time. The
tests prove it gives ``RecurrentNetwork.sequence_gradients``' numbers (to 1e-10).

The error of a batch is the mean over its ``B * T`` steps of ``1/2 * sum((t - y)**2)``; each
sequence starts from a zero state, and backpropagation goes back through the whole sequence (a
training sequence is short, 32 steps by default; ``net.bptt`` truncates only the online path).
A batch in which some step's error passes ``ERROR_LIMIT`` is rejected before its step, as the
feed-forward engine does.

    trainer = RecurrentTrainer(net, inputs, targets, epochs=30, batch_size=32)   # (S, T, n)
    while not trainer.finished:
        trainer.run(max_seconds=0.02)       # returns after ~20 ms of work
    summary = trainer.summary()              # an nn.TrainingSummary; samples are sequences

    online = OnlineBPTT(net)                 # drives net sample by sample, as the page does
    y = online.feed(x)                       # x (n_in,): what net.feed(x) returns
    error = online.backpropagate(t)          # what net.backpropagate(t) does, same numbers
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from nn.defaults import RECURRENT_PRETRAIN
from nn.errors import DivergenceError, NNError
from nn.guard import ERROR_LIMIT, divergence
from nn.recurrent_schema import check_sequences
from nn.schema import MAX_BATCH_SIZE, MAX_EPOCHS
from nn.training import TrainingSummary
from nn.validation import check_int, check_real

__all__ = [
    "OnlineBPTT",
    "RecurrentTrainer",
    "batch_gradients",
    "forward",
    "stacked",
    "train",
]

Array = np.ndarray
# A nn.recurrent.RecurrentNetwork. Not imported: that module builds on this one (its evaluate and
# train run here), and nn keeps no import cycle, not even for type hints.
RecurrentNetwork = Any
Gradients = tuple[Array, Array, Array, Array, Array]  # d(W_x, W_h, b_h, W_y, b_y), as nn.recurrent


def forward(net: RecurrentNetwork, x: Array) -> tuple[Array, Array]:
    """Outputs ``(B, T, n_out)`` and states ``(T, B, H)`` of sequences ``x (B, T, n_in)``."""
    b, t, _ = x.shape
    hidden = net.layers[1]
    f = net._activation.function
    w_h = net._w_h
    z_in = np.swapaxes(x, 0, 1) @ net._w_x + net._b_h  # all input products at once, (T, B, H)
    hs = np.empty((t, b, hidden))
    h = np.zeros((b, hidden))
    with np.errstate(all="ignore"):
        for s in range(t):
            h = f(z_in[s] + h @ w_h, out=hs[s])  # (B, H)
        ys = hs @ net._w_y + net._b_y  # (T, B, n_out)
    return np.swapaxes(ys, 0, 1), hs


def batch_gradients(net: RecurrentNetwork, x: Array, t: Array) -> tuple[float, Gradients]:
    """Mean error of a batch ``x (B, T, n_in)``, ``t (B, T, n_out)`` and its gradient."""
    b, steps, n_in = x.shape
    hidden, n_out = net.layers[1], net.layers[2]
    count = b * steps
    ys, hs = forward(net, x)  # (B, T, n_out), (T, B, H)
    derivative = net._activation.derivative
    with np.errstate(all="ignore"):
        dys = np.swapaxes(ys - t, 0, 1)  # (T, B, n_out)
        error = 0.5 * float(np.sum(dys * dys)) / count
        dys /= count
        rows_h = hs.reshape(count, hidden)  # (T * B, H)
        rows_dy = dys.reshape(count, n_out)  # (T * B, n_out)
        dw_y = rows_h.T @ rows_dy  # (H, n_out)
        db_y = rows_dy.sum(axis=0)
        dh_out = dys @ net._w_y.T  # dE/dh_s through y_s, (T, B, H)
        dzs = np.empty((steps, b, hidden))
        dh_next = np.zeros((b, hidden))
        w_h_t = net._w_h.T
        for s in range(steps - 1, -1, -1):  # the recurrence, backwards
            dz = (dh_out[s] + dh_next) * derivative(hs[s])  # (B, H)
            dzs[s] = dz
            dh_next = dz @ w_h_t  # dE/dh_{s-1}, (B, H)
        rows_dz = dzs.reshape(count, hidden)  # (T * B, H)
        h_prev = np.concatenate([np.zeros((1, b, hidden)), hs[:-1]]).reshape(count, hidden)
        rows_x = np.swapaxes(x, 0, 1).reshape(count, n_in)  # (T * B, n_in)
        dw_x = rows_x.T @ rows_dz  # (n_in, H)
        dw_h = h_prev.T @ rows_dz  # (H, H)
        db_h = rows_dz.sum(axis=0)
    return error, (dw_x, dw_h, db_h, dw_y, db_y)


class RecurrentTrainer:
    """A training run over sequences that can be advanced in slices with ``run()``."""

    def __init__(
        self,
        net: RecurrentNetwork,
        inputs: object,
        targets: object,
        epochs: int,
        batch_size: int = RECURRENT_PRETRAIN["batch_size"],
        *,
        seed: int | None = None,
        target_error: float | None = None,
    ) -> None:
        self._x, self._t = check_sequences(inputs, targets, net.layers[0], net.layers[2])
        self.epochs = check_int(epochs, "epochs", high=MAX_EPOCHS)
        self.batch_size = min(
            check_int(batch_size, "batch_size", high=MAX_BATCH_SIZE), len(self._x)
        )
        self.target_error = (
            None if target_error is None else check_real(target_error, "target_error", low=0.0)
        )
        self.net = net
        self.rng = (
            net.rng if seed is None else np.random.default_rng(check_int(seed, "seed", low=0))
        )
        self.epochs_done = 0
        self.finished = self.epochs == 0
        self.stopped = self.diverged = self.reached_target = False
        self.final_error: float | None = None
        self.seconds = 0.0
        self._sum_errors = 0.0  # sequence-weighted, over completed epochs
        self._order = self.rng.permutation(len(self._x))
        self._next = 0  # first sequence of the next batch in this epoch's order
        self._epoch_sum = 0.0

    def run(
        self, max_seconds: float | None = None, should_stop: Callable[[], bool] | None = None
    ) -> bool:
        """Train until finished, or for about ``max_seconds``; return ``finished``.

        Raises ``DivergenceError`` (the network at its last good step) when the guard trips."""
        started = time.perf_counter()
        deadline = None if max_seconds is None else started + max_seconds
        try:
            while not self.finished:
                if should_stop is not None and should_stop():
                    self.stop()
                    break
                self._batch()
                if deadline is not None and time.perf_counter() >= deadline:
                    break
        except DivergenceError as exc:
            self.diverged = self.finished = True
            exc.summary = self.summary()
            raise
        finally:
            self.seconds += time.perf_counter() - started
        return self.finished

    def stop(self) -> None:
        self.stopped = self.finished = True

    def _batch(self) -> None:
        n = len(self._x)
        picked = self._order[self._next : self._next + self.batch_size]
        error, gradients = batch_gradients(self.net, self._x[picked], self._t[picked])
        # Edge 1 of the guard, as nn.Network's: the error the step starts from. The batch error
        # is a mean over B * T steps, so a single step's error may pass the limit unseen:
        # ``worst`` is the largest step's 1/2 * sum((t - y)**2).
        if not error * len(picked) * self._x.shape[1] <= ERROR_LIMIT:
            worst = _worst_step_error(self.net, self._x[picked], self._t[picked])
            if not worst <= ERROR_LIMIT:
                raise divergence(self.net.learning_rate, worst)
        for view, gradient in zip(self.net._grad_views, gradients, strict=True):
            view[...] = gradient
        self.net._apply_gradient()
        self.net.iterations += 1
        self._epoch_sum += error * len(picked)
        self._next += len(picked)
        if self._next >= n:
            self.epochs_done += 1
            self.final_error = self._epoch_sum / n
            self._sum_errors += self._epoch_sum
            self._epoch_sum, self._next = 0.0, 0
            self._order = self.rng.permutation(n)
            if self.target_error is not None and self.final_error < self.target_error:
                self.reached_target = self.finished = True
            elif self.epochs_done >= self.epochs:
                self.finished = True

    @property
    def samples(self) -> int:
        """Sequences trained on in completed epochs."""
        return self.epochs_done * len(self._x)

    def progress(self) -> dict[str, Any]:
        """``epoch``, ``epochs``, ``error``, ``global_mean``, ``samples_per_s``, ``samples``
        (sequences seen so far), as ``nn.Trainer.progress``."""
        return {
            "epoch": self.epochs_done,
            "epochs": self.epochs,
            "error": self.final_error,
            "global_mean": self.global_mean,
            "samples_per_s": self.samples_per_s,
            "samples": self.samples + self._next,
        }

    @property
    def samples_per_s(self) -> float:
        seen = self.samples + self._next
        return seen / self.seconds if self.seconds > 0 else 0.0

    @property
    def global_mean(self) -> float | None:
        return self._sum_errors / self.samples if self.samples else None

    def summary(self) -> TrainingSummary:
        return TrainingSummary.of(self)


def train(
    net: RecurrentNetwork,
    inputs: object,
    targets: object,
    epochs: int,
    batch_size: int = RECURRENT_PRETRAIN["batch_size"],
    *,
    should_stop: Callable[[], bool] | None = None,
    seed: int | None = None,
    target_error: float | None = None,
) -> TrainingSummary:
    """Train ``net`` on sequences ``inputs (S, T, n_in)`` / ``targets (S, T, n_out)``: each
    epoch visits the sequences in a new random order in batches of ``batch_size`` (the last may
    be smaller), one clipped optimizer step per batch, its gradient backpropagated through each
    whole sequence (``net.bptt`` truncates only the online path). Stops early at
    ``target_error`` or when ``should_stop()`` says so. Raises ``DivergenceError`` when the guard
    trips."""
    trainer = RecurrentTrainer(
        net, inputs, targets, epochs, batch_size, seed=seed, target_error=target_error
    )
    trainer.run(should_stop=should_stop)
    return trainer.summary()


def _worst_step_error(net: RecurrentNetwork, x: Array, t: Array) -> float:
    """The largest ``1/2 * sum((t - y)**2)`` over the steps of sequences ``x``, ``t``."""
    ys, _ = forward(net, x)  # (B, T, n_out)
    with np.errstate(all="ignore"):
        return 0.5 * float(np.max(np.sum((ys - t) ** 2, axis=2)))


# --- one sample at a time ------------------------------------------------------------------------

# Above this many numbers (bptt * H * H), the backward pass does not stack its per-step matrices
# f'(z_s)[:, None] * W_h (see OnlineBPTT) and multiplies step by step instead.
STACK_LIMIT = 1 << 18


def stacked(flat: Array, layers: tuple[int, int, int]) -> tuple[Array, Array]:
    """Views of a flat parameter (or gradient) vector laid out as ``W_x, W_h, b_h, W_y, b_y``
    (``RecurrentNetwork``'s layout): ``[W_x; W_h; b_h] (n_in + H + 1, H)`` and ``[W_y; b_y]
    (H + 1, n_out)``. Then ``[x_t, h_{t-1}, 1] @ first`` is the hidden layer's sum ``z_t`` and
    ``[h_t, 1] @ second`` the output ``y_t``: one ``np.dot`` each, biases included."""
    n_in, hidden, n_out = layers
    split = (n_in + hidden + 1) * hidden
    return flat[:split].reshape(n_in + hidden + 1, hidden), flat[split:].reshape(hidden + 1, n_out)


class OnlineBPTT:
    """``feed`` and ``backpropagate`` of a ``RecurrentNetwork``, one sample at a time, in a third
    of the numpy calls: the numbers of ``net.feed``/``net.backpropagate`` (the tests check them to
    1e-12), the same clipping, optimizer and guard (``net._apply_gradient``).

    A numpy call on arrays this small costs its fixed overhead, not its arithmetic (~1 us in
    CPython, 3-15 us in Pyodide), so the saving is in the count:

    - One buffer of rows ``[x_s, h_{s-1}, 1]`` (``n_in + H + 1`` wide), one row per step. The
      hidden sum of step ``s`` is ``rows[s] @ [W_x; W_h; b_h]`` (one ``np.dot``, see
      ``stacked``), and ``h_s`` is written straight into ``rows[s + 1]``, where step ``s + 1``
      reads it and where ``rows[s + 1][n_in:]`` is ``[h_s, 1]``, the output layer's input.
    - Backwards, only the window's last step has a target (``dy = y - t``), so
      ``dz_{k-1} = f'(z_{k-1}) * (W_y @ dy)`` and ``dz_{s-1} = f'(z_{s-1}) * (W_h @ dz_s)``. The
      matrices ``f'(z_s)[:, None] * W_h`` of all steps are one broadcast multiply, which leaves
      one ``np.dot`` per step in the loop.
    - The gradients are two calls: ``d[W_x; W_h; b_h] = rows[window].T @ dz`` (the sum over
      steps of ``outer([x_s, h_{s-1}, 1], dz_s)``) and ``d[W_y; b_y] = outer([h_{k-1}, 1], dy)``,
      written into views of the network's gradient vector.

    The network follows: after each ``feed`` its ``state`` and ``outputs`` are this one's, and its
    own window starts again from there (as after ``net.restore_state``), so ``net.feed`` may take
    over at any time. Rebuild the ``OnlineBPTT`` when the network is replaced.
    """

    def __init__(self, net: RecurrentNetwork, *, stack_limit: int = STACK_LIMIT) -> None:
        self.net = net
        n_in, hidden, n_out = self.layers = net.layers
        bptt = self.bptt = net.bptt
        self._f, self._df = net._activation.function, net._activation.derivative
        self.w_in, self.w_out = stacked(net._flat, net.layers)  # views: they see every step
        self._w_h = net._w_h
        self._w_y = self.w_out[:hidden]  # W_y, (H, n_out)
        self._g_in, self._g_out = stacked(net._grad, net.layers)
        # Room for the window and as many steps again: the window moves back to the top once
        # every bptt + 1 feeds (one copy) rather than shifting at every feed.
        rows = np.zeros((2 * (bptt + 1), n_in + hidden + 1))  # [x_s, h_{s-1}, 1], (R, width)
        rows[:, -1] = 1.0
        self._rows = rows
        # Per-row views made once: a list lookup costs less than slicing an array each time.
        self._x = [r[:n_in] for r in rows]  # x_s, (n_in,)
        self._h = [r[n_in:-1] for r in rows]  # h_{s-1}, (H,)
        self._h1 = [r[n_in:] for r in rows]  # [h_{s-1}, 1], (H + 1,)
        self._slopes = np.empty((bptt, hidden))  # f'(z_s) of the window, (k, H)
        self._dz = np.empty((bptt, hidden))  # dE/dz_s, (k, H)
        self._dz_rows = list(self._dz)
        self._dh = np.empty(hidden)
        self._dy = np.empty(n_out)
        self._stack: Array | None = None
        if bptt * hidden * hidden <= stack_limit:
            self._stack = np.empty((bptt, hidden, hidden))  # f'(z_s)[:, None] * W_h, (k, H, H)
            self._stack_rows = list(self._stack)
        self.reset_state()

    # --- state -----------------------------------------------------------------------------------

    @property
    def state(self) -> Array:
        """The hidden state ``h``, shape ``(H,)``: a view that the next ``feed`` overwrites."""
        return self._h[self._end]

    @property
    def last_input(self) -> Array:
        """The input of the last feed (zeros before any), shape ``(n_in,)``."""
        return self._x[self._end - 1].copy() if self._k else np.zeros(self.layers[0])

    def reset_state(self) -> None:
        """Forget the past: a zero state and an empty window (the network's too)."""
        self.net.reset_state()
        self._restart(self.net.state, self.net.outputs)

    def snapshot_state(self) -> tuple[Array, Array]:
        """The state and the last output, to go back to with ``restore_state``."""
        return self.state.copy(), self.outputs.copy()

    def restore_state(self, snapshot: tuple[Array, Array]) -> None:
        """Go back to a ``snapshot_state`` (validated); the next step is a ``feed``."""
        self.net.restore_state(snapshot)
        self._restart(self.net.state, self.net.outputs)

    def _restart(self, state: Array, outputs: Array) -> None:
        self._end = 0  # rows[end] holds [?, h_t, 1]: the state the next feed starts from
        self._k = 0  # steps in the window: rows[end - k : end]
        self._h[0][...] = state
        self.outputs = outputs.copy()  # y of the last feed, (n_out,)
        self._fed = False

    # --- the algorithm ---------------------------------------------------------------------------

    def feed(self, inputs: object) -> Array:
        """Advance the state by one input; returns the output ``y_t``, shape ``(n_out,)``."""
        net = self.net
        x = net._sample(inputs, "inputs", self.layers[0])
        if self._end + 1 == len(self._rows):
            self._move_window_up()
        end = self._end
        self._x[end][...] = x  # rows[end] = [x_t, h_{t-1}, 1]
        h = self._h[end + 1]
        self._f(np.dot(self._rows[end], self.w_in, out=h), out=h)  # h_t, (H,)
        y = np.dot(self._h1[end + 1], self.w_out)  # y_t = [h_t, 1] @ [W_y; b_y], (n_out,)
        # Weights within the guard's limits and inputs within INPUT_LIMIT cannot overflow these
        # sums, but a NaN would pass silently: refuse it as net.feed does.
        if not math.isfinite(sum(y.tolist())):
            raise divergence(net.learning_rate, math.inf, " (the outputs overflowed)")
        self._end = end + 1
        self._k = min(self._k + 1, self.bptt)
        self.outputs = y
        self._fed = True
        # The network's own view: its state and output, its window starting from here.
        net.state = h.copy()
        net.outputs = y
        net._hs[0] = net.state
        net._k, net._fed = 0, False
        return y.copy()

    def _move_window_up(self) -> None:
        end, k = self._end, self._k
        self._rows[: k + 1] = self._rows[end - k : end + 1]  # no overlap: end - k > k
        self._end = k

    def backpropagate(self, targets: object) -> float:
        """One step of truncated BPTT for the output of the last feed; returns its error.

        As ``net.backpropagate``: raises ``DivergenceError`` when the error or a new weight would
        pass the guard's limits (weights and optimizer state then unchanged)."""
        net = self.net
        t = net._sample(targets, "targets", self.layers[2])
        if not self._fed:
            raise NNError("backpropagate() needs a feed() first (one per backpropagate)")
        dy = np.subtract(self.outputs, t, out=self._dy)  # dE/dy, (n_out,)
        error = 0.5 * float(np.dot(dy, dy))
        if not error <= ERROR_LIMIT:
            raise divergence(net.learning_rate, error)
        k, end, n_in = self._k, self._end, self.layers[0]
        dz = self._dz_rows
        with np.errstate(all="ignore"):  # an overflow shows up as a gradient that is not finite
            hs = self._rows[end - k + 1 : end + 1, n_in:-1]  # h_s of the window, (k, H)
            slopes = self._df(hs, out=self._slopes[:k])  # f'(z_s), (k, H)
            np.dot(self._w_y, dy, out=self._dh)  # dE/dh_{k-1}, (H,)
            np.multiply(self._dh, slopes[k - 1], out=dz[k - 1])
            if self._stack is not None:
                np.multiply(slopes[:, :, None], self._w_h, out=self._stack[:k])  # (k, H, H)
                mats = self._stack_rows
                for s in range(k - 1, 0, -1):
                    np.dot(mats[s - 1], dz[s], out=dz[s - 1])  # f'(z_{s-1}) * (W_h @ dz_s)
            else:
                dh = self._dh
                for s in range(k - 1, 0, -1):
                    np.dot(self._w_h, dz[s], out=dh)
                    np.multiply(dh, slopes[s - 1], out=dz[s - 1])
            window = self._rows[end - k : end]  # [x_s, h_{s-1}, 1], (k, n_in + H + 1)
            np.dot(window.T, self._dz[:k], out=self._g_in)  # d[W_x; W_h; b_h]
            np.multiply(self._h1[end][:, None], dy, out=self._g_out)  # d[W_y; b_y]
        net._apply_gradient()
        self._fed = False
        net.output_error = error
        net.iterations += 1
        return error
