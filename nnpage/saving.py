"""The page side of autosave: the live network goes to ``localStorage`` as it changes, and a reload
restores it (``autosave.py`` holds the record format and the rules).

- Saving never runs in an animation frame: a timer looks twice a second whether the network
  learnt or its settings changed, and saves at most every ``SAVE_INTERVAL_S``, in the browser's
  idle time after a frame (``requestIdleCallback``, where there is one); leaving the page
  (``pagehide``, or the tab hidden) saves at once, so a reload restores the very last weights.
- ``#save-status`` says what happened at load (restored, or a shared link won over the saved
  network) or that saving is off (storage full or disabled: the app works on, unsaved);
  **Start fresh** (``#start-fresh``) forgets the saved network and draws fresh weights.
- ``window.nnAutosave`` (for the bench): ``saves``, ``lastMs``, ``maxMs``, ``totalMs``.

Usage (main.py)::

    saver = saving.Saver.open()                  # reads window.localStorage, if it is there
    saved = saver.restorable(link, has_link)     # the saved Snapshot, unless a link differs
    app = App(settings=saved.settings if saved else link.settings)
    saver.attach(app, saved)                     # restores the weights, then saves as it goes
"""

from __future__ import annotations

import time

from pyodide.ffi import create_proxy
from pyscript import document, window

from nnpage.autosave import AutoSave, Snapshot, snapshot
from nnpage.linkstate import LinkState, to_fragment
from nnpage.listeners import Listeners

__all__ = ["CHECK_MS", "Saver"]

CHECK_MS = 500  # how often the timer looks for changes (a look costs a few comparisons)
IDLE_TIMEOUT_MS = 1000  # a due save waits for idle time at most this long


def _storage():
    try:
        storage = window.localStorage  # a getter that throws when storage is disabled
    except Exception:
        return None, "the browser does not let this page use its storage"
    return storage, None


class Saver:
    """Autosave for the live network; see the module docstring."""

    def __init__(self, store: AutoSave, refused: str | None = None):
        self.store = store
        if refused:
            store.problem = refused
        self.app = None
        self.note = ""  # what the status line says about the load
        self._seen: tuple | None = None
        get = document.getElementById
        self.status, self.button = get("save-status"), get("start-fresh")
        self.listeners = Listeners()
        self._timer = None
        self._js = window.Object.new()  # window.nnAutosave: saves so far and their cost in ms
        self._js.saves, self._js.lastMs, self._js.maxMs, self._js.totalMs = 0, 0.0, 0.0, 0.0
        window.nnAutosave = self._js

    @classmethod
    def open(cls) -> Saver:
        storage, refused = _storage()
        return cls(AutoSave(storage), refused)

    def restorable(self, link: LinkState, has_link: bool) -> Snapshot | None:
        """The saved network, unless there is none or the page was opened with a link whose
        settings differ from it (the link wins, and the status line says so)."""
        saved = self.store.load()
        if saved is None:
            return None
        if has_link and to_fragment(link.settings) != to_fragment(saved.settings):
            self.note = (
                f"This link's settings ({link.settings.layers_text}, "
                f"{link.settings.activation}, learning rate {link.settings.learning_rate:g}) "
                f"differ from the network saved in this browser ({saved.settings.layers_text}, "
                f"{saved.iterations:,} iterations), so the link's are used; the saved network "
                "is replaced once this one learns."
            )
            return None
        return saved

    def attach(self, app, saved: Snapshot | None) -> None:
        """Restore ``saved`` into ``app`` (built with its settings), then save as it changes."""
        self.app = app
        if saved is not None:
            app.import_model(saved.model)
            app.trainer.iterations = saved.iterations
            self.note = (
                f"Restored the network saved in this browser: {saved.settings.layers_text}, "
                f"{saved.iterations:,} iterations."
            )
            self.button.hidden = False
        self._seen = self._state()
        self.listeners.on(self.button, "click", lambda event: self.start_fresh())
        self.listeners.on(window, "pagehide", lambda event: self.flush())
        self.listeners.on(document, "visibilitychange", self._visibility)
        self._tick = create_proxy(lambda *_: self.check())
        self._idle = getattr(window, "requestIdleCallback", None)  # Safari has none
        self._idle_proxy = create_proxy(self._idle_save)
        self._idle_options = window.Object.new()
        self._idle_options.timeout = IDLE_TIMEOUT_MS
        self._idle_pending = False
        self._timer = window.setInterval(self._tick, CHECK_MS)
        self.show()

    def _state(self) -> tuple:
        app = self.app
        return app.network, app.trainer.iterations, app.settings

    def _visibility(self, event) -> None:
        if str(document.visibilityState) == "hidden":
            self.flush()

    def check(self) -> None:
        """The timer: note a change, save if one is due."""
        state = self._state()
        if state[0] is not self._seen[0] or state[1:] != self._seen[1:]:
            self._seen = state
            self.store.changed()
        if self.store.due() and not self._idle_pending:
            # In the browser's idle time after a frame (within a second), not before the next.
            self._idle_pending = True
            if self._idle is not None:
                self._idle(self._idle_proxy, self._idle_options)
            else:
                self._idle_save()

    def _idle_save(self, deadline=None) -> None:
        self._idle_pending = False
        if self.store.due():
            self.save()

    def flush(self) -> None:
        """Save now if anything changed since the last save (leaving the page)."""
        self.check()
        if self.store.dirty:
            self.save()

    def save(self) -> None:
        app = self.app
        started = time.perf_counter()
        saved = self.store.save(snapshot(app.settings, app.network, app.trainer.iterations))
        ms = 1000 * (time.perf_counter() - started)
        js = self._js
        js.saves, js.lastMs, js.totalMs = self.store.saves, ms, js.totalMs + ms
        js.maxMs = max(js.maxMs, ms)
        if not saved:
            self.show()

    def start_fresh(self) -> None:
        """Forget the saved network and draw fresh weights with the same settings."""
        self.store.discard()
        self.app.reset()
        self.button.hidden = True
        self.note = "Started fresh: the saved network is gone, and this one is saved instead."
        self._seen = self._state()
        self.show()

    def show(self) -> None:
        store = self.store
        if store.enabled:
            text = self.note or "Your network is saved in this browser as it learns."
            if store.problem:  # a bad record was dropped
                text = f"{text} ({store.problem[:1].upper()}{store.problem[1:]}.)"
        else:
            text = (
                f"Saving is off: {store.problem}. The app works, but a reload starts a new "
                "network (Export model keeps a copy)."
            )
            self.button.hidden = True
        self.status.textContent = text
