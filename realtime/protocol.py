"""Frames of the /ws protocol (API.md "Websocket"), encoded once and sent as text."""

from __future__ import annotations

import re
from typing import Any

import msgspec


def _encode_int_subclass(value: Any) -> Any:
    # Features pass their own int types (e.g. validated path ids); on the wire they are plain numbers.
    if isinstance(value, int):
        return int(value)
    raise TypeError(f"Encoding objects of type {type(value).__name__} is unsupported")


_encode = msgspec.json.Encoder(enc_hook=_encode_int_subclass).encode
ERROR_CODES = ("unauthorized", "forbidden", "unknown_channel", "bad_request")
EventId = tuple[int, int]
# Errors stay small whatever the client sent: input is quoted by a short prefix only.
SHOWN_LENGTH = 40
MAX_DETAIL_LENGTH = 300
MAX_CHANNEL_LENGTH = 64
# Redis stream ids are two unsigned 64-bit numbers; ASCII digits only (`"²".isdigit()` is True).
STREAM_ID_PART_MAX = 2**64 - 1
_EVENT_ID_SHAPE = re.compile(r"([0-9]{1,64})-([0-9]{1,64})")


def dumps(value: Any) -> str:
    return _encode(value).decode()


def shown(text: str) -> str:
    """Client input as quoted in an error: never more than a short prefix of it."""
    return repr(text if len(text) <= SHOWN_LENGTH else text[:SHOWN_LENGTH] + "…")


def subscribed(channel: str, last_id: str | None) -> str:
    return dumps({"op": "subscribed", "channel": channel, "last_id": last_id})


def event(channel: str, type_: str, data_json: str, event_id: str | None = None) -> str:
    """`data_json` is already-encoded JSON so one encoding serves every recipient."""
    id_part = f',"id":"{event_id}"' if event_id else ""
    return f'{{"op":"event","channel":{dumps(channel)}{id_part},"type":{dumps(type_)},"data":{data_json}}}'


def resync(channel: str, last_id: str | None) -> str:
    return dumps({"op": "resync", "channel": channel, "last_id": last_id})


def error(code: str, detail: str, channel: str | None = None) -> str:
    frame: dict[str, Any] = {"op": "error", "code": code, "detail": detail[:MAX_DETAIL_LENGTH]}
    if channel is not None:
        # A real name is returned as sent, so the client can match it; no name is longer.
        frame["channel"] = channel if len(channel) <= MAX_CHANNEL_LENGTH else channel[:SHOWN_LENGTH] + "…"
    return dumps(frame)


PONG = dumps({"op": "pong"})


class ClientMessage(msgspec.Struct, forbid_unknown_fields=False):
    op: str
    channel: str | None = None
    last_id: str | None = None


class BadFrame(ValueError):
    """A frame that is not a protocol message; the message says why and is shown to the client."""


def parse_client_message(text: str | bytes) -> ClientMessage:
    try:
        return msgspec.json.decode(text, type=ClientMessage)
    except (msgspec.DecodeError, msgspec.ValidationError) as exc:
        raise BadFrame(f"Frames are JSON objects with an 'op': {exc}") from None
    except RecursionError:
        raise BadFrame("Frames are JSON objects with an 'op', not nested this deeply") from None


def is_event_id_shaped(value: str) -> bool:
    """Written like an id the server sends (`<ms>-<seq>`), whether or not one could exist."""
    return _EVENT_ID_SHAPE.fullmatch(value) is not None


def parse_event_id(value: str) -> EventId | None:
    """An id Redis can hold, or None: a malformed or absurd id names no event."""
    match = _EVENT_ID_SHAPE.fullmatch(value)
    if match is None:
        return None
    ms, seq = int(match[1]), int(match[2])
    return (ms, seq) if ms <= STREAM_ID_PART_MAX and seq <= STREAM_ID_PART_MAX else None


def format_event_id(value: EventId) -> str:
    return f"{value[0]}-{value[1]}"
