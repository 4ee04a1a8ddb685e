from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Request, Router, post
from litestar.params import HeaderParameter

from app.core.openapi import errors
from app.instructors import onboarding_identity
from app.payments import connect_events, earnings, payment_events, payouts, webhooks
from app.services import Services

# The features whose handlers webhooks.HANDLERS dispatches to (imported for their registrations).
HANDLER_MODULES = (connect_events, earnings, payment_events, payouts, onboarding_identity)


class StripeEventBody(msgspec.Struct):
    """A Stripe event as Stripe sends it (only what the route reads is listed; the signature covers
    the raw body)."""

    id: str
    type: str
    created: int
    data: dict[str, Any]


class Received(msgspec.Struct):
    received: bool
    # The event id was applied before: nothing happened this time.
    duplicate: bool


@post(
    "/payments/webhook",
    exclude_from_auth=True,
    status_code=200,
    responses=errors(400),
    summary="Stripe's webhook endpoint",
    description="Events signed with STRIPE_WEBHOOK_SECRET (`Stripe-Signature` over the raw body, 300 s "
    "tolerance). A missing or bad signature is a 400 (`bad_signature`). Each event id takes effect once "
    "(a repeat answers 200 with `duplicate: true`); types nobody handles are acknowledged.",
)
async def stripe_webhook(
    request: Request,
    services: Services,
    data: StripeEventBody,
    stripe_signature: Annotated[str, HeaderParameter(name="Stripe-Signature", min_length=1)],
) -> Received:
    applied = await webhooks.receive(services, await request.body(), stripe_signature)
    return Received(received=True, duplicate=not applied)


router = Router("/api", route_handlers=[stripe_webhook], tags=["payments"])
