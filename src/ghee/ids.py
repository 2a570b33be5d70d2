"""Public ids: a prefix the seeds show (``proj_``, ``build_`` ...) and a short code for the row id.

The code is a keyed, invertible scramble of the integer primary key written
in Crockford's base32, so ids look opaque, need no lookup table, and a row
reached through two dialects (``build_x`` and ``b_x``) has the same code.

Sqids did this first; an encode cost more than the rest of a 20-build list
request (measured: see bench/README.md, section "micro.py").
"""

from __future__ import annotations

import hashlib
from functools import cache, lru_cache

from ghee.errors import NotFound

_BITS = 40  # room for a trillion rows; a code is 8 characters
_MASK = (1 << _BITS) - 1
_HALF = _BITS // 2
_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"
_VALUE = {char: value for value, char in enumerate(_ALPHABET)}
_WIDTH = _BITS // 5
_PAIRS = [first + second for first in _ALPHABET for second in _ALPHABET]


@cache
def _keys(kind: str) -> tuple[int, int, int, int]:
    # Two odd multipliers (invertible modulo 2**40) and their inverses, fixed per kind of resource.
    digest = hashlib.sha256(f"ghee-ids:{kind}".encode()).digest()
    first = int.from_bytes(digest[:8], "big") & _MASK | 1
    second = int.from_bytes(digest[8:16], "big") & _MASK | 1
    return first, pow(first, -1, 1 << _BITS), second, pow(second, -1, 1 << _BITS)


def _scramble(number: int, kind: str) -> int:
    first, _, second, _ = _keys(kind)
    number = (number * first) & _MASK
    number ^= number >> _HALF
    return (number * second) & _MASK


def _unscramble(number: int, kind: str) -> int:
    _, first_inverse, _, second_inverse = _keys(kind)
    number = (number * second_inverse) & _MASK
    number ^= number >> _HALF
    return (number * first_inverse) & _MASK


@lru_cache(maxsize=65536)
def encode(prefix: str, row_id: int, kind: str | None = None) -> str:
    """The public id of row ``row_id`` (``encode("build", 7)`` → ``build_...``).

    ``kind`` defaults to the prefix; two prefixes of the same kind (``build_``
    and ``b_``) share the code, so both name the same row. Lists render the
    same rows again and again, so codes are cached (measured: see bench/README.md, section "micro.py").
    """
    if not 0 < row_id <= _MASK:
        raise ValueError(f"row id {row_id} is outside 1..2**{_BITS} - 1: its code would name another row")
    number = _scramble(row_id, kind or prefix)
    # Two digits (10 bits) per lookup: lists render dozens of ids, so this is kept cheap.
    p = _PAIRS
    return f"{prefix}_{p[number >> 30]}{p[(number >> 20) & 1023]}{p[(number >> 10) & 1023]}{p[number & 1023]}"


def decode(prefix: str, public_id: str, kind: str, *, coder_kind: str | None = None) -> int:
    """The row id behind ``public_id``; raises ``NotFound(kind, public_id)`` for anything malformed."""
    head, sep, code = public_id.partition("_")
    if not sep or head != prefix or len(code) != _WIDTH:
        raise NotFound(kind, public_id)
    number = 0
    for char in code:
        value = _VALUE.get(char)
        if value is None:
            raise NotFound(kind, public_id)
        number = (number << 5) | value
    row_id = _unscramble(number, coder_kind or prefix)
    if row_id < 1:
        raise NotFound(kind, public_id)
    return row_id
