"""The ASGI transport: /ws as a Litestar websocket route, for uvicorn and in-process tests.

Each socket gets a queue drained by its own sender, bounded in bytes like uWebSockets'
max_backpressure; a client whose queue overflows is disconnected, so a slow reader never holds
up the others. Heartbeats are the server's
protocol-level pings (uvicorn's ws_ping_interval / ws_ping_timeout).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import defaultdict

from litestar import WebSocket, websocket
from litestar.exceptions import WebSocketDisconnect

from realtime.transport import Connection, Transport, connect_token

QUEUE_LIMIT_BYTES = 1024 * 1024


class AsgiConnection(Connection):
    def __init__(self, socket: WebSocket, transport: AsgiTransport) -> None:
        super().__init__()
        self.socket = socket
        self.transport = transport
        self.queue: asyncio.Queue[str | None] = asyncio.Queue()
        self.queued_bytes = 0
        self.close_with: tuple[int, str] | None = None
        # Its own topics, so leaving them all on disconnect does not scan every topic of the process.
        self.joined: set[str] = set()

    def send(self, frame: str) -> None:
        if self.close_with is not None:
            return
        if self.queued_bytes + len(frame) > QUEUE_LIMIT_BYTES:
            self.close(1008, "too far behind")
            return
        self.queued_bytes += len(frame)
        self.queue.put_nowait(frame)

    def join(self, topic: str) -> None:
        self.transport.topics[topic].add(self)
        self.joined.add(topic)

    def leave(self, topic: str) -> None:
        self.joined.discard(topic)
        members = self.transport.topics.get(topic)
        if members is not None:
            members.discard(self)
            if not members:
                del self.transport.topics[topic]

    def close(self, code: int = 1000, reason: str = "") -> None:
        if self.close_with is None:
            self.close_with = (code, reason)
            # A client cut off for falling behind gets no more backlog: drop it, then close.
            if code == 1008:
                while not self.queue.empty():
                    self.queue.get_nowait()
            self.queue.put_nowait(None)


class AsgiTransport(Transport):
    def __init__(self) -> None:
        self.topics: defaultdict[str, set[AsgiConnection]] = defaultdict(set)
        self.connections: set[AsgiConnection] = set()

    def publish(self, topic: str, frame: str) -> None:
        for conn in list(self.topics.get(topic, ())):
            conn.send(frame)

    def connection_count(self) -> int:
        return len(self.connections)


async def _send_loop(conn: AsgiConnection) -> None:
    while (frame := await conn.queue.get()) is not None:
        conn.queued_bytes -= len(frame)
        await conn.socket.send_text(frame)
    code, reason = conn.close_with or (1000, "")
    await conn.socket.close(code=code, reason=reason)


@websocket(
    "/ws",
    exclude_from_auth=True,
    description=(
        "The realtime protocol (API.md 'Websocket'). One socket reads at most 100 channels; "
        "`slots:{id}` exists only for an instructor's id (else `unknown_channel`)."
    ),
)
async def websocket_route(socket: WebSocket) -> None:
    hub = socket.app.state.hub
    transport: AsgiTransport = hub.transport
    await socket.accept()
    conn = AsgiConnection(socket, transport)
    transport.connections.add(conn)
    sender = asyncio.ensure_future(_send_loop(conn))
    try:
        await hub.opened(conn, connect_token(socket.query_params.get("token"), socket.headers.get("authorization")))
        while conn.close_with is None:
            receive = asyncio.ensure_future(socket.receive_text())
            done, _ = await asyncio.wait({receive, sender}, return_when=asyncio.FIRST_COMPLETED)
            if receive not in done:
                receive.cancel()
                break
            await hub.received(conn, receive.result())
    except (WebSocketDisconnect, RuntimeError):
        pass
    finally:
        hub.closed(conn)
        transport.connections.discard(conn)
        for topic in list(conn.joined):
            conn.leave(topic)
        conn.close()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(sender, 2)
        sender.cancel()
