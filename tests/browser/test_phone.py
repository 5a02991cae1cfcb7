"""Phones: at 390 x 844 with a touch screen (a mobile, touch context), a finger drawing on the
canvas trains the network and never scrolls the page, while the same swipe elsewhere does; every
control fits the width and answers a tap.

Touches are real input events (Chrome DevTools ``Input.dispatchTouchEvent``), so the browser's
own gesture handling, ``touch-action`` included, decides whether the page scrolls.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from nn import Network
from nn.coords import from_pixels, to_pixels

from .conftest import PageWatch, wait_ready
from .helpers import model, read_stage

PHONE = {"width": 390, "height": 844}
SCROLL_Y = "Math.round(window.scrollY)"
CONTROLS = """() => Array.from(document.querySelectorAll(
    'button, input:not([type=file]), select, textarea, label.file-button, canvas[tabindex]'))
  .filter(el => !el.closest('[hidden]') && el.getClientRects().length > 0)
  .map(el => { const r = el.getBoundingClientRect();
               return {id: el.id || el.textContent.trim(), left: r.left, right: r.right,
                       width: r.width, height: r.height}; })"""


@pytest.fixture
def phone(browser):
    """A page in a fresh phone context (touch, mobile viewport, 3x pixels), watched as usual."""
    context = browser.new_context(
        viewport=PHONE, has_touch=True, is_mobile=True, device_scale_factor=3
    )
    watch = PageWatch()
    context.on("request", watch.on_request)
    page = context.new_page()
    watch.attach(page)
    yield page
    context.close()
    assert not watch.problems(), "\n".join(watch.problems())


def swipe(page, points: list[tuple[float, float]]) -> None:
    """One finger down at the first point, through the others, then up (viewport px)."""
    cdp = page.context.new_cdp_session(page)
    send = cdp.send
    x, y = points[0]
    send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [{"x": x, "y": y}]})
    for x, y in points[1:]:
        send("Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": [{"x": x, "y": y}]})
    send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
    cdp.detach()


def vertical(x: float, top: float, bottom: float, steps: int = 30) -> list[tuple[float, float]]:
    """A finger dragged up the screen from ``bottom`` to ``top`` (what scrolls a page down)."""
    return [(x, bottom + (top - bottom) * k / steps) for k in range(steps + 1)]


def open_phone(page, url) -> dict:
    page.goto(url)
    wait_ready(page)
    assert page.evaluate("document.documentElement.scrollHeight") > PHONE["height"] * 1.5
    page.evaluate("window.scrollTo(0, 0)")
    box = page.locator("#stage").bounding_box()
    assert box["y"] + box["height"] < PHONE["height"], "the canvas is not on the first screen"
    return box


def mean_distance(model: dict, points: list[tuple[float, float]], box: dict) -> float:
    """Mean distance (CSS px) from each finger position to where ``model`` puts the circle for
    it, computed here with the core in CPython (canvas <-> network as the page maps them)."""
    w, h = box["width"], box["height"]
    fingers = np.array([(x - box["x"], y - box["y"]) for x, y in points])  # (N, 2) canvas px
    guesses = Network.from_export(model).predict(from_pixels(fingers, w, h))  # (N, 2)
    return float(np.mean(np.linalg.norm(to_pixels(guesses, w, h) - fingers, axis=1)))


def test_drawing_on_the_canvas_trains_toward_the_finger_and_never_scrolls(phone, base_url_app):
    """1. A long vertical drag and a zig-zag on the canvas: each move trains, the target ends
    where the finger left, the page stays where it is.
    2. One lap of a finger round the canvas (30 touch moves, a second or so); replay goes on
    learning the touched positions for a few seconds. Then, all along the lap, the circle is
    near the finger: the mean distance, computed in CPython from the exported weights, is under
    a tenth of the canvas width and under half the fresh network's. Still no scroll.
    3. The control: the same vertical swipe below the canvas does scroll the page, so touch
    emulation scrolls and the checks above can fail."""
    page = phone
    box = open_phone(page, base_url_app)
    fresh = model(page)
    before = read_stage(page)["iterations"]
    cx = box["x"] + box["width"] / 2
    swipe(page, vertical(cx, box["y"] + 5, box["y"] + box["height"] - 5))
    zigzag = [
        (box["x"] + box["width"] * (0.1 + 0.8 * (k % 2)), box["y"] + box["height"] * (0.9 - k / 25))
        for k in range(21)
    ]
    swipe(page, zigzag)
    page.wait_for_function(f"document.getElementById('stage').dataset.iterations >= {before + 40}")
    assert page.evaluate(SCROLL_Y) == 0
    after = read_stage(page)
    last_x, last_y = zigzag[-1]
    assert abs(after["tx"] - (last_x - box["x"])) < 3 and abs(after["ty"] - (last_y - box["y"])) < 3

    lap = [
        (
            box["x"] + box["width"] * (0.5 + 0.4 * math.cos(2 * math.pi * k / 30)),
            box["y"] + box["height"] * (0.5 + 0.4 * math.sin(2 * math.pi * k / 30)),
        )
        for k in range(31)
    ]
    start = read_stage(page)["iterations"]
    swipe(page, lap)
    # Until replay has brought the circle to the finger's last position (a hang guard: it
    # replays for 5 s after the last move, and then the circle stays where it is).
    page.wait_for_function(
        f"""() => {{
          const d = document.getElementById('stage').dataset;
          return +d.iterations >= {start + 30}
            && Math.hypot(d.targetX - d.circleX, d.targetY - d.circleY) < {box["width"] / 20};
        }}""",
        timeout=30_000,
    )
    trained = model(page)
    away, near = mean_distance(fresh, lap, box), mean_distance(trained, lap, box)
    assert near < box["width"] / 10 and near < away / 2, (away, near)
    assert page.evaluate(SCROLL_Y) == 0

    below = box["y"] + box["height"] + 20
    swipe(page, vertical(20, below, PHONE["height"] - 10))
    page.wait_for_function(f"{SCROLL_Y} > 0", timeout=10_000)


def test_every_control_fits_the_width_and_answers_a_tap(phone, base_url_app):
    page = phone
    open_phone(page, base_url_app)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    outside = [
        c
        for c in page.evaluate(CONTROLS)
        if c["left"] < 0 or c["right"] > PHONE["width"] or c["width"] < 16 or c["height"] < 16
    ]
    assert not outside, f"controls off screen or too small to tap: {outside}"
    page.tap("#pause")
    assert page.get_attribute("#pause", "aria-pressed") == "true"
    page.tap("#pause")
    page.tap("#backprop")
    assert not page.is_checked("#backprop")
    page.tap('button.preset[data-layers="2-6-2"]')
    page.wait_for_function("document.getElementById('network').dataset.layers === '2-6-2'")
    page.tap("#pretrain-start")
    page.wait_for_selector(
        "#pretrain[data-last-run], #alert:not([hidden])", state="attached", timeout=120_000
    )
    assert page.evaluate("document.getElementById('pretrain').dataset.lastRun || ''")
