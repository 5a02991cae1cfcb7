"""The benchmark suite of nn: ``python -m bench`` (or ``make bench``); see ``bench/__main__.py``.

Modules: ``baseline`` (the straightforward implementation every speed-up is measured against),
``cpython`` (core throughput and time to accuracy, pure, also run inside Pyodide), ``browser``
(Playwright + Chromium: load times, the core inside Pyodide, the app's per-event cost, frame gaps
and heap), ``report`` (targets and the table).
"""
