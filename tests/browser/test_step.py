"""Learning aids in a real browser: step mode, the worked example, neuron maps, weight editing,
the learning pace.

Contract used here (see nnpage/learn.py): ``window.nnApp.step()``, ``lastStep()``,
``neuronMap(layer, neuron)``, ``setWeight(layer, i, j, value)``, ``setBias(layer, j, value)``,
``neuronAt(layer, neuron)`` (where to point the mouse); ``#network[data-step-mode]`` and
``[data-step-stage]``; ``#neuron-map[data-neuron]``; the ``worked-example`` option of
``#preset``. Every expected number is computed here with numpy from ``exportModel()`` (or taken
from Mazur's article), never read back from the page's own code.

Three pages (each boot costs seconds of CPU): the numbers of a step in four configurations,
keyboard only, and the mouse (maps, editing, pace, the worked example).
"""

from __future__ import annotations

import json
import re

import numpy as np
import pytest

from .helpers import alert_text, model, move_pointer, open_app, stage

ACT = {
    "linear": (lambda z: z, lambda o: np.ones_like(o)),
    "tanh": (np.tanh, lambda o: 1 - o * o),
    "sigmoid": (lambda z: 1 / (1 + np.exp(-z)), lambda o: o * (1 - o)),
}
CONFIGS = [("linear", True), ("linear", False), ("tanh", True), ("tanh", False)]
ROWS = """sel => Array.from(document.querySelectorAll(sel + ' tbody tr'))
  .map(tr => Array.from(tr.cells).map(c => c.textContent))"""
# Mazur's published numbers (see tests/app/test_stepper.py for all of them).
MAZUR_ERROR, MAZUR_W5, MAZUR_W1 = 0.298371109, 0.35891648, 0.149780716


def reference_step(m: dict, x, t) -> dict:
    """One SGD step of the exported model on (x, t), written out with numpy."""
    p = m["params"]
    hidden, d_hidden = ACT[p["activation"]]
    output, d_output = ACT[p.get("output_activation", "linear")]
    ws = [np.array(w) for w in m["weights"]]
    bs = [np.array(b) for b in m["biases"]]
    outs, sums = [np.array(x, dtype=float)], []
    for k, (w, b) in enumerate(zip(ws, bs, strict=True)):
        z = outs[-1] @ w + b
        sums.append(z)
        outs.append(output(z) if k == len(ws) - 1 else hidden(z))
    t = np.array(t, dtype=float)
    deltas = [None] * len(ws)
    deltas[-1] = (t - outs[-1]) * d_output(outs[-1])
    for k in range(len(ws) - 2, -1, -1):
        deltas[k] = (ws[k + 1] @ deltas[k + 1]) * d_hidden(outs[k + 1])
    lr = p["learning_rate"]
    return {
        "targets": t,
        "sums": sums,
        "outputs": outs,
        "deltas": deltas,
        "error": 0.5 * float(np.sum((t - outs[-1]) ** 2)),
        "weights_before": ws,
        "biases_before": bs,
        "weights_after": [
            w + lr * np.outer(a, d) for w, a, d in zip(ws, outs[:-1], deltas, strict=True)
        ],
        "biases_after": [b + lr * d if p["bias"] else b for b, d in zip(bs, deltas, strict=True)],
    }


def close(a, b, tol) -> bool:
    return all(
        np.allclose(np.array(x, dtype=float), np.array(y, dtype=float), rtol=0, atol=tol)
        for x, y in zip(a, b, strict=True)
    )


def shown(text: str) -> tuple[float, float]:
    """A number as the page writes it (real minus signs, maybe scientific), and half a unit of
    its last digit: how far from the true value the text may be."""
    t = text.strip().replace("−", "-")
    mantissa, _, exponent = t.partition("e")
    decimals = len(mantissa.partition(".")[2])
    return float(t), 0.5 * 10.0 ** (int(exponent or 0) - decimals)


