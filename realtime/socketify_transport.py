"""The hub's sockets on uWebSockets' native websockets: topics fan out in C, not in Python.

    transport = SocketifyTransport()
    app = create_app(settings, transport=transport)      # the hub holds it from the start
    serve_socketify(app, host=..., port=..., transport=transport, hub_provider=lambda: app.state.hub)

The hub only sees `Transport` and `Connection`. The token for `hub.opened` comes from `?token=`,
else from `Authorization: Bearer`.

For one connection the hub's callbacks never overlap and keep their order: `opened` first, then
each `received` in arrival order, `closed` last, after the others finished — and never from inside
a `Connection` method. A client that keeps more than `max_queued_messages` waiting is closed (1008).
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Callable, Coroutine
from typing import Any

from socketify.native import ffi, lib

from realtime.transport import Connection, HubCallbacks, Transport

logger = logging.getLogger("realtime.socketify")

_TEXT = 1
_POLICY_VIOLATION = 1008
_UNSUPPORTED_DATA = 1003
_INTERNAL_ERROR = 1011


class SocketifyConnection(Connection):
    __slots__ = ("_busy", "_closed", "_handle", "_hub", "_inbox", "_transport", "_ws", "token")

    def __init__(self, transport: SocketifyTransport, hub: HubCallbacks, token: str | None) -> None:
        super().__init__()
        self.token = token
        self._transport = transport
        self._hub = hub
        self._ws: Any = None  # uws_websocket_t *, None once closed
        self._handle = ffi.new_handle(self)
        # Frames that arrived while a hub callback ran; made on first use (most sockets never need one).
        self._inbox: deque[str] | None = None
        self._busy = False  # a hub callback for this connection is running
        self._closed = False

    def send(self, frame: str) -> None:
        if self._ws is not None:
            data = frame.encode()
            # Over max_backpressure uWS drops the frame and closes the socket (closeOnBackpressureLimit).
            lib.uws_ws_send_with_options(self._transport.ssl, self._ws, data, len(data), _TEXT, False, True)

    def join(self, topic: str) -> None:
        if self._ws is not None:
            name = topic.encode()
            lib.uws_ws_subscribe(self._transport.ssl, self._ws, name, len(name))

    def leave(self, topic: str) -> None:
        if self._ws is not None:
            name = topic.encode()
            lib.uws_ws_unsubscribe(self._transport.ssl, self._ws, name, len(name))

    def close(self, code: int = 1000, reason: str = "") -> None:
        if self._ws is not None:
            data = reason.encode()[:123]  # a close frame's reason is at most 123 bytes
            lib.uws_ws_end(self._transport.ssl, self._ws, code, data, len(data))
            self._transport.wake()


def ws_behavior(
    *,
    max_payload_length: int,
    idle_timeout: int,
    max_backpressure: int,
    upgrade: Any,
    open: Any,
    message: Any,
    close: Any,
) -> Any:
    """uWS websocket settings shared by every socket we serve: no compression, server pings, and a
    client over `max_backpressure` bytes behind is closed."""
    behavior = ffi.new("uws_socket_behavior_t *")
    behavior.compression = 0
    behavior.maxPayloadLength = max_payload_length
    behavior.idleTimeout = idle_timeout
    behavior.maxBackpressure = max_backpressure
    behavior.closeOnBackpressureLimit = True
    behavior.resetIdleTimeoutOnSend = False  # only the client's traffic (or pongs) proves it alive
    behavior.sendPingsAutomatically = True
    behavior.maxLifetime = 0
    behavior.upgrade = upgrade
    behavior.open = open
    behavior.message = message
    behavior.drain = ffi.NULL
    behavior.ping = ffi.NULL
    behavior.pong = ffi.NULL
    behavior.close = close
    behavior.subscription = ffi.NULL
    return behavior


class SocketifyTransport(Transport):
    """Create it first, hand it to the hub, then give it to `serve_socketify`, which binds it to uWS."""

    def __init__(
        self,
        *,
        max_backpressure: int = 1024 * 1024,
        max_payload_length: int = 64 * 1024,
        idle_timeout: int = 60,
        max_queued_messages: int = 256,
    ) -> None:
        self._connections: set[SocketifyConnection] = set()
        self._handle = ffi.new_handle(self)
        self._header = ffi.new("char **")
        self._max_queued = max_queued_messages
        self._behavior = ws_behavior(
            max_payload_length=max_payload_length,
            idle_timeout=idle_timeout,
            max_backpressure=max_backpressure,
            upgrade=_on_upgrade,
            open=_on_open,
            message=_on_message,
            close=_on_close,
        )
        self.ssl: Any = None
        self._app: Any = None
        # Set by bind():
        self._hub_provider: Callable[[], HubCallbacks | None]
        self._spawn: Callable[[Coroutine[Any, Any, None]], None]
        self.wake: Callable[[], None]

    def bind(
        self,
        ssl: Any,
        uws_app: Any,
        path: str,
        *,
        hub_provider: Callable[[], HubCallbacks | None],
        spawn: Callable[[Coroutine[Any, Any, None]], None],
        wake: Callable[[], None],
    ) -> None:
        """Serve websockets at `path` of the uWS app; `serve_socketify` calls it before listening."""
        self.ssl = ssl
        self._app = uws_app
        self._hub_provider = hub_provider
        self._spawn = spawn
        self.wake = wake
        lib.uws_ws(ssl, uws_app, path.encode(), self._behavior[0], self._handle)

    def publish(self, topic: str, frame: str) -> None:
        if self._app is None:
            return  # not serving yet: nobody can have joined
        name, data = topic.encode(), frame.encode()
        lib.uws_publish(self.ssl, self._app, name, len(name), data, len(data), _TEXT, False)
        self.wake()  # uWS delivers publishes in its next loop iteration

    def connection_count(self) -> int:
        return len(self._connections)

    def close_all(self, code: int, reason: str) -> None:
        for conn in list(self._connections):
            conn.close(code, reason)

    # --- uWS events ----------------------------------------------------------------------------

    def _upgrade(self, res: Any, req: Any, context: Any) -> None:
        hub = self._hub_provider()
        if hub is None:
            self._refuse(res, b"503 Service Unavailable")
            return
        token = self._request_header(req, b"authorization")
        if token[:7].lower() == b"bearer ":
            token = token[7:].strip()
        else:
            token = b""
        size = lib.uws_req_get_query(req, b"token", 5, self._header)
        if size:
            token = ffi.unpack(self._header[0], size)
        conn = SocketifyConnection(self, hub, token.decode(errors="replace") or None)
        self._connections.add(conn)
        key = self._request_header(req, b"sec-websocket-key")
        extensions = self._request_header(req, b"sec-websocket-extensions")
        lib.uws_res_upgrade(self.ssl, res, conn._handle, key, len(key), b"", 0, extensions, len(extensions), context)

    def _refuse(self, res: Any, status: bytes) -> None:
        lib.uws_res_write_status(self.ssl, res, status, len(status))
        lib.uws_res_end(self.ssl, res, b"", 0, True)

    def _request_header(self, req: Any, name: bytes) -> bytes:
        size = lib.uws_req_get_header(req, name, len(name), self._header)
        return ffi.unpack(self._header[0], size) if size else b""

    def _opened(self, conn: SocketifyConnection, ws: Any) -> None:
        conn._ws = ws
        conn._busy = True
        self._spawn(self._serve(conn, conn._hub.opened(conn, conn.token)))

    def _received(self, conn: SocketifyConnection, data: bytes, opcode: int) -> None:
        if opcode != _TEXT:
            conn.close(_UNSUPPORTED_DATA, "text frames only")
        elif conn._busy:
            if conn._inbox is None:
                conn._inbox = deque()
            if len(conn._inbox) >= self._max_queued:
                conn.close(_POLICY_VIOLATION, "too many messages waiting")
            else:
                conn._inbox.append(data.decode())
        else:
            conn._busy = True
            self._spawn(self._serve(conn, conn._hub.received(conn, data.decode())))

    def _closed(self, conn: SocketifyConnection) -> None:
        conn._ws = None
        conn._closed = True
        conn._inbox = None
        self._connections.discard(conn)
        if not conn._busy:
            # On a later turn: this may run inside a Connection.close() the hub called.
            asyncio.get_running_loop().call_soon(self._hub_closed, conn)

    def _hub_closed(self, conn: SocketifyConnection) -> None:
        try:
            conn._hub.closed(conn)
        except Exception:
            logger.exception("Hub closed() failed for connection %s", conn.id)

    async def _serve(self, conn: SocketifyConnection, first: Coroutine[Any, Any, None]) -> None:
        """Run one hub callback, then the messages that queued behind it, then `closed` if due."""
        call: Coroutine[Any, Any, None] | None = first
        while call is not None:
            try:
                await call
            except Exception:
                logger.exception("Hub callback failed for connection %s", conn.id)
                conn.close(_INTERNAL_ERROR, "internal error")
            call = conn._hub.received(conn, conn._inbox.popleft()) if conn._inbox else None
        conn._inbox = None
        conn._busy = False
        if conn._closed:
            self._hub_closed(conn)


def _connection(ws: Any, ssl: Any) -> SocketifyConnection:
    return ffi.from_handle(lib.uws_ws_get_user_data(ssl, ws))


@ffi.callback("void(uws_res_t *, uws_req_t *, uws_socket_context_t *, void *)")
def _on_upgrade(res: Any, req: Any, context: Any, user_data: Any) -> None:
    transport = ffi.from_handle(user_data)
    transport.wake()  # libuv applies the epoll changes of this event in its next iteration
    try:
        transport._upgrade(res, req, context)
    except Exception:
        logger.exception("Websocket upgrade failed")
        transport._refuse(res, b"500 Internal Server Error")


@ffi.callback("void(uws_websocket_t *, void *)")
def _on_open(ws: Any, user_data: Any) -> None:
    transport = ffi.from_handle(user_data)
    transport.wake()
    transport._opened(_connection(ws, transport.ssl), ws)


@ffi.callback("void(uws_websocket_t *, const char *, size_t, uws_opcode_t, void *)")
def _on_message(ws: Any, message: Any, length: int, opcode: int, user_data: Any) -> None:
    transport = ffi.from_handle(user_data)
    transport.wake()
    data = ffi.unpack(message, length) if length else b""
    transport._received(_connection(ws, transport.ssl), data, int(opcode))


@ffi.callback("void(uws_websocket_t *, int, const char *, size_t, void *)")
def _on_close(ws: Any, code: int, message: Any, length: int, user_data: Any) -> None:
    transport = ffi.from_handle(user_data)
    transport.wake()
    transport._closed(_connection(ws, transport.ssl))
