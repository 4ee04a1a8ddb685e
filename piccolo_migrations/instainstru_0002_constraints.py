"""Written by hand: constraints and indexes --auto cannot express.

No contrib extension is available (pgserver ships none), so the exclusion constraints compare
the instructor (or student) id as a one-point int8range instead of needing btree_gist.
"""

from app.core.migrations import statements_migration

ID = "2026-11-22T01:57:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "constraints: no double booking, one week row, unique pairs, lookups"

LIVE = "status IN ('held', 'confirmed')"

STATEMENTS = [
    "ALTER TABLE users ADD CONSTRAINT users_role_check CHECK (role IN ('student', 'instructor', 'admin'))",
    "ALTER TABLE users ADD CONSTRAINT users_email_lower CHECK (email = lower(email))",
    "ALTER TABLE availability_weeks ADD CONSTRAINT availability_weeks_one_per_week UNIQUE (instructor, week_start)",
    "ALTER TABLE availability_weeks ADD CONSTRAINT availability_weeks_monday "
    "CHECK (extract(isodow FROM week_start) = 1)",
    'ALTER TABLE collaborators ADD CONSTRAINT collaborators_once UNIQUE (instructor, "user")',
    "ALTER TABLE instructor_services ADD CONSTRAINT instructor_services_once UNIQUE (instructor, service)",
    "ALTER TABLE bookings ADD CONSTRAINT bookings_status_check "
    "CHECK (status IN ('held', 'confirmed', 'cancelled', 'completed'))",
    "ALTER TABLE bookings ADD CONSTRAINT bookings_order CHECK (start_at < end_at AND end_at <= blocked_until)",
    # PostgreSQL itself forbids two overlapping live bookings of one instructor (buffer included)...
    f"""ALTER TABLE bookings ADD CONSTRAINT bookings_no_instructor_overlap EXCLUDE USING gist (
        int8range(instructor, instructor, '[]') WITH &&,
        tstzrange(start_at, blocked_until, '[)') WITH &&
    ) WHERE ({LIVE})""",
    # ...and a student can't be in two lessons at once.
    f"""ALTER TABLE bookings ADD CONSTRAINT bookings_no_student_overlap EXCLUDE USING gist (
        int8range(student, student, '[]') WITH &&,
        tstzrange(start_at, end_at, '[)') WITH &&
    ) WHERE ({LIVE})""",
    "CREATE UNIQUE INDEX bookings_idempotency ON bookings (student, idempotency_key) WHERE idempotency_key IS NOT NULL",
    "CREATE INDEX bookings_instructor_start ON bookings (instructor, start_at)",
    "CREATE INDEX bookings_student_start ON bookings (student, start_at)",
    'CREATE INDEX notifications_feed ON notifications ("user", id DESC)',
    'CREATE INDEX notifications_unread ON notifications ("user") WHERE read_at IS NULL',
]


async def forwards():
    return statements_migration(ID, DESCRIPTION, STATEMENTS)
