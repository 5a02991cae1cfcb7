"""``train()`` batch-32 throughput of two source trees under Pyodide, in Node, alternately.

The browser figures of ``bench.core_figures`` swing by 10-20% between pages; this isolates the
engine: the vendored Pyodide and numpy run in Node (no page, no worker), each tree's ``nn`` is
mounted read-only, and the trees take turns so the machine's load falls on both alike.

Usage::

    python -m bench.train_ab BEFORE_TREE [AFTER_TREE] [--rounds 2]

Prints, per round and tree, samples/s (thousands; median of 7 runs of 60 epochs of 1,000 samples)
for 2-6-6-6-2 linear and tanh and the deep preset, then the after/before ratios of the medians.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path

from tools import nodepy

ROOT = Path(__file__).resolve().parent.parent

# Runs in Pyodide with the tree's nn at /src: prints {case: samples/s} as its last line.
TIMING = """
import json, statistics, sys, time
sys.path.insert(0, "/src")
import numpy as np
from nn import Network, train
x = np.random.default_rng(0).uniform(-1, 1, (1000, 2))
res = {}
for name, layers, act in (("2-6-6-6-2/linear", [2, 6, 6, 6, 2], "linear"),
                          ("2-6-6-6-2/tanh", [2, 6, 6, 6, 2], "tanh"),
                          ("2-6-6-6-6-6-6-6-2/linear", [2, 6, 6, 6, 6, 6, 6, 6, 2], "linear")):
    net = Network(layers, 1e-4, act, seed=0)
    rates = []
    for _ in range(7):
        t = time.perf_counter()
        train(net, x, x, 60, batch_size=32, seed=0)
        rates.append(60000 / (time.perf_counter() - t))
    res[name] = statistics.median(rates)
print(json.dumps(res))
"""


def run(tree: Path) -> dict[str, float]:
    out = nodepy.run(TIMING, {"/src": tree}, numpy=True)
    return json.loads(out.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.train_ab")
    parser.add_argument("before", type=Path)
    parser.add_argument("after", type=Path, nargs="?", default=ROOT)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args(argv)
    figures: dict[str, list[dict[str, float]]] = {"before": [], "after": []}
    for r in range(args.rounds):
        for side in ("before", "after"):
            res = run(getattr(args, side).resolve())
            figures[side].append(res)
            shown = ", ".join(f"{k} {v / 1e3:.0f} k" for k, v in res.items())
            print(f"round {r + 1} {side:6}: {shown}", flush=True)
    for case in figures["before"][0]:
        b = statistics.median(f[case] for f in figures["before"])
        a = statistics.median(f[case] for f in figures["after"])
        print(f"{case}: before {b / 1e3:.0f} k, after {a / 1e3:.0f} k samples/s, {a / b:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
