"""Earnings and transfers through the API, a live web server receiving the stand-in's webhooks,
and the real arq worker: a delivered lesson earns price - fee, transferred once to the
instructor's connected account (or waiting as pending until onboarding makes it active).

"A captured lesson" is set up here as the capture job will leave it (the capture job lands
separately): the booking is made through the API, its card share authorized and captured at the
stand-in through the SDK, and the booking and payment rows updated to completed / captured.
The helpers below serve test_payouts.py, test_refund.py and test_audit.py too."""

from __future__ import annotations

import asyncio
import sys
import time
from contextlib import asynccontextmanager, suppress
from typing import Any

import asyncpg
import httpx
import pytest
from arq import create_pool
from arq.worker import Worker

from app.core.db import bind_tables, make_engine, open_pool
from app.payments.audit import audit_payments
from app.payments.stripe_api import StripeApi
from app.services import arq_queue_name, arq_settings
from app.settings import PROJECT_ROOT
from tasks.worker import worker_settings
from tests.payments.conftest import LESSON_CENTS, book, hours, start_of
from tests.payments.test_authorization import run_payment_sweep
from tests.support.accounts import Account, Accounts
from tests.support.calendar import monday_after, offer_piano, save_week
from tests.support.live import server_env

WEBHOOK = "/api/payments/webhook"
FEE_CENTS = 900  # 15 % of 6000
EARNED_CENTS = LESSON_CENTS - FEE_CENTS


@pytest.fixture
async def platform(live, http_factory, stripe_standin):
    """A live web server the stand-in delivers its webhooks to; the httpx client talks to it."""
    server = live("uvicorn")
    stripe_standin.configure(webhook_url=f"{server.url}{WEBHOOK}")
    yield http_factory(server)
    stripe_standin.control("POST", "webhooks/discard")
    stripe_standin.configure(webhook_url=None)


async def sql(settings, query: str, *args: Any) -> list[asyncpg.Record]:
    conn = await asyncpg.connect(settings.database_url)
    try:
        return await conn.fetch(query, *args)
    finally:
        await conn.close()


async def wait_until(check, within: float = 15.0):
    deadline = time.monotonic() + within
    while True:
        result = await check()
        if result or time.monotonic() > deadline:
            return result
        await asyncio.sleep(0.1)


async def audit(settings) -> list[str]:
    """The money audit on the test's database (its own pool: workers close theirs) and the stand-in."""
    engine = make_engine(settings.database_url)
    bind_tables(engine)
    await open_pool(engine, max_size=2)
    stripe_api = StripeApi(settings)
    try:
        return [str(finding) for finding in await audit_payments(settings, stripe_api)]
    finally:
        await stripe_api.aclose()
        await engine.close_connection_pool()


async def teaching_instructor(http) -> tuple[Account, int, Any]:
    """An instructor offering piano (6000 an hour) with next week's Monday 09:00-17:00 open."""
    instructor = await Accounts(http).instructor()
    service_id = await offer_piano(http, instructor)
    monday = monday_after()
    await save_week(http, instructor, instructor, monday, {monday.isoformat(): [{"start": "09:00", "end": "17:00"}]})
    return instructor, service_id, monday


async def onboard(http, settings, instructor: Account) -> str:
    """The payouts account through the API and its hosted onboarding page; active once account.updated lands."""
    response = await http.post("/api/instructors/me/payouts-account", headers=instructor.headers)
    assert response.status_code == 201, response.text
    link = response.json()
    async with httpx.AsyncClient() as browser:
        page = await browser.get(link["url"])
    assert page.status_code == 303, page.text

    async def active() -> bool:
        rows = await sql(settings, "SELECT status FROM connected_accounts WHERE account_id = $1", link["account_id"])
        return bool(rows) and rows[0]["status"] == "active"

    assert await wait_until(active), "account.updated never made the account active"
    return link["account_id"]


