"""Anticipate mode in a real browser: a network with memory runs ahead of the pointer, keeps
drawing the motion it learned when let go, and each mode keeps its own network.

Contract used here (see nnpage/anticipate_view.py): a labelled select ``#mode`` (``follow``,
``anticipate``), a labelled ``#horizon`` (ms) and a ``#let-go`` toggle; ``#stage[data-mode]``, and
in anticipate ``data-predict-x/-y``, ``data-horizon-ms``, ``data-lead-error``, ``data-lag-error``
(CSS px, last second) and ``data-let-go``; ``window.nnApp.exportModel()``.
"""

from __future__ import annotations

import itertools
import json
import math
from pathlib import Path

from nn import RecurrentNetwork

from .helpers import alert_text, model, open_app

ROOT = Path(__file__).resolve().parents[2]
LEARN_TIMEOUT_MS = 180_000  # a hang guard: the condition is expected after about 20 s

# Pointer moves along a curve given by time, one per animation frame, as real PointerEvents on
# the canvas, until window.nnStopMotion() is called. kind: "lissajous" (4 s, 1:2) or "circle"
# (2 s a turn, clockwise), both in canvas fractions.
MOTION = """([kind]) => {
  const canvas = document.getElementById('stage');
  let running = true;
  window.nnStopMotion = () => { running = false; };
  const t0 = performance.now();
  const step = (now) => {
    if (!running) return;
    const box = canvas.getBoundingClientRect(), t = (now - t0) / 1000;
    let fx, fy;
    if (kind === 'circle') {
      const a = 2 * Math.PI * t / 2.0;
      fx = 0.5 + 0.3 * Math.cos(a); fy = 0.5 + 0.3 * Math.sin(a);
    } else {
      const w = 2 * Math.PI / 4.0;
      fx = 0.5 + 0.35 * Math.sin(w * t + Math.PI / 2); fy = 0.5 + 0.35 * Math.sin(2 * w * t);
    }
    canvas.dispatchEvent(new PointerEvent('pointermove', {bubbles: true, pointerType: 'mouse',
      clientX: box.left + box.width * fx, clientY: box.top + box.height * fy}));
    requestAnimationFrame(step);
  };
  requestAnimationFrame(step);
}"""

LEADS = """() => {
  const d = document.getElementById('stage').dataset;
  const lead = parseFloat(d.leadError), lag = parseFloat(d.lagError);
  return lag > 20 && lead < 0.5 * lag;
}"""

# The circle's positions over the next `frames` animation frames.
TRACK = """async ([frames]) => {
  const d = document.getElementById('stage').dataset, out = [];
  for (let k = 0; k < frames; k++) {
    await new Promise(r => requestAnimationFrame(r));
    out.push([+d.predictX, +d.predictY, d.letGo]);
  }
  return out;
}"""


def choose_mode(page, mode: str) -> str:
    """Switch the Mode select and return the model export of that same instant, before any
    animation frame can train either network."""
    return page.evaluate(
        """([mode]) => {
          const select = document.getElementById('mode');
          const before = window.nnApp.exportModel();
          select.value = mode;
          select.dispatchEvent(new Event('change', {bubbles: true}));
          return before;
        }""",
        [mode],
    )


def test_controls_are_labelled_and_follow_is_the_default(app_page, base_url_app):
    """The contract's controls exist, with labels; the page starts in Follow."""
    page = app_page
    open_app(page, base_url_app)
    assert page.get_attribute("#stage", "data-mode") == "follow"
    assert page.get_by_label("Mode", exact=True).evaluate("e => e.id") == "mode"
    values = page.eval_on_selector_all("#mode option", "os => os.map(o => o.value)")
    assert values == ["follow", "anticipate"]
    page.select_option("#mode", "anticipate")
    assert page.get_attribute("#stage", "data-mode") == "anticipate"
    assert page.get_by_label("Horizon (ms)", exact=True).input_value() == "150"
    assert page.get_by_label("Let go", exact=True).is_visible()
    page.wait_for_function("document.getElementById('stage').dataset.horizonMs === '150'")
    page.fill("#horizon", "5000")
    page.dispatch_event("#horizon", "change")
    assert "Horizon must be" in alert_text(page)
    assert page.get_attribute("#stage", "data-horizon-ms") == "150"
    page.fill("#horizon", "250")
    page.dispatch_event("#horizon", "change")
    page.wait_for_function("document.getElementById('stage').dataset.horizonMs === '250'")


