"""Property tests for the parsers of untrusted input that ``test_safejson`` and ``test_schema``
do not cover: moves files (``nn.trajectories.parse_moves`` and ``read_moves``) and recurrent
model exports (``nn.recurrent_schema``). Whatever comes in, each either gives a valid result or
raises the project's ``SchemaError``; never another exception."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from nn import RecurrentNetwork, SchemaError
from nn.defaults import MOVES_MAX_BYTES
from nn.recurrent_schema import (
    check_recurrent_export,
    check_recurrent_params,
    check_sequences,
    model_kind,
)
from nn.safejson import loads
from nn.trajectories import GAP_MS, HZ, MAX_EVENTS, parse_moves, read_moves

from .helpers import PROPERTY, json_junk, mutate

junk = json_junk()

# --- moves files ---------------------------------------------------------------------------------

# Cells a moves file might hold, good and bad: numbers of every size, signs, exponents, words,
# quotes, white space, NaN and infinities, and characters that are not ASCII.
cells = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.integers(-(10**15), 10**15).map(str),
    st.sampled_from(["", " ", "1e999", "-0", "0x10", "1_0", '"0.5"', "nan", "time_ms", "é"]),
    st.text(alphabet=st.sampled_from('0123456789.,-+eE "\r\n\t\x00\ufffdx'), max_size=12),
)
rows = st.lists(cells, min_size=0, max_size=4).map(",".join)
line_ends = st.sampled_from(["\n", "\r\n", "\r"])
moves_texts = st.builds(
    lambda header, body, end: end.join([header, *body]),
    st.sampled_from(["time_ms,x,y", " time_ms , x , y", "x,y", ""]),
    st.lists(rows, max_size=12),
    line_ends,
)


def _check_strokes(strokes) -> None:
    """What every parsed moves file satisfies: strokes of events in time order, positions within
    the limit, and a new stroke only after a pause longer than ``GAP_MS``."""
    assert strokes
    last = -math.inf
    for times, positions in strokes:
        assert times.ndim == 1 and positions.shape == (len(times), 2) and len(times) >= 1
        assert np.all(np.isfinite(times)) and np.all(np.abs(positions) <= 10.0)
        assert np.all(np.diff(times) >= 0) and np.all(np.diff(times) <= GAP_MS)
        assert times[0] - last > GAP_MS or last == -math.inf
        last = times[-1]


@PROPERTY
@given(moves_texts)
@example("time_ms,x,y\n0,0.5,0.5\n" + "10,0.5,0.5\r" * 3)
@example('time_ms,x,y\n0,"0.5\n0.5",1')
def test_any_moves_text_parses_into_strokes_or_is_refused(text):
    try:
        strokes = parse_moves(text)
    except SchemaError:
        return
    _check_strokes(strokes)


@PROPERTY
@given(st.binary(max_size=300))
@example(b"time_ms,x,y\n0,0.1,0.1\n\xff\xfe")
def test_any_bytes_parse_into_strokes_or_are_refused(data):
    try:
        strokes = parse_moves(b"time_ms,x,y\n" + data)
    except SchemaError:
        return
    _check_strokes(strokes)


@PROPERTY
@given(
    st.lists(
        st.tuples(
            st.floats(0, 5_000),  # time since the previous event, ms
            st.floats(-10, 10),
            st.floats(-10, 10),
        ),
        min_size=1,
        max_size=40,
    )
)
def test_valid_moves_read_back_as_resampled_strokes(events):
    times = np.cumsum([dt for dt, _, _ in events])  # (N,) increasing
    rows = zip(times.tolist(), events, strict=True)
    lines = ["time_ms,x,y"] + [f"{t!r},{x!r},{y!r}" for t, (_, x, y) in rows]
    strokes = read_moves("\n".join(lines) + "\n")
    assert len(strokes) == 1 + int(np.sum(np.diff(times) > GAP_MS))
    for stroke in strokes:
        assert stroke.ndim == 2 and stroke.shape[1] == 2 and len(stroke) >= 1
        assert np.all(np.abs(stroke) <= 10.0)
    # Each stroke's samples span its events' time at HZ (both ends included, within a sample).
    assert sum(map(len, strokes)) <= (times[-1] - times[0]) * HZ / 1000 + len(strokes)


HOSTILE_MOVES = {
    "past the size limit": ("time_ms,x,y\n" + " " * MOVES_MAX_BYTES, "over the limit"),
    "empty": (" \n\n\t", "is empty"),
    "binary": (bytes(range(256)) * 4, "not UTF-8"),
    "decoded binary": ("time_ms,x,y\n0,\ufffd,0\n", "not UTF-8"),
    "NUL": ("time_ms,x,y\n0,0\x00,0\n", "NUL"),
    "too many lines": ("time_ms,x,y" + "\n" * (MAX_EVENTS + 1) + "0,0,0", "lines"),
    "too many events": ("time_ms,x,y\n" + "0,0,0\n" * (MAX_EVENTS + 1), "lines"),
    "huge cell": ("time_ms,x,y\n0," + "1" * 200_000 + ",0\n", "field larger"),
    "wrong type": (["time_ms,x,y"], "must be a string"),
    "beyond float range": ("time_ms,x,y\n0,1e999,0\n", "column x: '1e999'"),
}


@pytest.mark.parametrize("name", list(HOSTILE_MOVES))
def test_hostile_moves_are_refused_by_name(name):
    """Size, emptiness, binary content and the number of lines are checked first, at C speed:
    a file of a million blank lines or events too many is refused by its count, not parsed."""
    text, message = HOSTILE_MOVES[name]
    with pytest.raises(SchemaError, match=message):
        parse_moves(text)


def test_a_moves_file_at_the_size_limit_is_read_and_trailing_white_space_ignored():
    body = "time_ms,x,y\n0,0.5,0.5\n100,0.6,0.5\r\n200,0.7,0.5\n"
    text = body + " " * (MOVES_MAX_BYTES - len(body))
    assert len(text.encode()) == MOVES_MAX_BYTES
    (stroke,) = read_moves(text.encode())
    assert np.allclose(stroke[[0, -1]], [[0.5, 0.5], [0.7, 0.5]])
    assert len(stroke) == 13  # 200 ms at 60 Hz: samples at 0, 16.7, ..., 200 ms


def test_slow_strokes_cannot_resample_into_more_than_the_limit():
    # 70,000 events 250 ms apart are one stroke of almost 5 hours: 1.05 million samples at 60 Hz.
    text = "time_ms,x,y\n" + "".join(f"{250 * i},0.5,0.5\n" for i in range(70_000))
    with pytest.raises(SchemaError, match="samples at 60 Hz; at most"):
        read_moves(text)


# --- recurrent model exports ---------------------------------------------------------------------


def recurrent_export() -> dict:
    return json.loads(json.dumps(RecurrentNetwork([4, 5, 2], seed=3).export()))


@PROPERTY
@given(st.data())
def test_any_mutated_recurrent_export_is_accepted_or_rejected(data):
    """Damage one node anywhere in a valid recurrent export: it still loads, or is refused."""
    damaged = mutate(recurrent_export(), data, junk)
    try:
        checked = check_recurrent_export(damaged)
    except SchemaError:
        return
    n_in, hidden, n_out = checked["params"]["layers"]
    shapes = [(n_in, hidden), (hidden, hidden), (hidden, n_out)]
    assert [w.shape for w in checked["weights"]] == shapes
    assert all(np.all(np.isfinite(w)) for w in checked["weights"] + checked["biases"])
    try:
        RecurrentNetwork.from_export(damaged)
    except SchemaError as exc:  # the one rule the network adds: the weight limit
        assert "over the limit" in str(exc)


@PROPERTY
@given(junk)
def test_any_value_is_a_recurrent_export_params_or_kind_or_is_refused(value):
    for check in (check_recurrent_export, check_recurrent_params, model_kind):
        try:
            check(value)
        except SchemaError:
            continue


@PROPERTY
@given(st.text(alphabet=st.sampled_from('[]{}",:0123456789.e-truefalsnkidcwbhpmy '), max_size=200))
def test_any_text_loads_as_a_recurrent_model_or_is_refused(text):
    try:
        RecurrentNetwork.from_export(loads(text, "the file", MOVES_MAX_BYTES))
    except SchemaError:
        return


@PROPERTY
@given(junk, junk)
@example([[[1.0] * 4]], [[[1e999, 0.0]]])
@example([[[0.0] * 4] * 2], [[[0.0] * 2]])
def test_any_sequences_are_checked_or_refused(inputs, targets):
    try:
        x, t = check_sequences(inputs, targets, 4, 2)
    except SchemaError:
        return
    assert x.ndim == t.ndim == 3 and x.shape[:2] == t.shape[:2]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"kind": "x" * 1000}, "kind must be one of"),
        ({"kind": ["recurrent"]}, "kind must be one of"),
        ({"params": [4, 5, 2]}, "params must be an object"),
        ({"params": {"layers": [4, 5, 2], **{f"k{i}": i for i in range(10_000)}}}, "unknown field"),
        ({"params": {"layers": [4, 10_000, 2]}}, r"layers\[1\] \(hidden\)"),
        ({"params": {"layers": [4, 5, 2], "optimizer": ["adam"]}}, "optimizer"),
        ({"params": {"layers": [4, 5, 2], "bptt": 1e999}}, "bptt must be an integer"),
        ({"weights": [[[0.5] * 5] * 4] * 600}, "3 matrices"),
        ({"weights": [[[0.5] * 5] * 4, [[0.5] * 5] * 5, [[0.5] * 2] * 4]}, "weights"),
        ({"biases": [[0.0] * 5, [0.0, "0"]]}, r"biases\[1\] \(b_y\)\[1\] must be a number"),
        ({"biases": [[0.0] * 5, [0.0, 1e999]]}, "finite"),
        ({"format_version": True}, "format_version"),
    ],
)
def test_hostile_recurrent_exports_are_refused_by_name(change, message):
    with pytest.raises(SchemaError, match=message):
        RecurrentNetwork.from_export({**recurrent_export(), **change})
