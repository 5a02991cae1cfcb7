"""The strongest path through a network: for each input and each output, the chain of one neuron
per hidden layer whose weights have the largest product in size.

This is how a learner can read the network, as the original article did by eye: in its trained
net, x reaches x' mostly through one neuron per hidden layer, along weights 0.4 x 0.9165 x
1.1456 = 0.42 (the article wrote ~0.41; the product is 0.41998).
Maximising a product of |w| is maximising a sum of log|w|, which dynamic programming does exactly,
one layer at a time. Pure numpy: no browser imports.

Usage::

    for path in strongest_paths(net.weights):
        print(path.input, path.output, path.neurons, path.product)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["Path", "strongest_paths"]


@dataclass(frozen=True)
class Path:
    input: int  # index in the input layer
    output: int  # index in the output layer
    neurons: tuple[int, ...]  # one neuron index per layer, input first, output last
    weights: tuple[float, ...]  # the weights along the path, one per layer pair
    product: float  # their product (signed)


def strongest_paths(weights: list[np.ndarray]) -> list[Path]:
    """All input x output strongest paths, ordered by input then output.

    ``weights[l]`` has shape ``(n_l, n_{l+1})`` as ``Network.weights`` gives it."""
    with np.errstate(divide="ignore"):
        logs = [np.log(np.abs(w)) for w in weights]  # -inf for a zero weight
    best = logs[0]  # (n_in, n_1): best log-product from each input to each neuron of layer 1
    back = []  # back[k][i, j]: best predecessor in layer k+1 of neuron j in layer k+2, from i
    for log_w in logs[1:]:
        candidates = best[:, :, None] + log_w[None, :, :]  # (n_in, n_prev, n_next)
        arg = candidates.argmax(axis=1)  # (n_in, n_next)
        best = np.take_along_axis(candidates, arg[:, None, :], axis=1)[:, 0, :]
        back.append(arg)
    n_in, n_out = weights[0].shape[0], weights[-1].shape[1]
    paths = []
    for i in range(n_in):
        for o in range(n_out):
            neurons = [o]
            for arg in reversed(back):
                neurons.append(int(arg[i, neurons[-1]]))
            neurons.append(i)
            neurons.reverse()
            ws = tuple(
                float(w[a, b]) for w, a, b in zip(weights, neurons, neurons[1:], strict=False)
            )
            paths.append(Path(i, o, tuple(neurons), ws, float(np.prod(ws))))
    return paths
