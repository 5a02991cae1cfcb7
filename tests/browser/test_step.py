"""Learning aids in a real browser: step mode, the worked example, neuron maps, weight editing,
the learning pace.

Contract used here (see nnpage/learn.py): ``window.nnApp.step()``, ``lastStep()``,
``neuronMap(layer, neuron)``, ``setWeight(layer, i, j, value)``, ``setBias(layer, j, value)``;
``#network[data-step-stage]``; the ``worked-example`` option of ``#preset``. Every expected number
is computed here with numpy from ``exportModel()``, never read back from the page's own code.
"""

from __future__ import annotations

import json
import time

import numpy as np
import pytest

from .helpers import NEXT_FRAME, alert_text, model, move_pointer, open_app, stage

ACT = {
    "linear": (lambda z: z, lambda o: np.ones_like(o)),
    "tanh": (np.tanh, lambda o: 1 - o * o),
    "sigmoid": (lambda z: 1 / (1 + np.exp(-z)), lambda o: o * (1 - o)),
}


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
        "sums": sums,
        "outputs": outs,
        "deltas": deltas,
        "error": 0.5 * float(np.sum((t - outs[-1]) ** 2)),
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


def last_step(page) -> dict:
    return json.loads(page.evaluate("window.nnApp.lastStep()"))


def stage_attr(page) -> str:
    return page.get_attribute("#network", "data-step-stage")


@pytest.mark.parametrize(
    ("activation", "bias"), [("linear", True), ("linear", False), ("tanh", True), ("tanh", False)]
)
def test_a_step_is_one_feed_and_backpropagate_in_numbers(app_page, base_url_app, activation, bias):
    """The step's sums, outputs, deltas, error and new weights and biases equal a numpy
    computation from the exported model before the step (1e-12), on the pointer's position;
    the model after the step is the recorded one; #network says the stage."""
    page = app_page
    open_app(page, base_url_app)
    page.select_option("#activation", activation)
    if not bias:
        page.uncheck("#bias")
    page.click("#pause")  # a Step works while paused too
    page.uncheck("#backprop")  # ... and whatever the checkbox says
    move_pointer(page, 3, 7)
    before = model(page)
    assert before["params"]["activation"] == activation and before["params"]["bias"] is bias
    assert stage_attr(page) == "off"
    assert page.evaluate("window.nnApp.step()") == ""
    assert stage_attr(page) == "forward"
    rec = last_step(page)
    d = stage(page)
    box = page.locator("#stage").bounding_box()
    x = [2 * d["tx"] / box["width"] - 1, 2 * d["ty"] / box["height"] - 1]
    assert np.allclose(rec["inputs"], x, atol=5e-3)  # the pointer, normalised (px to 0.01)
    ref = reference_step(before, rec["inputs"], rec["inputs"])
    assert rec["targets"] == rec["inputs"]
    assert close(rec["sums"], ref["sums"], 1e-12)
    assert close(rec["outputs"], ref["outputs"], 1e-12)
    assert close(rec["deltas"], ref["deltas"], 1e-12)
    assert abs(rec["error"] - ref["error"]) <= 1e-12
    assert close(rec["weights_before"], before["weights"], 0)
    assert close(rec["weights_after"], ref["weights_after"], 1e-12)
    assert close(rec["biases_after"], ref["biases_after"], 1e-12)
    after = model(page)
    assert close(after["weights"], rec["weights_after"], 0)
    assert close(after["biases"], rec["biases_after"], 0)
    # The numbers are DOM text: the error table shows E as the step computed it.
    assert f"{ref['error']:.9f}" in page.text_content("#step-error")


