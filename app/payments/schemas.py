from __future__ import annotations

from typing import Annotated

import msgspec

from app.payments.tables import CreditKind, PaymentStatus


class PaymentOut(msgspec.Struct):
    status: PaymentStatus
    amount_cents: int
    credits_applied_cents: int
    card_amount_cents: int
    # When the card is authorized (24 h before the start); null when no card is involved.
    authorize_at: str | None
    captured_cents: int
    refunded_cents: int
    # All credit the student got back from this booking.
    credited_cents: int


class CreditEntryOut(msgspec.Struct):
    id: int
    amount_cents: int
    kind: CreditKind
    booking_id: int | None
    reason: str
    created_at: str


class Credits(msgspec.Struct):
    balance_cents: int
    entries: list[CreditEntryOut]


class GoodwillCredit(msgspec.Struct, forbid_unknown_fields=True):
    # Negative takes credit back; the database refuses a balance below zero (409 insufficient_credits).
    amount_cents: Annotated[int, msgspec.Meta(ge=-10_000_000, le=10_000_000)]
    reason: Annotated[str, msgspec.Meta(min_length=1, max_length=500)]
