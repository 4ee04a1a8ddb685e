"""Serve the ASGI app with socketify (uWebSockets), and the realtime hub on native websockets.

    from app.server.socketify import serve_socketify
    from realtime.socketify_transport import SocketifyTransport

    transport = SocketifyTransport()                  # exists before the app, so the hub holds it
    app = create_app(settings, transport=transport)
    serve_socketify(
        app, host="0.0.0.0", port=8000,
        transport=transport,                          # serves ws_path natively, on the same port
        hub_provider=lambda: app.state.hub,           # asked on every upgrade; None refuses it (503)
    )

It blocks until SIGTERM or SIGINT, then stops listening, closes websockets with 1012, waits up to
`graceful_timeout` for requests in flight and runs lifespan shutdown; it returns normally (exit 0)
and raises SystemExit(3) when lifespan startup fails or the port cannot be bound. Lifespan startup
completes before the port is bound. Without a transport, `ws_path` is an ordinary ASGI route; with
one, the app's own route at `ws_path` (if any) is shadowed but stays in its OpenAPI document.
`workers=N` runs N servers sharing the port, each a fresh run of this process's command line
(see `_supervise`); the default single server owns its port exclusively.

What the ASGI app sees matches uvicorn: the scope (decoded path, raw_path, query_string without
'?', client (host, port), no "method" on websockets, "state"), websocket close codes and reasons,
403 for a close before accept, and genuine asyncio tasks: socketify's own task type broke
contextvars, anyio and everything built on them. Each request runs in a pure-Python asyncio Task
whose first step runs at once inside the uWS callback (like 3.12's eager tasks), so a request that
never waits is answered with no event-loop round trip; tasks the app creates are standard ones.

The uWS (libuv) loop is driven by the asyncio loop (uvloop): its epoll fd is watched with
add_reader, so there is no busy polling and no idle latency.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import gc
import logging
import os
import signal
import socket
import sys
from collections import deque
from collections.abc import Callable
from http import HTTPStatus
from typing import Any
from urllib.parse import unquote

import cffi
import uvloop
from socketify.native import ffi, lib

from realtime.socketify_transport import SocketifyTransport
from realtime.transport import HubCallbacks

logger = logging.getLogger("app.server")

ASGIApp = Callable[..., Any]
_ASGI = {"version": "3.0", "spec_version": "2.4"}
_EMPTY_BODY = {"type": "http.request", "body": b"", "more_body": False}
_DISCONNECT = {"type": "http.disconnect"}
_SERVICE_RESTART = 1012
# How often the uWS loop runs even without socket events: its timers (idle sweeps, pings) tick in seconds.
_UV_TICK_SECONDS = 0.25
_BODYLESS_STATUSES = frozenset({204, 304})

_current_tasks = asyncio.tasks._current_tasks
_HEADER_PTR = ffi.typeof("socketify_header *")
_libc_ffi = cffi.FFI()
_libc_ffi.cdef("""
    int getpeername(int sockfd, void *addr, unsigned int *addrlen);
    int prctl(int option, unsigned long arg2);
