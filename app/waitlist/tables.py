from piccolo.columns import Array, ForeignKey, Integer, Timestamptz
from piccolo.table import Table

from app.accounts.tables import User


class WaitlistEntry(Table, tablename="waitlist_entries"):
    """A student waiting for an opening of `duration_minutes` in [window_start, window_end)."""

    student = ForeignKey(references=User)
    instructor = ForeignKey(references=User)
    window_start = Timestamptz()
    window_end = Timestamptz()
    duration_minutes = Integer()
    # The open starts the student already knows of (open when it joined, or told since): only a
    # start outside this set is an opening.
    known_open = Array(base_column=Timestamptz())
    last_notified_at = Timestamptz(null=True, default=None)
    created_at = Timestamptz()
