"""Written by hand: each offer also carries its instructor's place and service radius (lat, lng,
service_radius_miles, beside the reach box of migration 0018, kept by the same triggers), and the live
offers' index carries everything a search tests and returns of an offer. A search then reads a
service's live offers reaching a place from that index alone (an index-only scan while the table's
pages are all-visible, as autovacuum keeps them), where it visited a table page per offer (455 offers
of one service at 10,000 instructors lay on 232 pages) and then each one's profile for the distance
(194 index probes for "guitar in Astoria"); profiles are now read for the page only, or for the
relevance of words left in the query.

Also mended: a profile or onboarding state moved to another instructor (an UPDATE of `instructor`)
left the copies of the one it left behind; they now fall back as if it were deleted."""

from app.core.migrations import statements_migration

ID = "2026-12-15T10:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "offers carry their place; the live offers' index covers the search"

_PLACE = ("reach", "lat", "lng", "service_radius_miles")


def _follow(function: str, assign_new: str, assign_gone: str) -> str:
    """A source row's trigger: its values on its instructor's offers; the instructor it leaves (a
    delete, or an update of `instructor`) gets `assign_gone`."""
    return f"""CREATE OR REPLACE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'DELETE' OR (TG_OP = 'UPDATE' AND OLD.instructor IS DISTINCT FROM NEW.instructor) THEN
            UPDATE instructor_services SET {assign_gone} WHERE instructor = OLD.instructor;
        END IF;
        IF TG_OP <> 'DELETE' THEN
            UPDATE instructor_services SET {assign_new} WHERE instructor = NEW.instructor;
        END IF;
        RETURN NULL;
    END $$"""


STATEMENTS = [
    "ALTER TABLE instructor_services ADD COLUMN lat double precision, ADD COLUMN lng double precision, "
    "ADD COLUMN service_radius_miles double precision",
    # A new offer (or one moved to another instructor) takes its instructor's copies (no profile: NULLs).
    """CREATE OR REPLACE FUNCTION offer_takes_live_and_reach() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        NEW.live := coalesce(
            (SELECT is_live FROM onboarding_states WHERE instructor = NEW.instructor FOR SHARE), false);
        SELECT p.reach, p.lat, p.lng, p.service_radius_miles
            INTO NEW.reach, NEW.lat, NEW.lng, NEW.service_radius_miles
            FROM instructor_profiles p WHERE p.instructor = NEW.instructor FOR SHARE;
        RETURN NEW;
    END $$""",
    _follow("offers_follow_live", "live = NEW.is_live", "live = false"),
    _follow(
        "offers_follow_reach",
        ", ".join(f"{column} = NEW.{column}" for column in _PLACE),
        ", ".join(f"{column} = NULL" for column in _PLACE),
    ),
    # The offers as they are now.
    """UPDATE instructor_services o SET lat = p.lat, lng = p.lng, service_radius_miles = p.service_radius_miles
    FROM instructor_profiles p WHERE p.instructor = o.instructor""",
    "DROP INDEX instructor_services_live",
    """CREATE INDEX instructor_services_live ON instructor_services (service, hourly_rate_cents, instructor)
    INCLUDE (reach, lat, lng, service_radius_miles, durations_minutes, age_groups, locations) WHERE live""",
]


async def forwards():
    return statements_migration(ID, DESCRIPTION, STATEMENTS)