def check_shown(text: str, expected: float, what: str, *, precise: bool = True) -> None:
    """``text`` shows ``expected`` to its last digit (and, if ``precise``, to 1e-7 or better
    relative: the tables' 8 decimals)."""
    value, tol = shown(text)
    if precise:
        assert tol <= 1e-7 * max(1.0, abs(value)), f"{what}: {text!r} is not written precisely"
    assert abs(value - expected) <= tol * (1 + 1e-9) + 1e-15, f"{what}: {text!r} != {expected!r}"


def last_step(page) -> dict:
    return json.loads(page.evaluate("window.nnApp.lastStep()"))


def stage_attr(page) -> str:
    return page.get_attribute("#network", "data-step-stage")


def step_mode(page) -> str:
    return page.get_attribute("#network", "data-step-mode")


def active_id(page) -> str:
    return page.evaluate("document.activeElement.id")


def tab_to(page, element_id: str, *, back: bool = False, limit: int = 80) -> None:
    """Press Tab (Shift+Tab with ``back``) until ``element_id`` has the focus."""
    for _ in range(limit):
        if active_id(page) == element_id:
            return
        page.keyboard.press("Shift+Tab" if back else "Tab")
    assert active_id(page) == element_id, f"{limit} Tab presses never reached #{element_id}"


def view_point(page, layer: int, j: int, to: tuple[int, int] | None = None, t: float = 0.3):
    """Page coordinates of neuron (layer, j), or of the point ``t`` of the way along its
    connection to neuron ``to`` = (layer + 1, j')."""
    canvas = page.locator("#network-canvas")
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    x, y = json.loads(page.evaluate(f"window.nnApp.neuronAt({layer}, {j})"))
    if to is not None:
        x2, y2 = json.loads(page.evaluate(f"window.nnApp.neuronAt({to[0]}, {to[1]})"))
        x, y = x + t * (x2 - x), y + t * (y2 - y)
    return box["x"] + x, box["y"] + y


def check_tables(page, ref: dict, bias: bool, label: str) -> None:
    """Every number of the four tables equals the numpy step at the precision written."""
    last = len(ref["outputs"]) - 1
    forward = page.evaluate(ROWS, "#step-forward")
    n_in = len(ref["outputs"][0])
    assert len(forward) == sum(len(o) for o in ref["outputs"]), label
    assert [row[0] for row in forward[:n_in]] == ["x", "y"], label
    for j, row in enumerate(forward[:n_in]):
        check_shown(row[2], ref["outputs"][0][j], f"{label} input {j}")
    rows = iter(forward[n_in:])
    for li in range(1, last + 1):
        for j in range(len(ref["outputs"][li])):
            row = next(rows)
            check_shown(row[1], ref["sums"][li - 1][j], f"{label} z of {row[0]}")
            check_shown(row[2], ref["outputs"][li][j], f"{label} o of {row[0]}")
    errors = page.evaluate(ROWS, "#step-error")
    assert [row[0] for row in errors] == ["x′", "y′"], label
    for j, row in enumerate(errors):
        t, o = ref["targets"][j], ref["outputs"][-1][j]
        for text, value in zip(row[1:], (t, o, t - o), strict=True):
            check_shown(text, value, f"{label} error table, {row[0]}")
    check_shown(page.text_content("#step-error strong"), ref["error"], f"{label} E")
    backward = page.evaluate(ROWS, "#step-backward")
    expected = [
        (li, j) for li in range(last, 0, -1) for j in range(len(ref["outputs"][li]))
    ]  # outputs first
    assert len(backward) == len(expected), label
    for row, (li, j) in zip(backward, expected, strict=True):
        check_shown(row[1], ref["deltas"][li - 1][j], f"{label} δ of {row[0]}")
    update = page.evaluate(ROWS, "#step-update")
    params = [
        (ref["weights_before"][k][i, j], ref["weights_after"][k][i, j])
        for k, w in enumerate(ref["weights_before"])
        for i in range(w.shape[0])
        for j in range(w.shape[1])
    ]
    n_weights = len(params)
    if bias:
        params += [
            (b[j], after[j])
            for b, after in zip(ref["biases_before"], ref["biases_after"], strict=True)
            for j in range(len(b))
        ]
    assert len(update) == len(params), label
    assert all(row[0].startswith("w ") for row in update[:n_weights]), label
    assert all(row[0].startswith("b ") for row in update[n_weights:]), label
    for row, (before, after) in zip(update, params, strict=True):
        for text, value in zip(row[1:], (before, after, after - before), strict=True):
            check_shown(text, value, f"{label} update of {row[0]}")


