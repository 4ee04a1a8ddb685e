"""What an instructor earns from each delivered lesson and how it reached its connected account,
and the admin refunds of completed lessons (with the share of the earning they reverse)."""

from enum import StrEnum

from piccolo.columns import ForeignKey, Integer, Text, Timestamptz, Varchar
from piccolo.table import Table

from app.accounts.tables import User
from app.bookings.tables import Booking


class EarningStatus(StrEnum):
    """In the order an earning moves. `transferring`: the transfer's idempotency key is written and
    the call may have reached Stripe; a retry makes the same call and gets the same transfer."""

    pending = "pending"
    transferring = "transferring"
    transferred = "transferred"


class RefundStatus(StrEnum):
    requested = "requested"
    done = "done"


class Earning(Table, tablename="earnings"):
    """One per delivered lesson: price - fee, whatever share credits paid (API.md)."""

    booking = ForeignKey(references=Booking, unique=True)
    instructor = ForeignKey(references=User)
    amount_cents = Integer()
    # Taken back by admin refunds: before the transfer it is never sent, after it a reversal.
    reversed_cents = Integer(default=0)
    status = Varchar(length=20)  # EarningStatus
    destination = Varchar(length=255, null=True, default=None)  # the connected account
    transfer_id = Varchar(length=255, unique=True, null=True, default=None)
    # What the transfer sent (amount - reversed when it was made).
    transferred_cents = Integer(default=0)
    created_at = Timestamptz()
    updated_at = Timestamptz()


class AdminRefund(Table, tablename="admin_refunds"):
    """The `number`-th admin refund of a booking (its Stripe idempotency key `booking:{id}:refund:{n}`)."""

    booking = ForeignKey(references=Booking)
    number = Integer()
    admin = ForeignKey(references=User)
    amount_cents = Integer()
    # The share of the earning this refund takes back from the instructor.
    reversal_cents = Integer(default=0)
    reason = Text()
    status = Varchar(length=20)  # RefundStatus
    stripe_refund_id = Varchar(length=255, null=True, default=None)
    stripe_reversal_id = Varchar(length=255, null=True, default=None)
    created_at = Timestamptz()
    updated_at = Timestamptz()
