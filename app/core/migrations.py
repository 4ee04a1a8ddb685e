"""What the hand-written migrations share: their statements run in order, and state CHECKs that
list an enum's values (generated from the enum, so code and constraint cannot drift apart)."""

from __future__ import annotations

from enum import StrEnum

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder


def one_of(enum: type[StrEnum]) -> str:
    return ", ".join(f"'{member.value}'" for member in enum)


def statements_migration(migration_id: str, description: str, statements: list[str]) -> MigrationManager:
    manager = MigrationManager(migration_id=migration_id, app_name="instainstru", description=description)

    async def run() -> None:
        engine = engine_finder()
        for statement in statements:
            await engine.run_ddl(statement)

    manager.add_raw(run)
    return manager
