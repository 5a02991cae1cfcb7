"""Autosave's rules with a fake storage: a record restores exactly what was saved; a damaged,
truncated, edited or foreign record is never loaded; saves are throttled; a storage that refuses
turns saving off with a reason, and nothing raises."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from nn import Network
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


def _record_with(payload: str) -> str:
    import zlib

    return f"nn-autosave 1 {zlib.crc32(payload.encode()):08x} {len(payload)}\n{payload}"


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
