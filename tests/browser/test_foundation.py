"""The self-hosted runtime in a real browser, from the dev server and from a ``make site`` build
served by plain ``python -m http.server``: it loads from this origin only, under the page's
Content Security Policy, and the app learns from moves and pre-trains in its worker.

The CSP is a ``<meta http-equiv>`` first in ``<head>``: it refuses scripts injected into the
page, while the app, its pre-training worker and the ``make site`` build work under it.
"""

from __future__ import annotations

import pytest

from .helpers import (
    alert_text,
    model,
    move_pointer,
    open_with_worker,
    pretrain_generated,
    read_stage,
)

# Allowed sources: this origin, plus what Pyodide and PyScript need (see index.html's comment).
FOREIGN = "http://localhost:9/evil.js"  # not this page's origin (host and port differ)
CSP_SOURCES = {"'self'", "'none'", "'unsafe-eval'", "'wasm-unsafe-eval'", "blob:"}
# The refusals the injections below must each cause: (effective directive, blocked URI).
REFUSALS = [
    "script-src-elem inline",
    "script-src-attr inline",
    "script-src-elem data",
    f"script-src-elem {FOREIGN}",
]

# Inject four scripts, then resolve once the browser has reported every expected refusal (the
# 10 s timer is only a hang guard: the assertions then name the refusal that never came).
INJECT = """([foreign, expected]) => new Promise(resolve => {
  const seen = [];
  const done = () => resolve({seen, inline: window.__inline === true,
                              data: window.__data === true, handler: window.__handler === true});
  document.addEventListener('securitypolicyviolation', e => {
    seen.push(e.effectiveDirective + ' ' + e.blockedURI);
    if (expected.every(x => seen.some(s => s.startsWith(x)))) done();
  });
  const add = (src, text) => {
    const s = document.createElement('script');
    if (src) s.src = src; else s.textContent = text;
    document.body.append(s);
  };
  add(null, 'window.__inline = true');
  add('data:text/javascript,window.__data = true');
  add(foreign);
  const button = document.createElement('button');
  button.setAttribute('onclick', 'window.__handler = true');
  document.body.append(button);
  button.click();
  setTimeout(done, 10000);
})"""


@pytest.mark.parametrize("server", ["base_url_app", "site_url"])
def test_the_app_loads_learns_and_pretrains_under_its_csp(app_page, watch, request, server):
    """The page loads PyScript, Pyodide and numpy 2.0.2 from static/vendor/ on its own origin
    (no request anywhere else) and signals ready. The first element of <head> is the CSP <meta>;
    its sources are this origin plus the few keywords Pyodide and PyScript need (no
    'unsafe-inline', no other host). Under it, an inline script, a data: script, a script from
    another origin (never even fetched) and an inline onclick handler injected by the test are
    all refused (each fires securitypolicyviolation, none runs), while the app learns from
    pointer moves and its worker pre-trains."""
    page = app_page
    url = request.getfixturevalue(server)
    watch.allow_console_error("Content Security Policy")  # the refusals, logged by the browser
    open_with_worker(page, url)
    assert page.evaluate("document.body.dataset.numpy") == "2.0.2"
    vendored = [u for u in watch.requests if "/static/vendor/" in u]
    assert any(u.endswith("pyodide.asm.wasm") for u in vendored)
    assert any(u.endswith("numpy-2.0.2-cp312-cp312-pyodide_2024_0_wasm32.whl") for u in vendored)
    assert all(u.startswith(url) for u in watch.requests if u.startswith("http")), [
        u for u in watch.requests if u.startswith("http") and not u.startswith(url)
    ]

    tag, equiv, policy = page.evaluate(
        "() => { const m = document.head.firstElementChild;"
        " return [m.tagName, m.httpEquiv, m.content]; }"
    )
    assert (tag, equiv) == ("META", "Content-Security-Policy")
    directives = {
        name: sources
        for name, *sources in (part.split() for part in policy.split(";") if part.strip())
    }
    assert directives["default-src"] == ["'self'"] and directives["object-src"] == ["'none'"]
    used = {source for sources in directives.values() for source in sources}
    assert used <= CSP_SOURCES, f"unexpected sources: {used - CSP_SOURCES}"

    fetched = []  # another origin (the watch allows loopback hosts, so it can be served here)

    def serve_foreign(route) -> None:
        fetched.append(route.request.url)
        route.fulfill(status=200, body="window.__foreign = true", content_type="text/javascript")

    page.route(FOREIGN, serve_foreign)
    result = page.evaluate(INJECT, [FOREIGN, REFUSALS])
    print(f"\nCSP violations: {result['seen']}")
    assert not (result["inline"] or result["data"] or result["handler"]), result
    for refusal in REFUSALS:
        assert any(seen.startswith(refusal) for seen in result["seen"]), refusal
    assert not fetched and not page.evaluate("window.__foreign === true")

    start = read_stage(page)["iterations"]
    assert move_pointer(page, 0, 100)["iterations"] >= start + 100
    before = model(page)
    assert pretrain_generated(page)["reached_target"]
    assert model(page)["weights"] != before["weights"]
    assert page.evaluate("document.body.dataset.state") == "ready" and alert_text(page) == ""
