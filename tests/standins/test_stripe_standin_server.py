"""The stand-in as a server: latency switch, 200 concurrent calls, state kept across a restart,
and its clock following the platform's test clock."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import stripe

from standins.stripe.launch import RunningStandin, start_stripe_standin
from tests.standins.conftest import running_receiver
from tests.support.stripe_standin import STANDIN_WEBHOOK_SECRET, stripe_client_for

# stripe 16's HTTPXClient posts its form body with httpx's deprecated `data=` (the SDK's, not ours)
pytestmark = pytest.mark.filterwarnings("ignore:Use 'content=<...>' to upload raw bytes:DeprecationWarning")

DAY = 24 * 3600


@pytest.fixture
def own_standin(tmp_path: Path) -> Iterator[RunningStandin]:
    with start_stripe_standin(tmp_path / "stripe") as standin:
        yield standin


async def test_latency_switch_delays_every_call_and_calls_overlap(
    stripe_client: stripe.StripeClient, stripe_standin: RunningStandin
):
    customer = await stripe_client.v1.customers.create_async({})
    stripe_standin.configure(latency_ms=300)
    started = time.monotonic()
    await stripe_client.v1.customers.retrieve_async(customer.id)
    assert time.monotonic() - started >= 0.3
    started = time.monotonic()
    await asyncio.gather(*(stripe_client.v1.customers.retrieve_async(customer.id) for _ in range(50)))
    assert time.monotonic() - started < 3.0  # 50 calls one after another would take 15 s
    stripe_standin.configure(latency_ms=0)
    started = time.monotonic()
    await stripe_client.v1.customers.retrieve_async(customer.id)
    assert time.monotonic() - started < 0.3


async def test_200_concurrent_calls_with_100_keys_make_exactly_100_authorizations(
    stripe_client: stripe.StripeClient, stripe_standin: RunningStandin
):
    run = uuid.uuid4().hex

    def authorize(n: int):
        params = {"amount": 1000 + n, "currency": "usd", "payment_method": "pm_card_visa", "capture_method": "manual"}
        params |= {"confirm": True, "metadata": {"run": run}}
        return stripe_client.v1.payment_intents.create_async(params, {"idempotency_key": f"booking:{run}:{n}"})

    intents = await asyncio.gather(*(authorize(n % 100) for n in range(200)))
    assert [pi.id for pi in intents[:100]] == [pi.id for pi in intents[100:]]
    assert len({pi.id for pi in intents}) == 100
    ours = [pi for pi in stripe_standin.state()["payment_intents"] if pi["metadata"].get("run") == run]
    assert len(ours) == 100
    assert sorted(pi["amount"] for pi in ours) == list(range(1000, 1100))
    assert all(pi["status"] == "requires_capture" for pi in ours)


async def test_state_and_idempotency_keys_survive_a_restart(tmp_path: Path):
    data_dir = tmp_path / "stripe"
    with start_stripe_standin(data_dir) as standin:
        client = stripe_client_for(standin.base_url)
        customer = await client.v1.customers.create_async({"email": "kept@example.test"}, {"idempotency_key": "k1"})
    with start_stripe_standin(data_dir) as standin:
        client = stripe_client_for(standin.base_url)
        kept = await client.v1.customers.retrieve_async(customer.id)
        assert kept.email == "kept@example.test"
        again = await client.v1.customers.create_async({"email": "kept@example.test"}, {"idempotency_key": "k1"})
        assert again.id == customer.id and again.last_response.headers["Idempotent-Replayed"] == "true"
        assert standin.state()["counts"]["customer"] == 1


async def test_undelivered_events_survive_a_kill_and_go_out_after_the_restart(tmp_path: Path):
    data_dir = tmp_path / "stripe"
    with running_receiver() as receiver:
        options = {"webhook_url": receiver.url, "webhook_secret": STANDIN_WEBHOOK_SECRET}
        with start_stripe_standin(data_dir, **options) as standin:
            standin.configure(webhook_hold=True)
            customer = await stripe_client_for(standin.base_url).v1.customers.create_async({})
            standin.process.kill()  # SIGKILL: no shutdown, nothing flushed
            standin.process.wait()
        with start_stripe_standin(data_dir, **options) as standin:
            assert standin.control("GET", "webhooks")["counts"]["held"] == 1
            standin.control("POST", "webhooks/release")
            (event,) = receiver.wait_for(1)
            assert (event.type, event.data.object.id) == ("customer.created", customer.id)


async def test_clock_moves_created_and_expires_authorizations_after_seven_days(own_standin: RunningStandin):
    client = stripe_client_for(own_standin.base_url)
    pi = await client.v1.payment_intents.create_async(
        {"amount": 6000, "currency": "usd", "payment_method": "pm_card_visa", "capture_method": "manual"}
        | {"confirm": True, "expand": ["latest_charge"]}
    )
    assert abs(pi.created - time.time()) < 5
    own_standin.control("POST", "clock", advance_seconds=6 * DAY)
    later = await client.v1.customers.create_async({})
    assert later.created - pi.created >= 6 * DAY
    assert (await client.v1.payment_intents.retrieve_async(pi.id)).status == "requires_capture"

    own_standin.control("POST", "clock", advance_seconds=DAY + 60)
    with pytest.raises(stripe.InvalidRequestError) as expired:
        await client.v1.payment_intents.capture_async(pi.id)
    assert expired.value.code == "charge_expired_for_capture"
    pi = await client.v1.payment_intents.retrieve_async(pi.id)
    assert (pi.status, pi.cancellation_reason) == ("canceled", "automatic")
    assert own_standin.control("GET", "clock")["offset_seconds"] >= 7 * DAY


def wait_until(check, within: float = 5.0) -> bool:
    deadline = time.monotonic() + within
    while not check():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


async def test_the_sweep_expires_an_authorization_nobody_reads(own_standin: RunningStandin):
    client = stripe_client_for(own_standin.base_url)
    pi = await client.v1.payment_intents.create_async(
        {"amount": 6000, "currency": "usd", "payment_method": "pm_card_visa", "capture_method": "manual"}
        | {"confirm": True}
    )
    own_standin.control("POST", "clock", advance_seconds=7 * DAY + 1)

    def status() -> str:
        return next(p["status"] for p in own_standin.state()["payment_intents"] if p["id"] == pi.id)

    assert wait_until(lambda: status() == "canceled")
    events = await client.v1.events.list_async({"type": "payment_intent.canceled"})
    assert [(e.data.object.id, e.data.object.cancellation_reason) for e in events.data] == [(pi.id, "automatic")]


async def test_a_two_day_payout_is_paid_when_the_clock_moves_two_days(own_standin: RunningStandin):
    own_standin.configure(payout_standard_seconds=2 * DAY)
    client = stripe_client_for(own_standin.base_url)
    account = await client.v1.accounts.create_async({"type": "express"})
    own_standin.control("POST", f"accounts/{account.id}", onboarded=True)
    await client.v1.transfers.create_async({"amount": 2500, "currency": "usd", "destination": account.id})
    payout = await client.v1.payouts.create_async({"amount": 2500, "currency": "usd"}, {"stripe_account": account.id})
    assert payout.arrival_date - payout.created == 2 * DAY
    await asyncio.sleep(0.5)
    assert own_standin.state()["payouts"][0]["status"] == "pending"
    own_standin.control("POST", "clock", advance_seconds=DAY)
    assert wait_until(lambda: own_standin.state()["payouts"][0]["status"] == "in_transit")
    own_standin.control("POST", "clock", advance_seconds=DAY)
    assert wait_until(lambda: own_standin.state()["payouts"][0]["status"] == "paid")
