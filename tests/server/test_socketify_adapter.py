"""The socketify adapter gives the app what uvicorn gives it, and serves native websocket routes.

Each server runs the probe app in a subprocess on a free 127.0.0.1 port. The socketify one also
serves `ProbeRoom` natively at /ws. Only `socketify_asgi` is imported: the adapter is a library.

    python -m tests.server.test_socketify_adapter socketify|socketify-workers|uvicorn PORT
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import os
import select
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import websockets
from websockets.asyncio.client import connect

import socketify_asgi
from socketify_asgi.python_version import unsupported_python

ROOT = Path(__file__).resolve().parents[2]
SERVERS = ["socketify", "uvicorn"]
START_TIMEOUT = 20.0
THIS_MODULE = "tests.server.test_socketify_adapter"


@dataclass
class Server:
    kind: str
    process: subprocess.Popen[bytes]
    port: int
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    def stop(self) -> None:
        """Kill whatever is left of it: the server and any worker (its own process group)."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)
        self.process.stdout.close()


def start_server(kind: str, tmp_path: Path, ready_lines: int = 1, module: str = THIS_MODULE, **env: str) -> Server:
    """`python -m module kind port` in its own process group, once it printed `ready_lines` "ready"."""
    port = _free_port()
    log = tmp_path / f"{kind}-{port}.log"
    with open(log, "wb") as stderr:
        process = subprocess.Popen(
            [sys.executable, "-m", module, kind, str(port)],
            cwd=ROOT,
            env={**os.environ, **env},
            stdout=subprocess.PIPE,
            stderr=stderr,
            start_new_session=True,  # its own process group: orphans would show up in it
        )
    server = Server(kind, process, port, log)
    output = b""
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline and process.poll() is None:
        readable, _, _ = select.select([process.stdout], [], [], deadline - time.monotonic())
        if readable:
            output += os.read(process.stdout.fileno(), 4096)
            if output.splitlines().count(b"ready") == ready_lines:
                return server
    server.stop()
    raise AssertionError(f"{kind} did not start:\n{log.read_text()}")


@pytest.fixture(scope="module")
def shared_servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[[str], Server]]:
    """One server of each kind for the whole module, started when first needed."""
    started: dict[str, Server] = {}

    def get(kind: str) -> Server:
        if kind not in started:
            started[kind] = start_server(kind, tmp_path_factory.mktemp(kind))
        return started[kind]

    yield get
    for running in started.values():
        running.stop()


@pytest.fixture(params=SERVERS)
def server(request: pytest.FixtureRequest, shared_servers: Callable[[str], Server]) -> Server:
    return shared_servers(request.param)


@pytest.fixture
def socketify_server(shared_servers: Callable[[str], Server]) -> Server:
    return shared_servers("socketify")


def get_json(server: Server, path: str, **kwargs: Any) -> Any:
    response = httpx.get(server.url + path, trust_env=False, timeout=5, **kwargs)
    assert response.status_code == 200, response.text
    return response.json()


# --- what the ASGI app sees --------------------------------------------------------------------


def test_path_is_percent_decoded_and_query_string_has_no_question_mark(server: Server) -> None:
    seen = get_json(server, "/scope/a%20b/%C3%A9?x=1&y=%20")

    assert seen["path"] == "/scope/a b/é"
    assert seen["raw_path"] == "/scope/a%20b/%C3%A9"
    assert seen["query_string"] == "x=1&y=%20"
    assert seen["root_path"] == ""
    assert seen["scheme"] == "http"
    assert seen["http_version"] == "1.1"
    assert seen["server"] == ["127.0.0.1", server.port]


def test_client_is_host_and_the_callers_port(server: Server) -> None:
    seen = _get_on_new_connection(server, "/scope/x", b"X-Probe: Mixed Case\r\n")

    assert seen["client"] == ["127.0.0.1", seen["caller_port"]]
    assert ["x-probe", "Mixed Case"] in seen["headers"]


