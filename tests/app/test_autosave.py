"""Autosave's rules with a fake storage: a record restores exactly what was saved (both modes'
networks, their iteration counts and the mode); records of the first version still load; a
damaged, truncated, edited or foreign record is never loaded; saves are throttled; a storage that
refuses turns saving off with a reason, and nothing raises."""

from __future__ import annotations

import dataclasses
import json
import zlib

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from nn import Network, RecurrentNetwork
from nnpage.autosave import KEY, AutoSave, decode, encode, snapshot
from nnpage.settings import Settings


class FakeStorage:
    """``localStorage``'s three methods over a dict; ``refuse`` makes writes or reads throw."""

    def __init__(self, refuse: str = ""):
        self.items: dict[str, str] = {}
        self.refuse = refuse

    def getItem(self, key):  # the browser's names, in camelCase
        if "read" in self.refuse:
            raise RuntimeError("SecurityError: The operation is insecure.")
        return self.items.get(key)

    def setItem(self, key, value):
        if "write" in self.refuse:
            raise RuntimeError("QuotaExceededError: the quota has been exceeded.")
        self.items[key] = value

    def removeItem(self, key):
        self.items.pop(key, None)


class Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


SETTINGS = Settings(layers=(2, 4, 2), activation="tanh", learning_rate=0.02, seed=3, replay=False)


def trained(settings: Settings = SETTINGS, steps: int = 20) -> Network:
    net = Network(**settings.network_params())
    rng = np.random.default_rng(0)
    for x in rng.uniform(-1, 1, size=(steps, 2)):
        net.feed(x)
        net.backpropagate(x)
    return net


def test_a_saved_network_comes_back_exactly():
    net = trained()
    store = AutoSave(FakeStorage())
    assert store.save(snapshot(SETTINGS, net, 20))
    back = AutoSave(store.storage).load()
    assert back is not None
    assert back.settings == SETTINGS
    assert back.iterations == 20
    restored = back.network()
    for a, b in zip(restored.weights, net.weights, strict=True):
        np.testing.assert_array_equal(a, b)
    for a, b in zip(restored.biases, net.biases, strict=True):
        np.testing.assert_array_equal(a, b)


def trained_recurrent(steps: int = 30) -> RecurrentNetwork:
    """The page's Anticipate shape (4 inputs, 2 outputs), moved away from its seed's weights."""
    net = RecurrentNetwork([4, 5, 2], learning_rate=0.05, seed=1)
    rng = np.random.default_rng(2)
    for x in rng.uniform(-1, 1, size=(steps, 4)):
        net.feed(x)
        net.backpropagate(x[2:])
    return net


def test_both_modes_networks_and_the_mode_come_back_exactly():
    net, rnn = trained(), trained_recurrent()
    fresh = RecurrentNetwork([4, 5, 2], learning_rate=0.05, seed=1)
    assert not np.array_equal(rnn.weights[1], fresh.weights[1])  # it did learn
    store = AutoSave(FakeStorage())
    snap = snapshot(SETTINGS, net, 20, mode="anticipate", recurrent=rnn, recurrent_iterations=30)
    assert store.save(snap)
    back = AutoSave(store.storage).load()
    assert back is not None
    assert (back.mode, back.iterations, back.recurrent_iterations) == ("anticipate", 20, 30)
    restored = back.recurrent_network()
    for a, b in zip(restored.weights + restored.biases, rnn.weights + rnn.biases, strict=True):
        np.testing.assert_array_equal(a, b)
    assert restored.export_params() == rnn.export_params()
    for a, b in zip(back.network().weights, net.weights, strict=True):
        np.testing.assert_array_equal(a, b)


def test_a_record_of_the_first_version_still_loads_in_follow():
    """Written by hand as version 1 wrote it: settings, model and iterations only."""
    net = trained()
    fields = {
        "layers": [2, 4, 2],
        "activation": "tanh",
        "output_activation": "linear",
        "learning_rate": 0.02,
        "optimizer": "sgd",
        "bias": True,
        "dropout": False,
        "dropout_p": 0.2,
        "seed": 3,
        "normalization": 1,
        "backprop": True,
        "replay": False,
    }
    assert set(fields) == {f.name for f in dataclasses.fields(Settings)}, (
        "the page's settings changed: update this test"
    )
    payload = json.dumps({"settings": fields, "model": net.export(), "iterations": 7})
    storage = FakeStorage()
    storage.items[KEY] = (
        f"nn-autosave 1 {zlib.crc32(payload.encode()):08x} {len(payload)}\n{payload}"
    )
    back = AutoSave(storage).load()
    assert back is not None, AutoSave(storage).problem
    assert (back.mode, back.recurrent, back.recurrent_iterations, back.iterations) == (
        "follow",
        None,
        0,
        7,
    )
    assert back.settings == Settings(**{**fields, "layers": (2, 4, 2)})
    np.testing.assert_array_equal(back.network().weights[0], net.weights[0])


def test_nothing_saved_loads_nothing_and_says_nothing():
    store = AutoSave(FakeStorage())
    assert store.load() is None
    assert store.problem is None


