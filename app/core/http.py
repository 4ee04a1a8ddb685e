"""HTTP semantics every route shares: HEAD answers like GET, conditional GETs, paths without NUL."""

from __future__ import annotations

from types import SimpleNamespace

import msgspec
from litestar import Litestar
from litestar.routes import HTTPRoute
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from app.core.errors import error_body

_NUL_REFUSAL = error_body(
    400,
    "The path holds a NUL or control character",
    "bad_request",
    [{"key": "path", "message": "must not hold NUL or control characters"}],
)


def etag_matches(if_none_match: str | None, version: str) -> bool:
    """RFC 9110 If-None-Match: `*`, or a comma-separated list of (weak or strong) ETags."""
    if not if_none_match:
        return False
    for tag in if_none_match.split(","):
        tag = tag.strip()
        if tag == "*" or tag.removeprefix("W/").strip('"') == version:
            return True
    return False


def http_semantics(app: ASGIApp) -> ASGIApp:
    """Outermost: HEAD runs the GET handler and sends its headers only; a NUL path is a 400."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        if any(ord(c) < 0x20 for c in scope["path"]):
            await _send_json(send, 400, _NUL_REFUSAL)
            return
        if scope["method"] != "HEAD":
            await app(scope, receive, send)
            return

        async def headers_only(message: Message) -> None:
            if message["type"] == "http.response.body":
                message = {**message, "body": b""}
            await send(message)

        await app({**scope, "method": "GET"}, receive, headers_only)

    return middleware


def allow_every_method(app: Litestar) -> None:
    """OPTIONS answers `Allow` with every method of its path, HEAD wherever GET is served.

    Litestar 2.25 rebuilds a path's route when another handler joins it but keeps the first
    route's OPTIONS handler, whose closure still lists only the first handler's methods.
    """
    for route in app.routes:
        if not isinstance(route, HTTPRoute) or "OPTIONS" not in route.route_handler_map:
            continue
        options = route.route_handler_map["OPTIONS"][0].fn
        if options.__name__ == "options_handler" and options.__closure__:
            methods = set(route.methods) | ({"HEAD"} if "GET" in route.methods else set())
            options.__closure__[0].cell_contents = SimpleNamespace(methods=methods)


async def _send_json(send: Send, status: int, body: dict) -> None:
    payload = msgspec.json.encode(body)
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": payload})
