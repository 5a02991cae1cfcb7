"""Bad input is rejected with a SchemaError naming the value, and leaves the network unchanged.

Property tests (hypothesis) throw arbitrary values at every boundary: the only outcomes allowed
are success or the documented error.
"""

from __future__ import annotations

import itertools
import json
import math
import re

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from nn import Network, NNError, SchemaError, parse_layers, train
from nn.defaults import INPUT_LIMIT
from nn.schema import MAX_LAYERS, MAX_WEIGHTS
from nn.validation import check_sample

from .helpers import PROPERTY, assert_same_state, json_junk, mutate, state_of


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"layers": []}, "between 2 and"),
        ({"layers": [2]}, "got 1: [2]"),
        ({"layers": [2, 0, 2]}, "layers[1] must be an integer in [1, 1000000], got 0"),
        ({"layers": [2, -3, 2]}, "got -3"),
        ({"layers": [2, 2.5, 2]}, "got 2.5"),
        ({"layers": [2, True, 2]}, "got True"),
        ({"layers": "2-6-2"}, "got '2-6-2'"),
        ({"layers": None}, "got None"),
        ({"layers": [2, 5000, 5000, 2]}, "over the cap of 1,000,000"),
        ({"layers": [2] * 65}, "between 2 and 64"),
        ({"learning_rate": 0}, "learning_rate must be a finite number > 0.0, got 0"),
        ({"learning_rate": -0.1}, "got -0.1"),
        ({"learning_rate": math.nan}, "got nan"),
        ({"learning_rate": math.inf}, "got inf"),
        ({"learning_rate": "0.1"}, "got '0.1'"),
        ({"learning_rate": True}, "got True"),
        ({"activation": "softmax"}, "got 'softmax'"),
        ({"activation": None}, "activation must be one of"),
        ({"optimizer": "rmsprop"}, "got 'rmsprop'"),
        ({"optimizer": "sgd", "optimizer_options": {"momentum": 0.9}}, "'momentum' is not"),
        ({"optimizer": "momentum", "optimizer_options": {"momentum": 1.5}}, "got 1.5"),
        ({"optimizer": "adam", "optimizer_options": {"beta2": -1}}, "beta2"),
        ({"dropout": 1.0}, "dropout must be a finite number >= 0.0 and < 1.0, got 1.0"),
        ({"dropout": -0.1}, "got -0.1"),
        ({"init": "xavier"}, "got 'xavier'"),
        ({"seed": -1}, "seed must be an integer"),
        ({"seed": 1.5}, "got 1.5"),
        ({"bias": 1}, "bias must be true or false, got 1"),
    ],
)
def test_constructor_rejects_bad_arguments_naming_them(kwargs: dict, fragment: str) -> None:
    args = {"layers": [2, 6, 2], **kwargs}
    with pytest.raises(SchemaError) as caught:
        Network(**args)
    assert fragment in str(caught.value)
    assert isinstance(caught.value, ValueError)


def test_parse_layers() -> None:
    assert parse_layers("2-6-6-6-2") == [2, 6, 6, 6, 2]
    assert parse_layers("2, 6, 2") == [2, 6, 2]
    for text, fragment in [
        ("2-x-2", "'x'"),
        ("2--2", "''"),
        ("2", "got 1"),
        ("2-0-2", "got 0"),
        ("2-1e9-2", "'1e9'"),
        ("", "''"),
    ]:
        with pytest.raises(SchemaError) as caught:
            parse_layers(text)
        assert fragment in str(caught.value)


def good_net(**kwargs) -> Network:
    net = Network([2, 4, 3, 2], learning_rate=0.01, activation="tanh", seed=1, **kwargs)
    net.feed([0.1, 0.2])
    net.backpropagate([0.1, 0.2])
    return net


