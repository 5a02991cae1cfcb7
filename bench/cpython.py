"""Core benchmarks: throughput and time to accuracy of ``nn`` against the straightforward baseline.

This module is pure (numpy, the standard library, ``nn`` and ``bench.baseline``), so the very same
code runs under CPython (``python -m bench``) and inside Pyodide (``bench/browser.py`` loads it into
a browser worker). Every figure is a median over repeated runs, and every speed-up is a ratio
against ``bench.baseline`` measured in the same run, with the runs of ``nn`` and of the baseline
interleaved so a noisy machine slows both alike.

- Throughput: per-sample steps/s (one ``feed`` + ``backpropagate`` per sample) and batch
  samples/s (batch 32 and 256) for 2-6-6-6-2 and 2-6-6-6-6-6-6-6-2, linear and tanh. Per sample,
  ``nn`` is timed twice: through ``Network.feed``/``backpropagate`` (what the app does on each
  pointer move) and through ``nn.train(batch_size=1)`` (the per-sample pre-training).
- Time to accuracy: wall time and epochs until an epoch's mean output error (the mean over its
  samples of 1/2 * sum((t - out)**2), each taken before the sample's step, as the original
  reports it) falls below 1e-4 on a seeded 1000-sample random dataset, with the project's default
  pre-training settings (``nn.recommended_training``) and with the original's per-sample SGD.

>>> results = run(QUICK)
>>> sorted(results)
['throughput', 'time_to_accuracy']
"""

from __future__ import annotations

import math
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

import nn
from bench.baseline import BaselineNetwork, train_batches
from nn import DivergenceError, Network, Trainer, random_dataset, train

__all__ = [
    "ACCURACY_CASES",
    "ARCHITECTURES",
    "FULL",
    "QUICK",
    "Sizes",
    "run",
    "throughput",
    "time_to_accuracy",
]

ARCHITECTURES = {"2-6-6-6-2": [2, 6, 6, 6, 2], "2-6-6-6-6-6-6-6-2": [2, 6, 6, 6, 6, 6, 6, 6, 2]}
THROUGHPUT_CASES = [(arch, act) for arch in ARCHITECTURES for act in ("linear", "tanh")]
ACCURACY_CASES = [
    ("2-6-6-6-2", "linear"),
    ("2-6-6-6-2", "tanh"),
    ("2-6-6-6-6-6-6-6-2", "linear"),
]
BATCH_SIZES = (32, 256)
TARGET_ERROR = 1e-4
SEED = 0
# Throughput does not depend on the learning rate; a small one keeps every run finite.
THROUGHPUT_LR = 1e-4
# The original's per-sample SGD runs at the largest of these learning rates that does not diverge
# from the seed (tried in order; a diverging run ends within a few epochs).
PER_SAMPLE_LEARNING_RATES = (0.03, 0.01, 0.005, 0.003, 0.001, 0.0003, 0.0001)
MAX_EPOCHS = 1_000_000  # the wall-time cap stops a run long before this
# Under Pyodide, process_time() follows the wall clock: only the wall clock is reported there.
CPU_CLOCK = sys.platform != "emscripten"


@dataclass(frozen=True)
class Sizes:
    """How much work each measurement does."""

    repeats: int  # timed runs per figure (the median is reported)
    min_seconds: float  # each timed run lasts at least about this long
    samples: int  # dataset size
    cap_seconds: float  # wall-time cap of one time-to-accuracy run
    accuracy_repeats: int  # runs per time-to-accuracy figure (when the first one reached it)
    baseline_cap_seconds: float  # the same cap for the (slower) baseline


FULL = Sizes(
    repeats=5,
    min_seconds=0.25,
    samples=1000,
    cap_seconds=60.0,
    accuracy_repeats=3,
    baseline_cap_seconds=60.0,
)
QUICK = Sizes(
    repeats=2,
    min_seconds=0.005,
    samples=200,
    cap_seconds=0.2,
    accuracy_repeats=1,
    baseline_cap_seconds=0.2,
)


def dataset(samples: int) -> tuple[np.ndarray, np.ndarray]:
    """The seeded random identity dataset every figure uses."""
    return random_dataset(samples, seed=SEED)


# --- timing helpers -----------------------------------------------------------------------------


def median(values: list[float]) -> float:
    return float(statistics.median(values))


