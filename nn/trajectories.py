"""Pointer trajectories for the recurrent network: generated curves, the ``moves.csv`` format,
and the one definition of what the network sees of a trajectory.

A trajectory is an ``(N, 2)`` array of positions sampled at a fixed rate (``sample_hz`` of
``nn.defaults.ANTICIPATE_DEFAULTS``, 60 Hz), in *canvas fractions*: ``(0, 0)`` is the top left
corner, ``(1, 1)`` the bottom right, so a file means the same on any canvas size.

What the network sees (chosen as the article's normalization section would: every input and output
about the size of 1):

- inputs, per step: the position mapped onto [-1, 1] (``2 * p - 1``, the demo's x1 normalization)
  and the displacement since the previous sample in hundredths of the canvas (``100 * (p_t -
  p_{t-1})``: a pointer crossing the canvas in a second and a half moves about 1 per sample);
- target: the next displacement, in the same unit. Displacements, unlike positions, mean the same
  motion anywhere on the canvas, so a circle learnt in one corner is a circle everywhere.

``moves.csv``: a header ``time_ms,x,y`` then one pointer event per line, ``time_ms`` increasing
(milliseconds), ``x`` and ``y`` in canvas fractions. Events need not be regular: ``resample``
interpolates them onto the fixed rate. A pause longer than ``GAP_MS`` splits the recording into
strokes; training windows never span two strokes.

>>> path = circle(120, seed=0)
>>> inputs, targets = encode(path)
>>> inputs.shape, targets.shape
((118, 4), (118, 2))
"""

from __future__ import annotations

import csv
import io
import math
from typing import TYPE_CHECKING

import numpy as np

from nn.activations import ACTIVATIONS
from nn.defaults import ANTICIPATE_DEFAULTS, MOVES_MAX_BYTES, MOVES_MAX_EVENTS, RECURRENT_PRETRAIN
from nn.errors import SchemaError
from nn.safejson import check_text
from nn.validation import check_array, check_int, check_real, show

__all__ = [
    "GAP_MS",
    "GENERATORS",
    "N_INPUTS",
    "N_OUTPUTS",
    "circle",
    "decode_displacement",
    "dump_moves",
    "encode",
    "features",
    "figure_eight",
    "generate",
    "lissajous",
    "parse_moves",
    "random_curve",
    "read_moves",
    "resample",
    "roll",
    "sequences",
    "strokes_to_sequences",
]

N_INPUTS = 4  # x, y (in [-1, 1]), dx, dy (hundredths of the canvas per sample)
N_OUTPUTS = 2  # the next dx, dy
GAP_MS = 250.0  # a pause this long between two events starts a new stroke
SCALE = float(ANTICIPATE_DEFAULTS["displacement_scale"])
HZ = float(ANTICIPATE_DEFAULTS["sample_hz"])
MAX_EVENTS = MOVES_MAX_EVENTS

Array = np.ndarray

if TYPE_CHECKING:
    from nn.recurrent import RecurrentNetwork


# --- what the network sees ----------------------------------------------------------------------


def features(position: Array, previous: Array) -> Array:
    """The network input ``(4,)`` for a sample at ``position`` after one at ``previous``
    (canvas fractions, ``(2,)`` each): ``[2x - 1, 2y - 1, 100 dx, 100 dy]``."""
    # In Python floats: the page builds one input per sample, and four numbers cost less this
    # way than through numpy's array arithmetic.
    (px, py), (qx, qy) = np.asarray(position).tolist(), np.asarray(previous).tolist()
    return np.array([2.0 * px - 1.0, 2.0 * py - 1.0, SCALE * (px - qx), SCALE * (py - qy)])


def decode_displacement(output: Array) -> Array:
    """A network output (hundredths of the canvas) back to a displacement in canvas fractions."""
    return np.asarray(output) / SCALE


