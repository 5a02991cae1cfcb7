"""The settings form: each control's value is parsed into ``Settings`` and handed to the app; the
app's settings are written back into the form. A value that does not parse, or that the network
rejects, is marked ``aria-invalid`` and explained in the alert; the running network is untouched.

Usage::

    controls = Controls(app)      # wires every control once (app: .settings, .apply_settings, ...)
    controls.show(app.settings)   # e.g. after a shared link or a preset changed the settings
    controls.lock(True)           # while a pre-training runs: no rebuilds
"""

from __future__ import annotations

import math
from collections.abc import Callable

from js import document

from nn.errors import NNError
from nnpage.listeners import Listeners
from nnpage.settings import (
    LR_MAX,
    LR_MIN,
    Settings,
    parse_layers,
    parse_learning_rate,
    parse_probability,
    parse_seed,
)

__all__ = ["Controls"]

TYPING = ("INPUT", "SELECT", "TEXTAREA", "BUTTON")


def _round_rate(value: float) -> float:
    """A slider position's learning rate, to 3 significant digits (0.00501, not 0.005011872)."""
    return float(f"{value:.3g}")


class Controls:
    """Two-way binding between the form and ``app.settings``; see the module docstring."""

    def __init__(self, app):
        self.app = app
        get = document.getElementById
        self.el = {
            name: get(name)
            for name in (
                "learning-rate",
                "learning-rate-text",
                "backprop",
                "replay",
                "optimizer",
                "layers",
                "activation",
                "output-activation",
                "bias",
                "normalization",
                "dropout",
                "dropout-p",
                "seed",
                "reset",
                "pause",
            )
        }
        self.presets = list(document.querySelectorAll("button.preset"))
        el = self.el
        self.listeners = Listeners()
        self.listeners.on(el["learning-rate"], "input", self._slide_rate)
        self.listeners.on(el["learning-rate-text"], "change", self._type_rate)
        self.listeners.on(el["layers"], "change", self._type_layers)
        self.listeners.on(el["dropout-p"], "change", self._type_dropout_p)
        self.listeners.on(el["seed"], "change", self._type_seed)
        for name in ("activation", "optimizer"):
            self.listeners.on(el[name], "change", self._choice(name))
        self.listeners.on(el["normalization"], "change", self._normalization)
        self.listeners.on(el["output-activation"], "change", self._output_activation)
        for name in ("backprop", "replay", "bias", "dropout"):
            self.listeners.on(el[name], "change", self._checkbox(name))
        for button in self.presets:
            self.listeners.on(button, "click", self._preset)
        self.listeners.on(el["reset"], "click", lambda event: app.reset())
        self.listeners.on(el["pause"], "click", lambda event: app.toggle_pause())
        self.listeners.on(document, "keydown", self._space)
        self.listeners.on(get("controls"), "submit", lambda event: event.preventDefault())  # Enter

    # --- form -> settings ------------------------------------------------------------------------

    def _apply(self, control, make: Callable[[], dict]) -> bool:
        """Parse with ``make`` (keyword changes) and apply; on failure mark ``control`` invalid."""
        try:
            changes = make()
        except NNError as exc:
            return self._invalid(control, str(exc))
        if not self.app.apply_settings(self.app.settings.replace(**changes)):
            return self._invalid(control, None)
        control.removeAttribute("aria-invalid")
        return True

    def _invalid(self, control, message: str | None) -> bool:
        control.setAttribute("aria-invalid", "true")
        if message is not None:
            self.app.alert(message)
        return False

    def _slide_rate(self, event) -> None:
        rate = _round_rate(min(LR_MAX, max(LR_MIN, 10 ** float(self.el["learning-rate"].value))))
        self.el["learning-rate-text"].value = f"{rate:g}"
        self._apply(self.el["learning-rate-text"], lambda: {"learning_rate": rate})

    def _type_rate(self, event) -> None:
        text = self.el["learning-rate-text"]
        self._apply(text, lambda: {"learning_rate": parse_learning_rate(text.value)})

    def _type_layers(self, event) -> None:
        box = self.el["layers"]
        self._apply(box, lambda: {"layers": parse_layers(box.value)})

    def _preset(self, event) -> None:
        box = self.el["layers"]
        box.value = event.currentTarget.dataset.layers
        self._apply(box, lambda: {"layers": parse_layers(box.value)})

    def _type_dropout_p(self, event) -> None:
        box = self.el["dropout-p"]
        self._apply(box, lambda: {"dropout_p": parse_probability(box.value)})

    def _type_seed(self, event) -> None:
        box = self.el["seed"]
        if self._apply(box, lambda: {"seed": parse_seed(box.value)}):
            self.app.say(f"Seed {self.app.settings.seed}: press Reset to draw new weights from it.")

    def _choice(self, name: str) -> Callable:
        def handler(event) -> None:
            select = self.el[name]
            self._apply(select, lambda: {name: str(select.value)})

        return handler

    def _normalization(self, event) -> None:
        select = self.el["normalization"]
        self._apply(select, lambda: {"normalization": int(select.value)})

    def _output_activation(self, event) -> None:
        select = self.el["output-activation"]
        self._apply(select, lambda: {"output_activation": str(select.value)})

    def _checkbox(self, name: str) -> Callable:
        def handler(event) -> None:
            box = self.el[name]
            self._apply(box, lambda: {name: bool(box.checked)})

        return handler

    def _space(self, event) -> None:
        """Space toggles backpropagation, as in the original demo, unless a control has focus."""
        if event.key != " " or event.repeat or event.ctrlKey or event.altKey or event.metaKey:
            return
        target = event.target
        if getattr(target, "tagName", "") in TYPING or target.isContentEditable:
            return
        event.preventDefault()
        box = self.el["backprop"]
        box.checked = not box.checked
        self._apply(box, lambda: {"backprop": bool(box.checked)})

    # --- settings -> form ------------------------------------------------------------------------

    def show(self, s: Settings) -> None:
        """Write ``s`` into every control (and clear invalid marks)."""
        el = self.el
        el["learning-rate"].value = f"{math.log10(s.learning_rate):.2f}"
        el["learning-rate"].setAttribute("aria-valuetext", f"{s.learning_rate:g}")
        el["learning-rate-text"].value = f"{s.learning_rate:g}"
        el["layers"].value = s.layers_text
        el["activation"].value = s.activation
        el["output-activation"].value = s.output_activation
        el["optimizer"].value = s.optimizer
        el["normalization"].value = str(s.normalization)
        el["dropout-p"].value = f"{s.dropout_p:g}"
        el["dropout-p"].disabled = not s.dropout
        el["seed"].value = str(s.seed)
        for name in ("backprop", "replay", "bias", "dropout"):
            el[name].checked = getattr(s, name)
        for control in el.values():
            control.removeAttribute("aria-invalid")
        for button in self.presets:
            button.setAttribute("aria-pressed", str(button.dataset.layers == s.layers_text).lower())

    def show_paused(self, paused: bool) -> None:
        self.el["pause"].textContent = "Resume" if paused else "Pause"
        self.el["pause"].setAttribute("aria-pressed", str(paused).lower())

    def lock(self, locked: bool) -> None:
        """Disable the controls that would rebuild the network (during a pre-training)."""
        for control in (self.el["layers"], self.el["reset"], *self.presets):
            control.disabled = locked

    def destroy(self) -> None:
        self.listeners.destroy()
