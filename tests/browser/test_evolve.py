"""The Evolve panel: a hyperparameter search on a pool of Pyodide workers, drawn live.

Contract: ``#evolve[data-state]`` (idle, running, done, cancelled, error), ``data-generation``,
``data-best`` (JSON ``{genome, error, parameters}``), ``data-workers``, ``data-failed``;
labelled Population, Generations and Budget; buttons Evolve, Cancel and Use best; the charts'
``data-generations`` / ``data-points``. ``window.nnEvolve``: ``workers``, ``busy`` and
``busyIndex`` (tests terminate a worker to crash it), ``bestModel()``, ``dots()``.
"""

from __future__ import annotations

import json
import math

from playwright.sync_api import expect

from nn.defaults import EVOLVE_DEFAULTS

from .helpers import alert_text, model, move_pointer, open_with_worker

SEARCH_TIMEOUT_MS = 240_000
# Records, at every change of the panel's or the charts' data-*, the state, the generations
# done and what each chart says it has plotted: proof that the charts were drawn during the run.
RECORDER = """() => {
  const panel = document.getElementById('evolve');
  const curve = document.getElementById('evolve-curve');
  const scatter = document.getElementById('evolve-scatter');
  window.evolveLog = [];
  const observer = new MutationObserver(() => window.evolveLog.push({
    state: panel.dataset.state, generation: +panel.dataset.generation,
    curve: +(curve.dataset.generations || 0), points: +(scatter.dataset.points || 0),
  }));
  for (const element of [panel, curve, scatter]) observer.observe(element, {attributes: true});
}"""

# Waits until an evaluation is running (a worker is busy and its heartbeat was heard), listening
# to every live worker with the test's own listener; checks that the same worker keeps training
# the same individual for longer than the pool's silence limit (5 s: its heartbeats keep it from
# counting as hung); then presses Cancel in the same task as the last check (no message can slip
# in between). Messages the old workers post afterwards are counted in window.oldWorkers.after:
# a terminated worker posts none.
CANCEL_MID_EVALUATION = """async (holdMs) => {
  const sleep = ms => new Promise(r => setTimeout(r, ms));
  const deadline = performance.now() + 120000;
  const wait = async (ok, what) => {
    while (!ok()) {
      if (performance.now() > deadline) throw new Error('timed out waiting for ' + what);
      await sleep(5);
    }
  };
  await wait(() => window.nnEvolve?.busy?.length > 0, 'a busy worker');
  const log = window.oldWorkers = {heartbeats: 0, after: 0, cancelled: false};
  for (const worker of window.nnEvolve.workers) {
    worker.addEventListener('message', event => {
      let message;
      try { message = JSON.parse(event.data); } catch { return; }
      if (!['progress', 'result'].includes(message?.type)) return;
      if (log.cancelled) log.after++;
      else if (message.type === 'progress') log.heartbeats++;
    });
  }
  await wait(() => log.heartbeats >= 2 && window.nnEvolve.busy.length > 0, 'a heartbeat');
  const worker = window.nnEvolve.busy[0], index = window.nnEvolve.busyIndex[0];
  const status = () => document.getElementById('evolve-status').textContent;
  const start = performance.now();
  while (performance.now() - start < holdMs) {
    const k = window.nnEvolve.busy.indexOf(worker);
    if (k < 0 || window.nnEvolve.busyIndex[k] !== index || status().includes('replaced')) {
      return {held: performance.now() - start, status: status()};
    }
    await sleep(20);
  }
  log.cancelled = true;
  document.getElementById('evolve-cancel').click();
  return {held: performance.now() - start, heartbeats: log.heartbeats,
          state: document.getElementById('evolve').dataset.state};
}"""
# Longer than the pool's silence limit (SILENCE_S in nnpage/evolve_pool.py, 5 s).
HOLD_MS = 6_500

