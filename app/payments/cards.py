"""Students' saved cards: a Stripe customer per student (made once), cards attached to it and kept
here with their fingerprint; the newest card not removed is the default. Adding a card retries at
once every failed authorization of that student (tasks/cards.py, recorded in the add's transaction).
"""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
import stripe

from app.bookings.tables import BookingStatus
from app.core.auth import CurrentUser
from app.core.errors import ApiError
from app.core.outbox import change
from app.core.time import now
from app.payments.stripe_api import Card, refusal
from app.payments.stripe_tables import PaymentMethod, StripeCustomer
from app.payments.tables import Payment, PaymentStatus
from app.services import Services

RETRY_FAILED_AUTHORIZATIONS = "retry_failed_authorizations"


class CardAdd(msgspec.Struct, forbid_unknown_fields=True):
    # What Stripe.js returned (pm_...), or a test id such as pm_card_visa.
    payment_method_id: Annotated[str, msgspec.Meta(min_length=4, max_length=255, pattern=r"^pm_[A-Za-z0-9_]+$")]


class CardOut(msgspec.Struct):
    id: int
    brand: str
    last4: str
    exp_month: int
    exp_year: int
    # The newest saved card; bookings are paid with it.
    default: bool


async def customer_of(services: Services, user: CurrentUser) -> str:
    """The student's Stripe customer, made on first need (a concurrent first add gets the same one)."""
    row = await StripeCustomer.select(StripeCustomer.customer_id).where(StripeCustomer.user == user.id).first()
    if row:
        return row["customer_id"]
    try:
        customer_id = await services.stripe.create_customer(user.id, user.email, user.full_name)
    except stripe.StripeError as exc:
        raise refusal(exc) from None
    await StripeCustomer.insert(StripeCustomer(user=user.id, customer_id=customer_id, created_at=now())).on_conflict(
        action="DO NOTHING"
    )
    return customer_id


async def add_card(services: Services, user: CurrentUser, payment_method_id: str) -> CardOut:
    customer_id = await customer_of(services, user)
    added = await PaymentMethod.count().where(PaymentMethod.user == user.id)
    try:
        card = await services.stripe.attach_card(user.id, payment_method_id, customer_id, cards_added=added)
    except stripe.InvalidRequestError as exc:
        raise ApiError(
            400,
            "Stripe knows no usable card by this payment method id",
            code="invalid_payment_method",
            extra=[{"key": "payment_method_id", "message": exc.user_message or str(exc.code or "invalid")}],
        ) from None
    except stripe.StripeError as exc:
        raise refusal(exc) from None
    async with change(services.relay) as effects:
        row_id = await _save(user.id, card)
        await effects.job(
            RETRY_FAILED_AUTHORIZATIONS,
            user.id,
            job_id=services.job_id("user", user.id, RETRY_FAILED_AUTHORIZATIONS, row_id),
        )
    return next(c for c in await cards_of(user.id) if c.id == row_id)


async def _save(user_id: int, card: Card) -> int:
    rows = await PaymentMethod.raw(
        "INSERT INTO payment_methods "
        '("user", stripe_payment_method_id, brand, last4, exp_month, exp_year, fingerprint, created_at) '
        "VALUES ({}, {}, {}, {}, {}, {}, {}, {}) "
        # The same add retried (its attach replayed by Stripe): the row it already made.
        "ON CONFLICT (stripe_payment_method_id) DO UPDATE SET removed_at = NULL RETURNING id",
        user_id, card.id, card.brand, card.last4, card.exp_month, card.exp_year, card.fingerprint, now(),
    )  # fmt: skip
    return rows[0]["id"]


async def cards_of(user_id: int) -> list[CardOut]:
    rows = await saved_cards(user_id)
    return [
        CardOut(r["id"], r["brand"], r["last4"], r["exp_month"], r["exp_year"], default=i == 0)
        for i, r in enumerate(rows)
    ]


async def saved_cards(user_id: int) -> list[dict[str, Any]]:
    """Newest first: the first is the default."""
    return (
        await PaymentMethod.select()
        .where((PaymentMethod.user == user_id) & PaymentMethod.removed_at.is_null())
        .order_by(PaymentMethod.id, ascending=False)
    )


async def default_card(user_id: int) -> dict[str, Any] | None:
    """What an authorization charges: the default card's row (`stripe_payment_method_id`) with the
    student's `customer_id`; None without a saved card."""
    rows = await PaymentMethod.raw(
        'SELECT m.*, c.customer_id FROM payment_methods m JOIN stripe_customers c ON c."user" = m."user" '
        'WHERE m."user" = {} AND m.removed_at IS NULL ORDER BY m.id DESC LIMIT 1',
        user_id,
    )
    return rows[0] if rows else None


async def remove_card(services: Services, user_id: int, card_id: int) -> None:
    row = (
        await PaymentMethod.select(PaymentMethod.stripe_payment_method_id)
        .where((PaymentMethod.id == card_id) & (PaymentMethod.user == user_id) & PaymentMethod.removed_at.is_null())
        .first()
    )
    if row is None:
        raise ApiError(404, "No such saved card", code="not_found")
    try:
        await services.stripe.detach_card(card_id, row["stripe_payment_method_id"])
    except stripe.StripeError as exc:
        raise refusal(exc) from None
    await PaymentMethod.update({PaymentMethod.removed_at: now()}).where(PaymentMethod.id == card_id)


async def retry_failed_authorizations_of(student_id: int) -> int:
    """THE HOOK after a card is added: the student's failed authorizations of bookings still live
    are due again now (the authorization job picks up payments whose next_attempt_at has come).
    Returns how many were rescheduled."""
    rows = await Payment.raw(
        "UPDATE payments p SET next_attempt_at = {}, updated_at = {} FROM bookings b "
        "WHERE b.id = p.booking AND b.student = {} AND b.status IN ({}, {}) AND p.status = {} RETURNING p.id",
        now(), now(), student_id, BookingStatus.held, BookingStatus.confirmed, PaymentStatus.failed,
    )  # fmt: skip
    return len(rows)
