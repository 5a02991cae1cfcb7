"""Model files: download the live network as JSON, and import one from the file picker or by
dropping it anywhere on the page.

The file is the core's export (``Network.export()``, the same JSON ``python -m nn train --out``
writes): params, weights and biases. An import is validated by the core schema
(``Network.from_export``) and the page's own limits (``Settings.check``) before anything changes;
a bad file is named in the alert and the running network keeps its weights. The text is checked
by ``nn.safejson`` (size, nesting, binary content) before it is parsed. A good one replaces
the network, its layers and its settings (activation, learning rate, bias, optimizer, dropout).

Usage (main.py)::

    files = ModelFiles(app)     # wires #model-export, #model-import and drops on the page
    files.import_text(name, text)   # what a picked or dropped file ends up calling
"""

from __future__ import annotations

import asyncio
import json

from js import document

from nn import NNError, safejson
from nn.defaults import MODEL_MAX_BYTES
from nnpage.download import download
from nnpage.listeners import Listeners

__all__ = ["MAX_BYTES", "ModelFiles", "parse_model"]

MAX_BYTES = MODEL_MAX_BYTES


def parse_model(text: object) -> object:
    """A model file's text -> plain data for ``Network.from_export``: checked for size, binary
    content and nesting before it is parsed; NaN and Infinity refused (``NNError`` names why)."""
    return safejson.loads(text, "the file", MAX_BYTES)


class ModelFiles:
    """Export button, import picker and page-wide drop target; see the module docstring."""

    def __init__(self, app):
        self.app = app
        get = document.getElementById
        self.export_button, self.picker = get("model-export"), get("model-import")
        self.body = document.body
        self._depth = 0  # dragenter/dragleave nesting, to know when a drag leaves the page
        self._reading: asyncio.Future | None = None  # the file being read, kept alive
        self.listeners = Listeners()
        self.listeners.on(self.export_button, "click", lambda event: self.export())
        self.listeners.on(self.picker, "change", self._picked)
        for name, handler in (
            ("dragenter", self._drag_enter),
            ("dragover", self._drag_over),
            ("dragleave", self._drag_leave),
            ("drop", self._drop),
        ):
            self.listeners.on(document, name, handler)

    # --- export ----------------------------------------------------------------------------------

    def filename(self) -> str:
        return f"nn-model-{self.app.settings.layers_text}.json"

    def export(self) -> None:
        """Download the live network (a Blob behind a temporary ``<a download>``)."""
        text = json.dumps(self.app.export_model(), allow_nan=False) + "\n"
        name = self.filename()
        download(text, name)
        self.app.say(f"Exported the network as {name} (layers, settings, weights and biases).")

    # --- import ----------------------------------------------------------------------------------

    def _picked(self, event) -> None:
        files = self.picker.files
        if files.length:
            self._read(files.item(0))
        self.picker.value = ""  # picking the same file again is a new change

    def _read(self, file) -> None:
        name = str(file.name)
        if self.app.state == "training":
            self.app.alert(
                f"The model {name!r} was not imported: a pre-training is running; wait for it to "
                "finish (or cancel it) first."
            )
        elif file.size > MAX_BYTES:
            self.app.alert(
                f"The model {name!r} was not imported: it is {file.size / 1e6:.1f} MB, and a "
                f"model for this page is far smaller (at most {MAX_BYTES / 1e6:.0f} MB)."
            )
        elif file.size == 0:
            self.app.alert(f"The model {name!r} was not imported: the file is empty.")
        else:
            self._reading = asyncio.ensure_future(self._read_text(name, file))

    async def _read_text(self, name: str, file) -> None:
        try:
            text = await file.text()
        except Exception as exc:  # a file that vanished or cannot be read
            self.app.alert(f"The model {name!r} could not be read: {exc}")
            return
        self.import_text(name, str(text))

    def import_text(self, name: str, text: str) -> bool:
        """Validate and load a model file's text; False (alert shown, nothing changed) if bad."""
        try:
            self.app.import_model(parse_model(text))
        except NNError as exc:
            self.app.alert(f"The model {name!r} was not imported, nothing changed: {exc}")
            return False
        s = self.app.settings
        self.app.clear_alert()
        if self.app.mode == "anticipate":  # a recurrent model: it went to Anticipate
            self.app.say(f"Imported {name}: {self.app.anticipate.describe()}.")
            return True
        self.app.say(
            f"Imported {name}: network {s.layers_text}, {s.activation}, learning rate "
            f"{s.learning_rate:g}, {s.optimizer}."
        )
        return True

    # --- drag and drop onto the page -------------------------------------------------------------

    @staticmethod
    def _has_files(event) -> bool:
        transfer = event.dataTransfer
        return transfer is not None and bool(transfer.types.includes("Files"))

    def _drag_enter(self, event) -> None:
        if self._has_files(event):
            self._depth += 1
            self.body.dataset.dropping = "model"

    def _drag_over(self, event) -> None:
        if self._has_files(event):
            event.preventDefault()  # allow the drop (the default would open the file)
            event.dataTransfer.dropEffect = "copy"

    def _drag_leave(self, event) -> None:
        if self._has_files(event):
            self._depth = max(0, self._depth - 1)
            if self._depth == 0:
                self.body.removeAttribute("data-dropping")

    def _drop(self, event) -> None:
        self._depth = 0
        self.body.removeAttribute("data-dropping")
        if event.defaultPrevented or not self._has_files(event):
            return  # a control under the pointer took the drop for itself
        event.preventDefault()
        files = event.dataTransfer.files
        if files.length:
            self._read(files.item(0))