def test_headers_arrive_in_order_lowercased_and_trimmed(server: Server) -> None:
    # Leading whitespace only: uWS also trims trailing whitespace (as RFC 9110 says), httptools keeps it.
    seen = _get_on_new_connection(
        server,
        "/scope/h?q=a?b:c",
        b"X-Spaces:    padded value\r\n"
        b"X-Tab:\tafter tab\r\n"
        b"X-Empty:\r\n"
        b"X-Colons: a: b: c\r\n"
        b"X-Twice: one\r\n"
        b"X-Twice: two\r\n",
    )

    assert seen["method"] == "GET"
    assert seen["query_string"] == "q=a?b:c"
    assert seen["headers"] == [
        ["host", "probe"],
        ["x-spaces", "padded value"],
        ["x-tab", "after tab"],
        ["x-empty", ""],
        ["x-colons", "a: b: c"],
        ["x-twice", "one"],
        ["x-twice", "two"],
        ["connection", "close"],
    ]


def test_an_empty_query_string_and_other_methods_reach_the_app(server: Server) -> None:
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as client:
        client.sendall(b"DELETE /scope/d? HTTP/1.1\r\nHost: probe\r\nConnection: close\r\n\r\n")
        response = _read_until_closed(client)

    seen = json.loads(response.split(b"\r\n\r\n", 1)[1])
    assert seen["method"] == "DELETE"
    assert seen["path"] == "/scope/d"
    assert seen["query_string"] == ""


def test_a_response_header_with_a_line_break_is_never_written(server: Server) -> None:
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as client:
        client.sendall(b"GET /crlf-header HTTP/1.1\r\nHost: probe\r\nConnection: close\r\n\r\n")
        response = _read_until_closed(client)

    assert b"x-injected" not in response.lower()
    if server.kind == "socketify":
        assert response.startswith(b"HTTP/1.1 500 "), response[:200]
    else:
        assert response == b""  # uvicorn drops the connection instead


def test_an_idle_server_answers_a_new_connection_at_once(server: Server) -> None:
    """No polling interval between a connection's first bytes and the answer (median of 5)."""
    delays = []
    for _ in range(5):
        with socket.create_connection(("127.0.0.1", server.port), timeout=5) as client:
            time.sleep(0.05)  # the server goes idle between accepting and reading
            started = time.monotonic()
            client.sendall(b"GET /json HTTP/1.1\r\nHost: probe\r\n\r\n")
            assert client.recv(65536).startswith(b"HTTP/1.1 200 ")
            delays.append(time.monotonic() - started)

    assert sorted(delays)[2] < 0.05, delays


def test_request_body_arrives_whole(server: Server) -> None:
    body = os.urandom(3 * 1024 * 1024 + 7)
    response = httpx.post(server.url + "/body", content=body, trust_env=False, timeout=10)

    assert response.json() == {"length": len(body), "sha256": hashlib.sha256(body).hexdigest()}


def test_streamed_response_arrives_whole(server: Server) -> None:
    response = httpx.get(server.url + "/stream", trust_env=False, timeout=5)

    assert response.text == "".join(f"chunk {n};" for n in range(5))


def test_head_and_304_keep_their_headers_and_send_no_body(server: Server) -> None:
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as client:
        client.sendall(
            b"GET /etag HTTP/1.1\r\nHost: probe\r\n\r\n"
            b'GET /etag HTTP/1.1\r\nHost: probe\r\nIf-None-Match: "v1"\r\n\r\n'
            b"HEAD /head HTTP/1.1\r\nHost: probe\r\nConnection: close\r\n\r\n"
        )
        stream = _read_until_closed(client)
    full, not_modified, head = _split_responses(stream, with_body=[True, False, False])

    assert full[0] == 200 and json.loads(full[2]) == {"version": "v1"}
    assert not_modified[0] == 304 and not_modified[1]["etag"] == '"v1"' and not_modified[2] == b""
    assert head[0] == 200 and head[1]["content-length"] == "17" and head[2] == b""


