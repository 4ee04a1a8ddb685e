from enum import StrEnum

from piccolo.columns import ForeignKey, Integer, Text, Timestamptz, Varchar
from piccolo.table import Table

from app.accounts.tables import User
from app.bookings.tables import Booking


class PaymentStatus(StrEnum):
    """API.md "Payments": where a booking's card payment stands (a CHECK holds the column to these)."""

    # The card is authorized at authorize_at, 24 h before the start.
    scheduled = "scheduled"
    authorized = "authorized"
    captured = "captured"
    # Authorization cancelled or never made: nothing charged.
    released = "released"
    # An admin refund (or an instructor's cancel after a capture).
    refunded = "refunded"
    failed = "failed"
    # Credits covered the whole price.
    not_needed = "not_needed"


class CreditKind(StrEnum):
    referral = "referral"
    cancellation = "cancellation"
    goodwill = "goodwill"
    spend = "spend"  # negative: credits paying for a booking
    # Credits a cancelled booking gives back (what it spent).
    return_ = "return"


class Payment(Table, tablename="payments"):
    """One per booking; the database is the schedule: the worker finds what is due by these times."""

    booking = ForeignKey(references=Booking, unique=True)
    status = Varchar(length=20)  # PaymentStatus
    amount_cents = Integer()  # the booking's price
    credits_applied_cents = Integer()
    card_amount_cents = Integer()  # amount - credits applied
    authorize_at = Timestamptz(null=True, default=None)
    authorize_attempt = Integer(default=0)
    next_attempt_at = Timestamptz(null=True, default=None)
    payment_intent_id = Varchar(length=255, null=True, default=None)
    capture_due_at = Timestamptz(null=True, default=None)
    captured_cents = Integer(default=0)
    refunded_cents = Integer(default=0)
    # All credit the student got back from this booking (returned spend + cancellation credit).
    credited_cents = Integer(default=0)
    fee_cents = Integer(default=0)
    created_at = Timestamptz()
    updated_at = Timestamptz()


class CreditEntry(Table, tablename="credit_entries"):
    """Append-only: triggers refuse UPDATE and DELETE and keep credit_balances (never below 0)."""

    user = ForeignKey(references=User)
    amount_cents = Integer()
    kind = Varchar(length=20)  # CreditKind
    booking = ForeignKey(references=Booking, null=True, default=None)
    reason = Text(default="")
    created_at = Timestamptz()


class CreditBalance(Table, tablename="credit_balances"):
    """Written only by the trigger on credit_entries; CHECK (balance_cents >= 0)."""

    user = ForeignKey(references=User, unique=True)
    balance_cents = Integer()
