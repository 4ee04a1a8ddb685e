"""Written by hand: a booking remembers what its Idempotency-Key asked for, so a reused key with
another body is refused instead of answered with the old booking."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-02T12:30:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "bookings.idempotency_fingerprint"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="instainstru", description=DESCRIPTION)

    async def run():
        await engine_finder().run_ddl("ALTER TABLE bookings ADD COLUMN idempotency_fingerprint varchar(64)")

    manager.add_raw(run)
    return manager