def roll(
    net: RecurrentNetwork, state: Array, position: Array, previous: Array, output: Array, steps: int
) -> Array:
    """Where the pointer will be ``steps`` samples after ``position`` if it moves as the network
    predicts: ``output`` is the network's prediction of the next displacement, made from
    ``state``; each predicted position is fed back as the next input. The network's own state
    does not change. Written for speed, as the page runs it every frame: positions as Python
    floats, and one reused row ``[x, h, 1]`` so that a step is two ``np.dot`` (biases included,
    see ``nn.recurrent_engine.stacked``) and the activation; the tests check it against
    ``net.step`` and ``features``."""
    if steps <= 0:
        return np.array(position, dtype=float)
    from nn.recurrent_engine import stacked  # here: that module builds on nn.recurrent

    n_in, hidden, _ = net.layers
    w_in, w_out = stacked(net._flat, net.layers)  # (n_in + H + 1, H), (H + 1, n_out)
    f = ACTIVATIONS[net.activation].function
    (px, py), (dx, dy) = np.asarray(position).tolist(), np.asarray(output).tolist()
    qx, qy = px, py
    px, py = px + dx / SCALE, py + dy / SCALE
    row = np.empty(n_in + hidden + 1)  # [x, h, 1]
    row[n_in:-1] = state
    row[-1] = 1.0
    h, h1 = row[n_in:-1], row[n_in:]  # views: h_t is written where the next step reads it
    z = np.empty(hidden)
    y = np.empty(w_out.shape[1])
    for _ in range(steps - 1):
        row[0], row[1] = 2.0 * px - 1.0, 2.0 * py - 1.0  # features(p, q), as Python floats
        row[2], row[3] = SCALE * (px - qx), SCALE * (py - qy)
        f(np.dot(row, w_in, out=z), out=h)  # h = f([x, h, 1] @ [W_x; W_h; b_h]), (H,)
        dx, dy = np.dot(h1, w_out, out=y).tolist()  # y = [h, 1] @ [W_y; b_y]
        qx, qy = px, py
        px, py = px + dx / SCALE, py + dy / SCALE
    return np.array([px, py])


def encode(path: object) -> tuple[Array, Array]:
    """A trajectory ``(N, 2)`` -> ``inputs (N - 2, 4)`` and ``targets (N - 2, 2)``: step ``s``
    sees sample ``s + 1`` (and its displacement from ``s``) and must predict the displacement to
    sample ``s + 2``."""
    p = check_array(path, "trajectory", (None, 2), limit=1e3)
    if len(p) < 3:
        raise SchemaError(f"a trajectory needs at least 3 samples, got {len(p)}")
    d = SCALE * np.diff(p, axis=0)  # (N - 1, 2)
    inputs = np.hstack([2.0 * p[1:-1] - 1.0, d[:-1]])  # (N - 2, 4)
    return inputs, d[1:].copy()


def sequences(path: object, length: int, stride: int) -> tuple[Array, Array]:
    """Windows of ``length`` steps cut every ``stride`` steps from one trajectory:
    ``inputs (S, length, 4)``, ``targets (S, length, 2)``."""
    length = check_int(length, "sequence length", high=10_000)
    stride = check_int(stride, "stride", high=10_000)
    inputs, targets = encode(path)
    starts = range(0, len(inputs) - length + 1, stride)
    if not starts:
        raise SchemaError(
            f"a trajectory of {len(inputs) + 2} samples is too short for sequences of "
            f"{length} steps (it needs {length + 2})"
        )
    return (
        np.stack([inputs[s : s + length] for s in starts]),
        np.stack([targets[s : s + length] for s in starts]),
    )


def strokes_to_sequences(
    strokes: list[Array], length: int | None = None, stride: int | None = None
) -> tuple[Array, Array]:
    """Training sequences from several trajectories; strokes too short are skipped."""
    length = RECURRENT_PRETRAIN["sequence"] if length is None else length
    stride = RECURRENT_PRETRAIN["stride"] if stride is None else stride
    xs, ts = [], []
    for stroke in strokes:
        if len(stroke) >= length + 2:
            x, t = sequences(stroke, length, stride)
            xs.append(x)
            ts.append(t)
    if not xs:
        longest = max((len(s) for s in strokes), default=0)
        raise SchemaError(
            f"no stroke is long enough for sequences of {length} steps: the longest has "
            f"{longest} samples, {length + 2} are needed ({(length + 2) / HZ:.2f} s of movement)"
        )
    return np.concatenate(xs), np.concatenate(ts)


# --- generated trajectories ---------------------------------------------------------------------


def _times(n: int) -> Array:
    return np.arange(check_int(n, "samples", high=MAX_EVENTS)) / HZ  # seconds, (n,)


def circle(
    n: int,
    *,
    period_s: float = 2.0,
    radius: float = 0.3,
    centre: tuple[float, float] = (0.5, 0.5),
    clockwise: bool = True,
    seed: int | None = None,
) -> Array:
    """``n`` samples of a circle (canvas fractions), starting at a phase drawn from ``seed``."""
    rng = np.random.default_rng(seed)
    phase = rng.uniform(0.0, 2 * math.pi)
    sign = 1.0 if clockwise else -1.0
    a = phase + sign * 2 * math.pi * _times(n) / check_real(period_s, "period_s", low=0.0)
    return np.stack([centre[0] + radius * np.cos(a), centre[1] + radius * np.sin(a)], axis=1)


