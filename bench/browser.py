"""Browser benchmarks (Playwright + headless Chromium), against the repo served by tools/serve.py.

1. Load: navigation to ``body[data-state=ready]`` for a bare Pyodide + numpy page (the floor,
   ``bench/pages/floor.html``), a bare PyScript + numpy page (diagnostic) and the app, each in a
   fresh browser context (cold HTTP cache), interleaved, repeated; medians.
2. The core inside Pyodide: ``bench/cpython.py`` (pure) runs in a dedicated Web Worker started by
   ``bench/pages/core.html``, which copies ``nn/*.py`` and the bench modules (the list is taken
   from the repo at run time) into the worker's file system: throughput and time to accuracy.
3. The app, through its hooks (``window.nnStats``, see nnpage/stats.py; ``#pretrain`` and
   its ``data-worker`` / ``data-last-run``, see nnpage/pretrain.py): Python cost per pointer
   event (synthetic ``pointermove`` events dispatched on the canvas, a few per animation frame),
   wasm and JS heap over 20,000 moves, main-thread frame gaps (a requestAnimationFrame loop
   injected here) idle and during a pre-training, and the pre-training worker's own throughput.

A part that cannot run (say, a hook the app does not have yet) is listed under ``not_measured``
with the reason, and the others still run.

Usage::

    results = run(quick=False)     # the "browser" section of bench/results.json
"""

from __future__ import annotations

import itertools
import json
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any

from bench import cpython
from tools import browser as chromium
from tools import serve

ROOT = Path(__file__).resolve().parent.parent
READY_TIMEOUT_MS = 180_000
MAIN_STEP = 3  # the loading step nnpage/main.py sets first
DEEP = "2-6-6-6-6-6-6-6-2"
# The same sizes as the CPython run; inside Pyodide everything takes 2-4x longer.
FULL = cpython.FULL
QUICK = cpython.Sizes(
    repeats=1,
    min_seconds=0.005,
    samples=100,
    cap_seconds=0.3,
    accuracy_repeats=1,
    baseline_cap_seconds=0.3,
)

# Records when body[data-state] first becomes "ready" (ms since navigation start), or "error".
READY_MARK = """
(() => {
  // The app's loading steps (<progress id="loading-progress">), timed when they are set.
  window.__benchSteps = [];
  const value = Object.getOwnPropertyDescriptor(HTMLProgressElement.prototype, "value");
  Object.defineProperty(HTMLProgressElement.prototype, "value", {
    ...value,
    set(v) {
      if (this.id === "loading-progress") window.__benchSteps.push([Number(v), performance.now()]);
      value.set.call(this, v);
    },
  });
  const mark = () => {
    const state = document.body && document.body.dataset.state;
    if ((state === "ready" || state === "error") && window.__benchReady === undefined) {
      window.__benchReady = { state, ms: performance.now() };
    }
  };
  new MutationObserver(mark).observe(document, {
    attributes: true, subtree: true, childList: true, attributeFilter: ["data-state"],
  });
})();
"""
# (The app's #loading-progress steps, if it has them, are recorded with their times: the last
# step before ready is where the app's own Python starts, see nnpage/main.py.)

# Synthetic pointer moves over #stage along a Lissajous path, ``perFrame`` per animation frame.
# Resolves with the number of frames and the JS-side time spent dispatching (ms).
MOVES = """
([count, perFrame, phase]) => new Promise((resolve) => {
  const canvas = document.getElementById("stage");
  const box = canvas.getBoundingClientRect();
  let done = 0, frames = 0, dispatchMs = 0;
  function frame() {
    const start = performance.now();
    for (let k = 0; k < perFrame && done < count; k++, done++) {
      const s = (done + phase) / 97;
      const x = box.left + box.width * (0.5 + 0.45 * Math.sin(s * 1.3));
      const y = box.top + box.height * (0.5 + 0.45 * Math.sin(s * 0.7 + 1));
      canvas.dispatchEvent(new PointerEvent("pointermove", {
        clientX: x, clientY: y, bubbles: true, pointerType: "mouse", isPrimary: true,
      }));
    }
    dispatchMs += performance.now() - start;
    frames++;
    if (done < count) requestAnimationFrame(frame);
    else resolve({ frames, dispatchMs });
  }
  requestAnimationFrame(frame);
})
"""

