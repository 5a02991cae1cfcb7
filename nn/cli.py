"""The command line: the one place in nn that prints and touches files.

    python -m nn train --layers 2-6-6-6-2 --activation linear --lr 0.005 --epochs 50 \\
        --batch-size 1 --samples 1000 --seed 0 --out model.json
    python -m nn info model.json [--data dataset.csv]

``train`` draws a seeded random identity dataset (or reads ``--data``), trains with a progress bar
on stderr, prints the final error and speed, and writes the same JSON export the browser app
imports. ``train --model m.json`` continues a saved model with its own settings: ``--lr``,
``--optimizer``, ``--momentum`` and ``--dropout`` change them when given, and a flag that
describes a new network (``--layers``, ``--activation``, ...) is an error. Defaults come from
``nn.defaults``. Any error prints one line and exits with status 2.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

from nn import __version__, defaults
from nn.activations import ACTIVATIONS
from nn.datasets import parse_csv, parse_json, random_dataset
from nn.errors import NNError, SchemaError
from nn.network import Network
from nn.optimizers import OPTIMIZERS
from nn.schema import INITIALISATIONS, parse_layers
from nn.training import Trainer

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
    train.add_argument("--lr", type=float, help=f"learning rate ({defaults.LEARNING_RATE})")
    train.add_argument("--optimizer", choices=list(OPTIMIZERS), help=f"({defaults.OPTIMIZER})")
    train.add_argument("--momentum", type=float, help="momentum / nesterov coefficient")
    train.add_argument("--epochs", type=int, default=defaults.EPOCHS)
    train.add_argument("--batch-size", type=int, default=defaults.BATCH_SIZE)
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

    info = commands.add_parser("info", help="describe a saved model")
    info.add_argument("model", type=Path)
    info.add_argument("--data", type=Path, help="also report the mean error on this dataset")
    return parser


def _read_dataset(path: Path, net: Network) -> tuple[Any, Any]:
    text = path.read_text(encoding="utf-8")
    parse = parse_csv if path.suffix.lower() == ".csv" else parse_json
    return parse(text, net.layers[0], net.layers[-1])


def _read_model(path: Path) -> Network:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise SchemaError(f"{path} is not valid JSON: {exc}") from None
    return Network.from_export(data)


def _bar(trainer: Trainer, stream: TextIO) -> None:
    progress = trainer.progress()
    total = trainer.epochs * len(trainer._x)
    filled = int(BAR_WIDTH * progress["samples"] / total) if total else BAR_WIDTH
    error = "-" if progress["error"] is None else f"{progress['error']:.3e}"
    stream.write(
        f"\r[{'#' * filled}{'.' * (BAR_WIDTH - filled)}] epoch "
        f"{progress['epoch']}/{progress['epochs']}  error {error}  "
        f"{progress['samples_per_s']:,.0f} samples/s "
    )
    stream.flush()


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
    try:
        while not trainer.finished:
            trainer.run(max_seconds=REFRESH_SECONDS)
            if not args.quiet:
                _bar(trainer, sys.stderr)
    finally:
        if not args.quiet:
            sys.stderr.write("\n")
    summary = trainer.summary()
    print(
        f"{net!r}: {summary.epochs_done} epochs on {len(inputs)} samples, "
        f"final mean error {summary.final_error:.6g}, "
        f"{summary.samples_per_s:,.0f} samples/s, {summary.seconds:.2f} s"
    )
    if args.out is not None:
        args.out.write_text(json.dumps(net.export(), allow_nan=False) + "\n", encoding="utf-8")
        print(f"wrote {args.out}")
    return 0


def _info(args: argparse.Namespace) -> int:
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


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status (0 ok, 2 error)."""
    args = _parser().parse_args(argv)
    try:
        return _train(args) if args.command == "train" else _info(args)
    except (NNError, OSError, UnicodeDecodeError) as exc:
        message = str(exc) if not isinstance(exc, OSError) else f"{exc.strerror}: {exc.filename}"
        print(f"nn: error: {message}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("\nnn: interrupted", file=sys.stderr)
        return 130
