from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.columns.indexes import IndexMethod

ID = "2026-11-22T02:07:24:149958"
VERSION = "1.38.0"
DESCRIPTION = "revoked tokens"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="instainstru", description=DESCRIPTION)

    manager.add_table(
        class_name="RevokedToken",
        tablename="revoked_tokens",
        schema=None,
        columns=None,
    )

    manager.add_column(
        table_class_name="RevokedToken",
        tablename="revoked_tokens",
        column_name="token_id",
        db_column_name="token_id",
        column_class_name="Varchar",
        column_class=Varchar,
        params={
            "length": 64,
            "default": "",
            "null": False,
            "primary_key": False,
            "unique": True,
            "index": False,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )

    manager.add_column(
        table_class_name="RevokedToken",
        tablename="revoked_tokens",
        column_name="expires_at",
        db_column_name="expires_at",
        column_class_name="Timestamptz",
        column_class=Timestamptz,
        params={
            "default": TimestamptzNow(),
            "null": False,
            "primary_key": False,
            "unique": False,
            "index": False,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )

    return manager
