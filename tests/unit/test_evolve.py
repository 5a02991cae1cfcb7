"""The hyperparameter search (``nn.evolve``): determinism whatever runs the evaluations, the
article's findings rediscovered on the identity problem, failures that never escape, and bad
settings refused with messages that name the value."""

from __future__ import annotations

import concurrent.futures
import json
import multiprocessing
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from nn import Network, SchemaError, random_dataset, schema
from nn.defaults import EVOLVE_DEFAULTS, EVOLVE_MAX_HIDDEN_LAYERS, EVOLVE_MAX_NEURONS
from nn.evolve import (
    GENES,
    Space,
    describe,
    evaluate,
    evolve,
    individual_seed,
    random_search,
    rank_key,
    split_dataset,
)

ROOT = Path(__file__).resolve().parents[2]
SMALL = {"population": 6, "generations": 3, "budget": 600, "seed": 3}


def dataset(n: int = 120) -> tuple[np.ndarray, np.ndarray]:
    return random_dataset(n, seed=5)


def without_seconds(history: list[dict]) -> list[dict]:
    """The history with the measured (so run-dependent) seconds taken out."""
    return [
        {
            **record,
            "best": {k: v for k, v in record["best"].items() if k != "seconds"},
            "individuals": [
                {k: v for k, v in ind.items() if k != "seconds"} for ind in record["individuals"]
            ],
        }
        for record in history
    ]


def test_same_seed_gives_the_same_history_and_another_seed_does_not() -> None:
    x, t = dataset()
    a = evolve(x, t, **SMALL)
    b = evolve(x, t, **SMALL)
    c = evolve(x, t, **{**SMALL, "seed": 4})
    assert without_seconds(a.history) == without_seconds(b.history)
    assert a.model == b.model
    assert without_seconds(a.history) != without_seconds(c.history)


def test_a_process_pool_gives_the_serial_history() -> None:
    x, t = dataset()
    serial = evolve(x, t, **SMALL)
    spawn = multiprocessing.get_context("spawn")
    with concurrent.futures.ProcessPoolExecutor(2, mp_context=spawn) as pool:
        pooled = evolve(x, t, **SMALL, executor=pool)
    assert without_seconds(pooled.history) == without_seconds(serial.history)
    assert pooled.model == serial.model


def test_a_dask_cluster_gives_the_serial_history() -> None:
    distributed = pytest.importorskip("distributed")  # in the test extra: installed by make test
    x, t = dataset()
    serial = evolve(x, t, **SMALL)
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        remote = evolve(x, t, **SMALL, executor=client.get_executor())
    assert without_seconds(remote.history) == without_seconds(serial.history)


def test_the_history_holds_every_individual_of_every_generation() -> None:
    x, t = dataset()
    result = evolve(x, t, **SMALL)
    assert [r["generation"] for r in result.history] == [0, 1, 2]
    elite = EVOLVE_DEFAULTS["elite"]
    for record in result.history:
        individuals = record["individuals"]
        assert len(individuals) == SMALL["population"]
        assert [ind["index"] for ind in individuals] == list(range(SMALL["population"]))
        for ind in individuals:
            assert set(ind["genome"]) == set(GENES)
            schema.check_genome(ind["genome"])
            assert ind["parameters"] > 0 and ind["seconds"] >= 0
            assert (ind["error"] is None) == (ind["reason"] is not None)
    # Elites are carried over, not trained again: 6 + 2 x (6 - 2) networks.
    assert result.evaluations == SMALL["population"] + 2 * (SMALL["population"] - elite)
    assert sum(ind["elite"] for ind in result.history[1]["individuals"]) == elite
    # The best of each generation is never worse than the one before (elitism).
    keys = [rank_key(r["best"]) for r in result.history]
    assert keys == sorted(keys, reverse=True)


def test_the_best_model_is_the_best_genome_trained_and_measures_its_error() -> None:
    x, t = dataset()
    result = evolve(x, t, **SMALL)
    net = Network.from_export(result.model)
    genome = result.best["genome"]
    assert list(net.layers) == [2, *genome["layers"], 2]
    assert net.activation == genome["activation"]
    split = split_dataset(x, t, EVOLVE_DEFAULTS["holdout"], SMALL["seed"])
    assert net.evaluate(split.val_inputs, split.val_targets) == pytest.approx(result.best["error"])
    json.dumps(result.to_dict(), allow_nan=False)  # the whole result is plain data


