"""Step mode: one backpropagation step shown in four stages, as text and in the network view.

**Step** (or the ``S`` key) stops live learning and runs exactly one ``feed`` + ``backpropagate``
(``stepper.take_step``) on the pointer's position, or on the worked example's own sample. The
learner then walks through the stages with ``Enter`` / ``→`` (or **Show all**):

- Forward: each neuron's weighted sum ``z`` and output ``o``;
- Error: ``t - o`` per output and ``E = 1/2 * sum((t - o)**2)``;
- Backward: each neuron's delta, drawn flowing right to left;
- Update: every weight and bias before and after, and the rule written out with its numbers for
  the selected connection or neuron.

The numbers are DOM text (tables in ``#step-panel``; the stage summary is a polite live region;
the selected neuron's ``z``, ``o`` and delta, and its rule, in ``#step-rule``, for any size of
network). ``#network[data-step-mode]`` is ``on`` in step mode (live learning stopped), ``off``
otherwise; ``#network[data-step-stage]`` says the stage: ``off`` until the first Step of step
mode (e.g. right after choosing the worked example) and outside it. **Leave step mode** gives
live learning back, as it was.

Usage::

    steps = StepView(app)      # wires the buttons, the keys and the network view overlay
    steps.step()               # what the button does
    steps.record.to_json()     # the last step (window.nnApp.lastStep())
"""

from __future__ import annotations

from js import document

from nn.errors import NNError
from nnpage.listeners import Listeners
from nnpage.presets import WORKED_EXAMPLE
from nnpage.stepper import (
    STAGES,
    StepRecord,
    backward_rule,
    bias_rule,
    fmt,
    forward_rule,
    next_stage,
    take_step,
    weight_rule,
)

__all__ = ["StepView"]

TITLES = {
    "forward": "Forward",
    "error": "Error",
    "backward": "Backward",
    "update": "Update",
}
DELTA_RGB = ("124, 58, 237", "219, 39, 119")  # delta >= 0, < 0: purple, pink (not the weights')


def _neuron_name(layer: int, j: int, last: int) -> str:
    if layer == 0:
        return ("x", "y")[j] if j < 2 else f"input {j + 1}"
    if layer == last:
        return ("x′", "y′")[j] if j < 2 else f"output {j + 1}"
    return f"h{layer}.{j + 1}"


def _fits(sel: tuple, layers) -> bool:
    """True if the selection ("n", layer, j) or ("w", layer, i, j) exists in ``layers``."""
    if sel[0] == "n":
        return 0 <= sel[1] < len(layers) and 0 <= sel[2] < layers[sel[1]]
    if sel[0] == "w":
        k, i, j = sel[1:]
        return 0 <= k < len(layers) - 1 and 0 <= i < layers[k] and 0 <= j < layers[k + 1]
    return False


def _element(tag: str, text: str = "", **attributes: str):
    node = document.createElement(tag)
    if text:
        node.textContent = text
    for name, value in attributes.items():
        node.setAttribute(name, value)
    return node


def _table(caption: str, head: tuple[str, ...], rows: list[tuple[str, ...]]):
    """A ``<table>`` of text (DOM calls and textContent only: nothing is parsed as HTML)."""
    table = _element("table")
    table.append(_element("caption", caption))
    row = _element("tr")
    for h in head:
        row.append(_element("th", h, scope="col"))
    thead = _element("thead")
    thead.append(row)
    body = _element("tbody")
    wrap = head[-1] == "how"  # the formulas wrap (CSS), the numbers stay on one line
    for cells in rows:
        tr = _element("tr")
        tr.append(_element("th", cells[0], scope="row"))
        for cell in cells[1:-1]:
            tr.append(_element("td", cell))
        tr.append(_element("td", cells[-1], **({"class": "how"} if wrap else {})))
        body.append(tr)
    table.append(thead, body)
    return table


