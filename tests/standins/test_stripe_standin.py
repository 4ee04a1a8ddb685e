"""Customers, cards, manual-capture PaymentIntents, refunds, idempotency and error shapes, through
the real SDK's async client against the stand-in."""

from __future__ import annotations

import uuid

import httpx
import pytest
import stripe

from standins.stripe.launch import RunningStandin

# stripe 16's HTTPXClient posts its form body with httpx's deprecated `data=` (the SDK's, not ours)
pytestmark = pytest.mark.filterwarnings("ignore:Use 'content=<...>' to upload raw bytes:DeprecationWarning")

WEEK = 7 * 24 * 3600


async def customer_with_card(client: stripe.StripeClient, test_card: str) -> tuple[stripe.Customer, str]:
    customer = await client.v1.customers.create_async({"email": f"{uuid.uuid4().hex}@example.test"})
    pm = await client.v1.payment_methods.attach_async(test_card, {"customer": customer.id})
    return customer, pm.id


async def authorize(client: stripe.StripeClient, test_card: str, amount: int = 6000, **extra) -> stripe.PaymentIntent:
    customer, pm_id = await customer_with_card(client, test_card)
    return await client.v1.payment_intents.create_async(
        {
            "amount": amount,
            "currency": "usd",
            "customer": customer.id,
            "payment_method": pm_id,
            "capture_method": "manual",
            "confirm": True,
            "off_session": True,
            "metadata": {"booking_id": "42"},
            **extra,
        }
    )


@pytest.mark.parametrize(
    ("test_card", "brand", "last4"),
    [("pm_card_visa", "visa", "4242"), ("pm_card_mastercard", "mastercard", "4444"), ("pm_card_amex", "amex", "0005")],
)
async def test_good_cards_attach_with_their_own_stable_fingerprint_and_authorize(
    stripe_client: stripe.StripeClient, test_card: str, brand: str, last4: str
):
    first = await stripe_client.v1.payment_methods.retrieve_async(test_card)
    second = await stripe_client.v1.payment_methods.retrieve_async(test_card)
    assert first.id != second.id and first.id.startswith("pm_") and second.id != test_card
    assert first.card.fingerprint == second.card.fingerprint
    assert (first.card.brand, first.card.last4) == (brand, last4)
    assert first.card.exp_year > 2030

    pi = await authorize(stripe_client, test_card, expand=["latest_charge"])
    assert (pi.status, pi.amount_capturable, pi.amount_received) == ("requires_capture", 6000, 0)
    charge = pi.latest_charge
    assert charge.payment_method_details.card.capture_before == charge.created + WEEK
    assert charge.payment_method_details.card.fingerprint == first.card.fingerprint
    assert (charge.captured, charge.amount_captured, pi.metadata["booking_id"]) == (False, 0, "42")


async def test_fingerprints_differ_between_cards(stripe_client: stripe.StripeClient):
    cards = ["pm_card_visa", "pm_card_mastercard", "pm_card_amex", "pm_card_chargeDeclined"]
    fingerprints = {(await stripe_client.v1.payment_methods.retrieve_async(c)).card.fingerprint for c in cards}
    assert len(fingerprints) == 4


async def test_declined_card_attaches_but_its_charge_is_a_402_generic_decline(stripe_client: stripe.StripeClient):
    customer, pm_id = await customer_with_card(stripe_client, "pm_card_chargeDeclined")
    with pytest.raises(stripe.CardError) as declined:
        await stripe_client.v1.payment_intents.create_async(
            {"amount": 6000, "currency": "usd", "customer": customer.id, "payment_method": pm_id}
            | {"capture_method": "manual", "confirm": True, "off_session": True}
        )
    error = declined.value
    assert error.http_status == 402
    assert (error.code, error.error.decline_code) == ("card_declined", "generic_decline")
    assert error.json_body["error"]["type"] == "card_error"
    assert error.error.message == "Your card was declined."
    pi = error.error.payment_intent
    assert pi.status == "requires_payment_method"
    assert pi.last_payment_error.decline_code == "generic_decline"
    stored = await stripe_client.v1.payment_intents.retrieve_async(pi.id)
    assert stored.status == "requires_payment_method" and stored.amount_capturable == 0


async def test_authentication_required_off_session_is_a_402_and_leaves_the_intent_needing_a_card(
    stripe_client: stripe.StripeClient,
):
    with pytest.raises(stripe.CardError) as refused:
        await authorize(stripe_client, "pm_card_authenticationRequired")
    assert refused.value.http_status == 402
    assert refused.value.code == "authentication_required"
    assert refused.value.json_body["error"]["payment_intent"]["status"] == "requires_payment_method"


