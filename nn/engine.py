"""The fast engine behind ``train()``: the algorithm of ``Network.feed``/``backpropagate``, laid
out so a step costs a dozen numpy calls, whatever the batch size.

What makes it fast (measured under CPython; each numpy call costs ~0.3-0.6 us at these sizes):

- Samples are columns. A batch of B samples is one ``(n, B)`` matrix per layer, so a layer's
  forward pass is one ``np.dot`` for the whole batch, and batch size 1 runs the very same code.
- Biases ride along as an extra row of ones under each layer's outputs (zeros when ``bias`` is
  off), so ``W`` and ``b`` of a layer are one ``(n_in + 1, n_out)`` block of the network's flat
  parameter vector, and one ``np.dot`` gives both their gradients.
- Every array is allocated once here; the loop only writes into them (``out=``), binds what it
  uses to local names, and skips the activation calls when the activation is linear.
- The derivative ``f'(out)`` of all hidden layers is one call on the stacked hidden outputs.
- ``np.dot`` rather than ``@``/``np.matmul``: about twice as fast on matrices this small.

The gradient of a batch is the mean over its samples, so a batch of 1 is exactly the per-sample
step of ``Network.backpropagate`` (the tests check it to 1e-12, for every activation, output
activation and optimizer, with and without bias and dropout, drawing the same dropout masks).

``run`` leaves the guard to its caller; ``run_guarded`` adds it: after a chunk of steps it checks
the weights and, if the chunk went bad, undoes it and redoes it one step at a time, so the network
ends exactly at the last good step. ``snapshot``/``restore`` save and put back everything a step
changes, random state included.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from nn.guard import ERROR_LIMIT, within_limits

if TYPE_CHECKING:
    from nn.network import Network

__all__ = ["Engine", "StepRejected", "restore", "snapshot"]


class StepRejected(Exception):
    """A step the guard rejects: ``error`` is the output error that passed ERROR_LIMIT (``None``
    when a weight passed WEIGHT_LIMIT); ``steps`` the good steps taken before it (by
    ``run_guarded``)."""

    def __init__(self, error: float | None, steps: int = 0) -> None:
        super().__init__(error)
        self.error = error
        self.steps = steps


def snapshot(net: Network, *generators: np.random.Generator) -> tuple[Any, ...]:
    """Everything a training step changes: parameters, optimizer state, iterations, and the state
    of the network's generator when dropout draws from it, and of ``generators`` (e.g. a
    shuffle's). (Reading a generator's state costs more than a small step: skip it if unused.)"""
    used = (net.rng,) if net.dropout > 0.0 else ()
    rngs = (*used, *(g for g in generators if g not in used))
    states = [g.bit_generator.state for g in rngs]
    return net._flat.copy(), net._optimizer.snapshot(), net.iterations, rngs, states


def restore(net: Network, saved: tuple[Any, ...]) -> None:
    """Put back a ``snapshot``."""
    flat, optimizer, iterations, rngs, states = saved
    np.copyto(net._flat, flat)
    net._optimizer.restore(optimizer)
    net.iterations = iterations
    for generator, state in zip(rngs, states, strict=True):
        generator.bit_generator.state = state


class Engine:
    """Preallocated buffers and the training loop for batches of exactly ``batch_size`` samples."""

    def __init__(self, net: Network, batch_size: int) -> None:
        self.net = net
        self.batch_size = B = batch_size
        hidden = net.layers[1:-1]
        rows = sum(n + 1 for n in hidden)
        # Hidden outputs, stacked: hidden layer j owns rows [r_j, r_j + n_j) plus one row of ones
        # below them, the bias input of the next layer (zeros when bias is off).
        self.hidden = np.full((rows, B), 1.0 if net.bias else 0.0)  # (sum(n_j + 1), B)
        self.slopes = np.ones((rows, B))  # f'(out) of every hidden row, times the dropout mask
        self.mask = np.ones((rows, B))  # 1.0 = neuron kept, 0.0 = dropped this step
        self.draws = np.empty((sum(hidden), B))  # one uniform draw per hidden neuron
        self.inputs_of: list[np.ndarray] = []  # hidden layer j with its ones row: (n_j + 1, B)
        self.z: list[np.ndarray] = []  # hidden layer j alone: (n_j, B)
        self.slope_of: list[np.ndarray] = []
        self.mask_of: list[np.ndarray] = []
        self.draws_of: list[np.ndarray] = []
        row = draw = 0
        for n in hidden:
            self.inputs_of.append(self.hidden[row : row + n + 1])
            self.z.append(self.hidden[row : row + n])
            self.slope_of.append(self.slopes[row : row + n])
            self.mask_of.append(self.mask[row : row + n])
            self.draws_of.append(self.draws[draw : draw + n])
            row += n + 1
            draw += n
        self.output = np.zeros((net.layers[-1], B))  # (n_out, B)
        self.out_slope = np.zeros((net.layers[-1], B))  # f'(out) of the output layer
        self.deltas = [np.zeros((n, B)) for n in net.layers[1:]]  # per non-input layer
        self.inv_batch = np.array(1.0 / B)

    def run(self, xa: np.ndarray, tt: np.ndarray, start: int, stop: int) -> float:
        """Train on the batches ``[s, s + B)`` for ``s`` in ``range(start, stop, B)``.

        ``xa`` is ``(n_in + 1, N)``: the inputs as columns, plus a row of ones (or zeros without
        bias). ``tt`` is ``(n_out, N)``. Returns the sum over the samples of ``sum((t - out)**2)``
        (before each update). A step where some sample's output error ``1/2 * sum((t - out)**2)``
        passes ``ERROR_LIMIT`` (or is NaN) raises ``StepRejected`` before it is applied. Weights
        are not checked here: the caller checks them after the call.
        """
        net = self.net
        B = self.batch_size
        dot, multiply, subtract = np.dot, np.multiply, np.subtract
        activation = net._activation
        forward, derivative = activation.function, activation.derivative
        linear = activation.is_identity
        out_activation = net._output_activation
        out_linear = out_activation.is_identity
        out_forward, out_derivative, out_slope = (
            out_activation.function,
            out_activation.derivative,
            self.out_slope,
        )
        dropout = net.dropout > 0.0
        use_slopes = dropout or not linear
        p_drop = np.array(net.dropout)
        rng_random = net.rng.random
        flat, grad, optimizer_step = net._flat, net._grad, net._optimizer.step
        lr = np.array(net.learning_rate)
        blocks, grad_blocks = net._blocks, net._grad_blocks
        hidden, slopes, mask, draws = self.hidden, self.slopes, self.mask, self.draws
        output, inv_batch = self.output, self.inv_batch
        out_delta = self.deltas[-1]
        out_delta_flat = out_delta.reshape(-1)

        # Per layer pair k: (W_k^T with bias column, its input rows, its output rows, the dropout
        # mask of those rows or None for the output layer). The first input comes from xa.
        targets = [*self.z, output]
        masks: list[np.ndarray | None] = [*self.mask_of, None]
        first_w_t, first_z, first_mask = blocks[0].T, targets[0], masks[0]
        later = [
            (blocks[k].T, self.inputs_of[k - 1], targets[k], masks[k])
            for k in range(1, len(blocks))
        ]
        # Backward, last layer first: (W_k without bias row, delta_k, delta_{k-1}, slope rows).
        backward = [
            (blocks[k][:-1], self.deltas[k], self.deltas[k - 1], self.slope_of[k - 1])
            for k in range(len(blocks) - 1, 0, -1)
        ]
        # Gradients of the later layers: (input rows, delta_k^T, gradient block k).
        gradients = [
            (self.inputs_of[k - 1], self.deltas[k].T, grad_blocks[k]) for k in range(1, len(blocks))
        ]
        first_delta_t, first_grad = self.deltas[0].T, grad_blocks[0]
        dropout_draws = list(zip(self.draws_of, self.mask_of, strict=True))

        error_bound = 2.0 * ERROR_LIMIT  # on the batch's sum of squares: no sample can exceed it
        total = 0.0
        for s in range(start, stop, B):
            x = xa[:, s : s + B]  # (n_in + 1, B)
            if dropout:  # choose the hidden neurons that sit out this step
                rng_random(out=draws)
                for d, m in dropout_draws:
                    np.greater_equal(d, p_drop, out=m)
            # Forward: z = W^T @ [prev; 1] for the whole batch, then the activation.
            dot(first_w_t, x, out=first_z)
            if first_mask is not None:
                if not linear:
                    forward(first_z, out=first_z)
                if dropout:
                    multiply(first_z, first_mask, out=first_z)
            for w_t, a, z, m in later:
                dot(w_t, a, out=z)  # (n_out, B)
                if m is not None:
                    if not linear:
                        forward(z, out=z)
                    if dropout:
                        multiply(z, m, out=z)
            if not out_linear:
                out_forward(output, out=output)
            # Output delta f'(out) * (t - out), and the error before the update.
            subtract(tt[:, s : s + B], output, out=out_delta)
            squares = dot(out_delta_flat, out_delta_flat)
            if not squares <= error_bound:  # rare: then look at each sample (NaN lands here too)
                worst = 0.5 * float(np.max(np.sum(out_delta * out_delta, axis=0)))
                if not worst <= ERROR_LIMIT:
                    raise StepRejected(worst)
            total += squares
            if not out_linear:
                multiply(out_delta, out_derivative(output, out=out_slope), out=out_delta)
            if B > 1:
                multiply(out_delta, inv_batch, out=out_delta)  # mean over the batch
            # Backward, with every weight as it was before this step.
            if use_slopes:
                if linear:
                    np.copyto(slopes, mask)
                else:
                    derivative(hidden, out=slopes)
                    if dropout:
                        multiply(slopes, mask, out=slopes)
            for w, d_next, d, slope in backward:
                dot(w, d_next, out=d)  # (n_k, B)
                if use_slopes:
                    multiply(d, slope, out=d)
            # Gradients: sum over the batch of outer(prev_output, delta), bias row included.
            dot(x, first_delta_t, out=first_grad)  # (n_in + 1, n_out)
            for a, d_t, g in gradients:
                dot(a, d_t, out=g)
            optimizer_step(flat, grad, lr)
        return float(total)

    def run_guarded(self, xa: np.ndarray, tt: np.ndarray, start: int, stop: int) -> float:
        """``run``, then the guard on the weights. A chunk that went bad is undone and run again
        one step at a time; at the first bad step the network is put back as before it and
        ``StepRejected`` raised, with ``steps`` the good steps of this call."""
        net, b = self.net, self.batch_size
        net._fed = False  # the outputs of the last feed() no longer match the weights
        saved = snapshot(net)
        with np.errstate(all="ignore"):  # an overflow shows up as a tripped guard instead
            try:
                total = self.run(xa, tt, start, stop)
                if within_limits(net._flat):
                    return total
            except StepRejected:
                pass
            restore(net, saved)
            total = 0.0
            for s in range(start, stop, b):
                saved = snapshot(net)
                try:
                    total += self.run(xa, tt, s, s + b)
                    error, bad = None, not within_limits(net._flat)
                except StepRejected as rejected:
                    error, bad = rejected.error, True
                if bad:
                    restore(net, saved)
                    raise StepRejected(error, (s - start) // b)
        return total
