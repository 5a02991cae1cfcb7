"""Untrusted JSON: the pre-scan refuses what could crash or flood a parser, and agrees with
``json.loads`` on everything else; every entry point (model export, dataset, worker message)
answers hostile text with a ``SchemaError`` that names the problem."""

from __future__ import annotations

import json
import math
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nn import Network, SchemaError, parse_csv, parse_json, random_dataset
from nn.defaults import (
    DATASET_MAX_BYTES,
    JSON_MAX_DEPTH,
    JSON_MAX_NUMBER,
    JSON_MAX_STRING,
    MESSAGE_MAX_BYTES,
)
from nn.safejson import check_text, loads, scan
from nn.schema import check_export, decode, encode, train_message

from .helpers import PROPERTY

finite = st.floats(allow_nan=False, allow_infinity=False)
leaves = st.one_of(st.none(), st.booleans(), st.integers(-(10**18), 10**18), finite, st.text())
json_values = st.recursive(
    leaves,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=30,
)


def depth_of(value: object) -> int:
    if isinstance(value, list):
        return 1 + max(map(depth_of, value), default=0)
    if isinstance(value, dict):
        return 1 + max(map(depth_of, value.values()), default=0)
    return 0


def nested(depth: int, kind: str = "[") -> str:
    if kind == "[":
        return "[" * depth + "]" * depth
    return '{"a":' * depth + "0" + "}" * depth


# --- agreement with json.loads -------------------------------------------------------------------


@PROPERTY
@given(json_values, st.booleans())
def test_valid_json_parses_as_json_loads_does(value, indent):
    text = json.dumps(value, indent=2 if indent else None, ensure_ascii=False)
    assert loads(text, "it", 10**7) == json.loads(text)


@PROPERTY
@given(st.text(alphabet=st.sampled_from('[]{}",:\\ 0123456789.eE-+ntrufalsNIfiy\x00\ufffd\u00e9')))
def test_any_text_parses_as_json_loads_does_or_is_refused_by_name(text):
    try:
        got = loads(text, "the thing", 10**6)
    except SchemaError as exc:
        assert "the thing" in str(exc)
        return
    assert json.dumps(got) == json.dumps(json.loads(text))


@PROPERTY
@given(st.binary(max_size=200))
def test_any_bytes_give_a_value_or_a_named_error(data):
    try:
        loads(check_text(data, "the file", 10**6), "the file")
    except SchemaError as exc:
        assert "the file" in str(exc)


@PROPERTY
@given(st.text(alphabet=st.sampled_from('[]{}"\\a'), max_size=40))
def test_brackets_and_quotes_inside_strings_do_not_count_as_nesting(inner):
    text = json.dumps([inner] * 3)
    assert loads(text, "it") == [inner] * 3


LOW_LIMITS = {"JSON_MAX_STRING": 20, "JSON_MAX_NUMBER": 8, "JSON_MAX_DEPTH": 3}


def reference_scan(text: str, limits: dict[str, int]) -> str | None:
    """The scan as plain Python (a readable specification of ``nn.safejson.scan``): strings are
    what lies between paired quotes once escapes are removed; values are runs of characters
    outside strings that are not white space, brackets, colons or commas. Returns the first
    problem found, in the order the scan reports them, or None."""
    text = re.sub(r"\\.", "", text, flags=re.DOTALL)
    parts = text.split('"')  # odd parts are inside strings
    if len(parts) % 2 == 0:
        return "not closed"
    if max(map(len, parts[1::2]), default=0) > limits["JSON_MAX_STRING"]:
        return "string"
    outside = " ".join(parts[0::2])
    if max(map(len, re.split(r"[ \t\n\r\[\]{}:,]", outside))) > limits["JSON_MAX_NUMBER"]:
        return "value"
    depth = deepest = 0
    for char in outside:
        depth += (char in "[{") - (char in "]}")
        deepest = max(deepest, depth)
    return "nested" if deepest > limits["JSON_MAX_DEPTH"] else None


scan_texts = st.text(
    alphabet=st.sampled_from('[]{}",:\\ \n1.e-ax\u00e9\U0001f600'), max_size=300
) | st.builds(
    lambda a, b, c: a + b + c,
    st.sampled_from(["", "[", '"', "[" * 40]),
    st.sampled_from(["1" * 101, "x" * 150, " " * 50, '"' + "y" * 30]),
    st.sampled_from(["", "]", '"', "]" * 40, "[" * 5]),
)


