"""The canvas in words (nnpage/describe.py): places, percentages, distance, and the throttle."""

from __future__ import annotations

import pytest

from nnpage.describe import StageText, describe, place


@pytest.mark.parametrize(
    ("x", "y", "words"),
    [
        (10, 10, "top left"),
        (300, 10, "top"),
        (590, 10, "top right"),
        (10, 200, "middle left"),
        (300, 200, "centre"),
        (590, 200, "middle right"),
        (10, 390, "bottom left"),
        (300, 390, "bottom"),
        (599.9, 399.9, "bottom right"),
        (600, 400, "bottom right"),  # the far edge belongs to the last third
        (-5, 500, "bottom left"),  # outside the canvas: the nearest ninth
    ],
)
def test_place_names_the_ninth_of_the_canvas(x, y, words):
    assert place(x, y, 600, 400) == words


def test_place_of_an_empty_canvas_is_the_centre():
    assert place(3, 4, 0, 0) == "centre"


def test_describe_gives_both_points_and_their_distance():
    text = describe((450, 100), (150, 300), 600, 400)
    assert text == (
        "Target top right (75% across, 25% down); circle bottom left (25% across, 75% down), "
        "361 pixels from the target."
    )


def test_describe_says_when_the_circle_is_on_the_target():
    assert describe((300, 200), (303, 204), 600, 400).endswith(
        "circle centre (50% across, 51% down), on the target."
    )


class Element:
    def __init__(self):
        self.textContent = ""
        self.writes = 0

    def __setattr__(self, name, value):
        if name == "textContent" and hasattr(self, "writes"):
            self.writes += 1
        super().__setattr__(name, value)


def test_stage_text_writes_at_most_once_per_interval_and_only_changes():
    element = Element()
    text = StageText(element, interval_ms=1000)
    assert text.update(0, (10, 10), (500, 300), 600, 400)
    first = element.textContent
    assert "Target top left" in first
    # Every frame of the next second: no write, even though the circle moved.
    for frame in range(1, 60):
        assert not text.due(frame * 16)
        assert not text.update(frame * 16, (10, 10), (400 - frame, 300), 600, 400)
    assert element.writes == 1
    assert text.update(1000, (10, 10), (300, 200), 600, 400)
    assert element.textContent != first and element.writes == 2
    # The same words a second later: nothing is written (a screen reader hears nothing new).
    assert not text.update(2000, (10, 10), (300, 200), 600, 400)
    assert element.writes == 2