def summary(rates: list[float], cpu_rates: list[float] | None = None) -> dict[str, Any]:
    """A rate figure: ``median`` and ``runs`` by the wall clock and, where the platform has a
    process CPU clock, ``cpu_median`` and ``cpu_runs`` by CPU time, which other processes on a
    busy machine do not inflate. ``value`` is the one ratios and targets use: CPU time if
    measured, else wall clock."""
    out: dict[str, Any] = {"median": median(rates), "runs": [float(r) for r in rates]}
    if cpu_rates:
        out["cpu_median"] = median(cpu_rates)
        out["cpu_runs"] = [float(r) for r in cpu_rates]
    out["value"] = out.get("cpu_median", out["median"])
    return out


class Clock:
    """Wall-clock and CPU time of a block: ``with Clock() as c: ...; c.wall, c.cpu``."""

    def __enter__(self) -> Clock:
        self._wall, self._cpu = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc: object) -> None:
        self.wall = time.perf_counter() - self._wall
        self.cpu = time.process_time() - self._cpu if CPU_CLOCK else 0.0


Runner = Callable[[int], tuple[int, Clock]]


def interleaved(runners: dict[str, Runner], sizes: Sizes) -> dict[str, dict[str, list[float]]]:
    """Rates (units/s) of each runner over ``sizes.repeats`` timed runs, the runners taking turns:
    ``{name: {"wall": [...], "cpu": [...]}}``.

    ``runner(epochs)`` does ``epochs`` epochs of work and returns (units done, the ``Clock`` of
    that work, setup excluded). One untimed call per runner warms it up and sizes its runs so
    that each lasts about ``sizes.min_seconds``."""
    epochs = {}
    for name, runner in runners.items():
        _, clock = runner(1)
        epochs[name] = max(1, math.ceil(sizes.min_seconds / max(clock.wall, 1e-9)))
    rates: dict[str, dict[str, list[float]]] = {n: {"wall": [], "cpu": []} for n in runners}
    names = list(runners)
    for r in range(sizes.repeats):
        # Rotate who goes first, so drift in the machine's speed does not favour one runner.
        for name in names[r % len(names) :] + names[: r % len(names)]:
            units, clock = runners[name](epochs[name])
            rates[name]["wall"].append(units / clock.wall)
            if clock.cpu > 0:
                rates[name]["cpu"].append(units / clock.cpu)
    return rates


def ratio(rates: dict[str, list[float]], base: dict[str, list[float]]) -> float:
    """Speed-up of the medians (rates: higher is faster), by CPU time where measured."""
    clock = "cpu" if rates["cpu"] and base["cpu"] else "wall"
    return median(rates[clock]) / median(base[clock])


def figure(rates: dict[str, list[float]]) -> dict[str, Any]:
    return summary(rates["wall"], rates["cpu"])


# --- throughput ---------------------------------------------------------------------------------


def per_sample_epoch(net: Any, x: np.ndarray, t: np.ndarray, order: np.ndarray) -> None:
    """``feed`` + ``backpropagate`` for each sample in ``order``; the same driver times nn's
    ``Network`` and ``BaselineNetwork``, which share these two methods."""
    feed, backpropagate = net.feed, net.backpropagate
    for i in order:
        feed(x[i])
        backpropagate(t[i])


def _per_sample_runner(make: Callable[[], Any], x: np.ndarray, t: np.ndarray):
    def runner(epochs: int) -> tuple[int, float]:
        net = make()
        rng = np.random.default_rng(SEED)
        orders = [rng.permutation(len(x)) for _ in range(epochs)]
        with Clock() as clock:
            for order in orders:
                per_sample_epoch(net, x, t, order)
        return epochs * len(x), clock

    return runner


def _train_runner(layers: list[int], act: str, x: np.ndarray, t: np.ndarray, batch: int):
    def runner(epochs: int) -> tuple[int, float]:
        net = Network(layers, THROUGHPUT_LR, act, seed=SEED)
        with Clock() as clock:
            train(net, x, t, epochs, batch_size=batch, seed=SEED)
        return epochs * len(x), clock

    return runner


def _baseline_batch_runner(layers: list[int], act: str, x: np.ndarray, t: np.ndarray, batch: int):
    def runner(epochs: int) -> tuple[int, float]:
        net = BaselineNetwork(layers, THROUGHPUT_LR, act, SEED)
        rng = np.random.default_rng(SEED)
        with Clock() as clock:
            for _ in range(epochs):
                train_batches(net, x, t, batch, rng)
        return epochs * len(x), clock

    return runner


