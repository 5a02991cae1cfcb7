"""Accessibility: an axe-core audit (self-hosted: the axe script bundled by the
``axe-playwright-python`` test dependency, injected into the page) finds no violation in every
state a learner meets; every control is reachable with Tab and shows where the focus is; the
canvas has a text alternative saying where the target and the circle are, updated politely.
"""

from __future__ import annotations

import json

import pytest
from axe_playwright_python.sync_playwright import Axe

from .conftest import wait_ready
from .helpers import alert_text, move_pointer, wait_worker

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 1000}
# Everything a keyboard user must be able to reach (visible and enabled), in document order.
CONTROLS = """() => Array.from(document.querySelectorAll(
    'a[href], button, input, select, textarea, summary, [tabindex]:not([tabindex="-1"])'))
  .filter(el => !el.disabled && !el.closest('[hidden]') && el.getClientRects().length > 0
                && getComputedStyle(el).visibility !== 'hidden')
  .map(el => el.id || el.textContent.trim() || el.outerHTML.slice(0, 60))"""
# What the focused element looks like: a focus ring is a box-shadow or an outline.
FOCUS_LOOK = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const style = getComputedStyle(el);
  // A visually hidden file input shows its focus on its <label class="file-button">.
  const shown = el.type === 'file' ? document.querySelector(`label[for="${el.id}"]`) : el;
  const look = getComputedStyle(shown);
  return {id: el.id || el.textContent.trim() || el.outerHTML.slice(0, 60),
          ring: (look.boxShadow !== 'none' && look.boxShadow !== '')
                || (look.outlineStyle !== 'none' && parseFloat(look.outlineWidth) >= 2),
          visible: shown.getClientRects().length > 0, display: style.display};
}"""


def audit(page, where: str) -> None:
    """Fail with axe's own description of every violation found on the page as it is now."""
    results = Axe().run(page)
    problems = [
        f"{v['id']} ({v['impact']}): {v['help']} at "
        + ", ".join(json.dumps(n["target"]) for n in v["nodes"][:5])
        for v in results.response["violations"]
    ]
    assert not problems, f"axe violations {where}:\n" + "\n".join(problems)


def open_page(page, url, viewport=DESKTOP) -> None:
    page.set_viewport_size(viewport)
    page.goto(url)
    wait_ready(page)


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_no_violations_when_ready(app_page, base_url_app, viewport):
    open_page(app_page, base_url_app, viewport)
    move_pointer(app_page, 0, 30)
    audit(app_page, f"when ready at {viewport}")


def test_no_violations_while_pre_training_runs(app_page, base_url_app):
    page = app_page
    open_page(page, base_url_app)
    wait_worker(page)
    page.select_option("#pretrain-method", "live")
    page.fill("#epochs", "100000")
    page.fill("#target-error", "")
    page.click("#pretrain-start")
    page.wait_for_function("document.getElementById('progress').value > 0", timeout=120_000)
    assert page.evaluate("document.body.dataset.state") == "training"
    audit(page, "while pre-training (controls locked, progress moving)")
    page.click("#pretrain-cancel")
    page.wait_for_selector("body[data-state=ready]", state="attached")


def test_no_violations_with_an_alert_shown(app_page, base_url_app):
    page = app_page
    open_page(page, base_url_app)
    page.fill("#layers", "2-0-2")
    page.press("#layers", "Enter")
    assert "'2-0-2'" in alert_text(page)  # the alert names the value
    assert page.get_attribute("#layers", "aria-invalid") == "true"
    audit(page, "with an alert and an invalid field")


def test_no_violations_with_every_panel_open(app_page, base_url_app):
    """Every disclosure open, the network view's tooltip shown, a preset's note shown, the offline
    status written."""
    page = app_page
    open_page(page, base_url_app)
    page.evaluate("document.querySelectorAll('details').forEach(d => { d.open = true; })")
    options = page.evaluate(
        "Array.from(document.querySelectorAll('#preset option')).map(o => o.value).filter(v => v)"
    )
    assert options, "no experiment presets to choose from"
    page.select_option("#preset", options[0])
    page.wait_for_function("!document.getElementById('preset-note').hidden")
    page.focus("#network-canvas")
    page.keyboard.press("ArrowRight")
    page.wait_for_function("!document.getElementById('network-tip').hidden")
    page.wait_for_function("document.getElementById('offline-status').textContent !== ''")
    audit(page, "with every panel open")


def test_every_control_is_reachable_by_tab_with_a_visible_focus(app_page, base_url_app):
    page = app_page
    open_page(page, base_url_app)
    wanted = page.evaluate(CONTROLS)
    assert "stage" in wanted and "pretrain-start" in wanted and "model-import" in wanted
    page.evaluate("document.activeElement && document.activeElement.blur()")
    reached: list[str] = []
    unringed: list[str] = []
    for _ in range(3 * len(wanted) + 10):
        page.keyboard.press("Tab")
        look = page.evaluate(FOCUS_LOOK)
        if look is None:
            continue
        if reached and look["id"] == reached[0]:
            break  # round the page once
        reached.append(look["id"])
        if not look["ring"]:
            unringed.append(look["id"])
    missing = [c for c in wanted if c not in reached]
    assert not missing, f"not reachable with Tab: {missing}"
    assert not unringed, f"focused without a visible focus ring: {unringed}"


def test_canvas_says_where_the_target_and_circle_are_at_most_once_a_second(app_page, base_url_app):
    page = app_page
    open_page(page, base_url_app)
    where = page.locator("#stage-where")
    assert where.get_attribute("aria-live") == "polite"
    assert "stage-where" in page.get_attribute("#stage", "aria-describedby").split()
    # Count the region's changes while the pointer moves every frame for a few seconds.
    page.evaluate(
        """() => { window.__whereWrites = [];
          new MutationObserver(() => window.__whereWrites.push(performance.now()))
            .observe(document.getElementById('stage-where'),
                     {childList: true, characterData: true, subtree: true}); }"""
    )
    start = page.evaluate("performance.now()")
    for k in range(6):
        move_pointer(page, k * 60, 60, batch=1)  # one move per animation frame
    elapsed = page.evaluate("performance.now()") - start
    writes = page.evaluate("window.__whereWrites")
    frames = 6 * 60
    assert 1 <= len(writes) <= elapsed / 1000 + 2, (len(writes), elapsed)
    assert len(writes) < frames / 10
    # The words match the canvas: the target's place as the test contract's data-* give it.
    page.locator("#stage").focus()
    for _ in range(12):  # Shift+arrow: 10% of the canvas a step, so the corner for sure
        page.keyboard.press("Shift+ArrowLeft")
        page.keyboard.press("Shift+ArrowUp")
    page.wait_for_function(
        "document.getElementById('stage-where').textContent.startsWith('Target top left')",
        timeout=10_000,
    )
    text = where.text_content()
    assert "circle" in text and ("pixels from the target" in text or "on the target" in text)
