from piccolo.columns import DoublePrecision, ForeignKey, Text, Timestamptz, Varchar
from piccolo.table import Table

from app.accounts.tables import User


class InstructorProfile(Table, tablename="instructor_profiles"):
    """An instructor's public profile and place. The migration adds `location point` (generated from
    lng, lat) with a GiST index for spatial search; Piccolo does not read it."""

    instructor = ForeignKey(references=User, unique=True)
    headline = Varchar(length=120, null=True)
    bio = Text(null=True)
    zip = Varchar(length=5, null=True)
    neighborhood = Varchar(length=80, null=True)
    borough = Varchar(length=20, null=True)
    lat = DoublePrecision()
    lng = DoublePrecision()
    service_radius_miles = DoublePrecision()
    updated_at = Timestamptz()
