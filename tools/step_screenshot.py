"""Take the README's screenshot of step mode (``docs/step-mode.png``) with headless Chromium.

Serves the repository, loads the worked example, runs one Step, walks to the Update stage,
selects Mazur's w5 (hidden neuron 1 -> output x') with the keyboard so its rule is written out,
and captures the network panel.

Usage::

    python -m tools.step_screenshot            # writes docs/step-mode.png
    python -m tools.step_screenshot out.png
"""

from __future__ import annotations

import sys
import threading
from pathlib import Path

from playwright.sync_api import sync_playwright

from tools import browser, serve

ROOT = Path(__file__).resolve().parents[1]


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    out = Path(args[0]) if args else ROOT / "docs" / "step-mode.png"
    server = serve.make_server(ROOT, "127.0.0.1", 0, quiet=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with sync_playwright() as p:
            chromium = p.chromium.launch(
                executable_path=browser.ensure_chromium(), args=browser.LAUNCH_ARGS
            )
            page = chromium.new_page(viewport={"width": 1280, "height": 1400})
            page.goto(f"http://127.0.0.1:{server.server_port}/")
            page.wait_for_function("document.body.dataset.state === 'ready'", timeout=120_000)
            page.select_option("#preset", "worked-example")
            page.wait_for_selector("#network[data-layers='2-2-2']", state="attached")
            page.click("#step")
            for _ in range(3):  # Forward -> Error -> Backward -> Update, on "Next stage"
                page.keyboard.press("Enter")
            page.locator("#network-canvas").focus()
            page.keyboard.press("ArrowRight")  # hidden neuron h1 ...
            page.keyboard.press("c")  # ... and its connection to x' (Mazur's w5)
            page.wait_for_function(
                "document.getElementById('step-rule').textContent.startsWith('Weight h1.1')"
            )
            page.locator(".network-panel").screenshot(path=str(out))
            chromium.close()
    finally:
        server.shutdown()
        server.server_close()
    print(out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
