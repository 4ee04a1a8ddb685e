"""One socketify server: the uWS app and its handlers, listening, and the graceful stop."""

from __future__ import annotations

import asyncio
import gc
import logging
import signal
from collections.abc import Callable, Coroutine
from typing import Any

import uvloop
from socketify.native import ffi, lib

from .http import HttpCycle, on_http
from .lifespan import Lifespan
from .loop import RequestTask, UwsLoop
from .native import NativeWebSocket, NativeWebSocketRoute, RouteBinding
from .scope import ASGIApp, peer_address
from .websocket import AsgiWebSocket, asgi_ws_behavior, on_ws_upgrade

logger = logging.getLogger("socketify_asgi")

_TEXT = 1
_BINARY = 2

_SERVICE_RESTART = 1012
# uSockets listen option: without it the port is opened with SO_REUSEPORT and a second server on
# the same port would silently share it.
_LISTEN_EXCLUSIVE_PORT = 1


class Server:
    def __init__(self, asgi_app: ASGIApp, host: str, port: int, graceful_timeout: float, shared_port: bool) -> None:
        self.app = asgi_app
        self.host = host
        self.port = port
        self.shared_port = shared_port
        self.graceful_timeout = graceful_timeout
        self.loop = uvloop.new_event_loop()
        asyncio.set_event_loop(self.loop)
        self.uws_loop = UwsLoop(self.loop, self.start_deferred)
        self.wake = self.uws_loop.wake  # every uWS callback calls it: one attribute, no extra call
        self.ssl = ffi.cast("int", 0)
        self.uws_app = lib.uws_create_app(self.ssl, ffi.new("struct us_socket_context_options_t *")[0])
        if lib.uws_constructor_failed(self.ssl, self.uws_app):
            raise RuntimeError("uWebSockets could not create its app")
        self.handle = ffi.new_handle(self)
        self.native_routes: list[RouteBinding] = []  # uWS holds their handles: keep them alive
        self.native_sockets: set[NativeWebSocket] = set()
        self.state: dict[str, Any] = {}
        self.server_addr: tuple[str, int] = (host, port)
        self.listen_socket: Any = None
        self.tasks: set[asyncio.Future[None]] = set()
        # Requests and websocket handshakes uWS may still call back for, by their uws_res_t pointer.
        self.pending: dict[Any, HttpCycle | AsgiWebSocket] = {}
        self.websockets: set[AsgiWebSocket] = set()
        self.peers: dict[Any, tuple[str, int] | None] = {}  # (host, port) by open HTTP connection
        self.corked_res: Any = None
        self.deferred: list[tuple[HttpCycle, dict[str, Any]]] = []  # requests to run after this uWS run
        self.cork_job: tuple[HttpCycle, bytes, bool] | None = None
        lib.uws_filter(self.ssl, self.uws_app, _on_connection, self.handle)
        self._http_info = lib.socketify_add_asgi_http_handler(self.ssl, self.uws_app, on_http, self.handle)
        self._ws_info = lib.socketify_add_asgi_ws_handler(
            self.ssl, self.uws_app, asgi_ws_behavior(), on_ws_upgrade, self.handle
        )

    def add_native_route(self, path: str, route: NativeWebSocketRoute) -> None:
        binding = RouteBinding(self, route)
        lib.uws_ws(self.ssl, self.uws_app, path.encode(), binding.behavior[0], binding.handle)
        self.native_routes.append(binding)
        route.bind(self)

    def run(self, on_ready: Callable[[], None] | None) -> bool:
        # One run of the loop from start to end: between two runs uvloop does not watch signals,
        # and a SIGTERM arriving then (say, right after start-up) was lost.
        return self.loop.run_until_complete(self._serve(on_ready))

    async def _serve(self, on_ready: Callable[[], None] | None) -> bool:
        loop = self.loop
        stop = loop.create_future()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, lambda: stop.done() or stop.set_result(None))
        self.uws_loop.start()
        lifespan = Lifespan(self.app, self.state)
        if not await lifespan.startup():
            logger.error("Application startup failed. Exiting.")
            return False
        served = True
        if not stop.done():
            served = self._listen()
        if served and not stop.done():
            gc.collect()
            gc.freeze()  # startup's objects never die: keep them out of every later collection
            logger.info("Serving on http://%s:%d (socketify)", self.host, self.server_addr[1])
            if on_ready is not None:
                on_ready()
            await stop
        self._stop_accepting()
        await self._finish_in_flight()
        self.uws_loop.stop()
        await lifespan.shutdown()
        return served

    def _listen(self) -> bool:
        config = ffi.new("uws_app_listen_config_t *")
        host = ffi.new("char[]", self.host.encode())
        config.port = self.port
        config.host = host
        config.options = 0 if self.shared_port else _LISTEN_EXCLUSIVE_PORT
        lib.uws_app_listen_with_config(self.ssl, self.uws_app, config[0], _on_listen, self.handle)
        if self.listen_socket is None:
            logger.error("Could not listen on %s:%d", self.host, self.port)
            return False
        return True

    def _stop_accepting(self) -> None:
        if self.listen_socket is not None:
            lib.us_listen_socket_close(self.ssl, self.listen_socket)
            self.listen_socket = None
        for socket in list(self.native_sockets):
            socket.end(_SERVICE_RESTART, "server shutting down")
        for ws in list(self.websockets):
            ws.end(_SERVICE_RESTART, b"server shutting down")
        self.wake()

    async def _finish_in_flight(self) -> None:
        if self.tasks:
            _, late = await asyncio.wait(set(self.tasks), timeout=self.graceful_timeout)
            for task in late:
                task.cancel()
            if late:
                await asyncio.wait(late, timeout=1.0)

    def start_deferred(self) -> None:
        """Run the requests uWS handed over in its last run, each up to its first wait."""
        deferred = self.deferred
        if deferred:
            self.deferred = []
            for cycle, scope in deferred:
                if not cycle.aborted:
                    self.spawn(cycle.run(scope))

    def spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        """Run `coro` as a task now, up to its first wait; keep it referenced until it ends."""
        task = RequestTask(coro, self.loop)
        if not task.done():
            self.tasks.add(task)
            task.add_done_callback(self.tasks.discard)

    def publish(self, topic: str, data: str | bytes) -> None:
        """One frame to every native socket of this process subscribed to `topic`."""
        if isinstance(data, str):
            data, opcode = data.encode(), _TEXT
        else:
            opcode = _BINARY
        name = topic.encode()
        lib.uws_publish(self.ssl, self.uws_app, name, len(name), data, len(data), opcode, False)
        # uWS sends publishes in its next loop iteration: run it now, not after the caller's task
        # step and the event loop's other ready callbacks (about 50 us before the first frame leaves).
        self.uws_loop.run_now()


@ffi.callback("void(struct us_listen_socket_t *, uws_app_listen_config_t, void *)")
def _on_listen(listen_socket: Any, config: Any, user_data: Any) -> None:
    if listen_socket != ffi.NULL:
        server = ffi.from_handle(user_data)
        server.listen_socket = listen_socket
        server.server_addr = (server.host, lib.us_socket_local_port(server.ssl, listen_socket))


@ffi.callback("void(uws_res_t *, int, void *)")
def _on_connection(res: Any, event: int, user_data: Any) -> None:
    """uWS filter: an HTTP connection opened (1) or closed (-1); the peer is looked up once."""
    server = ffi.from_handle(user_data)
    server.wake()
    if event == 1:
        server.peers[res] = peer_address(lib.uws_res_get_native_handle(server.ssl, res))
    else:
        server.peers.pop(res, None)
