from piccolo.columns import ForeignKey, Timestamptz, Varchar
from piccolo.table import Table

from app.accounts.tables import User


class CalendarFeed(Table, tablename="calendar_feeds"):
    """One secret URL per user: only the token's sha256 is kept, so the database cannot leak it."""

    user = ForeignKey(references=User, unique=True)
    token_hash = Varchar(length=64, unique=True)
    created_at = Timestamptz()