def throughput(
    sizes: Sizes,
    cases: list[tuple[str, str]] | None = None,
    batch_sizes: tuple[int, ...] = BATCH_SIZES,
) -> dict[str, Any]:
    """Per-sample steps/s and batch samples/s of nn and of the baseline, per ``arch/activation``."""
    x, t = dataset(sizes.samples)
    out: dict[str, Any] = {}
    for arch, act in cases or THROUGHPUT_CASES:
        layers = ARCHITECTURES[arch]
        rates = interleaved(
            {
                "baseline": _per_sample_runner(
                    lambda layers=layers, act=act: BaselineNetwork(
                        layers, THROUGHPUT_LR, act, SEED
                    ),
                    x,
                    t,
                ),
                "nn_api": _per_sample_runner(
                    lambda layers=layers, act=act: Network(layers, THROUGHPUT_LR, act, seed=SEED),
                    x,
                    t,
                ),
                "nn_train": _train_runner(layers, act, x, t, 1),
            },
            sizes,
        )
        case: dict[str, Any] = {
            "per_sample": {
                "unit": "steps/s",
                "baseline": figure(rates["baseline"]),
                "nn_api": figure(rates["nn_api"]),
                "nn_train": figure(rates["nn_train"]),
                "ratio_api": ratio(rates["nn_api"], rates["baseline"]),
                "ratio_train": ratio(rates["nn_train"], rates["baseline"]),
            }
        }
        for batch in batch_sizes:
            rates = interleaved(
                {
                    "baseline": _baseline_batch_runner(layers, act, x, t, batch),
                    "nn": _train_runner(layers, act, x, t, batch),
                },
                sizes,
            )
            case[f"batch{batch}"] = {
                "unit": "samples/s",
                "baseline": figure(rates["baseline"]),
                "nn": figure(rates["nn"]),
                "ratio": ratio(rates["nn"], rates["baseline"]),
            }
        out[f"{arch}/{act}"] = case
    return out


# --- time to accuracy ---------------------------------------------------------------------------


# Keys of the settings that go to Network(); "batch_size", "shuffle" and "epochs" go to Trainer.
NETWORK_KEYS = ("learning_rate", "optimizer", "optimizer_options", "init", "bias", "dropout")


def default_settings(layers: list[int], activation: str) -> dict[str, Any]:
    """The project's default pre-training settings for this network (``nn.recommended_training``),
    as plain data; an empty dict while the core does not define them."""
    settings = dict(nn.recommended_training(layers, activation) or {})
    return {k: v for k, v in settings.items() if isinstance(v, int | float | str | bool | dict)}


def train_to_accuracy(
    layers: list[int],
    activation: str,
    settings: dict[str, Any],
    x: np.ndarray,
    t: np.ndarray,
    cap: float,
) -> dict[str, Any]:
    """One run of nn until the epoch mean error < TARGET_ERROR, divergence or ``cap`` seconds."""
    diverged = False
    with Clock() as clock:
        net = Network(
            layers,
            activation=activation,
            seed=SEED,
            **{k: settings[k] for k in NETWORK_KEYS if k in settings},
        )
        trainer = Trainer(
            net,
            x,
            t,
            settings.get("epochs", MAX_EPOCHS),  # the defaults bound their epochs
            settings.get("batch_size", 1),
            settings.get("shuffle", True),
            seed=SEED,
            target_error=TARGET_ERROR,
        )
        try:
            trainer.run(max_seconds=cap)
        except DivergenceError:
            diverged = True
    return _attempt(
        trainer.reached_target, clock, trainer.epochs_done, trainer.final_error, diverged
    )


def baseline_to_accuracy(
    layers: list[int],
    activation: str,
    learning_rate: float,
    x: np.ndarray,
    t: np.ndarray,
    cap: float,
) -> dict[str, Any]:
    """The same for the baseline's per-sample SGD, visiting the samples in the same order as
    ``Trainer(seed=SEED)`` does (one ``permutation`` per epoch from ``default_rng(SEED)``)."""
    epochs, error, diverged = 0, None, False
    with Clock() as clock:
        start = time.perf_counter()
        net = BaselineNetwork(layers, learning_rate, activation, SEED)
        rng = np.random.default_rng(SEED)
        while time.perf_counter() - start < cap:
            total = 0.0
            with np.errstate(all="ignore"):
                for i in rng.permutation(len(x)):
                    net.feed(x[i])
                    total += net.backpropagate(t[i])
            error = total / len(x)
            if not error < 1e5:  # the guard's error limit; NaN lands here too
                diverged = True
                break
            epochs += 1
            if error < TARGET_ERROR:
                break
    reached = not diverged and error is not None and error < TARGET_ERROR
    return _attempt(reached, clock, epochs, error, diverged)


