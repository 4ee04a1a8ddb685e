"""Front-door admission for money-moving requests: at most CHECKOUT_CONCURRENCY of them inside this
process at once, the others waiting their turn in arrival order.

A checkout costs ~20 ms of the web process's CPU and a pool connection that waits on its
instructor's lock; a burst of them let in at once piles that work up, and every other request
waits behind it for the loop and the pool. Admitted a few at a time, the burst's CPU is spread over
the Stripe calls' waiting and the rest of the pool stays free for everything else. The gate is the
outermost middleware: a waiting request has been routed, nothing more (no token checked, no body
read), and a refused one gets `503 busy` with Retry-After with nothing done for it.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager, suppress

from litestar.openapi.spec import OpenAPI
from litestar.types import ASGIApp, Receive, Scope, Send
from prometheus_client import Counter, Gauge

from app.core.errors import ApiError

# (method, path as the OpenAPI document spells it): the requests that authorize, capture, refund or
# pay out money, change a booking, or save a card at Stripe. Stripe's webhooks are never held.
MONEY_MOVING: frozenset[tuple[str, str]] = frozenset(
    {
        ("POST", "/api/bookings"),
        ("POST", "/api/bookings/{booking_id}/confirm"),
        ("POST", "/api/bookings/{booking_id}/cancel"),
        ("POST", "/api/bookings/{booking_id}/reschedule"),
        ("POST", "/api/bookings/{booking_id}/complete"),
        ("POST", "/api/admin/bookings/{booking_id}/refund"),
        ("POST", "/api/instructors/me/payouts"),
        ("POST", "/api/instructors/me/payouts-account"),
        ("POST", "/api/me/payment-methods"),
        ("DELETE", "/api/me/payment-methods/{card_id}"),
    }
)
RETRY_AFTER_SECONDS = 5
BUSY_DESCRIPTION = (
    "`busy`: too many payments are in progress on this server; nothing was done: retry after `Retry-After` seconds"
)

inside_gauge = Gauge(
    "instainstru_money_requests_inside", "Money-moving requests this process is serving (at most CHECKOUT_CONCURRENCY)"
)
waiting_gauge = Gauge("instainstru_money_requests_waiting", "Money-moving requests waiting for their turn")
admitted_counter = Counter("instainstru_money_requests_admitted", "Money-moving requests let in")
refused_counter = Counter(
    "instainstru_money_requests_refused",
    "Money-moving requests answered 503 busy: `queue_full` at once, `waited_too_long` after CHECKOUT_WAIT_SECONDS",
    ["reason"],
)


def busy(reason: str) -> ApiError:
    refused_counter.labels(reason).inc()
    return ApiError(
        503,
        "Too many payments are in progress on this server; nothing was done: retry after Retry-After seconds",
        code="busy",
        headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
    )


class Admission:
    """At most `limit` inside at once, first come first served; at most `max_waiting` wait, each at
    most `max_wait_seconds`. A place freed goes straight to the oldest waiter."""

    def __init__(self, limit: int, max_waiting: int, max_wait_seconds: float) -> None:
        self.limit = limit
        self.max_waiting = max_waiting
        self.max_wait_seconds = max_wait_seconds
        self.inside = 0
        self._waiters: deque[asyncio.Future[None]] = deque()

    @property
    def waiting(self) -> int:
        return len(self._waiters)

    @asynccontextmanager
    async def admitted(self) -> AsyncIterator[None]:
        await self._enter()
        try:
            yield
        finally:
            self._leave()

    async def _enter(self) -> None:
        if self.inside < self.limit and not self._waiters:
            self.inside += 1
        elif len(self._waiters) >= self.max_waiting:
            raise busy("queue_full")
        else:
            await self._wait_for_a_place()
        admitted_counter.inc()
        self._show()

    async def _wait_for_a_place(self) -> None:
        ticket: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.append(ticket)
        self._show()
        try:
            async with asyncio.timeout(self.max_wait_seconds):
                await ticket
        except TimeoutError:
            self._give_up(ticket)
            raise busy("waited_too_long") from None
        except BaseException:  # the request's task was cancelled (its client went away)
            self._give_up(ticket)
            raise

    def _give_up(self, ticket: asyncio.Future[None]) -> None:
        if ticket.cancel() or ticket.cancelled():
            with suppress(ValueError):  # a leaving request may already have skipped it
                self._waiters.remove(ticket)
        else:  # handed a place in the same instant: pass it on
            self._leave()
        self._show()

    def _leave(self) -> None:
        while self._waiters:
            ticket = self._waiters.popleft()
            if not ticket.done():
                ticket.set_result(None)  # the place changes hands: `inside` stays
                self._show()
                return
        self.inside -= 1
        self._show()

    def _show(self) -> None:
        inside_gauge.set(self.inside)
        waiting_gauge.set(len(self._waiters))


def admission_middleware(gate: Admission) -> Callable[[ASGIApp], ASGIApp]:
    """The app's outermost middleware: money-moving requests pass through `gate`, all others straight on."""

    def wrap(app: ASGIApp) -> ASGIApp:
        async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] == "http" and (scope["method"], scope.get("path_template")) in MONEY_MOVING:
                async with gate.admitted():
                    await app(scope, receive, send)
            else:
                await app(scope, receive, send)

        return middleware

    return wrap


def document_busy(schema: OpenAPI) -> None:
    """Each money-moving route's documented 503 also names `busy` (each declares its own 503)."""
    paths = schema.paths or {}
    for method, path in MONEY_MOVING:
        operation = getattr(paths[path], method.lower()) if path in paths else None
        response = (operation.responses or {}).get("503") if operation else None
        if response is not None and BUSY_DESCRIPTION not in response.description:
            response.description = f"{response.description}. Or {BUSY_DESCRIPTION}"
