"""The core's contract: output activations, weighted sums, one source of defaults, and three
defects that once slipped through (a second step without a feed, a continued model losing its
settings, random state not restored after a stop or a guard trip)."""

from __future__ import annotations

import ast
import itertools
import json
import math
import re
from pathlib import Path

import numpy as np
import pytest

from nn import Network, NNError, SchemaError, Trainer, defaults, random_dataset, train
from nn.activations import ACTIVATIONS
from nn.cli import main as cli_main
from nn.engine import Engine
from nn.errors import DivergenceError
from nn.optimizers import OPTIMIZERS
from nn.validation import check_sample

ROOT = Path(__file__).resolve().parents[2]


# --- output_activation and sums -----------------------------------------------------------------


@pytest.mark.parametrize("output", ["linear", "tanh", "sigmoid", "relu", "leaky_relu"])
def test_output_activation_shapes_the_outputs_and_the_output_delta(output: str) -> None:
    """outputs[-1] = f(sums[-1]); the output delta is f'(out) * (t - out), checked by hand for
    tanh/sigmoid, whose derivatives in terms of the output are 1 - y**2 and y * (1 - y)."""
    net = Network([2, 3, 2], learning_rate=0.1, activation="tanh", seed=1, output_activation=output)
    x = np.array([0.3, -0.7])
    out = net.feed(x)
    z = np.tanh(x @ net.weights[0] + net.biases[0]) @ net.weights[1] + net.biases[1]
    np.testing.assert_allclose(net.sums[-1], z, rtol=0, atol=1e-15)
    by_hand = {
        "linear": z,
        "tanh": np.tanh(z),
        "sigmoid": 1 / (1 + np.exp(-z)),
        "relu": np.maximum(z, 0),
        "leaky_relu": np.where(z > 0, z, 0.01 * z),
    }[output]
    np.testing.assert_allclose(out, by_hand, rtol=0, atol=1e-12)
    t = np.array([0.5, 0.25])
    net.backpropagate(t)
    slope = {
        "linear": np.ones(2),
        "tanh": 1 - out**2,
        "sigmoid": out * (1 - out),
        "relu": (out > 0).astype(float),
        "leaky_relu": np.where(out > 0, 1.0, 0.01),
    }[output]
    np.testing.assert_allclose(net.deltas[-1], slope * (t - out), rtol=0, atol=1e-15)


def test_sums_are_the_weighted_sums_of_every_non_input_layer() -> None:
    net = Network([2, 4, 3, 2], activation="relu", seed=2)
    net.feed([0.5, -0.5])
    assert [s.shape for s in net.sums] == [(4,), (3,), (2,)]
    for k, s in enumerate(net.sums):
        np.testing.assert_allclose(s, net.outputs[k] @ net.weights[k] + net.biases[k], atol=1e-15)
    # relu of a hidden layer's sums are its outputs; some sums are negative, so this is no echo
    assert (net.sums[0] < 0).any() or (net.sums[1] < 0).any()
    np.testing.assert_array_equal(net.outputs[1], np.maximum(net.sums[0], 0))


def test_output_activation_is_saved_and_files_without_it_load_as_linear() -> None:
    net = Network([2, 3, 2], seed=0, output_activation="sigmoid")
    data = json.loads(json.dumps(net.export()))
    assert data["params"]["output_activation"] == "sigmoid"
    again = Network.from_export(data)
    assert again.output_activation == "sigmoid"
    np.testing.assert_array_equal(again.feed([0.1, 0.2]), net.feed([0.1, 0.2]))
    del data["params"]["output_activation"]  # a file from before the field existed
    assert Network.from_export(data).output_activation == "linear"
    data["params"]["output_activation"] = "softmax"
    with pytest.raises(SchemaError, match="output_activation must be one of"):
        Network.from_export(data)


