"""Frames of the /ws protocol (API.md "Websocket"), encoded once and sent as text."""

from __future__ import annotations

from typing import Any

import msgspec

_encode = msgspec.json.encode
ERROR_CODES = ("unauthorized", "forbidden", "unknown_channel", "bad_request")


def dumps(value: Any) -> str:
    return _encode(value).decode()


def subscribed(channel: str, last_id: str | None) -> str:
    return dumps({"op": "subscribed", "channel": channel, "last_id": last_id})


def event(channel: str, type_: str, data_json: str, event_id: str | None = None) -> str:
    """`data_json` is already-encoded JSON so one encoding serves every recipient."""
    id_part = f',"id":"{event_id}"' if event_id else ""
    return f'{{"op":"event","channel":{dumps(channel)}{id_part},"type":{dumps(type_)},"data":{data_json}}}'


def resync(channel: str, last_id: str | None) -> str:
    return dumps({"op": "resync", "channel": channel, "last_id": last_id})


def error(code: str, detail: str, channel: str | None = None) -> str:
    frame: dict[str, Any] = {"op": "error", "code": code, "detail": detail}
    if channel is not None:
        frame["channel"] = channel
    return dumps(frame)


PONG = dumps({"op": "pong"})


class ClientMessage(msgspec.Struct, forbid_unknown_fields=False):
    op: str
    channel: str | None = None
    last_id: str | None = None


def parse_client_message(text: str | bytes) -> ClientMessage:
    return msgspec.json.decode(text, type=ClientMessage)


def parse_event_id(value: str) -> tuple[int, int] | None:
    ms, sep, seq = value.partition("-")
    if not sep or not ms.isdigit() or not seq.isdigit():
        return None
    return int(ms), int(seq)