""")
_libc = _libc_ffi.dlopen(None)
_PR_SET_PDEATHSIG = 1
_WORKER_OF = "SOCKETIFY_WORKER_OF"  # in a worker's environment: its supervisor's pid
# uSockets listen option: without it the port is opened with SO_REUSEPORT and a second server on
# the same port would silently share it.
_LISTEN_EXCLUSIVE_PORT = 1
_peer_buf = _libc_ffi.new("unsigned char[128]")
_peer_len = _libc_ffi.new("unsigned int *")


def serve_socketify(
    asgi_app: ASGIApp,
    *,
    host: str,
    port: int,
    transport: SocketifyTransport | None = None,
    hub_provider: Callable[[], HubCallbacks | None] | None = None,
    ws_path: str = "/ws",
    on_ready: Callable[[], None] | None = None,
    graceful_timeout: float = 10.0,
    workers: int = 1,
) -> None:
    if (transport is None) != (hub_provider is None):
        raise ValueError("a native transport needs a hub_provider, and a hub_provider a transport")

    def serve(shared_port: bool) -> int:
        server = _Server(asgi_app, host, port, graceful_timeout, shared_port)
        if transport is not None:
            server.transport = transport
            transport.bind(
                server.ssl,
                server.uws_app,
                ws_path,
                hub_provider=hub_provider,
                spawn=server.spawn,
                wake=server.wake,
            )
        return 0 if server.run(on_ready) else 3

    supervisor = os.environ.get(_WORKER_OF)
    if supervisor is not None:
        _libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
        code = serve(True) if os.getppid() == int(supervisor) else 1  # else it died before prctl
    elif workers > 1:
        code = _supervise(workers)
    else:
        code = serve(False)
    if code:
        raise SystemExit(code)


def _supervise(count: int) -> int:
    """Run this process's command line `count` more times as workers sharing the port.

    Workers are fresh interpreters, not forks: the app already built here may run threads (a
    logging queue listener, for one) that a fork would leave half-copied. SIGTERM/SIGINT stop
    them all; a worker that exits on its own takes the others down and the first non-zero exit
    code is returned, so the process manager restarts the whole. Workers get SIGTERM if this
    process dies.
    """
    command = [sys.executable, *sys.orig_argv[1:]]
    environment = {**os.environ, _WORKER_OF: str(os.getpid())}
    children: set[int] = set()
    stopping = False

    def stop_all(*_: Any) -> None:
        nonlocal stopping
        stopping = True
        for pid in children:
            with contextlib.suppress(ProcessLookupError):  # reaped an instant ago
                os.kill(pid, signal.SIGTERM)

    signal.signal(signal.SIGTERM, stop_all)
    signal.signal(signal.SIGINT, stop_all)
    for _ in range(count):
        children.add(os.posix_spawn(sys.executable, command, environment))
    if stopping:
        stop_all()
    exit_code = 0
    while children:
        pid, status = os.wait()
        children.discard(pid)
        code = os.waitstatus_to_exitcode(status)
        if code and not exit_code:
            exit_code = code if code > 0 else 1
        if not stopping:
            logger.error("Worker %d exited with %d; stopping the others", pid, code)
            stop_all()
    return exit_code


class _RequestTask(asyncio.tasks._PyTask):
    """A genuine asyncio Task whose first step runs immediately, in the caller's stack frame."""

    _name = "asgi-request"
    _num_cancels_requested = 0
    _must_cancel = False
    _fut_waiter = None

    def __init__(self, coro: Any, loop: asyncio.AbstractEventLoop) -> None:
        # Future.__init__ and Task.__init__ inlined: the latter would schedule the first step.
        self._loop = loop
        self._callbacks = []
        self._coro = coro
        self._context = context = contextvars.copy_context()
        outer = _current_tasks.get(loop)
        if outer is None:
            context.run(self._Task__step)
        else:
            # A websocket close emitted inside another task's step reaches us with that task current.
            asyncio.tasks._leave_task(loop, outer)
            try:
                context.run(self._Task__step)
            finally:
                asyncio.tasks._enter_task(loop, outer)
        if not self.done():
            asyncio.tasks._register_task(self)


