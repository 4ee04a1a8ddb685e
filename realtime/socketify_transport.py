"""The hub's sockets on uWebSockets' native websockets: topics fan out in C, not in Python.

    transport = SocketifyTransport(hub_provider=lambda: app.state.hub)  # asked on every upgrade
    app = create_app(settings, transport=transport)                    # the hub holds it from the start
    serve_socketify(app, host=..., port=..., native_routes={"/ws": transport})

It is a native websocket route of the socketify_asgi server; the hub only sees `Transport` and
`Connection`. An upgrade that comes before the hub exists (`hub_provider()` is None) is refused
with 503. The token for `hub.opened` comes from `?token=`, else from `Authorization: Bearer`.

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

from realtime.transport import Connection, HubCallbacks, Transport, connect_token
from socketify_asgi import (
    NativeServer,
    NativeWebSocket,
    NativeWebSocketRoute,
    UpgradeRefused,
    UpgradeRequest,
    WebSocketSettings,
)

logger = logging.getLogger("realtime.socketify")

_POLICY_VIOLATION = 1008
_UNSUPPORTED_DATA = 1003
_INTERNAL_ERROR = 1011
_SERVICE_UNAVAILABLE = 503


class SocketifyConnection(Connection):
    __slots__ = ("_busy", "_closed", "_hub", "_inbox", "_socket")

    def __init__(self, socket: NativeWebSocket, hub: HubCallbacks) -> None:
        super().__init__()
        self._socket = socket
        self._hub = hub
        # Frames that arrived while a hub callback ran; made on first use (most sockets never need one).
        self._inbox: deque[str] | None = None
        self._busy = False  # a hub callback for this connection is running
        self._closed = False

    def send(self, frame: str) -> None:
        # Over max_backpressure uWS drops the frame and closes the socket.
        self._socket.send(frame)

    def join(self, topic: str) -> None:
        self._socket.subscribe(topic)

    def leave(self, topic: str) -> None:
        self._socket.unsubscribe(topic)

    def close(self, code: int = 1000, reason: str = "") -> None:
        self._socket.end(code, reason)


class SocketifyTransport(Transport, NativeWebSocketRoute):
    """Create it first, hand it to the hub, then serve it as a native route of `serve_socketify`."""

    def __init__(
        self,
        *,
        hub_provider: Callable[[], HubCallbacks | None],
        max_backpressure: int = 1024 * 1024,
        max_payload_length: int = 64 * 1024,
        idle_timeout: int = 60,
        max_queued_messages: int = 256,
    ) -> None:
        self.settings = WebSocketSettings(
            max_payload_length=max_payload_length, idle_timeout=idle_timeout, max_backpressure=max_backpressure
        )
        self._hub_provider = hub_provider
        self._max_queued = max_queued_messages
        self._connections: set[SocketifyConnection] = set()
        self._server: NativeServer | None = None  # set by bind(), before the server listens

    def bind(self, server: NativeServer) -> None:
        self._server = server

    def publish(self, topic: str, frame: str) -> None:
        if self._server is not None:  # else not serving yet: nobody can have joined
            self._server.publish(topic, frame)

    def connection_count(self) -> int:
        return len(self._connections)

    # --- the native route: uWS events ----------------------------------------------------------

    def upgrade(self, request: UpgradeRequest) -> tuple[HubCallbacks, str | None]:
        hub = self._hub_provider()
        if hub is None:
            raise UpgradeRefused(_SERVICE_UNAVAILABLE)
        query_token = request.query(b"token").decode(errors="replace")
        return hub, connect_token(query_token, request.header(b"authorization").decode(errors="replace"))

    def opened(self, socket: NativeWebSocket) -> None:
        hub, token = socket.user
        conn = socket.user = SocketifyConnection(socket, hub)
        self._connections.add(conn)
        conn._busy = True
        self._server.spawn(self._serve(conn, hub.opened(conn, token)))

    def message(self, socket: NativeWebSocket, data: str | bytes) -> None:
        conn: SocketifyConnection = socket.user
        if not isinstance(data, str):
            conn.close(_UNSUPPORTED_DATA, "text frames only")
        elif conn._busy:
            if conn._inbox is None:
                conn._inbox = deque()
            if len(conn._inbox) >= self._max_queued:
                conn.close(_POLICY_VIOLATION, "too many messages waiting")
            else:
                conn._inbox.append(data)
        else:
            conn._busy = True
            self._server.spawn(self._serve(conn, conn._hub.received(conn, data)))

    def closed(self, socket: NativeWebSocket, code: int, reason: str) -> None:
        conn: SocketifyConnection = socket.user
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
