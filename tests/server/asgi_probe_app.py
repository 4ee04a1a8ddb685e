"""A tiny Litestar app that reports what a server gave it; tests and bench/ run it under each server.
Under socketify, `ProbeRoom` does the same for a native websocket route.

    python -m tests.server.asgi_probe_app socketify|uvicorn PORT

Prints "ready" on stdout once it accepts traffic (each socketify worker does). PROBE_SHUTDOWN_FILE
names a file its lifespan shutdown appends a line to; PROBE_FAIL_STARTUP=1 makes startup fail.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import sys
import time
from collections.abc import Mapping
from typing import Any

import anyio
import anyio.lowlevel
import httpx
from litestar import Litestar, Request, Response, WebSocket, asgi, get, post, route, websocket
from litestar.response import Stream

from socketify_asgi import (
    NativeServer,
    NativeWebSocket,
    NativeWebSocketRoute,
    UpgradeRefused,
    UpgradeRequest,
    WebSocketSettings,
)


@get("/json")
async def hello() -> dict[str, str]:
    return {"hello": "world"}


@route("/scope/{rest:path}", http_method=["GET", "DELETE", "POST"], status_code=200)
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
        "pid": os.getpid(),
        "headers": [[name.decode("latin-1"), value.decode("latin-1")] for name, value in scope["headers"]],
    }


@post("/body", status_code=200)
async def body_digest(request: Request) -> dict[str, Any]:
    body = await request.body()
    return {"length": len(body), "sha256": hashlib.sha256(body).hexdigest()}


@get("/stream")
async def stream() -> Stream:
    async def chunks() -> Any:
        for n in range(5):
            await anyio.lowlevel.checkpoint()
            yield f"chunk {n};".encode()

    return Stream(chunks(), media_type="text/plain")


@get("/etag")
async def etag(request: Request) -> Response[dict[str, str]]:
    if request.headers.get("if-none-match") == '"v1"':
        return Response(None, status_code=304, headers={"etag": '"v1"'})
    return Response({"version": "v1"}, headers={"etag": '"v1"'})


@asgi("/crlf-header", is_mount=True)
async def header_injection(scope: Any, receive: Any, send: Any) -> None:
    """A response header value holding CRLF: the server must not write it."""
    headers = [(b"content-type", b"text/plain"), (b"x-ok", b"fine\r\nx-injected: yes")]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": b"unreachable"})


@asgi("/head", is_mount=True)
async def head_only(scope: Any, receive: Any, send: Any) -> None:
    """Answers any method as HEAD is answered: the GET's Content-Length, no body."""
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"17")]})
    await send({"type": "http.response.body", "body": b""})


@asgi("/as-get", is_mount=True)
async def answers_head_as_get(scope: Any, receive: Any, send: Any) -> None:
    """Answers HEAD exactly as GET, body included, as a naive app does; "?stream" sends the body in
    chunks with no Content-Length. The server must write no body to a HEAD."""
    if scope["query_string"] == b"stream":
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
        for n in range(3):
            await send({"type": "http.response.body", "body": b"chunk %d;" % n, "more_body": True})
        await send({"type": "http.response.body", "body": b""})
        return
    body = b'{"hello":"world"}'
    headers = [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(body))]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": body})


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


@websocket("/ws-subprotocol")
async def subprotocol(socket: WebSocket) -> None:
    offered = socket.scope["subprotocols"]
    await socket.accept(subprotocols=offered[-1], headers={"x-accepted": "yes"})
    await socket.send_json({"offered": offered})
    await socket.close()


@websocket("/ws-refuse")
async def refuse(socket: WebSocket) -> None:
    await socket.close(code=1008)


def _on_shutdown() -> None:
    path = os.environ.get("PROBE_SHUTDOWN_FILE")
    if path:
        with open(path, "a") as file:
            file.write(f"shutdown ran in {os.getpid()}\n")