class _Server:
    def __init__(self, asgi_app: ASGIApp, host: str, port: int, graceful_timeout: float, shared_port: bool) -> None:
        self.app = asgi_app
        self.host = host
        self.port = port
        self.shared_port = shared_port
        self.graceful_timeout = graceful_timeout
        self.loop = uvloop.new_event_loop()
        asyncio.set_event_loop(self.loop)
        self.uv = lib.socketify_create_loop()
        if lib.socketify_constructor_failed(self.uv):
            raise RuntimeError("socketify could not create its libuv loop")
        lib.uws_get_loop_with_native(lib.socketify_get_native_loop(self.uv))
        self.ssl = ffi.cast("int", 0)
        self.uws_app = lib.uws_create_app(self.ssl, ffi.new("struct us_socket_context_options_t *")[0])
        if lib.uws_constructor_failed(self.ssl, self.uws_app):
            raise RuntimeError("uWebSockets could not create its app")
        self.handle = ffi.new_handle(self)
        self.transport: SocketifyTransport | None = None
        self.state: dict[str, Any] = {}
        self.server_addr: tuple[str, int] = (host, port)
        self.listen_socket: Any = None
        self.tasks: set[asyncio.Future[None]] = set()
        # Requests and websocket handshakes uWS may still call back for, by their uws_res_t pointer.
        self.pending: dict[Any, _HttpCycle | _AsgiWebSocket] = {}
        self.websockets: set[_AsgiWebSocket] = set()
        self.peers: dict[Any, tuple[str, int] | None] = {}  # (host, port) by open HTTP connection
        self.corked_res: Any = None
        self.cork_job: tuple[_HttpCycle, bytes, bool] | None = None
        self.wake_scheduled = False
        self.ticker: asyncio.TimerHandle | None = None
        lib.uws_filter(self.ssl, self.uws_app, _on_connection, self.handle)
        self._http_info = lib.socketify_add_asgi_http_handler(self.ssl, self.uws_app, _on_http, self.handle)
        self._ws_info = lib.socketify_add_asgi_ws_handler(
            self.ssl, self.uws_app, _asgi_ws_behavior(), _on_ws_upgrade, self.handle
        )

    # --- running -----------------------------------------------------------------------------

    def run(self, on_ready: Callable[[], None] | None) -> bool:
        loop = self.loop
        stop = loop.create_future()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, lambda: stop.done() or stop.set_result(None))
        backend_fd = _uv_backend_fd(self.uv)
        loop.add_reader(backend_fd, self.pump)
        self._tick()
        lifespan = _Lifespan(self.app, self.state)
        if not loop.run_until_complete(lifespan.startup()):
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
            loop.run_until_complete(stop)
        self._stop_accepting()
        loop.run_until_complete(self._finish_in_flight())
        loop.remove_reader(backend_fd)
        self.ticker.cancel()
        loop.run_until_complete(lifespan.shutdown())
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
        if self.transport is not None:
            self.transport.close_all(_SERVICE_RESTART, "server shutting down")
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

    def spawn(self, coro: Any) -> None:
        """Run `coro` as a task now, up to its first wait; keep it referenced until it ends."""
        task = _RequestTask(coro, self.loop)
        if not task.done():
            self.tasks.add(task)
            task.add_done_callback(self.tasks.discard)

    def pump(self) -> None:
        self.wake_scheduled = False
        lib.socketify_loop_run(self.uv, lib.SOCKETIFY_RUN_NOWAIT)

    def wake(self) -> None:
        """Run the uWS loop again soon. Every uWS event calls it: libuv applies the epoll changes an
        event causes (a new socket to watch, a wait for writability) only in its next iteration,
        and uWS delivers publishes and finishes closes there too."""
        if not self.wake_scheduled:
            self.wake_scheduled = True
            self.loop.call_soon(self.pump)

    def _tick(self) -> None:
        self.pump()
        self.ticker = self.loop.call_later(_UV_TICK_SECONDS, self._tick)

    # --- HTTP --------------------------------------------------------------------------------

    def http(self, res: Any, info: Any) -> None:
        headers, raw_path, path, query = _request_parts(info)
        method = ffi.unpack(info.method, info.method_size).decode("latin-1")
        scope = {
            "type": "http",
            "asgi": _ASGI,
            "http_version": "1.1",
            "server": self.server_addr,
            "client": self.peers.get(res),
            "scheme": "http",
            "method": method,
            "root_path": "",
            "path": path,
            "raw_path": raw_path,
            "query_string": query,
            "headers": headers,
            "state": self.state.copy(),
        }
        cycle = _HttpCycle(self, res, method == "HEAD")
        self.pending[res] = cycle
        lib.uws_res_on_aborted(self.ssl, res, _on_aborted, self.handle)
        if info.has_content:
            cycle.body = deque()
            lib.uws_res_on_data(self.ssl, res, _on_data, self.handle)
        self.corked_res = res  # uWS corks the socket while it runs this callback
        try:
            self.spawn(cycle.run(scope))
        finally:
            self.corked_res = None

    def websocket(self, res: Any, info: Any, context: Any) -> None:
        headers, raw_path, path, query = _request_parts(info)
        subprotocols: list[str] = []
        if info.protocol_size:
            offered = ffi.unpack(info.protocol, info.protocol_size)
            headers.append((b"sec-websocket-protocol", offered))  # socketify's C side leaves it out
            subprotocols = [p.strip() for p in offered.decode("latin-1").split(",") if p.strip()]
        scope = {
            "type": "websocket",
            "asgi": _ASGI,
            "http_version": "1.1",
            "server": self.server_addr,
            "client": self.peers.get(res),
            "scheme": "ws",
            "root_path": "",
            "path": path,
            "raw_path": raw_path,
            "query_string": query,
            "headers": headers,
            "subprotocols": subprotocols,
            "extensions": {"websocket.http.response": {}},
            "state": self.state.copy(),
        }
        key = ffi.unpack(info.key, info.key_size) if info.key_size else b""
        extensions = ffi.unpack(info.extensions, info.extensions_size) if info.extensions_size else b""
        ws = _AsgiWebSocket(self, res, context, key, extensions)
        self.pending[res] = ws
        lib.uws_res_on_aborted(self.ssl, res, _on_aborted, self.handle)
        self.spawn(ws.run(scope))

    def cork(self) -> None:
        """Called back by uws_res_cork: write what `cork_job` holds while the socket is corked."""
        cycle, body, end = self.cork_job
        self.cork_job = None
        cycle.write(body, end)