# requestAnimationFrame timestamps for ``ms`` milliseconds.
FRAMES = """
(ms) => new Promise((resolve) => {
  const stamps = [];
  let start = null;
  function frame(now) {
    if (start === null) start = now;
    stamps.push(now);
    if (now - start < ms) requestAnimationFrame(frame);
    else resolve(stamps);
  }
  requestAnimationFrame(frame);
})
"""


def log(text: str) -> None:
    print(f"browser: {text}", file=sys.stderr, flush=True)


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0..100), linear between closest ranks."""
    ordered = sorted(values)
    if not ordered:
        raise ValueError("no values")
    pos = (len(ordered) - 1) * q / 100
    low = int(pos)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (pos - low)


class Watch:
    """Foreign requests and console errors of every page, reported with the results."""

    def __init__(self) -> None:
        self.problems: list[str] = []

    def attach(self, context, page) -> None:
        def on_request(request) -> None:
            url = request.url
            if url.startswith(("http://127.0.0.1", "data:", "blob:", "about:")):
                return
            self.problems.append(f"request to another origin: {url}")

        context.on("request", on_request)
        page.on(
            "console",
            lambda m: (
                m.type == "error" and self.problems.append(f"console error on {page.url}: {m.text}")
            ),
        )
        page.on("pageerror", lambda e: self.problems.append(f"page error on {page.url}: {e}"))
        page.on(
            "worker",
            lambda w: w.on(
                "console",
                lambda m: (
                    m.type == "error" and self.problems.append(f"worker console error: {m.text}")
                ),
            ),
        )


class Session:
    """A served repo and a launched Chromium; ``page()`` opens a fresh context each time."""

    def __init__(self, playwright) -> None:
        self.server = serve.make_server(ROOT, "127.0.0.1", 0, quiet=True)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.base = f"http://127.0.0.1:{self.server.server_port}/"
        self.browser = playwright.chromium.launch(
            executable_path=chromium.ensure_chromium(), args=chromium.LAUNCH_ARGS
        )
        self.watch = Watch()

    def page(self, path: str, ready: bool = True):
        """(context, page) with ``path`` loaded; waits for ``ready`` (or ``error``) if asked."""
        context = self.browser.new_context(viewport={"width": 1280, "height": 900})
        page = context.new_page()
        self.watch.attach(context, page)
        page.add_init_script(READY_MARK)
        page.goto(self.base + path, wait_until="commit")
        if ready:
            page.wait_for_function("window.__benchReady !== undefined", timeout=READY_TIMEOUT_MS)
            mark = page.evaluate("window.__benchReady")
            if mark["state"] != "ready":
                reason = page.evaluate(
                    "document.body.dataset.error || Array.from(document.querySelectorAll("
                    "'[role=alert]')).map(e => e.textContent.trim()).join(' | ')"
                )
                context.close()
                raise RuntimeError(f"{path} ended in state {mark['state']!r}: {reason}")
        return context, page

    def close(self) -> None:
        self.browser.close()
        self.server.shutdown()
        self.server.server_close()


# --- 1. load ------------------------------------------------------------------------------------

PAGES = {
    "floor": "bench/pages/floor.html",
    "floor_pyscript": "bench/pages/floor_pyscript.html",
    "app": "index.html",
}


def load_times(session: Session, repeats: int) -> dict[str, Any]:
    """Milliseconds from navigation start to ready, per page: median and runs; for the app, also
    when each of its loading steps began. A load whose renderer crashes is retried (twice at most)
    and counted in ``crashes``."""
    runs: dict[str, list[float]] = {name: [] for name in PAGES}
    steps: list[list[list[float]]] = []
    marks: list[list[list[Any]]] = []
    crashes = 0
    for r in range(repeats):
        names = list(PAGES)
        for name in names[r % 3 :] + names[: r % 3]:
            for attempt in range(3):
                try:
                    context, page = session.page(PAGES[name])
                    break
                except Exception as exc:
                    if "crash" not in str(exc).lower() or attempt == 2:
                        raise
                    crashes += 1
                    log(f"load of {name} crashed; retrying")
            runs[name].append(page.evaluate("window.__benchReady.ms"))
            if name == "app":
                steps.append(page.evaluate("window.__benchSteps"))
                marks.append(page.evaluate(APP_MARKS))
            context.close()
        log(
            f"load run {r + 1}/{repeats}: "
            + ", ".join(f"{n} {v[-1]:.0f} ms" for n, v in runs.items())
        )
    out: dict[str, Any] = {n: {"median": statistics.median(v), "runs": v} for n, v in runs.items()}
    out["app_over_floor"] = out["app"]["median"] / out["floor"]["median"]
    out["app_steps"] = steps
    out["crashes"] = crashes
    # The app's own Python: from main.py's first loading step (3, set as main() begins, after
    # static/boot.js has loaded the interpreter, numpy and the files) to ready.
    begins = [next((ms for value, ms in s if value == MAIN_STEP), None) for s in steps]
    if begins and None not in begins:
        own = [ready - begin for ready, begin in zip(runs["app"], begins, strict=True)]
        out["app_own_python"] = {"median": statistics.median(own), "runs": own}
    out["app_phases"] = phases(marks)
    return out


# The start-up's performance marks (``nn:<phase>``, set by static/boot.js, then nnpage/main.py),
# in order: [name, ms since navigation].
APP_MARKS = """() => performance.getEntriesByType("mark")
  .filter(m => m.name.startsWith("nn:")).map(m => [m.name.slice(3), m.startTime])"""


def phases(marks: list[list[list[Any]]]) -> dict[str, float]:
    """Median milliseconds of each start-up phase of the app (from the mark before it)."""
    spans: dict[str, list[float]] = {}
    for run in marks:
        for (_, before), (name, at) in itertools.pairwise(run):
            spans.setdefault(name, []).append(at - before)
    return {name: statistics.median(values) for name, values in spans.items()}


# --- 2. the core inside Pyodide -----------------------------------------------------------------


def python_files() -> list[str]:
    """What the core page copies into Pyodide: every module of nn, and the bench modules the
    measurements import."""
    nn_files = sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "nn").glob("*.py"))
    return [*nn_files, "bench/__init__.py", "bench/baseline.py", "bench/cpython.py"]


def core_in_pyodide(session: Session, quick: bool) -> dict[str, Any]:
    """``bench.cpython`` figures measured inside Pyodide in a Web Worker."""
    sizes = QUICK if quick else FULL
    url = "bench/pages/core.html?files=" + ",".join(python_files())
    context, page = session.page(url)
    prelude = f"import json\nfrom bench import cpython as c\nsizes = c.Sizes(**{asdict(sizes)!r})\n"

    def call(expr: str) -> Any:
        return json.loads(
            page.evaluate("code => window.benchRun(code)", prelude + f"json.dumps({expr})")
        )

    try:
        out: dict[str, Any] = {
            "where": "Pyodide Web Worker",
            "runtime": call(
                "{'numpy': __import__('numpy').__version__, "
                "'python': __import__('sys').version.split()[0]}"
            ),
            "throughput": {},
            "time_to_accuracy": {},
        }
        for case in [("2-6-6-6-2", "linear"), ("2-6-6-6-2", "tanh")]:
            out["throughput"].update(
                call(f"c.throughput(sizes, cases=[{case!r}], batch_sizes=(32,))")
            )
            log(f"core in Pyodide: throughput {'/'.join(case)} done")
        for case in cpython.ACCURACY_CASES:
            out["time_to_accuracy"].update(call(f"c.time_to_accuracy(sizes, cases=[{case!r}])"))
            log(f"core in Pyodide: time to accuracy {'/'.join(case)} done")
    finally:
        context.close()
    return out


# --- 3. the app ---------------------------------------------------------------------------------


def _ring(page, name: str, first: int, last: int) -> list[float]:
    """Entries [first, last) of one of nnStats' 4096-entry rings (eventMs or frameMs)."""
    return page.evaluate(
        """([name, first, last]) => {
          const ring = window.nnStats[name], n = ring.length, out = [];
          for (let k = Math.max(first, last - n); k < last; k++) out.push(ring[k % n]);
          return out;
        }""",
        [name, first, last],
    )


