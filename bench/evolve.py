"""Benchmarks of the hyperparameter search (``nn.evolve``): parallel speed-up, and the GA against
random search.

- Evaluations per second: the same fixed list of individuals (drawn from the default space,
  seeded) trained by 1 process (``evaluate`` in a loop) and by process pools of N workers
  (``concurrent.futures.ProcessPoolExecutor``, started and warmed up before the clock starts).
  Wall clock, median over repeats; speed-up = pool rate / serial rate, target
  ``>= 0.8 x min(N, cores)``.
- GA against random search: for each of several seeds, ``evolve`` on the identity dataset and
  ``random_search`` with the same number of evaluations and the same budget. Both rank by
  ``rank_key`` (held-out error clipped at the floor, then parameters, then steps); reported:
  median best fitness (log10 error), median parameters of the best, and on how many seeds the
  GA's best ranked better.

Usage::

    python -m bench --only evolve            # a few minutes
    python -m bench --only evolve --quick    # seconds: checks the harness
"""

from __future__ import annotations

import concurrent.futures
import multiprocessing
import os
import statistics
import time
from typing import Any

import numpy as np

from nn import random_dataset
from nn.defaults import EVOLVE_DEFAULTS
from nn.evolve import (
    Space,
    evaluate,
    evolve,
    individual_seed,
    random_search,
    rank_key,
    split_dataset,
)

__all__ = ["compare", "run", "speedup", "summary"]

FULL = {"tasks": 48, "budget": 5_000, "repeats": 3, "seeds": 7, "population": 12, "generations": 6}
QUICK = {"tasks": 6, "budget": 300, "repeats": 1, "seeds": 2, "population": 4, "generations": 2}


def _tasks(n: int) -> list[tuple[dict, int]]:
    rng = np.random.default_rng(12345)
    space = Space()
    return [(space.random_genome(rng), individual_seed(0, 0, i)) for i in range(n)]


def speedup(sizes: dict[str, int]) -> dict[str, Any]:
    """Evaluations per second, serial and on process pools of 2..cores (at least 2) workers."""
    x, t = random_dataset(EVOLVE_DEFAULTS["samples"], seed=0)
    data = split_dataset(x, t, EVOLVE_DEFAULTS["holdout"], 0)
    tasks = _tasks(sizes["tasks"])
    budget = sizes["budget"]
    cores = os.cpu_count() or 1
    workers = sorted({2, min(4, max(2, cores))})
    out: dict[str, Any] = {"cores": cores, "tasks": len(tasks), "budget": budget, "pools": {}}

    def serial() -> float:
        begin = time.perf_counter()
        for genome, seed in tasks:
            evaluate(genome, seed, data, budget)
        return len(tasks) / (time.perf_counter() - begin)

    def pooled(pool: concurrent.futures.Executor) -> float:
        begin = time.perf_counter()
        list(pool.map(evaluate, *zip(*tasks, strict=True), [data] * len(tasks),
                      [budget] * len(tasks)))  # fmt: skip
        return len(tasks) / (time.perf_counter() - begin)

    spawn = multiprocessing.get_context("spawn")
    pools = {n: concurrent.futures.ProcessPoolExecutor(n, mp_context=spawn) for n in workers}
    try:
        for pool in pools.values():  # start and warm every process before any clock runs
            list(pool.map(evaluate, *zip(*tasks[:1], strict=True), [data], [budget]))
        runs: dict[Any, list[float]] = {"serial": [], **{n: [] for n in workers}}
        for _ in range(sizes["repeats"]):  # interleaved, so a busy moment slows each alike
            runs["serial"].append(serial())
            for n, pool in pools.items():
                runs[n].append(pooled(pool))
    finally:
        for pool in pools.values():
            pool.shutdown()
    base = statistics.median(runs["serial"])
    out["serial"] = {"median": base, "runs": runs["serial"]}
    for n in workers:
        rate = statistics.median(runs[n])
        out["pools"][str(n)] = {
            "median": rate,
            "runs": runs[n],
            "speedup": rate / base,
            "target": 0.8 * min(n, cores),
        }
    return out


