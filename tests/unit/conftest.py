"""Shared fixtures for the CPython unit tests of the nn core."""

from __future__ import annotations

import numpy as np
import pytest


@pytest.fixture
def identity_data() -> tuple[np.ndarray, np.ndarray]:
    """The seeded 1000-sample identity dataset the learning tests use."""
    from nn import random_dataset

    return random_dataset(1000, seed=0)
