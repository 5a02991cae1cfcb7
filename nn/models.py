"""Models of either kind from plain data: ``load_model`` reads an export's ``kind`` and rebuilds a
``Network`` (``feedforward``, also every file written before kinds existed) or a
``RecurrentNetwork`` (``recurrent``).

>>> from nn.recurrent import RecurrentNetwork
>>> type(load_model(RecurrentNetwork([2, 4, 2], seed=0).export())).__name__
'RecurrentNetwork'
"""

from __future__ import annotations

from typing import Any

from nn.network import Network
from nn.recurrent import RecurrentNetwork
from nn.recurrent_schema import model_kind

__all__ = ["export_model", "load_model"]


def load_model(data: object) -> Network | RecurrentNetwork:
    """A network rebuilt from an export of either kind; ``SchemaError`` names what is wrong."""
    if model_kind(data) == "recurrent":
        return RecurrentNetwork.from_export(data)
    return Network.from_export(data)


def export_model(net: Network | RecurrentNetwork) -> dict[str, Any]:
    """``net.export()`` with its ``kind`` always written (``Network.export`` may leave it out)."""
    data = net.export()
    data.setdefault("kind", "recurrent" if isinstance(net, RecurrentNetwork) else "feedforward")
    return data
