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
  GA's best ranked better. Twice: at the default budget, where good genomes of both searches
  reach the error floor (so only the parameter count can tell them apart), and at a budget of
  ``TIGHT_BUDGET`` samples, where the held-out errors differ and fitness itself decides.
- In the page: evaluations per second with 1 and with 2 Pyodide workers (the pool's size follows
  ``navigator.hardwareConcurrency``, which the bench sets); while a search runs, the main
  thread's frame gaps (target: max <= 50 ms) and its CPU per worker message and per animation
  frame (from a Chromium trace: what the page's Python costs, apart from the machine's load);
  and Cancel mid-evaluation: how long the click takes to terminate every worker (target
  <= 500 ms), and how many messages the old workers post in the 2 s after it (none).

Usage::

    python -m bench --only evolve            # a few minutes
    python -m bench --only evolve --quick    # under a minute: checks the harness
"""

from __future__ import annotations

import concurrent.futures
import json
import os
import statistics
import tempfile
import time
from pathlib import Path
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
# One pass over 200 training samples: too little for most genomes to reach the error floor.
TIGHT_BUDGET = 200


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


def compare(sizes: dict[str, int], budget: int = EVOLVE_DEFAULTS["budget"]) -> dict[str, Any]:
    """The GA against random search, same evaluations and ``budget``, over several seeds."""
    x, t = random_dataset(EVOLVE_DEFAULTS["samples"], seed=0)
    rows = []
    with process_pool(os.cpu_count() or 1) as pool:
        for seed in range(1, sizes["seeds"] + 1):
            ga = evolve(x, t, population=sizes["population"], generations=sizes["generations"],
                        budget=budget, seed=seed, executor=pool)  # fmt: skip
            rs = random_search(
                x, t, evaluations=ga.evaluations, budget=budget, seed=seed, executor=pool
            )
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
    out: dict[str, Any] = {"seeds": rows, "budget": budget}
    for method in ("ga", "random"):
        out[method] = {
            "median_fitness": statistics.median(r[method]["fitness"] for r in rows),
            "median_parameters": statistics.median(r[method]["parameters"] for r in rows),
        }
    out["ga_better_on"] = sum(r["ga_better"] for r in rows)
    out["ties_on_fitness"] = sum(r["ga"]["fitness"] == r["random"]["fitness"] for r in rows)
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
    out = {
        "speedup": speedup(sizes),
        "ga_vs_random": compare(sizes),
        "ga_vs_random_tight": compare(sizes, TIGHT_BUDGET),
        "sizes": sizes,
    }
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
    for key in ("ga_vs_random", "ga_vs_random_tight"):
        if key in results:
            lines += _comparison_lines(results[key])
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
            f"{g['max_ms']:.1f} ms ({ok}), {g['over_50ms']} over 50 ms in {g['frames']} frames; "
            f"idle page before it: max {p['idle_gaps']['max_ms']:.1f} ms (the machine's share)"
        )
        cpu = p.get("main_cpu", {})
        for name, label in (("HandlePostMessage", "per worker message"),
                            ("FireAnimationFrame", "per animation frame")):  # fmt: skip
            if name in cpu:
                c = cpu[name]
                lines.append(
                    f"  main-thread CPU {label}: median {c['cpu_p50_ms']:.2f} ms, max "
                    f"{c['cpu_max_ms']:.1f} ms ({c['count']} in {g['seconds']:g} s, "
                    f"{c['results']} results)"
                )
        c = p.get("cancel")
        if c:
            ok = "ok" if c["click_ms"] <= 500 else "OVER 500 ms"
            lines.append(
                f"  Cancel mid-evaluation: every worker terminated {c['click_ms']:.1f} ms after "
                f"the click ({ok}); messages from the old workers in the next 2 s: "
                f"{c['messages_after']} (heard {c['heartbeats_before']} heartbeats before)"
            )
    return "\n".join(lines)


def _comparison_lines(c: dict[str, Any]) -> list[str]:
    n = len(c["seeds"])
    lines = [
        f"GA vs random search, {c['seeds'][0]['evaluations']} evaluations each, budget "
        f"{c['budget']:,}, {n} seeds (best fitness = log10 held-out error, floor -12):"
    ]
    for method, name in (("ga", "GA"), ("random", "random search")):
        m = c[method]
        lines.append(
            f"  {name}: median best fitness {m['median_fitness']:.2f}, "
            f"median parameters of the best {m['median_parameters']:g}"
        )
    verdict = "better" if c["ga_median_better"] else "NOT better"
    ties = c.get("ties_on_fitness", 0)
    lines.append(
        f"  GA ranked better on {c['ga_better_on']} of {n} seeds ({ties} tied on fitness, "
        f"decided by parameters); median {verdict}"
    )
    return lines


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


# Cancel while a network trains: wait for a busy worker's heartbeat (heard by a listener of the
# bench's own on every worker), click Cancel, time the click (its handler terminates the
# workers), then count what the old workers post in the next 2 s (a terminated worker: nothing).
_CANCEL = """async () => {
  const sleep = ms => new Promise(r => setTimeout(r, ms));
  while (!(window.nnEvolve?.busy?.length)) await sleep(5);
  const log = {heartbeats: 0, after: 0, cancelled: false};
  for (const worker of window.nnEvolve.workers) {
    worker.addEventListener('message', event => {
      let message;
      try { message = JSON.parse(event.data); } catch { return; }
      if (!['progress', 'result'].includes(message?.type)) return;
      if (log.cancelled) log.after++;
      else if (message.type === 'progress') log.heartbeats++;
    });
  }
  while (!(log.heartbeats > 0 && window.nnEvolve.busy.length > 0)) await sleep(5);
  log.cancelled = true;
  const t0 = performance.now();
  document.getElementById('evolve-cancel').click();
  const clickMs = performance.now() - t0;
  const state = document.getElementById('evolve').dataset.state;
  await sleep(2000);
  return {click_ms: clickMs, state, messages_after: log.after,
          heartbeats_before: log.heartbeats};
}"""


def _main_thread_cpu(trace: dict | list) -> dict[str, Any]:
    """CPU of the renderer main thread's worker-message and animation-frame tasks in a Chromium
    trace: count, median and max (ms). CPU, not wall time, so the machine's load hardly shows."""
    events = trace["traceEvents"] if isinstance(trace, dict) else trace
    mains = {
        (e["pid"], e["tid"])
        for e in events
        if e.get("name") == "thread_name" and e["args"].get("name") == "CrRendererMain"
    }
    out: dict[str, Any] = {}
    for name in ("HandlePostMessage", "FireAnimationFrame", "TimerFire"):
        cpu = sorted(
            e.get("tdur", 0) / 1000
            for e in events
            if (e.get("pid"), e.get("tid")) in mains
            and e.get("ph") == "X"
            and e.get("name") == name
        )
        if cpu:
            out[name] = {
                "count": len(cpu),
                "cpu_p50_ms": statistics.median(cpu),
                "cpu_max_ms": cpu[-1],
                "cpu_sum_ms": sum(cpu),
            }
    return out


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
                if n == 1:  # the main thread with the pool's workers warm, during a longer search
                    window_ms = 3000 if quick else 10_000
                    out["idle_gaps"] = gaps(page.evaluate(FRAMES, window_ms))
                    _page_search(page, population, 50, budget)
                    page.wait_for_function("(window.nnEvolve?.busy?.length || 0) > 0")
                    before = page.evaluate("window.nnEvolve.results")
                    with tempfile.TemporaryDirectory() as folder:
                        path = Path(folder) / "trace.json"
                        session.browser.start_tracing(
                            page=page, path=str(path), categories=["devtools.timeline"]
                        )
                        stamps = page.evaluate(FRAMES, window_ms)
                        session.browser.stop_tracing()
                        cpu = _main_thread_cpu(json.loads(path.read_text()))
                    results = page.evaluate("window.nnEvolve.results") - before
                    out["main_cpu"] = {k: {**v, "results": results} for k, v in cpu.items()}
                    out["frame_gaps"] = {**gaps(stamps), "seconds": window_ms / 1000}
                    out["frame_gaps"]["state_after"] = page.evaluate(
                        "document.getElementById('evolve').dataset.state"
                    )
                    if out["frame_gaps"]["state_after"] == "running":
                        out["cancel"] = page.evaluate(_CANCEL)
                context.close()
        finally:
            session.close()
    one, two = out["pools"]["1"]["per_s"], out["pools"]["2"]["per_s"]
    out["speedup"] = two / one if one else 0.0
    out["target"] = 0.8 * min(2, os.cpu_count() or 1)
    return out
