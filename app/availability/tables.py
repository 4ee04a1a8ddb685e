from piccolo.columns import JSONB, Date, ForeignKey, Integer, Timestamptz
from piccolo.table import Table

from app.accounts.tables import User


class AvailabilityWeek(Table, tablename="availability_weeks"):
    instructor = ForeignKey(references=User)
    week_start = Date()
    # {"YYYY-MM-DD": [[start_minute, end_minute], ...]} in the instructor's wall-clock time
    days = JSONB()
    # Bumped on every accepted save; part of the week's version.
    revision = Integer(default=0)
    updated_at = Timestamptz()


class WeeklyTemplate(Table, tablename="availability_templates"):
    """Recurring weekly hours; weeks without a snapshot of their own follow it (availability/template.py)."""

    instructor = ForeignKey(references=User, unique=True)
    # {"0": [[start_minute, end_minute], ...], ...}: Monday is 0, wall-clock time
    weekdays = JSONB()
    revision = Integer(default=0)
    updated_at = Timestamptz()


class Collaborator(Table, tablename="collaborators"):
    instructor = ForeignKey(references=User)
    user = ForeignKey(references=User)
    created_at = Timestamptz()
