"""Training on a dataset: ``train()`` for a whole run, ``Trainer`` for a run done in slices.

An epoch shuffles the dataset (if asked) and walks it in batches; ``batch_size=1`` is the
original's per-sample SGD. The work is done by ``nn.engine.Engine`` in chunks of about
``CHUNK_WORK`` samples x parameters (a few milliseconds). Between chunks the trainer

- checks the divergence guard. If a chunk went bad, it is undone and replayed one step at a time
  with the guard checked after every step, so the network ends exactly at the last good step;
- polls ``should_stop`` and the time budget, so a caller can interrupt within a few milliseconds.

A browser worker cannot receive a ``cancel`` message while Python runs, so it drives a
``Trainer`` in slices instead and yields to its event loop between them::

    trainer = Trainer(net, inputs, targets, epochs=50, batch_size=32)
    while not trainer.finished:
        trainer.run(max_seconds=0.02)       # returns after ~20 ms of work
        report(trainer.progress())          # then await, to let messages in
    summary = trainer.summary()
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, fields
from typing import TYPE_CHECKING, Any

import numpy as np

from nn.activations import ACTIVATIONS
from nn.defaults import BATCH_SIZE, MAX_BATCH_SIZE, MAX_EPOCHS, PRETRAIN_DEFAULTS
from nn.engine import Engine, StepRejected, restore, snapshot
from nn.errors import SchemaError
from nn.guard import divergence
from nn.schema import check_dataset, check_layers
from nn.validation import check_bool, check_int, check_real

if TYPE_CHECKING:
    from nn.network import Network

__all__ = [
    "CHUNK_WORK",
    "PRETRAIN_DEFAULTS",
    "Trainer",
    "TrainingSummary",
    "recommended_training",
    "train",
]

# Work between two guard checks and stop polls, in samples x parameters: 2-6-6-6-2 (116
# parameters) then checks every 565 samples, ~5 ms of per-sample SGD under CPython (~20 ms in
# Pyodide) and far less with batches. A check costs ~10 us.
CHUNK_WORK = 65_536


@dataclass(frozen=True)
class TrainingSummary:
    """What a training run did. Errors are means of ``1/2 * sum((t - out)**2)`` per sample."""

    epochs: int  # epochs asked for
    epochs_done: int  # epochs completed (the network is in the state after the last of them)
    samples: int  # samples trained on in completed epochs
    seconds: float  # time spent training
    samples_per_s: float
    final_error: float | None  # mean error of the last completed epoch
    global_mean: float | None  # mean error over every sample of every completed epoch
    stopped: bool  # interrupted by on_progress / should_stop
    diverged: bool  # the divergence guard rejected a step
    reached_target: bool  # stopped because final_error fell below target_error

    @classmethod
    def of(cls, run: Any) -> TrainingSummary:
        """The summary of a run (a ``Trainer`` or a ``RecurrentTrainer``), read off its fields."""
        return cls(**{field.name: getattr(run, field.name) for field in fields(cls)})

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-safe dict (the ``summary`` of a worker ``done`` message)."""
        return asdict(self)


