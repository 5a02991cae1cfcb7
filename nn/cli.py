"""The command line: the one place in nn that prints and touches files.

    python -m nn train --layers 2-6-6-6-2 --activation linear --lr 0.005 --epochs 50 \\
        --batch-size 1 --samples 1000 --seed 0 --out model.json
    python -m nn info model.json [--data dataset.csv]
    python -m nn evolve --population 24 --generations 10 --budget 20000 --workers 4 --seed 1 \\
        --data moves.csv --out best.json [--scheduler tcp://host:8786]

``train`` draws a seeded random identity dataset (or reads ``--data``), trains with a progress bar
on stderr, prints the final error and speed, and writes the same JSON export the browser app
imports. ``train --model m.json`` continues a saved model with its own settings: ``--lr``,
``--optimizer``, ``--momentum`` and ``--dropout`` change them when given, and a flag that
describes a new network (``--layers``, ``--activation``, ...) is an error. Defaults come from
``nn.defaults``. ``evolve`` searches hyperparameters with a genetic algorithm (``nn.evolve``) on
a process pool or a Dask cluster, prints a table per generation and writes the best trained model.
Any error prints one line and exits with status 2.

    python -m nn train --kind recurrent --data moves.csv --hidden 16 --epochs 30 --out rnn.json

``--kind recurrent`` trains an Elman network (``nn.recurrent``) to predict the pointer's next
displacement, on a recorded ``moves.csv`` (header ``time_ms,x,y``, positions in canvas fractions;
see ``nn.trajectories``) or, without ``--data``, on generated ``--trajectories``.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

from nn import __version__, defaults, safejson, trajectories
from nn.activations import ACTIVATIONS
from nn.datasets import parse_csv, parse_json, random_dataset
from nn.defaults import EVOLVE_DEFAULTS, MODEL_MAX_BYTES, RECURRENT_DEFAULTS, RECURRENT_PRETRAIN
from nn.errors import NNError, SchemaError
from nn.models import load_model
from nn.network import Network
from nn.optimizers import OPTIMIZERS
from nn.recurrent import RecurrentNetwork
from nn.recurrent_engine import RecurrentTrainer
from nn.recurrent_schema import KINDS
from nn.schema import INITIALISATIONS, parse_layers
from nn.training import Trainer
from nn.trajectories import GENERATORS

__all__ = ["main"]

BAR_WIDTH = 30
REFRESH_SECONDS = 0.1


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m nn", description=__doc__.split("\n")[0])
    parser.add_argument("--version", action="version", version=f"nn {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)

    train = commands.add_parser("train", help="train a network and save it as JSON")
    # Settings of the network default to None, so that "not given" can be told apart from a
    # default: a loaded model keeps its own. NEW_NETWORK_FLAGS and the others below say which.
    layers = "-".join(map(str, defaults.LAYERS))
    train.add_argument("--layers", help=f"sizes (default {layers})")
    train.add_argument(
        "--activation", choices=list(ACTIVATIONS), help=f"hidden layers ({defaults.ACTIVATION})"
    )
    train.add_argument(
        "--output-activation",
        choices=list(ACTIVATIONS),
        help=f"output layer ({defaults.OUTPUT_ACTIVATION})",
    )
    train.add_argument("--kind", default="feedforward", choices=list(KINDS))
    train.add_argument(
        "--lr",
        type=float,
        help=f"learning rate ({defaults.LEARNING_RATE}; recurrent "
        f"{RECURRENT_PRETRAIN['learning_rate']})",
    )
    train.add_argument(
        "--optimizer",
        choices=list(OPTIMIZERS),
        help=f"({defaults.OPTIMIZER}; recurrent {RECURRENT_PRETRAIN['optimizer']})",
    )
    train.add_argument("--momentum", type=float, help="momentum / nesterov coefficient")
    train.add_argument(
        "--epochs", type=int, help=f"({defaults.EPOCHS}; recurrent {RECURRENT_PRETRAIN['epochs']})"
    )
    train.add_argument(
        "--batch-size",
        type=int,
        help=f"({defaults.BATCH_SIZE}; recurrent {RECURRENT_PRETRAIN['batch_size']} sequences)",
    )
    train.add_argument(
        "--samples", type=int, default=defaults.SAMPLES, help="size of the random dataset"
    )
    train.add_argument("--data", type=Path, help="train on a dataset file (.json or .csv)")
    train.add_argument("--model", type=Path, help="continue a saved model (keeps its settings)")
    train.add_argument("--seed", type=int, default=defaults.SEED)
    train.add_argument("--dropout", type=float, help=f"({defaults.DROPOUT})")
    train.add_argument("--init", choices=list(INITIALISATIONS), help=f"({defaults.INIT})")
    train.add_argument("--no-bias", action="store_true", help="zero biases, never updated")
    train.add_argument(
        "--target-error", type=float, help="stop once an epoch's mean error is below this"
    )
    train.add_argument("--no-shuffle", action="store_true")
    train.add_argument("--out", type=Path, help="write the trained model here (JSON)")
    train.add_argument("--quiet", action="store_true", help="no progress bar")
    recurrent = train.add_argument_group("recurrent (--kind recurrent)")
    recurrent.add_argument("--hidden", type=int, default=RECURRENT_DEFAULTS["hidden"])
    recurrent.add_argument("--bptt", type=int, default=RECURRENT_DEFAULTS["bptt"])
    recurrent.add_argument("--clip", type=float, default=RECURRENT_DEFAULTS["clip"])
    recurrent.add_argument("--trajectories", default="mixed", choices=list(GENERATORS))
    recurrent.add_argument("--strokes", type=int, default=24, help="generated trajectories")
    recurrent.add_argument("--sequence", type=int, default=RECURRENT_PRETRAIN["sequence"])
    recurrent.add_argument("--stride", type=int, default=RECURRENT_PRETRAIN["stride"])

    info = commands.add_parser("info", help="describe a saved model")
    info.add_argument("model", type=Path)
    info.add_argument("--data", type=Path, help="also report the mean error on this dataset")

    evolve = commands.add_parser("evolve", help="search hyperparameters with a genetic algorithm")
    for name, default, text in (
        ("--population", EVOLVE_DEFAULTS["population"], "individuals per generation"),
        ("--generations", EVOLVE_DEFAULTS["generations"], "generations to breed"),
        ("--budget", EVOLVE_DEFAULTS["budget"], "training samples seen per individual"),
        ("--seed", EVOLVE_DEFAULTS["seed"], "the search's seed (same seed, same history)"),
        ("--samples", EVOLVE_DEFAULTS["samples"], "size of the random dataset"),
    ):
        evolve.add_argument(name, type=int, default=default, help=f"{text} (default {default})")
    evolve.add_argument(
        "--workers",
        type=int,
        help="processes evaluating individuals (default 1; the result is the same for any)",
    )
    evolve.add_argument("--data", type=Path, help="a dataset file (.json or .csv)")
    evolve.add_argument("--space", type=Path, help="a search space (JSON, nn.evolve.Space)")
    evolve.add_argument("--target-error", type=float, help="stop once the best error is below")
    evolve.add_argument(
        "--scheduler",
        help="a Dask scheduler address (pip install .[distributed]); its workers evaluate the "
        "individuals, so --workers does not apply",
    )
    evolve.add_argument("--out", type=Path, help="write the best trained model here (JSON)")
    evolve.add_argument("--history", type=Path, help="write every individual here (JSON)")
    evolve.add_argument("--quiet", action="store_true", help="no progress bar")
    return parser


def _read_dataset(path: Path, net: Network) -> tuple[Any, Any]:
    text = path.read_text(encoding="utf-8")
    parse = parse_csv if path.suffix.lower() == ".csv" else parse_json
    return parse(text, net.layers[0], net.layers[-1])


def _read_model(path: Path) -> Network:
    net = _read_any_model(path)
    if isinstance(net, RecurrentNetwork):
        raise SchemaError(f"{path} holds a recurrent network; train it with --kind recurrent")
    return net


def _read_any_model(path: Path) -> Network | RecurrentNetwork:
    data = safejson.loads(path.read_bytes(), str(path), MODEL_MAX_BYTES)
    return load_model(data)


def _bar(trainer: Trainer | RecurrentTrainer, stream: TextIO, unit: str = "samples") -> None:
    progress = trainer.progress()
    total = trainer.epochs * len(trainer._x)
    filled = int(BAR_WIDTH * progress["samples"] / total) if total else BAR_WIDTH
    error = "-" if progress["error"] is None else f"{progress['error']:.3e}"
    stream.write(
        f"\r[{'#' * filled}{'.' * (BAR_WIDTH - filled)}] epoch "
        f"{progress['epoch']}/{progress['epochs']}  error {error}  "
        f"{progress['samples_per_s']:,.0f} {unit}/s "
    )
    stream.flush()


def _run(trainer: Trainer | RecurrentTrainer, quiet: bool, unit: str = "samples") -> None:
    """Train to the end in slices, with a progress bar on stderr unless ``quiet``."""
    try:
        while not trainer.finished:
            trainer.run(max_seconds=REFRESH_SECONDS)
            if not quiet:
                _bar(trainer, sys.stderr, unit)
    finally:
        if not quiet:
            sys.stderr.write("\n")


def _write(net: Network | RecurrentNetwork, out: Path | None) -> None:
    if out is not None:
        out.write_text(json.dumps(net.export(), allow_nan=False) + "\n", encoding="utf-8")
        print(f"wrote {out}")


# Flags that describe a new network: with --model they cannot apply.
NEW_NETWORK_FLAGS = {
    "layers": "--layers",
    "activation": "--activation",
    "output_activation": "--output-activation",
    "init": "--init",
    "no_bias": "--no-bias",
}


def _continued(args: argparse.Namespace) -> Network:
    """The saved model, with only the settings given on the command line changed."""
    given = [flag for key, flag in NEW_NETWORK_FLAGS.items() if getattr(args, key)]
    if given:
        raise SchemaError(
            f"{', '.join(given)} cannot apply to a loaded model ({args.model}): its layers, "
            "activations, init and bias are fixed; leave the flag out to keep the model's, or "
            "train a new network without --model"
        )
    net = _read_model(args.model)
    if args.lr is not None:
        net.learning_rate = args.lr
    if args.optimizer is not None or args.momentum is not None:
        options = {"momentum": args.momentum} if args.momentum is not None else None
        net.set_optimizer(args.optimizer or net.optimizer, options)
    if args.dropout is not None:
        net.dropout = args.dropout
    return net


def _new(args: argparse.Namespace) -> Network:
    """A new network from the flags, ``nn.defaults`` for the ones not given."""
    layers = args.layers if args.layers is not None else "-".join(map(str, defaults.LAYERS))
    return Network(
        parse_layers(layers),
        learning_rate=defaults.LEARNING_RATE if args.lr is None else args.lr,
        activation=args.activation or defaults.ACTIVATION,
        output_activation=args.output_activation or defaults.OUTPUT_ACTIVATION,
        bias=not args.no_bias,
        seed=args.seed,
        optimizer=args.optimizer or defaults.OPTIMIZER,
        optimizer_options={"momentum": args.momentum} if args.momentum is not None else None,
        dropout=defaults.DROPOUT if args.dropout is None else args.dropout,
        init=args.init or defaults.INIT,
    )


def _train(args: argparse.Namespace) -> int:
    if args.kind == "recurrent":
        return _train_recurrent(args)
    if args.epochs is None:
        args.epochs = defaults.EPOCHS
    if args.batch_size is None:
        args.batch_size = defaults.BATCH_SIZE
    net = _continued(args) if args.model is not None else _new(args)
    if args.data is not None:
        inputs, targets = _read_dataset(args.data, net)
    else:
        if net.layers[0] != net.layers[-1]:
            raise SchemaError(
                f"the random identity dataset needs as many inputs as outputs; "
                f"layers {list(net.layers)} differ, so give --data"
            )
        inputs, targets = random_dataset(args.samples, seed=args.seed, size=net.layers[0])
    trainer = Trainer(
        net,
        inputs,
        targets,
        args.epochs,
        args.batch_size,
        not args.no_shuffle,
        seed=args.seed,
        target_error=args.target_error,
    )
    _run(trainer, args.quiet)
    summary = trainer.summary()
    print(
        f"{net!r}: {summary.epochs_done} epochs on {len(inputs)} samples, "
        f"final mean error {summary.final_error:.6g}, "
        f"{summary.samples_per_s:,.0f} samples/s, {summary.seconds:.2f} s"
    )
    _write(net, args.out)
    return 0


def _info(args: argparse.Namespace) -> int:
    if isinstance(_read_any_model(args.model), RecurrentNetwork):
        return _info_recurrent(args)
    net = _read_model(args.model)
    params = net.export_params()
    print(f"{args.model}: {net!r}")
    print(
        f"  parameters: {net.parameter_count}  bias: {net.bias}  dropout: {net.dropout}  "
        f"init: {params['init']}  output activation: {params['output_activation']}  "
        f"optimizer options: {params['optimizer_options']}"
    )
    if args.data is not None:
        inputs, targets = _read_dataset(args.data, net)
        print(
            f"  mean error on {args.data} ({len(inputs)} samples): "
            f"{net.evaluate(inputs, targets):.6g}"
        )
    return 0


# --- recurrent networks ----------------------------------------------------------------------


def _read_strokes(path: Path) -> list[Any]:
    """A moves.csv file -> strokes resampled at the fixed rate."""
    strokes = trajectories.parse_moves(path.read_text(encoding="utf-8"))
    return [trajectories.resample(times, points) for times, points in strokes]


def _train_recurrent(args: argparse.Namespace) -> int:
    if args.model is not None:
        net = _read_any_model(args.model)
        if not isinstance(net, RecurrentNetwork):
            raise SchemaError(f"{args.model} holds a feed-forward network, not a recurrent one")
    else:
        net = RecurrentNetwork(
            [trajectories.N_INPUTS, args.hidden, trajectories.N_OUTPUTS],
            activation=args.activation or RECURRENT_DEFAULTS["activation"],
            seed=args.seed,
            bptt=args.bptt,
            clip=args.clip,
        )
    net.learning_rate = args.lr if args.lr is not None else RECURRENT_PRETRAIN["learning_rate"]
    options = {"momentum": args.momentum} if args.momentum is not None else None
    net.set_optimizer(args.optimizer or RECURRENT_PRETRAIN["optimizer"], options)
    if args.data is not None:
        strokes = _read_strokes(args.data)
        source = str(args.data)
    else:
        strokes = trajectories.generate(
            args.trajectories, args.strokes, int(12 * trajectories.HZ), seed=args.seed
        )
        source = f"{args.strokes} generated {args.trajectories}"
    inputs, targets = trajectories.strokes_to_sequences(strokes, args.sequence, args.stride)
    epochs = args.epochs if args.epochs is not None else RECURRENT_PRETRAIN["epochs"]
    batch = args.batch_size if args.batch_size is not None else RECURRENT_PRETRAIN["batch_size"]
    trainer = RecurrentTrainer(
        net, inputs, targets, epochs, batch, seed=args.seed, target_error=args.target_error
    )
    _run(trainer, args.quiet, "sequences")
    summary = trainer.summary()
    print(
        f"{net!r}: {summary.epochs_done} epochs on {len(inputs)} sequences of "
        f"{inputs.shape[1]} steps from {source}, final mean error {summary.final_error:.6g}, "
        f"{summary.samples_per_s:,.0f} sequences/s, {summary.seconds:.2f} s"
    )
    _write(net, args.out)
    return 0


def _info_recurrent(args: argparse.Namespace) -> int:
    net = _read_any_model(args.model)
    assert isinstance(net, RecurrentNetwork)
    params = net.export_params()
    print(f"{args.model}: {net!r}")
    print(
        f"  parameters: {net.parameter_count}  clip: {params['clip']}  "
        f"inputs: x, y, dx, dy  outputs: the next dx, dy"
    )
    if args.data is not None:
        inputs, targets = trajectories.strokes_to_sequences(_read_strokes(args.data))
        print(
            f"  mean error on {args.data} ({len(inputs)} sequences): "
            f"{net.evaluate(inputs, targets):.6g}"
        )
    return 0


def process_pool(workers: int):
    """A process pool for ``nn.evolve``: spawned processes (the same on every OS) whose numpy
    runs its linear algebra on one thread each: OpenBLAS's own threads in every worker would
    oversubscribe the cores (the networks' matrices are far too small to gain from them)."""
    import concurrent.futures
    import multiprocessing
    import os

    for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(name, "1")  # read by the workers' numpy when it loads
    spawn = multiprocessing.get_context("spawn")
    return concurrent.futures.ProcessPoolExecutor(workers, mp_context=spawn)


def _evolve(args: argparse.Namespace) -> int:
    import concurrent.futures
    import importlib

    from nn import evolve

    if args.data is not None:
        text = args.data.read_text(encoding="utf-8")
        inputs, targets = (parse_csv if args.data.suffix.lower() == ".csv" else parse_json)(text)
    else:
        inputs, targets = random_dataset(args.samples, seed=args.seed)
    space = None
    if args.space is not None:
        data = safejson.loads(args.space.read_bytes(), str(args.space), MODEL_MAX_BYTES)
        space = evolve.Space.from_dict(data)
    n_in, n_out = len(inputs[0]), len(targets[0])
    if args.scheduler is not None and args.workers is not None:
        raise NNError(
            f"--workers {args.workers} and --scheduler {args.scheduler} do not go together: "
            "the Dask cluster's workers evaluate the individuals; drop one of them"
        )
    workers = 1 if args.workers is None else args.workers
    if args.scheduler is not None:
        try:
            client = importlib.import_module("distributed").Client(args.scheduler)
        except ImportError:
            raise NNError("--scheduler needs Dask: pip install 'nn[distributed]'") from None
        executor = client.get_executor()
        close = lambda: (executor.shutdown(), client.close())  # noqa: E731
    elif workers > 1:
        executor = process_pool(workers)
        close = lambda: executor.shutdown(cancel_futures=True)  # noqa: E731
    elif workers == 1:
        executor = close = None
    else:
        raise SchemaError(f"--workers must be at least 1, got {workers}")
    bar = None if args.quiet else sys.stderr
    print(evolve.table_header())
    generation = [1]

    def on_evaluation(done: int, total: int) -> None:
        if bar is not None:
            filled = BAR_WIDTH * done // total
            bar.write(
                f"\r[{'#' * filled}{'.' * (BAR_WIDTH - filled)}] generation "
                f"{generation[0]}/{args.generations}: {done}/{total} trained "
            )
            bar.flush()

    def on_generation(record: dict[str, Any]) -> None:
        generation[0] = record["generation"] + 2
        if bar is not None:
            bar.write("\r" + " " * (BAR_WIDTH + 50) + "\r")
        print(evolve.table_row(record, n_in, n_out), flush=True)

    try:
        result = evolve.evolve(
            inputs, targets, space=space, population=args.population,
            generations=args.generations, budget=args.budget, seed=args.seed,
            executor=executor, on_generation=on_generation, on_evaluation=on_evaluation,
            target_error=args.target_error,
        )  # fmt: skip
    except concurrent.futures.BrokenExecutor as exc:  # a worker process died (killed, no memory)
        if bar is not None:
            bar.write("\n")
        raise NNError(
            f"a worker process stopped unexpectedly, so the search stopped ({exc}); "
            "the generations above are complete"
        ) from None
    finally:
        if close is not None:
            close()
    if result.best is None:
        raise NNError("every individual failed; see --history for the reasons")
    best = result.best
    print(f"best: {evolve.describe(best['genome'], best['error'], n_in, n_out)}")
    print(
        f"  {best['parameters']} parameters, fitness {best['fitness']:.2f}; "
        f"{result.evaluations} networks trained in {result.seconds:.1f} s"
    )
    if args.out is not None:
        args.out.write_text(json.dumps(result.model, allow_nan=False) + "\n", encoding="utf-8")
        print(f"wrote {args.out}")
    if args.history is not None:
        text = json.dumps(result.to_dict()["history"], allow_nan=False)
        args.history.write_text(text + "\n", encoding="utf-8")
        print(f"wrote {args.history}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status (0 ok, 2 error)."""
    args = _parser().parse_args(argv)
    try:
        command = {"train": _train, "info": _info, "evolve": _evolve}[args.command]
        return command(args)
    except (NNError, OSError, UnicodeDecodeError) as exc:
        message = str(exc) if not isinstance(exc, OSError) else f"{exc.strerror}: {exc.filename}"
        print(f"nn: error: {message}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("\nnn: interrupted", file=sys.stderr)
        return 130