def test_a_step_is_one_feed_and_backpropagate_in_numbers(app_page, base_url_app):
    """In four configurations (linear and tanh, with and without bias) on one page: the step's
    sums, outputs, deltas, error and new weights and biases equal a numpy computation from the
    exported model before the step (1e-12) on the pointer's position, the model after the step
    is the recorded one, and every number in the four tables is the numpy one at the precision
    written. Then: a hovered neuron's z, o and δ are text for a 2-6-6-6-2 network; the stages
    advance with Enter, → and Next stage; Show all; no live learning in step mode, and Leave
    step mode gives it back."""
    page = app_page
    open_app(page, base_url_app)
    assert (step_mode(page), stage_attr(page)) == ("off", "off")
    page.click("#pause")  # a Step works while paused too
    page.uncheck("#backprop")  # ... and whatever the checkbox says
    box = page.locator("#stage").bounding_box()
    for k, (activation, bias) in enumerate(CONFIGS):
        label = f"[{activation}, bias={bias}]"
        page.select_option("#activation", activation)
        page.set_checked("#bias", bias)
        move_pointer(page, 3 + 20 * k, 7)
        before = model(page)
        assert before["params"]["activation"] == activation, label
        assert before["params"]["bias"] is bias, label
        assert page.evaluate("window.nnApp.step()") == "", label
        assert (step_mode(page), stage_attr(page)) == ("on", "forward"), label
        rec = last_step(page)
        d = stage(page)
        x = [2 * d["tx"] / box["width"] - 1, 2 * d["ty"] / box["height"] - 1]
        assert np.allclose(rec["inputs"], x, atol=5e-3), label  # the pointer (px to 0.01)
        ref = reference_step(before, rec["inputs"], rec["inputs"])
        assert rec["targets"] == rec["inputs"], label
        assert close(rec["sums"], ref["sums"], 1e-12), label
        assert close(rec["outputs"], ref["outputs"], 1e-12), label
        assert close(rec["deltas"], ref["deltas"], 1e-12), label
        assert abs(rec["error"] - ref["error"]) <= 1e-12, label
        assert close(rec["weights_before"], before["weights"], 0), label
        assert close(rec["weights_after"], ref["weights_after"], 1e-12), label
        assert close(rec["biases_after"], ref["biases_after"], 1e-12), label
        after = model(page)
        assert close(after["weights"], rec["weights_after"], 0), label
        assert close(after["biases"], rec["biases_after"], 0), label
        check_tables(page, ref, bias, label)

    # The network view writes z only for small networks: the selection text has it for any.
    assert page.get_attribute("#network", "data-layers") == "2-6-6-6-2"
    page.click("#step-next")
    page.click("#step-next")
    assert stage_attr(page) == "backward"
    page.mouse.move(*view_point(page, 2, 2))  # hidden layer 2, neuron 3
    text = page.text_content("#step-rule")
    found = re.match(r"Neuron h2\.3 \(z = (\S+), o = (\S+), δ = (\S+)\): δ = ", text)
    assert found, text
    for shown_text, value in zip(
        found.groups(), (ref["sums"][1][2], ref["outputs"][2][2], ref["deltas"][1][2]), strict=True
    ):
        check_shown(shown_text, value, "the hovered neuron")
    page.mouse.move(0, 0)

    # Stages: Enter on Next stage (the Step button hands it the focus), → anywhere outside a
    # control or a canvas, a click on Next stage.
    page.click("#step")
    assert stage_attr(page) == "forward"
    assert page.is_visible("#step-forward") and page.is_hidden("#step-error")
    page.keyboard.press("Enter")
    assert stage_attr(page) == "error"
    page.evaluate("document.activeElement.blur()")
    page.keyboard.press("ArrowRight")
    assert stage_attr(page) == "backward"
    assert page.is_visible("#step-backward") and page.is_hidden("#step-update")
    page.click("#step-next")
    assert stage_attr(page) == "update" and page.is_visible("#step-update")
    assert "4 of 4" in page.text_content("#step-stage-text")
    page.click("#step")
    page.click("#step-all")
    assert stage_attr(page) == "update" and page.is_visible("#step-forward")

    # No live learning in step mode; leaving gives it back (learning switched on meanwhile).
    page.click("#pause")
    page.check("#backprop")
    frozen = stage(page)["iterations"]
    move_pointer(page, 40, 60)
    assert stage(page)["iterations"] == frozen
    page.click("#step-leave")
    assert (step_mode(page), stage_attr(page)) == ("off", "off")
    assert page.is_hidden("#step-panel")
    assert move_pointer(page, 100, 60)["iterations"] > frozen


