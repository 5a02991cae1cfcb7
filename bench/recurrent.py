"""Recurrent benchmarks: BPTT throughput of ``nn``'s vectorised engine against a straightforward
numpy Elman network (``bench.recurrent_baseline``), and the per-frame cost of Anticipate.

The pure part (``run``) needs only numpy, ``nn``, ``nnpage.anticipate`` and the baseline, so the
same code runs under CPython and inside Pyodide (``browser_run`` loads it into the benchmark's
Pyodide worker page).

- BPTT throughput: training sequences per second, 4-16-2 tanh, sequences of 32 steps, batches
  of 32, one clipped SGD step per batch: ``RecurrentNetwork.train`` against the baseline, runs
  interleaved, medians, ratio in the same run (target >= 3x).
- Anticipate sample: one sample's work (``backpropagate``, truncated BPTT over the last 16
  samples; ``feed``; the 150 ms rollout, ``roll``, 9 samples), through the readable network and
  through ``OnlineBPTT`` (the page's path) interleaved in the same run, and the page's whole
  ``Anticipator.tick``; p50 and p95 in ms (target p95 <= 1 ms).

``browser_run`` then drives the app itself (``DRIVE``): idle and drawing in Follow (the
baselines), drawing in Anticipate, and drawing while the Mode switches every half second. It
prints whether the page stays smooth: the gaps between animation frames, the Python time of each
frame (``nnStats.frameMs``) and of each Anticipate tick (``nnStats.anticipateMs``), and how long
a Mode switch's handler takes. Figures, not assertions: they measure the machine as well.

>>> results = run(QUICK)
>>> sorted(results)
['anticipate_frame', 'bptt_throughput']
"""

from __future__ import annotations

import itertools
import json
import statistics
import sys
import time
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from bench.recurrent_baseline import ElmanBaseline
from nn import RecurrentNetwork
from nn.recurrent_engine import OnlineBPTT, RecurrentTrainer
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
    """One Anticipate sample's core work (features, BPTT over the last 16 samples, feed, the
    9-sample rollout), timed sample by sample on a Lissajous path, two ways interleaved: through
    the readable network's ``feed``/``backpropagate`` and through ``OnlineBPTT`` (the page's
    path; the same numbers). Then the page's whole per-sample Python without drawing,
    ``Anticipator.tick`` fed one pointer event per sample."""
    from nnpage.anticipate import PERIOD_MS, Anticipator

    readable = RecurrentNetwork(LAYERS, seed=0)
    online = OnlineBPTT(RecurrentNetwork(LAYERS, seed=0))
    path = lissajous(sizes.frames + 40)
    times: dict[str, list[float]] = {"readable": [], "online": []}

    def readable_sample(i: int) -> None:
        x = features(path[i], path[i - 1])
        if i > 2:
            readable.backpropagate(x[2:])
        y = readable.feed(x)
        roll(readable, readable.state, path[i], path[i - 1], y, steps)

    def online_sample(i: int) -> None:
        x = features(path[i], path[i - 1])
        if i > 2:
            online.backpropagate(x[2:])
        y = online.feed(x)
        roll(online.net, online.state, path[i], path[i - 1], y, steps)

    ways = [("readable", readable_sample), ("online", online_sample)]
    for i in range(2, len(path)):
        for name, work in ways if i % 2 else ways[::-1]:  # alternate who goes first
            started = CLOCK()
            work(i)
            if i >= 40:  # the window is full after 16 samples: time the steady state
                times[name].append((CLOCK() - started) * 1000.0)
    anticipator = Anticipator(RecurrentNetwork(LAYERS, seed=0), horizon_ms=steps * PERIOD_MS)
    ticks = []
    for i in range(len(path)):
        now = i * PERIOD_MS
        anticipator.pointer(now, float(path[i, 0]), float(path[i, 1]))
        started = CLOCK()
        anticipator.tick(now)
        if i >= 40:
            ticks.append((CLOCK() - started) * 1000.0)
    fast, slow = _percentiles(times["online"]), _percentiles(times["readable"])
    return {
        **fast,
        "readable": slow,
        "ratio_p50": slow["p50_ms"] / fast["p50_ms"] if fast["p50_ms"] else None,
        "tick": _percentiles(ticks),
        "samples": len(ticks),
        "bptt": readable.bptt,
        "rollout_steps": steps,
        "clock": CLOCK.__name__,
        "target_p95_ms": 1.0,
    }


