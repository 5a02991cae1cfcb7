"""Phones: at 390 x 844 with a touch screen (a mobile, touch context), a finger drawing on the
canvas trains the network and never scrolls the page, while the same swipe elsewhere does; every
control fits the width and answers a tap.

Touches are real input events (Chrome DevTools ``Input.dispatchTouchEvent``), so the browser's
own gesture handling, ``touch-action`` included, decides whether the page scrolls.
"""

from __future__ import annotations

import math

import pytest

from .conftest import PageWatch, wait_ready
from .helpers import read_stage

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
    page.on("console", watch.on_console)
    page.on("pageerror", lambda exc: watch.page_errors.append(str(exc)))
    page.on("worker", lambda worker: worker.on("console", watch.on_console))
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


def test_drawing_on_the_canvas_trains_and_never_scrolls(phone, base_url_app):
    page = phone
    box = open_phone(page, base_url_app)
    before = read_stage(page)["iterations"]
    # A long vertical drag and a zig-zag inside the canvas: the page stays where it is.
    cx = box["x"] + box["width"] / 2
    swipe(page, vertical(cx, box["y"] + 5, box["y"] + box["height"] - 5))
    zigzag = [
        (box["x"] + box["width"] * (0.1 + 0.8 * (k % 2)), box["y"] + box["height"] * (0.9 - k / 25))
        for k in range(21)
    ]
    swipe(page, zigzag)
    page.wait_for_function("document.getElementById('stage').dataset.iterations > 0")
    assert page.evaluate(SCROLL_Y) == 0
    after = read_stage(page)
    assert after["iterations"] >= before + 40, (before, after)
    # The target is where the finger left the canvas.
    last_x, last_y = zigzag[-1]
    assert abs(after["tx"] - (last_x - box["x"])) < 3 and abs(after["ty"] - (last_y - box["y"])) < 3


def test_the_same_swipe_off_the_canvas_scrolls_the_page(phone, base_url_app):
    """The control case: touch emulation does scroll, so the test above can fail."""
    page = phone
    box = open_phone(page, base_url_app)
    below = box["y"] + box["height"] + 20
    swipe(page, vertical(20, below, PHONE["height"] - 10))
    page.wait_for_function(f"{SCROLL_Y} > 0", timeout=10_000)


def test_a_touch_path_trains_the_network_toward_the_finger(phone, base_url_app):
    page = phone
    box = open_phone(page, base_url_app)

    # Laps with the finger along a smooth path: the network learns to follow it.
    def ring(k0: int) -> list[tuple[float, float]]:
        return [
            (
                box["x"] + box["width"] * (0.5 + 0.4 * math.cos(k / 12)),
                box["y"] + box["height"] * (0.5 + 0.4 * math.sin(1.3 * k / 12)),
            )
            for k in range(k0, k0 + 150)
        ]

    first = read_stage(page)
    for lap in range(8):
        swipe(page, ring(lap * 150))
    page.wait_for_function("document.getElementById('stage').dataset.iterations > 1000")
    last = read_stage(page)
    assert last["iterations"] > first["iterations"] + 1000
    assert last["error"] and float(last["error"]) < 0.05, last
    assert page.evaluate(SCROLL_Y) == 0


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
