"""Each activation's derivative, written in terms of its output, is the slope of the function."""

from __future__ import annotations

import numpy as np
import pytest

from nn import ACTIVATIONS


@pytest.mark.parametrize("name", list(ACTIVATIONS))
def test_derivative_of_the_output_is_the_slope(name: str) -> None:
    act = ACTIVATIONS[name]
    z = np.linspace(-4, 4, 81) + 0.013  # avoid the kink of relu at exactly 0
    h = 1e-6
    numeric = (act.function(z + h) - act.function(z - h)) / (2 * h)
    np.testing.assert_allclose(act.derivative(act.function(z)), numeric, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("name", list(ACTIVATIONS))
def test_out_variants_equal_the_plain_calls_and_write_in_place(name: str) -> None:
    act = ACTIVATIONS[name]
    z = np.random.default_rng(0).normal(0, 3, (4, 5))
    y = act.function(z)
    buffer = z.copy()
    assert act.function(buffer, out=buffer) is buffer
    np.testing.assert_array_equal(buffer, y)
    slope = np.empty_like(y)
    assert act.derivative(y, out=slope) is slope
    np.testing.assert_array_equal(slope, act.derivative(y))
    assert act.name == name


def test_sigmoid_does_not_overflow_for_large_inputs() -> None:
    y = ACTIVATIONS["sigmoid"].function(np.array([-1e4, 0.0, 1e4]))  # -W error would catch it
    assert y.tolist() == [0.0, 0.5, 1.0]


def test_only_linear_is_marked_identity() -> None:
    assert [name for name, act in ACTIVATIONS.items() if act.is_identity] == ["linear"]
