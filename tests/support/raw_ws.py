"""A websocket client that subscribes and then never reads: the slowest possible reader."""

from __future__ import annotations

import base64
import json
import os
import socket
import struct


def _masked_text_frame(text: str) -> bytes:
    payload = text.encode()
    mask = os.urandom(4)
    header = bytes([0x81])
    length = len(payload)
    if length < 126:
        header += bytes([0x80 | length])
    elif length < 65536:
        header += bytes([0x80 | 126]) + struct.pack("!H", length)
    else:
        header += bytes([0x80 | 127]) + struct.pack("!Q", length)
    return header + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))


def stalled_subscriber(port: int, channel: str) -> socket.socket:
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.connect(("127.0.0.1", port))
    key = base64.b64encode(os.urandom(16)).decode()
    sock.sendall(
        (
            f"GET /ws HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
        ).encode()
    )
    response = b""
    while b"\r\n\r\n" not in response:
        response += sock.recv(1)
    assert b" 101 " in response.split(b"\r\n")[0], response
    sock.sendall(_masked_text_frame(json.dumps({"op": "subscribe", "channel": channel, "last_id": None})))
    return sock


def drained_until_closed(sock: socket.socket, timeout: float) -> bool:
    """Read everything; True when the server closed the connection within `timeout` seconds."""
    sock.settimeout(timeout)
    try:
        while chunk := sock.recv(1 << 20):
            if b"\x88" in chunk[:2]:
                return True
    except TimeoutError:
        return False
    except ConnectionError:
        return True
    return True
