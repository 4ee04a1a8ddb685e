"""Written by hand: the bookings' state columns hold their enums' values and nothing else.

The CHECKs are generated from the enums (app/bookings/tables.py): a new state is a value added
to its enum and a migration that re-creates the CHECK the same way.
"""

from app.bookings.tables import BookingStatus, CancelOutcome
from app.core.migrations import one_of, statements_migration

ID = "2026-12-03T10:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "state enums: bookings status and cancel outcome CHECKs"


STATEMENTS = [
    "ALTER TABLE bookings DROP CONSTRAINT IF EXISTS bookings_status_check",
    f"ALTER TABLE bookings ADD CONSTRAINT bookings_status_check CHECK (status IN ({one_of(BookingStatus)}))",
    "ALTER TABLE bookings DROP CONSTRAINT IF EXISTS bookings_cancel_outcome_check",
    "ALTER TABLE bookings ADD CONSTRAINT bookings_cancel_outcome_check "
    f"CHECK (cancel_outcome IN ({one_of(CancelOutcome)}))",
]


async def forwards():
    return statements_migration(ID, DESCRIPTION, STATEMENTS)
