"""The network view: neurons by layer, connections coloured by sign and widened by |w|, the
strongest paths highlighted, and a tooltip for the neuron or connection under the pointer (or
selected with the keyboard).

Drawing is batched: connections are sorted into a few (sign, width) buckets and each bucket is one
``Path2D`` built from an SVG path string, so a redraw costs a few dozen canvas calls for any size
of network. The app redraws it at most ~10 times a second, and only when something changed.

Usage::

    view = NetView(document.getElementById("network"))   # the <figure> with a canvas
    view.set_network(net)     # layout, data-layers
    view.invalidate()         # weights or values changed
    view.draw(now_ms)         # from the animation frame; throttled inside
    view.on_select.append(fn)     # fn(selection or None) when the highlighted item changes
    view.on_activate.append(fn)   # fn(selection): a click, or Enter on the focused view
    view.underlays.append(fn)     # fn(view) after the neurons are drawn, before the labels
    view.overlays.append(fn)      # fn(view) after everything else
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from js import document, window

from nnpage.listeners import Listeners
from nnpage.paths import strongest_paths

__all__ = ["NetView"]

LEVELS = 6  # width/opacity buckets per sign
SMALL_NET = 24  # at most this many weights: write each weight on its connection
PAD_X, PAD_Y = 74, 22
COLORS = {
    "pos": "37, 99, 235",  # rgb triples; opacity added per bucket
    "neg": "232, 89, 12",
    "path": ("217, 119, 6", "13, 148, 136"),  # strongest paths from x, from y
    "neuron": "#ffffff",
    "edge": "#334155",
    "dropped": "#cbd5e1",
    "text": "#1f2937",
    "muted": "#64748b",
    "select": "#111827",
}
IO_NAMES = (("x", "y"), ("x′", "y′"))


def _fmt(v: float) -> str:
    """Four decimals for everyday values, scientific notation for tiny or huge ones."""
    text = f"{v:+.4f}" if v == 0 or 1e-3 <= abs(v) < 1e4 else f"{v:+.3e}"
    return text.replace("-", "−")


def _circle(x: float, y: float, r: float) -> str:
    """An SVG path for a circle: two half arcs."""
    arc = f"A{r:.1f} {r:.1f} 0 1 0"
    return f"M{x + r:.1f} {y:.1f}{arc} {x - r:.1f} {y:.1f}{arc} {x + r:.1f} {y:.1f}"


def _io_names(net) -> tuple[list[str], list[str]]:
    """Names of the input and output neurons: x, y (repeated) or the network's own."""
    names = getattr(net, "io_names", IO_NAMES)
    n_in, n_out = net.layers[0], net.layers[-1]
    return (
        [names[0][j % len(names[0])] for j in range(n_in)],
        [names[1][j % len(names[1])] for j in range(n_out)],
    )


def _recurrent_curves(column: list, r: float) -> tuple[list[str], list[tuple]]:
    """SVG paths of the recurrent connections of one column of neurons (i -> j, row-major), as
    loops bulging to the right, and two hit-testing segments per loop (via its middle)."""
    curves, halves = [], []
    for x1, y1 in column:
        for x2, y2 in column:
            bulge = r * 2.2 + 0.35 * abs(y2 - y1)
            if y1 == y2:  # a neuron onto itself: a small loop
                cx, cy = x1 + r + 14, y1
                curves.append(
                    f"M{x1 + r:.1f} {y1 - 3:.1f}C{x1 + r + 16:.1f} {y1 - 14:.1f} "
                    f"{x1 + r + 16:.1f} {y1 + 14:.1f} {x1 + r:.1f} {y1 + 3:.1f}"
                )
            else:
                cx, cy = x1 + bulge, (y1 + y2) / 2
                curves.append(f"M{x1:.1f} {y1:.1f}Q{x1 + 2 * bulge:.1f} {cy:.1f} {x2:.1f} {y2:.1f}")
            halves += [(x1, y1, cx, cy), (cx, cy, x2, y2)]
    return curves, halves


def _short(v: float) -> str:
    return f"{v:+.2f}" if abs(v) < 100 else f"{v:+.1e}"