class _HttpCycle:
    __slots__ = (
        "aborted",
        "body",
        "body_done",
        "close",
        "complete",
        "done_waiter",
        "head_only",
        "head_written",
        "headers",
        "request_done",
        "res",
        "server",
        "status",
        "waiter",
    )

    def __init__(self, server: _Server, res: Any, head_only: bool) -> None:
        self.server = server
        self.res = res
        self.head_only = head_only
        self.body: deque[bytes] | None = None  # None: the request has no body
        self.body_done = False
        self.request_done = False
        self.waiter: asyncio.Future[None] | None = None
        self.status: int | None = None
        self.headers: Any = ()
        self.head_written = False
        self.complete = False
        self.aborted = False
        self.close = False
        self.done_waiter: asyncio.Future[None] | None = None

    async def run(self, scope: dict[str, Any]) -> None:
        try:
            await self.server.app(scope, self.receive, self.send)
        except Exception:
            logger.exception("Exception in ASGI application")
        finally:
            if not self.complete and not self.aborted:
                if self.status is None:
                    self.status, self.headers = 500, [(b"content-type", b"text/plain; charset=utf-8")]
                    self.respond(b"Internal Server Error", True)
                else:
                    self.finish()
                    lib.uws_res_close(self.server.ssl, self.res)

    async def receive(self) -> dict[str, Any]:
        if not self.request_done and not self.aborted and not self.complete:
            body = self.body
            if body is None:
                self.request_done = True
                return _EMPTY_BODY
            while not body and not self.body_done and not self.aborted:
                self.waiter = self.server.loop.create_future()
                await self.waiter
            if not self.aborted:
                chunk = body.popleft() if len(body) == 1 else b"".join(body)
                body.clear()
                self.request_done = self.body_done
                return {"type": "http.request", "body": chunk, "more_body": not self.body_done}
        if not self.aborted and not self.complete:
            self.done_waiter = self.server.loop.create_future()
            await self.done_waiter
        return _DISCONNECT

    async def send(self, message: dict[str, Any]) -> None:
        if self.aborted or self.complete:
            return
        kind = message["type"]
        if kind == "http.response.start" and self.status is None:
            self.status = message["status"]
            self.headers = message.get("headers", ())
        elif kind == "http.response.body" and self.status is not None:
            self.respond(message.get("body", b""), not message.get("more_body", False))
        else:
            raise RuntimeError(f"Unexpected ASGI message {kind!r} on this HTTP response")

    def respond(self, body: bytes, end: bool) -> None:
        server = self.server
        if server.corked_res == self.res:
            self.write(body, end)
        else:
            server.cork_job = (self, body, end)
            lib.uws_res_cork(server.ssl, self.res, _on_cork, server.handle)

    def write(self, body: bytes, end: bool) -> None:
        ssl, res = self.server.ssl, self.res
        if not self.head_written:
            self.head_written = True
            bodyless = self.head_only or self.status in _BODYLESS_STATUSES
            self.close = _write_head(ssl, res, self.status, self.headers, keep_length=bodyless)
            if bodyless:
                self.finish()
                lib.uws_res_end_without_body(ssl, res, self.close)
                return
        if not end:
            if body:
                lib.uws_res_write(ssl, res, body, len(body))
            return
        self.finish()
        if self.body is not None and not self.body_done:
            self.close = True  # an unread request body cannot be skipped on a kept-alive connection
        lib.uws_res_end(ssl, res, body, len(body), self.close)

    def finish(self) -> None:
        self.complete = True
        self.server.pending.pop(self.res, None)
        if self.done_waiter is not None and not self.done_waiter.done():
            self.done_waiter.set_result(None)

    def data(self, chunk: bytes, fin: bool) -> None:
        if chunk:
            self.body.append(chunk)
        if fin:
            self.body_done = True
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_result(None)

    def abort(self) -> None:
        self.aborted = True
        for waiter in (self.waiter, self.done_waiter):
            if waiter is not None and not waiter.done():
                waiter.set_result(None)


