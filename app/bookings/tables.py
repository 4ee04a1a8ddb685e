from piccolo.columns import ForeignKey, Integer, Timestamptz, Varchar
from piccolo.table import Table

from app.accounts.tables import User
from app.catalog.tables import Service


class Booking(Table, tablename="bookings"):
    instructor = ForeignKey(references=User)
    student = ForeignKey(references=User)
    service = ForeignKey(references=Service)
    start_at = Timestamptz()
    end_at = Timestamptz()
    # end_at plus the instructor's buffer at booking time: the exclusion constraint compares these.
    blocked_until = Timestamptz()
    status = Varchar(length=20)  # held | confirmed | cancelled | completed
    expires_at = Timestamptz(null=True, default=None)
    idempotency_key = Varchar(length=200, null=True, default=None)
    # sha256 of the request the key first came with (app.bookings.service.booking_fingerprint)
    idempotency_fingerprint = Varchar(length=64, null=True, default=None)
    cancelled_by = Integer(null=True, default=None)
    cancel_outcome = Varchar(length=40, null=True, default=None)
    created_at = Timestamptz()
    updated_at = Timestamptz()
