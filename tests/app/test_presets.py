"""The classroom presets (nnpage/presets.py): each is a complete, valid experiment with one
sentence to read, and the live-training behaviour those sentences promise holds for the core.

The live demo runs one ``feed`` + ``backpropagate`` per pointer move; these tests run the moves
through ``nn.train(batch_size=1, shuffle=False)``, the same steps to 1e-12 (tests/unit/
test_core_contract.py) at a fifth of the CPU time."""

from __future__ import annotations

import math
import statistics

import numpy as np
import pytest

from nn import DivergenceError, Network, train
from nnpage.presets import PRESETS
from nnpage.settings import Settings

SEEDS = range(5)
MOVES = 4000  # pointer moves of the live demo, one backpropagation each (no replay)


def lissajous(k: int) -> np.ndarray:
    """Point k of a smooth pointer path over most of the canvas, in network units ([-1, 1])."""
    a = k / 25
    return np.array([0.84 * math.cos(a), 0.84 * math.sin(1.37 * a)])


def live(net: Network, factor: int = 1) -> None:
    """MOVES moves along the path, each one backpropagation of the position (normalised by
    ``factor``) as its own target."""
    path = np.array([lissajous(k) for k in range(MOVES)]) / factor
    train(net, path, path, 1, batch_size=1, shuffle=False)


def live_distance(name: str, seed: int) -> float:
    """Mean distance (in half-canvas units) between pointer and circle after MOVES moves."""
    s = PRESETS[name].apply(Settings(seed=seed))
    net = Network(**s.network_params())
    factor = s.normalization
    live(net, factor)
    points = np.random.default_rng(1).uniform(-0.84, 0.84, (200, 2))
    guess = net.predict(points / factor) * factor
    return float(np.mean(np.linalg.norm(guess - points, axis=1)))


@pytest.mark.parametrize("name", list(PRESETS))
def test_each_preset_is_a_complete_valid_set_up(name):
    """Applying a preset gives settings the page accepts, the same learning set-up whatever came
    before (layers, activation, rate, bias, optimizer, normalization, dropout), and keeps the
    learner's own seed and switches."""
    preset = PRESETS[name]
    a = preset.apply(Settings())
    b = preset.apply(
        Settings(
            layers=(2, 3, 2), activation="relu", learning_rate=0.5, bias=False, seed=9
        ).replace(optimizer="adam", normalization=2, dropout=True, backprop=False)
    )
    assert a.replace(seed=9, backprop=False) == b
    assert preset.matches(a) and preset.matches(b)
    assert not preset.matches(a.replace(learning_rate=0.3))
    Network(**a.network_params())  # the core accepts it too


@pytest.mark.parametrize("name", list(PRESETS))
def test_each_preset_says_one_sentence_and_has_a_label(name):
    """The text shown when a preset is chosen is one sentence; the select shows a label."""
    preset = PRESETS[name]
    assert preset.name == name and preset.label
    assert preset.watch.endswith(".") and ". " not in preset.watch
    assert 60 < len(preset.watch) < 300


def test_the_presets_cover_the_articles_experiments():
    """linear, tanh, sigmoid and ReLU on 2-6-6-6-2; the x2 normalization; the deep network with
    a small learning rate."""
    p = {name: PRESETS[name].apply(Settings()) for name in PRESETS}
    assert {p[n].activation for n in ("linear", "tanh", "sigmoid", "relu")} == {
        "linear",
        "tanh",
        "sigmoid",
        "relu",
    }
    assert all(p[n].layers == (2, 6, 6, 6, 2) for n in ("linear", "tanh", "sigmoid", "relu", "x2"))
    assert (p["x2"].normalization, p["linear"].normalization) == (2, 1)
    assert p["deep"].layers == (2, 6, 6, 6, 6, 6, 6, 6, 2)
    assert p["deep"].learning_rate <= 1e-4
    # the article's update, with biases and without dropout, in every one of them
    assert all((s.optimizer, s.bias, s.dropout) == ("sgd", True, False) for s in p.values())
    assert all(s.output_activation == "linear" for n, s in p.items() if n != "worked-example")


def test_live_training_behaves_as_the_sentences_say():
    """Over the same pointer path (medians over 5 seeds) the linear preset gets the circle close,
    tanh gets there more slowly, and sigmoid, ReLU and x2 stay at least twice as far away as
    linear; sigmoid stays far off."""
    median = {
        name: statistics.median(live_distance(name, seed) for seed in SEEDS)
        for name in ("linear", "tanh", "sigmoid", "relu", "x2")
    }
    print("\nmedian distance after", MOVES, "moves:", {k: round(v, 3) for k, v in median.items()})
    assert median["linear"] < 0.08
    assert median["tanh"] > 1.5 * median["linear"]
    for slower in ("sigmoid", "relu", "x2"):
        assert median[slower] > 2 * median["linear"], slower
    assert median["sigmoid"] > 0.5


def test_the_deep_preset_learns():
    """Over the pointer path, the deep preset brings the circle (median over 5 seeds) within half
    the distance of a circle left at the centre, an independent bound (about 0.64 here)."""
    points = np.random.default_rng(1).uniform(-0.84, 0.84, (200, 2))
    centre = float(np.mean(np.linalg.norm(points, axis=1)))
    median = statistics.median(live_distance("deep", seed) for seed in SEEDS)
    assert median < 0.5 * centre


def test_the_deep_preset_is_stable_where_the_default_rate_diverges():
    """On the deep network the page's default rate (0.01) diverges within a few moves for every
    seed, while the preset's rate survives the whole path."""
    deep = PRESETS["deep"]
    for seed in SEEDS:
        fast = Network(
            **deep.apply(Settings(seed=seed)).replace(learning_rate=0.01).network_params()
        )
        with pytest.raises(DivergenceError):
            for k in range(50):
                fast.feed(lissajous(k))
                fast.backpropagate(lissajous(k))
        live(Network(**deep.apply(Settings(seed=seed)).network_params()))  # raises if it diverges
