"""Long-session soak: one page, 100,000 pointer moves and 20 pre-training runs.

Opt-in (a few minutes): ``.venv/bin/python -m pytest tests/browser/test_soak.py -m soak -s``.
The figures (duration, moves per second, wasm heap before/after each round) are printed; the
test asserts no console or page error (the ``app_page`` watch), every run succeeding, every move
counted, and bounded wasm heap growth once the first round has warmed everything up.
"""

from __future__ import annotations

import pytest

from .helpers import model, move_pointer, open_with_worker, pretrain_generated, read_stage

ROUNDS = 20
MOVES_PER_ROUND = 5_000  # 20 x 5,000 = 100,000 pointer moves
BATCH = 2_500  # moves dispatched between two animation frames
# The wasm heap only grows (in 64 KiB pages). After the warm-up round, allow 16 MiB more for
# allocator slack; a leak of even 200 bytes per move would need 19 MiB over the 95,000 moves left.
HEAP_SLACK = 16 * 2**20

HEAP = "nnStats.wasm.HEAP8.length"
JS_HEAP = "performance.memory ? performance.memory.usedJSHeapSize : 0"


@pytest.mark.soak
def test_long_session_stays_clean_and_bounded(app_page, base_url_app):
    """100,000 pointer moves and 20 pre-training runs (fast and per-sample in turn) in one page:
    every move is handled, every run imports its result, nothing is logged as an error, the page
    ends ready without an alert, and the wasm heap grows by at most 16 MiB after the first round."""
    page = app_page
    open_with_worker(page, base_url_app)
    events0 = page.evaluate("nnStats.events")
    heap = [page.evaluate(HEAP)]
    js_heap = [page.evaluate(JS_HEAP)]
    for k in range(ROUNDS):
        move_pointer(page, k * MOVES_PER_ROUND, MOVES_PER_ROUND, BATCH)
        before = model(page)
        summary = pretrain_generated(page, method="fast" if k % 2 == 0 else "live", epochs=50)
        assert summary["epochs_done"] >= 1 and not summary["diverged"], summary
        assert model(page)["weights"] != before["weights"]
        heap.append(page.evaluate(HEAP))
        js_heap.append(page.evaluate(JS_HEAP))
    moves = page.evaluate("nnStats.events") - events0
    mib = [h / 2**20 for h in heap]
    print(
        f"\nsoak: {moves:,} pointer moves and {ROUNDS} pre-training runs; "
        f"{read_stage(page)['iterations']:,} iterations on the live network"
    )
    print(
        f"wasm heap: {mib[0]:.1f} MiB before, {mib[1]:.1f} MiB after round 1, "
        f"{mib[-1]:.1f} MiB after round {ROUNDS}; per round: " + ", ".join(f"{m:.0f}" for m in mib)
    )
    if js_heap[0]:
        print(
            f"JS heap used: {js_heap[0] / 2**20:.1f} MiB before, "
            f"{js_heap[-1] / 2**20:.1f} MiB after"
        )
    assert moves == ROUNDS * MOVES_PER_ROUND
    assert heap[-1] - heap[1] <= HEAP_SLACK
    assert page.evaluate("document.body.dataset.state") == "ready"
    assert page.is_hidden("#alert")