def test_stages_advance_and_leaving_resumes_live_learning(app_page, base_url_app):
    """Enter and → walk Forward, Error, Backward, Update; the panels appear in turn; no live
    learning happens in step mode; Leave step mode gives it back."""
    page = app_page
    open_app(page, base_url_app)
    move_pointer(page, 0, 40)
    page.click("#step")
    assert stage_attr(page) == "forward"
    assert page.is_visible("#step-forward") and page.is_hidden("#step-error")
    page.keyboard.press("Enter")  # on "Next stage", which the Step button handed focus to
    assert stage_attr(page) == "error"
    page.evaluate("document.activeElement.blur()")
    page.keyboard.press("ArrowRight")  # anywhere outside a control or a canvas
    assert stage_attr(page) == "backward"
    assert page.is_visible("#step-backward") and page.is_hidden("#step-update")
    page.click("#step-next")
    assert stage_attr(page) == "update"
    assert page.is_visible("#step-update")
    assert "4 of 4" in page.text_content("#step-stage-text")
    frozen = stage(page)["iterations"]
    move_pointer(page, 40, 60)
    assert stage(page)["iterations"] == frozen  # no live learning in step mode
    page.click("#step-leave")
    assert stage_attr(page) == "off"
    after = move_pointer(page, 100, 60)
    assert after["iterations"] > frozen


def test_show_all_and_the_rule_of_a_selected_connection(app_page, base_url_app):
    """Show all goes to Update; hovering a connection writes its rule with the step's numbers,
    which compute the new weight."""
    page = app_page
    open_app(page, base_url_app)
    page.fill("#layers", "2-2-2")
    page.press("#layers", "Enter")
    page.wait_for_selector("#network[data-layers='2-2-2']", state="attached")
    move_pointer(page, 5, 10)
    page.click("#step")
    page.click("#step-all")
    assert stage_attr(page) == "update"
    rec = last_step(page)
    # Hover the connection from hidden neuron 1 to output x' (layer 1, i=0, j=0).
    canvas = page.locator("#network-canvas")
    box = canvas.bounding_box()
    view = page.evaluate("""() => {
      const c = document.getElementById('network-canvas');
      return {w: c.clientWidth, h: c.clientHeight};
    }""")
    assert view["w"] == pytest.approx(box["width"], abs=1)
    # Find the connection by hovering along the middle of the canvas until the rule names it.
    found = None
    for fx in np.linspace(0.55, 0.75, 9):
        for fy in np.linspace(0.2, 0.8, 25):
            page.mouse.move(box["x"] + fx * box["width"], box["y"] + fy * box["height"])
            text = page.text_content("#step-rule") or ""
            if text.startswith("Weight h1.1 → x′"):
                found = text
                break
        if found:
            break
    assert found, "no connection h1.1 -> x' under the pointer"
    # "w = before + lr × a × δ = after", with the numbers of this step
    a, d = rec["outputs"][1][0], rec["deltas"][1][0]
    lr = rec["learning_rate"]
    after = rec["weights_before"][1][0][0] + lr * a * d
    assert after == pytest.approx(rec["weights_after"][1][0][0], abs=1e-12)
    assert f"= {after:.4f}".replace("-", "−") in found
    assert f"{lr:g} × " in found


