"""The recurrent network: its gradients against central finite differences and against a naive
step-by-step reference, the fast engine against the readable path, learning, export/import,
and bad input."""

from __future__ import annotations

import json

import numpy as np
import pytest

import nn
from nn import DivergenceError, Network, NNError, RecurrentNetwork, SchemaError, load_model
from nn.recurrent_engine import STACK_LIMIT, OnlineBPTT, RecurrentTrainer, batch_gradients
from nn.trajectories import generate, strokes_to_sequences

ACTIVATIONS = ["tanh", "sigmoid", "linear", "relu", "leaky_relu"]
KINKED = ("relu", "leaky_relu")  # f' jumps at z = 0: central differences across it are wrong


def sums_along(net, xs, h_start):
    """The hidden sums z_s of feeding ``xs`` from ``h_start``, (T, H)."""
    w_x, w_h, _ = net.weights
    b_h = net.biases[0]
    f = nn.ACTIVATIONS[net.activation].function
    h, zs = h_start, []
    for x in xs:
        zs.append(x @ w_x + h @ w_h + b_h)
        h = f(zs[-1].copy())
    return np.array(zs)


def inputs_away_from_the_kink(net, rng, shape, margin=1e-3):
    """Random inputs whose hidden sums all stay ``margin`` away from 0, where relu's derivative
    jumps: a central difference of step 1e-6 then never straddles the kink. For activations
    without a kink, the first draw."""
    for _ in range(200):
        xs = rng.normal(size=shape)
        if net.activation not in KINKED:
            return xs
        if np.min(np.abs(sums_along(net, xs, np.zeros(net.layers[1])))) > margin:
            return xs
    raise AssertionError("no draw of inputs kept away from the kink")


def naive_loss_and_gradients(net, xs, ts, h_start):
    """min-char-rnn written out: forward keeps every step, backward sums outer products step by
    step. ``ts`` may hold None for steps without a target. Loss is 1/2 sum (y - t)^2."""
    w_x, w_h, w_y = (np.array(w) for w in net.weights)
    b_h, b_y = (np.array(b) for b in net.biases)
    f = nn.ACTIVATIONS[net.activation]
    hs, ys = {-1: h_start}, {}
    loss = 0.0
    for s in range(len(xs)):
        hs[s] = f.function(xs[s] @ w_x + hs[s - 1] @ w_h + b_h)
        ys[s] = hs[s] @ w_y + b_y
        if ts[s] is not None:
            loss += 0.5 * np.sum((ys[s] - ts[s]) ** 2)
    grads = [np.zeros_like(a) for a in (w_x, w_h, b_h, w_y, b_y)]
    dh_next = np.zeros_like(h_start)
    for s in reversed(range(len(xs))):
        dy = np.zeros_like(b_y) if ts[s] is None else ys[s] - ts[s]
        grads[3] += np.outer(hs[s], dy)
        grads[4] += dy
        dh = w_y @ dy + dh_next
        dz = dh * f.derivative(hs[s])
        grads[0] += np.outer(xs[s], dz)
        grads[1] += np.outer(hs[s - 1], dz)
        grads[2] += dz
        dh_next = w_h @ dz
    return loss, grads


def flat_of(net) -> np.ndarray:
    return net._flat.copy()


def online_gradient(net, xs, target):
    """The gradient backpropagate() uses, read off an SGD step of rate 1 without clipping."""
    net.reset_state()
    for x in xs:
        net.feed(x)
    before = flat_of(net)
    net.backpropagate(target)
    return before - flat_of(net)