def _on_startup() -> None:
    if os.environ.get("PROBE_FAIL_STARTUP") == "1":
        raise RuntimeError("startup failed on purpose")


app = Litestar(
    [
        hello,
        scope_seen,
        body_digest,
        stream,
        etag,
        head_only,
        answers_head_as_get,
        header_injection,
        outbound,
        task_group,
        echo,
        subprotocol,
        refuse,
    ],
    on_startup=[_on_startup],
    on_shutdown=[_on_shutdown],
)


class ProbeRoom(NativeWebSocketRoute):
    """A native route with one room and a few text commands; binary frames come back reversed.

    `?name=` (else an X-Name header) names the socket in its welcome; `?refuse=STATUS` refuses the
    upgrade with that status, `?fail=1` raises in upgrade."""

    settings = WebSocketSettings(max_payload_length=64 * 1024, max_backpressure=1024 * 1024)

    def __init__(self) -> None:
        self.server: NativeServer | None = None
        self.open_count = 0
        self.closed_count = 0
        self.last_close = "none"

    def bind(self, server: NativeServer) -> None:
        self.server = server

    def upgrade(self, request: UpgradeRequest) -> str:
        if refuse := request.query(b"refuse"):
            raise UpgradeRefused(int(refuse))
        if request.query(b"fail"):
            raise RuntimeError("upgrade failed on purpose")
        return (request.query(b"name") or request.header(b"x-name")).decode()

    def opened(self, socket: NativeWebSocket) -> None:
        self.open_count += 1
        socket.subscribe("room")
        socket.send(f"welcome {socket.user}")

    def message(self, socket: NativeWebSocket, data: str | bytes) -> None:
        if isinstance(data, bytes):
            socket.send(data[::-1])
            return
        command, _, argument = data.partition(" ")
        if command == "say":
            self.server.publish("room", argument)
        elif command == "echo":
            socket.send(argument)
        elif command == "later":
            self.server.spawn(self._send_later(socket, argument))
        elif command == "announce":
            self.server.spawn(self._announce_then_stall(argument))
        elif command == "leave":
            socket.unsubscribe("room")
            socket.send("left")
        elif command == "count":
            socket.send(f"{self.open_count} open {self.closed_count} closed, last {self.last_close}")
        elif command == "close":
            socket.end(4000, "bye")
        elif command == "flood":
            for _ in range(int(argument)):
                socket.send("x" * 65536)
        elif command == "raise":
            raise RuntimeError("message failed on purpose")

    def closed(self, socket: NativeWebSocket, code: int, reason: str) -> None:
        self.open_count -= 1
        self.closed_count += 1
        self.last_close = f"{code} {reason}"

    async def _send_later(self, socket: NativeWebSocket, text: str) -> None:
        await asyncio.sleep(0.01)
        socket.send(text)

    async def _announce_then_stall(self, text: str) -> None:
        """Publish from a task (as the hub does), then hold the event loop for a second."""
        await asyncio.sleep(0)
        self.server.publish("room", text)
        time.sleep(1.0)  # noqa: ASYNC251 (the stall is the point)


def serve(
    server: str,
    port: int,
    *,
    native_routes: Mapping[str, NativeWebSocketRoute] | None = None,
    workers: int = 1,
) -> None:
    def ready() -> None:
        # One write: with workers, two processes share this pipe, and print() may write "ready" and
        # "\n" separately ("readyready\n\n" was seen).
        os.write(sys.stdout.fileno(), b"ready\n")

    if server == "socketify":
        from socketify_asgi import serve_socketify

        serve_socketify(app, host="127.0.0.1", port=port, native_routes=native_routes, on_ready=ready, workers=workers)
    else:
        import uvicorn

        config = uvicorn.Config(
            app,
            host="127.0.0.1",
            port=port,
            loop="uvloop",
            http="httptools",
            lifespan="on",
            log_level="warning",
            access_log=False,
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
