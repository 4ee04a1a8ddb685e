"""Written by hand: profile pictures (app/media/tables.py): each presigned upload, and each user's
current version. The status CHECK is generated from the enum, as in 0006."""

from app.core.migrations import statements_migration
from app.media.tables import UploadStatus

ID = "2026-12-07T10:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "profile pictures"

STATUSES = ", ".join(f"'{status.value}'" for status in UploadStatus)
STATEMENTS = [
    f"""CREATE TABLE picture_uploads (
        id serial PRIMARY KEY,
        "user" integer NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        content_type varchar(40) NOT NULL,
        size_bytes integer NOT NULL CHECK (size_bytes > 0),
        status varchar(12) NOT NULL CONSTRAINT picture_uploads_status_check CHECK (status IN ({STATUSES})),
        crop jsonb,
        reason text,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL,
        CONSTRAINT picture_uploads_failed_has_reason CHECK ((status = 'failed') = (reason IS NOT NULL))
    )""",
    'CREATE INDEX picture_uploads_user ON picture_uploads ("user", id)',
    """CREATE TABLE profile_pictures (
        "user" integer PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
        version integer NOT NULL REFERENCES picture_uploads (id),
        updated_at timestamptz NOT NULL
    )""",
]


async def forwards():
    return statements_migration(ID, DESCRIPTION, STATEMENTS)
