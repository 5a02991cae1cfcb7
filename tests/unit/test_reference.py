"""The network computes exactly the original algorithm: compared with a plain reference loop.

The reference below is written neuron by neuron with Python floats, the way the original
JavaScript does it, sharing no code with nn. The fast training engine is then compared with
the readable ``feed``/``backpropagate``.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from nn import Network, random_dataset, train

SLOPES = {
    "linear": (lambda z: z, lambda y: 1.0),
    "tanh": (math.tanh, lambda y: 1.0 - y * y),
    "sigmoid": (lambda z: 1.0 / (1.0 + math.exp(-z)), lambda y: y * (1.0 - y)),
    "relu": (lambda z: max(z, 0.0), lambda y: 1.0 if y > 0 else 0.0),
    "leaky_relu": (lambda z: z if z > 0 else 0.01 * z, lambda y: 1.0 if y > 0 else 0.01),
}


def reference_step(weights, biases, x, t, lr, activation, bias=True):
    """One feed + backpropagate of the original algorithm, in place on nested lists."""
    f, f_prime = SLOPES[activation]
    n_layers = len(weights)
    outputs = [list(x)]
    for k in range(n_layers):
        prev = outputs[-1]
        sums = [
            sum(prev[i] * weights[k][i][j] for i in range(len(prev))) + biases[k][j]
            for j in range(len(biases[k]))
        ]
        outputs.append(sums if k == n_layers - 1 else [f(s) for s in sums])
    error = 0.5 * sum((t[j] - outputs[-1][j]) ** 2 for j in range(len(t)))
    deltas = [None] * n_layers
    deltas[-1] = [t[j] - outputs[-1][j] for j in range(len(t))]
    for k in range(n_layers - 1, 0, -1):  # hidden layer k, using weights before the update
        deltas[k - 1] = [
            sum(weights[k][i][j] * deltas[k][j] for j in range(len(deltas[k])))
            * f_prime(outputs[k][i])
            for i in range(len(outputs[k]))
        ]
    for k in range(n_layers):
        for j, d in enumerate(deltas[k]):
            if bias:
                biases[k][j] += lr * d
            for i, a in enumerate(outputs[k]):
                weights[k][i][j] += lr * a * d
    return outputs[-1], error


@pytest.mark.parametrize("activation", list(SLOPES))
@pytest.mark.parametrize("bias", [True, False])
def test_per_sample_steps_match_reference_over_100_steps(activation: str, bias: bool) -> None:
    """feed + backpropagate reproduce the reference's outputs, errors and weights to 1e-12."""
    net = Network([2, 6, 6, 6, 2], learning_rate=0.01, activation=activation, bias=bias, seed=3)
    weights, biases = net.export_weights(), net.export_biases()
    inputs, targets = random_dataset(100, seed=4)
    for x, t in zip(inputs, targets, strict=True):
        ref_out, ref_error = reference_step(weights, biases, x, t, 0.01, activation, bias)
        out = net.feed(x)
        error = net.backpropagate(t)
        np.testing.assert_allclose(out, ref_out, rtol=0, atol=1e-12)
        assert error == pytest.approx(ref_error, abs=1e-12)
        assert net.output_error == error
    for mine, ref in zip(net.export_weights(), weights, strict=True):
        np.testing.assert_allclose(mine, ref, rtol=0, atol=1e-12)
    for mine, ref in zip(net.export_biases(), biases, strict=True):
        np.testing.assert_allclose(mine, ref, rtol=0, atol=1e-12)
    assert net.iterations == 100