def test_individual_seeds_depend_on_the_search_seed_and_the_position_only() -> None:
    seeds = {individual_seed(1, g, i) for g in range(5) for i in range(20)}
    assert len(seeds) == 100
    assert individual_seed(1, 2, 3) == individual_seed(1, 2, 3) != individual_seed(2, 2, 3)
    assert all(0 <= s < 2**32 for s in seeds)


def test_the_identity_problem_rediscovers_the_article() -> None:
    """Linear beats tanh; sigmoid and ReLU fail to reach the float floor; small nets win."""
    x, t = random_dataset(EVOLVE_DEFAULTS["samples"], seed=0)
    result = evolve(x, t, population=16, generations=6, seed=1)  # the default budget
    assert result.best["error"] < 1e-6
    everyone = [ind for record in result.history for ind in record["individuals"]]
    top = sorted(result.history[-1]["individuals"], key=rank_key)[:3]
    for ind in top:
        assert ind["genome"]["activation"] in ("linear", "tanh"), describe(ind["genome"])
    assert result.best["parameters"] <= 30, describe(result.best["genome"])  # 2-6-2 or smaller
    squashing = [ind for ind in everyone if ind["genome"]["activation"] in ("sigmoid", "relu")]
    assert squashing, "the search never tried sigmoid or ReLU"
    best_linear = min(
        (ind for ind in everyone if ind["genome"]["activation"] == "linear"), key=rank_key
    )
    assert all(rank_key(ind) > rank_key(best_linear) for ind in squashing)


def test_a_diverging_genome_gets_the_worst_fitness_and_a_reason() -> None:
    x, t = dataset()
    split = split_dataset(x, t, 0.2, 0)
    genome = {
        "layers": [6, 6, 6],
        "activation": "linear",
        "learning_rate": 1.0,
        "optimizer": "sgd",
        "batch_size": 1,
        "bias": True,
        "init": "uniform",
    }
    result = evaluate(genome, 0, split, 2000)
    assert result["error"] is None and result["model"] is None
    assert "diverged" in result["reason"] and "1" in result["reason"]
    bad = evaluate({**genome, "layers": [0]}, 0, split, 100)
    assert "genome.layers[0]" in bad["reason"]
    # A search full of diverging genomes still ends, with the failures ranked last.
    space = Space(learning_rate=(0.5, 1.0), optimizers=("sgd",), batch_sizes=(1,))
    searched = evolve(x, t, space=space, population=4, generations=2, budget=500, seed=0)
    individuals = searched.history[-1]["individuals"]
    ranked = sorted(individuals, key=rank_key)
    failed = [ind for ind in ranked if ind["error"] is None]
    assert failed and ranked[-len(failed) :] == failed


def test_a_fixed_gene_keeps_its_value() -> None:
    x, t = dataset()
    live = {
        "layers": [6, 6],
        "activation": "tanh",
        "learning_rate": 0.01,
        "optimizer": "adam",
        "batch_size": 16,
        "bias": True,
        "init": "uniform",
    }
    space = Space().fix(live, ["layers", "activation", "bias", "init"])
    assert space.free_genes() == ["learning_rate", "optimizer", "batch_size"]
    result = evolve(x, t, space=space, **SMALL)
    for record in result.history:
        for ind in record["individuals"]:
            assert ind["genome"]["layers"] == [6, 6]
            assert ind["genome"]["activation"] == "tanh"
    assert Space.from_dict(json.loads(json.dumps(space.to_dict()))) == space


def test_should_stop_ends_the_search_with_the_generations_done() -> None:
    x, t = dataset()
    seen: list[int] = []
    result = evolve(
        x, t, **SMALL, on_generation=lambda r: seen.append(r["generation"]),
        should_stop=lambda: len(seen) >= 1,
    )  # fmt: skip
    assert result.stopped and len(result.history) == 1 and seen == [0]


def test_a_target_error_stops_early() -> None:
    x, t = dataset()
    result = evolve(x, t, **{**SMALL, "generations": 10}, target_error=1.0)
    assert result.reached_target and len(result.history) == 1


@pytest.mark.parametrize(
    ("settings", "named"),
    [
        ({"population": 0}, "population must be an integer in [2, 1000], got 0"),
        ({"population": 1}, "got 1"),
        ({"generations": 0}, "generations must be an integer in [1, 1000], got 0"),
        ({"budget": 10**12}, "budget must be an integer in [1, 1000000], got 1000000000000"),
        ({"budget": 2.5}, "got 2.5"),
        ({"seed": -1}, "seed must be an integer"),
        ({"space": "all"}, "space must be an nn.evolve.Space, got 'all'"),
    ],
)
def test_bad_settings_are_refused_naming_the_value(settings: dict, named: str) -> None:
    x, t = dataset()
    with pytest.raises(SchemaError) as info:
        evolve(x, t, **{**SMALL, **settings})
    assert named in str(info.value)


