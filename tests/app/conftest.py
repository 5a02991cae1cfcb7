"""CPython tests of the page's pure glue modules (``nnpage`` modules without browser imports).

``nnpage`` is a package at the repository root, so the tests import it by name
(``from nnpage.settings import Settings``), as the page does.
"""
