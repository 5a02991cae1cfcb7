"""The divergence guard: an exploding step is rejected and the last good weights are kept."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from nn import (
    ACTIVATIONS,
    OPTIMIZERS,
    WEIGHT_LIMIT,
    DivergenceError,
    Network,
    SchemaError,
    random_dataset,
    train,
)
from nn.guard import INPUT_LIMIT

from .helpers import PROPERTY, assert_same_state, state_of

DEEP = [2, 6, 6, 6, 6, 6, 6, 6, 2]


def test_per_sample_learning_rate_1_on_the_deep_net_trips_the_guard() -> None:
    net = Network(DEEP, learning_rate=1.0, seed=0)
    inputs, targets = random_dataset(200, seed=0)
    with pytest.raises(DivergenceError) as caught:
        for x, t in zip(inputs, targets, strict=True):
            net.feed(x)
            before = state_of(net)
            net.backpropagate(t)
    error = caught.value
    assert error.learning_rate == 1.0
    assert "learning rate 1" in str(error) and "lower learning rate" in str(error)
    assert isinstance(error, ValueError)
    assert_same_state(before, state_of(net))  # the rejected step changed nothing
    assert np.isfinite(net._flat).all() and np.abs(net._flat).max() <= WEIGHT_LIMIT


@pytest.mark.parametrize("batch_size", [1, 32])
def test_train_with_learning_rate_1_trips_the_guard_and_keeps_good_weights(batch_size) -> None:
    net = Network(DEEP, learning_rate=1.0, seed=0)
    inputs, targets = random_dataset(1000, seed=0)
    with pytest.raises(DivergenceError) as caught:
        train(net, inputs, targets, epochs=5, batch_size=batch_size)
    summary = caught.value.summary
    assert summary.diverged and summary.epochs_done == 0
    assert caught.value.learning_rate == 1.0
    assert np.isfinite(net._flat).all() and np.abs(net._flat).max() <= WEIGHT_LIMIT


def test_train_stops_exactly_before_the_bad_step() -> None:
    """After the guard trips in train(), the network is the readable loop's network after the
    same number of steps, and the very next step is the one the guard rejects."""
    inputs, targets = random_dataset(1000, seed=1)
    fast = Network(DEEP, learning_rate=0.05, seed=2)
    with pytest.raises(DivergenceError):
        train(fast, inputs, targets, epochs=3, batch_size=1, shuffle=False)
    steps = fast.iterations
    assert 0 < steps < 3000
    slow = Network(DEEP, learning_rate=0.05, seed=2)
    for i in range(steps):
        slow.feed(inputs[i % 1000])
        slow.backpropagate(targets[i % 1000])
    np.testing.assert_allclose(fast._flat, slow._flat, rtol=1e-9, atol=1e-9)
    fast.feed(inputs[steps % 1000])
    with pytest.raises(DivergenceError):
        fast.backpropagate(targets[steps % 1000])


def test_a_healthy_learning_rate_never_trips_the_guard() -> None:
    inputs, targets = random_dataset(1000, seed=3)
    net = Network(DEEP, learning_rate=0.0003, seed=0)
    summary = train(net, inputs, targets, epochs=3)
    assert not summary.diverged and summary.final_error < 0.05


@PROPERTY
@given(
    layers=st.lists(st.integers(1, 7), min_size=2, max_size=7),
    activation=st.sampled_from(list(ACTIVATIONS)),
    optimizer=st.sampled_from(list(OPTIMIZERS)),
    rate=st.floats(1e-6, 1e3),
    scale=st.sampled_from([1e-3, 1.0, INPUT_LIMIT, 1e200]),
    seed=st.integers(0, 1000),
)
def test_steps_never_warn_even_at_the_limits(layers, activation, optimizer, rate, scale, seed):
    """With weights at +-WEIGHT_LIMIT and samples up to (and past) INPUT_LIMIT, feed and
    backpropagate succeed or raise the documented errors; numpy never warns (-W error would turn
    a warning into a failure here), whether or not the network skips np.errstate."""
    rng = np.random.default_rng(seed)
    net = Network(layers, rate, activation, seed=seed, optimizer=optimizer)
    net.import_weights([rng.choice([-WEIGHT_LIMIT, WEIGHT_LIMIT], w.shape) for w in net.weights])
    net.import_biases([rng.uniform(-WEIGHT_LIMIT, WEIGHT_LIMIT, b.shape) for b in net.biases])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for _ in range(3):
            x = rng.uniform(-scale, scale, layers[0])
            try:
                out = net.feed(x)
                target = np.clip(out + rng.normal(0, 1, out.shape), -INPUT_LIMIT, INPUT_LIMIT)
                net.backpropagate(target)
            except (SchemaError, DivergenceError):
                pass
    assert np.isfinite(net._flat).all() and np.abs(net._flat).max() <= WEIGHT_LIMIT
