"""CPython tests of the page's pure glue modules (static/app/*.py without browser imports).

The page imports those modules by bare name (``from settings import Settings``), as Pyodide
finds them at its file-system root; here ``static/app`` goes on ``sys.path`` for the same names.
"""

from __future__ import annotations

import sys
from pathlib import Path

APP = Path(__file__).resolve().parents[2] / "static" / "app"
if str(APP) not in sys.path:
    sys.path.insert(0, str(APP))
