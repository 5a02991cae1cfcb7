"""Optimizers: how a gradient becomes a change of the weights. Registered by name in ``OPTIMIZERS``.

Every optimizer works on the network's parameters as one flat vector ``params`` (all weights and
biases) and a ``grad`` vector of the same shape holding the *descent direction*: the change that
lowers the error, ``-dE/dparams``, which for one sample is ``outer(prev_output, delta)``.

- ``sgd``:      params += lr * grad                        (the original demo)
- ``momentum``: v = mu * v + lr * grad;  params += v
- ``nesterov``: v = mu * v + lr * grad;  params += mu * v + lr * grad   (look-ahead form)
- ``adam``:     running means of grad and grad**2, bias-corrected (Kingma & Ba, 2015)

Hyperparameters (``options``) and state (``state``) are plain dicts of numbers and arrays, so they
can be inspected, saved and reset. ``reset()`` zeroes the state, as the original reset its
momentums whenever weights were imported.

>>> import numpy as np
>>> opt = Optimizer("momentum", size=2)
>>> p = np.zeros(2)
>>> opt.step(p, np.array([1.0, -1.0]), lr=0.1)
>>> opt.step(p, np.array([1.0, -1.0]), lr=0.1)
>>> p.round(3).tolist()
[0.29, -0.29]
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np

from nn.errors import SchemaError

__all__ = ["OPTIMIZERS", "Optimizer", "OptimizerSpec"]

Array = np.ndarray
State = dict[str, Array]


@dataclass(frozen=True)
class OptimizerSpec:
    """What an optimizer needs: default options, names of its state vectors, a step function."""

    defaults: Mapping[str, float]
    state_names: tuple[str, ...]
    # step(params, grad, lr, options, state, t, scratch); may overwrite grad.
    step: Callable[..., None]


def _sgd(params: Array, grad: Array, lr: Array, options, state, t, scratch) -> None:
    np.multiply(grad, lr, out=grad)
    np.add(params, grad, out=params)


def _momentum(params: Array, grad: Array, lr: Array, options, state, t, scratch) -> None:
    v = state["velocity"]
    np.multiply(v, options["momentum"], out=v)
    np.multiply(grad, lr, out=grad)
    np.add(v, grad, out=v)
    np.add(params, v, out=params)


def _nesterov(params: Array, grad: Array, lr: Array, options, state, t, scratch) -> None:
    v = state["velocity"]
    mu = options["momentum"]
    np.multiply(v, mu, out=v)
    np.multiply(grad, lr, out=grad)
    np.add(v, grad, out=v)
    np.multiply(v, mu, out=scratch)  # step = mu * v + lr * grad
    np.add(scratch, grad, out=scratch)
    np.add(params, scratch, out=params)


def _adam(params: Array, grad: Array, lr: Array, options, state, t, scratch) -> None:
    b1, b2 = options["beta1"], options["beta2"]
    m, v = state["m"], state["v"]
    np.multiply(m, b1, out=m)  # m = b1 * m + (1 - b1) * grad
    np.multiply(grad, 1.0 - b1, out=scratch)
    np.add(m, scratch, out=m)
    np.multiply(grad, grad, out=grad)  # v = b2 * v + (1 - b2) * grad**2
    np.multiply(grad, 1.0 - b2, out=grad)
    np.multiply(v, b2, out=v)
    np.add(v, grad, out=v)
    # Bias correction folded into the step size (Kingma & Ba, section 2).
    c2 = math.sqrt(1.0 - b2**t)
    step = float(lr) * c2 / (1.0 - b1**t)
    np.sqrt(v, out=scratch)
    np.add(scratch, options["epsilon"] * c2, out=scratch)
    np.divide(m, scratch, out=scratch)
    np.multiply(scratch, step, out=scratch)
    np.add(params, scratch, out=params)


OPTIMIZERS: dict[str, OptimizerSpec] = {
    "sgd": OptimizerSpec({}, (), _sgd),
    "momentum": OptimizerSpec({"momentum": 0.9}, ("velocity",), _momentum),
    "nesterov": OptimizerSpec({"momentum": 0.9}, ("velocity",), _nesterov),
    "adam": OptimizerSpec({"beta1": 0.9, "beta2": 0.999, "epsilon": 1e-8}, ("m", "v"), _adam),
}

# Allowed range of each option: (low, high, high included).
_RANGES = {
    "momentum": (0.0, 1.0, False),
    "beta1": (0.0, 1.0, False),
    "beta2": (0.0, 1.0, False),
    "epsilon": (0.0, 1.0, True),
}


def check_options(name: object, options: object) -> dict[str, float]:
    """Validate an optimizer name and options; return the options with defaults filled in."""
    if not isinstance(name, str) or name not in OPTIMIZERS:
        raise SchemaError(f"optimizer must be one of {sorted(OPTIMIZERS)}, got {name!r}")
    spec = OPTIMIZERS[name]
    if options is None:
        options = {}
    if not isinstance(options, Mapping):
        raise SchemaError(f"optimizer_options must be a dict, got {options!r}")
    merged = dict(spec.defaults)
    for key, value in options.items():
        if key not in spec.defaults:
            allowed = sorted(spec.defaults) or "none"
            raise SchemaError(
                f"optimizer_options: {key!r} is not an option of {name!r} (allowed: {allowed})"
            )
        low, high, high_ok = _RANGES[key]
        ok = (
            isinstance(value, int | float)
            and not isinstance(value, bool)
            and math.isfinite(value)
            and (low < value <= high if high_ok else low <= value < high)
        )
        if not ok:
            bracket = "]" if high_ok else ")"
            opener = "(" if high_ok else "["
            raise SchemaError(
                f"optimizer_options.{key} must be a number in {opener}{low}, {high}{bracket}, "
                f"got {value!r}"
            )
        merged[key] = float(value)
    return merged


@dataclass
class Optimizer:
    """An optimizer bound to a parameter vector of ``size`` entries."""

    name: str
    size: int
    options: dict[str, float] = field(default_factory=dict)
    state: State = field(init=False)
    t: int = field(init=False, default=0)  # steps taken since the last reset

    def __post_init__(self) -> None:
        self.options = check_options(self.name, self.options)
        spec = OPTIMIZERS[self.name]
        self._step = spec.step
        self.state = {key: np.zeros(self.size) for key in spec.state_names}
        self._scratch = np.empty(self.size)

    def step(self, params: Array, grad: Array, lr: float | Array) -> None:
        """Move ``params`` along ``grad`` (a descent direction). ``grad`` is overwritten."""
        self.t += 1
        self._step(params, grad, lr, self.options, self.state, self.t, self._scratch)

    def reset(self) -> None:
        """Forget all accumulated state (momentum, running means)."""
        self.t = 0
        for array in self.state.values():
            array.fill(0.0)

    def snapshot(self) -> tuple[int, State]:
        """A copy of the state, to roll a rejected step back with ``restore``."""
        if not self.state:  # sgd: nothing to copy (this runs before every per-sample step)
            return self.t, self.state
        return self.t, {key: array.copy() for key, array in self.state.items()}

    def restore(self, snapshot: tuple[int, State]) -> None:
        """Put back a state taken by ``snapshot`` (in place: arrays keep their identity)."""
        self.t, saved = snapshot
        for key, array in saved.items():
            np.copyto(self.state[key], array)
