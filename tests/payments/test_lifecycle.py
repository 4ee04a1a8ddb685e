"""A booking's card life through the real SDK, the Stripe stand-in and real arq worker processes
following the shared test clock (TEST_CLOCK=1, its offset in Redis): authorized at T-24 h,
completed, captured once; a worker SIGKILLed right after Stripe answered an authorization or a
capture (FAULT_INJECTION) and restarted makes no second one; the payment_intent.* webhooks,
delivered 3 times each in reverse order, bring a payment the dead worker never recorded forward."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import pytest

from app.settings import PROJECT_ROOT
from tests.payments.conftest import LESSON_CENTS, book, hours, start_of
from tests.payments.test_authorization import at_stripe, fetch, notices, payment
from tests.payments.test_webhooks import deliver
from tests.support.live import server_env

pytestmark = pytest.mark.usefixtures("stripe_standin")
# The workers' output, read when a test here fails in a full run (they are killed mid-job on purpose).
WORKER_LOG = Path(tempfile.gettempdir()) / "instainstru-lifecycle-workers.log"
PAYMENT_EVENTS = (
    "payment_intent.amount_capturable_updated",
    "payment_intent.succeeded",
    "payment_intent.canceled",
    "payment_intent.payment_failed",
)


async def move_shared_clock(redis, settings, to: datetime) -> None:
    """What POST /api/test/clock sets: every TEST_CLOCK process reads now() as wall clock + offset."""
    offset = (to - datetime.now(UTC)).total_seconds()
    await redis.set(f"{settings.redis_prefix}test_clock:offset_seconds", offset)


def start_worker(settings, **env: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "app", "worker"],
        env=server_env(settings, TEST_CLOCK="1", **env),
        cwd=PROJECT_ROOT,
        stdout=WORKER_LOG.open("ab"),
        stderr=subprocess.STDOUT,
    )


async def killed_by_its_fault(worker: subprocess.Popen) -> None:
    code = await asyncio.to_thread(worker.wait, 60)
    assert code == -signal.SIGKILL, "the worker killed itself right after Stripe answered"


async def until(check, within: float = 30.0) -> None:
    deadline = asyncio.get_running_loop().time() + within
    while not await check():
        assert asyncio.get_running_loop().time() < deadline, "not within the time"
        await asyncio.sleep(0.2)


def stop(worker: subprocess.Popen) -> None:
    worker.send_signal(signal.SIGTERM)
    try:
        worker.wait(20)
    except subprocess.TimeoutExpired:
        worker.kill()
        worker.wait()


async def payment_row(settings, booking) -> dict:
    rows = await fetch(settings, "SELECT * FROM payments WHERE booking = $1", booking["id"])
    return dict(rows[0])


async def book_and_die_authorizing(client, accounts, open_week, settings, redis, stripe_standin):
    """Booked > 24 h ahead; at T-24 h a worker authorizes at Stripe and is killed before recording it."""
    instructor, service_id, monday = open_week
    student = await accounts.student()
    booking = await book(client, student, instructor, service_id, monday)
    await move_shared_clock(redis, settings, start_of(booking) - hours(24))
    await killed_by_its_fault(start_worker(settings, FAULT_INJECTION="kill_after_authorize"))
    row = await payment_row(settings, booking)
    assert (row["status"], row["authorize_attempt"], row["payment_intent_id"]) == ("scheduled", 1, None)
    stripe = await at_stripe(settings, stripe_standin, student)
    assert [pi["status"] for pi in stripe["intents"]] == ["requires_capture"], "Stripe authorized it"
    return student, instructor, booking


async def complete_and_die_capturing(client, student, instructor, booking, clock, settings, redis):
    clock(start_of(booking) + hours(1))
    assert (await client.post(f"/api/bookings/{booking['id']}/complete", headers=instructor.headers)).status_code == 200
    await move_shared_clock(redis, settings, start_of(booking) + hours(1))
    await killed_by_its_fault(start_worker(settings, FAULT_INJECTION="kill_after_capture"))
    row = await payment_row(settings, booking)
    assert (row["status"], row["captured_cents"]) == ("authorized", 0)
    assert row["capture_due_at"] is not None


async def test_killed_inside_an_authorization_and_a_capture_a_restarted_worker_makes_exactly_one_of_each(
    client, accounts, open_week, clock, settings, redis, stripe_standin
):
    student, instructor, booking = await book_and_die_authorizing(
        client, accounts, open_week, settings, redis, stripe_standin
    )
    # The dead worker's lease runs out; the next worker's sweep makes the same call (the same key).
    await move_shared_clock(redis, settings, start_of(booking) - hours(24) + hours(1 / 60))
    worker = start_worker(settings)
    try:
        await until(lambda: _status_is(settings, booking, "authorized"))
    finally:
        stop(worker)
    stripe = await at_stripe(settings, stripe_standin, student)
    assert len(stripe["intents"]) == 1 and len(stripe["authorizations"]) == 1

    await complete_and_die_capturing(client, student, instructor, booking, clock, settings, redis)
    await move_shared_clock(redis, settings, start_of(booking) + hours(1) + hours(1 / 60))
    worker = start_worker(settings)
    try:
        await until(lambda: _status_is(settings, booking, "captured"))
    finally:
        stop(worker)
    stripe = await at_stripe(settings, stripe_standin, student)
    assert len(stripe["intents"]) == 1 and [c["amount_captured"] for c in stripe["captures"]] == [LESSON_CENTS]
    assert (await payment(client, student, booking))["captured_cents"] == LESSON_CENTS


async def _status_is(settings, booking, status: str) -> bool:
    return (await payment_row(settings, booking))["status"] == status


async def events_of(stripe_client, intent_id: str) -> list[dict]:
    found = []
    for type_ in PAYMENT_EVENTS:
        # Every page: the session's one stand-in holds every test's events, and tests that moved
        # its clock forward made events that list as newer than this test's.
        params: dict = {"type": type_, "limit": 100}
        while True:
            listed = await stripe_client.v1.events.list_async(params)
            found += [e.to_dict() for e in listed.data if e.data.object["id"] == intent_id]
            if not listed.has_more:
                break
            params["starting_after"] = listed.data[-1].id
    return sorted(found, key=lambda e: (e["created"], e["id"]))


async def what_stripe_holds(stripe_client, intent_id: str) -> str:
    """On a failure: the intent as the stand-in holds it and every event about it, of any type."""
    pi = (await stripe_client.v1.payment_intents.retrieve_async(intent_id)).to_dict()
    about = []
    params: dict = {"limit": 100}
    while True:
        listed = await stripe_client.v1.events.list_async(params)
        about += [(e.type, e.created, e.id) for e in listed.data if e.data.object.get("id") == intent_id]
        if not listed.has_more:
            break
        params["starting_after"] = listed.data[-1].id
    keys = ("status", "amount", "amount_capturable", "amount_received", "cancellation_reason", "created")
    return f"intent { ({k: pi.get(k) for k in keys}) }, events {about}"


async def deliver_reversed_three_times(client, events: list[dict]) -> None:
    for event in reversed(events):
        for _ in range(3):
            response = await deliver(client, event)
            assert response.status_code == 200, response.text


async def test_webhooks_delivered_3_times_in_reverse_order_record_what_the_killed_worker_did_not(
    client, accounts, open_week, clock, settings, redis, stripe_standin, stripe_client
):
    student, instructor, booking = await book_and_die_authorizing(
        client, accounts, open_week, settings, redis, stripe_standin
    )
    intent = (await at_stripe(settings, stripe_standin, student))["intents"][0]["id"]
    await deliver_reversed_three_times(client, await events_of(stripe_client, intent))
    row = await payment_row(settings, booking)
    assert (row["status"], row["payment_intent_id"]) == ("authorized", intent)
    assert len(await notices(client, student, "payment.authorized")) == 1

    await complete_and_die_capturing(client, student, instructor, booking, clock, settings, redis)
    events = await events_of(stripe_client, intent)
    assert [e["type"] for e in events] == [
        "payment_intent.amount_capturable_updated",
        "payment_intent.succeeded",
    ], await what_stripe_holds(stripe_client, intent)
    await deliver_reversed_three_times(client, events)

    row = await payment_row(settings, booking)
    assert (row["status"], row["captured_cents"], row["capture_due_at"]) == ("captured", LESSON_CENTS, None)
    assert len(await notices(client, student, "payment.captured")) == 1
    transfer = f"{settings.redis_prefix}booking:{booking['id']}:transfer"
    assert await redis.exists(f"arq:job:{transfer}"), "the earning's transfer was recorded once"
    stripe = await at_stripe(settings, stripe_standin, student)
    assert len(stripe["intents"]) == 1 and len(stripe["captures"]) == 1
