"""The export format and the worker protocol: builders, validation, JSON round trips."""

from __future__ import annotations

import contextlib
import json
import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from nn import FORMAT_VERSION, Network, SchemaError, Trainer, random_dataset, train
from nn.schema import (
    MESSAGE_TYPES,
    cancel_message,
    check_export,
    check_message,
    decode,
    done_message,
    encode,
    error_message,
    progress_message,
    ready_message,
    train_message,
    warmup_message,
)

from .helpers import PROPERTY, json_junk, mutate


def test_export_json_import_round_trip_is_bit_exact() -> None:
    net = Network(
        [2, 6, 6, 2],
        learning_rate=0.02,
        activation="tanh",
        seed=3,
        optimizer="adam",
        optimizer_options={"beta1": 0.8},
        dropout=0.1,
        init="scaled",
    )
    inputs, targets = random_dataset(64, seed=1)
    train(net, inputs, targets, epochs=2, batch_size=8)
    text = json.dumps(net.export())
    copy = Network.from_export(json.loads(text))
    assert np.array_equal(copy._flat, net._flat)  # every bit of every weight and bias
    assert copy.export() == net.export()
    assert copy.export_params() == {
        "layers": [2, 6, 6, 2],
        "learning_rate": 0.02,
        "activation": "tanh",
        "output_activation": "linear",
        "bias": True,
        "optimizer": "adam",
        "optimizer_options": {"beta1": 0.8, "beta2": 0.999, "epsilon": 1e-8},
        "dropout": 0.1,
        "init": "scaled",
        "seed": 3,
    }
    x = [0.25, -0.5]
    net.dropout = copy.dropout = 0.0
    assert np.array_equal(copy.feed(x), net.feed(x))


def test_export_shapes_follow_the_documented_layout() -> None:
    net = Network([3, 4, 2], seed=0)
    export = net.export()
    assert export["format_version"] == FORMAT_VERSION == 1
    assert [np.shape(w) for w in export["weights"]] == [(3, 4), (4, 2)]
    assert [np.shape(b) for b in export["biases"]] == [(4,), (2,)]
    # w[l][i][j] is the weight from neuron i of layer l to neuron j of layer l + 1:
    x = np.array([1.0, 0.0, 0.0])
    hidden = x @ np.array(export["weights"][0]) + np.array(export["biases"][0])
    assert np.allclose(hidden, np.array(export["weights"][0][0]) + export["biases"][0])


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        (lambda d: d.update(format_version=2), "format_version must be 1, got 2"),
        (lambda d: d.update(format_version=True), "got True"),
        (lambda d: d.pop("weights"), "missing the field 'weights'"),
        (lambda d: d.update(extra=1), "unknown field 'extra'"),
        (lambda d: d["params"].update(colour="red"), "params has an unknown field 'colour'"),
        (lambda d: d["params"].pop("layers"), "missing the field 'layers'"),
        (lambda d: d["weights"][0][1].__setitem__(0, "x"), "weights[0][1][0] must be a number"),
        (lambda d: d["biases"].pop(), "biases must be a list of 2 vectors"),
        (lambda d: d["params"].update(layers=[2, 5, 2]), "weights[0][0] must have 5 entries"),
    ],
)
def test_check_export_names_the_problem(change, fragment: str) -> None:
    export = Network([2, 4, 2], seed=0).export()
    change(export)
    with pytest.raises(SchemaError) as caught:
        Network.from_export(export)
    assert fragment in str(caught.value)


def sample_messages() -> list[dict]:
    net = Network([2, 3, 2], seed=0)
    inputs, targets = random_dataset(5, seed=0)
    trainer = Trainer(net, inputs, targets, epochs=2)
    trainer.run()
    return [
        warmup_message(),
        ready_message("0.1.0"),
        train_message(
            1, net.export(), inputs, targets, 10, batch_size=4, seed=3, target_error=1e-4
        ),
        cancel_message(1),
        progress_message(1, **trainer.progress()),
        done_message(1, net.export_weights(), net.export_biases(), trainer.summary().to_dict()),
        error_message(1, "training diverged", "divergence"),
        error_message(None, "bad message", "invalid"),
    ]


