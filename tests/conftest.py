"""Settings for the whole suite.

Hypothesis runs without its per-example deadline: a deadline is a timing assertion, and on a busy
machine (CI shares two cores) it fails tests whose behaviour is right. Durations live in bench/.
"""

from __future__ import annotations

from hypothesis import settings

settings.register_profile("nn", deadline=None)
settings.load_profile("nn")