@PROPERTY
@given(scan_texts, st.sampled_from([1, 2, 3, 7, 64, 1 << 20]))
def test_the_chunked_scan_agrees_with_the_reference_at_any_chunk_size(text, chunk):
    """Strings, values and nesting that span chunks are seen whole (the limits are lowered so
    short texts reach them)."""
    import nn.safejson as module

    saved = {name: getattr(module, name) for name in [*LOW_LIMITS, "_CHUNK"]}
    for name, value in {**LOW_LIMITS, "_CHUNK": chunk}.items():
        setattr(module, name, value)
    try:
        scan(text, "it")
        got = None
    except SchemaError as exc:
        got = next(k for k in ("not closed", "string", "value", "nested") if k in str(exc))
    finally:
        for name, value in saved.items():
            setattr(module, name, value)
    assert got == reference_scan(text, LOW_LIMITS), (text, chunk)


def test_the_scan_of_the_largest_message_needs_no_more_memory_than_a_chunk():
    """8 MB of white space, or of quotes: the scan allocates what one chunk needs, under 40 MB
    whatever the size (a scan holding a position per separator took 8 bytes per character,
    1.5 GB for a 64 MB message: more than a browser tab's interpreter has)."""
    import tracemalloc

    for text in ('{"type":"warmup"}' + " " * 8_000_000, '["' + '","' * 2_000_000 + '"]'):
        tracemalloc.start()
        try:
            scan(text, "message")
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        assert peak < 40_000_000, peak


# --- what is refused, before parsing -------------------------------------------------------------


@pytest.mark.parametrize("kind", ["[", "{"])
def test_nesting_up_to_the_limit_parses(kind):
    value = loads(nested(JSON_MAX_DEPTH, kind), "it")
    assert depth_of(value) == JSON_MAX_DEPTH


@pytest.mark.parametrize("kind", ["[", "{"])
@pytest.mark.parametrize("depth", [JSON_MAX_DEPTH + 1, 20_000, 1_000_000])
def test_deeper_nesting_is_refused_without_recursing(kind, depth):
    # 20,000 levels is the 20 kB file that killed Pyodide; a million would overflow any stack.
    with pytest.raises(SchemaError, match=f"nested {depth:,} deep"):
        loads(nested(depth, kind), "it")


def test_unclosed_deep_nesting_is_refused_too():
    with pytest.raises(SchemaError, match="nested 200,000 deep"):
        loads("[" * 200_000, "it")


def test_strings_and_numbers_are_bounded():
    assert loads(json.dumps(["a" * JSON_MAX_STRING]), "it")[0] == "a" * JSON_MAX_STRING
    with pytest.raises(SchemaError, match=f"string of {JSON_MAX_STRING + 1:,} characters"):
        loads(json.dumps(["a" * (JSON_MAX_STRING + 1)]), "it")
    assert loads("[" + "1" * JSON_MAX_NUMBER + "]", "it") == [int("1" * JSON_MAX_NUMBER)]
    with pytest.raises(SchemaError, match=f"value of {10_000:,} characters"):
        loads("[" + "1" * 10_000 + "]", "it")  # int() alone would raise a bare ValueError


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_nan_and_infinity_are_refused(constant):
    with pytest.raises(SchemaError, match=constant.lstrip("-")):
        loads(f"[1, {constant}]", "it")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "is empty"),
        (b" \n\t ", "is empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "not UTF-8 text"),
        (b'{"a": "\xff"}', "byte 7 is 0xff"),
        ('{"a": "\ufffd"}', "not UTF-8"),  # what File.text() makes of bytes that are not UTF-8
        ("[1, 2]\x00", "NUL"),
        (42, "must be text"),
    ],
)
def test_empty_binary_and_wrong_typed_input_is_named(data, message):
    with pytest.raises(SchemaError, match=message):
        check_text(data, "the file", 1000)


