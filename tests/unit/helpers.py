"""Helpers shared by the unit tests: capturing a network's whole state to prove 'unchanged'."""

from __future__ import annotations

import os

import numpy as np
from hypothesis import HealthCheck, settings

# Property tests: enough examples to find edge cases, few enough to keep the suite fast.
# NN_PROPERTY_EXAMPLES=2000 digs deeper (about a minute).
PROPERTY = settings(
    max_examples=int(os.environ.get("NN_PROPERTY_EXAMPLES", "60")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)


def state_of(net) -> dict:
    """Everything that defines a network's behaviour, for 'unchanged' comparisons."""
    return {
        "export": net.export(),
        "flat": net._flat.copy(),
        "optimizer": net._optimizer.snapshot(),
        "rng": net.rng.bit_generator.state,
        "iterations": net.iterations,
        "output_error": net.output_error,
        "outputs": [o.copy() for o in net.outputs],
        "deltas": [d.copy() for d in net.deltas],
    }


def assert_same_state(before: dict, after: dict) -> None:
    assert before["export"] == after["export"]
    assert np.array_equal(before["flat"], after["flat"])
    t0, s0 = before["optimizer"]
    t1, s1 = after["optimizer"]
    assert t0 == t1 and s0.keys() == s1.keys()
    assert all(np.array_equal(s0[k], s1[k]) for k in s0)
    assert before["rng"] == after["rng"]
    assert before["iterations"] == after["iterations"]
    assert before["output_error"] == after["output_error"]
    assert all(
        np.array_equal(a, b) for a, b in zip(before["outputs"], after["outputs"], strict=True)
    )
    assert all(np.array_equal(a, b) for a, b in zip(before["deltas"], after["deltas"], strict=True))


def json_junk():
    """A hypothesis strategy for arbitrary JSON-like values, including NaN and infinities."""
    from hypothesis import strategies as st

    leaves = st.one_of(
        st.none(),
        st.booleans(),
        st.integers(-(10**6), 10**6),
        st.floats(allow_nan=True, allow_infinity=True),
        st.text(max_size=5),
    )
    return st.recursive(
        leaves,
        lambda children: st.one_of(
            st.lists(children, max_size=4),
            st.dictionaries(st.text(max_size=8), children, max_size=3),
        ),
        max_leaves=8,
    )


def mutate(value, data, junk=None):
    """Replace one randomly chosen node of a nested dict/list ``value`` (a copy) by junk."""
    import copy

    from hypothesis import strategies as st

    junk = junk if junk is not None else json_junk()
    value = copy.deepcopy(value)
    if not isinstance(value, dict | list) or not value:
        return data.draw(junk)
    node = value
    while True:
        keys = list(node.keys()) if isinstance(node, dict) else list(range(len(node)))
        key = data.draw(st.sampled_from(keys))
        child = node[key]
        go_deeper = isinstance(child, dict | list) and child and data.draw(st.booleans())
        if not go_deeper:
            action = data.draw(st.sampled_from(["replace", "delete", "add"]))
            if action == "replace" or (action == "delete" and isinstance(node, list)):
                node[key] = data.draw(junk)
            elif action == "delete":
                del node[key]
            elif isinstance(node, dict):
                node[data.draw(st.text(max_size=8))] = data.draw(junk)
            else:
                node.append(data.draw(junk))
            return value
        node = child
