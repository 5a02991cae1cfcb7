"""The settings a shared link carries: readable text for the URL's fragment, and back.

A link looks like ``#layers=2-6-6-6-2&activation=tanh&lr=0.005&bias=1&optimizer=sgd&norm=1&
dropout=0&seed=0&preset=tanh``. Pure Python (no browser imports): values go through the same
parsers and ``Settings.check`` as the form controls, so a link can hold nothing the form would
refuse. A bad value is reported (the message names it) and the default is used for it alone.

Usage::

    text = to_fragment(Settings(), preset=None)   # "layers=2-6-6-6-2&activation=linear&..."
    state = from_fragment("#layers=2-6-2&lr=nan")
    state.settings.layers                         # (2, 6, 2)
    state.problems                                # ("Learning rate 'nan' is not a finite ...",)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode

from nn.errors import SchemaError
from nnpage.presets import PRESETS
from nnpage.settings import (
    Settings,
    parse_layers,
    parse_learning_rate,
    parse_probability,
    parse_seed,
)

__all__ = ["KEYS", "MAX_LENGTH", "LinkState", "from_fragment", "to_fragment"]

# A real link is ~120 characters; a longer one is not ours, and its values would flood the alert.
MAX_LENGTH = 1000
SHOWN = 40  # characters of a rejected value quoted back


@dataclass(frozen=True)
class LinkState:
    """What a link asks for: valid ``settings``, the ``preset`` it still matches (or None), and
    one message per value that could not be used."""

    settings: Settings
    preset: str | None = None
    problems: tuple[str, ...] = ()


def _bias(text: str) -> dict[str, object]:
    value = text.strip().lower()
    if value not in ("0", "1", "true", "false"):
        raise SchemaError(f"Bias {_show(text)} is not valid; use 1 (on) or 0 (off)")
    return {"bias": value in ("1", "true")}


def _dropout(text: str) -> dict[str, object]:
    if text.strip() in ("0", "off"):
        return {"dropout": False}
    try:
        return {"dropout": True, "dropout_p": parse_probability(text)}
    except SchemaError as exc:
        raise SchemaError(f"{exc} (or 0 for no dropout)") from None


def _normalization(text: str) -> dict[str, object]:
    value = text.strip()
    return {
        "normalization": int(value)
        if value.isascii() and value.isdigit() and len(value) < 4
        else value
    }


# key in the link -> (Settings field(s) from the text; Settings.check validates the result)
PARSERS: dict[str, Callable[[str], dict[str, object]]] = {
    "layers": lambda t: {"layers": parse_layers(t)},
    "activation": lambda t: {"activation": t.strip()},
    "lr": lambda t: {"learning_rate": parse_learning_rate(t)},
    "bias": _bias,
    "optimizer": lambda t: {"optimizer": t.strip()},
    "norm": _normalization,
    "dropout": _dropout,
    "seed": lambda t: {"seed": parse_seed(t)},
    "out": lambda t: {"output_activation": t.strip()},
}
KEYS = (*PARSERS, "preset")


def _show(text: str) -> str:
    return repr(text if len(text) <= SHOWN else text[:SHOWN] + "…")


def to_fragment(settings: Settings, preset: str | None = None) -> str:
    """The link text for ``settings`` (without the ``#``); every key, in a fixed order."""
    s = settings
    pairs = [
        ("layers", s.layers_text),
        ("activation", s.activation),
        ("lr", repr(float(s.learning_rate))),  # shortest text that reads back the same float
        ("bias", "1" if s.bias else "0"),
        ("optimizer", s.optimizer),
        ("norm", str(s.normalization)),
        ("dropout", repr(float(s.dropout_p)) if s.dropout else "0"),
        ("seed", str(s.seed)),
    ]
    # The output activation only when a reader would not assume it (linear, or the preset's).
    assumed = PRESETS[preset].changes.get("output_activation", "linear") if preset else "linear"
    if s.output_activation != assumed:
        pairs.append(("out", s.output_activation))
    if preset is not None:
        pairs.append(("preset", preset))
    return urlencode(pairs)


def from_fragment(text: str, defaults: Settings | None = None) -> LinkState:
    """Read a link's fragment (with or without ``#``). Missing keys keep ``defaults`` (or the
    preset's values when the link names one); bad values do too, and are listed in
    ``problems``. A ``preset`` is kept only while the other values still match it."""
    base = defaults or Settings()
    body = text[1:] if text.startswith("#") else text
    if len(body) > MAX_LENGTH:
        return LinkState(
            base,
            problems=(
                f"The link's settings are {len(body):,} characters long, over the "
                f"{MAX_LENGTH:,} a link of this page uses, so none of them was read.",
            ),
        )
    values: dict[str, str] = {}
    problems: list[str] = []
    unknown: list[str] = []
    for key, value in parse_qsl(body, keep_blank_values=True):
        if key in KEYS:
            values[key] = value  # the last one wins, as in a query string
        else:
            unknown.append(_show(key))
    if len(unknown) == 1:
        problems.append(f"The link has an unknown setting {unknown[0]}.")
    elif unknown:  # one sentence, not one per key: a link can hold hundreds
        more = f" and {len(unknown) - 3:,} more" if len(unknown) > 3 else ""
        problems.append(
            f"The link has {len(unknown):,} unknown settings: {', '.join(unknown[:3])}{more}."
        )
    preset = values.pop("preset", None)
    if preset is not None and preset not in PRESETS:
        problems.append(f"Preset {_show(preset)} is not one of {', '.join(PRESETS)}.")
        preset = None
    settings = PRESETS[preset].apply(base) if preset else base
    for key, value in values.items():
        try:
            settings = settings.replace(**PARSERS[key](value)).check()
        except SchemaError as exc:
            shown = _show(value.strip())
            message = str(exc).replace(repr(value.strip()), shown)  # a long value, cut short
            if shown not in message:  # make sure the bad value is named
                message = f"{key}={_show(value)}: {message}"
            problems.append(message if message.endswith(".") else message + ".")
    if preset is not None and not PRESETS[preset].matches(settings):
        preset = None
    return LinkState(settings, preset, tuple(problems))