def pointer_events(page, moves: int, per_frame: int) -> dict[str, Any]:
    """Per-event and per-frame Python time (from nnStats) over ``moves`` synthetic moves."""
    iterations = "Number(document.getElementById('stage').dataset.iterations)"
    before = page.evaluate(f"[nnStats.events, nnStats.frames, {iterations}]")
    driven = page.evaluate(MOVES, [moves, per_frame, 0])
    after = page.evaluate(f"[nnStats.events, nnStats.frames, {iterations}]")
    if after[2] - before[2] < moves:
        alert = page.evaluate("document.getElementById('alert-text')?.textContent || ''")
        raise RuntimeError(
            f"the network took {after[2] - before[2]} backpropagation steps "
            f"over {moves} moves, so the events did not all train; {alert}"
        )
    events = _ring(page, "eventMs", before[0], after[0])
    frames = _ring(page, "frameMs", before[1], after[1])
    if after[0] - before[0] < moves:
        raise RuntimeError(f"the app handled {after[0] - before[0]} of {moves} pointer moves")
    out = {
        "moves": moves,
        "per_frame": per_frame,
        "frames": driven["frames"],
        "p50_ms": percentile(events, 50),
        "p95_ms": percentile(events, 95),
        "max_ms": max(events),
        "mean_ms": statistics.fmean(events),
        "js_dispatch_mean_ms": driven["dispatchMs"] / moves,
        "iterations": after[2] - before[2],  # replay between moves adds steps of its own
    }
    if frames:
        out.update(frame_p50_ms=percentile(frames, 50), frame_p95_ms=percentile(frames, 95))
    return out


