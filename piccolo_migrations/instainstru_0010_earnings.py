"""Written by hand: instructors' earnings (one per delivered lesson, with its transfer) and admin
refunds (app/payments/earning_tables.py). The state CHECKs are generated from the enums, as in 0006."""

from app.core.migrations import one_of, statements_migration
from app.payments.earning_tables import EarningStatus, RefundStatus

ID = "2026-12-06T10:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "earnings and admin refunds"


STATEMENTS = [
    f"""CREATE TABLE earnings (
        id serial PRIMARY KEY,
        booking integer NOT NULL UNIQUE REFERENCES bookings (id) ON DELETE CASCADE,
        instructor integer NOT NULL REFERENCES users (id),
        amount_cents integer NOT NULL CHECK (amount_cents > 0),
        reversed_cents integer NOT NULL DEFAULT 0 CHECK (reversed_cents BETWEEN 0 AND amount_cents),
        status varchar(20) NOT NULL CONSTRAINT earnings_status_check CHECK (status IN ({one_of(EarningStatus)})),
        destination varchar(255),
        transfer_id varchar(255) UNIQUE,
        transferred_cents integer NOT NULL DEFAULT 0 CHECK (transferred_cents BETWEEN 0 AND amount_cents),
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL,
        CONSTRAINT earnings_transferred_has_transfer CHECK ((status = 'transferred') = (transfer_id IS NOT NULL))
    )""",
    "CREATE INDEX earnings_instructor ON earnings (instructor, status)",
    f"""CREATE TABLE admin_refunds (
        id serial PRIMARY KEY,
        booking integer NOT NULL REFERENCES bookings (id) ON DELETE CASCADE,
        number integer NOT NULL CHECK (number > 0),
        admin integer NOT NULL REFERENCES users (id),
        amount_cents integer NOT NULL CHECK (amount_cents > 0),
        reversal_cents integer NOT NULL DEFAULT 0 CHECK (reversal_cents >= 0),
        reason text NOT NULL,
        status varchar(20) NOT NULL CONSTRAINT admin_refunds_status_check CHECK (status IN ({one_of(RefundStatus)})),
        stripe_refund_id varchar(255) UNIQUE,
        stripe_reversal_id varchar(255) UNIQUE,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL,
        UNIQUE (booking, number)
    )""",
]


async def forwards():
    return statements_migration(ID, DESCRIPTION, STATEMENTS)
