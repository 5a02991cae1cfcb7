"""Trajectories: generated curves, what the network sees of them, and the moves.csv format."""

from __future__ import annotations

import numpy as np
import pytest

from nn import SchemaError
from nn.recurrent_schema import check_train_recurrent
from nn.schema import decode, encode, train_recurrent_message
from nn.trajectories import (
    GENERATORS,
    circle,
    dump_moves,
    features,
    generate,
    parse_moves,
    resample,
    sequences,
    strokes_to_sequences,
)
from nn.trajectories import (
    encode as encode_path,
)


def test_inputs_are_positions_in_minus_one_one_and_displacements_in_hundredths() -> None:
    path = np.array([[0.5, 0.5], [0.51, 0.5], [0.53, 0.49], [0.56, 0.47]])
    inputs, targets = encode_path(path)
    assert inputs.shape == (2, 4) and targets.shape == (2, 2)
    assert np.allclose(inputs[0], [0.02, 0.0, 1.0, 0.0])  # x = 2 * 0.51 - 1; dx = 100 * 0.01
    assert np.allclose(targets[0], [2.0, -1.0])  # the next displacement
    assert np.allclose(inputs[1], features(path[2], path[1]))


def test_a_circle_is_a_circle() -> None:
    path = circle(121, period_s=2.0, radius=0.25, centre=(0.4, 0.6), seed=1)
    assert np.allclose(np.hypot(path[:, 0] - 0.4, path[:, 1] - 0.6), 0.25)
    assert np.allclose(path[0], path[120])  # 120 samples at 60 Hz: one period


@pytest.mark.parametrize("kind", GENERATORS)
def test_generated_strokes_stay_in_the_canvas_and_make_sequences(kind) -> None:
    strokes = generate(kind, 4, 200, seed=3)
    assert len(strokes) == 4
    for stroke in strokes:
        assert stroke.shape == (200, 2)
        assert stroke.min() >= 0.0 and stroke.max() <= 1.0
    x, t = strokes_to_sequences(strokes, 32, 16)
    assert x.shape[1:] == (32, 4) and t.shape[1:] == (32, 2) and len(x) == len(t) == 4 * 11


def test_sequences_are_windows_of_the_encoded_path() -> None:
    path = circle(50, seed=0)
    x, t = sequences(path, 10, 5)
    inputs, targets = encode_path(path)
    assert len(x) == 8
    assert np.array_equal(x[3], inputs[15:25]) and np.array_equal(t[3], targets[15:25])
    with pytest.raises(SchemaError, match="too short"):
        sequences(path[:10], 10, 5)
    with pytest.raises(SchemaError, match="long enough"):
        strokes_to_sequences([path[:10]], 10, 5)


def test_moves_round_trip_and_split_into_strokes_at_pauses() -> None:
    times = np.array([0.0, 16.0, 33.0, 50.0, 1000.0, 1016.0])
    points = np.array([[0.1, 0.2], [0.2, 0.2], [0.3, 0.25], [0.4, 0.3], [0.9, 0.9], [0.8, 0.8]])
    strokes = parse_moves(dump_moves(times, points))
    assert [len(t) for t, _ in strokes] == [4, 2]
    assert np.allclose(strokes[0][1], points[:4]) and np.allclose(strokes[1][0], times[4:])


def test_resample_interpolates_onto_the_fixed_rate() -> None:
    path = resample([0.0, 100.0], [[0.0, 0.0], [1.0, 0.5]], hz=50)
    assert np.allclose(path, [[0, 0], [0.2, 0.1], [0.4, 0.2], [0.6, 0.3], [0.8, 0.4], [1, 0.5]])


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("x,y\n1,2\n", "header time_ms,x,y"),
        ("time_ms,x,y\n", "no events"),
        ("time_ms,x,y\n0,0.1\n", "line 2: expected 3 values"),
        ("time_ms,x,y\n0,0.1,nan\n", "line 2, column y"),
        ("time_ms,x,y\n10,0.1,0.1\n5,0.1,0.1\n", "line 3: time_ms goes backwards"),
        ("", "empty"),
    ],
)
def test_bad_moves_files_are_refused_naming_the_line(text, message) -> None:
    with pytest.raises(SchemaError, match=message):
        parse_moves(text)


def test_train_recurrent_messages_are_checked() -> None:
    from nn import RecurrentNetwork

    net = RecurrentNetwork([4, 5, 2], seed=0)
    x, t = strokes_to_sequences(generate("circles", 2, 80, seed=0), 16, 8)
    message = decode(encode(train_recurrent_message(3, net.export(), x, t, 2)))
    assert message["dataset"]["inputs"].shape == x.shape
    plain = train_recurrent_message(3, net.export(), x, t, 2)
    with pytest.raises(SchemaError, match="inputs"):
        check_train_recurrent({**plain, "dataset": {"inputs": [[[1.0]]], "targets": [[[1.0]]]}})
    with pytest.raises(SchemaError, match="kind must be 'recurrent'"):
        check_train_recurrent({**plain, "model": {**plain["model"], "kind": "feedforward"}})


def test_roll_is_stepping_with_the_networks_own_predictions() -> None:
    from nn import RecurrentNetwork
    from nn.trajectories import roll

    net = RecurrentNetwork([4, 6, 2], seed=2)
    path = circle(10, seed=0)
    for p, q in zip(path[1:], path[:-1], strict=True):
        y = net.feed(features(p, q))
    state, before = net.state.copy(), net.export()
    here, previous, out, h = path[-1], path[-2], y, net.state
    for _ in range(7):  # the naive loop: 8 steps ahead
        previous, here = here, here + out / 100.0
        out, h = net.step(features(here, previous), h)
    expected = here + out / 100.0
    assert np.max(np.abs(roll(net, state, path[-1], path[-2], y, 8) - expected)) < 1e-12
    assert np.array_equal(net.state, state) and net.export() == before
    assert np.array_equal(roll(net, state, path[-1], path[-2], y, 0), path[-1])
