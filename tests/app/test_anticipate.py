"""The Anticipate mode's logic, driven from CPython: sampling, online learning, the lead and lag
errors, the rollout, and Let go."""

from __future__ import annotations

import math

import numpy as np
import pytest

from nn import RecurrentNetwork, SchemaError
from nn.trajectories import circle, lissajous
from nnpage.anticipate import PERIOD_MS, Anticipator

W, H = 600.0, 400.0


def drive(anticipator, path, start_ms=0.0, event_ms=11.0, frame_ms=1000 / 60):
    """Pointer events every ``event_ms`` along ``path`` (sampled at 60 Hz: interpolated), and
    a tick every frame. Returns the time reached."""
    n = len(path)
    duration = (n - 1) * PERIOD_MS
    t_event, t_frame = 0.0, 0.0
    grid = np.arange(n) * PERIOD_MS
    while t_frame <= duration:
        while t_event <= t_frame:
            x = np.interp(t_event, grid, path[:, 0])
            y = np.interp(t_event, grid, path[:, 1])
            anticipator.pointer(start_ms + t_event, float(x), float(y))
            t_event += event_ms
        anticipator.tick(start_ms + t_frame)
        t_frame += frame_ms
    return start_ms + t_frame


def test_on_a_lissajous_curve_the_network_leads_where_a_guess_without_memory_lags() -> None:
    a = Anticipator(RecurrentNetwork([4, 16, 2], seed=0), horizon_ms=150)
    drive(a, lissajous(20 * 60))
    lead, lag = a.lead_error(W, H), a.lag_error(W, H)
    assert lag > 30  # the pointer moves: a guess one horizon old is far off
    assert lead < lag / 2
    assert a.iterations > 1000 and a.error is not None


def test_the_lag_error_is_the_distance_covered_in_one_horizon() -> None:
    a = Anticipator(RecurrentNetwork([4, 4, 2], seed=0), horizon_ms=100)
    # A straight line at 0.001 canvas widths per ms: 100 ms cover 0.1 widths = 60 px.
    path = np.stack([0.1 + 0.001 * PERIOD_MS * np.arange(300), np.full(300, 0.5)], axis=1)
    a.learning = False
    drive(a, path, event_ms=PERIOD_MS)  # an event at every sample: nothing to interpolate
    assert a.steps == 6
    assert a.lag_error(W, H) == pytest.approx(0.001 * 6 * PERIOD_MS * W, rel=1e-6)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_let_go_keeps_going_round_the_circle_it_learned(seed) -> None:
    a = Anticipator(RecurrentNetwork([4, 16, 2], seed=seed), horizon_ms=150)
    path = circle(20 * 60, period_s=2.0, radius=0.3, seed=0)  # clockwise on screen
    end = drive(a, path)
    assert not a.rolling
    # The pointer stops: after still_s the network is fed its own predictions.
    positions = []
    for k in range(1, 90):
        a.tick(end + k * PERIOD_MS)
        if a.rolling:
            positions.append(a.position.copy())
    assert len(positions) >= 60  # a second of rolling
    p = np.array(positions[:60])
    steps = np.diff(p, axis=0)  # (59, 2)
    speed = np.hypot(steps[:, 0], steps[:, 1])
    true_speed = 2 * math.pi * 0.3 / 120  # canvas fractions per sample
    assert 0.5 * true_speed < np.mean(speed) < 1.5 * true_speed  # it keeps moving, not stops
    # Its heading keeps turning the way the circle turned: about half a turn in a second.
    heading = np.unwrap(np.arctan2(steps[:, 1], steps[:, 0]))
    turned = heading[-1] - heading[0]
    assert 0.5 * math.pi < turned < 2.0 * math.pi
    assert np.all((p > 0.0) & (p < 1.0))  # on the canvas
    assert len(a.trail) == len(positions)


def test_the_toggle_lets_go_at_once_and_the_pointer_takes_over_again() -> None:
    a = Anticipator(RecurrentNetwork([4, 8, 2], seed=0))
    end = drive(a, circle(120, seed=0))
    a.let_go = True
    a.tick(end + PERIOD_MS)
    assert a.rolling and 1 <= len(a.trail) <= 2
    iterations = a.iterations
    a.tick(end + 10 * PERIOD_MS)
    assert a.iterations == iterations  # nothing is learnt from its own guesses
    a.let_go = False
    a.pointer(end + 11 * PERIOD_MS, 0.2, 0.2)
    a.tick(end + 11 * PERIOD_MS)
    assert not a.rolling and np.allclose(a.position, [0.2, 0.2]) and not a.trail


def test_horizon_is_validated_and_zero_means_the_pointer_itself() -> None:
    a = Anticipator(RecurrentNetwork([4, 8, 2], seed=0), horizon_ms=0)
    drive(a, circle(60, seed=0))
    assert np.allclose(a.prediction, a.position)
    for bad in (-1, 5000, float("nan"), "150"):
        with pytest.raises(SchemaError, match="horizon"):
            a.set_horizon(bad)
    assert a.horizon_ms == 0


def test_events_are_interpolated_onto_the_fixed_rate() -> None:
    a = Anticipator(RecurrentNetwork([4, 8, 2], seed=0))
    a.learning = False
    a.pointer(0.0, 0.0, 0.0)
    a.pointer(100.0, 0.6, 0.3)  # one slow event: samples in between are interpolated
    assert a.tick(50.0) == 4  # samples at 0, 16.7, 33.3, 50 ms
    assert np.allclose(a.position, [0.3, 0.15])


def test_a_stalled_page_skips_samples_without_teaching_a_jump() -> None:
    a = Anticipator(RecurrentNetwork([4, 8, 2], seed=0))
    end = drive(a, circle(120, seed=0))
    iterations = a.iterations
    a.pointer(end + 500.0, 0.9, 0.9)  # half a second later, far away
    taken = a.tick(end + 500.0)
    assert taken == 7  # the last 100 ms of samples, not thirty
    assert a.iterations == iterations + 6  # the first sample after the gap teaches nothing