def test_editing_a_weight_moves_the_circle_exactly(app_page, base_url_app):
    """setWeight changes one weight and the circle follows the maths at once; bad values are
    refused with the value named, and nothing changes."""
    page = app_page
    open_app(page, base_url_app)
    page.click("#pause")
    move_pointer(page, 10, 1)  # a target away from the centre
    page.click("#pause")  # moves feed again (and learn) ...
    page.uncheck("#backprop")  # ... but do not learn
    before, circle_before = model(page), stage(page)
    assert page.evaluate("window.nnApp.setWeight(0, 1, 2, '0.75')") == ""
    after = model(page)
    expected = [np.array(w) for w in before["weights"]]
    expected[0][1, 2] = 0.75
    assert close(after["weights"], expected, 0)
    assert close(after["biases"], before["biases"], 0)
    # The circle: the network's output for the pointer, mapped back to pixels.
    d = stage(page)
    size = page.evaluate("[stage.clientWidth, stage.clientHeight]")
    x = np.array([2 * d["tx"] / size[0] - 1, 2 * d["ty"] / size[1] - 1])
    for w, b in zip(expected, after["biases"], strict=True):
        x = x @ w + np.array(b)
    assert d["cx"] == pytest.approx((x[0] + 1) * size[0] / 2, abs=0.1)
    assert d["cy"] == pytest.approx((x[1] + 1) * size[1] / 2, abs=0.1)
    assert (d["cx"], d["cy"]) != (circle_before["cx"], circle_before["cy"])
    assert page.evaluate("window.nnApp.setBias(1, 0, -0.5)") == ""
    assert model(page)["biases"][1][0] == -0.5
    for bad, named in (("abc", "'abc'"), ("nan", "'nan'"), ("1e9", "'1e9'"), ("inf", "'inf'")):
        message = page.evaluate(f"window.nnApp.setWeight(0, 0, 0, {bad!r})")
        assert named in message and named in alert_text(page)
    assert "out of range" in page.evaluate("window.nnApp.setWeight(0, 5, 0, 1)")
    assert "out of range" in page.evaluate("window.nnApp.setBias(4, 0, 1)")
    final = model(page)
    assert close(final["weights"], after["weights"], 0)
    assert final["biases"][1][0] == -0.5


def test_keyboard_only_step_mode_and_editing(app_page, base_url_app):
    """Without a mouse: S enters step mode, Enter advances, the network view's arrow keys and C
    select a connection, Enter opens the editor, typing and Enter set the weight, Escape
    cancels a second edit."""
    page = app_page
    open_app(page, base_url_app)
    page.locator("#stage").focus()
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("s")
    assert stage_attr(page) == "forward"
    page.keyboard.press("Enter")
    assert stage_attr(page) == "error"
    page.locator("#network-canvas").focus()  # as Tab would reach it
    page.keyboard.press("ArrowRight")  # hidden layer 1, neuron 1
    page.keyboard.press("c")  # its first outgoing connection: w[1][0][0]
    page.keyboard.press("Enter")
    assert page.is_visible("#edit-form")
    assert page.evaluate("document.activeElement.id") == "edit-value"
    page.keyboard.press("Control+a")
    page.keyboard.type("0.125")
    page.keyboard.press("Enter")
    assert page.is_hidden("#edit-form")
    assert model(page)["weights"][1][0][0] == 0.125
    assert page.evaluate("document.activeElement.id") == "network-canvas"
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
    assert model(page)["weights"][1][0][0] == 0.125


def test_neuron_map_of_an_output_equals_predict_and_refreshes(app_page, base_url_app):
    """An output neuron's map is the network's output over a grid of cell centres spanning the
    canvas (first row at the top); after learning, the map shows the new weights."""
    page = app_page
    open_app(page, base_url_app)
    page.click("#pause")
    box = page.locator("#stage").bounding_box()

    def expected(m: dict, j: int) -> tuple[dict, np.ndarray]:
        got = json.loads(page.evaluate(f"window.nnApp.neuronMap({len(m['weights'])}, {j})"))
        cols, rows = got["columns"], got["rows"]
        xs = (np.arange(cols) + 0.5) / cols * 2 - 1
        ys = (np.arange(rows) + 0.5) / rows * 2 - 1
        x = np.stack(np.meshgrid(xs, ys), axis=-1).reshape(-1, 2)
        for w, b in zip(m["weights"], m["biases"], strict=True):
            x = x @ np.array(w) + np.array(b)  # linear network
        assert cols * rows == len(got["values"])
        assert abs(rows / cols - box["height"] / box["width"]) < 0.1
        return got, x[:, j]

    def matches(m: dict, j: int) -> bool:
        got, want = expected(m, j)
        return np.allclose(got["values"], want, rtol=0, atol=1e-12)

    def check(m: dict, j: int) -> None:
        got, want = expected(m, j)
        assert np.allclose(got["values"], want, rtol=0, atol=1e-12)

    before = model(page)
    check(before, 0)
    check(before, 1)
    page.click("#pause")  # learn again
    move_pointer(page, 0, 150)
    page.click("#pause")
    m = model(page)  # paused: these weights stay
    assert m["weights"] != before["weights"]
    # The maps refresh a few times a second: wait (hang guard: 20 s) for one with these weights.
    deadline = time.monotonic() + 20
    while not matches(m, 0) and time.monotonic() < deadline:
        page.evaluate(NEXT_FRAME)
    check(m, 0)


