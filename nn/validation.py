"""Boundary checks shared by the schema, the network and the dataset helpers.

Each check returns the value in canonical form (``float``, ``int``, float64 array) or raises
``SchemaError`` with a message that names the field and shows the offending value. Training loops
call these once at the boundary and then trust their arrays.

>>> check_array([[1, 2.5]], "inputs", (None, 2)).tolist()
[[1.0, 2.5]]
>>> check_real(float("nan"), "learning_rate", low=0.0)
Traceback (most recent call last):
...
nn.errors.SchemaError: learning_rate must be a finite number > 0.0, got nan
"""

from __future__ import annotations

import math
import reprlib
from collections.abc import Sequence

import numpy as np

from nn.defaults import INPUT_LIMIT
from nn.errors import SchemaError

__all__ = ["check_array", "check_bool", "check_int", "check_real", "check_sample", "show"]

_NUMBER_TYPES = (int, float, np.integer, np.floating)
_BOOL_TYPES = (bool, np.bool_)


# A bounded repr: a hostile value can be a list of a million items, or nested deep.
_REPR = reprlib.Repr()
_REPR.maxlevel, _REPR.maxstring, _REPR.maxother = 3, 80, 80
_REPR.maxtuple = _REPR.maxlist = _REPR.maxdict = 8


def show(value: object, width: int = 60) -> str:
    """``repr(value)``, shortened to ``width`` characters for error messages (containers are
    cut after a few items and levels, so a huge value costs no more than a small one)."""
    text = _REPR.repr(value) if isinstance(value, list | tuple | dict) else repr(value)
    if isinstance(value, list | tuple | dict) and len(value) > 8:
        text += f" ({len(value):,} items)"
    return text if len(text) <= width else text[: width - 3] + "..."


def _is_number(value: object) -> bool:
    return isinstance(value, _NUMBER_TYPES) and not isinstance(value, _BOOL_TYPES)


def check_real(
    value: object,
    name: str,
    *,
    low: float | None = None,
    high: float | None = None,
    low_inclusive: bool = False,
    high_inclusive: bool = True,
) -> float:
    """A finite real number, optionally within (low, high]; bools and strings are rejected."""
    ok = _is_number(value) and math.isfinite(value)
    if ok and low is not None:
        ok = value >= low if low_inclusive else value > low
    if ok and high is not None:
        ok = value <= high if high_inclusive else value < high
    if not ok:
        bounds = []
        if low is not None:
            bounds.append(f"{'>=' if low_inclusive else '>'} {low}")
        if high is not None:
            bounds.append(f"{'<=' if high_inclusive else '<'} {high}")
        rule = " and ".join(bounds)
        rule = f" {rule}" if rule else ""
        raise SchemaError(f"{name} must be a finite number{rule}, got {show(value)}")
    return float(value)


def check_int(value: object, name: str, *, low: int = 1, high: int | None = None) -> int:
    """An integer in [low, high]; floats (even 3.0), bools and strings are rejected."""
    ok = isinstance(value, int | np.integer) and not isinstance(value, _BOOL_TYPES)
    ok = ok and value >= low and (high is None or value <= high)
    if not ok:
        rule = f">= {low}" if high is None else f"in [{low}, {high}]"
        raise SchemaError(f"{name} must be an integer {rule}, got {show(value)}")
    return int(value)


def check_bool(value: object, name: str) -> bool:
    """A real ``True`` or ``False`` (not 0/1, not "true")."""
    if not isinstance(value, _BOOL_TYPES):
        raise SchemaError(f"{name} must be true or false, got {show(value)}")
    return bool(value)


def check_array(
    value: object,
    name: str,
    shape: Sequence[int | None],
    *,
    limit: float | None = None,
) -> np.ndarray:
    """A new float64 array of the given shape (``None`` = any length >= 1) from a nested list,
    tuple or numeric ndarray. Every entry must be a finite number, at most ``limit`` in size."""
    if isinstance(value, np.ndarray):
        if value.dtype.kind not in "iuf":
            raise SchemaError(f"{name} must hold numbers, got an array of dtype {value.dtype}")
        array = np.array(value, dtype=np.float64)
    else:
        _check_nested(value, name, shape)
        array = np.array(value, dtype=np.float64)
    if array.ndim != len(shape) or any(
        want is not None and got != want for got, want in zip(array.shape, shape, strict=True)
    ):
        raise SchemaError(f"{name} must have shape {_shape_text(shape)}, got {array.shape}")
    if array.size == 0:
        raise SchemaError(f"{name} must not be empty, got shape {array.shape}")
    with np.errstate(invalid="ignore"):
        bad = ~np.isfinite(array) if limit is None else ~(np.abs(array) <= limit)
    if bad.any():
        where = tuple(int(i) for i in np.argwhere(bad)[0])
        index = "".join(f"[{i}]" for i in where)
        rule = "a finite number" if limit is None else f"a finite number of size <= {limit:g}"
        raise SchemaError(f"{name}{index} must be {rule}, got {float(array[where])!r}")
    return array


def check_sample(value: object, name: str, size: int) -> np.ndarray:
    """One sample of ``size`` numbers, each finite and at most ``INPUT_LIMIT`` in size, as a new
    float64 array of shape ``(size,)``; ``check_array`` rules and messages otherwise.

    A float64 array of the right shape passes in about 1 us, so ``Network.feed`` and
    ``backpropagate`` can check every sample they get."""
    if (
        type(value) is np.ndarray
        and value.shape == (size,)
        and value.dtype == np.float64
        # Python floats: v * v cannot overflow with a warning, and NaN or inf fail the test.
        and sum([v * v for v in value.tolist()]) <= INPUT_LIMIT**2
    ):
        return value.copy()  # the caller may reuse its array
    return check_array(value, name, (size,), limit=INPUT_LIMIT)


def _shape_text(shape: Sequence[int | None]) -> str:
    sizes = ["n" if n is None else str(n) for n in shape]
    return f"({sizes[0]},)" if len(sizes) == 1 else "(" + ", ".join(sizes) + ")"


def _check_nested(value: object, name: str, shape: Sequence[int | None]) -> None:
    """Lists/tuples nested exactly ``len(shape)`` deep, with numbers (not bools) as leaves."""
    if not shape:
        if not _is_number(value):
            raise SchemaError(f"{name} must be a number, got {show(value)}")
        return
    if not isinstance(value, list | tuple):
        raise SchemaError(f"{name} must be a list, got {show(value)}")
    want = shape[0]
    if not value:
        raise SchemaError(f"{name} must not be empty")
    if want is not None and len(value) != want:
        raise SchemaError(f"{name} must have {want} entries, got {len(value)}")
    inner = list(shape[1:])
    if inner and inner[0] is None and isinstance(value[0], list | tuple):
        inner[0] = len(value[0]) or None  # rows of any length, but all the same length
    if len(inner) == 1 and inner[0] is not None:
        # Fast path for the common case (rows of numbers): one pass in C-level generators.
        width = inner[0]
        if all(isinstance(row, list | tuple) and len(row) == width for row in value) and all(
            _is_number(x) for row in value for x in row
        ):
            return
    elif not inner and all(_is_number(x) for x in value):
        return
    for i, item in enumerate(value):
        _check_nested(item, f"{name}[{i}]", inner)
