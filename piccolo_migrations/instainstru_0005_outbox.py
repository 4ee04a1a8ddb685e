"""Written by hand: the transactional outbox (app/core/outbox.py)."""

from app.core.migrations import statements_migration

ID = "2026-12-02T13:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "outbox"

STATEMENTS = [
    """CREATE TABLE outbox (
        id bigserial PRIMARY KEY,
        topic text NOT NULL,
        kind varchar(8) NOT NULL CHECK (kind IN ('event', 'live', 'job', 'control')),
        name text NOT NULL,
        payload text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
    )""",
    # The relay reads one topic oldest first; the sweep finds topics by age.
    "CREATE INDEX outbox_topic ON outbox (topic, id)",
    "CREATE INDEX outbox_age ON outbox (created_at)",
]


async def forwards():
    return statements_migration(ID, DESCRIPTION, STATEMENTS)
