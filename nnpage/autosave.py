"""Autosave: the live network as one checksummed record in a key-value storage, and back.

Pure Python (no browser imports): the storage is anything with ``getItem(key)``,
``setItem(key, value)`` and ``removeItem(key)`` (the page passes ``window.localStorage``; the
tests a dict-backed fake), and the clock is injected, so the rules are tested in CPython.

A record is one line of header and the JSON of a snapshot::

    nn-autosave 2 <crc32 of the JSON, 8 hex digits> <length of the JSON>
    {"settings": {...every Settings field...}, "model": {...Network.export()...},
     "iterations": 1234, "mode": "anticipate",
     "recurrent": {...RecurrentNetwork.export()...}, "recurrent_iterations": 567}

``model`` and ``iterations`` are the Follow mode's feed-forward network, ``recurrent`` and
``recurrent_iterations`` the Anticipate mode's network with memory, and ``mode`` the one shown.
Version 1 records (the first three keys only, from before Anticipate was saved) still load, in
Follow with a fresh Anticipate network.

``setItem`` writes the whole value or raises, and ``load`` accepts a record only when its version,
length and checksum match and the snapshot passes ``Settings.check`` and the core schemas: a
half-written, truncated or edited record is never loaded (it is reported, and dropped). A storage
that refuses to write (full, or disabled) turns saving off with a reason; the app goes on.

Usage (nnpage/saving.py)::

    store = AutoSave(window.localStorage)
    saved = store.load()          # a Snapshot, or None (store.problem says why, if anything)
    store.changed()               # the network learnt or its settings changed
    store.due()                   # True when there is something to save and the interval passed
    store.save(snapshot(settings, network, iterations, mode="anticipate", recurrent=rnn,
                        recurrent_iterations=567))
"""

from __future__ import annotations

import dataclasses
import json
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from nn import Network, NNError, RecurrentNetwork, safejson
from nn.defaults import MODEL_MAX_BYTES
from nn.trajectories import N_INPUTS, N_OUTPUTS
from nn.validation import check_int, show
from nnpage.settings import Settings

__all__ = ["KEY", "RECORD_VERSION", "SAVE_INTERVAL_S", "AutoSave", "Snapshot", "snapshot"]

KEY = "nn.autosave"
RECORD_VERSION = 2
MODES = ("follow", "anticipate")
_V1_KEYS = {"settings", "model", "iterations"}
_KEYS = _V1_KEYS | {"mode", "recurrent", "recurrent_iterations"}
HEADER = "nn-autosave"
# At most one save per interval while the network learns (a save of the biggest page network,
# 12 layers of 32, writes ~250 kB of JSON); leaving the page saves at once.
SAVE_INTERVAL_S = 2.0
_FIELDS = tuple(field.name for field in dataclasses.fields(Settings))


@dataclass(frozen=True)
class Snapshot:
    """What a reload restores: the settings, the Follow network's export and iteration count,
    the mode shown, and the Anticipate network's export (None: a fresh one) and count."""

    settings: Settings
    model: dict[str, Any]
    iterations: int
    mode: str = "follow"
    recurrent: dict[str, Any] | None = None
    recurrent_iterations: int = 0

    def network(self) -> Network:
        return Network.from_export(self.model)

    def recurrent_network(self) -> RecurrentNetwork | None:
        return None if self.recurrent is None else RecurrentNetwork.from_export(self.recurrent)


def snapshot(
    settings: Settings,
    network: Network,
    iterations: int,
    *,
    mode: str = "follow",
    recurrent: RecurrentNetwork | None = None,
    recurrent_iterations: int = 0,
) -> Snapshot:
    return Snapshot(
        settings,
        network.export(),
        int(iterations),
        mode,
        None if recurrent is None else recurrent.export(),
        int(recurrent_iterations),
    )


def encode(snap: Snapshot) -> str:
    """The record text for ``snap`` (header line, then JSON)."""
    settings = {name: getattr(snap.settings, name) for name in _FIELDS}
    settings["layers"] = list(settings["layers"])
    payload = json.dumps(
        {
            "settings": settings,
            "model": snap.model,
            "iterations": snap.iterations,
            "mode": snap.mode,
            "recurrent": snap.recurrent,
            "recurrent_iterations": snap.recurrent_iterations,
        },
        allow_nan=False,
        separators=(",", ":"),
    )
    return f"{HEADER} {RECORD_VERSION} {_crc(payload)} {len(payload)}\n{payload}"


