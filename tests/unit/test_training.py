"""train() and Trainer: epochs, batches, callbacks, stopping, slicing and the summary."""

from __future__ import annotations

import json

import numpy as np
import pytest

from nn import Network, Trainer, random_dataset, train
from nn.schema import check_summary
from nn.training import CHUNK_WORK


def make_net(**kwargs) -> Network:
    return Network([2, 6, 6, 2], learning_rate=0.01, activation="tanh", seed=7, **kwargs)


def test_on_progress_runs_after_each_epoch_and_false_stops() -> None:
    inputs, targets = random_dataset(100, seed=1)
    calls = []

    def on_progress(epoch: int, error: float) -> bool:
        calls.append((epoch, error))
        return epoch < 3

    net = make_net()
    summary = train(net, inputs, targets, epochs=10, batch_size=8, on_progress=on_progress)
    assert [epoch for epoch, _ in calls] == [1, 2, 3]
    assert summary.stopped and summary.epochs_done == 3 and summary.final_error == calls[-1][1]
    reference = make_net()
    train(reference, inputs, targets, epochs=3, batch_size=8)
    assert np.array_equal(net._flat, reference._flat)  # left at its last completed epoch


def test_should_stop_mid_epoch_restores_the_last_completed_epoch() -> None:
    inputs, targets = random_dataset(5000, seed=2)
    net = make_net()
    summary = train(net, inputs, targets, epochs=5, should_stop=lambda: net.iterations > 7000)
    assert summary.stopped and summary.epochs_done == 1
    reference = make_net()
    train(reference, inputs, targets, epochs=1)
    assert np.array_equal(net._flat, reference._flat)
    assert net.rng.bit_generator.state == reference.rng.bit_generator.state
    assert net.iterations == reference.iterations == 5000


def test_target_error_stops_early() -> None:
    inputs, targets = random_dataset(500, seed=3)
    net = Network([2, 6, 2], learning_rate=0.01, seed=0, optimizer="adam")
    summary = train(net, inputs, targets, epochs=1000, batch_size=16, target_error=1e-3)
    assert summary.reached_target and summary.final_error < 1e-3
    assert summary.epochs_done < 1000 and not summary.stopped


def test_running_in_slices_gives_the_same_network_as_one_run() -> None:
    inputs, targets = random_dataset(3000, seed=4)
    whole, sliced = make_net(), make_net()
    train(whole, inputs, targets, epochs=3, batch_size=1)
    trainer = Trainer(sliced, inputs, targets, epochs=3, batch_size=1)
    slices = 0
    while not trainer.run(max_seconds=0.002):
        slices += 1
        progress = trainer.progress()
        assert 0 <= progress["epoch"] <= 3 and progress["samples"] <= 9000
    assert slices > 3
    assert np.array_equal(whole._flat, sliced._flat)


def test_a_slice_returns_promptly() -> None:
    """A worker must react to `cancel` within 200 ms, so a slice must end soon after its time is
    up: it stops after the chunk that crosses the deadline, and a chunk is small (CHUNK_WORK)."""
    inputs, targets = random_dataset(50_000, seed=5)
    net = Network([2, 6, 6, 6, 6, 6, 6, 6, 2], learning_rate=0.0003, seed=0)
    trainer = Trainer(net, inputs, targets, epochs=10, batch_size=1)
    chunk = CHUNK_WORK // net._flat.size  # samples per chunk at batch size 1
    for _ in range(3):
        seen = trainer.samples_seen
        trainer.run(max_seconds=0.0)  # time is up at once: exactly one chunk
        assert trainer.samples_seen - seen == chunk
    trainer.run(max_seconds=0.02)  # returns (how soon: bench/core_figures.py measures it)
    assert not trainer.finished
    trainer.stop()
    assert trainer.finished and trainer.stopped and trainer.summary().epochs_done == 0


def test_batches_cover_the_dataset_with_a_smaller_last_batch() -> None:
    inputs, targets = random_dataset(10, seed=6)
    net = make_net()
    summary = train(net, inputs, targets, epochs=2, batch_size=4)
    assert net.iterations == 6  # 4 + 4 + 2, twice
    assert summary.samples == 20
    big = make_net()
    train(big, inputs, targets, epochs=1, batch_size=64)  # one batch of all 10
    assert big.iterations == 1


def test_summary_is_plain_data_the_schema_accepts() -> None:
    inputs, targets = random_dataset(64, seed=7)
    summary = train(make_net(), inputs, targets, epochs=2, batch_size=8)
    data = summary.to_dict()
    assert json.loads(json.dumps(data)) == data
    assert check_summary(data) == data
    assert summary.samples_per_s > 0 and summary.seconds > 0
    assert summary.global_mean is not None and summary.final_error is not None
    assert not (summary.stopped or summary.diverged or summary.reached_target)


def test_a_training_seed_gives_reproducible_runs_without_touching_the_network_generator() -> None:
    inputs, targets = random_dataset(200, seed=8)
    a, b = make_net(), make_net()
    state = a.rng.bit_generator.state
    train(a, inputs, targets, epochs=2, batch_size=4, seed=11)
    train(b, inputs, targets, epochs=2, batch_size=4, seed=11)
    assert np.array_equal(a._flat, b._flat)
    assert a.rng.bit_generator.state == state


@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "nesterov", "adam"])
@pytest.mark.parametrize("dropout", [0.0, 0.2])
def test_every_optimizer_lowers_the_error(optimizer: str, dropout: float) -> None:
    inputs, targets = random_dataset(256, seed=9)
    net = Network(
        [2, 8, 8, 2],
        learning_rate=0.01,
        activation="tanh",
        seed=1,
        optimizer=optimizer,
        dropout=dropout,
    )
    before = net.evaluate(inputs, targets)
    train(net, inputs, targets, epochs=20, batch_size=8)
    assert net.evaluate(inputs, targets) < 0.5 * before


def test_training_leaves_feed_state_stale_until_the_next_feed() -> None:
    inputs, targets = random_dataset(20, seed=10)
    net = make_net()
    net.feed(inputs[0])
    train(net, inputs, targets, epochs=1)
    with pytest.raises(ValueError, match="feed"):
        net.backpropagate(targets[0])
