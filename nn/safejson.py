"""JSON from untrusted text, checked before it is parsed: size, nesting, string and number sizes.

``json.loads`` (and JavaScript's ``JSON.parse``) recurse once per level of nesting. Under Pyodide
that recursion runs on the WebAssembly stack, and ``"[" * 20_000`` (20 kB) overflows it: Pyodide
reports a fatal error, which no ``try``/``except`` can catch, and the interpreter is gone. So every
entry point parses with ``loads`` here, which first scans the text without recursion and with
C-speed operations only (a regular expression, then numpy over chunks of a million characters,
so the scan's memory stays a few megabytes whatever the text's size), then parses.

What the scan refuses, each with a ``SchemaError`` naming the problem (``what`` names the input):

- bytes that are not UTF-8, text with NUL or replacement characters (a binary file decoded as text),
- empty text (only white space),
- text over ``max_bytes`` (UTF-8 bytes, so a caller can compare a file's size before reading it),
- nesting deeper than ``JSON_MAX_DEPTH``, a string over ``JSON_MAX_STRING`` characters, a number
  literal over ``JSON_MAX_NUMBER`` characters (``int()`` refuses more than 4,300 digits),
- ``NaN``, ``Infinity`` and ``-Infinity`` (not JSON; a number beyond float range, like ``1e999``,
  parses as infinity and is refused by the schema, which wants finite numbers).

JSON has no references, so the parsed data is bounded by the text's size (a few tens of bytes of
Python objects per byte at worst, for ``[[],[],...]``): huge arrays and objects are bounded by
``max_bytes``, and the schema then checks their shape. A parse that still runs out of memory is a
``SchemaError`` too.

>>> loads('{"a": [1, 2.5]}', "model")
{'a': [1, 2.5]}
>>> loads("[" * 20_000, "the file")  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
nn.errors.SchemaError: the file is nested 20,000 deep; at most 32 levels of arrays and objects ...
"""

from __future__ import annotations

import json
import re
from typing import Any

import numpy as np

from nn.defaults import JSON_MAX_DEPTH, JSON_MAX_NUMBER, JSON_MAX_STRING
from nn.errors import SchemaError

__all__ = ["check_text", "loads", "scan"]

_ESCAPE = re.compile(r"\\.", re.DOTALL)  # a backslash and the character it escapes
# Character classes of the scan, by code point (every code point from 127 up counts as 127).
_LITERAL, _SEPARATOR, _OPEN, _CLOSE, _QUOTE = range(5)
_CLASS = np.full(128, _LITERAL, dtype=np.int8)  # letters, digits, signs: part of a value
_CLASS[list(b" \t\n\r:,")] = _SEPARATOR
_CLASS[list(b"[{")], _CLASS[list(b"]}")], _CLASS[ord('"')] = _OPEN, _CLOSE, _QUOTE
_CHUNK = 1 << 20  # characters scanned at a time: the scan's memory stays a few MB at any size
_BINARY = re.compile("[\x00\ufffd]")  # NUL, or what a decoder puts for bytes that are not UTF-8


def check_text(text: object, what: str, max_bytes: int) -> str:
    """``text`` (str, or bytes that must be UTF-8) as a non-empty str of at most ``max_bytes``
    UTF-8 bytes, with no sign of binary content; or a ``SchemaError`` naming ``what``."""
    if isinstance(text, bytes | bytearray | memoryview):
        if len(text) > max_bytes:
            raise SchemaError(_too_big(what, len(text), max_bytes))
        try:
            text = bytes(text).decode("utf-8")
        except UnicodeDecodeError as exc:
            raise SchemaError(
                f"{what} is not UTF-8 text (byte {exc.start:,} is {bytes(text)[exc.start]:#04x}); "
                "is it a binary file?"
            ) from None
    if not isinstance(text, str):
        raise SchemaError(f"{what} must be text, got {type(text).__name__}")
    # len(text) <= UTF-8 bytes <= 4 * len(text): count the bytes only when it can matter.
    if len(text) > max_bytes or (4 * len(text) > max_bytes and _utf8_size(text) > max_bytes):
        raise SchemaError(_too_big(what, _utf8_size(text), max_bytes))
    if not text or text.isspace():  # (not text.strip(), which would copy a big text)
        raise SchemaError(f"{what} is empty")
    found = _BINARY.search(text)
    if found:
        kind = "a NUL character" if found.group() == "\x00" else "bytes that are not UTF-8"
        raise SchemaError(
            f"{what} is not UTF-8 text: it has {kind} at character {found.start():,}; "
            "is it a binary file?"
        )
    return text


def _utf8_size(text: str) -> int:
    return len(text) if text.isascii() else len(text.encode("utf-8", errors="surrogatepass"))


def _too_big(what: str, size: int, limit: int) -> str:
    return f"{what} is {_size(size)}, over the limit of {_size(limit)}"


def _size(n: int) -> str:
    return f"{n / 1e6:.1f} MB" if n >= 100_000 else f"{n:,} bytes"


