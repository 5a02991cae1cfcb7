"""The self-hosted runtime loads in a real browser, from the dev server and from a static build."""

from __future__ import annotations

from .conftest import wait_ready


def _load(page, url):
    page.goto(url)
    wait_ready(page)


def test_page_reaches_ready_with_numpy_from_vendor(app_page, watch, base_url_app):
    """The page loads PyScript, Pyodide and numpy 2.0.2 from static/vendor/ and signals ready."""
    _load(app_page, base_url_app)
    assert app_page.evaluate("document.body.dataset.numpy") == "2.0.2"
    vendored = [u for u in watch.requests if "/static/vendor/" in u]
    assert any(u.endswith("pyodide.asm.wasm") for u in vendored)
    assert any(u.endswith("numpy-2.0.2-cp312-cp312-pyodide_2024_0_wasm32.whl") for u in vendored)


def test_static_site_build_reaches_ready(app_page, watch, site_url):
    """`make site` output works from plain `python -m http.server` with no special headers."""
    _load(app_page, site_url)
    assert app_page.evaluate("document.body.dataset.numpy") == "2.0.2"
    assert all(u.startswith(site_url) for u in watch.requests if u.startswith("http"))
