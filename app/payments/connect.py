"""An instructor's Connect Express account and its hosted onboarding link (API.md `POST
/api/instructors/me/payouts-account`). The account is made once (idempotency key
`instructor:{id}:connected_account`); account.updated (connect_events.py) makes it active."""

from __future__ import annotations

import time
from typing import Any

import msgspec
import stripe

from app.accounts.tables import User
from app.core.time import now
from app.payments.stripe_api import refusal
from app.payments.stripe_tables import ConnectedAccount, ConnectedAccountStatus
from app.services import Services


class PayoutsAccountLink(msgspec.Struct):
    account_id: str
    # The hosted onboarding page (Stripe's, or the stand-in's); valid for a few minutes.
    url: str


async def account_of(instructor_id: int) -> dict[str, Any] | None:
    return await ConnectedAccount.select().where(ConnectedAccount.instructor == instructor_id).first()


async def ensure_account(services: Services, instructor_id: int) -> str:
    existing = await account_of(instructor_id)
    if existing is not None:
        return existing["account_id"]
    user = await User.select(User.email).where(User.id == instructor_id).first()
    account_id = await services.stripe.create_express_account(instructor_id, user["email"])
    at = now()
    # account.updated may have recorded it first (from the account's metadata): the same account.
    await ConnectedAccount.raw(
        "INSERT INTO connected_accounts (instructor, account_id, status, created_at, updated_at) "
        "VALUES ({}, {}, {}, {}, {}) ON CONFLICT DO NOTHING",
        instructor_id, account_id, ConnectedAccountStatus.pending.value, at, at,
    )  # fmt: skip
    return account_id


async def onboarding_link(services: Services, instructor_id: int, site_url: str) -> PayoutsAccountLink:
    """A fresh link every time (links expire after a few minutes); the same account."""
    try:
        account_id = await ensure_account(services, instructor_id)
        return_to = f"{site_url.rstrip('/')}/#/onboarding"
        link = await services.stripe.client.v1.account_links.create_async(
            {"account": account_id, "type": "account_onboarding", "refresh_url": return_to, "return_url": return_to},
            {"idempotency_key": services.stripe.idempotency_key("account", account_id, "link", time.time_ns())},
        )
    except stripe.StripeError as exc:
        raise refusal(exc) from None
    return PayoutsAccountLink(account_id=account_id, url=link.url)