@pytest.mark.parametrize(
    ("space", "named"),
    [
        ({"activations": ()}, "space.activations must list at least one of"),
        ({"optimizers": ("rmsprop",)}, "got 'rmsprop'"),
        (
            {"hidden_layers": (0, 11)},
            "space.hidden_layers max must be an integer in [0, 10], got 11",
        ),
        ({"neurons": (4, 33)}, "space.neurons max must be an integer in [1, 32], got 33"),
        ({"neurons": (5, 2)}, "min must be <= max, got (5, 2)"),
        ({"learning_rate": (1e-9, 0.1)}, "space.learning_rate min must be a finite number"),
        ({"batch_sizes": ()}, "space.batch_sizes must list at least one batch size"),
    ],
)
def test_bad_spaces_are_refused_naming_the_value(space: dict, named: str) -> None:
    with pytest.raises(SchemaError) as info:
        Space(**space)
    assert named in str(info.value)


def test_a_space_with_nothing_free_is_refused() -> None:
    fixed = Space(
        hidden_layers=(1, 1), neurons=(2, 2), activations=("linear",), learning_rate=(0.1, 0.1),
        optimizers=("sgd",), batch_sizes=(1,), biases=(True,), inits=("uniform",),
    )  # fmt: skip
    x, t = dataset()
    with pytest.raises(SchemaError, match="nothing to search"):
        evolve(x, t, space=fixed, **SMALL)


def test_the_space_limits_are_the_pages() -> None:
    from nnpage import settings

    assert EVOLVE_MAX_HIDDEN_LAYERS == settings.MAX_PAGE_LAYERS - 2
    assert EVOLVE_MAX_NEURONS == settings.MAX_PAGE_NEURONS


def test_describe_reads_like_a_sentence() -> None:
    genome = {
        "layers": [3],
        "activation": "linear",
        "learning_rate": 0.02,
        "optimizer": "adam",
        "batch_size": 16,
        "bias": True,
        "init": "uniform",
    }
    assert describe(genome, 3e-9) == "2-3-2 linear, Adam, lr 0.02, batch 16: error 3e-09"
    assert describe({**genome, "bias": False}) == "2-3-2 linear, Adam, lr 0.02, batch 16, no bias"


def test_evaluate_messages_round_trip_and_reject_bad_values() -> None:
    x, t = dataset()
    split = split_dataset(x, t, 0.2, 0)
    genome = {
        "layers": [2],
        "activation": "linear",
        "learning_rate": 0.05,
        "optimizer": "adam",
        "batch_size": 4,
        "bias": True,
        "init": "uniform",
    }
    data = schema.dataset_message(
        1, (split.train_inputs, split.train_targets), (split.val_inputs, split.val_targets)
    )
    assert schema.decode(schema.encode(data))["train"]["inputs"].shape == (96, 2)
    request = schema.evaluate_message(2, 1, genome, 7, 500)
    assert schema.decode(schema.encode(request)) == request
    answer = schema.result_message(2, evaluate(genome, 7, split, 500))
    back = schema.decode(schema.encode(answer))
    assert back["error"] == answer["error"] and back["model"]["params"]["layers"] == [2, 2, 2]
    with pytest.raises(SchemaError, match=r"genome\.activation must be one of"):
        schema.check_message({**request, "genome": {**genome, "activation": "swish"}})
    with pytest.raises(SchemaError, match="genome is missing the field 'init'"):
        schema.check_message({**request, "genome": {k: genome[k] for k in GENES[:-1]}})
    with pytest.raises(SchemaError, match="either an error or a reason"):
        schema.check_message({**answer, "reason": "both"})


def test_the_command_line_searches_and_writes_a_model_the_page_imports(tmp_path: Path) -> None:
    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "nn", "evolve", "--population", "4", "--generations", "2",
             "--budget", "300", "--samples", "100", "--seed", "2", *args],
            cwd=tmp_path, env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True,
            text=True, timeout=120, check=False,
        )  # fmt: skip

    one = run("--workers", "1", "--out", "one.json", "--history", "one-history.json")
    two = run("--workers", "2", "--out", "two.json", "--quiet")
    assert one.returncode == 0, one.stderr
    assert two.returncode == 0, two.stderr
    assert "best genome" in one.stdout and "best: 2-" in one.stdout
    assert "generation 2/2" in one.stderr  # the progress bar
    assert (tmp_path / "one.json").read_text() == (tmp_path / "two.json").read_text()
    model = json.loads((tmp_path / "one.json").read_text())
    Network.from_export(model)
    assert len(json.loads((tmp_path / "one-history.json").read_text())) == 2
    bad = run("--population", "0")
    assert bad.returncode == 2 and "population must be an integer in [2, 1000], got 0" in bad.stderr


