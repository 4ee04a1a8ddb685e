"""The ASGI application: Stripe's /v1 API, the hosted pages and the /_standin/ control endpoints.

For a /v1 call, in order: the latency switch, the `fail_next` switch (faults.py), the API key
(`Bearer sk_test_…`, else 401), the `Idempotency-Key` (POST only; scoped per API key and
`Stripe-Account`: a replay answers the first response with `Idempotent-Replayed: true`, other
params → 400 `idempotency_error`), then the handler in one sqlite transaction, then `expand[]`.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import re
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

from standins.stripe import (
    charges,
    connect,
    control,
    customers,
    events,
    faults,
    hosted,
    identity,
    payment_intents,
    payment_methods,
    payouts,
    refunds,
    transfers,
)
from standins.stripe.core import API_VERSION, Call, Standin
from standins.stripe.errors import StripeError, authentication_error, invalid_request, permission_error
from standins.stripe.forms import Params, decode_form
from standins.stripe.store import Store, new_id
from standins.stripe.sweep import sweep_forever
from standins.stripe.webhooks import WebhookSender

Handler = Callable[..., dict[str, Any]]
ROUTES: list[tuple[str, re.Pattern[str], Handler]] = [
    (method, re.compile("^" + re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", pattern) + "$"), handler)
    for module in (
        customers,
        payment_methods,
        payment_intents,
        charges,
        refunds,
        connect,
        transfers,
        payouts,
        identity,
        events,
    )
    for method, pattern, handler in module.ROUTES
]
Send = Callable[[dict[str, Any]], Awaitable[None]]


class StripeStandinApp:
    def __init__(self, data_dir: Path, webhook_url: str | None = None, webhook_secret: str | None = None) -> None:
        self.standin = Standin(Store(data_dir))
        with self.standin.store.transaction():
            if webhook_url is not None:
                self.standin.configure(webhook_url=webhook_url)
            if webhook_secret is not None:
                self.standin.configure(webhook_secret=webhook_secret)
        self._tasks: list[asyncio.Task[None]] = []

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        headers = {name.decode("latin-1").lower(): value.decode("latin-1") for name, value in scope["headers"]}
        path, method = scope["path"], scope["method"]
        query = scope.get("query_string", b"").decode("latin-1")
        base_url = f"http://{headers.get('host', 'localhost')}"
        if path.startswith("/v1/"):
            text = body.decode(errors="replace")
            status, extra, payload = await self._api(method, path, query, text, headers, base_url)
            await _respond(send, status, [*extra, (b"content-type", b"application/json")], payload)
        elif path.startswith("/_standin/hosted/"):
            call = Call(self.standin, Params({}), base_url=base_url)
            with self.standin.store.transaction():
                # A page's buttons POST a form (`result`); the query string works the same for a visit.
                fields = dict(parse_qsl(query))
                if method == "POST":
                    fields.update(parse_qsl(body.decode(errors="replace")))
                result = hosted.route(call, path, fields)
            status, page_headers, page = hosted.page(*(result or (404, "Not found.", None)))
            await _respond(send, status, page_headers, page)
        elif path.startswith("/_standin/"):
            try:
                json_body = json.loads(body) if body.strip() else {}
                status, answer = await control.handle(self.standin, method, path, json_body)
            except (ValueError, KeyError, TypeError) as bad:  # a malformed control call, not a crash
                status, answer = 400, {"error": f"bad control call: {bad!r}"}
            await _respond(send, status, [(b"content-type", b"application/json")], json.dumps(answer).encode())
        else:
            await _respond(send, 404, [(b"content-type", b"text/plain")], b"Not a Stripe API path.")

    async def _api(
        self, method: str, path: str, query: str, body: str, headers: dict[str, str], base_url: str
    ) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
        latency = int(self.standin.setting("latency_ms"))
        if latency:
            await asyncio.sleep(latency / 1000)
        fault = faults.take(self.standin, path)
        if fault is not None:
            status, fault_headers, payload = fault
            return status, [(b"request-id", new_id("req").encode()), *fault_headers], payload
        call = Call(self.standin, Params({}), headers.get("stripe-account", ""), base_url)
        call.idempotency_key = headers.get("idempotency-key") if method == "POST" else None
        out = [(b"request-id", call.request_id.encode()), (b"stripe-version", API_VERSION.encode())]
        try:
            api_key = _api_key(headers.get("authorization", ""))
            values = decode_form(body if method == "POST" else query)
            call.params = Params(values)
            handler, arguments = _route(method, path)
            if call.account and self.standin.store.get(call.account) is None:
                raise permission_error(
                    f"The provided key '{api_key[:8]}…' does not have access to account '{call.account}' "
                    "(or that account does not exist). Application access may have been revoked.",
                    code="account_invalid",
                )
        except StripeError as refusal:
            return refusal.status, out, json.dumps(refusal.payload()).encode()
        scope, fingerprint = f"{api_key}|{call.account}", json.dumps([method, path, values], sort_keys=True)
        if call.idempotency_key:
            out.append((b"idempotency-key", call.idempotency_key.encode()))
            earlier = self.standin.store.replay(scope, call.idempotency_key)
            if earlier is not None:
                return _replay(earlier, fingerprint, call.idempotency_key, out)
        status, payload = self._run(call, handler, arguments, scope, fingerprint)
        return status, out, payload.encode()

    def _run(self, call: Call, handler: Handler, arguments: dict[str, str], scope: str, fingerprint: str):
        """The handler and its idempotency record in one transaction; a Stripe refusal keeps what
        was written before it (a decline leaves its PaymentIntent `requires_payment_method`)."""
        store = self.standin.store
        try:
            with store.transaction():
                try:
                    result = _expand(store, handler(call, **arguments), call.params.expand())
                    status, payload, keep = 200, json.dumps(result), True
                except StripeError as refusal:
                    status, payload, keep = refusal.status, json.dumps(refusal.payload()), refusal.replayable
                if keep and call.idempotency_key:
                    store.remember(scope, call.idempotency_key, fingerprint, status, payload)
                return status, payload
        except Exception as crash:  # a bug in the stand-in: answered as Stripe answers its own
            error = {"error": {"type": "api_error", "message": f"Stand-in error: {crash!r}"}}
            return 500, json.dumps(error)

    async def _lifespan(self, receive: Any, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                self._tasks = [
                    asyncio.create_task(WebhookSender(self.standin).run()),
                    asyncio.create_task(sweep_forever(self.standin)),
                ]
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                for task in self._tasks:
                    task.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await task
                await send({"type": "lifespan.shutdown.complete"})
                return


def _api_key(authorization: str) -> str:
    scheme, _, credentials = authorization.partition(" ")
    if scheme.lower() == "basic":
        credentials = base64.b64decode(credentials).decode().partition(":")[0]
    elif scheme.lower() != "bearer":
        credentials = ""
    if not credentials:
        raise authentication_error(
            "You did not provide an API key. You need to provide your API key in the Authorization header, "
            "using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY')."
        )
    if not credentials.startswith(("sk_test_", "rk_test_")):
        raise authentication_error(f"Invalid API Key provided: {credentials[:8]}{'*' * 8}{credentials[-4:]}")
    return credentials


def _route(method: str, path: str) -> tuple[Handler, dict[str, str]]:
    for route_method, pattern, handler in ROUTES:
        found = pattern.match(path)
        if found and route_method == method:
            return handler, found.groupdict()
    raise StripeError(
        404,
        {"type": "invalid_request_error", "message": f"Unrecognized request URL ({method}: {path})."},
    )


def _replay(
    earlier: tuple[str, int, str], fingerprint: str, key: str, out: list[tuple[bytes, bytes]]
) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    request, status, payload = earlier
    if request != fingerprint:
        refusal = invalid_request(
            "Keys for idempotent requests can only be used with the same parameters they were first used with. "
            f"Try using a key other than '{key}' if you meant to execute a different request."
        )
        refusal.body["type"] = "idempotency_error"
        return 400, out, json.dumps(refusal.payload()).encode()
    return status, [*out, (b"idempotent-replayed", b"true")], payload.encode()


def _expand(store: Store, obj: Any, paths: list[str]) -> Any:
    for path in paths:
        _expand_path(store, obj, path.split("."))
    return obj


def _expand_path(store: Store, node: Any, parts: list[str]) -> None:
    if not parts or not isinstance(node, dict):
        return
    head, rest = parts[0], parts[1:]
    if node.get("object") == "list" and head == "data":
        for item in node["data"]:
            _expand_path(store, item, rest)
        return
    value = node.get(head)
    if isinstance(value, str):
        found = store.get(value)
        if found is not None:
            node[head] = value = found
    _expand_path(store, value, rest)


async def _respond(send: Send, status: int, headers: list[tuple[bytes, bytes]], body: bytes) -> None:
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