def test_keyboard_only_step_mode_and_editing(app_page, base_url_app):
    """Without a mouse: Tab reaches the canvas, S steps, Enter and → walk Forward, Error,
    Backward and Update; Tab reaches the network view, whose arrow keys and C select a
    connection, whose rule the Update stage writes; Enter opens the editor, typing and Enter set
    the weight, Escape cancels a second edit, a bad value is refused."""
    page = app_page
    open_app(page, base_url_app)
    tab_to(page, "stage")
    page.keyboard.press("ArrowLeft")  # the canvas' own key: moves the target
    page.keyboard.press("s")
    assert (step_mode(page), stage_attr(page)) == ("on", "forward")
    page.keyboard.press("Enter")
    assert stage_attr(page) == "error"
    tab_to(page, "network-canvas")
    page.keyboard.press("ArrowRight")  # hidden layer 1, neuron 1
    assert page.text_content("#step-rule").startswith("Neuron h1.1 (z = ")
    page.keyboard.press("c")  # its first outgoing connection: w[1][0][0]
    assert page.text_content("#step-rule").startswith("Weight h1.1 → h2.1: ")
    assert stage_attr(page) == "error"  # the network view keeps its keys
    tab_to(page, "step-next")
    page.keyboard.press("Enter")
    assert stage_attr(page) == "backward"
    page.keyboard.press("ArrowRight")
    assert stage_attr(page) == "update"
    rec = last_step(page)
    assert "4 of 4" in page.text_content("#step-stage-text")
    rule = page.text_content("#step-rule")
    assert rule.startswith("Weight h1.1 → h2.1: w = "), rule
    after = rec["weights_after"][1][0][0]
    check_shown(rule.rsplit("= ", 1)[1], after, "the rule's new weight", precise=False)

    tab_to(page, "network-canvas", back=True)
    page.keyboard.press("ArrowRight")
    page.keyboard.press("c")
    page.keyboard.press("Enter")
    assert page.is_visible("#edit-form")
    assert active_id(page) == "edit-value"
    page.keyboard.press("Control+a")
    page.keyboard.type("0.125")
    page.keyboard.press("Enter")
    assert page.is_hidden("#edit-form")
    assert model(page)["weights"][1][0][0] == 0.125
    assert active_id(page) == "network-canvas"
    page.keyboard.press("Enter")
    page.keyboard.type("9")
    page.keyboard.press("Escape")
    assert page.is_hidden("#edit-form")
    assert model(page)["weights"][1][0][0] == 0.125
    # A bad value keeps the editor open, named in the alert, and changes nothing.
    page.keyboard.press("Enter")
    page.keyboard.press("Control+a")
    page.keyboard.type("twelve")
    page.keyboard.press("Enter")
    assert page.is_visible("#edit-form")
    assert "'twelve'" in alert_text(page)
    assert page.get_attribute("#edit-value", "aria-invalid") == "true"
    page.keyboard.press("Escape")
    assert page.is_hidden("#edit-form")
    assert model(page)["weights"][1][0][0] == 0.125