@pytest.mark.parametrize("query", ["", "?stream"], ids=["with-length", "streamed"])
def test_head_answered_with_a_body_sends_none_and_keeps_the_connection(server: Server, query: str) -> None:
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as client:
        client.sendall(
            b"HEAD /as-get%s HTTP/1.1\r\nHost: probe\r\n\r\n"
            b"GET /json HTTP/1.1\r\nHost: probe\r\nConnection: close\r\n\r\n" % query.encode()
        )
        stream = _read_until_closed(client)
    head, after_head = _split_responses(stream, with_body=[False, True])

    assert head[0] == 200 and head[2] == b""
    assert head[1].get("content-length") == ("17" if query == "" else None)
    assert after_head[0] == 200 and json.loads(after_head[2]) == {"hello": "world"}


def test_pipelined_requests_are_answered_in_order_on_one_connection(server: Server) -> None:
    # Every request here is answered without waiting, and the one with a body is last: under
    # socketify a request read while the previous one is pending closes the connection (README).
    requests = [b"GET /scope/%d HTTP/1.1\r\nHost: probe\r\n\r\n" % n for n in range(5)]
    requests.append(b"POST /body HTTP/1.1\r\nHost: probe\r\nContent-Length: 3\r\nConnection: close\r\n\r\nabc")
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as client:
        client.sendall(b"".join(requests))  # one write: the server reads them all at once
        stream = _read_until_closed(client)
    responses = _split_responses(stream, with_body=[True] * len(requests))

    assert [status for status, _, _ in responses] == [200] * len(requests)
    assert [json.loads(body)["path"] for _, _, body in responses[:5]] == [f"/scope/{n}" for n in range(5)]
    assert json.loads(responses[5][2])["length"] == 3


