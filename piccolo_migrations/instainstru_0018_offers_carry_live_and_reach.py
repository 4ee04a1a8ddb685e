"""Written by hand: each offer (instructor_services row) carries its instructor's live flag and service
reach, kept by triggers, so a search reads the offers of a service, live and reaching the place, from
the offers alone (app/search/query.py), where it probed onboarding_states and instructor_profiles once
per offer of the service (455 offers of one service at 10,000 instructors: 3.6 -> 0.7 ms).

The copies follow their sources in the same transaction: an offer takes them when written, and going
live or offline (onboarding_states) or moving one's place or radius (instructor_profiles, whose `reach`
is generated from them, migration 0017) rewrites them on every offer of that instructor. An offer
written while its instructor goes offline (or moves) in another transaction cannot keep the old copy:
it reads the sources FOR SHARE, so it waits for that change to commit and reads it, or the change
waits for the offer to commit and then rewrites it. Core PostgreSQL only (PL/pgSQL triggers)."""

from app.core.migrations import statements_migration

ID = "2026-12-14T10:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "offers carry live and reach"


def _offers_follow(copy: str, value: str, when_gone: str) -> str:
    """The trigger function writing a source row's value on its instructor's offers."""
    return f"""CREATE FUNCTION offers_follow_{copy}() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'DELETE' THEN
            UPDATE instructor_services SET {copy} = {when_gone} WHERE instructor = OLD.instructor;
        ELSE
            UPDATE instructor_services SET {copy} = {value} WHERE instructor = NEW.instructor;
        END IF;
        RETURN NULL;
    END $$"""


STATEMENTS = [
    "ALTER TABLE instructor_services ADD COLUMN live boolean NOT NULL DEFAULT false",
    "ALTER TABLE instructor_services ADD COLUMN reach box",
    # A new offer (or one moved to another instructor) takes its instructor's copies.
    """CREATE FUNCTION offer_takes_live_and_reach() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        NEW.live := coalesce(
            (SELECT is_live FROM onboarding_states WHERE instructor = NEW.instructor FOR SHARE), false);
        NEW.reach := (SELECT reach FROM instructor_profiles WHERE instructor = NEW.instructor FOR SHARE);
        RETURN NEW;
    END $$""",
    """CREATE TRIGGER offer_takes_live_and_reach BEFORE INSERT OR UPDATE OF instructor ON instructor_services
    FOR EACH ROW EXECUTE FUNCTION offer_takes_live_and_reach()""",
    # A change of a source writes its value on the instructor's offers (no read of the other source:
    # going live and moving at once only queue on the offers' rows, they cannot deadlock).
    _offers_follow("live", "NEW.is_live", "false"),
    """CREATE TRIGGER offers_follow_live AFTER INSERT OR DELETE OR UPDATE OF is_live, instructor
    ON onboarding_states FOR EACH ROW EXECUTE FUNCTION offers_follow_live()""",
    _offers_follow("reach", "NEW.reach", "NULL"),
    """CREATE TRIGGER offers_follow_reach AFTER INSERT OR DELETE OR UPDATE OF lat, lng, service_radius_miles, instructor
    ON instructor_profiles FOR EACH ROW EXECUTE FUNCTION offers_follow_reach()""",
    # The offers as they are now.
    """UPDATE instructor_services o SET live = coalesce(l.is_live, false), reach = p.reach
    FROM instructor_services x
    LEFT JOIN onboarding_states l ON l.instructor = x.instructor
    LEFT JOIN instructor_profiles p ON p.instructor = x.instructor
    WHERE x.id = o.id""",
    "CREATE INDEX instructor_services_live ON instructor_services (service, hourly_rate_cents, instructor) WHERE live",
    "CREATE INDEX instructor_services_live_reach ON instructor_services USING gist (reach) WHERE live",
]


async def forwards():
    return statements_migration(ID, DESCRIPTION, STATEMENTS)