def sgd_net(activation="tanh", bptt=16, layers=(3, 5, 2), seed=1):
    return RecurrentNetwork(
        list(layers), learning_rate=1.0, activation=activation, optimizer="sgd",
        bptt=bptt, clip=1e6, seed=seed,
    )  # fmt: skip


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_online_gradient_matches_central_finite_differences(activation) -> None:
    rng = np.random.default_rng(0)
    net = sgd_net(activation)
    xs = inputs_away_from_the_kink(net, rng, (6, 3))  # fewer steps than bptt: the whole past
    if activation in KINKED:
        assert (
            np.min(sums_along(net, xs, np.zeros(5))) < 0 < np.max(sums_along(net, xs, np.zeros(5)))
        )
    target = rng.normal(size=2)
    grad = online_gradient(net, xs, target)

    def loss(flat):
        probe = sgd_net(activation)
        probe._flat[...] = flat
        y, h = None, np.zeros(5)
        for x in xs:
            y, h = probe.step(x, h)
        return 0.5 * float(np.sum((y - target) ** 2))

    base = flat_of(net) + grad  # the weights before the step
    eps = 1e-6
    numeric = np.array(
        [(loss(base + eps * e) - loss(base - eps * e)) / (2 * eps) for e in np.eye(base.size)]
    )
    assert np.allclose(grad, numeric, rtol=1e-5, atol=1e-8)


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_truncated_gradient_matches_the_naive_loop_over_the_last_bptt_steps(activation) -> None:
    rng = np.random.default_rng(1)
    net = sgd_net(activation, bptt=4)
    xs = rng.normal(size=(9, 3))
    target = rng.normal(size=2)
    net.reset_state()
    states = [np.zeros(5)]
    for x in xs:
        net.feed(x)
        states.append(net.state.copy())
    before = RecurrentNetwork.from_export(net.export())
    flat = flat_of(net)
    net.backpropagate(target)
    grad = flat - flat_of(net)
    # The window is the last 4 steps, starting from the state after step 5 (held constant).
    _, expected = naive_loss_and_gradients(before, xs[-4:], [None] * 3 + [target], states[-5])
    assert np.max(np.abs(grad - np.concatenate([g.ravel() for g in expected]))) < 1e-10


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_engine_and_readable_path_give_the_naive_loops_sequence_gradients(activation) -> None:
    rng = np.random.default_rng(2)
    net = RecurrentNetwork([3, 6, 2], activation=activation, seed=3)
    x = rng.normal(size=(5, 7, 3))  # 5 sequences of 7 steps
    t = rng.normal(size=(5, 7, 2))
    count = 5 * 7
    loss, naive = 0.0, [0.0] * 5
    for xs, ts in zip(x, t, strict=True):
        part, grads = naive_loss_and_gradients(net, xs, list(ts), np.zeros(6))
        loss += part / count
        naive = [a + g / count for a, g in zip(naive, grads, strict=True)]
    readable_loss, readable = net.sequence_gradients(x, t)
    fast_loss, fast = batch_gradients(net, x, t)
    for a, b, c in zip(naive, readable, fast, strict=True):
        assert np.max(np.abs(a - b)) < 1e-10
        assert np.max(np.abs(a - c)) < 1e-10
    assert abs(loss - readable_loss) < 1e-10 and abs(loss - fast_loss) < 1e-10


def test_sequence_gradient_matches_central_finite_differences() -> None:
    rng = np.random.default_rng(4)
    net = RecurrentNetwork([2, 4, 2], seed=5)
    x, t = rng.normal(size=(3, 6, 2)), rng.normal(size=(3, 6, 2))
    _, grads = batch_gradients(net, x, t)
    grad = np.concatenate([g.ravel() for g in grads])
    base = flat_of(net)
    eps = 1e-6

    def loss(flat):
        net._flat[...] = flat
        return net.evaluate(x, t)

    numeric = np.array(
        [(loss(base + eps * e) - loss(base - eps * e)) / (2 * eps) for e in np.eye(base.size)]
    )
    assert np.allclose(grad, numeric, rtol=1e-5, atol=1e-9)


def test_an_epoch_of_the_trainer_equals_optimizer_steps_on_the_readable_gradients() -> None:
    rng = np.random.default_rng(6)
    x, t = rng.normal(size=(10, 5, 4)), rng.normal(size=(10, 5, 2))
    fast = RecurrentNetwork([4, 6, 2], seed=7, clip=0.5, optimizer="adam")
    slow = RecurrentNetwork.from_export(fast.export())
    trainer = RecurrentTrainer(fast, x, t, epochs=1, batch_size=4, seed=11)
    order = np.random.default_rng(11).permutation(10)
    trainer.run()
    optimizer = nn.optimizers.Optimizer("adam", slow._flat.size)
    for start in range(0, 10, 4):
        picked = order[start : start + 4]
        _, grads = slow.sequence_gradients(x[picked], t[picked])
        grad = np.concatenate([g.ravel() for g in grads])
        norm = np.linalg.norm(grad)
        if norm > 0.5:
            grad *= 0.5 / norm
        optimizer.step(slow._flat, -grad, slow.learning_rate)
    assert np.max(np.abs(fast._flat - slow._flat)) < 1e-10
    assert trainer.summary().epochs_done == 1 and fast.iterations == 3