def heap(page, context, moves: int, per_frame: int) -> dict[str, Any]:
    """wasm heap (``nnStats.wasm.HEAP8.length``) and JS heap after GC, before and after
    ``moves`` pointer moves."""
    if not page.evaluate("!!(window.nnStats && nnStats.wasm && nnStats.wasm.HEAP8)"):
        raise RuntimeError("window.nnStats.wasm.HEAP8 is not reachable")
    cdp = context.new_cdp_session(page)

    def js_heap() -> int:
        cdp.send("HeapProfiler.collectGarbage")
        return int(cdp.send("Runtime.getHeapUsage")["usedSize"])

    before, js_before = page.evaluate("nnStats.wasm.HEAP8.length"), js_heap()
    start = time.perf_counter()
    page.evaluate(MOVES, [moves, per_frame, 1000])
    seconds = time.perf_counter() - start
    after, js_after = page.evaluate("nnStats.wasm.HEAP8.length"), js_heap()
    cdp.detach()
    return {
        "moves": moves,
        "before": before,
        "after": after,
        "js_before": js_before,
        "js_after": js_after,
        "seconds": seconds,
    }


def set_text(page, selector: str, value: str) -> None:
    """Type into a text control and commit it (Enter fires its change event)."""
    page.fill(selector, value)
    page.press(selector, "Enter")


def set_layers(page, layers: str) -> None:
    page.fill("#layers", layers)
    page.press("#layers", "Enter")
    page.wait_for_function(
        f"document.getElementById('network').dataset.layers === '{layers}'", timeout=10_000
    )


def gaps(stamps: list[float]) -> dict[str, Any]:
    """Frame-gap statistics of rAF timestamps, and the gaps over 50 ms: (ms into the window
    when the gap ended, gap in ms)."""
    diffs = [b - a for a, b in itertools.pairwise(stamps)]
    long = [
        (round(b - stamps[0]), round(b - a, 1)) for a, b in itertools.pairwise(stamps) if b - a > 50
    ]
    return {
        "long_gaps": long[:50],
        "frames": len(stamps),
        "p50_ms": percentile(diffs, 50),
        "p95_ms": percentile(diffs, 95),
        "max_ms": max(diffs),
        "over_50ms": sum(d > 50 for d in diffs),
    }


