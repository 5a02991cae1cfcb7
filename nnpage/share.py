"""The shareable set-up: the settings live in the URL's fragment, a preset can be picked from the
``#preset`` select, and **Copy link** puts the link on the clipboard.

- The fragment (``#layers=2-6-6-6-2&activation=tanh&lr=0.005&...``, see ``linkstate.py``) is
  rewritten with ``history.replaceState`` (no reload, no history entry) after every settings
  change, so the address bar is always a link to what the page shows.
- Opening a link restores it: ``main.py`` reads it *before* building the app, so the network is
  built once, from the link's settings and seed. Values the page cannot use are named in the
  alert and replaced by their defaults. Editing the fragment by hand applies it too.
- Choosing a preset applies all its settings and draws fresh weights from the seed (a fair
  start for each experiment); its sentence shows under the select until a setting differs.

Usage (main.py)::

    link = share.read_link()                    # a linkstate.LinkState from location.hash
    app = App(settings=link.settings)
    shared = share.Share(app, link)             # alerts link problems, wires the controls
"""

from __future__ import annotations

from js import document, window
from pyodide.ffi import create_proxy

from nnpage.linkstate import LinkState, from_fragment, to_fragment
from nnpage.listeners import Listeners
from nnpage.presets import PRESETS
from nnpage.settings import Settings

__all__ = ["Share", "read_link"]

COPIED_MS = 4000  # how long "Link copied" stays
# The address bar follows at most this often: a dragged slider fires dozens of changes a second,
# and browsers throttle (Safari: throws after 100 per 30 s) frequent history.replaceState calls.
WRITE_MS = 250


def read_link() -> LinkState:
    """The settings in the page's current URL fragment (defaults when there is none)."""
    return from_fragment(str(window.location.hash))


def _link_problems(problems: tuple[str, ...]) -> str:
    return (
        "This link has settings the page cannot use, so their defaults are used instead. "
        + " ".join(problems)
    )


class Share:
    """Keeps the URL, the preset select and the copy button in step with ``app.settings``."""

    def __init__(self, app, link: LinkState):
        self.app = app
        get = document.getElementById
        self.el = {
            name: get(name)
            for name in ("preset", "preset-note", "copy-link", "share-url", "copy-status")
        }
        self.preset: str | None = link.preset
        self._fill_presets()
        self.listeners = Listeners()
        self.listeners.on(self.el["preset"], "change", self._choose)
        self.listeners.on(self.el["copy-link"], "click", self._copy)
        self.listeners.on(window, "hashchange", self._hash_changed)
        self._copied = create_proxy(lambda *_: self._copy_done(True))
        self._not_copied = create_proxy(lambda *_: self._copy_done(False))
        self._clear_status = create_proxy(lambda *_: self._status(""))
        self._timer = None
        self._flush_proxy = create_proxy(lambda *_: self._flush())
        self._pending = None  # the timer of a scheduled address-bar update
        app.on_settings_change.append(self._settings_changed)
        self._show_preset()
        self._write(now=bool(str(window.location.hash)))  # tidy a link we were opened with
        if link.problems:
            app.alert(_link_problems(link.problems))

    def _fill_presets(self) -> None:
        select = self.el["preset"]
        for preset in PRESETS.values():
            option = document.createElement("option")
            option.value = preset.name
            option.textContent = preset.label
            select.appendChild(option)

    # --- the URL ---------------------------------------------------------------------------------

    def fragment(self) -> str:
        return to_fragment(self.app.settings, self.preset)

    def link(self) -> str:
        """The full link to the current settings."""
        return str(window.location.href).split("#", 1)[0] + "#" + self.fragment()

    def _write(self, now: bool = False) -> None:
        """Show the current link in the link box, and in the address bar soon (or ``now``)."""
        self.el["share-url"].value = self.link()
        if now:
            self._flush()
        elif self._pending is None:
            self._pending = window.setTimeout(self._flush_proxy, WRITE_MS)

    def _flush(self) -> None:
        if self._pending is not None:
            window.clearTimeout(self._pending)
            self._pending = None
        link = self.link()
        if str(window.location.href) != link:
            window.history.replaceState(window.history.state, "", link)

    def _settings_changed(self, settings) -> None:
        if self.preset is not None and not PRESETS[self.preset].matches(settings):
            self.preset = None
            self._show_preset()
        self._write()

    def _hash_changed(self, event) -> None:
        """The learner edited the fragment by hand (or followed a link to this same page)."""
        # The event's own URL, not location.hash: a pending address-bar update (``_flush``) may
        # have rewritten the address between the edit and this handler.
        url = str(getattr(event, "newURL", None) or window.location.href)
        fragment = url.split("#", 1)[1] if "#" in url else ""
        if fragment == self.fragment():
            return
        if self.app.state == "training":
            self.app.alert(
                "Wait for the pre-training to finish (or cancel it) before changing "
                "the settings with a link."
            )
            self._write()
            return
        now = self.app.settings  # the viewer's own switches are not part of a link
        link = from_fragment(fragment, Settings(backprop=now.backprop, replay=now.replay))
        old, self.preset = self.preset, link.preset
        if not self.app.apply_settings(link.settings):
            self.preset = old
        self._show_preset()
        self._write()
        if link.problems:
            self.app.alert(_link_problems(link.problems))

    # --- presets ---------------------------------------------------------------------------------

    def _choose(self, event) -> None:
        name = str(self.el["preset"].value)
        if not name:  # "Custom settings": nothing to apply
            self.preset = None
            self._show_preset()
            self._write()
            return
        if self.app.state == "training":
            self.app.alert(
                "Wait for the pre-training to finish (or cancel it) before choosing a preset."
            )
            self._show_preset()
            return
        preset, old = PRESETS[name], self.preset
        self.preset = name  # before applying, so the change listener sees it still matches
        rebuilt = preset.changes["layers"] != self.app.settings.layers
        if not self.app.apply_settings(preset.apply(self.app.settings)):
            self.preset = old
            self._show_preset()
            return
        if not rebuilt:
            self.app.reset()  # every experiment starts from fresh weights
        self.app.say(
            f"Preset: {preset.label}. Fresh weights from seed {self.app.settings.seed}; "
            "move the pointer to train."
        )
        self._show_preset()
        self._write()

    def _show_preset(self) -> None:
        self.el["preset"].value = self.preset or ""
        note = self.el["preset-note"]
        note.textContent = PRESETS[self.preset].watch if self.preset else ""
        note.hidden = self.preset is None

    # --- copy link -------------------------------------------------------------------------------

    def _copy(self, event) -> None:
        self._write(now=True)
        clipboard = getattr(window.navigator, "clipboard", None)
        if clipboard is None:  # e.g. a page served over plain http from another machine
            self._copy_done(False)
            return
        clipboard.writeText(self.link()).then(self._copied, self._not_copied)

    def _copy_done(self, copied: bool) -> None:
        if not copied:
            box = self.el["share-url"]  # the old way: select the text and ask for a copy
            box.focus()
            box.select()
            copied = bool(document.execCommand("copy"))
        self._status("Link copied." if copied else "Press Ctrl+C (⌘C) to copy the selected link.")

    def _status(self, text: str) -> None:
        self.el["copy-status"].textContent = text
        if self._timer is not None:
            window.clearTimeout(self._timer)
            self._timer = None
        if text:
            self._timer = window.setTimeout(self._clear_status, COPIED_MS)