def _attempt(
    reached: bool, clock: Clock, epochs: int, error: float | None, diverged: bool
) -> dict[str, Any]:
    return {
        "reached": bool(reached),
        "seconds": float(clock.wall),
        "cpu_seconds": float(clock.cpu) if CPU_CLOCK else None,
        "epochs": int(epochs),
        "final_error": error if error is not None and math.isfinite(error) else None,
        "diverged": bool(diverged),
    }


def _repeated(attempt: Callable[[], dict[str, Any]], repeats: int) -> dict[str, Any]:
    """Median seconds over ``repeats`` runs when the first run reached the target; a run that did
    not (capped or diverged) is not repeated."""
    runs = [attempt()]
    if runs[0]["reached"]:
        runs += [attempt() for _ in range(repeats - 1)]
    first = runs[0]
    return {
        "reached": first["reached"],
        "diverged": first["diverged"],
        "seconds": median([r["seconds"] for r in runs]),
        "cpu_seconds": median([r["cpu_seconds"] for r in runs]) if CPU_CLOCK else None,
        "epochs": first["epochs"],  # seeded: the same in every run
        "final_error": first["final_error"],
        "runs": [r["seconds"] for r in runs],
    }


def time_to_accuracy(
    sizes: Sizes, cases: list[tuple[str, str]] | None = None, baseline: bool = True
) -> dict[str, Any]:
    """Per ``arch/activation``: nn with the default settings, nn with the original per-sample SGD,
    and (when ``baseline``) the baseline with the same per-sample SGD; ratios of their times."""
    x, t = dataset(sizes.samples)
    out: dict[str, Any] = {}
    for arch, act in cases or ACCURACY_CASES:
        layers = ARCHITECTURES[arch]
        case: dict[str, Any] = {
            "target_error": TARGET_ERROR,
            "samples": sizes.samples,
            "cap_seconds": sizes.cap_seconds,
        }
        settings = default_settings(layers, act)
        if settings:
            result = _repeated(
                lambda s=settings, layers=layers, act=act: train_to_accuracy(
                    layers, act, s, x, t, sizes.cap_seconds
                ),
                sizes.accuracy_repeats,
            )
            case["defaults"] = {"settings": settings, **result}
        else:
            case["defaults"] = {
                "settings": {},
                "missing": "nn.recommended_training() returned no settings",
            }

        # The original's method: per-sample SGD, uniform initialisation.
        tried = []
        for lr in PER_SAMPLE_LEARNING_RATES:
            per_sample = {
                "optimizer": "sgd",
                "batch_size": 1,
                "init": "uniform",
                "learning_rate": lr,
            }
            result = _repeated(
                lambda s=per_sample, layers=layers, act=act: train_to_accuracy(
                    layers, act, s, x, t, sizes.cap_seconds
                ),
                sizes.accuracy_repeats,
            )
            if not result["diverged"]:
                break
            tried.append(lr)
        case["per_sample"] = {"settings": per_sample, "diverged_at": tried, **result}
        if baseline and not result["reached"]:
            case["baseline_per_sample"] = {
                "settings": per_sample,
                "skipped": "nn's run of the same algorithm did not reach the target",
            }
        elif baseline:
            lr = per_sample["learning_rate"]
            base = _repeated(
                lambda lr=lr, layers=layers, act=act: baseline_to_accuracy(
                    layers, act, lr, x, t, sizes.baseline_cap_seconds
                ),
                sizes.accuracy_repeats,
            )
            case["baseline_per_sample"] = {"settings": per_sample, **base}
            if base["reached"] and result["reached"]:
                case["ratio_per_sample"] = base["seconds"] / result["seconds"]
            if base["reached"] and case["defaults"].get("reached"):
                case["ratio_defaults"] = base["seconds"] / case["defaults"]["seconds"]
        out[f"{arch}/{act}"] = case
    return out


def run(sizes: Sizes = FULL, *, baseline_accuracy: bool = True) -> dict[str, Any]:
    """Everything above: ``{"throughput": ..., "time_to_accuracy": ...}``."""
    return {
        "throughput": throughput(sizes),
        "time_to_accuracy": time_to_accuracy(sizes, baseline=baseline_accuracy),
    }