def run(sizes: Sizes = FULL) -> dict[str, Any]:
    return {"bptt_throughput": bptt_throughput(sizes), "anticipate_frame": anticipate_frame(sizes)}


# --- in the browser ------------------------------------------------------------------------------

# Drives the page for `seconds`: one pointer move per animation frame along a Lissajous path (if
# `move`), and a Mode switch every `switchMs` (if > 0), timing each switch's handler. Returns the
# animation frames' timestamps, the switches' durations, and the slices of the rings the page
# wrote meanwhile: Python per frame (nnStats.frameMs) and per Anticipate tick, with its samples.
DRIVE = """([seconds, move, switchMs]) => new Promise(done => {
  const canvas = document.getElementById('stage'), select = document.getElementById('mode');
  const s = window.nnStats, frames0 = s.frames, ticks0 = s.anticipateFrames;
  const t0 = performance.now(), stamps = [], switches = [];
  let nextSwitch = switchMs > 0 ? t0 + switchMs : Infinity;
  const ring = (array, from, to) => {
    const out = [];
    for (let k = Math.max(from, to - array.length); k < to; k++) out.push(array[k % array.length]);
    return out;
  };
  const step = (now) => {
    stamps.push(now);
    const box = canvas.getBoundingClientRect(), w = 2 * Math.PI / 4;
    const t = (performance.now() - t0) / 1000;  // the curve at dispatch: the event's time
    if (move) canvas.dispatchEvent(new PointerEvent('pointermove', {bubbles: true,
      pointerType: 'mouse',
      clientX: box.left + box.width * (0.5 + 0.35 * Math.sin(w * t + Math.PI / 2)),
      clientY: box.top + box.height * (0.5 + 0.35 * Math.sin(2 * w * t))}));
    if (now >= nextSwitch) {
      select.value = select.value === 'follow' ? 'anticipate' : 'follow';
      const started = performance.now();
      select.dispatchEvent(new Event('change', {bubbles: true}));
      switches.push(performance.now() - started);
      nextSwitch += switchMs;
    }
    if (t < seconds) { requestAnimationFrame(step); return; }
    const d = document.getElementById('stage').dataset;
    done({stamps, switches, frameMs: ring(s.frameMs, frames0, s.frames),
          tickMs: ring(s.anticipateMs, ticks0, s.anticipateFrames),
          tickSamples: ring(s.anticipateSamples, ticks0, s.anticipateFrames),
          lead: d.leadError || null, lag: d.lagError || null});
  };
  requestAnimationFrame(step);
})"""