def compare(sizes: dict[str, int]) -> dict[str, Any]:
    """The GA against random search, same evaluations and budget, over several seeds."""
    x, t = random_dataset(EVOLVE_DEFAULTS["samples"], seed=0)
    spawn = multiprocessing.get_context("spawn")
    rows = []
    with concurrent.futures.ProcessPoolExecutor(os.cpu_count() or 1, mp_context=spawn) as pool:
        for seed in range(1, sizes["seeds"] + 1):
            ga = evolve(x, t, population=sizes["population"], generations=sizes["generations"],
                        seed=seed, executor=pool)  # fmt: skip
            rs = random_search(x, t, evaluations=ga.evaluations, seed=seed, executor=pool)
            rows.append(
                {
                    "seed": seed,
                    "evaluations": ga.evaluations,
                    "ga": _best(ga.best),
                    "random": _best(rs.best),
                    "ga_better": ga.best is not None
                    and (rs.best is None or rank_key(ga.best) < rank_key(rs.best)),
                    "tie": ga.best is not None
                    and rs.best is not None
                    and rank_key(ga.best)[:4] == rank_key(rs.best)[:4],
                }
            )
    out: dict[str, Any] = {"seeds": rows, "budget": EVOLVE_DEFAULTS["budget"]}
    for method in ("ga", "random"):
        out[method] = {
            "median_fitness": statistics.median(r[method]["fitness"] for r in rows),
            "median_parameters": statistics.median(r[method]["parameters"] for r in rows),
        }
    out["ga_better_on"] = sum(r["ga_better"] for r in rows)
    # Rank of the two medians by the search's own order: fitness first, then parameters.
    ga, rs = out["ga"], out["random"]
    out["ga_median_better"] = (ga["median_fitness"], ga["median_parameters"]) < (
        rs["median_fitness"],
        rs["median_parameters"],
    )
    return out


def _best(ind: dict | None) -> dict[str, Any]:
    if ind is None:
        return {"fitness": float("inf"), "parameters": 0, "genome": None}
    return {"fitness": ind["fitness"], "parameters": ind["parameters"], "genome": ind["genome"]}


def run(quick: bool = False) -> dict[str, Any]:
    sizes = QUICK if quick else FULL
    return {"speedup": speedup(sizes), "ga_vs_random": compare(sizes), "sizes": sizes}


def summary(results: dict[str, Any]) -> str:
    """The figures as lines of text."""
    s = results["speedup"]
    lines = [
        f"Evolve: evaluations/s, {s['tasks']} individuals x {s['budget']:,} samples, "
        f"{s['cores']} cores (wall clock, median)",
        f"  1 process: {s['serial']['median']:.2f}/s",
    ]
    for n, p in s["pools"].items():
        ok = "ok" if p["speedup"] >= p["target"] else "BELOW TARGET"
        lines.append(
            f"  {n} processes: {p['median']:.2f}/s, speed-up {p['speedup']:.2f}x "
            f"(target >= {p['target']:.2f}x: {ok})"
        )
    c = results["ga_vs_random"]
    n = len(c["seeds"])
    lines.append(
        f"GA vs random search, {c['seeds'][0]['evaluations']} evaluations each, budget "
        f"{c['budget']:,}, {n} seeds (best fitness = log10 held-out error, floor -12):"
    )
    for method, name in (("ga", "GA"), ("random", "random search")):
        m = c[method]
        lines.append(
            f"  {name}: median best fitness {m['median_fitness']:.2f}, "
            f"median parameters of the best {m['median_parameters']:g}"
        )
    verdict = "better" if c["ga_median_better"] else "NOT better"
    lines.append(f"  GA ranked better on {c['ga_better_on']} of {n} seeds; median {verdict}")
    return "\n".join(lines)
