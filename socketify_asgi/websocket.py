"""The ASGI websocket cycle on uWS: handshake (accept, refuse or a custom HTTP response), messages, close."""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from typing import TYPE_CHECKING, Any

from socketify.native import ffi, lib

from .http import answer_later, start_or_fail, write_head
from .native import WebSocketSettings, ws_behavior
from .scope import request_scope

if TYPE_CHECKING:
    from .server import Server

logger = logging.getLogger("socketify_asgi")


class ClientDisconnected(OSError):
    """Raised by send() on a websocket whose client has gone, as uvicorn does."""


def start_websocket(server: Server, res: Any, info: Any, context: Any) -> None:
    scope, _ = request_scope(server, res, info, "websocket", "ws")
    subprotocols: list[str] = []
    if info.protocol_size:
        offered = ffi.unpack(info.protocol, info.protocol_size)
        scope["headers"].append((b"sec-websocket-protocol", offered))  # socketify's C side leaves it out
        subprotocols = [p.strip() for p in offered.decode("latin-1").split(",") if p.strip()]
    scope["subprotocols"] = subprotocols
    scope["extensions"] = {"websocket.http.response": {}}
    key = ffi.unpack(info.key, info.key_size) if info.key_size else b""
    extensions = ffi.unpack(info.extensions, info.extensions_size) if info.extensions_size else b""
    ws = AsgiWebSocket(server, res, context, key, extensions)
    answer_later(server, res, ws)
    server.spawn(ws.run(scope))


class AsgiWebSocket:
    def __init__(self, server: Server, res: Any, context: Any, key: bytes, extensions: bytes) -> None:
        self.server = server
        self.res = res
        self.context = context
        self.key = key
        self.extensions = extensions
        self.handle = ffi.new_handle(self)
        self.ws: Any = None
        self.handshake = "pending"  # pending → accepted | refused | denied (custom HTTP response)
        self.connect_sent = False
        self.closed = False
        self.close_code = 1005
        self.close_reason = ""
        self.inbox: deque[dict[str, Any]] = deque()
        self.waiter: asyncio.Future[None] | None = None
        self.denial: list[Any] | None = None

    async def run(self, scope: dict[str, Any]) -> None:
        try:
            await self.server.app(scope, self.receive, self.send)
        except ClientDisconnected:
            pass
        except Exception:
            logger.exception("Exception in ASGI application")
            self._give_up(1011)
        else:
            if self.handshake == "pending":
                logger.error("ASGI callable returned without sending handshake.")
            self._give_up(1000)

    def _give_up(self, code: int) -> None:
        if self.closed:
            return
        if self.handshake == "pending":
            self._refuse(500, [])
        elif self.handshake == "denied":
            self._refuse(*self.denial)
        else:
            self.end(code, b"")

    async def receive(self) -> dict[str, Any]:
        if not self.connect_sent:
            self.connect_sent = True
            return {"type": "websocket.connect"}
        while not self.inbox and not self.closed:
            self.waiter = self.server.loop.create_future()
            await self.waiter
        if self.inbox:
            return self.inbox.popleft()
        return {"type": "websocket.disconnect", "code": self.close_code, "reason": self.close_reason}

    async def send(self, message: dict[str, Any]) -> None:
        kind = message["type"]
        if self.closed:
            raise ClientDisconnected
        if self.handshake == "pending":
            if kind == "websocket.accept":
                self._accept(message)
            elif kind == "websocket.close":
                self._refuse(403, [])
            elif kind == "websocket.http.response.start":
                self.handshake = "denied"
                self.denial = [message["status"], message.get("headers", []), b""]
            else:
                raise RuntimeError(f"Expected websocket.accept or websocket.close, got {kind!r}")
        elif self.handshake == "denied" and kind == "websocket.http.response.body":
            self.denial[2] += message.get("body", b"")
            if not message.get("more_body", False):
                self._refuse(*self.denial)
        elif self.handshake == "accepted" and kind == "websocket.send":
            data = message.get("bytes")
            opcode = 2
            if data is None:
                data, opcode = message["text"].encode(), 1
            lib.socketify_ws_cork_send_with_options(self.server.ssl, self.ws, data, len(data), opcode, False, True)
        elif self.handshake == "accepted" and kind == "websocket.close":
            self.end(message.get("code", 1000), (message.get("reason") or "").encode())
        else:
            raise RuntimeError(f"Unexpected ASGI message {kind!r} in websocket state {self.handshake}")

    def _accept(self, message: dict[str, Any]) -> None:
        server, res = self.server, self.res
        server.pending.pop(self.res, None)
        self.handshake = "accepted"
        server.websockets.add(self)
        protocol = (message.get("subprotocol") or "").encode()
        extra = message.get("headers") or ()
        if extra:
            # uWS writes its 101 status only if none was written: writing it first lets headers follow.
            write_head(server.ssl, res, 101, extra)
        lib.uws_res_upgrade(
            server.ssl,
            res,
            self.handle,
            self.key,
            len(self.key),
            protocol,
            len(protocol),
            self.extensions,
            len(self.extensions),
            self.context,
        )
        self.res = None
        server.wake()

    def _refuse(self, status: int, headers: list[Any], body: bytes = b"") -> None:
        server = self.server
        server.pending.pop(self.res, None)
        self.handshake = "refused"
        self.closed = True
        self.close_code = 1006
        write_head(server.ssl, self.res, status, headers)
        lib.uws_res_end(server.ssl, self.res, body, len(body), True)
        self.res = None
        server.wake()

    def end(self, code: int, reason: bytes) -> None:
        if self.ws is not None:
            lib.uws_ws_end(self.server.ssl, self.ws, code, reason, len(reason))
            self.server.wake()

    def opened(self, ws: Any) -> None:
        self.ws = ws

    def message(self, data: bytes, opcode: int) -> None:
        if opcode == 1:
            self.inbox.append({"type": "websocket.receive", "text": data.decode()})
        else:
            self.inbox.append({"type": "websocket.receive", "bytes": data})
        self._wake_receiver()

    def disconnected(self, code: int, reason: str) -> None:
        self.ws = None
        self.closed = True
        self.close_code = code
        self.close_reason = reason
        self.server.websockets.discard(self)
        self._wake_receiver()

    def abort(self) -> None:
        self.closed = True
        self.close_code = 1006
        self.res = None
        self._wake_receiver()

    def _wake_receiver(self) -> None:
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_result(None)


