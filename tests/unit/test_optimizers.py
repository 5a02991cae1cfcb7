"""Optimizers follow their textbook update rules, and their state is plain, resettable data."""

from __future__ import annotations

import math

import numpy as np
import pytest

from nn import OPTIMIZERS, SchemaError
from nn.optimizers import Optimizer


def run(name: str, grads: list[np.ndarray], lr: float, **options: float) -> np.ndarray:
    opt = Optimizer(name, size=3, options=options)
    params = np.zeros(3)
    for g in grads:
        opt.step(params, g.copy(), lr)
    return params


GRADS = [np.array([1.0, -2.0, 0.5]), np.array([0.5, 1.0, -1.0]), np.array([-0.25, 0.0, 2.0])]


def test_sgd() -> None:
    np.testing.assert_allclose(run("sgd", GRADS, 0.1), 0.1 * sum(GRADS))


def test_momentum_and_nesterov() -> None:
    v = np.zeros(3)
    p_m = np.zeros(3)
    p_n = np.zeros(3)
    for g in GRADS:
        v = 0.9 * v + 0.1 * g
        p_m += v
        p_n += 0.9 * v + 0.1 * g
    np.testing.assert_allclose(run("momentum", GRADS, 0.1), p_m)
    np.testing.assert_allclose(run("nesterov", GRADS, 0.1), p_n)


def test_adam_matches_the_paper() -> None:
    b1, b2, eps, lr = 0.9, 0.999, 1e-8, 0.01
    m = np.zeros(3)
    v = np.zeros(3)
    p = np.zeros(3)
    for t, g in enumerate(GRADS, start=1):
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        m_hat, v_hat = m / (1 - b1**t), v / (1 - b2**t)
        p += lr * m_hat / (np.sqrt(v_hat) + eps)
    np.testing.assert_allclose(run("adam", GRADS, lr), p, rtol=1e-6)


def test_state_is_plain_resettable_and_restorable() -> None:
    opt = Optimizer("adam", size=3)
    params = np.zeros(3)
    opt.step(params, GRADS[0].copy(), 0.1)
    saved = opt.snapshot()
    opt.step(params, GRADS[1].copy(), 0.1)
    opt.restore(saved)
    assert opt.t == 1 and np.allclose(opt.state["m"], (1 - 0.9) * GRADS[0])
    opt.reset()
    assert opt.t == 0 and not opt.state["m"].any() and not opt.state["v"].any()
    assert set(OPTIMIZERS) == {"sgd", "momentum", "nesterov", "adam"}


@pytest.mark.parametrize(
    ("name", "options", "fragment"),
    [
        ("rmsprop", {}, "got 'rmsprop'"),
        ("momentum", {"momentum": 1.0}, "momentum must be a number in [0.0, 1.0), got 1.0"),
        ("adam", {"epsilon": 0}, "got 0"),
        ("adam", {"beta1": math.nan}, "got nan"),
        ("adam", {"beta1": True}, "got True"),
        ("sgd", {"momentum": 0.5}, "not an option of 'sgd'"),
        ("adam", [], "optimizer_options must be a dict"),
    ],
)
def test_bad_options_are_named(name: str, options, fragment: str) -> None:
    with pytest.raises(SchemaError) as caught:
        Optimizer(name, size=3, options=options)
    assert fragment in str(caught.value)