async def test_authentication_required_on_session_asks_for_action_and_the_hosted_page_authorizes(
    stripe_client: stripe.StripeClient, stripe_standin: RunningStandin
):
    customer, pm_id = await customer_with_card(stripe_client, "pm_card_authenticationRequired")
    pi = await stripe_client.v1.payment_intents.create_async(
        {"amount": 6000, "currency": "usd", "customer": customer.id, "payment_method": pm_id}
        | {"capture_method": "manual", "confirm": True, "return_url": "http://127.0.0.1:1/back"}
    )
    assert pi.status == "requires_action" and pi.next_action.type == "redirect_to_url"
    async with httpx.AsyncClient() as browser:
        page = await browser.get(pi.next_action.redirect_to_url.url)
    assert page.status_code == 303 and page.headers["location"] == "http://127.0.0.1:1/back"
    pi = await stripe_client.v1.payment_intents.retrieve_async(pi.id)
    assert (pi.status, pi.amount_capturable) == ("requires_capture", 6000)


async def test_full_capture(stripe_client: stripe.StripeClient):
    pi = await authorize(stripe_client, "pm_card_visa")
    captured = await stripe_client.v1.payment_intents.capture_async(pi.id)
    assert (captured.status, captured.amount_received, captured.amount_capturable) == ("succeeded", 6000, 0)
    charge = await stripe_client.v1.charges.retrieve_async(captured.latest_charge)
    assert (charge.captured, charge.amount_captured) == (True, 6000)


async def test_partial_capture_and_a_capture_larger_than_the_authorization_is_refused(
    stripe_client: stripe.StripeClient,
):
    pi = await authorize(stripe_client, "pm_card_visa")
    with pytest.raises(stripe.InvalidRequestError) as too_large:
        await stripe_client.v1.payment_intents.capture_async(pi.id, {"amount_to_capture": 6001})
    assert (too_large.value.http_status, too_large.value.code) == (400, "amount_too_large")
    captured = await stripe_client.v1.payment_intents.capture_async(pi.id, {"amount_to_capture": 4000})
    assert (captured.status, captured.amount_received) == ("succeeded", 4000)
    with pytest.raises(stripe.InvalidRequestError) as twice:
        await stripe_client.v1.payment_intents.capture_async(pi.id)
    assert twice.value.code == "payment_intent_unexpected_state"


async def test_cancel_releases_the_authorization_once(stripe_client: stripe.StripeClient):
    pi = await authorize(stripe_client, "pm_card_visa")
    cancelled = await stripe_client.v1.payment_intents.cancel_async(pi.id, {"cancellation_reason": "abandoned"})
    assert (cancelled.status, cancelled.amount_capturable, cancelled.cancellation_reason) == (
        "canceled",
        0,
        "abandoned",
    )
    with pytest.raises(stripe.InvalidRequestError) as again:
        await stripe_client.v1.payment_intents.capture_async(pi.id)
    assert again.value.code == "payment_intent_unexpected_state"
    assert again.value.json_body["error"]["payment_intent"]["status"] == "canceled"


async def test_partial_refund_then_the_rest_and_no_more(stripe_client: stripe.StripeClient):
    pi = await authorize(stripe_client, "pm_card_visa")
    await stripe_client.v1.payment_intents.capture_async(pi.id, {"amount_to_capture": 5000})
    first = await stripe_client.v1.refunds.create_async({"payment_intent": pi.id, "amount": 1500})
    assert (first.amount, first.status, first.payment_intent) == (1500, "succeeded", pi.id)
    with pytest.raises(stripe.InvalidRequestError) as over:
        await stripe_client.v1.refunds.create_async({"payment_intent": pi.id, "amount": 3501})
    assert over.value.code == "amount_too_large"
    rest = await stripe_client.v1.refunds.create_async({"payment_intent": pi.id})
    assert rest.amount == 3500
    charge = await stripe_client.v1.charges.retrieve_async(rest.charge)
    assert (charge.amount_refunded, charge.refunded) == (5000, True)
    with pytest.raises(stripe.InvalidRequestError) as none_left:
        await stripe_client.v1.refunds.create_async({"payment_intent": pi.id, "amount": 1})
    assert none_left.value.code == "charge_already_refunded"
    listed = await stripe_client.v1.refunds.list_async({"payment_intent": pi.id})
    assert [refund.amount for refund in listed.data] == [3500, 1500]