@pytest.mark.parametrize("activation", list(SLOPES))
@pytest.mark.parametrize("layers", [[2, 6, 6, 6, 2], [2, 2], [3, 5, 1]])
def test_train_batch_1_equals_feed_backpropagate(activation: str, layers: list[int]) -> None:
    """train(batch_size=1) is per-sample SGD: the fast engine gives the readable path's weights."""
    rng = np.random.default_rng(5)
    inputs = rng.uniform(-1, 1, (150, layers[0]))
    targets = rng.uniform(-1, 1, (150, layers[-1]))
    fast = Network(layers, learning_rate=0.01, activation=activation, seed=1)
    slow = Network(layers, learning_rate=0.01, activation=activation, seed=1)
    summary = train(fast, inputs, targets, epochs=2, batch_size=1, shuffle=False)
    errors = []
    for _ in range(2):
        for x, t in zip(inputs, targets, strict=True):
            slow.feed(x)
            errors.append(slow.backpropagate(t))
    np.testing.assert_allclose(fast._flat, slow._flat, rtol=0, atol=1e-12)
    assert summary.final_error == pytest.approx(np.mean(errors[150:]), abs=1e-12)
    assert summary.global_mean == pytest.approx(np.mean(errors), abs=1e-12)
    assert fast.iterations == slow.iterations == 300


def test_dropout_engine_equals_readable_path() -> None:
    """With dropout, the engine draws the same masks from the generator as feed() does."""
    inputs, targets = random_dataset(200, seed=6)
    fast = Network([2, 6, 6, 2], learning_rate=0.01, activation="tanh", seed=2, dropout=0.3)
    slow = Network([2, 6, 6, 2], learning_rate=0.01, activation="tanh", seed=2, dropout=0.3)
    train(fast, inputs, targets, epochs=1, batch_size=1, shuffle=False)
    dropped = 0
    for x, t in zip(inputs, targets, strict=True):
        slow.feed(x)
        dropped += sum(int(mask.sum()) for mask in slow.dropped)
        slow.backpropagate(t)
    np.testing.assert_allclose(fast._flat, slow._flat, rtol=0, atol=1e-12)
    assert fast.rng.bit_generator.state == slow.rng.bit_generator.state
    assert 0.2 < dropped / (200 * 12) < 0.4  # about 30% of the hidden neurons sat out


def reference_batch_step(weights, biases, xs, ts, lr, activation):
    """Mean of the per-sample reference gradients over a batch, applied once."""
    grads_w = [[[0.0] * len(row) for row in w] for w in weights]
    grads_b = [[0.0] * len(b) for b in biases]
    for x, t in zip(xs, ts, strict=True):
        w_copy = [[row[:] for row in w] for w in weights]
        b_copy = [b[:] for b in biases]
        reference_step(w_copy, b_copy, x, t, 1.0, activation)  # lr 1: the change is the grad
        for k in range(len(weights)):
            for i, row in enumerate(weights[k]):
                for j, w in enumerate(row):
                    grads_w[k][i][j] += (w_copy[k][i][j] - w) / len(xs)
            for j, b in enumerate(biases[k]):
                grads_b[k][j] += (b_copy[k][j] - b) / len(xs)
    for k in range(len(weights)):
        for i, row in enumerate(weights[k]):
            for j in range(len(row)):
                row[j] += lr * grads_w[k][i][j]
        for j in range(len(biases[k])):
            biases[k][j] += lr * grads_b[k][j]


@pytest.mark.parametrize("activation", ["linear", "tanh"])
def test_batch_training_matches_mean_gradient_reference(activation: str) -> None:
    """A batch step applies the mean of its samples' gradients (last batch smaller)."""
    inputs, targets = random_dataset(20, seed=7)
    net = Network([2, 4, 3, 2], learning_rate=0.05, activation=activation, seed=8)
    weights, biases = net.export_weights(), net.export_biases()
    train(net, inputs, targets, epochs=1, batch_size=8, shuffle=False)
    for start in range(0, 20, 8):
        reference_batch_step(
            weights,
            biases,
            inputs[start : start + 8].tolist(),
            targets[start : start + 8].tolist(),
            0.05,
            activation,
        )
    for mine, ref in zip(net.export_weights(), weights, strict=True):
        np.testing.assert_allclose(mine, ref, rtol=0, atol=1e-10)
    for mine, ref in zip(net.export_biases(), biases, strict=True):
        np.testing.assert_allclose(mine, ref, rtol=0, atol=1e-10)
    assert net.iterations == 3
