"""A genetic algorithm that chooses the network's hyperparameters, as the article's next step.

A **genome** is a plain dict of hyperparameters (see ``nn.schema.check_genome``)::

    {"layers": [6, 6], "activation": "linear", "learning_rate": 0.03, "optimizer": "adam",
     "batch_size": 16, "bias": True, "init": "uniform"}

``layers`` holds the hidden sizes only: input and output sizes come from the dataset. A ``Space``
says which genes are free and their ranges; the default leaves every gene free.

**Fitness.** ``evaluate(genome, seed, data, budget)`` builds a fresh network from the genome, trains
it on the training part of the dataset until it has seen ``budget`` samples (the same for
everyone), then measures the mean error on the held-out part. Individuals rank by

1. ``log10`` of the held-out error, clipped at ``EVOLVE_ERROR_FLOOR`` (errors at the float floor
   are noise, so they tie),
2. then fewer parameters,
3. then fewer optimizer steps (``budget / batch_size``), which is what training time depends on,
4. then position in the generation.

Measured seconds are reported but never ranked on: they change from run to run and with the
load of the machine, so a ranking on them would make the search's result depend on the number
of workers. Step count is the deterministic stand-in for "less time". A genome that diverges
(or fails in any other way) gets the worst fitness and a ``reason``; it never raises out of the
search.

**GA.** Tournament selection, uniform crossover (gene by gene), per-gene mutation (log-normal
learning rate, +/- neurons, add or remove a layer, switch activation, optimizer, batch size, bias,
init), elitism (the best individuals go on unchanged, not re-evaluated), and an optional stop
at a target error. Each individual's seed is derived from the search seed, its generation and
its position, and all random choices of the GA itself are made in this process, so the history
is identical whatever the executor, the number of workers or the order they finish in.

>>> x, t = random_dataset(200, seed=0)
>>> result = evolve(x, t, population=4, generations=2, budget=400, seed=1)
>>> len(result.history), len(result.history[0]["individuals"])
(2, 4)
>>> sorted(result.best["genome"]) == sorted(GENES)
True
"""

from __future__ import annotations

import concurrent.futures
import dataclasses
import math
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from nn.activations import ACTIVATIONS
from nn.datasets import random_dataset
from nn.defaults import (
    EVOLVE_DEFAULTS,
    EVOLVE_ERROR_FLOOR,
    EVOLVE_LR_LIMITS,
    EVOLVE_MAX_BUDGET,
    EVOLVE_MAX_GENERATIONS,
    EVOLVE_MAX_HIDDEN_LAYERS,
    EVOLVE_MAX_NEURONS,
    EVOLVE_MAX_POPULATION,
    EVOLVE_SPACE,
)
from nn.errors import NNError, SchemaError
from nn.network import Network
from nn.optimizers import OPTIMIZERS
from nn.schema import GENES, INITIALISATIONS, MAX_BATCH_SIZE, check_dataset, check_genome
from nn.training import train
from nn.validation import check_int, check_real, show

__all__ = [
    "GENES",
    "EvolveResult",
    "Search",
    "Space",
    "Split",
    "describe",
    "evaluate",
    "evolve",
    "individual_seed",
    "random_search",
    "rank_key",
    "split_dataset",
    "table_header",
    "table_row",
]

Genome = dict[str, Any]
Individual = dict[str, Any]


# --- the search space ------------------------------------------------------------------------


