"""The Learning pace control: how much the network learns between two pointer moves.

Three paces, each a pair of the existing switches (``Settings.backprop``, ``Settings.replay``), so
the checkboxes, the Space key, a shared link and this select always agree:

- ``off``: no learning, the circle only shows the network's guess;
- ``move``: one backpropagation per pointer move, as in the original demo;
- ``replay``: one per move, plus replays of recent positions for up to the frame budget.

``PACES`` and ``pace_of`` are pure; ``Pace`` wires the ``#pace`` select.

Usage::

    pace_of(Settings())                        # 'replay'
    Settings().replace(**PACES["move"].changes) # backprop on, replay off
    Pace(app)                                  # in the page
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

__all__ = ["PACES", "Pace", "pace_of"]


@dataclass(frozen=True)
class PaceChoice:
    changes: Mapping[str, bool]
    hint: str


PACES: dict[str, PaceChoice] = {
    "off": PaceChoice(
        {"backprop": False},
        "Off: the network does not learn; the circle shows its guess for the pointer, and Step "
        "still runs one step when you ask.",
    ),
    "move": PaceChoice(
        {"backprop": True, "replay": False},
        "One step per move: each pointer move is fed and backpropagated once, as in the "
        "original, so learning is as slow as your hand and stops when you stop.",
    ),
    "replay": PaceChoice(
        {"backprop": True, "replay": True},
        "Replay: one step per move, then up to the frame budget (about 4 ms of every frame) "
        "of steps on your recent positions, so the circle keeps settling while you rest.",
    ),
}


def pace_of(settings) -> str:
    """The pace a ``Settings`` value amounts to."""
    if not settings.backprop:
        return "off"
    return "replay" if settings.replay else "move"


class Pace:
    """Two-way binding between ``#pace`` and the app's backprop/replay settings."""

    def __init__(self, app):
        from pyscript import document

        from nnpage.listeners import Listeners

        self.app = app
        self.select = document.getElementById("pace")
        self.hint = document.getElementById("pace-help")
        self.listeners = Listeners()
        self.listeners.on(self.select, "change", self._chosen)
        app.on_settings_change.append(self.show)
        self.show(app.settings)

    def _chosen(self, event) -> None:
        name = str(self.select.value)
        if self.app.apply_settings(self.app.settings.replace(**PACES[name].changes)):
            self.app.controls.show(self.app.settings)

    def show(self, settings) -> None:
        name = pace_of(settings)
        self.select.value = name
        if self.hint.textContent != PACES[name].hint:
            self.hint.textContent = PACES[name].hint

    def destroy(self) -> None:
        self.listeners.destroy()
