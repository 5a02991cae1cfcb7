"""Benchmarks of the hyperparameter search (``nn.evolve``): parallel speed-up, and the GA against
random search.

- Evaluations per second: the same fixed list of individuals (drawn from the default space,
  seeded) trained by 1 process (``evaluate`` in a loop) and by process pools of N workers
  (``nn.cli.process_pool``: spawned, one BLAS thread each; started and warmed up before the
  clock starts).
  Wall clock, median over repeats; speed-up = pool rate / serial rate, target
  ``>= 0.8 x min(N, cores)``.
- GA against random search: for each of several seeds, ``evolve`` on the identity dataset and
  ``random_search`` with the same number of evaluations and the same budget. Both rank by
  ``rank_key`` (held-out error clipped at the floor, then parameters, then steps); reported:
  median best fitness (log10 error), median parameters of the best, and on how many seeds the
  GA's best ranked better.
- In the page: evaluations per second with 1 and with 2 Pyodide workers (the pool's size follows
  ``navigator.hardwareConcurrency``, which the bench sets), and the main thread's frame gaps while
  a search runs (target: max <= 50 ms).

Usage::

    python -m bench --only evolve            # a few minutes
    python -m bench --only evolve --quick    # under a minute: checks the harness
"""

from __future__ import annotations

import concurrent.futures
import os
import statistics
import time
from typing import Any

import numpy as np

from nn import random_dataset
from nn.cli import process_pool
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

    pools = {n: process_pool(n) for n in workers}
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
    rows = []
    with process_pool(os.cpu_count() or 1) as pool:
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


def run(quick: bool = False, page: bool = True) -> dict[str, Any]:
    """Every figure; ``page=False`` skips the browser part."""
    sizes = QUICK if quick else FULL
    out = {"speedup": speedup(sizes), "ga_vs_random": compare(sizes), "sizes": sizes}
    if page:
        out["page"] = page_figures(quick)
    return out


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
    p = results.get("page")
    if p:
        one, two = p["pools"]["1"], p["pools"]["2"]
        ok = "ok" if p["speedup"] >= p["target"] else "BELOW TARGET"
        lines.append(
            f"Page (Pyodide workers), {p['population']} individuals x {p['budget']:,} samples: "
            f"1 worker {one['per_s']:.2f}/s, 2 workers {two['per_s']:.2f}/s, speed-up "
            f"{p['speedup']:.2f}x (target >= {p['target']:.2f}x: {ok})"
        )
        g = p["frame_gaps"]
        ok = "ok" if g["max_ms"] <= 50 else "OVER 50 ms"
        lines.append(
            f"  main-thread frame gaps during a search: p95 {g['p95_ms']:.1f} ms, max "
            f"{g['max_ms']:.1f} ms ({ok}), {g['over_50ms']} over 50 ms in {g['frames']} frames"
        )
    return "\n".join(lines)


# --- in the page: PyWorkers, and the main thread during a search --------------------------------

# How many individuals the pool trains per second, from the Evolve click to the end of the
# search; the workers are warm (a tiny search ran first), as for the process pool.
_PAGE_RATE = """async (n) => {
  const sleep = ms => new Promise(r => setTimeout(r, ms));
  const panel = document.getElementById('evolve');
  const t0 = performance.now();
  document.getElementById('evolve-start').click();
  const r0 = window.nnEvolve.results;
  while (document.getElementById('evolve').dataset.state === 'running') await sleep(10);
  return {evaluations: window.nnEvolve.results - r0, ms: performance.now() - t0,
          state: panel.dataset.state, workers: +panel.dataset.workers};
}"""


def _page_search(page, population: int, generations: int, budget: int) -> None:
    page.fill("#dataset-size", "1000")
    page.fill("#evolve-population", str(population))
    page.fill("#evolve-generations", str(generations))
    page.fill("#evolve-budget", str(budget))
    page.click("#evolve-start")


def page_figures(quick: bool = False) -> dict[str, Any]:
    """Evaluations/s with 1 and 2 page workers (``navigator.hardwareConcurrency`` set to 2 and
    3, so the pool holds 1 and 2), and main-thread frame gaps while a search runs."""
    from playwright.sync_api import sync_playwright

    from bench.browser import FRAMES, Session, gaps

    population, budget = (6, 2000) if quick else (16, 10_000)
    out: dict[str, Any] = {"population": population, "budget": budget, "pools": {}}
    with sync_playwright() as playwright:
        session = Session(playwright)
        try:
            for n in (1, 2):
                context = session.browser.new_context(viewport={"width": 1280, "height": 900})
                context.add_init_script(
                    "Object.defineProperty(Navigator.prototype, 'hardwareConcurrency',"
                    f" {{get: () => {n + 1}}});"
                )
                page = context.new_page()
                page.goto(session.base + "index.html")
                page.wait_for_function("document.body.dataset.state === 'ready'", timeout=90_000)
                _page_search(page, 2 * n, 1, 1)  # starts and warms the n workers
                page.wait_for_function(
                    "document.getElementById('evolve').dataset.state === 'done'"
                    f" && window.nnEvolve.workers.length === {n}",
                    timeout=300_000,
                )
                page.fill("#evolve-population", str(population))
                page.fill("#evolve-budget", str(budget))
                rate = page.evaluate(_PAGE_RATE, n)
                out["pools"][str(n)] = {
                    **rate,
                    "per_s": 1000 * rate["evaluations"] / rate["ms"] if rate["ms"] else 0.0,
                }
                if n == 1:  # frame gaps with the pool's workers warm, during a longer search
                    _page_search(page, population, 50, budget)
                    page.wait_for_function("(window.nnEvolve?.busy?.length || 0) > 0")
                    out["frame_gaps"] = gaps(page.evaluate(FRAMES, 3000 if quick else 10_000))
                    out["frame_gaps"]["state_after"] = page.evaluate(
                        "document.getElementById('evolve').dataset.state"
                    )
                    if out["frame_gaps"]["state_after"] == "running":
                        page.click("#evolve-cancel")
                context.close()
        finally:
            session.close()
    one, two = out["pools"]["1"]["per_s"], out["pools"]["2"]["per_s"]
    out["speedup"] = two / one if one else 0.0
    out["target"] = 0.8 * min(2, os.cpu_count() or 1)
    return out
