"""The strongest-path search (nnpage/paths.py) against brute force over every path."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from nnpage.paths import strongest_paths


def brute_force(weights: list[np.ndarray]) -> dict[tuple[int, int], float]:
    """Largest |product| over every chain input -> one neuron per hidden layer -> output."""
    sizes = [weights[0].shape[0]] + [w.shape[1] for w in weights]
    best: dict[tuple[int, int], float] = {}
    for chain in itertools.product(*(range(n) for n in sizes)):
        product = math.prod(
            abs(w[a, b]) for w, a, b in zip(weights, chain, chain[1:], strict=False)
        )
        key = (chain[0], chain[-1])
        best[key] = max(best.get(key, 0.0), product)
    return best


@given(
    sizes=st.lists(st.integers(1, 4), min_size=2, max_size=5),
    seed=st.integers(0, 2**32 - 1),
    zeros=st.booleans(),
)
def test_strongest_paths_match_brute_force(sizes: list[int], seed: int, zeros: bool) -> None:
    rng = np.random.default_rng(seed)
    weights = [rng.uniform(-2, 2, (a, b)) for a, b in itertools.pairwise(sizes)]
    if zeros:  # zero weights make -inf logs: a path through one must never win over a real one
        for w in weights:
            w[rng.random(w.shape) < 0.3] = 0.0
    expected = brute_force(weights)
    paths = strongest_paths(weights)
    assert [(p.input, p.output) for p in paths] == sorted(expected)
    for p in paths:
        assert p.neurons[0] == p.input and p.neurons[-1] == p.output
        assert len(p.neurons) == len(sizes)
        chain = [float(w[a, b]) for w, a, b in zip(weights, p.neurons, p.neurons[1:], strict=False)]
        assert p.weights == tuple(chain)
        assert p.product == pytest.approx(math.prod(chain), rel=1e-12)
        assert abs(p.product) == pytest.approx(expected[(p.input, p.output)], rel=1e-9)


def test_the_articles_example_path() -> None:
    """The article's traced path 0.4 x 0.9165 x 1.1456, which is 0.42 (the article wrote ~0.41),
    found among weaker alternatives."""
    weights = [
        np.array([[0.4, 0.1], [0.2, 0.3]]),
        np.array([[0.9165, 0.2], [0.1, 0.5]]),
        np.array([[1.1456, 0.3], [0.9, 0.1]]),
    ]
    path = strongest_paths(weights)[0]
    assert (path.input, path.output, path.neurons) == (0, 0, (0, 0, 0, 0))
    assert round(path.product, 2) == 0.42
