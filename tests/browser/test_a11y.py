"""Accessibility: an axe-core audit (self-hosted: the axe script bundled by the
``axe-playwright-python`` test dependency, injected into the page) finds no violation in every
state a learner meets (ready on a desktop and on a phone, pre-training, an alert, every panel
open, Anticipate, step mode with the weight-edit form, Evolve's results, a dead interpreter);
in each of those states every control is reachable with Tab and shows where the focus is; the
canvas has a text alternative saying where the target and the circle are, updated politely.
"""

from __future__ import annotations

import itertools
import json

from axe_playwright_python.sync_playwright import Axe

from .conftest import wait_ready
from .helpers import (
    DRAW_CIRCLE,
    NEXT_FRAME,
    alert_text,
    forgive,
    hooked_main,
    move_pointer,
    wait_worker,
)

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


def tab_round(page, where: str) -> list[str]:
    """Tab once round the page: every visible, enabled control is reached and shows a focus
    ring (fails naming those that are not); returns the controls in the order reached."""
    wanted = page.evaluate(CONTROLS)
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
    assert not missing, f"not reachable with Tab {where}: {missing}"
    assert not unringed, f"focused without a visible focus ring {where}: {unringed}"
    return reached


def test_no_violations_and_every_control_reached_by_tab_when_ready(app_page, base_url_app):
    """Ready on a desktop: axe finds nothing and Tab reaches every control with a visible
    focus; then the same page at a phone's size (390 x 844): axe finds nothing."""
    page = app_page
    open_page(page, base_url_app)
    move_pointer(page, 0, 30)
    audit(page, f"when ready at {DESKTOP}")
    reached = tab_round(page, "when ready")
    assert {"stage", "pretrain-start", "model-import", "mode", "step"} <= set(reached)
    page.set_viewport_size(PHONE)
    page.wait_for_function(f"window.innerWidth === {PHONE['width']}")
    page.evaluate(NEXT_FRAME)  # the canvases have redrawn at the new size
    audit(page, f"when ready at {PHONE}")


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


def test_no_violations_with_an_alert_and_with_every_panel_open(app_page, base_url_app):
    """An alert naming an invalid field; then, the field put right, every disclosure open, the
    network view's tooltip shown, a preset's note shown, the offline status written."""
    page = app_page
    open_page(page, base_url_app)
    page.fill("#layers", "2-0-2")
    page.press("#layers", "Enter")
    assert "'2-0-2'" in alert_text(page)  # the alert names the value
    assert page.get_attribute("#layers", "aria-invalid") == "true"
    audit(page, "with an alert and an invalid field")
    page.fill("#layers", "2-6-2")
    page.press("#layers", "Enter")
    page.wait_for_function("!document.getElementById('layers').hasAttribute('aria-invalid')")
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


def test_anticipate_step_mode_evolve_results_and_a_dead_interpreter(app_page, base_url_app, watch):
    """One page through four states, each audited by axe, and Tab reaching every control it
    shows with a visible focus: Anticipate after some drawing; step mode with every stage shown
    and the weight-edit form open; the Evolve panel with a tiny search's results and its chart
    tooltip; then a real fatal interpreter error (the error state, audit only)."""
    page = app_page
    for part in ("fatal error", "Maximum call stack", "Stack (most recent", "Recursive call"):
        watch.allow_console_error(part)
    watch.allow_console_error("Another error")
    hooked_main(page)
    open_page(page, base_url_app)

    page.select_option("#mode", "anticipate")
    page.evaluate(DRAW_CIRCLE, [90])
    page.wait_for_function("document.getElementById('stage').dataset.leadError !== ''")
    audit(page, "in Anticipate")
    reached = tab_round(page, "in Anticipate")
    assert {"horizon", "let-go", "moves-reset"} <= set(reached)
    page.select_option("#mode", "follow")

    page.click("#step")
    page.click("#step-all")
    page.wait_for_selector("#step-update:not([hidden])", state="visible")
    page.locator("#network-canvas").focus()
    page.keyboard.press("ArrowRight")  # hidden layer 1, neuron 1
    page.keyboard.press("c")  # its first outgoing connection
    page.keyboard.press("Enter")  # the weight-edit form
    page.wait_for_selector("#edit-form", state="visible")
    audit(page, "in step mode with every stage shown and the weight-edit form open")
    reached = tab_round(page, "in step mode with the weight-edit form open")
    assert {"step-leave", "edit-value", "edit-cancel"} <= set(reached)
    page.locator("#edit-value").focus()
    page.keyboard.press("Escape")
    page.click("#step-leave")

    page.fill("#dataset-size", "100")
    page.fill("#evolve-population", "2")
    page.fill("#evolve-generations", "1")
    page.fill("#evolve-budget", "100")
    page.click("#evolve-start")
    page.wait_for_function(
        "['done', 'error'].includes(document.getElementById('evolve').dataset.state)",
        timeout=240_000,
    )
    assert page.get_attribute("#evolve", "data-state") == "done", alert_text(page)
    page.locator("#evolve-scatter").focus()
    page.keyboard.press("ArrowRight")
    page.wait_for_selector("#evolve-tip", state="visible")
    audit(page, "with the Evolve panel's results and its chart's tooltip")
    reached = tab_round(page, "with the Evolve panel's results")
    assert "evolve-use" in reached

    page.evaluate("() => { try { window.nnTestFatal(); } catch (e) { return String(e); } }")
    page.wait_for_selector("body[data-state=error]", state="attached", timeout=30_000)
    assert "The Python interpreter crashed" in alert_text(page)
    audit(page, "after a fatal interpreter error")
    page.goto("about:blank")
    forgive(watch)


def test_canvas_says_where_the_target_and_circle_are_at_most_once_a_second(app_page, base_url_app):
    page = app_page
    open_page(page, base_url_app)
    where = page.locator("#stage-where")
    assert where.get_attribute("aria-live") == "polite"
    assert "stage-where" in page.get_attribute("#stage", "aria-describedby").split()
    # Record each change of the region with the time of the animation frame that wrote it
    # (document.timeline's, the timestamp the page's frame loop gets), while the pointer moves.
    page.evaluate(
        """() => { window.__whereWrites = [];
          new MutationObserver(() => window.__whereWrites.push(document.timeline.currentTime))
            .observe(document.getElementById('stage-where'),
                     {childList: true, characterData: true, subtree: true}); }"""
    )
    # 120 frames, each with a move: a region written per frame would change 120 times. Written at
    # most once a second, any two changes are a second of frames apart, however slow the machine.
    move_pointer(page, 0, 120, batch=1)  # one move per animation frame
    writes = page.evaluate("window.__whereWrites")
    assert 1 <= len(writes) < 120 / 10, writes
    gaps = [later - earlier for earlier, later in itertools.pairwise(writes)]
    assert all(gap >= 1000 for gap in gaps), gaps
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
