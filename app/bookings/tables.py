from enum import StrEnum

from piccolo.columns import ForeignKey, Integer, Timestamptz, Varchar
from piccolo.table import Table

from app.accounts.tables import User
from app.catalog.tables import Service


class BookingStatus(StrEnum):
    # A live booking is held and unexpired, or confirmed (app.bookings.live).
    held = "held"
    confirmed = "confirmed"
    cancelled = "cancelled"
    completed = "completed"


class CancelOutcome(StrEnum):
    """Why a booking is cancelled, and so what the policy does with its money (API.md's cancel table)."""

    free = "free"
    credit_refund = "credit_refund"
    charged_in_full = "charged_in_full"
    full_refund = "full_refund"
    hold_released = "hold_released"
    # The hold ran out before checkout finished (the worker's release).
    hold_expired = "hold_expired"
    # The card's authorization still failed 12 h before the start (the worker's cancel).
    payment_failed = "payment_failed"


class Booking(Table, tablename="bookings"):
    instructor = ForeignKey(references=User)
    student = ForeignKey(references=User)
    service = ForeignKey(references=Service)
    start_at = Timestamptz()
    end_at = Timestamptz()
    # end_at plus the instructor's buffer at booking time: the exclusion constraint compares these.
    blocked_until = Timestamptz()
    status = Varchar(length=20)  # BookingStatus (a CHECK holds it to the enum's values)
    expires_at = Timestamptz(null=True, default=None)
    idempotency_key = Varchar(length=200, null=True, default=None)
    # sha256 of the request the key first came with (app.bookings.service.booking_fingerprint)
    idempotency_fingerprint = Varchar(length=64, null=True, default=None)
    cancelled_by = Integer(null=True, default=None)
    cancel_outcome = Varchar(length=40, null=True, default=None)  # CancelOutcome
    # hourly rate x duration / 60, fixed at booking time (a reschedule keeps it): app.payments.money
    price_cents = Integer(default=0)
    created_at = Timestamptz()
    updated_at = Timestamptz()