def test_clipping_bounds_the_step() -> None:
    net = RecurrentNetwork([2, 4, 2], learning_rate=0.1, optimizer="sgd", clip=0.01, seed=0)
    net.feed([1.0, -1.0])
    before = flat_of(net)
    net.backpropagate([50.0, -50.0])  # a large error: a gradient far above the clip
    assert net.gradient_norm > 0.01
    assert np.linalg.norm(flat_of(net) - before) == pytest.approx(0.1 * 0.01, rel=1e-9)


def test_online_learning_predicts_a_circle_s_next_step() -> None:
    from nn.trajectories import circle, encode

    inputs, targets = encode(circle(600, period_s=2.0, seed=0))
    net = RecurrentNetwork([4, 16, 2], seed=0)
    errors = []
    for x, t in zip(inputs, targets, strict=True):
        net.feed(x)
        errors.append(net.backpropagate(t))
    first, last = np.mean(errors[:60]), np.mean(errors[-60:])
    assert last < first / 20


def test_pretraining_on_generated_curves_lowers_the_error() -> None:
    x, t = strokes_to_sequences(generate("mixed", 6, 240, seed=0), 24, 12)
    net = RecurrentNetwork([4, 12, 2], seed=0)
    before = net.evaluate(x, t)
    summary = net.train(x, t, epochs=15, batch_size=16, seed=0)
    assert summary.epochs_done == 15 and summary.final_error is not None
    assert net.evaluate(x, t) < before / 5


def test_state_feed_reset_and_step_without_side_effects() -> None:
    net = RecurrentNetwork([2, 4, 2], seed=0)
    y1 = net.feed([0.5, 0.5])
    y2 = net.feed([0.5, 0.5])
    assert not np.allclose(y1, y2)  # the same input, a different state: memory
    state = net.state.copy()
    y, h = net.step([0.1, 0.2], state)
    assert np.array_equal(net.state, state)
    ys, h_end = net.run([[0.1, 0.2]], state)
    assert np.allclose(ys[0], y) and np.allclose(h_end, h)
    net.reset_state()
    assert np.array_equal(net.feed([0.5, 0.5]), y1)


# --- export and import -------------------------------------------------------------------------


def test_export_import_round_trip_through_json() -> None:
    net = RecurrentNetwork([4, 8, 2], learning_rate=0.02, activation="sigmoid", bptt=9, seed=3)
    for x in np.random.default_rng(0).normal(size=(5, 4)):
        net.feed(x)
        net.backpropagate([0.1, 0.2])
    data = json.loads(json.dumps(net.export(), allow_nan=False))
    assert data["kind"] == "recurrent"
    twin = load_model(data)
    assert isinstance(twin, RecurrentNetwork)
    assert twin.export() == net.export()
    xs = np.random.default_rng(1).normal(size=(7, 4))
    assert np.array_equal(twin.run(xs)[0], net.run(xs)[0])


def test_files_without_kind_load_as_feedforward_and_kinds_are_checked() -> None:
    old = Network([2, 3, 2], seed=0).export()
    old.pop("kind", None)
    assert isinstance(load_model(old), Network)
    assert isinstance(load_model({**old, "kind": "feedforward"}), Network)
    assert isinstance(Network.from_export({**old, "kind": "feedforward"}), Network)
    assert nn.export_model(Network([2, 3, 2], seed=0))["kind"] == "feedforward"
    recurrent = RecurrentNetwork([2, 3, 2], seed=0).export()
    with pytest.raises(SchemaError, match="kind must be 'feedforward'"):
        Network.from_export(recurrent)
    with pytest.raises(SchemaError, match="kind must be one of"):
        load_model({**old, "kind": "lstm"})
    with pytest.raises(SchemaError, match="kind must be 'recurrent'"):
        RecurrentNetwork.from_export({**recurrent, "kind": "feedforward"})


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d["weights"].pop(), "3 matrices"),
        (lambda d: d["weights"][1].pop(), r"weights\[1\] \(W_h\)"),
        (lambda d: d["biases"][0].__setitem__(0, float("nan")), "b_h"),
        (lambda d: d["params"].__setitem__("bptt", 0), "bptt"),
        (lambda d: d["params"].__setitem__("layers", [2, 3]), "inputs, hidden, outputs"),
        (lambda d: d["params"].__setitem__("clip", -1), "clip"),
        (lambda d: d["params"].__setitem__("momentum", 1), "unknown field 'momentum'"),
        (lambda d: d["weights"][0][0].__setitem__(0, 1e9), "over the limit"),
    ],
)
def test_bad_exports_are_refused_naming_the_value(change, message) -> None:
    data = RecurrentNetwork([2, 3, 2], seed=0).export()
    change(data)
    with pytest.raises(SchemaError, match=message):
        load_model(data)


