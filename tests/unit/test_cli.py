"""The command line, run as a user would: ``python -m nn ...`` in a subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from nn import Network

ROOT = Path(__file__).resolve().parents[2]


def run_nn(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "nn", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_train_writes_a_model_the_network_imports(tmp_path: Path) -> None:
    out = tmp_path / "model.json"
    result = run_nn(
        "train",
        "--layers",
        "2-6-6-6-2",
        "--activation",
        "linear",
        "--lr",
        "0.005",
        "--epochs",
        "5",
        "--batch-size",
        "1",
        "--samples",
        "500",
        "--seed",
        "0",
        "--out",
        str(out),
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert "final mean error" in result.stdout and "samples/s" in result.stdout
    assert "epoch 5/5" in result.stderr  # the progress bar
    net = Network.from_export(json.loads(out.read_text()))
    assert net.layers == (2, 6, 6, 6, 2) and net.learning_rate == 0.005

    info = run_nn("info", str(out), cwd=tmp_path)
    assert info.returncode == 0 and "2-6-6-6-2" in info.stdout


def test_train_from_a_dataset_file_and_a_saved_model(tmp_path: Path) -> None:
    from nn import dump_csv, random_dataset

    (tmp_path / "data.csv").write_text(dump_csv(*random_dataset(100, seed=1)))
    first = tmp_path / "a.json"
    second = tmp_path / "b.json"
    assert (
        run_nn(
            "train",
            "--data",
            "data.csv",
            "--epochs",
            "2",
            "--optimizer",
            "adam",
            "--batch-size",
            "16",
            "--lr",
            "0.03",
            "--out",
            str(first),
            "--quiet",
            cwd=tmp_path,
        ).returncode
        == 0
    )
    result = run_nn(
        "train",
        "--model",
        str(first),
        "--data",
        "data.csv",
        "--epochs",
        "2",
        "--target-error",
        "1e-3",
        "--out",
        str(second),
        "--quiet",
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    result = run_nn("info", str(second), "--data", "data.csv", cwd=tmp_path)
    assert "mean error on data.csv" in result.stdout


def test_errors_print_one_line_and_exit_2(tmp_path: Path) -> None:
    (tmp_path / "bad.json").write_text('{"format_version": 9}')
    cases = [
        (["train", "--layers", "2-0-2"], "layers[1] must be an integer in [1, 1000000], got 0"),
        (["train", "--lr", "-1"], "learning_rate must be a finite number > 0.0, got -1.0"),
        (
            ["train", "--layers", "2-6-6-6-6-6-6-6-2", "--lr", "1.0", "--epochs", "3"],
            "learning rate 1",
        ),
        (["info", "missing.json"], "No such file or directory: missing.json"),
        (["info", "bad.json"], "missing the field"),
        (["train", "--data", "missing.csv"], "No such file"),
    ]
    for args, fragment in cases:
        result = run_nn(*args, cwd=tmp_path)
        assert result.returncode == 2, (args, result.stderr)
        assert "Traceback" not in result.stderr
        last = result.stderr.strip().splitlines()[-1]
        assert last.startswith("nn: error: ") and fragment in last, last