def test_on_a_lissajous_path_the_network_leads_by_less_than_half_the_lag(app_page, base_url_app):
    """20 s of a smooth Lissajous path: the network's lead error falls below half the lag of a
    guess without memory (both over the last second, in CSS px)."""
    page = app_page
    open_app(page, base_url_app)
    page.select_option("#mode", "anticipate")
    page.evaluate(MOTION, ["lissajous"])
    page.wait_for_function(LEADS, timeout=LEARN_TIMEOUT_MS, polling=250)
    d = page.evaluate("({...document.getElementById('stage').dataset})")
    page.evaluate("window.nnStopMotion()")
    print(f"\nlead {d['leadError']} px, lag {d['lagError']} px, horizon {d['horizonMs']} ms")
    assert d["mode"] == "anticipate" and d["horizonMs"] == "150"
    assert float(d["predictX"]) >= 0 and float(d["predictY"]) >= 0
    times = page.evaluate(
        "Array.from(nnStats.anticipateMs.slice(0, Math.min(nnStats.anticipateFrames, 4096)))"
    )
    times.sort()
    print(f"Python per anticipate frame: p50 {times[len(times) // 2]:.3f} ms, "
          f"p95 {times[int(0.95 * len(times))]:.3f} ms over {len(times)} frames")  # fmt: skip
    assert not alert_text(page)


def test_a_circle_drawn_then_released_keeps_going_round(app_page, base_url_app):
    """Draw circles until the network leads, stop: for the next second the circle, now driven by
    the network's own predictions, keeps moving and keeps turning the way the pointer turned."""
    page = app_page
    box = open_app(page, base_url_app)
    page.select_option("#mode", "anticipate")
    page.evaluate(MOTION, ["circle"])
    page.wait_for_function(LEADS, timeout=LEARN_TIMEOUT_MS, polling=250)
    page.evaluate("window.nnStopMotion()")
    page.wait_for_selector("#stage[data-let-go=true]", state="attached", timeout=10_000)
    track = page.evaluate(TRACK, [60])
    assert all(letgo == "true" for _, _, letgo in track)
    # Heading of each step, in canvas fractions (the path was a circle there).
    points = [(x / box["width"], y / box["height"]) for x, y, _ in track]
    steps = [(b[0] - a[0], b[1] - a[1]) for a, b in itertools.pairwise(points)]
    moving = [s for s in steps if math.hypot(*s) > 1e-6]
    assert len(moving) > 40, "the circle stopped"
    speed = sum(math.hypot(*s) for s in steps) / len(steps)
    true_speed = 2 * math.pi * 0.3 / 120  # per 60 Hz frame
    assert 0.4 * true_speed < speed < 2.0 * true_speed
    turned, previous = 0.0, math.atan2(moving[0][1], moving[0][0])
    for dx, dy in moving[1:]:
        a = math.atan2(dy, dx)
        turned += (a - previous + math.pi) % (2 * math.pi) - math.pi
        previous = a
    print(f"\nlet go: {len(moving)} moving frames, speed {speed / true_speed:.2f}x, "
          f"turned {turned / math.pi:.2f} pi")  # fmt: skip
    assert 0.4 * math.pi < turned < 2.5 * math.pi  # clockwise on screen: positive angles
    # The toggle lets go as well, and unticking it hands back to the pointer.
    page.check("#let-go")
    page.wait_for_selector("#stage[data-let-go=true]", state="attached")
    page.uncheck("#let-go")
    page.evaluate(MOTION, ["circle"])  # the pointer moves again: it takes over
    page.wait_for_selector("#stage[data-let-go=false]", state="attached")
    page.evaluate("window.nnStopMotion()")


