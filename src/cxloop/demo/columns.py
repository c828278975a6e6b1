"""Whole columns of text built at once: the generator never formats a row by itself.

NumPy object arrays of `str` add element by element in C, so

    concat("demo-order-", texts(ordinals))

makes a million external ids in a fraction of a second, where an f-string per
row would take several. Every helper returns an object array of `str` (or
None for a missing value), ready for `RowWriter`.
"""

import json
from functools import reduce
from operator import add

import numpy as np

TWO_DIGITS = np.array([f"{i:02d}" for i in range(100)], dtype=object)


def objects(values) -> np.ndarray:
    """An object array of the given strings (nested lists give a 2-D array)."""
    return np.array(values, dtype=object)


def texts(numbers: np.ndarray) -> np.ndarray:
    """Decimal text of integers."""
    return np.asarray(numbers, dtype=np.int64).astype(str).astype(object)


def concat(*parts) -> np.ndarray:
    """Element-wise concatenation of object arrays and plain strings."""
    parts = [p for p in parts if not (isinstance(p, str) and p == "")]
    return reduce(add, parts)


def money(cents) -> np.ndarray:
    """ "12.34" for integer cents (never negative)."""
    cents = np.asarray(cents, dtype=np.int64)
    return concat(texts(cents // 100), ".", TWO_DIGITS[cents % 100])


def hex_ids(rng: np.random.Generator, n: int) -> np.ndarray:
    """`n` random 32-digit hexadecimal ids."""
    if n == 0:
        return objects([])
    raw = rng.bytes(16 * n).hex().encode()
    return np.frombuffer(raw, dtype="S32").astype("U32").astype(object)


def json_strings(values: np.ndarray) -> np.ndarray:
    """Each string as a JSON string literal, quotes included ('"/collections/all"')."""
    cache = {v: json.dumps(v, ensure_ascii=False) for v in set(values.tolist())}
    return objects([cache[v] for v in values.tolist()]) if len(values) else objects([])


def datetimes(micros, suffix: str = "") -> np.ndarray:
    """ "2025-06-01 12:00:00.000000" (UTC) for int64 microseconds since the epoch; negative gives None."""
    micros = np.asarray(micros, dtype=np.int64)
    text = np.datetime_as_string(micros.astype("datetime64[us]"), unit="us")
    if len(text):
        text.view(np.uint32).reshape(len(text), -1)[:, 10] = ord(" ")
    out = text.astype(object)
    if suffix:
        out = out + suffix
    out[micros < 0] = None
    return out
