"""Backpropagation computes the true gradient: checked against central finite differences.

The change SGD makes is ``learning_rate * (-dE/dparams)``, so ``(after - before) / lr`` must equal
minus the numerical gradient of ``E = 1/2 * sum((t - out)**2)`` (mean over a batch).
"""

from __future__ import annotations

import numpy as np
import pytest

from nn import ACTIVATIONS, Network, train

LR = 0.01
H = 1e-6


def numerical_gradient(net: Network, inputs: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """Central differences of the mean error over the samples, one flat parameter at a time."""
    flat = net._flat
    grad = np.zeros_like(flat)
    for i in range(flat.size):
        saved = flat[i]
        flat[i] = saved + H
        up = net.evaluate(inputs, targets)
        flat[i] = saved - H
        down = net.evaluate(inputs, targets)
        flat[i] = saved
        grad[i] = (up - down) / (2 * H)
    return grad


def small_problem(seed: int, n: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.uniform(-1, 1, (n, 3)), rng.uniform(-1, 1, (n, 2))


@pytest.mark.parametrize("activation", list(ACTIVATIONS))
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_per_sample_gradient_matches_finite_differences(activation: str, seed: int) -> None:
    inputs, targets = small_problem(seed, 1)
    net = Network([3, 5, 4, 2], learning_rate=LR, activation=activation, seed=seed)
    expected = -numerical_gradient(net, inputs, targets)
    before = net._flat.copy()
    net.feed(inputs[0])
    net.backpropagate(targets[0])
    np.testing.assert_allclose((net._flat - before) / LR, expected, rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("activation", list(ACTIVATIONS))
@pytest.mark.parametrize("batch", [1, 7])
def test_batch_gradient_matches_finite_differences(activation: str, batch: int) -> None:
    """One batch step of train() moves along the mean gradient of the batch."""
    inputs, targets = small_problem(10 + batch, batch)
    net = Network([3, 5, 4, 2], learning_rate=LR, activation=activation, seed=batch)
    expected = -numerical_gradient(net, inputs, targets)
    before = net._flat.copy()
    train(net, inputs, targets, epochs=1, batch_size=batch, shuffle=False)
    np.testing.assert_allclose((net._flat - before) / LR, expected, rtol=1e-5, atol=1e-7)


def test_without_bias_biases_stay_zero_and_weights_follow_the_gradient() -> None:
    inputs, targets = small_problem(3, 4)
    net = Network([3, 5, 2], learning_rate=LR, activation="tanh", bias=False, seed=3)
    expected = -numerical_gradient(net, inputs, targets)
    before = net._flat.copy()
    train(net, inputs, targets, epochs=1, batch_size=4, shuffle=False)
    # Layout of the flat vector: per layer, (n_in + 1, n_out) = weights then one row of biases.
    is_weight = (
        np.concatenate([np.r_[np.ones(3 * 5), np.zeros(5)], np.r_[np.ones(5 * 2), np.zeros(2)]])
        == 1
    )
    change = (net._flat - before) / LR
    np.testing.assert_allclose(change[is_weight], expected[is_weight], rtol=1e-5, atol=1e-7)
    assert all(not b.any() for b in net.biases)
    net.feed(inputs[0])
    net.backpropagate(targets[0])
    assert all(not b.any() for b in net.biases)


def test_dropped_neurons_take_no_part() -> None:
    """A dropped neuron outputs 0, gets delta 0, and its incoming and outgoing weights and its
    bias do not change in that step."""
    net = Network([2, 8, 8, 2], learning_rate=0.1, activation="tanh", seed=4, dropout=0.5)
    before_w = [w.copy() for w in net.weights]
    before_b = [b.copy() for b in net.biases]
    net.feed([0.3, -0.6])
    net.backpropagate([0.3, -0.6])
    assert any(mask.any() for mask in net.dropped[1:-1])
    assert not net.dropped[0].any() and not net.dropped[-1].any()
    for layer in (1, 2):
        gone = net.dropped[layer]
        assert not net.outputs[layer][gone].any()
        assert not net.deltas[layer - 1][gone].any()
        np.testing.assert_array_equal(
            net.weights[layer - 1][:, gone], before_w[layer - 1][:, gone]
        )  # incoming
        np.testing.assert_array_equal(net.biases[layer - 1][gone], before_b[layer - 1][gone])
        np.testing.assert_array_equal(net.weights[layer][gone, :], before_w[layer][gone, :])
    net.dropout = 0.0
    net.feed([0.3, -0.6])
    assert not any(mask.any() for mask in net.dropped)
