"""The Evolve panel: a genetic algorithm searches the hyperparameters on a pool of workers.

The GA is the core's (``nn.evolve.Search``: the same selection, crossover, mutation, seeds and
ranking as ``python -m nn evolve``); this module only feeds its tasks to the worker pool
(``evolve_pool.py``), collects the results in order, and draws them (``evolve_charts.py``). The
dataset is the pre-training panel's (random points, recorded moves or an imported file). Genes
left unticked keep the live network's values (the batch size: the pre-training form's).

The main thread's work per result is small: the pool checks the result without its model,
the panel files it and asks for one animation frame, which redraws the charts and the progress
line once, however many results came in since the last frame.

Test contract: ``#evolve[data-state]`` is ``idle``, ``running``, ``done``, ``cancelled`` or
``error``; ``data-generation`` the generations completed; ``data-best`` JSON ``{genome, error,
parameters}`` of the best so far; ``data-workers`` the pool size; ``data-failed`` the
individuals of this search that failed (``#evolve-failed`` says the last one and why). The
charts' ``data-generations`` and ``data-points`` count what they have plotted. After the first
Evolve, ``window.nnEvolve`` has ``workers``, ``busy`` and ``busyIndex`` (the pool's), and
``bestModel()`` (the best trained network's export as JSON, or null) and ``dots()`` (JSON: each
plotted individual's ``x``, ``y`` in CSS pixels of the scatter, ``generation``, ``index``,
``genome`` and ``error``).

Usage (main.py)::

    from nnpage import evolve_panel
    panel = evolve_panel.setup(app, datasets.current)
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable

from js import document, window
from pyodide.ffi import create_proxy

from nn import NNError, schema
from nn.defaults import (
    EVOLVE_DEFAULTS,
    EVOLVE_MAX_BUDGET,
    EVOLVE_MAX_GENERATIONS,
    EVOLVE_MAX_POPULATION,
)
from nn.evolve import GENES, Search, Space, describe
from nnpage.dataset_panel import read_int
from nnpage.evolve_charts import ACTIVATION_COLORS, Curve, Scatter
from nnpage.evolve_pool import Pool, pool_size
from nnpage.listeners import Listeners

__all__ = ["EvolvePanel", "setup"]

TICK_MS = 250
GENE_LABELS = {
    "layers": "Layers",
    "activation": "Activation",
    "learning_rate": "Learning rate",
    "optimizer": "Optimizer",
    "batch_size": "Batch size",
    "bias": "Bias",
    "init": "Initialisation",
}


class EvolvePanel:
    """The ``#evolve`` section; see the module docstring."""

    def __init__(self, app, dataset: Callable[[], tuple]):
        self.app = app
        self.dataset = dataset
        get = document.getElementById
        names = ("evolve", "evolve-population", "evolve-generations", "evolve-budget",
                 "evolve-start", "evolve-cancel", "evolve-use", "evolve-progress",
                 "evolve-status", "evolve-best", "evolve-curve", "evolve-scatter", "evolve-tip",
                 "evolve-legend", "evolve-genes", "evolve-failed")  # fmt: skip
        self.el = {name: get(name) for name in names}
        self.section = self.el["evolve"]
        self.size = pool_size()
        self.pool: Pool | None = None  # started on the first Evolve, kept for the next
        self.search: Search | None = None
        self.results: dict[int, dict] = {}
        self.tasks: list[tuple[int, dict, int]] = []
        self.data_id = 0
        self.began = 0.0
        self.done_evaluations = 0
        self.total_evaluations = 0
        self.notes: list[str] = []
        self.failed = 0
        self.best: dict | None = None
        self.best_model: dict | None = None
        self.curve = Curve(self.el["evolve-curve"])
        self.scatter = Scatter(self.el["evolve-scatter"])
        self._build_genes()
        self._build_legend()
        self.el["evolve-population"].value = str(EVOLVE_DEFAULTS["population"])
        self.el["evolve-generations"].value = str(EVOLVE_DEFAULTS["generations"])
        self.el["evolve-budget"].value = str(EVOLVE_DEFAULTS["budget"])
        self.listeners = Listeners()
        on = self.listeners.on
        on(self.el["evolve-start"], "click", lambda e: self._guard(self.start))
        on(self.el["evolve-cancel"], "click", lambda e: self._guard(self.cancel))
        on(self.el["evolve-use"], "click", lambda e: self._guard(self.use_best))
        scatter = self.el["evolve-scatter"]
        on(scatter, "pointermove", lambda e: self._guard(self._hover, e))
        on(scatter, "pointerdown", lambda e: self._guard(self._hover, e))
        on(scatter, "pointerleave", lambda e: self._hide_tip())
        on(scatter, "keydown", lambda e: self._guard(self._key, e))
        self._on_tick = create_proxy(lambda: self._guard(self._tick))
        self._interval = window.setInterval(self._on_tick, TICK_MS)
        # Results only mark what changed; one animation frame draws it (see _frame).
        self._on_frame = create_proxy(lambda now=None: self._guard(self._frame))
        self._request_frame = window.requestAnimationFrame
        self._frame_pending = False
        self._progress_stale = False
        self._hook_best = create_proxy(self._best_model_json)
        self._hook_dots = create_proxy(lambda: json.dumps(self.scatter.dots()))
        self._on_resize = create_proxy(lambda entries=None, observer=None: self._resize())
        self._observer = window.ResizeObserver.new(self._on_resize)
        self._observer.observe(self.el["evolve-curve"])
        self._observer.observe(self.el["evolve-scatter"])
        self.keyboard_index = -1
        self.section.dataset.workers = str(self.size)
        self.section.dataset.generation = "0"
        self.section.dataset.best = ""
        self.section.dataset.failed = "0"
        self._set_state("idle")
        self._say(
            f"Ready: {self.size} worker{'s' * (self.size != 1)} will train the networks "
            "(started on the first Evolve)."
        )

    # --- plumbing --------------------------------------------------------------------------------

    def _guard(self, fn, *args) -> None:
        """Run a handler; a failure is shown in the panel and the alert, never lost."""
        try:
            fn(*args)
        except NNError as exc:
            self._fail(str(exc))
        except Exception as exc:
            self._fail(f"The search failed: {type(exc).__name__}: {exc}")

    def _fail(self, text: str) -> None:
        if self.pool is not None and self.search is not None:
            self.pool.cancel()
        self.search = None
        self.app.alert(text)
        self._say(f"Stopped: {text} The live network is unchanged.")
        self._set_state("error")

    def _set_state(self, state: str) -> None:
        self.state = state
        self.section.dataset.state = state
        running = state == "running"
        self.el["evolve-start"].disabled = running
        self.el["evolve-cancel"].disabled = not running
        self.el["evolve-use"].disabled = self.best_model is None
        for gene in GENES:
            document.getElementById(f"evolve-gene-{gene}").disabled = running
        for name in ("evolve-population", "evolve-generations", "evolve-budget"):
            self.el[name].disabled = running

    def _say(self, text: str) -> None:
        self.el["evolve-status"].textContent = text

    def _build_genes(self) -> None:
        box = self.el["evolve-genes"]
        for gene in GENES:
            label = document.createElement("label")
            check = document.createElement("input")
            check.type = "checkbox"
            check.id = f"evolve-gene-{gene}"
            check.checked = True
            check.value = gene
            label.appendChild(check)
            label.appendChild(document.createTextNode(" " + GENE_LABELS[gene]))
            box.appendChild(label)

    def _build_legend(self) -> None:
        legend = self.el["evolve-legend"]
        for name, color in ACTIVATION_COLORS.items():
            item = document.createElement("span")
            swatch = document.createElement("span")
            swatch.className = "swatch"
            swatch.style.background = color
            item.appendChild(swatch)
            item.appendChild(document.createTextNode(name))
            legend.appendChild(item)

    def _resize(self) -> None:
        self.curve.resize()
        self.scatter.resize()
        self.curve.draw()
        self.scatter.draw()

    def _tick(self) -> None:
        if self.pool is not None:
            self.pool.tick()
        if self.state == "running" and self.search is not None:
            self._progress_stale = True  # the seconds count on
            self._schedule()

    def _schedule(self) -> None:
        """Ask for one animation frame to draw what changed (at most one is pending)."""
        if not self._frame_pending:
            self._frame_pending = True
            self._request_frame(self._on_frame)

    def _frame(self) -> None:
        """Draw what changed since the last frame: the charts, the progress line."""
        self._frame_pending = False
        self.curve.draw()
        self.scatter.draw()
        if self._progress_stale and self.state == "running" and self.search is not None:
            self._show_progress()
        self._progress_stale = False

    def _best_model_json(self) -> str | None:
        return None if self.best_model is None else json.dumps(self.best_model)

    # --- a search --------------------------------------------------------------------------------

    def _live_genome(self) -> dict:
        params = self.app.network.export_params()
        control = document.getElementById("batch-size")  # the pre-training form's
        batch = read_int(control, "Batch size", 1, schema.MAX_BATCH_SIZE) if control else 16
        return {
            "layers": list(params["layers"][1:-1]),
            "activation": params["activation"],
            "learning_rate": params["learning_rate"],
            "optimizer": params["optimizer"],
            "batch_size": batch,
            "bias": params["bias"],
            "init": params["init"],
        }

    def start(self) -> None:
        if self.state == "running":
            return
        population = read_int(self.el["evolve-population"], "Population", 2, EVOLVE_MAX_POPULATION)
        generations = read_int(
            self.el["evolve-generations"], "Generations", 1, EVOLVE_MAX_GENERATIONS
        )
        budget = read_int(self.el["evolve-budget"], "Budget", 1, EVOLVE_MAX_BUDGET)
        free = [g for g in GENES if document.getElementById(f"evolve-gene-{g}").checked]
        if not free:
            raise NNError("Tick at least one gene to search.")
        fixed = [g for g in GENES if g not in free]
        space = Space().fix(self._live_genome(), fixed) if fixed else Space()
        inputs, targets = self.dataset()
        search = Search(
            inputs, targets, space=space, population=population, generations=generations,
            budget=budget, seed=self.app.settings.seed,
        )  # fmt: skip
        self.search = search
        self.data_id += 1
        data = search.data
        message = schema.dataset_message(
            self.data_id,
            (data.train_inputs, data.train_targets),
            (data.val_inputs, data.val_targets),
        )
        if self.pool is None:
            self.pool = Pool(self.size, self._result, self._note, self._fatal)
            window.nnEvolve.bestModel = self._hook_best
            window.nnEvolve.dots = self._hook_dots
        self.best = self.best_model = None
        self.section.dataset.best = ""
        self.section.dataset.generation = "0"
        self.section.dataset.failed = "0"
        self.el["evolve-best"].textContent = "–"
        self.el["evolve-failed"].hidden = True
        self.notes = []
        self.failed = 0
        self.curve.set(generations)
        self.scatter.clear()
        self.keyboard_index = -1
        s = search.settings
        self.total_evaluations = s.population + (s.generations - 1) * (s.population - s.elite)
        self.done_evaluations = 0
        self.began = time.monotonic()
        self.app.clear_alert()
        self._set_state("running")
        self.pool.start(json.dumps(message, separators=(",", ":")).encode(), self.data_id, budget)
        self._next_generation()
        self._show_progress()
        self._schedule()  # the emptied charts

    def _next_generation(self) -> None:
        search = self.search
        first = search.settings.population - len(search.tasks())  # elites come first
        self.tasks = [(first + i, g, seed) for i, (g, seed) in enumerate(search.tasks())]
        self.results = {}
        self.pool.submit(self.tasks)

    def _result(self, index: int, result: dict) -> None:
        if self.search is None or self.state != "running":
            return
        if index in self.results or all(t[0] != index for t in self.tasks):
            return
        self.results[index] = result
        self.done_evaluations += 1
        genome = next(t[1] for t in self.tasks if t[0] == index)
        generation = self.search.generation
        text = describe(genome, result["error"])
        if result["error"] is None:
            reason = result["reason"][:300]
            text += f" (failed: {reason})"
            self.failed += 1
            self.section.dataset.failed = str(self.failed)
            failed = self.el["evolve-failed"]
            failed.textContent = (
                f"{self.failed} failed; the last: {describe(genome)} (generation "
                f"{generation + 1}): {reason}"
            )
            failed.hidden = False
        self.scatter.add(genome, result["error"], result["parameters"],
                         f"{text} · {result['parameters']} parameters",
                         generation=generation, index=index)  # fmt: skip
        self._progress_stale = True
        self._schedule()
        if len(self.results) == len(self.tasks):
            self._generation_done()

    def _generation_done(self) -> None:
        search = self.search
        ordered = [self.results[index] for index, _, _ in self.tasks]
        record = search.advance(ordered)
        self.curve.add(record["best"]["error"], record["median_error"])
        self._schedule()
        self.section.dataset.generation = str(search.generation)
        if search.best is not None:
            best = search.best
            self.best, self.best_model = best, search.best_model
            self.section.dataset.best = json.dumps(
                {k: best[k] for k in ("genome", "error", "parameters")}
            )
            self.el["evolve-best"].textContent = (
                f"{describe(best['genome'], best['error'])} ({best['parameters']} parameters, "
                f"generation {best['origin'][0] + 1})"
            )
            self.el["evolve-use"].disabled = False
        if search.finished:
            self.search = None
            self._set_state("done")
            self._show_done(record)
        else:
            self._next_generation()
            self._progress_stale = True

    def _show_progress(self) -> None:
        search = self.search
        total = max(1, self.total_evaluations)
        self.el["evolve-progress"].value = self.done_evaluations / total
        g, n = search.generation, search.settings.generations
        best = "–" if self.best is None else f"{self.best['error']:.1e}"
        failed = sum(r["error"] is None for r in self.results.values())
        ready = self.pool.ready_count if self.pool is not None else 0
        workers = f"{ready} of {self.size} workers ready" if ready < self.size else (
            f"{self.size} worker{'s' * (self.size != 1)}")  # fmt: skip
        text = (
            f"Generation {g + 1} of {n}: {len(self.results)}/{len(self.tasks)} trained · best "
            f"error {best} · {failed} failed · {workers} · {time.monotonic() - self.began:.0f} s"
        )
        if self.notes:
            text += f". {self.notes[-1]}"
        self._say(text)

    def _show_done(self, record: dict) -> None:
        self.el["evolve-progress"].value = 1
        seconds = time.monotonic() - self.began
        if self.best is None:
            self._say(f"Done in {seconds:.0f} s, but every individual failed; try other genes.")
            return
        self._say(
            f"Done: {self.done_evaluations} networks trained in {seconds:.0f} s over "
            f"{record['generation'] + 1} generations. Use best puts the best one live."
            + (f" {self.notes[-1]}" if self.notes else "")
        )

    def _note(self, text: str) -> None:
        """A fault the pool survived (a worker replaced): shown in the panel."""
        self.notes.append(text)
        if self.state == "running":
            self._progress_stale = True
            self._schedule()

    def _fatal(self, text: str) -> None:
        if self.state == "running":
            self._fail(text)

    def cancel(self) -> None:
        if self.state != "running":
            return
        self.pool.cancel()
        done = self.search.generation if self.search is not None else 0
        self.search = None
        self._set_state("cancelled")
        self._say(
            f"Cancelled after {done} complete generation{'s' * (done != 1)}; the live network "
            "is unchanged." + (" Use best takes the best found so far." if self.best else "")
        )

    def use_best(self) -> None:
        """Rebuild the live network as the best genome, with its trained weights, learning off."""
        if self.best_model is None:
            raise NNError("No best network yet: run Evolve first.")
        # A worker's model was only parsed on arrival: validate this one in full before it goes
        # live (a malformed one raises here, and the live network stays as it was).
        schema.check_export(self.best_model)
        self.app.import_model(self.best_model)
        self.app.apply_settings(self.app.settings.replace(backprop=False))
        best = self.best
        self.app.say(
            f"Using the evolved network {describe(best['genome'], best['error'])}. "
            "Backpropagation is off: the circle follows with the evolved weights."
        )

    # --- hover -----------------------------------------------------------------------------------

    def _hover(self, event) -> None:
        text = self.scatter.hit(event.offsetX, event.offsetY)
        self._schedule()
        if text is None:
            self._hide_tip()
        else:
            self._show_tip(text, event.offsetX, event.offsetY)

    def _key(self, event) -> None:
        """Arrow keys step through the individuals (the keyboard's hover)."""
        n = len(self.scatter.points)
        if not n or event.key not in ("ArrowLeft", "ArrowRight"):
            return
        event.preventDefault()
        step = 1 if event.key == "ArrowRight" else -1
        self.keyboard_index = (self.keyboard_index + step) % n
        self.scatter.highlight = self.keyboard_index
        self.scatter.dirty = True
        self.scatter.draw()  # now: the tip goes where the dot was placed
        x, y, _, _ = next(p for p in self.scatter._placed if p[3] == self.keyboard_index)
        self._show_tip(self.scatter.points[self.keyboard_index][4], x, y)

    def _show_tip(self, text: str, x: float, y: float) -> None:
        tip = self.el["evolve-tip"]
        tip.textContent = text
        tip.hidden = False
        # The tip sits centred above the point (CSS), kept inside the chart's width.
        half = min(150.0, self.scatter.width / 2)
        tip.style.left = f"{min(max(x, half), self.scatter.width - half):.0f}px"
        tip.style.top = f"{y - 8:.0f}px"

    def _hide_tip(self) -> None:
        self.el["evolve-tip"].hidden = True
        if self.scatter.highlight is not None:
            self.scatter.highlight = None
            self.scatter.dirty = True
            self._schedule()


def setup(app, dataset: Callable[[], tuple]) -> EvolvePanel:
    """Wire the ``#evolve`` panel to ``app``; workers start on the first Evolve."""
    return EvolvePanel(app, dataset)
