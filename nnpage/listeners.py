"""Event listeners that own their proxies: each handler is wrapped in ``create_proxy`` once, when
it is added, and ``destroy`` removes every listener and frees its proxy.

Usage::

    listeners = Listeners()
    listeners.on(button, "click", handler)      # handler(event), kept alive until destroy()
    listeners.destroy()
"""

from __future__ import annotations

from collections.abc import Callable

from pyodide.ffi import create_proxy

__all__ = ["Listeners"]


class Listeners:
    """The listeners one page part added, so it can take them all away again."""

    def __init__(self):
        self._added: list[tuple[object, str, object]] = []

    def on(self, target, event: str, handler: Callable) -> None:
        proxy = create_proxy(handler)
        target.addEventListener(event, proxy)
        self._added.append((target, event, proxy))

    def destroy(self) -> None:
        for target, event, proxy in self._added:
            target.removeEventListener(event, proxy)
            proxy.destroy()
        self._added.clear()
