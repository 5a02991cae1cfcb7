"""nnpage: the page's glue, thin and separate from the ``nn`` core.

It translates browser events and worker messages into calls on ``nn``, and draws what the core
computes. Pure modules import no browser module and are tested under CPython: ``settings``,
``linkstate``, ``presets``, ``paths`` (strongest paths), ``trainer`` (the live learning loop),
``stepper`` (one step recorded and explained), ``maps`` (neuron maps) and ``pace``.
The others (``app``, ``stage``, ``controls``, ``netview``, ``plot``, ``pretrain``, ...) need the
browser (Pyodide's ``js`` module). ``main.py`` is the page's entry script, imported by
``static/boot.js`` from ``static/python.zip`` (``tools/pyzip.py``), which holds both packages;
``worker.py`` and ``evolve_worker.py`` start the PyScript workers and are fetched by URL.

>>> from nnpage.settings import Settings
>>> Settings().layers_text
'2-6-6-6-2'
"""
