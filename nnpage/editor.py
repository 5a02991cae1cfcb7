"""Edit a weight or a bias by hand: click a connection or a neuron in the network view (or focus
it and press Enter), type a number, press Enter; Escape cancels. The circle moves at once.

A value is validated like every input (``stepper.parse_parameter``: finite, within the weight
limit); a bad one is named in the alert and the network keeps every weight. The change goes in
through ``app.import_trained``, the same door as a pre-training's result.

Usage::

    editor = Editor(app)                 # wires #edit-form to the network view
    editor.set_weight(0, 1, 2, "0.5")    # "" or the error message (the window.nnApp hooks)
    editor.set_bias(1, 0, -0.25)
"""

from __future__ import annotations

from js import document

from nn.errors import NNError, SchemaError
from nnpage.listeners import Listeners
from nnpage.stepper import fmt, parse_parameter

__all__ = ["Editor"]


def _index(value: object, size: int, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | float) or value != int(value):
        raise SchemaError(f"{what} {value!r} is not a whole number")
    if not 0 <= int(value) < size:
        raise SchemaError(f"{what} {int(value)} is out of range: use 0 to {size - 1}")
    return int(value)


class Editor:
    """The weight/bias editor; see the module docstring."""

    def __init__(self, app):
        self.app = app
        get = document.getElementById
        self.form = get("edit-form")
        self.label = get("edit-label")
        self.input = get("edit-value")
        self.canvas = get("network-canvas")
        self.target: tuple | None = None  # ("w", layer, i, j) or ("b", layer, j)
        self._selection: tuple | None = None  # what the network view had selected
        self.listeners = Listeners()
        self.listeners.on(self.form, "submit", self._submit)
        self.listeners.on(get("edit-cancel"), "click", lambda event: self.close())
        self.listeners.on(self.input, "keydown", self._key)
        app.netview.on_activate.append(self.open)

    # --- the form --------------------------------------------------------------------------------

    def open(self, sel: tuple) -> None:
        """Open the editor on a selection of the network view."""
        view, net = self.app.netview, self.app.network
        self._selection = sel
        if sel[0] == "w":
            _, layer, i, j = sel
            self.target = ("w", layer, i, j)
            value = float(net.weights[layer][i, j])
            text = "W" + view.describe(sel)[1:].split(":")[0]
        else:
            _, layer, j = sel
            if layer == 0:
                self.app.say("An input neuron has no bias: pick a connection or another neuron.")
                return
            if not net.bias:
                self.app.say("This network has no biases: tick Bias in the settings first.")
                return
            self.target = ("b", layer - 1, j)
            value = float(net.biases[layer - 1][j])
            text = "Bias of " + view.describe(sel).split(":")[0]
        self.label.textContent = text
        self.input.value = repr(value)
        self.input.removeAttribute("aria-invalid")
        x, y = self._where(sel)
        self.form.style.left = f"{min(max(x, 8), max(8, view.width - 330)):.0f}px"
        self.form.style.top = f"{min(y + 14, max(0, view.height - 40)):.0f}px"
        self.form.hidden = False
        self.input.focus()
        self.input.select()

    def _where(self, sel: tuple) -> tuple[float, float]:
        pos = self.app.netview.pos
        if sel[0] == "n":
            return pos[sel[1]][sel[2]]
        (x1, y1), (x2, y2) = pos[sel[1]][sel[2]], pos[sel[1] + 1][sel[3]]
        return (x1 + x2) / 2, (y1 + y2) / 2

    def close(self) -> None:
        """Hide the form; the network view gets the focus back, on the same item."""
        self.form.hidden = True
        self.target = None
        self.canvas.focus()
        if self._selection is not None:
            self.app.netview._select(self._selection)  # blur had cleared it

    def _key(self, event) -> None:
        if event.key == "Escape":
            event.preventDefault()
            event.stopPropagation()
            self.close()
            self.app.say("Edit cancelled; nothing changed.")

    def _submit(self, event) -> None:
        event.preventDefault()
        if self.target is None:
            return
        if self.target[0] == "w":
            message = self.set_weight(*self.target[1:], self.input.value)
        else:
            message = self.set_bias(*self.target[1:], self.input.value)
        if message:
            self.input.setAttribute("aria-invalid", "true")
            self.input.focus()
            return
        self.close()

    # --- the change ------------------------------------------------------------------------------

    def _not_training(self) -> None:
        if self.app.state == "training":
            raise SchemaError(
                "Wait for the pre-training to finish (or cancel it) before editing a weight"
            )

    def set_weight(self, layer: object, i: object, j: object, value: object) -> str:
        """Set ``w[layer][i][j]``; returns "" or the error message (also shown in the alert)."""
        net = self.app.network
        try:
            self._not_training()
            k = _index(layer, len(net.weights), "Weight layer")
            row = _index(i, net.layers[k], "Weight row i")
            col = _index(j, net.layers[k + 1], "Weight column j")
            v = parse_parameter(value, "Weight")
            weights = net.export_weights()
            weights[k][row][col] = v
            self.app.import_trained(weights, net.export_biases())
        except NNError as exc:
            self.app.alert(str(exc))
            return str(exc)
        self.app.clear_alert()
        self.app.say(f"Weight w[{k}][{row}][{col}] is now {fmt(v)}; the circle moved at once.")
        return ""

    def set_bias(self, layer: object, j: object, value: object) -> str:
        """Set ``b[layer][j]`` (the bias of neuron j of layer ``layer + 1``); "" or the error."""
        net = self.app.network
        try:
            self._not_training()
            if not net.bias:
                raise SchemaError("This network has no biases (the Bias setting is off)")
            k = _index(layer, len(net.biases), "Bias layer")
            col = _index(j, net.layers[k + 1], "Bias neuron j")
            v = parse_parameter(value, "Bias")
            biases = net.export_biases()
            biases[k][col] = v
            self.app.import_trained(net.export_weights(), biases)
        except NNError as exc:
            self.app.alert(str(exc))
            return str(exc)
        self.app.clear_alert()
        self.app.say(f"Bias b[{k}][{col}] is now {fmt(v)}; the circle moved at once.")
        return ""

    def destroy(self) -> None:
        self.listeners.destroy()