def test_a_heartbeat_beats_while_training_and_changes_nothing() -> None:
    """The page's workers post a message from the heartbeat to show they are alive: it must be
    called throughout the training (at least once per epoch) and leave the result as it was."""
    x, t = dataset()
    split = split_dataset(x, t, 0.2, 0)
    genome = {
        "layers": [4],
        "activation": "tanh",
        "learning_rate": 0.02,
        "optimizer": "adam",
        "batch_size": 8,
        "bias": True,
        "init": "uniform",
    }
    beats: list[int] = []
    quiet = evaluate(genome, 7, split, 2_000)
    beating = evaluate(genome, 7, split, 2_000, lambda: beats.append(1))
    epochs = 2_000 // len(split.train_inputs)  # 96 training samples: 20 epochs
    assert epochs == 20 and len(beats) >= epochs
    assert beating["error"] == quiet["error"] and beating["model"] == quiet["model"]


def test_a_dead_worker_process_ends_the_command_with_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A process-pool worker that dies (here: as it starts) breaks the pool; the command says
    so in one line and exits 2, with no traceback."""
    from nn import cli

    spawn = multiprocessing.get_context("spawn")
    monkeypatch.setattr(
        cli,
        "process_pool",
        lambda n: concurrent.futures.ProcessPoolExecutor(
            n, mp_context=spawn, initializer=os._exit, initargs=(3,)
        ),
    )
    args = ["evolve", "--population", "4", "--generations", "2", "--budget", "100",
            "--samples", "50", "--workers", "2"]  # fmt: skip
    code = cli.main(args)
    err = capsys.readouterr().err
    assert code == 2, err
    assert "Traceback" not in err
    last = err.strip().splitlines()[-1]
    assert last.startswith("nn: error: a worker process stopped unexpectedly"), err


def test_workers_and_a_scheduler_together_are_refused(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from nn import cli

    code = cli.main(["evolve", "--workers", "2", "--scheduler", "tcp://127.0.0.1:9", "--quiet"])
    err = capsys.readouterr().err
    assert code == 2
    assert "--workers 2 and --scheduler tcp://127.0.0.1:9 do not go together" in err


def test_random_search_draws_and_ranks_like_the_search() -> None:
    x, t = dataset()
    a = random_search(x, t, evaluations=5, budget=300, seed=2)
    b = random_search(x, t, evaluations=5, budget=300, seed=2)
    assert without_seconds(a.history) == without_seconds(b.history)
    individuals = a.history[0]["individuals"]
    assert len(individuals) == a.evaluations == 5
    assert a.best == min(individuals, key=rank_key)
    assert Network.from_export(a.model).parameter_count == a.best["parameters"]


def test_the_smallest_population_fits_the_default_elite_and_tournament() -> None:
    x, t = dataset()
    result = evolve(x, t, population=2, generations=2, budget=100, seed=0)
    assert result.evaluations == 2 + 1  # one elite carried over, one child trained
    with pytest.raises(SchemaError, match=r"elite must be an integer in \[0, 1\], got 2"):
        evolve(x, t, population=2, generations=2, budget=100, elite=2)


def test_the_command_line_runs_on_a_dask_scheduler(tmp_path: Path) -> None:
    distributed = pytest.importorskip("distributed")
    args = ["--population", "4", "--generations", "2", "--budget", "300", "--samples", "100",
            "--seed", "2", "--quiet"]  # fmt: skip
    env = {**os.environ, "PYTHONPATH": str(ROOT)}

    def run(*more: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "nn", "evolve", *args, *more], cwd=tmp_path, env=env,
            capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip

    with distributed.LocalCluster(
        n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        remote = run("--scheduler", cluster.scheduler_address, "--out", "remote.json")
    local = run("--out", "local.json")
    assert remote.returncode == 0, remote.stderr
    assert local.returncode == 0, local.stderr
    assert (tmp_path / "remote.json").read_text() == (tmp_path / "local.json").read_text()