@pytest.mark.parametrize(
    ("call", "fragment"),
    [
        (lambda n: n.feed([1.0]), "inputs must have 2 entries, got 1"),
        (lambda n: n.feed([1.0, math.nan]), "inputs[1] must be a finite number"),
        (lambda n: n.feed([1.0, 1e9]), "got 1000000000.0"),
        (lambda n: n.feed("ab"), "inputs must be a list, got 'ab'"),
        (lambda n: n.feed([1.0, None]), "inputs[1] must be a number, got None"),
        (lambda n: n.backpropagate([1.0, 2.0, 3.0]), "targets must have 2 entries, got 3"),
        (lambda n: n.backpropagate([1.0, math.inf]), "targets[1]"),
        (lambda n: n.import_weights([[[0.0]]]), "weights must be a list of 3 matrices"),
        (
            lambda n: n.import_weights([np.zeros((2, 4)), np.zeros((4, 3)), np.zeros((2, 3))]),
            "weights[2] must have shape (3, 2), got (2, 3)",
        ),
        (
            lambda n: n.import_weights([np.zeros((2, 4)), np.zeros((4, 3)), [[1, 2]] * 2 + [[1]]]),
            "weights[2][2] must have 2 entries, got 1",
        ),
        (
            lambda n: n.import_weights(
                [np.full((2, 4), np.nan), np.zeros((4, 3)), np.zeros((3, 2))]
            ),
            "weights[0][0][0] must be a finite number, got nan",
        ),
        (
            lambda n: n.import_weights([np.full((2, 4), 1e5), np.zeros((4, 3)), np.zeros((3, 2))]),
            "over the limit of 10000",
        ),
        (lambda n: n.import_biases([[0.0] * 4, [0.0] * 3]), "biases must be a list of 3"),
        (
            lambda n: n.import_biases([[0.0] * 4, [0.0] * 3, [0.0, "1"]]),
            "biases[2][1] must be a number, got '1'",
        ),
        (lambda n: setattr(n, "learning_rate", -1), "got -1"),
        (lambda n: setattr(n, "dropout", 2), "got 2"),
        (lambda n: n.set_optimizer("adagrad"), "got 'adagrad'"),
        (lambda n: train(n, [[0.0, 0.0]], [[0.0, 0.0]], epochs=0), "epochs must be"),
        (lambda n: train(n, [[0.0, 0.0]], [[0.0, 0.0]], epochs=1, batch_size=0), "batch_size"),
        (
            lambda n: train(n, [[0.0, 0.0]], [[0.0, 0.0], [1.0, 1.0]], epochs=1),
            "same number of samples, got 1 and 2",
        ),
        (
            lambda n: train(n, [[0.0, 0.0, 0.0]], [[0.0, 0.0]], epochs=1),
            "inputs[0] must have 2 entries, got 3",
        ),
        (lambda n: train(n, [], [], epochs=1), "inputs must not be empty"),
    ],
)
def test_rejected_calls_name_the_value_and_change_nothing(call, fragment: str) -> None:
    net = good_net(dropout=0.2)
    before = state_of(net)
    with pytest.raises(SchemaError) as caught:
        call(net)
    assert fragment in str(caught.value), str(caught.value)
    assert_same_state(before, state_of(net))


def test_check_sample_returns_a_new_float64_sample_or_names_the_bad_value() -> None:
    given_array = np.array([0.5, -0.25])
    out = check_sample(given_array, "inputs", 2)
    assert out.tolist() == [0.5, -0.25] and out is not given_array  # a copy the caller may reuse
    assert check_sample([1, 2], "inputs", 2).tolist() == [1.0, 2.0]
    assert check_sample(np.array([1, 2], dtype=np.int32), "inputs", 2).dtype == np.float64
    # Both at the limit: their sum of squares passes INPUT_LIMIT**2, each value is still allowed.
    at_limit = np.array([INPUT_LIMIT, -INPUT_LIMIT])
    assert check_sample(at_limit, "inputs", 2).tolist() == at_limit.tolist()
    rule = f"a finite number of size <= {INPUT_LIMIT:g}"
    for bad, message in [
        (np.array([math.nan, 0.0]), f"inputs[0] must be {rule}, got nan"),
        (np.array([0.0, math.inf]), f"inputs[1] must be {rule}, got inf"),
        (np.array([0.0, 2 * INPUT_LIMIT]), f"inputs[1] must be {rule}, got 2000000.0"),
        (np.zeros(3), "inputs must have shape (2,), got (3,)"),
        ([0.1], "inputs must have 2 entries, got 1"),
        ("ab", "inputs must be a list, got 'ab'"),
        (np.array(["a", "b"]), "inputs must hold numbers"),
    ]:
        with pytest.raises(SchemaError, match=re.escape(message)):
            check_sample(bad, "inputs", 2)