async def deliver(http, settings, stripe_client, instructor, student, service_id, monday, at="10:00") -> int:
    """A booking made through the API, then completed and its card share captured (see the module doc)."""
    booking = await book(http, student, instructor, service_id, monday, at=at)
    booking_id = booking["id"]
    payment = (await sql(settings, "SELECT * FROM payments WHERE booking = $1", booking_id))[0]
    intent_id = None
    if payment["card_amount_cents"]:
        customer = (await sql(settings, 'SELECT customer_id FROM stripe_customers WHERE "user" = $1', student.id))[0]
        card = await sql(
            settings, 'SELECT stripe_payment_method_id FROM payment_methods WHERE "user" = $1 ORDER BY id DESC',
            student.id,
        )  # fmt: skip
        intent = await stripe_client.v1.payment_intents.create_async(
            {
                "amount": payment["card_amount_cents"], "currency": "usd", "customer": customer["customer_id"],
                "payment_method": card[0]["stripe_payment_method_id"], "capture_method": "manual",
                "confirm": True, "off_session": True, "metadata": {"booking_id": str(booking_id)},
            }
        )  # fmt: skip
        intent = await stripe_client.v1.payment_intents.capture_async(intent.id)
        assert intent.status == "succeeded"
        intent_id = intent.id
    await sql(settings, "UPDATE bookings SET status = 'completed' WHERE id = $1", booking_id)
    await sql(
        settings,
        "UPDATE payments SET status = CASE WHEN card_amount_cents > 0 THEN 'captured' ELSE 'not_needed' END, "
        "payment_intent_id = $2, captured_cents = card_amount_cents, fee_cents = $3, authorize_at = NULL "
        "WHERE booking = $1",
        booking_id, intent_id, FEE_CENTS,
    )  # fmt: skip
    return booking_id


@asynccontextmanager
async def worker(settings):
    """The real arq worker running beside the test (not in burst mode: deferred jobs other features
    queue, such as authorizations at T-24 h, would keep a burst worker polling)."""
    running = Worker(**worker_settings(settings), poll_delay=0.05)
    running.handle_signals = False
    task = asyncio.create_task(running.async_run())
    try:
        yield running
    finally:
        task.cancel()
        with suppress(asyncio.CancelledError):
            await task
        await running.close()


async def run_job(settings, function: str, *args: Any, job_id: str) -> Any:
    """Enqueues the job under `job_id` (deployment prefix added) and returns its result from a worker."""
    queue = await create_pool(arq_settings(settings), default_queue_name=arq_queue_name(settings))
    try:
        job = await queue.enqueue_job(function, *args, _job_id=settings.redis_prefix + job_id)
        assert job is not None, f"arq refused {job_id}: already queued or kept"
        async with worker(settings):
            return await job.result(timeout=30, poll_delay=0.05)
    finally:
        await queue.aclose()


async def transfer_now(settings, booking_id: int, job_id: str | None = None) -> Any:
    """What the capture job records: transfer_earning under `booking:{id}:transfer`, run by a worker."""
    return await run_job(settings, "transfer_earning", booking_id, job_id=job_id or f"booking:{booking_id}:transfer")


async def transferred(settings, booking_id: int) -> dict[str, Any] | None:
    """Runs a worker until the booking's earning is transferred (by a job already queued, or the sweep)."""

    async def done():
        row = await earning_row(settings, booking_id)
        return row if row and row["status"] == "transferred" else None

    async with worker(settings):
        return await wait_until(done, within=20)


async def transfers_to(stripe_client, account_id: str) -> list[dict[str, Any]]:
    """Every transfer the stand-in made to the account, oldest first."""
    page = await stripe_client.v1.transfers.list_async({"destination": account_id, "limit": 100})
    return [{"id": t.id, "amount": t.amount, "amount_reversed": t.amount_reversed} for t in reversed(page.data)]


async def earning_row(settings, booking_id: int) -> dict[str, Any] | None:
    rows = await sql(settings, "SELECT * FROM earnings WHERE booking = $1", booking_id)
    return dict(rows[0]) if rows else None


async def earnings(http, instructor: Account) -> dict[str, Any]:
    response = await http.get("/api/instructors/me/earnings", headers=instructor.headers)
    assert response.status_code == 200, response.text
    return response.json()


def balances(body: dict[str, Any]) -> tuple[int, int, int]:
    return body["pending_cents"], body["available_cents"], body["paid_cents"]


async def test_a_captured_lesson_earns_price_less_fee_transferred_once(
    platform, settings, stripe_client, stripe_standin
):
    http = platform
    instructor, service_id, monday = await teaching_instructor(http)
    account_id = await onboard(http, settings, instructor)
    student = await Accounts(http).student()
    booking_id = await deliver(http, settings, stripe_client, instructor, student, service_id, monday)
    assert balances(await earnings(http, instructor)) == (0, 0, 0)

    assert await transfer_now(settings, booking_id) == "transferred"

    earning = await earning_row(settings, booking_id)
    assert (earning["amount_cents"], earning["status"], earning["destination"]) == (
        EARNED_CENTS, "transferred", account_id,
    )  # fmt: skip
    sent = await transfers_to(stripe_client, account_id)
    assert [(t["id"], t["amount"]) for t in sent] == [(earning["transfer_id"], EARNED_CENTS)]
    transfer = await stripe_client.v1.transfers.retrieve_async(earning["transfer_id"])
    assert (transfer.transfer_group, transfer.metadata["booking_id"]) == (f"booking:{booking_id}", str(booking_id))
    assert balances(await earnings(http, instructor)) == (0, EARNED_CENTS, 0)
    assert await audit(settings) == []