def test_hovering_a_neuron_paints_its_map_behind_the_stage(app_page, base_url_app):
    """Focusing the network view selects a neuron and #neuron-map appears over the stage; the
    Neuron maps box turns it off."""
    page = app_page
    open_app(page, base_url_app)
    assert page.is_hidden("#neuron-map")
    page.locator("#network-canvas").focus()
    page.keyboard.press("ArrowRight")
    page.wait_for_selector("#neuron-map", state="visible")
    page.uncheck("#maps")
    page.wait_for_selector("#neuron-map", state="hidden")


def test_learning_pace_drives_the_switches(app_page, base_url_app):
    """off / one step per move / replay set Backpropagation and Keep learning between moves, say
    what they do, and follow the checkboxes back."""
    page = app_page
    open_app(page, base_url_app)
    assert page.input_value("#pace") == "replay"
    page.select_option("#pace", "move")
    assert page.is_checked("#backprop") and not page.is_checked("#replay")
    assert "One step per move" in page.text_content("#pace-help")
    page.select_option("#pace", "off")
    assert not page.is_checked("#backprop")
    assert "does not learn" in page.text_content("#pace-help")
    before = move_pointer(page, 0, 30)["iterations"]
    assert move_pointer(page, 30, 30)["iterations"] == before
    page.check("#backprop")
    assert page.input_value("#pace") == "move"
    page.check("#replay")
    assert page.input_value("#pace") == "replay"


# Mazur's published numbers (see tests/app/test_stepper.py for all of them).
MAZUR_ERROR, MAZUR_W5, MAZUR_W1 = 0.298371109, 0.35891648, 0.149780716


def test_the_worked_example_reproduces_the_published_numbers(app_page, base_url_app):
    """Choosing the worked example loads Mazur's network in step mode; one Step on its own
    sample (not the pointer's) gives his total error, w5 and w1 to 1e-8, leaves the biases
    alone, and a second run with 'Update the biases too' moves them as the rule says."""
    page = app_page
    open_app(page, base_url_app)
    move_pointer(page, 0, 20)  # the pointer is somewhere; the preset ignores it
    page.select_option("#preset", "worked-example")
    page.wait_for_selector("#network[data-layers='2-2-2']", state="attached")
    m = model(page)
    assert m["params"]["output_activation"] == "sigmoid"
    assert m["weights"] == [[[0.15, 0.25], [0.2, 0.3]], [[0.4, 0.5], [0.45, 0.55]]]
    assert page.is_visible("#step-bias-field") and not page.is_checked("#step-bias")
    assert page.is_visible("#step-panel")
    page.click("#step")
    rec = last_step(page)
    assert rec["inputs"] == [0.05, 0.1] and rec["targets"] == [0.01, 0.99]
    assert abs(rec["error"] - MAZUR_ERROR) <= 1e-8
    assert abs(rec["weights_after"][1][0][0] - MAZUR_W5) <= 1e-8
    assert abs(rec["weights_after"][0][0][0] - MAZUR_W1) <= 1e-8
    assert rec["biases_after"] == rec["biases_before"] == [[0.35, 0.35], [0.6, 0.6]]
    ref = reference_step(m, [0.05, 0.1], [0.01, 0.99])  # numpy, from the export
    assert close(rec["weights_after"], ref["weights_after"], 1e-12)
    assert "0.298371109" in page.text_content("#step-error")
    page.click("#step-all")
    assert "not updated" in page.text_content("#step-stage-text")
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