# Crashes the same individual twice: its first worker is terminated mid-evaluation (it goes
# silent: the hang path), then the worker that takes it again reports an uncaught error (the
# error-event path). Returns the individual's position and the status after the first crash.
KILL_TWICE = """async () => {
  const sleep = ms => new Promise(r => setTimeout(r, ms));
  const deadline = performance.now() + 180000;
  const wait = async (ok, what) => {
    while (!ok()) {
      if (performance.now() > deadline) throw new Error('timed out waiting for ' + what);
      await sleep(2);
    }
  };
  const hooks = () => window.nnEvolve;
  const status = () => document.getElementById('evolve-status').textContent;
  await wait(() => hooks()?.busy?.length > 0, 'a busy worker');
  const first = hooks().busy[0], index = hooks().busyIndex[0];
  first.terminate();
  await wait(() => status().includes('re-queued'), 'the first crash in the panel');
  const firstNote = status();
  let second = null;
  await wait(() => {
    const k = hooks().busy.findIndex((w, i) => w !== first && hooks().busyIndex[i] === index);
    second = k >= 0 ? hooks().busy[k] : null;
    return second !== null;
  }, 'the individual trained again');
  second.dispatchEvent(new ErrorEvent('error', {message: 'Error: a crash from the test'}));
  return {index, firstNote};
}"""


def panel(page):
    return page.locator("#evolve")


def small_search(page, population=4, generations=2, budget=400, samples=200) -> None:
    """Fill in a small search on a small dataset and press Evolve."""
    page.fill("#dataset-size", str(samples))
    section = panel(page)
    section.get_by_label("Population").fill(str(population))
    section.get_by_label("Generations").fill(str(generations))
    section.get_by_label("Budget").fill(str(budget))
    section.get_by_role("button", name="Evolve").click()
    expect(section).to_have_attribute("data-state", "running")


def wait_state(page, states: tuple[str, ...], timeout=SEARCH_TIMEOUT_MS) -> str:
    page.wait_for_function(
        f"{json.dumps(list(states))}.includes(document.getElementById('evolve').dataset.state)",
        timeout=timeout,
    )
    return page.evaluate("document.getElementById('evolve').dataset.state")


def layers_text(genome: dict) -> str:
    """``2-3-2``: the network's layers for the page's 2 inputs and 2 outputs."""
    return "-".join(str(n) for n in [2, *genome["layers"], 2])


def test_a_search_is_drawn_live_and_use_best_puts_its_trained_weights_live(app_page, base_url_app):
    """Two generations of four run on the pool, and the charts plot them as they come: the
    scatter's points and the curve's generations grow while the search runs. Hovering a dot
    shows that individual's genome. Use best then makes the best network live with exactly its
    trained weights, turns backpropagation off, and the link follows."""
    page = app_page
    open_with_worker(page, base_url_app, worker=False)
    section = panel(page)
    workers = int(section.get_attribute("data-workers"))
    cores = page.evaluate("navigator.hardwareConcurrency")
    assert workers == max(1, min(cores - 1, 4))
    expect(section).to_have_attribute("data-state", "idle")
    before = model(page)
    page.evaluate(RECORDER)
    population, generations = 4, 2
    small_search(page, population=population, generations=generations)
    assert wait_state(page, ("done", "error")) == "done", alert_text(page)
    expect(section).to_have_attribute("data-generation", str(generations))
    assert model(page) == before  # a search never touches the live network

    # Every individual trained is one dot: the first generation, then the children of each
    # later one (the elites are carried over, not trained again).
    elite = min(EVOLVE_DEFAULTS["elite"], population - 1)
    trained = population + (generations - 1) * (population - elite)
    expect(page.locator("#evolve-scatter")).to_have_attribute("data-points", str(trained))
    expect(page.locator("#evolve-curve")).to_have_attribute("data-generations", str(generations))
    log = page.evaluate("window.evolveLog")
    running = [e for e in log if e["state"] == "running"]
    points = sorted({e["points"] for e in running if e["points"] > 0})
    assert len(points) >= 2 and points[-1] < trained, log  # grew while running
    assert any(e["curve"] >= 1 for e in running), log  # a generation drawn before the end

    best = json.loads(section.get_attribute("data-best"))
    assert set(best) == {"genome", "error", "parameters"}
    assert best["error"] >= 0 and best["parameters"] > 0
    words = page.locator("#evolve-best").text_content()
    assert words.startswith(layers_text(best["genome"]) + " " + best["genome"]["activation"])

    # Hover the dot that stands furthest from the others, with the mouse.
    dots = json.loads(page.evaluate("window.nnEvolve.dots()"))
    assert len(dots) == trained

    def room(d: dict) -> float:
        return min(math.hypot(d["x"] - o["x"], d["y"] - o["y"]) for o in dots if o is not d)

    dot = max(dots, key=room)
    box = page.locator("#evolve-scatter").bounding_box()
    page.mouse.move(box["x"] + dot["x"], box["y"] + dot["y"])
    tip = page.locator("#evolve-tip")
    expect(tip).to_be_visible()
    genome = dot["genome"]
    text = tip.text_content()
    assert f"{layers_text(genome)} {genome['activation']}" in text, (text, dot)
    assert f"lr {genome['learning_rate']:g}" in text and f"batch {genome['batch_size']}" in text
    page.mouse.move(box["x"] - 20, box["y"] - 20)
    expect(tip).to_be_hidden()

    best_model = json.loads(page.evaluate("window.nnEvolve.bestModel()"))
    assert best_model["params"]["layers"] == [2, *best["genome"]["layers"], 2]
    section.get_by_role("button", name="Use best").click()
    expect(page.locator("#backprop")).not_to_be_checked()
    live = model(page)
    assert live["weights"] == best_model["weights"]
    assert live["biases"] == best_model["biases"]
    assert live["params"]["activation"] == best["genome"]["activation"]
    assert live["params"]["learning_rate"] == best["genome"]["learning_rate"]
    page.wait_for_function(f"location.hash.includes('layers={layers_text(best['genome'])}')")
    # The circle follows with the evolved weights, which do not change (no backpropagation).
    first = move_pointer(page, 0, 1)
    second = move_pointer(page, 20, 30)
    assert (second["cx"], second["cy"]) != (first["cx"], first["cy"])
    assert model(page)["weights"] == best_model["weights"]
    assert alert_text(page) == ""