def test_import_parameters_keeps_the_old_ones_when_refused() -> None:
    net = RecurrentNetwork([2, 3, 2], seed=0)
    before = net.export()
    bad = [w.tolist() for w in net.weights]
    bad[2] = [[0.0]]
    with pytest.raises(SchemaError):
        net.import_parameters(bad, [b.tolist() for b in net.biases])
    assert net.export() == before


# --- bad input and the guard -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"layers": [2, 0, 2]}, "hidden"),
        ({"layers": [2, 3, 2], "bptt": 0}, "bptt"),
        ({"layers": [2, 3, 2], "learning_rate": -1}, "learning_rate"),
        ({"layers": [2, 3, 2], "activation": "softmax"}, "activation"),
        ({"layers": [2, 300, 2]}, "hidden"),
    ],
)
def test_bad_settings_are_refused(kwargs, message) -> None:
    with pytest.raises(SchemaError, match=message):
        RecurrentNetwork(**kwargs)


def test_bad_samples_and_misuse_change_nothing() -> None:
    net = RecurrentNetwork([2, 3, 2], seed=0)
    with pytest.raises(NNError, match="feed"):
        net.backpropagate([0.0, 0.0])
    net.feed([0.1, 0.2])
    before, state = net.export(), net.state.copy()
    with pytest.raises(SchemaError, match="inputs"):
        net.feed([0.1, float("nan")])
    with pytest.raises(SchemaError, match="inputs"):
        net.feed([0.1, 0.2, 0.3])
    with pytest.raises(SchemaError, match="targets"):
        net.backpropagate([0.0])
    assert net.export() == before and np.array_equal(net.state, state)
    net.backpropagate([0.0, 0.0])
    with pytest.raises(NNError, match="feed"):
        net.backpropagate([0.0, 0.0])
    with pytest.raises(SchemaError, match="same sequences"):
        net.train(np.zeros((2, 3, 2)), np.zeros((2, 4, 2)), 1)


def test_training_with_a_huge_learning_rate_stops_at_the_error_guard_keeping_the_weights() -> None:
    """The batch engine checks each step's error before a step, as nn.Network does: a learning
    rate of 1000 sends the outputs far off after one step, and the next batch is refused."""
    rng = np.random.default_rng(8)
    x, t = rng.normal(size=(8, 10, 3)), rng.normal(size=(8, 10, 2))
    net = RecurrentNetwork([3, 5, 2], learning_rate=1e3, optimizer="sgd", seed=0)
    twin = RecurrentNetwork.from_export(net.export())
    with pytest.raises(DivergenceError, match="output error reached") as caught:
        net.train(x, t, epochs=50, batch_size=4, seed=0)
    assert caught.value.error > nn.ERROR_LIMIT and caught.value.summary.diverged
    # The same run one batch at a time: what train() kept is the network before the refused batch.
    trainer = RecurrentTrainer(twin, x, t, epochs=50, batch_size=4, seed=0)
    good = []
    with pytest.raises(DivergenceError, match="output error reached"):
        while True:
            good.append(flat_of(twin))
            trainer.run(max_seconds=0)  # one batch
    assert len(good) >= 2 and not np.array_equal(good[-1], good[0])  # some steps were taken
    assert np.array_equal(flat_of(twin), good[-1]) and np.array_equal(flat_of(net), good[-1])
    assert net.iterations == twin.iterations == len(good) - 1
    # A first batch whose error is already past the limit leaves the network as it was.
    fresh = RecurrentNetwork([3, 5, 2], seed=0)
    before = flat_of(fresh)
    with pytest.raises(DivergenceError, match="output error reached"):
        fresh.train(x, np.full_like(t, 500.0), epochs=1, batch_size=4)
    assert np.array_equal(flat_of(fresh), before) and fresh.iterations == 0


def test_a_diverging_step_is_rejected_and_the_weights_kept() -> None:
    net = RecurrentNetwork([2, 3, 2], learning_rate=1e6, optimizer="sgd", clip=1e6, seed=0)
    net.feed([1.0, 1.0])
    before = flat_of(net)
    with pytest.raises(DivergenceError, match="learning rate"):
        net.backpropagate([100.0, -100.0])
    assert np.array_equal(flat_of(net), before)


# --- the online engine (the page's per-sample path) --------------------------------------------


