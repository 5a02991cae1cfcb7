"""Step mode's pure parts (nnpage/stepper.py, maps.py, pace.py, the worked-example preset): a
recorded step is one feed + backpropagate, the worked example gives Mazur's published numbers,
the written rules hold the numbers that compute the new values, maps equal ``predict``."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest

from nn import Network
from nn.errors import SchemaError
from nnpage.maps import colours, grid, grid_size, layer_outputs
from nnpage.pace import PACES, pace_of
from nnpage.presets import WORKED_EXAMPLE
from nnpage.settings import Settings
from nnpage.stepper import (
    STAGES,
    backward_rule,
    bias_rule,
    forward_rule,
    next_stage,
    parse_parameter,
    take_step,
    weight_rule,
)

# Matt Mazur, "A Step by Step Backpropagation Example" (2015), as published.
MAZUR = {
    "out_h1": 0.593269992,
    "out_h2": 0.596884378,
    "out_o1": 0.75136507,
    "out_o2": 0.772928465,
    "E_total": 0.298371109,
    "w5": 0.35891648,
    "w6": 0.408666186,
    "w7": 0.511301270,
    "w8": 0.561370121,
    "w1": 0.149780716,
    "w2": 0.19956143,
    "w3": 0.24975114,
    "w4": 0.29950229,
}


def worked_network() -> Network:
    s = WORKED_EXAMPLE.apply(Settings())
    net = Network(**s.network_params())
    net.import_weights([list(map(list, w)) for w in WORKED_EXAMPLE.weights])
    net.import_biases([list(b) for b in WORKED_EXAMPLE.biases])
    return net


@pytest.mark.parametrize("update_biases", [False, True])
def test_the_worked_example_gives_the_published_numbers(update_biases):
    """One Step on the preset reproduces Mazur's outputs, total error and all eight new weights
    to 1e-8 (his w1..w4 use the weights from before the step, as the core does); his biases
    stay unchanged unless the learner asks for their update too."""
    net = worked_network()
    inputs, targets = WORKED_EXAMPLE.sample
    r = take_step(net, inputs, targets, update_biases=update_biases)
    tol = 1e-8
    assert r.outputs[1] == pytest.approx([MAZUR["out_h1"], MAZUR["out_h2"]], abs=tol)
    assert r.outputs[2] == pytest.approx([MAZUR["out_o1"], MAZUR["out_o2"]], abs=tol)
    assert r.error == pytest.approx(MAZUR["E_total"], abs=tol)
    # Mazur's w5, w6 go into o1 from h1, h2; w7, w8 into o2; w1, w2 into h1 from i1, i2...
    w = r.weights_after
    assert w[1][0][0] == pytest.approx(MAZUR["w5"], abs=tol)
    assert w[1][1][0] == pytest.approx(MAZUR["w6"], abs=tol)
    assert w[1][0][1] == pytest.approx(MAZUR["w7"], abs=tol)
    assert w[1][1][1] == pytest.approx(MAZUR["w8"], abs=tol)
    assert w[0][0][0] == pytest.approx(MAZUR["w1"], abs=tol)
    assert w[0][1][0] == pytest.approx(MAZUR["w2"], abs=tol)
    assert w[0][0][1] == pytest.approx(MAZUR["w3"], abs=tol)
    assert w[0][1][1] == pytest.approx(MAZUR["w4"], abs=tol)
    assert net.export_weights() == w
    if update_biases:
        assert r.biases_updated
        assert r.biases_after[1][0] == pytest.approx(0.60 + 0.5 * r.deltas[1][0], abs=1e-15)
    else:
        assert not r.biases_updated
        assert r.biases_after == [[0.35, 0.35], [0.60, 0.60]] == net.export_biases()


def _numbers(text: str) -> list[float]:
    return [float(n.replace("−", "-")) for n in re.findall(r"−?\d+\.\d+(?:e[−+]?\d+)?", text)]


@pytest.mark.parametrize("activation", ["linear", "tanh", "sigmoid", "relu"])
def test_the_written_rules_compute_what_the_step_did(activation):
    """Each rule's numbers, put through the rule, give the value the step recorded (to the four
    decimals written): z = Σ a w + b, δ of an output, w = w + lr a δ, b = b + lr δ."""
    net = Network([2, 3, 2], learning_rate=0.1, activation=activation, seed=3)
    r = take_step(net, [0.3, -0.6], [0.3, -0.6])
    z = _numbers(forward_rule(r, 1, 2))  # a1, w1, a2, w2, b, z, [o]
    assert z[0] * z[1] + z[2] * z[3] + z[4] == pytest.approx(z[5], abs=2e-4)
    assert z[5] == pytest.approx(r.sums[0][2], abs=5e-5)
    d = _numbers(backward_rule(r, 2, 1))  # t, o, f'(o), δ
    assert (d[0] - d[1]) * d[2] == pytest.approx(d[3], abs=2e-4)
    w = _numbers(weight_rule(r, 1, 2, 0))  # before, lr, a, δ, after
    assert w[0] + 0.1 * w[2] * w[3] == pytest.approx(w[4], abs=2e-4)
    assert w[4] == pytest.approx(r.weights_after[1][2][0], abs=5e-5)
    assert " 0.1 × " in weight_rule(r, 1, 2, 0)
    b = _numbers(bias_rule(r, 2, 0))  # before, lr, δ, after
    assert b[0] + b[1] * b[2] == pytest.approx(b[3], abs=2e-4)
    assert b[3] == pytest.approx(r.biases_after[1][0], abs=5e-5)


def test_rules_say_when_biases_are_off_or_kept():
    net = Network([2, 2, 2], bias=False, seed=0)
    r = take_step(net, [0.1, 0.2], [0.1, 0.2])
    assert "no bias" in bias_rule(r, 1, 0)
    net = worked_network()
    r = take_step(net, *WORKED_EXAMPLE.sample, update_biases=False)
    assert "not updated" in bias_rule(r, 2, 0)


def test_stages_go_forward_error_backward_update_and_stop():
    assert STAGES == ("forward", "error", "backward", "update")
    seen, stage = [], "off"
    for _ in range(6):
        stage = next_stage(stage)
        seen.append(stage)
    assert seen == ["forward", "error", "backward", "update", "update", "update"]


@pytest.mark.parametrize(
    ("text", "value"), [("0.25", 0.25), (" -3 ", -3.0), ("−0.5", -0.5), ("1e4", 1e4), ("0", 0.0)]
)
def test_parse_parameter_accepts_numbers_within_the_limit(text, value):
    assert parse_parameter(text, "Weight") == value


@pytest.mark.parametrize("text", ["abc", "", "nan", "inf", "-inf", "1e5", "-10000.5", "0,5"])
def test_parse_parameter_names_the_bad_value(text):
    with pytest.raises(SchemaError) as info:
        parse_parameter(text, "Weight")
    assert repr(text.strip()) in str(info.value) and "Weight" in str(info.value)


@pytest.mark.parametrize("activation", ["linear", "relu", "tanh"])
def test_the_output_maps_equal_predict_over_the_grid(activation):
    """layer_outputs' last layer is Network.predict on the same points (a vectorised pass); the
    grid is row-major from the top left corner, cell centres, in network coordinates."""
    net = Network([2, 5, 4, 2], activation=activation, seed=7)
    columns, rows = grid_size(600, 400)
    points = grid(columns, rows, 600, 400, factor=1)
    assert (columns, rows) == (40, 27) and points.shape == (40 * 27, 2)
    assert points[0] == pytest.approx([-1 + 1 / 40, -1 + 1 / 27])  # top left
    assert points[1][1] == points[0][1] and points[columns][0] == points[0][0]  # row-major
    outs = layer_outputs(net, points)
    assert [o.shape[1] for o in outs] == [2, 5, 4, 2]
    assert np.array_equal(outs[-1], net.predict(points))
    half = grid(columns, rows, 600, 400, factor=2)
    assert half == pytest.approx(points / 2)


def test_the_maps_run_the_networks_own_forward_pass(monkeypatch):
    """No third forward pass: layer_outputs is one call of the network's forward pass on the
    whole grid, and returns what that pass returns."""
    net = Network([2, 3, 2], activation="tanh", seed=1)
    points = grid(*grid_size(300, 200), 300, 200)
    calls, forward = [], Network._forward

    def spy(self, x, dropped):
        calls.append((x.shape, dropped))
        return forward(self, x, dropped)

    monkeypatch.setattr(Network, "_forward", spy)
    outs = layer_outputs(net, points)
    assert calls == [(points.shape, None)]
    assert np.array_equal(outs[-1], net.predict(points))
    monkeypatch.setattr(Network, "_forward", lambda self, x, dropped: ([], ["mark"]))
    assert layer_outputs(net, points) == ["mark"]


def test_map_colours_white_at_zero_full_at_the_extremes():
    values = [np.array([[0.0], [2.0], [-1.0], [1.0]])]  # one neuron, four cells
    rgba = colours(values)
    assert rgba.shape == (1, 4, 4) and rgba.dtype == np.uint8
    assert rgba[0, 0, :3].tolist() == [255, 255, 255]
    assert rgba[0, 1, :3].tolist() == [37, 99, 235]  # the largest |value|: full blue
    for cell, full in ((2, (232, 89, 12)), (3, (37, 99, 235))):  # half the largest |value|
        half = np.array([255 + (c - 255) * 0.5 for c in full])
        assert np.abs(rgba[0, cell, :3] - half).max() <= 1.5  # 255 shades: within one
    assert (rgba[..., 3] == 255).all()
    assert colours([np.zeros((3, 1))])[0, :, :3].min() == 255  # a dead neuron is all white


def test_pace_choices_map_onto_the_switches():
    for name, choice in PACES.items():
        s = Settings().replace(**choice.changes)
        assert pace_of(s) == name
        assert choice.hint.endswith(".")
    assert pace_of(Settings()) == "replay"
    assert pace_of(Settings(backprop=False, replay=False)) == "off"


def test_the_worked_example_preset_is_mazurs_network():
    s = WORKED_EXAMPLE.apply(Settings())
    assert s.layers == (2, 2, 2) and s.learning_rate == 0.5
    assert (s.activation, s.output_activation) == ("sigmoid", "sigmoid")
    assert WORKED_EXAMPLE.sample == ((0.05, 0.10), (0.01, 0.99))
    assert not WORKED_EXAMPLE.update_biases
    assert math.isclose(sum(sum(r) for w in WORKED_EXAMPLE.weights for r in w), 2.8)


@pytest.mark.parametrize("activation", ["linear", "tanh"])
@pytest.mark.parametrize("bias", [True, False])
def test_a_recorded_step_equals_numpy_from_the_export(activation, bias):
    """sums, outputs, deltas, error and the new weights and biases of take_step equal one SGD
    step written out here with numpy from the model's export before the step (1e-12)."""
    net = Network([2, 4, 3, 2], learning_rate=0.05, activation=activation, bias=bias, seed=11)
    model = net.export()
    x = np.array([0.4, -0.7])
    r = take_step(net, x, x)
    f = np.tanh if activation == "tanh" else (lambda z: z)
    ws = [np.array(w) for w in model["weights"]]
    bs = [np.array(b) for b in model["biases"]]
    outs, sums = [x], []
    for k, (w, b) in enumerate(zip(ws, bs, strict=True)):
        sums.append(outs[-1] @ w + b)
        outs.append(sums[-1] if k == len(ws) - 1 else f(sums[-1]))
    slope = (lambda o: 1 - o * o) if activation == "tanh" else (lambda o: np.ones_like(o))
    deltas = [x - outs[-1]]
    for k in range(len(ws) - 1, 0, -1):
        deltas.insert(0, (ws[k] @ deltas[0]) * slope(outs[k]))
    tol = dict(rel=0, abs=1e-12)
    for got, want in zip(r.sums, sums, strict=True):
        assert got == pytest.approx(want.tolist(), **tol)
    for got, want in zip(r.outputs, outs, strict=True):
        assert got == pytest.approx(want.tolist(), **tol)
    for got, want in zip(r.deltas, deltas, strict=True):
        assert got == pytest.approx(want.tolist(), **tol)
    assert r.error == pytest.approx(0.5 * float(np.sum((x - outs[-1]) ** 2)), **tol)
    for k, (w, a, d) in enumerate(zip(ws, outs, deltas, strict=False)):
        want = w + 0.05 * np.outer(a, d)
        assert np.allclose(r.weights_after[k], want, rtol=0, atol=1e-12)
        want_b = bs[k] + 0.05 * d if bias else bs[k]
        assert np.allclose(r.biases_after[k], want_b, rtol=0, atol=1e-12)
    assert r.weights_before == model["weights"] and r.biases_before == model["biases"]
    assert r.biases_updated is bias