@dataclass(frozen=True)
class Space:
    """Which values each gene may take. A gene with one value is fixed; the rest are searched."""

    hidden_layers: tuple[int, int] = EVOLVE_SPACE["hidden_layers"]  # count (min, max)
    neurons: tuple[int, int] = EVOLVE_SPACE["neurons"]  # per hidden layer (min, max)
    activations: tuple[str, ...] = tuple(ACTIVATIONS)
    learning_rate: tuple[float, float] = EVOLVE_SPACE["learning_rate"]  # log scale (min, max)
    optimizers: tuple[str, ...] = tuple(OPTIMIZERS)
    batch_sizes: tuple[int, ...] = EVOLVE_SPACE["batch_sizes"]
    biases: tuple[bool, ...] = (True, False)
    inits: tuple[str, ...] = INITIALISATIONS

    def __post_init__(self) -> None:
        # Normalise to tuples, then validate: a Space that exists is a valid one.
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if isinstance(value, list):
                object.__setattr__(self, f.name, tuple(value))
        self._check()

    def _check(self) -> None:
        _check_range(self.hidden_layers, "space.hidden_layers", 0, EVOLVE_MAX_HIDDEN_LAYERS)
        _check_range(self.neurons, "space.neurons", 1, EVOLVE_MAX_NEURONS)
        low, high = EVOLVE_LR_LIMITS
        lr = self.learning_rate
        if not (isinstance(lr, tuple) and len(lr) == 2):
            raise SchemaError(f"space.learning_rate must be (min, max), got {show(lr)}")
        a = check_real(lr[0], "space.learning_rate min", low=low, low_inclusive=True, high=high)
        b = check_real(lr[1], "space.learning_rate max", low=low, low_inclusive=True, high=high)
        if a > b:
            raise SchemaError(f"space.learning_rate min must be <= max, got {show(lr)}")
        _check_choices(self.activations, "space.activations", tuple(ACTIVATIONS))
        _check_choices(self.optimizers, "space.optimizers", tuple(OPTIMIZERS))
        _check_choices(self.biases, "space.biases", (True, False))
        _check_choices(self.inits, "space.inits", INITIALISATIONS)
        if not isinstance(self.batch_sizes, tuple) or not self.batch_sizes:
            raise SchemaError(
                f"space.batch_sizes must list at least one batch size, got {show(self.batch_sizes)}"
            )
        for i, b in enumerate(self.batch_sizes):
            check_int(b, f"space.batch_sizes[{i}]", high=MAX_BATCH_SIZE)
        if len(set(self.batch_sizes)) != len(self.batch_sizes):
            raise SchemaError(f"space.batch_sizes lists a value twice: {show(self.batch_sizes)}")

    def free_genes(self) -> list[str]:
        """The genes that take more than one value, in ``GENES`` order."""
        free = {
            "layers": self.hidden_layers[0] != self.hidden_layers[1]
            or (self.hidden_layers[1] > 0 and self.neurons[0] != self.neurons[1]),
            "activation": len(self.activations) > 1 and self.hidden_layers[1] > 0,
            "learning_rate": self.learning_rate[0] != self.learning_rate[1],
            "optimizer": len(self.optimizers) > 1,
            "batch_size": len(self.batch_sizes) > 1,
            "bias": len(self.biases) > 1,
            "init": len(self.inits) > 1,
        }
        return [gene for gene in GENES if free[gene]]

    def fix(self, genome: Mapping[str, Any], genes: Sequence[str]) -> Space:
        """A copy where each gene named in ``genes`` takes only ``genome``'s value (e.g. the
        genes a learner did not tick to search keep the live network's values)."""
        genome = check_genome(genome)
        unknown = [g for g in genes if g not in GENES]
        if unknown:
            raise SchemaError(f"unknown genes {unknown}; the genes are {list(GENES)}")
        changes: dict[str, Any] = {}
        if "layers" in genes:
            hidden = genome["layers"]
            if len(set(hidden)) > 1:
                raise SchemaError(
                    f"layers {hidden} differ in width, so they cannot be fixed as one "
                    "search range; search the layers, or use equal hidden sizes"
                )
            n = len(hidden)
            width = hidden[0] if hidden else self.neurons[0]
            changes.update(hidden_layers=(n, n), neurons=(width, width))
        if "activation" in genes:
            changes["activations"] = (genome["activation"],)
        if "learning_rate" in genes:
            lr = genome["learning_rate"]
            changes["learning_rate"] = (lr, lr)
        if "optimizer" in genes:
            changes["optimizers"] = (genome["optimizer"],)
        if "batch_size" in genes:
            changes["batch_sizes"] = (genome["batch_size"],)
        if "bias" in genes:
            changes["biases"] = (genome["bias"],)
        if "init" in genes:
            changes["inits"] = (genome["init"],)
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-safe data; ``Space.from_dict`` reads it back."""
        return {f.name: list(getattr(self, f.name)) for f in dataclasses.fields(self)}

    @classmethod
    def from_dict(cls, data: object) -> Space:
        """A space from ``to_dict()`` output; missing keys take the defaults."""
        if not isinstance(data, Mapping):
            raise SchemaError(f"space must be an object/dict, got {show(data)}")
        names = {f.name for f in dataclasses.fields(cls)}
        for key in data:
            if key not in names:
                raise SchemaError(f"space has an unknown field {key!r}; fields: {sorted(names)}")
        return cls(**{k: tuple(v) if isinstance(v, list) else v for k, v in data.items()})

    # --- drawing and changing genomes -----------------------------------------------------------

    def random_genome(self, rng: np.random.Generator) -> Genome:
        """A genome drawn uniformly from the space (learning rate log-uniformly)."""
        n = int(rng.integers(self.hidden_layers[0], self.hidden_layers[1] + 1))
        lo, hi = self.neurons
        return {
            "layers": [int(rng.integers(lo, hi + 1)) for _ in range(n)],
            "activation": _pick(rng, self.activations),
            "learning_rate": _round_lr(math.exp(rng.uniform(*np.log(self.learning_rate)))),
            "optimizer": _pick(rng, self.optimizers),
            "batch_size": _pick(rng, self.batch_sizes),
            "bias": _pick(rng, self.biases),
            "init": _pick(rng, self.inits),
        }

    def mutate_gene(
        self, genome: Genome, gene: str, rng: np.random.Generator, lr_sigma: float
    ) -> None:
        """Change one gene of ``genome`` in place (it may stay the same when it is fixed)."""
        if gene == "layers":
            genome["layers"] = self._mutate_layers(list(genome["layers"]), rng)
        elif gene == "learning_rate":
            lo, hi = self.learning_rate
            lr = genome["learning_rate"] * math.exp(rng.normal(0.0, lr_sigma))
            genome["learning_rate"] = _round_lr(min(hi, max(lo, lr)))
        else:
            choices = {
                "activation": self.activations,
                "optimizer": self.optimizers,
                "batch_size": self.batch_sizes,
                "bias": self.biases,
                "init": self.inits,
            }[gene]
            others = [c for c in choices if c != genome[gene]]
            if others:
                genome[gene] = _pick(rng, others)

    def _mutate_layers(self, hidden: list[int], rng: np.random.Generator) -> list[int]:
        lo_n, hi_n = self.hidden_layers
        lo_w, hi_w = self.neurons
        moves = []
        if hidden and lo_w < hi_w:
            moves.append("resize")
        if len(hidden) < hi_n:
            moves.append("add")
        if len(hidden) > lo_n:
            moves.append("remove")
        if not moves:
            return hidden
        move = _pick(rng, moves)
        if move == "resize":  # +/- 1 to 3 neurons in one layer
            i = int(rng.integers(len(hidden)))
            step = int(rng.integers(1, 4)) * (1 if rng.random() < 0.5 else -1)
            hidden[i] = min(hi_w, max(lo_w, hidden[i] + step))
        elif move == "add":  # a copy of a neighbour's width, or a random one
            i = int(rng.integers(len(hidden) + 1))
            width = hidden[min(i, len(hidden) - 1)] if hidden else int(rng.integers(lo_w, hi_w + 1))
            hidden.insert(i, width)
        else:
            del hidden[int(rng.integers(len(hidden)))]
        return hidden


def _check_range(value: object, name: str, low: int, high: int) -> None:
    if not (isinstance(value, tuple) and len(value) == 2):
        raise SchemaError(f"{name} must be (min, max), got {show(value)}")
    a = check_int(value[0], f"{name} min", low=low, high=high)
    b = check_int(value[1], f"{name} max", low=low, high=high)
    if a > b:
        raise SchemaError(f"{name} min must be <= max, got {show(value)}")


def _check_choices(value: object, name: str, allowed: tuple[Any, ...]) -> None:
    if not isinstance(value, tuple) or not value:
        raise SchemaError(
            f"{name} must list at least one of {list(allowed)}, got {show(value)} "
            "(an empty space has nothing to search)"
        )
    for v in value:
        if v not in allowed or isinstance(v, bool) != isinstance(allowed[0], bool):
            raise SchemaError(f"{name} must be chosen from {list(allowed)}, got {show(v)}")
    if len(set(value)) != len(value):
        raise SchemaError(f"{name} lists a value twice: {show(value)}")


def _pick(rng: np.random.Generator, choices: Sequence[Any]) -> Any:
    value = choices[int(rng.integers(len(choices)))]
    return value.item() if isinstance(value, np.generic) else value


def _round_lr(lr: float) -> float:
    """Three significant digits: a readable genome, and no difference the search could see."""
    return float(f"{lr:.3g}")


# --- fitness ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Split:
    """The dataset of a search: a training part and a held-out part, ``(N, n)`` float64 each."""

    train_inputs: np.ndarray
    train_targets: np.ndarray
    val_inputs: np.ndarray
    val_targets: np.ndarray


def split_dataset(inputs: object, targets: object, holdout: float, seed: int) -> Split:
    """Shuffle ``inputs (N, n_in)`` / ``targets (N, n_out)`` with ``seed`` and keep
    ``holdout`` of them (at least one sample) out of training, to measure the error on."""
    x, t = check_dataset(inputs, targets)
    holdout = check_real(holdout, "holdout", low=0.0, high=1.0, high_inclusive=False)
    if len(x) < 2:
        raise SchemaError(f"a search needs at least 2 samples (train and held out), got {len(x)}")
    order = np.random.default_rng([seed, 0x5EED]).permutation(len(x))
    n_val = min(len(x) - 1, max(1, round(holdout * len(x))))
    val, fit = order[:n_val], order[n_val:]
    return Split(x[fit], t[fit], x[val], t[val])


def network_for(genome: Mapping[str, Any], n_in: int, n_out: int, seed: int) -> Network:
    """A fresh network built from ``genome`` for ``n_in`` inputs and ``n_out`` outputs."""
    return Network(
        [n_in, *genome["layers"], n_out],
        learning_rate=genome["learning_rate"],
        activation=genome["activation"],
        bias=genome["bias"],
        seed=seed,
        optimizer=genome["optimizer"],
        init=genome["init"],
    )


def evaluate(
    genome: Mapping[str, Any],
    seed: int,
    data: Split,
    budget: int,
    heartbeat: Callable[[], object] | None = None,
) -> dict[str, Any]:
    """Train a fresh network from ``genome`` on ``data``'s training part for ``budget`` samples,
    seeded by ``seed``; return ``error`` (mean on the held-out part, ``None`` if it failed),
    ``parameters``, ``samples`` (seen in training), ``seconds``, ``reason`` (why it failed, else
    ``None``) and ``model`` (the trained network's export, ``None`` if it failed).

    A pure function of its arguments (``seconds`` aside), and picklable: the unit of work any
    ``concurrent.futures.Executor`` can run. It never raises for a bad genome or a divergence.

    ``heartbeat()``, if given, is called every few milliseconds of training (between the
    trainer's chunks) and changes nothing: a driver uses it to tell a long evaluation from a
    hung one (the page's workers post a message from it)."""
    begin = time.perf_counter()
    result: dict[str, Any] = {
        "error": None,
        "parameters": 0,
        "samples": 0,
        "seconds": 0.0,
        "reason": None,
        "model": None,
    }
    try:
        genome = check_genome(genome)
        budget = check_int(budget, "budget", high=EVOLVE_MAX_BUDGET)
        x, t = data.train_inputs, data.train_targets
        if budget < len(x):  # fewer samples than one epoch: train on the first `budget`
            x, t = x[:budget], t[:budget]
        epochs = budget // len(x)
        net = network_for(genome, x.shape[1], t.shape[1], seed)
        result["parameters"] = net.parameter_count
        train(
            net,
            x,
            t,
            epochs,
            batch_size=genome["batch_size"],
            seed=seed,
            should_stop=None if heartbeat is None else lambda: _beat(heartbeat),
        )
        result["samples"] = epochs * len(x)
        error = net.evaluate(data.val_inputs, data.val_targets)
        if not math.isfinite(error):
            result["reason"] = f"the held-out error is not finite ({error})"
        else:
            result["error"] = error
            result["model"] = net.export()
    except NNError as exc:  # DivergenceError, SchemaError: the genome's own fault
        result["reason"] = str(exc)
    except Exception as exc:  # a bug must not end a search of hundreds of networks
        result["reason"] = f"{type(exc).__name__}: {exc}"
    result["seconds"] = time.perf_counter() - begin
    return result


def _beat(heartbeat: Callable[[], object]) -> bool:
    """The trainer's ``should_stop`` poll as a heartbeat: it never stops the training."""
    heartbeat()
    return False


def fitness(error: float | None) -> float | None:
    """The ranked number: ``log10(max(error, EVOLVE_ERROR_FLOOR))``, lower is better; ``None``
    (the worst) for a failed individual."""
    return None if error is None else math.log10(max(error, EVOLVE_ERROR_FLOOR))


def rank_key(individual: Mapping[str, Any]) -> tuple[Any, ...]:
    """Sort key, best first: fitness, then parameters, then optimizer steps, then position.
    Deterministic: measured seconds play no part (see the module docstring). An elite carried
    into a later generation keeps the key of the individual it was trained as."""
    f = individual["fitness"]
    steps = -(-individual["samples"] // individual["genome"]["batch_size"])
    origin = tuple(individual["origin"])
    return (f is None, f if f is not None else 0.0, individual["parameters"], steps, origin)


def individual_seed(seed: int, generation: int, index: int) -> int:
    """The seed of individual ``index`` of ``generation``: a hash of the three numbers, so it
    does not depend on which worker evaluates it or when (a 32-bit value, exact in JavaScript)."""
    return int(np.random.default_rng([seed, generation, index]).integers(2**32))


def describe(
    genome: Mapping[str, Any], error: float | None = None, n_in: int = 2, n_out: int = 2
) -> str:
    """A genome in words: ``"2-3-2 linear, Adam, lr 0.02, batch 16: error 3e-09"``."""
    layers = "-".join(str(n) for n in [n_in, *genome["layers"], n_out])
    optimizer = {"sgd": "SGD", "adam": "Adam"}.get(genome["optimizer"], genome["optimizer"])
    words = [
        f"{layers} {genome['activation']}",
        optimizer,
        f"lr {genome['learning_rate']:g}",
        f"batch {genome['batch_size']}",
    ]
    if not genome["bias"]:
        words.append("no bias")
    if genome["init"] != "uniform":
        words.append(f"{genome['init']} init")
    text = ", ".join(words)
    return text if error is None else f"{text}: error {error:.1g}"


def table_header() -> str:
    """The header of ``table_row``'s table."""
    return f"{'gen':>4}  {'best error':>10}  {'median':>10}  {'failed':>6}  best genome"


def table_row(record: Mapping[str, Any], n_in: int = 2, n_out: int = 2) -> str:
    """One generation of the history as a line of text."""
    best = record["best"]
    error = "failed" if best["error"] is None else f"{best['error']:.2e}"
    median = record["median_error"]
    return (
        f"{record['generation'] + 1:>4}  {error:>10}  "
        f"{'-' if median is None else f'{median:.2e}':>10}  {record['failed']:>6}  "
        f"{describe(best['genome'], None, n_in, n_out)} ({best['parameters']} parameters)"
    )


# --- the search ------------------------------------------------------------------------------


@dataclass
class EvolveResult:
    """What a search did: every individual of every generation, the best, and its model."""

    history: list[dict[str, Any]]  # per generation: generation, individuals, best, median_error
    best: Individual | None  # the best individual found (None if every one failed)
    model: dict[str, Any] | None  # the best's trained network, a Network.export()
    evaluations: int  # networks trained (elites are carried over, not trained again)
    seconds: float
    stopped: bool = False  # interrupted by should_stop
    reached_target: bool = False
    settings: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-safe data."""
        return dataclasses.asdict(self)


@dataclass(frozen=True)
class _Settings:
    space: Space
    population: int
    generations: int
    budget: int
    seed: int
    elite: int
    tournament: int
    crossover: float
    mutation: float
    lr_sigma: float
    target_error: float | None


def _settings(space: Space | None, **values: Any) -> _Settings:
    if space is None:
        space = Space()
    elif not isinstance(space, Space):
        raise SchemaError(f"space must be an nn.evolve.Space, got {show(space)}")
    if not space.free_genes():
        raise SchemaError(
            f"the space fixes every gene, so there is nothing to search: {space.to_dict()}"
        )
    population = check_int(values["population"], "population", low=2, high=EVOLVE_MAX_POPULATION)
    elite, tournament = values["elite"], values["tournament"]
    target = values["target_error"]
    return _Settings(
        space=space,
        population=population,
        generations=check_int(values["generations"], "generations", high=EVOLVE_MAX_GENERATIONS),
        budget=check_int(values["budget"], "budget", high=EVOLVE_MAX_BUDGET),
        seed=check_int(values["seed"], "seed", low=0, high=2**32 - 1),
        # None: the default, made to fit a small population (2 individuals keep 1 elite).
        elite=check_int(
            min(EVOLVE_DEFAULTS["elite"], population - 1) if elite is None else elite,
            "elite",
            low=0,
            high=population - 1,
        ),
        tournament=check_int(
            min(EVOLVE_DEFAULTS["tournament"], population) if tournament is None else tournament,
            "tournament",
            high=population,
        ),
        crossover=check_real(
            values["crossover"], "crossover", low=0.0, low_inclusive=True, high=1.0
        ),
        mutation=check_real(values["mutation"], "mutation", low=0.0, low_inclusive=True, high=1.0),
        lr_sigma=check_real(values["lr_sigma"], "lr_sigma", low=0.0, low_inclusive=True, high=10.0),
        target_error=None if target is None else check_real(target, "target_error", low=0.0),
    )


def _individual(
    genome: Genome, generation: int, index: int, seed: int, result: Mapping[str, Any]
) -> Individual:
    return {
        "generation": generation,
        "index": index,
        "genome": genome,
        "seed": seed,
        "fitness": fitness(result["error"]),
        "error": result["error"],
        "parameters": result["parameters"],
        "samples": result["samples"],
        "seconds": result["seconds"],
        "reason": result["reason"],
        "elite": False,
        "origin": [generation, index],  # where it was trained (elites keep theirs)
    }


class _Stopped(Exception):
    pass


def _run_all(
    tasks: list[tuple[Genome, int]],
    data: Split,
    budget: int,
    executor: concurrent.futures.Executor | None,
    should_stop: Callable[[], bool] | None,
    on_result: Callable[[int], None],
) -> list[dict[str, Any]]:
    """Evaluate ``(genome, seed)`` tasks; results in task order whatever order they finish in."""
    if executor is None:
        results = []
        for genome, seed in tasks:
            if should_stop is not None and should_stop():
                raise _Stopped
            results.append(evaluate(genome, seed, data, budget))
            on_result(len(results))
        return results
    futures = [executor.submit(evaluate, genome, seed, data, budget) for genome, seed in tasks]
    pending = set(futures)
    try:
        while pending:
            if should_stop is not None and should_stop():
                raise _Stopped
            done, pending = concurrent.futures.wait(
                pending, timeout=0.1, return_when=concurrent.futures.FIRST_COMPLETED
            )
            if done:
                on_result(len(futures) - len(pending))
    except BaseException:
        for future in futures:
            future.cancel()
        raise
    return [future.result() for future in futures]


def _breed(
    parents: list[Individual], s: _Settings, rng: np.random.Generator, free: list[str]
) -> Genome:
    def tournament() -> Individual:
        picks = rng.choice(len(parents), size=s.tournament, replace=False)
        return min((parents[int(i)] for i in picks), key=rank_key)

    a = tournament()["genome"]
    if rng.random() < s.crossover:
        b = tournament()["genome"]
        child = {gene: (a if rng.random() < 0.5 else b)[gene] for gene in GENES}
    else:
        child = dict(a)
    child = {**child, "layers": list(child["layers"])}
    mutated = False
    for gene in free:
        if rng.random() < s.mutation:
            s.space.mutate_gene(child, gene, rng, s.lr_sigma)
            mutated = True
    if not mutated or child == a:  # a plain copy would waste an evaluation
        s.space.mutate_gene(child, _pick(rng, free), rng, s.lr_sigma)
    return child


class Search:
    """The GA one generation at a time, for drivers that cannot block (the page's worker pool):

    ``tasks()`` gives the generation's ``(genome, seed)`` pairs to train, ``advance(results)``
    takes their ``evaluate`` results in the same order and returns the generation's record, until
    ``finished``; ``result()`` sums it up. ``evolve()`` is this loop with an executor. Arguments
    as for ``evolve``; bad settings raise ``SchemaError`` here, before any work."""

    def __init__(
        self,
        inputs: object | None = None,
        targets: object | None = None,
        *,
        space: Space | None = None,
        population: int = EVOLVE_DEFAULTS["population"],
        generations: int = EVOLVE_DEFAULTS["generations"],
        budget: int = EVOLVE_DEFAULTS["budget"],
        seed: int = EVOLVE_DEFAULTS["seed"],
        target_error: float | None = None,
        holdout: float = EVOLVE_DEFAULTS["holdout"],
        elite: int | None = None,
        tournament: int | None = None,
        crossover: float = EVOLVE_DEFAULTS["crossover"],
        mutation: float = EVOLVE_DEFAULTS["mutation"],
        lr_sigma: float = EVOLVE_DEFAULTS["lr_sigma"],
    ) -> None:
        s = _settings(
            space,
            population=population,
            generations=generations,
            budget=budget,
            seed=seed,
            elite=elite,
            tournament=tournament,
            crossover=crossover,
            mutation=mutation,
            lr_sigma=lr_sigma,
            target_error=target_error,
        )
        if inputs is None and targets is None:
            inputs, targets = random_dataset(EVOLVE_DEFAULTS["samples"], seed=s.seed)
        self.settings = s
        self.holdout = holdout
        self.data = split_dataset(inputs, targets, holdout, s.seed)
        self.budget = s.budget
        self._free = s.space.free_genes()
        self._rng = np.random.default_rng([s.seed, 0x6A])  # every GA choice, made here only
        self._begin = time.perf_counter()
        self.history: list[dict[str, Any]] = []
        self.best: Individual | None = None
        self.best_model: dict[str, Any] | None = None
        self.evaluations = 0
        self.finished = False
        self.reached_target = False
        self._current: list[Individual] = []
        self._models: dict[tuple[int, ...], dict[str, Any] | None] = {}
        self._carried: list[Individual] = []
        self._tasks: list[tuple[Genome, int]] | None = None

    @property
    def generation(self) -> int:
        """The generation ``tasks()`` is about (0-based) = generations completed."""
        return len(self.history)

    def tasks(self) -> list[tuple[Genome, int]]:
        """The current generation's networks to train: ``(genome, seed)`` pairs (elites are
        carried over, not listed). The same list until ``advance`` is called."""
        if self.finished:
            raise SchemaError("the search is finished; it has no more tasks")
        if self._tasks is None:
            s, generation = self.settings, self.generation
            if generation == 0:
                self._carried = []
                genomes = [s.space.random_genome(self._rng) for _ in range(s.population)]
            else:
                ranked = sorted(self._current, key=rank_key)
                self._carried = [
                    {**ind, "generation": generation, "index": i, "elite": True}
                    for i, ind in enumerate(ranked[: s.elite])
                ]
                genomes = [
                    _breed(self._current, s, self._rng, self._free)
                    for _ in range(s.population - s.elite)
                ]
            n = len(self._carried)
            self._tasks = [
                (g, individual_seed(s.seed, generation, n + i)) for i, g in enumerate(genomes)
            ]
        return self._tasks

    def advance(self, results: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
        """Take the ``evaluate`` results of ``tasks()`` (same order); return the generation's
        record: ``generation``, ``individuals``, ``best``, ``median_error``, ``failed``."""
        tasks = self.tasks()
        if len(results) != len(tasks):
            raise SchemaError(f"advance needs {len(tasks)} results, got {len(results)}")
        s, generation, n = self.settings, self.generation, len(self._carried)
        fresh = []
        for i, ((genome, seed), result) in enumerate(zip(tasks, results, strict=True)):
            fresh.append(_individual(genome, generation, n + i, seed, result))
            self._models[(generation, n + i)] = result["model"]  # keyed by origin
        self.evaluations += len(results)
        current = self._current = self._carried + fresh
        keep = {tuple(ind["origin"]) for ind in current}
        self._models = {key: m for key, m in self._models.items() if key in keep}
        ranked = sorted(current, key=rank_key)
        top = ranked[0]
        if top["fitness"] is not None and (
            self.best is None or rank_key(top) < rank_key(self.best)
        ):
            self.best = top
            self.best_model = self._models[tuple(top["origin"])]
        errors = [ind["error"] for ind in current if ind["error"] is not None]
        record = {
            "generation": generation,
            "individuals": current,
            "best": top,
            "median_error": float(np.median(errors)) if errors else None,
            "failed": len(current) - len(errors),
        }
        self.history.append(record)
        self._tasks = None
        target = s.target_error
        if target is not None and self.best is not None and self.best["error"] <= target:
            self.reached_target = self.finished = True
        if self.generation == s.generations:
            self.finished = True
        return record

    def result(self, stopped: bool = False) -> EvolveResult:
        """The search so far as an ``EvolveResult`` (``stopped``: it was interrupted)."""
        s = self.settings
        return EvolveResult(
            history=self.history,
            best=self.best,
            model=self.best_model,
            evaluations=self.evaluations,
            seconds=time.perf_counter() - self._begin,
            stopped=stopped,
            reached_target=self.reached_target,
            settings={**dataclasses.asdict(s), "space": s.space.to_dict(), "holdout": self.holdout},
        )


def evolve(
    inputs: object | None = None,
    targets: object | None = None,
    *,
    space: Space | None = None,
    population: int = EVOLVE_DEFAULTS["population"],
    generations: int = EVOLVE_DEFAULTS["generations"],
    budget: int = EVOLVE_DEFAULTS["budget"],
    seed: int = EVOLVE_DEFAULTS["seed"],
    executor: concurrent.futures.Executor | None = None,
    on_generation: Callable[[dict[str, Any]], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    on_evaluation: Callable[[int, int], None] | None = None,
    **options: Any,
) -> EvolveResult:
    """Search ``space`` for the genome that learns ``inputs (N, n_in)`` -> ``targets (N, n_out)``
    best within ``budget`` training samples; see the module docstring.

    ``space`` is a ``Space`` (default: every gene free). More ``options`` (see ``Search``):
    ``target_error`` (stop after the first generation whose best error is at or below it),
    ``holdout``, ``elite``, ``tournament``, ``crossover``, ``mutation``, ``lr_sigma``; defaults
    in ``nn.defaults.EVOLVE_DEFAULTS``. Without a dataset,
    the random identity dataset of ``EVOLVE_DEFAULTS["samples"]`` points is used.

    ``executor`` (any ``concurrent.futures.Executor``: a process pool, a Dask client's
    ``get_executor()``) runs the evaluations; ``None`` runs them here, one after the other.
    ``on_generation(record)`` gets each finished generation; ``on_evaluation(done, total)``
    each finished evaluation of the current generation; ``should_stop()`` is polled between
    evaluations, and ``True`` ends the search with the generations completed so far.
    Bad settings raise ``SchemaError`` naming the value; a failing genome never raises.
    """
    search = Search(
        inputs,
        targets,
        space=space,
        population=population,
        generations=generations,
        budget=budget,
        seed=seed,
        **options,
    )
    while not search.finished:
        tasks = search.tasks()
        total = len(tasks)
        try:
            results = _run_all(
                tasks,
                search.data,
                search.budget,
                executor,
                should_stop,
                lambda done, total=total: on_evaluation and on_evaluation(done, total),
            )
        except _Stopped:
            return search.result(stopped=True)
        record = search.advance(results)
        if on_generation is not None:
            on_generation(record)
    return search.result()


def random_search(
    inputs: object,
    targets: object,
    *,
    evaluations: int,
    space: Space | None = None,
    budget: int = EVOLVE_DEFAULTS["budget"],
    seed: int = EVOLVE_DEFAULTS["seed"],
    executor: concurrent.futures.Executor | None = None,
    holdout: float = EVOLVE_DEFAULTS["holdout"],
) -> EvolveResult:
    """The baseline the GA must beat: ``evaluations`` genomes drawn at random from ``space``,
    trained and measured exactly as ``evolve`` does; one generation in the history."""
    s = _settings(
        space,
        population=2,  # unused: random search has no generations
        generations=1,
        budget=budget,
        seed=seed,
        elite=0,
        tournament=1,
        crossover=0.0,
        mutation=0.0,
        lr_sigma=0.0,
        target_error=None,
    )
    evaluations = check_int(evaluations, "evaluations", high=EVOLVE_MAX_POPULATION * 100)
    data = split_dataset(inputs, targets, holdout, s.seed)
    rng = np.random.default_rng([s.seed, 0x7B])
    begin = time.perf_counter()
    tasks = [
        (s.space.random_genome(rng), individual_seed(s.seed, 0, i)) for i in range(evaluations)
    ]
    results = _run_all(tasks, data, s.budget, executor, None, lambda done: None)
    individuals = [
        _individual(g, 0, i, sd, r)
        for i, ((g, sd), r) in enumerate(zip(tasks, results, strict=True))
    ]
    ranked = sorted(individuals, key=rank_key)
    best = ranked[0] if ranked[0]["fitness"] is not None else None
    errors = [ind["error"] for ind in individuals if ind["error"] is not None]
    record = {
        "generation": 0,
        "individuals": individuals,
        "best": ranked[0],
        "median_error": float(np.median(errors)) if errors else None,
        "failed": len(individuals) - len(errors),
    }
    return EvolveResult(
        history=[record],
        best=best,
        model=None if best is None else results[best["index"]]["model"],
        evaluations=evaluations,
        seconds=time.perf_counter() - begin,
    )
