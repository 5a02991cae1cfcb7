"""Every value a control can hand to ``nnpage/settings.py`` either parses into something the
page and the core accept, or raises the documented ``SchemaError`` naming the control and the
value. Nothing else may escape (a ``ValueError`` would reach the console instead of the alert).

Property-based (hypothesis): arbitrary text, numbers in and out of range, and whole ``Settings``
built from valid and invalid fields.
"""

from __future__ import annotations

import math
from decimal import Decimal

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from nn import Network
from nn.activations import ACTIVATIONS
from nn.errors import SchemaError
from nn.optimizers import OPTIMIZERS
from nn.schema import check_params
from nnpage.settings import (
    LR_MAX,
    LR_MIN,
    MAX_PAGE_LAYERS,
    MAX_PAGE_NEURONS,
    NORMALIZATIONS,
    Settings,
    parse_layers,
    parse_learning_rate,
    parse_probability,
    parse_seed,
)

SEED_MAX = 2**32 - 1

# Text a learner (or a shared link) may type: anything, plus text close to valid values.
any_text = st.one_of(
    st.text(),
    st.text(alphabet="0123456789-,. \t\n+e_²١", max_size=30),
    st.floats().map(repr),
    st.integers().map(str),
    st.sampled_from(["", " ", "nan", "-inf", "1e309", "0x10", "1_0", "²", "١٢", "1" * 5000]),
)
hidden_sizes = st.lists(st.integers(1, MAX_PAGE_NEURONS), max_size=MAX_PAGE_LAYERS - 2)
separators = st.sampled_from(["-", ",", " ", " - ", ", ", "\t"])


def refused(parse, text: str, control: str) -> str:
    """Call ``parse``; it must raise SchemaError naming ``control`` and the stripped text."""
    with pytest.raises(SchemaError) as info:
        parse(text)
    message = str(info.value)
    assert control in message and repr(text.strip()) in message, message
    return message


# --- layers ------------------------------------------------------------------------------------


@given(any_text)
@example("2-6-2")
@example("2-0-2")
@example("2-" + "-".join(["6"] * 11) + "-2")
def test_any_layers_text_parses_or_names_the_value(text):
    """Any text: either page-sized layers with 2 inputs and 2 outputs that read back the same,
    or a SchemaError naming 'Layers' and the text."""
    try:
        sizes = parse_layers(text)
    except SchemaError:
        refused(parse_layers, text, "Layers")
        return
    assert sizes[0] == sizes[-1] == 2
    assert 2 <= len(sizes) <= MAX_PAGE_LAYERS
    assert all(type(n) is int and 1 <= n <= MAX_PAGE_NEURONS for n in sizes)
    assert parse_layers("-".join(map(str, sizes))) == sizes


@given(hidden_sizes, separators, st.sampled_from(["", " ", "\t", "\n "]))
def test_every_page_sized_spec_is_accepted_with_any_separator(hidden, sep, pad):
    """2, up to 10 hidden layers of 1..32 neurons, 2 -- joined by '-', ',' or spaces and padded
    with whitespace -- parses to exactly those sizes."""
    sizes = (2, *hidden, 2)
    assert parse_layers(pad + sep.join(map(str, sizes)) + pad) == sizes


@given(
    st.lists(st.integers(0, 10_000), min_size=2, max_size=80).filter(
        lambda s: (
            not (
                s[0] == s[-1] == 2
                and len(s) <= MAX_PAGE_LAYERS
                and all(1 <= n <= MAX_PAGE_NEURONS for n in s)
            )
        )
    )
)
def test_specs_outside_the_page_rules_are_refused(sizes):
    """Wrong input/output sizes, a zero layer, too many layers or too wide ones: refused with a
    message naming the spec."""
    refused(parse_layers, "-".join(map(str, sizes)), "Layers")


# --- learning rate, dropout probability, seed --------------------------------------------------


@given(any_text)
def test_any_learning_rate_text_parses_or_names_the_value(text):
    """Any text: a finite rate within [1e-5, 1] equal to the number typed, or a SchemaError
    naming 'Learning rate' and the text."""
    try:
        rate = parse_learning_rate(text)
    except SchemaError:
        refused(parse_learning_rate, text, "Learning rate")
        return
    assert type(rate) is float and LR_MIN <= rate <= LR_MAX
    assert rate == float(text)


@given(st.floats())
@example(LR_MIN)
@example(LR_MAX)
@example(math.nextafter(LR_MAX, 2.0))
def test_learning_rates_are_accepted_exactly_within_the_range(value):
    """A number typed as Python writes it is accepted (bit for bit) iff finite and in range."""
    text = repr(value)
    if math.isfinite(value) and LR_MIN <= value <= LR_MAX:
        assert parse_learning_rate(text) == value
    else:
        refused(parse_learning_rate, text, "Learning rate")


