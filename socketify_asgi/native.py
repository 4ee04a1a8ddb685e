"""Websocket routes served by uWebSockets itself: frames, pings and topic fan-out stay in C, with no
ASGI cycle between a socket and its route.

    class Lobby(NativeWebSocketRoute):
        settings = WebSocketSettings(max_payload_length=64 * 1024)

        def bind(self, server: NativeServer) -> None:
            self.server = server                               # publish() and spawn()

        def upgrade(self, request: UpgradeRequest) -> object:
            return request.query(b"name")                      # becomes socket.user; or raise UpgradeRefused(403)

        def opened(self, socket: NativeWebSocket) -> None:
            socket.subscribe("lobby")

        def message(self, socket: NativeWebSocket, data: str | bytes) -> None:
            self.server.publish("lobby", data)

        def closed(self, socket: NativeWebSocket, code: int, reason: str) -> None: ...

    serve_socketify(app, host=..., port=..., native_routes={"/lobby": Lobby()})

The callbacks run inside uWS's own, on the event loop's thread: they must not block, and work that
waits goes to `server.spawn(coro)`. For one socket uWS calls `opened` first, `message` once per
frame in arrival order, `closed` last. A callback that raises is logged and its socket closed with
1011. A native route shadows an ASGI route at the same path; at shutdown its sockets are closed
with 1012 before requests in flight finish.
"""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from collections.abc import Coroutine
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from socketify.native import ffi, lib

from .http import write_head

if TYPE_CHECKING:
    from .server import Server

logger = logging.getLogger("socketify_asgi")

_TEXT = 1
_BINARY = 2
_INTERNAL_ERROR = 1011
_MAX_CLOSE_REASON = 123  # bytes: what fits in a close frame after its code
_header_out = ffi.new("char **")


@dataclass(frozen=True, slots=True)
class WebSocketSettings:
    """uWS settings of a route's sockets; the defaults are what ASGI websocket routes get.

    Fixed for every socket served: no compression (deflate costs CPU on every frame written and
    memory on every socket, for frames that are mostly small), the server pings a quiet client, and
    only the client's traffic (or its pongs) keeps a socket alive."""

    max_payload_length: int = 16 * 1024 * 1024  # largest frame accepted (uvicorn's ws_max_size); more closes 1009
    idle_timeout: int = 60  # seconds without a frame from the client before it is closed
    max_backpressure: int = 1024 * 1024  # bytes waiting for a slow client before it is closed


class NativeServer(Protocol):
    """What a native route gets from the server it is bound to."""

    def publish(self, topic: str, data: str | bytes) -> None:
        """One frame (str: text, bytes: binary) to every socket of this process subscribed to `topic`:
        sent before this returns when called from a task, right after the callback from a route's callback."""

    def spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        """Run `coro` as a task now, up to its first wait; shutdown waits for it like a request."""


class UpgradeRefused(Exception):
    """Raised by `upgrade` to answer the handshake with an HTTP status instead."""

    def __init__(self, status: int) -> None:
        super().__init__(status)
        self.status = status


class UpgradeRequest:
    """The handshake being upgraded; readable only while `upgrade` runs."""

    __slots__ = ("_req",)

    def __init__(self, req: Any) -> None:
        self._req = req

    def header(self, name: bytes) -> bytes:
        """The value of header `name` (in lowercase), b"" when absent."""
        size = lib.uws_req_get_header(self._req, name, len(name), _header_out)
        return ffi.unpack(_header_out[0], size) if size else b""

    def query(self, name: bytes) -> bytes:
        """The percent-decoded value of query parameter `name`, b"" when absent."""
        size = lib.uws_req_get_query(self._req, name, len(name), _header_out)
        return ffi.unpack(_header_out[0], size) if size else b""


class NativeWebSocket:
    """One socket of a native route. Its methods never block and do nothing once it has closed."""

    __slots__ = ("_handle", "_server", "_ws", "user")

    def __init__(self, server: Server, user: Any) -> None:
        self.user = user  # what the route's `upgrade` returned
        self._server = server
        self._ws: Any = None  # uws_websocket_t *, set when open, None once closed
        self._handle: Any = ffi.new_handle(self)  # uWS's user data for this socket

    def send(self, data: str | bytes) -> None:
        """Queue one frame (str: text, bytes: binary). Past max_backpressure uWS drops it and closes the socket."""
        if self._ws is not None:
            if isinstance(data, str):
                data, opcode = data.encode(), _TEXT
            else:
                opcode = _BINARY
            lib.uws_ws_send_with_options(self._server.ssl, self._ws, data, len(data), opcode, False, True)

    def subscribe(self, topic: str) -> None:
        if self._ws is not None:
            name = topic.encode()
            lib.uws_ws_subscribe(self._server.ssl, self._ws, name, len(name))

    def unsubscribe(self, topic: str) -> None:
        if self._ws is not None:
            name = topic.encode()
            lib.uws_ws_unsubscribe(self._server.ssl, self._ws, name, len(name))

    def end(self, code: int = 1000, reason: str = "") -> None:
        """Close with `code` and `reason` (cut to 123 bytes); the route hears `closed` before this returns."""
        if self._ws is not None:
            data = reason.encode()[:_MAX_CLOSE_REASON]
            lib.uws_ws_end(self._server.ssl, self._ws, code, data, len(data))
            self._server.wake()