# --- ASGI websockets ---------------------------------------------------------------------------


class ClientDisconnected(OSError):
    """Raised by send() on a websocket whose client has gone, as uvicorn does."""


class _AsgiWebSocket:
    def __init__(self, server: _Server, res: Any, context: Any, key: bytes, extensions: bytes) -> None:
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
            _write_head(server.ssl, res, 101, extra)
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
        _write_head(server.ssl, self.res, status, headers)
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


def _asgi_ws_behavior() -> Any:
    behavior = ffi.new("uws_socket_behavior_t *")
    behavior.compression = 0
    behavior.maxPayloadLength = 16 * 1024 * 1024  # uvicorn's ws_max_size
    behavior.idleTimeout = 60
    behavior.maxBackpressure = 1024 * 1024
    behavior.closeOnBackpressureLimit = True
    behavior.resetIdleTimeoutOnSend = False
    behavior.sendPingsAutomatically = True
    behavior.maxLifetime = 0
    behavior.upgrade = ffi.NULL  # socketify's C handler reads the request and calls _on_ws_upgrade
    behavior.open = _on_ws_open
    behavior.message = _on_ws_message
    behavior.drain = ffi.NULL
    behavior.ping = ffi.NULL
    behavior.pong = ffi.NULL
    behavior.close = _on_ws_close
    behavior.subscription = ffi.NULL
    return behavior[0]


# --- ASGI lifespan -----------------------------------------------------------------------------


class _Lifespan:
    def __init__(self, app: ASGIApp, state: dict[str, Any]) -> None:
        self.app = app
        self.state = state
        self.events: asyncio.Queue[dict[str, str]] = asyncio.Queue()
        self.started = asyncio.Event()
        self.stopped = asyncio.Event()
        self.failed = False
        self.task: asyncio.Task[None] | None = None

    async def startup(self) -> bool:
        self.task = asyncio.get_running_loop().create_task(self._main())
        await self.events.put({"type": "lifespan.startup"})
        await self.started.wait()
        return not self.failed

    async def shutdown(self) -> None:
        if self.failed:
            return
        await self.events.put({"type": "lifespan.shutdown"})
        await self.stopped.wait()

    async def _main(self) -> None:
        scope = {"type": "lifespan", "asgi": {"version": "3.0", "spec_version": "2.0"}, "state": self.state}
        try:
            await self.app(scope, self.events.get, self._send)
        except BaseException:
            self.failed = True
            logger.exception("Exception in 'lifespan' protocol")
        finally:
            self.started.set()
            self.stopped.set()

    async def _send(self, message: dict[str, Any]) -> None:
        kind = message["type"]
        if kind.endswith(".failed"):
            self.failed = True
            logger.error("%s: %s", kind, message.get("message", ""))
        (self.started if kind.startswith("lifespan.startup") else self.stopped).set()


# --- helpers and uWS callbacks -----------------------------------------------------------------


def _write_head(ssl: Any, res: Any, status: int, headers: Any, *, keep_length: bool = False) -> bool:
    """Status line and headers, less the framing uWS writes itself; True if the app said close."""
    line = _status_line(status)
    lib.uws_res_write_status(ssl, res, line, len(line))
    close = False
    for name, value in headers:
        lowered = name.lower()
        if (lowered == b"content-length" and not keep_length) or lowered == b"transfer-encoding":
            continue
        if lowered == b"connection" and value.lower() == b"close":
            close = True
            continue
        lib.uws_res_write_header(ssl, res, name, len(name), value, len(value))
    return close


def _fail(ssl: Any, res: Any) -> None:
    """Answer 500 and close: uWS ends the process if a request is left with no response."""
    _write_head(ssl, res, 500, ())
    lib.uws_res_end(ssl, res, b"", 0, True)


