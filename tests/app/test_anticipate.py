"""The Anticipate mode's logic, driven from CPython: sampling, online learning, the lead and lag
errors, the rollout, and Let go."""

from __future__ import annotations

import math

import numpy as np
import pytest

from nn import RecurrentNetwork, SchemaError
from nn.trajectories import circle, lissajous
from nnpage.anticipate import PERIOD_MS, WAIT_MS, Anticipator

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


def drive_until(anticipator, path, path_ms, start_ms, samples, event_ms=PERIOD_MS):
    """From ``start_ms``, pointer events along ``path`` (60 Hz from ``path_ms``, interpolated),
    one tick per event, until the network has learnt ``samples`` more samples; returns the time
    reached."""
    grid = path_ms + np.arange(len(path)) * PERIOD_MS
    target, t = anticipator.iterations + samples, start_ms
    while anticipator.iterations < target:
        x, y = np.interp(t, grid, path[:, 0]), np.interp(t, grid, path[:, 1])
        anticipator.pointer(t, float(x), float(y))
        anticipator.tick(t)
        t += event_ms
    return t


def leads(a) -> bool:
    lead, lag = a.lead_error(W, H), a.lag_error(W, H)
    return lag > 20 and lead < 0.5 * lag


def let_go_for(a, t, samples=60):
    """The pointer stops at ``t``: after ``still_s`` the network is fed its own predictions.
    Returns the ``samples + 1`` positions it draws first (a late tick may draw several), and the
    time reached."""
    while a.rolled <= samples:
        t += PERIOD_MS
        a.tick(t)
    assert a.rolling and len(a.trail) == a.rolled
    return np.array(list(a.trail)[: samples + 1]), t


def speed_and_turn(positions):
    """Mean distance per sample (canvas fractions) and how far the heading turned (radians,
    positive: clockwise on screen)."""
    steps = np.diff(positions, axis=0)  # (n, 2)
    heading = np.unwrap(np.arctan2(steps[:, 1], steps[:, 0]))
    return float(np.mean(np.hypot(steps[:, 0], steps[:, 1]))), float(heading[-1] - heading[0])


def releases(seed: int, count: int) -> list[tuple[float, float, bool]]:
    """20 s of clockwise circles (radius 0.3, a turn in 2 s) for a network of ``seed``, then the
    pointer stops ``count`` times at different points of the circle. For each release, over the
    second of samples the network then draws on its own: its speed as a fraction of the
    pointer's, how far it turned (in half turns, the pointer's turn in a second), whether it
    stayed on the canvas."""
    a = Anticipator(RecurrentNetwork([4, 16, 2], seed=seed), horizon_ms=150)
    path = circle(120 * 60, period_s=2.0, radius=0.3, seed=0)
    t = drive_until(a, path, 0.0, 0.0, 20 * 60)
    out = []
    for release in range(count):
        assert not a.rolling
        positions, t = let_go_for(a, t)
        speed, turned = speed_and_turn(positions)
        on_canvas = bool(np.all((positions > 0.0) & (positions < 1.0)))
        out.append((speed / (2 * math.pi * 0.3 / 120), turned / math.pi, on_canvas))
        # The pointer comes back for two turns and a quarter more each time: the next release
        # is at another point of the circle, from a state settled on the pointer again.
        t = drive_until(a, path, 0.0, t, 240 + 30 * (release + 1))
    return out


def test_let_go_keeps_going_round_the_circle_it_learned() -> None:
    """Six networks (seeds 0-5), each let go at four points of the circle: every time its own
    path keeps moving at about the pointer's speed for a second, and for five of the six
    networks, the page's seed 0 among them, it also stays on the canvas turning clockwise by a
    quarter to a whole turn every time (the pointer turned half a turn a second). Measured over
    ten seeds and eight releases each: seed 2 is the one that often spirals off wide (about 0.4
    of a half turn, off the canvas), 2 releases in 8 there and 3 in 4 here."""
    results = {seed: releases(seed, 4) for seed in range(6)}
    for seed, r in results.items():
        for speed, _, _ in r:
            assert 0.5 < speed < 1.5, (seed, r)  # it keeps moving, neither stops nor races
    going_round = [
        seed
        for seed, r in results.items()
        if all(on_canvas and 0.5 < turned < 2.0 for _, turned, on_canvas in r)
    ]
    assert 0 in going_round and len(going_round) >= 5, results


@pytest.mark.parametrize("event_ms", [PERIOD_MS, 50.0])  # a busy page gets sparser events
def test_the_browser_tests_path_lissajous_then_circles_then_let_go(event_ms) -> None:
    """The twin of tests/browser/test_anticipate.py's claim, in samples learnt: 1,200 samples
    of Lissajous path (20 s at 60 Hz) and the lead error is under half the lag, still half a
    second later; 600 samples of circles, and when the pointer stops, the network's own path
    keeps moving and turning clockwise for a second (the page's seed, 0)."""
    a = Anticipator(RecurrentNetwork([4, 16, 2], seed=0), horizon_ms=150)
    path = lissajous(60 * 60)
    t = drive_until(a, path, 0.0, 0.0, 20 * 60, event_ms)
    assert leads(a)
    t = drive_until(a, path, 0.0, t, 30, event_ms)
    assert leads(a)
    t = drive_until(a, circle(60 * 60, period_s=2.0, radius=0.3, seed=0), t, t, 600, event_ms)
    positions, t = let_go_for(a, t)  # a second of samples drawn on its own
    speed, turned = speed_and_turn(positions)
    true_speed = 2 * math.pi * 0.3 / 120
    assert 0.4 * true_speed < speed < 2.0 * true_speed
    assert 0.4 * math.pi < turned < 2.5 * math.pi
    a.pointer(t + PERIOD_MS, 0.5, 0.5)  # the pointer takes over: nothing rolled
    a.tick(t + PERIOD_MS)
    assert a.rolled == 0 and not a.rolling


def test_the_toggle_lets_go_at_once_and_the_pointer_takes_over_again() -> None:
    a = Anticipator(RecurrentNetwork([4, 8, 2], seed=0))
    end = drive(a, circle(120, seed=0))
    a.let_go = True
    taken = a.tick(end + PERIOD_MS)  # the samples that waited for a pointer event, and one
    assert a.rolling and 1 <= taken <= 2 + WAIT_MS / PERIOD_MS and len(a.trail) == taken
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
