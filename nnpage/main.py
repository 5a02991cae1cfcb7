"""Entry point of the page: build the app, start its animation loop, say ``ready``.

``body[data-state]`` is the one readiness signal: ``loading`` until the network can train, then
``ready`` (``training`` while a pre-training runs, ``error`` if the app cannot start, with the
reason in the ``role="alert"`` element).

Hooks for tests and benchmarks (JavaScript, in the page):

- ``window.nnStats``: per-move and per-frame Python timings and the wasm heap, readable without
  calling Python; see ``stats.py``.
- ``window.nnApp.exportModel()``: the live network as the core's JSON export text (params,
  weights, biases), e.g. to check that a setting kept the weights.
- ``window.nnApp.importModel(text)``: load such a text; returns "" or the error message.
- The URL fragment holds the settings (``#layers=2-6-6-6-2&lr=0.01&...``; see ``share.py``).
- ``document.body.dataset.numpy``: numpy's version.
- ``window.nnApp.step()``, ``lastStep()``, ``neuronMap()``, ``setWeight()``, ``setBias()``: the
  learning aids (see ``learn.py``).
- ``localStorage["nn.autosave"]``: the live network, saved as it learns and restored by a reload
  (``saving.py``); ``static/watchdog.js`` turns a dead interpreter into an alert and ``error``
  (``static/boot.js`` hands it the runtime).

Usage (``static/boot.js``, once Pyodide, numpy and ``python.zip`` are in)::

    pyodide.pyimport("nnpage.main").destroy()
"""

from __future__ import annotations

import json
import sys

from js import document, window

loading_text = document.getElementById("loading-text")
loading_bar = document.getElementById("loading-progress")


def step(value: int, text: str) -> None:
    loading_text.textContent = text
    loading_bar.value = value


def mark(name: str) -> None:
    """A ``performance.mark`` (``nn:<name>``): where start-up time goes, for the bench."""
    window.performance.mark(f"nn:{name}")


def fail(message: str) -> None:
    document.getElementById("alert-text").textContent = message
    document.getElementById("alert").hidden = False
    for part in document.querySelectorAll("main.app > *"):  # dimmed and dead: out of Tab order
        part.inert = True
    document.body.dataset.state = "error"


def install_hooks(app) -> list:
    """``window.nnApp`` for tests; returns the proxies to keep alive."""
    from pyodide.ffi import create_proxy

    def export_model() -> str:
        return json.dumps(app.export_model())

    def import_model(text: str) -> str:
        from nn import NNError
        from nnpage.modelio import parse_model

        try:
            app.import_model(parse_model(text))
        except (NNError, ValueError) as exc:
            return str(exc)
        return ""

    hooks = window.Object.new()
    proxies = [create_proxy(export_model), create_proxy(import_model)]
    hooks.exportModel, hooks.importModel = proxies
    window.nnApp = hooks
    return proxies


def main():
    mark("main")
    step(3, "Loading numpy and the nn network code…")
    import numpy as np

    mark("numpy")
    document.body.dataset.numpy = np.__version__
    document.getElementById("numpy-version").textContent = np.__version__
    document.getElementById("python-version").textContent = sys.version.split()[0]
    from nnpage import evolve_panel, learn, pretrain, saving, share
    from nnpage.app import App
    from nnpage.modelio import ModelFiles
    from nnpage.stats import Stats

    mark("imports")
    step(4, "Building the network…")
    link = share.read_link()  # a shared link's settings, so the network is built once, from them
    saver = saving.Saver.open()  # the network saved in this browser, unless the link differs
    saved = saver.restorable(link, has_link=bool(str(window.location.hash).lstrip("#")))
    app = App(settings=saved.settings if saved else link.settings, stats=Stats())
    saver.attach(app, saved)
    mark("app")
    hooks = install_hooks(app)
    hooks.append(saver)
    pre = pretrain.setup(app)
    mark("pretrain")
    hooks += [share.Share(app, link), ModelFiles(app), pre]
    mark("share")
    hooks += learn.setup(app, window.nnApp)  # after Share: the preset select is filled
    mark("learn")
    hooks.append(evolve_panel.setup(app, pre.datasets.current))
    mark("evolve")
    saver.restore_mode()  # once the panels are built: the pre-training fields follow the mode
    app.start()
    mark("ready")
    document.getElementById("loading").hidden = True
    return app, hooks


try:
    APP, HOOKS = main()
except Exception as exc:  # the page must say why it cannot start, not just stay "loading"
    fail(f"The app could not start: {type(exc).__name__}: {exc}")
    raise
