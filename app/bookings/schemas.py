from __future__ import annotations

from typing import Annotated

import msgspec

from app.bookings.tables import BookingStatus, CancelOutcome
from app.core.params import INSTANT_PATTERN, IdField, LessonMinutesField
from app.payments.schemas import PaymentOut
from app.reviews.schemas import LessonReview

Instant = Annotated[
    str,
    msgspec.Meta(
        max_length=40,
        pattern=INSTANT_PATTERN,
        examples=["2026-11-23T09:00:00-05:00"],
        extra_json_schema={"format": "date-time"},
    ),
]


class BookingCreate(msgspec.Struct, forbid_unknown_fields=True):
    instructor_id: IdField
    service_id: IdField
    start: Instant
    duration_minutes: LessonMinutesField
    hold: bool = False


class BookingOut(msgspec.Struct, omit_defaults=True):
    id: int
    status: BookingStatus
    instructor_id: int
    student_id: int
    service_id: int
    start: str
    end: str
    # Who and what, so no client has to show "Student #3".
    student_name: str
    instructor_name: str
    service_name: str
    # hourly rate x duration / 60, fixed when booked (a reschedule keeps it)
    price_cents: int
    payment: PaymentOut
    review: Annotated[
        LessonReview | None,
        msgspec.Meta(description="The lesson's review (its student reviews a completed lesson once); null while none"),
    ]
    expires_at: str | None = None


class Reschedule(msgspec.Struct, forbid_unknown_fields=True):
    start: Instant


class CancelPolicy(msgspec.Struct):
    """What a cancellation did (or, quoted, would do) with the money; `detail` says it in words."""

    outcome: CancelOutcome
    # None when the system cancelled (an expired hold, a failed authorization).
    cancelled_by: int | None
    detail: str
    refund_cents: int  # back to the card
    credit_cents: int  # all credit the student gets back
    charged_cents: int  # taken from the card


class CancelResult(BookingOut, kw_only=True):
    """The cancelled booking with what the policy did."""

    policy: CancelPolicy
