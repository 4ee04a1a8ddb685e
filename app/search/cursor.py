"""Opaque cursors for search pages: the last result's sort keys and id (keyset paging: a page never
repeats or skips a result when others tie on the sort key), bound to the search they came from."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import math

import msgspec

from app.core.errors import bad_input

MAX_CURSOR = 300


class Position(msgspec.Struct, frozen=True):
    keys: tuple[float, float]
    instructor_id: int


def search_fingerprint(parts: dict[str, object]) -> str:
    """What a cursor is bound to: the search as asked (its raw filters and sort), not as resolved."""
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()[:16]


def encode(position: Position, fingerprint: str) -> str:
    body = json.dumps([*position.keys, position.instructor_id, fingerprint], separators=(",", ":"))
    return base64.urlsafe_b64encode(body.encode()).decode().rstrip("=")


def _refused(message: str):
    return bad_input([{"key": "cursor", "message": message}])


def decode(cursor: str, fingerprint: str) -> Position:
    if len(cursor) > MAX_CURSOR or not cursor.isascii():
        raise _refused("Not a cursor this search gave out")
    try:
        body = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise _refused("Not a cursor this search gave out") from None
    if not (
        isinstance(body, list) and len(body) == 4
        and all(isinstance(k, int | float) and not isinstance(k, bool) and math.isfinite(k) for k in body[:2])
        and isinstance(body[2], int) and not isinstance(body[2], bool) and 1 <= body[2] < 2**31
        and isinstance(body[3], str)
    ):  # fmt: skip
        raise _refused("Not a cursor this search gave out")
    if body[3] != fingerprint:
        raise _refused("This cursor belongs to another search: ask again without it")
    return Position((float(body[0]), float(body[1])), body[2])
