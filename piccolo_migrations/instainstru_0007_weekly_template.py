"""Written by hand: recurring weekly hours (app/availability/template.py)."""

from app.core.migrations import statements_migration

ID = "2026-12-02T14:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "availability_templates"

STATEMENTS = [
    """CREATE TABLE availability_templates (
        id serial PRIMARY KEY,
        instructor integer NOT NULL UNIQUE REFERENCES users (id) ON DELETE CASCADE,
        weekdays jsonb NOT NULL,
        revision integer NOT NULL DEFAULT 0,
        updated_at timestamptz NOT NULL
    )""",
]


async def forwards():
    return statements_migration(ID, DESCRIPTION, STATEMENTS)
