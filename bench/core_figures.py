"""The core's speed figures that matter to the page and to pre-training, in one short run.

- ``readable``: steps/s of the readable path, ``Network.feed`` + ``backpropagate`` per sample
  (the teaching path: reported, no target).
- ``train``: ``nn.train`` samples/s at batch 1, 32 and 256 (the engine).
- ``replay``: steps one call of ``nnpage.trainer.Trainer.replay(0.004)`` takes (the page's
  replay between moves at its 4 ms budget per animation frame).

The same functions run under CPython and inside Pyodide (``--browser`` loads this module into
a Web Worker through ``bench/pages/core.html``); ``--browser`` also measures, in the page
itself, the Python time per pointer event (p95) for 2-6-6-6-2 and the deep preset, and the replay
steps per animation frame. Rates use process CPU time under CPython, the wall clock in Pyodide.

Usage::

    python -m bench.core_figures                 # CPython figures (about a minute)
    python -m bench.core_figures --browser       # and the Pyodide worker and page figures
    python -m bench.core_figures --out r.json    # also write the figures as JSON
    python -m bench.core_figures --quick         # fewer, shorter runs (a busy machine)
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

CASES = (
    ("2-6-6-6-2", [2, 6, 6, 6, 2], "linear"),
    ("2-6-6-6-2", [2, 6, 6, 6, 2], "tanh"),
    ("2-6-6-6-6-6-6-6-2", [2, 6, 6, 6, 6, 6, 6, 6, 2], "linear"),
)
BATCHES = (1, 32, 256)
REPEATS = 5
MIN_SECONDS = 0.25
LR = 1e-4  # throughput does not depend on it; a small one keeps every run finite
SAMPLES = 1000  # size of the random identity dataset (inputs uniform in [-1, 1]^2)
REPLAY_CALLS = 200  # calls of Trainer.replay timed per case (the median is reported)
CLOCK = time.process_time if sys.platform != "emscripten" else time.perf_counter


def _dataset() -> tuple[np.ndarray, np.ndarray]:
    x = np.random.default_rng(0).uniform(-1.0, 1.0, size=(SAMPLES, 2))
    return x, x.copy()


def _rate(run, repeats: int = REPEATS) -> float:
    """Median of ``repeats`` rates; ``run(k)`` does k units of work and returns their count."""
    k, rates = 1, []
    while True:  # grow k until one run lasts MIN_SECONDS
        start = CLOCK()
        count = run(k)
        spent = CLOCK() - start
        if spent >= MIN_SECONDS:
            rates.append(count / spent)
            break
        k *= 2
    for _ in range(repeats - 1):
        start = CLOCK()
        count = run(k)
        rates.append(count / (CLOCK() - start))
    return statistics.median(rates)


def readable(layers: list[int], activation: str) -> float:
    """Steps/s of ``feed`` + ``backpropagate``, one sample at a time."""
    from nn import Network

    x, t = _dataset()
    net = Network(layers, LR, activation, seed=0)

    def run(epochs: int) -> int:
        feed, backpropagate = net.feed, net.backpropagate
        for _ in range(epochs):
            for i in range(len(x)):
                feed(x[i])
                backpropagate(t[i])
        return epochs * len(x)

    return _rate(run)


def train_rate(layers: list[int], activation: str, batch: int) -> float:
    """Samples/s of ``nn.train`` at ``batch``."""
    from nn import Network, train

    x, t = _dataset()
    net = Network(layers, LR, activation, seed=0)

    def run(epochs: int) -> int:
        train(net, x, t, epochs, batch_size=batch, seed=0)
        return epochs * len(x)

    return _rate(run)


def replay_steps(layers: list[int], activation: str) -> float:
    """Median steps of one ``Trainer.replay(0.004)`` call (the page's per-frame budget)."""
    from nn import Network
    from nnpage.trainer import Trainer

    net = Network(layers, LR, activation, seed=0)
    trainer = Trainer(net, on_divergence=lambda message: None)
    trainer.set_canvas(600.0, 400.0, 1)
    rng = np.random.default_rng(0)
    for px, py in rng.uniform(0.0, 1.0, size=(256, 2)) * (600.0, 400.0):
        trainer.move(float(px), float(py))
    steps = []
    for _ in range(REPLAY_CALLS):
        trainer._last_move = time.perf_counter()  # keep replay awake (it rests after idling)
        steps.append(trainer.replay(0.004))
    return float(statistics.median(steps))


def core(with_replay: bool = True) -> dict[str, Any]:
    """Every core figure, per ``arch/activation``."""
    out: dict[str, Any] = {}
    for name, layers, act in CASES:
        case: dict[str, Any] = {"readable_steps_per_s": readable(layers, act)}
        for batch in BATCHES:
            case[f"train_batch{batch}_samples_per_s"] = train_rate(layers, act, batch)
        if with_replay:
            case["replay_steps_per_4ms"] = replay_steps(layers, act)
        out[f"{name}/{act}"] = case
        print(f"{name}/{act}: {case}", file=sys.stderr, flush=True)
    return out


# --- the browser --------------------------------------------------------------------------------


def _files(root: Path) -> list[str]:
    names = [p.relative_to(root).as_posix() for p in sorted((root / "nn").glob("*.py"))]
    return [*names, "nnpage/__init__.py", "nnpage/trainer.py", "bench/__init__.py",
            "bench/core_figures.py"]  # fmt: skip


def replay_per_frame(page, ms: int = 1500) -> dict[str, float]:
    """Replay steps per animation frame in the page, idle (no moves) right after moving."""
    probe = "[nnStats.frames, Number(document.getElementById('stage').dataset.iterations)]"
    before = page.evaluate(probe)
    page.evaluate(f"new Promise(r => setTimeout(r, {ms}))")
    after = page.evaluate(probe)
    frames = after[0] - before[0]
    return {"frames": frames, "steps_per_frame": (after[1] - before[1]) / max(frames, 1)}


def browser(root: Path) -> dict[str, Any]:
    """Pyodide worker figures, then the page's per-event cost and replay steps per frame."""
    from playwright.sync_api import sync_playwright

    from bench import browser as b

    out: dict[str, Any] = {}
    with sync_playwright() as playwright:
        session = b.Session(playwright)
        try:
            context, page = session.page("bench/pages/core.html?files=" + ",".join(_files(root)))
            try:
                code = (
                    "import json\nfrom bench import core_figures as f\n"
                    f"f.REPEATS, f.MIN_SECONDS = {REPEATS}, {MIN_SECONDS}\njson.dumps(f.core())"
                )
                out["pyodide"] = json.loads(page.evaluate("c => window.benchRun(c)", code))
            finally:
                context.close()
            print(f"pyodide: {out['pyodide']}", file=sys.stderr, flush=True)
            context, page = session.page("index.html")
            try:
                page.evaluate(b.MOVES, [200, 8, 500])  # warm-up
                events = b.pointer_events(page, 4000, 8)
                out["page"] = {"2-6-6-6-2": {**events, "replay": replay_per_frame(page)}}
                b.set_text(page, "#learning-rate-text", "0.0001")
                b.set_layers(page, b.DEEP)
                page.evaluate(b.MOVES, [200, 8, 500])
                events = b.pointer_events(page, 4000, 8)
                out["page"][b.DEEP] = {**events, "replay": replay_per_frame(page)}
            finally:
                context.close()
            print(f"page: {out['page']}", file=sys.stderr, flush=True)
        finally:
            session.close()
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.core_figures")
    parser.add_argument("--browser", action="store_true", help="also Pyodide and the page")
    parser.add_argument("--no-cpython", action="store_true", help="skip the CPython figures")
    parser.add_argument("--out", type=Path, help="write the figures as JSON")
    parser.add_argument("--quick", action="store_true", help="3 runs of 0.1 s per figure")
    args = parser.parse_args(argv)
    if args.quick:
        global REPEATS, MIN_SECONDS
        REPEATS, MIN_SECONDS = 3, 0.1
    root = Path(__file__).resolve().parent.parent
    results: dict[str, Any] = (
        {"loadavg_start": list(os.getloadavg())} if hasattr(os, "getloadavg") else {}
    )
    if not args.no_cpython:
        results["cpython"] = core()
    if args.browser:
        results["browser"] = browser(root)
    if hasattr(os, "getloadavg"):
        results["loadavg_end"] = list(os.getloadavg())
    text = json.dumps(results, indent=1)
    print(text)
    if args.out:
        args.out.write_text(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
