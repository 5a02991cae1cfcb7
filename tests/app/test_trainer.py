"""The page's live trainer (nnpage/trainer.py) under CPython: moves and replay run the engine, and
each equals the readable step; a divergence in replay keeps the last good
weights and reports once."""

from __future__ import annotations

import random
import time

import numpy as np
import pytest

from nn import Network
from nnpage.trainer import REPLAY_CHUNK, Trainer


def _trainer(**settings) -> tuple[Trainer, list[str]]:
    alerts: list[str] = []
    net = Network([2, 6, 6, 2], learning_rate=0.01, seed=0, **settings)
    trainer = Trainer(net, on_divergence=alerts.append)
    trainer.set_canvas(600.0, 400.0, 1)
    return trainer, alerts


def _moves(trainer: Trainer, count: int) -> None:
    rng = np.random.default_rng(1)
    for px, py in rng.uniform(0, 1, (count, 2)) * (600.0, 400.0):
        trainer.move(float(px), float(py))


MOVE_SETTINGS = [
    {},
    {"activation": "tanh", "dropout": 0.2},
    {"activation": "relu", "bias": False, "optimizer": "adam"},
    {"activation": "sigmoid", "output_activation": "tanh", "optimizer": "momentum"},
]


@pytest.mark.parametrize("settings", MOVE_SETTINGS)
def test_each_move_is_the_readable_step_and_the_view_shows_it(settings: dict) -> None:
    """A move runs on the engine; over 60 moves its weights stay within 1e-12 of a twin that runs
    Network.feed + backpropagate on the same normalised positions (same dropout draws), and
    sync_view puts that step's outputs and deltas where the network view reads them."""
    trainer, alerts = _trainer(**settings)
    twin = Network([2, 6, 6, 2], learning_rate=0.01, seed=0, **settings)
    twin.rng.bit_generator.state = trainer.net.rng.bit_generator.state  # (the first draw's feed)
    rng = np.random.default_rng(2)
    for px, py in rng.uniform(0, 1, (60, 2)) * (600.0, 400.0):
        trainer.move(float(px), float(py))
        x = np.array([px / 300.0 - 1.0, py / 200.0 - 1.0])  # [-1, 1] across the 600 x 400 canvas
        out = twin.feed(x)
        error = twin.backpropagate(x)
        np.testing.assert_allclose(trainer.circle_px(), ((out + 1.0) * (300.0, 200.0)), atol=1e-9)
        assert trainer.error == pytest.approx(error, rel=1e-12, abs=1e-15)
    assert np.abs(trainer.net._flat - twin._flat).max() <= 1e-12
    assert trainer.iterations == trainer.net.iterations == twin.iterations == 60
    trainer.sync_view()
    for shown, readable in zip(trainer.net.outputs, twin.outputs, strict=True):
        np.testing.assert_allclose(shown, readable, rtol=0, atol=1e-12)
    for shown, readable in zip(trainer.net.deltas, twin.deltas, strict=True):
        np.testing.assert_allclose(shown, readable, rtol=0, atol=1e-12)
    assert not alerts


def test_a_move_while_not_learning_only_feeds() -> None:
    trainer, _ = _trainer()
    before = trainer.net._flat.copy()
    trainer.backprop = False
    trainer.move(450.0, 100.0)
    np.testing.assert_array_equal(trainer.net.outputs[0], [0.5, -0.5])
    np.testing.assert_array_equal(trainer.net._flat, before)
    assert trainer.iterations == 0


def test_a_move_past_the_guard_keeps_the_weights_and_alerts_once() -> None:
    trainer, alerts = _trainer()
    _moves(trainer, 5)
    trainer.net.learning_rate = 1e9  # the next step's weights pass the weight limit
    before = trainer.net._flat.copy()
    _moves(trainer, 3)
    np.testing.assert_array_equal(trainer.net._flat, before)
    assert trainer.diverged and len(alerts) == 1 and "learning rate 1e+09" in alerts[0]
    assert trainer.iterations == 5


@pytest.mark.parametrize("settings", [{}, {"activation": "tanh", "dropout": 0.2}])
def test_replay_is_the_readable_step_on_the_positions_it_picks(settings: dict) -> None:
    """Replay's engine steps equal feed + backpropagate on the same picks (same random draws),
    to 1e-12."""
    trainer, _ = _trainer(**settings)
    _moves(trainer, 50)
    twin = Network.from_export(trainer.net.export(), rng=np.random.default_rng(0))
    twin.rng.bit_generator.state = trainer.net.rng.bit_generator.state
    recent = trainer.recent_positions()
    picks = random.Random()
    picks.setstate(trainer._rng.getstate())
    steps = trainer.replay(0.002)
    assert steps >= REPLAY_CHUNK and steps % REPLAY_CHUNK == 0
    for _ in range(steps):
        x = np.array(recent[picks.randrange(len(recent))])
        twin.feed(x)
        twin.backpropagate(x)
    assert np.abs(trainer.net._flat - twin._flat).max() <= 1e-12
    assert trainer.iterations == 50 + steps == trainer.net.iterations


def test_replay_rests_without_moves_and_when_not_learning() -> None:
    trainer, _ = _trainer()
    assert trainer.replay(0.002) == 0  # nothing to replay yet
    _moves(trainer, 10)
    trainer.paused = True
    assert trainer.replay(0.002) == 0
    trainer.paused = False
    trainer._last_move = time.perf_counter() - 60.0  # a minute since the last move
    assert trainer.replay(0.002) == 0


def test_a_divergence_in_replay_keeps_the_last_good_weights_and_alerts_once() -> None:
    trainer, alerts = _trainer()
    _moves(trainer, 20)
    trainer.net.learning_rate = 5.0  # far too high: the first replayed steps blow up
    trainer.replay(0.002)
    assert trainer.replay(0.002) == 0  # a diverged trainer stops learning
    assert trainer.diverged and len(alerts) == 1 and "learning rate 5" in alerts[0]
    flat = trainer.net._flat
    assert np.isfinite(flat).all() and np.abs(flat).max() <= 1e4
