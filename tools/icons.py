"""The app's icons (for the web app manifest): the circle and its target, as SVG and PNG.

One drawing, described once as shapes in a unit square, is written as ``static/icons/icon.svg``
and rasterised (standard library only: an anti-aliased coverage per pixel, zlib for the PNG) as
``icon-192.png`` and ``icon-512.png``. The shapes stay inside the middle 80%, so the icons also
work as "maskable" ones (a launcher may crop them to a circle). The output depends only on this
file, so ``--check`` can tell whether the committed icons are current.

Usage::

    python -m tools.icons           # (re)write static/icons/
    python -m tools.icons --check   # exit 1 if a committed icon differs from what this draws
"""

from __future__ import annotations

import math
import struct
import sys
import zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "static" / "icons"
SIZES = (192, 512)
BACKGROUND = (255, 255, 255)
CIRCLE = ((0.44, 0.57), 0.25, (37, 99, 235))  # centre, radius, colour: the network's guess
CIRCLE_EDGE = ((30, 64, 175), 0.022)
TARGET = ((0.67, 0.33), 0.085, (217, 72, 15))  # the pointer: a ring with a cross
STROKE = 0.034
ARM = 0.14


def _coverage(distance: float, pixel: float) -> float:
    """How much of a pixel of size ``pixel`` lies inside a shape, from its signed distance."""
    return min(1.0, max(0.0, 0.5 - distance / pixel))


def _segment_distance(x: float, y: float, ax: float, ay: float, bx: float, by: float) -> float:
    dx, dy = bx - ax, by - ay
    t = max(0.0, min(1.0, ((x - ax) * dx + (y - ay) * dy) / (dx * dx + dy * dy)))
    return math.hypot(x - ax - t * dx, y - ay - t * dy)


def _layers(x: float, y: float):
    """(signed distance, colour) of each shape at (x, y), bottom first."""
    (cx, cy), r, fill = CIRCLE
    edge, width = CIRCLE_EDGE
    d = math.hypot(x - cx, y - cy)
    yield d - r, fill
    yield abs(d - r) - width / 2, edge
    (tx, ty), tr, colour = TARGET
    yield abs(math.hypot(x - tx, y - ty) - tr) - STROKE / 2, colour
    yield _segment_distance(x, y, tx - ARM, ty, tx + ARM, ty) - STROKE / 2, colour
    yield _segment_distance(x, y, tx, ty - ARM, tx, ty + ARM) - STROKE / 2, colour


def pixels(size: int) -> bytes:
    """RGB rows of the icon at ``size`` x ``size``, each row prefixed with PNG filter 0."""
    pixel = 1.0 / size
    rows = bytearray()
    for j in range(size):
        rows.append(0)
        y = (j + 0.5) * pixel
        for i in range(size):
            x = (i + 0.5) * pixel
            colour = list(BACKGROUND)
            for distance, rgb in _layers(x, y):
                a = _coverage(distance, pixel)
                if a:
                    colour = [c + (n - c) * a for c, n in zip(colour, rgb, strict=True)]
            rows.extend(round(c) for c in colour)
    return bytes(rows)


def png(size: int) -> bytes:
    """A PNG file (8-bit RGB) of the icon."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(pixels(size), 9))
        + chunk(b"IEND", b"")
    )


def svg() -> str:
    """The same drawing as SVG (a 100 x 100 view box)."""

    def hex_colour(rgb: tuple[int, int, int]) -> str:
        return "#{:02x}{:02x}{:02x}".format(*rgb)

    def n(value: float) -> str:
        return f"{value * 100:g}"

    (cx, cy), r, fill = CIRCLE
    edge, width = CIRCLE_EDGE
    (tx, ty), tr, colour = TARGET
    target = hex_colour(colour)
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 100">'
        f'<rect width="100" height="100" fill="{hex_colour(BACKGROUND)}"/>'
        f'<circle cx="{n(cx)}" cy="{n(cy)}" r="{n(r)}" fill="{hex_colour(fill)}" '
        f'stroke="{hex_colour(edge)}" stroke-width="{n(width)}"/>'
        f'<g fill="none" stroke="{target}" stroke-width="{n(STROKE)}">'
        f'<circle cx="{n(tx)}" cy="{n(ty)}" r="{n(tr)}"/>'
        f'<path d="M{n(tx - ARM)} {n(ty)}H{n(tx + ARM)}M{n(tx)} {n(ty - ARM)}V{n(ty + ARM)}"/>'
        "</g></svg>\n"
    )


def drawings() -> dict[str, bytes]:
    """File name in static/icons/ -> bytes."""
    out = {"icon.svg": svg().encode()}
    out.update({f"icon-{size}.png": png(size) for size in SIZES})
    return out


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    check = "--check" in argv
    stale = []
    for name, data in drawings().items():
        path = OUT / name
        if check:
            if not path.exists() or path.read_bytes() != data:
                stale.append(name)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
    if stale:
        print(f"icons: out of date: {', '.join(stale)} (run python -m tools.icons)")
        return 1
    print("icons: up to date" if check else f"icons: wrote {OUT.relative_to(ROOT)}/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
