"""Webhook delivery: Stripe's signature (checked by the receiver with stripe.Webhook.construct_event),
retries while the endpoint fails, and the duplicate and out-of-order switches; events by API."""

from __future__ import annotations

import time

import pytest
import stripe

from standins.stripe.launch import RunningStandin
from tests.standins.conftest import WebhookReceiver

# stripe 16's HTTPXClient posts its form body with httpx's deprecated `data=` (the SDK's, not ours)
pytestmark = pytest.mark.filterwarnings("ignore:Use 'content=<...>' to upload raw bytes:DeprecationWarning")


def deliveries_of(standin: RunningStandin, event_id: str) -> list[dict]:
    return [d for d in standin.control("GET", "webhooks")["deliveries"] if d["event_id"] == event_id]


async def test_events_arrive_signed_and_verify_with_the_sdk(
    stripe_client: stripe.StripeClient, webhook_receiver: WebhookReceiver
):
    customer = await stripe_client.v1.customers.create_async({"email": "signed@example.test"})
    (event,) = webhook_receiver.wait_for_type("customer.created")
    assert event.data.object.id == customer.id
    assert webhook_receiver.bad_signatures == 0
    same = await stripe_client.v1.events.retrieve_async(event.id)
    assert (same.type, same.data.object.id) == ("customer.created", customer.id)


async def test_a_wrong_secret_fails_verification_and_is_retried(
    stripe_client: stripe.StripeClient, stripe_standin: RunningStandin, webhook_receiver: WebhookReceiver
):
    stripe_standin.configure(webhook_secret="whsec_not_the_receivers", webhook_max_attempts=2)
    await stripe_client.v1.customers.create_async({})
    stripe_standin.control("POST", "webhooks/flush", timeout_seconds=5)
    assert webhook_receiver.bad_signatures == 2 and webhook_receiver.events == []


async def test_a_failing_endpoint_gets_the_event_again_with_backoff(
    stripe_client: stripe.StripeClient, stripe_standin: RunningStandin, webhook_receiver: WebhookReceiver
):
    webhook_receiver.statuses = [500, 500]
    customer = await stripe_client.v1.customers.create_async({})
    (event,) = webhook_receiver.wait_for_type("customer.created")
    assert event.data.object.id == customer.id
    (delivery,) = deliveries_of(stripe_standin, event.id)
    assert (delivery["state"], delivery["attempts"], delivery["last_status"]) == ("delivered", 3, 200)


async def test_duplicate_switch_delivers_each_event_n_times(
    stripe_client: stripe.StripeClient, stripe_standin: RunningStandin, webhook_receiver: WebhookReceiver
):
    stripe_standin.configure(webhook_duplicates=3)
    customer = await stripe_client.v1.customers.create_async({})
    received = webhook_receiver.wait_for_type("customer.created", count=3)
    assert [e.data.object.id for e in received] == [customer.id] * 3
    assert len({e.id for e in received}) == 1


async def test_held_events_are_released_in_reverse_order(
    stripe_client: stripe.StripeClient, stripe_standin: RunningStandin, webhook_receiver: WebhookReceiver
):
    stripe_standin.configure(webhook_hold=True)
    customer = await stripe_client.v1.customers.create_async({"name": "A"})
    for name in ("B", "C"):
        await stripe_client.v1.customers.update_async(customer.id, {"name": name})
    assert stripe_standin.control("GET", "webhooks")["counts"]["held"] == 3
    assert webhook_receiver.events == []

    assert stripe_standin.control("POST", "webhooks/release", order="reversed") == {"released": 3}
    received = webhook_receiver.wait_for(3)
    assert [(e.type, e.data.object.name) for e in received] == [
        ("customer.updated", "C"),
        ("customer.updated", "B"),
        ("customer.created", "A"),
    ]


async def test_events_list_newest_first_and_by_type(stripe_client: stripe.StripeClient):
    customer = await stripe_client.v1.customers.create_async({})
    await stripe_client.v1.customers.update_async(customer.id, {"metadata": {"k": "v"}})
    latest = await stripe_client.v1.events.list_async({"limit": 2})
    assert [(e.type, e.data.object.id) for e in latest.data] == [
        ("customer.updated", customer.id),
        ("customer.created", customer.id),
    ]
    assert latest.has_more is True
    following = await stripe_client.v1.events.list_async({"limit": 1, "starting_after": latest.data[0].id})
    assert [e.id for e in following.data] == [latest.data[1].id]
    updates = await stripe_client.v1.events.list_async({"type": "customer.updated", "limit": 1})
    assert updates.data[0].data.object.metadata.to_dict() == {"k": "v"}
    assert updates.data[0].data.previous_attributes.metadata.to_dict() == {}


async def test_a_payment_lifecycle_sends_the_events_a_marketplace_listens_to(
    stripe_client: stripe.StripeClient, stripe_standin: RunningStandin, webhook_receiver: WebhookReceiver
):
    def pay(card: str, **extra):
        params = {"amount": 6000, "currency": "usd", "payment_method": card, "capture_method": "manual"}
        return stripe_client.v1.payment_intents.create_async({**params, "confirm": True, **extra})

    captured = await pay("pm_card_visa")
    await stripe_client.v1.payment_intents.capture_async(captured.id)
    await stripe_client.v1.refunds.create_async({"payment_intent": captured.id, "amount": 500})
    cancelled = await pay("pm_card_mastercard")
    await stripe_client.v1.payment_intents.cancel_async(cancelled.id)
    try:
        await pay("pm_card_chargeDeclined")
    except stripe.CardError as declined:
        failed_id = declined.error.payment_intent.id
    stripe_standin.control("POST", "webhooks/flush")

    def seen(event_type: str) -> list[str]:
        objects = [e.data.object for e in webhook_receiver.of_type(event_type)]
        return [obj.payment_intent if obj.object == "charge" else obj.id for obj in objects]

    assert seen("payment_intent.amount_capturable_updated") == [captured.id, cancelled.id]
    assert seen("payment_intent.succeeded") == [captured.id]
    assert seen("charge.refunded") == [captured.id]
    assert seen("payment_intent.canceled") == [cancelled.id]
    assert seen("payment_intent.payment_failed") == [failed_id]
    (refunded,) = webhook_receiver.of_type("charge.refunded")
    assert (refunded.data.object.amount_refunded, refunded.data.previous_attributes.amount_refunded) == (500, 0)


async def test_concurrent_delivery_switch_sends_several_at_once(
    stripe_client: stripe.StripeClient, stripe_standin: RunningStandin, webhook_receiver: WebhookReceiver
):
    stripe_standin.configure(webhook_concurrency=8, webhook_hold=True)
    customers = [await stripe_client.v1.customers.create_async({}) for _ in range(16)]
    webhook_receiver.delay_seconds = 0.25
    started = time.monotonic()
    stripe_standin.control("POST", "webhooks/release")
    received = webhook_receiver.wait_for_type("customer.created", count=16)
    assert time.monotonic() - started < 2.0  # one at a time would take 4 s
    assert sorted(e.data.object.id for e in received) == sorted(c.id for c in customers)
