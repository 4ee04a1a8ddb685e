"""Written by hand: recurring weekly hours (app/availability/template.py)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

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
    manager = MigrationManager(migration_id=ID, app_name="instainstru", description=DESCRIPTION)

    async def run():
        engine = engine_finder()
        for statement in STATEMENTS:
            await engine.run_ddl(statement)

    manager.add_raw(run)
    return manager
