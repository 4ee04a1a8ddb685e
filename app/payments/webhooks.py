"""Stripe's webhook events: verified on the raw body, each event id applied once, in the same
transaction as its effect, by the handlers the features register for its type.

    from app.payments.webhooks import handles, move_forward

    @handles("payout.paid", "payout.failed")
    async def payout_changed(services, effects, event): ...

A handler runs inside the event's transaction (`effects` records its notifications and jobs) and
must leave things right whatever order events arrive in: states move only forward
(`move_forward`), so an older event never undoes a newer one. A type nobody handles is
acknowledged and recorded all the same. The handler modules are imported by webhook_routes.py.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

import stripe
import structlog
from piccolo.table import Table

from app.core.errors import ApiError
from app.core.outbox import Effects, change
from app.core.time import now
from app.payments.stripe_tables import StripeEvent
from app.services import Services

log = structlog.get_logger()

EventHandler = Callable[[Services, Effects, dict[str, Any]], Awaitable[None]]
HANDLERS: dict[str, list[EventHandler]] = {}


def handles(*event_types: str) -> Callable[[EventHandler], EventHandler]:
    def register(handler: EventHandler) -> EventHandler:
        for event_type in event_types:
            HANDLERS.setdefault(event_type, []).append(handler)
        return handler

    return register


def verified_event(services: Services, payload: bytes, signature: str | None) -> dict[str, Any]:
    if not signature:
        raise ApiError(400, "The Stripe-Signature header is missing", code="missing_signature")
    try:
        services.stripe.verify_event(payload, signature)
        body = json.loads(payload)
    except stripe.SignatureVerificationError:
        raise ApiError(
            400, "The Stripe-Signature does not match this body (or is older than 300 s)", code="bad_signature"
        ) from None
    except ValueError:
        raise ApiError(400, "The body is not a Stripe event", code="bad_event") from None
    if not isinstance(body, dict) or not isinstance(body.get("id"), str) or not isinstance(body.get("type"), str):
        raise ApiError(400, "The body is not a Stripe event", code="bad_event")
    return body


async def receive(services: Services, payload: bytes, signature: str | None) -> bool:
    """Applies a verified event once; False when its id was already applied (nothing happens)."""
    event = verified_event(services, payload, signature)
    async with change(services.relay) as effects:
        # A concurrent delivery of the same id waits here for the first one's commit, then inserts nothing.
        first = await StripeEvent.raw(
            "INSERT INTO stripe_events (id, type, created, received_at) VALUES ({}, {}, {}, {}) "
            "ON CONFLICT (id) DO NOTHING RETURNING id",
            event["id"], event["type"], event_time(event), now(),
        )  # fmt: skip
        if not first:
            return False
        for handler in HANDLERS.get(event["type"], ()):
            await handler(services, effects, event)
    log.info("stripe_event_applied", event_id=event["id"], type=event["type"])
    return True


def event_time(event: dict[str, Any]) -> datetime:
    created = event.get("created")
    return datetime.fromtimestamp(created, UTC) if isinstance(created, int) else now()


def rank_of(order: Sequence[StrEnum], status: str) -> int:
    return [member.value for member in order].index(status)


async def move_forward(
    table: type[Table],
    where: dict[str, Any],
    status: StrEnum,
    order: Sequence[StrEnum],
    changes: dict[str, Any] | None = None,
    *,
    status_column: str = "status",
) -> dict[str, Any] | None:
    """Sets the row's status (and `changes`) only if `status` comes after its current one in
    `order` (the enum's members in the order a state may move); None when it would not move
    (already there, further on, or no such row). One statement: concurrent events cannot both win."""
    values = {status_column: status.value, **(changes or {})}
    set_sql = ", ".join(f'"{column}" = {{}}' for column in values)
    where_sql = " AND ".join(f'"{column}" = {{}}' for column in where)
    rows = await table.raw(
        f"UPDATE {table._meta.tablename} SET {set_sql} WHERE {where_sql} "
        f'AND array_position({{}}::text[], "{status_column}") < array_position({{}}::text[], {{}}) RETURNING *',
        *values.values(),
        *where.values(),
        [m.value for m in order],
        [m.value for m in order],
        status.value,
    )
    return rows[0] if rows else None