MAP_IS = """([layer, j, want, atol]) => {
  const got = JSON.parse(window.nnApp.neuronMap(layer, j)).values;
  return got.length === want.length && got.every((v, k) => Math.abs(v - want[k]) <= atol);
}"""
# The colour of #neuron-map at the centre of every map cell: [r, g, b] per cell, row-major.
MAP_PIXELS = """([columns, rows]) => {
  const c = document.getElementById('neuron-map');
  const data = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  const out = [];
  for (let r = 0; r < rows; r++) for (let q = 0; q < columns; q++) {
    const x = Math.floor((q + 0.5) * c.width / columns);
    const y = Math.floor((r + 0.5) * c.height / rows);
    const k = 4 * (y * c.width + x);
    out.push([data[k], data[k + 1], data[k + 2]]);
  }
  return out;
}"""


def linear_outputs(m: dict, x: np.ndarray) -> list[np.ndarray]:
    """Every layer's outputs of a linear network for the rows of ``x``."""
    outs = [x]
    for w, b in zip(m["weights"], m["biases"], strict=True):
        outs.append(outs[-1] @ np.array(w) + np.array(b))
    return outs


def map_grid(got: dict) -> np.ndarray:
    """Cell centres of a neuron map in network coordinates, row-major from the top left."""
    cols, rows = got["columns"], got["rows"]
    xs = (np.arange(cols) + 0.5) / cols * 2 - 1
    ys = (np.arange(rows) + 0.5) / rows * 2 - 1
    return np.stack(np.meshgrid(xs, ys), axis=-1).reshape(-1, 2)