@pytest.mark.parametrize("activation", [*ACTIVATIONS, "relu"])
@pytest.mark.parametrize("stack_limit", [STACK_LIMIT, 0])  # stacked backward matrices, or not
def test_the_online_engine_gives_feed_and_backpropagate_s_numbers(activation, stack_limit) -> None:
    """Sample by sample, OnlineBPTT and the readable network give the same outputs, errors,
    weights and states, past several moves of its window (bptt 5: a move every 6 feeds), with
    clipping, Adam and skipped backpropagations."""
    rng = np.random.default_rng(12)
    readable = RecurrentNetwork(
        [3, 6, 2], learning_rate=0.05, activation=activation, optimizer="adam", bptt=5,
        clip=0.3, seed=4,
    )  # fmt: skip
    fast = RecurrentNetwork.from_export(readable.export())
    online = OnlineBPTT(fast, stack_limit=stack_limit)
    assert (online._stack is None) == (stack_limit == 0)
    clipped = 0
    for step in range(40):
        x, t = rng.normal(size=3), rng.normal(size=2)
        y_readable, y_fast = readable.feed(x), online.feed(x)
        assert np.max(np.abs(y_readable - y_fast)) < 1e-12
        assert np.max(np.abs(readable.state - online.state)) < 1e-12
        if step % 7 == 3:
            continue  # a feed without a backpropagation: the window still grows
        e_readable, e_fast = readable.backpropagate(t), online.backpropagate(t)
        assert abs(e_readable - e_fast) < 1e-12
        assert np.max(np.abs(readable._flat - fast._flat)) < 1e-12
        clipped += readable.gradient_norm > 0.3
        assert fast.gradient_norm == pytest.approx(readable.gradient_norm, rel=1e-12)
    assert clipped > 5 and readable.iterations == fast.iterations == 34
    # The network follows the engine: its state and outputs, and its own feed takes over.
    assert np.array_equal(fast.state, online.state) and np.array_equal(fast.outputs, online.outputs)
    x, t = rng.normal(size=3), rng.normal(size=2)
    readable.restore_state(readable.snapshot_state())  # the same truncation as fast's now
    assert np.max(np.abs(readable.feed(x) - fast.feed(x))) < 1e-12
    assert abs(readable.backpropagate(t) - fast.backpropagate(t)) < 1e-12
    assert np.max(np.abs(readable._flat - fast._flat)) < 1e-12


def test_the_online_engine_restores_resets_and_refuses_as_the_network_does() -> None:
    net = RecurrentNetwork([2, 4, 2], seed=0)
    online = OnlineBPTT(net)
    with pytest.raises(NNError, match="feed"):
        online.backpropagate([0.0, 0.0])
    online.feed([0.3, -0.2])
    saved = online.snapshot_state()
    y1 = online.feed([0.1, 0.1])
    online.restore_state(saved)
    assert np.array_equal(online.feed([0.1, 0.1]), y1)
    before, state = net.export(), online.state.copy()
    for bad, name in (([0.1, float("nan")], "inputs"), ([0.1], "inputs")):
        with pytest.raises(SchemaError, match=name):
            online.feed(bad)
    with pytest.raises(SchemaError, match="targets"):
        online.backpropagate([0.0, float("inf")])
    assert net.export() == before and np.array_equal(online.state, state)
    with pytest.raises(SchemaError, match="state"):
        online.restore_state((np.zeros(3), np.zeros(2)))
    online.reset_state()
    assert not online.state.any() and not online.last_input.any() and not net.state.any()
    fresh = RecurrentNetwork([2, 4, 2], seed=0)
    assert np.array_equal(online.feed([0.3, -0.2]), fresh.feed([0.3, -0.2]))
    assert np.array_equal(online.last_input, [0.3, -0.2])


def test_a_diverging_online_step_is_rejected_and_the_weights_kept() -> None:
    net = RecurrentNetwork([2, 3, 2], learning_rate=1e6, optimizer="sgd", clip=1e6, seed=0)
    online = OnlineBPTT(net)
    online.feed([1.0, 1.0])
    before = flat_of(net)
    with pytest.raises(DivergenceError, match="learning rate"):
        online.backpropagate([100.0, -100.0])
    assert np.array_equal(flat_of(net), before)
    online.feed([1.0, 1.0])
    with pytest.raises(DivergenceError, match="output error reached"):
        online.backpropagate([1e4, 0.0])  # edge 1: the error itself passes ERROR_LIMIT
    assert np.array_equal(flat_of(net), before)
