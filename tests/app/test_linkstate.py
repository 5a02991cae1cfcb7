"""The shared link's text (nnpage/linkstate.py): it round-trips every valid setting, reads as
documented, and turns each bad value into a message naming it while keeping the default."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from nn.activations import ACTIVATIONS
from nn.optimizers import OPTIMIZERS
from nnpage.linkstate import KEYS, MAX_LENGTH, from_fragment, to_fragment
from nnpage.presets import PRESETS
from nnpage.settings import (
    LR_MAX,
    LR_MIN,
    MAX_PAGE_LAYERS,
    MAX_PAGE_NEURONS,
    NORMALIZATIONS,
    Settings,
)

# Everything a link carries; backprop and replay are the viewer's own switches, not in the link.
page_settings = st.builds(
    Settings,
    layers=st.lists(st.integers(1, MAX_PAGE_NEURONS), min_size=0, max_size=MAX_PAGE_LAYERS - 2).map(
        lambda hidden: (2, *hidden, 2)
    ),
    learning_rate=st.floats(LR_MIN, LR_MAX),
    activation=st.sampled_from(list(ACTIVATIONS)),
    bias=st.booleans(),
    optimizer=st.sampled_from(list(OPTIMIZERS)),
    normalization=st.sampled_from(list(NORMALIZATIONS)),
    dropout=st.booleans(),
    dropout_p=st.floats(0.001, 0.999),
    seed=st.integers(0, 2**32 - 1),
)


@given(page_settings, st.sampled_from([None, *PRESETS]))
def test_every_valid_setting_survives_the_round_trip(settings, preset):
    """Any settings the page accepts come back exactly (floats bit for bit) from their link, with
    no problem reported; a preset name survives exactly when the settings still match it."""
    state = from_fragment("#" + to_fragment(settings, preset))
    expected = settings if settings.dropout else settings.replace(dropout_p=Settings().dropout_p)
    assert state.problems == ()
    assert state.settings == expected
    assert state.preset == (preset if preset and PRESETS[preset].matches(settings) else None)


def test_the_link_is_readable_and_in_a_fixed_order():
    """The documented form: plain words and numbers, every key, the preset last."""
    s = Settings().replace(activation="tanh", learning_rate=0.005, dropout=True, dropout_p=0.25)
    assert to_fragment(s, "tanh") == (
        "layers=2-6-6-6-2&activation=tanh&lr=0.005&bias=1&optimizer=sgd&norm=1"
        "&dropout=0.25&seed=0&preset=tanh"
    )
    assert to_fragment(Settings().replace(learning_rate=1e-4, bias=False)).split("&")[2:4] == [
        "lr=0.0001",
        "bias=0",
    ]


def test_missing_keys_keep_the_defaults():
    """An empty link, or one with a single key, changes only what it names."""
    assert from_fragment("") == from_fragment("#")
    assert from_fragment("").settings == Settings()
    state = from_fragment("#seed=42")
    assert state.settings == Settings().replace(seed=42)
    assert state.problems == ()


BAD = [
    ("layers", "2-0-2", "layers", "'2-0-2'"),
    ("layers", "3-6-2", "layers", "'3-6-2'"),
    ("layers", "2-99-2", "layers", "'2-99-2'"),
    ("lr", "nan", "learning_rate", "'nan'"),
    ("lr", "5", "learning_rate", "'5'"),
    ("activation", "softmax", "activation", "'softmax'"),
    ("optimizer", "rmsprop", "optimizer", "'rmsprop'"),
    ("bias", "maybe", "bias", "'maybe'"),
    ("norm", "3", "normalization", "'3'"),
    ("norm", "x", "normalization", "'x'"),
    ("dropout", "1.5", "dropout_p", "'1.5'"),
    ("seed", "-1", "seed", "'-1'"),
]


@pytest.mark.parametrize(("key", "value", "field", "named"), BAD)
def test_a_bad_value_is_named_and_falls_back_to_its_default(key, value, field, named):
    """One bad value gives one message quoting it; that setting keeps its default while the
    link's good values are still applied."""
    good = {k: v for k, v in (("activation", "tanh"), ("seed", "7")) if k != key}
    state = from_fragment("#" + "&".join(f"{k}={v}" for k, v in [(key, value), *good.items()]))
    assert state.settings.activation == ("tanh" if "activation" in good else "linear")
    assert state.settings.seed == (7 if "seed" in good else 0)
    assert getattr(state.settings, field) == getattr(Settings(), field)
    assert len(state.problems) == 1
    assert named in state.problems[0]


def test_the_issue_example_reports_both_values():
    """``#layers=2-0-2&lr=nan``: two messages, the default layers and learning rate."""
    state = from_fragment("#layers=2-0-2&lr=nan")
    assert state.settings == Settings()
    assert len(state.problems) == 2
    assert "'2-0-2'" in state.problems[0]
    assert "'nan'" in state.problems[1]


def test_presets_fill_in_and_explicit_values_win():
    """A preset supplies every value the link leaves out; a link value that differs from the
    preset wins and the preset is dropped (the link no longer shows that experiment)."""
    deep = from_fragment("#preset=deep&seed=3")
    assert deep.preset == "deep"
    assert deep.settings == PRESETS["deep"].apply(Settings()).replace(seed=3)
    changed = from_fragment("#preset=deep&lr=0.01")
    assert changed.preset is None
    assert changed.settings.layers == PRESETS["deep"].changes["layers"]
    assert changed.settings.learning_rate == 0.01
    unknown = from_fragment("#preset=magic&seed=1")
    assert unknown.preset is None
    assert unknown.settings == Settings().replace(seed=1)
    assert "'magic'" in unknown.problems[0]


def test_unknown_keys_and_overlong_links_are_reported():
    """A key the page does not know is named; a link too long to be ours is not read at all."""
    state = from_fragment("#colour=red&seed=2")
    assert state.settings.seed == 2
    assert state.problems == ("The link has an unknown setting 'colour'.",)
    long = from_fragment("#seed=5&layers=" + "2-" * MAX_LENGTH + "2")
    assert long.settings == Settings()
    assert "characters long" in long.problems[0]


def test_a_link_of_many_keys_or_layers_under_the_length_limit_gives_short_messages():
    """Hundreds of unknown keys are one sentence; a 300-layer value is quoted cut short."""
    keys = from_fragment("&".join(f"k{i}=1" for i in range(150)) + "&seed=3")
    assert keys.settings.seed == 3
    assert keys.problems == ("The link has 150 unknown settings: 'k0', 'k1', 'k2' and 147 more.",)
    layers = from_fragment("layers=" + "-".join(["2"] * 300))
    assert layers.settings.layers == Settings().layers
    (problem,) = layers.problems
    assert problem.startswith("Layers '2-2-2-") and "300" in problem and len(problem) < 300


link_text = st.lists(
    st.tuples(st.sampled_from([*KEYS, "x"]), st.text(max_size=30)), max_size=10
).map(lambda pairs: "&".join(f"{k}={quote(v)}" for k, v in pairs))


@given(st.one_of(link_text, st.text(max_size=200)))
@example("#norm=²&seed=²&lr=١&layers=٢-٦-٢")  # non-ASCII digits
def test_any_text_gives_valid_settings_and_only_messages(text):
    """Whatever a link holds (arbitrary text, odd Unicode digits, every key with junk), reading
    it never raises: the result always passes ``Settings.check`` and each problem is a message."""
    state = from_fragment(text)
    assert state.settings.check() == state.settings
    assert all(isinstance(p, str) and p for p in state.problems)
    assert state.preset is None or PRESETS[state.preset].matches(state.settings)