def scan(text: str, what: str) -> None:
    """Refuse JSON text whose parse could exhaust the stack or the memory (see the module
    docstring); says nothing about whether it is valid JSON (the parser says that)."""
    # Outside strings a backslash is invalid JSON, and the parser stops there: wherever the scan
    # and the parser could disagree about what is inside a string, the parser has stopped already.
    text = _ESCAPE.sub("", text)
    found = _Found()
    for at in range(0, len(text), _CHUNK):
        found.add(text[at : at + _CHUNK], at)
    if found.open_quote is not None:
        raise SchemaError(f"{what} is not valid JSON: a string is not closed")
    if found.string > JSON_MAX_STRING:
        raise SchemaError(
            f"{what} has a string of {found.string:,} characters; at most "
            f"{JSON_MAX_STRING:,} are allowed"
        )
    length, start = found.value
    if length > JSON_MAX_NUMBER:
        sample = text[start : start + 20]
        raise SchemaError(
            f"{what} has a value of {length:,} characters ({sample}...); a number has at "
            f"most {JSON_MAX_NUMBER}"
        )
    if found.deepest > JSON_MAX_DEPTH:
        raise SchemaError(
            f"{what} is nested {found.deepest:,} deep; at most {JSON_MAX_DEPTH} levels of "
            "arrays and objects are allowed"
        )


class _Found:
    """What ``scan`` has seen so far, carried from one chunk of the text to the next: the
    longest string, the longest value outside strings, the deepest nesting."""

    def __init__(self) -> None:
        self.quotes = 0  # quotes seen: odd while inside a string
        self.open_quote: int | None = None  # where the string being read began
        self.string = 0  # characters in the longest string
        self.run = 0  # characters of the value running at the end of the last chunk
        self.value = (0, 0)  # (characters, start) of the longest value outside strings
        self.depth = 0
        self.deepest = 0

    def add(self, chunk: str, at: int) -> None:
        if chunk.isascii():  # one byte per character
            kind = _CLASS[np.frombuffer(chunk.encode("ascii"), dtype=np.uint8)]  # (n,)
        else:
            codes = np.frombuffer(chunk.encode("utf-32-le", "surrogatepass"), dtype="<u4")
            kind = _CLASS[np.minimum(codes, 127)]  # (n,) a class per character
        quote = kind == _QUOTE
        # A character after an odd number of quotes is inside a string (the opening quote too).
        outside = ((np.cumsum(quote, dtype=np.int32) + (self.quotes & 1)) & 1) == 0  # (n,)
        self._strings(np.flatnonzero(quote) + at)
        self._values(np.flatnonzero(~((kind == _LITERAL) & outside)), len(kind), at)
        step = ((kind == _OPEN) & outside).astype(np.int8) - ((kind == _CLOSE) & outside)
        depth = np.cumsum(step, dtype=np.int32) + self.depth  # (n,) nesting after each character
        if len(depth):
            self.deepest = max(self.deepest, int(depth.max()))
            self.depth = int(depth[-1])

    def _strings(self, quotes: np.ndarray) -> None:
        """Pair the quotes (positions in the text), the first with a string left open."""
        self.quotes += len(quotes)
        if self.open_quote is not None:
            quotes = np.concatenate(([self.open_quote], quotes))
        self.open_quote = int(quotes[-1]) if len(quotes) % 2 else None
        pairs = quotes[: len(quotes) // 2 * 2]
        if len(pairs):
            self.string = max(self.string, int((pairs[1::2] - pairs[0::2]).max()) - 1)

    def _values(self, breaks: np.ndarray, n: int, at: int) -> None:
        """Runs of value characters between ``breaks`` (positions in the chunk)."""
        if not len(breaks):  # the chunk is all one value, going on from the last one
            self.run += n
            self.value = max(self.value, (self.run, at + n - self.run))
            return
        edges = np.concatenate(([-1], breaks, [n]))
        runs = np.diff(edges) - 1  # (breaks + 1,) the first one continues the last chunk's
        runs[0] += self.run
        longest = int(np.argmax(runs))
        start = at + int(edges[longest]) + 1 - (self.run if longest == 0 else 0)
        self.value = max(self.value, (int(runs[longest]), start))
        self.run = int(runs[-1])


def loads(text: object, what: str, max_bytes: int | None = None) -> Any:
    """``check_text`` (when ``max_bytes`` is given), ``scan``, then ``json.loads`` refusing
    NaN and Infinity; every failure is a ``SchemaError`` naming ``what``."""
    if max_bytes is not None:
        text = check_text(text, what, max_bytes)
    elif not isinstance(text, str):
        raise SchemaError(f"{what} must be text, got {type(text).__name__}")
    scan(text, what)

    def reject(name: str) -> None:
        raise SchemaError(f"{what} contains {name}, and every number must be finite")

    try:
        return json.loads(text, parse_constant=reject)
    except (json.JSONDecodeError, RecursionError, ValueError) as exc:
        if isinstance(exc, SchemaError):
            raise
        raise SchemaError(f"{what} is not valid JSON ({exc})") from None
    except MemoryError:
        raise SchemaError(f"{what} holds too many values to parse here (out of memory)") from None
