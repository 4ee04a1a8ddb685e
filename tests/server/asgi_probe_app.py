"""A tiny Litestar app that reports what a server gave it; tests and bench/ run it under each server.

    python -m tests.server.asgi_probe_app socketify|uvicorn PORT

Prints "ready" on stdout once it accepts traffic. PROBE_SHUTDOWN_FILE names a file its lifespan
shutdown writes; PROBE_FAIL_STARTUP=1 makes its startup fail.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import Any

import anyio
import httpx
from litestar import Litestar, Request, WebSocket, get, websocket

from realtime.transport import HubCallbacks, Transport


@get("/json")
async def hello() -> dict[str, str]:
    return {"hello": "world"}


@get("/scope/{rest:path}")
async def scope_seen(request: Request) -> dict[str, Any]:
    scope = request.scope
    return {
        "path": scope["path"],
        "raw_path": scope["raw_path"].decode("latin-1"),
        "query_string": scope["query_string"].decode("latin-1"),
        "client": scope["client"],
        "server": scope["server"],
        "scheme": scope["scheme"],
        "http_version": scope["http_version"],
        "root_path": scope["root_path"],
        "method": scope["method"],
        "headers": [[name.decode("latin-1"), value.decode("latin-1")] for name, value in scope["headers"]],
    }


@get("/outbound")
async def outbound(request: Request) -> dict[str, Any]:
    """An httpx call from inside a handler (anyio underneath) back to this server's /json."""
    host, port = request.scope["server"]
    async with httpx.AsyncClient(trust_env=False) as client:
        response = await client.get(f"http://{host}:{port}/json")
    return {"status": response.status_code, "body": response.json()}


@get("/task-group")
async def task_group() -> dict[str, Any]:
    finished: list[int] = []

    async def nap(n: int) -> None:
        await anyio.sleep(0.01 * n)
        finished.append(n)

    async with anyio.create_task_group() as group:
        for n in (3, 1, 2):
            group.start_soon(nap, n)
    with anyio.move_on_after(0.01) as scope:
        await anyio.sleep(5)
    return {"finished": finished, "cancelled": scope.cancelled_caught}


@websocket("/ws-echo")
async def echo(socket: WebSocket) -> None:
    """Echoes text; "close <code> <reason>" closes with that code and reason."""
    await socket.accept()
    while True:
        text = await socket.receive_text()
        if text.startswith("close "):
            _, code, reason = text.split(" ", 2)
            await socket.close(code=int(code), reason=reason)
            return
        await socket.send_text(text)


@websocket("/ws-refuse")
async def refuse(socket: WebSocket) -> None:
    await socket.close(code=1008)


def _on_shutdown() -> None:
    path = os.environ.get("PROBE_SHUTDOWN_FILE")
    if path:
        with open(path, "w") as file:
            file.write("shutdown ran")


def _on_startup() -> None:
    if os.environ.get("PROBE_FAIL_STARTUP") == "1":
        raise RuntimeError("startup failed on purpose")


app = Litestar(
    [hello, scope_seen, outbound, task_group, echo, refuse],
    on_startup=[_on_startup],
    on_shutdown=[_on_shutdown],
)


def serve(
    server: str,
    port: int,
    *,
    hub_provider: Callable[[], HubCallbacks | None] | None = None,
    transport_ready: Callable[[Transport], None] | None = None,
) -> None:
    def ready() -> None:
        print("ready", flush=True)

    if server == "socketify":
        from app.server.socketify import serve_socketify

        serve_socketify(
            app, host="127.0.0.1", port=port, hub_provider=hub_provider, transport_ready=transport_ready,
            on_ready=ready,
        )
    else:
        import uvicorn

        config = uvicorn.Config(
            app, host="127.0.0.1", port=port, loop="uvloop", http="httptools", lifespan="on",
            log_level="warning", access_log=False,
        )
        uv_server = uvicorn.Server(config)
        original_startup = uv_server.startup

        async def startup(sockets: Any = None) -> None:
            await original_startup(sockets)
            if uv_server.started:
                ready()

        uv_server.startup = startup
        uv_server.run()
        if not uv_server.started:
            sys.exit(3)


if __name__ == "__main__":
    serve(sys.argv[1], int(sys.argv[2]))
