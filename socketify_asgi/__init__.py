"""An ASGI server on socketify (uWebSockets), with websocket routes uWS can serve natively.

    from socketify_asgi import serve_socketify

    serve_socketify(
        app, host="0.0.0.0", port=8000,
        native_routes={"/ws": route},                 # optional: NativeWebSocketRoute by path (native.py)
    )

It blocks until SIGTERM or SIGINT, then stops listening, closes websockets with 1012, waits up to
`graceful_timeout` for requests in flight and runs lifespan shutdown; it returns normally (exit 0)
and raises SystemExit(3) when lifespan startup fails or the port cannot be bound. Lifespan startup
completes before the port is bound. A native route shadows the app's own route at its path (which
stays in the app's OpenAPI document). `workers=N` runs N servers sharing the port, each a fresh run
of this process's command line (see `workers.py`); the default single server owns its port
exclusively. On a Python it was not checked on (python_version.py) it exits with a message saying
which it runs on, before anything else.

What the ASGI app sees matches uvicorn: the scope (decoded path, raw_path, query_string without
'?', client (host, port), no "method" on websockets, "state"), websocket close codes and reasons,
403 for a close before accept, and genuine asyncio tasks: socketify's own task type broke
contextvars, anyio and everything built on them. A request whose Content-Length is repeated or not
one plain number is answered 400 and its connection closed, as uvicorn does (uWS would frame its
body by the first one and read the rest as the next request). Each request runs in a pure-Python
asyncio Task whose first step runs at once (like 3.12's eager tasks), so a request that never waits
is answered with no event-loop round trip; tasks the app creates are standard ones. A request is
started right after the uWS loop run that read it, once every ready socket has been read (reading
them back to back, then running the app for each, keeps each phase hot in the CPU caches); a
request with a body, or with another pipelined behind it in the same read, starts inside its uWS
callback instead, because uWS closes a connection whose next request it parses while the previous
one is unanswered.

The uWS (libuv) loop is driven by the asyncio loop (uvloop): its epoll fd is watched with
add_reader, so there is no busy polling and no idle latency.

Modules: `server` (the uWS app, listening, graceful stop), `loop` (the uWS loop under uvloop, the
request task), `scope`, `http`, `websocket` and `lifespan` (the ASGI cycles), `native` (native
websocket routes and the uWS websocket settings), `workers`, `python_version`. It imports nothing
but socketify, cffi and uvloop.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from .native import (
    NativeServer,
    NativeWebSocket,
    NativeWebSocketRoute,
    UpgradeRefused,
    UpgradeRequest,
    WebSocketSettings,
)
from .python_version import SUPPORTED_PYTHON, require_supported_python
from .scope import ASGIApp
from .server import Server
from .websocket import ClientDisconnected
from .workers import serve_in_workers

__all__ = [
    "SUPPORTED_PYTHON",
    "ClientDisconnected",
    "NativeServer",
    "NativeWebSocket",
    "NativeWebSocketRoute",
    "UpgradeRefused",
    "UpgradeRequest",
    "WebSocketSettings",
    "serve_socketify",
]


def serve_socketify(
    asgi_app: ASGIApp,
    *,
    host: str,
    port: int,
    native_routes: Mapping[str, NativeWebSocketRoute] | None = None,
    on_ready: Callable[[], None] | None = None,
    graceful_timeout: float = 10.0,
    workers: int = 1,
) -> None:
    require_supported_python()
    routes = dict(native_routes or {})

    def serve(shared_port: bool) -> int:
        server = Server(asgi_app, host, port, graceful_timeout, shared_port)
        for path, route in routes.items():
            server.add_native_route(path, route)
        return 0 if server.run(on_ready) else 3

    code = serve_in_workers(serve, workers)
    if code:
        raise SystemExit(code)
