"""Autosave costs no frame: the app's Python time per animation frame with saving on and off,
measured in the same run, plus the cost of each save and the frame gaps while saves happen.

Saving runs in a timer, never in an animation frame (``nnpage/saving.py``), so the frame figures
should match within noise; the gaps show whether a save, between frames, delays one. "Off" is the
same page with ``localStorage`` disabled (the app then says saving is off and never saves).
Rounds alternate on/off so that a busy machine hurts both alike.

Usage::

    python -m bench --only autosave          # or part of the full `python -m bench`
"""

from __future__ import annotations

import statistics
from typing import Any

from bench.browser import (
    FRAMES,
    MOVES,
    READY_MARK,
    READY_TIMEOUT_MS,
    Session,
    gaps,
    log,
    pointer_events,
)

__all__ = ["run", "summary"]

STORAGE_OFF = """Object.defineProperty(window, 'localStorage', {get() {
  throw new DOMException('disabled for the benchmark', 'SecurityError'); }});"""
SAVES = "() => window.nnAutosave ? {...window.nnAutosave} : null"


def _page(session: Session, saving: bool):
    context = session.browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    session.watch.attach(context, page)
    page.add_init_script(READY_MARK)
    if not saving:
        page.add_init_script(STORAGE_OFF)
    page.goto(session.base + "index.html", wait_until="commit")
    page.wait_for_function("window.__benchReady !== undefined", timeout=READY_TIMEOUT_MS)
    if page.evaluate("window.__benchReady.state") != "ready":
        context.close()
        raise RuntimeError("the app did not reach ready")
    return context, page


def _one(session: Session, saving: bool, moves: int, per_frame: int, window_ms: int) -> dict:
    context, page = _page(session, saving)
    try:
        page.evaluate(MOVES, [200, per_frame, 500])  # warm-up
        events = pointer_events(page, moves, per_frame)
        # Right after the moves the network keeps learning (replay), so saves keep coming.
        stamps = page.evaluate(FRAMES, window_ms)
        saves = page.evaluate(SAVES)
        status = page.evaluate("document.getElementById('save-status').textContent")
    finally:
        context.close()
    if saving != (not status.startswith("Saving is off")):
        raise RuntimeError(f"saving {'on' if saving else 'off'} expected; the page says {status!r}")
    return {
        "frame_p50_ms": events.get("frame_p50_ms"),
        "frame_p95_ms": events.get("frame_p95_ms"),
        "event_p95_ms": events["p95_ms"],
        "gaps": gaps(stamps),
        "saves": saves["saves"] if saves else 0,
        "save_mean_ms": (saves["totalMs"] / saves["saves"]) if saves and saves["saves"] else None,
        "save_max_ms": saves["maxMs"] if saves else None,
    }


def run(quick: bool = False) -> dict[str, Any]:
    """``on`` and ``off`` runs (alternating), their medians, and the on/off ratios."""
    from playwright.sync_api import sync_playwright

    rounds, moves, per_frame, window_ms = (1, 300, 8, 2000) if quick else (3, 4000, 8, 6000)
    out: dict[str, Any] = {"on": [], "off": []}
    with sync_playwright() as playwright:
        session = Session(playwright)
        try:
            for k in range(rounds):
                for saving in (True, False) if k % 2 == 0 else (False, True):
                    result = _one(session, saving, moves, per_frame, window_ms)
                    out["on" if saving else "off"].append(result)
                    log(f"autosave {'on' if saving else 'off'}: {result}")
        finally:
            session.close()
    for mode in ("on", "off"):
        runs = out[mode]
        out[f"{mode}_median"] = {
            key: statistics.median(r[key] for r in runs)
            for key in ("frame_p50_ms", "frame_p95_ms", "event_p95_ms")
        } | {
            "gap_p95_ms": statistics.median(r["gaps"]["p95_ms"] for r in runs),
            "gap_max_ms": statistics.median(r["gaps"]["max_ms"] for r in runs),
        }
    on, off = out["on_median"], out["off_median"]
    out["ratio"] = {key: on[key] / off[key] if off[key] else None for key in on}
    out["problems"] = session.watch.problems
    return out


def summary(result: dict[str, Any]) -> str:
    """A few lines for the console."""
    on, off, ratio = result["on_median"], result["off_median"], result["ratio"]
    saves = [r for r in result["on"] if r["saves"]]
    lines = ["autosave (medians over rounds; ratio = saving on / saving off, same run):"]
    for key in on:
        lines.append(f"  {key:14} on {on[key]:7.3f}  off {off[key]:7.3f}  ratio {ratio[key]:.2f}")
    if saves:
        mean = statistics.fmean(r["save_mean_ms"] for r in saves)
        worst = max(r["save_max_ms"] for r in saves)
        count = statistics.median(r["saves"] for r in result["on"])
        lines.append(f"  saves per run {count:g}, each {mean:.2f} ms on average, {worst:.2f} max")
    return "\n".join(lines)