def test_the_size_limit_counts_utf8_bytes_and_holds_exactly():
    at = '["' + "é" * 4 + '"]'  # 12 bytes, 8 characters
    assert check_text(at, "it", 12) == at
    assert check_text(at.encode(), "it", 12) == at
    for text in (at, at.encode()):
        with pytest.raises(SchemaError, match="over the limit of 11 bytes"):
            check_text(text, "it", 11)


# --- the entry points ----------------------------------------------------------------------------


def model_text(**changes) -> str:
    return json.dumps({**Network([2, 3, 2], seed=0).export(), **changes})


HOSTILE_MODELS = {
    "deep nesting": ("[" * 50_000, "nested 50,000 deep"),
    "huge array": (model_text(weights=[0.5] * 500_000), "weights must be a list of 2 matrices"),
    "huge object": (model_text(params={f"k{i}": i for i in range(100_000)}), "unknown field"),
    "huge string": (model_text(kind="x" * 200_000), "string of 200,000"),
    "beyond float range": (
        model_text(biases=[["BIG", 0, 0], [0, 0]]).replace('"BIG"', "1e999"),
        r"biases\[0\]\[0\] must be a finite number, got inf",
    ),
    "wrong type at the top": ("[1, 2, 3]", "model must be an object"),
    "wrong type in params": (model_text(params={"layers": "2-3-2"}), "layers must be a list"),
    "wrong type in a row": (model_text(weights=[[[0, 0, "0"]] * 2, [[0, 0]] * 3]), "number"),
    "binary": ("\x00\x01\x02PK\x03\x04", "not UTF-8"),
    "empty": ("", "empty"),
}


@pytest.mark.parametrize("name", list(HOSTILE_MODELS))
def test_every_hostile_model_is_refused_by_name(name):
    text, message = HOSTILE_MODELS[name]
    with pytest.raises(SchemaError, match=message):
        check_export(loads(text, "the file", 5_000_000))


def test_a_valid_model_still_loads_after_hostile_ones():
    for text, _ in HOSTILE_MODELS.values():
        with pytest.raises(SchemaError):
            check_export(loads(text, "the file", 5_000_000))
    net = Network.from_export(loads(model_text(), "the file", 5_000_000))
    assert list(net.layers) == [2, 3, 2]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[" * 100_000, "nested 100,000 deep"),
        ('{"format_version": 1, "inputs": [[1e999, 0]], "targets": [[0, 0]]}', "finite"),
        ('{"format_version": 1, "inputs": "x", "targets": []}', "list"),
        ("\ufffd\ufffd", "not UTF-8"),
        ("", "empty"),
        ("x" * (DATASET_MAX_BYTES + 1), "over the limit"),
    ],
)
def test_hostile_dataset_json_is_refused_by_name(text, message):
    with pytest.raises(SchemaError, match=message):
        parse_json(text, 2, 2)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("input_0,input_1,target_0,target_1\n1e999,0,0,0\n", "finite"),
        ("input_0,input_1,target_0,target_1\n\x00,0,0,0\n", "NUL"),
        ("", "empty"),
        ("input_0,target_0\n" + "1" * 200_000 + ",1\n", "field larger than field limit"),
    ],
)
def test_hostile_dataset_csv_is_refused_by_name(text, message):
    with pytest.raises(SchemaError, match=message):
        parse_csv(text)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ("[" * 100_000, "nested 100,000 deep"),
        ('{"type": "cancel", "id": 1e999}', "id must be an integer"),
        ('{"type": ["warmup"]}', "message type"),
        (b'{"type": "warmup", "x": "\xc3\x28"}', "not UTF-8"),
        (b"", "empty"),
        ('{"type": "error", "id": null, "message": "' + "m" * 200_000 + '"}', "string of"),
        (b" " * (MESSAGE_MAX_BYTES + 1), "over the limit"),
        (None, "must be text"),
    ],
)
def test_hostile_worker_messages_are_refused_by_name(data, message):
    with pytest.raises(SchemaError, match=message):
        decode(data)


def test_a_real_train_message_passes_the_scan():
    x, t = random_dataset(1000, seed=0)
    text = encode(train_message(1, Network([2, 6, 2], seed=0).export(), x, t, 3))
    assert decode(text.encode())["dataset"]["inputs"].shape == (1000, 2)
    assert math.isclose(decode(text)["dataset"]["inputs"][0, 0], x[0, 0])