def wait_worker(page, timeout_ms: int = READY_TIMEOUT_MS) -> None:
    """Wait for the pre-training worker to be warm (``#pretrain[data-worker=ready]``)."""
    try:
        page.wait_for_function(
            "document.getElementById('pretrain')?.dataset.worker !== undefined", timeout=10_000
        )
    except Exception:
        raise RuntimeError(
            "the app has no pre-training panel wired yet (#pretrain has no "
            "data-worker attribute 10 s after ready)"
        ) from None
    page.wait_for_function(
        "document.getElementById('pretrain').dataset.worker === 'ready'", timeout=timeout_ms
    )


LAST_RUN = "document.getElementById('pretrain').dataset.lastRun"


def slow_pretraining_settings(page) -> dict[str, Any]:
    """Settings under which a pre-training runs for seconds instead of stopping at the target
    error within milliseconds: tanh, per-sample ("original") method, learning rate 0.001 (from
    seed 0 its error stays above 1e-4 for over 600 epochs). The live network keeps them."""
    page.select_option("#activation", "tanh")
    set_text(page, "#learning-rate-text", "0.001")
    return {"activation": "tanh", "learning_rate": 0.001, "samples": 1000}


def pretrain_run(page, method: str, batch: int, epochs: int, samples: int) -> dict[str, Any]:
    """One pre-training through the panel, waited for; the worker's summary (data-last-run)."""
    page.select_option("#pretrain-method", method)  # sets the batch size: set it after
    page.fill("#dataset-size", str(samples))
    page.fill("#epochs", str(epochs))
    page.fill("#batch-size", str(batch))
    page.evaluate(f"delete {LAST_RUN}")
    start = time.perf_counter()
    page.click("#pretrain-start")
    page.wait_for_function(
        f"{LAST_RUN} !== undefined || document.getElementById('alert-text').textContent",
        timeout=600_000,
    )
    seconds = time.perf_counter() - start
    text = page.evaluate(LAST_RUN)
    if not text:
        alert = page.evaluate("document.getElementById('alert-text').textContent")
        raise RuntimeError(f"the pre-training ended without a summary: {alert}")
    return {
        "method": method,
        "batch_size": batch,
        "epochs": epochs,
        "samples": samples,
        "wall_seconds": seconds,
        **json.loads(text),
    }


def long_main_tasks(trace: dict | list, limit_ms: float = 50.0) -> list[dict[str, float]]:
    """Top-level tasks of the renderer main thread longer than ``limit_ms`` in a Chromium trace:
    their wall time and the main thread's CPU time during them. A task with far less CPU than
    wall time did not run: the operating system gave its CPU to someone else."""
    events = trace["traceEvents"] if isinstance(trace, dict) else trace
    mains = {
        (e["pid"], e["tid"])
        for e in events
        if e.get("name") == "thread_name" and e["args"].get("name") == "CrRendererMain"
    }
    tasks = [
        {"wall_ms": round(e["dur"] / 1000, 1), "cpu_ms": round(e.get("tdur", 0) / 1000, 1)}
        for e in events
        if (e.get("pid"), e.get("tid")) in mains
        and e.get("ph") == "X"
        and e.get("name") == "ThreadControllerImpl::RunTask"
        and e.get("dur", 0) > limit_ms * 1000
    ]
    return sorted(tasks, key=lambda t: -t["wall_ms"])


def frame_gaps_during_pretraining(page, browser, seconds: float) -> dict[str, Any]:
    """rAF gaps for ``seconds`` while idle, then for ``seconds`` of a pre-training that would
    last far longer (cancelled at the end), with a Chromium trace of that window to tell the
    page's own long tasks from a main thread starved of CPU (see ``long_main_tasks``)."""
    idle = gaps(page.evaluate(FRAMES, seconds * 1000))
    page.select_option("#pretrain-method", "live")
    page.fill("#dataset-size", "1000")
    page.fill("#epochs", "100000")
    page.fill("#batch-size", "1")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "trace.json"
        browser.start_tracing(page=page, path=str(path), categories=["devtools.timeline"])
        page.evaluate("() => { window.__benchFrames = (" + FRAMES + f")({seconds * 1000}); }}")
        page.click("#pretrain-start")
        stamps = page.evaluate("window.__benchFrames")
        browser.stop_tracing()
        tasks = long_main_tasks(json.loads(path.read_text()))
    state = page.evaluate("document.body.dataset.state")
    progress = page.evaluate("Number(document.getElementById('progress').value)")
    page.click("#pretrain-cancel")
    page.wait_for_function("document.body.dataset.state === 'ready'", timeout=10_000)
    if state != "training":
        raise RuntimeError(f"the pre-training was not running at the end of the window ({state})")
    return {
        "idle": idle,
        "pretraining": {
            **gaps(stamps),
            "method": "live",
            "batch_size": 1,
            "progress": progress,
            "long_main_tasks": tasks[:20],
        },
    }


