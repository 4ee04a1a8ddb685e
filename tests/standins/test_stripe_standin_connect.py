"""Connect Express onboarding through the hosted page, transfers and reversals, balances,
standard and instant payouts, and Identity verification through its hosted page."""

from __future__ import annotations

import asyncio

import httpx
import pytest
import stripe

from standins.stripe.launch import RunningStandin
from tests.standins.conftest import WebhookReceiver

# stripe 16's HTTPXClient posts its form body with httpx's deprecated `data=` (the SDK's, not ours)
pytestmark = pytest.mark.filterwarnings("ignore:Use 'content=<...>' to upload raw bytes:DeprecationWarning")


async def visit(url: str) -> httpx.Response:
    async with httpx.AsyncClient() as browser:
        return await browser.get(url)


async def onboarded_account(client: stripe.StripeClient) -> stripe.Account:
    account = await client.v1.accounts.create_async({"type": "express", "email": "teacher@example.test"})
    link = await client.v1.account_links.create_async(
        {"account": account.id, "type": "account_onboarding"}
        | {"refresh_url": "http://127.0.0.1:1/refresh", "return_url": "http://127.0.0.1:1/done"}
    )
    await visit(link.url)
    return await client.v1.accounts.retrieve_async(account.id)


async def test_onboarding_page_enables_the_account_sends_account_updated_and_goes_back(
    stripe_client: stripe.StripeClient, webhook_receiver: WebhookReceiver
):
    account = await stripe_client.v1.accounts.create_async(
        {"type": "express", "capabilities": {"transfers": {"requested": True}}, "metadata": {"instructor_id": "9"}}
    )
    assert (account.charges_enabled, account.payouts_enabled, account.details_submitted) == (False, False, False)
    assert account.requirements.currently_due
    link = await stripe_client.v1.account_links.create_async(
        {"account": account.id, "type": "account_onboarding"}
        | {"refresh_url": "http://127.0.0.1:1/refresh", "return_url": "http://127.0.0.1:1/done"}
    )
    assert link.expires_at > link.created
    page = await visit(link.url)
    assert (page.status_code, page.headers["location"]) == (303, "http://127.0.0.1:1/done")
    account = await stripe_client.v1.accounts.retrieve_async(account.id)
    assert (account.charges_enabled, account.payouts_enabled, account.details_submitted) == (True, True, True)
    assert account.capabilities.transfers == "active" and account.requirements.currently_due == []

    (updated,) = webhook_receiver.wait_for_type("account.updated")
    assert updated.account == account.id
    assert updated.data.object.payouts_enabled is True
    assert updated.data.previous_attributes.payouts_enabled is False
    assert (await visit(link.url)).headers["location"] == "http://127.0.0.1:1/refresh"  # a link is used once


async def test_express_by_controller_and_nothing_else(stripe_client: stripe.StripeClient):
    account = await stripe_client.v1.accounts.create_async({"controller": {"stripe_dashboard": {"type": "express"}}})
    assert account.type == "express"
    with pytest.raises(stripe.InvalidRequestError):
        await stripe_client.v1.accounts.create_async({"type": "custom"})


async def test_transfer_to_an_account_not_onboarded_is_refused(stripe_client: stripe.StripeClient):
    account = await stripe_client.v1.accounts.create_async({"type": "express"})
    with pytest.raises(stripe.InvalidRequestError) as refused:
        await stripe_client.v1.transfers.create_async({"amount": 5100, "currency": "usd", "destination": account.id})
    assert refused.value.code == "insufficient_capabilities_for_transfer"


async def test_transfer_is_available_at_once_and_a_reversal_takes_its_share_back(
    stripe_client: stripe.StripeClient, webhook_receiver: WebhookReceiver
):
    account = await onboarded_account(stripe_client)
    transfer = await stripe_client.v1.transfers.create_async(
        {"amount": 5100, "currency": "usd", "destination": account.id, "transfer_group": "booking:5"}
        | {"metadata": {"booking_id": "5"}}
    )
    assert (transfer.amount, transfer.destination, transfer.transfer_group) == (5100, account.id, "booking:5")
    balance = await stripe_client.v1.balance.retrieve_async(options={"stripe_account": account.id})
    assert balance.available[0].amount == 5100 and balance.instant_available[0].amount == 5100

    reversal = await stripe_client.v1.transfers.reversals.create_async(transfer.id, {"amount": 1700})
    assert (reversal.amount, reversal.transfer) == (1700, transfer.id)
    with pytest.raises(stripe.InvalidRequestError):
        await stripe_client.v1.transfers.reversals.create_async(transfer.id, {"amount": 3401})
    transfer = await stripe_client.v1.transfers.retrieve_async(transfer.id)
    assert (transfer.amount_reversed, transfer.reversed) == (1700, False)
    balance = await stripe_client.v1.balance.retrieve_async(options={"stripe_account": account.id})
    assert balance.available[0].amount == 3400

    created = webhook_receiver.wait_for_type("transfer.created")
    reversed_ = webhook_receiver.wait_for_type("transfer.reversed")
    assert [e.data.object.id for e in created] == [transfer.id]
    assert reversed_[0].data.object.amount_reversed == 1700