class Trainer:
    """A training run over ``inputs (N, n_in)`` / ``targets (N, n_out)`` that can be advanced in
    slices with ``run()``; see ``train()`` for the arguments."""

    def __init__(
        self,
        net: Network,
        inputs: object,
        targets: object,
        epochs: int,
        batch_size: int = BATCH_SIZE,
        shuffle: bool = True,
        *,
        seed: int | None = None,
        target_error: float | None = None,
    ) -> None:
        x, t = check_dataset(inputs, targets, net.layers[0], net.layers[-1])
        self.epochs = check_int(epochs, "epochs", high=MAX_EPOCHS)
        self.batch_size = check_int(batch_size, "batch_size", high=MAX_BATCH_SIZE)
        self.shuffle = check_bool(shuffle, "shuffle")
        self.target_error = (
            None if target_error is None else check_real(target_error, "target_error", low=0.0)
        )
        self.net = net
        self.rng = (
            net.rng if seed is None else np.random.default_rng(check_int(seed, "seed", low=0))
        )
        self._x, self._t = x, t
        n = len(x)
        # The epoch's samples as columns, in this epoch's order: (n_in + 1, N) and (n_out, N).
        self._xa = np.full((x.shape[1] + 1, n), 1.0 if net.bias else 0.0)
        self._tt = np.empty((t.shape[1], n))
        # Engines for full batches and for the smaller last batch of an epoch.
        b = min(self.batch_size, n)
        full, rest = divmod(n, b)
        per_chunk = max(1, CHUNK_WORK // (net._flat.size * b)) * b
        self._ranges: list[tuple[Engine, int, int]] = []
        engine = Engine(net, b)
        for start in range(0, full * b, per_chunk):
            self._ranges.append((engine, start, min(start + per_chunk, full * b)))
        if rest:
            self._ranges.append((Engine(net, rest), full * b, n))
        self._steps_per_range = [
            -(-(stop - start) // e.batch_size) for e, start, stop in self._ranges
        ]

        self.epochs_done = 0
        self.finished = False
        self.stopped = self.diverged = self.reached_target = False
        self.final_error: float | None = None
        self.seconds = 0.0
        self._sum_errors = 0.0  # over completed epochs
        self._range = 0  # next chunk of the current epoch
        self._epoch_sq = 0.0
        self._epoch_start: tuple[Any, ...] | None = None

    # --- driving -------------------------------------------------------------------------------

    def run(
        self,
        max_seconds: float | None = None,
        on_progress: Callable[[int, float], bool | None] | None = None,
        should_stop: Callable[[], bool] | None = None,
    ) -> bool:
        """Train until finished, or for about ``max_seconds``; return ``finished``.

        ``on_progress(epoch, mean_error)`` runs after each epoch; returning ``False`` stops the
        run. ``should_stop()`` is polled between chunks; ``True`` stops the run and restores the
        network to the end of the last completed epoch. Raises ``DivergenceError`` (network at
        its last good step) when the guard trips."""
        begin = time.perf_counter()
        deadline = None if max_seconds is None else begin + max_seconds
        try:
            with np.errstate(all="ignore"):  # overflow shows up as a tripped guard instead
                while not self.finished:
                    if should_stop is not None and should_stop():
                        self.stop()
                        break
                    if self._range == 0:
                        self._begin_epoch()
                    self._run_chunk()
                    if self._range == len(self._ranges):
                        self._end_epoch(on_progress)
                    if deadline is not None and time.perf_counter() >= deadline:
                        break
        finally:
            self.seconds += time.perf_counter() - begin
        return self.finished

    def stop(self) -> None:
        """End the run now, leaving the network as after the last completed epoch."""
        if self._range and self._epoch_start is not None:
            self._restore(self._epoch_start)
            self._range = 0
        self.stopped = self.finished = True

    # --- epochs and chunks ---------------------------------------------------------------------

    def _begin_epoch(self) -> None:
        self._epoch_start = self._snapshot()
        self.net._fed = False  # outputs/deltas describe the last feed(), not this training
        order = self.rng.permutation(len(self._x)) if self.shuffle else slice(None)
        self._xa[:-1] = self._x[order].T  # (n_in, N)
        self._tt[...] = self._t[order].T  # (n_out, N)
        self._epoch_sq = 0.0

    def _end_epoch(self, on_progress: Callable[[int, float], bool | None] | None) -> None:
        n = len(self._x)
        self._range = 0
        self.epochs_done += 1
        self.final_error = 0.5 * self._epoch_sq / n
        self._sum_errors += 0.5 * self._epoch_sq
        if self.target_error is not None and self.final_error < self.target_error:
            self.reached_target = self.finished = True
        if self.epochs_done == self.epochs:
            self.finished = True
        if on_progress is not None and on_progress(self.epochs_done, self.final_error) is False:
            self.stopped = self.finished = True

    def _run_chunk(self) -> None:
        engine, start, stop = self._ranges[self._range]
        try:
            sq = engine.run_guarded(self._xa, self._tt, start, stop)
        except StepRejected as rejected:  # the network is at its last good step
            self.net.iterations += rejected.steps
            self.diverged = self.finished = True
            where = f" in epoch {self.epochs_done + 1}"
            raise divergence(
                self.net.learning_rate, rejected.error, where, self.summary()
            ) from None
        self._epoch_sq += sq
        self.net.iterations += self._steps_per_range[self._range]
        self._range += 1

    def _snapshot(self) -> tuple[Any, ...]:
        return snapshot(self.net, self.rng)  # the shuffle's generator and the dropout one

    def _restore(self, saved: tuple[Any, ...]) -> None:
        restore(self.net, saved)

    # --- reporting -----------------------------------------------------------------------------

    @property
    def samples(self) -> int:
        """Samples trained on in completed epochs."""
        return self.epochs_done * len(self._x)

    @property
    def samples_seen(self) -> int:
        """Samples trained on so far, including the current epoch's completed chunks."""
        done_in_epoch = self._ranges[self._range - 1][2] if self._range else 0
        return self.samples + done_in_epoch

    def progress(self) -> dict[str, Any]:
        """Where the run stands: ``epoch`` (completed), ``epochs``, ``error`` (mean of the last
        completed epoch), ``global_mean``, ``samples_per_s``, ``samples`` (seen so far)."""
        return {
            "epoch": self.epochs_done,
            "epochs": self.epochs,
            "error": self.final_error,
            "global_mean": self.global_mean,
            "samples_per_s": self.samples_per_s,
            "samples": self.samples_seen,
        }

    @property
    def samples_per_s(self) -> float:
        """Training speed so far (time spent inside ``run()`` only)."""
        return self.samples_seen / self.seconds if self.seconds > 0 else 0.0

    @property
    def global_mean(self) -> float | None:
        """Mean error over every sample of every completed epoch, as the original reports."""
        return self._sum_errors / self.samples if self.samples else None

    def summary(self) -> TrainingSummary:
        """What the run did so far (complete once ``finished``)."""
        return TrainingSummary.of(self)


def train(
    net: Network,
    inputs: object,
    targets: object,
    epochs: int,
    batch_size: int = BATCH_SIZE,
    shuffle: bool = True,
    on_progress: Callable[[int, float], bool | None] | None = None,
    *,
    should_stop: Callable[[], bool] | None = None,
    seed: int | None = None,
    target_error: float | None = None,
) -> TrainingSummary:
    """Train ``net`` on ``inputs (N, n_in)`` / ``targets (N, n_out)`` for ``epochs`` epochs.

    - ``batch_size=1`` is per-sample SGD, exactly ``feed`` + ``backpropagate`` per sample; a
      larger batch averages the gradients of its samples (the last batch may be smaller).
    - ``shuffle``: visit the samples in a new random order each epoch (from ``seed`` if given,
      else from the network's generator).
    - ``on_progress(epoch, mean_error)`` runs after each epoch; returning ``False`` stops.
    - ``should_stop()`` is polled every few milliseconds; ``True`` stops and restores the
      network to the end of the last completed epoch.
    - ``target_error``: stop after the first epoch whose mean error is below it.

    Returns a ``TrainingSummary``. Raises ``SchemaError`` for bad arguments (network untouched)
    and ``DivergenceError`` when the guard trips (network at its last good step; the exception's
    ``summary`` tells how far training got).
    """
    trainer = Trainer(
        net, inputs, targets, epochs, batch_size, shuffle, seed=seed, target_error=target_error
    )
    trainer.run(on_progress=on_progress, should_stop=should_stop)
    return trainer.summary()


def recommended_training(layers: Sequence[int], activation: str) -> dict[str, Any]:
    """Pre-training settings for a network: ``optimizer``, ``learning_rate``, ``batch_size``,
    ``epochs``, ``target_error`` (``nn.defaults.PRETRAIN_DEFAULTS``).

    They are the fastest we measured to a mean error below 1e-4, under CPython on the seeded
    identity dataset ``random_dataset(1000, seed=0)`` (``train(..., target_error=1e-4)``). A grid
    of optimizer (sgd, momentum, nesterov, adam) x batch size (1-128) x learning rate (3e-5 -
    0.3) over 2 seeds, then the best candidates over 10 seeds, picked Adam, batch 64, rate 0.03:
    the fastest or within a few milliseconds of it for all three networks, and it never failed
    (momentum and nesterov diverge on the deep net at the rates that suit tanh). CPU time,
    median over 5 seeds:

    ==========================  ====================  =========================================
    network                     Adam, batch 64, 0.03  the article: per-sample SGD
    ==========================  ====================  =========================================
    2-6-6-6-2 linear            2.1 ms (5-7 epochs)   17 ms (2 epochs, rate 0.005)
    2-6-6-6-2 tanh              25 ms (50-71 epochs)  2.1 s (128-225 epochs, rate 0.005)
    2-6-6-6-6-6-6-6-2 linear    3.8 ms (6-10 epochs)  0.13 s (2-9 epochs, rate 0.0003; 0.005
                                                      and 0.003 diverge)
    ==========================  ====================  =========================================

    Batches help twice: the engine's cost per sample falls ~20x from batch 1 to 64, and Adam's
    per-weight step sizes cope with the deep linear net's badly scaled gradients, which force
    SGD down to tiny learning rates. Other activations get the same settings, unmeasured.

    >>> recommended_training([2, 6, 6, 6, 2], "tanh")["optimizer"]
    'adam'
    """
    check_layers(list(layers) if isinstance(layers, list | tuple) else layers)
    if activation not in ACTIVATIONS:
        raise SchemaError(f"activation must be one of {list(ACTIVATIONS)}, got {activation!r}")
    return dict(PRETRAIN_DEFAULTS)
