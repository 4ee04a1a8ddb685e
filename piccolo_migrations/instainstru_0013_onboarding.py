"""Written by hand: instructor onboarding (app/instructors/onboarding_tables.py): whether an
instructor is live, its Stripe Identity sessions and its background-check documents. The state
CHECKs are generated from the enums, as in 0006."""

from app.core.migrations import one_of, statements_migration
from app.instructors.onboarding_tables import DocumentStatus, IdentityStatus

ID = "2026-12-09T10:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "instructor onboarding"


STATEMENTS = [
    """CREATE TABLE onboarding_states (
        id serial PRIMARY KEY,
        instructor integer NOT NULL UNIQUE REFERENCES users (id) ON DELETE CASCADE,
        is_live boolean NOT NULL DEFAULT false,
        live_at timestamptz,
        notified_steps text NOT NULL DEFAULT '',
        updated_at timestamptz NOT NULL,
        CONSTRAINT onboarding_live_has_time CHECK (NOT is_live OR live_at IS NOT NULL)
    )""",
    f"""CREATE TABLE identity_sessions (
        id serial PRIMARY KEY,
        instructor integer NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        session_id varchar(255) NOT NULL UNIQUE,
        status varchar(20) NOT NULL CONSTRAINT identity_sessions_status_check
            CHECK (status IN ({one_of(IdentityStatus)})),
        failure_reason text,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL
    )""",
    "CREATE INDEX identity_sessions_instructor ON identity_sessions (instructor, created_at)",
    f"""CREATE TABLE background_checks (
        id serial PRIMARY KEY,
        instructor integer NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        status varchar(20) NOT NULL CONSTRAINT background_checks_status_check
            CHECK (status IN ({one_of(DocumentStatus)})),
        filename varchar(255) NOT NULL,
        content_type varchar(40) NOT NULL,
        size_bytes integer NOT NULL CHECK (size_bytes > 0),
        storage_key varchar(255) UNIQUE,
        reason text,
        uploaded_at timestamptz NOT NULL,
        submitted_at timestamptz,
        decided_at timestamptz,
        decided_by integer REFERENCES users (id),
        CONSTRAINT background_checks_rejected_has_reason CHECK (status <> 'rejected' OR reason IS NOT NULL)
    )""",
    "CREATE INDEX background_checks_instructor ON background_checks (instructor, id)",
    "CREATE INDEX background_checks_status ON background_checks (status, submitted_at)",
]


async def forwards():
    return statements_migration(ID, DESCRIPTION, STATEMENTS)
