"""Written by hand: each profile's reach, the box its service radius covers around its place (generated
from lat, lng and service_radius_miles, GiST-indexed), so a search finds the instructors whose area
reaches the searcher's place from the index (`reach && box(place, place)`) instead of taking every
profile within the widest radius any profile may have and testing each one's own radius after.

The box errs wide, never narrow: a degree of latitude is at least 68.7 miles and a degree of longitude
at least 68.7 * cos(latitude) miles, taken at the box's edge nearer a pole; app/search/query.py refines
it by the haversine distance."""

from app.core.migrations import statements_migration

ID = "2026-12-13T10:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "profiles' service reach"

_DLAT = "(service_radius_miles / 68.0)"
_DLNG = f"(service_radius_miles / (68.0 * greatest(cos(radians(least(abs(lat) + {_DLAT}, 90.0))), 0.01)))"

STATEMENTS = [
    f"""ALTER TABLE instructor_profiles ADD COLUMN reach box GENERATED ALWAYS AS
        (box(point(lng - {_DLNG}, lat - {_DLAT}), point(lng + {_DLNG}, lat + {_DLAT}))) STORED""",
    "CREATE INDEX instructor_profiles_reach ON instructor_profiles USING gist (reach)",
]


async def forwards():
    return statements_migration(ID, DESCRIPTION, STATEMENTS)