def decode(text: object) -> Snapshot:
    """A record's text -> ``Snapshot``; ``NNError`` naming what is wrong with it."""
    if not isinstance(text, str):
        raise NNError(f"the saved record is not text ({type(text).__name__})")
    header, _, payload = text.partition("\n")
    parts = header.split(" ")
    if len(parts) != 4 or parts[0] != HEADER:
        raise NNError("the saved record is not one this page writes")
    if parts[1] not in ("1", str(RECORD_VERSION)):
        raise NNError(f"the saved record has version {parts[1][:10]!r}, not 1 or {RECORD_VERSION}")
    if parts[3] != str(len(payload)) or parts[2] != _crc(payload):
        raise NNError("the saved record is incomplete or damaged (its checksum does not match)")
    data = safejson.loads(payload, "the saved record", 2 * MODEL_MAX_BYTES)
    keys = _V1_KEYS if parts[1] == "1" else _KEYS
    if not isinstance(data, dict) or set(data) != keys:
        what = "settings, a model and an iteration count"
        if keys is _KEYS:
            what = "settings, both modes' models and iteration counts, and a mode"
        raise NNError(f"the saved record does not hold {what}")
    fields = data["settings"]
    if not isinstance(fields, dict) or set(fields) != set(_FIELDS):
        raise NNError("the saved settings do not have this page's fields")
    if not isinstance(fields["layers"], list):
        raise NNError("the saved layers are not a list")
    for name in ("bias", "dropout", "backprop", "replay"):
        if not isinstance(fields[name], bool):
            raise NNError(f"the saved setting {name} is not true or false")
    settings = Settings(**{**fields, "layers": tuple(fields["layers"])}).check()
    network = Network.from_export(data["model"])  # validates the weights and biases
    if tuple(network.layers) != settings.layers:
        raise NNError("the saved network does not match its saved layers")
    iterations = check_int(data["iterations"], "iterations", low=0)
    if keys is _V1_KEYS:
        return Snapshot(settings, data["model"], iterations)
    mode = data["mode"]
    if not isinstance(mode, str) or mode not in MODES:
        raise NNError(f"the saved mode must be follow or anticipate, got {show(mode)}")
    recurrent = data["recurrent"]
    if recurrent is not None:
        try:
            rnn = RecurrentNetwork.from_export(recurrent)  # validates its weights and biases
        except NNError as exc:
            raise NNError(f"the saved Anticipate network is not valid: {exc}") from None
        if (rnn.layers[0], rnn.layers[2]) != (N_INPUTS, N_OUTPUTS):
            raise NNError(
                f"the saved Anticipate network has layers {list(rnn.layers)}, not "
                f"{N_INPUTS} inputs and {N_OUTPUTS} outputs"
            )
    recurrent_iterations = check_int(data["recurrent_iterations"], "recurrent_iterations", low=0)
    return Snapshot(settings, data["model"], iterations, mode, recurrent, recurrent_iterations)


def _crc(payload: str) -> str:
    return f"{zlib.crc32(payload.encode('utf-8', 'surrogatepass')):08x}"


class AutoSave:
    """Throttled saves of the live network into ``storage``; see the module docstring."""

    def __init__(
        self,
        storage: Any,
        *,
        key: str = KEY,
        interval_s: float = SAVE_INTERVAL_S,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.storage = storage
        self.key = key
        self.interval_s = interval_s
        self.clock = clock
        self.enabled = storage is not None
        self.problem: str | None = None if self.enabled else "this browser gives no storage"
        self.dirty = False
        self.saves = 0
        self._last = -float("inf")

    def load(self) -> Snapshot | None:
        """The saved snapshot, or None (no record, or a bad one: ``problem`` says why and the
        bad record is removed so it is not reported again)."""
        if not self.enabled:
            return None
        try:
            text = self.storage.getItem(self.key)
        except Exception as exc:  # a storage that throws on read is off
            self._off(f"the browser refused to read its storage ({_reason(exc)})")
            return None
        if text is None:
            return None
        try:
            return decode(str(text))
        except (NNError, TypeError) as exc:
            self.problem = f"the saved network could not be restored: {exc}"
            self.discard()
            return None

    def changed(self) -> None:
        """The network or its settings changed: save at the next ``due`` time."""
        self.dirty = True

    def due(self) -> bool:
        return self.enabled and self.dirty and self.clock() - self._last >= self.interval_s

    def save(self, snap: Snapshot) -> bool:
        """Write ``snap`` now; False (and saving off, ``problem`` set) if the storage refuses."""
        if not self.enabled:
            return False
        record = encode(snap)
        try:
            self.storage.setItem(self.key, record)
        except Exception as exc:  # QuotaExceededError, SecurityError, ...
            self._off(f"the browser refused to store it ({_reason(exc)})")
            return False
        self.dirty = False
        self._last = self.clock()
        self.saves += 1
        return True

    def discard(self) -> None:
        """Forget the saved network (Start fresh, or a bad record)."""
        if self.storage is None:
            return
        try:
            self.storage.removeItem(self.key)
        except Exception as exc:
            self._off(f"the browser refused to change its storage ({_reason(exc)})")

    def _off(self, reason: str) -> None:
        self.enabled = False
        self.problem = reason


def _reason(exc: Exception) -> str:
    text = str(exc).strip().splitlines()
    return (text[-1] if text else type(exc).__name__)[:200]
