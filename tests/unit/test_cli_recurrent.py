"""``python -m nn train --kind recurrent``, run as a user would, in a subprocess."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from nn import RecurrentNetwork, load_model
from nn.trajectories import circle, dump_moves, encode

from .test_cli import run_nn


def test_train_on_a_moves_file_writes_a_model_that_predicts_it(tmp_path: Path) -> None:
    path = circle(600, period_s=2.0, seed=0)
    (tmp_path / "moves.csv").write_text(dump_moves(np.arange(600) * 1000 / 60, path))
    result = run_nn(
        "train", "--kind", "recurrent", "--data", "moves.csv", "--hidden", "12",
        "--epochs", "40", "--seed", "1", "--quiet", "--out", "rnn.json", cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "sequences of 32 steps from moves.csv" in result.stdout
    data = json.loads((tmp_path / "rnn.json").read_text())
    assert data["kind"] == "recurrent" and data["params"]["layers"] == [4, 12, 2]
    net = load_model(data)
    assert isinstance(net, RecurrentNetwork)
    inputs, targets = encode(path)
    outputs, _ = net.run(inputs)
    # A displacement is ~1.6 per step on this circle; after training the guess is off by far less.
    assert np.mean(np.linalg.norm(outputs[30:] - targets[30:], axis=1)) < 0.3
    info = run_nn("info", "rnn.json", "--data", "moves.csv", cwd=tmp_path)
    assert info.returncode == 0 and "RecurrentNetwork(4-12-2" in info.stdout


def test_generated_trajectories_and_bad_input(tmp_path: Path) -> None:
    result = run_nn(
        "train", "--kind", "recurrent", "--trajectories", "figure-eights", "--strokes", "3",
        "--epochs", "2", "--quiet", "--out", "eight.json", cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "3 generated figure-eights" in result.stdout
    (tmp_path / "bad.csv").write_text("time_ms,x,y\n0,0.5,0.5\n10,0.5\n")
    bad = run_nn("train", "--kind", "recurrent", "--data", "bad.csv", cwd=tmp_path)
    assert bad.returncode == 2 and "line 3: expected 3 values" in bad.stderr
    (tmp_path / "short.csv").write_text("time_ms,x,y\n0,0.5,0.5\n16,0.6,0.5\n")
    short = run_nn("train", "--kind", "recurrent", "--data", "short.csv", cwd=tmp_path)
    assert short.returncode == 2 and "long enough" in short.stderr
    wrong = run_nn("train", "--model", "eight.json", "--epochs", "1", cwd=tmp_path)
    assert wrong.returncode == 2 and "--kind recurrent" in wrong.stderr
