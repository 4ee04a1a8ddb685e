"""The platform's Stripe calls (app/payments/stripe_api.py) against the stand-in through the real
SDK: what each does, and that a call repeated under its business key is the same call at Stripe."""

from __future__ import annotations

import pytest
import stripe

from app.payments.stripe_api import StripeApi


@pytest.fixture
async def api(settings, stripe_standin):
    api = StripeApi(settings)
    yield api
    await api.aclose()


async def card(api: StripeApi, user_id: int, test_id: str) -> tuple[str, str]:
    customer = await api.create_customer(user_id, f"s{user_id}@example.test", "A Student")
    attached = await api.attach_card(user_id, test_id, customer, cards_added=0)
    return customer, attached.id


async def test_an_authorization_retried_under_its_key_is_one_authorization(api, stripe_standin):
    customer, pm = await card(api, 1, "pm_card_visa")
    first = await api.authorize(7, 1, amount_cents=4000, customer_id=customer, payment_method_id=pm)
    again = await api.authorize(7, 1, amount_cents=4000, customer_id=customer, payment_method_id=pm)
    assert (first.id, first.status, first.amount_capturable) == (again.id, "requires_capture", 4000)
    assert first.metadata["booking_id"] == "7" and first.transfer_group == "booking:7"
    held = [a for a in stripe_standin.state()["authorizations"] if a.get("payment_intent") == first.id]
    assert len(held) == 1
    second_attempt = await api.authorize(7, 2, amount_cents=4000, customer_id=customer, payment_method_id=pm)
    assert second_attempt.id != first.id
    assert await api.create_customer(1, "s1@example.test", "A Student") == customer


@pytest.mark.parametrize(
    ("test_id", "code"),
    [("pm_card_chargeDeclined", "card_declined"), ("pm_card_authenticationRequired", "authentication_required")],
)
async def test_a_declined_authorization_raises_the_card_error(api, test_id, code):
    customer, pm = await card(api, 2, test_id)
    with pytest.raises(stripe.CardError) as declined:
        await api.authorize(8, 1, amount_cents=4000, customer_id=customer, payment_method_id=pm)
    assert declined.value.code == code
    assert declined.value.error.payment_intent["id"].startswith("pi_")


async def test_capture_refund_transfer_and_release(api, stripe_standin):
    customer, pm = await card(api, 3, "pm_card_visa")
    held = await api.authorize(9, 1, amount_cents=6000, customer_id=customer, payment_method_id=pm)
    captured = await api.capture(9, held.id, 4000)
    assert (captured.status, captured.amount_received) == ("succeeded", 4000)
    assert (await api.capture(9, held.id, 4000)).id == captured.id  # replayed, not captured twice
    refund = await api.refund(9, held.id, 1000, 1)
    assert (refund.amount, refund.status) == (1000, "succeeded")

    account = await api.create_express_account(11, "i11@example.test")
    assert await api.create_express_account(11, "i11@example.test") == account
    stripe_standin.control("POST", f"accounts/{account}", onboarded=True)
    transfer = await api.transfer(9, 3400, account)
    assert (transfer.amount, transfer.destination, transfer.transfer_group) == (3400, account, "booking:9")

    other = await api.authorize(10, 1, amount_cents=2000, customer_id=customer, payment_method_id=pm)
    assert (await api.release(10, other.id)).status == "canceled"
    state = stripe_standin.state()
    captures = [c for c in state["captures"] if c["payment_intent"] == held.id]
    assert [(c["amount_captured"], c["amount_refunded"]) for c in captures] == [(4000, 1000)]
