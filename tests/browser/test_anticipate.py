"""Anticipate mode in a real browser: a network with memory runs ahead of the pointer, keeps
drawing the motion it learned when let go, each mode keeps its own network, and the recurrent
network pre-trains in the worker (and cancels).

Contract used here (see nnpage/anticipate_view.py): a labelled select ``#mode`` (``follow``,
``anticipate``), a labelled ``#horizon`` (ms) and a ``#let-go`` toggle; ``#stage[data-mode]``, and
in anticipate ``data-predict-x/-y``, ``data-horizon-ms``, ``data-lead-error``, ``data-lag-error``
(CSS px, last second), ``data-let-go``, ``data-samples`` (samples learnt) and ``data-rolled``
(samples drawn on its own since let go); ``window.nnApp.exportModel()``/``importModel()``.

The claims are about the amount of path the network has learnt (``data-samples``), never about
wall time: a loaded machine gives fewer animation frames, not a different test. Their CPython
twins, driven sample by sample, are in tests/app/test_anticipate.py.
"""

from __future__ import annotations

import itertools
import json
import math

from nn import RecurrentNetwork

from .helpers import RUN_TIMEOUT_MS, alert_text, model, open_app, wait_worker

HANG_GUARD_MS = 240_000  # 1,200 samples take 20 s at 60 Hz; this only stops a hung page
HZ = 60
LISSAJOUS_SAMPLES = 20 * HZ  # the 20 s of path
CIRCLE_SAMPLES = 10 * HZ

# Pointer moves along a curve given by time, one per animation frame, as real PointerEvents on
# the canvas, until window.nnStopMotion() is called. kind: "lissajous" (4 s, 1:2) or "circle"
# (2 s a turn, clockwise on screen), both in canvas fractions. Each position is the curve's at
# the moment of dispatch, when the page timestamps the event: on a busy page the animation
# frame's own time can be many milliseconds earlier, a jitter no real pointer has.
MOTION = """([kind]) => {
  const canvas = document.getElementById('stage');
  let running = true;
  window.nnStopMotion = () => { running = false; };
  const t0 = performance.now();
  const step = (now) => {
    if (!running) return;
    const box = canvas.getBoundingClientRect(), t = (performance.now() - t0) / 1000;
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

SAMPLES = "document.getElementById('stage').dataset.samples"
READ = "({...document.getElementById('stage').dataset})"

# Stops the pointer, then reads the circle's position at each animation frame, with the samples
# the network has drawn on its own so far, until it has drawn `samples` (or 2,000 frames pass).
TRACK = """async ([samples]) => {
  window.nnStopMotion();
  const d = document.getElementById('stage').dataset, out = [];
  while (out.length < 2000) {
    await new Promise(r => requestAnimationFrame(r));
    out.push([+d.predictX, +d.predictY, +d.rolled, d.letGo]);
    if (+d.rolled >= samples) break;
  }
  return out;
}"""


def learnt(page, samples: int) -> dict:
    """``#stage``'s data once the network has learnt from at least ``samples`` samples."""
    page.wait_for_function(f"+{SAMPLES} >= {samples}", timeout=HANG_GUARD_MS, polling=100)
    return page.evaluate(READ)


def leads(d: dict) -> bool:
    """The network's lead error is under half the no-memory lag (and the pointer moves)."""
    lead, lag = float(d["leadError"] or "nan"), float(d["lagError"] or "nan")
    return lag > 20 and lead < 0.5 * lag


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


def test_controls_network_view_and_horizon(app_page, base_url_app):
    """The contract's controls exist, with labels, and the page starts in Follow. In Anticipate
    the network view has the hidden layer's loops (W_h): hovering a hidden neuron reads its
    state, hovering its loop the recurrent weight. A bad horizon is refused, a good one taken."""
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
    page.wait_for_function("document.getElementById('network').dataset.layers === '4-16-2'")
    canvas = page.locator("#network-canvas")
    canvas.scroll_into_view_if_needed()
    w, h = canvas.evaluate("c => [c.clientWidth, c.clientHeight]")
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
    page.locator("#horizon").scroll_into_view_if_needed()
    page.fill("#horizon", "5000")
    page.dispatch_event("#horizon", "change")
    assert "Horizon must be" in alert_text(page)
    assert page.get_attribute("#stage", "data-horizon-ms") == "150"
    page.fill("#horizon", "250")
    page.dispatch_event("#horizon", "change")
    page.wait_for_function("document.getElementById('stage').dataset.horizonMs === '250'")