async def test_platform_balance_follows_captures_refunds_and_transfers(stripe_client: stripe.StripeClient):
    before = (await stripe_client.v1.balance.retrieve_async()).available[0].amount
    account = await onboarded_account(stripe_client)
    pi = await stripe_client.v1.payment_intents.create_async(
        {"amount": 6000, "currency": "usd", "payment_method": "pm_card_visa", "capture_method": "manual"}
        | {"confirm": True}
    )
    await stripe_client.v1.payment_intents.capture_async(pi.id)
    await stripe_client.v1.refunds.create_async({"payment_intent": pi.id, "amount": 1000})
    await stripe_client.v1.transfers.create_async({"amount": 4250, "currency": "usd", "destination": account.id})
    after = (await stripe_client.v1.balance.retrieve_async()).available[0].amount
    assert after - before == 6000 - 1000 - 4250


# An instant payout's fee (1 % of it, at least 50 cents) comes out of the balance on top of it.
@pytest.mark.parametrize(("method", "most", "fee", "left"), [("standard", 5100, 0, 0), ("instant", 5049, 50, 1)])
async def test_payout_goes_pending_in_transit_paid_and_sends_payout_paid(
    stripe_client: stripe.StripeClient,
    stripe_standin: RunningStandin,
    webhook_receiver: WebhookReceiver,
    method: str,
    most: int,
    fee: int,
    left: int,
):
    stripe_standin.configure(payout_standard_seconds=2, payout_instant_seconds=1)
    account = await onboarded_account(stripe_client)
    await stripe_client.v1.transfers.create_async({"amount": 5100, "currency": "usd", "destination": account.id})
    as_account = {"stripe_account": account.id}
    with pytest.raises(stripe.InvalidRequestError) as too_much:
        await stripe_client.v1.payouts.create_async({"amount": most + 1, "currency": "usd", "method": method},
                                                    as_account)  # fmt: skip
    assert too_much.value.code == "balance_insufficient"
    payout = await stripe_client.v1.payouts.create_async(
        {"amount": most, "currency": "usd", "method": method}, as_account
    )
    assert (payout.status, payout.method, payout.amount) == ("pending", method, most)
    taken = await stripe_client.v1.balance_transactions.retrieve_async(payout.balance_transaction, options=as_account)
    assert (taken.fee, taken.net) == (fee, -(most + fee))
    balance = await stripe_client.v1.balance.retrieve_async(options=as_account)
    assert balance.available[0].amount == left

    (paid,) = webhook_receiver.wait_for_type("payout.paid", within=10)
    assert (paid.data.object.id, paid.account) == (payout.id, account.id)
    statuses = [e.data.object.status for e in webhook_receiver.of_type("payout.updated")]
    assert statuses == ["in_transit", "paid"]
    payout = await stripe_client.v1.payouts.retrieve_async(payout.id, options=as_account)
    assert payout.status == "paid"
    with pytest.raises(stripe.InvalidRequestError):  # a payout belongs to its account
        await stripe_client.v1.payouts.retrieve_async(payout.id)


async def test_payout_driven_by_the_control_endpoint_can_fail_and_give_the_money_back(
    stripe_client: stripe.StripeClient, stripe_standin: RunningStandin, webhook_receiver: WebhookReceiver
):
    stripe_standin.configure(payout_auto=False)
    account = await onboarded_account(stripe_client)
    await stripe_client.v1.transfers.create_async({"amount": 3000, "currency": "usd", "destination": account.id})
    as_account = {"stripe_account": account.id}
    payout = await stripe_client.v1.payouts.create_async({"amount": 3000, "currency": "usd"}, as_account)
    await asyncio.sleep(0.5)
    assert (await stripe_client.v1.payouts.retrieve_async(payout.id, options=as_account)).status == "pending"
    stripe_standin.control("POST", f"payouts/{payout.id}", status="failed", failure_code="account_closed")
    (failed,) = webhook_receiver.wait_for_type("payout.failed")
    assert failed.data.object.failure_code == "account_closed"
    balance = await stripe_client.v1.balance.retrieve_async(options=as_account)
    assert balance.available[0].amount == 3000


async def test_payouts_need_an_onboarded_account(stripe_client: stripe.StripeClient):
    account = await stripe_client.v1.accounts.create_async({"type": "express"})
    with pytest.raises(stripe.InvalidRequestError) as refused:
        await stripe_client.v1.payouts.create_async({"amount": 100, "currency": "usd"}, {"stripe_account": account.id})
    assert refused.value.code == "payouts_not_allowed"


async def test_identity_hosted_page_verifies_and_sends_verified(
    stripe_client: stripe.StripeClient, webhook_receiver: WebhookReceiver
):
    session = await stripe_client.v1.identity.verification_sessions.create_async(
        {"type": "document", "metadata": {"user_id": "3"}, "return_url": "http://127.0.0.1:1/identity-done"}
    )
    assert session.status == "requires_input" and session.url.startswith("http://")
    page = await visit(session.url)
    assert (page.status_code, page.headers["location"]) == (303, "http://127.0.0.1:1/identity-done")
    session = await stripe_client.v1.identity.verification_sessions.retrieve_async(session.id)
    assert session.status == "verified" and session.verified_outputs.last_name
    (verified,) = webhook_receiver.wait_for_type("identity.verification_session.verified")
    assert (verified.data.object.id, verified.data.object.metadata["user_id"]) == (session.id, "3")


async def test_identity_can_be_made_to_require_input_again(
    stripe_client: stripe.StripeClient, webhook_receiver: WebhookReceiver
):
    session = await stripe_client.v1.identity.verification_sessions.create_async({"type": "document"})
    await visit(session.url + "?outcome=requires_input")
    session = await stripe_client.v1.identity.verification_sessions.retrieve_async(session.id)
    assert session.status == "requires_input" and session.last_error.code == "document_unverified_other"
    (event,) = webhook_receiver.wait_for_type("identity.verification_session.requires_input")
    assert event.data.object.id == session.id