def test_switching_modes_keeps_each_modes_network(app_page, base_url_app, tmp_path):
    """Follow's network and Anticipate's network survive a round trip through the other mode;
    a recurrent model file imports into Anticipate."""
    page = app_page
    box = open_app(page, base_url_app)
    page.uncheck("#replay")  # no learning between moves: weights change only on moves
    for k in range(40):
        page.mouse.move(box["x"] + 20 + 10 * k, box["y"] + 30 + 5 * k)
    follow = json.loads(choose_mode(page, "anticipate"))
    assert "kind" not in follow or follow["kind"] == "feedforward"
    page.evaluate(MOTION, ["circle"])
    page.wait_for_function(
        "+document.getElementById('stat-iterations').textContent.replace(/,/g, '') > 100",
        timeout=60_000,
    )
    page.evaluate("window.nnStopMotion()")
    recurrent = json.loads(choose_mode(page, "follow"))
    assert recurrent["kind"] == "recurrent"
    assert json.loads(page.evaluate("window.nnApp.exportModel()")) == follow
    assert page.get_attribute("#stage", "data-mode") == "follow"
    assert page.evaluate("document.getElementById('network').dataset.layers") == "2-6-6-6-2"
    again = json.loads(choose_mode(page, "anticipate"))
    assert again == follow
    assert model(page) == recurrent
    assert page.evaluate("document.getElementById('network').dataset.layers") == "4-16-2"
    # A model written by the command line (a recurrent export) goes to Anticipate.
    trained = RecurrentNetwork([4, 8, 2], seed=5).export()
    choose_mode(page, "follow")
    error = page.evaluate("text => window.nnApp.importModel(text)", json.dumps(trained))
    assert error == ""
    assert page.get_attribute("#stage", "data-mode") == "anticipate"
    assert page.input_value("#mode") == "anticipate"
    assert model(page)["weights"] == trained["weights"]
    assert page.evaluate("document.getElementById('network').dataset.layers") == "4-8-2"


def test_network_view_shows_the_recurrent_weights_and_the_state(app_page, base_url_app):
    """In Anticipate the network view has the hidden layer's loops (W_h); hovering a hidden
    neuron reads its state, hovering its loop the recurrent weight."""
    page = app_page
    open_app(page, base_url_app)
    page.select_option("#mode", "anticipate")
    page.wait_for_function("document.getElementById('network').dataset.layers === '4-16-2'")
    canvas = page.locator("#network-canvas")
    canvas.scroll_into_view_if_needed()
    size = canvas.evaluate("c => [c.clientWidth, c.clientHeight]")
    w, h = size
    spacing = min(44.0, (h - 2 * 22 - 14) / 15)
    radius = max(5.0, min(11.0, spacing * 0.32))
    x, y = 74 + (w - 2 * 74) / 2, (h - 14) / 2 - 7.5 * spacing  # hidden neuron 1
    box = canvas.bounding_box()
    page.mouse.move(box["x"] + x, box["y"] + y)
    page.wait_for_function(
        "!document.getElementById('network-tip').hidden && "
        "document.getElementById('network-tip').textContent.includes('hidden neuron 1: state')"
    )
    page.mouse.move(box["x"] + x + radius + 13, box["y"] + y)
    page.wait_for_function(
        "document.getElementById('network-tip').textContent"
        ".includes('recurrent weight hidden 1 → hidden 1')"
    )


def test_pretraining_in_anticipate_trains_the_recurrent_network(app_page, base_url_app):
    """Pre-train in Anticipate mode: the worker trains the recurrent network on generated curves
    and the page imports it, staying in Anticipate; the Follow network is untouched."""
    page = app_page
    page.set_viewport_size({"width": 1280, "height": 1000})
    open_app(page, base_url_app)
    page.wait_for_selector("#pretrain[data-worker=ready]", state="attached", timeout=90_000)
    follow = json.loads(choose_mode(page, "anticipate"))
    before = model(page)
    assert page.input_value("#epochs") == "30" and page.input_value("#batch-size") == "32"
    page.select_option("#dataset-source", "generated")
    page.fill("#dataset-size", "2160")  # 3 curves of 12 s
    page.fill("#epochs", "3")
    page.click("#pretrain-start")
    page.wait_for_selector(
        "#pretrain[data-last-run], #alert:not([hidden])", state="attached", timeout=120_000
    )
    assert not alert_text(page)
    summary = json.loads(page.get_attribute("#pretrain", "data-last-run"))
    assert summary["epochs_done"] == 3 and summary["final_error"] > 0
    after = model(page)
    assert after["kind"] == "recurrent" and after["weights"] != before["weights"]
    assert page.get_attribute("#stage", "data-mode") == "anticipate"
    assert json.loads(choose_mode(page, "follow")) == after
    assert model(page) == follow
    assert page.input_value("#epochs") == "300"  # Follow's own pre-training fields are back