async def test_an_uncaptured_authorization_cannot_be_refunded(stripe_client: stripe.StripeClient):
    pi = await authorize(stripe_client, "pm_card_visa")
    with pytest.raises(stripe.InvalidRequestError):
        await stripe_client.v1.refunds.create_async({"payment_intent": pi.id})


async def test_same_idempotency_key_and_params_replays_the_first_response(
    stripe_client: stripe.StripeClient, stripe_standin: RunningStandin
):
    customer, pm_id = await customer_with_card(stripe_client, "pm_card_visa")
    params = {"amount": 7000, "currency": "usd", "customer": customer.id, "payment_method": pm_id}
    params |= {"capture_method": "manual", "confirm": True, "off_session": True, "metadata": {"booking_id": "7"}}
    options = {"idempotency_key": f"booking:{uuid.uuid4().hex}:authorize:1"}
    first = await stripe_client.v1.payment_intents.create_async(params, options)
    again = await stripe_client.v1.payment_intents.create_async(params, options)
    assert again.id == first.id
    assert again.last_response.headers.get("Idempotent-Replayed") == "true"
    assert first.last_response.headers.get("Idempotent-Replayed") is None
    authorizations = [a for a in stripe_standin.state()["authorizations"] if a["payment_intent"] == first.id]
    assert len(authorizations) == 1
    assert len([pi for pi in stripe_standin.state()["payment_intents"] if pi["customer"] == customer.id]) == 1

    with pytest.raises(stripe.IdempotencyError) as mismatch:
        await stripe_client.v1.payment_intents.create_async({**params, "amount": 7001}, options)
    assert mismatch.value.http_status == 400
    assert mismatch.value.json_body["error"]["type"] == "idempotency_error"


async def test_a_replayed_decline_is_the_same_decline(stripe_client: stripe.StripeClient):
    customer, pm_id = await customer_with_card(stripe_client, "pm_card_chargeDeclined")
    params = {"amount": 6000, "currency": "usd", "customer": customer.id, "payment_method": pm_id}
    params |= {"confirm": True, "off_session": True}
    options = {"idempotency_key": uuid.uuid4().hex}
    declines = []
    for _ in range(2):
        with pytest.raises(stripe.CardError) as declined:
            await stripe_client.v1.payment_intents.create_async(params, options)
        declines.append(declined.value)
    assert declines[0].json_body == declines[1].json_body
    assert declines[1].headers.get("Idempotent-Replayed") == "true"


async def test_idempotency_keys_are_scoped_per_account(stripe_client: stripe.StripeClient):
    key = uuid.uuid4().hex
    platform = await stripe_client.v1.customers.create_async({"email": "a@example.test"}, {"idempotency_key": key})
    other_key = stripe.StripeClient("sk_test_another", base_addresses=stripe_client._requestor.base_addresses)
    other = await other_key.v1.customers.create_async({"email": "a@example.test"}, {"idempotency_key": key})
    assert other.id != platform.id


async def test_error_shapes_for_missing_objects_params_and_keys(
    stripe_client: stripe.StripeClient, stripe_standin: RunningStandin
):
    with pytest.raises(stripe.InvalidRequestError) as missing:
        await stripe_client.v1.payment_intents.retrieve_async("pi_doesnotexist")
    assert (missing.value.http_status, missing.value.code) == (404, "resource_missing")
    assert missing.value.json_body["error"]["param"] == "id"
    with pytest.raises(stripe.InvalidRequestError) as no_amount:
        await stripe_client.v1.payment_intents.create_async({"currency": "usd"})
    assert (no_amount.value.http_status, no_amount.value.code, no_amount.value.param) == (
        400,
        "parameter_missing",
        "amount",
    )
    with pytest.raises(stripe.InvalidRequestError) as unknown:
        await stripe_client.v1.customers.create_async({"emali": "typo@example.test"})
    assert unknown.value.code == "parameter_unknown"
    live = stripe.StripeClient("sk_live_nope", base_addresses={"api": stripe_standin.base_url})
    with pytest.raises(stripe.AuthenticationError) as bad_key:
        await live.v1.customers.create_async({})
    assert bad_key.value.http_status == 401


