"""Written by hand: instructors' profiles with their place (app/instructors/profile_tables.py). The
`location` point (x = lng, y = lat) is generated from the coordinates and GiST-indexed, so spatial
search can use `<->` ordering and box containment with core PostgreSQL only (no extensions)."""

from app.core.migrations import statements_migration
from app.places.gazetteer import BOROUGHS

ID = "2026-12-08T10:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "instructor profiles with a place"

STATEMENTS = [
    f"""CREATE TABLE instructor_profiles (
        id serial PRIMARY KEY,
        instructor integer NOT NULL UNIQUE REFERENCES users (id) ON DELETE CASCADE,
        headline varchar(120) CHECK (char_length(headline) BETWEEN 1 AND 120),
        bio text CHECK (char_length(bio) BETWEEN 1 AND 2000),
        zip varchar(5) CHECK (zip ~ '^[0-9]{{5}}$'),
        neighborhood varchar(80),
        borough varchar(20) CHECK (borough IN ({", ".join(f"'{b}'" for b in BOROUGHS)})),
        lat double precision NOT NULL CHECK (lat BETWEEN -90 AND 90),
        lng double precision NOT NULL CHECK (lng BETWEEN -180 AND 180),
        location point GENERATED ALWAYS AS (point(lng, lat)) STORED,
        service_radius_miles double precision NOT NULL CHECK (service_radius_miles BETWEEN 0.5 AND 50),
        updated_at timestamptz NOT NULL
    )""",
    "CREATE INDEX instructor_profiles_location ON instructor_profiles USING gist (location)",
]


async def forwards():
    return statements_migration(ID, DESCRIPTION, STATEMENTS)