def test_an_empty_post_the_app_does_not_read_keeps_its_connection(server: Server) -> None:
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as client:
        client.sendall(b"POST /scope/one HTTP/1.1\r\nHost: probe\r\nContent-Length: 0\r\n\r\n")
        first = _read_one_response(client)
        client.sendall(b"POST /scope/two HTTP/1.1\r\nHost: probe\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
        second = _read_until_closed(client)

    paths = []
    for response in (first, second):
        status, _, body = _split_responses(response, with_body=[True])[0]
        assert status == 200
        paths.append(json.loads(body)["path"])
    assert paths == ["/scope/one", "/scope/two"]


def test_a_body_the_app_does_not_read_is_skipped_and_the_connection_kept(server: Server) -> None:
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as client:
        # Answered before the rest of its body arrives; that rest holds what looks like a request.
        client.sendall(b"POST /scope/unread HTTP/1.1\r\nHost: probe\r\nContent-Length: 45\r\n\r\nGET /scope")
        first = _read_one_response(client)
        client.sendall(b"/smuggled HTTP/1.1\r\nHost: probe\r\n\r\n")
        client.sendall(b"GET /scope/next HTTP/1.1\r\nHost: probe\r\nConnection: close\r\n\r\n")
        rest = _read_until_closed(client)

    responses = _split_responses(first, with_body=[True]) + _split_responses(rest, with_body=[True])
    assert [json.loads(body)["path"] for _, _, body in responses] == ["/scope/unread", "/scope/next"]


def test_httpx_call_inside_a_handler_works(server: Server) -> None:
    assert get_json(server, "/outbound") == {"status": 200, "body": {"hello": "world"}}


def test_anyio_task_group_and_cancel_scope_inside_a_handler_work(server: Server) -> None:
    assert get_json(server, "/task-group") == {"finished": [1, 2, 3], "cancelled": True}


# --- ASGI websocket routes ---------------------------------------------------------------------


def test_asgi_websocket_echoes_and_closes_with_the_chosen_code_and_reason(server: Server) -> None:
    async def talk() -> tuple[str, websockets.ConnectionClosed]:
        async with connect(server.ws_url + "/ws-echo", proxy=None, open_timeout=5) as ws:
            await ws.send("hello")
            echoed = await asyncio.wait_for(ws.recv(), 5)
            await ws.send("close 4005 gone fishing")
            with pytest.raises(websockets.ConnectionClosed) as closed:
                await asyncio.wait_for(ws.recv(), 5)
        return echoed, closed.value

    echoed, closed = asyncio.run(talk())

    assert echoed == "hello"
    assert (closed.rcvd.code, closed.rcvd.reason) == (4005, "gone fishing")


def test_asgi_websocket_accepts_with_the_chosen_subprotocol_and_headers(server: Server) -> None:
    async def talk() -> tuple[Any, Any, str]:
        async with connect(server.ws_url + "/ws-subprotocol", proxy=None, subprotocols=["one", "two"]) as ws:
            return ws.subprotocol, ws.response.headers.get("x-accepted"), await _recv(ws)

    chosen, header, message = asyncio.run(talk())

    assert (chosen, header) == ("two", "yes")
    assert json.loads(message) == {"offered": ["one", "two"]}


def test_close_before_accept_refuses_the_handshake_and_ends_the_connection(server: Server) -> None:
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as client:
        client.sendall(
            b"GET /ws-refuse HTTP/1.1\r\nHost: probe\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
        )
        response = _read_until_closed(client)

    assert response.startswith(b"HTTP/1.1 403 ")


# --- process lifecycle -------------------------------------------------------------------------


# uvicorn re-raises the signal once it has shut down; the socketify adapter exits 0.
@pytest.mark.parametrize(("kind", "exit_code"), [("socketify", 0), ("uvicorn", -signal.SIGTERM)])
def test_sigterm_runs_lifespan_shutdown_then_exits_leaving_no_process(
    kind: str, exit_code: int, tmp_path: Path
) -> None:
    marker = tmp_path / "shutdown.txt"
    running = start_server(kind, tmp_path, PROBE_SHUTDOWN_FILE=str(marker))
    try:
        get_json(running, "/json")
        running.process.send_signal(signal.SIGTERM)
        returncode = running.process.wait(timeout=15)
    finally:
        running.stop()

    assert returncode == exit_code, running.log.read_text()
    assert marker.read_text() == f"shutdown ran in {running.process.pid}\n"
    assert _processes_in_group(running.process.pid) == []


def test_workers_share_the_port_and_sigterm_shuts_every_one_down(tmp_path: Path) -> None:
    marker = tmp_path / "shutdown.txt"
    running = start_server("socketify-workers", tmp_path, ready_lines=2, PROBE_SHUTDOWN_FILE=str(marker))
    try:
        workers = set(_processes_in_group(running.process.pid)) - {running.process.pid}
        served_by = {_get_on_new_connection(running, "/scope/who")["pid"] for _ in range(30)}
        running.process.send_signal(signal.SIGTERM)
        returncode = running.process.wait(timeout=20)
    finally:
        running.stop()

    assert len(workers) == 2
    assert served_by == workers  # 30 connections, spread by the kernel over both
    assert returncode == 0, running.log.read_text()
    assert sorted(marker.read_text().splitlines()) == sorted(f"shutdown ran in {pid}" for pid in workers)
    assert _processes_in_group(running.process.pid) == []


def test_workers_shut_down_when_their_supervisor_is_killed(tmp_path: Path) -> None:
    marker = tmp_path / "shutdown.txt"
    running = start_server("socketify-workers", tmp_path, ready_lines=2, PROBE_SHUTDOWN_FILE=str(marker))
    try:
        running.process.kill()
        running.process.wait(timeout=5)
        deadline = time.monotonic() + 15
        while _processes_in_group(running.process.pid) and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        running.stop()

    assert _processes_in_group(running.process.pid) == []
    assert len(marker.read_text().splitlines()) == 2


@pytest.mark.parametrize("kind", SERVERS)
def test_failed_lifespan_startup_exits_3_without_serving(kind: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", THIS_MODULE, kind, str(_free_port())],
        cwd=ROOT,
        env={**os.environ, "PROBE_FAIL_STARTUP": "1"},
        capture_output=True,
        timeout=30,
    )

    assert result.returncode == 3
    assert b"ready" not in result.stdout
    assert b"startup failed on purpose" in result.stderr


# --- native websocket routes (socketify only) ----------------------------------------------------


def test_native_publish_reaches_every_subscribed_socket_and_not_one_that_unsubscribed(
    socketify_server: Server,
) -> None:
    async def scenario() -> dict[str, Any]:
        url = socketify_server.ws_url + "/ws"
        async with (
            connect(url + "?name=alice", proxy=None) as alice,
            connect(url, proxy=None, additional_headers={"X-Name": "bob"}) as bob,
        ):
            welcomes = [await _recv(alice), await _recv(bob)]
            await alice.send("say hello room")
            heard = [await _recv(alice), await _recv(bob)]
            await bob.send("leave")
            left = await _recv(bob)
            await alice.send("say bob is gone")
            heard_after = await _recv(alice)
            bob_heard_nothing = await _silent(bob)
        return locals()

    seen = asyncio.run(scenario())

    assert seen["welcomes"] == ["welcome alice", "welcome bob"]
    assert seen["heard"] == ["hello room", "hello room"]
    assert seen["left"] == "left"
    assert seen["heard_after"] == "bob is gone"
    assert seen["bob_heard_nothing"]


def test_native_publish_from_a_task_leaves_before_the_task_yields(socketify_server: Server) -> None:
    """The hub publishes from its Redis listener task: the frame must not wait for the loop's next turn."""

    async def scenario() -> float:
        async with connect(socketify_server.ws_url + "/ws", proxy=None) as ws:
            await _recv(ws)
            started = time.monotonic()
            await ws.send("announce now")
            assert await _recv(ws) == "now"
            return time.monotonic() - started

    assert asyncio.run(scenario()) < 0.5, "the publish waited for the task's 1 s stall to end"


def test_native_frames_reach_the_route_in_order_text_as_str_and_binary_as_bytes(socketify_server: Server) -> None:
    async def scenario() -> list[str | bytes]:
        async with connect(socketify_server.ws_url + "/ws", proxy=None) as ws:
            await _recv(ws)
            for n in range(50):
                await ws.send(f"echo {n}")
            await ws.send(b"\x00\x01\xff")
            return [await _recv(ws) for _ in range(51)]

    assert asyncio.run(scenario()) == [str(n) for n in range(50)] + [b"\xff\x01\x00"]


def test_native_work_spawned_by_the_route_runs_and_sends(socketify_server: Server) -> None:
    async def scenario() -> list[str]:
        async with connect(socketify_server.ws_url + "/ws", proxy=None) as ws:
            await _recv(ws)
            await ws.send("later first")
            await ws.send("echo second")
            return [await _recv(ws), await _recv(ws)]

    assert asyncio.run(scenario()) == ["second", "first"]


def test_native_messages_after_idle_are_answered_at_once(socketify_server: Server) -> None:
    async def scenario() -> list[float]:
        delays = []
        async with connect(socketify_server.ws_url + "/ws", proxy=None) as ws:
            await _recv(ws)
            for _ in range(3):
                await asyncio.sleep(0.3)  # longer than the uWS loop's timer tick
                started = time.monotonic()
                await ws.send("echo ping")
                await _recv(ws)
                delays.append(time.monotonic() - started)
        return delays

    delays = asyncio.run(scenario())
    assert sorted(delays)[1] < 0.05, delays


def test_native_end_reaches_the_client_and_the_route_hears_each_close_with_its_code(
    socketify_server: Server,
) -> None:
    async def scenario() -> tuple[websockets.ConnectionClosed, str, str]:
        url = socketify_server.ws_url + "/ws"
        async with connect(url, proxy=None) as watcher:
            await _recv(watcher)
            async with connect(url, proxy=None) as ended:
                await _recv(ended)
                await ended.send("close")
                with pytest.raises(websockets.ConnectionClosed) as closed:
                    await _recv(ended)
            await watcher.send("count")
            after_end = await _recv(watcher)
            async with connect(url, proxy=None) as leaver:
                await _recv(leaver)
                await leaver.close(4100, "done here")
            await watcher.send("count")
            after_leave = await _recv(watcher)
        return closed.value, after_end, after_leave

    closed, after_end, after_leave = asyncio.run(scenario())

    assert (closed.rcvd.code, closed.rcvd.reason) == (4000, "bye")
    assert after_end.endswith("closed, last 4000 bye")
    assert after_leave.endswith("closed, last 4100 done here")
    assert int(after_leave.split()[2]) == int(after_end.split()[2]) + 1


def test_native_route_that_raises_closes_its_socket_with_1011(socketify_server: Server) -> None:
    async def scenario() -> websockets.ConnectionClosed:
        async with connect(socketify_server.ws_url + "/ws", proxy=None) as ws:
            await _recv(ws)
            await ws.send("raise")
            with pytest.raises(websockets.ConnectionClosed) as closed:
                await _recv(ws)
        return closed.value

    assert asyncio.run(scenario()).rcvd.code == 1011


@pytest.mark.parametrize(("query", "status"), [("refuse=403", 403), ("refuse=503", 503), ("fail=1", 500)])
def test_native_upgrade_refused_or_failed_answers_its_http_status(
    socketify_server: Server, query: str, status: int
) -> None:
    with socket.create_connection(("127.0.0.1", socketify_server.port), timeout=5) as client:
        client.sendall(
            b"GET /ws?%s HTTP/1.1\r\nHost: probe\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n" % query.encode()
        )
        response = _read_until_closed(client)

    assert response.startswith(b"HTTP/1.1 %d " % status), response[:200]


def test_native_client_that_stops_reading_is_dropped(socketify_server: Server) -> None:
    async def scenario() -> str:
        url = socketify_server.ws_url + "/ws"
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


def test_asgi_routes_share_the_port_with_native_routes(socketify_server: Server) -> None:
    async def scenario() -> tuple[str, str]:
        async with (
            connect(socketify_server.ws_url + "/ws?name=native", proxy=None) as native,
            connect(socketify_server.ws_url + "/ws-echo", proxy=None) as asgi,
        ):
            await asgi.send("via asgi")
            return await _recv(native), await _recv(asgi)

    assert asyncio.run(scenario()) == ("welcome native", "via asgi")


def test_sigterm_closes_native_sockets_with_1012(tmp_path: Path) -> None:
    running = start_server("socketify", tmp_path)

    async def scenario() -> websockets.ConnectionClosed:
        async with connect(running.ws_url + "/ws", proxy=None) as ws:
            await _recv(ws)
            running.process.send_signal(signal.SIGTERM)
            with pytest.raises(websockets.ConnectionClosed) as closed:
                await _recv(ws)
        return closed.value

    try:
        closed = asyncio.run(scenario())
        returncode = running.process.wait(timeout=15)
    finally:
        running.stop()

    assert (closed.rcvd.code, closed.rcvd.reason) == (1012, "server shutting down")
    assert returncode == 0


# --- supported Pythons -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("version", "implementation"),
    [((3, 10, 14), "cpython"), ((3, 14, 0), "cpython"), ((4, 0, 0), "cpython"), ((3, 11, 7), "pypy")],
)
def test_an_unchecked_python_is_named_with_the_supported_versions(
    version: tuple[int, ...], implementation: str
) -> None:
    problem = unsupported_python(version, implementation)

    assert problem is not None
    assert "CPython 3.11 to 3.13" in problem
    assert f"{implementation} {'.'.join(map(str, version))}" in problem