class NativeWebSocketRoute(ABC):
    """A websocket route uWS serves natively; give it to `serve_socketify(native_routes={path: route})`."""

    settings = WebSocketSettings()

    def bind(self, server: NativeServer) -> None:  # noqa: B027 (optional: a route that never publishes skips it)
        """Called once in each server process, before it listens."""

    @abstractmethod
    def upgrade(self, request: UpgradeRequest) -> Any:
        """Accept the handshake: what this returns becomes `socket.user`. Raise UpgradeRefused(status) to refuse it."""

    @abstractmethod
    def opened(self, socket: NativeWebSocket) -> None: ...

    @abstractmethod
    def message(self, socket: NativeWebSocket, data: str | bytes) -> None:
        """One frame from the client: a text frame as str, a binary frame as bytes."""

    @abstractmethod
    def closed(self, socket: NativeWebSocket, code: int, reason: str) -> None: ...


class RouteBinding:
    """One native route on one server: the user data of its uWS callbacks."""

    __slots__ = ("behavior", "handle", "route", "server")

    def __init__(self, server: Server, route: NativeWebSocketRoute) -> None:
        self.server = server
        self.route = route
        self.handle = ffi.new_handle(self)
        self.behavior = ws_behavior(
            route.settings, upgrade=_on_upgrade, open=_on_open, message=_on_message, close=_on_close
        )


def ws_behavior(settings: WebSocketSettings, *, upgrade: Any, open: Any, message: Any, close: Any) -> Any:
    """The uWS settings and callbacks of one websocket route (native, or every ASGI one)."""
    behavior = ffi.new("uws_socket_behavior_t *")
    behavior.compression = 0
    behavior.maxPayloadLength = settings.max_payload_length
    behavior.idleTimeout = settings.idle_timeout
    behavior.maxBackpressure = settings.max_backpressure
    behavior.closeOnBackpressureLimit = True
    behavior.resetIdleTimeoutOnSend = False
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


def _refuse(server: Server, res: Any, status: int) -> None:
    write_head(server.ssl, res, status, ())
    lib.uws_res_end(server.ssl, res, b"", 0, True)


def _socket(server: Server, ws: Any) -> NativeWebSocket:
    return ffi.from_handle(lib.uws_ws_get_user_data(server.ssl, ws))


@ffi.callback("void(uws_res_t *, uws_req_t *, uws_socket_context_t *, void *)")
def _on_upgrade(res: Any, req: Any, context: Any, user_data: Any) -> None:
    binding = ffi.from_handle(user_data)
    server = binding.server
    server.wake()  # libuv applies the epoll changes of this event in its next iteration
    request = UpgradeRequest(req)
    try:
        socket = NativeWebSocket(server, binding.route.upgrade(request))
    except UpgradeRefused as refusal:
        _refuse(server, res, refusal.status)
        return
    except Exception:
        logger.exception("Websocket upgrade failed")
        _refuse(server, res, 500)
        return
    key = request.header(b"sec-websocket-key")
    extensions = request.header(b"sec-websocket-extensions")
    lib.uws_res_upgrade(server.ssl, res, socket._handle, key, len(key), b"", 0, extensions, len(extensions), context)


@ffi.callback("void(uws_websocket_t *, void *)")
def _on_open(ws: Any, user_data: Any) -> None:
    binding = ffi.from_handle(user_data)
    server = binding.server
    server.wake()
    socket = _socket(server, ws)
    socket._ws = ws
    server.native_sockets.add(socket)
    try:
        binding.route.opened(socket)
    except Exception:
        logger.exception("Native websocket route failed in opened()")
        socket.end(_INTERNAL_ERROR, "internal error")


@ffi.callback("void(uws_websocket_t *, const char *, size_t, uws_opcode_t, void *)")
def _on_message(ws: Any, message: Any, length: int, opcode: int, user_data: Any) -> None:
    binding = ffi.from_handle(user_data)
    server = binding.server
    server.wake()
    data = ffi.unpack(message, length) if length else b""
    socket = _socket(server, ws)
    try:
        binding.route.message(socket, data.decode() if opcode == _TEXT else data)  # uWS checked it is UTF-8
    except Exception:
        logger.exception("Native websocket route failed in message()")
        socket.end(_INTERNAL_ERROR, "internal error")


@ffi.callback("void(uws_websocket_t *, int, const char *, size_t, void *)")
def _on_close(ws: Any, code: int, message: Any, length: int, user_data: Any) -> None:
    binding = ffi.from_handle(user_data)
    server = binding.server
    server.wake()
    socket = _socket(server, ws)
    socket._ws = None
    server.native_sockets.discard(socket)
    reason = ffi.unpack(message, length).decode(errors="replace") if length else ""
    try:
        binding.route.closed(socket, int(code), reason)
    except Exception:
        logger.exception("Native websocket route failed in closed()")
    socket._handle = None  # uWS calls nothing more for this socket
