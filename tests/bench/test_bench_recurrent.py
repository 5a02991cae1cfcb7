"""The recurrent benchmark stays runnable and its baseline honest: a tiny run gives every figure,
and the textbook Elman network computes the same gradients and steps as nn's fast engine."""

from __future__ import annotations

import math

import numpy as np

from bench import recurrent
from bench.recurrent_baseline import ElmanBaseline
from nn import RecurrentNetwork
from nn.recurrent_engine import RecurrentTrainer, batch_gradients


def test_quick_run_gives_positive_figures() -> None:
    results = recurrent.run(recurrent.QUICK)
    b, f = results["bptt_throughput"], results["anticipate_frame"]
    for value in (b["nn"]["median"], b["baseline"]["median"], b["ratio"], f["p50_ms"], f["p95_ms"]):
        assert math.isfinite(value) and value > 0
    assert len(b["nn"]["runs"]) == recurrent.QUICK.repeats
    text = "\n".join(recurrent.lines({"cpython": results}))
    assert "sequences/s" in text and "p95" in text


def test_the_baseline_computes_what_nn_computes() -> None:
    rng = np.random.default_rng(0)
    x, t = rng.normal(size=(6, 9, 4)), rng.normal(size=(6, 9, 2))
    net = RecurrentNetwork([4, 5, 2], learning_rate=0.05, optimizer="sgd", clip=0.3, seed=3)
    base = ElmanBaseline([4, 5, 2], learning_rate=0.05, clip=0.3, seed=3)
    for mine, theirs in zip(net.weights, (base.w_x, base.w_h, base.w_y), strict=True):
        assert np.allclose(mine, theirs, atol=1e-15)
    _, grads = batch_gradients(net, x, t)
    count = 6 * 9
    sums = [np.zeros_like(g) for g in grads]
    for xs, ts in zip(x, t, strict=True):
        _, g = base.gradients(xs, ts)
        sums = [a + b / count for a, b in zip(sums, g, strict=True)]
    for a, b in zip(grads, sums, strict=True):
        assert np.max(np.abs(a - b)) < 1e-12
    RecurrentTrainer(net, x, t, epochs=1, batch_size=6).run()  # one batch: one clipped step
    base.train_batch(x, t)
    flat = np.concatenate([a.ravel() for a in (base.w_x, base.w_h, base.b_h, base.w_y, base.b_y)])
    assert np.max(np.abs(net._flat - flat)) < 1e-12
