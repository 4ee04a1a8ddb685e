"""HTTP edges under socketify (issue 8, class 7): raw requests to the real app on a live socketify server.

Every request gets an answer within PROMPT seconds, or has its connection closed within PROMPT
seconds, except where uWebSockets itself decides before the adapter sees anything: those cases pin
what uWS (v20, bundled in socketify 0.0.31) really does, and the README explains them.
"""

from __future__ import annotations

import json
import os
import socket
import time
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import pytest

from tests.conftest import database_url_for, suite_settings
from tests.support.live import LiveServer, start_server

PROMPT = 2.0
# uWS closes a connection that sent no complete request after its idle timeout (10 s, checked every 4 s).
UWS_IDLE_TIMEOUT = 10.0

HEALTH = b"GET /health HTTP/1.1\r\nHost: edge\r\n"
LOGIN = b"POST /api/auth/login HTTP/1.1\r\nHost: edge\r\n"
CHUNKED_ABC = b"Transfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n"
SMUGGLED = b"GET /api/me HTTP/1.1\r\nHost: edge\r\nX-Pad: 1\r\n\r\n"


@dataclass
class Answer:
    raw: bytes  # every byte the server sent
    closed: bool  # the server closed the connection before the deadline
    elapsed: float

    @property
    def status(self) -> int | None:
        return int(self.raw.split(b" ", 2)[1]) if self.raw else None

    @property
    def headers(self) -> dict[str, str]:
        lines = self.raw.partition(b"\r\n\r\n")[0].decode("latin-1").split("\r\n")[1:]
        return {name.strip().lower(): value.strip() for name, _, value in (line.partition(":") for line in lines)}

    @property
    def body(self) -> bytes:
        return self.raw.partition(b"\r\n\r\n")[2]


@pytest.fixture(scope="module")
async def platform(service_urls, database_clones, stripe_env, s3_env) -> AsyncIterator[LiveServer]:
    """The real app under socketify for the whole module, on a database cloned from the template."""
    server_url, redis_url = service_urls
    name = await database_clones.take()
    settings = suite_settings(database_url_for(server_url, name), redis_url, f"edges{os.getpid()}", stripe_env, s3_env)
    server = start_server("socketify", settings)
    try:
        yield server
    finally:
        server.stop()
        database_clones.drop(name)


# --- answered at once -------------------------------------------------------------------------

ANSWERED = [
    pytest.param(HEALTH + b"\r\n", 200, id="plain-get"),
    pytest.param(b"GET /health HTTP/1.0\r\nHost: edge\r\n\r\n", 200, id="http-1.0"),
    # uWS routes the nine methods it knows to the app, which refuses those it does not serve.
    pytest.param(b"TRACE /health HTTP/1.1\r\nHost: edge\r\n\r\n", 405, id="trace-reaches-the-app"),
    pytest.param(b"CONNECT /health HTTP/1.1\r\nHost: edge\r\n\r\n", 405, id="connect-reaches-the-app"),
]


@pytest.mark.parametrize(("request_bytes", "status"), ANSWERED)
def test_well_formed_request_is_answered_at_once(platform: LiveServer, request_bytes: bytes, status: int) -> None:
    answer = exchange(platform, request_bytes)

    assert answer.status == status, answer.raw[:300]
    assert answer.elapsed < PROMPT


def test_a_head_up_to_4_kib_is_answered_however_it_arrives_and_a_longer_one_in_pieces_is_431(
    platform: LiveServer,
) -> None:
    """uWS parses a head from the bytes of one read; of a head that arrives in pieces it keeps at
    most 4 KiB (README, case 4)."""

    def head(size: int) -> bytes:
        return HEALTH + b"X-Long: " + b"a" * size + b"\r\n\r\n"

    assert exchange_in_pieces(platform, head(3_000), 3).status == 200
    refused = exchange_in_pieces(platform, head(5_000), 3)
    assert (refused.status, refused.closed) == (431, True), refused.raw[:300]
    # In one write: answered when loopback hands it over in one read (nearly always), else a 431.
    assert exchange(platform, head(70_000)).status in (200, 431)