@pytest.mark.parametrize("version", [(3, 11, 0), (3, 12, 9), (3, 13, 5)])
def test_checked_pythons_are_accepted(version: tuple[int, ...]) -> None:
    assert unsupported_python(version, "cpython") is None


def test_serving_on_an_unchecked_python_exits_with_the_message_before_binding(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(socketify_asgi.python_version, "SUPPORTED_PYTHON", ((3, 8), (3, 9)))
    port = _free_port()

    with pytest.raises(SystemExit) as exited:
        socketify_asgi.serve_socketify(lambda *_: None, host="127.0.0.1", port=port)

    assert "runs on CPython 3.8 to 3.9, not on cpython 3." in str(exited.value.code)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", port))  # nothing listens on it


# --- helpers -----------------------------------------------------------------------------------


async def _recv(ws: Any) -> str:
    return await asyncio.wait_for(ws.recv(), 5)


async def _silent(ws: Any) -> bool:
    try:
        await asyncio.wait_for(ws.recv(), 0.3)
    except TimeoutError:
        return True
    return False


def _get_on_new_connection(server: Server, path: str, headers: bytes = b"") -> Any:
    """GET a JSON body over a connection of its own; adds "caller_port", the client's local port."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as client:
        client.sendall(b"GET %s HTTP/1.1\r\nHost: probe\r\n%sConnection: close\r\n\r\n" % (path.encode(), headers))
        response = _read_until_closed(client)
        caller_port = client.getsockname()[1]
    assert response.startswith(b"HTTP/1.1 200 "), response[:200]
    return {**json.loads(response.split(b"\r\n\r\n", 1)[1]), "caller_port": caller_port}


def _read_one_response(client: socket.socket) -> bytes:
    """One response with a Content-Length, read off a connection that stays open."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = client.recv(65536)
        assert chunk, f"the server closed the connection after {data[:200]!r}"
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = int(_parse_response(head)[1]["content-length"])
    while len(body) < length:
        chunk = client.recv(65536)
        assert chunk, "the server closed the connection mid-body"
        body += chunk
    return head + b"\r\n\r\n" + body


def _read_until_closed(client: socket.socket) -> bytes:
    chunks = []
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        chunk = client.recv(65536)
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)
    raise AssertionError(f"the server kept the connection open after {b''.join(chunks)[:200]!r}")