def lissajous(
    n: int,
    *,
    period_s: float = 4.0,
    a: int = 1,
    b: int = 2,
    size: float = 0.35,
    phase: float = math.pi / 2,
) -> Array:
    """``n`` samples of ``x = sin(a w t + phase)``, ``y = sin(b w t)`` around the centre."""
    w = 2 * math.pi / check_real(period_s, "period_s", low=0.0)
    t = _times(n)
    return np.stack(
        [0.5 + size * np.sin(a * w * t + phase), 0.5 + size * np.sin(b * w * t)], axis=1
    )


def figure_eight(n: int, *, period_s: float = 3.0, size: float = 0.35) -> Array:
    """``n`` samples of a figure-eight lying on its side (a 2:1 Lissajous curve)."""
    return lissajous(n, period_s=period_s, a=1, b=2, size=size, phase=0.0)


def random_curve(n: int, *, seed: int | None = None, speed: float = 0.5) -> Array:
    """``n`` samples of a random smooth curve: a few sinusoids of random frequency (0.2-0.8 Hz)
    and phase per axis, scaled into the canvas."""
    rng = np.random.default_rng(seed)
    t = _times(n)[:, None]  # (n, 1)
    freq = rng.uniform(0.2, 0.8, size=(3, 2)) * (speed / 0.5)  # (3 waves, 2 axes)
    phase = rng.uniform(0, 2 * math.pi, size=(3, 2))
    amp = rng.uniform(0.5, 1.0, size=(3, 2))
    waves = amp[None] * np.sin(2 * math.pi * freq[None] * t[:, :, None] + phase[None])
    curve = waves.sum(axis=1) / amp.sum(axis=0)  # (n, 2) within [-1, 1]
    return 0.5 + 0.4 * curve


GENERATORS = ("circles", "figure-eights", "random curves", "mixed")


def generate(kind: str, strokes: int, samples: int, seed: int | None = 0) -> list[Array]:
    """``strokes`` generated trajectories of ``samples`` samples each, varied in size, speed,
    place and direction: ``kind`` is one of ``GENERATORS``."""
    if kind not in GENERATORS:
        raise SchemaError(f"trajectory kind must be one of {list(GENERATORS)}, got {show(kind)}")
    strokes = check_int(strokes, "strokes", high=10_000)
    rng = np.random.default_rng(seed)
    out = []
    for i in range(strokes):
        pick = kind if kind != "mixed" else GENERATORS[i % 3]
        size = rng.uniform(0.15, 0.38)
        period = rng.uniform(1.2, 4.0)
        if pick == "circles":
            c = rng.uniform(0.5 - (0.45 - size), 0.5 + (0.45 - size), size=2)
            out.append(
                circle(
                    samples,
                    period_s=period,
                    radius=size,
                    centre=(float(c[0]), float(c[1])),
                    clockwise=bool(rng.integers(2)),
                    seed=int(rng.integers(2**31)),
                )
            )
        elif pick == "figure-eights":
            path = figure_eight(samples, period_s=period * 1.5, size=size)
            if rng.integers(2):
                path = path[:, ::-1].copy()  # standing up
            out.append(path)
        else:
            out.append(random_curve(samples, seed=int(rng.integers(2**31))))
    return out


# --- moves.csv ------------------------------------------------------------------------------------