def asgi_ws_behavior() -> Any:
    return ws_behavior(
        WebSocketSettings(),
        upgrade=ffi.NULL,  # socketify's C handler reads the request and calls on_ws_upgrade
        open=_on_ws_open,
        message=_on_ws_message,
        close=_on_ws_close,
    )[0]


@ffi.callback("void(int, uws_res_t *, socketify_asgi_ws_data, uws_socket_context_t *, void *)")
def on_ws_upgrade(ssl: int, res: Any, info: Any, context: Any, user_data: Any) -> None:
    start_or_fail("websocket", start_websocket, ffi.from_handle(user_data), res, info, context)


@ffi.callback("void(uws_websocket_t *, void *)")
def _on_ws_open(ws: Any, user_data: Any) -> None:
    websocket = ffi.from_handle(user_data)
    websocket.server.wake()
    websocket.opened(ws)


@ffi.callback("void(uws_websocket_t *, const char *, size_t, uws_opcode_t, void *)")
def _on_ws_message(ws: Any, message: Any, length: int, opcode: int, user_data: Any) -> None:
    websocket = ffi.from_handle(user_data)
    websocket.server.wake()
    websocket.message(ffi.unpack(message, length) if length else b"", int(opcode))


@ffi.callback("void(uws_websocket_t *, int, const char *, size_t, void *)")
def _on_ws_close(ws: Any, code: int, message: Any, length: int, user_data: Any) -> None:
    websocket = ffi.from_handle(user_data)
    websocket.server.wake()
    websocket.disconnected(int(code), ffi.unpack(message, length).decode(errors="replace") if length else "")