class NetView:
    """Draws a ``Network`` on a canvas; see the module docstring."""

    def __init__(self, figure, interval_ms: float = 100.0):
        self.figure = figure
        self.canvas = figure.querySelector("canvas")
        self.tip = figure.querySelector("[role=tooltip]")
        self.paths_list = document.getElementById("paths")
        self.ctx = self.canvas.getContext("2d")
        ctx = self.ctx
        self._path2d = window.Path2D.new
        self._stroke, self._fill = ctx.stroke, ctx.fill
        self._fill_text, self._stroke_text = ctx.fillText, ctx.strokeText
        self.interval_ms = interval_ms
        self.net = None
        self.dirty = True
        self._last_draw = -1e9
        self.selected: tuple | None = None  # ("n", layer, j) or ("w", layer, i, j)
        self._anchor = (0, 0)  # the neuron the keyboard is on: (layer, index)
        self._key_conn = -1  # index of the connection picked with the C key
        self._paths_text: list[str] = []
        self.width = self.height = 0.0
        self.on_select: list[Callable[[tuple | None], None]] = []
        self.on_activate: list[Callable[[tuple], None]] = []
        self.underlays: list[Callable[[NetView], None]] = []
        self.overlays: list[Callable[[NetView], None]] = []
        self.listeners = Listeners()
        for name, handler in (
            ("pointermove", self._on_pointer),
            ("click", self._on_click),
            ("pointerleave", self._on_leave),
            ("keydown", self._on_key),
            ("focus", self._on_focus),
            ("blur", self._on_leave),
        ):
            self.listeners.on(self.canvas, name, handler)

    # --- layout ----------------------------------------------------------------------------------

    def set_network(self, net) -> None:
        same_shape = self.net is not None and self.net.layers == net.layers
        self.net = net
        self.figure.dataset.layers = "-".join(str(n) for n in net.layers)
        if not same_shape:
            self.selected = None
            self._anchor = (0, 0)
            self.canvas.style.height = f"{min(380, max(200, max(net.layers) * 36 + 60))}px"
        self.resize()

    def resize(self) -> None:
        ratio = float(window.devicePixelRatio or 1)
        self.width = float(self.canvas.clientWidth)
        self.height = float(self.canvas.clientHeight)
        self.canvas.width = max(1, round(self.width * ratio))
        self.canvas.height = max(1, round(self.height * ratio))
        self.ctx.setTransform(ratio, 0, 0, ratio, 0, 0)
        if self.net is not None:
            self._layout()
        self.dirty = True

    def _layout(self) -> None:
        layers = self.net.layers
        w, h = self.width, self.height
        gap = (w - 2 * PAD_X) / (len(layers) - 1)
        # Small layers spread out (so weights written on a 2-2-2 net do not overlap).
        spacing = min(
            44.0 if max(layers) > 3 else 80.0, (h - 2 * PAD_Y - 14) / max(1, max(layers) - 1)
        )
        self.radius = max(5.0, min(11.0, spacing * 0.32))
        mid = (h - 14) / 2
        self.pos = [
            [(PAD_X + li * gap, mid + (j - (n - 1) / 2) * spacing) for j in range(n)]
            for li, n in enumerate(layers)
        ]
        # Every connection as a segment, flattened layer by layer, row-major like w.ravel().
        segs, keys = [], []
        for li, (a, b) in enumerate(zip(self.pos, self.pos[1:], strict=False)):
            for i, (x1, y1) in enumerate(a):
                for j, (x2, y2) in enumerate(b):
                    segs.append((x1, y1, x2, y2))
                    keys.append((li, i, j))
        self._seg_text = [f"M{x1:.1f} {y1:.1f}L{x2:.1f} {y2:.1f}" for x1, y1, x2, y2 in segs]
        recurrent = getattr(self.net, "recurrent", None)
        if recurrent is not None:  # W_h: hidden neuron i -> hidden neuron j, one step later
            curves, halves = _recurrent_curves(self.pos[1], self.radius)
            self._seg_text += curves
            segs += halves
            keys += [("r", i, j) for i in range(len(self.pos[1])) for j in range(len(self.pos[1]))
                     for _ in (0, 1)]  # fmt: skip
        self._seg = np.array(segs)  # (n_weights, 4): hit-testing segments
        self._seg_keys = keys
        r = self.radius
        self._circle_text = [[_circle(x, y, r) for x, y in layer] for layer in self.pos]

    # --- drawing ---------------------------------------------------------------------------------

    def invalidate(self) -> None:
        self.dirty = True

    def draw(self, now_ms: float, force: bool = False) -> None:
        if self.net is None or not (self.dirty or force):
            return
        if not force and now_ms - self._last_draw < self.interval_ms:
            return
        self._last_draw = now_ms
        self.dirty = False
        net, ctx = self.net, self.ctx
        weights = net.weights
        ctx.clearRect(0, 0, self.width, self.height)
        paths = strongest_paths(weights)
        self._draw_paths(paths)
        self._draw_connections(weights)
        self._draw_neurons()
        for underlay in self.underlays:
            underlay(self)
        self._draw_labels(weights)
        self._draw_selection()
        for overlay in self.overlays:
            overlay(self)
        self._update_paths_list(paths)
        self._update_tip()

    def _draw_paths(self, paths) -> None:
        ctx = self.ctx
        biggest = max(abs(p.product) for p in paths) or 1.0
        for p in paths:
            pts = [self.pos[li][n] for li, n in enumerate(p.neurons)]
            text = "M" + "L".join(f"{x:.1f} {y:.1f}" for x, y in pts)
            strength = abs(p.product) / biggest
            ctx.strokeStyle = f"rgba({COLORS['path'][p.input % 2]}, {0.15 + 0.35 * strength:.2f})"
            ctx.lineWidth = 3 + 9 * strength
            self._stroke(self._path2d(text))

    def _draw_connections(self, weights) -> None:
        ctx = self.ctx
        recurrent = getattr(self.net, "recurrent", None)
        extra = [] if recurrent is None else [recurrent.ravel()]
        flat = np.concatenate([w.ravel() for w in weights] + extra)  # order of self._seg_text
        top = float(np.max(np.abs(flat))) or 1.0
        level = np.minimum((np.abs(flat) / top * LEVELS).astype(int), LEVELS - 1)
        bucket = np.where(flat >= 0, level, level + LEVELS)
        # A connection touching a dropped neuron is drawn faint (bucket 2 * LEVELS).
        dropped = self.net.dropped
        if any(m.any() for m in dropped):
            off = np.concatenate(
                [
                    (dropped[li][:, None] | dropped[li + 1][None, :]).ravel()
                    for li in range(len(weights))
                ]
            )
            bucket[off] = 2 * LEVELS
        parts: list[list[str]] = [[] for _ in range(2 * LEVELS + 1)]
        text = self._seg_text
        for k, b in enumerate(bucket.tolist()):
            parts[b].append(text[k])
        for b, segs in enumerate(parts):
            if not segs:
                continue
            if b == 2 * LEVELS:
                ctx.strokeStyle, ctx.lineWidth = "rgba(148, 163, 184, 0.35)", 1
            else:
                lv = b % LEVELS
                rgb = COLORS["pos"] if b < LEVELS else COLORS["neg"]
                ctx.strokeStyle = f"rgba({rgb}, {0.3 + 0.7 * lv / (LEVELS - 1):.2f})"
                ctx.lineWidth = 0.7 + 4.8 * (lv + 0.5) / LEVELS
            self._stroke(self._path2d("".join(segs)))

    def _draw_neurons(self) -> None:
        ctx = self.ctx
        live, off = [], []
        for li, circles in enumerate(self._circle_text):
            mask = self.net.dropped[li]
            for j, text in enumerate(circles):
                (off if mask[j] else live).append(text)
        ctx.lineWidth = 1.5
        ctx.strokeStyle = COLORS["edge"]
        for group, fill in ((live, COLORS["neuron"]), (off, COLORS["dropped"])):
            if group:
                path = self._path2d("".join(group))
                ctx.fillStyle = fill
                self._fill(path)
                self._stroke(path)

    def _label(self, text: str, x: float, y: float, align: str, color: str) -> None:
        ctx = self.ctx
        ctx.textAlign = align
        ctx.fillStyle = color
        self._stroke_text(text, x, y)
        self._fill_text(text, x, y)

    def _draw_labels(self, weights) -> None:
        ctx, net, r = self.ctx, self.net, self.radius
        ctx.font = "12px system-ui, sans-serif"
        ctx.textBaseline = "middle"
        ctx.strokeStyle, ctx.lineWidth = "rgba(255, 255, 255, 0.9)", 3
        ins, outs = net.outputs[0], net.outputs[-1]
        names = _io_names(net)
        for j, (x, y) in enumerate(self.pos[0]):
            self._label(f"{names[0][j]} {_short(ins[j])}", x - r - 6, y, "right", COLORS["text"])
        for j, (x, y) in enumerate(self.pos[-1]):
            self._label(f"{names[1][j]} {_short(outs[j])}", x + r + 6, y, "left", COLORS["text"])
        ctx.font = "11px system-ui, sans-serif"
        last = len(self.pos) - 1
        for li, layer in enumerate(self.pos):
            name = "input" if li == 0 else "output" if li == last else f"hidden {li}"
            if last > 4 and 0 < li < last:
                name = f"h{li}"
            self._label(name, layer[0][0], self.height - 10, "center", COLORS["muted"])
        if sum(w.size for w in weights) <= SMALL_NET:
            ctx.font = "10.5px system-ui, sans-serif"
            for li, w in enumerate(weights):
                t = 0.72 if w.shape[1] > w.shape[0] else 0.28
                for i, (x1, y1) in enumerate(self.pos[li]):
                    for j, (x2, y2) in enumerate(self.pos[li + 1]):
                        self._label(
                            f"{w[i, j]:.2f}",
                            x1 + t * (x2 - x1),
                            y1 + t * (y2 - y1),
                            "center",
                            COLORS["text"],
                        )

    def _draw_selection(self) -> None:
        sel = self.selected
        if sel is None:
            return
        ctx = self.ctx
        ctx.strokeStyle = COLORS["select"]
        if sel[0] == "n":
            x, y = self.pos[sel[1]][sel[2]]
            r = self.radius + 4
            ctx.lineWidth = 2.5
            self._stroke(self._path2d(_circle(x, y, r)))
        elif sel[0] == "r":
            n = len(self.pos[1])
            ctx.lineWidth = 3
            ctx.setLineDash([4, 3])
            offset = sum(w.size for w in self.net.weights)
            self._stroke(self._path2d(self._seg_text[offset + sel[1] * n + sel[2]]))
            ctx.setLineDash([])
        else:
            _, li, i, j = sel
            (x1, y1), (x2, y2) = self.pos[li][i], self.pos[li + 1][j]
            ctx.lineWidth = 3
            ctx.setLineDash([4, 3])
            self._stroke(self._path2d(f"M{x1} {y1}L{x2} {y2}"))
            ctx.setLineDash([])

    def _update_paths_list(self, paths) -> None:
        names = _io_names(self.net)
        texts = []
        for p in paths:
            factors = " × ".join(f"{w:.3f}" for w in p.weights)
            texts.append(f"{names[0][p.input]} → {names[1][p.output]}: {factors} ≈ {p.product:.3f}")
        if texts == self._paths_text:
            return
        if len(texts) != len(self._paths_text):
            self.paths_list.replaceChildren()
            for p in paths:
                item = document.createElement("li")
                item.className = "path-" + "xy"[p.input % 2]
                self.paths_list.append(item)
        for item, text in zip(self.paths_list.children, texts, strict=False):
            item.textContent = text
        self._paths_text = texts

    # --- tooltip and selection ----------------------------------------------------------------

    def describe(self, sel: tuple) -> str:
        """Text for a neuron ("n", layer, j) or a connection ("w", layer, i, j)."""
        net, last = self.net, len(self.net.layers) - 1

        names = _io_names(net)

        def name(li: int, j: int) -> str:
            if li == 0:
                return f"input {names[0][j]}"
            if li == last:
                return f"output {names[1][j]}"
            return f"hidden layer {li}, neuron {j + 1}"

        if sel[0] == "w":
            _, li, i, j = sel
            return f"weight {name(li, i)} → {name(li + 1, j)}: {_fmt(net.weights[li][i, j])}"
        if sel[0] == "r":
            _, i, j = sel
            return (
                f"recurrent weight hidden {i + 1} → hidden {j + 1} (one step later): "
                f"{_fmt(net.recurrent[i, j])}; state of hidden {i + 1} now "
                f"{_fmt(net.outputs[1][i])}"
            )
        _, li, j = sel
        if getattr(net, "recurrent", None) is not None and 0 < li < last:
            return (
                f"hidden neuron {j + 1}: state {_fmt(net.outputs[1][j])} (its memory), bias "
                f"{_fmt(net.biases[0][j])}, weight on its own last state "
                f"{_fmt(net.recurrent[j, j])}"
            )
        if li == 0:
            return f"{name(li, j)} = {_fmt(net.outputs[0][j])} (the pointer, normalised)"
        text = f"{name(li, j)}: output {_fmt(net.outputs[li][j])}"
        text += f", delta {_fmt(net.deltas[li - 1][j])}, bias {_fmt(net.biases[li - 1][j])}"
        if net.dropped[li][j]:
            text += " (dropped this step)"
        return text

    def _update_tip(self) -> None:
        tip, sel = self.tip, self.selected
        if sel is None:
            tip.hidden = True
            return
        tip.textContent = self.describe(sel)
        if sel[0] == "n":
            x, y = self.pos[sel[1]][sel[2]]
        elif sel[0] == "r":
            x, y = self.pos[1][sel[1]]
            x += 3 * self.radius
        else:
            (x1, y1), (x2, y2) = self.pos[sel[1]][sel[2]], self.pos[sel[1] + 1][sel[3]]
            x, y = (x1 + x2) / 2, (y1 + y2) / 2
        tip.style.left = f"{min(max(x, 90), self.width - 90):.0f}px"
        tip.style.top = f"{max(0, y - self.radius - 8):.0f}px"
        tip.hidden = False

    def _select(self, sel: tuple | None) -> None:
        if sel != self.selected:
            self.selected = sel
            self.draw(0, force=True)
            for listener in self.on_select:
                listener(sel)

    def hit(self, x: float, y: float) -> tuple | None:
        """The neuron or connection at (x, y) CSS px, or None."""
        for li, layer in enumerate(self.pos):
            for j, (nx, ny) in enumerate(layer):
                if (x - nx) ** 2 + (y - ny) ** 2 <= (self.radius + 4) ** 2:
                    return ("n", li, j)
        x1, y1, x2, y2 = self._seg.T
        dx, dy = x2 - x1, y2 - y1
        t = np.clip(((x - x1) * dx + (y - y1) * dy) / (dx * dx + dy * dy), 0.0, 1.0)
        dist = np.hypot(x1 + t * dx - x, y1 + t * dy - y)
        k = int(np.argmin(dist))
        key = self._seg_keys[k]
        if dist[k] > 5:
            return None
        return key if key[0] == "r" else ("w", *key)

    def _on_pointer(self, event) -> None:
        if self.net is not None:
            self._select(self.hit(event.offsetX, event.offsetY))

    def _on_click(self, event) -> None:
        if self.net is not None:
            sel = self.hit(event.offsetX, event.offsetY)
            if sel is not None:
                self._select(sel)
                for listener in self.on_activate:
                    listener(sel)

    def _on_leave(self, event) -> None:
        self._select(None)

    def _on_focus(self, event) -> None:
        if self.net is not None and self.selected is None:
            self._anchor = (0, 0)
            self._select(("n", 0, 0))

    def _on_key(self, event) -> None:
        key, layers = event.key, self.net.layers
        li, j = self._anchor
        if self.selected is not None and self.selected[0] == "n":
            li, j = self.selected[1], self.selected[2]  # the pointer may have moved it
        if key in ("ArrowUp", "ArrowDown", "ArrowLeft", "ArrowRight"):
            if key == "ArrowUp":
                j -= 1
            elif key == "ArrowDown":
                j += 1
            else:
                li = min(max(li + (1 if key == "ArrowRight" else -1), 0), len(layers) - 1)
            j = min(max(j, 0), layers[li] - 1)
            self._key_conn = -1
            self._anchor = (li, j)
            self._select(("n", li, j))
        elif key in ("c", "C"):
            # Step through the connections leaving this neuron (entering it, for an output).
            n_next = layers[li + 1] if li + 1 < len(layers) else layers[li - 1]
            self._key_conn = (self._key_conn + 1) % n_next
            k = self._key_conn
            self._anchor = (li, j)
            self._select(("w", li, j, k) if li + 1 < len(layers) else ("w", li - 1, k, j))
        elif key == "Enter" and self.selected is not None:
            for listener in self.on_activate:
                listener(self.selected)
        elif key == "Escape":
            on_weight = self.selected is not None and self.selected[0] == "w"
            self._key_conn = -1
            self._select(("n", li, j) if on_weight else None)
        else:
            return
        event.preventDefault()

    def destroy(self) -> None:
        self.listeners.destroy()
