"""The hub's native transport on the socketify_asgi server: tokens, ordered hub callbacks, closes.

`FakeHub` stands in for the real hub at transport level; the server runs the probe app in a
subprocess with the transport at /ws (PROBE_NO_HUB=1: before the hub exists).

    python -m tests.realtime.test_socketify_transport socketify PORT
"""

from __future__ import annotations

import asyncio
import os
import socket
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import websockets
from websockets.asyncio.client import connect

from tests.server.test_socketify_adapter import Server, _read_until_closed, _recv, _silent, start_server

THIS_MODULE = "tests.realtime.test_socketify_transport"


class FakeHub:
    """Just enough of a hub to drive the transport: a token check, one room, a few commands."""

    def __init__(self, transport: Any) -> None:
        self.transport = transport
        self.closed_count = 0

    async def opened(self, conn: Any, token: str | None) -> None:
        await asyncio.sleep(0)  # suspend, as a real token lookup would
        if token != "good":
            conn.send("error unauthorized")
            conn.close(4401, "unauthorized")
            return
        conn.join("room")
        conn.send(f"welcome {conn.id}")

    async def received(self, conn: Any, text: str) -> None:
        await asyncio.sleep(0)
        command, _, argument = text.partition(" ")
        if command == "say":
            self.transport.publish("room", argument)
        elif command == "echo":
            conn.send(argument)
        elif command == "leave":
            conn.leave("room")
            conn.send("left")
        elif command == "count":
            conn.send(f"{self.transport.connection_count()} open {self.closed_count} closed")
        elif command == "close":
            conn.close(4000, "bye")
        elif command == "flood":
            for _ in range(int(argument)):
                conn.send("x" * 65536)

    def closed(self, conn: Any) -> None:
        self.closed_count += 1


@pytest.fixture(scope="module")
def hub_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    running = start_server("socketify", tmp_path_factory.mktemp("transport"), module=THIS_MODULE)
    yield running
    running.stop()


def test_publish_reaches_every_joined_client_and_not_one_that_left(hub_server: Server) -> None:
    async def scenario() -> dict[str, Any]:
        url = hub_server.ws_url + "/ws"
        async with (
            connect(url + "?token=good", proxy=None) as alice,
            connect(url, proxy=None, additional_headers={"Authorization": "Bearer good"}) as bob,
        ):
            welcomes = [await _recv(alice), await _recv(bob)]
            await alice.send("say hello room")
            heard = [await _recv(alice), await _recv(bob)]
            await bob.send("leave")
            left = await _recv(bob)
            await alice.send("say bob is gone")
            heard_after = await _recv(alice)
            bob_heard_nothing = await _silent(bob)
            await alice.send("count")
            count = await _recv(alice)
        return locals()

    seen = asyncio.run(scenario())

    assert all(w.startswith("welcome ") for w in seen["welcomes"])
    assert seen["welcomes"][0] != seen["welcomes"][1]
    assert seen["heard"] == ["hello room", "hello room"]
    assert seen["left"] == "left"
    assert seen["heard_after"] == "bob is gone"
    assert seen["bob_heard_nothing"]
    assert seen["count"].startswith("2 open")


def test_messages_reach_the_hub_in_order_though_each_callback_suspends(hub_server: Server) -> None:
    async def scenario() -> list[str]:
        async with connect(hub_server.ws_url + "/ws?token=good", proxy=None) as ws:
            await _recv(ws)
            for n in range(50):
                await ws.send(f"echo {n}")
            return [await _recv(ws) for _ in range(50)]

    assert asyncio.run(scenario()) == [str(n) for n in range(50)]


def test_bad_token_is_told_and_closed_with_the_hubs_code(hub_server: Server) -> None:
    async def scenario() -> tuple[str, websockets.ConnectionClosed]:
        async with connect(hub_server.ws_url + "/ws?token=bad", proxy=None) as ws:
            told = await _recv(ws)
            with pytest.raises(websockets.ConnectionClosed) as closed:
                await _recv(ws)
        return told, closed.value

    told, closed = asyncio.run(scenario())

    assert told == "error unauthorized"
    assert (closed.rcvd.code, closed.rcvd.reason) == (4401, "unauthorized")


def test_close_from_the_hub_reaches_the_client_and_the_hub_hears_closed(hub_server: Server) -> None:
    async def scenario() -> tuple[websockets.ConnectionClosed, str, str]:
        url = hub_server.ws_url + "/ws?token=good"
        async with connect(url, proxy=None) as watcher:
            await _recv(watcher)
            await watcher.send("count")
            before = await _recv(watcher)
            async with connect(url, proxy=None) as leaver:
                await _recv(leaver)
                await leaver.send("close")
                with pytest.raises(websockets.ConnectionClosed) as closed:
                    await _recv(leaver)
            await watcher.send("count")
            after = await _recv(watcher)
        return closed.value, before, after

    closed, before, after = asyncio.run(scenario())

    assert (closed.rcvd.code, closed.rcvd.reason) == (4000, "bye")
    open_before, closed_before = int(before.split()[0]), int(before.split()[2])
    assert after == f"{open_before} open {closed_before + 1} closed"


def test_a_binary_frame_closes_with_1003(hub_server: Server) -> None:
    async def scenario() -> websockets.ConnectionClosed:
        async with connect(hub_server.ws_url + "/ws?token=good", proxy=None) as ws:
            await _recv(ws)
            await ws.send(b"binary")
            with pytest.raises(websockets.ConnectionClosed) as closed:
                await _recv(ws)
        return closed.value

    assert asyncio.run(scenario()).rcvd.code == 1003


def test_client_that_stops_reading_is_dropped(hub_server: Server) -> None:
    async def scenario() -> str:
        url = hub_server.ws_url + "/ws?token=good"
        async with (
            connect(url, proxy=None) as watcher,
            connect(url, proxy=None, max_queue=1, close_timeout=0.5) as slow,
        ):
            await _recv(watcher)
            await watcher.send("count")
            open_before = int((await _recv(watcher)).split()[0])
            await _recv(slow)
            await slow.send("flood 400")  # 25 MiB: more than the socket buffers and max_backpressure
            deadline = asyncio.get_running_loop().time() + 10
            while asyncio.get_running_loop().time() < deadline:
                await watcher.send("count")
                if int((await _recv(watcher)).split()[0]) == open_before - 1:
                    return "dropped"
                await asyncio.sleep(0.05)
            return "still connected"

    assert asyncio.run(scenario()) == "dropped"


def test_an_upgrade_before_the_hub_exists_is_refused_with_503(tmp_path: Path) -> None:
    running = start_server("socketify", tmp_path, module=THIS_MODULE, PROBE_NO_HUB="1")
    try:
        with socket.create_connection(("127.0.0.1", running.port), timeout=5) as client:
            client.sendall(
                b"GET /ws?token=good HTTP/1.1\r\nHost: probe\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
            )
            response = _read_until_closed(client)
    finally:
        running.stop()

    assert response.startswith(b"HTTP/1.1 503 "), response[:200]


if __name__ == "__main__":
    from realtime.socketify_transport import SocketifyTransport
    from tests.server.asgi_probe_app import serve

    hub: FakeHub | None = None
    transport = SocketifyTransport(hub_provider=lambda: hub)
    if os.environ.get("PROBE_NO_HUB") != "1":
        hub = FakeHub(transport)
    serve(sys.argv[1], int(sys.argv[2]), native_routes={"/ws": transport})
