"""TEST_CLOCK=1: one clock, moved forward by admins, followed by every web process, worker and the
Stripe stand-in; without it the clock's paths do not exist."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import asyncpg
import pytest
from arq.worker import Worker
from litestar.testing import AsyncTestClient

from app.core.time import now
from app.settings import Settings
from tests.payments.conftest import book
from tests.support.accounts import PASSWORD, Account, Accounts
from tests.support.calendar import monday_after, offer_piano, save_week

CLOCK = "/api/test/clock"


async def fetch(settings: Settings, query: str, *args) -> list[asyncpg.Record]:
    conn = await asyncpg.connect(settings.database_url)
    try:
        return await conn.fetch(query, *args)
    finally:
        await conn.close()


async def make_admin(client, settings: Settings) -> Account:
    user = await Accounts(client).student(name="Ada Admin")
    await fetch(settings, "UPDATE users SET role = 'admin' WHERE id = $1", user.id)
    login = await client.post("/api/auth/login", json={"email": user.email, "password": PASSWORD})
    return replace(user, role="admin", token=login.json()["token"])


def instant(iso: str) -> datetime:
    return datetime.fromisoformat(iso.replace("Z", "+00:00"))


def close_to(moment: datetime, expected: datetime, seconds: float = 10) -> bool:
    return abs((moment - expected).total_seconds()) <= seconds


@pytest.fixture
def standin_clock(stripe_standin):
    yield stripe_standin
    stripe_standin.control("POST", "clock", offset_seconds=0)


@pytest.fixture
async def clock_client(settings, redis, standin_clock):
    from app.main import create_app

    async with AsyncTestClient(app=create_app(replace(settings, test_clock=True)), timeout=30) as test_client:
        yield test_client


async def test_without_test_clock_the_clock_paths_do_not_exist(client, settings):
    admin = await make_admin(client, settings)
    assert (await client.get(CLOCK)).status_code == 404
    response = await client.post(CLOCK, json={"advance_minutes": 60}, headers=admin.headers)
    assert response.status_code == 404
    assert close_to(now(), datetime.now(UTC), 1)


async def test_an_admin_moves_the_clock_forward_and_the_standin_follows(clock_client, settings, redis, standin_clock):
    admin = await make_admin(clock_client, settings)
    before = datetime.now(UTC)
    response = await clock_client.post(CLOCK, json={"advance_minutes": 90}, headers=admin.headers)
    assert response.status_code == 200, response.text
    moved = instant(response.json()["now"])
    assert close_to(moved, before + timedelta(minutes=90))
    assert close_to(instant((await clock_client.get(CLOCK)).json()["now"]), moved)
    assert float(await redis.get(f"{settings.redis_prefix}test_clock:offset_seconds")) == 5400
    assert close_to(datetime.fromtimestamp(standin_clock.control("GET", "clock")["now"], UTC), moved)

    # It keeps running, and moves again by adding up.
    again = await clock_client.post(CLOCK, json={"advance_minutes": 30}, headers=admin.headers)
    assert close_to(instant(again.json()["now"]), datetime.now(UTC) + timedelta(minutes=120))


async def test_the_clock_never_moves_back_and_only_admins_move_it(clock_client, settings):
    admin = await make_admin(clock_client, settings)
    student = await Accounts(clock_client).student()
    for body in ({"advance_minutes": 0}, {"advance_minutes": -60}, {"advance_minutes": "60"}, {}):
        response = await clock_client.post(CLOCK, json=body, headers=admin.headers)
        assert response.status_code == 400, (body, response.text)
    assert (await clock_client.post(CLOCK, json={"advance_minutes": 60}, headers=student.headers)).status_code == 403
    assert (await clock_client.post(CLOCK, json={"advance_minutes": 60})).status_code == 401
    assert close_to(instant((await clock_client.get(CLOCK)).json()["now"]), datetime.now(UTC), 2)


async def run_worker(settings: Settings) -> Worker:
    from tasks.worker import worker_settings

    worker = Worker(**worker_settings(settings), burst=True, poll_delay=0.05, max_burst_jobs=1)
    worker.handle_signals = False
    try:
        await worker.main()
    finally:
        await worker.close()
    return worker


async def test_a_worker_reads_the_clock_a_web_process_moved(live, http_factory, settings, redis, standin_clock):
    server = live("uvicorn", TEST_CLOCK="1")
    http = http_factory(server)
    accounts = Accounts(http)
    instructor, student = await accounts.instructor(), await accounts.student()
    service_id = await offer_piano(http, instructor)
    monday = monday_after()
    await save_week(http, instructor, instructor, monday, {monday.isoformat(): [{"start": "09:00", "end": "12:00"}]})
    card = {"payment_method_id": "pm_card_chargeDeclined"}
    assert (await http.post("/api/me/payment-methods", json=card, headers=student.headers)).status_code == 201
    booking = await book(http, student, instructor, service_id, monday)
    # Authorization failures come with the authorization job (not built yet): the state is set here.
    await fetch(
        settings,
        "UPDATE payments SET status = 'failed', card_amount_cents = amount_cents, credits_applied_cents = 0 "
        "WHERE booking = $1",
        booking["id"],
    )

    admin = await make_admin(http, settings)
    moved = await http.post(CLOCK, json={"advance_minutes": 600}, headers=admin.headers)
    assert moved.status_code == 200, moved.text
    assert close_to(now(), datetime.now(UTC), 1)  # this test process never moved it itself
    card = {"payment_method_id": "pm_card_visa"}
    assert (await http.post("/api/me/payment-methods", json=card, headers=student.headers)).status_code == 201

    # The card's hook runs in a worker of this process, which knows the clock only through Redis.
    worker = await run_worker(replace(settings, test_clock=True))
    assert (worker.jobs_complete, worker.jobs_failed) == (1, 0)
    due = await fetch(settings, "SELECT next_attempt_at FROM payments WHERE booking = $1", booking["id"])
    assert close_to(due[0]["next_attempt_at"], datetime.now(UTC) + timedelta(minutes=600))
    assert close_to(now(), datetime.now(UTC), 1)  # the worker stopped following when it closed