def test_maps_editing_pace_and_the_worked_example_with_the_mouse(app_page, base_url_app):
    """With the mouse, on one page: an output neuron's map is the network's output over the
    grid and refreshes after learning; hovering a neuron paints *its* map behind the stage;
    clicking a connection or a neuron opens the editor, and a weight set while paused moves the
    circle at once as the maths says; bad values are refused; the learning pace drives the
    switches; the worked example enters step mode, reproduces Mazur's numbers and writes w5's
    rule for the hovered connection."""
    page = app_page
    open_app(page, base_url_app)
    page.click("#pause")
    box = page.locator("#stage").bounding_box()

    # Neuron maps: the output neurons' maps are the (linear) network over a grid of cell
    # centres spanning the canvas, first row at the top; they follow learning.
    m = model(page)
    for j in (0, 1):
        got = json.loads(page.evaluate(f"window.nnApp.neuronMap(4, {j})"))
        assert got["columns"] * got["rows"] == len(got["values"])
        assert abs(got["rows"] / got["columns"] - box["height"] / box["width"]) < 0.1
        want = linear_outputs(m, map_grid(got))[-1][:, j]
        assert np.allclose(got["values"], want, rtol=0, atol=1e-12)
    page.click("#pause")  # learn again
    move_pointer(page, 0, 150)
    page.click("#pause")
    m2 = model(page)  # paused: these weights stay
    assert m2["weights"] != m["weights"]
    want = linear_outputs(m2, map_grid(got))[-1][:, 1]
    page.wait_for_function(MAP_IS, arg=[4, 1, want.tolist(), 1e-12], timeout=20_000)

    # Hovering a neuron with the mouse paints that neuron's map over the stage: blue where it
    # is positive, orange where negative (checked on its strongest cells).
    assert page.is_hidden("#neuron-map")
    for layer, j in ((1, 0), (4, 1), (2, 3)):
        page.mouse.move(*view_point(page, layer, j))
        page.wait_for_selector(f"#neuron-map[data-neuron='{layer},{j}']", state="visible")
        got = json.loads(page.evaluate(f"window.nnApp.neuronMap({layer}, {j})"))
        values = np.array(got["values"])
        assert np.allclose(values, linear_outputs(m2, map_grid(got))[layer][:, j], atol=1e-12)
        rgb = np.array(page.evaluate(MAP_PIXELS, [got["columns"], got["rows"]]), dtype=float)
        strong = np.abs(values) >= 0.5 * np.abs(values).max()
        blue = rgb[:, 2] > rgb[:, 0] + 40
        orange = rgb[:, 0] > rgb[:, 2] + 40
        assert strong.sum() >= 20
        assert (blue[strong] == (values[strong] > 0)).all(), (layer, j)
        assert (orange[strong] == (values[strong] < 0)).all(), (layer, j)
    page.mouse.move(0, 0)
    page.wait_for_selector("#neuron-map", state="hidden")
    page.mouse.move(*view_point(page, 1, 0))
    page.wait_for_selector("#neuron-map", state="visible")
    page.uncheck("#maps")
    page.wait_for_selector("#neuron-map", state="hidden")
    page.check("#maps")

    # Editing with the mouse, while paused: a move only moves the target...
    move_pointer(page, 10, 1)
    before, circle_before = model(page), stage(page)
    page.mouse.click(*view_point(page, 0, 1, to=(1, 2)))  # the connection y -> h1.3
    assert page.is_visible("#edit-form")
    assert page.text_content("#edit-label").startswith("Weight input y → hidden layer 1, neuron 3")
    assert active_id(page) == "edit-value"
    page.fill("#edit-value", "0.75")
    page.press("#edit-value", "Enter")
    assert page.is_hidden("#edit-form")
    # ... and the new weight moves the circle at once, to the network's output for the pointer.
    after = model(page)
    expected = [np.array(w) for w in before["weights"]]
    expected[0][1, 2] = 0.75
    assert close(after["weights"], expected, 0)
    assert close(after["biases"], before["biases"], 0)
    d = stage(page)
    width, height = page.evaluate("[stage.clientWidth, stage.clientHeight]")  # inside borders
    x = np.array([[2 * d["tx"] / width - 1, 2 * d["ty"] / height - 1]])
    out = linear_outputs(after, x)[-1][0]
    # #stage writes positions to 0.01 px: the target's rounding goes through the network's
    # gain (the product of its weight matrices), the circle's adds 0.005 px.
    gain = np.abs(np.linalg.multi_dot([np.array(w) for w in after["weights"]]))
    tol_x = 0.005 * (gain[0, 0] + gain[1, 0] * width / height) + 0.0051
    tol_y = 0.005 * (gain[0, 1] * height / width + gain[1, 1]) + 0.0051
    assert d["cx"] == pytest.approx((out[0] + 1) * width / 2, abs=tol_x)
    assert d["cy"] == pytest.approx((out[1] + 1) * height / 2, abs=tol_y)
    assert (d["cx"], d["cy"]) != (circle_before["cx"], circle_before["cy"])
    page.mouse.click(*view_point(page, 2, 4))  # a neuron: its bias
    assert page.text_content("#edit-label") == "Bias of hidden layer 2, neuron 5"
    page.fill("#edit-value", "0.5")
    page.press("#edit-value", "Escape")
    assert page.is_hidden("#edit-form")
    assert model(page)["biases"][1][4] == after["biases"][1][4]
    assert page.evaluate("window.nnApp.setBias(3, 0, -0.5)") == ""
    assert model(page)["biases"][3][0] == -0.5
    for bad, named in (("abc", "'abc'"), ("nan", "'nan'"), ("1e9", "'1e9'"), ("inf", "'inf'")):
        message = page.evaluate(f"window.nnApp.setWeight(0, 0, 0, {bad!r})")
        assert named in message and named in alert_text(page)
    assert "out of range" in page.evaluate("window.nnApp.setWeight(0, 5, 0, 1)")
    assert "out of range" in page.evaluate("window.nnApp.setBias(4, 0, 1)")
    final = model(page)
    assert close(final["weights"], after["weights"], 0)
    assert final["biases"][3][0] == -0.5

    # The learning pace: off / one step per move / replay set the two switches and say so.
    page.click("#pause")
    assert page.input_value("#pace") == "replay"
    page.select_option("#pace", "move")
    assert page.is_checked("#backprop") and not page.is_checked("#replay")
    assert "One step per move" in page.text_content("#pace-help")
    page.select_option("#pace", "off")
    assert not page.is_checked("#backprop")
    assert "does not learn" in page.text_content("#pace-help")
    count = move_pointer(page, 0, 30)["iterations"]
    assert move_pointer(page, 30, 30)["iterations"] == count
    page.check("#backprop")
    assert page.input_value("#pace") == "move"
    page.check("#replay")
    assert page.input_value("#pace") == "replay"

    # The worked example: Mazur's network, in step mode with no step yet; one Step on his
    # sample (not the pointer's) gives his numbers, biases left alone.
    page.select_option("#preset", "worked-example")
    page.wait_for_selector("#network[data-layers='2-2-2']", state="attached")
    assert (step_mode(page), stage_attr(page)) == ("on", "off")
    worked = model(page)
    assert worked["params"]["output_activation"] == "sigmoid"
    assert worked["weights"] == [[[0.15, 0.25], [0.2, 0.3]], [[0.4, 0.5], [0.45, 0.55]]]
    assert page.is_visible("#step-bias-field") and not page.is_checked("#step-bias")
    assert page.is_visible("#step-panel")
    page.click("#step")
    rec = last_step(page)
    assert rec["inputs"] == [0.05, 0.1] and rec["targets"] == [0.01, 0.99]
    assert abs(rec["error"] - MAZUR_ERROR) <= 1e-8
    assert abs(rec["weights_after"][1][0][0] - MAZUR_W5) <= 1e-8
    assert abs(rec["weights_after"][0][0][0] - MAZUR_W1) <= 1e-8
    assert rec["biases_after"] == rec["biases_before"] == [[0.35, 0.35], [0.6, 0.6]]
    ref = reference_step(worked, [0.05, 0.1], [0.01, 0.99])  # numpy, from the export
    assert close(rec["weights_after"], ref["weights_after"], 1e-12)
    assert "0.298371109" in page.text_content("#step-error")
    page.click("#step-all")
    assert "not updated" in page.text_content("#step-stage-text")
    # w5 is the connection h1.1 -> x'; its rule, with Mazur's numbers (out_h1 0.593269992,
    # delta_o1 -0.138498562), written to 4 decimals.
    page.mouse.move(*view_point(page, 1, 0, to=(2, 0)))
    assert page.text_content("#step-rule") == (
        "Weight h1.1 → x′: w = 0.4000 + 0.5 × 0.5933 × (−0.1385) = 0.3589"
    )
    page.mouse.move(0, 0)
    # Again from the start, with the biases updated.
    page.select_option("#preset", "")
    page.select_option("#preset", "worked-example")
    page.wait_for_function("JSON.parse(window.nnApp.exportModel()).weights[1][0][0] === 0.4")
    page.check("#step-bias")
    assert page.evaluate("window.nnApp.step()") == ""
    rec = last_step(page)
    assert abs(rec["weights_after"][1][0][0] - MAZUR_W5) <= 1e-8
    assert close(rec["biases_after"], ref["biases_after"], 1e-12)
    assert rec["biases_after"] != rec["biases_before"]