class StepView:
    """The Step button, its stages and their text; see the module docstring."""

    def __init__(self, app):
        self.app = app
        get = document.getElementById
        self.figure = get("network")
        self.el = {
            name: get(name)
            for name in (
                "step",
                "step-next",
                "step-all",
                "step-leave",
                "step-panel",
                "step-stage-text",
                "step-forward",
                "step-error",
                "step-backward",
                "step-update",
                "step-rule",
                "step-bias",
                "step-bias-field",
                "preset",
            )
        }
        self.active = False
        self.stage = "off"
        self.record: StepRecord | None = None
        self._focus: tuple | None = None  # the last neuron or connection selected
        self.figure.dataset.stepStage = "off"
        self.figure.dataset.stepMode = "off"
        self.listeners = Listeners()
        on = self.listeners.on
        on(self.el["step"], "click", self._step_clicked)
        on(self.el["step-next"], "click", self._next_clicked)
        on(self.el["step-all"], "click", lambda event: self.show_all())
        on(self.el["step-leave"], "click", lambda event: self.leave())
        on(self.el["preset"], "change", lambda event: self._preset_changed())
        on(document, "keydown", self._key)
        app.netview.overlays.append(self._draw)
        app.netview.on_select.append(self._selected)
        app.on_network_change.append(self._network_changed)
        self._preset_changed()

    # --- the worked example --------------------------------------------------------------------

    @property
    def worked(self) -> bool:
        """True while the worked example is the chosen preset (its sample, not the pointer's)."""
        return str(self.el["preset"].value) == WORKED_EXAMPLE.name

    def _preset_changed(self) -> None:
        """The worked example starts from its author's weights, in step mode."""
        self.el["step-bias-field"].hidden = not self.worked
        if not self.worked or not WORKED_EXAMPLE.matches(self.app.settings):
            return
        self.el["step-bias"].checked = WORKED_EXAMPLE.update_biases
        try:
            self.app.import_trained(
                [list(map(list, w)) for w in WORKED_EXAMPLE.weights],
                [list(b) for b in WORKED_EXAMPLE.biases],
            )
        except NNError as exc:
            self.app.alert(str(exc))
            return
        self.record = None
        self.enter()
        self.app.say(
            "Worked example loaded: Mazur's weights and his sample (0.05, 0.10 → 0.01, 0.99). "
            "Press Step (S) for one step; his biases stay unchanged unless you tick the box."
        )

    def sample(self) -> tuple[list[float], list[float]]:
        """(inputs, targets) of the next step: the preset's own, or the pointer twice."""
        if self.worked:
            inputs, targets = WORKED_EXAMPLE.sample
            return list(inputs), list(targets)
        point = list(self.app.trainer.target_network())
        return point, point

    # --- entering, stepping, leaving -------------------------------------------------------------

    def enter(self) -> None:
        if not self.active:
            self.active = True
            self.figure.dataset.stepMode = "on"
            self.app.trainer.stepping = True
            for name in ("step-next", "step-all", "step-leave"):
                self.el[name].disabled = False
            self.el["step-panel"].hidden = False
            self.el["step"].setAttribute("aria-pressed", "true")
        if self.record is None:
            self._set_stage("off")
            self.el[
                "step-stage-text"
            ].textContent = "Step mode: live learning is stopped. Press Step (S) to run one step."

    def leave(self) -> None:
        """Back to live learning, as it was before step mode."""
        if not self.active:
            return
        self.active = False
        self.figure.dataset.stepMode = "off"
        self.app.trainer.stepping = False
        self.app.trainer.refeed()
        for name in ("step-next", "step-all", "step-leave"):
            self.el[name].disabled = True
        self.el["step"].setAttribute("aria-pressed", "false")
        self.el["step-panel"].hidden = True
        self._set_stage("off")
        self.app.say("Step mode off: live learning is back as it was.")

    def step(self) -> str:
        """One feed + backpropagate, shown from the Forward stage; "" or the error message."""
        app = self.app
        if app.state == "training":
            message = "Wait for the pre-training to finish (or cancel it) before a Step."
            app.alert(message)
            return message
        self.enter()
        inputs, targets = self.sample()
        update_biases = bool(self.el["step-bias"].checked) if self.worked else True
        try:
            record = take_step(app.network, inputs, targets, update_biases=update_biases)
        except NNError as exc:
            app.alert(str(exc))
            return str(exc)
        trainer = app.trainer
        trainer.iterations += 1
        trainer.error = record.error
        trainer.refeed()
        app.netview.invalidate()
        self.record = record
        self._render()
        self._set_stage("forward")
        return ""

    def _step_clicked(self, event) -> None:
        # Enter on the focused button then walks the stages (and Enter at Update steps again).
        if not self.step():
            self.el["step-next"].focus()

    def _next_clicked(self, event) -> None:
        self.advance()
        if self.stage == "update":
            self.el["step"].focus()

    def advance(self) -> None:
        if self.record is None:
            self.step()
            return
        self._set_stage(next_stage(self.stage))

    def show_all(self) -> None:
        if self.record is None:
            self.step()
        self._set_stage("update")

    def _set_stage(self, stage: str) -> None:
        self.stage = stage
        self.figure.dataset.stepStage = stage
        shown = STAGES.index(stage) if stage in STAGES else -1
        for k, name in enumerate(STAGES):
            self.el[f"step-{name}"].hidden = k > shown
        self.el["step-next"].disabled = not self.active or stage == "update"
        if stage in STAGES and self.record is not None:
            self.el["step-stage-text"].textContent = self._summary(stage)
        self._show_rule()
        self.app.netview.draw(0, force=True)

    def _network_changed(self, net) -> None:
        if self._focus is not None and not _fits(self._focus, net.layers):
            self._focus = None  # a neuron or connection of the old network's shape
        record = self.record
        if record is not None and [len(o) for o in record.outputs] != list(net.layers):
            self.record = None
            if self.active:
                self.enter()

    # --- keys ------------------------------------------------------------------------------------

    def _key(self, event) -> None:
        if event.ctrlKey or event.altKey or event.metaKey or event.repeat:
            return
        target = event.target
        tag = str(getattr(target, "tagName", ""))
        typing = tag in ("INPUT", "SELECT", "TEXTAREA") or bool(target.isContentEditable)
        key = str(event.key)
        if key in ("s", "S") and not typing:
            event.preventDefault()
            self.step()
        elif self.active and key in ("Enter", "ArrowRight") and not typing:
            if tag == "CANVAS" and (key == "ArrowRight" or target.id == "network-canvas"):
                return  # the canvases use these keys themselves
            if key == "Enter" and tag in ("BUTTON", "A", "SUMMARY"):
                return  # Enter presses the button, follows the link, opens the details
            if tag == "BUTTON" and not target.closest("#step-section"):
                return  # → walks on from the step buttons only
            event.preventDefault()
            self.advance()

    # --- text ------------------------------------------------------------------------------------

    def _summary(self, stage: str) -> str:
        r = self.record
        where = "the worked example's sample" if self.worked else "the pointer's position"
        if stage == "forward":
            outs = ", ".join(fmt(o) for o in r.outputs[-1])
            return (
                f"1 of 4, Forward: the inputs ({', '.join(fmt(v) for v in r.inputs)}, "
                f"{where}) go through the network; the outputs are {outs}."
            )
        if stage == "error":
            return (
                f"2 of 4, Error: t − o is {', '.join(fmt(e) for e in r.output_errors)}, so "
                f"E = ½ Σ (t − o)² = {r.error:.9f}."
            )
        if stage == "backward":
            return (
                "3 of 4, Backward: each neuron's delta, from the outputs back to the first "
                "hidden layer, uses the weights from before the step."
            )
        biases = (
            "and the biases"
            if r.biases_updated
            else "(the biases are not updated)"
            if r.bias
            else "(no biases)"
        )
        return (
            f"4 of 4, Update: every weight {biases} moved by learning rate × input × delta. "
            "Select a connection or a neuron to read its rule."
        )

    def _render(self) -> None:
        r = self.record
        last = len(r.outputs) - 1
        name = _neuron_name
        inputs = [(name(0, j, last), "", fmt(v, 8), "the input") for j, v in enumerate(r.inputs)]
        forward = inputs + [
            (
                name(li, j, last),
                fmt(r.sums[li - 1][j], 8),
                fmt(r.outputs[li][j], 8),
                forward_rule(r, li, j),
            )
            for li in range(1, last + 1)
            for j in range(len(r.outputs[li]))
        ]
        self.el["step-forward"].replaceChildren(
            _table(
                "Forward: weighted sum z and output o of each neuron",
                ("neuron", "z", "o", "how"),
                forward,
            )
        )
        errors = [
            (name(last, j, last), fmt(t, 8), fmt(o, 8), fmt(t - o, 8))
            for j, (t, o) in enumerate(zip(r.targets, r.outputs[-1], strict=True))
        ]
        squares = " + ".join(f"({fmt(e)})²" for e in r.output_errors)
        total = _element("p", f"E = ½ × ({squares}) = ", **{"class": "step-total"})
        total.append(_element("strong", f"{r.error:.9f}"))
        self.el["step-error"].replaceChildren(
            _table("Error: target t, output o, and t − o", ("output", "t", "o", "t − o"), errors),
            total,
        )
        backward = [
            (name(li, j, last), fmt(r.deltas[li - 1][j], 8), backward_rule(r, li, j))
            for li in range(last, 0, -1)
            for j in range(len(r.outputs[li]))
        ]
        self.el["step-backward"].replaceChildren(
            _table(
                "Backward: delta δ of each neuron, outputs first", ("neuron", "δ", "how"), backward
            )
        )
        updates = [
            (
                f"w {name(k, i, last)} → {name(k + 1, j, last)}",
                fmt(w[i][j], 8),
                fmt(r.weights_after[k][i][j], 8),
                fmt(r.weights_after[k][i][j] - w[i][j], 8),
            )
            for k, w in enumerate(r.weights_before)
            for i in range(len(w))
            for j in range(len(w[i]))
        ]
        if r.bias:
            updates += [
                (
                    f"b {name(k + 1, j, last)}",
                    fmt(b[j], 8),
                    fmt(r.biases_after[k][j], 8),
                    fmt(r.biases_after[k][j] - b[j], 8),
                )
                for k, b in enumerate(r.biases_before)
                for j in range(len(b))
            ]
        self.el["step-update"].replaceChildren(
            _table(
                f"Update: every weight and bias, before and after "
                f"(learning rate {r.learning_rate:g})",
                ("parameter", "before", "after", "change"),
                updates,
            )
        )

    def _selected(self, sel) -> None:
        if sel is not None:
            self._focus = sel
            self._show_rule()

    def _show_rule(self) -> None:
        """The selected item's rule for the current stage, with its numbers."""
        r, sel, box = self.record, self._focus, self.el["step-rule"]
        text = ""
        shape = [] if r is None else [len(o) for o in r.outputs]
        if r is not None and sel is not None and self.stage in STAGES and _fits(sel, shape):
            last = len(r.outputs) - 1
            if sel[0] == "w":
                _, k, i, j = sel
                label = f"Weight {_neuron_name(k, i, last)} → {_neuron_name(k + 1, j, last)}"
                if self.stage == "update":
                    text = f"{label}: {weight_rule(r, k, i, j)}"
                else:
                    text = f"{label}: {fmt(r.weights_before[k][i][j])} during this stage"
            elif sel[1] > 0:
                _, li, j = sel
                # The neuron's numbers so far, as in the tables (the view writes z at the
                # neurons only for small networks).
                values = f"z = {fmt(r.sums[li - 1][j], 8)}, o = {fmt(r.outputs[li][j], 8)}"
                if self.stage in ("backward", "update"):
                    values += f", δ = {fmt(r.deltas[li - 1][j], 8)}"
                label = f"Neuron {_neuron_name(li, j, last)} ({values})"
                rule = {
                    "forward": forward_rule,
                    "error": forward_rule,
                    "backward": backward_rule,
                    "update": bias_rule,
                }[self.stage]
                text = f"{label}: {rule(r, li, j)}"
                if self.stage == "error" and li == last:
                    t, o = r.targets[j], r.outputs[li][j]
                    text = f"{label}: t − o = {fmt(t)} − {fmt(o)} = {fmt(t - o)}"
            else:
                j = sel[2]
                text = f"Input {_neuron_name(0, j, last)} = {fmt(r.inputs[j])}"
        if box.textContent != text:
            box.textContent = text

    # --- the network view ------------------------------------------------------------------------

    def _draw(self, view) -> None:
        """Overlay of the current stage: values at the neurons, deltas flowing back."""
        r, stage = self.record, self.stage
        if r is None or stage not in STAGES or len(r.outputs) != len(view.pos):
            return
        ctx, rad = view.ctx, view.radius
        big = max(len(layer) for layer in view.pos) <= 3
        ctx.font = "600 11px system-ui, sans-serif"
        ctx.textBaseline = "middle"
        ctx.strokeStyle, ctx.lineWidth = "rgba(255, 255, 255, 0.95)", 3
        view._label(f"{STAGES.index(stage) + 1}/4 {TITLES[stage]}", 8, 10, "left", "#111827")
        last, ink = len(view.pos) - 1, "#1f2937"
        for j, (x, y) in enumerate(view.pos[0]):  # the step's sample (the view shows the live one)
            view._label(f"{fmt(r.inputs[j])}", x, y + rad + 8, "center", ink)
        if stage in ("forward", "error", "update"):
            for li in range(1, last + 1):
                for j, (x, y) in enumerate(view.pos[li]):
                    if big:
                        view._label(f"z {fmt(r.sums[li - 1][j])}", x, y - rad - 8, "center", ink)
                    view._label(f"o {fmt(r.outputs[li][j])}", x, y + rad + 8, "center", ink)
        if stage == "error":
            for j, (x, y) in enumerate(view.pos[last]):
                e = r.targets[j] - r.outputs[-1][j]
                view._label(f"t − o {fmt(e)}", x + rad + 6, y + 14, "left", "#b91c1c")
            view._label(f"E = {r.error:.6g}", view.width - 8, 10, "right", "#b91c1c")
        if stage == "backward":
            self._draw_deltas(view)

    def _draw_deltas(self, view) -> None:
        """Arrowheads pointing right to left on every connection, coloured by the delta they
        carry back, and each neuron's delta written under it."""
        r, ctx, rad = self.record, view.ctx, view.radius
        parts = ([], [])
        for k in range(len(view.pos) - 1):
            for x1, y1 in view.pos[k]:
                for j, (x2, y2) in enumerate(view.pos[k + 1]):
                    # an arrowhead at 40% from the right end, pointing left along the line
                    mx, my = x2 + 0.4 * (x1 - x2), y2 + 0.4 * (y1 - y2)
                    dx, dy = x1 - x2, y1 - y2
                    length = max((dx * dx + dy * dy) ** 0.5, 1e-9)
                    ux, uy = dx / length, dy / length
                    bx, by = mx - 7 * ux, my - 7 * uy
                    px, py = -uy * 4, ux * 4
                    parts[r.deltas[k][j] < 0].append(
                        f"M{mx:.1f} {my:.1f}L{bx + px:.1f} {by + py:.1f}L{bx - px:.1f} "
                        f"{by - py:.1f}Z"
                    )
        for sign, texts in enumerate(parts):
            if texts:
                ctx.fillStyle = f"rgba({DELTA_RGB[sign]}, 0.9)"
                view._fill(view._path2d("".join(texts)))
        ctx.strokeStyle, ctx.lineWidth = "rgba(255, 255, 255, 0.95)", 3
        for li in range(1, len(view.pos)):
            for j, (x, y) in enumerate(view.pos[li]):
                d = r.deltas[li - 1][j]
                color = f"rgb({DELTA_RGB[d < 0]})"
                view._label(f"δ {fmt(d)}", x, y + rad + 8, "center", color)

    def destroy(self) -> None:
        self.listeners.destroy()