async def test_customer_default_card_list_and_detach(stripe_client: stripe.StripeClient):
    customer, visa = await customer_with_card(stripe_client, "pm_card_visa")
    amex = (await stripe_client.v1.payment_methods.attach_async("pm_card_amex", {"customer": customer.id})).id
    updated = await stripe_client.v1.customers.update_async(
        customer.id, {"invoice_settings": {"default_payment_method": amex}}
    )
    assert updated.invoice_settings.default_payment_method == amex
    listed = await stripe_client.v1.customers.payment_methods.list_async(customer.id)
    assert [pm.id for pm in listed.data] == [amex, visa]
    by_query = await stripe_client.v1.payment_methods.list_async({"customer": customer.id, "type": "card"})
    assert [pm.id for pm in by_query.data] == [amex, visa]
    await stripe_client.v1.payment_methods.detach_async(amex)
    customer = await stripe_client.v1.customers.retrieve_async(customer.id)
    assert customer.invoice_settings.default_payment_method is None
    listed = await stripe_client.v1.payment_methods.list_async({"customer": customer.id})
    assert [pm.id for pm in listed.data] == [visa]
    with pytest.raises(stripe.InvalidRequestError):
        await stripe_client.v1.customers.update_async(
            customer.id, {"invoice_settings": {"default_payment_method": amex}}
        )


async def test_setup_intent_confirm_attaches_the_card(stripe_client: stripe.StripeClient):
    customer = await stripe_client.v1.customers.create_async({})
    si = await stripe_client.v1.setup_intents.create_async({"customer": customer.id, "usage": "off_session"})
    assert si.status == "requires_payment_method"
    si = await stripe_client.v1.setup_intents.confirm_async(si.id, {"payment_method": "pm_card_mastercard"})
    assert si.status == "succeeded"
    pm = await stripe_client.v1.payment_methods.retrieve_async(si.payment_method)
    assert (pm.customer, pm.card.brand) == (customer.id, "mastercard")


async def test_an_unknown_connected_account_is_a_403(stripe_client: stripe.StripeClient):
    with pytest.raises(stripe.PermissionError) as refused:
        await stripe_client.v1.balance.retrieve_async(options={"stripe_account": "acct_nobody"})
    assert (refused.value.http_status, refused.value.json_body["error"]["code"]) == (403, "account_invalid")


async def test_confirming_without_a_card_is_a_400_not_a_crash(stripe_client: stripe.StripeClient):
    with pytest.raises(stripe.InvalidRequestError) as refused:
        await stripe_client.v1.payment_intents.create_async({"amount": 6000, "currency": "usd", "confirm": True})
    assert (refused.value.http_status, refused.value.code) == (400, "payment_intent_unexpected_state")


async def test_intents_and_charges_list_by_customer_and_intent(stripe_client: stripe.StripeClient):
    declined_customer, declined_card = await customer_with_card(stripe_client, "pm_card_chargeDeclined")
    pi = await authorize(stripe_client, "pm_card_visa")
    listed = await stripe_client.v1.payment_intents.list_async({"customer": pi.customer})
    assert [item.id for item in listed.data] == [pi.id]
    charges = await stripe_client.v1.charges.list_async({"payment_intent": pi.id})
    assert [(c.id, c.status) for c in charges.data] == [(pi.latest_charge, "succeeded")]
    with pytest.raises(stripe.CardError) as declined:
        await stripe_client.v1.payment_intents.create_async(
            {"amount": 6000, "currency": "usd", "customer": declined_customer.id, "payment_method": declined_card}
            | {"confirm": True, "off_session": True}
        )
    failed = await stripe_client.v1.charges.list_async({"customer": declined_customer.id})
    assert [(c.id, c.status, c.failure_code) for c in failed.data] == [
        (declined.value.error.charge, "failed", "card_declined")
    ]


async def test_after_a_decline_the_same_intent_takes_another_card(stripe_client: stripe.StripeClient):
    customer, declined_card = await customer_with_card(stripe_client, "pm_card_chargeDeclined")
    params = {"amount": 6000, "currency": "usd", "customer": customer.id, "payment_method": declined_card}
    with pytest.raises(stripe.CardError) as declined:
        await stripe_client.v1.payment_intents.create_async(
            params | {"capture_method": "manual", "confirm": True, "off_session": True}
        )
    visa = (await stripe_client.v1.payment_methods.attach_async("pm_card_visa", {"customer": customer.id})).id
    pi = await stripe_client.v1.payment_intents.confirm_async(
        declined.value.error.payment_intent.id, {"payment_method": visa, "off_session": True}
    )
    assert (pi.status, pi.amount_capturable, pi.payment_method, pi.last_payment_error) == (
        "requires_capture",
        6000,
        visa,
        None,
    )
