"""Dataset helpers and coordinate normalisation: pure text in, validated arrays out."""

from __future__ import annotations

import contextlib
import json

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from nn import (
    SchemaError,
    dataset_from_points,
    dump_csv,
    dump_json,
    from_pixels,
    parse_csv,
    parse_json,
    random_dataset,
    to_pixels,
)

from .helpers import PROPERTY, json_junk, mutate


def test_random_dataset_is_seeded_identity_in_the_unit_square() -> None:
    inputs, targets = random_dataset(1000, seed=0)
    again, _ = random_dataset(1000, seed=0)
    assert inputs.shape == targets.shape == (1000, 2)
    assert np.array_equal(inputs, targets) and inputs is not targets
    assert np.array_equal(inputs, again)
    assert inputs.min() >= -1 and inputs.max() <= 1
    assert not np.array_equal(inputs, random_dataset(1000, seed=1)[0])
    with pytest.raises(SchemaError, match="n must be an integer"):
        random_dataset(0)


def test_pixels_round_trip_with_both_factors() -> None:
    points = np.array([[0, 0], [800, 600], [400, 300], [123.5, 456.25]])
    one = from_pixels(points, 800, 600)
    two = from_pixels(points, 800, 600, factor=2)
    assert one.tolist()[:3] == [[-1, -1], [1, 1], [0, 0]]
    assert two.tolist()[:3] == [[-0.5, -0.5], [0.5, 0.5], [0, 0]]
    assert np.allclose(to_pixels(one, 800, 600), points)
    assert np.allclose(to_pixels(two, 800, 600, factor=2), points)
    assert from_pixels([800, 0], 800, 600).tolist() == [1.0, -1.0]
    for bad, fragment in [
        ({"width": 0}, "width must be a finite number > 0.0, got 0"),
        ({"factor": -1}, "factor"),
        ({"height": float("nan")}, "got nan"),
    ]:
        with pytest.raises(SchemaError) as caught:
            from_pixels([1, 2], **{"width": 10, "height": 10, **bad})
        assert fragment in str(caught.value)


def test_dataset_from_recorded_points() -> None:
    inputs, targets = dataset_from_points([[400, 300], [800, 0]], width=800, height=600)
    assert inputs.tolist() == targets.tolist() == [[0.0, 0.0], [1.0, -1.0]]
    inputs, _ = dataset_from_points([[0.5, -0.5]])
    assert inputs.tolist() == [[0.5, -0.5]]
    with pytest.raises(SchemaError, match="both width and height"):
        dataset_from_points([[1, 2]], width=100)


def test_json_and_csv_round_trip_exactly() -> None:
    inputs, targets = random_dataset(50, seed=2)
    for dump, parse in ((dump_json, parse_json), (dump_csv, parse_csv)):
        x, t = parse(dump(inputs, targets), 2, 2)
        assert np.array_equal(x, inputs) and np.array_equal(t, targets)


def test_the_original_list_of_samples_format_is_read() -> None:
    text = json.dumps([{"inputs": [0.1, 0.2], "targets": [0.1, 0.2]}] * 3)
    x, t = parse_json(text)
    assert x.shape == t.shape == (3, 2)


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("input_0,target_0\n1,2\n3,abc\n", "line 3, column target_0: 'abc' is not a finite"),
        ("input_0,target_0\n1,2\n3\n", "line 3: expected 2 values, got 1"),
        ("input_0,target_0\n1,inf\n", "line 2, column target_0: 'inf'"),
        ("x,y\n1,2\n", "line 1: the CSV header must be like"),
        ("input_0,input_1\n1,2\n", "line 1"),
        ("input_0,target_0\n", "no samples"),
        ("", "empty"),
    ],
)
def test_bad_csv_names_the_line_and_value(text: str, fragment: str) -> None:
    with pytest.raises(SchemaError) as caught:
        parse_csv(text)
    assert fragment in str(caught.value)


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("{", "not valid JSON"),
        ('{"format_version": 1, "inputs": [[NaN, 1]], "targets": [[1, 1]]}', "NaN"),
        ('{"format_version": 2, "inputs": [[1, 1]], "targets": [[1, 1]]}', "got 2"),
        ('{"inputs": [[1, 1]], "targets": [[1, 1]]}', "exactly the fields"),
        (
            '{"format_version": 1, "inputs": [[1, 1]], "targets": [[1, "1"]]}',
            "targets[0][1] must be a number, got '1'",
        ),
        (
            '{"format_version": 1, "inputs": [[1, 1]], "targets": [[1, 1], [2, 2]]}',
            "same number of samples, got 1 and 2",
        ),
        ("[1, 2]", "dataset item [0]"),
        ("3", "must be a JSON object or list"),
    ],
)
def test_bad_json_names_the_value(text: str, fragment: str) -> None:
    with pytest.raises(SchemaError) as caught:
        parse_json(text)
    assert fragment in str(caught.value)


def test_sizes_are_checked_against_the_network() -> None:
    text = dump_csv(*random_dataset(3, seed=0))
    with pytest.raises(SchemaError, match=r"inputs must have shape \(n, 3\), got \(3, 2\)"):
        parse_csv(text, 3, 2)


@PROPERTY
@given(st.text(max_size=300))
def test_any_text_parses_or_raises_schema_error(text: str) -> None:
    for parse in (parse_csv, parse_json):
        try:
            x, t = parse(text)
        except SchemaError:
            continue
        assert np.isfinite(x).all() and np.isfinite(t).all() and len(x) == len(t)


@PROPERTY
@given(st.data())
def test_any_damaged_json_dataset_parses_or_raises_schema_error(data) -> None:
    valid = json.loads(dump_json(*random_dataset(3, seed=1)))
    damaged = mutate(valid, data, json_junk())
    try:
        text = json.dumps(damaged)
    except ValueError:
        return
    with contextlib.suppress(SchemaError):
        parse_json(text)


@PROPERTY
@given(
    st.lists(
        st.lists(st.text(alphabet="0123456789.-e,nai \t", max_size=6), min_size=1, max_size=5),
        max_size=6,
    )
)
def test_any_csv_grid_parses_or_raises_schema_error(rows) -> None:
    text = "input_0,input_1,target_0,target_1\n" + "\n".join(",".join(r) for r in rows)
    try:
        x, t = parse_csv(text)
    except SchemaError:
        return
    assert x.shape[1] == t.shape[1] == 2