async def test_credits_pay_part_the_instructor_still_earns_price_less_fee(
    platform, settings, stripe_client, stripe_standin, client, give_credits
):
    http = platform
    instructor, service_id, monday = await teaching_instructor(http)
    account_id = await onboard(http, settings, instructor)
    student = await Accounts(http).student()
    await give_credits(student, 2000)
    booking_id = await deliver(http, settings, stripe_client, instructor, student, service_id, monday)
    payment = (await sql(settings, "SELECT * FROM payments WHERE booking = $1", booking_id))[0]
    assert (payment["credits_applied_cents"], payment["captured_cents"]) == (2000, 4000)

    assert await transfer_now(settings, booking_id) == "transferred"

    assert [t["amount"] for t in await transfers_to(stripe_client, account_id)] == [EARNED_CENTS]
    assert balances(await earnings(http, instructor)) == (0, EARNED_CENTS, 0)
    assert await audit(settings) == []


async def test_a_lesson_paid_wholly_by_credits_is_found_by_the_sweep_and_transferred(
    platform, settings, stripe_client, stripe_standin, client, give_credits
):
    http = platform
    instructor, service_id, monday = await teaching_instructor(http)
    account_id = await onboard(http, settings, instructor)
    student = await Accounts(http).student()
    await give_credits(student, LESSON_CENTS)
    booking_id = await deliver(http, settings, stripe_client, instructor, student, service_id, monday)
    assert (await sql(settings, "SELECT status FROM payments WHERE booking = $1", booking_id))[0][0] == "not_needed"

    assert await transferred(settings, booking_id)  # no job was recorded: the transfer sweep finds the lesson

    assert [t["amount"] for t in await transfers_to(stripe_client, account_id)] == [EARNED_CENTS]
    assert await audit(settings) == []


async def test_without_an_active_account_the_earning_waits_then_onboarding_transfers_it(
    platform, settings, stripe_client, stripe_standin
):
    http = platform
    instructor, service_id, monday = await teaching_instructor(http)
    student = await Accounts(http).student()
    first = await http.post("/api/instructors/me/payouts-account", headers=instructor.headers)
    assert first.status_code == 201, first.text
    account_id = first.json()["account_id"]
    # A live instructor's account is active: Stripe takes it back (requirements due again), in a later
    # second than the event that made it active.
    await asyncio.sleep(1.1)
    stripe_standin.control("POST", f"accounts/{account_id}", onboarded=False)

    async def inactive() -> bool:
        rows = await sql(settings, "SELECT status FROM connected_accounts WHERE account_id = $1", account_id)
        return rows[0]["status"] == "pending"

    assert await wait_until(inactive), "account.updated never took the account back"
    booking_id = await deliver(http, settings, stripe_client, instructor, student, service_id, monday)

    assert await transfer_now(settings, booking_id) == "waiting_for_account"

    assert (await earning_row(settings, booking_id))["status"] == "pending"
    assert await transfers_to(stripe_client, account_id) == []
    assert balances(await earnings(http, instructor)) == (EARNED_CENTS, 0, 0)
    assert await audit(settings) == []

    # Asking again gives a fresh link to the same account; its hosted page finishes onboarding.
    assert await onboard(http, settings, instructor) == account_id
    earning = await transferred(settings, booking_id)  # the job account.updated recorded
    assert earning
    assert [(t["id"], t["amount"]) for t in await transfers_to(stripe_client, account_id)] == [
        (earning["transfer_id"], EARNED_CENTS)
    ]
    assert balances(await earnings(http, instructor)) == (0, EARNED_CENTS, 0)
    assert await audit(settings) == []


async def test_the_transfer_job_run_twice_makes_one_transfer(platform, settings, stripe_client, stripe_standin):
    http = platform
    instructor, service_id, monday = await teaching_instructor(http)
    account_id = await onboard(http, settings, instructor)
    student = await Accounts(http).student()
    booking_id = await deliver(http, settings, stripe_client, instructor, student, service_id, monday)

    assert await transfer_now(settings, booking_id) == "transferred"
    assert await transfer_now(settings, booking_id, job_id=f"booking:{booking_id}:transfer:again") == (
        "already_transferred"
    )

    assert len(await transfers_to(stripe_client, account_id)) == 1
    assert balances(await earnings(http, instructor)) == (0, EARNED_CENTS, 0)
    assert await audit(settings) == []