def test_cancel_mid_evaluation_silences_every_worker_and_keeps_the_live_network(
    app_page, base_url_app
):
    """A long evaluation (per-sample training on a large budget) outlasts the silence limit
    on its worker, as its heartbeats say it is alive. Cancel while it trains: the state is
    cancelled at once, the live network is as it was, and the workers are gone: not one more
    heartbeat or result arrives from them while a new search starts its own workers and runs to
    the end."""
    page = app_page
    open_with_worker(page, base_url_app, worker=False)
    before = model(page)
    page.fill("#batch-size", "1")  # the pre-training form's: the value an unticked gene keeps
    page.uncheck("#evolve-gene-batch_size")
    small_search(page, population=4, generations=50, budget=1_000_000)
    cancelled = page.evaluate(CANCEL_MID_EVALUATION, HOLD_MS)
    assert cancelled["held"] >= HOLD_MS and cancelled.get("state") == "cancelled", cancelled
    assert cancelled["heartbeats"] >= 2, cancelled
    assert model(page) == before
    assert "Cancelled" in page.locator("#evolve-status").text_content()
    small_search(page, population=2, generations=1)  # new workers boot: seconds go by
    assert wait_state(page, ("done", "error")) == "done", alert_text(page)
    assert page.evaluate("window.oldWorkers.after") == 0
    assert model(page) == before


def test_an_individual_whose_worker_fails_twice_is_marked_failed_and_the_search_goes_on(
    app_page, base_url_app
):
    """The worker training an individual is terminated (silent: replaced, the individual
    re-queued), then the next one to train it crashes (an error event): that individual is
    marked failed with both reasons in the panel, and the search still ends with every
    generation."""
    page = app_page
    open_with_worker(page, base_url_app, worker=False)
    small_search(page, population=4, generations=2, budget=20_000)
    killed = page.evaluate(KILL_TWICE)
    assert "went silent" in killed["firstNote"] and "re-queued" in killed["firstNote"], killed
    assert wait_state(page, ("done", "error")) == "done", alert_text(page)
    section = panel(page)
    expect(section).to_have_attribute("data-generation", "2")
    expect(section).to_have_attribute("data-failed", "1")
    elite = min(EVOLVE_DEFAULTS["elite"], 4 - 1)
    trained = 4 + (4 - elite)  # the failed one is plotted too (a cross)
    expect(page.locator("#evolve-scatter")).to_have_attribute("data-points", str(trained))
    dots = json.loads(page.evaluate("window.nnEvolve.dots()"))
    failed = [d for d in dots if d["error"] is None]
    assert [(d["generation"], d["index"]) for d in failed] == [(0, killed["index"])], failed
    text = page.locator("#evolve-failed").text_content()
    assert layers_text(failed[0]["genome"]) in text, text
    assert "failed twice" in text and "went silent" in text, text
    assert "a crash from the test" in text, text
    best = json.loads(section.get_attribute("data-best"))
    assert best["error"] is not None
