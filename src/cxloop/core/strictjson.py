"""A strict JSON reader for everything that arrives from outside.

Python's `json` accepts things cxloop must refuse: NaN and Infinity, duplicate
keys (the last silently wins, so a signed body could say one total and the
parsed dict another), 4,300-digit integers, nesting deep enough to raise
RecursionError, and strings holding NUL or lone surrogates that SQLite and
PostgreSQL then refuse at write time. `loads` maps every such case to
`MalformedBody` with a message naming the problem:

    >>> loads(b'{"total": NaN}')
    Traceback (most recent call last):
    cxloop.core.errors.MalformedBody: Invalid JSON: NaN and Infinity are not allowed.
"""

import json
import re

from .errors import MalformedBody

MAX_DEPTH = 32
MAX_INT_DIGITS = 30
MAX_FLOAT_CHARS = 40


def _reject_constant(name: str):
    raise MalformedBody("Invalid JSON: NaN and Infinity are not allowed.")


def _pairs(pairs: list[tuple[str, object]]) -> dict:
    obj = dict(pairs)
    if len(obj) != len(pairs):
        seen = set()
        for key, _ in pairs:
            if key in seen:
                raise MalformedBody(f"Invalid JSON: duplicate key {key!r}.")
            seen.add(key)
    return obj


def _parse_int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_INT_DIGITS:
        raise MalformedBody(f"Invalid JSON: number with more than {MAX_INT_DIGITS} digits.")
    return int(text)


def _parse_float(text: str) -> float:
    if len(text) > MAX_FLOAT_CHARS:
        raise MalformedBody("Invalid JSON: number too long.")
    value = float(text)
    if value in (float("inf"), float("-inf")):
        raise MalformedBody("Invalid JSON: number out of range.")
    return value


_decoder = json.JSONDecoder(
    object_pairs_hook=_pairs,
    parse_constant=_reject_constant,
    parse_int=_parse_int,
    parse_float=_parse_float,
)


def _check_string(value: str) -> None:
    if "\x00" in value:
        raise MalformedBody("Invalid JSON: strings may not contain NUL characters.")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise MalformedBody("Invalid JSON: strings may not contain lone surrogates.") from None


def _check_tree(root: object) -> None:
    stack = [(root, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, str):
            _check_string(value)
        elif isinstance(value, dict):
            if depth > MAX_DEPTH:
                raise MalformedBody(f"Invalid JSON: nested deeper than {MAX_DEPTH} levels.")
            for key, item in value.items():
                _check_string(key)
                stack.append((item, depth + 1))
        elif isinstance(value, list):
            if depth > MAX_DEPTH:
                raise MalformedBody(f"Invalid JSON: nested deeper than {MAX_DEPTH} levels.")
            stack.extend((item, depth + 1) for item in value)


# An escape that could produce NUL or a surrogate half. Raw NUL is refused by the
# decoder and valid UTF-8 holds no surrogates, so a UTF-8 body without such an
# escape needs no per-string check. (`\\u0000`, an escaped backslash, matches
# too: that only costs the slow check, never a missed one.)
_RISKY_ESCAPE = re.compile(rb"\\u(?:0000|[dD][89a-fA-F])")
_NOT_STRUCTURE = bytes(b for b in range(256) if b not in b'{}[]"')
_BRACKETS_AS_BRACES = bytes.maketrans(b"[]", b"{}")
_STRING_SKELETON = re.compile(rb'"[^"]*"')


def _check_depth(raw: bytes) -> None:
    """Refuse nesting deeper than MAX_DEPTH, reading the raw text of a valid document.

    Escaped backslashes and quotes go first, so the quotes left are exactly the
    string delimiters; strings go next (dropping `""` first only merges
    neighbouring strings), leaving the brackets of the containers. Each pass
    removes the innermost containers, so the passes count the depth. Measured:
    about 10x faster than walking the parsed tree of a batch of 100 events.
    """
    if b"\\" in raw:
        raw = raw.replace(b"\\\\", b"").replace(b'\\"', b"")
    skeleton = raw.translate(None, _NOT_STRUCTURE).replace(b'""', b"")
    if b'"' in skeleton:
        skeleton = _STRING_SKELETON.sub(b"", skeleton)
    skeleton = skeleton.translate(_BRACKETS_AS_BRACES)
    for _ in range(MAX_DEPTH):
        skeleton = skeleton.replace(b"{}", b"")
        if not skeleton:
            return
    raise MalformedBody(f"Invalid JSON: nested deeper than {MAX_DEPTH} levels.")


def loads(raw: bytes | str) -> object:
    """Parse a JSON document strictly; raise `MalformedBody` naming the problem."""
    if isinstance(raw, bytes):
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise MalformedBody(f"Body is not valid UTF-8 (byte {exc.start}).") from None
    else:
        text = raw
    if text.startswith("\ufeff"):
        text = text[1:]
    if not text.strip():
        raise MalformedBody("Body is empty; a JSON document was expected.")
    try:
        value = _decoder.decode(text)
    except MalformedBody:
        raise
    except RecursionError:
        raise MalformedBody(f"Invalid JSON: nested deeper than {MAX_DEPTH} levels.") from None
    except (ValueError, TypeError) as exc:
        raise MalformedBody(f"Invalid JSON: {exc}.") from None
    if isinstance(raw, bytes) and (b"\\u" not in raw or not _RISKY_ESCAPE.search(raw)):
        _check_depth(raw)
    else:
        _check_tree(value)
    return value
