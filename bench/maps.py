"""Neuron-map benchmark (browser): what the maps cost the page on the deep preset.

The deep preset (2-6-6-6-6-6-6-6-2, 50 neurons) is driven with synthetic pointer moves (8 per
animation frame, as in ``bench/browser.py``) twice in the same page: once with the Neuron maps
box off (the baseline), once with it on and a neuron selected in the network view, so that every
map refresh also repaints its map over the stage. For each run: main-thread frame gaps
(requestAnimationFrame timestamps taken during the moves: p50, p95, max) and Python time per
animation frame (``nnStats.frameMs``: p50, p95); for the maps run, the Python cost of one map
refresh (one vectorised forward pass over the grid, the colours, one ``putImageData``).

Targets: with the maps shown, frame gaps p95 <= 17 ms and max <= 50 ms, Python per frame
p95 <= 8 ms.

Usage::

    python -m bench --only maps        # prints the table, writes bench/results.json
    results = run(quick=False)         # the "maps" section
"""

from __future__ import annotations

import json
import statistics
from typing import Any

from bench.browser import MOVES, Session, _ring, gaps, log, percentile

__all__ = ["TARGETS", "run", "table"]

TARGETS = {"gap_p95_ms": 17.0, "gap_max_ms": 50.0, "python_frame_p95_ms": 8.0}

# MOVES, with the rAF timestamps of the same frames recorded alongside.
MOVES_AND_FRAMES = """
async ([count, perFrame, phase]) => {
  const stamps = [];
  let running = true;
  const tick = (now) => { stamps.push(now); if (running) requestAnimationFrame(tick); };
  requestAnimationFrame(tick);
  const moves = (MOVES);
  const driven = await moves([count, perFrame, phase]);
  running = false;
  return { stamps, frames: driven.frames };
}
""".replace("MOVES", MOVES.strip())


def drive(page, moves: int) -> dict[str, Any]:
    """Frame gaps and Python per frame over ``moves`` pointer moves."""
    before = page.evaluate("nnStats.frames")
    out = page.evaluate(MOVES_AND_FRAMES, [moves, 8, 0])
    after = page.evaluate("nnStats.frames")
    python = _ring(page, "frameMs", before, after)
    return {
        "moves": moves,
        "gaps": gaps(out["stamps"]),
        "python_frame_p50_ms": percentile(python, 50),
        "python_frame_p95_ms": percentile(python, 95),
        "python_frame_max_ms": max(python),
    }


def run(quick: bool = False) -> dict[str, Any]:
    from playwright.sync_api import sync_playwright

    moves = 400 if quick else 4000
    out: dict[str, Any] = {"preset": "deep", "moves": moves}
    with sync_playwright() as playwright:
        session = Session(playwright)
        try:
            context, page = session.page("index.html")
            page.select_option("#preset", "deep")
            page.wait_for_function(
                "document.getElementById('network').dataset.layers === '2-6-6-6-6-6-6-6-2'"
            )
            page.evaluate(MOVES, [200, 8, 500])  # warm-up
            page.uncheck("#maps")
            log("maps: baseline, maps off ...")
            out["maps_off"] = drive(page, moves)
            page.check("#maps")
            page.locator("#network-canvas").focus()
            page.keyboard.press("ArrowRight")  # a hidden neuron: its map over the stage too
            page.keyboard.press("ArrowRight")
            page.wait_for_selector("#neuron-map", state="visible")
            first = len(json.loads(page.evaluate("window.nnApp.mapRefreshMs()")))
            log("maps: maps on, a neuron selected ...")
            out["maps_on"] = drive(page, moves)
            refresh = json.loads(page.evaluate("window.nnApp.mapRefreshMs()"))[first:]
            out["maps_on"]["refreshes"] = len(refresh)
            out["refresh_ms"] = {
                "p50": statistics.median(refresh),
                "p95": percentile(refresh, 95),
                "max": max(refresh),
            }
            grid = json.loads(page.evaluate("window.nnApp.neuronMap(1, 0)"))
            out["grid"] = f"{grid['columns']} x {grid['rows']}"
            context.close()
        finally:
            session.close()
    out["problems"] = session.watch.problems
    return out


def table(m: dict[str, Any]) -> str:
    """The figures as text: maps on vs off (ratio), and the targets."""
    on, off = m["maps_on"], m["maps_off"]
    rows = [
        ("frame gap p95 (ms)", on["gaps"]["p95_ms"], off["gaps"]["p95_ms"], "gap_p95_ms"),
        ("frame gap max (ms)", on["gaps"]["max_ms"], off["gaps"]["max_ms"], "gap_max_ms"),
        ("Python per frame p50 (ms)", on["python_frame_p50_ms"], off["python_frame_p50_ms"], None),
        (
            "Python per frame p95 (ms)",
            on["python_frame_p95_ms"],
            off["python_frame_p95_ms"],
            "python_frame_p95_ms",
        ),
    ]
    lines = [
        f"Neuron maps on the deep preset ({m['moves']} pointer moves, 8 per frame; grid "
        f"{m['grid']}):",
        f"{'figure':28} {'maps on':>9} {'maps off':>9} {'ratio':>6}  target",
    ]
    for name, a, b, key in rows:
        target = f"<= {TARGETS[key]:g}" if key else ""
        verdict = "" if not key else (" ok" if a <= TARGETS[key] else " MISSED")
        lines.append(
            f"{name:28} {a:9.2f} {b:9.2f} {a / b if b else float('nan'):6.2f}  {target}{verdict}"
        )
    r = m["refresh_ms"]
    lines.append(
        f"one map refresh (Python: grid pass, colours, putImageData): p50 {r['p50']:.2f} ms, "
        f"p95 {r['p95']:.2f} ms, max {r['max']:.2f} ms over {on['refreshes']} refreshes"
    )
    return "\n".join(lines)