def parse_moves(text: object) -> list[tuple[Array, Array]]:
    """``moves.csv`` text (str, or bytes that must be UTF-8) -> strokes, each
    ``(times_ms (N,), positions (N, 2))``; anything else raises a ``SchemaError`` naming the
    problem. Size, emptiness, binary content and the number of lines are checked before any row
    is built (``nn.safejson.check_text``); white space at the end is ignored."""
    if not isinstance(text, str | bytes | bytearray):
        raise SchemaError(f"moves text must be a string, got {show(text)}")
    body = check_text(text, "the moves file", MOVES_MAX_BYTES).rstrip()
    # Line breaks as the csv module counts them (\n, \r\n or a lone \r), at C speed: each line
    # holds at most one event, so this bounds the rows before a single one is built.
    lines = 1 + body.count("\n") + body.count("\r") - body.count("\r\n")
    if lines - 1 > MAX_EVENTS:
        raise SchemaError(
            f"the moves file has {lines:,} lines; it holds at most {MAX_EVENTS:,} events, one a "
            "line after the header"
        )
    reader = csv.reader(io.StringIO(body, newline=""))
    try:
        rows = [(reader.line_num, row) for row in reader if any(c.strip() for c in row)]
    except csv.Error as exc:
        raise SchemaError(f"line {reader.line_num}: not valid CSV ({exc})") from None
    if not rows or [c.strip() for c in rows[0][1]] != ["time_ms", "x", "y"]:
        got = ",".join(rows[0][1]) if rows else "nothing"
        raise SchemaError(
            f"line 1: a moves file starts with the header time_ms,x,y; got {show(got)}"
        )
    values = np.empty((len(rows) - 1, 3))  # (events, 3): time_ms, x, y
    for i, (number, row) in enumerate(rows[1:]):
        if len(row) != 3:
            raise SchemaError(f"line {number}: expected 3 values (time_ms,x,y), got {len(row)}")
        for j, cell in enumerate(row):
            try:
                value = float(cell)
            except ValueError:
                value = math.nan
            limit = 1e12 if j == 0 else 10.0
            if not abs(value) <= limit:
                raise SchemaError(
                    f"line {number}, column {('time_ms', 'x', 'y')[j]}: {show(cell.strip())} is "
                    f"not a finite number of size <= {limit:g}"
                )
            values[i, j] = value
        if i and values[i, 0] < values[i - 1, 0]:
            raise SchemaError(
                f"line {number}: time_ms goes backwards ({values[i, 0]:g} after "
                f"{values[i - 1, 0]:g})"
            )
    if len(values) == 0:
        raise SchemaError("the moves file has a header but no events")
    breaks = np.flatnonzero(np.diff(values[:, 0]) > GAP_MS) + 1
    return [(part[:, 0], part[:, 1:]) for part in np.split(values, breaks)]


def read_moves(text: object, hz: float = HZ) -> list[Array]:
    """``moves.csv`` text -> its strokes resampled at ``hz``, each ``(N, 2)``: ``parse_moves``
    then ``resample``, refusing (before resampling) more than ``MAX_EVENTS`` samples in all
    (strokes of slow events would otherwise grow without bound)."""
    strokes = parse_moves(text)
    step = 1000.0 / check_real(hz, "hz", low=0.0)  # ms per sample
    samples = sum(int((t[-1] - t[0]) // step) + 1 for t, _ in strokes)
    if samples > MAX_EVENTS:
        raise SchemaError(
            f"the moves file lasts {samples * step / 1000:,.0f} s in {len(strokes):,} strokes, "
            f"{samples:,} samples at {hz:g} Hz; at most {MAX_EVENTS:,} are allowed"
        )
    return [resample(t, p, hz) for t, p in strokes]


def dump_moves(times_ms: object, positions: object) -> str:
    """Events as ``moves.csv`` text (positions in canvas fractions)."""
    t = check_array(times_ms, "times_ms", (None,), limit=1e12)
    p = check_array(positions, "positions", (len(t), 2), limit=10.0)
    lines = ["time_ms,x,y"] + [
        f"{ti:.1f},{x:.5f},{y:.5f}" for ti, (x, y) in zip(t.tolist(), p.tolist(), strict=True)
    ]
    return "\n".join(lines) + "\n"


def resample(times_ms: object, positions: object, hz: float = HZ) -> Array:
    """Events at irregular times -> positions at ``hz`` (linear interpolation between events)."""
    t = check_array(times_ms, "times_ms", (None,), limit=1e12)
    p = check_array(positions, "positions", (len(t), 2), limit=10.0)
    if len(t) == 0:
        return np.empty((0, 2))
    step = 1000.0 / check_real(hz, "hz", low=0.0)  # ms per sample
    if (t[-1] - t[0]) / step >= MAX_EVENTS:
        raise SchemaError(
            f"events over {(t[-1] - t[0]) / 1000:,.0f} s are {(t[-1] - t[0]) / step:,.0f} "
            f"samples at {hz:g} Hz; at most {MAX_EVENTS:,} are allowed"
        )
    grid = np.arange(t[0], t[-1] + 1e-9, step)  # (samples,) ms
    return np.stack([np.interp(grid, t, p[:, 0]), np.interp(grid, t, p[:, 1])], axis=1)
