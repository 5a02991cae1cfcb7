"""The Evolve panel: a hyperparameter search on a pool of Pyodide workers, drawn live.

Contract: ``#evolve[data-state]`` (idle, running, done, cancelled, error), ``data-generation``,
``data-best`` (JSON ``{genome, error, parameters}``), ``data-workers``; labelled Population,
Generations and Budget; buttons Evolve, Cancel and Use best. ``window.nnEvolve.workers`` lists
the live workers (a test terminates one to crash it).
"""

from __future__ import annotations

import json

from playwright.sync_api import expect

from .helpers import alert_text, model, move_pointer, open_with_worker

SEARCH_TIMEOUT_MS = 240_000
# Records, at every change of #evolve's data-*, the state, the generations done and how many
# pixels each chart has drawn: proof that the charts were drawn during the search.
RECORDER = """() => {
  const panel = document.getElementById('evolve');
  const inked = id => {
    const c = document.getElementById(id);
    const data = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let n = 0;
    for (let i = 3; i < data.length; i += 4) if (data[i] > 0) n++;
    return n;
  };
  window.evolveLog = [];
  new MutationObserver(() => window.evolveLog.push({
    state: panel.dataset.state, generation: +panel.dataset.generation,
    curve: inked('evolve-curve'), scatter: inked('evolve-scatter'),
  })).observe(panel, {attributes: true});
  window.inked = inked;
}"""


# Wait (in the page, without a round trip) until a worker is training an individual, then
# terminate it: to the pool it looks like a worker that crashed or hung mid-evaluation.
KILL_BUSY = """async () => {
  while (!(window.nnEvolve?.busy?.length)) await new Promise(r => setTimeout(r, 5));
  window.nnEvolve.busy[0].terminate();
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


def test_a_small_search_runs_to_the_end_drawn_live(app_page, base_url_app):
    """Two generations of four run on the pool; the charts are drawn while it runs; the best
    genome is published in data-best and in words; the live network is untouched."""
    page = app_page
    open_with_worker(page, base_url_app, worker=False)
    section = panel(page)
    workers = int(section.get_attribute("data-workers"))
    cores = page.evaluate("navigator.hardwareConcurrency")
    assert workers == max(1, min(cores - 1, 4))
    expect(section).to_have_attribute("data-state", "idle")
    before = model(page)
    page.evaluate(RECORDER)
    small_search(page, generations=3)
    assert wait_state(page, ("done", "error")) == "done", alert_text(page)
    expect(section).to_have_attribute("data-generation", "3")
    best = json.loads(section.get_attribute("data-best"))
    assert set(best) == {"genome", "error", "parameters"}
    assert best["error"] >= 0 and best["parameters"] > 0
    assert set(best["genome"]) >= {"layers", "activation", "learning_rate", "optimizer"}
    words = page.locator("#evolve-best").text_content()
    assert words.startswith("2-") and best["genome"]["activation"] in words
    log = page.evaluate("window.evolveLog")
    during = [e for e in log if e["state"] == "running" and e["generation"] >= 1]
    assert during and during[-1]["curve"] > 0 and during[-1]["scatter"] > 0, log
    assert section.get_by_role("button", name="Use best").is_enabled()
    assert model(page) == before  # a search never touches the live network
    assert alert_text(page) == ""


def test_use_best_puts_the_evolved_network_live_with_learning_off(app_page, base_url_app):
    """Use best rebuilds the live network as the best genome with its trained weights, turns
    backpropagation off, and the shared link follows."""
    page = app_page
    open_with_worker(page, base_url_app, worker=False)
    small_search(page, population=4, generations=1)
    assert wait_state(page, ("done", "error")) == "done", alert_text(page)
    best = json.loads(panel(page).get_attribute("data-best"))
    panel(page).get_by_role("button", name="Use best").click()
    expect(page.locator("#backprop")).not_to_be_checked()
    live = model(page)
    genome = best["genome"]
    assert live["params"]["layers"] == [2, *genome["layers"], 2]
    assert live["params"]["activation"] == genome["activation"]
    assert live["params"]["learning_rate"] == genome["learning_rate"]
    layers = "-".join(str(n) for n in live["params"]["layers"])
    page.wait_for_function(f"location.hash.includes('layers={layers}')")
    # The circle follows with the evolved weights, which do not change (no backpropagation).
    before = move_pointer(page, 0, 1)
    after = move_pointer(page, 20, 30)
    assert (after["cx"], after["cy"]) != (before["cx"], before["cy"])
    assert model(page)["weights"] == live["weights"]


def test_cancel_stops_every_worker_and_keeps_the_live_network(app_page, base_url_app):
    """Cancel ends a long search at once: state cancelled, no worker left, the live network as
    it was; a new search afterwards runs to the end."""
    page = app_page
    open_with_worker(page, base_url_app, worker=False)
    before = model(page)
    small_search(page, population=6, generations=50, budget=2000)
    page.wait_for_function("(window.nnEvolve?.workers?.length || 0) > 0")
    panel(page).get_by_role("button", name="Cancel").click()
    # The click's handler terminates the workers before it returns: nothing is left running.
    assert page.evaluate("document.getElementById('evolve').dataset.state") == "cancelled"
    assert page.evaluate("window.nnEvolve.workers.length") == 0
    assert model(page) == before
    small_search(page, population=4, generations=1)
    assert wait_state(page, ("done", "error")) == "done", alert_text(page)


def test_a_killed_worker_is_replaced_and_the_search_goes_on(app_page, base_url_app):
    """A worker terminated mid-evaluation goes silent: the pool replaces it, re-queues its
    individual, says so in the panel, and the search still ends with every generation."""
    page = app_page
    open_with_worker(page, base_url_app, worker=False)
    small_search(page, population=4, generations=2, budget=3000)
    page.evaluate(KILL_BUSY)
    page.wait_for_function(
        "document.getElementById('evolve-status').textContent.includes('replaced')",
        timeout=60_000,
    )
    assert wait_state(page, ("done", "error")) == "done", alert_text(page)
    expect(panel(page)).to_have_attribute("data-generation", "2")
    status = page.locator("#evolve-status").text_content()
    assert "replaced" in status and "re-queued" in status, status
