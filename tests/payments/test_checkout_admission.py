"""Checkouts are admitted a few at a time per web process (CHECKOUT_CONCURRENCY, app/core/admission.py):
against a real server and a slow Stripe stand-in, the ones beyond the bound wait their turn and all
book, an unrelated GET is answered meanwhile, and the ones refused (queue full, waited too long) are a
`503 busy` with Retry-After that left nothing behind. The gate's own gauges on /metrics show who is in."""

from __future__ import annotations

import asyncio
import re
import time
from datetime import UTC, datetime, timedelta
from itertools import pairwise

import pytest

from tests.payments.test_authorization import at_stripe, fetch
from tests.support.accounts import Accounts
from tests.support.calendar import save_week
from tests.support.live import SERVERS

pytestmark = pytest.mark.usefixtures("stripe_standin")
LESSON = timedelta(minutes=30)


async def gate_figures(http) -> dict[str, float]:
    """The gate's series on /metrics: inside, waiting, admitted and refused by reason."""
    text = (await http.get("/metrics")).text
    found = re.findall(r"^instainstru_money_requests_(\w+?)(?:_total)?(?:\{reason=\"(\w+)\"\})? (\S+)$", text, re.M)
    return {f"{name}:{reason}" if reason else name: float(value) for name, reason, value in found}


async def until(http, what, timeout: float = 20) -> dict[str, float]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        figures = await gate_figures(http)
        if what(figures):
            return figures
        await asyncio.sleep(0.01)
    raise AssertionError(f"the gate never got there: {figures}")


async def bookable_instructor(accounts: Accounts, http) -> tuple[int, int, datetime]:
    """A live instructor in UTC open around the clock this week and next: (id, piano's id, a start
    3 hours ahead, past the minimum notice and well inside the 24 h in which a booking is authorized)."""
    instructor = await accounts.instructor(timezone="UTC")
    service_id = await accounts.offer_piano(instructor)
    now = datetime.now(UTC)
    monday = now.date() - timedelta(days=now.weekday())
    for week in (monday, monday + timedelta(days=7)):
        days = {(week + timedelta(days=d)).isoformat(): [{"start": "00:00", "end": "24:00"}] for d in range(7)}
        await save_week(http, instructor, instructor, week, days)
    first = now.replace(minute=0, second=0, microsecond=0) + timedelta(hours=3)
    return instructor.id, service_id, first


def checkout_body(instructor_id: int, service_id: int, start: datetime) -> dict:
    return {
        "instructor_id": instructor_id,
        "service_id": service_id,
        "start": start.isoformat(),
        "duration_minutes": 30,
    }


@pytest.mark.parametrize("server_kind", SERVERS)
async def test_checkouts_beyond_the_bound_wait_their_turn_and_all_book_while_a_get_is_answered_at_once(
    live, http_factory, stripe_standin, server_kind
):
    http = http_factory(live(server_kind, CHECKOUT_CONCURRENCY="1"))
    accounts = Accounts(http)
    instructor_id, service_id, first = await bookable_instructor(accounts, http)
    students = await asyncio.gather(*(accounts.student() for _ in range(5)))
    latency = 0.5
    stripe_standin.configure(latency_ms=int(latency * 1000))
    admitted_before = (await gate_figures(http))["admitted"]  # the set-up's card saves went through the gate too
    seen: list[tuple[float, float]] = []  # (inside, waiting) as /metrics showed them
    finished: list[tuple[str, float]] = []

    async def watch() -> None:
        while True:
            figures = await gate_figures(http)
            seen.append((figures["inside"], figures["waiting"]))
            await asyncio.sleep(0.01)

    async def checkout(i: int):
        body = checkout_body(instructor_id, service_id, first + i * LESSON)
        response = await http.post("/api/bookings", json=body, headers=students[i].headers)
        finished.append((f"checkout {i}", time.monotonic()))
        return response

    watching = asyncio.create_task(watch())
    checkouts = [asyncio.create_task(checkout(i)) for i in range(5)]
    await until(http, lambda f: f["waiting"] >= 3)
    unrelated = await http.get("/api/catalog/categories")
    finished.append(("GET", time.monotonic()))
    responses = await asyncio.gather(*checkouts)
    watching.cancel()

    assert [(r.status_code, r.json()["payment"]["status"]) for r in responses] == [(201, "authorized")] * 5
    assert unrelated.status_code == 200
    assert max(inside for inside, _ in seen) == 1, "never more than CHECKOUT_CONCURRENCY inside"
    assert max(waiting for _, waiting in seen) >= 3
    order = [name for name, _ in sorted(finished, key=lambda f: f[1])]
    assert order.index("GET") < 3, f"the GET came back while checkouts still waited: {order}"
    ends = sorted(at for name, at in finished if name != "GET")
    gaps = [later - earlier for earlier, later in pairwise(ends)]
    assert min(gaps) > latency / 2, f"one at a time, each waiting on Stripe in turn: {gaps}"
    figures = await gate_figures(http)
    assert (figures["inside"], figures["waiting"], figures["admitted"] - admitted_before) == (0, 0, 5)


@pytest.mark.parametrize("server_kind", SERVERS)
async def test_a_full_queue_and_a_long_wait_are_503_busy_with_nothing_booked(
    live, http_factory, settings, stripe_standin, server_kind
):
    server = live(server_kind, CHECKOUT_CONCURRENCY="1", CHECKOUT_QUEUE="1", CHECKOUT_WAIT_SECONDS="1")
    http = http_factory(server)
    accounts = Accounts(http)
    instructor_id, service_id, first = await bookable_instructor(accounts, http)
    inside, waiter, refused_at_once = [await accounts.student() for _ in range(3)]  # card saves are gated too
    stripe_standin.configure(latency_ms=5000)
    waiter_headers = {**waiter.headers, "Idempotency-Key": "piano-at-four"}
    waiter_body = checkout_body(instructor_id, service_id, first + LESSON)
    admitted_before = (await gate_figures(http))["admitted"]

    booking = asyncio.create_task(
        http.post("/api/bookings", json=checkout_body(instructor_id, service_id, first), headers=inside.headers)
    )
    await until(http, lambda f: f["inside"] == 1)
    waiting = asyncio.create_task(http.post("/api/bookings", json=waiter_body, headers=waiter_headers))
    await until(http, lambda f: f["waiting"] == 1)
    third_body = checkout_body(instructor_id, service_id, first + 2 * LESSON)
    full = await http.post("/api/bookings", json=third_body, headers=refused_at_once.headers)
    assert not waiting.done()
    waited_too_long = await waiting
    assert not booking.done(), "refused while the one inside was still at Stripe"
    booked = await booking

    for refused in (full, waited_too_long):
        assert (refused.status_code, refused.json()["code"]) == (503, "busy"), refused.text
        assert int(refused.headers["retry-after"]) > 0
    assert booked.status_code == 201, booked.text
    for student in (waiter, refused_at_once):
        assert await fetch(settings, "SELECT id FROM bookings WHERE student = $1", student.id) == []
        assert (await at_stripe(settings, stripe_standin, student))["intents"] == []
    figures = await gate_figures(http)
    assert figures["refused:queue_full"] == figures["refused:waited_too_long"] == 1
    assert (figures["inside"], figures["waiting"], figures["admitted"] - admitted_before) == (0, 0, 1)

    stripe_standin.configure(latency_ms=0)
    retried = await http.post("/api/bookings", json=waiter_body, headers=waiter_headers)
    assert retried.status_code == 201, "the refusal left nothing under its key: the same request books"
    assert retried.json()["payment"]["status"] == "authorized"
