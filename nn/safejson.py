"""JSON from untrusted text, checked before it is parsed: size, nesting, string and number sizes.

``json.loads`` (and JavaScript's ``JSON.parse``) recurse once per level of nesting. Under Pyodide
that recursion runs on the WebAssembly stack, and ``"[" * 20_000`` (20 kB) overflows it: Pyodide
reports a fatal error, which no ``try``/``except`` can catch, and the interpreter is gone. So every
entry point parses with ``loads`` here, which first scans the text without recursion and with
C-speed string operations only (regular expressions, ``split``, one numpy ``cumsum``), then parses.

What the scan refuses, each with a ``SchemaError`` naming the problem (``what`` names the input):

- bytes that are not UTF-8, text with NUL or replacement characters (a binary file decoded as text),
- empty text (only white space),
- text over ``max_bytes`` (UTF-8 bytes, so a caller can compare a file's size before reading it),
- nesting deeper than ``JSON_MAX_DEPTH``, a string over ``JSON_MAX_STRING`` characters, a number
  literal over ``JSON_MAX_NUMBER`` characters (``int()`` refuses more than 4,300 digits),
- ``NaN``, ``Infinity`` and ``-Infinity`` (not JSON; a number beyond float range, like ``1e999``,
  parses as infinity and is refused by the schema, which wants finite numbers).

JSON has no references, so the parsed data is at most a small multiple of the text's size: huge
arrays and objects are bounded by ``max_bytes``, and the schema then checks their shape.

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
_SEPARATOR = np.zeros(256, dtype=bool)  # byte -> ends a number literal
_SEPARATOR[list(b" \t\n\r[]{}:,")] = True
_STEP = np.zeros(256, dtype=np.int8)  # byte -> change of nesting depth
_STEP[list(b"[{")], _STEP[list(b"]}")] = 1, -1
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
    if not text.strip():
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
    return len(text.encode("utf-8", errors="surrogatepass"))


def _too_big(what: str, size: int, limit: int) -> str:
    return f"{what} is {_size(size)}, over the limit of {_size(limit)}"


def _size(n: int) -> str:
    return f"{n / 1e6:.1f} MB" if n >= 100_000 else f"{n:,} bytes"


def scan(text: str, what: str) -> None:
    """Refuse JSON text whose parse could exhaust the stack or the memory (see the module
    docstring); says nothing about whether it is valid JSON (the parser says that)."""
    # Outside strings a backslash is invalid JSON, and the parser stops there: wherever the scan
    # and the parser could disagree about what is inside a string, the parser has stopped already.
    parts = _ESCAPE.sub("", text).split('"')  # odd parts are string contents
    if len(parts) % 2 == 0:
        raise SchemaError(f"{what} is not valid JSON: a string is not closed")
    longest = max(map(len, parts[1::2]), default=0)
    if longest > JSON_MAX_STRING:
        raise SchemaError(
            f"{what} has a string of {longest:,} characters; at most "
            f"{JSON_MAX_STRING:,} are allowed"
        )
    # Everything outside strings, one byte per character (non-ASCII there is invalid JSON anyway).
    structure = np.frombuffer(" ".join(parts[0::2]).encode("utf-8", "replace"), dtype=np.uint8)
    separators = np.flatnonzero(_SEPARATOR[structure])  # white space and [ ] { } : ,
    edges = np.concatenate(([-1], separators, [len(structure)]))
    longest = int(np.diff(edges).max()) - 1  # the longest run between two separators
    if longest > JSON_MAX_NUMBER:
        at = int(edges[np.argmax(np.diff(edges))]) + 1
        sample = bytes(structure[at : at + 20]).decode("utf-8", "replace")
        raise SchemaError(
            f"{what} has a value of {longest:,} characters ({sample}...); a number has at "
            f"most {JSON_MAX_NUMBER}"
        )
    step = _STEP[structure[separators]]  # +1 for [ and {, -1 for ] and }, 0 otherwise
    depth = int(np.cumsum(step, dtype=np.int32).max(initial=0))
    if depth > JSON_MAX_DEPTH:
        raise SchemaError(
            f"{what} is nested {depth:,} deep; at most {JSON_MAX_DEPTH} levels of "
            "arrays and objects are allowed"
        )


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
