"""nnpage: the page's glue, thin and separate from the ``nn`` core.

It translates browser events and worker messages into calls on ``nn``, and draws what the core
computes. Pure modules import no browser module and are tested under CPython: ``settings``,
``linkstate``, ``presets``, ``paths`` (strongest paths), ``trainer`` (the live learning loop),
``stepper`` (one step recorded and explained), ``maps`` (neuron maps) and ``pace``.
The others (``app``, ``stage``, ``controls``, ``netview``, ``plot``, ``pretrain``, ...) need
PyScript. ``main.py`` is the page's entry script and ``worker.py`` the pre-training worker's; both
are fetched by URL, the rest arrives in ``static/python.zip`` (``tools/pyzip.py``).

>>> from nnpage.settings import Settings
>>> Settings().layers_text
'2-6-6-6-2'
"""