def test_it_leads_on_a_lissajous_path_and_keeps_circling_when_let_go(app_page, base_url_app):
    """20 s worth of a smooth Lissajous path (1,200 samples learnt at 60 Hz) bring the network's
    lead error under half the lag of a guess without memory (both over the last second, CSS px),
    and it stays there half a second of samples later. Then, after 10 s worth of circles, the
    pointer stops: for the next second of samples the circle, driven by the network's own
    predictions, keeps moving and keeps turning the way the pointer turned."""
    page = app_page
    box = open_app(page, base_url_app)
    page.select_option("#mode", "anticipate")
    page.evaluate(MOTION, ["lissajous"])
    first = learnt(page, LISSAJOUS_SAMPLES)
    second = learnt(page, int(first["samples"]) + HZ // 2)
    page.evaluate("window.nnStopMotion()")
    for d in (first, second):
        print(f"\n{d['samples']} samples learnt: lead {d['leadError']} px, lag {d['lagError']} px")
        assert leads(d), d
    assert first["mode"] == "anticipate" and first["horizonMs"] == "150"
    assert float(first["predictX"]) >= 0 and float(first["predictY"]) >= 0

    start = int(page.evaluate(SAMPLES))
    page.evaluate(MOTION, ["circle"])
    d = learnt(page, start + CIRCLE_SAMPLES)
    print(f"circles: lead {d['leadError']} px, lag {d['lagError']} px")
    track = page.evaluate(TRACK, [HZ])
    # Chords between the frames' positions once it draws on its own, per sample drawn (a late
    # frame covers several), in canvas fractions: the pointer went round a circle of radius 0.3
    # once in 120 samples, clockwise on screen (positive angles).
    points = [(x / box["width"], y / box["height"], n) for x, y, n, letgo in track if n >= 1]
    assert all(letgo == "true" for *_, n, letgo in track if n >= 1)
    chords = [
        (b[0] - a[0], b[1] - a[1], b[2] - a[2])
        for a, b in itertools.pairwise(points)
        if b[2] > a[2]
    ]
    samples = sum(n for *_, n in chords)
    assert samples >= 40, f"the circle stopped drawing: {track[-5:]}"
    speed = sum(math.hypot(dx, dy) for dx, dy, _ in chords) / samples
    true_speed = 2 * math.pi * 0.3 / 120  # per sample
    turned, previous = 0.0, math.atan2(chords[0][1], chords[0][0])
    for dx, dy, _ in chords[1:]:
        a = math.atan2(dy, dx)
        turned += (a - previous + math.pi) % (2 * math.pi) - math.pi
        previous = a
    per_second = turned * HZ / samples  # the pointer's: pi
    print(f"let go: {samples} samples, speed {speed / true_speed:.2f}x, turning "
          f"{per_second / math.pi:.2f} pi a second")  # fmt: skip
    assert 0.4 * true_speed < speed < 2.0 * true_speed  # it keeps moving, not stops
    assert 0.4 * math.pi < per_second < 2.5 * math.pi  # it keeps turning the pointer's way
    # The toggle lets go as well, and unticking it hands back to the pointer.
    page.check("#let-go")
    page.wait_for_selector("#stage[data-let-go=true]", state="attached")
    page.uncheck("#let-go")
    page.evaluate(MOTION, ["circle"])  # the pointer moves again: it takes over
    page.wait_for_selector("#stage[data-let-go=false]", state="attached")
    page.evaluate("window.nnStopMotion()")
    times = page.evaluate(
        "Array.from(nnStats.anticipateMs.slice(0, Math.min(nnStats.anticipateFrames, 4096)))"
    )
    times.sort()
    print(f"Python per anticipate frame: p50 {times[len(times) // 2]:.3f} ms, "
          f"p95 {times[int(0.95 * len(times))]:.3f} ms over {len(times)} frames")  # fmt: skip
    assert not alert_text(page)


def test_switching_modes_keeps_each_modes_network(app_page, base_url_app, tmp_path):
    """Follow's network and Anticipate's network survive a round trip through the other mode;
    a recurrent model file imports into Anticipate and keeps learning with its own optimizer and
    learning rate, as the status line says."""
    page = app_page
    box = open_app(page, base_url_app)
    page.uncheck("#replay")  # no learning between moves: weights change only on moves
    for k in range(40):
        page.mouse.move(box["x"] + 20 + 10 * k, box["y"] + 30 + 5 * k)
    follow = json.loads(choose_mode(page, "anticipate"))
    assert "kind" not in follow or follow["kind"] == "feedforward"
    page.evaluate(MOTION, ["circle"])
    page.wait_for_function(f"+{SAMPLES} > 100", timeout=HANG_GUARD_MS)
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
    # A model written by the command line (a recurrent export) goes to Anticipate, from Follow,
    # with the optimizer and learning rate it was saved with.
    trained = RecurrentNetwork([4, 8, 2], optimizer="adam", learning_rate=0.005, seed=5).export()
    choose_mode(page, "follow")
    path = tmp_path / "rnn.json"
    path.write_text(json.dumps(trained))
    page.set_input_files("#model-import", str(path))
    page.wait_for_function("document.getElementById('stage').dataset.mode === 'anticipate'")
    status = page.text_content("#status")
    assert "rnn.json" in status and "4-8-2" in status, status
    assert "adam at learning rate 0.005" in status, status
    assert page.input_value("#mode") == "anticipate"
    imported = model(page)
    assert imported["weights"] == trained["weights"]
    assert imported["params"]["optimizer"] == "adam"
    assert imported["params"]["learning_rate"] == 0.005
    assert page.evaluate("document.getElementById('network').dataset.layers") == "4-8-2"
    assert not alert_text(page)


def test_pretraining_in_anticipate_cancels_then_trains_the_recurrent_network(
    app_page, base_url_app
):
    """Pre-train in Anticipate mode: a long run cancelled mid-way leaves the page ready and the
    weights as they were; then the worker trains the recurrent network on generated curves and
    the page imports it, staying in Anticipate, learning live with its own settings again; the
    Follow network is untouched."""
    page = app_page
    page.set_viewport_size({"width": 1280, "height": 1000})
    open_app(page, base_url_app)
    wait_worker(page)
    follow = json.loads(choose_mode(page, "anticipate"))
    before = model(page)
    assert page.input_value("#epochs") == "30" and page.input_value("#batch-size") == "32"
    page.select_option("#dataset-source", "generated")
    page.fill("#dataset-size", "2160")  # 3 curves of 12 s
    page.fill("#epochs", "100000")
    page.click("#pretrain-start")
    page.wait_for_function("document.getElementById('progress').value > 0", timeout=RUN_TIMEOUT_MS)
    assert page.evaluate("document.body.dataset.state") == "training"
    page.click("#pretrain-cancel")
    assert page.evaluate("document.body.dataset.state") == "ready"
    # The worker answers in order: once it is idle again, a late result would have arrived.
    page.wait_for_selector("#pretrain[data-worker=ready]", state="attached")
    assert "Cancelled" in page.text_content("#pretrain-status")
    assert model(page) == before
    assert not alert_text(page)

    page.fill("#epochs", "3")
    page.click("#pretrain-start")
    page.wait_for_selector(
        "#pretrain[data-last-run], #alert:not([hidden])", state="attached", timeout=RUN_TIMEOUT_MS
    )
    assert not alert_text(page)
    summary = json.loads(page.get_attribute("#pretrain", "data-last-run"))
    assert summary["epochs_done"] == 3 and summary["final_error"] > 0
    after = model(page)
    assert after["kind"] == "recurrent" and after["weights"] != before["weights"]
    # Trained with Adam (the fast method), it learns live with SGD at 0.01 again, as before.
    assert page.input_value("#pretrain-method") == "fast"
    for key in ("optimizer", "optimizer_options", "learning_rate"):
        assert after["params"][key] == before["params"][key]
    assert "learning live with sgd at learning rate 0.01" in page.text_content("#pretrain-status")
    assert page.get_attribute("#stage", "data-mode") == "anticipate"
    assert json.loads(choose_mode(page, "follow")) == after
    assert model(page) == follow
    assert page.input_value("#epochs") == "300"  # Follow's own pre-training fields are back