def test_cli_output_activation_flag(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    out = tmp_path / "m.json"
    argv = ["train", "--output-activation", "tanh", "--epochs", "1", "--samples", "50"]
    assert cli_main([*argv, "--quiet", "--out", str(out)]) == 0
    assert json.loads(out.read_text())["params"]["output_activation"] == "tanh"


# --- defect: a second backpropagate without a feed ----------------------------------------------


def test_a_second_backpropagate_without_a_new_feed_is_an_error_and_changes_nothing() -> None:
    net = Network([2, 6, 2], learning_rate=0.1, seed=0)
    net.feed([0.5, 0.5])
    net.backpropagate([0.5, 0.5])
    weights = [w.copy() for w in net.weights]
    with pytest.raises(NNError, match="needs a new feed"):
        net.backpropagate([0.5, 0.5])
    assert all(np.array_equal(a, b) for a, b in zip(weights, net.weights, strict=True))
    assert net.iterations == 1
    net.feed([0.5, 0.5])  # a new feed makes the next step possible again
    net.backpropagate([0.5, 0.5])
    assert net.iterations == 2


# --- defect: continuing a model with the CLI ----------------------------------------------------


def _saved(tmp_path: Path) -> Path:
    path = tmp_path / "m.json"
    net = Network([2, 4, 2], learning_rate=0.0123, activation="tanh", seed=0, optimizer="adam")
    path.write_text(json.dumps(net.export()))
    return path


def test_cli_continuing_a_model_keeps_its_settings(tmp_path: Path) -> None:
    model, out = _saved(tmp_path), tmp_path / "out.json"
    argv = ["train", "--model", str(model), "--epochs", "1", "--samples", "20", "--quiet"]
    assert cli_main([*argv, "--out", str(out)]) == 0
    params = json.loads(out.read_text())["params"]
    assert (params["learning_rate"], params["optimizer"], params["activation"]) == (
        0.0123,
        "adam",
        "tanh",
    )
    assert cli_main([*argv, "--lr", "0.002", "--optimizer", "momentum", "--out", str(out)]) == 0
    params = json.loads(out.read_text())["params"]
    assert (params["learning_rate"], params["optimizer"]) == (0.002, "momentum")


@pytest.mark.parametrize(
    ("flag", "value"),
    [
        ("--layers", "2-6-2"),
        ("--activation", "relu"),
        ("--output-activation", "tanh"),
        ("--init", "scaled"),
        ("--no-bias", None),
    ],
)
def test_cli_a_flag_that_cannot_apply_to_a_model_is_an_error_naming_it(
    tmp_path: Path, capsys: pytest.CaptureFixture, flag: str, value: str | None
) -> None:
    model = _saved(tmp_path)
    extra = [flag] if value is None else [flag, value]
    argv = ["train", "--model", str(model), "--epochs", "1", "--samples", "20", "--quiet"]
    assert cli_main([*argv, *extra]) == 2
    err = capsys.readouterr().err
    assert flag in err and "cannot apply to a loaded model" in err


# --- defect: random state after a stop or a guard trip ------------------------------------------


def _dropout_net() -> Network:
    return Network([2, 6, 6, 2], learning_rate=0.01, seed=4, dropout=0.3)


def test_a_stopped_seeded_run_restores_the_dropout_generator() -> None:
    """Stopping mid-epoch puts the network back at the epoch's start, dropout draws included:
    the next run then trains exactly as if the stopped epoch had never begun."""
    x, t = random_dataset(2000, seed=0)
    stopped, fresh = _dropout_net(), _dropout_net()
    polls = iter([False, False, True])  # stop after two chunks of the first epoch
    summary = train(stopped, x, t, 1, seed=7, should_stop=lambda: next(polls))
    assert summary.stopped and summary.epochs_done == 0
    assert stopped.rng.bit_generator.state == fresh.rng.bit_generator.state
    train(stopped, x, t, 1, seed=8)
    train(fresh, x, t, 1, seed=8)
    np.testing.assert_array_equal(stopped._flat, fresh._flat)


def test_a_guard_trip_restores_the_dropout_generator_to_the_last_good_step() -> None:
    """After a divergence, the network and its generator are as after the last good step: a
    readable replay of the good steps from the start draws the same masks and lands there."""
    x, t = random_dataset(300, seed=0)
    t = t * 30.0  # the error grows until the guard trips, within the first chunk of steps
    net = Network([2, 6, 6, 2], learning_rate=0.05, seed=4, dropout=0.3)
    with pytest.raises(DivergenceError) as caught:
        train(net, x, t, 5, shuffle=False, seed=7)
    steps = net.iterations
    assert 0 < steps < 5 * len(x) and caught.value.summary is not None
    slow = Network([2, 6, 6, 2], learning_rate=0.05, seed=4, dropout=0.3)
    for i in range(steps):
        slow.feed(x[i % len(x)])
        slow.backpropagate(t[i % len(x)])
    np.testing.assert_allclose(net._flat, slow._flat, rtol=0, atol=1e-9)
    assert net.rng.bit_generator.state == slow.rng.bit_generator.state


# --- one source of defaults; no import cycle ----------------------------------------------------


def _literal(node: ast.AST | None) -> object:
    """The value of a literal (a number, string, bool or tuple of them); None for anything else."""
    try:
        value = ast.literal_eval(node) if node is not None else None
    except ValueError:
        return None
    return value if isinstance(value, int | float | str | tuple) else None


def _same(a: object, b: object) -> bool:
    """Equal values of the same kind (True is not 1; 1 and 1.0 are the same number)."""
    if isinstance(a, tuple) and isinstance(b, tuple):
        return len(a) == len(b) and all(map(_same, a, b))
    kinds = (type(a) is bool, type(b) is bool, isinstance(a, str), isinstance(b, str))
    return kinds[0] == kinds[1] and kinds[2] == kinds[3] and a == b


def _defaults_by_name() -> dict[str, list[tuple[str, object]]]:
    """Every literal of nn/defaults.py by lower-case name: its constants, and the keys of its
    dicts (``batch_size`` is BATCH_SIZE, PRETRAIN_DEFAULTS["batch_size"], ...)."""
    found: dict[str, list[tuple[str, object]]] = {}
    for node in ast.parse((ROOT / "nn" / "defaults.py").read_text()).body:
        if isinstance(node, ast.Assign | ast.AnnAssign) and isinstance(_target(node), ast.Name):
            name = _target(node).id
            if isinstance(node.value, ast.Dict):
                for key, value in zip(node.value.keys, node.value.values, strict=True):
                    if _literal(value) is not None and isinstance(key, ast.Constant):
                        found.setdefault(key.value, []).append(
                            (f"{name}[{key.value!r}]", _literal(value))
                        )
            elif _literal(node.value) is not None:
                found.setdefault(name.lower(), []).append((name, _literal(node.value)))
    return found


def _target(node: ast.Assign | ast.AnnAssign) -> ast.AST:
    return node.targets[0] if isinstance(node, ast.Assign) else node.target


def _named_literals(path: Path) -> list[tuple[str, int, object]]:
    """(name, line, value) of every literal default in ``path``: a function's parameters, a module
    or class constant (dataclass fields too), and the string keys of a constant dict."""
    tree = ast.parse(path.read_text())
    named: list[tuple[str, ast.AST]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            args = node.args
            positional = (args.posonlyargs + args.args)[
                len(args.posonlyargs + args.args) - len(args.defaults) :
            ]
            named += [(a.arg, d) for a, d in zip(positional, args.defaults, strict=True)]
            keywords = zip(args.kwonlyargs, args.kw_defaults, strict=True)
            named += [(a.arg, d) for a, d in keywords if d is not None]
    bodies = [tree.body] + [c.body for c in ast.walk(tree) if isinstance(c, ast.ClassDef)]
    for node in (n for body in bodies for n in body):
        if isinstance(node, ast.Assign | ast.AnnAssign) and node.value is not None:
            if isinstance(_target(node), ast.Name):
                named.append((_target(node).id, node.value))
            for d in (d for d in ast.walk(node.value) if isinstance(d, ast.Dict)):
                entries = zip(d.keys, d.values, strict=True)
                named += [(k.value, v) for k, v in entries if isinstance(k, ast.Constant)]
    return [
        (str(name), node.lineno, _literal(node))
        for name, node in named
        if _literal(node) is not None
    ]


# A seed names a sequence of random numbers, not a behaviour: each part starts from 0 on its own.
_NOT_DEFAULTS = {"seed"}
_ALIASES = {"lr": "learning_rate"}


def test_defaults_are_read_not_restated() -> None:
    """A literal in nn/ or nnpage/ that gives a name of nn/defaults.py the value defaults.py gives
    it (``batch_size: int = 1``, ``LEAKY_SLOPE = 0.01``, ``"optimizer": "sgd"``) restates it."""
    from nn.schema import MAX_BATCH_SIZE, PARAM_DEFAULTS

    assert PARAM_DEFAULTS["learning_rate"] is defaults.LEARNING_RATE
    assert MAX_BATCH_SIZE is defaults.MAX_BATCH_SIZE
    net = Network(list(defaults.LAYERS))
    assert (net.learning_rate, net.activation, net.optimizer) == (
        defaults.LEARNING_RATE,
        defaults.ACTIVATION,
        defaults.OPTIMIZER,
    )
    known = _defaults_by_name()
    restated = [
        f"{path.relative_to(ROOT)}:{line}: {name} = {value!r} restates defaults.{where}"
        for folder in ("nn", "nnpage")
        for path in sorted((ROOT / folder).glob("*.py"))
        if path.name != "defaults.py"
        for name, line, value in _named_literals(path)
        if name.lower() not in _NOT_DEFAULTS
        for where, default in known.get(_ALIASES.get(name.lower(), name.lower()), [])
        if _same(value, default)
    ]
    assert not restated, "\n".join(restated)


def test_defaults_py_derives_what_it_would_restate() -> None:
    """Inside nn/defaults.py, two constants with the same literal value that measure the same
    thing (a word in common besides MAX, MIN, LIMIT(S) and the part they belong to) restate each
    other: one must be written in terms of the other."""
    context = {"MAX", "MIN", "LIMIT", "LIMITS", "PAGE", "EVOLVE", "JSON", "RECURRENT"}
    # Two defaults that agree without one following from the other: the article's hidden and
    # output layers are both linear.
    independent = {frozenset({"ACTIVATION", "OUTPUT_ACTIVATION"})}
    values = []  # (name, value) with a tuple's items one by one
    for node in ast.parse((ROOT / "nn" / "defaults.py").read_text()).body:
        if isinstance(node, ast.Assign | ast.AnnAssign) and isinstance(_target(node), ast.Name):
            value = _literal(node.value)
            items = value if isinstance(value, tuple) else (value,)
            values += [(_target(node).id, item) for item in items if item is not None]
    restated = [
        (a, b)
        for (a, x), (b, y) in itertools.combinations(values, 2)
        if a != b
        and _same(x, y)
        and set(a.split("_")) & set(b.split("_")) - context
        and frozenset({a, b}) not in independent
    ]
    assert not restated, restated


def test_the_defaults_scan_finds_a_restated_default(tmp_path: Path) -> None:
    """The two tests above can fail: each kind of restatement is found, and a value that only
    shares a name (or only a value) is not."""
    path = tmp_path / "m.py"
    path.write_text(
        "LEAKY_SLOPE = 0.01\n"
        "BASE = {'optimizer': 'sgd', 'inner': {'bias': True}}\n"
        "def f(x, batch_size=1, *, lr=0.005, bias=1, dropout=0.5, seed=0): ...\n"
        "class S:\n    activation: str = 'linear'\n"
    )
    known = _defaults_by_name()
    hits = {
        name
        for name, _, value in _named_literals(path)
        for _, default in known.get(_ALIASES.get(name.lower(), name.lower()), [])
        if _same(value, default)
    }
    assert hits == {"LEAKY_SLOPE", "optimizer", "bias", "batch_size", "lr", "activation", "seed"}
    assert not _same(1, True) and _same(1, 1.0) and _same((1e-5, 1), (1e-5, 1.0))


def _imports(path: Path, modules: set[str]) -> set[str]:
    """The modules of ``modules`` that ``path`` imports, anywhere in it (lazy imports count)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("nn"):
            found.add(node.module)
            if node.module == "nn":
                found.update(f"nn.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("nn."))
    return found & modules - {f"nn.{path.stem}"}


def _import_cycle(folder: Path) -> list[str] | None:
    """An import cycle among the modules of the package in ``folder`` (named ``nn.*``), or None."""
    paths = [p for p in folder.glob("*.py") if p.stem not in ("__init__", "__main__")]
    modules = {f"nn.{p.stem}" for p in paths}
    graph = {f"nn.{p.stem}": _imports(p, modules) for p in paths}

    def visit(node: str, path: tuple[str, ...]) -> list[str] | None:
        if node in path:
            return [*path[path.index(node) :], node]
        for child in sorted(graph.get(node, ())):
            cycle = visit(child, (*path, node))
            if cycle:
                return cycle
        return None

    for module in sorted(graph):
        cycle = visit(module, ())
        if cycle:
            return cycle
    return None


def test_no_import_cycle_inside_nn() -> None:
    folder = ROOT / "nn"
    network = _imports(folder / "network.py", {f"nn.{p.stem}" for p in folder.glob("*.py")})
    assert "nn.engine" not in network and "nn.training" not in network
    cycle = _import_cycle(folder)
    assert cycle is None, f"import cycle: {' -> '.join(cycle)}"


def test_the_cycle_finder_finds_a_cycle(tmp_path: Path) -> None:
    """The test above can fail: two modules that import each other, one of them lazily inside a
    function and through ``from nn import``, are found as a cycle; without that import, none."""
    (tmp_path / "network.py").write_text("import numpy\n\ndef f():\n    from nn import training\n")
    (tmp_path / "training.py").write_text("from nn.network import f\n")
    (tmp_path / "defaults.py").write_text("X = 1\n")
    assert _import_cycle(tmp_path) == ["nn.network", "nn.training", "nn.network"]
    (tmp_path / "network.py").write_text("import numpy\n")
    assert _import_cycle(tmp_path) is None


def _algorithm_lines() -> tuple[dict[str, int], int]:
    """Lines of feed, _forward and backpropagate (docstrings and comments count), and of the
    whole of nn/network.py."""
    source = (ROOT / "nn" / "network.py").read_text()
    body = {
        f.name: f.end_lineno - f.lineno + 1
        for f in ast.walk(ast.parse(source))
        if isinstance(f, ast.FunctionDef) and f.name in ("feed", "_forward", "backpropagate")
    }
    return body, len(source.splitlines())


def test_feed_and_backpropagate_stay_short() -> None:
    """The readable algorithm stays readable: feed, its forward pass and backpropagate in at most
    60 lines together, the module well under 300."""
    body, total = _algorithm_lines()
    assert set(body) == {"feed", "_forward", "backpropagate"}, body
    assert sum(body.values()) <= 60, body
    assert total < 300


def test_the_readme_points_at_the_algorithm() -> None:
    """The README's core section names files and functions that exist, and the line counts it
    states are the real ones."""
    text = (ROOT / "README.md").read_text()
    section = text[text.index("**Where the algorithm is.**") : text.index("**Defaults.**")]
    section = " ".join(section.split())  # the paragraph is wrapped
    named = re.findall(r"`(Network|Engine)\.(\w+)`", section)
    assert ("Network", "feed") in named and ("Network", "backpropagate") in named
    for owner, name in named:
        assert callable(getattr({"Network": Network, "Engine": Engine}[owner], name, None)), name
    for path in re.findall(r"`(nn/\w+\.py)`", section):
        assert (ROOT / path).is_file(), path
    assert "`check_sample` (`nn/validation.py`)" in section and callable(check_sample)
    body, total = _algorithm_lines()
    assert f"{sum(body.values())} lines for the three functions" in section
    assert f"a module of {total} lines" in section


def test_guard_message_names_the_learning_rate() -> None:
    net = Network([2, 2], learning_rate=0.5, seed=0)
    net.feed([1e5, 1e5])
    with pytest.raises(DivergenceError, match=r"learning rate 0\.5"):
        net.backpropagate([-1e5, -1e5])
    assert math.isfinite(float(np.abs(net._flat).max()))


def test_trainer_reads_the_default_batch_size() -> None:
    x, t = random_dataset(10, seed=0)
    assert Trainer(Network([2, 2], seed=0), x, t, 1).batch_size == defaults.BATCH_SIZE


# --- the engine at batch 1 is the readable step ---------------------------------------------------


_VARIANTS = [(True, 0.0), (False, 0.0), (True, 0.25), (False, 0.25)]  # (bias, dropout)
# Every hidden activation x optimizer x (bias, dropout), each with an output activation chosen so
# that every pair of values (hidden and output activation included) meets in some case.
_ENGINE_CASES = [
    (activation, list(ACTIVATIONS)[(i + j + k) % len(ACTIVATIONS)], optimizer, bias, dropout)
    for i, activation in enumerate(ACTIVATIONS)
    for j, optimizer in enumerate(OPTIMIZERS)
    for k, (bias, dropout) in enumerate(_VARIANTS)
]


def test_the_engine_cases_meet_every_pair_of_settings() -> None:
    values = [list(ACTIVATIONS), list(ACTIVATIONS), list(OPTIMIZERS), _VARIANTS]
    cases = [(a, o, opt, (bias, dropout)) for a, o, opt, bias, dropout in _ENGINE_CASES]
    for i, j in itertools.combinations(range(4), 2):
        seen = {(case[i], case[j]) for case in cases}
        assert seen == set(itertools.product(values[i], values[j])), (i, j)


@pytest.mark.parametrize(("activation", "output", "optimizer", "bias", "dropout"), _ENGINE_CASES)
def test_engine_batch_1_equals_feed_backpropagate(
    activation: str, output: str, optimizer: str, bias: bool, dropout: float
) -> None:
    """300 steps through nn.train(batch_size=1) and through feed + backpropagate: the same
    weights to 1e-12, the same iterations, the same generator state (same dropout draws)."""
    x, t = random_dataset(100, seed=5)
    settings = {
        "learning_rate": 0.02 if optimizer != "adam" else 0.003,
        "activation": activation,
        "output_activation": output,
        "bias": bias,
        "seed": 9,
        "optimizer": optimizer,
        "dropout": dropout,
    }
    fast, slow = Network([2, 5, 4, 2], **settings), Network([2, 5, 4, 2], **settings)
    train(fast, x, t, 3, batch_size=1, shuffle=False)
    for _ in range(3):
        for xi, ti in zip(x, t, strict=True):
            slow.feed(xi)
            slow.backpropagate(ti)
    assert fast.iterations == slow.iterations == 300
    assert np.abs(fast._flat - slow._flat).max() <= 1e-12
    assert not np.array_equal(slow._flat, Network([2, 5, 4, 2], **settings)._flat)  # it moved
    assert fast.rng.bit_generator.state == slow.rng.bit_generator.state
