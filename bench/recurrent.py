"""Recurrent benchmarks: BPTT throughput of ``nn``'s vectorised engine against a straightforward
numpy Elman network (``bench.recurrent_baseline``), and the per-frame cost of Anticipate.

The pure part (``run``) needs only numpy, ``nn`` and the baseline, so the same code runs under
CPython and inside Pyodide (``browser_run`` loads it into the benchmark's Pyodide worker page).
``browser_run`` also drives the app itself in Anticipate mode and reads the Python time of each
animation frame's work from ``window.nnStats.anticipateMs``.

- BPTT throughput: training sequences per second, 4-16-2 tanh, sequences of 32 steps, batches
  of 32, one clipped SGD step per batch: ``RecurrentNetwork.train`` against the baseline, runs
  interleaved, medians, ratio in the same run (target >= 3x).
- Anticipate frame (core only): one sample's work as the page does it: ``backpropagate``
  (truncated BPTT over the last 16 samples), ``feed``, and the 150 ms rollout (``roll``, 9
  samples); p50 and p95 in ms (target p95 <= 1 ms in the page).

>>> results = run(QUICK)
>>> sorted(results)
['anticipate_frame', 'bptt_throughput']
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from bench.recurrent_baseline import ElmanBaseline
from nn import RecurrentNetwork
from nn.recurrent_engine import RecurrentTrainer
from nn.trajectories import features, generate, lissajous, roll, strokes_to_sequences

__all__ = ["FULL", "QUICK", "Sizes", "browser_run", "run"]

LAYERS = [4, 16, 2]
# Per-sample times by process CPU time where there is one (other processes on a busy machine do
# not inflate it); under Pyodide, the wall clock.
CLOCK = time.process_time if sys.platform != "emscripten" else time.perf_counter


@dataclass(frozen=True)
class Sizes:
    repeats: int  # timed runs per figure (the median is reported)
    min_seconds: float  # each timed run lasts at least about this long
    sequences: int
    steps: int
    batch: int
    frames: int  # samples timed for the Anticipate frame
    app_seconds: float  # how long the app is driven in Anticipate mode


FULL = Sizes(
    repeats=5, min_seconds=0.5, sequences=256, steps=32, batch=32, frames=2000, app_seconds=20
)
QUICK = Sizes(
    repeats=2, min_seconds=0.01, sequences=16, steps=16, batch=8, frames=50, app_seconds=3
)


def _data(sizes: Sizes) -> tuple[np.ndarray, np.ndarray]:
    strokes = generate("mixed", 12, 720, seed=0)
    x, t = strokes_to_sequences(strokes, sizes.steps, sizes.steps // 2)
    return x[: sizes.sequences], t[: sizes.sequences]


def _rate(work, sequences: int, min_seconds: float) -> float:
    """Sequences per second of ``work()`` (one epoch of ``sequences``), repeated to last."""
    done, start = 0, time.perf_counter()
    while True:
        work()
        done += sequences
        elapsed = time.perf_counter() - start
        if elapsed >= min_seconds:
            return done / elapsed


def bptt_throughput(sizes: Sizes) -> dict[str, Any]:
    x, t = _data(sizes)
    net = RecurrentNetwork(LAYERS, learning_rate=1e-3, optimizer="sgd", clip=1.0, seed=0)
    base = ElmanBaseline(LAYERS, learning_rate=1e-3, clip=1.0, seed=0)

    def nn_epoch() -> None:
        RecurrentTrainer(net, x, t, epochs=1, batch_size=sizes.batch, seed=0).run()

    def baseline_epoch() -> None:
        for start in range(0, len(x), sizes.batch):
            base.train_batch(x[start : start + sizes.batch], t[start : start + sizes.batch])

    nn_runs, base_runs = [], []
    for _ in range(sizes.repeats):  # interleaved: a noisy moment slows both alike
        nn_runs.append(_rate(nn_epoch, len(x), sizes.min_seconds))
        base_runs.append(_rate(baseline_epoch, len(x), sizes.min_seconds))
    nn_median, base_median = statistics.median(nn_runs), statistics.median(base_runs)
    return {
        "case": f"4-16-2 tanh, {len(x)} sequences x {x.shape[1]} steps, batch {sizes.batch}",
        "nn": {"median": nn_median, "runs": nn_runs},
        "baseline": {"median": base_median, "runs": base_runs},
        "ratio": nn_median / base_median,
        "target": 3.0,
    }


def anticipate_frame(sizes: Sizes, steps: int = 9) -> dict[str, Any]:
    """One Anticipate sample's core work, timed sample by sample on a Lissajous path."""
    net = RecurrentNetwork(LAYERS, seed=0)
    path = lissajous(sizes.frames + 40)
    times = []
    for i in range(2, len(path)):
        started = CLOCK()
        x = features(path[i], path[i - 1])
        if i > 2:
            net.backpropagate(x[2:])
        y = net.feed(x)
        roll(net, net.state, path[i], path[i - 1], y, steps)
        if i >= 40:  # the window is full after 16 samples: time the steady state
            times.append((CLOCK() - started) * 1000.0)
    times.sort()
    return {
        "p50_ms": times[len(times) // 2],
        "p95_ms": times[int(0.95 * (len(times) - 1))],
        "samples": len(times),
        "bptt": net.bptt,
        "rollout_steps": steps,
        "clock": CLOCK.__name__,
        "target_p95_ms": 1.0,
    }


def run(sizes: Sizes = FULL) -> dict[str, Any]:
    return {"bptt_throughput": bptt_throughput(sizes), "anticipate_frame": anticipate_frame(sizes)}


# --- in the browser ------------------------------------------------------------------------------

MOTION = """([seconds]) => new Promise(done => {
  const canvas = document.getElementById('stage'), t0 = performance.now();
  const step = (now) => {
    const box = canvas.getBoundingClientRect(), t = (now - t0) / 1000, w = 2 * Math.PI / 4;
    canvas.dispatchEvent(new PointerEvent('pointermove', {bubbles: true, pointerType: 'mouse',
      clientX: box.left + box.width * (0.5 + 0.35 * Math.sin(w * t + Math.PI / 2)),
      clientY: box.top + box.height * (0.5 + 0.35 * Math.sin(2 * w * t))}));
    if (t < seconds) requestAnimationFrame(step); else done();
  };
  requestAnimationFrame(step);
})"""
RING = """() => {
  const s = window.nnStats, n = Math.min(s.anticipateFrames, s.anticipateMs.length);
  return [Array.from(s.anticipateMs.slice(0, n)), Array.from(s.anticipateSamples.slice(0, n)),
          document.getElementById('stage').dataset.leadError,
          document.getElementById('stage').dataset.lagError];
}"""


def _percentiles(values: list[float]) -> dict[str, float]:
    values = sorted(values)
    if not values:
        return {}
    return {"p50_ms": values[len(values) // 2], "p95_ms": values[int(0.95 * (len(values) - 1))]}


def browser_run(quick: bool = False) -> dict[str, Any]:
    """The same ``run`` inside Pyodide, and the app's own per-frame figures in Anticipate."""
    from playwright.sync_api import sync_playwright

    from bench import browser

    sizes = QUICK if quick else FULL
    out: dict[str, Any] = {"not_measured": {}}
    with sync_playwright() as playwright:
        session = browser.Session(playwright)
        try:
            files = [*browser.python_files(), "bench/recurrent.py", "bench/recurrent_baseline.py"]
            context, page = session.page("bench/pages/core.html?files=" + ",".join(files))
            code = (
                "import json\nfrom bench import recurrent as r\n"
                f"json.dumps(r.run(r.Sizes(**{asdict(sizes)!r})))"
            )
            try:
                out["pyodide"] = json.loads(page.evaluate("c => window.benchRun(c)", code))
            except Exception as exc:
                out["not_measured"]["pyodide"] = str(exc).splitlines()[0][:200]
            context.close()
            context, page = session.page("index.html")
            try:
                page.select_option("#mode", "anticipate")
                page.evaluate(MOTION, [sizes.app_seconds])
                ms, samples, lead, lag = page.evaluate(RING)
                single = [m for m, n in zip(ms, samples, strict=True) if n == 1]
                out["app"] = {
                    "frames": len(ms),
                    "one_sample_frames": {**_percentiles(single), "count": len(single)},
                    "all_frames": _percentiles(ms),
                    "lead_error_px": float(lead) if lead else None,
                    "lag_error_px": float(lag) if lag else None,
                    "target_p95_ms": 1.0,
                }
            except Exception as exc:
                out["not_measured"]["app"] = str(exc).splitlines()[0][:200]
            context.close()
        finally:
            session.close()
    out["problems"] = session.watch.problems
    return out


def lines(results: dict[str, Any]) -> list[str]:
    """The figures as printable lines."""
    out = []
    for where, part in (("CPython", results.get("cpython")), ("Pyodide", None)):
        if where == "Pyodide":
            part = results.get("browser", {}).get("pyodide")
        if not part:
            continue
        b, f = part["bptt_throughput"], part["anticipate_frame"]
        out.append(
            f"{where}: BPTT {b['case']}: nn {b['nn']['median']:,.0f} sequences/s, baseline "
            f"{b['baseline']['median']:,.0f} sequences/s, ratio {b['ratio']:.1f}x (target >= 3x)"
        )
        out.append(
            f"{where}: Anticipate sample (feed + BPTT {f['bptt']} + rollout "
            f"{f['rollout_steps']}): p50 {f['p50_ms']:.3f} ms, p95 {f['p95_ms']:.3f} ms "
            f"({f['clock']}; target p95 <= 1 ms)"
        )
    app = results.get("browser", {}).get("app")
    if app:
        one = app["one_sample_frames"]
        out.append(
            f"App (in the page): Anticipate frames with one sample: p50 {one.get('p50_ms', 0):.3f}"
            f" ms, p95 {one.get('p95_ms', 0):.3f} ms over {one['count']} frames (target p95 <= "
            f"1 ms); all frames p95 {app['all_frames'].get('p95_ms', 0):.3f} ms; lead "
            f"{app['lead_error_px']} px vs lag {app['lag_error_px']} px"
        )
    return out
