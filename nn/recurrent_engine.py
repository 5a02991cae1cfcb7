"""The fast path of ``RecurrentNetwork``: BPTT on a whole batch of sequences at once, and the
training loop built on it (``train`` for a whole run, ``RecurrentTrainer`` for a run in slices).

``nn.recurrent.bptt`` walks one sequence step by step with vectors. Here every step handles the
``B`` sequences of a batch together as ``(B, H)`` matrices, and whatever does not depend on the
previous step leaves the time loop: the input products ``x @ W_x`` of all steps, the outputs
``h @ W_y`` and every weight gradient are single matrix products over ``(T * B)`` rows. Only the
recurrence itself, ``h_t = f(z_t + h_{t-1} @ W_h)`` and its reverse, stays a loop over time. The
tests prove it gives ``RecurrentNetwork.sequence_gradients``' numbers (to 1e-10).

The error of a batch is the mean over its ``B * T`` steps of ``1/2 * sum((t - y)**2)``; each
sequence starts from a zero state.

    trainer = RecurrentTrainer(net, inputs, targets, epochs=30, batch_size=32)   # (S, T, n)
    while not trainer.finished:
        trainer.run(max_seconds=0.02)       # returns after ~20 ms of work
    summary = trainer.summary()              # an nn.TrainingSummary; samples are sequences
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import numpy as np

from nn.defaults import RECURRENT_PRETRAIN
from nn.errors import DivergenceError
from nn.recurrent_schema import check_sequences
from nn.schema import MAX_BATCH_SIZE, MAX_EPOCHS
from nn.training import TrainingSummary
from nn.validation import check_int, check_real

__all__ = ["RecurrentTrainer", "batch_gradients", "forward", "train"]

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
    be smaller), one clipped optimizer step per batch. Stops early at ``target_error`` or when
    ``should_stop()`` says so. Raises ``DivergenceError`` when the guard trips."""
    trainer = RecurrentTrainer(
        net, inputs, targets, epochs, batch_size, seed=seed, target_error=target_error
    )
    trainer.run(should_stop=should_stop)
    return trainer.summary()