def _split_responses(stream: bytes, with_body: list[bool]) -> list[tuple[int, dict[str, str], bytes]]:
    """Pipelined responses; those without a body (HEAD, 304) keep their Content-Length header."""
    responses = []
    for has_body in with_body:
        head, _, stream = stream.partition(b"\r\n\r\n")
        status, headers, _ = _parse_response(head)
        length = int(headers.get("content-length", 0)) if has_body else 0
        responses.append((status, headers, stream[:length]))
        stream = stream[length:]
    assert stream == b"", f"unexpected bytes after the responses: {stream[:100]!r}"
    return responses


def _parse_response(raw: bytes) -> tuple[int, dict[str, str], bytes]:
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = dict((name.lower(), value.strip()) for name, value in (line.split(":", 1) for line in lines[1:]))
    return int(lines[0].split()[1]), headers, body


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _processes_in_group(pgid: int) -> list[int]:
    """Live processes in a process group (zombies already exited; this sandbox's init reaps late)."""
    members = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                state, _, group = (entry / "stat").read_text().rsplit(")", 1)[1].split()[:3]
            except OSError:
                continue
            if int(group) == pgid and state != "Z":
                members.append(int(entry.name))
    return members


if __name__ == "__main__":
    from tests.server.asgi_probe_app import ProbeRoom, serve

    kind, port = sys.argv[1], int(sys.argv[2])
    if kind.startswith("socketify"):
        workers = 2 if kind == "socketify-workers" else 1
        serve("socketify", port, native_routes={"/ws": ProbeRoom()}, workers=workers)
    else:
        serve(kind, port)