async def test_a_worker_killed_after_the_transfer_call_leaves_exactly_one_transfer(
    platform, settings, stripe_client, stripe_standin, redis
):
    http = platform
    instructor, service_id, monday = await teaching_instructor(http)
    account_id = await onboard(http, settings, instructor)
    student = await Accounts(http).student()
    booking_id = await deliver(http, settings, stripe_client, instructor, student, service_id, monday)
    job_id = f"{settings.redis_prefix}booking:{booking_id}:transfer"
    queue = await create_pool(arq_settings(settings), default_queue_name=arq_queue_name(settings))
    await queue.enqueue_job("transfer_earning", booking_id, _job_id=job_id)
    await queue.aclose()

    worker = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "app", "worker",
        env=server_env(settings, FAULT_INJECTION="kill_after_transfer"), cwd=PROJECT_ROOT, start_new_session=True,
    )  # fmt: skip
    try:
        assert await asyncio.wait_for(worker.wait(), 60) == -9  # SIGKILLed itself right after Stripe answered
    finally:
        if worker.returncode is None:
            worker.kill()
    sent = await transfers_to(stripe_client, account_id)
    assert len(sent) == 1
    assert (await earning_row(settings, booking_id))["status"] == "transferring"
    assert [f.split(":")[0] for f in await audit(settings)] == ["transfer_unfinished"]

    # arq runs the job again once its in-progress mark expires (the job timeout): expire it now.
    assert await redis.delete(f"arq:in-progress:{job_id}") == 1
    earning = await transferred(settings, booking_id)
    assert earning and earning["transfer_id"] == sent[0]["id"]
    assert await transfers_to(stripe_client, account_id) == sent
    assert await audit(settings) == []


async def test_a_captured_lesson_whose_transfer_job_redis_lost_is_found_by_the_sweep(
    platform, settings, stripe_client, stripe_standin
):
    http = platform
    instructor, service_id, monday = await teaching_instructor(http)
    account_id = await onboard(http, settings, instructor)
    student = await Accounts(http).student()
    booking_id = await deliver(http, settings, stripe_client, instructor, student, service_id, monday)
    async with worker(settings):
        await asyncio.sleep(1.5)  # the sweep runs at the worker's start
    assert await earning_row(settings, booking_id) is None  # a capture this fresh is its job's to transfer

    # Captured two minutes ago and no job ever ran (Redis lost it): the sweep is the schedule.
    await sql(settings, "UPDATE payments SET updated_at = now() - interval '2 minutes' WHERE booking = $1", booking_id)
    assert await transferred(settings, booking_id)

    assert [t["amount"] for t in await transfers_to(stripe_client, account_id)] == [EARNED_CENTS]
    assert await audit(settings) == []


async def test_the_whole_lifecycle_through_the_api_ends_in_one_transfer_and_a_clean_audit(
    platform, client, accounts, open_week, clock, settings, stripe_client, stripe_standin, run_worker_burst
):
    """The real flow, no rows set by hand: authorized at T-24 h, completed by the instructor, captured
    by the worker, whose capture records transfer_earning (the stopped clock is this process's)."""
    instructor, service_id, monday = open_week
    account_id = await onboard(platform, settings, instructor)
    student = await accounts.student()
    booking = await book(client, student, instructor, service_id, monday)
    clock(start_of(booking) - hours(24))
    await run_payment_sweep(settings, run_worker_burst)
    clock(start_of(booking) + hours(1))

    done = await client.post(f"/api/bookings/{booking['id']}/complete", headers=instructor.headers)
    assert done.status_code == 200, done.text
    earning = await transferred(settings, booking["id"])

    assert earning and (earning["amount_cents"], earning["destination"]) == (EARNED_CENTS, account_id)
    assert await transfers_to(stripe_client, account_id) == [
        {"id": earning["transfer_id"], "amount": EARNED_CENTS, "amount_reversed": 0}
    ]
    payment = await sql(settings, "SELECT status, captured_cents FROM payments WHERE booking = $1", booking["id"])
    assert tuple(payment[0]) == ("captured", LESSON_CENTS)
    assert balances(await earnings(client, instructor)) == (0, EARNED_CENTS, 0)
    assert await audit(settings) == []
