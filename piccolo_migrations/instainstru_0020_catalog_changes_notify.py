"""Written by hand: every change to the catalog's services (insert, update, delete, truncate) notifies
`catalog_changed` in its transaction, delivered to listeners at its commit. A web process keeps the
services' names the search reads its words against while it listens (app.search.service_names), where
each search read them in a statement of its own."""

from app.core.migrations import statements_migration

ID = "2026-12-16T10:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "catalog changes notify listeners"

STATEMENTS = [
    """CREATE OR REPLACE FUNCTION catalog_changed() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        PERFORM pg_notify('catalog_changed', '');
        RETURN NULL;
    END $$""",
    """CREATE TRIGGER services_notify_catalog_changed
        AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON services
        FOR EACH STATEMENT EXECUTE FUNCTION catalog_changed()""",
]


async def forwards():
    return statements_migration(ID, DESCRIPTION, STATEMENTS)
