"""The page side of autosave: the live networks go to ``localStorage`` as they change, and a reload
restores them (``autosave.py`` holds the record format and the rules): the Follow network, the
Anticipate network, each with its iteration count, and the mode shown.

- Saving never runs in an animation frame: a timer looks twice a second whether the network
  learnt or its settings changed, and saves at most every ``SAVE_INTERVAL_S``, in the browser's
  idle time after a frame (``requestIdleCallback``, where there is one); leaving the page
  (``pagehide``, or the tab hidden) saves at once, so a reload restores the very last weights.
- ``#save-status`` says what happened at load (restored, or a shared link won over the saved
  network) or that saving is off (storage full or disabled: the app works on, unsaved);
  **Start fresh** (``#start-fresh``) forgets the saved networks and draws fresh weights.
- ``body[data-saving]`` is ``on`` or ``off``, so that ``static/watchdog.js`` (plain JavaScript,
  which runs when Python cannot) only promises that a reload restores the work when it does.
- ``window.nnAutosave`` (for the bench): ``saves``, ``lastMs``, ``maxMs``, ``totalMs``.

Usage (main.py)::

    saver = saving.Saver.open()                  # reads window.localStorage, if it is there
    saved = saver.restorable(link, has_link)     # the saved Snapshot, unless a link differs
    app = App(settings=saved.settings if saved else link.settings)
    saver.attach(app, saved)                     # restores the weights, then saves as it goes
    ...                                          # the other panels
    saver.restore_mode()                         # back in Anticipate if it was saved there
"""

from __future__ import annotations

import time

from js import document, window
from pyodide.ffi import create_proxy

from nnpage.anticipate_view import new_network
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
        self._mode = "follow"  # the mode to show once the page is built (restore_mode)
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
            if saved.recurrent is not None:
                app.anticipate.import_model(saved.recurrent, switch=False)
                app.anticipate.anticipator.iterations = saved.recurrent_iterations
                self.note = (
                    f"{self.note[:-1]}; and its Anticipate network, "
                    f"{saved.recurrent_iterations:,} iterations."
                )
            self._mode = saved.mode
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

    def restore_mode(self) -> None:
        """Show the saved mode; after the other panels are built (their fields follow it)."""
        if self._mode != self.app.mode:
            self.app.anticipate.set_mode(self._mode)

    def _state(self) -> tuple:
        """What a save holds, to compare: the two networks first (by identity), then values."""
        app = self.app
        mode = app.anticipate
        return (
            app.network,
            mode.net,
            app.trainer.iterations,
            mode.anticipator.iterations,
            app.mode,
            app.settings,
        )

    def _visibility(self, event) -> None:
        if str(document.visibilityState) == "hidden":
            self.flush()

    def check(self) -> None:
        """The timer: note a change, save if one is due."""
        state = self._state()
        seen = self._seen
        if state[0] is not seen[0] or state[1] is not seen[1] or state[2:] != seen[2:]:
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
        mode = app.anticipate
        snap = snapshot(
            app.settings,
            app.network,
            app.trainer.iterations,
            mode=app.mode,
            recurrent=mode.net,
            recurrent_iterations=mode.anticipator.iterations,
        )
        saved = self.store.save(snap)
        ms = 1000 * (time.perf_counter() - started)
        js = self._js
        js.saves, js.lastMs, js.totalMs = self.store.saves, ms, js.totalMs + ms
        js.maxMs = max(js.maxMs, ms)
        if not saved:
            self.show()

    def start_fresh(self) -> None:
        """Forget the saved networks and draw fresh weights for both, with the same settings."""
        self.store.discard()
        self.app.reset()
        self.app.anticipate.set_network(new_network(self.app.settings.seed))
        self.app.anticipate.anticipator.iterations = 0
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
        document.body.dataset.saving = "on" if store.enabled else "off"