@given(st.one_of(st.floats(), any_text))
@example(0.0)
@example(1.0)
@example(math.nextafter(0.0, 1.0))
def test_dropout_probability_is_strictly_between_0_and_1(value):
    """Dropout probability: accepted iff a finite number strictly between 0 and 1."""
    text = value if isinstance(value, str) else repr(value)
    try:
        number = float(text)
    except ValueError:
        number = math.nan
    if 0.0 < number < 1.0:
        assert parse_probability(text) == number
    else:
        refused(parse_probability, text, "Dropout probability")


@given(st.one_of(st.integers(-(2**40), 2**40).map(str), any_text))
@example(str(SEED_MAX))
@example(str(SEED_MAX + 1))
@example("²")
@example("1" * 5000)
@example("0" * 5000 + "7")
def test_seed_is_a_whole_number_in_range_or_named(text):
    """Seed: ASCII digits up to 2**32 - 1 give that int; anything else (signs, decimals, other
    scripts' digits, superscripts, 5000 digits) is a SchemaError naming 'Seed' and the text."""
    shown = text.strip()
    if shown.isascii() and shown.isdigit() and Decimal(shown) <= SEED_MAX:  # no digit limit
        assert parse_seed(text) == int(Decimal(shown))
    else:
        refused(parse_seed, text, "Seed")


# --- whole settings ------------------------------------------------------------------------------


def field(valid, invalid):
    return st.one_of(valid.map(lambda v: (v, True)), invalid.map(lambda v: (v, False)))


FIELDS = {
    "layers": field(
        hidden_sizes.map(lambda h: (2, *h, 2)),
        st.one_of(
            st.lists(st.integers(-3, 40), max_size=14)
            .map(tuple)
            .filter(
                lambda s: (
                    not (
                        len(s) >= 2
                        and s[0] == s[-1] == 2
                        and len(s) <= MAX_PAGE_LAYERS
                        and all(1 <= n <= MAX_PAGE_NEURONS for n in s)
                    )
                )
            ),
        ),
    ),
    "learning_rate": field(
        st.floats(LR_MIN, LR_MAX),
        st.one_of(
            st.floats().filter(lambda v: not LR_MIN <= v <= LR_MAX),
            st.sampled_from(["0.01", None, True]),
        ),
    ),
    "activation": field(
        st.sampled_from(list(ACTIVATIONS)),
        st.one_of(st.sampled_from(["", "Tanh", "softmax", "relu "]), st.text()).filter(
            lambda t: t not in ACTIVATIONS
        ),
    ),
    "optimizer": field(
        st.sampled_from(list(OPTIMIZERS)),
        st.one_of(st.sampled_from(["", "SGD", "rmsprop", "adam "]), st.text()).filter(
            lambda t: t not in OPTIMIZERS
        ),
    ),
    "normalization": field(
        st.sampled_from(list(NORMALIZATIONS)), st.sampled_from([0, 3, -1, "1", None])
    ),
    "dropout_p": field(
        st.floats(0.0, 1.0, exclude_min=True, exclude_max=True),
        st.one_of(st.floats().filter(lambda v: not 0.0 < v < 1.0), st.sampled_from(["0.1", None])),
    ),
    "seed": field(
        st.integers(0, SEED_MAX),
        st.one_of(st.integers(max_value=-1), st.integers(min_value=SEED_MAX + 1), st.just("7")),
    ),
}


def named(name: str, value: object) -> str:
    """How the error message names a field's value."""
    if name == "layers":
        return "-".join(map(str, value))
    if name == "seed":
        return str(value)
    return repr(value)


@given(
    st.fixed_dictionaries(FIELDS),
    st.booleans(),
    st.booleans(),
)
def test_settings_check_accepts_exactly_what_the_core_builds(fields, bias, dropout):
    """``Settings.check()`` passes iff every field is valid; then the core accepts the params and
    builds that network. Otherwise the SchemaError names one of the invalid values."""
    values = {name: value for name, (value, _) in fields.items()}
    bad = [name for name, (_, ok) in fields.items() if not ok]
    settings = Settings(**values, bias=bias, dropout=dropout)
    if not bad:
        assert settings.check() is settings
        params = check_params(settings.network_params())
        net = Network(**settings.network_params())
        assert tuple(net.layers) == settings.layers
        assert params["learning_rate"] == settings.learning_rate
        return
    with pytest.raises(SchemaError) as info:
        settings.check()
    message = str(info.value)
    assert any(named(name, values[name]) in message for name in bad), (bad, message)
