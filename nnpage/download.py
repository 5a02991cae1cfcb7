"""Save text as a file from the page: a Blob behind a temporary ``<a download>`` link.

Usage::

    from nnpage.download import download
    download(json_text, "nn-model-2-6-6-6-2.json")
"""

from __future__ import annotations

from js import document, window
from pyodide.ffi import create_once_callable, to_js

__all__ = ["download"]

# The browser reads the blob after the click handler returns, so the URL is revoked later.
REVOKE_AFTER_MS = 10_000


def download(text: str, filename: str, mime: str = "application/json") -> None:
    """Offer ``text`` to the user as a file named ``filename``."""
    options = to_js({"type": mime}, dict_converter=window.Object.fromEntries)
    blob = window.Blob.new(to_js([text]), options)
    link = document.createElement("a")
    link.href = url = window.URL.createObjectURL(blob)
    link.download = filename
    document.body.appendChild(link)
    link.click()
    link.remove()
    window.setTimeout(
        create_once_callable(lambda: window.URL.revokeObjectURL(url)), REVOKE_AFTER_MS
    )