def exchange_in_pieces(server: LiveServer, request: bytes, pieces: int) -> Answer:
    """`request` written in `pieces` parts 50 ms apart, so the server reads each on its own."""
    step = -(-len(request) // pieces)
    with socket.create_connection(("127.0.0.1", server.port), timeout=PROMPT) as client:
        for start in range(0, len(request), step):
            try:
                client.sendall(request[start : start + step])
            except (BrokenPipeError, ConnectionResetError):
                break  # refused before the rest was sent
            time.sleep(0.05)
        received = b""
        while not _complete_and_kept_open(received):
            try:
                chunk = client.recv(65536)
            except TimeoutError:
                return Answer(received, closed=False, elapsed=PROMPT)
            except ConnectionResetError:
                chunk = b""
            if not chunk:
                return Answer(received, closed=True, elapsed=0)
            received += chunk
    return Answer(received, closed=False, elapsed=0)


# --- refused by the adapter: 400 in the API's error shape, connection closed -------------------

AMBIGUOUS_FRAMING = [
    pytest.param(LOGIN + b"Content-Length: 3\r\nContent-Length: 3\r\n\r\nabc", id="same-length-twice"),
    # uWS frames by the first length; "de" would have been parsed as the next request (a 505).
    pytest.param(LOGIN + b"Content-Length: 3\r\nContent-Length: 5\r\n\r\nabcde", id="shorter-length-first"),
    # uWS would have waited for the two missing bytes until its idle timeout.
    pytest.param(LOGIN + b"Content-Length: 5\r\nContent-Length: 3\r\n\r\nabc", id="longer-length-first"),
    # A request smuggled behind the body must never reach the app.
    pytest.param(LOGIN + b"Content-Length: 0\r\nContent-Length: 46\r\n\r\n" + SMUGGLED, id="smuggled-request"),
    pytest.param(LOGIN + b"Content-Length: 3, 3\r\n\r\nabc", id="length-list"),
    pytest.param(LOGIN + b"Content-Length: +3\r\n\r\nabc", id="signed-length"),
    pytest.param(LOGIN + b"Content-Length: 0x3\r\n\r\nabc", id="hex-length"),
    pytest.param(LOGIN + b"Content-Length: \xd9\xa3\r\n\r\nabc", id="non-ascii-digit-length"),
    pytest.param(LOGIN + b"Content-Length: 1000000000\r\n\r\nabc", id="length-past-uws-limit"),
]


@pytest.mark.parametrize("request_bytes", AMBIGUOUS_FRAMING)
def test_ambiguous_content_length_gets_400_and_the_connection_closed(
    platform: LiveServer, request_bytes: bytes
) -> None:
    answer = exchange(platform, request_bytes)

    assert answer.status == 400, answer.raw[:300]
    assert answer.closed and answer.elapsed < PROMPT
    assert json.loads(answer.body) == {  # all that was sent: no second answer follows
        "status_code": 400,
        "detail": "A request carries one Content-Length: a decimal number below 10^9",
        "code": "bad_request",
    }
    assert answer.headers["content-length"] == str(len(answer.body))


# --- refused by uWebSockets itself: its own status and HTML body, connection closed ------------

UWS_REFUSALS = [
    pytest.param(LOGIN + b"Content-Length: 3\r\n" + CHUNKED_ABC, 400, id="te-and-cl"),
    pytest.param(LOGIN + b"Transfer-Encoding: chunked\r\n\r\nzz\r\n", 400, id="bad-chunk-size"),
    pytest.param(b"GET /health HTTP/1.1\r\nX-No-Host: 1\r\n\r\n", 400, id="no-host"),
    # uWS answers every request line it cannot read with 505 (its body even blames HTTP/1.0).
    pytest.param(b"GET /health HTTP/2.0\r\nHost: edge\r\n\r\n", 505, id="http-2.0-line"),
    pytest.param(b"GET /health HTTP/1.1\nHost: edge\n\n", 505, id="bare-lf"),
    pytest.param(b"GET http://edge/health HTTP/1.1\r\nHost: edge\r\n\r\n", 505, id="absolute-form"),
    pytest.param(b"OPTIONS * HTTP/1.1\r\nHost: edge\r\n\r\n", 505, id="asterisk-form"),
]


@pytest.mark.parametrize(("request_bytes", "status"), UWS_REFUSALS)
def test_uws_refuses_what_it_cannot_frame_with_its_own_status(
    platform: LiveServer, request_bytes: bytes, status: int
) -> None:
    answer = exchange(platform, request_bytes)

    assert answer.status == status, answer.raw[:300]
    assert answer.closed and answer.elapsed < PROMPT
    assert b"uWebSockets" in answer.body


# --- closed unanswered by uWebSockets: methods its router does not know ------------------------

# uWS expands app.any() to GET POST HEAD PUT DELETE CONNECT OPTIONS TRACE PATCH (case-sensitive)
# when the route is registered, and closes the connection of any other method with no answer.
UNKNOWN_METHODS = [b"QUERY", b"PROPFIND", b"FOO", b"get", b"M-SEARCH"]


@pytest.mark.parametrize("method", UNKNOWN_METHODS, ids=[m.decode() for m in UNKNOWN_METHODS])
def test_unknown_method_has_its_connection_closed_at_once_unanswered(platform: LiveServer, method: bytes) -> None:
    answer = exchange(platform, method + b" /health HTTP/1.1\r\nHost: edge\r\n\r\n")

    assert answer.raw == b""
    assert answer.closed and answer.elapsed < PROMPT


# --- left unanswered by uWebSockets until its idle timeout: heads its parser cannot read --------

# uWS 20's parser reads these as an incomplete head (it returns "need more bytes", not an error),
# waits for the rest and closes the connection at its idle timeout. The adapter never sees them.
UNREADABLE_HEADS = {
    "underscore-in-header-name": HEALTH + b"X_Y: 1\r\n\r\n",
    "dot-in-header-name": HEALTH + b"X.Y: 1\r\n\r\n",
    "space-before-colon": HEALTH + b"X-Y : 1\r\n\r\n",
    "nul-in-value": HEALTH + b"X-Y: a\x00b\r\n\r\n",
    "folded-value": HEALTH + b"X-Y: a\r\n b\r\n\r\n",
    "no-header-lines": b"GET /health HTTP/1.1\r\n\r\n",
    "more-than-48-headers": HEALTH + b"X-H: 1\r\n" * 60 + b"\r\n",
}


def test_heads_uws_cannot_parse_get_no_answer_and_are_closed_at_its_idle_timeout(platform: LiveServer) -> None:
    # All at once: each waits out the same idle timeout.
    with ThreadPoolExecutor(len(UNREADABLE_HEADS)) as pool:
        answers = dict(
            zip(
                UNREADABLE_HEADS,
                pool.map(lambda head: exchange(platform, head, wait=UWS_IDLE_TIMEOUT + 5), UNREADABLE_HEADS.values()),
                strict=True,
            )
        )

    for name, answer in answers.items():
        assert answer.raw == b"", name
        assert answer.closed, name
        assert UWS_IDLE_TIMEOUT - 4 < answer.elapsed < UWS_IDLE_TIMEOUT + 4, (name, answer.elapsed)
    assert exchange(platform, HEALTH + b"\r\n").status == 200


# --- HEAD -------------------------------------------------------------------------------------


def test_head_gets_the_gets_headers_with_no_body_and_keeps_the_connection(platform: LiveServer) -> None:
    get = exchange(platform, HEALTH + b"\r\n")
    head = exchange(
        platform,
        b"HEAD /health HTTP/1.1\r\nHost: edge\r\n\r\nGET /health HTTP/1.1\r\nHost: edge\r\nConnection: close\r\n\r\n",
    )

    assert head.status == 200, head.raw[:300]
    assert head.headers["content-length"] == get.headers["content-length"]
    # What follows the HEAD's head is the next response, not a body.
    assert head.body.startswith(b"HTTP/1.1 200 "), head.raw[:300]


# --- helpers ----------------------------------------------------------------------------------


def exchange(server: LiveServer, request: bytes, wait: float = PROMPT) -> Answer:
    """Send `request` on a new connection; read until the server closes it, until one response
    that keeps the connection open is complete, or until `wait` seconds have passed."""
    started = time.monotonic()
    received = b""
    with socket.create_connection(("127.0.0.1", server.port), timeout=wait) as client:
        client.sendall(request)
        while not _complete_and_kept_open(received):
            client.settimeout(max(started + wait - time.monotonic(), 0.001))
            try:
                chunk = client.recv(65536)
            except TimeoutError:
                return Answer(received, closed=False, elapsed=time.monotonic() - started)
            except ConnectionResetError:
                chunk = b""
            if not chunk:
                return Answer(received, closed=True, elapsed=time.monotonic() - started)
            received += chunk
    return Answer(received, closed=False, elapsed=time.monotonic() - started)


def _complete_and_kept_open(received: bytes) -> bool:
    _, separator, body = received.partition(b"\r\n\r\n")
    if not separator:
        return False
    answer = Answer(received, closed=False, elapsed=0)
    length = answer.headers.get("content-length")
    return length is not None and len(body) >= int(length) and answer.headers.get("connection") != "close"
