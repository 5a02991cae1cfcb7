"""The benchmark harness (``python -m bench``) stays runnable, and its baseline stays honest.

Performance is reported by ``make bench``, never asserted here: these tests only check that a tiny
CPython run of the harness produces every expected figure as a positive finite number (in a few
seconds: the evolve and browser parts are left to their own runs), and that the straightforward
baseline every speed-up is measured against computes the same numbers as nn.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from bench import core_figures, cpython
from bench.__main__ import main, parse_args, run
from bench.baseline import BaselineNetwork
from nn import Network, random_dataset, train


def _positive(value: object, where: str) -> None:
    assert isinstance(value, int | float) and not isinstance(value, bool), where
    assert math.isfinite(value) and value > 0, f"{where} = {value!r}"


def _figure(entry: dict, where: str) -> None:
    _positive(entry["median"], f"{where} median")
    assert len(entry["runs"]) == cpython.QUICK.repeats, where
    for i, rate in enumerate(entry["runs"]):
        _positive(rate, f"{where} run {i}")


def test_quick_cpython_run_writes_every_figure(tmp_path, capsys):
    """`python -m bench --quick --only cpython` writes results.json with throughput and time to
    accuracy for every case, each a positive finite number, and prints the table with targets."""
    out = tmp_path / "results.json"
    assert main(["--quick", "--only", "cpython", "--out", str(out)]) == 0
    results = json.loads(out.read_text())
    assert results["meta"]["parts"] == ["cpython"] and results["meta"]["quick"] is True
    assert "browser" not in results and "evolve" not in results

    throughput = results["cpython"]["throughput"]
    expected = {f"{arch}/{act}" for arch in cpython.ARCHITECTURES for act in ("linear", "tanh")}
    assert set(throughput) == expected
    for name, case in throughput.items():
        per_sample = case["per_sample"]
        for key in ("baseline", "nn_api", "nn_train"):
            _figure(per_sample[key], f"{name} per_sample {key}")
        _positive(per_sample["ratio_api"], f"{name} ratio_api")
        _positive(per_sample["ratio_train"], f"{name} ratio_train")
        for batch in cpython.BATCH_SIZES:
            entry = case[f"batch{batch}"]
            _figure(entry["nn"], f"{name} batch{batch} nn")
            _figure(entry["baseline"], f"{name} batch{batch} baseline")
            _positive(entry["ratio"], f"{name} batch{batch} ratio")

    accuracy = results["cpython"]["time_to_accuracy"]
    assert set(accuracy) == {f"{arch}/{act}" for arch, act in cpython.ACCURACY_CASES}
    for name, case in accuracy.items():
        assert case["defaults"]["settings"], f"{name}: no default pre-training settings in nn"
        for key in ("defaults", "per_sample"):
            entry = case[key]
            _positive(entry["seconds"], f"{name} {key} seconds")
            assert isinstance(entry["epochs"], int) and entry["epochs"] >= 0
            assert isinstance(entry["reached"], bool) and isinstance(entry["diverged"], bool)
            assert entry["reached"] or entry["diverged"] or entry["epochs"] > 0, name
        assert case["per_sample"]["settings"]["batch_size"] == 1
        base = case["baseline_per_sample"]
        if "skipped" not in base:
            _positive(base["seconds"], f"{name} baseline seconds")

    printed = capsys.readouterr().out
    assert "2-6-6-6-2/linear per-sample steps/s" in printed
    assert ">= 80 k" in printed and ">= 1.5 M" in printed
    assert f"wrote {out}" in printed


def test_no_browser_runs_the_cpython_parts_and_passes_quick_on(tmp_path, monkeypatch):
    """`--quick --no-browser` runs the CPython parts (cpython, its recurrent figures, evolve) and
    no browser part, each at its quick sizes. The parts are stubbed: their own tests run them."""
    from bench import evolve, recurrent

    calls = []

    def stub(name, value):
        return lambda *args, **kwargs: calls.append((name, args, kwargs)) or value

    monkeypatch.setattr(cpython, "run", stub("cpython", {"throughput": {}}))
    monkeypatch.setattr(recurrent, "run", stub("recurrent", {}))
    monkeypatch.setattr(evolve, "run", stub("evolve", {}))
    results = run(parse_args(["--quick", "--no-browser", "--out", str(tmp_path / "r.json")]))
    assert results["meta"]["parts"] == ["cpython", "evolve"]
    assert calls == [
        ("cpython", (cpython.QUICK,), {}),
        ("recurrent", (recurrent.QUICK,), {}),
        ("evolve", (), {"quick": True, "page": False}),
    ]


def test_core_figures_gives_every_figure(monkeypatch):
    """bench/core_figures.py (readable steps/s, train samples/s per batch size, replay steps per
    4 ms call) gives each figure for each case as a positive finite number; a tiny run."""
    monkeypatch.setattr(core_figures, "REPEATS", 1)
    monkeypatch.setattr(core_figures, "MIN_SECONDS", 0.001)
    monkeypatch.setattr(core_figures, "REPLAY_CALLS", 3)
    monkeypatch.setattr(core_figures, "SAMPLES", max(core_figures.BATCHES))
    figures = core_figures.core()
    assert set(figures) == {f"{name}/{act}" for name, _, act in core_figures.CASES}
    keys = {"readable_steps_per_s", "replay_steps_per_4ms"} | {
        f"train_batch{batch}_samples_per_s" for batch in core_figures.BATCHES
    }
    for name, case in figures.items():
        assert set(case) == keys, name
        for key, value in case.items():
            _positive(value, f"{name} {key}")


@pytest.mark.parametrize("activation", ["linear", "tanh"])
def test_baseline_computes_what_nn_computes(activation):
    """Same seed, same start; 100 per-sample steps and one batch-32 step give nn's weights and
    biases to 1e-12, so every ratio compares two implementations of one algorithm."""
    layers = [2, 6, 6, 6, 2]
    x, t = random_dataset(100, seed=1)
    net = Network(layers, 0.01, activation, seed=3)
    base = BaselineNetwork(layers, 0.01, activation, 3)
    for mine, theirs in zip(net.weights, base.weights, strict=True):
        np.testing.assert_array_equal(mine, theirs)
    for i in range(len(x)):
        out = net.feed(x[i])
        np.testing.assert_allclose(base.feed(x[i]), out, rtol=0, atol=1e-12)
        assert base.backpropagate(t[i]) == pytest.approx(net.backpropagate(t[i]), abs=1e-12)
    for mine, theirs in zip(net.weights + net.biases, base.weights + base.biases, strict=True):
        np.testing.assert_allclose(theirs, mine, rtol=0, atol=1e-12)

    batch_net = Network(layers, 0.01, activation, seed=4)
    batch_base = BaselineNetwork(layers, 0.01, activation, 4)
    train(batch_net, x[:32], t[:32], 1, batch_size=32, shuffle=False)
    batch_base.train_batch(x[:32], t[:32])
    pairs = zip(
        batch_net.weights + batch_net.biases, batch_base.weights + batch_base.biases, strict=True
    )
    for mine, theirs in pairs:
        np.testing.assert_allclose(theirs, mine, rtol=0, atol=1e-12)