def test_backpropagate_needs_a_feed_first() -> None:
    net = Network([2, 3, 2], seed=0)
    with pytest.raises(NNError, match="feed"):
        net.backpropagate([0.0, 0.0])
    net.feed([0.1, 0.1])
    net.backpropagate([0.1, 0.1])
    net.import_weights(net.export_weights())  # new weights: the old outputs are stale
    with pytest.raises(NNError, match="feed"):
        net.backpropagate([0.1, 0.1])


def test_import_with_bias_off_requires_zero_biases() -> None:
    net = Network([2, 3, 2], bias=False, seed=0)
    with pytest.raises(SchemaError, match="all zero when bias is false"):
        net.import_biases([[0.0, 0.5, 0.0], [0.0, 0.0]])
    net.import_biases([[0.0] * 3, [0.0] * 2])


def test_import_resets_optimizer_state() -> None:
    net = Network([2, 3, 2], optimizer="momentum", seed=0)
    net.feed([0.5, 0.5])
    net.backpropagate([0.1, -0.1])
    assert net._optimizer.state["velocity"].any() and net._optimizer.t == 1
    net.import_weights(net.export_weights())
    assert not net._optimizer.state["velocity"].any() and net._optimizer.t == 0


junk = json_junk()


@PROPERTY
@given(
    st.lists(
        st.one_of(
            st.integers(-3, 1200), st.floats(), st.booleans(), st.text(max_size=2), st.none()
        ),
        max_size=MAX_LAYERS + 2,
    )
)
def test_any_layer_spec_builds_or_raises_schema_error(layers: list) -> None:
    valid = (
        2 <= len(layers) <= MAX_LAYERS
        and all(type(n) is int and n >= 1 for n in layers)
        and sum(a * b for a, b in itertools.pairwise(layers)) <= MAX_WEIGHTS
    )
    if valid:
        assert Network(layers, seed=0).layers == tuple(layers)
    else:
        with pytest.raises(SchemaError):
            Network(layers, seed=0)


@PROPERTY
@given(
    st.one_of(
        st.floats(allow_nan=True, allow_infinity=True),
        st.integers(-5, 5),
        st.booleans(),
        st.none(),
        st.text(max_size=4),
    )
)
def test_any_learning_rate_is_set_or_rejected_without_change(value) -> None:
    net = good_net()
    before = state_of(net)
    valid = type(value) in (int, float) and math.isfinite(value) and value > 0
    if valid:
        net.learning_rate = value
        assert net.learning_rate == value
        assert net.export_params()["learning_rate"] == value
    else:
        with pytest.raises(SchemaError):
            net.learning_rate = value
        assert_same_state(before, state_of(net))


@PROPERTY
@given(st.data())
def test_any_mutated_model_loads_or_raises_schema_error(data) -> None:
    """from_export/import_* on a damaged export: a valid network or a SchemaError, and an
    existing network keeps its exact state when its import is rejected."""
    export = json.loads(json.dumps(good_net().export()))
    damaged = mutate(export, data, junk)
    try:
        net = Network.from_export(damaged)
    except SchemaError:
        pass
    else:
        assert json.loads(json.dumps(net.export())) == net.export()
    target = good_net()
    before = state_of(target)
    for method, key in ((target.import_weights, "weights"), (target.import_biases, "biases")):
        part = damaged.get(key) if isinstance(damaged, dict) else damaged
        try:
            method(part)
        except SchemaError:
            assert_same_state(before, state_of(target))
        else:
            before = state_of(target)


@PROPERTY
@given(junk, junk)
def test_any_sample_is_fed_or_rejected_without_change(inputs, targets) -> None:
    """feed/backpropagate: success, or SchemaError for a malformed sample (network unchanged),
    or DivergenceError for a well-formed target so far away that the error passes the guard."""
    net = good_net(dropout=0.3)
    before = state_of(net)
    try:
        net.feed(inputs)
    except SchemaError:
        assert_same_state(before, state_of(net))
    before = state_of(net)
    try:
        net.backpropagate(targets)
    except NNError:
        assert_same_state(before, state_of(net))