def test_every_message_type_round_trips_through_json() -> None:
    messages = sample_messages()
    assert {m["type"] for m in messages} == set(MESSAGE_TYPES)
    for message in messages:
        text = encode(message)
        assert json.loads(text) == message  # builders already return plain JSON data
        back = decode(text)
        assert json.loads(json.dumps(back, default=lambda a: a.tolist())) == message


def test_train_message_carries_an_importable_model_and_dataset() -> None:
    message = decode(encode(sample_messages()[2]))
    net = Network.from_export(message["model"])
    assert net.layers == (2, 3, 2)
    assert message["dataset"]["inputs"].shape == (5, 2)
    assert (message["epochs"], message["batch_size"], message["shuffle"]) == (10, 4, True)
    assert message["progress_interval"] == 0.1


@pytest.mark.parametrize(
    ("message", "fragment"),
    [
        ({"type": "train"}, "missing the field 'id'"),
        ({"type": "launch"}, "message type must be one of"),
        ({"kind": "cancel"}, "got None"),
        ([1, 2], "message must be an object"),
        ({"type": "cancel", "id": -1}, "id must be an integer"),
        ({"type": "cancel", "id": 1, "now": True}, "unknown field 'now'"),
        ({"type": "error", "id": 1, "message": 5}, "message must be a string"),
        ({"type": "error", "id": 1, "message": "x", "kind": "panic"}, "got 'panic'"),
        (
            {
                "type": "progress",
                "id": 1,
                "epoch": 3,
                "epochs": 2,
                "error": 0.1,
                "global_mean": 0.1,
                "samples_per_s": 1.0,
            },
            "epoch must be an integer in [0, 2], got 3",
        ),
        (
            {
                "type": "progress",
                "id": 1,
                "epoch": 1,
                "epochs": 2,
                "error": math.nan,
                "global_mean": 0.1,
                "samples_per_s": 1.0,
            },
            "error must be a finite number",
        ),
    ],
)
def test_malformed_messages_are_rejected_naming_the_field(message, fragment: str) -> None:
    with pytest.raises(SchemaError) as caught:
        check_message(message)
    assert fragment in str(caught.value)


def test_train_message_dataset_must_fit_the_model() -> None:
    message = sample_messages()[2]
    message["dataset"]["inputs"] = [[0.0, 0.0, 0.0]] * 5
    with pytest.raises(SchemaError, match=r"inputs\[0\] must have 2 entries, got 3"):
        check_message(message)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "{",
        "[]",
        "null",
        '{"type": "cancel", "id": NaN}',
        '{"type": "cancel", "id": Infinity}',
        b"\xff",
        12,
    ],
)
def test_decode_rejects_non_messages(text) -> None:
    with pytest.raises(SchemaError):
        decode(text)


def test_encode_never_writes_nan() -> None:
    with pytest.raises(SchemaError):
        encode(
            {
                "type": "progress",
                "id": 1,
                "epoch": 1,
                "epochs": 1,
                "error": math.inf,
                "global_mean": 0.0,
                "samples_per_s": 1.0,
            }
        )


junk = json_junk()


@PROPERTY
@given(st.data())
def test_any_mutated_message_validates_or_raises_schema_error(data) -> None:
    """Damage one field of a valid message: the result is valid or rejected, never a crash."""
    message = data.draw(st.sampled_from(sample_messages()))
    damaged = mutate(message, data, junk)
    try:
        checked = check_message(damaged)
    except SchemaError:
        return
    assert checked["type"] in MESSAGE_TYPES
    decode(encode(damaged))


@PROPERTY
@given(st.text(max_size=200))
def test_any_text_decodes_or_raises_schema_error(text: str) -> None:
    with contextlib.suppress(SchemaError):
        decode(text)


@PROPERTY
@given(st.data())
def test_any_mutated_export_is_accepted_or_rejected(data) -> None:
    export = json.loads(json.dumps(Network([2, 3, 2], seed=1).export()))
    damaged = mutate(export, data, junk)
    try:
        checked = check_export(damaged)
    except SchemaError:
        return
    assert checked["format_version"] == FORMAT_VERSION