_status_lines: dict[int, bytes] = {}


def _status_line(status: int) -> bytes:
    line = _status_lines.get(status)
    if line is None:
        try:
            phrase = HTTPStatus(status).phrase
        except ValueError:
            phrase = "Unknown"
        line = _status_lines[status] = f"{status} {phrase}".encode()
    return line


def _request_parts(info: Any) -> tuple[list[tuple[bytes, bytes]], bytes, str, bytes]:
    """Headers, raw path, decoded path and query string (without '?') of socketify's request info."""
    headers = []
    header = info.header_list
    while header != ffi.NULL:
        headers.append((ffi.unpack(header.name, header.name_size), ffi.unpack(header.value, header.value_size)))
        header = ffi.cast(_HEADER_PTR, header.next)
    raw_path = ffi.unpack(info.url, info.url_size)
    path = raw_path.decode("latin-1")
    if "%" in path:
        path = unquote(path)
    return headers, raw_path, path, ffi.unpack(info.query_string, info.query_string_size)[1:]


def _peer(native_handle: Any) -> tuple[str, int] | None:
    """(host, port) of a plain-TCP uWS socket, whose native handle is its file descriptor."""
    _peer_len[0] = 128
    if _libc.getpeername(int(ffi.cast("intptr_t", native_handle)), _peer_buf, _peer_len) != 0:
        return None
    raw = bytes(_libc_ffi.buffer(_peer_buf, _peer_len[0]))
    port = int.from_bytes(raw[2:4], "big")
    if raw[0] == socket.AF_INET:
        return socket.inet_ntop(socket.AF_INET, raw[4:8]), port
    address = raw[8:24]
    if address[:12] == b"\0" * 10 + b"\xff\xff":
        return socket.inet_ntop(socket.AF_INET, address[12:]), port
    return socket.inet_ntop(socket.AF_INET6, address), port


def _uv_backend_fd(uv_loop: Any) -> int:
    """The epoll descriptor of socketify's libuv loop (uv_loop_t.backend_fd, libuv 1.x on Linux)."""
    fd = ffi.cast("int *", lib.socketify_get_native_loop(uv_loop))[16]
    if os.readlink(f"/proc/self/fd/{fd}") != "anon_inode:[eventpoll]":
        raise RuntimeError("unexpected libuv loop layout in this socketify build")
    return fd


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
        server.peers[res] = _peer(lib.uws_res_get_native_handle(server.ssl, res))
    else:
        server.peers.pop(res, None)


@ffi.callback("void(int, uws_res_t *, socketify_asgi_data, void *)")
def _on_http(ssl: int, res: Any, info: Any, user_data: Any) -> None:
    server = ffi.from_handle(user_data)
    server.wake()
    try:
        server.http(res, info)
    except Exception:
        logger.exception("Could not start an ASGI request")
        if res not in server.pending:
            _fail(server.ssl, res)


@ffi.callback("void(uws_res_t *, void *)")
def _on_aborted(res: Any, user_data: Any) -> None:
    server = ffi.from_handle(user_data)
    server.wake()
    cycle = server.pending.pop(res, None)
    if cycle is not None:
        cycle.abort()


@ffi.callback("void(uws_res_t *, const char *, size_t, bool, void *)")
def _on_data(res: Any, chunk: Any, length: int, fin: bool, user_data: Any) -> None:
    server = ffi.from_handle(user_data)
    server.wake()
    cycle = server.pending.get(res)
    if cycle is not None:
        cycle.data(ffi.unpack(chunk, length) if length else b"", bool(fin))


@ffi.callback("void(uws_res_t *, void *)")
def _on_cork(res: Any, user_data: Any) -> None:
    ffi.from_handle(user_data).cork()


@ffi.callback("void(int, uws_res_t *, socketify_asgi_ws_data, uws_socket_context_t *, void *)")
def _on_ws_upgrade(ssl: int, res: Any, info: Any, context: Any, user_data: Any) -> None:
    server = ffi.from_handle(user_data)
    server.wake()
    try:
        server.websocket(res, info, context)
    except Exception:
        logger.exception("Could not start an ASGI websocket")
        if res not in server.pending:
            _fail(server.ssl, res)


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
