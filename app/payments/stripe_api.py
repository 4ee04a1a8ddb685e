"""The one Stripe client of a process (Services.stripe) and the calls the platform makes.

The SDK's async client over its httpx client (`*_async` methods): a call waiting on Stripe never
blocks the event loop and needs no thread. Every mutating call carries an idempotency key made of
business ids (`user:{id}:customer`, `booking:{id}:authorize:{attempt}`) under the deployment's
prefix (REDIS_PREFIX, as arq job ids: two deployments, or two test databases, sharing one Stripe
account never replay each other's calls), so a retry after a crash or a timeout is the same call
at Stripe. Without STRIPE_SECRET_KEY every call goes to the
local stand-in (standins/stripe) at STRIPE_API_BASE.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import stripe
import structlog

from app.core.errors import ApiError
from app.core.tls import http_client
from app.settings import Settings

log = structlog.get_logger()
STANDIN_API_KEY = "sk_test_standin"
WEBHOOK_TOLERANCE_SECONDS = 300


@dataclass(frozen=True)
class Card:
    """A card payment method as Stripe describes it."""

    id: str
    brand: str
    last4: str
    exp_month: int
    exp_year: int
    fingerprint: str

    @classmethod
    def of(cls, payment_method: dict[str, Any]) -> Card:
        card = payment_method["card"]
        return cls(
            id=payment_method["id"],
            brand=card["brand"],
            last4=card["last4"],
            exp_month=int(card["exp_month"]),
            exp_year=int(card["exp_year"]),
            fingerprint=card.get("fingerprint") or "",
        )


class StripeApi:
    def __init__(self, settings: Settings) -> None:
        self.standin = settings.stripe_standin
        self.base_url = settings.stripe_base_url
        self.webhook_secret = settings.stripe_webhook_secret
        self.key_prefix = settings.redis_prefix
        self.http = stripe.HTTPXClient()
        bases = {"api": self.base_url, "connect": self.base_url, "files": self.base_url} if self.base_url else None
        self.client = stripe.StripeClient(
            settings.stripe_secret_key or STANDIN_API_KEY,
            base_addresses=bases,
            http_client=self.http,
            max_network_retries=2,
        )

    @property
    def mode(self) -> str:
        return "standin" if self.standin else "stripe"

    async def aclose(self) -> None:
        await self.http.close_async()

    def idempotency_key(self, *business_ids: object) -> str:
        """`idempotency_key("booking", 7, "authorize", 2)` → `ii:booking:7:authorize:2`."""
        return self.key_prefix + ":".join(str(part) for part in business_ids)

    async def create_customer(self, user_id: int, email: str, name: str) -> str:
        customer = await self.client.v1.customers.create_async(
            {"email": email, "name": name, "metadata": {"user_id": str(user_id)}},
            {"idempotency_key": self.idempotency_key("user", user_id, "customer")},
        )
        return customer.id

    async def attach_card(self, user_id: int, payment_method_id: str, customer_id: str, *, cards_added: int) -> Card:
        """`cards_added`: the student's cards so far (removed ones too), so a card saved again after its
        removal is a new attach, while a retry of the same add replays the first answer."""
        key = self.idempotency_key("user", user_id, "payment_method", cards_added, payment_method_id, "attach")
        payment_method = await self.client.v1.payment_methods.attach_async(
            payment_method_id, {"customer": customer_id}, {"idempotency_key": key}
        )
        described = payment_method.to_dict()
        if described.get("type") != "card" or not described.get("card"):
            raise ApiError(400, "Only cards can be saved", code="not_a_card")
        return Card.of(described)

    async def detach_card(self, card_id: int, payment_method_id: str) -> None:
        """`card_id`: our payment_methods row."""
        key = self.idempotency_key("payment_method", card_id, "detach")
        try:
            await self.client.v1.payment_methods.detach_async(payment_method_id, options={"idempotency_key": key})
        except stripe.InvalidRequestError as exc:
            # Already detached (or gone at Stripe): what removing the card wanted.
            if exc.code not in ("resource_missing", "payment_method_unexpected_state"):
                raise

    async def authorize(
        self, booking_id: int, attempt: int, *, amount_cents: int, customer_id: str, payment_method_id: str
    ) -> stripe.PaymentIntent:
        """Holds a booking's card share off-session (manual capture): `requires_capture` on success.
        A decline raises stripe.CardError (`code` card_declined or authentication_required; the
        intent is `exc.error.payment_intent`); each attempt is its own call."""
        return await self.client.v1.payment_intents.create_async(
            {
                "amount": amount_cents,
                "currency": "usd",
                "customer": customer_id,
                "payment_method": payment_method_id,
                "capture_method": "manual",
                "confirm": True,
                "off_session": True,
                "transfer_group": f"booking:{booking_id}",
                "metadata": {"booking_id": str(booking_id), "attempt": str(attempt)},
            },
            {"idempotency_key": self.idempotency_key("booking", booking_id, "authorize", attempt)},
        )

    async def capture(self, booking_id: int, payment_intent_id: str, amount_cents: int) -> stripe.PaymentIntent:
        """Captures `amount_cents` (up to what was authorized; the rest is released)."""
        return await self.client.v1.payment_intents.capture_async(
            payment_intent_id,
            {"amount_to_capture": amount_cents},
            {"idempotency_key": self.idempotency_key("booking", booking_id, "capture")},
        )

    async def release(self, booking_id: int, payment_intent_id: str) -> stripe.PaymentIntent:
        """Cancels an uncaptured authorization: nothing is charged."""
        return await self.client.v1.payment_intents.cancel_async(
            payment_intent_id, options={"idempotency_key": self.idempotency_key("booking", booking_id, "release")}
        )

    async def refund(self, booking_id: int, payment_intent_id: str, amount_cents: int, number: int) -> stripe.Refund:
        """The booking's `number`-th refund (1, 2, ...), of captured money."""
        return await self.client.v1.refunds.create_async(
            {"payment_intent": payment_intent_id, "amount": amount_cents, "metadata": {"booking_id": str(booking_id)}},
            {"idempotency_key": self.idempotency_key("booking", booking_id, "refund", number)},
        )

    async def transfer(self, booking_id: int, amount_cents: int, destination: str) -> stripe.Transfer:
        """The instructor's earning of a delivered lesson, to its connected account."""
        return await self.client.v1.transfers.create_async(
            {
                "amount": amount_cents,
                "currency": "usd",
                "destination": destination,
                "transfer_group": f"booking:{booking_id}",
                "metadata": {"booking_id": str(booking_id)},
            },
            {"idempotency_key": self.idempotency_key("booking", booking_id, "transfer")},
        )

    async def create_express_account(self, instructor_id: int, email: str) -> str:
        """The instructor's Connect Express account (its metadata names the instructor, which the
        account.updated handler reads)."""
        account = await self.client.v1.accounts.create_async(
            {
                "type": "express",
                "email": email,
                "capabilities": {"transfers": {"requested": True}},
                "metadata": {"instructor_id": str(instructor_id)},
            },
            {"idempotency_key": self.idempotency_key("instructor", instructor_id, "connected_account")},
        )
        return account.id

    async def create_identity_session(self, instructor_id: int, number: int, return_url: str) -> tuple[str, str]:
        """The instructor's `number`-th Stripe Identity verification session (a document check):
        (session id, hosted page url). Its metadata names the instructor, which the
        identity.verification_session.* handlers read."""
        session = await self.client.v1.identity.verification_sessions.create_async(
            {
                "type": "document",
                "return_url": return_url,
                "metadata": {"instructor_id": str(instructor_id)},
                "client_reference_id": f"instructor:{instructor_id}",
            },
            {"idempotency_key": self.idempotency_key("instructor", instructor_id, "identity", number)},
        )
        return session.id, session.url or ""

    def verify_event(self, payload: bytes, signature: str) -> stripe.Event:
        """Raises stripe.SignatureVerificationError (or ValueError for a body that is not an event)."""
        return stripe.Webhook.construct_event(
            payload, signature, self.webhook_secret, tolerance=WEBHOOK_TOLERANCE_SECONDS
        )

    async def follow_clock(self, now: datetime) -> None:
        """The stand-in's clock follows the test clock (`created`, `capture_before`, payouts); Stripe's
        own test mode has no such call."""
        if not self.standin or not self.base_url:
            return
        async with http_client(timeout=10) as client:
            response = await client.post(f"{self.base_url}/_standin/clock", json={"now": int(now.timestamp())})
            response.raise_for_status()


def refusal(exc: stripe.StripeError) -> ApiError:
    """A Stripe error as the client's 4xx/503: a card problem is 402 with Stripe's code."""
    if isinstance(exc, stripe.IdempotencyError):
        log.error("stripe_idempotency_key_reused", error=str(exc))
    if isinstance(exc, stripe.CardError):
        return ApiError(402, exc.user_message or "The card was declined", code=exc.code or "card_declined")
    if isinstance(exc, stripe.InvalidRequestError):
        return ApiError(400, exc.user_message or "Stripe refused the request", code=exc.code or "invalid_request")
    return ApiError(
        503, "The payment service is briefly unavailable; retry shortly", code="payment_unavailable",
        headers={"Retry-After": "5"},
    )  # fmt: skip