def _percentiles(values: list[float]) -> dict[str, float]:
    values = sorted(values)
    if not values:
        return {}
    return {"p50_ms": values[len(values) // 2], "p95_ms": values[int(0.95 * (len(values) - 1))]}


def _smoothness(run: dict[str, Any]) -> dict[str, Any]:
    """Frame gaps and Python per frame of one ``DRIVE`` run."""
    gaps = [b - a for a, b in itertools.pairwise(run["stamps"])]
    one = [m for m, n in zip(run["tickMs"], run["tickSamples"], strict=True) if n == 1]
    return {
        "frames": len(run["stamps"]),
        "frame_gap": {**_percentiles(gaps), "max_ms": max(gaps, default=0.0)},
        "python_per_frame": _percentiles(run["frameMs"]),
        "anticipate_one_sample_frames": {**_percentiles(one), "count": len(one)},
        "anticipate_all_frames": _percentiles(run["tickMs"]),
        "switch_ms": {**_percentiles(run["switches"]), "count": len(run["switches"])},
        "lead_error_px": float(run["lead"]) if run["lead"] else None,
        "lag_error_px": float(run["lag"]) if run["lag"] else None,
    }


def browser_run(quick: bool = False, sizes: Sizes | None = None) -> dict[str, Any]:
    """The same ``run`` inside Pyodide, and the app's own figures: Python per Anticipate frame,
    and whether the page stays smooth (frame gaps) in Anticipate and while switching modes,
    against the same page idle and drawing in Follow (the baselines)."""
    from playwright.sync_api import sync_playwright

    from bench import browser

    sizes = sizes or (QUICK if quick else FULL)
    out: dict[str, Any] = {"not_measured": {}}
    with sync_playwright() as playwright:
        session = browser.Session(playwright)
        try:
            files = [
                *browser.python_files(),
                "bench/recurrent.py",
                "bench/recurrent_baseline.py",
                "nnpage/__init__.py",
                "nnpage/anticipate.py",
            ]
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
                seconds = sizes.app_seconds
                idle = page.evaluate(DRIVE, [seconds / 4, False, 0])
                follow = page.evaluate(DRIVE, [seconds / 2, True, 0])
                page.select_option("#mode", "anticipate")
                anticipate = page.evaluate(DRIVE, [seconds, True, 0])
                switching = page.evaluate(DRIVE, [seconds / 2, True, 500])
                out["app"] = {
                    "idle_follow": _smoothness(idle),
                    "follow": _smoothness(follow),
                    "anticipate": _smoothness(anticipate),
                    "switching": _smoothness(switching),
                    "target_p95_ms": 1.0,
                }
            except Exception as exc:
                out["not_measured"]["app"] = str(exc).splitlines()[0][:200]
            context.close()
        finally:
            session.close()
    out["problems"] = session.watch.problems
    return out


def _ms(figure: dict[str, float]) -> str:
    return f"p50 {figure.get('p50_ms', 0):.2f} / p95 {figure.get('p95_ms', 0):.2f} ms"


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
            f"{f['rollout_steps']}, {f['clock']}): OnlineBPTT (the page's) p50 {f['p50_ms']:.3f}"
            f" ms, p95 {f['p95_ms']:.3f} ms; the readable network's feed/backpropagate p50 "
            f"{f['readable']['p50_ms']:.3f} ms, p95 {f['readable']['p95_ms']:.3f} ms; the whole "
            f"Anticipator.tick p50 {f['tick']['p50_ms']:.3f} ms, p95 {f['tick']['p95_ms']:.3f} "
            "ms (target p95 <= 1 ms)"
        )
    app = results.get("browser", {}).get("app")
    if app:
        a = app["anticipate"]
        one = a["anticipate_one_sample_frames"]
        out.append(
            f"App (in the page): Anticipate frames with one sample, Python {_ms(one)}"
            f" over {one['count']} frames (target p95 <= 1 ms); all "
            f"Anticipate frames {_ms(a['anticipate_all_frames'])}; lead {a['lead_error_px']} px "
            f"vs lag {a['lag_error_px']} px"
        )
        for name, label in (
            ("idle_follow", "idle in Follow"),
            ("follow", "drawing in Follow (the baseline)"),
            ("anticipate", "drawing in Anticipate"),
            ("switching", "drawing, switching Mode every 0.5 s"),
        ):
            r = app[name]
            gap = r["frame_gap"]
            text = (
                f"App smoothness, {label}: frame gaps {_ms(gap)}, max {gap['max_ms']:.1f} ms over "
                f"{r['frames']} frames; Python per frame {_ms(r['python_per_frame'])}"
            )
            if r["switch_ms"]["count"]:
                text += (
                    f"; a Mode switch {_ms(r['switch_ms'])} ({r['switch_ms']['count']} switches)"
                )
            out.append(text)
    return out
