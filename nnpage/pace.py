"""The Learning pace control: how much the network learns between two pointer moves.

Three paces, each a pair of the existing switches (``Settings.backprop``, ``Settings.replay``), so
the checkboxes, the Space key, a shared link and this select always agree:

- ``off``: no learning, the circle only shows the network's guess;
- ``move``: one backpropagation per pointer move, as in the original demo;
- ``replay``: one per move, plus replays of recent positions for up to the frame budget.

Pure Python (no browser imports); ``learn.Pace`` wires the ``#pace`` select.

Usage::

    pace_of(Settings())                          # 'replay'
    Settings().replace(**PACES["move"].changes)  # backprop on, replay off
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

__all__ = ["PACES", "PaceChoice", "pace_of"]


@dataclass(frozen=True)
class PaceChoice:
    """The switches a pace sets, and the hint that says what it does."""

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
