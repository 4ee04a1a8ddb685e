"""Written by hand: the bookings' state columns hold their enums' values and nothing else.

The CHECKs are generated from the enums (app/bookings/tables.py): a new state is a value added
to its enum and a migration that re-creates the CHECK the same way.
"""

from enum import StrEnum

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

from app.bookings.tables import BookingStatus, CancelOutcome

ID = "2026-12-03T10:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "state enums: bookings status and cancel outcome CHECKs"


def one_of(enum: type[StrEnum]) -> str:
    return ", ".join(f"'{member.value}'" for member in enum)


STATEMENTS = [
    "ALTER TABLE bookings DROP CONSTRAINT IF EXISTS bookings_status_check",
    f"ALTER TABLE bookings ADD CONSTRAINT bookings_status_check CHECK (status IN ({one_of(BookingStatus)}))",
    "ALTER TABLE bookings DROP CONSTRAINT IF EXISTS bookings_cancel_outcome_check",
    "ALTER TABLE bookings ADD CONSTRAINT bookings_cancel_outcome_check "
    f"CHECK (cancel_outcome IN ({one_of(CancelOutcome)}))",
]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="instainstru", description=DESCRIPTION)

    async def run():
        engine = engine_finder()
        for statement in STATEMENTS:
            await engine.run_ddl(statement)

    manager.add_raw(run)
    return manager