@given(st.data())
def test_a_damaged_record_is_never_loaded(data):
    record = encode(snapshot(SETTINGS, trained(steps=2), 2))
    kind = data.draw(st.sampled_from(["truncate", "flip", "insert"]))
    at = data.draw(st.integers(0, len(record) - 1))
    if kind == "truncate":
        bad = record[:at]
    elif kind == "flip":
        char = data.draw(st.characters(codec="utf-8").filter(lambda c: c != record[at]))
        bad = record[:at] + char + record[at + 1 :]
    else:
        bad = record[:at] + data.draw(st.text(min_size=1, max_size=5)) + record[at:]
    storage = FakeStorage()
    storage.items[KEY] = bad
    store = AutoSave(storage)
    assert store.load() is None
    assert "could not be restored" in store.problem
    assert KEY not in storage.items  # dropped, so it is not reported again


@pytest.mark.parametrize(
    "text",
    [
        "",
        "hello",
        "[" * 100_000,
        "nn-autosave 3 00000000 2\n{}",
        "nn-autosave 2 00000000 2\n{}",
        "nn-autosave 1 00000000 2\n{}",
    ],
)
def test_foreign_and_future_records_are_refused_by_name(text):
    storage = FakeStorage()
    storage.items[KEY] = text
    store = AutoSave(storage)
    assert store.load() is None
    assert store.problem.startswith("the saved network could not be restored")


def _record_with(payload: str, version: int = 1) -> str:
    return f"nn-autosave {version} {zlib.crc32(payload.encode()):08x} {len(payload)}\n{payload}"


def _v2_payload(**change) -> str:
    """A valid version 2 record's JSON with some of its keys changed (None: left out)."""
    good = json.loads(
        encode(snapshot(SETTINGS, trained(steps=1), 1, recurrent=trained_recurrent(1))).partition(
            "\n"
        )[2]
    )
    for key, value in change.items():
        if value is None:
            del good[key]
        else:
            good[key] = value
    return json.dumps(good)


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"mode": "sideways"}, "mode must be follow or anticipate"),
        ({"mode": ["anticipate"]}, "mode must be follow or anticipate"),
        ({"mode": None}, "both modes"),
        ({"recurrent": {"kind": "recurrent"}}, "Anticipate network is not valid"),
        (
            {"recurrent": RecurrentNetwork([3, 4, 2], seed=0).export()},
            "Anticipate network has layers [3, 4, 2]",
        ),
        ({"recurrent": trained(steps=1).export()}, "Anticipate network is not valid"),
        ({"recurrent_iterations": -1}, "recurrent_iterations"),
        ({"recurrent_iterations": 1.5}, "recurrent_iterations"),
    ],
)
def test_version_2_records_with_bad_anticipate_parts_are_refused(change, named):
    storage = FakeStorage()
    storage.items[KEY] = _record_with(_v2_payload(**change), version=2)
    store = AutoSave(storage)
    assert store.load() is None
    assert named in store.problem, store.problem


@pytest.mark.parametrize(
    ("payload", "named"),
    [
        ('{"settings": 1, "model": 2, "iterations": 3}', "settings"),
        ("[" * 50 + "]" * 50, "nested"),
        ('{"a": 1}', "settings, a model"),
    ],
)
def test_well_formed_records_with_bad_contents_are_refused(payload, named):
    storage = FakeStorage()
    storage.items[KEY] = _record_with(payload)
    store = AutoSave(storage)
    assert store.load() is None
    assert named in store.problem


def test_saves_are_throttled_and_only_after_a_change():
    clock = Clock()
    store = AutoSave(FakeStorage(), interval_s=2.0, clock=clock)
    snap = snapshot(SETTINGS, trained(steps=1), 1)
    assert not store.due()  # nothing changed yet
    store.changed()
    assert store.due()
    store.save(snap)
    store.changed()
    clock.now += 1.9
    assert not store.due()
    clock.now += 0.2
    assert store.due()
    assert store.saves == 1


@pytest.mark.parametrize("refuse", ["write", "read write"])
def test_a_refusing_storage_turns_saving_off_with_a_reason(refuse):
    store = AutoSave(FakeStorage(refuse))
    assert store.load() is None
    store.changed()
    assert not store.save(snapshot(SETTINGS, trained(steps=1), 1))
    assert not store.enabled
    assert "refused" in store.problem
    assert not store.due()


def test_no_storage_at_all_is_off_from_the_start():
    store = AutoSave(None)
    assert store.load() is None
    assert not store.enabled and store.problem
    assert not store.save(snapshot(SETTINGS, trained(steps=1), 1))
    store.discard()  # does not raise


def test_discard_forgets_the_saved_network():
    store = AutoSave(FakeStorage())
    store.save(snapshot(SETTINGS, trained(steps=1), 1))
    store.discard()
    assert store.load() is None


def test_decode_round_trips_every_page_setting():
    settings = Settings(layers=(2, 3, 3, 2), dropout=True, dropout_p=0.3, normalization=2)
    snap = snapshot(settings, Network(**settings.network_params()), 0)
    assert decode(encode(snap)).settings == settings