def app_figures(session: Session, quick: bool, out: dict[str, Any]) -> None:
    """Per-event cost, heap, frame gaps and worker throughput; fills ``out`` part by part."""
    missing = out["not_measured"]
    moves, per_frame = (200, 10) if quick else (4000, 8)
    heap_moves = 500 if quick else 20_000
    context, page = session.page("index.html")
    try:
        if not page.evaluate("!!(window.nnStats && window.nnStats.eventMs)"):
            raise RuntimeError("the app has no window.nnStats hook")
        page.evaluate(MOVES, [200, per_frame, 500])  # warm-up
        out["events"] = {"2-6-6-6-2": pointer_events(page, moves, per_frame)}
        log(f"app: per-event cost {out['events']['2-6-6-6-2']}")
        _attempt(
            missing,
            "wasm heap over pointer moves",
            lambda: out.update(heap=heap(page, context, heap_moves, per_frame)),
        )
        log(f"app: heap {out.get('heap')}")

        def deep() -> None:
            # The app's default learning rate (0.01) makes this deep linear net diverge, which
            # stops learning; 0.0001 keeps it learning on every move.
            set_text(page, "#learning-rate-text", "0.0001")
            set_layers(page, DEEP)
            page.evaluate(MOVES, [200, per_frame, 500])
            out["events"][DEEP] = pointer_events(page, moves, per_frame)

        _attempt(missing, f"per-event cost, {DEEP}", deep)
    finally:
        context.close()

    context, page = session.page("index.html")
    try:
        _attempt(missing, "pre-training worker", lambda: wait_worker(page))
        if "pre-training worker" in missing:
            return

        settings = slow_pretraining_settings(page)

        def worker() -> None:
            scale = 10 if quick else 1
            out["worker"] = {
                "settings": settings,
                "batch1": pretrain_run(page, "live", 1, 20 // scale, 1000),
                "batch32": pretrain_run(page, "live", 32, 300 // scale, 1000),
            }
            log(f"app: worker throughput {out['worker']}")

        _attempt(missing, "pre-training worker throughput", worker)
        _attempt(
            missing,
            "frame gaps during pre-training",
            lambda: out.update(
                frame_gaps=frame_gaps_during_pretraining(
                    page, session.browser, 2.0 if quick else 10.0
                )
            ),
        )
        log(f"app: frame gaps {out.get('frame_gaps')}")
    finally:
        context.close()


def _attempt(missing: dict[str, str], name: str, fn: Callable[[], None]) -> None:
    try:
        fn()
    except Exception as exc:  # one part failing must not lose the others
        missing[name] = f"{type(exc).__name__}: {str(exc).splitlines()[0][:200]}"
        log(f"not measured: {name}: {missing[name]}")


def run(quick: bool = False) -> dict[str, Any]:
    """The browser section of the results."""
    from playwright.sync_api import sync_playwright

    out: dict[str, Any] = {"not_measured": {}}
    missing = out["not_measured"]
    with sync_playwright() as playwright:
        session = Session(playwright)
        try:
            out["chromium"] = session.browser.version
            log("load times ...")
            _attempt(
                missing,
                "time to ready",
                lambda: out.update(load=load_times(session, 1 if quick else 5)),
            )
            log("the core inside Pyodide ...")
            _attempt(
                missing,
                "core inside Pyodide",
                lambda: out.update(core=core_in_pyodide(session, quick)),
            )
            log("the app ...")
            _attempt(missing, "app", lambda: app_figures(session, quick, out))
        finally:
            session.close()
    out["problems"] = session.watch.problems
    return out
