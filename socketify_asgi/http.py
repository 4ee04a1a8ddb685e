"""The ASGI HTTP request cycle on a uWS response: body in, status, headers and body out."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
from collections import deque
from collections.abc import Callable
from http import HTTPStatus
from typing import TYPE_CHECKING, Any

from socketify.native import ffi, lib

from .scope import request_scope

if TYPE_CHECKING:
    from .server import Server
    from .websocket import AsgiWebSocket

logger = logging.getLogger("socketify_asgi")

_EMPTY_BODY = {"type": "http.request", "body": b"", "more_body": False}
_DISCONNECT = {"type": "http.disconnect"}
_BODYLESS_STATUSES = frozenset({204, 304})
_NULL = ffi.NULL
_MAX_LENGTH_DIGITS = 9  # uWS frames a body by at most 9 digits of Content-Length and refuses more


class MalformedRequest(ValueError):
    """A request uWS handed over whose framing must not be trusted: it is answered 400 and its
    connection closed, as uvicorn does."""


def start_request(server: Server, res: Any, info: Any) -> None:
    scope, last_in_buffer = request_scope(server, res, info, "http", "http")
    cycle = HttpCycle(server, res, scope["method"] == "HEAD")
    if info.has_content and has_body(scope["headers"]):
        cycle.body = deque()
    elif last_in_buffer:
        # Run once uWS has read every socket that is ready (see Server.start_deferred): reading
        # them one after the other, and then running the app for each, keeps both hot in the CPU's
        # caches (on 2 cores: +15% requests/s, p99 -40%). Only for a request with nothing after
        # it in uWS's buffer: uWS closes a connection whose next request it parses while the
        # previous one is unanswered, so pipelined requests, and those with a body, run at once.
        server.deferred.append((cycle, scope))
        answer_later(server, res, cycle)
        return
    server.corked_res = res  # uWS corks the socket while it runs this callback
    try:
        server.spawn(cycle.run(scope))
    finally:
        server.corked_res = None
    if not cycle.complete:
        # Not answered in the task's first step: uWS must be told where to report the body and a
        # client going away. (Within this callback, so nothing is missed; most requests skip it.)
        answer_later(server, res, cycle)
        if cycle.body is not None:
            lib.uws_res_on_data(server.ssl, res, _on_data, server.handle)


def answer_later(server: Server, res: Any, cycle: HttpCycle | AsgiWebSocket) -> None:
    """A request or handshake that leaves its uWS callback unanswered: uWS must report the client
    going away (it ends the process otherwise), and callbacks find the cycle in `server.pending`."""
    server.pending[res] = cycle
    lib.uws_res_on_aborted(server.ssl, res, on_aborted, server.handle)


def has_body(headers: list[tuple[bytes, bytes]]) -> bool:
    """False for a request socketify flags as having content whose only framing is Content-Length: 0
    (an empty POST, as fetch() sends it): it is started like a GET, with no body to wait for.

    Raises MalformedRequest for a Content-Length that is repeated or not a plain number: uWS would
    frame the body by the first one and parse what follows it as the next request (request
    smuggling past a proxy that reads another one), or refuse it only after starting the request."""
    body = False
    lengths = 0
    for name, value in headers:
        if name == b"content-length":
            lengths += 1
            value = value.strip()
            if lengths > 1 or not value.isdigit() or len(value) > _MAX_LENGTH_DIGITS:
                raise MalformedRequest("A request carries one Content-Length: a decimal number below 10^9")
            body = body or value != b"0"
        elif name == b"transfer-encoding":
            body = True
    return body


class HttpCycle:
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

    def __init__(self, server: Server, res: Any, head_only: bool) -> None:
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
                if not self.head_written:
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
        if end and not self.head_written and not self.bodyless():
            # The whole response at once, the usual case: one call writes it, corking the socket
            # itself when called outside a uWS callback.
            head, close = response_head(self.status, self.headers)
            self.head_written = True
            self.finish()
            lib.socketify_res_cork_send(server.ssl, self.res, body, len(body), head, len(head), _NULL, 0, close)
            return
        if server.corked_res == self.res:
            self.write(body, end)
        else:
            server.cork_job = (self, body, end)
            lib.uws_res_cork(server.ssl, self.res, _on_cork, server.handle)

    def write(self, body: bytes, end: bool) -> None:
        ssl, res = self.server.ssl, self.res
        if not self.head_written:
            bodyless = self.bodyless()
            self.close = write_head(ssl, res, self.status, self.headers, keep_length=bodyless)
            self.head_written = True
            if bodyless:
                self.finish()
                lib.uws_res_end_without_body(ssl, res, self.close)
                return
        if not end:
            if body:
                lib.uws_res_write(ssl, res, body, len(body))
            return
        self.finish()
        lib.uws_res_end(ssl, res, body, len(body), self.close)

    def bodyless(self) -> bool:
        """A response that has headers only: to HEAD, or 204 / 304."""
        return self.head_only or self.status in _BODYLESS_STATUSES

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


def write_head(ssl: Any, res: Any, status: int, headers: Any, *, keep_length: bool = False) -> bool:
    """Write the status line and headers; True if the app said close."""
    head, close = response_head(status, headers, keep_length=keep_length)
    lib.uws_res_write_status(ssl, res, head, len(head))
    return close


def response_head(status: int, headers: Any, *, keep_length: bool = False) -> tuple[bytes, bool]:
    """What follows "HTTP/1.1 " (status, then the headers less the framing uWS writes itself), and
    whether the app said close. uWS writes the status given and a CRLF, so the headers ride along in
    that one write instead of one cffi call each. A name or value holding CR or LF is refused, as
    uvicorn does."""
    lines = [_status_line(status)]
    close = False
    for name, value in headers:
        lowered = name.lower()
        if (lowered == b"content-length" and not keep_length) or lowered == b"transfer-encoding":
            continue
        if lowered == b"connection" and value.lower() == b"close":
            close = True
            continue
        lines.append(name + b": " + value)
    head = b"\r\n".join(lines)
    breaks = len(lines) - 1
    if head.count(b"\n") != breaks or head.count(b"\r") != breaks:
        raise RuntimeError("Invalid HTTP header: a name or value holds CR or LF")
    return head, close


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


def start_or_fail(what: str, start: Callable[..., None], server: Server, res: Any, *args: Any) -> None:
    """Start a request or handshake uWS has just handed over, so that it never goes unanswered."""
    server.wake()
    try:
        start(server, res, *args)
    except MalformedRequest as refusal:
        refuse_and_close(server, res, str(refusal))
    except Exception:
        logger.exception("Could not start an ASGI %s", what)
        if res not in server.pending:
            # Answer 500 and close: uWS ends the process if a request is left with no response.
            write_head(server.ssl, res, 500, ())
            lib.uws_res_end(server.ssl, res, b"", 0, True)


def refuse_and_close(server: Server, res: Any, detail: str) -> None:
    """Answer 400 on the plain-TCP socket itself, then close it. Closed inside its callback, the
    connection is parsed no further by uWS: nothing after this request is taken as another. (An
    answer written through uWS would sit in its cork buffer and be dropped by the close; uWS writes
    its own 400s and 505s this same way, and so also drops answers still corked from earlier
    requests of the same read.)"""
    body = json.dumps({"status_code": 400, "detail": detail, "code": "bad_request"}, separators=(",", ":")).encode()
    head = b"HTTP/1.1 400 Bad Request\r\ncontent-type: application/json\r\ncontent-length: %d\r\n" % len(body)
    fd = int(ffi.cast("intptr_t", lib.uws_res_get_native_handle(server.ssl, res)))
    with contextlib.suppress(OSError):  # the client is gone (a few hundred bytes never fill a fresh buffer)
        os.write(fd, head + b"connection: close\r\n\r\n" + body)
    lib.uws_res_close(server.ssl, res)


@ffi.callback("void(int, uws_res_t *, socketify_asgi_data, void *)")
def on_http(ssl: int, res: Any, info: Any, user_data: Any) -> None:
    start_or_fail("request", start_request, ffi.from_handle(user_data), res, info)


@ffi.callback("void(uws_res_t *, void *)")
def on_aborted(res: Any, user_data: Any) -> None:
    """The client went away from a request or a websocket handshake still in `server.pending`."""
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
    # Called back by uws_res_cork: write what `cork_job` holds while the socket is corked.
    server = ffi.from_handle(user_data)
    cycle, body, end = server.cork_job
    server.cork_job = None
    cycle.write(body, end)
