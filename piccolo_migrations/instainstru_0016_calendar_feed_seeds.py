"""Written by hand: a calendar feed keeps the random seed its token is derived from with SECRET_KEY
(app/feeds/service.py), so its owner can be shown the URL again. URLs made before stay working with
no seed; only a new one can be shown."""

from app.core.migrations import statements_migration

ID = "2026-12-12T10:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "calendar feed seeds"

STATEMENTS = ["ALTER TABLE calendar_feeds ADD COLUMN seed varchar(64)"]


async def forwards():
    return statements_migration(ID, DESCRIPTION, STATEMENTS)
